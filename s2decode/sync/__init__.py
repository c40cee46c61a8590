"""Synchrony metrics of spike trains, in Numba, batched over trials.

Same numbers as PySpike (SPIKE-synchronization, ISI- and SPIKE-distance), Elephant (STTC,
spike-contrast, van Rossum distance) where those are right, documented where they differ
(``docs/sync.md``). Every function takes a list of 1-D arrays of spike times in seconds with
``t_start``/``t_stop``, or a batched :class:`~s2decode.spiketrains.SpikeTrains`
(trials x neurons; the result gains a leading trial axis), and ``windows=`` for one value
per time window (:func:`sliding_windows`).
"""

from .contrast import SpikeContrastTrace, spike_contrast
from .distances import isi_distance_matrix, spike_distance_matrix, van_rossum_distance_matrix
from .phase import (
    KuramotoOrder,
    kuramoto_order,
    phase_locking_matrix,
    spike_phases,
    spike_phasors,
)
from .semantic import fisher_ratio, semantization
from .spike_sync import SpikeSyncProfile, spike_sync_matrix, spike_sync_profile
from .sttc import sttc_matrix
from .windows import sliding_windows

__all__ = [
    "KuramotoOrder",
    "SpikeContrastTrace",
    "SpikeSyncProfile",
    "fisher_ratio",
    "isi_distance_matrix",
    "kuramoto_order",
    "phase_locking_matrix",
    "semantization",
    "sliding_windows",
    "spike_contrast",
    "spike_distance_matrix",
    "spike_phases",
    "spike_phasors",
    "spike_sync_matrix",
    "spike_sync_profile",
    "sttc_matrix",
    "van_rossum_distance_matrix",
]

"""Readers per modality, each ending in the trials data model (:mod:`s2decode.trials`).

- :mod:`~s2decode.io.eeg`: EEG/MEG through MNE, onto parcels by a source model or by distance;
- :mod:`~s2decode.io.fmri`: 4D NIfTI + BIDS events through nilearn maskers;
- :mod:`~s2decode.io.spikes`: spike times from NWB or arrays, units onto parcels.

MNE, nilearn and pynwb are imported only when a reader is called.
"""

from .eeg import epochs_from_raw, epochs_to_trials, find_events, read_raw, windows_from_raw
from .fmri import events_from_volume_labels, fmri_to_trials, read_events
from .spikes import read_nwb, spikes_to_trials, units_to_parcels

__all__ = [
    "epochs_from_raw",
    "epochs_to_trials",
    "events_from_volume_labels",
    "find_events",
    "fmri_to_trials",
    "read_events",
    "read_nwb",
    "read_raw",
    "spikes_to_trials",
    "units_to_parcels",
    "windows_from_raw",
]

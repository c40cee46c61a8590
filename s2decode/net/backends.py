"""Which Brian2 backend runs a simulation, and batch sizes whose standalone builds are reused.

``backend="auto"`` (the default of :func:`~s2decode.net.simulate`, the estimators and
pipelines) picks the fastest correct path this machine has, per call:

``"cpp_standalone"``
    where a C++ compiler works (Brian2's test compilation for Cython passes) and ``make``
    is found (MSVC's ``nmake`` on Windows), and either a build of the call's network shape
    is in the cache already or the call is large enough to pay for compiling one: at least
    :data:`AUTO_STANDALONE_MIN_STEPS` neuron-steps (trials x parcels x duration / dt; with
    the Cython runtime about as long as a first build takes);
``"cython"``
    otherwise, where the compiler works;
``"numpy"``
    without a compiler (with a warning: slow).

Every backend gives the same spikes (the tests compare them exactly), so the choice changes
the time a call takes, never its result.

Standalone builds are compiled per network shape, the number of trials per batch included.
Without an explicit ``batch_size`` a standalone batch is rounded up to a canonical size
(:func:`canonical_batch_size`: exact up to 16 trials, then 8 sizes per octave, so that at
most 1/8 of a batch is padding), which lets calls with nearby trial counts (the folds of a
cross-validation, the subjects of a pipeline) share one build. Standalone batches are also
kept small enough for one core's L2 cache to hold their neurons' state
(:func:`cache_batch_size`): a step of the update sweeps all of it, and once it spills to the
shared L3 the concurrent jobs wait on memory (100 trials x 300 parcels on 2 cores: 4 batches
of 26 ran 12 % faster than 2 of 52).
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

#: Values of ``backend`` (see the module documentation).
BACKENDS = ("auto", "cython", "numpy", "cpp_standalone")

#: Neuron-steps (trials x parcels x steps) from which ``"auto"`` compiles a standalone build
#: it does not have: about 7 s of the Cython runtime on 2 cores, roughly a first build's cost.
AUTO_STANDALONE_MIN_STEPS = 5e8

# Trials per batch below which every size is its own build (and padding would not pay).
_EXACT_UP_TO = 16

#: Bytes of a neuron that one simulation step reads or writes: ten float64 state variables
#: and parameters, its input sample, the spike space and the queue's share, rounded up.
HOT_BYTES_PER_NEURON = 128


def canonical_batch_size(n: int) -> int:
    """The smallest canonical batch size ``>= n``: ``n`` up to 16, then 8 sizes per octave.

    Parameters
    ----------
    n : int
        Trials per batch, ``>= 1``.

    Returns
    -------
    size : int
        ``n`` rounded up to a multiple of ``2 ** (floor(log2(n)) - 3)``: at most 1/8 of it
        padding.

    Examples
    --------
    >>> [canonical_batch_size(n) for n in (5, 16, 17, 50, 161, 642, 643)]
    [5, 16, 18, 52, 176, 704, 704]
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"A batch holds at least one trial, got {n}.")
    if n <= _EXACT_UP_TO:
        return n
    step = 1 << (n.bit_length() - 1 - 3)
    return -(-n // step) * step


def cache_batch_size(
    n_trials: int, n_parcels: int, n_jobs: int, cache_bytes: int | None = None
) -> int:
    """Trials per standalone batch whose neurons' state fits one core's L2 cache.

    The batches are made as equal as possible and their number a multiple of the batches in
    flight (``min(n_jobs, n_trials)``), so that no job is left alone with a last batch.

    Parameters
    ----------
    n_trials, n_parcels : int
        The call's trials and neurons per trial.
    n_jobs : int
        Batches run at once.
    cache_bytes : int | None
        One core's L2 cache; ``None`` reads it (:func:`s2decode.machine.cpu_cache_size`).
        Where it is unknown (0), or one trial's neurons alone overflow it (over 8,192
        parcels in 1 MiB), the trials are split evenly over the jobs only: smaller batches
        would not fit either, and every batch is one more run of the binary.

    Returns
    -------
    size : int
        Trials per batch, ``>= 1``.

    Examples
    --------
    >>> cache_batch_size(100, 300, n_jobs=2, cache_bytes=1 << 20)  # 27 fit: 4 batches
    25
    >>> cache_batch_size(60, 48, n_jobs=2, cache_bytes=1 << 20)  # all fit: one per job
    30
    """
    from ..machine import cpu_cache_size

    n_trials = max(1, int(n_trials))
    in_flight = max(1, min(int(n_jobs), n_trials))
    cache_bytes = cpu_cache_size(2) if cache_bytes is None else int(cache_bytes)
    fit = cache_bytes // (max(1, int(n_parcels)) * HOT_BYTES_PER_NEURON) if cache_bytes else 0
    n_batches = -(-n_trials // max(1, fit)) if fit else 1
    n_batches = min(n_trials, -(-n_batches // in_flight) * in_flight)
    return -(-n_trials // n_batches)


def standalone_available(cache: Path) -> bool:
    """Whether Brian2's C++ standalone device can build here: a working compiler and make.

    Parameters
    ----------
    cache : pathlib.Path
        The Brian2 cache folder (``<cache>/cython`` holds the test compilation).
    """
    from brian2 import prefs

    from .runtime import _cython_available

    if not _cython_available(cache):
        return False
    if os.name == "nt":
        return True  # Brian2 drives MSVC's nmake through vcvarsall, found with the compiler
    return shutil.which(prefs["devices.cpp_standalone.make_cmd_unix"]) is not None


def neuron_steps(n_trials: int, n_parcels: int, duration: float, dt: float) -> float:
    """Work of a simulation: neurons x time steps, summed over the trials."""
    return float(n_trials) * n_parcels * math.ceil(duration / dt - 1e-9)

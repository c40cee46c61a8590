"""Kramer & Eden, *Case Studies in Neural Data Analysis*, chapter 10: one human STN neuron.

``10_spikes-1.mat`` holds one neuron of the subthalamic nucleus recorded in a patient with
Parkinson's disease during deep-brain-stimulation surgery: 50 trials of 2 s binned at 1 ms
(``train``, 50 x 2000 of 0/1) around the GO cue (``t``, -1000..999 ms), and the direction
of the joystick movement (``direction``: 0 = left, 1 = right; 25 trials each).

A single unit: its node is ``"unit"`` (no cortical atlas has an STN parcel). Toy /
sanity-check data rather than a population benchmark. Licence: MIT (Mark Kramer).
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from ..spiketrains import SpikeTrains
from ._base import OneFile, dataset_path, fill_doc, read_mat_file
from ._describe import describe_by_loading, options_check

NAME = "kramer_stn"
FOLDER = "spikes/kramer"
MODALITY = "spikes"
MEASURE = "spike_counts"  # what the trials' values are (s2decode.trials.MEASURES)
DESCRIPTION = (
    "Human subthalamic-nucleus neuron (Kramer & Eden, ch. 10): 50 trials of 2 s at 1 ms "
    "around the GO cue, left vs right joystick movement."
)
FNAME = "10_spikes-1.mat"
DIRECTIONS = ("left", "right")  # direction 0, 1 in the file
_URL = (
    "https://raw.githubusercontent.com/Mark-Kramer/Case-Studies-Python/"
    f"060e67e81096b900773e2166910c5f3aca6365f8/matfiles/{FNAME}"
)
# sha256 of the copy in the data directory (taken from the repository at the commit above)
_SHA256 = "785262e6607596c375f515f100ea290527f68432cf187ff92ba51a593b2057d4"
# present() and fetch(): the file, downloaded from the book's repository (10 kB).
_FILE = OneFile(NAME, FOLDER, FNAME, _URL, _SHA256)
present = _FILE.present
fetch = _FILE.fetch


@fill_doc
def load(
    data_dir: str | os.PathLike | None = None,
    *,
    tmin: float | None = None,
    tmax: float | None = None,
    bin_size: float | None = None,
    return_spike_times: bool = False,
) -> xr.DataArray | tuple[xr.DataArray, SpikeTrains]:
    """Load the STN neuron as spike counts per trial.

    Parameters
    ----------
    %(data_dir)s; the file is
        ``<data_dir>/spikes/kramer/10_spikes-1.mat``.
    tmin, tmax : float | None
        Crop to ``[tmin, tmax)`` seconds around the GO cue (default: the whole -1..1 s).
    bin_size : float | None
        Bin width in seconds, a whole multiple of 1 ms (``None``: the native 1 ms bins).
    return_spike_times : bool
        Also return the spike times (bin starts, 1 ms resolution) as a SpikeTrains.

    Returns
    -------
    counts : xarray.DataArray
        ``(50 trials, 1 unit, 2000 bins)`` spike counts, time from -1.0 to 0.999 s,
        ``y`` = ``"left"`` / ``"right"``, ``group`` = 0 (one session).
    spike_times : SpikeTrains
        Only with ``return_spike_times=True``.
    """
    from ..io.spikes import spikes_to_trials

    path = dataset_path(NAME, FOLDER, data_dir, must_have=FNAME)
    mat = read_mat_file(path / FNAME, ("train", "t", "direction"), NAME)
    train = np.asarray(mat["train"])
    t_ms = np.asarray(mat["t"], dtype=float).ravel()
    direction = np.asarray(mat["direction"]).ravel().astype(int)
    if train.ndim != 2 or train.shape != (direction.size, t_ms.size):
        raise ValueError(
            f"{path / FNAME}: train has shape {train.shape}, expected (n_trials={direction.size}, "
            f"n_times={t_ms.size})."
        )
    if not set(np.unique(direction)) <= {0, 1}:
        raise ValueError(f"{path / FNAME}: direction must be 0 (left) or 1 (right).")
    dt = np.diff(t_ms)
    if not np.allclose(dt, dt[0]):
        raise ValueError(f"{path / FNAME}: the time axis t is not evenly sampled.")
    result = spikes_to_trials(
        train[:, None, :],
        sfreq=1000.0 / dt[0],
        t_start=t_ms[0] / 1000.0,
        tmin=tmin,
        tmax=tmax,
        bin_size=bin_size,
        y=np.array(DIRECTIONS)[direction],
        group=np.zeros(direction.size, dtype=int),
        unit_names=["stn_unit"],
        locations=["subthalamic nucleus"],
        return_spike_times=return_spike_times,
        source=f"{NAME}: {path / FNAME}",
    )
    counts = result[0] if return_spike_times else result
    counts.attrs["dataset"] = NAME
    return result


@options_check
def check_options(**options) -> list[tuple[str, str]]:
    from ._describe import collect, number_problem, order_problem

    problems: list[tuple[str, str]] = []
    for key in ("tmin", "tmax"):
        if key in options:
            message = number_problem(options[key], low=-1.0, high=1.0, none=True)
            if message:
                message += " (the trials span -1 to 1 s around the GO cue)"
            collect(problems, key, message)
    order_problem(problems, options, "tmin", "tmax", (None, None), after="after")
    bin_size = options.get("bin_size")
    if bin_size is not None:
        message = number_problem(bin_size, low=0, low_open=True)
        if message is None and abs(bin_size * 1000 - round(bin_size * 1000)) > 1e-6:
            message = f"{bin_size!r} is not allowed; give a whole number of ms (e.g. 0.01)"
        if message is None and bin_size > 2.0:
            message = f"{bin_size!r} s is longer than the 2 s trials"
        collect(problems, "bin_size", message)
    return problems


describe = describe_by_loading(NAME, load, "10 kB", ignored=("return_spike_times",))

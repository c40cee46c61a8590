"""Hatsopoulos, Joshi & O'Leary (2004): macaque M1/PMd firing rates in center-out reaching.

``Dataset1.mat`` (CENTURI 2022 summer school copy): ``R``, firing rates in Hz of 143
neurons over 158 trials, and ``direction`` (1..8 = reach at 0, 45, ..., 315 degrees). One
rate per neuron and trial: the trials have a single time sample and ``measure="rates"``.
The rates come already averaged over the upstream's movement window, which the file does
not record; no spike times exist for these data.

Reference: Hatsopoulos, Joshi & O'Leary, J Neurophysiol 92:1165-1174 (2004).
Licence: the repository's GPL-3.0 (no separate data licence stated).
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from .._checks import check_option
from ..trials import make_trials
from ._base import OneFile, dataset_path, fill_doc, read_mat_file
from ._describe import describe_by_loading, options_check

NAME = "hatsopoulos2004"
FOLDER = "spikes/hatsopoulos2004"
MODALITY = "spikes"
MEASURE = "rates"  # what the trials' values are (s2decode.trials.MEASURES)
DESCRIPTION = (
    "Macaque M1/PMd center-out reaching (Hatsopoulos et al. 2004): firing rates of 143 "
    "neurons in 158 trials, 8 reach directions."
)
FNAME = "Dataset1.mat"
#: Reach angle in degrees of direction labels 1..8.
ANGLES = (0, 45, 90, 135, 180, 225, 270, 315)
LABELS = ("degrees", "index")
_URL = (
    "https://raw.githubusercontent.com/CONECT-INT/2022_CENTURI-SummerSchool/"
    f"31379a8a74d5477ce00c898aa3e45b6198709608/datasets/dataset1_reaching-task/{FNAME}"
)
# sha256 of the copy in the data directory (taken from the repository at the commit above)
_SHA256 = "52966343a14f25b3254170c3848d91c32599532acfd0fdcaad73e81468945257"
# present() and fetch(): the file, downloaded from the summer-school repository (60 kB).
_FILE = OneFile(NAME, FOLDER, FNAME, _URL, _SHA256)
present = _FILE.present
fetch = _FILE.fetch


@fill_doc
def load(data_dir: str | os.PathLike | None = None, *, label: str = "degrees") -> xr.DataArray:
    """Load the firing rates as single-sample trials.

    Parameters
    ----------
    %(data_dir)s; the file is
        ``<data_dir>/spikes/hatsopoulos2004/Dataset1.mat``.
    label : {"degrees", "index"}
        ``y`` as the reach angle in degrees (0, 45, ..., 315) or as the file's direction
        index (1..8). Both are kept as the trial coordinates ``angle`` and ``direction``.

    Returns
    -------
    rates : xarray.DataArray
        ``(158 trials, 143 units, 1 time)`` firing rates in Hz, ``measure="rates"``,
        ``group`` = 0 (one session). The single time sample sits at 0 s; ``sfreq`` (1 Hz)
        is nominal.
    """
    check_option(label, LABELS, "label")
    path = dataset_path(NAME, FOLDER, data_dir, must_have=FNAME)
    fname = path / FNAME
    mat = read_mat_file(fname, ("R", "direction"), NAME)
    rates = np.asarray(mat["R"], dtype=float)  # (neurons, trials)
    direction = np.asarray(mat["direction"]).ravel().astype(int)
    if rates.ndim != 2 or rates.shape[1] != direction.size:
        raise ValueError(
            f"{fname}: R has shape {rates.shape}, expected (n_neurons, n_trials={direction.size})."
        )
    if direction.min() < 1 or direction.max() > len(ANGLES):
        raise ValueError(f"{fname}: direction must lie in 1..{len(ANGLES)}.")
    angle = np.asarray(ANGLES)[direction - 1]
    trials = make_trials(
        rates.T[:, :, None],
        sfreq=1.0,
        y=angle if label == "degrees" else direction,
        group=np.zeros(direction.size, dtype=int),
        node_dim="unit",
        modality="spikes",
        measure="rates",
        units="Hz",
        source=f"{NAME}: {fname}",
    )
    trials = trials.assign_coords(angle=("trial", angle), direction=("trial", direction))
    trials.attrs["dataset"] = NAME
    return trials


@options_check
def check_options(**options) -> list[tuple[str, str]]:
    from ._describe import choice_problem, collect

    problems: list[tuple[str, str]] = []
    if "label" in options:
        collect(problems, "label", choice_problem(options["label"], LABELS))
    return problems


describe = describe_by_loading(
    NAME, load, "60 kB", note='(``measure`` is ``"rates"``: one sample per trial)'
)

"""Haxby et al. (2001): faces and objects in ventral temporal cortex, subject 1, 12 runs.

Two layouts of the same recording are read:

``resolution="1slice"`` / ``"25mm"`` (what the data directory holds, and the default)
    PyMVPA's reduced copy of subject 1 in the openfmri layout
    (``sub001/BOLD/task001_runNNN/bold_{1slice,25mm}.nii.gz`` + ``bold_events.tsv``):
    the posterior half of one axial slice at full resolution (40 x 20 x 1 voxels of
    3.1 x 3.75 x 3.75 mm, with PyMVPA's 530-voxel mask), or the whole brain resampled to
    25 mm (6 x 10 x 10; masks ``brain``, ``gray``, ``white`` and ``vt`` - one voxel at
    that resolution). 121 volumes per run, TR 2.5 s, eight 22.5 s blocks per run.
``resolution="full"``
    The original full-resolution data as :func:`nilearn.datasets.fetch_haxby` downloads
    them (``haxby2001/subj1/bold.nii.gz``, 40 x 64 x 64 x 1452, with per-volume labels in
    ``labels.txt``; masks ``vt`` = ``mask4_vt.nii.gz``, ``brain`` = nilearn's
    ``haxby2001/mask.nii.gz``). Read by the same code (blocks recovered from the labels
    with :func:`s2decode.io.fmri.events_from_volume_labels`) but not exercised by the tests,
    which only have the reduced copy.

The images are in the subject's native space, not MNI: the default nodes are a
data-driven parcellation fitted inside the mask (:func:`s2decode.io.fmri.fmri_to_trials`
with ``atlas="data-driven"``), whose coordinates are native millimetres.
Licence of the data: CC BY-SA 3.0 (Haxby et al. 2001, distributed by PyMVPA).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .._checks import check_option
from ..paths import get_data_dir
from ._base import DatasetNotFoundError, dataset_path, download, fill_doc, staged_download
from ._describe import describe_doc, options_check

NAME = "haxby"
FOLDER = "fmri/haxby2001_sub001"
MODALITY = "fmri"
DESCRIPTION = (
    "Haxby et al. 2001 subject 1: 12 runs of 8 visual object categories (22.5 s blocks), "
    "TR 2.5 s; PyMVPA's reduced copy (one slice / 25 mm) or nilearn's full resolution."
)
#: The 8 object categories (the blocks; ``rest`` is the baseline between them).
CATEGORIES = ("face", "house", "cat", "bottle", "scissors", "shoe", "chair", "scrambledpix")
RUNS = tuple(range(1, 13))
T_R = 2.5
RESOLUTIONS = ("1slice", "25mm", "full")
MASKS = {
    "1slice": {"slice": "example_1slice_full/mask.nii.gz"},
    "25mm": {m: f"sub001/masks/25mm/{m}.nii.gz" for m in ("brain", "gray", "white", "vt")},
    "full": {"vt": "haxby2001/subj1/mask4_vt.nii.gz", "brain": "haxby2001/mask.nii.gz"},
}
_DEFAULT_MASK = {"1slice": "slice", "25mm": "brain", "full": "vt"}
_DEFAULT_PARCELS = {"1slice": 100, "25mm": 50, "full": 100}

# PyMVPA repository, commit of the copy in the data directory; sha256 of each file that the
# loader reads (computed from that copy).
_REPO = "https://raw.githubusercontent.com/PyMVPA/PyMVPA"
_COMMIT = "20f0335f98bbb59a0e11bc0b7a469edf8681a9a1"
_SHA256 = {
    "example_1slice_full/mask.nii.gz": (
        "8d879d35aaeee3afddfb69a7e1b8dd2b3be446671452d7e841dc6588845f2877"
    ),
    "sub001/BOLD/task001_run001/bold_1slice.nii.gz": (
        "d15c9164814eaa25b7fb3b62f976524e55051e1973ff2b90b4e966b6c3259248"
    ),
    "sub001/BOLD/task001_run001/bold_25mm.nii.gz": (
        "fb8da73b747bd3f8f0c7cacf38c7173f3ec8ba1eb3a776003fa14880c31846e7"
    ),
    "sub001/BOLD/task001_run001/bold_events.tsv": (
        "f2cbdad57ece6d3f0ba9746fc03eb8f0d279be520f7ee55f17623565d138364e"
    ),
    "sub001/BOLD/task001_run002/bold_1slice.nii.gz": (
        "bf879fb923c81fdff11b1170b1724fa68beb0e9fa042bc053260d9d0e4d68c42"
    ),
    "sub001/BOLD/task001_run002/bold_25mm.nii.gz": (
        "c349c15e761f580d7d0de365d05c6a7c269496e75a3ad58ca05a34ed15f91d5d"
    ),
    "sub001/BOLD/task001_run002/bold_events.tsv": (
        "6ed581e40ba4850b4c4d9854aa0db4c979ef01794972911eb4869db6342fb3ad"
    ),
    "sub001/BOLD/task001_run003/bold_1slice.nii.gz": (
        "ae04aadb1ed6dc365dc117f522a3584aba0a8ac99fae008078147c94289ced49"
    ),
    "sub001/BOLD/task001_run003/bold_25mm.nii.gz": (
        "a2e72670e8380a337870ada7a8896211b849f1987107d6fd99171cc48a8bdc60"
    ),
    "sub001/BOLD/task001_run003/bold_events.tsv": (
        "465ecdb410acc0753f733906c4d56258e0d753b73c25ca08e85a10215fcce308"
    ),
    "sub001/BOLD/task001_run004/bold_1slice.nii.gz": (
        "60ed27e90dff5417cfe7118f87b59a1cae73367ab6578bdd873b57db22a00cdb"
    ),
    "sub001/BOLD/task001_run004/bold_25mm.nii.gz": (
        "96780e718abc001d2c1c4996a9187e85b427e9fa2500e56716ff8873fded63ca"
    ),
    "sub001/BOLD/task001_run004/bold_events.tsv": (
        "9d8eef194e0e72b1ded0caa3be16e95778fc16f218e521c10802d9a1d1bc2820"
    ),
    "sub001/BOLD/task001_run005/bold_1slice.nii.gz": (
        "af9dd7c655aa1cb09f8d7444f124ff14b40cab14c92b4c4fe9c0efde97d8da38"
    ),
    "sub001/BOLD/task001_run005/bold_25mm.nii.gz": (
        "53eebe6b2c6edb7a82a0e84e5c72687ebe2a2d1cbd43f005ff83c88e1b06b49a"
    ),
    "sub001/BOLD/task001_run005/bold_events.tsv": (
        "4404718524d21cc2650a8fe9860c94b6e83592c46594ab11fb22272150e5c6fe"
    ),
    "sub001/BOLD/task001_run006/bold_1slice.nii.gz": (
        "c753fdc068123ff6b407572bd39af6e1fecd1aace8a64dbace25b19d875128ee"
    ),
    "sub001/BOLD/task001_run006/bold_25mm.nii.gz": (
        "a079fa51847925d12edb52b03b0f19cd14c5a02db156a247736f6152017780f3"
    ),
    "sub001/BOLD/task001_run006/bold_events.tsv": (
        "0ab33f912cca0076c65b2a034973b71c3b9d00011ad6adeeef356d5f9f71c4e5"
    ),
    "sub001/BOLD/task001_run007/bold_1slice.nii.gz": (
        "26bd002f5e33470179d39c4870d24d42a5cfa4e150782b8bf84885368a6016a3"
    ),
    "sub001/BOLD/task001_run007/bold_25mm.nii.gz": (
        "26c8fca45ee3fed85b925ea5411698fe234c9b9b0eee184a772fbf873003eb4f"
    ),
    "sub001/BOLD/task001_run007/bold_events.tsv": (
        "0075f78df0b08d44c687581cbe33aa93db833ff574684d9bc24734649a3a6564"
    ),
    "sub001/BOLD/task001_run008/bold_1slice.nii.gz": (
        "eb13ff766f629410b4bccfa3f39f1a7439133648d0637ffac6cc22f4397b8881"
    ),
    "sub001/BOLD/task001_run008/bold_25mm.nii.gz": (
        "366248d75f6f15b86ee8fb0777cfd1861e4950b81fde87f92a74f0a39cd75109"
    ),
    "sub001/BOLD/task001_run008/bold_events.tsv": (
        "ed40c886032a5db2b6416488b8ac36b7902242c9b5bdea23d8894eeba11aa539"
    ),
    "sub001/BOLD/task001_run009/bold_1slice.nii.gz": (
        "0356e45b5922586f40cc84890ebaecac2d85510004978d2fa214d652bfb4b35e"
    ),
    "sub001/BOLD/task001_run009/bold_25mm.nii.gz": (
        "4f9a07a44fc3ca0402b0d69eb91132f1a03e32b96ed1fb744d3f558d4d774d97"
    ),
    "sub001/BOLD/task001_run009/bold_events.tsv": (
        "d94f85d8378c72c45f95a8db2aa85576eb4e050827ab338b075315e7bc80a013"
    ),
    "sub001/BOLD/task001_run010/bold_1slice.nii.gz": (
        "a4a2a0e12d2a53df4efab50b9abf250f351def069fa0a3153a1b6e46809e490c"
    ),
    "sub001/BOLD/task001_run010/bold_25mm.nii.gz": (
        "796c21c4ef9d89f723b78c3b76853cd0aca58c93d0409b0967a45841bebe5432"
    ),
    "sub001/BOLD/task001_run010/bold_events.tsv": (
        "cb9d60adb7971d00b4f199a8729dd9de6f4f27b37f680197c7ba2d96e7be7ab2"
    ),
    "sub001/BOLD/task001_run011/bold_1slice.nii.gz": (
        "4c2bcf74db2cb0d77ecb6d60c0df8eec69715f579f6b628823319e67c80511cb"
    ),
    "sub001/BOLD/task001_run011/bold_25mm.nii.gz": (
        "d7e04d78df0aa81d7a8de8ac6c1c0044ff1a6583e92abe8ebafac8851010523b"
    ),
    "sub001/BOLD/task001_run011/bold_events.tsv": (
        "377788e2ef133ffcc40da369b060009397ef8ab12732c5386945e6c608293418"
    ),
    "sub001/BOLD/task001_run012/bold_1slice.nii.gz": (
        "8713435c5894ef06bd2a72e786ebf93b74ec3d7e46d7411f229fd6ffa5d62e9a"
    ),
    "sub001/BOLD/task001_run012/bold_25mm.nii.gz": (
        "7bda1f0ee3483f2755e61afa0e96ce825cd2c28b0e03a91a2a96b018c10e8a40"
    ),
    "sub001/BOLD/task001_run012/bold_events.tsv": (
        "50cfed990226325726f91da555f1a412fc6a932cb754825462e03b30317579bb"
    ),
    "sub001/masks/25mm/brain.nii.gz": (
        "06baff59204b30dfdae31845f2b9b3fac2bb3363d558b8955000536c4567a151"
    ),
    "sub001/masks/25mm/gray.nii.gz": (
        "84ea63ac81d75119f8d82aaf8da40cbb403b215bf872f8aaae4b060b6814ca18"
    ),
    "sub001/masks/25mm/hoc.nii.gz": (
        "9785889c78ae9cbbe9ac8fcc551afde66600187940c1106dc71bd6f85ea98f73"
    ),
    "sub001/masks/25mm/vt.nii.gz": (
        "7d018dc136203856a30445b44b00cccca9f8f4da73716e3b01b47e8da1b15dce"
    ),
    "sub001/masks/25mm/white.nii.gz": (
        "d3799c20fdbeece63e352e146fd385ffd7352ad9d5fe952c9ba5f57bbd07a56d"
    ),
}


def _url(rel: str) -> str:
    """Address of a file of the reduced copy in the PyMVPA repository."""
    repo_path = (
        "mvpa2/data/mask.nii.gz"
        if rel.startswith("example_1slice_full/")
        else (f"mvpa2/data/haxby2001/{rel}")
    )
    return f"{_REPO}/{_COMMIT}/{repo_path}"


def _check_resolution(resolution: str) -> str:
    check_option(resolution, RESOLUTIONS, "resolution")
    return resolution


def _mask_path(path: Path, resolution: str, mask: Any) -> Any:
    if mask is None:
        mask = _DEFAULT_MASK[resolution]
    if isinstance(mask, str) and mask in MASKS[resolution]:
        target = path / MASKS[resolution][mask]
        if not target.is_file():
            raise FileNotFoundError(
                f"Mask {mask!r} of dataset {NAME!r} not found at {target}; fetch it with "
                f"s2decode.datasets.fetch({NAME!r}, resolution={resolution!r})."
            )
        return target
    if isinstance(mask, str) and not (os.sep in mask or "/" in mask or mask.endswith(".gz")):
        raise ValueError(
            f"Unknown mask {mask!r} for resolution {resolution!r}: use one of "
            f"{list(MASKS[resolution])}, a NIfTI path or an image."
        )
    return mask


def _mask_size(mask: Any) -> int:
    from nilearn.image import get_data, load_img

    return int(np.count_nonzero(get_data(load_img(mask))))


def _reduced_runs(path: Path, resolution: str, runs: Sequence[int]) -> tuple[list, list]:
    imgs, events = [], []
    for r in runs:
        run_dir = path / "sub001" / "BOLD" / f"task001_run{r:03d}"
        imgs.append(run_dir / f"bold_{resolution}.nii.gz")
        events.append(run_dir / "bold_events.tsv")
        for f in (imgs[-1], events[-1]):
            if not f.is_file():
                raise FileNotFoundError(
                    f"{f} is missing from dataset {NAME!r}; fetch it again with "
                    f"s2decode.datasets.fetch({NAME!r}, resolution={resolution!r})."
                )
    return imgs, events


def _full_runs(path: Path, runs: Sequence[int]) -> tuple[list, list]:
    """Split nilearn's concatenated ``bold.nii.gz`` into runs, blocks from ``labels.txt``."""
    from nilearn.image import index_img, load_img

    from ..io.fmri import events_from_volume_labels

    subj = path / "haxby2001" / "subj1"
    table = pd.read_csv(subj / "labels.txt", sep=" ")
    if not {"labels", "chunks"} <= set(table.columns):
        raise ValueError(
            f"{subj / 'labels.txt'} must have the columns 'labels' and 'chunks' (nilearn's "
            f"fetch_haxby layout), found {list(table.columns)}."
        )
    bold = load_img(subj / "bold.nii.gz")
    if bold.shape[3] != len(table):
        raise ValueError(
            f"{subj / 'bold.nii.gz'} has {bold.shape[3]} volumes but labels.txt {len(table)} rows."
        )
    imgs, events = [], []
    for r in runs:
        vols = np.flatnonzero(table["chunks"].to_numpy() == r - 1)  # chunks count from 0
        if vols.size == 0:
            raise ValueError(f"Run {r} is absent from {subj / 'labels.txt'}.")
        imgs.append(index_img(bold, vols))
        events.append(events_from_volume_labels(table["labels"].to_numpy()[vols], T_R))
    return imgs, events


@fill_doc
def load(
    data_dir: str | os.PathLike | None = None,
    *,
    resolution: str = "1slice",
    categories: Sequence[str] | None = None,
    runs: Sequence[int] | None = None,
    atlas: Any = "data-driven",
    mask: Any = None,
    n_parcels: int | None = None,
    parcellation: str = "ward",
    hrf_lag: float = 4.0,
    standardize: str | bool | None = "zscore_sample",
    detrend: bool = True,
    random_state: int | None = 0,
    memory: Any = None,
) -> xr.DataArray:
    """Load Haxby 2001 subject 1 as block trials on parcels.

    Parameters
    ----------
    %(data_dir)s; the dataset is in
        ``<data_dir>/fmri/haxby2001_sub001``.
    resolution : {"1slice", "25mm", "full"}
        Which copy to read (see the module docstring); ``"full"`` needs
        ``fetch(resolution="full")`` first.
    categories : sequence of str | None
        Categories to keep, among :data:`CATEGORIES` (``None``: all 8; ``rest`` is never
        a trial).
    runs : sequence of int | None
        Runs to read, numbered 1 to 12 (``None``: all).
    atlas : "data-driven" | Atlas | str | None
        Nodes, as in :func:`s2decode.io.fmri.fmri_to_trials`. The images are in native
        space: an MNI atlas does not fit them; ``None`` keeps the voxels of the mask.
    mask : str | path-like | Niimg | None
        A mask name (``"slice"`` for 1slice; ``"brain"``, ``"gray"``, ``"white"``,
        ``"vt"`` for 25mm; ``"vt"``, ``"brain"`` for full), a file or an image. ``None``:
        ``"slice"``, ``"brain"`` and ``"vt"`` respectively.
    n_parcels : int | None
        Number of data-driven parcels; ``None``: 100 (1slice, full) or 50 (25mm). At most
        the number of voxels of the mask.
    parcellation : str
        Method of :class:`nilearn.regions.Parcellations` (``"ward"``, ``"kmeans"``, ...).
    hrf_lag : float
        Seconds from a block's onset to its first volume (haemodynamic delay).
    standardize, detrend : str | bool, bool
        Cleaning of each node's time series per run (nilearn).
    random_state : int | None
        Seed of the parcellation.
    memory : str | joblib.Memory | None
        nilearn cache.

    Returns
    -------
    trials : xarray.DataArray
        ``(trial, parcel, time)``: one trial per block (8 per run), ``y`` = the category
        name, ``group`` = the run number (1-12), 9 volumes (22.5 s) at ``sfreq`` 0.4 Hz.

    Raises
    ------
    DatasetNotFoundError
        Where the data directory does not hold the dataset (the message says how to fetch
        it).
    """
    from ..io.fmri import fmri_to_trials

    resolution = _check_resolution(resolution)
    must_have = "haxby2001/subj1/bold.nii.gz" if resolution == "full" else "sub001/BOLD"
    try:
        path = dataset_path(NAME, FOLDER, data_dir, must_have=must_have)
    except DatasetNotFoundError as err:
        if resolution != "full":
            raise
        raise DatasetNotFoundError(
            f"{err} The full-resolution copy comes from "
            f"s2decode.datasets.fetch({NAME!r}, resolution='full') (nilearn.datasets.fetch_haxby, "
            "about 300 MB)."
        ) from None
    if categories is None:
        categories = CATEGORIES
    categories = [str(c) for c in categories]
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown or not categories:
        raise ValueError(
            f"`categories` must be a non-empty subset of {CATEGORIES}, got unknown {unknown}."
        )
    runs = list(RUNS) if runs is None else [int(r) for r in runs]
    if not runs or not set(runs) <= set(RUNS):
        raise ValueError(f"`runs` must be run numbers among 1-12, got {runs}.")
    mask_img = _mask_path(path, resolution, mask)
    if n_parcels is None:
        n_parcels = _DEFAULT_PARCELS[resolution]
    if isinstance(atlas, str) and atlas == "data-driven":
        n_vox = _mask_size(mask_img)
        if n_parcels > n_vox:
            raise ValueError(
                f"n_parcels={n_parcels} exceeds the {n_vox} voxels of the mask {mask_img}; "
                "ask for fewer parcels or a larger mask."
            )
    if resolution == "full":
        imgs, events = _full_runs(path, runs)
    else:
        imgs, events = _reduced_runs(path, resolution, runs)
    trials = fmri_to_trials(
        imgs,
        events,
        atlas=atlas,
        mask_img=mask_img,
        t_r=T_R,
        hrf_lag=hrf_lag,
        trial_types=categories,
        runs=runs,
        n_parcels=n_parcels,
        parcellation=parcellation,
        standardize=standardize,
        detrend=detrend,
        image_space="native (Haxby 2001 subject 1)",
        random_state=random_state,
        memory=memory,
        source=f"{NAME} ({resolution}): {path}",
    )
    trials.attrs["dataset"] = NAME
    if "voxel" in trials.dims and isinstance(mask_img, str | os.PathLike):
        # the voxels are the mask's in C order: what a peer on images (nilearn's Decoder)
        # needs to put them back
        trials.attrs["mask_img"] = str(mask_img)
    return trials


def present(data_dir: str | os.PathLike | None = None) -> bool:
    """Whether the data directory holds the reduced copy :func:`load` reads by default (the
    BOLD runs, events and masks of ``resolution="1slice"``)."""
    folder = get_data_dir(data_dir) / FOLDER
    return all((folder / rel).is_file() for rel in _SHA256 if "_25mm" not in rel)


@fill_doc
def fetch(data_dir: str | os.PathLike | None = None, *, resolution: str = "1slice") -> Path:
    """Download the dataset into ``<data_dir>/fmri/haxby2001_sub001``.

    Parameters
    ----------
    %(data_dir)s.
    resolution : {"1slice", "25mm", "full"}
        ``"1slice"`` and ``"25mm"`` fetch PyMVPA's reduced copy (both resolutions, the
        events and the masks: about 6 MB) from the PyMVPA GitHub repository at a fixed
        commit, each file checked against its sha256. ``"full"`` runs
        :func:`nilearn.datasets.fetch_haxby` for subject 1 (about 300 MB, checked against
        PyMVPA's published MD5 sums).

    Returns
    -------
    path : pathlib.Path
        The dataset folder.
    """
    resolution = _check_resolution(resolution)
    folder = get_data_dir(data_dir) / FOLDER
    if resolution == "full":
        from nilearn.datasets import fetch_haxby

        with staged_download(NAME, folder, "http://data.pymvpa.org/datasets/haxby2001/") as stage:
            fetch_haxby(data_dir=stage, subjects=[1])
        return folder
    page = f"https://github.com/PyMVPA/PyMVPA/tree/{_COMMIT}/mvpa2/data/haxby2001"
    with staged_download(NAME, folder, page) as stage:
        for rel, sha in _SHA256.items():
            rel = Path(rel)
            download(
                _url(rel.as_posix()),
                f"sha256:{sha}",
                stage / rel.parent,
                fname=rel.name,
                present_in=folder / rel.parent,
            )
    return folder


@options_check
def check_options(**options) -> list[tuple[str, str]]:
    from ._describe import choice_problem, collect, number_problem

    problems: list[tuple[str, str]] = []
    resolution = options.get("resolution", "1slice")
    collect(problems, "resolution", choice_problem(resolution, RESOLUTIONS))
    categories = options.get("categories")
    if categories is not None:
        if (
            isinstance(categories, str)
            or not isinstance(categories, list | tuple)
            or not categories
        ):
            problems.append(
                (
                    "categories",
                    f"{categories!r} is not allowed; give a non-empty list of categories "
                    f"among {', '.join(CATEGORIES)}, or null for all",
                )
            )
        else:
            unknown = [c for c in categories if str(c) not in CATEGORIES]
            if unknown:
                problems.append(
                    (
                        "categories",
                        f"{unknown} not among the categories {', '.join(CATEGORIES)}",
                    )
                )
    runs = options.get("runs")
    if runs is not None:
        ok = (
            isinstance(runs, list | tuple) and runs and all(number_problem(r) is None for r in runs)
        )
        if not ok or not set(runs) <= set(RUNS):
            problems.append(
                ("runs", f"{runs!r} is not allowed; give a non-empty list of run numbers 1..12")
            )
    mask = options.get("mask")
    if (
        isinstance(mask, str)
        and resolution in RESOLUTIONS
        and mask not in MASKS[resolution]
        and not (os.sep in mask or "/" in mask or mask.endswith(".gz"))
    ):
        problems.append(
            (
                "mask",
                f"{mask!r} is not a mask of resolution {resolution!r}; choose one of "
                f"{', '.join(map(repr, MASKS[resolution]))}, or give a NIfTI path",
            )
        )
    if "n_parcels" in options:
        collect(
            problems,
            "n_parcels",
            number_problem(options["n_parcels"], integer=True, low=1, none=True),
        )
    if "hrf_lag" in options:
        collect(problems, "hrf_lag", number_problem(options["hrf_lag"], low=0))
    if "random_state" in options:
        collect(
            problems,
            "random_state",
            number_problem(options["random_state"], integer=True, low=0, high=2**32 - 1, none=True),
        )
    if "detrend" in options and not isinstance(options["detrend"], bool):
        problems.append(("detrend", f"{options['detrend']!r} is not allowed; give true or false"))
    return problems


@describe_doc
def describe(data_dir: str | os.PathLike | None = None, **options) -> dict:
    """What :func:`load` would return with these options, from the events tables (or
    ``labels.txt``) and the NIfTI headers (no volume is read).

    %(parameters)s

    Returns
    -------
    description : dict
        See :func:`s2decode.datasets.describe`. ``n_trials`` counts the blocks of the
        categories whose window lies inside its run, as :func:`load` keeps them;
        ``n_nodes`` is ``n_parcels`` for the data-driven parcels, the mask's voxels with
        ``atlas=None``, else ``None``.

    Raises
    ------
    DatasetNotFoundError
        Where the data directory does not hold the dataset.
    """
    import nibabel

    from ..io.fmri import events_from_volume_labels, read_events
    from ._describe import description, load_arguments

    o = load_arguments(load, data_dir, options)
    resolution = _check_resolution(o.resolution)
    must_have = "haxby2001/subj1/bold.nii.gz" if resolution == "full" else "sub001/BOLD"
    path = dataset_path(NAME, FOLDER, o.data_dir, must_have=must_have)
    categories = list(CATEGORIES) if o.categories is None else [str(c) for c in o.categories]
    runs = list(RUNS) if o.runs is None else [int(r) for r in o.runs]
    tables = []  # (events, n_volumes) per run
    if resolution == "full":
        subj = path / "haxby2001" / "subj1"
        table = pd.read_csv(subj / "labels.txt", sep=" ")
        for r in runs:
            labels = table["labels"].to_numpy()[table["chunks"].to_numpy() == r - 1]
            tables.append((events_from_volume_labels(labels, T_R), labels.size))
    else:
        imgs, events = _reduced_runs(path, resolution, runs)
        for img, ev in zip(imgs, events, strict=True):
            tables.append((read_events(ev), int(nibabel.load(img).shape[3])))
    counts: dict[str, int] = {}
    lengths, offsets, kept_runs = [], [], set()
    tol = 1e-6 * T_R
    for run, (ev, n_volumes) in zip(runs, tables, strict=True):  # as io.fmri.fmri_to_trials
        frame_times = np.arange(n_volumes) * T_R
        for row in ev[ev["trial_type"].isin(categories)].itertuples(index=False):
            start = row.onset + o.hrf_lag
            stop = start + row.duration
            want = np.ceil((stop - tol) / T_R) - np.ceil((start - tol) / T_R)
            idx = np.flatnonzero((frame_times >= start - tol) & (frame_times < stop - tol))
            if want <= 0 or idx.size < want:
                continue
            counts[row.trial_type] = counts.get(row.trial_type, 0) + 1
            kept_runs.add(run)
            lengths.append(idx.size)
            offsets.append(frame_times[idx[0]] - row.onset)
    n_nodes = None
    if isinstance(o.atlas, str) and o.atlas == "data-driven":
        n_nodes = _DEFAULT_PARCELS[resolution] if o.n_parcels is None else o.n_parcels
    elif o.atlas is None:
        n_nodes = _mask_size(_mask_path(path, resolution, o.mask))
    return description(
        NAME,
        measure="continuous",
        sfreq=1.0 / T_R,
        n_times=min(lengths) if lengths else 0,
        classes=counts,
        tmin=float(np.median(offsets)) if offsets else 0.0,
        n_groups=len(kept_runs),
        n_nodes=n_nodes,
        source=f"{NAME} ({resolution}): {path} runs {runs}",
    )

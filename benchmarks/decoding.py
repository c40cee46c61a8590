"""Benchmark: S2Decoder against the decoders people use instead, on real recordings.

Eight decoding tasks on the public recordings of the data directory (``S2DECODE_DATA``):

==========================  ==================================  ===========================
task                        cross-validation                    peers
==========================  ==================================  ===========================
eegbci_hands_feet           stratified 5-fold                   CSP + LDA, Riemann tangent
eegbci_left_right           stratified 5-fold                   space + LR, log band power
eegmat_within               stratified 5-fold in each subject   + LR (on the EEG channels)
eegmat_loso                 leave one subject out
haxby_face_house            leave one run out                   nilearn Decoder, ANOVA +
haxby_8way                  leave one run out                   linear SVC (on the voxels)
kramer_stn                  stratified 5-fold                   spike counts + LR
hatsopoulos2004             stratified 5-fold                   firing rates + LR
==========================  ==================================  ===========================

Every method of a task sees the same trials in the same order and the same splits: the
splits are drawn once per task (explicit scikit-learn splitters, seeded) and given to
:func:`sklearn.model_selection.cross_validate` for each method. Every method reads the same
loaded trials (same band, same window): the EEG sensors (S2-Net gets eegbci's 64-channel
array with its MNE info, so projection, orientation and CSP components are learned inside
each training fold), fMRI voxels or recorded units. Whatever a method learns from data, it
learns in ``fit`` on the training trials. Each task's notes (in the report) say what S2-Net
gets and why.

S2-Net rows (when :mod:`s2decode.estimators` is importable): the S2Decoder with its defaults
for the input (plus, for motor imagery, the peers' band), the task's variants, each changing
one thing (rates-only features, the signal itself instead of band amplitudes, the nodes as
given instead of learned components, ``kappa = 0``, conduction delays off, shuffled
scaffold), and the late fusion :class:`s2decode.estimators.S2StackingClassifier` of
S2Decoder with the task's peers (an inner 3-fold cross-validation on each training fold
chooses the peer and the weight of S2's probabilities; where the outer folds leave subjects
or runs out, the inner folds keep them whole too). Nothing is ever filled in for a
method that did not run. Simulations run with Brian2's C++ standalone backend; their
binaries are cached in ``S2DECODE_CACHE`` (a first run compiles them), the spike trains only
within a run.

Scores: each task's metric (accuracy, or balanced accuracy where classes are imbalanced:
eegmat) as mean +- sd over the test folds; for ``eegmat_within`` the mean +- sd over
subjects of each subject's 5-fold mean. Chance: the majority-class rate for accuracy,
1 / n_classes for balanced accuracy.

Outputs (written atomically, after every task so an interrupted run keeps what it did;
``<out>`` is ``benchmarks/results``, or a temporary folder for ``--quick``):
``<out>/decoding.csv`` (one row per task and method, with the fold scores) and
``<out>/decoding.md`` (summary table, per-task tables, machine, run time). The Markdown is
also printed; its last two lines are the counts of the goals: S2Decoder within 3 points
of the best peer and the stacked row at or above the best peer minus 1 point, then
``tasks_at_or_above_best_peer: <k>/<n tasks>``.

Usage::

    python benchmarks/decoding.py [--tasks eegbci_hands_feet haxby_8way ...] [--quick]
        [--out DIR] [--n-jobs 2] [--seed 0] [--data-dir DIR] [--no-s2]
        [--eegmat-parcels]

``--quick`` evaluates the first 2 splits of every task (4 subjects for eegmat) and
gives an estimate of the full run's time from it (in the report's header). Needs
pyRiemann besides s2decode's dependencies.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # benchmarks/ holds scripts, not a package
import peers  # noqa: E402

from s2decode.scoring import SCORINGS, chance_level  # noqa: E402

DEFAULT_OUT = HERE / "results"
QUICK_OUT = Path(tempfile.gettempdir()) / "s2decode-bench-quick"
QUICK_SPLITS = 2
QUICK_EEGMAT_SUBJECTS = (0, 1, 2, 3)
#: S2 row -> (ablation of :meth:`s2decode.net.S2NetConfig.ablation` or None, parameter
#: changes of S2Decoder). Each changes one thing of the task's S2Decoder.
S2_VARIANTS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "S2Decoder": (None, {}),
    "S2Decoder rates only": (None, {"features": ("rates",)}),
    "S2Decoder signal itself (bands=None)": (None, {"bands": None}),
    "S2Decoder nodes as given (spatial='none')": (None, {"spatial": "none"}),
    "S2Decoder learned components (spatial='csp')": (None, {"spatial": "csp"}),
    "S2Decoder learned components (spatial='xdawn')": (None, {"spatial": "xdawn"}),
    "S2Decoder kappa=0": ("kappa", {}),
    "S2Decoder delays off": ("delays", {}),
    "S2Decoder shuffled scaffold": ("scaffold", {}),
}
_MECHANISM = ("S2Decoder kappa=0", "S2Decoder delays off", "S2Decoder shuffled scaffold")
#: Inner folds of the stacked row (S2StackingClassifier's cross-validation).
STACKING_CV = 3
STACKED = "S2 + peer (late fusion, inner CV)"
#: The kinds of rows of a task, in the order of its table.
FAMILIES = ("peer", "s2", "ablation", "stacked")


# --------------------------------------------------------------------------- tasks
@dataclass(frozen=True)
class Task:
    """One decoding task: what to load, how to split, which peers.

    Parameters
    ----------
    key : str
        Short name (``--tasks``).
    title : str
        Human-readable description.
    dataset : str
        Name for :func:`s2decode.datasets.load`.
    peer_options, s2_options : mapping
        Load options of the peers' view (sensors, voxels, units) and of S2-Net's view
        (parcels); ``s2_options=None`` means the same view.
    cv : {"kfold", "within", "groups"}
        Stratified 5-fold, stratified 5-fold inside each group (subject), or leave one
        group out.
    metric : {"accuracy", "balanced_accuracy"}
        The score the tables report.
    peers : callable
        ``peers(trials) -> {name: estimator}`` built from the peers' view.
    notes : str
        What the reader must know about the task (shown under its table).
    s2_config : mapping
        Changes to the S2-Net configuration of the input kind (:func:`s2_config`).
    n_folds : int
        Folds of ``"kfold"`` and ``"within"``.
    s2_params : mapping
        S2Decoder parameters of every S2 row of the task (e.g. the peers' band).
    s2_epochs : bool
        S2-Net reads the peers' sensor array with its ``info`` (EEG epochs: projector,
        orientation and spatial filters are then learned inside each training fold).
    variants : sequence of str
        The S2 rows (keys of :data:`S2_VARIANTS`) besides the default S2Decoder.
    counted : bool
        Whether the task counts towards the goals (the eight tasks of the recordings; the
        generated evoked-response task is reported, not counted).
    """

    key: str
    title: str
    dataset: str
    peer_options: Mapping[str, Any]
    s2_options: Mapping[str, Any] | None
    cv: str
    metric: str
    peers: Callable[[xr.DataArray], dict[str, BaseEstimator]]
    notes: str = ""
    s2_config: Mapping[str, Any] = field(default_factory=dict)
    n_folds: int = 5
    s2_params: Mapping[str, Any] = field(default_factory=dict)
    s2_epochs: bool = False
    variants: Sequence[str] = ()
    counted: bool = True


def _eeg_peers(
    trials: xr.DataArray, band: tuple[float, float] | None, class_weight: str | None = None
) -> dict[str, BaseEstimator]:
    sfreq = float(trials.attrs["sfreq"])
    return {
        "CSP + LDA (MNE)": peers.csp_lda(sfreq, band),
        "Riemann tangent space + LR (pyRiemann)": peers.tangent_space_lr(sfreq, band),
        "log band power + LR": peers.bandpower_lr(sfreq, class_weight=class_weight),
    }


def _eegbci_peers(trials: xr.DataArray) -> dict[str, BaseEstimator]:
    # motor imagery: CSP and covariances on the mu/beta band, as MNE's and pyRiemann's
    # examples do
    return _eeg_peers(trials, band=(7.0, 30.0))


def _eegmat_peers(trials: xr.DataArray) -> dict[str, BaseEstimator]:
    # mental arithmetic changes theta to beta power: the recorded band (0.5-45 Hz) as is
    return _eeg_peers(trials, band=None, class_weight="balanced")


def _fmri_peers(trials: xr.DataArray) -> dict[str, BaseEstimator]:
    return {
        "nilearn Decoder (SVC)": peers.nilearn_decoder(trials.attrs["mask_img"]),
        "ANOVA + linear SVC": peers.anova_svc(),
    }


def _spike_peers(trials: xr.DataArray) -> dict[str, BaseEstimator]:
    sfreq = float(trials.attrs["sfreq"])
    return {
        "spike count + LR": peers.spike_counts_lr(sfreq),
        "spike counts in 100 ms bins + LR": peers.spike_counts_lr(sfreq, bin_size=0.1),
    }


def _evoked_peers(trials: xr.DataArray) -> dict[str, BaseEstimator]:
    sfreq = float(trials.attrs["sfreq"])
    return {
        "xDAWN covariances + tangent space + LR (pyRiemann)": peers.xdawn_tangent_space_lr(),
        "CSP + LDA (MNE)": peers.csp_lda(sfreq, band=None),
        "log band power + LR": peers.bandpower_lr(sfreq),
    }


def _rate_peers(trials: xr.DataArray) -> dict[str, BaseEstimator]:
    return {"firing rates + LR": peers.rates_lr()}


HAXBY_VOXELS = {"atlas": None, "resolution": "1slice", "mask": "slice"}
#: The standard bands within the peers' 7-30 Hz (motor imagery): S2-Net gets no band the
#: CSP and tangent-space peers do not.
MI_BANDS = ((7.0, 13.0), (13.0, 20.0), (20.0, 30.0))
_EEGBCI_S2 = (
    "S2-Net reads the same 64-channel epochs (with their MNE info): inside each training "
    "fold it learns 4 CSP components in each of the bands 7-13, 13-20 and 20-30 Hz (the "
    "peers' 7-30 Hz), places each at the centroid of its pattern's eLORETA projection onto "
    "the 300 Seitzman parcels, and drives one neuron with each band's amplitude. The "
    "'nodes as given' row projects onto the 300 parcels instead (eLORETA and parcel "
    "orientation learned in the training fold), 900 neurons."
)
_EEGMAT_S2 = (
    "S2-Net on the 8 electrodes as nodes (their MNI positions give the distance scaffold and "
    "the delays), one neuron per electrode and band of the log-band-power peer's bands "
    "(1-4, 4-8, 8-13, 13-20, 20-30, 30-40 Hz), driven by the band's amplitude. The kappa, "
    "delay and scaffold ablations run on the other tasks (cost)."
)
_HAXBY_S2 = (
    "S2-Net on the same 530 voxels (native-space positions give the scaffold and delays); "
    "inside each training fold an ANOVA screen keeps 20 % of them (106, as the ANOVA + SVC "
    "peer); each 2.5 s volume is 50 ms of network time (`time_scale=0.02`, fixed before "
    "any run, not tuned)."
)
_EEG_VARIANTS = (
    "S2Decoder rates only",
    "S2Decoder signal itself (bands=None)",
    "S2Decoder nodes as given (spatial='none')",
    *_MECHANISM,
)
TASKS: tuple[Task, ...] = (
    Task(
        "eegbci_hands_feet",
        "eegbci S001 imagined both fists vs both feet (runs 6, 10, 14; 0-4 s after the cue)",
        "eegbci",
        {"task": "imagery", "classes": "hands_feet", "method": None},
        None,
        "kfold",
        "accuracy",
        _eegbci_peers,
        notes=f"Peers on the 64 electrodes (CSP and covariances band-passed 7-30 Hz). {_EEGBCI_S2}",
        s2_params={"bands": MI_BANDS},
        s2_epochs=True,
        variants=_EEG_VARIANTS,
    ),
    Task(
        "eegbci_left_right",
        "eegbci S001 imagined left vs right fist (runs 4, 8, 12; 0-4 s after the cue)",
        "eegbci",
        {"task": "imagery", "classes": "left_right", "method": None},
        None,
        "kfold",
        "accuracy",
        _eegbci_peers,
        notes=f"Peers on the 64 electrodes (CSP and covariances band-passed 7-30 Hz). {_EEGBCI_S2}",
        s2_params={"bands": MI_BANDS},
        s2_epochs=True,
        variants=_EEG_VARIANTS,
    ),
    Task(
        "eegmat_within",
        "eegmat rest vs mental arithmetic, 4 s windows, within each subject",
        "eegmat",
        {"method": None},
        None,
        "within",
        "balanced_accuracy",
        _eegmat_peers,
        notes="Classes about 3:1 (rest:arithmetic): balanced accuracy; the band-power "
        f"logistic regression uses balanced class weights. {_EEGMAT_S2}",
        variants=(
            "S2Decoder rates only",
            "S2Decoder signal itself (bands=None)",
            "S2Decoder learned components (spatial='csp')",
        ),
    ),
    Task(
        "eegmat_loso",
        "eegmat rest vs mental arithmetic, 4 s windows, across subjects",
        "eegmat",
        {"method": None},
        None,
        "groups",
        "balanced_accuracy",
        _eegmat_peers,
        notes="Classes about 3:1 (rest:arithmetic): balanced accuracy; the band-power "
        f"logistic regression uses balanced class weights. {_EEGMAT_S2} The front-end "
        "ablations run within subject (cost).",
        variants=("S2Decoder rates only",),
    ),
    Task(
        "haxby_face_house",
        "Haxby 2001 subject 1, face vs house blocks (one slice)",
        "haxby",
        {**HAXBY_VOXELS, "categories": ("face", "house")},
        None,
        "groups",
        "accuracy",
        _fmri_peers,
        notes="One trial per block (9 volumes, 4 s haemodynamic lag), each voxel z-scored "
        "within its run by the loader; peers on the block-mean pattern of the 530 voxels. "
        f"{_HAXBY_S2} Every method is at ceiling here: the mechanism ablations run on the "
        "8-way task.",
        s2_config={"time_scale": 0.02},
        variants=("S2Decoder rates only", "S2Decoder nodes as given (spatial='none')"),
    ),
    Task(
        "haxby_8way",
        "Haxby 2001 subject 1, 8 object categories (one slice)",
        "haxby",
        dict(HAXBY_VOXELS),
        None,
        "groups",
        "accuracy",
        _fmri_peers,
        notes="One trial per block (9 volumes, 4 s haemodynamic lag), each voxel z-scored "
        "within its run by the loader; peers on the block-mean pattern of the 530 voxels. "
        f"{_HAXBY_S2}",
        s2_config={"time_scale": 0.02},
        variants=(
            "S2Decoder rates only",
            "S2Decoder nodes as given (spatial='none')",
            *_MECHANISM,
        ),
    ),
    Task(
        "kramer_stn",
        "Kramer STN neuron, left vs right movement (-1..1 s around GO)",
        "kramer_stn",
        {},
        None,
        "kfold",
        "accuracy",
        _spike_peers,
        notes="A single unit: its spikes drive one S2-Net neuron, which has no neighbour, so "
        "the kappa, delay and scaffold ablations cannot change anything here (not run).",
        variants=("S2Decoder rates only",),
    ),
    Task(
        "hatsopoulos2004",
        "Hatsopoulos 2004 M1/PMd, 8 reach directions from 143 firing rates",
        "hatsopoulos2004",
        {},
        None,
        "kfold",
        "accuracy",
        _rate_peers,
        notes="One rate per neuron and trial (no spike times in the file): S2-Net gets each "
        "rate vector as a static pattern (a constant current per node for 0.25 s) on a "
        "data-driven scaffold (the units have no positions), learned on the training trials.",
        variants=("S2Decoder rates only", *_MECHANISM),
    ),
    Task(
        "synthetic_evoked",
        "generated evoked responses, target vs nontarget on 4 electrodes (development task)",
        "synthetic",
        {
            "design": "evoked",
            "n_trials": 80,
            "duration": 0.8,
            "sfreq": 128.0,
            "evoked_amplitude": 0.3,
            "seed": 1,
        },
        None,
        "kfold",
        "accuracy",
        _evoked_peers,
        notes="`synthetic` with `design='evoked'`: a time-locked waveform whose sign is "
        "the class (same power spectrum and spatial covariance in both classes), in an "
        "alpha background and white noise, on Fz, Cz, Pz, Oz. S2-Net on the 4 electrodes; "
        "with `bands='auto'` an inner cross-validation in each training fold chooses "
        "between band power and the evoked waveform (8 windows). Developed on this "
        "generator, so it is not counted in the goals.",
        variants=(
            "S2Decoder rates only",
            "S2Decoder learned components (spatial='xdawn')",
            *_MECHANISM,
        ),
        counted=False,
    ),
)
TASK_KEYS = tuple(t.key for t in TASKS)


def get_task(key: str) -> Task:
    """The task named ``key`` (one of :data:`TASK_KEYS`)."""
    for task in TASKS:
        if task.key == key:
            return task
    raise ValueError(f"Unknown task {key!r}; choose among {', '.join(TASK_KEYS)}.")


# --------------------------------------------------------------------------- data
def _load(task: Task, options: Mapping[str, Any], data_dir, quick: bool) -> xr.DataArray:
    from s2decode.datasets import load

    options = dict(options)
    if task.dataset == "eegmat" and quick:
        options["subjects"] = list(QUICK_EEGMAT_SUBJECTS)
    # (haxby's voxel trials carry their mask, which the nilearn Decoder peer needs)
    return load(task.dataset, data_dir=data_dir, **options)


def check_same_trials(a: xr.DataArray, b: xr.DataArray, what: str = "the two views") -> None:
    """Raise if two loads of a task do not hold the same trials in the same order.

    Compares the labels ``y``, the groups and (where both have them) the onsets.
    """
    if a.sizes["trial"] != b.sizes["trial"]:
        raise ValueError(
            f"{what}: {a.sizes['trial']} and {b.sizes['trial']} trials; they must be the same "
            "trials in the same order."
        )
    for coord in ("y", "group", "onset"):
        if coord in a.coords and coord in b.coords:
            if not np.array_equal(a[coord].values, b[coord].values):
                raise ValueError(
                    f"{what}: the trial coordinate {coord!r} differs between the two loads; "
                    "they must be the same trials in the same order."
                )


@dataclass
class TaskData:
    """The loaded views of one task (``s2`` may be the same object as ``peer``)."""

    peer: xr.DataArray
    s2: xr.DataArray

    @property
    def y(self) -> np.ndarray:
        return np.asarray(self.peer["y"].values)

    @property
    def groups(self) -> np.ndarray:
        return np.asarray(self.peer["group"].values)


def load_task(task: Task, data_dir=None, quick: bool = False, s2: bool = True) -> TaskData:
    """Load the peers' view and (with ``s2``) S2-Net's view of a task's trials."""
    peer = _load(task, task.peer_options, data_dir, quick)
    if task.s2_options is None or not s2:
        return TaskData(peer, peer)
    parcels = _load(task, task.s2_options, data_dir, quick)
    check_same_trials(peer, parcels, f"task {task.key}: sensor/voxel and parcel loads")
    return TaskData(peer, parcels)


# --------------------------------------------------------------------------- splits
Split = tuple[np.ndarray, np.ndarray]


def make_units(
    task: Task, y: np.ndarray, groups: np.ndarray, seed: int, max_splits: int | None = None
) -> list[tuple[str, np.ndarray, list[Split]]]:
    """The evaluation units of a task and their splits, drawn once for every method.

    Returns ``[(unit name, trial indices, [(train, test), ...])]``: one unit holding all
    trials, or one per subject for ``cv="within"``. Split indices are relative to the
    unit's trials. ``max_splits`` keeps only the first splits (quick runs).
    """
    y = np.asarray(y)
    groups = np.asarray(groups)
    if task.cv == "kfold":
        cv = StratifiedKFold(task.n_folds, shuffle=True, random_state=seed)
        units = [("all", np.arange(len(y)), cv)]
    elif task.cv == "groups":
        units = [("all", np.arange(len(y)), LeaveOneGroupOut())]
    elif task.cv == "within":
        units = [
            (
                f"subject {g}",
                np.flatnonzero(groups == g),
                StratifiedKFold(task.n_folds, shuffle=True, random_state=seed),
            )
            for g in np.unique(groups)
        ]
    else:
        raise ValueError(f"Task {task.key}: unknown cv {task.cv!r}.")
    out = []
    for name, idx, cv in units:
        unit_groups = groups[idx] if task.cv == "groups" else None
        splits = list(cv.split(np.zeros(len(idx)), y[idx], unit_groups))
        if max_splits is not None:
            splits = splits[:max_splits]
        out.append((name, idx, splits))
    return out


# --------------------------------------------------------------------------- stacking
class Unflatten(TransformerMixin, BaseEstimator):
    """Turn flat rows back into trials ``(n, *shape)``, as an array or a DataArray.

    Lets one 2-D ``X`` carry two views of the same trials (sensor and parcel signals side
    by side) to two decoders (:class:`View`).

    Parameters
    ----------
    shape : tuple of int
        ``(n_nodes, n_times)`` of one trial.
    template : xarray.DataArray | None
        A trials DataArray whose node and time coordinates (and attrs) the output takes;
        ``None`` returns a plain array. Only its first trial is kept (clones stay cheap).
    """

    def __init__(self, shape: tuple[int, ...], template: xr.DataArray | None = None):
        self.shape = shape
        self.template = template

    def fit(self, X, y=None):
        """Check that the rows have ``prod(shape)`` columns."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != int(np.prod(self.shape)):
            raise ValueError(
                f"Unflatten(shape={self.shape}) needs X of shape (n, {int(np.prod(self.shape))}),"
                f" got {X.shape}."
            )
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        """The trials, ``(n, *shape)``."""
        check_is_fitted(self)
        data = np.asarray(X).reshape(len(X), *self.shape)
        if self.template is None:
            return data
        tpl = self.template
        out = xr.DataArray(
            data,
            dims=tpl.dims,
            coords={name: coord for name, coord in tpl.coords.items() if "trial" not in coord.dims},
            attrs=dict(tpl.attrs),
            name=tpl.name,
        )
        return out.assign_coords(trial=np.arange(len(data)))


def _template(trials: xr.DataArray) -> xr.DataArray:
    """The first trial of a DataArray, without its trial coordinates (cheap to clone)."""
    tpl = trials.isel(trial=slice(0, 1))
    return tpl.drop_vars([c for c, v in tpl.coords.items() if "trial" in v.dims and c != "trial"])


def stacked_X(data: TaskData) -> np.ndarray:
    """One 2-D array with the peers' view and S2-Net's view of each trial side by side.

    Their common dtype keeps S2-Net's input values exactly as the S2Decoder sees them (so
    its cached simulations of the same fold are reused).
    """
    n = data.peer.sizes["trial"]
    return np.hstack([data.peer.values.reshape(n, -1), data.s2.values.reshape(n, -1)])


# --------------------------------------------------------------------------- S2-Net
def s2_available() -> str | None:
    """``None`` if S2Decoder and S2Featurizer can be imported, else the reason."""
    try:
        from s2decode.estimators import S2Decoder, S2Featurizer  # noqa: F401
    except ImportError as err:
        return f"s2decode.estimators.S2Decoder is not available ({err})"
    return None


def s2_config(task: Task, trials: xr.DataArray):
    """The S2-Net configuration of a task: the estimators' default for its input kind,
    with the task's ``s2_config`` changes (e.g. the fMRI time scale)."""
    from s2decode.estimators import default_config, input_kind

    return default_config(input_kind(trials)).replace(**dict(task.s2_config))


def eeg_info(trials: xr.DataArray):
    """The :class:`mne.Info` of a channel DataArray of EEG epochs (names, rate, positions).

    eegbci's channel names are standardised by its loader, so the 10-05 montage on the
    fsaverage head places them (the positions the loader's own projection uses).
    """
    import mne

    from s2decode.atlas.projection import default_montage

    info = mne.create_info(
        [str(c) for c in trials["channel"].values], float(trials.attrs["sfreq"]), "eeg"
    )
    info.set_montage(default_montage(), verbose=False)
    return info


def s2_input(task: Task, data: TaskData) -> tuple[Any, dict[str, Any]]:
    """What the S2 rows of a task are evaluated on, and the S2Decoder parameters it needs.

    EEG epochs (``task.s2_epochs``): the peers' very array, with its ``info``; otherwise
    S2-Net's DataArray view (its nodes' coordinates and networks).
    """
    if task.s2_epochs:
        return np.asarray(data.peer.values), {"info": eeg_info(data.peer)}
    return data.s2, {}


def s2_estimators(
    task: Task,
    data: TaskData,
    seed: int,
    n_jobs: int,
    memory: Any = None,
    batch_size: int | None = None,
) -> dict[str, BaseEstimator]:
    """S2Decoder and the task's variants (:data:`S2_VARIANTS`, ``task.variants``).

    Every estimator gets the task's parameters (``task.s2_params``), the same seed, backend
    (Brian2 C++ standalone, batches of ``batch_size`` trials in ``n_jobs`` processes) and
    ``memory`` (where simulated spike trains are cached, so a variant that only changes the
    features, and the stacked row's final refit, reuse the S2Decoder's simulations).
    """
    from s2decode.estimators import S2Decoder

    base = s2_config(task, data.s2)
    _, input_params = s2_input(task, data)
    common = {
        "random_state": seed,
        "backend": "cpp_standalone",
        "n_jobs": n_jobs,
        "memory": memory,
        "batch_size": batch_size,
        **input_params,
        **dict(task.s2_params),
    }
    out: dict[str, BaseEstimator] = {}
    for name in ("S2Decoder", *task.variants):
        ablation, params = S2_VARIANTS[name]
        config = base if ablation is None else base.ablation(ablation)
        out[name] = S2Decoder(config=config, **{**common, **params})
    return out


class View(TransformerMixin, BaseEstimator):
    """Columns ``[start, start + prod(shape))`` of flat rows, as trials (:class:`Unflatten`).

    Lets one 2-D ``X`` carry two views of the same trials (sensor and parcel signals side
    by side) to two decoders.
    """

    def __init__(self, start: int, shape: tuple[int, ...], template: xr.DataArray | None = None):
        self.start = start
        self.shape = shape
        self.template = template

    def _columns(self, X) -> np.ndarray:
        X = np.asarray(X)
        return X[:, self.start : self.start + int(np.prod(self.shape))]

    def fit(self, X, y=None):
        """Check the rows and fit the un-flattening."""
        self.unflatten_ = Unflatten(self.shape, self.template).fit(self._columns(X))
        return self

    def transform(self, X):
        """The trials of the view."""
        check_is_fitted(self)
        return self.unflatten_.transform(self._columns(X))


def stacked_row(
    task: Task,
    data: TaskData,
    s2: BaseEstimator,
    peers_of_task: Mapping[str, BaseEstimator],
    seed: int,
) -> tuple[BaseEstimator, Any]:
    """The late-fusion row: :class:`s2decode.estimators.S2StackingClassifier` of the task's
    S2Decoder with its peers (the inner cross-validation of each training fold chooses the
    peer and the weight), and the ``X`` it is evaluated on."""
    from s2decode.estimators import S2StackingClassifier

    if task.s2_epochs:  # both read the same sensor array
        named = [(name, clone(est)) for name, est in peers_of_task.items()]
        X = np.asarray(data.peer.values)
        s2_est = clone(s2)
    else:
        n_peer = int(np.prod(data.peer.shape[1:]))
        named = [
            (name, Pipeline([("view", View(0, data.peer.shape[1:])), ("peer", clone(est))]))
            for name, est in peers_of_task.items()
        ]
        s2_view = View(n_peer, data.s2.shape[1:], template=_template(data.s2))
        s2_est = Pipeline([("view", s2_view), ("s2", clone(s2))])
        X = stacked_X(data)
    return S2StackingClassifier(s2_est, named, cv=STACKING_CV, random_state=seed), X


# --------------------------------------------------------------------------- evaluation
@dataclass
class Result:
    """Scores of one method on one task."""

    task: str
    method: str
    family: str  # "peer", "s2", "ablation", "stacked"
    metric: str
    unit_scores: dict[str, list[dict[str, float]]]  # unit -> per-fold {scoring: value}
    seconds: float
    trial_folds: int  # sum over folds of the trials the method processed
    chance: float
    n_trials: int
    view: str
    split_seconds: list[float] = field(default_factory=list)  # fit + score, in split order
    split_trials: list[int] = field(default_factory=list)  # train + test trials per split

    def fold_scores(self, scoring: str | None = None) -> np.ndarray:
        scoring = scoring or self.metric
        return np.array([f[scoring] for folds in self.unit_scores.values() for f in folds])

    def summary_scores(self, scoring: str | None = None) -> np.ndarray:
        """Fold scores for one unit; per-unit means for several (within subject)."""
        scoring = scoring or self.metric
        if len(self.unit_scores) == 1:
            return self.fold_scores(scoring)
        return np.array(
            [np.mean([f[scoring] for f in folds]) for folds in self.unit_scores.values()]
        )

    def mean(self, scoring: str | None = None) -> float:
        return float(np.mean(self.summary_scores(scoring)))

    def sd(self, scoring: str | None = None) -> float:
        scores = self.summary_scores(scoring)
        return float(np.std(scores, ddof=1)) if scores.size > 1 else 0.0


def evaluate(
    task: Task,
    method: str,
    family: str,
    estimator: BaseEstimator,
    X: Any,
    y: np.ndarray,
    units: Sequence[tuple[str, np.ndarray, list[Split]]],
    n_jobs: int = 1,
    view: str = "",
    chance: float = float("nan"),
    fit_groups: np.ndarray | None = None,
) -> Result:
    """Cross-validate one method on every unit of a task with the given splits.

    ``fit_groups`` (one per trial) are passed to the estimator's ``fit`` as ``groups``, so
    that a stacked row's inner folds keep the outer folds' groups (subjects, runs) whole.
    """
    unit_scores = {}
    split_seconds: list[float] = []
    split_trials: list[int] = []
    t0 = time.perf_counter()
    for name, idx, splits in units:
        X_unit = X if len(idx) == len(y) else X[idx]  # a unit is all trials or one subject
        params = {} if fit_groups is None else {"groups": np.asarray(fit_groups)[idx]}
        cv = cross_validate(
            clone(estimator),
            X_unit,
            y[idx],
            cv=splits,
            scoring=list(SCORINGS),
            n_jobs=n_jobs,
            error_score="raise",
            params=params,
        )
        unit_scores[name] = [
            {s: float(cv[f"test_{s}"][k]) for s in SCORINGS} for k in range(len(splits))
        ]
        split_seconds += [
            float(f + s) for f, s in zip(cv["fit_time"], cv["score_time"], strict=True)
        ]
        split_trials += [len(tr) + len(te) for tr, te in splits]
    seconds = time.perf_counter() - t0
    return Result(
        task.key,
        method,
        family,
        task.metric,
        unit_scores,
        seconds,
        sum(split_trials),
        chance,
        len(y),
        view,
        split_seconds,
        split_trials,
    )


def _view(trials: xr.DataArray) -> str:
    from s2decode.trials import node_dim_of

    node = node_dim_of(trials)
    n_nodes, n_times = trials.sizes[node], trials.sizes["time"]
    return f"{n_nodes} {node}{'s' * (n_nodes != 1)} x {n_times} sample{'s' * (n_times != 1)}"


def _progress(msg: str) -> None:
    print(msg, flush=True)


def run_task(
    task: Task,
    data: TaskData,
    seed: int = 0,
    n_jobs: int = 1,
    quick: bool = False,
    s2: bool = True,
    memory: Any = None,
    rows: Sequence[str] = FAMILIES,
) -> list[Result]:
    """Evaluate the peers (and S2-Net, where available and asked) on one task.

    ``memory`` (a path or :class:`joblib.Memory`) caches S2-Net's simulations within the
    run. ``rows`` names the families of rows to run (:data:`FAMILIES`).
    """
    unknown = set(rows) - set(FAMILIES)
    if unknown:
        raise ValueError(f"Unknown rows {sorted(unknown)}; choose from {FAMILIES}.")
    y, groups = data.y, data.groups
    units = make_units(task, y, groups, seed, QUICK_SPLITS if quick else None)
    chance = float(np.mean([chance_level(y[idx], task.metric) for _, idx, _ in units]))
    results = []

    def run(method, family, estimator, X, view, jobs, fit_groups=None):
        res = evaluate(task, method, family, estimator, X, y, units, jobs, view, chance, fit_groups)
        _progress(
            f"  {method:<42} {task.metric} {res.mean():.3f} +- {res.sd():.3f}  "
            f"({res.seconds:.1f} s)"
        )
        results.append(res)
        return res

    X_peer = np.asarray(data.peer.values)
    if "peer" in rows:
        for name, estimator in task.peers(data.peer).items():
            run(name, "peer", estimator, X_peer, _view(data.peer), n_jobs)
    if not s2 or not set(rows) & {"s2", "ablation", "stacked"}:
        return results
    reason = s2_available()
    if reason is not None:
        _progress(f"  S2-Net rows skipped: {reason}")
        return results
    # One network shape per task: batches of the smallest test fold, so that every call
    # (pilot, training, test trials) reuses the same Brian2 binary (the spikes do not
    # depend on the batching).
    batch_size = min(len(te) for _, _, splits in units for _, te in splits)
    s2_est = s2_estimators(task, data, seed, n_jobs, memory, batch_size)
    X_s2, _ = s2_input(task, data)
    view = _view(data.s2)
    for name, estimator in s2_est.items():
        family = "s2" if name == "S2Decoder" else "ablation"
        if family in rows:
            run(name, family, estimator, X_s2, view, 1)
    if "stacked" in rows:
        peers_of_task = task.peers(data.peer)
        stacked, X_stacked = stacked_row(task, data, s2_est["S2Decoder"], peers_of_task, seed)
        # Where the outer folds leave subjects (runs) out, so do the inner folds that
        # choose the blend: it is then chosen for subjects (runs) it has not seen.
        inner_groups = groups if task.cv == "groups" else None
        run(STACKED, "stacked", stacked, X_stacked, f"{_view(data.peer)} + {view}", 1, inner_groups)
    return results


# --------------------------------------------------------------------------- report
#: What the dirty check of the git commit ignores: the benchmarks' own outputs.
_NOT_CODE = (":(exclude)benchmarks/results",)


def machine_description() -> dict[str, str]:
    """CPU model, cores, memory, OS and the versions of the packages that matter."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        ram_txt = f"{ram:.1f} GiB"
    except (ValueError, OSError, AttributeError):
        ram_txt = "unknown"
    info = {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram_txt,
        "os": platform.platform(),
        "python": platform.python_version(),
    }
    for pkg in ("s2decode", "brian2", "mne", "scikit-learn", "nilearn", "pyriemann", "numpy"):
        try:
            info[pkg] = version(pkg)
        except PackageNotFoundError:
            info[pkg] = "not installed"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    try:
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "benchmarks", "s2decode", *_NOT_CODE],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        dirty = ""
    info["git commit"] = (commit or "unknown") + (" with uncommitted changes" if dirty else "")
    return info


def results_frame(results: Iterable[Result], tasks: Sequence[Task]) -> pd.DataFrame:
    """One row per task and method (the CSV)."""
    titles = {t.key: t for t in tasks}
    rows = []
    for r in results:
        task = titles[r.task]
        rows.append(
            {
                "task": r.task,
                "method": r.method,
                "family": r.family,
                "metric": r.metric,
                "mean": r.mean(),
                "sd": r.sd(),
                "chance": r.chance,
                "accuracy_mean": r.mean("accuracy"),
                "balanced_accuracy_mean": r.mean("balanced_accuracy"),
                "n_units": len(r.unit_scores),
                "n_folds": r.fold_scores().size,
                "n_trials": r.n_trials,
                "cv": _cv_text(task),
                "view": r.view,
                "seconds": round(r.seconds, 2),
                "fold_scores": ";".join(f"{s:.4f}" for s in r.fold_scores()),
            }
        )
    return pd.DataFrame(rows)


def _cv_text(task: Task) -> str:
    return {
        "kfold": f"stratified {task.n_folds}-fold",
        "within": f"stratified {task.n_folds}-fold within each subject",
        "groups": "leave one subject out" if task.dataset == "eegmat" else "leave one run out",
    }[task.cv]


def _fmt(mean: float, sd: float) -> str:
    return f"{mean:.3f} +- {sd:.3f}"


def goals(results: Sequence[Result], tasks: Sequence[Task]) -> dict[str, Any]:
    """Per task: best peer, S2Decoder, stacked; counts of the issue's goals (over the
    tasks that count, ``Task.counted``)."""
    rows, at_or_above, within3, stacked_above, stacked_within1, with_s2 = [], 0, 0, 0, 0, 0
    n_counted = 0
    for task in tasks:
        res = [r for r in results if r.task == task.key]
        if not res:
            continue
        peer_res = [r for r in res if r.family == "peer"]
        best = max(peer_res, key=lambda r: r.mean(), default=None)
        s2 = next((r for r in res if r.family == "s2"), None)
        stacked = next((r for r in res if r.family == "stacked"), None)
        row = {"task": task, "best": best, "s2": s2, "stacked": stacked}
        rows.append(row)
        if not task.counted or best is None:  # (a part that reran some rows only)
            continue
        n_counted += 1
        if s2 is not None:
            with_s2 += 1
            # compare the rounded figures the table shows
            at_or_above += round(s2.mean(), 3) >= round(best.mean(), 3)
            within3 += s2.mean() >= best.mean() - 0.03
        if stacked is not None:
            stacked_above += round(stacked.mean(), 3) > round(best.mean(), 3)
            stacked_within1 += round(stacked.mean(), 3) >= round(best.mean() - 0.01, 3)
    return {
        "rows": rows,
        "n_tasks": n_counted,
        "with_s2": with_s2,
        "at_or_above": at_or_above,
        "within3": within3,
        "stacked_above": stacked_above,
        "stacked_within1": stacked_within1,
    }


def markdown(
    results: Sequence[Result],
    tasks: Sequence[Task],
    machine: Mapping[str, str],
    run_info: Mapping[str, str],
) -> str:
    """The report: summary table, one table per task, goals, machine."""
    g = goals(results, tasks)
    lines = ["# Decoding benchmark: S2Decoder and its peers on the same splits", ""]
    lines += [f"- {k}: {v}" for k, v in run_info.items()]
    lines += [
        "",
        "Scores are mean +- sd over the test folds (eegmat_within: over subjects, of each "
        "subject's 5-fold mean). Chance: majority-class rate for accuracy, 1 / n_classes "
        "for balanced accuracy. Every method of a task is scored on the same splits. "
        "S2Decoder: the estimators' defaults for the input (front end learned in each "
        "training fold: CSP components per band for many EEG channels, an ANOVA screen for "
        "fMRI voxels, the nodes as given otherwise; band amplitudes of the filter bank; "
        "S2-Net default configuration; intrinsic frequencies from a pilot simulation of "
        "training trials; per-node scaling; synchrony features; standardised features and "
        "shrinkage LDA), Brian2 C++ standalone; for motor imagery its bands lie in the "
        "peers' 7-30 Hz. Nothing was tuned on these tasks (see docs/estimators.md for how the "
        "defaults were set). Variants change one thing of that S2Decoder. The stacked row is "
        "the late fusion S2StackingClassifier of that S2Decoder with the task's peers: an "
        "inner 3-fold cross-validation on the training trials (subjects or runs kept whole "
        "where the outer folds leave them out) chooses the peer and the "
        "weight (0, 0.25, ..., 1) of S2's probabilities by log loss; weight 0 is the peer "
        "alone (the rule was checked against others on development tasks outside these: "
        "benchmarks/results/fusion_rules.md).",
        "",
        "## Summary",
        "",
        "| task | metric | CV | chance | best peer | S2Decoder | S2 - best peer | stacked |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in g["rows"]:
        task, best, s2, stacked = row["task"], row["best"], row["s2"], row["stacked"]
        s2_txt = _fmt(s2.mean(), s2.sd()) if s2 else "not run"
        delta = f"{100 * (s2.mean() - best.mean()):+.1f} pts" if s2 and best else ""
        st_txt = _fmt(stacked.mean(), stacked.sd()) if stacked else "not run"
        key = task.key if task.counted else f"{task.key} (not counted)"
        chance = next(r for r in results if r.task == task.key).chance
        best_txt = f"{best.method}: {_fmt(best.mean(), best.sd())}" if best else "not run"
        lines.append(
            f"| {key} | {task.metric} | {_cv_text(task)} | {chance:.3f} | "
            f"{best_txt} | {s2_txt} | {delta} | {st_txt} |"
        )
    lines += ["", "## Per task", ""]
    for task in tasks:
        res = [r for r in results if r.task == task.key]
        if not res:
            continue
        best = max((r for r in res if r.family == "peer"), key=lambda r: r.mean(), default=None)
        other = next(s for s in SCORINGS if s != task.metric)
        lines += [
            f"### {task.key}",
            "",
            f"{task.title}. {_cv_text(task)}, {res[0].n_trials} trials, "
            f"chance {res[0].chance:.3f}. {task.notes}",
            "",
            f"| method | family | input | {task.metric} | {other} (mean) | vs best peer | "
            "time (s) |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in res:
            vs = f"{100 * (r.mean() - best.mean()):+.1f} pts" if best else ""
            lines.append(
                f"| {r.method} | {r.family} | {r.view} | {_fmt(r.mean(), r.sd())} | "
                f"{r.mean(other):.3f} | {vs} | {r.seconds:.1f} |"
            )
        lines.append("")
    lines += ["## Goals (issue 11)", ""]
    if g["with_s2"]:
        lines += [
            f"- S2Decoder at or above the best peer: {g['at_or_above']}/{g['n_tasks']} tasks "
            "(goal: at least 4 of 8)",
            f"- S2Decoder within 3 points of the best peer: {g['within3']}/{g['n_tasks']} "
            "(goal: at least 6 of 8)",
            f"- stacked at or above the best peer minus 1 point: {g['stacked_within1']}/"
            f"{g['n_tasks']} (goal: all 8)",
        ]
    else:
        lines.append("- S2-Net was not run: no S2 goal can be assessed.")
    lines += ["", "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in machine.items()]
    lines.append("")
    return "\n".join(lines)


def last_line(results: Sequence[Result], tasks: Sequence[Task]) -> str:
    """The goal counts: ``s2_within_3_points: <a>/<n>  stacked_within_1_point: <b>/<n>``,
    then ``tasks_at_or_above_best_peer: <k>/<n>`` (``n/a`` where S2-Net did not run)."""
    g = goals(results, tasks)
    if not g["with_s2"]:
        return "tasks_at_or_above_best_peer: n/a (S2Decoder not run)"
    n = g["n_tasks"]
    return (
        f"s2_within_3_points: {g['within3']}/{n}  stacked_within_1_point: "
        f"{g['stacked_within1']}/{n}\n"
        f"tasks_at_or_above_best_peer: {g['at_or_above']}/{n}"
    )


def write_outputs(out: Path, results: Sequence[Result], tasks, machine, run_info) -> str:
    """Write ``decoding.csv`` and ``decoding.md`` atomically; return the Markdown."""
    from s2decode._io_utils import atomic_write, atomic_write_text

    frame = results_frame(results, tasks)
    atomic_write(out / "decoding.csv", lambda p: frame.to_csv(p, index=False))
    text = markdown(results, tasks, machine, run_info)
    text = f"{text}\n{last_line(results, tasks)}\n"
    atomic_write_text(out / "decoding.md", text)
    return text


def results_from_csv(frame: pd.DataFrame) -> list[Result]:
    """The results of an earlier run, from its ``decoding.csv``.

    Exact for every figure of the report: the fold scores of each task's metric (split into
    the run's units, ``n_units`` of equal folds) and the mean of the other scoring, which
    the CSV keeps as a mean only (every fold gets it).
    """
    out = []
    for row in frame.itertuples(index=False):
        folds = [float(v) for v in str(row.fold_scores).split(";")]
        other = next(s for s in SCORINGS if s != row.metric)
        other_mean = float(getattr(row, f"{other}_mean"))
        n_units = int(row.n_units)
        per_unit = len(folds) // n_units
        unit_scores = {
            f"unit {u}": [
                {row.metric: f, other: other_mean} for f in folds[u * per_unit : (u + 1) * per_unit]
            ]
            for u in range(n_units)
        }
        out.append(
            Result(
                row.task,
                row.method,
                row.family,
                row.metric,
                unit_scores,
                float(row.seconds),
                0,
                float(row.chance),
                int(row.n_trials),
                str(row.view),
            )
        )
    return out


def _run_header(md: Path) -> dict[str, str]:
    """The ``- key: value`` lines of a report (run header and machine), first ones kept."""
    header: dict[str, str] = {}
    for line in md.read_text().splitlines():
        if line.startswith("- ") and ": " in line:
            key, value = line[2:].split(": ", 1)
            header.setdefault(key, value)
    return header


def combine(parts: Sequence[Path], out: Path) -> str:
    """One report from the outputs of several runs (tasks run side by side, or some rows
    rerun after a change that touches only them: ``--rows stacked``).

    Each part is a folder with ``decoding.csv`` and ``decoding.md``. A later part's row
    replaces an earlier part's row of the same task and method; a part left with no row is
    an error. The report lists each part's command, start, wall time and commit, and which
    rows of which tasks it gives.
    """
    frames, heads, quick = [], [], False
    for k, part in enumerate(parts):
        frame = pd.read_csv(part / "decoding.csv")
        frames.append(frame.assign(_part=k))
        heads.append(_run_header(part / "decoding.md"))
        quick = quick or heads[-1].get("mode", "full") != "full"
    rows = pd.concat(frames, ignore_index=True).drop_duplicates(["task", "method"], keep="last")
    run_info: dict[str, str] = {}
    for k, (part, head) in enumerate(zip(parts, heads, strict=True)):
        kept = rows[rows["_part"] == k]
        if kept.empty:
            raise ValueError(
                f"Every row of part {k + 1} ({part}) is replaced by a later part; leave it out."
            )
        given = []
        for task, task_rows in kept.groupby("task", sort=False):
            whole = len(task_rows) == int((frames[k]["task"] == task).sum())
            families = ", ".join(dict.fromkeys(task_rows["family"]))
            given.append(f"{task}" + ("" if whole else f" ({families} rows)"))
        run_info[f"part {k + 1}"] = (
            f"`{head.get('command', '?')}` ({'; '.join(given)}); started "
            f"{head.get('started', '?')}, wall time {head.get('wall time', '?')}, git commit "
            f"{head.get('git commit', '?')}"
        )
    order = {t.key: i for i, t in enumerate(TASKS)}
    rank = {f: i for i, f in enumerate(FAMILIES)}
    rows = rows.assign(
        _order=rows["task"].map(order), _rank=rows["family"].map(rank).fillna(len(rank))
    ).sort_values(["_order", "_rank"], kind="stable")
    results = results_from_csv(rows.drop(columns=["_part", "_order", "_rank"]))
    tasks = [t for t in TASKS if t.key in set(rows["task"])]
    run_info["command"] = "python benchmarks/decoding.py --combine " + " ".join(map(str, parts))
    run_info["mode"] = "QUICK parts (not the benchmark's figures)" if quick else "full"
    return write_outputs(out, results, tasks, machine_description(), run_info)


def estimate_full_seconds(results: Sequence[Result], full_trial_folds: Mapping[str, int]) -> float:
    """Extrapolate a quick run to the full design of its tasks.

    The first split of a method pays the one-off costs (Brian2 builds one binary per
    network shape and scaffold, then reuses it); the later splits give its warm cost per
    processed trial, which is scaled to the trial-folds of the full design. Methods with
    one split are scaled as they are.
    """
    total = 0.0
    for r in results:
        full = full_trial_folds[r.task]
        if len(r.split_seconds) < 2:
            total += r.seconds / max(r.trial_folds, 1) * full
            continue
        warm = np.median(np.asarray(r.split_seconds[1:]) / np.asarray(r.split_trials[1:]))
        total += r.split_seconds[0] + warm * max(full - r.split_trials[0], 0)
    return float(total)


def full_trial_folds(task: Task, data: TaskData, quick: bool) -> int:
    """Trial-folds (train + test trials summed over folds) of a task's full design."""
    n = data.peer.sizes["trial"]
    if task.dataset == "eegmat" and quick:
        from s2decode.datasets import subjects

        n_quick = len(np.unique(data.groups))
        n_subjects = len(subjects("eegmat").present())
        n = round(n / n_quick * n_subjects)
        n_groups = n_subjects
    else:
        n_groups = len(np.unique(data.groups))
    if task.cv in ("kfold", "within"):
        return task.n_folds * n
    return n_groups * n


# --------------------------------------------------------------------------- main
def _parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASK_KEYS), choices=TASK_KEYS)
    parser.add_argument(
        "--quick", action="store_true", help=f"first {QUICK_SPLITS} splits, 4 eegmat subjects"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"output folder (default: {DEFAULT_OUT.relative_to(HERE.parent)}; with --quick "
        f"{QUICK_OUT}, so that a smoke run never replaces the benchmark's results)",
    )
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=2,
        help="processes: S2-Net simulation batches, and the peers' folds",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None, help="data directory (S2DECODE_DATA)")
    parser.add_argument("--no-s2", action="store_true", help="peers only")
    parser.add_argument(
        "--rows",
        nargs="+",
        default=list(FAMILIES),
        choices=FAMILIES,
        help="which rows to run (default: all); e.g. `--rows stacked` after a change to "
        "the late fusion, then --combine with the earlier run",
    )
    parser.add_argument(
        "--combine",
        nargs="+",
        type=Path,
        default=None,
        metavar="DIR",
        help="write one report from the outputs (decoding.csv, decoding.md) of these runs",
    )
    parser.add_argument(
        "--eegmat-parcels",
        action="store_true",
        help="run S2-Net on the 300 eLORETA parcels for eegmat (about 40x the cost)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; return the process exit code."""
    args = _parse(argv)
    # MNE's filter design and rank messages would drown the progress lines; the workers of
    # n_jobs > 1 inherit the environment variable.
    os.environ.setdefault("MNE_LOGGING_LEVEL", "WARNING")
    import mne
    from threadpoolctl import threadpool_limits

    mne.set_log_level(os.environ["MNE_LOGGING_LEVEL"])
    # One BLAS thread: the matrices are small (64 x 64 covariances), and threads fighting
    # for 2 shared cores made pyRiemann's batched eigh 30x slower.
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        # nilearn keeps every voxel of the one-slice mask (its screening percentile is
        # relative to a whole brain) and says so at every fold
        warnings.filterwarnings("ignore", "screening_percentile set to", UserWarning)
        # scikit-learn 1.9 announces a change of LogisticRegressionCV's fitted attributes,
        # which the benchmark does not read
        warnings.filterwarnings("ignore", "The fitted attributes of LogisticRegressionCV")
        return _run(args, argv)


def _run(args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    out = args.out if args.out is not None else (QUICK_OUT if args.quick else DEFAULT_OUT)
    if args.combine:
        print(combine(args.combine, out), end="", flush=True)
        return 0
    tasks = [get_task(k) for k in args.tasks]
    if args.eegmat_parcels:
        tasks = [
            dataclasses.replace(t, s2_options={}, notes=t.notes.replace(_EEGMAT_S2, ""))
            if t.dataset == "eegmat"
            else t
            for t in tasks
        ]
    machine = machine_description()
    started = _dt.datetime.now().astimezone()
    t0 = time.perf_counter()
    command = " ".join(["python benchmarks/decoding.py", *(sys.argv[1:] if argv is None else argv)])
    results: list[Result] = []
    full_folds: dict[str, int] = {}
    use_s2 = not args.no_s2
    if use_s2 and (reason := s2_available()) is not None:
        _progress(f"S2-Net rows will be missing: {reason}")
    text = ""
    # S2-Net's simulations are cached for this run only (the stacked pipeline reuses the
    # S2Decoder's), never across runs: a rerun recomputes everything.
    with tempfile.TemporaryDirectory(prefix="s2decode-bench-") as memory:
        for task in tasks:
            _progress(f"[{task.key}] {task.title}")
            t_load = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # MNE/nilearn chatter on load
                data = load_task(task, args.data_dir, args.quick, s2=use_s2)
            _progress(
                f"  loaded {data.peer.sizes['trial']} trials: peers on {_view(data.peer)}, "
                f"S2 on {_view(data.s2)} ({time.perf_counter() - t_load:.1f} s)"
            )
            full_folds[task.key] = full_trial_folds(task, data, args.quick)
            results += run_task(
                task, data, args.seed, args.n_jobs, args.quick, use_s2, memory, args.rows
            )
            elapsed = time.perf_counter() - t0
            run_info = {
                "command": command,
                "started": started.isoformat(timespec="seconds"),
                "wall time": f"{elapsed / 60:.1f} min",
                "seed": str(args.seed),
                "mode": "QUICK (first splits only; not the benchmark's figures)"
                if args.quick
                else "full",
            }
            if args.quick:
                est = estimate_full_seconds(results, full_folds)
                run_info["estimated full run (these tasks)"] = f"{est / 60:.1f} min"
            text = write_outputs(out, results, tasks, machine, run_info)
    print()
    print(f"(written: {out / 'decoding.csv'}, {out / 'decoding.md'})")
    print(text, end="", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

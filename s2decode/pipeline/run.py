"""Run a decoding pipeline: load, cross-validate S2Decoder and its peers, write the results.

The work is a set of Dask tasks (:mod:`s2decode.pipeline.engine` gives the client):

1. one *load* task per subject (:func:`~s2decode.pipeline.data.load_subject`), which the other
   tasks take as an input, so Dask recomputes it if the worker holding it dies;
2. one *S2 unit* per cross-validation fold (of a subject, or one left-out subject): S2Featurizer
   fitted on the fold's training trials, S2-Net simulated on all of the fold's trials, the
   features returned; this is the expensive part, and what the feature cache keeps
   (:mod:`s2decode.pipeline.cache`);
3. one *peer* task per fold and peer baseline, on the same splits;
4. one *example* task: the diagnostics of one trial for the report.

The client scores the S2 features with the final estimator (cheap and deterministic), writes
each finished unit's features to the cache as it arrives (so an interrupted run resumes where it
stopped), and writes the output folder at the end. Results do not depend on the number of
workers or on which worker ran what: every random draw comes from the pipeline's ``seed``.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import stat
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from filelock import FileLock

from .._io_utils import atomic_write_netcdf, atomic_write_text, check_creatable, current_umask
from .._version import __version__
from ..errors import InvalidInputError, OutputError
from ..scoring import chance_level
from .cache import (
    CACHE_SUBDIR,
    COLUMNS,
    FeatureCache,
    code_fingerprint,
    data_fingerprint,
    file_fingerprint,
    unit_key,
)
from .outputs import FEATURES_DIR, OUTPUT_MARKERS, features_file_name, is_run_output
from .spec import FUSED_LABEL
from .tables import feature_effect_sizes, write_table


@dataclass(frozen=True)
class Split:
    """One cross-validation unit.

    Attributes
    ----------
    subject : str
        The subject whose trials are scored (the left-out one for leave-one-subject-out).
    fold : int
        Fold number within ``subject`` (0 for leave-one-subject-out).
    members : tuple of str
        Subjects whose trials, concatenated in this order, the indices refer to.
    train, test : ndarray of int
        Trial indices into the members' trials.
    test_trials : ndarray of int
        Index of each test trial within ``subject``'s own trials.
    calibration : ndarray of int
        Index, within ``subject``'s own trials, of the trials of the scored subject that
        are in the training set (``cv.calibration`` of leave-one-subject-out; else empty).
    """

    subject: str
    fold: int
    members: tuple[str, ...]
    train: np.ndarray
    test: np.ndarray
    test_trials: np.ndarray
    calibration: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))

    @property
    def name(self) -> str:
        """``"subject 03, fold 2"``."""
        return f"subject {self.subject}, fold {self.fold}"


@dataclass
class PipelineResult:
    """What :func:`run_pipeline` returns.

    Attributes
    ----------
    out_dir : pathlib.Path
        The output folder.
    scores : pandas.DataFrame
        One row per subject, fold and method (``scores.csv``).
    summary : dict
        ``summary.json``.
    report : pathlib.Path | None
        ``report.html`` (``None`` when ``report=False``).
    """

    out_dir: Path
    scores: pd.DataFrame
    summary: dict[str, Any]
    report: Path | None = None
    predictions: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


# ---------------------------------------------------------------------------- worker tasks
@dataclass(frozen=True)
class TaskFailure:
    """A worker task's exception, returned as its result instead of raised.

    Dask logs every raised task exception on the worker ("Compute Failed" and its traceback)
    before the client sees it; the run reports its units' errors itself, once, so the tasks
    return them (:func:`guarded`) and the client raises them with the unit's name.

    Attributes
    ----------
    error : Exception
        The exception (a ``RuntimeError`` with its text where it does not pickle).
    traceback : str
        Its traceback on the worker, for ``s2decode --debug``.
    """

    error: BaseException
    traceback: str

    def raise_for(self, what: str) -> None:
        """Raise ``RuntimeError("<what> failed: <error>")`` from the error, with the worker's
        traceback as a note."""
        err = RuntimeError(f"{what} failed: {self.error}")
        err.add_note(f"On the worker:\n{self.traceback}")
        raise err from self.error


def submit_guarded(client, func, *args, key: str | None = None, **options):
    """``client.submit`` of ``func`` through :func:`guarded`, keyed by ``func``'s name (as
    Dask names tasks) so that the dashboard and logs tell the units apart. ``options`` go to
    ``client.submit`` (``workers=``, ...)."""
    import uuid

    key = key or f"{func.__name__}-{uuid.uuid4().hex}"
    return client.submit(guarded, func, *args, key=key, **options)


def guarded(func, *args, **kwargs):
    """Run ``func(*args, **kwargs)`` as a worker task that returns its exception.

    An input that is itself a :class:`TaskFailure` (a failed load) is passed on unchanged.
    """
    import pickle
    import traceback

    for arg in args:
        if isinstance(arg, TaskFailure):
            return arg
    try:
        return func(*args, **kwargs)
    except Exception as err:
        text = traceback.format_exc()
        try:
            pickle.dumps(err)
        except Exception:
            err = RuntimeError(f"{type(err).__name__}: {err}")
        return TaskFailure(err, text)


def s2_input(spec, trials: xr.DataArray) -> tuple[Any, dict[str, Any]]:
    """What S2-Net reads of the trials (``features.input``), and the estimator parameters
    that go with it: the DataArray itself, or for ``"epochs"`` its values with the
    ``info`` of its EEG channels (:func:`s2decode.atlas.eeg_info`)."""
    if spec.features.input == "trials":
        return trials, {}
    from ..atlas import eeg_info

    if "channel" not in trials.dims:
        raise ValueError(
            f"features.input='epochs' reads EEG electrodes, but these trials are on "
            f"{trials.dims[1]!r}; load the electrodes (dataset option method: null) or use "
            "features.input='trials'."
        )
    return np.asarray(trials.values), {
        "info": eeg_info(trials["channel"].values, float(trials.attrs["sfreq"]))
    }


def _featurizer(spec, trials: xr.DataArray):
    """The unfitted S2Featurizer of a pipeline, and the input it reads of ``trials``."""
    from ..estimators import S2Featurizer, input_kind

    X, params = s2_input(spec, trials)
    config = spec.s2_config(input_kind(X, **params))
    return S2Featurizer(config=config, **spec.featurizer_params(), **params), X


def s2_decoder(spec, trials: xr.DataArray):
    """The S2 row of a pipeline as one unfitted estimator, and the input it reads.

    Returns
    -------
    decoder : S2Decoder
        S2Featurizer's parameters of the pipeline (``features``, ``scaffold``, ``net``,
        ``compute``, the seed), ``decoder.final_estimator`` and ``decoder.select_features``:
        cross-validated, it scores as the pipeline's S2 row.
    X : DataArray | ndarray
        What it reads of ``trials`` (:func:`s2_input`).
    """
    from ..estimators import S2Decoder

    featurizer, X = _featurizer(spec, trials)
    decoder = S2Decoder(
        **featurizer.get_params(deep=False),
        estimator=spec.final_estimator(),
        select_features=spec.decoder.select_features,
    )
    return decoder, X


def _labels(trials: xr.DataArray) -> np.ndarray:
    return np.asarray(trials.coords["y"].values).astype(str)


def describe(trials: xr.DataArray) -> dict[str, Any]:
    """What the client needs of a subject's trials to plan the splits (a small result)."""
    groups = trials.coords["group"].values if "group" in trials.coords else None
    return {
        "fingerprint": data_fingerprint(trials),
        "y": _labels(trials),
        "groups": None if groups is None else _group_labels(groups),
        "shape": tuple(int(n) for n in trials.shape),
        "dims": tuple(trials.dims),
    }


def _group_labels(groups) -> np.ndarray:
    """Numbers stay numbers (so that leave-one-group-out folds follow runs 1, 2, ..., 12,
    not "1", "10", "11", ...); anything else becomes strings."""
    groups = np.asarray(groups)
    return groups if groups.dtype.kind in "iuf" else groups.astype(str)


def concat_subjects(*trials: xr.DataArray) -> xr.DataArray:
    """Pool subjects' trials along ``trial`` (for leave-one-subject-out)."""
    first = trials[0]
    for other, t in enumerate(trials[1:], start=1):
        if t.attrs.get("sfreq") != first.attrs.get("sfreq"):
            raise InvalidInputError(
                f"Subjects' trials have different sampling rates ({first.attrs.get('sfreq')} "
                f"vs {t.attrs.get('sfreq')} Hz for the subject at position {other}); "
                "leave_one_subject_out pools them: resample them to one rate "
                "(preprocessing.resample)."
            )
        if t.shape[1:] != first.shape[1:]:
            raise ValueError(
                f"Subjects' trials differ in shape ({first.shape[1:]} vs {t.shape[1:]} for the "
                f"subject at position {other}); leave_one_subject_out needs the same nodes and "
                "trial length for every subject (set preprocessing.tmin/tmax or resample)."
            )
    pooled = xr.concat(trials, dim="trial", coords="minimal", compat="override")
    return pooled.assign_coords(trial=np.arange(pooled.sizes["trial"]))


def s2_unit(spec, trials: xr.DataArray, train: np.ndarray, test: np.ndarray) -> dict[str, Any]:
    """Fit S2Featurizer on the training trials and featurize the fold (a worker task)."""
    from ..estimators.decoder import feature_set_columns

    start = time.perf_counter()
    feat, X = _featurizer(spec, trials)
    X_train = feat.fit_transform(X[train], _labels(trials)[train])
    X_test = feat.transform_xarray(X[test])
    columns = {c: np.asarray(X_test[c].values) for c in COLUMNS if c in X_test.coords}
    columns["feature_set"] = np.empty(X_test.sizes["feature"], dtype=object)
    for name, cols in feature_set_columns(feat).items():
        columns["feature_set"][cols] = name
    columns["feature_set"] = columns["feature_set"].astype(str)
    return {
        "X_train": X_train,
        "X_test": X_test.values,
        "names": [str(n) for n in X_test["feature"].values],
        "columns": columns,
        "energy_pj": np.asarray(X_test["energy_pj"].values, dtype=float),
        "seconds": time.perf_counter() - start,
    }


def fit_final(spec, unit: dict[str, Any], y_train: np.ndarray):
    """The S2 row's final estimator fitted on a unit's training features, and the columns
    it reads: every column, or (``decoder.select_features``) the feature sets that
    :func:`s2decode.estimators.decoder.choose_feature_sets` chooses, as S2Decoder does.

    A small fit: the caller limits BLAS to one thread, as S2Decoder does (finding the
    libraries to limit takes a few milliseconds, so once for all units)."""
    from ..estimators.decoder import choose_feature_sets

    estimator = spec.final_estimator()
    X_train = np.asarray(unit["X_train"])
    sets = np.asarray(unit["columns"]["feature_set"]).astype(str)
    columns = {name: np.flatnonzero(sets == name) for name in dict.fromkeys(sets)}
    cols = np.arange(X_train.shape[1])
    if spec.decoder.select_features and len(columns) > 1:
        chosen, _ = choose_feature_sets(
            estimator, X_train, y_train, columns, classification=True, random_state=spec.seed
        )
        cols = np.concatenate([columns[name] for name in chosen])
    return estimator.fit(X_train[:, cols], y_train), cols


def s2_predictions(spec, unit: dict[str, Any], y_train: np.ndarray) -> np.ndarray:
    """The labels that the S2 row's final estimator (:func:`fit_final`) predicts for a unit's
    test trials, as strings."""
    final, cols = fit_final(spec, unit, y_train)
    return np.asarray(final.predict(np.asarray(unit["X_test"])[:, cols])).astype(str)


def pipeline_peer(peer, trials: xr.DataArray, seed: int):
    """``(label, estimator)`` of a peer (a :class:`~s2decode.pipeline.spec.PeerSpec`) for
    the given trials, its random draws from the pipeline's ``seed``; the estimator is
    unfitted and takes ``trials.values``."""
    from ..peers import make_peer

    _, estimator = make_peer(peer.name, trials, **peer.params)
    label = peer.display_label
    if "random_state" not in peer.params:  # the pipeline's seed, as every other draw
        estimator.set_params(
            **{k: seed for k in estimator.get_params() if k.split("__")[-1] == "random_state"}
        )
    return label, estimator


def peer_unit(
    peer, trials: xr.DataArray, train: np.ndarray, test: np.ndarray, seed: int = 0
) -> dict[str, Any]:
    """Fit one peer baseline on the training trials, predict the test trials (a worker task)."""
    from mne.utils import use_log_level

    start = time.perf_counter()
    label, estimator = pipeline_peer(peer, trials, seed)
    X = np.asarray(trials.values)
    y = _labels(trials)
    with use_log_level("error"):  # MNE's filters describe themselves at every fit
        estimator.fit(X[train], y[train])
        y_pred = np.asarray(estimator.predict(X[test])).astype(str)
    return {"label": label, "y_pred": y_pred, "seconds": time.perf_counter() - start}


def fused_unit(
    spec, trials: xr.DataArray, train: np.ndarray, test: np.ndarray, groups=None
) -> dict[str, Any]:
    """The late-fusion row of one fold (a worker task): S2StackingClassifier of the S2
    decoder (S2Featurizer and the final estimator) and ``decoder.fuse_with``, fitted on the
    training trials (its inner cross-validation too), predicting the test trials.

    ``groups`` (one per trial, or ``None``) keeps each group whole in the inner folds: the
    pipeline gives the subjects for ``leave_one_subject_out`` and the runs for
    ``leave_one_group_out``, so the blend is chosen as the outer folds test it.
    """
    from mne.utils import use_log_level
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from ..estimators import S2StackingClassifier

    start = time.perf_counter()
    s2, X = s2_decoder(spec, trials)
    named = []
    for peer in spec.decoder.fuse_with:
        label, estimator = pipeline_peer(peer, trials, spec.seed)
        # the peers take arrays; the fused decoder may pass them the trials' DataArray
        named.append((label, Pipeline([("values", FunctionTransformer(np.asarray)),
                                       ("peer", estimator)])))  # fmt: skip
    fused = S2StackingClassifier(s2, named, cv=spec.decoder.fusion_cv, random_state=spec.seed)
    y = _labels(trials)
    with use_log_level("error"):
        fused.fit(X[train], y[train], groups=None if groups is None else groups[train])
        y_pred = np.asarray(fused.predict(X[test])).astype(str)
    return {
        "y_pred": y_pred,
        "peer": fused.peer_name_,
        "weight": float(fused.weight_),
        "seconds": time.perf_counter() - start,
    }


def warm_up(spec, trials: xr.DataArray, per_class: int = 2) -> dict[str, Any]:
    """Compile (or load from the cache) the kernels of the pipeline's S2-Net on this worker.

    S2Featurizer is fitted on, and featurizes, ``per_class`` trials of each class: the same
    equations and feature code as the units, at a small cost.

    Returns
    -------
    done : dict
        ``seconds`` it took, and whether it ``compiled`` (new files in the Brian2 cache).
    """
    from ..paths import get_cache_dir

    start = time.perf_counter()
    kernels = get_cache_dir() / "brian2"
    before = sum(1 for _ in kernels.rglob("*")) if kernels.is_dir() else 0
    y = _labels(trials)
    pick = np.sort(np.concatenate([np.flatnonzero(y == c)[:per_class] for c in np.unique(y)]))
    feat, X = _featurizer(spec, trials[pick])
    feat.fit(X, y[pick]).transform(X)
    after = sum(1 for _ in kernels.rglob("*")) if kernels.is_dir() else 0
    return {"seconds": time.perf_counter() - start, "compiled": after > before}


def example_unit(spec, trials: xr.DataArray, index: int, subject: str) -> xr.Dataset:
    """Diagnostics of one trial for the report: S2Featurizer fitted on the subject's trials."""
    from ..estimators import example_dataset

    feat, X = _featurizer(spec, trials)
    y = _labels(trials)
    feat.fit(X, y)
    example = example_dataset(feat, X, index=index, subject=subject)
    example.attrs["y"] = str(y[index])  # an epochs array carries no labels
    return example


# ---------------------------------------------------------------------------- planning
def plan_splits(spec, subjects: list[str], info: dict[str, dict]) -> list[Split]:
    """The cross-validation units of a pipeline, from each subject's labels and groups.

    Parameters
    ----------
    spec : PipelineSpec
        The pipeline (its ``cv`` and ``seed``).
    subjects : list of str
        The subjects, in order.
    info : dict
        Subject -> :func:`describe` of its trials (``y``, ``groups``, ``shape``).

    Returns
    -------
    splits : list of Split
        ``kfold`` and ``leave_one_group_out``: the folds of each subject in turn;
        ``cross_session``: one split per subject (train on ``cv.train_groups``, test on
        ``cv.test_groups``); ``leave_one_subject_out``: one per left-out subject, with
        ``cv.calibration`` of its trials (stratified, drawn with ``seed``) in the training
        set and out of the test set.

    Raises
    ------
    ValueError
        A split that cannot be made: fewer trials of a class than ``cv.n_splits``, a subject
        with one group for the group schemes, ``cv.train_groups``/``test_groups`` naming a
        group the subject does not have or leaving a side without trials, a calibration
        draw without a trial of each class on both sides.
    """
    from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

    scheme = spec.cv.scheme
    splits: list[Split] = []
    if scheme == "leave_one_subject_out":
        if len(subjects) < 2:
            raise ValueError(
                f"cv.scheme='leave_one_subject_out' needs at least 2 subjects; "
                f"dataset.subjects gives {subjects}."
            )
        sizes = [info[s]["shape"][0] for s in subjects]
        starts = np.concatenate([[0], np.cumsum(sizes)])
        for i, subject in enumerate(subjects):
            own = np.arange(sizes[i])
            calibration = _calibration_trials(spec, subject, info[subject]["y"])
            kept = np.setdiff1d(own, calibration)
            test = starts[i] + kept
            train = np.setdiff1d(np.arange(starts[-1]), test)
            splits.append(
                Split(subject, 0, tuple(subjects), train, test, kept, calibration=calibration)
            )
        return splits
    for subject in subjects:
        y = info[subject]["y"]
        if scheme == "kfold":
            _, counts = np.unique(y, return_counts=True)
            if counts.min() < spec.cv.n_splits:
                raise InvalidInputError(
                    f"cv.n_splits={spec.cv.n_splits} is more than the {counts.min()} trials of "
                    f"the rarest class of subject {subject}; lower cv.n_splits."
                )
            cv = StratifiedKFold(
                spec.cv.n_splits,
                shuffle=spec.cv.shuffle,
                random_state=spec.seed if spec.cv.shuffle else None,
            )
            folds = cv.split(np.zeros(len(y)), y)
        else:  # leave_one_group_out, cross_session
            groups = info[subject]["groups"]
            if groups is None or len(np.unique(groups)) < 2:
                raise ValueError(
                    f"cv.scheme={scheme!r} needs a `group` coordinate with at least "
                    f"2 values (runs, sessions); subject {subject} of {spec.dataset.name!r} has "
                    f"{'none' if groups is None else 'one'}. Use cv.scheme='kfold'."
                )
            if scheme == "cross_session":
                of = f"subject {subject}" if subject != "-" else repr(spec.dataset.name)
                folds = [cross_session_split(spec.cv, groups, y, of)]
            else:
                folds = LeaveOneGroupOut().split(np.zeros(len(y)), y, groups)
        for k, (train, test) in enumerate(folds):
            splits.append(Split(subject, k, (subject,), train, test, test))
    return splits


def group_key(value) -> str:
    """A group value as text, numbers without a trailing ``.0``: the run ``1`` of the data
    (an integer or a float) and ``1`` in ``cv.train_groups`` are the same group."""
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def cross_session_groups(cv, groups, of: str = "the trials") -> tuple[list, list]:
    """The groups a ``cross_session`` split trains and tests on, for one subject.

    Parameters
    ----------
    cv : CVSpec
        ``train_groups`` and ``test_groups`` (``None``: see :class:`CVSpec`).
    groups : array-like
        The subject's ``group`` value of each trial.
    of : str
        Whose trials, for the messages (``"subject 3"``).

    Returns
    -------
    train, test : list
        Group values of the subject (as in ``groups``), in sorted order.

    Raises
    ------
    ValueError
        Where ``cv.train_groups`` or ``cv.test_groups`` names a group the subject does not
        have (the message lists those it has).
    """
    present = list(np.unique(np.asarray(groups)))  # numbers in numeric order
    by_key = {group_key(g): g for g in present}
    chosen = {}
    for side in ("train_groups", "test_groups"):
        wanted = getattr(cv, side)
        if wanted is None:
            continue
        missing = [w for w in wanted if group_key(w) not in by_key]
        if missing:
            raise ValueError(
                f"cv.{side} {missing} not among the groups (sessions, runs) of {of}, which "
                f"are {[group_key(g) for g in present]}; give groups of those."
            )
        chosen[side] = [by_key[group_key(w)] for w in wanted]
    train = chosen.get("train_groups")
    test = chosen.get("test_groups")
    if train is None and test is None:
        train, test = present[:-1], present[-1:]
    elif train is None:
        train = [g for g in present if group_key(g) not in {group_key(t) for t in test}]
    elif test is None:
        test = [g for g in present if group_key(g) not in {group_key(t) for t in train}]
    order = {group_key(g): i for i, g in enumerate(present)}
    return (
        sorted(train, key=lambda g: order[group_key(g)]),
        sorted(test, key=lambda g: order[group_key(g)]),
    )


def cross_session_split(cv, groups, y, of: str) -> tuple[np.ndarray, np.ndarray]:
    """The training and test trials of a ``cross_session`` split (indices, sorted).

    ``of`` names the trials for the messages (``"subject 3"``). Raises ``ValueError`` where
    a side has no trial, or the training trials hold fewer than 2 classes.
    """
    groups = np.asarray(groups)
    train_groups, test_groups = cross_session_groups(cv, groups, of)
    keys = np.array([group_key(g) for g in groups])
    train = np.flatnonzero(np.isin(keys, [group_key(g) for g in train_groups]))
    test = np.flatnonzero(np.isin(keys, [group_key(g) for g in test_groups]))
    names = {"train": [group_key(g) for g in train_groups],
             "test": [group_key(g) for g in test_groups]}  # fmt: skip
    if train.size == 0 or test.size == 0:
        side = "train" if train.size == 0 else "test"
        raise ValueError(
            f"cv.scheme='cross_session' leaves no {side}ing trial for {of}: the groups "
            f"{names[side]} are empty; set cv.{side}_groups."
        )
    classes = np.unique(np.asarray(y)[train])
    if classes.size < 2:
        raise ValueError(
            f"cv.scheme='cross_session': the training groups {names['train']} of {of} hold "
            f"one class ({classes[0]}); train on groups with at least 2 classes "
            "(cv.train_groups)."
        )
    return train, test


def _calibration_trials(spec, subject: str, y: np.ndarray) -> np.ndarray:
    """The trials of a left-out subject that ``cv.calibration`` moves into the training set
    (indices into the subject's trials, sorted; empty without calibration)."""
    from sklearn.model_selection import StratifiedShuffleSplit

    from .spec import calibration_problem

    fraction = spec.cv.calibration
    if fraction is None:
        return np.array([], dtype=int)
    classes, counts = np.unique(y, return_counts=True)
    n_cal, problem = calibration_problem(
        fraction,
        dict(zip(classes.astype(str), counts.tolist(), strict=True)),
        f"subject {subject}",
    )
    if problem is not None:
        raise ValueError(f"cv.calibration: {problem}.")
    draw = StratifiedShuffleSplit(
        n_splits=1, train_size=n_cal, test_size=len(y) - n_cal, random_state=spec.seed
    )
    calibration, _ = next(draw.split(np.zeros(len(y)), y))
    return np.sort(calibration)


def first_splits(splits: list[Split], max_splits: int | None) -> list[Split]:
    """The first ``max_splits`` folds of each subject (the first ``max_splits`` units of
    leave-one-subject-out); all of them for ``None``."""
    if max_splits is None:
        return splits
    if isinstance(max_splits, bool) or not isinstance(max_splits, int) or max_splits < 1:
        raise ValueError(f"max_splits must be a positive integer or None, got {max_splits!r}.")
    if len({s.members for s in splits}) == 1 and len(splits[0].members) > 1:
        return splits[:max_splits]  # leave one subject out: one unit per left-out subject
    return [s for s in splits if s.fold < max_splits]


def s2_rows(spec) -> list[tuple[str, str, Any]]:
    """``(label, family, pipeline)`` of every S2 row: the S2 decoder, then each variant
    (family ``"ablation"``) as the pipeline whose S2 features are the variant's."""
    return [
        (spec.decoder.label, "s2", spec),
        *((label, "ablation", derived) for label, derived in spec.variant_specs()),
    ]


def _spec_fingerprint(spec) -> str:
    fingerprint = spec.fingerprint()
    if isinstance(spec.atlas, str) and Path(spec.atlas).is_file():
        fingerprint += file_fingerprint(spec.atlas)  # edited in place: recompute
    return fingerprint


def _inner_groups(spec, split: Split, info: dict[str, dict]) -> np.ndarray | None:
    """What the late fusion's inner folds keep whole: the subjects of a
    leave-one-subject-out unit, the runs of a leave-one-group-out or cross-session one
    (where it trains on several), nothing for k-fold."""
    if spec.cv.scheme == "leave_one_subject_out":
        return np.concatenate([np.full(info[m]["shape"][0], m) for m in split.members])
    if spec.cv.scheme == "leave_one_group_out":
        return np.asarray(info[split.subject]["groups"])
    if spec.cv.scheme == "cross_session":
        groups = np.asarray(info[split.subject]["groups"])
        # one training session: stratified inner folds, as for k-fold
        return groups if len(np.unique(groups[split.train])) > 1 else None
    return None


# ---------------------------------------------------------------------------- scoring
def _score_rows(
    split: Split, method: str, family: str, y_true, y_pred, n_train, seconds, energy=None
):
    """A fold's scores row and predictions. ``energy``: S2-Net's arithmetic energy of each
    test trial (pJ, S2 rows); its mean goes in the row's ``energy_pj`` (NaN for peers)."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    score = {
        "subject": split.subject,
        "fold": split.fold,
        "method": method,
        "family": family,
        "accuracy": accuracy_score(y_true, y_pred),
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "n_train": int(n_train),
        "n_test": len(y_true),
        "seconds": float(seconds),
        "energy_pj": float(np.mean(energy)) if energy is not None and len(energy) else np.nan,
    }
    preds = pd.DataFrame(
        {
            "subject": split.subject,
            "fold": split.fold,
            "method": method,
            "trial": split.test_trials,
            "y_true": y_true,
            "y_pred": y_pred,
        }
    )
    return score, preds


def summarize_scores(scores: pd.DataFrame, scoring: str, per_subject: bool) -> dict[str, dict]:
    """Mean and sd of ``scoring`` per method: over subjects' fold means, or over folds."""
    out: dict[str, dict] = {}
    for method, rows in scores.groupby("method", sort=False):
        values = rows.groupby("subject")[scoring].mean() if per_subject else rows[scoring]
        out[str(method)] = {
            "family": str(rows["family"].iloc[0]),
            "mean": float(values.mean()),
            "sd": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
            "n": len(values),
        }
    return out


# ---------------------------------------------------------------------------- outputs
def versions() -> dict[str, str]:
    """Versions of Python, s2decode and the libraries its results depend on.

    Returns
    -------
    versions : dict of str to str
        Package name to version (``"absent"`` where not installed), and ``"machine"``: the
        platform, the number of CPUs and the CPU model (:func:`s2decode.machine.cpu_name`).
    """
    from importlib.metadata import PackageNotFoundError, version

    from ..machine import cpu_name

    out = {"s2decode": __version__, "python": sys.version.split()[0]}
    for name in ("numpy", "scipy", "scikit-learn", "brian2", "numba", "mne", "nilearn", "dask",
                 "distributed", "xarray", "pandas"):  # fmt: skip
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    out["machine"] = f"{platform.platform()}; {os.cpu_count()} CPUs; {cpu_name()}"
    return out


def check_out_dir(out_dir: Path) -> None:
    """Refuse an output folder that holds something other than an earlier run's results."""
    if _not_a_folder(out_dir):
        raise OutputError(f"--out {out_dir} is a file; give a folder for the results.")
    check_creatable(
        out_dir, f"--out {out_dir} cannot be made", "give another folder for the results."
    )
    if _foreign_folder(out_dir):
        # Another run may be swapping this folder right now (its results renamed away
        # between the two looks above): look again while no swap runs.
        with FileLock(swap_lock(out_dir)):
            if _foreign_folder(out_dir):
                raise FileExistsError(
                    f"--out {out_dir} is not empty and holds no earlier s2decode results "
                    f"({' / '.join(OUTPUT_MARKERS)}); a run replaces its output folder as a "
                    "whole, so give a new or empty folder, e.g. results/<pipeline name>."
                )


def _not_a_folder(path: Path) -> bool:
    """Whether ``path`` exists and is not a folder, in one look (``exists()`` then
    ``is_dir()`` could see a concurrent run's swap rename the folder away in between)."""
    try:
        return not stat.S_ISDIR(path.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError):  # absent, or under a file: not there
        return False


def _foreign_folder(out_dir: Path) -> bool:
    """Whether ``out_dir`` is a non-empty folder that is not a run's output (one that a
    concurrent swap renames away while we look is not)."""
    try:
        return out_dir.is_dir() and any(out_dir.iterdir()) and not is_run_output(out_dir)
    except FileNotFoundError:
        return False


@contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """A complete new output folder, built beside ``out_dir`` and swapped in at the end.

    The old folder is renamed away and the new one renamed into place (two renames on the
    same file system), so the results of one run are never mixed with those of another, and
    a run that fails before the swap leaves the earlier folder untouched; where the second
    rename fails, the earlier folder is renamed back. An OSError met on the way (a full
    disk) becomes an :class:`~s2decode.errors.OutputError` that says whether the earlier
    results are intact.
    """
    check_out_dir(out_dir)
    earlier = is_run_output(out_dir)
    stage = None
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        remove_dead_stages(out_dir)
        stage = Path(tempfile.mkdtemp(prefix=_stage_prefix(out_dir), dir=out_dir.parent))
        yield stage
        os.chmod(stage, 0o777 & ~current_umask())  # mkdtemp makes it 0700
        # two runs into one folder at once: their swaps would interleave (one renaming away
        # the folder the other just moved in), so they take turns; the last one's stays
        with FileLock(swap_lock(out_dir)):
            _swap(stage, out_dir)
    except OSError as err:  # a full disk, a folder that became read-only: say what is left
        raise _output_error(out_dir, err, earlier) from err
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)


def _stage_prefix(out_dir: Path, pid: int | None = None, host: str | None = None) -> str:
    """Name of a run's staging folder (before mkdtemp's random part): it says which process
    on which machine builds it, so that a later run can tell a dead run's folder."""
    pid = os.getpid() if pid is None else pid
    host = socket.gethostname() if host is None else host
    return f".{out_dir.name}.staging-{pid}@{host}-"


def remove_dead_stages(out_dir: Path) -> list[Path]:
    """Delete the staging folders beside ``out_dir`` of runs that died (a SIGKILL, a power
    cut) before they could: those of processes of this machine that no longer exist.

    A live run's folder, another machine's (on a shared file system) and one whose name
    says no process are kept. Returns the folders deleted.
    """
    import psutil

    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.staging-(\d+)@(.+)-[^-]+")
    here, removed = socket.gethostname(), []
    for stage in out_dir.parent.glob(f".{glob_escape(out_dir.name)}.staging-*"):
        found = pattern.fullmatch(stage.name)
        if found and found[2] == here and not psutil.pid_exists(int(found[1])):
            shutil.rmtree(stage, ignore_errors=True)
            removed.append(stage)
    return removed


def swap_lock(out_dir: Path) -> Path:
    """The lock file that runs writing to ``out_dir`` take turns on, beside it (it stays)."""
    return out_dir.parent / f".{out_dir.name}.lock"


def _swap(stage: Path, out_dir: Path) -> None:
    """Rename ``stage`` to ``out_dir``, the earlier ``out_dir`` away and then deleted; where
    the second rename fails, the earlier folder is renamed back before the error goes on."""
    if not out_dir.exists():
        os.replace(stage, out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    try:
        os.replace(out_dir, old / out_dir.name)
        try:
            os.replace(stage, out_dir)
        except OSError:
            os.replace(old / out_dir.name, out_dir)  # the earlier results back in place
            raise
    finally:
        if not (old / out_dir.name).exists() or out_dir.exists():
            shutil.rmtree(old, ignore_errors=True)


def _output_error(out_dir: Path, err: OSError, earlier: bool) -> OutputError:
    """An OSError met while writing a run's outputs, as an OutputError saying what is left."""
    if isinstance(err, OutputError):
        return err
    if not earlier:
        left = f"nothing was written to {out_dir}"
    elif is_run_output(out_dir):
        left = f"the earlier results in {out_dir} are intact"
    else:  # both renames back failed: say where they are
        moved = sorted(out_dir.parent.glob(f".{out_dir.name}.old-*/{out_dir.name}"))
        left = f"the earlier results are in {moved[0] if moved else '?'}: move them back"
    error = OutputError(
        f"Could not write the results to {out_dir} ({err.strerror or err}"
        f"{f': {err.filename}' if err.filename else ''}); {left}. Free disk space there (or "
        "give another --out) and run again: the finished S2 units are read from the feature "
        "cache."
    )
    error.errno = err.errno
    return error


def _features_by_subject(
    splits: list[Split], results: dict[int, dict], info: dict[str, dict]
) -> dict[str, xr.DataArray]:
    """Out-of-fold S2 features of each scored subject."""
    out: dict[str, xr.DataArray] = {}
    for subject in dict.fromkeys(s.subject for s in splits):
        parts = [(i, s) for i, s in enumerate(splits) if s.subject == subject]
        names = results[parts[0][0]]["names"]
        if any(results[i]["names"] != names for i, _ in parts):
            continue  # folds with different feature layouts: no common table
        rows = np.concatenate([s.test_trials for _, s in parts])
        values = np.concatenate([results[i]["X_test"] for i, _ in parts])
        folds = np.concatenate([np.full(len(s.test_trials), s.fold) for _, s in parts])
        order = np.argsort(rows, kind="stable")
        out[subject] = xr.DataArray(
            values[order],
            dims=("trial", "feature"),
            coords={
                "trial": rows[order],
                "feature": np.asarray(names, dtype=str),
                **{c: ("feature", results[parts[0][0]]["columns"][c]) for c in COLUMNS},
                "y": ("trial", info[subject]["y"][rows[order]]),
                "fold": ("trial", folds[order]),
            },
            name="s2_features",
            attrs={"subject": subject, "description": "out-of-fold S2-Net features"},
        )
    return out


# ---------------------------------------------------------------------------- the run
def run_pipeline(
    pipeline,
    out_dir: str | os.PathLike | None = None,
    *,
    data_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    report: bool = True,
    progress: bool = True,
    log=print,
    max_splits: int | None = None,
) -> PipelineResult:
    """Run a decoding pipeline and write its output folder.

    Parameters
    ----------
    pipeline : str | path-like | PipelineSpec
        A pipeline YAML file (``pipelines/*.yaml``) or a validated spec.
    out_dir : path-like | None
        Output folder (``None``: ``results/<pipeline name>``): new, empty, or the folder of
        an earlier run, which is replaced as a whole once this run has finished (a failed or
        interrupted run leaves it intact).
    data_dir : path-like | None
        Data directory (``None``: ``$S2DECODE_DATA``). With ``scheduler``, the workers read
        it too: it must be the same path on their machines (a shared file system).
    workers : int | None
        Worker processes of the local Dask cluster (``None``: one per CPU); ``0`` runs
        everything in this process (threads; for debugging).
    scheduler : str | None
        Address of an existing Dask scheduler (``tcp://HOST:PORT``) to run on instead.
    cache : bool
        Read and write the feature cache (``False``: recompute everything, store nothing).
    cache_dir : path-like | None
        Cache directory (``None``: ``$S2DECODE_CACHE/pipeline-features``).
    report : bool
        Write ``report.html`` and its figures.
    progress : bool
        Progress bars on stderr.
    log : callable
        Where messages go (the dashboard address, cache use); ``print`` by default.
    max_splits : int | None
        Keep only the first ``max_splits`` folds of each subject (for
        ``leave_one_subject_out``, the first left-out subjects): a quick look at a long
        study, whose scores are then not the pipeline's. ``None``: every fold.

    Returns
    -------
    result : PipelineResult

    Raises
    ------
    s2decode.errors.OutputError
        Where the output folder cannot be written (e.g. a full disk); its message says
        whether the earlier results in it are intact (they are, unless both renames of the
        swap failed, and then it says where they are). A feature cache entry that cannot be
        written is a ``RuntimeWarning``: the run goes on.
    """
    from threadpoolctl import ThreadpoolController
    from tqdm import tqdm

    from ..paths import get_cache_dir, get_data_dir
    from .data import check_against_data, dataset_subjects, load_subject
    from .engine import dask_client
    from .spec import PipelineSpec, load_pipeline

    spec = pipeline if isinstance(pipeline, PipelineSpec) else load_pipeline(pipeline)
    out = Path(out_dir) if out_dir is not None else Path("results") / spec.name
    check_out_dir(out)  # before hours of work, not after
    first_splits([], max_splits)  # checks max_splits, as early
    data_path = str(get_data_dir(data_dir))
    store = FeatureCache(
        (Path(cache_dir) if cache_dir is not None else get_cache_dir() / CACHE_SUBDIR)
        if cache
        else None
    )
    store.remove_stale_parts()  # what killed runs left half-written
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    subjects = dataset_subjects(spec, data_path)
    # what the file headers tell (sampling rate, trials, lengths): seconds, before the cluster
    source = spec.name if isinstance(pipeline, PipelineSpec) else str(pipeline)
    check_against_data(spec, data_path, source=source)
    log(f"{spec.name}: {spec.dataset.name}, {len(subjects)} subject(s), cv {spec.cv.scheme}")

    engine = dask_client(workers=workers, scheduler=scheduler, log=log)
    with ExitStack() as running:
        client = running.enter_context(engine)
        from distributed import as_completed

        token = _token(spec, data_path)
        loads = {
            s: submit_guarded(
                client, load_subject, spec, s, data_path, key=f"load-{spec.name}-{s}-{token}"
            )
            for s in subjects
        }
        described = [submit_guarded(client, describe, loads[s]) for s in subjects]
        info = {}
        for s, value in zip(subjects, _gather(client, described, "loading", progress), strict=True):
            if isinstance(value, TaskFailure):
                value.raise_for(f"loading subject {s} of {spec.dataset.name!r}")
            info[s] = value
        splits = first_splits(plan_splits(spec, subjects, info), max_splits)
        ex_subject = _example_subject(spec, subjects) if report else None
        if report and spec.report.example_trial >= info[ex_subject]["shape"][0]:
            raise ValueError(
                f"report.example_trial={spec.report.example_trial} is out of range: subject "
                f"{ex_subject} has {info[ex_subject]['shape'][0]} trials."
            )

        pooled = None
        if spec.cv.scheme == "leave_one_subject_out":
            pooled = submit_guarded(client, concat_subjects, *[loads[s] for s in subjects])

        def data_of(split: Split):
            return pooled if pooled is not None else loads[split.subject]

        # S2 units (of the S2 row and of each variant): from the cache where finished
        # before, else on the cluster
        rows = s2_rows(spec)
        code = f"{__version__}:{code_fingerprint()}"
        keys = {
            (v, i): unit_key(
                _spec_fingerprint(row_spec),
                [info[m]["fingerprint"] for m in split.members],
                split.train,
                split.test,
                code,
            )
            for v, (_, _, row_spec) in enumerate(rows)
            for i, split in enumerate(splits)
        }
        results = {u: hit for u, key in keys.items() if (hit := store.get(key)) is not None}
        n_cached = len(results)
        if store.enabled:
            log(f"feature cache {store.directory}: {n_cached} of {len(keys)} units finished")
        if n_cached < len(keys) or report:
            # compilation apart, so that the units' progress and time estimate are their own
            _warm_up(client, spec, subjects[0], loads[subjects[0]], progress, log)
        pending = {}
        for (v, i), _key in keys.items():
            if (v, i) not in results:
                split = splits[i]
                future = submit_guarded(
                    client, s2_unit, rows[v][2], data_of(split), split.train, split.test
                )
                pending[future] = ("s2", (v, i))
        for j, peer in enumerate(spec.peers):
            for i, split in enumerate(splits):
                future = submit_guarded(
                    client, peer_unit, peer, data_of(split), split.train, split.test, spec.seed
                )
                pending[future] = ("peer", i, j)
        if spec.decoder.fuse_with:  # not cached, as the peers: recomputed at every run
            for i, split in enumerate(splits):
                future = submit_guarded(
                    client, fused_unit, spec, data_of(split), split.train, split.test,
                    _inner_groups(spec, split, info),
                )  # fmt: skip
                pending[future] = ("fused", i)
        example = None
        if report:
            example = submit_guarded(
                client, example_unit, spec, loads[ex_subject], spec.report.example_trial, ex_subject
            )

        # the S2 rows' final estimators are fitted here, on the client, while the workers
        # compute: those of the cached units now, the others as their units arrive
        def final_predictions(unit: tuple[int, int]) -> np.ndarray:
            v, i = unit
            split = splits[i]
            y = np.concatenate([info[m]["y"] for m in split.members])
            return s2_predictions(rows[v][2], results[unit], y[split.train])

        blas = ThreadpoolController()  # one look for the BLAS libraries, not one per unit
        s2_predicted: dict[tuple[int, int], np.ndarray] = {}
        peer_results: dict[tuple[int, int], dict] = {}
        fused_results: dict[int, dict] = {}
        bar = tqdm(total=len(pending), desc="S2 units and peers", disable=not progress)
        try:
            with blas.limit(limits=1, user_api="blas"):
                s2_predicted.update((unit, final_predictions(unit)) for unit in results)
            for future in as_completed(list(pending)):
                what = pending[future]
                value = future.result()
                if isinstance(value, TaskFailure):
                    if what[0] == "s2":
                        v, i = what[1]
                        unit = "S2 features" if v == 0 else f"S2 features of {rows[v][0]!r}"
                    else:
                        i = what[1]
                        unit = (
                            "the late fusion (decoder.fuse_with)"
                            if what[0] == "fused"
                            else f"peer {spec.peers[what[2]].name}"
                        )
                    value.raise_for(f"{unit} of {splits[i].name}")
                if what[0] == "s2":
                    results[what[1]] = value
                    try:  # cached first: a failed final fit or Ctrl+C keeps the features
                        store.put(keys[what[1]], value)
                    except OSError as err:  # a full disk must not cost the run its results
                        warnings.warn(
                            f"{err} The run goes on without caching this unit.",
                            RuntimeWarning,
                            stacklevel=2,
                        )
                    with blas.limit(limits=1, user_api="blas"):
                        s2_predicted[what[1]] = final_predictions(what[1])
                elif what[0] == "fused":
                    fused_results[what[1]] = value
                else:
                    peer_results[(what[1], what[2])] = value
                bar.update()
        except BaseException:
            # a failed unit, or Ctrl+C: stop the rest (on a shared cluster too)
            client.cancel([*pending, *([example] if example is not None else [])])
            raise
        finally:
            bar.close()
        example_ds = example.result() if example is not None else None
        if isinstance(example_ds, TaskFailure):
            example_ds.raise_for(f"the report's example trial of subject {ex_subject}")
        # every result is in: the cluster stops (its workers take about a second to exit)
        # while this process scores and writes the outputs
        stopper = ThreadPoolExecutor(1, thread_name_prefix="s2decode-stop-cluster")
        stopped = stopper.submit(running.pop_all().close)
        stopper.shutdown(wait=False)
    try:
        # scoring on the client: cheap, deterministic, the same whatever ran where
        score_rows, pred_frames = [], []
        for i, split in enumerate(splits):
            y = np.concatenate([info[m]["y"] for m in split.members])
            for v, (label, family, _) in enumerate(rows):
                res = results[(v, i)]
                row, preds = _score_rows(
                    split,
                    label,
                    family,
                    y[split.test],
                    s2_predicted[(v, i)],
                    len(split.train),
                    res["seconds"],
                    res.get("energy_pj"),
                )
                score_rows.append(row)
                pred_frames.append(preds)
            for j in range(len(spec.peers)):
                pres = peer_results[(i, j)]
                row, preds = _score_rows(
                    split, pres["label"], "peer", y[split.test], pres["y_pred"], len(split.train),
                    pres["seconds"],
                )  # fmt: skip
                score_rows.append(row)
                pred_frames.append(preds)
            if i in fused_results:
                fres = fused_results[i]
                row, preds = _score_rows(
                    split, FUSED_LABEL, "stacked", y[split.test], fres["y_pred"], len(split.train),
                    fres["seconds"],
                )  # fmt: skip
                score_rows.append(row)
                pred_frames.append(preds)
        scores = pd.DataFrame(score_rows)
        predictions = pd.concat(pred_frames, ignore_index=True)
        all_y = np.concatenate([info[s]["y"] for s in subjects])
        per_subject = spec.cv.scheme != "leave_one_subject_out" and len(subjects) > 1
        environment = versions()
        summary = {
            "name": spec.name,
            "description": spec.description,
            "dataset": spec.dataset.name,
            "scoring": spec.scoring,
            "chance": chance_level(all_y, spec.scoring),
            "cv": _describe_cv(spec),
            "aggregation": "mean +- sd over subjects of their fold means"
            if per_subject
            else "mean +- sd over folds",
            "n_subjects": len(subjects),
            "n_trials": len(all_y),
            # one trial of the first subject: (trial, node dim, time) and the sizes
            "trial_dims": list(info[subjects[0]]["dims"]),
            "trial_shape": list(info[subjects[0]]["shape"]),
            "n_units": len(splits),
            "s2_rows": len(rows),
            "cached_units": n_cached,
            "computed_units": len(keys) - n_cached,
            "started": started.isoformat(timespec="seconds"),
            "wall_seconds": round(time.perf_counter() - t0, 2),
            "machine": environment["machine"],
            "seed": spec.seed,
            "methods": summarize_scores(scores, spec.scoring, per_subject),
        }
        if fused_results:  # what each fold's inner cross-validation chose
            summary["fusion"] = [
                {"unit": splits[i].name, "peer": r["peer"], "s2_weight": r["weight"]}
                for i, r in sorted(fused_results.items())
            ]

        with _staging(out) as stage:
            atomic_write_text(stage / "config.yaml", spec.to_yaml())
            atomic_write_text(stage / "versions.json", json.dumps(environment, indent=2) + "\n")
            write_table(scores, stage, "scores")
            write_table(predictions, stage, "predictions")
            atomic_write_text(stage / "summary.json", json.dumps(summary, indent=2) + "\n")
            main_row = {i: results[(0, i)] for i in range(len(splits))}
            features = _features_by_subject(splits, main_row, info)
            for subject, feats in features.items():
                name = features_file_name(subject, spec.dataset.name)  # not "-.nc"
                atomic_write_netcdf(feats, stage / FEATURES_DIR / name)
            write_table(feature_effect_sizes(features), stage, "effect_sizes")
            if example_ds is not None:
                atomic_write_netcdf(example_ds, stage / "example.nc")
        report_path = None
        if report:
            from .report import write_report

            report_path = write_report(out)
        log(_table(summary))
        log(f"results in {out}" + (f"; report: {report_path}" if report_path else ""))
        return PipelineResult(out, scores, summary, report_path, predictions)
    finally:
        wait([stopped])  # no worker outlives the run
        # the results are written: a warning, not an error, and never in place of an error
        # of the run itself
        if stopped.exception() is not None and sys.exc_info()[1] is None:
            warnings.warn(
                f"The Dask cluster did not stop cleanly: {stopped.exception()!r}",
                RuntimeWarning,
                stacklevel=2,
            )


def _warm_up(client, spec, subject: str, trials, progress: bool, log) -> None:
    """Compile S2-Net's kernels (or load them from the cache) on every worker, with a message."""
    workers = list(client.scheduler_info()["workers"])
    futures = [
        submit_guarded(client, warm_up, spec, trials, workers=[w], allow_other_workers=False)
        for w in workers
    ]
    done = _gather(client, futures, "S2-Net kernels (compiled on the first run only)", progress)
    for value in done:
        if isinstance(value, TaskFailure):
            value.raise_for(f"S2 features of the first trials of subject {subject}")
    if any(d["compiled"] for d in done):
        seconds = max(d["seconds"] for d in done)
        log(f"S2-Net kernels compiled in {seconds:.0f} s (once: later runs load them)")


def _token(spec, data_path: str) -> str:
    """Part of the load tasks' keys: equal keys mean equal loaded data."""
    import hashlib

    return hashlib.sha256(f"{spec.fingerprint()}\0{data_path}".encode()).hexdigest()[:16]


def _gather(client, futures, desc: str, progress: bool) -> list:
    from distributed import as_completed
    from tqdm import tqdm

    with tqdm(total=len(futures), desc=desc, disable=not progress) as bar:
        for _ in as_completed(futures):
            bar.update()
    return client.gather(futures)


def _example_subject(spec, subjects: list[str]) -> str:
    from .data import example_subject

    found = example_subject(spec, subjects)
    if found is None:
        raise ValueError(
            f"report.example_subject={spec.report.example_subject!r} is not among the "
            f"pipeline's subjects {subjects}."
        )
    return found


def _describe_cv(spec) -> str:
    scheme = spec.cv.scheme
    if scheme == "kfold":
        return f"stratified {spec.cv.n_splits}-fold within each subject"
    if scheme == "leave_one_group_out":
        return "leave one group (run) out within each subject"
    if scheme == "cross_session":
        train, test = spec.cv.train_groups, spec.cv.test_groups
        if train is None and test is None:
            return (
                "cross session within each subject: train on every group but the last, "
                "test on the last"
            )
        return (
            "cross session within each subject: train on groups "
            f"{train if train is not None else 'all but the test groups'}, test on "
            f"{test if test is not None else 'the others'}"
        )
    if spec.cv.calibration is not None:
        return (
            f"leave one subject out, {spec.cv.calibration:.0%} of the left-out subject's trials "
            "(stratified) in the training set and not scored"
        )
    return "leave one subject out"


def _table(summary: dict) -> str:
    lines = [
        f"{summary['name']}: {summary['scoring']} ({summary['aggregation']}), "
        f"chance {summary['chance']:.3f}"
    ]
    for method, m in summary["methods"].items():
        lines.append(f"  {method:<40} {m['mean']:.3f} +- {m['sd']:.3f}  [{m['family']}]")
    return "\n".join(lines)

"""The schema of a pipeline file, validated with pydantic, and :func:`load_pipeline`.

A pipeline file (``pipelines/*.yaml``) describes one decoding study: the dataset and its
subjects, the preprocessing, the S2-Net network and features, the final estimator, the
cross-validation, the peer baselines and what the report shows. ``pipelines/README.md``
is the reference of every key; :class:`PipelineSpec` is its executable form.

Every model forbids unknown keys, and every problem is reported at once as a
:class:`PipelineError` whose lines read ``<file>: <dotted.key>: <what is wrong>; <what is
allowed>``, e.g.::

    pipelines/x.yaml: cv.scheme: 'loso' is not allowed; choose one of 'kfold',
    'leave_one_group_out', 'cross_session', 'leave_one_subject_out'

Besides the types, validation checks what can be checked without loading data: the dataset
exists and ``dataset.options`` are keyword arguments of its loader; ``net`` keys are
:class:`~s2decode.net.S2NetConfig` parameters with valid values; peers exist in
:data:`s2decode.peers.PEERS` and take the parameters given (their values are checked when
a run builds them);
``subjects`` are given only for datasets that have subjects, and leave-one-subject-out
has at least two of them; numbers are finite and in range, and ``dataset.options`` (with the
preprocessing keys the loader takes) lie in the ranges the dataset's module documents
(:func:`s2decode.datasets.check_options`); ``features.windows`` lie inside
``preprocessing.tmin..tmax``. For a generated dataset (``synthetic``) the trials are known
from the options, so the checks that need the data run too (:meth:`PipelineSpec.data_problems`
with :func:`s2decode.datasets.describe`: the band edges below Nyquist, the windows inside the
trials, ``report.example_trial`` below the number of trials, ``cv.n_splits`` at most the
trials of the rarest class). :func:`s2decode.pipeline.data.check_against_data` runs them on
the recordings of a data directory.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..datasets import dataset_measure, dataset_modality, list_datasets, loader_options
from ..datasets import subjects as subjects_of
from ..estimators.features import DEFAULT_FEATURES, FEATURE_SETS
from .errors import (
    Issues,
    PipelineError,
    Problems,
    choices,
    format_errors,
    short,
    suggest,
)
from .yamlfile import read_pipeline_file

__all__ = [
    "CVSpec",
    "ComputeSpec",
    "DatasetSpec",
    "DecoderSpec",
    "FeaturesSpec",
    "PeerSpec",
    "PipelineError",
    "PipelineSpec",
    "PreprocessingSpec",
    "ReportSpec",
    "ScaffoldSpec",
    "VariantSpec",
    "load_pipeline",
]

#: Name of the late-fusion row (``decoder.fuse_with``) in the scores.
FUSED_LABEL = "S2 + peer (late fusion)"
#: Bumped when the meaning of a key that changes the S2 features changes, so that features
#: cached under an older fingerprint are not reused.
FINGERPRINT_VERSION = 1
#: ``cv`` keys added after FINGERPRINT_VERSION 1, left out of the fingerprint while unset.
_CV_KEYS_SINCE_V1 = ("train_groups", "test_groups", "calibration")

FeatureSet = Literal[FEATURE_SETS]
#: A finite float (YAML's ``.inf`` and ``.nan`` are refused), and one that is also > 0.
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
#: Seeds go to numpy's RandomState, which takes 0 .. 2**32 - 1.
MAX_SEED = 2**32 - 1
#: Datasets generated from their options (nothing on disk): the data checks run statically.
GENERATED_DATASETS = frozenset({"synthetic"})
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# --------------------------------------------------------------------------- sections
class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class _Named(_Section):
    """A section that YAML may give as just its ``name``."""

    name: str

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data


#: The name of a BIDS dataset in a pipeline: ``dataset: {bids: ROOT, task: ..., ...}``, read
#: with :func:`s2decode.datasets.load_bids` (resolved: ``{name: bids, options: {root: ROOT,
#: ...}}``).
BIDS = "bids"
#: Keys of :func:`s2decode.datasets.load_bids` a pipeline cannot give as options: the subject
#: (``dataset.subjects``), a fitted projector (an object) and the verbosity.
_BIDS_NOT_OPTIONS = ("subject", "projector", "verbose")


def dataset_loader_options(name: str) -> list[str]:
    """The keyword options a pipeline may give the loader of dataset ``name``.

    :func:`s2decode.datasets.loader_options` of a dataset, and for :data:`BIDS` the
    parameters of :func:`s2decode.datasets.load_bids` (``root`` among them) but the subject,
    ``projector`` and ``verbose``.
    """
    if name != BIDS:
        return loader_options(name)
    import inspect

    from ..datasets import load_bids

    return [p for p in inspect.signature(load_bids).parameters if p not in _BIDS_NOT_OPTIONS]


def _measure(name: str) -> str:
    # BIDS EEG, MEG and iEEG recordings are continuous signals
    return "continuous" if name == BIDS else dataset_measure(name)


def _modality(name: str) -> str:
    return "eeg" if name == BIDS else dataset_modality(name)


class DatasetSpec(_Named):
    """Which dataset, which subjects, and the options of its loader.

    A BIDS dataset is given by its root folder, ``{bids: ROOT, task: ..., ...}``: the other
    keys are keyword arguments of :func:`s2decode.datasets.load_bids` (``subject`` is
    ``subjects``); it validates to ``name: bids`` with ``ROOT`` as ``options.root``.

    Parameters
    ----------
    name : str
        One of :func:`s2decode.datasets.list_datasets`, or :data:`BIDS`.
    subjects : "all" | int | str | list of (int | str) | None
        Only for datasets with subjects (``eegmat``, ``eegbci``, BIDS): ``None`` the
        loader's default (eegmat and BIDS: every subject; eegbci: subject 1), ``"all"``
        every subject the data holds, or subject numbers; for BIDS, subject labels too
        (``"01"`` or ``"sub-01"``; a number matches the label of that number).
    options : dict
        More keyword arguments of the dataset's ``load`` (not ``data_dir`` nor the subject);
        for BIDS, ``root`` (required: the folder with ``dataset_description.json``; a
        relative path lies in the data directory) and the options of ``load_bids``.
    """

    subjects: Literal["all"] | NonNegativeInt | str | list[NonNegativeInt | str] | None = None
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _from_bids(cls, data: Any) -> Any:
        if not (isinstance(data, Mapping) and "bids" in data):
            return data
        data = dict(data)
        root = data.pop("bids")
        out: dict[str, Any] = {"name": data.pop("name", BIDS)}
        options = dict(data.pop("options", None) or {})
        if "subject" in data:
            data.setdefault("subjects", data.pop("subject"))
        if "subjects" in data:
            out["subjects"] = data.pop("subjects")
        options.update(data)  # load_bids's keywords, checked with the options
        out["options"] = {"root": root, **options}
        return out

    @field_validator("name")
    @classmethod
    def _known_dataset(cls, name: str) -> str:
        if name != BIDS and name not in list_datasets():
            raise ValueError(
                f"{name!r} is not a dataset{suggest(name, list_datasets())}; choose one of "
                f"{choices(list_datasets())}, or give a BIDS dataset as {{bids: ROOT, ...}}"
            )
        return name

    @field_validator("subjects", mode="before")
    @classmethod
    def _check_subjects(cls, value: Any, info: ValidationInfo) -> Any:
        bids = info.data.get("name") == BIDS

        def number(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool) and v >= 0

        def subject(v: Any) -> bool:
            return number(v) or (bids and isinstance(v, str) and v != "all" and v.strip() != "")

        if value is None or value == "all" or subject(value):
            return value
        if isinstance(value, list | tuple) and value and all(subject(v) for v in value):
            if len({str(v) for v in value}) != len(value):
                raise ValueError(f"{list(value)} lists a subject twice")
            return list(value)
        if bids:
            raise ValueError(
                f"{short(value)} is not allowed; give 'all', a subject label (e.g. '01' or "
                "'sub-01') or number, or a non-empty list of them, or leave it out for every "
                "subject"
            )
        raise ValueError(
            f"{short(value)} is not allowed; give 'all', a subject number (e.g. 3) or a "
            "non-empty list of subject numbers (e.g. [0, 1, 2]), or leave it out for the "
            "loader's default"
        )

    @model_validator(mode="after")
    def _check_options(self) -> DatasetSpec:
        params = dataset_loader_options(self.name)
        bids = self.name == BIDS
        info = None if bids else subjects_of(self.name)
        subject_kw = "subject" if bids else (info.option if info is not None else None)
        issues = Problems()
        for key in self.options:
            if key == "data_dir":
                issues.add(
                    ("options", key),
                    "the data directory is not part of a pipeline; give it "
                    "with `--data-dir` or the S2DECODE_DATA environment variable",
                )
            elif key == subject_kw:
                issues.add(
                    ("options", key),
                    f"give the subjects as dataset.subjects, not dataset.options.{key}",
                )
            elif key not in params:
                allowed = [p for p in params if p != subject_kw]
                issues.add(
                    ("options", key),
                    f"not an option of the {self.name!r} loader"
                    f"{suggest(key, allowed)}; its options: {', '.join(allowed)}",
                )
        if bids:
            root = self.options.get("root")
            if root is None:
                issues.add(
                    ("options", "root"),
                    "required: the BIDS root folder, as dataset: {bids: ROOT, ...}",
                )
            elif not isinstance(root, str) or not root.strip():
                issues.add(
                    ("options", "root"),
                    f"{short(root)} is not a folder; give the BIDS root folder as a path",
                )
        elif self.subjects is not None:
            if subject_kw is None:
                issues.add(
                    ("subjects",),
                    f"dataset {self.name!r} has no subjects (one recording); "
                    "remove dataset.subjects",
                )
            elif self.subjects != "all":
                valid = info.numbers
                bad = [s for s in _as_list(self.subjects) if s not in valid]
                if bad:
                    issues.add(
                        ("subjects",),
                        f"{self.name!r} has no subject {bad}; its subjects are "
                        f"numbered {valid.start}..{valid.stop - 1}",
                    )
        issues.raise_any()
        return self


def _as_list(subjects: int | str | list) -> list:
    return [subjects] if isinstance(subjects, int | str) else list(subjects)


def _bound(value: float | None, key: str) -> str:
    return key if value is None else f"{key} ({value:g})"


class PreprocessingSpec(_Section):
    """Filtering, resampling and cropping of each subject's trials.

    Keys the dataset's loader accepts are passed to it (a filter of the continuous
    recording before epoching has no edge effects); the others are applied to the trials
    (:func:`s2decode.pipeline.data.preprocess_trials`).

    Parameters
    ----------
    l_freq, h_freq : float | None
        Band-pass edges in Hz (``None``: no high-pass / low-pass).
    resample : float | None
        New sampling frequency in Hz.
    tmin, tmax : float | None
        Crop of each trial, in seconds on its time axis (both ends included).
    """

    l_freq: PositiveFloat | None = None
    h_freq: PositiveFloat | None = None
    resample: PositiveFloat | None = None
    tmin: FiniteFloat | None = None
    tmax: FiniteFloat | None = None

    @model_validator(mode="after")
    def _check_order(self) -> PreprocessingSpec:
        issues = Problems()
        if self.l_freq is not None and self.h_freq is not None and self.l_freq >= self.h_freq:
            issues.add(
                ("h_freq",),
                f"{self.h_freq} must be above l_freq ({self.l_freq}): they are the edges "
                "of a band-pass",
            )
        if self.tmin is not None and self.tmax is not None and self.tmin >= self.tmax:
            issues.add(("tmax",), f"{self.tmax} must be after tmin ({self.tmin})")
        issues.raise_any()
        return self

    def given(self) -> dict[str, float]:
        """The preprocessing keys that are set (not ``None``)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class ScaffoldSpec(_Section):
    """Connectivity of the network (``S2Featurizer(scaffold=method, k=k)``).

    Parameters
    ----------
    method : {"auto", "distance", "data", "complete"}
        ``"auto"``: distance where the nodes have positions, data otherwise.
    k : int | None
        Inputs kept per node; ``None`` keeps all.
    plasticity : {"ssdp"} | None
        Adapt the weights to each fold's training trials with synchrony-dependent
        plasticity (``S2Featurizer(plasticity="ssdp")``); ``None``: as built.
    """

    method: Literal["auto", "distance", "data", "complete"] = "auto"
    k: PositiveInt | None = 30
    plasticity: Literal["ssdp"] | None = None


class FeaturesSpec(_Section):
    """What S2Featurizer computes (see :class:`s2decode.estimators.S2Featurizer`).

    Parameters
    ----------
    sets : list of str
        Feature sets, among :data:`s2decode.estimators.FEATURE_SETS`.
    windows : None | float | list of [start, stop]
        Time windows of the features, in seconds.
    pairs : {"auto", "networks", "nodes", "global"}
        Aggregation of the pair metrics.
    omega : {"rates", "spectral", "config"}
        How the intrinsic frequencies are learned.
    standardize : bool
        Per-node scaling learned on the training trials.
    encoder : {"current", "delta", "poisson", "spikes"} | None
        Input coding (``None``: the configuration's).
    static_duration : float
        Network seconds a static pattern is held for.
    initial_state : {"rest", "random"}
        Initial membrane potentials of each trial.
    spatial : {"auto", "none", "csp", "xdawn", "anova"}
        Spatial front end of time series, learned on the training trials of each fold.
    bands : "auto" | None | list of [low, high]
        Filter bank of time series (Hz); ``"auto"``: 1-4 ... 30-40 Hz below Nyquist.
    band_coding : {"amplitude", "signal"}
        A band's envelope or the band-limited signal as the input current.
    n_components : int | None
        Components per band (CSP) or class (xDAWN), or nodes kept by the ANOVA screen.
    input : {"trials", "epochs"}
        What S2-Net reads: the trials DataArray (its nodes, their positions and networks),
        or, for EEG electrodes, their values as MNE epochs with the channels' standard 10-05
        positions (:func:`s2decode.atlas.eeg_info`), so that a source projection, the
        parcels' orientation and the CSP components' places are learned in each training
        fold (S2Decoder's ``info=`` input).
    """

    sets: list[FeatureSet] = Field(default_factory=lambda: list(DEFAULT_FEATURES), min_length=1)
    windows: PositiveFloat | list[tuple[float, float]] | None = None
    pairs: Literal["auto", "networks", "nodes", "global"] = "auto"
    omega: Literal["rates", "spectral", "config"] = "rates"
    standardize: bool = True
    encoder: Literal["current", "delta", "poisson", "spikes"] | None = None
    static_duration: PositiveFloat = 0.25
    initial_state: Literal["rest", "random"] = "rest"
    spatial: Literal["auto", "none", "csp", "xdawn", "anova"] = "auto"
    bands: Literal["auto"] | list[tuple[PositiveFloat, PositiveFloat]] | None = "auto"
    band_coding: Literal["amplitude", "signal"] = "amplitude"
    n_components: PositiveInt | None = None
    input: Literal["trials", "epochs"] = "trials"

    @field_validator("bands")
    @classmethod
    def _check_bands(cls, bands: Any) -> Any:
        if isinstance(bands, list):
            if not bands:
                raise ValueError("give at least one [low, high] band, or null for none")
            for low, high in bands:
                if not low < high:
                    raise ValueError(f"band [{low}, {high}] must have low < high")
        return bands

    @field_validator("sets")
    @classmethod
    def _canonical_sets(cls, sets: list[str]) -> list[str]:
        twice = sorted({s for s in sets if sets.count(s) > 1})
        if twice:
            raise ValueError(f"{choices(twice)} listed more than once")
        # S2Featurizer computes the sets in FEATURE_SETS order whatever the order given
        return [s for s in FEATURE_SETS if s in sets]

    @field_validator("windows", mode="before")
    @classmethod
    def _check_windows(cls, value: Any) -> Any:
        def number(v: Any) -> bool:
            return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)

        if value is None or (number(value) and value > 0):
            return value
        if isinstance(value, list | tuple) and value:
            if all(number(v) for v in value):
                raise ValueError(
                    f"{list(value)} is a flat list; give windows as a list of [start, stop] "
                    f"pairs, e.g. [{list(value)}] for one window"
                )
            rows = []
            for row in value:
                if not (isinstance(row, list | tuple) and len(row) == 2 and all(map(number, row))):
                    raise ValueError(f"each window must be a [start, stop] pair, got {row!r}")
                if not row[0] < row[1]:
                    raise ValueError(f"window {list(row)} must start before it stops")
                rows.append((float(row[0]), float(row[1])))
            return rows
        raise ValueError(
            f"{short(value)} is not allowed; give null (the whole trial), a window length "
            "in seconds (e.g. 0.5), or a list of [start, stop] pairs in seconds"
        )


class PeerSpec(_Named):
    """A peer baseline (:data:`s2decode.peers.PEERS`); YAML may give just its name.

    Parameters
    ----------
    name : str
        A key of :data:`s2decode.peers.PEERS`.
    params : dict
        Keyword parameters of the peer's factory.
    label : str | None
        How the scores name it; ``None``: :func:`s2decode.peers.peer_label` (the peer's
        label and the parameters that differ from its defaults).
    """

    params: dict[str, Any] = Field(default_factory=dict)
    label: str | None = None

    @field_validator("name")
    @classmethod
    def _known_peer(cls, name: str) -> str:
        from ..peers import PEERS

        if name not in PEERS:
            raise ValueError(
                f"{name!r} is not a peer{suggest(name, PEERS)}; choose one of {choices(PEERS)}"
            )
        return name

    @model_validator(mode="after")
    def _known_params(self) -> PeerSpec:
        from ..peers import check_peer_params

        try:  # the names; the values are checked when a run builds the peer
            check_peer_params(self.name, self.params)
        except ValueError as err:
            raise Issues([(("params",), str(err).rstrip("."))]) from None
        return self

    @property
    def display_label(self) -> str:
        """How the scores name this peer: ``label``, else
        :func:`s2decode.peers.peer_label`."""
        from ..peers import peer_label

        return self.label if self.label is not None else peer_label(self.name, self.params)

    @property
    def identity(self) -> str:
        """What tells two peers apart: the name and parameters (their label where they
        are valid, so that ``params`` equal to the defaults count as none)."""
        from ..peers import peer_label

        try:
            return peer_label(self.name, self.params)
        except ValueError:
            return f"{self.name} {sorted(self.params.items())!r}"


class DecoderSpec(_Section):
    """The final estimator on the S2 features (:meth:`PipelineSpec.final_estimator`), and
    the late fusion of S2 with peers.

    Parameters
    ----------
    estimator : {"lda", "logistic", "svc"}
        Shrinkage LDA (S2Decoder's default), logistic regression, or a linear SVC; each after
        a StandardScaler.
    C : float
        Inverse regularisation of ``"logistic"`` and ``"svc"``.
    class_weight : {"balanced"} | None
        Class weights of ``"logistic"`` and ``"svc"``.
    fuse_with : list of PeerSpec
        Peers (names of :data:`s2decode.peers.PEERS`, or ``{name, params}``) to fuse S2 with
        late: one more row, :class:`~s2decode.estimators.S2StackingClassifier` of the S2
        decoder and these peers, which chooses in each training fold, by an inner
        cross-validation, the peer and the weight of S2's probabilities. YAML may give one
        name. ``[]``: no fused row.
    fusion_cv : int
        Folds of that inner cross-validation (at least 2); each costs a fit of S2-Net.
    select_features : bool
        Choose the feature sets the final estimator gets by an inner cross-validation on
        the training trials' features, as :class:`~s2decode.estimators.S2Decoder` does
        (``select_features=True``, its default); ``False``: every set of
        ``features.sets``.
    """

    estimator: Literal["lda", "logistic", "svc"] = "lda"
    C: PositiveFloat = 1.0
    class_weight: Literal["balanced"] | None = None
    fuse_with: list[PeerSpec] = Field(default_factory=list)
    fusion_cv: int = Field(3, ge=2)
    select_features: bool = True

    @field_validator("fuse_with", mode="before")
    @classmethod
    def _one_peer(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | dict) else value

    @property
    def label(self) -> str:
        """How the scores name the S2 row: ``"S2Decoder"`` for S2Decoder itself (its
        final estimator, shrinkage LDA, and its choice of feature sets), else what ran,
        e.g. ``"S2 features + logistic regression [C=0.1, balanced]"`` (``all sets``
        where ``select_features`` is off)."""
        if self.estimator == "lda" and self.select_features:
            return "S2Decoder"
        name = {"lda": "shrinkage LDA", "logistic": "logistic regression", "svc": "linear SVC"}
        params = [f"C={self.C:g}"] if self.C != 1.0 else []
        params += ["balanced"] if self.class_weight == "balanced" else []
        params += [] if self.select_features else ["all sets"]
        return f"S2 features + {name[self.estimator]}" + (
            f" [{', '.join(params)}]" if params else ""
        )

    @model_validator(mode="after")
    def _check_lda(self) -> DecoderSpec:
        issues = Problems()
        labels = [p.identity for p in self.fuse_with]
        for i, label in enumerate(labels):
            if label in labels[:i]:
                issues.add(("fuse_with", i), f"{label!r} is listed twice; remove one")
        if self.fuse_with and self.estimator == "svc":
            issues.add(
                ("fuse_with",),
                "late fusion blends probabilities, and estimator 'svc' gives none; use "
                "'lda' or 'logistic'",
            )
        if self.estimator == "lda":
            # value-based (not "was it given") so that a resolved config.yaml reloads
            if self.C != 1.0:
                issues.add(
                    ("C",),
                    "not used by estimator 'lda' (its shrinkage is "
                    "chosen automatically); remove it or use 'logistic'/'svc'",
                )
            if self.class_weight is not None:
                issues.add(
                    ("class_weight",),
                    "not used by estimator 'lda'; remove it or use 'logistic'/'svc'",
                )
        issues.raise_any()
        return self


#: A value of the trials' ``group`` coordinate (a session or run) in ``cv``: a number or a
#: label, as the dataset gives it (YAML ``1`` and the run ``1``, or ``"ses-02"``).
GroupValue = StrictInt | StrictStr


class CVSpec(_Section):
    """Cross-validation.

    Parameters
    ----------
    scheme : {"kfold", "leave_one_group_out", "cross_session", "leave_one_subject_out"}
        ``"kfold"``: stratified k-fold within each subject; ``"leave_one_group_out"``:
        within each subject, one value of the trials' ``group`` (run) left out per fold;
        ``"cross_session"``: within each subject, one split: train on the trials of
        ``train_groups``, test on those of ``test_groups`` (the ``group`` coordinate holds
        each trial's session or run, as the dataset documents);
        ``"leave_one_subject_out"``: all subjects pooled, one left out per fold (with
        ``calibration``, part of the left-out subject's trials join the training set).
    n_splits : int
        Folds of ``"kfold"`` (at least 2).
    shuffle : bool
        Shuffle the trials (with ``seed``) before ``"kfold"`` splits them.
    train_groups, test_groups : list of (int | str) | None
        ``"cross_session"`` only: the groups (sessions, runs) trained on and tested on.
        ``None`` for both: train on every group but the last (in sorted order), test on
        the last; one of them ``None``: every group the other does not list.
    calibration : float | None
        ``"leave_one_subject_out"`` only: the fraction of the left-out subject's trials,
        drawn stratified by class with ``seed``, that joins the training set (a short
        calibration session) and is not scored; ``None``: none (pure transfer).
    """

    scheme: Literal["kfold", "leave_one_group_out", "cross_session", "leave_one_subject_out"] = (
        "kfold"
    )
    n_splits: int = Field(5, ge=2)
    shuffle: bool = True
    train_groups: list[GroupValue] | None = Field(None, min_length=1)
    test_groups: list[GroupValue] | None = Field(None, min_length=1)
    calibration: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] | None = None

    @field_validator("train_groups", "test_groups", mode="before")
    @classmethod
    def _check_group_values(cls, value: Any) -> Any:
        def group(v: Any) -> bool:
            return (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, str)

        if value is None:
            return value
        if isinstance(value, list | tuple) and value and all(group(v) for v in value):
            return list(value)
        if group(value):
            return [value]
        raise ValueError(
            f"{short(value)} is not allowed; give a list of group values (sessions or runs, "
            "numbers or labels as the dataset's `group` coordinate has them, e.g. [1, 2] or "
            "['ses-01']), or leave it out"
        )

    @model_validator(mode="after")
    def _check_scheme_keys(self) -> CVSpec:
        issues = Problems()
        for key in ("train_groups", "test_groups"):
            values = getattr(self, key)
            if values is None:
                continue
            if self.scheme != "cross_session":
                issues.add(
                    (key,),
                    f"only used by scheme 'cross_session' (this is {self.scheme!r}); remove "
                    "it or set cv.scheme: cross_session",
                )
            twice = sorted({str(v) for v in values if [str(w) for w in values].count(str(v)) > 1})
            if twice:
                issues.add((key,), f"lists {', '.join(twice)} more than once")
        if self.train_groups is not None and self.test_groups is not None:
            both = [v for v in self.test_groups if str(v) in {str(w) for w in self.train_groups}]
            if both:
                issues.add(
                    ("test_groups",),
                    f"{short(both)} also in cv.train_groups; a group is trained on or tested "
                    "on, not both",
                )
        if self.calibration is not None and self.scheme != "leave_one_subject_out":
            issues.add(
                ("calibration",),
                f"only used by scheme 'leave_one_subject_out' (this is {self.scheme!r}); "
                "remove it or set cv.scheme: leave_one_subject_out",
            )
        issues.raise_any()
        return self


def calibration_problem(
    fraction: float, counts: Mapping[str, int], of: str
) -> tuple[int, str | None]:
    """How many trials of a left-out subject ``cv.calibration`` takes, and what is wrong.

    Parameters
    ----------
    fraction : float
        ``cv.calibration``, in (0, 1).
    counts : mapping
        Class -> number of the subject's trials.
    of : str
        The subject, for the message (``"subject 3 of 'eegmat'"``).

    Returns
    -------
    n_calibration : int
        ``round(fraction * n_trials)``: the calibration trials, drawn stratified by class.
    problem : str | None
        Why the draw is impossible (fewer calibration or scored trials than classes, a
        class of a single trial), or ``None``.
    """
    n = int(sum(counts.values()))
    k = len(counts)
    n_cal = round(fraction * n)
    if n_cal < k:
        least = math.ceil(100 * k / n) / 100 if n else 1
        return n_cal, (
            f"{fraction:g} takes {n_cal} of the {n} trials of {of}, fewer than one per class "
            f"({k} classes); raise it to at least {least:g}"
        )
    if n - n_cal < k:
        most = math.floor(100 * (n - k) / n) / 100
        return n_cal, (
            f"{fraction:g} takes {n_cal} of the {n} trials of {of} and leaves {n - n_cal} to "
            f"score, fewer than one per class ({k} classes); lower it to at most {most:g}"
        )
    single = sorted(c for c, m in counts.items() if m < 2)
    if single:
        return n_cal, (
            f"the class(es) {', '.join(map(str, single))} of {of} have a single trial: a "
            "stratified calibration draw needs at least 2 of each class; drop them or use "
            "no calibration"
        )
    return n_cal, None


class ComputeSpec(_Section):
    """How S2-Net is simulated.

    Parameters
    ----------
    backend : {"auto", "cython", "numpy", "cpp_standalone"}
        Brian2 backend; ``"auto"`` runs each simulation on the fastest backend that works
        here (C++ standalone, Cython or numpy), with the same spikes.
    batch_size : int | None
        Trials per simulated network (``None``: as memory allows).
    """

    backend: Literal["auto", "cython", "numpy", "cpp_standalone"] = "auto"
    batch_size: PositiveInt | None = None


class ReportSpec(_Section):
    """What the report shows.

    Parameters
    ----------
    example_subject : str | int | None
        Subject of the example trial (``None``: the first subject).
    example_trial : int
        Index of the example trial within that subject.
    """

    example_subject: str | int | None = None
    example_trial: NonNegativeInt = 0

    @field_validator("example_subject", mode="before")
    @classmethod
    def _check_subject(cls, value: Any) -> Any:
        if (
            value is None
            or isinstance(value, str)
            or (isinstance(value, int) and not isinstance(value, bool))
        ):
            return value
        raise ValueError(f"{short(value)} is not a subject; give its number or id, or null")


class VariantSpec(_Section):
    """One more S2 row: the pipeline's S2 decoder with one thing changed (an ablation).

    Each variant is scored on the same splits as the S2 row, with the same final
    estimator; its features are computed (and cached) as those of a pipeline with the
    changed keys. Typical variants: ``net: {kappa: 0}`` (no top-down modulation),
    ``net: {delays: false}``, ``net: {shuffle_scaffold: true}``, ``features: {sets:
    [rates]}``, ``features: {spatial: none}``.

    Parameters
    ----------
    label : str
        How the scores name the row (e.g. ``"S2Decoder kappa=0"``).
    net : dict
        S2-Net parameters that replace the pipeline's ``net`` values (merged into them).
    features : dict
        Keys of ``features`` that replace the pipeline's.
    scaffold : dict
        Keys of ``scaffold`` that replace the pipeline's.
    """

    label: str = Field(min_length=1)
    net: dict[str, Any] = Field(default_factory=dict)
    features: dict[str, Any] = Field(default_factory=dict)
    scaffold: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- the pipeline
class PipelineSpec(_Section):
    """A whole decoding study (one pipeline file). See ``pipelines/README.md``.

    Parameters
    ----------
    name : str
        Name of the study (letters, digits, ``.``, ``_``, ``-``): the default output folder.
    description : str
        Free text for the report.
    seed : int
        Seed of every random draw (folds, S2-Net).
    dataset : DatasetSpec
    preprocessing : PreprocessingSpec
    atlas : str | None
        S2Featurizer's atlas, for inputs that do not carry their nodes' positions; ``None``:
        nodes without anatomy. (A dataset's own projection atlas is ``dataset.options.atlas``.)
    scaffold : ScaffoldSpec
    net : dict
        :class:`~s2decode.net.S2NetConfig` parameters that replace those of the estimators'
        default configuration for the input kind (``{}``: the default configuration).
    features : FeaturesSpec
    decoder : DecoderSpec
    cv : CVSpec
    scoring : {"accuracy", "balanced_accuracy"}
        The score the summary reports (both are written to ``scores.csv``).
    peers : list of PeerSpec
        Peer baselines scored on the same splits.
    variants : list of VariantSpec
        More S2 rows, each changing one thing of the S2 decoder (ablations).
    compute : ComputeSpec
    report : ReportSpec
    """

    name: str
    description: str = ""
    seed: int = Field(0, ge=0, le=MAX_SEED)
    dataset: DatasetSpec
    preprocessing: PreprocessingSpec = Field(default_factory=PreprocessingSpec)
    atlas: str | None = "seitzman300"
    scaffold: ScaffoldSpec = Field(default_factory=ScaffoldSpec)
    net: dict[str, Any] = Field(default_factory=dict)
    features: FeaturesSpec = Field(default_factory=FeaturesSpec)
    decoder: DecoderSpec = Field(default_factory=DecoderSpec)
    cv: CVSpec = Field(default_factory=CVSpec)
    scoring: Literal["accuracy", "balanced_accuracy"] = "accuracy"
    peers: list[PeerSpec] = Field(default_factory=list)
    variants: list[VariantSpec] = Field(default_factory=list)
    compute: ComputeSpec = Field(default_factory=ComputeSpec)
    report: ReportSpec = Field(default_factory=ReportSpec)

    # ------------------------------------------------------------------ validation
    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        if not _NAME_RE.match(name):
            raise ValueError(
                f"{name!r} is not allowed: it names the output folder, so use letters, digits, "
                "'.', '_' and '-' only (e.g. eegmat_within)"
            )
        return name

    @field_validator("atlas")
    @classmethod
    def _known_atlas(cls, atlas: str | None) -> str | None:
        from ..atlas.atlases import BUILTIN_ATLASES, ONLINE_ATLASES, atlas_kind

        if atlas is None or atlas_kind(atlas) is not None:
            return atlas
        name = atlas.lower()
        raise ValueError(
            f"{atlas!r} is not an atlas{suggest(name, BUILTIN_ATLASES)}; choose one of "
            f"{choices(BUILTIN_ATLASES)} (offline), {choices(ONLINE_ATLASES)} (online), the "
            "path of a label image or annotation, or null for nodes without anatomy"
        )

    @field_validator("net")
    @classmethod
    def _check_net(cls, net: dict[str, Any]) -> dict[str, Any]:
        from ..net import S2NetConfig

        defaults = {f.name: f.default for f in dataclasses.fields(S2NetConfig)}
        issues = Problems()
        out: dict[str, Any] = {}
        for key, value in net.items():
            if key not in defaults:
                issues.add(
                    (key,),
                    f"not an S2-Net parameter{suggest(key, defaults)}; the parameters "
                    f"of S2NetConfig are: {', '.join(defaults)}",
                )
                continue
            value = _like_default(value, defaults[key])
            try:
                S2NetConfig().replace(**{key: value})
            except (TypeError, ValueError) as err:
                issues.add((key,), str(err))
                continue
            out[key] = value
        if not issues.items and out:
            try:  # constraints between parameters (dt vs tau_m, ...)
                S2NetConfig().replace(**out)
            except (TypeError, ValueError) as err:
                issues.add((), str(err))
        issues.raise_any()
        return out

    @model_validator(mode="after")
    def _check_together(self) -> PipelineSpec:
        issues = Problems()
        for key in self.preprocessing.given():
            if key in self.dataset.options:
                issues.add(
                    ("dataset", "options", key),
                    f"also set as preprocessing.{key}; give it "
                    f"once, as preprocessing.{key} (it goes to the loader where the loader "
                    "takes it)",
                )
        if "encoder" in self.net and self.features.encoder is not None:
            if self.net["encoder"] != self.features.encoder:
                issues.add(
                    ("net", "encoder"),
                    f"{self.net['encoder']!r} contradicts features.encoder "
                    f"({self.features.encoder!r}); give the encoder once, as features.encoder",
                )
        if self.cv.scheme == "leave_one_subject_out":
            subjects = self.dataset.subjects
            bids = self.dataset.name == BIDS
            info = None if bids else subjects_of(self.dataset.name)
            if info is None and not bids:
                with_subjects = [n for n in list_datasets() if subjects_of(n) is not None]
                issues.add(
                    ("cv", "scheme"),
                    f"'leave_one_subject_out' needs a dataset with subjects "
                    f"({choices(with_subjects)}, or a BIDS dataset); {self.dataset.name!r} has "
                    "one recording. Use 'kfold' or 'leave_one_group_out'",
                )
            elif (
                (isinstance(subjects, int | str) and subjects != "all")
                or (subjects is None and info is not None and info.default is not None)
                or (isinstance(subjects, list) and len(subjects) < 2)
            ):
                issues.add(
                    ("cv", "scheme"),
                    "'leave_one_subject_out' needs at least 2 subjects; set "
                    "dataset.subjects to 'all' or a list of two or more subject numbers",
                )
        labels: dict[str, int] = {}
        for i, peer in enumerate(self.peers):
            label = peer.identity
            if label in labels:
                issues.add(
                    ("peers", i),
                    f"the same peer as peers[{labels[label]}] ({label!r}); "
                    "remove one or give them different params",
                )
            labels.setdefault(label, i)
        wanted = self.report.example_subject
        if (
            wanted is not None
            and self.dataset.name != BIDS  # labels: matched when the subjects are listed
            and isinstance(self.dataset.subjects, int | list)
        ):
            listed = _as_list(self.dataset.subjects)
            if not (str(wanted).isdigit() and int(wanted) in listed):
                issues.add(
                    ("report", "example_subject"),
                    f"{wanted!r} is not among dataset.subjects {listed}",
                )
        for loc, message in self._option_problems():
            issues.add(loc, message)
        if not issues.items and self.dataset.name in GENERATED_DATASETS:
            # the trials follow from the options: check what a run would find in them
            from ..datasets import describe

            try:
                description = describe(self.dataset.name, **self.loader_options())
            except (TypeError, ValueError) as err:
                issues.add(("dataset", "options"), str(err))
            else:
                for key, message in self.data_problems(description):
                    issues.add(tuple(key.split(".")), message)
        issues.raise_any()
        return self

    @model_validator(mode="after")
    def _check_variants(self) -> PipelineSpec:
        issues = Problems()
        taken = {self.decoder.label: "the S2 row"}
        taken.update({p.display_label: f"peers[{i}]" for i, p in enumerate(self.peers)})
        if self.decoder.fuse_with:
            taken[FUSED_LABEL] = "the late-fusion row"
        for i, variant in enumerate(self.variants):
            if variant.label in taken:
                issues.add(
                    ("variants", i, "label"),
                    f"{variant.label!r} already names {taken[variant.label]}; give each row "
                    "its own label",
                )
            taken.setdefault(variant.label, f"variants[{i}]")
            try:
                derived = self._derived(variant)
            except ValidationError as err:
                for key, message in format_errors(err, PipelineSpec):
                    issues.add(("variants", i, key), message)
                continue
            if derived.fingerprint() == self.fingerprint():
                issues.add(
                    ("variants", i),
                    "changes nothing of the S2 features; change net, features or scaffold",
                )
        issues.raise_any()
        return self

    def _derived(self, variant: VariantSpec) -> PipelineSpec:
        data = self.model_dump(mode="python", exclude={"variants"})
        data["net"] = {**data["net"], **variant.net}
        data["features"] = {**data["features"], **variant.features}
        data["scaffold"] = {**data["scaffold"], **variant.scaffold}
        return PipelineSpec.model_validate(data)

    def variant_specs(self) -> list[tuple[str, PipelineSpec]]:
        """``(label, pipeline)`` of each variant: this pipeline with the variant's changes
        and no variants of its own (its S2 features are the variant's)."""
        return [(v.label, self._derived(v)) for v in self.variants]

    def _option_problems(self) -> list[tuple[tuple, str]]:
        """Dataset options and loader-bound preprocessing out of their documented ranges,
        and what the data's measure rules out, all without the data."""
        from ..datasets import check_options

        name = self.dataset.name
        given = self.preprocessing.given()
        out: list[tuple[tuple, str]] = []
        checked = check_options(name, **self.loader_options()) if name != BIDS else []
        for key, message in checked:
            where = ("preprocessing", key) if key in given else ("dataset", "options", key)
            out.append((where, message))
        if name == "kramer_stn" and self.dataset.options.get("return_spike_times"):
            out.append(
                (
                    ("dataset", "options", "return_spike_times"),
                    "a pipeline decodes the spike counts; remove return_spike_times",
                )
            )
        measure = _measure(name)
        accepted = dataset_loader_options(name)
        for key in ("l_freq", "h_freq", "resample"):
            if key in given and key not in accepted and measure != "continuous":
                out.append(
                    (
                        ("preprocessing", key),
                        f"filters or resamples continuous signals, but the trials of {name!r} "
                        f"are {measure!r}; remove it"
                        + (
                            " (this dataset takes a bin_size option)"
                            if name == "kramer_stn"
                            else ""
                        ),
                    )
                )
        fmri = _modality(name) == "fmri"
        if self.features.input == "epochs" and (measure != "continuous" or fmri):
            out.append(
                (
                    ("features", "input"),
                    f"'epochs' reads EEG electrodes, and the trials of {name!r} are "
                    + ("fMRI voxels or parcels" if fmri else repr(measure))
                    + "; use 'trials'",
                )
            )
        windows = self.features.windows
        tmin, tmax = given.get("tmin"), given.get("tmax")
        if measure != "rates" and windows is not None and (tmin is not None or tmax is not None):
            lo = -math.inf if tmin is None else tmin
            hi = math.inf if tmax is None else tmax
            span = f"{_bound(tmin, 'tmin')}..{_bound(tmax, 'tmax')}"
            if isinstance(windows, list):
                bad = [list(w) for w in windows if w[0] < lo - 1e-9 or w[1] > hi + 1e-9]
                if bad:
                    out.append(
                        (
                            ("features", "windows"),
                            f"{short(bad)} not inside the trials, preprocessing.{span} s; "
                            "give windows within that span",
                        )
                    )
            elif windows > hi - lo + 1e-9:
                out.append(
                    (
                        ("features", "windows"),
                        f"{windows} s is longer than the trials, preprocessing.{span} s "
                        f"({hi - lo:g} s); give a window length up to {hi - lo:g} s, or null "
                        "for the whole trial",
                    )
                )
        return out

    # ------------------------------------------------------------------ data checks
    def loader_options(self, subject: int | str | None = None) -> dict[str, Any]:
        """Keyword arguments of the dataset's ``load`` (without ``data_dir``).

        Parameters
        ----------
        subject : int | str | None
            A subject number, for datasets with subjects, or a BIDS subject label (``None``:
            leave the subject out).

        Returns
        -------
        options : dict
            ``dataset.options``, the preprocessing keys the loader takes (it applies them to
            the continuous recording), and the subject (a list for eegmat's ``subjects``;
            ``subject`` for :func:`s2decode.datasets.load_bids`, whose ``root`` is as the
            pipeline gives it: :func:`s2decode.pipeline.data.load_subject` places a
            relative one in the data directory).
        """
        name = self.dataset.name
        accepted = dataset_loader_options(name)
        options = dict(self.dataset.options)
        options.update({k: v for k, v in self.preprocessing.given().items() if k in accepted})
        if name == BIDS:
            if subject is not None:
                options["subject"] = str(subject)
            return options
        info = subjects_of(name)
        if subject is not None and info is not None:
            options.update(info.load_option([int(subject)]))
        return options

    def data_problems(
        self, description: Mapping[str, Any], *, subject: str | None = None, example: bool = True
    ) -> list[tuple[str, str]]:
        """What a run would find wrong with one subject's trials, from their description.

        Parameters
        ----------
        description : mapping
            :func:`s2decode.datasets.describe` of the subject's trials with
            :meth:`loader_options`.
        subject : str | None
            The subject's id, for the messages (``None`` or ``"-"``: a dataset without
            subjects).
        example : bool
            Whether this subject is the report's example subject (check
            ``report.example_trial``).

        Returns
        -------
        problems : list of (str, str)
            ``(dotted key, message)`` pairs: band edges at or above the Nyquist frequency
            (of the recording where the loader filters, else of the trials), filtering or
            resampling trials that are not continuous, a crop outside the trials or keeping
            fewer than 2 samples, ``features.windows`` outside the trials,
            ``report.example_trial`` beyond the trials, ``cv.n_splits`` above the trials of
            the rarest class, fewer than 2 classes, fewer than 2 groups for
            ``leave_one_group_out`` and ``cross_session``, or a ``cv.calibration`` that
            leaves a class without calibration or scored trials.
        """
        d = description
        name = self.dataset.name
        of = f"subject {subject} of {name!r}" if subject not in (None, "-") else repr(name)
        some = "" if d["n_trials_exact"] else "at most "
        accepted = dataset_loader_options(name)
        given = self.preprocessing.given()
        out: list[tuple[str, str]] = []

        # band edges: the loader's band-pass sees the recording, the others the trials
        for key in ("l_freq", "h_freq"):
            if key in accepted:
                value, sfreq = d.get(key), d["recording_sfreq"]
            elif key in given and d["measure"] == "continuous":
                value, sfreq = given[key], d["sfreq"]
            else:
                continue
            if value is None or value < sfreq / 2:
                continue
            if key in given:
                where, note = f"preprocessing.{key}", ""
            elif key in self.dataset.options:
                where, note = f"dataset.options.{key}", ""
            else:
                where, note = f"preprocessing.{key}", " (the loader's default)"
            side = "low-pass" if key == "h_freq" else "high-pass"
            out.append(
                (
                    where,
                    f"{value:g} Hz{note} is at or above the Nyquist frequency "
                    f"({sfreq / 2:g} Hz) of {of}, sampled at {sfreq:g} Hz; give a value "
                    f"below {sfreq / 2:g} Hz, or null for no {side}",
                )
            )
        generic = {k: v for k, v in given.items() if k not in accepted}
        # (datasets whose measure is known without the data were checked statically)
        if d["measure"] != "continuous" and _measure(name) == "continuous":
            for key in ("l_freq", "h_freq", "resample"):
                if key in generic:
                    out.append(
                        (
                            f"preprocessing.{key}",
                            f"filters or resamples continuous signals, but the trials of {of} "
                            f"are {d['measure']!r}; remove it",
                        )
                    )

        # the time axis after the preprocessing the loader does not do
        sfreq, n_times, t0 = d["sfreq"], d["n_times"], d["tmin"]
        if "resample" in generic and d["measure"] == "continuous":
            n_times = round(n_times * generic["resample"] / sfreq)
            sfreq = float(generic["resample"])
        first, last = t0, t0 + (n_times - 1) / sfreq
        if "tmin" in generic or "tmax" in generic:
            tmin, tmax = generic.get("tmin"), generic.get("tmax")
            half = 0.5 / sfreq
            if tmin is not None and tmin < first - half:
                out.append(
                    (
                        "preprocessing.tmin",
                        f"{tmin} s is before the first sample of the trials of {of} "
                        f"({first:g} s); a crop cannot extend them: give tmin >= {first:g}",
                    )
                )
            if tmax is not None and tmax > last + half:
                out.append(
                    (
                        "preprocessing.tmax",
                        f"{tmax} s is after the last sample of the trials of {of} ({last:g} s); "
                        f"a crop cannot extend them: give tmax <= {last:g}",
                    )
                )
            kept = [
                t0 + i / sfreq
                for i in range(n_times)
                if (tmin is None or round((t0 + i / sfreq - tmin) * sfreq) >= 0)
                and (tmax is None or round((tmax - t0 - i / sfreq) * sfreq) >= 0)
            ]
            if len(kept) < 2 and not any(k.startswith("preprocessing.t") for k, _ in out):
                out.append(
                    (
                        "preprocessing.tmax",
                        f"preprocessing.tmin/tmax ({tmin}, {tmax}) keep {len(kept)} sample(s) "
                        f"of the trials of {of} ({first:g} to {last:g} s at {sfreq:g} Hz); "
                        "keep at least 2",
                    )
                )
            elif len(kept) >= 2:
                first, last, n_times = kept[0], kept[-1], len(kept)

        # feature windows, on the data's time axis (static patterns: network time)
        windows = self.features.windows
        if windows is not None:
            if d["measure"] == "rates":
                start, stop = 0.0, float(self.features.static_duration)
                span = f"0 to features.static_duration ({stop:g} s) of network time"
            else:
                start, stop = first, first + n_times / sfreq
                span = f"{start:g} to {stop:g} s on their time axis"
            tol = 1e-9 * max(stop - start, 1.0)
            if isinstance(windows, list):
                bad = [list(w) for w in windows if w[0] < start - tol or w[1] > stop + tol]
                if bad:
                    out.append(
                        (
                            "features.windows",
                            f"{short(bad)} not inside the trials of {of}, which span {span}; "
                            "give windows within that span",
                        )
                    )
            elif windows > stop - start + tol:
                out.append(
                    (
                        "features.windows",
                        f"{windows} s is longer than the trials of {of} ({stop - start:g} s: "
                        f"{span}); give a length up to {stop - start:g} s, or null for the "
                        "whole trial",
                    )
                )

        # trials and classes
        n_trials, classes = d["n_trials"], d["classes"]
        if n_trials == 0:
            out.append(("dataset", f"no trial of {of} is left with these options"))
            return out
        if len(classes) < 2:
            out.append(
                (
                    "dataset.options",
                    f"the trials of {of} have one class ({', '.join(classes)}); decoding needs "
                    "at least 2",
                )
            )
        if example and self.report.example_trial >= n_trials:
            out.append(
                (
                    "report.example_trial",
                    f"{self.report.example_trial} is out of range: {of} has {some}{n_trials} "
                    f"trials (indices 0 to {n_trials - 1}); choose an index below {n_trials}",
                )
            )
        if self.cv.scheme == "kfold" and len(classes) >= 2:
            rarest = min(classes.values())
            if rarest < self.cv.n_splits:
                fix = (
                    f"lower cv.n_splits to {rarest} or fewer"
                    if rarest >= 2
                    else "this subject cannot be split; drop the class or the subject"
                )
                out.append(
                    (
                        "cv.n_splits",
                        f"{self.cv.n_splits} is more than the {some}{rarest} trials of the rarest "
                        f"class of {of}; {fix}",
                    )
                )
        grouped = ("leave_one_group_out", "cross_session")
        if self.cv.scheme in grouped and (d["n_groups"] or 0) < 2:
            out.append(
                (
                    "cv.scheme",
                    f"{self.cv.scheme!r} needs trials of at least 2 groups (runs, sessions); "
                    f"{of} has {d['n_groups'] or 'no'} group(s). Use 'kfold'",
                )
            )
        if (
            self.cv.scheme == "leave_one_subject_out"
            and self.cv.calibration is not None
            and d["n_trials_exact"]
            and len(classes) >= 2
        ):
            _, problem = calibration_problem(self.cv.calibration, classes, of)
            if problem is not None:
                out.append(("cv.calibration", problem))
        return out

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> PipelineSpec:
        """Validate a pipeline given as a mapping (e.g. parsed YAML).

        Parameters
        ----------
        data : mapping
            The pipeline's keys.
        source : str
            Where it came from, for the error messages (a file name).

        Returns
        -------
        spec : PipelineSpec

        Raises
        ------
        PipelineError
            Listing every problem with its dotted key.
        """
        if not isinstance(data, Mapping):
            raise PipelineError(
                source,
                [
                    (
                        "",
                        f"a pipeline is a mapping of keys (name, dataset, ...), got "
                        f"{type(data).__name__}",
                    )
                ],
            )
        try:
            return cls.model_validate(dict(data))
        except ValidationError as err:
            raise PipelineError(source, format_errors(err, cls)) from None

    # ------------------------------------------------------------------ for the runner
    def featurizer_params(self) -> dict[str, Any]:
        """Keyword arguments of :class:`~s2decode.estimators.S2Featurizer` but ``config``
        (see :meth:`s2_config`)."""
        windows = self.features.windows
        if isinstance(windows, list):
            windows = tuple(tuple(w) for w in windows)
        return {
            "atlas": self.atlas,
            "scaffold": self.scaffold.method,
            "k": self.scaffold.k,
            "plasticity": self.scaffold.plasticity,
            "features": tuple(self.features.sets),
            "windows": windows,
            "pairs": self.features.pairs,
            "encoder": self.features.encoder,
            "omega": self.features.omega,
            "standardize": self.features.standardize,
            "static_duration": self.features.static_duration,
            "initial_state": self.features.initial_state,
            "spatial": self.features.spatial,
            "bands": self.features.bands
            if not isinstance(self.features.bands, list)
            else tuple(tuple(b) for b in self.features.bands),
            "band_coding": self.features.band_coding,
            "n_components": self.features.n_components,
            "backend": self.compute.backend,
            "batch_size": self.compute.batch_size,
            "random_state": self.seed,
        }

    def s2_config(self, kind: str):
        """The S2-Net configuration for an input kind.

        Parameters
        ----------
        kind : {"signals", "static", "spikes", "epochs"}
            The input kind (:func:`s2decode.estimators.default_config`).

        Returns
        -------
        config : S2NetConfig | None
            ``None`` where ``net`` is empty (S2Featurizer then uses the default of the
            kind), else that default with the ``net`` parameters replaced.
        """
        if not self.net:
            return None
        from ..estimators import default_config

        return default_config(kind).replace(**self.net)

    def final_estimator(self):
        """The unfitted final estimator on the S2 features (a scikit-learn pipeline).

        ``"lda"`` is :func:`s2decode.estimators.default_classifier` (StandardScaler +
        shrinkage LDA), S2Decoder's default; ``"logistic"`` StandardScaler +
        LogisticRegression with ``C`` and ``class_weight``; ``"svc"`` StandardScaler +
        LinearSVC.
        """
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import LinearSVC

        d = self.decoder
        if d.estimator == "lda":  # as default_classifier, which S2Decoder uses
            final = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
        elif d.estimator == "svc":
            final = LinearSVC(C=d.C, class_weight=d.class_weight, random_state=self.seed)
        else:
            final = LogisticRegression(C=d.C, class_weight=d.class_weight, max_iter=2000)
        return make_pipeline(StandardScaler(), final)

    def fingerprint(self) -> str:
        """SHA-256 (hex) of what changes the S2 features: dataset, preprocessing, atlas,
        scaffold, net, features, cv, seed and compute backend; not the decoder, peers,
        report, name or description."""
        parts = self.model_dump(
            mode="json",
            include={
                "dataset",
                "preprocessing",
                "atlas",
                "scaffold",
                "net",
                "features",
                "cv",
                "seed",
            },
        )
        for key in _CV_KEYS_SINCE_V1:  # unset, as before they existed: cached features stay valid
            if parts["cv"][key] is None:
                del parts["cv"][key]
        parts["compute"] = {"backend": self.compute.backend}
        parts["fingerprint_version"] = FINGERPRINT_VERSION
        text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def to_yaml(self) -> str:
        """The resolved pipeline (every default filled in) as YAML text, in schema order;
        :func:`load_pipeline` reads it back to an equal spec."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _like_default(value: Any, default: Any) -> Any:
    """A YAML integer where S2NetConfig has a float (``kappa: 1``) as that float, so that
    equal configurations have equal fingerprints."""
    if isinstance(default, float) and not isinstance(value, bool):
        if isinstance(value, int):
            return float(value)
        if isinstance(value, list | tuple) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value
        ):
            return [float(v) for v in value]
    return value


# --------------------------------------------------------------------------- files
def load_pipeline(path: str | os.PathLike) -> PipelineSpec:
    """The validated :class:`PipelineSpec` of a YAML pipeline file (``pipelines/*.yaml``).

    :func:`~s2decode.pipeline.yamlfile.read_pipeline_file`, then
    :meth:`PipelineSpec.from_dict`: a missing, unreadable or invalid file raises
    :class:`PipelineError`, whose lines name the file, each wrong key and what is allowed.
    """
    return PipelineSpec.from_dict(read_pipeline_file(path), source=str(path))

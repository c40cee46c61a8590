"""Train once, apply later: a pipeline's S2 decoder fitted on all its trials, in a skops file.

:func:`fit_model` fits the S2 row of a pipeline (:func:`s2decode.pipeline.run.s2_decoder`:
S2Featurizer with the pipeline's network, features and seed, its final estimator and its
choice of feature sets) on every trial of the pipeline's subjects, pooled, and returns a
:class:`PipelineModel`: the fitted estimator and the pipeline it came from, which says how
new recordings are read (dataset, loader options, preprocessing, what S2-Net reads of the
trials). :func:`save_model` writes it as one `skops <https://skops.readthedocs.io>`_ file
and :func:`load_model` reads it back; ``s2decode fit`` and ``s2decode predict`` are the same
on the command line (``docs/fit_predict.md``).

The file is a skops file (never pickle: loading a pickle runs whatever code it names)
holding a dictionary of two entries: ``"metadata"``, a JSON text (the s2decode version that
wrote it, the resolved pipeline, the subjects and trials it was fitted on, the library
versions), and ``"estimator"``, the fitted S2Decoder. :func:`load_model` reads the
metadata first, straight from the file's ``schema.json`` without building any object, and
refuses a file written by another release series of s2decode (:func:`compatible_version`)
before loading anything; it then loads the estimator trusting exactly the types of
:data:`TRUSTED_TYPES` (s2decode's own classes; skops trusts scikit-learn's and numpy's
itself), and refuses a file that holds any other.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._io_utils import atomic_write, atomic_write_text, check_creatable
from .._version import __version__
from ..errors import DataFileError

if TYPE_CHECKING:
    import xarray as xr

    from .spec import PipelineSpec

__all__ = [
    "MODEL_FORMAT",
    "TRUSTED_TYPES",
    "IncompatibleModelError",
    "ModelFileError",
    "PipelineModel",
    "check_model_path",
    "check_predictions_path",
    "compatible_version",
    "fit_model",
    "load_model",
    "model_info",
    "save_model",
    "write_predictions",
]

#: What the metadata's ``"format"`` says, and the layout version of the file this code
#: writes (a file of a later layout is refused).
MODEL_FORMAT = "s2decode-model"
MODEL_FORMAT_VERSION = 1
#: The types a model file may hold besides those skops trusts by default (Python's,
#: numpy's and scikit-learn's): the fitted S2Decoder and what it keeps. A file holding any
#: other type is refused, not loaded.
TRUSTED_TYPES = (
    "s2decode.estimators.decoder.S2Decoder",
    "s2decode.estimators.featurizer.S2Featurizer",
    "s2decode.estimators.front_end.FrontEnd",
    "s2decode.net.config.S2NetConfig",
    "s2decode.atlas.scaffold.Scaffold",
)
#: Output formats of :func:`write_predictions`, by extension.
PREDICTION_FORMATS = (".csv", ".parquet")


class ModelFileError(DataFileError):
    """A file that is not an s2decode model file, or holds types s2decode does not trust."""


class IncompatibleModelError(DataFileError):
    """A model file written by a release series of s2decode other than the running one."""


def compatible_version(saved: str, current: str = __version__) -> bool:
    """Whether a model saved by s2decode ``saved`` loads under s2decode ``current``.

    A model holds fitted objects of s2decode's own classes, whose attributes may change
    between feature releases; it loads under the release series that saved it, the same
    ``MAJOR.MINOR`` (``0.1.0.dev0``, ``0.1.0`` and ``0.1.3`` are one series; ``0.2.0`` is
    another).

    Parameters
    ----------
    saved, current : str
        Version strings (PEP 440).

    Returns
    -------
    compatible : bool
    """
    from packaging.version import InvalidVersion, Version

    try:
        return Version(saved).release[:2] == Version(current).release[:2]
    except InvalidVersion:
        return False


def _series(version: str) -> str:
    from packaging.version import InvalidVersion, Version

    try:
        major, minor = (*Version(version).release, 0)[:2]
    except InvalidVersion:
        return version
    return f"{major}.{minor}"


@dataclass(eq=False)
class PipelineModel:
    """A pipeline's S2 decoder, fitted on every trial of the pipeline's subjects.

    Made by :func:`fit_model` or :func:`load_model`; written by :meth:`save`.

    Parameters
    ----------
    estimator : S2Decoder
        The fitted decoder (:func:`s2decode.pipeline.run.s2_decoder` of the pipeline).
    spec : PipelineSpec
        The pipeline it was fitted with: how new recordings are read (``dataset``,
        ``preprocessing``, ``features.input``).
    metadata : dict
        What :meth:`save` writes besides the estimator (JSON): ``s2decode_version``,
        ``created``, ``pipeline`` (the resolved pipeline as YAML), ``source``, ``dataset``,
        ``loader_options``, ``preprocessing``, ``input``, ``subjects``, ``n_trials``,
        ``classes``, ``method``, ``trials`` (dims, node names, sampling rate, samples) and
        ``versions`` (:func:`s2decode.pipeline.run.versions`).
    path : pathlib.Path | None
        The file it was loaded from or saved to.
    """

    estimator: Any
    spec: PipelineSpec
    metadata: dict[str, Any]
    path: Path | None = field(default=None, repr=False)

    @property
    def subjects(self) -> list[str]:
        """The subjects whose trials it was fitted on."""
        return list(self.metadata["subjects"])

    @property
    def classes_(self) -> np.ndarray:
        """The class labels, in the order of :meth:`predict_proba`'s columns."""
        return np.asarray(self.estimator.classes_)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model to a skops file (:func:`save_model`); returns the path."""
        return save_model(self, path)

    def _check_trials(self, trials: xr.DataArray, of: str) -> None:
        fitted = self.metadata["trials"]
        node_dim = trials.dims[1] if trials.ndim == 3 else None
        names = (
            [str(n) for n in trials[node_dim].values]
            if node_dim is not None and node_dim in trials.coords
            else None
        )
        if node_dim != fitted["node_dim"] or names != fitted["nodes"]:
            raise ValueError(
                f"The trials of {of} are on {len(names or [])} {node_dim}(s) "
                f"{_few(names)} but the model was fitted on {len(fitted['nodes'])} "
                f"{fitted['node_dim']}(s) {_few(fitted['nodes'])}; read them as the model's "
                "pipeline does (the same dataset options and preprocessing)."
            )

    def _input(self, trials: xr.DataArray, of: str = "the trials"):
        from .run import s2_input

        self._check_trials(trials, of)
        X, _ = s2_input(self.spec, trials)  # the fitted decoder keeps its `info=`
        return X

    def predict(self, trials: xr.DataArray) -> np.ndarray:
        """Class labels of new trials.

        Parameters
        ----------
        trials : xarray.DataArray
            Trials read as the model's pipeline reads them (e.g.
            :func:`s2decode.pipeline.data.load_subject` with :attr:`spec`): the same nodes,
            sampling rate and trial length.

        Returns
        -------
        y_pred : ndarray of str, shape (n_trials,)
        """
        return np.asarray(self.estimator.predict(self._input(trials))).astype(str)

    def predict_proba(self, trials: xr.DataArray) -> np.ndarray:
        """Class probabilities of new trials, columns in :attr:`classes_` order (final
        estimators ``lda`` and ``logistic``; ``svc`` gives none)."""
        return np.asarray(self.estimator.predict_proba(self._input(trials)))

    def predict_table(self, trials: xr.DataArray, subject: str | None = None) -> pd.DataFrame:
        """The predictions of one subject's trials as a table.

        Parameters
        ----------
        trials : xarray.DataArray
            The subject's trials (see :meth:`predict`).
        subject : str | None
            Its id for the ``subject`` column (``None``: ``trials.attrs["subject"]``, else
            ``"-"``).

        Returns
        -------
        table : pandas.DataFrame
            One row per trial: ``subject``, ``trial`` (index within the subject's trials),
            ``group`` (where the trials have one), ``y_true`` (the recordings' labels),
            ``y_pred``, and ``proba_<class>`` per class where the final estimator gives
            probabilities.
        """
        from .run import _group_labels, _labels

        subject = str(subject if subject is not None else trials.attrs.get("subject", "-"))
        X = self._input(trials, f"subject {subject}" if subject != "-" else "the recording")
        table = pd.DataFrame({"subject": subject, "trial": np.arange(trials.sizes["trial"])})
        if "group" in trials.coords:
            table["group"] = _group_labels(trials.coords["group"].values)
        if "y" in trials.coords:
            table["y_true"] = _labels(trials)
        table["y_pred"] = np.asarray(self.estimator.predict(X)).astype(str)
        if hasattr(self.estimator.estimator_, "predict_proba"):
            proba = np.asarray(self.estimator.predict_proba(X))
            for j, label in enumerate(self.classes_):
                table[f"proba_{label}"] = proba[:, j]
        return table

    def predictions(
        self,
        data_dir: str | os.PathLike | None = None,
        subjects: str | int | list[int] | None = None,
        *,
        options: dict[str, Any] | None = None,
        log=None,
    ) -> pd.DataFrame:
        """Read recordings as the model's pipeline does and predict every trial.

        Parameters
        ----------
        data_dir : path-like | None
            Data directory (``None``: ``$S2DECODE_DATA``).
        subjects : "all" | int | list of int | None
            Subjects to read, as ``dataset.subjects`` of a pipeline (``None``: the
            pipeline's own). Only for datasets with subjects.
        options : dict | None
            Loader options that replace the pipeline's ``dataset.options`` (e.g.
            ``{"seed": 1}``: new trials of the generated ``synthetic`` dataset). The
            preprocessing is the model's and cannot change.
        log : callable | None
            Where progress messages go (one per subject); ``None``: nowhere.

        Returns
        -------
        table : pandas.DataFrame
            :meth:`predict_table` of each subject, one after the other.

        Raises
        ------
        PipelineError
            ``subjects`` or ``options`` the dataset does not take (the message names them).
        DatasetNotFoundError
            Where the data directory lacks the dataset or a subject.
        ValueError
            Recordings that do not read as the model's trials (other nodes, sampling rate
            or trial length).
        """
        from ..paths import get_data_dir
        from .data import NO_SUBJECT, dataset_subjects, load_subject

        spec = self.reading_spec(subjects, options)
        data_path = str(get_data_dir(data_dir))
        frames = []
        for subject in dataset_subjects(spec, data_path):
            start = time.perf_counter()
            trials = load_subject(spec, subject, data_path)
            frames.append(self.predict_table(trials, subject))
            if log is not None:
                who = f"subject {subject}" if subject != NO_SUBJECT else spec.dataset.name
                log(
                    f"{who}: {trials.sizes['trial']} trials predicted in "
                    f"{time.perf_counter() - start:.1f} s"
                )
        return pd.concat(frames, ignore_index=True)

    def reading_spec(
        self,
        subjects: str | int | list[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> PipelineSpec:
        """The model's pipeline with other subjects or loader options (for reading new
        recordings; its cross-validation, peers and report do not apply).

        Raises
        ------
        PipelineError
            Where the dataset has no such subjects or options (source: the model file).
        """
        from pydantic import ValidationError

        from .errors import PipelineError, format_errors
        from .spec import DatasetSpec

        dataset = self.spec.dataset.model_dump()
        if subjects is not None:
            dataset["subjects"] = subjects
        if options:
            dataset["options"] = {**dataset["options"], **options}
        source = str(self.path) if self.path is not None else "<model>"
        try:
            checked = DatasetSpec.model_validate(dataset)
        except ValidationError as err:
            errors = [(f"dataset.{k}", m) for k, m in format_errors(err, DatasetSpec)]
            raise PipelineError(source, errors) from None
        return self.spec.model_copy(update={"dataset": checked})


def _few(names: list[str] | None, n: int = 3) -> str:
    if not names:
        return "(none)"
    shown = ", ".join(names[:n])
    return f"({shown}{', ...' if len(names) > n else ''})"


# ---------------------------------------------------------------------------- fitting
def fit_model(
    pipeline,
    *,
    data_dir: str | os.PathLike | None = None,
    log=print,
) -> PipelineModel:
    """Fit a pipeline's S2 decoder on every trial of its subjects.

    Parameters
    ----------
    pipeline : str | path-like | PipelineSpec
        A pipeline file or a validated spec.
    data_dir : path-like | None
        Data directory (``None``: ``$S2DECODE_DATA``).
    log : callable | None
        Where progress messages go; ``print`` by default, ``None``: nowhere.

    Returns
    -------
    model : PipelineModel
        The fitted decoder of the pipeline's S2 row (the S2Decoder its cross-validation
        scores as ``decoder.label``), fitted on the trials of all of ``dataset.subjects``
        pooled (subjects need the same nodes and trial length, as for
        leave-one-subject-out). The pipeline's ``cv``, ``peers``, ``variants``,
        ``decoder.fuse_with`` and ``report`` play no part.

    Raises
    ------
    PipelineError
        An invalid pipeline, one that does not fit the recordings, or one with
        ``features.input: epochs`` (its fitted decoder holds MNE objects skops cannot
        store), before any data are read.
    DatasetNotFoundError
        Where the data directory lacks the dataset or a subject.
    """
    from ..paths import get_data_dir
    from .data import check_against_data, dataset_subjects, load_subject
    from .errors import PipelineError
    from .run import _labels, concat_subjects, s2_decoder, versions
    from .spec import PipelineSpec, load_pipeline

    say = log if log is not None else (lambda _: None)
    spec = pipeline if isinstance(pipeline, PipelineSpec) else load_pipeline(pipeline)
    source = spec.name if isinstance(pipeline, PipelineSpec) else str(pipeline)
    if spec.features.input == "epochs":
        raise PipelineError(
            source,
            [
                (
                    "features.input",
                    "'epochs' keeps MNE's measurement info and source model inside the fitted "
                    "decoder, which a skops model file cannot hold yet; fit with 'trials' "
                    "(the loader's nodes) to save a model, or cross-validate this pipeline "
                    "with `s2decode run`",
                )
            ],
        )
    data_path = str(get_data_dir(data_dir))
    subjects = dataset_subjects(spec, data_path)
    check_against_data(spec, data_path, source=source)
    start = time.perf_counter()
    parts = [load_subject(spec, s, data_path) for s in subjects]
    trials = parts[0] if len(parts) == 1 else concat_subjects(*parts)
    y = _labels(trials)
    say(
        f"{spec.name}: fitting {spec.decoder.label} on {len(y)} trials of "
        f"{len(subjects)} subject(s) of {spec.dataset.name!r}"
    )
    decoder, X = s2_decoder(spec, trials)
    decoder.fit(X, y)
    seconds = time.perf_counter() - start
    say(f"fitted in {seconds:.1f} s")
    node_dim = trials.dims[1]
    metadata = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "s2decode_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "pipeline": spec.to_yaml(),
        "source": source,
        "dataset": spec.dataset.name,
        "loader_options": _jsonable(spec.loader_options()),
        "preprocessing": _jsonable(spec.preprocessing.given()),
        "input": spec.features.input,
        "method": spec.decoder.label,
        "subjects": list(subjects),
        "n_trials": len(y),
        "classes": [str(c) for c in decoder.classes_],
        "trials": {
            "dims": list(trials.dims),
            "node_dim": node_dim,
            "nodes": [str(n) for n in trials[node_dim].values],
            "sfreq": float(trials.attrs["sfreq"]),
            "n_times": int(trials.sizes[trials.dims[2]]) if trials.ndim == 3 else None,
        },
        "fit_seconds": round(seconds, 2),
        "versions": versions(),
    }
    return PipelineModel(decoder, spec, metadata)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


# ---------------------------------------------------------------------------- the file
def save_model(model: PipelineModel, path: str | os.PathLike) -> Path:
    """Write a fitted model to a skops file, atomically.

    Parameters
    ----------
    model : PipelineModel
        From :func:`fit_model` (or :func:`load_model`).
    path : path-like
        The file (``model.skops``); its folder is created, an existing file replaced.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    OSError
        Where the file cannot be written (the message names it).
    """
    import skops.io as sio

    target = check_model_path(path)
    blob = sio.dumps(
        {"metadata": json.dumps(model.metadata, sort_keys=True), "estimator": model.estimator}
    )
    try:
        atomic_write(target, lambda p: p.write_bytes(blob))
    except OSError as err:
        raise type(err)(f"cannot write the model file {target}: {err.strerror or err}") from err
    model.path = target
    return target


def model_info(path: str | os.PathLike) -> dict[str, Any]:
    """The metadata of a model file, read without loading the model (safe for any file).

    Parameters
    ----------
    path : path-like
        A file written by :func:`save_model` (``s2decode fit --save``).

    Returns
    -------
    metadata : dict
        See :class:`PipelineModel`; ``metadata["pipeline"]`` is the pipeline the model was
        fitted with (YAML), to refit it under another version of s2decode.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        No such file.
    ModelFileError
        A file that is not an s2decode model file.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(
            f"{target} is a folder, not a model file; give the file `s2decode fit --save` wrote"
        )
    if not target.is_file():
        raise FileNotFoundError(
            f"{target}: no such model file; write one with `s2decode fit PIPELINE --save {target}`"
        )
    not_ours = (
        f"{target} is not an s2decode model file ({{}}); write one with "
        f"`s2decode fit PIPELINE --save {target.name}`"
    )
    try:
        with zipfile.ZipFile(target) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError):
        raise ModelFileError(not_ours.format("not a skops file")) from None
    try:
        node = schema["content"]["metadata"]
        metadata = json.loads(json.loads(node["content"]))
        if not isinstance(metadata, dict) or metadata.get("format") != MODEL_FORMAT:
            raise ValueError
    except (KeyError, TypeError, ValueError):
        raise ModelFileError(not_ours.format("a skops file without s2decode's metadata")) from None
    return metadata


def load_model(path: str | os.PathLike) -> PipelineModel:
    """Read a model written by :func:`save_model` (``s2decode fit --save``).

    The metadata is read first, without building any object (:func:`model_info`), and the
    file refused where another release series of s2decode wrote it; the estimator is then
    loaded with skops, trusting exactly :data:`TRUSTED_TYPES`.

    Parameters
    ----------
    path : path-like
        The model file.

    Returns
    -------
    model : PipelineModel

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        No such file.
    ModelFileError
        A file that is not an s2decode model file, or that holds types outside
        :data:`TRUSTED_TYPES` (nothing of it is loaded).
    IncompatibleModelError
        A model of another release series of s2decode (the message names both versions
        and what to do).
    """
    import skops.io as sio
    import yaml

    from .spec import PipelineSpec

    target = Path(path)
    metadata = model_info(target)
    if int(metadata.get("format_version", 0)) > MODEL_FORMAT_VERSION:
        raise IncompatibleModelError(
            f"{target} is a model file of layout {metadata['format_version']} (s2decode "
            f"{metadata.get('s2decode_version')}); this s2decode {__version__} reads layout "
            f"{MODEL_FORMAT_VERSION} and earlier. Upgrade s2decode."
        )
    saved = str(metadata.get("s2decode_version"))
    if not compatible_version(saved):
        raise IncompatibleModelError(
            f"{target} was saved by s2decode {saved}, and this is s2decode {__version__}: a "
            f"model loads only under the release series that saved it ({_series(saved)}.x). "
            f"Refit it with this version (`s2decode fit PIPELINE --save {target.name}`; "
            f"s2decode.pipeline.model_info('{target}')['pipeline'] is the pipeline it was "
            f"fitted with), or install s2decode {_series(saved)} to use it "
            f"(pip install 's2decode=={_series(saved)}.*')."
        )
    untrusted = sio.get_untrusted_types(file=target)
    foreign = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if foreign:
        raise ModelFileError(
            f"{target} holds types that s2decode does not trust: {', '.join(foreign)}; it "
            "was not written by `s2decode fit`, or was altered. Nothing was loaded."
        )
    content = sio.load(target, trusted=list(TRUSTED_TYPES))
    spec = PipelineSpec.from_dict(
        yaml.safe_load(metadata["pipeline"]), source=f"{target} (its pipeline)"
    )
    return PipelineModel(content["estimator"], spec, metadata, path=target)


def write_predictions(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a predictions table as CSV or Parquet (by the extension), atomically.

    Parameters
    ----------
    table : pandas.DataFrame
        :meth:`PipelineModel.predictions`.
    path : path-like
        ``*.csv`` or ``*.parquet``.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    ValueError
        Another extension.
    OSError
        Where the file cannot be written (the message names it).

    See Also
    --------
    check_predictions_path : the same checks, before the predictions are computed.
    """
    from .tables import write_parquet

    target = check_predictions_path(path)
    try:
        if target.suffix.lower() == ".csv":
            return atomic_write_text(target, table.to_csv(index=False))
        return write_parquet(table, target)
    except OSError as err:
        raise type(err)(f"cannot write {target}: {err.strerror or err}") from err


def _writable_place(target: Path) -> None:
    """Raise :class:`~s2decode.errors.OutputError` where ``target`` could not be created."""
    check_creatable(target, f"cannot write {target}", "give a path in a folder you can write")


def check_model_path(path: str | os.PathLike) -> Path:
    """Check that a model file can be written there, before fitting; returns the path.

    Raises
    ------
    IsADirectoryError
        ``path`` is a folder.
    OSError
        Its folder cannot be created or written (the message names the file).
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(
            f"--save {target} is a folder; give a file name, e.g. {target / 'model.skops'}"
        )
    _writable_place(target)
    return target


def check_predictions_path(path: str | os.PathLike) -> Path:
    """Check a predictions file name (``.csv`` or ``.parquet``, writable) before
    predicting; returns the path.

    Raises
    ------
    ValueError
        Another extension.
    IsADirectoryError
        ``path`` is a folder.
    OSError
        Its folder cannot be created or written.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in PREDICTION_FORMATS:
        raise ValueError(
            f"--out {target}: write predictions to a .csv or .parquet file (the extension "
            f"says which), not {suffix or 'a file without extension'!r}"
        )
    if target.is_dir():
        raise IsADirectoryError(f"--out {target} is a folder; give a .csv or .parquet file")
    _writable_place(target)
    return target

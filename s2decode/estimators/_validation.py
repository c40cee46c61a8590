"""Input checking for the S2 estimators, all in one place.

:func:`check_input` turns whatever ``fit``/``transform``/``predict`` receive into one
:class:`Inputs` record:

* a trials :class:`xarray.DataArray` of the data model (its parcel names, MNI coordinates,
  networks, time axis, sampling rate and labels are used); ``measure="spike_counts"``
  becomes spike trains, and a single time sample (e.g. a ``measure="rates"`` table) a static
  pattern;
* a 3-D array ``(n_trials, n_parcels, n_times)`` with ``sfreq``;
* :class:`mne.Epochs`, or the 3-D array of ``epochs.get_data()``
  ``(n_epochs, n_channels, n_times)`` with the estimator's ``info=epochs.info`` (MNE's
  decoding convention, which scikit-learn's cross-validation helpers can split): both become
  the same ``"epochs"`` input, sensor data plus their :class:`mne.Info`, which the
  featurizer projects onto the atlas;
* a 2-D array or DataFrame ``(n_samples, n_features)``: a static pattern per sample, each
  column a node (what scikit-learn's own checks pass);
* a :class:`~s2decode.spiketrains.SpikeTrains` (recorded spikes, one neuron per train).

Array inputs go through :func:`sklearn.utils.validation.validate_data`, so they get
scikit-learn's messages and bookkeeping (``n_features_in_``, ``feature_names_in_``); the
other inputs get the same ``n_features_in_`` checks here.

scikit-learn's cross-validation helpers index an :class:`mne.Epochs` object like a list and
hand the estimator a list of one-epoch Epochs; that, and any array of more than 3 dimensions,
is refused with a message pointing at ``epochs.get_data()`` with ``info=epochs.info``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidInputError
from ..spiketrains import SpikeTrains

#: What an input is once checked.
INPUT_KINDS = ("signals", "static", "spikes", "epochs")

#: The fix for MNE epochs in scikit-learn's cross-validation helpers (in error messages).
EPOCHS_FIX = "pass epochs.get_data() with info=epochs.info"


@dataclass
class Inputs:
    """A checked input (internal).

    Attributes
    ----------
    kind : {"signals", "static", "spikes", "epochs"}
        Time series on nodes, a static pattern per trial, spike trains, or sensor epochs
        (:class:`mne.Epochs`, or a 3-D array with ``info``).
    data : ndarray | SpikeTrains
        ``(n_trials, n_nodes, n_times)`` float64 for signals, ``(n_trials, n_channels,
        n_times)`` float64 for epochs (every channel of ``info``, in its order),
        ``(n_trials, n_nodes)`` for static patterns.
    sfreq : float | None
        Sampling frequency (Hz) of signals and epochs.
    t_start : float
        Data time (s) of the first sample (signals, spikes, epochs: ``epochs.times[0]``, 0
        for an array with ``info``); 0 otherwise.
    names : list of str | None
        Node names where the input carries them (DataArray, DataFrame, SpikeTrains).
    coords : ndarray, shape (n_nodes, 3) | None
        MNI coordinates (mm) where the input carries them (NaN where unknown).
    networks : list of str | None
        Network of each node where the input carries them.
    y : ndarray | None
        Labels carried by a DataArray (its ``y`` coordinate), else ``None``.
    source : str
        ``"dataarray"``, ``"array"``, ``"spiketrains"`` or ``"epochs"`` (an
        :class:`mne.Epochs` object; a 3-D array with ``info`` is ``"array"``).
    info : mne.Info | None
        Channel names, types, positions and sampling rate of epochs.
    """

    kind: str
    data: Any
    sfreq: float | None = None
    t_start: float = 0.0
    names: list[str] | None = None
    coords: np.ndarray | None = None
    networks: list[str] | None = None
    y: np.ndarray | None = None
    source: str = "array"
    info: Any = None

    @property
    def n_trials(self) -> int:
        if isinstance(self.data, SpikeTrains):
            return self.data.n_trials
        return len(self.data)

    @property
    def n_nodes(self) -> int:
        if isinstance(self.data, SpikeTrains):
            return self.data.n_neurons
        return self.data.shape[1]

    @property
    def n_times(self) -> int | None:
        return self.data.shape[2] if self.kind == "signals" else None

    @property
    def duration(self) -> float | None:
        """Length (data seconds) of a trial: signals and spikes only."""
        if self.kind == "signals":
            return self.data.shape[2] / self.sfreq
        if self.kind == "spikes":
            return self.data.duration
        return None


def _is_epochs(X: Any) -> bool:
    mne = sys.modules.get("mne")  # no need to import MNE to know X is not MNE's
    return mne is not None and isinstance(X, mne.BaseEpochs)


def _is_dataarray(X: Any) -> bool:
    xr = sys.modules.get("xarray")
    return xr is not None and isinstance(X, xr.DataArray)


def _check_n_nodes(estimator, n: int, reset: bool, what: str) -> None:
    """Set or check ``n_features_in_`` for inputs that do not pass through validate_data."""
    if reset:
        estimator.n_features_in_ = n
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        return
    expected = getattr(estimator, "n_features_in_", None)
    if expected is not None and n != expected:
        raise ValueError(
            f"X has {n} features, but {type(estimator).__name__} is expecting {expected} "
            f"features as input ({what})."
        )


def _check_sfreq(sfreq: Any, name: str = "sfreq") -> float:
    try:
        value = float(sfreq)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a positive number of Hz, got {sfreq!r}.") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"`{name}` must be a positive number of Hz, got {sfreq!r}.")
    return value


def input_kind(X: Any, *, sfreq: float | None = None, info: Any = None) -> str:
    """How the estimators read ``X``: ``"signals"``, ``"epochs"``, ``"spikes"`` or
    ``"static"`` (what :func:`~s2decode.estimators.default_config` takes).

    The same check as ``fit`` runs (:func:`check_input`), so a bad input raises the same
    error here.

    Parameters
    ----------
    X : DataArray | ndarray | DataFrame | mne.Epochs | SpikeTrains
        Any input of :class:`~s2decode.estimators.S2Featurizer`.
    sfreq, info
        As the estimators' parameters of those names.

    Returns
    -------
    kind : str
        ``"signals"`` (time series on nodes: they drive the neurons as currents),
        ``"epochs"`` (EEG/MEG sensor epochs, mne.Epochs or an array with ``info``: projected
        onto the atlas or spatially filtered first), ``"spikes"`` (spike trains or counts:
        each spike kicks its neuron) or ``"static"`` (one pattern per trial, held as
        constant currents).
    """
    from sklearn.base import BaseEstimator

    class _Probe(BaseEstimator):  # takes the n_features_in_ that check_input sets
        pass

    return check_input(_Probe(), X, reset=True, sfreq=sfreq, info=info).kind


def check_input(
    estimator, X: Any, *, reset: bool, sfreq: float | None = None, info: Any = None
) -> Inputs:
    """Check ``X`` once and describe it as :class:`Inputs`.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator ``X`` is for: its ``n_features_in_`` (and ``feature_names_in_``) are
        set when ``reset`` and checked otherwise.
    X : DataArray | ndarray | DataFrame | mne.Epochs | SpikeTrains
        The input (see the module docstring).
    reset : bool
        ``True`` in ``fit``, ``False`` in ``transform``/``predict``.
    sfreq : float | None
        Sampling frequency (Hz) of a 3-D array; must agree with a DataArray's, the epochs'
        and ``info['sfreq']``.
    info : mne.Info | None
        Channels of a 3-D array ``(n_epochs, n_channels, n_times)`` of EEG epochs (as from
        ``epochs.get_data()``): such an array is then the same input as the epochs. With
        mne.Epochs it must agree with ``epochs.info`` (their own info is used); other inputs
        refuse it.

    Returns
    -------
    inputs : Inputs
    """
    if info is not None:
        _check_info(info)
    if _is_epoch_list(X):
        raise TypeError(
            f"X is a {type(X).__name__} of {len(X)} mne.Epochs: scikit-learn's "
            "cross-validation helpers (cross_val_score, GridSearchCV, ...) index an "
            "mne.Epochs object like a list. To cross-validate epochs, "
            f"{EPOCHS_FIX} (e.g. S2Decoder(info=epochs.info)); fit and predict also take "
            "the Epochs object itself."
        )
    if isinstance(X, SpikeTrains):
        _refuse_info(info, "spike trains")
        _check_n_nodes(estimator, X.n_neurons, reset, "the neurons of the spike trains")
        return Inputs(
            "spikes",
            X,
            t_start=X.t_start,
            names=None if X.neuron_names is None else list(X.neuron_names),
            source="spiketrains",
        )
    if _is_epochs(X):
        return _check_epochs(estimator, X, reset, sfreq, info)
    if _is_dataarray(X):
        _refuse_info(info, "a trials DataArray, which carries its own nodes and sfreq")
        return _check_dataarray(estimator, X, reset, sfreq)
    return _check_array(estimator, X, reset, sfreq, info)


def _is_epoch_list(X: Any) -> bool:
    """A list of Epochs: what scikit-learn's indexing (``_safe_indexing``) makes of Epochs."""
    return isinstance(X, list | tuple) and len(X) > 0 and _is_epochs(X[0])


def _check_info(info: Any) -> None:
    mne = sys.modules.get("mne")
    if mne is None or not isinstance(info, mne.Info):
        raise TypeError(
            f"`info` must be an mne.Info (e.g. info=epochs.info) or None, got "
            f"{type(info).__name__}."
        )


def _refuse_info(info: Any, what: str) -> None:
    if info is not None:
        raise ValueError(
            f"`info` describes the channels of EEG/MEG epochs given as a 3-D array "
            f"(n_epochs, n_channels, n_times); X is {what}. Leave info=None for it."
        )


def _info_sfreq(info: Any, sfreq: Any, what: str) -> float:
    """``info['sfreq']``, checked against the ``sfreq`` parameter where that is given."""
    value = _check_sfreq(info["sfreq"], f"{what}['sfreq']")
    if sfreq is not None and not np.isclose(_check_sfreq(sfreq), value):
        raise ValueError(
            f"`sfreq`={sfreq} disagrees with {what}['sfreq']={value:g}; leave sfreq=None "
            f"(the sampling rate is taken from {what})."
        )
    return value


def _check_epochs(estimator, X, reset: bool, sfreq, info) -> Inputs:
    if len(X) == 0:
        raise ValueError("The epochs are empty: no trial to use.")
    if not X.preload:
        X = X.copy().load_data()
    if info is not None:
        if list(info["ch_names"]) != list(X.ch_names) or not np.isclose(
            float(info["sfreq"]), float(X.info["sfreq"])
        ):
            raise ValueError(
                f"`info` ({len(info['ch_names'])} channels at {info['sfreq']:g} Hz) disagrees "
                f"with the epochs' own info ({len(X.ch_names)} channels at "
                f"{X.info['sfreq']:g} Hz); mne.Epochs bring their info: leave info=None, or "
                "set it to these epochs' info."
            )
    rate = _info_sfreq(X.info, sfreq, "the epochs' info")
    _check_n_nodes(estimator, len(X.ch_names), reset, "the channels of the epochs")
    data = np.asarray(X.get_data(), dtype=np.float64)
    return Inputs("epochs", data, rate, float(X.times[0]), source="epochs", info=X.info)


def _check_dataarray(estimator, X, reset: bool, sfreq) -> Inputs:
    from ..trials import check_trials, measure_of, node_coords, node_dim_of

    X = check_trials(X, "X")
    node = node_dim_of(X)
    names = [str(s) for s in X[node].values]
    coords = node_coords(X)
    networks = None
    if "network" in X.coords:
        nets = [str(s) for s in X.coords["network"].values]
        networks = nets if any(nets) else None
    y = None
    if "y" in X.coords:
        values = np.asarray(X.coords["y"].values)
        unset = values.dtype.kind in "iuf" and np.all(values == -1)  # make_trials' filler
        y = None if unset else values
    data_sfreq = _check_sfreq(X.attrs["sfreq"], "X.attrs['sfreq']")
    if sfreq is not None and not np.isclose(_check_sfreq(sfreq), data_sfreq):
        raise ValueError(
            f"`sfreq`={sfreq} disagrees with X.attrs['sfreq']={data_sfreq}; leave sfreq=None "
            "for a trials DataArray."
        )
    common = dict(names=names, coords=coords, networks=networks, y=y, source="dataarray")
    measure = measure_of(X)
    if X.sizes["trial"] == 0:
        raise ValueError("X has no trial: 0 samples; at least 1 is required.")
    if measure == "spike_counts":
        spikes = SpikeTrains.from_counts(X)
        _check_n_nodes(estimator, spikes.n_neurons, reset, "the units of the spike counts")
        return Inputs("spikes", spikes, t_start=spikes.t_start, **common)
    data = np.asarray(X.values, dtype=np.float64)
    _check_n_nodes(estimator, data.shape[1], reset, f"the {node}s of the trials")
    if data.shape[2] == 1:  # e.g. a firing-rate table (measure="rates"): a static pattern
        return Inputs("static", np.ascontiguousarray(data[:, :, 0]), **common)
    t0 = float(X["time"].values[0])
    return Inputs("signals", data, data_sfreq, t0, **common)


def _finite(validate_data, estimator, X, **kwargs) -> np.ndarray:
    """scikit-learn's ``validate_data``, its refusal of NaN/inf as an InvalidInputError with
    the fix."""
    try:
        return validate_data(estimator, X, **kwargs)
    except ValueError as err:
        text = str(err)
        if "NaN" in text or "infinity" in text:
            raise InvalidInputError(
                f"{text.strip()} Clean or drop the trials that hold NaN or infinite values "
                "first (X must be finite)."
            ) from err
        raise


def _check_array(estimator, X, reset: bool, sfreq, info) -> Inputs:
    from sklearn.utils.validation import validate_data

    ndim = getattr(X, "ndim", None)
    if ndim is None:
        ndim = np.asarray(X, dtype=object).ndim if not hasattr(X, "iloc") else 2
    if ndim == 3:
        data = _finite(
            validate_data,
            estimator,
            X,
            reset=reset,
            dtype=np.float64,
            allow_nd=True,
            ensure_min_features=1,
        )
        if info is not None:
            n_info = len(info["ch_names"])
            if data.shape[1] != n_info:
                raise ValueError(
                    f"`info` has {n_info} channels but X has {data.shape[1]} along axis 1; X "
                    "must be (n_epochs, n_channels, n_times) with every channel of `info` in "
                    f"its order: {EPOCHS_FIX} from the same epochs."
                )
            rate = _info_sfreq(info, sfreq, "info")
        elif sfreq is None:
            raise ValueError(
                "A 3-D array X (n_trials, n_parcels, n_times) needs `sfreq`, its sampling "
                "frequency in Hz (or pass a trials DataArray, which carries it); for EEG "
                f"epochs (n_epochs, n_channels, n_times), {EPOCHS_FIX}."
            )
        else:
            rate = _check_sfreq(sfreq)
        if data.shape[2] < 2:
            raise ValueError(
                f"X has {data.shape[2]} time sample; a time series needs at least 2 (pass a "
                "2-D array (n_samples, n_features) for static patterns)."
            )
        if info is not None:
            return Inputs("epochs", data, rate, 0.0, source="array", info=info)
        return Inputs("signals", data, rate, 0.0)
    if ndim is not None and ndim > 3:
        raise InvalidInputError(
            f"X must be 2-D (n_samples, n_features) or 3-D (n_trials, n_parcels, n_times), "
            f"got {ndim} dimensions. For mne.Epochs in scikit-learn's cross-validation "
            f"helpers, {EPOCHS_FIX} (3-D: n_epochs, n_channels, n_times)."
        )
    _refuse_info(info, f"a {ndim}-D array" if ndim is not None else type(X).__name__)
    # 2-D (and anything else: validate_data says what is wrong with 1-D or scalar input)
    data = _finite(validate_data, estimator, X, reset=reset, dtype=np.float64)
    names = None
    if getattr(estimator, "feature_names_in_", None) is not None:
        names = [str(s) for s in estimator.feature_names_in_]
    return Inputs("static", np.ascontiguousarray(data), names=names)


def check_same_kind(estimator, inputs: Inputs) -> None:
    """Raise if ``inputs`` are not of the kind the estimator was fitted on."""
    fitted = getattr(estimator, "input_kind_", None)
    if fitted is not None and inputs.kind != fitted:
        raise ValueError(
            f"{type(estimator).__name__} was fitted on {fitted} input but got {inputs.kind} "
            f"input; transform data of the same kind (see the estimator's docstring)."
        )


def check_target(
    y: Any, n_samples: int, *, classification: bool, multi_output: bool = False
) -> np.ndarray:
    """Validate a target: one per sample, finite.

    Parameters
    ----------
    y : array-like | None
        The target.
    n_samples : int
        The number of trials of ``X``.
    classification : bool
        Class labels (1-D; a column vector warns and is raveled) rather than a continuous
        target.
    multi_output : bool
        For a continuous target: also take a 2-D ``y`` ``(n_samples, n_targets)``, kept 2-D
        (a column vector too, without a warning: the final estimator decides the shape of
        its predictions, as scikit-learn's Ridge does); ``False``: 1-D only, as class labels.

    Returns
    -------
    y : ndarray
        Class labels as given, or float64 targets, shape ``(n_samples,)`` or
        ``(n_samples, n_targets)``.
    """
    from sklearn.utils import column_or_1d
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import _assert_all_finite

    if y is None:
        raise ValueError(
            "requires y to be passed, but the target y is None (a trials DataArray can carry "
            "it as its 'y' coordinate)."
        )
    if multi_output and not classification:
        return _check_regression_targets(y, n_samples)
    y = column_or_1d(y, warn=True)
    _check_n_targets(y, n_samples)
    if classification:
        if y.dtype.kind in "fc":
            _assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size < 2:  # caught here, before any simulation
            raise InvalidInputError(
                f"y has one class only ({classes[0].item()!r}); a classifier needs at least "
                "2 classes."
            )
        return y
    y = _as_float_target(y)
    _assert_all_finite(y, input_name="y")
    return y


def _check_n_targets(y: np.ndarray, n_samples: int) -> None:
    """Raise unless ``y`` has one row per trial of X."""
    if y.shape[0] != n_samples:
        raise InvalidInputError(
            f"Found input variables with inconsistent numbers of samples: [{n_samples}, "
            f"{y.shape[0]}] (X has {n_samples} trials, y has shape {y.shape}); pass one "
            "target (one row of y) per trial of X, in the same order."
        )


def _as_float_target(y: np.ndarray) -> np.ndarray:
    """A continuous target as float64 (numeric values only)."""
    if y.dtype.kind not in "iufb":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"A regression target must be numeric, got values of dtype {y.dtype} (y has "
                f"shape {y.shape})."
            ) from None
    return y.astype(np.float64, copy=False)


def _check_regression_targets(y: Any, n_samples: int) -> np.ndarray:
    """A continuous target of shape (n_samples,) or (n_samples, n_targets), finite."""
    y = np.asarray(y)
    if y.ndim not in (1, 2):
        raise ValueError(
            f"y must be 1-D (n_trials,) for one target or 2-D (n_trials, n_targets) for "
            f"several, got an array of shape {y.shape}; reshape it to one row per trial."
        )
    if y.ndim == 2 and y.shape[1] == 0:
        raise ValueError(
            f"y has shape {y.shape}: no target column. Pass y of shape (n_trials,) for one "
            "target or (n_trials, n_targets) with at least one column."
        )
    _check_n_targets(y, n_samples)
    y = _as_float_target(y)
    bad = ~np.isfinite(y)
    if bad.any():
        kinds = [("NaN", np.isnan(y)), ("infinity", np.isinf(y))]
        what = " and ".join(name for name, found in kinds if found.any())
        rows = bad if y.ndim == 1 else bad.any(axis=1)
        where = f"at {int(rows.sum())} of {y.shape[0]} trials"
        if y.ndim == 2:
            where = f"in column(s) {np.flatnonzero(bad.any(axis=0)).tolist()} of y, {where}"
        where += f" (y has shape {y.shape})"
        raise ValueError(
            f"Input y contains {what} {where}; a regression target must be finite: drop "
            "those trials (from X and y) or impute their targets before fitting."
        )
    return y

"""Peer baselines: the decoders people would use instead of S2-Net, with a registry by name.

Every builder returns a fresh, unfitted scikit-learn estimator that takes the trials as a
3-D array ``(n_trials, n_nodes, n_times)`` (EEG sensors or parcels, fMRI voxels or
parcels, recorded units; ``trials.values`` of a DataArray of the s2decode data model).
:func:`features_of` gives a peer's feature extractor (its pipeline without the
classifier), which ``benchmarks/decoding.py`` concatenates with S2-Net's features.

Pipelines (``pipelines/*.yaml``) name peers through :data:`PEERS`: each entry's factory
builds the estimator from the trials it will see (their ``sfreq``, their ``mask_img``), so
a pipeline file only gives the name and, optionally, keyword parameters
(:func:`make_peer`).

==========================  ===========================================================
peer                        pipeline
==========================  ===========================================================
:func:`csp_lda`             7-30 Hz band-pass + MNE :class:`~mne.decoding.CSP`
                            (log-variance of 4 spatial filters) + linear discriminant
                            analysis
:func:`tangent_space_lr`    7-30 Hz band-pass + pyRiemann
                            :class:`~pyriemann.estimation.Covariances` (OAS shrinkage)
                            + :class:`~pyriemann.tangentspace.TangentSpace` + logistic
                            regression (needs ``pip install pyriemann``)
:func:`bandpower_lr`        log band power per channel and band (Welch, MNE) + logistic
                            regression
:func:`anova_svc`           block-mean pattern + ANOVA screening + linear SVC
:func:`nilearn_decoder`     :class:`nilearn.decoding.Decoder` (ANOVA screening,
                            L2 SVC, inner CV over C) on the block-mean images
:func:`spike_counts_lr`     spike counts per unit (whole window or bins) + logistic
                            regression
:func:`rates_lr`            firing rates per unit + logistic regression
==========================  ===========================================================
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.feature_selection import SelectPercentile, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from .estimators.front_end import STANDARD_BANDS

if TYPE_CHECKING:
    import xarray as xr

#: Frequency bands (Hz) of :func:`bandpower_lr`: delta, theta, alpha/mu, low and high beta,
#: low gamma (the filter bank of ``S2Featurizer(bands="auto")`` too). The recordings are
#: band-passed to at most 1-45 Hz by their loaders.
BANDS: tuple[tuple[float, float], ...] = STANDARD_BANDS

__all__ = [
    "BANDS",
    "PEERS",
    "LogBandPower",
    "NiftiArrayDecoder",
    "PeerInfo",
    "SpikeCounts",
    "anova_svc",
    "bandpower_lr",
    "check_peer_params",
    "csp_lda",
    "features_of",
    "make_peer",
    "nilearn_decoder",
    "peer_label",
    "rates_lr",
    "spike_counts_lr",
    "tangent_space_lr",
    "time_mean",
    "xdawn_tangent_space_lr",
]


def _check_3d(X: Any, who: str) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 3:
        raise ValueError(
            f"{who} expects trials of shape (n_trials, n_nodes, n_times), got an array of "
            f"shape {X.shape}; pass trials.values of a trials DataArray."
        )
    return X


def _check_fitted_3d(estimator: BaseEstimator, X: Any, rows: str) -> np.ndarray:
    """``X`` for ``estimator.transform``: fitted, 3-D, with the ``rows`` it was fitted on."""
    check_is_fitted(estimator)
    name = type(estimator).__name__
    X = _check_3d(X, name)
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} {rows} but {name} was fitted with {estimator.n_features_in_}."
        )
    return X


# --------------------------------------------------------------------------- transformers
def _mean_over_time(X: np.ndarray) -> np.ndarray:
    return _check_3d(X, "time_mean").mean(axis=-1)


def _flatten(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    return X.reshape(len(X), -1)


def time_mean() -> FunctionTransformer:
    """Average each node over the trial's time samples: ``(n, nodes, times) -> (n, nodes)``."""
    return FunctionTransformer(_mean_over_time)


class LogBandPower(TransformerMixin, BaseEstimator):
    """Log10 of the mean Welch power of each channel in each frequency band.

    Stateless: ``fit`` only checks the input. Uses :func:`mne.time_frequency.psd_array_welch`
    with Hamming windows of ``segment`` seconds and half overlap.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz of the trials.
    bands : sequence of (float, float)
        Frequency bands ``(low, high)`` in Hz; each must lie below the Nyquist frequency.
    segment : float
        Length in seconds of the Welch segments (shorter trials use one segment).

    Attributes
    ----------
    n_features_in_ : int
        Number of channels seen in ``fit``.
    """

    def __init__(
        self, sfreq: float, bands: Sequence[tuple[float, float]] = BANDS, segment: float = 1.0
    ):
        self.sfreq = sfreq
        self.bands = bands
        self.segment = segment

    def _check_params(self) -> np.ndarray:
        bands = np.asarray(self.bands, dtype=float)
        if bands.ndim != 2 or bands.shape[1] != 2 or len(bands) == 0:
            raise ValueError(f"`bands` must be a sequence of (low, high) pairs, got {self.bands}.")
        if np.any(bands[:, 0] >= bands[:, 1]) or np.any(bands < 0):
            raise ValueError(f"Each band of `bands` needs 0 <= low < high, got {self.bands}.")
        if not self.sfreq > 0:
            raise ValueError(f"`sfreq` must be a positive number of Hz, got {self.sfreq!r}.")
        if np.any(bands[:, 1] > self.sfreq / 2):
            raise ValueError(
                f"`bands` reach {bands[:, 1].max()} Hz, above the Nyquist frequency "
                f"{self.sfreq / 2} Hz of sfreq={self.sfreq}."
            )
        return bands

    def fit(self, X, y=None):
        """Check the parameters and remember the number of channels."""
        self._check_params()
        self.n_features_in_ = _check_3d(X, type(self).__name__).shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        """Log band power, shape ``(n_trials, n_channels * n_bands)`` (channel-major)."""
        from mne.time_frequency import psd_array_welch

        X = _check_fitted_3d(self, X, "channels")
        bands = self._check_params()
        n_fft = int(min(X.shape[-1], round(self.segment * self.sfreq)))
        psd, freqs = psd_array_welch(
            X,
            self.sfreq,
            fmin=bands.min(),
            fmax=bands.max(),
            n_fft=n_fft,
            n_overlap=n_fft // 2,
            verbose=False,
        )
        power = []
        for low, high in bands:
            sel = (freqs >= low) & (freqs < high)
            if not sel.any():
                raise ValueError(
                    f"No frequency bin of the {n_fft}-sample Welch segments falls in the band "
                    f"{low}-{high} Hz; raise `segment` or widen the band."
                )
            power.append(psd[..., sel].mean(axis=-1))
        power = np.stack(power, axis=-1)  # (n_trials, n_channels, n_bands)
        return np.log10(np.maximum(power, np.finfo(float).tiny)).reshape(len(X), -1)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names ``"<channel>_<low>-<high>Hz"`` of the features."""
        check_is_fitted(self)
        if input_features is None:
            input_features = [f"ch{i}" for i in range(self.n_features_in_)]
        return np.array(
            [f"{ch}_{low:g}-{high:g}Hz" for ch in input_features for low, high in self.bands],
            dtype=object,
        )


class SpikeCounts(TransformerMixin, BaseEstimator):
    """Spike counts of each unit over the whole trial or in consecutive bins.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz of the count bins of the input.
    bin_size : float | None
        Width in seconds of the output bins; ``None`` counts over the whole trial. A
        trailing part shorter than a bin is dropped.

    Attributes
    ----------
    n_features_in_ : int
        Number of units seen in ``fit``.
    """

    def __init__(self, sfreq: float, bin_size: float | None = None):
        self.sfreq = sfreq
        self.bin_size = bin_size

    def _samples_per_bin(self, n_times: int) -> int:
        if not self.sfreq > 0:
            raise ValueError(f"`sfreq` must be a positive number of Hz, got {self.sfreq!r}.")
        if self.bin_size is None:
            return n_times
        per_bin = round(self.bin_size * self.sfreq)
        if per_bin < 1 or not np.isclose(per_bin, self.bin_size * self.sfreq):
            raise ValueError(
                f"`bin_size`={self.bin_size} s must be a whole number of input samples "
                f"(1/sfreq = {1 / self.sfreq} s)."
            )
        if per_bin > n_times:
            raise ValueError(
                f"`bin_size`={self.bin_size} s is longer than the trials "
                f"({n_times / self.sfreq} s)."
            )
        return per_bin

    def fit(self, X, y=None):
        """Check the parameters and remember the number of units."""
        X = _check_3d(X, type(self).__name__)
        self._samples_per_bin(X.shape[-1])
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        """Counts, shape ``(n_trials, n_units * n_bins)`` (unit-major)."""
        X = _check_fitted_3d(self, X, "units")
        per_bin = self._samples_per_bin(X.shape[-1])
        n_bins = X.shape[-1] // per_bin
        X = X[..., : n_bins * per_bin].reshape(len(X), X.shape[1], n_bins, per_bin)
        return X.sum(axis=-1).reshape(len(X), -1)


class NiftiArrayDecoder(ClassifierMixin, BaseEstimator):
    """:class:`nilearn.decoding.Decoder` on voxel patterns given as an array.

    The rows of ``X`` (trials x voxels of ``mask_img``, in the mask's C order, which is
    the order of :class:`nilearn.maskers.NiftiMasker` and of the ``voxel`` axis of
    ``s2decode.datasets.load("haxby", atlas=None)``) are put back into a 4-D image, so
    that the Decoder runs exactly as a nilearn user runs it (its ANOVA screening, its inner
    cross-validation and averaging of the best linear models), while the outer
    cross-validation is the benchmark's.

    Parameters
    ----------
    mask_img : path-like | Niimg
        The mask whose voxels are the columns of ``X``.
    estimator : str
        Decoder estimator (``"svc"``: L2 linear SVC).
    screening_percentile : float
        Percentile of voxels kept by the ANOVA screening (nilearn rescales it to the mask
        size relative to an MNI brain).
    cv : int
        Inner cross-validation folds of the Decoder (on the training trials only).
    standardize : bool
        Let the Decoder z-score each voxel. ``False`` by default: the loader already
        z-scores each voxel within each run, and nilearn would z-score a test set by its
        own statistics.
    scoring : str
        Inner model-selection score.
    """

    def __init__(
        self,
        mask_img: Any,
        estimator: str = "svc",
        screening_percentile: float = 20,
        cv: int = 5,
        standardize: bool = False,
        scoring: str = "accuracy",
    ):
        self.mask_img = mask_img
        self.estimator = estimator
        self.screening_percentile = screening_percentile
        self.cv = cv
        self.standardize = standardize
        self.scoring = scoring

    def _to_img(self, X):
        import nibabel as nib
        from nilearn.image import get_data, load_img

        mask = load_img(self.mask_img)
        inside = get_data(mask) != 0
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != int(inside.sum()):
            raise ValueError(
                f"NiftiArrayDecoder expects X of shape (n_trials, {int(inside.sum())}) (the "
                f"voxels of mask_img), got {X.shape}."
            )
        data = np.zeros((*inside.shape, len(X)), dtype=np.float32)
        data[inside] = X.T  # boolean indexing walks the mask in C order
        return nib.Nifti1Image(data, mask.affine)

    def fit(self, X, y):
        """Fit the nilearn Decoder on the training trials."""
        from nilearn.decoding import Decoder

        X, y = validate_data(self, X, y)
        self.classes_ = unique_labels(y)
        self.decoder_ = Decoder(
            estimator=self.estimator,
            mask=self.mask_img,
            cv=self.cv,
            screening_percentile=self.screening_percentile,
            scoring=self.scoring,
            standardize=self.standardize,
        )
        self.decoder_.fit(self._to_img(X), y)
        return self

    def predict(self, X) -> np.ndarray:
        """Predicted class of each trial."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return np.asarray(self.decoder_.predict(self._to_img(X)))


# --------------------------------------------------------------------------- EEG peers
def _band_pass(sfreq: float | None, band: tuple[float, float] | None) -> list:
    """A leading MNE TemporalFilter step (zero-phase FIR on each trial), or none."""
    if band is None:
        return []
    if sfreq is None:
        raise ValueError("Give `sfreq` (Hz) with `band`: the band-pass needs it.")
    from mne.decoding import TemporalFilter

    return [("bandpass", TemporalFilter(l_freq=band[0], h_freq=band[1], sfreq=sfreq))]


def csp_lda(
    sfreq: float | None = None,
    band: tuple[float, float] | None = (7.0, 30.0),
    n_components: int = 4,
) -> Pipeline:
    """MNE band-pass + CSP + LDA, the classic motor-imagery decoder (MNE's CSP example).

    Parameters
    ----------
    sfreq : float | None
        Sampling frequency in Hz (needed with ``band``).
    band : (float, float) | None
        Band-pass in Hz applied to each trial before CSP (default 7-30 Hz: mu and beta
        rhythms, as in MNE's motor-imagery example); ``None`` uses the trials as given.
    n_components : int
        Number of CSP spatial filters.
    """
    from mne.decoding import CSP

    return Pipeline(
        [
            *_band_pass(sfreq, band),
            ("csp", CSP(n_components=n_components, log=True, norm_trace=False)),
            ("lda", LinearDiscriminantAnalysis()),
        ]
    )


def tangent_space_lr(
    sfreq: float | None = None,
    band: tuple[float, float] | None = (7.0, 30.0),
    estimator: str = "oas",
    C: float = 1.0,
) -> Pipeline:
    """pyRiemann band-pass + Covariances + TangentSpace + logistic regression.

    Parameters
    ----------
    sfreq, band
        As :func:`csp_lda`: the band-pass (default 7-30 Hz, as in pyRiemann's motor-imagery
        examples) comes before the covariances.
    estimator : str
        Covariance estimator of :class:`pyriemann.estimation.Covariances` (``"oas"``:
        Oracle Approximating Shrinkage, well conditioned on short trials).
    C : float
        Inverse regularisation of the logistic regression.
    """
    try:
        from pyriemann.estimation import Covariances
        from pyriemann.tangentspace import TangentSpace
    except ImportError as err:
        raise ImportError(
            "The tangent_space_lr peer needs pyRiemann, which is not installed: "
            "`pip install pyriemann` (or `pip install s2decode[benchmark]`)."
        ) from err

    return Pipeline(
        [
            *_band_pass(sfreq, band),
            ("cov", Covariances(estimator=estimator)),
            ("ts", TangentSpace(metric="riemann")),
            ("scale", StandardScaler()),
            ("lr", LogisticRegression(C=C, max_iter=2000)),
        ]
    )


def xdawn_tangent_space_lr(n_filters: int = 2, C: float = 1.0) -> Pipeline:
    """pyRiemann xDAWN covariances + TangentSpace + logistic regression: the usual decoder
    of evoked responses (P300, oddball), as in pyRiemann's ERP examples.

    Parameters
    ----------
    n_filters : int
        xDAWN filters per class.
    C : float
        Inverse regularisation of the logistic regression.
    """
    try:
        from pyriemann.estimation import XdawnCovariances
        from pyriemann.tangentspace import TangentSpace
    except ImportError as err:
        raise ImportError(
            "The xdawn_tangent_space_lr peer needs pyRiemann, which is not installed: "
            "`pip install pyriemann`."
        ) from err

    return Pipeline(
        [
            ("xdawn", XdawnCovariances(nfilter=n_filters, estimator="oas")),
            ("ts", TangentSpace(metric="riemann")),
            ("scale", StandardScaler()),
            ("lr", LogisticRegression(C=C, max_iter=2000)),
        ]
    )


def bandpower_lr(
    sfreq: float,
    bands: Sequence[tuple[float, float]] = BANDS,
    C: float = 1.0,
    class_weight: str | None = None,
) -> Pipeline:
    """Log band power + logistic regression.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz of the trials.
    bands : sequence of (float, float)
        Frequency bands in Hz (default :data:`BANDS`).
    C : float
        Inverse regularisation of the logistic regression.
    class_weight : {"balanced"} | None
        Class weights of the logistic regression (``"balanced"`` for imbalanced classes).
    """
    return Pipeline(
        [
            ("bandpower", LogBandPower(sfreq=sfreq, bands=bands)),
            ("scale", StandardScaler()),
            ("lr", LogisticRegression(C=C, class_weight=class_weight, max_iter=2000)),
        ]
    )


# --------------------------------------------------------------------------- fMRI peers
def anova_svc(percentile: float = 20, C: float = 1.0, random_state: int | None = 0) -> Pipeline:
    """ANOVA screening + linear SVC on the block-mean voxel patterns (nilearn's Haxby
    example, written in scikit-learn).

    Parameters
    ----------
    percentile : float
        Percentage of voxels kept by the ANOVA F-test (on the training trials).
    C : float
        Regularisation of the linear SVC.
    random_state : int | None
        Seed of the SVC solver.
    """
    return Pipeline(
        [
            ("mean", time_mean()),
            ("scale", StandardScaler()),
            ("anova", SelectPercentile(f_classif, percentile=percentile)),
            ("svc", LinearSVC(C=C, random_state=random_state)),
        ]
    )


def nilearn_decoder(mask_img: str | os.PathLike | Any, cv: int = 5) -> Pipeline:
    """:class:`nilearn.decoding.Decoder` (``estimator="svc"``) on the block-mean images.

    Parameters
    ----------
    mask_img : path-like | Niimg
        Mask whose voxels are the trials' voxel axis.
    cv : int
        Inner cross-validation folds of the Decoder.
    """
    return Pipeline([("mean", time_mean()), ("decoder", NiftiArrayDecoder(mask_img, cv=cv))])


# --------------------------------------------------------------------------- spike peers
def spike_counts_lr(sfreq: float, bin_size: float | None = None, C: float = 1.0) -> Pipeline:
    """Spike counts + logistic regression.

    Parameters
    ----------
    sfreq : float
        Sampling frequency in Hz of the count bins of the input.
    bin_size : float | None
        Count over the whole trial (``None``) or in bins of ``bin_size`` seconds.
    C : float
        Inverse regularisation of the logistic regression.
    """
    return Pipeline(
        [
            ("counts", SpikeCounts(sfreq=sfreq, bin_size=bin_size)),
            ("scale", StandardScaler()),
            ("lr", LogisticRegression(C=C, max_iter=2000)),
        ]
    )


def rates_lr(C: float = 1.0) -> Pipeline:
    """Firing rates per unit + logistic regression (multinomial for several classes).

    Parameters
    ----------
    C : float
        Inverse regularisation of the logistic regression.
    """
    return Pipeline(
        [
            ("flatten", FunctionTransformer(_flatten)),
            ("scale", StandardScaler()),
            ("lr", LogisticRegression(C=C, max_iter=2000)),
        ]
    )


def features_of(pipeline: Pipeline) -> Pipeline:
    """The feature extractor of a peer: a clone of every step of its pipeline but the
    classifier.

    The nilearn Decoder has no separate feature step; its features are taken to be those
    of :func:`anova_svc` (block mean, standardised, ANOVA-screened), which is what it
    screens and fits internally.
    """
    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) < 2:
        raise ValueError("`pipeline` must be a peer Pipeline with a classifier as last step.")
    if isinstance(pipeline[-1], NiftiArrayDecoder):
        percentile = pipeline[-1].screening_percentile
        return clone(anova_svc(percentile=percentile)[:-1])
    return clone(pipeline[:-1])


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class PeerInfo:
    """A peer baseline as pipelines name it.

    Parameters
    ----------
    name : str
        Registry key (``peers: [name]`` in a pipeline file).
    label : str
        How the scores table names it.
    measures : tuple of str
        Values of the trials' ``measure`` attribute (:data:`s2decode.trials.MEASURES`) it
        decodes.
    factory : callable
        ``factory(trials, **params) -> estimator``: an unfitted scikit-learn estimator that
        takes ``trials.values`` as ``X``; ``params`` are keyword-only.
    """

    name: str
    label: str
    measures: tuple[str, ...]
    factory: Callable[..., BaseEstimator]

    @property
    def params(self) -> dict[str, Any]:
        """The keyword parameters of :attr:`factory` and their defaults."""
        sig = inspect.signature(self.factory)
        return {p.name: p.default for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY}


def _sfreq(trials: xr.DataArray, name: str) -> float:
    sfreq = trials.attrs.get("sfreq")
    if sfreq is None or not float(sfreq) > 0:
        raise ValueError(
            f"Peer {name!r} needs the sampling frequency: trials.attrs['sfreq'] is {sfreq!r}; "
            "build the trials with s2decode.trials.make_trials (or a dataset loader)."
        )
    return float(sfreq)


def _band(band: Sequence[float] | None) -> tuple[float, float] | None:
    # YAML gives lists; the builders take (low, high) tuples
    return None if band is None else (float(band[0]), float(band[1]))


def _csp_lda_factory(
    trials: xr.DataArray, *, band: Sequence[float] | None = (7.0, 30.0), n_components: int = 4
) -> Pipeline:
    return csp_lda(_sfreq(trials, "csp_lda"), band=_band(band), n_components=n_components)


def _tangent_space_lr_factory(
    trials: xr.DataArray,
    *,
    band: Sequence[float] | None = (7.0, 30.0),
    estimator: str = "oas",
    C: float = 1.0,
) -> Pipeline:
    sfreq = _sfreq(trials, "tangent_space_lr")
    return tangent_space_lr(sfreq, band=_band(band), estimator=estimator, C=C)


def _xdawn_tangent_space_lr_factory(
    trials: xr.DataArray, *, n_filters: int = 2, C: float = 1.0
) -> Pipeline:
    return xdawn_tangent_space_lr(n_filters=n_filters, C=C)


def _bandpower_lr_factory(
    trials: xr.DataArray,
    *,
    bands: Sequence[Sequence[float]] = BANDS,
    C: float = 1.0,
    class_weight: str | None = None,
) -> Pipeline:
    bands = tuple((float(lo), float(hi)) for lo, hi in bands)
    return bandpower_lr(_sfreq(trials, "bandpower_lr"), bands=bands, C=C, class_weight=class_weight)


def _anova_svc_factory(
    trials: xr.DataArray, *, percentile: float = 20, C: float = 1.0, random_state: int | None = 0
) -> Pipeline:
    return anova_svc(percentile=percentile, C=C, random_state=random_state)


def _nilearn_decoder_factory(trials: xr.DataArray, *, cv: int = 5) -> Pipeline:
    from .trials import node_dim_of

    mask_img = trials.attrs.get("mask_img")
    node = node_dim_of(trials)
    if mask_img is None or node != "voxel":
        raise ValueError(
            "Peer 'nilearn_decoder' needs voxel trials (node dim 'voxel', got "
            f"{node!r}) with the mask of their voxels in trials.attrs['mask_img'] "
            f"(got {mask_img!r}). For haxby, load the voxels (dataset option atlas: null); "
            "the pipeline loader then records the mask. Otherwise use the 'anova_svc' peer."
        )
    return nilearn_decoder(mask_img, cv=cv)


def _spike_counts_lr_factory(
    trials: xr.DataArray, *, bin_size: float | None = None, C: float = 1.0
) -> Pipeline:
    return spike_counts_lr(_sfreq(trials, "spike_counts_lr"), bin_size=bin_size, C=C)


def _rates_lr_factory(trials: xr.DataArray, *, C: float = 1.0) -> Pipeline:
    return rates_lr(C=C)


def _registry(*infos: PeerInfo) -> Mapping[str, PeerInfo]:
    return MappingProxyType({info.name: info for info in infos})


#: The peer baselines by name (read-only).
PEERS: Mapping[str, PeerInfo] = _registry(
    PeerInfo("csp_lda", "CSP + LDA (MNE)", ("continuous",), _csp_lda_factory),
    PeerInfo(
        "tangent_space_lr",
        "Riemann tangent space + LR (pyRiemann)",
        ("continuous",),
        _tangent_space_lr_factory,
    ),
    PeerInfo(
        "xdawn_tangent_space_lr",
        "xDAWN covariances + tangent space + LR (pyRiemann)",
        ("continuous",),
        _xdawn_tangent_space_lr_factory,
    ),
    PeerInfo("bandpower_lr", "log band power + LR", ("continuous",), _bandpower_lr_factory),
    PeerInfo("anova_svc", "ANOVA + linear SVC", ("continuous", "rates"), _anova_svc_factory),
    PeerInfo("nilearn_decoder", "nilearn Decoder (SVC)", ("continuous",), _nilearn_decoder_factory),
    PeerInfo("spike_counts_lr", "spike count + LR", ("spike_counts",), _spike_counts_lr_factory),
    PeerInfo("rates_lr", "firing rates + LR", ("rates",), _rates_lr_factory),
)


def _peer_info(name: str) -> PeerInfo:
    if name not in PEERS:
        raise ValueError(f"Unknown peer {name!r}; choose one of {', '.join(map(repr, PEERS))}.")
    return PEERS[name]


def _plain(value: Any) -> Any:
    """Lists as tuples, recursively, so that YAML values compare equal to the defaults."""
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    return value


def check_peer_params(name: str, params: Mapping[str, Any]) -> None:
    """Raise if ``name`` is not a peer or ``params`` are not its keyword parameters.

    Parameters
    ----------
    name : str
        A key of :data:`PEERS`.
    params : mapping
        Keyword parameters for its factory.

    Raises
    ------
    ValueError
        Naming the unknown peer or parameter and what is allowed.
    """
    allowed = _peer_info(name).params
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        choices = ", ".join(allowed) if allowed else "none"
        raise ValueError(
            f"Peer {name!r} has no parameter {', '.join(map(repr, unknown))}; its parameters "
            f"are: {choices}."
        )


def peer_label(name: str, params: Mapping[str, Any] | None = None) -> str:
    """The label of a peer in the scores: its :attr:`PeerInfo.label`, followed by the
    parameters that differ from the defaults, e.g. ``"spike count + LR [bin_size=0.1]"``."""
    info = _peer_info(name)
    params = dict(params or {})
    check_peer_params(name, params)
    defaults = info.params
    changed = [
        f"{key}={_plain(value)!r}"
        for key, value in params.items()
        if _plain(value) != _plain(defaults[key])
    ]
    return f"{info.label} [{', '.join(changed)}]" if changed else info.label


def make_peer(name: str, trials: xr.DataArray, **params: Any) -> tuple[str, BaseEstimator]:
    """Build a peer baseline for the given trials.

    Parameters
    ----------
    name : str
        A key of :data:`PEERS`.
    trials : xarray.DataArray
        The trials the peer will be fitted on (:mod:`s2decode.trials`); their attributes
        (``sfreq``, ``measure``, ``mask_img``) set up the estimator.
    **params
        Keyword parameters of the peer (see :attr:`PeerInfo.params`).

    Returns
    -------
    label : str
        :func:`peer_label` of the peer.
    estimator : sklearn estimator
        Unfitted; fit it on ``trials.values`` and the labels.

    Raises
    ------
    ValueError
        Unknown peer or parameter, or trials of a measure the peer does not decode.
    ImportError
        ``tangent_space_lr`` without pyRiemann.
    """
    from .trials import measure_of

    info = _peer_info(name)
    label = peer_label(name, params)
    measure = measure_of(trials)
    if measure not in info.measures:
        fitting = [p.name for p in PEERS.values() if measure in p.measures]
        raise ValueError(
            f"Peer {name!r} decodes {' or '.join(info.measures)} trials, but these trials are "
            f"{measure!r} (trials.attrs['measure']); peers for them: "
            f"{', '.join(fitting) or 'none'}."
        )
    return label, info.factory(trials, **params)

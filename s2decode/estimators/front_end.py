"""Front ends of S2Featurizer: which signals become the network's neurons.

A front end is learned in ``fit`` on the training trials only and applied unchanged to any
trials afterwards. It has three steps, each one parameter of
:class:`~s2decode.estimators.S2Featurizer`:

1. **spatial** (``spatial=``): the nodes as given (parcels, electrodes, voxels), or
   components learned with the labels: common spatial patterns (CSP, band power, two or
   more classes), xDAWN (evoked responses), or an ANOVA screen of the nodes (fMRI).
   A component sits at the MNI centroid of its pattern, so the distance scaffold and the
   conduction delays keep their anatomy;
2. **bands** (``bands=``): a filter bank; every (node, band) pair becomes one neuron;
3. **coding** (``band_coding=``): a band's analytic amplitude (its envelope: the neuron's
   rate follows the band's power) or the band-limited signal itself (the neuron follows
   the rhythm's phase).

The maths are plain functions (:func:`band_pass`, :func:`filter_bank`,
:func:`analytic_amplitude`, :func:`csp_filters`, :func:`xdawn_filters`,
:func:`anova_screen`, :func:`pattern_centroids`); :class:`FrontEnd` is the fitted record the
featurizer keeps.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import check_option

#: The filter bank of ``bands="auto"`` (Hz): delta, theta, alpha/mu, low and high beta,
#: low gamma; the bands of the log-band-power baseline (:data:`s2decode.peers.BANDS`).
STANDARD_BANDS: tuple[tuple[float, float], ...] = (
    (1.0, 4.0),
    (4.0, 8.0),
    (8.0, 13.0),
    (13.0, 20.0),
    (20.0, 30.0),
    (30.0, 40.0),
)
#: Values of ``spatial``.
SPATIAL_METHODS = ("auto", "none", "csp", "xdawn", "anova")
#: Values of ``band_coding``.
BAND_CODINGS = ("amplitude", "signal")
#: Nodes above which ``spatial="auto"`` learns components (or screens nodes).
MAX_NODES_AS_GIVEN = 16
#: Components per band (CSP) or per class (xDAWN) when ``n_components=None``.
DEFAULT_COMPONENTS = {"csp": 4, "xdawn": 4}
#: Fraction of the nodes an ANOVA screen keeps when ``n_components=None`` (at least
#: :data:`MAX_NODES_AS_GIVEN`); the ANOVA + SVC baseline keeps the same 20 %.
ANOVA_FRACTION = 0.2
#: Fewest training trials of a class for an inner cross-validated choice (fewer: none).
MIN_TRIALS_TO_CHOOSE = 5
#: Equal windows of the features when ``bands="auto"`` finds an evoked response (and
#: ``windows=None``): the time course of the response, in eighths of the trial.
EVOKED_WINDOWS = 8
# A band is kept if its upper edge is below this fraction of the Nyquist frequency.
_NYQUIST_MARGIN = 0.9


def band_label(band: tuple[float, float]) -> str:
    """``"8-13Hz"`` for ``(8, 13)``."""
    return f"{band[0]:g}-{band[1]:g}Hz"


def resolve_bands(bands: Any, sfreq: float | None) -> tuple[tuple[float, float], ...] | None:
    """The filter bank for data sampled at ``sfreq`` Hz, checked.

    Parameters
    ----------
    bands : None | "auto" | (float, float) | sequence of (float, float)
        ``None``: no filter bank. ``"auto"``: :data:`STANDARD_BANDS` below 90 % of the
        Nyquist frequency (none for slow signals such as fMRI). A band or bands in Hz.
    sfreq : float | None
        Sampling frequency of the time series (``None``: not a time series).

    Returns
    -------
    bands : tuple of (float, float) | None
    """
    if bands is None:
        return None
    nyquist = None if sfreq is None else 0.5 * float(sfreq)
    if isinstance(bands, str):
        if bands != "auto":
            raise ValueError(
                f"`bands` must be None, 'auto', a band (low, high) in Hz or a sequence of "
                f"bands; got {bands!r}."
            )
        if nyquist is None:
            return None
        kept = tuple(b for b in STANDARD_BANDS if b[1] < _NYQUIST_MARGIN * nyquist)
        return kept or None
    if nyquist is None:
        raise ValueError(
            "`bands` filters time series; these inputs are not (static patterns or spike "
            "trains). Leave bands=None."
        )
    array = np.asarray(bands, dtype=float)
    if array.ndim == 1:
        array = array[np.newaxis]
    if array.ndim != 2 or array.shape[1] != 2 or len(array) == 0:
        raise ValueError(
            f"`bands` must be a band (low, high) in Hz or a sequence of them; got {bands!r}."
        )
    for low, high in array:
        if not (np.isfinite(low) and np.isfinite(high) and 0 < low < high < nyquist):
            raise ValueError(
                f"Band ({low:g}, {high:g}) Hz in `bands` must have 0 < low < high < the "
                f"Nyquist frequency ({nyquist:g} Hz of these data)."
            )
    return tuple((float(lo), float(hi)) for lo, hi in array)


def band_pass(data: np.ndarray, sfreq: float, band: tuple[float, float]) -> np.ndarray:
    """Zero-phase FIR band-pass of each time series (the last axis).

    MNE's filter design (:func:`mne.filter.create_filter` with its defaults, the filter of
    the CSP and tangent-space baselines' ``mne.decoding.TemporalFilter``), applied to all
    series at once by FFT convolution, with MNE's padding (odd reflection at both ends);
    MNE filters one series at a time, which would dominate the cost of a filter bank.
    """
    return filter_bank(data, sfreq, [band])[0]


def filter_bank(
    data: np.ndarray, sfreq: float, bands: Sequence[tuple[float, float]]
) -> list[np.ndarray]:
    """:func:`band_pass` of the same series in several bands, the series transformed once.

    One padding and one forward FFT of the data serve every band (a band costs one product
    and one inverse FFT): the padding is the longest filter's, and the samples a shorter
    filter would not have reached only meet its zero taps. A filter longer than the series
    (MNE pads it by the series' length only) is applied on its own.

    Returns
    -------
    filtered : list of ndarray
        One array shaped as ``data`` per band.
    """
    from mne.filter import create_filter
    from scipy import fft

    data = np.asarray(data, dtype=np.float64)
    n_times = data.shape[-1]
    kernels = [create_filter(None, float(sfreq), lo, hi, verbose=False) for lo, hi in bands]
    longest = max((len(k) for k in kernels if len(k) <= n_times), default=0)
    if longest:  # the filters that fit in the series share its padding and spectrum
        pad = longest - 1
        padded = _reflect_limited(data, pad)
        n_fft = fft.next_fast_len(padded.shape[-1] + pad, real=True)
        spectrum = fft.rfft(padded, n_fft, axis=-1)
    out = []
    for kernel in kernels:
        if len(kernel) <= n_times:
            full = fft.irfft(spectrum * fft.rfft(kernel, n_fft), n_fft, axis=-1)
            start = pad + (len(kernel) - 1) // 2  # "same" alignment of the linear convolution
            out.append(np.ascontiguousarray(full[..., start : start + n_times]))
        else:
            out.append(_long_band_pass(data, kernel))
    return out


def _long_band_pass(data: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """A filter longer than the series: MNE's padding by ``n_times - 1``, FFT convolution."""
    from scipy.signal import fftconvolve

    n_times = data.shape[-1]
    pad = max(n_times - 1, 0)
    padded = _reflect_limited(data, pad)
    out = fftconvolve(padded, kernel.reshape((1,) * (data.ndim - 1) + (-1,)), mode="same", axes=-1)
    return np.ascontiguousarray(out[..., pad : pad + n_times])


def _reflect_limited(data: np.ndarray, pad: int) -> np.ndarray:
    """MNE's ``"reflect_limited"`` padding of the last axis (odd reflection, then zeros)."""
    if pad == 0:
        return data
    n_times = data.shape[-1]
    zeros = np.zeros((*data.shape[:-1], max(pad - n_times + 1, 0)))
    left = 2 * data[..., :1] - data[..., pad:0:-1]
    right = 2 * data[..., -1:] - data[..., -2 : -pad - 2 : -1]
    return np.concatenate([zeros, left, data, right, zeros], axis=-1)


def analytic_amplitude(data: np.ndarray) -> np.ndarray:
    """Envelope of each time series (the last axis): the modulus of its analytic signal."""
    from scipy.signal import hilbert

    return np.abs(hilbert(data, axis=-1))


def csp_filters(data: np.ndarray, y: np.ndarray, n_components: int):
    """Common spatial patterns of labelled trials (MNE's CSP, Ledoit-Wolf regularised).

    Parameters
    ----------
    data : ndarray, shape (n_trials, n_nodes, n_times)
    y : ndarray, shape (n_trials,)
        Two or more classes (MNE orders the components by mutual information).
    n_components : int

    Returns
    -------
    filters, patterns : ndarray, shape (n_components, n_nodes)
    """
    from mne.decoding import CSP
    from mne.utils import use_log_level

    n = min(int(n_components), data.shape[1])
    csp = CSP(n_components=n, reg="ledoit_wolf", log=True, norm_trace=False)
    with use_log_level("error"):  # MNE logs each class covariance at info level
        csp.fit(np.ascontiguousarray(data, dtype=np.float64), y)
    return np.asarray(csp.filters_[:n]), np.asarray(csp.patterns_[:n])


def xdawn_filters(data: np.ndarray, y: np.ndarray, n_components: int):
    """xDAWN spatial filters of the class-averaged evoked responses (pyRiemann's Xdawn).

    Returns
    -------
    filters, patterns : ndarray, shape (n_classes * n_components, n_nodes)
    """
    from pyriemann.spatialfilters import Xdawn

    n = min(int(n_components), data.shape[1])
    xd = Xdawn(nfilter=n, estimator="oas").fit(np.ascontiguousarray(data, dtype=np.float64), y)
    return np.asarray(xd.filters_), np.asarray(xd.patterns_)


def anova_screen(data: np.ndarray, y: np.ndarray, n_keep: int) -> np.ndarray:
    """Indices (ascending) of the ``n_keep`` nodes whose time-mean best separates the classes.

    The ANOVA F-test of :func:`sklearn.feature_selection.f_classif`; nodes without variance
    rank last.
    """
    from sklearn.feature_selection import f_classif

    pattern = data.mean(axis=-1) if data.ndim == 3 else data
    with np.errstate(divide="ignore", invalid="ignore"):
        f, _ = f_classif(pattern, y)
    f = np.nan_to_num(f, nan=-np.inf)
    n_keep = min(int(n_keep), pattern.shape[1])
    top = np.argsort(-f, kind="stable")[:n_keep]
    return np.sort(top)


def pattern_centroids(patterns: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """MNI centroid of each spatial pattern: node positions weighted by ``|pattern|``.

    Parameters
    ----------
    patterns : ndarray, shape (n_components, n_nodes)
    coords : ndarray, shape (n_nodes, 3)

    Returns
    -------
    centroids : ndarray, shape (n_components, 3)
    """
    weights = np.abs(np.asarray(patterns, dtype=float))
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(total > 0, weights / np.where(total > 0, total, 1), 1 / weights.shape[1])
    return weights @ np.asarray(coords, dtype=float)


@dataclass
class FrontEnd:
    """A fitted front end: from the input's nodes to the network's neurons.

    Attributes
    ----------
    spatial : {"none", "csp", "xdawn", "anova"}
        The spatial step used.
    bands : tuple of (float, float) | None
        The filter bank (Hz), or none.
    coding : {"amplitude", "signal"}
        What a band gives its neuron (used with ``bands``).
    sfreq : float
        Sampling frequency (Hz) of the time series.
    n_inputs : int
        Nodes of the input (channels, parcels, voxels).
    filters : list of ndarray | None
        Spatial filters ``(n_components, n_inputs)``, one per band (one without bands).
    patterns : list of ndarray | None
        The matching spatial patterns.
    selected : ndarray | None
        Input nodes kept by an ANOVA screen.
    names : list of str
        Names of the neurons.
    coords : ndarray, shape (n_neurons, 3) | None
        Their MNI positions.
    networks : list of str | None
        Their networks (the band, where there is a filter bank).
    """

    spatial: str
    bands: tuple[tuple[float, float], ...] | None
    coding: str
    sfreq: float
    n_inputs: int
    filters: list[np.ndarray] | None
    patterns: list[np.ndarray] | None
    selected: np.ndarray | None
    names: list[str]
    coords: np.ndarray | None
    networks: list[str] | None

    @property
    def n_neurons(self) -> int:
        return len(self.names)

    def transform(self, data: np.ndarray) -> np.ndarray:
        """The neurons' input signals, ``(n_trials, n_neurons, n_times)``."""
        if self.selected is not None:
            data = data[:, self.selected]
        filtered = [data] if self.bands is None else filter_bank(data, self.sfreq, self.bands)
        out = []
        for b, x in enumerate(filtered):
            if self.filters is not None:
                x = np.einsum("cn,tns->tcs", self.filters[b], x)
            if self.bands is not None and self.coding == "amplitude":
                x = analytic_amplitude(x)
            out.append(x)
        return np.ascontiguousarray(np.concatenate(out, axis=1), dtype=np.float64)


def choose_spatial(
    spatial: str, *, n_nodes: int, has_bands: bool, supervised: bool, evoked: bool = False
) -> str:
    """The spatial step ``spatial="auto"`` takes.

    Components where there are more than :data:`MAX_NODES_AS_GIVEN` nodes and labels:
    xDAWN for an evoked response, CSP for electrophysiology (time series with a filter
    bank), an ANOVA screen for slow signals (fMRI); the nodes as given otherwise (and
    always without labels).
    """
    if spatial != "auto":
        return spatial
    if not supervised or n_nodes <= MAX_NODES_AS_GIVEN:
        return "none"
    if evoked:
        return "xdawn"
    return "csp" if has_bands else "anova"


def power_proxy(data: np.ndarray, sfreq: float, bands) -> np.ndarray:
    """Log power of each node in each band, ``(n_trials, n_nodes * n_bands)``."""
    tiny = np.finfo(float).tiny
    return np.concatenate(
        [np.log(np.mean(x**2, axis=-1) + tiny) for x in filter_bank(data, sfreq, bands)], axis=1
    )


def evoked_proxy(data: np.ndarray, n_windows: int = EVOKED_WINDOWS) -> np.ndarray:
    """Mean of each node's signal in ``n_windows`` equal windows, ``(n_trials, n_nodes *
    n_windows)``: the time course of a time-locked response."""
    edges = np.linspace(0, data.shape[-1], n_windows + 1).round().astype(int)
    means = [data[..., a:b].mean(axis=-1) for a, b in itertools.pairwise(edges)]
    return np.concatenate(means, axis=1)


def choose_coding(
    data: np.ndarray, y: np.ndarray, sfreq: float, bands, *, cv: int = 5, random_state=0
) -> tuple[str, dict[str, float]]:
    """Band power or evoked response: which carries the labels of these training trials.

    An inner stratified cross-validation on the training trials of shrinkage LDA on two
    linear proxies, computed without simulating anything: the log power of every node in
    every band (:func:`power_proxy`) and the window means of every node's signal
    (:func:`evoked_proxy`). The evoked response wins only with a higher mean accuracy;
    with fewer than :data:`MIN_TRIALS_TO_CHOOSE` trials in a class, band power stays.

    Returns
    -------
    coding : {"power", "evoked"}
    scores : dict
        Mean inner accuracy of each proxy.
    """
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = np.asarray(y)
    smallest = int(np.unique(y, return_counts=True)[1].min())
    if smallest < MIN_TRIALS_TO_CHOOSE:  # too few to tell: band power, the default
        return "power", {}
    n_splits = min(int(cv), smallest)
    folds = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    model = make_pipeline(
        StandardScaler(), LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
    )
    scores = {}
    for name, proxy in (("power", power_proxy(data, sfreq, bands)), ("evoked", evoked_proxy(data))):
        scores[name] = float(np.mean(cross_val_score(model, proxy, y, cv=folds)))
    coding = "evoked" if scores["evoked"] > scores["power"] + 1e-9 else "power"
    return coding, scores


def fit_front_end(
    data: np.ndarray,
    y: np.ndarray | None,
    *,
    sfreq: float,
    names: Sequence[str],
    coords: np.ndarray | None,
    networks: Sequence[str] | None,
    spatial: str = "auto",
    bands: Any = "auto",
    coding: str = "amplitude",
    n_components: int | None = None,
    pattern_coords=None,
) -> FrontEnd:
    """Learn a front end on training trials.

    Parameters
    ----------
    data : ndarray, shape (n_trials, n_nodes, n_times)
        Training time series.
    y : ndarray | None
        Their labels (needed by ``"csp"``, ``"xdawn"`` and ``"anova"``).
    sfreq : float
        Sampling frequency (Hz).
    names, coords, networks
        The input nodes (``coords`` ``None`` or ``(n_nodes, 3)`` MNI mm).
    spatial, bands, coding, n_components
        As :class:`~s2decode.estimators.S2Featurizer`'s parameters of the same names.
    pattern_coords : callable | None
        ``pattern_coords(patterns) -> (n_components, 3)`` places components (e.g. through an
        EEG source projection); default :func:`pattern_centroids` over ``coords``.

    Returns
    -------
    front_end : FrontEnd
    """
    check_option(spatial, SPATIAL_METHODS, "spatial")
    check_option(coding, BAND_CODINGS, "band_coding")
    resolved = resolve_bands(bands, sfreq)
    n_nodes = data.shape[1]
    method = choose_spatial(
        spatial, n_nodes=n_nodes, has_bands=resolved is not None, supervised=y is not None
    )
    if method != "none" and y is None:
        raise ValueError(
            f"spatial={spatial!r} learns its components from the labels: fit with y (or a "
            "trials DataArray with a 'y' coordinate), or use spatial='none'."
        )
    if n_components is not None and (
        isinstance(n_components, bool)
        or not isinstance(n_components, int | np.integer)
        or n_components < 1
    ):
        raise ValueError(
            f"`n_components` must be a positive integer or None, got {n_components!r}."
        )
    if method in ("csp", "xdawn") and len(np.unique(y)) < 2:
        raise ValueError(f"spatial={method!r} needs at least 2 classes in y.")
    names = list(names)
    coords = None if coords is None else np.asarray(coords, dtype=float)
    networks = None if networks is None else list(networks)
    filters = patterns = selected = None
    band_list = resolved or (None,)
    if method == "anova":
        n_keep = n_components or max(MAX_NODES_AS_GIVEN, round(ANOVA_FRACTION * n_nodes))
        selected = anova_screen(data, np.asarray(y), n_keep)
        names = [names[i] for i in selected]
        coords = None if coords is None else coords[selected]
        networks = None if networks is None else [networks[i] for i in selected]
    elif method in ("csp", "xdawn"):
        learn = csp_filters if method == "csp" else xdawn_filters
        n = n_components or DEFAULT_COMPONENTS[method]
        filters, patterns = [], []
        filtered = [data] if resolved is None else filter_bank(data, sfreq, resolved)
        for x in filtered:
            f, p = learn(x, np.asarray(y), n)
            filters.append(f)
            patterns.append(p)
    # neurons: (band, node or component)
    out_names: list[str] = []
    out_coords: list[np.ndarray] = []
    out_networks: list[str] = []
    for b, band in enumerate(band_list):
        suffix = "" if band is None else f"@{band_label(band)}"
        if filters is not None:
            n_comp = len(filters[b])
            out_names += [f"{method}{k}{suffix}" for k in range(n_comp)]
            if pattern_coords is not None:
                out_coords.append(np.asarray(pattern_coords(patterns[b]), dtype=float))
            elif coords is not None:
                out_coords.append(pattern_centroids(patterns[b], coords))
            out_networks += [band_label(band) if band is not None else method] * n_comp
        else:
            out_names += [f"{name}{suffix}" for name in names]
            if coords is not None:
                out_coords.append(coords)
            if band is not None:
                out_networks += [band_label(band)] * len(names)
            elif networks is not None:
                out_networks += networks
    has_coords = len(out_coords) == len(band_list)
    stacked = np.concatenate(out_coords) if has_coords else None
    if stacked is not None and not np.all(np.isfinite(stacked)):
        stacked = None
    return FrontEnd(
        spatial=method,
        bands=resolved,
        coding=coding,
        sfreq=float(sfreq),
        n_inputs=n_nodes,
        filters=filters,
        patterns=patterns,
        selected=selected,
        names=out_names,
        coords=stacked,
        networks=out_networks or None,
    )


def is_identity(front_end: FrontEnd) -> bool:
    """Whether the front end passes the nodes through unchanged."""
    return front_end.spatial == "none" and front_end.bands is None

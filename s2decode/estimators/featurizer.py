"""S2Featurizer: trials -> S2-Net spike trains -> synchrony features (a transformer)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from .._checks import check_option
from ..spiketrains import SpikeTrains
from . import features as _features
from . import front_end as _front
from ._validation import Inputs, check_input, check_same_kind, check_target
from .params import (
    FEATURIZER_PARAMS,
    INPUT_ATTRIBUTES,
    doc_section,
    fill_doc,
    make_init,
)

if TYPE_CHECKING:
    import pandas as pd

#: Values of ``omega``.
OMEGA_MODES = ("rates", "spectral", "config")
#: Values of ``initial_state``.
INITIAL_STATES = ("rest", "random")
#: Values of ``scaffold`` given by name.
SCAFFOLD_METHODS = ("auto", "distance", "data", "complete")

# Band (Hz, network time) of learned intrinsic frequencies; below it a parcel counts as
# silent and keeps the configured frequency.
_OMEGA_BAND = (2.0, 100.0)
# Band (Hz, network time) searched for spectral peaks: the cortical rhythms from delta to low
# gamma, below most recordings' anti-alias and line-noise filters.
_SPECTRAL_BAND = (2.0, 45.0)
# Trials of the pilot simulation that learns omega from firing rates (omega="rates").
_PILOT_TRIALS = 16
# Bin (s) of the spike counts a data-driven scaffold correlates for spike inputs.
_SPIKE_BIN = 0.01
# Updates per second of the dense layer the energy of spike inputs is compared with (1 kHz).
_SPIKE_DENSE_RATE = 1000.0
# STTC synchrony window (s).
_STTC_DT = 5e-3
# Fitted attributes that only some kinds of input set.
_CONDITIONAL_ATTRIBUTES = ("projector_", "sfreq_", "n_times_", "spike_duration_")
# spatial front ends that learn filters on the sensors of EEG epochs (instead of parcels)
_SENSOR_FILTERS = ("csp", "xdawn")


def default_config(kind: str):
    """The S2-Net configuration used for an input kind when ``config=None``.

    Parameters
    ----------
    kind : {"signals", "static", "spikes", "epochs"}
        What the input is (:func:`s2decode.estimators.input_kind`).

    Returns
    -------
    config : S2NetConfig
        Time series (EEG/MEG, fMRI with a ``time_scale``): the S2-Net defaults
        (``docs/s2net.md``). Static patterns: a suprathreshold bias (``I_bias=1.5``,
        ``g_in=0.15``) so that every node fires and its rate and first-spike latency are
        monotonic in its value over +-3 standard deviations (with the defaults, below-average
        values would all leave their neuron silent). Spike trains: ``encoder="spikes"``.
    """
    from ..net import S2NetConfig

    if kind == "static":
        return S2NetConfig(I_bias=1.5, g_in=0.15)
    if kind == "spikes":
        return S2NetConfig(encoder="spikes")
    return S2NetConfig()


@dataclass
class _Nodes:
    names: list[str]
    coords: np.ndarray | None  # (n, 3) MNI mm, all finite, or None
    networks: list[str] | None


class S2Featurizer(TransformerMixin, BaseEstimator):
    __doc__ = f"""Synchrony features of S2-Net driven by each trial.

    ``fit`` learns what depends on the training trials (per-node scaling, the neurons'
    intrinsic frequencies, a data-driven scaffold where asked, the projector of EEG epochs);
    ``transform`` runs S2-Net on every trial (all trials of a batch in one Brian2 network)
    and computes rates, first-spike latencies, Kuramoto order and metastability, phase
    locking, SPIKE-synchronization, STTC and energy per time window.

    Inputs: a trials DataArray (:mod:`s2decode.trials`), a 3-D array
    ``(n_trials, n_parcels, n_times)`` with ``sfreq``, mne.Epochs or (to cross-validate
    them with scikit-learn's helpers) ``epochs.get_data()`` with ``info=epochs.info``, spike
    trains (:class:`~s2decode.spiketrains.SpikeTrains` or a spike-count DataArray: each
    spike drives its neuron), or a 2-D array ``(n_samples, n_features)``: a static pattern
    per sample, each column a node driven by a constant current for ``static_duration``.

    Parameters
    ----------{doc_section(FEATURIZER_PARAMS)}
    Attributes
    ----------{doc_section(INPUT_ATTRIBUTES)}    input_kind_ : str
        ``"signals"``, ``"static"``, ``"spikes"`` or ``"epochs"``.
    node_names_ : list of str
        Names of the network's neurons (parcels, or ``x0``, ``x1``... for unnamed columns).
    node_networks_ : list of str | None
        Their networks.
    node_coords_ : ndarray, shape (n_nodes, 3) | None
        Their MNI positions (mm); ``None`` for nodes without positions.
    scaffold_ : Scaffold
        The network's connectivity (after plasticity, where ``plasticity`` is set).
    ssdp_change_ : float | None
        Mean absolute change of the connections' weights by SSDP; ``None`` without it.
    config_ : S2NetConfig
        The configuration simulated.
    f_omega_ : ndarray, shape (n_nodes,)
        Intrinsic frequencies (Hz).
    mean_, scale_ : ndarray, shape (n_nodes,) | None
        Per-node scaling (``standardize=True``; ``None`` for spike inputs).
    duration_ : float
        Length of a trial in network seconds.
    windows_ : ndarray, shape (n_windows, 2)
        Feature windows in network seconds from the trial's start.
    seed_ : int
        Seed of the simulations.
    projector_ : SourceProjector | SensorDistanceProjector
        Projector of EEG epochs (mne.Epochs, or a 3-D array with ``info``).
    coding_ : {"power", "evoked", "signal"} | None
        What the neurons get: band power (a filter bank), the signal of an evoked response
        (``bands="auto"`` chose it), or the signals as given; ``None`` for static patterns
        and spike trains.
    coding_scores_ : dict | None
        Inner cross-validated accuracy of the band-power and evoked proxies behind that
        choice (``bands="auto"`` with labels).
    front_end_ : FrontEnd | None
        The fitted front end of time series (spatial filters or screened nodes, filter
        bank, coding; :class:`~s2decode.estimators.front_end.FrontEnd`); ``None`` for
        static patterns and spike trains.
    feature_names_out_ : ndarray of str
        ``"<metric>_<element>_w<window>"`` for each output column.

    Examples
    --------
    >>> from s2decode.datasets import load
    >>> trials = load("synthetic", n_trials=20)
    >>> S2Featurizer(random_state=0).fit_transform(trials).shape
    (20, 104)
    """

    __init__ = make_init(FEATURIZER_PARAMS, "S2Featurizer", __name__)

    # ------------------------------------------------------------------ public API
    def fit(self, X, y=None):
        """Learn the scaling, intrinsic frequencies, scaffold and feature layout.

        Parameters
        ----------
        X : DataArray | ndarray | DataFrame | mne.Epochs | SpikeTrains
            Training trials (see the class docstring).
        y : array-like, shape (n_trials,) | None
            Labels of the training trials, used by a supervised front end (``spatial``);
            ``None`` takes them from a trials DataArray's ``y`` coordinate, if any. Without
            labels, ``spatial="auto"`` keeps the nodes as given.

        Returns
        -------
        self : S2Featurizer
        """
        inputs = check_input(self, X, reset=True, sfreq=self.sfreq, info=self.info)
        if y is None:
            y = inputs.y
        self._fit_inputs(inputs, _class_labels(y, inputs.n_trials))
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit on ``X`` and return its features: the values of ``fit(X, y).transform(X)``.

        Faster than the two calls: the training trials go through the front end (filter
        bank, spatial filters, projection) and the scaling once, not once in each.

        Parameters
        ----------
        X : DataArray | ndarray | DataFrame | mne.Epochs | SpikeTrains
            Training trials (see the class docstring).
        y : array-like, shape (n_trials,) | None
            Labels of the training trials (see :meth:`fit`).

        Returns
        -------
        features : ndarray, shape (n_trials, n_features)
            Finite float64 values, columns named by :meth:`get_feature_names_out`.
        """
        inputs = check_input(self, X, reset=True, sfreq=self.sfreq, info=self.info)
        if y is None:
            y = inputs.y
        blocks = self._fit_transform_inputs(inputs, _class_labels(y, inputs.n_trials))
        return _features.stack_blocks(blocks)

    @fill_doc
    def transform(self, X) -> np.ndarray:
        """Simulate S2-Net on each trial and compute its features.

        Parameters
        ----------
        %(X_fitted)s

        Returns
        -------
        features : ndarray, shape (n_trials, n_features)
            Finite float64 values, columns named by :meth:`get_feature_names_out`.
        """
        check_is_fitted(self)
        inputs = check_input(self, X, reset=False, sfreq=self.sfreq, info=self.info)
        return _features.stack_blocks(self._transform_inputs(inputs))

    def transform_xarray(self, X):
        """Like :meth:`transform`, as a labelled :class:`xarray.DataArray`.

        Returns
        -------
        features : xarray.DataArray
            Dims ``("trial", "feature")``; on ``feature`` the coordinates ``metric``,
            ``element`` (the parcel, network, pair ``"A~B"`` or ``"global"``), ``window``
            (its index), ``window_start`` and ``window_stop`` (network seconds from the trial
            start); on ``trial`` the ``y`` and ``group`` of a trials DataArray input, and
            ``energy_pj`` and ``dense_pj``: the arithmetic energy of the trial's whole
            simulation (synaptic events at 0.9 pJ) and of a dense network of as many units
            (:meth:`energy_table`, memory access not counted).
        """
        import xarray as xr

        check_is_fitted(self)
        inputs = check_input(self, X, reset=False, sfreq=self.sfreq, info=self.info)
        spikes = self._simulate(self._prepare(self._ready(inputs)), self.config_)
        blocks = self._spike_blocks(spikes)
        energy = self.energy_table(spikes)
        values = _features.stack_blocks(blocks)
        index = _features.column_index(blocks, len(self.windows_))
        coords: dict[str, Any] = {
            "feature": np.asarray(self.feature_names_out_, dtype=str),
            "metric": ("feature", index["metric"]),
            "element": ("feature", index["element"]),
            "window": ("feature", index["window"]),
            "window_start": ("feature", self.windows_[index["window"], 0]),
            "window_stop": ("feature", self.windows_[index["window"], 1]),
            "trial": np.arange(values.shape[0]),
            "energy_pj": ("trial", energy["snn_pj"].to_numpy()),
            "dense_pj": ("trial", energy["dense_pj"].to_numpy()),
        }
        if inputs.source == "dataarray":
            for name in ("y", "group"):
                if name in X.coords and X.coords[name].dims == ("trial",):
                    coords[name] = ("trial", np.asarray(X.coords[name].values))
        return xr.DataArray(
            values,
            dims=("trial", "feature"),
            coords=coords,
            name="s2_features",
            attrs={"description": "S2-Net synchrony features", "seed": self.seed_},
        )

    @fill_doc
    def simulate(self, X) -> SpikeTrains:
        """The S2-Net spike trains behind :meth:`transform`'s features.

        Parameters
        ----------
        %(X_fitted)s

        Returns
        -------
        spikes : SpikeTrains
            One train per trial and node (``node_names_``), in network seconds; the same
            spikes :meth:`transform` computes its features from (same seed and configuration).
        """
        check_is_fitted(self)
        inputs = self._ready(check_input(self, X, reset=False, sfreq=self.sfreq, info=self.info))
        return self._simulate(self._prepare(inputs), self.config_)

    def transform_spikes(self, spikes: SpikeTrains) -> np.ndarray:
        """The features of S2-Net spike trains, as :meth:`transform` computes them.

        With :meth:`simulate`, this splits :meth:`transform` in two, so the network's own
        spikes can be looked at or changed in between (e.g. jittered, :mod:`s2decode.robustness`):
        ``transform(X)`` equals ``transform_spikes(simulate(X))``.

        Parameters
        ----------
        spikes : SpikeTrains
            Spike trains of the fitted network's nodes (``node_names_``), trials as long as
            the fitted ones, in network seconds.

        Returns
        -------
        features : ndarray, shape (n_trials, n_features)
            Columns named by :meth:`get_feature_names_out`.
        """
        check_is_fitted(self)
        if not isinstance(spikes, SpikeTrains):
            raise TypeError(
                f"`spikes` must be SpikeTrains (from simulate()), got {type(spikes).__name__}."
            )
        if spikes.n_neurons != len(self.node_names_):
            raise ValueError(
                f"`spikes` has {spikes.n_neurons} neurons but the network has "
                f"{len(self.node_names_)} nodes; give the spikes of simulate()."
            )
        if not np.isclose(spikes.duration, self.duration_, rtol=1e-9, atol=1e-12):
            raise ValueError(
                f"`spikes` last {spikes.duration:g} s but the network's trials last "
                f"{self.duration_:g} s (network time); give the spikes of simulate()."
            )
        return _features.stack_blocks(self._spike_blocks(spikes))

    def energy_table(self, spikes: SpikeTrains, windows: np.ndarray | None = None) -> pd.DataFrame:
        """Arithmetic energy of the fitted network's spikes against a dense network.

        :func:`s2decode.energy.energy_table` with this network's fan-out (its scaffold's
        connections) and the dense network's updates of this input (:meth:`dense_updates`).

        Parameters
        ----------
        spikes : SpikeTrains
            Spikes of this network (:meth:`simulate`).
        windows : ndarray, shape (n_windows, 2) | None
            Windows (network seconds from the trials' start); ``None``: the whole trial.

        Returns
        -------
        table : pandas.DataFrame
            One row per trial and window: ``n_spikes``, ``synaptic_ops``, ``snn_pj``,
            ``dense_macs``, ``dense_pj`` and their ``ratio``.
        """
        from ..energy import energy_table

        check_is_fitted(self)
        win = np.array([[0.0, spikes.duration]]) if windows is None else np.asarray(windows)
        win = np.asarray(win, dtype=float) + spikes.t_start
        return energy_table(
            spikes,
            out_degree=self._out_degree(),
            dense_updates=self.dense_updates(win[:, 1] - win[:, 0]),
            windows=win,
        )

    def _out_degree(self) -> np.ndarray:
        """Outgoing connections of each node in the (fitted, possibly adapted) scaffold."""
        return (self.scaffold_.weights > 0).sum(axis=0)

    def dense_updates(self, lengths) -> np.ndarray:
        """Updates of the dense network S2-Net's energy is compared with, in windows of
        ``lengths`` network seconds (:mod:`s2decode.energy`): one per input sample for
        signals, 1 kHz for spike inputs, one per static pattern."""
        check_is_fitted(self, "config_")
        lengths = np.atleast_1d(np.asarray(lengths, dtype=float))
        if self.input_kind_ in ("signals", "epochs"):  # epochs become signals on nodes
            return lengths / self.config_.time_scale * self.sfreq_
        if self.input_kind_ == "spikes":
            return lengths / self.config_.time_scale * _SPIKE_DENSE_RATE
        return np.ones(len(lengths))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns, ``"<metric>_<element>_w<window>"``.

        Parameters
        ----------
        input_features : array-like of str | None
            Checked against the names seen in ``fit``; the output names do not change.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self, "feature_names_out_")
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray(self.feature_names_out_, dtype=object)

    def __sklearn_tags__(self):
        tags = s2_tags(super().__sklearn_tags__())
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags

    # ------------------------------------------------------------------ fitting
    def _fit_inputs(self, inputs: Inputs, y=None) -> S2Featurizer:
        """Fit on checked inputs (the decoders call this with their own checked X and y)."""
        self._fit_prepared(inputs, y)
        return self

    def _fit_transform_inputs(self, inputs: Inputs, y=None) -> list[_features.FeatureBlock]:
        """Fit on checked inputs and return their features (as ``_transform_inputs`` would),
        simulating the prepared training trials of the fit instead of preparing them again."""
        return self._spike_blocks(self._simulate(self._fit_prepared(inputs, y), self.config_))

    def _fit_prepared(self, inputs: Inputs, y=None):
        """Fit on checked inputs; the training trials prepared for the network (through the
        front end, scaled), as :meth:`_prepare` gives them to ``_simulate``."""
        self._check_params()
        for name in _CONDITIONAL_ATTRIBUTES:  # left by an earlier fit on another kind of X
            self.__dict__.pop(name, None)
        kind = inputs.kind
        self.input_kind_ = kind
        self.front_end_ = None
        if kind in ("epochs", "signals"):
            inputs = self._fit_front_end(inputs, y)
        else:
            _check_no_front_end(self.spatial, self.bands, kind)
            self.coding_, self.coding_scores_ = None, None
        nodes = self._resolve_nodes(inputs)
        self.node_names_ = nodes.names
        self.node_networks_ = nodes.networks
        self.node_coords_ = nodes.coords
        data_kind = inputs.kind  # "signals" for projected epochs

        # geometry of a trial in network time
        base = self.config if self.config is not None else default_config(data_kind)
        if data_kind == "spikes" and self.encoder not in (None, "spikes"):
            raise ValueError(
                f"Spike inputs drive their neurons directly (encoder='spikes'); got "
                f"encoder={self.encoder!r}. Leave encoder=None for spike trains."
            )
        if data_kind != "spikes" and (self.encoder or base.encoder) == "spikes":
            raise ValueError(
                "encoder='spikes' needs spike inputs (a SpikeTrains or a spike-count "
                "DataArray); choose 'current', 'delta' or 'poisson' for these data."
            )
        scale = base.time_scale
        if data_kind == "signals":
            self.sfreq_ = inputs.sfreq
            self.n_times_ = inputs.n_times
            duration = inputs.n_times / inputs.sfreq * scale
        elif data_kind == "spikes":
            duration = inputs.data.duration * scale
            self.spike_duration_ = inputs.data.duration
        else:
            duration = float(self.static_duration)
            if duration < 10 * base.dt:
                raise ValueError(
                    f"`static_duration`={duration:g} s is under 10 integration steps of "
                    f"config.dt={base.dt:g} s; hold static patterns longer."
                )
        self.duration_ = duration
        if self.windows is None and getattr(self, "coding_", None) == "evoked":
            from ..sync import sliding_windows

            self.windows_ = sliding_windows(0.0, duration, duration / _front.EVOKED_WINDOWS)
        else:
            self.windows_ = self._resolve_windows(inputs, duration, scale)

        # per-node scaling
        self.mean_, self.scale_ = None, None
        if data_kind != "spikes" and self.standardize:
            data = inputs.data if data_kind == "static" else inputs.data.transpose(0, 2, 1)
            flat = data.reshape(-1, inputs.n_nodes)
            self.mean_ = flat.mean(axis=0)
            std = flat.std(axis=0)
            self.scale_ = np.where(std > 0, std, 1.0)
        prepared = self._prepare(inputs)

        self.seed_ = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self.scaffold_ = self._build_scaffold(nodes, prepared)

        changes: dict[str, Any] = {}
        if self.encoder is not None:
            changes["encoder"] = self.encoder
        if data_kind == "spikes":
            changes["encoder"] = "spikes"
        if data_kind == "static" or (self.standardize and data_kind == "signals"):
            changes["standardize"] = False
        if self.initial_state == "rest":
            changes["v_init"] = 0.0
        config = base.replace(**changes)
        self.f_omega_ = self._learn_omega(prepared, config)
        self.config_ = config.replace(f_omega=tuple(float(f) for f in self.f_omega_))
        self.ssdp_change_ = None
        if self.plasticity is not None:
            self._adapt_scaffold(prepared)

        layout = _features.feature_layout(
            self.features, self.node_names_, self.node_networks_, self.pairs
        )
        index = _features.column_index(layout, len(self.windows_))
        self.feature_names_out_ = np.array(
            [
                f"{m}_{e}_w{w}"
                for m, e, w in zip(index["metric"], index["element"], index["window"], strict=True)
            ],
            dtype=object,
        )
        return prepared

    def _fit_front_end(self, inputs: Inputs, y) -> Inputs:
        """Fit the projector (EEG epochs) and the front end; the network's input signals."""
        sfreq = inputs.sfreq
        bands = _front.resolve_bands(self.bands, sfreq)
        self.coding_ = "power" if bands is not None else "signal"
        self.coding_scores_ = None
        if isinstance(self.bands, str) and bands is not None and y is not None:
            # bands="auto": a filter bank of band power, unless the training trials' labels
            # live in a time-locked waveform (inner CV of linear proxies, no simulation)
            self.coding_, self.coding_scores_ = _front.choose_coding(
                inputs.data, y, sfreq, bands, random_state=_inner_seed(self.random_state)
            )
            if self.coding_ == "evoked":
                bands = None
        spatial = _front.choose_spatial(
            self.spatial,
            n_nodes=inputs.n_nodes,
            has_bands=bands is not None,
            supervised=y is not None,
            evoked=self.coding_ == "evoked",
        )
        pattern_coords = None
        if inputs.kind == "epochs":
            self.projector_ = self._fit_projector(inputs)
            if spatial in _SENSOR_FILTERS:
                # filters on the sensors; each pattern placed through the source projection
                projector = self.projector_
                inputs = self._sensors(inputs)
                coords = np.asarray(projector.atlas_.coords, float)

                def pattern_coords(patterns):
                    parcels = projector.transform(np.asarray(patterns)[:, :, np.newaxis])
                    return _front.pattern_centroids(parcels[:, :, 0], coords)
            else:
                inputs = self._project(inputs)
        nodes = self._resolve_nodes(inputs)
        front = _front.fit_front_end(
            inputs.data,
            y,
            sfreq=sfreq,
            names=nodes.names,
            coords=nodes.coords,
            networks=nodes.networks,
            spatial=spatial,
            bands=bands,
            coding=self.band_coding,
            n_components=self.n_components,
            pattern_coords=pattern_coords,
        )
        if _front.is_identity(front):
            return inputs
        self.front_end_ = front
        return self._through_front_end(inputs)

    def _through_front_end(self, inputs: Inputs) -> Inputs:
        front = self.front_end_
        return Inputs(
            "signals",
            front.transform(inputs.data),
            inputs.sfreq,
            inputs.t_start,
            names=list(front.names),
            coords=front.coords,
            networks=front.networks,
            source="front_end",
        )

    def _sensors(self, inputs: Inputs) -> Inputs:
        """EEG epochs on the projector's channels, as time series (for sensor filters)."""
        names = list(self.projector_.ch_names_)
        return Inputs(
            "signals",
            _pick_channels(inputs, names),
            inputs.sfreq,
            inputs.t_start,
            names=names,
            source="sensors",
        )

    def _check_params(self) -> None:
        from ..net import S2NetConfig

        if self.config is not None and not isinstance(self.config, S2NetConfig):
            raise TypeError(
                f"`config` must be an s2decode.net.S2NetConfig or None, got "
                f"{type(self.config).__name__}."
            )
        _features.check_features(self.features)
        check_option(self.pairs, _features.PAIR_MODES, "pairs")
        check_option(self.spatial, _front.SPATIAL_METHODS, "spatial")
        check_option(self.band_coding, _front.BAND_CODINGS, "band_coding")
        check_option(self.omega, OMEGA_MODES, "omega")
        check_option(self.initial_state, INITIAL_STATES, "initial_state")
        if isinstance(self.scaffold, str) and self.scaffold not in SCAFFOLD_METHODS:
            raise ValueError(
                f"`scaffold` must be one of {SCAFFOLD_METHODS}, a Scaffold or a weight matrix, "
                f"got {self.scaffold!r}."
            )
        if self.k is not None and (
            isinstance(self.k, bool) or not isinstance(self.k, int | np.integer) or self.k < 1
        ):
            raise ValueError(f"`k` must be a positive integer or None, got {self.k!r}.")
        _plasticity_rule(self.plasticity)
        duration = self.static_duration
        if isinstance(duration, bool) or not isinstance(duration, int | float | np.number):
            raise TypeError(f"`static_duration` must be a number of seconds, got {duration!r}.")
        if not (np.isfinite(duration) and duration > 0):
            raise ValueError(f"`static_duration` must be positive, got {duration!r}.")
        if not isinstance(self.standardize, bool | np.bool_):
            raise TypeError(f"`standardize` must be True or False, got {self.standardize!r}.")

    def _fit_projector(self, inputs: Inputs):
        from ..atlas import make_projector
        from ..atlas.projection import SourceProjector, sensor_covariance

        if self.atlas is None:
            raise ValueError(
                "EEG epochs are projected onto an atlas; set `atlas` (e.g. 'seitzman300')."
            )
        projector = make_projector(self.projection, self.atlas).fit(inputs.info)
        if isinstance(projector, SourceProjector):
            # orientation of each parcel from the training epochs only (MNE's pca_flip idea)
            projector.reorient(sensor_covariance(_pick_channels(inputs, projector.ch_names_)))
        return projector

    def _project(self, inputs: Inputs) -> Inputs:
        projector = self.projector_
        if not projector.compatible_with(inputs.info):
            raise ValueError(self._other_channels_message())
        data = projector.transform(_pick_channels(inputs, projector.ch_names_))
        atlas = projector.atlas_
        return Inputs(
            "signals",
            np.asarray(data, dtype=np.float64),
            inputs.sfreq,
            inputs.t_start,
            names=list(atlas.labels),
            coords=np.asarray(atlas.coords, float),
            networks=None if atlas.networks is None else list(atlas.networks),
            source="epochs",
        )

    def _other_channels_message(self) -> str:
        names = self.projector_.ch_names_
        return (
            "These epochs have other EEG channels (or positions) than the training epochs; "
            f"the projector uses {len(names)} channels: {names[:5]}..."
        )

    def _resolve_nodes(self, inputs: Inputs) -> _Nodes:
        n = inputs.n_nodes
        if inputs.coords is not None and np.all(np.isfinite(inputs.coords)):
            return _Nodes(list(inputs.names), np.asarray(inputs.coords, float), inputs.networks)
        atlas = None
        if self.atlas is not None:
            from ..atlas import load_atlas

            atlas = load_atlas(self.atlas)
        on_atlas = atlas is not None and (
            (inputs.names is not None and list(inputs.names) == list(atlas.labels))
            or (inputs.names is None and n == atlas.n_parcels)
        )
        if inputs.kind == "signals" and inputs.source == "array" and atlas is not None:
            if n != atlas.n_parcels:
                raise ValueError(
                    f"X has {n} parcels but the atlas {atlas.name!r} has {atlas.n_parcels}: a "
                    "3-D array must hold one time series per atlas parcel, in the atlas order. "
                    "Pass a trials DataArray with the parcels' coordinates, another `atlas`, "
                    "or atlas=None for nodes without positions; for EEG epochs "
                    "(n_epochs, n_channels, n_times), pass epochs.get_data() with "
                    "info=epochs.info."
                )
        if on_atlas:
            networks = None if atlas.networks is None else list(atlas.networks)
            return _Nodes(list(atlas.labels), np.asarray(atlas.coords, float), networks)
        names = inputs.names if inputs.names is not None else [f"x{i}" for i in range(n)]
        return _Nodes(list(names), None, inputs.networks)

    def _resolve_windows(self, inputs: Inputs, duration: float, scale: float) -> np.ndarray:
        from ..sync import sliding_windows

        spec = self.windows
        if spec is None:
            return np.array([[0.0, duration]])
        static = inputs.kind == "static"
        factor = 1.0 if static else scale
        if np.isscalar(spec):
            length = float(spec) * factor
            if not (np.isfinite(length) and 0 < length <= duration * (1 + 1e-9)):
                raise ValueError(
                    f"`windows`={spec!r} must be a positive length no longer than a trial "
                    f"({duration / factor:g} s)."
                )
            return sliding_windows(0.0, duration, length)
        win = np.asarray(spec, dtype=float)
        if win.ndim != 2 or win.shape[1] != 2 or win.shape[0] == 0:
            raise ValueError(
                "`windows` must be None, a window length, or rows [start, stop] (shape "
                f"(n_windows, 2)); got shape {win.shape}."
            )
        t0 = 0.0 if static else inputs.t_start
        rel = (win - t0) * factor
        tol = 1e-9 * max(duration, 1.0)
        if np.any(rel[:, 1] <= rel[:, 0]) or rel.min() < -tol or rel.max() > duration + tol:
            span = (0.0, duration) if static else (t0, t0 + duration / scale)
            raise ValueError(
                f"`windows` rows [start, stop] must have start < stop and lie in the trial, "
                f"[{span[0]:g}, {span[1]:g}] s; got {win.tolist()}."
            )
        return np.clip(rel, 0.0, duration)

    def _prepare(self, inputs: Inputs):
        """Scaled array (signals, static) or the spike trains, ready for simulate()."""
        if inputs.kind == "spikes":
            return inputs.data
        data = inputs.data
        if self.mean_ is not None:
            shape = (1, -1) if inputs.kind == "static" else (1, -1, 1)
            data = (data - self.mean_.reshape(shape)) / self.scale_.reshape(shape)
        return np.ascontiguousarray(data, dtype=np.float64)

    def _build_scaffold(self, nodes: _Nodes, prepared):
        from ..atlas import Atlas, Scaffold
        from ..atlas import scaffold as sc

        n = len(nodes.names)
        spec = self.scaffold
        k = None if self.k is None or n < 2 else min(int(self.k), n - 1)
        if isinstance(spec, Scaffold):
            if spec.n_nodes != n:
                raise ValueError(
                    f"The given scaffold has {spec.n_nodes} nodes but X has {n}; build it on "
                    "the same nodes."
                )
            return spec
        of_nodes = {"labels": nodes.names, "coords": nodes.coords, "networks": nodes.networks}
        meta = {"built_by": "S2Featurizer"}
        if not isinstance(spec, str):
            weights = np.asarray(spec, dtype=float)
            if weights.shape != (n, n):
                raise ValueError(
                    f"`scaffold` as a matrix must have shape ({n}, {n}) for {n} nodes, got "
                    f"{weights.shape}."
                )
            return Scaffold.from_weights(weights, **of_nodes, meta=meta)
        if spec == "auto":
            spec = "distance" if nodes.coords is not None else "data"
        if spec == "distance":
            if nodes.coords is None:
                raise ValueError(
                    "scaffold='distance' needs the nodes' MNI positions: give a trials "
                    "DataArray with coordinates or an atlas matching X, or use "
                    "scaffold='data' / 'complete'."
                )
            atlas = Atlas("s2featurizer_nodes", nodes.names, nodes.coords, nodes.networks)
            return Scaffold.from_atlas(atlas, k=k)
        meta["method"] = spec
        if spec == "complete" or n < 2:
            return Scaffold.from_weights(np.ones((n, n)), **of_nodes, meta=meta)
        weights = sc.correlation_weights(self._correlation_trials(prepared, n))
        return Scaffold.from_weights(weights, **of_nodes, k=k, normalize="max", meta=meta)

    def _correlation_trials(self, prepared, n: int):
        from ..trials import make_trials

        if isinstance(prepared, SpikeTrains):
            from ..sync import sliding_windows

            bins = sliding_windows(prepared.t_start, prepared.t_stop, _SPIKE_BIN)
            counts = _features.window_counts(prepared, bins).transpose(0, 2, 1).astype(float)
            return make_trials(counts, sfreq=1.0 / _SPIKE_BIN)
        data = prepared[:, :, np.newaxis] if prepared.ndim == 2 else prepared
        return make_trials(data, sfreq=1.0)

    def _learn_omega(self, prepared, config) -> np.ndarray:
        n = len(self.node_names_)
        configured = config.omega(n) / (2 * np.pi)
        if self.omega == "config":
            return configured
        top = min(_OMEGA_BAND[1], 0.45 / config.dt)
        if self.omega == "spectral":
            if self.input_kind_ not in ("signals", "epochs"):
                raise ValueError(
                    f"omega='spectral' needs time series; these are {self.input_kind_} inputs. "
                    "Use omega='rates' (or 'config')."
                )
            from scipy.signal import welch

            freqs, power = welch(
                prepared, fs=self.sfreq_, nperseg=min(prepared.shape[-1], 256), axis=-1
            )
            freqs = freqs / config.time_scale  # data Hz -> network Hz
            nyquist = 0.5 * self.sfreq_ / config.time_scale
            high = min(_SPECTRAL_BAND[1], 0.8 * nyquist, top)
            band = (freqs >= _SPECTRAL_BAND[0]) & (freqs <= high)
            if band.sum() < 3:
                return configured
            log_f = np.log(freqs[band])
            log_p = np.log(np.maximum(power.mean(axis=0)[:, band], np.finfo(float).tiny))
            # the peak above the 1/f background: largest residual of a log-log line fit
            slope, intercept = np.polyfit(log_f, log_p.T, 1)
            residual = log_p - (slope[:, np.newaxis] * log_f + intercept[:, np.newaxis])
            peak = freqs[band][np.argmax(residual, axis=1)]
            flat = power.mean(axis=0)[:, band].max(axis=1) <= 0
            return np.where(flat, configured, peak)
        # "rates": a pilot simulation on up to _PILOT_TRIALS training trials
        n_trials = prepared.n_trials if isinstance(prepared, SpikeTrains) else len(prepared)
        index = np.unique(np.linspace(0, n_trials - 1, min(n_trials, _PILOT_TRIALS)).astype(int))
        if isinstance(prepared, SpikeTrains):
            pilot = prepared.select_trials(index)
        else:
            pilot = prepared[index]
        from ..net.config import f_omega_from_rates

        spikes = self._simulate(pilot, config)
        f_omega = f_omega_from_rates(spikes, _OMEGA_BAND[0], max_rate=top, silent=configured)
        return np.asarray(f_omega)

    def _adapt_scaffold(self, prepared) -> None:
        """SSDP on the training trials: ``scaffold_`` with the adapted weights."""
        from ..net.plasticity import first_spike_times, ssdp_update

        rule = _plasticity_rule(self.plasticity)
        before = self.scaffold_.weights
        for _ in range(rule.n_epochs):
            spikes = self._simulate(prepared, self.config_)
            weights = ssdp_update(
                self.scaffold_.weights, first_spike_times(spikes), spikes.duration, rule
            )
            self.scaffold_ = self.scaffold_.with_weights(weights)
        connected = before != 0
        change = np.abs(self.scaffold_.weights - before)[connected]
        self.ssdp_change_ = float(change.mean()) if change.size else 0.0

    # ------------------------------------------------------------------ transforming
    def _simulate(self, prepared, config) -> SpikeTrains:
        from sklearn.utils.validation import check_memory

        memory = os.fspath(self.memory) if isinstance(self.memory, os.PathLike) else self.memory
        run = check_memory(memory).cache(_run_network, ignore=["batch_size", "n_jobs"])
        sfreq = None
        if not isinstance(prepared, SpikeTrains) and prepared.ndim == 3:
            sfreq = self.sfreq_
        return run(
            prepared,
            self.scaffold_,
            config,
            self.seed_,
            sfreq=sfreq,
            static_duration=float(self.static_duration),
            backend=self.backend,
            batch_size=self.batch_size,
            n_jobs=self.n_jobs,
        )

    def _ready(self, inputs: Inputs) -> Inputs:
        """Checked inputs of the fitted kind and trial geometry (epochs projected)."""
        check_same_kind(self, inputs)
        front = getattr(self, "front_end_", None)
        if inputs.kind == "epochs":
            if front is not None and front.spatial in _SENSOR_FILTERS:
                if not self.projector_.compatible_with(inputs.info):
                    raise ValueError(self._other_channels_message())
                inputs = self._sensors(inputs)
            else:
                inputs = self._project(inputs)
        if front is not None and inputs.kind == "signals":
            if inputs.n_nodes != front.n_inputs:
                raise ValueError(
                    f"X has {inputs.n_nodes} nodes but the featurizer's front end was fitted "
                    f"on {front.n_inputs}; give trials on the same nodes."
                )
            inputs = self._through_front_end(inputs)
        if inputs.kind == "signals" and (
            inputs.n_times != self.n_times_ or not np.isclose(inputs.sfreq, self.sfreq_)
        ):
            raise ValueError(
                f"X has trials of {inputs.n_times} samples at {inputs.sfreq:g} Hz but the "
                f"featurizer was fitted on {self.n_times_} samples at {self.sfreq_:g} Hz; "
                "cut the trials the same way."
            )
        if inputs.kind == "spikes" and not np.isclose(inputs.data.duration, self.spike_duration_):
            raise ValueError(
                f"The spike trains last {inputs.data.duration:g} s but the featurizer was "
                f"fitted on {self.spike_duration_:g} s trials; cut them the same way."
            )
        return inputs

    def _transform_inputs(self, inputs: Inputs) -> list[_features.FeatureBlock]:
        """Features of checked inputs (the decoders call this with their own checked X)."""
        inputs = self._ready(inputs)
        return self._spike_blocks(self._simulate(self._prepare(inputs), self.config_))

    def _spike_blocks(self, spikes: SpikeTrains) -> list[_features.FeatureBlock]:
        windows = self.windows_ + spikes.t_start
        out_degree = self._out_degree()
        lengths = self.windows_[:, 1] - self.windows_[:, 0]
        dense = self.dense_updates(lengths)
        return _features.compute_features(
            spikes,
            windows,
            features=self.features,
            node_names=self.node_names_,
            networks=self.node_networks_,
            pairs=self.pairs,
            f_omega=self.f_omega_,
            memory=self.config_.T_w,
            phase_step=min(_features.PHASE_STEP, float(lengths.min()) / 10),
            sttc_dt=_STTC_DT,
            out_degree=out_degree,
            dense_updates=dense,
        )


def s2_tags(tags):
    """The scikit-learn tags every S2 estimator sets: what it takes and that it is fitted.

    Finite dense 2-D (static patterns) and 3-D (trials) arrays; fitted before use;
    deterministic given ``random_state`` (``fit`` fixes the seed of the simulations).
    """
    tags.input_tags.two_d_array = True
    tags.input_tags.three_d_array = True
    tags.input_tags.allow_nan = False
    tags.input_tags.sparse = False
    tags.requires_fit = True
    tags.non_deterministic = False
    return tags


def _run_network(
    prepared,
    scaffold,
    config,
    seed: int,
    *,
    sfreq: float | None,
    static_duration: float,
    backend: str,
    batch_size: int | None,
    n_jobs: int | None,
) -> SpikeTrains:
    """Simulate S2-Net on prepared inputs (a module-level function, so joblib can cache it).

    ``prepared`` is a SpikeTrains, a 3-D array of scaled signals (with ``sfreq``) or a 2-D
    array of static patterns, each held for ``static_duration`` network seconds.
    """
    from ..net import simulate

    common = dict(backend=backend, batch_size=batch_size, n_jobs=n_jobs, seed=seed)
    if isinstance(prepared, SpikeTrains):
        return simulate(prepared, scaffold, config, **common)
    if prepared.ndim == 2:
        return simulate(
            prepared[:, :, np.newaxis],
            scaffold,
            config,
            sfreq=1.0 / static_duration,
            duration=static_duration,
            **common,
        )
    return simulate(prepared, scaffold, config, sfreq=sfreq, **common)


def _plasticity_rule(plasticity):
    """The SSDP rule of ``plasticity`` (None where there is none)."""
    from ..net.plasticity import SSDP

    if plasticity is None or isinstance(plasticity, SSDP):
        return plasticity
    if plasticity == "ssdp":
        return SSDP()
    raise ValueError(
        f"`plasticity` must be None, 'ssdp' or an s2decode.net.plasticity.SSDP, got {plasticity!r}."
    )


def _inner_seed(random_state) -> int | None:
    """An int seed for inner folds (a RandomState is not consumed)."""
    if random_state is None or isinstance(random_state, int | np.integer):
        return random_state
    return 0


def _check_no_front_end(spatial, bands, kind: str) -> None:
    """Static patterns and spike trains have no front end: refuse one that was asked for."""
    if spatial not in ("auto", "none"):
        raise ValueError(
            f"spatial={spatial!r} learns components of time series; these are {kind} "
            "inputs. Leave spatial='auto' (or 'none')."
        )
    if bands is not None and not (isinstance(bands, str) and bands == "auto"):
        raise ValueError(
            f"`bands` filters time series; these are {kind} inputs. Leave bands='auto' (or None)."
        )


def _class_labels(y, n_trials: int):
    """``y`` checked, if it holds class labels; ``None`` for no or continuous targets (a
    featurizer in a regression pipeline learns no supervised front end)."""
    from sklearn.utils.multiclass import type_of_target

    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim != 1 or type_of_target(y) not in ("binary", "multiclass"):
        return None
    return check_target(y, n_trials, classification=True)


def _pick_channels(inputs: Inputs, names: Sequence[str]) -> np.ndarray:
    """The epochs' data on the channels ``names``, in that order (as Epochs.get_data(picks))."""
    ch_names = list(inputs.info["ch_names"])
    return np.take(inputs.data, [ch_names.index(name) for name in names], axis=1)

"""One trial through a fitted S2-Net, for figures: raster, order parameter, phase locking.

:func:`example_dataset` simulates one trial with a fitted featurizer's own network,
configuration and seed, and computes from the spikes what :mod:`s2decode.viz` draws, with
the phases the featurizer's features are computed from. A pipeline run saves it as
``example.nc``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr


def _n_trials(X: Any) -> int:
    from ..spiketrains import SpikeTrains

    if isinstance(X, SpikeTrains):
        return X.n_trials
    if isinstance(X, xr.DataArray):
        return int(X.sizes["trial"]) if "trial" in X.dims else int(X.shape[0])
    return len(X)


def _one_trial(X: Any, index: int) -> tuple[Any, str, str | None]:
    """Trial ``index`` of X in X's own type, its label and the subject X's attrs name."""
    from ..spiketrains import SpikeTrains

    if isinstance(X, SpikeTrains):
        return X.select_trials([index]), "", None
    if isinstance(X, xr.DataArray):
        dim = "trial" if "trial" in X.dims else X.dims[0]
        one = X.isel({dim: [index]})
        label = ""
        if "y" in X.coords and X.coords["y"].dims == (dim,):
            label = str(X.coords["y"].values[index])
        subject = X.attrs.get("subject")
        return one, label, None if subject is None else str(subject)
    if isinstance(X, pd.DataFrame):
        return X.iloc[[index]], "", None
    if hasattr(X, "get_data") and hasattr(X, "event_id"):  # mne.Epochs
        code = int(X.events[index, 2])
        names = {value: key for key, value in X.event_id.items()}
        return X[[index]], str(names.get(code, code)), None
    return np.asarray(X)[index : index + 1], "", None


def example_dataset(featurizer, trials, index: int = 0, subject: str | None = None) -> xr.Dataset:
    """Diagnostics of one trial through a fitted S2-Net: raster, order parameter, PLV.

    The trial is simulated with the featurizer's network, configuration and seed
    (:meth:`S2Featurizer.simulate <s2decode.estimators.S2Featurizer.simulate>`); phases are
    the spike-history phases its features use (``method="history"`` of
    :func:`s2decode.sync.spike_phases` with ``f_omega_`` and ``config_.T_w``, sampled every
    2 ms over the trial), so the time mean of ``order`` is the trial's ``kuramoto_mean``
    feature when the featurizer has one window.

    Parameters
    ----------
    featurizer : S2Featurizer | S2Decoder | S2Regressor
        Fitted; a decoder's ``featurizer_`` is used.
    trials : DataArray | ndarray | DataFrame | mne.Epochs | SpikeTrains
        Trials of the kind the featurizer was fitted on (signals, static patterns or
        spikes); only trial ``index`` is simulated.
    index : int
        Position of the trial in ``trials``.
    subject : str | None
        Subject to record in the attributes; ``None`` takes ``trials.attrs["subject"]``
        where present.

    Returns
    -------
    example : xarray.Dataset
        ``spike_time`` and ``spike_node`` (index into ``node``) over dim ``spike``: the
        raster, in network seconds; ``order`` over ``("group", "time")``: the Kuramoto
        order parameter ``R(t)`` of all nodes (group ``"global"``) and of each network
        (groups sorted; nodes without a network form ``"none"``; no per-network rows
        without two networks), NaN where no node has fired yet; ``plv`` over
        ``("node", "node_to")``: the phase-locking value of every pair over the trial
        (:func:`s2decode.sync.phase_locking_matrix`: symmetric, in [0, 1], diagonal 1 for
        nodes that fired, NaN for silent ones); ``rate`` (Hz) and ``f_omega`` (Hz) per
        node; coords ``mni_x``, ``mni_y``, ``mni_z`` (NaN without positions) and
        ``network`` (``""`` without networks) on ``node``. Attributes: ``subject``,
        ``trial``, ``y`` (the trial's label as a string, ``""`` when unknown),
        ``duration`` and ``t_start`` (network s), ``mean_rate`` (Hz), ``n_spikes``,
        ``input_kind``, ``time_scale``, ``T_w``; the arithmetic energy of the trial
        (:func:`s2decode.energy.energy_table`, memory access not counted):
        ``synaptic_ops``, ``energy_pj`` (0.9 pJ per synaptic event) and ``dense_pj`` (a
        dense network of as many units, updated once per input sample, 4.6 pJ per MAC).

    Examples
    --------
    >>> from s2decode import S2Featurizer
    >>> from s2decode.datasets import load
    >>> trials = load("synthetic", n_trials=8, duration=0.5)
    >>> fz = S2Featurizer(random_state=0).fit(trials)
    >>> ex = example_dataset(fz, trials, index=3)
    >>> ex.sizes["node"], ex.attrs["input_kind"]
    (24, 'signals')
    """
    from sklearn.utils.validation import check_is_fitted

    from .. import sync
    from ..energy import energy_table, out_degree
    from . import features as _features
    from .featurizer import S2Featurizer

    fz = getattr(featurizer, "featurizer_", featurizer)
    if not isinstance(fz, S2Featurizer):
        raise TypeError(
            "`featurizer` must be a fitted S2Featurizer (or an S2Decoder/S2Regressor), got "
            f"{type(featurizer).__name__}."
        )
    check_is_fitted(fz, "config_")
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise TypeError(f"`index` must be an integer trial position, got {index!r}.")
    n_trials = _n_trials(trials)
    if not -n_trials <= index < n_trials:
        raise IndexError(f"`index`={index} is out of range for {n_trials} trials.")
    index = int(index) % n_trials
    one, label, data_subject = _one_trial(trials, index)
    if subject is None:
        subject = data_subject

    spikes = fz.simulate(one)
    names = [str(s) for s in fz.node_names_]
    n = len(names)
    networks = fz.node_networks_
    t0, t1 = spikes.t_start, spikes.t_stop
    duration = t1 - t0
    # the sampling of S2Featurizer.transform for a single whole-trial window
    window = np.array([[t0, t1]])
    times = _features.phase_times(window, min(_features.PHASE_STEP, duration / 10))
    omega = 2 * np.pi * np.asarray(fz.f_omega_, dtype=float)
    phases = sync.spike_phases(spikes, times, method="history", omega=omega, memory=fz.config_.T_w)[
        0
    ]
    labels, groups = _features.kuramoto_groups(networks)
    kura = sync.kuramoto_order(phases, labels)
    order = kura.order[np.newaxis]
    if kura.group_order is not None:
        order = np.concatenate([order, kura.group_order], axis=0)
    plv = sync.phase_locking_matrix(phases)

    energy = energy_table(
        spikes,
        out_degree=out_degree(fz.scaffold_.weights),
        dense_updates=fz.dense_updates(duration)[0],
    ).iloc[0]
    counts = spikes.spike_counts()[0]
    spike_node = np.repeat(np.arange(n, dtype=np.int64), counts)
    coords = np.full((n, 3), np.nan) if fz.node_coords_ is None else np.asarray(fz.node_coords_)
    nets = [""] * n if networks is None else [str(s) for s in networks]
    return xr.Dataset(
        {
            "spike_time": ("spike", spikes.times.copy(), {"units": "s"}),
            "spike_node": ("spike", spike_node),
            "order": (("group", "time"), order),
            "plv": (("node", "node_to"), plv),
            "rate": ("node", counts / duration, {"units": "Hz"}),
            "f_omega": ("node", np.asarray(fz.f_omega_, dtype=float), {"units": "Hz"}),
        },
        coords={
            "node": np.array(names, dtype=str),
            "node_to": np.array(names, dtype=str),
            "group": np.array(["global", *groups], dtype=str),
            "time": ("time", times, {"units": "s"}),
            "mni_x": ("node", coords[:, 0]),
            "mni_y": ("node", coords[:, 1]),
            "mni_z": ("node", coords[:, 2]),
            "network": ("node", np.array(nets, dtype=str)),
        },
        attrs={
            "description": "S2-Net diagnostics of one trial (s2decode.estimators.example_dataset)",
            "subject": "" if subject is None else str(subject),
            "trial": index,
            "y": label,
            "duration": float(duration),
            "t_start": float(t0),
            "mean_rate": float(counts.sum() / (n * duration)) if n else 0.0,
            "n_spikes": int(counts.sum()),
            "input_kind": str(fz.input_kind_),
            "time_scale": float(fz.config_.time_scale),
            "T_w": float(fz.config_.T_w),
            "synaptic_ops": float(energy["synaptic_ops"]),
            "energy_pj": float(energy["snn_pj"]),
            "dense_pj": float(energy["dense_pj"]),
        },
    )

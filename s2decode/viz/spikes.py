"""Figures of one trial's spikes: the raster and the Kuramoto order parameter over time.

Both take the example-trial :class:`xarray.Dataset` of
:func:`s2decode.estimators.example_dataset` (what a pipeline run saves as ``example.nc``);
:func:`plot_raster` also takes :class:`~s2decode.SpikeTrains` (recorded or simulated).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import xarray as xr

from .._docs import doc_filler
from ._layout import (
    NO_NETWORK,
    example_networks,
    label_nodes,
    network_colors,
    node_layout,
    text_color,
)

_EXAMPLE_TRIAL = """An example trial (:func:`s2decode.estimators.example_dataset`, or a run's
``example.nc``)"""

#: Decorator of the trial figures (:mod:`s2decode._docs`): where their ``example`` comes from,
#: written once for :func:`plot_raster`, :func:`plot_order_parameter` and
#: :func:`~s2decode.viz.plot_plv`. ``%(example)s`` is the whole Parameters entry of an
#: ``example`` that is a Dataset, ``%(example_trial)s`` its description alone.
fill_doc = doc_filler(
    {
        "example": "example : xarray.Dataset\n" + textwrap.indent(_EXAMPLE_TRIAL, "    "),
        "example_trial": _EXAMPLE_TRIAL,
    }
)


def check_example(example: xr.Dataset, needs: Sequence[str], func: str) -> xr.Dataset:
    """``example`` as a Dataset holding the variables ``needs``, else a TypeError/ValueError
    that says where such a Dataset comes from."""
    hint = (
        "pass the Dataset of s2decode.estimators.example_dataset(featurizer, trials, index) "
        "or xarray.load_dataset('OUT/example.nc') of a pipeline run"
    )
    if not isinstance(example, xr.Dataset):
        raise TypeError(
            f"{func}: `example` must be an xarray.Dataset, got {type(example).__name__}; {hint}."
        )
    missing = [v for v in needs if v not in example.variables]
    if missing:
        raise ValueError(f"{func}: `example` has no {', '.join(missing)}; {hint}.")
    return example


def spikes_dataset(spikes, trial: int = 0, networks: Sequence[str] | None = None) -> xr.Dataset:
    """One trial of :class:`~s2decode.SpikeTrains` as the raster part of an example Dataset.

    Parameters
    ----------
    spikes : SpikeTrains
        Recorded or simulated spike trains.
    trial : int
        Which trial.
    networks : sequence of str | None
        Network of each neuron (colours and groups the raster).

    Returns
    -------
    example : xarray.Dataset
        ``spike_time``, ``spike_node`` (over ``spike``) and ``rate`` (over ``node``), with
        the attributes :func:`plot_raster` reads (``trial``, ``t_start``, ``duration``,
        ``n_spikes``, ``mean_rate``).
    """
    from ..spiketrains import SpikeTrains

    if not isinstance(spikes, SpikeTrains):
        raise TypeError(f"`spikes` must be SpikeTrains, got {type(spikes).__name__}.")
    if isinstance(trial, bool) or not isinstance(trial, int | np.integer):
        raise TypeError(f"`trial` must be an integer trial position, got {trial!r}.")
    if not -spikes.n_trials <= trial < spikes.n_trials:
        raise IndexError(f"`trial`={trial} is out of range for {spikes.n_trials} trials.")
    trial = int(trial) % spikes.n_trials
    n = spikes.n_neurons
    trains = spikes.trial(trial)
    counts = np.array([len(t) for t in trains], dtype=np.int64)
    names = spikes.neuron_names or [f"neuron {i}" for i in range(n)]
    nets = [""] * n if networks is None else [str(s) for s in networks]
    if len(nets) != n:
        raise ValueError(f"`networks` has {len(nets)} entries for {n} neurons.")
    duration = spikes.t_stop - spikes.t_start
    return xr.Dataset(
        {
            "spike_time": ("spike", np.concatenate([np.zeros(0), *trains]), {"units": "s"}),
            "spike_node": ("spike", np.repeat(np.arange(n, dtype=np.int64), counts)),
            "rate": ("node", counts / duration if duration > 0 else counts * 0.0, {"units": "Hz"}),
        },
        coords={"node": np.array(names, dtype=str), "network": ("node", np.array(nets, dtype=str))},
        attrs={
            "trial": trial,
            "t_start": spikes.t_start,
            "duration": duration,
            "n_spikes": int(counts.sum()),
            "mean_rate": float(counts.sum() / (n * duration)) if n and duration > 0 else 0.0,
        },
    )


def example_title(example: xr.Dataset) -> str:
    """Subject, trial, label, spike count and mean rate of an example trial, as a title line.

    For instance ``subject 1, trial 3, label feet, 212 spikes, mean rate 7.1 Hz``; the subject,
    label and mean rate are left out where the example has none.
    """
    ex = example
    parts = []
    if ex.attrs.get("subject") not in (None, "", "-"):  # "-": a dataset without subjects
        parts.append(f"subject {ex.attrs['subject']}")
    parts.append(f"trial {ex.attrs.get('trial', '?')}")
    if ex.attrs.get("y") not in (None, ""):
        parts.append(f"label {ex.attrs['y']}")
    parts.append(f"{int(ex.attrs.get('n_spikes', ex.sizes.get('spike', 0)))} spikes")
    if "mean_rate" in ex.attrs:
        parts.append(f"mean rate {float(ex.attrs['mean_rate']):.1f} Hz")
    return ", ".join(parts)


@fill_doc
def plot_raster(example, *, trial: int = 0, networks: Sequence[str] | None = None):
    """Spike raster of one trial, nodes grouped and coloured by network, with their rates.

    Parameters
    ----------
    example : xarray.Dataset | SpikeTrains
        %(example_trial)s, or spike trains.
    trial : int
        The trial of ``SpikeTrains`` to draw (ignored for a Dataset, which holds one).
    networks : sequence of str | None
        Network of each neuron of ``SpikeTrains`` (a Dataset carries its own).

    Returns
    -------
    fig : matplotlib.figure.Figure
        Left: one row per node, a tick per spike (time in s); right: each node's rate (Hz).

    Examples
    --------
    >>> import numpy as np
    >>> from s2decode import SpikeTrains
    >>> st = SpikeTrains.from_lists([[np.array([0.1, 0.5]), np.array([0.2])]], 0.0, 1.0)
    >>> fig = plot_raster(st)
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['time (s)', 'rate (Hz)']
    """
    from matplotlib.figure import Figure

    if not isinstance(example, xr.Dataset):
        example = spikes_dataset(example, trial, networks)
    ex = check_example(example, ("spike_time", "spike_node"), "plot_raster")
    order, nets, colors = node_layout(example_networks(ex))
    n = len(nets)
    row_of = np.empty(n, dtype=int)
    row_of[order] = np.arange(n)
    sorted_nets = [nets[i] for i in order]
    height = float(np.clip(1.6 + 0.022 * n, 3.0, 7.5))
    fig = Figure(figsize=(10.5, height), layout="constrained")
    ax, ax_rate = fig.subplots(1, 2, sharey=True, width_ratios=[6, 1])
    node = ex["spike_node"].values.astype(int)
    t = ex["spike_time"].values
    row_points = 72 * 0.8 * height / max(n, 1)  # points per node row
    ax.scatter(
        t,
        row_of[node],
        marker="|",
        s=min(max(row_points, 1.5), 12) ** 2,
        c=[colors[nets[i]] for i in node],
        linewidths=0.9 if n < 60 else 0.6,
    )
    t0, dur = float(ex.attrs.get("t_start", 0.0)), float(ex.attrs.get("duration", np.nan))
    if np.isfinite(dur) and dur > 0:
        ax.set_xlim(t0, t0 + dur)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel("time (s)")
    names = [str(ex["node"].values[i]) for i in order]
    label_nodes(ax, names, sorted_nets, colors, "y", max_names=20)
    rate = ex["rate"].values[order] if "rate" in ex else np.zeros(n)
    ax_rate.barh(np.arange(n), rate, height=1.0, color=[colors[s] for s in sorted_nets])
    ax_rate.set_xlabel("rate (Hz)")
    ax_rate.tick_params(axis="y", left=False)
    ax.set_title(example_title(ex), loc="left")
    return fig


@fill_doc
def plot_order_parameter(example: xr.Dataset):
    """Kuramoto order parameter R(t) of an example trial, of all nodes and per network.

    Parameters
    ----------
    %(example)s: ``order`` over ``("group", "time")``, group ``"global"`` first.

    Returns
    -------
    fig : matplotlib.figure.Figure
        R(t) (0 to 1) against time (s): global in black (dotted: its mean), a line per
        network for up to five networks, a heat map of the networks' R(t) below for more.
    """
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    ex = check_example(example, ("order",), "plot_order_parameter")
    order = ex["order"]
    time = ex["time"].values
    groups = [str(g) for g in ex["group"].values]
    if "global" not in groups:
        raise ValueError("plot_order_parameter: `example.order` has no 'global' group.")
    nets = [g for g in groups if g != "global"]
    # the raster's colours: from the nodes' networks ("none" is kuramoto_groups' name for
    # the nodes without one)
    if "node" in ex.dims:
        node_nets = node_layout(example_networks(ex))[1]
    else:
        node_nets = [g for g in nets if g != "none"]
    colors = network_colors(node_nets)
    labels = [NO_NETWORK if g == "none" and g not in node_nets else g for g in nets]
    grey = colors[NO_NETWORK]
    r_global = order.sel(group="global").values
    as_lines = len(nets) <= 5
    fig = Figure(figsize=(10.5, 3.2 if as_lines else 3.0 + 0.17 * len(nets)), layout="constrained")
    if as_lines:
        ax, ax_map = fig.subplots(), None
    else:
        ax, ax_map = fig.subplots(2, 1, sharex=True, height_ratios=[1, 0.35 + 0.1 * len(nets)])
    if as_lines:  # more networks go to the heat map below: a legible legend of lines
        for name, label in zip(nets, labels, strict=True):
            ax.plot(
                time,
                order.sel(group=name).values,
                lw=1.1,
                color=colors.get(label, grey),
                label=label,
            )
    ax.plot(time, r_global, lw=2.0, color="black", label="global")
    finite = np.isfinite(r_global).any()
    mean = np.nanmean(r_global) if finite else np.nan
    if np.isfinite(mean):
        ax.axhline(mean, color="black", ls=":", lw=1)
    ax.set_ylim(0, 1.02)
    ax.grid(axis="y", color="0.92")
    if as_lines:
        ax.set_ylabel("Kuramoto R(t)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    else:
        ax.set_ylabel("global R(t)")
    sd = np.nanstd(r_global) if finite else np.nan
    ax.set_title(
        f"Order parameter of the spike-history phases: global mean {mean:.2f}, "
        f"metastability (sd) {sd:.2f}",
        loc="left",
    )
    if ax_map is not None:
        values = np.ma.masked_invalid(order.sel(group=nets).values)
        step = time[1] - time[0] if time.size > 1 else 1.0
        image = ax_map.imshow(
            values,
            aspect="auto",
            interpolation="nearest",
            cmap=colormaps["viridis"].with_extremes(bad="0.85"),  # grey: undefined
            vmin=0,
            vmax=1,
            extent=(time[0] - step / 2, time[-1] + step / 2, len(nets) - 0.5, -0.5),
        )
        ax_map.set_yticks(range(len(nets)), labels, fontsize=7.5)
        for tick, label in zip(ax_map.get_yticklabels(), labels, strict=True):
            tick.set_color(text_color(colors.get(label, grey)))
        fig.colorbar(image, ax=ax_map, label="R(t) per network", pad=0.01)
        ax_map.set_xlabel("time (s)")
    else:
        ax.set_xlabel("time (s)")
    return fig

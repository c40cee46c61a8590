"""The figure of synchronization and semantization: dispersion next to separability."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._layout import network_colors


def plot_semantization(table: pd.DataFrame):
    """Spike-time dispersion and class separability over time, one line per network.

    Parameters
    ----------
    table : DataFrame
        :func:`s2decode.sync.semantization`'s table.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Top: dispersion (ms) of each network's first spikes per window; bottom: the Fisher
        ratio of its spike counts; the window's centre (s) on the x axis; ``"global"``
        in black.

    Examples
    --------
    >>> table = pd.DataFrame({"network": "global", "window": [0, 1], "t_start": [0, 0.1],
    ...                       "t_stop": [0.2, 0.3], "dispersion": [0.02, 0.01],
    ...                       "fisher_ratio": [0.1, 0.4], "rate": [5.0, 6.0]})
    >>> [ax.get_ylabel() for ax in plot_semantization(table).axes]
    ['dispersion (ms)', 'Fisher ratio']
    """
    from matplotlib.figure import Figure

    needed = ("network", "t_start", "t_stop", "dispersion", "fisher_ratio")
    if not isinstance(table, pd.DataFrame) or any(c not in table.columns for c in needed):
        raise ValueError(
            "plot_semantization: `table` must be the DataFrame of "
            f"s2decode.sync.semantization (columns {', '.join(needed)})."
        )
    names = list(dict.fromkeys(table["network"]))
    colors = network_colors([n for n in names if n != "global"])
    fig = Figure(figsize=(9.0, 5.2), layout="constrained")
    ax_d, ax_f = fig.subplots(2, 1, sharex=True)
    for name in names:
        part = table[table["network"] == name]
        centre = (part["t_start"].to_numpy() + part["t_stop"].to_numpy()) / 2
        style = {"color": "black", "lw": 2.0} if name == "global" else {
            "color": colors[name], "lw": 1.1}  # fmt: skip
        ax_d.plot(centre, 1e3 * part["dispersion"].to_numpy(float), label=name, **style)
        ax_f.plot(centre, part["fisher_ratio"].to_numpy(float), **style)
    ax_d.set_ylabel("dispersion (ms)")
    ax_f.set_ylabel("Fisher ratio")
    ax_f.set_xlabel("window centre (s from the trial's start)")
    ax_d.set_title("Spike-time dispersion of each network (low: one volley)", loc="left")
    ax_f.set_title("Class separability of its spike counts", loc="left")
    if len(names) <= 16:
        ax_d.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
    for ax in (ax_d, ax_f):
        ax.grid(color="0.92")
        ax.set_ylim(bottom=0 if np.isfinite(ax.get_ylim()[0]) else None)
    return fig

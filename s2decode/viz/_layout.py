"""Node order, network colours and block labels shared by the node-wise figures."""

from __future__ import annotations

from typing import Any

import numpy as np

#: How figures label the nodes that belong to no network.
NO_NETWORK = "(no network)"


def example_networks(example) -> list[str]:
    """The network of each node of an example-trial Dataset (``""`` where it has none)."""
    if "network" in example.coords:
        return [str(s) for s in example["network"].values]
    return [""] * example.sizes["node"]


def network_colors(networks: list[str]) -> dict[str, Any]:
    """One colour per network name (tab10/tab20), grey for :data:`NO_NETWORK`."""
    from matplotlib import colormaps

    names = sorted(set(networks) - {NO_NETWORK})
    cmap = colormaps["tab10" if len(names) <= 10 else "tab20"]
    colors = {name: cmap(i % cmap.N) for i, name in enumerate(names)}
    colors[NO_NETWORK] = (0.45, 0.45, 0.45, 1.0)
    return colors


def text_color(color) -> tuple:
    """A colour dark enough for text on white (pastel network colours darkened)."""
    from matplotlib.colors import to_rgb

    rgb = np.array(to_rgb(color))
    luminance = float(rgb @ [0.2126, 0.7152, 0.0722])
    return tuple(rgb * min(1.0, 0.55 / luminance)) if luminance > 0.55 else tuple(rgb)


def node_layout(networks) -> tuple[np.ndarray, list[str], dict[str, Any]]:
    """Node order grouped by network (sorted, as the order parameter's groups), the
    network of each node (:data:`NO_NETWORK` for ``""``) and their colours."""
    nets = [str(s) if str(s) else NO_NETWORK for s in networks]
    order = np.array(
        sorted(range(len(nets)), key=lambda i: (nets[i] == NO_NETWORK, nets[i])), dtype=int
    )
    return order, nets, network_colors(nets)


def blocks(sorted_nets: list[str]) -> list[tuple[str, int, int]]:
    """(network, first, stop) of consecutive runs."""
    out, start = [], 0
    for i in range(1, len(sorted_nets) + 1):
        if i == len(sorted_nets) or sorted_nets[i] != sorted_nets[start]:
            out.append((sorted_nets[start], start, i))
            start = i
    return out


def label_blocks(ax, node_blocks, colors, axis: str) -> None:
    """Network names at the centre of their block of nodes, separators between blocks."""
    centers = [(a + b - 1) / 2 for _, a, b in node_blocks]
    names = [name for name, _, _ in node_blocks]
    setter = ax.set_yticks if axis == "y" else ax.set_xticks
    setter(centers, names, fontsize=8 if len(node_blocks) <= 14 else 6.5)
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    for tick, name in zip(labels, names, strict=True):
        tick.set_color(text_color(colors[name]))
    if axis == "x":
        ax.tick_params(axis="x", labelrotation=90)
    line = ax.axhline if axis == "y" else ax.axvline
    for _, a, _ in node_blocks[1:]:
        line(a - 0.5, color="0.75", lw=0.6)
    ax.tick_params(axis=axis, length=0)


def label_nodes(
    ax, names: list[str], networks: list[str], colors, axes: str, max_names: int = 30
) -> None:
    """Network blocks where nodes have networks, node names where few, else a plain label.

    ``names`` and ``networks`` are in the drawn (grouped) order.
    """
    n = len(names)
    if any(s != NO_NETWORK for s in networks):
        node_blocks = blocks(networks)
        for axis in axes:
            label_blocks(ax, node_blocks, colors, axis)
    elif n <= max_names:
        for axis in axes:
            if axis == "y":
                ax.set_yticks(range(n), names, fontsize=7)
            else:
                ax.set_xticks(range(n), names, fontsize=7, rotation=90)
    else:
        for axis in axes:
            (ax.set_ylabel if axis == "y" else ax.set_xlabel)("node")

"""Figures of the temporal-binding task: a scene, its objects and what S2-Net grouped."""

from __future__ import annotations

import numpy as np


def plot_binding(scenes, result=None, index: int = 0):
    """A scene, its true objects and, given a result, the groups found and the rates.

    Parameters
    ----------
    scenes : s2decode.binding.Scenes
        The scenes.
    result : s2decode.binding.BindingResult | None
        What :func:`s2decode.binding.bind` returned for them.
    index : int
        Which scene.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Panels: the grey-level image, the true objects, then (with ``result``) the phase
        groups (titled with the scene's foreground ARI) and each pixel's firing rate (Hz).

    Examples
    --------
    >>> from s2decode.binding import make_scenes
    >>> fig = plot_binding(make_scenes(1, 2, seed=0))
    >>> [ax.get_title() for ax in fig.axes]
    ['scene 0: image', 'true objects (2)']
    """
    from matplotlib.figure import Figure

    from ..binding import Scenes

    if not isinstance(scenes, Scenes):
        raise TypeError(f"`scenes` must be s2decode.binding.Scenes, got {type(scenes).__name__}.")
    if not -len(scenes) <= index < len(scenes):
        raise IndexError(f"`index`={index} is out of range for {len(scenes)} scenes.")
    index = int(index) % len(scenes)
    panels = 2 if result is None else 4
    fig = Figure(figsize=(2.9 * panels + 0.8, 3.2), layout="constrained")
    axes = fig.subplots(1, panels)
    axes[0].imshow(scenes.images[index], cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(f"scene {index}: image")
    mask = np.ma.masked_equal(scenes.masks[index], 0)
    axes[1].imshow(mask, cmap="tab10", vmin=0, vmax=9, interpolation="nearest")
    axes[1].set_title(f"true objects ({int(scenes.n_objects[index])})")
    if result is not None:
        axes[2].imshow(result.labels[index], cmap="tab10", vmin=0, vmax=9, interpolation="nearest")
        axes[2].set_title(f"phase groups, FG-ARI {result.fg_ari[index]:.2f}")
        image = axes[3].imshow(result.rates[index], cmap="viridis")
        axes[3].set_title("firing rate")
        fig.colorbar(image, ax=axes[3], label="rate (Hz)", shrink=0.8)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig

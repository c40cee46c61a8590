"""Scenes of overlapping shapes, with the mask of every object: the temporal-binding task.

Each scene is a ``size x size`` grey image of 2-4 shapes (squares, triangles, discs,
diamonds, crosses, L shapes) of random size and position, drawn one over the other (a later
shape hides what it covers), each with its own grey level; the background is 0. The masks
say which object every pixel shows (0: background), which is what a binding model has to
recover without being told.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._checks import check_number, check_seed

#: The shapes of :func:`make_scenes`.
SHAPES = ("square", "triangle", "disc", "diamond", "cross", "ell")


@dataclass(frozen=True)
class Scenes:
    """Images and the object masks behind them.

    Attributes
    ----------
    images : ndarray, shape (n_scenes, height, width)
        Grey levels in [0, 1]; 0 is background.
    masks : ndarray of int, shape (n_scenes, height, width)
        ``k`` where object ``k`` (1, 2, ...) is visible, 0 on the background.
    n_objects : ndarray of int, shape (n_scenes,)
        Objects with at least one visible pixel in each scene.
    """

    images: np.ndarray
    masks: np.ndarray
    n_objects: np.ndarray

    def __post_init__(self) -> None:
        images, masks = np.asarray(self.images), np.asarray(self.masks)
        if images.ndim != 3 or images.shape != masks.shape:
            raise ValueError(
                "`images` and `masks` must both have shape (n_scenes, height, width), got "
                f"{images.shape} and {masks.shape}."
            )
        if not np.issubdtype(masks.dtype, np.integer) or masks.min(initial=0) < 0:
            raise ValueError("`masks` must hold non-negative integers (0: background).")
        if not np.all(np.isfinite(images)):
            raise ValueError("`images` contains NaN or infinite values.")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)`` of the scenes."""
        return self.images.shape[1:]

    @classmethod
    def from_arrays(cls, images, masks) -> Scenes:
        """Your own images with masks (``0``: background), e.g. a segmentation data set."""
        images = np.asarray(images, dtype=float)
        masks = np.asarray(masks)
        if images.ndim == 2:
            images, masks = images[np.newaxis], masks[np.newaxis]
        if not np.issubdtype(masks.dtype, np.integer):
            if np.any(masks != np.round(masks)):
                raise ValueError("`masks` must hold integer object labels (0: background).")
            masks = masks.astype(np.int64)
        n = np.array([np.unique(m[m > 0]).size for m in masks], dtype=np.int64)
        return cls(images, masks, n)


def _shape_mask(kind: str, extent: int, rng: np.random.Generator) -> np.ndarray:
    """A boolean ``extent x extent`` mask of one shape."""
    r = np.arange(extent) - (extent - 1) / 2
    yy, xx = np.meshgrid(r, r, indexing="ij")
    half = extent / 2
    if kind == "square":
        return np.ones((extent, extent), bool)
    if kind == "disc":
        return xx**2 + yy**2 <= half**2
    if kind == "diamond":
        return np.abs(xx) + np.abs(yy) <= half
    if kind == "triangle":  # apex up, base at the bottom row
        return np.abs(xx) <= (yy + half) / 2
    if kind == "cross":
        bar = max(1, extent // 3) / 2
        return (np.abs(xx) <= bar) | (np.abs(yy) <= bar)
    if kind == "ell":
        bar = max(1, extent // 3)
        mask = np.zeros((extent, extent), bool)
        mask[:, :bar] = True
        mask[-bar:, :] = True
        return mask[:, ::-1] if rng.uniform() < 0.5 else mask
    raise ValueError(f"Unknown shape {kind!r}; choose from {SHAPES}.")


def make_scenes(
    n_scenes: int,
    n_objects: int = 2,
    *,
    size: int = 32,
    extent: tuple[int, int] = (9, 15),
    shapes: Sequence[str] = SHAPES,
    levels: tuple[float, float] = (0.35, 1.0),
    min_contrast: float = 0.15,
    min_visible: int = 12,
    seed: int | np.random.Generator | None = None,
) -> Scenes:
    """Random scenes of ``n_objects`` overlapping shapes.

    Parameters
    ----------
    n_scenes : int
        How many scenes.
    n_objects : int
        Shapes per scene (the binding task uses 2, 3 and 4).
    size : int
        Height and width in pixels.
    extent : (int, int)
        Smallest and largest side of a shape's bounding box, in pixels.
    shapes : sequence of str
        Shapes to draw from (:data:`SHAPES`).
    levels : (float, float)
        Range of the objects' grey levels (background 0).
    min_contrast : float
        Smallest difference between the grey levels of two objects of a scene.
    min_visible : int
        Pixels each object keeps after the later ones are drawn over it; a scene that
        falls short is drawn again.
    seed : int | Generator | None
        Randomness (the same seed gives the same scenes).

    Returns
    -------
    scenes : Scenes
        ``images``, ``masks`` (objects numbered in drawing order) and ``n_objects``.

    Examples
    --------
    >>> scenes = make_scenes(3, n_objects=2, seed=0)
    >>> scenes.images.shape, sorted(np.unique(scenes.masks[0]).tolist())
    ((3, 32, 32), [0, 1, 2])
    """
    check_number(n_scenes, "n_scenes", low=1, integer=True)
    check_number(n_objects, "n_objects", low=1, integer=True)
    check_number(size, "size", low=4, integer=True)
    lo, hi = extent
    if not 2 <= lo <= hi <= size:
        raise ValueError(f"`extent` must satisfy 2 <= low <= high <= size ({size}), got {extent}.")
    unknown = sorted(set(shapes) - set(SHAPES))
    if unknown or not shapes:
        raise ValueError(f"`shapes` must be a non-empty subset of {SHAPES}, got {list(shapes)}.")
    span = levels[1] - levels[0]
    if not 0 < levels[0] <= levels[1] <= 1 or (n_objects - 1) * min_contrast > span + 1e-12:
        raise ValueError(
            f"`levels`={levels} must lie in (0, 1] and leave room for {n_objects} grey levels "
            f"{min_contrast} apart."
        )
    rng = check_seed(seed)
    images = np.zeros((n_scenes, size, size))
    masks = np.zeros((n_scenes, size, size), dtype=np.int64)
    for s in range(n_scenes):
        for _ in range(1000):
            image, mask = np.zeros((size, size)), np.zeros((size, size), dtype=np.int64)
            grey = _levels(n_objects, levels, min_contrast, rng)
            for k in range(1, n_objects + 1):
                side = int(rng.integers(lo, hi + 1))
                shape = _shape_mask(str(rng.choice(list(shapes))), side, rng)
                top, left = rng.integers(0, size - side + 1, 2)
                window = (slice(top, top + side), slice(left, left + side))
                image[window][shape] = grey[k - 1]
                mask[window][shape] = k
            visible = np.bincount(mask.ravel(), minlength=n_objects + 1)[1:]
            if visible.min() >= min_visible:
                break
        else:
            raise RuntimeError(
                f"Could not place {n_objects} objects with {min_visible} visible pixels each in "
                f"{size} x {size} scenes; lower `min_visible` or `extent`, or raise `size`."
            )
        images[s], masks[s] = image, mask
    return Scenes(images, masks, np.full(n_scenes, n_objects, dtype=np.int64))


def _levels(n: int, levels, min_contrast: float, rng) -> np.ndarray:
    """``n`` grey levels in ``levels``, at least ``min_contrast`` apart, in random order."""
    lo, hi = levels
    slack = (hi - lo) - (n - 1) * min_contrast
    gaps = np.sort(rng.uniform(0, slack, n))
    values = lo + gaps + min_contrast * np.arange(n)
    return rng.permutation(values)

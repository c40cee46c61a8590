"""Cortical-parcel atlases: labels, MNI coordinates, networks and the image where there is one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Atlas:
    """A set of parcels with positions in MNI space.

    Attributes
    ----------
    name : str
        Short name (``"seitzman300"``, a file name, ...).
    labels : list of str
        Parcel names, unique.
    coords : ndarray, shape (n_parcels, 3)
        Parcel centres (centroids for label images) in MNI mm.
    networks : list of str | None
        Network of each parcel where the atlas defines one.
    image : nibabel image | None
        The label volume for image atlases (value ``k`` = parcel ``k - 1`` of ``labels``
        in the order of ``label_values``); ``None`` for coordinate atlases.
    label_values : ndarray | None
        Integer value of each parcel in ``image``.
    radius : float | None
        Sphere radius in mm for coordinate atlases (used by fMRI sphere masking).
    meta : dict
        Space, source, citation, licence.
    """

    name: str
    labels: list[str]
    coords: np.ndarray
    networks: list[str] | None = None
    image: Any = None
    label_values: np.ndarray | None = None
    radius: float | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.labels = [str(s) for s in self.labels]
        self.coords = np.asarray(self.coords, dtype=float)
        n = len(self.labels)
        if self.coords.shape != (n, 3):
            raise ValueError(
                f"Atlas {self.name!r}: coords must have shape ({n}, 3), got {self.coords.shape}."
            )
        if len(set(self.labels)) != n:
            raise ValueError(f"Atlas {self.name!r}: parcel labels must be unique.")
        if self.networks is not None:
            self.networks = [str(s) for s in self.networks]
            if len(self.networks) != n:
                raise ValueError(
                    f"Atlas {self.name!r}: {len(self.networks)} networks for {n} parcels."
                )

    @property
    def n_parcels(self) -> int:
        """Number of parcels."""
        return len(self.labels)

    def __len__(self) -> int:
        return self.n_parcels

    def __repr__(self) -> str:
        nets = f", {len(set(self.networks))} networks" if self.networks else ""
        kind = "image" if self.image is not None else "coordinates"
        return f"<Atlas {self.name!r} | {self.n_parcels} parcels{nets}, {kind}>"

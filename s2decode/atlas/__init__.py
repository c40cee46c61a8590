"""Atlases, the projection of sensors / voxels / units onto parcels, and the scaffold."""

from .atlases import Atlas
from .scaffold import Scaffold

__all__ = ["Atlas", "Scaffold"]

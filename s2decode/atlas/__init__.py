"""Atlases, the projection of sensors / voxels / units onto parcels, and the scaffold."""

from .atlases import (
    BUILTIN_ATLASES,
    DEFAULT_ATLAS,
    Atlas,
    atlas_from_annot,
    atlas_from_label_image,
    atlas_spec,
    fetch_atlas,
    list_atlases,
    load_atlas,
    read_lut,
)
from .scaffold import Scaffold

__all__ = [
    "BUILTIN_ATLASES",
    "DEFAULT_ATLAS",
    "Atlas",
    "Scaffold",
    "atlas_from_annot",
    "atlas_from_label_image",
    "atlas_spec",
    "fetch_atlas",
    "list_atlases",
    "load_atlas",
    "read_lut",
]

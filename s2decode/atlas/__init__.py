"""Atlases, the projection of sensors / voxels / units onto parcels, and the scaffold."""

from .atlases import (
    BUILTIN_ATLASES,
    DEFAULT_ATLAS,
    Atlas,
    atlas_from_annot,
    atlas_from_label_image,
    atlas_kind,
    atlas_spec,
    fetch_atlas,
    list_atlases,
    load_atlas,
    read_lut,
)
from .projection import (
    SensorDistanceProjector,
    SourceProjector,
    eeg_info,
    head_to_mni,
    make_projector,
    mni_to_head,
)
from .scaffold import Scaffold

__all__ = [
    "BUILTIN_ATLASES",
    "DEFAULT_ATLAS",
    "Atlas",
    "Scaffold",
    "SensorDistanceProjector",
    "SourceProjector",
    "atlas_from_annot",
    "atlas_from_label_image",
    "atlas_kind",
    "atlas_spec",
    "eeg_info",
    "fetch_atlas",
    "head_to_mni",
    "list_atlases",
    "load_atlas",
    "make_projector",
    "mni_to_head",
    "read_lut",
]

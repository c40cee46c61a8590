"""Online atlases (Schaefer 2018, Harvard-Oxford, AAL, Destrieux), fetched and cached by nilearn.

:func:`fetch_atlas` downloads an atlas once into nilearn's data directory, then reads it from
there, and turns nilearn's maps and label table into an :class:`~s2decode.atlas.Atlas`
(through :func:`~s2decode.atlas.atlas_from_label_image`). The names it accepts are here too,
for :func:`~s2decode.atlas.load_atlas` and :func:`~s2decode.atlas.atlas_kind` to recognise.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from .formats import atlas_from_label_image

if TYPE_CHECKING:
    from .atlases import Atlas

# atlases.py imports this module (load_atlas sends online names here), so fetch_atlas imports
# atlas_spec from it when it runs, not at import.

#: Atlases fetched online (and cached) through nilearn.
ONLINE_ATLASES = ("schaefer<n>[_17net]", "harvard_oxford", "aal", "destrieux")

_ONLINE_NAMES = ("harvard_oxford", "aal", "destrieux")
_SCHAEFER_RE = re.compile(r"^schaefer(?P<n>\d+)(?:_(?P<nets>7|17)net)?$")


def fetch_atlas(
    name: str,
    *,
    data_dir: str | os.PathLike | None = None,
    resolution_mm: int = 2,
    verbose: int = 0,
) -> Atlas:
    """Fetch an online atlas through nilearn (downloaded once, then read from its cache).

    Parameters
    ----------
    name : str
        ``"schaefer<n>"`` (n in 100, 200, ..., 1000; Yeo 7 networks) or
        ``"schaefer<n>_17net"``; ``"harvard_oxford"`` (cortical, max-probability at 25%,
        2 mm, lateralised); ``"aal"`` (AAL3v2); ``"destrieux"`` (lateralised volume).
    data_dir : path-like | None
        nilearn's data directory (its default where ``None``).
    resolution_mm : {1, 2}
        Voxel size for Schaefer.
    verbose : int
        Verbosity of the nilearn fetcher.

    Returns
    -------
    atlas : Atlas
        As :func:`atlas_from_label_image`; Schaefer atlases carry their networks.
    """
    import nilearn.datasets as nds

    from .atlases import atlas_spec

    key = name.lower()
    kwargs = {"data_dir": None if data_dir is None else str(data_dir), "verbose": verbose}
    schaefer = _SCHAEFER_RE.match(key)
    if schaefer:
        n_rois = int(schaefer["n"])
        if n_rois not in range(100, 1001, 100):
            raise ValueError(f"Schaefer 2018 comes in 100, 200, ..., 1000 parcels, not {n_rois}.")
        bunch = nds.fetch_atlas_schaefer_2018(
            n_rois=n_rois,
            yeo_networks=int(schaefer["nets"] or 7),
            resolution_mm=resolution_mm,
            **kwargs,
        )
        spec = "schaefer2018"
    elif key == "harvard_oxford":
        bunch = nds.fetch_atlas_harvard_oxford(
            "cort-maxprob-thr25-2mm", symmetric_split=True, **kwargs
        )
        spec = "harvard_oxford"
    elif key == "aal":
        bunch = nds.fetch_atlas_aal(**kwargs)
        spec = "aal"
    elif key == "destrieux":
        bunch = nds.fetch_atlas_destrieux_2009(lateralized=True, **kwargs)
        spec = "destrieux"
    else:
        raise ValueError(f"Unknown online atlas {name!r}; use one of {ONLINE_ATLASES}.")
    return atlas_from_label_image(
        bunch.maps,
        labels=_nilearn_lut(bunch),
        name=key,
        meta=dict(atlas_spec(spec, missing_ok=True), fetched_by="nilearn"),
    )


def _nilearn_lut(bunch: Any) -> dict[int, str]:
    lut = getattr(bunch, "lut", None)
    if lut is not None:
        table = {int(i): str(n) for i, n in zip(lut["index"], lut["name"], strict=True)}
    else:  # older nilearn: labels (with or without a background entry) and maybe indices
        names = [str(n) for n in bunch.labels]
        indices = getattr(bunch, "indices", None)
        if indices is None:
            indices = (
                range(len(names)) if names[0].lower() == "background" else range(1, 1 + len(names))
            )
        table = {int(i): n for i, n in zip(indices, names, strict=True)}
    table.pop(0, None)
    return {i: n for i, n in table.items() if n.lower() != "background"}

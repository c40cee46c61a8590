"""Atlases from files: label volumes, FreeSurfer annotations and look-up tables of names.

:func:`atlas_from_label_image` reads a label volume (or a 4-D stack of parcel maps) into an
:class:`~s2decode.atlas.Atlas` with the labels' centroids in MNI mm;
:func:`atlas_from_annot` reads a FreeSurfer annotation on fsaverage (both hemispheres, the
centroids of the regions' vertices); :func:`read_lut` reads a table of label names (FreeSurfer
colour table, Schaefer ``.txt``, ``.tsv``/``.csv``). Schaefer 2018 files get their names and
networks from CBIG's tables. :func:`~s2decode.atlas.load_atlas` calls these for a path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .atlases import Atlas

# atlases.py imports this module (load_atlas sends paths here), so the readers below import
# Atlas and the spec helpers from it when they run, not at import.

_IMAGE_SUFFIXES = (".nii", ".nii.gz", ".mgz", ".mgh", ".img")

# --------------------------------------------------------------------------------------
# Label volumes


def atlas_from_label_image(
    img: Any,
    *,
    labels: Any = None,
    networks: Any = None,
    name: str | None = None,
    meta: dict | None = None,
) -> Atlas:
    """Build an atlas from a label volume (or a 4-D stack of parcel maps).

    Parameters
    ----------
    img : path-like | nibabel image
        A 3-D integer label volume in MNI space (0 = background), or a 4-D image with one
        (probabilistic or binary) map per parcel along the last axis.
    labels : sequence of str | mapping | path-like | None
        Parcel names: a sequence in the order of the sorted non-zero label values (of the
        maps for a 4-D image), a mapping ``{value: name}``, or a look-up table file
        (see :func:`load_atlas`). ``None``: CBIG's table for a Schaefer 2018 file where it
        is found (next to the image, or in nilearn's cache), else ``"parcel_<value>"``.
    networks : sequence of str | None
        Network of each parcel. ``None`` derives them from Schaefer-style names
        (``"7Networks_LH_Vis_1"`` -> ``"Vis"``) where all names have that form.
    name : str | None
        Atlas name; the file name without its suffix where ``None``.
    meta : dict | None
        Extra metadata (source, citation, licence) merged into ``atlas.meta``.

    Returns
    -------
    atlas : Atlas
        Coordinates are the centroids of the parcels (for 4-D maps, the map-weighted
        centroids) in the world (MNI mm) coordinates of the image's affine.
    """
    import nibabel as nib
    from nibabel.affines import apply_affine
    from scipy import ndimage

    from .atlases import Atlas, _file_spec, sha256sum

    source = None
    if isinstance(img, str | os.PathLike):
        source = Path(img).expanduser()
        if not source.exists():
            raise FileNotFoundError(f"Label image {source} does not exist.")
        img = nib.load(source)
    if not hasattr(img, "affine") or not hasattr(img, "dataobj"):
        raise TypeError(f"`img` must be a path or a nibabel image, got {type(img).__name__}.")
    data = np.asarray(img.dataobj)
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if name is None:
        name = _strip_suffix(source.name) if source is not None else "label_image"

    if data.ndim == 3:
        if not np.all(np.isfinite(data)) or np.any(data != np.round(data)):
            raise ValueError(
                f"Label image {name!r} holds non-integer values: give a 3-D integer label "
                "volume (0 = background) or a 4-D stack of parcel maps."
            )
        data = data.astype(np.int64)
        values = np.unique(data)
        values = values[values != 0]
        if values.size == 0:
            raise ValueError(f"Label image {name!r} holds no non-zero label.")
        # Mean voxel index per label (scipy's label-wise reductions: one pass each).
        counts = ndimage.sum_labels(np.ones(data.shape), data, index=values)
        ijk = np.stack(
            [
                ndimage.sum_labels(grid, data, index=values) / counts
                for grid in np.indices(data.shape, dtype=float)
            ],
            axis=1,
        )
        label_values = values
        n_voxels = counts.astype(int)
    elif data.ndim == 4:
        maps = np.clip(np.nan_to_num(data.astype(float)), 0, None)
        mass = maps.sum(axis=(0, 1, 2))
        if np.any(mass == 0):
            empty = np.flatnonzero(mass == 0).tolist()
            raise ValueError(f"Parcel maps {empty} of {name!r} are empty.")
        grids = np.indices(maps.shape[:3], dtype=float)
        ijk = np.stack([np.tensordot(g, maps, axes=3) for g in grids], axis=1) / mass[:, None]
        values = np.arange(1, maps.shape[3] + 1)
        label_values = None
        n_voxels = np.count_nonzero(maps, axis=(0, 1, 2))
    else:
        raise ValueError(
            f"Label image {name!r} must be 3-D (labels) or 4-D (maps), got shape {data.shape}."
        )

    if labels is None and source is not None:
        labels = _schaefer_lut_file(source)
    names = _parcel_names(labels, values, name)
    if networks is None:
        networks = _schaefer_networks(names)
    elif len(networks) != len(names):
        raise ValueError(f"`networks` has {len(networks)} entries for {len(names)} parcels.")
    info = {
        "space": "MNI152 (the world coordinates of the image's affine are taken as MNI mm)",
        "source": str(source) if source is not None else None,
        "n_voxels": n_voxels.tolist(),
    }
    if source is not None:
        info["sha256"] = sha256sum(source)
        info = {**_file_spec(source, info["sha256"]), **info}
    info.update(meta or {})
    return Atlas(
        name=name,
        labels=names,
        coords=apply_affine(img.affine, ijk),
        networks=networks,
        image=img,
        label_values=label_values,
        meta=info,
    )


def _strip_suffix(fname: str) -> str:
    for suffix in sorted(_IMAGE_SUFFIXES, key=len, reverse=True):
        if fname.endswith(suffix):
            return fname[: -len(suffix)]
    return fname


def _parcel_names(labels: Any, values: np.ndarray, atlas: str) -> list[str]:
    values = [int(v) for v in values]
    if labels is None:
        return [f"parcel_{v}" for v in values]
    if isinstance(labels, str | os.PathLike):
        labels = read_lut(labels)
    if isinstance(labels, dict):
        lut = {int(k): str(v) for k, v in labels.items()}
        missing = [v for v in values if v not in lut]
        if missing:
            raise ValueError(
                f"The label table of {atlas!r} has no name for the values {missing[:10]}"
                f"{' ...' if len(missing) > 10 else ''}; give a complete table."
            )
        return [lut[v] for v in values]
    labels = [str(s) for s in labels]
    if len(labels) != len(values):
        raise ValueError(
            f"`labels` has {len(labels)} names for the {len(values)} parcels of {atlas!r} "
            "(sorted non-zero label values); give one name per parcel or a {value: name} "
            "mapping."
        )
    return labels


def read_lut(fname: str | os.PathLike) -> dict[int, str]:
    """Read a look-up table of label names.

    Parameters
    ----------
    fname : path-like
        A FreeSurfer colour table / Schaefer ``.txt`` (``value name [r g b a]`` per line,
        ``#`` comments) or a ``.tsv``/``.csv`` with ``index`` and ``name`` columns.

    Returns
    -------
    lut : dict
        ``{value: name}``, without the background (value 0).
    """
    path = Path(fname).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"Look-up table {path} does not exist.")
    lut: dict[int, str] = {}
    if path.suffix in (".tsv", ".csv"):
        import pandas as pd

        table = pd.read_csv(path, sep="\t" if path.suffix == ".tsv" else ",")
        if not {"index", "name"} <= set(table.columns):
            raise ValueError(f"Look-up table {path} needs 'index' and 'name' columns.")
        lut = {int(i): str(n) for i, n in zip(table["index"], table["name"], strict=True)}
    else:
        for line in path.read_text().splitlines():
            parts = line.split("#", 1)[0].split()
            if len(parts) >= 2 and re.fullmatch(r"-?\d+", parts[0]):
                lut[int(parts[0])] = parts[1]
    lut.pop(0, None)
    if not lut:
        raise ValueError(f"No 'value name' entries found in the look-up table {path}.")
    return lut


def _schaefer_lut_file(image: Path) -> Path | None:
    """CBIG's label table of a Schaefer 2018 image: next to it, or in nilearn's cache."""
    match = re.match(r"(Schaefer2018_\d+Parcels_(?:7|17)Networks_order)_", image.name)
    if match is None:
        return None
    from nilearn.datasets import get_data_dirs

    fname = f"{match[1]}.txt"
    for folder in (image.parent, *(Path(d) / "schaefer_2018" for d in get_data_dirs())):
        if (folder / fname).is_file():
            return folder / fname
    return None


def _schaefer_networks(names: list[str]) -> list[str] | None:
    pattern = re.compile(r"^(?:7|17)Networks_(?:LH|RH)_([A-Za-z]+)_")
    matches = [pattern.match(n) for n in names]
    if all(matches):
        return [m.group(1) for m in matches]
    return None


# --------------------------------------------------------------------------------------
# fsaverage annotations

_NON_CORTEX = ("unknown", "corpuscallosum", "medial_wall", "medial.wall")


def atlas_from_annot(
    fname: str | os.PathLike,
    *,
    networks: Any = None,
    both_hemispheres: bool = True,
    name: str | None = None,
) -> Atlas:
    """Build an atlas from a FreeSurfer annotation on fsaverage.

    Parameters
    ----------
    fname : path-like
        ``lh.<name>.annot`` or ``rh.<name>.annot`` on fsaverage (or any icosahedral
        fsaverage level: fsaverage5/6/7).
    networks : sequence of str | None
        Network of each parcel, in the order of the atlas' labels.
    both_hemispheres : bool
        Pair the file with the other hemisphere's annotation in the same folder (an error
        where it is missing). ``False`` loads the given hemisphere only.
    name : str | None
        Atlas name; the annotation name (``"aparc"``) where ``None``.

    Returns
    -------
    atlas : Atlas
        Labels ``"<region>-lh"`` / ``"<region>-rh"`` (MNE's convention; ``unknown``,
        ``corpuscallosum`` and the medial wall left out), centroids of the regions'
        vertices on the fsaverage mid-thickness surface.

    Notes
    -----
    The vertex positions come from nilearn's offline fsaverage5 meshes: the first 10242
    vertices of every icosahedral fsaverage level are fsaverage5's. fsaverage surface
    coordinates are in MNI305 space, within a few mm of MNI152 (``meta["space"]``).
    """
    import nibabel as nib
    from nilearn.datasets import load_fsaverage

    from .atlases import Atlas, _file_spec, sha256sum

    path = Path(fname).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"Annotation {path} does not exist.")
    match = re.fullmatch(r"(lh|rh)\.(.+)\.annot", path.name)
    if match is None:
        raise ValueError(
            f"Annotation {path.name!r} must be named 'lh.<name>.annot' or 'rh.<name>.annot'."
        )
    hemi, annot_name = match.groups()
    files = {hemi: path}
    if both_hemispheres:
        other = "rh" if hemi == "lh" else "lh"
        other_path = path.with_name(f"{other}.{annot_name}.annot")
        if not other_path.is_file():
            raise FileNotFoundError(
                f"{other_path} not found next to {path.name}; put both hemispheres in the "
                "same folder or pass both_hemispheres=False."
            )
        files[other] = other_path

    mesh = load_fsaverage("fsaverage5")
    n_ico5 = 10242
    labels: list[str] = []
    coords: list[np.ndarray] = []
    n_vertices: list[int] = []
    dropped: list[str] = []
    for h in ("lh", "rh"):
        if h not in files:
            continue
        part = "left" if h == "lh" else "right"
        # Mid-thickness: halfway between white and pial, the usual surface for positions.
        xyz = 0.5 * (
            np.asarray(mesh["pial"].parts[part].coordinates)
            + np.asarray(mesh["white_matter"].parts[part].coordinates)
        )
        vert_labels, _, names = nib.freesurfer.read_annot(files[h])
        if vert_labels.size < n_ico5:
            raise ValueError(
                f"{files[h]} has {vert_labels.size} vertices; an fsaverage level with at least "
                f"{n_ico5} (fsaverage5) is needed."
            )
        all_labels, vert_labels = vert_labels, vert_labels[:n_ico5]
        for k, region in enumerate(names):
            region = region.decode() if isinstance(region, bytes) else str(region)
            if region.lower() in _NON_CORTEX or set(region) <= {"?"}:
                continue
            mask = vert_labels == k
            if not mask.any():
                if np.any(all_labels == k):
                    dropped.append(f"{region}-{h}")
                continue
            labels.append(f"{region}-{h}")
            coords.append(xyz[mask].mean(axis=0))
            n_vertices.append(int(mask.sum()))
    if dropped:
        raise ValueError(
            f"Regions {dropped} of {path.name} have no vertex on fsaverage5, where s2decode "
            "takes vertex positions from; use a coarser parcellation."
        )
    if networks is not None and len(networks) != len(labels):
        raise ValueError(f"`networks` has {len(networks)} entries for {len(labels)} parcels.")
    sha = {str(p): sha256sum(p) for p in files.values()}
    specs = [_file_spec(p, sha[str(p)]) for p in files.values()]
    spec = next((sp for sp in specs if sp), {})
    if spec:
        spec["checksum_ok"] = all(sp.get("checksum_ok", False) for sp in specs)
    return Atlas(
        name=name or annot_name,
        labels=labels,
        coords=np.array(coords),
        networks=networks,
        meta={
            **spec,
            "space": "fsaverage (MNI305 surface coordinates, within a few mm of MNI152)",
            "surface": "fsaverage5 mid-thickness (nilearn package data)",
            "source": [str(p) for p in files.values()],
            "sha256": sha,
            "n_vertices": n_vertices,
        },
    )

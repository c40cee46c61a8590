"""Cortical-parcel atlases: labels, MNI coordinates, networks and the image where there is one.

Three kinds of atlas reach the same :class:`Atlas`:

* offline built-ins read from nilearn's package data (no download): ``"seitzman300"``
  (the default, with networks), ``"power264"`` and ``"dosenbach160"``;
* a file given by path: a label volume (``.nii``/``.nii.gz``/``.mgz``; centroids of the
  labels in MNI mm) or a FreeSurfer annotation on fsaverage (``lh.*.annot``/``rh.*.annot``;
  both hemispheres, centroids of the labels' vertices);
* online atlases fetched (and cached) by nilearn: ``"schaefer<n>"`` / ``"schaefer<n>_17net"``,
  ``"harvard_oxford"``, ``"aal"``, ``"destrieux"``.

What each atlas is, where it comes from, its citation, licence and checksum are in the
specs of the repository's ``atlases/`` folder (:func:`atlas_spec`).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

#: Atlases read offline from nilearn's package data.
BUILTIN_ATLASES = ("seitzman300", "power264", "dosenbach160")
#: Atlases fetched online (and cached) through nilearn.
ONLINE_ATLASES = ("schaefer<n>[_17net]", "harvard_oxford", "aal", "destrieux")
#: The default atlas of s2decode.
DEFAULT_ATLAS = "seitzman300"

_ONLINE_NAMES = ("harvard_oxford", "aal", "destrieux")
_IMAGE_SUFFIXES = (".nii", ".nii.gz", ".mgz", ".mgh", ".img")
_SCHAEFER_RE = re.compile(r"^schaefer(?P<n>\d+)(?:_(?P<nets>7|17)net)?$")


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


# --------------------------------------------------------------------------------------
# Entry point


def load_atlas(
    name_or_path: str | os.PathLike | Atlas = DEFAULT_ATLAS,
    *,
    labels: Any = None,
    networks: Any = None,
    data_dir: str | os.PathLike | None = None,
    verbose: int = 0,
) -> Atlas:
    """Load an atlas by name or from a file.

    Parameters
    ----------
    name_or_path : str | path-like | Atlas
        A built-in name (``"seitzman300"``, ``"power264"``, ``"dosenbach160"``: offline),
        an online name (``"schaefer100"`` ... ``"schaefer1000"``, optionally suffixed
        ``"_7net"``/``"_17net"``; ``"harvard_oxford"``; ``"aal"``; ``"destrieux"``: downloaded
        once by nilearn into ``data_dir``), the path of a label volume (``.nii``, ``.nii.gz``,
        ``.mgz``) or of a FreeSurfer annotation on fsaverage (``lh.<name>.annot`` or
        ``rh.<name>.annot``), or an :class:`Atlas`, returned as is.
    labels : sequence of str | mapping | path-like | None
        Names of the parcels of a label volume: a sequence in the order of the sorted
        non-zero label values, a mapping ``{value: name}``, or a look-up table file
        (FreeSurfer ``LUT`` / Schaefer ``.txt``: ``value name ...`` per line, or a ``.tsv``/
        ``.csv`` with ``index`` and ``name`` columns). ``None`` uses CBIG's label table
        for a Schaefer 2018 image where it lies next to the image or in nilearn's cache,
        and names the parcels ``"parcel_<value>"`` otherwise. Only for files.
    networks : sequence of str | None
        Network of each parcel of a label volume or annotation, in the order of the parcels.
        ``None`` derives them from Schaefer-style names (``"7Networks_LH_Vis_1"`` ->
        ``"Vis"``) where every name has that form. Only for files.
    data_dir : path-like | None
        Where nilearn caches the online atlases (nilearn's default where ``None``).
    verbose : int
        Verbosity of nilearn's fetchers.

    Returns
    -------
    atlas : Atlas
        Labels, MNI coordinates (n_parcels, 3), networks (or ``None``), the image where
        there is one, and ``meta`` (space, source, citation, licence).

    Raises
    ------
    ValueError
        If the name is unknown, or ``labels``/``networks`` do not match the parcels.
    FileNotFoundError
        If a path is given that does not exist.

    Examples
    --------
    >>> atlas = load_atlas("seitzman300")
    >>> atlas.n_parcels, sorted(set(atlas.networks))[:2]
    (300, ['Auditory', 'CinguloOpercular'])
    """
    if isinstance(name_or_path, Atlas):
        return name_or_path
    if not isinstance(name_or_path, str | os.PathLike):
        raise TypeError(
            "`name_or_path` must be an atlas name, a file path or an Atlas, "
            f"got {type(name_or_path).__name__}."
        )
    key = str(name_or_path)
    name = key.lower()
    # Names win over same-named files in the working directory; a PathLike is always a file.
    named = not isinstance(name_or_path, os.PathLike) and atlas_kind(key) == "name"
    if named and (labels is not None or networks is not None):
        raise ValueError(
            "`labels` and `networks` apply to atlas files only; the named atlas "
            f"{key!r} defines its own."
        )
    if named:
        loaders = {
            "seitzman300": _load_seitzman300,
            "power264": _load_power264,
            "dosenbach160": _load_dosenbach160,
        }
        if name in loaders:
            return loaders[name]()
        return fetch_atlas(name, data_dir=data_dir, verbose=verbose)
    if atlas_kind(key) == "file":
        path = Path(key).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"Atlas file {path} does not exist.")
        if path.name.endswith(".annot"):
            return atlas_from_annot(path, networks=networks)
        return atlas_from_label_image(path, labels=labels, networks=networks)
    raise ValueError(
        f"Unknown atlas {key!r}. Use one of the offline atlases {BUILTIN_ATLASES}, an online "
        f"one {ONLINE_ATLASES} or the path of a label image (.nii/.nii.gz/.mgz) or of a "
        "FreeSurfer annotation (lh.*.annot)."
    )


def list_atlases() -> dict[str, tuple[str, ...]]:
    """Names that :func:`load_atlas` accepts.

    Returns
    -------
    names : dict
        ``{"offline": (...), "online": (...)}``.
    """
    return {"offline": BUILTIN_ATLASES, "online": ONLINE_ATLASES}


def atlas_kind(key: str) -> str | None:
    """What :func:`load_atlas` takes a string for: ``"name"`` (an offline or online atlas,
    case-insensitive), ``"file"`` (a path: a separator, an image or annotation suffix, or an
    existing file) or ``None`` (neither: ``load_atlas`` would refuse it). Names win over
    same-named files in the working directory."""
    name = key.lower()
    if name in BUILTIN_ATLASES or name in _ONLINE_NAMES or _SCHAEFER_RE.match(name):
        return "name"
    if (
        os.sep in key
        or "/" in key
        or key.endswith(".annot")
        or key.endswith(_IMAGE_SUFFIXES)
        or Path(key).expanduser().is_file()
    ):
        return "file"
    return None


# --------------------------------------------------------------------------------------
# Offline coordinate atlases (nilearn package data)


def _nilearn_data_file(fname: str) -> Path:
    import nilearn.datasets

    return Path(nilearn.datasets.__file__).parent / "data" / fname


def _coords_meta(spec_name: str, files: list[str]) -> dict:
    meta = dict(atlas_spec(spec_name, missing_ok=True))
    meta.setdefault("space", "MNI152")
    meta["paths"] = [str(_nilearn_data_file(f)) for f in files]
    return meta


def _load_seitzman300() -> Atlas:
    from nilearn.datasets import fetch_coords_seitzman_2018

    # Original file order numbers the ROIs; we present them grouped by network (nilearn's
    # ordering, anterior to posterior within a network) and keep the ROI number in the name.
    bunch = fetch_coords_seitzman_2018(ordered_regions=True)
    rois = bunch.rois
    numbers = np.asarray(rois.index) + 1
    networks = [str(n) for n in bunch.networks]
    labels = [f"{net}_{num:03d}" for net, num in zip(networks, numbers, strict=True)]
    radii = np.asarray(bunch.radius, dtype=float)
    meta = _coords_meta(
        "seitzman300",
        ["seitzman_2018_ROIs_300inVol_MNI_allInfo.txt", "seitzman_2018_ROIs_anatomicalLabels.txt"],
    )
    meta.update(
        regions=[str(r) for r in bunch.regions],
        roi_numbers=numbers.tolist(),
        radii=radii.tolist(),
    )
    # Spheres are 5 mm except the subcortical / cerebellar ones (4 mm): per-ROI radii are in
    # meta["radii"]; `radius` is the common one.
    return Atlas(
        name="seitzman300",
        labels=labels,
        coords=rois[["x", "y", "z"]].to_numpy(dtype=float),
        networks=networks,
        radius=float(np.median(radii)),
        meta=meta,
    )


def _load_power264() -> Atlas:
    from nilearn.datasets import fetch_coords_power_2011

    rois = fetch_coords_power_2011().rois
    numbers = rois["roi"].to_numpy(dtype=int)
    # nilearn ships no network assignment for Power 2011.
    return Atlas(
        name="power264",
        labels=[f"Power_{n:03d}" for n in numbers],
        coords=rois[["x", "y", "z"]].to_numpy(dtype=float),
        networks=None,
        radius=5.0,
        meta=_coords_meta("power264", ["power_2011.csv"]),
    )


def _load_dosenbach160() -> Atlas:
    from nilearn.datasets import fetch_coords_dosenbach_2010

    bunch = fetch_coords_dosenbach_2010(ordered_regions=True)
    # Names such as "vent aPFC 9": already unique (they carry the ROI number).
    labels = [re.sub(r"\s+", "_", str(s).strip()) for s in bunch.labels]
    return Atlas(
        name="dosenbach160",
        labels=labels,
        coords=bunch.rois[["x", "y", "z"]].to_numpy(dtype=float),
        networks=[str(n) for n in np.asarray(bunch.networks)],
        radius=5.0,
        meta=_coords_meta("dosenbach160", ["dosenbach_2010.csv"]),
    )


# --------------------------------------------------------------------------------------
# Specs (atlases/*.yaml)


def _spec_dirs() -> list[Path]:
    import s2decode

    pkg = Path(s2decode.__file__).parent
    # Wheel: force-included as s2decode/_atlas_specs; editable checkout: the repo's atlases/.
    return [p for p in (pkg / "_atlas_specs", pkg.parent / "atlases") if p.is_dir()]


def atlas_spec(name: str, *, missing_ok: bool = False) -> dict:
    """The spec of an atlas: what it is, space, source, citation, licence, checksum.

    Parameters
    ----------
    name : str
        Spec name (the YAML file's stem in ``atlases/``), e.g. ``"seitzman300"``.
    missing_ok : bool
        Return an empty dict instead of raising where there is no such spec.

    Returns
    -------
    spec : dict
        The parsed YAML.
    """
    import yaml

    for folder in _spec_dirs():
        path = folder / f"{name}.yaml"
        if path.is_file():
            with path.open(encoding="utf-8") as fid:
                spec = yaml.safe_load(fid) or {}
            return dict(spec)
    if missing_ok:
        return {}
    known = sorted({p.stem for d in _spec_dirs() for p in d.glob("*.yaml")})
    raise ValueError(f"No atlas spec named {name!r}; known specs: {known}.")


def _all_specs() -> dict[str, dict]:
    names = sorted({p.stem for d in _spec_dirs() for p in d.glob("*.yaml")})
    return {name: atlas_spec(name) for name in names}


def _file_spec(path: Path, sha256: str) -> dict:
    """The spec listing a file of this name, with ``checksum_ok`` against its entry."""
    for spec in _all_specs().values():
        for entry in spec.get("files") or []:
            if Path(str(entry.get("path", ""))).name == path.name:
                return {**spec, "checksum_ok": entry.get("sha256") == sha256}
    return {}


def sha256sum(fname: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file (the checksums of the atlas specs)."""
    digest = hashlib.sha256()
    with Path(fname).open("rb") as fid:
        for block in iter(lambda: fid.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


# --------------------------------------------------------------------------------------
# Online atlases (nilearn fetchers)


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

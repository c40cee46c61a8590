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

This module is the registry: the :class:`Atlas`, the names and :func:`load_atlas`, which
dispatches a name or a path, the offline built-ins and the specs. Files are read in
:mod:`.formats`, online atlases fetched in :mod:`.online`.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .formats import _IMAGE_SUFFIXES, atlas_from_annot, atlas_from_label_image, read_lut
from .online import _ONLINE_NAMES, _SCHAEFER_RE, ONLINE_ATLASES, fetch_atlas

__all__ = [
    "BUILTIN_ATLASES",
    "DEFAULT_ATLAS",
    "ONLINE_ATLASES",
    "Atlas",
    "atlas_from_annot",
    "atlas_from_label_image",
    "atlas_kind",
    "atlas_spec",
    "fetch_atlas",
    "list_atlases",
    "load_atlas",
    "read_lut",
    "sha256sum",
]

#: Atlases read offline from nilearn's package data.
BUILTIN_ATLASES = ("seitzman300", "power264", "dosenbach160")
#: The default atlas of s2decode.
DEFAULT_ATLAS = "seitzman300"


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

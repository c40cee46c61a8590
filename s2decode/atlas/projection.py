"""Projection of EEG sensor signals onto atlas parcels.

Two projectors turn ``(..., n_channels, n_times)`` sensor data into
``(..., n_parcels, n_times)`` parcel signals with **one matrix product**: each is fitted
once on an :class:`mne.Info` (channel names and positions) and keeps a linear filter
matrix ``filters_`` of shape ``(n_parcels, n_channels)``.

:class:`SourceProjector`
    A real source model that needs nothing but MNE and nilearn's packaged templates:
    a spherical head model fitted to the template head, a volume source space on a regular
    grid inside the MNI152 brain mask, an EEG forward solution, and a minimum-norm inverse
    (eLORETA, dSPM, sLORETA or MNE). The inverse kernel is read off the inverse operator by
    applying it to an identity "evoked"; sources are assigned to the nearest parcel centre
    (in MNI mm) and each parcel's block of the kernel is reduced to one signed row: the
    first principal direction of the parcel's currents under the data's covariance (MNE's
    ``"pca_flip"`` as a fixed filter; :meth:`SourceProjector.reorient`) or, without data,
    of the kernel itself.
:class:`SensorDistanceProjector`
    The cheap alternative: each parcel is a Gaussian-weighted average of the (average-
    referenced) sensors, the weights falling with the sensor-to-parcel distance in MNI mm.

Coordinates
-----------
MNE's built-in standard montages (``fsaverage_1005``, ``standard_1005``, ...) place the
electrodes on the fsaverage head; once set on a recording, electrode positions are in
that head's "head" frame (metres). MNE ships the fsaverage head -> MRI transform
(``mne/data/fsaverage/fsaverage-trans.fif``); the fsaverage MRI is in MNI305 space
(FreeSurfer's talairach.xfm of fsaverage is the identity); MNI305 is taken to MNI152 (the
space of the atlases) with FreeSurfer's published affine (:data:`MNI305_TO_MNI152`). The
chain is :func:`head_to_mni` and its inverse :func:`mni_to_head`. For an individual's
digitised montage the same chain is only an approximation (the head is treated as
fsaverage's).

Checked (``tests/test_atlas_projection.py``): a dipole at a parcel centre, off the source grid,
in a random orientation, simulated with MNE's own forward for that position, peaks in that
very parcel for 98-99 % of the parcels with eLORETA (85-92 % when the simulation uses
another head model; then nearly always in a neighbour). dSPM in this free-orientation
volume model peaks in deep parcels (thalamus) tens of mm from the dipole, a known depth
bias of noise-normalised estimates: prefer eLORETA (the default) for parcel signals.

The maths are plain functions (:func:`assign_sources_to_parcels`,
:func:`reduce_parcel_kernels`, :func:`gaussian_sensor_weights`, ...); the projector
classes are thin objects on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import numpy as np

from .._checks import check_number, check_option
from .._memory import require_memory
from ..paths import get_memory_budget
from .atlases import Atlas

#: FreeSurfer's affine from MNI305 (fsaverage) to MNI152 RAS in mm
#: (https://surfer.nmr.mgh.harvard.edu/fswiki/CoordinateSystems, from mni152.register.dat).
MNI305_TO_MNI152 = np.array(
    [
        [0.9975, -0.0073, 0.0176, -0.0429],
        [0.0146, 1.0009, -0.0024, 1.5496],
        [-0.0130, -0.0093, 0.9971, 1.1840],
        [0.0, 0.0, 0.0, 1.0],
    ]
)
MNI305_TO_MNI152.flags.writeable = False

#: Inverse methods of :func:`mne.minimum_norm.apply_inverse`, by their s2decode names.
INVERSE_METHODS = {"eloreta": "eLORETA", "dspm": "dSPM", "sloreta": "sLORETA", "mne": "MNE"}
#: Every ``method`` accepted by :func:`make_projector`.
PROJECTION_METHODS = (*INVERSE_METHODS, "sensor")

_DEFAULT_MONTAGES = ("fsaverage_1005", "standard_1005")


def default_montage() -> str:
    """Name of the standard 10-05 montage on the fsaverage head in the installed MNE.

    ``"fsaverage_1005"`` (MNE >= 1.13, where ``"standard_1005"`` is deprecated), else
    ``"standard_1005"``. Both put the electrodes on the fsaverage head, which is what the
    coordinate chain of this module assumes.
    """
    import mne

    builtin = set(mne.channels.get_builtin_montages())
    for name in _DEFAULT_MONTAGES:
        if name in builtin:
            return name
    raise RuntimeError(  # pragma: no cover - every supported MNE has one of them
        f"None of the montages {_DEFAULT_MONTAGES} is built into MNE {mne.__version__}."
    )


def eeg_info(ch_names, sfreq: float):
    """The :class:`mne.Info` of EEG channels at their standard 10-05 positions.

    The positions are those of :func:`default_montage` on the fsaverage head, the ones the
    projectors of this module assume; channels the montage does not know are refused.

    Parameters
    ----------
    ch_names : sequence of str
        Channel names in the 10-05 system (as the eegbci and eegmat loaders give them).
    sfreq : float
        Sampling frequency (Hz).

    Returns
    -------
    info : mne.Info

    Examples
    --------
    >>> from s2decode.atlas.projection import eeg_info
    >>> info = eeg_info(["C3", "Cz", "C4"], 160.0)
    >>> info["nchan"], info["sfreq"]
    (3, 160.0)
    """
    import mne

    info = mne.create_info([str(c) for c in ch_names], float(sfreq), "eeg")
    info.set_montage(default_montage(), verbose=False)
    return info


# ---------------------------------------------------------------------------------------
# coordinates


def _apply_affine(affine: np.ndarray, pos: np.ndarray) -> np.ndarray:
    pos = np.asarray(pos, dtype=float)
    return pos @ affine[:3, :3].T + affine[:3, 3]


def fsaverage_head_to_mri() -> np.ndarray:
    """The 4x4 fsaverage head -> MRI (surface RAS) transform that MNE ships, in metres."""
    import mne

    fname = files("mne").joinpath("data", "fsaverage", "fsaverage-trans.fif")
    trans = mne.read_trans(str(fname), verbose=False)
    if trans["from"] != mne.io.constants.FIFF.FIFFV_COORD_HEAD:
        trans = mne.transforms.invert_transform(trans)
    return np.array(trans["trans"])


def head_to_mni(pos: np.ndarray) -> np.ndarray:
    """Convert positions from the fsaverage head frame (m) to MNI152 (mm).

    Parameters
    ----------
    pos : array-like, shape (n, 3)
        Positions in the head coordinate frame of MNE, in metres (the frame of
        ``info["chs"][i]["loc"][:3]`` after a standard montage is set).

    Returns
    -------
    mni : ndarray, shape (n, 3)
        MNI152 coordinates in millimetres (NaN stays NaN).
    """
    mri_mm = _apply_affine(fsaverage_head_to_mri(), pos) * 1000.0
    return _apply_affine(MNI305_TO_MNI152, mri_mm)


def mni_to_head(mni: np.ndarray) -> np.ndarray:
    """Convert MNI152 positions (mm) to the fsaverage head frame (m); inverse of
    :func:`head_to_mni`."""
    mni305 = _apply_affine(np.linalg.inv(MNI305_TO_MNI152), mni)
    return _apply_affine(np.linalg.inv(fsaverage_head_to_mri()), mni305 / 1000.0)


def sensor_positions(info: Any, picks: Sequence[int] | None = None) -> np.ndarray:
    """Channel positions in the head frame (m), NaN where the channel has none.

    Parameters
    ----------
    info : mne.Info
        Measurement info with a montage set.
    picks : sequence of int | None
        Channel indices; ``None`` takes all channels.

    Returns
    -------
    pos : ndarray, shape (n_channels, 3)
    """
    picks = range(len(info["chs"])) if picks is None else picks
    pos = np.array([info["chs"][i]["loc"][:3] for i in picks], dtype=float).reshape(-1, 3)
    unknown = ~np.all(np.isfinite(pos), axis=1) | np.all(pos == 0, axis=1)
    pos[unknown] = np.nan
    return pos


# ---------------------------------------------------------------------------------------
# plain maths


def brain_grid_mni(spacing: float = 10.0) -> np.ndarray:
    """Points of a regular grid (MNI152 mm) inside nilearn's MNI152 brain mask.

    The grid is anchored at the MNI origin (all coordinates are multiples of ``spacing``),
    so it does not depend on anything but ``spacing``.

    Parameters
    ----------
    spacing : float
        Grid step in mm.

    Returns
    -------
    points : ndarray, shape (n_points, 3)
    """
    from nilearn.datasets import load_mni152_brain_mask

    spacing = check_number(spacing, "spacing", low=0, strict_low=True, unit="mm")
    mask_img = load_mni152_brain_mask(resolution=2)
    mask = np.asarray(mask_img.get_fdata()) > 0
    affine = mask_img.affine
    xyz = _apply_affine(affine, np.argwhere(mask))
    lo = np.ceil(xyz.min(axis=0) / spacing) * spacing
    hi = xyz.max(axis=0)
    axes = [np.arange(lo[k], hi[k] + 1e-9, spacing) for k in range(3)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    ijk = np.rint(_apply_affine(np.linalg.inv(affine), grid)).astype(int)
    inside = np.all((ijk >= 0) & (ijk < mask.shape), axis=1)
    inside[inside] = mask[tuple(ijk[inside].T)]
    return grid[inside]


def assign_sources_to_parcels(
    source_mni: np.ndarray, parcel_mni: np.ndarray, radius: float
) -> list[np.ndarray]:
    """Group source points by the parcel whose centre is nearest.

    A source belongs to its nearest parcel centre if that centre lies within ``radius``
    mm; sources farther from every centre belong to no parcel. A parcel that gets no
    source this way takes its single nearest source (shared with the source's own
    parcel), so every parcel has a signal.

    Parameters
    ----------
    source_mni : ndarray, shape (n_sources, 3)
        Source positions in MNI mm.
    parcel_mni : ndarray, shape (n_parcels, 3)
        Parcel centres in MNI mm.
    radius : float
        Largest source-to-centre distance in mm.

    Returns
    -------
    members : list of ndarray of int
        For each parcel, the indices of its sources (never empty).
    """
    from scipy.spatial import cKDTree

    source_mni = np.asarray(source_mni, float)
    parcel_mni = np.asarray(parcel_mni, float)
    if len(source_mni) == 0:
        raise ValueError("There are no sources to assign to parcels.")
    dist, nearest = cKDTree(parcel_mni).query(source_mni)
    nearest = np.where(dist <= radius, nearest, -1)
    members = [np.flatnonzero(nearest == p) for p in range(len(parcel_mni))]
    source_tree = cKDTree(source_mni)
    for p, idx in enumerate(members):
        if idx.size == 0:
            members[p] = np.atleast_1d(source_tree.query(parcel_mni[p])[1])
    return members


def reduce_parcel_kernel(
    kernel: np.ndarray, outward: np.ndarray | None = None, cov: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Reduce a parcel's block of a vector inverse kernel to one signed filter row.

    The parcel signal is the projection of its sources' current vectors on their first
    principal direction: the eigenvector ``u`` of largest eigenvalue of the parcel's source
    covariance ``K C K^T`` under the sensor covariance ``C``. With the data's covariance
    this is MNE's ``"pca_flip"`` label mode turned into a fixed linear filter; with
    ``C = I`` (``cov=None``) it is the kernel's own dominant direction, independent of any
    data. The row is divided by ``sqrt(n_sources)`` so that the signal is the current of
    an average source of the parcel.

    Parameters
    ----------
    kernel : ndarray, shape (n_sources, 3, n_channels)
        Rows of the inverse kernel of the parcel's sources (x, y, z current components).
    outward : ndarray, shape (n_sources, 3) | None
        Outward directions at the sources (away from the head centre). The sign makes the
        principal current direction point outward on average; where that is undetermined
        (or ``outward`` is None) the channel weight of largest magnitude is made positive.
    cov : ndarray, shape (n_channels, n_channels) | None
        Sensor covariance that defines the principal direction; ``None`` is the identity.

    Returns
    -------
    row : ndarray, shape (n_channels,)
        The parcel's spatial filter.
    explained : float
        Share of the parcel's source power (under ``cov``) that the row keeps.
    """
    kernel = np.asarray(kernel, float)
    n_src = kernel.shape[0]
    block = kernel.reshape(-1, kernel.shape[-1])
    if cov is None:
        source_cov = block @ block.T
    else:
        source_cov = block @ np.asarray(cov, float) @ block.T
    evals, evecs = np.linalg.eigh(source_cov)
    u = evecs[:, -1]
    row = (u @ block) / np.sqrt(n_src)
    sign = 0.0
    if outward is not None:
        sign = np.sign(np.dot(u, np.asarray(outward, float).reshape(-1)))
    if sign == 0.0:
        sign = np.sign(row[np.argmax(np.abs(row))]) or 1.0
    total = float(np.sum(np.clip(evals, 0.0, None)))
    explained = float(max(evals[-1], 0.0) / total) if total > 0 else 0.0
    return sign * row, explained


def reduce_parcel_kernels(
    kernel: np.ndarray,
    members: Sequence[np.ndarray],
    outward: np.ndarray | None = None,
    cov: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`reduce_parcel_kernel` for every parcel at once (batched by parcel size).

    Parameters
    ----------
    kernel : ndarray, shape (n_sources, 3, n_channels)
        The vector inverse kernel of all sources.
    members : sequence of ndarray of int
        Source indices of each parcel (see :func:`assign_sources_to_parcels`).
    outward : ndarray, shape (n_sources, 3) | None
        Outward directions at the sources (sign convention).
    cov : ndarray, shape (n_channels, n_channels) | None
        Sensor covariance; ``None`` is the identity.

    Returns
    -------
    filters : ndarray, shape (n_parcels, n_channels)
    explained : ndarray, shape (n_parcels,)
    """
    kernel = np.asarray(kernel, float)
    n_ch = kernel.shape[-1]
    filters = np.empty((len(members), n_ch))
    explained = np.empty(len(members))
    sizes = np.array([len(m) for m in members])
    for size in np.unique(sizes):
        which = np.flatnonzero(sizes == size)
        idx = np.stack([members[p] for p in which])  # (n_p, size)
        blocks = kernel[idx].reshape(len(which), size * 3, n_ch)
        weighted = blocks if cov is None else blocks @ np.asarray(cov, float)
        evals, evecs = np.linalg.eigh(weighted @ blocks.transpose(0, 2, 1))
        u = evecs[:, :, -1]  # (n_p, 3 * size)
        rows = np.einsum("pk,pkc->pc", u, blocks) / np.sqrt(size)
        sign = np.zeros(len(which))
        if outward is not None:
            out = np.asarray(outward, float)[idx].reshape(len(which), -1)
            sign = np.sign(np.einsum("pk,pk->p", u, out))
        largest = rows[np.arange(len(which)), np.argmax(np.abs(rows), axis=1)]
        sign = np.where(sign == 0, np.sign(largest), sign)
        sign[sign == 0] = 1.0
        filters[which] = sign[:, None] * rows
        evals = np.clip(evals, 0.0, None)
        total = evals.sum(axis=1)
        explained[which] = np.divide(evals[:, -1], total, out=np.zeros(len(which)), where=total > 0)
    return filters, explained


def sensor_covariance(data: np.ndarray) -> np.ndarray:
    """Covariance (n_channels, n_channels) of sensor data, pooled over trials and time.

    Parameters
    ----------
    data : ndarray, shape (n_trials, n_channels, n_times) or (n_channels, n_times)
        Sensor signals.

    Returns
    -------
    cov : ndarray, shape (n_channels, n_channels)
        Covariance of the signals after removing each trial's channel means.
    """
    data = np.asarray(data, float)
    if data.ndim == 2:
        data = data[None]
    if data.ndim != 3 or data.shape[-1] < 2:
        raise ValueError(
            f"`data` must be (n_trials, n_channels, n_times) with n_times > 1, got "
            f"shape {data.shape}."
        )
    centred = data - data.mean(axis=-1, keepdims=True)
    n = centred.shape[0] * centred.shape[-1]
    return np.einsum("tcs,tds->cd", centred, centred) / max(n - 1, 1)


def gaussian_sensor_weights(
    sensor_mni: np.ndarray, parcel_mni: np.ndarray, sigma: float = 30.0
) -> np.ndarray:
    """Row-normalised Gaussian weights of sensor-to-parcel distances.

    Parameters
    ----------
    sensor_mni : ndarray, shape (n_channels, 3)
        Sensor positions in MNI mm (all finite).
    parcel_mni : ndarray, shape (n_parcels, 3)
        Parcel centres in MNI mm.
    sigma : float
        Width of the Gaussian in mm.

    Returns
    -------
    weights : ndarray, shape (n_parcels, n_channels)
        Non-negative, each row sums to 1.
    """
    sigma = check_number(sigma, "sigma", low=0, strict_low=True, unit="mm")
    sensor_mni = np.asarray(sensor_mni, float)
    parcel_mni = np.asarray(parcel_mni, float)
    d2 = np.sum((parcel_mni[:, None, :] - sensor_mni[None, :, :]) ** 2, axis=-1)
    # subtract each row's minimum before exponentiating: same weights, no underflow to 0/0
    logw = -(d2 - d2.min(axis=1, keepdims=True)) / (2.0 * sigma**2)
    weights = np.exp(logw)
    return weights / weights.sum(axis=1, keepdims=True)


def average_reference_matrix(n_channels: int) -> np.ndarray:
    """The (n_channels, n_channels) projector that subtracts the mean over channels."""
    return np.eye(n_channels) - np.full((n_channels, n_channels), 1.0 / n_channels)


# ---------------------------------------------------------------------------------------
# projectors


def _resolve_atlas(atlas: str | Atlas) -> Atlas:
    if isinstance(atlas, Atlas):
        return atlas
    from .atlases import load_atlas

    return load_atlas(atlas)


def _check_cov(cov: Any, ch_names: list[str]) -> np.ndarray | None:
    """A covariance as an array over ``ch_names`` (an mne.Covariance is picked by name)."""
    if cov is None:
        return None
    if hasattr(cov, "ch_names") and hasattr(cov, "data"):
        missing = [c for c in ch_names if c not in cov.ch_names]
        if missing:
            raise ValueError(f"`cov` lacks the channels {missing}.")
        idx = [cov.ch_names.index(c) for c in ch_names]
        return np.asarray(cov.data, float)[np.ix_(idx, idx)]
    cov = np.asarray(cov, float)
    n = len(ch_names)
    if cov.shape != (n, n):
        raise ValueError(
            f"`cov` must have shape ({n}, {n}) (channels {ch_names[:3]}...), got {cov.shape}."
        )
    if not np.all(np.isfinite(cov)):
        raise ValueError("`cov` contains NaN or infinite values.")
    return cov


def _eeg_with_positions(info: Any) -> tuple[list[str], np.ndarray]:
    """Names and head positions of the EEG channels of ``info`` that have a position."""
    import mne

    picks = mne.pick_types(info, meg=False, eeg=True, exclude="bads")
    if len(picks) == 0:
        raise ValueError(
            "The recording has no good EEG channels; a projection onto parcels needs EEG "
            "channels with positions (channel types found: "
            f"{sorted(set(info.get_channel_types()))})."
        )
    pos = sensor_positions(info, picks)
    ok = np.all(np.isfinite(pos), axis=1)
    if not np.any(ok):
        raise ValueError(
            "None of the EEG channels has a position; set a montage first (e.g. "
            f"raw.set_montage({default_montage()!r}), or s2decode.io.eeg.read_raw(..., "
            "montage=...))."
        )
    names = [info["ch_names"][i] for i in np.asarray(picks)[ok]]
    return names, pos[ok]


class _BaseProjector:
    """Fit on an :class:`mne.Info`; transform ``(..., n_channels, n_times)`` arrays."""

    atlas: str | Atlas

    def _check_fitted(self) -> None:
        if not hasattr(self, "filters_"):
            raise RuntimeError(
                f"This {type(self).__name__} is not fitted yet; call .fit(info) first."
            )

    @property
    def units_(self) -> str:
        """Physical units of the parcel signals (for the data model's ``units``)."""
        raise NotImplementedError

    def transform(self, data: np.ndarray, ch_names: Sequence[str] | None = None) -> np.ndarray:
        """Project sensor data onto the parcels.

        Parameters
        ----------
        data : ndarray, shape (..., n_channels, n_times)
            Sensor signals in volts, channels in the order of ``ch_names`` (or of
            ``ch_names_`` when ``ch_names`` is None).
        ch_names : sequence of str | None
            Channel names of ``data``; the projector picks and orders the channels it was
            fitted on from them.

        Returns
        -------
        parcels : ndarray, shape (..., n_parcels, n_times)
        """
        self._check_fitted()
        data = np.asarray(data)
        if data.ndim < 2:
            raise ValueError(f"`data` must be (..., n_channels, n_times), got shape {data.shape}.")
        if ch_names is not None:
            ch_names = list(ch_names)
            if len(ch_names) != data.shape[-2]:
                raise ValueError(
                    f"`ch_names` has {len(ch_names)} names for {data.shape[-2]} channels."
                )
            missing = [c for c in self.ch_names_ if c not in ch_names]
            if missing:
                raise ValueError(
                    f"The data lack channels the projector was fitted on: {missing}. Fit "
                    "the projector on the info of these data."
                )
            data = np.take(data, [ch_names.index(c) for c in self.ch_names_], axis=-2)
        elif data.shape[-2] != len(self.ch_names_):
            raise ValueError(
                f"`data` has {data.shape[-2]} channels but the projector was fitted on "
                f"{len(self.ch_names_)}; pass `ch_names` to pick them."
            )
        dtype = np.result_type(data.dtype, np.float32)
        n_out = self.filters_.shape[0] * (data.size // max(data.shape[-2], 1))
        # the product and its contiguous copy in (..., n_parcels, n_times) order
        require_memory(
            2 * n_out * dtype.itemsize,
            get_memory_budget(),
            f"Projecting data of shape {data.shape} onto {self.filters_.shape[0]} parcels",
            "Project fewer trials at a time (and concatenate), or use a smaller atlas",
        )
        filters = self.filters_.astype(dtype, copy=False)
        # one BLAS call over all trials (a broadcast matmul loops over them)
        out = np.tensordot(filters, data, axes=([1], [data.ndim - 2]))
        return np.ascontiguousarray(np.moveaxis(out, 0, -2))

    def compatible_with(self, info: Any) -> bool:
        """Whether the fitted filters apply to recordings with this info unchanged."""
        self._check_fitted()
        try:
            names, pos = _eeg_with_positions(info)
        except ValueError:
            return False
        if names != self.ch_names_:
            return False
        return bool(np.allclose(pos, self.sensor_pos_, atol=1e-6))

    @property
    def parcel_names_(self) -> list[str]:
        """Names of the parcels (rows of ``filters_``)."""
        self._check_fitted()
        return list(self.atlas_.labels)


@dataclass(repr=False)
class SensorDistanceProjector(_BaseProjector):
    """Project EEG onto parcels by Gaussian weights of sensor-to-parcel distance.

    Each parcel's signal is a weighted average of the average-referenced EEG channels,
    with weights ``exp(-d^2 / (2 sigma^2))`` of the distance ``d`` (MNI mm) between the
    sensor and the parcel centre, normalised to sum to one. Cheap and assumption-light,
    but not a source model: nearby parcels get nearly the same signal.

    Parameters
    ----------
    atlas : str | Atlas
        Atlas name for :func:`s2decode.atlas.load_atlas` or an :class:`Atlas`.
    sigma : float
        Width of the Gaussian in mm.
    reference : {"average", None}
        ``"average"`` re-references the channels to their mean inside the filter (so the
        result does not depend on the recording reference); ``None`` uses them as they are.

    Attributes
    ----------
    filters_ : ndarray, shape (n_parcels, n_channels)
        The linear filter; ``parcels = filters_ @ sensors``.
    ch_names_ : list of str
        The EEG channels used (those with a position), in the column order.
    sensor_pos_ : ndarray, shape (n_channels, 3)
        Their positions in the head frame (m).
    sensor_mni_ : ndarray, shape (n_channels, 3)
        Their positions in MNI mm.
    atlas_ : Atlas
        The atlas.
    """

    atlas: str | Atlas = "seitzman300"
    sigma: float = 30.0
    reference: str | None = "average"

    def fit(self, info: Any) -> SensorDistanceProjector:
        """Compute the weights for the EEG channels of ``info`` that have positions.

        Parameters
        ----------
        info : mne.Info
            Measurement info with a montage.

        Returns
        -------
        self : SensorDistanceProjector
        """
        if self.reference not in ("average", None):
            raise ValueError(f"`reference` must be 'average' or None, got {self.reference!r}.")
        self.atlas_ = _resolve_atlas(self.atlas)
        self.ch_names_, self.sensor_pos_ = _eeg_with_positions(info)
        self.sensor_mni_ = head_to_mni(self.sensor_pos_)
        weights = gaussian_sensor_weights(self.sensor_mni_, self.atlas_.coords, self.sigma)
        if self.reference == "average":
            weights = weights @ average_reference_matrix(len(self.ch_names_))
        self.filters_ = weights
        return self

    @property
    def units_(self) -> str:
        return "V"

    def __repr__(self) -> str:
        atlas = getattr(self.atlas, "name", self.atlas)
        return f"SensorDistanceProjector(atlas={atlas!r}, sigma={self.sigma})"


@dataclass(repr=False)
class SourceProjector(_BaseProjector):
    """Project EEG onto parcels through a template source model and a minimum-norm inverse.

    Everything works offline from the files MNE and nilearn ship:

    1. a spherical head model (:func:`mne.make_sphere_model`, 4 layers) fitted to the
       electrode positions of the whole standard 10-05 montage on the fsaverage head
       (``sphere="template"``), or to the recording's own digitisation (``"auto"``);
    2. a volume source space: a regular grid of ``spacing`` mm inside the MNI152 brain
       mask, moved to the head frame (:func:`mni_to_head`) and kept inside the brain
       sphere, free orientation;
    3. the EEG forward solution (:func:`mne.make_forward_solution`);
    4. the inverse operator (:func:`mne.minimum_norm.make_inverse_operator`) with the
       given noise covariance, or an ad hoc diagonal one (:func:`mne.make_ad_hoc_cov`),
       and the average-reference projector that EEG source modelling needs;
    5. the inverse kernel, obtained by applying the inverse (``pick_ori="vector"``) to an
       identity "evoked", so that projecting any data is one matrix product;
    6. sources assigned to the nearest parcel centre within ``radius`` mm
       (:func:`assign_sources_to_parcels`) and each parcel's kernel block reduced to one
       signed row (:func:`reduce_parcel_kernels`; sign: current pointing away from the
       sphere centre is positive), along the first principal direction of the parcel's
       currents under the covariance given to :meth:`fit` / :meth:`reorient` (identity
       by default).

    Parameters
    ----------
    atlas : str | Atlas
        Atlas name for :func:`s2decode.atlas.load_atlas` or an :class:`Atlas`.
    method : {"eloreta", "dspm", "sloreta", "mne"}
        Inverse method. eLORETA localises best here; dSPM is biased towards deep sources
        in this volume model (see the module notes).
    snr : float
        Assumed signal-to-noise ratio; the regularisation is ``lambda2 = 1 / snr**2``.
    spacing : float
        Source grid step in mm.
    radius : float | None
        Largest source-to-parcel-centre distance in mm; ``None`` uses ``1.5 * spacing``.
    noise_cov : mne.Covariance | None
        Noise covariance; ``None`` uses an ad hoc diagonal covariance (identity-like
        whitening, 0.2 µV for EEG).
    sphere : {"template", "auto"} | mne.bem.ConductorModel
        Head model: ``"template"`` fits the sphere to the standard montage on the fsaverage
        head (right for recordings with a standard montage, and the same for every
        channel subset, however small); ``"auto"`` fits it to the recording's own
        digitisation (:func:`mne.make_sphere_model` with ``"auto"``); or a sphere model.
    depth : float | None
        Depth weighting exponent for the minimum-norm prior (eLORETA ignores it).

    Attributes
    ----------
    filters_ : ndarray, shape (n_parcels, n_channels)
        The linear filter: ``parcels = filters_ @ sensors`` (sensors in V).
    ch_names_ : list of str
        EEG channels used (those with a position), in column order.
    sensor_pos_ : ndarray, shape (n_channels, 3)
        Their positions in the head frame (m).
    atlas_ : Atlas
        The atlas.
    source_mni_ : ndarray, shape (n_sources, 3)
        Source positions in MNI mm.
    kernel_ : ndarray, shape (n_sources, 3, n_channels)
        The vector inverse kernel.
    members_ : list of ndarray of int
        Sources of each parcel (indices into ``source_mni_``).
    outward_ : ndarray, shape (n_sources, 3)
        Unit vectors from the sphere centre to the sources (the sign convention).
    inverse_operator_ : mne.minimum_norm.InverseOperator
        The inverse operator (EEG with its average-reference projector).
    explained_ : ndarray, shape (n_parcels,)
        Share of each parcel's kernel block kept by its single row.
    sphere_ : mne.bem.ConductorModel
        The head model.
    """

    atlas: str | Atlas = "seitzman300"
    method: str = "eloreta"
    snr: float = 3.0
    spacing: float = 10.0
    radius: float | None = None
    noise_cov: Any = None
    sphere: Any = "template"
    depth: float | None = 0.8

    def _check_params(self) -> None:
        check_option(self.method, INVERSE_METHODS, "method")
        check_number(self.snr, "snr", low=0, strict_low=True)
        if self.radius is not None:
            check_number(self.radius, "radius", low=0, strict_low=True, unit="mm")
        if isinstance(self.sphere, str) and self.sphere not in ("template", "auto"):
            raise ValueError(
                f"`sphere` must be 'template', 'auto' or a sphere model, got {self.sphere!r}."
            )

    def _fit_sphere(self, info: Any) -> Any:
        import mne

        if not isinstance(self.sphere, str):
            return self.sphere
        if self.sphere == "auto":
            return mne.make_sphere_model("auto", "auto", info, verbose=False)
        montage = mne.channels.make_standard_montage(default_montage())
        template = mne.create_info(montage.ch_names, 100.0, "eeg")
        template.set_montage(montage, verbose=False)
        radius, origin, _ = mne.bem.fit_sphere_to_headshape(
            template, dig_kinds=("eeg",), units="m", verbose=False
        )
        return mne.make_sphere_model(origin, radius, verbose=False)

    def fit(self, info: Any, cov: Any = None) -> SourceProjector:
        """Build the source model and the parcel filters for the EEG channels of ``info``.

        Parameters
        ----------
        info : mne.Info
            Measurement info with a montage (EEG channels without a position are left out).
        cov : ndarray | mne.Covariance | None
            Sensor covariance of the data that fixes each parcel's orientation (see
            :meth:`reorient`); ``None`` uses the kernel's own dominant direction.

        Returns
        -------
        self : SourceProjector
        """
        import mne

        self._check_params()
        self.atlas_ = _resolve_atlas(self.atlas)
        self.ch_names_, self.sensor_pos_ = _eeg_with_positions(info)
        if len(self.ch_names_) < 3:
            raise ValueError(
                f"A source model needs at least 3 EEG channels with positions, got "
                f"{self.ch_names_}; use method='sensor' instead."
            )
        # a clean EEG-only info (no projectors, bads or other channels) with the same positions
        eeg_info = mne.create_info(self.ch_names_, info["sfreq"], "eeg")
        eeg_info.set_montage(
            mne.channels.make_dig_montage(
                ch_pos=dict(zip(self.ch_names_, self.sensor_pos_, strict=True)),
                coord_frame="head",
            ),
            verbose=False,
        )
        self.sphere_ = self._fit_sphere(info)
        src, source_mni = self._source_space()
        fwd = mne.make_forward_solution(
            eeg_info, trans=None, src=src, bem=self.sphere_, meg=False, eeg=True, verbose=False
        )
        # the forward may drop sources (outside the inner sphere): keep positions aligned
        source_mni = source_mni[fwd["src"][0]["vertno"]]

        # the identity "evoked" carries the average-reference projector MNE requires
        n_ch = len(self.ch_names_)
        identity = mne.EvokedArray(np.eye(n_ch), eeg_info, tmin=0.0, nave=1, verbose=False)
        identity.set_eeg_reference("average", projection=True, verbose=False)
        noise_cov = self.noise_cov
        if noise_cov is None:
            noise_cov = mne.make_ad_hoc_cov(identity.info, verbose=False)
        inv = mne.minimum_norm.make_inverse_operator(
            identity.info, fwd, noise_cov, loose=1.0, depth=self.depth, verbose=False
        )
        stc = mne.minimum_norm.apply_inverse(
            identity,
            inv,
            lambda2=1.0 / self.snr**2,
            method=INVERSE_METHODS[self.method],
            pick_ori="vector",
            verbose=False,
        )
        kernel = np.asarray(stc.data)  # (n_sources, 3, n_channels)

        radius = 1.5 * self.spacing if self.radius is None else float(self.radius)
        centre_mni = head_to_mni(np.asarray(self.sphere_["r0"], float)[None, :])[0]
        outward = source_mni - centre_mni
        self.outward_ = outward / np.maximum(np.linalg.norm(outward, axis=1, keepdims=True), 1e-9)
        self.inverse_operator_ = inv
        self.kernel_ = kernel
        self.source_mni_ = source_mni
        self.members_ = assign_sources_to_parcels(source_mni, self.atlas_.coords, radius)
        return self.reorient(cov)

    def reorient(self, cov: Any = None) -> SourceProjector:
        """Recompute the parcel filters for another sensor covariance (keeps the kernel).

        Each parcel's orientation is the first principal direction of its source currents
        under ``cov`` (see :func:`reduce_parcel_kernel`); the forward model and the inverse
        are not recomputed, so this is cheap: fit once per montage, reorient per subject.

        Parameters
        ----------
        cov : ndarray, shape (n_channels, n_channels) | mne.Covariance | None
            Sensor covariance of the data (channels in the order of ``ch_names_`` for an
            array; see :func:`sensor_covariance`); ``None`` uses the identity (the kernel's
            own dominant direction, independent of the data).

        Returns
        -------
        self : SourceProjector
        """
        if not hasattr(self, "kernel_"):
            raise RuntimeError("This SourceProjector is not fitted yet; call .fit(info) first.")
        cov = _check_cov(cov, self.ch_names_)
        self.filters_, self.explained_ = reduce_parcel_kernels(
            self.kernel_, self.members_, self.outward_, cov
        )
        return self

    def _source_space(self) -> tuple[Any, np.ndarray]:
        """Discrete volume source space (head frame) on the MNI brain grid inside the sphere."""
        import mne

        source_mni = brain_grid_mni(self.spacing)
        rr = mni_to_head(source_mni)
        r0 = np.asarray(self.sphere_["r0"], float)
        inner = self.sphere_["layers"][0]["rad"] if self.sphere_["layers"] else np.inf
        # keep a margin from the inner sphere, as mindist does for a BEM
        inside = np.linalg.norm(rr - r0, axis=1) < inner - 0.005
        if not np.any(inside):
            raise RuntimeError(
                "No source point lies inside the head model; is the sphere in the head frame "
                "of the montage (metres)?"
            )
        rr, source_mni = rr[inside], source_mni[inside]
        nn = np.tile([0.0, 0.0, 1.0], (len(rr), 1))
        src = mne.setup_volume_source_space(pos=dict(rr=rr, nn=nn), verbose=False)
        return src, source_mni

    @property
    def units_(self) -> str:
        return "Am" if self.method in ("eloreta", "mne") else self.method

    def __repr__(self) -> str:
        atlas = getattr(self.atlas, "name", self.atlas)
        return (
            f"SourceProjector(atlas={atlas!r}, method={self.method!r}, snr={self.snr}, "
            f"spacing={self.spacing})"
        )


def make_projector(method: str, atlas: str | Atlas = "seitzman300", **params: Any):
    """Build an (unfitted) projector by method name.

    Parameters
    ----------
    method : {"eloreta", "dspm", "sloreta", "mne", "sensor"}
        An inverse method for :class:`SourceProjector`, or ``"sensor"`` for
        :class:`SensorDistanceProjector`.
    atlas : str | Atlas
        The atlas.
    **params
        Other parameters of the projector class.

    Returns
    -------
    projector : SourceProjector | SensorDistanceProjector
    """
    if method == "sensor":
        return SensorDistanceProjector(atlas=atlas, **params)
    if method in INVERSE_METHODS:
        return SourceProjector(atlas=atlas, method=method, **params)
    check_option(method, PROJECTION_METHODS, "method")
    raise AssertionError("unreachable: every projection method is handled above")

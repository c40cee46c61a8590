"""Sensor -> parcel projections: coordinates, the maths, and the source model's sense.

No recordings needed: the sensors are the 64 channels of the EEGBCI cap placed on MNE's
standard montage, the atlas is a packaged one (Seitzman 300, offline).
"""

from __future__ import annotations

import mne
import numpy as np
import pytest
from scipy.spatial import cKDTree

from s2decode.atlas.atlases import Atlas, load_atlas
from s2decode.atlas.projection import (
    MNI305_TO_MNI152,
    SensorDistanceProjector,
    SourceProjector,
    assign_sources_to_parcels,
    average_reference_matrix,
    brain_grid_mni,
    default_montage,
    gaussian_sensor_weights,
    head_to_mni,
    make_projector,
    mni_to_head,
    reduce_parcel_kernel,
    reduce_parcel_kernels,
    sensor_covariance,
    sensor_positions,
)

from .conftest import assert_close_to_scale

# the 64 channels of the PhysioNet EEGBCI cap (after mne.datasets.eegbci.standardize)
CAP64 = (
    "FC5 FC3 FC1 FCz FC2 FC4 FC6 C5 C3 C1 Cz C2 C4 C6 CP5 CP3 CP1 CPz CP2 CP4 CP6 Fp1 Fpz "
    "Fp2 AF7 AF3 AFz AF4 AF8 F7 F5 F3 F1 Fz F2 F4 F6 F8 FT7 FT8 T7 T8 T9 T10 TP7 TP8 P7 P5 "
    "P3 P1 Pz P2 P4 P6 P8 PO7 PO3 POz PO4 PO8 O1 Oz O2 Iz"
).split()


def _info(names=CAP64, sfreq=160.0):
    info = mne.create_info(list(names), sfreq, "eeg")
    info.set_montage(default_montage(), verbose=False)
    return info


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    return load_atlas("seitzman300")


@pytest.fixture(scope="module")
def info64():
    return _info()


@pytest.fixture(scope="module")
def eloreta(atlas, info64) -> SourceProjector:
    """eLORETA projector on the 64-channel cap (fitted once for the module)."""
    return SourceProjector(atlas, method="eloreta").fit(info64)


# --- coordinates -----------------------------------------------------------------------


def test_head_mni_round_trip():
    rng = np.random.default_rng(0)
    mni = rng.uniform(-70, 70, size=(50, 3))
    np.testing.assert_allclose(head_to_mni(mni_to_head(mni)), mni, atol=1e-9)


def test_head_to_mni_matches_the_montage_in_fsaverage_space(info64):
    """Electrodes set on a recording (head frame) land where the montage puts them on
    fsaverage (MRI = MNI305), i.e. the fsaverage transform chain is the right one."""
    montage = mne.channels.make_standard_montage(default_montage())
    ch_pos = montage.get_positions()["ch_pos"]
    mni305 = np.array([ch_pos[c] for c in CAP64]) * 1000.0
    expected = mni305 @ MNI305_TO_MNI152[:3, :3].T + MNI305_TO_MNI152[:3, 3]
    got = head_to_mni(sensor_positions(info64))
    # within 1.5 mm: the montage's fiducials (which define its head frame) sit up to
    # 0.6 mm from those of fsaverage-trans.fif
    np.testing.assert_allclose(got, expected, atol=1.5)  # mm
    cz = got[CAP64.index("Cz")]
    assert abs(cz[0]) < 5 and cz[2] > 70  # the vertex, on the midline, on top
    c3, c4 = got[CAP64.index("C3")], got[CAP64.index("C4")]
    assert c3[0] < -40 < 40 < c4[0]  # left is negative x in RAS


def test_sensor_positions_nan_where_unknown():
    info = mne.create_info(["Cz", "XYZ"], 100.0, "eeg")
    info.set_montage(default_montage(), on_missing="ignore", verbose=False)
    pos = sensor_positions(info)
    assert np.all(np.isfinite(pos[0])) and np.all(np.isnan(pos[1]))


def test_brain_grid_is_a_lattice_inside_the_brain():
    grid = brain_grid_mni(10.0)
    np.testing.assert_allclose(grid % 10.0, 0.0, atol=1e-9)
    assert grid[:, 0].min() > -80 and grid[:, 0].max() < 80
    assert grid[:, 1].min() > -125 and grid[:, 1].max() < 80
    # the MNI152 brain is about 1.2-1.8 litres: 1 point per cm^3
    assert 1000 < len(grid) < 2500
    # a finer grid has about (10/7)^3 times as many points
    ratio = len(brain_grid_mni(7.0)) / len(grid)
    assert 2.4 < ratio < 3.5
    with pytest.raises(ValueError, match="spacing"):
        brain_grid_mni(0.0)


# --- plain maths -----------------------------------------------------------------------


def test_assign_sources_nearest_within_radius():
    parcels = np.array([[0.0, 0, 0], [30.0, 0, 0], [100.0, 100, 100]])
    sources = np.array([[1.0, 0, 0], [14.0, 0, 0], [16.0, 0, 0], [29.0, 0, 0], [0.0, 50, 0]])
    members = assign_sources_to_parcels(sources, parcels, radius=20.0)
    assert members[0].tolist() == [0, 1]
    assert members[1].tolist() == [2, 3]
    # the far parcel has no source within the radius: it borrows the nearest one
    nearest = int(np.argmin(np.linalg.norm(sources - parcels[2], axis=1)))
    assert members[2].tolist() == [nearest]
    # the source 50 mm away from everything belongs to no parcel
    assert 4 not in np.concatenate(members[:2])


def test_reduce_parcel_kernel_rank_one_and_sign():
    rng = np.random.default_rng(1)
    channel_pattern = rng.standard_normal(16)
    directions = rng.standard_normal((4, 3))
    kernel = directions[:, :, None] * channel_pattern[None, None, :]  # rank one
    row, explained = reduce_parcel_kernel(kernel, outward=directions)
    assert explained == pytest.approx(1.0)
    # the row is the pattern scaled by the norm of the directions / sqrt(n_sources)
    scale = np.linalg.norm(directions) / np.sqrt(4)
    assert_close_to_scale(row, scale * channel_pattern)
    # outward pointing the other way flips the sign
    flipped, _ = reduce_parcel_kernel(kernel, outward=-directions)
    np.testing.assert_allclose(flipped, -row)


def test_reduce_parcel_kernel_follows_the_data_covariance():
    """Two orthogonal source directions, one per channel: the covariance decides."""
    kernel = np.zeros((1, 3, 2))
    kernel[0, 0, 0] = 1.0  # x current seen on channel 0
    kernel[0, 1, 1] = 2.0  # y current on channel 1, larger gain
    row_white, _ = reduce_parcel_kernel(kernel)
    assert abs(row_white[1]) > 0 and row_white[0] == pytest.approx(0.0)
    row_data, explained = reduce_parcel_kernel(kernel, cov=np.diag([100.0, 1.0]))
    assert abs(row_data[0]) == pytest.approx(1.0) and row_data[1] == pytest.approx(0.0)
    assert explained == pytest.approx(100.0 / 104.0)


def test_sensor_covariance_matches_numpy():
    rng = np.random.default_rng(2)
    data = rng.standard_normal((3, 4, 50)) + 5.0  # offsets are removed per trial
    cov = sensor_covariance(data)
    centred = data - data.mean(axis=-1, keepdims=True)
    flat = centred.transpose(1, 0, 2).reshape(4, -1)
    assert_close_to_scale(cov, flat @ flat.T / (flat.shape[1] - 1))  # einsum vs BLAS
    with pytest.raises(ValueError, match="n_times"):
        sensor_covariance(np.zeros((2, 3, 1)))


def test_gaussian_weights_rows_sum_to_one_and_favour_near_sensors():
    sensors = np.array([[0.0, 0, 0], [50.0, 0, 0], [0.0, 80, 0]])
    parcels = np.array([[5.0, 0, 0], [45.0, 0, 0], [1e4, 0, 0]])  # the last one is far away
    w = gaussian_sensor_weights(sensors, parcels, sigma=20.0)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    assert np.all(w >= 0) and np.all(np.isfinite(w))
    assert w[0].argmax() == 0 and w[1].argmax() == 1
    with pytest.raises(ValueError, match="sigma"):
        gaussian_sensor_weights(sensors, parcels, sigma=-1)


def test_average_reference_matrix_removes_common_mode():
    ref = average_reference_matrix(5)
    np.testing.assert_allclose(ref @ np.ones(5), 0.0, atol=1e-12)
    x = np.arange(5.0)
    assert_close_to_scale(ref @ x, x - x.mean())  # one entry is 0: BLAS may leave 1e-16 there


# --- projectors ------------------------------------------------------------------------


def test_sensor_distance_projector(atlas, info64):
    proj = SensorDistanceProjector(atlas, sigma=30.0).fit(info64)
    assert proj.filters_.shape == (atlas.n_parcels, 64)
    assert proj.ch_names_ == CAP64
    # average reference inside the filter: a common-mode signal vanishes
    np.testing.assert_allclose(proj.filters_ @ np.ones(64), 0.0, atol=1e-12)
    # the parcel nearest to C3 weighs C3 more than C4
    c3, c4 = CAP64.index("C3"), CAP64.index("C4")
    p = int(np.argmin(np.linalg.norm(atlas.coords - proj.sensor_mni_[c3], axis=1)))
    assert proj.filters_[p, c3] > proj.filters_[p, c4]
    data = np.random.default_rng(3).standard_normal((2, 64, 10))
    out = proj.transform(data)
    assert out.shape == (2, atlas.n_parcels, 10)
    assert_close_to_scale(out[1], proj.filters_ @ data[1])  # tensordot vs matmul


def test_source_projector_structure(eloreta, atlas):
    assert eloreta.filters_.shape == (atlas.n_parcels, 64)
    assert np.all(np.isfinite(eloreta.filters_))
    assert eloreta.units_ == "Am"
    n_src = len(eloreta.source_mni_)
    assert eloreta.kernel_.shape == (n_src, 3, 64)
    assert all(len(m) > 0 for m in eloreta.members_)
    # the inverse includes the average reference: a common-mode signal has no source
    scale = np.abs(eloreta.filters_).max()
    np.testing.assert_allclose(eloreta.filters_ @ np.ones(64), 0.0, atol=1e-9 * scale)
    # sources sit inside the brain and the sphere
    assert np.all(np.abs(eloreta.source_mni_[:, 0]) < 80)


def test_source_projector_kernel_is_mnes_inverse(eloreta, info64):
    """Projecting with the kernel equals MNE's apply_inverse on the same data."""
    rng = np.random.default_rng(4)
    data = rng.standard_normal((64, 20)) * 1e-5
    evoked = mne.EvokedArray(data, info64, tmin=0.0, nave=1, verbose=False)
    evoked.set_eeg_reference("average", projection=True, verbose=False)
    stc = mne.minimum_norm.apply_inverse(
        evoked,
        eloreta.inverse_operator_,
        lambda2=1.0 / eloreta.snr**2,
        method="eLORETA",
        pick_ori="vector",
        verbose=False,
    )
    ours = np.einsum("sdc,ct->sdt", eloreta.kernel_, data)
    np.testing.assert_allclose(ours, stc.data, rtol=1e-6, atol=1e-6 * np.abs(stc.data).max())


def test_transform_picks_channels_by_name(eloreta):
    rng = np.random.default_rng(5)
    data = rng.standard_normal((3, 64, 8))
    order = rng.permutation(64)
    names = [CAP64[i] for i in order]
    # permuted channels: the same sums in another order
    assert_close_to_scale(
        eloreta.transform(data[:, order], ch_names=names), eloreta.transform(data)
    )
    with pytest.raises(ValueError, match="lack channels"):
        eloreta.transform(data[:, :10], ch_names=CAP64[:10])
    with pytest.raises(ValueError, match="64"):
        eloreta.transform(data[:, :10])


def test_projector_errors(atlas):
    with pytest.raises(RuntimeError, match="not fitted"):
        SensorDistanceProjector(atlas).transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="method"):
        make_projector("beamformer", atlas)
    with pytest.raises(ValueError, match="method"):
        SourceProjector(atlas, method="lcmv").fit(_info())
    no_pos = mne.create_info(["a", "b", "c"], 100.0, "eeg")
    with pytest.raises(ValueError, match="montage"):
        SensorDistanceProjector(atlas).fit(no_pos)
    with pytest.raises(ValueError, match="at least 3"):
        SourceProjector(atlas).fit(_info(["Cz", "Pz"]))


def test_compatible_with(eloreta):
    assert eloreta.compatible_with(_info())
    assert not eloreta.compatible_with(_info(CAP64[:32]))


# --- the source model's sense: dipoles projected to sensors and back ---------------------


def _simulate(projector, positions, orientations, sphere, seed=0, snr_db=20.0):
    """Sensor data of a 10 Hz dipole at each position (an independent forward model:
    MNE's make_forward_dipole at the exact off-grid position), with white sensor noise."""
    info = _info(projector.ch_names_)
    n = len(positions)
    dip = mne.Dipole(np.zeros(n), positions, np.full(n, 1e-8), orientations, np.ones(n))
    fwd, _ = mne.make_forward_dipole(dip, sphere, info, verbose=False)
    gain = fwd["sol"]["data"]  # (n_channels, n_dipoles), fixed orientation
    rng = np.random.default_rng(seed)
    wave = 20e-9 * np.sin(2 * np.pi * 10.0 * np.arange(320) / 160.0)
    for k in range(n):
        clean = np.outer(gain[:, k], wave)
        noise = rng.standard_normal(clean.shape)
        noise *= np.sqrt(np.mean(clean**2) / np.mean(noise**2)) / 10 ** (snr_db / 20)
        yield clean + noise


def _peak_parcels(projector, atlas, parcels, sphere, seed=0):
    """For a dipole at each parcel centre (random orientation): the parcel of peak power."""
    rng = np.random.default_rng(seed)
    ori = rng.standard_normal((len(parcels), 3))
    ori /= np.linalg.norm(ori, axis=1, keepdims=True)
    positions = mni_to_head(atlas.coords[parcels])
    peaks = []
    for data in _simulate(projector, positions, ori, sphere, seed=seed):
        fitted = projector.reorient(sensor_covariance(data))
        peaks.append(int(np.argmax(np.mean(fitted.transform(data) ** 2, axis=-1))))
    projector.reorient(None)
    return np.array(peaks)


def _nearest_parcel(atlas, mni):
    return int(np.argmin(np.linalg.norm(atlas.coords - np.asarray(mni, float), axis=1)))


def test_dipole_peaks_in_its_parcel(eloreta, atlas):
    """A dipole at a parcel centre (off the source grid, random orientation) peaks in
    that very parcel: left and right hand motor cortex, visual cortex, frontal cortex,
    precuneus."""
    landmarks = [(-38, -22, 56), (38, -22, 56), (-10, -90, 0), (40, 40, 20), (0, -60, 40)]
    parcels = np.array([_nearest_parcel(atlas, m) for m in landmarks])
    peaks = _peak_parcels(eloreta, atlas, parcels, eloreta.sphere_)
    assert [atlas.labels[p] for p in peaks] == [atlas.labels[p] for p in parcels]


def _inside(projector, atlas, sphere, margin=0.005):
    pos = mni_to_head(atlas.coords)
    dist = np.linalg.norm(pos - np.asarray(sphere["r0"]), axis=1)
    return np.flatnonzero(dist < sphere["layers"][0]["rad"] - margin)


def test_dipoles_localise_across_the_atlas(eloreta, atlas):
    """Every third parcel, same head model: nearly all peak exactly in their parcel."""
    parcels = _inside(eloreta, atlas, eloreta.sphere_)[::3]
    peaks = _peak_parcels(eloreta, atlas, parcels, eloreta.sphere_, seed=1)
    assert np.mean(peaks == parcels) >= 0.9
    miss = np.linalg.norm(atlas.coords[peaks] - atlas.coords[parcels], axis=1)
    assert np.all(miss <= 25.0)


def test_dipoles_localise_with_a_mismatched_head_model(eloreta, atlas):
    """Simulated with another head model (a 3-shell sphere fitted to the 64 electrodes,
    different radii and skull conductivity), as a real head differs from the template:
    most peaks stay in the parcel, nearly all within its neighbours."""
    sim_sphere = mne.make_sphere_model(
        "auto",
        "auto",
        _info(),
        relative_radii=(0.87, 0.92, 1.0),
        sigmas=(0.33, 0.0125, 0.33),
        verbose=False,
    )
    parcels = _inside(eloreta, atlas, sim_sphere)[1::3]
    peaks = _peak_parcels(eloreta, atlas, parcels, sim_sphere, seed=2)
    miss = np.linalg.norm(atlas.coords[peaks] - atlas.coords[parcels], axis=1)
    assert np.mean(peaks == parcels) >= 0.7
    # a parcel's neighbours: its 6 nearest other parcels
    _, neighbours = cKDTree(atlas.coords).query(atlas.coords[parcels], k=7)
    near = [peak in row for peak, row in zip(peaks, neighbours, strict=True)]
    assert np.mean(near) >= 0.95
    assert np.median(miss) == 0.0


@pytest.mark.parametrize("method", ["dspm", "sloreta"])
def test_other_inverse_methods_fit(atlas, method):
    proj = SourceProjector(atlas, method=method, spacing=15.0).fit(_info(CAP64[:32]))
    assert proj.filters_.shape == (atlas.n_parcels, 32)
    assert np.all(np.isfinite(proj.filters_))
    assert proj.units_ == method


def test_batched_reduction_matches_the_single_one(eloreta):
    rng = np.random.default_rng(6)
    a = rng.standard_normal((64, 64))
    cov = a @ a.T
    filters, explained = reduce_parcel_kernels(
        eloreta.kernel_, eloreta.members_, eloreta.outward_, cov
    )
    for p in (0, 17, 150, 299):
        idx = eloreta.members_[p]
        row, ex = reduce_parcel_kernel(eloreta.kernel_[idx], eloreta.outward_[idx], cov)
        np.testing.assert_allclose(filters[p], row, rtol=1e-8, atol=1e-12 * np.abs(row).max())
        assert explained[p] == pytest.approx(ex)

"""Spike times / binned spikes / NWB -> spike counts (s2decode.io.spikes)."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import nibabel as nib
import numpy as np
import pytest

from s2decode import SpikeTrains
from s2decode.atlas import Atlas
from s2decode.io.spikes import read_nwb, spikes_to_trials, units_to_parcels
from s2decode.trials import check_trials, measure_of


def _random_trains(rng, n_trials=4, n_units=3, tmin=-0.5, tmax=1.0, rate=20.0):
    out = []
    for _ in range(n_trials):
        out.append(
            [
                np.sort(rng.uniform(tmin - 0.2, tmax + 0.2, rng.poisson(rate * (tmax - tmin))))
                for _ in range(n_units)
            ]
        )
    return out


def _atlas():
    return Atlas(
        name="toy",
        labels=["M1", "PMd", "V1"],
        coords=[[-30.0, -20.0, 60.0], [-25.0, -5.0, 60.0], [10.0, -90.0, 0.0]],
        networks=["motor", "motor", "visual"],
        radius=5.0,
    )


# --------------------------------------------------------------------------- spike times


def test_times_binned_like_numpy_histogram():
    rng = np.random.default_rng(0)
    trains = _random_trains(rng)
    counts = spikes_to_trials(trains, tmin=-0.5, tmax=1.0, bin_size=0.05, y=list("abab"))
    counts = check_trials(counts)
    assert counts.dims == ("trial", "unit", "time")
    assert counts.shape == (4, 3, 30)
    edges = -0.5 + 0.05 * np.arange(31)
    for k in range(4):
        for u in range(3):
            expected, _ = np.histogram(trains[k][u], bins=edges)
            np.testing.assert_array_equal(counts.values[k, u], expected)
    np.testing.assert_allclose(counts["time"], edges[:-1])
    assert measure_of(counts) == "spike_counts"
    assert counts.attrs["modality"] == "spikes"
    assert counts.attrs["units"] == "count"
    assert counts.attrs["sfreq"] == pytest.approx(20.0)
    assert counts.attrs["bin_size"] == pytest.approx(0.05)
    assert counts["y"].values.tolist() == list("abab")
    assert counts["unit"].values.tolist() == ["unit000", "unit001", "unit002"]


def test_window_edges_and_rounding():
    # 3 ms is 0.0029999.. / 0.001 in floating point: it must land in bin 3, not 2
    trains = [[np.array([0.0, 0.003, 0.0999, 0.1])]]
    counts = spikes_to_trials(trains, tmin=0.0, tmax=0.1, bin_size=0.001)
    assert counts.sizes["time"] == 100
    assert counts.values[0, 0, 0] == 1  # tmin included
    assert counts.values[0, 0, 3] == 1
    assert counts.values[0, 0, 99] == 1
    assert counts.values.sum() == 3  # tmax excluded


def test_exact_spike_times_are_returned():
    rng = np.random.default_rng(1)
    trains = _random_trains(rng, n_trials=2, n_units=2, tmin=0.0, tmax=1.0)
    counts, st = spikes_to_trials(
        trains, tmin=0.0, tmax=1.0, bin_size=0.01, return_spike_times=True
    )
    assert isinstance(st, SpikeTrains)
    assert (st.t_start, st.t_stop) == (0.0, 1.0)
    for k in range(2):
        for u in range(2):
            inside = trains[k][u][(trains[k][u] >= 0) & (trains[k][u] < 1.0)]
            np.testing.assert_array_equal(st.train(k, u), inside)
    np.testing.assert_array_equal(st.spike_counts(), counts.sum("time").values)


def test_spiketrains_input_keeps_its_window():
    st = SpikeTrains.from_lists([[np.array([0.1, 0.25]), np.array([])]], 0.0, 0.5)
    counts = spikes_to_trials(st, bin_size=0.1)
    assert counts.shape == (1, 2, 5)
    np.testing.assert_array_equal(counts.values[0, 0], [0, 1, 1, 0, 0])


def test_times_input_errors():
    with pytest.raises(ValueError, match=r"tmin=\.\.\. and tmax="):
        spikes_to_trials([[np.array([0.1])]], bin_size=0.01)
    with pytest.raises(ValueError, match="Trial 1 of `spikes` has 1 units"):
        spikes_to_trials([[[0.1], [0.2]], [[0.1]]], tmin=0, tmax=1)
    with pytest.raises(ValueError, match="tmin < tmax"):
        spikes_to_trials([[[0.1]]], tmin=1.0, tmax=0.0)


def test_duplicated_times_in_recorded_trains_are_counted_with_a_warning():
    """Multi-unit trains can hold one time twice: kept and counted, with a warning that
    names the train (SpikeTrains.from_lists, which promises unique times, refuses them)."""
    trains = [[np.array([0.1, 0.3, 0.3, 0.8]), np.array([0.2])], [np.array([]), np.array([0.5])]]
    with pytest.warns(RuntimeWarning, match=r"trial 0, unit 0 holds 1 spike time\(s\) twice"):
        counts, st = spikes_to_trials(
            trains, tmin=0.0, tmax=1.0, bin_size=0.1, return_spike_times=True
        )
    np.testing.assert_array_equal(counts.values[0, 0], [0, 1, 0, 2, 0, 0, 0, 0, 1, 0])
    np.testing.assert_array_equal(st.train(0, 0), [0.1, 0.3, 0.3, 0.8])
    # a duplicate outside the window is cropped away first: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spikes_to_trials([[np.array([0.1, 1.5, 1.5])]], tmin=0.0, tmax=1.0)
    with pytest.raises(ValueError, match="unique=False"):
        SpikeTrains.from_lists([[np.array([0.3, 0.3])]], 0.0, 1.0)
    pooled = SpikeTrains.from_lists([[np.array([0.3, 0.3])]], 0.0, 1.0, unique=False)
    assert pooled.spike_counts().tolist() == [[2]]


# --------------------------------------------------------------------------- binned spikes


def test_binned_native_crop_and_rebin():
    rng = np.random.default_rng(2)
    binary = (rng.random((5, 2, 200)) < 0.1).astype(np.uint8)  # 1 ms bins, -0.1..0.1 s
    native = spikes_to_trials(binary, sfreq=1000.0, t_start=-0.1)
    assert native.shape == (5, 2, 200)
    np.testing.assert_array_equal(native.values, binary)
    np.testing.assert_allclose(native["time"].values[[0, -1]], [-0.1, 0.099])
    crop = spikes_to_trials(binary, sfreq=1000.0, t_start=-0.1, tmin=0.0, tmax=0.05)
    np.testing.assert_array_equal(crop.values, binary[:, :, 100:150])
    assert crop["time"].values[0] == pytest.approx(0.0)
    coarse = spikes_to_trials(binary, sfreq=1000.0, t_start=-0.1, bin_size=0.03)
    assert coarse.shape == (5, 2, 6)  # 200 ms // 30 ms, incomplete last bin dropped
    np.testing.assert_array_equal(
        coarse.values, binary[:, :, :180].reshape(5, 2, 6, 30).sum(axis=-1)
    )
    assert coarse.attrs["sfreq"] == pytest.approx(1 / 0.03)
    _, st = spikes_to_trials(binary, sfreq=1000.0, t_start=-0.1, return_spike_times=True)
    np.testing.assert_array_equal(st.spike_counts(), binary.sum(axis=-1))


def test_binned_input_errors():
    counts = np.zeros((2, 1, 10), int)
    with pytest.raises(ValueError, match="sfreq="):
        spikes_to_trials(counts)
    with pytest.raises(ValueError, match="whole multiple"):
        spikes_to_trials(counts, sfreq=1000.0, bin_size=0.0015)
    with pytest.raises(ValueError, match=r"spikes\[:, None, :\]"):
        spikes_to_trials(np.zeros((2, 10)), sfreq=1000.0)
    with pytest.raises(ValueError, match="non-negative whole"):
        spikes_to_trials(-np.ones((2, 1, 10)), sfreq=1000.0)


# --------------------------------------------------------------------------- onto parcels


def test_units_onto_parcels_by_location():
    trains = [[np.array([0.1]), np.array([0.2, 0.3]), np.array([0.15])]]
    counts, st = spikes_to_trials(
        trains,
        tmin=0.0,
        tmax=0.5,
        bin_size=0.1,
        locations=["m1", "PMd", "M1"],  # matching ignores case
        atlas=_atlas(),
        return_spike_times=True,
    )
    assert counts.dims == ("trial", "parcel", "time")
    assert counts["parcel"].values.tolist() == ["M1", "PMd"]
    assert counts["n_units"].values.tolist() == [2, 1]
    assert counts["network"].values.tolist() == ["motor", "motor"]
    np.testing.assert_allclose(counts["mni_y"], [-20.0, -5.0])
    np.testing.assert_array_equal(counts.values[0], [[0, 2, 0, 0, 0], [0, 0, 1, 1, 0]])
    np.testing.assert_allclose(st.train(0, 0), [0.1, 0.15])  # merged, sorted
    assert st.neuron_names == ["M1", "PMd"]
    full = spikes_to_trials(
        trains,
        tmin=0.0,
        tmax=0.5,
        bin_size=0.1,
        locations=["M1", "PMd", "M1"],
        atlas=_atlas(),
        include_empty=True,
    )
    assert full["parcel"].values.tolist() == ["M1", "PMd", "V1"]
    assert full.values[0, 2].sum() == 0


def test_location_map_and_unmatched_locations():
    parcel = units_to_parcels(_atlas(), locations=["MOp", "PMd"], location_map={"MOp": "M1"})
    np.testing.assert_array_equal(parcel, [0, 1])
    with pytest.raises(ValueError, match=r"\['CA1'\].*location_map"):
        units_to_parcels(_atlas(), locations=["CA1", "PMd"])
    with pytest.raises(ValueError, match="coords` or their recorded `locations"):
        units_to_parcels(_atlas())


def test_units_onto_coordinate_atlas_by_nearest_centre():
    coords = np.array([[-29.0, -19.0, 58.0], [12.0, -85.0, 2.0], [-24.0, -6.0, 61.0]])
    np.testing.assert_array_equal(units_to_parcels(_atlas(), coords=coords), [0, 2, 1])
    with pytest.raises(ValueError, match=r"max_distance=1\.0"):
        units_to_parcels(_atlas(), coords=coords, max_distance=1.0)
    with pytest.raises(ValueError, match="have no coordinates"):
        units_to_parcels(_atlas(), coords=[[np.nan] * 3], match_by="coords")


def test_units_onto_label_image_by_voxel_not_by_centroid():
    # label 2 is a thin slab next to label 1's centre: a unit inside the slab belongs to
    # label 2 although label 1's centroid is nearer
    data = np.zeros((10, 3, 3), np.int16)
    data[:5] = 1
    data[5] = 2
    data[6:] = 1  # label 1 on both sides: its centroid lies in the slab
    img = nib.Nifti1Image(data, np.eye(4))
    atlas = Atlas(
        name="img",
        labels=["one", "two"],
        coords=[[4.5, 1.0, 1.0], [5.0, 1.0, 1.0]],
        image=img,
        label_values=np.array([1, 2]),
    )
    parcel = units_to_parcels(atlas, coords=[[5.0, 1.0, 1.0], [1.0, 1.0, 1.0], [30.0, 1, 1]])
    np.testing.assert_array_equal(parcel, [1, 0, 1])  # outside the image: nearest centre


def test_unit_nodes_keep_location_and_coords():
    counts = spikes_to_trials(
        [[np.array([0.1]), np.array([])]],
        tmin=0.0,
        tmax=0.2,
        bin_size=0.1,
        unit_names=["a", "b"],
        coords=[[1.0, 2.0, 3.0], [np.nan] * 3],
        locations=["M1", "unknown"],
    )
    assert counts["unit"].values.tolist() == ["a", "b"]
    assert counts["location"].values.tolist() == ["M1", "unknown"]
    np.testing.assert_allclose(counts["mni_x"], [1.0, np.nan])


# --------------------------------------------------------------------------- NWB


def _write_nwb(path, *, with_trials=True):
    pynwb = pytest.importorskip("pynwb")  # optional dependency (the "nwb" extra)
    NWBHDF5IO, NWBFile = pynwb.NWBHDF5IO, pynwb.NWBFile

    nwb = NWBFile(
        session_description="s2decode test",
        identifier="s2decode-test",
        session_start_time=datetime(2024, 1, 1, tzinfo=UTC),
    )
    device = nwb.create_device("probe")
    group = nwb.create_electrode_group("shank", description="d", location="cortex", device=device)
    for loc, xyz in (("M1", (-30.0, -20.0, 60.0)), ("PMd", (-25.0, -5.0, 60.0))):
        nwb.add_electrode(group=group, location=loc, x=xyz[0], y=xyz[1], z=xyz[2])
    if with_trials:
        nwb.add_trial_column("direction", "reach direction")
        nwb.add_trial_column("go_time", "go cue (s)")
        nwb.add_trial_column("session", "session")
        for k, label in enumerate(["left", "right", "left"]):
            nwb.add_trial(
                start_time=10.0 * k,
                stop_time=10.0 * k + 2.0 + k,
                direction=label,
                go_time=10.0 * k + 1.0,
                session=k // 2,
            )
    # unsorted on purpose: NWB does not require sorted spike times
    nwb.add_unit(spike_times=[10.2, 0.1, 0.5, 20.9, 11.05], electrodes=[0])
    nwb.add_unit(spike_times=[1.5, 11.0, 11.001], electrodes=[1])
    nwb.add_unit(spike_times=[0.7], electrodes=[1])
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path


def test_read_nwb_counts_labels_locations(tmp_path):
    fname = _write_nwb(tmp_path / "session.nwb")
    counts, st = read_nwb(
        fname,
        bin_size=0.1,
        label_column="direction",
        group_column="session",
        return_spike_times=True,
    )
    assert counts.shape == (3, 3, 20)  # tmax = shortest trial, 2 s
    assert counts["unit"].values.tolist() == ["unit0", "unit1", "unit2"]
    assert counts["location"].values.tolist() == ["M1", "PMd", "PMd"]
    assert counts["y"].values.tolist() == ["left", "right", "left"]
    assert counts["group"].values.tolist() == [0, 0, 1]
    np.testing.assert_allclose(counts["onset"], [0.0, 10.0, 20.0])
    assert np.isnan(counts["mni_x"]).all()  # x, y, z not taken as MNI unless asked
    np.testing.assert_allclose(st.train(0, 0), [0.1, 0.5])
    np.testing.assert_allclose(st.train(1, 0), [0.2, 1.05])
    np.testing.assert_allclose(st.train(1, 1), [1.0, 1.001])
    np.testing.assert_allclose(st.train(2, 0), [0.9])
    assert counts.values[1, 1, 10] == 2
    assert counts.attrs["source"] == str(fname)


def test_read_nwb_event_column_units_and_parcels(tmp_path):
    fname = _write_nwb(tmp_path / "session.nwb")
    counts = read_nwb(fname, event_column="go_time", tmin=-1.0, tmax=1.0, bin_size=0.5, units=[1])
    assert counts["unit"].values.tolist() == ["unit1"]
    np.testing.assert_array_equal(counts.values[:, 0].sum(axis=-1), [1, 2, 0])
    by_coords = read_nwb(fname, bin_size=0.5, coords_are_mni=True, atlas=_atlas())
    assert by_coords["parcel"].values.tolist() == ["M1", "PMd"]
    assert by_coords["n_units"].values.tolist() == [1, 2]
    by_location = read_nwb(fname, bin_size=0.5, atlas=_atlas(), match_by="location")
    np.testing.assert_array_equal(by_location.values, by_coords.values)


def test_read_nwb_errors(tmp_path):
    pytest.importorskip("pynwb")
    with pytest.raises(FileNotFoundError, match=r"missing\.nwb"):
        read_nwb(tmp_path / "missing.nwb")
    junk = tmp_path / "junk.nwb"
    junk.write_text("not hdf5")
    with pytest.raises(ValueError, match=r"junk\.nwb"):
        read_nwb(junk)
    no_trials = _write_nwb(tmp_path / "no_trials.nwb", with_trials=False)
    with pytest.raises(ValueError, match="no trials table"):
        read_nwb(no_trials)
    fname = _write_nwb(tmp_path / "session.nwb")
    with pytest.raises(ValueError, match=r"no column 'stimulus'.*'direction'"):
        read_nwb(fname, label_column="stimulus")
    with pytest.raises(ValueError, match=r"Unit ids \[7\]"):
        read_nwb(fname, units=[7])

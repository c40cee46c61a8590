"""The data model: make_trials / check_trials, and SpikeTrains."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from s2decode import SpikeTrains, check_trials, make_trials
from s2decode.trials import MEASURES, measure_of, node_coords, node_dim_of


def _trials(n_trials=4, n_nodes=3, n_times=5, **kw):
    rng = np.random.default_rng(0)
    return make_trials(rng.standard_normal((n_trials, n_nodes, n_times)), sfreq=100.0, **kw)


def test_make_trials_layout():
    da = _trials(
        y=["a", "b", "a", "b"],
        group=[0, 0, 1, 1],
        names=["L", "M", "R"],
        coords=np.arange(9.0).reshape(3, 3),
        networks=["Vis", "", "DMN"],
        t_start=-0.02,
        modality="eeg",
    )
    assert da.dims == ("trial", "parcel", "time")
    assert da["parcel"].values.tolist() == ["L", "M", "R"]
    assert da["y"].values.tolist() == ["a", "b", "a", "b"]
    assert da["group"].values.tolist() == [0, 0, 1, 1]
    np.testing.assert_allclose(da["time"].values, [-0.02, -0.01, 0.0, 0.01, 0.02], atol=1e-12)
    np.testing.assert_array_equal(node_coords(da), np.arange(9.0).reshape(3, 3))
    assert da["network"].values.tolist() == ["Vis", "", "DMN"]
    assert da.attrs["sfreq"] == 100.0 and da.attrs["modality"] == "eeg"
    assert da.attrs["measure"] == measure_of(da) == "continuous" and "kind" not in da.attrs


@pytest.mark.parametrize("measure", MEASURES)
def test_measure_is_read_from_the_old_kind_attribute_too(tmp_path, measure):
    da = _trials(measure=measure)
    assert measure_of(da) == measure
    # trials written before the attribute was renamed (attrs["kind"]) still load
    old = da.copy()
    old.attrs = {k: v for k, v in da.attrs.items() if k not in ("kind", "measure")}
    old.attrs["kind"] = measure
    old.to_netcdf(tmp_path / "old.nc", engine="h5netcdf")
    assert measure_of(xr.load_dataarray(tmp_path / "old.nc", engine="h5netcdf")) == measure
    old.attrs.pop("kind")
    assert measure_of(old) == "continuous"


def test_make_trials_checks_its_measure_and_takes_the_old_keyword():
    with pytest.raises(ValueError, match="`measure` must be one of"):
        _trials(measure="counts")
    with pytest.warns(DeprecationWarning, match="measure="):
        da = _trials(kind="rates")
    assert measure_of(da) == "rates"
    with pytest.raises(ValueError, match="not also `kind`"), pytest.warns(DeprecationWarning):
        _trials(measure="spike_counts", kind="rates")


def test_make_trials_defaults_fill_unknowns():
    da = _trials(node_dim="channel")
    assert node_dim_of(da) == "channel"
    assert np.isnan(node_coords(da)).all()
    assert da["channel"].values.tolist() == ["channel000", "channel001", "channel002"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"y": [1, 2]}, "`y` must have shape"),
        ({"names": ["a", "a", "b"]}, "must be unique"),
        ({"coords": np.zeros((3, 2))}, "`coords` must have shape"),
        ({"node_dim": "sensor"}, "`node_dim` must be one of"),
        ({"modality": "ecog"}, "`modality` must be one of"),
        ({"measure": "spikes"}, "`measure` must be one of"),
    ],
)
def test_make_trials_errors_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _trials(**kwargs)


def test_make_trials_rejects_bad_shape_and_sfreq():
    with pytest.raises(ValueError, match="must be 3-D"):
        make_trials(np.zeros((2, 3)), sfreq=10)
    with pytest.raises(ValueError, match="sfreq"):
        make_trials(np.zeros((2, 3, 4)), sfreq=0)


def test_check_trials_transposes_and_validates():
    da = _trials()
    out = check_trials(da.transpose("time", "trial", "parcel"))
    assert out.dims == ("trial", "parcel", "time")
    with pytest.raises(TypeError, match=r"xarray\.DataArray"):
        check_trials(da.values)
    bad = da.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        check_trials(bad)
    no_sfreq = da.copy()
    no_sfreq.attrs = {}
    with pytest.raises(ValueError, match="sfreq"):
        check_trials(no_sfreq)
    with pytest.raises(ValueError, match="expected"):
        check_trials(xr.DataArray(np.zeros((2, 3, 4)), dims=("trial", "foo", "time")))


def test_spiketrains_roundtrip(tmp_path):
    trains = [
        [np.array([0.5, 0.1]), np.array([]), np.array([0.9])],
        [np.array([0.2]), np.array([0.3, 0.4]), np.array([])],
    ]
    st = SpikeTrains.from_lists(trains, 0.0, 1.0, neuron_names=["a", "b", "c"])
    assert (st.n_trials, st.n_neurons) == (2, 3)
    np.testing.assert_array_equal(st.trial(0)[0], [0.1, 0.5])  # sorted on the way in
    np.testing.assert_array_equal(st.spike_counts(), [[2, 0, 1], [1, 2, 0]])
    np.testing.assert_allclose(st.rates(), st.spike_counts() / 1.0)
    path = st.save(tmp_path / "st.nc")
    loaded = SpikeTrains.load(path)
    assert loaded == st and loaded.neuron_names == ["a", "b", "c"]
    assert st.select_trials([1]).trial(0)[1].tolist() == [0.3, 0.4]
    with pytest.raises(FileExistsError):
        st.save(path)
    with pytest.raises(TypeError):
        st.save(path, True)  # keyword only, as Scaffold.save
    assert SpikeTrains.load(st.select_trials([1]).save(path, overwrite=True)).n_trials == 1
    assert not list(tmp_path.glob("*.part"))  # no half-written leftovers


def test_spiketrains_load_names_the_problem(tmp_path):
    from s2decode._io_utils import atomic_write_netcdf

    with pytest.raises(FileNotFoundError, match=r"^No spike-train file at .*missing\.nc\.$"):
        SpikeTrains.load(tmp_path / "missing.nc")
    other = atomic_write_netcdf(xr.Dataset({"x": ("a", [1.0])}), tmp_path / "other.nc")
    with pytest.raises(ValueError, match=r"other\.nc is not a file written by SpikeTrains"):
        SpikeTrains.load(other)


def test_spiketrains_validation():
    with pytest.raises(ValueError, match="sorted"):
        SpikeTrains(np.array([0.5, 0.1]), np.array([0, 2]), 1, 1, 0.0, 1.0)
    with pytest.raises(ValueError, match="trial 1, neuron 0 is not"):
        SpikeTrains(np.array([0.1, 0.5, 0.9, 0.2, 0.3]), np.array([0, 1, 2, 4, 5]), 2, 2, 0, 1)
    with pytest.raises(ValueError, match=r"\[t_start, t_stop\]"):
        SpikeTrains(np.array([1.5]), np.array([0, 1]), 1, 1, 0.0, 1.0)
    with pytest.raises(ValueError, match="offsets"):
        SpikeTrains(np.array([0.5]), np.array([0, 1]), 1, 2, 0.0, 1.0)
    with pytest.raises(ValueError, match="same neurons"):
        SpikeTrains.from_lists([[np.array([0.1])], []], 0.0, 1.0)
    # a decrease at a train boundary is fine
    SpikeTrains(np.array([0.5, 0.1]), np.array([0, 1, 2]), 1, 2, 0.0, 1.0)


def test_spiketrains_from_counts():
    counts = np.zeros((2, 2, 10), dtype=int)
    counts[0, 1, 3] = 2
    counts[1, 0, 9] = 1
    da = make_trials(
        counts,
        sfreq=1000.0,
        t_start=-0.005,
        modality="spikes",
        measure="spike_counts",
        node_dim="unit",
    )
    st = SpikeTrains.from_counts(da)
    np.testing.assert_allclose(st.train(0, 1), [-0.002, -0.002])
    np.testing.assert_allclose(st.train(1, 0), [0.004])
    assert st.t_start == pytest.approx(-0.005) and st.t_stop == pytest.approx(0.005)
    with pytest.raises(ValueError, match="spike_counts"):
        SpikeTrains.from_counts(da.assign_attrs(measure="continuous"))


def test_atomic_write_gives_ordinary_permissions(tmp_path):
    import os

    from s2decode._io_utils import atomic_write_text

    path = atomic_write_text(tmp_path / "a.txt", "hello")
    umask = os.umask(0)
    os.umask(umask)
    assert path.read_text() == "hello"
    assert (path.stat().st_mode & 0o777) == (0o666 & ~umask)

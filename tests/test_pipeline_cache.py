"""The on-disk feature cache of the pipeline (``s2decode.pipeline.cache``), on its own.

What a key fingerprints (a changed value, label, sampling rate, file, index or version gives
another key), a stored unit read back as it was written, and the entries a failed write or a
damaged file leave: none, and a miss.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import xarray as xr

from s2decode.pipeline.cache import (
    COLUMNS,
    FeatureCache,
    code_fingerprint,
    data_fingerprint,
    file_fingerprint,
    unit_key,
)
from s2decode.trials import make_trials

KEY = "ab" + "0" * 62


def _trials(**changes):
    options = dict(sfreq=100.0, y=["a", "b", "a", "b"], names=["n0", "n1", "n2"])
    data = changes.pop("data", np.arange(4 * 3 * 5, dtype=float).reshape(4, 3, 5))
    options.update(changes)
    return make_trials(data, **options)


def _unit(n_train=3, n_test=2, seconds=1.5):
    rng = np.random.default_rng(0)
    names = ["rates_a", "rates_b", "kuramoto"]
    return {
        "X_train": rng.normal(size=(n_train, len(names))),
        "X_test": rng.normal(size=(n_test, len(names))),
        "names": names,
        "columns": {
            "metric": np.array(["rates", "rates", "kuramoto"]),
            "element": np.array(["a", "b", "all"]),
            "window": np.array(["0-1", "0-1", "0-1"]),
            "feature_set": np.array(["rates", "rates", "kuramoto"]),
        },
        "seconds": seconds,
    }


def _files(directory):
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


# ------------------------------------------------------------------------- fingerprints
def test_data_fingerprint_is_equal_for_equal_data_and_a_sha256():
    a = data_fingerprint(_trials())
    assert a == data_fingerprint(_trials())
    assert a == data_fingerprint(_trials().copy(deep=True))
    assert len(a) == 64 and int(a, 16) >= 0


@pytest.mark.parametrize(
    "change",
    [
        dict(data=np.arange(4 * 3 * 5, dtype=float).reshape(4, 3, 5) + 1e-12),  # values
        dict(data=np.arange(4 * 3 * 6, dtype=float).reshape(4, 3, 6)),  # shape
        dict(data=np.arange(4 * 3 * 5, dtype=np.float32).reshape(4, 3, 5)),  # dtype
        dict(y=["a", "b", "b", "a"]),  # labels
        dict(names=["n0", "n1", "x"]),  # node names
        dict(sfreq=200.0),  # sampling rate (and hence the time coordinate)
        dict(group=[0, 0, 1, 1]),  # a coordinate more
    ],
    ids=["value", "shape", "dtype", "labels", "names", "sfreq", "group"],
)
def test_data_fingerprint_changes_with_what_it_covers(change):
    assert data_fingerprint(_trials(**change)) != data_fingerprint(_trials())


def test_data_fingerprint_reads_the_sfreq_attribute():
    trials = _trials()
    other = trials.copy()
    other.attrs["sfreq"] = 50.0  # same values and coordinates, another sampling rate
    assert data_fingerprint(other) != data_fingerprint(trials)


def test_code_fingerprint_is_stable_and_computed_once():
    first = code_fingerprint()
    assert len(first) == 64
    assert code_fingerprint() is first  # lru_cache: the package is hashed once per process
    code_fingerprint.cache_clear()
    try:
        assert code_fingerprint() == first  # the same source and libraries: the same hash
    finally:
        code_fingerprint.cache_clear()


def test_file_fingerprint_is_the_sha256_of_the_contents_across_blocks(tmp_path):
    path = tmp_path / "atlas.nii.gz"
    content = np.random.default_rng(0).bytes((1 << 20) + 123)  # more than one 1 MiB block
    path.write_bytes(content)
    assert file_fingerprint(path) == hashlib.sha256(content).hexdigest()
    assert file_fingerprint(str(path)) == file_fingerprint(path)
    path.write_bytes(content[:-1] + bytes([content[-1] ^ 1]))  # the last byte changed
    assert file_fingerprint(path) != hashlib.sha256(content).hexdigest()
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert file_fingerprint(empty) == hashlib.sha256(b"").hexdigest()


# ------------------------------------------------------------------------------ unit keys
BASE = dict(
    spec_fingerprint="spec",
    data_fingerprints=["data0", "data1"],
    train=np.array([0, 1, 2]),
    test=np.array([3, 4]),
    version="code",
)


def test_unit_key_is_deterministic_and_independent_of_the_index_dtype():
    key = unit_key(**BASE)
    assert key == unit_key(**BASE) and len(key) == 64
    as_lists = {**BASE, "train": [0, 1, 2], "test": np.array([3, 4], dtype=np.int32)}
    assert unit_key(**as_lists) == key


@pytest.mark.parametrize(
    "change",
    [
        dict(spec_fingerprint="spec2"),
        dict(data_fingerprints=["data0", "other"]),
        dict(data_fingerprints=["data1", "data0"]),  # order of the subjects
        dict(data_fingerprints=["data0"]),
        dict(train=np.array([0, 1])),
        dict(test=np.array([3, 5])),
        dict(train=np.array([0, 1]), test=np.array([2, 3, 4])),  # the split moved
        dict(train=np.array([3, 4]), test=np.array([0, 1, 2])),  # train and test swapped
        dict(version="code2"),
    ],
    ids=["spec", "data", "data-order", "data-count", "train", "test", "split", "swap", "code"],
)
def test_unit_key_changes_with_each_part(change):
    assert unit_key(**{**BASE, **change}) != unit_key(**BASE)


def test_unit_key_separates_its_text_parts():
    # without separators "ab" + "c" and "a" + "bc" would hash the same bytes
    one = unit_key(**{**BASE, "spec_fingerprint": "ab", "data_fingerprints": ["c"]})
    two = unit_key(**{**BASE, "spec_fingerprint": "a", "data_fingerprints": ["bc"]})
    assert one != two


# --------------------------------------------------------------------------------- cache
def test_a_disabled_cache_misses_and_stores_nothing(tmp_path, monkeypatch):
    cache = FeatureCache(None)
    assert not cache.enabled and cache.directory is None
    assert cache.get(KEY) is None
    monkeypatch.chdir(tmp_path)
    cache.put(KEY, _unit())
    assert cache.get(KEY) is None
    assert _files(tmp_path) == []
    with pytest.raises(RuntimeError, match="disabled"):
        cache.path(KEY)


def test_put_then_get_gives_the_unit_back(tmp_path):
    cache = FeatureCache(tmp_path / "features")
    assert cache.enabled
    assert cache.path(KEY) == tmp_path / "features" / "ab" / f"{KEY}.nc"
    assert cache.get(KEY) is None  # a miss before anything is stored; nothing created
    assert not (tmp_path / "features").exists()

    unit = _unit()
    cache.put(KEY, unit)
    assert _files(tmp_path / "features") == [f"ab/{KEY}.nc"]  # no temporary file left
    got = cache.get(KEY)
    assert got is not None
    assert set(got) == {"X_train", "X_test", "names", "columns", "energy_pj", "seconds"}
    assert got["energy_pj"] is None  # the unit had no energy
    np.testing.assert_array_equal(got["X_train"], unit["X_train"])
    np.testing.assert_array_equal(got["X_test"], unit["X_test"])
    assert got["names"] == unit["names"]
    assert set(got["columns"]) == set(COLUMNS)
    for column in COLUMNS:
        assert list(got["columns"][column]) == list(unit["columns"][column])
    assert got["seconds"] == 1.5

    other = "cd" + "1" * 62
    assert cache.get(other) is None  # another key misses
    with xr.open_dataset(cache.path(KEY), engine="h5netcdf") as ds:
        assert ds.attrs["key"] == KEY


def test_the_energy_of_the_test_trials_is_kept_and_checksummed(tmp_path):
    cache = FeatureCache(tmp_path)
    unit = _unit(n_test=2)
    unit["energy_pj"] = np.array([1.5e6, 2.25e6])
    cache.put(KEY, unit)
    np.testing.assert_array_equal(cache.get(KEY)["energy_pj"], unit["energy_pj"])
    # an altered energy is a damaged entry, not a silently wrong figure
    fname = cache.path(KEY)
    with xr.open_dataset(fname, engine="h5netcdf") as ds:
        altered = ds.load()
    altered["energy_pj"].values[0] = 0.0
    altered.to_netcdf(fname, engine="h5netcdf")
    with pytest.warns(RuntimeWarning, match="checksum does not match"):
        assert cache.get(KEY) is None


def test_put_replaces_an_entry_and_seconds_default_to_zero(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put(KEY, _unit())
    unit = _unit(n_train=4, n_test=1)
    del unit["seconds"]
    cache.put(KEY, unit)
    got = cache.get(KEY)
    assert got["X_train"].shape == (4, 3) and got["X_test"].shape == (1, 3)
    np.testing.assert_array_equal(got["X_train"], unit["X_train"])
    assert got["seconds"] == 0.0
    assert _files(tmp_path) == [f"ab/{KEY}.nc"]


def test_a_write_that_fails_leaves_no_entry_and_no_partial_file(tmp_path, monkeypatch):
    cache = FeatureCache(tmp_path)

    def half_written(self, path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"\x89HDF\r\n\x1a\n half a file")
        raise KeyboardInterrupt  # e.g. Ctrl+C while the file is written

    monkeypatch.setattr(xr.Dataset, "to_netcdf", half_written)
    with pytest.raises(KeyboardInterrupt):
        cache.put(KEY, _unit())
    assert _files(tmp_path) == []  # neither the entry nor the temporary file
    monkeypatch.undo()
    assert cache.get(KEY) is None


def test_a_failed_rewrite_keeps_the_earlier_entry(tmp_path, monkeypatch):
    cache = FeatureCache(tmp_path)
    unit = _unit()
    cache.put(KEY, unit)

    def failing(self, path, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", failing)
    with pytest.raises(OSError, match="disk full"):
        cache.put(KEY, _unit(n_train=5))
    monkeypatch.undo()
    np.testing.assert_array_equal(cache.get(KEY)["X_train"], unit["X_train"])
    assert _files(tmp_path) == [f"ab/{KEY}.nc"]


@pytest.mark.parametrize(
    "content",
    [b"", b"not a netCDF file", b"\x89HDF\r\n\x1a\n truncated"],
    ids=["empty", "text", "truncated-hdf5"],
)
def test_an_unreadable_entry_is_a_miss_and_is_recomputed(tmp_path, content):
    cache = FeatureCache(tmp_path)
    path = cache.path(KEY)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert cache.get(KEY) is None
    unit = _unit()
    cache.put(KEY, unit)  # the recomputed unit replaces it
    np.testing.assert_array_equal(cache.get(KEY)["X_test"], unit["X_test"])


def test_an_entry_without_the_feature_columns_is_a_miss(tmp_path):
    cache = FeatureCache(tmp_path)
    path = cache.path(KEY)
    path.parent.mkdir(parents=True)
    # a readable netCDF file of an older layout: the features but no column coordinates
    xr.Dataset(
        {"X_train": (("train_trial", "feature"), np.zeros((2, 1)))},
        coords={"feature": ["rates"]},
    ).to_netcdf(path, engine="h5netcdf")
    assert cache.get(KEY) is None

"""Faults (issue 16): a full disk during the output swap or a feature-cache write leaves the
earlier results intact and says so; a truncated or altered cache entry is detected by its
checksum and recomputed, never used.

The pipeline runs here are the real runner (Dask in-process, the real cache and output
folder) on a small generated dataset, with S2-Net's unit replaced by a cheap deterministic
featurizer (log variance per parcel): what is under test is what the runner writes, not the
features. ``OSError(ENOSPC)`` is injected into :func:`s2decode._io_utils.atomic_write`, which
every output and cache file goes through (after part of the file is written, as a full disk
does).
"""

from __future__ import annotations

import errno
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from s2decode import OutputError, _io_utils
from s2decode.pipeline import run as runner
from s2decode.pipeline.cache import COLUMNS, FeatureCache, entry_checksum
from s2decode.pipeline.spec import PipelineSpec

from .conftest import small_pipeline

SPEC = small_pipeline("faults")


class Units:
    """A cheap stand-in for the runner's S2 unit, counting its calls in a file (Dask may
    run a copy of it)."""

    __name__ = "s2_unit"  # Dask names tasks by their function

    def __init__(self, log: Path | None = None):
        self.log = log

    @property
    def calls(self) -> int:
        return len(self.log.read_text()) if self.log.is_file() else 0

    def __call__(self, spec, trials, train, test):
        if self.log is not None:
            with open(self.log, "a") as f:
                f.write("x")
        values = np.asarray(trials.values, dtype=float)
        X = np.log(values.var(axis=-1) + 1e-12)
        nodes = np.asarray(trials[trials.dims[1]].values).astype(str)
        n = nodes.size
        return {
            "X_train": X[train],
            "X_test": X[test],
            "names": [f"logvar_{node}" for node in nodes],
            "columns": {
                "metric": np.full(n, "logvar"),
                "element": nodes,
                "window": np.zeros(n, dtype=np.int64),
                "feature_set": np.full(n, "rates"),
            },
            "seconds": 0.0,
        }


@pytest.fixture
def units(monkeypatch, tmp_path):
    fake = Units(tmp_path / "calls.txt")
    monkeypatch.setattr(runner, "s2_unit", fake)
    monkeypatch.setattr(runner, "warm_up", lambda *a, **k: {"seconds": 0.0, "compiled": False})
    return fake


def _run(out: Path, cache: Path):
    spec = PipelineSpec.from_dict(SPEC, source="test")
    return runner.run_pipeline(
        spec, out, workers=0, cache_dir=cache, report=False, progress=False, log=lambda _: None
    )


def _files(folder: Path) -> dict[Path, bytes]:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _disk_full(monkeypatch, when) -> list[Path]:
    """Make atomic_write fail with ENOSPC, half-way into the file, for paths where
    ``when(path)``; returns the paths it refused."""
    real = _io_utils.atomic_write
    refused = []

    def write(fname, writer, overwrite=True):
        if not when(Path(fname)):
            return real(fname, writer, overwrite)

        def half(tmp: Path) -> None:
            writer(tmp)
            data = tmp.read_bytes()
            tmp.write_bytes(data[: len(data) // 2])
            refused.append(Path(fname))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

        return real(fname, half, overwrite)

    monkeypatch.setattr(_io_utils, "atomic_write", write)
    return refused


def _leftovers(folder: Path) -> list[Path]:
    """Staging/old folders and temporary files a write may leave behind."""
    return [p for p in folder.rglob(".*") if ".staging-" in p.name or ".old-" in p.name
            or p.name.endswith(".part")]  # fmt: skip


# ------------------------------------------------------------------------ output swap
def test_full_disk_while_writing_outputs_keeps_the_earlier_results(units, tmp_path, monkeypatch):
    out, cache = tmp_path / "out", tmp_path / "cache"
    _run(out, cache)
    before = _files(out)
    assert Path("scores.csv") in before and Path("summary.json") in before
    # the third file of the new output folder meets a full disk
    seen = []
    refused = _disk_full(
        monkeypatch, lambda p: ".staging-" in str(p) and (seen.append(p) or len(seen) == 3)
    )
    with pytest.raises(OutputError) as failed:
        _run(out, cache)
    assert refused, "the fault was not injected"
    err = failed.value
    assert isinstance(err, OSError) and err.errno == errno.ENOSPC
    text = str(err)
    assert str(out) in text and "No space left on device" in text
    assert "earlier results" in text and "intact" in text and "Free disk space" in text
    assert _files(out) == before
    assert _leftovers(tmp_path) == []


def test_full_disk_on_a_first_run_says_nothing_was_written(units, tmp_path, monkeypatch):
    out = tmp_path / "out"
    _disk_full(monkeypatch, lambda p: p.name == "summary.json")
    with pytest.raises(OutputError, match=r"nothing was written to .*out"):
        _run(out, tmp_path / "cache")
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_a_failed_rename_of_the_new_folder_puts_the_earlier_one_back(units, tmp_path, monkeypatch):
    out, cache = tmp_path / "out", tmp_path / "cache"
    _run(out, cache)
    before = _files(out)
    real = os.replace

    def replace(src, dst):
        if ".staging-" in str(src) and Path(dst) == out:  # the swap's second rename
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError, match=r"earlier results in .* are intact"):
        _run(out, cache)
    monkeypatch.setattr(os, "replace", real)
    assert _files(out) == before
    assert _leftovers(tmp_path) == []


# ------------------------------------------------------------------------ cache writes
def test_full_disk_while_writing_the_cache_keeps_its_entries_and_the_run(
    units, tmp_path, monkeypatch
):
    out, cache = tmp_path / "out", tmp_path / "cache"
    _run(out, cache)
    entries = _files(cache)
    assert len(entries) == 2  # two folds
    # another pipeline (other folds: other keys) on a full disk, into the same cache
    SPEC_3 = {**SPEC, "cv": {"scheme": "kfold", "n_splits": 3}}
    _disk_full(monkeypatch, lambda p: cache in p.parents)
    with pytest.warns(RuntimeWarning) as caught:
        result = runner.run_pipeline(
            PipelineSpec.from_dict(SPEC_3, source="test"), tmp_path / "out3", workers=0,
            cache_dir=cache, report=False, progress=False, log=lambda _: None,
        )  # fmt: skip
    texts = [str(w.message) for w in caught if "feature cache" in str(w.message)]
    assert len(texts) == 3, texts
    assert "No space left on device" in texts[0] and "other entries" in texts[0]
    assert "intact" in texts[0] and "without caching this unit" in texts[0]
    # the run finished with its results; the cache holds the earlier entries, unchanged
    assert len(result.scores) == 3 and (tmp_path / "out3" / "scores.csv").is_file()
    assert _files(cache) == entries
    assert _leftovers(cache) == []


def test_feature_cache_put_on_a_full_disk_raises_output_error(tmp_path, monkeypatch):
    store = FeatureCache(tmp_path)
    unit = Units()(None, _toy_trials(), np.arange(4), np.arange(4, 6))
    store.put("ab" + "0" * 62, unit)
    _disk_full(monkeypatch, lambda p: True)
    with pytest.raises(OutputError, match=r"cache entry .*cd0+\.nc .*other entries") as failed:
        store.put("cd" + "0" * 62, unit)
    assert failed.value.errno == errno.ENOSPC
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["ab" + "0" * 62 + ".nc"]


# ------------------------------------------------------------------------ checksums
def _toy_trials():
    from s2decode import make_trials

    data = np.random.default_rng(0).normal(size=(6, 4, 20))
    return make_trials(data, sfreq=100.0, y=[0, 1] * 3)


def _stored(tmp_path) -> tuple[FeatureCache, str, dict]:
    store = FeatureCache(tmp_path)
    key = "ef" + "1" * 62
    unit = Units()(None, _toy_trials(), np.arange(4), np.arange(4, 6))
    store.put(key, unit)
    return store, key, unit


def test_a_cache_entry_reads_back_whole_with_its_checksum(tmp_path):
    store, key, unit = _stored(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = store.get(key)
    np.testing.assert_array_equal(got["X_train"], unit["X_train"])
    np.testing.assert_array_equal(got["X_test"], unit["X_test"])
    assert got["names"] == unit["names"]
    assert entry_checksum(key, got) == entry_checksum(key, unit)
    # the checksum sees every part: values, names, columns and the key
    changed = {**unit, "X_test": unit["X_test"] + 1e-12}
    assert entry_checksum(key, changed) != entry_checksum(key, unit)
    renamed = {**unit, "names": [*unit["names"][:-1], "other"]}
    assert entry_checksum(key, renamed) != entry_checksum(key, unit)
    for column in COLUMNS:
        cols = {**unit["columns"], column: np.roll(unit["columns"][column], 1)}
        cols[column] = np.where(cols[column] == unit["columns"][column], "x", cols[column])
        assert entry_checksum(key, {**unit, "columns": cols}) != entry_checksum(key, unit)
    assert entry_checksum("ff" + key[2:], unit) != entry_checksum(key, unit)


def test_a_truncated_cache_entry_is_a_miss(tmp_path):
    store, key, _ = _stored(tmp_path)
    fname = store.path(key)
    data = fname.read_bytes()
    fname.write_bytes(data[: len(data) // 2])
    with pytest.warns(RuntimeWarning, match=r"is not used: it cannot be read"):
        assert store.get(key) is None


def test_an_altered_cache_entry_is_a_miss(tmp_path):
    import xarray as xr

    store, key, _ = _stored(tmp_path)
    fname = store.path(key)
    ds = xr.load_dataset(fname, engine="h5netcdf")
    ds["X_test"][0, 0] = ds["X_test"][0, 0] + 0.5  # e.g. edited, attributes kept
    ds.to_netcdf(fname, engine="h5netcdf")
    with pytest.warns(RuntimeWarning, match=r"checksum does not match"):
        assert store.get(key) is None
    # a flipped byte inside the stored values (found by its bit pattern in the file)
    store, key, unit = _stored(tmp_path / "again")
    fname = store.path(key)
    data = bytearray(fname.read_bytes())
    at = bytes(data).find(np.ascontiguousarray(unit["X_train"], float).tobytes())
    assert at > 0
    data[at + 3] ^= 0x10
    fname.write_bytes(bytes(data))
    with pytest.warns(RuntimeWarning, match=r"is not used"):
        assert store.get(key) is None


def test_an_entry_without_checksum_is_a_miss(tmp_path):
    import xarray as xr

    store, key, _ = _stored(tmp_path)
    fname = store.path(key)
    ds = xr.load_dataset(fname, engine="h5netcdf")
    del ds.attrs["sha256"]
    ds.to_netcdf(fname, engine="h5netcdf")
    with pytest.warns(RuntimeWarning, match=r"has no checksum"):
        assert store.get(key) is None


def test_the_runner_recomputes_a_damaged_entry_and_scores_the_same(units, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = _run(out, cache)
    assert units.calls == 2
    entries = sorted(cache.rglob("*.nc"))
    # one entry truncated, the other altered in its values (attributes kept)
    data = entries[0].read_bytes()
    entries[0].write_bytes(data[: len(data) // 3])
    import xarray as xr

    ds = xr.load_dataset(entries[1], engine="h5netcdf")
    ds["X_train"][:] = 0.0
    ds.to_netcdf(entries[1], engine="h5netcdf")
    with pytest.warns(RuntimeWarning, match="is not used"):
        again = _run(tmp_path / "out2", cache)
    assert units.calls == 4  # both recomputed, neither used
    assert again.summary["cached_units"] == 0
    cols = ["subject", "fold", "method", "accuracy", "balanced_accuracy"]
    assert again.scores[cols].equals(first.scores[cols])
    # and written again, whole: the next run reads them without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        third = _run(tmp_path / "out3", cache)
    assert units.calls == 4 and third.summary["cached_units"] == 2


def test_a_failed_final_fit_keeps_the_units_it_computed_in_the_cache(units, tmp_path, monkeypatch):
    # the S2 rows' final estimators are fitted as units arrive: a unit is cached before its
    # fit, so an error there (or Ctrl+C) does not cost the rerun its features
    def broken(*args, **kwargs):
        raise RuntimeError("the final estimator failed")

    monkeypatch.setattr(runner, "s2_predictions", broken)
    with pytest.raises(RuntimeError, match="final estimator failed"):
        _run(tmp_path / "out", tmp_path / "cache")
    kept = len(list((tmp_path / "cache").rglob("*.nc")))
    assert kept >= 1 and not (tmp_path / "out").exists()
    computed = units.calls
    monkeypatch.undo()
    monkeypatch.setattr(runner, "s2_unit", units)
    monkeypatch.setattr(runner, "warm_up", lambda *a, **k: {"seconds": 0.0, "compiled": False})
    again = _run(tmp_path / "out", tmp_path / "cache")
    assert again.summary["cached_units"] == kept and units.calls == computed + 2 - kept


def test_half_written_entries_of_killed_runs_are_removed_when_stale(units, tmp_path):
    import os
    import time

    store, key, _ = _stored(tmp_path / "cache")
    folder = store.path(key).parent
    stale = folder / f".{key}.nc.k1ll3d.part"  # as atomic_write names its temporary file
    live = folder / f".{'ef' + '2' * 62}.nc.wr1t1n.part"
    for part in (stale, live):
        part.write_bytes(b"\x89HDF half")
    hours_ago = time.time() - 2 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    assert store.remove_stale_parts() == [stale]
    assert live.exists() and store.get(key) is not None  # a live write and the entries stay
    # a run sweeps its cache before it starts
    os.utime(live, (hours_ago, hours_ago))
    _run(tmp_path / "out", tmp_path / "cache")
    assert not live.exists() and store.get(key) is not None
    assert FeatureCache(None).remove_stale_parts() == []

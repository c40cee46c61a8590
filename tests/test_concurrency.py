"""Two ``s2decode run`` at once on one cache folder (issue 16): both finish with the same
scores, and every cache entry verifies (its SHA-256 matches its contents); two runs into the
same output folder leave one complete run's results there, and nothing half-written.

The runs are real processes of the command line on the small quickstart pipeline (12 trials,
2 folds, real S2-Net, ``--workers 0``), started together on an empty cache (both compute and
write the same entries) and then again on the full cache (both read them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pandas as pd
import pytest

from s2decode.pipeline import run as runner
from s2decode.pipeline.cache import FeatureCache
from s2decode.pipeline.spec import PipelineSpec

from .conftest import small_pipeline

SPEC = small_pipeline("concurrent")


def _scores(out: Path) -> pd.DataFrame:
    frame = pd.read_csv(out / "scores.csv", dtype={"subject": str})
    return frame.drop(columns="seconds").sort_values(["subject", "fold", "method"])


def run_together(pipeline: Path, cache: Path, outs: list[Path], timeout: float = 300) -> None:
    """Start one ``s2decode run`` per output folder at once, on one cache; all must succeed."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "s2decode.cli", "run", str(pipeline), "--workers", "0",
             "--cache-dir", str(cache), "--out", str(out), "--no-report", "--quiet"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for out in outs
    ]  # fmt: skip
    failures = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            failures.append(f"exit {proc.returncode}:\n{stdout}\n{stderr}")
    assert not failures, "\n\n".join(failures)


def verify_cache(cache: Path) -> int:
    """Every entry reads back and matches its checksum (a damaged one warns: an error
    here); returns the number of entries."""
    store = FeatureCache(cache)
    entries = sorted(cache.rglob("*.nc"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for fname in entries:
            assert store.get(fname.stem) is not None, fname
    return len(entries)


def leftovers(folder: Path) -> list[Path]:
    """Temporary files and staging/old folders that a finished write should not leave."""
    return [p for p in folder.rglob("*") if p.name.endswith(".part") or ".staging-" in p.name
            or ".old-" in p.name]  # fmt: skip


@pytest.fixture
def pipeline(tmp_path) -> Path:
    fname = tmp_path / "pipeline.yaml"
    fname.write_text(PipelineSpec.from_dict(SPEC, source="test").to_yaml())
    return fname


def test_two_runs_at_once_on_one_cache(pipeline, tmp_path):
    cache, results = tmp_path / "cache", tmp_path / "results"
    # an empty cache: both compute every unit and write the same entries
    run_together(pipeline, cache, [results / "a", results / "b"])
    pd.testing.assert_frame_equal(_scores(results / "a"), _scores(results / "b"))
    n_units = json.loads((results / "a" / "summary.json").read_text())["n_units"]
    assert verify_cache(cache) == n_units
    # a full cache: both read every entry (while the other reads it too)
    run_together(pipeline, cache, [results / "c", results / "d"])
    for out in ("c", "d"):
        summary = json.loads((results / out / "summary.json").read_text())
        assert summary["cached_units"] == n_units
        pd.testing.assert_frame_equal(_scores(results / out), _scores(results / "a"))
    assert verify_cache(cache) == n_units
    assert not leftovers(cache) and not leftovers(results)


def test_two_runs_at_once_into_one_output_folder(pipeline, tmp_path):
    cache, results = tmp_path / "cache", tmp_path / "results"
    run_together(pipeline, cache, [results / "out"] * 2)
    # one run's complete results: every file of a run, the features and scores consistent
    out = results / "out"
    assert {"scores.csv", "summary.json", "predictions.csv", "config.yaml"} <= {
        p.name for p in out.iterdir()
    }
    summary = json.loads((out / "summary.json").read_text())
    assert len(_scores(out)) == summary["n_units"]
    assert verify_cache(cache) == summary["n_units"]
    # beside it only the lock file the two swaps took turns on
    assert sorted(p.name for p in results.iterdir()) == [".out.lock", "out"]
    assert not leftovers(cache)


def test_swaps_into_one_folder_at_once_take_turns(tmp_path):
    """Many swaps at once into one folder (threads, each a run's last step): none fails,
    and the folder holds one swap's complete files (without the lock, the renames of one
    swap met the folder another had just moved in: "Directory not empty")."""
    out, errors = tmp_path / "out", []

    def swaps(k: int) -> None:
        for i in range(25):
            try:
                with runner._staging(out) as stage:
                    for name in ("scores.csv", "summary.json"):
                        (stage / name).write_text(f"{k} {i}")
            except Exception as err:  # collected, asserted below
                errors.append(err)

    threads = [threading.Thread(target=swaps, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    texts = {(out / name).read_text() for name in ("scores.csv", "summary.json")}
    assert len(texts) == 1  # both files of the same swap
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


def test_the_next_run_removes_a_dead_runs_staging_folder(tmp_path):
    """A run killed while it wrote its results leaves its staging folder; the next run into
    that folder deletes it, and keeps those of live runs and of other machines."""
    out = tmp_path / "out"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process that no longer exists
    dead = tmp_path / (runner._stage_prefix(out, pid=gone.pid) + "k1ll3d_x")
    live = tmp_path / (runner._stage_prefix(out) + "w0rk1ng_")
    other = tmp_path / (runner._stage_prefix(out, pid=gone.pid, host="node-7.cluster") + "r3m0t3__")
    for stage in (dead, live, other):
        stage.mkdir()
        (stage / "scores.csv").write_text("half")
    with runner._staging(out) as stage:
        assert stage.name.startswith(f".out.staging-{os.getpid()}@")
        for name in ("scores.csv", "summary.json"):
            (stage / name).write_text("new")
    assert not dead.exists() and live.is_dir() and other.is_dir()
    assert (out / "scores.csv").read_text() == "new"

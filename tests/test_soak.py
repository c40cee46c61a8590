"""Soak (issue 16): the small quickstart pipeline run again and again with seeded random
SIGKILLs, on one cache folder and one output folder. Every run that finishes has the
reference scores; after every kill the cache holds only entries that verify (their SHA-256)
and the output folder is either absent or one complete earlier run's results.

Between runs a seeded half of the cache entries is deleted, so that each run computes some
units again and a kill can land while it simulates, writes the cache or swaps its outputs.
A SIGKILL can leave what only the killed process could have removed: a temporary ``.part``
file in the cache (never read: the test checks that it is never under an entry's name) and
its ``.staging-`` folder beside the output folder, which the next run deletes.

Bounded: 1 reference run in this process, then 5 command-line runs, 3 of them killed (at a
random point of a run's length, just after a cache entry is written, while the outputs are
written), about 70 s on 2 shared cores; ``S2DECODE_SOAK_KILLS=30`` kills more runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from s2decode.pipeline.outputs import is_run_output
from s2decode.pipeline.run import run_pipeline
from s2decode.pipeline.spec import PipelineSpec

from .test_concurrency import SPEC, verify_cache

pytestmark = pytest.mark.slow

#: Killed runs (one of each trigger, in turn); S2DECODE_SOAK_KILLS=30 soaks longer.
N_KILLED = int(os.environ.get("S2DECODE_SOAK_KILLS", "3"))


def _scores(out: Path) -> pd.DataFrame:
    frame = pd.read_csv(out / "scores.csv", dtype={"subject": str})
    return frame.drop(columns="seconds").sort_values(["subject", "fold", "method"])


def _start(pipeline: Path, cache: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "s2decode.cli", "run", str(pipeline), "--workers", "0",
         "--cache-dir", str(cache), "--out", str(out), "--no-report", "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def _finish(proc: subprocess.Popen, timeout: float = 300) -> None:
    _, stderr = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, stderr


def _check_consistent(cache: Path, out: Path, reference: pd.DataFrame, when: str) -> None:
    """Every cache entry verifies; the output folder is absent or a complete run's."""
    verify_cache(cache)
    if out.exists():
        assert is_run_output(out), f"{when}: {out} is not a run's output"
        pd.testing.assert_frame_equal(_scores(out), reference, obj=f"scores {when}")
    else:  # only a kill between the swap's two renames could do this: say where they went
        moved = list(out.parent.glob(f".{out.name}.old-*/{out.name}"))
        assert not moved, f"{when}: the results were left in {moved}"
    # what a kill leaves behind is never under a real name
    for path in cache.rglob("*"):
        assert path.is_dir() or path.suffix in (".nc", ".part"), path
        if path.suffix == ".part":
            assert path.name.startswith("."), path


#: When a run is killed: a random point of a run's length; just after it writes a cache
#: entry; while it writes its new output folder (a random moment after the staging folder
#: appears, which may fall in the swap).
TRIGGERS = ("time", "entry", "staging")


def _kill_at(proc, trigger: str, rng, length: float, cache: Path, out: Path) -> str:
    """SIGKILL ``proc`` at ``trigger`` (plus a random delay); what happened, in words."""
    n_entries = len(list(cache.rglob("*.nc")))
    staged = lambda: any(out.parent.glob(f".{out.name}.staging-*"))  # noqa: E731
    happened = {
        "time": lambda: False,
        "entry": lambda: len(list(cache.rglob("*.nc"))) > n_entries,
        "staging": staged,
    }[trigger]
    deadline = time.monotonic() + (rng.uniform(0.2, 1.6) * length if trigger == "time" else 300)
    while proc.poll() is None and not happened() and time.monotonic() < deadline:
        time.sleep(0.01)
    if proc.poll() is None:
        time.sleep(rng.uniform(0.0, 0.2) if trigger != "time" else 0.0)
    if proc.poll() is not None:
        assert proc.returncode == 0, proc.stderr.read()
        return f"finished before the {trigger} kill"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return f"killed at {trigger}"


def test_runs_killed_at_random_keep_the_cache_and_outputs_consistent(tmp_path):
    rng = np.random.default_rng(16)
    spec = PipelineSpec.from_dict(SPEC, source="soak")
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(spec.to_yaml())
    quiet = dict(report=False, progress=False, log=lambda _: None)
    run_pipeline(spec, tmp_path / "reference", workers=0, cache=False, **quiet)
    reference = _scores(tmp_path / "reference")

    cache, out = tmp_path / "cache", tmp_path / "results" / "soak"
    started = time.monotonic()
    _finish(_start(pipeline, cache, out))
    length = time.monotonic() - started  # a whole run, from an empty cache
    _check_consistent(cache, out, reference, "after the first run")
    n_units = verify_cache(cache)
    assert n_units > 0

    outcomes = []
    for k in range(N_KILLED + 1):
        entries = sorted(cache.rglob("*.nc"))
        for i, entry in enumerate(entries):  # at least one unit to compute again
            if i == 0 or rng.random() < 0.5:
                entry.unlink()
        proc = _start(pipeline, cache, out)
        if k < N_KILLED:
            trigger = TRIGGERS[k % len(TRIGGERS)]
            outcomes.append(_kill_at(proc, trigger, rng, length, cache, out))
        else:  # the last run goes to its end
            _finish(proc)
            outcomes.append("finished")
        if proc.stderr is not None:
            proc.stderr.close()
        when = f"after run {k + 2} ({outcomes[-1]})"
        if outcomes[-1].startswith("finished"):
            pd.testing.assert_frame_equal(_scores(out), reference, obj=f"scores {when}")
        _check_consistent(cache, out, reference, when)
    assert outcomes[-1] == "finished" and any("killed" in o for o in outcomes), outcomes
    # the last run removed the staging folders of the killed ones
    assert not list(out.parent.glob(".*staging-*")), list(out.parent.iterdir())
    leftovers = [p.name for p in cache.rglob("*.part")]
    print(f"soak: {outcomes}; temporary files the kills left in the cache: {leftovers}")
    assert len(sorted(cache.rglob("*.nc"))) == n_units  # the last run stored every unit again

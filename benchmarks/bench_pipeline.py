"""Pipeline benchmark: the 24-subject eegmat pipeline on 1 and on 2 Dask workers, and the cache.

    python benchmarks/bench_pipeline.py [--pipeline pipelines/eegmat.yaml] [--data-dir DIR]

Three runs of the same pipeline, after a warm-up that compiles Brian2's and Numba's kernels (so
that no timing includes a one-off compilation):

1. a local cluster of 2 worker processes, into a fresh cache;
2. a local cluster of 1 worker process, no cache;
3. 2 workers again, reading the cache of run 1.

It prints the wall time of each run, checks that all three give the same scores, and ends with
``cache_speedup: <run 1 / run 3>`` and ``speedup_2_workers: <run 2 / run 1>`` (the last line).
The goals are >= 5x for the cache and >= 1.7x for 2 workers on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _timed(label: str, **kwargs) -> tuple[float, pd.DataFrame, dict]:
    from s2decode.pipeline import run_pipeline

    start = time.perf_counter()
    result = run_pipeline(report=False, progress=False, log=lambda _: None, **kwargs)
    seconds = time.perf_counter() - start
    print(
        f"{label:<28} {seconds:8.1f} s   units computed {result.summary['computed_units']:>4}, "
        f"cached {result.summary['cached_units']:>4}",
        flush=True,
    )
    scores = result.scores.drop(columns="seconds").sort_values(["subject", "fold", "method"])
    return seconds, scores.reset_index(drop=True), result.summary


def _warm_up(spec, data_dir) -> None:
    """Compile the kernels once (Brian2's Cython cache, Numba's cache) outside the timings."""
    from s2decode.pipeline.data import dataset_subjects, load_subject
    from s2decode.pipeline.run import _featurizer

    subject = dataset_subjects(spec, data_dir)[0]
    trials = load_subject(spec, subject, data_dir)
    _featurizer(spec, trials).fit(trials[:8]).transform(trials[:8])


def main(argv: list[str] | None = None) -> int:
    from s2decode.paths import get_data_dir
    from s2decode.pipeline import load_pipeline

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipeline", default=str(ROOT / "pipelines" / "eegmat.yaml"))
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)

    spec = load_pipeline(args.pipeline)
    data_dir = str(get_data_dir(args.data_dir))
    print(f"pipeline: {args.pipeline} ({spec.name}, dataset {spec.dataset.name})")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    start = time.perf_counter()
    _warm_up(spec, data_dir)
    print(f"warm-up (compile kernels)    {time.perf_counter() - start:8.1f} s", flush=True)

    with tempfile.TemporaryDirectory(prefix="s2decode-bench-") as tmp:
        tmp = Path(tmp)
        common = dict(pipeline=spec, data_dir=data_dir)
        # 2 workers first: whatever the warm-up left cold (file cache, first calls of the
        # peers) slows the 2-worker run, so the speed-up is not flattered by the order
        t2, s2, _ = _timed(
            "2 workers, fresh cache", out_dir=tmp / "w2", workers=2, cache_dir=tmp / "c", **common
        )
        t1, s1, summary = _timed(
            "1 worker, no cache", out_dir=tmp / "w1", workers=1, cache=False, **common
        )
        t3, s3, _ = _timed(
            "2 workers, cached", out_dir=tmp / "w3", workers=2, cache_dir=tmp / "c", **common
        )
    same = s1.equals(s2) and s2.equals(s3)
    print(f"subjects: {summary['n_subjects']}, trials: {summary['n_trials']}, "
          f"units: {summary['n_units']}")  # fmt: skip
    label = spec.decoder.label  # the S2 row, named after its final estimator
    print(f"{label} {summary['scoring']}: {summary['methods'][label]['mean']:.3f}")
    print(f"same scores in all runs: {same}")
    print(f"cache_speedup: {t2 / t3:.2f}")
    print(f"speedup_2_workers: {t1 / t2:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

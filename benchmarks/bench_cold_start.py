"""Benchmark: the first ``s2decode run pipelines/quickstart.yaml`` on a fresh install.

A fresh install has empty caches: Brian2 compiles S2-Net's kernels and Numba the synchrony
kernels on the first run. This script times, each in a fresh process with the same
environment as a user's shell:

1. **cold**: ``s2decode run pipelines/quickstart.yaml`` with an empty cache folder
   (``S2DECODE_CACHE`` and ``NUMBA_CACHE_DIR`` pointing into a new temporary folder):
   compilation included, the way a new user meets it;
2. **warm**: the same command again, the compiled kernels now cached and the features
   computed again (the cold run stored none): the compilation is what differs;
3. **cached**: once more without ``--no-cache``: the features come from the feature cache.

Each run writes its report (as the README's first command does) into a temporary folder.
The goal of issue 14 is the cold run <= 45 s on 2 cores. The load average before each run is
printed: other processes on the machine slow every figure alike.

The last line is ``cold_start_seconds: <cold wall seconds>``.

Usage::

    python benchmarks/bench_cold_start.py [--pipeline pipelines/quickstart.yaml] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _s2decode() -> list[str]:
    """The CLI of this interpreter's install (``python -m s2decode.cli`` as a fallback)."""
    exe = Path(sys.executable).with_name("s2decode")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "s2decode.cli"]


def timed_run(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one CLI run (raises where it fails, with its output)."""
    start = time.perf_counter()
    done = subprocess.run(
        [*_s2decode(), *args], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"s2decode {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    from s2decode.machine import cpu_flags, cpu_name

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipeline", default=str(ROOT / "pipelines" / "quickstart.yaml"))
    parser.add_argument("--workers", type=int, default=None, help="default: one per CPU")
    args = parser.parse_args(argv)

    print(f"pipeline: {args.pipeline}")
    print(f"machine: {cpu_name()} ({' '.join(cpu_flags())}), {os.cpu_count()} CPUs")
    workers = [] if args.workers is None else ["--workers", str(args.workers)]
    with tempfile.TemporaryDirectory(prefix="s2decode-cold-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, S2DECODE_CACHE=str(tmp / "cache"), MPLBACKEND="Agg")
        env["NUMBA_CACHE_DIR"] = str(tmp / "cache" / "numba")
        # the cold run stores no features (--no-cache), so the warm run recomputes them
        # (and stores them), and the third reads them back
        runs = [
            ("cold (empty caches: compiles)", ["--no-cache"]),
            ("warm (kernels cached, features computed)", []),
            ("cached features", []),
        ]
        times = []
        for k, (label, extra) in enumerate(runs):
            load = os.getloadavg()[0]
            out = tmp / f"out{k}"
            seconds = timed_run(
                ["run", args.pipeline, "--out", str(out), "-q", *workers, *extra], env
            )
            times.append(seconds)
            print(f"{label:<44} {seconds:7.1f} s   (load {load:.1f})", flush=True)
    print("goal: cold <= 45 s on 2 cores")
    print(f"cold_start_seconds: {times[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

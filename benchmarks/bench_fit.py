"""Benchmark: one small S2Decoder fit and predict, the way a user at a prompt waits for it.

The quickstart's data (``s2decode.datasets.load("synthetic", atlas="dosenbach160",
n_trials=40, duration=0.5)``: 160 parcels, 0.5 s at 250 Hz), ``S2Decoder(bands=None,
spatial="none")`` fitted on 32 trials and predicting 8, in a process that has MNE and
scikit-learn loaded (as a session that reads EEG has). Reported per repetition, each in a
fresh process (``--repeat``): wall and CPU seconds of ``fit`` and ``predict``, the seconds
spent in full (generation-2) garbage collections, which S2-Net's runs used to trigger, and
the load average. Compiled kernels come from the caches (run once before to fill them).

To compare with an older checkout, run the same script with ``PYTHONPATH`` pointing at it
(``git archive <commit> | tar -x -C /tmp/old``; ``PYTHONPATH=/tmp/old python
benchmarks/bench_fit.py``), alternating the two so that load hits both alike.

The last line is ``fit_seconds: <median wall seconds of fit>``.

Usage::

    python benchmarks/bench_fit.py [--repeat 3] [--backend auto]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

_CHILD = r"""
import gc, json, os, sys, time
import mne, sklearn  # a session that reads EEG has these loaded
from s2decode.datasets import load
from s2decode.estimators import S2Decoder

X = load("synthetic", atlas="dosenbach160", n_trials=40, duration=0.5, seed=0)
y = X["y"].values
full = [0.0]
start = [0.0]

def watch(phase, info):
    if info["generation"] != 2:
        return
    if phase == "start":
        start[0] = time.perf_counter()
    else:
        full[0] += time.perf_counter() - start[0]

gc.callbacks.append(watch)
dec = S2Decoder(bands=None, spatial="none", random_state=0, backend=sys.argv[1])
w0, c0 = time.perf_counter(), time.process_time()
dec.fit(X[:32], y[:32])
w1, c1 = time.perf_counter(), time.process_time()
dec.predict(X[32:])
w2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"fit": w1 - w0, "fit_cpu": c1 - c0, "predict": w2 - w1,
                  "predict_cpu": c2 - c1, "gc2": full[0], "load": os.getloadavg()[0]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes")
    parser.add_argument("--backend", default="auto")
    args = parser.parse_args()
    from s2decode.machine import cpu_flags, cpu_name

    print(f"machine: {cpu_name()} ({os.cpu_count()} CPUs, flags {' '.join(cpu_flags())})")
    runs = []
    for _ in range(args.repeat):
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, args.backend],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:])
        run = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append(run)
        print(
            f"fit {run['fit']:.2f} s (CPU {run['fit_cpu']:.2f} s), predict {run['predict']:.2f} s "
            f"(CPU {run['predict_cpu']:.2f} s), full garbage collections {run['gc2']:.2f} s, "
            f"load {run['load']:.1f}",
            flush=True,
        )
    print(f"fit_seconds: {statistics.median(r['fit'] for r in runs):.2f}")


if __name__ == "__main__":
    main()

"""Benchmark: 5-fold S2Decoder on 800 static patterns x 150 units (a user at a prompt).

Static patterns are one value per unit and trial, e.g. the firing rates of a population in
a reach (Hatsopoulos 2004's M1 data are 158 such patterns). To time the size issue 14 names,
this script generates ``--patterns`` of them (default 800) from ``--units`` (150)
cosine-tuned units with Poisson counts in 0.5 s and 8 reach directions (seeded: the same
patterns every run), and cross-validates ``S2Decoder(random_state=0)`` with its defaults for
static input (a data-driven scaffold learned in each training fold, a constant current per
node for the network's trial) in stratified 5-fold, one process. Compiled kernels come from
the caches: a first untimed fit on a few patterns fills them. Printed: the time of each fold,
the accuracy (and a logistic regression on the same folds, for scale), the load average.

The goal of issue 14 is <= 30 s for the 5 folds on 2 cores. The last line is
``static_5fold_seconds: <value>``.

Usage::

    python benchmarks/bench_static.py [--patterns 800] [--units 150] [--backend auto]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np


def tuned_patterns(n_patterns: int, n_units: int, seed: int = 0):
    """Spike counts of cosine-tuned units (0.5 s, 8 directions) and the directions."""
    rng = np.random.default_rng(seed)
    directions = np.arange(n_patterns) % 8
    angle = directions * (2 * np.pi / 8)
    preferred = rng.uniform(0, 2 * np.pi, n_units)
    baseline = rng.uniform(5, 20, n_units)  # Hz
    depth = rng.uniform(0.2, 0.8, n_units) * baseline
    rates = baseline + depth * np.cos(angle[:, None] - preferred[None, :])
    counts = rng.poisson(rates * 0.5)
    return counts.astype(float), directions.astype(str)


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from s2decode import S2Decoder
    from s2decode.machine import cpu_flags, cpu_name

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patterns", type=int, default=800)
    parser.add_argument("--units", type=int, default=150)
    parser.add_argument("--backend", default="auto")
    args = parser.parse_args(argv)

    X, y = tuned_patterns(args.patterns, args.units)
    print(f"machine: {cpu_name()} ({' '.join(cpu_flags())}), {os.cpu_count()} CPUs")
    print(f"{args.patterns} patterns x {args.units} units, 8 classes, S2Decoder(backend="
          f"{args.backend!r}), stratified 5-fold")  # fmt: skip
    start = time.perf_counter()
    S2Decoder(random_state=0, backend=args.backend).fit(X[:40], y[:40])
    print(f"warm-up fit on 40 patterns (fills the kernel caches): "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip

    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    load = os.getloadavg()[0]
    fold_seconds, scores = [], []
    start = time.perf_counter()
    for k, (train, test) in enumerate(cv.split(X, y)):
        t0 = time.perf_counter()
        model = S2Decoder(random_state=0, backend=args.backend).fit(X[train], y[train])
        scores.append(model.score(X[test], y[test]))
        fold_seconds.append(time.perf_counter() - t0)
        print(f"fold {k}: {fold_seconds[-1]:.1f} s, accuracy {scores[-1]:.3f}", flush=True)
    total = time.perf_counter() - start
    peer = cross_val_score(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)), X, y, cv=cv
    )
    ours = f"{np.mean(scores):.3f} +- {np.std(scores, ddof=1):.3f}"
    print(f"S2Decoder accuracy {ours}; logistic regression on the counts "
          f"{peer.mean():.3f} +- {peer.std(ddof=1):.3f}")  # fmt: skip
    print(f"load average at the start: {load:.1f}, at the end: {os.getloadavg()[0]:.1f}")
    print("goal: <= 30 s for the 5 folds on 2 cores")
    print(f"static_5fold_seconds: {total:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

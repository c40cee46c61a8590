"""Benchmark: how S2-Net simulation and its features scale with parcels, trials and length.

Three sweeps, each around a base point (100 parcels, 10 trials of 1 s, k = 20 inputs per
parcel, the default ``S2NetConfig``, dt = 0.1 ms):

* **parcels**: 100, 300 and 1000 parcels. The 100 are the Schaefer 2018 100-parcel,
  7-network atlas of the data directory (``atlases/schaefer2018_100_7net``, its parcel
  centroids); the Schaefer 300- and 1000-parcel files are not in the data directory (nilearn
  would download them), so 300 and 1000 parcels are k-means subdivisions of the same
  cortical mask (centroids of equal-volume-ish clusters of its voxels), which is what the
  distance scaffold needs: parcel positions. The scaffold is k-sparse (each parcel's
  ``--k`` nearest parcels), so a linear simulation cost means exponent ~1 in parcels;
* **trials**: 10, 30, 100, 300 and 1000 (``--max-trials 300`` stops at 300) at 100 parcels, 1 s;
* **length**: 0.5, 1, 2, 4 and 8 s at 100 parcels, 10 trials.

The inputs are white noise (seeded), so the firing rates (printed) are the network's own.
Each point is timed after a warm-up call of the same network shape (the standalone build of
that shape compiled, Numba's kernels compiled), so compilation is not in the figures:

* ``simulate``: :func:`s2decode.net.simulate` (``--backend``, default ``cpp_standalone``,
  ``batch_size=--batch`` trials so that the trials sweep reuses one build, one job);
* ``node features``: rates, first-spike latencies and the Kuramoto order (per neuron or
  per network: linear in parcels);
* ``pair metrics``: phase-locking value and SPIKE-synchronization of every pair of neurons
  (aggregated per network pair afterwards): quadratic in parcels by nature, so reported
  apart.

Each sweep ends with the fitted exponent ``b`` of ``time ~ x**b`` (least squares in log-log)
for each part, and the goal of issue 14 (linear in trials and length; at most ``n k`` in
parcels for the simulation and the node features, i.e. ``b <= 1.1``). The last line is
``scaling_exponents: ...``.

Usage::

    python benchmarks/bench_scaling.py [--k 20] [--batch 10] [--max-trials 1000]
        [--backend cpp_standalone] [--data-dir DIR] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

GOAL = 1.1


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=20, help="inputs per parcel in the scaffold")
    parser.add_argument("--batch", type=int, default=10, help="trials per simulated network")
    parser.add_argument("--max-trials", type=int, default=1000, choices=[100, 300, 1000])
    parser.add_argument(
        "--backend", default="cpp_standalone", choices=["cpp_standalone", "cython", "auto"]
    )
    parser.add_argument(
        "--data-dir", default=None, help="data directory (default: S2DECODE_DATA, as s2decode)"
    )
    parser.add_argument("--repeat", type=int, default=2, help="timed calls per point (best)")
    parser.add_argument("--quick", action="store_true", help="fewer, smaller points (a check)")
    return parser.parse_args()


# ---------------------------------------------------------------------------- parcels
def _schaefer_volume(data_dir: str):
    import nibabel as nib

    folder = Path(data_dir) / "atlases" / "schaefer2018_100_7net"
    files = sorted(folder.glob("Schaefer2018_100Parcels_7Networks_*.nii*"))
    if not files:
        raise SystemExit(
            f"The Schaefer 2018 100-parcel volume is not in {folder}; give --data-dir "
            "or S2DECODE_DATA (a data directory as the README's Data section describes)."
        )
    img = nib.load(files[0])
    return np.asarray(img.dataobj).astype(np.int64), img.affine, files[0]


def _centroids(n_parcels: int, labels: np.ndarray, affine: np.ndarray, seed: int = 0):
    """Parcel centres (mm): the atlas' own for 100, k-means of its mask's voxels otherwise."""
    ijk = np.argwhere(labels > 0)
    xyz = ijk @ affine[:3, :3].T + affine[:3, 3]
    if n_parcels == int(labels.max()):
        values = labels[tuple(ijk.T)]
        return np.stack([xyz[values == v].mean(axis=0) for v in range(1, n_parcels + 1)])
    from sklearn.cluster import KMeans

    sample = xyz[np.random.default_rng(seed).permutation(len(xyz))[: 40 * n_parcels]]
    km = KMeans(n_clusters=n_parcels, n_init=1, random_state=seed).fit(sample)
    return km.cluster_centers_


def _scaffold(coords: np.ndarray, k: int):
    from s2decode.atlas import Scaffold
    from s2decode.atlas.scaffold import (
        conduction_delays,
        distance_matrix,
        distance_weights,
        normalize_weights,
        sparsify_knn,
    )

    d = distance_matrix(coords)
    weights = normalize_weights(sparsify_knn(distance_weights(d), k), "max")
    labels = [f"p{i:04d}" for i in range(len(coords))]
    return Scaffold(weights, conduction_delays(d), labels=labels, coords=coords)


# ---------------------------------------------------------------------------- timing
def _trials(n_trials: int, n_parcels: int, length: float, seed: int = 0):
    from s2decode.trials import make_trials

    sfreq = 250.0
    x = np.random.default_rng(seed).normal(size=(n_trials, n_parcels, round(length * sfreq)))
    return make_trials(x, sfreq=sfreq, names=[f"p{i:04d}" for i in range(n_parcels)])


def _networks(n_parcels: int) -> list[str]:
    """Seven contiguous pseudo-networks (pair metrics are aggregated per network pair)."""
    return [f"net{7 * i // n_parcels}" for i in range(n_parcels)]


def _point(trials, scaffold, args, cache: str) -> dict:
    """Best of ``args.repeat`` timed calls of each part, after a warm-up call."""
    from s2decode.estimators.features import compute_features
    from s2decode.net import S2NetConfig, simulate

    config = S2NetConfig()
    n = trials.sizes["parcel"]
    kw = dict(backend=args.backend, batch_size=args.batch, n_jobs=1, seed=0, cache_dir=cache)
    networks = _networks(n)
    times = {"simulate": np.inf, "node features": np.inf, "pair metrics": np.inf}

    def features(spikes, which):
        windows = np.array([[spikes.t_start, spikes.t_stop]])
        return compute_features(
            spikes,
            windows,
            features=which,
            networks=networks,
            pairs="networks",
            f_omega=config.f_omega,
            memory=config.T_w,
        )

    for rep in range(args.repeat + 1):  # the first call warms up (compiles)
        t0 = time.perf_counter()
        spikes = simulate(trials, scaffold, config, **kw)
        t1 = time.perf_counter()
        features(spikes, ("rates", "latency", "kuramoto"))
        t2 = time.perf_counter()
        features(spikes, ("plv", "spike_sync"))
        t3 = time.perf_counter()
        if rep:
            times["simulate"] = min(times["simulate"], t1 - t0)
            times["node features"] = min(times["node features"], t2 - t1)
            times["pair metrics"] = min(times["pair metrics"], t3 - t2)
    times["rate"] = float(spikes.rates().mean())
    return times


def _exponent(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def _sweep(name: str, xs, make, args, cache: str) -> dict[str, float]:
    print(f"\n## {name}")
    print("| " + name + " | simulate (s) | node features (s) | pair metrics (s) | rate (Hz) |")
    print("|---:|---:|---:|---:|---:|")
    rows = []
    for x in xs:
        trials, scaffold = make(x)
        t = _point(trials, scaffold, args, cache)
        rows.append(t)
        print(
            f"| {x:g} | {t['simulate']:.3f} | {t['node features']:.3f} | "
            f"{t['pair metrics']:.3f} | {t['rate']:.1f} |",
            flush=True,
        )
    exps = {
        part: _exponent(xs, [r[part] for r in rows])
        for part in ("simulate", "node features", "pair metrics")
    }
    exps["sim + node"] = _exponent(xs, [r["simulate"] + r["node features"] for r in rows])
    print(
        f"exponent b (time ~ {name}**b): simulate {exps['simulate']:.2f}, node features "
        f"{exps['node features']:.2f}, simulate + node features {exps['sim + node']:.2f} "
        f"(goal <= {GOAL}: {'met' if exps['sim + node'] <= GOAL else 'NOT met'}); pair metrics "
        f"{exps['pair metrics']:.2f} (reported apart)"
    )
    return exps


def main() -> None:
    args = _parse()
    from s2decode.machine import cpu_flags, cpu_name

    load0 = os.getloadavg()[0]
    from s2decode.paths import get_data_dir

    labels, affine, path = _schaefer_volume(get_data_dir(args.data_dir))
    print(
        f"machine: {cpu_name()} ({os.cpu_count()} CPUs, flags {' '.join(cpu_flags())}), "
        f"Python {sys.version.split()[0]}, {platform.platform()}"
    )
    print(
        f"atlas: {path.name} (100 parcels); 300 and 1000 parcels: k-means subdivisions of its "
        f"mask; scaffold: distance rule, k={args.k} nearest; backend {args.backend}, "
        f"batch_size {args.batch}, 1 job; best of {args.repeat} after a warm-up call"
    )
    parcels = (100, 300) if args.quick else (100, 300, 1000)
    trial_counts = [n for n in (10, 30, 100, 300, 1000) if n <= args.max_trials]
    lengths = (0.5, 1.0, 2.0) if args.quick else (0.5, 1.0, 2.0, 4.0, 8.0)
    if args.quick:
        trial_counts = trial_counts[:3]
    centres = {n: _centroids(n, labels, affine) for n in parcels}
    base = _scaffold(centres[100], args.k)
    with tempfile.TemporaryDirectory(prefix="s2decode-bench-scaling-") as cache:
        exps = {
            "parcels": _sweep(
                "parcels",
                parcels,
                lambda n: (_trials(10, n, 1.0), _scaffold(centres[n], args.k)),
                args,
                cache,
            ),
            "trials": _sweep(
                "trials", trial_counts, lambda n: (_trials(n, 100, 1.0), base), args, cache
            ),
            "length": _sweep("length", lengths, lambda s: (_trials(10, 100, s), base), args, cache),
        }
    print(
        f"\n1-min load average {load0:.2f} at start, {os.getloadavg()[0]:.2f} at end (other "
        "processes share these CPUs)"
    )
    print(
        "scaling_exponents: "
        + ", ".join(
            f"{sweep}={e['sim + node']:.2f} (pairs {e['pair metrics']:.2f})"
            for sweep, e in exps.items()
        )
    )


if __name__ == "__main__":
    main()

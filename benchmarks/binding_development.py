"""How the binding configuration was chosen: every variant tried, on development scenes only.

The benchmark (``bench_binding.py``) scores scenes ``make_scenes(n, k, seed=k)`` (seeds 2, 3,
4); the choices of :func:`s2decode.binding.binding_config`, of the readout and of the ablation
rows were made on other scenes, ``make_scenes(16, k, seed=1)`` for k = 2, 3, 4, with this
script. It prints, for each variant (one change from the chosen configuration unless said),
the mean FG-ARI of the k-means readout (zero-lag synchrony) and of the PLV readout (spectral
clustering of the phase-locking matrix), and a second table on development scenes whose
objects all share one grey level (``levels=(0.7, 0.7)``): there grey levels and rates cannot
tell objects apart, and the global inhibition is put to the test it was designed for
(LEGION's desynchronisation). Writes ``benchmarks/results/binding_development.md``.

Usage::

    python benchmarks/binding_development.py [--scenes 16]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def variants() -> dict[str, dict]:
    from s2decode.binding import binding_config

    chosen = binding_config()
    previous = chosen.replace(I_bias=0.9, g_in=1.0, kappa=1.0, f_omega=20.0, tau_0=1e-3)
    return {
        "previous configuration (I_bias 0.9, g_in 1, kappa 1, f_omega 20 Hz, grid tau_0 1 ms)":
            {"config": previous, "tau_0": 1e-3},
        "grid tau_0 1 ms (1.2 ms per pixel)": {"config": chosen.replace(tau_0=1e-3), "tau_0": 1e-3},
        "fast rhythm (I_bias 0.9, g_in 1: 55-105 Hz)": {"config": chosen.replace(I_bias=0.9,
                                                                                 g_in=1.0)},
        "f_omega 20 Hz": {"config": chosen.replace(f_omega=20.0)},
        "kappa = 0": {"config": chosen.replace(kappa=0.0)},
        "kappa = 1": {"config": chosen.replace(kappa=1.0)},
        "chosen: binding_config()": {"config": chosen},
        "delays off (all 0.1 ms)": {"config": chosen.ablation("delays")},
        "global inhibition g_inh = 0.5": {"config": chosen.replace(g_inh=0.5)},
        "global inhibition g_inh = 1": {"config": chosen.replace(g_inh=1.0)},
        "global inhibition g_inh = 2": {"config": chosen.replace(g_inh=2.0)},
        "no gate": {"config": chosen, "gate": None},
        "uncoupled (J = 0, kappa = 0)": {"config": chosen.replace(J=0.0, kappa=0.0)},
    }  # fmt: skip


def score(scenes, params) -> tuple[np.ndarray, np.ndarray]:
    """FG-ARI of the k-means readout and of the PLV readout, per scene."""
    from s2decode.binding import bind, fg_ari, group_phases

    result = bind(scenes, seed=0, keep_phases=True, **params)
    labels = np.stack(
        [
            group_phases(phi, fired.ravel(), int(k), method="spectral").reshape(scenes.shape)
            for phi, fired, k in zip(result.phases, result.fired, scenes.n_objects, strict=True)
        ]
    )
    return result.fg_ari, fg_ari(scenes.masks, labels)


def main(argv: list[str] | None = None) -> int:
    from s2decode._io_utils import atomic_write_text
    from s2decode.binding import binding_config, make_scenes, value_baseline

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_robustness import machine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=16)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "binding_development.md"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    objects = (2, 3, 4)
    dev = {k: make_scenes(args.scenes, k, seed=1) for k in objects}
    head = " | ".join(f"{k} obj. k-means | {k} obj. PLV" for k in objects)
    lines = [
        "# Temporal binding: the development scenes",
        "",
        "- command: `"
        + " ".join(["python benchmarks/binding_development.py", *(argv or sys.argv[1:])])
        + "`",
        f"- machine: {machine()}",
        "",
        f"Mean FG-ARI over `make_scenes({args.scenes}, k, seed=1)` (never the benchmark's "
        "scenes), with the k-means readout (zero-lag synchrony, the default) and the PLV "
        "readout (phase locking at any lag) of the same simulations.",
        "",
        f"| variant | {head} |",
        "|---" * (1 + 2 * len(objects)) + "|",
    ]
    for name, params in variants().items():
        cells = []
        for k in objects:
            kmeans, plv = score(dev[k], params)
            cells += [f"{np.mean(kmeans):.3f}", f"{np.mean(plv):.3f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    base = [f"{np.mean(value_baseline(dev[k])):.3f}" for k in objects]
    lines.append("| intensity baseline | " + " | ".join(f"{b} | {b}" for b in base) + " |")

    lines += [
        "",
        "Objects of one grey level (`make_scenes(n, k, seed=1, levels=(0.7, 0.7), "
        "min_contrast=0, extent=(6, 9))`): grey levels and rates cannot separate them (objects "
        "that touch become one region, which caps every method).",
        "",
        "| g_inh | 2 obj. k-means | 2 obj. PLV | 3 obj. k-means | 3 obj. PLV |",
        "|---|---|---|---|---|",
    ]
    equal = {
        k: make_scenes(args.scenes, k, seed=1, levels=(0.7, 0.7), min_contrast=0.0,
                       extent=(6, 9))
        for k in (2, 3)
    }  # fmt: skip
    for g in (0.0, 0.5, 1.0, 2.0, 4.0):
        cells = []
        for k in (2, 3):
            kmeans, plv = score(equal[k], {"config": binding_config(g_inh=g)})
            cells += [f"{np.mean(kmeans):.3f}", f"{np.mean(plv):.3f}"]
        lines.append(f"| {g:g} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    base = [f"{np.mean(value_baseline(equal[k])):.3f}" for k in (2, 3)]
    lines.append("| intensity baseline | " + " | ".join(f"{b} | {b}" for b in base) + " |")
    lines += ["", f"Wall time {(time.perf_counter() - start) / 60:.1f} min."]
    atomic_write_text(args.out, "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

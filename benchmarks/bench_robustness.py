"""Robustness benchmark: decoding under spike-time jitter and event noise, with and without SSDP.

SSDP (seed 001) claims that synchrony-dependent plasticity makes spiking networks robust to
spike-time jitter and event noise. This script measures it on two sources of spikes, with
every decoder trained on the clean training trials of each fold and scored on the fold's
test trials, clean and perturbed (:mod:`s2decode.robustness`: jitter of +-1, 2, 5 ms;
event noise of 5, 10, 20 % of the spikes inserted or deleted):

``kramer_stn``
    the recorded spikes of one STN neuron (50 trials, left vs right), perturbed before any
    decoder sees them: S2Decoder (its spikes drive S2-Net; synchrony and rate features),
    S2Decoder with rate features only, S2Decoder with SSDP, and the benchmark's peers
    (spike counts + logistic regression, whole trial and 100 ms bins). One neuron has no
    connection, so SSDP cannot change anything there (shown, not assumed).
``eegbci_s2net``
    S2-Net's own spikes driven by eegbci S001 (imagined hands vs feet, 45 trials, 7-30 Hz),
    perturbed between the simulation and the features
    (:meth:`S2Featurizer.simulate <s2decode.estimators.S2Featurizer.simulate>`, then
    :meth:`~s2decode.estimators.S2Featurizer.transform_spikes`): the featurizer (front end,
    scaling, frequencies, scaffold, and SSDP where on) is fitted on each fold's training
    trials, then S2Decoder's final classifier reads the synchrony features (Kuramoto order,
    PLV, SPIKE-synchronization), the rate features, or all of them. The peer (CSP + LDA on
    the electrodes) cannot be given S2-Net's spikes: its clean score on the same folds is
    the reference.

Writes ``benchmarks/results/robustness.md`` and ``robustness.csv`` (atomically;
``--out``, ``--csv`` elsewhere) and prints the table; the last
line is ``robustness_drop_5ms: <S2Decoder's clean minus 5 ms jitter accuracy on kramer_stn>``.

Usage::

    python benchmarks/bench_robustness.py [--sources kramer_stn eegbci_s2net] [--quick]
        [--data-dir DIR] [--n-jobs 2] [--seed 0] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCES = ("kramer_stn", "eegbci_s2net")
N_FOLDS = 5
#: Feature columns of S2Featurizer's default sets that each eegbci decoder reads.
COLUMN_GROUPS = {
    "rates": ("rate_",),
    "synchrony": ("kuramoto_", "plv_", "spike_sync_"),
    "all": ("",),
}


def _levels(jitters, noise) -> list[tuple[str, float]]:
    return [("none", 0.0)] + [("jitter", j) for j in jitters] + [("event_noise", f) for f in noise]


def kramer(data_dir, seed: int, n_jobs: int, jitters, noise) -> pd.DataFrame:
    """The recorded STN spikes, perturbed before every decoder (robustness_table)."""
    from s2decode import peers
    from s2decode.datasets import load
    from s2decode.estimators import S2Decoder
    from s2decode.robustness import robustness_table

    counts = load("kramer_stn", data_dir)
    y = counts["y"].values
    sfreq = float(counts.attrs["sfreq"])
    common = {"random_state": seed, "backend": "cpp_standalone", "n_jobs": n_jobs}
    estimators = {
        "S2Decoder": S2Decoder(**common),
        "S2Decoder rates only": S2Decoder(features=("rates",), **common),
        "S2Decoder + SSDP": S2Decoder(plasticity="ssdp", **common),
        "spike count + LR": peers.spike_counts_lr(sfreq),
        "spike counts in 100 ms bins + LR": peers.spike_counts_lr(sfreq, bin_size=0.1),
    }
    table = robustness_table(
        estimators, counts, y, cv=N_FOLDS, jitters=jitters, noise=noise, random_state=seed
    )
    return table.assign(source="kramer_stn")


def eegbci_s2net(data_dir, seed: int, n_jobs: int, jitters, noise, quick: bool) -> pd.DataFrame:
    """S2-Net's spikes driven by eegbci, perturbed between simulation and features."""
    from decoding import get_task
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    from s2decode import peers
    from s2decode.atlas import eeg_info
    from s2decode.datasets import load
    from s2decode.estimators import S2Featurizer, default_classifier
    from s2decode.robustness import event_noise, jitter

    # the decoding benchmark's bands for this task (its pipeline file)
    mi_bands = get_task("eegbci_hands_feet").spec.features.bands

    trials = load("eegbci", data_dir, task="imagery", classes="hands_feet", method=None)
    X, y = np.asarray(trials.values), trials["y"].values
    info = eeg_info(trials["channel"].values, float(trials.attrs["sfreq"]))
    folds = list(StratifiedKFold(N_FOLDS, shuffle=True, random_state=seed).split(X, y))
    if quick:
        folds = folds[:2]
    rng = np.random.default_rng(seed)
    levels = _levels(jitters, noise)
    rows = []
    peer = peers.csp_lda(float(trials.attrs["sfreq"]), band=(7.0, 30.0))
    for fold, (train, test) in enumerate(folds):
        seeds = rng.integers(0, 2**31 - 1, len(levels))  # the same draws for both networks
        score = float(np.mean(clone(peer).fit(X[train], y[train]).predict(X[test]) == y[test]))
        for kind, level in levels:
            rows.append(
                {
                    "method": "CSP + LDA (clean EEG only)",
                    "perturbation": kind,
                    "level": level,
                    "fold": fold,
                    "score": score if kind == "none" else np.nan,
                }
            )
        for plasticity in (None, "ssdp"):
            fz = S2Featurizer(
                info=info,
                bands=tuple(tuple(b) for b in mi_bands),
                plasticity=plasticity,
                random_state=seed,
                backend="cpp_standalone",
                n_jobs=n_jobs,
            ).fit(X[train], y[train])
            names = fz.get_feature_names_out()
            train_features = fz.transform_spikes(fz.simulate(X[train]))
            test_spikes = fz.simulate(X[test])
            tag = " + SSDP" if plasticity else ""
            perturbed = []
            for (kind, level), s in zip(levels, seeds, strict=True):
                if kind == "jitter":
                    spikes = jitter(test_spikes, level, seed=int(s))
                elif kind == "event_noise":
                    spikes = event_noise(test_spikes, level, seed=int(s))
                else:
                    spikes = test_spikes
                perturbed.append(fz.transform_spikes(spikes))
            for group, prefixes in COLUMN_GROUPS.items():
                cols = np.array([str(n).startswith(prefixes) for n in names])
                clf = default_classifier().fit(train_features[:, cols], y[train])
                for (kind, level), F in zip(levels, perturbed, strict=True):
                    rows.append(
                        {
                            "method": f"S2-Net spikes, {group} features{tag}",
                            "perturbation": kind,
                            "level": level,
                            "fold": fold,
                            "score": float(np.mean(clf.predict(F[:, cols]) == y[test])),
                        }
                    )
            print(f"  eegbci fold {fold}{tag}: done", flush=True)
    return pd.DataFrame(rows).assign(source="eegbci_s2net")


def _level_name(kind: str, level: float) -> str:
    if kind == "none":
        return "clean"
    if kind == "jitter":
        return f"jitter +-{1e3 * level:g} ms"
    return f"noise {100 * level:g} %"


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy over folds: one row per source and method, a column per level."""
    pairs = zip(table["perturbation"], table["level"], strict=True)
    table = table.assign(column=[_level_name(k, v) for k, v in pairs])
    order = list(dict.fromkeys(table["column"]))
    wide = table.pivot_table(
        index=["source", "method"], columns="column", values="score", aggfunc="mean", sort=False
    )
    return wide[order]


def machine() -> str:
    from decoding import machine_description

    from s2decode.machine import cpu_flags

    info = machine_description()
    flags = " ".join(cpu_flags())
    return (
        f"{info['cpu']} ({flags or 'flags unknown'}), {info['cores']} cores, {info['ram']}; "
        f"{info['os']}; Python {info['python']}, brian2 {info['brian2']}, s2decode "
        f"{info['s2decode']}, git commit {info['git commit']}"
    )


def report(wide: pd.DataFrame, seconds: float, command: str, quick: bool) -> str:
    def pct(v):
        return "n/a" if not np.isfinite(v) else f"{100 * v:.1f}"

    lines = [
        "# Robustness: decoding under spike-time jitter and event noise",
        "",
        f"- command: `{command}`" + (" (quick: 2 folds of eegbci)" if quick else ""),
        f"- machine: {machine()}",
        f"- wall time: {seconds / 60:.1f} min",
        "",
        "Accuracy (%), mean over 5 stratified folds (seed 0), of decoders trained on clean "
        "training trials and tested on the same test trials clean and perturbed: each spike "
        "moved by a uniform shift in +-1, 2 or 5 ms (reflected at the trial's edges), or "
        "5, 10, 20 % of the spikes perturbed (each deleted with probability f / 2, and a "
        "Poisson number of mean f / 2 times the trial's spikes inserted at random times "
        "and neurons of the trial). kramer_stn: the recorded spikes are perturbed "
        "(1 ms bins); eegbci_s2net: S2-Net's own spikes are perturbed between the "
        "simulation and the features. SSDP: `plasticity='ssdp'` with the design note's "
        "rates (A+ 1.5e-4, A_base 5e-5) and sigma 10 ms, on the training trials of each "
        "fold. Produced by `benchmarks/bench_robustness.py`.",
        "",
    ]
    for source, part in wide.groupby(level="source", sort=False):
        part = part.droplevel("source").dropna(axis=1, how="all")
        lines += [f"## {source}", ""]
        lines.append("| method | " + " | ".join(part.columns) + " |")
        lines.append("|---" * (len(part.columns) + 1) + "|")
        for method, row in part.iterrows():
            lines.append(f"| {method} | " + " | ".join(pct(v) for v in row.to_numpy()) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from s2decode._io_utils import atomic_write_text
    from s2decode.paths import get_data_dir
    from s2decode.robustness import EVENT_NOISE, JITTERS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", nargs="+", choices=SOURCES, default=list(SOURCES))
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--n-jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="2 folds of eegbci")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "robustness.md"
    )
    parser.add_argument(
        "--csv", type=Path, default=ROOT / "benchmarks" / "results" / "robustness.csv"
    )
    args = parser.parse_args(argv)
    data_dir = get_data_dir(args.data_dir)
    start = time.perf_counter()
    parts = []
    if "kramer_stn" in args.sources:
        print("[kramer_stn]", flush=True)
        parts.append(kramer(data_dir, args.seed, args.n_jobs, JITTERS, EVENT_NOISE))
    if "eegbci_s2net" in args.sources:
        print("[eegbci_s2net]", flush=True)
        parts.append(
            eegbci_s2net(data_dir, args.seed, args.n_jobs, JITTERS, EVENT_NOISE, args.quick)
        )
    table = pd.concat(parts, ignore_index=True)
    wide = summary(table)
    command = "python benchmarks/bench_robustness.py " + " ".join(argv or sys.argv[1:])
    text = report(wide, time.perf_counter() - start, command.strip(), args.quick)
    atomic_write_text(args.out, text + "\n")
    atomic_write_text(args.csv, table.to_csv(index=False))
    print(text)
    if "kramer_stn" in args.sources:
        s2 = wide.loc[("kramer_stn", "S2Decoder")]
        print(f"robustness_drop_5ms: {100 * (s2['clean'] - s2['jitter +-5 ms']):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

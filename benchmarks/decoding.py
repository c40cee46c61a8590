"""Benchmark: S2Decoder against the decoders people use instead, on real recordings.

The tasks are pipeline files, ``benchmarks/pipelines/<task>.yaml``, run by the same engine as
``s2decode run`` (:func:`s2decode.pipeline.run_pipeline`); this script runs them and collects
their scores into one report:

==========================  ==================================  ===========================
task                        cross-validation                    peers
==========================  ==================================  ===========================
eegbci_hands_feet           stratified 5-fold                   CSP + LDA, Riemann tangent
eegbci_left_right           stratified 5-fold                   space + LR, log band power
eegmat_within               stratified 5-fold in each subject   + LR (on the EEG channels)
eegmat_loso                 leave one subject out
haxby_face_house            leave one run out                   nilearn Decoder, ANOVA +
haxby_8way                  leave one run out                   linear SVC (on the voxels)
kramer_stn                  stratified 5-fold                   spike counts + LR
hatsopoulos2004             stratified 5-fold                   firing rates + LR
synthetic_evoked            stratified 5-fold (not counted)     xDAWN + tangent space, ...
==========================  ==================================  ===========================

What the engine guarantees (pipelines/README.md): every method of a task sees the same trials
in the same order and the same splits (drawn once from the pipeline's seed); whatever a
method learns from data, it learns in ``fit`` on the training trials. Each file's
``description`` says what S2-Net gets and why; its first paragraph is the task's title, the
rest its notes in the report.

The rows of a task: its ``peers``; ``S2Decoder`` (the pipeline's S2 row: S2Decoder with its
defaults for the input and the file's ``features``/``net``, Brian2 C++ standalone); the
file's ``variants``, each changing one thing (rates-only features, the signal itself instead
of band amplitudes, the nodes as given instead of learned components, ``kappa = 0``,
conduction delays off, shuffled scaffold); and the late fusion ``decoder.fuse_with`` (an
inner 3-fold cross-validation on each training fold chooses the peer and the weight of S2's
probabilities; where the outer folds leave subjects or runs out, the inner folds keep them
whole). Nothing is ever filled in for a method that did not run. S2 features are cached by
the pipeline's feature cache (``S2DECODE_CACHE``; ``--no-cache`` recomputes them), so a rerun
after a change that touches only the peers or the fusion recomputes only those.

Scores: each task's metric (accuracy, or balanced accuracy where classes are imbalanced:
eegmat) as mean +- sd over the test folds; for ``eegmat_within`` the mean +- sd over
subjects of each subject's 5-fold mean. Chance: the majority-class rate for accuracy,
1 / n_classes for balanced accuracy.

Outputs (written atomically, after every task so an interrupted run keeps what it did;
``<out>`` is ``benchmarks/results``, or a temporary folder for ``--quick``):
``<out>/decoding.csv`` (one row per task and method, with the fold scores),
``<out>/decoding.md`` (summary table, per-task tables, machine, run time) and each task's
pipeline output folder under ``<out>/runs/<task>`` (scores, predictions, features). The
Markdown is also printed; its last two lines are the counts of the goals: S2Decoder within 3
points of the best peer and the stacked row at or above the best peer minus 1 point, then
``tasks_at_or_above_best_peer: <k>/<n tasks>``.

Usage::

    python benchmarks/decoding.py [--tasks eegbci_hands_feet haxby_8way ...] [--quick]
        [--out DIR] [--n-jobs 2] [--seed 0] [--data-dir DIR] [--rows peer s2 ...]
        [--no-cache] [--combine DIR ...]

``--quick`` evaluates the first 2 splits of every task (4 subjects for eegmat). Needs
pyRiemann besides s2decode's dependencies.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from s2decode.scoring import SCORINGS

HERE = Path(__file__).resolve().parent
PIPELINES = HERE / "pipelines"
DEFAULT_OUT = HERE / "results"
QUICK_OUT = Path(tempfile.gettempdir()) / "s2decode-bench-quick"
QUICK_SPLITS = 2
QUICK_EEGMAT_SUBJECTS = [0, 1, 2, 3]
#: The tasks, in the order of the report (``benchmarks/pipelines/<task>.yaml``).
TASK_KEYS = (
    "eegbci_hands_feet",
    "eegbci_left_right",
    "eegmat_within",
    "eegmat_loso",
    "haxby_face_house",
    "haxby_8way",
    "kramer_stn",
    "hatsopoulos2004",
    "synthetic_evoked",
)
#: Reported but not counted in the goals: the generator S2Decoder's defaults were developed on.
NOT_COUNTED = frozenset({"synthetic_evoked"})
#: Name of the late-fusion rows in the report.
STACKED = "S2 + peer (late fusion, inner CV)"
#: The kinds of rows of a task, in the order of its table.
FAMILIES = ("peer", "s2", "ablation", "stacked")


# --------------------------------------------------------------------------- tasks
@dataclass(frozen=True)
class Task:
    """One decoding task: a pipeline file and what the report says of it.

    Attributes
    ----------
    key : str
        The pipeline's ``name`` (``--tasks``), the file's stem.
    spec : PipelineSpec
        The validated pipeline.
    title, notes : str
        The first paragraph of its ``description``, and the rest.
    counted : bool
        Whether the task counts towards the goals.
    """

    key: str
    spec: Any
    title: str
    notes: str
    counted: bool = True

    @property
    def metric(self) -> str:
        return self.spec.scoring

    @property
    def cv_text(self) -> str:
        cv = self.spec.cv
        if cv.scheme == "leave_one_subject_out":
            return "leave one subject out"
        if cv.scheme == "leave_one_group_out":
            return "leave one run out"
        subjects = self.spec.dataset.subjects
        within = subjects == "all" or (isinstance(subjects, list) and len(subjects) > 1)
        return f"stratified {cv.n_splits}-fold" + (" within each subject" if within else "")


def get_task(key: str, pipelines: Path = PIPELINES) -> Task:
    """The task ``key`` from its pipeline file."""
    from s2decode.pipeline import load_pipeline

    if key not in TASK_KEYS:
        raise ValueError(f"Unknown task {key!r}; choose among {', '.join(TASK_KEYS)}.")
    spec = load_pipeline(pipelines / f"{key}.yaml")
    title, _, notes = spec.description.partition("\n")
    return Task(key, spec, title.strip(), " ".join(notes.split()), key not in NOT_COUNTED)


def task_spec(
    task: Task,
    *,
    quick: bool = False,
    seed: int | None = None,
    rows=FAMILIES,
    variants: Sequence[str] | None = None,
):
    """The pipeline a run of the task executes: its file, with fewer subjects for
    ``quick`` (eegmat), another ``seed``, only the families of rows in ``rows`` (the S2
    row always runs: it is the pipeline's own), and only the variants whose label contains
    one of ``variants`` (case-insensitive; ``None``: all)."""
    from s2decode.pipeline import PipelineSpec

    data = task.spec.model_dump(mode="python")
    if quick and data["dataset"]["name"] == "eegmat":
        data["dataset"]["subjects"] = list(QUICK_EEGMAT_SUBJECTS)
    if seed is not None:
        data["seed"] = seed
    if "peer" not in rows:
        data["peers"] = []
    if "ablation" not in rows:
        data["variants"] = []
    elif variants is not None:
        wanted = [w.lower() for w in variants]
        data["variants"] = [
            v for v in data["variants"] if any(w in v["label"].lower() for w in wanted)
        ]
    if "stacked" not in rows:
        data["decoder"]["fuse_with"] = []
    return PipelineSpec.from_dict(data, source=f"{task.key}.yaml")


# --------------------------------------------------------------------------- results
@dataclass
class Result:
    """Scores of one method on one task."""

    task: str
    method: str
    family: str  # "peer", "s2", "ablation", "stacked"
    metric: str
    unit_scores: dict[str, list[dict[str, float]]]  # unit -> per-fold {scoring: value}
    seconds: float
    chance: float
    n_trials: int
    view: str
    split_seconds: list[float] = field(default_factory=list)  # fit + score, in split order
    #: S2-Net's mean arithmetic energy per test trial (pJ; NaN for peers and fusion rows).
    energy_pj: float = float("nan")

    def score_per_pj(self) -> float:
        """The task's score divided by the energy of one trial (NaN without energy)."""
        return self.mean() / self.energy_pj if self.energy_pj > 0 else float("nan")

    def fold_scores(self, scoring: str | None = None) -> np.ndarray:
        scoring = scoring or self.metric
        return np.array([f[scoring] for folds in self.unit_scores.values() for f in folds])

    def summary_scores(self, scoring: str | None = None) -> np.ndarray:
        """Fold scores for one unit; per-unit means for several (within subject)."""
        scoring = scoring or self.metric
        if len(self.unit_scores) == 1:
            return self.fold_scores(scoring)
        return np.array(
            [np.mean([f[scoring] for f in folds]) for folds in self.unit_scores.values()]
        )

    def mean(self, scoring: str | None = None) -> float:
        return float(np.mean(self.summary_scores(scoring)))

    def sd(self, scoring: str | None = None) -> float:
        scores = self.summary_scores(scoring)
        return float(np.std(scores, ddof=1)) if scores.size > 1 else 0.0


def view_text(dims: Sequence[str], shape: Sequence[int]) -> str:
    """``"64 channels x 641 samples"``: what one trial of the input is."""
    node, n_nodes, n_times = dims[1], int(shape[1]), int(shape[2])
    return f"{n_nodes} {node}{'s' * (n_nodes != 1)} x {n_times} sample{'s' * (n_times != 1)}"


def task_results(task: Task, scores: pd.DataFrame, summary: Mapping[str, Any]) -> list[Result]:
    """A pipeline run's ``scores.csv`` (and ``summary.json``) as the report's results: one
    unit per subject within subjects, one unit of all folds otherwise."""
    view = view_text(summary["trial_dims"], summary["trial_shape"])
    per_subject = summary["aggregation"].startswith("mean +- sd over subjects")
    rank = {f: i for i, f in enumerate(FAMILIES)}
    order = sorted(
        dict.fromkeys(zip(scores["method"], scores["family"], strict=True)),
        key=lambda mf: rank.get(mf[1], len(rank)),
    )
    out = []
    for method, family in order:
        rows = scores[scores["method"] == method]
        units: dict[str, list[dict[str, float]]] = {}
        for row in rows.itertuples(index=False):
            unit = f"subject {row.subject}" if per_subject else "all"
            units.setdefault(unit, []).append({s: float(getattr(row, s)) for s in SCORINGS})
        out.append(
            Result(
                task.key,
                STACKED if family == "stacked" else str(method),
                str(family),
                task.metric,
                units,
                float(rows["seconds"].sum()),
                float(summary["chance"]),
                int(summary["n_trials"]),
                view,
                [float(s) for s in rows["seconds"]],
                _mean_energy(rows),
            )
        )
    return out


def _mean_energy(rows: pd.DataFrame) -> float:
    """Mean energy per test trial over a method's folds (weighted by their test trials)."""
    if "energy_pj" not in rows or rows["energy_pj"].isna().all():
        return float("nan")
    ok = rows["energy_pj"].notna()
    return float(np.average(rows.loc[ok, "energy_pj"], weights=rows.loc[ok, "n_test"]))


def run_task(
    task: Task,
    out: Path,
    *,
    data_dir=None,
    n_jobs: int = 2,
    quick: bool = False,
    seed: int | None = None,
    rows: Sequence[str] = FAMILIES,
    variants: Sequence[str] | None = None,
    cache: bool = True,
) -> list[Result]:
    """Run one task's pipeline (its output folder: ``out/runs/<task>``) and return its rows."""
    from s2decode.pipeline import run_pipeline

    unknown = set(rows) - set(FAMILIES)
    if unknown:
        raise ValueError(f"Unknown rows {sorted(unknown)}; choose from {FAMILIES}.")
    spec = task_spec(task, quick=quick, seed=seed, rows=rows, variants=variants)
    result = run_pipeline(
        spec,
        out / "runs" / task.key,
        data_dir=data_dir,
        workers=n_jobs,
        cache=cache,
        report=False,
        progress=False,
        log=_progress,
        max_splits=QUICK_SPLITS if quick else None,
    )
    results = task_results(task, result.scores, result.summary)
    return [r for r in results if r.family in rows]


def _progress(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------- report
#: What the dirty check of the git commit ignores: the benchmarks' own outputs.
_NOT_CODE = (":(exclude)benchmarks/results",)


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=HERE.parent, capture_output=True, text=True, timeout=10,
            check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def machine_description() -> dict[str, str]:
    """CPU model and SIMD flags, cores, memory, OS, the versions of the packages that
    matter, and the git commit (marked where benchmarks/ or s2decode/ have changes)."""
    from importlib.metadata import PackageNotFoundError, version

    from s2decode.machine import cpu_flags, cpu_name

    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        ram_txt = f"{ram:.1f} GiB"
    except (ValueError, OSError, AttributeError):
        ram_txt = "unknown"
    info = {
        "cpu": cpu_name(),
        "cpu flags": " ".join(cpu_flags()) or "none of avx2, avx512f, fma",
        "cores": str(os.cpu_count()),
        "ram": ram_txt,
        "os": platform.platform(),
        "python": platform.python_version(),
    }
    for pkg in ("s2decode", "brian2", "mne", "scikit-learn", "nilearn", "pyriemann", "numpy"):
        try:
            info[pkg] = version(pkg)
        except PackageNotFoundError:
            info[pkg] = "not installed"
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--", "benchmarks", "s2decode", *_NOT_CODE)
    info["git commit"] = (commit or "unknown") + (" with uncommitted changes" if dirty else "")
    return info


def results_frame(results: Iterable[Result], tasks: Sequence[Task]) -> pd.DataFrame:
    """One row per task and method (the CSV)."""
    by_key = {t.key: t for t in tasks}
    rows = []
    for r in results:
        rows.append(
            {
                "task": r.task,
                "method": STACKED if r.family == "stacked" else r.method,
                "family": r.family,
                "metric": r.metric,
                "mean": r.mean(),
                "sd": r.sd(),
                "chance": r.chance,
                "accuracy_mean": r.mean("accuracy"),
                "balanced_accuracy_mean": r.mean("balanced_accuracy"),
                "n_units": len(r.unit_scores),
                "n_folds": r.fold_scores().size,
                "n_trials": r.n_trials,
                "cv": by_key[r.task].cv_text,
                "view": r.view,
                "seconds": round(r.seconds, 2),
                "energy_pj": r.energy_pj,
                "fold_scores": ";".join(f"{s:.4f}" for s in r.fold_scores()),
            }
        )
    return pd.DataFrame(rows)


def _fmt(mean: float, sd: float) -> str:
    return f"{mean:.3f} +- {sd:.3f}"


def goals(results: Sequence[Result], tasks: Sequence[Task]) -> dict[str, Any]:
    """Per task: best peer, S2Decoder, stacked; counts of the issue's goals (over the
    tasks that count, ``Task.counted``)."""
    rows, at_or_above, within3, stacked_above, stacked_within1, with_s2 = [], 0, 0, 0, 0, 0
    n_counted = 0
    for task in tasks:
        res = [r for r in results if r.task == task.key]
        if not res:
            continue
        peer_res = [r for r in res if r.family == "peer"]
        best = max(peer_res, key=lambda r: r.mean(), default=None)
        s2 = next((r for r in res if r.family == "s2"), None)
        stacked = next((r for r in res if r.family == "stacked"), None)
        row = {"task": task, "best": best, "s2": s2, "stacked": stacked}
        rows.append(row)
        if not task.counted or best is None:  # (a part that reran some rows only)
            continue
        n_counted += 1
        if s2 is not None:
            with_s2 += 1
            # compare the rounded figures the table shows
            at_or_above += round(s2.mean(), 3) >= round(best.mean(), 3)
            within3 += s2.mean() >= best.mean() - 0.03
        if stacked is not None:
            stacked_above += round(stacked.mean(), 3) > round(best.mean(), 3)
            stacked_within1 += round(stacked.mean(), 3) >= round(best.mean() - 0.01, 3)
    return {
        "rows": rows,
        "n_tasks": n_counted,
        "with_s2": with_s2,
        "at_or_above": at_or_above,
        "within3": within3,
        "stacked_above": stacked_above,
        "stacked_within1": stacked_within1,
    }


def markdown(
    results: Sequence[Result],
    tasks: Sequence[Task],
    machine: Mapping[str, str],
    run_info: Mapping[str, str],
) -> str:
    """The report: summary table, one table per task, goals, machine."""
    g = goals(results, tasks)
    lines = ["# Decoding benchmark: S2Decoder and its peers on the same splits", ""]
    lines += [f"- {k}: {v}" for k, v in run_info.items()]
    lines += [
        "",
        "Scores are mean +- sd over the test folds (eegmat_within: over subjects, of each "
        "subject's 5-fold mean). Chance: majority-class rate for accuracy, 1 / n_classes "
        "for balanced accuracy. Every method of a task is scored on the same splits. "
        "S2Decoder: the estimators' defaults for the input (front end learned in each "
        "training fold: CSP components per band for many EEG channels, an ANOVA screen for "
        "fMRI voxels, the nodes as given otherwise; band amplitudes of the filter bank; "
        "S2-Net default configuration; intrinsic frequencies from a pilot simulation of "
        "training trials; per-node scaling; synchrony features; standardised features and "
        "shrinkage LDA), Brian2 C++ standalone; for motor imagery its bands lie in the "
        "peers' 7-30 Hz. Nothing was tuned on these tasks (see docs/estimators.md for how the "
        "defaults were set). Variants change one thing of that S2Decoder. The stacked row is "
        "the late fusion S2StackingClassifier of that S2Decoder with the task's peers: an "
        "inner 3-fold cross-validation on the training trials (subjects or runs kept whole "
        "where the outer folds leave them out) chooses the peer and the "
        "weight (0, 0.25, ..., 1) of S2's probabilities by log loss; weight 0 is the peer "
        "alone (the rule was checked against others on development tasks outside these: "
        "benchmarks/results/fusion_rules.md). The SSDP row adapts the scaffold's weights to "
        "each training fold with synchrony-dependent plasticity (the design note's rule and "
        "rates). nJ per trial: S2-Net's arithmetic energy for one test trial, synaptic "
        "events at 0.9 pJ (s2decode.energy; memory access is not counted, and the peers' "
        "arithmetic is not estimated); per pJ: the score divided by it.",
        "",
        "## Summary",
        "",
        "| task | metric | CV | chance | best peer | S2Decoder | S2 - best peer | stacked |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in g["rows"]:
        task, best, s2, stacked = row["task"], row["best"], row["s2"], row["stacked"]
        s2_txt = _fmt(s2.mean(), s2.sd()) if s2 else "not run"
        delta = f"{100 * (s2.mean() - best.mean()):+.1f} pts" if s2 and best else ""
        st_txt = _fmt(stacked.mean(), stacked.sd()) if stacked else "not run"
        key = task.key if task.counted else f"{task.key} (not counted)"
        chance = next(r for r in results if r.task == task.key).chance
        best_txt = f"{best.method}: {_fmt(best.mean(), best.sd())}" if best else "not run"
        lines.append(
            f"| {key} | {task.metric} | {task.cv_text} | {chance:.3f} | "
            f"{best_txt} | {s2_txt} | {delta} | {st_txt} |"
        )
    lines += ["", "## Per task", ""]
    for task in tasks:
        res = [r for r in results if r.task == task.key]
        if not res:
            continue
        best = max((r for r in res if r.family == "peer"), key=lambda r: r.mean(), default=None)
        other = next(s for s in SCORINGS if s != task.metric)
        lines += [
            f"### {task.key}",
            "",
            f"{task.title}. {task.cv_text}, {res[0].n_trials} trials, "
            f"chance {res[0].chance:.3f}. {task.notes}",
            "",
            f"| method | family | input | {task.metric} | {other} (mean) | vs best peer | "
            f"time (s) | nJ per trial | {task.metric} per pJ |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in res:
            vs = f"{100 * (r.mean() - best.mean()):+.1f} pts" if best else ""
            nj = f"{r.energy_pj / 1e3:.3g}" if np.isfinite(r.energy_pj) else ""
            # a network without connections (one neuron) makes no synaptic events: 0 pJ
            per_pj = f"{r.score_per_pj():.2e}" if r.energy_pj > 0 else ("-" if nj else "")
            lines.append(
                f"| {r.method} | {r.family} | {r.view} | {_fmt(r.mean(), r.sd())} | "
                f"{r.mean(other):.3f} | {vs} | {r.seconds:.1f} | {nj} | {per_pj} |"
            )
        lines.append("")
    lines += ["## Goals (issue 11)", ""]
    if g["with_s2"]:
        lines += [
            f"- S2Decoder at or above the best peer: {g['at_or_above']}/{g['n_tasks']} tasks "
            "(goal: at least 4 of 8)",
            f"- S2Decoder within 3 points of the best peer: {g['within3']}/{g['n_tasks']} "
            "(goal: at least 6 of 8)",
            f"- stacked at or above the best peer minus 1 point: {g['stacked_within1']}/"
            f"{g['n_tasks']} (goal: all 8)",
        ]
    else:
        lines.append("- S2-Net was not run: no S2 goal can be assessed.")
    lines += ["", "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in machine.items()]
    lines.append("")
    return "\n".join(lines)


def last_line(results: Sequence[Result], tasks: Sequence[Task]) -> str:
    """The goal counts: ``s2_within_3_points: <a>/<n>  stacked_within_1_point: <b>/<n>``,
    then ``tasks_at_or_above_best_peer: <k>/<n>`` (``n/a`` where S2-Net did not run)."""
    g = goals(results, tasks)
    if not g["with_s2"]:
        return "tasks_at_or_above_best_peer: n/a (S2Decoder not run)"
    n = g["n_tasks"]
    return (
        f"s2_within_3_points: {g['within3']}/{n}  stacked_within_1_point: "
        f"{g['stacked_within1']}/{n}\n"
        f"tasks_at_or_above_best_peer: {g['at_or_above']}/{n}"
    )


def write_outputs(out: Path, results: Sequence[Result], tasks, machine, run_info) -> str:
    """Write ``decoding.csv`` and ``decoding.md`` atomically; return the Markdown."""
    frame = results_frame(results, tasks)
    _atomic_write_text(out / "decoding.csv", frame.to_csv(index=False))
    text = markdown(results, tasks, machine, run_info)
    text = f"{text}\n{last_line(results, tasks)}\n"
    _atomic_write_text(out / "decoding.md", text)
    return text


def _atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``:
    an interrupted write leaves the earlier file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def results_from_csv(frame: pd.DataFrame) -> list[Result]:
    """The results of an earlier run, from its ``decoding.csv``.

    Exact for every figure of the report: the fold scores of each task's metric (split into
    the run's units, ``n_units`` of equal folds) and the mean of the other scoring, which
    the CSV keeps as a mean only (every fold gets it).
    """
    out = []
    for row in frame.itertuples(index=False):
        folds = [float(v) for v in str(row.fold_scores).split(";")]
        other = next(s for s in SCORINGS if s != row.metric)
        other_mean = float(getattr(row, f"{other}_mean"))
        n_units = int(row.n_units)
        per_unit = len(folds) // n_units
        unit_scores = {
            f"unit {u}": [
                {row.metric: f, other: other_mean} for f in folds[u * per_unit : (u + 1) * per_unit]
            ]
            for u in range(n_units)
        }
        method = STACKED if row.family == "stacked" else row.method
        out.append(
            Result(
                row.task,
                method,
                row.family,
                row.metric,
                unit_scores,
                float(row.seconds),
                float(row.chance),
                int(row.n_trials),
                str(row.view),
                energy_pj=float(getattr(row, "energy_pj", float("nan"))),
            )
        )
    return out


def _run_header(md: Path) -> dict[str, str]:
    """The ``- key: value`` lines of a report (run header and machine), first ones kept."""
    header: dict[str, str] = {}
    for line in md.read_text().splitlines():
        if line.startswith("- ") and ": " in line:
            key, value = line[2:].split(": ", 1)
            header.setdefault(key, value)
    return header


def combine(parts: Sequence[Path], out: Path, tasks: Sequence[Task] | None = None) -> str:
    """One report from the outputs of several runs (tasks run side by side, or some rows
    rerun after a change that touches only them: ``--rows stacked``).

    ``tasks`` are the tasks the parts may hold, in the order of the report (``None``: the
    benchmark's, :data:`TASK_KEYS`).

    Each part is a folder with ``decoding.csv`` and ``decoding.md``. A later part's row
    replaces an earlier part's row of the same task and method; a part left with no row is
    an error. The report lists each part's command, start, wall time and commit, and which
    rows of which tasks it gives.
    """
    frames, heads, quick = [], [], False
    for k, part in enumerate(parts):
        frame = pd.read_csv(part / "decoding.csv")
        # one name for the late-fusion row, whichever runner wrote the part
        frame.loc[frame["family"] == "stacked", "method"] = STACKED
        frames.append(frame.assign(_part=k))
        heads.append(_run_header(part / "decoding.md"))
        quick = quick or heads[-1].get("mode", "full") != "full"
    rows = pd.concat(frames, ignore_index=True).drop_duplicates(["task", "method"], keep="last")
    run_info: dict[str, str] = {}
    for k, (part, head) in enumerate(zip(parts, heads, strict=True)):
        kept = rows[rows["_part"] == k]
        if kept.empty:
            raise ValueError(
                f"Every row of part {k + 1} ({part}) is replaced by a later part; leave it out."
            )
        given = []
        for task, task_rows in kept.groupby("task", sort=False):
            whole = len(task_rows) == int((frames[k]["task"] == task).sum())
            families = ", ".join(dict.fromkeys(task_rows["family"]))
            given.append(f"{task}" + ("" if whole else f" ({families} rows)"))
        run_info[f"part {k + 1}"] = (
            f"`{head.get('command', '?')}` ({'; '.join(given)}); started "
            f"{head.get('started', '?')}, wall time {head.get('wall time', '?')}, git commit "
            f"{head.get('git commit', '?')}"
        )
    tasks = [get_task(key) for key in TASK_KEYS] if tasks is None else list(tasks)
    order = {t.key: i for i, t in enumerate(tasks)}
    unknown = sorted(set(rows["task"]) - set(order))
    if unknown:
        raise ValueError(f"The parts hold rows of unknown tasks {unknown}.")
    rank = {f: i for i, f in enumerate(FAMILIES)}
    rows = rows.assign(
        _order=rows["task"].map(order), _rank=rows["family"].map(rank).fillna(len(rank))
    ).sort_values(["_order", "_rank"], kind="stable")
    results = results_from_csv(rows.drop(columns=["_part", "_order", "_rank"]))
    tasks = [t for t in tasks if t.key in set(rows["task"])]
    run_info["command"] = "python benchmarks/decoding.py --combine " + " ".join(map(str, parts))
    run_info["mode"] = "QUICK parts (not the benchmark's figures)" if quick else "full"
    return write_outputs(out, results, tasks, machine_description(), run_info)


# --------------------------------------------------------------------------- main
def _parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASK_KEYS), choices=TASK_KEYS)
    parser.add_argument(
        "--quick", action="store_true", help=f"first {QUICK_SPLITS} splits, 4 eegmat subjects"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"output folder (default: {DEFAULT_OUT.relative_to(HERE.parent)}; with --quick "
        f"{QUICK_OUT}, so that a smoke run never replaces the benchmark's results)",
    )
    parser.add_argument(
        "--n-jobs", type=int, default=2, help="Dask worker processes of each task's pipeline"
    )
    parser.add_argument("--seed", type=int, default=None, help="instead of the files' seed (0)")
    parser.add_argument("--data-dir", default=None, help="data directory (S2DECODE_DATA)")
    parser.add_argument(
        "--rows",
        nargs="+",
        default=list(FAMILIES),
        choices=FAMILIES,
        help="which rows to report (default: all; the S2 row always runs); e.g. `--rows "
        "stacked` after a change to the late fusion, then --combine with the earlier run",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="recompute the S2 features (no feature cache)"
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        default=None,
        metavar="TEXT",
        help="run only the variants whose label contains one of these (e.g. `--rows s2 "
        "ablation --variants SSDP`); default: all",
    )
    parser.add_argument(
        "--combine",
        nargs="+",
        type=Path,
        default=None,
        metavar="DIR",
        help="write one report from the outputs (decoding.csv, decoding.md) of these runs",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; return the process exit code."""
    args = _parse(argv)
    # MNE's filter design and rank messages would drown the progress lines; the pipeline's
    # workers inherit the environment variable.
    os.environ.setdefault("MNE_LOGGING_LEVEL", "WARNING")
    with warnings.catch_warnings():
        # nilearn keeps every voxel of the one-slice mask (its screening percentile is
        # relative to a whole brain) and says so at every fold
        warnings.filterwarnings("ignore", "screening_percentile set to", UserWarning)
        return _run(args, argv)


def _run(args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    out = args.out if args.out is not None else (QUICK_OUT if args.quick else DEFAULT_OUT)
    if args.combine:
        print(combine(args.combine, out), end="", flush=True)
        return 0
    tasks = [get_task(k) for k in args.tasks]
    machine = machine_description()
    started = _dt.datetime.now().astimezone()
    t0 = time.perf_counter()
    command = " ".join(["python benchmarks/decoding.py", *(sys.argv[1:] if argv is None else argv)])
    results: list[Result] = []
    text = ""
    for task in tasks:
        _progress(f"[{task.key}] {task.title}")
        task_rows = run_task(
            task, out, data_dir=args.data_dir, n_jobs=args.n_jobs, quick=args.quick,
            seed=args.seed, rows=args.rows, variants=args.variants, cache=not args.no_cache,
        )  # fmt: skip
        for r in task_rows:
            _progress(f"  {r.method:<42} {r.metric} {r.mean():.3f} +- {r.sd():.3f}")
        results += task_rows
        run_info = {
            "command": command,
            "started": started.isoformat(timespec="seconds"),
            "wall time": f"{(time.perf_counter() - t0) / 60:.1f} min",
            "seed": str(args.seed if args.seed is not None else tasks[0].spec.seed),
            "mode": "QUICK (first splits only; not the benchmark's figures)"
            if args.quick
            else "full",
        }
        text = write_outputs(out, results, tasks, machine, run_info)
    print()
    print(f"(written: {out / 'decoding.csv'}, {out / 'decoding.md'})")
    print(text, end="", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

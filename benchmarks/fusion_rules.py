"""Development study: how the late fusion should choose its peer and S2's weight.

``S2StackingClassifier`` chooses, inside each training fold, a peer and the weight of S2's
probabilities from out-of-fold predictions of the training trials. Which rule does that
choice best is a question about noise, and answering it on the benchmark's eight tasks would
tune the benchmark on itself. This script answers it on tasks *outside* them: eegbci S001's
executed movements (runs 3, 7, 11 and 5, 9, 13; the benchmark reports the imagined ones) and
two draws of the ``synthetic`` evoked-response generator (the benchmark's development task
uses seed 1; seed 2 is a second draw).

For every task and outer fold it computes, once, the inner out-of-fold probabilities of S2
and of each peer and their test-fold probabilities after a fit on all training trials; each
rule is then a cheap function of those, so every rule sees exactly the same predictions.
Rules:

- ``log loss``: the (peer, weight) of lowest inner log loss
  (:func:`s2decode.estimators.stacking.choose_blend`, ``min_gain_se=0``);
- ``errors, 1 SE, ties in list order``: the peer of fewest inner errors (ties: the earlier
  one), then the weight of fewest errors among those that err less than the peer alone by
  more than one standard error of the paired 0/1 difference;
- ``errors, 1 SE, ties by log loss``: as above, ties between peers broken by log loss;
- ``log loss, 1 SE``: as ``log loss``, but a weight above 0 only when its paired per-trial
  log-loss gain over the peer alone exceeds one standard error (``min_gain_se=1``).

The rule of lowest log loss is S2StackingClassifier's default; the others are what was
weighed against it.

Run: ``python benchmarks/fusion_rules.py`` (about 10 minutes on 2 cores); it prints a table
and writes ``benchmarks/results/fusion_rules.md``. The last line names the rule with the
smallest worst shortfall against the best peer (then the best mean).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
import decoding  # noqa: E402

from s2decode.estimators.stacking import (  # noqa: E402
    DEFAULT_WEIGHTS,
    choose_blend,
    trial_log_loss,
)

OUT = HERE / "results" / "fusion_rules.md"


@dataclass(frozen=True)
class DevTask:
    """A development task: a benchmark pipeline with another recording or draw."""

    key: str
    title: str
    spec: Any


def _changed(key: str, **options: Any):
    """The benchmark task's pipeline with ``dataset.options`` changed."""
    from s2decode.pipeline import PipelineSpec

    data = decoding.get_task(key).spec.model_dump(mode="python")
    data["dataset"]["options"] = {**data["dataset"]["options"], **options}
    return PipelineSpec.from_dict(data, source=f"{key}.yaml (changed)")


def dev_tasks() -> list[DevTask]:
    """The development tasks: none of them is one of the benchmark's eight."""
    return [
        DevTask(
            "movement_hands_feet",
            "eegbci S001 executed both fists vs both feet (runs 5, 9, 13)",
            _changed("eegbci_hands_feet", task="execution"),
        ),
        DevTask(
            "movement_left_right",
            "eegbci S001 executed left vs right fist (runs 3, 7, 11)",
            _changed("eegbci_left_right", task="execution"),
        ),
        DevTask(
            "evoked_seed1",
            decoding.get_task("synthetic_evoked").title,
            decoding.get_task("synthetic_evoked").spec,
        ),
        DevTask(
            "evoked_seed2",
            "generated evoked responses, a second draw (seed 2)",
            _changed("synthetic_evoked", seed=2),
        ),
    ]


def load_trials(spec, data_dir=None):
    """The task's trials (one subject), as its pipeline loads them."""
    from s2decode.pipeline import dataset_subjects, load_subject

    (subject,) = dataset_subjects(spec, data_dir)
    return load_subject(spec, subject, data_dir)


# ---------------------------------------------------------------------------- the rules
Inner = tuple[np.ndarray, list[np.ndarray], np.ndarray]  # p_s2, [p_peer], y codes


def _mean_loss(p: np.ndarray, y: np.ndarray) -> float:
    return float(trial_log_loss(p, y).mean())


def rule_log_loss(p_s2, p_peers, y, weights) -> tuple[int, float]:
    k, w, _ = choose_blend(p_s2, p_peers, y, weights, min_gain_se=0.0)
    return k, w


def rule_log_loss_se(p_s2, p_peers, y, weights) -> tuple[int, float]:
    k, w, _ = choose_blend(p_s2, p_peers, y, weights, min_gain_se=1.0)
    return k, w


def _errors_weight(p_s2, p_peer, y, weights) -> float:
    """Fewest errors among the weights that err less than the smallest by more than one
    standard error of the paired 0/1 difference (then lowest log loss, smallest weight)."""
    w = np.asarray(weights, dtype=float)
    blends = [x * p_s2 + (1 - x) * p_peer for x in w]
    wrong = np.array([np.argmax(b, axis=1) != y for b in blends], dtype=float)
    base = int(np.argmin(w))
    gain = wrong[base] - wrong
    se = gain.std(axis=1, ddof=1) / np.sqrt(len(y))
    ok = [i for i in range(len(w)) if i == base or gain[i].mean() > se[i] + 1e-12]
    return float(w[min(ok, key=lambda i: (wrong[i].mean(), _mean_loss(blends[i], y), w[i]))])


def _by_errors(p_s2, p_peers, y, weights, tie_loss: bool) -> tuple[int, float]:
    def key(k):
        err = float(np.mean(np.argmax(p_peers[k], axis=1) != y))
        return (err, _mean_loss(p_peers[k], y) if tie_loss else 0.0, k)

    k = min(range(len(p_peers)), key=key)
    return k, _errors_weight(p_s2, p_peers[k], y, weights)


def rule_errors_order(p_s2, p_peers, y, weights) -> tuple[int, float]:
    return _by_errors(p_s2, p_peers, y, weights, tie_loss=False)


def rule_errors_loss(p_s2, p_peers, y, weights) -> tuple[int, float]:
    return _by_errors(p_s2, p_peers, y, weights, tie_loss=True)


#: In order of preference where two rules tie.
RULES: dict[str, Callable] = {
    "log loss": rule_log_loss,
    "errors, 1 SE, ties in list order": rule_errors_order,
    "errors, 1 SE, ties by log loss": rule_errors_loss,
    "log loss, 1 SE": rule_log_loss_se,
}


# ---------------------------------------------------------------------------- the study
def fold_probabilities(task: DevTask, trials, seed: int, n_jobs: int):
    """Per outer fold: inner out-of-fold and test probabilities of S2 and each peer, on
    the pipeline's splits (stratified k-fold) and with its S2 decoder and peers."""
    from s2decode.pipeline.run import pipeline_peer, s2_decoder

    spec = task.spec
    s2, X_s2 = s2_decoder(spec, trials)
    s2.set_params(n_jobs=n_jobs)
    X_peer = np.asarray(trials.values)
    peers = dict(pipeline_peer(p, trials, spec.seed) for p in spec.peers)
    y = np.asarray(trials["y"].values).astype(str)
    codes = np.unique(y, return_inverse=True)[1]
    outer = StratifiedKFold(spec.cv.n_splits, shuffle=True, random_state=seed)
    folds = []
    for tr, te in outer.split(X_peer, codes):
        y_tr = codes[tr]
        inner = StratifiedKFold(spec.decoder.fusion_cv, shuffle=True, random_state=seed)
        p_s2_in = cross_val_predict(clone(s2), X_s2[tr], y_tr, cv=inner,
                                    method="predict_proba")  # fmt: skip
        p_s2_te = clone(s2).fit(X_s2[tr], y_tr).predict_proba(X_s2[te])
        p_in, p_te = [], []
        for est in peers.values():
            p_in.append(cross_val_predict(clone(est), X_peer[tr], y_tr, cv=inner,
                                          method="predict_proba"))  # fmt: skip
            p_te.append(clone(est).fit(X_peer[tr], y_tr).predict_proba(X_peer[te]))
        folds.append(((p_s2_in, p_in, y_tr), (p_s2_te, p_te, codes[te])))
    return list(peers), folds


def score_rules(folds, weights: Sequence[float] = DEFAULT_WEIGHTS) -> dict[str, float]:
    """Test accuracy (mean over folds) of S2, each peer and each rule's fused decoder."""
    out: dict[str, list[float]] = {}

    def add(name, value):
        out.setdefault(name, []).append(value)

    for (p_s2_in, p_in, y_in), (p_s2_te, p_te, y_te) in folds:
        add("S2Decoder", float(np.mean(np.argmax(p_s2_te, axis=1) == y_te)))
        for k, p in enumerate(p_te):
            add(f"peer {k}", float(np.mean(np.argmax(p, axis=1) == y_te)))
        for name, rule in RULES.items():
            k, w = rule(p_s2_in, p_in, y_in, weights)
            proba = w * p_s2_te + (1 - w) * p_te[k]
            add(name, float(np.mean(np.argmax(proba, axis=1) == y_te)))
    return {k: float(np.mean(v)) for k, v in out.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the study; return the process exit code."""
    os.environ.setdefault("MNE_LOGGING_LEVEL", "WARNING")  # as the decoding benchmark
    import mne
    from threadpoolctl import threadpool_limits

    mne.set_log_level(os.environ["MNE_LOGGING_LEVEL"])
    with threadpool_limits(limits=1, user_api="blas"):
        return _study(argv)


def _study(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows, shortfall = [], {name: [] for name in RULES}
    t0 = time.perf_counter()
    for task in dev_tasks():
        t = time.perf_counter()
        trials = load_trials(task.spec, args.data_dir)
        names, folds = fold_probabilities(task, trials, args.seed, args.n_jobs)
        scores = score_rules(folds)
        best = max(scores[f"peer {k}"] for k in range(len(names)))
        best_name = names[int(np.argmax([scores[f"peer {k}"] for k in range(len(names))]))]
        for name in RULES:
            shortfall[name].append(scores[name] - best)
        cells = " | ".join(f"{scores[name]:.3f}" for name in RULES)
        rows.append(
            f"| {task.key} | {best_name}: {best:.3f} | {scores['S2Decoder']:.3f} | {cells} |"
        )
        print(rows[-1], f"({time.perf_counter() - t:.0f} s)", flush=True)
    machine = decoding.machine_description()
    head = " | ".join(RULES)
    lines = [
        "# Late fusion: which rule chooses the peer and S2's weight",
        "",
        f"- command: `python benchmarks/fusion_rules.py` (seed {args.seed}); "
        f"wall time {(time.perf_counter() - t0) / 60:.1f} min",
        f"- machine: {machine['cpu']}, {machine['cores']} cores; git commit "
        f"{machine['git commit']}",
        "",
        "Development tasks only (none is one of the benchmark's eight): stratified 5-fold "
        "test accuracy, mean over folds, on the benchmark's splits and estimators.",
        "",
        f"| task | best peer | S2Decoder | {head} |",
        "|---|---|---|" + "---|" * len(RULES),
        *rows,
        "",
        "| rule | worst (fused - best peer) | mean (fused - best peer) |",
        "|---|---|---|",
    ]
    for name in RULES:
        d = 100 * np.asarray(shortfall[name])
        lines.append(f"| {name} | {d.min():+.1f} pts | {d.mean():+.1f} pts |")
    chosen = max(RULES, key=lambda n: (min(shortfall[n]), np.mean(shortfall[n])))
    lines += ["", f"chosen_rule: {chosen}"]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(args.out.name + ".partial")
    partial.write_text(text)
    partial.replace(args.out)  # atomic: an interrupted run leaves the earlier file
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

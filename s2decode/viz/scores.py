"""Figures of decoding scores: each method per fold against chance and the peers, and the
confusion matrices of pooled out-of-fold predictions.

They read the tables a pipeline run writes (``scores.csv``, ``predictions.csv``; see
docs/report.md) as :class:`pandas.DataFrame`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_columns
from .style import FAMILY_COLORS, family_of

# Confusion matrices with more classes than this drop the numbers in the cells.
_MAX_ANNOTATED_CLASSES = 12


def _check_table(table, name: str, columns: Sequence[str], func: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"{func}: `{name}` must be a pandas DataFrame (pandas.read_csv of a run's "
            f"{name}.csv), got {type(table).__name__}."
        )
    check_columns(table, columns, f"{func}: `{name}`", f" as a run's {name}.csv has")
    return table


def _subject_means(scores: pd.DataFrame, col: str) -> pd.DataFrame:
    return scores.groupby(["method", "subject"], sort=False)[col].mean().reset_index()


def _sd(values: np.ndarray) -> float:
    # sample sd, as the runner's summary (s2decode.pipeline.run.summarize_scores)
    return float(np.std(values, ddof=1)) if values.size > 1 else 0.0


def method_table(
    scores: pd.DataFrame, scoring: str = "accuracy", summary: Mapping | None = None
) -> pd.DataFrame:
    """One row per method: family, mean and sd of ``scoring``, folds, seconds per fold.

    Means are taken as the runner takes them: over subjects' fold means where several
    subjects are each tested in several folds (within-subject CV), over folds otherwise;
    a run's ``summary.json`` (``summary``), where given, supplies the official mean, sd and
    family of each method it lists.

    Parameters
    ----------
    scores : DataFrame
        A run's ``scores.csv``: columns ``subject``, ``fold``, ``method``, ``scoring`` and
        optionally ``family`` and ``seconds``.
    scoring : str
        The score column.
    summary : mapping | None
        A run's ``summary.json``.

    Returns
    -------
    table : DataFrame
        Indexed by method, columns ``family`` (``"s2"``, ``"ablation"``, ``"stacked"`` or
        ``"peer"``), ``mean``, ``sd``, ``n_folds``, ``seconds``; S2 methods first, then their
        variants, the fused ones and the peers, each by decreasing mean.
    """
    scores = _check_table(scores, "scores", ("subject", "fold", "method", scoring), "method_table")
    scores = scores.dropna(subset=[scoring])
    per_subject = _subject_means(scores, scoring)
    rows = []
    for method, part in scores.groupby("method", sort=False):
        subj = per_subject.loc[per_subject["method"] == method, scoring].to_numpy(float)
        folds = part[scoring].to_numpy(float)
        values = subj if subj.size > 1 and part["fold"].nunique() > 1 else folds
        family = part["family"].iloc[0] if "family" in part else "peer"
        rows.append(
            {
                "method": method,
                "family": family_of(family),
                "mean": float(np.mean(values)),
                "sd": _sd(values),
                "n_folds": len(part),
                "seconds": float(part["seconds"].mean()) if "seconds" in part else np.nan,
            }
        )
    columns = ["method", "family", "mean", "sd", "n_folds", "seconds"]
    table = pd.DataFrame(rows, columns=columns).set_index("method")
    official = (summary or {}).get("methods") or {}
    for method, entry in official.items():
        if method in table.index and isinstance(entry, dict):
            for key in ("mean", "sd"):
                if entry.get(key) is not None:
                    table.loc[method, key] = float(entry[key])
            if entry.get("family"):
                table.loc[method, "family"] = family_of(entry["family"])
    rank = table["family"].map({f: i for i, f in enumerate(FAMILY_COLORS)})
    return (
        table.assign(_rank=rank)
        .sort_values(["_rank", "mean"], ascending=[True, False])
        .drop(columns="_rank")
    )


def best_methods(table: pd.DataFrame) -> tuple[str | None, str | None]:
    """The S2 decoder of a :func:`method_table` (``"S2Decoder"``, else its best S2 method)
    and its best peer; ``None`` where the table has none."""
    s2 = table.index[table["family"] == "s2"]
    peers = table.index[table["family"] == "peer"]
    primary = "S2Decoder" if "S2Decoder" in s2 else (s2[0] if len(s2) else None)
    return primary, (peers[0] if len(peers) else None)


@dataclass(frozen=True)
class ScoresPanels:
    """What :func:`plot_scores` draws, for a caption that describes exactly that.

    Attributes
    ----------
    subject_marks : bool
        Triangles: each subject's mean over its folds.
    chance : bool
        The dashed chance line.
    paired : bool
        The right panel: the S2 decoder against the best peer, per subject.
    """

    subject_marks: bool
    chance: bool
    paired: bool

    def caption(self) -> str:
        """A caption of the figure's panels and marks, nothing that is not drawn."""
        over = "subjects' fold means" if self.subject_marks else "folds"
        parts = [
            ("Left: each" if self.paired else "Each")
            + " method's score on every test fold (dots)"
            + (", each subject's mean over its folds (triangles)" if self.subject_marks else "")
            + f", the mean over {over} ± sd (black)"
            + (", chance (dashed)" if self.chance else "")
            + ". Orange: S2-Net methods (light: their variants), blue: peer baselines."
        ]
        if self.paired:
            parts.append(
                "Right: each subject's mean score of the S2 decoder against the best peer; "
                "points above the diagonal are subjects where S2 wins."
            )
        return " ".join(parts)


def _paired(scores, col, table) -> pd.DataFrame:
    primary, best_peer = best_methods(table)
    if scores["subject"].nunique() < 2 or primary is None or best_peer is None:
        return pd.DataFrame(columns=["s2", "peer"])
    per_subject = _subject_means(scores, col)
    a = per_subject[per_subject["method"] == primary].set_index("subject")[col]
    b = per_subject[per_subject["method"] == best_peer].set_index("subject")[col]
    return pd.concat([a.rename("s2"), b.rename("peer")], axis=1).dropna()


def scores_panels(
    scores: pd.DataFrame,
    scoring: str = "accuracy",
    *,
    chance: float | None = None,
    table: pd.DataFrame | None = None,
) -> ScoresPanels:
    """The panels and marks :func:`plot_scores` draws for these arguments."""
    scores = scores.dropna(subset=[scoring])
    table = method_table(scores, scoring) if table is None else table
    many_folds = scores.groupby("method")["fold"].nunique().max() > 1
    return ScoresPanels(
        subject_marks=bool(scores["subject"].nunique() > 1 and many_folds),
        chance=chance is not None,
        paired=len(_paired(scores, scoring, table)) >= 2,
    )


def plot_scores(
    scores: pd.DataFrame,
    scoring: str = "accuracy",
    *,
    chance: float | None = None,
    table: pd.DataFrame | None = None,
):
    """Each method's score per fold, its mean ± sd, chance, and S2 against the best peer.

    Parameters
    ----------
    scores : DataFrame
        A run's ``scores.csv`` (:func:`method_table` lists the columns).
    scoring : str
        The score column.
    chance : float | None
        Chance level (:func:`s2decode.scoring.chance_level`), drawn dashed.
    table : DataFrame | None
        The :func:`method_table` to draw means and order from (e.g. with a run's summary);
        ``None`` computes it from ``scores``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Left: one row per method (S2 methods orange, their variants light orange, fused pink,
        peers blue): dots per fold, triangles per subject where subjects have several folds,
        mean ± sd in black. Right,
        where two or more subjects have both: each subject's S2 decoder against the best
        peer. :func:`scores_panels` says which of these are drawn.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"subject": "1", "fold": [0, 1, 0, 1],
    ...                        "method": ["S2Decoder"] * 2 + ["CSP + LDA"] * 2,
    ...                        "family": ["s2"] * 2 + ["peer"] * 2,
    ...                        "accuracy": [0.9, 0.8, 0.7, 0.75]})
    >>> fig = plot_scores(scores, chance=0.5)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['S2Decoder', 'CSP + LDA']
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    scores = _check_table(scores, "scores", ("subject", "fold", "method", scoring), "plot_scores")
    scores = scores.dropna(subset=[scoring])
    if scores.empty:
        raise ValueError(f"plot_scores: `scores` has no {scoring!r} value to draw.")
    col = scoring
    table = method_table(scores, col) if table is None else table
    primary, best_peer = best_methods(table)
    panels = scores_panels(scores, col, chance=chance, table=table)
    methods = list(table.index)
    per_subject = _subject_means(scores, col)
    both = _paired(scores, col, table)
    height = max(2.6, 0.45 * len(methods) + 1.4)
    fig = Figure(figsize=(10.5 if panels.paired else 8.0, height), layout="constrained")
    if panels.paired:
        ax, ax_pair = fig.subplots(1, 2, width_ratios=[1.9, 1])
    else:
        ax, ax_pair = fig.subplots(), None
    rng = np.random.default_rng(0)  # jitter of the dots only
    for row, method in enumerate(methods):
        color = FAMILY_COLORS[table.loc[method, "family"]]
        folds = scores.loc[scores["method"] == method, col].to_numpy(float)
        ax.scatter(
            folds,
            row + rng.uniform(-0.18, 0.18, folds.size),
            s=12,
            color=color,
            alpha=0.35,
            linewidths=0,
        )
        if panels.subject_marks:
            subj = per_subject.loc[per_subject["method"] == method, col].to_numpy(float)
            ax.scatter(
                subj,
                np.full(subj.size, row + 0.3),
                s=22,
                marker="^",
                color=color,
                alpha=0.7,
                linewidths=0,
            )
        mean, sd = table.loc[method, "mean"], table.loc[method, "sd"]
        ax.errorbar(mean, row, xerr=sd, fmt="o", color="black", ms=6, capsize=3, lw=1.2, zorder=3)
    if chance is not None:
        ax.axvline(chance, color="0.4", ls="--", lw=1)
        ax.annotate(
            f"chance {100 * chance:.0f}%",
            (chance, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -2),
            textcoords="offset points",
            va="top",
            fontsize=8,
            color="0.3",
        )
    ax.set_yticks(range(len(methods)), methods)
    for tick, method in zip(ax.get_yticklabels(), methods, strict=True):
        tick.set_color(FAMILY_COLORS[table.loc[method, "family"]])
    ax.set_ylim(len(methods) - 0.5, -0.6)
    ax.set_xlabel(col.replace("_", " "))
    ax.xaxis.set_major_formatter(lambda x, _: f"{100 * x:.0f}%")
    ax.grid(axis="x", color="0.9")
    handles = [Line2D([], [], ls="", marker="o", ms=4, color="0.55", label="fold")]
    if panels.subject_marks:
        handles.append(Line2D([], [], ls="", marker="^", ms=5, color="0.55", label="subject"))
    handles.append(Line2D([], [], marker="o", ms=6, color="black", label="mean ± sd"))
    ax.legend(handles=handles, loc="lower right", fontsize=8, ncols=3, bbox_to_anchor=(1, 1))
    ax.set_title("Score of each method per fold", loc="left")
    if ax_pair is not None:
        lo = min(both.min().min(), chance if chance is not None else 1.0) - 0.05
        hi = max(both.max().max(), 0.0) + 0.05
        lo, hi = max(lo, 0.0), min(hi, 1.0)
        ax_pair.plot([lo, hi], [lo, hi], color="0.6", lw=1)
        if chance is not None:
            ax_pair.axhline(chance, color="0.8", ls="--", lw=1)
            ax_pair.axvline(chance, color="0.8", ls="--", lw=1)
        above = both["s2"] >= both["peer"]
        for mask, color, word in ((above, FAMILY_COLORS["s2"], "≥"), (~above, "0.45", "<")):
            ax_pair.scatter(
                both.loc[mask, "peer"],
                both.loc[mask, "s2"],
                s=28,
                color=color,
                alpha=0.8,
                linewidths=0,
                label=f"{primary} {word} peer ({int(mask.sum())})",
            )
        ax_pair.set_xlim(lo, hi)
        ax_pair.set_ylim(lo, hi)
        ax_pair.set_aspect("equal")
        ax_pair.set_xlabel(f"{best_peer} (subject mean)")
        ax_pair.set_ylabel(f"{primary} (subject mean)")
        for axis in (ax_pair.xaxis, ax_pair.yaxis):
            axis.set_major_formatter(lambda x, _: f"{100 * x:.0f}%")
        ax_pair.legend(loc="lower right", fontsize=8)
        ax_pair.set_title("Per subject: S2 vs best peer", loc="left")
    return fig


def plot_confusion(predictions: pd.DataFrame, methods: Sequence[str] | None = None):
    """Confusion matrices of pooled out-of-fold predictions, one per method.

    Parameters
    ----------
    predictions : DataFrame
        A run's ``predictions.csv``: columns ``method``, ``y_true``, ``y_pred``.
    methods : sequence of str | None
        The methods to draw, in order; ``None``: the S2 methods' first, else the first.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Each row a true class, normalised to 1 (the diagonal is each class's recall); the
        title gives the pooled accuracy and number of predictions.
    """
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

    pred = _check_table(
        predictions, "predictions", ("method", "y_true", "y_pred"), "plot_confusion"
    )
    pred = pred.assign(y_true=pred["y_true"].astype(str), y_pred=pred["y_pred"].astype(str))
    present = pred["method"].unique().tolist()
    if methods is None:
        s2 = [m for m in present if str(m).startswith("S2")]
        methods = (s2 or present)[:1]
    methods = list(methods)
    unknown = [m for m in methods if m not in present]
    if unknown or not methods:
        raise ValueError(
            f"plot_confusion: `methods` {unknown or methods!r} not in the predictions; "
            f"choose from {present}."
        )
    labels = sorted(set(pred["y_true"]) | set(pred["y_pred"]))
    k = len(labels)
    # room for the matrix and for its class names on both axes
    side = float(np.clip(2.4 + 0.45 * k + 0.06 * max(map(len, labels)), 3.8, 8.0))
    fig = Figure(figsize=(side * len(methods) + 0.6, side), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(methods)))
    for ax, method in zip(axes, methods, strict=True):
        part = pred[pred["method"] == method]
        disp = ConfusionMatrixDisplay.from_predictions(
            part["y_true"],
            part["y_pred"],
            labels=labels,
            normalize="true",
            ax=ax,
            cmap="Blues",
            colorbar=False,
            im_kw={"vmin": 0, "vmax": 1},
            values_format=".0%",
            include_values=k <= _MAX_ANNOTATED_CLASSES,
            xticks_rotation=45 if max(map(len, labels)) > 4 else "horizontal",
        )
        if disp.text_ is not None:
            for text in disp.text_.ravel():
                text.set_fontsize(9 if k <= 6 else 7)
        accuracy = float(np.mean(part["y_true"].to_numpy() == part["y_pred"].to_numpy()))
        ax.set_title(
            f"{method}\npooled accuracy {100 * accuracy:.1f}% (n = {len(part)})", fontsize=10
        )
        if ax is not axes[0]:
            ax.set_ylabel("")
    fig.colorbar(axes[0].images[0], ax=list(axes), label="fraction of the true class", shrink=0.8)
    return fig

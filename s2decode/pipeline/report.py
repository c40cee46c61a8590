"""The report of a pipeline run: figures and one self-contained HTML file.

:func:`write_report` reads a pipeline's output folder (``config.yaml``, ``versions.json``,
``scores.csv``, ``predictions.csv``, ``summary.json``, ``example.nc``; see
``docs/report.md``), draws the figures into ``figures/*.png`` and writes ``report.html``
with every figure inlined as a base64 PNG, so the file can be mailed or archived alone.
Whatever input is missing leaves its section out with a note; nothing in the report needs
JavaScript or the network. A folder that is not a run's output (no ``summary.json`` or
``scores.csv``, :func:`~s2decode.pipeline.outputs.is_run_output`) is refused by
:func:`check_run_output`, so no report lands in an unrelated folder.

:func:`example_dataset` computes what the example-trial figures show (spike raster,
Kuramoto order over time, phase-locking matrix) from a fitted
:class:`~s2decode.estimators.S2Featurizer`, with the phases the featurizer's own features
are computed from. :func:`screenshot` opens a report in headless Chromium (Playwright) and
says whether it rendered cleanly.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .._io_utils import atomic_write, atomic_write_text
from .outputs import OUTPUT_MARKERS, is_run_output

#: Colours of the method families (Okabe-Ito: distinguishable with colour-vision deficits).
FAMILY_COLORS = {"s2": "#d55e00", "stacked": "#cc79a7", "peer": "#0072b2"}
#: How the report names each family.
FAMILY_NAMES = {"s2": "S2", "stacked": "S2 + peer", "peer": "peer"}


def _family(name: Any) -> str:
    """A family of :data:`FAMILY_COLORS` (anything else reads as a peer)."""
    name = str(name).lower()
    return name if name in FAMILY_COLORS else "peer"
#: Files of the output folder the report reads.
REPORT_INPUTS = (
    "summary.json",
    "scores.csv",
    "predictions.csv",
    "example.nc",
    "config.yaml",
    "versions.json",
)
#: Figures the report draws (``figures/<name>.png``), in the order they appear.
FIGURE_NAMES = ("scores", "raster", "order", "connectome", "plv", "confusion")
# Chromium flags for a headless, offline, unprivileged render.
_CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Connectome: the strongest edges kept on the glass brain (one per node, within bounds).
_MIN_EDGES, _MAX_EDGES = 10, 80
_EDGE_CMAP = "YlOrRd"
# The quantity of the phase-locking colour bars (glass-brain edges and matrix).
_PLV_LABEL = "PLV (phase-locking value)"
# Confusion matrices with more classes than this drop the numbers in the cells.
_MAX_ANNOTATED_CLASSES = 12
_FIGURE_DPI = 110
_NO_NETWORK = "(no network)"
_RC = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


# =============================================================================== example
def _n_trials(X: Any) -> int:
    from ..spiketrains import SpikeTrains

    if isinstance(X, SpikeTrains):
        return X.n_trials
    if isinstance(X, xr.DataArray):
        return int(X.sizes["trial"]) if "trial" in X.dims else int(X.shape[0])
    return len(X)


def _one_trial(X: Any, index: int) -> tuple[Any, str, str | None]:
    """Trial ``index`` of X in X's own type, its label and the subject X's attrs name."""
    from ..spiketrains import SpikeTrains

    if isinstance(X, SpikeTrains):
        return X.select_trials([index]), "", None
    if isinstance(X, xr.DataArray):
        dim = "trial" if "trial" in X.dims else X.dims[0]
        one = X.isel({dim: [index]})
        label = ""
        if "y" in X.coords and X.coords["y"].dims == (dim,):
            label = str(X.coords["y"].values[index])
        subject = X.attrs.get("subject")
        return one, label, None if subject is None else str(subject)
    if isinstance(X, pd.DataFrame):
        return X.iloc[[index]], "", None
    if hasattr(X, "get_data") and hasattr(X, "event_id"):  # mne.Epochs
        code = int(X.events[index, 2])
        names = {value: key for key, value in X.event_id.items()}
        return X[[index]], str(names.get(code, code)), None
    return np.asarray(X)[index : index + 1], "", None


def example_dataset(featurizer, trials, index: int = 0, subject: str | None = None) -> xr.Dataset:
    """Diagnostics of one trial through a fitted S2-Net: raster, order parameter, PLV.

    The trial is simulated with the featurizer's network, configuration and seed
    (:meth:`S2Featurizer.simulate <s2decode.estimators.S2Featurizer.simulate>`); phases are
    the spike-history phases its features use (``method="history"`` of
    :func:`s2decode.sync.spike_phases` with ``f_omega_`` and ``config_.T_w``, sampled every
    2 ms over the trial), so the time mean of ``order`` is the trial's ``kuramoto_mean``
    feature when the featurizer has one window.

    Parameters
    ----------
    featurizer : S2Featurizer | S2Decoder | S2Regressor
        Fitted; a decoder's ``featurizer_`` is used.
    trials : DataArray | ndarray | DataFrame | mne.Epochs | SpikeTrains
        Trials of the kind the featurizer was fitted on (signals, static patterns or
        spikes); only trial ``index`` is simulated.
    index : int
        Position of the trial in ``trials``.
    subject : str | None
        Subject to record in the attributes; ``None`` takes ``trials.attrs["subject"]``
        where present.

    Returns
    -------
    example : xarray.Dataset
        ``spike_time`` and ``spike_node`` (index into ``node``) over dim ``spike``: the
        raster, in network seconds; ``order`` over ``("group", "time")``: the Kuramoto
        order parameter ``R(t)`` of all nodes (group ``"global"``) and of each network
        (groups sorted; nodes without a network form ``"none"``; no per-network rows
        without two networks), NaN where no node has fired yet; ``plv`` over
        ``("node", "node_to")``: the phase-locking value of every pair over the trial
        (:func:`s2decode.sync.phase_locking_matrix`: symmetric, in [0, 1], diagonal 1 for
        nodes that fired, NaN for silent ones); ``rate`` (Hz) and ``f_omega`` (Hz) per
        node; coords ``mni_x``, ``mni_y``, ``mni_z`` (NaN without positions) and
        ``network`` (``""`` without networks) on ``node``. Attributes: ``subject``,
        ``trial``, ``y`` (the trial's label as a string, ``""`` when unknown),
        ``duration`` and ``t_start`` (network s), ``mean_rate`` (Hz), ``n_spikes``,
        ``input_kind``, ``time_scale``, ``T_w``.

    Examples
    --------
    >>> from s2decode.datasets import load                                # doctest: +SKIP
    >>> trials = load("synthetic", n_trials=8, duration=0.5)              # doctest: +SKIP
    >>> fz = S2Featurizer(random_state=0).fit(trials)                     # doctest: +SKIP
    >>> example_dataset(fz, trials, index=3).to_netcdf("example.nc")      # doctest: +SKIP
    """
    from sklearn.utils.validation import check_is_fitted

    from .. import sync
    from ..estimators import S2Featurizer
    from ..estimators import features as _features

    fz = getattr(featurizer, "featurizer_", featurizer)
    if not isinstance(fz, S2Featurizer):
        raise TypeError(
            "`featurizer` must be a fitted S2Featurizer (or an S2Decoder/S2Regressor), got "
            f"{type(featurizer).__name__}."
        )
    check_is_fitted(fz, "config_")
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise TypeError(f"`index` must be an integer trial position, got {index!r}.")
    n_trials = _n_trials(trials)
    if not -n_trials <= index < n_trials:
        raise IndexError(f"`index`={index} is out of range for {n_trials} trials.")
    index = int(index) % n_trials
    one, label, data_subject = _one_trial(trials, index)
    if subject is None:
        subject = data_subject

    spikes = fz.simulate(one)
    names = [str(s) for s in fz.node_names_]
    n = len(names)
    networks = fz.node_networks_
    t0, t1 = spikes.t_start, spikes.t_stop
    duration = t1 - t0
    # the sampling of S2Featurizer.transform for a single whole-trial window
    window = np.array([[t0, t1]])
    times = _features.phase_times(window, min(_features.PHASE_STEP, duration / 10))
    omega = 2 * np.pi * np.asarray(fz.f_omega_, dtype=float)
    phases = sync.spike_phases(spikes, times, method="history", omega=omega, memory=fz.config_.T_w)[
        0
    ]
    labels, groups = _features.kuramoto_groups(networks)
    kura = sync.kuramoto_order(phases, labels)
    order = kura.order[np.newaxis]
    if kura.group_order is not None:
        order = np.concatenate([order, kura.group_order], axis=0)
    plv = sync.phase_locking_matrix(phases)

    counts = spikes.spike_counts()[0]
    spike_node = np.repeat(np.arange(n, dtype=np.int64), counts)
    coords = np.full((n, 3), np.nan) if fz.node_coords_ is None else np.asarray(fz.node_coords_)
    nets = [""] * n if networks is None else [str(s) for s in networks]
    return xr.Dataset(
        {
            "spike_time": ("spike", spikes.times.copy(), {"units": "s"}),
            "spike_node": ("spike", spike_node),
            "order": (("group", "time"), order),
            "plv": (("node", "node_to"), plv),
            "rate": ("node", counts / duration, {"units": "Hz"}),
            "f_omega": ("node", np.asarray(fz.f_omega_, dtype=float), {"units": "Hz"}),
        },
        coords={
            "node": np.array(names, dtype=str),
            "node_to": np.array(names, dtype=str),
            "group": np.array(["global", *groups], dtype=str),
            "time": ("time", times, {"units": "s"}),
            "mni_x": ("node", coords[:, 0]),
            "mni_y": ("node", coords[:, 1]),
            "mni_z": ("node", coords[:, 2]),
            "network": ("node", np.array(nets, dtype=str)),
        },
        attrs={
            "description": "S2-Net diagnostics of one trial (s2decode.pipeline.report)",
            "subject": "" if subject is None else str(subject),
            "trial": index,
            "y": label,
            "duration": float(duration),
            "t_start": float(t0),
            "mean_rate": float(counts.sum() / (n * duration)) if n else 0.0,
            "n_spikes": int(counts.sum()),
            "input_kind": str(fz.input_kind_),
            "time_scale": float(fz.config_.time_scale),
            "T_w": float(fz.config_.T_w),
        },
    )


# ============================================================================ the folder
@dataclass
class _Figure:
    name: str
    png: bytes
    alt: str
    caption: str


@dataclass
class _Inputs:
    """What could be read from the output folder (``None`` where absent) and the notes."""

    out: Path
    summary: dict | None
    scores: pd.DataFrame | None
    predictions: pd.DataFrame | None
    example: xr.Dataset | None
    config_text: str | None
    config: dict | None
    versions: dict | None
    problems: dict[str, str]


def _read(path: Path, reader: Callable[[Path], Any], problems: dict[str, str]) -> Any:
    if not path.is_file():
        problems[path.name] = "missing"
        return None
    try:
        return reader(path)
    except Exception as err:  # a damaged input costs its section, not the report
        problems[path.name] = f"unreadable ({type(err).__name__}: {err})"
        return None


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    table = pd.read_csv(path, dtype={"subject": str, "method": str, "family": str})
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ValueError(f"columns {missing} are missing")
    return table


def _read_json_object(path: Path) -> dict:
    value = json.loads(path.read_text())
    if not isinstance(value, dict):
        raise ValueError(f"a JSON object was expected, got {type(value).__name__}")
    return value


def _read_example(path: Path) -> xr.Dataset:
    ds = xr.load_dataset(path, engine="h5netcdf")
    missing = [v for v in ("spike_time", "spike_node", "order", "plv") if v not in ds]
    if missing:
        raise ValueError(f"variables {missing} are missing")
    return ds


def _read_inputs(out: Path) -> _Inputs:
    import yaml

    problems: dict[str, str] = {}
    scores = _read(
        out / "scores.csv", lambda p: _read_csv(p, ("subject", "fold", "method")), problems
    )
    predictions = _read(
        out / "predictions.csv",
        lambda p: _read_csv(p, ("subject", "method", "y_true", "y_pred")),
        problems,
    )
    if predictions is not None:
        for col in ("y_true", "y_pred"):
            predictions[col] = predictions[col].astype(str)
    config_text = _read(out / "config.yaml", lambda p: p.read_text(), problems)
    config = None
    if config_text is not None:
        try:
            config = yaml.safe_load(config_text)
        except yaml.YAMLError as err:
            problems["config.yaml"] = f"not valid YAML ({err})"
    return _Inputs(
        out=out,
        summary=_read(out / "summary.json", _read_json_object, problems),
        scores=scores,
        predictions=predictions,
        example=_read(out / "example.nc", _read_example, problems),
        config_text=config_text,
        config=config if isinstance(config, dict) else None,
        versions=_read(out / "versions.json", _read_json_object, problems),
        problems=problems,
    )


# ================================================================================ scores
def _scoring(inp: _Inputs) -> str:
    if inp.summary and inp.summary.get("scoring"):
        return str(inp.summary["scoring"])
    if inp.config and inp.config.get("scoring"):
        return str(inp.config["scoring"])
    return "accuracy"


def _subject_means(scores: pd.DataFrame, col: str) -> pd.DataFrame:
    return scores.groupby(["method", "subject"], sort=False)[col].mean().reset_index()


def _sd(values: np.ndarray) -> float:
    # sample sd, as the runner's summary (s2decode.pipeline.run.summarize_scores)
    return float(np.std(values, ddof=1)) if values.size > 1 else 0.0


def _method_table(scores: pd.DataFrame, summary: dict | None, col: str) -> pd.DataFrame:
    """One row per method: family, mean, sd (the summary's, else recomputed), folds, time.

    Recomputed as the runner does: over subjects' fold means with several subjects each
    tested in several folds (within-subject CV), over folds otherwise.
    """
    per_subject = _subject_means(scores, col)
    rows = []
    for method, part in scores.groupby("method", sort=False):
        subj = per_subject.loc[per_subject["method"] == method, col].to_numpy(float)
        folds = part[col].to_numpy(float)
        values = subj if subj.size > 1 and part["fold"].nunique() > 1 else folds
        family = part["family"].iloc[0] if "family" in part else "peer"
        rows.append(
            {
                "method": method,
                "family": _family(family),
                "mean": float(np.mean(values)),
                "sd": _sd(values),
                "n_folds": len(part),
                "seconds": float(part["seconds"].mean()) if "seconds" in part else np.nan,
            }
        )
    table = pd.DataFrame(rows).set_index("method")
    official = (summary or {}).get("methods") or {}
    for method, entry in official.items():
        if method in table.index and isinstance(entry, dict):
            for key in ("mean", "sd"):
                if entry.get(key) is not None:
                    table.loc[method, key] = float(entry[key])
            if entry.get("family"):
                table.loc[method, "family"] = _family(entry["family"])
    # S2 methods first, then the fused ones, then the peers; each by decreasing mean
    table["_order"] = table["family"].map({f: i for i, f in enumerate(FAMILY_COLORS)})
    table = table.sort_values(["_order", "mean"], ascending=[True, False]).drop(columns="_order")
    return table


def _primary(table: pd.DataFrame) -> tuple[str | None, str | None]:
    """The S2Decoder row (else the best S2 method) and the best peer."""
    s2 = table.index[table["family"] == "s2"]
    peers = table.index[table["family"] == "peer"]
    primary = "S2Decoder" if "S2Decoder" in s2 else (s2[0] if len(s2) else None)
    return primary, (peers[0] if len(peers) else None)


def _chance(inp: _Inputs, col: str) -> float | None:
    value = (inp.summary or {}).get("chance")
    if isinstance(value, int | float) and np.isfinite(value):
        return float(value)
    pred = inp.predictions
    if pred is None or pred.empty:
        return None
    from ..scoring import chance_level

    # one method's predictions cover every test trial once
    first = pred[pred["method"] == pred["method"].iloc[0]]
    return chance_level(first["y_true"].to_numpy(), col)


def _pct(value: float) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{100 * value:.1f}"


@dataclass(frozen=True)
class _ScoresDrawn:
    """What the score figure shows, for a caption that describes exactly that."""

    subject_marks: bool  # triangles: each subject's fold mean
    chance: bool  # the dashed chance line
    paired: bool  # the right panel: S2 against the best peer per subject


def _scores_figure(scores, col, table, chance, primary, best_peer):
    """The score figure and a :class:`_ScoresDrawn` of its panels and marks."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    methods = list(table.index)
    per_subject = _subject_means(scores, col)
    n_subjects = scores["subject"].nunique()
    both = pd.DataFrame()
    if n_subjects >= 2 and primary is not None and best_peer is not None:
        a = per_subject[per_subject["method"] == primary].set_index("subject")[col]
        b = per_subject[per_subject["method"] == best_peer].set_index("subject")[col]
        both = pd.concat([a.rename("s2"), b.rename("peer")], axis=1).dropna()
    paired = len(both) >= 2
    height = max(2.6, 0.45 * len(methods) + 1.4)
    fig = Figure(figsize=(10.5 if paired else 8.0, height), layout="constrained")
    if paired:
        ax, ax_pair = fig.subplots(1, 2, width_ratios=[1.9, 1])
    else:
        ax, ax_pair = fig.subplots(), None
    rng = np.random.default_rng(0)  # jitter of the dots only
    many_folds = scores.groupby("method")["fold"].nunique().max() > 1
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
        if n_subjects > 1 and many_folds:
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
    if n_subjects > 1 and many_folds:
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
    drawn = _ScoresDrawn(
        subject_marks=bool(n_subjects > 1 and many_folds), chance=chance is not None, paired=paired
    )
    return fig, drawn


def _scores_caption(drawn: _ScoresDrawn) -> str:
    """The caption of the score figure: its panels and marks, and nothing that is not drawn."""
    over = "subjects' fold means" if drawn.subject_marks else "folds"
    parts = [
        ("Left: each" if drawn.paired else "Each")
        + " method's score on every test fold (dots)"
        + (", each subject's mean over its folds (triangles)" if drawn.subject_marks else "")
        + f", the mean over {over} ± sd (black)"
        + (", chance (dashed)" if drawn.chance else "")
        + ". Orange: S2-Net methods, blue: peer baselines."
    ]
    if drawn.paired:
        parts.append(
            "Right: each subject's mean score of the S2 decoder against the best peer; points "
            "above the diagonal are subjects where S2 wins."
        )
    return " ".join(parts)


def _scores_html(table: pd.DataFrame, best_peer: str | None, col: str) -> str:
    best = table.loc[best_peer, "mean"] if best_peer is not None else np.nan
    head = (
        f"<tr><th>method</th><th>family</th><th>{html.escape(col)} (%) mean ± sd</th>"
        "<th>vs best peer (points)</th><th>folds</th><th>fit + test per fold (s)</th></tr>"
    )
    rows = []
    for method, r in table.iterrows():
        diff = 100 * (r["mean"] - best)
        if method == best_peer:
            versus = "best peer"
        elif np.isfinite(diff):
            versus = f"{diff:+.1f}"
        else:
            versus = "n/a"
        seconds = "n/a" if not np.isfinite(r["seconds"]) else f"{r['seconds']:.3g}"
        rows.append(
            f'<tr class="{r["family"]}"><td>{html.escape(str(method))}</td>'
            f"<td>{FAMILY_NAMES[r['family']]}</td>"
            f'<td class="num">{_pct(r["mean"])} ± {_pct(r["sd"])}</td>'
            f'<td class="num">{versus}</td><td class="num">{int(r["n_folds"])}</td>'
            f'<td class="num">{seconds}</td></tr>'
        )
    return f'<table class="scores">{head}{"".join(rows)}</table>'


# =============================================================================== example
def _network_colors(networks: list[str]) -> dict[str, Any]:
    from matplotlib import colormaps

    names = sorted(set(networks) - {_NO_NETWORK})
    cmap = colormaps["tab10" if len(names) <= 10 else "tab20"]
    colors = {name: cmap(i % cmap.N) for i, name in enumerate(names)}
    colors[_NO_NETWORK] = (0.45, 0.45, 0.45, 1.0)
    return colors


def _text_color(color) -> tuple:
    """A colour dark enough for text on white (pastel network colours darkened)."""
    from matplotlib.colors import to_rgb

    rgb = np.array(to_rgb(color))
    luminance = float(rgb @ [0.2126, 0.7152, 0.0722])
    return tuple(rgb * min(1.0, 0.55 / luminance)) if luminance > 0.55 else tuple(rgb)


def _node_layout(ex: xr.Dataset) -> tuple[np.ndarray, list[str], dict[str, Any]]:
    """Node order grouped by network (sorted, as the order parameter's groups), networks."""
    raw = ex["network"].values.astype(str) if "network" in ex.coords else [""] * ex.sizes["node"]
    nets = [s if s else _NO_NETWORK for s in raw]
    order = np.array(sorted(range(len(nets)), key=lambda i: (nets[i] == _NO_NETWORK, nets[i])))
    return order, nets, _network_colors(nets)


def _blocks(sorted_nets: list[str]) -> list[tuple[str, int, int]]:
    """(network, first, stop) of consecutive runs."""
    out, start = [], 0
    for i in range(1, len(sorted_nets) + 1):
        if i == len(sorted_nets) or sorted_nets[i] != sorted_nets[start]:
            out.append((sorted_nets[start], start, i))
            start = i
    return out


def _label_blocks(ax, blocks, colors, axis: str, n: int) -> None:
    """Network names at the centre of their block of nodes, separators between blocks."""
    centers = [(a + b - 1) / 2 for _, a, b in blocks]
    names = [name for name, _, _ in blocks]
    setter = ax.set_yticks if axis == "y" else ax.set_xticks
    setter(centers, names, fontsize=8 if len(blocks) <= 14 else 6.5)
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    for tick, name in zip(labels, names, strict=True):
        tick.set_color(_text_color(colors[name]))
    if axis == "x":
        ax.tick_params(axis="x", labelrotation=90)
    line = ax.axhline if axis == "y" else ax.axvline
    for _, a, _ in blocks[1:]:
        line(a - 0.5, color="0.75", lw=0.6)
    ax.tick_params(axis=axis, length=0)


def _raster_figure(ex: xr.Dataset):
    from matplotlib.figure import Figure

    order, nets, colors = _node_layout(ex)
    n = len(nets)
    row_of = np.empty(n, dtype=int)
    row_of[order] = np.arange(n)
    sorted_nets = [nets[i] for i in order]
    blocks = _blocks(sorted_nets)
    height = float(np.clip(1.6 + 0.022 * n, 3.0, 7.5))
    fig = Figure(figsize=(10.5, height), layout="constrained")
    ax, ax_rate = fig.subplots(1, 2, sharey=True, width_ratios=[6, 1])
    node = ex["spike_node"].values.astype(int)
    t = ex["spike_time"].values
    spike_colors = [colors[nets[i]] for i in node]
    row_points = 72 * 0.8 * height / max(n, 1)  # points per node row
    ax.scatter(
        t,
        row_of[node],
        marker="|",
        s=min(max(row_points, 1.5), 12) ** 2,
        c=spike_colors,
        linewidths=0.9 if n < 60 else 0.6,
    )
    t0, dur = float(ex.attrs.get("t_start", 0.0)), float(ex.attrs.get("duration", np.nan))
    if np.isfinite(dur):
        ax.set_xlim(t0, t0 + dur)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel("time (s)")
    if "network" in ex.coords and any(s != _NO_NETWORK for s in nets):
        _label_blocks(ax, blocks, colors, "y", n)
    elif n <= 20:
        ax.set_yticks(range(n), [str(ex["node"].values[i]) for i in order], fontsize=7)
    else:
        ax.set_ylabel("node")
    rate = ex["rate"].values[order] if "rate" in ex else np.zeros(n)
    ax_rate.barh(np.arange(n), rate, height=1.0, color=[colors[s] for s in sorted_nets])
    ax_rate.set_xlabel("rate (Hz)")
    ax_rate.tick_params(axis="y", left=False)
    ax.set_title(_example_title(ex), loc="left")
    return fig


def _example_title(ex: xr.Dataset) -> str:
    parts = []
    if ex.attrs.get("subject") not in (None, "", "-"):  # "-": a dataset without subjects
        parts.append(f"subject {ex.attrs['subject']}")
    parts.append(f"trial {ex.attrs.get('trial', '?')}")
    if ex.attrs.get("y") not in (None, ""):
        parts.append(f"label {ex.attrs['y']}")
    parts.append(f"{int(ex.attrs.get('n_spikes', ex.sizes['spike']))} spikes")
    if "mean_rate" in ex.attrs:
        parts.append(f"mean rate {float(ex.attrs['mean_rate']):.1f} Hz")
    return ", ".join(parts)


def _order_figure(ex: xr.Dataset):
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    order = ex["order"]
    time = ex["time"].values
    groups = [str(g) for g in ex["group"].values]
    nets = groups[1:]
    _, node_nets, colors = _node_layout(ex)
    # kuramoto_groups names the nodes without a network "none"
    labels = [_NO_NETWORK if g == "none" and g not in node_nets else g for g in nets]
    grey = colors[_NO_NETWORK]
    r_global = order.sel(group="global").values
    as_lines = len(nets) <= 5
    fig = Figure(figsize=(10.5, 3.2 if as_lines else 3.0 + 0.17 * len(nets)), layout="constrained")
    if as_lines:
        ax, ax_map = fig.subplots(), None
    else:
        ax, ax_map = fig.subplots(2, 1, sharex=True, height_ratios=[1, 0.35 + 0.1 * len(nets)])
    if as_lines:  # more networks go to the heatmap below: a legible legend of lines
        for name, label in zip(nets, labels, strict=True):
            color = colors.get(label, grey)
            ax.plot(time, order.sel(group=name).values, lw=1.1, color=color, label=label)
    ax.plot(time, r_global, lw=2.0, color="black", label="global")
    mean = np.nanmean(r_global) if np.isfinite(r_global).any() else np.nan
    if np.isfinite(mean):
        ax.axhline(mean, color="black", ls=":", lw=1)
    ax.set_ylim(0, 1.02)
    ax.grid(axis="y", color="0.92")
    if as_lines:
        ax.set_ylabel("Kuramoto R(t)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    else:
        ax.set_ylabel("global R(t)")
    sd = np.nanstd(r_global) if np.isfinite(r_global).any() else np.nan
    ax.set_title(
        f"Order parameter of the spike-history phases: global mean {mean:.2f}, "
        f"metastability (sd) {sd:.2f}",
        loc="left",
    )
    if ax_map is not None:
        values = np.ma.masked_invalid(order.sel(group=nets).values)
        step = time[1] - time[0] if time.size > 1 else 1.0
        image = ax_map.imshow(
            values,
            aspect="auto",
            interpolation="nearest",
            cmap=colormaps["viridis"].with_extremes(bad="0.85"),  # grey: undefined
            vmin=0,
            vmax=1,
            extent=(time[0] - step / 2, time[-1] + step / 2, len(nets) - 0.5, -0.5),
        )
        ax_map.set_yticks(range(len(nets)), labels, fontsize=7.5)
        for tick, label in zip(ax_map.get_yticklabels(), labels, strict=True):
            tick.set_color(_text_color(colors.get(label, grey)))
        fig.colorbar(image, ax=ax_map, label="R(t) per network", pad=0.01)
        ax_map.set_xlabel("time (s)")
    else:
        ax.set_xlabel("time (s)")
    return fig


def _plv_values(ex: xr.Dataset) -> np.ndarray:
    plv = np.nan_to_num(ex["plv"].values.astype(float), nan=0.0)
    np.fill_diagonal(plv, 0.0)
    return plv


def _has_positions(ex: xr.Dataset) -> bool:
    if not all(c in ex.coords for c in ("mni_x", "mni_y", "mni_z")):
        return False
    xyz = np.column_stack([ex[c].values for c in ("mni_x", "mni_y", "mni_z")]).astype(float)
    return xyz.shape[0] >= 2 and bool(np.all(np.isfinite(xyz)))


def _connectome_figure(ex: xr.Dataset) -> tuple[Any, int, float]:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from nilearn.plotting import plot_connectome

    _, nets, colors = _node_layout(ex)
    plv = _plv_values(ex)
    n = plv.shape[0]
    upper = plv[np.triu_indices(n, 1)]
    n_edges = int(min(upper.size, np.clip(n, _MIN_EDGES, _MAX_EDGES)))
    threshold = float(np.sort(upper)[-n_edges]) if n_edges else 0.0
    top = float(upper.max()) if upper.size else 1.0
    kept = np.where(plv >= threshold, plv, 0.0) if top > 0 else plv
    xyz = np.column_stack([ex[c].values for c in ("mni_x", "mni_y", "mni_z")]).astype(float)
    vmax = max(top, threshold + 1e-6)
    fig = Figure(figsize=(10.5, 3.6))
    plot_connectome(
        kept,
        xyz,
        node_color=[colors[s] for s in nets],
        node_size=float(np.clip(600 / max(n, 1), 6, 40)),
        edge_cmap=_EDGE_CMAP,
        edge_vmin=threshold,
        edge_vmax=vmax,
        edge_kwargs={"linewidth": 1.4},
        display_mode="lzry",
        colorbar=False,  # nilearn's is unlabelled, ticked at uneven fractions of the range
        figure=fig,
        axes=(0.0, 0.0, 0.9, 1.0),
    )
    _edge_colorbar(fig, threshold, vmax)
    shown = sorted(set(nets), key=lambda s: (s == _NO_NETWORK, s))
    if len(shown) > 1:
        handles = [Patch(color=colors[s], label=s) for s in shown]
        fig.legend(
            handles=handles,
            loc="lower center",
            ncols=min(len(shown), 7),
            fontsize=7.5,
            bbox_to_anchor=(0.45, -0.03),
        )
    return fig, n_edges, threshold


def _edge_colorbar(fig, vmin: float, vmax: float):
    """The glass brain's colour bar: the edges' PLV, labelled, with round, evenly spaced ticks."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.ticker import MaxNLocator

    cax = fig.add_axes((0.915, 0.12, 0.014, 0.76))
    mappable = ScalarMappable(norm=Normalize(vmin, vmax), cmap=_EDGE_CMAP)
    cbar = fig.colorbar(mappable, cax=cax, ticks=MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    cbar.set_label(_PLV_LABEL)
    cbar.ax.tick_params(labelsize=8)
    return cbar


def _plv_figure(ex: xr.Dataset):
    from matplotlib.figure import Figure

    order, nets, colors = _node_layout(ex)
    plv = ex["plv"].values.astype(float)[np.ix_(order, order)]
    n = plv.shape[0]
    sorted_nets = [nets[i] for i in order]
    size = float(np.clip(3.5 + 0.01 * n, 4.5, 7.0))
    fig = Figure(figsize=(size + 1.6, size), layout="constrained")
    ax = fig.subplots()
    from matplotlib import colormaps

    cmap = colormaps["viridis"].with_extremes(bad="0.8")  # grey: undefined (a silent node)
    image = ax.imshow(np.ma.masked_invalid(plv), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    if any(s != _NO_NETWORK for s in nets):
        blocks = _blocks(sorted_nets)
        _label_blocks(ax, blocks, colors, "y", n)
        _label_blocks(ax, blocks, colors, "x", n)
    elif n <= 30:
        names = [str(ex["node"].values[i]) for i in order]
        ax.set_yticks(range(n), names, fontsize=7)
        ax.set_xticks(range(n), names, fontsize=7, rotation=90)
    else:
        ax.set_xlabel("node")
        ax.set_ylabel("node")
    ax.spines[:].set_visible(False)
    fig.colorbar(image, ax=ax, label=_PLV_LABEL, shrink=0.85)
    ax.set_title("Phase locking of node pairs", loc="left")
    return fig


# ============================================================================= confusion
def _confusion_figure(pred: pd.DataFrame, methods: list[str]):
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

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


# ================================================================================== HTML
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: #1f2328; line-height: 1.5; max-width: 1180px; margin: 0 auto;
       padding: 1.5rem 2rem 4rem; background: #fff; }
h1 { font-size: 1.8rem; margin: 0.5rem 0 0.2rem; }
h1 + p.lead { margin-top: 0; color: #57606a; }
h2 { font-size: 1.3rem; border-bottom: 1px solid #d0d7de; padding-bottom: 0.3rem;
     margin-top: 2.4rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1.5rem;
          margin: 1rem 0; }
dl.meta dt { font-weight: 600; color: #57606a; }
dl.meta dd { margin: 0; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.95rem; }
th, td { padding: 0.35rem 0.9rem; border-bottom: 1px solid #e5e7eb; text-align: left; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.s2 td:first-child { border-left: 4px solid #d55e00; font-weight: 600; }
tr.peer td:first-child { border-left: 4px solid #0072b2; }
figure { margin: 1.2rem 0 1.8rem; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.9rem; color: #57606a; margin-top: 0.4rem; max-width: 60rem; }
p.note { background: #fff8c5; border-left: 4px solid #d4a72c; padding: 0.5rem 0.9rem; }
details { margin: 1rem 0; }
summary { cursor: pointer; font-weight: 600; }
pre { background: #f6f8fa; padding: 1rem; overflow: auto; font-size: 0.85rem;
      border-radius: 6px; }
code { font-size: 0.9em; }
footer { margin-top: 3rem; font-size: 0.85rem; color: #57606a; }
"""


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _figure_html(fig: _Figure) -> str:
    data = base64.b64encode(fig.png).decode("ascii")
    return (
        f'<figure id="fig-{fig.name}"><img src="data:image/png;base64,{data}" '
        f'alt="{_esc(fig.alt)}"><figcaption>{fig.caption}</figcaption></figure>'
    )


def _note(text: str) -> str:
    return f'<p class="note">{text}</p>'


def _missing(inp: _Inputs, name: str) -> str:
    why = inp.problems.get(name, "missing")
    return f"<code>{_esc(name)}</code> is {_esc(why)}"


def _duration_text(seconds: Any) -> str:
    try:
        s = float(seconds)
    except (TypeError, ValueError):
        return "n/a"
    if not np.isfinite(s):
        return "n/a"
    if s < 60:
        return f"{s:.1f} s"
    h, rest = divmod(round(s), 3600)
    m, sec = divmod(rest, 60)
    return f"{h} h {m:02d} min {sec:02d} s" if h else f"{m} min {sec:02d} s"


def _plus_minus(text: Any) -> str:
    """``"mean +- sd"`` (the runner's plain-ASCII summary) as ``"mean ± sd"``."""
    return "" if text is None else str(text).replace("+-", "±").replace("+/-", "±")


def _machine_text(text: Any) -> str:
    """The machine line without empty parts (``"...; 2 CPUs; "`` of earlier runs)."""
    parts = [p.strip() for p in str(text or "").split(";")]
    return "; ".join(p for p in parts if p) or "n/a"


def _header(inp: _Inputs, col: str, chance: float | None) -> tuple[str, str]:
    """Title and the HTML of the run's description."""
    summary, config, versions = inp.summary or {}, inp.config or {}, inp.versions or {}
    dataset_cfg = config.get("dataset") if isinstance(config.get("dataset"), dict) else {}
    name = summary.get("name") or config.get("name") or inp.out.name
    dataset = summary.get("dataset") or dataset_cfg.get("name") or "n/a"
    cv = summary.get("cv")
    if cv is None and isinstance(config.get("cv"), dict):
        cv = ", ".join(f"{k}={v}" for k, v in config["cv"].items())
    n_subjects = summary.get("n_subjects")
    n_trials = summary.get("n_trials")
    if inp.scores is not None:
        n_subjects = n_subjects if n_subjects is not None else inp.scores["subject"].nunique()
    units = "n/a"
    if summary.get("cached_units") is not None or summary.get("computed_units") is not None:
        units = (
            f"{summary.get('computed_units', 'n/a')} computed, "
            f"{summary.get('cached_units', 'n/a')} read from the cache"
        )
    version_text = ", ".join(f"{_esc(k)} {_esc(v)}" for k, v in versions.items() if k != "machine")
    items = [
        ("dataset", _esc(dataset)),
        ("cross-validation", _esc(cv or "n/a")),
        ("scoring", _esc(col.replace("_", " "))),
        ("aggregation", _esc(_plus_minus(summary.get("aggregation")) or "n/a")),
        ("chance", "n/a" if chance is None else f"{100 * chance:.1f}%"),
        ("subjects / trials", f"{_esc(n_subjects or 'n/a')} / {_esc(n_trials or 'n/a')}"),
        ("units (subject &times; fold)", _esc(units)),
        ("started", _esc(summary.get("started", "n/a"))),
        ("wall time", _duration_text(summary.get("wall_seconds"))),
        ("machine", _esc(_machine_text(summary.get("machine") or versions.get("machine")))),
        ("versions", version_text or "n/a"),
    ]
    parts = ['<dl class="meta">']
    parts += [f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items]
    parts.append("</dl>")
    description = summary.get("description") or config.get("description")
    if description:
        parts.insert(0, f'<p class="lead">{_esc(description)}</p>')
    if inp.config_text is not None:
        parts.append(
            "<details><summary>Resolved configuration (<code>config.yaml</code>)</summary>"
            f"<pre>{_esc(inp.config_text)}</pre></details>"
        )
    else:
        parts.append(_note(f"{_missing(inp, 'config.yaml')}: the configuration is not shown."))
    return str(name), "\n".join(parts)


def _render(fig, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _example_sections(inp: _Inputs, make) -> list[str]:
    ex = inp.example
    if ex is None:
        return [
            '<h2 id="example">Example trial</h2>',
            _note(
                f"{_missing(inp, 'example.nc')}: no spike raster, order parameter or phase "
                "locking to show."
            ),
        ]
    scale = float(ex.attrs.get("time_scale", 1.0))
    time_note = (
        ""
        if np.isclose(scale, 1.0)
        else f" Network time is data time &times; {scale:g} (the configuration's time scale)."
    )
    f_omega = ex["f_omega"].values if "f_omega" in ex else np.array([np.nan])
    lead = (
        f"S2-Net driven by one trial ({_esc(ex.attrs.get('input_kind', 'n/a'))} input): "
        f"{ex.sizes['node']} nodes, {float(ex.attrs.get('duration', np.nan)):g} s of network "
        f"time. Phases are those of the neurons' spike-history traces (memory T<sub>w</sub> = "
        f"{1e3 * float(ex.attrs.get('T_w', np.nan)):g} ms, intrinsic frequencies "
        f"{np.nanmin(f_omega):.1f}&ndash;{np.nanmax(f_omega):.1f} Hz), as in the features."
    )
    out = ['<h2 id="example">Example trial</h2>', f"<p>{lead}</p>"]
    out.append(
        make(
            "raster",
            _raster_figure,
            ex,
            alt=f"Spike raster of S2-Net for {_example_title(ex)}",
            caption="Spikes of every S2-Net neuron (one row per node, grouped and coloured by "
            "network) while the trial drives the network; right: each node's firing rate."
            + time_note,
        )
    )
    out.append(
        make(
            "order",
            _order_figure,
            ex,
            alt="Kuramoto order parameter R(t) over time, globally and per network",
            caption="Kuramoto order parameter R(t) of the neurons' spike-history phases "
            "(1: all in phase, 0: no common phase), of all nodes (black; dotted: its mean) "
            "and within each network. Its time mean and standard deviation are the "
            "<code>kuramoto_mean</code> and <code>kuramoto_metastability</code> features. "
            "Undefined until a group's first spike.",
        )
    )
    out.append('<h2 id="connectome">Phase locking</h2>')
    if _has_positions(ex):
        fig_conn = make(
            "connectome",
            _connectome_figure,
            ex,
            alt="Phase-locking connectome of the example trial on a glass brain",
            caption=lambda info: (
                f"The {info[0]} most phase-locked node pairs (PLV ≥ {info[1]:.2f}) of the "
                "example trial on a glass brain (left, top, right, front views); nodes "
                "coloured by network."
            ),
        )
        out.append(fig_conn)
    else:
        out.append(_note("The nodes have no MNI coordinates: the phase locking is a matrix only."))
    out.append(
        make(
            "plv",
            _plv_figure,
            ex,
            alt="Heatmap of the phase-locking value of every node pair",
            caption="Phase-locking value "
            "|⟨exp(i(φ<sub>i</sub> &minus; φ<sub>j</sub>))⟩<sub>t</sub>| of every pair of nodes "
            "over the example trial, nodes grouped by network (grey: "
            "undefined, a node that did not fire). The <code>plv</code> features average "
            "these blocks per network pair.",
        )
    )
    return out


def check_run_output(out_dir: str | os.PathLike) -> None:
    """Refuse a folder that is not the output of a pipeline run, saying what is expected.

    Parameters
    ----------
    out_dir : path-like
        The folder to report on.

    Raises
    ------
    FileNotFoundError
        Where ``out_dir`` does not exist, or holds none of
        :data:`~s2decode.pipeline.outputs.OUTPUT_MARKERS` (``summary.json``, ``scores.csv``).
    NotADirectoryError
        Where ``out_dir`` is a file.
    """
    out = Path(out_dir)
    if is_run_output(out):
        return
    expected = (
        "give the folder `s2decode run` wrote (its --out, default results/<pipeline name>), "
        f"which holds {' and '.join(OUTPUT_MARKERS)}; "
        "`s2decode run pipelines/quickstart.yaml --out results/quickstart` makes one"
    )
    if not out.exists():
        raise FileNotFoundError(f"{out} does not exist: {expected}.")
    if not out.is_dir():
        raise NotADirectoryError(f"{out} is a file, not a folder: {expected}.")
    names = sorted(p.name for p in out.iterdir())
    held = "is empty" if not names else "holds " + ", ".join(names[:3])
    if len(names) > 3:
        held += f" and {len(names) - 3} more"
    raise FileNotFoundError(
        f"{out} is not the output folder of a pipeline run (it {held}, but no "
        f"{' or '.join(OUTPUT_MARKERS)}): {expected}."
    )


def write_report(out_dir: str | os.PathLike, *, dpi: int = _FIGURE_DPI) -> Path:
    """Draw the figures of a pipeline's output folder and write its HTML report.

    Parameters
    ----------
    out_dir : path-like
        The output folder of a pipeline run (``docs/report.md`` lists what it holds): a
        folder with ``summary.json`` or ``scores.csv``. Any other input may be missing: its
        section is left out with a note.
    dpi : int
        Resolution of the figures.

    Returns
    -------
    report : pathlib.Path
        ``out_dir / "report.html"``: self-contained (figures inlined as base64 PNGs,
        also written to ``out_dir / "figures"``), no JavaScript, no external resources.

    Raises
    ------
    FileNotFoundError, NotADirectoryError
        Where ``out_dir`` is not a run's output folder (:func:`check_run_output`): a report
        is never written into an unrelated folder.
    """
    import matplotlib

    out = Path(out_dir)
    check_run_output(out)
    inp = _read_inputs(out)
    fig_dir = out / "figures"
    figures: dict[str, _Figure] = {}

    def make(name, draw, *args, alt: str, caption) -> str:
        """Draw, save figures/<name>.png, return its <figure>; a failure becomes a note."""
        try:
            with matplotlib.rc_context(_RC):
                result = draw(*args)
                fig, info = (result[0], result[1:]) if isinstance(result, tuple) else (result, ())
                png = _render(fig, dpi)
        except Exception as err:  # one broken figure must not cost the report
            why = f"{type(err).__name__}: {err}"
            return _note(f"The {name} figure could not be drawn ({_esc(why)}).")
        atomic_write(fig_dir / f"{name}.png", lambda p: p.write_bytes(png))
        text = caption(info) if callable(caption) else caption
        figures[name] = _Figure(name, png, alt, text)
        return _figure_html(figures[name])

    col = _scoring(inp)
    chance = None
    body: list[str] = []
    primary = best_peer = None
    # ---- scores
    body.append('<h2 id="scores">Scores</h2>')
    if inp.scores is None:
        body.append(_note(f"{_missing(inp, 'scores.csv')}: no scores to show."))
    elif col not in inp.scores.columns:
        body.append(_note(f"<code>scores.csv</code> has no <code>{_esc(col)}</code> column."))
    else:
        scores = inp.scores.dropna(subset=[col])
        chance = _chance(inp, col)
        table = _method_table(scores, inp.summary, col)
        primary, best_peer = _primary(table)
        if primary is not None and best_peer is not None:
            diff = 100 * (table.loc[primary, "mean"] - table.loc[best_peer, "mean"])
            body.append(
                f"<p><strong>{_esc(primary)}</strong> {_pct(table.loc[primary, 'mean'])}% vs "
                f"best peer <strong>{_esc(best_peer)}</strong> "
                f"{_pct(table.loc[best_peer, 'mean'])}%: <strong>{diff:+.1f}</strong> points.</p>"
            )
        body.append(_scores_html(table, best_peer, col))
        body.append(
            make(
                "scores",
                _scores_figure,
                scores,
                col,
                table,
                chance,
                primary,
                best_peer,
                alt=f"{col} of each method per fold, S2 and peer methods, with chance level",
                caption=lambda info: _scores_caption(info[0]),
            )
        )
    # ---- example trial
    body.extend(_example_sections(inp, make))
    # ---- confusion
    body.append('<h2 id="confusion">Confusion matrices</h2>')
    pred = inp.predictions
    if pred is None:
        body.append(_note(f"{_missing(inp, 'predictions.csv')}: no confusion matrix."))
    else:
        methods = [m for m in (primary, best_peer) if m is not None and m in set(pred["method"])]
        if not methods:  # no score table to rank methods by: the S2 ones, else the first
            s2 = pred.loc[pred["method"].str.startswith("S2"), "method"].unique().tolist()
            methods = (s2 or pred["method"].unique().tolist())[:1]
        body.append(
            make(
                "confusion",
                _confusion_figure,
                pred,
                methods,
                alt="Confusion matrices of the pooled out-of-fold predictions: "
                + " and ".join(methods),
                caption="Out-of-fold predictions pooled over subjects and folds; each row is "
                "a true class, normalised to 1 (the diagonal is each class's recall). "
                + ("Left: the S2 decoder; right: the best peer." if len(methods) == 2 else ""),
            )
        )
    # stale figures of an earlier report would otherwise outlive their section
    for name in FIGURE_NAMES:
        if name not in figures:
            (fig_dir / f"{name}.png").unlink(missing_ok=True)

    title, header = _header(inp, col, chance)
    missing = [k for k in REPORT_INPUTS if k in inp.problems]
    footer = (
        f"<footer>Written by s2decode.pipeline.report from <code>{_esc(out.resolve())}</code>"
        + (f"; not available: {', '.join(_esc(m) for m in missing)}" if missing else "")
        + ".</footer>"
    )
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}: s2decode pipeline report</title>\n<style>{_CSS}</style>\n"
        f"</head>\n<body>\n<h1>{_esc(title)}</h1>\n"
        f'<section id="summary">{header}</section>\n' + "\n".join(body) + f"\n{footer}\n"
        "</body>\n</html>\n"
    )
    return atomic_write_text(out / "report.html", page)


# ============================================================================ screenshot
def _find_chromium(chromium: str | os.PathLike | None) -> str:
    if chromium is not None:
        path = shutil.which(os.fspath(chromium)) or os.fspath(chromium)
        if not Path(path).is_file():
            raise FileNotFoundError(
                f"`chromium`={os.fspath(chromium)!r} is not an executable file; give the path "
                "of a Chromium binary, or None to look for one (`apt-get install chromium` "
                "installs it on Debian/Ubuntu)."
            )
        return path
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        path = shutil.which(candidate)
        if path:
            return path
    raise FileNotFoundError(
        "No Chromium found (looked for /usr/bin/chromium and `chromium` on PATH). Install "
        "it with `apt-get install chromium` (Debian/Ubuntu), or pass chromium=PATH."
    )


def screenshot(
    html_path: str | os.PathLike,
    png_path: str | os.PathLike,
    *,
    chromium: str | os.PathLike | None = None,
    width: int = 1280,
) -> dict:
    """Render a report in headless Chromium, save a full-page screenshot, report problems.

    Uses the ``playwright`` Python package with a system Chromium (no browser download):
    the page is loaded offline (every request other than ``file:`` and ``data:`` URLs is
    blocked and counted), then screenshotted.

    Parameters
    ----------
    html_path : path-like
        The HTML file (e.g. ``OUT/report.html``).
    png_path : path-like
        Where the PNG goes (written atomically).
    chromium : path-like | None
        The Chromium executable; ``None`` looks for ``/usr/bin/chromium``, then
        ``chromium`` on ``PATH``.
    width : int
        Viewport width in CSS pixels.

    Returns
    -------
    result : dict
        ``console_errors`` (list of str: console messages of type error),
        ``page_errors`` (list of str: uncaught exceptions), ``images`` (number of
        ``<img>``), ``images_broken`` (those with ``naturalWidth == 0``),
        ``blocked_requests`` (list of URLs the page tried to fetch from outside) and
        ``png`` (the screenshot's path).
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise ImportError(
            "screenshot() needs the playwright package: `pip install playwright` (no browser "
            "download needed; a system Chromium is used, `apt-get install chromium`)."
        ) from err
    page_file = Path(html_path).resolve()
    if not page_file.is_file():
        raise FileNotFoundError(f"{page_file} does not exist; write the report first.")
    executable = _find_chromium(chromium)
    result: dict[str, Any] = {
        "console_errors": [],
        "page_errors": [],
        "blocked_requests": [],
    }

    def route(r) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            result["blocked_requests"].append(url)
            r.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=list(_CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": int(width), "height": 900})
            page.on(
                "console",
                lambda m: result["console_errors"].append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: result["page_errors"].append(str(e)))
            page.route("**/*", route)
            page.goto(page_file.as_uri(), wait_until="load")
            states = page.evaluate(
                "Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"
            )
            png = page.screenshot(full_page=True, type="png")
        finally:
            browser.close()
    result["images"] = len(states)
    result["images_broken"] = int(sum(not ok for ok in states))
    result["png"] = str(atomic_write(png_path, lambda p: p.write_bytes(png)))
    return result

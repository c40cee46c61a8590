"""The report of a pipeline run: figures and one self-contained HTML file.

:func:`write_report` reads a pipeline's output folder (``config.yaml``, ``versions.json``,
``scores.csv``, ``predictions.csv``, ``summary.json``, ``example.nc``; see
``docs/report.md``), draws the figures into ``figures/*.png`` and writes ``report.html``
with every figure inlined as a base64 PNG, so the file can be mailed or archived alone.
Whatever input is missing leaves its section out with a note; nothing in the report needs
JavaScript or the network. A folder that is not a run's output (no ``summary.json`` or
``scores.csv``, :func:`~s2decode.pipeline.outputs.is_run_output`) is refused by
:func:`check_run_output`, so no report lands in an unrelated folder.

The figures are :mod:`s2decode.viz`'s; the example trial is
:func:`s2decode.estimators.example_dataset`'s. This module only reads the folder and
assembles the page.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .. import viz
from .._io_utils import atomic_write, atomic_write_text
from .outputs import OUTPUT_MARKERS, is_run_output

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
_FIGURE_DPI = 110


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
            f"<td>{viz.FAMILY_NAMES[r['family']]}</td>"
            f'<td class="num">{_pct(r["mean"])} ± {_pct(r["sd"])}</td>'
            f'<td class="num">{versus}</td><td class="num">{int(r["n_folds"])}</td>'
            f'<td class="num">{seconds}</td></tr>'
        )
    return f'<table class="scores">{head}{"".join(rows)}</table>'


# ================================================================================== HTML
def _family_css() -> str:
    """The score table's row marks, in the figures' family colours (one source for both)."""
    return "".join(
        f"tr.{family} td:first-child {{ border-left: 4px solid {color}; }}\n"
        for family, color in viz.FAMILY_COLORS.items()
    )


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
tr.s2 td:first-child { font-weight: 600; }
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


def _energy_text(pj: float) -> str:
    """Picojoules in the unit that reads best (pJ, nJ, uJ, mJ)."""
    for unit, scale in (("mJ", 1e9), ("µJ", 1e6), ("nJ", 1e3)):
        if abs(pj) >= scale:
            return f"{pj / scale:.3g} {unit}"
    return f"{pj:.3g} pJ"


# the example trial's figures: the words that do not depend on the run
_RASTER_CAPTION = (
    "Spikes of every S2-Net neuron (one row per node, grouped and coloured by network) while "
    "the trial drives the network; right: each node's firing rate."
)
_ORDER_ALT = "Kuramoto order parameter R(t) over time, globally and per network"
_ORDER_CAPTION = (
    "Kuramoto order parameter R(t) of the neurons' spike-history phases "
    "(1: all in phase, 0: no common phase), of all nodes (black; dotted: its mean) "
    "and within each network. Its time mean and standard deviation are the "
    "<code>kuramoto_mean</code> and <code>kuramoto_metastability</code> features. "
    "Undefined until a group's first spike."
)
_PLV_ALT = "Heatmap of the phase-locking value of every node pair"
_PLV_CAPTION = (
    "Phase-locking value "
    "|⟨exp(i(φ<sub>i</sub> &minus; φ<sub>j</sub>))⟩<sub>t</sub>| of every pair of nodes "
    "over the example trial, nodes grouped by network (grey: "
    "undefined, a node that did not fire). The <code>plv</code> features average "
    "these blocks per network pair."
)


def _connectome_caption(n_edges: int, threshold: float) -> str:
    return (
        f"The {n_edges} most phase-locked node pairs (PLV ≥ {threshold:.2f}) of the "
        "example trial on a glass brain (left, top, right, front views); nodes "
        "coloured by network."
    )


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
    if "energy_pj" in ex.attrs and "dense_pj" in ex.attrs:
        snn, dense = float(ex.attrs["energy_pj"]), float(ex.attrs["dense_pj"])
        ratio = f"{snn / dense:.2g}" if dense > 0 else "n/a"
        lead += (
            f" Arithmetic energy of the trial: {_energy_text(snn)} for "
            f"{float(ex.attrs.get('synaptic_ops', np.nan)):.3g} synaptic events (0.9 pJ each) "
            f"against {_energy_text(dense)} for a dense network of as many units updated "
            f"once per input sample (4.6 pJ per multiply-accumulate): ratio {ratio}. Memory "
            "access is not counted (see <code>s2decode.energy</code>)."
        )

    def figure(name: str, plot: Callable[[xr.Dataset], Any], alt: str, caption) -> str:
        return make(name, partial(plot, ex), alt=alt, caption=caption)

    # in page order, which is also the order the figures are drawn in
    return [
        '<h2 id="example">Example trial</h2>',
        f"<p>{lead}</p>",
        figure(
            "raster",
            viz.plot_raster,
            f"Spike raster of S2-Net for {viz.example_title(ex)}",
            _RASTER_CAPTION + time_note,
        ),
        figure("order", viz.plot_order_parameter, _ORDER_ALT, _ORDER_CAPTION),
        '<h2 id="connectome">Phase locking</h2>',
        figure(
            "connectome",
            viz.plot_connectome,
            "Phase-locking connectome of the example trial on a glass brain",
            lambda: _connectome_caption(*viz.connectome_edges(ex)),
        )
        if viz.has_positions(ex)
        else _note("The nodes have no MNI coordinates: the phase locking is a matrix only."),
        figure("plv", viz.plot_plv, _PLV_ALT, _PLV_CAPTION),
    ]


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

    def make(name: str, draw: Callable[[], Any], *, alt: str, caption) -> str:
        """Draw, save figures/<name>.png, return its <figure>; a failure becomes a note.

        ``caption`` is the text, or a function giving it (computed with the figure, so a
        failure in either costs only this figure).
        """
        try:
            with matplotlib.rc_context(viz.STYLE):
                png = _render(draw(), dpi)
            text = caption() if callable(caption) else caption
        except Exception as err:  # one broken figure must not cost the report
            why = f"{type(err).__name__}: {err}"
            return _note(f"The {name} figure could not be drawn ({_esc(why)}).")
        atomic_write(fig_dir / f"{name}.png", lambda p: p.write_bytes(png))
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
        table = viz.method_table(scores, col, inp.summary)
        primary, best_peer = viz.best_methods(table)
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
                lambda: viz.plot_scores(scores, col, chance=chance, table=table),
                alt=f"{col} of each method per fold, S2 and peer methods, with chance level",
                caption=lambda: viz.scores_panels(
                    scores, col, chance=chance, table=table
                ).caption(),
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
                lambda: viz.plot_confusion(pred, methods),
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
        f"<title>{_esc(title)}: s2decode pipeline report</title>\n"
        f"<style>{_CSS}{_family_css()}</style>\n"
        f"</head>\n<body>\n<h1>{_esc(title)}</h1>\n"
        f'<section id="summary">{header}</section>\n' + "\n".join(body) + f"\n{footer}\n"
        "</body>\n</html>\n"
    )
    return atomic_write_text(out / "report.html", page)

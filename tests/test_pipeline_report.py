"""The pipeline report: example-trial diagnostics, the HTML report and its browser rendering.

The output folder is built here without the runner, from real (small) results: an
S2Featurizer fitted on 12 Seitzman parcels of the synthetic dataset, and a 4-fold
cross-validation per subject of a logistic regression on its features and of a log-variance
peer. The headless-browser test skips where playwright or Chromium is absent.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import platform
import re
import shutil
import sys
import time
from importlib.metadata import version
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from matplotlib.image import imread
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from s2decode import viz
from s2decode._io_utils import atomic_write_netcdf
from s2decode.atlas import Atlas, load_atlas
from s2decode.datasets import load
from s2decode.estimators import S2Featurizer, default_config, example_dataset
from s2decode.machine import cpu_flags, cpu_name
from s2decode.pipeline import report as report_module
from s2decode.pipeline.data import NO_SUBJECT
from s2decode.pipeline.outputs import features_file_name, is_run_output
from s2decode.pipeline.report import write_report
from s2decode.pipeline.run import summarize_scores, versions
from s2decode.spiketrains import SpikeTrains
from s2decode.trials import make_trials

from .cli_utils import assert_user_error, run_cli

NETWORKS = ("Visual", "DefaultMode", "SomatomotorDorsal")
SUBJECTS = ("01", "02")
S2, PEER = "S2Decoder", "log-variance & LR"  # '&' checks the HTML escaping
SCORING = "accuracy"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _sub_atlas() -> Atlas:
    full = load_atlas("seitzman300")
    nets = np.asarray(full.networks)
    idx = np.concatenate([np.flatnonzero(nets == name)[:4] for name in NETWORKS])
    return Atlas(
        "seitzman_subset",
        [full.labels[i] for i in idx],
        full.coords[idx],
        [full.networks[i] for i in idx],
    )


def _cross_validate(trials: xr.DataArray, features: np.ndarray, subject: str):
    """Real 4-fold CV of S2 features + LR and of a log-variance peer: rows of the contract."""
    y = trials["y"].values.astype(str)
    log_var = np.log(trials.values.var(axis=-1))
    scores, preds = [], []
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    for fold, (train, test) in enumerate(cv.split(features, y)):
        for method, family, X in ((S2, "s2", features), (PEER, "peer", log_var)):
            t0 = time.perf_counter()
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            y_pred = model.fit(X[train], y[train]).predict(X[test])
            correct = y_pred == y[test]
            classes = np.unique(y[test])
            scores.append(
                {
                    "subject": subject,
                    "fold": fold,
                    "method": method,
                    "family": family,
                    "accuracy": correct.mean(),
                    "balanced_accuracy": np.mean([correct[y[test] == c].mean() for c in classes]),
                    "n_train": len(train),
                    "n_test": len(test),
                    "seconds": time.perf_counter() - t0,
                }
            )
            preds.append(
                pd.DataFrame(
                    {
                        "subject": subject,
                        "fold": fold,
                        "method": method,
                        "trial": test,
                        "y_true": y[test],
                        "y_pred": y_pred,
                    }
                )
            )
    return scores, preds


def _summary(scores: pd.DataFrame, y_all: np.ndarray) -> dict:
    methods = summarize_scores(scores, SCORING, per_subject=True)
    _, counts = np.unique(y_all, return_counts=True)
    return {
        "name": "report_test",
        "description": "Synthetic coupled oscillations on 12 Seitzman parcels",
        "dataset": "synthetic",
        "scoring": SCORING,
        "chance": float(counts.max() / counts.sum()),
        "cv": "StratifiedKFold(n_splits=4, shuffle=True) within each subject",
        "aggregation": "mean +- sd over subjects of their fold means",
        "n_subjects": len(SUBJECTS),
        "n_trials": len(y_all),
        "cached_units": 3,
        "computed_units": 5,
        "started": "2026-01-01T12:00:00",
        "wall_seconds": 83.4,
        "machine": "test machine",
        "methods": methods,
    }


@pytest.fixture(scope="module")
def fitted():
    """Two synthetic subjects (16 trials, 0.5 s) and a featurizer fitted on the first."""
    atlas = _sub_atlas()
    subjects = {}
    for seed, subject in enumerate(SUBJECTS):
        trials = load(
            "synthetic",
            atlas=atlas,
            networks=NETWORKS[:2],
            n_trials=16,
            duration=0.5,
            seed=seed,
        )
        trials.attrs["subject"] = subject
        subjects[subject] = trials
    featurizer = S2Featurizer(bands=None, random_state=0).fit(subjects[SUBJECTS[0]])
    return featurizer, subjects


@pytest.fixture(scope="module")
def out_dir(fitted, tmp_path_factory) -> Path:
    """An output folder of the contract, from real small results (no runner)."""
    featurizer, subjects = fitted
    out = tmp_path_factory.mktemp("pipeline_out")
    score_rows, pred_frames = [], []
    for subject, trials in subjects.items():
        feats = featurizer.transform(trials)
        rows, preds = _cross_validate(trials, feats, subject)
        score_rows += rows
        pred_frames += preds
    scores = pd.DataFrame(score_rows)
    y_all = np.concatenate([t["y"].values.astype(str) for t in subjects.values()])
    scores.to_csv(out / "scores.csv", index=False)
    pd.concat(pred_frames).to_csv(out / "predictions.csv", index=False)
    (out / "summary.json").write_text(json.dumps(_summary(scores, y_all), indent=2))
    config = {
        "name": "report_test",
        "dataset": {"name": "synthetic", "subjects": None, "options": {"duration": 0.5}},
        "cv": {"scheme": "kfold", "n_splits": 4, "shuffle": True},
        "scoring": SCORING,
        "seed": 0,
    }
    (out / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    versions = {name: version(name) for name in ("numpy", "scikit-learn", "brian2")}
    versions["machine"] = "test machine"
    (out / "versions.json").write_text(json.dumps(versions))
    example = example_dataset(featurizer, subjects["01"], index=1, subject="01")
    atomic_write_netcdf(example, out / "example.nc")
    write_report(out)
    return out


def _images(page: str) -> dict[str, bytes]:
    """Inlined PNGs by figure id."""
    found = re.findall(r'<figure id="fig-(\w+)"><img src="data:image/png;base64,([^"]+)"', page)
    return {name: base64.b64decode(data) for name, data in found}


def _check_png(data: bytes) -> np.ndarray:
    assert data[:8] == PNG_MAGIC
    pixels = imread(BytesIO(data), format="png")
    assert pixels.shape[0] > 150 and pixels.shape[1] > 300
    assert pixels[..., :3].std() > 0.02  # drawn, not a blank canvas
    return pixels


# -------------------------------------------------------------------------------- example
def test_example_dataset_matches_the_featurizer(fitted):
    featurizer, subjects = fitted
    trials = subjects["01"]
    ex = example_dataset(featurizer, trials, index=3)
    n = len(featurizer.node_names_)
    # raster inside the trial, on the featurizer's nodes
    t = ex["spike_time"].values
    assert ex.sizes["spike"] == ex.attrs["n_spikes"] > 0
    assert np.all((t >= ex.attrs["t_start"]) & (t <= ex.attrs["t_start"] + ex.attrs["duration"]))
    assert set(np.unique(ex["spike_node"].values)) <= set(range(n))
    assert list(ex["node"].values) == list(featurizer.node_names_)
    np.testing.assert_allclose(
        np.bincount(ex["spike_node"].values, minlength=n) / ex.attrs["duration"], ex["rate"]
    )
    assert ex.attrs["mean_rate"] == pytest.approx(float(ex["rate"].mean()))
    # coordinates, networks, labels
    np.testing.assert_allclose(
        np.column_stack([ex["mni_x"], ex["mni_y"], ex["mni_z"]]), featurizer.node_coords_
    )
    assert list(ex["network"].values) == list(featurizer.node_networks_)
    assert ex.attrs["y"] == str(trials["y"].values[3]) and ex.attrs["trial"] == 3
    assert ex.attrs["subject"] == "01"  # from trials.attrs
    # order parameter: global + one row per network, in [0, 1]
    assert list(ex["group"].values) == ["global", *sorted(NETWORKS)]
    order = ex["order"].values
    assert np.all((order[np.isfinite(order)] >= 0) & (order[np.isfinite(order)] <= 1 + 1e-12))
    assert np.isfinite(order[0]).mean() > 0.5
    # its time mean is the featurizer's own kuramoto_mean of that trial (one window)
    feats = featurizer.transform_xarray(trials.isel(trial=[3]))
    kmean = feats.sel(feature=feats["metric"] == "kuramoto_mean")
    for group in ex["group"].values:
        expected = float(kmean.sel(feature=kmean["element"] == group).values[0, 0])
        assert np.nanmean(ex["order"].sel(group=group)) == pytest.approx(expected, abs=1e-9)
    # phase locking: symmetric in [0, 1], unit diagonal where the node fired, NaN where silent
    plv = ex["plv"].values
    assert plv.shape == (n, n)
    np.testing.assert_allclose(plv, plv.T, equal_nan=True)
    fired = ex["rate"].values > 0
    np.testing.assert_allclose(np.diag(plv)[fired], 1.0)
    assert np.all(np.isnan(np.diag(plv)[~fired]))
    assert np.nanmin(plv) >= 0 and np.nanmax(plv) <= 1
    # energy: each spike reaches its node's targets in the scaffold (0.9 pJ each); the dense
    # network updates once per input sample (4.6 pJ per weight)
    fan_out = (featurizer.scaffold_.weights > 0).sum(axis=0)
    events = float(np.bincount(ex["spike_node"].values, minlength=n) @ fan_out)
    assert ex.attrs["synaptic_ops"] == events
    assert ex.attrs["energy_pj"] == pytest.approx(0.9 * events)
    samples = trials.sizes["time"]
    assert ex.attrs["dense_pj"] == pytest.approx(4.6 * n * n * samples, rel=1e-9)
    # the energy of the featurizer's own "energy" features for the same trial
    fz = clone(featurizer).set_params(features=("energy",)).fit(trials)
    feats = fz.transform_xarray(trials.isel(trial=[3]))
    assert float(feats.sel(feature=feats["metric"] == "energy_pj").values[0, 0]) == (
        pytest.approx(example_dataset(fz, trials, index=3).attrs["energy_pj"])
    )


def test_example_dataset_without_positions_static_and_spikes():
    rng = np.random.default_rng(0)
    # static patterns, nodes without names, positions or networks
    X = rng.standard_normal((6, 5))
    fast = default_config("static").replace(dt=5e-4)
    fz = S2Featurizer(atlas=None, config=fast, static_duration=0.1, random_state=0).fit(X)
    ex = example_dataset(fz, X, index=-1, subject="s")
    assert ex.attrs["trial"] == 5 and ex.attrs["subject"] == "s" and ex.attrs["y"] == ""
    assert ex.attrs["input_kind"] == "static"
    assert np.all(np.isnan(ex["mni_x"])) and list(ex["network"].values) == [""] * 5
    assert list(ex["group"].values) == ["global"]
    assert ex.attrs["duration"] == pytest.approx(0.1)
    # recorded spikes
    trains = [[np.sort(rng.uniform(0, 0.3, rng.poisson(9))) for _ in range(6)] for _ in range(4)]
    spikes = SpikeTrains.from_lists(trains, 0.0, 0.3)
    fz = S2Featurizer(atlas=None, random_state=0).fit(spikes)
    ex = example_dataset(fz, spikes, index=2)
    assert ex.attrs["input_kind"] == "spikes" and ex.sizes["node"] == 6
    t = ex["spike_time"].values
    assert np.all((t >= 0) & (t <= 0.3))
    assert ex["plv"].shape == (6, 6)
    with pytest.raises(IndexError, match="index"):
        example_dataset(fz, spikes, index=4)
    with pytest.raises(TypeError, match="S2Featurizer"):
        example_dataset(object(), spikes)


# --------------------------------------------------------------------------------- report
def test_report_has_every_section_with_real_figures(out_dir):
    page = (out_dir / "report.html").read_text()
    for section in ("summary", "scores", "example", "connectome", "confusion"):
        assert f'id="{section}"' in page
    assert "<details>" in page and "kfold" in page  # the resolved configuration
    assert "log-variance &amp; LR" in page and "log-variance & LR" not in page
    assert 'class="note"' not in page  # nothing missing
    images = _images(page)
    assert set(images) == {"scores", "raster", "order", "connectome", "plv", "confusion"}
    for name, data in images.items():
        _check_png(data)
        assert (out_dir / "figures" / f"{name}.png").read_bytes() == data
    assert len(re.findall(r'<img [^>]*alt="[^"]{10,}"', page)) == len(images)
    assert len(re.findall(r"<figcaption>.{20,}?</figcaption>", page)) == len(images)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # self-contained
    ex = xr.load_dataset(out_dir / "example.nc", engine="h5netcdf")
    energy = re.search(r"Arithmetic energy of the trial: ([\d.]+) (pJ|nJ|µJ|mJ) for", page)
    assert energy is not None and "Memory access is not counted" in page
    scale = {"pJ": 1, "nJ": 1e3, "µJ": 1e6, "mJ": 1e9}[energy.group(2)]
    assert float(energy.group(1)) * scale == pytest.approx(ex.attrs["energy_pj"], rel=1e-2)


def test_report_table_gives_the_summary_scores(out_dir):
    page = (out_dir / "report.html").read_text()
    summary = json.loads((out_dir / "summary.json").read_text())
    for method, stats in summary["methods"].items():
        cell = f"{100 * stats['mean']:.1f} ± {100 * stats['sd']:.1f}"
        row = re.search(rf"<tr class=\"(\w+)\"><td>{re.escape(_html(method))}</td>.*?</tr>", page)
        assert row is not None and cell in row.group(0)
        assert row.group(1) == stats["family"]
    diff = 100 * (summary["methods"][S2]["mean"] - summary["methods"][PEER]["mean"])
    assert f"{diff:+.1f}" in page
    assert f"{100 * summary['chance']:.1f}%" in page


def test_report_without_summary_recomputes_the_same_scores(out_dir, tmp_path):
    for name in ("scores.csv", "predictions.csv"):
        shutil.copy(out_dir / name, tmp_path / name)
    page = write_report(tmp_path).read_text()
    summary = json.loads((out_dir / "summary.json").read_text())
    for stats in summary["methods"].values():
        assert f"{100 * stats['mean']:.1f} ± {100 * stats['sd']:.1f}" in page
    assert f"{100 * summary['chance']:.1f}%" in page  # majority class of the predictions
    assert "example.nc</code> is missing" in page and "config.yaml</code> is missing" in page
    assert set(_images(page)) == {"scores", "confusion"}


def test_report_shows_an_s2_variant_as_such_never_as_the_best_peer(out_dir, tmp_path):
    # a pipeline's variants are written with family "ablation"; one that beats every peer
    # must not become the peer S2 is compared with
    scores = pd.read_csv(out_dir / "scores.csv", dtype={"subject": str})
    variant = scores[scores["method"] == S2].assign(
        method="S2 (no delays)", family="ablation", accuracy=1.0, balanced_accuracy=1.0
    )
    pd.concat([scores, variant], ignore_index=True).to_csv(tmp_path / "scores.csv", index=False)
    page = write_report(tmp_path).read_text()
    rows = {m[1]: m[0] for m in re.finditer(r"<tr class=\"\w+\"><td>([^<]*)</td>.*?</tr>", page)}
    assert rows["S2 (no delays)"].startswith('<tr class="ablation">')
    assert "<td>S2 variant</td>" in rows["S2 (no delays)"]
    assert "best peer" in rows[_html(PEER)] and "best peer" not in rows["S2 (no delays)"]
    for family, color in viz.FAMILY_COLORS.items():  # every family's rows marked in its colour
        assert f"tr.{family} td:first-child {{ border-left: 4px solid {color}; }}" in page


def test_report_degrades_gracefully(out_dir, tmp_path):
    # an earlier report's figures must not outlive their inputs
    shutil.copytree(out_dir, tmp_path / "run")
    run = tmp_path / "run"
    (run / "example.nc").unlink()
    (run / "predictions.csv").write_text("not,a\nprediction,table\n")
    page = write_report(run).read_text()
    assert "example.nc</code> is missing" in page
    assert "predictions.csv</code> is unreadable" in page
    assert set(_images(page)) == {"scores"}
    assert sorted(p.name for p in (run / "figures").iterdir()) == ["scores.png"]
    # a run's folder with nothing but its summary still gives a page that says what is missing
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(out_dir / "summary.json", bare / "summary.json")
    page = write_report(bare).read_text()
    assert "scores.csv</code> is missing" in page and "<img" not in page


def test_report_nodes_without_positions_show_a_heatmap(tmp_path):
    """A DataArray with networks but no MNI coordinates: PLV as a matrix, no glass brain."""
    rng = np.random.default_rng(1)
    trials = make_trials(
        rng.standard_normal((6, 6, 100)),
        sfreq=250.0,
        y=["a", "b"] * 3,
        networks=["N1"] * 3 + ["N2"] * 3,
    )
    fz = S2Featurizer(atlas=None, bands=None, random_state=0).fit(trials)
    ex = example_dataset(fz, trials, index=0)
    assert np.all(np.isnan(ex["mni_z"])) and list(ex["group"].values) == ["global", "N1", "N2"]
    atomic_write_netcdf(ex, tmp_path / "example.nc")
    (tmp_path / "summary.json").write_text('{"name": "no positions"}')  # a run's folder
    page = write_report(tmp_path).read_text()
    assert "no MNI coordinates" in page
    images = _images(page)
    assert set(images) == {"raster", "order", "plv"}
    for data in images.values():
        _check_png(data)


# ------------------------------------------------------------------- which folders
def test_output_folder_layout(tmp_path):
    assert not is_run_output(tmp_path) and not is_run_output(tmp_path / "nope")
    (tmp_path / "scores.csv").mkdir()  # a folder of that name is not the file
    assert not is_run_output(tmp_path)
    (tmp_path / "summary.json").write_text("{}")
    assert is_run_output(tmp_path)
    # the feature file of a dataset without subjects has a name a shell user can type
    assert features_file_name("03", "eegmat") == "03.nc"
    assert features_file_name(NO_SUBJECT, "synthetic") == "synthetic.nc"


@pytest.mark.parametrize("kind", ["empty", "unrelated", "missing", "file"])
def test_report_command_refuses_a_folder_that_is_not_a_runs_output(tmp_path, kind):
    folder = tmp_path / "photos"
    if kind == "file":
        folder.write_text("not a folder")
    elif kind != "missing":
        folder.mkdir()
    if kind == "unrelated":
        (folder / "holiday.jpg").write_bytes(b"\xff\xd8\xff")
        (folder / "notes.txt").write_text("not a run")
    done = run_cli(["report", folder], timeout=120)
    err = assert_user_error(
        done,
        "s2decode report: error: ",
        str(folder),
        "`s2decode run`",  # what it expects
        "summary.json",
        "scores.csv",
        "s2decode run pipelines/quickstart.yaml --out",  # how to get one
        max_lines=1,
    )
    assert done.returncode == 2
    why = {
        "empty": "is empty",
        "unrelated": "holds holiday.jpg, notes.txt",
        "missing": "does not exist",
        "file": "is a file",
    }
    assert why[kind] in err
    # nothing was written into it
    if kind in ("empty", "unrelated"):
        expected = [] if kind == "empty" else ["holiday.jpg", "notes.txt"]
        assert sorted(p.name for p in folder.iterdir()) == expected
    assert kind != "missing" or not folder.exists()


def test_report_command_rewrites_a_runs_report(out_dir, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(out_dir, run)
    (run / "report.html").unlink()
    shutil.rmtree(run / "figures")
    done = run_cli(["report", run], timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"report: {run / 'report.html'}" in done.stdout
    assert set(_images((run / "report.html").read_text())) == set(report_module.FIGURE_NAMES)


# ---------------------------------------------------------------------- blemishes
def _one_subject_run(out_dir: Path, folder: Path) -> Path:
    """The contract folder cut down to subject 01: one subject, CV over its 4 folds."""
    folder.mkdir()
    scores = pd.read_csv(out_dir / "scores.csv", dtype={"subject": str})
    scores = scores[scores["subject"] == "01"]
    scores.to_csv(folder / "scores.csv", index=False)
    preds = pd.read_csv(out_dir / "predictions.csv", dtype={"subject": str})
    preds[preds["subject"] == "01"].to_csv(folder / "predictions.csv", index=False)
    summary = json.loads((out_dir / "summary.json").read_text())
    summary |= {
        "n_subjects": 1,
        "aggregation": "mean +- sd over folds",  # as the runner writes it
        "machine": "Linux-6.1-x86_64-with-glibc2.36; 2 CPUs; ",  # an earlier run's, no CPU
        "methods": summarize_scores(scores, SCORING, per_subject=False),
    }
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def _scores_panels(folder: Path) -> int:
    """Number of panels of the score figure the report draws for ``folder``."""
    scores = pd.read_csv(folder / "scores.csv", dtype={"subject": str})
    summary = json.loads((folder / "summary.json").read_text())
    table = viz.method_table(scores, SCORING, summary)
    fig = viz.plot_scores(scores, SCORING, chance=summary["chance"], table=table)
    return len(fig.axes)


def _caption(page: str, name: str) -> str:
    found = re.search(rf'<figure id="fig-{name}">.*?<figcaption>(.*?)</figcaption>', page, re.S)
    assert found is not None, name
    return found.group(1)


def test_score_caption_describes_the_panels_drawn(out_dir, tmp_path):
    # two subjects: fold dots, subject triangles, and the per-subject panel on the right
    assert _scores_panels(out_dir) == 2
    caption = _caption((out_dir / "report.html").read_text(), "scores")
    assert caption.startswith("Left: ") and "Right: " in caption and "triangles" in caption
    assert "over subjects' fold means" in caption and "chance (dashed)" in caption
    # one subject: one panel, and a caption with no right panel, triangles or subject means
    one = _one_subject_run(out_dir, tmp_path / "one")
    assert _scores_panels(one) == 1
    caption = _caption(write_report(one).read_text(), "scores")
    assert "Right" not in caption and "Left" not in caption and "diagonal" not in caption
    assert "triangles" not in caption and "subject" not in caption
    assert "the mean over folds ± sd" in caption


def test_glass_brain_colour_bar_names_the_plv_with_even_ticks(out_dir):
    ex = xr.load_dataset(out_dir / "example.nc", engine="h5netcdf")
    fig = viz.plot_connectome(ex)
    _, threshold = viz.connectome_edges(ex)
    fig.draw_without_rendering()  # tick labels
    (bar,) = [ax for ax in fig.axes if ax.get_ylabel()]  # the glass brain's axes have none
    assert bar.get_ylabel() == "PLV (phase-locking value)"
    lo, hi = bar.get_ylim()
    assert lo == pytest.approx(threshold)
    ticks = np.array([t for t in bar.get_yticks() if lo - 1e-9 <= t <= hi + 1e-9])
    assert ticks.size >= 3
    steps = np.diff(ticks)
    np.testing.assert_allclose(steps, steps[0], rtol=1e-9)  # evenly spaced
    np.testing.assert_allclose(ticks * 1000, np.round(ticks * 1000), atol=1e-6)  # round
    labels = bar.yaxis.get_major_formatter().format_ticks(ticks)
    assert len({len(label) for label in labels}) == 1  # one format: "0.50", not "0.5", "0.54"


def test_cpu_name_reads_the_model_and_falls_back(tmp_path, monkeypatch):
    x86 = tmp_path / "x86"
    x86.write_text(
        "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n"
        "model name\t: AMD EPYC 7763 64-Core Processor\n\nprocessor\t: 1\n"
    )
    arm32 = tmp_path / "arm32"
    arm32.write_text("Processor\t: ARMv7 Processor rev 4 (v7l)\nprocessor\t: 0\nHardware\t: BCM\n")
    arm64 = tmp_path / "arm64"  # no model anywhere: the architecture
    arm64.write_text("processor\t: 0\nBogoMIPS\t: 48.00\nCPU implementer\t: 0x41\n")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(platform, "processor", lambda: "")
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    assert cpu_name(x86) == "AMD EPYC 7763 64-Core Processor"
    assert cpu_name(arm32) == "ARMv7 Processor rev 4 (v7l)"
    assert cpu_name(arm64) == "aarch64"
    assert cpu_name(tmp_path / "absent") == "aarch64"
    monkeypatch.setattr(platform, "machine", lambda: "")
    assert cpu_name(tmp_path / "absent") == "unknown CPU"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/cpuinfo")
def test_cpu_flags_reads_the_simd_flags(tmp_path):
    x86 = tmp_path / "cpuinfo"
    x86.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 fma bmi2\n\nprocessor\t: 1\n")
    assert cpu_flags(x86) == ("avx2", "fma")  # no avx512f
    assert cpu_flags(tmp_path / "missing") == ()
    arm = tmp_path / "arm"
    arm.write_text("Features\t: fp asimd\n")
    assert cpu_flags(arm, wanted=("asimd", "sve")) == ("asimd",)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's sysfs")
def test_cpu_cache_size_reads_the_data_cache_of_a_level(tmp_path):
    from s2decode.machine import cpu_cache_size

    for index, (level, kind, size, shared) in enumerate(
        [
            (1, "Data", "48K", "0"),
            (1, "Instruction", "32K", "0"),
            (2, "Unified", "1024K", None),  # no shared_cpu_list: its own
            (3, "Unified", "32M", "0-3,8-11"),
        ]
    ):
        folder = tmp_path / f"index{index}"
        folder.mkdir()
        for name, value in (("level", level), ("type", kind), ("size", size)):
            (folder / name).write_text(f"{value}\n")
        if shared is not None:
            (folder / "shared_cpu_list").write_text(f"{shared}\n")
    assert cpu_cache_size(1, tmp_path) == 48 << 10  # the data cache, not the instructions'
    assert cpu_cache_size(2, tmp_path) == 1 << 20
    assert cpu_cache_size(3, tmp_path) == 4 << 20  # one core's share: 32 MiB over 8 CPUs
    assert cpu_cache_size(4, tmp_path) == 0
    assert cpu_cache_size(2, tmp_path / "missing") == 0
    assert cpu_cache_size(2) >= 0  # this machine's


def test_machine_line_names_the_cpu_on_linux():
    machine = versions()["machine"]
    _, cpus, cpu = machine.split("; ")
    assert cpus.endswith(" CPUs") and cpu.strip() == cpu != ""
    models = [
        line.split(":", 1)[1].split()
        for line in Path("/proc/cpuinfo").read_text().splitlines()
        if line.startswith("model name")
    ]
    if models and models[0]:
        assert cpu == " ".join(models[0])


def test_report_writes_plus_minus_one_way_and_no_empty_machine_part(out_dir, tmp_path):
    page = (out_dir / "report.html").read_text()
    assert "+-" not in page and "+/-" not in page
    assert "<dd>mean ± sd over subjects of their fold means</dd>" in page
    one = _one_subject_run(out_dir, tmp_path / "one")
    page = write_report(one).read_text()
    assert "+-" not in page and "<dd>mean ± sd over folds</dd>" in page
    assert "<dt>machine</dt><dd>Linux-6.1-x86_64-with-glibc2.36; 2 CPUs</dd>" in page


# -------------------------------------------------------------------------------- browser
def _browser_or_skip():
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed")
    if not (shutil.which("chromium") or Path("/usr/bin/chromium").is_file()):
        pytest.skip("no Chromium (apt-get install chromium)")


def test_report_renders_in_headless_chromium(out_dir, tmp_path):
    _browser_or_skip()
    png = tmp_path / "shot.png"
    result = _import_script("screenshot_report").screenshot(out_dir / "report.html", png)
    assert result["console_errors"] == [] and result["page_errors"] == []
    assert result["blocked_requests"] == []
    page = (out_dir / "report.html").read_text()
    assert result["images"] == page.count("<img ") == 6
    assert result["images_broken"] == 0
    pixels = _check_png(png.read_bytes())
    assert pixels.shape[1] == 1280 and pixels.shape[0] > 2000  # the full page


def test_screenshot_script_and_errors(out_dir, tmp_path, capsys):
    screenshot = _import_script("screenshot_report").screenshot
    with pytest.raises(FileNotFoundError, match="apt-get install chromium"):
        screenshot(out_dir / "report.html", tmp_path / "x.png", chromium=tmp_path / "none")
    with pytest.raises(FileNotFoundError, match="write the report"):
        screenshot(tmp_path / "missing.html", tmp_path / "x.png")
    _browser_or_skip()
    script = _import_script("screenshot_report")
    assert script.main([str(out_dir), "--png", str(tmp_path / "s.png")]) == 0
    assert json.loads(capsys.readouterr().out)["images_broken"] == 0
    assert (tmp_path / "s.png").stat().st_size > 10_000
    # a broken image makes the script fail
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "report.html").write_text('<html><body><img src="nothing.png" alt="x"></body></html>')
    assert script.main([str(broken)]) == 1


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _import_script(name: str):
    """Import ``benchmarks/<name>.py`` (a script, not a package) under a private name."""
    key = f"_s2decode_bench_{name}"
    if key not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(key, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]

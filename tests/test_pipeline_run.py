"""The pipeline runner: outputs, cache, resumption, atomic results, and a real Dask cluster."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from s2decode.pipeline.run import run_pipeline
from s2decode.pipeline.spec import PipelineSpec, load_pipeline

from .conftest import require

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "pipelines" / "quickstart.yaml"


def _small_quickstart(**changes) -> PipelineSpec:
    """The quickstart pipeline, smaller: 3 folds, one peer."""
    spec = load_pipeline(QUICKSTART).model_dump()
    spec["cv"]["n_splits"] = 3
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            spec[section][name] = value
        else:
            spec[section] = value
    return PipelineSpec.from_dict(spec, source="test")


def _scores(out: Path) -> pd.DataFrame:
    frame = pd.read_csv(out / "scores.csv", dtype={"subject": str})
    return frame.drop(columns="seconds").sort_values(["subject", "fold", "method"])


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.2)


def _cache_entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.nc")) if cache.exists() else []


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """One in-process run of the small quickstart pipeline, with a fresh cache."""
    base = tmp_path_factory.mktemp("quick")
    spec = _small_quickstart()
    result = run_pipeline(
        spec, base / "out", workers=0, cache_dir=base / "cache", progress=False, log=lambda _: None
    )
    return spec, base, result


def test_outputs_of_a_run(quick):
    spec, base, result = quick
    out = base / "out"
    for name in ("config.yaml", "versions.json", "scores.csv", "predictions.csv", "summary.json"):
        assert (out / name).is_file(), name
    scores = _scores(out)
    n_folds = spec.cv.n_splits
    assert set(scores["family"]) == {"s2", "peer"}
    assert len(scores) == n_folds * (1 + len(spec.peers))
    assert scores["accuracy"].between(0, 1).all()
    # every trial is predicted once per method, against its true label
    preds = pd.read_csv(out / "predictions.csv", dtype={"subject": str, "y_true": str})
    per_method = preds.groupby("method")["trial"].apply(lambda t: sorted(t))
    n_trials = result.summary["n_trials"]
    assert all(list(t) == list(range(n_trials)) for t in per_method)
    # out-of-fold features: one row per trial, labelled
    (fname,) = sorted((out / "features").glob("*.nc"))
    feats = xr.load_dataarray(fname)
    assert feats.dims == ("trial", "feature") and feats.sizes["trial"] == n_trials
    assert set(np.unique(feats.fold)) == set(range(n_folds))
    assert "rate" in set(feats.metric.values) and set(feats.window.values) == {0}
    # the resolved config is itself a valid pipeline, the same one
    again = load_pipeline(out / "config.yaml")
    assert again.fingerprint() == spec.fingerprint()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["computed_units"] == n_folds and summary["cached_units"] == 0
    assert 0 < summary["chance"] < 1
    assert summary["methods"]["S2Decoder"]["mean"] == pytest.approx(
        scores.loc[scores.method == "S2Decoder", "accuracy"].mean()
    )


def test_tables_are_also_parquet_with_the_same_rows(quick):
    """scores, predictions and the features' effect sizes: the Parquet file is the CSV."""
    _, base, _ = quick
    out = base / "out"
    for name in ("scores", "predictions", "effect_sizes"):
        parquet = pd.read_parquet(out / f"{name}.parquet")
        csv = pd.read_csv(out / f"{name}.csv", dtype={"subject": str})
        assert len(parquet) > 0 and list(parquet.columns) == list(csv.columns), name
        pd.testing.assert_frame_equal(parquet, csv, check_dtype=False, rtol=0, atol=0)
        assert parquet["subject"].tolist() == ["-"] * len(parquet)  # text, in both
    # one effect-size row per out-of-fold feature of the subject
    (fname,) = sorted((out / "features").glob("*.nc"))
    feats = xr.load_dataarray(fname)
    sizes = pd.read_parquet(out / "effect_sizes.parquet")
    assert sizes["feature"].tolist() == [str(f) for f in feats["feature"].values]
    assert sizes["metric"].tolist() == [str(m) for m in feats["metric"].values]
    eta = sizes["eta_squared"].dropna()
    assert len(eta) > 0 and eta.between(0, 1).all()
    assert (sizes["n_trials"] == feats.sizes["trial"]).all()


def test_a_second_run_reads_the_cache_and_scores_the_same(quick, tmp_path):
    spec, base, _ = quick
    result = run_pipeline(
        spec, tmp_path / "out", workers=0, cache_dir=base / "cache", report=False,
        progress=False, log=lambda _: None,
    )  # fmt: skip
    assert result.summary["cached_units"] == spec.cv.n_splits
    assert result.summary["computed_units"] == 0
    pd.testing.assert_frame_equal(_scores(tmp_path / "out"), _scores(base / "out"))
    (fname,) = sorted((base / "out" / "features").glob("*.nc"))
    xr.testing.assert_identical(
        xr.load_dataarray(tmp_path / "out" / "features" / fname.name), xr.load_dataarray(fname)
    )


def test_cache_keys_follow_what_changes_the_features(quick, tmp_path):
    spec, base, _ = quick
    n_before = len(_cache_entries(base / "cache"))
    # the final estimator does not change the features: cache hits
    other_decoder = _small_quickstart(decoder={"estimator": "logistic", "C": 0.1})
    result = run_pipeline(
        other_decoder, tmp_path / "a", workers=0, cache_dir=base / "cache", report=False,
        progress=False, log=lambda _: None,
    )  # fmt: skip
    assert result.summary["cached_units"] == spec.cv.n_splits
    # another seed does: new entries, nothing read
    result = run_pipeline(
        _small_quickstart(seed=spec.seed + 1), tmp_path / "b", workers=0,
        cache_dir=base / "cache", report=False, progress=False, log=lambda _: None,
    )  # fmt: skip
    assert result.summary["cached_units"] == 0
    assert len(_cache_entries(base / "cache")) == n_before + spec.cv.n_splits
    # no cache: nothing read or written
    result = run_pipeline(
        spec, tmp_path / "c", workers=0, cache=False, report=False, progress=False,
        log=lambda _: None,
    )  # fmt: skip
    assert result.summary["cached_units"] == 0
    assert len(_cache_entries(base / "cache")) == n_before + spec.cv.n_splits


def test_one_peer_twice_with_other_parameters(quick, tmp_path):
    spec, base, _ = quick
    twice = spec.model_dump()
    name = spec.peers[0].name
    twice["peers"] = [{"name": name}, {"name": name, "params": {"C": 0.01}}]
    result = run_pipeline(
        PipelineSpec.from_dict(twice, source="test"), tmp_path / "out", workers=0,
        cache_dir=base / "cache", report=False, progress=False, log=lambda _: None,
    )  # fmt: skip
    peers = result.scores[result.scores.family == "peer"]
    assert peers["method"].nunique() == 2
    assert (peers.groupby("method").size() == spec.cv.n_splits).all()


def test_late_fusion_row(quick, tmp_path):
    from s2decode.pipeline.run import FUSED_LABEL

    spec, base, _ = quick
    peer = spec.peers[0].name
    fused_spec = _small_quickstart(decoder={"fuse_with": peer, "fusion_cv": 2})
    result = run_pipeline(
        fused_spec, tmp_path / "out", workers=0, cache_dir=base / "cache", report=False,
        progress=False, log=lambda _: None,
    )  # fmt: skip
    # the S2 features come from the cache (the fusion does not change them)
    assert result.summary["cached_units"] == spec.cv.n_splits
    scores = result.scores
    assert set(scores["family"]) == {"s2", "peer", "stacked"}
    fused = scores[scores.method == FUSED_LABEL]
    assert len(fused) == spec.cv.n_splits and fused["accuracy"].between(0, 1).all()
    assert result.summary["methods"][FUSED_LABEL]["family"] == "stacked"
    chosen = result.summary["fusion"]
    assert len(chosen) == spec.cv.n_splits
    peer = spec.peers[0].display_label
    assert all(c["peer"] == peer and 0 <= c["s2_weight"] <= 1 for c in chosen)
    # every trial predicted once; where the inner CV gave S2 no weight, the fused row *is*
    # the peer, trial for trial
    preds = pd.read_csv(tmp_path / "out" / "predictions.csv", dtype={"y_pred": str})
    mine = preds[preds.method == FUSED_LABEL].set_index(["subject", "fold", "trial"])
    theirs = preds[preds.method == peer].set_index(["subject", "fold", "trial"])
    assert sorted(mine.index.get_level_values("trial")) == list(range(result.summary["n_trials"]))
    for c, (fold, rows) in zip(chosen, mine.groupby(level="fold"), strict=True):
        if c["s2_weight"] == 0:
            same = theirs.loc[rows.index, "y_pred"]
            assert (rows["y_pred"] == same).all(), fold


def test_a_failed_run_leaves_earlier_results_intact(quick, tmp_path, monkeypatch):
    spec, base, _ = quick
    out = tmp_path / "out"
    run_pipeline(
        spec, out, workers=0, cache_dir=base / "cache", report=False, progress=False,
        log=lambda _: None,
    )  # fmt: skip
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # a unit that fails where it runs: the simulations' kernel cache is a file, not a folder
    not_a_folder = tmp_path / "cache-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("S2DECODE_CACHE", str(not_a_folder))
    with pytest.raises(RuntimeError, match=r"S2 features .* failed") as failed:
        run_pipeline(
            spec, out, workers=0, cache=False, report=False, progress=False, log=lambda _: None
        )
    assert isinstance(failed.value.__cause__, OSError)  # the worker's error, kept as the cause
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_a_run_replaces_its_output_folder_as_a_whole(quick, tmp_path):
    spec, base, _ = quick
    out = tmp_path / "out"
    shutil.copytree(base / "out", out)  # an earlier run, with its report
    assert (out / "report.html").is_file()
    run_pipeline(
        spec, out, workers=0, cache_dir=base / "cache", report=False, progress=False,
        log=lambda _: None,
    )  # fmt: skip
    # nothing of the earlier run is left beside the new results
    assert not (out / "report.html").exists() and not (out / "example.nc").exists()
    assert (out / "scores.csv").is_file()
    # no staging or old folder left behind (only the lock file the swaps take turns on)
    assert [p.name for p in tmp_path.glob(".out.*")] == [".out.lock"]
    # a folder that is not a run's output is never replaced
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="holds no earlier s2decode results"):
        run_pipeline(spec, other, workers=0, cache=False, progress=False, log=lambda _: None)
    assert (other / "notes.txt").read_text() == "keep me"


def test_an_interrupted_run_resumes(quick, tmp_path):
    """Kill `s2decode run` once some units are cached; the rerun reuses them, same scores."""
    spec, base, _ = quick
    fname = tmp_path / "pipeline.yaml"
    fname.write_text(spec.to_yaml())
    cache = tmp_path / "cache"
    cmd = [
        sys.executable, "-m", "s2decode.cli", "run", str(fname), "--workers", "0",
        "--cache-dir", str(cache), "--no-report", "--quiet",
    ]  # fmt: skip
    proc = subprocess.Popen([*cmd, "--out", str(tmp_path / "killed")], start_new_session=True)
    try:
        _wait_for(lambda: len(_cache_entries(cache)) >= 1, 300, "a finished unit")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    n_done = len(_cache_entries(cache))
    assert not (tmp_path / "killed" / "scores.csv").exists()
    done = subprocess.run(
        [*cmd, "--out", str(tmp_path / "resumed")], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "resumed" / "summary.json").read_text())
    assert summary["cached_units"] == n_done
    pd.testing.assert_frame_equal(_scores(tmp_path / "resumed"), _scores(base / "out"))


# ---------------------------------------------------------------------------- a real cluster
def _eegmat_spec(data_dir: Path) -> PipelineSpec:
    require(data_dir, "eeg", "eegmat")
    spec = load_pipeline(ROOT / "pipelines" / "eegmat.yaml").model_dump()
    spec["dataset"]["subjects"] = [0, 1]
    spec["preprocessing"]["tmax"] = 2.0  # half of each 4 s window: a quicker test
    spec["cv"]["n_splits"] = 3
    spec["peers"] = spec["peers"][:1]
    return PipelineSpec.from_dict(spec, source="test")


def _start(cmd: list[str], log: Path) -> subprocess.Popen:
    from s2decode.pipeline.engine import WORKER_ENV

    return subprocess.Popen(
        cmd,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **WORKER_ENV},
    )


@pytest.mark.realdata
@pytest.mark.slow
def test_a_multiprocess_cluster_gives_the_serial_scores_and_survives_a_lost_worker(
    data_dir, tmp_path
):
    from distributed import Client

    spec = _eegmat_spec(data_dir)
    quiet = dict(data_dir=data_dir, report=False, progress=False, log=lambda _: None)
    serial = run_pipeline(spec, tmp_path / "serial", workers=0, cache=False, **quiet)

    dask = str(Path(sys.executable).with_name("dask"))  # the `dask` command of this environment
    scheduler_file = tmp_path / "scheduler.json"
    procs = [
        _start(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(scheduler_file)],
            tmp_path / "scheduler.log",
        )
    ]  # fmt: skip
    try:
        _wait_for(scheduler_file.exists, 60, "the scheduler")
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for k in range(2):
            procs.append(
                _start(
                    [dask, "worker", address, "--nthreads", "1",
                     "--no-nanny", "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{k}"],
                    tmp_path / f"worker{k}.log",
                )
            )  # fmt: skip
        with Client(address) as client:
            client.wait_for_workers(2, timeout=120)

        # the command line, through --scheduler
        fname = tmp_path / "eegmat_small.yaml"
        fname.write_text(spec.to_yaml())
        done = subprocess.run(
            [sys.executable, "-m", "s2decode.cli", "run", str(fname), "--scheduler", address,
             "--data-dir", str(data_dir), "--out", str(tmp_path / "cluster"), "--no-cache",
             "--no-report", "--quiet"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert f"scheduler {address} with 2 worker(s)" in done.stdout
        pd.testing.assert_frame_equal(_scores(tmp_path / "cluster"), _scores(tmp_path / "serial"))
        distributed = json.loads((tmp_path / "cluster" / "summary.json").read_text())
        assert distributed["methods"] == serial.summary["methods"]

        # again, killing one worker as soon as the first unit is finished
        cache = tmp_path / "cache"
        killed_at = []

        def kill_a_worker() -> None:
            _wait_for(lambda: len(_cache_entries(cache)) >= 1, 300, "a finished unit")
            os.killpg(procs[1].pid, signal.SIGKILL)
            killed_at.append(time.monotonic())

        killer = threading.Thread(target=kill_a_worker, daemon=True)
        killer.start()
        result = run_pipeline(
            spec, tmp_path / "killed", scheduler=address, cache_dir=cache, **quiet
        )
        finished_at = time.monotonic()
        killer.join(timeout=5)
        assert killed_at and killed_at[0] < finished_at, "no worker was killed during the run"
        assert procs[1].poll() is not None
        assert result.summary["computed_units"] == result.summary["n_units"]
        pd.testing.assert_frame_equal(_scores(tmp_path / "killed"), _scores(tmp_path / "serial"))
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_late_fusion_inner_folds_keep_subjects_and_runs_whole(monkeypatch):
    import types

    import s2decode.estimators as estimators
    from s2decode.pipeline import run as runner
    from s2decode.pipeline.data import load_subject

    info = {
        "a": {"shape": (3, 2, 5), "groups": np.array(["r1", "r1", "r2"])},
        "b": {"shape": (2, 2, 5), "groups": None},
    }
    split = runner.Split("a", 0, ("a", "b"), np.array([3, 4]), np.arange(3), np.arange(3))
    scheme = lambda name: types.SimpleNamespace(cv=types.SimpleNamespace(scheme=name))  # noqa: E731
    subjects = runner._inner_groups(scheme("leave_one_subject_out"), split, info)
    assert subjects.tolist() == ["a", "a", "a", "b", "b"]
    assert runner._inner_groups(scheme("leave_one_group_out"), split, info).tolist() == [
        "r1", "r1", "r2"
    ]  # fmt: skip
    assert runner._inner_groups(scheme("kfold"), split, info) is None

    # fused_unit hands the training trials' groups to the fused decoder's fit
    seen = {}

    class Recorder:
        def __init__(self, s2, peers, cv, random_state):
            self.peer_name_, self.weight_ = peers[0][0], 0.0

        def fit(self, X, y, groups=None):
            seen["groups"], seen["n"] = groups, len(y)
            return self

        def predict(self, X):
            return np.asarray(X.coords["y"].values)

    monkeypatch.setattr(estimators, "S2StackingClassifier", Recorder)
    spec = _small_quickstart(decoder={"fuse_with": "bandpower_lr"})
    trials = load_subject(spec, "-")
    n = trials.sizes["trial"]
    groups = np.arange(n) % 4
    train, test = np.arange(0, n, 2), np.arange(1, n, 2)
    out = runner.fused_unit(spec, trials, train, test, groups)
    np.testing.assert_array_equal(seen["groups"], groups[train])
    assert seen["n"] == len(train) and len(out["y_pred"]) == len(test)
    runner.fused_unit(spec, trials, train, test)
    assert seen["groups"] is None


def test_variant_rows_and_the_first_splits(quick, tmp_path):
    spec, base, _ = quick
    data = spec.model_dump()
    data["variants"] = [{"label": "kappa=0", "net": {"kappa": 0}}]
    with_variant = PipelineSpec.from_dict(data, source="test")
    result = run_pipeline(
        with_variant, tmp_path / "out", workers=0, cache_dir=base / "cache", report=False,
        progress=False, log=lambda _: None, max_splits=2,
    )  # fmt: skip
    scores = result.scores
    assert sorted(scores["fold"].unique()) == [0, 1]  # the first 2 of 3 folds
    variant = scores[scores.method == "kappa=0"]
    assert set(variant["family"]) == {"ablation"} and len(variant) == 2
    # the S2 row's units come from the cache of the first run; the variant's are new
    assert (result.summary["cached_units"], result.summary["computed_units"]) == (2, 2)
    first = pd.read_csv(base / "out" / "scores.csv")
    s2 = scores[scores.family == "s2"].set_index("fold")["accuracy"]
    pd.testing.assert_series_equal(
        s2, first[(first.family == "s2") & (first.fold < 2)].set_index("fold")["accuracy"]
    )
    # a variant is scored as a pipeline with its changes would be
    alone = run_pipeline(
        with_variant.variant_specs()[0][1], tmp_path / "alone", workers=0, cache=False,
        report=False, progress=False, log=lambda _: None, max_splits=2,
    )  # fmt: skip
    np.testing.assert_array_equal(
        alone.scores[alone.scores.family == "s2"]["accuracy"].to_numpy(),
        variant["accuracy"].to_numpy(),
    )
    with pytest.raises(ValueError, match="max_splits must be a positive integer"):
        run_pipeline(spec, tmp_path / "bad", workers=0, cache=False, progress=False,
                     log=lambda _: None, max_splits=0)  # fmt: skip


def test_the_s2decoder_row_is_s2decoder(quick):
    """The row labelled S2Decoder scores as S2Decoder itself (its choice of feature sets
    included) cross-validated on the same splits."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from s2decode.estimators import S2Decoder
    from s2decode.pipeline.data import dataset_subjects, load_subject

    spec, base, _ = quick
    assert spec.decoder.label == "S2Decoder" and spec.decoder.select_features
    (subject,) = dataset_subjects(spec)
    trials = load_subject(spec, subject)
    decoder = S2Decoder(**spec.featurizer_params())
    cv = StratifiedKFold(spec.cv.n_splits, shuffle=True, random_state=spec.seed)
    y_pred = cross_val_predict(decoder, trials, trials["y"].values.astype(str), cv=cv)
    preds = pd.read_csv(base / "out" / "predictions.csv", dtype={"y_pred": str})
    mine = preds[preds.method == "S2Decoder"].sort_values("trial")
    np.testing.assert_array_equal(mine["y_pred"].to_numpy(), y_pred)


def test_leave_one_group_out_folds_follow_the_runs_in_numeric_order():
    from s2decode.pipeline.run import describe, plan_splits
    from s2decode.trials import make_trials

    groups = np.repeat(np.arange(1, 13), 2)  # runs 1..12, two trials each
    trials = make_trials(np.zeros((24, 2, 3)), sfreq=10.0, y=np.tile(["a", "b"], 12), group=groups)
    spec = _small_quickstart(cv={"scheme": "leave_one_group_out"})
    splits = plan_splits(spec, ["-"], {"-": describe(trials)})
    assert [int(np.unique(groups[s.test])[0]) for s in splits] == list(range(1, 13))
    # labels that are not numbers keep their (string) order
    named = trials.assign_coords(group=("trial", np.char.add("run", groups.astype(str))))
    first = plan_splits(spec, ["-"], {"-": describe(named)})[1]
    assert set(named["group"].values[first.test]) == {"run10"}

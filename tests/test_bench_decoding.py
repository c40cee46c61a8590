"""The decoding benchmark (benchmarks/decoding.py): its pipeline files and the report it
collects from their runs.

Small generated trials only: the real-data runs belong to the benchmark itself.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from s2decode import peers
from s2decode.pipeline import PipelineSpec

from .conftest import require

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _import_script(name: str):
    """Import ``benchmarks/<name>.py`` (scripts, not a package) under a private name."""
    key = f"_s2decode_bench_{name}"
    if key in sys.modules:
        return sys.modules[key]
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # fusion_rules imports decoding
    spec = importlib.util.spec_from_file_location(key, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module  # before exec: dataclasses look their module up
    spec.loader.exec_module(module)
    return module


decoding = _import_script("decoding")


def _task(key="toy", scheme="kfold", subjects=None, metric="accuracy", counted=True):
    """A small generated task: 24 evoked trials of 0.5 s on 4 electrodes, band power as
    its peer."""
    spec = PipelineSpec.from_dict(
        {
            "name": key,
            "description": "a toy task\n\nits notes, on\ntwo lines",
            "dataset": {
                "name": "synthetic",
                "options": {"design": "evoked", "n_trials": 24, "duration": 0.5},
            },
            "cv": {"scheme": scheme, "n_splits": 3},
            "scoring": metric,
            "peers": ["bandpower_lr"],
            "decoder": {"fuse_with": ["bandpower_lr"]},
            "variants": [{"label": "S2Decoder rates only", "features": {"sets": ["rates"]}}],
        },
        source="toy",
    )
    if subjects is not None:  # only the report reads these: no data behind them
        spec = spec.model_copy(update={"dataset": spec.dataset.model_copy(
            update={"subjects": subjects})})  # fmt: skip
    return decoding.Task(key, spec, "a toy task", "its notes, on two lines", counted)


def _result(method, family, scores, task="toy"):
    return decoding.Result(
        task,
        method,
        family,
        "accuracy",
        {"all": [{"accuracy": s, "balanced_accuracy": s} for s in scores]},
        1.0,
        0.5,
        10,
        "4 channels x 125 samples",
    )


# --------------------------------------------------------------------------- the tasks
def test_the_tasks_are_the_pipeline_files():
    tasks = [decoding.get_task(k) for k in decoding.TASK_KEYS]
    assert sorted(p.stem for p in (BENCH / "pipelines").glob("*.yaml")) == sorted(
        decoding.TASK_KEYS
    )
    assert [t.key for t in tasks if not t.counted] == ["synthetic_evoked"]
    assert len([t for t in tasks if t.counted]) == 8
    for task in tasks:
        spec = task.spec
        assert spec.name == task.key and task.title and task.notes
        assert "\n" not in task.notes
        assert spec.peers and spec.decoder.fuse_with, task.key
        assert spec.decoder.label == "S2Decoder"  # S2Decoder itself, feature choice included
        assert spec.compute.backend == "cpp_standalone" and spec.seed == 0
        assert all(v.label.startswith("S2Decoder ") for v in spec.variants)
        # every method of a task reads the same trials: the fused peers are the task's
        assert {p.display_label for p in spec.decoder.fuse_with} <= {
            p.display_label for p in spec.peers
        }
    by_key = {t.key: t for t in tasks}
    assert by_key["eegmat_loso"].metric == "balanced_accuracy"
    assert by_key["eegmat_within"].cv_text == "stratified 5-fold within each subject"
    assert by_key["eegmat_loso"].cv_text == "leave one subject out"
    assert by_key["haxby_8way"].cv_text == "leave one run out"
    assert by_key["kramer_stn"].cv_text == "stratified 5-fold"
    assert by_key["eegbci_hands_feet"].spec.features.input == "epochs"
    with pytest.raises(ValueError, match="Unknown task"):
        decoding.get_task("nope")


def test_task_spec_quick_rows_and_seed():
    loso = decoding.get_task("eegmat_loso")
    quick = decoding.task_spec(loso, quick=True)
    assert quick.dataset.subjects == decoding.QUICK_EEGMAT_SUBJECTS
    assert quick.variants == loso.spec.variants and quick.peers == loso.spec.peers
    some = decoding.task_spec(loso, seed=3, rows=("peer", "s2"))
    assert some.seed == 3 and some.variants == [] and some.decoder.fuse_with == []
    assert decoding.task_spec(loso, rows=("stacked",)).peers == []
    assert decoding.task_spec(loso) == loso.spec
    ssdp = decoding.task_spec(loso, variants=["ssdp"])  # a label's words, any case
    assert [v.label for v in ssdp.variants] == ["S2Decoder + SSDP"]
    assert ssdp.peers == loso.spec.peers
    assert decoding.task_spec(loso, rows=("s2",), variants=["ssdp"]).variants == []


def _scores(subjects, methods, n_folds=2):
    rows = []
    for subject in subjects:
        for fold in range(n_folds):
            for k, (method, family) in enumerate(methods):
                acc = 0.5 + 0.1 * k + 0.05 * fold + (0.2 if subject == "2" else 0.0)
                rows.append(
                    {"subject": subject, "fold": fold, "method": method, "family": family,
                     "accuracy": acc, "balanced_accuracy": acc - 0.01, "n_train": 8,
                     "n_test": 4, "seconds": 1.5}
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_task_results_read_a_pipeline_run():
    methods = [
        ("S2Decoder", "s2"),
        ("band power", "peer"),
        ("S2 + peer (late fusion)", "stacked"),
        ("S2Decoder rates only", "ablation"),
    ]
    summary = {
        "trial_dims": ["trial", "channel", "time"],
        "trial_shape": [12, 4, 125],
        "aggregation": "mean +- sd over folds",
        "chance": 0.5,
        "n_trials": 12,
    }
    results = decoding.task_results(_task(), _scores(["-"], methods), summary)
    assert [(r.method, r.family) for r in results] == [
        ("band power", "peer"),
        ("S2Decoder", "s2"),
        ("S2Decoder rates only", "ablation"),
        (decoding.STACKED, "stacked"),
    ]
    s2 = results[1]
    assert list(s2.unit_scores) == ["all"] and s2.fold_scores().tolist() == [0.5, 0.55]
    assert s2.mean("balanced_accuracy") == pytest.approx(0.515)
    assert (s2.view, s2.seconds, s2.chance) == ("4 channels x 125 samples", 3.0, 0.5)
    # within subjects: one unit per subject, the summary over their means
    within = dict(summary, aggregation="mean +- sd over subjects of their fold means")
    _, s2, *_ = decoding.task_results(_task(), _scores(["1", "2"], methods), within)
    assert list(s2.unit_scores) == ["subject 1", "subject 2"]
    assert s2.summary_scores().tolist() == pytest.approx([0.525, 0.725])
    assert decoding.view_text(("trial", "unit", "time"), (5, 1, 1)) == "1 unit x 1 sample"


def test_a_task_runs_on_the_pipeline_engine(tmp_path):
    task = _task()
    results = decoding.run_task(task, tmp_path, n_jobs=0, quick=True, cache=False)
    assert [r.family for r in results] == ["peer", "s2", "ablation", "stacked"]
    run = tmp_path / "runs" / "toy"
    scores = pd.read_csv(run / "scores.csv")
    assert sorted(scores["fold"].unique()) == [0, 1]  # quick: the first 2 of 3 folds
    for r in results:
        label = "S2 + peer (late fusion)" if r.family == "stacked" else r.method
        mine = scores[scores["method"] == label]["accuracy"].to_numpy()
        np.testing.assert_array_equal(r.fold_scores(), mine)
        assert r.n_trials == 24 and r.view == "4 channels x 125 samples"
    # S2-Net's energy per test trial: in scores.csv for the S2 rows, read into the results
    s2, peer = results[1], results[0]
    s2_rows = scores[scores["method"] == s2.method]
    assert (
        np.all(s2_rows["energy_pj"] > 0)
        and scores.loc[scores.family == "peer", "energy_pj"].isna().all()
    )
    expected = np.average(s2_rows["energy_pj"], weights=s2_rows["n_test"])
    assert s2.energy_pj == pytest.approx(expected, rel=1e-12)
    assert s2.score_per_pj() == pytest.approx(s2.mean() / expected, rel=1e-12)
    assert np.isnan(peer.energy_pj) and np.isnan(peer.score_per_pj())
    frame = decoding.results_frame(results, [task])
    back = decoding.results_from_csv(frame)
    assert back[1].energy_pj == pytest.approx(s2.energy_pj, rel=1e-12)
    assert np.isnan(back[0].energy_pj)
    again = decoding.run_task(task, tmp_path / "b", n_jobs=0, quick=True, rows=("peer", "s2"))
    assert [r.family for r in again] == ["peer", "s2"]
    np.testing.assert_array_equal(again[1].fold_scores(), results[1].fold_scores())
    with pytest.raises(ValueError, match="Unknown rows"):
        decoding.run_task(task, tmp_path / "c", rows=("peers",))


# --------------------------------------------------------------------------- the report
def test_goals_and_last_line_count_tasks_at_or_above_the_best_peer():
    task = _task()
    results = [
        _result("peer A", "peer", [0.8, 0.9]),
        _result("peer B", "peer", [0.7, 0.7]),
        _result("S2Decoder", "s2", [0.85, 0.85]),
        _result("stacked", "stacked", [0.845, 0.845]),
    ]
    g = decoding.goals(results, [task])
    assert g["rows"][0]["best"].method == "peer A"
    assert (g["at_or_above"], g["within3"], g["stacked_above"]) == (1, 1, 0)
    assert g["stacked_within1"] == 1  # 0.845 >= 0.85 - 0.01
    last = decoding.last_line(results, [task]).splitlines()
    assert last == [
        "s2_within_3_points: 1/1  stacked_within_1_point: 1/1",
        "tasks_at_or_above_best_peer: 1/1",
    ]
    results[2] = _result("S2Decoder", "s2", [0.7, 0.8])
    results[3] = _result("stacked", "stacked", [0.8, 0.8])
    g = decoding.goals(results, [task])
    assert (g["at_or_above"], g["within3"], g["stacked_within1"]) == (0, 0, 0)
    assert decoding.last_line(results, [task]).endswith("tasks_at_or_above_best_peer: 0/1")
    # a development task is reported but not counted
    g = decoding.goals(results, [_task(counted=False)])
    assert g["n_tasks"] == 0 and len(g["rows"]) == 1


def test_outputs_say_what_ran_and_make_nothing_up(tmp_path):
    task = _task()
    results = [_result("peer A", "peer", [0.8, 0.9]), _result("peer B", "peer", [0.7, 0.9])]
    info = {"command": "test", "mode": "full"}
    text = decoding.write_outputs(tmp_path, results, [task], {"cpu": "test cpu"}, info)
    frame = pd.read_csv(tmp_path / "decoding.csv")
    assert list(frame["method"]) == ["peer A", "peer B"]
    assert np.allclose(frame["mean"], [r.mean() for r in results])
    assert (frame["cv"] == "stratified 3-fold").all()
    md = (tmp_path / "decoding.md").read_text()
    assert md == text
    assert "test cpu" in md and "| toy |" in md and "its notes, on two lines" in md
    assert "not run" in md  # no S2 figure is ever made up
    assert md.rstrip().splitlines()[-1] == "tasks_at_or_above_best_peer: n/a (S2Decoder not run)"
    assert not list(tmp_path.glob(".*.part"))


def test_machine_description_names_the_cpu_its_flags_and_the_versions():
    info = decoding.machine_description()
    for key in ("cpu", "cpu flags", "cores", "ram", "os", "s2decode", "brian2", "mne"):
        assert info[key]


def test_combine_rebuilds_the_report_of_runs_side_by_side(tmp_path):
    within = _task("toy_within", subjects="all")
    kfold = _task()
    a = _result("peer A", "peer", [0.8, 0.9])
    s2 = _result("S2Decoder", "s2", [0.85, 0.95])
    w = decoding.Result(
        "toy_within",
        "peer B",
        "peer",
        "accuracy",
        {
            "s1": [{"accuracy": 0.6, "balanced_accuracy": 0.5}] * 2,
            "s2": [{"accuracy": 1.0, "balanced_accuracy": 0.9}] * 2,
        },
        1.0,
        0.5,
        10,
        "",
    )
    info = {"command": "part", "started": "now", "wall time": "1 min", "mode": "full"}
    decoding.write_outputs(tmp_path / "p1", [a, s2], [kfold], {"git commit": "abc"}, info)
    decoding.write_outputs(tmp_path / "p2", [w], [within], {"git commit": "def"}, info)
    both = [kfold, within]
    text = decoding.combine([tmp_path / "p1", tmp_path / "p2"], tmp_path / "all", both)
    with pytest.raises(ValueError, match=r"Every row of part 1 .* is replaced by a later part"):
        decoding.combine([tmp_path / "p1", tmp_path / "p1"], tmp_path / "bad", both)
    with pytest.raises(ValueError, match="unknown tasks"):
        decoding.combine([tmp_path / "p1"], tmp_path / "bad", [within])
    rebuilt = decoding.results_from_csv(pd.read_csv(tmp_path / "all" / "decoding.csv"))
    for orig in (a, s2, w):
        got = next(r for r in rebuilt if r.method == orig.method)
        assert got.mean() == pytest.approx(orig.mean()) and got.sd() == pytest.approx(orig.sd())
        assert got.mean("balanced_accuracy") == pytest.approx(orig.mean("balanced_accuracy"))
    assert "git commit abc" in text and "git commit def" in text
    assert "stratified 3-fold within each subject" in text
    assert text.rstrip().endswith("tasks_at_or_above_best_peer: 1/2")


def test_combine_lets_a_later_part_replace_the_rows_it_reran(tmp_path):
    kfold = _task()
    a = _result("peer A", "peer", [0.8, 0.9])
    s2 = _result("S2Decoder", "s2", [0.85, 0.95])
    old = _result(decoding.STACKED, "stacked", [0.5, 0.6])
    new = _result("S2 + peer (late fusion)", "stacked", [0.9, 1.0])  # the pipeline's name
    info = {"command": "part", "started": "now", "wall time": "1 min", "mode": "full"}
    decoding.write_outputs(tmp_path / "p1", [a, s2, old], [kfold], {"git commit": "abc"}, info)
    # a rerun of the stacked row alone: no peer, so its own report has no goals to count
    only = decoding.write_outputs(tmp_path / "p2", [new], [kfold], {"git commit": "def"}, info)
    assert "not run" in only
    text = decoding.combine([tmp_path / "p1", tmp_path / "p2"], tmp_path / "all", [kfold])
    rebuilt = decoding.results_from_csv(pd.read_csv(tmp_path / "all" / "decoding.csv"))
    assert [r.method for r in rebuilt] == ["peer A", "S2Decoder", decoding.STACKED]
    assert rebuilt[-1].mean() == pytest.approx(new.mean())
    assert "toy (peer, s2 rows)" in text and "git commit def" in text
    assert "stacked_within_1_point: 1/1" in text


@pytest.mark.realdata
def test_haxby_voxels_follow_the_mask_order_the_decoder_peer_assumes(data_dir):
    from nilearn.maskers import NiftiMasker

    from s2decode.pipeline import dataset_subjects, load_subject
    from s2decode.pipeline.run import pipeline_peer

    require(data_dir, "fmri", "haxby2001_sub001")
    spec = decoding.get_task("haxby_face_house").spec
    (subject,) = dataset_subjects(spec, data_dir)
    trials = load_subject(spec, subject, data_dir)
    block_means = trials.values.mean(axis=-1)
    img = peers.NiftiArrayDecoder(trials.attrs["mask_img"])._to_img(block_means)
    masker = NiftiMasker(mask_img=trials.attrs["mask_img"], standardize=None).fit()
    np.testing.assert_allclose(masker.transform(img), block_means, rtol=1e-5, atol=1e-6)
    # and the voxel names say the same (voxel_i_j_k in C order of the mask)
    ijk = np.array([[int(v) for v in n.split("_")[1:]] for n in trials["voxel"].values])
    mask = np.asarray(nib.load(trials.attrs["mask_img"]).dataobj) != 0
    np.testing.assert_array_equal(ijk, np.argwhere(mask))
    label, decoder = pipeline_peer(spec.peers[0], trials, spec.seed)
    assert label == "nilearn Decoder (SVC)" and isinstance(decoder, Pipeline)


# --------------------------------------------------------------------------- fusion study
def test_fusion_rules_score_the_same_predictions_by_each_rule():
    fusion_rules = _import_script("fusion_rules")

    y = np.arange(20) % 2
    right = np.eye(2)[y] * 0.8 + 0.1
    wrong = 1.0 - right
    coin = np.full((20, 2), 0.5)
    # S2 right, the first peer wrong and the second a coin, on the inner and test trials
    fold = ((right, [wrong, coin], y), (right, [wrong, coin], y))
    scores = fusion_rules.score_rules([fold, fold])
    assert scores["S2Decoder"] == 1.0 and scores["peer 0"] == 0.0
    assert scores["peer 1"] == 0.5  # argmax of a tie reads class 0
    for rule in fusion_rules.RULES:
        assert scores[rule] == 1.0, rule  # every rule gives S2 the blend here
    # an S2 that knows nothing: every rule keeps the right peer
    fold = ((coin, [right, wrong], y), (coin, [right, wrong], y))
    scores = fusion_rules.score_rules([fold])
    assert all(scores[rule] == 1.0 for rule in fusion_rules.RULES)
    dev = fusion_rules.dev_tasks()
    assert {t.key for t in dev}.isdisjoint(decoding.TASK_KEYS)
    # the development recordings are other runs and draws than the benchmark's
    assert dev[0].spec.dataset.options["task"] == "execution"
    assert dev[3].spec.dataset.options["seed"] == 2


def test_compare_decoding_matches_rows_by_fold_scores(tmp_path):
    compare = _import_script("compare_decoding")
    task = _task()
    ref = [_result("peer A", "peer", [0.8, 0.9]), _result(decoding.STACKED, "stacked", [1.0])]
    decoding.write_outputs(tmp_path / "ref", ref, [task], {}, {"mode": "full"})
    run = [
        _result("peer A", "peer", [0.9, 0.8]),  # the same scores in another order: differs
        _result("S2 + peer (late fusion)", "stacked", [1.0]),  # the pipeline's name: matched
        _result("S2Decoder", "s2", [0.5]),
    ]
    decoding.write_outputs(tmp_path / "run", run, [task], {}, {"mode": "full"})
    lines = compare.compare(tmp_path / "ref" / "decoding.csv", [tmp_path / "run" / "decoding.csv"])
    assert lines[0].startswith("toy | peer A | differs")
    assert lines[1] == "toy | (late fusion) | same (1 folds)"
    assert lines[2].startswith("toy | S2Decoder | new")
    assert lines[-1] == "same: 1/3"

"""The decoding benchmark's peers and plumbing (benchmarks/peers.py, benchmarks/decoding.py).

Small synthetic trials only: the real-data runs belong to the benchmark itself.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from s2decode import make_trials

from .conftest import require

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _import_script(name: str):
    """Import ``benchmarks/<name>.py`` (scripts, not a package) under a private name."""
    key = f"_s2decode_bench_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module  # before exec: dataclasses look their module up
    spec.loader.exec_module(module)
    return module


decoding = _import_script("decoding")
peers = decoding.peers

SFREQ = 100.0


def _oscillation_trials(n_trials=40, n_channels=6, n_times=200, seed=0):
    """Two classes that differ by the power of a 10 Hz rhythm on two channels."""
    rng = np.random.default_rng(seed)
    y = np.repeat(["a", "b"], n_trials // 2)
    t = np.arange(n_times) / SFREQ
    X = rng.standard_normal((n_trials, n_channels, n_times))
    amp = np.where(y == "b", 3.0, 0.3)[:, None]
    phase = rng.uniform(0, 2 * np.pi, (n_trials, 1))
    rhythm = amp * np.sin(2 * np.pi * 10 * t + phase)
    X[:, 0] += rhythm
    X[:, 1] -= 0.5 * rhythm
    return X, y


def _score(estimator, X, y, n_splits=4):
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=0)
    return cross_val_score(estimator, X, y, cv=cv, scoring="accuracy").mean()


# --------------------------------------------------------------------------- peers


@pytest.mark.parametrize(
    "make",
    [
        lambda: peers.csp_lda(SFREQ, band=(7.0, 30.0)),
        lambda: peers.csp_lda(band=None),
        lambda: peers.tangent_space_lr(SFREQ, band=(7.0, 30.0)),
        lambda: peers.bandpower_lr(SFREQ),
    ],
    ids=["csp_lda", "csp_lda_broadband", "tangent_space_lr", "bandpower_lr"],
)
def test_eeg_peers_decode_a_rhythm_difference(make):
    X, y = _oscillation_trials()
    assert _score(make(), X, y) >= 0.9
    # and nothing from labels that carry no information
    y_perm = np.random.default_rng(1).permutation(y)
    assert _score(make(), X, y_perm) < 0.8


def test_band_pass_needs_sfreq():
    with pytest.raises(ValueError, match="sfreq"):
        peers.csp_lda(sfreq=None, band=(7.0, 30.0))


def test_log_band_power_peaks_in_the_band_of_the_rhythm():
    t = np.arange(400) / SFREQ
    X = np.sin(2 * np.pi * 10 * t)[None, None, :] * np.ones((3, 2, 1))
    X[:, 1] = np.sin(2 * np.pi * 25 * t)
    bp = peers.LogBandPower(SFREQ).fit(X)
    out = bp.transform(X).reshape(3, 2, len(peers.BANDS))
    assert out.shape == (3, 2, 6)
    assert np.argmax(out[0, 0]) == 2  # 8-13 Hz
    assert np.argmax(out[0, 1]) == 4  # 20-30 Hz
    names = bp.get_feature_names_out(["Cz", "Pz"])
    assert names[2] == "Cz_8-13Hz" and len(names) == 12
    with pytest.raises(ValueError, match="channels"):
        bp.transform(X[:, :1])


@pytest.mark.parametrize(
    "bands, match",
    [([(1.0, 60.0)], "Nyquist"), ([(13.0, 8.0)], "low < high"), ([1.0, 2.0], "pairs")],
)
def test_log_band_power_rejects_bad_bands(bands, match):
    with pytest.raises(ValueError, match=match):
        peers.LogBandPower(SFREQ, bands=bands).fit(np.zeros((2, 1, 200)))


def test_spike_counts_whole_window_and_bins():
    rng = np.random.default_rng(0)
    X = rng.poisson(0.05, (5, 3, 1000)).astype(float)  # 1 ms bins
    total = peers.SpikeCounts(1000.0).fit_transform(X)
    np.testing.assert_array_equal(total, X.sum(axis=-1))
    binned = peers.SpikeCounts(1000.0, bin_size=0.1).fit_transform(X)
    assert binned.shape == (5, 30)
    np.testing.assert_array_equal(binned.reshape(5, 3, 10).sum(axis=-1), total)
    np.testing.assert_array_equal(binned[:, 10], X[:, 1, :100].sum(axis=-1))
    with pytest.raises(ValueError, match="whole number"):
        peers.SpikeCounts(1000.0, bin_size=0.0005).fit(X)
    with pytest.raises(ValueError, match="longer than the trials"):
        peers.SpikeCounts(1000.0, bin_size=2.0).fit(X)
    with pytest.raises(ValueError, match="n_trials, n_nodes, n_times"):
        peers.SpikeCounts(1000.0).fit(X[0])


def test_spike_and_rate_peers_decode_a_rate_difference():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    rates = np.where(y == 1, 0.04, 0.01)[:, None, None]
    X = rng.poisson(rates * np.ones((40, 2, 500))).astype(float)
    assert _score(peers.spike_counts_lr(1000.0), X, y) >= 0.9
    assert _score(peers.spike_counts_lr(1000.0, bin_size=0.1), X, y) >= 0.8
    assert _score(peers.rates_lr(), X.sum(axis=-1, keepdims=True), y) >= 0.9


def _mask_img(shape=(5, 4, 2), n_in=14, seed=0):
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, dtype=np.int8)
    mask.flat[rng.choice(mask.size, n_in, replace=False)] = 1
    return nib.Nifti1Image(mask, np.diag([3.0, 3.0, 3.0, 1.0]))


def test_nifti_array_decoder_puts_voxels_where_nilearn_reads_them():
    from nilearn.maskers import NiftiMasker

    mask = _mask_img()
    X = np.random.default_rng(0).standard_normal((7, 14))
    img = peers.NiftiArrayDecoder(mask)._to_img(X)
    back = NiftiMasker(mask_img=mask, standardize=None).fit_transform(img)
    np.testing.assert_allclose(back, X, rtol=1e-6)
    with pytest.raises(ValueError, match="voxels of mask_img"):
        peers.NiftiArrayDecoder(mask)._to_img(X[:, :5])


@pytest.mark.filterwarnings("ignore:screening_percentile:UserWarning")
@pytest.mark.filterwarnings("ignore:Brain mask is smaller")
@pytest.mark.filterwarnings("ignore:The decoding model will be trained only on")
def test_fmri_peers_decode_a_pattern():
    rng = np.random.default_rng(0)
    y = np.repeat(["face", "house"], 12)
    pattern = rng.standard_normal(14)
    X = (
        rng.standard_normal((24, 14, 3))
        + np.where(y == "face", 1.0, -1.0)[:, None, None] * (pattern[None, :, None])
    )
    decoder = peers.nilearn_decoder(_mask_img(), cv=3)
    assert _score(decoder, X, y) >= 0.9
    assert _score(peers.anova_svc(percentile=50), X, y) >= 0.9
    pred = clone(decoder).fit(X, y).predict(X[:3])
    assert set(pred) <= {"face", "house"}


def test_features_of_drops_the_classifier():
    X, y = _oscillation_trials()
    pipe = peers.csp_lda(SFREQ)
    feats = peers.features_of(pipe)
    assert [name for name, _ in feats.steps] == ["bandpass", "csp"]
    assert feats.fit_transform(X, y).shape == (len(X), 4)
    assert not hasattr(pipe[-1], "coef_")  # the peer itself is left unfitted
    # the nilearn Decoder has no feature step: its ANOVA screening stands in
    anova = peers.features_of(peers.nilearn_decoder(_mask_img()))
    assert [name for name, _ in anova.steps] == ["mean", "scale", "anova"]
    with pytest.raises(ValueError, match="classifier"):
        peers.features_of(peers.LogBandPower(SFREQ))


# --------------------------------------------------------------------------- harness


def _task(cv="kfold", metric="accuracy"):
    return decoding.Task(
        key="toy",
        title="toy rhythm task",
        dataset="synthetic",
        peer_options={},
        s2_options=None,
        cv=cv,
        metric=metric,
        peers=lambda trials: {
            "band power": peers.bandpower_lr(float(trials.attrs["sfreq"])),
            "CSP": peers.csp_lda(float(trials.attrs["sfreq"])),
        },
        n_folds=3,
    )


def _toy_trials(n_subjects=3):
    X, y = _oscillation_trials(n_trials=24 * n_subjects)
    groups = np.tile(np.arange(n_subjects), len(y) // n_subjects)
    return make_trials(X, sfreq=SFREQ, y=y, group=groups, node_dim="channel", modality="eeg")


def test_tasks_are_the_eight_of_the_issue_and_a_development_task():
    counted = [t for t in decoding.TASKS if t.counted]
    assert len(counted) == 8
    assert len(set(decoding.TASK_KEYS)) == len(decoding.TASKS) == 9
    assert [t.key for t in decoding.TASKS if not t.counted] == ["synthetic_evoked"]
    for task in decoding.TASKS:
        assert task.cv in ("kfold", "within", "groups")
        assert task.metric in decoding.SCORINGS
        assert set(task.variants) <= set(decoding.S2_VARIANTS)
        assert task.s2_options is None or task.dataset == "eegmat"  # one view for all
    assert decoding.get_task("eegmat_loso").metric == "balanced_accuracy"
    with pytest.raises(ValueError, match="Unknown task"):
        decoding.get_task("nope")


def test_splits_are_drawn_once_and_reproducible():
    trials = _toy_trials()
    y, groups = trials["y"].values, trials["group"].values
    a = decoding.make_units(_task(), y, groups, seed=3)
    b = decoding.make_units(_task(), y, groups, seed=3)
    c = decoding.make_units(_task(), y, groups, seed=4)
    assert len(a) == 1 and len(a[0][2]) == 3
    for (tr_a, te_a), (tr_b, te_b) in zip(a[0][2], b[0][2], strict=True):
        np.testing.assert_array_equal(tr_a, tr_b)
        np.testing.assert_array_equal(te_a, te_b)
    assert any(
        not np.array_equal(te_a, te_c)
        for (_, te_a), (_, te_c) in zip(a[0][2], c[0][2], strict=True)
    )
    # within: one unit per group, split inside it; groups: one fold per group
    within = decoding.make_units(_task("within"), y, groups, seed=0)
    assert [name for name, _, _ in within] == ["subject 0", "subject 1", "subject 2"]
    for g, (_, idx, splits) in enumerate(within):
        assert np.all(groups[idx] == g)
        assert sorted(np.concatenate([te for _, te in splits])) == list(range(len(idx)))
    loo = decoding.make_units(_task("groups"), y, groups, seed=0)
    assert [set(groups[te]) for _, te in loo[0][2]] == [{0}, {1}, {2}]
    quick = decoding.make_units(_task("groups"), y, groups, seed=0, max_splits=2)
    assert len(quick[0][2]) == 2


def test_chance_level():
    from s2decode.scoring import chance_level

    y = np.array(["a"] * 6 + ["b"] * 2)
    assert chance_level(y, "accuracy") == 0.75 == chance_level(y)
    assert chance_level(y, "balanced_accuracy") == 0.5
    assert chance_level(["a", "b", "c"], "balanced_accuracy") == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="`scoring` must be one of"):
        chance_level(y, "f1")
    with pytest.raises(ValueError, match="empty"):
        chance_level([])


def test_check_same_trials():
    trials = _toy_trials()
    decoding.check_same_trials(trials, trials.copy())
    n = trials.sizes["trial"]
    swapped = trials.isel(trial=np.r_[n - 1, 1 : n - 1, 0])  # first and last: other labels
    with pytest.raises(ValueError, match="'y' differs"):
        decoding.check_same_trials(trials, swapped.assign_coords(trial=trials["trial"].values))
    with pytest.raises(ValueError, match="trials"):
        decoding.check_same_trials(trials, trials.isel(trial=slice(1, None)))


@pytest.mark.parametrize("cv", ["kfold", "within", "groups"])
def test_run_task_peers_and_report(tmp_path, cv):
    task = _task(cv, "balanced_accuracy" if cv == "groups" else "accuracy")
    trials = _toy_trials()
    data = decoding.TaskData(trials, trials)
    results = decoding.run_task(task, data, seed=0, s2=False)
    assert [r.method for r in results] == ["band power", "CSP"]
    for r in results:
        assert 0.8 <= r.mean() <= 1.0
        n_splits = {"kfold": 3, "within": 9, "groups": 3}[cv]
        assert r.fold_scores().size == n_splits
        assert r.summary_scores().size == 3  # folds, or subjects' means (within)
        assert r.trial_folds == 3 * len(trials)

    info = {"command": "test", "mode": "full"}
    text = decoding.write_outputs(tmp_path, results, [task], {"cpu": "test cpu"}, info)
    frame = pd.read_csv(tmp_path / "decoding.csv")
    assert list(frame["method"]) == ["band power", "CSP"]
    assert np.allclose(frame["mean"], [r.mean() for r in results])
    assert (frame["family"] == "peer").all()
    md = (tmp_path / "decoding.md").read_text()
    assert md == text
    assert "test cpu" in md and "| toy |" in md
    assert "not run" in md  # no S2 figure is ever made up
    assert md.rstrip().splitlines()[-1] == "tasks_at_or_above_best_peer: n/a (S2Decoder not run)"


def _result(method, family, scores):
    return decoding.Result(
        "toy",
        method,
        family,
        "accuracy",
        {"all": [{"accuracy": s, "balanced_accuracy": s} for s in scores]},
        1.0,
        10,
        0.5,
        10,
        "",
    )


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
    dev = dataclasses.replace(task, counted=False)
    g = decoding.goals(results, [dev])
    assert g["n_tasks"] == 0 and len(g["rows"]) == 1


class _Variance(BaseEstimator, ClassifierMixin):
    """Stand-in for S2Decoder in the plumbing test: it must receive a DataArray."""

    def fit(self, X, y):
        self.lr_ = LogisticRegression().fit(self._features(X), y)
        self.classes_ = self.lr_.classes_
        return self

    @staticmethod
    def _features(X):
        assert isinstance(X, xr.DataArray) and X.dims == ("trial", "parcel", "time")
        assert X.attrs["modality"] == "synthetic"
        return np.log(X.var("time").values)

    def predict_proba(self, X):
        return self.lr_.predict_proba(self._features(X))

    def predict(self, X):
        return self.lr_.predict(self._features(X))


def test_stacked_row_gives_each_decoder_its_view_of_the_same_trials():
    X, y = _oscillation_trials()
    sensors = make_trials(X, sfreq=SFREQ, y=y, node_dim="channel", modality="eeg")
    parcels = make_trials(X[:, ::-1] * 2.0, sfreq=SFREQ, y=y, names=list("abcdef"))
    data = decoding.TaskData(sensors, parcels)
    task = _task()
    candidates = {"band power": peers.bandpower_lr(SFREQ)}
    stacked, Xs = decoding.stacked_row(task, data, _Variance(), candidates, seed=0)
    assert Xs.shape == (len(X), 2 * 6 * 200)
    assert _score(stacked, Xs, y) >= 0.9
    fitted = clone(stacked).fit(Xs, y)
    assert fitted.peer_name_ == "band power" and 0 <= fitted.weight_ <= 1
    # the peer got the sensors (first view), S2 the parcels as a DataArray (second view)
    peer_view = fitted.peer_.named_steps["view"].transform(Xs)
    np.testing.assert_array_equal(peer_view, X)
    s2_view = decoding.View(6 * 200, parcels.shape[1:], decoding._template(parcels))
    np.testing.assert_allclose(s2_view.fit(Xs).transform(Xs).values, parcels.values)


def test_unflatten_restores_the_template_coords():
    trials = _toy_trials()
    flat = trials.values.reshape(trials.sizes["trial"], -1)
    tpl = decoding._template(trials)
    assert tpl.sizes["trial"] == 1 and "y" not in tpl.coords
    out = decoding.Unflatten(trials.shape[1:], template=tpl).fit(flat).transform(flat[:4])
    assert isinstance(out, xr.DataArray)
    assert out.shape == (4, *trials.shape[1:])
    np.testing.assert_array_equal(out["channel"].values, trials["channel"].values)
    np.testing.assert_array_equal(out.values, trials.values[:4])
    assert out.attrs["sfreq"] == SFREQ
    plain = decoding.Unflatten(trials.shape[1:]).fit(flat).transform(flat)
    assert isinstance(plain, np.ndarray)
    with pytest.raises(ValueError, match="Unflatten"):
        decoding.Unflatten((5, 5)).fit(flat)


def test_machine_description_names_the_versions():
    info = decoding.machine_description()
    for key in ("cpu", "cores", "ram", "os", "s2decode", "brian2", "mne", "scikit-learn"):
        assert info[key]


def test_estimate_full_seconds_separates_the_first_split():
    one = _result("peer A", "peer", [0.8])  # 1 s for 10 trial-folds
    assert decoding.estimate_full_seconds([one], {"toy": 100}) == pytest.approx(10.0)
    # a cold first split (10 s: builds), then 2 s per 10 trials
    cold = _result("S2Decoder", "s2", [0.8, 0.8, 0.8])
    cold.split_seconds, cold.split_trials = [10.0, 2.0, 2.0], [10, 10, 10]
    assert decoding.estimate_full_seconds([cold], {"toy": 100}) == pytest.approx(10 + 0.2 * 90)
    assert decoding.estimate_full_seconds([one, cold], {"toy": 100}) == pytest.approx(38.0)


@pytest.mark.realdata
def test_haxby_voxels_follow_the_mask_order_the_decoder_peer_assumes(data_dir):
    from nilearn.maskers import NiftiMasker

    require(data_dir, "fmri", "haxby2001_sub001")
    task = decoding.get_task("haxby_face_house")
    trials = decoding._load(task, task.peer_options, data_dir, quick=False)
    block_means = trials.values.mean(axis=-1)
    img = peers.NiftiArrayDecoder(trials.attrs["mask_img"])._to_img(block_means)
    masker = NiftiMasker(mask_img=trials.attrs["mask_img"], standardize=None).fit()
    np.testing.assert_allclose(masker.transform(img), block_means, rtol=1e-5, atol=1e-6)
    # and the voxel names say the same (voxel_i_j_k in C order of the mask)
    ijk = np.array([[int(v) for v in n.split("_")[1:]] for n in trials["voxel"].values])
    mask = np.asarray(nib.load(trials.attrs["mask_img"]).dataobj) != 0
    np.testing.assert_array_equal(ijk, np.argwhere(mask))
    assert isinstance(task.peers(trials)["nilearn Decoder (SVC)"], Pipeline)


def test_combine_rebuilds_the_report_of_runs_side_by_side(tmp_path, monkeypatch):
    within = _task("within")
    within = dataclasses.replace(within, key="toy_within")
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
        10,
        0.5,
        10,
        "",
    )
    info = {"command": "part", "started": "now", "wall time": "1 min", "mode": "full"}
    monkeypatch.setattr(decoding, "TASKS", (kfold, within))
    decoding.write_outputs(tmp_path / "p1", [a, s2], [kfold], {"git commit": "abc"}, info)
    decoding.write_outputs(tmp_path / "p2", [w], [within], {"git commit": "def"}, info)
    text = decoding.combine([tmp_path / "p1", tmp_path / "p2"], tmp_path / "all")
    with pytest.raises(ValueError, match=r"Every row of part 1 .* is replaced by a later part"):
        decoding.combine([tmp_path / "p1", tmp_path / "p1"], tmp_path / "bad")
    rebuilt = decoding.results_from_csv(pd.read_csv(tmp_path / "all" / "decoding.csv"))
    for orig in (a, s2, w):
        got = next(r for r in rebuilt if r.method == orig.method)
        assert got.mean() == pytest.approx(orig.mean()) and got.sd() == pytest.approx(orig.sd())
        assert got.mean("balanced_accuracy") == pytest.approx(orig.mean("balanced_accuracy"))
    assert "git commit abc" in text and "git commit def" in text
    assert text.rstrip().endswith("tasks_at_or_above_best_peer: 1/2")


def test_combine_lets_a_later_part_replace_the_rows_it_reran(tmp_path, monkeypatch):
    kfold = _task()
    a = _result("peer A", "peer", [0.8, 0.9])
    s2 = _result("S2Decoder", "s2", [0.85, 0.95])
    old = _result(decoding.STACKED, "stacked", [0.5, 0.6])
    new = _result(decoding.STACKED, "stacked", [0.9, 1.0])
    info = {"command": "part", "started": "now", "wall time": "1 min", "mode": "full"}
    monkeypatch.setattr(decoding, "TASKS", (kfold,))
    decoding.write_outputs(tmp_path / "p1", [a, s2, old], [kfold], {"git commit": "abc"}, info)
    # a rerun of the stacked row alone: no peer, so its own report has no goals to count
    only = decoding.write_outputs(tmp_path / "p2", [new], [kfold], {"git commit": "def"}, info)
    assert "not run" in only
    text = decoding.combine([tmp_path / "p1", tmp_path / "p2"], tmp_path / "all")
    rebuilt = decoding.results_from_csv(pd.read_csv(tmp_path / "all" / "decoding.csv"))
    assert [r.method for r in rebuilt] == ["peer A", "S2Decoder", decoding.STACKED]
    assert rebuilt[-1].mean() == pytest.approx(new.mean())
    assert "toy (peer, s2 rows)" in text and "git commit def" in text
    assert "stacked_within_1_point: 1/1" in text


def test_run_task_runs_only_the_rows_asked():
    trials = _toy_trials(1)
    data = decoding.TaskData(trials, trials)
    # S2 asked for, but only the peer rows: nothing of S2-Net is built or run
    results = decoding.run_task(_task(), data, seed=0, s2=True, rows=("peer",))
    assert [r.family for r in results] == ["peer", "peer"]
    with pytest.raises(ValueError, match="Unknown rows"):
        decoding.run_task(_task(), data, rows=("peers",))


def test_fusion_rules_score_the_same_predictions_by_each_rule():
    import fusion_rules

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
    assert {t.key for t in fusion_rules.dev_tasks()}.isdisjoint(decoding.TASK_KEYS[:8])


class _GroupChecker(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; ``fit`` raises unless it gets ``groups`` equal to the
    first column of its ``X`` (where the test writes each trial's group)."""

    def fit(self, X, y, groups=None):
        if groups is None or not np.array_equal(np.asarray(groups), np.asarray(X)[:, 0]):
            raise AssertionError(f"fit got groups {groups!r}, not the training trials' groups")
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


def test_evaluate_passes_each_training_fold_its_groups():
    """The stacked row's inner folds of a leave-one-group-out task keep groups whole: the
    groups reach ``fit``, cut to the training fold's trials, in their order."""
    trials = _toy_trials()
    y, groups = trials["y"].values, trials["group"].values
    task = _task("groups")
    units = decoding.make_units(task, y, groups, seed=0)
    X = np.column_stack([groups, trials.values.reshape(len(y), -1)])
    res = decoding.evaluate(
        task, "check", "stacked", _GroupChecker(), X, y, units, fit_groups=groups
    )
    assert len(res.fold_scores()) == 3
    with pytest.raises(AssertionError, match="not the training trials' groups"):
        decoding.evaluate(task, "check", "stacked", _GroupChecker(), X, y, units)

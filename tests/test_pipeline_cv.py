"""Cross-session and transfer evaluation: ``cv.scheme: cross_session`` and
``leave_one_subject_out`` with ``cv.calibration`` (the schema, its errors, the folds)."""

from __future__ import annotations

import copy
import hashlib
import json

import numpy as np
import pytest

from s2decode.pipeline.run import (
    _describe_cv,
    _inner_groups,
    cross_session_groups,
    group_key,
    plan_splits,
)
from s2decode.pipeline.spec import PipelineError, PipelineSpec, calibration_problem

SYNTHETIC = {"name": "t", "dataset": {"name": "synthetic", "options": {"n_trials": 20}}}
EEGBCI = {"name": "t", "dataset": {"name": "eegbci", "subjects": [1, 2, 3]}}


def _spec(base=SYNTHETIC, **cv) -> PipelineSpec:
    data = copy.deepcopy(base)
    data["cv"] = cv
    return PipelineSpec.from_dict(data, source="p.yaml")


def _errors(base=SYNTHETIC, **cv) -> dict[str, str]:
    with pytest.raises(PipelineError) as info:
        _spec(base, **cv)
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.errors)  # one line per problem, naming the file
    assert all(line.startswith("p.yaml: ") for line in lines)
    return dict(info.value.errors)


def _subject(y, groups=None) -> dict:
    y = np.asarray(y).astype(str)
    return {"y": y, "groups": groups, "shape": (len(y), 3, 10)}


# --------------------------------------------------------------------------- cross_session
def test_cross_session_defaults_to_training_on_all_groups_but_the_last():
    # runs 4, 8, 12 of eegbci's imagery: numbers, sorted as numbers (not "12" < "4")
    groups = np.repeat([4, 8, 12], 6)
    y = np.tile(["left", "right"], 9)
    splits = plan_splits(_spec(scheme="cross_session"), ["-"], {"-": _subject(y, groups)})
    assert len(splits) == 1
    split = splits[0]
    assert set(groups[split.train]) == {4, 8} and set(groups[split.test]) == {12}
    assert np.intersect1d(split.train, split.test).size == 0
    assert len(split.train) + len(split.test) == len(y)
    np.testing.assert_array_equal(split.test_trials, split.test)


def test_cross_session_train_and_test_groups_as_given():
    groups = np.repeat(np.arange(4), 5)
    y = np.tile(["a", "b"], 10)
    spec = _spec(scheme="cross_session", train_groups=[0, 2], test_groups=[3])
    (split,) = plan_splits(spec, ["-"], {"-": _subject(y, groups)})
    assert sorted(set(groups[split.train])) == [0, 2]
    assert sorted(set(groups[split.test])) == [3]  # group 1 is in neither
    # one side given: the other side is every other group
    spec = _spec(scheme="cross_session", test_groups=[1])
    (split,) = plan_splits(spec, ["-"], {"-": _subject(y, groups)})
    assert sorted(set(groups[split.train])) == [0, 2, 3]
    assert sorted(set(groups[split.test])) == [1]


def test_cross_session_group_labels_and_numbers_match():
    # BIDS sessions are labels; runs read from files may be floats
    labels = np.array(["ses-01"] * 4 + ["ses-02"] * 4)
    spec = _spec(scheme="cross_session", train_groups=["ses-02"])
    train, test = cross_session_groups(spec.cv, labels)
    assert (train, test) == (["ses-02"], ["ses-01"])
    floats = np.array([1.0, 1.0, 2.0, 2.0])
    train, test = cross_session_groups(_spec(scheme="cross_session", train_groups=[2]).cv, floats)
    assert (train, test) == ([2.0], [1.0])
    assert group_key(np.float64(3.0)) == group_key(3) == "3"
    assert group_key("03") == "03"


def test_cross_session_runs_every_subject_apart():
    info = {s: _subject(np.tile(["a", "b"], 6), np.repeat([1, 2, 3], 4)) for s in ("1", "2", "3")}
    splits = plan_splits(_spec(EEGBCI, scheme="cross_session"), ["1", "2", "3"], info)
    assert [(s.subject, s.fold, s.members) for s in splits] == [
        ("1", 0, ("1",)), ("2", 0, ("2",)), ("3", 0, ("3",))
    ]  # fmt: skip


def test_cross_session_errors_name_the_group_and_the_fix():
    y = np.tile(["a", "b"], 6)
    groups = np.repeat([1, 2, 3], 4)
    spec = _spec(EEGBCI, scheme="cross_session", train_groups=[1, 7])
    with pytest.raises(ValueError, match=r"cv.train_groups \[7\].*subject 1.*\['1', '2', '3'\]"):
        plan_splits(spec, ["1"], {"1": _subject(y, groups)})
    # one group: nothing to test on
    with pytest.raises(ValueError, match="at least 2 values"):
        plan_splits(_spec(scheme="cross_session"), ["-"], {"-": _subject(y, np.zeros(12))})
    # training groups of one class
    one_class = np.array(["a"] * 4 + ["b"] * 4 + ["a", "b"] * 2)
    with pytest.raises(ValueError, match="hold one class"):
        plan_splits(
            _spec(scheme="cross_session", train_groups=[1]),
            ["-"],
            {"-": _subject(one_class, groups)},
        )


def test_cross_session_schema_errors():
    errors = _errors(scheme="kfold", train_groups=[1])
    assert "only used by scheme 'cross_session'" in errors["cv.train_groups"]
    errors = _errors(scheme="cross_session", train_groups=[1, 2], test_groups=[2, 3])
    assert "[2] also in cv.train_groups" in errors["cv.test_groups"]
    errors = _errors(scheme="cross_session", train_groups=[1, 1])
    assert "1 more than once" in errors["cv.train_groups"]
    for bad in ([], [True], [1.5], {"a": 1}):
        errors = _errors(scheme="cross_session", train_groups=bad)
        assert list(errors) == ["cv.train_groups"]
        assert "list of group values" in errors["cv.train_groups"]
    # one value is a list of one
    assert _spec(scheme="cross_session", test_groups=3).cv.test_groups == [3]


def test_cross_session_needs_groups_in_the_data():
    spec = _spec(scheme="cross_session")
    description = {
        "measure": "continuous", "sfreq": 100.0, "recording_sfreq": 100.0, "n_times": 100,
        "tmin": 0.0, "n_trials": 20, "n_trials_exact": True, "classes": {"a": 10, "b": 10},
        "n_groups": 1,
    }  # fmt: skip
    problems = dict(spec.data_problems(description))
    assert "'cross_session' needs trials of at least 2 groups" in problems["cv.scheme"]


def test_inner_folds_of_the_fusion_keep_sessions_whole():
    groups = np.repeat([1, 2, 3], 4)
    info = {"-": _subject(np.tile(["a", "b"], 6), groups)}
    spec = _spec(scheme="cross_session")
    (split,) = plan_splits(spec, ["-"], info)
    np.testing.assert_array_equal(_inner_groups(spec, split, info), groups)
    # a single training session: stratified inner folds instead
    spec = _spec(scheme="cross_session", train_groups=[1])
    (split,) = plan_splits(spec, ["-"], info)
    assert _inner_groups(spec, split, info) is None


def test_new_cv_keys_unset_keep_the_fingerprint():
    """The cached features of pipelines written before these keys stay valid."""
    spec = _spec(scheme="kfold")
    parts = spec.model_dump(mode="json")
    assert parts["cv"]["train_groups"] is None and parts["cv"]["calibration"] is None
    loso = _spec(EEGBCI, scheme="leave_one_subject_out")
    assert (
        loso.fingerprint()
        != _spec(EEGBCI, scheme="leave_one_subject_out", calibration=0.2).fingerprint()
    )
    old = spec.model_dump(
        mode="json",
        include={"dataset", "preprocessing", "atlas", "scaffold", "net", "features", "cv", "seed"},
    )
    old["cv"] = {"scheme": "kfold", "n_splits": 5, "shuffle": True}
    old["compute"] = {"backend": spec.compute.backend}
    old["fingerprint_version"] = 1
    text = json.dumps(old, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert spec.fingerprint() == hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- calibration
def _loso_info(n_per_class=10, subjects=("1", "2", "3")):
    rng = np.random.default_rng(0)
    out = {}
    for s in subjects:
        y = np.repeat(["left", "right"], n_per_class)
        rng.shuffle(y)
        out[s] = _subject(y)
    return out


def test_loso_without_calibration_tests_every_trial_of_the_left_out_subject():
    info = _loso_info()
    splits = plan_splits(_spec(EEGBCI, scheme="leave_one_subject_out"), list(info), info)
    for i, split in enumerate(splits):
        own = np.arange(20 * i, 20 * (i + 1))
        np.testing.assert_array_equal(split.test, own)
        assert np.intersect1d(split.train, own).size == 0
        assert split.calibration.size == 0


@pytest.mark.parametrize("fraction", [0.2, 0.5])
def test_calibration_share_joins_training_and_is_not_scored(fraction):
    info = _loso_info(n_per_class=10)
    subjects = list(info)
    spec = _spec(EEGBCI, scheme="leave_one_subject_out", calibration=fraction)
    splits = plan_splits(spec, subjects, info)
    assert [s.subject for s in splits] == subjects
    for i, split in enumerate(splits):
        start = 20 * i
        own = np.arange(start, start + 20)
        y = info[split.subject]["y"]
        cal = split.calibration
        # the share, stratified: the same fraction of each class
        assert len(cal) == round(fraction * 20)
        for label in ("left", "right"):
            assert (y[cal] == label).sum() == round(fraction * 10)
        # calibration trials train; the rest of the subject is tested, nothing twice
        assert set(start + cal) <= set(split.train)
        np.testing.assert_array_equal(split.test, start + np.setdiff1d(np.arange(20), cal))
        assert np.intersect1d(split.train, split.test).size == 0
        np.testing.assert_array_equal(split.test_trials, split.test - start)
        # the other subjects' trials all train
        others = np.setdiff1d(np.arange(60), own)
        assert set(others) <= set(split.train)
        assert len(split.train) + len(split.test) == 60


def test_calibration_draw_is_seeded():
    info = _loso_info()
    subjects = list(info)
    base = copy.deepcopy(EEGBCI)

    def draw(seed):
        spec = _spec({**base, "seed": seed}, scheme="leave_one_subject_out", calibration=0.3)
        return [s.calibration for s in plan_splits(spec, subjects, info)]

    for a, b in zip(draw(0), draw(0), strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(draw(0), draw(1), strict=True))


def test_calibration_schema_and_data_errors():
    errors = _errors(scheme="kfold", calibration=0.2)
    assert "only used by scheme 'leave_one_subject_out'" in errors["cv.calibration"]
    for bad in (0, 1, 1.5, -0.1):
        errors = _errors(EEGBCI, scheme="leave_one_subject_out", calibration=bad)
        assert list(errors) == ["cv.calibration"]
    # too few trials for one per class on either side
    _, problem = calibration_problem(0.05, {"a": 5, "b": 5}, "subject 3")
    assert "takes 0 of the 10 trials of subject 3" in problem and "at least 0.2" in problem
    _, problem = calibration_problem(0.95, {"a": 5, "b": 5}, "subject 3")
    assert "leaves 0 to score" in problem and "at most 0.8" in problem
    n, problem = calibration_problem(0.2, {"a": 5, "b": 5}, "subject 3")
    assert (n, problem) == (2, None)
    info = _loso_info(n_per_class=2)
    spec = _spec(EEGBCI, scheme="leave_one_subject_out", calibration=0.1)
    with pytest.raises(
        ValueError, match=r"cv\.calibration: 0\.1 takes 0 of the 4 trials of subject 1"
    ):
        plan_splits(spec, list(info), info)


def test_describe_cv_says_what_ran():
    assert "20%" in _describe_cv(_spec(EEGBCI, scheme="leave_one_subject_out", calibration=0.2))
    assert "last" in _describe_cv(_spec(scheme="cross_session"))
    assert "[0, 1]" in _describe_cv(_spec(scheme="cross_session", train_groups=[0, 1]))

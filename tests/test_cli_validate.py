"""``s2decode validate``: what fails minutes into ``run`` fails here, statically or against the
data directory (``--data-dir``), and the dataset descriptions agree with the loaders."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from s2decode.cli import main
from s2decode.datasets import describe, load
from s2decode.pipeline.data import check_against_data
from s2decode.pipeline.spec import PipelineError, PipelineSpec

from .cli_utils import assert_user_error, run_cli
from .conftest import require

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "pipelines").glob("*.yaml"))

#: Issue 10, section 3: each passed `validate` and failed about 9 s into `run`.
ISSUE_CASES = {
    "n_trials": (
        "dataset: {name: synthetic, options: {n_trials: -4}}\n",
        "dataset.options.n_trials",
    ),
    "h_freq": (
        "dataset: {name: synthetic, options: {duration: 0.5}}\npreprocessing: {h_freq: 200}\n",
        "preprocessing.h_freq",
    ),
    "example_trial": (
        "dataset: {name: synthetic, options: {n_trials: 40}}\nreport: {example_trial: 999}\n",
        "report.example_trial",
    ),
    "windows": (
        "dataset: {name: synthetic, options: {duration: 0.5}}\nfeatures: {windows: [[0, 5]]}\n",
        "features.windows",
    ),
}


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\n{body}")
    return path


# --------------------------------------------------------------------------- offline
def test_the_issue_cases_fail_validate_as_a_user_sees_it(tmp_path):
    files = [_write(tmp_path, name, body) for name, (body, _) in ISSUE_CASES.items()]
    done = run_cli(["validate", *files], timeout=300)
    err = assert_user_error(done, *(key for _, key in ISSUE_CASES.values()), max_lines=4)
    keys = [key for _, key in ISSUE_CASES.values()]
    for line, path, key in zip(err.splitlines(), files, keys, strict=True):
        assert line.startswith(f"{path}: {key}: ")
    assert "-4 is not allowed; give an integer >= 4" in err
    assert "200 Hz is at or above the Nyquist frequency (125 Hz)" in err
    assert "999 is out of range: 'synthetic' has 40 trials (indices 0 to 39)" in err
    assert "[[0.0, 5.0]] not inside the trials of 'synthetic', which span 0 to 0.5 s" in err


@pytest.mark.parametrize("case", list(ISSUE_CASES))
def test_each_issue_case_exits_non_zero_with_one_line(case, tmp_path, capsys):
    body, key = ISSUE_CASES[case]
    path = _write(tmp_path, case, body)
    assert main(["validate", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}: {key}: "), lines


def test_without_data_dir_the_data_checks_are_said_to_be_skipped(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("S2DECODE_DATA", str(tmp_path / "not-read"))  # only --data-dir is read
    assert main(["validate", *map(str, SHIPPED)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(SHIPPED)
    for line in lines:
        if "quickstart.yaml" in line:  # generated: its data were checked with the schema
            assert line.endswith("(quickstart: synthetic, cv kfold)")
        else:
            assert "data not checked (give --data-dir" in line


def test_a_data_dir_without_the_dataset_is_one_line_not_an_error(tmp_path, capsys):
    path = ROOT / "pipelines" / "kramer_stn.yaml"
    assert main(["validate", "--data-dir", str(tmp_path), str(path)]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1
    assert f"{path}: valid (kramer_stn" in out
    assert "data not checked: Dataset 'kramer_stn' not found" in out
    assert "s2decode fetch kramer_stn" in out


def test_check_against_data_on_the_generated_dataset():
    spec = PipelineSpec.from_dict({"name": "t", "dataset": "synthetic"})
    found = check_against_data(spec)
    assert list(found) == ["-"]
    assert found["-"]["n_trials"] == 80 and found["-"]["sfreq"] == 250.0
    assert found["-"]["n_times"] == 250 and found["-"]["n_trials_exact"]


def test_synthetic_description_matches_its_trials():
    options = {"n_trials": 9, "duration": 0.5, "sfreq": 200.0, "networks": ["Visual", "Auditory"]}
    d = describe("synthetic", **options)
    trials = load("synthetic", **options)
    assert (d["n_trials"], d["n_nodes"], d["n_times"]) == (9, None, trials.sizes["time"])
    labels = list(trials.coords["y"].values)
    assert d["classes"] == {n: labels.count(n) for n in options["networks"]}
    assert d["tmin"] == float(trials["time"][0]) and d["sfreq"] == trials.attrs["sfreq"]


# --------------------------------------------------------------------------- real data
def _summary(trials) -> dict:
    y = [str(v) for v in trials.coords["y"].values]
    return {
        "sfreq": float(trials.attrs["sfreq"]),
        "n_times": trials.sizes["time"],
        "tmin": float(trials["time"][0]),
        "classes": {label: y.count(label) for label in set(y)},
        "n_nodes": trials.shape[1],
    }


@pytest.mark.parametrize(
    "name, folder, options",
    [
        ("eegbci", "eeg/eegbci_S001", {"runs": [6], "method": None, "tmin": -0.5, "resample": 100}),
        ("eegmat", "eeg/eegmat", {"subjects": [3], "method": None, "window": 2.0, "overlap": 0.5}),
        ("haxby", "fmri/haxby2001_sub001", {"resolution": "25mm", "atlas": None, "runs": [1, 2]}),
        ("kramer_stn", "spikes/kramer", {"tmin": -0.5, "tmax": 0.5, "bin_size": 0.01}),
        ("hatsopoulos2004", "spikes/hatsopoulos2004", {}),
    ],
)
def test_descriptions_match_the_loaded_trials(name, folder, options, data_dir):
    require(data_dir, folder)
    d = describe(name, data_dir, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trials = load(name, data_dir, **options)
    real = _summary(trials)
    assert d["sfreq"] == pytest.approx(real["sfreq"])
    assert d["tmin"] == pytest.approx(real["tmin"])
    assert (d["n_times"], d["n_nodes"]) == (real["n_times"], real["n_nodes"])
    if d["n_trials_exact"]:
        assert d["classes"] == real["classes"]
    else:  # an upper bound, per class
        assert set(real["classes"]) <= set(d["classes"])
        assert all(d["classes"][k] >= n for k, n in real["classes"].items())


def test_shipped_pipelines_fit_the_data(data_dir, eegbci_dir, capsys):
    assert main(["validate", "--data-dir", str(data_dir), *map(str, SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert "eegbci.yaml: valid" in out and "fits the data: 1 subject, 160 Hz" in out


def test_eegbci_s001_nyquist_and_example_trial_against_the_data(tmp_path, data_dir, eegbci_dir):
    body = (
        "dataset: {name: eegbci, subjects: 1}\n"
        "preprocessing: {h_freq: 90.0}\n"
        "report: {example_trial: 999}\n"
    )
    path = _write(tmp_path, "s001", body)
    done = run_cli(["validate", "--data-dir", data_dir, path], timeout=300)
    err = assert_user_error(done, "preprocessing.h_freq", "report.example_trial", max_lines=2)
    assert "90 Hz is at or above the Nyquist frequency (80 Hz) of subject 1 of 'eegbci'" in err
    assert "sampled at 160 Hz" in err
    assert "999 is out of range: subject 1 of 'eegbci' has at most 45 trials" in err
    # both pass without the data: the sampling rate and trial count are in the files
    assert main(["validate", str(path)]) == 0


def test_check_against_data_names_keys_once_for_many_subjects(data_dir):
    require(data_dir, "eeg", "eegmat", "Subject01_2.edf")
    spec = PipelineSpec.from_dict(
        {
            "name": "t",
            "dataset": {"name": "eegmat", "subjects": [0, 1], "options": {"method": None}},
            "preprocessing": {"h_freq": 300.0},
            "cv": {"n_splits": 40},
        }
    )
    with pytest.raises(PipelineError) as info:
        check_against_data(spec, data_dir, source="m.yaml")
    errors = dict(info.value.errors)
    assert set(errors) == {"preprocessing.h_freq", "cv.n_splits"}
    assert "Nyquist frequency (250 Hz)" in errors["preprocessing.h_freq"]  # before resampling
    assert "(and 1 more subject)" in errors["preprocessing.h_freq"]
    assert "rarest class of subject 00 of 'eegmat'" in errors["cv.n_splits"]
    assert str(info.value).startswith("m.yaml: ")


def test_kind_groups_and_network_time_against_the_data(data_dir):
    require(data_dir, "spikes", "kramer")
    require(data_dir, "spikes", "hatsopoulos2004")
    kramer = PipelineSpec.from_dict(
        {
            "name": "k",
            "dataset": "kramer_stn",
            "atlas": None,
            "cv": {"scheme": "leave_one_group_out"},
        }
    )
    with pytest.raises(PipelineError, match=r"cv\.scheme: 'leave_one_group_out' needs"):
        check_against_data(kramer, data_dir)
    rates = PipelineSpec.from_dict(
        {
            "name": "h",
            "dataset": "hatsopoulos2004",
            "atlas": None,
            "features": {"windows": [[0, 1]]},
        }
    )
    with pytest.raises(PipelineError, match=r"features\.static_duration") as info:
        check_against_data(rates, data_dir)
    assert "network time" in str(info.value)
    fine = rates.model_copy(update={"features": rates.features.model_copy(update={"windows": 0.1})})
    assert list(check_against_data(fine, data_dir)) == ["-"]

"""The command line: help, the main job (quickstart pipeline), validate, report, summary,
datasets table, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from s2decode.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_main_job_runs_the_quickstart_pipeline_offline(tmp_path):
    """The README's main command, on a local cluster of worker processes, with no data dir."""
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "s2decode.cli", "run", str(ROOT / "pipelines" / "quickstart.yaml"),
         "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--data-dir",
         str(tmp_path / "no-data"), "--quiet"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "dashboard http://127.0.0.1:" in done.stdout
    assert "S2Decoder" in done.stdout and "report:" in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["dataset"] == "synthetic" and summary["computed_units"] == 5
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 5
    # `report` rewrites the report from the folder alone
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").is_file()


def test_validate_exit_status_and_messages(tmp_path, capsys):
    assert main(["validate", *map(str, sorted((ROOT / "pipelines").glob("*.yaml")))]) == 0
    assert "quickstart.yaml: valid" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndataset: {name: synthetic}\ncv: {scheme: loso}\n")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "cv.scheme" in err and "leave_one_subject_out" in err


def test_help_lists_commands():
    out = subprocess.run(
        [sys.executable, "-m", "s2decode.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("run", "validate", "report", "fit", "predict", "summary", "datasets", "fetch"):
        assert command in out


def test_summary_offline_default(capsys):
    assert main(["summary", "-o", "n_trials=8", "-o", "duration=0.2"]) == 0
    out = capsys.readouterr().out
    assert "8 x 300 parcels x 50 samples" in out
    assert "scaffold    300 nodes, 3000 edges" in out
    assert "delays" in out


def test_datasets_table(tmp_path, capsys):
    assert main(["datasets", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "eegbci" in out and "s2decode fetch NAME" in out


def test_errors_go_to_stderr_with_status_2(tmp_path, capsys):
    assert main(["summary", "eegbci", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "s2decode fetch eegbci" in err


def test_bad_option_syntax():
    with pytest.raises(SystemExit):
        main(["summary", "-o", "no_equals_sign"])

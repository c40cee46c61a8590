"""The command line: help, summary on the offline default, datasets table, errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from s2decode.cli import main


def test_help_lists_commands():
    out = subprocess.run(
        [sys.executable, "-m", "s2decode.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("summary", "datasets", "fetch"):
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

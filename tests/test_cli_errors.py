"""A user's mistake, seen from the shell: one line on stderr naming what to fix, exit status 2,
no traceback (``--debug`` shows it); and what a failed download leaves behind (nothing)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from s2decode.datasets import DatasetNotFoundError, DownloadError, available, load
from s2decode.datasets._base import staged_download

from .cli_utils import assert_user_error, run_cli

ROOT = Path(__file__).resolve().parents[1]
#: Every request goes to a closed port: "offline", with no download attempted for real.
OFFLINE = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}


def small_quickstart(tmp_path: Path, **changes) -> Path:
    spec = yaml.safe_load((ROOT / "pipelines" / "quickstart.yaml").read_text())
    spec["dataset"]["options"].update(n_trials=10, duration=0.3, atlas="dosenbach160")
    spec["cv"]["n_splits"] = 2
    spec.update(changes)
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_an_error_inside_a_worker_is_one_line(tmp_path):
    """A unit that fails on a Dask worker process (here: S2DECODE_CACHE is a file, which only
    the workers' simulations use): its message once, no "Compute Failed" log blocks, no
    traceback; with --debug the worker's traceback."""
    pipeline = small_quickstart(tmp_path)
    not_a_folder = tmp_path / "cache-file"
    not_a_folder.write_text("")
    env = {"S2DECODE_CACHE": str(not_a_folder)}
    args = ["run", pipeline, "--out", tmp_path / "out", "--cache-dir", tmp_path / "cache"]
    done = run_cli([*args, "--workers", "2", "--quiet", "--no-report"], env=env)
    err = assert_user_error(done, "s2decode run: error:", str(not_a_folder), max_lines=1)
    assert "S2 features" in err and "failed" in err
    assert "Compute Failed" not in err and "distributed" not in err
    assert not (tmp_path / "out").exists()

    done = run_cli(["--debug", *args, "--workers", "1", "--quiet", "--no-report"], env=env)
    assert done.returncode == 2
    assert "Traceback" in done.stderr and "On the worker:" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("s2decode run: error:")
    assert "Brian 2 encountered" not in done.stderr


def test_the_first_run_says_it_compiles(tmp_path):
    """The kernels' compilation (or loading) is its own phase, before the units' progress."""
    done = run_cli(
        ["run", small_quickstart(tmp_path), "--out", tmp_path / "out", "--no-cache",
         "--workers", "1", "--no-report"]
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert "S2-Net kernels (compiled on the first run only)" in err
    assert err.index("S2-Net kernels") < err.index("S2 units and peers")


def test_a_non_empty_out_folder(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    done = run_cli(["run", ROOT / "pipelines" / "quickstart.yaml", "--out", out])
    assert_user_error(done, "--out", str(out), "holds no earlier s2decode results", max_lines=1)
    assert (out / "notes.txt").read_text() == "keep me"


def test_fetch_offline_says_where_the_files_go_and_changes_nothing(tmp_path):
    data = tmp_path / "data"
    done = run_cli(["fetch", "kramer_stn", "--data-dir", data], env=OFFLINE, timeout=300)
    target = data / "spikes" / "kramer"
    err = assert_user_error(done, "cannot reach", str(target), "by hand")
    assert "raw.githubusercontent.com" in err
    assert not target.exists()
    assert not [p for p in target.parent.iterdir()] if target.parent.exists() else True
    table = available(data).set_index("name")
    assert not table.loc["kramer_stn", "present"]


def test_unknown_dataset_option_has_a_did_you_mean():
    done = run_cli(["summary", "-o", "n_trails=4"])
    assert_user_error(done, "'n_trails'", "did you mean 'n_trials'", max_lines=1)
    done = run_cli(["summary", "eegbci", "-o", "subjct=1"])
    assert_user_error(done, "did you mean 'subject'", max_lines=1)
    with pytest.raises(TypeError, match="did you mean 'n_trials'"):
        load("synthetic", n_trails=4)


def test_debug_shows_the_traceback_before_or_after_the_command():
    for args in (["--debug", "summary", "-o", "n_trails=4"], ["summary", "--debug", "-o",
                                                               "n_trails=4"]):  # fmt: skip
        done = run_cli(args)
        assert done.returncode == 2
        assert "Traceback" in done.stderr and "did you mean 'n_trials'" in done.stderr


# ------------------------------------------------------------------ downloads and presence
def test_a_staged_download_lands_whole_or_not_at_all(tmp_path):
    target = tmp_path / "eeg" / "mine"
    with staged_download("mine", target, "https://example.org/mine") as stage:
        (stage / "sub").mkdir()
        (stage / "sub" / "a.txt").write_text("a")
        (stage / "b.txt").write_text("b")
        assert not target.exists()  # nothing under the real name until the end
    assert (target / "sub" / "a.txt").read_text() == "a" and (target / "b.txt").is_file()

    with pytest.raises(DownloadError, match=r"Nothing was changed in .*mine.*by hand"):
        with staged_download("mine", target, "https://example.org/mine") as stage:
            (stage / "c.txt").write_text("half")
            raise ConnectionError("no route to host")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt", "sub"]
    assert [p.name for p in target.parent.iterdir()] == ["mine"]  # no stage left behind

    with pytest.raises(DownloadError, match="checksum"):
        with staged_download("mine", tmp_path / "other", "https://example.org/mine"):
            raise ValueError("SHA256 hash of downloaded file (x) does not match the known hash")
    assert not (tmp_path / "other").exists()
    with pytest.raises(ValueError, match="unrelated"):  # a bug is not a download error
        with staged_download("mine", tmp_path / "other", "https://example.org/mine"):
            raise ValueError("unrelated")


def test_present_means_the_files_the_loader_reads(tmp_path):
    (tmp_path / "eeg" / "eegbci_S001").mkdir(parents=True)
    (tmp_path / "eeg" / "eegmat").mkdir()
    (tmp_path / "eeg" / "eegmat" / "Subject00_1.edf").write_bytes(b"")
    (tmp_path / "spikes" / "kramer").mkdir(parents=True)
    (tmp_path / "fmri" / "haxby2001_sub001" / "sub001").mkdir(parents=True)
    table = available(tmp_path).set_index("name")
    assert not table["present"].drop("synthetic").any()
    assert table.loc["synthetic", "present"]
    with pytest.raises(DatasetNotFoundError, match="s2decode fetch kramer_stn"):
        load("kramer_stn", data_dir=tmp_path)


def test_present_on_the_real_data_directory(data_dir):
    table = available(data_dir).set_index("name")
    assert table["present"].all(), table


# ------------------------------------------------------------------ bootstrap
@pytest.mark.parametrize("kind", ["missing", "too old"])
def test_bootstrap_refuses_a_wrong_s2decode_python(tmp_path, kind):
    if kind == "missing":
        python = tmp_path / "no" / "python3.12"
    else:  # an interpreter that reports 3.11 and fails the version check
        python = tmp_path / "python3.11"
        python.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "Python 3.11.7"\nexit 1\n')
        python.chmod(0o755)
    venv = tmp_path / "venv"
    done = subprocess.run(
        ["bash", str(ROOT / ".ci" / "bootstrap")],
        capture_output=True,
        text=True,
        env={**os.environ, "S2DECODE_PYTHON": str(python), "S2DECODE_VENV": str(venv)},
        timeout=60,
    )
    assert done.returncode == 1
    assert f"S2DECODE_PYTHON={python}" in done.stderr and ">= 3.12" in done.stderr
    if kind == "too old":
        assert "Python 3.11.7" in done.stderr
    assert not venv.exists()


def test_validate_refuses_a_subject_the_data_directory_lacks(data_dir, tmp_path):
    """The dataset is there, one listed subject is not: `run` would fail, so validate does."""
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("name: p\ndataset: {name: eegmat, subjects: [1, 35]}\n")
    done = run_cli(["validate", "--data-dir", data_dir, pipeline])
    assert_user_error(done, "dataset.subjects", "35", max_lines=1)
    pipeline.write_text("name: p\ndataset: {name: eegmat, subjects: [1]}\n")
    done = run_cli(["validate", "--data-dir", data_dir, pipeline])
    assert done.returncode == 0, done.stderr

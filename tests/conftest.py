"""Shared fixtures: the data directory of real recordings (skipped cleanly where absent), the
recordings several test modules read, the small atlases they build networks on, the optional
peer library the synchrony measures are compared with, and a scale-aware tolerance."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from s2decode.atlas import Atlas, load_atlas
from s2decode.paths import DATA_ENV


def find_data_dir() -> Path | None:
    """The directory named by S2DECODE_DATA where it exists, else ``None``."""
    value = os.environ.get(DATA_ENV)
    if value and Path(value).is_dir():
        return Path(value)
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The directory named by S2DECODE_DATA; the test is skipped where it is not set."""
    path = find_data_dir()
    if path is None:
        pytest.skip(f"real recordings not available (set {DATA_ENV} to the data directory)")
    return path


def require(data_dir: Path, *parts: str) -> Path:
    """Path inside the data directory; skip the test where that dataset is absent."""
    path = data_dir.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present in the data directory")
    return path


@pytest.fixture(scope="session")
def eegbci_dir(data_dir: Path) -> Path:
    """eegbci subject S001 (``eeg/eegbci_S001``); the test is skipped where it is absent."""
    return require(data_dir, "eeg", "eegbci_S001")


def seitzman_subset(per_network: dict[str, int]) -> Atlas:
    """The first ``n`` Seitzman-300 parcels of each named network, in that order."""
    full = load_atlas("seitzman300")
    nets = np.asarray(full.networks)
    idx = np.concatenate([np.flatnonzero(nets == name)[:n] for name, n in per_network.items()])
    return Atlas(
        "seitzman_subset",
        [full.labels[i] for i in idx],
        full.coords[idx],
        [full.networks[i] for i in idx],
    )


@pytest.fixture(scope="module")
def seitzman() -> Atlas:
    """The packaged Seitzman-300 atlas (offline); one per test module, as it is mutable."""
    return load_atlas("seitzman300")


@pytest.fixture(scope="module")
def atlas8() -> Atlas:
    """8 Seitzman parcels: 4 Visual, 4 DefaultMode (small networks, fast simulations)."""
    return seitzman_subset({"Visual": 4, "DefaultMode": 4})


@pytest.fixture(scope="session")
def pyspike():
    """PySpike, the peer the SPIKE measures are compared with; the test is skipped without it.

    Only the comparisons with the peer need it: those with the plain references
    (``tests/sync_reference.py``) run either way.
    """
    return pytest.importorskip("pyspike")


def assert_close_to_scale(actual, expected, rtol: float = 1e-10) -> None:
    """Equal to ``rtol`` of the values' scale, the way two summation orders can agree: an entry
    near zero gets the same absolute slack as the largest one (parcel signals, ~1e-14 Am, cross
    zero, where a purely relative tolerance would demand the same BLAS rounding on every CPU).
    """
    expected = np.asarray(expected)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * np.abs(expected).max())


def small_pipeline(name: str) -> dict:
    """A pipeline of 12 generated trials x 160 parcels x 0.25 s, 2 folds, real S2-Net, no
    peers (a few seconds): the reliability tests' runs (faults, determinism, concurrency)."""
    return {
        "name": name,
        "seed": 0,
        "dataset": {
            "name": "synthetic",
            "options": {"atlas": "dosenbach160", "n_trials": 12, "duration": 0.25, "seed": 0},
        },
        "atlas": "dosenbach160",
        "features": {"bands": None, "spatial": "none"},
        "cv": {"scheme": "kfold", "n_splits": 2},
        "scoring": "accuracy",
        "peers": [],
    }


def write_bids_recording(
    root: Path,
    data: np.ndarray,
    sfreq: float,
    channels: list[str],
    *,
    subject: str,
    task: str,
    run: int,
    onsets,
    descriptions,
    ch_types: str = "eeg",
    datatype: str = "eeg",
) -> None:
    """Write one in-memory recording (``data`` in V, events as annotations 0.5 s long) into
    a BIDS folder with MNE-BIDS, as BrainVision (the BIDS tests' datasets)."""
    import mne
    import mne_bids

    raw = mne.io.RawArray(data, mne.create_info(channels, sfreq, ch_types), verbose=False)
    raw.set_annotations(mne.Annotations(onsets, 0.5, descriptions))
    path = mne_bids.BIDSPath(subject=subject, task=task, run=run, datatype=datatype, root=root)
    mne_bids.write_raw_bids(
        raw, path, allow_preload=True, format="BrainVision", overwrite=True, verbose=False
    )


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The number of bad inputs of the catalogue (issue 16), where its tests were collected."""
    catalogue = sys.modules.get("tests.test_errors_catalogue")
    if catalogue is not None:
        terminalreporter.write_line(
            f"bad-input catalogue: {len(catalogue.CATALOGUE)} bad inputs, one test each "
            "(tests/test_errors_catalogue.py; python -m tests.test_errors_catalogue lists them)"
        )

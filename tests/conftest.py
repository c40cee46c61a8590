"""Shared fixtures: the data directory of real recordings (skipped cleanly where absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from s2decode.paths import DATA_ENV


def _data_dir() -> Path | None:
    value = os.environ.get(DATA_ENV)
    if value and Path(value).is_dir():
        return Path(value)
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The directory named by S2DECODE_DATA; the test is skipped where it is not set."""
    path = _data_dir()
    if path is None:
        pytest.skip(f"real recordings not available (set {DATA_ENV} to the data directory)")
    return path


def require(data_dir: Path, *parts: str) -> Path:
    """Path inside the data directory; skip the test where that dataset is absent."""
    path = data_dir.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present in the data directory")
    return path

"""Determinism (issue 16): the same pipeline gives bit-identical features and scores on one
machine, run twice, in this process or on 1 or 2 Dask worker processes, and with different
simulation batch sizes.

The pipeline is the quickstart's, smaller (12 trials of 0.25 s, 2 folds, no peer), with the
real S2-Net unit and no cache, so that every run simulates and featurizes anew. Equality is
exact (``np.array_equal``, ``assert_frame_equal`` with ``check_exact``): the promise is for
one machine, where the same code on the same inputs must give the same bits.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import s2decode.net  # noqa: F401  (loads s2decode.net.simulate)
from s2decode.pipeline.run import run_pipeline
from s2decode.pipeline.spec import PipelineSpec

from .conftest import small_pipeline

SPEC = small_pipeline("determinism")


def _run(out: Path, workers: int, batch_size: int | None = None) -> Path:
    spec = PipelineSpec.from_dict({**SPEC, "compute": {"batch_size": batch_size}}, source="test")
    run_pipeline(
        spec, out, workers=workers, cache=False, report=False, progress=False, log=lambda _: None
    )
    return out


def _outputs(out: Path) -> dict:
    """What must not change: the features (values and coordinates), scores (without their
    timing), predictions and effect sizes."""
    with xr.open_dataset(out / "features" / "synthetic.nc") as ds:
        features = ds.load()
    scores = pd.read_csv(out / "scores.csv", dtype={"subject": str}).drop(columns="seconds")
    return {
        "features": features,
        "scores": scores,
        "predictions": pd.read_csv(out / "predictions.csv", dtype={"subject": str}),
        "effect_sizes": pd.read_csv(out / "effect_sizes.csv", dtype={"subject": str}),
    }


def _assert_identical(got: dict, ref: dict) -> None:
    a, b = got["features"], ref["features"]
    assert a["s2_features"].shape == b["s2_features"].shape
    # bit for bit, NaNs in the same places included
    assert np.array_equal(a["s2_features"].values, b["s2_features"].values, equal_nan=True)
    xr.testing.assert_identical(a, b)
    for table in ("scores", "predictions", "effect_sizes"):
        pd.testing.assert_frame_equal(got[table], ref[table], check_exact=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    """The pipeline in this process, default batches."""
    return _outputs(_run(tmp_path_factory.mktemp("det") / "ref", workers=0))


@pytest.fixture
def batch_sizes(monkeypatch) -> list[int]:
    """The batch sizes simulate plans in this process (to see that batch_size took effect)."""
    planned: list[int] = []
    # the module (s2decode.net.simulate is also the name of its function)
    simulate_module = sys.modules["s2decode.net.simulate"]
    real = simulate_module._plan_batch

    def plan(*args, **kwargs):
        planned.append(real(*args, **kwargs))
        return planned[-1]

    monkeypatch.setattr(simulate_module, "_plan_batch", plan)
    return planned


def test_the_same_pipeline_twice_is_bit_identical(reference, tmp_path):
    _assert_identical(_outputs(_run(tmp_path / "again", workers=0)), reference)
    assert reference["features"]["s2_features"].size > 0
    assert np.isfinite(reference["features"]["s2_features"].values).any()


@pytest.mark.parametrize("batch_size", [2, 5])
def test_other_batch_sizes_are_bit_identical(reference, tmp_path, batch_sizes, batch_size):
    got = _outputs(_run(tmp_path / f"b{batch_size}", workers=0, batch_size=batch_size))
    # the folds' 6 training and 6 test trials were simulated in batches of this size (the
    # warm-up's 4 trials in one batch of at most that size)
    assert batch_sizes and max(batch_sizes) == batch_size
    _assert_identical(got, reference)


@pytest.mark.parametrize(("workers", "batch_size"), [(1, None), (2, 3)])
def test_one_or_two_worker_processes_are_bit_identical(reference, tmp_path, workers, batch_size):
    got = _outputs(_run(tmp_path / f"w{workers}", workers=workers, batch_size=batch_size))
    _assert_identical(got, reference)

"""The output tables (CSV and Parquet, atomic) and the features' effect sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from sklearn.feature_selection import f_classif

from s2decode.pipeline.tables import feature_effect_sizes, read_table, write_table


def _features(X: np.ndarray, y) -> xr.DataArray:
    n = X.shape[1]
    return xr.DataArray(
        X,
        dims=("trial", "feature"),
        coords={
            "trial": np.arange(X.shape[0]),
            "feature": [f"f{j}" for j in range(n)],
            "metric": ("feature", ["rate"] * n),
            "window": ("feature", np.zeros(n, dtype=int)),
            "y": ("trial", np.asarray(y)),
        },
    )


def test_effect_sizes_are_the_anova_of_each_feature():
    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b", "c"], 10)
    shift = np.repeat([0.0, 1.0, 3.0], 10)
    X = np.column_stack(
        [
            rng.standard_normal(30) + shift,  # separates the classes
            rng.standard_normal(30),  # does not
            np.full(30, 2.5),  # constant
        ]
    )
    table = feature_effect_sizes({"07": _features(X, y)})
    assert table["subject"].tolist() == ["07"] * 3
    assert table["feature"].tolist() == ["f0", "f1", "f2"]
    assert table["metric"].tolist() == ["rate"] * 3
    # the share of variance the classes explain, computed by hand
    grand = X[:, 0].mean()
    between = sum(10 * (X[y == c, 0].mean() - grand) ** 2 for c in "abc")
    total = ((X[:, 0] - grand) ** 2).sum()
    assert table["eta_squared"][0] == pytest.approx(between / total, rel=1e-12)
    assert table["eta_squared"][0] > 0.5 > table["eta_squared"][1]
    # F and p as scikit-learn's ANOVA gives them
    F, p = f_classif(X[:, :2], y)
    np.testing.assert_allclose(table["f_statistic"][:2], F, rtol=1e-10)
    np.testing.assert_allclose(table["p_value"][:2], p, rtol=1e-8)
    # a constant feature has no effect size
    assert table.loc[2, ["eta_squared", "f_statistic", "p_value"]].isna().all()
    assert (table["n_trials"] == 30).all() and (table["n_classes"] == 3).all()


def test_effect_sizes_of_one_class_are_nan():
    X = np.random.default_rng(1).standard_normal((6, 2))
    table = feature_effect_sizes({"-": _features(X, ["a"] * 6)})
    assert table["eta_squared"].isna().all() and table["p_value"].isna().all()


def test_write_table_writes_the_same_rows_twice(tmp_path):
    frame = pd.DataFrame({"subject": ["01", "-"], "fold": [0, 1], "accuracy": [0.1 + 0.2, 2 / 3]})
    csv, parquet = write_table(frame, tmp_path / "out", "scores")
    assert (csv.name, parquet.name) == ("scores.csv", "scores.parquet")
    pd.testing.assert_frame_equal(read_table(parquet), read_table(csv), check_dtype=False)
    # floats exactly, subjects as text
    assert read_table(csv)["accuracy"].tolist() == [0.1 + 0.2, 2 / 3]
    assert read_table(parquet)["subject"].tolist() == ["01", "-"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "scores.csv", "scores.parquet"
    ]  # fmt: skip

"""S2Regressor with several targets: ``y`` of shape (n_trials, n_targets), as Ridge takes it.

Static patterns (4 nodes, 100 ms hold at a 0.5 ms step) keep each simulation short; the
simulations are cached on disk (``memory=``), so the fits on the same trials with other
targets simulate them once (the spikes do not depend on ``y``: a regression target reaches
no supervised front end).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR
from sklearn.utils import get_tags

from s2decode.estimators import S2Featurizer, S2Regressor, default_config

N_TRAIN, N_TEST = 30, 10


@pytest.fixture(scope="module")
def data():
    """Static patterns of 4 nodes; two targets, each linear in the nodes' values."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_TRAIN + N_TEST, 4))
    Y = np.c_[X[:, 0] + 0.5 * X[:, 1], X[:, 2] - X[:, 3]]
    Y += 0.1 * rng.standard_normal(Y.shape)
    return X[:N_TRAIN], Y[:N_TRAIN], X[N_TRAIN:], Y[N_TRAIN:]


@pytest.fixture(scope="module")
def params(tmp_path_factory) -> dict:
    cache = str(tmp_path_factory.mktemp("s2_multioutput_cache"))
    config = default_config("static").replace(dt=5e-4)
    return dict(config=config, static_duration=0.1, random_state=0, memory=cache)


def test_two_targets_give_two_columns_each_predicted(data, params, monkeypatch):
    X, Y, X_test, Y_test = data
    seen = []
    fit_prepared = S2Featurizer._fit_prepared  # what every fit of the featurizer goes through

    def spy(self, inputs, labels):
        seen.append(labels)
        return fit_prepared(self, inputs, labels)

    monkeypatch.setattr(S2Featurizer, "_fit_prepared", spy)
    reg = S2Regressor(**params).fit(X, Y)
    assert seen == [None]  # the 2-D target never reaches a supervised front end
    assert reg.selection_scores_  # the inner KFold choice of feature sets ran on 2-D y
    pred = reg.predict(X_test)
    assert pred.shape == (N_TEST, 2) and pred.dtype == np.float64
    r2 = r2_score(Y_test, pred, multioutput="raw_values")
    assert np.all(r2 > 0.5), r2
    # score: the R^2 averaged over the targets (scikit-learn's RegressorMixin)
    assert reg.score(X_test, Y_test) == pytest.approx(r2.mean())
    assert get_tags(reg).target_tags.multi_output
    assert get_tags(reg).target_tags.single_output


def test_a_duplicated_target_is_fitted_as_the_single_target(data, params):
    """RidgeCV shares one penalty across targets; two copies of a target choose the penalty
    (and the inner choice of feature sets) the target alone chooses."""
    X, Y, X_test, _ = data
    one = S2Regressor(**params).fit(X, Y[:, 0])
    two = S2Regressor(**params).fit(X, np.c_[Y[:, 0], Y[:, 0]])
    assert two.feature_sets_ == one.feature_sets_
    assert two.selection_scores_ == pytest.approx(one.selection_scores_)
    assert two.estimator_[-1].alpha_ == one.estimator_[-1].alpha_
    pred_one, pred_two = one.predict(X_test), two.predict(X_test)
    assert pred_one.shape == (N_TEST,) and pred_two.shape == (N_TEST, 2)
    np.testing.assert_allclose(pred_two, np.c_[pred_one, pred_one], rtol=1e-10, atol=1e-12)


def test_with_a_fixed_penalty_each_column_is_its_own_fit(data, params):
    X, Y, X_test, _ = data
    ridge = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
    common = dict(params, estimator=ridge, select_features=False)
    both = S2Regressor(**common).fit(X, Y).predict(X_test)
    for j in range(2):
        alone = S2Regressor(**common).fit(X, Y[:, j]).predict(X_test)
        np.testing.assert_allclose(both[:, j], alone, rtol=1e-10, atol=1e-12)


def test_a_column_vector_is_one_target_without_a_warning(data, params):
    X, Y, X_test, _ = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DataConversionWarning: (n, 1) is a 2-D target
        column = S2Regressor(**params).fit(X, Y[:, :1])
    flat = S2Regressor(**params).fit(X, Y[:, 0])
    pred = column.predict(X_test)
    # the final estimator decides the shape (RidgeCV of scikit-learn 1.9 returns (n,))
    assert pred.shape in ((N_TEST,), (N_TEST, 1))
    np.testing.assert_allclose(pred.ravel(), flat.predict(X_test), rtol=1e-10)


def test_a_featurizer_pipeline_takes_a_2d_target(data, params):
    X, Y, X_test, _ = data
    pipe = make_pipeline(S2Featurizer(**params), StandardScaler(), Ridge(alpha=1.0))
    assert pipe.fit(X, Y).predict(X_test).shape == (N_TEST, 2)


def _bad(Y, kind):
    Y = Y.copy()
    if kind == "nan":
        Y[3, 1] = np.nan
    elif kind == "inf":
        Y[5, 0] = np.inf
    elif kind == "no_column":
        Y = Y[:, :0]
    elif kind == "short":
        Y = Y[:-2]
    elif kind == "3d":
        Y = Y[:, :, np.newaxis]
    return Y


@pytest.mark.parametrize(
    "kind, match",
    [
        (
            "nan",
            r"Input y contains NaN in column\(s\) \[1\] of y, at 1 of 30 trials \(y has "
            r"shape \(30, 2\)\).*drop those trials",
        ),
        ("inf", r"Input y contains infinity in column\(s\) \[0\].*shape \(30, 2\).*impute"),
        ("no_column", r"y has shape \(30, 0\): no target column.*at least one column"),
        ("short", r"X has 30 trials, y has shape \(28, 2\)\); pass one target"),
        ("3d", r"y must be 1-D .* or 2-D .*shape \(30, 2, 1\)"),
    ],
)
def test_bad_targets_say_what_and_how_to_fix(data, params, kind, match):
    X, Y, _, _ = data
    with pytest.raises(ValueError, match=match):
        S2Regressor(**params).fit(X, _bad(Y, kind))


def test_a_single_output_final_estimator_is_refused_before_simulating(data, params):
    X, Y, _, _ = data
    reg = S2Regressor(**dict(params, estimator=SVR(), memory=None))
    with pytest.raises(ValueError, match=r"y has shape \(30, 2\).*MultiOutputRegressor"):
        reg.fit(X, Y)
    assert not hasattr(reg, "featurizer_")  # refused before any simulation


def test_a_column_vector_for_a_single_output_final_estimator_is_raveled(data, params):
    X, Y, X_test, _ = data
    svr = make_pipeline(StandardScaler(), SVR())
    common = dict(params, estimator=svr, select_features=False)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = S2Regressor(**common).fit(X, Y[:, :1])
    flat = S2Regressor(**common).fit(X, Y[:, 0])
    np.testing.assert_allclose(column.predict(X_test), flat.predict(X_test), rtol=1e-10)

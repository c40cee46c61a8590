"""scikit-learn's estimator checks on S2Featurizer, S2Decoder and S2Regressor.

Every check of ``parametrize_with_checks`` runs on the three estimators. The checks feed 2-D
arrays (static patterns: each column a node, held for ``static_duration``); a short step and
hold keep the ~150 checks at about a minute and a half on two cores. The simulations are
cached on disk (``memory=``), so the many checks that transform the same array twice
simulate it once; ``test_estimators.py`` checks determinism and subset invariance without
the cache.
"""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from s2decode.estimators import S2Decoder, S2Featurizer, S2Regressor
from s2decode.net import S2NetConfig

# Expected failures of scikit-learn's checks, with the reason, per estimator class: the one
# place to list them (as nilearn does). There are none; keep it that way.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "S2Featurizer": {},
    "S2Decoder": {},
    "S2Regressor": {},
}

# The static-pattern regime of default_config("static") with a 0.5 ms step, held 100 ms.
FAST = dict(
    config=S2NetConfig(I_bias=1.5, g_in=0.15, dt=5e-4),
    static_duration=0.1,
    random_state=0,
)


def _expected_failed_checks(estimator) -> dict[str, str]:
    return EXPECTED_FAILED_CHECKS[type(estimator).__name__]


@pytest.fixture(scope="module")
def simulation_cache(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("s2_checks_cache"))


@parametrize_with_checks(
    [S2Featurizer(**FAST), S2Decoder(**FAST), S2Regressor(**FAST)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check, simulation_cache):
    check(estimator.set_params(memory=simulation_cache))

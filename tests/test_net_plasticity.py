"""SSDP (s2decode.net.plasticity) against a plain-loop reference, and in S2Featurizer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from s2decode import SpikeTrains
from s2decode.estimators import S2Featurizer, default_config
from s2decode.net.plasticity import SSDP, first_spike_times, ssdp_update


def _reference(weights, first, duration, rule):
    """The rule written out pair by pair, trial by trial (what ssdp_update vectorises)."""
    w = [list(map(float, row)) for row in weights]
    n = len(w)
    connected = [[weights[i][j] != 0 and i != j for j in range(n)] for i in range(n)]
    for trial in first:
        for i in range(n):
            for j in range(n):
                if not connected[i][j]:
                    continue
                s_i, s_j = (0.0 if math.isnan(trial[k]) else 1.0 for k in (i, j))
                t_i = duration if s_i == 0 else trial[i]
                t_j = duration if s_j == 0 else trial[j]
                g = math.exp(-((t_i - t_j) ** 2) / (2 * rule.sigma**2))
                dw = rule.a_plus * s_i * s_j * g - rule.a_base * (1 - s_i * s_j) * g
                w[i][j] = min(max(w[i][j] + dw, rule.w_min), rule.w_max)
    return np.array(w)


def test_ssdp_update_matches_the_reference():
    rng = np.random.default_rng(0)
    n, n_trials, duration = 6, 5, 0.3
    weights = rng.uniform(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.6)
    np.fill_diagonal(weights, 0.0)
    first = rng.uniform(0, duration, (n_trials, n))
    first[rng.uniform(size=first.shape) < 0.3] = np.nan  # silent neurons
    rule = SSDP(a_plus=0.05, a_base=0.02, sigma=0.02, w_max=0.9)
    np.testing.assert_allclose(
        ssdp_update(weights, first, duration, rule),
        _reference(weights, first, duration, rule),
        rtol=1e-12,
        atol=1e-15,
    )


def test_ssdp_strengthens_synchrony_weakens_silence_keeps_topology():
    rule = SSDP(a_plus=0.1, a_base=0.04, sigma=0.005, w_max=1.0)
    w = np.array([[0.0, 0.5, 0.5, 0.0], [0.5, 0.0, 0.5, 0.5], [0.5, 0.5, 0.0, 0.5],
                  [0.0, 0.5, 0.5, 0.0]])  # fmt: skip
    # 0 and 1 fire together; 2 fires 100 ms later; 3 is silent
    first = np.array([[0.010, 0.010, 0.110, np.nan]])
    out = ssdp_update(w, first, 0.2, rule)
    assert out[0, 1] == pytest.approx(0.6) and out[1, 0] == pytest.approx(0.6)  # G = 1
    assert out[0, 2] == pytest.approx(0.5, abs=1e-12)  # 100 ms >> sigma: G ~ 0
    assert out[2, 3] == pytest.approx(0.5 - 0.04 * math.exp(-(0.09**2) / (2 * 0.005**2)))
    assert out[0, 3] == 0.0 and out[3, 0] == 0.0  # no connection: none made
    np.testing.assert_array_equal(np.diag(out), 0.0)
    # two silent neurons count as coincident: their connection loses a_base
    both_silent = ssdp_update(np.array([[0, 0.5], [0.5, 0]]), [[np.nan, np.nan]], 0.2, rule)
    np.testing.assert_allclose(both_silent, [[0, 0.46], [0.46, 0]])
    # clamped: many synchronous trials stop at w_max
    many = ssdp_update(w, np.repeat(first, 50, axis=0), 0.2, rule)
    assert many[0, 1] == 1.0
    assert np.array_equal(w, ssdp_update(w, np.zeros((0, 4)), 0.2, rule))  # no trial


def test_first_spike_times_from_the_trials_start():
    st = SpikeTrains.from_lists(
        [[np.array([0.15, 0.2]), np.array([])], [np.array([0.12]), np.array([0.3])]], 0.1, 0.4
    )
    np.testing.assert_allclose(first_spike_times(st), [[0.05, np.nan], [0.02, 0.2]])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sigma": 0.0}, "sigma"),
        ({"a_plus": -1.0}, "a_plus"),
        ({"w_min": 0.5, "w_max": 0.2}, "w_max"),
        ({"n_epochs": 0}, "n_epochs"),
    ],
)
def test_ssdp_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SSDP(**kwargs)


def test_featurizer_adapts_the_scaffold_on_training_trials_only():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 5))
    y = np.repeat([0, 1], 6)
    common = dict(
        config=default_config("static").replace(dt=5e-4),
        static_duration=0.1,
        backend="numpy",
        random_state=0,
    )
    plain = S2Featurizer(**common).fit(X, y)
    rule = SSDP(a_plus=0.02, a_base=0.01)
    adapted = S2Featurizer(plasticity=rule, **common).fit(X, y)
    assert plain.ssdp_change_ is None and adapted.ssdp_change_ > 0
    before, after = plain.scaffold_.weights, adapted.scaffold_.weights
    np.testing.assert_array_equal(before != 0, after != 0)  # topology kept
    np.testing.assert_array_equal(plain.scaffold_.delays, adapted.scaffold_.delays)
    assert not np.allclose(before, after)
    # the update is the rule applied to the spikes of the training trials
    spikes = plain.simulate(X)  # the same network and seed as the SSDP pass
    expected = ssdp_update(before, first_spike_times(spikes), spikes.duration, rule)
    np.testing.assert_allclose(after, expected)
    # test trials never reach it: transforming others leaves the scaffold as fitted
    adapted.transform(rng.standard_normal((4, 5)))
    np.testing.assert_array_equal(adapted.scaffold_.weights, after)
    with pytest.raises(ValueError, match="`plasticity` must be None, 'ssdp'"):
        S2Featurizer(plasticity="stdp", **common).fit(X, y)

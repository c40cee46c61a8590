"""Global inhibition (``g_inh``) and per-trial scaffolds of S2-Net.

The inhibition is checked three ways: against the plain-numpy reference on a small network
with every mechanism on (two trials in one batch, so trials must not inhibit each other),
against the closed-form solution of a single neuron inhibiting itself, and by its absence:
``g_inh = 0`` builds nothing (the bit-identity of the default path with the code before the
inhibition was checked when it was written, and every other test of ``tests/test_net_*.py``
still holds it to the reference).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from scipy.optimize import brentq

from s2decode.atlas import Scaffold
from s2decode.net import S2NetConfig, simulate
from s2decode.net.encoders import standardize

from .net_reference import random_network, reference_simulation

SFREQ = 500.0


def _initial_v(seed: int, n_trials: int, n: int) -> np.ndarray:
    child = np.random.SeedSequence(seed).spawn(3)[1]
    return np.random.default_rng(child).uniform(0.0, 1.0, size=(n_trials, n))


def test_inhibition_config_is_validated():
    assert S2NetConfig().g_inh == 0.0  # off by default
    assert S2NetConfig(g_inh=0.5).to_dict()["tau_inh"] == pytest.approx(5e-3)
    with pytest.raises(ValueError, match="g_inh must be >= 0"):
        S2NetConfig(g_inh=-0.1)
    with pytest.raises(ValueError, match="tau_inh must be positive"):
        S2NetConfig(g_inh=0.5, tau_inh=0.0)


@pytest.mark.parametrize(("seed", "g_inh"), [(0, 2.0), (3, 0.7)])
def test_inhibition_matches_reference(seed, g_inh):
    n = 4
    weights, delays = random_network(n, seed)
    x = np.random.default_rng(seed).normal(size=(2, n, 150))
    cfg = S2NetConfig(
        I_bias=1.3, g_in=0.3, J=0.2, kappa=0.1, f_omega=40.0, g_inh=g_inh, tau_inh=4e-3
    )
    spikes = simulate(x, Scaffold(weights, delays), cfg, sfreq=SFREQ, seed=seed)
    plain = simulate(x, Scaffold(weights, delays), cfg.replace(g_inh=0.0), sfreq=SFREQ, seed=seed)
    assert spikes.spike_counts().sum() < 0.9 * plain.spike_counts().sum()  # it inhibits
    v0 = _initial_v(seed, 2, n)
    for trial in range(2):
        ref = reference_simulation(
            standardize(x)[trial], SFREQ, weights / weights.sum(axis=1).mean(), delays,
            v0[trial], dt=cfg.dt, tau_m=cfg.tau_m, t_ref=cfg.t_ref, I_bias=cfg.I_bias,
            g_in=cfg.g_in, J=cfg.J, kappa=cfg.kappa, T_w=cfg.T_w, f_omega=cfg.f_omega,
            eps=cfg.eps, g_inh=g_inh, tau_inh=cfg.tau_inh,
        )  # fmt: skip
        for k, (b, r) in enumerate(zip(spikes.trial(trial), ref, strict=True)):
            assert b.size == r.size > 3, f"trial {trial} neuron {k}: {b.size} vs {r.size}"
            np.testing.assert_allclose(b, r, atol=cfg.dt + 1e-9, rtol=0)


def _self_inhibited_spikes(current, g_inh, tau_inh, tau_m, t_ref, t_stop):
    """Spike times of one LIF neuron (from v = 0) whose own spikes raise its inhibition by 1.

    Between spikes, from the end of the refractory period (``u = 0``, level ``s0``),
    ``tau_m dv/dt = -v + I - g s0 exp(-u / tau_s)`` with ``v(0) = 0`` has the solution
    ``v(u) = I (1 - e^{-u/tau_m}) - g s0 tau_s / (tau_s - tau_m) (e^{-u/tau_s} - e^{-u/tau_m})``;
    the next spike is where it reaches 1.
    """

    def potential(u, s0):
        rise = current * (1 - np.exp(-u / tau_m))
        decay = np.exp(-u / tau_inh) - np.exp(-u / tau_m)
        return rise - g_inh * s0 * tau_inh / (tau_inh - tau_m) * decay

    times, start, level = [], 0.0, 0.0
    while True:
        u = brentq(lambda u, s0=level: potential(u, s0) - 1.0, 1e-9, 1.0)
        if start + u > t_stop:
            return np.array(times)
        times.append(start + u)
        level = (level * np.exp(-u / tau_inh) + 1.0) * np.exp(-t_ref / tau_inh)
        start = times[-1] + t_ref


def test_single_neuron_inhibiting_itself_follows_the_closed_form():
    """One neuron, no connections: each spike raises s by 1 / n = 1, and the current
    -g_inh s lengthens every interval by what the membrane equation says (within the
    discretisation: a spike is labelled with the step in which v crossed 1)."""
    current, g_inh, tau_inh = 1.3, 0.6, 5e-3
    cfg = S2NetConfig(
        I_bias=current, g_in=0.0, kappa=0.0, J=0.0, g_inh=g_inh, tau_inh=tau_inh,
        v_init=0.0, standardize=False,
    )  # fmt: skip
    alone = Scaffold(np.zeros((1, 1)), np.zeros((1, 1)))
    duration = 0.2
    spikes = simulate(np.zeros((1, 1, 1)), alone, cfg, sfreq=1 / duration, duration=duration)
    got = np.diff(spikes.trial(0)[0], prepend=0.0)
    want = np.diff(
        _self_inhibited_spikes(current, g_inh, tau_inh, cfg.tau_m, cfg.t_ref, duration),
        prepend=0.0,
    )
    n = min(got.size, want.size)
    assert n > 5 and abs(got.size - want.size) <= 1
    np.testing.assert_allclose(got[:n], want[:n], atol=1.5 * cfg.dt, rtol=0)
    # the free neuron fires every t_ref + tau_m ln(I / (I - 1)); the inhibited one slower
    free = cfg.t_ref + cfg.tau_m * np.log(current / (current - 1))
    assert got[1:].min() > free + 1e-3


def test_per_trial_scaffolds_run_as_their_own_simulations():
    """A batch of trials with one scaffold each gives every trial the spikes it gets when its
    scaffold is the only one (same seed, same trial position), shuffle and inhibition on."""
    n = 6
    weights, delays = random_network(n, 1)
    rng = np.random.default_rng(1)
    scaffolds = [
        Scaffold(weights * rng.uniform(0.2, 2.0, weights.shape) * (rng.random(weights.shape) < 0.8),
                 delays)
        for _ in range(3)
    ]  # fmt: skip
    x = rng.normal(size=(3, n, 200))
    for cfg in (
        S2NetConfig(I_bias=1.2, g_in=0.3, J=0.4, kappa=0.1, f_omega=40.0, g_inh=1.0),
        S2NetConfig(I_bias=1.2, g_in=0.3, J=0.4, shuffle_scaffold=True),
    ):
        together = simulate(x, scaffolds, cfg, sfreq=1000.0, seed=3, batch_size=2)
        alone = [simulate(x, sc, cfg, sfreq=1000.0, seed=3, batch_size=2) for sc in scaffolds]
        for k in range(3):
            for a, b in zip(together.trial(k), alone[k].trial(k), strict=True):
                np.testing.assert_array_equal(a, b)
        # the weights matter: trial 0 under trial 1's scaffold fires otherwise
        assert not np.array_equal(together.spike_counts()[0], alone[1].spike_counts()[0])
    with pytest.raises(ValueError, match="one scaffold, or one per trial"):
        simulate(x, scaffolds[:2], sfreq=1000.0)
    other = Scaffold(weights, delays * 2)
    with pytest.raises(ValueError, match="other conduction delays"):
        simulate(x, [scaffolds[0], other, scaffolds[2]], sfreq=1000.0)


@pytest.mark.skipif(
    shutil.which("g++") is None and shutil.which("c++") is None,
    reason="the C++ standalone backend needs a C++ compiler",
)
def test_standalone_takes_per_trial_weights_and_inhibition_as_run_args():
    """One standalone build (weights are run_args, not compiled in) gives the runtime's
    spikes for two different sets of per-trial scaffolds, with the inhibition on."""
    n = 5
    weights, delays = random_network(n, 4)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, n, 100))
    cfg = S2NetConfig(I_bias=1.2, g_in=0.3, J=0.4, kappa=0.1, f_omega=40.0, g_inh=0.8)
    for _ in range(2):
        scaffolds = [Scaffold(weights * rng.uniform(0.2, 2.0, weights.shape), delays)
                     for _ in range(2)]  # fmt: skip
        runtime = simulate(x, scaffolds, cfg, sfreq=SFREQ, seed=2, backend="cython")
        built = simulate(x, scaffolds, cfg, sfreq=SFREQ, seed=2, backend="cpp_standalone")
        np.testing.assert_array_equal(built.spike_counts(), runtime.spike_counts())
        np.testing.assert_allclose(built.times, runtime.times, atol=1e-9, rtol=0)

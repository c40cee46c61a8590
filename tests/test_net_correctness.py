"""Brian2's S2-Net against the independent plain-numpy Euler reference (tests/net_reference.py).

Small networks (4 neurons, all mechanisms on: delays, recurrent kicks, modulation, refractory
period, held input): every spike of Brian2 must match the reference within one step.
"""

from __future__ import annotations

import numpy as np
import pytest

from s2decode.atlas import Scaffold
from s2decode.net import S2NetConfig, simulate
from s2decode.net.encoders import standardize

from .net_reference import random_network, reference_simulation

N = 4
SFREQ = 500.0


def _initial_v(seed: int, n_trials: int, n: int, v_init: float = 1.0) -> np.ndarray:
    # simulate() draws the initial potentials from the second child of SeedSequence(seed)
    child = np.random.SeedSequence(seed).spawn(3)[1]
    return np.random.default_rng(child).uniform(0.0, v_init, size=(n_trials, n))


def _reference(cfg, x, weights, delays, v0, **kw):
    return reference_simulation(
        x,
        SFREQ,
        weights / weights.sum(axis=1).mean(),  # weight_norm="mean_in_strength"
        delays,
        v0,
        dt=cfg.dt,
        tau_m=cfg.tau_m,
        t_ref=cfg.t_ref,
        I_bias=cfg.I_bias,
        g_in=cfg.g_in,
        J=cfg.J,
        kappa=cfg.kappa,
        T_w=cfg.T_w,
        f_omega=cfg.f_omega,
        eps=cfg.eps,
        normalize=cfg.normalize,
        **kw,
    )


def _assert_within_one_step(brian, ref, dt):
    for k, (b, r) in enumerate(zip(brian, ref, strict=True)):
        assert b.size == r.size, f"neuron {k}: {b.size} spikes in Brian2, {r.size} in the reference"
        assert b.size > 5, "the test network should fire"
        np.testing.assert_allclose(b, r, atol=dt + 1e-9, rtol=0, err_msg=f"neuron {k}")


@pytest.mark.parametrize(("seed", "normalize"), [(0, True), (1, False), (4, True)])
def test_current_coding_matches_reference(seed, normalize):
    weights, delays = random_network(N, seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, N, 150))
    cfg = S2NetConfig(
        I_bias=1.3,
        g_in=0.3,
        J=0.2,
        kappa=0.1,
        f_omega=[35.0, 40.0, 45.0, 40.0],
        normalize=normalize,
    )
    spikes = simulate(x, Scaffold(weights, delays), cfg, sfreq=SFREQ, seed=seed)
    v0 = _initial_v(seed, 2, N)
    for trial in range(2):
        ref = _reference(cfg, standardize(x)[trial], weights, delays, v0[trial])
        _assert_within_one_step(spikes.trial(trial), ref, cfg.dt)


def test_modulation_changes_spikes_in_both():
    """The comparison above is not blind to the modulation: kappa moves the spikes."""
    weights, delays = random_network(N, 0)
    x = np.random.default_rng(0).normal(size=(1, N, 150))
    cfg = S2NetConfig(I_bias=1.3, g_in=0.3, J=0.2, kappa=0.1, f_omega=40.0)
    with_m = simulate(x, Scaffold(weights, delays), cfg, sfreq=SFREQ, seed=0)
    without = simulate(x, Scaffold(weights, delays), cfg.replace(kappa=0.0), sfreq=SFREQ, seed=0)
    assert with_m != without
    ref = _reference(
        cfg.replace(kappa=0.0), standardize(x)[0], weights, delays, _initial_v(0, 1, N)[0]
    )
    _assert_within_one_step(without.trial(0), ref, cfg.dt)


def test_delta_events_match_reference():
    weights, delays = random_network(N, 2)
    t = np.arange(150) / SFREQ
    rng = np.random.default_rng(2)
    x = np.sin(2 * np.pi * 8 * t + rng.uniform(0, 2 * np.pi, (1, N, 1)))
    cfg = S2NetConfig(
        encoder="delta",
        delta=0.2,
        g_event=0.4,
        I_bias=1.2,
        J=0.2,
        kappa=0.1,
        f_omega=40.0,
        standardize=False,
    )
    spikes = simulate(x, Scaffold(weights, delays), cfg, sfreq=SFREQ, seed=2)
    from s2decode.net import encode

    drive = encode(x, SFREQ, cfg, np.random.default_rng(0))
    events = list(zip(drive.ev_neuron, drive.ev_step, drive.ev_sign, strict=True))
    ref = _reference(
        cfg,
        np.zeros((N, 1)),
        weights,
        delays,
        _initial_v(2, 1, N)[0],
        duration=drive.duration,
        events=events,
        g_event=cfg.g_event,
    )
    _assert_within_one_step(spikes.trial(0), ref, cfg.dt)

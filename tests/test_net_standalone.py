"""The C++ standalone backend: same spikes as the runtime target, one build reused via run_args.

Each distinct network shape compiles a project once (about 10-30 s), so these tests share two
shapes: current coding with recording, and event coding.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from s2decode.atlas import Scaffold
from s2decode.net import S2NetConfig, simulate
from s2decode.paths import get_cache_dir

from .net_reference import random_network

pytestmark = pytest.mark.skipif(
    shutil.which("g++") is None and shutil.which("c++") is None,
    reason="the C++ standalone backend needs a C++ compiler",
)

N = 5
SFREQ = 200.0


@pytest.fixture(scope="module")
def scaffold():
    return Scaffold(*random_network(N, 11, density=0.6))


def _same_spikes(a, b, dt=1e-4):
    np.testing.assert_array_equal(a.spike_counts(), b.spike_counts())
    np.testing.assert_allclose(a.times, b.times, atol=dt + 1e-9, rtol=0)


def _binaries():
    root = get_cache_dir() / "brian2" / "standalone"
    return {p: p.stat().st_mtime_ns for p in root.glob("*/main")}


def test_standalone_matches_runtime_and_reuses_its_build(scaffold):
    x = np.random.default_rng(0).normal(size=(4, N, 60))
    cfg = S2NetConfig(record_dt=1e-3)
    kw = {"sfreq": SFREQ, "batch_size": 2, "record": True}
    spikes, states = simulate(x, scaffold, cfg, seed=1, backend="cpp_standalone", n_jobs=2, **kw)
    ref_spikes, ref_states = simulate(x, scaffold, cfg, seed=1, **kw)
    assert spikes.times.size > 0
    _same_spikes(spikes, ref_spikes)
    np.testing.assert_allclose(states["rho"].values, ref_states["rho"].values, atol=1e-6)
    assert states.sizes == ref_states.sizes

    # determinism, and new inputs + new parameter values run on the same binary
    built = _binaries()
    again, _ = simulate(x, scaffold, cfg, seed=1, backend="cpp_standalone", **kw)
    assert again == spikes
    x2 = np.random.default_rng(5).normal(size=(4, N, 60))
    cfg2 = cfg.replace(kappa=0.3, I_bias=1.0, f_omega=25.0)
    other, _ = simulate(x2, scaffold, cfg2, seed=2, backend="cpp_standalone", **kw)
    assert _binaries() == built  # no new project, no recompilation
    ref_other, _ = simulate(x2, scaffold, cfg2, seed=2, **kw)
    _same_spikes(other, ref_other)


def test_standalone_event_input_matches_runtime(scaffold):
    t = np.arange(100) / SFREQ
    x = np.sin(2 * np.pi * 6 * t + np.random.default_rng(1).uniform(0, 6, (3, N, 1)))
    cfg = S2NetConfig(encoder="delta", delta=0.25, g_event=0.5, I_bias=0.9, standardize=False)
    spikes = simulate(x, scaffold, cfg, sfreq=SFREQ, seed=0, backend="cpp_standalone", n_jobs=2)
    assert spikes.times.size > 0
    _same_spikes(spikes, simulate(x, scaffold, cfg, sfreq=SFREQ, seed=0))
    # other events (different count, padded to the same capacity) on the same build
    built = _binaries()
    cfg2 = cfg.replace(delta=0.35, g_event=0.7)
    other = simulate(x, scaffold, cfg2, sfreq=SFREQ, seed=0, backend="cpp_standalone", n_jobs=2)
    assert _binaries() == built
    _same_spikes(other, simulate(x, scaffold, cfg2, sfreq=SFREQ, seed=0))


def test_auto_backend_runs_cached_builds_and_every_backend_gives_the_same_spikes(
    scaffold, monkeypatch
):
    """backend="auto" (the default) runs the standalone build of a shape it has, else (a small
    call) the Cython runtime without compiling one; the spikes are the same, exactly."""
    import importlib

    sim = importlib.import_module("s2decode.net.simulate")  # the module, not the function
    ran = []
    standalone = sim._run_standalone

    def spy(run, n_jobs):
        ran.append(run.batch_size)
        return standalone(run, n_jobs)

    monkeypatch.setattr(sim, "_run_standalone", spy)
    x = np.random.default_rng(0).normal(size=(4, N, 60))
    cfg = S2NetConfig(record_dt=1e-3)
    kw = {"sfreq": SFREQ, "batch_size": 2, "record": True, "seed": 1}
    by_backend = {b: simulate(x, scaffold, cfg, backend=b, **kw) for b in ("cpp_standalone",)}
    ran.clear()
    by_backend["auto"] = simulate(x, scaffold, cfg, **kw)  # the shape of the first test
    assert ran == [2]
    for backend in ("cython", "numpy"):
        by_backend[backend] = simulate(x, scaffold, cfg, backend=backend, **kw)
    spikes = by_backend["cython"][0]
    assert spikes.times.size > 0
    for backend, (other, states) in by_backend.items():
        assert other == spikes, backend
        np.testing.assert_allclose(
            states["rho"].values, by_backend["cython"][1]["rho"].values, rtol=0, atol=1e-9
        )

    # a shape without a build, far below AUTO_STANDALONE_MIN_STEPS: Cython, nothing compiled
    ran.clear()
    built = _binaries()
    short = simulate(x[:, :, :40], scaffold, cfg, sfreq=SFREQ, seed=1)
    assert ran == [] and _binaries() == built
    assert short == simulate(x[:, :, :40], scaffold, cfg, sfreq=SFREQ, seed=1, backend="cython")


def test_standalone_batches_fit_the_cache_with_the_same_spikes(scaffold, monkeypatch):
    """Without batch_size, a standalone batch holds no more neurons than one core's L2 cache
    (here a made-up cache of two trials' state): 4 trials run as 2 batches of 2, not 1 of 4,
    and give the spikes of the runtime target."""
    import importlib

    from s2decode import machine
    from s2decode.net.backends import HOT_BYTES_PER_NEURON

    sim = importlib.import_module("s2decode.net.simulate")
    ran = []
    standalone = sim._run_standalone

    def spy(run, n_jobs):
        ran.append(run.batch_size)
        return standalone(run, n_jobs)

    monkeypatch.setattr(sim, "_run_standalone", spy)
    monkeypatch.setattr(machine, "cpu_cache_size", lambda level=2: 2 * N * HOT_BYTES_PER_NEURON)
    x = np.random.default_rng(0).normal(size=(4, N, 60))
    cfg = S2NetConfig(record_dt=1e-3)
    kw = {"sfreq": SFREQ, "record": True, "seed": 1}
    spikes, _ = simulate(x, scaffold, cfg, backend="cpp_standalone", **kw)
    assert ran == [2]  # the build of the first test's shape
    assert spikes == simulate(x, scaffold, cfg, backend="cython", batch_size=4, **kw)[0]

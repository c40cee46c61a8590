"""simulate(): inputs, outputs, determinism, batching, ablations and errors (runtime targets)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from s2decode.atlas import Scaffold
from s2decode.net import S2NetConfig, simulate, spiketrains_from_indices
from s2decode.spiketrains import SpikeTrains
from s2decode.trials import make_trials

from .net_reference import random_network

N = 6
SFREQ = 250.0
NAMES = [f"p{i}" for i in range(N)]


@pytest.fixture(scope="module")
def scaffold():
    weights, delays = random_network(N, 7, density=0.5)
    return Scaffold(weights, delays, labels=NAMES)


@pytest.fixture(scope="module")
def trials():
    x = np.random.default_rng(1).normal(size=(5, N, 100))
    return make_trials(x, sfreq=SFREQ, names=NAMES, t_start=-0.1)


def test_returns_spiketrains_on_the_trial_time_axis(trials, scaffold):
    spikes = simulate(trials, scaffold)
    assert isinstance(spikes, SpikeTrains)
    assert (spikes.n_trials, spikes.n_neurons) == (5, N)
    assert spikes.t_start == pytest.approx(-0.1) and spikes.t_stop == pytest.approx(0.3)
    assert spikes.neuron_names == NAMES
    assert spikes.times.min() >= -0.1 and spikes.times.max() < 0.3
    # the PySpike / Elephant view
    one = spikes.trial(2)
    assert len(one) == N and all(t.ndim == 1 for t in one)
    rates = spikes.rates()
    assert 5 < rates.mean() < 80


def test_deterministic_for_a_seed_and_different_across_seeds(trials, scaffold):
    a = simulate(trials, scaffold, seed=3)
    b = simulate(trials, scaffold, seed=3)
    assert a == b
    assert simulate(trials, scaffold, seed=4) != a


def test_batching_does_not_change_the_result(trials, scaffold):
    whole = simulate(trials, scaffold, seed=2)
    for batch_size in (1, 2):
        assert simulate(trials, scaffold, seed=2, batch_size=batch_size) == whole


def test_trials_are_independent(trials, scaffold):
    """Block-diagonal batches: a trial's spikes do not depend on its batch mates."""
    whole = simulate(trials, scaffold, seed=5)
    # the same trial alone, with its own draws (trial 3 is the fourth row of the draws)
    x = trials.values.copy()
    x[[0, 1, 2, 4]] = np.random.default_rng(9).normal(size=(4, N, 100))
    other = simulate(make_trials(x, sfreq=SFREQ, names=NAMES, t_start=-0.1), scaffold, seed=5)
    for k in range(N):
        np.testing.assert_array_equal(other.train(3, k), whole.train(3, k))


def test_array_input_needs_sfreq(trials, scaffold):
    x = trials.values
    spikes = simulate(x, scaffold, sfreq=SFREQ, seed=1)
    assert spikes.t_start == 0.0 and spikes.neuron_names is None
    shifted = simulate(trials, scaffold, seed=1)
    np.testing.assert_allclose(spikes.times, shifted.times + 0.1)
    with pytest.raises(ValueError, match="sfreq"):
        simulate(x, scaffold)
    with pytest.raises(ValueError, match="disagrees"):
        simulate(trials, scaffold, sfreq=100.0)


def test_numpy_target_matches_cython(scaffold):
    x = np.random.default_rng(2).normal(size=(2, N, 40))
    cython = simulate(x, scaffold, sfreq=SFREQ, seed=0)
    numpy_ = simulate(x, scaffold, sfreq=SFREQ, seed=0, backend="numpy")
    assert cython.times.size > 0
    # same spikes up to floating-point rounding (compiled with -ffast-math): same counts,
    # times within one step
    np.testing.assert_array_equal(numpy_.spike_counts(), cython.spike_counts())
    np.testing.assert_allclose(numpy_.times, cython.times, atol=1e-4 + 1e-9, rtol=0)


def test_record_states(trials, scaffold):
    cfg = S2NetConfig(record_dt=2e-3)
    spikes, states = simulate(trials, scaffold, cfg, seed=0, record=True)
    assert spikes == simulate(trials, scaffold, cfg, seed=0)
    assert isinstance(states, xr.Dataset)
    assert states["phi"].dims == ("trial", "parcel", "time")
    assert states.sizes == {"trial": 5, "parcel": N, "time": 200}
    np.testing.assert_allclose(states.time.values[:2], [-0.1, -0.098])
    assert list(states.parcel.values) == NAMES
    phi, rho, m = (states[k].values for k in ("phi", "rho", "m"))
    assert np.all(np.abs(m) <= 1 + 1e-12)  # normalised modulation
    assert np.all((phi >= -np.pi) & (phi <= np.pi)) and np.all(rho >= 0)
    # rho jumps by one at each spike: after a neuron's first spike its trace is non-zero
    first = spikes.train(0, 0)[0]
    idx = np.searchsorted(states.time.values, first + 4e-3)
    assert rho[0, 0, idx] > 0.5


def test_spike_trains_and_spike_count_input(scaffold):
    rng = np.random.default_rng(4)
    lists = [[np.sort(rng.uniform(0, 0.5, 20)) for _ in range(N)] for _ in range(2)]
    recorded = SpikeTrains.from_lists(lists, 0.0, 0.5)
    cfg = S2NetConfig(encoder="spikes", g_event=0.6, I_bias=0.5)
    out = simulate(recorded, scaffold, cfg, seed=0)
    assert (out.n_trials, out.t_stop) == (2, 0.5) and out.times.size > 0
    quiet = simulate(recorded, scaffold, cfg.replace(g_event=0.0), seed=0)
    assert quiet.times.size == 0  # I_bias < 1 and no kicks: the input does the firing
    counts = np.zeros((2, N, 500))
    counts[:, :, ::10] = 1
    binned = make_trials(
        counts, sfreq=1000.0, names=NAMES, measure="spike_counts", modality="spikes"
    )
    from_counts = simulate(binned, scaffold, cfg, seed=0)
    assert from_counts.rates().mean() > 0


def test_poisson_and_delta_encoders_run(trials, scaffold):
    for cfg in (
        S2NetConfig(encoder="poisson", g_event=0.5, I_bias=0.5),
        S2NetConfig(encoder="delta", g_event=0.5, delta=0.3, I_bias=0.8),
    ):
        spikes = simulate(trials, scaffold, cfg, seed=0)
        assert spikes.times.size > 0
        assert spikes == simulate(trials, scaffold, cfg, seed=0)


def test_time_scale_for_slow_signals(scaffold):
    # 12 fMRI volumes (TR 2 s) mapped to 30 ms each: 0.36 s of network time
    x = np.random.default_rng(0).normal(size=(2, N, 12))
    spikes = simulate(x, scaffold, S2NetConfig(time_scale=0.015), sfreq=0.5, seed=0)
    assert spikes.t_stop == pytest.approx(0.36)
    assert spikes.times.size > 0


def test_ablations_change_the_dynamics(trials, scaffold):
    base = simulate(trials, scaffold, seed=0)
    for name in ("kappa", "delays", "memory", "scaffold"):
        ablated = simulate(trials, scaffold, S2NetConfig().ablation(name), seed=0)
        assert ablated != base, name


def test_shuffled_scaffold_keeps_the_weight_distribution(scaffold):
    from s2decode.net.model import prepare_edges

    cfg = S2NetConfig()
    edges = prepare_edges(scaffold, cfg, np.random.default_rng(0))
    shuffled = prepare_edges(scaffold, cfg.ablation("scaffold"), np.random.default_rng(0))
    np.testing.assert_allclose(np.sort(edges.weight), np.sort(shuffled.weight))
    original = set(zip(edges.pre, edges.post, strict=True))
    assert original != set(zip(shuffled.pre, shuffled.post, strict=True))
    assert np.all(shuffled.pre != shuffled.post)
    no_delays = prepare_edges(scaffold, cfg.ablation("delays"), np.random.default_rng(0))
    np.testing.assert_array_equal(no_delays.delay, cfg.tau_0)
    # mean in-strength normalisation
    w = np.zeros((N, N))
    w[edges.post, edges.pre] = edges.weight
    assert w.sum(axis=1).mean() == pytest.approx(1.0)


def test_per_parcel_omega(trials, scaffold):
    cfg = S2NetConfig(f_omega=np.linspace(15.0, 30.0, N))
    spikes = simulate(trials, scaffold, cfg, seed=0)
    assert spikes != simulate(trials, scaffold, seed=0)


def test_input_errors(trials, scaffold):
    with pytest.raises(ValueError, match="3 nodes but the trials have 6"):
        simulate(trials, Scaffold(np.zeros((3, 3)), np.zeros((3, 3))))
    wrong = Scaffold(scaffold.weights, scaffold.delays, labels=[f"q{i}" for i in range(N)])
    with pytest.raises(ValueError, match="labels differ"):
        simulate(trials, wrong)
    with pytest.raises(TypeError, match="Scaffold"):
        simulate(trials, scaffold.weights)
    with pytest.raises(ValueError, match="backend"):
        simulate(trials, scaffold, backend="gpu")
    with pytest.raises(TypeError, match="seed"):
        simulate(trials, scaffold, seed=1.5)
    with pytest.raises(TypeError, match="S2NetConfig"):
        simulate(trials, scaffold, config={"kappa": 0.1})
    bad = trials.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        simulate(bad, scaffold)


def test_memory_errors_are_clear(trials, scaffold):
    from s2decode.net.encoders import encode
    from s2decode.net.model import prepare_edges
    from s2decode.net.simulate import _bytes_per_trial

    cfg = S2NetConfig()
    drive = encode(trials.values, SFREQ, cfg, np.random.default_rng(0))
    edges = prepare_edges(scaffold, cfg, np.random.default_rng(0))
    per_trial = _bytes_per_trial(drive, edges, cfg, False, N)
    with pytest.raises(MemoryError, match=r"Simulating one trial .* would need about"):
        simulate(trials, scaffold, max_memory=0.5 * per_trial)
    with pytest.raises(MemoryError, match="batch_size"):
        simulate(trials, scaffold, batch_size=5, max_memory=2.5 * per_trial)
    with pytest.raises(ValueError, match="max_memory"):
        simulate(trials, scaffold, max_memory=-1)
    # a budget that fits two trials: batches of two, same result
    assert simulate(trials, scaffold, max_memory=f"{2.5 * per_trial}B", seed=1) == simulate(
        trials, scaffold, seed=1
    )


def test_spiketrains_from_indices_sorted_and_presorted():
    rng = np.random.default_rng(0)
    trial = rng.integers(0, 3, 200)
    neuron = rng.integers(0, 4, 200)
    times = rng.uniform(0, 1, 200)
    st = spiketrains_from_indices(trial, neuron, times, 3, 4, 0.0, 1.0)
    for k in range(3):
        for i in range(4):
            np.testing.assert_array_equal(
                st.train(k, i), np.sort(times[(trial == k) & (neuron == i)])
            )
    order = np.argsort(times)
    fast = spiketrains_from_indices(
        trial[order], neuron[order], times[order], 3, 4, 0.0, 1.0, time_sorted=True
    )
    assert fast == st
    with pytest.raises(ValueError, match="out of range"):
        spiketrains_from_indices(trial, neuron, times, 2, 4, 0.0, 1.0)


def test_runtime_batches_in_worker_processes(trials, scaffold):
    """n_jobs > 1 spreads runtime batches over spawned processes: same spikes."""
    assert simulate(trials, scaffold, seed=6, n_jobs=2) == simulate(trials, scaffold, seed=6)
    with pytest.raises(ValueError, match="n_jobs"):
        simulate(trials, scaffold, n_jobs=0)


def test_brian2_imports_from_worker_threads():
    """Dask and threaded joblib run tasks off the main thread, where Brian2's first import
    (it installs a SIGINT handler) would raise; several threads at once leave signal intact."""
    code = (
        "import signal, threading\n"
        "from s2decode.net.brian import import_brian2\n"
        "original = signal.signal\n"
        "names = []\n"
        "threads = [threading.Thread(target=lambda: names.append(import_brian2().__name__))\n"
        "           for _ in range(3)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "assert names == ['brian2'] * 3, names\n"
        "assert signal.signal is original\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_brian2_leaves_no_log_files_and_no_excepthook(tmp_path):
    """A user's own error after a simulation is Python's plain traceback (not Brian2's "Brian 2
    encountered an unexpected error" banner), and nothing is left in the temporary folder."""
    code = (
        "import numpy as np\n"
        "from s2decode.atlas import Scaffold\n"
        "from s2decode.net import simulate\n"
        "w = np.ones((3, 3)) - np.eye(3)\n"
        "scaffold = Scaffold(w, 0.004 * w)\n"
        "x = np.random.default_rng(0).normal(size=(1, 3, 20))\n"
        "simulate(x, scaffold, sfreq=100.0, backend='numpy')\n"
        "raise ValueError('the user script failed')\n"
    )
    script = tmp_path / "user_script.py"
    script.write_text(code)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "S2DECODE_BRIAN2_LOG"}
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env={**env, "TMPDIR": str(tmp)},
    )
    assert done.returncode == 1
    assert "ValueError: the user script failed" in done.stderr
    assert "Brian 2 encountered" not in done.stderr, done.stderr
    assert not [p.name for p in tmp.iterdir() if p.name.startswith("brian_")]
    # asked for, Brian2's own behaviour is kept
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env={**env, "TMPDIR": str(tmp), "S2DECODE_BRIAN2_LOG": "1"},
    )
    assert "Brian 2 encountered" in done.stderr


def test_network_run_skips_its_full_collection_only_for_s2net(trials, scaffold):
    """Brian2's Network.run starts with a full gc.collect() (0.1-0.6 s with MNE and
    scikit-learn loaded) that only serves its warning about objects never run: S2-Net's runs
    turn that warning off and skip the collection (Brian2 2.11's rule, backported to 2.10);
    other Brian2 code keeps both."""
    import gc

    from brian2 import prefs
    from brian2.core import network

    simulate(trials.isel(trial=[0]), scaffold, seed=0, backend="numpy")
    assert prefs["logging.warn_for_unused_objects"] is True  # restored after the run
    seen = []

    def watch(phase, info):
        if phase == "start" and info["generation"] == 2:
            seen.append(phase)

    gc.callbacks.append(watch)
    try:
        network.gc.collect()  # Brian2's default: warnings on, a full collection
        assert seen == ["start"]
        prefs["logging.warn_for_unused_objects"] = False  # as inside simulate()
        try:
            network.gc.collect()
        finally:
            prefs["logging.warn_for_unused_objects"] = True
        assert seen == ["start"]
    finally:
        gc.callbacks.remove(watch)


def test_without_a_compiler_auto_and_cython_fall_back_to_numpy(scaffold, monkeypatch):
    """backend="auto" (and "cython") where no compiler works: the numpy target, with a
    warning that says how to get the fast path; the same spikes as asking for numpy."""
    import importlib

    sim = importlib.import_module("s2decode.net.simulate")  # the module, not the function
    monkeypatch.setattr(sim, "_cython_available", lambda cache: False)
    monkeypatch.setattr(sim, "standalone_available", lambda cache: False)
    x = np.random.default_rng(4).normal(size=(1, N, 30))
    expected = simulate(x, scaffold, sfreq=SFREQ, seed=0, backend="numpy")
    for backend in ("auto", "cython"):
        with pytest.warns(RuntimeWarning, match="Install a compiler"):
            got = simulate(x, scaffold, sfreq=SFREQ, seed=0, backend=backend)
        assert got == expected


@pytest.mark.parametrize("n_trials", [1, 7, 100, 1000])
@pytest.mark.parametrize("n_jobs", [1, 2, 3])
def test_cache_batch_size_fits_the_cache_in_balanced_batches(n_trials, n_jobs):
    from s2decode.net.backends import HOT_BYTES_PER_NEURON, cache_batch_size

    n_parcels, cache = 300, 1 << 20
    size = cache_batch_size(n_trials, n_parcels, n_jobs, cache_bytes=cache)
    n_batches = -(-n_trials // size)
    assert size * n_parcels * HOT_BYTES_PER_NEURON <= cache
    in_flight = min(n_jobs, n_trials)
    assert n_batches % in_flight == 0 or n_batches == n_trials
    assert (size - 1) * n_batches < n_trials  # as even as the count allows
    # unknown cache: one batch per job
    assert cache_batch_size(n_trials, n_parcels, n_jobs, cache_bytes=0) == -(-n_trials // in_flight)

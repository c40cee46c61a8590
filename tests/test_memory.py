"""Memory (issue 16): work over the memory budget is refused before it allocates, with the
bytes it needed and the budget in the message, or done in smaller pieces with the same
result.

The budget is ``S2DECODE_MEMORY_BUDGET`` (``s2decode.get_memory_budget``; ``max_memory=`` of
``simulate``). "Before allocating" is checked two ways: the step that would allocate is
replaced by one that fails the test, and ``tracemalloc`` (which sees NumPy's buffers) shows
that the refused call allocated a small fraction of what it said it needed.
"""

from __future__ import annotations

import re
import sys
import tracemalloc

import mne
import numpy as np
import pytest

import s2decode
import s2decode.net  # s2decode.net.simulate, the module, is in sys.modules
from s2decode import InvalidInputError, MemoryBudgetError, get_memory_budget, paths, sync
from s2decode.atlas import Scaffold, load_atlas
from s2decode.atlas.projection import SensorDistanceProjector, default_montage
from s2decode.estimators import features as F
from s2decode.net import simulate
from s2decode.spiketrains import SpikeTrains
from s2decode.trials import make_trials

from .net_reference import random_network

ENV = paths.MEMORY_ENV


def _numbers(message: str) -> list[int]:
    """The byte counts written with thousands separators in a message."""
    return [int(m.replace(",", "")) for m in re.findall(r"\((\d[\d,]*) bytes", message)]


def assert_refusal(err: MemoryBudgetError, budget: int, *words: str) -> int:
    """The message names the bytes needed (over the budget), the budget, its setting and
    the fix; returns the bytes needed."""
    message = str(err)
    assert isinstance(err, MemoryError) and isinstance(err, s2decode.S2DecodeError)
    needed, stated = _numbers(message)
    assert stated == budget and needed > budget, message
    assert "refused before allocating" in message and ENV in message, message
    for word in words:
        assert word in message, message
    return needed


# ------------------------------------------------------------------------------ the budget
def test_the_budget_reads_bytes_sizes_and_percentages(monkeypatch):
    monkeypatch.setattr(paths, "available_memory", lambda: 8 * 10**9)
    monkeypatch.delenv(ENV, raising=False)
    assert get_memory_budget() == 4 * 10**9  # half of the available memory
    assert get_memory_budget(2e9) == get_memory_budget("2GB") == 2 * 10**9
    assert get_memory_budget("512MiB") == 512 * 2**20
    assert get_memory_budget("25%") == 2 * 10**9
    monkeypatch.setenv(ENV, "1.5 GB")
    assert get_memory_budget() == 1_500_000_000
    assert get_memory_budget("1kB") == 1000  # the argument wins over the environment


@pytest.mark.parametrize("value", ["lots", "-1GB", "0", "0%", "inf", "GB"])
def test_a_bad_budget_is_refused_naming_its_setting(monkeypatch, value):
    monkeypatch.setenv(ENV, value)
    with pytest.raises(InvalidInputError, match=f"{ENV}=.*'8GB'.*'25%'"):
        get_memory_budget()
    with pytest.raises(InvalidInputError, match="memory_budget="):
        get_memory_budget(value)


# ------------------------------------------------------------------------------ simulation
N, SFREQ = 6, 250.0
NAMES = [f"p{i}" for i in range(N)]


@pytest.fixture(scope="module")
def network():
    weights, delays = random_network(N, 7, density=0.5)
    trials = make_trials(
        np.random.default_rng(1).normal(size=(5, N, 100)), sfreq=SFREQ, names=NAMES
    )
    return trials, Scaffold(weights, delays, labels=NAMES)


@pytest.fixture
def no_simulation(monkeypatch):
    """Make reaching the simulation (Brian2, which allocates the network) fail the test."""

    def fail(*args, **kwargs):
        raise AssertionError("the simulation started: the budget was not checked first")

    module = sys.modules["s2decode.net.simulate"]
    monkeypatch.setattr(module, "import_brian2", fail)


def test_a_simulation_batch_over_the_budget_is_refused_before_the_network(
    network, monkeypatch, no_simulation
):
    trials, scaffold = network
    monkeypatch.setenv(ENV, "20kB")
    with pytest.raises(MemoryBudgetError) as refused:
        simulate(trials, scaffold, batch_size=5)
    assert_refusal(refused.value, 20_000, "A simulation batch of 5 trials", "Lower batch_size")
    # max_memory= wins over the environment, and is named
    with pytest.raises(MemoryBudgetError, match="max_memory or S2DECODE") as refused:
        simulate(trials, scaffold, max_memory="1kB")
    assert_refusal(refused.value, 1000, "Simulating one trial", "Shorten the trials")


def test_a_simulation_over_the_budget_is_batched_with_the_same_spikes(network, monkeypatch):
    trials, scaffold = network
    module = sys.modules["s2decode.net.simulate"]
    planned = []
    real = module._plan_batch
    monkeypatch.setattr(module, "_plan_batch", lambda *a: planned.append(real(*a)) or planned[-1])
    whole = simulate(trials, scaffold, seed=1)
    # a budget of about two trials (the estimate of one trial, as simulate makes it)
    per_trial = module._bytes_per_trial(
        module.encode(trials.values, SFREQ, s2decode.net.S2NetConfig(), np.random.default_rng(0)),
        module.model.prepare_edges(scaffold, s2decode.net.S2NetConfig(), np.random.default_rng(0)),
        s2decode.net.S2NetConfig(),
        False,
        N,
    )
    monkeypatch.setenv(ENV, f"{int(2.5 * per_trial)}B")
    assert simulate(trials, scaffold, seed=1) == whole
    assert planned[0] == 5 and planned[-1] == 2


# ---------------------------------------------------------------------------- pair metrics
def _many_trains(n_trials: int, n: int) -> SpikeTrains:
    """``n_trials`` x ``n`` trains of one spike each (a few MB), whose matrices are huge."""
    times = np.tile(np.linspace(0.01, 0.99, n), n_trials)
    offsets = np.arange(n_trials * n + 1, dtype=np.int64)
    return SpikeTrains(times, offsets, n_trials, n, 0.0, 1.0)


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("SPIKE-synchronization", lambda s: sync.spike_sync_matrix(s)),
        ("STTC", lambda s: sync.sttc_matrix(s, dt=0.01)),
        ("ISI-distance", lambda s: sync.isi_distance_matrix(s)),
        ("SPIKE-distance", lambda s: sync.spike_distance_matrix(s)),
        ("van Rossum", lambda s: sync.van_rossum_distance_matrix(s, tau=0.01)),
    ],
)
def test_pair_matrices_of_1000_trains_over_the_budget_are_refused(monkeypatch, name, call):
    monkeypatch.setenv(ENV, "1GB")
    spikes = _many_trains(200, 1000)  # 200 x 1000 x 1000 matrices: 1.6 GB, 2.4 GB with values
    tracemalloc.start()
    try:
        with pytest.raises(MemoryBudgetError) as refused:
            call(spikes)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    needed = assert_refusal(refused.value, 10**9, name, "200 trial(s) x 1000 trains")
    assert needed >= 200 * 1000**2 * 8
    assert peak < needed / 20, f"{peak:,} bytes allocated before the refusal"


def test_phase_locking_matrices_over_the_budget_are_refused(monkeypatch):
    monkeypatch.setenv(ENV, "100MB")
    phases = np.broadcast_to(np.float64(0.5), (40, 1000, 50))  # no memory of its own
    tracemalloc.start()
    try:
        with pytest.raises(MemoryBudgetError) as refused:
            sync.phase_locking_matrix(phases)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    needed = assert_refusal(refused.value, 10**8, "phase-locking matrices of 40 x 1000")
    assert peak < needed / 20


def _pair_inputs(n_trials: int = 12, n: int = 20):
    rng = np.random.default_rng(0)
    trains = [[np.sort(rng.uniform(0, 1, rng.integers(3, 15))) for _ in range(n)]
              for _ in range(n_trials)]  # fmt: skip
    spikes = SpikeTrains.from_lists(trains, 0.0, 1.0)
    windows = np.array([[0.0, 0.5], [0.5, 1.0]])
    kwargs = dict(features=("plv", "spike_sync", "sttc", "kuramoto"), pairs="nodes")
    return spikes, windows, kwargs


def _smallest_budget_for(chunk: int, chunk_size, args: tuple) -> int:
    """The smallest budget with which ``chunk_size(*args)`` (``_pair_chunk_size``) gives
    ``chunk`` trials."""
    lo, hi = 1, 10**12
    with pytest.MonkeyPatch.context() as mp:
        while lo < hi:
            mid = (lo + hi) // 2
            mp.setattr(F, "get_memory_budget", lambda mid=mid: mid)
            try:
                got = chunk_size(*args)
            except MemoryBudgetError:
                got = 0
            lo, hi = (mid + 1, hi) if got < chunk else (lo, mid)
    return lo


def test_pair_features_over_the_budget_go_fewer_trials_at_a_time_with_the_same_values(
    monkeypatch,
):
    spikes, windows, kwargs = _pair_inputs()
    monkeypatch.delenv(ENV, raising=False)
    calls = []
    real = F._pair_chunk_size
    monkeypatch.setattr(
        F, "_pair_chunk_size", lambda *a: calls.append((a, real(*a))) or calls[-1][1]
    )
    whole = F.stack_blocks(F.compute_features(spikes, windows, **kwargs))
    assert [size for _, size in calls] == [12]  # all trials at once
    budget = _smallest_budget_for(5, real, calls[0][0])
    monkeypatch.setenv(ENV, f"{budget}B")
    chunked = F.stack_blocks(F.compute_features(spikes, windows, **kwargs))
    assert [size for _, size in calls[1:]] == [5]  # 12 trials in chunks of 5, 5 and 2
    np.testing.assert_array_equal(chunked, whole)
    # one byte less: chunks of 4
    monkeypatch.setenv(ENV, f"{budget - 1}B")
    F.compute_features(spikes, windows, **kwargs)
    assert calls[-1][1] == 4


def test_pair_features_of_1000_nodes_over_the_budget_are_refused(monkeypatch):
    monkeypatch.setenv(ENV, "50MB")
    spikes = _many_trains(2, 1000)
    with pytest.raises(MemoryBudgetError) as refused:
        F.compute_features(spikes, np.array([[0.0, 1.0]]), features=("spike_sync",), pairs="nodes")
    assert_refusal(refused.value, 50 * 10**6, "one trial of 1000 nodes", "fewer nodes")


# ------------------------------------------------------------------------------ projection
def test_a_projection_over_the_budget_is_refused_before_the_product(monkeypatch):
    atlas = load_atlas("seitzman300")
    names = ["C3", "Cz", "C4", "Pz", "Fz", "O1", "O2", "Fp1"]
    info = mne.create_info(names, 250.0, "eeg")
    info.set_montage(default_montage(), verbose=False)
    proj = SensorDistanceProjector(atlas, sigma=30.0).fit(info)
    data = np.broadcast_to(np.float64(1e-6), (2000, len(names), 1000))  # no memory of its own
    monkeypatch.setenv(ENV, "1GB")  # the product: 2000 x 300 x 1000 x 8 B = 4.8 GB, twice
    monkeypatch.setattr(np, "tensordot", lambda *a, **k: pytest.fail("the product started"))
    with pytest.raises(MemoryBudgetError) as refused:
        proj.transform(data)
    needed = assert_refusal(refused.value, 10**9, "Projecting data of shape", "fewer trials")
    assert needed == 2 * 2000 * atlas.n_parcels * 1000 * 8
    # within the budget it projects
    monkeypatch.undo()
    assert proj.transform(data[:2]).shape == (2, atlas.n_parcels, 1000)

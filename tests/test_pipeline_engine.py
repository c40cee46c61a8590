"""The Dask client a pipeline runs on (``s2decode.pipeline.engine``), on its own.

How many workers by default, the argument checks, an in-process local cluster (started,
used and stopped), an existing scheduler (used and left running), one worker process with the
one-thread environment, and the logger levels set for a run and restored after it.
"""

from __future__ import annotations

import logging
import os

import distributed
import pytest

from s2decode.pipeline.engine import (
    RUN_LOG_LEVELS,
    WORKER_ENV,
    dask_client,
    default_workers,
    log_levels,
    set_log_levels,
)


@pytest.fixture
def restore_loggers():
    """Put back the levels of the loggers a test (or the code under test) sets."""
    names = ["distributed", *RUN_LOG_LEVELS, "s2decode.test.a", "s2decode.test.b"]
    old = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in old.items():
        logging.getLogger(name).setLevel(level)


def _levels(names):
    return {name: logging.getLogger(name).level for name in names}


# ------------------------------------------------------------------------ default_workers
@pytest.mark.parametrize(
    ("cpus", "n_tasks", "expected"),
    [(4, None, 4), (4, 2, 2), (4, 10, 4), (4, 0, 4), (1, None, 1), (1, 5, 1), (8, 1, 1)],
)
def test_default_workers_one_per_available_cpu_and_no_more_than_tasks(
    monkeypatch, cpus, n_tasks, expected
):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)), raising=False)
    assert default_workers(n_tasks) == expected


def test_default_workers_reads_the_affinity_of_this_process():
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no sched_getaffinity on this platform")
    assert default_workers() == len(os.sched_getaffinity(0))
    assert default_workers(1) == 1


# ------------------------------------------------------------------------- argument checks
@pytest.mark.parametrize("workers", [-1, 1.5, True, "2"])
def test_workers_must_be_a_whole_number(workers):
    with pytest.raises(ValueError, match="`workers` must be a whole number >= 0"):
        with dask_client(workers, log=lambda _: None):
            pass


def test_workers_and_scheduler_exclude_each_other():
    with pytest.raises(ValueError, match=r"either `workers`.*or `scheduler`"):
        with dask_client(2, "tcp://127.0.0.1:8786", log=lambda _: None):
            pass


# ---------------------------------------------------------------------- a local cluster
def test_zero_workers_run_in_this_process_and_stop_with_the_block(restore_loggers):
    logging.getLogger("distributed.core").setLevel(logging.INFO)
    logging.getLogger("distributed").setLevel(logging.WARNING)
    before = _levels(["distributed", *RUN_LOG_LEVELS])
    logs = []
    with dask_client(0, log=logs.append) as client:
        assert isinstance(client, distributed.Client)
        assert client.status == "running"
        assert len(client.nthreads()) == 1 and list(client.nthreads().values()) == [1]
        assert client.submit(os.getpid).result() == os.getpid()  # in this process
        assert _levels(RUN_LOG_LEVELS) == dict(RUN_LOG_LEVELS)
        cluster = client.cluster
    assert len(logs) == 1
    assert logs[0].startswith("Dask: local cluster, in this process; dashboard ")
    assert client.status == "closed"
    assert cluster.status.name == "closed"
    assert _levels(before) == before  # the run's levels and the teardown's are undone


def test_an_error_in_the_block_still_stops_the_cluster_and_restores_levels(restore_loggers):
    before = _levels(["distributed", *RUN_LOG_LEVELS])
    with pytest.raises(RuntimeError, match="inside"):
        with dask_client(0, log=lambda _: None) as client:
            cluster = client.cluster
            raise RuntimeError("inside")
    assert client.status == "closed" and cluster.status.name == "closed"
    assert _levels(before) == before


def test_one_worker_process_with_one_thread_and_the_run_levels(restore_loggers, monkeypatch):
    # a cluster started earlier in this process without the override leaves Dask's value in
    # os.environ, which any later worker would inherit
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    logs = []
    with dask_client(1, log=logs.append, memory_limit="1GiB") as client:
        (address,) = client.nthreads()
        assert address.startswith("tcp://127.0.0.1:")  # bound to this machine only
        assert client.nthreads()[address] == 1
        assert client.submit(os.getpid).result() != os.getpid()
        env = client.run(lambda: {name: os.environ.get(name) for name in WORKER_ENV})
        assert env == {address: dict(WORKER_ENV)}
        # glibc's adaptive malloc, not Dask's MALLOC_TRIM_THRESHOLD_ (1.6x slower numpy)
        trim = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
        assert trim == {address: None}
        assert "MALLOC_TRIM_THRESHOLD_" not in os.environ  # nor left in this process
        names = list(RUN_LOG_LEVELS)
        levels = client.run(lambda: {name: logging.getLogger(name).level for name in names})
        assert levels == {address: dict(RUN_LOG_LEVELS)}
        cluster = client.cluster
    assert logs == [logs[0]] and "1 worker process(es)" in logs[0]
    assert client.status == "closed" and cluster.status.name == "closed"


# ----------------------------------------------------------------- an existing scheduler
def test_an_existing_scheduler_is_used_and_left_running(restore_loggers):
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        logs = []
        with dask_client(scheduler=cluster.scheduler_address, log=logs.append) as client:
            assert client.submit(sum, [1, 2, 3]).result() == 6
        assert client.status == "closed"
        assert len(logs) == 1
        assert logs[0].startswith(f"Dask: scheduler {cluster.scheduler_address} with 1 worker(s)")
        assert cluster.status.name == "running"  # someone else's cluster: not stopped
        with distributed.Client(cluster) as again:
            assert again.submit(sum, [4, 5]).result() == 9


def test_a_scheduler_without_workers_is_an_error_after_the_timeout(restore_loggers):
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cluster:
        address = cluster.scheduler_address
        with pytest.raises(ConnectionError, match=r"has no worker after 0\.5 s") as info:
            with dask_client(scheduler=address, worker_timeout=0.5, log=lambda _: None):
                pass
        assert f"dask worker {address}" in str(info.value)


def test_an_unreachable_scheduler_is_a_connection_error_with_the_fix(monkeypatch):
    def refused(address, timeout=None):
        raise OSError(f"Timed out trying to connect to {address}")

    monkeypatch.setattr(distributed, "Client", refused)
    with pytest.raises(ConnectionError, match="Cannot reach the Dask scheduler") as info:
        with dask_client(scheduler="tcp://127.0.0.1:9", log=lambda _: None):
            pass
    assert "`dask scheduler`" in str(info.value) and "--scheduler" in str(info.value)
    assert isinstance(info.value.__cause__, OSError)


# -------------------------------------------------------------------------- log levels
def test_log_levels_sets_for_the_block_and_restores_after(restore_loggers):
    logging.getLogger("s2decode.test.a").setLevel(logging.DEBUG)
    logging.getLogger("s2decode.test.b").setLevel(logging.NOTSET)
    with log_levels({"s2decode.test.a": logging.ERROR, "s2decode.test.b": logging.CRITICAL}):
        assert logging.getLogger("s2decode.test.a").level == logging.ERROR
        assert logging.getLogger("s2decode.test.b").level == logging.CRITICAL
    assert logging.getLogger("s2decode.test.a").level == logging.DEBUG
    assert logging.getLogger("s2decode.test.b").level == logging.NOTSET


def test_log_levels_restores_after_an_exception_and_nests(restore_loggers):
    logger = logging.getLogger("s2decode.test.a")
    logger.setLevel(logging.INFO)
    with pytest.raises(KeyError):
        with log_levels({"s2decode.test.a": logging.WARNING}):
            with log_levels({"s2decode.test.a": logging.CRITICAL}):
                assert logger.level == logging.CRITICAL
            assert logger.level == logging.WARNING
            raise KeyError("x")
    assert logger.level == logging.INFO


def test_set_log_levels_sets_each_named_logger(restore_loggers):
    set_log_levels({"s2decode.test.a": logging.ERROR, "s2decode.test.b": 15})
    assert _levels(["s2decode.test.a", "s2decode.test.b"]) == {
        "s2decode.test.a": logging.ERROR,
        "s2decode.test.b": 15,
    }


def test_the_run_levels_and_worker_env_are_what_a_run_needs():
    assert dict(RUN_LOG_LEVELS) == {
        "distributed.worker.state_machine": logging.ERROR,
        "distributed.core": logging.ERROR,
        "distributed.comm": logging.ERROR,
    }
    with pytest.raises(TypeError):
        RUN_LOG_LEVELS["distributed"] = logging.DEBUG  # read-only: a run cannot change it
    assert set(WORKER_ENV.values()) == {"1"}
    assert {"NUMBA_NUM_THREADS", "OMP_NUM_THREADS"} <= set(WORKER_ENV)

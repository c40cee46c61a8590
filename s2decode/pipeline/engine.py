"""The Dask client a pipeline runs on: a local cluster, or an existing scheduler.

Dask distributed is the engine; s2decode adds no scheduler of its own. By default a
:class:`~distributed.LocalCluster` of single-threaded worker processes starts on this machine,
bound to 127.0.0.1 (nothing is reachable from outside), and stops with the run. With
``scheduler="tcp://HOST:PORT"`` the run goes to a cluster started elsewhere -- ``dask scheduler``
and ``dask worker`` by hand, dask-jobqueue on an HPC system, dask-kubernetes -- and leaves it
running.
"""

from __future__ import annotations

import contextlib
import logging
import os
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

#: Environment of local worker processes: one thread each, so that N workers use N cores
#: instead of N x (numba, BLAS, OpenMP) threads fighting over them.
WORKER_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


_MALLOC_TRIM = "MALLOC_TRIM_THRESHOLD_"


def default_workers(n_tasks: int | None = None) -> int:
    """One worker per CPU available to this process, and no more than there are tasks."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, n_tasks or cpus))


@contextmanager
def dask_client(
    workers: int | None = None,
    scheduler: str | None = None,
    *,
    n_tasks: int | None = None,
    memory_limit: str = "auto",
    worker_timeout: float = 60.0,
    log: Callable[[str], None] = print,
) -> Iterator:
    """A :class:`distributed.Client` for the duration of a run.

    Parameters
    ----------
    workers : int | None
        Worker processes of a local cluster (``None``: :func:`default_workers`); ``0`` runs
        the tasks in threads of this process (no pickling; for debugging).
    scheduler : str | None
        Address of an existing scheduler; ``workers`` must then be ``None``.
    n_tasks : int | None
        Number of independent tasks, to avoid starting idle workers.
    memory_limit : str
        Memory limit of each local worker (Dask's syntax).
    worker_timeout : float
        Seconds to wait for an existing scheduler to have a worker.
    log : callable
        Receives the dashboard address.

    Yields
    ------
    client : distributed.Client
    """
    from distributed import Client, LocalCluster

    if scheduler is not None and workers is not None:
        raise ValueError(
            "Give either `workers` (a local cluster) or `scheduler` (an existing one), not both."
        )
    bad = isinstance(workers, bool) or (workers is not None and not isinstance(workers, int))
    if bad or (workers is not None and workers < 0):
        raise ValueError(f"`workers` must be a whole number >= 0, got {workers!r}.")

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as err:
            raise ConnectionError(
                f"Cannot reach the Dask scheduler at {scheduler!r}: {err}. Start one with "
                "`dask scheduler` (and workers with `dask worker ADDRESS`), or leave out "
                "--scheduler to run on a local cluster."
            ) from err
        try:
            client.wait_for_workers(1, timeout=worker_timeout)
        except TimeoutError as err:
            client.close()
            raise ConnectionError(
                f"The Dask scheduler at {scheduler!r} has no worker after {worker_timeout:g} s; "
                f"start some with `dask worker {scheduler}`."
            ) from err
        n = len(client.nthreads())
        log(f"Dask: scheduler {scheduler} with {n} worker(s); dashboard {client.dashboard_link}")
        try:
            yield client
        finally:
            client.close()
        return

    n_workers = default_workers(n_tasks) if workers is None else int(workers)
    if n_workers == 0:
        cluster = LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,  # in-process transport: nothing listens on the network
            dashboard_address="127.0.0.1:0",
        )
    else:
        import dask

        # Dask starts its worker processes with MALLOC_TRIM_THRESHOLD_=65536, which turns
        # off glibc's adaptive mmap threshold: every array over 128 kB is then a fresh mmap,
        # page-faulted in and unmapped when freed. The filter bank and the synchrony
        # features of a unit ran 1.6x slower so (20 -> 33 ms, 118 -> 192 ms, one thread);
        # the workers keep glibc's defaults (unless this environment sets the variable).
        with dask.config.set({"distributed.nanny.pre-spawn-environ." + _MALLOC_TRIM: None}):
            cluster = LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                memory_limit=memory_limit,
                env=dict(WORKER_ENV),
            )
    client = Client(cluster)
    with log_levels(RUN_LOG_LEVELS):  # the client's side, and in-process workers
        if n_workers > 0:
            client.run(set_log_levels, RUN_LOG_LEVELS)
        kind = "in this process" if n_workers == 0 else f"{n_workers} worker process(es)"
        log(f"Dask: local cluster, {kind}; dashboard {_local_dashboard(client)}")
        try:
            yield client
        finally:
            # what a local cluster logs while it stops (heartbeats to a scheduler already
            # gone, workers killed after the close timeout) is about its own teardown
            with log_levels({"distributed": logging.CRITICAL}):
                if n_workers > 0:
                    with contextlib.suppress(Exception):
                        client.run(set_log_levels, {"distributed": logging.CRITICAL})
                client.close()
                cluster.close()


#: Log levels of a local cluster while it runs. The run cancels the rest of its tasks when
#: one fails or on Ctrl+C, and Dask's state machine and comms would log a warning per
#: cancelled task around the one error the run reports; memory and other worker warnings
#: are kept.
RUN_LOG_LEVELS = types.MappingProxyType(
    {
        "distributed.worker.state_machine": logging.ERROR,
        "distributed.core": logging.ERROR,
        "distributed.comm": logging.ERROR,
    }
)


def set_log_levels(levels: Mapping[str, int]) -> None:
    """Set the level of each named logger in this process (run on the workers)."""
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@contextmanager
def log_levels(levels: Mapping[str, int]) -> Iterator[None]:
    """Set the level of each named logger for the duration of the block, then restore it."""
    old = {name: logging.getLogger(name).level for name in levels}
    set_log_levels(levels)
    try:
        yield
    finally:
        set_log_levels(old)


def _local_dashboard(client) -> str:
    """The dashboard's address: the local cluster binds it to 127.0.0.1 whatever the scheduler's
    address says (an in-process scheduler reports the machine's address)."""
    port = client.scheduler_info().get("services", {}).get("dashboard")
    return f"http://127.0.0.1:{port}/status" if port else "unavailable (install bokeh)"

"""Where replications run: in this process, a local process pool, or a Dask cluster.

Every executor runs the same pure work items (scenario, seed, replication in; KPIs out), so
the results do not depend on which one ran them or on how many workers it had.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

log = logging.getLogger(__name__)

#: Seconds to wait for a Dask scheduler before giving up.
CLUSTER_TIMEOUT_S = 10.0


class ClusterError(Exception):
    """The Dask cluster cannot be reached or used (one line, for the CLI)."""


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def open_executor(
    jobs: int = 1, cluster: str | None = None, max_tasks: int | None = None
) -> Iterator[Executor | None]:
    """A ``concurrent.futures`` executor for the work, or None to run it in this process.

    ``cluster`` (``tcp://HOST:PORT`` of a Dask scheduler) wins over ``jobs``; otherwise
    ``jobs > 1`` gives a pool of ``min(jobs, max_tasks)`` spawned processes. Raises
    :class:`ClusterError` if the scheduler cannot be reached.
    """
    if cluster:
        with _dask_executor(cluster) as executor:
            yield executor
        return
    workers = min(jobs, max_tasks) if max_tasks is not None else jobs
    if workers <= 1:
        yield None
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        yield pool


@contextmanager
def _dask_executor(address: str) -> Iterator[Executor]:
    """A Dask ``Client`` on ``address`` seen as a ``concurrent.futures`` executor."""
    if not address.startswith(("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")):
        raise ClusterError(
            f"--cluster: expected a scheduler address like tcp://HOST:PORT, found {address!r}"
        )
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ClusterError("--cluster: expected dask.distributed installed, found none") from None
    try:
        client = Client(address, timeout=CLUSTER_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"--cluster: expected a Dask scheduler at {address}, found none "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no answer'})"
        ) from None
    try:
        try:
            client.wait_for_workers(1, timeout=CLUSTER_TIMEOUT_S)
        except (OSError, TimeoutError):
            raise ClusterError(
                f"--cluster: expected a Dask scheduler at {address} with workers, found none "
                f"after {CLUSTER_TIMEOUT_S:g} s; start some with 'dask worker {address}'"
            ) from None
        workers = len(client.scheduler_info().get("workers", {}))
        log.info("Dask cluster %s: %d workers", address, workers)
        with client.get_executor(pure=False) as executor:
            yield executor
    finally:
        client.close()

"""Where replications run: in this process, a local process pool, or a Dask cluster.

Every executor runs the same pure work items (scenario, seed, replication in; KPIs out), so
the results do not depend on which one ran them or on how many workers it had.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import signal
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import (
    CancelledError,
    Executor,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

#: Seconds to wait for a Dask scheduler to answer, and then for it to have a worker.
CLUSTER_TIMEOUT_S = 10.0

#: Seconds during which a refused connection is retried (a scheduler that is just starting).
REFUSED_GRACE_S = 1.0

#: Address schemes of Dask schedulers that listen on a TCP ``HOST:PORT``.
SCHEMES = ("tcp", "tls", "ws", "wss")

#: The package whose version must match on the client, the scheduler and the workers.
OWN_PACKAGE = "omsim"


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
    ``jobs > 1`` gives a pool of ``min(jobs, max_tasks)`` spawned processes. With
    ``max_tasks == 0`` there is nothing to run and no cluster is contacted. Raises
    :class:`ClusterError` if the scheduler cannot be reached or used, or if the connection to
    it is lost while tasks are outstanding.
    """
    if cluster and max_tasks != 0:
        with _dask_executor(cluster) as executor:
            yield executor
        return
    workers = min(jobs, max_tasks) if max_tasks is not None else jobs
    if workers <= 1:
        yield None
        return
    ctx = multiprocessing.get_context("spawn")
    in_main = threading.current_thread() is threading.main_thread()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_worker_started,
        initargs=(os.getpid(), in_main),
    )
    try:
        yield pool
    except BaseException:  # Ctrl-C, SIGTERM, an error: the workers go now, not when done
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _worker_started(parent: int, use_prctl: bool) -> None:
    """Initializer of a pool worker: it ends with its parent (even one killed by SIGKILL)
    and leaves Ctrl-C to the parent, which stops it."""
    from sim.experiments.lifetime import die_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent, use_prctl)


def stop_pool(pool: ProcessPoolExecutor, grace_s: float = 5.0) -> None:
    """Cancel a pool's pending work and end its workers now (SIGTERM, then SIGKILL)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + grace_s
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


def parse_cluster_address(address: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a scheduler address such as ``tcp://HOST:PORT``.

    Raises :class:`ClusterError` for anything else (a Dask ``Client`` given a malformed
    address fails late and noisily, so it is never given one).
    """
    expected = f"--cluster: expected a scheduler address like tcp://HOST:PORT, found {address!r}"
    scheme, sep, location = address.partition("://")
    if not sep:
        raise ClusterError(f"{expected} (no scheme; did you mean tcp://{address}?)")
    if scheme not in SCHEMES:
        raise ClusterError(f"{expected} (scheme {scheme!r} is not one of {', '.join(SCHEMES)})")
    from distributed.comm.addressing import parse_host_port

    try:
        host, port = parse_host_port(location)
    except ValueError:
        raise ClusterError(f"{expected} (no valid HOST:PORT)") from None
    if not host or not 0 < port < 65536:
        raise ClusterError(f"{expected} (no valid HOST:PORT)")
    return scheme, host, port


@contextmanager
def _dask_executor(address: str) -> Iterator[Executor]:
    """A Dask ``Client`` on ``address`` seen as a ``concurrent.futures`` executor.

    Dask's own log records and warnings on this side are kept off standard error while the
    client lives (the CLI's errors are one line); what matters becomes a :class:`ClusterError`
    or one warning line.
    """
    scheme, host, port = parse_cluster_address(address)
    if scheme in ("tcp", "ws"):  # a bare TCP probe would make a TLS scheduler log a warning
        _probe(address, host, port)
    elif _tls_context() is None:
        raise ClusterError(
            f"--cluster: expected Dask's TLS settings (distributed.comm.tls.*) for {address}, "
            "found none"
        )
    with _quiet_dask():
        _handshake(address)
        client = _connect(address)
        try:
            _wait_for_workers(client, address)
            _check_environment(client, address)
            executor = client.get_executor(pure=False)
            try:
                yield executor
            except BaseException as exc:  # e.g. Ctrl-C: drop the outstanding tasks
                executor.shutdown(wait=False)
                if isinstance(exc, CancelledError) and client.status != "running":
                    raise ClusterError(
                        f"--cluster: lost the Dask scheduler at {address} during the run; the "
                        "runs finished so far are stored (finish them with --out DIR --resume)"
                    ) from None
                raise
            executor.shutdown(wait=True)
        finally:
            client.close()


def _probe(address: str, host: str, port: int) -> None:
    """Fail fast where nothing listens at ``host:port`` (Dask would retry for its timeout)."""
    deadline = time.monotonic() + REFUSED_GRACE_S
    found = "none"
    while True:
        try:
            with socket.create_connection((host, port), timeout=CLUSTER_TIMEOUT_S):
                return
        except socket.gaierror as exc:
            found = f"no host {host!r} ({exc.strerror})"
            break
        except ConnectionRefusedError:
            if time.monotonic() >= deadline:
                found = f"nothing listening on port {port} (connection refused)"
                break
            time.sleep(0.1)
        except TimeoutError:
            found = f"no answer within {CLUSTER_TIMEOUT_S:g} s (a firewall dropping packets?)"
            break
        except OSError as exc:
            found = f"no route to it ({exc.strerror or type(exc).__name__})"
            break
    raise ClusterError(f"--cluster: expected a Dask scheduler at {address}, found {found}")


def _handshake(address: str) -> None:
    """Fail unless Dask's handshake succeeds within :data:`CLUSTER_TIMEOUT_S`.

    A ``Client`` waits forever for the handshake of a listener that is not a Dask scheduler
    (a web server, the dashboard's port), so the handshake is tried first, with a deadline.
    It runs on its own event loop in a thread of its own (the caller may have a loop).
    """
    import asyncio

    from distributed.comm import connect
    from distributed.security import Security

    async def shake() -> None:
        args = Security().get_connection_args("client")
        comm = await connect(address, timeout=CLUSTER_TIMEOUT_S, **args)
        await comm.close()

    with ThreadPoolExecutor(1) as thread:
        answer = thread.submit(asyncio.run, asyncio.wait_for(shake(), CLUSTER_TIMEOUT_S))
        try:
            answer.result()
        except TimeoutError:
            raise ClusterError(
                f"--cluster: expected a Dask scheduler at {address}, found something that "
                f"does not answer as one within {CLUSTER_TIMEOUT_S:g} s (the scheduler's port "
                "is 8786 unless set otherwise; 8787 is its dashboard)"
            ) from None
        except (OSError, TypeError, ValueError) as exc:
            raise ClusterError(
                f"--cluster: expected a Dask scheduler at {address}, found none answering "
                f"({_one_line(exc)})"
            ) from None


def _tls_context() -> Any:
    """The client's SSL context from Dask's configuration, or None if it has none."""
    from distributed.security import Security

    return Security().get_connection_args("client").get("ssl_context")


def _connect(address: str) -> Client:
    """A connected ``distributed.Client`` (Dask's version warnings become one log line)."""
    from distributed import Client

    with warnings.catch_warnings(record=True) as caught:  # the filters in force still apply
        try:
            client = Client(address, timeout=CLUSTER_TIMEOUT_S, set_as_default=False)
        except (OSError, ImportError, TypeError, ValueError) as exc:
            raise ClusterError(
                f"--cluster: expected a Dask scheduler at {address}, found none answering "
                f"({_one_line(exc)})"
            ) from None
    for warning in caught:
        text = str(warning.message)
        if "Mismatched versions" in text:
            names = [n for n in re.findall(r"^\|\s*(\S+)\s*\|", text, re.M) if n != "Package"]
            log.warning(
                "--cluster: the Dask cluster at %s runs other versions of %s than this machine",
                address,
                ", ".join(names) or "some packages",
            )
        else:
            log.warning("--cluster: %s", text.strip().splitlines()[0] if text.strip() else text)
    return client


def _wait_for_workers(client: Client, address: str) -> None:
    """Wait up to :data:`CLUSTER_TIMEOUT_S` for a worker; log how many there are."""
    try:
        client.wait_for_workers(1, timeout=CLUSTER_TIMEOUT_S)
    except (OSError, TimeoutError):  # WorkerStartTimeoutError is a TimeoutError
        raise ClusterError(
            f"--cluster: expected a Dask scheduler at {address} with workers, found none "
            f"after {CLUSTER_TIMEOUT_S:g} s; start some with 'dask worker {address}'"
        ) from None
    workers = len(client.scheduler_info(n_workers=-1).get("workers", {}))
    log.info("Dask cluster %s: %d workers", address, workers)


def _check_environment(client: Client, address: str) -> None:
    """The scheduler and the workers must import omsim, at this machine's version.

    The scheduler unpickles the tasks (so it needs omsim too) and the workers run them.
    Other versions of the packages that determine results give one warning line.
    """
    from sim.versions import package_versions

    here = package_versions()
    found: dict[str, dict[str, str]] = {}
    for where, run in (("scheduler", client.run_on_scheduler), ("workers", client.run)):
        try:
            answer: Any = run(package_versions)
        except Exception as exc:  # e.g. ModuleNotFoundError: No module named 'sim'
            raise ClusterError(
                f"--cluster: expected omsim installed on the Dask {where} at {address}, found "
                f"{_one_line(exc)} (install the same omsim there)"
            ) from None
        if where == "scheduler":
            found[f"the scheduler {address}"] = answer
        else:
            found.update({f"worker {w}": v for w, v in answer.items()})
    differ: dict[str, set[str]] = {}
    for versions in found.values():
        for name, version in versions.items():
            if here.get(name) != version:
                differ.setdefault(name, set()).add(version)
    own = differ.pop(OWN_PACKAGE, None)
    if own:
        raise ClusterError(
            f"--cluster: expected omsim {here.get(OWN_PACKAGE)} on the Dask cluster at "
            f"{address} (as here), found {', '.join(sorted(own))}"
        )
    if differ:
        log.warning(
            "--cluster: the Dask cluster at %s runs %s (here: %s); results may differ from a "
            "local run",
            address,
            ", ".join(f"{n} {'/'.join(sorted(v))}" for n, v in sorted(differ.items())),
            ", ".join(f"{n} {here.get(n)}" for n in sorted(differ)),
        )


def _one_line(exc: BaseException) -> str:
    """``Type: first line of the message`` of an exception."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


class _Drop(logging.Filter):
    """A filter that drops every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


#: The loggers (with their descendants) of Dask's client side.
_DASK_LOGGERS = ("distributed", "tornado")


@contextmanager
def _quiet_dask() -> Iterator[None]:
    """Keep the log records of Dask and Tornado on this side off standard error.

    Dask gives these loggers their own stderr handlers and stops their propagation, unless
    the root logger already had handlers (as under the CLI), in which case they propagate to
    it. Both ways are closed: Dask's handlers drop every record, and the top loggers stop
    propagating into a null handler. Everything is restored on exit.
    """
    import distributed  # noqa: F401 - configures its loggers on import

    drop, null = _Drop(), logging.NullHandler()
    tops = [logging.getLogger(name) for name in _DASK_LOGGERS]
    propagate = [top.propagate for top in tops]
    handlers: list[logging.Handler] = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.split(".")[0] in _DASK_LOGGERS:
            handlers.extend(h for h in logger.handlers if h not in handlers)
    for handler in handlers:
        handler.addFilter(drop)
    for top in tops:
        top.addHandler(null)  # a handler, so records do not fall to logging.lastResort
        top.propagate = False
    try:
        yield
    finally:
        for top, old in zip(tops, propagate, strict=True):
            top.removeHandler(null)
            top.propagate = old
        for handler in handlers:
            handler.removeFilter(drop)

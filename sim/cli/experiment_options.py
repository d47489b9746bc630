"""Command-line options and plumbing shared by the experiment commands (compare, size, sweep).

Every experiment command takes the same replication options (``-r``, ``--seed``), the same
measurement (steady state by default, :mod:`sim.experiments.steady`), the same executors
(``--jobs``, ``--cluster``) and the same run store (``--out``, ``--resume``), and reports a
replication
that raises the same way.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.cli.common import UsageError, _progress_bar
from sim.cli.measurement_options import add_measurement_args, measurement_of
from sim.experiments.executors import default_jobs
from sim.experiments.store import Failure, RunStore
from sim.strict_numbers import count_arg, seed_arg


def runs_dir() -> Path:
    """Where experiments are stored when ``--out`` is not given: ``$OMSIM_RUNS_DIR`` or
    ``runs`` in the working directory."""
    return Path(os.environ.get("OMSIM_RUNS_DIR") or "runs")


#: Exit code when some replications failed (the others are stored and reported).
EXIT_FAILED_RUNS = 1


def add_experiment_args(parser: argparse.ArgumentParser, replications: int = 10) -> None:
    """``-r``, ``--seed``, the measurement (``--warmup-weeks``, ``--weeks``, ``--tail-days``,
    ``--plain``, ``--warmup-days``: :mod:`sim.experiments.steady`), ``--jobs``, ``--cluster``,
    ``--out``, ``--resume``."""
    parser.add_argument(
        "-r",
        "--replications",
        type=count_arg,
        default=replications,
        help=f"replications per scenario (default {replications})",
    )
    parser.add_argument("--seed", type=seed_arg, default=1, help="random seed (default 1)")
    add_measurement_args(parser)
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="run N replications at once in local processes (default: all cores, "
        f"{default_jobs()} here); results do not depend on N",
    )
    where.add_argument(
        "--cluster",
        metavar="tcp://HOST:PORT",
        help="run the replications on the Dask cluster whose scheduler is at this address",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="run directory to store the experiment in (default: $OMSIM_RUNS_DIR or runs/, "
        "then <command>-<date>-<time>)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="finish the experiment stored in --out: reuse its stored runs, run the others",
    )


def check_experiment_args(args: argparse.Namespace, min_replications: int = 2) -> None:
    """One-line errors for impossible replication or executor options."""
    if args.replications < min_replications:
        raise UsageError(
            f"omsim: -r/--replications: expected at least {min_replications}, "
            f"found {args.replications}"
        )
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"omsim: --jobs: expected at least 1, found {args.jobs}")
    measurement_of(args)  # one-line errors for impossible measurement options
    if args.resume and args.out is None:
        raise UsageError("omsim: --resume: expected --out naming the run directory to finish")


def jobs_of(args: argparse.Namespace) -> int:
    """``--jobs``, or all cores."""
    return args.jobs if args.jobs is not None else default_jobs()


def open_store(args: argparse.Namespace, kind: str, settings: dict[str, Any]) -> RunStore:
    """The run store of this command: ``--out`` (new, or resumed with ``--resume``) or a new
    time-stamped directory under :func:`runs_dir`."""
    out = args.out
    if out is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = runs_dir() / f"{kind}-{stamp}"
        n = 1
        while out.exists():
            n += 1
            out = runs_dir() / f"{kind}-{stamp}-{n}"
    command = ["omsim", *sys.argv[1:]] if sys.argv and sys.argv[0].endswith("omsim") else []
    return RunStore.create(out, kind, settings, command=command, resume=args.resume)


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar of runs done on a terminal (nothing otherwise)."""
    update, close = _progress_bar(label, total, unit="runs")
    try:
        yield update
    finally:
        close()


def report_failures(failures: list[Failure]) -> None:
    """One line per failed replication on standard error."""
    for failure in failures:
        sys.stderr.write(f"omsim: {failure.describe()}\n")


def stored_note(store: RunStore) -> str:
    """Where the experiment is stored and how to turn it into a report."""
    return (
        f"stored in {store.root}; report: omsim report {store.root} -o {store.root / 'report.html'}"
    )

"""The ``omsim`` command line: one module per command (``sim.cli.<command>``), the helpers they
share in ``sim.cli.common``; this module wires them into one parser and runs the chosen one."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from analysis.importers.schema import OrderImportError
from sim.atomic import OutputFolderError, WriteError
from sim.cli.common import EXIT_BAD_INPUT, UsageError, _Parser, one_line
from sim.experiments.executors import ClusterError
from sim.experiments.lifetime import Terminated, stop_on_sigterm, watch_parent_from_env
from sim.experiments.steady import MeasurementError
from sim.experiments.store import StoreError
from sim.paths import PathError
from sim.scenario import ScenarioError

log = logging.getLogger("omsim")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``omsim``."""
    from sim.cli.compare import add_compare_parser
    from sim.cli.history import add_history_parsers
    from sim.cli.layout import add_layout_parsers
    from sim.cli.replay import add_replay_parsers
    from sim.cli.report import add_report_parser
    from sim.cli.run import add_run_parser
    from sim.cli.runs import add_runs_parser
    from sim.cli.sensitivity import add_sensitivity_parser
    from sim.cli.size import add_size_parser
    from sim.cli.sweep import add_sweep_parser
    from sim.cli.validate import add_validate_parsers

    p = _Parser(prog="omsim", description="Simulate an e-commerce order management process.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    add_run_parser(sub)
    add_compare_parser(sub)
    add_size_parser(sub)
    add_sweep_parser(sub)
    add_sensitivity_parser(sub)
    add_runs_parser(sub)
    add_report_parser(sub)
    add_replay_parsers(sub)
    add_history_parsers(sub)
    add_layout_parsers(sub)
    add_validate_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: bad input is one line on stderr and exit code 2, never a traceback."""
    logging.basicConfig(level=logging.WARNING, format="omsim: %(message)s")
    args = build_parser().parse_args(argv)
    with stopping_on_sigterm():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """The chosen command, its errors as one line and an exit code."""
    try:
        return args.func(args)
    except (ScenarioError, UsageError, MeasurementError) as exc:
        print(one_line(str(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (
        StoreError,
        ClusterError,
        OrderImportError,
        PathError,
        OutputFolderError,
        WriteError,
    ) as exc:
        print(one_line(f"omsim: {exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(
            f"omsim: {exc.filename or ''}: expected a writable path, found: {exc.strerror}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except Terminated:
        print("omsim: stopped (SIGTERM)", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("omsim: interrupted", file=sys.stderr)
        return 130


@contextmanager
def stopping_on_sigterm() -> Iterator[None]:
    """While a command runs in the main thread, SIGTERM (and the death of the process named
    by ``OMSIM_PARENT_PID``) stops it like Ctrl-C: workers ended, experiment marked
    interrupted. The previous SIGTERM handler is restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    stop_on_sigterm()
    watch_parent_from_env()
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

"""What every ``omsim`` command shares: the one-line usage error, the parser that prints one
line, the scenario override options and the progress bar. It imports none of the commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.strict_numbers import finite_arg

EXIT_BAD_INPUT = 2


def one_line(message: str) -> str:
    """An error message kept to one line: line breaks (from names or keys) shown escaped."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


class UsageError(Exception):
    """A bad command line; the message is one line."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2."""

    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        print(f"omsim: {message} (see 'omsim --help')", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def add_override_args(parser: argparse.ArgumentParser, where: str = "the scenario") -> None:
    """``--days`` and ``--set KEY=VALUE`` (repeatable) on a command that loads scenarios."""
    parser.add_argument(
        "--days", type=finite_arg, help=f"override simulation.horizon_days in {where}"
    )
    parser.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help=f"override a key in {where} by dotted path, e.g. picking.routing=return",
    )


def add_run_out_args(parser: argparse.ArgumentParser) -> None:
    """``--out DIR`` and ``--force`` of the commands that write one run's tables."""
    parser.add_argument(
        "--out",
        type=Path,
        help="new or empty directory for the tables, kpis.json, manifest.json",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="let --out replace a run folder written before by omsim run/replay (never "
        "other files)",
    )


def overrides_from(args: argparse.Namespace) -> dict[str, object]:
    """The dotted-key overrides given by ``--days`` and ``--set``."""
    overrides: dict[str, object] = dict(_parse_sets(args.set or []))
    if overrides.get("replay.orders"):  # relative to here, wherever the runs happen
        overrides["replay.orders"] = str(Path(str(overrides["replay.orders"])).resolve())
    if args.days is not None:
        overrides["simulation.horizon_days"] = args.days
    return overrides


def _parse_sets(items: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set {item}: expected KEY=VALUE (e.g. picking.routing=return)")
        out[key.strip()] = value.strip()
    return out


def _progress_bar(label: str, total_days: float, unit: str = "simulated days"):
    """A rich progress bar on a terminal, nothing otherwise; returns (callback, close)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} " + unit), TimeElapsedColumn(),
        transient=True, console=Console(stderr=True),
    )  # fmt: skip
    bar.start()
    from rich.markup import escape

    task = bar.add_task(escape(label), total=total_days)  # scenario names are text, not markup

    def update(done: float, total: float) -> None:
        bar.update(task, completed=done, total=total)

    return update, bar.stop


def _fmt(value: float | None, unit: str) -> str:
    """A KPI value for a table cell (:func:`analysis.kpis.formatting.format_unit_value`)."""
    from analysis.kpis.formatting import format_unit_value

    return format_unit_value(value, unit)

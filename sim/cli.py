"""The ``omsim`` command line: run, compare, validate, schema."""

from __future__ import annotations

import argparse
import logging
import math
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from analysis.importers.schema import OrderImportError
from sim.atomic import OutputFolderError, WriteError
from sim.experiments.executors import ClusterError
from sim.experiments.lifetime import Terminated, stop_on_sigterm, watch_parent_from_env
from sim.paths import PathError
from sim.scenario import ScenarioError, load_scenario
from sim.experiments.store import StoreError

log = logging.getLogger("omsim")
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A bad command line; the message is one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        print(f"omsim: {message} (see 'omsim --help')", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def add_override_args(parser: argparse.ArgumentParser, where: str = "the scenario") -> None:
    """``--days`` and ``--set KEY=VALUE`` (repeatable) on a command that loads scenarios."""
    parser.add_argument("--days", type=float, help=f"override simulation.horizon_days in {where}")
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
    task = bar.add_task(label, total=total_days)

    def update(done: float, total: float) -> None:
        bar.update(task, completed=done, total=total)

    return update, bar.stop


def _fmt(value: float | None, unit: str) -> str:
    """A KPI value for a table cell: shares as percentages, counts without decimals."""
    if value is None or math.isnan(value):
        return "-"
    if unit == "share":
        return f"{value:.2%}"
    if unit in ("orders", "steps", "currency") or abs(value) >= 1e4:
        return (
            f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 1e4 else f"{value:,.2f}"
        )
    if value == 0 or abs(value) >= 1e-3:
        return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    return f"{value:.6f}".rstrip("0")  # never scientific notation


def print_kpis(
    kpis: dict[str, float], title: str, explain: bool = False, show_all: bool = False
) -> None:
    """The KPI table on standard output, grouped, with human labels (see
    :func:`sim.run_output.print_kpi_table`)."""
    from sim.run_output import print_kpi_table

    print_kpi_table(kpis, title, explain, show_all)


def backlog_line(result) -> str:
    """The backlog (orders received, not yet shipped) at each Sunday's end, for a run with
    dated demand periods."""
    import datetime as dt

    from analysis.kpis.peak import backlog_by_day

    days = backlog_by_day(
        result.orders, start_minute_of_day=result.start_minute_of_day, end=result.end_min
    )
    start = result.scenario.simulation.start.date()
    cells = []
    for d, _, backlog in days.iter_rows():
        date = start + dt.timedelta(days=d)
        if date.weekday() == 6:
            cells.append(f"{date:%m-%d} {backlog:,}")
    return "backlog at each Sunday's end (orders received, not shipped): " + ", ".join(cells)


def cmd_run(args: argparse.Namespace) -> int:
    """omsim run: one replication, KPI table, tables written to --out."""
    from sim.output import check_run_folder, write_run
    from sim.experiments.runner import run_with_kpis

    scenario = load_scenario(args.scenario, overrides_from(args))
    if args.out:
        check_run_folder(args.out, args.force)
    sim = scenario.simulation
    update, close = _progress_bar(
        f"{scenario.name} (seed {args.seed})", sim.horizon_days + sim.drain_days
    )
    try:
        result, kpis = run_with_kpis(
            scenario, args.seed, args.replication, args.warmup_days, update
        )
    finally:
        close()
    title = (
        f"{scenario.name}: seed {args.seed}, replication {args.replication}, "
        f"{result.orders.height:,} orders simulated in {result.wall_s:.1f} s"
    )
    days = kpis["warmup_mser5_days"]
    notes = [
        f"suggested warm-up: {days:.1f} days (MSER-5, hourly pick queue), "
        f"{kpis['warmup_daily_days']:.0f} days (MSER-7, daily); --warmup-days "
        f"{args.warmup_days:g} used"
    ]
    if scenario.demand.calendar:
        notes.append(backlog_line(result))
    if args.out:
        out = write_run(result, args.out, kpis)
        tables = sorted(result.tables())
        notes.append(
            f"wrote {len(tables)} tables ({', '.join(tables)}; .parquet), kpis.json and "
            f"manifest.json to {out}"
        )
    if args.json:
        from sim.run_output import kpis_json

        meta = {"scenario": scenario.name, "seed": args.seed, "replication": args.replication}
        print(kpis_json(kpis, **meta))
        for note in notes:
            print(note, file=sys.stderr)
        return 0
    print_kpis(kpis, title, args.explain, args.all)
    if not args.all:
        shown = sum(1 for v in kpis.values() if not math.isnan(v))
        print(
            f"headline and key KPIs, zero ones hidden: --all shows all {shown}, --explain "
            "says what each is"
        )
    for note in notes:
        print(note)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """omsim validate: check scenario files; one line per file."""
    bad = 0
    for path in args.files:
        try:
            sc = load_scenario(path)
        except ScenarioError as exc:
            print(exc, file=sys.stderr)
            bad += 1
        else:
            print(f"{path}: ok ({sc.name}, fingerprint {sc.fingerprint()})")
    return EXIT_BAD_INPUT if bad else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """omsim schema: the documented scenario schema."""
    from sim.schema_doc import schema_json, schema_markdown

    print(schema_json() if args.json else schema_markdown())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``omsim``."""
    p = _Parser(prog="omsim", description="Simulate an e-commerce order management process.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser(
        "run",
        help="run one replication of a scenario and print its KPIs",
        description="A plain run: the scenario's horizon_days of orders, then its drain_days "
        "without new orders; the KPIs score the orders placed after --warmup-days. The "
        "experiment commands (compare, size, sweep) measure steady state instead (warm-up "
        "weeks, measured weeks, a tail with orders still arriving).",
    )
    r.add_argument("scenario", type=Path, help="scenario TOML file")
    r.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    r.add_argument("--replication", type=int, default=0, help="replication number (default 0)")
    r.add_argument(
        "--warmup-days",
        type=float,
        default=0.0,
        help="exclude orders placed in the first W days from the KPIs",
    )
    r.add_argument("--explain", action="store_true", help="add a column saying what each KPI is")
    r.add_argument(
        "--all",
        action="store_true",
        help="show every KPI (default: the headline and key KPIs, grouped, without zero ones)",
    )
    r.add_argument(
        "--json",
        action="store_true",
        help="print every KPI as JSON on standard output (notes go to standard error)",
    )
    add_run_out_args(r)
    add_override_args(r)
    r.set_defaults(func=cmd_run)

    from sim.cli.compare import add_compare_parser
    from sim.cli.history import add_history_parsers
    from sim.cli.layout import add_layout_parsers
    from sim.cli.replay import add_replay_parsers
    from sim.cli.report import add_report_parser
    from sim.cli.runs import add_runs_parser
    from sim.cli.sensitivity import add_sensitivity_parser
    from sim.cli.size import add_size_parser
    from sim.cli.sweep import add_sweep_parser

    add_compare_parser(sub)
    add_size_parser(sub)
    add_sweep_parser(sub)
    add_sensitivity_parser(sub)
    add_runs_parser(sub)
    add_report_parser(sub)
    add_replay_parsers(sub)
    add_history_parsers(sub)
    add_layout_parsers(sub)

    v = sub.add_parser("validate", help="check scenario files")
    v.add_argument("files", nargs="+", type=Path)
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("schema", help="print the documented scenario schema")
    s.add_argument("--json", action="store_true", help="JSON Schema instead of Markdown")
    s.set_defaults(func=cmd_schema)
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
    except (ScenarioError, UsageError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    except (
        StoreError,
        ClusterError,
        OrderImportError,
        PathError,
        OutputFolderError,
        WriteError,
    ) as exc:
        print(f"omsim: {exc}", file=sys.stderr)
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


if __name__ == "__main__":
    # ``python -m sim.cli``: run the imported module's main, so its exception classes are the
    # ones the other modules raise (this file runs as ``__main__``, a second copy).
    from sim.cli import main as _main

    sys.exit(_main())

"""``omsim run``: one replication of a scenario, its KPI table, its tables written to --out."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from sim.cli.common import _fmt, _progress_bar, add_override_args, add_run_out_args, overrides_from
from sim.cli.measurement_options import add_max_orders_arg
from sim.scenario import load_scenario
from sim.strict_numbers import count_arg, non_negative_arg, seed_arg

_FIXED: frozenset[str] = frozenset()  # filled lazily with analysis.kpis.run_kpis.KPI_DEFS


def print_kpis(kpis: dict[str, float], title: str, explain: bool = False) -> None:
    """The KPI table on standard output: headline KPIs first; per-resource rows of resources
    absent from the scenario are left out."""
    from rich.console import Console
    from rich.table import Table

    from analysis.kpis.run_kpis import kpi_def

    console = Console()
    console.print(title, markup=False)  # scenario names are text, not markup
    table = Table()
    for col, just in (("KPI", "left"), ("value", "right"), ("unit", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    if explain:
        table.add_column("what it is")
    rows = [(n, v, kpi_def(n)) for n, v in kpis.items()]
    rows = [r for r in rows if not (r[0] not in _FIXED and (r[1] is None or math.isnan(r[1])))]
    rows.sort(key=lambda r: not r[2].headline)
    for name, value, d in rows:
        cells = [name, _fmt(value, d.unit), d.unit] + ([d.description] if explain else [])
        table.add_row(*cells, style="bold" if d.headline else None)
    console.print(table)


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
    from sim.experiments.runner import run_with_kpis
    from sim.experiments.steady import check_warmup
    from sim.output import check_run_folder, write_run
    from sim.run_estimate import check_run

    scenario = load_scenario(args.scenario, overrides_from(args))
    check_warmup(scenario, args.warmup_days)
    check_run(scenario, args.max_orders)
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
    print_kpis(kpis, title, args.explain)
    days = kpis["warmup_mser5_days"]
    print(
        f"suggested warm-up (MSER-5 on the hourly pick queue): {days:.1f} days; (MSER-7 on daily "
        f"open orders and time to ship): {kpis['warmup_daily_days']:.0f} days "
        f"(--warmup-days {args.warmup_days:g} used)"
    )
    if scenario.demand.calendar:
        print(backlog_line(result))
    if args.out:
        out = write_run(result, args.out, kpis)
        print(f"wrote orders, steps, events, roster (.parquet), kpis.json, manifest.json to {out}")
    return 0


def add_run_parser(sub) -> None:
    """The ``run`` subcommand."""
    r = sub.add_parser(
        "run",
        help="run one replication of a scenario and print its KPIs",
        description="A plain run: the scenario's horizon_days of orders, then its drain_days "
        "without new orders; the KPIs score the orders placed after --warmup-days. The "
        "experiment commands (compare, size, sweep) measure steady state instead (warm-up "
        "weeks, measured weeks, a tail with orders still arriving).",
    )
    r.add_argument("scenario", type=Path, help="scenario TOML file")
    r.add_argument("--seed", type=seed_arg, default=1, help="random seed (default 1)")
    r.add_argument(
        "--replication", type=count_arg, default=0, help="replication number (default 0)"
    )
    r.add_argument(
        "--warmup-days",
        type=non_negative_arg,
        default=0.0,
        help="exclude orders placed in the first W days from the KPIs",
    )
    r.add_argument("--explain", action="store_true", help="add a column saying what each KPI is")
    add_max_orders_arg(r)
    add_run_out_args(r)
    add_override_args(r)
    r.set_defaults(func=cmd_run)

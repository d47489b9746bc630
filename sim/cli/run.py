"""``omsim run``: one replication of a scenario, its KPI table, its tables written to --out."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from sim.cli.common import _progress_bar, add_override_args, add_run_out_args, overrides_from
from sim.cli.measurement_options import add_max_orders_arg
from sim.scenario import load_scenario
from sim.strict_numbers import count_arg, non_negative_arg, seed_arg


def print_kpis(
    kpis: dict[str, float], title: str, explain: bool = False, show_all: bool = False
) -> None:
    """The KPI table on standard output, grouped, with human labels (see
    :func:`sim.cli.run_output.print_kpi_table`)."""
    from sim.cli.run_output import print_kpi_table

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
        from sim.cli.run_output import kpis_json

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
    add_max_orders_arg(r)
    add_run_out_args(r)
    add_override_args(r)
    r.set_defaults(func=cmd_run)

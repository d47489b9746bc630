"""``omsim sensitivity``: one-at-a-time low/high variations of a scenario on common random
numbers, and the tornado chart of a KPI's changes."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from sim.atomic import save_figure
from sim.cli.common import UsageError, _fmt, add_override_args, overrides_from
from sim.scenario import load_scenario

DEFAULT_KPI = "cost_per_order"


def _kpi(name: str) -> str:
    """A known KPI name (UsageError otherwise)."""
    from analysis.kpis.defs import kpi_def

    try:
        kpi_def(name)
    except KeyError:
        raise UsageError(
            f"omsim: --kpi: expected a known KPI (see 'omsim run --explain'), found {name!r}"
        ) from None
    return name


def print_tornado(rows: list[dict], kpi: str, unit: str) -> None:
    """Per parameter (largest swing first): the KPI at low and high and its paired change
    from the base with the 95 % interval."""
    from rich.console import Console
    from rich.table import Table

    base = rows[0]["base_mean"] if rows else math.nan
    table = Table(title=f"{kpi}: base {_fmt(base, unit)}; change from the base [95% CI]")
    for col in ("parameter (low / high)", "at low", "at high"):
        table.add_column(col, overflow="fold")

    def change(r: dict, end: str) -> str:
        d, lo, hi = r[f"{end}_diff"], r[f"{end}_ci_low"], r[f"{end}_ci_high"]
        if math.isnan(d):
            return "-"
        ci = "" if math.isnan(lo) else f" [{lo:+.3g}, {hi:+.3g}]"
        return f"{_fmt(r[f'{end}_mean'], unit)}: {d:+.3g}{ci}"

    for r in rows:
        table.add_row(f"{r['key']} ({r['low']:g} / {r['high']:g})", change(r, "low"),
                      change(r, "high"))  # fmt: skip
    Console().print(table)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """omsim sensitivity: run the base and every low/high variant, print and chart the KPI."""
    from analysis.kpis.defs import kpi_def
    from analysis.stats.sensitivity import tornado_figure, tornado_rows
    from sim.cli.experiment_options import (
        EXIT_FAILED_RUNS,
        check_experiment_args,
        jobs_of,
        open_store,
        progress_bar,
        report_failures,
        stored_note,
    )
    from sim.cli.measurement_options import measurement_of
    from sim.experiments.experiment import ExperimentFailed, run_experiment
    from sim.experiments.sensitivity import SensitivityError, parse_range, variants

    check_experiment_args(args)
    measurement = measurement_of(args)
    kpi = _kpi(args.kpi)
    try:
        ranges = [parse_range(p) for p in args.param]
    except SensitivityError as exc:
        raise UsageError(f"omsim: {exc}") from None
    base = measurement.apply(load_scenario(args.scenario, overrides_from(args)))
    try:
        runs = variants(base, ranges)
    except SensitivityError as exc:
        raise UsageError(f"omsim: {exc}") from None
    params = [{"key": r.key, "low": r.low, "high": r.high} for r in ranges]
    settings = {
        "seed": args.seed,
        "warmup_days": measurement.warmup_days,
        **measurement.settings(),
        "replications": args.replications,
        "base": base.fingerprint(),
        "params": params,
        "kpi": kpi,
    }
    store = open_store(args, "sensitivity", settings)
    total = len(runs) * args.replications
    failures = []
    start = time.perf_counter()
    with progress_bar("sensitivity", total) as update:
        try:
            results = run_experiment(
                [v.scenario for v in runs], args.replications, args.seed,
                measurement.warmup_days, jobs_of(args), update, store=store,
                cluster=args.cluster, labels=[v.label for v in runs],
                window_end_days=measurement.window_end_days,
            )  # fmt: skip
        except ExperimentFailed as exc:
            failures, results = exc.failures, exc.results
    wall = time.perf_counter() - start
    report_failures(failures)
    if kpi not in results.columns:
        store.finish(failures)
        raise UsageError(f"omsim: --kpi: expected a KPI these runs report, found {kpi}")
    unit = kpi_def(kpi).unit
    rows = tornado_rows(results, params, kpi)
    sys.stdout.write(
        f"{len(ranges)} parameters x 2 + base = {len(runs)} variants x {args.replications} "
        f"replications, seed {args.seed}: {results.height} runs in {wall:.1f} s\n"
        f"{measurement.describe()}\n"
    )
    print_tornado(rows, kpi, unit)
    chart = store.root / "tornado.png"
    save_figure(tornado_figure(rows, kpi, unit), chart, dpi=120)
    sys.stdout.write(f"chart: {chart}\n")
    store.record(tornado=rows, tornado_kpi={"kpi": kpi, "unit": unit})
    store.finish(failures, {"wall_s": round(wall, 3)})
    sys.stdout.write(stored_note(store) + "\n")
    return EXIT_FAILED_RUNS if failures else 0


def add_sensitivity_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``sensitivity`` subcommand."""
    from sim.cli.experiment_options import add_experiment_args

    s = sub.add_parser(
        "sensitivity",
        help="vary parameters one at a time (low/high) and draw a tornado chart of a KPI",
        description="Run the base scenario and, for each --param, a variant at its low and "
        "one at its high value (the others at the base), all on common random numbers; print "
        "the KPI's change from the base per variant with 95% intervals of the paired "
        "differences, and draw tornado.png in the run directory.",
    )
    s.add_argument("scenario", type=Path, help="base scenario TOML file")
    s.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="KEY=LOW:HIGH",
        help="a varied key with its low and high value (repeatable)",
    )
    s.add_argument(
        "--kpi",
        default=DEFAULT_KPI,
        metavar="KPI",
        help=f"the KPI whose changes are charted (default {DEFAULT_KPI})",
    )
    add_experiment_args(s, replications=5)
    add_override_args(s, "the base scenario")
    s.set_defaults(func=cmd_sensitivity)

"""``omsim sweep``: a grid of scenario variants on common random numbers, and the best option
(e.g. picking method) per value of a numeric parameter (e.g. daily volume)."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import polars as pl

from sim.atomic import save_figure
from sim.cli.common import UsageError, _fmt, add_override_args, overrides_from
from sim.scenario import load_scenario
from sim.strict_numbers import count_arg

DEFAULT_OBJECTIVE = "time_to_ship_mean_h"


def _objective(name: str) -> tuple[str, bool]:
    """The objective KPI and whether higher is better; UsageError if unknown or directionless."""
    from analysis.kpis.defs import kpi_def

    try:
        d = kpi_def(name)
    except KeyError:
        raise UsageError(
            f"omsim: --objective: expected a known KPI (see 'omsim run --explain'), found {name!r}"
        ) from None
    if d.higher_is_better is None:
        raise UsageError(
            f"omsim: --objective: expected a KPI with a better direction, found {name!r} "
            "(neither higher nor lower is better)"
        )
    return name, d.higher_is_better


def _split_params(params: list) -> tuple[str | None, str | None]:
    """The numeric parameter (x axis) and the categorical one (the options), when the grid
    has exactly one of each; otherwise (None, None)."""
    numeric = [p for p in params if p.numeric and len(p.values) > 1]
    other = [p for p in params if not p.numeric and len(p.values) > 1]
    if len(numeric) == 1 and len(other) == 1:
        return numeric[0].key, other[0].key
    return None, None


def print_sweep(summary: pl.DataFrame, keys: list[str], objective: str, unit: str) -> None:
    """The objective per grid point, mean ± 95 % half-width."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table()
    for k in keys:
        table.add_column(k.rsplit(".", 1)[-1])
    table.add_column(f"{objective} (mean ± 95% CI)", justify="right")
    for row in summary.iter_rows(named=True):
        hw = row["half_width"]
        half = "" if hw is None or math.isnan(hw) else f" ± {_fmt(hw, unit)}"
        table.add_row(*[Text(str(row[k])) for k in keys], _fmt(row["mean"], unit) + half)
    Console().print(table)


def _lead(row: dict) -> str:
    """``▲ clear`` (significant and practical), or why not."""
    if row["runner_up"] is None:
        return "-"
    if not row["significant"]:
        return "not significant"
    return "▲ clear" if row.get("practical", True) else "below practical threshold"


def print_best(best: pl.DataFrame, x: str, option: str, objective: str, unit: str) -> None:
    """The best option per value of ``x``, its runner-up and whether the lead counts:
    ``▲ clear`` when significant and larger than the objective's practical threshold."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"best {option.rsplit('.', 1)[-1]} by {x.rsplit('.', 1)[-1]}")
    for col in (x.rsplit(".", 1)[-1], "best", objective, "runner-up", "p", "lead"):
        table.add_column(col)
    for row in best.iter_rows(named=True):
        p = row["p_value"]
        table.add_row(
            f"{row[x]:g}" if isinstance(row[x], float) else str(row[x]),
            row["best"],
            _fmt(row["best_mean"], unit),
            "-" if row["runner_up"] is None else
            f"{row['runner_up']} ({_fmt(row['runner_up_mean'], unit)})",
            "-" if p is None or math.isnan(p) else f"{p:.3g}",
            _lead(row),
        )  # fmt: skip
    Console().print(table)


def cmd_sweep(args: argparse.Namespace) -> int:
    """omsim sweep: run every grid point, print the objective, chart the best option."""
    from analysis.kpis.defs import kpi_def
    from analysis.stats.sweep import best_by, best_option_figure, sweep_summary
    from sim.cli.experiment_options import (
        EXIT_FAILED_RUNS,
        check_experiment_args,
        jobs_of,
        measurement_of,
        open_store,
        progress_bar,
        report_failures,
        stored_note,
    )
    from sim.experiments.experiment import ExperimentFailed, run_experiment
    from sim.experiments.sweep import SweepError, grid, parse_param

    check_experiment_args(args)
    objective, higher = _objective(args.objective)
    try:
        params = [parse_param(p) for p in args.param]
    except SweepError as exc:
        raise UsageError(f"omsim: {exc}") from None
    measurement = measurement_of(args)
    base = load_scenario(args.scenario, overrides_from(args))
    try:
        points = grid(base, params)
    except SweepError as exc:
        raise UsageError(f"omsim: {exc}") from None
    if len(points) > args.max_points:
        raise UsageError(
            f"omsim: --param: expected at most {args.max_points} grid points (--max-points), "
            f"found {len(points)}"
        )
    keys = [p.key for p in params]
    settings = {
        "seed": args.seed,
        "warmup_days": measurement.warmup_days,
        **measurement.settings(),
        "replications": args.replications,
        "base": base.fingerprint(),
        "params": {p.key: list(p.values) for p in params},
        "objective": objective,
    }
    store = open_store(args, "sweep", settings)
    scenarios = [measurement.apply(p.scenario) for p in points]
    total = len(points) * args.replications
    failures = []
    start = time.perf_counter()
    with progress_bar("sweep", total) as update:
        try:
            results = run_experiment(
                scenarios, args.replications, args.seed, measurement.warmup_days, jobs_of(args),
                update, store=store, cluster=args.cluster, labels=[p.label for p in points],
                window_end_days=measurement.window_end_days,
            )  # fmt: skip
        except ExperimentFailed as exc:
            failures, results = exc.failures, exc.results
    wall = time.perf_counter() - start
    report_failures(failures)
    if objective not in results.columns:
        store.finish(failures)
        raise UsageError(f"omsim: --objective: expected a KPI these runs report, found {objective}")
    unit = kpi_def(objective).unit
    values = [p.values for p in points]
    summary = sweep_summary(results, values, objective)
    sys.stdout.write(
        f"{len(points)} grid points x {args.replications} replications, seed {args.seed}: "
        f"{results.height} runs in {wall:.1f} s\n{measurement.describe()}\n"
    )
    print_sweep(summary, keys, objective, unit)
    record: dict = {"sweep": summary.to_dicts(), "objective": objective}
    x, option = _split_params(params)
    if x is not None and option is not None:
        best = best_by(results, values, x, option, objective, higher)
        print_best(best, x, option, objective, unit)
        chart = store.root / "sweep.png"
        fig = best_option_figure(
            summary.with_columns(pl.col(x).cast(pl.Float64)), best, x, option, objective, unit,
            higher,
        )  # fmt: skip
        save_figure(fig, chart, dpi=120)
        record["best"] = best.to_dicts()
        record["chart"] = {"x": x, "option": option, "objective": objective, "unit": unit,
                           "higher_is_better": higher}  # fmt: skip
        sys.stdout.write(f"chart: {chart}\n")
    else:
        sys.stdout.write(
            "chart: none (it needs exactly one numeric and one non-numeric --param with "
            "several values each, e.g. volume and picking method)\n"
        )
    store.record(**record)
    store.finish(failures, {"wall_s": round(wall, 3)})
    sys.stdout.write(stored_note(store) + "\n")
    return EXIT_FAILED_RUNS if failures else 0


def add_sweep_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``sweep`` subcommand."""
    from sim.cli.experiment_options import add_experiment_args

    s = sub.add_parser(
        "sweep",
        help="run a grid of scenario variants and chart the best option by a numeric parameter",
        description="Run every combination of the --param values (common random numbers "
        "across the grid), print the objective per point and, for a grid of one numeric and "
        "one non-numeric parameter, the best option per numeric value with a chart.",
    )
    s.add_argument("scenario", type=Path, help="base scenario TOML file")
    s.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="KEY=START:STOP:STEP|KEY=A,B,C",
        help="a swept key: an inclusive numeric range or a list of values (repeatable)",
    )
    s.add_argument(
        "--objective",
        default=DEFAULT_OBJECTIVE,
        metavar="KPI",
        help=f"the KPI that decides the best option (default {DEFAULT_OBJECTIVE})",
    )
    s.add_argument(
        "--max-points",
        type=count_arg,
        default=400,
        help="refuse grids larger than this (default 400)",
    )
    add_experiment_args(s, replications=5)
    add_override_args(s, "the base scenario")
    s.set_defaults(func=cmd_sweep)

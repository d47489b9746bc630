"""``omsim compare``: several scenarios on common random numbers, paired against the first."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import polars as pl

from sim.cli.common import UsageError, add_override_args, overrides_from
from sim.cli.comparison import _chosen_kpis, _labels, _parse_kpis, print_comparison
from sim.scenario import load_scenario
from sim.strict_numbers import count_arg, non_negative_arg


def cmd_compare(args: argparse.Namespace) -> int:
    """omsim compare: replications of several scenarios, each compared with the first."""
    from analysis.stats.compare import compare_table
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
    from sim.experiments.experiment import ExperimentFailed, run_experiment, run_to_precision

    check_experiment_args(args)
    if args.equal_service:
        from sim.cli.equal_service import cmd_equal_service

        return cmd_equal_service(args)
    if args.precision is not None and not 0 < args.precision < 1:
        raise UsageError(
            f"omsim: --precision: expected a fraction in (0, 1), found {args.precision}"
        )
    requested = _parse_kpis(args.kpis)
    practical = _practical_of(args)
    overrides = overrides_from(args)
    measurement = measurement_of(args)
    scenarios = [load_scenario(Path(path), overrides) for path in args.scenarios]
    labels = _labels(scenarios, args.scenarios)
    scenarios = [measurement.apply(s) for s in scenarios]
    warmup_days = measurement.warmup_days
    settings = {
        "seed": args.seed,
        "warmup_days": warmup_days,
        **measurement.settings(),
        "replications": args.replications,
        "precision": args.precision,
        "scenarios": [s.fingerprint() for s in scenarios],
    }
    store = open_store(args, "compare", settings)
    options = {
        "store": store, "cluster": args.cluster, "labels": labels,
        "window_end_days": measurement.window_end_days,
    }  # fmt: skip
    jobs = jobs_of(args)
    total = len(scenarios) * args.replications
    start = time.perf_counter()
    failures = []
    with progress_bar("compare", total) as update:
        try:
            if args.precision is not None:
                results, reps = run_to_precision(
                    scenarios, args.seed, args.precision, requested, args.replications,
                    max(args.max_replications, args.replications), warmup_days, jobs,
                    update, **options,
                )  # fmt: skip
                args.replications = reps
            else:
                results = run_experiment(
                    scenarios, args.replications, args.seed, warmup_days, jobs, update,
                    **options,
                )  # fmt: skip
        except ExperimentFailed as exc:
            failures, results = exc.failures, exc.results
    wall = time.perf_counter() - start
    finished: dict[str, object] = {"replications": args.replications, "wall_s": round(wall, 3)}
    if practical:
        finished["practical"] = practical  # the report's verdicts use the same thresholds
    store.finish(failures, finished)
    report_failures(failures)
    warn_unreached_shifts(scenarios, labels, args.warmup_days)  # after the runs: bad input first
    total = results.height
    if failures:
        # paired comparisons need every scenario's run of a replication
        complete = (
            results.group_by("replication")
            .len()
            .filter(pl.col("len") == len(scenarios))["replication"]
        )
        results = results.filter(pl.col("replication").is_in(complete.implode()))
        if results["replication"].n_unique() < 2:
            sys.stderr.write(
                "omsim: fewer than 2 replications finished for every scenario; no comparison\n"
            )
            return EXIT_FAILED_RUNS
    methods_differ = len({s.picking.method for s in scenarios}) > 1
    kpis = _chosen_kpis(results, requested, methods_differ)
    title = (
        f"{len(scenarios)} scenarios x {results['replication'].n_unique()} replications, seed "
        f"{args.seed}: {total} runs in {wall:.1f} s"
    )
    if args.precision is not None:
        cap = max(args.max_replications, args.replications)
        title += precision_note(results, requested, args.precision, args.replications, cap)
    print_comparison(compare_table(results, kpis, practical=practical), title, results)
    sys.stdout.write(measurement.describe() + "\n")
    if methods_differ:
        sys.stdout.write(picking_note(results, store.root) + "\n")
    sys.stdout.write(warmup_note(results, warmup_days, measurement.steady) + "\n")
    sys.stdout.write(stored_note(store) + "\n")
    return EXIT_FAILED_RUNS if failures else 0


def _practical_of(args: argparse.Namespace) -> dict[str, float]:
    """``--practical KPI=VALUE`` as thresholds; a bad one is a one-line usage error."""
    from sim.cli.compare_output import PracticalError, parse_practical

    try:
        return parse_practical(getattr(args, "practical", None))
    except PracticalError as exc:
        raise UsageError(str(exc)) from None


def precision_note(
    results: pl.DataFrame, requested: list[str] | None, precision: float, reps: int, cap: int
) -> str:
    """The title's note on ``--precision``: reached (also when reached at the cap) or
    stopped at the cap before it. The test is the one ``run_to_precision`` stops on."""
    from analysis.kpis.defs import headline_kpis
    from analysis.stats.intervals import replications_needed
    from sim.experiments.experiment import kpi_columns

    names = requested or [
        k for k in headline_kpis(kpi_columns(results)) if results[k].is_not_nan().any()
    ]
    met = True
    for index in results["scenario_index"].unique().to_list():
        rows = results.filter(pl.col("scenario_index") == index)
        for k in names:
            values = rows[k].drop_nans().drop_nulls().to_list()
            try:
                met = met and replications_needed(values, precision) <= len(values)
            except ValueError:  # fewer than two values or a zero mean: nothing to test
                continue
    if met:
        at_cap = " (at the cap)" if reps >= cap else ""
        return f"; {reps} replications reached a relative CI half-width of {precision:g}{at_cap}"
    return (
        f"; stopped at the cap of {cap} replications before a relative CI half-width of "
        f"{precision:g}"
    )


def picking_note(results: pl.DataFrame, root: Path) -> str:
    """Why the picking methods differ: picking labour per line by part (means over the
    replications), and the stacked figure written to ``picking_split.png`` in the run
    directory."""
    from analysis.kpis.picking_split import LABOUR_PARTS
    from analysis.plots.picking import picking_split_figure
    from sim.atomic import save_figure

    lines = ["Picking labour per order line (min: " + ", ".join(LABOUR_PARTS) + "; orders/tour):"]
    for name in results["scenario"].unique(maintain_order=True).to_list():
        rows = results.filter(pl.col("scenario") == name)

        def mean(col: str, rows: pl.DataFrame = rows) -> float:
            return float(rows[col].mean()) if col in rows.columns else math.nan

        parts = " + ".join(f"{mean(f'line_{p}_min'):.2f}" for p in LABOUR_PARTS)
        total = sum(mean(f"line_{p}_min") for p in LABOUR_PARTS)
        lines.append(f"  {name}: {parts} = {total:.2f}; {mean('orders_per_tour'):.1f}")
    fig = picking_split_figure(results)
    if fig is not None:
        save_figure(fig, root / "picking_split.png", dpi=120)
        lines.append(f"figure: {root / 'picking_split.png'}")
    return "\n".join(lines)


def warmup_note(results: pl.DataFrame, used_days: float, steady: bool = False) -> str:
    """The warm-up suggestions over the runs (MSER-5 on the hourly pick queue, MSER-7 on the
    daily open orders and time to ship) and whether the warm-up used covers them."""
    parts, worst = [], 0.0
    for col, what in (
        ("warmup_mser5_days", "MSER-5 on the hourly pick queue"),
        ("warmup_daily_days", "MSER-7 on daily open orders and time to ship"),
    ):
        if col not in results.columns:
            continue
        days = results[col].drop_nans().drop_nulls()
        if days.len():
            top = float(days.max())
            worst = max(worst, top)
            parts.append(f"{what} {float(days.mean()):.1f} days on average, {top:.1f} at most")
    if not parts:
        return "suggested warm-up: not available"
    used = f"--warmup-weeks {used_days / 7:g}" if steady else f"--warmup-days {used_days:g}"
    text = f"suggested warm-up over the runs: {'; '.join(parts)}; {used} used"
    if used_days + 1e-9 < worst:
        hint = (
            f"--warmup-weeks {math.ceil(worst / 7 - 1e-9)}"
            if steady
            else f"--warmup-days {math.ceil(worst * 2) / 2:g}"
        )
        text += f" (consider {hint})"
    return text


def warn_unreached_shifts(scenarios: list, labels: list[str], warmup_days: float) -> None:
    """One warning line per scenario whose horizon never reaches some staffed shift."""
    import logging

    from sim.shift_names import horizon_warning

    for sc, label in zip(scenarios, labels, strict=True):
        staffed = [i for i, s in enumerate(sc.staffing.shifts) if s.headcount > 0]
        if (text := horizon_warning(sc, staffed, warmup_days, sizing=False)) is not None:
            logging.getLogger(__name__).warning("%s: %s", label, text)


def add_compare_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``compare`` subcommand."""
    from sim.cli.experiment_options import add_experiment_args

    c = sub.add_parser(
        "compare",
        help="run replications of several scenarios and compare each with the first",
        description="Run replications 0..R-1 of every scenario with the same seed (common "
        "random numbers) and compare each scenario with the first by paired t-tests. With "
        "--equal-service, first size each scenario's staff to the same SLAs and compare the "
        "staff, paid hours and cost per order each needs. The runs are stored (see --out) for "
        "'omsim report'.",
    )
    c.add_argument("scenarios", nargs="+", type=Path, help="scenario TOML files; the first is "
                   "the reference")  # fmt: skip
    add_experiment_args(c)
    c.add_argument(
        "--kpis",
        metavar="A,B,C",
        help="comma-separated KPIs to compare (default: the headline KPIs; with "
        "--equal-service: compared besides cost per order and the SLAs' KPIs)",
    )
    c.add_argument(
        "--precision",
        type=non_negative_arg,
        metavar="P",
        help="add replications until every KPI's 95%% CI half-width is within P x |mean| "
        "(e.g. 0.05), starting from -r",
    )
    c.add_argument(
        "--practical",
        action="append",
        metavar="KPI=VALUE",
        help="smallest difference of KPI that counts (its unit; a share as a fraction, e.g. "
        "shipped_same_day=0.01); a difference gets ▲ better / ▼ worse only when significant "
        "and larger than this (default: the KPI catalogue's threshold; repeatable)",
    )
    c.add_argument(
        "--max-replications",
        type=count_arg,
        default=100,
        help="cap on replications with --precision (default 100)",
    )
    add_override_args(c, "every scenario")
    from sim.cli.equal_service import add_equal_service_args

    add_equal_service_args(c)
    c.set_defaults(func=cmd_compare)

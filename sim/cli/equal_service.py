"""``omsim compare --equal-service SLA a.toml b.toml ...``: size every scenario to the same SLAs
(as ``omsim size`` does) and compare the staff, paid hours, wage bill and cost per order each
needs, with paired confidence intervals against the first. See docs/SIZING.md."""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path
from typing import Any

from sim.cli.common import UsageError, _fmt, overrides_from
from sim.strict_numbers import count_arg

log = logging.getLogger(__name__)

#: Roles sized by default: the ones a picking method changes the work of.
DEFAULT_ROLES = ("pickers", "packers")


def _roles(text: str | None, scenarios: list, paths: list[Path]) -> list[list[str]]:
    """Per scenario, the roles to size: ``--roles`` (each must have shifts in every scenario)
    or pickers and packers."""
    from typing import get_args

    from sim.config.base import Role

    asked = DEFAULT_ROLES if text is None else [r.strip() for r in text.split(",") if r.strip()]
    if not asked:
        raise UsageError("omsim: --roles: expected comma-separated roles, found none")
    out = []
    for sc, path in zip(scenarios, paths, strict=True):
        with_shifts = {s.role for s in sc.staffing.shifts}
        for role in asked:
            if role not in get_args(Role):
                raise UsageError(
                    f"omsim: --roles: expected roles from {', '.join(get_args(Role))}, "
                    f"found {role!r}"
                )
            if role not in with_shifts:
                raise UsageError(
                    f"omsim: --roles: expected roles with shifts in every scenario, found no "
                    f"{role} shift in {path}"
                )
        out.append(list(asked))
    return out


def _cell(rows: list[dict[str, Any]], kpi: str, index: int) -> tuple[str, str]:
    """``mean ± half-width`` and ``diff [low, high]`` of a KPI for one scenario."""
    from analysis.kpis.defs import kpi_def
    from sim.cli.comparison import _signed

    unit = kpi_def(kpi).unit
    row = next((r for r in rows if r["kpi"] == kpi and r["scenario_index"] == index), None)
    if row is None:
        return "-", "-"
    hw = row["half_width"]
    mean = _fmt(row["mean"], unit) + (
        "" if hw is None or math.isnan(hw) else f" ± {_fmt(hw, unit)}"
    )
    if index == 0:
        return mean, ""
    diff = (
        f"{_signed(row['diff_mean'], unit)} [{_signed(row['diff_low'], unit)}, "
        f"{_signed(row['diff_high'], unit)}]"
    )
    return mean, diff


def print_equal_service(summary: dict[str, Any], title: str) -> None:
    """Per scenario: staff per shift, paid hours per week, weekly wage bill and cost per
    order (mean ± 95% CI; paired difference against the first scenario with an answer)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console() if sys.stdout.isatty() else Console(width=200)
    console.print(title, soft_wrap=True, markup=False)
    table = Table(title="staff and cost at equal service (each scenario's cheapest staffing)")
    columns = [
        *("scenario", "staff per shift", "heads", "paid h/week", "weekly wage bill"),
        *("cost per order", "vs 1 [95% CI]", "labour cost per order", "vs 1 [95% CI] "),
    ]
    for k, name in enumerate(columns):
        table.add_column(name, justify="left" if k < 2 else "right")
    rows = summary["comparison"]
    index = 0
    for i, m in enumerate(summary["methods"]):
        name = Text(f"{i + 1}. {m['scenario']}")  # a name is text, not rich markup
        if not m["feasible"]:
            table.add_row(name, "no staffing up to --max-headcount meets every SLA", *[""] * 7)
            continue
        staff = "\n".join(f"{k}: {v}" for k, v in m["headcount"].items())
        hours = ", ".join(f"{r} {h:,.0f}" for r, h in m["paid_hours_per_week"].items())
        cost = _cell(rows, "cost_per_order", index)
        labour = _cell(rows, "labour_cost_per_order", index)
        table.add_row(
            name, staff, str(m["heads"]),
            f"{m['paid_hours_per_week_total']:,.0f}\n({hours})", f"{m['weekly_cost']:,.2f}",
            *cost, *labour, end_section=True,
        )  # fmt: skip
        index += 1
    console.print(table)
    feasible = [m["scenario"] for m in summary["methods"] if m["feasible"]]
    if feasible and not summary["methods"][0]["feasible"]:
        console.print(
            f"Scenario 1 has no staffing meeting every SLA: the differences are against "
            f"{feasible[0]}, the first scenario that has one.",
            markup=False,
        )


def cmd_equal_service(args: argparse.Namespace) -> int:
    """omsim compare --equal-service: size each scenario to the SLAs, compare the answers."""
    from analysis.stats.compare import compare_table
    from analysis.stats.sla import monotonicity_warning, parse_sla
    from sim.cli.comparison import _labels, _parse_kpis, print_comparison
    from sim.cli.experiment_options import (
        EXIT_FAILED_RUNS,
        jobs_of,
        open_store,
        progress_bar,
        report_failures,
        stored_note,
    )
    from sim.cli.measurement_options import measurement_of
    from sim.experiments.equal_service import COST_KPIS, answer_results, size_each, summary
    from sim.experiments.experiment import ExperimentFailed
    from sim.experiments.size_run import known_kpis
    from sim.scenario import load_scenario
    from sim.shift_names import horizon_warning

    if args.precision is not None:
        raise UsageError("omsim: --precision: expected no --precision with --equal-service")
    if args.max_headcount < 1:
        raise UsageError(f"omsim: --max-headcount: expected at least 1, found {args.max_headcount}")
    if args.global_budget < 0:
        raise UsageError(f"omsim: --global-budget: expected >= 0, found {args.global_budget}")
    requested = _parse_kpis(args.kpis)
    overrides = overrides_from(args)
    scenarios = [load_scenario(Path(path), overrides) for path in args.scenarios]
    labels = _labels(scenarios, args.scenarios)
    known = set().union(*(known_kpis(s) for s in scenarios))
    slas = []
    for text in args.equal_service:
        try:
            slas.append(parse_sla(text, known))
        except ValueError as exc:
            raise UsageError(f"omsim: --equal-service {text}: {exc}") from None
    for sla in slas:
        if (why := monotonicity_warning(sla)) is not None:
            log.warning("--equal-service %s: %s; the search assumes it does", sla.text, why)
    roles = _roles(args.roles, scenarios, args.scenarios)
    measurement = measurement_of(args)
    warnings = {}
    for sc, label, sized in zip(scenarios, labels, roles, strict=True):
        indices = [i for i, s in enumerate(sc.staffing.shifts) if s.role in sized]
        run = measurement.apply(sc)
        if (text := horizon_warning(run, indices, measurement.warmup_days)) is not None:
            warnings[label] = text
    settings = {
        "seed": args.seed, "warmup_days": measurement.warmup_days, **measurement.settings(),
        "replications": args.replications,
        "equal_service": [s.text for s in slas], "roles": roles,
        "max_headcount": args.max_headcount, "global_budget": args.global_budget,
        "scenarios": [s.fingerprint() for s in scenarios],
    }  # fmt: skip
    store = open_store(args, "compare", settings)
    start = time.perf_counter()
    with progress_bar("equal service", args.replications) as update:
        try:
            sized = size_each(
                scenarios, labels, slas, roles, args.max_headcount, args.replications,
                args.seed, measurement.warmup_days, jobs_of(args), update, args.global_budget,
                measurement=measurement, store=store, cluster=args.cluster,
            )  # fmt: skip
        except ExperimentFailed as exc:
            store.finish(exc.failures, {"wall_s": round(time.perf_counter() - start, 3)})
            report_failures(exc.failures)
            sys.stderr.write("omsim: equal-service comparison stopped: a replication failed\n")
            return EXIT_FAILED_RUNS
    wall = time.perf_counter() - start
    for label, text in warnings.items():  # after the runs, so that bad input stays one line
        log.warning("%s: %s", label, text)
    results = answer_results(sized)
    kpis = list(dict.fromkeys([*COST_KPIS, *(s.kpi for s in slas), *(requested or [])]))
    kpis = [k for k in kpis if not results.is_empty() and k in results.columns]
    comparison = compare_table(results, kpis) if kpis else None
    record = summary(sized, slas, comparison if comparison is not None else _empty())
    record["horizon_warnings"] = warnings
    store.record(equal_service=record)
    runs = sum(sc.oracle.runs for sc in sized)
    store.finish([], {"replications": args.replications, "wall_s": round(wall, 3)})
    title = (
        f"Equal service ({'; '.join(s.text for s in slas)}, each met with one-sided 95% "
        f"confidence over {args.replications} replications, seed {args.seed}, common random "
        f"numbers): {len(scenarios)} scenarios sized, {runs} runs in {wall:.1f} s; "
        f"{measurement.describe()}"
    )
    print_equal_service(record, title)
    if comparison is not None and len(record["methods"]) > 1:
        print_comparison(comparison, "KPIs at those staffings (paired against the first):")
    sys.stdout.write(stored_note(store) + "\n")
    missing = [m["scenario"] for m in record["methods"] if not m["feasible"]]
    if missing:
        sys.stderr.write(
            f"omsim: no staffing up to --max-headcount {args.max_headcount} meets every SLA "
            f"for {', '.join(missing)}\n"
        )
        return 1
    return 0


def _empty() -> Any:
    import polars as pl

    from analysis.stats.compare import COMPARE_SCHEMA

    return pl.DataFrame(schema=COMPARE_SCHEMA)


def add_equal_service_args(parser: argparse.ArgumentParser) -> None:
    """``--equal-service`` and the sizing options it uses on ``omsim compare``."""
    group = parser.add_argument_group(
        "equal service",
        "with --equal-service, each scenario is first sized (as 'omsim size' does) to the "
        "same SLAs; the comparison is then of the staff, paid hours and cost per order each "
        "needs, at its own cheapest staffing",
    )
    group.add_argument(
        "--equal-service",
        action="append",
        metavar="'KPI >= VALUE'",
        help="SLA every scenario is sized to meet, repeatable (as 'omsim size --sla')",
    )
    group.add_argument(
        "--roles",
        metavar="A,B",
        help="roles whose shifts are sized in every scenario (default pickers,packers)",
    )
    group.add_argument(
        "--max-headcount",
        type=count_arg,
        default=50,
        metavar="N",
        help="largest headcount tried per shift (default 50)",
    )
    group.add_argument(
        "--global-budget",
        type=count_arg,
        default=20,
        metavar="N",
        help="staffings simulated per scenario to prove its answer cheapest (default 20)",
    )

"""What ``omsim size`` prints: the answer with each SLA's check, the frontier, the workload."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

from analysis.stats.sla import Sla, SlaResult
from sim.cli.common import _fmt
from sim.experiments.size_run import (
    STABILITY_ALPHA,
    Evaluation,
    efficient,
)
from sim.experiments.sizing import SearchResult
from sim.experiments.sizing_variables import Point, Variable

log = logging.getLogger(__name__)


def _cell(r: SlaResult) -> str:
    unit = r.sla.unit
    mark = "met" if r.met else "MISSED"
    nan = f", NaN in {r.n_nan}" if r.n_nan else ""
    return f"{_fmt(r.mean, unit)} (bound {_fmt(r.bound, unit)}{nan}) {mark}"


def print_result(
    search: SearchResult,
    evaluations: dict[Point, Evaluation],
    variables: Sequence[Variable],
    slas: Sequence[Sla],
    replications: int,
) -> None:
    """The answer, the search's economy and the frontier table (one column per shift, one
    per SLA) on standard output."""
    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=200)
    best = evaluations.get(search.best) if search.best is not None else None
    if best is not None:
        console.print(
            f"Cheapest staffing meeting every SLA (one-sided 95% bounds over {replications} "
            f"replications): {best.label}, weekly wage bill {best.cost:,.2f}",
            soft_wrap=True,
        )
        for r in best.results:
            console.print(f"  {r.sla.describe()}: {_cell(r)}")
        console.print(
            "  stable: no significant rise of open orders or time to ship over the measured "
            f"weeks (one-sided trend tests at {STABILITY_ALPHA:g}), paid hours cover the workload",
            soft_wrap=True,
        )
        proof = (
            "proven cheapest on the grid (assuming more staff never hurts service)"
            if search.proven_optimal
            else "locally minimal (no single decrease or swap meets the SLAs); the global "
            "check ran out of --global-budget"
        )
        console.print(f"  {proof}", soft_wrap=True)
    simulated = sum(1 for e in evaluations.values() if not e.note)
    short = sum(1 for e in evaluations.values() if e.note.startswith("paid hours below"))
    invalid = len(evaluations) - simulated - short
    stopped = [e for e in evaluations.values() if e.stopped_after]
    runs_done = sum(e.stopped_after or replications for e in evaluations.values() if not e.note)
    console.print(
        f"Search: {simulated} staffings simulated ({runs_done} runs; {len(stopped)} ruled out "
        "after their first replications, which no remaining run could have rescued), "
        f"{short} below the workload and {invalid} invalid (not run), "
        f"{search.inferred} answers inferred by monotonicity; "
        f"full grid {search.grid_size:,} staffings ({search.grid_size - len(evaluations):,} "
        "evaluations saved)",
        soft_wrap=True,
    )
    table = Table(title="cost/SLA frontier: staffings simulated (* Pareto-efficient, > answer)")
    table.add_column("", no_wrap=True)
    table.add_column("weekly cost", justify="right")
    for v in variables:
        table.add_column(v.label, justify="right")
    for sla in slas:
        table.add_column(sla.describe(), justify="right")
    table.add_column("weekly trend")
    runs = sorted((e for e in evaluations.values() if not e.note), key=lambda e: (e.cost, e.point))
    good = efficient(runs)
    for e in runs:
        mark = (">" if e.point == search.best else "") + ("*" if e.point in good else "")
        cells = [mark, f"{e.cost:,.2f}", *map(str, e.point), *(_cell(r) for r in e.results)]
        trend = "; ".join(e.unstable) + " UNSTABLE" if e.unstable else "flat"
        if e.stopped_after:
            trend += f" (stopped after {e.stopped_after} runs)"
        cells.append(trend)
        table.add_row(*cells, style="bold" if e.point == search.best else None)
    console.print(table)
    short = [e for e in evaluations.values() if e.note.startswith("paid hours below")]
    if short:
        console.print(
            f"{len(short)} staffings rejected without a run: paid hours below the workload "
            f"(e.g. {min(short, key=lambda e: -e.cost).label}: {short[0].note.split(': ', 1)[1]})",
            soft_wrap=True,
        )


def print_workload(table: Any, label: str) -> None:
    """The workload-versus-capacity table of a staffing: per role, hour (rows) and weekday
    (columns) the busy hours the expected orders need and the paid hours, then per weekday
    the totals and the work still waiting at the end of the day (fluid steady state)."""
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    from analysis.stats.workload import WEEKDAYS, daily_balance

    console = Console() if sys.stdout.isatty() else Console(width=200)
    daily = daily_balance(table)
    for role in table["role"].unique(maintain_order=True):
        t = table.filter(pl.col("role") == role)
        grid = Table(
            title=f"workload vs capacity, {role} ({label}): busy hours needed / paid hours, "
            "by hour the orders are placed (work waits for the next shift)"
        )
        grid.add_column("hour", justify="right")
        for day in WEEKDAYS:
            grid.add_column(day, justify="right")
        cells = {
            (d, h): (b, p) for d, h, b, p in t.select("weekday", "hour", "busy_h", "paid_h").rows()
        }
        for h in range(24):
            grid.add_row(
                f"{h:02d}", *(f"{cells[d, h][0]:.1f} / {cells[d, h][1]:.1f}" for d in WEEKDAYS)
            )
        d = daily.filter(pl.col("role") == role)
        rows = {r["weekday"]: r for r in d.iter_rows(named=True)}
        grid.add_row(
            "day", *(f"{rows[w]['busy_h']:.1f} / {rows[w]['paid_h']:.1f}" for w in WEEKDAYS),
            style="bold", end_section=True,
        )  # fmt: skip
        grid.add_row(
            "waiting at 24:00 (h)", *(f"{rows[w]['backlog_h_end_of_day']:.1f}" for w in WEEKDAYS)
        )
        console.print(grid)
        busy, paid = float(t["busy_h"].sum()), float(t["paid_h"].sum())
        console.print(
            f"  {role}: {busy:,.1f} busy hours needed a week against {paid:,.1f} paid "
            f"(utilisation {busy / paid:.0%})"
            if paid
            else f"  {role}: {busy:,.1f} busy hours needed a week, none paid",
            soft_wrap=True,
        )

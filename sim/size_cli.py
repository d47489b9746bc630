"""``omsim size``: the cheapest headcount per shift that meets every SLA with 95 % confidence.

The search itself (:func:`sim.sizing.search_cheapest`) only sees a feasibility callback;
this module supplies the simulated one (:class:`SimulatedStaffing`: R replications of the
scenario with the candidate headcounts, on common random numbers, each SLA checked with
:func:`analysis.sla.check`), builds the cost/SLA frontier of the evaluated staffings, prints
it and stores it in the run store's manifest (``summary.frontier``, ``summary.answer``).
See docs/SIZING.md.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from analysis.sla import Sla, SlaResult, better_or_equal, check, monotonicity_warning, parse_sla
from sim.cli import UsageError, _fmt, add_override_args, overrides_from
from sim.sizing import (
    Point,
    SearchResult,
    Variable,
    search_cheapest,
    sizing_variables,
    staffing_cost,
    staffing_label,
)

log = logging.getLogger(__name__)

#: Exit code when even the maximum staffing misses an SLA.
EXIT_INFEASIBLE = 1


@dataclass(frozen=True)
class Evaluation:
    """One evaluated staffing: its SLA results, or why it was not run (``note``)."""

    point: Point
    label: str
    cost: float
    results: tuple[SlaResult, ...]
    note: str = ""

    @property
    def feasible(self) -> bool:
        """Every SLA met (an invalid staffing is not)."""
        return not self.note and all(r.met for r in self.results)


class SimulatedStaffing:
    """The feasibility callback of the search: runs replications ``0..R-1`` of the scenario
    with the candidate headcounts and checks every SLA. A staffing the scenario rejects
    (e.g. no pickers at all) is infeasible without a run. Raises
    :class:`sim.experiment.ExperimentFailed` when a replication raises."""

    def __init__(
        self,
        scenario: Any,
        variables: Sequence[Variable],
        slas: Sequence[Sla],
        replications: int,
        seed: int,
        warmup_days: float = 0.0,
        jobs: int = 1,
        progress: Callable[[int, int], None] | None = None,
        **options: Any,
    ) -> None:
        self.scenario, self.variables, self.slas = scenario, list(variables), list(slas)
        self.replications, self.seed, self.warmup_days, self.jobs = (
            replications, seed, warmup_days, jobs
        )  # fmt: skip
        self.progress, self.options = progress, options
        self.evaluations: dict[Point, Evaluation] = {}
        self.runs = 0

    def __call__(self, point: Point) -> bool:
        """Whether the staffing ``point`` meets every SLA."""
        from sim.experiment import run_experiment
        from sim.scenario import ScenarioError, with_overrides

        label = staffing_label(self.variables, point)
        cost = staffing_cost(self.variables, point)
        overrides = {
            f"staffing.shifts.{v.index}.headcount": x
            for v, x in zip(self.variables, point, strict=True)
        }
        try:
            scenario = with_overrides(self.scenario, overrides)
        except ScenarioError as exc:
            note = str(exc).split(": ", 1)[-1]
            self.evaluations[point] = Evaluation(point, label, cost, (), f"invalid: {note}")
            return False
        before = self.runs

        def progress(done: int, total: int) -> None:
            if self.progress is not None:
                self.progress(before + done, before + total)

        table = run_experiment(
            [scenario], self.replications, self.seed, self.warmup_days, self.jobs, progress,
            labels=[label], **self.options,
        )  # fmt: skip
        self.runs += self.replications
        nan = [math.nan] * table.height
        results = tuple(
            check(sla, table[sla.kpi].to_numpy() if sla.kpi in table.columns else nan)
            for sla in self.slas
        )
        evaluation = Evaluation(point, label, cost, results)
        self.evaluations[point] = evaluation
        log.info("%s: %s", label, "meets every SLA" if evaluation.feasible else "misses")
        return evaluation.feasible


def size_staffing(
    scenario: Any,
    slas: Sequence[Sla],
    roles: Sequence[str],
    max_headcount: int,
    replications: int,
    seed: int,
    warmup_days: float = 0.0,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    global_budget: int | None = 20,
    **options: Any,
) -> tuple[SearchResult, SimulatedStaffing]:
    """Size the shifts of ``roles`` (each ``0..max_headcount``) for ``slas`` by simulation,
    starting from the scenario's headcounts. ``options`` (store, cluster) go to
    :func:`sim.experiment.run_experiment`. Returns the search result and the callback that
    holds every evaluation."""
    variables = sizing_variables(scenario, roles)
    oracle = SimulatedStaffing(
        scenario, variables, slas, replications, seed, warmup_days, jobs, progress, **options
    )
    n = len(variables)
    search = search_cheapest(
        [0] * n, [max_headcount] * n, [v.weekly_cost for v in variables], oracle,
        hint=[v.current for v in variables], global_budget=global_budget,
    )  # fmt: skip
    return search, oracle


def known_kpis(scenario: Any) -> set[str]:
    """KPI names a run of the scenario reports (fixed ones and per resource and step)."""
    from analysis.kpi_defs import KPI_DEFS
    from sim.eventlog import STEPS

    names = set(KPI_DEFS)
    names |= {f"utilisation_{r}" for r in scenario.names()["resources"]}
    for prefix in ("queue_mean_", "queue_max_", "wait_mean_min_"):
        names |= {f"{prefix}{s}" for s in STEPS}
    return names


def efficient(evaluations: Sequence[Evaluation]) -> set[Point]:
    """Pareto-efficient staffings: no cheaper evaluated one is at least as good (by its
    one-sided bound) on every SLA."""
    out = set()
    for e in evaluations:
        if not any(
            f.cost < e.cost and all(map(better_or_equal, f.results, e.results)) for f in evaluations
        ):
            out.add(e.point)
    return out


def _num(value: float) -> float | None:
    return None if math.isnan(value) else value


def frontier_rows(evaluations: Sequence[Evaluation], answer: Point | None) -> list[dict]:
    """The simulated staffings by cost, as JSON-able rows for the run store."""
    runs = sorted((e for e in evaluations if not e.note), key=lambda e: (e.cost, e.point))
    good = efficient(runs)
    return [
        {
            "staffing": e.label,
            "headcount": {t.rsplit("=", 1)[0]: int(t.rsplit("=", 1)[1]) for t in e.label.split()},
            "weekly_cost": round(e.cost, 2),
            "feasible": e.feasible,
            "efficient": e.point in good,
            "answer": e.point == answer,
            "slas": [
                {
                    "sla": r.sla.text,
                    "kpi": r.sla.kpi,
                    "op": r.sla.op,
                    "target": r.sla.target,
                    "mean": _num(r.mean),
                    "bound": _num(r.bound),
                    "met": r.met,
                }
                for r in e.results
            ],  # fmt: skip
        }
        for e in runs
    ]


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
        proof = (
            "proven cheapest on the grid (assuming more staff never hurts service)"
            if search.proven_optimal
            else "locally minimal (no single decrease or swap meets the SLAs); the global "
            "check ran out of --global-budget"
        )
        console.print(f"  {proof}", soft_wrap=True)
    simulated = sum(1 for e in evaluations.values() if not e.note)
    invalid = len(evaluations) - simulated
    console.print(
        f"Search: {simulated} staffings simulated ({simulated * replications} runs), "
        f"{invalid} invalid (not run), {search.inferred} answers inferred by monotonicity; "
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
    runs = sorted((e for e in evaluations.values() if not e.note), key=lambda e: (e.cost, e.point))
    good = efficient(runs)
    for e in runs:
        mark = (">" if e.point == search.best else "") + ("*" if e.point in good else "")
        cells = [mark, f"{e.cost:,.2f}", *map(str, e.point), *(_cell(r) for r in e.results)]
        table.add_row(*cells, style="bold" if e.point == search.best else None)
    console.print(table)


def _roles(text: str | None, scenario: Any) -> list[str]:
    """``--roles a,b``: known roles with shifts; default every role with shifts."""
    from sim.config.base import Role

    with_shifts = list(dict.fromkeys(s.role for s in scenario.staffing.shifts))
    if text is None:
        return with_shifts
    roles = [r.strip() for r in text.split(",") if r.strip()]
    if not roles:
        raise UsageError("omsim: --roles: expected comma-separated roles, found none")
    for role in roles:
        if role not in get_args(Role):
            raise UsageError(
                f"omsim: --roles: expected roles from {', '.join(get_args(Role))}, found {role!r}"
            )
        if role not in with_shifts:
            raise UsageError(
                f"omsim: --roles: expected roles with shifts in the scenario, found no {role} shift"
            )
    return roles


def cmd_size(args: argparse.Namespace) -> int:
    """omsim size: search the cheapest staffing meeting the SLAs; print and store it."""
    from sim.experiment import ExperimentFailed
    from sim.experiment_cli import (
        EXIT_FAILED_RUNS,
        check_experiment_args,
        jobs_of,
        open_store,
        progress_bar,
        report_failures,
        stored_note,
    )
    from sim.scenario import load_scenario

    check_experiment_args(args)
    if args.max_headcount < 1:
        raise UsageError(f"omsim: --max-headcount: expected at least 1, found {args.max_headcount}")
    if args.global_budget < 0:
        raise UsageError(f"omsim: --global-budget: expected >= 0, found {args.global_budget}")
    scenario = load_scenario(args.scenario, overrides_from(args))
    known = known_kpis(scenario)
    slas = []
    for text in args.sla:
        try:
            slas.append(parse_sla(text, known))
        except ValueError as exc:
            raise UsageError(f"omsim: --sla {text}: {exc}") from None
    for sla in slas:
        if (why := monotonicity_warning(sla)) is not None:
            log.warning("--sla %s: %s; the search assumes it does", sla.text, why)
    roles = _roles(args.roles, scenario)
    variables = sizing_variables(scenario, roles)
    if not variables:
        raise UsageError("omsim: --roles: expected roles with shifts, found none")
    settings = {
        "seed": args.seed, "warmup_days": args.warmup_days, "replications": args.replications,
        "slas": [s.text for s in slas], "roles": roles, "max_headcount": args.max_headcount,
        "global_budget": args.global_budget, "scenario": scenario.fingerprint(),
    }  # fmt: skip
    store = open_store(args, "size", settings)
    start = time.perf_counter()
    with progress_bar("size", args.replications) as update:
        try:
            search, oracle = size_staffing(
                scenario, slas, roles, args.max_headcount, args.replications, args.seed,
                args.warmup_days, jobs_of(args), update, args.global_budget,
                store=store, cluster=args.cluster,
            )  # fmt: skip
        except ExperimentFailed as exc:
            store.finish(exc.failures, {"wall_s": round(time.perf_counter() - start, 3)})
            report_failures(exc.failures)
            sys.stderr.write("omsim: sizing stopped: a replication failed\n")
            return EXIT_FAILED_RUNS
    wall = time.perf_counter() - start
    best = oracle.evaluations.get(search.best) if search.best is not None else None
    answer = None if best is None else {
        "staffing": best.label, "weekly_cost": round(best.cost, 2),
        "headcount": {v.label: x for v, x in zip(variables, best.point, strict=True)},
        "proven_optimal": search.proven_optimal, "locally_minimal": search.locally_minimal,
    }  # fmt: skip
    store.record(
        frontier=frontier_rows(list(oracle.evaluations.values()), search.best), answer=answer,
        evaluations=len(oracle.evaluations), inferred=search.inferred, grid=search.grid_size,
    )  # fmt: skip
    store.finish([], {"replications": args.replications, "wall_s": round(wall, 3)})
    print_result(search, oracle.evaluations, oracle.variables, slas, args.replications)
    sys.stdout.write(stored_note(store) + "\n")
    if best is None:
        top = oracle.evaluations[tuple([args.max_headcount] * len(variables))]
        missed = [
            f"{r.sla.text}: mean {_fmt(r.mean, r.sla.unit)}, bound {_fmt(r.bound, r.sla.unit)}"
            + (f", NaN in {r.n_nan} runs" if r.n_nan else "")
            for r in top.results
            if not r.met
        ] or [top.note]
        sys.stderr.write(
            f"omsim: no staffing up to --max-headcount {args.max_headcount} meets every SLA; "
            f"at the maximum: {'; '.join(missed)}\n"
        )
        return EXIT_INFEASIBLE
    return 0


def add_size_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``size`` subcommand."""
    from sim.experiment_cli import add_experiment_args

    p = sub.add_parser(
        "size",
        help="find the cheapest headcount per shift that meets every SLA",
        description="Search the headcounts of the shifts of --roles for the cheapest weekly "
        "wage bill that meets every --sla with 95% one-sided confidence over -r replications "
        "(common random numbers). Assumes more staff never hurts service, which lets it skip "
        "most of the grid. Prints the cost/SLA frontier of the staffings it ran and stores "
        "them (see --out) for 'omsim report'. See docs/SIZING.md.",
    )
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument(
        "--sla",
        action="append",
        required=True,
        metavar="'KPI >= VALUE'",
        help="service level to meet, repeatable: 'shipped_same_day >= 95%%', "
        "'lead_time_p95 <= 2d' (durations d, h, min, m, s; > and < mean >= and <=)",
    )
    p.add_argument(
        "--roles",
        metavar="A,B",
        help="roles whose shifts to size (default: every role with shifts)",
    )
    p.add_argument(
        "--max-headcount",
        type=int,
        default=50,
        metavar="N",
        help="largest headcount tried per shift (default 50)",
    )
    p.add_argument(
        "--global-budget",
        type=int,
        default=20,
        metavar="N",
        help="after the local search, simulate at most N more staffings to prove the answer "
        "cheapest on the grid (default 20; 0: stop at a local minimum)",
    )
    add_experiment_args(p, replications=5)
    add_override_args(p)
    p.set_defaults(func=cmd_size)

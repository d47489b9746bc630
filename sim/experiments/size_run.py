"""Sizing on the simulation: the feasibility callback the search needs and the frontier.

:class:`SimulatedStaffing` runs R replications of the scenario with candidate headcounts (on
common random numbers, through :func:`sim.experiments.experiment.run_experiment` and the run store)
and checks each SLA with :func:`analysis.stats.sla.check`; :func:`size_staffing` runs the search
(:func:`sim.experiments.sizing.search_cheapest`) with it; :func:`frontier_rows` turns the
evaluations into the cost/SLA frontier that ``omsim size`` prints and stores. See docs/SIZING.md.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from analysis.stats.sla import Sla, SlaResult, better_or_equal, cannot_be_met, check
from analysis.stats.stability import upward_trend
from analysis.stats.workload import capacity_shortfalls, minutes_per_order, workload_table
from sim.experiments.candidate_shifts import same_time_moves
from sim.experiments.size_start import erlang_c_start
from sim.experiments.sizing import SearchResult, search_cheapest
from sim.experiments.sizing_variables import (
    Point,
    Variable,
    parse_staffing_label,
    sizing_variables,
    staffing_cost,
    staffing_label,
)
from sim.experiments.steady import Measurement

log = logging.getLogger(__name__)

#: Significance of each upward-trend test (open orders, time to ship) of a staffing.
STABILITY_ALPHA = 0.01


@dataclass(frozen=True)
class Evaluation:
    """One evaluated staffing: its SLA results, or why it was not run (``note``: invalid, or
    paid hours short of the workload), and the upward trends found in its measured weeks
    (``unstable``, one line per series that rises significantly)."""

    point: Point
    label: str
    cost: float
    results: tuple[SlaResult, ...]
    note: str = ""
    unstable: tuple[str, ...] = ()
    #: replications run before the staffing was ruled out early (0: all were run)
    stopped_after: int = 0

    @property
    def feasible(self) -> bool:
        """Every SLA met and no upward trend (an invalid or understaffed one, or one ruled
        out after its first replications, is not)."""
        return (
            not self.note
            and not self.unstable
            and not self.stopped_after
            and all(r.met for r in self.results)
        )

    @property
    def simulated(self) -> bool:
        """Whether the staffing was run (not rejected beforehand)."""
        return not self.note


class SimulatedStaffing:
    """The feasibility callback of the search: runs replications ``0..R-1`` of the scenario
    with the candidate headcounts and checks every SLA. A staffing the scenario rejects
    (e.g. no pickers at all) is infeasible without a run. Raises
    :class:`sim.experiments.experiment.ExperimentFailed` when a replication raises."""

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
        measurement: Measurement | None = None,
        **options: Any,
    ) -> None:
        self.measurement = measurement or Measurement.plain(warmup_days)
        self.scenario, self.variables, self.slas = scenario, list(variables), list(slas)
        self.run_scenario = self.measurement.apply(scenario)
        self.replications, self.seed, self.warmup_days, self.jobs = (
            replications, seed, self.measurement.warmup_days, jobs
        )  # fmt: skip
        # label_prefix names this scenario's staffings in a store shared with other scenarios
        self.prefix = options.pop("label_prefix", "")
        #: rule a staffing out after its first round of replications when no remaining run
        #: could rescue it (the verdict is the full evaluation's; off: always run all R)
        self.rule_out_early = options.pop("rule_out_early", True)
        self.progress, self.options = progress, options
        self.evaluations: dict[Point, Evaluation] = {}
        self.tables: dict[Point, Any] = {}  # the KPI table of every simulated staffing
        self.kpis: dict[Point, list[dict[str, float]]] = {}
        self.roles = list(dict.fromkeys(v.role for v in self.variables))
        #: mean busy minutes per order of each sized role, once a staffing has been simulated
        self.minutes_per_order: dict[str, float] = {}
        self.runs = 0

    def overrides(self, point: Point) -> dict[str, int]:
        """The headcount overrides of a staffing."""
        return {
            f"staffing.shifts.{v.index}.headcount": x
            for v, x in zip(self.variables, point, strict=True)
        }

    def shortfalls(self, point: Point) -> list[str]:
        """Roles whose weekly paid hours in ``point`` are below the workload (needs the busy
        minutes per order of a simulated staffing; none before)."""
        if not self.minutes_per_order:
            return []
        from sim.scenario import with_overrides

        scenario = with_overrides(self.scenario, self.overrides(point))
        return capacity_shortfalls(workload_table(scenario, self.minutes_per_order))

    def __call__(self, point: Point) -> bool:
        """Whether the staffing ``point`` meets every SLA."""
        from sim.experiments.experiment import run_experiment
        from sim.scenario import ScenarioError, with_overrides

        if point in self.evaluations:
            return self.evaluations[point].feasible
        label = staffing_label(self.variables, point)
        cost = staffing_cost(self.variables, point)
        try:
            scenario = with_overrides(self.run_scenario, self.overrides(point))
        except ScenarioError as exc:
            note = str(exc).split(": ", 1)[-1]
            self.evaluations[point] = Evaluation(point, label, cost, (), f"invalid: {note}")
            return False
        short = self.shortfalls(point)
        if short:
            note = "paid hours below the workload: " + "; ".join(short)
            self.evaluations[point] = Evaluation(point, label, cost, (), note)
            return False

        def run(first: int, n: int) -> Any:
            before = self.runs

            def progress(done: int, total: int) -> None:
                if self.progress is not None:
                    self.progress(before + done, before + total)

            table = run_experiment(
                [scenario], n, self.seed, self.warmup_days, self.jobs, progress, first,
                labels=[self.prefix + label], window_end_days=self.measurement.window_end_days,
                **self.options,
            )  # fmt: skip
            self.runs += n
            return table

        first = self.first_round()
        table = run(0, first)
        stopped = first if self.ruled_out(table) else 0
        if not stopped and first < self.replications:
            rest = run(first, self.replications - first)
            table = pl.concat([table, rest], how="diagonal_relaxed")
        self.tables[point] = table
        nan = [math.nan] * table.height
        results = tuple(
            check(sla, table[sla.kpi].to_numpy() if sla.kpi in table.columns else nan)
            for sla in self.slas
        )
        self.kpis[point] = table.to_dicts()
        if not self.minutes_per_order:
            self.minutes_per_order = minutes_per_order(self.kpis[point], self.roles)
        unstable = self.trends(table)  # on the replications run (a trend is a trend)
        evaluation = Evaluation(
            point, label, cost, results, unstable=unstable, stopped_after=stopped
        )
        self.evaluations[point] = evaluation
        log.info("%s: %s", label, "meets every SLA" if evaluation.feasible else "misses")
        return evaluation.feasible

    def first_round(self) -> int:
        """How many replications to run before asking whether the staffing can still meet
        its SLAs: one round of the pool (at least 2, fewer than all), or all of them when
        there are fewer than 3 (nothing to save)."""
        r = self.replications
        return r if r < 3 or not self.rule_out_early else max(2, min(self.jobs, r - 1))

    def ruled_out(self, table: Any) -> bool:
        """Whether the first replications in ``table`` already prove that all
        ``replications`` cannot meet some SLA, whatever the others give
        (:func:`analysis.stats.sla.cannot_be_met`): then the verdict of a full evaluation is
        known (infeasible) and the other replications are not run."""
        if table.height >= self.replications:
            return False
        return any(
            cannot_be_met(
                sla,
                table[sla.kpi].to_numpy() if sla.kpi in table.columns else [math.nan],
                self.replications,
            )
            for sla in self.slas
        )

    def trends(self, table: Any) -> tuple[str, ...]:
        """The weekly series of the measured weeks that rise significantly (one-sided trend
        test at :data:`STABILITY_ALPHA` each, replications as blocks)."""
        weeks = self.measurement.weeks if self.measurement.steady else 0
        out = []
        for prefix, what in (
            ("week_backlog_mean_", "open orders"),
            ("week_time_to_ship_mean_h_", "time to ship (h)"),
        ):
            cols = [f"{prefix}{k}" for k in range(1, weeks + 1)]
            if weeks < 2 or not all(c in table.columns for c in cols):
                continue
            trend = upward_trend(table.select(cols).to_numpy(), STABILITY_ALPHA)
            if trend.significant:
                out.append(f"{what} rise {trend.slope:+.3g}/week (p={trend.p_value:.2g})")
        return tuple(out)


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
    measurement: Measurement | None = None,
    **options: Any,
) -> tuple[SearchResult, SimulatedStaffing]:
    """Size the shifts of ``roles`` (each ``0..max_headcount``) for ``slas`` by simulation.
    ``options`` (store, cluster) go to :func:`sim.experiments.experiment.run_experiment`. Returns
    the search result and the callback that holds every evaluation.

    ``measurement`` (default: plain runs with ``warmup_days``) says how each staffing is run.
    The scenario's own headcounts are simulated first; their busy minutes per order give the
    workload, from which :func:`sim.experiments.size_start.erlang_c_start` picks the staffing the
    search starts at, and every staffing whose paid hours fall below the workload is rejected
    without a run. (Without a measured service time the search starts at the scenario's
    headcounts, as documented in :func:`sim.experiments.sizing.search_cheapest`.)"""
    from sim.experiments.executors import open_executor

    with open_executor(jobs, options.get("cluster")) as executor:  # one pool for the search
        return _size(
            scenario, slas, roles, max_headcount, replications, seed, warmup_days, jobs,
            progress, global_budget, measurement, executor=executor, **options,
        )  # fmt: skip


def _size(
    scenario: Any,
    slas: Sequence[Sla],
    roles: Sequence[str],
    max_headcount: int,
    replications: int,
    seed: int,
    warmup_days: float,
    jobs: int,
    progress: Callable[[int, int], None] | None,
    global_budget: int | None,
    measurement: Measurement | None,
    **options: Any,
) -> tuple[SearchResult, SimulatedStaffing]:
    variables = sizing_variables(scenario, roles)
    oracle = SimulatedStaffing(
        scenario, variables, slas, replications, seed, warmup_days, jobs, progress,
        measurement, **options,
    )  # fmt: skip
    n = len(variables)
    current = tuple(min(v.current, max_headcount) for v in variables)
    hint, near = current, False
    if measurement is not None and measurement.steady and any(current):
        oracle(current)  # the pilot: service times for the workload (memoised for the search)
        if oracle.minutes_per_order:
            hint = erlang_c_start(scenario, variables, oracle.minutes_per_order, max_headcount)
            near = True
            log.info("start near %s (workload and Erlang C)", staffing_label(variables, hint))
    search = search_cheapest(
        [0] * n, [max_headcount] * n, [v.weekly_cost for v in variables], oracle,
        hint=list(hint), global_budget=global_budget, near=near,
        groups=[v.role for v in variables] if near else None,
        moves=same_time_moves(scenario.staffing.shifts, variables),
    )  # fmt: skip
    return search, oracle


def known_kpis(scenario: Any) -> set[str]:
    """KPI names a run of the scenario reports (fixed ones and per resource and step)."""
    from analysis.kpis.defs import KPI_DEFS
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
            "headcount": parse_staffing_label(e.label),
            "weekly_cost": round(e.cost, 2),
            "feasible": e.feasible,
            "stopped_after": e.stopped_after,
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

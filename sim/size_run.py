"""Sizing on the simulation: the feasibility callback the search needs and the frontier.

:class:`SimulatedStaffing` runs R replications of the scenario with candidate headcounts (on
common random numbers, through :func:`sim.experiment.run_experiment` and the run store) and
checks each SLA with :func:`analysis.sla.check`; :func:`size_staffing` runs the search
(:func:`sim.sizing.search_cheapest`) with it; :func:`frontier_rows` turns the evaluations into
the cost/SLA frontier that ``omsim size`` prints and stores. See docs/SIZING.md.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.sla import Sla, SlaResult, better_or_equal, check
from sim.candidate_shifts import same_time_moves
from sim.sizing import (
    Point,
    SearchResult,
    Variable,
    parse_staffing_label,
    search_cheapest,
    sizing_variables,
    staffing_cost,
    staffing_label,
)

log = logging.getLogger(__name__)


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
        # label_prefix names this scenario's staffings in a store shared with other scenarios
        self.prefix = options.pop("label_prefix", "")
        self.progress, self.options = progress, options
        self.evaluations: dict[Point, Evaluation] = {}
        self.tables: dict[Point, Any] = {}  # the KPI table of every simulated staffing
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
            labels=[self.prefix + label], **self.options,
        )  # fmt: skip
        self.tables[point] = table
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
        moves=same_time_moves(scenario.staffing.shifts, variables),
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
            "headcount": parse_staffing_label(e.label),
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

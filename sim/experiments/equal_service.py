"""Equal-service comparison: size every scenario (e.g. every picking method) to the same SLAs,
then compare what each needs and costs at its own staffing.

Each scenario is sized by :func:`sim.experiments.size_run.size_staffing`, the entry point of ``omsim
size``, with the same seed and replications, so the staffings are found on common random
numbers and every scenario's answer is simulated on the same replications. The answers' runs
are then put side by side (:func:`answer_results`) for paired comparisons against the first
scenario (:func:`analysis.stats.compare.compare_table`). See docs/SIZING.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from analysis.stats.sla import Sla
from sim.calendar import paid_hours_per_week
from sim.experiments.size_run import Evaluation, SimulatedStaffing, size_staffing
from sim.experiments.sizing import SearchResult

#: KPIs compared at the answers besides the SLAs' own.
COST_KPIS = ("cost_per_order", "labour_cost_per_order")


@dataclass
class SizedScenario:
    """One scenario sized to the SLAs: the search, every evaluation, and the answer."""

    label: str
    scenario: Any
    search: SearchResult
    oracle: SimulatedStaffing

    @property
    def answer(self) -> Evaluation | None:
        """The cheapest staffing meeting every SLA (None: none up to the maximum)."""
        best = self.search.best
        return None if best is None else self.oracle.evaluations.get(best)

    def headcount(self) -> dict[str, int]:
        """Shift label -> headcount of the answer."""
        answer = self.answer
        if answer is None:
            return {}
        return {v.label: x for v, x in zip(self.oracle.variables, answer.point, strict=True)}

    def paid_hours(self) -> dict[str, float]:
        """Paid hours per week of the answer, per sized role."""
        answer = self.answer
        out: dict[str, float] = {}
        if answer is None:
            return out
        shifts = self.scenario.staffing.shifts
        for v, x in zip(self.oracle.variables, answer.point, strict=True):
            out[v.role] = out.get(v.role, 0.0) + x * paid_hours_per_week(shifts[v.index])
        return out


def size_each(
    scenarios: Sequence[Any],
    labels: Sequence[str],
    slas: Sequence[Sla],
    roles: Sequence[Sequence[str]],
    max_headcount: int,
    replications: int,
    seed: int,
    warmup_days: float = 0.0,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    global_budget: int | None = 20,
    measurement: Any = None,
    **options: Any,
) -> list[SizedScenario]:
    """Size each scenario's shifts of its ``roles`` for the same SLAs, seed, replications and
    ``measurement`` (:class:`sim.experiments.steady.Measurement`; default plain runs with
    ``warmup_days``). ``options`` (store, cluster) go to the runs; each scenario's staffings
    are stored under ``'<label>: <staffing>'``."""
    out = []
    done = [0]
    for scenario, label, sized_roles in zip(scenarios, labels, roles, strict=True):
        before = done[0]

        def step(n: int, total: int, before: int = before) -> None:
            done[0] = before + n
            if progress is not None:
                progress(before + n, before + total)

        search, oracle = size_staffing(
            scenario, slas, sized_roles, max_headcount=max_headcount,
            replications=replications, seed=seed, warmup_days=warmup_days, jobs=jobs,
            progress=step, global_budget=global_budget, measurement=measurement,
            label_prefix=f"{label}: ", **options,
        )  # fmt: skip
        out.append(SizedScenario(label, scenario, search, oracle))
    return out


def answer_results(sized: Sequence[SizedScenario]) -> pl.DataFrame:
    """The KPI tables of the answers, one block per scenario that has one (``scenario_index``
    renumbered from 0 in that order, ``scenario`` its label), for paired comparisons."""
    tables = []
    for sc in sized:
        answer = sc.answer
        if answer is None:
            continue
        table = sc.oracle.tables[answer.point]
        tables.append(
            table.with_columns(
                pl.lit(len(tables)).cast(table["scenario_index"].dtype).alias("scenario_index"),
                pl.lit(sc.label).alias("scenario"),
            )
        )
    return pl.concat(tables, how="diagonal_relaxed") if tables else pl.DataFrame()


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def summary(
    sized: Sequence[SizedScenario], slas: Sequence[Sla], comparison: pl.DataFrame
) -> dict[str, Any]:
    """What the manifest records: per scenario the answer (staffing, heads per shift, paid
    hours per week per role, weekly wage bill, proof) and the paired comparison rows."""
    methods = []
    for sc in sized:
        answer = sc.answer
        hours = sc.paid_hours()
        methods.append(
            {
                "scenario": sc.label,
                "feasible": answer is not None,
                "staffing": None if answer is None else answer.label,
                "stored_as": None if answer is None else f"{sc.label}: {answer.label}",
                "headcount": sc.headcount(),
                "heads": sum(sc.headcount().values()),
                "paid_hours_per_week": {k: round(v, 2) for k, v in hours.items()},
                "paid_hours_per_week_total": round(sum(hours.values()), 2),
                "weekly_cost": None if answer is None else round(answer.cost, 2),
                "proven_optimal": sc.search.proven_optimal,
                "simulated": sum(1 for e in sc.oracle.evaluations.values() if not e.note),
            }
        )
    rows = [{k: (_num(v) if isinstance(v, float) else v) for k, v in r.items()}
            for r in comparison.to_dicts()]  # fmt: skip
    return {"slas": [s.text for s in slas], "methods": methods, "comparison": rows}

"""Running replications and computing their KPIs (experiments build on this)."""

from __future__ import annotations

from analysis.kpis import run_kpis
from sim.config import Scenario
from sim.model import Progress, RunResult, run_replication
from sim.units import DAY


def kpis_of(result: RunResult, warmup_days: float = 0.0) -> dict[str, float]:
    """KPIs of one run: orders placed after the warm-up and before the arrivals end, followed
    through the drain days to the end of the run.

    A returns or reviews table is passed only when the scenario models them: the empty table
    of a scenario with ``returns.enabled`` (``reviews.enabled``) off gives NaN KPIs (not
    modelled), not a return rate of 0."""
    sc = result.scenario
    return run_kpis(
        result.orders,
        result.steps,
        result.roster,
        start_minute_of_day=result.start_minute_of_day,
        warmup_min=warmup_days * DAY,
        end_min=result.end_min,
        arrivals_end_min=result.arrivals_end_min,
        customers=result.customers,
        returns=result.returns if sc.returns.enabled else None,
        reviews=result.reviews if sc.reviews.enabled else None,
        events=result.events if sc.returns.enabled else None,
    )


def run_with_kpis(
    scenario: Scenario,
    seed: int = 1,
    replication: int = 0,
    warmup_days: float = 0.0,
    progress: Progress | None = None,
) -> tuple[RunResult, dict[str, float]]:
    """One replication and its KPIs."""
    result = run_replication(scenario, seed, replication, progress)
    return result, kpis_of(result, warmup_days)

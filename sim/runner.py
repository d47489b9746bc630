"""Running replications and computing their KPIs (experiments build on this)."""

from __future__ import annotations

from analysis.kpis import run_kpis
from analysis.stability import weekly_series
from sim.config import Scenario
from sim.model import Progress, RunResult, run_replication
from sim.units import DAY


def kpis_of(
    result: RunResult, warmup_days: float = 0.0, window_end_days: float | None = None
) -> dict[str, float]:
    """KPIs of one run: orders placed after the warm-up and before the arrivals end (or
    ``window_end_days``, the end of a steady-state run's measured weeks), followed to the end
    of the run (through the drain days, or the tail where orders keep arriving).

    With ``window_end_days`` the weekly series of the measured weeks are added
    (``week_time_to_ship_mean_h_<k>``, ``week_backlog_mean_<k>``, see
    :func:`analysis.stability.weekly_series`).

    A returns or reviews table is passed only when the scenario models them: the empty table
    of a scenario with ``returns.enabled`` (``reviews.enabled``) off gives NaN KPIs (not
    modelled), not a return rate of 0."""
    sc = result.scenario
    window_end = result.arrivals_end_min
    if window_end_days is not None:
        window_end = min(window_end_days * DAY, result.arrivals_end_min)
    kpis = run_kpis(
        result.orders,
        result.steps,
        result.roster,
        start_minute_of_day=result.start_minute_of_day,
        warmup_min=warmup_days * DAY,
        end_min=result.end_min,
        arrivals_end_min=window_end,
        customers=result.customers,
        returns=result.returns if sc.returns.enabled else None,
        reviews=result.reviews if sc.reviews.enabled else None,
        censor_unfinished=window_end_days is not None,
    )
    if window_end_days is not None:
        weeks = int(round((window_end - warmup_days * DAY) / (7 * DAY)))
        kpis.update(weekly_series(result.orders, warmup_days * DAY, weeks, result.end_min))
    return kpis


def run_with_kpis(
    scenario: Scenario,
    seed: int = 1,
    replication: int = 0,
    warmup_days: float = 0.0,
    progress: Progress | None = None,
    window_end_days: float | None = None,
) -> tuple[RunResult, dict[str, float]]:
    """One replication and its KPIs (see :func:`kpis_of`)."""
    result = run_replication(scenario, seed, replication, progress)
    return result, kpis_of(result, warmup_days, window_end_days)

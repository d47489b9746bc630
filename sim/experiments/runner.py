"""Running replications and computing their KPIs (experiments build on this)."""

from __future__ import annotations

import datetime as dt

from analysis.importers.history import history_of
from analysis.kpis.costs import CostRates
from analysis.kpis.picking_split import PickTimesSpec
from analysis.kpis.run_kpis import run_kpis
from analysis.stats.stability import weekly_series
from sim.config import Scenario
from sim.model import run_replication
from sim.run_result import Progress, RunResult
from sim.units import DAY


def kpis_of(
    result: RunResult, warmup_days: float = 0.0, window_end_days: float | None = None
) -> dict[str, float]:
    """KPIs of one run: orders placed after the warm-up and before the arrivals end (or
    ``window_end_days``, the end of a steady-state run's measured weeks), followed to the end
    of the run (through the drain days, or the tail where orders keep arriving).

    With ``window_end_days`` the weekly series of the measured weeks are added
    (``week_time_to_ship_mean_h_<k>``, ``week_backlog_mean_<k>``, see
    :func:`analysis.stats.stability.weekly_series`).

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
        events=result.events if sc.returns.enabled else None,
        **(scenario_rates(sc) if isinstance(sc, Scenario) else {}),
    )
    if window_end_days is not None:
        weeks = int(round((window_end - warmup_days * DAY) / (7 * DAY)))
        kpis.update(weekly_series(result.orders, warmup_days * DAY, weeks, result.end_min))
    return kpis


def scenario_rates(scenario: Scenario) -> dict:
    """The scenario's settings the KPIs need besides the log: cost rates, nominal pick
    times and the peak window (keyword arguments of ``run_kpis``)."""
    return {
        "costs": cost_rates(scenario),
        "pick_times": pick_times(scenario),
        "peak": peak_window(scenario),
    }


def peak_window(scenario: Scenario) -> tuple[float, float] | None:
    """Simulation minutes of the start of the first dated demand period with a multiplier
    above 1 and of the end of the busiest period's last day (the latest of equally busy
    ones; None without such periods)."""
    periods = [p for p in scenario.demand.calendar if p.multiplier > 1.0]
    if not periods:
        return None
    start = scenario.simulation.start

    def minutes(date: dt.date) -> float:
        return (dt.datetime.combine(date, dt.time()) - start).total_seconds() / 60.0

    first = min(p.start for p in periods)
    top = max(p.multiplier for p in periods)
    last = max(p.end for p in periods if p.multiplier == top) + dt.timedelta(days=1)
    return minutes(first), minutes(last)


def pick_times(scenario: Scenario) -> PickTimesSpec:
    """The nominal pick times of a scenario's picking method (``analysis/kpis/picking_split.py``):
    the set-up is per tote with zone picking, the time per unit includes sort-while-pick."""
    pk = scenario.picking
    setup_s = pk.zone.tote_setup_s if pk.method == "zone" else pk.tour_setup_s
    per_unit_s = pk.time_per_unit_s
    if pk.method == "batch" and pk.batch.sorting == "sort_while_pick":
        per_unit_s += pk.batch.sort_while_pick_time_per_unit_s
    return PickTimesSpec(
        speed_m_per_min=pk.walking_speed_m_per_s * 60.0,
        setup_min=setup_s / 60.0,
        per_line_min=pk.time_per_line_s / 60.0,
        per_unit_min=per_unit_s / 60.0,
        cart_capacity=pk.batch.n_totes_per_cart if pk.method == "batch" else None,
    )


def cost_rates(scenario: Scenario) -> CostRates:
    """The cost rates of a scenario that the event log does not carry (``analysis/kpis/costs.py``):
    fixed costs and the equipment of its picking method per day, labels, return handling,
    margin."""
    c = scenario.costs
    return CostRates(
        overtime_premium_share=c.overtime_premium_share,
        fixed_per_day=c.fixed_per_day(),
        equipment_per_day=c.equipment_per_day(scenario.picking.method),
        label_cost_per_parcel=c.label_cost_per_parcel,
        return_handling_cost=c.return_handling_cost,
        gross_margin_share=c.gross_margin_share,
        lapse_horizon_years=c.lapse_horizon_years,
        chargeback_fee=scenario.returns.chargeback_cost,
    )


def run_with_kpis(
    scenario: Scenario,
    seed: int = 1,
    replication: int = 0,
    warmup_days: float = 0.0,
    progress: Progress | None = None,
    window_end_days: float | None = None,
) -> tuple[RunResult, dict[str, float]]:
    """One replication and its KPIs (see :func:`kpis_of`); a replay scenario's order file is
    imported here (cached per process), the engine receives the table."""
    result = run_replication(scenario, seed, replication, progress, history_of(scenario))
    return result, kpis_of(result, warmup_days, window_end_days)

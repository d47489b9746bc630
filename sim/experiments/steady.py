"""Steady-state measurement, the default of the experiment commands (compare, size, sweep).

A run of an experiment is ``warmup_weeks`` whole weeks of warm-up, ``weeks`` measured weeks
and a ``tail_days`` tail, with orders arriving all the time (no drain: the scenario's
``drain_days`` is set to 0 and its ``horizon_days`` to the whole run). The KPIs score the
orders placed in the measured weeks, followed to the end of the tail; time-based KPIs
(utilisation, queues, labour cost) cover the measured weeks. An order placed in the measured
weeks and not finished by the end of the run has not met its targets (its pickup, its
promise); it cannot clear in arrival-free drain days as in a plain run.

Why: a run that starts empty on the first day and drains afterwards without new orders never
sees the weekend's backlog, flatters every service KPI and lets a staffing that cannot keep
up look sufficient. ``Measurement.plain()`` keeps the scenario's own horizon, drain and
``--warmup-days`` (``--plain``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.run_estimate import DEFAULT_MAX_ORDERS

#: Defaults of the experiment commands.
WARMUP_WEEKS, WEEKS, TAIL_DAYS = 1, 2, 7.0


class MeasurementError(ValueError):
    """A scenario that cannot be measured as asked; the message is one line."""


@dataclass(frozen=True)
class Measurement:
    """How an experiment's runs are measured. ``steady``: ``warmup_weeks`` + ``weeks`` +
    ``tail_days`` with arrivals throughout, KPIs over the orders placed in the measured weeks;
    otherwise (plain) the scenario's horizon and drain with ``warmup_days`` dropped."""

    steady: bool = True
    warmup_weeks: int = WARMUP_WEEKS
    weeks: int = WEEKS
    tail_days: float = TAIL_DAYS
    warmup_days_plain: float = 0.0
    max_orders: int = DEFAULT_MAX_ORDERS

    @classmethod
    def plain(cls, warmup_days: float = 0.0, max_orders: int = DEFAULT_MAX_ORDERS) -> Measurement:
        """The scenario's own horizon and drain, orders of the first ``warmup_days`` dropped."""
        return cls(steady=False, warmup_days_plain=warmup_days, max_orders=max_orders)

    @property
    def warmup_days(self) -> float:
        """Start of the KPI window (days from the start of the run)."""
        return 7.0 * self.warmup_weeks if self.steady else self.warmup_days_plain

    @property
    def window_end_days(self) -> float | None:
        """End of the measured weeks (days), or None for a plain run (end of arrivals)."""
        return 7.0 * (self.warmup_weeks + self.weeks) if self.steady else None

    @property
    def run_days(self) -> float:
        """Simulated days of a steady-state run."""
        return 7.0 * (self.warmup_weeks + self.weeks) + self.tail_days

    def apply(self, scenario: Any) -> Any:
        """The scenario as the experiment runs it: arrivals for the whole run and no drain
        (steady), or unchanged (plain). Either is checked against the pre-run estimate
        (:func:`sim.run_estimate.check_run`, ``max_orders``) and a plain run's warm-up against
        its horizon."""
        from sim.run_estimate import check_run

        if not self.steady:
            check_warmup(scenario, self.warmup_days_plain)
            check_run(scenario, self.max_orders)
            return scenario
        self.check(scenario)
        from sim.scenario import with_overrides

        run = with_overrides(
            scenario, {"simulation.horizon_days": self.run_days, "simulation.drain_days": 0.0}
        )
        check_run(run, self.max_orders)
        return run

    def check(self, scenario: Any) -> None:
        """``MeasurementError`` (one line) when the scenario cannot be measured this way: a
        replay of an order file runs the file's days, so it needs ``--plain``."""
        if self.steady and scenario.replay.orders:
            raise MeasurementError(
                f"omsim: {scenario.name}: replay.orders: expected --plain with a replayed order "
                "file (it runs the file's days, not steady-state weeks), found steady state"
            )

    def settings(self) -> dict[str, Any]:
        """The measurement as stored in an experiment's manifest."""
        if not self.steady:
            return {"measurement": "plain", "warmup_days": self.warmup_days_plain}
        return {
            "measurement": "steady",
            "warmup_weeks": self.warmup_weeks,
            "weeks": self.weeks,
            "tail_days": self.tail_days,
        }

    def describe(self) -> str:
        """One line for the output of every experiment."""
        if not self.steady:
            return (
                f"measurement: plain runs (the scenario's horizon and drain days, warm-up "
                f"{self.warmup_days_plain:g} days; arrivals stop before the drain)"
            )
        a, b = self.warmup_days, self.window_end_days
        return (
            f"measurement: steady state, warm-up {self.warmup_weeks} week(s), "
            f"{self.weeks} measured week(s) (orders placed on days {a:g}-{b:g}), "
            f"{self.tail_days:g}-day tail, arrivals throughout ({self.run_days:g} days a run); "
            "orders unfinished at the end count as missing their targets"
        )


def check_warmup(scenario: Any, warmup_days: float) -> None:
    """``MeasurementError`` (one line) when the warm-up leaves no day of arrivals to score
    (the KPIs would all be zero or empty)."""
    horizon = scenario.simulation.horizon_days
    if warmup_days >= horizon and not scenario.replay.orders:
        raise MeasurementError(
            f"omsim: --warmup-days: expected less than the horizon ({horizon:g} days of "
            f"arrivals), found {warmup_days:g} (no order would be scored); lower it or raise "
            "--days"
        )

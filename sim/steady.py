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

import argparse
from dataclasses import dataclass
from typing import Any

from sim.run_estimate import DEFAULT_MAX_ORDERS
from sim.strict_numbers import count_arg, finite_arg, non_negative_arg, whole_arg

#: Defaults of the experiment commands.
WARMUP_WEEKS, WEEKS, TAIL_DAYS = 1, 2, 7.0


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
        """``UsageError`` (one line) when the scenario cannot be measured this way: a replay
        of an order file runs the file's days, so it needs ``--plain``."""
        from sim.cli.common import UsageError

        if self.steady and scenario.replay.orders:
            raise UsageError(
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
    """``UsageError`` (one line) when the warm-up leaves no day of arrivals to score (the
    KPIs would all be zero or empty)."""
    from sim.cli.common import UsageError

    horizon = scenario.simulation.horizon_days
    if warmup_days >= horizon and not scenario.replay.orders:
        raise UsageError(
            f"omsim: --warmup-days: expected less than the horizon ({horizon:g} days of "
            f"arrivals), found {warmup_days:g} (no order would be scored); lower it or raise "
            "--days"
        )


def add_max_orders_arg(parser: argparse.ArgumentParser) -> None:
    """``--max-orders N``: the pre-run estimate's limit on one run's orders."""
    parser.add_argument(
        "--max-orders",
        type=whole_arg(1, 10**12),
        default=DEFAULT_MAX_ORDERS,
        metavar="N",
        help=f"refuse a run whose estimate exceeds N orders (default {DEFAULT_MAX_ORDERS:,}: "
        "about 4 GB of memory)",
    )


def add_measurement_args(parser: argparse.ArgumentParser) -> None:
    """``--warmup-weeks``, ``--weeks``, ``--tail-days``, ``--plain``, ``--warmup-days``,
    ``--max-orders``."""
    add_max_orders_arg(parser)
    parser.add_argument(
        "--warmup-weeks",
        type=count_arg,
        default=WARMUP_WEEKS,
        metavar="W",
        help=f"whole weeks simulated before the measured ones (default {WARMUP_WEEKS}: covers "
        "the weekly start-up from an empty warehouse)",
    )
    parser.add_argument(
        "--weeks",
        type=count_arg,
        default=WEEKS,
        metavar="M",
        help=f"measured weeks: the KPIs score the orders placed in them (default {WEEKS})",
    )
    parser.add_argument(
        "--tail-days",
        type=finite_arg,
        default=TAIL_DAYS,
        metavar="T",
        help=f"days simulated after the measured weeks, orders still arriving, to follow the "
        f"measured orders to delivery (default {TAIL_DAYS:g}); unfinished ones miss targets",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="measure plain runs instead: the scenario's horizon_days and drain_days (--days), "
        "orders of the first --warmup-days dropped",
    )
    parser.add_argument(
        "--warmup-days",
        type=non_negative_arg,
        default=0.0,
        help="with --plain: exclude orders placed in the first W days from the KPIs",
    )


def measurement_of(args: argparse.Namespace) -> Measurement:
    """The measurement the options ask for; ``UsageError`` (one line) for impossible ones."""
    from sim.cli.common import UsageError

    max_orders = getattr(args, "max_orders", DEFAULT_MAX_ORDERS)
    if args.warmup_days < 0:
        raise UsageError(f"omsim: --warmup-days: expected >= 0, found {args.warmup_days}")
    if args.plain:
        return Measurement.plain(args.warmup_days, max_orders)
    if args.warmup_days:
        raise UsageError(
            "omsim: --warmup-days: expected with --plain only (steady-state runs use "
            f"--warmup-weeks), found --warmup-days {args.warmup_days:g}"
        )
    if getattr(args, "days", None) is not None:
        raise UsageError(
            "omsim: --days: expected with --plain only (steady-state runs last --warmup-weeks "
            f"+ --weeks + --tail-days), found --days {args.days:g}"
        )
    if args.warmup_weeks < 1:
        raise UsageError(f"omsim: --warmup-weeks: expected at least 1, found {args.warmup_weeks}")
    if args.weeks < 1:
        raise UsageError(f"omsim: --weeks: expected at least 1, found {args.weeks}")
    if not 0 <= args.tail_days <= 365:
        raise UsageError(f"omsim: --tail-days: expected 0..365, found {args.tail_days:g}")
    return Measurement(True, args.warmup_weeks, args.weeks, args.tail_days, 0.0, max_orders)

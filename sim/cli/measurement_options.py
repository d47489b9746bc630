"""The measurement options of the experiment commands (``--warmup-weeks``, ``--weeks``,
``--tail-days``, ``--plain``, ``--warmup-days``, ``--max-orders``) and the :class:`Measurement`
they ask for."""

from __future__ import annotations

import argparse

from sim.cli.common import UsageError
from sim.experiments.steady import TAIL_DAYS, WARMUP_WEEKS, WEEKS, Measurement
from sim.run_estimate import DEFAULT_MAX_ORDERS
from sim.strict_numbers import count_arg, finite_arg, non_negative_arg, whole_arg


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

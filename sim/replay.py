"""Replaying real orders: an imported order history drives the model instead of demand.

``plan_replay`` maps an order file (``scenario.replay``, read by ``analysis.importers.read``) onto
the scenario: the run covers the history's days (midnight of the first order's day to the end
of the last order's day), each order arrives at its real local time with its real lines, SKUs
and units, and its real value; its service and channel are the scenario's of the same name
(case-insensitive) when the file gives one, otherwise they are drawn from ``demand``'s shares.
SKUs listed in ``catalog.sku_codes`` take their catalogue index; every other SKU is slotted by
its popularity in the history (lines, then units, then code), so the most popular unknown SKU
takes the free slot nearest the depot. The catalogue grows to hold every SKU and, if it must,
the aisles grow longer (``warehouse.n_slots_per_side``); each change is reported in
``ReplayPlan.notes``. Everything the file does not give (pick times, errors, damage, transit,
payment outcomes...) is drawn from the same streams as in a synthetic run, so a replay is a
pure function of (scenario, order file, seed, replication).

Order ids in the event log are positions in the history sorted by time (stable): order k is
``ReplayPlan.order_ids[k]`` in the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sim.config import Scenario
from sim.demand import BLOCK, GivenOrders, Order, OrderSource

log = logging.getLogger(__name__)


def local_times(col: pl.Series) -> pl.Series:
    """Wall-clock times where the warehouse is: a zoned column's local times, naive as is."""
    if isinstance(col.dtype, pl.Datetime) and col.dtype.time_zone is not None:
        return col.dt.replace_time_zone(None)
    return col


@dataclass(frozen=True)
class ReplayPlan:
    """Real orders mapped onto a scenario (see the module docstring)."""

    scenario: Scenario  # with the run's start and horizon and the grown catalogue
    times: np.ndarray  # minutes from the start, ascending
    given: GivenOrders  # every order's contents
    order_ids: list[str]  # the file's order id of each model order
    sku_codes: list[str]  # the real code of each catalogue SKU used
    notes: list[str] = field(default_factory=list)

    @property
    def n_orders(self) -> int:
        """Orders replayed."""
        return len(self.times)


#: Carrier service names in order exports -> the model's service names (documented in the
#: README, "Service names"): a value naming a scenario service (any case) is that service;
#: otherwise the first keyword below found in it (lower case, punctuation as spaces), longest
#: keywords first, when the scenario has the service it maps to.
SERVICE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("next business day", "next_day"),
    ("next day", "next_day"),
    ("next_day", "next_day"),
    ("nextday", "next_day"),
    ("overnight", "next_day"),
    ("same day", "next_day"),
    ("24h", "next_day"),
    ("express", "express"),
    ("expedited", "express"),
    ("priority", "express"),
    ("2 day", "express"),
    ("two day", "express"),
    ("48h", "express"),
    ("standard", "standard"),
    ("economy", "standard"),
    ("ground", "standard"),
    ("free shipping", "standard"),
    ("tracked", "standard"),
    ("first class", "standard"),
    ("parcel", "standard"),
)


def service_name(value: str | None, names: list[str]) -> str | None:
    """The scenario service a file's service value means (``SERVICE_KEYWORDS``), or None."""
    if value is None:
        return None
    exact = {n.lower(): n for n in names}
    low = value.strip().lower()
    if low in exact:
        return exact[low]
    text = " " + re.sub(r"[^a-z0-9_]+", " ", low.replace("-", " ")).strip() + " "
    for key, target in SERVICE_KEYWORDS:
        if f" {key} " in text and target in exact:
            return exact[target]
    return None


def map_services(values: pl.Series, names: list[str]) -> pl.Series:
    """Each value's scenario service by :func:`service_name` (null where none)."""
    table = {v: service_name(v, names) for v in values.drop_nulls().unique().to_list()}
    return values.replace_strict(table, default=None, return_dtype=pl.String)


def index_of(names: list[str], values: pl.Series) -> tuple[np.ndarray, int]:
    """Scenario index of each value (case-insensitive), -1 when null or unknown; and how many
    non-null values matched no name."""
    lookup = {n.lower(): i for i, n in enumerate(names)}
    low = values.str.to_lowercase()
    idx = low.replace_strict(lookup, default=-1, return_dtype=pl.Int64).fill_null(-1)
    unknown = int((low.is_not_null() & (idx == -1)).sum())
    return idx.to_numpy(), unknown


def plan_replay(
    scenario: Scenario, history=None, window: tuple[dt.datetime, float] | None = None
) -> ReplayPlan:
    """Map the history (the scenario's ``replay`` file, imported by the caller: see
    ``analysis.importers.history.history_of``) onto the scenario. ``window`` (live ``--follow``:
    start, days) replaces the history's days as the run's span."""
    from sim.scenario import with_overrides

    if history is None:
        raise ValueError(
            f"{scenario.name}: replay.orders is set but no imported order history was given "
            "(import it with analysis.importers.history.history_of and pass it to the run)"
        )
    orders = history.orders.with_columns(placed_at=local_times(history.orders["placed_at"]))
    orders = orders.with_row_index("_pos").sort("placed_at", "_pos")
    first, last = orders["placed_at"][0], orders["placed_at"][-1]
    notes: list[str] = []
    if window is None:
        start = dt.datetime.combine(first.date(), dt.time())
        days = float((dt.datetime.combine(last.date(), dt.time()) - start).days + 1)
    else:
        start, days = window
    times = ((orders["placed_at"] - start).dt.total_microseconds() / 60e6).to_numpy()

    # lines in the order of the sorted orders
    pos = orders.select("order_id", pl.int_range(pl.len()).alias("_k"))
    lines = history.lines.join(pos, on="order_id", how="inner").sort("_k", "line_no")
    popularity = (
        lines.group_by("sku")
        .agg(pl.len().alias("n"), pl.col("quantity").sum().alias("units"))
        .sort(["n", "units", "sku"], descending=[True, True, False])
    )
    cat = scenario.catalog
    index = {code: i for i, code in enumerate(cat.sku_codes)}
    free = (i for i in range(len(cat.sku_codes), 1 << 40))
    for code in popularity["sku"].to_list():
        if code not in index:
            index[code] = next(free)
    n_known = sum(1 for c in popularity["sku"].to_list() if c in set(cat.sku_codes))
    n_skus = max(cat.n_skus, len(index))
    overrides: dict[str, object] = {
        "simulation.start": start.isoformat(),
        "simulation.horizon_days": float(days),
        "catalog.n_skus": n_skus,
    }
    wh = scenario.warehouse
    if n_skus > 2 * wh.n_slots_per_side * wh.n_aisles:
        per_side = math.ceil(n_skus / (2 * wh.n_aisles))
        overrides["warehouse.n_slots_per_side"] = per_side
        notes.append(
            f"the history has {n_skus:,} SKUs and the warehouse "
            f"{2 * wh.n_slots_per_side * wh.n_aisles:,} slots: aisles lengthened to "
            f"{per_side} slots per side (warehouse.n_slots_per_side)"
        )
    if popularity.height - n_known:
        notes.append(
            f"{popularity.height - n_known:,} of {popularity.height:,} SKUs are not in "
            "catalog.sku_codes: slotted by their popularity in the history"
        )
    if scenario.customers.enabled:
        overrides["customers.enabled"] = False
        notes.append("customers.enabled turned off: the history gives the orders")
    effective = with_overrides(scenario, overrides)

    d = scenario.demand
    snames = [s.name for s in d.services]
    mapped = map_services(orders["service"], snames)
    service, _ = index_of(snames, mapped)
    bad_s = int((orders["service"].is_not_null() & mapped.is_null()).sum())
    channel, bad_c = index_of([c.name for c in d.channels], orders["channel"])
    for what, bad, names in (
        ("service", bad_s, [s.name for s in d.services]),
        ("channel", bad_c, [c.name for c in d.channels]),
    ):
        if bad:
            notes.append(
                f"{bad:,} orders name a {what} the scenario lacks (it has {', '.join(names)}): "
                f"drawn from demand's {what} shares"
            )
    skus = lines["sku"].replace_strict(index, return_dtype=pl.Int64).to_numpy()
    given = GivenOrders(
        n_lines=orders["n_lines"].cast(pl.Int64).to_numpy(),
        skus=skus,
        units=lines["quantity"].cast(pl.Int64).to_numpy(),
        service=service,
        channel=channel,
        value=orders["value"].cast(pl.Float64).to_numpy(),
    )
    codes = [""] * n_skus
    for code, i in index.items():
        codes[i] = code
    for note in notes:
        log.info("replay: %s", note)
    return ReplayPlan(effective, times, given, orders["order_id"].to_list(), codes, notes)


class ReplaySource(OrderSource):
    """An ``OrderSource`` whose orders are the replayed history's, in blocks."""

    def __init__(self, plan: ReplayPlan, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        g = plan.given
        self._line_ends = np.cumsum(g.n_lines)

    def take(self, a: int, b: int) -> Iterator[Order]:
        """Orders a..b-1 of the history."""
        g = self.plan.given
        la = int(self._line_ends[a - 1]) if a else 0
        lb = int(self._line_ends[b - 1]) if b else 0
        part = GivenOrders(
            g.n_lines[a:b], g.skus[la:lb], g.units[la:lb], g.service[a:b], g.channel[a:b],
            g.value[a:b],
        )  # fmt: skip
        return self.block(self.plan.times[a:b], part)

    def orders(self) -> Iterator[Order]:
        """All replayed orders, in arrival order."""
        n = self.plan.n_orders
        for a in range(0, n, BLOCK):
            yield from self.take(a, min(a + BLOCK, n))

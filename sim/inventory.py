"""Stock per SKU: allocation to orders, backorders, replenishment and daily snapshots.

``on_hand`` is free stock; allocating an order moves its units to ``held`` until the parcel
leaves with its carrier (or the customer takes it at a counter), when they move to
``shipped``. A cancelled allocation goes back to ``on_hand``. Replenishment is continuous
review: when a SKU's stock position (on hand + on order - backordered) falls to its reorder
point, an order up to its order-up-to level goes to the supplier and arrives after the lead
time. Returned units that pass inspection go back on hand. So at every moment, per SKU:
initial + received + returned = on_hand + held + shipped.
"""

from __future__ import annotations

import heapq
from collections import deque
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from sim.eventlog import STOCK_SCHEMA, empty_frame
from sim.units import DAY

if TYPE_CHECKING:
    from sim.demand import Order
    from sim.run_context import RunContext


class Stock:
    """The warehouse's stock of every SKU (levels in whole units)."""

    def __init__(self, model: RunContext) -> None:
        self.env = model.env
        sc = model.scenario
        inv, d = sc.inventory, sc.demand
        cat = model.catalog
        popularity = np.diff(cat.cum_popularity, prepend=0.0)
        lines = float(np.dot(np.arange(1, len(d.lines_per_order_pmf) + 1), d.lines_per_order_pmf))
        units = float(np.dot(np.arange(1, len(d.units_per_line_pmf) + 1), d.units_per_line_pmf))
        per_day = d.orders_per_day * lines * units * popularity
        self.reorder_point = np.floor(inv.reorder_point_days * per_day).astype(np.int64).tolist()
        up_to = np.ceil(inv.order_up_to_days * per_day).astype(np.int64)
        self.up_to = np.maximum(up_to, np.asarray(self.reorder_point) + 1).tolist()
        self.lead_time = inv.supplier_lead_time_days * DAY
        self.backorder = inv.oversell_policy == "backorder"
        n = len(popularity)
        self.n = n
        self.sku_of_slot = {int(s): k for k, s in enumerate(cat.slot)}
        self.initial = list(self.up_to)
        self.on_hand = list(self.up_to)
        self.held = [0] * n
        self.received = [0] * n
        self.shipped = [0] * n
        self.on_order = [0] * n
        self.short = [0] * n  # backordered units waiting for stock
        self.returned = [0] * n  # units returned by customers and put back on the shelf
        self.waiting: dict[int, deque[Order]] = {}
        self.leaving: list[tuple[float, int, list[tuple[int, int]]]] = []  # (time, seq, alloc)
        self._seq = 0
        self.on_filled = lambda order: None  # set by receiving: a backorder is complete
        self.snapshots: list[tuple] = []  # (t, on_hand, held, received, shipped, ...)

    # --- orders ---------------------------------------------------------------------------

    def lines(self, o: Order) -> dict[int, int]:
        """Units per SKU of an order."""
        need: dict[int, int] = {}
        sku_of = self.sku_of_slot
        for slot, u in zip(o.slots, o.units, strict=True):
            k = sku_of[slot]
            need[k] = need.get(k, 0) + u
        return need

    def fits(self, need: dict[int, int], level: list[int]) -> bool:
        """Whether every SKU of ``need`` has the units in ``level`` (a stock or a view)."""
        return all(level[k] >= u for k, u in need.items())

    def allocate(self, o: Order, need: dict[int, int]) -> bool:
        """Hold the order's units. All or nothing unless backordering: then hold what there
        is and queue the order for the rest. True when the order is fully allocated."""
        on_hand, held = self.on_hand, self.held
        full = self.fits(need, on_hand)
        if not full and not self.backorder:
            return False
        alloc, short = [], {}
        for k, u in need.items():
            take = min(u, on_hand[k])
            if take:
                on_hand[k] -= take
                held[k] += take
                alloc.append((k, take))
            if take < u:
                short[k] = u - take
                self.short[k] += u - take
                self.waiting.setdefault(k, deque()).append(o)
        o.alloc = alloc
        o.short = short or None
        for k in need:
            self._review(k)
        return full

    def cancel(self, o: Order) -> None:
        """Give back an order's held units (and drop its backorders)."""
        for k, u in o.alloc or ():
            self.held[k] -= u
            self.on_hand[k] += u
        for k, u in (o.short or {}).items():
            self.short[k] -= u
            self.waiting[k].remove(o)
        o.alloc = o.short = None
        for k in self._skus(o):
            self._fill(k)

    def _skus(self, o: Order) -> set[int]:
        return {self.sku_of_slot[s] for s in o.slots}

    def leaves(self, o: Order, t: float) -> None:
        """The order's units leave the building at time t (now or a later carrier pickup)."""
        if o.alloc:
            heapq.heappush(self.leaving, (t, self._seq, o.alloc))
            self._seq += 1

    def _ship_until(self, t: float) -> None:
        leaving, held, shipped = self.leaving, self.held, self.shipped
        while leaving and leaving[0][0] <= t:
            for k, u in heapq.heappop(leaving)[2]:
                held[k] -= u
                shipped[k] += u

    def restock(self, o: Order) -> None:
        """A returned order's units go back on the shelf (now)."""
        for k, u in self.lines(o).items():
            self.on_hand[k] += u
            self.returned[k] += u
            self._fill(k)

    # --- replenishment ----------------------------------------------------------------------

    def _review(self, k: int) -> None:
        position = self.on_hand[k] + self.on_order[k] - self.short[k]
        if position <= self.reorder_point[k]:
            qty = self.up_to[k] - position
            self.on_order[k] += qty
            ev = self.env.timeout(self.lead_time)
            ev.callbacks.append(lambda _ev, k=k, qty=qty: self._receive(k, qty))

    def _receive(self, k: int, qty: int) -> None:
        self.on_order[k] -= qty
        self.received[k] += qty
        self.on_hand[k] += qty
        self._fill(k)
        self._review(k)

    def _fill(self, k: int) -> None:
        """Serve the SKU's backorders first come, first served, from free stock."""
        queue = self.waiting.get(k)
        while queue and self.on_hand[k] > 0:
            o = queue[0]
            take = min(o.short[k], self.on_hand[k])
            self.on_hand[k] -= take
            self.held[k] += take
            self.short[k] -= take
            o.alloc.append((k, take))
            o.short[k] -= take
            if o.short[k]:
                break
            queue.popleft()
            del o.short[k]
            if not o.short:
                o.short = None
                self.on_filled(o)

    # --- snapshots --------------------------------------------------------------------------

    def snapshot(self, t: float) -> None:
        """Record every SKU's levels at time t (parcels leaving by t have left)."""
        self._ship_until(t)
        self.snapshots.append((t, self.on_hand[:], self.held[:], self.received[:],
                               self.shipped[:], self.on_order[:], self.short[:],
                               self.returned[:]))  # fmt: skip

    def frame(self, names) -> pl.DataFrame:
        """The ``stock`` table of the run."""
        if not self.snapshots:
            return empty_frame(STOCK_SCHEMA, names)
        n, m = self.n, len(self.snapshots)
        cols = list(zip(*self.snapshots, strict=True))
        data = {
            "t": np.repeat(np.asarray(cols[0], dtype=np.float64), n),
            "sku": np.tile(np.arange(n, dtype=np.uint32), m),
        }
        for name, values in zip(list(STOCK_SCHEMA)[2:], cols[1:], strict=True):
            data[name] = np.asarray(values, dtype=np.int64).reshape(-1)
        return pl.DataFrame(data, schema={k: v for k, v in STOCK_SCHEMA.items()})

"""Customers: the population whose orders are the demand, and why they come back or leave.

Each customer orders as a Poisson process at its own rate on a *profile clock*: the clock runs
at the demand's hour-of-day x weekday intensity (``demand.hourly_weights`` and
``weekday_multipliers``), so an active customer of rate r places r x (that hour's share) orders
per minute and the population reproduces the demand's profile. A customer's next order is
computed when it places one (from the order's ``K_GAP`` uniform): only the population's
arrival process waits, on a heap of next-order times.

New customers arrive as a Poisson process on the same clock; the population at the start is
the steady state of the base lapse probability p: with new customers at p x orders_per_day,
each staying for a geometric number of orders of mean 1/p, the population places
``demand.orders_per_day`` when nothing goes wrong, of which the customers waiting for their
next order (the population at the start) place the repeat orders, (1 - p) of them. Rates
are gamma distributed over new customers; the steady-state population over-represents slow
customers (they stay longer), so its rates are gamma with shape k - 1 (k = 1 / cv^2).

After each order the customer leaves (lapses) with ``base_lapse_prob``; a customer who would
have stayed then leaves (or pauses) with each of the order's negative encounters'
``lapse_prob`` (``customers.encounters``; times ``repeat_bad_experience_factor`` after an
earlier bad experience), decided from the order's ``K_LAPSE`` uniform when the experience is
known (delivery, or the lost sale). The lapse cause is ``base`` when the base draw alone would
have made the customer leave. A good experience brings the next order forward by
``good_experience_gap_factor``.
"""

from __future__ import annotations

import bisect
import heapq
import math
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from sim.config.customers import ENCOUNTERS
from sim.demand import K_GAP, K_LAPSE, Order, weekday_hour_weights
from sim.eventlog import CUSTOMERS_SCHEMA, LAPSE_CAUSES, LOST_CAUSES, empty_frame
from sim.streams import Stream, generator
from sim.units import DAY, HOUR

if TYPE_CHECKING:
    from sim.run_context import RunContext

YEAR_DAYS = 365.0
INF = math.inf
#: Negative encounter of a lost sale, by lost cause (a stock-out is no order: no encounter).
LOST_ENCOUNTER = {
    LOST_CAUSES.index("oversold"): "oversold",
    LOST_CAUSES.index("payment_declined"): "payment_failure",
    LOST_CAUSES.index("fraud_rejected"): "payment_failure",
    LOST_CAUSES.index("missed"): "missed_order",
}
GOOD_ACTIONS = {1, 2}  # SPECIAL_ACTIONS: bonus_gift, handwritten_note


def negative_encounters(o: Order) -> list[str]:
    """The negative encounters of an order that leaves the model (delivered or lost)."""
    if o.lost_cause:
        what = LOST_ENCOUNTER.get(o.lost_cause)
        return [] if what is None else [what]
    if o.in_store or o.delivered_at != o.delivered_at:
        return []
    out = []
    if o.delivered_at > o.promised_at:
        out.append("late")
    if o.damaged:
        out.append("damaged")
    if o.pick_errors > o.errors_caught:
        out.append("wrong_item")
    return out


class Customer:
    """One customer while the run lasts."""

    __slots__ = ("id", "rate", "next_t", "n_orders", "revenue", "joined_at", "initial",
                 "lapsed_at", "lapse_cause", "n_bad")  # fmt: skip

    def __init__(self, cid: int, rate: float, joined_at: float, initial: bool) -> None:
        self.id = cid
        self.rate = rate  # orders per minute of the profile clock
        self.next_t = INF
        self.n_orders = 0
        self.revenue = 0.0
        self.joined_at = joined_at
        self.initial = initial
        self.lapsed_at = INF
        self.lapse_cause = 0  # index into LAPSE_CAUSES
        self.n_bad = 0  # bad experiences so far (orders or refunds with a negative encounter)


class ProfileClock:
    """The demand's intensity as a clock: ``at(t)`` is the intensity integrated from the start
    (minutes at mean intensity 1), ``when(c)`` its inverse (minute resolution, linear inside)."""

    def __init__(self, model: RunContext) -> None:
        cal = model.cal
        w, mult = weekday_hour_weights(model.scenario)
        n = int(math.ceil(cal.end)) + 2
        clock = np.arange(n) + cal.start_minute_of_day
        day = (clock // DAY).astype(np.int64)
        hour = ((clock % DAY) // HOUR).astype(np.int64)
        wd = (day + cal.start.weekday()) % 7
        per_minute = mult[wd] * w[wd, hour] / w.sum(axis=1)[wd] * 24.0
        self.cum = np.concatenate([[0.0], np.cumsum(per_minute)]).tolist()
        self.end = float(n)

    def at(self, t: float) -> float:
        """Profile-clock reading at time t."""
        cum = self.cum
        m = min(int(t), len(cum) - 2)
        return cum[m] + (t - m) * (cum[m + 1] - cum[m])

    def when(self, c: float) -> float:
        """The time the profile clock reads c (infinity after the run)."""
        cum = self.cum
        if c > cum[-1]:
            return INF
        m = max(bisect.bisect_left(cum, c) - 1, 0)
        step = cum[m + 1] - cum[m]
        return m + ((c - cum[m]) / step if step > 0 else 1.0)


class Population:
    """The customers, their next orders, and the orders' effect on them."""

    def __init__(self, model: RunContext) -> None:
        self.model = model
        sc = model.scenario
        cfg = sc.customers
        self.cfg = cfg
        self.clock = ProfileClock(model)
        rng = generator(model.seed, model.replication, Stream.CUSTOMERS)
        self.rng = rng
        k = 1.0 / cfg.purchase_rate_cv**2
        self.shape = k
        self.scale = cfg.mean_orders_per_year / k / (YEAR_DAYS * DAY)  # per profile-minute
        p = cfg.base_lapse_prob
        per_min = sc.demand.orders_per_day / DAY
        self.customers: list[Customer] = []
        self.heap: list[tuple[float, int]] = []
        arrivals_end = model.cal.arrivals_end
        # the steady-state population at the start (only those who order in the run)
        # waiting for their next order, they place the repeat orders: (1 - p) of the total
        n0 = int(rng.poisson(per_min * (1 - p) / ((k - 1.0) * self.scale))) if p > 0 else 0
        rates = rng.gamma(k - 1.0, self.scale, n0)
        first = rng.standard_exponential(n0) / rates
        ordering = first < self.clock.at(arrivals_end)  # the others never order in the run
        for r, c in zip(rates[ordering].tolist(), first[ordering].tolist(), strict=True):
            self._add(r, 0.0, True, self.clock.when(c))
        self.silent_rates = rates[~ordering]  # customers all the same, who order later
        # new customers: a Poisson process of rate p x orders per profile-minute
        self.new_rate = p * per_min
        self.lapse = {e: cfg.encounters[e] for e in ENCOUNTERS}
        self.repeat_factor = cfg.repeat_bad_experience_factor
        self.good_factor = cfg.good_experience_gap_factor
        self.follow_up = sc.notifications.follow_up_days > 0
        self.pause = cfg.pause_days * DAY
        self.end = model.cal.end
        self.reviews = model.reviews
        self.elasticity = sc.reviews.new_customer_rating_exponent
        self.rating_reference = sc.reviews.reference_rating_stars
        self._next_new = self._new_customer_time(0.0)
        self.wake = None  # the arrival process's wait, when it waits
        self.waiting_until = INF

    def _add(self, rate: float, joined_at: float, initial: bool, first_t: float) -> Customer:
        c = Customer(len(self.customers), rate, joined_at, initial)
        self.customers.append(c)
        c.next_t = first_t
        heapq.heappush(self.heap, (first_t, c.id))
        return c

    def _new_customer_time(self, after: float) -> float:
        rate = self.new_rate
        if self.elasticity and self.reviews is not None:
            mean = self.reviews.mean_rating(after)
            if mean is not None:  # shoppers read the reviews
                rate *= (mean / self.rating_reference) ** self.elasticity
        if rate <= 0:
            return INF
        c = self.clock.at(after) + self.rng.standard_exponential() / rate
        return self.clock.when(c)

    # --- the arrival process -------------------------------------------------------------

    def next_order(self) -> tuple[float, Customer | None]:
        """The next order: its time and customer (None: a new customer's first order)."""
        heap, customers = self.heap, self.customers
        while heap:
            t, cid = heap[0]
            c = customers[cid]
            if t != c.next_t or c.lapsed_at <= t:
                heapq.heappop(heap)  # moved, or the customer has left
                continue
            break
        else:
            t = INF
        if self._next_new <= t:
            return self._next_new, None
        return t, customers[heap[0][1]]

    def place(self, o: Order, c: Customer | None, t: float) -> None:
        """Attach the order placed at t to its customer and compute the customer's next one."""
        if c is None:
            rate = float(self.rng.gamma(self.shape, self.scale))
            c = self._add(rate, t, False, INF)
            self._next_new = self._new_customer_time(t)
        o.customer = c
        c.n_orders += 1
        gap = -math.log1p(-o.u[K_GAP]) / c.rate
        self._move(c, self.clock.when(self.clock.at(t) + gap))

    def _move(self, c: Customer, t: float) -> None:
        c.next_t = t
        if t < self.model.cal.arrivals_end:
            heapq.heappush(self.heap, (t, c.id))
            if t < self.waiting_until and self.wake is not None and not self.wake.triggered:
                self.wake.succeed()  # an order now comes before the one awaited

    # --- what an order did to its customer ------------------------------------------------

    def experienced(self, o: Order) -> None:
        """The order leaves the model: decide what its experience does to the customer."""
        c: Customer | None = o.customer
        if c is None or o.duplicate_of != 0xFFFFFFFF:
            return
        if o.lost_cause:
            if o.lost_cause not in LOST_ENCOUNTER:
                return  # a stock-out: the shopper did not order
            t = o.lost_at
        else:
            t = o.paid_at if o.in_store else o.delivered_at
            if t != t:
                return  # not delivered by the end of the run
            if t <= self.end:  # fulfilled within the run
                c.revenue += o.value
        encounters = negative_encounters(o)
        keep = self._react(c, encounters, t, o.u[K_LAPSE], self.cfg.base_lapse_prob)
        if (
            keep
            and not encounters
            and (o.special_action in GOOD_ACTIONS or self.follow_up)
            and t < c.next_t < INF
        ):  # a good experience: the next order comes sooner
            self._move(c, t + (c.next_t - t) * self.good_factor)

    def encounter(self, o: Order, kind: str, t: float, u: float) -> None:
        """A negative encounter after the order left the model (a slow refund): the customer
        may lapse or pause, decided from the uniform u."""
        c: Customer | None = o.customer
        if c is not None:
            self._react(c, [kind], t, u, 0.0)

    def _react(self, c: Customer, encounters: list[str], t: float, u: float, base: float) -> bool:
        """Lapse (with probability ``base``, then the encounters') or pause after encounters at
        time t (u decides); True if nothing happened."""
        keep, pause = 1.0 - base, 0.0
        if encounters:
            factor = self.repeat_factor if c.n_bad else 1.0
            for e in encounters:
                keep *= 1.0 - min(1.0, self.lapse[e].lapse_prob * factor)
                pause = max(pause, self.lapse[e].pause_prob)
            c.n_bad += 1
        if u < 1.0 - keep:
            if t < c.lapsed_at:
                c.lapsed_at = t
                cause = encounters[0] if encounters and u >= base else "base"
                c.lapse_cause = LAPSE_CAUSES.index(cause)
            return False
        if u < 1.0 - keep + keep * pause:
            if c.next_t < t + self.pause:
                self._move(c, t + self.pause)
            return False
        return True

    # --- the customers table --------------------------------------------------------------

    def frame(self, names, end: float) -> pl.DataFrame:
        """The ``customers`` table: every customer of the run, those at the start who did
        not order in it included (their exposure counts in the purchase frequency)."""
        rows = [c for c in self.customers if c.n_orders]
        if not rows and not len(self.silent_rates):
            return empty_frame(CUSTOMERS_SCHEMA, names)
        year = YEAR_DAYS * DAY
        lapsed = [c.lapsed_at if c.lapsed_at <= end else None for c in rows]
        n = len(self.silent_rates)
        silent = pl.DataFrame(
            {
                "customer_id": np.arange(len(self.customers), len(self.customers) + n),
                "initial": np.ones(n, dtype=bool),
                "joined_at": pl.Series([None] * n, dtype=pl.Float64),
                "rate_per_year": self.silent_rates * year,
                "n_orders": np.zeros(n, dtype=np.uint32),
                "revenue": np.zeros(n),
                "lapsed_at": pl.Series([None] * n, dtype=pl.Float64),
                "lapse_cause": pl.Series(["none"] * n, dtype=pl.Enum(LAPSE_CAUSES)),
            },
            schema=CUSTOMERS_SCHEMA,
        )
        ordered = pl.DataFrame(
            {
                "customer_id": [c.id for c in rows],
                "initial": [c.initial for c in rows],
                "joined_at": [None if c.initial else c.joined_at for c in rows],
                "rate_per_year": [c.rate * year for c in rows],
                "n_orders": [c.n_orders for c in rows],
                "revenue": [c.revenue for c in rows],
                "lapsed_at": lapsed,
                "lapse_cause": [
                    LAPSE_CAUSES[c.lapse_cause] if t is not None else "none"
                    for c, t in zip(rows, lapsed, strict=True)
                ],
            },
            schema=CUSTOMERS_SCHEMA,
        )
        return pl.concat([ordered, silent])

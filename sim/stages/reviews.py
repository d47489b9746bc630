"""Reviews: whether a customer writes one, and its stars.

Decided when a delivered order leaves the model, from its after-sales uniforms (``A_WRITE``,
``A_STARS``, ``A_REPLY``): a review request (``notifications.review_request_days``) raises the
chance of a review; an order with a negative encounter draws its stars from the negative
distribution, unless the customer, asked to reply to support first, did so. The review is
written when the request goes out (or a week after delivery when nobody asks). The running
mean rating can drive the arrival of new customers (``new_customer_rating_exponent``).
"""

from __future__ import annotations

import bisect
import heapq
from typing import TYPE_CHECKING

import polars as pl

from sim.customers import negative_encounters
from sim.demand import Order
from sim.eventlog import NULL_INT, REVIEWS_SCHEMA, empty_frame
from sim.streams import cumulative
from sim.units import DAY

if TYPE_CHECKING:
    from sim.run_context import RunContext

A_WRITE, A_STARS, A_REPLY = 8, 9, 10  # positions in Order.after_u
UNASKED_DELAY_DAYS = 7.0


class Reviews:
    """Writes the reviews of delivered orders and keeps the running mean rating."""

    def __init__(self, model: RunContext) -> None:
        self.model = model
        cfg = model.scenario.reviews
        self.cfg = cfg
        self.request = model.scenario.notifications.review_request_days * DAY
        self.p = cfg.review_prob_requested if self.request > 0 else cfg.review_prob
        self.delay = self.request if self.request > 0 else UNASKED_DELAY_DAYS * DAY
        self.good, self.bad = cumulative(cfg.stars_good_pmf), cumulative(cfg.stars_negative_pmf)
        self.replied = cumulative(cfg.stars_replied_pmf)
        self.rows: list[tuple] = []
        self.pending: list[tuple[float, int]] = []  # (written at, stars) not yet counted
        self.stars_sum, self.n = 0.0, 0

    def after(self, o: Order) -> None:
        """A delivered order leaves the model: its review, if the customer writes one."""
        if o.after_u is None or o.in_store or o.duplicate_of != NULL_INT:
            return
        t = o.delivered_at
        u = o.after_u
        if t != t or u[A_WRITE] >= self.p:
            return
        negative = bool(negative_encounters(o))
        replied = negative and self.request > 0 and u[A_REPLY] < self.cfg.reply_first_prob
        cum = self.replied if replied else self.bad if negative else self.good
        stars = bisect.bisect_right(cum, u[A_STARS]) + 1
        customer = o.id if o.customer is None else o.customer.id
        when = t + self.delay
        self.rows.append((o.id, customer, when, stars, self.request > 0, replied, negative))
        heapq.heappush(self.pending, (when, stars))

    def mean_rating(self, now: float) -> float | None:
        """Mean stars of the reviews written by now (None before the first)."""
        pending = self.pending
        while pending and pending[0][0] <= now:
            self.stars_sum += heapq.heappop(pending)[1]
            self.n += 1
        return self.stars_sum / self.n if self.n else None

    def frame(self, names, end: float) -> pl.DataFrame:
        """The ``reviews`` table: reviews written by the end of the run."""
        rows = [r for r in self.rows if r[2] <= end]
        if not rows:
            return empty_frame(REVIEWS_SCHEMA, names)
        return pl.DataFrame(rows, schema=REVIEWS_SCHEMA, orient="row")

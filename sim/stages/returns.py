"""Returns and refunds: requests, the policy, prevention, the way back, inspection, refund.

When a delivered order leaves the model, whether and why it will be returned is decided from
its after-sales uniforms (``Order.after_u``: one per reason, then the request delay, the
prevention, the dispute and the chargeback): the first reason that applies and draws below its
probability (wrong item, damaged, late, not as described, changed mind, size/fit, defective).
The request comes some days after delivery. Outside the window the policy refuses it (a
dispute may follow) or accepts it from repeat customers; support prevents a share of damaged,
defective and not-as-described returns. A returned parcel arrives after the return transit
(an event), is inspected by a returns clerk (a station; restocked unless damaged or
defective) and refunded by a support agent (a station). A refund later than the deadline
risks a chargeback, and is a negative encounter for the customer. Independently of any
return, a delivered order may bring a fraud chargeback (a stolen card) or an
item-not-received chargeback (likelier when late), logged in ``events``
``chargeback_delay_days`` after delivery.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

import polars as pl

from sim.config.customers import ENCOUNTERS
from sim.customers import negative_encounters
from sim.demand import Order, OrderTask
from sim.eventlog import (
    EVENTS,
    NULL_INT,
    OUTCOMES,
    RETURN_OUTCOMES,
    RETURN_REASONS,
    RETURNS_SCHEMA,
    STEPS,
    empty_frame,
)
from sim.stations import Job, Station
from sim.streams import cumulative
from sim.units import DAY

if TYPE_CHECKING:
    from sim.run_context import RunContext

INSPECT, REFUND = STEPS.index("inspect"), STEPS.index("refund")
OK = OUTCOMES.index("ok")
PREVENTED, REFUSED, RETURNED = (RETURN_OUTCOMES.index(o) for o in RETURN_OUTCOMES)
#: Positions in ``Order.after_u`` (8..10 are the review's: sim.stages.reviews).
A_DELAY, A_PREVENT, A_DISPUTE, A_CHARGEBACK, A_SLOW_LAPSE = 5, 6, 7, 11, 12
A_FRAUD, A_NOT_RECEIVED = 15, 16
#: Position of each reason's uniform, by index into RETURN_REASONS.
A_REASONS = (0, 1, 2, 3, 4, 13, 14)
PREVENTABLE = {RETURN_REASONS.index(r) for r in ("damaged", "not_as_described", "defective")}
NOT_RESTOCKED = {RETURN_REASONS.index("damaged"), RETURN_REASONS.index("defective")}
FRAUD, NOT_RECEIVED = EVENTS.index("chargeback_fraud"), EVENTS.index("chargeback_not_received")


class Return(OrderTask):
    """One return request, through its life."""

    __slots__ = ("reason", "requested_at", "late", "outcome", "arrived_at", "inspected_at",
                 "restocked", "refunded_at", "label_cost", "chargeback", "fee")  # fmt: skip

    def __init__(self, o: Order, reason: int, requested_at: float, late: bool) -> None:
        super().__init__(o, requested_at)
        self.reason = reason
        self.requested_at = requested_at
        self.late = late
        self.outcome = RETURNED
        self.arrived_at = self.inspected_at = self.refunded_at = float("nan")
        self.restocked = self.chargeback = False
        self.label_cost = self.fee = 0.0


class Returns:
    """Decides the returns of delivered orders and runs their inspection and refund."""

    def __init__(self, model: RunContext) -> None:
        self.model = model
        cfg = model.scenario.returns
        self.cfg = cfg
        self.p = [cfg.prob_by_reason.get(r, 0.0) for r in RETURN_REASONS]
        self.delay_rows = cfg.request_delay_days
        self.delay_cum = cumulative(share for _, _, share in self.delay_rows)
        self.window = cfg.window_days * DAY
        self.transit = cfg.return_transit_days * DAY
        self.deadline = cfg.refund_deadline_days * DAY
        self.prevent = cfg.prevent_share_trained if cfg.agents_trained else cfg.prevent_share
        self.dispute = cfg.dispute_prob_clear if cfg.policy_clear else cfg.dispute_prob_unclear
        self.label = cfg.return_label_cost if cfg.return_shipping_paid_by == "merchant" else 0.0
        self.all: list[Return] = []
        self.chargeback_delay = cfg.chargeback_delay_days * DAY
        env = model.env
        self.res_inspect = model.resource_code("returns_clerks")
        self.res_refund = model.resource_code("support")
        self.inspect = Station(
            env, "returns_clerks", model.periods("returns_clerks"),
            lambda job, w: cfg.inspection_time_min, self._inspected,
            unfinished=model.unfinished_order(INSPECT, self.res_inspect),
        )  # fmt: skip
        self.refund = Station(
            env, "support", model.periods("support"),
            lambda job, w: cfg.refund_time_min, self._refunded,
            unfinished=model.unfinished_order(REFUND, self.res_refund),
        )  # fmt: skip
        self.stations = [self.inspect, self.refund]

    def reason(self, o: Order) -> int | None:
        """Why the delivered order will be returned (index into RETURN_REASONS), or None."""
        u = o.after_u
        encounters = negative_encounters(o)  # wrong_item, damaged, late happened or not
        for r, p in enumerate(self.p):
            reason = RETURN_REASONS[r]
            if (reason in encounters or reason not in ENCOUNTERS) and u[A_REASONS[r]] < p:
                return r
        return None

    def disputes(self, o: Order, t: float) -> None:
        """Fraud and item-not-received chargebacks of an order delivered at t (events)."""
        u, cfg = o.after_u, self.cfg
        rows = []
        when = t + self.chargeback_delay
        if u[A_FRAUD] < cfg.fraud_chargeback_prob:
            rows.append((o.id, FRAUD, when))
        late = t > o.promised_at
        p = cfg.not_received_chargeback_prob_late if late else cfg.not_received_chargeback_prob
        if u[A_NOT_RECEIVED] < p:
            rows.append((o.id, NOT_RECEIVED, when))
        if rows:
            self.model.events_t.add_rows(rows)

    def after(self, o: Order) -> None:
        """A delivered order leaves the model: its return, if any, is set on its way."""
        if o.after_u is None or o.in_store or o.duplicate_of != NULL_INT:
            return
        t = o.delivered_at
        if t != t:
            return
        self.disputes(o, t)
        r = self.reason(o)
        if r is None:
            return
        u = o.after_u
        i = bisect.bisect_right(self.delay_cum, u[A_DELAY])
        lo, hi, share = self.delay_rows[i]
        start = self.delay_cum[i - 1] if i else 0.0
        frac = (u[A_DELAY] - start) / share if share > 0 else 0.0
        requested = t + (lo + (hi - lo) * min(max(frac, 0.0), 1.0)) * DAY
        late = requested - t > self.window
        ret = Return(o, r, requested, late)
        self.all.append(ret)
        policy = self.cfg.late_returns
        c = o.customer  # a repeat customer: there before the run, or a second order already
        repeat = c is not None and (c.initial or c.n_orders > 1)
        if late and not (policy == "accept" or (policy == "accept_repeat" and repeat)):
            ret.outcome = REFUSED
            if u[A_DISPUTE] < self.dispute:
                ret.chargeback, ret.fee = True, self.cfg.chargeback_cost
            return
        if r in PREVENTABLE and u[A_PREVENT] < self.prevent:
            ret.outcome = PREVENTED
            return
        ret.label_cost = self.label
        arrive = requested + self.transit
        if arrive <= self.model.cal.end:
            ev = self.model.env.timeout(arrive - self.model.env.now)
            ev.callbacks.append(lambda _ev: self._arrived(ret))

    def _arrived(self, ret: Return) -> None:
        ret.arrived_at = ret.t_ready = self.model.env.now
        self.inspect.push(ret, 1)

    def _inspected(self, job: Job, worker: int, t0: float, t1: float) -> None:
        ret: Return = job[0]
        m = self.model
        m.log_step(ret.id, INSPECT, 1, self.res_inspect, worker, NULL_INT, ret.n_lines,
                   ret.t_ready, t0, t1, OK)  # fmt: skip
        ret.inspected_at = ret.t_ready = t1
        ret.restocked = ret.reason not in NOT_RESTOCKED
        if ret.restocked and m.stock is not None:
            m.stock.restock(ret.order)
        self.refund.push(ret, 1)

    def _refunded(self, job: Job, worker: int, t0: float, t1: float) -> None:
        ret: Return = job[0]
        m = self.model
        m.log_step(ret.id, REFUND, 1, self.res_refund, worker, NULL_INT, ret.n_lines,
                   ret.t_ready, t0, t1, OK)  # fmt: skip
        ret.refunded_at = t1
        if t1 - ret.arrived_at > self.deadline:
            u = ret.order.after_u
            if u[A_CHARGEBACK] < self.cfg.chargeback_prob:
                ret.chargeback, ret.fee = True, self.cfg.chargeback_cost
            if m.population is not None:
                m.population.encounter(ret.order, "slow_refund", t1, u[A_SLOW_LAPSE])

    def frame(self, names, end: float) -> pl.DataFrame:
        """The ``returns`` table (times after the end of the run are null)."""
        rows = [r for r in self.all if r.requested_at <= end]
        if not rows:
            return empty_frame(RETURNS_SCHEMA, names)

        def cut(t: float) -> float | None:
            return t if t <= end else None  # NaN compares False: null too

        return pl.DataFrame(
            {
                "order_id": [r.order.id for r in rows],
                "customer_id": [
                    r.order.id if r.order.customer is None else r.order.customer.id for r in rows
                ],
                "reason": [RETURN_REASONS[r.reason] for r in rows],
                "requested_at": [r.requested_at for r in rows],
                "late_request": [r.late for r in rows],
                "outcome": [RETURN_OUTCOMES[r.outcome] for r in rows],
                "arrived_at": [cut(r.arrived_at) for r in rows],
                "inspected_at": [cut(r.inspected_at) for r in rows],
                "restocked": [r.restocked for r in rows],
                "refunded_at": [cut(r.refunded_at) for r in rows],
                "refund": [r.order.value if r.refunded_at <= end else 0.0 for r in rows],
                "return_shipping_cost": [r.label_cost for r in rows],
                "chargeback": [r.chargeback for r in rows],
                "chargeback_fee": [r.fee for r in rows],
            },
            schema=RETURNS_SCHEMA,
        )

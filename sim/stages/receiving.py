"""Receiving orders: sales channels, consolidation into the back office, payment, stock.

An order placed on a channel is released to the warehouse once the back office has it, it is
paid (when ``gate_fulfilment_on_payment``) and its stock is allocated. Each condition is a
bit of ``Order.hold``; the order is released when the last one clears.

* **Channels.** An integrated channel's order reaches the back office after
  ``order_delay_min``; its stock view is refreshed every ``stock_sync_min``. A manual
  channel's orders wait in the channel until the next export session (every
  ``rekey_every_h`` from the start of each order_entry shift), are then keyed one by one by
  order-entry staff (a station), and are sometimes missed or keyed twice; its stock view is
  refreshed at each session. A channel sells against its view: a shopper who sees an item
  out of stock does not order (``stock_out``). A point of sale sells from the shelf at once.
* **Payment** outcomes are computed (``sim.stages.payment``); a share of approved payments
  waits for fraud review by payment_review staff (a station). With the gate on, a declined
  or rejected order is cancelled; with the gate off it goes on and may ship unpaid. A manual
  channel's orders are exported only once paid when the gate is on (a marketplace hands
  sellers paid orders).
* **Stock** (``sim.inventory``) is allocated when the back office receives the order: if it
  is short the order is oversold and cancelled or backordered, by policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.calendar import merge_intervals
from sim.demand import Order, OrderTask
from sim.eventlog import EVENTS, LOST_CAUSES, NULL_INT, OUTCOMES, STEPS
from sim.inventory import Stock
from sim.stages.payment import DUPLICATE, FRAUD, FRAUD_REJECT, MISSED, CardReader, Processor
from sim.stations import Job, Station
from sim.units import HOUR, seconds

if TYPE_CHECKING:
    from sim.run_context import RunContext

RECEIVED, PAID, STOCKED = 1, 2, 4
REKEY, FRAUD_REVIEW = STEPS.index("rekey"), STEPS.index("fraud_review")
OK = OUTCOMES.index("ok")
STOCK_OUT, OVERSOLD, DECLINED, REJECTED, MISSED_CAUSE = (
    LOST_CAUSES.index(c)
    for c in ("stock_out", "oversold", "payment_declined", "fraud_rejected", "missed")
)
CANCELLATION, BACKORDER_NOTICE, SALE_LOST = (
    EVENTS.index(e) for e in ("cancellation_sent", "backorder_notice_sent", "sale_lost")
)
#: Order ids of duplicates keyed by mistake start here (customer orders count from 0).
DUPLICATE_IDS = 2**31


def lost(o: Order) -> bool:
    """Whether the order's sale is already lost."""
    return o.lost_at == o.lost_at  # not NaN


class Review(OrderTask):
    """A payment waiting for (or in) fraud review: its own record, so the order can go on
    through the warehouse meanwhile when fulfilment does not wait for payment."""

    __slots__ = ("time",)

    def __init__(self, o: Order, t_ready: float, time: float) -> None:
        super().__init__(o, t_ready)
        self.time = time


class Channel:
    """What the model needs of one sales channel while it runs."""

    def __init__(self, index: int, cfg, processor: Processor | None) -> None:
        self.index = index
        self.name = cfg.name
        self.pos = cfg.point_of_sale
        self.manual = cfg.manual
        self.delay = cfg.order_delay_min
        self.sync = cfg.stock_sync_min
        self.every = cfg.rekey_every_h * HOUR
        self.rekey_time = seconds(cfg.rekey_time_per_order_s)
        self.missed = cfg.missed_prob
        self.duplicate = cfg.duplicate_prob
        self.processor = processor
        self.reader = CardReader(cfg) if self.pos else None
        self.view: list[int] | None = None  # the stock levels this channel last heard of
        self.outbox: list[Order] = []  # a manual channel's orders not exported yet


class Receiving:
    """Channels, back-office consolidation, payment and stock, up to the release."""

    def __init__(self, model: RunContext, stock: Stock | None) -> None:
        self.model = model
        self.env = env = model.env
        sc = model.scenario
        self.gate = sc.payment.gate_fulfilment_on_payment
        proc_of = {}
        for p in sc.payment.processors:
            proc = Processor(p, model.cal)
            for name in p.channels:
                proc_of[name] = proc
        self.channels = [
            Channel(i, c, proc_of.get(c.name)) for i, c in enumerate(sc.demand.channels)
        ]
        self.stock = stock
        if stock is not None:
            stock.on_filled = lambda o: self._clear(o, STOCKED)
        self.stations: list[Station] = []
        self._next_duplicate = DUPLICATE_IDS
        chans = self.channels
        #: whether orders need their payment uniforms (``Order.pay_u``)
        self.needs_uniforms = any(c.processor or c.manual or c.pos for c in chans)
        #: nothing to do: every order goes straight to the warehouse
        self.trivial = (
            stock is None and not self.needs_uniforms and all(c.delay == 0 for c in chans)
        )
        if stock is not None:
            for c in chans:
                if not c.pos:
                    c.view = stock.on_hand[:]
                    if not c.manual:
                        env.process(self._push_stock(c))
        if any(c.manual for c in chans):
            self._add_order_entry(model)
        reviewed = [p for p in sc.payment.processors if p.fraud_review_share > 0]
        if reviewed:
            res = model.resource_code("payment_review")
            self.review = Station(
                env, "payment_review", model.periods("payment_review"),
                lambda job, w: job[0].time, self._reviewed,
                unfinished=model.unfinished_order(FRAUD_REVIEW, res),
            )  # fmt: skip
            self.res_review = res
            self.stations.append(self.review)

    def _add_order_entry(self, model: RunContext) -> None:
        res = model.resource_code("order_entry")
        periods = model.periods("order_entry")
        self.res_entry = res
        self.entry = Station(
            self.env, "order_entry", periods,
            lambda job, w: self.channels[job[0].channel].rekey_time, self._keyed,
            unfinished=model.unfinished_order(REKEY, res),
        )  # fmt: skip
        self.stations.append(self.entry)
        # sessions run every few hours from the start of each shift (breaks do not reset it)
        shifts = [
            s for s in model.scenario.staffing.shifts if s.role == "order_entry" and s.headcount
        ]
        staffed = merge_intervals(span for s in shifts for span in model.cal.shift_spans(s))
        for c in self.channels:
            if c.manual:
                times = []
                for a, b in staffed:
                    t = a
                    while t < b:
                        times.append(t)
                        t += c.every
                self.env.process(self._sessions(c, times))

    # --- placing an order ---------------------------------------------------------------

    def place(self, o: Order) -> None:
        """An order placed on its channel, now."""
        now = self.env.now
        c = self.channels[o.channel]
        if c.pos:
            self._in_store(o, c)
            return
        m = self.model
        m.shipping.plan(o)
        stock = self.stock
        if stock is not None:
            need = o.need = stock.lines(o)
            view = c.view
            if not stock.fits(need, view):
                self._lose(o, STOCK_OUT, now, tell=False)
                return
            for k, u in need.items():
                view[k] -= u
        p = c.processor
        o.hold = RECEIVED | (STOCKED if stock is not None else 0)
        if p is None:
            o.paid_at = now
        else:
            ok, t, o.payment_attempts = p.authorise(now, o.pay_u)
            review = ok and o.pay_u[FRAUD] < p.fraud_share
            if self.gate:
                # settled before the back office can have the order (an integrated channel's
                # delay): nothing can happen to it meanwhile, so no event is needed
                before = not c.manual and t <= now + c.delay
                if not ok:
                    if before:
                        self._lose(o, DECLINED, t, tell=True)
                        return
                    o.hold |= PAID
                    self._at(t, self._declined, o)
                elif review:
                    o.hold |= PAID
                    self._at(t, self._to_review, o)
                elif before:
                    o.paid_at = t
                else:
                    o.hold |= PAID
                    self._at(t, self._paid, o)
            else:
                # fulfilment does not wait: the outcome is only recorded (reviewers still work)
                if ok and not (review and o.pay_u[FRAUD_REJECT] < p.fraud_reject):
                    o.paid_at = t
                if review:
                    self._at(t, self._to_review, o)
        if c.manual:
            c.outbox.append(o)
        elif c.delay > 0:
            self._at(now + c.delay, self._received, o)
        else:
            self._received(o)

    def _at(self, t: float, fn, o: Order) -> None:
        """Call fn(o) at time t (now if t is not in the future)."""
        now = self.env.now
        if t <= now:
            fn(o)
        else:
            self.env.timeout(t - now).callbacks.append(lambda _ev: fn(o))

    def _in_store(self, o: Order, c: Channel) -> None:
        """A sale at the counter: from the shelf, paid by card reader, taken away."""
        now = self.env.now
        o.in_store = True
        stock = self.stock
        need = None
        if stock is not None:
            need = stock.lines(o)
            if not stock.fits(need, stock.on_hand):
                self._lose(o, STOCK_OUT, now, tell=False)
                return
        ok, t, o.payment_attempts = c.reader.authorise(now, o.pay_u)
        if not ok:
            self._lose(o, DECLINED, t, tell=False)
            return
        o.paid_at = o.received_at = t
        if stock is not None:
            stock.allocate(o, need)
            stock.leaves(o, t)
        self.model.retire(o)

    # --- conditions of the release -----------------------------------------------------

    def _clear(self, o: Order, bit: int) -> None:
        if o.hold & bit and not lost(o):
            o.hold &= ~bit
            if not o.hold:
                self.model.release(o)

    def _paid(self, o: Order) -> None:
        if not lost(o):
            o.paid_at = self.env.now
            self._clear(o, PAID)

    def _declined(self, o: Order) -> None:
        if not lost(o):
            self._lose(o, DECLINED, self.env.now, tell=True)

    def _to_review(self, o: Order) -> None:
        if not lost(o):
            p = self.channels[o.channel].processor
            self.review.push(Review(o, self.env.now, p.fraud_time), 0 if o.priority else 1)

    def _reviewed(self, job: Job, worker: int, t0: float, t1: float) -> None:
        r: Review = job[0]
        o = r.order
        self.model.log_step(o.id, FRAUD_REVIEW, 1, self.res_review, worker, NULL_INT, o.n_lines,
                            r.t_ready, t0, t1, OK)  # fmt: skip
        if not self.gate:
            return
        if o.pay_u[FRAUD_REJECT] >= self.channels[o.channel].processor.fraud_reject:
            self._paid(o)
        elif not lost(o):
            self._lose(o, REJECTED, t1, tell=True)

    def _received(self, o: Order) -> None:
        """The back office has the order: allocate its stock."""
        if lost(o):
            return
        now = self.env.now
        o.received_at = now
        stock = self.stock
        if stock is not None:
            if stock.allocate(o, o.need):
                o.hold &= ~STOCKED
            else:
                o.oversold = True
                if not stock.backorder:
                    self._lose(o, OVERSOLD, now, tell=True)
                    return
                o.backordered = True
                self.model.log_event(o.id, BACKORDER_NOTICE, now)
        self._clear(o, RECEIVED)

    def _lose(self, o: Order, cause: int, t: float, *, tell: bool) -> None:
        """The sale is lost at time t (now, or when a payment computed now will fail)."""
        o.lost_at = t
        m = self.model
        if self.stock is not None and (o.alloc or o.short):
            self.stock.cancel(o)
        if t <= m.cal.end:  # else the run ends before: the order is still waiting then
            o.lost_cause = cause
            m.log_events(o.id, (SALE_LOST, CANCELLATION) if tell else (SALE_LOST,), t)
        m.retire(o)

    # --- integration ---------------------------------------------------------------------

    def _push_stock(self, c: Channel):
        """An integrated channel hears the free stock every ``stock_sync_min`` minutes."""
        stock = self.stock
        while True:
            yield self.env.timeout(c.sync)
            c.view = stock.on_hand[:]

    def _sessions(self, c: Channel, times: list[float]):
        """A manual channel's export-and-re-key sessions."""
        env = self.env
        for t in times:
            if t > env.now:
                yield env.timeout(t - env.now)
            self._export(c)

    def _export(self, c: Channel) -> None:
        now = self.env.now
        if self.stock is not None:
            c.view = self.stock.on_hand[:]
        keep = []
        for o in c.outbox:
            if lost(o):
                continue
            if self.gate and o.hold & PAID:
                keep.append(o)  # not paid yet: exported at a later session
            elif o.pay_u[MISSED] < c.missed:
                self._lose(o, MISSED_CAUSE, now, tell=False)
            else:
                o.t_ready = now
                self.entry.push(o, 0 if o.priority else 1)
        c.outbox = keep

    def _keyed(self, job: Job, worker: int, t0: float, t1: float) -> None:
        o: Order = job[0]
        m = self.model
        m.log_step(o.id, REKEY, 1, self.res_entry, worker, NULL_INT, o.n_lines, o.t_ready,
                   t0, t1, OK)  # fmt: skip
        twin = None
        if o.pay_u[DUPLICATE] < self.channels[o.channel].duplicate and not lost(o):
            twin = self._duplicate(o)
        self._received(o)
        if twin is not None:
            self._received(twin)

    def _duplicate(self, o: Order) -> Order:
        """The same order keyed a second time: a new order in the back office, flagged."""
        d = Order()
        d.id = self._next_duplicate
        self._next_duplicate += 1
        d.duplicate_of = o.id
        for name in (
            "channel", "service", "priority", "n_lines", "n_units", "value", "placed_at",
            "promised_at", "slots", "units", "err_u", "volume_l", "weight_kg", "fragility",
            "fragile", "u", "pay_u", "paid_at", "need",
        ):  # fmt: skip
            setattr(d, name, getattr(o, name))
        d.hold = RECEIVED | (STOCKED if self.stock is not None else 0)
        self.model.live[d.id] = d
        self.model.shipping.plan(d)
        return d

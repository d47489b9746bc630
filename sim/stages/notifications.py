"""Messages to the customer at computed times: confirmation, SMS, follow-up, review request.

None of them waits for anything, so none is a process: when an order leaves the model its
messages are logged with the times they go out (the run drops those after its end).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.demand import Order
from sim.eventlog import EVENTS
from sim.units import DAY

if TYPE_CHECKING:
    from sim.run_context import RunContext

CONFIRMATION, OUT_FOR_DELIVERY, DELIVERED, FOLLOW_UP, REVIEW_REQUEST = (
    EVENTS.index(e)
    for e in (
        "order_confirmation_sent",
        "sms_out_for_delivery",
        "sms_delivered",
        "follow_up_sent",
        "review_request_sent",
    )
)
#: The SMS "out for delivery" goes out at 08:00 on the delivery day.
OUT_FOR_DELIVERY_MINUTE = 8 * 60


class Notifications:
    """Logs an order's customer messages when it leaves the model."""

    def __init__(self, model: RunContext) -> None:
        n = model.scenario.notifications
        self.model = model
        self.confirmation = n.order_confirmation
        self.sms = n.sms_delivery_updates
        self.follow_up = n.follow_up_days * DAY
        self.review = n.review_request_days * DAY
        self.active = self.confirmation or self.sms or self.follow_up > 0 or self.review > 0

    def sent(self, o: Order) -> None:
        """Log the messages of an order that leaves the model (delivered or not)."""
        m = self.model
        rows = []
        if self.confirmation and not o.in_store:
            rows.append((o.id, CONFIRMATION, o.placed_at))
        t = o.delivered_at
        if t == t and not o.in_store:  # delivered (or will be, at t)
            if self.sms:
                cal = m.cal
                morning = cal.at(cal.day_of(t), OUT_FOR_DELIVERY_MINUTE)
                rows.append((o.id, OUT_FOR_DELIVERY, max(min(morning, t), o.shipped_at)))
                rows.append((o.id, DELIVERED, t))
            if self.follow_up > 0:
                rows.append((o.id, FOLLOW_UP, t + self.follow_up))
            if self.review > 0:
                rows.append((o.id, REVIEW_REQUEST, t + self.review))
        if rows:
            m.events_t.add_rows(rows)

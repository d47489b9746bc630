"""Notifications to the customer beyond the shipping e-mails (``shipping.notifications``).

The seed: keep customers informed (order confirmation, dispatch and tracking), "a simple
automatic follow up email after delivery to ask if there were any problems", and "automate
following up with an email a few days after delivery asking for an honest review", asking
unhappy customers to reply first. Each is an event on the order at a computed time (no
process waits for it).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.base import NonNeg, Section


class NotificationsConfig(Section):
    """Which messages the customer gets, and when."""

    order_confirmation: bool = Field(
        False,
        description="An order-confirmation e-mail when the order is placed."
        " Off by default; the seed recommends it.",
    )
    sms_delivery_updates: bool = Field(
        False,
        description="SMS updates: out for delivery (the morning of delivery), delivered."
        " Off by default; the seed suggests it.",
    )
    follow_up_days: NonNeg = Field(
        0.0,
        description="Follow-up e-mail this many days after delivery (0: none)."
        " Off by default; the seed recommends a follow-up after delivery (the days are an"
        " assumption).",
    )
    review_request_days: NonNeg = Field(
        0.0,
        description="Review-request e-mail this many days after delivery, asking unhappy "
        "customers to reply first (0: none)."
        " Off by default; the seed: a few days after delivery (INDUSTRY.md V4: later asks"
        " work better; defaults table 10 days).",
    )

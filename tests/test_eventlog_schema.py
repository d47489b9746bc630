"""The event log's columns are the contract with analysis, the app and users' own scripts.

The lists below are the documented columns (README, "Event log"); changing them is a breaking
change that must update the README too.
"""

from __future__ import annotations

import polars as pl

from sim.eventlog import EVENTS, LOST_CAUSES, OUTCOMES, STATUSES, STEPS, column_names
from sim.model import run_replication

ORDERS = [
    "order_id", "customer_id", "channel", "service", "is_priority", "n_lines", "n_units",
    "value", "placed_at", "paid_at", "released_at", "promised_at", "ship_by_at", "picked_at",
    "packed_at",
    "labelled_at", "shipped_at", "delivered_at", "status", "pick_errors", "pick_errors_caught",
    "pick_errors_shipped", "travel_m", "carrier", "box", "n_parcels", "material",
    "billable_weight_kg", "damaged", "packaging_cost", "shipping_cost", "special_action",
    "special_cost", "received_at", "lost_cause", "duplicate_of", "payment_attempts",
    "oversold", "backordered", "in_store", "source_order_id",
]  # fmt: skip
STEPS_COLS = [
    "order_id", "step", "attempt", "resource", "worker", "batch_id", "n_lines", "t_ready",
    "t_start", "t_end", "outcome",
]  # fmt: skip
EVENTS_COLS = ["order_id", "event", "t"]
ROSTER = ["resource", "worker", "t_on", "t_off", "wage_per_hour"]
STOCK = [
    "t", "sku", "on_hand", "held", "received", "shipped", "on_order", "backordered", "returned",
]  # fmt: skip
RETURNS = [
    "order_id", "customer_id", "reason", "requested_at", "late_request", "outcome", "arrived_at",
    "inspected_at", "restocked", "refunded_at", "refund", "return_shipping_cost", "chargeback",
    "chargeback_fee",
]  # fmt: skip
REVIEWS = [
    "order_id", "customer_id", "t", "stars", "requested", "replied_first", "negative_experience",
]  # fmt: skip
CUSTOMERS = [
    "customer_id", "initial", "joined_at", "rate_per_year", "n_orders", "revenue", "lapsed_at",
    "lapse_cause",
]  # fmt: skip


def test_column_names_are_pinned():
    assert column_names() == {
        "orders": tuple(ORDERS),
        "steps": tuple(STEPS_COLS),
        "events": tuple(EVENTS_COLS),
        "roster": tuple(ROSTER),
        "stock": tuple(STOCK),
        "customers": tuple(CUSTOMERS),
        "returns": tuple(RETURNS),
        "reviews": tuple(REVIEWS),
    }


def test_enums_are_pinned():
    assert STEPS == (
        "pick", "repick", "pack", "label", "notify", "sort", "consolidate", "rekey",
        "fraud_review", "inspect", "refund",
    )  # fmt: skip
    assert OUTCOMES == ("ok", "error_caught", "jam", "in_progress", "waiting")
    assert EVENTS == (
        "marked_shipped", "shipping_confirmation_sent", "tracking_sent", "cancellation_sent",
        "backorder_notice_sent", "sale_lost", "order_confirmation_sent", "sms_out_for_delivery",
        "sms_delivered", "follow_up_sent", "review_request_sent", "chargeback_fraud",
        "chargeback_not_received",
    )  # fmt: skip
    assert STATUSES == (
        "awaiting_picking", "awaiting_packing", "awaiting_label", "at_dock", "in_transit",
        "delivered", "lost", "sold_in_store",
    )  # fmt: skip
    assert LOST_CAUSES == (
        "none", "stock_out", "oversold", "payment_declined", "fraud_rejected", "missed"
    )  # fmt: skip


def test_a_run_emits_exactly_these_tables(small):
    r = run_replication(small, seed=1)
    for frame, cols in (
        (r.orders, ORDERS), (r.steps, STEPS_COLS), (r.events, EVENTS_COLS), (r.roster, ROSTER),
        (r.stock, STOCK), (r.customers, CUSTOMERS), (r.returns, RETURNS), (r.reviews, REVIEWS),
    ):  # fmt: skip
        assert frame.columns == cols
    assert r.orders.schema["placed_at"] == pl.Float64
    assert r.orders.schema["status"] == pl.Enum(STATUSES)
    assert r.orders.schema["service"] == pl.Enum(["standard", "express", "next_day"])
    assert r.steps.schema["t_start"] == pl.Float64


def test_deadlines_are_stored_exactly_in_float32(small):
    """promised_at and ship_by_at are whole (or half) minutes, so Float32 holds them exactly,
    even for a run starting at an odd second: they equal the calendar's Float64 values."""
    import datetime as dt

    from sim.calendar import Calendar
    from sim.scenario import with_overrides

    sc = with_overrides(small, {"simulation.start": dt.datetime(2026, 3, 2, 6, 30, 30)})
    r = run_replication(sc, seed=2)
    cal = Calendar(sc)
    promise = [cal.promise_function(s) for s in sc.demand.services]
    codes = {name: i for i, name in enumerate(s.name for s in sc.demand.services)}
    o = r.orders
    pairs = zip(o["service"].to_list(), o["placed_at"].to_list(), strict=True)
    expected = [promise[codes[s]](p) for s, p in pairs]
    assert r.orders.schema["promised_at"] == pl.Float32
    assert o["promised_at"].cast(pl.Float64).to_list() == expected

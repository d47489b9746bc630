"""Hand-computed checks of analysis.kpis.receiving and of the fulfilment-order filter of the
service KPIs (lost, in-store and duplicate orders are not fulfilment orders)."""

from __future__ import annotations

import math

import pytest
from test_kpis import NO_ORDERS, NO_ROSTER, NO_STEPS, orders, steps

from analysis.kpis.defs import KPI_DEFS
from analysis.kpis.receiving import receiving_kpis
from analysis.kpis.run_kpis import run_kpis
from sim.eventlog import LOST_CAUSES

CAUSES = [c for c in LOST_CAUSES if c != "none"]
DUP = 2**31  # duplicates' order ids start here


def lost(cause: str, lost_at: float) -> dict:
    """A lost sale (the time goes to the events table, ``sale_lost``; not needed here)."""
    return {"lost_cause": cause}


def _receiving_log():
    # cohort: placed in [0, 1000]; observed at 1500
    return orders(
        {"order_id": 1, "placed_at": 10.0, "value": 20.0} | lost("stock_out", 15.0),
        {"order_id": 2, "placed_at": 20.0, "value": 30.0, "oversold": True}
        | lost("oversold", 200.0),
        {"order_id": 3, "placed_at": 30.0, "value": 40.0} | lost("payment_declined", 300.0),
        {"order_id": 4, "placed_at": 40.0, "value": 50.0} | lost("fraud_rejected", 1400.0),
        # still waiting at the end of the run (a loss after it is not recorded)
        {"order_id": 5, "placed_at": 50.0, "value": 60.0},
        # placed after the cohort: ignored
        {"order_id": 6, "placed_at": 1200.0, "value": 70.0} | lost("stock_out", 1250.0),
        {"order_id": 7, "placed_at": 60.0, "value": 80.0} | lost("stock_out", 100.0),
        # paid, shipped, oversold and backordered
        {"order_id": 8, "placed_at": 100.0, "value": 25.0, "paid_at": 110.0}
        | {"shipped_at": 500.0, "oversold": True, "backordered": True},
        # a duplicate of 8, shipped, never paid: a duplicate, not an unpaid order
        {"order_id": DUP, "duplicate_of": 8, "placed_at": 100.0, "value": 25.0}
        | {"shipped_at": 600.0},
        # a duplicate of 5 shipped after the observation end
        {"order_id": DUP + 1, "duplicate_of": 5, "placed_at": 50.0, "value": 60.0}
        | {"shipped_at": 1700.0},
        # unpaid and shipped: never paid; paid only after the observation end
        {"order_id": 11, "placed_at": 200.0, "value": 15.0, "shipped_at": 400.0},
        {"order_id": 12, "placed_at": 210.0, "value": 35.0, "paid_at": 1600.0}
        | {"shipped_at": 1000.0},
        # unpaid but shipped after the observation end
        {"order_id": 13, "placed_at": 220.0, "value": 45.0, "shipped_at": 1700.0},
        {"order_id": 14, "placed_at": 300.0, "value": 12.0, "paid_at": 300.0, "in_store": True},
        {"order_id": 15, "placed_at": 1100.0, "value": 12.0, "in_store": True},  # after cohort
    )


def test_lost_sales_by_cause_and_other_receiving_counts() -> None:
    k = receiving_kpis(_receiving_log(), NO_STEPS, start=0.0, end=1000.0, observe_end=1500.0)
    # customer orders of the cohort: 1-5, 7, 8, 11-14 (6 and 15 placed later, DUP* duplicates)
    customers = 11
    # lost: 1 (20), 2 (30), 3 (40), 4 (50), 7 (80); 5 is still waiting
    assert k["lost_orders"] == 5
    assert k["lost_value"] == pytest.approx(20 + 30 + 40 + 50 + 80)
    expected = {
        "stock_out": (2, 20 + 80),
        "oversold": (1, 30),
        "payment_declined": (1, 40),
        "fraud_rejected": (1, 50),
        "missed": (0, 0),
    }
    assert set(expected) == set(CAUSES)
    for cause, (n, value) in expected.items():
        assert k[f"lost_orders_{cause}"] == n, cause
        assert k[f"lost_value_{cause}"] == pytest.approx(value), cause
    assert k["lost_sales_rate"] == pytest.approx(5 / customers)
    assert k["stock_out_rate"] == pytest.approx(2 / customers)
    assert k["orders_oversold"] == 2  # 2 and 8
    assert k["orders_backordered"] == 1  # 8
    # duplicates: DUP shipped at 600; DUP + 1 only at 1700
    assert k["duplicates_shipped"] == 1
    assert k["duplicates_shipped_value"] == pytest.approx(25.0)
    # unpaid at 1500 and shipped: 11 (never paid), 12 (paid at 1600); 13 ships at 1700;
    # the duplicate is unpaid but counts as a duplicate only
    assert k["unpaid_shipped"] == 2
    assert k["unpaid_shipped_value"] == pytest.approx(15 + 35)
    assert k["orders_sold_in_store"] == 1  # 14; 15 is placed after the cohort
    assert k["consolidation_labour_h"] == 0.0 and k["fraud_review_h"] == 0.0


def test_a_later_observation_end_sees_more() -> None:
    k = receiving_kpis(_receiving_log(), NO_STEPS, start=0.0, end=1000.0, observe_end=2000.0)
    assert k["lost_orders"] == 5  # losses are facts of the run, whatever the observation end
    assert k["duplicates_shipped"] == 2  # DUP + 1 shipped at 1700
    # 11 never paid; 12 paid at 1600 (paid now); 13 shipped at 1700, never paid
    assert k["unpaid_shipped"] == 2
    assert k["unpaid_shipped_value"] == pytest.approx(15 + 45)


def test_defaults_give_zero_counts_and_rates() -> None:
    log = orders(
        {"placed_at": 10.0, "paid_at": 10.0, "shipped_at": 100.0},
        {"placed_at": 20.0, "paid_at": 20.0},
    )
    k = receiving_kpis(log, NO_STEPS, start=0.0, end=1000.0, observe_end=1000.0)
    assert k["lost_sales_rate"] == 0.0 and k["stock_out_rate"] == 0.0
    for name in set(k) - {"lost_sales_rate", "stock_out_rate"}:
        assert k[name] == 0.0, name
    empty = receiving_kpis(NO_ORDERS, NO_STEPS, start=0.0, end=1000.0, observe_end=1000.0)
    assert math.isnan(empty["lost_sales_rate"]) and math.isnan(empty["stock_out_rate"])
    assert empty["lost_orders"] == 0.0 and empty["lost_value_stock_out"] == 0.0


def test_run_kpis_returns_every_receiving_kpi_with_a_definition() -> None:
    k = run_kpis(_receiving_log(), NO_STEPS, NO_ROSTER, end_min=1500.0, arrivals_end_min=1000.0)
    names = set(receiving_kpis(NO_ORDERS, NO_STEPS, start=0.0, end=1.0, observe_end=1.0))
    assert {f"lost_{kind}_{c}" for c in CAUSES for kind in ("orders", "value")} <= names
    assert names <= set(KPI_DEFS) and names <= set(k)
    assert k["lost_orders"] == 5 and k["unpaid_shipped"] == 2
    assert not any(KPI_DEFS[n].headline for n in names)
    assert KPI_DEFS["orders_sold_in_store"].higher_is_better is None
    assert KPI_DEFS["lost_value_oversold"].higher_is_better is False


def test_rekey_and_fraud_review_hours_are_clipped_to_the_window() -> None:
    work = steps(
        # rekey in [100, 1000]: 100-160 (started before the window), 400-430,
        # 970-1000 (in progress: runs to the end), 990-1000 (ends after the window)
        {"step": "rekey", "resource": "order_entry", "worker": 0, "t_ready": 0.0}
        | {"t_start": 50.0, "t_end": 160.0},
        {"step": "rekey", "resource": "order_entry", "worker": 0, "t_ready": 0.0}
        | {"t_start": 400.0, "t_end": 430.0},
        {"step": "rekey", "resource": "order_entry", "worker": 1, "t_ready": 0.0}
        | {"t_start": 970.0},
        {"step": "rekey", "resource": "order_entry", "worker": 2, "t_ready": 0.0}
        | {"t_start": 990.0, "t_end": 1100.0},
        {"step": "rekey", "resource": "order_entry", "t_ready": 500.0},  # waiting: not busy
        {"step": "rekey", "resource": "order_entry", "worker": 0, "t_ready": 1100.0}
        | {"t_start": 1200.0, "t_end": 1300.0},  # after the window
        # fraud review: 200-245 counts, 20-40 is before the window
        {"step": "fraud_review", "resource": "payment_review", "worker": 0, "t_ready": 200.0}
        | {"t_start": 200.0, "t_end": 245.0},
        {"step": "fraud_review", "resource": "payment_review", "worker": 0, "t_ready": 20.0}
        | {"t_start": 20.0, "t_end": 40.0},
        # other steps do not count
        {"step": "pick", "resource": "pickers", "worker": 0, "t_ready": 100.0}
        | {"t_start": 100.0, "t_end": 400.0},
    )
    k = receiving_kpis(NO_ORDERS, work, start=100.0, end=1000.0, observe_end=2000.0)
    assert k["consolidation_labour_h"] == pytest.approx((60 + 30 + 30 + 10) / 60)
    assert k["fraud_review_h"] == pytest.approx(45 / 60)
    # run_kpis uses the same window: [warmup, arrivals end]
    r = run_kpis(NO_ORDERS, work, NO_ROSTER, warmup_min=100.0, end_min=2000.0,
                 arrivals_end_min=1000.0)  # fmt: skip
    assert r["consolidation_labour_h"] == pytest.approx((60 + 30 + 30 + 10) / 60)
    assert r["fraud_review_h"] == pytest.approx(45 / 60)


# --- service KPIs see fulfilment orders only ----------------------------------------------


def test_service_kpis_ignore_lost_in_store_and_duplicate_orders() -> None:
    log = orders(
        # fulfilment orders: A shipped the day it was placed and on time, B neither
        {"order_id": 1, "placed_at": 100.0, "shipped_at": 200.0, "delivered_at": 600.0}
        | {"promised_at": 1000.0, "ship_by_at": 300.0, "is_priority": True}
        | {"shipping_cost": 4.0},
        {"order_id": 2, "placed_at": 200.0, "shipped_at": 1600.0, "delivered_at": 2000.0}
        | {"promised_at": 1500.0, "ship_by_at": 1500.0, "shipping_cost": 4.0},
        # lost: never shipped, would be late and miss its pickup
        {"order_id": 3, "placed_at": 300.0, "promised_at": 1000.0, "ship_by_at": 1000.0}
        | lost("stock_out", 320.0),
        # sold in store: never shipped
        {"order_id": 4, "placed_at": 400.0, "paid_at": 400.0, "in_store": True},
        # a duplicate of A: shipped the same day, late, damaged, with a wrong line,
        # missed its pickup; its shipping cost is real
        {"order_id": DUP, "duplicate_of": 1, "placed_at": 100.0, "shipped_at": 250.0}
        | {"delivered_at": 1200.0, "promised_at": 1000.0, "ship_by_at": 200.0}
        | {"is_priority": True, "damaged": True, "pick_errors_shipped": 1}
        | {"shipping_cost": 10.0},
    )
    k = run_kpis(log, NO_STEPS, NO_ROSTER, end_min=3000.0)
    assert k["orders_placed"] == 4  # customer orders: A, B, lost, in store
    assert k["orders_shipped"] == 2
    assert k["orders_delivered"] == 2
    assert k["orders_in_progress"] == 0
    assert k["shipped_same_day"] == pytest.approx(1 / 2)  # A yes; B shipped on day 1
    assert k["on_time_delivery"] == pytest.approx(1 / 2)  # A on time; B late
    assert k["shipped_by_target_pickup"] == pytest.approx(1 / 2)  # A made it; B missed
    assert k["express_made_pickup"] == 1.0  # A
    assert k["damage_rate"] == 0.0
    assert k["orders_shipped_with_error"] == 0.0
    assert k["lead_time_mean_h"] == pytest.approx(((600 - 100) + (2000 - 200)) / 2 / 60)
    assert k["time_to_ship_mean_h"] == pytest.approx(((200 - 100) + (1600 - 200)) / 2 / 60)
    # costs: every order shipped in the window, the duplicate included
    assert k["orders_shipped_in_window"] == 3
    assert k["shipping_cost_per_order"] == pytest.approx((4 + 4 + 10) / 3)
    assert k["lost_orders"] == 1 and k["orders_sold_in_store"] == 1
    assert k["duplicates_shipped"] == 1

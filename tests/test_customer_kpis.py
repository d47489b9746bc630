"""Hand-computed checks of analysis.kpis.customers on tiny orders and customers tables with the
dtypes of sim.eventlog."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest
from test_kpis import NAMES, NO_ORDERS, NO_ROSTER, NO_STEPS, orders

from analysis.kpis.customers import NAMES as CUSTOMER_KPIS
from analysis.kpis.customers import customer_kpis
from analysis.kpis.defs import KPI_DEFS
from analysis.kpis.run_kpis import run_kpis
from sim.eventlog import CUSTOMERS_SCHEMA, LAPSE_CAUSES, empty_frame

DAY = 1440.0
START, END = DAY, 11 * DAY  # a 10-day window: 1440 .. 15840
WINDOW_DAYS = 10.0
CAUSES = [c for c in LAPSE_CAUSES if c not in ("none",)]
CUSTOMER_DEFAULTS: dict[str, Any] = {
    "initial": False,
    "joined_at": None,
    "rate_per_year": 4.0,
    "n_orders": 1,
    "revenue": 0.0,
    "lapsed_at": None,
    "lapse_cause": "none",
}


def customers(*rows: dict[str, Any]) -> pl.DataFrame:
    """Customers table with the exact ``CUSTOMERS_SCHEMA`` dtypes."""
    data = {c: [r.get(c, CUSTOMER_DEFAULTS.get(c)) for r in rows] for c in CUSTOMERS_SCHEMA}
    return pl.DataFrame(data, schema=CUSTOMERS_SCHEMA)


NO_CUSTOMERS = empty_frame(CUSTOMERS_SCHEMA, NAMES)


def _orders() -> pl.DataFrame:
    return orders(
        # customer orders placed in the window: 1, 2, 3, 8, 9 (customers 1 and 2)
        {"customer_id": 1, "placed_at": 2000.0, "value": 10.0, "delivered_at": 5000.0},
        {"customer_id": 1, "placed_at": 3000.0, "value": 30.0, "in_store": True},  # fulfilled
        {"customer_id": 2, "placed_at": 4000.0, "value": 20.0, "lost_cause": "payment_declined"},
        # a stock-out is no order: customer 3 is not active
        {"customer_id": 3, "placed_at": 5000.0, "value": 50.0, "lost_cause": "stock_out"},
        # a duplicate keyed by staff is no customer order: customer 4 is not active
        {"customer_id": 4, "placed_at": 6000.0, "value": 60.0, "duplicate_of": 0},
        # outside the window (before its start, after its end)
        {"customer_id": 1, "placed_at": 1000.0, "value": 100.0, "delivered_at": 3000.0},
        {"customer_id": 7, "placed_at": 20000.0, "value": 100.0},
        {"customer_id": 2, "placed_at": 7000.0, "value": 40.0},  # not delivered, not lost
        {"customer_id": 1, "placed_at": 8000.0, "value": 20.0, "shipped_at": 9000.0},
    )


def _customers() -> pl.DataFrame:
    return customers(
        {"customer_id": 1, "initial": True},  # active at the start, stays
        {"customer_id": 2, "initial": True, "rate_per_year": 6.0}
        | {"lapsed_at": 8000.0, "lapse_cause": "late"},
        # joined and left before the window: not at risk, no lapse in the window
        {"customer_id": 3, "joined_at": 500.0, "lapsed_at": 1000.0, "lapse_cause": "base"},
        {"customer_id": 4, "joined_at": 1000.0, "rate_per_year": 3.0}
        | {"lapsed_at": 9000.0, "lapse_cause": "damaged"},
        # new in the window, left for no reason: no revenue lost
        {"customer_id": 5, "joined_at": 2000.0, "rate_per_year": 12.0}
        | {"lapsed_at": 10000.0, "lapse_cause": "base"},
        # joined and left after the window
        {"customer_id": 6, "joined_at": 20000.0, "lapsed_at": 20500.0, "lapse_cause": "oversold"},
        {"customer_id": 9, "joined_at": 25000.0},  # joined after the window, still active
        # active at the start, left after the window end (in the drain days)
        {"customer_id": 7, "initial": True, "lapsed_at": 16000.0, "lapse_cause": "wrong_item"},
        # joined exactly at the start (new, not at risk), left exactly at the end
        {"customer_id": 8, "joined_at": START, "rate_per_year": 2.0}
        | {"lapsed_at": END, "lapse_cause": "payment_failure"},
    )


def _kpis() -> dict[str, float]:
    return customer_kpis(_orders(), _customers(), start=START, end=END)


def test_fixture_uses_the_eventlog_dtypes() -> None:
    assert _customers().schema == NO_CUSTOMERS.schema
    assert _orders().schema == NO_ORDERS.schema


def test_active_customers_and_annualised_purchase_frequency() -> None:
    k = _kpis()
    # customer orders in the window: 1, 2, 3, 8, 9 -> 5 orders of customers 1 and 2
    assert k["customers_active"] == 2.0
    assert k["purchase_frequency_window"] == pytest.approx(5 / 2)
    # membership in [1440, 15840] (minutes): 1 all 14400; 2 until 8000: 6560; 3 before: 0;
    # 4 until 9000: 7560; 5 from 2000 to 10000: 8000; 6 and 9 after: 0; 7 all: 14400;
    # 8 from the start to the end: 14400 -> 65320 customer-minutes
    year = 365 * DAY
    assert k["purchase_frequency_per_year"] == pytest.approx(5 / (65320 / year))
    # a 20-day window [1440, 30240]: the order at 20000 is now inside, 6 orders of 1, 2 and 7
    wide = customer_kpis(_orders(), _customers(), start=START, end=START + 20 * DAY)
    assert wide["customers_active"] == 3.0
    assert wide["purchase_frequency_window"] == pytest.approx(6 / 3)
    # membership: 1: 28800, 2: 6560, 4: 7560, 5: 8000, 6: 500, 9: 5240, 7: 14560, 8: 14400
    assert wide["purchase_frequency_per_year"] == pytest.approx(6 / (85620 / year))


def test_stock_outs_and_duplicates_are_no_customer_orders() -> None:
    only = orders(
        {"customer_id": 3, "placed_at": 5000.0, "lost_cause": "stock_out"},
        {"customer_id": 4, "placed_at": 6000.0, "duplicate_of": 0},
    )
    k = customer_kpis(only, _customers(), start=START, end=END)
    assert k["customers_active"] == 0.0
    assert math.isnan(k["purchase_frequency_window"])  # no customer ordered
    assert k["purchase_frequency_per_year"] == 0.0  # members, but no orders
    assert math.isnan(k["revenue_per_customer"]) and math.isnan(k["lapse_rate_per_order"])
    # the other lost causes are orders (customer 2's declined payment counts)
    declined = orders({"customer_id": 2, "placed_at": 4000.0, "lost_cause": "payment_declined"})
    k = customer_kpis(declined, _customers(), start=START, end=END)
    assert k["customers_active"] == 1.0 and k["revenue_per_customer"] == 0.0


def test_new_and_lapsed_customers_by_cause() -> None:
    k = _kpis()
    assert k["new_customers"] == 2.0  # 5 (2000) and 8 (at the start); not 3, 4, 6, 9
    # lapsed in [START, END]: 2 late, 4 damaged, 5 base, 8 payment_failure (at the end)
    assert k["customers_lapsed"] == 4.0
    expected = {"late": 1, "damaged": 1, "base": 1, "payment_failure": 1}
    for cause in CAUSES:
        assert k[f"customers_lapsed_{cause}"] == expected.get(cause, 0), cause
    assert k["lapse_rate_per_order"] == pytest.approx(4 / 5)


def test_retention_counts_customers_active_at_the_window_start() -> None:
    k = _kpis()
    # at risk: 1, 2, 7 (initial), 4 (joined before the start); not 3 (left before it),
    # 5 and 8 (joined in the window), 6 and 9 (after it). Still there at the end: 1, 7
    assert k["retention"] == pytest.approx(2 / 4)
    # nobody active at the start: undefined
    late = _customers().filter(pl.col("customer_id").is_in([5, 6, 8]))
    assert math.isnan(customer_kpis(_orders(), late, start=START, end=END)["retention"])


def test_revenue_per_customer_and_revenue_lost_to_lapses() -> None:
    k = _kpis()
    # fulfilled (not lost) customer orders in the window: 10 + 30 (in store) + 40 + 20
    assert k["revenue_per_customer"] == pytest.approx(100 / 2)
    # negative lapses in the window: 2 (6/yr), 4 (3/yr), 8 (2/yr); 5 left for no reason.
    # Mean fulfilled order value 100 / 4 = 25
    assert k["revenue_lost_to_lapses_per_year"] == pytest.approx((6 + 3 + 2) * 25.0)
    # only base lapses: nothing lost, even with no fulfilled order to value
    calm = _customers().filter(pl.col("customer_id").is_in([1, 5]))
    lost_only = orders({"customer_id": 2, "placed_at": 4000.0, "lost_cause": "missed"})
    assert (
        customer_kpis(lost_only, calm, start=START, end=END)["revenue_lost_to_lapses_per_year"]
        == 0.0
    )


def test_no_customers_gives_nan() -> None:
    for table in (None, NO_CUSTOMERS):
        k = customer_kpis(_orders(), table, start=START, end=END)
        assert set(k) == set(CUSTOMER_KPIS)
        assert all(math.isnan(v) for v in k.values()), k
    # run_kpis without customers (every caller but kpis_of): NaN, no error
    k = run_kpis(_orders(), NO_STEPS, NO_ROSTER, end_min=END)
    assert all(math.isnan(k[n]) for n in CUSTOMER_KPIS)


def test_run_kpis_uses_the_window_up_to_the_arrivals_end() -> None:
    k = run_kpis(
        _orders(), NO_STEPS, NO_ROSTER, warmup_min=START, end_min=30000.0,
        arrivals_end_min=END, customers=_customers(),
    )  # fmt: skip
    expected = _kpis()
    for name in CUSTOMER_KPIS:
        assert k[name] == pytest.approx(expected[name], nan_ok=True), name
    assert k["customers_lapsed_wrong_item"] == 0.0  # 7 left in the drain days


def test_kpis_of_passes_the_runs_customers() -> None:
    from sim.experiments.runner import kpis_of

    off = SimpleNamespace(enabled=False)
    result = SimpleNamespace(
        orders=_orders(), steps=NO_STEPS, roster=NO_ROSTER, customers=_customers(),
        start_minute_of_day=0.0, end_min=30000.0, arrivals_end_min=END,
        scenario=SimpleNamespace(returns=off, reviews=off), returns=None, reviews=None,
    )  # fmt: skip
    k = kpis_of(result, warmup_days=START / DAY)  # type: ignore[arg-type]
    assert k["customers_active"] == 2.0 and k["retention"] == pytest.approx(0.5)


def test_every_customer_kpi_has_a_definition() -> None:
    assert set(CUSTOMER_KPIS) <= set(KPI_DEFS)
    better = {
        "purchase_frequency_per_year",
        "purchase_frequency_window",
        "retention",
        "revenue_per_customer",
        "new_customers",
    }
    for name in CUSTOMER_KPIS:
        d = KPI_DEFS[name]
        assert not d.headline, name
        if name in better:
            assert d.higher_is_better is True, name
        elif name == "customers_active":
            assert d.higher_is_better is None
        else:
            assert d.higher_is_better is False, name
    assert "customer-year" in KPI_DEFS["purchase_frequency_per_year"].description
    assert "never ordered" in KPI_DEFS["retention"].description

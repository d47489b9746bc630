"""Hand-computed checks of analysis.kpis.aftersales on tiny orders, returns and reviews tables
with the dtypes of sim.eventlog."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest
from test_kpis import NAMES, NO_ROSTER, NO_STEPS, orders

from analysis.kpis.aftersales import NAMES as AFTERSALES_KPIS
from analysis.kpis.aftersales import RETURN_NAMES, REVIEW_NAMES, aftersales_kpis
from analysis.kpis.defs import KPI_DEFS, kpi_def
from analysis.kpis.run_kpis import run_kpis
from sim.eventlog import EVENTS, RETURN_REASONS, RETURNS_SCHEMA, REVIEWS_SCHEMA, empty_frame

DAY = 1440.0
START, END = DAY, 11 * DAY  # orders placed in [1440, 15840]
OBS = 15 * DAY  # observed (drain days) until 21600
RETURN_DEFAULTS: dict[str, Any] = {
    "customer_id": 1,
    "late_request": False,
    "outcome": "returned",
    "restocked": False,
    "refund": 10.0,
    "return_shipping_cost": 0.0,
    "chargeback": False,
    "chargeback_fee": 0.0,
}
REVIEW_DEFAULTS: dict[str, Any] = {
    "customer_id": 1,
    "requested": False,
    "replied_first": False,
    "negative_experience": False,
}


def _table(schema: dict[str, Any], defaults: dict[str, Any], rows: tuple[dict, ...]):
    unknown = {k for r in rows for k in r} - set(schema)
    assert not unknown, unknown
    data = {c: [r.get(c, defaults.get(c)) for r in rows] for c in schema}
    return pl.DataFrame(data, schema=schema)


def returns(*rows: dict[str, Any]) -> pl.DataFrame:
    """Returns table with the exact ``RETURNS_SCHEMA`` dtypes."""
    return _table(RETURNS_SCHEMA, RETURN_DEFAULTS, rows)


def reviews(*rows: dict[str, Any]) -> pl.DataFrame:
    """Reviews table with the exact ``REVIEWS_SCHEMA`` dtypes."""
    return _table(REVIEWS_SCHEMA, REVIEW_DEFAULTS, rows)


NO_RETURNS = empty_frame(RETURNS_SCHEMA, NAMES)
EVENTS_SCHEMA_FIXTURE = {"order_id": pl.UInt32, "event": pl.Enum(EVENTS), "t": pl.Float64}
NO_REVIEWS = empty_frame(REVIEWS_SCHEMA, NAMES)


def _orders() -> pl.DataFrame:
    # order_id = row index
    return orders(
        {"placed_at": 2000.0, "delivered_at": 5000.0},  # 0
        {"placed_at": 3000.0, "delivered_at": 6000.0, "pick_errors_shipped": 1},  # 1 returned
        {"placed_at": 4000.0, "delivered_at": 7000.0, "pick_errors_shipped": 2},  # 2 kept
        {"placed_at": 5000.0, "delivered_at": 8000.0},  # 3
        {"placed_at": 6000.0, "delivered_at": OBS + 100.0},  # 4: delivered after the end
        {"placed_at": 1000.0, "delivered_at": 3000.0},  # 5: placed before the window
        {"placed_at": END, "delivered_at": END + 1000.0},  # 6: placed exactly at the end
        {"placed_at": 7000.0, "delivered_at": 9000.0, "duplicate_of": 0},  # 7: duplicate
        {"placed_at": 7000.0, "in_store": True},  # 8: sold in store
        {"placed_at": END + 1.0, "delivered_at": END + 2000.0},  # 9: placed after the window
        {"placed_at": START, "delivered_at": 3000.0},  # 10: placed exactly at the start
        {"placed_at": 8000.0, "delivered_at": 9000.0},  # 11
        {"placed_at": 9000.0, "delivered_at": OBS},  # 12: delivered exactly at the end
        {"placed_at": 9500.0, "lost_cause": "payment_declined"},  # 13: lost
    )


# delivered orders of the cohort: 0, 1, 2, 3, 6, 10, 11, 12
N = 8


def _returns() -> pl.DataFrame:
    return returns(
        # counted: requests of delivered cohort orders made by OBS
        {"order_id": 1, "reason": "wrong_item", "requested_at": 6500.0, "arrived_at": 8000.0}
        | {"refunded_at": 8000.0 + 2 * DAY, "return_shipping_cost": 5.0},  # refund in 2 days
        {"order_id": 0, "reason": "damaged", "requested_at": 5500.0, "outcome": "prevented"},
        {"order_id": 3, "reason": "late", "requested_at": 9000.0, "arrived_at": 10000.0}
        | {"refunded_at": 10000.0 + 5 * DAY, "return_shipping_cost": 6.0}
        | {"chargeback": True, "chargeback_fee": 15.0},  # refund in 5 days
        {"order_id": 6, "reason": "changed_mind", "requested_at": END + 2000.0}
        | {"late_request": True, "outcome": "refused"},
        {"order_id": 10, "reason": "not_as_described", "requested_at": 4000.0}
        | {"arrived_at": 5440.0, "refunded_at": 5440.0 + 0.5 * DAY, "return_shipping_cost": 4.0},
        # a second request for order 0: arrives after the end, so not received nor refunded
        {"order_id": 0, "reason": "changed_mind", "requested_at": 6000.0}
        | {"arrived_at": OBS + 10.0, "return_shipping_cost": 3.0},
        # received, refunded after the end (not in the refund times), charged back
        {"order_id": 11, "reason": "late", "requested_at": 9500.0, "arrived_at": 10000.0}
        | {"refunded_at": OBS + 100.0, "return_shipping_cost": 8.0}
        | {"chargeback": True, "chargeback_fee": 20.0},
        # not counted
        {"order_id": 5, "reason": "wrong_item", "requested_at": 3500.0, "arrived_at": 4000.0}
        | {"refunded_at": 5000.0, "return_shipping_cost": 50.0}
        | {"chargeback": True, "chargeback_fee": 100.0},  # order placed before the window
        {"order_id": 7, "reason": "wrong_item", "requested_at": 9500.0}  # duplicate
        | {"return_shipping_cost": 50.0},
        {"order_id": 3, "reason": "wrong_item", "requested_at": OBS + 500.0}  # after the end
        | {"outcome": "prevented", "chargeback": True, "chargeback_fee": 7.0},
        {"order_id": 99, "reason": "damaged", "requested_at": 9000.0},  # unknown order
    )


def _reviews() -> pl.DataFrame:
    return reviews(
        {"order_id": 0, "t": 6000.0, "stars": 5, "requested": True},
        {"order_id": 1, "t": 7000.0, "stars": 1, "negative_experience": True},
        {"order_id": 2, "t": 8000.0, "stars": 4},
        {"order_id": 3, "t": 9000.0, "stars": 2, "replied_first": True},
        {"order_id": 10, "t": 4000.0, "stars": 5},
        {"order_id": 12, "t": OBS, "stars": 5},  # exactly at the end: counted
        # not counted
        {"order_id": 11, "t": OBS + 1.0, "stars": 3},  # after the end
        {"order_id": 8, "t": 8000.0, "stars": 1},  # in-store sale
        {"order_id": 7, "t": 9500.0, "stars": 1},  # duplicate
        {"order_id": 5, "t": 4000.0, "stars": 1},  # placed before the window
        {"order_id": 4, "t": OBS + 2000.0, "stars": 1},  # not delivered by the end
    )


def _kpis(**kw: Any) -> dict[str, float]:
    window = {"start": START, "end": END, "observe_end": OBS} | kw
    return aftersales_kpis(_orders(), _returns(), _reviews(), **window)


def test_fixtures_use_the_eventlog_dtypes() -> None:
    assert _returns().schema == NO_RETURNS.schema
    assert _reviews().schema == NO_REVIEWS.schema
    assert set(_kpis()) == set(AFTERSALES_KPIS)


def test_return_rates_by_reason() -> None:
    k = _kpis()
    # counted requests: 1 wrong_item, 0 damaged, 3 late, 6 changed_mind, 10 not_as_described,
    # 0 changed_mind, 11 late -> 7 requests over 8 delivered orders
    assert k["return_rate"] == pytest.approx(7 / 8)
    expected = {"wrong_item": 1, "damaged": 1, "late": 2, "not_as_described": 1}
    expected["changed_mind"] = 2
    expected |= {"size_fit": 0, "defective": 0}  # none in the fixture (see the next test)
    assert set(expected) == set(RETURN_REASONS)
    for reason in RETURN_REASONS:
        assert k[f"return_rate_{reason}"] == pytest.approx(expected[reason] / N), reason
    assert sum(k[f"return_rate_{r}"] for r in RETURN_REASONS) == pytest.approx(k["return_rate"])


def test_size_fit_and_defective_returns_count_as_reasons() -> None:
    extra = returns(
        {"order_id": 2, "reason": "size_fit", "requested_at": 7500.0},
        {"order_id": 12, "reason": "defective", "requested_at": OBS},  # exactly at the end
        {"order_id": 12, "reason": "defective", "requested_at": OBS + 1.0},  # after the end
    )
    k = aftersales_kpis(
        _orders(), pl.concat([_returns(), extra]), None, start=START, end=END, observe_end=OBS
    )
    assert k["return_rate_size_fit"] == pytest.approx(1 / N)
    assert k["return_rate_defective"] == pytest.approx(1 / N)
    assert k["return_rate"] == pytest.approx(9 / N)  # the 7 of the fixture + 2


def test_chargebacks_by_reason_include_fraud_and_not_received_events() -> None:
    events = pl.DataFrame(
        {
            "order_id": [1, 12, 3, 5, 7, 0, 10],
            "event": [
                "chargeback_fraud",
                "chargeback_not_received",
                "chargeback_not_received",
                "chargeback_fraud",
                "chargeback_fraud",
                "follow_up_sent",
                "chargeback_fraud",
            ],  # fmt: skip
            # 3's comes after the end; 5 placed before the window; 7 a duplicate; 0 no dispute
            "t": [9000.0, OBS, OBS + 1.0, 4000.0, 9000.0, 6000.0, 5000.0],
        },
        schema=EVENTS_SCHEMA_FIXTURE,
    )
    window = {"start": START, "end": END, "observe_end": OBS}
    k = aftersales_kpis(_orders(), _returns(), None, events=events, **window)
    # returns: order 3's late refund, order 11's late refund (refused order 6: no chargeback)
    assert k["chargebacks_late_refund"] == 2.0 and k["chargebacks_refused_return"] == 0.0
    assert k["chargebacks_fraud"] == 2.0  # orders 1 and 10
    assert k["chargebacks_not_received"] == 1.0  # order 12, exactly at the end
    assert k["chargebacks"] == 5.0
    assert k["chargeback_rate"] == pytest.approx(5 / N)
    assert k["chargeback_rate_fraud"] == pytest.approx(2 / N)
    # a refused return that is disputed counts as refused_return
    refused = _returns().with_columns(
        pl.when(pl.col("outcome") == "refused").then(True).otherwise(pl.col("chargeback"))
        .alias("chargeback")
    )  # fmt: skip
    k = aftersales_kpis(_orders(), refused, None, **window)
    assert k["chargebacks_refused_return"] == 1.0 and k["chargebacks_fraud"] == 0.0
    assert k["chargebacks"] == 3.0


def test_return_outcomes() -> None:
    k = _kpis()
    assert k["returns_prevented_share"] == pytest.approx(1 / 7)  # order 0's damaged item
    assert k["returns_refused"] == 1.0  # order 6, after the return window
    # shipped back and arrived by the end: 1, 3, 10, 11 (order 0's parcel arrives later)
    assert k["returns_received"] == 4.0


def test_inferred_accuracy_misses_the_wrong_items_customers_keep() -> None:
    k = _kpis()
    # orders 1 and 2 shipped a wrong line; only 1 asked for a return (2's customer kept it)
    assert k["picking_accuracy_inferred"] == pytest.approx(1 - 1 / N)
    assert k["picking_accuracy_true_orders"] == pytest.approx(1 - 2 / N)
    assert k["picking_accuracy_inferred"] > k["picking_accuracy_true_orders"]
    # two wrong-item requests for one order count one inaccurate order
    twice = pl.concat([_returns(), _returns().filter(pl.col("order_id") == 1)])
    k = aftersales_kpis(_orders(), twice, None, start=START, end=END, observe_end=OBS)
    assert k["picking_accuracy_inferred"] == pytest.approx(1 - 1 / N)
    assert k["return_rate_wrong_item"] == pytest.approx(2 / N)  # but two requests


def test_refund_times() -> None:
    k = _kpis()
    # refunds done by the end: 2, 5 and 0.5 days after arrival (order 11's comes later)
    assert k["refund_time_mean_days"] == pytest.approx((2 + 5 + 0.5) / 3)
    # linear interpolation on [0.5, 2, 5] at position 0.95 * 2 = 1.9
    assert k["refund_time_p95_days"] == pytest.approx(2 + 0.9 * 3)


def test_chargebacks_and_return_costs() -> None:
    k = _kpis()
    assert k["chargebacks"] == 2.0  # orders 3 and 11; not order 5 (before), 3's late request
    assert k["chargeback_cost"] == pytest.approx(15 + 20)
    shipping = 5 + 0 + 6 + 0 + 4 + 3 + 8
    assert k["return_cost_per_delivered_order"] == pytest.approx((shipping + 35) / N)


def test_reviews_and_the_rating_distribution() -> None:
    k = _kpis()
    # counted: 5, 1, 4, 2, 5, 5 stars
    assert k["reviews"] == 6.0
    assert k["review_rate"] == pytest.approx(6 / N)
    assert k["rating_mean"] == pytest.approx(22 / 6)
    assert k["negative_review_share"] == pytest.approx(2 / 6)
    expected = {1: 1, 2: 1, 3: 0, 4: 1, 5: 3}
    for stars, n in expected.items():
        assert k[f"review_share_{stars}_stars"] == pytest.approx(n / 6), stars
    # the rating distribution is a distribution
    assert sum(k[f"review_share_{s}_stars"] for s in range(1, 6)) == pytest.approx(1.0)


def test_cohort_edges() -> None:
    # orders 10 (placed at the start) and 6 (at the end) leave the window: 6 delivered orders,
    # requests of 1, 0, 3, 0, 11; order 6's refusal and 10's review go
    k = _kpis(start=START + 1.0, end=END - 1.0)
    assert k["return_rate"] == pytest.approx(5 / 6)
    assert k["returns_refused"] == 0.0
    assert k["return_rate_not_as_described"] == 0.0
    assert k["reviews"] == 5.0 and k["review_rate"] == pytest.approx(5 / 6)
    assert k["refund_time_mean_days"] == pytest.approx((2 + 5) / 2)


def test_observe_end_edges() -> None:
    # a minute earlier: order 12 is not delivered yet and its review not written
    k = _kpis(observe_end=OBS - 1.0)
    assert k["return_rate"] == pytest.approx(7 / 7)
    assert k["reviews"] == 5.0 and k["review_rate"] == pytest.approx(5 / 7)
    # later: order 4 delivered, 3's wrong-item request made (with a chargeback), 0's parcel
    # arrived, 11 refunded (arrived at 10000, refunded at OBS + 100) and reviewed
    k = _kpis(observe_end=OBS + 1000.0)
    assert k["return_rate"] == pytest.approx(8 / 9)
    assert k["picking_accuracy_inferred"] == pytest.approx(1 - 2 / 9)
    assert k["picking_accuracy_true_orders"] == pytest.approx(1 - 2 / 9)
    assert k["returns_received"] == 5.0
    late = (OBS + 100.0 - 10000.0) / DAY
    assert k["refund_time_mean_days"] == pytest.approx((2 + 5 + 0.5 + late) / 4)
    assert k["chargebacks"] == 3.0 and k["chargeback_cost"] == pytest.approx(42.0)
    assert k["reviews"] == 7.0 and k["review_share_3_stars"] == pytest.approx(1 / 7)


def test_duplicates_and_in_store_sales_are_excluded() -> None:
    o = _orders()
    excluded = [5, 7, 8, 9, 99]  # before the window, duplicate, in store, after, unknown
    only_rt = _returns().filter(pl.col("order_id").is_in(excluded))
    only_rv = _reviews().filter(pl.col("order_id").is_in(excluded))
    assert only_rt.height == 3 and only_rv.height == 3
    k = aftersales_kpis(o, only_rt, only_rv, start=START, end=END, observe_end=OBS)
    assert k["return_rate"] == 0.0 and k["chargebacks"] == 0.0 and k["reviews"] == 0.0
    assert k["return_cost_per_delivered_order"] == 0.0
    # duplicates and in-store sales are no delivered orders, even when delivered
    both = o.with_columns(
        delivered_at=pl.when(pl.col("order_id") == 8).then(9000.0).otherwise("delivered_at")
    )
    k = aftersales_kpis(both, NO_RETURNS, NO_REVIEWS, start=START, end=END, observe_end=OBS)
    assert k["picking_accuracy_true_orders"] == pytest.approx(1 - 2 / N)
    # the duplicate counts once it is a customer order
    customer = o.with_columns(duplicate_of=pl.lit(None, pl.UInt32))
    k = aftersales_kpis(customer, _returns(), None, start=START, end=END, observe_end=OBS)
    assert k["return_rate_wrong_item"] == pytest.approx(2 / (N + 1))


def test_nan_without_tables_zero_with_empty_ones() -> None:
    k = aftersales_kpis(_orders(), None, None, start=START, end=END, observe_end=OBS)
    assert set(k) == set(AFTERSALES_KPIS)
    assert all(math.isnan(v) for v in k.values()), k
    # the groups are independent: reviews without returns, returns without reviews
    k = aftersales_kpis(_orders(), None, _reviews(), start=START, end=END, observe_end=OBS)
    assert all(math.isnan(k[n]) for n in RETURN_NAMES)
    assert k["reviews"] == 6.0
    k = aftersales_kpis(_orders(), _returns(), None, start=START, end=END, observe_end=OBS)
    assert all(math.isnan(k[n]) for n in REVIEW_NAMES)
    assert k["return_rate"] == pytest.approx(7 / 8)
    # empty tables (the scenario has no returns or reviews): counts and rates 0, nothing to
    # share out is NaN
    k = aftersales_kpis(_orders(), NO_RETURNS, NO_REVIEWS, start=START, end=END, observe_end=OBS)
    zero = ["return_rate", *(f"return_rate_{r}" for r in RETURN_REASONS), "returns_refused"]
    zero += ["returns_received", "chargebacks", "chargeback_cost", "reviews", "review_rate"]
    zero += ["return_cost_per_delivered_order"]
    for name in zero:
        assert k[name] == 0.0, name
    assert k["picking_accuracy_inferred"] == 1.0
    assert k["picking_accuracy_true_orders"] == pytest.approx(1 - 2 / N)
    nan = ["returns_prevented_share", "refund_time_mean_days", "refund_time_p95_days"]
    nan += ["rating_mean", "negative_review_share", *(f"review_share_{s}_stars" for s in (1, 5))]
    for name in nan:
        assert math.isnan(k[name]), name
    # no delivered order in the cohort: counts 0, rates NaN
    k = aftersales_kpis(_orders(), _returns(), _reviews(), start=0.0, end=10.0, observe_end=OBS)
    assert k["chargebacks"] == 0.0 and k["reviews"] == 0.0 and k["returns_refused"] == 0.0
    for name in ("return_rate", "picking_accuracy_inferred", "review_rate"):
        assert math.isnan(k[name]), name
    assert math.isnan(k["return_cost_per_delivered_order"])


def test_run_kpis_uses_the_cohort_up_to_the_arrivals_end() -> None:
    k = run_kpis(
        _orders(), NO_STEPS, NO_ROSTER, warmup_min=START, end_min=OBS, arrivals_end_min=END,
        returns=_returns(), reviews=_reviews(),
    )  # fmt: skip
    expected = _kpis()
    for name in AFTERSALES_KPIS:
        assert k[name] == pytest.approx(expected[name], nan_ok=True), name
    assert k["orders_delivered"] == N  # the same denominator as the service KPIs
    # without the tables (every caller but kpis_of): NaN, no error
    k = run_kpis(_orders(), NO_STEPS, NO_ROSTER, end_min=OBS)
    assert all(math.isnan(k[n]) for n in AFTERSALES_KPIS)


def test_kpis_of_passes_the_runs_returns_and_reviews() -> None:
    from sim.experiments.runner import kpis_of

    run = {
        "orders": _orders(), "steps": NO_STEPS, "roster": NO_ROSTER, "customers": None,
        "start_minute_of_day": 0.0, "end_min": OBS, "arrivals_end_min": END,
    }  # fmt: skip
    both = SimpleNamespace(
        returns=SimpleNamespace(enabled=True), reviews=SimpleNamespace(enabled=True)
    )
    result = SimpleNamespace(
        **run, scenario=both, returns=_returns(), reviews=_reviews(), events=None
    )
    k = kpis_of(result, warmup_days=START / DAY)  # type: ignore[arg-type]
    assert k["return_rate"] == pytest.approx(7 / 8) and k["reviews"] == 6.0
    # a scenario that does not model returns: its empty table means "not modelled", not 0
    scenario = SimpleNamespace(
        returns=SimpleNamespace(enabled=False), reviews=SimpleNamespace(enabled=True)
    )
    off = SimpleNamespace(
        **run, scenario=scenario, returns=NO_RETURNS, reviews=NO_REVIEWS, events=None
    )
    k = kpis_of(off, warmup_days=START / DAY)  # type: ignore[arg-type]
    assert all(math.isnan(k[n]) for n in RETURN_NAMES)
    assert k["reviews"] == 0.0 and k["review_rate"] == 0.0


def test_every_aftersales_kpi_has_a_definition() -> None:
    assert set(AFTERSALES_KPIS) <= set(KPI_DEFS)
    for reason in RETURN_REASONS:
        assert kpi_def(f"return_rate_{reason}").unit == "share"  # drawn as % by the report
    better = {"picking_accuracy_inferred", "picking_accuracy_true_orders", "rating_mean"}
    better |= {"returns_prevented_share", "review_share_5_stars"}
    neither = {"reviews", "review_rate", "returns_received", "returns_refused"}
    neither |= {"review_share_3_stars", "review_share_4_stars"}
    for name in AFTERSALES_KPIS:
        d = KPI_DEFS[name]
        assert not d.headline, name
        if name in better:
            assert d.higher_is_better is True, name
        elif name in neither:
            assert d.higher_is_better is None, name
        else:
            assert d.higher_is_better is False, name
    assert "keep" in KPI_DEFS["picking_accuracy_inferred"].description
    assert KPI_DEFS["refund_time_p95_days"].unit == "days"

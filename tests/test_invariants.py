"""Invariants over random small scenarios (hypothesis): time order, one status, [0, 1] use."""

from __future__ import annotations

import polars as pl
from conftest import scenario_from
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.kpis.run_kpis import utilisation
from sim.model import run_replication

MILESTONES = [
    "placed_at", "paid_at", "released_at", "picked_at", "packed_at", "labelled_at",
    "shipped_at", "delivered_at",
]  # fmt: skip
WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@st.composite
def scenarios(draw):
    days = draw(st.sampled_from([1.0, 2.0]))
    manual = draw(st.booleans())
    shifts = [
        {"role": "pickers", "days": WEEK, "start": draw(st.sampled_from(["06:00", "22:00"])),
         "end": "14:00", "headcount": draw(st.integers(1, 5)),
         "breaks": [{"start": "10:00", "minutes": draw(st.sampled_from([15, 30]))}]},
        {"role": "packers", "days": WEEK, "start": "07:00",
         "end": draw(st.sampled_from(["15:00", "01:00"])), "headcount": draw(st.integers(1, 4))},
    ]  # fmt: skip
    if manual:
        shifts.append({"role": "office", "start": "09:00", "end": "17:00", "headcount": 1})
    raw = {
        "simulation": {"horizon_days": days, "drain_days": draw(st.sampled_from([0.0, 1.5]))},
        "demand": {"orders_per_day": draw(st.floats(20, 900))},
        "catalog": {"n_skus": 200},
        "picking": {
            "routing": draw(st.sampled_from(["s_shape", "return", "midpoint", "largest_gap"])),
            "error_prob_per_line": draw(st.sampled_from([0.0, 0.05])),
            "time_variability": draw(st.sampled_from(["none", "exponential", "lognormal"])),
        },
        "packing": {"verification": draw(st.sampled_from(["barcode", "visual", "none"]))},
        "labels": {"mode": draw(st.sampled_from(["per_order", "bulk"])), "jam_prob": 0.05},
        "shipping": {"notifications": "manual" if manual else "automatic"},
        "staffing": {"shifts": shifts},
    }
    return scenario_from(raw), draw(st.integers(0, 2**31 - 1))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants_hold_for_random_scenarios(case):
    sc, seed = case
    r = run_replication(sc, seed=seed)
    o = r.orders
    # times never decrease along an order, and a milestone is reached only after the previous
    for a, b in zip(MILESTONES, MILESTONES[1:], strict=False):
        both = o.drop_nulls([a, b])
        assert (both[b] >= both[a]).all(), (a, b)
        assert o.filter(pl.col(a).is_null() & pl.col(b).is_not_null()).height == 0, (a, b)
    # nothing after the end of the run
    for c in MILESTONES:
        assert o.filter(pl.col(c) > r.end_min).height == 0
    # exactly one status per order, and it matches the furthest milestone reached
    assert o["status"].null_count() == 0
    assert (o.filter(pl.col("status") == "delivered")["delivered_at"].null_count()) == 0
    assert (o.filter(pl.col("status") != "delivered")["delivered_at"].null_count()
            == o.filter(pl.col("status") != "delivered").height)  # fmt: skip
    # steps: ready <= start <= end; a worker never does two jobs at once
    s = r.steps
    started = s.drop_nulls("t_start")
    assert (started["t_start"] >= started["t_ready"]).all()
    ended = s.drop_nulls("t_end")
    assert (ended["t_end"] >= ended["t_start"]).all()
    jobs = (
        started.unique(["resource", "worker", "t_start"])
        .sort("resource", "worker", "t_start")
        .with_columns(pl.col("t_end").fill_null(r.end_min))
        .with_columns(pl.col("t_end").shift(1).over("resource", "worker").alias("prev_end"))
    )
    assert (jobs.drop_nulls("prev_end").select(pl.col("t_start") >= pl.col("prev_end")))[
        "t_start"
    ].all()
    # utilisation within [0, 1]
    u = utilisation(s, r.roster, start=0.0, end=r.end_min)
    assert u.height > 0
    vals = u["utilisation"].drop_nulls().drop_nans()
    assert ((vals >= 0) & (vals <= 1 + 1e-9)).all()


@st.composite
def receiving_scenarios(draw):
    """Random channels (integrated, manual, point of sale), payments and stock."""
    week = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    n_manual = draw(st.integers(0, 1))
    pos = draw(st.booleans())
    shares = [0.5, 0.3, 0.2][: 1 + n_manual + pos]
    shares[0] += 1 - sum(shares)
    channels = [{"name": "web", "share": shares[0], "order_delay_min": draw(st.sampled_from(
        [0.0, 3.0])), "stock_sync_min": draw(st.sampled_from([5.0, 60.0]))}]  # fmt: skip
    if n_manual:
        channels.append({"name": "market", "share": shares[1], "integration": "manual",
                         "rekey_every_h": draw(st.sampled_from([1.0, 4.0])),
                         "missed_prob": 0.05, "duplicate_prob": 0.05})  # fmt: skip
    if pos:
        channels.append({"name": "counter", "share": shares[-1], "point_of_sale": True,
                         "card_reader_failure_prob": 0.2})  # fmt: skip
    online = [c["name"] for c in channels if not c.get("point_of_sale")]
    shifts = [
        {"role": "pickers", "days": week, "start": "06:00", "end": "22:00", "headcount": 3},
        {"role": "packers", "days": week, "start": "06:00", "end": "22:00", "headcount": 2},
        {"role": "order_entry", "days": week, "start": "08:00", "end": "16:00", "headcount": 1},
        {"role": "payment_review", "days": week, "start": "09:00", "end": "17:00",
         "headcount": 1},
    ]  # fmt: skip
    raw = {
        "simulation": {"horizon_days": 2.0, "drain_days": draw(st.sampled_from([0.0, 2.0]))},
        "demand": {"orders_per_day": draw(st.floats(50, 600)), "channels": channels},
        "catalog": {"n_skus": 200},
        "payment": {
            "gate_fulfilment_on_payment": draw(st.booleans()),
            "processors": [
                {
                    "name": "p",
                    "channels": online,
                    "decline_prob": 0.3,
                    "fraud_review_share": draw(st.sampled_from([0.0, 0.2])),
                    "outages": [
                        {
                            "start": "2026-03-02T10:00:00",
                            "end": "2026-03-02T12:00:00",
                            "mode": draw(st.sampled_from(["fail", "wait"])),
                        }
                    ],
                }
            ],
        },  # fmt: skip
        "inventory": {
            "enabled": draw(st.booleans()),
            "reorder_point_days": 0.5,
            "order_up_to_days": draw(st.sampled_from([1.0, 3.0])),
            "supplier_lead_time_days": 1.0,
            "oversell_policy": draw(st.sampled_from(["cancel", "backorder"])),
        },
        "staffing": {"shifts": shifts},
    }
    return scenario_from(raw), draw(st.integers(0, 2**31 - 1))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(receiving_scenarios())
def test_receiving_invariants_hold_for_random_scenarios(case):
    sc, seed = case
    r = run_replication(sc, seed=seed)
    o = r.orders
    gate = sc.payment.gate_fulfilment_on_payment
    chains = [["placed_at", "received_at", "released_at", "picked_at", "shipped_at"]]
    if gate:  # only paid orders are released
        chains.append(["placed_at", "paid_at", "released_at"])
    for chain in chains:
        for a, b in zip(chain, chain[1:], strict=False):
            both = o.drop_nulls([a, b])
            assert (both[b] >= both[a]).all(), (a, b)
            assert o.filter(pl.col(a).is_null() & pl.col(b).is_not_null()).height == 0, (a, b)
    # a lost sale is never released, and it is lost once, after it was placed
    lost = o.filter(pl.col("status") == "lost")
    assert lost["released_at"].null_count() == lost.height
    assert (lost["lost_cause"] != "none").all()
    when = r.events.filter(pl.col("event") == "sale_lost")
    assert sorted(when["order_id"].to_list()) == sorted(lost["order_id"].to_list())
    j = lost.join(when, on="order_id")
    assert (j["t"] >= j["placed_at"]).all() and (j["t"] <= r.end_min).all()
    assert (o.filter(pl.col("status") != "lost")["lost_cause"] == "none").all()
    # counter sales never reach the warehouse
    store = o.filter(pl.col("in_store"))
    assert not set(store["order_id"].to_list()) & set(r.steps["order_id"].to_list())
    # duplicates come from manual channels only, and point at a customer order
    dups = o.filter(pl.col("duplicate_of").is_not_null())
    assert set(dups["duplicate_of"].to_list()) <= set(o["order_id"].to_list())
    assert set(dups["channel"].cast(pl.String).to_list()) <= {"market"}
    # stock: start + received = on hand + held + shipped, never negative
    if sc.inventory.enabled:
        s = r.stock
        start = s.filter(pl.col("t") == 0).select("sku", pl.col("on_hand").alias("s0"))
        j = s.join(start, on="sku")
        total = j["s0"] + j["received"] + j["returned"]
        assert (total == j["on_hand"] + j["held"] + j["shipped"]).all()
        assert (s["on_hand"] >= 0).all() and (s["held"] >= 0).all()
    else:
        assert r.stock.height == 0

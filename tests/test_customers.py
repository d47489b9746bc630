"""Customers: the population reproduces the demand, experiences move it, messages are timed."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from conftest import scenario_from, small_raw

from sim.config.customers import ENCOUNTERS
from sim.experiments.runner import kpis_of
from sim.model import run_replication
from sim.units import DAY

NO_ENCOUNTER_LAPSES = {e: {"lapse_prob": 0.0} for e in ENCOUNTERS}


def customer_scenario(days: float = 28, drain: float = 3, **extra):
    raw = small_raw(orders_per_day=300, days=days, drain=drain)
    raw["customers"] = {"enabled": True, **extra.pop("customers", {})}
    for key, value in extra.items():
        raw[key] = value
    return scenario_from(raw)


def test_with_nothing_going_wrong_the_customers_place_the_demand():
    """A steady-state customer base places demand.orders_per_day x the weekday multiplier,
    in the demand's hour-of-day profile (Poisson counts: within 4 standard deviations)."""
    sc = customer_scenario(days=28, drain=0, customers={"encounters": NO_ENCOUNTER_LAPSES})
    counts = []
    for seed in (1, 2, 3):
        o = run_replication(sc, seed=seed).orders
        counts.append(o.height)
    d = sc.demand
    mult = [d.weekday_multipliers.get(w, 1.0) for w in ("mon", "tue", "wed", "thu", "fri")]
    mult += [d.weekday_multipliers.get(w, 1.0) for w in ("sat", "sun")]
    expected = d.orders_per_day * 4 * sum(mult)  # four weeks
    sd = math.sqrt(expected)
    for n in counts:
        assert abs(n - expected) < 4 * sd + 0.03 * expected, (n, expected)
    # hour of day: the share of orders in 09:00-18:00 matches the profile's
    w = np.asarray(d.hourly_weights)
    hours = (o["placed_at"] % DAY) // 60
    share = float((hours.is_between(9, 17)).mean())
    assert share == pytest.approx(w[9:18].sum() / w.sum(), abs=0.02)


def test_the_customer_base_records_every_order_and_its_revenue():
    sc = customer_scenario(days=14)
    r = run_replication(sc, seed=4)
    o = r.orders.filter(pl.col("duplicate_of").is_null())
    c = r.customers
    assert set(o["customer_id"].to_list()) <= set(c["customer_id"].to_list())
    per = o.group_by("customer_id").agg(
        pl.len().alias("n"),
        pl.col("value")
        .filter(pl.col("status").is_in(["delivered", "sold_in_store"]))
        .cast(pl.Float64)
        .sum()
        .alias("fulfilled"),
    )
    j = c.join(per, on="customer_id", how="left").with_columns(
        pl.col("n").fill_null(0), pl.col("fulfilled").fill_null(0.0)
    )
    assert (j["n_orders"] == j["n"]).all()
    assert np.allclose(j["revenue"].to_numpy(), j["fulfilled"].to_numpy(), rtol=1e-5)
    # a repeat customer's orders are far apart on average (4 a year), new ones join daily
    assert c.filter(~pl.col("initial"))["joined_at"].is_not_null().all()
    assert (c.filter(pl.col("initial"))["n_orders"] == 0).any()  # the base is bigger


def test_a_customer_who_lapsed_orders_no_more_and_for_one_recorded_reason():
    sc = customer_scenario(
        days=40, picking={"error_prob_per_line": 0.2}, packing={"verification": "none"}
    )
    r = run_replication(sc, seed=5)
    o = r.orders.filter(pl.col("duplicate_of").is_null())
    lapsed = r.customers.filter(pl.col("lapsed_at").is_not_null())
    assert lapsed.height > 50
    assert (lapsed["lapse_cause"] != "none").all()
    j = o.join(lapsed.select("customer_id", "lapsed_at", "lapse_cause"), on="customer_id")
    assert (j["placed_at"] <= j["lapsed_at"]).all()  # nothing after leaving
    # the lapse happened when one of its orders was delivered, with that order's encounter
    delivered = j.filter(pl.col("delivered_at") == pl.col("lapsed_at"))
    assert delivered["customer_id"].n_unique() == lapsed.height
    wrong = delivered.filter(pl.col("lapse_cause") == "wrong_item")
    assert wrong.height > 0 and (wrong["pick_errors_shipped"] > 0).all()
    late = delivered.filter(pl.col("lapse_cause") == "late")
    assert (late["delivered_at"] > late["promised_at"]).all()


@pytest.mark.slow
def test_more_picking_errors_lose_customers_and_purchase_frequency():
    """Same seed, same customers: raising the pick-error rate (no verification at packing)
    raises lapses for wrong items and lowers the purchase frequency, on every seed."""
    careful = customer_scenario(days=60, packing={"verification": "none"})
    careless = customer_scenario(
        days=60, picking={"error_prob_per_line": 0.05}, packing={"verification": "none"}
    )
    for seed in (1, 2, 3):
        a = kpis_of(run_replication(careful, seed=seed), warmup_days=0)
        b = kpis_of(run_replication(careless, seed=seed), warmup_days=0)
        assert b["customers_lapsed_wrong_item"] > a["customers_lapsed_wrong_item"]
        assert b["purchase_frequency_window"] < a["purchase_frequency_window"]
        assert b["orders_placed"] < a["orders_placed"]


def test_a_good_experience_brings_customers_back_sooner():
    # a loyal base (8 in 10 stay after an order): the effect acts on repeat orders only
    plain = customer_scenario(days=40, customers={"base_lapse_prob": 0.2})
    followed = customer_scenario(
        days=40,
        customers={"good_experience_gap_factor": 0.5, "base_lapse_prob": 0.2},
        notifications={"follow_up_days": 2},
    )
    a = run_replication(plain, seed=6).orders.height
    b = run_replication(followed, seed=6).orders.height
    assert b > a * 1.02


def test_messages_go_out_at_their_computed_times():
    sc = customer_scenario(
        days=10,
        notifications={
            "order_confirmation": True,
            "sms_delivery_updates": True,
            "follow_up_days": 3,
            "review_request_days": 5,
        },
    )
    r = run_replication(sc, seed=7)
    ev, o = r.events, r.orders
    end = r.end_min
    assert (ev["t"] <= end).all()

    def at(event: str) -> pl.DataFrame:
        return ev.filter(pl.col("event") == event).join(o, on="order_id")

    conf = at("order_confirmation_sent")
    assert conf.height == o.filter(~pl.col("in_store")).height
    assert (conf["t"] == conf["placed_at"]).all()
    for event, days in (("follow_up_sent", 3), ("review_request_sent", 5)):
        sent = at(event)
        assert sent.height > 0
        assert np.allclose(sent["t"], sent["delivered_at"] + days * DAY)
        due = o.filter(pl.col("delivered_at") + days * DAY <= end)
        assert sent.height == due.height
    sms = at("sms_delivered")
    assert (sms["t"] == sms["delivered_at"]).all()
    out = at("sms_out_for_delivery")
    assert ((out["t"] <= out["delivered_at"]) & (out["t"] >= out["shipped_at"])).all()


def test_every_negative_encounter_is_counted_once():
    """Each lapsed customer has one cause; the KPIs by cause add up to the lapses; a cause is
    an encounter that happened on one of the customer's orders (or a slow refund)."""
    sc = customer_scenario(
        days=30, picking={"error_prob_per_line": 0.1}, packing={"verification": "none"}
    )
    r = run_replication(sc, seed=8)
    k = kpis_of(r)
    causes = set(r.customers["lapse_cause"].cast(pl.String).to_list())
    assert "wrong_item" in causes
    by_cause = sum(k[f"customers_lapsed_{c}"] for c in ("base", *ENCOUNTERS))
    assert by_cause == k["customers_lapsed"] > 0
    o = r.orders.filter(pl.col("duplicate_of").is_null())
    encounters = o.select(
        "customer_id",
        late=(pl.col("delivered_at") > pl.col("promised_at")).fill_null(False),
        damaged=pl.col("damaged"),
        wrong_item=pl.col("pick_errors_shipped") > 0,
    )
    lapsed = r.customers.filter(pl.col("lapse_cause").is_in(["late", "damaged", "wrong_item"]))
    for cause in ("late", "damaged", "wrong_item"):
        who = lapsed.filter(pl.col("lapse_cause") == cause)["customer_id"]
        had = encounters.filter(pl.col(cause))["customer_id"]
        assert set(who.to_list()) <= set(had.to_list()), cause

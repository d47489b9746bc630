"""Receiving orders: channels, manual consolidation, duplicates, payments and their gate."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest

from sim.experiments.runner import run_with_kpis
from sim.model import run_replication
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHORT = {"simulation.horizon_days": 5, "simulation.drain_days": 2}
MANUAL = ("amazon", "ebay")


def scenario(name: str, **overrides):
    return load_scenario(SCENARIOS / f"{name}.toml", {**SHORT, **overrides})


@pytest.fixture(scope="module")
def manual():
    return run_with_kpis(scenario("manual_consolidation"), seed=2)


def channel(col: str = "channel") -> pl.Expr:
    return pl.col(col).cast(pl.String)


def test_no_order_ships_twice_unless_a_duplicate_keyed_by_mistake_and_flagged(manual):
    r, k = manual
    shipped = r.orders.filter(pl.col("shipped_at").is_not_null())
    per_source = shipped.group_by(pl.coalesce("duplicate_of", "order_id").alias("src")).agg(
        pl.len().alias("n"), pl.col("duplicate_of").is_null().sum().alias("originals")
    )
    assert per_source["originals"].max() == 1  # a customer order ships at most once
    twice = per_source.filter(pl.col("n") > 1)
    assert twice.height > 0  # the test can see duplicates: there are some
    dups = r.orders.filter(pl.col("duplicate_of").is_not_null())
    assert set(dups.select(channel())["channel"].to_list()) <= set(MANUAL)
    assert (dups["order_id"] >= 2**31).all()
    originals = r.orders.join(dups, left_on="order_id", right_on="duplicate_of", suffix="_d")
    assert originals.height == dups.height  # every duplicate points at a real order
    assert (originals["placed_at"] == originals["placed_at_d"]).all()
    assert (originals["value"] == originals["value_d"]).all()
    assert k["duplicates_shipped"] == pytest.approx(
        shipped.filter(
            pl.col("duplicate_of").is_not_null() & (pl.col("placed_at") <= r.arrivals_end_min)
        ).height
    )


def test_manual_orders_are_keyed_in_sessions_by_order_entry_staff(manual):
    r, k = manual
    o = r.orders
    rekey = r.steps.filter(pl.col("step") == "rekey")
    assert set(rekey["resource"].cast(pl.String).unique().to_list()) == {"order_entry"}
    keyed = o.filter(channel().is_in(MANUAL) & pl.col("received_at").is_not_null())
    keyed = keyed.filter(pl.col("duplicate_of").is_null())
    ok = rekey.filter(pl.col("outcome") == "ok")
    assert sorted(ok["order_id"].to_list()) == sorted(keyed["order_id"].to_list())
    # received when keyed; sessions start every 3 h from each shift start, so a manual order
    # waits for one: never received before its key stroke ended
    j = keyed.join(ok, on="order_id")
    assert (j["received_at"] == j["t_end"]).all()
    assert (j["t_ready"] >= j["placed_at"]).all()
    session_minutes = set(((j["t_ready"] + r.start_minute_of_day) % 1440).round(6).to_list())
    assert session_minutes <= {8 * 60.0, 11 * 60.0, 14 * 60.0}
    # labour: 90 s per keyed order inside the window
    in_window = ok.filter(pl.col("t_end") <= r.arrivals_end_min)
    assert k["consolidation_labour_h"] == pytest.approx(in_window.height * 90 / 3600, rel=0.02)
    # missed orders were never keyed
    missed = o.filter(pl.col("lost_cause") == "missed")
    assert missed.height > 0 and missed["received_at"].null_count() == missed.height
    assert not set(missed["order_id"].to_list()) & set(rekey["order_id"].to_list())


@pytest.mark.parametrize("name", ["manual_consolidation", "integrated_oms"])
def test_with_the_payment_gate_no_unpaid_order_is_released(name):
    r = run_replication(scenario(name), seed=5)
    released = r.orders.filter(pl.col("released_at").is_not_null())
    assert released.height > 1000
    assert released["paid_at"].null_count() == 0
    assert (released["paid_at"] <= released["released_at"]).all()
    declined = r.orders.filter(pl.col("lost_cause") == "payment_declined")
    assert declined.height > 0 and declined["released_at"].null_count() == declined.height
    told = r.events.filter(pl.col("event") == "cancellation_sent")["order_id"]
    online = declined.filter(~pl.col("in_store"))["order_id"]
    assert set(online.to_list()) <= set(told.to_list())


def test_without_the_gate_unpaid_orders_ship_and_are_counted():
    sc = scenario("integrated_oms", **{"payment.gate_fulfilment_on_payment": False})
    r, k = run_with_kpis(sc, seed=5)
    o = r.orders
    online = o.filter(~pl.col("in_store"))
    assert online.filter(pl.col("lost_cause") == "payment_declined").height == 0
    unpaid = o.filter(
        pl.col("shipped_at").is_not_null()
        & pl.col("paid_at").is_null()
        & pl.col("duplicate_of").is_null()
        & (pl.col("placed_at") <= r.arrivals_end_min)
    )
    assert unpaid.height > 0
    assert k["unpaid_shipped"] == unpaid.height
    assert k["unpaid_shipped_value"] == pytest.approx(unpaid["value"].cast(pl.Float64).sum())


def _declined_ids(sc, seed: int) -> set[int]:
    r = run_replication(sc, seed=seed)
    return set(r.orders.filter(pl.col("lost_cause") == "payment_declined")["order_id"].to_list())


def test_an_outage_raises_lost_sales_only_inside_its_window():
    # without stock, an order's payment fate depends only on its own draws and the clock
    base = {"inventory.enabled": False}
    start, end = dt.datetime(2026, 3, 4, 19), dt.datetime(2026, 3, 4, 21)
    outage = [{"start": start, "end": end, "mode": "fail"}]
    sc = scenario("integrated_oms", **base)
    p0 = sc.payment.processors[0].model_dump()
    with_outage = scenario("integrated_oms", **base, **{"payment.processors": [
        {**p0, "outages": outage}, sc.payment.processors[1].model_dump()]})  # fmt: skip
    without = scenario("integrated_oms", **base, **{"payment.processors": [
        {**p0, "outages": []}, sc.payment.processors[1].model_dump()]})  # fmt: skip
    r = run_replication(with_outage, seed=7)
    lost_with = set(
        r.orders.filter(pl.col("lost_cause") == "payment_declined")["order_id"].to_list()
    )
    lost_without = _declined_ids(without, 7)
    assert lost_without <= lost_with  # an outage never saves a payment
    extra = r.orders.filter(pl.col("order_id").is_in(list(lost_with - lost_without)))
    assert extra.height > 20  # the evening peak: many shoppers hit the outage
    t0 = (start - sc.simulation.start).total_seconds() / 60
    t1 = (end - sc.simulation.start).total_seconds() / 60
    p = with_outage.payment.processors[0]
    # the last retry of an order placed before the window can still fall inside it
    reach = p.n_retries * (p.retry_delay_min + p.auth_time_s / 60)
    assert extra["placed_at"].min() >= t0 - reach - 1e-9
    assert extra["placed_at"].max() < t1
    assert set(extra.select(channel())["channel"].to_list()) == {"webshop"}


def test_a_waiting_outage_delays_payments_and_loses_nothing():
    base = {"inventory.enabled": False}
    start, end = dt.datetime(2026, 3, 4, 19), dt.datetime(2026, 3, 4, 21)
    sc = scenario("integrated_oms", **base)
    p0 = sc.payment.processors[0].model_dump()
    waiting = scenario("integrated_oms", **base, **{"payment.processors": [
        {**p0, "outages": [{"start": start, "end": end, "mode": "wait"}]},
        sc.payment.processors[1].model_dump()]})  # fmt: skip
    without = scenario("integrated_oms", **base, **{"payment.processors": [
        {**p0, "outages": []}, sc.payment.processors[1].model_dump()]})  # fmt: skip
    assert _declined_ids(waiting, 7) == _declined_ids(without, 7)
    r = run_replication(waiting, seed=7)
    t0 = (start - sc.simulation.start).total_seconds() / 60
    t1 = (end - sc.simulation.start).total_seconds() / 60
    hit = r.orders.filter(
        (channel() == "webshop") & pl.col("placed_at").is_between(t0, t1, closed="left")
        & pl.col("paid_at").is_not_null() & (pl.col("payment_attempts") == 1)
    )  # fmt: skip
    assert hit.height > 20
    assert (hit["paid_at"] >= t1).all()


def test_payment_losses_match_the_retry_model():
    """P(lost) = d * L0, with L_n = 1 and L_k = (1 - r) + r q L_(k+1): first-attempt decline d,
    retry probability r, retry decline q, n retries (computed here, not by the model)."""
    sc = scenario(
        "integrated_oms",
        **{"inventory.enabled": False, "simulation.horizon_days": 10},
    )
    p = sc.payment.processors[0].model_copy(update={"outages": []})
    sc = sc.model_copy(update={"payment": sc.payment.model_copy(
        update={"processors": (p, sc.payment.processors[1])})})  # fmt: skip
    r = run_replication(sc, seed=11)
    web = r.orders.filter((channel() == "webshop") & (pl.col("placed_at") <= r.end_min - 120))
    d, q, rr, n = p.decline_prob, p.retry_decline_prob, p.retry_prob, p.n_retries
    loss = 1.0
    for _ in range(n):
        loss = (1 - rr) + rr * q * loss
    expected = d * loss
    observed = web.filter(pl.col("lost_cause") == "payment_declined").height / web.height
    sd = math.sqrt(expected * (1 - expected) / web.height)
    assert abs(observed - expected) < 4 * sd, (observed, expected, web.height)


def test_point_of_sale_orders_skip_the_warehouse_and_keep_shop_hours(manual):
    r, _ = manual
    shop = r.orders.filter(channel() == "shop")
    assert shop.height > 100 and shop["in_store"].all()
    hours = ((shop["placed_at"] + r.start_minute_of_day) % 1440) / 60
    assert hours.min() >= 9 and hours.max() < 18  # the channel's own profile
    assert set(shop["status"].cast(pl.String).unique().to_list()) <= {"sold_in_store", "lost"}
    assert not set(shop["order_id"].to_list()) & set(r.steps["order_id"].to_list())
    sold = shop.filter(pl.col("status") == "sold_in_store")
    assert (sold["paid_at"] - sold["placed_at"]).min() >= 15 / 60 - 1e-9  # the card reader


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_integrated_never_oversells_more_than_manual_on_the_same_demand(seed):
    _, manual_k = run_with_kpis(scenario("manual_consolidation"), seed=seed)
    _, integrated_k = run_with_kpis(scenario("integrated_oms"), seed=seed)
    assert manual_k["orders_placed"] == integrated_k["orders_placed"]  # the same demand
    assert integrated_k["orders_oversold"] <= manual_k["orders_oversold"]
    assert manual_k["orders_oversold"] > 0

"""Stock per SKU: conservation at every day's end, reconciled with the orders table."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sim.calendar import Calendar
from sim.demand import Catalog, OrderSource
from sim.model import layout_of, run_replication
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHORT = {"simulation.horizon_days": 5, "simulation.drain_days": 2}
SEED = 3


def regenerated_lines(sc, seed: int) -> dict[int, dict[int, int]]:
    """Units per SKU of every customer order, straight from the demand streams."""
    cat = Catalog.build(sc, layout_of(sc), seed)
    sku_of_slot = {int(s): k for k, s in enumerate(cat.slot)}
    out = {}
    for o in OrderSource(sc, Calendar(sc), cat, seed, 0).orders():
        need: dict[int, int] = defaultdict(int)
        for slot, u in zip(o.slots, o.units, strict=True):
            need[sku_of_slot[slot]] += u
        out[o.id] = dict(need)
    return out


def units_by_sku(ids: list[int], lines: dict[int, dict[int, int]], n: int) -> np.ndarray:
    total = np.zeros(n, dtype=np.int64)
    for i in ids:
        for k, u in lines[i].items():
            total[k] += u
    return total


@pytest.mark.parametrize("name", ["manual_consolidation", "integrated_oms"])
def test_stock_is_conserved_per_sku_at_every_days_end(name):
    sc = load_scenario(SCENARIOS / f"{name}.toml", SHORT)
    r = run_replication(sc, seed=SEED)
    stock, orders = r.stock, r.orders
    n = sc.catalog.n_skus
    times = stock["t"].unique().sort().to_list()
    assert times[0] == 0 and len(times) == 1 + 7  # the start and every day's end
    # start + received = on hand + held + shipped, per SKU and day
    start = stock.filter(pl.col("t") == 0).select("sku", pl.col("on_hand").alias("start"))
    gap = stock.join(start, on="sku").select(
        pl.col("start") + pl.col("received") + pl.col("returned") - pl.col("on_hand")
        - pl.col("held") - pl.col("shipped")
    ).to_series()  # fmt: skip
    assert (gap == 0).all()
    assert (stock["on_hand"] >= 0).all() and (stock["held"] >= 0).all()
    assert stock["received"].max() > 0  # replenishment happened

    # reconcile with the orders: what left by t is what was shipped by t (parcels at their
    # pickup, counter sales when paid); what is held at t was received and neither lost nor
    # shipped by then. Lines come from the demand streams, not from the model.
    lines = regenerated_lines(sc, SEED)
    lost_at = r.events.filter(pl.col("event") == "sale_lost").select("order_id", lost_at="t")
    o = orders.join(lost_at, on="order_id", how="left").with_columns(
        pl.coalesce("duplicate_of", "order_id").alias("source")
    )
    assert o.filter(pl.col("lost_at").is_not_null()).height == (o["status"] == "lost").sum()
    for t in times:
        sent = o.filter(
            (pl.col("shipped_at") <= t) | (pl.col("in_store") & (pl.col("paid_at") <= t))
        )
        held = o.filter(
            (pl.col("received_at") <= t)
            & ~pl.col("in_store")
            & ~(pl.col("lost_at") <= t).fill_null(False)
            & ~(pl.col("shipped_at") <= t).fill_null(False)
        )
        at_t = stock.filter(pl.col("t") == t).sort("sku")
        shipped = units_by_sku(sent["source"].to_list(), lines, n)
        assert np.array_equal(at_t["shipped"].to_numpy(), shipped), t
        assert np.array_equal(
            at_t["held"].to_numpy(), units_by_sku(held["source"].to_list(), lines, n)
        ), t


def test_backorders_wait_for_replenishment_and_are_not_lost():
    sc = load_scenario(
        SCENARIOS / "manual_consolidation.toml",
        {**SHORT, "inventory.oversell_policy": "backorder"},
    )
    r = run_replication(sc, seed=SEED)
    o = r.orders
    assert o.filter(pl.col("lost_cause") == "oversold").height == 0
    back = o.filter(pl.col("backordered"))
    assert back.height > 0 and back["oversold"].all()
    released = back.filter(pl.col("released_at").is_not_null())
    assert released.height > 0
    # a backordered order is released only after a replenishment of one of its SKUs arrived:
    # between the last snapshot before it came in and the first one after its release
    lines = regenerated_lines(sc, SEED)
    received = {t: f.sort("sku")["received"].to_numpy() for (t,), f in r.stock.group_by("t")}
    times = sorted(received)
    rows = released.select(pl.coalesce("duplicate_of", "order_id"), "received_at", "released_at")
    for oid, came, left in rows.rows():
        before = max(t for t in times if t <= came)
        after = min(t for t in times if t >= left)
        skus = list(lines[oid])
        assert (received[after][skus] > received[before][skus]).any(), oid
    notices = r.events.filter(pl.col("event") == "backorder_notice_sent")["order_id"]
    assert sorted(notices.to_list()) == sorted(back["order_id"].to_list())
    # conservation holds with partial allocations too
    start = r.stock.filter(pl.col("t") == 0).select("sku", pl.col("on_hand").alias("s"))
    j = r.stock.join(start, on="sku")
    assert (j["s"] + j["received"] + j["returned"] == j["on_hand"] + j["held"] + j["shipped"]).all()


def test_without_inventory_the_stock_table_is_empty_and_nothing_is_oversold():
    sc = load_scenario(SCENARIOS / "integrated_oms.toml", {**SHORT, "inventory.enabled": False})
    r = run_replication(sc, seed=SEED)
    assert r.stock.height == 0
    causes = set(r.orders["lost_cause"].cast(pl.String).to_list())
    assert not causes & {"stock_out", "oversold"}

"""Calibrated release hold: a history with a known extra handling delay is recovered."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from analysis.calibration.hold import hold_quantiles_min, needs_hold
from analysis.importers.history import history_of
from sim.cli import main
from sim.model import run_replication
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
HOLD_MEAN_MIN, HOLD_CV = 2880.0, 0.5  # two days on average: a slow marketplace seller
# lognormal median = mean / sqrt(1 + cv^2)
HOLD_MEDIAN_H = HOLD_MEAN_MIN / math.sqrt(1 + HOLD_CV**2) / 60.0  # 42.9 h


def test_hold_quantiles_subtract_the_shift_and_never_go_below_zero():
    real = np.arange(0.0, 101.0)  # hours 0..100: quantile at p is 100 p
    q = hold_quantiles_min(real, 10.0)
    assert q[0] == 0.0 and q[10] == 0.0  # p = 0.1: 10 h - 10 h
    assert q[50] == pytest.approx(40 * 60)  # p = 0.5: 50 h - 10 h, in minutes
    assert q[100] == pytest.approx(90 * 60)
    # the rule's gap: more than 1 h and a quarter of the model's median
    assert needs_hold(np.full(5, 14.0), np.full(5, 10.0))
    assert not needs_hold(np.full(5, 12.0), np.full(5, 10.0))  # 2 h < 2.5 h
    assert not needs_hold(np.full(5, 1.8), np.full(5, 1.0))  # 0.8 h < 1 h


def _stamp(start: dt.datetime, minutes: float) -> str | None:
    if minutes != minutes:  # NaN
        return None
    return (start + dt.timedelta(minutes=float(minutes))).strftime("%Y-%m-%d %H:%M:%S")


def write_olist(orders: pl.DataFrame, start: dt.datetime, folder: Path) -> int:
    """The model's delivered orders as the four Olist files; returns the orders written."""
    folder.mkdir()
    done = orders.filter(pl.col("delivered_at").is_not_nan() & pl.col("shipped_at").is_not_nan())
    rows, items, customers = [], [], []
    for oid, placed, paid, shipped, delivered, promised, nl in done.select(
        "order_id", "placed_at", "paid_at", "shipped_at", "delivered_at", "promised_at", "n_lines"
    ).iter_rows():
        o, c = f"o{oid}", f"c{oid}"
        times = (placed, paid, shipped, delivered, promised)
        rows.append((o, c, "delivered", *(_stamp(start, t) for t in times)))
        customers.append((c, f"u{oid}"))
        for k in range(int(nl)):
            items.append((o, k + 1, f"p{(oid * 7 + k) % 300}", "s1", 20.0))
    cols = ["order_id", "customer_id", "order_status", "order_purchase_timestamp",
            "order_approved_at", "order_delivered_carrier_date",
            "order_delivered_customer_date", "order_estimated_delivery_date"]  # fmt: skip
    pl.DataFrame(rows, schema=cols, orient="row").write_csv(folder / "olist_orders_dataset.csv")
    pl.DataFrame(
        items, schema=["order_id", "order_item_id", "product_id", "seller_id", "price"],
        orient="row",
    ).write_csv(folder / "olist_order_items_dataset.csv")  # fmt: skip
    pl.DataFrame(customers, schema=["customer_id", "customer_unique_id"], orient="row").write_csv(
        folder / "olist_customers_dataset.csv"
    )
    return len(rows)


@pytest.mark.slow
def test_a_known_extra_handling_delay_is_recovered(tmp_path, capsys):
    over = {
        "simulation.horizon_days": 14,
        "demand.orders_per_day": 150,
        "hold.mean_min": HOLD_MEAN_MIN,
        "hold.cv": HOLD_CV,
    }
    sc = load_scenario(BASELINE, over)
    gen = run_replication(sc, 5, 0).orders
    folder = tmp_path / "olist"
    n = write_olist(gen, sc.simulation.start, folder)
    assert n > 1500
    toml = tmp_path / "fitted.toml"
    rc = main(["calibrate", str(folder), "--format", "olist", "-o", str(toml),
               "--base", str(BASELINE), "--rejects", str(tmp_path / "rejects.csv")])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    hold = tomllib.loads(toml.read_text())["hold"]
    assert hold["family"] == "empirical"
    fitted_median_h = hold["quantiles_min"][50] / 60.0
    assert fitted_median_h == pytest.approx(HOLD_MEDIAN_H, rel=0.10)
    # end to end: the calibrated scenario's simulated handling median matches the history's
    real = gen.filter(pl.col("shipped_at").is_not_nan())
    real_h = ((real["shipped_at"] - real["paid_at"]) / 60.0).median()
    replay = load_scenario(toml, {"replay.orders": str(folder), "replay.format": "olist"})
    sim = run_replication(replay, 1, 0, history=history_of(replay)).orders.filter(
        pl.col("shipped_at").is_not_nan()
    )
    sim_h = ((sim["shipped_at"] - sim["paid_at"]) / 60.0).median()
    print(f"hold median {fitted_median_h:.1f} h (true {HOLD_MEDIAN_H:.1f}); handling median "
          f"real {real_h:.1f} h, simulated {sim_h:.1f} h")  # fmt: skip
    assert sim_h == pytest.approx(real_h, rel=0.10)


def test_a_fixed_hold_delays_every_release_and_leaves_the_orders_unchanged():
    over = {"simulation.horizon_days": 1, "demand.orders_per_day": 300}
    plain = run_replication(load_scenario(BASELINE, over), 3, 0).orders
    held = run_replication(
        load_scenario(BASELINE, {**over, "hold.mean_min": 600.0, "hold.cv": 0.0}), 3, 0
    ).orders
    # common random numbers: the same orders, placed and paid at the same times
    for col in ("order_id", "placed_at", "n_lines", "n_units", "service"):
        assert held[col].to_list() == plain[col].to_list()
    rel = held.filter(pl.col("released_at").is_not_nan())
    assert rel.height > 250
    # a fixed hold of 10 h: nobody reaches picking sooner than 600 min after payment
    assert ((rel["released_at"] - rel["paid_at"]) >= 600.0 - 1e-6).all()
    assert ((plain["released_at"] - plain["paid_at"]).drop_nans() < 600.0).mean() > 0.5

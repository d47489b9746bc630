"""Special orders: high-value orders get a gift, note or discount code at packing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sim.experiments.runner import kpis_of
from sim.model import run_replication
from sim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = {
    "simulation.horizon_days": 2,
    "simulation.drain_days": 3,
    "demand.orders_per_day": 400,
    "packing.time_variability": "none",  # pack times are then exact sums of their parts
}
THRESHOLD = 100.0
NOTE_S = 45.0


@pytest.fixture(scope="module")
def pair():
    plain = run_replication(load_scenario(BASELINE, SMALL), 5, 0)
    noted = run_replication(
        load_scenario(
            BASELINE,
            {**SMALL, "special_orders.high_value_action": "handwritten_note",
             "special_orders.high_value_min_value": THRESHOLD,
             "special_orders.handwritten_note_time_s": NOTE_S,
             "special_orders.handwritten_note_cost": 0.3},
        ),
        5, 0,
    )  # fmt: skip
    return plain, noted


def test_by_default_no_order_gets_an_action(pair):
    plain, _ = pair
    assert plain.orders["special_action"].cast(pl.String).unique().to_list() == ["none"]
    assert plain.orders["special_cost"].sum() == 0


def test_high_value_orders_get_the_note_and_only_they(pair):
    _, noted = pair
    packed = noted.orders.filter(pl.col("packed_at").is_not_null())
    clear = packed.filter((pl.col("value") - THRESHOLD).abs() > 1e-3)  # float32 column
    high = clear.filter(pl.col("value") > THRESHOLD)
    assert high.height > 20 and clear.height - high.height > 20
    assert high["special_action"].cast(pl.String).unique().to_list() == ["handwritten_note"]
    assert high["special_cost"].to_list() == pytest.approx([0.3] * high.height)
    low = clear.filter(pl.col("value") < THRESHOLD)
    assert low["special_action"].cast(pl.String).unique().to_list() == ["none"]
    assert low["special_cost"].sum() == 0


def test_the_note_adds_exactly_its_time_to_the_packing_of_high_value_orders(pair):
    """Same seed, same orders: each order's successful pack step lasts exactly NOTE_S longer
    when it gets the note, and exactly as long otherwise (queues may shift, durations not)."""
    plain, noted = pair

    def durations(run):
        ok = run.steps.filter(
            (pl.col("step").cast(pl.String) == "pack") & (pl.col("outcome").cast(pl.String) == "ok")
        )
        return ok.select("order_id", (pl.col("t_end") - pl.col("t_start")).alias("d"))

    both = (
        durations(plain)
        .join(durations(noted), on="order_id", suffix="_noted")
        .join(noted.orders.select("order_id", "special_action"), on="order_id")
    )
    assert both.height > 0.95 * plain.orders.height
    extra = (both["d_noted"] - both["d"]).to_numpy()
    got_note = (both["special_action"].cast(pl.String) == "handwritten_note").to_numpy()
    assert extra[got_note] == pytest.approx(NOTE_S / 60.0, abs=1e-9)
    assert extra[~got_note] == pytest.approx(0.0, abs=1e-9)


def test_the_cost_kpis_count_the_special_cost(pair):
    _, noted = pair
    k = kpis_of(noted)
    end = noted.arrivals_end_min
    shipped = noted.orders.filter(pl.col("shipped_at").is_between(0.0, end))
    assert k["special_cost_per_order"] == pytest.approx(shipped["special_cost"].mean())
    # cost per order shipped: the warehouse's costs, carrier charges, the special actions,
    # returns and chargebacks (analysis/kpis/costs.py)
    assert k["special_cost_per_order"] > 0
    assert k["cost_per_order"] == pytest.approx(
        k["warehouse_cost_per_order"] + k["shipping_cost_per_order"]
        + k["special_cost_per_order"] + k["returns_cost_per_order"]
        + k["chargeback_cost_per_order"]
    )  # fmt: skip


def test_special_lead_time_splits_the_delivered_orders(pair):
    _, noted = pair
    k = kpis_of(noted)
    o = noted.orders.filter(
        pl.col("delivered_at").is_not_null() & (pl.col("placed_at") <= noted.arrivals_end_min)
    ).with_columns(((pl.col("delivered_at") - pl.col("placed_at")) / 60).alias("lead"))
    special = pl.col("is_priority") | (pl.col("special_action").cast(pl.String) != "none")
    assert k["special_lead_time_mean_h"] == pytest.approx(o.filter(special)["lead"].mean())
    assert k["regular_lead_time_mean_h"] == pytest.approx(o.filter(~special)["lead"].mean())


def test_an_action_no_order_qualifies_for_changes_nothing():
    plain = run_replication(load_scenario(BASELINE, SMALL), 2, 0)
    never = run_replication(
        load_scenario(BASELINE, {**SMALL, "special_orders.high_value_action": "bonus_gift",
                                 "special_orders.high_value_min_value": 1e9}), 2, 0,
    )  # fmt: skip
    for name in ("orders", "steps", "events"):
        assert_frame_equal(getattr(plain, name), getattr(never, name))


@pytest.mark.parametrize(
    "key, value, expect",
    [
        ("special_orders.high_value_action", "free_puppy", "special_orders.high_value_action"),
        ("special_orders.bonus_gift_cost", -1, "special_orders.bonus_gift_cost"),
        ("special_orders.high_value_min_value", -5, "special_orders.high_value_min_value"),
    ],
)
def test_bad_special_order_settings_name_the_key(key, value, expect):
    with pytest.raises(ScenarioError, match=expect.replace(".", r"\.")) as info:
        load_scenario(BASELINE, {key: value})
    assert "\n" not in str(info.value)

"""Receiving orders: time from placed to released to the warehouse, by channel."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sim.experiments.runner import run_with_kpis
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
TWO_CHANNELS = {
    "simulation.horizon_days": 3,
    "simulation.drain_days": 2,
    "demand.orders_per_day": 600,
    "demand.channels": [{"name": "webshop", "share": 0.7}, {"name": "amazon", "share": 0.3}],
}


@pytest.mark.parametrize("method", ["single", "wave"])
def test_release_time_by_channel_is_the_mean_of_released_minus_placed(method):
    result, k = run_with_kpis(load_scenario(ROOT / "scenarios" / f"{method}.toml", TWO_CHANNELS))
    o = result.orders.filter(
        pl.col("released_at").is_not_null() & (pl.col("placed_at") <= result.arrivals_end_min)
    )
    for channel in ("webshop", "amazon"):
        mine = o.filter(pl.col("channel").cast(pl.String) == channel)
        assert mine.height > 50
        expected = (mine["released_at"] - mine["placed_at"]).mean()
        assert k[f"release_time_mean_min_{channel}"] == pytest.approx(expected)
        if method == "single":
            assert expected == 0  # released to the warehouse as soon as placed
        else:
            # an hourly wave (or a hot wave), only inside a pickers' shift (weekdays 06:00-20:30
            # in baseline.toml, from a Monday 00:00): during the shifts an order waits less
            # than an hour; the night's and the weekend's orders wait for the next shift
            day, minute = mine["placed_at"] // 1440, mine["placed_at"] % 1440
            in_shift = mine.filter(((day % 7) < 5) & (minute >= 360) & (minute <= 1200))
            assert in_shift.height > 50
            assert ((in_shift["released_at"] - in_shift["placed_at"]) < 60).all()
            assert expected > 30

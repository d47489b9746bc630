"""Pictures of a run (``omsim layout``, ``omsim timeline``, the report's warehouse section):
tours drawn exactly as the model routed them, lines regenerated exactly, one-line refusals.

The model records each order's travel (``orders.travel_m``) but not its tour; the tour is
rebuilt from the order's lines (regenerated from the run's streams, ``sim/order_lines.py``)
and drawn by ``sim/routing_paths.py``. Its drawn length must equal the recorded travel.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import polars as pl
import pytest

from sim.cli import main
from sim.model import run_replication
from sim.order_lines import picks_per_slot, regenerate_lines
from sim.routing import layout_of
from sim.routing_paths import path_length, tour_path
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SC = ROOT / "scenarios"
SMALL = {"simulation.horizon_days": 1, "demand.orders_per_day": 400}


@pytest.mark.parametrize("name", ["baseline", "careful", "integrated_oms", "wave"])
def test_regenerated_lines_are_the_runs(name) -> None:
    """Every order's regenerated lines have the run's line and unit counts (customers,
    channels and wave picking place orders differently; the draws are the same)."""
    sc = load_scenario(SC / f"{name}.toml", SMALL)
    r = run_replication(sc, 5, 2)
    o = r.orders.filter(pl.col("order_id") < 2**31)
    _, lines = regenerate_lines(sc, 5, 2, int(o["order_id"].max()) + 1)
    g = lines.group_by("order_id").agg(pl.len().alias("nl"), pl.col("units").sum().alias("nu"))
    j = o.join(g, on="order_id", how="left")
    assert (j["nl"] == j["n_lines"]).all() and (j["nu"] == j["n_units"]).all()


@pytest.mark.parametrize("policy", ["return", "s_shape", "midpoint", "largest_gap"])
def test_drawn_tour_length_equals_recorded_travel_single(policy) -> None:
    """Single-order picking, every routing policy: the drawn tour of each order picked
    without a caught error is as long as the travel the model recorded (within 0.1 %)."""
    sc = load_scenario(SC / "single.toml", {**SMALL, "picking.routing": policy})
    r = run_replication(sc, 1, 0)
    clean = r.orders.filter(pl.col("picked_at").is_not_null() & (pl.col("pick_errors_caught") == 0))
    _, lines = regenerate_lines(sc, 1, 0, int(r.orders["order_id"].max()) + 1)
    by_order = lines.group_by("order_id").agg(pl.col("slot"))
    slots = dict(zip(by_order["order_id"].to_list(), by_order["slot"].to_list(), strict=True))
    layout = layout_of(sc)
    checked = 0
    for oid, travel in clean.select("order_id", "travel_m").head(300).iter_rows():
        drawn = path_length(tour_path(layout, slots[oid], policy))
        assert drawn == pytest.approx(travel, rel=1e-3, abs=1e-6), (policy, oid)
        checked += 1
    assert checked >= 100


def test_drawn_batch_tour_equals_the_batchs_recorded_travel() -> None:
    """Batch picking: a batch's tour through the union of its orders' slots is as long as
    the travel recorded over its orders (the model shares it out by lines)."""
    sc = load_scenario(SC / "batch.toml", SMALL)
    r = run_replication(sc, 1, 0)
    _, lines = regenerate_lines(sc, 1, 0, int(r.orders["order_id"].max()) + 1)
    picks = r.steps.filter((pl.col("step") == "pick") & pl.col("batch_id").is_not_null())
    o = r.orders.select("order_id", "travel_m", "pick_errors_caught", "n_units")
    per_batch = (
        picks.select("order_id", "batch_id")
        .join(o, on="order_id")
        .group_by("batch_id")
        .agg(
            pl.col("order_id"),
            pl.col("travel_m").sum(),
            (pl.col("pick_errors_caught") > 0).any().alias("repicked"),
            pl.col("n_units").sum().alias("units"),
        )  # fmt: skip
        .filter(~pl.col("repicked") & (pl.col("units") <= sc.picking.batch.n_units_per_cart))
    )
    layout = layout_of(sc)
    assert per_batch.height >= 20
    for ids, travel in per_batch.select("order_id", "travel_m").iter_rows():
        slots = lines.filter(pl.col("order_id").is_in(ids))["slot"].to_list()
        drawn = path_length(tour_path(layout, slots, sc.picking.routing))
        assert drawn == pytest.approx(travel, rel=1e-3, abs=1e-6)


def test_picks_per_slot_count_the_picked_lines() -> None:
    sc = load_scenario(SC / "baseline.toml", SMALL)
    r = run_replication(sc, 1, 0)
    model, lines = regenerate_lines(sc, 1, 0, int(r.orders["order_id"].max()) + 1)
    heat = picks_per_slot(lines, r.orders, model.layout.n_slots)
    picked = r.orders.filter(pl.col("picked_at").is_not_null())
    assert heat.sum() == picked["n_lines"].sum()
    assert len(heat) == model.layout.n_slots


def _not_blank(path: Path) -> float:
    img = mpimg.imread(path)[..., :3]
    return float((np.abs(img - 1.0).sum(axis=2) > 0.05).mean())


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("batchrun")
    assert main(["run", str(SC / "batch.toml"), "--days", "1", "--out", str(out)]) == 0
    return out


def test_cli_layout_with_run_and_tours(batch_run, tmp_path, capsys) -> None:
    png = tmp_path / "layout.png"
    rc = main(["layout", str(SC / "batch.toml"), "--days", "1", "--run", str(batch_run),
               "--tours", "-o", str(png)])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 0 and _not_blank(png) > 0.05
    # the note gives the recorded travel of the batch drawn; the legend its drawn length
    assert "longest error-free batch tour" in err and "recorded travel" in err


def test_cli_layout_refuses_a_run_of_another_scenario(batch_run, tmp_path, capsys) -> None:
    rc = main(["layout", str(SC / "baseline.toml"), "--days", "1", "--run", str(batch_run),
               "-o", str(tmp_path / "x.png")])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "a run of another scenario" in err and not (tmp_path / "x.png").exists()


def test_cli_layout_reads_the_runs_own_scenario(batch_run, tmp_path, capsys) -> None:
    # the run was made with --days 1: the picture without SCENARIO or --days is the one
    # drawn when they are repeated, and the file without --days is accepted too
    repeated, own, named = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    assert main(["layout", str(SC / "batch.toml"), "--days", "1", "--run", str(batch_run),
                 "-o", str(repeated)]) == 0  # fmt: skip
    assert main(["layout", "--run", str(batch_run), "-o", str(own)]) == 0
    assert main(["layout", str(SC / "batch.toml"), "--run", str(batch_run), "-o", str(named)]) == 0
    a, b, c = (mpimg.imread(p) for p in (repeated, own, named))
    assert np.array_equal(a, b) and np.array_equal(a, c)
    capsys.readouterr()
    assert main(["layout", "-o", str(tmp_path / "none.png")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "SCENARIO" in err


def test_cli_layout_without_run_and_bad_suffix(tmp_path, capsys) -> None:
    png = tmp_path / "empty.png"
    assert main(["layout", str(SC / "zone.toml"), "-o", str(png)]) == 0
    assert _not_blank(png) > 0.05
    assert main(["layout", str(SC / "zone.toml"), "-o", str(tmp_path / "x.jpg")]) == 2
    assert ".png or .svg" in capsys.readouterr().err


def test_cli_timeline(batch_run, tmp_path, capsys) -> None:
    png = tmp_path / "t.png"
    assert main(["timeline", str(batch_run), "--day", "0", "-o", str(png)]) == 0
    assert _not_blank(png) > 0.03
    assert main(["timeline", str(batch_run), "--day", "40", "-o", str(png)]) == 2
    assert "--day 40" in capsys.readouterr().err


@pytest.mark.slow
def test_report_has_the_warehouse(tmp_path, capsys, monkeypatch) -> None:
    """omsim report adds the first scenario's layout heat map and timeline."""
    monkeypatch.chdir(tmp_path)
    assert main(["compare", str(SC / "baseline.toml"), str(SC / "batch.toml"), "-r", "2",
                 "--plain", "--days", "1", "--out", str(tmp_path / "exp")]) == 0  # fmt: skip
    assert main(["report", str(tmp_path / "exp")]) == 0
    html = (tmp_path / "exp" / "report.html").read_text()
    assert "<h2>The warehouse</h2>" in html
    captions = json.loads((tmp_path / "exp" / "warehouse" / "captions.json").read_text())
    assert {"layout.png", "timeline.png"} <= set(captions)
    assert html.count("data:image/png;base64") >= 2 + len(captions)

"""The picking time split per line adds up to the total picking time per line, recomputed
here from the steps and orders tables; its parts behave as each method's mechanics say."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.kpis.picking_split import SPLIT_PARTS
from sim.experiments.runner import run_with_kpis
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"simulation.horizon_days": 3, "simulation.drain_days": 2, "demand.orders_per_day": 900}


def run(method: str, **extra):
    sc = load_scenario(ROOT / "scenarios" / f"{method}.toml", {**SMALL, **extra})
    return run_with_kpis(sc, seed=5)


def total_per_line(result) -> tuple[float, float]:
    """(labour + waiting minutes per picked line, pickers' busy minutes per line), by hand."""
    end = result.arrivals_end_min
    busy = {"pickers": 0.0, "sorters": 0.0, "consolidators": 0.0}
    seen = set()
    for s in result.steps.to_dicts():
        if s["resource"] not in busy or s["t_end"] is None or not 0 <= s["t_end"] <= end:
            continue
        key = (s["resource"], s["worker"], s["batch_id"], s["t_start"], s["t_end"])
        if s["batch_id"] is not None and key in seen:
            continue
        seen.add(key)
        busy[s["resource"]] += s["t_end"] - s["t_start"]
    picks = [
        s for s in result.steps.to_dicts()
        if s["step"] == "pick" and s["t_end"] is not None and 0 <= s["t_end"] <= end
    ]  # fmt: skip
    lines = sum(s["n_lines"] for s in picks)
    queue = sum(max(s["t_start"] - s["t_ready"], 0.0) for s in picks)
    release = 0.0
    for o in result.orders.to_dicts():
        if o["picked_at"] is not None and 0 <= o["picked_at"] <= end:
            ready = max(t for t in (o["paid_at"], o["received_at"]) if t is not None)
            release += max(o["released_at"] - ready, 0.0)
    return (sum(busy.values()) + queue + release) / lines, busy["pickers"] / lines


@pytest.mark.parametrize("method", ["single", "batch", "zone", "wave"])
def test_the_split_adds_up_to_the_total_picking_time_per_line(method):
    result, k = run(method)
    total, picker = total_per_line(result)
    parts = [k[f"line_{p}_min"] for p in SPLIT_PARTS]
    assert all(p >= 0 for p in parts)
    assert sum(parts) == pytest.approx(k["line_time_min"], rel=1e-9)
    assert k["line_time_min"] == pytest.approx(total, rel=1e-6)
    labour = k["line_travel_min"] + k["line_setup_min"] + k["line_pick_min"]
    assert labour == pytest.approx(picker, rel=1e-6)


def test_each_method_shows_its_own_parts():
    k = {m: run(m)[1] for m in ("single", "batch", "wave")}
    # single-order picking: no sort, no consolidation, nothing held back for a wave
    assert k["single"]["line_sort_min"] == k["single"]["line_consolidation_min"] == 0
    assert k["single"]["line_wait_release_min"] == 0
    assert k["single"]["orders_per_tour"] == pytest.approx(1.0, abs=0.02)  # re-picks are tours
    # wave picking holds orders for the next wave and consolidates them; walks less per line
    assert k["wave"]["line_wait_release_min"] > 0 and k["wave"]["line_consolidation_min"] > 0
    assert k["wave"]["line_travel_min"] < k["single"]["line_travel_min"]
    # a batch cart carries more than one order on average, and less than its capacity
    assert 1.0 < k["batch"]["orders_per_tour"] <= 8
    assert 0 < k["batch"]["cart_fill"] <= 1


def test_without_random_work_content_travel_is_metres_over_walking_speed():
    # time_variability none: every tour takes exactly its nominal time, so the travel part is
    # the metres walked / walking speed, independently of the proportional split
    result, k = run("single", **{"picking.time_variability": "none"})
    end = result.arrivals_end_min
    picked = result.orders.filter(result.orders["picked_at"].is_between(0, end))
    speed = 1.1 * 60  # picking.walking_speed_m_per_s default, in metres a minute
    picks = result.steps.filter(
        (result.steps["step"] == "pick") & result.steps["t_end"].is_between(0, end)
    )
    expected = picked["travel_m"].sum() / speed / picks["n_lines"].sum()
    assert k["line_travel_min"] == pytest.approx(expected, rel=1e-3)


def test_compare_of_methods_explains_them_and_the_report_draws_the_split(tmp_path, capsys):
    from sim.cli import main

    out = tmp_path / "cmp"
    files = [str(ROOT / "scenarios" / f"{m}.toml") for m in ("single", "wave")]
    argv = ["compare", *files, "--plain", "-r", "2", "--jobs", "1", "--days", "2"]
    rc = main([*argv, "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "Picking labour per order line" in text
    assert (out / "picking_split.png").read_bytes().startswith(b"\x89PNG")
    assert main(["report", str(out), "-o", str(tmp_path / "r.html"), "--no-warehouse"]) == 0
    assert "picking time per line by part" in (tmp_path / "r.html").read_text()

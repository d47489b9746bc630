"""Tests for analysis.plots.layout: every scenario draws, heat, zones, tours, stations, the
aggregated view of huge layouts and saving."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pytest
from matplotlib import colormaps
from matplotlib.colors import to_rgba

from analysis.plots.layout import (
    HEAT_CMAP,
    ZERO_COLOUR,
    Tour,
    draw_layout,
    peak_headcount,
    save,
    station_text,
    zone_bounds,
)
from sim.config import Scenario
from sim.routing import layout_of, tour_distance
from sim.routing_paths import path_length, tour_path
from sim.scenario import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))

# 4 aisles x 10 m, 3 m apart, 2 m cross-aisles, 5 slots per side (as in test_routing.py)
SMALL = {
    "warehouse.n_aisles": 4, "warehouse.aisle_length_m": 10.0, "warehouse.aisle_spacing_m": 3.0,
    "warehouse.cross_aisle_width_m": 2.0, "warehouse.n_slots_per_side": 5, "catalog.n_skus": 40,
}  # fmt: skip


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "baseline.toml")


@pytest.fixture(scope="module")
def small(baseline) -> Scenario:
    return with_overrides(baseline, SMALL)


def render(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())


def by_gid(fig, prefix: str) -> list:
    return [a for ax in fig.axes for a in ax.findobj() if (a.get_gid() or "").startswith(prefix)]


def all_texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_draws_something(path):
    fig = draw_layout(load_scenario(path))
    img = render(fig)[:, :, :3].astype(int)
    non_white = np.any(img < 250, axis=2).mean()
    assert non_white >= 0.05, non_white
    assert by_gid(fig, "slots") and by_gid(fig, "depot")
    assert "front area (not to scale)" in all_texts(fig)


def test_heat_single_slot_is_darkest(small):
    layout = layout_of(small)
    hot = 23
    heat = np.zeros(layout.n_slots)
    heat[hot] = 50
    fig = draw_layout(small, heat=heat)
    img = render(fig)
    (coll,) = by_gid(fig, "slots")
    faces = coll.get_facecolors()
    assert len(faces) == layout.n_slots
    lum = faces[:, :3] @ np.array([0.299, 0.587, 0.114])
    assert int(np.argmin(lum)) == hot
    assert np.sum(lum == lum.min()) == 1
    np.testing.assert_allclose(faces[hot], colormaps[HEAT_CMAP](1.0), atol=1e-6)
    others = np.delete(faces, hot, axis=0)
    np.testing.assert_allclose(others, np.tile(to_rgba(ZERO_COLOUR), (len(others), 1)))
    # the rendered pixel at the slot's centre has the darkest colour of the colormap
    ax = coll.axes
    cx, cy = coll.get_paths()[hot].vertices[:4].mean(axis=0)
    px, py = ax.transData.transform((cx, cy))
    pixel = img[int(img.shape[0] - py), int(px), :3] / 255
    np.testing.assert_allclose(pixel, colormaps[HEAT_CMAP](1.0)[:3], atol=0.03)
    assert "picks per slot" in [a.get_ylabel() for a in fig.axes]


def test_heat_scale_is_log_over_two_decades(small):
    n = layout_of(small).n_slots
    heat = np.zeros(n)
    heat[:3] = [1, 10, 1000]
    (coll,) = by_gid(draw_layout(small, heat=heat), "slots")
    assert type(coll.norm).__name__ == "LogNorm"
    heat[:3] = [1, 10, 50]
    (coll,) = by_gid(draw_layout(small, heat=heat), "slots")
    assert type(coll.norm).__name__ == "Normalize"


def test_heat_of_the_wrong_length_is_rejected(small):
    with pytest.raises(ValueError, match="heat"):
        draw_layout(small, heat=np.zeros(7))


@pytest.mark.parametrize("name", ["zone", "wave"])
def test_zones_are_drawn_with_labels(name):
    sc = load_scenario(ROOT / "scenarios" / f"{name}.toml")
    n_zones = sc.picking.zone.n_zones
    fig = draw_layout(sc)
    patches = [a for a in by_gid(fig, "zone-") if not a.get_gid().startswith("zone-label")]
    assert len(patches) == n_zones
    texts = all_texts(fig)
    assert [t for t in texts if t.startswith("zone ")] == [f"zone {z + 1}" for z in range(n_zones)]
    # the zones' x extents follow the aisles of zone_bounds
    layout = layout_of(sc)
    bounds = zone_bounds(layout.n_aisles, n_zones)
    w = layout.aisle_spacing_m
    for z, p in enumerate(sorted(patches, key=lambda p: p.get_x())):
        assert p.get_x() == pytest.approx(bounds[z] * w - w / 2)
        assert p.get_x() + p.get_width() == pytest.approx((bounds[z + 1] - 0.5) * w)


def test_no_zones_without_zone_picking(baseline):
    assert not by_gid(draw_layout(baseline), "zone-")


@pytest.mark.parametrize(("n_aisles", "n_zones"), [(20, 4), (7, 3), (5, 5), (1, 1), (30, 7)])
def test_zone_bounds_match_the_simulation(n_aisles, n_zones):
    from sim.zone_aisles import zone_bounds as sim_zone_bounds

    assert zone_bounds(n_aisles, n_zones) == sim_zone_bounds(n_aisles, n_zones)


def test_tours_legend_carries_lengths(small, caplog):
    layout = layout_of(small)
    slots = [3, 25, 38]
    tours = [Tour.of_slots(layout, slots, p) for p in ("return", "s_shape", "midpoint")]
    for t in tours:
        assert t.length_m == path_length(t.path)
        assert t.length_m == pytest.approx(tour_distance(layout, slots, t.label))
    with caplog.at_level(logging.WARNING):
        fig = draw_layout(small, tours=tours)
    assert not caplog.records  # lengths agree with the paths
    render(fig)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["return: 58.0 m", "s_shape: 62.0 m", "midpoint: 54.0 m"]
    # the drawn lines are offset copies: same shape, hence same length, as the tour's path
    lines = by_gid(fig, "tour-")
    assert len(lines) == 3
    for line, tour in zip(lines, tours, strict=True):
        drawn = np.column_stack(line.get_data())
        assert path_length(drawn) == pytest.approx(tour.length_m)
        offset = drawn - tour.path
        assert np.allclose(offset, offset[0])
    assert not np.allclose(by_gid(fig, "tour-0")[0].get_xdata(), tours[0].path[:, 0])


def test_tour_from_path_and_mismatch_warning(small, caplog):
    path = tour_path(layout_of(small), [3], "return")
    tour = Tour.from_path("one", path, color="black")
    assert tour.length_m == path_length(path) == pytest.approx(2 * 4)
    with caplog.at_level(logging.WARNING):
        draw_layout(small, tours=[Tour("wrong", path, 99.0)])
    assert "differs" in caplog.text


def test_stations_statistics_and_stations_drawn(baseline):
    stats = {
        "pickers": {"utilisation": 0.8, "queue_mean": 2.0, "queue_max": 9},
        "packers": {"utilisation": 0.63, "queue_mean": 4.1, "queue_max": 17},
        "sorters": {"utilisation": 0.5, "queue_mean": 1.0, "queue_max": 3},  # not drawn here
    }
    fig = draw_layout(baseline, stations=stats)
    text = " ".join(all_texts(fig)).replace("\n", " ")
    assert "packers 63 % busy, queue 4.1 (max 17)" in text
    assert "pickers 80 % busy, queue 2.0 (max 9)" in text
    assert "sorters" not in text
    gids = {a.get_gid() for a in by_gid(fig, "station-")}
    assert gids == {"station-packing", "station-labels", "station-dock"}
    assert "packing\n13 packers" in all_texts(fig)  # 9 + 4 overlap 13:00-14:30
    assert "label printers\n2 printers" in all_texts(fig)
    assert any(t.startswith("dock\n") and "ParcelCo" in t for t in all_texts(fig))


def test_sort_and_consolidation_stations(baseline):
    raw = baseline.model_dump(mode="json")
    raw["picking"]["method"] = "batch"
    raw["picking"]["batch"]["sorting"] = "pick_then_sort"
    raw["staffing"]["shifts"].append({"role": "sorters", "headcount": 3})
    fig = draw_layout(Scenario.model_validate(raw))
    assert "station-sort" in {a.get_gid() for a in by_gid(fig, "station-")}
    assert "sort station\n3 sorters" in all_texts(fig)
    wave = draw_layout(load_scenario(ROOT / "scenarios" / "wave.toml"))
    assert "station-consolidation" in {a.get_gid() for a in by_gid(wave, "station-")}
    batch = draw_layout(load_scenario(ROOT / "scenarios" / "batch.toml"))  # sorts while picking
    assert "station-sort" not in {a.get_gid() for a in by_gid(batch, "station-")}


def test_station_text():
    assert station_text("label_printers", {"utilisation": 0.2}) == "label printers 20 % busy"
    assert station_text("packers", None) == ""


def test_peak_headcount(baseline):
    assert peak_headcount(baseline, "pickers") == 13
    assert peak_headcount(baseline, "nobody") == 0


def test_huge_layout_is_aggregated_by_aisle(baseline):
    big = with_overrides(
        baseline, {"warehouse.n_aisles": 500, "warehouse.n_slots_per_side": 10_000}
    )
    layout = layout_of(big)
    heat = np.zeros(layout.n_slots, dtype=np.int32)
    per_aisle = 2 * layout.slots_per_side
    heat[7 * per_aisle + 5] = 40  # aisle 7
    heat[300 * per_aisle : 300 * per_aisle + 10] = 1  # aisle 300
    tour = Tour.of_slots(layout, [5, 10**6, 9 * 10**6], "s_shape")
    start = time.perf_counter()
    fig = draw_layout(big, heat=heat, tours=[tour])
    img = render(fig)
    elapsed = time.perf_counter() - start
    assert elapsed < 10, elapsed  # a few seconds at most, even on a slow machine
    assert not by_gid(fig, "slots")
    (bars,) = by_gid(fig, "aisles")
    assert len(bars.get_paths()) == 500
    values = np.ma.filled(bars.get_array(), 0)
    assert values[7] == 40 and values[300] == 10 and values.sum() == 50
    assert any(t.startswith("aggregated by aisle (10,000,000 slots)") for t in all_texts(fig))
    assert np.any(img[:, :, :3] < 250, axis=2).mean() >= 0.05


def test_small_slots_are_aggregated_too(baseline):
    # 2 x 10,000 slots fit under max_slots_drawn, but 10,000 slots along 30 m are too thin
    sc = with_overrides(baseline, {"warehouse.n_aisles": 1, "warehouse.n_slots_per_side": 10_000})
    fig = draw_layout(sc, max_slots_drawn=50_000)
    assert by_gid(fig, "aisles") and not by_gid(fig, "slots")
    assert by_gid(draw_layout(baseline, max_slots_drawn=100), "aisles")


def test_save(small, tmp_path):
    fig = draw_layout(small)
    assert save(fig, tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in save(fig, tmp_path / "a.svg").read_bytes()[:500]
    with pytest.raises(ValueError, match=r"\.jpg"):
        save(fig, tmp_path / "a.jpg")
    assert not (tmp_path / "a.jpg").exists()


def test_the_module_does_not_import_simpy():
    import ast

    tree = ast.parse((ROOT / "analysis" / "plots" / "layout.py").read_text())
    names = {
        (n.module or "") if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }  # fmt: skip
    assert not {m for m in names if m.split(".")[0] in ("simpy", "streamlit")}
    assert not {m for m in names if m.startswith(("sim.model", "sim.stages"))}


def test_station_text_live_state():
    """A live snapshot's state now: queue and busy of on duty."""
    from analysis.plots.layout import station_text

    assert station_text("label_printers", {"queue": 12, "busy": 1, "on_duty": 2}) == (
        "label printers: queue 12, 1 of 2 busy"
    )

"""The start page's introduction, the scenario descriptions in the choosers, the time
estimate shown before a run, and KPI definitions as tooltips."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import SMALL_SHOP as SMALL
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app_pages import run_estimate  # noqa: E402
from app_pages.common import kpi_help  # noqa: E402
from app_pages.run_estimate import days_of_orders, duration, estimate  # noqa: E402


def test_days_of_orders():
    assert days_of_orders(14, 1, 0) == 14  # plain: the file's horizon
    assert days_of_orders(14, 1, 2) == 28  # 1 warm-up + 2 measured weeks + 7-day tail


def test_estimate_counts_orders_and_shares_them_over_the_cores(monkeypatch):
    monkeypatch.setattr(run_estimate.os, "cpu_count", lambda: 2)
    # 2 scenarios x 3 replications: 6 runs; 3 x (200 x 1 + 400 x 2) = 3,000 orders
    est = estimate([200, 400], [1, 2], 3)
    assert est.runs == 6 and est.orders == 3000
    assert est.seconds == pytest.approx(
        run_estimate.START_S + 3000 * run_estimate.SECONDS_PER_ORDER / 2
    )
    # the figure of docs/APP.md: 4 methods x 3 replications of 28 days at 2,000 a day
    big = estimate([2000] * 4, [28] * 4, 3)
    assert big.orders == 672_000
    assert 20 < big.seconds < 60  # measured 18-20 s on an idle machine; an upper estimate
    assert estimate([], [], 3).seconds == 0


def test_durations_read_like_people_say_them():
    assert duration(2) == "5 s" and duration(33) == "35 s"
    assert duration(150) == "2 min" and duration(5400) == "1.5 h"


def test_kpi_help_defines_the_kpi():
    text = kpi_help("time_to_ship_mean_h")
    assert "lower is better" in text and "Unit: hours" in text
    assert kpi_help("utilisation_pickers")  # a KPI named by pattern
    assert kpi_help("no_such_kpi") == ""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    scenarios, runs = tmp_path / "scenarios", tmp_path / "runs"
    scenarios.mkdir()
    runs.mkdir()
    (scenarios / "small_a.toml").write_text(SMALL)
    (scenarios / "small_b.toml").write_text(
        'base = "small_a.toml"\nname = "small_b"\ndescription = "The same shop, batch picking"\n'
        '[picking]\nmethod = "batch"\n'
    )
    monkeypatch.setenv("OMSIM_SCENARIOS_DIR", str(scenarios))
    monkeypatch.setenv("OMSIM_RUNS_DIR", str(runs))
    return scenarios


def test_the_start_page_introduces_the_app_and_estimates_the_run(folder, monkeypatch):
    monkeypatch.setattr(run_estimate.os, "cpu_count", lambda: 2)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "simulates an online shop's order process" in text
    # the scenarios' own descriptions, in the introduction and in the chooser
    assert "**small_b**: The same shop, batch picking" in text
    assert "**small_a**: A small shop for the app's tests" in text
    chooser = at.multiselect[0]
    assert "small_b — The same shop, batch picking" in chooser.options
    # plain runs (0 measured weeks) of the two 1-day files at 200 orders a day, 2 replications
    at.number_input(key="compare_reps").set_value(2).run()
    at.number_input(key="compare_weeks").set_value(0).run()
    captions = [c.value for c in at.caption]
    assert "This comparison: 4 runs, 800 orders: about 5 s." in captions
    # steady state, 1 warm-up + 1 measured week + 7-day tail: 21 days x 200 x 2 x 2 = 16,800
    at.number_input(key="compare_weeks").set_value(1).run()
    assert "This comparison: 4 runs, 16,800 orders: about 5 s." in [c.value for c in at.caption]


def test_chart_axes_speak_words():
    from app_pages.chart_style import axis_label

    assert axis_label("demand.orders_per_day") == "orders per day"
    assert axis_label("picking.method") == "picking method"
    assert axis_label("packing.fill_factor") == "fill factor"


def test_the_cost_axis_names_the_currency_not_currency_units():
    import polars as pl

    from analysis.plots import experiment as plots

    kpis = pl.DataFrame(
        {"scenario": ["a", "b"], "replication": [0, 0], "labour_cost_per_order": [2.0, 3.0]}
    )
    fig = plots.cost_figure(kpis, ["a", "b"], currency="EUR")
    assert fig is not None
    assert fig.axes[0].get_xlabel() == "cost per shipped order (EUR)"
    bare = plots.cost_figure(kpis, ["a", "b"])
    assert "currency units" not in bare.axes[0].get_xlabel()


def test_the_sweep_heatmap_names_its_axes_in_words_and_keeps_its_title_inside():
    from app_pages.chart_style import readable
    from app_pages.sweep_view import heatmap

    chart = {"x": "demand.orders_per_day", "option": "picking.method", "unit": "h",
             "objective": "time_to_ship_mean_h", "higher_is_better": False}  # fmt: skip
    points = [
        {"demand.orders_per_day": v, "picking.method": m, "mean": 10.0 + i}
        for i, (v, m) in enumerate((v, m) for v in (1000, 2000) for m in ("single", "batch"))
    ]
    best = [{"demand.orders_per_day": v, "best": "single", "significant": True}
            for v in (1000, 2000)]  # fmt: skip
    with readable():
        fig = heatmap(points, best, chart)
        fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_xlabel() == "orders per day" and ax.get_ylabel() == "picking method"
    assert "demand." not in ax.get_title() and "_" not in ax.get_title()
    # the title lies inside the figure (it used to be clipped)
    box = ax.title.get_window_extent(fig.canvas.get_renderer())
    width = fig.get_figwidth() * fig.dpi
    assert box.x0 >= 0 and box.x1 <= width

"""``omsim report``: the HTML report of a stored experiment, its figures and its command."""

from __future__ import annotations

import base64
import json
import math
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from scipy import stats as sps

from analysis.kpis.defs import KPI_DEFS
from analysis.kpis.formatting import format_value, kpi_label
from analysis.plots import experiment as plots
from analysis.reports.report import build_report, evenly_spaced, experiment_results, report_kpis
from analysis.reports.sections import ABSENT, flatten, parameter_diff
from analysis.stats.compare import compare_table
from sim.cli import main
from sim.experiments.experiment import run_experiment
from sim.experiments.store import Failure, RunStore
from sim.scenario import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parent.parent
SEED = 11
WARMUP = 0.5
REPS = 3
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --- a small real experiment, shared by the module ------------------------------------------


def _scenarios():
    a = load_scenario(
        ROOT / "scenarios/baseline.toml",
        {"demand.orders_per_day": 200, "simulation.horizon_days": 2, "simulation.drain_days": 2},
    )
    # shifts 3 and 4 of baseline.toml are the weekday packers
    assert [a.staffing.shifts[i].role for i in (3, 4)] == ["packers", "packers"]
    b = with_overrides(
        a, {"name": "slowpack", "staffing.shifts.3.headcount": 1, "staffing.shifts.4.headcount": 1}
    )
    return a, b


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    a, b = _scenarios()
    root = tmp_path_factory.mktemp("report") / "run"
    settings = {"seed": SEED, "warmup_days": WARMUP, "replications": REPS}
    store = RunStore.create(root, "compare", settings)
    run_experiment([a, b], REPS, seed=SEED, warmup_days=WARMUP, store=store)
    store.finish([], {"replications": REPS})
    return a, b, RunStore.open(root)


@pytest.fixture(scope="module")
def report(experiment) -> str:
    return build_report(experiment[2])


# --- reading the HTML back ----------------------------------------------------------------


class _Tables(HTMLParser):
    """Every table of a document: rows of (text, class) cells, with the section (h2) above."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[tuple[str, str]]]]] = []
        self.section = ""
        self._in: str | None = None
        self._text = ""
        self._cls = ""

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self._in, self._text = "h2", ""
        elif tag == "table":
            self.tables.append((self.section, []))
        elif tag == "tr":
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._in, self._text, self._cls = "cell", "", dict(attrs).get("class") or ""

    def handle_endtag(self, tag):
        if tag == "h2" and self._in == "h2":
            self.section, self._in = self._text, None
        elif tag in ("td", "th") and self._in == "cell":
            self.tables[-1][1][-1].append((self._text, self._cls))
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._text += data


def tables_in(section: str, html: str) -> list[list[list[tuple[str, str]]]]:
    parser = _Tables()
    parser.feed(html)
    return [rows for name, rows in parser.tables if name == section]


def methods_of(html: str) -> str:
    found = re.search(r'<p id="methods">(.*?)</p>', html, re.S)
    assert found is not None
    return unescape(found.group(1))


def images_of(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]


# --- what was compared ----------------------------------------------------------------------


def _differences(x, y, path=""):
    """Leaves that differ between two JSON trees (lists of tables by index)."""
    if isinstance(x, dict) and isinstance(y, dict):
        out = {}
        for k in x.keys() | y.keys():
            out.update(_differences(x.get(k), y.get(k), f"{path}{k}."))
        return out
    if (
        isinstance(x, list) and isinstance(y, list) and len(x) == len(y)
        and all(isinstance(v, dict) for v in x + y) and x
    ):  # fmt: skip
        out = {}
        for i, (u, v) in enumerate(zip(x, y, strict=True)):
            out.update(_differences(u, v, f"{path}{i}."))
        return out
    return {} if x == y else {path[:-1]: (x, y)}


def test_the_parameter_table_lists_exactly_the_keys_that_differ(experiment, report):
    a, b, _ = experiment
    expected = _differences(a.model_dump(mode="json"), b.model_dump(mode="json"))
    expected.pop("name")
    assert set(expected) == {"staffing.shifts.3.headcount", "staffing.shifts.4.headcount"}
    [rows] = tables_in("Parameters that differ", report)
    header, body = rows[0], rows[1:]
    assert [t for t, _ in header] == ["parameter", "1. baseline", "2. slowpack"]
    shown = {row[0][0]: (row[1][0], row[2][0]) for row in body}
    assert shown == {k: (str(u), str(v)) for k, (u, v) in expected.items()}


def test_parameter_diff_marks_absent_items_and_ignores_the_name():
    x = {"name": "x", "a": {"b": 1, "c": [1, 2]}, "s": [{"h": 1}, {"h": 2}]}
    y = {"name": "y", "a": {"b": 1, "c": [1, 3]}, "s": [{"h": 1}]}
    assert flatten(x) == {"name": "x", "a.b": 1, "a.c": [1, 2], "s.0.h": 1, "s.1.h": 2}
    assert parameter_diff([x, y]) == [("a.c", [[1, 2], [1, 3]]), ("s.1.h", [2, ABSENT])]
    assert parameter_diff([x, x]) == []


def test_a_single_scenario_is_said_to_be_alone(tmp_path, experiment):
    a, _, full = experiment
    store = RunStore.create(tmp_path / "one", "compare", {"seed": SEED, "warmup_days": 0.0})
    key = store.add_scenario(a)
    source = full.scenarios()[0]["key"]
    for rep in full.replications(source):
        store.write_run(key, rep, full.run_kpis(source, rep))
    html = build_report(store)
    assert "Only one scenario was run (baseline)" in html
    assert tables_in("Parameters that differ", html) == []
    [kpi_rows] = tables_in("KPIs", html)
    assert all(row[4][0] == "" for row in kpi_rows[1:])  # no differences without a reference


# --- the KPI table --------------------------------------------------------------------------


KPI_NAMES = [*KPI_DEFS, *(f"utilisation_{r}" for r in ("pickers", "packers", "label_printers"))]


def _kpi_rows(html: str) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """KPI table rows keyed by (KPI name, scenario); the table shows labels."""
    [rows] = tables_in("KPIs", html)
    by_label = {kpi_label(k): k for k in KPI_NAMES}
    out, kpi = {}, ""
    for row in rows[1:]:
        kpi = by_label.get(row[0][0], row[0][0]) if row[0][0] else kpi
        out[(kpi, row[2][0])] = row
    return out


def test_the_kpi_table_shows_numpy_means_and_t_half_widths(experiment, report):
    store = experiment[2]
    kpis = store.kpis()
    rows = _kpi_rows(report)
    for name, label in (("baseline", "1. baseline"), ("slowpack", "2. slowpack")):
        x = kpis.filter(pl.col("scenario") == name)["lead_time_mean_h"].to_numpy()
        assert x.size == REPS
        mean = np.mean(x)
        half = sps.t.ppf(0.975, x.size - 1) * np.std(x, ddof=1) / math.sqrt(x.size)
        table = compare_table(experiment_results(store), ["lead_time_mean_h"])
        row = table.filter(pl.col("scenario") == name).row(0, named=True)
        assert row["mean"] == pytest.approx(mean, rel=1e-12)
        assert row["half_width"] == pytest.approx(half, rel=1e-9)
        cell = rows[("lead_time_mean_h", label)][3][0]
        lead = "lead_time_mean_h"
        assert cell == f"{format_value(lead, mean)} ± {format_value(lead, half)}"


def test_the_kpi_table_pairs_replications_and_marks_winners_like_the_cli(experiment, report):
    store = experiment[2]
    kpis = store.kpis().sort("replication")
    rows = _kpi_rows(report)
    shown = {k for k, _ in rows}
    assert shown == set(report_kpis(experiment_results(store)))
    assert {"lead_time_mean_h", "cost_per_order", "utilisation_packers"} <= shown
    for kpi, lower_is_better in (("cost_per_order", True), ("utilisation_packers", None)):
        a = kpis.filter(pl.col("scenario") == "baseline")[kpi].to_numpy()
        b = kpis.filter(pl.col("scenario") == "slowpack")[kpi].to_numpy()
        p = sps.ttest_rel(b, a).pvalue
        row = rows[(kpi, "2. slowpack")]
        assert row[5][0] == f"{p:.3g}"
        assert row[4][0].startswith("+" if np.mean(b - a) > 0 else "-")
        # better: significant and more than the catalogue's practical threshold of 5 cents
        # per order (the documented smallest cost change a manager acts on)
        better = lower_is_better is True and p < 0.05 and np.mean(b - a) < -0.05
        assert (row[6][0] == "▲ better") == better
        assert ("better" in row[4][1]) == better
        assert rows[(kpi, "1. baseline")][4][0] == ""
    # fewer packers cut the labour cost per order for the same orders: a clear winner
    assert rows[("cost_per_order", "2. slowpack")][6][0] == "▲ better"


# --- figures and self-containment ---------------------------------------------------------


def test_every_figure_is_an_embedded_png_and_nothing_is_fetched(report):
    images = images_of(report)
    # lead time, utilisation, queues, cost; no returns are modelled yet
    assert len(images) == 4
    assert all(img.startswith(PNG_MAGIC) for img in images)
    assert report.count("<img") == 4
    assert "record no returns" in report
    assert "http://" not in report and "https://" not in report
    assert "<script" not in report.lower() and "url(" not in report
    assert report.count("<figcaption>") == 4


def test_the_methods_paragraph_states_what_was_used(experiment, report):
    text = methods_of(report)
    store = experiment[2]
    assert f"seed {SEED}" in text
    assert f"{REPS} replications (replications 0–{REPS - 1})" in text
    assert f"Warm-up: {WARMUP:g} days" in text and "exclude orders placed in the warm-up" in text
    assert "2 days of arrivals followed by 2 drain days" in text
    assert "paired t-tests" in text and "same orders" in text
    assert f"omsim {store.manifest['versions']['omsim']}" in text


def test_names_are_escaped_and_recorded_results_failures_and_returns_are_shown(
    tmp_path, experiment
):
    a, b, full = experiment
    store = RunStore.create(tmp_path / "odd", "custom", {"seed": SEED, "warmup_days": WARMUP})
    keys = [store.add_scenario(a, "a <b>&"), store.add_scenario(b, "<script>x</script>")]
    for key, source in zip(keys, full.scenarios(), strict=True):
        for rep in full.replications(source["key"]):
            if key == keys[1] and rep == 2:
                continue  # failed
            kpis = {**full.run_kpis(source["key"], rep), "return_rate_damaged": 0.01 * (rep + 1)}
            store.write_run(key, rep, kpis)
    failure = Failure("<script>x</script>", keys[1], SEED, 2, "ValueError: <boom>")
    frontier = [{"packers": 3, "cost_per_order": 12.5}, {"packers": 4, "cost_per_order": 13.0}]
    store.finish([failure], {"frontier": frontier})
    html = build_report(store)
    assert "<script" not in html and "<b>&" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "a &lt;b&gt;&amp;" in html
    [front] = tables_in("Results recorded by custom", html)
    assert [[t for t, _ in r] for r in front] == [
        ["packers", "cost_per_order"], ["3", "12.5"], ["4", "13"]
    ]  # fmt: skip
    [failed] = tables_in("Failed replications", html)
    assert [t for t, _ in failed[1]] == ["<script>x</script>", "2", str(SEED), "ValueError: <boom>"]
    # paired comparisons use the replications both scenarios finished
    assert "2 replications (replications 0–1)" in methods_of(html)
    # no detail tables were stored: only the KPI figures (utilisation, cost, returns)
    assert len(images_of(html)) == 3 and "record no returns" not in html


def _sla(name, kpi, op, target, mean, bound):
    met = bound >= target if op == ">=" else bound <= target
    return {"sla": name, "kpi": kpi, "op": op, "target": target, "mean": mean, "bound": bound,
            "met": met}  # fmt: skip


def test_a_sizing_report_recommends_the_answer_and_draws_the_frontier(tmp_path, experiment):
    a, b, full = experiment
    store = RunStore.create(tmp_path / "size", "size", {"seed": SEED, "warmup_days": WARMUP})
    labels = ["packers=9", "packers=1", "packers=5"]
    sources = full.scenarios()
    for label, source, scenario in zip(labels, [sources[0], sources[1], sources[0]], [a, b, a],
                                       strict=True):  # fmt: skip
        key = store.add_scenario(with_overrides(scenario, {"description": label}), label)
        for rep in full.replications(source["key"]):
            store.write_run(key, rep, full.run_kpis(source["key"], rep))
    sla = "shipped_same_day >= 0.5"
    frontier = [
        {"staffing": "packers=1", "headcount": {"packers": 1}, "weekly_cost": 100.0,
         "feasible": False, "efficient": True, "answer": False,
         "slas": [_sla(sla, "shipped_same_day", ">=", 0.5, 0.3, 0.2)]},
        {"staffing": "packers=5", "headcount": {"packers": 5}, "weekly_cost": 500.0,
         "feasible": True, "efficient": True, "answer": True,
         "slas": [_sla(sla, "shipped_same_day", ">=", 0.5, 0.7, 0.6)]},
        {"staffing": "packers=9", "headcount": {"packers": 9}, "weekly_cost": 900.0,
         "feasible": True, "efficient": True, "answer": False,
         "slas": [_sla(sla, "shipped_same_day", ">=", 0.5, 0.8, 0.75)]},
    ]  # fmt: skip
    answer = {"staffing": "packers=5", "headcount": {"packers": 5}, "weekly_cost": 500.0,
              "proven_optimal": True, "locally_minimal": True}  # fmt: skip
    store.record(frontier=frontier, answer=answer)
    store.finish([])
    html = build_report(store)
    # the recommended staffing comes first, then the other feasible efficient one; the
    # infeasible staffing is only in the frontier table
    scen = html[html.index("<h2>Scenarios</h2>") : html.index("<h2>KPIs</h2>")]
    assert scen.index("packers=5") < scen.index("packers=9") and "packers=1" not in scen
    [plan, front] = tables_in("Staff sizing", html)[:2]
    assert [[t for t, _ in r] for r in plan] == [["shift", "headcount"], ["packers", "5"]]
    assert "proven cheapest" in html
    assert [r[1][0] for r in front[1:]] == ["1", "5", "9"]
    # no detail tables were stored: utilisation and cost, plus the frontier chart
    assert len(images_of(html)) == 3 and "Cost/SLA frontier" in html


# --- the command ----------------------------------------------------------------------------


def test_the_command_writes_the_report_and_says_where(experiment, tmp_path, capsys):
    run_dir = experiment[2].root
    out = tmp_path / "r.html"
    assert main(["report", str(run_dir), "-o", str(out)]) == 0
    said = capsys.readouterr().out.strip().splitlines()
    assert len(said) == 1 and str(out) in said[0]
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    # the four figures of the experiment, and the warehouse pictures the command drew
    warehouse = json.loads((run_dir / "warehouse" / "captions.json").read_text())
    assert {"layout.png", "timeline.png"} <= set(warehouse)
    assert len(images_of(text)) == 4 + len(warehouse)
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left


def test_the_command_defaults_to_report_html_in_the_run_dir(experiment, capsys, monkeypatch):
    import analysis.reports.report

    # the full report is built by the test above; here only where it goes matters
    monkeypatch.setattr(
        analysis.reports.report, "build_report", lambda store: f"<p>{store.root}</p>"
    )
    run_dir = experiment[2].root
    assert main(["report", str(run_dir)]) == 0
    assert (run_dir / "report.html").read_text() == f"<p>{run_dir}</p>"
    assert str(run_dir / "report.html") in capsys.readouterr().out


@pytest.mark.parametrize("make", ["empty", "missing"])
def test_a_directory_without_a_store_is_one_line_and_exit_2(tmp_path, capsys, make):
    bad = tmp_path / "not-a-run"
    if make == "empty":
        bad.mkdir()
    assert main(["report", str(bad), "-o", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0]
    assert not (tmp_path / "r.html").exists()


# --- figure builders on known frames ------------------------------------------------------


def _kpi_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "scenario": ["a", "a", "a", "b", "b", "b"],
            "replication": [0, 1, 2, 0, 1, 2],
            "utilisation_pickers": [0.5, 0.6, 0.7, 0.2, 0.3, 0.4],
            "utilisation_packers": [0.1, 0.1, 0.1, 0.9, 0.8, 0.7],
            "utilisation_sorters": [math.nan] * 6,
            "labour_cost_per_order": [2.0, 2.0, 2.0, 1.0, 1.0, 1.0],
            "packaging_cost_per_order": [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
            "shipping_cost_per_order": [5.0, 6.0, 7.0, 5.0, 6.0, 7.0],
        }
    )


def test_lead_time_ecdf_has_a_line_per_scenario_ending_at_the_delivered_share():
    orders = pl.DataFrame(
        {
            "scenario": ["a"] * 4 + ["b"] * 2,
            "lead_time_h": [10.0, 20.0, None, 30.0, 5.0, 6.0],
        }
    )
    fig = plots.lead_time_figure(orders)
    assert isinstance(fig, Figure)
    [ax] = fig.axes
    assert len(ax.lines) == 2
    a, b = ax.lines
    assert list(a.get_xdata()) == [0.0, 10.0, 20.0, 30.0]
    assert a.get_ydata()[-1] == pytest.approx(0.75) and b.get_ydata()[-1] == pytest.approx(1.0)
    assert "hours" in ax.get_xlabel()


def test_lead_times_of_many_scenarios_are_box_plots():
    names = [f"s{i}" for i in range(plots.MAX_ECDF_SCENARIOS + 2)]
    orders = pl.DataFrame({"scenario": names * 3, "lead_time_h": np.arange(3.0 * len(names))})
    [ax] = plots.lead_time_figure(orders).axes
    assert len(ax.patches) == len(names)
    assert [t.get_text() for t in ax.get_yticklabels()] == names


def test_utilisation_skips_roles_without_values_and_draws_means_with_t_intervals():
    fig = plots.utilisation_figure(_kpi_frame())
    visible = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in visible] == ["pickers", "packers"]
    pickers = visible[0]
    assert [p.get_width() for p in pickers.patches] == pytest.approx([60.0, 30.0])
    half = 100 * sps.t.ppf(0.975, 2) * np.std([0.5, 0.6, 0.7], ddof=1) / math.sqrt(3)
    [errors] = [c for c in pickers.containers if isinstance(c, ErrorbarContainer)]
    segment = errors.lines[2][0].get_segments()[0]
    assert segment[1][0] - segment[0][0] == pytest.approx(2 * half)
    assert "%" in pickers.get_xlabel()
    assert plots.utilisation_figure(_kpi_frame().select("scenario", "replication")) is None


def test_queue_figure_has_a_panel_per_main_step_and_a_line_per_scenario():
    rows = [
        {"scenario": s, "replication": r, "step": step, "hour": h, "queue_mean": float(r + h)}
        for s in ("a", "b")
        for r in (0, 1)
        for step in ("pick", "pack", "label", "sort")
        for h in range(24)
    ]
    queues = pl.DataFrame(rows).with_columns(
        pl.when(pl.col("step") == "sort")
        .then(0.0)
        .otherwise(pl.col("queue_mean"))
        .alias("queue_mean")
    )
    fig = plots.queue_figure(queues)
    visible = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in visible] == ["pick", "pack", "label"]  # sort never queues
    for ax in visible:
        assert len(ax.lines) == 2
        assert list(ax.lines[0].get_ydata()) == pytest.approx([0.5 + h for h in range(24)])
        assert ax.get_xlabel() == "hour of day"


def test_cost_figure_stacks_three_parts_and_writes_the_total():
    fig = plots.cost_figure(_kpi_frame())
    [ax] = fig.axes
    assert len(ax.patches) == 3 * 2
    assert [t.get_text().strip() for t in ax.texts] == ["8.50", "7.50"]
    assert "per shipped order" in ax.get_xlabel()


def test_returns_figure_only_with_return_columns():
    kpis = _kpi_frame()
    assert plots.return_reasons_figure(kpis) is None
    fig = plots.return_reasons_figure(
        kpis.with_columns(return_rate_damaged=pl.lit(0.02), return_rate_wrong_item=pl.lit(0.01))
    )
    visible = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in visible] == ["damaged", "wrong item"]
    assert all(len(ax.patches) == 2 for ax in visible)


def test_lost_sales_figure_has_a_panel_per_cause_that_lost_a_sale():
    kpis = _kpi_frame()
    assert plots.lost_sales_figure(kpis) is None
    nothing = kpis.with_columns(lost_orders_missed=pl.lit(0.0))
    assert plots.lost_sales_figure(nothing) is None
    fig = plots.lost_sales_figure(
        nothing.with_columns(
            lost_orders_oversold=pl.Series([3.0, 5.0, 4.0, 0.0, 1.0, 2.0]),
            lost_orders_stock_out=pl.lit(7.0),
        )
    )
    visible = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in visible] == ["oversold", "stock out"]
    assert [p.get_width() for p in visible[0].patches] == pytest.approx([4.0, 1.0])


def test_a_scenario_has_the_same_colour_in_every_figure():
    colours = plots.scenario_colours(["a", "b"])
    orders = pl.DataFrame({"scenario": ["a", "b"], "lead_time_h": [1.0, 2.0]})
    lines = plots.lead_time_figure(orders, ["a", "b"], colours).axes[0].lines
    bars = plots.utilisation_figure(_kpi_frame(), ["a", "b"], colours).axes[0].patches
    assert [to_hex(x.get_color()) for x in lines] == [colours["a"], colours["b"]]
    assert [to_hex(p.get_facecolor()) for p in bars] == [colours["a"], colours["b"]]
    many = plots.scenario_colours([f"s{i}" for i in range(30)])
    assert len(set(many.values())) == 30


def test_evenly_spaced_keeps_the_first_and_the_last():
    names = [str(i) for i in range(20)]
    picked = evenly_spaced(names, 8)
    assert len(picked) == 8 and picked[0] == "0" and picked[-1] == "19"
    assert evenly_spaced(names[:5], 8) == names[:5]


# --- executive summary, client view, sizing focus (issue 18 point 4) ------------------------


def _copy(tmp_path, full, kind, labels, sources, scenarios, name="copy"):
    store = RunStore.create(tmp_path / name, kind, {"seed": SEED, "warmup_days": WARMUP})
    for label, source, scenario in zip(labels, sources, scenarios, strict=True):
        key = store.add_scenario(with_overrides(scenario, {"description": label}), label)
        for rep in full.replications(source["key"]):
            store.write_run(key, rep, full.run_kpis(source["key"], rep))
    return store


def _h2s(html: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", html)


def test_the_report_opens_with_an_executive_summary(experiment, report):
    h2 = _h2s(report)
    assert h2[0] == "Executive summary"
    assert h2.index("Parameters that differ") < h2.index("KPIs") < h2.index("Methods")
    summary = report[report.index("Executive summary") : report.index("Parameters that differ")]
    # fewer packers: significantly cheaper per order (see the KPI table test), so there is a
    # decision naming slowpack, with the size of its largest gain and a confidence interval
    assert "Decision: 2. slowpack" in summary
    assert "Largest gain:" in summary and "95% CI" in summary
    assert "Caveats" in summary and f"{REPS} replications per scenario" in summary
    assert "2. slowpack vs 1. baseline" in summary  # the scenario's sentence


def test_the_client_view_has_no_server_paths_or_timings(tmp_path, experiment):
    a, b, full = experiment
    sources = full.scenarios()
    store = _copy(tmp_path, full, "compare", ["baseline", "slowpack"], sources, [a, b])
    store.finish([], {"replications": REPS, "wall_s": 12.345})
    html = build_report(store)
    assert str(tmp_path) not in html and str(store.root) not in html
    assert "wall_s" not in html and "12.345" not in html


def test_a_sizing_report_with_one_focus_staffing_has_a_decision_not_nothing_to_compare(
    tmp_path, experiment
):
    from sim.experiments.warehouse_figures import drawn_scenario

    a, b, full = experiment
    sources = full.scenarios()
    labels = ["packers=9", "packers=5"]  # the recommended staffing is stored second
    store = _copy(tmp_path, full, "size", labels, [sources[0], sources[0]], [a, a])
    sla = "shipped_same_day >= 0.5"
    frontier = [
        {"staffing": "packers=5", "headcount": {"packers": 5}, "weekly_cost": 500.0,
         "feasible": True, "efficient": True, "answer": True,
         "slas": [_sla(sla, "shipped_same_day", ">=", 0.5, 0.7, 0.6)]},
        {"staffing": "packers=9", "headcount": {"packers": 9}, "weekly_cost": 900.0,
         "feasible": True, "efficient": False, "answer": False,
         "slas": [_sla(sla, "shipped_same_day", ">=", 0.5, 0.8, 0.75)]},
    ]  # fmt: skip
    answer = {"staffing": "packers=5", "headcount": {"packers": 5}, "weekly_cost": 500.0,
              "proven_optimal": False, "locally_minimal": True}  # fmt: skip
    store.record(frontier=frontier, answer=answer)
    store.finish([])
    html = build_report(store)
    assert "1 scenarios" not in html and "nothing to compare" not in html
    assert "<h1>omsim size: packers=5</h1>" in html
    summary = html[html.index("Executive summary") : html.index("Parameters that differ")]
    assert "Decision: staff packers=5 (5 packers)" in summary and "500" in summary
    # the warehouse pictures show the recommended staffing, not the first one stored
    assert drawn_scenario(store)["name"] == "packers=5"
    assert store.scenarios()[0]["name"] == "packers=9"

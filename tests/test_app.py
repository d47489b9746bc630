"""The Streamlit app (app.py, app_pages/) under streamlit.testing.v1.AppTest.

Every page is rendered with the scenarios folder and the run store in temporary directories
($OMSIM_SCENARIOS_DIR, $OMSIM_RUNS_DIR). The Compare, Sweep and Staff sizing tests run tiny
experiments through the command line, as the app does, and check the page shows what the run
store holds. The app process must never import SimPy.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import polars as pl
import pytest
from conftest import SMALL_SHOP as SMALL
from streamlit.testing.v1 import AppTest

from analysis.kpis.defs import kpi_def
from analysis.reports.html import fmt_value
from sim.experiments.store import RunStore
from sim.scenario import ScenarioError, load_scenario, validate

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # app_pages is not installed: it lives next to app.py
    sys.path.insert(0, str(ROOT))

from app_pages import common  # noqa: E402
from app_pages.scenario_files import load_upload  # noqa: E402

APP = str(ROOT / "app.py")
TIMEOUT = 180

SMALL_BATCH = 'base = "small_a.toml"\nname = "small_b"\n[picking]\nmethod = "batch"\n'


def make_dirs(base: Path) -> tuple[Path, Path]:
    """A scenarios folder with two small scenarios and an empty run store."""
    scenarios, runs = base / "scenarios", base / "runs"
    scenarios.mkdir()
    runs.mkdir()
    (scenarios / "small_a.toml").write_text(SMALL)
    (scenarios / "small_b.toml").write_text(SMALL_BATCH)
    return scenarios, runs


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    scenarios, runs = make_dirs(tmp_path)
    monkeypatch.setenv("OMSIM_SCENARIOS_DIR", str(scenarios))
    monkeypatch.setenv("OMSIM_RUNS_DIR", str(runs))
    return scenarios, runs


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    if page is not None:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception
    return at


def widget(at: AppTest, kind: str, suffix: str):
    """The widget of a kind whose key ends with ``suffix`` (editor keys carry a prefix)."""
    return next(w for w in getattr(at, kind) if w.key and w.key.endswith(suffix))


def in_order(node) -> list:
    """Every element of the page, depth first, in the order shown."""
    out = []
    for child in getattr(node, "children", {}).values():
        out.append(child)
        out.extend(in_order(child))
    return out


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


# --- scenarios page --------------------------------------------------------------------


def test_scenarios_page_shows_the_schema_message_next_to_the_field(dirs):
    at = app("scenarios")
    assert "small_a.toml" in at.dataframe[0].value["file"].tolist()
    field = widget(at, "number_input", ":demand.orders_per_day")
    field.set_value(-5).run()
    assert not at.exception
    raw = tomllib.loads(SMALL)
    raw["demand"]["orders_per_day"] = -5.0
    with pytest.raises(ScenarioError) as schema:
        validate(raw, "small_a.toml")
    expected = str(schema.value)
    assert errors(at) == [expected]  # the schema's own message, once
    elements = in_order(at.main)
    shown = [i for i, e in enumerate(elements) if e.type == "error" and e.value == expected]
    here = next(i for i, e in enumerate(elements) if getattr(e, "key", None) == field.key)
    assert shown == [here + 1]  # right under the widget
    assert widget(at, "button", ":save").disabled
    widget(at, "number_input", ":demand.orders_per_day").set_value(500).run()
    assert not errors(at) and not at.exception


def test_a_shift_error_is_shown_under_the_staffing_table(dirs):
    at = app("scenarios")
    key = widget(at, "selectbox", ":picking.method").key.rsplit(":", 1)[0] + ":staffing.shifts"
    at.session_state[key] = {
        "edited_rows": {0: {"headcount": -1}}, "added_rows": [], "deleted_rows": []
    }  # fmt: skip
    at.run()
    assert errors(at) == [
        "small_a.toml: staffing.shifts.0.headcount: expected greater than or equal to 0, found -1"
    ]


def test_editing_and_saving_keeps_the_base_and_stays_in_the_folder(dirs):
    scenarios, _ = dirs
    at = app("scenarios")
    at.selectbox(key="scenario_file").set_value("small_b").run()
    widget(at, "number_input", ":demand.orders_per_day").set_value(450).run()
    widget(at, "text_input", ":save_name").set_value("../evil").run()
    assert any("evil.toml" in c.value for c in at.caption)
    widget(at, "button", ":save").click().run()
    assert not at.exception and not errors(at)
    assert not (scenarios.parent / "evil.toml").exists()
    saved = scenarios / "evil.toml"
    text = saved.read_text()
    assert text.startswith('base = "small_a.toml"') and "orders_per_day = 450" in text
    scenario = load_scenario(saved)
    assert scenario.demand.orders_per_day == 450 and scenario.picking.method == "batch"
    assert at.selectbox(key="scenario_file").value == "evil"
    assert sorted(p.name for p in scenarios.iterdir()) == ["evil.toml", "small_a.toml",
                                                            "small_b.toml"]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bad.toml", b"[demand\norders_per_day = 1", "bad.toml: expected valid TOML"),
        ("../../neg.toml", b"[picking]\nwalking_speed_m_per_s = -1\n",
         "neg.toml: picking.walking_speed_m_per_s: expected greater than 0, found -1"),
        ("up.toml", b'base = "../small_a.toml"\n', "up.toml: base: expected the name of a .toml"),
        ("pickle.toml", b"\x80\x04\x95\x00\x00", "pickle.toml: expected a UTF-8 text file"),
        ("big.toml", b"# " + b"x" * (common.MAX_UPLOAD_BYTES + 10), "expected a file of at most"),
    ],
    ids=["syntax", "schema", "base-outside", "binary", "too-big"],
)  # fmt: skip
def test_a_bad_upload_shows_the_message_and_the_app_keeps_working(dirs, name, data, message):
    at = app("scenarios")
    at.file_uploader(key="scenario_upload").set_value((name, data, "application/toml")).run()
    assert not at.exception
    assert len(errors(at)) == 1 and message in errors(at)[0]
    widget(at, "number_input", ":demand.orders_per_day").set_value(300).run()
    assert not at.exception and len(errors(at)) == 1  # still editing small_a, still valid


def test_a_valid_upload_is_edited_and_saved_under_a_safe_name(dirs):
    scenarios, _ = dirs
    at = app("scenarios")
    data = b'base = "small_a.toml"\nname = "mine"\n[picking]\nmethod = "batch"\n'
    at.file_uploader(key="scenario_upload").set_value(("../my shop.toml", data, "text/plain"))
    at.run()
    assert not at.exception and not errors(at)
    assert widget(at, "selectbox", ":picking.method").value == "batch"
    assert widget(at, "text_input", ":save_name").value == "my_shop"
    widget(at, "button", ":save").click().run()
    assert load_scenario(scenarios / "my_shop.toml").picking.method == "batch"


def test_names_and_paths_stay_inside_the_roots(tmp_path):
    assert common.clean_name("../evil") == "evil"
    assert common.clean_name("a/b\\c d.toml") == "a_b_c_d"
    for bad in ("..", "/", "....//", ""):
        with pytest.raises(common.UnsafeName):
            common.clean_name(bad)
    for bad in ("..", "../x", "a/b", "x" * 65):
        with pytest.raises(common.UnsafeName):
            common.inside(tmp_path, bad)
    outside = tmp_path / "outside.toml"
    outside.write_text(SMALL)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "link.toml").symlink_to(outside)
    assert common.scenario_files(folder) == []  # a link to a file outside is not offered
    with pytest.raises(ScenarioError, match="base: expected a file inside the scenarios"):
        load_upload(folder, "x.toml", b'base = "link.toml"\n', "t")


# --- no SimPy in the app process -------------------------------------------------------

FORBIDDEN = (
    "simpy",
    "sim.model",
    "sim.experiments.runner",
    "sim.stages",
    "sim.experiments.experiment",
)


def test_no_app_file_imports_the_simulation():
    files = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    assert len(files) > 5
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), (
                    path,
                    name,
                )


def test_rendering_every_page_leaves_simpy_unimported(tmp_path):
    scenarios, runs = make_dirs(tmp_path)
    script = textwrap.dedent(
        f"""
        import json, sys
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({APP!r}, default_timeout=60).run()
        failed = [str(at.exception)] if at.exception else []
        for page in ("scenarios", "compare", "sizing", "sweep", "runs", "layout", "live"):
            at.switch_page(f"app_pages/{{page}}.py").run()
            failed += [f"{{page}}: {{e.value}}" for e in at.exception]
        loaded = [m for m in sys.modules if m.split(".")[0] == "simpy" or m in {FORBIDDEN!r}]
        print(json.dumps({{"failed": failed, "loaded": loaded}}))
        """
    )
    env = {**os.environ, "OMSIM_SCENARIOS_DIR": str(scenarios), "OMSIM_RUNS_DIR": str(runs)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
        check=True, cwd=ROOT,
    )  # fmt: skip
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"failed": [], "loaded": []}


# --- experiments (each runs omsim in a subprocess) ---------------------------------------


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """A comparison of the two small scenarios run from the Compare page."""
    with pytest.MonkeyPatch.context() as mp:
        scenarios, runs = make_dirs(tmp_path_factory.mktemp("compare"))
        mp.setenv("OMSIM_SCENARIOS_DIR", str(scenarios))
        mp.setenv("OMSIM_RUNS_DIR", str(runs))
        at = app()
        at.multiselect(key="compare_scenarios").set_value(["small_a", "small_b"])
        at.number_input(key="compare_reps").set_value(2)
        at.number_input(key="compare_weeks").set_value(0)  # plain runs of the files' day
        at.run()
        assert at.button[0].label == "Run comparison"
        at.button[0].click().run()
        yield at, scenarios, runs


@pytest.mark.slow
def test_compare_page_shows_the_stored_kpis(compared):
    at, _, runs = compared
    assert not at.exception and not errors(at)
    (run_dir,) = [p for p in runs.iterdir() if p.name.startswith("app-compare-")]
    store = RunStore.open(run_dir)
    assert store.manifest["status"] == "complete"
    kpis = store.kpis()
    assert kpis.height == 4  # 2 scenarios x 2 replications
    table = at.dataframe[0].value
    assert list(table.columns[:4]) == ["KPI", "unit", "1. small_a", "2. small_b"]
    assert "Δ 2. small_b vs small_a" in table.columns
    assert "lead_time_mean_h" in table["KPI"].tolist()
    for _, row in table.iterrows():
        unit = kpi_def(row["KPI"]).unit
        for label, name in (("1. small_a", "small_a"), ("2. small_b", "small_b")):
            mean = kpis.filter(pl.col("scenario") == name)[row["KPI"]].mean()
            assert row[label].startswith(fmt_value(mean, unit)), (row["KPI"], name)
    assert len(at.get("image")) == 4  # lead time, utilisation, queues, cost (no returns)


@pytest.mark.slow
def test_switching_back_to_a_computed_comparison_is_fast(compared):
    at, scenarios, runs = compared
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OMSIM_SCENARIOS_DIR", str(scenarios))
        mp.setenv("OMSIM_RUNS_DIR", str(runs))
        at.switch_page("app_pages/runs.py").run()
        start = time.perf_counter()
        at.switch_page("app_pages/compare.py").run()
        took = time.perf_counter() - start
        assert not at.exception
        assert at.multiselect(key="compare_scenarios").value == ["small_a", "small_b"]
        assert at.button[0].label == "Show the stored comparison"
        assert "lead_time_mean_h" in at.dataframe[0].value["KPI"].tolist()
        assert took < 0.5, took


@pytest.mark.slow
def test_runs_page_opens_a_stored_experiment_and_offers_its_report(compared):
    _, scenarios, runs = compared
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OMSIM_SCENARIOS_DIR", str(scenarios))
        mp.setenv("OMSIM_RUNS_DIR", str(runs))
        outside = shutil.copytree(next(runs.iterdir()), runs.parent / "outside")
        (runs / "elsewhere").symlink_to(outside)  # a store linked from outside is not listed
        at = app("runs")
        listed = at.dataframe[0].value["run directory"].tolist()
        assert len(listed) == 1 and listed[0].startswith("app-compare-")
        assert at.download_button[0].label == "Download the HTML report"
        assert "lead_time_mean_h" in at.dataframe[1].value["KPI"].tolist()
        assert not at.exception and not errors(at)
        html = common.report_bytes(runs / listed[0]).decode()
        assert html.startswith("<!DOCTYPE html>") and "small_b" in html
        assert (runs / listed[0] / "report.html").is_file()


@pytest.mark.slow
def test_a_failing_run_shows_its_error_not_a_traceback(dirs):
    at = app("compare")
    at.multiselect(key="compare_scenarios").set_value(["small_a"])
    at.number_input(key="compare_reps").set_value(1)
    at.run()
    at.button[0].click().run()
    assert not at.exception
    assert errors(at) == ["The run failed: Replications: expected at least 2, found 1"]


@pytest.mark.slow
def test_sweep_page_draws_the_best_method_by_volume(dirs):
    _, runs = dirs
    at = app("sweep")
    at.selectbox(key="sweep_base").set_value("small_a")
    for key, value in (("from", 100), ("to", 200), ("step", 100), ("reps", 2), ("weeks", 0)):
        at.number_input(key=f"sweep_{key}").set_value(value)
    at.multiselect(key="sweep_methods").set_value(["single", "batch"])
    at.run()
    at.button[0].click().run()
    assert not at.exception and not errors(at)
    (run_dir,) = runs.iterdir()
    best = RunStore.open(run_dir).manifest["summary"]["best"]
    table = at.dataframe[0].value
    assert table["orders per day"].tolist() == ["100", "200"]  # the axis in words
    assert table["best"].tolist() == [b["best"] for b in best]
    assert len(at.get("image")) == 1  # the heatmap


@pytest.mark.slow
def test_sizing_page_shows_the_frontier_and_the_plan(dirs):
    _, runs = dirs
    at = app("sizing")
    at.selectbox(key="size_scenario").set_value("small_a")
    at.text_area(key="size_slas").set_value("shipped_same_day >= 30%")
    at.multiselect(key="size_roles").set_value(["pickers"])
    for key, value in (("max", 4), ("reps", 2), ("weeks", 0), ("budget", 5)):
        at.number_input(key=f"size_{key}").set_value(value)
    at.run()
    at.button[0].click().run()
    assert not at.exception and not errors(at)
    (run_dir,) = runs.iterdir()
    summary = RunStore.open(run_dir).manifest["summary"]
    plan, frontier = at.dataframe[0].value, at.dataframe[1].value
    assert (
        dict(zip(plan["shift"], plan["recommended headcount"], strict=True))
        == (summary["answer"]["headcount"])
    )
    assert frontier["staffing"].tolist() == [r["staffing"] for r in summary["frontier"]]
    assert at.success[0].value.startswith("Recommended: " + summary["answer"]["staffing"])
    assert len(at.get("image")) == 1  # the frontier chart


def test_sizing_page_warns_about_shifts_the_horizon_never_reaches(dirs):
    scenarios, runs = dirs
    saturday = (
        SMALL + '\n[[staffing.shifts]]\nrole = "pickers"\ndays = ["sat"]\nstart = "07:00"\n'
        'end = "13:00"\nheadcount = 1\n'
    )
    (scenarios / "with_sat.toml").write_text(saturday)
    at = app("sizing")
    at.selectbox(key="size_scenario").set_value("with_sat")
    at.multiselect(key="size_roles").set_value(["pickers"])
    # 0 measured weeks: a plain run of the file's 1 day (a Monday), never a Saturday
    at.number_input(key="size_weeks").set_value(0).run()
    assert not at.exception
    texts = [w.value for w in at.warning]
    assert any("pickers Sat 07:00-13:00" in t and "sized to 0" in t for t in texts), texts
    at.number_input(key="size_weeks").set_value(2).run()  # steady state: whole weeks reach it
    assert not any("never reaches" in w.value for w in at.warning)
    assert not any(runs.iterdir())  # nothing was run

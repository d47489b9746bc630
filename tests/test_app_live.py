"""The Live page (app_pages/live.py) and its snapshot reading (app_pages/live_view.py).

The snapshot is hand-written here, as ``omsim replay --snapshot`` writes it (version 1); no
replay is started: the page's subprocess is replaced by a stand-in that records its argv.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # app_pages is not installed: it lives next to app.py
    sys.path.insert(0, str(ROOT))

from app_pages import live_view as lv  # noqa: E402

APP = str(ROOT / "app.py")
TIMEOUT = 60

SNAPSHOT = {
    "version": 1,
    "scenario": "baseline",
    "source": "tests/data/online_retail_sample.csv",
    "speed": 3600.0,
    "status": "running",
    "sim_minute": 615.0,
    "sim_clock": "2010-12-01T10:15:00",
    "end_clock": "2010-12-09T00:00:00",
    "wall_clock": "2026-11-27T08:01:02Z",
    "stages": [
        {"stage": "picking", "role": "pickers", "queue": 12, "busy": 5, "on_duty": 6},
        {"stage": "packing", "role": "packers", "queue": 4, "busy": 3, "on_duty": 3},
        {"stage": "shipping", "role": "shippers", "queue": 30, "busy": 1, "on_duty": 2},
    ],
    "orders": {"placed": 812, "in_progress": 95, "shipped": 690, "delivered": 300, "lost": 3},
    "n_at_risk": 7,
    "at_risk": [
        {"order_id": 17, "service": "express", "stage": "packing",
         "ship_by": "2010-12-01T16:00:00", "minutes_left": 42.5},
        {"order_id": 23, "service": "standard", "stage": "picking",
         "ship_by": "2010-12-01T17:00:00", "minutes_left": 125.0},
        {"order_id": 9, "service": "express", "stage": "picking",
         "ship_by": "2010-12-01T10:00:00", "minutes_left": -15.0},
    ],
    "kpis": {"lead_time_mean_h": 20.1, "same_day_share": 0.41, "on_time_share": None,
             "pick_wait_mean_min": 12.25, "orders_per_picker": 31},
    "history": [
        {"sim_clock": "2010-12-01T10:00:00", "queue": 40, "in_progress": 95, "shipped": 690},
        {"sim_clock": "2010-12-01T09:00:00", "queue": 30, "in_progress": 80, "shipped": 650},
    ],
}  # fmt: skip


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    """A snapshot in the runs folder (where the page may read one)."""
    (tmp_path / "runs").mkdir(exist_ok=True)
    path = tmp_path / "runs" / "snapshot.json"
    path.write_text(json.dumps(SNAPSHOT))
    return path


@pytest.fixture
def scenarios(tmp_path, monkeypatch) -> Path:
    """A scenarios folder with two files (the page only lists them), a runs folder and a
    data folder holding the sample order file."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("baseline", "zone"):
        (folder / f"{name}.toml").write_text(f'name = "{name}"\n')
    (tmp_path / "runs").mkdir(exist_ok=True)
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "tests/data/online_retail_sample.csv", tmp_path / "data")
    monkeypatch.setenv("OMSIM_SCENARIOS_DIR", str(folder))
    monkeypatch.setenv("OMSIM_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("OMSIM_DATA_DIR", str(tmp_path / "data"))
    return folder


# --- reading and formatting --------------------------------------------------------------


def test_a_missing_snapshot_is_none_and_a_bad_one_keeps_the_previous(tmp_path, snapshot_file):
    assert lv.load_snapshot(tmp_path / "nothing.json") is None
    assert lv.load_snapshot(tmp_path / "nothing.json", SNAPSHOT) is None
    assert lv.load_snapshot(snapshot_file) == SNAPSHOT
    half = tmp_path / "half.json"
    half.write_text(json.dumps(SNAPSHOT)[:100])
    assert lv.load_snapshot(half) is None
    assert lv.load_snapshot(half, SNAPSHOT) is SNAPSHOT
    half.write_text("[1, 2]")  # JSON, not an object
    assert lv.load_snapshot(half, SNAPSHOT) is SNAPSHOT
    half.write_bytes(b"\xff\xfe{")
    assert lv.load_snapshot(half, SNAPSHOT) is SNAPSHOT


def test_versions():
    assert lv.version_note(SNAPSHOT) is None
    assert "version 2" in lv.version_note({**SNAPSHOT, "version": 2})


def test_shares_hours_and_minutes_are_formatted_by_name():
    assert lv.fmt_share(0.41) == "41.0%"
    assert lv.fmt_share(1) == "100.0%"
    assert lv.fmt_share(None) == "-"
    assert lv.fmt_kpi("same_day_share", 0.975) == "97.5%"
    assert lv.fmt_kpi("on_time_share", None) == "-"
    assert lv.fmt_kpi("lead_time_mean_h", 20.1) == "20.1 h"
    assert lv.fmt_kpi("pick_wait_mean_min", 12.25) == "12.2 min"
    assert lv.fmt_kpi("orders_per_picker", 31) == "31"
    assert lv.fmt_kpi("cost", 12345.6) == "12,346"
    assert lv.fmt_kpi("odd", float("nan")) == "-"
    assert lv.kpi_rows(SNAPSHOT) == [
        {"KPI": "lead time mean", "value": "20.1 h"},
        {"KPI": "same day share", "value": "41.0%"},
        {"KPI": "on time share", "value": "-"},
        {"KPI": "pick wait mean", "value": "12.2 min"},
        {"KPI": "orders per picker", "value": "31"},
    ]
    assert lv.kpi_rows({}) == []


def test_minutes_left_and_clocks():
    assert lv.fmt_minutes(42.5) == "42.5 min"
    assert lv.fmt_minutes(125) == "2 h 05 min"
    assert lv.fmt_minutes(-15) == "overdue by 15.0 min"
    assert lv.fmt_minutes(None) == "-"
    assert lv.fmt_clock("2010-12-01T10:15:00") == "Wed 01 Dec 2010 10:15"
    assert lv.fmt_clock("soon") == "soon"
    assert lv.fmt_clock(None) == "-"


def test_counts_stages_history_and_orders_at_risk():
    # 812 placed = 95 in progress + 690 shipped + 3 lost + 24 closed otherwise
    assert lv.counts(SNAPSHOT) == [
        ("Placed", "812"), ("In progress", "95"), ("Shipped", "690"), ("Lost", "3"),
        ("Closed, not shipped", "24"), ("At risk", "7"),
    ]  # fmt: skip
    assert lv.counts({})[0] == ("Placed", "-")
    stages = lv.stage_frame(SNAPSHOT)
    assert list(stages.columns) == ["stage", "role", "queue", "busy", "on_duty"]
    assert stages["stage"].tolist() == ["picking", "packing", "shipping"]  # snapshot's order
    assert stages["queue"].tolist() == [12, 4, 30]
    assert stages["on_duty"].tolist() == [6, 3, 2]
    extra = {"stages": [{"stage": "check", "queue": 2, "errors": 1}, {"stage": "pack"}]}
    assert list(lv.stage_frame(extra).columns) == ["stage", "queue", "errors"]
    bars = lv.stage_chart_frame(SNAPSHOT)
    assert list(bars.columns) == ["queue", "busy"]
    assert bars.loc["shipping"].tolist() == [30, 1]
    assert lv.stage_chart_frame({"stages": "broken"}).empty
    history = lv.history_frame(SNAPSHOT)
    assert list(history.columns) == ["queue", "in progress", "shipped"]
    assert history["queue"].tolist() == [30, 40]  # sorted by simulated time
    assert lv.history_frame({"history": []}).empty
    risk = lv.at_risk_frame(SNAPSHOT)
    assert list(risk.columns) == ["order", "service", "stage", "ship by", "time left"]
    assert risk["order"].tolist() == [9, 17, 23]  # soonest first
    assert risk["time left"].tolist() == ["overdue by 15.0 min", "42.5 min", "2 h 05 min"]


def test_at_risk_table_shows_the_shops_own_order_numbers_in_a_replay():
    snap = {**SNAPSHOT, "at_risk": [{**r, "source_order_id": f"#{1000 + r['order_id']}"}
                                    for r in SNAPSHOT["at_risk"]]}  # fmt: skip
    risk = lv.at_risk_frame(snap)
    assert list(risk.columns) == ["order", "shop order", "service", "stage", "ship by",
                                  "time left"]  # fmt: skip
    assert risk["shop order"].tolist() == ["#1009", "#1017", "#1023"]  # soonest first


def test_status_and_staleness():
    assert lv.status_text(SNAPSHOT) == "Running"
    assert lv.status_text({"status": "waiting"}).startswith("Waiting")
    assert lv.status_text({}) == "unknown"
    assert lv.is_stale("running", 30.0) and lv.is_stale("waiting", 30.0)
    assert not lv.is_stale("running", 2.0) and not lv.is_stale("done", 300.0)


# --- the command -------------------------------------------------------------------------


def test_replay_command():
    argv = lv.replay_command(
        "orders.csv", "online-retail", "scenarios/baseline.toml", 3600, "/tmp/s.json",
        python="py",
    )  # fmt: skip
    assert argv == [
        "py", "-m", "sim.cli", "replay", "orders.csv", "--format", "online-retail",
        "--scenario", "scenarios/baseline.toml", "--speed", "3600", "--snapshot", "/tmp/s.json",
    ]  # fmt: skip
    followed = lv.replay_command(
        Path("o.csv"), "olist", Path("b.toml"), 86400, Path("s.json"), follow=True,
        rejects=Path("r.csv"),
    )  # fmt: skip
    assert followed == [
        sys.executable, "-m", "sim.cli", "replay", "o.csv", "--format", "olist",
        "--scenario", "b.toml", "--speed", "86400", "--snapshot", "s.json",
        "--rejects", "r.csv", "--follow",
    ]  # fmt: skip


def test_speed_labels_and_paths(tmp_path):
    assert lv.speed_label(3600) == "3600x (1 simulated hour per second)"
    assert lv.speed_label(14400) == "14400x (4 simulated hours per second)"
    assert lv.speed_label(600) == "600x (10 simulated minutes per second)"
    assert lv.speed_label(86400) == "86400x (1 simulated day per second)"
    assert lv.resolve("tests/data/x.csv", tmp_path) == tmp_path / "tests/data/x.csv"
    assert lv.resolve(" /abs/x.csv ", tmp_path) == Path("/abs/x.csv")
    log = tmp_path / "replay.log"
    assert lv.log_tail(log) == ""
    log.write_text("".join(f"line {i}\n\n" for i in range(40)))
    assert lv.log_tail(log, 3) == "line 37\nline 38\nline 39"


# --- the page ----------------------------------------------------------------------------


def live_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    at.switch_page("app_pages/live.py").run()
    assert not at.exception
    return at


def test_the_page_shows_a_watched_snapshot(scenarios, snapshot_file):
    at = live_page()
    assert [i.value for i in at.info][-1].startswith("Start a replay above")
    at.text_input(key="live_watch").set_value(str(snapshot_file)).run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Placed": "812", "In progress": "95", "Shipped": "690", "Lost": "3",
        "Closed, not shipped": "24", "At risk": "7",
    }  # fmt: skip
    risk = next(d.value for d in at.dataframe if "time left" in d.value.columns)
    assert risk["order"].tolist() == [9, 17, 23]
    assert risk["time left"].tolist()[1] == "42.5 min"
    kpis = next(d.value for d in at.dataframe if "KPI" in d.value.columns)
    assert kpis["value"].tolist()[:2] == ["20.1 h", "41.0%"]
    assert any("Wed 01 Dec 2010 10:15" in m.value for m in at.markdown)
    assert not at.warning  # fresh, version 1

    snapshot_file.write_text('{"version": 1, "orders": {"pla')  # caught half-written
    at.run()
    assert {m.label: m.value for m in at.metric}["Placed"] == "812"  # the previous one
    snapshot_file.unlink()
    at.run()
    assert not at.metric
    assert any(i.value.startswith("Waiting for the first snapshot") for i in at.info)


class FakeReplay:
    """Stands in for ``subprocess.Popen``: records the argv, writes a line to the log and
    has already exited with code 2, as ``omsim`` does on a bad input."""

    calls: list[tuple[list[str], dict]] = []

    def __init__(self, argv: list[str], **kwargs) -> None:
        FakeReplay.calls.append((argv, kwargs))
        kwargs["stdout"].write(b"omsim: orders.csv: expected a column InvoiceNo\n")
        self.pid, self.returncode = 4242, 2

    def poll(self) -> int:
        return self.returncode


def test_starting_a_replay_runs_the_command_and_shows_its_error(scenarios, tmp_path, monkeypatch):
    FakeReplay.calls.clear()
    monkeypatch.setattr(subprocess, "Popen", FakeReplay)
    at = live_page()
    at.text_input(key="live_orders").set_value("online_retail_sample.csv")  # in data/
    at.selectbox(key="live_speed").set_value(14400)
    at.checkbox(key="live_follow").check()
    next(b for b in at.button if b.label == "Start the replay").click().run()
    assert not at.exception
    [(argv, kwargs)] = FakeReplay.calls
    snapshot = Path(at.text_input(key="live_watch").value)
    assert snapshot.name == "snapshot.json"
    assert argv == lv.replay_command(
        tmp_path / "data/online_retail_sample.csv", "online-retail",
        scenarios / "baseline.toml", 14400, snapshot, follow=True,
        rejects=snapshot.parent / "rejects.csv",
    )  # fmt: skip
    assert snapshot.parent.parent == tmp_path / "runs" / "live"  # the session's folder
    assert kwargs["cwd"] == ROOT and kwargs["stderr"] == subprocess.STDOUT
    [error] = [e.value for e in at.error]
    assert "exit code 2" in error and "expected a column InvoiceNo" in error
    assert any(i.value.startswith("Waiting for the first snapshot") for i in at.info)


def test_the_floor_is_drawn_when_the_snapshot_names_its_scenario(scenarios, tmp_path):
    """A snapshot whose scenario file lies beside it gets the floor view; without it, none."""
    from sim.scenario import load_scenario

    snap = tmp_path / "runs" / "floor.json"
    side = tmp_path / "runs" / "floor.json.scenario.json"
    side.write_text(
        json.dumps(load_scenario(ROOT / "scenarios" / "zone.toml").model_dump(mode="json"))
    )
    snap.write_text(json.dumps({**SNAPSHOT, "scenario_file": side.name}))
    at = live_page()
    at.text_input(key="live_watch").set_value(str(snap)).run()
    assert not at.exception and not at.error
    assert "The floor" in [h.value for h in at.subheader]
    snap.write_text(json.dumps(SNAPSHOT))  # no scenario file named: no floor
    at.run()
    assert "The floor" not in [h.value for h in at.subheader]


def test_counts_add_up_without_an_extra_column_when_nothing_else_closed():
    orders = {"placed": 100, "in_progress": 10, "shipped": 88, "lost": 2}
    shown = dict(lv.counts({"orders": orders, "n_at_risk": 1}))
    assert "Closed, not shipped" not in shown
    assert int(shown["Placed"]) == sum(int(shown[k]) for k in ("In progress", "Shipped", "Lost"))


def test_a_stopped_replay_says_so_whatever_its_last_snapshot_says():
    last = {**SNAPSHOT, "status": "running"}
    assert lv.ended_text(last, "stopped").startswith("Stopped by you at simulated time ")
    assert "Running" not in lv.ended_text(last, "stopped")
    assert lv.ended_text(last, "finished").startswith("Done")

"""The Runs and reports page as a user manages runs: a name of their own (kept in the run
store's manifest), deleting a run (confined to the runs folder, after a tick), and runs that
stopped before their end shown as cancelled, never as running for ever."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app_pages.run_admin import (  # noqa: E402
    clean_label,
    delete_run,
    label_of,
    mark_cancelled,
    set_label,
    shown_status,
)


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def fake_store(runs: Path, name: str, status: str, pid: int | None = None) -> Path:
    """A minimal run store (manifest only) with the given status and runner."""
    run_dir = runs / name
    run_dir.mkdir(parents=True)
    manifest = {
        "format": 1,
        "kind": "compare",
        "created": f"2026-12-05T10:00:0{len(list(runs.iterdir()))}+0000",
        "settings": {},
        "scenarios": [],
        "status": status,
        "failures": [],
    }
    if pid is not None:
        manifest["runner"] = {"host": socket.gethostname(), "pid": pid}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return run_dir


@pytest.fixture
def runs(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    runs.mkdir()
    (tmp_path / "scenarios").mkdir()
    monkeypatch.setenv("OMSIM_SCENARIOS_DIR", str(tmp_path / "scenarios"))
    monkeypatch.setenv("OMSIM_RUNS_DIR", str(runs))
    return runs


def runs_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("app_pages/runs.py").run()
    assert not at.exception
    return at


def table(at: AppTest) -> list[dict]:
    return at.dataframe[0].value.to_dict("records")


def test_statuses_in_the_users_words():
    assert shown_status("interrupted") == "cancelled"
    assert shown_status("cancelled") == "cancelled"
    assert shown_status("complete") == "finished"
    assert shown_status("running") == "running"


def test_labels_are_one_trimmed_line():
    assert clean_label("  Peak\nweek\t 2  ") == "Peak week 2"
    assert clean_label("x" * 200) == "x" * 80


def test_label_and_cancel_are_stored_in_the_manifest(runs):
    run_dir = fake_store(runs, "a", "running")
    assert set_label(run_dir, " Peak week ") == "Peak week"
    assert json.loads((run_dir / "manifest.json").read_text())["label"] == "Peak week"
    assert label_of(run_dir) == "Peak week"
    assert mark_cancelled(run_dir, "the page was left")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "cancelled" and manifest["stopped"] == "the page was left"
    done = fake_store(runs, "b", "complete")
    assert not mark_cancelled(done, "x")  # a finished run stays finished
    assert not mark_cancelled(runs / "none", "x")


def test_stale_running_and_cancelled_runs_show_as_cancelled(runs):
    fake_store(runs, "stale", "running", pid=dead_pid())
    fake_store(runs, "left", "cancelled")
    fake_store(runs, "done", "complete")
    at = runs_page()
    status = {row["run directory"]: row["status"] for row in table(at)}
    assert status == {"stale": "cancelled", "left": "cancelled", "done": "finished"}
    assert "Status: 2 cancelled, 1 finished" in [c.value for c in at.caption]


def test_a_run_is_named_on_the_runs_page(runs):
    run_dir = fake_store(runs, "app-compare-0123", "complete")
    at = runs_page()
    at.text_input(key="runs_label:app-compare-0123").set_value("Before the new packers").run()
    at.button(key="runs_label_save:app-compare-0123").click().run()
    assert not at.exception
    assert label_of(run_dir) == "Before the new packers"
    assert table(at)[0]["name"] == "Before the new packers"
    assert (
        at.selectbox(key="runs_open")
        .format_func("app-compare-0123")
        .startswith("Before the new packers")
    )


def test_delete_asks_for_a_tick_and_removes_only_that_run(runs):
    fake_store(runs, "keep", "complete")
    gone = fake_store(runs, "gone", "complete")
    (gone / "runs").mkdir()
    (gone / "runs" / "r0000.kpis.parquet").write_bytes(b"x")
    at = runs_page()
    at.selectbox(key="runs_open").set_value("gone").run()
    assert at.button(key="runs_delete:gone").disabled
    at.checkbox(key="runs_delete_sure:gone").check().run()
    at.button(key="runs_delete:gone").click().run()
    assert not at.exception
    assert not gone.exists() and (runs / "keep").is_dir()
    assert [s.value for s in at.success] == ["Deleted gone."]
    assert [row["run directory"] for row in table(at)] == ["keep"]


def test_delete_is_confined_to_the_runs_folder(runs, tmp_path):
    outside = fake_store(tmp_path / "elsewhere", "x", "complete")
    with pytest.raises(ValueError, match="inside the runs folder"):
        delete_run(runs, outside)
    link = runs / "link"
    link.symlink_to(outside)
    with pytest.raises(ValueError):
        delete_run(runs, link)
    assert outside.is_dir()
    not_a_store = runs / "plain"
    not_a_store.mkdir()
    with pytest.raises(ValueError, match="expected a stored experiment"):
        delete_run(runs, not_a_store)
    assert not_a_store.is_dir()
    busy = fake_store(runs, "busy", "running", pid=os.getpid())  # this process: alive
    with pytest.raises(ValueError, match="still running"):
        delete_run(runs, busy)
    assert busy.is_dir()

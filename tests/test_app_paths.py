"""The app's path policy under AppTest: it reads only its scenarios, runs and data folders.

An uploaded (or stored) scenario whose ``replay.orders`` leaves the folders is refused on the
Scenarios, Compare, Sweep and Sizing pages before anything runs; the Live page's "Order file"
and "Snapshot file" fields refuse paths outside the folders, devices and FIFOs, and never
show a file's content. Subprocesses are replaced by a recorder: nothing may be started.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SMALL_SHOP as SMALL
from streamlit.testing.v1 import AppTest

from sim import paths

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # app_pages is not installed: it lives next to app.py
    sys.path.insert(0, str(ROOT))

from app_pages import common  # noqa: E402

APP = str(ROOT / "app.py")
TIMEOUT = 120
SECRET = "TOP-SECRET-CLIENT-DATA"
SAMPLE = ROOT / "tests" / "data" / "online_retail_sample.csv"

OUTSIDE = 'base = "small_a.toml"\nname = "client"\n[replay]\norders = "../../other_client/orders.csv"\nformat = "online-retail"\n'  # noqa: E501


REAL_POPEN = subprocess.Popen


class NoSubprocess:
    """Stands in for ``subprocess.Popen``: records any start (none is expected)."""

    calls: list[list[str]] = []

    def __init__(self, argv: list[str], **kwargs) -> None:
        NoSubprocess.calls.append(argv)
        raise OSError("no subprocess in this test")


@pytest.fixture
def folders(tmp_path, monkeypatch) -> dict[str, Path]:
    """The app's three folders under ``tmp/app``, and another client's orders beside them
    (``tmp/other_client/orders.csv``: two levels up from the scenarios folder)."""
    app_dir = tmp_path / "app"
    out = {k: app_dir / k for k in ("scenarios", "runs", "data")}
    for folder in out.values():
        folder.mkdir(parents=True)
    (out["scenarios"] / "small_a.toml").write_text(SMALL)
    (out["scenarios"] / "client.toml").write_text(OUTSIDE)
    other = tmp_path / "other_client"
    other.mkdir()
    (other / "orders.csv").write_text(f"InvoiceNo,StockCode,Quantity\n{SECRET},X,1\n")
    (other / "snapshot.json").write_text(json.dumps({"version": 1, "scenario": SECRET}))
    shutil.copy(SAMPLE, out["data"] / "orders.csv")
    out["other"] = other
    monkeypatch.setenv("OMSIM_SCENARIOS_DIR", str(out["scenarios"]))
    monkeypatch.setenv("OMSIM_RUNS_DIR", str(out["runs"]))
    monkeypatch.setenv("OMSIM_DATA_DIR", str(out["data"]))
    NoSubprocess.calls.clear()
    monkeypatch.setattr(subprocess, "Popen", NoSubprocess)
    return out


def app(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def everything_shown(at: AppTest) -> str:
    """The text of every element on the page (values, labels, bodies)."""
    out, stack = [], [at.main]
    while stack:
        node = stack.pop()
        for attr in ("value", "label", "body"):
            try:
                out.append(str(getattr(node, attr, "")))
            except Exception:  # noqa: BLE001, S112 - some elements have no such value
                continue
        stack.extend(getattr(node, "children", {}).values())
    return "\n".join(out)


def refused_outside(message: str, where: str) -> bool:
    return message.startswith(f"{where}: replay.orders: ") and "found one outside them" in message


# --- the folders and the subprocesses -----------------------------------------------------


def test_the_app_confines_its_subprocesses_to_its_three_folders(folders):
    roots = common.omsim_env()[paths.ROOTS_ENV].split(os.pathsep)
    expected = [folders[k].resolve() for k in ("scenarios", "runs", "data")]
    assert [Path(r) for r in roots] == expected
    assert common.app_roots() == tuple(expected)


# --- scenarios pointing outside -----------------------------------------------------------


def test_an_upload_replaying_another_clients_orders_is_refused_and_not_saveable(folders):
    at = app("scenarios")
    at.selectbox(key="scenario_file").set_value("small_a").run()  # a valid one is shown
    assert errors(at) == []
    upload = ("../up.toml", OUTSIDE.encode(), "application/toml")
    at.file_uploader(key="scenario_upload").set_value(upload).run()
    assert not at.exception
    [message] = errors(at)
    assert refused_outside(message, "up.toml")
    assert SECRET not in everything_shown(at)
    assert not (folders["scenarios"] / "up.toml").exists()
    save = next(b for b in at.button if b.key and b.key.endswith(":save"))
    assert save.disabled


@pytest.mark.parametrize(
    ("page", "choose"),
    [
        ("compare", lambda at: at.multiselect(key="compare_scenarios").set_value(["client"])),
        ("sweep", lambda at: at.selectbox(key="sweep_base").set_value("client")),
        ("sizing", lambda at: at.selectbox(key="size_scenario").set_value("client")),
    ],
)
def test_a_stored_scenario_replaying_outside_is_refused_before_any_run(folders, page, choose):
    at = app(page)
    choose(at)
    at.run()
    assert not at.exception
    [message] = errors(at)
    assert refused_outside(message, f"{folders['scenarios'] / 'client.toml'}")
    for button in at.button:  # nothing offers to run it; pressing anything starts nothing
        button.click().run()
    assert NoSubprocess.calls == []
    assert SECRET not in everything_shown(at)
    assert list(folders["runs"].iterdir()) == []


def test_the_subprocess_refuses_what_the_page_missed(folders, monkeypatch):
    """Defence in depth: with the page's own check switched off, the ``omsim sweep`` it
    starts (a real subprocess) still refuses the order file outside the folders."""
    from sim.scenario import load_scenario

    monkeypatch.setattr(subprocess, "Popen", REAL_POPEN)
    monkeypatch.setattr(common, "load_confined", lambda p, o=None: load_scenario(p, o))
    at = app("sweep")
    at.selectbox(key="sweep_base").set_value("client")
    at.multiselect(key="sweep_methods").set_value(["single"])
    at.number_input(key="sweep_reps").set_value(2)
    at.run()
    assert errors(at) == []  # the page's check is off
    at.button[0].click().run()
    assert not at.exception
    [message] = errors(at)
    where = folders["scenarios"] / "client.toml"
    assert message.startswith(f"The run failed: {where}: replay.orders: ")
    assert message.endswith("found one outside them")
    assert SECRET not in everything_shown(at)


def test_a_scenario_replaying_the_data_folder_is_accepted(folders):
    """The same scenario with its orders in the data folder passes: the refusal above is
    about where the file is, not about replaying."""
    (folders["scenarios"] / "client.toml").write_text(
        OUTSIDE.replace("../../other_client/orders.csv", "../data/orders.csv")
    )
    at = app("compare")
    at.multiselect(key="compare_scenarios").set_value(["client"]).run()
    assert not at.exception and errors(at) == []


# --- the Live page ------------------------------------------------------------------------


def start_replay(at: AppTest, orders: str) -> AppTest:
    at.text_input(key="live_orders").set_value(orders)
    next(b for b in at.button if b.label == "Start the replay").click().run()
    assert not at.exception
    return at


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("../other_client/orders.csv", "found one outside them"),  # relative to data/
        ("{other}/orders.csv", "found one outside them"),
        ("/dev/zero", "found one outside them"),
        ("/etc/passwd", "found one outside them"),
        ("link.csv", "found one outside them"),  # a link in data/ to the other client
        ("fifo.csv", "expected a regular file, found a FIFO (named pipe)"),
        ("missing.csv", "expected a file, found no such file"),
    ],
)
def test_the_order_file_must_be_a_regular_file_of_the_folders(folders, typed, problem):
    (folders["data"] / "link.csv").symlink_to(folders["other"] / "orders.csv")
    os.mkfifo(folders["data"] / "fifo.csv")
    at = app("live")
    start_replay(at, typed.format(other=folders["other"]))
    [message] = errors(at)
    assert message.startswith("Order file: ") and message.endswith(problem)
    assert "\n" not in message
    assert NoSubprocess.calls == []
    assert SECRET not in everything_shown(at)


def test_an_order_file_of_the_data_folder_is_replayed(folders):
    at = app("live")
    start_replay(at, "orders.csv")
    [argv] = NoSubprocess.calls  # the recorder refused to start it: the page says so
    assert argv[4] == str(folders["data"] / "orders.csv")
    assert errors(at) == ["Cannot start the replay: no subprocess in this test"]


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("{other}/snapshot.json", "found one outside them"),
        ("../../other_client/snapshot.json", "found one outside them"),  # relative to runs/
        ("/dev/zero", "found one outside them"),
        ("link.json", "found one outside them"),
        ("fifo.json", "expected a regular file, found a FIFO (named pipe)"),
        ("huge.json", "expected a file of at most 32.0 MB, found 32.0 MB"),
        ("folder", "expected a regular file, found a directory"),
    ],
)
def test_the_snapshot_file_is_refused_outside_the_folders(folders, typed, problem):
    runs = folders["runs"]
    (runs / "link.json").symlink_to(folders["other"] / "snapshot.json")
    os.mkfifo(runs / "fifo.json")
    (runs / "folder").mkdir()
    with (runs / "huge.json").open("wb") as fh:  # sparse: nothing written to disk
        fh.truncate(paths.MAX_JSON_BYTES + 1)
    at = app("live")
    at.text_input(key="live_watch").set_value(typed.format(other=folders["other"])).run()
    assert not at.exception
    [message] = errors(at)
    assert message.startswith("Snapshot file: ") and message.endswith(problem)
    assert not at.metric  # nothing of the file is shown
    assert SECRET not in everything_shown(at)


def test_a_snapshot_in_the_runs_or_data_folder_is_shown(folders):
    snapshot = {"version": 1, "status": "done", "orders": {"placed": 12}}
    for folder, typed in (("runs", "live/snap.json"), ("data", "{data}/snap.json")):
        path = folders[folder] / ("live/snap.json" if folder == "runs" else "snap.json")
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(snapshot))
        at = app("live")
        at.text_input(key="live_watch").set_value(typed.format(data=folders["data"])).run()
        assert not at.exception and errors(at) == []
        assert {m.label: m.value for m in at.metric}["Placed"] == "12"

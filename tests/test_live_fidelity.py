"""Issue 19.6 and 19.10: the last live snapshot agrees with the run's tables, --follow waits
for complete rows and rejects lines appended to an order already in the run, with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from analysis.importers.history import history_of
from sim.cli.replay import complete_lines
from sim.live import REASON_APPENDED, Feed, LiveRun
from sim.model import Model
from tests.test_replay import replay_of, write_generic


def test_final_snapshot_counts_the_unfinished_orders(tmp_path: Path) -> None:
    """Orders placed at 23:50 of a one-day replay without drain days cannot finish: the
    last snapshot counts them in progress, as the run's orders table keeps them."""
    rows = [(f"A{i}", "2026-03-02 10:00", "X", 1, 5.0, "") for i in range(5)]
    rows += [(f"Z{i}", "2026-03-02 23:50", "X", 1, 5.0, "") for i in range(3)]
    f = write_generic(tmp_path / "o.csv", rows)
    sc = replay_of(f, "generic", **{"simulation.drain_days": 0})
    snap = tmp_path / "live.json"
    r = LiveRun(Model(sc, 1, 0, replay_history=history_of(sc)), snapshot=snap).run()
    state = json.loads(snap.read_text())
    assert state["status"] == "done"
    assert state["orders"]["placed"] == r.orders.height == 8
    unshipped = r.orders.filter(pl.col("shipped_at").is_null() | pl.col("shipped_at").is_nan())
    assert state["orders"]["in_progress"] >= 3  # the 23:50 orders at least
    assert state["orders"]["shipped"] == r.orders.height - unshipped.height


def test_follow_waits_for_a_complete_row_and_rejects_lines_appended_later(tmp_path) -> None:
    f = write_generic(tmp_path / "o.csv", [("A1", "2026-03-02 09:00", "X", 1, 5.0, "")])
    sc = replay_of(f, "generic")
    # a row being written: the price cut at "12" of "12.50", no end of line yet
    with f.open("a", newline="") as fh:
        fh.write("B1,2026-03-02 09:30,Y,2,12")
    h = complete_lines(sc)
    assert h.orders["order_id"].to_list() == ["A1"] and h.rejects.height == 0
    with f.open("a", newline="") as fh:
        fh.write(".50,\nA1,2026-03-02 09:00,Z,1,1.0,\n")  # B1 completed; a line added to A1
    h = complete_lines(sc)
    assert h.lines.filter(pl.col("order_id") == "B1")["unit_price"].to_list() == [12.5]

    # a run that had admitted A1 with one line: the appended line is rejected with a reason
    f2 = write_generic(tmp_path / "p.csv", [("A1", "2026-03-02 09:00", "X", 1, 5.0, "")])
    sc2 = replay_of(f2, "generic")
    from analysis.importers.history import import_history

    start = import_history(sc2)
    box: list[Feed] = []

    def arrivals(m):
        yield from box[0].arrivals(m)

    import datetime as dt

    m = Model(
        sc2, 1, 0, replay_history=start, replay_window=(dt.datetime(2026, 3, 2), 1.0),
        arrivals=arrivals,
    )  # fmt: skip
    box.append(Feed(m, lambda: complete_lines(sc2), start, source=str(f2)))
    m.env.run(until=10 * 60)
    with f2.open("a", newline="") as fh:
        fh.write("A1,2026-03-02 09:00,Z,1,1.0,\nB1,2026-03-02 09:30,Y,2,12.50,\n")
    assert box[0].poll() == 1  # B1 joins
    rejects = box[0].all_rejects()
    assert rejects.rows() == [("p.csv", 2, "", REASON_APPENDED)]
    r = LiveRun(m, feed=box[0]).run()
    assert r.orders.height == 2
    assert r.orders["n_lines"].to_list() == [1, 1]  # A1 as it joined, B1


def test_days_help_says_drain_days(capsys) -> None:
    import pytest

    from sim.cli import main

    with pytest.raises(SystemExit):
        main(["replay", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "plus simulation.drain_days" in out


def test_replay_keeps_the_shops_order_numbers(tmp_path: Path) -> None:
    """Issue 19.8: orders.parquet and the at-risk list carry the file's own order ids."""
    rows = [(f"#10{i}", f"2026-03-02 1{i}:00", "X", 1, 5.0, "") for i in range(4)]
    f = write_generic(tmp_path / "o.csv", rows)
    sc = replay_of(f, "generic")
    m = Model(sc, 1, 0, replay_history=history_of(sc))
    live = LiveRun(m)
    m.env.run(until=16 * 60 + 20)  # 16:20, pickup 16:30: unlabelled orders are at risk
    for row in live.state("running")["at_risk"]:
        assert row["source_order_id"] == f"#10{row['order_id']}"
    r = LiveRun(m).run()
    # the orders arrive in file order, so model order k is the file's k-th order
    assert r.orders.sort("order_id")["source_order_id"].to_list() == [f"#10{i}" for i in range(4)]


def test_carrier_service_names_map_to_the_models_services() -> None:
    """Issue 19.9: the documented service-name table."""
    from sim.replay import service_name

    names = ["standard", "express", "next_day"]
    expect = {
        "Standard": "standard", "Standard Shipping": "standard", "UPS Ground": "standard",
        "Free shipping": "standard", "Royal Mail Tracked 48": "standard",
        "Express": "express", "Expedited": "express", "USPS Priority Mail": "express",
        "2-Day": "express", "Next Day": "next_day", "FedEx Overnight": "next_day",
        "next_day": "next_day", "Collect in store": None, None: None,
    }  # fmt: skip
    assert {v: service_name(v, names) for v in expect} == expect
    # a keyword's service missing from the scenario maps to nothing, never to another
    assert service_name("Overnight", ["standard", "express"]) is None

"""Replaying real orders (``sim/replay.py``, ``omsim replay``) and live mode (``sim/live.py``).

The order files are the shipped Online Retail sample (CC BY 4.0, see tests/test_importers.py)
and small generic files written here; expected values come from the files themselves (the
``csv`` module) or from the importer's documented rules, never from a model run.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analysis.importers.history import history_of
from analysis.importers.read import read_generic, read_online_retail
from sim.cli import main
from sim.live import Feed, LiveRun
from sim.model import Model, run_replication
from sim.scenario import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "online_retail_sample.csv"
BASELINE = ROOT / "scenarios" / "baseline.toml"
TABLES = ("orders", "steps", "events", "roster")


def replay_of(path: Path, fmt: str, **over) -> object:
    return load_scenario(BASELINE, {"replay.orders": str(path), "replay.format": fmt, **over})


@pytest.fixture(scope="module")
def sample_run():
    sc = replay_of(SAMPLE, "online-retail")
    return sc, run_replication(sc, 1, 0, history=history_of(sc))


def test_replay_keeps_every_order_line_unit_and_value(sample_run) -> None:
    """Conservation: the run has exactly the imported orders, lines, units and value, each
    placed at its real time (minutes from midnight of the first day)."""
    _, r = sample_run
    h = read_online_retail(SAMPLE)
    o = r.orders.sort("order_id")
    assert o.height == h.orders.height
    assert o["n_lines"].sum() == h.lines.height
    assert o["n_units"].sum() == h.lines["quantity"].sum()
    assert o["value"].sum() == pytest.approx(h.orders["value"].sum(), rel=1e-6)
    real = h.orders.sort("placed_at", maintain_order=True)
    first = real["placed_at"][0]
    midnight = dt.datetime.combine(first.date(), dt.time())
    expected = ((real["placed_at"] - midnight).dt.total_seconds() / 60).to_list()
    assert o["placed_at"].to_list() == pytest.approx(expected, abs=1e-9)
    assert o["n_lines"].to_list() == real["n_lines"].to_list()
    # nothing lost: every order was shipped by the end of the drain days
    assert o["shipped_at"].null_count() == 0


def test_run_spans_the_history_days(sample_run) -> None:
    """The run starts at midnight of the first order's day and lasts to the end of the last
    order's day (the sample is the single day 2010-12-01, read with the csv module)."""
    _, r = sample_run
    with SAMPLE.open() as fh:
        days = {row["InvoiceDate"].split(" ")[0] for row in csv.DictReader(fh)}
    assert days == {"2010-12-01"}
    assert r.scenario.simulation.start == dt.datetime(2010, 12, 1)
    assert r.scenario.simulation.horizon_days == 1.0


def test_most_popular_sku_takes_catalogue_sku_0() -> None:
    """SKUs unknown to the scenario are slotted by popularity: the SKU on most accepted lines
    (counted here from the file) becomes catalogue SKU 0, the slot nearest the depot."""
    sc = replay_of(SAMPLE, "online-retail")
    m = Model(sc, 1, 0, replay_history=history_of(sc))
    h = read_online_retail(SAMPLE)
    counts = Counter(h.lines["sku"].to_list())
    top = max(counts.values())
    assert m.replay.sku_codes[0] in {s for s, n in counts.items() if n == top}
    assert len(m.replay.sku_codes) == max(sc.catalog.n_skus, len(counts))
    assert set(counts) <= set(m.replay.sku_codes)


def test_listed_sku_codes_keep_their_catalogue_index() -> None:
    """``catalog.sku_codes`` pins SKUs: a listed code keeps its index even if unpopular."""
    h = read_online_retail(SAMPLE)
    rare = Counter(h.lines["sku"].to_list()).most_common()[-1][0]
    sc = replay_of(SAMPLE, "online-retail", **{"catalog.sku_codes": [rare]})
    m = Model(sc, 1, 0, replay_history=history_of(sc))
    assert m.replay.sku_codes[0] == rare


def write_generic(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "placed_at", "sku", "quantity", "unit_price", "service"])
        w.writerows(rows)
    return path


def test_services_named_in_the_file_are_used(tmp_path: Path) -> None:
    """An order naming a scenario service (any case) gets it; an unknown one is drawn and
    reported in the notes."""
    rows = [(f"A{i}", "2026-03-02 10:00", "X", 1, 5.0, "EXPRESS") for i in range(30)]
    rows += [(f"B{i}", "2026-03-02 11:00", "Y", 2, 5.0, "standard") for i in range(30)]
    rows += [(f"C{i}", "2026-03-02 12:00", "Y", 1, 5.0, "drone") for i in range(5)]
    f = write_generic(tmp_path / "o.csv", rows)
    sc = replay_of(f, "generic")
    m = Model(sc, 1, 0, replay_history=history_of(sc))
    r = m.run()
    svc = r.orders.sort("order_id")["service"].cast(pl.String).to_list()
    assert svc[:30] == ["express"] * 30
    assert svc[30:60] == ["standard"] * 30
    assert any("drone" not in n and "5 orders name a service" in n for n in m.replay.notes)


def test_too_many_skus_lengthen_the_aisles(tmp_path: Path) -> None:
    """A history with more SKUs than slots lengthens the aisles, and says so."""
    sc = replay_of(SAMPLE, "online-retail")
    small = with_overrides(
        sc, {"warehouse.n_aisles": 2, "warehouse.n_slots_per_side": 10, "catalog.n_skus": 40}
    )
    m = Model(small, 1, 0, replay_history=history_of(small))
    n = len(read_online_retail(SAMPLE).lines["sku"].unique())
    wh = m.scenario.warehouse
    assert 2 * wh.n_slots_per_side * wh.n_aisles >= n > 40
    assert any("aisles lengthened" in note for note in m.replay.notes)


def test_replay_is_deterministic_and_live_pacing_changes_nothing(sample_run, tmp_path) -> None:
    """Same (scenario, file, seed, replication), same tables; a live run (paced, publishing
    snapshots) gives the same tables as a run flat out."""
    sc, r = sample_run
    again = run_replication(sc, 1, 0, history=history_of(sc))
    snap = tmp_path / "live.json"
    live = LiveRun(
        Model(sc, 1, 0, replay_history=history_of(sc)), speed=8 * 86400.0, snapshot=snap
    ).run()
    for name in TABLES:
        assert_frame_equal(getattr(r, name), getattr(again, name))
        assert_frame_equal(getattr(r, name), getattr(live, name))
    state = json.loads(snap.read_text())
    assert state["version"] == 1 and state["status"] == "done"
    o = r.orders
    assert state["orders"]["placed"] == o.height
    assert state["orders"]["shipped"] == o["shipped_at"].is_not_null().sum()
    assert state["orders"]["delivered"] == o["delivered_at"].is_not_null().sum()
    assert state["kpis"]["lead_time_mean_h"] == pytest.approx(
        ((o["delivered_at"] - o["placed_at"]) / 60).mean()
    )
    assert {s["stage"] for s in state["stages"]} >= {"pickers", "packers"}


def test_snapshot_mid_run_shows_queues_and_orders_at_risk(tmp_path: Path) -> None:
    """Mid-run, the snapshot's queues are the stations' queues and every order at risk is
    unlabelled with its pickup at most an hour away."""
    sc = replay_of(SAMPLE, "online-retail")
    m = Model(sc, 1, 0, replay_history=history_of(sc))
    live = LiveRun(m)
    m.env.run(until=13 * 60)  # 13:00 on the sample's day: orders arrived since 08:26
    state = live.state("running")
    by_name = {st.name: len(st) for st in m.stations()}
    assert {s["stage"]: s["queue"] for s in state["stages"]} == by_name
    assert state["orders"]["placed"] == sum(
        1 for t in Model(sc, 1, 0, replay_history=history_of(sc)).replay.times if t <= 13 * 60
    )
    assert state["orders"]["in_progress"] == len(m.live)
    for row in state["at_risk"]:
        assert row["minutes_left"] <= 60


def test_follow_takes_orders_appended_to_the_file(tmp_path: Path) -> None:
    """--follow: orders appended while the run goes join it; at the end every order of the
    final file is in the run (nothing created or lost) and late ones are counted."""
    f = write_generic(
        tmp_path / "o.csv",
        [(f"A{i}", f"2026-03-02 09:{i:02d}", "X", 1, 5.0, "") for i in range(10)],
    )
    sc = replay_of(f, "generic")
    start = dt.datetime(2026, 3, 2, 9, 0)
    box: list[Feed] = []

    def arrivals(m):
        yield from box[0].arrivals(m)

    m = Model(
        sc, 1, 0, replay_history=history_of(sc), replay_window=(start, 1.0), arrivals=arrivals
    )
    from analysis.importers.history import import_history

    box.append(Feed(m, lambda: import_history(sc)))
    m.env.run(until=120)  # 11:00: the first ten are in
    assert m.source.next_id == 10
    with f.open("a", newline="") as fh:
        w = csv.writer(fh)
        w.writerows([(f"B{i}", "2026-03-02 10:30", "Y", 2, 5.0, "") for i in range(3)])
        w.writerows([(f"C{i}", "2026-03-02 12:00", "Z", 1, 5.0, "") for i in range(4)])
    assert box[0].poll() == 7
    assert box[0].late_arrivals == 3  # 10:30 has passed in the simulation
    assert box[0].poll() == 0  # nothing new
    r = LiveRun(m, feed=box[0]).run()
    assert r.orders.height == 17
    assert r.orders["n_units"].sum() == 10 + 6 + 4
    late = r.orders.filter(pl.col("n_units") == 2)
    assert (late["placed_at"] == 120).all()  # arrived when read, not in the past


# --- command line ------------------------------------------------------------------------------


def test_cli_replay_writes_tables_kpis_and_rejects(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    rc = main(["replay", str(SAMPLE), "--format", "online-retail", "--scenario", str(BASELINE),
               "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert rc == 0
    assert "Orders placed" in captured.out
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["orders_placed"] == read_online_retail(SAMPLE).orders.height
    rejects = pl.read_csv(out / "rejects.csv")
    with SAMPLE.open() as fh:
        n_rows = sum(1 for _ in csv.DictReader(fh))
    assert rejects.height + read_online_retail(SAMPLE).lines.height == n_rows
    assert set(rejects.columns) >= {"row", "column", "reason"}


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("", "empty file"),
        ("order_id,sku\nA,X\n", "placed_at, quantity, unit_price"),
    ],
)
def test_cli_replay_bad_file_is_one_line_exit_2(tmp_path, capsys, content, needle) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(content)
    rc = main(["replay", str(f), "--format", "generic", "--scenario", str(BASELINE)])
    err = capsys.readouterr().err
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(f) in err and needle in err


def test_cli_follow_needs_speed(capsys) -> None:
    rc = main(["replay", str(SAMPLE), "--format", "online-retail", "--scenario", str(BASELINE),
               "--follow"])  # fmt: skip
    assert rc == 2
    assert "--speed" in capsys.readouterr().err


def test_compare_replays_with_set(tmp_path: Path, capsys) -> None:
    """compare works on a replay given by --set: both scenarios see the same real orders."""
    rc = main(["compare", str(BASELINE), str(ROOT / "scenarios" / "batch.toml"),
               "--set", f"replay.orders={SAMPLE}", "--set", "replay.format=online-retail",
               "-r", "2", "--plain", "--kpis", "orders_placed,lead_time_mean_h"])  # fmt: skip
    out = capsys.readouterr().out
    assert rc == 0
    n = read_online_retail(SAMPLE).orders.height
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Orders placed"))
    placed = lines[at : at + 2]  # a row per scenario, the label on the first
    assert "1. baseline" in placed[0] and "2. batch" in placed[1]
    assert all(f"{n}" in line for line in placed)


def test_generic_replay_matches_import(tmp_path: Path) -> None:
    """A generic file's orders arrive at their times, in time order."""
    rows = [("late", "2026-03-03 08:00", "X", 1, 1.0, ""), ("early", "2026-03-02 23:59", "Y",
            3, 2.0, "")]  # fmt: skip
    f = write_generic(tmp_path / "o.csv", rows)
    h = read_generic(f)
    assert h.orders.height == 2
    sc = replay_of(f, "generic")
    r = run_replication(sc, 1, 0, history=history_of(sc))
    o = r.orders.sort("order_id")
    assert o["placed_at"].to_list() == [23 * 60 + 59, 24 * 60 + 8 * 60]
    assert o["n_units"].to_list() == [3, 1]
    assert r.scenario.simulation.horizon_days == 2.0


@pytest.mark.parametrize("method", ["batch", "wave"])
def test_lines_bigger_than_a_cart_are_picked_on_their_own_tour(tmp_path, method) -> None:
    """Real histories have lines bigger than a cart or tour (a wholesaler's 500 units): each
    goes on a tour of its own and every order still ships with all its units."""
    rows = [(f"A{i}", f"2026-03-02 09:{i:02d}", f"S{i % 7}", 500 if i % 5 == 0 else 2, 1.0, "")
            for i in range(40)]  # fmt: skip
    f = write_generic(tmp_path / "big.csv", rows)
    over = {"picking.method": method, "picking.batch.n_units_per_cart": 40,
            "picking.wave.n_units_per_tour": 40}  # fmt: skip
    if method == "wave":
        over["staffing.shifts"] = [
            {"role": "pickers", "headcount": 4}, {"role": "packers", "headcount": 2},
            {"role": "consolidators", "headcount": 1},
        ]  # fmt: skip
    sc = replay_of(f, "generic", **over)
    r = run_replication(sc, 1, 0, history=history_of(sc))
    assert r.orders.height == 40
    assert r.orders["shipped_at"].null_count() == 0
    assert r.orders["n_units"].sum() == 8 * 500 + 32 * 2

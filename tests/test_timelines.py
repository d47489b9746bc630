"""Worker and wave timelines (analysis.plots.timelines): tiling, travel split, waves, figures."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analysis.plots.timelines import (
    KINDS,
    wave_segments,
    wave_timeline_figure,
    worker_segments,
    worker_timeline_figure,
)

D1 = 1440.0  # start of day 1
SPEED = 1.1  # m/s = 66 m/min
STEP_KIND = {"pick": "picking", "repick": "picking", "pack": "packing", "label": "labelling",
             "sort": "sorting", "consolidate": "consolidating"}  # fmt: skip
PICK_KINDS = ("picking", "travelling")


# --- hand-built tables --------------------------------------------------------------------


def _steps(rows: list[tuple]) -> pl.DataFrame:
    cols = ["order_id", "step", "attempt", "resource", "worker", "batch_id", "n_lines",
            "t_ready", "t_start", "t_end", "outcome"]  # fmt: skip
    schema = dict.fromkeys(cols, pl.Float64)
    schema |= {"order_id": pl.Int64, "step": pl.String, "attempt": pl.Int64,
               "resource": pl.String, "worker": pl.Int64, "batch_id": pl.Int64,
               "n_lines": pl.Int64, "outcome": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def _roster(rows: list[tuple]) -> pl.DataFrame:
    schema = {"resource": pl.String, "worker": pl.Int64, "t_on": pl.Float64,
              "t_off": pl.Float64, "wage_per_hour": pl.Float64}  # fmt: skip
    return pl.DataFrame([(*r, 18.0) for r in rows], schema=schema, orient="row")


def _orders(travel: dict[int, float]) -> pl.DataFrame:
    return pl.DataFrame({"order_id": list(travel), "travel_m": list(travel.values())})


@pytest.fixture
def tiny() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Picker 0: 06:00-10:00 and 10:30-14:30 on day 1; packer 0: 08:00-12:00, 12:30-16:00;
    label printer 0 on duty for the whole run."""
    roster = _roster([
        ("pickers", 0, D1 + 360, D1 + 600), ("pickers", 0, D1 + 630, D1 + 870),
        ("pickers", 0, 360, 600),  # day 0: not drawn
        ("packers", 0, D1 + 480, D1 + 720), ("packers", 0, D1 + 750, D1 + 960),
        ("packers", 0, 2 * D1 + 480, 2 * D1 + 720),  # day 2: not drawn
        ("label_printers", 0, 0.0, 3 * D1),
    ])  # fmt: skip
    steps = _steps([
        (6, "pick", 1, "pickers", 0, None, 1, 300.0, 400.0, 420.0, "ok"),  # day 0
        (1, "pick", 1, "pickers", 0, None, 2, 1700.0, 1800.0, 1810.0, "ok"),
        (1, "repick", 1, "pickers", 0, None, 1, 1890.0, 1900.0, 1905.0, "ok"),
        (2, "pick", 1, "pickers", 0, 7, 1, 1700.0, 1830.0, 1850.0, "ok"),  # a batch of 2
        (3, "pick", 1, "pickers", 0, 7, 3, 1700.0, 1830.0, 1850.0, "ok"),
        (4, "pick", 1, "pickers", 0, None, 1, 1700.0, 2035.0, 2075.0, "ok"),  # into the break
        (5, "pick", 1, "pickers", 0, None, 1, 1700.0, 2300.0, None, "in_progress"),
        (1, "pack", 1, "packers", 0, None, 2, 1810.0, 1925.0, 1930.0, "ok"),
        (2, "pack", 1, "packers", 0, None, 1, 1850.0, 2150.0, 2165.0, "ok"),  # past t_off
        (3, "pack", 1, "packers", 0, None, 3, 1850.0, 2395.0, 2410.0, "ok"),  # past the shift
        (4, "pack", 1, "packers", None, None, 1, 2075.0, None, None, "waiting"),
        (9, "label", 1, "label_printers", 0, None, 1, 1420.0, 1430.0, 1445.0, "ok"),  # midnight
    ])  # fmt: skip
    # metres at 66 m/min: order 1's 198 = 132 on its 2-line pick (2 min) + 66 on its 1-line
    # re-pick (1 min); batch 7: 99 + 99 = 3 min; 3300 = 50 min > the 40-min job; 66 = 1 min
    orders = _orders({1: 198.0, 2: 99.0, 3: 99.0, 4: 3300.0, 5: 66.0, 6: 660.0, 9: 0.0})
    return steps, roster, orders


def _tuples(seg: pl.DataFrame, resource: str) -> list[tuple[str, float, float]]:
    part = seg.filter(pl.col("resource") == resource).with_columns(pl.col("kind").cast(pl.String))
    return [(k, round(a, 9), round(b, 9)) for k, a, b in part.select("kind", "t0", "t1").rows()]


def test_hand_built_segments_by_hand(tiny):
    seg = worker_segments(*tiny, day=1, walking_speed_m_per_s=SPEED)
    assert _tuples(seg, "pickers") == [
        ("travelling", 1800, 1802), ("picking", 1802, 1810), ("idle", 1810, 1830),
        ("travelling", 1830, 1833), ("picking", 1833, 1850), ("idle", 1850, 1900),
        ("travelling", 1900, 1901), ("picking", 1901, 1905), ("idle", 1905, 2035),
        ("travelling", 2035, 2075),  # travel clipped at the job; the job covers the break
        ("idle", 2075, 2300), ("travelling", 2300, 2301), ("picking", 2301, 2310),  # unfinished
    ]  # fmt: skip
    assert _tuples(seg, "packers") == [
        ("idle", 1920, 1925), ("packing", 1925, 1930), ("idle", 1930, 2150),
        ("packing", 2150, 2165), ("break", 2165, 2190), ("idle", 2190, 2395),
        ("packing", 2395, 2400),
    ]  # fmt: skip
    assert _tuples(seg, "label_printers") == [("labelling", 1440, 1445), ("idle", 1445, 2880)]
    assert set(seg["kind"].cast(pl.String)) <= set(KINDS)


def test_resource_filter_and_day_zero(tiny):
    seg = worker_segments(*tiny, day=1, resource="packers", walking_speed_m_per_s=SPEED)
    assert set(seg["resource"]) == {"packers"} and seg.height == 7
    day0 = worker_segments(*tiny, day=0, resource="pickers", walking_speed_m_per_s=SPEED)
    # 660 m = 10 min of the 20-min job at 06:40, inside the 06:00-10:00 / 10:30-14:30 roster
    assert _tuples(day0, "pickers") == [
        ("idle", 360, 400), ("travelling", 400, 410), ("picking", 410, 420), ("idle", 420, 600),
    ]  # fmt: skip


def test_overlapping_steps_are_rejected(tiny):
    steps, roster, orders = tiny
    clash = _steps([(8, "pick", 1, "pickers", 0, None, 1, 1700.0, 1805.0, 1815.0, "ok")])
    with pytest.raises(ValueError, match="pickers 0"):
        worker_segments(pl.concat([steps, clash]), roster, orders, day=1,
                        walking_speed_m_per_s=SPEED)  # fmt: skip


# --- real runs ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs():
    from sim.model import run_replication
    from sim.scenario import load_scenario

    small = {"simulation.horizon_days": 2, "demand.orders_per_day": 300}
    # "cut": the run stops at 09:36 on day 1 with no drain, a pick still in a picker's hands
    cut = {"simulation.horizon_days": 1.4, "simulation.drain_days": 0, "demand.orders_per_day": 600}
    plan = {n: (n, small) for n in ("baseline", "batch", "zone", "wave")} | {"cut": ("single", cut)}
    out = {}
    for name, (file, overrides) in plan.items():
        sc = load_scenario(f"scenarios/{file}.toml", overrides)
        out[name] = (sc, run_replication(sc, 1, 0))
    assert out["cut"][1].steps.filter(pl.col("t_end").is_null() & (pl.col("t_start") > D1)).height
    return out


def _shifts(roster: pl.DataFrame, lo: float, hi: float) -> dict[tuple[str, int], tuple]:
    """Shift per worker, from the roster: [first t_on, last t_off] clipped to the day."""
    r = roster.with_columns(
        pl.col("resource").cast(pl.String), pl.col("worker").cast(pl.Int64),
        pl.col("t_on").clip(lo, hi), pl.col("t_off").clip(lo, hi),
    ).filter(pl.col("t_off") > pl.col("t_on"))  # fmt: skip
    g = r.group_by("resource", "worker").agg(pl.col("t_on").min(), pl.col("t_off").max())
    return {(a, w): (on, off) for a, w, on, off in g.rows()}


def _work_by_hand(steps: pl.DataFrame, who: tuple[str, int], shift: tuple) -> dict[str, float]:
    """Minutes of each kind of work in the shift, straight from the steps rows."""
    s0, s1 = shift
    mine = steps.filter(
        (pl.col("resource").cast(pl.String) == who[0]) & (pl.col("worker") == who[1])
        & pl.col("t_start").is_not_null()
    ).unique(["t_start"])  # a tour's rows: one interval  # fmt: skip
    out: dict[str, float] = {}
    for step, t0, t1 in mine.select(pl.col("step").cast(pl.String), "t_start", "t_end").rows():
        t1 = s1 if t1 is None else t1
        kind = STEP_KIND.get(step, "other work")
        out[kind] = out.get(kind, 0.0) + max(0.0, min(t1, s1) - max(t0, s0))
    return out


@pytest.mark.parametrize("name", ["baseline", "batch", "zone", "wave", "cut"])
def test_segments_tile_every_shift_on_real_runs(runs, name):
    sc, r = runs[name]
    seg = worker_segments(r.steps, r.roster, r.orders, day=1,
                          walking_speed_m_per_s=sc.picking.walking_speed_m_per_s)  # fmt: skip
    shifts = _shifts(r.roster, D1, 2 * D1)
    assert set(seg.select("resource", "worker").unique().rows()) == set(shifts)
    worked = 0.0
    for (res, w), part in seg.group_by("resource", "worker"):
        t0, t1 = part["t0"].to_numpy(), part["t1"].to_numpy()
        assert np.all(np.diff(t0) > 0) and np.all(t1 > t0)
        assert np.array_equal(t1[:-1], t0[1:]), (res, w)  # contiguous: no gap, no overlap
        s0, s1 = shifts[(res, w)]
        assert t0[0] == s0 and t1[-1] == s1
        assert (t1 - t0).sum() == pytest.approx(s1 - s0, abs=1e-6)
        kinds = part.with_columns(pl.col("kind").cast(pl.String), d=pl.col("t1") - pl.col("t0"))
        got = dict(kinds.group_by("kind").agg(pl.col("d").sum()).rows())
        want = _work_by_hand(r.steps, (res, w), (s0, s1))
        for kind, minutes in want.items():
            if kind == "picking":
                got_pick = got.get("picking", 0.0) + got.get("travelling", 0.0)
                assert got_pick == pytest.approx(minutes, abs=1e-6)
            else:
                assert got.get(kind, 0.0) == pytest.approx(minutes, abs=1e-6), (res, w, kind)
        busy = sum(v for k, v in got.items() if k not in ("idle", "break"))
        assert busy == pytest.approx(sum(want.values()), abs=1e-6)
        worked += busy
    assert worked > 60  # the day had work to tile


def _first_segment(seg: pl.DataFrame, worker: int, t: float) -> tuple[str, float]:
    row = seg.filter(
        (pl.col("resource") == "pickers") & (pl.col("worker") == worker) & (pl.col("t0") == t)
    )  # fmt: skip
    assert row.height == 1
    return str(row["kind"][0]), float(row["t1"][0] - row["t0"][0])


@pytest.mark.parametrize("name", ["baseline", "batch"])
def test_travelling_is_the_tours_metres_at_walking_speed(runs, name):
    sc, r = runs[name]
    speed = sc.picking.walking_speed_m_per_s * 60.0
    seg = worker_segments(r.steps, r.roster, r.orders, day=1, walking_speed_m_per_s=speed / 60)
    picks = r.steps.filter(pl.col("step").cast(pl.String).is_in(["pick", "repick"]))
    once = picks.group_by("order_id").len().filter(pl.col("len") == 1)["order_id"]
    shifts = _shifts(r.roster, D1, 2 * D1)
    day = picks.filter((pl.col("t_start") >= D1 + 1) & (pl.col("t_end") < 2 * D1 - 1))
    metres = dict(r.orders.select("order_id", "travel_m").rows())
    checked = 0
    key = "order_id" if name == "baseline" else "batch_id"
    for _, tour in day.group_by(key):
        if not tour["order_id"].is_in(once.implode()).all():
            continue  # an order re-picked: its metres are shared with the re-pick
        w, t0, t1 = tour["worker"][0], tour["t_start"][0], tour["t_end"][0]
        s0, s1 = shifts[("pickers", w)]
        if not s0 <= t0 < t1 <= s1:
            continue
        travel = sum(metres[o] for o in tour["order_id"]) / speed
        kind, minutes = _first_segment(seg, w, t0)
        expected = min(travel, t1 - t0)
        assert kind == ("travelling" if expected > 0 else "picking")
        if expected > 0:
            assert minutes == pytest.approx(expected, rel=1e-5)
        checked += 1
    assert checked > 20


def test_wave_segments_on_a_wave_run(runs):
    _, r = runs["wave"]
    waves = wave_segments(r.steps, r.orders)
    assert waves.height > 10
    assert waves["wave"].to_list() == list(range(1, waves.height + 1))
    done = waves.drop_nulls()
    assert done.height > 0.8 * waves.height
    assert (done["released_at"] <= done["first_pick_start"]).all()
    assert (done["first_pick_start"] <= done["last_pick_end"]).all()
    assert (done["last_pick_end"] <= done["last_consolidated"]).all()
    # wave.py: a wave's pick rows carry its release as t_ready; waves numbered in release order
    picks = r.steps.filter(pl.col("step").cast(pl.String) == "pick")
    by_release = (
        picks.group_by("t_ready")
        .agg(pl.col("order_id").n_unique().alias("n"), pl.col("batch_id").n_unique().alias("k"))
        .sort("t_ready")
    )
    assert waves["released_at"].to_list() == by_release["t_ready"].to_list()
    assert waves["n_orders"].to_list() == by_release["n"].to_list()
    assert waves["n_tours"].to_list() == by_release["k"].to_list()
    # the orders table agrees: orders released at each wave's time
    released = r.orders.filter(pl.col("released_at").is_in(waves["released_at"].implode()))
    counts = dict(released.group_by("released_at").len().rows())
    assert [counts[t] for t in waves["released_at"]] == waves["n_orders"].to_list()
    # a wave is done when its last order is consolidated
    cons = picks.select("order_id", "t_ready").unique().join(
        r.steps.filter(pl.col("step").cast(pl.String) == "consolidate"), on="order_id"
    )  # fmt: skip
    last = dict(cons.group_by("t_ready").agg(pl.col("t_end").max()).rows())
    for t, got in done.select("released_at", "last_consolidated").rows():
        assert got == last[t]


def test_no_waves_outside_wave_picking(runs):
    for name in ("baseline", "batch", "zone"):
        _, r = runs[name]
        assert wave_segments(r.steps, r.orders).is_empty()


# --- figures ------------------------------------------------------------------------------


def _ink(fig) -> float:
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    return float((img < 250).any(axis=-1).mean())


def test_worker_figure_renders(runs):
    sc, r = runs["wave"]
    seg = worker_segments(r.steps, r.roster, r.orders, day=1,
                          walking_speed_m_per_s=sc.picking.walking_speed_m_per_s)  # fmt: skip
    fig = worker_timeline_figure(seg, title="wave, day 1")
    assert _ink(fig) >= 0.03
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "pickers 0" in labels and len(labels) == seg.select("resource", "worker").n_unique()
    assert all(":" in t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text())


def test_worker_figure_with_many_workers_stays_legible():
    def segs(n: int) -> pl.DataFrame:
        rows = []
        for w in range(n):
            s0 = D1 + 360 + 5 * w
            rows += [("pickers", w, "idle", s0, s0 + 60), ("pickers", w, "picking", s0 + 60,
                     s0 + 90), ("pickers", w, "break", s0 + 90, s0 + 120)]  # fmt: skip
        schema = {"resource": pl.String, "worker": pl.Int64, "kind": pl.String,
                  "t0": pl.Float64, "t1": pl.Float64}  # fmt: skip
        return pl.DataFrame(rows, schema=schema, orient="row")

    small, big, huge = (worker_timeline_figure(segs(n)) for n in (5, 60, 150))
    assert small.get_figheight() < big.get_figheight() <= huge.get_figheight() <= 30
    size = big.axes[0].get_yticklabels()[0].get_fontsize()
    assert size >= 4 and _ink(big) >= 0.03
    assert worker_timeline_figure(segs(0)).get_figheight() > 0  # nothing on duty: no error


def test_wave_figure_renders(runs):
    _, r = runs["wave"]
    fig = wave_timeline_figure(wave_segments(r.steps, r.orders), title="waves")
    assert _ink(fig) >= 0.03
    empty = wave_timeline_figure(wave_segments(runs["baseline"][1].steps, r.orders))
    assert empty.get_figheight() > 0

"""Hand-computed checks of analysis.kpis.run_kpis on tiny event logs with the dtypes of
sim.eventlog."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.kpis.run_kpis import (
    KPI_DEFS,
    KpiDef,
    headline_kpis,
    kpi_def,
    order_flow,
    queue_length,
    run_kpis,
    time_weighted_mean,
    utilisation,
)
from sim.config.base import RESOURCES
from sim.eventlog import (
    ENUM_SOURCES,
    ORDERS_SCHEMA,
    ROSTER_SCHEMA,
    STEPS_SCHEMA,
    empty_frame,
)

# --- fixture helpers ---------------------------------------------------------------------

NAMES: dict[str, list[str]] = {
    "channels": ["web", "marketplace"],
    "services": ["standard", "express"],
    "carriers": ["dhl", "ups"],
    "boxes": ["S", "M"],
    "materials": ["cardboard"],
    "resources": list(RESOURCES),
}

ORDER_DEFAULTS: dict[str, Any] = {
    "customer_id": 1,
    "channel": "web",
    "service": "standard",
    "is_priority": False,
    "n_lines": 1,
    "n_units": 1,
    "value": 10.0,
    "placed_at": 0.0,
    "pick_errors": 0,
    "pick_errors_caught": 0,
    "pick_errors_shipped": 0,
    "carrier": "dhl",
    "box": "S",
    "n_parcels": 1,
    "material": "cardboard",
    "billable_weight_kg": 1.0,
    "damaged": False,
    "special_action": "none",
    "special_cost": 0.0,
    "payment_attempts": 1,
}
STEP_DEFAULTS: dict[str, Any] = {"attempt": 1, "step": "pick", "outcome": "ok"}
ROSTER_DEFAULTS: dict[str, Any] = {"wage_per_hour": 15.0}


def _schema(schema: dict[str, pl.DataType | None]) -> dict[str, pl.DataType]:
    return {c: pl.Enum(NAMES[ENUM_SOURCES[c]]) if dt is None else dt for c, dt in schema.items()}


def _dtype_default(dtype: pl.DataType | None) -> Any:
    """Default of a column missing from both a row and the table's defaults: False for a flag,
    the first member of a fixed enum (``lost_cause`` "none", ``special_action`` "none"), else
    null (times not reached, scenario enums), so a column added to the schema gets a value
    meaning "nothing happened" in every fixture."""
    if isinstance(dtype, pl.Boolean):
        return False
    if isinstance(dtype, pl.Enum):
        return dtype.categories[0]
    return None


def _frame(
    schema: dict[str, pl.DataType | None], defaults: dict[str, Any], rows: list[dict[str, Any]]
) -> pl.DataFrame:
    unknown = {k for r in rows for k in r} - set(schema)
    assert not unknown, unknown
    data = {
        c: [r.get(c, defaults.get(c, _dtype_default(dt))) for r in rows] for c, dt in schema.items()
    }
    return pl.DataFrame(data, schema=_schema(schema))


def _status(r: dict[str, Any]) -> str:
    if r.get("lost_cause", "none") != "none":
        return "lost"
    if r.get("in_store"):
        return "sold_in_store"
    for col, status in (
        ("delivered_at", "delivered"),
        ("shipped_at", "in_transit"),
        ("labelled_at", "at_dock"),
        ("packed_at", "awaiting_label"),
        ("picked_at", "awaiting_packing"),
    ):
        if r.get(col) is not None:
            return status
    return "awaiting_picking"


def orders(*rows: dict[str, Any]) -> pl.DataFrame:
    """Orders table; order_id defaults to the row index and status follows the milestones."""
    full = [{"order_id": i, "status": _status(r), **r} for i, r in enumerate(rows)]
    return _frame(ORDERS_SCHEMA, ORDER_DEFAULTS, full)


def steps(*rows: dict[str, Any]) -> pl.DataFrame:
    """Steps table; order_id defaults to the row index, outcome follows t_start/t_end."""
    full = []
    for i, r in enumerate(rows):
        outcome = "waiting" if r.get("t_start") is None else "in_progress"
        if r.get("t_end") is not None:
            outcome = "ok"
        full.append({"order_id": i, "outcome": outcome, **r})
    return _frame(STEPS_SCHEMA, STEP_DEFAULTS, full)


def roster(*rows: dict[str, Any]) -> pl.DataFrame:
    """Roster table."""
    return _frame(ROSTER_SCHEMA, ROSTER_DEFAULTS, list(rows))


def empty(schema: dict[str, pl.DataType | None]) -> pl.DataFrame:
    return empty_frame(schema, NAMES)


NO_ORDERS = empty(ORDERS_SCHEMA)
NO_STEPS = empty(STEPS_SCHEMA)
NO_ROSTER = empty(ROSTER_SCHEMA)


def test_fixture_helpers_use_the_eventlog_dtypes() -> None:
    assert orders({}).schema == NO_ORDERS.schema
    # columns a test does not mention mean "nothing happened"
    row = orders({}).row(0, named=True)
    assert row["lost_cause"] == "none"
    assert row["duplicate_of"] is None and row["paid_at"] is None
    assert not (row["oversold"] or row["backordered"] or row["in_store"])
    assert steps({"resource": "pickers", "worker": 0, "t_ready": 0.0}).schema == NO_STEPS.schema
    row = {"resource": "pickers", "worker": 0, "t_on": 0.0, "t_off": 1.0}
    assert roster(row).schema == NO_ROSTER.schema


# --- order KPIs --------------------------------------------------------------------------


def _lead_time_log() -> pl.DataFrame:
    # lead times 10, 20, 30, 40 h; time to ship 1, 2, 3, 4 h; a fifth order still open
    rows = [
        {"placed_at": p, "shipped_at": p + 60.0 * h, "delivered_at": p + 600.0 * h}
        for p, h in ((0.0, 1), (60.0, 2), (120.0, 3), (180.0, 4))
    ]
    rows.append({"placed_at": 200.0})
    return orders(*rows)


def test_lead_time_mean_and_percentiles() -> None:
    k = run_kpis(_lead_time_log(), NO_STEPS, NO_ROSTER, end_min=3000.0)
    assert k["orders_placed"] == 5
    assert k["orders_shipped"] == 4
    assert k["orders_delivered"] == 4
    assert k["orders_in_progress"] == 1
    assert k["lead_time_mean_h"] == pytest.approx(25.0)
    # linear interpolation on [10, 20, 30, 40]: position q * (n - 1)
    assert k["lead_time_p50_h"] == pytest.approx(25.0)
    assert k["lead_time_p90_h"] == pytest.approx(37.0)  # 30 + 0.7 * 10
    assert k["lead_time_p95_h"] == pytest.approx(38.5)  # 30 + 0.85 * 10
    assert k["time_to_ship_mean_h"] == pytest.approx(2.5)
    assert k["time_to_ship_p95_h"] == pytest.approx(3.85)


def test_milestones_after_end_are_not_reached() -> None:
    # deliveries at 600, 1260, 1920, 2580: only the first two are before 1500
    k = run_kpis(_lead_time_log(), NO_STEPS, NO_ROSTER, end_min=1500.0)
    assert k["orders_delivered"] == 2
    assert k["orders_in_progress"] == 3
    assert k["lead_time_mean_h"] == pytest.approx(15.0)


def test_shipped_same_day_moves_with_start_minute_of_day() -> None:
    log = orders(
        {"placed_at": 100.0, "shipped_at": 200.0},  # A
        {"placed_at": 250.0, "shipped_at": 1600.0},  # C
        {"placed_at": 300.0},  # D: never shipped
        {"placed_at": 1600.0, "shipped_at": 1610.0},  # E: placed after end - 1 day: excluded
    )
    # start at 20:00: midnight falls at t = 240 and t = 1680.
    # A: 20:00+100 and +200 are both before midnight -> same day; C: both on day 1 -> same day.
    late = run_kpis(log, NO_STEPS, NO_ROSTER, start_minute_of_day=1200.0, end_min=3000.0)
    assert late["shipped_same_day"] == pytest.approx(2 / 3)
    # start at midnight: A same day, C placed day 0 and shipped day 1
    midnight = run_kpis(log, NO_STEPS, NO_ROSTER, start_minute_of_day=0.0, end_min=3000.0)
    assert midnight["shipped_same_day"] == pytest.approx(1 / 3)


def test_on_time_delivery() -> None:
    log = orders(
        {"promised_at": 500.0, "delivered_at": 400.0},  # on time
        {"promised_at": 500.0, "delivered_at": 600.0},  # late
        {"promised_at": 500.0},  # not delivered: late
        {"promised_at": 5000.0, "delivered_at": 100.0},  # promised after the end: excluded
        {"promised_at": 1000.0, "delivered_at": 1000.0},  # exactly on time
    )
    k = run_kpis(log, NO_STEPS, NO_ROSTER, end_min=3000.0)
    assert k["on_time_delivery"] == pytest.approx(0.5)


def test_picking_accuracy_errors_shipped_damage_and_travel() -> None:
    log = orders(
        {
            "n_lines": 3,
            "pick_errors": 1,
            "pick_errors_shipped": 1,
            "picked_at": 10.0,
            "shipped_at": 50.0,
            "travel_m": 10.0,
        },
        {"n_lines": 5, "picked_at": 10.0, "shipped_at": 50.0, "damaged": True, "travel_m": 20.0},
        {"n_lines": 2, "picked_at": 10.0, "travel_m": 30.0},  # picked, not shipped yet
        {"n_lines": 10},  # not picked: excluded from accuracy and travel
    )
    k = run_kpis(log, NO_STEPS, NO_ROSTER, end_min=100.0)
    assert k["picking_accuracy_lines"] == pytest.approx(1 - 1 / 10)
    assert k["orders_shipped_with_error"] == pytest.approx(0.5)
    assert k["damage_rate"] == pytest.approx(0.5)
    assert k["travel_m_per_order"] == pytest.approx(20.0)


def test_warmup_filters_orders_by_placement() -> None:
    log = orders(
        {"placed_at": 10.0, "delivered_at": 10.0 + 6000.0},  # 100 h, placed in the warm-up
        {"placed_at": 150.0, "delivered_at": 150.0 + 600.0},  # 10 h
        {"placed_at": 200.0, "delivered_at": 200.0 + 1800.0},  # 30 h
    )
    full = run_kpis(log, NO_STEPS, NO_ROSTER, end_min=7000.0)
    assert full["orders_placed"] == 3
    assert full["lead_time_mean_h"] == pytest.approx(140 / 3)
    warm = run_kpis(log, NO_STEPS, NO_ROSTER, warmup_min=100.0, end_min=7000.0)
    assert warm["orders_placed"] == 2
    assert warm["lead_time_mean_h"] == pytest.approx(20.0)


# --- costs and throughput ----------------------------------------------------------------


def _cost_log() -> tuple[pl.DataFrame, pl.DataFrame]:
    log = orders(
        {"shipped_at": 100.0, "packaging_cost": 1.0, "shipping_cost": 5.0},
        {"shipped_at": 200.0, "packaging_cost": 2.0, "shipping_cost": 5.0},
        {"shipped_at": 300.0, "packaging_cost": 3.0, "shipping_cost": 8.0},
        {"packed_at": 50.0, "packaging_cost": 100.0},  # packed, not shipped: excluded
    )
    staff = roster(
        {"resource": "pickers", "worker": 0, "t_on": 0.0, "t_off": 480.0, "wage_per_hour": 12.0},
        {"resource": "packers", "worker": 0, "t_on": 0.0, "t_off": 240.0, "wage_per_hour": 18.0},
    )
    return log, staff


def test_costs_per_order_and_throughput() -> None:
    log, staff = _cost_log()
    k = run_kpis(log, NO_STEPS, staff, end_min=480.0)
    # labour: 8 h * 12 + 4 h * 18 = 168 for 3 shipped orders
    assert k["labour_cost"] == pytest.approx(168.0)
    assert k["labour_cost_per_order"] == pytest.approx(56.0)
    assert k["packaging_cost_per_order"] == pytest.approx(2.0)
    assert k["shipping_cost_per_order"] == pytest.approx(6.0)
    assert k["cost_per_order"] == pytest.approx(64.0)
    assert k["throughput_per_day"] == pytest.approx(3 / (480 / 1440))


def test_costs_per_order_after_warmup() -> None:
    log, staff = _cost_log()
    k = run_kpis(log, NO_STEPS, staff, warmup_min=120.0, end_min=480.0)
    # labour in [120, 480]: 6 h * 12 + 2 h * 18 = 108 for the 2 orders shipped at 200 and 300
    assert k["labour_cost_per_order"] == pytest.approx(54.0)
    assert k["packaging_cost_per_order"] == pytest.approx(2.5)
    assert k["shipping_cost_per_order"] == pytest.approx(6.5)
    assert k["cost_per_order"] == pytest.approx(63.0)
    assert k["throughput_per_day"] == pytest.approx(2 / (360 / 1440))


# --- utilisation -------------------------------------------------------------------------


def _util_log() -> tuple[pl.DataFrame, pl.DataFrame]:
    work = steps(
        # one batch of three orders: one busy interval of 60 min
        *[
            {"resource": "pickers", "worker": 0, "batch_id": 7, "t_ready": 0.0}
            | {"t_start": 10.0, "t_end": 70.0}
            for _ in range(3)
        ],
        {"resource": "pickers", "worker": 0, "t_ready": 0.0, "t_start": 100.0, "t_end": 130.0},
        # in progress at the end: busy until 480
        {"resource": "pickers", "worker": 1, "t_ready": 0.0, "t_start": 400.0},
        # still waiting: not busy
        {"resource": "pickers", "t_ready": 450.0},
        {"step": "pack", "resource": "packers", "worker": 0}
        | {"t_ready": 70.0, "t_start": 80.0, "t_end": 110.0},
    )
    staff = roster(
        {"resource": "pickers", "worker": 0, "t_on": 0.0, "t_off": 480.0},
        {"resource": "pickers", "worker": 1, "t_on": 0.0, "t_off": 480.0},
        {"resource": "packers", "worker": 0, "t_on": 0.0, "t_off": 480.0},
    )
    return work, staff


def test_utilisation_counts_a_batch_once_and_runs_open_steps_to_the_end() -> None:
    work, staff = _util_log()
    u = utilisation(work, staff, start=0.0, end=480.0)
    assert u.columns == ["resource", "busy_min", "overtime_min", "on_duty_min", "utilisation"]
    assert u["resource"].to_list() == NAMES["resources"]
    rows = {r["resource"]: r for r in u.iter_rows(named=True)}
    assert rows["pickers"]["busy_min"] == pytest.approx(60 + 30 + 80)
    assert rows["pickers"]["on_duty_min"] == pytest.approx(960.0)
    assert rows["pickers"]["utilisation"] == pytest.approx(170 / 960)
    assert rows["packers"]["utilisation"] == pytest.approx(30 / 480)
    assert math.isnan(rows["label_printers"]["utilisation"])  # never on duty
    for r in rows.values():
        assert r["busy_min"] <= r["on_duty_min"]

    k = run_kpis(orders(), work, staff)  # default end: the roster ends at 480
    assert k["utilisation_pickers"] == pytest.approx(170 / 960)
    assert k["utilisation_packers"] == pytest.approx(30 / 480)


def test_utilisation_is_clipped_to_the_window() -> None:
    work, staff = _util_log()
    k = run_kpis(orders(), work, staff, warmup_min=60.0, end_min=480.0)
    # pickers: batch 60..70 (10) + 30 + 80 over 2 x 420 on duty
    assert k["utilisation_pickers"] == pytest.approx(120 / 840)
    assert k["utilisation_packers"] == pytest.approx(30 / 420)


# --- queues ------------------------------------------------------------------------------


def _queue_log() -> pl.DataFrame:
    return steps(
        {"t_ready": 0.0, "t_start": 10.0, "t_end": 12.0},
        {"t_ready": 5.0, "t_start": 20.0, "t_end": 22.0},
        {"t_ready": 10.0, "t_start": 15.0, "t_end": 17.0},  # joins as the first one leaves
        {"t_ready": 30.0},  # still waiting at the end
        {"t_ready": 25.0, "t_start": 25.0, "t_end": 26.0},  # never waited
        {"step": "pack", "t_ready": 0.0, "t_start": 40.0, "t_end": 41.0},
    )


def test_queue_length_step_function() -> None:
    # pick queue: [0,5) 1, [5,15) 2, [15,20) 1, [20,30) 0, [30,40) 1
    q = queue_length(_queue_log(), "pick", start=0.0, end=40.0)
    assert q["t"].to_list() == [0.0, 5.0, 15.0, 20.0, 30.0]
    assert q["length"].to_list() == [1, 2, 1, 0, 1]
    assert time_weighted_mean(q["t"], q["length"], 0.0, 40.0) == pytest.approx(1.0)


def test_queue_mean_and_max_in_run_kpis() -> None:
    k = run_kpis(orders(), _queue_log(), NO_ROSTER, end_min=40.0)
    assert k["queue_mean_pick"] == pytest.approx(40 / 40)  # area 5 + 20 + 5 + 10
    assert k["queue_max_pick"] == 2
    assert k["queue_mean_pack"] == pytest.approx(1.0)
    assert k["queue_max_pack"] == 1
    assert k["queue_mean_label"] == 0.0
    assert k["queue_max_label"] == 0.0


def test_queue_after_warmup() -> None:
    # window [12, 40]: [12,15) 2, [15,20) 1, [30,40) 1 -> area 6 + 5 + 10 = 21
    k = run_kpis(orders(), _queue_log(), NO_ROSTER, warmup_min=12.0, end_min=40.0)
    assert k["queue_mean_pick"] == pytest.approx(21 / 28)
    assert k["queue_max_pick"] == 2
    q = queue_length(_queue_log(), "pick", start=12.0, end=40.0)
    assert q["t"].to_list() == [12.0, 15.0, 20.0, 30.0]
    assert q["length"].to_list() == [2, 1, 0, 1]


def test_time_weighted_mean() -> None:
    assert time_weighted_mean([0.0, 10.0], [2.0, 4.0], 0.0, 20.0) == pytest.approx(3.0)
    assert time_weighted_mean([0.0, 10.0], [2.0, 4.0], 5.0, 15.0) == pytest.approx(3.0)
    assert time_weighted_mean([10.0], [5.0], 0.0, 20.0) == pytest.approx(2.5)  # 0 before t[0]
    assert time_weighted_mean([], [], 0.0, 20.0) == 0.0
    assert math.isnan(time_weighted_mean([0.0], [1.0], 5.0, 5.0))


# --- empty logs, definitions, order flow -------------------------------------------------


def test_empty_tables_give_nan_not_exceptions() -> None:
    k = run_kpis(NO_ORDERS, NO_STEPS, NO_ROSTER)
    assert set(KPI_DEFS) <= set(k)
    assert k["orders_placed"] == 0
    for name in (
        "lead_time_mean_h",
        "lead_time_p95_h",
        "time_to_ship_mean_h",
        "shipped_same_day",
        "on_time_delivery",
        "picking_accuracy_lines",
        "orders_shipped_with_error",
        "throughput_per_day",
        "travel_m_per_order",
        "labour_cost_per_order",
        "cost_per_order",
        "damage_rate",
        "utilisation_pickers",
        "queue_mean_pick",
        "queue_max_pick",
    ):
        assert math.isnan(k[name]), name

    day = run_kpis(NO_ORDERS, NO_STEPS, NO_ROSTER, end_min=1440.0)
    assert day["throughput_per_day"] == 0.0
    assert math.isnan(day["cost_per_order"])
    assert day["queue_mean_pick"] == 0.0
    assert math.isnan(day["utilisation_packers"])


def test_every_kpi_has_a_definition() -> None:
    work, staff = _util_log()
    k = run_kpis(_lead_time_log(), work, staff, end_min=3000.0)
    for name in k:
        d = kpi_def(name)
        assert isinstance(d, KpiDef)
        assert d.name == name
    heads = headline_kpis(k)
    assert set(heads) == {
        "lead_time_mean_h",
        "lead_time_p95_h",
        "shipped_same_day",
        "on_time_delivery",
        "picking_accuracy_lines",
        "cost_per_order",
        "picks_per_labour_hour",
        "express_made_pickup",
        "utilisation_pickers",
        "utilisation_packers",
        "utilisation_label_printers",
        "utilisation_office",
        "utilisation_sorters",
        "utilisation_consolidators",
        "utilisation_order_entry",
        "utilisation_payment_review",
        "utilisation_returns_clerks",
        "utilisation_support",
    }
    assert "pickers" in kpi_def("utilisation_pickers").description
    assert kpi_def("queue_max_pick").higher_is_better is False
    with pytest.raises(KeyError):
        kpi_def("no_such_kpi")
    with pytest.raises(KeyError):
        kpi_def("utilisation_")


def test_order_flow_hours() -> None:
    log = orders(
        {
            "placed_at": 0.0,
            "paid_at": 6.0,
            "released_at": 12.0,
            "picked_at": 72.0,
            "packed_at": 102.0,
            "labelled_at": 108.0,
            "shipped_at": 228.0,
            "delivered_at": 1668.0,
            "promised_at": 1440.0,
        },
        {"placed_at": 120.0},
    )
    f = order_flow(log, start_minute_of_day=1380.0)  # scenario starts at 23:00
    first = f.row(0, named=True)
    expected = {
        "wait_payment_h": 0.1,
        "wait_release_h": 0.1,
        "pick_h": 1.0,
        "pack_h": 0.5,
        "label_h": 0.1,
        "dock_h": 2.0,
        "transit_h": 24.0,
        "time_to_ship_h": 3.8,
        "lead_time_h": 27.8,
        "lateness_h": 3.8,
        "placed_hour": 23.0,
    }
    for col, value in expected.items():
        assert first[col] == pytest.approx(value), col
    assert first["placed_day"] == 0
    second = f.row(1, named=True)
    assert second["placed_day"] == 1
    assert second["placed_hour"] == pytest.approx(1.0)
    assert second["lead_time_h"] is None
    assert f.height == 2
    assert set(log.columns) <= set(f.columns)


# --- property test: random consistent logs -----------------------------------------------

END = 1000.0
times = st.floats(0.0, END, allow_nan=False, allow_infinity=False)


@st.composite
def consistent_logs(
    draw: st.DrawFn,
) -> tuple[pl.DataFrame, pl.DataFrame, float, dict[str, float]]:
    """Workers never overlap themselves and are busy only inside their roster interval."""
    step_rows: list[dict[str, Any]] = []
    roster_rows: list[dict[str, Any]] = []
    busy_expected: dict[str, float] = {}
    warmup = draw(st.floats(0.0, END - 1.0))
    batch = 0
    for resource in draw(st.lists(st.sampled_from(NAMES["resources"]), max_size=3, unique=True)):
        busy_expected[resource] = 0.0
        for worker in range(draw(st.integers(1, 3))):
            on = draw(times)
            off = END if draw(st.booleans()) else draw(st.floats(on, END))
            roster_rows.append({"resource": resource, "worker": worker, "t_on": on, "t_off": off})
            cuts = sorted(draw(st.lists(st.floats(on, off), max_size=8)))
            intervals: list[tuple[float, float | None]] = list(
                zip(cuts[::2], cuts[1::2], strict=False)
            )
            if off == END and draw(st.booleans()):
                last = intervals[-1][1] if intervals else on
                intervals.append((draw(st.floats(last, END)), None))  # in progress
            for t_start, t_end in intervals:
                size = draw(st.integers(1, 3))
                batch += 1
                step = draw(st.sampled_from(["pick", "pack", "label"]))
                for _ in range(size):
                    step_rows.append(
                        {
                            "step": step,
                            "resource": resource,
                            "worker": worker,
                            "batch_id": batch if size > 1 else None,
                            "t_ready": draw(st.floats(0.0, t_start)),
                            "t_start": t_start,
                            "t_end": t_end,
                        }
                    )
                hi = END if t_end is None else t_end
                busy_expected[resource] += max(0.0, min(hi, END) - max(t_start, warmup))
    for _ in range(draw(st.integers(0, 5))):  # still waiting at the end
        step_rows.append({"step": "pick", "resource": "pickers", "t_ready": draw(times)})
    return steps(*step_rows), roster(*roster_rows), warmup, busy_expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_logs())
def test_random_consistent_logs(
    log: tuple[pl.DataFrame, pl.DataFrame, float, dict[str, float]],
) -> None:
    work, staff, warmup, busy_expected = log
    k = run_kpis(NO_ORDERS, work, staff, warmup_min=warmup, end_min=END)
    u = utilisation(work, staff, start=warmup, end=END)
    for r in u.iter_rows(named=True):
        assert r["busy_min"] <= r["on_duty_min"] + 1e-6
        assert r["busy_min"] == pytest.approx(busy_expected.get(r["resource"], 0.0), abs=1e-6)
        if r["on_duty_min"] > 0:
            assert -1e-12 <= r["utilisation"] <= 1.0 + 1e-9
            assert k[f"utilisation_{r['resource']}"] == pytest.approx(r["utilisation"])
    for step in ("pick", "repick", "pack", "label", "notify"):
        mean, peak = k[f"queue_mean_{step}"], k[f"queue_max_{step}"]
        assert 0.0 <= mean <= peak + 1e-9
        # brute force: count waiting attempts right after each clipped join time
        sel = work.filter(pl.col("step") == step)
        waits = [
            (max(a, warmup), END if b is None else min(b, END))
            for a, b in sel.select("t_ready", "t_start").iter_rows()
        ]
        waits = [(a, b) for a, b in waits if a < b]
        brute_max = max((sum(a <= x < b for a, b in waits) for x, _ in waits), default=0)
        assert peak == brute_max
        assert mean == pytest.approx(sum(b - a for a, b in waits) / (END - warmup), abs=1e-9)
        q = queue_length(work, step, start=warmup, end=END)
        assert time_weighted_mean(q["t"], q["length"], warmup, END) == pytest.approx(mean, abs=1e-9)


def test_arrivals_end_follows_the_cohort_through_the_drain() -> None:
    # orders placed before the arrivals end (3000) are followed until the run end (10000);
    # the one placed after it is not in the cohort; labour counts only [0, 3000]
    o = orders(
        {"order_id": 1, "placed_at": 100.0, "shipped_at": 2000.0, "delivered_at": 5000.0},
        {"order_id": 2, "placed_at": 200.0, "shipped_at": 2000.0, "delivered_at": 2200.0},
        {"order_id": 3, "placed_at": 3500.0, "shipped_at": 4000.0, "delivered_at": 4100.0},
    )
    r = roster({"resource": "pickers", "worker": 0, "t_on": 0.0, "t_off": 6000.0})
    k = run_kpis(o, empty(STEPS_SCHEMA), r, end_min=10000.0, arrivals_end_min=3000.0)
    assert k["orders_placed"] == 2
    assert k["orders_delivered"] == 2
    assert k["lead_time_mean_h"] == pytest.approx(((5000 - 100) + (2200 - 200)) / 2 / 60)
    assert k["labour_cost"] == pytest.approx(3000 / 60 * 15.0)
    # without arrivals_end the third order joins and order 1 still counts as delivered
    k2 = run_kpis(o, empty(STEPS_SCHEMA), r, end_min=10000.0)
    assert k2["orders_placed"] == 3 and k2["labour_cost"] == pytest.approx(6000 / 60 * 15.0)


def test_work_finished_after_the_shift_end_is_overtime_not_utilisation() -> None:
    # one picker on duty [0, 100); a task 90-130 runs 30 minutes past the shift end
    work = steps(
        {"order_id": 1, "resource": "pickers", "worker": 0, "t_ready": 0.0, "t_start": 10.0,
         "t_end": 90.0},
        {"order_id": 2, "resource": "pickers", "worker": 0, "t_ready": 0.0, "t_start": 90.0,
         "t_end": 130.0},
    )  # fmt: skip
    staff = roster({"resource": "pickers", "worker": 0, "t_on": 0.0, "t_off": 100.0})
    row = utilisation(work, staff, start=0.0, end=200.0).filter(pl.col("resource") == "pickers")
    assert row["busy_min"].item() == pytest.approx(80 + 10)
    assert row["overtime_min"].item() == pytest.approx(30)
    assert row["utilisation"].item() == pytest.approx(0.9)


def test_made_pickup_travel_per_line_and_picks_per_labour_hour() -> None:
    # two express orders and a standard one; targets at 1000; the second express misses it
    o = orders(
        {"order_id": 1, "is_priority": True, "n_lines": 2, "placed_at": 10.0, "picked_at": 50.0,
         "shipped_at": 1000.0, "ship_by_at": 1000.0, "travel_m": 30.0},
        {"order_id": 2, "is_priority": True, "n_lines": 1, "placed_at": 20.0, "picked_at": 60.0,
         "shipped_at": 2440.0, "ship_by_at": 1000.0, "travel_m": 30.0},
        {"order_id": 3, "n_lines": 1, "placed_at": 30.0, "picked_at": 70.0,
         "shipped_at": 1000.0, "ship_by_at": 1000.0, "travel_m": 20.0},
    )  # fmt: skip
    work = steps(
        {"order_id": 1, "resource": "pickers", "worker": 0, "n_lines": 2, "t_ready": 10.0,
         "t_start": 40.0, "t_end": 50.0},
        {"order_id": 2, "resource": "pickers", "worker": 0, "n_lines": 1, "t_ready": 20.0,
         "t_start": 50.0, "t_end": 60.0},
        {"order_id": 3, "resource": "pickers", "worker": 0, "n_lines": 1, "t_ready": 30.0,
         "t_start": 60.0, "t_end": 70.0},
        {"order_id": 2, "step": "repick", "resource": "pickers", "worker": 0, "n_lines": 1,
         "t_ready": 80.0, "t_start": 80.0, "t_end": 90.0},
    )  # fmt: skip
    staff = roster(
        {"resource": "pickers", "worker": 0, "t_on": 0.0, "t_off": 120.0},
        {"resource": "packers", "worker": 0, "t_on": 0.0, "t_off": 120.0},
    )
    k = run_kpis(o, work, staff, end_min=3000.0)
    assert k["express_made_pickup"] == pytest.approx(1 / 2)
    assert k["shipped_by_target_pickup"] == pytest.approx(2 / 3)
    assert k["travel_m_per_line"] == pytest.approx(80.0 / 4)
    # 4 lines picked (the re-pick is not a pick) in 2 paid picker hours (packers don't count)
    assert k["picks_per_labour_hour"] == pytest.approx(4 / 2)
    # busy picking: 10 + 10 + 10 minutes of picks and the 10-minute re-pick = 40 minutes
    assert k["picks_per_busy_hour"] == pytest.approx(4 / (40 / 60))
    assert math.isnan(k["wave_completion_mean_min"]) and math.isnan(k["sort_time_mean_min"])


def test_sort_consolidation_times_and_wave_completion() -> None:
    # wave released at 100 with orders 1 and 2 (consolidated at 150 and 190); wave at 200
    # with order 3 (consolidated at 230); sort rows of a batch: waits 10 and 30 minutes
    o = orders(
        {"order_id": 1, "released_at": 100.0, "picked_at": 150.0},
        {"order_id": 2, "released_at": 100.0, "picked_at": 190.0},
        {"order_id": 3, "released_at": 200.0, "picked_at": 230.0},
    )
    work = steps(
        {"order_id": 1, "step": "consolidate", "resource": "consolidators", "worker": 0,
         "t_ready": 140.0, "t_start": 145.0, "t_end": 150.0},
        {"order_id": 2, "step": "consolidate", "resource": "consolidators", "worker": 0,
         "t_ready": 170.0, "t_start": 185.0, "t_end": 190.0},
        {"order_id": 3, "step": "consolidate", "resource": "consolidators", "worker": 0,
         "t_ready": 220.0, "t_start": 225.0, "t_end": 230.0},
        {"order_id": 1, "step": "sort", "resource": "sorters", "worker": 0,
         "t_ready": 10.0, "t_start": 15.0, "t_end": 20.0},
        {"order_id": 2, "step": "sort", "resource": "sorters", "worker": 0,
         "t_ready": 10.0, "t_start": 20.0, "t_end": 40.0},
    )  # fmt: skip
    staff = roster({"resource": "pickers", "worker": 0, "t_on": 0.0, "t_off": 300.0})
    k = run_kpis(o, work, staff, end_min=300.0)
    assert k["consolidation_time_mean_min"] == pytest.approx((10 + 20 + 10) / 3)
    assert k["sort_time_mean_min"] == pytest.approx((10 + 30) / 2)
    assert k["wave_completion_mean_min"] == pytest.approx((90 + 30) / 2)
    assert k["wave_completion_max_min"] == pytest.approx(90)

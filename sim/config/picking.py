"""Picking: the method (single, batch, zone, wave), routing and pick times."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from sim.config.base import (
    PICKING_METHODS,
    ROUTING_POLICIES,
    NonNeg,
    PosFloat,
    Prob,
    Section,
    _check_time,
)
from sim.config.limits import CV, MAX_QUANTITY, MIN_BATCH_WAIT_MIN, MIN_WAVE_INTERVAL_MIN

PosInt = Annotated[int, Field(ge=1, le=100_000)]


class BatchConfig(Section):
    """Batch picking: one picker collects several orders per tour on a cart."""

    n_totes_per_cart: PosInt = Field(
        10,
        description="Most orders on one cart (one tote each): the batch size k."
        " Source: INDUSTRY.md defaults table (carts of 8-12 orders; K6, K7).",
    )
    n_units_per_cart: PosInt = Field(
        40,
        description="Most units on one cart; a bigger order is split across tours."
        " Assumption (no source).",
    )
    formation: Literal["fcfs", "priority", "seed_nearest", "time_window"] = Field(
        "priority",
        description="Batch formation: fcfs, priority (express first), seed_nearest "
        "(orders with slots near the seed order's), time_window (wait for a full cart).",
    )
    time_window_min: Annotated[float, Field(ge=MIN_BATCH_WAIT_MIN, le=MAX_QUANTITY)] = Field(
        15.0,
        description="time_window: release a partial batch when its oldest order waited this. "
        "Assumption (no source).",
    )
    n_min_fill_orders: PosInt = Field(
        5,
        description="fcfs, priority, seed_nearest: an idle picker starts a batch only with at "
        "least this many orders (or a cart full by units), unless the oldest waiting order has "
        "waited max_wait_min (1: start whenever a picker is free). Assumption: half of a "
        "10-tote cart (INDUSTRY.md defaults: carts of 8-12 orders).",
    )
    max_wait_min: Annotated[float, Field(ge=MIN_BATCH_WAIT_MIN, le=MAX_QUANTITY)] = Field(
        15.0,
        description="fcfs, priority, seed_nearest: a part-filled cart (below n_min_fill_orders) "
        "leaves once its oldest order has waited this long (min). Assumption (no source).",
    )
    sorting: Literal["sort_while_pick", "pick_then_sort"] = Field(
        "sort_while_pick",
        description="Sort into order totes on the cart, or at a sort station."
        " Assumption (no source).",
    )
    sort_while_pick_time_per_unit_s: NonNeg = Field(
        3.0,
        description="Extra time per unit to put it into its order's tote on the cart (s)."
        " Assumption (no source).",
    )
    sort_time_per_order_s: NonNeg = Field(
        12.0, description="Sort station time per order of a batch (s). Assumption (no source)."
    )
    sort_time_per_unit_s: NonNeg = Field(
        4.0, description="Sort station time per unit (s). Assumption (no source)."
    )


class ZoneConfig(Section):
    """Zones: contiguous groups of aisles, each with its own pickers (zone and wave picking)."""

    n_zones: PosInt = Field(
        4,
        description="Number of zones (aisles split evenly, front to back). Assumption (no source).",
    )
    handoff_s: NonNeg = Field(
        20.0,
        description="Time to pass a tote to the next zone (conveyor or hand-off) (s)."
        " Assumption (no source).",
    )
    tote_setup_s: NonNeg = Field(
        8.0,
        description="Time for a zone picker to take up a tote or a pick list (s)."
        " Assumption (no source).",
    )


class WaveConfig(Section):
    """Wave picking: orders released in waves; zones batch-pick; a station consolidates."""

    release: Literal["clock", "interval", "count"] = Field(
        "interval",
        description="Release waves at clock times, every N minutes or every N orders; only "
        "inside a pickers' shift (a time outside every shift is skipped, a count reached "
        "outside them releases at the next shift start)."
        " Assumption: hourly release; INDUSTRY.md's defaults suggest 4-6 waves a day "
        "(C8).",
    )
    clock_times: tuple[str, ...] = Field(
        ("06:30", "08:30", "10:30", "12:30", "14:30", "16:30", "18:30"),
        description="clock: wave release times 'HH:MM' (each inside a picker shift)."
        " Assumption (no source).",
    )
    interval_min: Annotated[float, Field(ge=MIN_WAVE_INTERVAL_MIN, le=MAX_QUANTITY)] = Field(
        60.0,
        description="interval: minutes between waves."
        " Assumption (INDUSTRY.md: 4-6 waves a day, C8).",
    )
    count_orders: PosInt = Field(150, description="count: orders per wave. Assumption (no source).")
    express: Literal["next_wave", "hot_wave"] = Field(
        "next_wave",
        description="Express and next-day orders join the next wave, or start a hot wave at once."
        " Assumption (no source).",
    )
    n_units_per_tour: PosInt = Field(
        40,
        description="Most units on one zone picker's tour within a wave. Assumption (no source).",
    )
    consolidation_time_per_order_s: NonNeg = Field(
        20.0, description="Consolidation station time per order (s). Assumption (no source)."
    )
    consolidation_time_per_unit_s: NonNeg = Field(
        4.0, description="Consolidation station time per unit (s). Assumption (no source)."
    )

    @field_validator("clock_times")
    @classmethod
    def _clock(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for t in v:
            _check_time(t)
        return v


class PickingConfig(Section):
    """How orders are picked."""

    method: str = Field(
        "single",
        description="Picking method (registry name): single, batch, zone, wave."
        " The seed's four methods: single order, batch, zone, wave.",
    )
    routing: str = Field(
        "s_shape",
        description="Tour routing: s_shape, return, midpoint, largest_gap, none."
        " Assumption: s_shape, the common default in practice.",
    )
    walking_speed_m_per_s: PosFloat = Field(
        1.1,
        description="Picker walking speed (m/s)."
        " Assumption: a common planning figure (about 1 m/s with a cart).",
    )
    tour_setup_s: NonNeg = Field(
        20.0,
        description="Time per tour to get the pick list and cart (s)."
        " Assumption, checked against INDUSTRY.md K1/K6 (discrete picking 60-120 lines/h,"
        " travel about half the time).",
    )
    time_per_line_s: NonNeg = Field(
        10.0,
        description="Search and extract time per order line (s)."
        " Assumption, checked against INDUSTRY.md K1/K6 (discrete picking 60-120 lines/h,"
        " travel about half the time).",
    )
    time_per_unit_s: NonNeg = Field(
        3.0, description="Extra time per unit picked (s). Assumption, as time_per_line_s."
    )
    time_variability: Literal["none", "exponential", "lognormal"] = Field(
        "lognormal",
        description="Random multiplier on each tour's work time (mean 1). Assumption (no source).",
    )
    time_cv: CV = Field(
        0.25,
        description="Coefficient of variation of the lognormal multiplier. Assumption (no source).",
    )
    error_prob_per_line: Prob = Field(
        0.004,
        description="Probability a line is picked wrong."
        " Source: INDUSTRY.md W1/W7 (order picking accuracy median 99.3 %, 99.5 % without"
        " a barcode process): 0.4 % per line is about 99.3 % of orders at 1.8 lines.",
    )
    batch: BatchConfig = Field(default_factory=BatchConfig, description="Batch picking.")
    zone: ZoneConfig = Field(default_factory=ZoneConfig, description="Zones (zone and wave).")
    wave: WaveConfig = Field(default_factory=WaveConfig, description="Wave picking.")

    @field_validator("method", "routing")
    @classmethod
    def _known_name(cls, v: str, info: ValidationInfo) -> str:
        allowed = PICKING_METHODS if info.field_name == "method" else ROUTING_POLICIES
        if v not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, found {v!r}")
        return v

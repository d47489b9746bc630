"""Run length, calendar, demand (channels, services) and the SKU catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import (
    WORK_DAYS,
    PosFloat,
    Prob,
    Section,
    Weekday,
    _check_shares,
    _check_time,
)
from sim.config.channels import ChannelConfig
from sim.config.limits import (
    CV,
    MAX_DRAIN_DAYS,
    MAX_HORIZON_DAYS,
    MAX_ORDERS_PER_DAY,
    Exponent,
    HourWeight,
    Multiplier,
    Name,
    SaneDate,
    SaneDateTime,
)


class SimulationConfig(Section):
    """When the run starts and how long demand arrives."""

    start: SaneDateTime = Field(
        dt.datetime(2026, 3, 2, 0, 0), description="Scenario start (local date-time, no zone)."
    )
    horizon_days: Annotated[float, Field(gt=0.0, le=MAX_HORIZON_DAYS)] = Field(
        7.0, description="Days during which orders arrive."
    )
    drain_days: Annotated[float, Field(ge=0.0, le=MAX_DRAIN_DAYS)] = Field(
        0.0,
        description="Extra days simulated after the last arrival so open orders can finish.",
    )


class CalendarConfig(Section):
    """Business days and holidays (no shifts, pickups or deliveries on holidays)."""

    business_days: tuple[Weekday, ...] = Field(
        WORK_DAYS,
        description="Weekdays counted as business days for promises and transit."
        " Source: INDUSTRY.md C6 (no weekend delivery by default).",
    )
    holidays: tuple[SaneDate, ...] = Field(
        [], description="Dates with no shifts, pickups or deliveries. Assumption: none by default."
    )


class ServiceConfig(Section):
    """A shipping service offered to customers."""

    name: Name = Field("standard", description="Service name.")
    share: Prob = Field(
        1.0,
        description="Share of orders choosing this service (fraction). Defaults: see "
        "demand.services (INDUSTRY.md E1/C7).",
    )
    priority: bool = Field(
        False,
        description="Highlighted to the warehouse and handled first."
        " The seed: highlight express orders to the warehouse.",
    )
    promised_business_days: Annotated[int, Field(ge=0, le=60)] = Field(
        3,
        description="Business days from the order day to the promised delivery day. Defaults: "
        "see demand.services (standard 5, express 2, next_day 1; INDUSTRY.md C6/C7).",
    )
    cutoff: str = Field(
        "14:00",
        description="Orders placed after this time count from the next business day."
        " Source: INDUSTRY.md C8/C9/W7 (merchant cut-offs 11:00-15:00; 14:00 in the "
        "defaults table).",
    )

    _cutoff = field_validator("cutoff")(_check_time)


def _default_channels() -> tuple[ChannelConfig, ...]:
    return [ChannelConfig()]


def _default_services() -> tuple[ServiceConfig, ...]:
    return [
        ServiceConfig(name="standard", share=0.88, promised_business_days=5),
        ServiceConfig(name="express", share=0.07, priority=True, promised_business_days=2),
        ServiceConfig(name="next_day", share=0.05, priority=True, promised_business_days=1),
    ]


class DemandPeriodConfig(Section):
    """A dated demand multiplier (a sale, Cyber Week, the Christmas run-up)."""

    start: SaneDate = Field(dt.date(2026, 11, 23), description="First date of the period.")
    end: SaneDate = Field(dt.date(2026, 11, 30), description="Last date of the period (included).")
    multiplier: Multiplier = Field(
        1.9,
        description="Demand multiplier on these dates (times the weekday multiplier). "
        "Cyber Week: 1.6-2.2 (INDUSTRY.md C5: >100 M parcels a day against 45 M off-peak); "
        "early December: about 1.3 (C3: +30 %).",
    )

    @model_validator(mode="after")
    def _order(self) -> DemandPeriodConfig:
        if self.end < self.start:
            raise ValueError(f"end: expected on or after start {self.start}, found {self.end}")
        return self


class DemandConfig(Section):
    """Synthetic demand: a non-homogeneous Poisson process of orders and their contents."""

    orders_per_day: Annotated[float, Field(ge=0.0, le=MAX_ORDERS_PER_DAY)] = Field(
        2000.0,
        description="Average orders per day (before weekday multipliers)."
        " Source: INDUSTRY.md defaults table (a mid-size shop, about 2,000 orders a day).",
    )
    hourly_weights: tuple[HourWeight, ...] = Field(
        [
            1.2,
            0.8,
            0.6,
            0.5,
            0.4,
            0.5,
            1.5,
            2.0,
            2.5,
            5.5,
            6.0,
            6.5,
            7.0,
            7.5,
            7.5,
            6.0,
            6.0,
            6.0,
            5.5,
            5.5,
            6.0,
            5.5,
            5.0,
            3.5,
        ],
        min_length=24,
        max_length=24,
        description="Relative order intensity for each hour of the day 0..23 (any scale)."
        " Source: INDUSTRY.md T1/T3/T4 (low at night, high from late morning, evening "
        "peak around 20-21 h).",
    )
    hourly_weights_by_weekday: dict[Weekday, tuple[HourWeight, ...]] = Field(
        {},
        description="Hour-of-day profile of particular weekdays (24 weights each, any scale); "
        "weekdays absent use hourly_weights. Written by omsim calibrate."
        " Assumption: the same profile every day (no source by weekday).",
    )
    weekday_multipliers: dict[Weekday, Multiplier] = Field(
        {"mon": 1.08, "tue": 1.0, "wed": 1.0, "thu": 1.08, "fri": 0.97, "sat": 0.92, "sun": 0.95},
        description="Demand multiplier per weekday (missing days count as 1)."
        " Source: INDUSTRY.md T1 (Mon and Thu highest, the weekend quietest; T3 "
        "disagrees).",
    )
    lines_per_order_pmf: tuple[Prob, ...] = Field(
        [0.55, 0.25, 0.12, 0.05, 0.02, 0.01],
        min_length=1,
        max_length=1000,
        description="P(1 line), P(2 lines), ... per order (fractions summing to 1)."
        " Source: INDUSTRY.md O1 (one to three lines, mean under 3); the exact split is "
        "an assumption (O3 not verified).",
    )
    units_per_line_pmf: tuple[Prob, ...] = Field(
        [0.88, 0.09, 0.03],
        min_length=1,
        max_length=1000,
        description="P(1 unit), P(2 units), ... per order line (fractions summing to 1)."
        " Source: INDUSTRY.md O1 (usually single units); the split (mean about 1.15) is "
        "an assumption.",
    )
    order_value_mean: PosFloat = Field(
        65.0, description="Mean order value (currency units). Assumption (no source)."
    )
    order_value_cv: CV = Field(
        0.8,
        description="Coefficient of variation of order value (lognormal). Assumption (no source).",
    )
    calendar: tuple[DemandPeriodConfig, ...] = Field(
        [],
        description="Dated demand multipliers (peak season); overlapping periods multiply. "
        "Synthetic demand only (not with customers.enabled or replayed orders).",
    )
    channels: tuple[ChannelConfig, ...] = Field(
        default_factory=_default_channels, min_length=1, description="Sales channels."
    )
    services: tuple[ServiceConfig, ...] = Field(
        default_factory=_default_services,
        min_length=1,
        description="Shipping services."
        " Source: INDUSTRY.md E1/C7/E2 (service mix ground 88 %, 2-day 7 %, next-day 5 %,"
        " itself an assumption) and C6/C7 (standard promised in 5 business days: ground "
        "transit takes 1-5 business days and 95 % of orders arrive within a week).",
    )

    @model_validator(mode="after")
    def _shares(self) -> DemandConfig:
        if sum(self.hourly_weights) <= 0:
            raise ValueError("hourly_weights: expected at least one positive weight, found all 0")
        for day, w in self.hourly_weights_by_weekday.items():
            if len(w) != 24:
                raise ValueError(
                    f"hourly_weights_by_weekday.{day}: expected 24 values (hours 0..23), "
                    f"found {len(w)}"
                )
            if sum(w) <= 0:
                raise ValueError(
                    f"hourly_weights_by_weekday.{day}: expected at least one positive weight, "
                    f"found all 0 (set weekday_multipliers.{day} = 0 for a day without orders)"
                )
        _check_shares(self.lines_per_order_pmf, "lines_per_order_pmf")
        _check_shares(self.units_per_line_pmf, "units_per_line_pmf")
        _check_shares([c.share for c in self.channels], "channel shares")
        _check_shares([s.share for s in self.services], "service shares")
        for what, names in (
            ("channel", [c.name for c in self.channels]),
            ("service", [s.name for s in self.services]),
        ):
            if len(set(names)) != len(names):
                raise ValueError(f"expected unique {what} names, found {names}")
        return self


class CatalogConfig(Section):
    """The SKU catalogue and how it is slotted in the warehouse."""

    n_skus: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        2000, description="Number of SKUs. Assumption (no source)."
    )
    popularity_zipf_exponent: Exponent = Field(
        0.9,
        description="Zipf exponent of SKU popularity (0 = all equally popular)."
        " Assumption (no source).",
    )
    unit_volume_l_min: PosFloat = Field(
        0.2, description="Smallest unit volume (litres). Assumption (no source)."
    )
    unit_volume_l_max: PosFloat = Field(
        6.0, description="Largest unit volume (litres). Assumption (no source)."
    )
    unit_weight_kg_min: PosFloat = Field(
        0.05, description="Lightest unit (kg). Assumption (no source)."
    )
    unit_weight_kg_max: PosFloat = Field(
        3.0, description="Heaviest unit (kg). Assumption (no source)."
    )
    fragile_share: Prob = Field(
        0.15, description="Share of SKUs that are fragile (fraction). Assumption (no source)."
    )
    damage_prob_fragile: Prob = Field(
        0.12,
        description="Damage probability in transit of a fragile SKU with no protection."
        " Source: INDUSTRY.md D1/D2 (0.5-3 % of shipments arrive with the product "
        "damaged); with the default packaging about 1 % of parcels.",
    )
    damage_prob_robust: Prob = Field(
        0.02,
        description="Damage probability in transit of a robust SKU with no protection."
        " Source: INDUSTRY.md D1/D2, as damage_prob_fragile.",
    )
    sku_codes: tuple[str, ...] = Field(
        [],
        description="Real SKU codes of catalogue SKUs 0, 1, ... (replay maps them there; codes "
        "not listed are slotted by their popularity in the order file).",
    )
    slotting: Literal["random", "popularity"] = Field(
        "popularity",
        description="Slot assignment: random, or most popular nearest the depot (zone and wave "
        "picking: popular SKUs spread over the zones in turn, nearest each zone's depot)."
        " Assumption (no source).",
    )

    @model_validator(mode="after")
    def _ranges(self) -> CatalogConfig:
        if self.unit_volume_l_min > self.unit_volume_l_max:
            raise ValueError("expected unit_volume_l_min <= unit_volume_l_max")
        if self.unit_weight_kg_min > self.unit_weight_kg_max:
            raise ValueError("expected unit_weight_kg_min <= unit_weight_kg_max")
        if len(set(self.sku_codes)) != len(self.sku_codes):
            raise ValueError("sku_codes: expected each code once, found repeats")
        if len(self.sku_codes) > self.n_skus:
            raise ValueError(
                f"sku_codes: expected at most n_skus ({self.n_skus}) codes, "
                f"found {len(self.sku_codes)}"
            )
        return self

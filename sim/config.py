"""The scenario schema: typed, validated, frozen, serialisable.

One pydantic model per section. Every field has a default, a unit in its name and a one-line
description, so a three-line scenario file works and ``omsim schema`` documents itself.
Loading, ``base`` files and overrides live in ``sim.scenario``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.routing import ROUTING_POLICIES
from sim.units import WEEKDAYS, hhmm_to_minutes

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Role = Literal["pickers", "packers", "office"]
Prob = Annotated[float, Field(ge=0.0, le=1.0)]
PosFloat = Annotated[float, Field(gt=0.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
ALL_DAYS: tuple[Weekday, ...] = tuple(WEEKDAYS)  # type: ignore[arg-type]
WORK_DAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
PICKING_METHODS: tuple[str, ...] = ("single",)


class Section(BaseModel):
    """Base of every scenario section: unknown keys rejected, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def _check_time(v: str) -> str:
    hhmm_to_minutes(v)
    return v


def _check_shares(values: tuple[float, ...], what: str) -> None:
    total = sum(values)
    if abs(total - 1.0) > 1e-3:
        raise ValueError(f"expected {what} summing to 1, found a sum of {total:.4g}")


class SimulationConfig(Section):
    """When the run starts and how long demand arrives."""

    start: dt.datetime = Field(
        dt.datetime(2026, 3, 2, 0, 0), description="Scenario start (local date-time, no zone)."
    )
    horizon_days: PosFloat = Field(7.0, description="Days during which orders arrive.")
    drain_days: NonNeg = Field(
        0.0,
        description="Extra days simulated after the last arrival so open orders can finish.",
    )


class CalendarConfig(Section):
    """Business days and holidays (no shifts, pickups or deliveries on holidays)."""

    business_days: tuple[Weekday, ...] = Field(
        WORK_DAYS, description="Weekdays counted as business days for promises and transit."
    )
    holidays: tuple[dt.date, ...] = Field(
        [], description="Dates with no shifts, pickups or deliveries."
    )


class ChannelConfig(Section):
    """A sales channel and its share of demand."""

    name: str = Field("webshop", description="Channel name.")
    share: Prob = Field(1.0, description="Share of orders from this channel (fraction).")


class ServiceConfig(Section):
    """A shipping service offered to customers."""

    name: str = Field("standard", description="Service name.")
    share: Prob = Field(1.0, description="Share of orders choosing this service (fraction).")
    priority: bool = Field(False, description="Highlighted to the warehouse and handled first.")
    promised_business_days: Annotated[int, Field(ge=0, le=60)] = Field(
        3, description="Business days from the order day to the promised delivery day."
    )
    cutoff: str = Field(
        "14:00", description="Orders placed after this time count from the next business day."
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


class DemandConfig(Section):
    """Synthetic demand: a non-homogeneous Poisson process of orders and their contents."""

    orders_per_day: NonNeg = Field(
        2000.0, description="Average orders per day (before weekday multipliers)."
    )
    hourly_weights: tuple[NonNeg, ...] = Field(
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
        description="Relative order intensity for each hour of the day 0..23 (any scale).",
    )
    weekday_multipliers: dict[Weekday, NonNeg] = Field(
        {"mon": 1.08, "tue": 1.0, "wed": 1.0, "thu": 1.08, "fri": 0.97, "sat": 0.92, "sun": 0.95},
        description="Demand multiplier per weekday (missing days count as 1).",
    )
    lines_per_order_pmf: tuple[Prob, ...] = Field(
        [0.55, 0.25, 0.12, 0.05, 0.02, 0.01],
        min_length=1,
        max_length=50,
        description="P(1 line), P(2 lines), ... per order (fractions summing to 1).",
    )
    units_per_line_pmf: tuple[Prob, ...] = Field(
        [0.88, 0.09, 0.03],
        min_length=1,
        max_length=50,
        description="P(1 unit), P(2 units), ... per order line (fractions summing to 1).",
    )
    order_value_mean: PosFloat = Field(65.0, description="Mean order value (currency units).")
    order_value_cv: NonNeg = Field(
        0.8, description="Coefficient of variation of order value (lognormal)."
    )
    channels: tuple[ChannelConfig, ...] = Field(
        default_factory=_default_channels, min_length=1, description="Sales channels."
    )
    services: tuple[ServiceConfig, ...] = Field(
        default_factory=_default_services, min_length=1, description="Shipping services."
    )

    @model_validator(mode="after")
    def _shares(self) -> DemandConfig:
        if sum(self.hourly_weights) <= 0:
            raise ValueError("hourly_weights: expected at least one positive weight, found all 0")
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

    n_skus: Annotated[int, Field(ge=1, le=1_000_000)] = Field(2000, description="Number of SKUs.")
    popularity_zipf_exponent: NonNeg = Field(
        0.9, description="Zipf exponent of SKU popularity (0 = all equally popular)."
    )
    unit_volume_l_min: PosFloat = Field(0.2, description="Smallest unit volume (litres).")
    unit_volume_l_max: PosFloat = Field(6.0, description="Largest unit volume (litres).")
    unit_weight_kg_min: PosFloat = Field(0.05, description="Lightest unit (kg).")
    unit_weight_kg_max: PosFloat = Field(3.0, description="Heaviest unit (kg).")
    fragile_share: Prob = Field(0.15, description="Share of SKUs that are fragile (fraction).")
    damage_prob_fragile: Prob = Field(
        0.12, description="Damage probability in transit of a fragile SKU with no protection."
    )
    damage_prob_robust: Prob = Field(
        0.02, description="Damage probability in transit of a robust SKU with no protection."
    )
    slotting: Literal["random", "popularity"] = Field(
        "popularity", description="Slot assignment: random, or most popular nearest the depot."
    )

    @model_validator(mode="after")
    def _ranges(self) -> CatalogConfig:
        if self.unit_volume_l_min > self.unit_volume_l_max:
            raise ValueError("expected unit_volume_l_min <= unit_volume_l_max")
        if self.unit_weight_kg_min > self.unit_weight_kg_max:
            raise ValueError("expected unit_weight_kg_min <= unit_weight_kg_max")
        return self


class WarehouseConfig(Section):
    """Picking-area layout: parallel aisles with a front and a back cross-aisle."""

    n_aisles: Annotated[int, Field(ge=1, le=500)] = Field(20, description="Number of aisles.")
    aisle_length_m: PosFloat = Field(30.0, description="Length of each aisle (m).")
    aisle_spacing_m: PosFloat = Field(3.0, description="Centre-to-centre distance of aisles (m).")
    cross_aisle_width_m: NonNeg = Field(
        3.0, description="Width of the front and back cross-aisles (m)."
    )
    n_slots_per_side: Annotated[int, Field(ge=1, le=10_000)] = Field(
        60, description="Storage slots on each side of an aisle."
    )
    depot: Literal["left", "center"] = Field(
        "left", description="Depot (pick start and drop-off) on the front cross-aisle."
    )


class PickingConfig(Section):
    """How orders are picked."""

    method: str = Field("single", description="Picking method (registry name): single.")
    routing: str = Field(
        "s_shape", description="Tour routing: s_shape, return, midpoint, largest_gap, none."
    )
    walking_speed_m_per_s: PosFloat = Field(1.0, description="Picker walking speed (m/s).")
    tour_setup_s: NonNeg = Field(
        45.0, description="Time per tour to get the pick list and cart (s)."
    )
    time_per_line_s: NonNeg = Field(15.0, description="Search and extract time per order line (s).")
    time_per_unit_s: NonNeg = Field(4.0, description="Extra time per unit picked (s).")
    time_variability: Literal["none", "exponential", "lognormal"] = Field(
        "lognormal", description="Random multiplier on each tour's work time (mean 1)."
    )
    time_cv: NonNeg = Field(
        0.25, description="Coefficient of variation of the lognormal multiplier."
    )
    error_prob_per_line: Prob = Field(0.004, description="Probability a line is picked wrong.")

    @field_validator("method")
    @classmethod
    def _method(cls, v: str) -> str:
        if v not in PICKING_METHODS:
            raise ValueError(f"expected one of {', '.join(PICKING_METHODS)}, found {v!r}")
        return v

    @field_validator("routing")
    @classmethod
    def _routing(cls, v: str) -> str:
        if v not in ROUTING_POLICIES:
            raise ValueError(f"expected one of {', '.join(ROUTING_POLICIES)}, found {v!r}")
        return v


class BoxConfig(Section):
    """A standard shipping box."""

    name: str = Field("M", description="Box name.")
    length_cm: PosFloat = Field(30.0, description="Inner length (cm).")
    width_cm: PosFloat = Field(20.0, description="Inner width (cm).")
    height_cm: PosFloat = Field(15.0, description="Inner height (cm).")
    cost: NonNeg = Field(0.6, description="Cost per box (currency units).")

    @property
    def volume_l(self) -> float:
        """Inner volume in litres."""
        return self.length_cm * self.width_cm * self.height_cm / 1000.0


class MaterialConfig(Section):
    """A packaging (void-fill) material."""

    name: str = Field("bubble_wrap", description="Material name.")
    protection_share: Prob = Field(
        0.75, description="Protection rating: share of damage prevented."
    )
    cost_per_order: NonNeg = Field(0.25, description="Material cost per parcel (currency units).")
    time_s: NonNeg = Field(15.0, description="Extra packing time per parcel (s).")


def _default_boxes() -> tuple[BoxConfig, ...]:
    return [
        BoxConfig(name="XS", length_cm=20, width_cm=15, height_cm=8, cost=0.30),
        BoxConfig(name="S", length_cm=25, width_cm=20, height_cm=10, cost=0.40),
        BoxConfig(name="M", length_cm=35, width_cm=25, height_cm=15, cost=0.60),
        BoxConfig(name="L", length_cm=45, width_cm=35, height_cm=25, cost=0.95),
        BoxConfig(name="XL", length_cm=60, width_cm=40, height_cm=40, cost=1.50),
    ]


def _default_materials() -> tuple[MaterialConfig, ...]:
    # Protection ratings from the seed article's table; costs and times are assumptions.
    return [
        MaterialConfig(name="bubble_wrap", protection_share=0.75, cost_per_order=0.25, time_s=20),
        MaterialConfig(
            name="packing_peanuts", protection_share=0.90, cost_per_order=0.30, time_s=15
        ),
        MaterialConfig(
            name="shredded_paper", protection_share=0.50, cost_per_order=0.08, time_s=10
        ),
        MaterialConfig(
            name="crunched_paper", protection_share=0.50, cost_per_order=0.06, time_s=12
        ),
        MaterialConfig(name="shredded_wool", protection_share=0.60, cost_per_order=0.35, time_s=12),
        MaterialConfig(name="air_pillow", protection_share=0.90, cost_per_order=0.15, time_s=8),
    ]


class PackingConfig(Section):
    """Packing stations: verification, box choice and packaging."""

    base_time_s: NonNeg = Field(75.0, description="Pack time per order before per-unit work (s).")
    time_per_unit_s: NonNeg = Field(12.0, description="Pack time per unit (s).")
    time_variability: Literal["none", "exponential", "lognormal"] = Field(
        "lognormal", description="Random multiplier on each pack's work time (mean 1)."
    )
    time_cv: NonNeg = Field(
        0.3, description="Coefficient of variation of the lognormal multiplier."
    )
    verification: Literal["barcode", "visual", "none"] = Field(
        "barcode", description="How packers verify the picked lines."
    )
    barcode_time_per_unit_s: NonNeg = Field(4.0, description="Scan time per unit (s).")
    barcode_catch_prob: Prob = Field(0.99, description="Share of wrong lines a scan catches.")
    visual_time_per_unit_s: NonNeg = Field(1.5, description="Visual check time per unit (s).")
    visual_catch_prob: Prob = Field(0.7, description="Share of wrong lines a visual check catches.")
    boxes: tuple[BoxConfig, ...] = Field(
        default_factory=_default_boxes, min_length=1, description="Standard boxes (3-5 advised)."
    )
    fill_factor: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.7, description="Usable share of a box's inner volume."
    )
    dim_divisor_cm3_per_kg: PosFloat = Field(5000.0, description="Dimensional-weight divisor.")
    materials: tuple[MaterialConfig, ...] = Field(
        default_factory=_default_materials, min_length=1, description="Packaging materials."
    )
    material: str = Field("bubble_wrap", description="Material used for ordinary parcels.")
    fragile_material: str = Field(
        "air_pillow", description="Material used when a parcel holds a fragile SKU."
    )

    @model_validator(mode="after")
    def _names(self) -> PackingConfig:
        names = [m.name for m in self.materials]
        for key in ("material", "fragile_material"):
            if getattr(self, key) not in names:
                raise ValueError(
                    f"{key}: expected one of the materials {names}, found {getattr(self, key)!r}"
                )
        for what, ns in (("box", [b.name for b in self.boxes]), ("material", names)):
            if len(set(ns)) != len(ns):
                raise ValueError(f"expected unique {what} names, found {ns}")
        return self


class LabelConfig(Section):
    """Label printers (machines, available whenever packers work)."""

    n_printers: Annotated[int, Field(ge=1, le=1000)] = Field(2, description="Label printers.")
    print_time_s: NonNeg = Field(6.0, description="Print-and-apply time per label (s).")
    packing_slip: bool = Field(True, description="Print an invoice/packing slip with each label.")
    packing_slip_time_s: NonNeg = Field(5.0, description="Extra time per packing slip (s).")
    jam_prob: Prob = Field(0.005, description="Probability that a print job jams.")
    jam_clear_s: NonNeg = Field(90.0, description="Time to clear a jam (s).")
    mode: Literal["per_order", "bulk"] = Field(
        "per_order", description="Print each order's label alone, or waiting orders in bulk."
    )
    n_labels_per_bulk: Annotated[int, Field(ge=1, le=10_000)] = Field(
        25, description="Most labels printed in one bulk job."
    )
    bulk_setup_s: NonNeg = Field(20.0, description="Set-up time per bulk job (s).")


class CarrierServiceConfig(Section):
    """A service a carrier offers: its transit times and rates."""

    service: str = Field("standard", description="Service name (one of demand.services).")
    transit_days_pmf: tuple[Prob, ...] = Field(
        [0.0, 0.2, 0.3, 0.25, 0.15, 0.1],
        min_length=1,
        max_length=60,
        description="P(delivered 0, 1, 2, ... business days after pickup) (fractions).",
    )
    rates_kg_price: tuple[tuple[PosFloat, NonNeg], ...] = Field(
        [(0.5, 4.2), (1.0, 5.1), (2.0, 6.3), (5.0, 8.4), (10.0, 11.9), (20.0, 17.5), (30.0, 24.0)],
        min_length=1,
        description="Rate table: [max billable kg, price] rows in increasing weight.",
    )

    @model_validator(mode="after")
    def _check(self) -> CarrierServiceConfig:
        _check_shares(self.transit_days_pmf, "transit_days_pmf")
        kgs = [r[0] for r in self.rates_kg_price]
        if kgs != sorted(kgs):
            raise ValueError("rates_kg_price: expected rows in increasing weight")
        return self


def _default_carrier_services() -> tuple[CarrierServiceConfig, ...]:
    return [CarrierServiceConfig()]


class CarrierConfig(Section):
    """A carrier: when it collects and what it charges."""

    name: str = Field("carrier", description="Carrier name.")
    pickups: dict[Weekday, tuple[str, ...]] = Field(
        {d: ["16:30"] for d in WORK_DAYS},
        description="Pickup times 'HH:MM' per weekday; parcels wait at the dock until then.",
    )
    services: tuple[CarrierServiceConfig, ...] = Field(
        default_factory=_default_carrier_services,
        min_length=1,
        description="Services carried, with transit times and rates.",
    )
    delivery_start: str = Field("09:00", description="Earliest delivery time of day.")
    delivery_end: str = Field("18:00", description="Latest delivery time of day.")
    delivery_days: tuple[Weekday, ...] = Field(
        ["mon", "tue", "wed", "thu", "fri", "sat"],
        min_length=1,
        description="Weekdays on which the carrier delivers.",
    )

    @field_validator("pickups")
    @classmethod
    def _pickup_times(cls, v: dict[Weekday, tuple[str, ...]]) -> dict:
        for times in v.values():
            for t in times:
                _check_time(t)
        return v

    _window = field_validator("delivery_start", "delivery_end")(_check_time)

    @model_validator(mode="after")
    def _check(self) -> CarrierConfig:
        if not any(self.pickups.values()):
            raise ValueError(f"carrier {self.name!r}: expected pickup times, found none")
        if hhmm_to_minutes(self.delivery_end) <= hhmm_to_minutes(self.delivery_start):
            raise ValueError("expected delivery_end after delivery_start")
        return self


def _default_carriers() -> tuple[CarrierConfig, ...]:
    return [
        CarrierConfig(
            name="ParcelCo",
            services=[
                CarrierServiceConfig(service="standard"),
                CarrierServiceConfig(
                    service="express",
                    transit_days_pmf=[0.0, 0.25, 0.72, 0.03],
                    rates_kg_price=[(1.0, 9.0), (5.0, 13.0), (10.0, 18.0), (30.0, 32.0)],
                ),
                CarrierServiceConfig(
                    service="next_day",
                    transit_days_pmf=[0.0, 0.96, 0.04],
                    rates_kg_price=[(1.0, 14.0), (5.0, 19.0), (10.0, 26.0), (30.0, 45.0)],
                ),
            ],
        )
    ]


class ShippingConfig(Section):
    """Carriers and shipping notifications."""

    notifications: Literal["automatic", "manual"] = Field(
        "automatic",
        description="Mark-as-shipped and e-mails sent by the system, or by office staff per order.",
    )
    manual_notify_time_s: NonNeg = Field(
        40.0, description="Office time per order to mark shipped and send e-mails (s)."
    )
    carriers: tuple[CarrierConfig, ...] = Field(
        default_factory=_default_carriers, min_length=1, description="Carriers."
    )


class BreakConfig(Section):
    """A break within a shift."""

    start: str = Field("12:00", description="Break start 'HH:MM'.")
    minutes: PosFloat = Field(30.0, description="Break length (min).")

    _start = field_validator("start")(_check_time)


class ShiftConfig(Section):
    """A shift: who works, on which days, from when to when, how many."""

    role: Role = Field("pickers", description="Role: pickers, packers or office.")
    days: tuple[Weekday, ...] = Field(WORK_DAYS, description="Weekdays this shift runs.")
    start: str = Field("08:00", description="Shift start 'HH:MM'.")
    end: str = Field("16:00", description="Shift end 'HH:MM' (earlier than start: next day).")
    headcount: Annotated[int, Field(ge=0, le=10_000)] = Field(
        1, description="Workers on this shift."
    )
    breaks: tuple[BreakConfig, ...] = Field(
        [], description="Breaks taken by everyone on the shift."
    )

    _times = field_validator("start", "end")(_check_time)

    @model_validator(mode="after")
    def _check(self) -> ShiftConfig:
        if hhmm_to_minutes(self.start) == hhmm_to_minutes(self.end) and self.start != "00:00":
            raise ValueError(f"expected a shift end different from its start, found {self.end}")
        return self


def _default_shifts() -> tuple[ShiftConfig, ...]:
    return [
        ShiftConfig(
            role="pickers",
            start="07:00",
            end="15:30",
            headcount=10,
            breaks=[BreakConfig(start="11:00", minutes=30)],
        ),
        ShiftConfig(
            role="packers",
            start="08:00",
            end="16:30",
            headcount=6,
            breaks=[BreakConfig(start="12:00", minutes=30)],
        ),
    ]


class StaffingConfig(Section):
    """Shifts per weekday and role."""

    shifts: tuple[ShiftConfig, ...] = Field(
        default_factory=_default_shifts, description="Shifts (00:00-00:00 means 24 hours)."
    )


class CostsConfig(Section):
    """Wages."""

    wage_per_hour: dict[Role, NonNeg] = Field(
        {"pickers": 18.0, "packers": 18.0, "office": 21.0},
        description="Paid wage per on-duty hour, per role (currency units).",
    )


class Scenario(Section):
    """A whole scenario. Seed and replications belong to the experiment, not here."""

    name: str = Field("scenario", description="Scenario name.")
    description: str = Field("", description="What this scenario represents.")
    simulation: SimulationConfig = Field(
        default_factory=SimulationConfig, description="Run length."
    )
    calendar: CalendarConfig = Field(default_factory=CalendarConfig, description="Business days.")
    demand: DemandConfig = Field(default_factory=DemandConfig, description="Orders.")
    catalog: CatalogConfig = Field(default_factory=CatalogConfig, description="SKUs.")
    warehouse: WarehouseConfig = Field(default_factory=WarehouseConfig, description="Layout.")
    picking: PickingConfig = Field(default_factory=PickingConfig, description="Picking.")
    packing: PackingConfig = Field(default_factory=PackingConfig, description="Packing.")
    labels: LabelConfig = Field(default_factory=LabelConfig, description="Label printing.")
    shipping: ShippingConfig = Field(default_factory=ShippingConfig, description="Shipping.")
    staffing: StaffingConfig = Field(default_factory=StaffingConfig, description="Shifts.")
    costs: CostsConfig = Field(default_factory=CostsConfig, description="Costs.")

    @model_validator(mode="after")
    def _feasible(self) -> Scenario:
        roles = {"pickers", "packers"}
        if self.shipping.notifications == "manual":
            roles.add("office")
        for role in sorted(roles):
            if not any(s.role == role and s.headcount > 0 and s.days for s in self.staffing.shifts):
                raise ValueError(
                    f"staffing.shifts: expected at least one {role} shift with headcount > 0, "
                    "found none (work would wait forever)"
                )
        services = {s.name for s in self.demand.services}
        carried = {cs.service for c in self.shipping.carriers for cs in c.services}
        unknown = carried - services
        if unknown:
            raise ValueError(
                f"shipping.carriers: expected services from demand.services {sorted(services)}, "
                f"found {sorted(unknown)}"
            )
        missing = services - carried
        if missing:
            raise ValueError(
                f"shipping.carriers: expected a carrier for every service, found none for "
                f"{sorted(missing)}"
            )
        cat, pack, wh = self.catalog, self.packing, self.warehouse
        biggest = max(b.volume_l for b in pack.boxes) * pack.fill_factor
        if cat.unit_volume_l_max > biggest * (1 + 1e-9):
            raise ValueError(
                f"catalog.unit_volume_l_max: expected a SKU that fits the largest box "
                f"(<= {biggest:.3g} l at fill factor {pack.fill_factor}), "
                f"found {cat.unit_volume_l_max} l"
            )
        n_slots = 2 * wh.n_slots_per_side * wh.n_aisles
        if cat.n_skus > n_slots:
            raise ValueError(
                f"catalog.n_skus: expected at most the warehouse's {n_slots} slots, "
                f"found {cat.n_skus}"
            )
        return self

    # --- helpers -------------------------------------------------------------------------

    def fingerprint(self) -> str:
        """Hash of the canonical JSON of the resolved scenario (keys caches and run stores)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def names(self) -> dict[str, tuple[str, ...]]:
        """The scenario's names for the event log's enum columns."""
        return {
            "channels": [c.name for c in self.demand.channels],
            "services": [s.name for s in self.demand.services],
            "carriers": [c.name for c in self.shipping.carriers],
            "boxes": [b.name for b in self.packing.boxes],
            "materials": [m.name for m in self.packing.materials],
            "resources": ["pickers", "packers", "label_printers", "office"],
        }

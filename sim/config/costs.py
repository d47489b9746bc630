"""The cost model: wages of every role, overtime, temporary staff, fixed costs per day,
equipment per picking method, labels, and the margin lost with lost sales and lapsed customers.

Every default cites its row in the project's industry figures (INDUSTRY.md ids such as W9,
P4, B4) or says "Assumption". Boxes and packing material are priced in ``[packing]``, carrier
rates in ``[shipping]``, return labels and chargeback fees in ``[returns]``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from sim.config.base import PICKING_METHODS, NonNeg, PosFloat, Prob, Role, Section
from sim.config.limits import Name


class EquipmentConfig(Section):
    """Equipment bought for some picking methods (or all), written off over its life."""

    name: Name = Field("equipment", description="What it is (shown in reports).")
    methods: tuple[str, ...] = Field(
        PICKING_METHODS,
        min_length=1,
        description="Picking methods that need it (picking.method values); the cost counts "
        "only when the scenario's method is listed. Assumption: the shipped equipment list "
        "of each method.",
    )
    count: Annotated[int, Field(ge=0, le=100_000)] = Field(
        1, description="Units owned. Assumption: sized to the shipped rosters."
    )
    unit_price: NonNeg = Field(0.0, description="Purchase price per unit (currency).")
    life_years: PosFloat = Field(
        5.0, description="Years over which a unit is written off. Assumption: straight-line."
    )

    @field_validator("methods")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(v) - set(PICKING_METHODS))
        if unknown:
            raise ValueError(
                f"expected picking methods from {list(PICKING_METHODS)}, found {unknown}"
            )
        return v

    @property
    def cost_per_day(self) -> float:
        """Straight-line write-off per calendar day of all units."""
        return self.count * self.unit_price / (self.life_years * 365.0)


def _default_equipment() -> tuple[EquipmentConfig, ...]:
    return [
        EquipmentConfig(name="pick cart", methods=("single",), count=14, unit_price=400.0,
                        life_years=5.0),
        EquipmentConfig(name="batch cart with totes", methods=("batch",), count=14,
                        unit_price=1500.0, life_years=5.0),
        EquipmentConfig(name="pick-and-pass tote conveyor", methods=("zone",), count=1,
                        unit_price=250_000.0, life_years=10.0),
        EquipmentConfig(name="wave tote conveyor and put wall", methods=("wave",), count=1,
                        unit_price=350_000.0, life_years=10.0),
        EquipmentConfig(name="handheld scanner", count=24, unit_price=1200.0, life_years=4.0),
        EquipmentConfig(name="pack station", count=8, unit_price=2500.0, life_years=10.0),
    ]  # fmt: skip


class CostsConfig(Section):
    """Costs: wages of every role, overtime, temporary staff, fixed costs per day, equipment
    per picking method, labels, and the margin of lost sales and lapsed customers.

    Defaults are calibrated so the baseline's warehouse cost per order (labour, fixed costs,
    equipment, boxes, material and labels; carrier charges excluded) falls in the published
    3.00-4.50 per order of efficient conventional DTC warehouses (INDUSTRY.md W9)."""

    wage_per_hour: dict[Role, NonNeg] = Field(
        {
            "pickers": 18.0,
            "packers": 18.0,
            "office": 21.0,
            "sorters": 17.0,
            "consolidators": 17.0,
            "order_entry": 20.0,
            "payment_review": 22.0,
            "returns_clerks": 17.0,
            "support": 20.0,
        },
        description="Paid wage per on-duty hour, per role (currency units). Assumption: US "
        "warehouse and office wage levels (loaded cost); with them pick+pack labour costs "
        "1.50-4.00 per order as in INDUSTRY.md P3.",
    )
    overtime_premium_share: NonNeg = Field(
        0.5,
        description="Overtime (work finished after the end of a worker's shift) is paid at the "
        "wage times 1 + this. Assumption: time and a half, as US overtime rules require.",
    )
    temp_wage_per_hour: NonNeg = Field(
        22.0,
        description="Wage per on-duty hour of a temporary shift (staffing.shifts.temporary), "
        "whatever its role. Assumption: an agency's rate, about 20 % above the picker wage.",
    )
    rent_per_day: NonNeg = Field(
        1200.0,
        description="Building rent per calendar day. Assumption: about 50,000 sq ft at 8-9 "
        "per sq ft a year for a 2,000-orders-a-day DC.",
    )
    systems_per_day: NonNeg = Field(
        150.0,
        description="Software (WMS/OMS, carrier software) per calendar day. Assumption.",
    )
    overhead_per_day: NonNeg = Field(
        900.0,
        description="Supervision, management, utilities, insurance and cleaning per calendar "
        "day. Assumption: two supervisors and a manager plus utilities.",
    )
    equipment: tuple[EquipmentConfig, ...] = Field(
        default_factory=_default_equipment,
        description="Equipment per picking method (carts, conveyors, put walls) and for all "
        "(scanners, pack stations), capex written off over life_years. Assumption: list "
        "prices of the kind vendors quote; no INDUSTRY.md figure.",
    )
    label_cost_per_parcel: NonNeg = Field(
        0.04, description="Shipping label stock per parcel (INDUSTRY.md P4: 0.02-0.05)."
    )
    return_handling_cost: NonNeg = Field(
        1.5,
        description="Materials and disposal per returned parcel received (the clerks' and "
        "agents' time is in their wages; the return label in returns.return_label_cost). "
        "Assumption.",
    )
    gross_margin_share: Prob = Field(
        0.4,
        description="Gross margin as a share of order value: a lost sale loses this share of "
        "its value. Assumption: a typical DTC retail margin.",
    )
    lapse_horizon_years: NonNeg = Field(
        1.0,
        description="Years of a lapsed customer's purchases whose margin is counted as lost "
        "when the customer leaves after a negative encounter. Assumption: one year.",
    )

    def fixed_per_day(self) -> float:
        """Rent, systems and overhead per calendar day."""
        return self.rent_per_day + self.systems_per_day + self.overhead_per_day

    def equipment_per_day(self, method: str) -> float:
        """Write-off per calendar day of the equipment a picking method uses."""
        return sum(e.cost_per_day for e in self.equipment if method in e.methods)

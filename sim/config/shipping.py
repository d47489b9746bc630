"""Carriers and shipping notifications."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import (
    WORK_DAYS,
    NonNeg,
    PosFloat,
    Prob,
    Section,
    Weekday,
    _check_shares,
    _check_time,
)
from sim.config.limits import MAX_COUNT, Name
from sim.units import hhmm_to_minutes


class CarrierServiceConfig(Section):
    """A service a carrier offers: its transit times and rates."""

    service: str = Field("standard", description="Service name (one of demand.services).")
    transit_days_pmf: tuple[Prob, ...] = Field(
        [0.0, 0.2, 0.3, 0.25, 0.15, 0.1],
        min_length=1,
        max_length=60,
        description="P(delivered 0, 1, 2, ... business days after pickup) (fractions). Source: "
        "INDUSTRY.md C6/C7 (ground: 1 day 20 %, 2 30 %, 3 25 %, 4 15 %, 5 10 %); express and "
        "next_day defaults are assumptions near the carriers' commitments (C1-C4: 96-97 % on "
        "time).",
    )
    rates_kg_price: tuple[tuple[PosFloat, NonNeg], ...] = Field(
        [(0.5, 4.2), (1.0, 5.1), (2.0, 6.3), (5.0, 8.4), (10.0, 11.9), (20.0, 17.5), (30.0, 24.0)],
        min_length=1,
        description="Rate table: [max billable kg, price] rows in increasing weight. Assumption: "
        "the order of US ground and express list rates; no INDUSTRY.md figure.",
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

    name: Name = Field("carrier", description="Carrier name.")
    pickups: dict[Weekday, tuple[str, ...]] = Field(
        {d: ["16:30"] for d in WORK_DAYS},
        description="Pickup times 'HH:MM' per weekday; parcels wait at the dock until then. "
        "Source: INDUSTRY.md C8/C9 (ground pickups early- to mid-afternoon, after the "
        "merchant's cut-off).",
    )
    staging_min: NonNeg = Field(
        15.0,
        description="Minutes before a pickup by which a parcel must be labelled to make it "
        "(sorting to the carrier's cage and loading); a parcel labelled later waits for the "
        "next pickup. Assumption (no source; INDUSTRY.md C9 shows pickups 30-60 min after the "
        "merchant's cut-off).",
    )
    n_trailer_parcels: Annotated[int, Field(ge=0, le=MAX_COUNT)] = Field(
        0,
        description="Parcels one pickup takes at most; the orders beyond it wait for the next "
        "pickup (0: no limit)."
        " Off by default (no source for a trailer's size).",
    )
    services: tuple[CarrierServiceConfig, ...] = Field(
        default_factory=_default_carrier_services,
        min_length=1,
        description="Services carried, with transit times and rates.",
    )
    delivery_start: str = Field(
        "09:00", description="Earliest delivery time of day. Assumption (no source)."
    )
    delivery_end: str = Field(
        "18:00", description="Latest delivery time of day. Assumption (no source)."
    )
    delivery_days: tuple[Weekday, ...] = Field(
        ["mon", "tue", "wed", "thu", "fri", "sat"],
        min_length=1,
        description="Weekdays on which the carrier delivers. Assumption (INDUSTRY.md C6: no "
        "Sunday delivery by default).",
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
        description="Mark-as-shipped and e-mails sent by the system, or by office staff per order. "
        "The seed: a good order management system sends them automatically.",
    )
    manual_notify_time_s: NonNeg = Field(
        40.0,
        description="Office time per order to mark shipped and send e-mails (s). Assumption "
        "(no source).",
    )
    carriers: tuple[CarrierConfig, ...] = Field(
        default_factory=_default_carriers, min_length=1, description="Carriers."
    )

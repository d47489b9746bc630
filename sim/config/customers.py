"""Customers: who places the orders, how often they come back, and what makes them leave.

With ``customers.enabled`` the demand is the orders of a population of customers: each active
customer orders as a Poisson process at its own rate (gamma distributed over customers),
shaped by the hour-of-day and weekday profile of ``demand``; new customers keep arriving.
After each order a customer may lapse (leave for good) or pause, more likely after a negative
encounter, and comes back sooner after a good experience. The population is set so that,
with no negative encounter, it places ``demand.orders_per_day``: service quality then moves
the demand.

Default lapse probabilities come from the seed article: "65% of customers have cut ties with a
brand over just a single negative encounter" and "57% are reluctant to use a retailer again if
delivery is late" (Loqate). They are the chance of leaving after such an encounter.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import NonNeg, PosFloat, Prob, Section

#: What can go wrong for a customer on one order (``none``: nothing did).
ENCOUNTERS: tuple[str, ...] = (
    "payment_failure",
    "oversold",
    "missed_order",
    "late",
    "damaged",
    "wrong_item",
    "slow_refund",
)
Encounter = Literal[
    "payment_failure", "oversold", "missed_order", "late", "damaged", "wrong_item", "slow_refund"
]


class EncounterConfig(Section):
    """How a customer reacts to one kind of negative encounter."""

    lapse_prob: Prob = Field(0.65, description="Probability the customer leaves for good.")
    pause_prob: Prob = Field(
        0.0, description="Probability the customer stays away pause_days before ordering again."
    )

    @model_validator(mode="after")
    def _sum(self) -> EncounterConfig:
        if self.lapse_prob + self.pause_prob > 1 + 1e-9:
            raise ValueError(
                f"expected lapse_prob + pause_prob <= 1, found "
                f"{self.lapse_prob} + {self.pause_prob} = {self.lapse_prob + self.pause_prob:.4g}"
            )
        return self


def _default_encounters() -> dict[str, EncounterConfig]:
    seed = EncounterConfig(lapse_prob=0.65, pause_prob=0.0)  # the seed: 65 % cut ties
    return {
        "payment_failure": seed,
        "oversold": seed,
        "missed_order": seed,
        "late": EncounterConfig(lapse_prob=0.57, pause_prob=0.0),  # the seed (Loqate): 57 %
        "damaged": seed,
        "wrong_item": seed,
        "slow_refund": seed,
    }


class CustomersConfig(Section):
    """The customer population behind the demand (off: orders are independent)."""

    enabled: bool = Field(False, description="Orders come from a population of customers.")
    mean_orders_per_year: PosFloat = Field(
        4.0,
        description="Mean yearly order rate of a new customer (gamma over customers); the "
        "customer base is slower on average, since slow customers stay longer.",
    )
    purchase_rate_cv: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.8,
        description="Coefficient of variation of the customers' order rates (gamma; below 1, "
        "so the population at the start is finite).",
    )
    base_lapse_prob: Prob = Field(
        0.2, description="Probability a customer leaves after an order with nothing wrong."
    )
    pause_days: NonNeg = Field(
        90.0, description="Days a pausing customer stays away before ordering again."
    )
    good_experience_gap_factor: PosFloat = Field(
        0.8,
        description="After a good experience (a gift or note, or a follow-up e-mail after a "
        "flawless order) the wait until the next order is multiplied by this (below 1: sooner).",
    )
    encounters: dict[Encounter, EncounterConfig] = Field(
        default_factory=_default_encounters,
        description="Per negative encounter: lapse_prob and pause_prob (summing to at most 1); "
        "encounters left out keep their defaults.",
    )

    @field_validator("encounters", mode="before")
    @classmethod
    def _fill(cls, value):
        if isinstance(value, dict):
            return {**_default_encounters(), **value}
        return value

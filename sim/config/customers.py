"""Customers: who places the orders, how often they come back, and what makes them leave.

With ``customers.enabled`` the demand is the orders of a population of customers: each active
customer orders as a Poisson process at its own rate (gamma distributed over customers),
shaped by the hour-of-day and weekday profile of ``demand``; new customers keep arriving.
After each order a customer may lapse (leave for good) or pause, more likely after a negative
encounter, and comes back sooner after a good experience. The population is set so that,
with no negative encounter, it places ``demand.orders_per_day``: service quality then moves
the demand.

The default lapse model reproduces measured behaviour (INDUSTRY.md): after an order with nothing
wrong, ``base_lapse_prob`` (0.68) of customers leave, so that about 27 % of first-time customers
order again within a year (L1; L2: typically 15-30 %); a negative encounter then loses
``lapse_prob`` (0.25) of the customers who would otherwise have stayed, within the 17 % (US) to
32 % (global) who leave after one bad experience (L4, PwC), and a second bad experience loses
more (``repeat_bad_experience_factor``: about 59 % lost after several, L4 US). The seed
article's "65% of customers have cut ties with a brand over just a single negative encounter"
and "57% are reluctant to use a retailer again if delivery is late" (Loqate) are stated intent
from surveys, an upper bound, like the vendor surveys L6-L8: set them in
``[customers.encounters]`` to see that bound.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import NonNeg, PosFloat, Prob, Section
from sim.config.limits import MAX_FACTOR

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

    lapse_prob: Prob = Field(
        0.25,
        description="Probability the encounter makes a customer who would otherwise have stayed "
        "leave for good. Source: INDUSTRY.md L4 (PwC: 17 % US - 32 % global leave after one bad "
        "experience); the seed's 65 % / 57 % are stated intent, an upper bound.",
    )
    pause_prob: Prob = Field(
        0.0,
        description="Probability the customer stays away pause_days before ordering again. "
        "Assumption: 0 (no source measures pauses).",
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
    # INDUSTRY.md L4: 17-32 % leave after one bad experience, whatever went wrong
    return {e: EncounterConfig(lapse_prob=0.25, pause_prob=0.0) for e in ENCOUNTERS}


class CustomersConfig(Section):
    """The customer population behind the demand (off: orders are independent)."""

    enabled: bool = Field(False, description="Orders come from a population of customers.")
    mean_orders_per_year: PosFloat = Field(
        4.0,
        description="Mean yearly order rate of a new customer while active (gamma over "
        "customers); the customer base is slower on average, since slow customers stay longer. "
        "Assumption: no source gives the rate of active customers; with base_lapse_prob it "
        "reproduces INDUSTRY.md L1's repeat rate.",
    )
    purchase_rate_cv: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.8,
        description="Coefficient of variation of the customers' order rates (gamma; below 1, "
        "so the population at the start is finite). Assumption (no source).",
    )
    base_lapse_prob: Prob = Field(
        0.68,
        description="Probability a customer leaves after an order with nothing wrong. Source: "
        "INDUSTRY.md L1 (about 27 % of first-time customers order again within a year; L2: "
        "typically 15-30 %): with the default order rates 86 % of those who stay order again "
        "within a year, and 0.32 x 0.86 = 27.5 %.",
    )
    repeat_bad_experience_factor: Annotated[float, Field(ge=1.0, le=MAX_FACTOR)] = Field(
        1.8,
        description="A customer's second and later bad experiences multiply each encounter's "
        "lapse_prob by this (capped at 1). Source: INDUSTRY.md L4 (US: 59 % leave after several "
        "bad experiences): 1 - 0.75 x (1 - 0.25 x 1.8) = 59 % after two.",
    )
    pause_days: NonNeg = Field(
        90.0,
        description="Days a pausing customer stays away before ordering again. Assumption "
        "(no source; pauses are off by default).",
    )
    good_experience_gap_factor: PosFloat = Field(
        0.95,
        description="After a good experience (a gift or note, or a follow-up e-mail after a "
        "flawless order) the wait until the next order is multiplied by this (below 1: sooner). "
        "Assumption: no source measures it; 0.95 (5 % sooner) is a deliberately small effect, "
        "1 switches it off.",
    )
    encounters: dict[Encounter, EncounterConfig] = Field(
        default_factory=_default_encounters,
        description="Per negative encounter: lapse_prob and pause_prob (summing to at most 1); "
        "encounters left out keep their defaults (lapse_prob 0.25, INDUSTRY.md L4).",
    )

    @field_validator("encounters", mode="before")
    @classmethod
    def _fill(cls, value):
        if isinstance(value, dict):
            return {**_default_encounters(), **value}
        return value

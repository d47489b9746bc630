"""Special orders: what the packers add to high-value orders.

Express and next-day orders are highlighted by their service (``demand.services``,
``priority``); this section covers the other special orders of the seed: orders above a value
get a bonus gift, a handwritten note or a discount code for the next order, each with its
extra packing time and cost.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.config.base import NonNeg, Section

#: What a high-value order can get at packing (``none``: nothing).
SPECIAL_ACTIONS: tuple[str, ...] = ("none", "bonus_gift", "handwritten_note", "discount_code")


class SpecialOrdersConfig(Section):
    """High-value orders and what they get at packing."""

    high_value_min_value: NonNeg = Field(
        250.0,
        description="Orders worth at least this (currency units) are high-value."
        " Assumption (no source).",
    )
    high_value_action: Literal["none", "bonus_gift", "handwritten_note", "discount_code"] = Field(
        "none",
        description="What a high-value order gets at packing: none, bonus_gift, "
        "handwritten_note or discount_code."
        " Off by default; the seed suggests a gift or a note.",
    )
    bonus_gift_time_s: NonNeg = Field(
        20.0, description="Extra packing time of a bonus gift (s). Assumption (no source)."
    )
    bonus_gift_cost: NonNeg = Field(
        2.5, description="Cost of a bonus gift (currency units). Assumption."
    )
    handwritten_note_time_s: NonNeg = Field(
        45.0, description="Extra packing time of a handwritten note (s). Assumption (no source)."
    )
    handwritten_note_cost: NonNeg = Field(
        0.3, description="Cost of a handwritten note's card (currency units). Assumption."
    )
    discount_code_time_s: NonNeg = Field(
        5.0,
        description="Extra packing time of a printed discount code (s). Assumption (no source).",
    )
    discount_code_cost: NonNeg = Field(
        0.05,
        description="Cost of printing a discount code (currency units; the discount "
        "itself is granted on the next order). Assumption.",
    )

    def action_time_cost(self) -> tuple[float, float]:
        """Extra packing time (s) and cost of the configured action (0, 0 for none)."""
        if self.high_value_action == "none":
            return 0.0, 0.0
        a = self.high_value_action
        return getattr(self, f"{a}_time_s"), getattr(self, f"{a}_cost")

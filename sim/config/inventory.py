"""Inventory: stock per SKU, oversell policy and replenishment.

Levels are set per SKU in days of its expected demand (orders per day x lines per order x
units per line x the SKU's popularity), so one setting fits a catalogue of thousands of SKUs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.config.base import NonNeg, PosFloat, Section


class InventoryConfig(Section):
    """On-hand stock per SKU and its replenishment (off: stock is never short). Every SKU
    starts at its order-up-to level."""

    enabled: bool = Field(False, description="Track stock per SKU (off: stock never runs out).")
    reorder_point_days: NonNeg = Field(
        4.0,
        description="Reorder when a SKU's stock position (on hand + on order - backorders) "
        "falls to this many days of its expected demand."
        " Assumption (no source).",
    )
    order_up_to_days: PosFloat = Field(
        10.0, description="Order up to this many days of expected demand. Assumption (no source)."
    )
    supplier_lead_time_days: NonNeg = Field(
        3.0,
        description="Days from a replenishment order to its arrival on the shelf."
        " Assumption (no source).",
    )
    oversell_policy: Literal["cancel", "backorder"] = Field(
        "cancel",
        description="An order the back office cannot fill from stock: cancel it (a lost sale; "
        "the customer is told), or backorder it until the replenishment arrives."
        " Assumption (no source).",
    )

    @model_validator(mode="after")
    def _levels(self) -> InventoryConfig:
        if self.reorder_point_days >= self.order_up_to_days:
            raise ValueError(
                f"reorder_point_days: expected less than order_up_to_days "
                f"({self.order_up_to_days}), found {self.reorder_point_days}"
            )
        return self

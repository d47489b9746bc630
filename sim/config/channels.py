"""Sales channels: share of demand, profile, integration with the back office, point of sale.

Orders from every channel are consolidated into one back office. An ``integrated`` channel
hands its orders over within minutes and gets the stock levels pushed every few minutes; a
``manual`` channel is exported and re-keyed by order-entry staff every few hours during their
shifts, which takes staff time per order and sometimes misses or duplicates an order, and its
stock levels are updated only at those sessions. A point-of-sale channel (a shop counter)
takes stock at once, is paid through a card reader and skips picking and shipping.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.base import NonNeg, Prob, Section
from sim.config.limits import (
    MAX_QUANTITY,
    MIN_REKEY_EVERY_H,
    MIN_STOCK_SYNC_MIN,
    HourWeight,
    Name,
)


class ChannelConfig(Section):
    """A sales channel: its demand and how its orders reach the back office."""

    name: Name = Field("webshop", description="Channel name.")
    share: Prob = Field(
        1.0,
        description="Share of orders from this channel (fractions summing to 1 over channels)."
        " Assumption: one channel by default.",
    )
    hourly_weights: tuple[HourWeight, ...] = Field(
        [],
        description="This channel's own relative intensity per hour 0..23 (24 values, any "
        "scale); empty: demand.hourly_weights."
        " Assumption: the demand's profile by default.",
    )
    order_value_mean: NonNeg = Field(
        0.0,
        description="Mean order value of this channel; 0: demand.order_value_mean."
        " Assumption: the demand's by default.",
    )
    service_share: dict[str, Prob] = Field(
        {},
        description="Service mix of this channel, service name -> share (summing to 1); "
        "empty: the shares of demand.services."
        " Assumption: the demand's mix by default.",
    )
    integration: Literal["integrated", "manual"] = Field(
        "integrated",
        description="integrated: orders reach the back office by themselves and stock levels "
        "are pushed to the channel; manual: order-entry staff export and re-key the orders."
        " The seed: an order management system consolidates the channels.",
    )
    order_delay_min: NonNeg = Field(
        0.0,
        description="Integrated: minutes for an order to reach the back office (0 = at once)."
        " Assumption (no source).",
    )
    stock_sync_min: Annotated[float, Field(ge=MIN_STOCK_SYNC_MIN, le=MAX_QUANTITY)] = Field(
        15.0,
        description="Integrated: stock levels are pushed to the channel every M minutes."
        " Assumption (no source).",
    )
    rekey_every_h: Annotated[float, Field(ge=MIN_REKEY_EVERY_H, le=MAX_QUANTITY)] = Field(
        4.0,
        description="Manual: hours between export-and-re-key sessions, from the start of each "
        "order_entry shift (stock levels are updated in the channel at each session)."
        " Assumption (no source).",
    )
    rekey_time_per_order_s: NonNeg = Field(
        90.0, description="Manual: staff time to re-key one order (s). Assumption (no source)."
    )
    missed_prob: Prob = Field(
        0.01,
        description="Manual: probability an exported order is never keyed (a lost sale)."
        " Assumption (no source).",
    )
    duplicate_prob: Prob = Field(
        0.005,
        description="Manual: probability an order is keyed twice (and shipped twice)."
        " Assumption (no source).",
    )
    point_of_sale: bool = Field(
        False,
        description="A shop counter: takes stock at once, pays by card reader, skips picking "
        "and shipping (integration settings ignored)."
        " Off by default.",
    )
    card_reader_time_s: NonNeg = Field(
        15.0, description="Point of sale: time of one card payment (s). Assumption (no source)."
    )
    card_reader_failure_prob: Prob = Field(
        0.02,
        description="Point of sale: probability a card payment attempt fails."
        " Assumption (no source).",
    )
    n_card_reader_retries: Annotated[int, Field(ge=0, le=5)] = Field(
        1,
        description="Point of sale: further attempts after a failed card payment."
        " Assumption (no source).",
    )

    @model_validator(mode="after")
    def _mix(self) -> ChannelConfig:
        if self.hourly_weights:
            if len(self.hourly_weights) != 24:
                raise ValueError(
                    f"hourly_weights: expected 24 values (hours 0..23) or none, "
                    f"found {len(self.hourly_weights)}"
                )
            if sum(self.hourly_weights) <= 0:
                raise ValueError(
                    "hourly_weights: expected at least one positive weight, found all 0"
                )
        if self.service_share:
            total = sum(self.service_share.values())
            if abs(total - 1.0) > 1e-3:
                raise ValueError(
                    f"service_share: expected shares summing to 1, found a sum of {total:.4g}"
                )
        return self

    @property
    def manual(self) -> bool:
        """Whether staff re-key this channel's orders."""
        return self.integration == "manual" and not self.point_of_sale

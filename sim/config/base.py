"""Shared types and the base of every scenario section."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from sim.config.limits import MAX_TEXT_CHARS, NonNeg, PosFloat, Prob  # noqa: F401 (re-exported)
from sim.units import WEEKDAYS, hhmm_to_minutes

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Role = Literal[
    "pickers",
    "packers",
    "office",
    "sorters",
    "consolidators",
    "order_entry",
    "payment_review",
    "returns_clerks",
    "support",
]
#: Every resource of the event log: the staffed roles and the label printers (machines).
RESOURCES: tuple[str, ...] = (
    "pickers", "packers", "label_printers", "office", "sorters", "consolidators", "order_entry",
    "payment_review", "returns_clerks", "support",
)  # fmt: skip
ALL_DAYS: tuple[Weekday, ...] = tuple(WEEKDAYS)  # type: ignore[arg-type]
WORK_DAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
PICKING_METHODS: tuple[str, ...] = ("single", "batch", "zone", "wave")
#: Picker routing policies (``sim.routing``).
ROUTING_POLICIES: tuple[str, ...] = ("s_shape", "return", "midpoint", "largest_gap", "none")


class Section(BaseModel):
    """Base of every scenario section: unknown keys rejected, immutable, every number finite,
    every string at most ``MAX_TEXT_CHARS`` long (see :mod:`sim.config.limits`)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        allow_inf_nan=False,
        str_max_length=MAX_TEXT_CHARS,
    )


def _check_time(v: str) -> str:
    hhmm_to_minutes(v)
    return v


def _check_shares(values: tuple[float, ...], what: str) -> None:
    total = sum(values)
    if abs(total - 1.0) > 1e-3:
        raise ValueError(f"expected {what} summing to 1, found a sum of {total:.4g}")

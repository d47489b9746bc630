"""The decision variables of staff sizing: one headcount per shift, its label and its cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.calendar import paid_hours_per_week
from sim.shift_names import shift_labels

Point = tuple[int, ...]

#: Between the shifts of a staffing's label.
STAFFING_SEPARATOR = "; "


@dataclass(frozen=True)
class Variable:
    """A decision variable: the headcount of ``staffing.shifts[index]``."""

    index: int
    role: str
    label: str
    weekly_cost: float  # wage bill of one head for a week
    current: int


def sizing_variables(scenario, roles: Sequence[str]) -> list[Variable]:
    """One variable per shift of the given roles, in the order of ``staffing.shifts``."""
    shifts = scenario.staffing.shifts
    labels = shift_labels(shifts)
    wages = scenario.costs.wage_per_hour
    return [
        Variable(i, s.role, labels[i], wages.get(s.role, 0.0) * paid_hours_per_week(s), s.headcount)
        for i, s in enumerate(shifts)
        if s.role in roles
    ]


def staffing_label(variables: Sequence[Variable], point: Point) -> str:
    """``pickers Mon-Fri 07:00-15:30=9; packers Mon-Fri 08:00-16:30=6``."""
    return STAFFING_SEPARATOR.join(f"{v.label}={x}" for v, x in zip(variables, point, strict=True))


def parse_staffing_label(label: str) -> dict[str, int]:
    """Shift label -> headcount, from a :func:`staffing_label`."""
    out = {}
    for part in label.split(STAFFING_SEPARATOR):
        name, _, count = part.rpartition("=")
        out[name] = int(count)
    return out


def staffing_cost(variables: Sequence[Variable], point: Point) -> float:
    """Weekly wage bill of a staffing."""
    return sum(v.weekly_cost * x for v, x in zip(variables, point, strict=True))

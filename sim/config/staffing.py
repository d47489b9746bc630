"""Shifts, breaks, temporary staff and their learning curve (wages: sim/config/costs.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from sim.config.base import WORK_DAYS, PosFloat, Prob, Role, Section, Weekday, _check_time
from sim.config.costs import CostsConfig
from sim.config.limits import MAX_COUNT, SaneDate
from sim.units import hhmm_to_minutes


class BreakConfig(Section):
    """A break within a shift."""

    start: str = Field("12:00", description="Break start 'HH:MM'.")
    minutes: PosFloat = Field(30.0, description="Break length (min).")

    _start = field_validator("start")(_check_time)


class ShiftConfig(Section):
    """A shift: who works, on which days, from when to when, how many."""

    role: Role = Field(
        "pickers",
        description="Role: pickers, packers, office, sorters, consolidators, order_entry "
        "(re-keying manual channels) or payment_review (fraud review).",
    )
    zone: Annotated[int, Field(ge=0, le=MAX_COUNT)] = Field(
        0,
        description="Zone and wave picking: the zone (1..n_zones) of these pickers; "
        "0 spreads them over the zones in turn.",
    )
    days: tuple[Weekday, ...] = Field(WORK_DAYS, description="Weekdays this shift runs.")
    start: str = Field("08:00", description="Shift start 'HH:MM'.")
    end: str = Field("16:00", description="Shift end 'HH:MM' (earlier than start: next day).")
    headcount: Annotated[int, Field(ge=0, le=10_000)] = Field(
        1, description="Workers on this shift."
    )
    breaks: tuple[BreakConfig, ...] = Field(
        [], description="Breaks taken by everyone on the shift."
    )
    date_range: tuple[SaneDate, ...] = Field(
        [],
        max_length=2,
        description="[first, last] date the shift runs (inclusive); empty: every date of the "
        "run (e.g. temporary staff hired for a peak).",
    )
    temporary: bool = Field(
        False,
        description="Temporary staff (e.g. hired for a peak): paid costs.temp_wage_per_hour "
        "and, as pickers or packers, slower at first (staffing.temp_start_speed_share).",
    )

    _times = field_validator("start", "end")(_check_time)

    @model_validator(mode="after")
    def _check(self) -> ShiftConfig:
        if hhmm_to_minutes(self.start) == hhmm_to_minutes(self.end) and self.start != "00:00":
            raise ValueError(f"expected a shift end different from its start, found {self.end}")
        if len(self.date_range) == 1 or (
            len(self.date_range) == 2 and self.date_range[1] < self.date_range[0]
        ):
            raise ValueError(
                f"date_range: expected [first, last] with last >= first, "
                f"found {[d.isoformat() for d in self.date_range]}"
            )
        if self.zone and self.role != "pickers":
            raise ValueError(f"zone: expected only on pickers' shifts, found it on {self.role}")
        return self

    def on_duty(self, minute_of_week: float) -> bool:
        """Whether the shift (breaks aside) covers a minute of the week (0 = Monday 00:00)."""
        from sim.units import DAY, WEEKDAYS

        start, end = hhmm_to_minutes(self.start), hhmm_to_minutes(self.end)
        length = (end - start) % DAY or DAY
        for d in self.days:
            a = WEEKDAYS.index(d) * DAY + start
            for shift in (0.0, 7 * DAY, -7 * DAY):
                if a + shift <= minute_of_week < a + shift + length:
                    return True
        return False


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
    temp_start_speed_share: Prob = Field(
        0.6,
        description="Work speed of a temporary picker or packer on the first day of its shift, "
        "as a share of a trained worker's (their pick and pack times are divided by it). "
        "Assumption: new pickers reach roughly 60 % of the engineered standard, as sites "
        "without labour standards do (INDUSTRY.md K9: 60-70 %).",
    )
    temp_learning_days: PosFloat = Field(
        10.0,
        description="Calendar days from a temporary shift's first day until its workers reach "
        "full speed (speed rises linearly from temp_start_speed_share to 1). Assumption.",
    )


__all__ = ["BreakConfig", "CostsConfig", "ShiftConfig", "StaffingConfig"]

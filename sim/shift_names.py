"""Shifts named by weekday and time (``pickers Mon-Fri 06:00-14:30``), and which shifts of a
roster an experiment's horizon never reaches.

A shift's label is its role, its weekdays written compactly (runs of consecutive days as
``Mon-Fri``, others listed: ``Mon,Wed,Fri``; every day is ``Mon-Sun``), its times and, for a
zone picker shift, ``zone N``. Two shifts with the same label get ``#index`` (their position
in ``staffing.shifts``) added.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sim.units import DAY, hhmm_to_minutes, weekdays_text


def shift_label(shift: Any) -> str:
    """``pickers Mon-Fri 06:00-14:30`` (``zone N`` appended for a zone picker shift)."""
    zone = f" zone {shift.zone}" if getattr(shift, "zone", 0) else ""
    return f"{shift.role} {weekdays_text(shift.days)} {shift.start}-{shift.end}{zone}"


def shift_labels(shifts: Sequence[Any]) -> list[str]:
    """Unique labels of a roster's shifts: :func:`shift_label`, with ``#index`` added to the
    shifts whose labels would otherwise be equal."""
    base = [shift_label(s) for s in shifts]
    return [f"{lab}#{i}" if base.count(lab) > 1 else lab for i, lab in enumerate(base)]


def shifts_outside(scenario: Any, indices: Iterable[int], warmup_days: float = 0.0) -> list[int]:
    """Of the shifts ``staffing.shifts[i]`` for ``i`` in ``indices``, those that never run
    while orders arrive after the warm-up (from ``warmup_days`` to the end of
    ``simulation.horizon_days``, holidays skipped): no order measured in the experiment ever
    meets them, so sizing would cut them to 0."""
    from sim.calendar import Calendar

    cal = Calendar(scenario)
    start, end = warmup_days * DAY, cal.arrivals_end
    out = []
    for i in indices:
        shift = scenario.staffing.shifts[i]
        length = (hhmm_to_minutes(shift.end) - hhmm_to_minutes(shift.start)) % DAY or DAY
        days = set(shift.days)
        first, last = cal.day_of(start) - 1, cal.day_of(max(end - 1e-9, start)) + 1
        runs = False
        for d in range(first, last + 1):
            if cal.weekday(d) not in days or cal.is_holiday(d):
                continue
            a = cal.at(d, hhmm_to_minutes(shift.start))
            if a < end and a + length > start:
                runs = True
                break
        if not runs:
            out.append(i)
    return out


def horizon_warning(
    scenario: Any, indices: Iterable[int], warmup_days: float = 0.0, sizing: bool = True
) -> str | None:
    """One line naming the shifts (of ``indices``) the horizon never reaches, or None.
    ``sizing``: say that sizing would cut them to 0 (else that the KPIs never see them)."""
    missing = shifts_outside(scenario, indices, warmup_days)
    if not missing:
        return None
    labels = shift_labels(scenario.staffing.shifts)
    sim = scenario.simulation
    days = f"{sim.horizon_days:g} day{'' if sim.horizon_days == 1 else 's'}"
    window = f"{days} of orders from {sim.start:%a %Y-%m-%d}"
    if warmup_days:
        window += f" after a {warmup_days:g}-day warm-up"
    names = ", ".join(labels[i] for i in missing)
    what = (
        "would be sized to 0 (or the fewest the scenario accepts)"
        if sizing
        else "the KPIs say nothing about them"
    )
    return (
        f"warning: the horizon ({window}) never reaches {names}: "
        f"{'that shift is' if len(missing) == 1 else 'those shifts are'} never simulated "
        f"while orders arrive and {what} (use --days 7 or more, whole weeks)"
    )

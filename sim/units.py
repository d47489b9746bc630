"""Time units. Simulation time is float minutes since the scenario start; this is the one
place that converts."""

from collections.abc import Iterable

MINUTE = 1.0
HOUR = 60.0
DAY = 1440.0
WEEK = 7 * DAY

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def seconds(s: float) -> float:
    """Seconds to simulation minutes."""
    return s / 60.0


def hhmm_to_minutes(text: str) -> float:
    """'HH:MM' (00:00 to 24:00) to minutes after midnight; ValueError if malformed."""
    hh, sep, mm = text.partition(":")
    if not sep or not hh.isdigit() or not mm.isdigit() or len(mm) != 2:
        raise ValueError(f"expected a time 'HH:MM', found {text!r}")
    h, m = int(hh), int(mm)
    if m >= 60 or h > 24 or (h == 24 and m != 0):
        raise ValueError(f"expected a time between 00:00 and 24:00, found {text!r}")
    return h * HOUR + m


def weekdays_text(days: Iterable[str]) -> str:
    """``("mon", "tue", "wed", "thu", "fri")`` -> ``Mon-Fri``; ``("mon", "wed")`` ->
    ``Mon,Wed``; three or more consecutive days make a range, two are listed; no day is
    ``no days``."""
    chosen = sorted({WEEKDAYS.index(d) for d in days})
    if not chosen:
        return "no days"
    runs: list[list[int]] = []
    for i in chosen:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = []
    for run in runs:
        names = [WEEKDAYS[i].capitalize() for i in run]
        parts.append(f"{names[0]}-{names[-1]}" if len(run) >= 3 else ",".join(names))
    return ",".join(parts)

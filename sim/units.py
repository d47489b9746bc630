"""Time units. Simulation time is float minutes since the scenario start; this is the one
place that converts."""

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

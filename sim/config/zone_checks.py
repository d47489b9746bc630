"""Zone staffing check (zone and wave picking): whenever any picker works, every zone has one.

A zone picker shift (``zone = N``) covers zone N while it runs; a shift with ``zone = 0``
spreads its pickers over the zones in turn (worker k in zone k mod n), so it covers the first
``min(headcount, n)`` zones. Only shifts with a headcount above 0 count. Breaks are ignored:
a shift covers its whole span. The check works on the weekly pattern (holidays aside): a
zone without a picker while another zone's pickers work strands every tote that needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.units import DAY, WEEK, WEEKDAYS, hhmm_to_minutes

if TYPE_CHECKING:
    from sim.config.root import Scenario

Span = tuple[float, float]


def zone_of_workers(scenario: Scenario) -> list[list[int]]:
    """For every pickers' shift (in file order), the zone (0-based) of each of its workers:
    the shift's zone, or the zones in turn when the shift names none."""
    n = scenario.picking.zone.n_zones
    out = []
    for shift in scenario.staffing.shifts:
        if shift.role != "pickers":
            continue
        if shift.zone:
            out.append([shift.zone - 1] * shift.headcount)
        else:
            out.append([i % n for i in range(shift.headcount)])
    return out


def _weekly_spans(shift) -> list[Span]:
    """The shift's runs as minutes of the week (0 = Monday 00:00), split at the week's end."""
    start = hhmm_to_minutes(shift.start)
    length = (hhmm_to_minutes(shift.end) - start) % DAY or DAY
    out = []
    for d in shift.days:
        a = WEEKDAYS.index(d) * DAY + start
        b = a + length
        if b > WEEK:
            out += [(a, WEEK), (0.0, b - WEEK)]
        else:
            out.append((a, b))
    return out


def uncovered_zone_spans(sc: Scenario) -> dict[int, list[Span]]:
    """For every zone (1-based) left without a picker while some picker works: the minutes of
    the week when that happens (merged spans). Empty when every zone is always covered."""
    n = sc.picking.zone.n_zones
    pickers = [s for s in sc.staffing.shifts if s.role == "pickers"]
    working = []  # (spans, zones covered) of every picker shift with someone on it
    for shift, zones in zip(pickers, zone_of_workers(sc), strict=True):
        if shift.headcount > 0 and shift.days:
            working.append((_weekly_spans(shift), set(zones)))
    cuts = sorted({0.0, WEEK} | {t for spans, _ in working for span in spans for t in span})
    out: dict[int, list[Span]] = {}
    for a, b in zip(cuts, cuts[1:], strict=False):
        active = [zones for spans, zones in working if any(p <= a and b <= q for p, q in spans)]
        if not active:
            continue
        covered = set().union(*active)
        for z in range(n):
            if z in covered:
                continue
            spans = out.setdefault(z + 1, [])
            if spans and spans[-1][1] == a:
                spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a, b))
    return out


def _hhmm(minutes: float) -> str:
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def describe_week_spans(spans: list[Span]) -> str:
    """Minutes of the week as ``Mon-Fri 14:00-15:30, Sat 07:00-13:00``: days with the same
    hours are named together, spans cut at midnight."""
    from sim.units import weekdays_text

    per_day: dict[int, list[str]] = {}
    for a, b in spans:
        t = a
        while t < b:
            day = int(t // DAY)
            end = min(b, (day + 1) * DAY)
            per_day.setdefault(day, []).append(f"{_hhmm(t - day * DAY)}-{_hhmm(end - day * DAY)}")
            t = end
    groups: dict[tuple[str, ...], list[str]] = {}
    for day in sorted(per_day):
        groups.setdefault(tuple(per_day[day]), []).append(WEEKDAYS[day])
    return ", ".join(f"{weekdays_text(days)} {' & '.join(hours)}" for hours, days in groups.items())


def check_zone_coverage(sc: Scenario) -> None:
    """Raise ValueError naming each zone left without a picker while pickers work, and when."""
    gaps = uncovered_zone_spans(sc)
    if not gaps:
        return
    how = (
        "(add a picker shift with that zone, or more pickers on a zone = 0 shift, which "
        "spreads them over the zones in turn)"
    )
    if len(gaps) == 1:
        zone, spans = next(iter(gaps.items()))
        raise ValueError(
            f"staffing.shifts: expected a picker in zone {zone} whenever pickers work, "
            f"found none {describe_week_spans(spans)} {how}"
        )
    parts = "; ".join(f"zone {z} {describe_week_spans(s)}" for z, s in sorted(gaps.items()))
    raise ValueError(
        f"staffing.shifts: expected a picker in every zone whenever pickers work, found none "
        f"in {parts} {how}"
    )

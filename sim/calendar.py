"""Calendar facts: days, business days, shifts, carrier pickups, promises and deliveries.

The model asks the calendar "when is the next pickup for carrier X after t?"; it never
hard-codes a time of day. Day index 0 is the date of the scenario start; time t (minutes since
the start) falls on day ``floor((t + start_minute_of_day) / 1440)``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable

import numpy as np

from sim.config import CarrierConfig, Scenario, ServiceConfig, ShiftConfig
from sim.units import DAY, WEEKDAYS, hhmm_to_minutes

#: How far beyond the end of the run pickups and delivery days are laid out.
MARGIN_DAYS = 120


def merge_intervals(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sort and merge touching or overlapping intervals."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def subtract(
    intervals: list[tuple[float, float]], holes: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """Remove ``holes`` from sorted, disjoint ``intervals``."""
    out = []
    for a, b in intervals:
        pieces = [(a, b)]
        for ha, hb in holes:
            nxt = []
            for pa, pb in pieces:
                if hb <= pa or ha >= pb:
                    nxt.append((pa, pb))
                    continue
                if ha > pa:
                    nxt.append((pa, ha))
                if hb < pb:
                    nxt.append((hb, pb))
            pieces = nxt
        out.extend(pieces)
    return out


class Calendar:
    """Converts calendar facts of a scenario into simulation minutes."""

    def __init__(self, scenario: Scenario) -> None:
        sim = scenario.simulation
        self.start: dt.datetime = sim.start
        self.start_minute_of_day = sim.start.hour * 60 + sim.start.minute + sim.start.second / 60
        self.arrivals_end = sim.horizon_days * DAY
        self.end = (sim.horizon_days + sim.drain_days) * DAY
        self.n_days = int(math.ceil((self.end + self.start_minute_of_day) / DAY)) + MARGIN_DAYS
        self._start_date = sim.start.date()
        self._holidays = set(scenario.calendar.holidays)
        business = set(scenario.calendar.business_days)
        self.business = [
            self.weekday(d) in business and not self.is_holiday(d) for d in range(self.n_days)
        ]
        self._next_business = self._next_true(self.business)

    # --- days ----------------------------------------------------------------------------

    def date(self, day: int) -> dt.date:
        """The date of a day index."""
        return self._start_date + dt.timedelta(days=day)

    def weekday(self, day: int) -> str:
        """'mon'..'sun' of a day index."""
        return WEEKDAYS[self.date(day).weekday()]

    def day_multipliers(self, periods) -> np.ndarray | None:
        """Demand multiplier of every day index of the run from dated periods
        (``demand.calendar``: overlapping periods multiply), or None without periods."""
        if not periods:
            return None
        dates = [self.date(d) for d in range(self.n_days + 1)]
        mult = np.ones(len(dates))
        for p in periods:
            mult *= np.array([p.multiplier if p.start <= d <= p.end else 1.0 for d in dates])
        return mult

    def is_holiday(self, day: int) -> bool:
        """Whether a day index is a holiday."""
        return self.date(day) in self._holidays

    def day_of(self, t: float) -> int:
        """The day index on which time t falls."""
        return int((t + self.start_minute_of_day) // DAY)

    def minute_of_day(self, t: float) -> float:
        """Minutes after midnight of time t."""
        return (t + self.start_minute_of_day) % DAY

    def at(self, day: int, minute_of_day: float) -> float:
        """Simulation time of a day index and a minute of that day."""
        return day * DAY + minute_of_day - self.start_minute_of_day

    @staticmethod
    def _next_true(flags: list[bool]) -> list[int]:
        """For each day, the first day >= it whose flag is true (len(flags) if none)."""
        out = [len(flags)] * (len(flags) + 1)
        for d in range(len(flags) - 1, -1, -1):
            out[d] = d if flags[d] else out[d + 1]
        return out

    def add_business_days(self, day: int, n: int) -> int:
        """The business day n business days after ``day`` (``day`` itself moved forward first)."""
        d = self._next_business[min(day, self.n_days)]
        for _ in range(n):
            d = self._next_business[min(d + 1, self.n_days)]
        return d

    # --- promises ------------------------------------------------------------------------

    def promised_at(self, placed_at: float, service: ServiceConfig) -> float:
        """End of the promised delivery day (midnight after it) for an order placed at t."""
        day = self.day_of(placed_at)
        if self.minute_of_day(placed_at) > hhmm_to_minutes(service.cutoff):
            day += 1
        promised_day = self.add_business_days(day, service.promised_business_days)
        return self.at(promised_day + 1, 0.0)

    def promise_function(self, service: ServiceConfig):
        """A fast ``placed_at -> promised_at`` for one service (same rule as promised_at)."""
        cutoff = hhmm_to_minutes(service.cutoff)
        n = service.promised_business_days
        smod = self.start_minute_of_day
        cache: dict[int, float] = {}

        def promise(placed_at: float) -> float:
            clock = placed_at + smod
            day = int(clock // DAY)
            if clock - day * DAY > cutoff:
                day += 1
            hit = cache.get(day)
            if hit is None:
                hit = cache[day] = self.at(self.add_business_days(day, n) + 1, 0.0)
            return hit

        return promise

    # --- shifts --------------------------------------------------------------------------

    def _shift_starts(self, shift: ShiftConfig) -> list[tuple[int, float]]:
        """(day, start time) of every day the shift runs, from the day before the run, within
        its first and last dates."""
        start = hhmm_to_minutes(shift.start)
        days = set(shift.days)
        last_day = self.day_of(self.end) + 1
        return [
            (d, self.at(d, start))
            for d in range(-1, last_day + 1)
            if self.weekday(d) in days
            and not self.is_holiday(d)
            and (not shift.date_range or shift.date_range[0] <= self.date(d) <= shift.date_range[1])
        ]

    @staticmethod
    def _length(shift: ShiftConfig) -> float:
        return (hhmm_to_minutes(shift.end) - hhmm_to_minutes(shift.start)) % DAY or DAY

    def shift_spans(self, shift: ShiftConfig) -> list[tuple[float, float]]:
        """Start and end of every run of a shift (breaks included), clipped to the run."""
        length = self._length(shift)
        return [
            (max(a, 0.0), min(a + length, self.end))
            for _, a in self._shift_starts(shift)
            if a + length > 0 and a < self.end
        ]

    def shift_intervals(self, shift: ShiftConfig) -> list[tuple[float, float]]:
        """On-duty intervals of one worker of a shift, breaks removed, clipped to the run."""
        length = self._length(shift)
        on: list[tuple[float, float]] = []
        breaks: list[tuple[float, float]] = []
        for d, a in self._shift_starts(shift):
            on.append((a, a + length))
            for br in shift.breaks:
                b = self.at(d, hhmm_to_minutes(br.start))
                if b < a:
                    b += DAY
                breaks.append((b, b + br.minutes))
        merged = subtract(merge_intervals(on), merge_intervals(breaks))
        return [(max(a, 0.0), min(b, self.end)) for a, b in merged if b > 0 and a < self.end]

    # --- carriers ------------------------------------------------------------------------

    def pickup_times(self, carrier: CarrierConfig) -> list[float]:
        """All pickup times of a carrier from the start to well beyond the end, sorted."""
        out = []
        for d in range(self.n_days):
            if self.is_holiday(d):
                continue
            for hhmm in carrier.pickups.get(self.weekday(d), []):  # type: ignore[call-overload]
                t = self.at(d, hhmm_to_minutes(hhmm))
                if t >= 0:
                    out.append(t)
        return sorted(out)

    def delivery_day_index(self, carrier: CarrierConfig) -> list[int]:
        """For each day, the first carrier delivery day on or after it."""
        days = set(carrier.delivery_days)
        flags = [self.weekday(d) in days and not self.is_holiday(d) for d in range(self.n_days)]
        return self._next_true(flags)


class PickupSchedule:
    """Next-pickup and delivery-time queries for one carrier (no per-parcel process)."""

    __slots__ = ("times", "_cal", "_next_delivery", "_win_start", "_win_len", "staging",
                 "capacity", "loaded")  # fmt: skip

    def __init__(self, calendar: Calendar, carrier: CarrierConfig) -> None:
        self.times = calendar.pickup_times(carrier)
        self._cal = calendar
        self._next_delivery = calendar.delivery_day_index(carrier)
        self._win_start = hhmm_to_minutes(carrier.delivery_start)
        self._win_len = hhmm_to_minutes(carrier.delivery_end) - self._win_start
        self.staging = float(carrier.staging_min)
        self.capacity = carrier.n_trailer_parcels  # 0: no limit
        self.loaded: dict[int, int] = {}  # parcels on each pickup (index into times)

    def next_pickup(self, t: float) -> float:
        """The first pickup at or after t (inf if none is scheduled)."""
        i = bisect.bisect_left(self.times, t)
        return self.times[i] if i < len(self.times) else math.inf

    def load(self, t: float, n_parcels: int) -> float:
        """Put the n parcels of an order labelled at t on a pickup and return its time: the
        first at least ``staging_min`` after t with room for them on the trailer (an order's
        parcels travel together; an order bigger than the trailer takes an empty one)."""
        i = bisect.bisect_left(self.times, t + self.staging)
        cap, loaded = self.capacity, self.loaded
        if cap:
            while i < len(self.times):
                have = loaded.get(i, 0)
                if have + n_parcels <= cap or have == 0:
                    break
                i += 1
        if i >= len(self.times):
            return math.inf
        loaded[i] = loaded.get(i, 0) + n_parcels
        return self.times[i]

    def ship_by(self, placed_at: float, cutoff_minute: float) -> float:
        """The pickup an order should make: the first at or after its service's cut-off on
        the day it was placed, or on the next day when placed after the cut-off."""
        cal = self._cal
        day = cal.day_of(placed_at)
        if cal.minute_of_day(placed_at) > cutoff_minute:
            day += 1
        return self.next_pickup(cal.at(day, cutoff_minute))

    def delivered_at(self, shipped_at: float, transit_days: int, u: float) -> float:
        """Delivery time: ``transit_days`` delivery days after the pickup day, at a time of day
        spread uniformly (by ``u``) over the carrier's delivery window."""
        if math.isinf(shipped_at):
            return math.inf
        cal = self._cal
        nxt = self._next_delivery
        n = len(nxt) - 1
        day = cal.day_of(shipped_at)
        if transit_days > 0:
            for _ in range(transit_days):
                day = nxt[min(day + 1, n)]
        else:
            # same-day delivery: the rest of today's window, or the next delivery day's
            day = nxt[min(day, n)]
            if day < n and shipped_at >= cal.at(day, self._win_start + self._win_len):
                day = nxt[min(day + 1, n)]
            if day < n:
                start = max(cal.at(day, self._win_start), shipped_at)
                end = cal.at(day, self._win_start + self._win_len)
                return start + u * (end - start)
        if day >= n:
            return math.inf
        return cal.at(day, self._win_start + u * self._win_len)


def paid_hours_per_week(shift) -> float:
    """Paid hours of one worker of a shift in a nominal week: the shift's length minus the
    parts of its breaks inside it, times its number of weekdays (as the roster counts it)."""
    start = hhmm_to_minutes(shift.start)
    length = (hhmm_to_minutes(shift.end) - start) % DAY or DAY
    spans = []
    for br in shift.breaks:
        b = hhmm_to_minutes(br.start)
        if b < start:
            b += DAY
        a, e = max(b, start), min(b + br.minutes, start + length)
        if e > a:
            spans.append((a, e))
    unpaid, reach = 0.0, -1.0
    for a, e in sorted(spans):  # union of the breaks
        a = max(a, reach)
        if e > a:
            unpaid += e - a
            reach = e
    return (length - unpaid) / 60.0 * len(shift.days)

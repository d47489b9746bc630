"""Tests for sim.calendar: shifts, carrier pickups, deliveries and promises in simulation minutes.

Every expected time below is worked out by hand. Conventions used in the comments:
the default start 2026-03-02 00:00 is a Monday, so day index d is Mon, Tue, ... for d = 0, 1, ...
(d = 5 Sat, d = 6 Sun, d = 7 the next Monday); with a start at midnight, time-of-day m on day d
is ``1440 * d + m`` minutes; with a start at 08:30 it is ``1440 * d + m - 510``.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.calendar import Calendar, PickupSchedule
from sim.config import (
    BreakConfig,
    CalendarConfig,
    CarrierConfig,
    Scenario,
    ServiceConfig,
    ShiftConfig,
    SimulationConfig,
)

MONDAY = dt.datetime(2026, 3, 2, 0, 0)
MONDAY_0830 = dt.datetime(2026, 3, 2, 8, 30)
D = 1440  # minutes per day
WEEKDAYS_5 = ["mon", "tue", "wed", "thu", "fri"]
ALL_7 = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def hm(h: int, m: int = 0) -> int:
    return 60 * h + m


def make_cal(
    start: dt.datetime = MONDAY,
    horizon_days: float = 7.0,
    drain_days: float = 0.0,
    holidays: tuple[dt.date, ...] = (),
    business_days: list[str] | None = None,
) -> Calendar:
    cal_kw: dict = {"holidays": list(holidays)}
    if business_days is not None:
        cal_kw["business_days"] = business_days
    scenario = Scenario(
        simulation=SimulationConfig(start=start, horizon_days=horizon_days, drain_days=drain_days),
        calendar=CalendarConfig(**cal_kw),
    )
    return Calendar(scenario)


def test_default_start_is_a_monday_at_midnight() -> None:
    cal = make_cal()
    assert MONDAY.weekday() == 0
    assert cal.start_minute_of_day == 0
    assert [cal.weekday(d) for d in range(8)] == [*ALL_7, "mon"]
    assert cal.end == 7 * D


def test_start_at_0830_shifts_day_boundaries() -> None:
    cal = make_cal(start=MONDAY_0830)
    assert cal.start_minute_of_day == 510
    # t = 0 is Mon 08:30; Tue 00:00 is 1440 - 510 = 930 minutes later.
    assert cal.day_of(0) == 0
    assert cal.day_of(929.9) == 0
    assert cal.day_of(930) == 1
    assert cal.minute_of_day(0) == 510
    assert cal.minute_of_day(930) == 0
    assert cal.at(1, 0) == 930
    assert cal.at(0, hm(8, 30)) == 0


# --------------------------------------------------------------------------------------------
# shift_intervals
# --------------------------------------------------------------------------------------------


def test_day_shift_with_break_first_week() -> None:
    cal = make_cal()
    shift = ShiftConfig(
        role="pickers",
        days=WEEKDAYS_5,
        start="08:00",
        end="16:00",
        breaks=[BreakConfig(start="12:00", minutes=30)],
    )
    # Mon..Fri: 08:00-12:00 (480-720) and 12:30-16:00 (750-960); nothing on Sat/Sun.
    expected = []
    for d in range(5):
        expected += [(d * D + 480, d * D + 720), (d * D + 750, d * D + 960)]
    assert cal.shift_intervals(shift) == expected


def test_day_shift_without_break_weekend_only() -> None:
    cal = make_cal(horizon_days=14)
    shift = ShiftConfig(role="packers", days=["sat", "sun"], start="07:30", end="13:00")
    # Sat = day 5 and 12, Sun = day 6 and 13; 07:30 = 450, 13:00 = 780.
    expected = [(d * D + 450, d * D + 780) for d in (5, 6, 12, 13)]
    assert cal.shift_intervals(shift) == expected


def test_overnight_shift_spans_midnight() -> None:
    cal = make_cal(horizon_days=7)
    shift = ShiftConfig(role="pickers", days=["mon", "wed"], start="22:00", end="06:00")
    # Mon 22:00 (1320) to Tue 06:00 (1440 + 360 = 1800); Wed 22:00 (2*1440 + 1320 = 4200)
    # to Thu 06:00 (3*1440 + 360 = 4680).
    assert cal.shift_intervals(shift) == [(1320, 1800), (4200, 4680)]


def test_overnight_shift_break_after_midnight() -> None:
    cal = make_cal(horizon_days=2)
    shift = ShiftConfig(
        role="pickers",
        days=["mon"],
        start="22:00",
        end="06:00",
        breaks=[BreakConfig(start="02:00", minutes=20)],
    )
    # The 02:00 break belongs to the night that started Mon 22:00: Tue 02:00 = 1440 + 120.
    assert cal.shift_intervals(shift) == [(1320, 1560), (1580, 1800)]


def test_overnight_every_day_clipped_at_both_ends() -> None:
    cal = make_cal(horizon_days=2)  # end = 2880
    shift = ShiftConfig(role="pickers", days=ALL_7, start="22:00", end="06:00")
    # Sun (day -1) 22:00 = -120 .. 360 -> clipped to (0, 360); Mon 22:00 1320..1800;
    # Tue 22:00 = 2760 .. 3240 -> clipped to (2760, 2880).
    assert cal.shift_intervals(shift) == [(0, 360), (1320, 1800), (2760, 2880)]


def test_round_the_clock_shift_merges_into_one_interval() -> None:
    cal = make_cal(horizon_days=5, drain_days=2.5)
    shift = ShiftConfig(role="pickers", days=ALL_7, start="00:00", end="00:00")
    assert cal.shift_intervals(shift) == [(0, 7.5 * D)]


def test_round_the_clock_shift_with_holiday_has_a_one_day_gap() -> None:
    # 2026-03-04 is Wednesday = day 2.
    cal = make_cal(horizon_days=5, holidays=(dt.date(2026, 3, 4),))
    shift = ShiftConfig(role="pickers", days=ALL_7, start="00:00", end="00:00")
    assert cal.shift_intervals(shift) == [(0, 2 * D), (3 * D, 5 * D)]


def test_holiday_removes_a_day_shift() -> None:
    # 2026-03-03 is Tuesday = day 1.
    cal = make_cal(holidays=(dt.date(2026, 3, 3),))
    shift = ShiftConfig(role="packers", days=WEEKDAYS_5, start="08:00", end="16:00")
    assert cal.shift_intervals(shift) == [(d * D + 480, d * D + 960) for d in (0, 2, 3, 4)]


def test_shift_with_zero_days_is_empty() -> None:
    cal = make_cal()
    shift = ShiftConfig(role="packers", days=[], start="08:00", end="16:00")
    assert cal.shift_intervals(shift) == []


def test_shift_intervals_clipped_with_start_at_0830() -> None:
    cal = make_cal(start=MONDAY_0830, horizon_days=7)  # end = 10080 = Mon(day 7) 08:30
    shift = ShiftConfig(role="pickers", days=WEEKDAYS_5, start="08:00", end="16:00")
    # Day d: 1440 d + 480 - 510 .. 1440 d + 960 - 510 = 1440 d - 30 .. 1440 d + 450.
    expected = [(0, 450)]  # Mon day 0 clipped at t = 0
    expected += [(d * D - 30, d * D + 450) for d in range(1, 5)]
    expected += [(7 * D - 30, 7 * D)]  # next Monday: 10050 .. clipped at end 10080
    assert cal.shift_intervals(shift) == expected


def test_shift_intervals_include_drain_days() -> None:
    cal = make_cal(horizon_days=1, drain_days=1)  # end = 2880, covers Mon and Tue
    shift = ShiftConfig(role="packers", days=WEEKDAYS_5, start="08:00", end="16:00")
    assert cal.shift_intervals(shift) == [(480, 960), (D + 480, D + 960)]


# --------------------------------------------------------------------------------------------
# pickups and deliveries
# --------------------------------------------------------------------------------------------


def carrier(**kw) -> CarrierConfig:
    kw.setdefault("pickups", {d: ["16:30"] for d in WEEKDAYS_5})
    return CarrierConfig(name="c", **kw)


def test_pickup_times_weekdays() -> None:
    cal = make_cal()
    times = PickupSchedule(cal, carrier()).times
    # Mon..Fri 16:30 = 990, then the next Monday (day 7) and so on well beyond the end.
    assert times[:6] == [990, D + 990, 2 * D + 990, 3 * D + 990, 4 * D + 990, 7 * D + 990]
    assert times == sorted(times)
    assert times[-1] > cal.end + 30 * D  # laid out well beyond the end of the run
    assert all(cal.weekday(cal.day_of(t)) in WEEKDAYS_5 for t in times)


def test_pickup_times_several_per_day_and_holiday() -> None:
    # 2026-03-03 (Tue, day 1) is a holiday: no pickups that day.
    cal = make_cal(holidays=(dt.date(2026, 3, 3),))
    c = carrier(pickups={"mon": ["17:00", "11:00"], "tue": ["11:00"], "wed": ["09:15"]})
    times = cal.pickup_times(c)
    assert times[:4] == [660, 1020, 2 * D + 555, 7 * D + 660]


def test_pickup_times_start_at_0830() -> None:
    cal = make_cal(start=MONDAY_0830)
    c = carrier(pickups={"mon": ["08:00", "08:30", "16:30"]})
    # Mon 08:00 is before the start (-30): dropped; Mon 08:30 is t = 0: kept.
    assert cal.pickup_times(c)[:4] == [0, 480, 7 * D - 30, 7 * D]


def test_next_pickup_at_before_after() -> None:
    sched = PickupSchedule(make_cal(), carrier())
    mon = 990
    assert sched.next_pickup(0) == mon
    assert sched.next_pickup(mon - 0.001) == mon
    assert sched.next_pickup(mon) == mon  # a parcel ready at pickup time makes it
    assert sched.next_pickup(mon + 0.001) == D + 990  # Tuesday's


def test_next_pickup_friday_evening_is_monday() -> None:
    sched = PickupSchedule(make_cal(), carrier())
    fri_1800 = 4 * D + hm(18)
    assert sched.next_pickup(fri_1800) == 7 * D + 990
    sat_noon = 5 * D + hm(12)
    assert sched.next_pickup(sat_noon) == 7 * D + 990


def test_staging_time_makes_a_late_labelled_parcel_miss_its_pickup() -> None:
    sched = PickupSchedule(make_cal(), carrier(staging_min=15))
    mon = 990
    assert sched.load(mon - 15, 1) == mon  # labelled exactly the staging time before: makes it
    assert sched.load(mon - 14.9, 1) == D + 990  # later: Tuesday's pickup
    assert sched.load(mon - 1, 1) == D + 990  # one minute before: no longer makes it
    no_staging = PickupSchedule(make_cal(), carrier(staging_min=0))
    assert no_staging.load(mon - 1, 1) == mon


def test_trailer_capacity_moves_the_overflow_to_the_next_pickup() -> None:
    """Capacity 10 parcels: 7 orders of 2 parcels labelled on Monday morning fill Monday's
    trailer with 5 orders (10 parcels); the other 2 go on Tuesday's; an order bigger than a
    trailer takes an empty one; no parcel is lost or counted twice."""
    sched = PickupSchedule(make_cal(), carrier(staging_min=0, n_trailer_parcels=10))
    mon, tue, wed = 990, D + 990, 2 * D + 990
    got = [sched.load(hm(8) + i, 2) for i in range(7)]
    assert got == [mon] * 5 + [tue] * 2
    assert sched.load(hm(9), 1) == tue  # Monday's is full even for one parcel
    assert sched.load(hm(9), 12) == wed  # too big for any trailer: the first empty one
    assert sched.load(hm(9), 6) == D * 3 + 990  # Tuesday's holds 5, 6 more do not fit
    assert sched.load(hm(9), 5) == tue  # 5 more fill it exactly
    # every parcel on exactly one pickup, none over capacity but the oversized order
    assert sched.loaded == {0: 10, 1: 10, 2: 12, 3: 6}
    assert sum(sched.loaded.values()) == 7 * 2 + 1 + 12 + 6 + 5


def test_next_pickup_beyond_schedule_is_inf() -> None:
    sched = PickupSchedule(make_cal(), carrier())
    assert sched.next_pickup(sched.times[-1] + 1) == math.inf


def test_delivered_at_friday_plus_one_is_monday_with_weekday_delivery() -> None:
    sched = PickupSchedule(make_cal(), carrier(delivery_days=WEEKDAYS_5))
    fri_pickup = 4 * D + 990
    # Window 09:00-18:00: u = 0 -> 09:00, u = 1 -> 18:00, u = 0.5 -> 13:30.
    assert sched.delivered_at(fri_pickup, 1, 0.0) == 7 * D + hm(9)
    assert sched.delivered_at(fri_pickup, 1, 1.0) == 7 * D + hm(18)
    assert sched.delivered_at(fri_pickup, 1, 0.5) == 7 * D + hm(13, 30)
    # + 2 delivery days -> Tuesday.
    assert sched.delivered_at(fri_pickup, 2, 0.0) == 8 * D + hm(9)


def test_delivered_at_friday_plus_one_is_saturday_with_saturday_delivery() -> None:
    c = carrier(delivery_days=["mon", "tue", "wed", "thu", "fri", "sat"])
    sched = PickupSchedule(make_cal(), c)
    fri_pickup = 4 * D + 990
    assert sched.delivered_at(fri_pickup, 1, 0.0) == 5 * D + hm(9)
    assert sched.delivered_at(fri_pickup, 2, 0.0) == 7 * D + hm(9)  # Sat, then Mon


def test_delivered_at_midweek_and_custom_window() -> None:
    c = carrier(delivery_days=WEEKDAYS_5, delivery_start="08:00", delivery_end="20:00")
    sched = PickupSchedule(make_cal(), c)
    tue_pickup = D + 990
    # Tue + 3 delivery days = Fri (day 4); window 08:00 + 0.25 * 12 h = 11:00.
    assert sched.delivered_at(tue_pickup, 3, 0.25) == 4 * D + hm(11)


def test_delivered_at_skips_holiday() -> None:
    # 2026-03-09 (day 7, Monday) is a holiday: Fri + 1 delivery day -> Tue (day 8).
    cal = make_cal(holidays=(dt.date(2026, 3, 9),))
    sched = PickupSchedule(cal, carrier(delivery_days=WEEKDAYS_5))
    assert sched.delivered_at(4 * D + 990, 1, 0.0) == 8 * D + hm(9)


def test_delivered_at_same_day_in_window() -> None:
    sched = PickupSchedule(make_cal(), carrier(delivery_days=WEEKDAYS_5))
    mon_pickup = 990  # 16:30
    # 0 transit days: the same day, not before the pickup: u = 0 -> 09:00 < 16:30 -> 16:30;
    # u = 1 -> 18:00.
    assert sched.delivered_at(mon_pickup, 0, 0.0) == mon_pickup
    assert sched.delivered_at(mon_pickup, 0, 1.0) == hm(18)


def test_delivered_at_same_day_after_window_stays_in_window() -> None:
    sched = PickupSchedule(make_cal(), carrier(delivery_days=WEEKDAYS_5))
    mon_1900 = hm(19)
    t = sched.delivered_at(mon_1900, 0, 0.5)
    assert t >= mon_1900
    assert hm(9) <= (t % D) <= hm(18)


def test_delivered_at_always_in_window_and_after_pickup() -> None:
    cal = make_cal(horizon_days=14)
    sched = PickupSchedule(cal, carrier(delivery_days=["mon", "wed", "fri"]))
    for pickup in sched.times[:10]:
        for days in (1, 2, 3, 5):
            for u in (0.0, 0.3, 1.0):
                t = sched.delivered_at(pickup, days, u)
                assert t > pickup
                assert hm(9) <= cal.minute_of_day(t) <= hm(18)
                assert cal.weekday(cal.day_of(t)) in ("mon", "wed", "fri")
                # exactly `days` delivery days lie in (pickup day, delivery day]
                between = range(cal.day_of(pickup) + 1, cal.day_of(t) + 1)
                n = sum(cal.weekday(d) in ("mon", "wed", "fri") for d in between)
                assert n == days


def test_delivered_at_start_at_0830() -> None:
    cal = make_cal(start=MONDAY_0830)
    sched = PickupSchedule(cal, carrier(delivery_days=WEEKDAYS_5))
    fri_pickup = 4 * D + 990 - 510
    assert sched.times[4] == fri_pickup
    assert sched.delivered_at(fri_pickup, 1, 0.0) == 7 * D + hm(9) - 510


def test_delivered_at_inf_pickup_is_inf() -> None:
    sched = PickupSchedule(make_cal(), carrier())
    assert sched.delivered_at(math.inf, 1, 0.5) == math.inf


# --------------------------------------------------------------------------------------------
# promised_at: end (midnight after) of the promised business day
# --------------------------------------------------------------------------------------------


def svc(days: int, cutoff: str = "14:00") -> ServiceConfig:
    return ServiceConfig(name="s", promised_business_days=days, cutoff=cutoff)


@pytest.mark.parametrize(
    ("placed", "days", "expected"),
    [
        # Mon 10:00, before the cut-off: counts from Mon.
        (hm(10), 0, 1 * D),  # Mon -> midnight after Mon
        (hm(10), 1, 2 * D),  # Tue
        (hm(10), 5, 8 * D),  # Tue Wed Thu Fri Mon(day 7) -> midnight after = day 8
        # Exactly at the cut-off still counts as before it.
        (hm(14), 1, 2 * D),
        # Mon 15:00, after the cut-off: counts from Tue.
        (hm(15), 0, 2 * D),  # Tue
        (hm(15), 1, 3 * D),  # Wed
        (hm(15), 5, 9 * D),  # Wed Thu Fri Mon Tue(day 8)
        # Wed 10:00 + 5: Thu Fri Mon Tue Wed(day 9).
        (2 * D + hm(10), 5, 10 * D),
        # Fri 13:59 + 1 -> Mon (day 7).
        (4 * D + hm(13, 59), 1, 8 * D),
        # Fri 15:00 -> counts from Sat -> Mon; + 1 -> Tue (day 8).
        (4 * D + hm(15), 1, 9 * D),
        (4 * D + hm(15), 0, 8 * D),
        # Sat 10:00 -> counts from Mon; + 0 -> Mon, + 1 -> Tue.
        (5 * D + hm(10), 0, 8 * D),
        (5 * D + hm(10), 1, 9 * D),
        # Sun 23:00 (after cut-off) -> Mon; + 1 -> Tue.
        (6 * D + hm(23), 1, 9 * D),
    ],
)
def test_promised_at(placed: float, days: int, expected: float) -> None:
    assert make_cal(horizon_days=14).promised_at(placed, svc(days)) == expected


def test_promised_at_other_cutoff() -> None:
    cal = make_cal(horizon_days=14)
    assert cal.promised_at(hm(10), svc(1, cutoff="09:30")) == 3 * D  # after 09:30 -> Tue -> Wed
    assert cal.promised_at(hm(9), svc(1, cutoff="09:30")) == 2 * D


def test_promised_at_skips_holiday() -> None:
    # Holiday Mon 2026-03-09 (day 7). Wed 10:00 + 5: Thu Fri Tue(8) Wed(9) Thu(10) -> day 11.
    cal = make_cal(horizon_days=14, holidays=(dt.date(2026, 3, 9),))
    assert cal.promised_at(2 * D + hm(10), svc(5)) == 11 * D
    # Fri 15:00 + 0 -> Sat -> (Mon is a holiday) Tue -> midnight after = day 9.
    assert cal.promised_at(4 * D + hm(15), svc(0)) == 9 * D


def test_promised_at_with_saturday_business_day() -> None:
    cal = make_cal(horizon_days=14, business_days=["mon", "tue", "wed", "thu", "fri", "sat"])
    # Fri 15:00 -> Sat (a business day now); + 1 -> Mon (day 7).
    assert cal.promised_at(4 * D + hm(15), svc(1)) == 8 * D
    assert cal.promised_at(4 * D + hm(15), svc(0)) == 6 * D


def test_promised_at_start_at_0830() -> None:
    cal = make_cal(start=MONDAY_0830, horizon_days=14)
    # t = 0 is Mon 08:30 (before 14:00): + 1 -> Tue -> Wed 00:00 = 2*1440 - 510.
    assert cal.promised_at(0, svc(1)) == 2 * D - 510
    # t = 400 is Mon 15:10 (after 14:00): Tue + 1 -> Wed -> Thu 00:00 = 3*1440 - 510.
    assert cal.promised_at(400, svc(1)) == 3 * D - 510
    # t = 930 is Tue 00:00: + 5 -> Tue(day 8) -> 9*1440 - 510.
    assert cal.promised_at(930, svc(5)) == 9 * D - 510


@given(
    st.floats(0, 20 * 1440),
    st.sampled_from([0, 1, 2, 5]),
    st.sampled_from(["00:00", "14:00", "23:59"]),
)
def test_fast_promise_function_agrees_with_promised_at(t, days, cutoff):
    from sim.config import Scenario, ServiceConfig

    sc = Scenario(simulation={"start": "2026-03-06T08:30:00", "horizon_days": 30})
    cal = Calendar(sc)
    svc = ServiceConfig(promised_business_days=days, cutoff=cutoff)
    assert cal.promise_function(svc)(t) == cal.promised_at(t, svc)

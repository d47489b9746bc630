"""Workload against paid capacity: the arithmetic a planner can check by hand.

The *workload* of a role is the busy time its work needs: expected orders placed per weekday
and hour (``orders_per_day`` x the weekday's multiplier x the hour's share of that weekday's
orders, as the demand generator uses them) times the role's mean busy minutes per order. The
*capacity* is paid time: for every shift of the role, its headcount times the minutes of each
clock hour it is on duty, breaks excluded, on each of its weekdays (a shift past midnight
counts on the next weekday).

Work placed in an hour need not be done in that hour (orders wait for the next shift), so the
per-hour rows are for reading, and the feasibility rule is about a whole week: when the weekly
workload of a role exceeds its weekly paid hours, the backlog grows without bound, whatever
the SLAs of a short run say. :func:`daily_balance` shows per weekday the work arriving, the
paid hours and the backlog carried over in the weekly steady state of a fluid queue (work is
done as soon as paid time allows), so a planner sees on which days the work is caught up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def expected_orders(scenario: Any) -> np.ndarray:
    """Expected orders placed per weekday (Monday first) and hour of day, 7 x 24:
    ``orders_per_day`` x the weekday's multiplier x the hour's share of that weekday's orders
    (``hourly_weights_by_weekday`` or ``hourly_weights``, normalised)."""
    d = scenario.demand
    weights = np.array(
        [d.hourly_weights_by_weekday.get(day, d.hourly_weights) for day in WEEKDAYS], dtype=float
    )
    mult = np.array([d.weekday_multipliers.get(day, 1.0) for day in WEEKDAYS])
    return d.orders_per_day * mult[:, None] * weights / weights.sum(axis=1, keepdims=True)


def paid_hours(shifts: Sequence[Any], role: str) -> np.ndarray:
    """Paid person-hours of ``role`` per weekday and hour of day, 7 x 24: headcount x the
    minutes of the hour on duty outside breaks / 60, summed over the role's shifts."""
    out = np.zeros(7 * 24 * 60)  # one cell per minute of the week
    for s in shifts:
        if s.role != role or s.headcount == 0:
            continue
        start = _minutes(s.start)
        length = (_minutes(s.end) - start) % 1440 or 1440
        on = np.zeros(2 * 1440)
        on[start : start + length] = 1.0
        for br in s.breaks:
            b = _minutes(br.start)
            if b < start:
                b += 1440
            on[b : min(b + round(br.minutes), start + length)] = 0.0
        for day in s.days:
            first = WEEKDAYS.index(day) * 1440
            idx = (first + np.arange(2 * 1440)) % (7 * 1440)
            out[idx] += s.headcount * on
    return out.reshape(7, 24, 60).sum(axis=2) / 60.0


def workload_table(
    scenario: Any, minutes_per_order: Mapping[str, float], shifts: Sequence[Any] | None = None
) -> pl.DataFrame:
    """Per role, weekday and hour: expected orders placed, busy hours they need
    (``orders x minutes_per_order[role] / 60``) and paid hours of the role's shifts
    (``shifts``, default the scenario's). Roles are the keys of ``minutes_per_order``."""
    orders = expected_orders(scenario)
    shifts = scenario.staffing.shifts if shifts is None else shifts
    frames = []
    for role, minutes in minutes_per_order.items():
        frames.append(
            pl.DataFrame(
                {
                    "role": [role] * 168,
                    "weekday": [d for d in WEEKDAYS for _ in range(24)],
                    "hour": list(range(24)) * 7,
                    "orders": orders.ravel(),
                    "busy_h": orders.ravel() * float(minutes) / 60.0,
                    "paid_h": paid_hours(shifts, role).ravel(),
                }
            )
        )
    return pl.concat(frames) if frames else pl.DataFrame()


def daily_balance(table: pl.DataFrame) -> pl.DataFrame:
    """Per role and weekday: busy hours needed, paid hours, and the work (hours) still
    waiting at the end of the day in the weekly steady state of a fluid queue that works
    whenever it is paid (``inf`` for every day when the week's work exceeds its paid hours)."""
    rows = []
    for role in table["role"].unique(maintain_order=True):
        t = table.filter(pl.col("role") == role)
        busy, paid = t["busy_h"].to_numpy(), t["paid_h"].to_numpy()
        carry = _steady_backlog(busy, paid)
        for i, day in enumerate(WEEKDAYS):
            rows.append(
                {
                    "role": role,
                    "weekday": day,
                    "busy_h": float(busy[i * 24 : (i + 1) * 24].sum()),
                    "paid_h": float(paid[i * 24 : (i + 1) * 24].sum()),
                    "backlog_h_end_of_day": float(carry[(i + 1) * 24 - 1]),
                }
            )
    return pl.DataFrame(rows)


def _steady_backlog(busy: np.ndarray, paid: np.ndarray) -> np.ndarray:
    """Hour-end backlog of work of a fluid queue in its weekly steady state (the week
    repeated until the backlog at its end repeats); all ``inf`` when work exceeds capacity."""
    if busy.sum() > paid.sum() + 1e-9:
        return np.full(busy.shape, np.inf)
    level, out = 0.0, np.zeros(busy.shape)
    for _ in range(3):  # from empty, the second week already repeats; a third to be sure
        for h in range(busy.size):
            level = max(0.0, level + busy[h] - paid[h])
            out[h] = level
    return out


def capacity_shortfalls(table: pl.DataFrame) -> list[str]:
    """One line per role whose weekly busy hours exceed its weekly paid hours."""
    out = []
    weekly = table.group_by("role", maintain_order=True).agg(pl.sum("busy_h"), pl.sum("paid_h"))
    for role, busy, paid in weekly.iter_rows():
        if busy > paid + 1e-9:
            out.append(f"{role}: {busy:,.1f} busy hours needed a week > {paid:,.1f} paid")
    return out


def minutes_per_order(kpis: Sequence[Mapping[str, float]], roles: Sequence[str]) -> dict:
    """Mean busy minutes per order of each role over runs: the mean of their
    ``busy_min_per_order_<role>`` KPIs (NaN values skipped; roles without one left out)."""
    out = {}
    for role in roles:
        values = [k.get(f"busy_min_per_order_{role}", np.nan) for k in kpis]
        values = [v for v in values if v is not None and np.isfinite(v)]
        if values:
            out[role] = float(np.mean(values))
    return out

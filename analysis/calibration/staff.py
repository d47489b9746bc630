"""Staffing fitted to a history's volume: a workload rule per shift (``omsim calibrate``).

The base scenario's shifts (days, times, breaks) are kept; only the headcounts of the roles
whose work grows with the order volume are refitted: ``pickers`` and ``packers`` always, and
``consolidators`` when the picking method is ``wave``. Other roles (order entry, payment
review, returns, support) keep the base headcounts, since their work does not come from the
warehouse flow fitted here.

The rule, per role:

1. *Work per order* (hours), from the base scenario's mean service times and the fitted mean
   lines ``L`` and units ``U`` per order:
   - pickers: ``tour_setup_s + L * time_per_line_s + U * time_per_unit_s + travel /
     walking_speed`` with ``travel`` the mean single-order tour (metres) of the base routing
     over ``L`` uniformly random slots among the catalogue's (an upper bound for batch,
     zone and wave picking, which share tours, and for popularity slotting);
   - packers: ``base_time_s + U * (time_per_unit_s + verification time per unit) + the
     material's time`` (one parcel);
   - consolidators: ``consolidation_time_per_order_s + U * consolidation_time_per_unit_s``.
2. *Expected arrivals* per occurrence of each weekday and hour (the fitted profile: orders in
   that weekday-hour / occurrences of the weekday in the window), times work per order, is
   the work arriving in that hour of the week.
3. *Work of a shift*: each hour's work goes to the role's shifts on duty in that hour, in
   proportion to their minutes on duty in it; work of an hour with nobody on duty goes to
   the next hour of the week with someone on duty (it waits for the next shift).
4. *Headcount* = ``ceil(work of the shift on its busiest weekday / (productive hours per
   head x target utilisation))``, productive hours = the shift's length minus its breaks;
   at least 1 on a shift that receives any work; a role left with no head at all gets 1 on
   its longest shift (the scenario needs someone). For zone and wave picking a picker
   shift spread over the zones (``zone = 0``) with any head gets at least ``n_zones``
   (the loader's zone-coverage check).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.calendar import paid_hours_per_week
from sim.routing import layout_of, tour_distance
from sim.units import DAY, WEEKDAYS, hhmm_to_minutes

#: Target utilisation of the productive hours.
TARGET_UTILISATION = 0.8
#: Tours sampled for the mean travel distance (fixed seed: calibration is deterministic).
TRAVEL_SAMPLES = 400
TRAVEL_SEED = 19
HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class ShiftWork:
    """The workload-rule derivation of one shift's headcount."""

    index: int
    role: str
    label: str
    work_hours: float
    productive_hours: float
    headcount: int
    base_headcount: int
    floor: str = ""

    def comment(self, target: float) -> str:
        """One line saying how the headcount was derived."""
        need = self.work_hours / (self.productive_hours * target) if self.productive_hours else 0
        text = (
            f"{self.role} {self.label}: {self.headcount} (base {self.base_headcount}) = "
            f"ceil({self.work_hours:.2f} h work on its busiest day / ({self.productive_hours:.2f}"
            f" h x {target:g}) = {need:.2f})"
        )
        return text + (f", raised: {self.floor}" if self.floor else "")


def work_per_order_hours(scenario: Any, lines: float, units: float, n_skus: int) -> dict:
    """Mean hours of work per order for each sized role (see the module doc, step 1)."""
    pk = scenario.picking
    pa = scenario.packing
    travel = mean_tour_m(scenario, lines, n_skus)
    pick_s = (
        pk.tour_setup_s
        + lines * pk.time_per_line_s
        + units * pk.time_per_unit_s
        + travel / pk.walking_speed_m_per_s
    )
    verify = {"barcode": pa.barcode_time_per_unit_s, "visual": pa.visual_time_per_unit_s}
    material = {m.name: m.time_s for m in pa.materials}[pa.material]
    pack_s = (
        pa.base_time_s + units * (pa.time_per_unit_s + verify.get(pa.verification, 0.0)) + material
    )
    out = {"pickers": pick_s / 3600.0, "packers": pack_s / 3600.0}
    if pk.method == "wave":
        wv = pk.wave
        out["consolidators"] = (
            wv.consolidation_time_per_order_s + units * wv.consolidation_time_per_unit_s
        ) / 3600.0
    return out


def mean_tour_m(scenario: Any, lines: float, n_skus: int) -> float:
    """Mean metres of a single-order tour over round(lines) >= 1 uniformly random slots
    among the first ``n_skus`` slots, with the base routing (fixed seed)."""
    layout = layout_of(scenario)
    slots = 2 * layout.n_aisles * layout.slots_per_side
    used = max(1, min(n_skus, slots))
    k = max(1, round(lines))
    rng = np.random.default_rng(TRAVEL_SEED)
    total = 0.0
    for _ in range(TRAVEL_SAMPLES):
        picks = rng.integers(0, used, size=k)
        total += tour_distance(layout, picks.tolist(), scenario.picking.routing)
    return total / TRAVEL_SAMPLES


def on_duty_minutes(shift: Any) -> np.ndarray:
    """Minutes on duty (breaks included) in each of the 168 hours of the week (Monday 0h = 0)."""
    start = hhmm_to_minutes(shift.start)
    length = (hhmm_to_minutes(shift.end) - start) % DAY or DAY
    minutes = np.zeros(HOURS_PER_WEEK * 60, dtype=bool)
    week = HOURS_PER_WEEK * 60
    for d in shift.days:
        a = int(WEEKDAYS.index(d) * DAY + start)
        idx = np.arange(a, a + int(length)) % week
        minutes[idx] = True
    return minutes.reshape(HOURS_PER_WEEK, 60).sum(axis=1).astype(float)


def shift_work_hours(
    hourly_work: np.ndarray, duty: np.ndarray, starts: list[float] | None = None
) -> np.ndarray:
    """Work (hours) each shift receives on each weekday (shifts x 7), by step 3 of the rule.

    ``hourly_work`` is the work arriving in each of the 168 hours of the week; ``duty`` the
    minutes on duty of each shift in each hour (shifts x 168); ``starts`` the shifts' start
    times (minutes after midnight, default 0). Work done in an hour counts on the weekday the
    shift's occurrence started (a night shift's work after midnight counts on its start day).
    """
    starts = starts if starts is not None else [0.0] * duty.shape[0]
    rows = np.arange(duty.shape[0])
    out = np.zeros((duty.shape[0], 7))
    covered = duty.sum(axis=0)
    if not covered.any():
        return out
    carried = 0.0
    # start just after an uncovered hour so carried work wraps round the week correctly
    first = int(np.argmax(covered == 0)) if (covered == 0).any() else 0
    for step in range(2 * HOURS_PER_WEEK):
        h = (first + step) % HOURS_PER_WEEK
        if step < HOURS_PER_WEEK:
            carried += hourly_work[h]
        if covered[h] > 0 and carried > 0:
            day = [int(((h * 60 + 59 - a) % (HOURS_PER_WEEK * 60)) // DAY) for a in starts]
            out[rows, day] += carried * duty[:, h] / covered[h]
            carried = 0.0
        if step >= HOURS_PER_WEEK and carried == 0:
            break
    return out


def productive_hours(shift: Any) -> float:
    """Hours a head works in one occurrence of the shift: length minus breaks."""
    return paid_hours_per_week(shift) / max(1, len(shift.days))


def fit_headcounts(
    scenario: Any,
    arrivals: np.ndarray,
    per_order: dict[str, float],
    target: float = TARGET_UTILISATION,
) -> list[ShiftWork]:
    """Headcount of every shift of the sized roles by the workload rule (module doc).

    ``arrivals`` are the expected orders per occurrence of each weekday (rows mon..sun) and
    hour (7 x 24); ``per_order`` the hours of work per order of each sized role.
    """
    hourly_orders = np.asarray(arrivals, dtype=float).reshape(HOURS_PER_WEEK)
    shifts = scenario.staffing.shifts
    labels = _labels(shifts)
    zoned = scenario.picking.method in ("zone", "wave")
    n_zones = scenario.picking.zone.n_zones
    out: list[ShiftWork] = []
    for role, hours in per_order.items():
        idx = [i for i, s in enumerate(shifts) if s.role == role]
        if not idx:
            continue
        duty = np.array([on_duty_minutes(shifts[i]) for i in idx])
        starts = [hhmm_to_minutes(shifts[i].start) for i in idx]
        work = shift_work_hours(hourly_orders * hours, duty, starts).max(axis=1)
        rows = []
        for j, i in enumerate(idx):
            s = shifts[i]
            prod = productive_hours(s)
            need = work[j] / (prod * target) if prod > 0 else 0.0
            head = math.ceil(need - 1e-9) if work[j] > 0 else 0
            floor = ""
            if zoned and role == "pickers" and s.zone == 0 and 0 < head < n_zones:
                head, floor = n_zones, f"zone picking needs one picker in each of {n_zones} zones"
            rows.append([i, head, floor, work[j], prod])
        if not any(r[1] for r in rows):  # the scenario needs someone in the role
            longest = max(rows, key=lambda r: r[4])
            longest[1] = n_zones if zoned and role == "pickers" else 1
            longest[2] = "no work fell on any shift; the role needs at least one head"
        for i, head, floor, w, prod in rows:
            out.append(
                ShiftWork(i, role, labels[i], float(w), prod, head, shifts[i].headcount, floor)
            )
    return out


def _labels(shifts: Any) -> list[str]:
    """A short label per shift: days and times."""
    out = []
    for s in shifts:
        days = "-".join((s.days[0], s.days[-1])) if len(s.days) > 1 else s.days[0]
        zone = f" zone {s.zone}" if getattr(s, "zone", 0) else ""
        out.append(f"{days} {s.start}-{s.end}{zone}")
    return out


def fit_staffing(
    out: Any,
    scenario: Any,
    raw_shifts: list[dict],
    profile: np.ndarray,
    occurrences: np.ndarray,
    lines: float,
    units: float,
    n_skus: int,
    summary: dict[str, Any],
) -> list[ShiftWork]:
    """Write ``staffing.shifts`` with the workload-rule headcounts and how each was derived.

    ``profile`` holds the orders of the history per weekday (rows mon..sun) and hour;
    ``occurrences`` how often each weekday occurs in the window; ``raw_shifts`` the base's
    shifts as written (their other keys are kept).
    """
    occ = np.asarray(occurrences, dtype=float)
    arrivals = np.divide(profile, occ[:, None], out=np.zeros_like(profile), where=occ[:, None] > 0)
    per_order = work_per_order_hours(scenario, lines, units, n_skus)
    rows = fit_headcounts(scenario, arrivals, per_order)
    shifts = [dict(s) for s in raw_shifts]
    for r in rows:
        shifts[r.index]["headcount"] = r.headcount
    per = ", ".join(f"{role} {h * 3600:.0f} s" for role, h in per_order.items())
    text = (
        "fitted by the workload rule (analysis/calibration/staff.py): headcount = ceil(expected "
        "work of the shift on its busiest weekday / (productive hours x "
        f"{TARGET_UTILISATION:g})); work = expected orders per weekday-hour (fitted profile) x "
        f"work per order ({per}; {lines:.3g} lines, {units:.3g} units per order, the base's "
        "mean service times), shared by the shifts on duty, work of uncovered hours waits for "
        "the next shift; other roles keep the base headcounts.\n"
        + "\n".join(r.comment(TARGET_UTILISATION) for r in rows)
    )
    out.set("staffing.shifts", shifts, text)
    summary["staffing"] = {r.label + f" {r.role}": r.headcount for r in rows}
    summary["work_per_order_s"] = {k: v * 3600 for k, v in per_order.items()}
    return rows

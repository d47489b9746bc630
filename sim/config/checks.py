"""Cross-section feasibility checks of a scenario's picking set-up (rejected at load)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.units import DAY, WEEKDAYS, hhmm_to_minutes

if TYPE_CHECKING:
    from sim.config.root import Scenario


def check_picking(sc: Scenario) -> None:
    """Raise ValueError (naming the key) for a picking set-up that cannot work."""
    pk = sc.picking
    # a line bigger than a cart (batch) or tour (wave) is picked on a tour of its own (a
    # pallet move), as real histories have them: not rejected
    if pk.method in ("zone", "wave"):
        n_aisles = sc.warehouse.n_aisles
        if pk.zone.n_zones > n_aisles:
            raise ValueError(
                f"picking.zone.n_zones: expected at most the {n_aisles} aisles, "
                f"found {pk.zone.n_zones}"
            )
        for i, shift in enumerate(sc.staffing.shifts):
            if shift.zone > pk.zone.n_zones:
                raise ValueError(
                    f"staffing.shifts.{i}.zone: expected 1..{pk.zone.n_zones}, found {shift.zone}"
                )
        from sim.config.zone_checks import check_zone_coverage

        check_zone_coverage(sc)
    if pk.method == "batch" and pk.batch.sorting == "pick_then_sort":
        need_role(sc, "sorters", "picking.batch.sorting = pick_then_sort")
    if pk.method == "wave":
        need_role(sc, "consolidators", "picking.method = wave")
        if pk.wave.release == "clock":
            _check_wave_times(sc)


def need_role(sc: Scenario, role: str, why: str) -> None:
    """Raise ValueError unless some shift staffs ``role`` (``why`` says what needs it)."""
    if not any(s.role == role and s.headcount > 0 and s.days for s in sc.staffing.shifts):
        raise ValueError(
            f"staffing.shifts: expected at least one {role} shift with headcount > 0 "
            f"({why}), found none"
        )


def _check_wave_times(sc: Scenario) -> None:
    pickers = [s for s in sc.staffing.shifts if s.role == "pickers" and s.headcount > 0]
    if not sc.picking.wave.clock_times:
        raise ValueError("picking.wave.clock_times: expected at least one time, found none")
    for t in sc.picking.wave.clock_times:
        minute = hhmm_to_minutes(t)
        if not any(s.on_duty(WEEKDAYS.index(d) * DAY + minute) for s in pickers for d in WEEKDAYS):
            raise ValueError(
                f"picking.wave.clock_times: expected times inside a pickers' shift, "
                f"found {t} outside every shift"
            )

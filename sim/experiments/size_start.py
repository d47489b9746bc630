"""Where the staffing search starts: the workload and Erlang C per role.

Before the search simulates anything but the scenario's own staffing (whose runs give the busy
minutes per order of each role), :func:`erlang_c_start` proposes a staffing near the answer,
so the search (:func:`sim.experiments.sizing.search_cheapest` with ``near=True``) needs few
simulations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.experiments.sizing_variables import Point, Variable

#: Erlang C target of the start point: probability that an order waits for a free worker.
START_WAIT_PROB = 0.8
#: Hours on duty over which the work placed while nobody is on duty is spread.
CARRY_HOURS = 30
#: Weekly utilisation the start point does not exceed.
START_MAX_UTILISATION = 0.9


def erlang_c_start(
    scenario, variables: Sequence[Variable], minutes_per_order: dict[str, float], top: int
) -> Point:
    """A staffing near the answer, before any search, per role and hour of the week.

    The busy hours the orders placed in each hour need (expected orders x busy minutes per
    order, :func:`analysis.stats.workload.workload_table`) are an offered load ``a``, work placed
    while nobody is on duty spread over the next :data:`CARRY_HOURS` hours on duty (the
    backlog of the night or the weekend must be cleared before the day's pickups); Erlang C gives
    the fewest workers ``c`` with P(wait) <= :data:`START_WAIT_PROB` at that load. Starting
    from no one on the sized shifts (the role's other shifts keep their heads), the hour with
    the largest shortfall of workers on duty (outside breaks) against ``c`` gets one more
    worker on the sized shift covering it that removes the most shortfall per unit of wage,
    until every hour some sized shift covers is covered. Work placed while nobody is on duty
    waits for the next shift, so the role's weekly paid hours are then raised (every sized
    shift scaled, rounded up) to keep its weekly utilisation at most
    :data:`START_MAX_UTILISATION`. Headcounts are capped at ``top``; a role without a measured
    service time keeps its headcounts."""
    from analysis.stats.erlang import servers_needed
    from analysis.stats.workload import paid_hours, workload_table

    point = [min(v.current, top) for v in variables]
    shifts = scenario.staffing.shifts
    for role, minutes in minutes_per_order.items():
        mine = [i for i, v in enumerate(variables) if v.role == role]
        if not mine or minutes <= 0:
            continue
        sized = {variables[i].index for i in mine}
        busy = workload_table(scenario, {role: minutes})["busy_h"].to_numpy()
        others = [s for j, s in enumerate(shifts) if s.role == role and j not in sized]
        fixed = paid_hours(others, role).ravel()
        cover = {
            i: paid_hours(
                [shifts[variables[i].index].model_copy(update={"headcount": 1})], role
            ).ravel()
            for i in mine
        }
        on = {i: c >= 0.75 for i, c in cover.items()}  # on duty most of the hour
        reachable = np.logical_or.reduce(list(on.values()))
        load = _carried(busy, reachable | (fixed > 0))
        need = np.array([servers_needed(a, START_WAIT_PROB) if a > 0 else 0 for a in load])
        need = np.where(reachable, need, 0)
        x = dict.fromkeys(mine, 0)
        while True:
            have = np.floor(fixed + 1e-9) + sum(x[i] * on[i] for i in mine)
            short = need - have
            h = int(np.argmax(short))
            if short[h] <= 0:
                break
            options = [i for i in mine if on[i][h] and x[i] < top]
            if not options:
                need[h] = have[h]
                continue
            gain = {i: float(np.clip(short, 0, None)[on[i]].sum()) for i in options}
            best = max(options, key=lambda i: (gain[i] / max(variables[i].weekly_cost, 1e-9), -i))
            x[best] += 1
        paid = float(fixed.sum()) + sum(x[i] * float(cover[i].sum()) for i in mine)
        want = float(busy.sum()) / START_MAX_UTILISATION
        sized_h = sum(x[i] * float(cover[i].sum()) for i in mine)
        if paid < want and sized_h > 0:
            scale = (want - float(fixed.sum())) / sized_h
            x = {i: math.ceil(x[i] * scale - 1e-9) for i in mine}
        for i in mine:
            point[i] = min(top, x[i])
    return tuple(point)


def _carried(busy: np.ndarray, on_duty: np.ndarray) -> np.ndarray:
    """Hourly load with the work placed in off-duty hours moved, in equal parts, onto the
    next :data:`CARRY_HOURS` on-duty hours (the week wraps around)."""
    load = np.where(on_duty, busy, 0.0)
    duty = np.flatnonzero(on_duty)
    if duty.size == 0:
        return load
    for h in np.flatnonzero(~on_duty & (busy > 0)):
        nxt = np.searchsorted(duty, h)
        targets = duty[(nxt + np.arange(CARRY_HOURS)) % duty.size]
        load[targets] += busy[h] / CARRY_HOURS
    return load

"""Where the staffing search starts: the workload and Erlang C per role.

Before the search simulates anything but the scenario's own staffing (whose runs give the busy
minutes per order of each role), :func:`erlang_c_start` proposes a staffing near the answer,
so the search (:func:`sim.sizing.search_cheapest` with ``near=True``) needs few simulations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.sizing import Point, Variable, paid_hours_per_week

#: Erlang C target of the start point: probability that an order waits for a free worker.
START_WAIT_PROB = 0.5


def erlang_c_start(
    scenario, variables: Sequence[Variable], minutes_per_order: dict[str, float], top: int
) -> Point:
    """A staffing near the answer, before any search: per role, the week's workload
    (expected orders x busy minutes per order, :func:`analysis.workload.workload_table`)
    spread over the hours the role is on duty gives a mean load ``a`` (busy workers); Erlang C
    gives the fewest workers ``c`` with P(wait) <= :data:`START_WAIT_PROB` at that load; the
    role's sized shifts are scaled together (rounded up, capped at ``top``) so that the role
    pays ``c`` workers over those hours. A role without a measured service time, or whose
    sized shifts are all at 0, keeps its headcounts."""
    from analysis.erlang import servers_needed
    from analysis.workload import workload_table

    point = [min(v.current, top) for v in variables]
    shifts = scenario.staffing.shifts
    for role, minutes in minutes_per_order.items():
        mine = [i for i, v in enumerate(variables) if v.role == role]
        if not any(variables[i].current for i in mine) or minutes <= 0:
            continue
        table = workload_table(scenario, {role: minutes})
        busy, paid = float(table["busy_h"].sum()), table["paid_h"].to_numpy()
        open_h = float((paid > 0).sum())
        if open_h == 0:
            continue
        c = servers_needed(busy / open_h, START_WAIT_PROB)
        sized_h = sum(
            paid_hours_per_week(shifts[variables[i].index]) * variables[i].current for i in mine
        )
        fixed = float(paid.sum()) - sized_h  # the role's shifts that are not sized
        scale = max(0.0, c * open_h - fixed) / sized_h
        for i in mine:
            point[i] = min(top, math.ceil(variables[i].current * scale - 1e-9))
    return tuple(point)

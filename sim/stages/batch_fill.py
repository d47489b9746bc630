"""When a batch picker may leave with a part-filled cart (``sim.stages.batch``).

A cart goes when it is full (``n_totes_per_cart`` orders, or its units cap), when it holds at
least the minimum fill (``n_min_fill_orders``; a whole cart under ``time_window``), or when
the oldest waiting order has waited the window (``max_wait_min``; ``time_window_min`` under
``time_window``). One timer event (not one process per order) wakes the pickers at that
deadline. The rule also counts the orders and units waiting per priority class.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections import deque

    import simpy

    from sim.demand import Order

#: Tolerance on the deadline (a timer's clock may differ in the last bit).
EPS = 1e-9


class FillRule:
    """The minimum fill and the maximum wait of a cart, and the waiting orders per class."""

    def __init__(
        self,
        env: simpy.Environment,
        n_classes: int,
        min_fill: int,
        window: float,
        wake: Callable[[], None],
    ) -> None:
        self.env = env
        self.min_fill = min_fill
        self.window = window
        self.wake = wake
        self.n_queued = [0] * n_classes  # orders waiting for a batch per class
        self.units_queued = [0] * n_classes  # and their units
        self._timer_at = math.inf

    def add(self, cls: int, units: int) -> None:
        """An order of class ``cls`` with ``units`` units joins the wait."""
        self.n_queued[cls] += 1
        self.units_queued[cls] += units

    def remove(self, cls: int, units: int) -> None:
        """An order of class ``cls`` left the wait on a cart."""
        self.n_queued[cls] -= 1
        self.units_queued[cls] -= units

    def may_leave(self, n_orders: int, full: bool, queues: Sequence[deque[Order]]) -> bool:
        """Whether a cart of ``n_orders`` (``full``: no more fit) may leave now, given the
        waiting ``queues`` (their heads are the oldest orders)."""
        return full or n_orders >= self.min_fill or self.due(queues)

    def due(self, queues: Sequence[deque[Order]]) -> bool:
        """Whether the oldest waiting order has waited the window; if not, set a timer for
        when it will have. Under seed_nearest a due standard order also releases a waiting
        express order's part-filled cart first (a standard order never rides ahead of an
        express one)."""
        oldest = min(q[0].t_ready for q in queues if q)
        now = self.env.now
        deadline = oldest + self.window
        if now >= deadline - EPS:
            return True
        if deadline < self._timer_at:
            self._timer_at = deadline
            ev = self.env.timeout(deadline - now)
            ev.callbacks.append(lambda _ev, d=deadline: self._ring(d))
        return False

    def _ring(self, deadline: float) -> None:
        if self._timer_at == deadline:
            self._timer_at = math.inf
        self.wake()

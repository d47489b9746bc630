"""What the stages of a run may use of it: the narrow interface :class:`sim.model.Model`
provides. Stages, customers and stock are typed against :class:`RunContext`, never against the
model itself, so they do not depend on the module that wires them (``sim.model``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import simpy

    from sim.calendar import Calendar
    from sim.config import Scenario
    from sim.demand import Catalog, Order
    from sim.eventlog import Table
    from sim.routing import Layout


class RunContext(Protocol):
    """One replication as its stages see it: clock, scenario, calendar, warehouse, the event
    log's writers, the roster, and the neighbouring stages an order is handed to."""

    env: simpy.Environment
    scenario: Scenario
    cal: Calendar
    layout: Layout
    catalog: Catalog
    seed: int
    replication: int
    live: dict[int, Order]
    events_t: Table
    #: the stages an order passes to (``Any``: each stage's own class, wired by the model)
    picking: Any
    packing: Any
    shipping: Any
    reviews: Any
    stock: Any
    population: Any

    def resource_code(self, name: str) -> int:
        """Enum code of a resource name in the log."""
        ...

    def periods(self, role: str) -> list[list[tuple[float, float]]]:
        """On-duty periods of every worker of a role (writes the role's roster once)."""
        ...

    def learning_service(self, role: str, service: Callable[[Any, int], float]) -> Any:
        """``service`` slowed for temporary workers still learning."""
        ...

    def add_roster(self, role: str, workers: list[list[tuple[float, float]]], wage: float) -> None:
        """Record on-duty intervals of a role's workers."""
        ...

    def log_step(
        self, order_id, step, attempt, res, worker, batch, n_lines, t_ready, t0, t1, outcome
    ) -> None:
        """Append one steps row."""
        ...

    def unfinished_step(
        self, o: Order, step: int, res: int, n_lines: int, worker: int | None, t0: float | None
    ) -> None:
        """Record an order's step still in hand or waiting at the end."""
        ...

    def unfinished_order(self, step: int, res: int) -> Callable[..., None]:
        """The recorder of unfinished whole-order jobs of a station."""
        ...

    def log_event(self, order_id: int, event: int, t: float) -> None:
        """Append one events row."""
        ...

    def log_events(self, order_id: int, events: Sequence[int], t: float) -> None:
        """Append one events row per event, all at time t."""
        ...

    def retire(self, o: Order) -> None:
        """The order leaves the model."""
        ...

    def release(self, o: Order) -> None:
        """Send a released order to picking."""
        ...

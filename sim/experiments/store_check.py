"""A whole run store checked before a report is made of it.

:meth:`sim.experiments.store.RunStore.open` checks the manifest; :func:`check_store` also
checks each stored scenario (JSON that validates as a scenario) and each run's KPI table, so
a damaged file is named in one line (:class:`~sim.experiments.store.StoreError`) before any
of it is used.
"""

from __future__ import annotations

from pydantic import ValidationError

from sim.config import Scenario
from sim.experiments.store import RunStore, StoreError


def check_store(store: RunStore) -> None:
    """Raise :class:`StoreError` naming the first stored scenario or KPI file that is
    damaged (not valid JSON, not a scenario, not one row of numbers)."""
    for entry in store.scenarios():
        found = store.scenario_dict(entry["key"])
        try:
            Scenario.model_validate(found)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "the scenario"
            path = store.root / "scenarios" / f"{entry['key']}.json"
            raise StoreError(
                f"{path}: expected a stored scenario, found {where}: {first['msg'][:80]}"
            ) from None
    store.kpis()  # each run's KPI table read and checked

"""What a report reads from a stored experiment: the interface the experiment layer's run
store (``sim.experiments.store.RunStore``) provides, so that reports never import it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import polars as pl

#: The columns that identify a run in a store's tables.
STORE_ID_COLUMNS = ("scenario_key", "scenario", "replication")


class StoredExperiment(Protocol):
    """A stored experiment: its folder, manifest, scenarios and tables."""

    root: Path
    manifest: dict[str, Any]

    def scenarios(self) -> list[dict[str, str]]:
        """The stored scenarios in order: ``key`` and ``name``."""
        ...

    def scenario_dict(self, key: str) -> dict[str, Any]:
        """One stored scenario as its validated dictionary."""
        ...

    def kpis(self, keys: Iterable[str] | None = None) -> pl.DataFrame:
        """One row of KPIs per stored run (of the scenarios ``keys``)."""
        ...

    def details(self, table: str, keys: Iterable[str] | None = None) -> pl.DataFrame:
        """A per-run detail table (``orders``, ``queues``) of the stored runs."""
        ...

"""The files of a run directory (``omsim run/replay --out``) checked when read back.

``omsim layout --run`` and ``omsim timeline`` read a run's manifest, KPIs and tables; a file
that is not what :mod:`sim.output` writes (a JSON list, a missing key, a key of the wrong
type, a table without the event log's columns) is named by these checks in one line instead
of failing later with a traceback.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from pydantic import ValidationError

from sim.config import Scenario
from sim.eventlog import ORDERS_SCHEMA, ROSTER_SCHEMA, STEPS_SCHEMA

#: Keys of a run manifest that are read back, with the JSON types each may have.
MANIFEST_KEYS: dict[str, tuple[type, ...]] = {
    "scenario": (dict,),
    "fingerprint": (str,),
    "seed": (int,),
    "replication": (int,),
    "end_min": (int, float),
}

#: The event-log columns each table of a run directory must have.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "orders.parquet": tuple(ORDERS_SCHEMA),
    "steps.parquet": tuple(STEPS_SCHEMA),
    "roster.parquet": tuple(ROSTER_SCHEMA),
}


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), "null" if value is None else "a number")


def run_manifest_problem(manifest: Any) -> str | None:
    """What is wrong with a run's ``manifest.json`` (``expected ..., found ...``), or None."""
    if not isinstance(manifest, dict):
        return f"expected a JSON object, found {_kind(manifest)}"
    for key, kinds in MANIFEST_KEYS.items():
        if key not in manifest:
            return f"expected the key {key!r}, found none"
        value = manifest[key]
        if isinstance(value, bool) or not isinstance(value, kinds):
            return f"expected {key!r} to be {_kind(kinds[0]())}, found {_kind(value)}"
    end = float(manifest["end_min"])
    if not 0 <= end < float("inf"):
        return f"expected 'end_min' to be a finite number of minutes, found {end}"
    try:
        Scenario.model_validate(manifest["scenario"])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"expected 'scenario' to be a scenario, found scenario.{where}: {first['msg'][:80]}"
    return None


def run_kpis_problem(kpis: Any) -> str | None:
    """What is wrong with a run's ``kpis.json`` (an object of numbers or nulls), or None."""
    if not isinstance(kpis, dict):
        return f"expected a JSON object of KPIs, found {_kind(kpis)}"
    for key, value in kpis.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return f"expected KPI {key!r} to be a number, found {_kind(value)}"
    return None


def run_table_problem(name: str, frame: pl.DataFrame) -> str | None:
    """What is wrong with a table of a run directory (missing event-log columns), or None."""
    missing = [c for c in TABLE_COLUMNS.get(name, ()) if c not in frame.columns]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        table = name.removesuffix(".parquet")
        return f"expected the event log's {table} columns, missing {missing[0]!r}{more}"
    return None

"""A run store's manifest checked before use, and the status it gives an experiment.

A manifest that is not what :mod:`sim.experiments.store` writes (bad JSON, a list, missing keys,
scenario keys that are not fingerprints) is reported by :func:`manifest_problem` instead of being
used;
``running`` is read as ``interrupted`` once the process that ran it is gone
(:func:`status_of`).
"""

from __future__ import annotations

import os
import re
import socket
from typing import Any

#: The run-store format this version reads and writes.
FORMAT = 1


#: A scenario key: the fingerprint, hexadecimal (it names a folder of the store).
_KEY = re.compile(r"^[0-9a-f]{1,64}$")


def manifest_problem(manifest: Any) -> str | None:
    """What is wrong with a store's manifest (``expected ..., found ...``), or None."""
    if not isinstance(manifest, dict):
        return f"expected a JSON object, found a {_json_type(manifest)}"
    if manifest.get("format") != FORMAT:
        return f"expected run-store format {FORMAT}, found {manifest.get('format')!r}"
    for key, kind in (("kind", str), ("settings", dict), ("scenarios", list), ("status", str)):
        if key not in manifest:
            return f"expected the key {key!r}, found none"
        if not isinstance(manifest[key], kind):
            wanted, found = _json_type(kind()), _json_type(manifest[key])
            return f"expected {key!r} to be a {wanted}, found a {found}"
    for i, entry in enumerate(manifest["scenarios"]):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("key"), str)
            and _KEY.match(entry["key"])
            and isinstance(entry.get("name"), str)
        ):
            return (
                f"expected scenarios[{i}] to have a hexadecimal 'key' and a 'name', found "
                "something else"
            )
    if not isinstance(manifest.get("failures", []), list):
        return f"expected 'failures' to be a list, found a {_json_type(manifest['failures'])}"
    return _content_problem(manifest)


#: Settings every experiment records, with the JSON type each must have.
_SETTINGS = (("seed", int), ("replications", int))

#: Summary entries that are tables (a list of objects), with the keys each row must have.
_SUMMARY_TABLES: dict[str, tuple[str, ...]] = {
    "frontier": ("staffing", "headcount", "weekly_cost", "feasible", "efficient", "answer", "slas"),
    "sweep": ("point", "mean"),
    "comparison": (),
    "methods": (),
}

#: The keys of a failure (a replication that raised) and of a sizing row's SLA verdict.
_FAILURE_KEYS = ("scenario", "replication", "error")
_SLA_KEYS = ("sla", "kpi", "mean", "bound", "met")


def _rows_problem(where: str, rows: Any, keys: tuple[str, ...]) -> str | None:
    """What is wrong with a list of objects that must each have ``keys``, or None."""
    if not isinstance(rows, list):
        return f"expected {where} to be a list of objects, found a {_json_type(rows)}"
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            return f"expected {where}[{i}] to be an object, found a {_json_type(row)}"
        missing = [k for k in keys if k not in row]
        if missing:
            return f"expected {where}[{i}] to have the key {missing[0]!r}, found none"
    return None


def _content_problem(manifest: dict[str, Any]) -> str | None:
    """What is wrong with the settings, failures, summary and dates of a manifest, or None."""
    settings = manifest["settings"]
    for key, kind in _SETTINGS:
        value = settings.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
            return f"expected settings.{key} to be a whole number, found a {_json_type(value)}"
    problem = _rows_problem("failures", manifest.get("failures", []), _FAILURE_KEYS)
    if problem is not None:
        return problem
    for key in ("created", "finished", "stopped"):
        if key in manifest and not isinstance(manifest[key], str):
            return f"expected {key!r} to be a string, found a {_json_type(manifest[key])}"
    summary = manifest.get("summary", {})
    if not isinstance(summary, dict):
        return f"expected 'summary' to be a JSON object, found a {_json_type(summary)}"
    for key, keys in _SUMMARY_TABLES.items():
        problem = _rows_problem(f"summary.{key}", summary.get(key, []), keys)
        if problem is not None:
            return problem
    for i, row in enumerate(summary.get("frontier", [])):
        problem = _rows_problem(f"summary.frontier[{i}].slas", row["slas"], _SLA_KEYS)
        if problem is not None:
            return problem
    if not isinstance(summary.get("answer", {}), dict | None):
        return f"expected summary.answer to be an object, found a {_json_type(summary['answer'])}"
    return None


def kpis_problem(frame: Any) -> str | None:
    """What is wrong with a stored run's KPI table (one row of Float64 columns), or None."""
    if frame.height != 1:
        return f"expected one row of KPIs, found {frame.height}"
    wrong = [name for name, dtype in frame.schema.items() if not dtype.is_float()]
    if wrong:
        return (
            f"expected KPI columns of numbers, found {wrong[0]!r} of type {frame.schema[wrong[0]]}"
        )
    return None


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type."""
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def runner() -> dict[str, Any]:
    """Which process runs the experiment (to tell a running one from one that was killed)."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def status_of(manifest: dict[str, Any]) -> str:
    """The experiment's status, with ``running`` read as ``interrupted`` when the process
    that ran it (on this machine) no longer exists, as after a SIGKILL."""
    status = str(manifest.get("status", "?"))
    runner = manifest.get("runner")
    if status != "running" or not isinstance(runner, dict):
        return status
    pid = runner.get("pid")
    if runner.get("host") != socket.gethostname() or not isinstance(pid, int):
        return status
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "interrupted"
    except OSError:  # someone else's process: it exists
        return status
    return status

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

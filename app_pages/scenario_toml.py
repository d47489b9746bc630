"""A scenario file rewritten with the Scenarios page's edits, its comments and layout kept.

The file's own text is parsed with :mod:`tomlkit` (a style-preserving TOML library) and only
the changed keys are set, so comments, blank lines, key order and the untouched values stay
as the user wrote them. A whole number entered in a decimal field (``3000.0`` from a number
box) is written as ``3000``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tomlkit
from tomlkit.items import Table
from tomlkit.toml_document import TOMLDocument

#: Keys written first in a new file, in this order (the rest follow as they come).
LEADING_KEYS = ("base", "name", "description")


def whole(value: Any) -> Any:
    """``value`` with every whole float (``3000.0``) turned into an int (``3000``), through
    lists and tables; ``nan`` and infinities are left alone (the schema reports them)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: whole(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [whole(v) for v in value]
    return value


def _set(doc: TOMLDocument, dotted: str, value: Any) -> None:
    """Set a dotted key, creating missing tables as ``[section]`` tables."""
    parts = dotted.split(".")
    node: Any = doc
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, Table | dict):
            child = tomlkit.table()
            node[part] = child
            child = node[part]
        node = child
    node[parts[-1]] = value


def new_document(own: Mapping[str, Any]) -> TOMLDocument:
    """A document for a table that has no text yet (``base``, ``name``, ``description``
    first)."""
    doc = tomlkit.document()
    for key in [k for k in LEADING_KEYS if k in own] + [k for k in own if k not in LEADING_KEYS]:
        doc[key] = whole(own[key])
    return doc


def edited_text(source: str, own: Mapping[str, Any], changes: Mapping[str, Any]) -> str:
    """The scenario file's text ``source`` with ``changes`` (``{dotted key: value}``) set,
    everything else kept as written; ``own`` (the file's table) builds a fresh document when
    there is no text (``source`` empty)."""
    doc = tomlkit.parse(source) if source.strip() else new_document(own)
    for dotted, value in changes.items():
        _set(doc, dotted, whole(value))
    return tomlkit.dumps(doc)

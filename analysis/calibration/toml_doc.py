"""The calibrated scenario as a commented TOML document (``omsim calibrate -o FILE``).

:class:`Overrides` collects the nested override tables and a comment per dotted key;
:func:`to_toml` writes them on top of a ``base`` scenario, each fitted key preceded by its
``# comment``. The writer is our own (tomli_w writes no comments): scalars, arrays (wrapped
at 100 characters), inline tables (small tables inside arrays of tables), sub-tables and
arrays of tables. ``tomllib.loads(to_toml(cal, path))`` equals the overrides plus ``base``,
``name`` and ``description``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.atomic import write_text_atomic

if TYPE_CHECKING:
    from analysis.calibration.result import Calibration

WIDTH = 100
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


class Overrides:
    """Nested override tables and their comments, set by dotted key."""

    def __init__(self) -> None:
        self.tables: dict[str, Any] = {}
        self.comments: dict[str, str] = {}

    def set(self, key: str, value: Any, comment: str | None = None) -> None:
        """Set ``key`` (dotted) to ``value``, with an optional comment."""
        *parents, last = key.split(".")
        node = self.tables
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
        if comment:
            self.comments[key] = comment

    def get(self, key: str) -> Any:
        """The value set at ``key`` (dotted), or None."""
        node: Any = self.tables
        for p in key.split("."):
            if not isinstance(node, dict) or p not in node:
                return None
            node = node[p]
        return node

    def note(self, key: str, comment: str) -> None:
        """A comment on a key that may not be written (shown atop its table or the file)."""
        self.comments[key] = comment


def plain(value: Any) -> Any:
    """Tuples as lists, recursively (TOML-ready, and comparable with what tomllib reads)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def base_list(raw: dict[str, Any], resolved: dict[str, Any], dotted: str) -> list[dict]:
    """The base scenario's list at ``dotted`` as written in its files, else its default."""
    node: Any = raw
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None:
        node = resolved
        for part in dotted.split("."):
            node = node[part]
    return plain(copy.deepcopy(node))


def relative_base(base: Path, out_path: Path) -> str:
    """The base file's path relative to the output file's directory, with ``/``."""
    rel = os.path.relpath(Path(base).resolve(), Path(out_path).resolve().parent)
    return Path(rel).as_posix()


def to_toml(cal: Calibration, out_path: Path) -> str:
    """The calibrated scenario as TOML text, ``base`` relative to ``out_path``'s directory."""
    s = cal.summary
    written = _keys(cal.overrides)
    tables = _keys(cal.overrides, tables_only=True)
    orphans = {k: v for k, v in cal.comments.items() if k.rpartition(".")[0] not in tables}
    lines = _comment(
        f"Calibrated scenario written by omsim calibrate on {dt.date.today().isoformat()} from "
        f"{cal.source}: {s.get('orders', 0):,} orders, {s.get('lines', 0):,} lines, "
        f"{s.get('customers', 0):,} customers, {s.get('first_day')} to {s.get('last_day')} "
        f"({s.get('days')} days). Each fitted key is preceded by how it was fitted."
    )
    for key, text in orphans.items():
        lines += _comment(f"{key}: {text}")
    lines += [
        "",
        f"base = {_str(relative_base(cal.base, out_path))}",
        f"name = {_str(cal.name)}",
        f"description = {_str(s.get('description', ''))}",
    ]
    for section, table in cal.overrides.items():
        _table(lines, [section], table, cal.comments, written, array=False)
    return "\n".join(lines) + "\n"


def write_toml(cal: Calibration, out_path: Path) -> Path:
    """Write :func:`to_toml` to ``out_path`` (UTF-8), creating its directory; returns the path."""
    out_path = Path(out_path)
    return write_text_atomic(out_path, to_toml(cal, out_path))


def _keys(tree: dict[str, Any], prefix: str = "", tables_only: bool = False) -> set[str]:
    """Dotted keys of a tree (only those of tables with ``tables_only``)."""
    out = set()
    for k, v in tree.items():
        if isinstance(v, dict):
            out.add(prefix + k)
            out |= _keys(v, f"{prefix}{k}.", tables_only)
        elif not tables_only:
            out.add(prefix + k)
    return out


def _comment(text: str, indent: str = "") -> list[str]:
    out = []
    for para in text.splitlines() or [""]:
        out += textwrap.wrap(
            para, WIDTH, initial_indent=f"{indent}# ", subsequent_indent=f"{indent}#   "
        ) or [f"{indent}#"]
    return out


def _is_tables(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _table(
    lines: list[str],
    path: list[str],
    table: dict[str, Any],
    comments: dict[str, str],
    written: set[str],
    array: bool,
) -> None:
    """One [table] or [[array table]] element, then its sub-tables and arrays of tables."""
    dotted = ".".join(path)
    notes = [
        f"{k.rsplit('.', 1)[-1]}: {text}"
        for k, text in comments.items()
        if k.rpartition(".")[0] == dotted and k not in written
    ]
    simple = [k for k, v in table.items() if not _deferred(k, v, array)]
    if array or simple or notes or dotted in comments:  # else an implicit table: no header
        lines.append("")
        if not array and dotted in comments:
            lines += _comment(comments[dotted])
        lines.append(f"[[{dotted}]]" if array else f"[{dotted}]")
        for text in notes:
            lines += _comment(text)
    later = []
    for k, v in table.items():
        sub = f"{dotted}.{k}"
        if _deferred(k, v, array):
            later.append((k, v))
            continue
        if sub in comments and not array:
            lines += _comment(comments[sub])
        lines += _assign(k, v)
    for k, v in later:
        sub = f"{dotted}.{k}"
        if isinstance(v, dict):
            _table(lines, [*path, k], v, comments, written, array=False)
            continue
        if sub in comments and not array:
            lines.append("")
            lines += _comment(comments[sub])
        for item in v:
            _table(lines, [*path, k], item, comments, written, array=True)


def _deferred(k: str, v: Any, array: bool) -> bool:
    """Written after the simple keys, as a sub-table or an array of tables."""
    return (isinstance(v, dict) and not array and not _inline(k, v)) or _is_tables(v)


def _inline(k: str, v: dict[str, Any]) -> bool:
    """A table short and flat enough to write as ``key = { ... }`` on one line."""
    flat = all(not isinstance(x, dict | list | tuple) for x in v.values())
    return flat and len(f"{_key(k)} = {_value(v)}") <= WIDTH


def _key(k: str) -> str:
    return k if _BARE.match(k) else _str(k)


def _assign(k: str, v: Any) -> list[str]:
    """``key = value``; long arrays wrapped over several lines."""
    one = f"{_key(k)} = {_value(v)}"
    if len(one) <= WIDTH or not isinstance(v, list):
        return [one]
    items = [_value(x) for x in v]
    out, row = [f"{_key(k)} = ["], "   "
    for item in items:
        if len(row) + len(item) + 2 > WIDTH:
            out.append(row.rstrip())
            row = "   "
        row += f" {item},"
    out.append(row.rstrip())
    out.append("]")
    return out


def _str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"expected a finite number, found {v}")
        return repr(v)
    if isinstance(v, str):
        return _str(v)
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML: {v!r}")

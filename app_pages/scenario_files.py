"""Scenario files for the Scenarios page: load one from the scenarios folder or an upload,
apply the page's edits to the file's own table, validate with :func:`sim.scenario.validate`
and write it back as TOML.

Uploads are parsed with :mod:`tomllib` only (a scenario file is data, never code). A file's
``base = "..."`` must name a file directly in the scenarios folder, at every step of the
chain, so neither a typed nor an uploaded name can make the app read outside it; its
``replay.orders`` must resolve inside the app's folders (scenarios, runs, data). Nothing
here checks a scenario value: the schema does, and its one-line message is shown as it is.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app_pages.common import (
    MAX_UPLOAD_BYTES,
    NAME_RE,
    UnsafeName,
    app_roots,
    clean_name,
    inside,
)
from app_pages.scenario_toml import edited_text
from sim import paths
from sim.atomic import write_text_atomic
from sim.config import Scenario
from sim.scenario import ScenarioError, read_raw, validate

#: How deep a chain of base files may go before it is refused.
MAX_BASE_DEPTH = 16

_KEY_PATH = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*): ")


@dataclass(frozen=True)
class ScenarioDoc:
    """A scenario being edited: its own table (as in the file, ``base`` included), the
    resolved scenario as plain data (defaults filled in), and where it came from."""

    stem: str
    own: dict[str, Any]
    full: dict[str, Any]
    origin: str  # "file" or "upload"
    token: str  # unique per loaded version: keys the page's widgets
    source: str = ""  # the file's text as loaded: saved back with its comments and layout

    @property
    def where(self) -> str:
        """The name error messages start with."""
        return f"{self.stem}.toml"


# --- tables ----------------------------------------------------------------------------


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge as ``base = ...`` does in :func:`sim.scenario.read_raw`: tables merge,
    everything else (lists included) replaces."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def get_in(table: Mapping[str, Any], dotted: str, default: Any = None) -> Any:
    """The value at a dotted key of nested tables (``default`` when absent)."""
    node: Any = table
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def set_in(table: dict[str, Any], dotted: str, value: Any) -> None:
    """Set a dotted key of nested tables, creating the tables on the way."""
    parts = dotted.split(".")
    node = table
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def edited(own: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The file's own table with the changed keys set (a list is replaced whole), so a file
    with ``base`` keeps inheriting everything that was not changed."""
    out = copy.deepcopy(dict(own))
    for dotted, value in changes.items():
        set_in(out, dotted, copy.deepcopy(value))
    return out


def file_text(doc: ScenarioDoc, changes: Mapping[str, Any]) -> str:
    """The scenario file with ``changes`` applied: its own text, comments and layout kept
    (:func:`app_pages.scenario_toml.edited_text`), only the changed keys rewritten."""
    return edited_text(doc.source, doc.own, changes)


# --- base files ------------------------------------------------------------------------


def _base_path(root: Path, base: Any, where: str) -> Path:
    """The base file named by ``base``, which must be a file directly in ``root``."""
    name = base[:-5] if isinstance(base, str) and base.endswith(".toml") else None
    if name is None or not NAME_RE.fullmatch(name):
        raise ScenarioError(
            f"{where}: base: expected the name of a .toml file in the scenarios folder, "
            f"found {base!r}"
        )
    try:
        path = inside(root, name, ".toml")
    except UnsafeName:
        raise ScenarioError(
            f"{where}: base: expected a file inside the scenarios folder, found {base!r}"
        ) from None
    if not path.is_file():
        raise ScenarioError(
            f"{where}: base: expected a file in the scenarios folder, found no {base!r}"
        )
    return path


def _check_chain(root: Path, path: Path) -> None:
    """Every base file the chain from ``path`` reads lies in ``root``."""
    for _ in range(MAX_BASE_DEPTH):
        try:
            data = tomllib.loads(paths.read_text(path, paths.MAX_SCENARIO_BYTES, (root,)))
        except (OSError, paths.PathError, tomllib.TOMLDecodeError):
            return  # read_raw reports it with its own message
        if "base" not in data:
            return
        path = _base_path(root, data["base"], path.name)
    raise ScenarioError(
        f"{path.name}: base: expected at most {MAX_BASE_DEPTH} base files, found more"
    )


def _orders_inside(root: Path, table: dict[str, Any], where: str) -> None:
    """``replay.orders`` taken from the scenarios folder (as ``omsim`` takes it from the
    file's folder) and confined to the app's folders: refused, before anything reads it,
    when it resolves (links followed) outside them or is not a regular file."""
    replay = table.get("replay")
    if not isinstance(replay, dict) or not isinstance(replay.get("orders"), str):
        return
    if not replay["orders"]:
        return
    replay["orders"] = str((root / replay["orders"]).resolve())
    try:
        paths.confine(replay["orders"], app_roots(), "replay.orders")
    except paths.PathError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def resolved(root: Path, own: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The own table with its ``base`` chain merged in (not yet validated); its
    ``replay.orders`` absolute and inside the app's folders."""
    body = copy.deepcopy({k: v for k, v in own.items() if k != "base"})
    _orders_inside(root, body, where)
    if "base" not in own:
        return body
    path = _base_path(root, own["base"], where)
    _check_chain(root, path)
    return merge(read_raw(path, roots=app_roots()), body)


def check(root: Path, own: Mapping[str, Any], where: str) -> Scenario:
    """Validate the own table (with its base chain) by the schema; :class:`ScenarioError`
    carries the schema's one-line message."""
    return validate(resolved(root, own, where), where)


# --- loading ---------------------------------------------------------------------------


def _doc(
    root: Path, stem: str, own: dict[str, Any], origin: str, token: str, source: str
) -> ScenarioDoc:
    scenario = check(root, own, f"{stem}.toml")
    return ScenarioDoc(stem, own, scenario.model_dump(mode="json"), origin, token, source)


def load_file(root: Path, stem: str) -> ScenarioDoc:
    """A scenario file of the scenarios folder, by stem."""
    path = inside(root, stem, ".toml")
    try:
        source = paths.read_text(path, paths.MAX_SCENARIO_BYTES, (root,))
        own = tomllib.loads(source)
    except paths.PathError as exc:
        raise ScenarioError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(
            f"{stem}.toml: expected valid TOML, found a syntax error: {exc}"
        ) from None
    return _doc(root, stem, own, "file", f"file-{stem}-{path.stat().st_mtime_ns}", source)


def load_upload(root: Path, filename: str, data: bytes, token: str) -> ScenarioDoc:
    """An uploaded scenario file: at most :data:`MAX_UPLOAD_BYTES`, UTF-8 TOML, its base in
    the scenarios folder, valid by the schema. Raises :class:`ScenarioError` (one line)."""
    try:
        stem = clean_name(Path(filename).name)
    except UnsafeName:
        stem = "uploaded"
    where = f"{stem}.toml"
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError(
            f"{where}: expected a file of at most {MAX_UPLOAD_BYTES // 1024} KB, "
            f"found {len(data) / 1024:.0f} KB"
        )
    try:
        source = data.decode("utf-8")
        own = tomllib.loads(source)
    except UnicodeDecodeError:
        raise ScenarioError(f"{where}: expected a UTF-8 text file, found binary data") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: expected valid TOML, found a syntax error: {exc}") from None
    return _doc(root, stem, own, "upload", token, source)


def save(root: Path, stem: str, text: str, overwrite: bool) -> Path:
    """Write a scenario file's text to ``<root>/<stem>.toml`` (a temporary file renamed into
    place) after validating exactly what is written; refuses to replace an existing file
    unless ``overwrite``."""
    path = inside(root, stem, ".toml")
    try:
        own = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path.name}: expected valid TOML, found: {exc}") from None
    check(root, own, path.name)
    if path.exists() and not overwrite:
        raise ScenarioError(f"{path.name}: expected a new file name, found an existing file")
    return write_text_atomic(path, text)  # a temporary file in the same folder


# --- messages --------------------------------------------------------------------------


def error_key(message: str, where: str) -> str | None:
    """The key path in a schema message ``"<where>: key.path: expected ..."`` (None when
    the message names no key, e.g. a TOML syntax error)."""
    body = message.removeprefix(f"{where}: ")
    match = _KEY_PATH.match(body)
    return match.group(1) if match else None

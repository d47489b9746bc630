"""Loading scenario files: TOML, ``base`` files, dotted overrides, one-line errors."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim import paths, toml_limits
from sim.config import Scenario


class ScenarioError(Exception):
    """A scenario that cannot be used; the message is one line naming file, key and problem."""


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``over`` into a copy of ``base``: tables merge, everything else replaces."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def read_raw(
    path: str | Path, _seen: tuple[Path, ...] = (), roots: Sequence[Path] | None = None
) -> dict[str, Any]:
    """The file's table with its ``base`` chain resolved (not yet validated).

    Every file of the chain must be a regular file of at most
    :data:`sim.paths.MAX_SCENARIO_BYTES`; with ``roots`` (default: ``$OMSIM_ALLOWED_ROOTS``)
    it, its base files and its ``replay.orders`` must lie under one of them."""
    path = Path(path)
    where = str(path)
    try:
        paths.confine(path, roots)
        if not path.exists():
            raise ScenarioError(f"{where}: expected a scenario file, found no such file")
        raw_bytes = paths.read_bytes(path, paths.MAX_SCENARIO_BYTES, roots)
    except paths.PathError as exc:
        raise ScenarioError(str(exc)) from None
    resolved = path.resolve()
    if resolved in _seen:
        raise ScenarioError(f"{where}: base: expected no cycle of base files, found one")
    if len(_seen) >= toml_limits.MAX_BASE_CHAIN:
        raise ScenarioError(
            f"{where}: base: expected a chain of at most {toml_limits.MAX_BASE_CHAIN} files, "
            f"found a longer one (starting at {_seen[0]})"
        )
    try:
        data = toml_limits.loads(raw_bytes.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: expected valid TOML, found a syntax error: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{where}: expected a UTF-8 TOML file, found an undecodable byte at offset {exc.start}"
        ) from None
    except ValueError as exc:  # too deep, or an integer of thousands of digits
        raise ScenarioError(f"{where}: {exc}") from None
    replay = data.get("replay")
    if isinstance(replay, dict) and isinstance(replay.get("orders"), str) and replay["orders"]:
        replay["orders"] = str((path.parent / replay["orders"]).resolve())  # file-relative
        _confine_orders(replay["orders"], where, roots)
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ScenarioError(f"{where}: base: expected a file name, found {base!r}")
    base_path = path.parent / base
    if not base_path.exists():  # name the referring file: the base path is relative to it
        raise ScenarioError(
            f"{where}: base: expected a scenario file relative to {path.parent}, found no "
            f"such file {base_path} (write base as a path from this file's folder)"
        )
    base_data = read_raw(base_path, (*_seen, resolved), roots)
    return _merge(base_data, data)


def _confine_orders(orders: str, where: str, roots: Sequence[Path] | None) -> None:
    """``replay.orders`` must lie under the allowed roots (when reading is confined)."""
    try:
        paths.confine(orders, roots, "replay.orders")
    except paths.PathError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def _parse_value(text: str) -> Any:
    """A command-line value as TOML (numbers, booleans, arrays, quoted strings) or a bare string."""
    try:
        return toml_limits.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set dotted keys (``picking.method``, ``staffing.shifts.0.headcount``) in a raw table.

    String values from the command line are parsed as TOML values first.
    """
    out = copy.deepcopy(raw)
    for dotted, value in overrides.items():
        if isinstance(value, str):
            try:
                value = _parse_value(value)
            except ValueError as exc:  # too deep, or an integer of thousands of digits
                raise ScenarioError(f"--set {dotted}: {exc}") from None
        parts = dotted.split(".")
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            if isinstance(node, list):
                node = _list_item(node, part, parts[: i + 1])
                continue
            if not isinstance(node, dict):
                raise ScenarioError(
                    f"--set {dotted}: expected a table at {'.'.join(parts[:i])}, "
                    f"found {_describe(node)}"
                )
            if part not in node:
                node[part] = {}
            node = node[part]
        last = parts[-1]
        if isinstance(node, list):
            idx = _index(node, last, parts)
            node[idx] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ScenarioError(f"--set {dotted}: expected a table at {'.'.join(parts[:-1])}")
    return out


def _index(node: list, part: str, path: list[str]) -> int:
    if not (part.isascii() and part.isdigit()) or len(part) > 9 or int(part) >= len(node):
        raise ScenarioError(
            f"--set {'.'.join(path)}: expected a list index 0..{len(node) - 1}, found {part!r}"
        )
    return int(part)


def _list_item(node: list, part: str, path: list[str]) -> Any:
    return node[_index(node, part, path)]


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_validation_error(where: str, exc: ValidationError) -> str:
    """One line: file, key path, what was expected, what was found (and how many more)."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = ".".join(str(p) if str(p).isprintable() else repr(str(p)) for p in first["loc"])
    msg: str = first["msg"]
    if first["type"] == "extra_forbidden":
        text = f"{loc}: expected a known key, found unknown key {str(first['loc'][-1])!r}"
    elif first["type"] in ("string_too_long", "too_long"):
        what = "characters" if first["type"] == "string_too_long" else "items"
        limit = (first.get("ctx") or {}).get("max_length", "?")
        found = first.get("input")
        size = f"{len(found):,}" if hasattr(found, "__len__") else "more"
        text = f"{loc}: expected at most {limit} {what}, found {size}"
    elif first["type"] == "string_pattern_mismatch":
        text = (
            f"{loc}: expected a name without control characters (line breaks, tabs), "
            f"found {_describe(first.get('input'))}"
        )
    elif first["type"] == "missing":
        text = f"{loc}: expected a value, found none"
    elif first["type"] in ("value_error", "assertion_error"):
        body = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        text = f"{loc}: {body}" if loc else body
    else:
        expected = msg.removeprefix("Input should be ").removeprefix("input should be ")
        text = f"{loc}: expected {expected}, found {_describe(first.get('input'))}"
    more = len(errors) - 1
    if more:
        text += f" (and {more} more error{'s' if more > 1 else ''})"
    return f"{where}: {text}"


def validate(raw: Mapping[str, Any], where: str) -> Scenario:
    """Validate a raw table into a Scenario, or raise ScenarioError with a one-line message."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(where, exc)) from None
    except ValueError as exc:  # raised by our own checks outside pydantic's wrapping
        raise ScenarioError(f"{where}: {exc}") from None


def load_scenario(
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    roots: Sequence[Path] | None = None,
) -> Scenario:
    """Load a scenario file (resolving ``base``), apply dotted overrides, validate.

    ``roots`` (default: ``$OMSIM_ALLOWED_ROOTS``, unset: anywhere) confines the files read:
    the scenario file, its base files and the replayed order file, after the overrides."""
    raw = read_raw(path, roots=roots)
    scenario = validate(raw, str(path))
    if overrides:
        # overrides apply to the resolved scenario, so they can reach keys left to defaults
        resolved = scenario.model_dump(mode="json")
        where = f"{path} with --set"
        scenario = validate(apply_overrides(resolved, overrides), where)
        if scenario.replay.orders:
            _confine_orders(scenario.replay.orders, where, roots)
    return scenario


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A new scenario with dotted keys changed, validated like a file."""
    raw = scenario.model_dump(mode="json")
    return validate(apply_overrides(raw, overrides), f"scenario {scenario.name!r}")

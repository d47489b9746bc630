"""Reading TOML within limits: nesting depth, integer size, the length of ``base`` chains.

``tomllib`` parses nested arrays and tables recursively and converts integers with ``int``,
so a file of 100,000 ``[`` or a 5,000-digit integer raises ``RecursionError`` or
``ValueError`` from inside the parser; and a deep document that parses still overflows the
recursive merge and validation after it. Here both become one-line ``ValueError`` messages
naming what was found, checked before (a quick bracket count) and after the parse (the
document's depth, without recursion)."""

from __future__ import annotations

import tomllib
from typing import Any

from sim.config.limits import MAX_BASE_CHAIN, MAX_TOML_DEPTH

__all__ = ["MAX_BASE_CHAIN", "MAX_TOML_DEPTH", "depth", "loads"]


def _bracket_depth(text: str) -> int:
    """An upper bound of the nesting of ``[``/``{`` (brackets inside strings counted too)."""
    deepest = level = 0
    for char in text:
        if char in "[{":
            level += 1
            deepest = max(deepest, level)
        elif char in "]}":
            level = max(0, level - 1)
    return deepest


def depth(value: Any) -> int:
    """How deeply tables and arrays nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            items = list(node.values())
        elif isinstance(node, list):
            items = node
        else:
            continue
        deepest = max(deepest, level + 1)
        if level + 1 > MAX_TOML_DEPTH:
            return level + 1
        stack.extend((item, level + 1) for item in items)
    return deepest


def loads(text: str) -> dict[str, Any]:
    """``tomllib.loads`` with the limits: ``tomllib.TOMLDecodeError`` for bad syntax as
    before, ``ValueError`` (one line) for nesting deeper than :data:`MAX_TOML_DEPTH` or an
    integer too long to convert."""
    too_deep = (
        f"expected tables and arrays nested at most {MAX_TOML_DEPTH} deep, found deeper nesting"
    )
    if _bracket_depth(text) > 4 * MAX_TOML_DEPTH:  # cheap refusal of pathological input
        raise ValueError(too_deep)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ValueError(too_deep) from None
    except tomllib.TOMLDecodeError:
        raise
    except ValueError as exc:  # int() of thousands of digits
        found = str(exc).split(":")[-1].split(";")[0].strip()
        raise ValueError(
            f"expected integers of at most 4,300 digits, found a longer one ({found})"
        ) from None
    if depth(data) > MAX_TOML_DEPTH:
        raise ValueError(too_deep)
    return data

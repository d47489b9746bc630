"""Strict parsing of numbers typed on the command line (one parser for every option).

Python's ``int`` and ``float`` accept more than a user means: ``inf``, ``nan``, ``1_000``,
digits of other scripts (``١``) and integers of thousands of digits (slow, then refused deep
inside numpy). Here a number is ASCII (an optional sign, digits, an optional fraction and
exponent), at most :data:`MAX_NUMBER_CHARS` characters, finite and within the option's range.
The argparse types raise ``argparse.ArgumentTypeError`` so the command line error is one line.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable

#: Longest number accepted (a float's 17 significant digits with sign and exponent fit).
MAX_NUMBER_CHARS = 40
#: Largest seed (numpy seeds any non-negative integer; 63 bits keep it an int64 everywhere).
MAX_SEED = 2**63 - 1
#: Largest whole number accepted for counts, replications and budgets.
MAX_WHOLE = 10**9

_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_FLOAT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)


def _shown(text: str) -> str:
    return repr(text if len(text) <= MAX_NUMBER_CHARS else text[:MAX_NUMBER_CHARS] + "...")


def parse_number(text: str) -> int | float:
    """An int if the text is a whole number, else a finite float; ``ValueError`` (naming what
    was found) for anything else, e.g. ``inf``, ``1_000``, ``١`` or 5,000 digits."""
    stripped = text.strip()
    if len(stripped) > MAX_NUMBER_CHARS:
        raise ValueError(
            f"expected a number of at most {MAX_NUMBER_CHARS} characters, found "
            f"{len(stripped):,} characters"
        )
    if _INT.fullmatch(stripped):
        return int(stripped)
    if _FLOAT.fullmatch(stripped):
        value = float(stripped)
        if math.isfinite(value):
            return value
        raise ValueError(f"expected a finite number, found {_shown(text)} (too large)")
    raise ValueError(f"expected a finite number in ASCII digits, found {_shown(text)}")


def _range(lo: float | None, hi: float | None, whole: bool) -> str:
    kind = "a whole number" if whole else "a number"
    if lo is not None and hi is not None:
        return f"{kind} {lo:g}..{hi:g}" if not whole else f"{kind} {lo}..{hi}"
    if lo is not None:
        return f"{kind} >= {lo:g}"
    return f"a finite {kind.removeprefix('a ')}"


def whole_arg(lo: int = 0, hi: int = MAX_WHOLE) -> Callable[[str], int]:
    """An argparse type: a whole number in ``lo..hi``."""

    def parse(text: str) -> int:
        try:
            value = parse_number(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if not isinstance(value, int) or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"expected {_range(lo, hi, True)}, found {_shown(text)}"
            )
        return value

    parse.__name__ = "whole number"
    return parse


def number_arg(lo: float | None = None, hi: float | None = None) -> Callable[[str], float]:
    """An argparse type: a finite number, at least ``lo`` and at most ``hi`` when given."""

    def parse(text: str) -> float:
        try:
            value = float(parse_number(text))
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(
                f"expected {_range(lo, hi, False)}, found {_shown(text)}"
            )
        return value

    parse.__name__ = "number"
    return parse


#: The shared option types.
seed_arg = whole_arg(0, MAX_SEED)
count_arg = whole_arg(0, MAX_WHOLE)
finite_arg = number_arg()
non_negative_arg = number_arg(0.0)

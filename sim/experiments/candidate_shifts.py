"""Shift patterns for ``omsim size``: candidate shifts, which the roster does not have yet and
the search may open (they enter it at headcount 0), and the moves of heads between roles.

A candidate is written like a shift label, ``ROLE DAYS HH:MM-HH:MM [zone N]``:
``pickers Sun 08:00-16:00``, ``packers Mon-Fri 17:00-21:00``, ``pickers Mon,Wed,Fri
06:00-10:00 zone 2``. Days are three-letter weekday names (any case), joined by commas, with
``A-B`` for a run of days (``Fri-Mon`` wraps over the weekend). A TOML file lists them as
``[[shifts]]`` tables with the keys of ``staffing.shifts`` (role, days, start, end, zone,
breaks) and no headcount. Every error is one line naming the text or the file and key.
"""

from __future__ import annotations

import itertools
import logging
import re
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from sim.config import Role, ShiftConfig
from sim.shift_names import shift_label
from sim.units import WEEKDAYS

log = logging.getLogger(__name__)

_PATTERN = re.compile(
    r"^\s*(?P<role>\w+)\s+(?P<days>[A-Za-z,\-]+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*"
    r"(?P<end>\d{1,2}:\d{2})(?:\s+zone\s+(?P<zone>\d+))?\s*$"
)
_FORM = "'ROLE DAYS HH:MM-HH:MM [zone N]' such as 'pickers Sun 08:00-16:00'"


class CandidateError(ValueError):
    """A candidate shift that cannot be read (one-line message)."""


def _day(name: str, text: str) -> int:
    key = name.strip().lower()
    if key not in WEEKDAYS:
        raise CandidateError(
            f"--candidate-shift {text!r}: expected weekdays Mon..Sun, found {name.strip()!r}"
        )
    return WEEKDAYS.index(key)


def parse_days(days: str, text: str) -> tuple[str, ...]:
    """``Mon-Fri``, ``Sat``, ``Mon,Wed,Fri``, ``Fri-Mon`` as weekday keys in week order."""
    chosen: set[int] = set()
    for part in days.split(","):
        first, dash, last = part.partition("-")
        a = _day(first, text)
        if not dash:
            chosen.add(a)
            continue
        b = _day(last, text)
        chosen |= {(a + k) % 7 for k in range((b - a) % 7 + 1)}
    return tuple(WEEKDAYS[i] for i in sorted(chosen))


def _shift(data: dict[str, Any], where: str) -> ShiftConfig:
    from sim.scenario import format_validation_error

    if "headcount" in data:
        raise CandidateError(
            f"{where}: headcount: expected none (a candidate shift starts at 0), "
            f"found {data['headcount']!r}"
        )
    try:
        return ShiftConfig.model_validate({**data, "headcount": 0})
    except ValidationError as exc:
        raise CandidateError(format_validation_error(where, exc)) from None


def parse_candidate_shift(text: str) -> ShiftConfig:
    """A candidate shift from ``ROLE DAYS HH:MM-HH:MM [zone N]`` (headcount 0)."""
    m = _PATTERN.match(text)
    if m is None:
        raise CandidateError(f"--candidate-shift {text!r}: expected {_FORM}")
    role = m["role"]
    if role not in get_args(Role):
        raise CandidateError(
            f"--candidate-shift {text!r}: expected a role from {', '.join(get_args(Role))}, "
            f"found {role!r}"
        )
    data: dict[str, Any] = {
        "role": role,
        "days": parse_days(m["days"], text),
        "start": m["start"].zfill(5),
        "end": m["end"].zfill(5),
    }
    if m["zone"] is not None:
        data["zone"] = int(m["zone"])
    return _shift(data, f"--candidate-shift {text!r}")


def read_candidate_file(path: Path) -> list[ShiftConfig]:
    """The ``[[shifts]]`` of a TOML file of candidate shifts."""
    where = str(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CandidateError(f"{where}: expected valid TOML, found a syntax error: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CandidateError(f"{where}: expected a readable TOML file, found: {exc}") from None
    extra = sorted(set(data) - {"shifts"})
    if extra:
        raise CandidateError(f"{where}: expected only [[shifts]] tables, found {extra[0]!r}")
    shifts = data.get("shifts")
    if not isinstance(shifts, list) or not shifts:
        raise CandidateError(f"{where}: shifts: expected at least one [[shifts]] table, found none")
    out = []
    for i, item in enumerate(shifts):
        if not isinstance(item, dict):
            raise CandidateError(f"{where}: shifts.{i}: expected a table, found {item!r}")
        out.append(_shift(item, f"{where}: shifts.{i}"))
    return out


def with_candidates(scenario: Any, candidates: Sequence[ShiftConfig]) -> Any:
    """The scenario with the candidate shifts appended to ``staffing.shifts`` at headcount 0.
    A candidate equal to a shift of the roster (same role, days, times and zone), or given
    twice, is an error."""
    from sim.scenario import validate

    if not candidates:
        return scenario
    seen = {shift_label(s) for s in scenario.staffing.shifts}
    for c in candidates:
        label = shift_label(c)
        if label in seen:
            raise CandidateError(
                f"--candidate-shift {label!r}: expected a shift not in the roster, found it "
                "there already"
            )
        seen.add(label)
    raw = scenario.model_dump(mode="json")
    raw["staffing"]["shifts"] += [c.model_dump(mode="json") for c in candidates]
    return validate(raw, f"scenario {scenario.name!r} with the candidate shifts")


def same_time_moves(shifts: Sequence, variables: Sequence[Any]) -> list[tuple[int, int]]:
    """Pairs of variables (positions in ``variables``) whose shifts have the same weekdays,
    start and end but different roles: the moves between roles the local descent tries
    (both directions)."""
    out = []
    for a, b in itertools.permutations(range(len(variables)), 2):
        sa, sb = shifts[variables[a].index], shifts[variables[b].index]
        if sa.role != sb.role and (sorted(sa.days), sa.start, sa.end) == (
            sorted(sb.days),
            sb.start,
            sb.end,
        ):
            out.append((a, b))
    return out


def move_heads(
    x: tuple[int, ...],
    low: Sequence[int],
    hi: Sequence[int],
    feasible: Callable[[tuple[int, ...]], bool],
    key: Callable[[tuple[int, ...]], Any],
    moves: Sequence[tuple[int, int]],
    descend: Callable[[tuple[int, ...]], tuple[int, ...]],
) -> tuple[int, ...] | None:
    """The move between roles of the local descent (:func:`sim.experiments.sizing.search_cheapest`):
    for each pair ``(i, j)`` of ``moves`` (e.g. a pickers' shift and the packers' shift at the
    same times), one head from ``i`` to ``j``; if that staffing is ``feasible``, ``descend``
    from it and return the result when it is cheaper (by ``key``) than ``x``. None when no
    move leads to a cheaper staffing. A move may cost the same as ``x`` or more: it pays when
    the other role's extra head lets some shift be lowered."""
    for i, j in moves:
        if x[i] <= low[i] or x[j] >= hi[j]:
            continue
        y = list(x)
        y[i] -= 1
        y[j] += 1
        if feasible(tuple(y)):
            z = descend(tuple(y))
            if key(z) < key(x):
                log.info("moving a head from variable %d to %d: %s -> %s", i, j, x, z)
                return z
    return None

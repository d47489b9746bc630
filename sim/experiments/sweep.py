"""Parameter sweeps: a grid of scenario variants, each run on common random numbers.

``--param demand.orders_per_day=1000:10000:1000`` is an inclusive numeric range
(start:stop:step), ``--param picking.method=single,batch,zone,wave`` a list of values, and
``--param key=value`` a single value. The grid is the Cartesian product of the parameters in
the order given (the last varies fastest); every point is the base scenario with those keys
overridden and validated like the file.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from sim.config import Scenario
from sim.scenario import with_overrides
from sim.strict_numbers import parse_number

#: At most this many values in one numeric range (a typo like 1:1000000:1 is caught).
MAX_RANGE_VALUES = 1000


class SweepError(ValueError):
    """A malformed ``--param`` (one line, for the CLI)."""


@dataclass(frozen=True)
class Param:
    """One swept parameter: a dotted scenario key and its values in order."""

    key: str
    values: tuple[Any, ...]

    @property
    def short(self) -> str:
        """The last part of the key, for labels (``orders_per_day``)."""
        return self.key.rsplit(".", 1)[-1]

    @property
    def numeric(self) -> bool:
        """Whether every value is a number (a range, or a list of numbers)."""
        return all(isinstance(v, int | float) and not isinstance(v, bool) for v in self.values)


def _value(text: str) -> Any:
    """A list item: a number if it reads as one, ``true``/``false`` as booleans, else text."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return parse_number(text)
    except ValueError:
        return text


def parse_param(spec: str) -> Param:
    """``KEY=START:STOP:STEP``, ``KEY=A,B,C`` or ``KEY=VALUE`` as a :class:`Param`."""
    key, sep, rhs = spec.partition("=")
    key, rhs = key.strip(), rhs.strip()
    if not sep or not key or not rhs:
        raise SweepError(
            f"--param {spec}: expected KEY=START:STOP:STEP or KEY=A,B,C "
            "(e.g. demand.orders_per_day=1000:10000:1000)"
        )
    if ":" in rhs:
        parts = [p.strip() for p in rhs.split(":")]
        try:
            if len(parts) != 3:
                raise ValueError
            start, stop, step = (parse_number(p) for p in parts)
        except ValueError:
            raise SweepError(
                f"--param {spec}: expected a range START:STOP:STEP of three numbers, found {rhs!r}"
            ) from None
        if step <= 0 or stop < start:
            raise SweepError(
                f"--param {spec}: expected STEP > 0 and START <= STOP, found start {start}, "
                f"stop {stop}, step {step}"
            )
        count = math.floor((stop - start) / step + 1e-9) + 1
        if count > MAX_RANGE_VALUES:
            raise SweepError(
                f"--param {spec}: expected at most {MAX_RANGE_VALUES} values, found {count}"
            )
        integral = all(isinstance(v, int) for v in (start, stop, step))
        values = tuple(
            start + i * step if integral else round(start + i * step, 12) for i in range(count)
        )
        return Param(key, values)
    items = [p.strip() for p in rhs.split(",")]
    if any(not p for p in items):
        raise SweepError(f"--param {spec}: expected comma-separated values, found an empty one")
    values = tuple(_value(p) for p in items)
    if len(set(map(repr, values))) != len(values):
        raise SweepError(f"--param {spec}: expected distinct values, found a repeated one")
    return Param(key, values)


@dataclass(frozen=True)
class GridPoint:
    """One point of the grid: its parameter values and the scenario they make."""

    values: dict[str, Any]
    scenario: Scenario
    label: str


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def grid(base: Scenario, params: list[Param]) -> list[GridPoint]:
    """Every combination of the parameters' values applied to ``base`` (validated; a bad
    value raises :class:`sim.scenario.ScenarioError` naming the key)."""
    keys = [p.key for p in params]
    if len(set(keys)) != len(keys):
        raise SweepError(f"--param: expected each key once, found {keys}")
    points = []
    for combo in itertools.product(*(p.values for p in params)):
        values = dict(zip(keys, combo, strict=True))
        label = " ".join(f"{p.short}={_fmt(v)}" for p, v in zip(params, combo, strict=True))
        scenario = with_overrides(base, {**values, "name": f"{base.name} {label}"})
        points.append(GridPoint(values, scenario, label))
    return points

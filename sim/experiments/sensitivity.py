"""One-at-a-time sensitivity: each parameter set to its low and its high value, the others
at the base scenario's, every variant run on common random numbers.

``--param returns.base_rate=0.08:0.16`` is a key with its low and high value. The variants
are, in order: the base scenario, then for each parameter its low and its high variant; each
is the base with that one key overridden and validated like the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.config import Scenario
from sim.experiments.sweep import parse_number
from sim.scenario import with_overrides


class SensitivityError(ValueError):
    """A malformed ``--param`` (one line, for the CLI)."""


@dataclass(frozen=True)
class Range:
    """One varied parameter: a dotted scenario key and its low and high values."""

    key: str
    low: float
    high: float


def parse_range(spec: str) -> Range:
    """``KEY=LOW:HIGH`` as a :class:`Range` (two different numbers)."""
    key, sep, rhs = spec.partition("=")
    key, rhs = key.strip(), rhs.strip()
    parts = [p.strip() for p in rhs.split(":")]
    if not sep or not key or len(parts) != 2:
        raise SensitivityError(
            f"--param {spec}: expected KEY=LOW:HIGH (e.g. returns.base_rate=0.08:0.16)"
        )
    try:
        low, high = (parse_number(p) for p in parts)
    except ValueError:
        raise SensitivityError(
            f"--param {spec}: expected two numbers LOW:HIGH, found {rhs!r}"
        ) from None
    if low == high:
        raise SensitivityError(f"--param {spec}: expected LOW different from HIGH, found {low}")
    return Range(key, low, high)


@dataclass(frozen=True)
class Variant:
    """One scenario of the experiment: the base (``key`` None) or one key at one end."""

    key: str | None
    end: str  # "base", "low" or "high"
    value: float | None
    scenario: Scenario
    label: str


def variants(base: Scenario, ranges: list[Range]) -> list[Variant]:
    """The base, then each parameter's low and high variant (validated; a bad value raises
    :class:`sim.scenario.ScenarioError` naming the key)."""
    keys = [r.key for r in ranges]
    if len(set(keys)) != len(keys):
        raise SensitivityError(f"--param: expected each key once, found {keys}")
    out = [Variant(None, "base", None, base, "base")]
    for r in ranges:
        for end, value in (("low", r.low), ("high", r.high)):
            label = f"{r.key}={value:g}"
            scenario = with_overrides(base, {r.key: value, "name": f"{base.name} {label}"})
            out.append(Variant(r.key, end, value, scenario, label))
    return out

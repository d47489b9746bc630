"""Service-level agreements (SLAs) on KPIs: parsing, unit conversion, and a check with a
one-sided confidence bound over replications.

An SLA is written ``"<kpi> <op> <value>"``:

* ``<op>`` is ``>=`` or ``<=``; ``>`` and ``<`` are accepted and treated like ``>=`` and
  ``<=`` (with continuous estimates the difference is immaterial).
* ``<kpi>`` is a KPI name (``shipped_same_day``, ``wait_mean_min_pick``), or a duration KPI
  without its unit suffix (``lead_time_p95`` for ``lead_time_p95_h``) when exactly one known
  KPI is that name plus ``_h`` or ``_min``.
* ``<value>`` is a plain number in the KPI's unit, a percentage for a share KPI (``95%`` is
  0.95), or a duration for a KPI in hours or minutes (``2d``, ``36h``, ``90min``, ``30m``,
  ``45s``), converted to the KPI's unit. A share given as a plain number must lie in [0, 1].

:func:`check` decides whether replications meet an SLA with 95 % confidence: for ``>=`` the
one-sided lower bound ``mean - t_{0.95, n-1} s / sqrt(n)`` must reach the target, for ``<=``
the upper bound ``mean + t s / sqrt(n)`` must not exceed it. A replication where the KPI is
NaN (undefined, e.g. no order delivered) counts as not meeting the SLA; so do fewer than two
replications (no variance, no confidence).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from analysis.kpis.defs import KPI_DEFS, KPI_PATTERNS, kpi_def

#: Minutes per duration unit accepted in SLA values.
DURATION_MIN: dict[str, float] = {"d": 1440.0, "h": 60.0, "min": 1.0, "m": 1.0, "s": 1 / 60}
#: Minutes per unit of the duration KPIs (their names end in ``_h`` / ``_min``).
KPI_UNIT_MIN: dict[str, float] = {"h": 60.0, "min": 1.0}
#: Operators accepted, and the one each stands for.
OPERATORS: dict[str, str] = {">=": ">=", ">": ">=", "<=": "<=", "<": "<="}

_SLA_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*(\S+?)\s*$")
_VALUE_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(%|d|h|min|m|s)?$")


@dataclass(frozen=True)
class Sla:
    """A parsed SLA: ``kpi op target`` with the target in the KPI's unit."""

    kpi: str
    op: str  # ">=" or "<="
    target: float
    unit: str
    text: str

    def describe(self) -> str:
        """``kpi >= target`` with the resolved name and converted target."""
        return f"{self.kpi} {self.op} {self.target:g}"


@dataclass(frozen=True)
class SlaResult:
    """An SLA checked against replications: mean, one-sided bound, and whether it is met.

    ``n`` counts finite values, ``n_nan`` the replications where the KPI was NaN.
    """

    sla: Sla
    mean: float
    bound: float
    n: int
    n_nan: int
    met: bool


def _suggest(name: str, names: Collection[str]) -> str:
    close = difflib.get_close_matches(name, sorted(names), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


def resolve_kpi(name: str, known: Collection[str] | None = None) -> str:
    """The KPI a name in an SLA refers to: the name itself if known, else the one known KPI
    that is ``name_h`` or ``name_min``.

    ``known`` limits the names to those a scenario reports; without it any name
    :func:`analysis.kpis.defs.kpi_def` resolves is accepted. Raises ``ValueError`` naming the
    KPI and suggesting close names otherwise.
    """
    if known is None:
        try:
            kpi_def(name)
            return name
        except KeyError:
            pool: Collection[str] = [*KPI_DEFS, *(f"{p}<name>" for p in KPI_PATTERNS)]
    else:
        if name in known:
            return name
        pool = known
    names = KPI_DEFS if known is None else known
    candidates = [f"{name}_{u}" for u in KPI_UNIT_MIN if f"{name}_{u}" in names]
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise ValueError(
            f"expected one KPI, found {name!r} ambiguous between {', '.join(candidates)}"
        )
    raise ValueError(f"expected a known KPI, found {name!r}{_suggest(name, pool)}")


def _convert(kpi: str, unit: str, number: float, suffix: str | None) -> float:
    """The value of an SLA in the KPI's unit (``ValueError`` when the units do not fit)."""
    if suffix == "%":
        if unit != "share":
            raise ValueError(f"expected a plain number for {kpi} ({unit}), found a percentage")
        number /= 100.0
    elif suffix is not None:
        if unit not in KPI_UNIT_MIN:
            raise ValueError(f"expected a plain number for {kpi} ({unit}), found a duration")
        return number * DURATION_MIN[suffix] / KPI_UNIT_MIN[unit]
    if unit == "share" and not 0.0 <= number <= 1.0:
        raise ValueError(f"expected a share in [0, 1] or 0%..100% for {kpi}, found {number:g}")
    return number


def parse_sla(text: str, known: Collection[str] | None = None) -> Sla:
    """Parse ``"<kpi> >= <value>"`` (or ``<=``, ``>``, ``<``) into an :class:`Sla`.

    ``known``: the KPI names accepted (see :func:`resolve_kpi`). Raises ``ValueError`` with a
    one-line message for a malformed SLA, an unknown KPI or a value in the wrong unit.
    """
    m = _SLA_RE.match(text)
    if m is None:
        raise ValueError(f"expected '<kpi> >= <value>' or '<kpi> <= <value>', found {text!r}")
    name, op, raw = m.groups()
    kpi = resolve_kpi(name, known)
    vm = _VALUE_RE.match(raw)
    if vm is None:
        raise ValueError(
            f"expected a number, percentage or duration (2d, 36h, 90min, 45s), found {raw!r}"
        )
    number = float(vm.group(1))
    unit = kpi_def(kpi).unit
    target = _convert(kpi, unit, number, vm.group(2))
    if not math.isfinite(target):
        raise ValueError(f"expected a finite value, found {raw!r}")
    return Sla(kpi, OPERATORS[op], target, unit, text.strip())


def one_sided_bound(values: Sequence[float] | np.ndarray, op: str, confidence: float = 0.95):
    """``(mean, bound)`` of finite values: the lower (``>=``) or upper (``<=``) one-sided
    ``confidence`` t bound of the mean. The bound is the mean when all values are equal, NaN
    with fewer than two values."""
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return math.nan, math.nan
    mean = float(np.mean(x))
    if n < 2:
        return mean, math.nan
    sd = float(np.std(x, ddof=1))
    half = float(sps.t.ppf(confidence, n - 1)) * sd / math.sqrt(n) if sd > 0 else 0.0
    return mean, (mean - half if op == ">=" else mean + half)


def check(sla: Sla, values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> SlaResult:
    """Whether replications meet ``sla`` with ``confidence``: the one-sided bound (lower for
    ``>=``, upper for ``<=``) must satisfy the target. Any NaN value, or fewer than two
    values, means not met."""
    x = np.asarray(values, dtype=float).ravel()
    n_nan = int(np.isnan(x).sum())
    mean, bound = one_sided_bound(x, sla.op, confidence)
    ok = not math.isnan(bound) and n_nan == 0
    if ok:
        ok = bound >= sla.target if sla.op == ">=" else bound <= sla.target
    return SlaResult(sla, mean, bound, int(x.size) - n_nan, n_nan, bool(ok))


def better_or_equal(a: SlaResult, b: SlaResult) -> bool:
    """Whether ``a``'s bound is at least as good as ``b``'s for their (common) SLA; a NaN
    bound is worse than any number."""
    if math.isnan(b.bound):
        return True
    if math.isnan(a.bound):
        return False
    return a.bound >= b.bound if a.sla.op == ">=" else a.bound <= b.bound


def monotonicity_warning(sla: Sla) -> str | None:
    """Why sizing may not assume that more staff helps this SLA (None if it may).

    Staff sizing assumes service improves with headcount: an SLA on a KPI without a good
    direction (other than a utilisation capped from above), in the opposite direction to
    the KPI's good one, or on a cost KPI breaks it.
    """
    d = kpi_def(sla.kpi)
    if sla.kpi.startswith("utilisation_") and sla.op == "<=":
        return None  # more staff share the same work: utilisation falls
    if d.unit.startswith("currency"):
        return f"{sla.kpi} is a cost: it may get worse with more staff"
    if d.higher_is_better is None:
        return f"{sla.kpi} has no better direction: more staff need not help it"
    if d.higher_is_better != (sla.op == ">="):
        return f"{sla.text!r} asks for the worse direction of {sla.kpi}"
    return None


#: The values a KPI of each unit can take (shares and durations are non-negative; a share is
#: not capped at 1, since a utilisation counting overtime may pass it); a unit not listed is
#: unbounded. Only used to rule out staffings early, so a range too wide is merely cautious.
UNIT_RANGE: dict[str, tuple[float, float]] = {
    "share": (0.0, math.inf),
    "h": (0.0, math.inf),
    "min": (0.0, math.inf),
}


def best_reachable_bound(
    sla: Sla, values: Sequence[float] | np.ndarray, total: int, confidence: float = 0.95
) -> float:
    """The best one-sided bound (as :func:`check` computes it) that ``total`` replications
    can reach when the first ones gave ``values`` (finite), whatever the other
    ``total - len(values)`` give within the range of the KPI's unit (:data:`UNIT_RANGE`).

    The bound ``mean + c s`` (``<=``; ``mean - c s`` for ``>=``, ``c = t / sqrt(total)``) is
    convex in the missing values (concave for ``>=``) and symmetric in them, so its best
    value is reached with all of them equal to one ``y``; with ``d = y - a`` (``a`` the mean
    of the known values, ``Q`` their sum of squares about it, ``k`` missing of ``R``) the
    bound is ``a + (k/R) d + c sqrt((Q + n k d^2 / R) / (R - 1))``, whose minimum is at
    ``d^2 = g^2 A / (1 - g^2 B)`` (``A = Q/(R-1)``, ``B = n k / (R (R-1))``,
    ``g = k / (R c B)``), clipped to the range (unbounded below when ``g^2 B >= 1``).
    Returns +-inf when the range lets the bound go as far as wanted."""
    x = np.asarray(values, dtype=float).ravel()
    n, k = int(x.size), total - int(x.size)
    if k <= 0 or n == 0:
        return one_sided_bound(x, sla.op)[1] if n else -math.inf
    lo, hi = UNIT_RANGE.get(sla.unit, (-math.inf, math.inf))
    sign = 1.0 if sla.op == "<=" else -1.0  # for >=: the upper bound of the negated values
    if sign < 0:
        x, lo, hi = -x, -hi, -lo
    if total < 2:
        return math.nan
    a, q = float(x.mean()), float(((x - x.mean()) ** 2).sum())
    c = float(sps.t.ppf(confidence, total - 1)) / math.sqrt(total)
    big_a, big_b = q / (total - 1), n * k / (total * (total - 1))
    g = k / (total * c * big_b)
    d = -math.sqrt(g * g * big_a / (1 - g * g * big_b)) if g * g * big_b < 1 else -math.inf
    d = min(max(d, lo - a), hi - a)
    if math.isinf(d):
        return -sign * math.inf
    best = a + k / total * d + c * math.sqrt(big_a + big_b * d * d)
    return sign * best


def cannot_be_met(
    sla: Sla, values: Sequence[float] | np.ndarray, total: int, confidence: float = 0.95
) -> bool:
    """Whether ``total`` replications cannot meet ``sla`` (by :func:`check`) whatever the
    replications not yet run give: a NaN among ``values`` (the first replications), or the
    best reachable bound (:func:`best_reachable_bound`) missing the target by more than a
    rounding margin."""
    x = np.asarray(values, dtype=float).ravel()
    if np.isnan(x).any():
        return True
    if x.size == 0:
        return False
    best = best_reachable_bound(sla, x, total, confidence)
    if math.isnan(best):
        return True
    margin = 1e-9 * max(1.0, abs(sla.target))
    return best > sla.target + margin if sla.op == "<=" else best < sla.target - margin

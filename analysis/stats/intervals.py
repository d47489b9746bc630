"""Statistics for simulation experiments: confidence intervals, paired comparisons, the number
of replications needed, and M/M/c queueing formulas used to validate the model.

NaN values (a KPI undefined in some replication) are dropped before any computation; pairs
with a NaN on either side are dropped in paired comparisons. ``n`` in the results counts the
values actually used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

NAN = float("nan")

ArrayLike = Sequence[float] | np.ndarray


@dataclass(frozen=True)
class CI:
    """A two-sided confidence interval for a mean: ``mean ± half_width`` = ``[low, high]``."""

    mean: float
    half_width: float
    low: float
    high: float
    n: int
    confidence: float = 0.95


@dataclass(frozen=True)
class PairedResult:
    """Paired comparison of two configurations evaluated on the same replications (CRN).

    ``mean_diff`` is the mean of ``b - a``; ``ci`` its confidence interval; ``p_value`` the
    two-sided paired t-test p-value for a zero mean difference.
    """

    mean_diff: float
    ci: CI
    p_value: float
    n: int


def _finite(values: ArrayLike) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    return arr[~np.isnan(arr)]


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def mean_ci(values: ArrayLike, confidence: float = 0.95) -> CI:
    """Student-t confidence interval of the mean of independent observations.

    ``half_width = t_{(1+confidence)/2, n-1} * s / sqrt(n)`` with ``s`` the sample standard
    deviation. With one value the half width (and bounds) are NaN; with none, everything is.
    """
    _check_confidence(confidence)
    x = _finite(values)
    n = int(x.size)
    if n == 0:
        return CI(NAN, NAN, NAN, NAN, 0, confidence)
    mean = float(np.mean(x))
    if n == 1:
        return CI(mean, NAN, NAN, NAN, 1, confidence)
    sd = float(np.std(x, ddof=1))
    half = float(sps.t.ppf((1.0 + confidence) / 2.0, n - 1)) * sd / math.sqrt(n)
    return CI(mean, half, mean - half, mean + half, n, confidence)


def paired_difference(a: ArrayLike, b: ArrayLike, confidence: float = 0.95) -> PairedResult:
    """Paired comparison of ``b`` against ``a`` (``b - a``, replication by replication).

    Returns the mean difference, its t confidence interval and the two-sided paired t-test
    p-value (as ``scipy.stats.ttest_rel``). Constant differences do not raise: the p-value is
    1.0 when they are all zero and 0.0 when they are a non-zero constant; with fewer than two
    pairs it is NaN.
    """
    xa = np.asarray(a, dtype=float).ravel()
    xb = np.asarray(b, dtype=float).ravel()
    if xa.shape != xb.shape:
        raise ValueError(f"a and b must have the same length ({xa.size} != {xb.size})")
    d = xb - xa
    d = d[~np.isnan(d)]
    ci = mean_ci(d, confidence)
    n = ci.n
    if n < 2:
        return PairedResult(ci.mean, ci, NAN, n)
    sd = float(np.std(d, ddof=1))
    if sd == 0.0 or not math.isfinite(sd):
        p = 1.0 if ci.mean == 0.0 else 0.0
    else:
        t_stat = ci.mean / (sd / math.sqrt(n))
        p = float(2.0 * sps.t.sf(abs(t_stat), n - 1))
    return PairedResult(ci.mean, ci, p, n)


def replications_needed(values: ArrayLike, rel_precision: float, confidence: float = 0.95) -> int:
    """Replications needed for a CI half width of ``rel_precision * |mean|``.

    From a pilot of ``n`` replications with half width ``h``:
    ``n* = ceil(n * (h / (rel_precision * |mean|))**2)``, and never less than ``n``.
    Raises ``ValueError`` with fewer than two values, a non-positive precision, or a zero mean
    with a non-zero half width (relative precision is then undefined).
    """
    if not rel_precision > 0:
        raise ValueError(f"rel_precision must be > 0, got {rel_precision}")
    ci = mean_ci(values, confidence)
    if ci.n < 2:
        raise ValueError("need at least two values to estimate the variance")
    if ci.half_width == 0.0:
        return ci.n
    target = rel_precision * abs(ci.mean)
    if target == 0.0:
        raise ValueError("mean is zero: a relative precision is undefined")
    needed = ci.n * (ci.half_width / target) ** 2
    # guard against 10.000000000002 -> 11 from rounding
    return max(ci.n, math.ceil(needed - 1e-9))


def _check_queue(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Validate M/M/c parameters and return the offered load ``a = lambda / mu``."""
    if isinstance(servers, bool) or int(servers) != servers or servers < 1:
        raise ValueError(f"servers must be a positive integer, got {servers!r}")
    if not arrival_rate >= 0:
        raise ValueError(f"arrival_rate must be >= 0, got {arrival_rate}")
    if not service_rate > 0:
        raise ValueError(f"service_rate must be > 0, got {service_rate}")
    a = arrival_rate / service_rate
    if a / servers >= 1.0:
        raise ValueError(f"unstable queue: rho = {a / servers:.4g} >= 1")
    return a


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Erlang C: probability that an arrival has to wait in an M/M/c queue.

    Computed through the Erlang B recursion ``B_k = a B_{k-1} / (k + a B_{k-1})`` (no
    factorials, stable for thousands of servers) and ``C = c B / (c - a (1 - B))`` with
    ``a = lambda / mu``. Raises ``ValueError`` when ``rho = a / c >= 1`` or on bad parameters.
    """
    a = _check_queue(arrival_rate, service_rate, servers)
    c = int(servers)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in queue ``Wq = C(c, a) / (c mu - lambda)`` of an M/M/c queue (time units of
    the rates). Raises ``ValueError`` when unstable (``rho >= 1``)."""
    c_wait = erlang_c(arrival_rate, service_rate, servers)
    return c_wait / (int(servers) * service_rate - arrival_rate)

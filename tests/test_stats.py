"""Checks of analysis.stats.intervals against textbook values and independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special
from scipy import stats as sps

from analysis.stats.intervals import (
    CI,
    erlang_c,
    mean_ci,
    mmc_mean_wait,
    paired_difference,
    replications_needed,
)

# Classic data set: mean 5, sum of squared deviations 32, sample variance 32 / 7.
DATA = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
S = math.sqrt(32 / 7)


def test_mean_ci_textbook_t_table() -> None:
    ci = mean_ci(DATA)
    assert isinstance(ci, CI)
    assert ci.n == 8
    assert ci.mean == pytest.approx(5.0)
    # t table: t(0.975, 7) = 2.365, t(0.95, 7) = 1.895
    assert ci.half_width == pytest.approx(2.365 * S / math.sqrt(8), abs=1e-3)
    assert ci.low == pytest.approx(ci.mean - ci.half_width)
    assert ci.high == pytest.approx(ci.mean + ci.half_width)
    assert mean_ci(DATA, 0.90).half_width == pytest.approx(1.895 * S / math.sqrt(8), abs=1e-3)


def test_mean_ci_small_and_nan_inputs() -> None:
    one = mean_ci([3.0])
    assert one.mean == 3.0 and one.n == 1
    assert math.isnan(one.half_width) and math.isnan(one.low) and math.isnan(one.high)
    none = mean_ci([])
    assert none.n == 0 and math.isnan(none.mean)
    assert mean_ci([*DATA, float("nan")]) == mean_ci(DATA)  # NaN replications are dropped
    const = mean_ci([4.0, 4.0, 4.0])
    assert const.half_width == 0.0 and const.low == const.high == 4.0
    with pytest.raises(ValueError):
        mean_ci(DATA, confidence=1.0)


A = [12.1, 11.8, 13.0, 12.5, 12.9, 11.7]
B = [11.6, 11.9, 12.1, 12.0, 12.3, 11.2]


def test_paired_difference_matches_ttest_rel() -> None:
    res = paired_difference(A, B)
    # differences b - a: -0.5, 0.1, -0.9, -0.5, -0.6, -0.5 -> mean -2.9 / 6
    assert res.mean_diff == pytest.approx(-2.9 / 6)
    assert res.n == 6
    ref = sps.ttest_rel(B, A)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    lo, hi = ref.confidence_interval(0.95)
    assert res.ci.low == pytest.approx(lo, rel=1e-9)
    assert res.ci.high == pytest.approx(hi, rel=1e-9)
    # the sign convention: a vs b flips the difference, not the p-value
    flipped = paired_difference(B, A)
    assert flipped.mean_diff == pytest.approx(2.9 / 6)
    assert flipped.p_value == pytest.approx(res.p_value)


def test_paired_difference_degenerate_inputs() -> None:
    same = paired_difference(A, A)
    assert same.mean_diff == 0.0
    assert same.p_value == 1.0
    assert same.ci.half_width == 0.0
    shifted = paired_difference(A, [x + 1.0 for x in A])
    assert shifted.mean_diff == pytest.approx(1.0)
    assert shifted.p_value == pytest.approx(0.0)
    single = paired_difference([1.0], [2.0])
    assert single.mean_diff == 1.0 and math.isnan(single.p_value)
    with pytest.raises(ValueError):
        paired_difference([1.0, 2.0], [1.0])


def test_replications_needed() -> None:
    # h = 2.3646 * S / sqrt(8) = 1.7875; target 0.1 * 5 = 0.5: 8 * (1.7875 / 0.5)^2 = 102.2
    assert replications_needed(DATA, 0.10) == 103
    # target 0.5 * 5 = 2.5: 8 * (1.7875 / 2.5)^2 = 4.1 < 8 -> the pilot already suffices
    assert replications_needed(DATA, 0.50) == 8
    assert replications_needed([4.0, 4.0, 4.0], 0.01) == 3
    with pytest.raises(ValueError):
        replications_needed([1.0], 0.1)
    with pytest.raises(ValueError):
        replications_needed(DATA, 0.0)
    with pytest.raises(ValueError):
        replications_needed([-1.0, 1.0], 0.1)


def _erlang_c_factorials(lam: float, mu: float, c: int) -> float:
    """Erlang C by its definition (fine for small c)."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def _erlang_c_logspace(lam: float, mu: float, c: int) -> float:
    """Erlang C by its definition in log space (for large c)."""
    a = lam / mu
    k = np.arange(c)
    log_terms = k * math.log(a) - special.gammaln(k + 1)
    log_top = c * math.log(a) - special.gammaln(c + 1) - math.log(1 - a / c)
    return math.exp(log_top - special.logsumexp(np.append(log_terms, log_top)))


def test_erlang_c_single_server_is_rho() -> None:
    for lam in (0.1, 0.5, 0.9, 0.99):
        assert erlang_c(lam, 1.0, 1) == pytest.approx(lam)


def test_erlang_c_published_values() -> None:
    # c = 2, lambda = 1, mu = 0.6: a = 5/3, C = (25/18 * 6) / (1 + 5/3 + 25/3) = 25/33
    assert erlang_c(1.0, 0.6, 2) == pytest.approx(25 / 33)
    # classic table: 2 Erlangs offered to 3 servers -> P(wait) = 4/9
    assert erlang_c(2.0, 1.0, 3) == pytest.approx(4 / 9)
    assert erlang_c(0.0, 1.0, 3) == 0.0


@pytest.mark.parametrize("c", [1, 2, 3, 5, 8, 12])
@pytest.mark.parametrize("rho", [0.2, 0.6, 0.9, 0.98])
def test_erlang_c_matches_definition(c: int, rho: float) -> None:
    mu = 0.7
    lam = rho * c * mu
    assert erlang_c(lam, mu, c) == pytest.approx(_erlang_c_factorials(lam, mu, c), rel=1e-10)


def test_erlang_c_large_c_does_not_overflow() -> None:
    value = erlang_c(950.0, 1.0, 1000)  # 1000! overflows a float
    assert 0.0 < value < 1.0
    assert value == pytest.approx(_erlang_c_logspace(950.0, 1.0, 1000), rel=1e-8)


def test_mmc_mean_wait() -> None:
    lam, mu = 0.5, 1.0
    assert mmc_mean_wait(lam, mu, 1) == pytest.approx((lam / mu) / (mu - lam))  # = 1.0
    assert mmc_mean_wait(0.8, 1.0, 1) == pytest.approx(0.8 / 0.2)
    assert mmc_mean_wait(1.0, 0.6, 2) == pytest.approx((25 / 33) / (2 * 0.6 - 1.0))


@pytest.mark.parametrize(
    ("lam", "mu", "c"),
    [(1.0, 1.0, 1), (2.5, 1.0, 2), (1.0, 0.0, 1), (1.0, 1.0, 0), (-1.0, 1.0, 1), (1.0, 1.0, 1.5)],
)
def test_unstable_or_invalid_queues_raise(lam: float, mu: float, c: int) -> None:
    with pytest.raises(ValueError):
        erlang_c(lam, mu, c)
    with pytest.raises(ValueError):
        mmc_mean_wait(lam, mu, c)

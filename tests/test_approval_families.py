"""Issue 19 point 2: the approval delay is written in the family that fits best (lognormal,
gamma, Weibull, or the empirical quantiles when every family fits poorly), and the model
draws each family by inversion of the same uniform.

Synthetic delays of 3,000 orders with a known family, mean and cv: the MLE mean has a
standard error of about mean x cv / sqrt(3000) = 1.8 % x cv, so a 10 % tolerance is ~5 SE.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from analysis.calibration.calibrate import calibrate
from analysis.calibration.timing import POOR_KS
from sim.config import ProcessorConfig
from sim.stages.payment import ApprovalDelay
from tests.test_calibrate import US_PER_MIN, make_lines, make_orders

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
N = 3000
MEAN, CV = 120.0, 0.6


def _true_dist(family: str):
    """scipy distribution of the given family with mean MEAN and cv CV (location 0)."""
    if family == "lognormal":
        s = math.sqrt(math.log1p(CV**2))
        return stats.lognorm(s, scale=MEAN * math.exp(-(s**2) / 2))
    if family == "gamma":
        a = 1 / CV**2
        return stats.gamma(a, scale=MEAN / a)
    # Weibull: shape 1.7 has cv 0.6 (Gamma(1+2/1.7)/Gamma(1+1/1.7)^2 - 1 = 0.3617 = 0.601^2)
    c = 1.7
    return stats.weibull_min(c, scale=MEAN / math.gamma(1 + 1 / c))


def _calibrated(delays_min: np.ndarray):
    rng = np.random.default_rng(3)
    n = delays_min.size
    base = np.datetime64("2024-03-04T00:00", "us")
    placed = base + (rng.uniform(0, 28 * 1440, n) * US_PER_MIN).astype("timedelta64[us]")
    paid = placed + (delays_min * US_PER_MIN).astype("timedelta64[us]")
    orders = make_orders(placed, paid_at=paid)
    cal = calibrate(orders, make_lines(orders["order_id"].to_list()), base=BASELINE,
                    name="a", source="a.csv")  # fmt: skip
    (proc,) = cal.overrides["payment"]["processors"]
    return cal, proc


@pytest.mark.parametrize("family", ["lognormal", "gamma", "weibull"])
def test_each_family_is_recovered_and_written(family):
    delays = _true_dist(family).rvs(N, random_state=np.random.default_rng(11))
    cal, proc = _calibrated(delays)
    assert proc["approval_delay_family"] == family
    assert proc["approval_delay_mean_min"] == pytest.approx(MEAN, rel=0.1)
    assert proc["approval_delay_cv"] == pytest.approx(CV, rel=0.1)
    assert "POOR" not in cal.comments["payment.processors"]
    # the model's draw of the written processor has the true distribution (KS of 2,000
    # stratified uniforms against the truth: the 1 % critical value at n = 2000 is 0.036)
    cfg = ProcessorConfig(**{k: v for k, v in proc.items() if k.startswith("approval")})
    draw = ApprovalDelay(cfg)
    u = (np.arange(2000) + 0.5) / 2000
    sim = np.array([draw.minutes(x) for x in u])
    assert np.all(np.diff(sim) > 0)  # inversion: monotone in the uniform (common random numbers)
    assert stats.kstest(sim, _true_dist(family).cdf).statistic < 0.036


def test_a_mixture_fits_poorly_and_the_empirical_quantiles_are_written_with_a_warning():
    """Cards in minutes and bank slips in days: no single family fits (KS well above
    POOR_KS), so the empirical quantiles are written and the comment says why."""
    rng = np.random.default_rng(2)
    delays = np.where(rng.random(N) < 0.6, rng.exponential(3.0, N), rng.gamma(9, 300.0, N))
    cal, proc = _calibrated(delays)
    fit = next(f for f in cal.fits if f.measure == "approval delay")
    assert fit.ks > POOR_KS
    assert proc["approval_delay_family"] == "empirical"
    assert "POOR PARAMETRIC FIT" in cal.comments["payment.processors"]
    q = np.asarray(proc["approval_delay_quantiles_min"])
    assert q.size == 101
    assert q[50] == pytest.approx(np.median(delays), rel=0.01)  # p50 is the sample median
    cfg = ProcessorConfig(**{k: v for k, v in proc.items() if k.startswith("approval")})
    draw = ApprovalDelay(cfg)
    sim = np.array([draw.minutes(x) for x in (np.arange(4000) + 0.5) / 4000])
    # the draws reproduce the history (the interpolation error is within a percentile)
    assert stats.ks_2samp(sim, delays).statistic < 0.03


def test_instant_approvals_over_two_percent_are_kept_by_the_empirical_family():
    rng = np.random.default_rng(4)
    delays = np.where(rng.random(N) < 0.3, 0.0, rng.lognormal(4.0, 0.5, N))
    _, proc = _calibrated(delays)
    assert proc["approval_delay_family"] == "empirical"
    draw = ApprovalDelay(ProcessorConfig(**{k: v for k, v in proc.items() if "approval" in k}))
    sim = np.array([draw.minutes(x) for x in (np.arange(1000) + 0.5) / 1000])
    assert (sim == 0).mean() == pytest.approx((delays == 0).mean(), abs=0.02)


def test_empirical_needs_increasing_quantiles():
    with pytest.raises(ValueError, match="at least 2 quantiles"):
        ProcessorConfig(approval_delay_family="empirical", approval_delay_quantiles_min=[5.0])
    with pytest.raises(ValueError, match="non-decreasing"):
        ProcessorConfig(approval_delay_family="empirical", approval_delay_quantiles_min=[5, 1])


def test_capture_at_fulfilment_is_detected_and_not_booked_as_approval():
    """Issue 19.3: a shop that captures payment when it fulfils (paid_at a minute or two
    after Fulfilled at for 90 % of orders): no approval delay is fitted from paid_at, the
    comment says why, and handling runs from placed_at (gamma(2, 12 h): median 20.1 h)."""
    rng = np.random.default_rng(8)
    n = 1500
    base = np.datetime64("2024-03-04T00:00", "us")
    placed = base + (rng.uniform(0, 28 * 1440, n) * US_PER_MIN).astype("timedelta64[us]")
    handling_h = rng.gamma(2.0, 12.0, n)
    shipped = placed + (handling_h * 60 * US_PER_MIN).astype("timedelta64[us]")
    capture = rng.random(n) < 0.9
    lag_min = np.where(capture, rng.uniform(0.1, 3.0, n), rng.uniform(5, 600, n))
    paid = np.where(capture, shipped, placed) + (lag_min * US_PER_MIN).astype("timedelta64[us]")
    flag = np.where(paid > shipped, "carrier before approval", None)  # as the importer flags
    orders = make_orders(placed, paid_at=paid, shipped_at=shipped, timing_flag=list(flag))
    cal = calibrate(orders, make_lines(orders["order_id"].to_list()), base=BASELINE,
                    name="c", source="c.csv")  # fmt: skip
    assert "payment" not in cal.overrides  # the base (no processor) is kept
    note = cal.comments["capture at fulfilment"]
    assert "captures payment when it fulfils" in note
    share = cal.summary["timings"]["capture_at_fulfilment"]["share"]
    assert share == pytest.approx(0.9, abs=0.04)  # binomial sd 0.008
    fit = next(f for f in cal.fits if f.measure == "handling time")
    assert fit.n == n  # every order, flags of the capture cleared
    # gamma(2, 12) median 20.14 h; sample-median sd ~0.5 h
    assert fit.quantiles_data["p50"] == pytest.approx(20.14, abs=2.0)
    assert not any(f.measure == "approval delay" for f in cal.fits)


def test_paid_long_before_fulfilment_is_no_capture():
    from analysis.calibration.timing import capture_at_fulfilment

    rng = np.random.default_rng(9)
    n = 200
    placed = np.datetime64("2024-03-04T00:00", "us") + np.arange(n) * np.timedelta64(1, "h")
    paid = placed + np.timedelta64(2, "m")
    shipped = placed + (rng.uniform(2, 40, n) * 60 * US_PER_MIN).astype("timedelta64[us]")
    assert capture_at_fulfilment(make_orders(placed, paid_at=paid, shipped_at=shipped)) is None


def test_every_order_paid_at_once_fits_no_approval_delay():
    rng = np.random.default_rng(5)
    base = np.datetime64("2024-03-04T00:00", "us")
    placed = base + (rng.uniform(0, 28 * 1440, 300) * US_PER_MIN).astype("timedelta64[us]")
    orders = make_orders(placed, paid_at=placed)
    cal = calibrate(orders, make_lines(orders["order_id"].to_list()), base=BASELINE,
                    name="z", source="z.csv")  # fmt: skip
    assert "payment" not in cal.overrides
    assert "paid at once" in cal.comments["approval"]

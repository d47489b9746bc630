"""Estimators behind ``omsim calibrate``: distributions, pmfs, Zipf popularity, repeat purchases.

Every function here takes plain numpy arrays and knows nothing of scenarios; the assembly of a
scenario from an order history is :mod:`analysis.calibration.calibrate`.

Estimators
----------
:func:`fit_duration`
    Maximum-likelihood fits of ``scipy.stats`` ``lognorm``, ``gamma``, ``weibull_min`` and
    ``expon`` with the location fixed at 0, on the strictly positive durations (the four
    families live on x > 0; zeros, e.g. instant card approvals, are counted in ``n_zero`` and
    left out of the fits rather than shifted by an epsilon, which would distort the log scale).
    Above ``MAX_FIT_SAMPLE`` values the parameters are fitted on a seeded random subsample; the
    Kolmogorov-Smirnov statistic is always computed on all positive values. The best candidate
    has the lowest KS statistic. The KS p-value treats the fitted parameters as known, so it is
    optimistic (parameters estimated from the same data).
:func:`pmf_from_values`
    Empirical pmf of positive integers, truncated at ``max_len`` entries with the tail lumped
    into the last one; 4 significant digits, the rounding residue put on the largest entry.
:func:`zipf_exponent_mle`
    Discrete power-law MLE of the exponent s of p(r) = r^-s / H(n, s), r = 1..n (the model's
    popularity law), from counts per SKU ranked by count: solves E_s[ln r] = mean ln r of the
    draws. Recovers s within about 0.01 from 20,000+ draws (see the tests).
:func:`fit_repeat_purchases`
    Maximum likelihood of the model's customer process (the MBG/NBD of Batislam et al. 2007
    with a fixed lapse probability p): an acquired customer orders as a Poisson process of rate
    lambda ~ gamma(shape r, rate alpha) and after every order, the first included, lapses for
    good with probability p. The likelihood of a customer with x repeat orders, the last t_x
    days after the first, observed for T days after the first, is
    Gamma(r+x)/Gamma(r) alpha^r [(1-p)^(x+1) (alpha+T)^-(r+x) + p (1-p)^x (alpha+t_x)^-(r+x)].
    Then mean rate = r / alpha, cv = 1 / sqrt(r).
:func:`durations`, :func:`busday_counts`
    Durations between two timestamps of an order, excluding flagged rows (``timing_flag`` not
    null) and negative durations; whole business days between two dates.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy import optimize, special, stats

log = logging.getLogger(__name__)

CANDIDATES: tuple[str, ...] = ("lognorm", "gamma", "weibull_min", "expon")
QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9, 0.99)
MAX_FIT_SAMPLE = 100_000
_SHAPE_NAMES = {"lognorm": ("s",), "gamma": ("a",), "weibull_min": ("c",), "expon": ()}


def round_sig(x: float, digits: int = 4) -> float:
    """``x`` rounded to ``digits`` significant digits (0 stays 0)."""
    return float(f"{x:.{digits}g}")


def qname(q: float) -> str:
    """Quantile label: 0.1 -> ``"p10"``, 0.99 -> ``"p99"``."""
    return f"p{round(q * 100):d}"


@dataclass
class DistributionFit:
    """The fit of one measured duration: the chosen family, its goodness of fit, the data."""

    measure: str
    unit: str
    n: int
    n_excluded: int
    n_zero: int
    best: str
    params: dict[str, float]
    ks: float
    p_value: float
    quantiles_data: dict[str, float]
    quantiles_fit: dict[str, float]
    candidates_ks: dict[str, float]
    candidate_params: dict[str, dict[str, float]]
    mean: float
    cv: float
    values: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.empty(0))

    def frozen(self, name: str | None = None) -> stats.rv_continuous:
        """The fitted scipy distribution (``name``: a candidate; default the chosen one)."""
        name = name or self.best
        return getattr(stats, name)(loc=0.0, **self.candidate_params[name])


def fit_duration(
    values: np.ndarray, *, measure: str, unit: str = "h", n_excluded: int = 0, seed: int = 0
) -> DistributionFit | None:
    """Fit the candidate families to non-negative durations; None when no value is positive.

    ``mean`` and ``cv`` (sample standard deviation / mean) are of all values, zeros included;
    the fits and quantiles are of the positive values (see the module notes).
    """
    x = np.asarray(values, dtype=float)
    pos = np.sort(x[x > 0])
    if pos.size == 0:
        return None
    fit_x = pos
    if pos.size > MAX_FIT_SAMPLE:
        fit_x = np.random.default_rng(seed).choice(pos, MAX_FIT_SAMPLE, replace=False)
    cand_params: dict[str, dict[str, float]] = {}
    cand_ks: dict[str, float] = {}
    cand_p: dict[str, float] = {}
    for name in CANDIDATES:
        dist = getattr(stats, name)
        try:
            est = dist.fit(fit_x, floc=0)
        except (ValueError, RuntimeError, FloatingPointError) as exc:  # pragma: no cover
            log.warning("%s: %s fit failed: %s", measure, name, exc)
            continue
        shapes = dict(zip(_SHAPE_NAMES[name], (float(v) for v in est[:-2]), strict=True))
        params = {**shapes, "scale": float(est[-1])}
        res = stats.kstest(pos, dist(loc=0.0, **params).cdf)
        cand_params[name] = params
        cand_ks[name] = float(res.statistic)
        cand_p[name] = float(res.pvalue)
    best = min(cand_ks, key=cand_ks.__getitem__)
    frozen = getattr(stats, best)(loc=0.0, **cand_params[best])
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if x.size > 1 else 0.0
    return DistributionFit(
        measure=measure,
        unit=unit,
        n=int(pos.size),
        n_excluded=int(n_excluded),
        n_zero=int(x.size - pos.size),
        best=best,
        params=cand_params[best],
        ks=cand_ks[best],
        p_value=cand_p[best],
        quantiles_data={qname(q): float(np.quantile(pos, q)) for q in QUANTILES},
        quantiles_fit={qname(q): float(frozen.ppf(q)) for q in QUANTILES},
        candidates_ks=cand_ks,
        candidate_params=cand_params,
        mean=mean,
        cv=sd / mean if mean > 0 else 0.0,
        values=pos,
    )


@dataclass(frozen=True)
class PmfInfo:
    """What truncating an empirical pmf did."""

    n: int
    max_value: int
    tail_share: float
    mean: float
    mean_truncated: float


def pmf_from_values(values: np.ndarray, max_len: int = 1000) -> tuple[list[float], PmfInfo]:
    """P(1), P(2), ... of positive integers, at most ``max_len`` entries, the tail lumped.

    Values above ``max_len`` count as ``max_len``; ``tail_share`` is their share. Entries are
    rounded to 4 significant digits and the residue goes on the largest so they sum to 1.
    Values below 1 are ignored (none are expected: lines and quantities are >= 1).
    """
    v = np.asarray(values, dtype=np.int64)
    v = v[v >= 1]
    if v.size == 0:
        raise ValueError("expected at least one positive value, found none")
    counts = np.bincount(np.minimum(v, max_len))[1:].astype(float)
    probs = _rounded_pmf(counts)
    info = PmfInfo(
        n=int(v.size),
        max_value=int(v.max()),
        tail_share=float((v > max_len).mean()),
        mean=float(v.mean()),
        mean_truncated=float(np.minimum(v, max_len).mean()),
    )
    return probs, info


def pmf_from_counts(counts: np.ndarray) -> list[float]:
    """Counts per value 0, 1, 2, ... as fractions (4 significant digits, summing to 1)."""
    return _rounded_pmf(np.asarray(counts, dtype=float))


def _rounded_pmf(counts: np.ndarray) -> list[float]:
    p = counts / counts.sum()
    out = [round_sig(float(x)) for x in p]
    j = int(np.argmax(p))
    out[j] = round(1.0 - (math.fsum(out) - out[j]), 10)
    return out


def round_shares(shares: dict[str, float], decimals: int = 4) -> dict[str, float]:
    """Shares rounded to ``decimals`` places summing to exactly 1 (largest takes the residue).

    Rounding is done in integer units of 10^-decimals, so the units sum to 10^decimals.
    """
    unit = 10**decimals
    total = sum(shares.values())
    ints = {k: round(v / total * unit) for k, v in shares.items()}
    big = max(ints, key=lambda k: shares[k])
    ints[big] += unit - sum(ints.values())
    return {k: v / unit for k, v in ints.items()}


def zipf_exponent_mle(counts: np.ndarray) -> float:
    """MLE of the Zipf exponent s over ranks 1..n from draws per item (see the module notes)."""
    f = np.sort(np.asarray(counts, dtype=float))[::-1]
    f = f[f > 0]
    if f.size < 2:
        return 0.0
    lr = np.log(np.arange(1, f.size + 1, dtype=float))
    target = float((f * lr).sum() / f.sum())

    def gap(s: float) -> float:
        w = np.exp(-s * (lr - lr[0]))
        return float((w * lr).sum() / w.sum()) - target

    if gap(0.0) <= 0:
        return 0.0
    hi = 1.0
    while gap(hi) > 0 and hi < 64:
        hi *= 2
    return float(optimize.brentq(gap, 0.0, hi, xtol=1e-10))


def zipf_expected_counts(n: int, s: float, total: float) -> np.ndarray:
    """Expected draws at ranks 1..n of ``total`` draws from a Zipf law of exponent s."""
    w = np.arange(1, n + 1, dtype=float) ** -s
    return total * w / w.sum()


@dataclass(frozen=True)
class RepeatPurchaseFit:
    """Repeat-purchase MLE: rates gamma(mean, cv) per year, lapse probability per order."""

    n_customers: int
    mean_orders_per_year: float
    cv: float
    lapse_prob: float
    unconstrained_mean: float
    unconstrained_cv: float
    unconstrained_lapse: float
    mom_cv: float
    converged: bool


def _mbgnbd_nll(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> float:
    r, a, p = math.exp(theta[0]), math.exp(theta[1]), float(special.expit(theta[2]))
    head = special.gammaln(r + x) - special.gammaln(r) + r * math.log(a)
    alive = (x + 1) * math.log1p(-p) - (r + x) * np.log(a + T)
    gone = math.log(p) + x * math.log1p(-p) - (r + x) * np.log(a + tx)
    return -float(np.sum(head + np.logaddexp(alive, gone)))


def _mbgnbd(x, tx, T, r_bounds: tuple[float, float]) -> tuple[float, float, float, bool]:
    rate = max(float(x.sum() / T.sum()), 1e-9)
    r0 = min(max(1.0, r_bounds[0]), r_bounds[1])
    theta0 = np.array([math.log(r0), math.log(r0 / rate), 0.0])
    bounds = [(math.log(r_bounds[0]), math.log(r_bounds[1])), (-20.0, 25.0), (-16.0, 16.0)]
    res = optimize.minimize(_mbgnbd_nll, theta0, args=(x, tx, T), method="L-BFGS-B", bounds=bounds)
    r, a, p = math.exp(res.x[0]), math.exp(res.x[1]), float(special.expit(res.x[2]))
    return r / a, 1.0 / math.sqrt(r), p, bool(res.success)


def fit_repeat_purchases(
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    *,
    cv_bounds: tuple[float, float] = (0.05, 0.95),
) -> RepeatPurchaseFit:
    """Fit the repeat-purchase model (module notes) to customers' histories, times in days.

    ``x``: repeat orders (orders - 1); ``t_x``: days from first to last order; ``T``: days from
    first order to the end of the window. The reported fit keeps the cv within ``cv_bounds``
    (shape r = 1/cv^2 bounded), the unconstrained fit is kept for comparison, and ``mom_cv`` is
    the method-of-moments cv of the order counts x + 1 (Var = m + m^2 cv^2, Poisson-gamma),
    which ignores unequal exposure and lapses and is reported only as a cross-check.
    """
    x, t_x, T = (np.asarray(a, dtype=float) for a in (x, t_x, T))
    if x.size == 0:
        raise ValueError("expected at least one customer, found none")
    lo, hi = cv_bounds
    m_u, cv_u, p_u, _ = _mbgnbd(x, t_x, T, (1e-3, 1e5))
    m, cv, p, ok = _mbgnbd(x, t_x, T, (1.0 / hi**2, 1.0 / lo**2))
    k = x + 1
    mk, vk = float(k.mean()), float(k.var(ddof=1)) if k.size > 1 else 0.0
    mom = math.sqrt(max(vk - mk, 0.0)) / mk
    return RepeatPurchaseFit(
        n_customers=int(x.size),
        mean_orders_per_year=m * 365.0,
        cv=cv,
        lapse_prob=p,
        unconstrained_mean=m_u * 365.0,
        unconstrained_cv=cv_u,
        unconstrained_lapse=p_u,
        mom_cv=mom,
        converged=ok,
    )


def busday_counts(
    start: np.ndarray, end: np.ndarray, weekmask: str, holidays: list[np.datetime64]
) -> np.ndarray:
    """Business days in (start, end'] where end' is ``end`` rolled forward to a business day.

    Dates as ``datetime64[D]``. A delivery on a weekend or holiday counts as the next business
    day (the ceiling); same-day is 0; Friday to Monday is 1.
    """
    cal = np.busdaycalendar(weekmask=weekmask, holidays=holidays)
    rolled = np.busday_offset(end, 0, roll="forward", busdaycal=cal)
    one = np.timedelta64(1, "D")
    return np.busday_count(start + one, rolled + one, busdaycal=cal)


@dataclass(frozen=True)
class Durations:
    """Durations between two timestamps of the same orders, after exclusions.

    ``frame`` has the columns ``start``, ``end`` (datetimes), ``service`` (base service name or
    null) and ``hours``.
    """

    frame: pl.DataFrame
    n_pairs: int
    n_flagged: int
    n_negative: int
    keep_negative: bool = False

    @property
    def n_excluded(self) -> int:
        """Rows left out: flagged, or negative where negatives are errors."""
        return self.n_flagged + self.n_negative

    def describe(self) -> str:
        """How many orders had both times and how many were left out, in words."""
        if self.keep_negative:
            return f"{self.n_pairs:,} orders with both times, {self.n_flagged:,} flagged left out"
        return (
            f"{self.n_pairs:,} orders with both times, {self.n_flagged:,} flagged and "
            f"{self.n_negative:,} negative left out"
        )


def durations(
    orders: pl.DataFrame,
    start: str,
    end: str,
    service: pl.Series | None = None,
    *,
    keep_negative: bool = False,
) -> Durations | None:
    """``end - start`` in hours of the orders with both times (None when there are none).

    Rows with a ``timing_flag`` are left out, and so are negative durations unless
    ``keep_negative`` (lateness: early deliveries are negative).
    """
    svc = service if service is not None else pl.lit(None, pl.String)
    df = orders.select(
        pl.col(start).alias("start"),
        pl.col(end).alias("end"),
        pl.col("timing_flag").is_not_null().alias("flagged"),
        svc.alias("service"),
    ).filter(pl.col("start").is_not_null() & pl.col("end").is_not_null())
    if df.height == 0:
        return None
    n_pairs = df.height
    n_flagged = int(df["flagged"].sum())
    df = df.filter(~pl.col("flagged")).with_columns(
        ((pl.col("end") - pl.col("start")).dt.total_microseconds() / 3.6e9).alias("hours")
    )
    n_negative = 0 if keep_negative else int((df["hours"] < 0).sum())
    if not keep_negative:
        df = df.filter(pl.col("hours") >= 0)
    return Durations(df.drop("flagged"), n_pairs, n_flagged, n_negative, keep_negative)


def weekmask(business_days: tuple[str, ...] | list[str]) -> str:
    """numpy weekmask (``"1111100"``) of weekday names mon..sun."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return "".join("1" if d in business_days else "0" for d in days)


def promise_business_days(
    placed: np.ndarray, promised: np.ndarray, cutoff_min: float, mask: str, holidays: list
) -> np.ndarray:
    """Business days of each promise: the inverse of the model's promise rule.

    The model promises the day ``n`` business days after the order day (the next day when
    placed after the service's cut-off), itself first moved forward to a business day. So n =
    business days in (that day, promised day]; a promised weekend day counts as the next
    business day. ``placed`` datetimes, ``promised`` dates (``datetime64``).
    """
    placed = np.asarray(placed).astype("datetime64[m]")
    day = placed.astype("datetime64[D]")
    minute = (placed - day).astype(np.int64)
    day = day + (minute > cutoff_min).astype(np.int64)
    cal = np.busdaycalendar(weekmask=mask, holidays=holidays)
    d0 = np.busday_offset(day, 0, roll="forward", busdaycal=cal)
    return busday_counts(d0, np.asarray(promised).astype("datetime64[D]"), mask, holidays)

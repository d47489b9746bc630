"""Calibration of timings from an order history: approval delay, handling, transit, promise
and lateness (used by :func:`analysis.calibration.calibrate.calibrate` when the history has
them)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
from scipy import special

from analysis.calibration.fit import (
    DistributionFit,
    Durations,
    busday_counts,
    durations,
    fit_duration,
    pmf_from_counts,
    promise_business_days,
    round_sig,
    weekmask,
)
from analysis.calibration.toml_doc import Overrides, base_list

MAX_TRANSIT_DAYS = 30
#: an approval fit whose KS statistic exceeds this is poor: the empirical quantiles are written
POOR_KS = 0.05
#: more zero (instant) approvals than this cannot be a lognormal, gamma or Weibull
MAX_ZERO_SHARE = 0.02
N_QUANTILES = 101
#: capture at fulfilment: paid within this many minutes of fulfilled, for more than this share
CAPTURE_WINDOW_MIN = 15.0
CAPTURE_MIN_SHARE = 0.5
CAPTURE_MIN_N = 20
MIN_SERVICE_TRANSIT = 30
# a weekday is a carrier delivery day when it holds at least this fraction of the deliveries
# an average weekday holds (1/7 of all): 0.25 keeps a real Saturday round (typically 5-15 %
# of a week's deliveries) and drops stray weekend scans (well under 1 %)
DELIVERY_DAY_MIN_RATIO = 0.25
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def fit_timings(
    out: Overrides,
    orders: pl.DataFrame,
    raw: dict[str, Any],
    resolved: dict[str, Any],
    scenario: Any,
    service_of: pl.Series | None,
    summary: dict[str, Any],
) -> list[DistributionFit]:
    """Approval, handling and transit fits, transit pmfs and promises, where timings exist.

    Approval = paid_at - placed_at, handling = shipped_at - paid_at, transit = delivered_at -
    shipped_at, promise = promised_at - placed_at, lateness = delivered_at - promised_at.
    Flagged rows (``timing_flag``) and negative durations (except lateness) are left out.
    Approval: on every base processor, the best family by KS with its mean and cv in minutes,
    or the empirical quantiles when that fit is poor (:func:`approval_keys`).
    Handling: fitted and commented (emergent in the model's warehouse; ``omsim calibrate``
    then fits a release hold from it, :mod:`analysis.calibration.hold`). Transit: each
    base carrier service's ``transit_days_pmf`` = the empirical pmf of business days (base
    calendar) after the pickup day, capped at 30 (tail lumped); per service when services
    match and the service has 30+ deliveries. Promise: each base service's
    ``promised_business_days`` = the median promise in business days (per service when
    services match; else the median of all orders, under each service's cut-off).
    """
    mask = weekmask(scenario.calendar.business_days)
    holidays = [np.datetime64(h, "D") for h in scenario.calendar.holidays]
    fits: list[DistributionFit] = []
    timing: dict[str, Any] = {}
    summary["timings"] = timing

    def fitted(d: Durations, measure: str) -> DistributionFit | None:
        fit = fit_duration(d.frame["hours"].to_numpy(), measure=measure, n_excluded=d.n_excluded)
        if fit is not None:
            fits.append(fit)
            timing[measure] = {"n": fit.n, "n_excluded": d.n_excluded, "best": fit.best,
                               "ks": fit.ks, "p50_h": fit.quantiles_data["p50"],
                               "p90_h": fit.quantiles_data["p90"]}  # fmt: skip
        return fit

    def fit_text(fit: DistributionFit | None) -> str:
        if fit is None:
            return "all zero"
        q = fit.quantiles_data
        ks = ", ".join(f"{k} {v:.3g}" for k, v in fit.candidates_ks.items())
        return (
            f"median {q['p50']:.3g} h, p90 {q['p90']:.3g} h; best fit {fit.best} "
            f"(KS {fit.ks:.3g}; all KS: {ks})"
        )

    capture = capture_at_fulfilment(orders)
    if capture is not None:
        share, n = capture
        timing["capture_at_fulfilment"] = {"share": share, "n": n}
        out.note(
            "capture at fulfilment",
            f"paid_at is within {CAPTURE_WINDOW_MIN:g} min of shipped_at for {share:.1%} of the "
            f"{n:,} orders with both (more than {CAPTURE_MIN_SHARE:.0%}): the shop captures "
            "payment when it fulfils, so paid_at is warehouse time, not payment approval. No "
            "approval delay is fitted (the base's payment settings are kept) and handling is "
            "measured from placed_at",
        )
        # paid after fulfilled by seconds is the capture, not a data error: unflag it
        flag = pl.col("timing_flag")
        orders = orders.with_columns(
            pl.col("placed_at").alias("paid_at"),
            pl.when(flag == "carrier before approval")
            .then(None)
            .otherwise(flag)
            .alias(flag.meta.output_name()),
        )
    d = durations(orders, "placed_at", "paid_at", service_of)
    if capture is None and d is not None and d.frame.height and not (d.frame["hours"] > 0).any():
        out.note(
            "approval",
            f"approval delay (paid_at - placed_at) of {d.describe()}: every order paid at "
            "once, so no approval delay is fitted (the base's payment settings are kept)",
        )
        d = None
    if capture is None and d is not None and d.frame.height:
        fit = fitted(d, "approval delay")
        minutes = d.frame["hours"].to_numpy() * 60.0
        text = (
            f"approval delay (paid_at - placed_at) of {d.describe()}: mean "
            f"{minutes.mean():.4g} min, {(minutes == 0).mean():.1%} instant; {fit_text(fit)}"
        )
        keys, how = approval_keys(fit, minutes)
        timing["approval_family"] = keys["approval_delay_family"]
        procs = base_list(raw, resolved, "payment.processors")
        if procs:
            for p in procs:
                p.pop("approval_delay_quantiles_min", None)
                p.update(keys)
            out.set(
                "payment.processors",
                procs,
                f"fitted: {text}; {how}, set on every processor of the base",
            )
        else:  # a processor that only delays: the history holds only paid orders
            channels = [c["name"] for c in base_list(raw, resolved, "demand.channels")]
            proc = {
                "name": "payments", "channels": channels, "decline_prob": 0.0,
                "fraud_review_share": 0.0, **keys,
            }  # fmt: skip
            out.set(
                "payment.processors",
                [proc],
                f"fitted: {text}; {how}. The base has no processor: this one takes every "
                "channel's payments and declines none (the history holds only orders that "
                "were paid, so declines cannot be seen in it)",
            )

    d = durations(orders, "paid_at", "shipped_at", service_of)
    if d is not None and d.frame.height:
        out.note(
            "handling",
            f"shipped_at - paid_at of {d.describe()}: {fit_text(fitted(d, 'handling time'))}. "
            "Not a scenario key (emergent in the warehouse); omsim calibrate writes any "
            "longer real handling as a release hold ([hold], time outside the warehouse).",
        )

    d = durations(orders, "shipped_at", "delivered_at", service_of)
    if d is not None and d.frame.height:
        _transit(out, d, raw, resolved, service_of is not None, holidays, fitted, fit_text)

    d = durations(orders, "placed_at", "promised_at", service_of)
    if d is not None and d.frame.height:
        _promises(out, d, raw, resolved, service_of is not None, mask, holidays, timing)

    d = durations(orders, "promised_at", "delivered_at", keep_negative=True)
    if d is not None and d.frame.height:
        h = d.frame["hours"].to_numpy()
        late = (d.frame["end"].dt.date() > d.frame["start"].dt.date()).to_numpy()
        timing["lateness"] = {
            "n": int(h.size),
            "late_share": float(late.mean()),
            "p50_h": float(np.median(h)),
            "p90_h": float(np.quantile(h, 0.9)),
        }
        out.note(
            "lateness",
            f"delivered_at - promised_at of {d.describe()}: {late.mean():.1%} delivered after "
            f"the promised day; median {np.median(h):.3g} h, p90 {np.quantile(h, 0.9):.3g} h "
            "(validation target, not a scenario key)",
        )
    return fits


def _transit(
    out: Overrides,
    d: Durations,
    raw: dict[str, Any],
    resolved: dict[str, Any],
    matched: bool,
    holidays: list[np.datetime64],
    fitted: Callable[[Durations, str], DistributionFit | None],
    fit_text: Callable[[DistributionFit | None], str],
) -> None:
    """Every base carrier's delivery_days and its services' transit_days_pmf, on one calendar.

    The delivery weekdays are fitted from the delivery dates (:func:`delivery_weekdays`) and
    transit is counted in those days, which is how the model counts it
    (``PickupSchedule.delivered_at``: the k-th carrier delivery day after the pickup day).
    """
    cap = MAX_TRANSIT_DAYS
    fit = fitted(d, "transit time")
    delivery_days, shares = delivery_weekdays(d.frame["end"].dt.weekday().to_numpy() - 1)
    mask = weekmask(delivery_days)
    days = busday_counts(
        d.frame["start"].dt.date().to_numpy(), d.frame["end"].dt.date().to_numpy(), mask, holidays
    )
    pooled = pmf_from_counts(np.bincount(np.minimum(days, cap)))
    service = d.frame["service"].to_numpy()
    carriers = base_list(raw, resolved, "shipping.carriers")
    own = set()
    for carrier in carriers:
        carrier["delivery_days"] = list(delivery_days)
        for cs in carrier["services"]:
            sub = days[service == cs["service"]] if matched else days[:0]
            if sub.size >= MIN_SERVICE_TRANSIT:
                cs["transit_days_pmf"] = pmf_from_counts(np.bincount(np.minimum(sub, cap)))
                own.add(cs["service"])
            else:
                cs["transit_days_pmf"] = pooled
    out.set(
        "shipping.carriers",
        carriers,
        f"fitted delivery_days {list(delivery_days)}: the weekdays holding at least "
        f"{DELIVERY_DAY_MIN_RATIO:g} x 1/7 of the deliveries (shares mon..sun "
        f"{[round(x, 3) for x in shares]}); fitted transit_days_pmf: delivered_at - shipped_at "
        f"of {d.describe()}, in those carrier delivery days (base holidays) after the pickup day, "
        "as the model counts transit, a delivery on another day counted as the next delivery "
        f"day; {(days > cap).mean():.2%} above {cap} lumped "
        f"into the last entry; mean {days.mean():.3g} business days; "
        + (f"per service for {sorted(own)}, " if own else "")
        + f"otherwise the pmf of all orders. In hours: {fit_text(fit)}",
    )


def capture_at_fulfilment(orders: pl.DataFrame) -> tuple[float, int] | None:
    """(share, n) when most orders were paid within minutes of being fulfilled, else None.

    Among the orders with both ``paid_at`` and ``shipped_at`` (at least ``CAPTURE_MIN_N``),
    the share with ``|paid_at - shipped_at| <= CAPTURE_WINDOW_MIN`` minutes; above
    ``CAPTURE_MIN_SHARE`` the shop captures payment at fulfilment (Shopify's manual capture).
    """
    if "paid_at" not in orders.columns or "shipped_at" not in orders.columns:
        return None
    gap = (
        orders.select((pl.col("paid_at") - pl.col("shipped_at")).dt.total_seconds().abs())
        .to_series()
        .drop_nulls()
    )
    if gap.len() < CAPTURE_MIN_N:
        return None
    share = float((gap <= CAPTURE_WINDOW_MIN * 60).mean())
    return (share, int(gap.len())) if share > CAPTURE_MIN_SHARE else None


def family_mean_cv(name: str, params: dict[str, float]) -> tuple[str, float, float]:
    """(model family, mean, cv) of a fitted ``scipy.stats`` candidate (location 0)."""
    if name == "lognorm":
        s2 = params["s"] ** 2
        return "lognormal", params["scale"] * math.exp(s2 / 2), math.sqrt(math.expm1(s2))
    if name == "gamma":
        return "gamma", params["a"] * params["scale"], 1.0 / math.sqrt(params["a"])
    if name == "weibull_min":
        c = params["c"]
        g1, g2 = special.gamma(1 + 1 / c), special.gamma(1 + 2 / c)
        return "weibull", params["scale"] * g1, math.sqrt(max(g2 / g1**2 - 1, 0.0))
    return "gamma", params["scale"], 1.0  # expon: a gamma of shape 1


def approval_keys(fit: DistributionFit | None, minutes: np.ndarray) -> tuple[dict, str]:
    """The processor keys of the approval delay and the comment saying how they were chosen.

    The best family by KS (its maximum-likelihood mean and cv), unless its KS exceeds
    ``POOR_KS`` or more than ``MAX_ZERO_SHARE`` of the delays are 0 (the families live on
    x > 0): then the empirical quantiles (every ``1 / (N_QUANTILES - 1)``, zeros included).
    """
    zero = float((minutes == 0).mean())
    if fit is not None and fit.ks <= POOR_KS and zero <= MAX_ZERO_SHARE:
        family, mean_h, cv = family_mean_cv(fit.best, fit.params)
        mean = mean_h * 60.0  # the fits are in hours
        keys = {
            "approval_delay_family": family,
            "approval_delay_mean_min": round_sig(mean),
            "approval_delay_cv": round_sig(cv),
        }
        return keys, (
            f"the best family {fit.best} (KS {fit.ks:.3g}, good: at most {POOR_KS}) written as "
            f"{family} with its maximum-likelihood mean {mean:.4g} min and cv {cv:.3g} (zeros, "
            f"{zero:.1%}, left out)"
        )
    q = np.quantile(minutes, np.linspace(0.0, 1.0, N_QUANTILES))
    keys = {
        "approval_delay_family": "empirical",
        "approval_delay_mean_min": round_sig(float(minutes.mean())),
        "approval_delay_quantiles_min": [round_sig(float(v)) for v in q],
    }
    why = (
        f"{zero:.1%} of the delays are 0, more than {MAX_ZERO_SHARE:.0%}"
        if zero > MAX_ZERO_SHARE
        else f"the best family {fit.best if fit else '-'} fits poorly (KS "
        f"{fit.ks if fit else 1.0:.3g} > {POOR_KS})"
    )
    return keys, (
        f"POOR PARAMETRIC FIT: {why}, so the empirical distribution is written instead: "
        f"{N_QUANTILES} quantiles (p0..p100) in minutes, zeros included"
    )


def delivery_weekdays(weekday: np.ndarray) -> tuple[tuple[str, ...], list[float]]:
    """The carrier's delivery weekdays and the share of deliveries on each weekday (mon..sun).

    ``weekday`` holds 0 (Monday) .. 6 (Sunday) per delivery. A weekday is a delivery day when
    its share is at least ``DELIVERY_DAY_MIN_RATIO`` / 7; the busiest weekday always is.
    """
    counts = np.bincount(np.asarray(weekday, dtype=np.int64), minlength=7)[:7].astype(float)
    shares = counts / counts.sum()
    keep = shares >= DELIVERY_DAY_MIN_RATIO / 7
    keep[int(np.argmax(shares))] = True
    return tuple(w for w, k in zip(WEEKDAYS, keep, strict=True) if k), shares.tolist()


def _promises(
    out: Overrides,
    d: Durations,
    raw: dict[str, Any],
    resolved: dict[str, Any],
    matched: bool,
    mask: str,
    holidays: list[np.datetime64],
    timing: dict[str, Any],
) -> None:
    """Every base service's promised_business_days: the median promise in business days."""
    services = out.get("demand.services") or base_list(raw, resolved, "demand.services")
    placed = d.frame["start"].to_numpy()
    promised = d.frame["end"].dt.date().to_numpy()
    service = d.frame["service"].to_numpy()
    medians = {}
    for s in services:
        h, m = s.get("cutoff", "14:00").split(":")
        days = promise_business_days(placed, promised, int(h) * 60 + int(m), mask, holidays)
        if matched:
            days = days[service == s["name"]]
        if days.size:
            med = int(np.clip(np.quantile(days, 0.5, method="inverted_cdf"), 0, 60))
            s["promised_business_days"] = medians[s["name"]] = med
    timing["promise_business_days"] = medians
    how = (
        "the median of each service's orders"
        if matched
        else "services not matched, so the median of all orders (under each service's cut-off) "
        "for every service; shares are the base's"
    )
    before = out.comments.get("demand.services", "")
    out.set(
        "demand.services",
        services,
        (before + ". " if before else "")
        + f"promised_business_days fitted: promised_at - placed_at of {d.describe()}, in business "
        f"days after the order day (the next day after the cut-off); {how}: {medians}",
    )

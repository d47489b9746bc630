"""Calibration of repeat purchases from an order history (``customers`` keys), used by
:func:`analysis.calibration.calibrate.calibrate` when orders carry customer ids."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from analysis.calibration.fit import fit_repeat_purchases, round_sig
from analysis.calibration.toml_doc import Overrides

MIN_CUSTOMER_DAYS = 28
CV_BOUNDS = (0.05, 0.95)


def fit_customers(
    out: Overrides,
    orders: pl.DataFrame,
    end: dt.datetime,
    channel_profiles: bool,
    summary: dict[str, Any],
) -> None:
    """Repeat purchases from the orders with a customer id."""
    known = orders.filter(pl.col("customer_id").is_not_null())
    if known.height == 0:
        out.set(
            "customers.enabled",
            False,
            "not fitted: no order has a customer id, so repeat purchases cannot be measured",
        )
        return
    per = known.group_by("customer_id").agg(
        pl.col("placed_at").min().alias("first"),
        pl.col("placed_at").max().alias("last"),
        pl.len().alias("k"),
    )
    day_us = 86_400e6
    x = per["k"].to_numpy().astype(float) - 1.0
    t_x = (per["last"] - per["first"]).dt.total_microseconds().to_numpy() / day_us
    T = per.select((pl.lit(end) - pl.col("first")).dt.total_microseconds())
    T = T.to_series().to_numpy() / day_us
    summary["customers"] = per.height
    window = float(T.max())
    why = None
    if window < MIN_CUSTOMER_DAYS:
        why = f"a window of {window:.3g} days is too short (repeat purchases need 28+)"
    elif x.sum() == 0:
        why = "every customer ordered once"
    elif channel_profiles:
        why = "a base channel has its own hourly_weights, which customers cannot follow"
    if why:
        out.set("customers.enabled", False, f"not fitted: {why}")
        return
    fit = fit_repeat_purchases(x, t_x, np.maximum(T, t_x), cv_bounds=CV_BOUNDS)
    summary["repeat_purchases"] = fit
    share = known.height / orders.height
    out.set(
        "customers.enabled",
        True,
        f"fitted from {known.height:,} orders ({share:.1%} of all) of {per.height:,} customers "
        f"({int((x > 0).sum()):,} ordered again)",
    )
    out.set(
        "customers.mean_orders_per_year",
        round_sig(fit.mean_orders_per_year),
        "fitted: maximum likelihood of the model's process (MBG/NBD, fixed lapse): each "
        "customer, from its first order in the window, orders at a gamma-distributed Poisson "
        "rate and lapses after each order with base_lapse_prob; 365 x mean rate (r / alpha)"
        + ("" if fit.converged else "; the optimiser did not report convergence"),
    )
    clipped = not np.isclose(fit.cv, fit.unconstrained_cv, rtol=1e-3)
    out.set(
        "customers.purchase_rate_cv",
        round(fit.cv, 4),
        "fitted: 1 / sqrt(gamma shape) of the same fit"
        + (
            f", at the bound {CV_BOUNDS} the schema needs (0 < cv < 1; unconstrained fit: cv "
            f"{fit.unconstrained_cv:.3g}, {fit.unconstrained_mean:.3g} orders a year, lapse "
            f"{fit.unconstrained_lapse:.3g})"
            if clipped
            else ""
        )
        + f"; method of moments on order counts (ignores exposure and lapses): {fit.mom_cv:.3g}",
    )
    out.set(
        "customers.base_lapse_prob",
        round(fit.lapse_prob, 4),
        "fitted: lapse probability after each order, the first included, of the same fit",
    )

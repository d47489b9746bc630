"""Calibrate a scenario from an imported order history (``omsim calibrate``).

:func:`calibrate` turns the ``orders`` and ``lines`` frames of :mod:`analysis.importers.read` into
scenario overrides on top of a base scenario, each with the comment written beside it in the
TOML (:mod:`analysis.calibration.toml_doc`), plus goodness-of-fit records for the measured durations
(:mod:`analysis.calibration.fit`, figures in :mod:`analysis.calibration.plots`). The timing
columns (``paid_at``, ``shipped_at``, ``delivered_at``, ``promised_at``, ``timing_flag``) are
optional: absent columns count as all null. Profiles need local times: a time-zone-aware
column (an importer's ``tz``) is read as the wall clock of its zone; a UTC one (offsets in
the source, no ``tz``) is read as UTC wall clock, with a warning.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from analysis.calibration.customers import fit_customers
from analysis.calibration.fit import (
    pmf_from_values,
    round_shares,
    round_sig,
    zipf_exponent_mle,
)
from analysis.calibration.result import Calibration
from analysis.calibration.staff import fit_staffing
from analysis.calibration.timing import fit_timings
from analysis.calibration.toml_doc import Overrides, base_list, plain
from sim.replay import service_name
from sim.scenario import read_raw, validate

log = logging.getLogger(__name__)

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIMING_COLUMNS: tuple[str, ...] = ("paid_at", "shipped_at", "delivered_at", "promised_at")
MAX_PMF = 1000
MAX_SKUS = 1_000_000


def calibrate(
    result_orders: pl.DataFrame,
    result_lines: pl.DataFrame,
    *,
    base: Path,
    name: str,
    source: str,
) -> Calibration:
    """Fit a scenario on top of ``base`` from an order history (estimators in the comments).

    Window: ``simulation.start`` = midnight of the first order's day, ``horizon_days`` = whole
    days to the end of the last order's day. Demand: ``orders_per_day`` = orders / days;
    ``weekday_multipliers[d]`` = mean orders per occurrence of weekday d / orders_per_day
    (1 for a weekday absent from a window shorter than a week); ``hourly_weights`` = mean
    orders per calendar day in each hour, ``hourly_weights_by_weekday[d]`` = mean orders per
    occurrence of d in each hour (weekdays without orders left out); 4 significant digits.
    Lines per order and units per line: empirical pmfs, at most 1000 entries, tail lumped.
    Order value: sample mean and cv (ddof 1) of the orders with value > 0. Catalogue: distinct
    SKUs; Zipf exponent by the discrete power-law MLE over ranks 1..n of lines per SKU; the
    warehouse's slots per side raised to hold every SKU. Services: shares when every service
    value names a base service (case-insensitive), else only a comment. Customers: maximum
    likelihood of the model's own repeat-purchase process (gamma rates, lapse after each
    order; :func:`analysis.calibration.fit.fit_repeat_purchases`), cv kept in (0.05, 0.95);
    left off (with a comment) without customer ids, repeat orders or a 28-day window.
    Timings (when present): see :func:`analysis.calibration.timing.fit_timings`. Staffing:
    headcounts of pickers, packers (and consolidators for wave picking) by the workload rule
    of :mod:`analysis.calibration.staff`, on the base scenario with the fitted overrides.
    """
    orders = _prepared(result_orders)
    if orders.height == 0:
        raise ValueError("calibrate: expected at least one order, found none")
    base = Path(base).resolve()
    raw = read_raw(base)
    scenario = validate(raw, str(base))
    resolved = plain(scenario.model_dump())
    out = Overrides()
    summary: dict[str, Any] = {"source": source, "orders": orders.height}

    first = orders["placed_at"].min().date()
    last = orders["placed_at"].max().date()
    days = (last - first).days + 1
    start = dt.datetime.combine(first, dt.time())
    summary.update(first_day=first.isoformat(), last_day=last.isoformat(), days=days)
    summary["description"] = (
        f"Calibrated from {Path(source).name}: {orders.height:,} orders, {first} to {last}"
    )
    out.set("simulation.start", start, f"fitted: midnight of the first order's day ({first})")
    out.set(
        "simulation.horizon_days",
        days,
        f"fitted: whole days from {first} to the end of the last order's day ({last})",
    )
    channel_profiles = any(c.hourly_weights for c in scenario.demand.channels)
    profile = _demand(out, orders, first, days, channel_profiles, summary)
    _contents(out, orders, result_lines, summary)
    sku_counts = _catalog(out, result_lines, scenario, summary)
    service_of = _services(out, orders, raw, resolved, summary)
    fit_customers(out, orders, start + dt.timedelta(days=days), channel_profiles, summary)
    fits = fit_timings(out, orders, raw, resolved, scenario, service_of, summary)
    occ = np.bincount([(first + dt.timedelta(days=k)).weekday() for k in range(days)], minlength=7)
    fit_staffing(
        out,
        validate(_merged(raw, out.tables), str(base)),
        base_list(raw, resolved, "staffing.shifts"),
        profile,
        occ,
        summary["lines_per_order_mean"],
        summary["lines_per_order_mean"] * summary["units_per_line_mean"],
        summary["n_skus"],
        summary,
    )
    return Calibration(
        overrides=out.tables,
        comments=out.comments,
        fits=fits,
        summary=summary,
        base=base,
        name=name,
        source=source,
        profile=profile,
        sku_counts=sku_counts,
    )


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with the override tables laid over it (tables merged, other values replaced)."""
    out = dict(base)
    for k, v in over.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _prepared(orders: pl.DataFrame) -> pl.DataFrame:
    """Orders with every timing column present (null when absent), all times naive."""
    add = [pl.lit(None, pl.Datetime("us")).alias(c) for c in TIMING_COLUMNS if c not in orders]
    if "timing_flag" not in orders.columns:
        add.append(pl.lit(None, pl.String).alias("timing_flag"))
    if "service" not in orders.columns:
        add.append(pl.lit(None, pl.String).alias("service"))
    if "customer_id" not in orders.columns:
        add.append(pl.lit(None, pl.String).alias("customer_id"))
    orders = orders.with_columns(add) if add else orders
    fixes = []
    for col in ("placed_at", *TIMING_COLUMNS):
        dtype = orders.schema[col]
        if isinstance(dtype, pl.Date):
            fixes.append(pl.col(col).cast(pl.Datetime("us")))
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            level = logging.WARNING if dtype.time_zone == "UTC" else logging.INFO
            log.log(level, "%s: using the local wall clock in %s", col, dtype.time_zone)
            fixes.append(pl.col(col).dt.replace_time_zone(None))
    orders = orders.with_columns(fixes) if fixes else orders
    return orders.filter(pl.col("placed_at").is_not_null())


def _demand(
    out: Overrides,
    orders: pl.DataFrame,
    first: dt.date,
    days: int,
    channel_profiles: bool,
    summary: dict[str, Any],
) -> np.ndarray:
    """Rate, weekday multipliers and hour-of-day profiles; returns orders per weekday x hour."""
    n = orders.height
    wd = orders["placed_at"].dt.weekday().to_numpy().astype(int) - 1  # 0 = Monday
    hour = orders["placed_at"].dt.hour().to_numpy().astype(int)
    profile = np.zeros((7, 24))
    np.add.at(profile, (wd, hour), 1.0)
    occ = np.bincount([(first + dt.timedelta(days=k)).weekday() for k in range(days)], minlength=7)
    opd = n / days
    summary["orders_per_day"] = opd
    out.set(
        "demand.orders_per_day",
        round_sig(opd, 6),
        f"fitted: {n:,} orders over {days:,} days, mean per calendar day",
    )
    mult = {}
    for k, d in enumerate(WEEKDAYS):
        mult[d] = round_sig(profile[k].sum() / occ[k] / opd) if occ[k] else 1.0
    occ_text = ", ".join(f"{d} {occ[k]}" for k, d in enumerate(WEEKDAYS))
    absent = [d for k, d in enumerate(WEEKDAYS) if not occ[k]]
    out.set(
        "demand.weekday_multipliers",
        mult,
        "fitted: mean orders per occurrence of the weekday / orders_per_day (occurrences: "
        f"{occ_text}); 0 = no orders on that weekday"
        + (f"; not in the window, so 1: {', '.join(absent)}" if absent else ""),
    )
    summary["weekday_multipliers"] = mult
    out.set(
        "demand.hourly_weights",
        [round_sig(v) for v in profile.sum(axis=0) / days],
        "fitted: mean orders per calendar day placed in each hour 0..23 (all weekdays)",
    )
    by_day = {
        d: [round_sig(v) for v in profile[k] / occ[k]]
        for k, d in enumerate(WEEKDAYS)
        if profile[k].sum() > 0
    }
    if channel_profiles:
        out.note(
            "demand.hourly_weights_by_weekday",
            "not written: a base channel has its own hourly_weights, which excludes weekday "
            "profiles; the weekday x hour profile is in the figures",
        )
    else:
        out.set(
            "demand.hourly_weights_by_weekday",
            by_day,
            "fitted: mean orders per occurrence of the weekday placed in each hour 0..23; "
            "weekdays without orders are left out (their multiplier is 0)",
        )
    return profile


def _pmf_comment(what: str, info: Any, n_entries: int) -> str:
    text = f"fitted: empirical pmf of {info.n:,} {what} (largest {info.max_value:,})"
    if info.tail_share > 0:
        return (
            f"{text}; {n_entries} entries, the {info.tail_share:.3%} above {MAX_PMF} lumped "
            f"into the last: mean {info.mean:.4g} -> {info.mean_truncated:.4g}"
        )
    return f"{text}, mean {info.mean:.4g}, no truncation"


def _contents(
    out: Overrides, orders: pl.DataFrame, lines: pl.DataFrame, summary: dict[str, Any]
) -> None:
    """Lines per order, units per line and order value."""
    pmf, info = pmf_from_values(orders["n_lines"].to_numpy(), MAX_PMF)
    out.set("demand.lines_per_order_pmf", pmf, _pmf_comment("orders' line counts", info, len(pmf)))
    summary["lines_per_order_mean"] = info.mean
    pmf, info = pmf_from_values(lines["quantity"].to_numpy(), MAX_PMF)
    out.set("demand.units_per_line_pmf", pmf, _pmf_comment("lines' quantities", info, len(pmf)))
    summary["units_per_line_mean"] = info.mean
    value = orders["value"].drop_nulls().to_numpy()
    pos = value[value > 0]
    if pos.size == 0:
        out.note("demand.order_value_mean", "not fitted: no order has a value > 0")
        return
    mean = float(pos.mean())
    cv = float(pos.std(ddof=1) / mean) if pos.size > 1 else 0.0
    skipped = f", {orders.height - pos.size:,} with value <= 0 or none left out"
    out.set(
        "demand.order_value_mean",
        round_sig(mean),
        f"fitted: mean value of the {pos.size:,} orders with value > 0{skipped}",
    )
    out.set(
        "demand.order_value_cv",
        round_sig(cv),
        "fitted: sample standard deviation (ddof 1) / mean of the same orders",
    )
    summary.update(order_value_mean=mean, order_value_cv=cv)


def _catalog(
    out: Overrides, lines: pl.DataFrame, scenario: Any, summary: dict[str, Any]
) -> np.ndarray:
    """Number of SKUs, Zipf exponent, and enough warehouse slots."""
    counts = np.sort(lines.group_by("sku").len()["len"].to_numpy())[::-1]
    n_skus = int(counts.size)
    s = zipf_exponent_mle(counts)
    summary.update(n_skus=n_skus, zipf_exponent=s, lines=lines.height)
    written = min(n_skus, MAX_SKUS)
    out.set(
        "catalog.n_skus",
        written,
        f"fitted: distinct SKUs in {lines.height:,} order lines"
        + (f" ({n_skus:,}, capped at the schema's {MAX_SKUS:,})" if written < n_skus else ""),
    )
    out.set(
        "catalog.popularity_zipf_exponent",
        round(s, 4),
        "fitted: discrete power-law MLE of s in P(rank r) ~ r^-s, r = 1..n_skus, on the lines "
        f"per SKU ranked by count (most popular SKU: {int(counts[0]):,} lines)",
    )
    wh = scenario.warehouse
    slots = 2 * wh.n_slots_per_side * wh.n_aisles
    if written > slots:
        aisles = wh.n_aisles
        per_side = -(-written // (2 * aisles))
        if per_side > 10_000:
            aisles = -(-written // 20_000)
            per_side = -(-written // (2 * aisles))
            out.set(
                "warehouse.n_aisles",
                aisles,
                f"raised from {wh.n_aisles}: {written:,} SKUs need more than 10,000 slots a side",
            )
        out.set(
            "warehouse.n_slots_per_side",
            per_side,
            f"raised from {wh.n_slots_per_side} so the {2 * per_side * aisles:,} slots hold "
            f"the {written:,} SKUs (the base has {slots:,})",
        )
    return counts


def _services(
    out: Overrides,
    orders: pl.DataFrame,
    raw: dict[str, Any],
    resolved: dict[str, Any],
    summary: dict[str, Any],
) -> pl.Series | None:
    """Service shares when every observed service names a base service.

    Returns each order's base service name (null where the order has none), or None when
    the services do not match.
    """
    services = base_list(raw, resolved, "demand.services")
    names = {s["name"].lower(): s["name"] for s in services}
    observed = orders["service"].drop_nulls().value_counts(sort=True)
    n_with = int(observed["count"].sum()) if observed.height else 0
    mix = ", ".join(f"{v} {c / n_with:.1%}" for v, c in observed.head(10).iter_rows())
    if observed.height == 0:
        out.note("demand.services", "not fitted: no order names a service")
        summary["services_matched"] = False
        return None
    mapping = {v: service_name(v, list(names.values())) for v in observed["service"].to_list()}
    unmatched = [v for v, m in mapping.items() if m is None]
    if unmatched:
        out.note(
            "demand.services",
            f"not fitted: service values {unmatched[:5]} do not name a base service "
            f"{sorted(names.values())}; observed mix of {n_with:,} orders: {mix}",
        )
        summary["services_matched"] = False
        return None
    counts = dict.fromkeys(names.values(), 0.0)
    for v, c in observed.iter_rows():
        counts[mapping[v]] += c
    renamed = {v: m for v, m in mapping.items() if m is not None and m.lower() != v.lower()}
    if renamed:
        summary["service_names"] = renamed
    shares = round_shares(counts)
    out.set(
        "demand.services",
        [{**s, "share": shares[s["name"]]} for s in services],
        f"fitted: service shares of the {n_with:,} orders naming one ({mix}; names mapped by "
        f"the service-name table: {renamed or 'none renamed'}"
        f"{'' if n_with == orders.height else f'; {orders.height - n_with:,} without'}); "
        "base services not seen get 0; 4 decimals, the largest takes the rounding",
    )
    summary["services_matched"] = True
    summary["service_shares"] = shares
    return orders["service"].replace_strict(mapping, default=None, return_dtype=pl.String)

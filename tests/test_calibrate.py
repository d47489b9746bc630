"""Calibration from order histories (analysis.calibration.calibrate*): synthetic histories with
known generating parameters are recovered, the TOML round-trips and loads, the figures are drawn.

Tolerances are about 5 standard errors of the estimator at the sample size used (given per
test), so a change of seed keeps them green while a wrong estimator fails them.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import tomllib
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from matplotlib.image import imread

from analysis.calibration.calibrate import calibrate
from analysis.calibration.fit import (
    busday_counts,
    pmf_from_values,
    promise_business_days,
    round_shares,
    zipf_exponent_mle,
)
from analysis.calibration.plots import gof_figures
from analysis.calibration.toml_doc import to_toml, write_toml
from analysis.importers.read import GIFT_VOUCHER_PREFIX, NON_PRODUCT_CODES, read_online_retail
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
INTEGRATED = ROOT / "scenarios" / "integrated_oms.toml"  # has processors and a shop channel
SAMPLE = ROOT / "tests" / "data" / "online_retail_sample.csv"
WD = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
US_PER_MIN = 60_000_000


def make_orders(placed: np.ndarray, **cols) -> pl.DataFrame:
    """An orders frame (import schema) for datetime64[us] ``placed``; one line per order."""
    n = placed.size
    frame = {
        "order_id": [f"o{i}" for i in range(n)],
        "placed_at": pl.Series(placed.astype("datetime64[us]")),
        "customer_id": pl.Series(cols.pop("customer_id", [None] * n), dtype=pl.String),
        "channel": pl.Series([None] * n, dtype=pl.String),
        "service": pl.Series(cols.pop("service", [None] * n), dtype=pl.String),
        "n_lines": pl.Series(cols.pop("n_lines", np.ones(n)), dtype=pl.UInt32),
        "n_units": pl.Series(np.ones(n), dtype=pl.UInt32),
        "value": pl.Series(cols.pop("value", np.full(n, 50.0)), dtype=pl.Float64),
    }
    for name, values in cols.items():
        dtype = pl.String if name == "timing_flag" else pl.Datetime("us")
        frame[name] = pl.Series(values, dtype=dtype)
    return pl.DataFrame(frame)


def make_lines(order_ids: list[str], skus=None, quantity=None) -> pl.DataFrame:
    n = len(order_ids)
    return pl.DataFrame(
        {
            "order_id": order_ids,
            "line_no": pl.Series(np.ones(n), dtype=pl.UInt32),
            "sku": skus if skus is not None else ["A"] * n,
            "quantity": pl.Series(
                values=np.ones(n) if quantity is None else quantity, dtype=pl.UInt32
            ),
            "unit_price": np.full(n, 10.0),
        }
    )


# --- demand: Poisson arrivals with a known weekday x hour profile ---------------------------

START = np.datetime64("2024-01-01")  # a Monday
WEEKS = 8
DAYS = 7 * WEEKS + 3  # Monday to Wednesday occur 9 times, the other weekdays 8
DAILY = {"mon": 400, "tue": 350, "wed": 350, "thu": 380, "fri": 300, "sat": 250, "sun": 0}
HOURS = np.arange(24)
SHAPE_WEEK = 1 + 4 * np.exp(-(((HOURS - 11) / 3.0) ** 2))  # office-hours peak
SHAPE_SAT = 1 + 3 * np.exp(-(((HOURS - 20) / 2.0) ** 2))  # evening peak


def true_rate(day: str) -> np.ndarray:
    """Orders per hour of each hour of ``day`` in the generating process."""
    shape = SHAPE_SAT if day == "sat" else SHAPE_WEEK
    return DAILY[day] * shape / shape.sum()


@pytest.fixture(scope="module")
def demand_history():
    rng = np.random.default_rng(11)
    stamps = []
    for d in range(DAYS):
        lam = true_rate(WD[d % 7])
        for h in HOURS:
            k = rng.poisson(lam[h])
            minutes = rng.uniform(0, 60, k)
            offset = ((d * 1440 + h * 60 + minutes) * US_PER_MIN).astype("timedelta64[us]")
            stamps.append(START + offset)
    placed = np.sort(np.concatenate(stamps))
    orders = make_orders(placed)
    cal = calibrate(
        orders, make_lines(orders["order_id"].to_list()), base=BASELINE, name="d", source="x.csv"
    )
    return placed, cal


def test_window_and_rate_are_counted_by_hand(demand_history):
    placed, cal = demand_history
    sim = cal.overrides["simulation"]
    first = placed.min().astype("datetime64[D]")
    last = placed.max().astype("datetime64[D]")
    days = int((last - first).astype(int)) + 1
    assert sim["start"] == dt.datetime(2024, 1, 1)
    assert sim["horizon_days"] == days == DAYS
    assert cal.overrides["demand"]["orders_per_day"] == pytest.approx(placed.size / days, 1e-5)


def test_weekday_multipliers_and_profiles_reproduce_the_generating_rates(demand_history):
    placed, cal = demand_history
    d = cal.overrides["demand"]
    mult, by_day = d["weekday_multipliers"], d["hourly_weights_by_weekday"]
    assert mult["sun"] == 0.0 and "sun" not in by_day  # no orders on Sundays
    occurrences = {w: sum(1 for k in range(DAYS) if k % 7 == i) for i, w in enumerate(WD)}
    assert occurrences["mon"] == 9 and occurrences["sat"] == 8
    day_of = (placed.astype("datetime64[D]") - START).astype(int) % 7
    for i, day in enumerate(WD[:6]):
        # by hand: mean orders per occurrence of the weekday / (orders / days)
        by_hand = (day_of == i).sum() / occurrences[day] / (placed.size / DAYS)
        assert mult[day] == pytest.approx(by_hand, rel=1e-3), day
        # the model's rate at (day, hour): orders_per_day x multiplier x w / sum(w)
        w = np.asarray(by_day[day])
        rate = d["orders_per_day"] * mult[day] * w / w.sum()
        lam = true_rate(day)
        # each hour is the mean of 8 Poisson(lam) counts: sd sqrt(lam / 8); 5 sd, plus rounding
        assert np.all(np.abs(rate - lam) <= 5 * np.sqrt(lam / occurrences[day]) + 1e-3 * lam), day
        # multiplier = mean orders per occurrence / orders per day: sd ~2.4 % here, 12 % = 5 sd
        expected = DAILY[day] / (sum(DAILY[w] * occurrences[w] for w in WD) / DAYS)
        assert mult[day] == pytest.approx(expected, rel=0.12), day
    all_days = np.asarray(d["hourly_weights"])  # mean orders per calendar day in each hour
    assert all_days.sum() == pytest.approx(d["orders_per_day"], rel=1e-3)


def test_zipf_mle_recovers_a_known_exponent():
    rng = np.random.default_rng(3)
    n, draws, s = 800, 40_000, 1.1
    p = np.arange(1, n + 1) ** -s
    counts = np.bincount(rng.choice(n, draws, p=p / p.sum()), minlength=n)
    # sd of the estimate ~0.003 over 20 replications of this set-up, bias ~0.002
    assert zipf_exponent_mle(counts) == pytest.approx(s, abs=0.02)
    assert zipf_exponent_mle(np.full(50, 7)) == 0.0  # all equally popular


def test_catalog_zipf_and_warehouse_slots_through_calibrate():
    rng = np.random.default_rng(4)
    n, draws, s = 2_500, 200_000, 1.1
    p = np.arange(1, n + 1) ** -s
    sku_idx = rng.choice(n, draws, p=p / p.sum())
    skus = [f"S{i}" for i in sku_idx]
    order_ids = [f"o{i // 10}" for i in range(draws)]  # 10 lines per order
    placed = START + (np.arange(draws // 10) * 30 * US_PER_MIN).astype("timedelta64[us]")
    orders = make_orders(placed, n_lines=np.full(draws // 10, 10))
    cal = calibrate(orders, make_lines(order_ids, skus), base=BASELINE, name="z", source="x")
    distinct = len(set(skus))
    assert distinct > 2 * 60 * 20  # more than the baseline's 2,400 slots
    assert cal.overrides["catalog"]["n_skus"] == distinct
    assert cal.overrides["catalog"]["popularity_zipf_exponent"] == pytest.approx(s, abs=0.03)
    assert cal.overrides["warehouse"]["n_slots_per_side"] == math.ceil(distinct / (2 * 20))
    assert "raised from 60" in cal.comments["warehouse.n_slots_per_side"]


# --- contents: pmfs, truncation, values ------------------------------------------------------


def test_pmf_truncation_lumps_the_tail_and_keeps_total_probability_one():
    values = np.array([1] * 50 + [2] * 30 + [5] * 10 + [1500] * 6 + [2000] * 4)
    pmf, info = pmf_from_values(values, max_len=1000)
    assert len(pmf) == 1000
    assert math.fsum(pmf) == pytest.approx(1.0, abs=1e-9)
    assert (pmf[0], pmf[1], pmf[4], pmf[999]) == (0.5, 0.3, 0.1, 0.1)
    assert sum(pmf[2:4]) + sum(pmf[5:999]) == 0
    assert info.tail_share == pytest.approx(0.10)
    assert info.mean == pytest.approx((50 + 60 + 50 + 9000 + 8000) / 100)
    assert info.mean_truncated == pytest.approx((50 + 60 + 50 + 10 * 1000) / 100)
    thirds, _ = pmf_from_values(np.array([1, 2, 3] * 7))  # 1/3 each: rounding residue
    assert math.fsum(thirds) == pytest.approx(1.0, abs=1e-9)


def test_lines_units_and_value_fitted_from_known_counts():
    n_lines = np.array([1] * 6 + [2] * 3 + [1200])  # one order beyond the 1000-entry cap
    placed = START + (np.arange(10) * 3600 * 1_000_000).astype("timedelta64[us]")
    value = np.array([10.0, 20.0, 30.0, 0.0, -5.0, 20.0, 20.0, 20.0, 20.0, 20.0])
    orders = make_orders(placed, n_lines=n_lines, value=value)
    qty = [1, 1, 1, 3]
    cal = calibrate(
        orders, make_lines(["o0"] * 4, quantity=qty), base=BASELINE, name="c", source="x"
    )
    d = cal.overrides["demand"]
    assert len(d["lines_per_order_pmf"]) == 1000
    assert (d["lines_per_order_pmf"][0], d["lines_per_order_pmf"][1]) == (0.6, 0.3)
    assert d["lines_per_order_pmf"][-1] == 0.1
    assert "10.000% above 1000" in cal.comments["demand.lines_per_order_pmf"]
    assert d["units_per_line_pmf"] == [0.75, 0.0, 0.25]
    # value > 0: 10, 20, 30 and five 20s (8 orders) -> mean 160 / 8 = 20, squared deviations
    # 100 + 100 = 200, sd (ddof 1) sqrt(200 / 7), cv that / 20 = 0.2673
    assert d["order_value_mean"] == pytest.approx(20.0)
    assert d["order_value_cv"] == pytest.approx(math.sqrt(200 / 7) / 20, abs=1e-4)


# --- services ---------------------------------------------------------------------------------


def test_round_shares_sum_to_exactly_one():
    shares = round_shares({"a": 1.0, "b": 1.0, "c": 1.0, "d": 0.0})
    assert sum(round(v * 10_000) for v in shares.values()) == 10_000
    assert sorted(shares.values()) == [0.0, 0.3333, 0.3333, 0.3334]


def test_matched_services_get_shares_unmatched_only_a_comment():
    placed = START + (np.arange(1000) * 600 * 1_000_000).astype("timedelta64[us]")
    svc = ["Standard"] * 700 + ["EXPRESS"] * 300
    orders = make_orders(placed, service=svc)
    lines = make_lines(orders["order_id"].to_list())
    cal = calibrate(orders, lines, base=BASELINE, name="s", source="x")
    shares = {s["name"]: s["share"] for s in cal.overrides["demand"]["services"]}
    assert shares == {"standard": 0.7, "express": 0.3, "next_day": 0.0}
    promised = {s["name"]: s["promised_business_days"] for s in cal.overrides["demand"]["services"]}
    assert promised == {"standard": 5, "express": 2, "next_day": 1}  # the base's, untouched

    other = make_orders(placed, service=["drone"] * 600 + ["standard"] * 400)
    cal = calibrate(other, lines, base=BASELINE, name="s", source="x")
    assert "services" not in cal.overrides["demand"]
    assert "drone" in cal.comments["demand.services"] and "60.0%" in cal.comments["demand.services"]


# --- customers: the model's process with known parameters -----------------------------------


def customer_history(rng, n, per_year, cv, lapse, days=365):
    """Orders of ``n`` customers joining uniformly over the window: gamma rates, lapse after
    each order (the model's process)."""
    shape = 1 / cv**2
    rates = rng.gamma(shape, per_year / 365 / shape, n)  # orders per day
    times, ids = [], []
    for i in range(n):
        t = rng.uniform(0, days)
        while t < days:
            times.append(t)
            ids.append(f"c{i}")
            if rng.random() < lapse:
                break
            t += rng.exponential(1 / rates[i])
    order = np.argsort(times)
    us = (np.asarray(times)[order] * 86_400e6).astype("timedelta64[us]")
    return START + us, [ids[k] for k in order]


def test_repeat_purchase_fit_recovers_rate_heterogeneity_and_lapse():
    rng = np.random.default_rng(8)
    placed, ids = customer_history(rng, 10_000, per_year=6.0, cv=0.6, lapse=0.25)
    orders = make_orders(placed, customer_id=ids)
    cal = calibrate(orders, make_lines(orders["order_id"].to_list()), base=BASELINE, name="c",
                    source="x")  # fmt: skip
    c = cal.overrides["customers"]
    assert c["enabled"] is True
    # sd over 8 replications of this set-up: 0.07 orders/year, 0.014 cv, 0.004 lapse (a
    # likelihood without the lapse after the first order is off by 0.034 in the lapse)
    assert c["mean_orders_per_year"] == pytest.approx(6.0, abs=0.4)
    assert c["purchase_rate_cv"] == pytest.approx(0.6, abs=0.07)
    assert c["base_lapse_prob"] == pytest.approx(0.25, abs=0.02)


def test_purchase_rate_cv_is_clipped_below_one_and_says_so():
    rng = np.random.default_rng(9)
    placed, ids = customer_history(rng, 3000, per_year=6.0, cv=1.5, lapse=0.25)
    orders = make_orders(placed, customer_id=ids)
    cal = calibrate(orders, make_lines(orders["order_id"].to_list()), base=BASELINE, name="c",
                    source="x")  # fmt: skip
    assert cal.overrides["customers"]["purchase_rate_cv"] == 0.95
    assert "at the bound" in cal.comments["customers.purchase_rate_cv"]
    unconstrained = cal.summary["repeat_purchases"].unconstrained_cv
    assert unconstrained == pytest.approx(1.5, abs=0.2)  # sd 0.04 over 10 replications


def test_without_customer_ids_customers_stay_off_with_a_comment(demand_history):
    _, cal = demand_history
    assert cal.overrides["customers"]["enabled"] is False
    assert "no order has a customer id" in cal.comments["customers.enabled"]


# --- timings: known delays, business days and promises --------------------------------------


def test_business_days_by_hand():
    d = np.datetime64
    start = np.array([d("2024-03-08"), d("2024-03-08"), d("2024-03-07"), d("2024-03-07"),
                      d("2024-03-09"), d("2024-03-08")])  # fmt: skip
    end = np.array([d("2024-03-11"), d("2024-03-09"), d("2024-03-08"), d("2024-03-07"),
                    d("2024-03-11"), d("2024-03-19")])  # fmt: skip
    # Fri->Mon 1; Fri->Sat counts as Mon: 1; Thu->Fri 1; same day 0; Sat->Mon 1;
    # Fri 8th -> Tue 19th: Mon 11 .. Fri 15 (5) + Mon 18, Tue 19 = 7
    assert busday_counts(start, end, "1111100", []).tolist() == [1, 1, 1, 0, 1, 7]
    # a holiday on Monday the 11th: Fri -> Mon counts as Tue, the first business day after
    assert busday_counts(start[:1], end[:1], "1111100", [d("2024-03-11")]).tolist() == [1]


def test_promise_business_days_invert_the_model_rule_by_hand():
    placed = np.array(["2024-03-04T10:00", "2024-03-04T15:00", "2024-03-09T10:00",
                       "2024-03-08T15:00", "2024-03-04T14:00"], dtype="datetime64[m]")  # fmt: skip
    promised = np.array(["2024-03-07", "2024-03-07", "2024-03-13", "2024-03-12", "2024-03-04"],
                        dtype="datetime64[D]")  # fmt: skip
    # Mon 10:00 -> Thu: 3; Mon 15:00 counts from Tue -> Thu: 2; Sat counts from Mon -> Wed: 2;
    # Fri 15:00 counts from Sat, i.e. Mon -> Tue: 1; Mon 14:00 (at the cut-off) same day: 0
    got = promise_business_days(placed, promised, 14 * 60, "1111100", [])
    assert got.tolist() == [3, 2, 2, 1, 0]


N_TIMED = 3000
TRANSIT = {"standard": [0.0, 0.1, 0.3, 0.4, 0.2], "express": [0.0, 0.7, 0.3]}
PROMISE = {"standard": 5, "express": 2}
APPROVAL_MEAN_MIN, APPROVAL_CV = 90.0, 0.8
N_FLAGGED, N_NEGATIVE = 60, 25


@pytest.fixture(scope="module")
def timed():
    """3,000 orders over 4 weeks: lognormal approval, gamma handling, transit in business
    days per service, promises by the model's rule; 60 flagged rows, 25 negative transits."""
    rng = np.random.default_rng(21)
    n = N_TIMED
    base = np.datetime64("2024-03-04T00:00", "us")  # a Monday
    placed = base + (rng.uniform(0, 28 * 1440, n) * US_PER_MIN).astype("timedelta64[us]")
    service = np.where(np.arange(n) < 2000, "standard", "express")
    sigma2 = math.log1p(APPROVAL_CV**2)
    mu = math.log(APPROVAL_MEAN_MIN) - sigma2 / 2
    approval = rng.lognormal(mu, math.sqrt(sigma2), n)
    paid = placed + (approval * US_PER_MIN).astype("timedelta64[us]")
    handling_h = rng.gamma(2.0, 10.0, n)
    shipped = paid + (handling_h * 60 * US_PER_MIN).astype("timedelta64[us]")
    k = np.array([rng.choice(len(TRANSIT[s]), p=TRANSIT[s]) for s in service])
    ship_day = shipped.astype("datetime64[D]")
    # the k-th business day after the pickup day (k >= 1; a weekend pickup counts from Friday)
    delivered_day = np.busday_offset(ship_day, k, roll="backward")
    delivered = delivered_day.astype("datetime64[us]") + np.timedelta64(11, "h")
    minute = (placed - placed.astype("datetime64[D]")).astype("timedelta64[m]").astype(int)
    day0 = placed.astype("datetime64[D]") + (minute > 14 * 60).astype(np.int64)
    promise = np.array([PROMISE[s] for s in service])
    promised = np.busday_offset(day0, promise, roll="forward").astype("datetime64[us]")
    flag = np.full(n, None, dtype=object)
    bad = rng.choice(n, N_FLAGGED + N_NEGATIVE, replace=False)
    flagged, negative = bad[:N_FLAGGED], bad[N_FLAGGED:]
    flag[flagged] = "carrier before approval"
    shipped[flagged] = paid[flagged] - np.timedelta64(1, "h")
    delivered[negative] = shipped[negative] - np.timedelta64(2, "h")
    orders = make_orders(
        placed,
        service=list(service),
        paid_at=paid,
        shipped_at=shipped,
        delivered_at=delivered,
        promised_at=promised,
        timing_flag=list(flag),
    )
    lines = make_lines(orders["order_id"].to_list())
    cal = calibrate(orders, lines, base=INTEGRATED, name="timed", source="timed.csv")
    keep = np.ones(n, bool)
    keep[flagged] = False
    return cal, {"approval": approval[keep], "k": k, "service": service, "keep": keep,
                 "negative": negative}  # fmt: skip


def test_approval_delay_written_on_every_base_processor(timed):
    cal, truth = timed
    procs = cal.overrides["payment"]["processors"]
    assert [p["name"] for p in procs] == ["shop_cards", "marketplace_payments"]  # the base's
    assert procs[0]["outages"][0]["mode"] == "fail"  # other keys copied from the base
    # mean: sd 90 x 0.8 / sqrt(2940) = 1.3 min; cv: sd ~0.03
    for p in procs:
        assert p["approval_delay_mean_min"] == pytest.approx(APPROVAL_MEAN_MIN, abs=7)
        assert p["approval_delay_cv"] == pytest.approx(APPROVAL_CV, abs=0.12)
    # by hand: the lognormal MLE of the kept (unflagged) delays is mu = mean(log x),
    # sigma = sd(log x) (ddof 0), so mean = exp(mu + sigma^2 / 2), cv = sqrt(exp(sigma^2) - 1)
    logs = np.log(truth["approval"])
    mle_mean = math.exp(logs.mean() + logs.var() / 2)
    assert procs[0]["approval_delay_mean_min"] == pytest.approx(mle_mean, rel=2e-3)
    assert procs[0]["approval_delay_cv"] == pytest.approx(math.sqrt(math.expm1(logs.var())), 2e-3)
    fit = next(f for f in cal.fits if f.measure == "approval delay")
    assert fit.n_excluded == N_FLAGGED and fit.n == N_TIMED - N_FLAGGED
    assert fit.best == "lognorm"
    assert fit.params["s"] == pytest.approx(math.sqrt(math.log1p(APPROVAL_CV**2)), abs=0.04)
    assert set(fit.candidates_ks) == {"lognorm", "gamma", "weibull_min", "expon"}


def test_handling_is_fitted_but_not_written(timed):
    cal, _ = timed
    fit = next(f for f in cal.fits if f.measure == "handling time")
    # gamma(2, 10 h): median 16.78 h; sd of the sample median ~0.3 h
    assert fit.quantiles_data["p50"] == pytest.approx(16.78, abs=1.5)
    # gamma(2, 10 h) is the truth, but a Weibull of shape ~1.5 is close enough to win on KS in
    # some samples of this size: check the gamma candidate's MLE instead (shape sd ~0.05)
    assert fit.candidate_params["gamma"]["a"] == pytest.approx(2.0, abs=0.25)
    assert fit.candidate_params["gamma"]["scale"] == pytest.approx(10.0, rel=0.15)
    assert fit.ks == min(fit.candidates_ks.values()) < fit.candidates_ks["expon"]
    assert "handling" in cal.comments and "Not a scenario key" in cal.comments["handling"]
    assert "handling" not in str(list(cal.overrides))


def test_transit_pmfs_per_service_in_business_days(timed):
    cal, truth = timed
    fit = next(f for f in cal.fits if f.measure == "transit time")
    assert fit.n_excluded == N_FLAGGED + N_NEGATIVE
    pmfs = {}
    for carrier in cal.overrides["shipping"]["carriers"]:
        for cs in carrier["services"]:
            pmfs[(carrier["name"], cs["service"])] = np.asarray(cs["transit_days_pmf"])
    kept = truth["keep"].copy()
    kept[truth["negative"]] = False
    for svc, true_pmf in TRANSIT.items():
        n = int((kept & (truth["service"] == svc)).sum())
        for key, pmf in pmfs.items():
            if key[1] == svc:
                p = np.asarray(true_pmf)
                assert pmf.size == p.size and math.fsum(pmf) == pytest.approx(1.0, abs=1e-9)
                assert np.all(np.abs(pmf - p) <= 5 * np.sqrt(p * (1 - p) / n) + 1e-4), key
    # next_day has no deliveries: the pmf of all orders, 2/3 standard + 1/3 express
    mixed = np.zeros(5)
    for svc, share in (("standard", 2 / 3), ("express", 1 / 3)):
        mixed[: len(TRANSIT[svc])] += share * np.asarray(TRANSIT[svc])
    pooled = pmfs[("SwiftExpress", "next_day")]
    assert np.all(np.abs(pooled - mixed) <= 5 * np.sqrt(mixed * (1 - mixed) / 2900) + 1e-4)


def test_promises_and_shares_per_matched_service(timed):
    cal, _ = timed
    services = {s["name"]: s for s in cal.overrides["demand"]["services"]}
    assert {k: s["promised_business_days"] for k, s in services.items()} == {
        "standard": 5,
        "express": 2,
        "next_day": 1,  # no orders: the base's
    }
    assert {k: s["share"] for k, s in services.items()} == {
        "standard": 0.6667,
        "express": 0.3333,
        "next_day": 0.0,
    }
    assert cal.summary["timings"]["lateness"]["n"] == N_TIMED - N_FLAGGED


def test_channel_profiles_of_the_base_block_weekday_profiles_and_customers(timed):
    cal, _ = timed  # integrated_oms.toml: the shop counter has its own hourly_weights
    assert "hourly_weights_by_weekday" not in cal.overrides["demand"]
    assert "own hourly_weights" in cal.comments["demand.hourly_weights_by_weekday"]


# --- TOML, loading, figures -------------------------------------------------------------------


def expected_document(cal, out: Path) -> dict:
    text = to_toml(cal, out)
    doc = tomllib.loads(text)
    assert (out.parent / doc["base"]).resolve() == cal.base.resolve()
    assert doc["name"] == cal.name and doc["description"] == cal.summary["description"]
    return doc


def test_written_toml_round_trips_and_loads_on_the_baseline(tmp_path, demand_history):
    _, cal = demand_history
    out = write_toml(cal, tmp_path / "sub" / "calibrated.toml")
    text = out.read_text()
    doc = tomllib.loads(text)
    assert doc == {**cal.overrides, "base": doc["base"], "name": "d",
                   "description": cal.summary["description"]}  # fmt: skip
    assert (out.parent / doc["base"]).resolve() == BASELINE.resolve()
    # each fitted key preceded by its comment
    lines = text.splitlines()
    i = lines.index(f"orders_per_day = {cal.overrides['demand']['orders_per_day']!r}")
    assert lines[i - 1].startswith("# fitted: ") and f"orders over {DAYS} days" in lines[i - 1]
    assert "written by omsim calibrate" in text.splitlines()[0]
    scenario = load_scenario(out)  # needs demand.hourly_weights_by_weekday
    assert scenario.demand.orders_per_day == cal.overrides["demand"]["orders_per_day"]
    assert scenario.demand.weekday_multipliers["sun"] == 0.0
    assert set(scenario.demand.hourly_weights_by_weekday) == set(WD[:6])


def test_written_toml_with_timings_round_trips_and_loads(tmp_path, timed):
    cal, _ = timed
    out = tmp_path / "timed.toml"
    doc = expected_document(cal, out)
    assert doc == {**cal.overrides, "base": doc["base"], "name": cal.name,
                   "description": cal.summary["description"]}  # fmt: skip
    text = to_toml(cal, out)
    lines = text.splitlines()
    # notes on keys not written: atop their table, or in the header without a table
    header = lines[: lines.index(f"base = {doc['base']!r}".replace("'", '"'))]
    assert any(x.startswith("# handling: shipped_at - paid_at") for x in header)
    assert any(x.startswith("# lateness: delivered_at - promised_at") for x in header)
    after_demand = lines[lines.index("[demand]") + 1]
    assert after_demand.startswith("# hourly_weights_by_weekday: not written")
    out.write_text(text)
    scenario = load_scenario(out)  # needs payment.processors[].approval_delay_*
    assert scenario.payment.processors[0].approval_delay_mean_min == pytest.approx(
        cal.overrides["payment"]["processors"][0]["approval_delay_mean_min"]
    )
    assert scenario.demand.services[1].promised_business_days == 2


def test_gof_figures_are_non_blank_pngs(tmp_path, timed):
    cal, _ = timed
    paths = gof_figures(cal, tmp_path / "figs")
    assert len(paths) == len(cal.fits) + 2 == 5
    for p in paths:
        img = imread(p)
        assert p.suffix == ".png" and img.ndim == 3
        assert img[..., :3].var() > 1e-3, p


# --- the shipped Online Retail sample ---------------------------------------------------------


def hand_counts(path: Path) -> tuple[int, int, int]:
    """Orders, days and distinct SKUs of the valid rows, by the import rules, with csv."""
    invoices, dates, skus = set(), set(), set()
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            inv, sku = row["InvoiceNo"].strip(), row["StockCode"].strip()
            if not inv or inv.startswith("C") or not sku:
                continue
            if sku.upper() in NON_PRODUCT_CODES or sku.upper().startswith(GIFT_VOUCHER_PREFIX):
                continue
            if int(row["Quantity"]) <= 0 or float(row["UnitPrice"]) < 0:
                continue
            invoices.add(inv)
            skus.add(sku)
            dates.add(dt.datetime.strptime(row["InvoiceDate"], "%Y-%m-%d %H:%M:%S").date())
    return len(invoices), (max(dates) - min(dates)).days + 1, len(skus)


def test_online_retail_sample_rate_by_hand(tmp_path):
    n_orders, days, n_skus = hand_counts(SAMPLE)
    res = read_online_retail(SAMPLE)
    cal = calibrate(res.orders, res.lines, base=BASELINE, name="or", source=str(SAMPLE))
    assert cal.overrides["simulation"]["horizon_days"] == days
    assert cal.overrides["demand"]["orders_per_day"] == pytest.approx(n_orders / days, 1e-6)
    assert cal.overrides["catalog"]["n_skus"] == n_skus
    assert cal.fits == []  # no timing columns
    assert "too short" in cal.comments["customers.enabled"]  # one day of history
    # the older orders frame without timing columns works the same
    legacy = res.orders.drop("paid_at", "shipped_at", "delivered_at", "promised_at", "timing_flag")
    cal2 = calibrate(legacy, res.lines, base=BASELINE, name="or", source=str(SAMPLE))
    assert cal2.overrides == cal.overrides
    load_scenario(write_toml(cal, tmp_path / "or.toml"))


def test_time_zone_aware_times_use_the_local_wall_clock(demand_history):
    placed, cal = demand_history
    local = make_orders(placed).with_columns(
        pl.col("placed_at").dt.replace_time_zone("Europe/London", ambiguous="earliest")
    )
    aware = calibrate(local, make_lines(local["order_id"].to_list()), base=BASELINE, name="d",
                      source="x.csv")  # fmt: skip
    assert aware.overrides["demand"] == cal.overrides["demand"]


def test_base_without_processor_gets_one_that_only_delays():
    """The baseline has no payment processor: calibration adds one over every channel with
    the fitted approval delay and no declines (a history holds only paid orders)."""
    rng = np.random.default_rng(5)
    n = 400
    base = np.datetime64("2024-03-04T00:00", "us")
    placed = base + (rng.uniform(0, 28 * 1440, n) * US_PER_MIN).astype("timedelta64[us]")
    delay = rng.exponential(30.0, n)
    paid = placed + (delay * US_PER_MIN).astype("timedelta64[us]")
    orders = make_orders(placed, paid_at=paid)
    cal = calibrate(orders, make_lines(orders["order_id"].to_list()), base=BASELINE,
                    name="b", source="b.csv")  # fmt: skip
    (proc,) = cal.overrides["payment"]["processors"]
    assert proc["decline_prob"] == 0.0 and proc["fraud_review_share"] == 0.0
    assert proc["channels"] == [c.name for c in load_scenario(BASELINE).demand.channels]
    # exponential(30 min): the best family (gamma or Weibull of shape ~1) with mean 30
    # (sd of the MLE mean 30 / sqrt(400) = 1.5 min) and cv ~1
    fit = next(f for f in cal.fits if f.measure == "approval delay")
    family = {"lognorm": "lognormal", "gamma": "gamma", "weibull_min": "weibull", "expon": "gamma"}
    assert proc["approval_delay_family"] == family[fit.best] != "lognormal"
    assert proc["approval_delay_mean_min"] == pytest.approx(30.0, abs=7.5)
    assert proc["approval_delay_cv"] == pytest.approx(1.0, abs=0.15)


# --- issue 19 point 1: transit fitted and simulated on the same carrier calendar ------------


def test_transit_calendar_mon_to_sat_is_fitted_and_simulated_alike():
    """A carrier that delivers Monday to Saturday: the k-th Mon-Sat day after the pickup day.
    Calibration finds the delivery days, writes them into the carrier, and the model's own
    delivery rule on the calibrated carrier lands every parcel on its real delivery day."""
    import datetime as _dt

    from sim.calendar import Calendar, PickupSchedule
    from sim.config import CalendarConfig, CarrierConfig, Scenario, SimulationConfig

    rng = np.random.default_rng(7)
    n, pmf = 2000, [0.0, 0.2, 0.5, 0.3]
    base = np.datetime64("2024-03-04T00:00", "us")  # a Monday
    # placed Mon-Fri, shipped the same weekday at 16:30 (pickups Monday to Friday)
    day = np.busday_offset(np.datetime64("2024-03-04"), rng.integers(0, 20, n), roll="forward")
    placed = day.astype("datetime64[us]") + np.timedelta64(9, "h")
    shipped = day.astype("datetime64[us]") + np.timedelta64(16 * 60 + 30, "m")
    k = rng.choice(len(pmf), n, p=pmf)
    delivered_day = np.busday_offset(day, k, roll="backward", weekmask="1111110")
    delivered = delivered_day.astype("datetime64[us]") + np.timedelta64(11, "h")
    orders = make_orders(placed, paid_at=placed, shipped_at=shipped, delivered_at=delivered)
    cal = calibrate(
        orders, make_lines(orders["order_id"].to_list()), base=BASELINE, name="t", source="t.csv"
    )
    carriers = cal.overrides["shipping"]["carriers"]
    # Saturday holds about 1/6 of the deliveries, Sunday none
    assert all(c["delivery_days"] == ["mon", "tue", "wed", "thu", "fri", "sat"] for c in carriers)
    got = np.asarray(carriers[0]["services"][0]["transit_days_pmf"])
    assert got.size == len(pmf)
    assert np.all(
        np.abs(got - pmf) <= 5 * np.sqrt(np.asarray(pmf) * (1 - np.asarray(pmf)) / n) + 1e-4
    )
    # in Monday-Friday business days a Saturday delivery would count as Monday: mean k + ~1/6
    assert float(np.dot(np.arange(got.size), got)) == pytest.approx(float(k.mean()), abs=0.01)
    # the model's rule on the calibrated carrier gives the real delivery date for every order
    scen = Scenario(
        simulation=SimulationConfig(start=_dt.datetime(2024, 3, 4), horizon_days=40),
        calendar=CalendarConfig(),
    )
    c = carriers[0]
    sched = PickupSchedule(
        Calendar(scen), CarrierConfig(name="c", delivery_days=c["delivery_days"])
    )
    ship_min = (shipped - base).astype("timedelta64[m]").astype(float)
    sim_day = [
        int(sched.delivered_at(float(t), int(kk), 0.5) // 1440)
        for t, kk in zip(ship_min, k, strict=True)
    ]
    real_day = (delivered_day - np.datetime64("2024-03-04")).astype(int)
    assert sim_day == real_day.tolist()


def test_delivery_weekdays_drop_stray_weekend_scans():
    from analysis.calibration.timing import delivery_weekdays

    # 1,000 deliveries Mon-Fri, 3 on a Sunday (0.3 %, below 0.25/7 = 3.6 %)
    wd = np.r_[np.repeat(np.arange(5), 200), [6, 6, 6]]
    days, shares = delivery_weekdays(wd)
    assert days == ("mon", "tue", "wed", "thu", "fri")
    assert shares[6] == pytest.approx(3 / 1003)

"""The default customer lapse model reproduces the sourced churn and repeat-purchase ranges.

INDUSTRY.md L1/L2: about 27 % of first-time customers order again within a year (plausible
15-35 %); L4 (PwC): 17 % (US) to 32 % (global) of customers leave after one bad experience. The
seed's 65 % / 57 % are stated intent, an upper bound, and are not the default any more.
"""

from __future__ import annotations

import polars as pl
import pytest
from conftest import scenario_from, small_raw

from sim.model import run_replication
from sim.units import DAY

YEAR = 365 * DAY
COHORT_DAYS = 182  # customers (orders) of the first half year, each followed for a year


def _scenario(**customers):
    """A small shop (100 orders a day) run for the cohort's half year plus a year of follow-up.
    Many pick errors reach the customers (no verification) so that first bad experiences are
    numerous enough to measure churn; the customer model itself is the default."""
    raw = small_raw(orders_per_day=100, days=COHORT_DAYS + 365, drain=7)
    raw["customers"] = {"enabled": True, **customers}
    raw["picking"] = {"error_prob_per_line": 0.2}
    raw["packing"] = {"verification": "none"}
    return scenario_from(raw)


def _bad() -> pl.Expr:
    return (
        (pl.col("pick_errors_shipped") > 0)
        | (pl.col("delivered_at") > pl.col("promised_at"))
        | pl.col("damaged").fill_null(False)
    )


def repeat_within_a_year(orders: pl.DataFrame, customers: pl.DataFrame) -> float:
    """Share of the cohort's new customers who ordered again within 365 days of joining."""
    new = customers.filter(~pl.col("initial") & (pl.col("joined_at") <= COHORT_DAYS * DAY))
    mine = orders.join(new.select("customer_id", "joined_at"), on="customer_id")
    again = mine.filter(
        (pl.col("placed_at") > pl.col("joined_at"))
        & (pl.col("placed_at") <= pl.col("joined_at") + YEAR)
    )
    return again["customer_id"].n_unique() / new.height


def churn_after_one_bad_experience(orders: pl.DataFrame) -> tuple[float, int]:
    """1 - P(another order within a year of delivery | the customer's first bad experience) /
    P(the same | an order with nothing wrong), over the cohort's delivered orders; and the
    number of first bad experiences."""
    delivered = orders.filter(pl.col("delivered_at").is_not_null()).with_columns(bad=_bad())
    first_bad = (
        delivered.filter(pl.col("bad"))
        .group_by("customer_id")
        .agg(pl.col("placed_at").min().alias("first_bad"))
    )
    cohort = delivered.filter(pl.col("placed_at") <= COHORT_DAYS * DAY)
    later = cohort.select("order_id", "customer_id", "delivered_at").join(
        orders.select("customer_id", pl.col("placed_at").alias("next_at")), on="customer_id"
    )
    again = later.filter(
        (pl.col("next_at") > pl.col("delivered_at"))
        & (pl.col("next_at") <= pl.col("delivered_at") + YEAR)
    )["order_id"].unique()
    cohort = cohort.join(first_bad, on="customer_id", how="left").with_columns(
        again=pl.col("order_id").is_in(again.implode())
    )
    good = cohort.filter(~pl.col("bad"))["again"].mean()
    bad = cohort.filter(pl.col("bad") & (pl.col("placed_at") == pl.col("first_bad")))
    return 1.0 - bad["again"].mean() / good, bad.height


@pytest.mark.slow
def test_the_default_customer_model_lands_in_the_sourced_churn_and_repeat_ranges():
    sc = _scenario()
    assert sc.customers.base_lapse_prob == 0.68  # the defaults under test
    for seed in (1, 2, 3):
        r = run_replication(sc, seed=seed)
        orders = r.orders.filter(pl.col("duplicate_of").is_null())
        repeat = repeat_within_a_year(orders, r.customers)
        assert 0.15 <= repeat <= 0.35, (seed, repeat)  # INDUSTRY.md L1/L2 plausible range
        assert abs(repeat - 0.27) < 0.03, (seed, repeat)  # L1: about 27 %
        churn, n = churn_after_one_bad_experience(orders)
        assert n > 3000, n  # enough first bad experiences for a few points of precision
        assert 0.17 <= churn <= 0.32, (seed, churn)  # L4: 17 % (US) - 32 % (global)


@pytest.mark.slow
def test_the_seeds_survey_figures_as_lapse_probabilities_overstate_churn():
    """The seed's 65 % as the chance of leaving after a bad experience lands far above L4's
    measured range: it is stated intent, an upper bound."""
    seed_figures = {e: {"lapse_prob": 0.65} for e in ("late", "damaged", "wrong_item")}
    r = run_replication(_scenario(encounters=seed_figures), seed=1)
    churn, _ = churn_after_one_bad_experience(r.orders.filter(pl.col("duplicate_of").is_null()))
    assert churn > 0.5, churn

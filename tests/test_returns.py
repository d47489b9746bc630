"""Returns, refunds and reviews: the policy holds, refunds follow arrivals, ratings add up."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import scenario_from, small_raw
from pydantic import ValidationError

from sim.config import Scenario
from sim.experiments.runner import kpis_of
from sim.model import run_replication
from sim.units import DAY

WEEK = ["mon", "tue", "wed", "thu", "fri"]
AFTERSALES_STAFF = [
    {"role": "returns_clerks", "days": WEEK, "start": "08:00", "end": "16:00", "headcount": 1},
    {"role": "support", "days": WEEK, "start": "08:00", "end": "17:00", "headcount": 1},
]


def aftersales(days: float = 45, drain: float = 20, **extra):
    raw = small_raw(orders_per_day=300, days=days, drain=drain)
    raw["staffing"]["shifts"] += AFTERSALES_STAFF
    raw["customers"] = {"enabled": True}
    raw["returns"] = {"enabled": True, **extra.pop("returns", {})}
    raw["reviews"] = {"enabled": True, **extra.pop("reviews", {})}
    raw.update(extra)
    return scenario_from(raw)


@pytest.fixture(scope="module")
def run():
    # unprompted reviews at 5 % (the default is 0.6 %) for enough reviews to check the stars
    return run_replication(aftersales(reviews={"review_prob": 0.05}), seed=3)


def test_no_return_is_accepted_outside_the_window_unless_the_policy_allows_it():
    for policy in ("refuse", "accept_repeat", "accept"):
        sc = aftersales(returns={"late_returns": policy, "window_days": 10})
        r = run_replication(sc, seed=2)
        ret = r.returns.join(r.orders.select("order_id", "delivered_at"), on="order_id")
        late = ret.filter(pl.col("requested_at") - pl.col("delivered_at") > 10 * DAY)
        assert (late["late_request"]).all() and late.height > 20
        on_time = ret.filter(pl.col("requested_at") - pl.col("delivered_at") <= 10 * DAY)
        assert not on_time["late_request"].any()
        came_back = late.filter(pl.col("outcome") == "returned")
        if policy == "refuse":
            assert came_back.height == 0
        elif policy == "accept":
            assert late.filter(pl.col("outcome") == "refused").height == 0
        else:  # from repeat customers only: a customer from before the run, or 2+ orders
            before = came_back.join(r.orders.select("customer_id", "placed_at"), on="customer_id")
            n = (
                before.filter(pl.col("placed_at") < pl.col("requested_at"))
                .group_by("order_id")
                .agg(pl.len().alias("n"), pl.col("customer_id").first())
            )
            n = n.join(r.customers.select("customer_id", "initial"), on="customer_id")
            assert n.height == came_back.height > 0
            assert (n["initial"] | (n["n"] >= 2)).all()
            refused = late.filter(pl.col("outcome") == "refused")
            assert refused.height > 0


def test_no_refund_precedes_the_returns_arrival_and_inspection(run):
    ret = run.returns.filter(pl.col("refunded_at").is_not_null())
    assert ret.height > 50
    assert (ret["arrived_at"] >= ret["requested_at"]).all()
    assert (ret["inspected_at"] >= ret["arrived_at"]).all()
    assert (ret["refunded_at"] >= ret["inspected_at"]).all()
    assert (ret["outcome"] == "returned").all()
    # the way back takes the configured transit
    assert ((ret["arrived_at"] - ret["requested_at"]).round(6) == 3 * DAY).all()
    # each refund and inspection is one step row by the right staff
    steps = run.steps.filter(
        pl.col("step").is_in(["inspect", "refund"]) & (pl.col("outcome") == "ok")
    )
    refunds = steps.filter(pl.col("step") == "refund")
    assert set(refunds["resource"].cast(pl.String).unique().to_list()) == {"support"}
    assert sorted(refunds["order_id"].to_list()) == sorted(ret["order_id"].to_list())


def test_damaged_returns_are_written_off_and_prevention_applies_only_where_it_can(run):
    ret = run.returns
    broken = pl.col("reason").is_in(["damaged", "defective"])  # not sellable as new
    assert ret.filter(broken & pl.col("inspected_at").is_not_null()).height > 0
    assert not ret.filter(broken)["restocked"].any()
    inspected = ret.filter(pl.col("inspected_at").is_not_null() & ~broken)
    assert inspected["restocked"].all()
    prevented = ret.filter(pl.col("outcome") == "prevented")
    fixable = {"damaged", "not_as_described", "defective"}  # support can troubleshoot these
    assert set(prevented["reason"].cast(pl.String).to_list()) <= fixable
    # every reason of the general-goods split comes up
    assert {"size_fit", "defective", "changed_mind"} <= set(ret["reason"].cast(pl.String))
    assert prevented["arrived_at"].null_count() == prevented.height


def test_every_return_has_a_reason_that_happened_to_its_order(run):
    j = run.returns.join(run.orders, on="order_id")
    wrong = j.filter(pl.col("reason") == "wrong_item")
    assert (wrong["pick_errors_shipped"] > 0).all()
    assert j.filter(pl.col("reason") == "damaged")["damaged"].all()
    late = j.filter(pl.col("reason") == "late")
    assert (late["delivered_at"] > late["promised_at"]).all()
    assert run.returns["order_id"].n_unique() == run.returns.height  # one request per order


def test_the_rating_distribution_is_a_distribution_and_follows_experience(run):
    rev = run.reviews
    assert rev.height > 100 and rev["stars"].is_between(1, 5).all()
    k = kpis_of(run)
    shares = [k[f"review_share_{s}_stars"] for s in range(1, 6)]
    assert all(0 <= s <= 1 for s in shares) and sum(shares) == pytest.approx(1.0)
    good = rev.filter(~pl.col("negative_experience"))["stars"].mean()
    bad = rev.filter(pl.col("negative_experience"))["stars"].mean()
    assert good > bad + 1


def test_asking_for_reviews_and_a_reply_first_lifts_the_rating():
    unasked = run_replication(aftersales(), seed=4)
    asked = run_replication(aftersales(notifications={"review_request_days": 5}), seed=4)
    assert asked.reviews.height > 2 * unasked.reviews.height
    assert asked.reviews["requested"].all() and not unasked.reviews["requested"].any()
    replied = asked.reviews.filter(pl.col("replied_first"))
    assert replied.height > 0 and replied["negative_experience"].all()


@pytest.mark.slow
def test_more_picking_errors_raise_wrong_item_returns_and_lower_purchase_frequency():
    """Same seeds, same customers: a higher pick-error rate (no verification at packing)
    gives more wrong-item returns and a lower purchase frequency, on every seed."""
    base = {"packing": {"verification": "none"}}
    careful = aftersales(days=60, drain=10, **base)
    # a lapse after one bad experience is 25 % (INDUSTRY.md L4): many wrong items to see it
    careless = aftersales(days=60, drain=10, picking={"error_prob_per_line": 0.2}, **base)
    for seed in (1, 2, 3):
        a = kpis_of(run_replication(careful, seed=seed))
        b = kpis_of(run_replication(careless, seed=seed))
        assert b["return_rate_wrong_item"] > a["return_rate_wrong_item"]
        assert b["purchase_frequency_window"] < a["purchase_frequency_window"]
        assert b["picking_accuracy_inferred"] < a["picking_accuracy_inferred"]


@pytest.mark.parametrize(
    ("section", "key", "value", "needle"),
    [
        ("returns", "window_days", -1, "returns.window_days"),
        ("returns", "chargeback_prob", 1.5, "returns.chargeback_prob"),
        ("reviews", "review_prob", -0.1, "reviews.review_prob"),
        ("customers", "base_lapse_prob", 2, "customers.base_lapse_prob"),
    ],
)
def test_bad_after_sales_settings_are_rejected_naming_the_key(section, key, value, needle):
    with pytest.raises(ValidationError) as err:
        Scenario.model_validate({section: {key: value}})
    loc = ".".join(str(p) for p in err.value.errors()[0]["loc"])
    assert loc == needle


def test_lapse_probabilities_of_one_encounter_may_not_sum_above_one():
    with pytest.raises(ValidationError, match="lapse_prob \\+ pause_prob <= 1"):
        Scenario.model_validate(
            {"customers": {"encounters": {"late": {"lapse_prob": 0.7, "pause_prob": 0.4}}}}
        )
    ok = Scenario.model_validate(
        {"customers": {"encounters": {"late": {"lapse_prob": 0.6, "pause_prob": 0.4}}}}
    )
    assert ok.customers.encounters["damaged"].lapse_prob == 0.25  # the others keep defaults (L4)


def test_returns_need_their_staff():
    raw = small_raw()
    raw["returns"] = {"enabled": True}
    with pytest.raises(ValidationError, match="returns_clerks"):
        Scenario.model_validate(raw)


def test_poor_ratings_slow_the_arrival_of_new_customers_when_shoppers_read_them():
    """With the rating elasticity on, a mean rating below the reference brings fewer new
    customers than with it off (same seed); a rating above it brings more."""
    poor = {"stars_good_pmf": [0.6, 0.2, 0.1, 0.05, 0.05]}  # mean well below 4.5

    def new_customers(reviews: dict) -> int:
        r = run_replication(aftersales(days=40, drain=0, reviews=reviews), seed=9)
        return r.customers.filter(pl.col("joined_at").is_not_null()).height

    off = new_customers(poor)
    on = new_customers({**poor, "new_customer_rating_exponent": 2.0})
    assert on < 0.8 * off
    great = {"stars_good_pmf": [0, 0, 0, 0, 1], "stars_negative_pmf": [0, 0, 0, 0, 1]}
    up = new_customers({**great, "new_customer_rating_exponent": 2.0, "reference_rating_stars": 4})
    assert up > 1.2 * new_customers(great)

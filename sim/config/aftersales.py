"""After the sale: returns and refunds, and reviews.

Return probabilities follow ../shared/INDUSTRY.md (general goods, R1-R8): of about 12 % of
orders returned, changed mind 35 %, not as described 15 %, size/fit 15 % and defective or
damaged 20 % (so 4.2 %, 1.8 %, 1.8 % of all orders, and 1.5 % defective besides the parcels
damaged in transit); damaged and wrong-item parcels are mostly sent back, a late one sometimes.
Chargebacks come from late refunds and refused returns, and besides from fraud (a stolen card
that passed the screen) and item-not-received disputes, in total within INDUSTRY.md B1's
0.2-0.9 % of orders. The time
from delivery to the return request follows R10 (30 % within 7 days, 40 % in 8-14, 25 % in
15-30, 5 % later). A refund is expected within 3 business days of the return's arrival
(INDUSTRY.md's assumption). The seed: "Prevent the return. Assist the customer first";
"Refund on time. The last thing a business wants is a chargeback"; a clear, easy-to-find
policy means fewer disputes; "It may not be worth losing a loyal customer if they're trying to
return something just one day past the deadline."
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.base import NonNeg, PosFloat, Prob, Section
from sim.config.limits import Exponent

ReturnReason = Literal[
    "wrong_item", "damaged", "late", "not_as_described", "changed_mind", "size_fit", "defective"
]
Pmf5 = Annotated[tuple[Prob, ...], Field(min_length=5, max_length=5)]


def _default_return_probs() -> dict[str, float]:
    return {
        "wrong_item": 0.85,  # given a wrong item reached the customer
        "damaged": 0.90,  # given the parcel was damaged in transit
        "late": 0.08,  # given it came after the promised day
        "not_as_described": 0.018,  # any delivered order (15 % of 12 %)
        "changed_mind": 0.042,  # any delivered order (35 % of 12 %)
        "size_fit": 0.018,  # any delivered order (15 % of 12 %)
        "defective": 0.015,  # any delivered order (20 % of 12 %, less transit damage ~0.9 %)
    }


class ReturnsConfig(Section):
    """Return requests, the return policy, prevention, inspection and refunds."""

    enabled: bool = Field(False, description="Customers return orders (off: nobody does).")
    prob_by_reason: dict[ReturnReason, Prob] = Field(
        default_factory=_default_return_probs,
        description="Probability of a return for each reason: wrong_item, damaged and late "
        "given that it happened to the order; not_as_described, changed_mind, size_fit and "
        "defective for any delivered order. Source: INDUSTRY.md R1-R6 (general goods: 12 % of "
        "orders returned; changed mind 35 %, not as described 15 %, size/fit 15 %, "
        "defective/damaged 20 % of returns) and R8 (wrong item mostly returned); the shares "
        "given wrong_item (0.85), damaged (0.9) and late (0.08) are assumptions.",
    )
    request_delay_days: tuple[tuple[NonNeg, NonNeg, Prob], ...] = Field(
        [(0.0, 7.0, 0.30), (7.0, 14.0, 0.40), (14.0, 30.0, 0.25), (30.0, 45.0, 0.05)],
        description="Days from delivery to the return request: rows (from, to, share), "
        "uniform within a row (INDUSTRY.md R10).",
    )
    window_days: NonNeg = Field(
        30.0,
        description="Return window after delivery (days). Assumption: a common policy; R10 "
        "puts 95 % of return requests within 30 days.",
    )
    late_returns: Literal["refuse", "accept_repeat", "accept"] = Field(
        "accept_repeat",
        description="A request after the window: refuse it, accept it from repeat customers "
        "(an earlier order), or accept it."
        " The seed: do not lose a loyal customer over a day past the deadline.",
    )
    return_shipping_paid_by: Literal["customer", "merchant"] = Field(
        "merchant",
        description="Who pays the return label."
        " Assumption (INDUSTRY.md R11: most shoppers expect free returns).",
    )
    return_label_cost: NonNeg = Field(
        5.5, description="Cost of a return label (currency). Assumption: a ground label's price."
    )
    policy_clear: bool = Field(
        True,
        description="The return policy is clear and easy to find (fewer disputes)."
        " The seed: a clear, easy-to-find policy.",
    )
    dispute_prob_clear: Prob = Field(
        0.05,
        description="A refused return becomes a chargeback (clear policy). Assumption (no source).",
    )
    dispute_prob_unclear: Prob = Field(
        0.25,
        description="A refused return becomes a chargeback (unclear policy). Assumption (no "
        "source).",
    )
    prevent_share: Prob = Field(
        0.10,
        description="Share of damaged, defective and not-as-described returns support solves "
        "without a return (troubleshooting, a spare part). Assumption (no source).",
    )
    prevent_share_trained: Prob = Field(
        0.25,
        description="The same when the agents are trained on the policy. Assumption (no source).",
    )
    agents_trained: bool = Field(
        False,
        description="Support agents are trained on the policy. Assumption: untrained by default.",
    )
    return_transit_days: NonNeg = Field(
        3.0,
        description="Days the parcel takes to come back. Source: INDUSTRY.md C6/C7 (ground "
        "transit 1-5 business days, mostly 3-4).",
    )
    inspection_time_min: PosFloat = Field(
        4.0, description="Returns clerk time to inspect a return (min). Assumption (no source)."
    )
    refund_time_min: PosFloat = Field(
        5.0, description="Support agent time per refund (min). Assumption (no source)."
    )
    refund_deadline_days: NonNeg = Field(
        3.0,
        description="A refund later than this after the return arrived risks a chargeback. "
        "Source: INDUSTRY.md defaults table (refund within 3 business days, itself an "
        "assumption).",
    )
    chargeback_prob: Prob = Field(
        0.05,
        description="Probability a late refund brings a chargeback. Assumption: no source gives "
        "it; 0.05 keeps the careless scenario's total chargeback rate within INDUSTRY.md B1's "
        "e-commerce 0.6-0.9 % of orders.",
    )
    fraud_chargeback_prob: Prob = Field(
        0.002,
        description="Probability a delivered order was paid with a stolen card that passed the "
        "fraud screen and the cardholder disputes it (a fraud chargeback). Assumption within "
        "INDUSTRY.md B1 (all chargebacks 0.6 % of orders on average, retail 0.2-0.5 %; no split "
        "by reason found).",
    )
    not_received_chargeback_prob: Prob = Field(
        0.001,
        description="Probability the customer of an order delivered on time disputes it as not "
        "received (an item-not-received chargeback). Assumption within INDUSTRY.md B1.",
    )
    not_received_chargeback_prob_late: Prob = Field(
        0.02,
        description="The same for an order delivered after the promised day. Assumption "
        "within INDUSTRY.md B1 (late parcels draw more disputes).",
    )
    chargeback_delay_days: NonNeg = Field(
        30.0,
        description="Days from delivery to a fraud or item-not-received chargeback. Assumption "
        "(card networks allow up to about 120 days).",
    )
    chargeback_cost: NonNeg = Field(
        15.0,
        description="Fee of a chargeback, paid by the merchant (currency). Assumption, at the "
        "low end: INDUSTRY.md B4 says a fee 'can exceed 75 per dispute'.",
    )

    @model_validator(mode="after")
    def _delays(self) -> ReturnsConfig:
        total = sum(r[2] for r in self.request_delay_days)
        if self.request_delay_days and abs(total - 1.0) > 1e-3:
            raise ValueError(
                f"request_delay_days: expected shares summing to 1, found a sum of {total:.4g}"
            )
        for i, (a, b, _) in enumerate(self.request_delay_days):
            if b < a:
                raise ValueError(f"request_delay_days.{i}: expected from <= to, found {a} > {b}")
        return self


class ReviewsConfig(Section):
    """Reviews: who writes one, its stars, and what a reply to support first changes."""

    enabled: bool = Field(False, description="Customers write reviews (off: none).")
    review_prob: Prob = Field(
        0.006,
        description="Probability of a review when nobody asks for one. Source: INDUSTRY.md "
        "V1/V3 (about 0.6 % without a request; a request multiplies reviews about 7x).",
    )
    review_prob_requested: Prob = Field(
        0.04,
        description="Probability of a review after a review request (notifications). Source: "
        "INDUSTRY.md V1 (2.5-5 % respond to a post-purchase review request).",
    )
    reply_first_prob: Prob = Field(
        0.5,
        description="Probability an unhappy customer asked to reply first does so (and support "
        "helps) before reviewing. Assumption (no source).",
    )
    stars_good_pmf: Pmf5 = Field(
        [0.02, 0.02, 0.06, 0.20, 0.70],
        description="P(1..5 stars) after a flawless order. Source: INDUSTRY.md V3/V5 (mean "
        "4.3-4.5 stars; this gives 4.54).",
    )
    stars_negative_pmf: Pmf5 = Field(
        [0.45, 0.25, 0.15, 0.10, 0.05],
        description="P(1..5 stars) after an order with a negative encounter. Assumption "
        "(INDUSTRY.md V3: unprompted reviewers skew negative; no distribution found).",
    )
    stars_replied_pmf: Pmf5 = Field(
        [0.10, 0.15, 0.30, 0.25, 0.20],
        description="P(1..5 stars) after a negative encounter the customer took to support "
        "first. Assumption (no source).",
    )
    new_customer_rating_exponent: Exponent = Field(
        0.0,
        description="New customers arrive at rate x (mean rating / reference_rating_stars) ^ "
        "this exponent, an elasticity (0: ratings do not move demand). Assumption: off by "
        "default (no source).",
    )
    reference_rating_stars: PosFloat = Field(
        4.5,
        description="Mean rating (stars) that leaves the arrival of new customers as is. "
        "Source: INDUSTRY.md V5 (verified-buyer average 4.5 stars).",
    )

    @model_validator(mode="after")
    def _pmfs(self) -> ReviewsConfig:
        for name in ("stars_good_pmf", "stars_negative_pmf", "stars_replied_pmf"):
            total = sum(getattr(self, name))
            if abs(total - 1.0) > 1e-3:
                raise ValueError(
                    f"{name}: expected shares summing to 1, found a sum of {total:.4g}"
                )
        return self

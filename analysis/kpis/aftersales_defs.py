"""Definitions of the after-sales KPIs (``analysis/kpis/aftersales.py``), read by ``kpi_defs``.

Plain tuples ``(name, unit, description, higher_is_better)`` so that this module does not
import ``kpi_defs`` (which imports it). The return KPIs are NaN in a run without a returns
table, the review KPIs in a run without a reviews table.
"""

from __future__ import annotations

from sim.eventlog import RETURN_REASONS

_DELIVERED = (
    "delivered orders (customer orders placed in the window, not duplicates, not lost, not "
    "sold in store, delivered by the end of the run)"
)
_REQUESTS = "return requests of the delivered orders made by the end of the run"
_REFUNDS = "refunds of those requests done by the end, measured from the parcel's arrival"

#: Why a chargeback came (``chargebacks_<reason>``), as in analysis/kpis/aftersales.py.
_CHARGEBACK_REASONS: dict[str, str] = {
    "late_refund": "a refund later than the policy's deadline (a returned parcel)",
    "refused_return": "a return request refused by policy (after the window)",
    "fraud": "a stolen card that passed the fraud screen (event chargeback_fraud)",
    "not_received": "the customer disputed the order as not received (event "
    "chargeback_not_received)",
}

#: Stars whose share is better lower (1, 2), higher (5); 3 and 4 stars have no direction.
_STAR_BETTER: dict[int, bool | None] = {1: False, 2: False, 3: None, 4: None, 5: True}

#: ``(name, unit, description, higher_is_better)`` of every return KPI.
RETURN_KPIS: tuple[tuple[str, str, str, bool | None], ...] = (
    (
        "return_rate",
        "share",
        f"Return requests / {_DELIVERED}. Every request counts, whatever its outcome "
        "(prevented, refused or returned).",
        False,
    ),
    *(
        (
            f"return_rate_{reason}",
            "share",
            f"Return requests for reason {reason} / delivered orders (the rates by reason sum "
            "to return_rate).",
            False,
        )
        for reason in RETURN_REASONS
    ),
    (
        "returns_prevented_share",
        "share",
        f"Share of the {_REQUESTS} that support prevented (the problem solved, no parcel came "
        "back); NaN without requests.",
        True,
    ),
    (
        "returns_refused",
        "returns",
        f"Number of the {_REQUESTS} refused by policy (made after the return window).",
        None,
    ),
    (
        "returns_received",
        "returns",
        f"Number of the {_REQUESTS} shipped back and arrived at the warehouse by the end.",
        None,
    ),
    (
        "picking_accuracy_inferred",
        "share",
        "Order picking accuracy as a manager infers it from returns segmented by reason: "
        "1 - delivered orders with a wrong_item return request / delivered orders. It misses "
        "the errors customers keep without asking for a return, so it overstates the accuracy "
        "(compare picking_accuracy_true_orders).",
        True,
    ),
    (
        "picking_accuracy_true_orders",
        "share",
        "Order picking accuracy the model knows: 1 - delivered orders with a wrong line "
        "shipped (pick_errors_shipped > 0) / delivered orders, whether the customer returned "
        "the item or kept it (compare picking_accuracy_inferred).",
        True,
    ),
    (
        "refund_time_mean_days",
        "days",
        f"Mean days from the returned parcel's arrival to the refund, over the {_REFUNDS}.",
        False,
    ),
    (
        "refund_time_p95_days",
        "days",
        f"95th percentile (linear interpolation) of the days from arrival to refund, over the "
        f"{_REFUNDS}. The refund deadline is not in the tables: refunds made too late show as "
        "chargebacks.",
        False,
    ),
    (
        "chargebacks",
        "chargebacks",
        f"Chargebacks (the customer's bank reversed the payment) of the {_DELIVERED}, by the "
        "end of the run: the sum of chargebacks_<reason> (late refunds and refused returns of "
        "their return requests, fraud and item-not-received disputes).",
        False,
    ),
    *(
        (
            f"chargebacks_{reason}",
            "chargebacks",
            f"Chargebacks for reason {reason}: {_CHARGEBACK_REASONS[reason]}.",
            False,
        )
        for reason in _CHARGEBACK_REASONS
    ),
    (
        "chargeback_rate",
        "share",
        "chargebacks / delivered orders (INDUSTRY.md B1: about 0.6 % on average; card "
        "networks warn from 0.65 %, B3).",
        False,
    ),
    *(
        (
            f"chargeback_rate_{reason}",
            "share",
            f"chargebacks_{reason} / delivered orders.",
            False,
        )
        for reason in _CHARGEBACK_REASONS
    ),
    (
        "chargeback_cost",
        "currency",
        f"Sum of the chargeback fees (paid by the merchant) of the {_REQUESTS} (late refunds "
        "and refused returns only; chargeback_cost_per_order counts every chargeback's fee).",
        False,
    ),
    (
        "return_cost_per_delivered_order",
        "currency/order",
        f"(Return shipping paid by the merchant + chargeback fees) of the {_REQUESTS} / "
        "delivered orders. Refunded order values are not costs here.",
        False,
    ),
)

#: ``(name, unit, description, higher_is_better)`` of every review KPI.
REVIEW_KPIS: tuple[tuple[str, str, str, bool | None], ...] = (
    (
        "reviews",
        "reviews",
        f"Reviews written by the end of the run about the {_DELIVERED}.",
        None,
    ),
    ("review_rate", "share", "reviews / delivered orders.", None),
    ("rating_mean", "stars", "Mean stars (1-5) of the reviews counted in reviews.", True),
    (
        "negative_review_share",
        "share",
        "Share of the reviews with 1 or 2 stars; NaN without reviews.",
        False,
    ),
    *(
        (
            f"review_share_{k}_stars",
            "share",
            f"Share of the reviews with {k} star{'s' if k > 1 else ''} (the five shares sum to "
            "1); NaN without reviews.",
            better,
        )
        for k, better in _STAR_BETTER.items()
    ),
)

#: Every after-sales KPI definition, returns then reviews.
AFTERSALES_KPIS: tuple[tuple[str, str, str, bool | None], ...] = RETURN_KPIS + REVIEW_KPIS

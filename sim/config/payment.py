"""Payment processing: processors per channel, declines and retries, fraud review, outages.

Defaults follow ../shared/INDUSTRY.md section 5: about 6 % of first attempts are declined
(issuer 4 % + fraud screen 2 %, Y1-Y3); about half of second or third attempts are declined
too and 45 % of declined shoppers recover with a retry or another card (Y5), which a retry
probability of 0.7 with up to two retries reproduces (0.7 x 0.5 + (0.7 x 0.5)^2 = 0.47).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.base import NonNeg, PosFloat, Prob, Section
from sim.config.limits import CV, Name, SaneDateTime


class OutageConfig(Section):
    """A window during which a processor is down."""

    start: SaneDateTime = Field(
        dt.datetime(2026, 3, 3, 12, 0),
        description="Start of the outage (local date-time). An example window (no default outage).",
    )
    end: SaneDateTime = Field(
        dt.datetime(2026, 3, 3, 14, 0),
        description="End of the outage (local date-time). An example window.",
    )
    mode: Literal["fail", "wait"] = Field(
        "fail",
        description="fail: attempts in the window are declined (shoppers may retry later); "
        "wait: they wait for the end of the window, then go through."
        " Assumption (no source).",
    )

    @model_validator(mode="after")
    def _order(self) -> OutageConfig:
        if self.end <= self.start:
            raise ValueError(
                f"end: expected a time after start ({self.start.isoformat()}), "
                f"found {self.end.isoformat()}"
            )
        return self


class ProcessorConfig(Section):
    """A payment processor and the channels that use it."""

    name: Name = Field("cards", description="Processor name.")
    channels: tuple[str, ...] = Field(
        [], description="Names of the channels (demand.channels) whose payments it takes."
    )
    auth_time_s: NonNeg = Field(
        3.0, description="Time of one authorisation attempt (s). Assumption (no source)."
    )
    decline_prob: Prob = Field(
        0.06, description="Probability a first attempt is declined (INDUSTRY.md Y1-Y3)."
    )
    retry_decline_prob: Prob = Field(
        0.5, description="Probability a retry is declined (INDUSTRY.md Y5)."
    )
    retry_prob: Prob = Field(
        0.7, description="Probability a declined shopper tries again (INDUSTRY.md Y5)."
    )
    retry_delay_min: NonNeg = Field(
        10.0,
        description="Minutes between a decline and the shopper's next attempt."
        " Assumption (no source).",
    )
    n_retries: Annotated[int, Field(ge=0, le=5)] = Field(
        2,
        description="Retries a shopper makes at most."
        " Assumption (INDUSTRY.md Y5: about half of second or third attempts are declined"
        " too).",
    )
    approval_delay_mean_min: NonNeg = Field(
        0.0,
        description="Mean time from a successful authorisation to the payment being approved "
        "(bank transfers, boleto, manual capture; minutes; 0 = at once)."
        " Assumption (no source).",
    )
    approval_delay_cv: CV = Field(
        1.0,
        description="Coefficient of variation of the approval delay (0 = fixed)."
        " Assumption (no source).",
    )
    approval_delay_family: Literal["lognormal", "gamma", "weibull", "empirical"] = Field(
        "lognormal",
        description="Distribution of the approval delay: lognormal, gamma or weibull with "
        "approval_delay_mean_min and approval_delay_cv, or empirical "
        "(approval_delay_quantiles_min). Written by omsim calibrate. Assumption until "
        "calibrated.",
    )
    approval_delay_quantiles_min: tuple[NonNeg, ...] = Field(
        [],
        description="Empirical approval delay: its quantiles in minutes at equally spaced "
        "probabilities 0, 1/(n-1), ..., 1 (non-decreasing, at least 2), interpolated "
        "linearly; used when approval_delay_family = 'empirical'. Off by default; fitted "
        "by omsim calibrate.",
    )
    fraud_review_share: Prob = Field(
        0.0,
        description="Share of authorised orders held for manual fraud review by "
        "payment_review staff."
        " Assumption: off by default.",
    )
    fraud_review_time_min: PosFloat = Field(
        6.0, description="Staff time of one fraud review (min). Assumption (no source)."
    )
    fraud_reject_prob: Prob = Field(
        0.2,
        description="Probability a reviewed order is rejected (cancelled and refunded)."
        " Assumption (INDUSTRY.md Y3: about 60 % of fraud-screen declines would have been"
        " legitimate).",
    )
    outages: tuple[OutageConfig, ...] = Field([], description="Windows when it is down.")

    @model_validator(mode="after")
    def _approval_family(self) -> ProcessorConfig:
        q = self.approval_delay_quantiles_min
        if self.approval_delay_family == "empirical":
            if len(q) < 2:
                raise ValueError(
                    "approval_delay_quantiles_min: expected at least 2 quantiles for "
                    f"approval_delay_family = 'empirical', found {len(q)}"
                )
            if any(b < a for a, b in zip(q, q[1:], strict=False)):
                raise ValueError(
                    "approval_delay_quantiles_min: expected non-decreasing values, found "
                    f"{list(q)[:8]}..."
                )
        return self


class PaymentConfig(Section):
    """Payment processing and whether fulfilment waits for it."""

    gate_fulfilment_on_payment: bool = Field(
        True,
        description="true: only paid (and cleared) orders are released to the warehouse; "
        "false: orders are released as they arrive and some unpaid orders get shipped."
        " The seed: never fulfil an order whose payment has not gone through.",
    )
    processors: tuple[ProcessorConfig, ...] = Field(
        [],
        description="Payment processors; a channel with none is paid at once when it orders "
        "(a point-of-sale channel pays by its card reader).",
    )

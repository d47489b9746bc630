"""Payment: authorisation attempts, declines and retries, outages, card readers.

Payment does not compete for a resource (except fraud review, a staffed station in
``sim.stages.receiving``), so its outcome is computed when the order is placed, from the
order's payment uniforms (``Order.pay_u``, a fixed number per order from the payment stream,
so common random numbers hold): attempt k is declined when ``pay_u[k]`` is below the decline
probability (the first attempt's, or a retry's), or when it falls in a ``fail`` outage; in a
``wait`` outage it waits for the window's end. After a decline the shopper tries again after
a delay when ``pay_u[RETRY + k]`` is below the retry probability, up to the retry limit.
An approved payment may then wait an approval delay drawn by inversion from ``pay_u[APPROVAL]``
(lognormal, gamma, Weibull or empirical quantiles: :class:`ApprovalDelay`), so every family
keeps common random numbers.
"""

from __future__ import annotations

import bisect
import math
from types import SimpleNamespace
from typing import TYPE_CHECKING

from scipy.optimize import brentq
from scipy.special import gamma as gamma_fn
from scipy.special import gammaincinv, ndtri

from sim.units import seconds

if TYPE_CHECKING:
    from sim.calendar import Calendar
    from sim.config.channels import ChannelConfig
    from sim.config.payment import ProcessorConfig

#: Columns of ``Order.pay_u``: one decline draw per attempt (up to 6 attempts), one retry
#: draw per decline, then fraud selection and verdict, a manual channel's miss and duplicate,
#: and the approval delay.
ATTEMPT, RETRY, FRAUD, FRAUD_REJECT, MISSED, DUPLICATE = 0, 6, 11, 12, 13, 14
APPROVAL = 15  # the approval delay after a successful authorisation
N_PAY_UNIFORMS = 16


class Processor:
    """One payment processor: ``authorise`` gives the outcome of an order's payment."""

    def __init__(self, cfg: ProcessorConfig, cal: Calendar) -> None:
        self.name = cfg.name
        self.auth = seconds(cfg.auth_time_s)
        self.decline = cfg.decline_prob
        self.retry_decline = cfg.retry_decline_prob
        self.retry = cfg.retry_prob
        self.delay = cfg.retry_delay_min
        self.n_retries = cfg.n_retries
        self.fraud_share = cfg.fraud_review_share
        self.fraud_time = cfg.fraud_review_time_min
        self.fraud_reject = cfg.fraud_reject_prob
        self.approval = ApprovalDelay(cfg)

        def minute(t) -> float:
            return (t - cal.start).total_seconds() / 60.0

        self.outages = sorted((minute(o.start), minute(o.end), o.mode) for o in cfg.outages)

    def approval_delay(self, u: float) -> float:
        """Minutes from a successful authorisation to approval (from uniform u)."""
        return self.approval.minutes(u)

    def outage_at(self, t: float) -> tuple[float, str] | None:
        """(end, mode) of the outage covering time t, if any."""
        for a, b, mode in self.outages:
            if a <= t < b:
                return b, mode
        return None

    def authorise(self, t: float, u) -> tuple[bool, float, int]:
        """(approved, time the last attempt ended, attempts) of a payment started at t."""
        k = 0
        while True:
            declined = u[ATTEMPT + k] < (self.decline if k == 0 else self.retry_decline)
            down = self.outage_at(t) if self.outages else None
            if down is not None:
                if down[1] == "wait":
                    t = down[0]
                else:
                    declined = True
            t += self.auth
            if not declined:
                if self.approval.active:
                    t += self.approval.minutes(u[APPROVAL])
                return True, t, k + 1
            if k >= self.n_retries or u[RETRY + k] >= self.retry:
                return False, t, k + 1
            t += self.delay
            k += 1


def weibull_shape(cv: float) -> float:
    """The Weibull shape k whose coefficient of variation is ``cv`` (> 0).

    cv^2 = Gamma(1 + 2/k) / Gamma(1 + 1/k)^2 - 1, decreasing in k; solved on log k.
    """

    def gap(log_k: float) -> float:
        k = math.exp(log_k)
        return math.sqrt(gamma_fn(1 + 2 / k) / gamma_fn(1 + 1 / k) ** 2 - 1) - cv

    return math.exp(brentq(gap, math.log(0.05), math.log(200.0)))


class ApprovalDelay:
    """A processor's approval delay in minutes, drawn by inversion of one uniform.

    lognormal, gamma and weibull have the configured mean and cv (cv 0: the mean, fixed);
    empirical interpolates ``approval_delay_quantiles_min`` linearly at probability u.
    ``active`` is False when every delay is 0.
    """

    def __init__(self, cfg: ProcessorConfig) -> None:
        self.family = cfg.approval_delay_family
        m, cv = cfg.approval_delay_mean_min, cfg.approval_delay_cv
        self.mean, self.cv = m, cv
        self.quantiles = list(cfg.approval_delay_quantiles_min)
        if self.family == "empirical":
            self.active = self.quantiles[-1] > 0
            self.probs = [i / (len(self.quantiles) - 1) for i in range(len(self.quantiles))]
        else:
            self.active = m > 0
        if self.family == "lognormal":
            self.sigma = math.sqrt(math.log1p(cv * cv))
            self.mu = math.log(m) - self.sigma**2 / 2 if m > 0 else 0.0
        elif self.family == "gamma" and cv > 0:
            self.shape = 1.0 / (cv * cv)
            self.scale = m / self.shape
        elif self.family == "weibull" and cv > 0:
            self.shape = weibull_shape(cv)
            self.scale = m / gamma_fn(1 + 1 / self.shape)

    def minutes(self, u: float) -> float:
        """The delay at uniform u in (0, 1)."""
        if not self.active:
            return 0.0
        if self.family == "empirical":
            q, p = self.quantiles, self.probs
            i = min(max(bisect.bisect_right(p, u) - 1, 0), len(p) - 2)
            w = (u - p[i]) / (p[i + 1] - p[i])
            return q[i] + w * (q[i + 1] - q[i])
        if self.cv <= 0:
            return self.mean
        if self.family == "lognormal":
            return math.exp(self.mu + self.sigma * float(ndtri(u)))
        if self.family == "gamma":
            return float(gammaincinv(self.shape, u)) * self.scale
        return self.scale * (-math.log1p(-u)) ** (1.0 / self.shape)


def hold_as_delay(hold) -> SimpleNamespace:
    """A release hold (:class:`sim.config.hold.HoldConfig`) with the field names of an
    approval delay, so :class:`ApprovalDelay` draws it the same way."""
    return SimpleNamespace(
        approval_delay_family=hold.family,
        approval_delay_mean_min=hold.mean_min,
        approval_delay_cv=hold.cv,
        approval_delay_quantiles_min=hold.quantiles_min,
    )


class CardReader:
    """A point of sale's card reader: attempts of fixed length that fail independently."""

    def __init__(self, channel: ChannelConfig) -> None:
        self.time = seconds(channel.card_reader_time_s)
        self.fail = channel.card_reader_failure_prob
        self.n_retries = channel.n_card_reader_retries

    def authorise(self, t: float, u) -> tuple[bool, float, int]:
        """(approved, time the last attempt ended, attempts) of a payment at the counter."""
        for k in range(self.n_retries + 1):
            t += self.time
            if u[ATTEMPT + k] >= self.fail:
                return True, t, k + 1
        return False, t, self.n_retries + 1

"""The release hold: time an order spends outside the modelled warehouse before picking."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.config.base import NonNeg, Section
from sim.config.limits import CV


class HoldConfig(Section):
    """A delay between an order's release (paid and cleared) and its arrival at picking.

    It stands for time outside the modelled warehouse: a marketplace seller preparing the
    parcel, a supplier's drop-ship lead time, a shop that dispatches on fixed days. It takes
    no staff and no capacity. ``omsim calibrate`` writes it when the history's handling time
    is much longer than the model's work alone gives; 0 (the default) means no hold. Drawn by
    inversion of a spare per-order uniform, so common random numbers hold across scenarios.
    """

    mean_min: NonNeg = Field(
        0.0,
        description="Mean release hold (minutes; 0 = none): time outside the warehouse. "
        "Off by default; fitted by omsim calibrate.",
    )
    cv: CV = Field(
        1.0,
        description="Coefficient of variation of the hold (0 = fixed). Assumption until "
        "calibrated.",
    )
    family: Literal["lognormal", "gamma", "weibull", "empirical"] = Field(
        "lognormal",
        description="Distribution of the hold: lognormal, gamma or weibull with mean_min and "
        "cv, or empirical (quantiles_min). Written by omsim calibrate. Assumption until "
        "calibrated.",
    )
    quantiles_min: tuple[NonNeg, ...] = Field(
        [],
        description="Empirical hold: quantiles in minutes at equally spaced probabilities "
        "0, 1/(n-1), ..., 1 (non-decreasing, at least 2); used when family = 'empirical'. "
        "Off by default; fitted by omsim calibrate.",
    )

    @model_validator(mode="after")
    def _empirical(self) -> HoldConfig:
        q = self.quantiles_min
        if self.family == "empirical":
            if len(q) < 2:
                raise ValueError(
                    "quantiles_min: expected at least 2 quantiles for family = 'empirical', "
                    f"found {len(q)}"
                )
            if any(b < a for a, b in zip(q, q[1:], strict=False)):
                raise ValueError(
                    f"quantiles_min: expected non-decreasing values, found {list(q)[:8]}..."
                )
        return self

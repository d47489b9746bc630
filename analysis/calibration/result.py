"""The outcome of a calibration: overrides, their comments, fits and headline figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from analysis.calibration.fit import DistributionFit


@dataclass
class Calibration:
    """A fitted scenario: overrides for the TOML, their comments, fits and headline figures.

    ``comments`` maps a dotted key (``demand.orders_per_day``) to the comment written beside
    it; a comment on a key that is not written goes at the top of its table, or in the header
    when the table is not written either. ``base`` is the base scenario file (written relative
    to the output file's directory). ``profile`` holds the orders per weekday (rows mon..sun)
    and hour; ``sku_counts`` the lines per SKU in decreasing order (for the figures).
    """

    overrides: dict[str, Any]
    comments: dict[str, str]
    fits: list[DistributionFit]
    summary: dict[str, Any]
    base: Path
    name: str
    source: str
    profile: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((7, 24)))
    sku_counts: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))

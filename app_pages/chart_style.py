"""Charts the app's users can read: larger fonts (the pictures are shown scaled down in
page columns) and axis titles in words rather than the scenario's key paths."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import matplotlib

#: Font sizes (points) of the app's charts; matplotlib's defaults are 10 and smaller.
FONTS = {
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "figure.titlesize": 15,
}

#: Scenario keys as a chart's axis names them.
AXIS_NAMES = {
    "demand.orders_per_day": "orders per day",
    "picking.method": "picking method",
    "picking.routing": "routing policy",
    "picking.batch.max_orders": "orders per batch",
    "simulation.horizon_days": "days simulated",
}


@contextlib.contextmanager
def readable() -> Iterator[None]:
    """Draw (and render) the figures made inside at the app's font sizes."""
    with matplotlib.rc_context(FONTS):
        yield


def axis_label(key: str) -> str:
    """A scenario key (``demand.orders_per_day``) as an axis title (``orders per day``):
    known keys by name, others by their last part with spaces."""
    return AXIS_NAMES.get(key, key.rsplit(".", 1)[-1].replace("_", " "))


def kpi_words(name: str) -> str:
    """A KPI's name in words for a chart title (``time_to_ship_mean_h`` reads ``time to
    ship mean h``) until the KPI catalogue gives labels."""
    return name.replace("_", " ")

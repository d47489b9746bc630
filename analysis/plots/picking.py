"""The picking-time figure: why a method wins, as minutes per order line by part."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from analysis.kpis.picking_split import LABOUR_PARTS, WAIT_PARTS
from analysis.plots.experiment import _figure, _has_values, _order, _values

_LABELS = {
    "travel": "travel",
    "setup": "set-up",
    "pick": "search and pick",
    "sort": "sort",
    "consolidation": "consolidation",
    "wait_release": "waiting for a wave",
    "wait_queue": "waiting for a picker or batch",
}
_COLOURS = {
    "travel": "#8c510a",
    "setup": "#bf812d",
    "pick": "#dfc27d",
    "sort": "#80cdc1",
    "consolidation": "#35978f",
    "wait_release": "#9e9ac8",
    "wait_queue": "#d9d9d9",
}


def picking_split_figure(
    kpis: pl.DataFrame, scenarios: Sequence[str] | None = None
) -> Figure | None:
    """Two panels of stacked horizontal bars, one bar per scenario (means over replications):
    picking labour per order line (travel, set-up, search and pick, sort, consolidation) and
    an order's waiting per line (for a wave, for a picker or a batch). Each bar's label gives
    the orders per tour (and the cart fill with batch picking). ``None`` without the
    ``line_*`` KPIs."""
    names = _order(kpis, scenarios)
    if not names or not _has_values(kpis, "line_time_min"):
        return None
    fig = _figure(9.0, 2.0 + 0.42 * len(names))
    axes = fig.subplots(1, 2, sharey=True, width_ratios=(3, 2))
    y = np.arange(len(names))

    def mean(n: str, col: str) -> float:
        v = _values(kpis, n, col) if col in kpis.columns else np.array([])
        v = v[np.isfinite(v)]
        return float(v.mean()) if v.size else 0.0

    for ax, parts, title in (
        (axes[0], LABOUR_PARTS, "picking labour (min per line)"),
        (axes[1], WAIT_PARTS, "order waiting (min per line)"),
    ):
        left = np.zeros(len(names))
        for p in parts:
            width = np.array([mean(n, f"line_{p}_min") for n in names])
            if not width.any():
                continue
            ax.barh(y, width, left=left, color=_COLOURS[p], label=_LABELS[p], height=0.6,
                    edgecolor="white")  # fmt: skip
            left += width
        for yi, total in zip(y, left, strict=True):
            ax.text(total, yi, f" {total:.2f}", va="center", fontsize="small")
        ax.set_xlim(0, max(left.max(initial=0.0) * 1.2, 1e-9))
        ax.set_title(title, fontsize="medium")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize="x-small",
                  frameon=False)  # fmt: skip
    labels = []
    for n in names:
        label = f"{n}\n{mean(n, 'orders_per_tour'):.1f} orders/tour"
        fill = mean(n, "cart_fill")
        labels.append(label + (f", cart {fill:.0%} full" if fill > 0 else ""))
    axes[0].set_yticks(y, labels, fontsize="small")
    axes[0].invert_yaxis()
    return fig

"""One-at-a-time sensitivity results and the tornado chart.

The experiment table has one row per variant and replication (``scenario_index``: 0 is the
base, then each parameter's low and high variant in turn). Each bar is the mean paired
difference, replication by replication on common random numbers, of the KPI at the low
(high) value minus the base, with its 95 % t interval.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis.stats.intervals import mean_ci, paired_difference


def _by_replication(results: pl.DataFrame, index: int, kpi: str) -> dict[int, float]:
    rows = results.filter(pl.col("scenario_index") == index).select("replication", kpi)
    return {int(r): float(v) for r, v in rows.iter_rows() if v is not None and not math.isnan(v)}


def tornado_rows(
    results: pl.DataFrame, params: list[dict[str, Any]], kpi: str
) -> list[dict[str, Any]]:
    """One row per parameter (``params``: ``key``, ``low``, ``high`` in the variants' order):
    the base mean, and for ``low`` and ``high`` the variant's mean and the paired difference
    from the base with its 95 % interval (``low_diff``, ``low_ci_low``, ``low_ci_high``,
    ...), plus ``swing`` (the larger absolute difference), sorted by swing, largest first."""
    base = _by_replication(results, 0, kpi)
    base_mean = mean_ci(list(base.values())).mean
    rows = []
    for i, p in enumerate(params):
        row: dict[str, Any] = {"key": p["key"], "low": p["low"], "high": p["high"],
                               "base_mean": base_mean}  # fmt: skip
        for j, end in enumerate(("low", "high")):
            var = _by_replication(results, 1 + 2 * i + j, kpi)
            reps = sorted(set(base) & set(var))
            diff = paired_difference([base[r] for r in reps], [var[r] for r in reps])
            row[f"{end}_mean"] = mean_ci([var[r] for r in reps]).mean
            row[f"{end}_diff"] = diff.mean_diff
            row[f"{end}_ci_low"] = diff.ci.low
            row[f"{end}_ci_high"] = diff.ci.high
            row[f"{end}_p"] = diff.p_value
        row["n"] = len(base)
        row["swing"] = max(abs(row["low_diff"]), abs(row["high_diff"]))
        rows.append(row)
    return sorted(rows, key=lambda r: -r["swing"] if math.isfinite(r["swing"]) else 0.0)


def _g(v: float) -> str:
    return f"{v:.4g}"


def tornado_figure(rows: list[dict[str, Any]], kpi: str, unit: str) -> Figure:
    """Tornado chart: per parameter (largest swing on top) a bar from 0 to the KPI's change at
    the low value and one to its change at the high value, with 95 % interval whiskers from
    the paired differences; the values are written at the bars' ends."""
    fig = Figure(figsize=(8.0, 1.4 + 0.55 * len(rows)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    for end, colour, offset in (("low", "#4575b4", -0.18), ("high", "#d73027", 0.18)):
        diffs = np.array([r[f"{end}_diff"] for r in rows], dtype=float)
        lo = np.array([r[f"{end}_ci_low"] for r in rows], dtype=float)
        hi = np.array([r[f"{end}_ci_high"] for r in rows], dtype=float)
        err = np.vstack([np.nan_to_num(diffs - lo), np.nan_to_num(hi - diffs)])
        ax.barh(y + offset, np.nan_to_num(diffs), height=0.34, color=colour, label=end,
                xerr=err, error_kw={"elinewidth": 1, "capsize": 3})  # fmt: skip
        for yi, d, a, b, r in zip(y, diffs, lo, hi, rows, strict=True):
            if math.isfinite(d):  # the parameter's value, beyond the bar and its whisker
                x = (b if math.isfinite(b) else d) if d >= 0 else (a if math.isfinite(a) else d)
                ax.text(x, yi + offset, f" {_g(r[end])} ", va="center", fontsize="x-small",
                        ha="left" if d >= 0 else "right")  # fmt: skip
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(y, [r["key"] for r in rows], fontsize="small")
    ax.invert_yaxis()
    base = rows[0]["base_mean"] if rows else math.nan
    ax.set_xlabel(f"change in {kpi} from the base ({_g(base)} {unit})")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(title="parameter at", fontsize="small", frameon=False)
    return fig

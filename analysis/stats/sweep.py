"""Sweep results: the objective per grid point with its interval, the best option per value of
a numeric parameter (e.g. the best picking method per daily volume), and the chart of it.

Inputs are plain polars tables: the experiment table (one row per grid point and
replication, ``scenario_index`` = grid point) and the grid's parameter values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from analysis.stats.intervals import mean_ci, paired_difference

#: Significance level of the "best is better than the runner-up" test.
ALPHA = 0.05


def sweep_summary(
    results: pl.DataFrame, values: list[dict[str, Any]], objective: str
) -> pl.DataFrame:
    """One row per grid point: its parameter values (as text and, for numbers, as numbers),
    ``n``, ``mean``, ``low``, ``high`` and ``half_width`` of the objective (95 % t interval)."""
    rows = []
    for i, point in enumerate(values):
        sample = results.filter(pl.col("scenario_index") == i)[objective]
        sample = sample.drop_nans().drop_nulls().to_list()
        if len(sample) >= 2:
            ci = mean_ci(sample)
            mean, low, high, hw = ci.mean, ci.low, ci.high, ci.half_width
        else:
            mean = sample[0] if sample else math.nan
            low = high = hw = math.nan
        rows.append(
            {"point": i, **{k: str(v) for k, v in point.items()}, "n": len(sample),
             "mean": mean, "low": low, "high": high, "half_width": hw}
        )  # fmt: skip
    return pl.DataFrame(rows)


def best_by(
    results: pl.DataFrame,
    values: list[dict[str, Any]],
    x: str,
    option: str,
    objective: str,
    higher_is_better: bool,
    practical: float | None = None,
) -> pl.DataFrame:
    """For every value of parameter ``x``, the option (value of parameter ``option``) with
    the best mean objective, the runner-up, whether the best is significantly better
    (paired t-test on common random numbers, p < :data:`ALPHA`) and whether its lead is
    ``practical``: larger than the objective's practical threshold (``practical``, default
    the KPI catalogue's; 0 for an unknown KPI).

    Grid points that share ``x`` and ``option`` but differ in other parameters are not
    distinguished: pass a grid of exactly these two parameters for a clean answer.
    """
    if practical is None:
        from analysis.kpis.defs import kpi_def

        try:
            practical = kpi_def(objective).practical
        except KeyError:
            practical = 0.0
    rows = []
    xs = list(dict.fromkeys(v[x] for v in values))
    for xv in xs:
        cands = []
        for i, point in enumerate(values):
            if point[x] != xv:
                continue
            runs = results.filter(pl.col("scenario_index") == i).sort("replication")
            sample = runs.select("replication", objective).drop_nans()
            if sample.height:
                cands.append((point[option], sample))
        if not cands:
            continue
        sign = -1.0 if higher_is_better else 1.0
        cands.sort(key=lambda c: sign * float(c[1][objective].mean()))
        best, best_runs = cands[0]
        row = {x: xv, "best": str(best), "best_mean": float(best_runs[objective].mean()),
               "runner_up": None, "runner_up_mean": math.nan, "p_value": math.nan,
               "significant": False, "practical": False}  # fmt: skip
        if len(cands) > 1:
            second, second_runs = cands[1]
            both = best_runs.join(second_runs, on="replication", suffix="_2")
            row["runner_up"] = str(second)
            row["runner_up_mean"] = float(second_runs[objective].mean())
            row["practical"] = abs(row["best_mean"] - row["runner_up_mean"]) > practical
            if both.height >= 2:
                a, b = both[objective].to_list(), both[f"{objective}_2"].to_list()
                diff = paired_difference(a, b)
                row["p_value"] = diff.p_value
                row["significant"] = bool(diff.p_value < ALPHA)
        rows.append(row)
    return pl.DataFrame(rows)


def best_option_figure(
    summary: pl.DataFrame,
    best: pl.DataFrame,
    x: str,
    option: str,
    objective: str,
    unit: str,
    higher_is_better: bool,
) -> Figure:
    """The objective against ``x``, one line per option with its 95 % band, and a strip on
    top naming the best option at each ``x`` (hatched where it is not significantly better
    than the runner-up)."""
    fig = Figure(figsize=(9, 5.5), layout="constrained")
    strip, ax = fig.subplots(2, 1, height_ratios=[1, 6], sharex=True)
    options = list(dict.fromkeys(summary[option].to_list()))
    colours = {o: f"C{i % 10}" for i, o in enumerate(options)}
    for o in options:
        part = summary.filter(pl.col(option) == o)
        xs = np.array([float(v) for v in part[x].to_list()])
        order = np.argsort(xs)
        mean = part["mean"].to_numpy()[order]
        ax.plot(xs[order], mean, marker="o", color=colours[o], label=str(o))
        low, high = part["low"].to_numpy()[order], part["high"].to_numpy()[order]
        ax.fill_between(xs[order], low, high, color=colours[o], alpha=0.15, linewidth=0)
    ax.set_xlabel(x)
    ax.set_ylabel(f"{objective} ({unit})")
    ax.grid(alpha=0.3)
    ax.legend(title=option, loc="best")
    xs_best = np.array([float(v) for v in best[x].to_list()])
    width = float(np.min(np.diff(np.sort(xs_best)))) if xs_best.size > 1 else 1.0
    for xv, name, sig in zip(xs_best, best["best"], best["significant"], strict=True):
        strip.bar(
            xv, 1, width=width * 0.95, color=colours.get(name, "grey"),
            hatch=None if sig else "//", edgecolor="white",
        )  # fmt: skip
        strip.text(xv, 0.5, str(name), ha="center", va="center", fontsize=8, color="white")
    strip.set_yticks([])
    strip.set_ylim(0, 1)
    which = "highest" if higher_is_better else "lowest"
    strip.set_title(f"Best {option} by {x} ({which} mean {objective})", fontsize=10)
    strip.text(
        1.0, -0.15, "hatched: not significantly better than the runner-up (paired t-test)",
        transform=strip.transAxes, ha="right", va="top", fontsize=7,
    )  # fmt: skip
    return fig

"""The results of a stored sweep: the best option (picking method) by a numeric parameter
(order volume) as a heatmap, from what ``omsim sweep`` recorded in the manifest
(:func:`analysis.stats.sweep.sweep_summary` and :func:`analysis.stats.sweep.best_by`).

The heatmap is presentation only: cells are the recorded means placed on a grid, the star
marks the recorded best option per column. No statistic is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis.reports.html import figure_png, fmt_value
from app_pages.chart_style import axis_label, kpi_words, readable
from sim.experiments.store import RunStore, StoreError


@dataclass(frozen=True)
class SweepView:
    """What the page shows of a sweep (pickle-able, for ``st.cache_data``)."""

    heading: str
    title: str
    heatmap: bytes | None
    best: pd.DataFrame
    points: pd.DataFrame
    note: str


def _label(value: Any) -> str:
    """A parameter value as a column label (``1000``, ``2500.5``)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:g}"


def heatmap(points: list[dict], best: list[dict], chart: dict[str, Any]) -> Figure:
    """Rows: the options; columns: the numeric values; colour: the recorded mean of the
    objective (greener is better); a star on the recorded best option of each column
    (hollow where it is not significantly better than the runner-up)."""
    x, option, unit = chart["x"], chart["option"], chart["unit"]
    options = list(dict.fromkeys(str(p[option]) for p in points))
    xs = sorted(dict.fromkeys(_label(p[x]) for p in points), key=float)
    grid = np.full((len(options), len(xs)), np.nan)
    for p in points:
        grid[options.index(str(p[option])), xs.index(_label(p[x]))] = p["mean"]
    fig = Figure(figsize=(3.0 + 1.3 * len(xs), 2.2 + 0.7 * len(options)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    cmap = "RdYlGn" if chart["higher_is_better"] else "RdYlGn_r"
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, aspect="auto")
    for (i, j), value in np.ndenumerate(grid):
        ax.text(
            j,
            i,
            fmt_value(value, unit),
            ha="center",
            va="center",
            fontsize=11,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.7, "lw": 0},
        )
    for b in best:
        if b["best"] in options and _label(b[x]) in xs:
            i, j = options.index(b["best"]), xs.index(_label(b[x]))
            ax.plot(
                j + 0.36,
                i - 0.22,
                marker="*",
                ms=13,
                mec="black",
                mew=0.8,
                mfc="gold" if b["significant"] else "none",
            )
    ax.set_xticks(range(len(xs)), xs)
    ax.set_yticks(range(len(options)), options)
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(option))
    which = "highest" if chart["higher_is_better"] else "lowest"
    objective = kpi_words(chart["objective"])
    ax.set_title(f"Mean {objective} ({unit})\n★ best ({which}) at each {axis_label(x)}")
    fig.colorbar(image, ax=ax, label=f"{objective} ({unit})")
    return fig


@st.cache_data(show_spinner=False, max_entries=16)
def sweep_view(run_dir: str, stamp: int) -> SweepView:
    """The view of the sweep stored in ``run_dir`` (``stamp``: the manifest's time)."""
    del stamp  # part of the cache key only
    m = RunStore.open(run_dir).manifest
    summary = m.get("summary") or {}
    points, best, chart = summary.get("sweep"), summary.get("best"), summary.get("chart")
    if not points:
        raise StoreError(f"{run_dir}: expected the results of a finished sweep, found none")
    objective = summary.get("objective", "?")
    title = (
        f"{len(points)} grid points, objective {objective}, seed "
        f"{m.get('settings', {}).get('seed', '?')}"
    )
    shown = pd.DataFrame(points).drop(columns=["point"], errors="ignore")
    if not (best and chart):
        note = "The heatmap needs one numeric and one non-numeric swept parameter."
        return SweepView("Sweep", title, None, pd.DataFrame(), shown, note)
    unit = chart["unit"]
    table = pd.DataFrame(
        [
            {
                axis_label(chart["x"]): _label(b[chart["x"]]),
                "best": b["best"],
                objective: fmt_value(b["best_mean"], unit),
                "runner-up": b["runner_up"] or "-",
                "runner-up mean": fmt_value(b["runner_up_mean"], unit),
                "p": "-"
                if b["p_value"] is None or b["p_value"] != b["p_value"]
                else f"{b['p_value']:.3g}",
                "significant": "yes" if b["significant"] else "no",
            }
            for b in best
        ]
    )
    with readable():
        png = figure_png(heatmap(points, best, chart))
    note = (
        "Solid star: significantly better than the runner-up (paired t-test on common random "
        "numbers, p < 0.05); hollow: not significantly."
    )
    heading = f"Best {axis_label(chart['option'])} by {axis_label(chart['x'])}"
    shown = shown.rename(columns={c: axis_label(c) for c in shown.columns if "." in c})
    return SweepView(heading, title, png, table, shown, note)


def render(view: SweepView) -> None:
    """The heatmap, the best option per column and every grid point."""
    st.subheader(view.heading)
    st.caption(view.title)
    if view.heatmap is not None:
        st.image(view.heatmap, width="content")
    st.caption(view.note)
    if not view.best.empty:
        st.dataframe(view.best, hide_index=True)
    with st.expander("Every grid point (mean and 95% CI of the objective)"):
        st.dataframe(view.points, hide_index=True)

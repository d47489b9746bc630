"""The results of a stored staff sizing: the cost/SLA frontier as a table and a chart, and the
recommended staffing plan per shift, from what ``omsim size`` recorded in the manifest
(``summary.frontier`` and ``summary.answer``; see sim/experiments/size_run.py).

Presentation only: the chart places the recorded SLA means and bounds against the recorded
weekly costs; which staffings are feasible, efficient or the answer was decided by the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis.kpis.defs import kpi_def
from analysis.reports.html import figure_png, fmt_value
from sim.experiments.store import RunStore, StoreError


@dataclass(frozen=True)
class SizingView:
    """What the page shows of a sizing (pickle-able, for ``st.cache_data``)."""

    title: str
    answer: str
    plan: pd.DataFrame
    frontier: pd.DataFrame
    chart: bytes | None
    warning: str = ""


def _unit(kpi: str) -> str:
    try:
        return kpi_def(kpi).unit
    except KeyError:
        return ""


def frontier_figure(frontier: list[dict[str, Any]]) -> Figure | None:
    """One panel per SLA: each simulated staffing at its weekly cost against the SLA's mean
    (dot) and one-sided 95% bound (tick); green where every SLA is met, grey otherwise; the
    Pareto-efficient staffings joined by a line; the answer starred; the target dashed."""
    slas = [s["sla"] for s in frontier[0]["slas"]] if frontier else []
    if not slas:
        return None
    fig = Figure(figsize=(4.2 * len(slas) + 0.6, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(slas), squeeze=False)[0]
    for k, (ax, text) in enumerate(zip(axes, slas, strict=True)):
        first = frontier[0]["slas"][k]
        scale = 100.0 if _unit(first["kpi"]) == "share" else 1.0

        def y(value: Any, scale: float = scale) -> float:
            return float("nan") if value is None else value * scale

        good = [r for r in frontier if r["efficient"]]
        ax.plot(
            [r["weekly_cost"] for r in good],
            [y(r["slas"][k]["mean"]) for r in good],
            color="#2e7d32",
            lw=1,
            alpha=0.6,
            label="Pareto-efficient",
        )
        for r in frontier:
            res = r["slas"][k]
            colour = "#2e7d32" if r["feasible"] else "#9e9e9e"
            ax.plot(r["weekly_cost"], y(res["mean"]), "o", color=colour, ms=6)
            ax.plot(r["weekly_cost"], y(res["bound"]), "_", color=colour, ms=10, mew=2)
            if r["answer"]:
                ax.plot(
                    r["weekly_cost"],
                    y(res["mean"]),
                    "*",
                    color="gold",
                    mec="black",
                    ms=16,
                    label="recommended",
                )
        ax.axhline(y(first["target"]), color="#c62828", ls="--", lw=1, label="target")
        ax.set_title(text, fontsize=10)
        ax.set_xlabel("weekly wage bill")
        ax.set_ylabel(first["kpi"] + (" (%)" if scale == 100.0 else ""))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="small", loc="best")
    return fig


def _row(r: dict[str, Any]) -> dict[str, Any]:
    row = {
        "staffing": r["staffing"],
        "weekly cost": f"{r['weekly_cost']:,.2f}",
        "all SLAs met": "yes" if r["feasible"] else "no",
        "Pareto-efficient": "yes" if r["efficient"] else "",
        "recommended": "★" if r["answer"] else "",
    }
    for s in r["slas"]:
        unit = _unit(s["kpi"])
        row[s["sla"]] = f"{fmt_value(s['mean'], unit)} (bound {fmt_value(s['bound'], unit)}) " + (
            "met" if s["met"] else "missed"
        )
    return row


@st.cache_data(show_spinner=False, max_entries=16)
def sizing_view(run_dir: str, stamp: int) -> SizingView:
    """The view of the sizing stored in ``run_dir`` (``stamp``: the manifest's time)."""
    del stamp  # part of the cache key only
    m = RunStore.open(run_dir).manifest
    summary = m.get("summary") or {}
    frontier, answer = summary.get("frontier"), summary.get("answer")
    if frontier is None:
        raise StoreError(f"{run_dir}: expected the results of a finished sizing, found none")
    settings = m.get("settings", {})
    title = (
        f"{len(frontier)} staffings simulated × {settings.get('replications', '?')} "
        f"replications; SLAs: {'; '.join(settings.get('slas', []))}"
    )
    if answer:
        proof = "proven cheapest on the grid" if answer.get("proven_optimal") else "locally minimal"
        text = (
            f"Recommended: {answer['staffing']} — weekly wage bill "
            f"{answer['weekly_cost']:,.2f} ({proof}, assuming more staff never hurts)."
        )
        plan = pd.DataFrame(
            [{"shift": k, "recommended headcount": v} for k, v in answer["headcount"].items()]
        )
    else:
        text = "No staffing up to the maximum headcount meets every SLA."
        plan = pd.DataFrame()
    fig = frontier_figure(frontier)
    chart = figure_png(fig) if fig is not None else None
    warning = str(summary.get("horizon_warning") or "").removeprefix("warning: ")
    return SizingView(title, text, plan, pd.DataFrame([_row(r) for r in frontier]), chart, warning)


def render(view: SizingView) -> None:
    """The recommended plan, the frontier chart and the frontier table."""
    st.subheader("Recommended staffing plan")
    st.caption(view.title)
    if view.warning:
        st.warning(view.warning)
    (st.success if not view.plan.empty else st.warning)(view.answer)
    if not view.plan.empty:
        st.dataframe(view.plan, hide_index=True)
    st.subheader("Cost/SLA frontier")
    if view.chart is not None:
        st.image(view.chart, width="content")
        st.caption(
            "Dots: mean over replications; ticks: the one-sided 95% bound the SLA is "
            "checked with; green: every SLA met; line: Pareto-efficient staffings."
        )
    st.dataframe(view.frontier, hide_index=True, width="stretch")

"""The results of a stored comparison, as the Compare and Runs pages show them: the KPI table
(means with confidence intervals, paired differences against the first scenario, winners
highlighted) and the figures.

Every number comes from :func:`analysis.stats.compare.compare_table` and every figure from
:mod:`analysis.plots.experiment`; this module only formats them (as the HTML report does, with
:func:`analysis.reports.html.fmt_value`). A view is cached by run directory and manifest
time, so showing a computed comparison again reads nothing and draws nothing.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import pandas as pd
import polars as pl
import streamlit as st

from analysis.kpis.defs import kpi_def
from analysis.plots import experiment as plots
from analysis.reports.html import figure_png, fmt_value
from analysis.reports.report import (
    MAX_LINE_SCENARIOS,
    evenly_spaced,
    experiment_results,
    report_kpis,
)
from analysis.stats.compare import compare_table
from app_pages.chart_style import readable
from app_pages.common import kpi_help
from sim.experiments.store import RunStore, StoreError

#: Cell styles of the KPI table by flag.
STYLES = {
    "better": "background-color: #d3f2d9; color: #0b5d1e; font-weight: 600",
    "worse": "background-color: #fbe1e1; color: #8e1b1b",
    "": "",
}


@dataclass(frozen=True)
class Chart:
    """A figure rendered once: its title, PNG bytes and caption."""

    title: str
    png: bytes
    caption: str


@dataclass(frozen=True)
class CompareView:
    """What the page shows of a comparison (pickle-able, for ``st.cache_data``)."""

    title: str
    table: pd.DataFrame  # one row per KPI, formatted text
    flags: pd.DataFrame  # same shape: "better", "worse" or ""
    details: pd.DataFrame  # one row per KPI and scenario, with p-values
    charts: tuple[Chart, ...]
    notes: tuple[str, ...]
    failures: tuple[str, ...]


def signed(value: float | None, unit: str) -> str:
    """A difference as text with its sign (``+1.2``, ``-0.30%``, ``0``)."""
    if value is None or math.isnan(value):
        return "-"
    if value == 0:
        return "0"
    return ("+" if value > 0 else "-") + fmt_value(abs(value), unit)


def common_replications(results: pl.DataFrame, n_scenarios: int) -> pl.DataFrame:
    """The rows of the replications every scenario finished (paired comparisons need them)."""
    counts = results.group_by("replication").len()
    done = counts.filter(pl.col("len") == n_scenarios)["replication"]
    return results.filter(pl.col("replication").is_in(done.implode()))


def _tables(compared: pl.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The wide KPI table, its flags and the long table with p-values."""
    rows, flags, details = [], [], []
    for kpi in compared["kpi"].unique(maintain_order=True).to_list():
        unit = kpi_def(kpi).unit
        row, flag = {"KPI": kpi, "unit": unit}, {"KPI": "", "unit": ""}
        group = compared.filter(pl.col("kpi") == kpi).rows(named=True)
        first = group[0]["scenario"]
        for r in group:
            label = f"{r['scenario_index'] + 1}. {r['scenario']}"
            hw = r["half_width"]
            half = "" if hw is None or math.isnan(hw) else f" ± {fmt_value(hw, unit)}"
            row[label], flag[label] = fmt_value(r["mean"], unit) + half, ""
            diff, p_text, mark = "", "", ""
            if r["scenario_index"] > 0 and r["diff_mean"] is not None:
                diff = (
                    f"{signed(r['diff_mean'], unit)} [{signed(r['diff_low'], unit)}, "
                    f"{signed(r['diff_high'], unit)}]"
                )
                p = r["p_value"]
                p_text = "-" if p is None or math.isnan(p) else f"{p:.3g}"
                if r["better"]:
                    diff, mark = diff + " *", "better"
                elif r["significant"] and kpi_def(kpi).higher_is_better is not None:
                    mark = "worse"
                row[f"Δ {label} vs {first}"], flag[f"Δ {label} vs {first}"] = diff, mark
            details.append(
                {
                    "KPI": kpi,
                    "unit": unit,
                    "scenario": label,
                    "mean ± 95% CI": row[label],
                    "difference vs 1 [95% CI]": diff,
                    "p": p_text,
                    "_flag": mark,
                }
            )
        rows.append(row)
        flags.append(flag)
    return pd.DataFrame(rows), pd.DataFrame(flags), pd.DataFrame(details)


def currency_of(store: RunStore) -> str:
    """The currency the stored scenarios give (a ``currency`` key), or "" (the schema has
    none yet: axes then name no unit rather than "currency units")."""
    for s in store.scenarios():
        with contextlib.suppress(StoreError, OSError, KeyError):
            if currency := str(store.scenario_dict(s["key"]).get("currency") or ""):
                return currency
    return ""


def _charts(used: pl.DataFrame, store: RunStore, names: list[str]) -> list[Chart]:
    """The five figures of the report, rendered to PNG."""
    reps = pl.col("replication").is_in(used["replication"].unique().implode())
    orders, queues = store.details("orders").filter(reps), store.details("queues").filter(reps)
    colours = plots.scenario_colours(names)
    shown = evenly_spaced(names, MAX_LINE_SCENARIOS)
    figures = [
        (
            "Lead-time distribution",
            plots.lead_time_figure(orders, names, colours),
            "Share of orders delivered within x hours of being placed, pooled over replications.",
        ),
        (
            "Utilisation per role",
            plots.utilisation_figure(used, names, colours),
            "Busy time / on-duty time per resource: mean over replications with 95% CI.",
        ),
        (
            "Queue length over the day",
            plots.queue_figure(queues, shown, colours),
            "Mean number of attempts waiting to start each step, by hour of day.",
        ),
        (
            "Cost per order",
            plots.cost_figure(used, names, currency=currency_of(store)),
            "Cost per shipped order by component (labour, packaging, shipping); the number is the "
            "total.",
        ),
        (
            "Return reasons",
            plots.return_reasons_figure(used, names, colours),
            "Return rate by reason: mean over replications with 95% CI.",
        ),
    ]
    return [Chart(t, figure_png(f), c) for t, f, c in figures if f is not None]


def _readable_charts(used: pl.DataFrame, store: RunStore, names: list[str]) -> list[Chart]:
    """:func:`_charts` drawn and rendered at the app's font sizes."""
    with readable():
        return _charts(used, store, names)


@st.cache_data(show_spinner=False, max_entries=32)
def compare_view(run_dir: str, stamp: int) -> CompareView:
    """The view of the comparison stored in ``run_dir`` (``stamp``: the manifest's time, so
    a store that changed is read again). Raises :class:`sim.experiments.store.StoreError` or
    ``ValueError`` for a store that holds nothing to compare."""
    del stamp  # part of the cache key only
    store = RunStore.open(run_dir)
    names = [s["name"] for s in store.scenarios()]
    results = experiment_results(store)
    used = common_replications(results, len(names)) if names else results
    if used.is_empty():
        raise ValueError("no replication finished for every scenario: nothing to compare")
    kpis = report_kpis(used)
    table, flags, details = _tables(compare_table(used, kpis))
    charts = _readable_charts(used, store, names)
    n = used["replication"].n_unique()
    m = store.manifest
    title = (
        f"{len(names)} scenario(s) × {n} replication(s), seed "
        f"{m.get('settings', {}).get('seed', '?')}, stored in {store.root.name}"
    )
    failures = tuple(
        f"Replication {f['replication']} of {f['scenario']} failed: {f['error']}"
        for f in m.get("failures") or []
    )
    notes = []
    if used.height < results.height:
        notes.append(f"Only the {n} replications every scenario finished are compared.")
    if not plots.return_columns(used):
        notes.append("These scenarios record no returns, so there is no figure of return reasons.")
    return CompareView(title, table, flags, details, tuple(charts), tuple(notes), failures)


def open_view(run_dir: str, stamp: int) -> CompareView | None:
    """:func:`compare_view`, or None after showing why the store cannot be shown."""
    try:
        return compare_view(run_dir, stamp)
    except (StoreError, ValueError, OSError) as exc:
        st.error(f"Cannot show this comparison: {exc}")
        return None


def render(view: CompareView) -> None:
    """The KPI table (winners highlighted), the notes and the figures."""
    st.subheader("KPIs")
    st.caption(view.title)
    styled = view.table.style.apply(lambda _: view.flags.map(STYLES.get), axis=None)
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        height="content",
        column_config={
            "KPI": st.column_config.TextColumn(
                "KPI", help="What each KPI means: see *KPI definitions* below the table."
            )
        },
    )
    st.caption(
        "Mean ± 95% confidence half-width over replications. Δ: paired difference against "
        "scenario 1 (common random numbers) with its 95% CI; green with * = significantly "
        "better, red = significantly worse (paired t-test, p < 0.05)."
    )
    with st.expander("KPI definitions"):
        st.dataframe(
            pd.DataFrame({"KPI": k, "definition": kpi_help(k)} for k in view.table["KPI"].tolist()),
            hide_index=True,
            width="stretch",
        )
    with st.expander("Paired differences with p-values"):
        details = view.details.drop(columns="_flag")
        styled = details.style.apply(
            lambda _: pd.DataFrame(
                {c: view.details["_flag"].map(STYLES.get) for c in details.columns}
            ),
            axis=None,
        )
        st.dataframe(styled, hide_index=True, width="stretch")
    for failure in view.failures:
        st.warning(failure)
    for note in view.notes:
        st.caption(note)
    st.subheader("Figures")
    cols = st.columns(2)
    for i, chart in enumerate(view.charts):
        with cols[i % 2]:
            st.markdown(f"**{chart.title}**")
            st.image(chart.png, caption=chart.caption, width="stretch")

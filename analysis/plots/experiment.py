"""Figures of an experiment, built from the tables of a run store (:mod:`sim.experiments.store`).

Every builder takes polars frames as read from a store (``store.kpis()``,
``store.details("orders")``, ``store.details("queues")``) and returns a
:class:`matplotlib.figure.Figure` drawn on the Agg canvas, or ``None`` when the frames hold
nothing to draw. No pyplot state is touched, so the builders are safe in threads and servers.

Scenarios are drawn in the order given (by default, first appearance in the frame) with the
colours of :func:`scenario_colours`, so a scenario has the same colour in every figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis.kpis.defs import kpi_def
from analysis.stats.intervals import mean_ci

#: Steps always drawn in the queue figure, and steps drawn when they ever have a queue.
MAIN_STEPS = ("pick", "pack", "label")
OPTIONAL_STEPS = ("sort", "consolidate")
QUEUE_STEP_ORDER = ("pick", "sort", "consolidate", "pack", "label")

#: Cost components stacked in the cost figure (KPI column, legend label), in the order they
#: add up to ``total_cost_per_order``; a component is drawn when some scenario has it.
COST_PARTS = (
    ("labour_cost_per_order", "labour"),
    ("overtime_cost_per_order", "overtime"),
    ("fixed_cost_per_order", "rent, systems, overhead"),
    ("equipment_cost_per_order", "equipment"),
    ("packaging_cost_per_order", "packaging"),
    ("label_cost_per_order", "labels"),
    ("shipping_cost_per_order", "shipping"),
    ("special_cost_per_order", "special orders"),
    ("returns_cost_per_order", "returns"),
    ("chargeback_cost_per_order", "chargebacks"),
    ("lost_sales_cost_per_order", "lost sales (margin)"),
    ("lapse_cost_per_order", "lapsed customers (margin)"),
)
#: Muted component colours (browns and greys: never mistaken for a scenario's colour).
COST_COLOURS = (
    "#4d4d4d", "#8c510a", "#7f7f7f", "#bf812d", "#a6a6a6", "#dfc27d", "#d9d9d9", "#b8a36b",
    "#80734d", "#5e4b1e", "#c7b9a3", "#e8dcc8",
)  # fmt: skip
#: Components that are margin lost rather than money spent: drawn hatched.
LOST_MARGIN_PARTS = ("lost_sales_cost_per_order", "lapse_cost_per_order")

#: Line styles cycled by scenario, so curves that coincide stay distinguishable.
LINE_STYLES = ("-", "--", "-.", ":")

#: Overlaid ECDFs stay legible up to this many scenarios; beyond it lead times are box plots.
MAX_ECDF_SCENARIOS = 8

Colours = Mapping[str, str]


def scenario_colours(names: Sequence[str]) -> dict[str, str]:
    """A colour (hex) per scenario name: the ``tab10`` palette for up to ten scenarios, else
    ``viridis`` sampled evenly (sweeps are ordered along a parameter, so a gradient reads)."""
    from matplotlib import colormaps

    names = list(dict.fromkeys(names))
    if len(names) <= 10:
        cmap = colormaps["tab10"]
        return {n: to_hex(cmap(i)) for i, n in enumerate(names)}
    cmap = colormaps["viridis"]
    return {n: to_hex(cmap(i / (len(names) - 1) * 0.9)) for i, n in enumerate(names)}


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _order(frame: pl.DataFrame, scenarios: Sequence[str] | None) -> list[str]:
    if scenarios is not None:
        return list(scenarios)
    if frame.is_empty() or "scenario" not in frame.columns:
        return []
    return frame["scenario"].unique(maintain_order=True).to_list()


def _colours(names: Sequence[str], colours: Colours | None) -> Colours:
    return colours if colours is not None else scenario_colours(names)


def _values(frame: pl.DataFrame, scenario: str, column: str) -> np.ndarray:
    sel = frame.filter(pl.col("scenario") == scenario)[column].cast(pl.Float64)
    return sel.fill_null(float("nan")).to_numpy()


def _has_values(frame: pl.DataFrame, column: str) -> bool:
    return column in frame.columns and bool(
        frame[column].cast(pl.Float64).fill_nan(None).drop_nulls().len()
    )


def _legend(fig: Figure, names: Sequence[str], colours: Colours) -> None:
    handles = [
        Line2D([], [], color=colours[n], ls=LINE_STYLES[i % len(LINE_STYLES)], lw=2)
        for i, n in enumerate(names)
    ]
    longest = max((len(n) for n in names), default=0)
    per_row = max(1, min(len(names), 4, 100 // max(longest + 6, 1)))
    fig.legend(handles, list(names), loc="outside lower center", ncol=per_row)


# --- lead time -------------------------------------------------------------------------


def lead_time_figure(
    orders: pl.DataFrame,
    scenarios: Sequence[str] | None = None,
    colours: Colours | None = None,
) -> Figure | None:
    """Lead-time distribution (hours, placed -> delivered) per scenario, pooled over
    replications, from ``store.details("orders")``.

    Up to :data:`MAX_ECDF_SCENARIOS` scenarios: one axes with an ECDF per scenario whose
    denominator is every order of the cohort, so a curve levels off at the share delivered
    by the end of the run. More scenarios: one horizontal box plot per scenario over the
    delivered orders. ``None`` if no order was delivered.
    """
    names = _order(orders, scenarios)
    if not names or not _has_values(orders, "lead_time_h"):
        return None
    colours = _colours(names, colours)
    if len(names) > MAX_ECDF_SCENARIOS:
        return _lead_time_boxes(orders, names, colours)
    fig = _figure(8.0, 4.2)
    ax = fig.add_subplot()
    for i, name in enumerate(names):
        values = _values(orders, name, "lead_time_h")
        delivered = np.sort(values[~np.isnan(values)])
        if values.size == 0:
            continue
        share = np.arange(1, delivered.size + 1) / values.size
        label = f"{name} ({delivered.size / values.size:.0%} of {values.size:,} delivered)"
        ax.step(
            np.r_[0.0, delivered], np.r_[0.0, share], where="post", color=colours[name],
            ls=LINE_STYLES[i % len(LINE_STYLES)], label=label, lw=1.8,
        )  # fmt: skip
    ax.set_xlabel("lead time, placed to delivered (hours)")
    ax.set_ylabel("share of orders delivered within")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return fig


def _lead_time_boxes(orders: pl.DataFrame, names: list[str], colours: Colours) -> Figure:
    fig = _figure(8.0, 1.2 + 0.32 * len(names))
    ax = fig.add_subplot()
    data = []
    for name in names:
        values = _values(orders, name, "lead_time_h")
        data.append(values[~np.isnan(values)])
    style = {"patch_artist": True, "showfliers": False, "medianprops": {"color": "black"}}
    try:
        boxes = ax.boxplot(data, orientation="horizontal", **style)
    except TypeError:  # matplotlib < 3.10
        boxes = ax.boxplot(data, vert=False, **style)
    ax.set_yticks(np.arange(1, len(names) + 1), names)
    for patch, name in zip(boxes["boxes"], names, strict=True):
        patch.set_facecolor(colours[name])
        patch.set_alpha(0.8)
    ax.invert_yaxis()
    ax.set_xlabel("lead time of delivered orders, placed to delivered (hours)")
    ax.grid(axis="x", alpha=0.3)
    return fig


# --- means with confidence intervals, one panel per KPI --------------------------------


def _bar_panels(
    kpis: pl.DataFrame,
    columns: Sequence[str],
    titles: Sequence[str],
    names: list[str],
    colours: Colours,
    xlabel: str,
    percent: bool,
    full_scale: bool = False,
) -> Figure:
    """One panel per column: a horizontal bar per scenario, mean with 95 % CI error bars.
    ``percent`` draws shares as %; ``full_scale`` makes the axis reach at least 100 %."""
    ncols = min(len(columns), 4)
    nrows = math.ceil(len(columns) / ncols)
    fig = _figure(2.6 * ncols + 1.6, nrows * (0.9 + 0.3 * len(names)) + 0.5)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
    y = np.arange(len(names))
    scale = 100.0 if percent else 1.0
    for i, ax in enumerate(axes.flat):
        if i >= len(columns):
            ax.set_axis_off()
            continue
        cis = [mean_ci(_values(kpis, n, columns[i])) for n in names]
        means = np.array([c.mean for c in cis]) * scale
        errs = np.nan_to_num(np.array([c.half_width for c in cis]) * scale)
        ax.barh(
            y, np.nan_to_num(means), xerr=errs, color=[colours[n] for n in names],
            capsize=3, error_kw={"lw": 1},
        )  # fmt: skip
        ax.set_title(titles[i], fontsize="medium")
        ax.set_xlabel(xlabel)
        top = np.nanmax(np.r_[means + errs, 0.0]) if means.size else 0.0
        ax.set_xlim(0, max(100.0, top * 1.05) if full_scale else max(top * 1.1, 1e-9))
        ax.grid(axis="x", alpha=0.3)
    axes[0, 0].set_yticks(y, names)
    axes[0, 0].invert_yaxis()
    return fig


def utilisation_figure(
    kpis: pl.DataFrame,
    scenarios: Sequence[str] | None = None,
    colours: Colours | None = None,
) -> Figure | None:
    """Utilisation (% of on-duty time busy) per resource from the ``utilisation_<role>`` KPI
    columns of ``store.kpis()``: one panel per resource, a bar per scenario with its mean over
    replications and 95 % CI. Resources without a value in any run are left out; ``None``
    if none is left."""
    names = _order(kpis, scenarios)
    columns = [c for c in kpis.columns if c.startswith("utilisation_") and _has_values(kpis, c)]
    if not names or not columns:
        return None
    titles = [c.removeprefix("utilisation_").replace("_", " ") for c in columns]
    return _bar_panels(
        kpis, columns, titles, names, _colours(names, colours), "utilisation (%)", True, True
    )


def return_columns(kpis: pl.DataFrame) -> list[str]:
    """The ``return_rate_<reason>`` KPI columns that have a value in some run."""
    return [c for c in kpis.columns if c.startswith("return_rate_") and _has_values(kpis, c)]


def return_reasons_figure(
    kpis: pl.DataFrame,
    scenarios: Sequence[str] | None = None,
    colours: Colours | None = None,
) -> Figure | None:
    """Return rates by reason from the ``return_rate_<reason>`` KPI columns: one panel per
    reason, a bar per scenario (mean and 95 % CI, % of orders when the KPI is a share).
    ``None`` when the runs record no returns."""
    names = _order(kpis, scenarios)
    columns = return_columns(kpis)
    if not names or not columns:
        return None
    units = set()
    for c in columns:
        try:
            units.add(kpi_def(c).unit)
        except KeyError:
            units.add("share")  # a rate per order until the KPI is defined
    percent = units == {"share"}
    titles = [c.removeprefix("return_rate_").replace("_", " ") for c in columns]
    xlabel = "returned (% of orders)" if percent else "return rate (" + "/".join(units) + ")"
    return _bar_panels(kpis, columns, titles, names, _colours(names, colours), xlabel, percent)


def lost_sales_figure(
    kpis: pl.DataFrame,
    scenarios: Sequence[str] | None = None,
    colours: Colours | None = None,
) -> Figure | None:
    """Sales lost by cause from the ``lost_orders_<cause>`` KPI columns: one panel per cause
    that lost an order in some run, a bar per scenario (mean orders lost and 95 % CI).
    ``None`` when no run lost a sale."""
    names = _order(kpis, scenarios)
    columns = [
        c
        for c in kpis.columns
        if c.startswith("lost_orders_")
        and _has_values(kpis, c)
        and kpis[c].fill_nan(None).drop_nulls().max() > 0
    ]
    if not names or not columns:
        return None
    titles = [c.removeprefix("lost_orders_").replace("_", " ") for c in columns]
    return _bar_panels(kpis, columns, titles, names, _colours(names, colours), "orders lost", False)


# --- queues over the day ---------------------------------------------------------------


def queue_steps(queues: pl.DataFrame) -> list[str]:
    """Steps drawn in the queue figure: the main ones present, plus sorting and consolidation
    when they ever have a queue."""
    if queues.is_empty():
        return []
    present = set(queues["step"].unique().to_list())
    busy = set(queues.filter(pl.col("queue_mean").fill_nan(0.0) > 0)["step"].unique().to_list())
    return [
        s
        for s in QUEUE_STEP_ORDER
        if s in present and (s in MAIN_STEPS or (s in OPTIONAL_STEPS and s in busy))
    ]


def queue_figure(
    queues: pl.DataFrame,
    scenarios: Sequence[str] | None = None,
    colours: Colours | None = None,
    steps: Sequence[str] | None = None,
) -> Figure | None:
    """Mean queue length by hour of day, from ``store.details("queues")``: one panel per step
    (default :func:`queue_steps`), one line per scenario (mean over replications of the
    hourly mean number of attempts waiting). ``None`` without queue data."""
    names = _order(queues, scenarios)
    steps = list(steps) if steps is not None else queue_steps(queues)
    if not names or not steps:
        return None
    colours = _colours(names, colours)
    means = (
        queues.filter(pl.col("step").is_in(steps) & pl.col("scenario").is_in(names))
        .group_by("scenario", "step", "hour")
        .agg(pl.col("queue_mean").fill_nan(None).mean())
        .sort("hour")
    )
    ncols = min(len(steps), 3)
    nrows = math.ceil(len(steps) / ncols)
    fig = _figure(3.6 * ncols + 0.8, 2.9 * nrows + 0.7)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= len(steps):
            ax.set_axis_off()
            continue
        for j, name in enumerate(names):
            sel = means.filter((pl.col("scenario") == name) & (pl.col("step") == steps[i]))
            if sel.is_empty():
                continue
            hour = sel["hour"].to_numpy()
            value = sel["queue_mean"].cast(pl.Float64).fill_null(float("nan")).to_numpy()
            ax.plot(
                hour, value, color=colours[name], ls=LINE_STYLES[j % len(LINE_STYLES)], lw=1.6,
                marker=".", ms=4,
            )  # fmt: skip
        ax.set_title(steps[i], fontsize="medium")
        ax.set_xlabel("hour of day")
        ax.set_ylabel("mean attempts waiting")
        ax.set_xlim(0, 23)
        ax.set_xticks(range(0, 24, 3))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    _legend(fig, names, colours)
    return fig


# --- cost per order --------------------------------------------------------------------


def cost_figure(
    kpis: pl.DataFrame,
    scenarios: Sequence[str] | None = None,
    colours: Colours | None = None,
    currency: str = "",
) -> Figure | None:
    """Cost per shipped order broken down into its components (``COST_PARTS``: labour,
    overtime, fixed costs, equipment, packaging, labels, shipping, ... and the margin of lost
    sales and lapsed customers, hatched), stacked horizontal bars of the means over
    replications, one per scenario, with the total mean written at the end of each bar.
    A component is drawn when some scenario has a non-zero value. ``None`` without any cost
    column.

    ``colours`` is accepted for a uniform signature; the bars are coloured by component.
    ``currency`` (e.g. ``EUR``) names the axis's unit; empty, the axis names none.
    """
    del colours
    names = _order(kpis, scenarios)
    colour_of = dict(zip((c for c, _ in COST_PARTS), COST_COLOURS, strict=True))
    parts = [
        (c, label) for c, label in COST_PARTS
        if _has_values(kpis, c) and bool(kpis[c].fill_nan(0.0).abs().max())
    ]  # fmt: skip
    if not names or not parts:
        return None
    fig = _figure(8.0, 1.6 + 0.38 * len(names))
    ax = fig.add_subplot()
    y = np.arange(len(names))
    left = np.zeros(len(names))
    for column, label in parts:
        width = np.array([np.nanmean(_values(kpis, n, column)) for n in names])
        width = np.nan_to_num(width)
        hatch = "//" if column in LOST_MARGIN_PARTS else None
        ax.barh(y, width, left=left, color=colour_of[column], label=label, height=0.6,
                edgecolor="white", hatch=hatch)  # fmt: skip
        left += width
    for yi, total in zip(y, left, strict=True):
        ax.text(total, yi, f" {total:,.2f}", va="center", fontsize="small")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(0, max(left.max(initial=0.0) * 1.15, 1e-9))
    ax.set_xlabel("cost per shipped order" + (f" ({currency})" if currency else ""))
    ax.grid(axis="x", alpha=0.3)
    fig.legend(loc="outside upper center", ncol=min(len(parts), 4), frameon=False,
               fontsize="small")  # fmt: skip
    return fig

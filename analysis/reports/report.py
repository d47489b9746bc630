"""The HTML report of a stored experiment (``omsim report RUN_DIR``).

:func:`build_report` reads a run store (:class:`analysis.reports.stored.StoredExperiment`, e.g. a
``sim.experiments.store.RunStore``) and returns one
self-contained HTML page: what was compared (the scenario parameters that differ), the
headline KPIs per scenario with paired differences against the first scenario, figures
(:mod:`analysis.plots.experiment`), any results the command recorded (a sizing frontier, a sweep
table), failed replications, and how the numbers were obtained. :func:`write_report` writes
it atomically.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from analysis.kpis.defs import headline_kpis
from analysis.kpis.presentation import METHOD_KPIS
from analysis.plots import experiment as plots
from analysis.plots.picking import picking_split_figure
from analysis.reports.equal_service import equal_service_html, focus_labels
from analysis.reports.html import document, esc, figure_html, swatch
from analysis.reports.sections import (
    compared_html,
    failures_html,
    kpi_table_html,
    methods_text,
    summary_html,
)
from analysis.reports.sizing import focus_staffings, frontier_figure, sizing_html
from analysis.reports.stored import STORE_ID_COLUMNS, StoredExperiment
from analysis.reports.summary import executive_summary_html
from analysis.stats.compare import compare_table
from sim import paths
from sim.atomic import write_text_atomic

log = logging.getLogger(__name__)

#: Recorded results not shown to a client: internal timings and settings said elsewhere.
CLIENT_HIDDEN = ("replications", "wall_s", "practical")

#: Line figures (queues over the day) draw at most this many scenarios, evenly spaced.
MAX_LINE_SCENARIOS = 8

# --- experiment table -------------------------------------------------------------------


def experiment_results(
    store: StoredExperiment, scenarios: list[dict[str, str]] | None = None
) -> pl.DataFrame:
    """The store's KPI table as an experiment table: ``scenario_index`` (the store's scenario
    order, or that of ``scenarios``, a subset of ``store.scenarios()``), ``scenario``,
    ``replication`` and the KPI columns."""
    scenarios = store.scenarios() if scenarios is None else scenarios
    order = {s["key"]: i for i, s in enumerate(scenarios)}
    kpis = store.kpis([s["key"] for s in scenarios])
    index = pl.col("scenario_key").replace_strict(order, default=None, return_dtype=pl.Int64)
    return kpis.select(
        index.alias("scenario_index"),
        "scenario",
        "replication",
        pl.exclude(STORE_ID_COLUMNS),
    ).sort("scenario_index", "replication")


def report_kpis(results: pl.DataFrame, methods_differ: bool = False) -> list[str]:
    """The KPIs of the report: the headline KPIs with a value in some run (and, when the
    picking methods differ, travel per order and the pick rate)."""
    columns = [c for c in results.columns if c not in ("scenario_index", *STORE_ID_COLUMNS)]
    extra = [k for k in METHOD_KPIS if methods_differ and k in columns]
    names = [*headline_kpis(columns), *extra]
    return [k for k in names if results[k].fill_nan(None).drop_nulls().len()]


# --- figures ----------------------------------------------------------------------------


def evenly_spaced(names: Sequence[str], k: int) -> list[str]:
    """At most ``k`` of ``names``, evenly spaced and always with the first and the last."""
    names = list(names)
    if len(names) <= k:
        return names
    picks = sorted({round(i * (len(names) - 1) / (k - 1)) for i in range(k)})
    return [names[i] for i in picks]


def _sweep_figure_html(summary: dict) -> list[str]:
    """The sweep's best-option chart, rebuilt from the results ``omsim sweep`` recorded."""
    from analysis.stats.sweep import best_option_figure

    chart, best, points = summary.get("chart"), summary.get("best"), summary.get("sweep")
    if not (chart and best and points):
        return []
    x, option = chart["x"], chart["option"]
    fig = best_option_figure(
        pl.DataFrame(points).with_columns(pl.col(x).cast(pl.Float64)),
        pl.DataFrame(best),
        x,
        option,
        chart["objective"],
        chart["unit"],
        chart["higher_is_better"],
    )
    caption = (
        f"Sweep: mean {chart['objective']} against {x}, one line per {option} with its 95% "
        f"confidence band; the strip names the best {option} at each {x} (hatched where it is "
        "not significantly better than the runner-up, paired t-test on common random numbers)."
    )
    return [figure_html(fig, caption, f"best {option} by {x}")]


def _tornado_figure_html(summary: dict) -> list[str]:
    """The tornado chart of a recorded sensitivity experiment ([] when there is none)."""
    from analysis.stats.sensitivity import tornado_figure

    rows, meta = summary.get("tornado"), summary.get("tornado_kpi") or {}
    if not rows or "kpi" not in meta:
        return []
    fig = tornado_figure(rows, meta["kpi"], meta.get("unit", ""))
    caption = (
        f"Sensitivity of {meta['kpi']}: each parameter at its low (blue) and high (red) value, "
        "the others at the base; bars are the change from the base (mean paired difference "
        "over replications on common random numbers) with 95% intervals, the largest swing "
        "on top; the numbers are the parameter values."
    )
    return [figure_html(fig, caption, f"tornado chart of {meta['kpi']}")]


def _figures_html(
    results: pl.DataFrame,
    orders: pl.DataFrame,
    queues: pl.DataFrame,
    names: list[str],
    *,
    picking: bool = False,
) -> list[str]:
    """The report's figures; ``picking``: add the picking time split (picking methods
    differ)."""
    colours = plots.scenario_colours(names)
    out: list[str] = []
    n = len(names)
    fig = plots.lead_time_figure(orders, names, colours)
    if fig is not None:
        if n > plots.MAX_ECDF_SCENARIOS:
            caption = (
                "Lead time (placed to delivered, hours) of the delivered orders of every "
                "scenario, pooled over replications: box from the 25th to the 75th "
                "percentile, line at the median, whiskers to 1.5 IQR (outliers not drawn)."
            )
        else:
            caption = (
                "Lead time (placed to delivered, hours): share of the orders placed after "
                "the warm-up delivered within x hours, pooled over replications. A curve "
                "levels off below 100% when orders were still undelivered at the end of the run."
            )
        out.append(figure_html(fig, caption, "lead-time distribution per scenario"))
    fig = plots.utilisation_figure(results, names, colours)
    if fig is not None:
        caption = (
            "Utilisation (busy time / on-duty time, %) per resource after the warm-up: mean "
            "over replications with 95% confidence interval. Resources a scenario lacks are "
            "left out."
        )
        out.append(figure_html(fig, caption, "utilisation per resource and scenario"))
    shown = evenly_spaced(names, MAX_LINE_SCENARIOS)
    fig = plots.queue_figure(queues, shown, colours)
    if fig is not None:
        caption = (
            "Queue length over the day: mean number of attempts waiting to start each step, "
            "by hour of day, from the end of the warm-up to the end of arrivals, averaged "
            "over days and replications."
        )
        if len(shown) < n:
            caption += (
                f" {len(shown)} of the {n} scenarios are drawn, evenly spaced in the "
                "experiment's order."
            )
        out.append(figure_html(fig, caption, "queue length by hour of day per step"))
    fig = plots.cost_figure(results, names)
    if fig is not None:
        caption = (
            "Cost per shipped order (currency units) by component: wages of every role, "
            "overtime, rent/systems/overhead, the picking method's equipment, packaging, "
            "labels, shipping, special orders, returns and chargebacks, and (hatched) the "
            "margin of lost sales and lapsed customers; means over replications; the number "
            "is the total."
        )
        out.append(figure_html(fig, caption, "cost per order by component and scenario"))
    fig = picking_split_figure(results, names) if picking else None
    if fig is not None:
        caption = (
            "Why a picking method wins: picking labour per order line by part (travel, "
            "set-up, search and pick, sort, consolidation) and an order's waiting per line "
            "(for a wave; for a picker or a batch to fill, nights included), means over "
            "replications; the labels give orders per tour and cart fill."
        )
        out.append(figure_html(fig, caption, "picking time per line by part and scenario"))
    fig = plots.lost_sales_figure(results, names, colours)
    if fig is not None:
        caption = (
            "Sales lost before fulfilment, by cause (orders placed after the warm-up): an item "
            "shown out of stock, oversold, payment declined, rejected at fraud review, or missed "
            "when re-keying; mean over replications with 95% confidence interval."
        )
        out.append(figure_html(fig, caption, "lost sales by cause and scenario"))
    fig = plots.return_reasons_figure(results, names, colours)
    if fig is not None:
        caption = "Return rate by reason: mean over replications with 95% confidence interval."
        out.append(figure_html(fig, caption, "return rates by reason and scenario"))
    return out


# --- the report -------------------------------------------------------------------------


def _common_replications(results: pl.DataFrame, n_scenarios: int) -> pl.DataFrame:
    """Rows of the replications every scenario finished (paired comparisons need them)."""
    complete = (
        results.group_by("replication").len().filter(pl.col("len") == n_scenarios)["replication"]
    )
    return results.filter(pl.col("replication").is_in(complete.implode()))


def build_report(store: StoredExperiment) -> str:
    """The report of a stored experiment as one self-contained HTML document (inline CSS,
    figures as base64 PNG data URIs; no external URLs, scripts or fonts)."""
    m = store.manifest
    kind = str(m.get("kind", "experiment"))
    scenarios = store.scenarios()
    n_stored = len(scenarios)
    focus_note = ""
    if kind == "size":  # compare the recommended staffing with the other efficient ones
        focus = focus_staffings(m.get("summary") or {})
        chosen = [s for label in focus for s in scenarios if s["name"] == label]
        if chosen:
            focus_note = (
                f"Of the {len(scenarios)} staffings simulated, the KPIs and figures show the "
                "recommended one (first) and the other staffings that meet every SLA on the "
                "efficient frontier."
            )
            scenarios = chosen
    if kind == "compare" and (labels := focus_labels(m.get("summary") or {})):
        chosen = [s for label in labels for s in scenarios if s["name"] == label]
        if chosen:  # every staffing the sizing tried is stored: show each scenario's answer
            focus_note = (
                f"Of the {len(scenarios)} staffings simulated, the KPIs and figures show each "
                "scenario's cheapest staffing meeting the SLAs."
            )
            scenarios = chosen
    names = [s["name"] for s in scenarios]
    dicts = [store.scenario_dict(s["key"]) for s in scenarios]
    results = experiment_results(store, scenarios)
    keys = [s["key"] for s in scenarios]
    orders, queues = store.details("orders", keys), store.details("queues", keys)
    body: list[str] = []
    if len(names) == 1:
        what = names[0]
    else:
        what = " vs ".join(names) if len(names) <= 3 else f"{len(names)} scenarios"
    title = f"omsim {kind}: {what}"
    body.append(f"<h1>{esc(title)}</h1>")
    failures = list(m.get("failures") or [])
    used = _common_replications(results, len(names)) if names else results
    methods_differ = len({(d.get("picking") or {}).get("method") for d in dicts}) > 1
    kpis = report_kpis(used, methods_differ) if not used.is_empty() else []
    recorded = m.get("summary") or {}
    practical = recorded.get("practical") or None
    compared = compare_table(used, kpis, practical=practical) if kpis else None
    body.append(
        executive_summary_html(
            kind, recorded, compared, used, m.get("settings") or {}, len(failures)
        )
    )
    if kind == "size" and len(names) == 1:
        differ = (
            f"<p>Of the {n_stored} staffings simulated, only the recommended one ({esc(names[0])}) "
            "meets every SLA on the efficient frontier; the staff sizing section lists them "
            "all.</p>"
        )
    else:
        differ = compared_html(names, dicts)
    body.append("<h2>Parameters that differ</h2>" + differ)
    colours = plots.scenario_colours(names)
    counts = results.group_by("scenario_index").len()
    count = dict(zip(counts["scenario_index"].to_list(), counts["len"].to_list(), strict=True))
    items = "".join(
        f"<li>{swatch(colours[n])}<strong>{i + 1}. {esc(n)}</strong>"
        f"{' — ' + esc(d.get('description')) if d.get('description') else ''} "
        f'<span class="note">({count.get(i, 0)} runs stored)</span></li>'
        for i, (n, d) in enumerate(zip(names, dicts, strict=True))
    )
    body.append(f"<h2>Scenarios</h2><ul>{items}</ul>")
    if focus_note:
        body.append(f'<p class="note">{esc(focus_note)}</p>')
    if failures:
        body.append(f'<p class="worse">{len(failures)} replication(s) failed: see below.</p>')
    body.append("<h2>KPIs</h2>")
    if compared is None:
        body.append("<p>No replication finished for every scenario: no KPIs to report.</p>")
    else:
        if used.height < results.height:
            body.append(
                '<p class="note">Only the replications every scenario finished are used '
                f"({used['replication'].n_unique()} replications).</p>"
            )
        body.append(kpi_table_html(compared))
    reps = used["replication"].unique().to_list()
    keep = pl.col("replication").is_in(reps)
    figures = _sweep_figure_html(m.get("summary") or {})
    figures += _tornado_figure_html(m.get("summary") or {})
    figures += _figures_html(
        used, orders.filter(keep), queues.filter(keep), names, picking=methods_differ
    )
    body.append("<h2>Figures</h2>" + ("".join(figures) or "<p>No run data to draw.</p>"))
    if figures and not plots.return_columns(used):
        body.append(
            "<p>The scenarios record no returns, so there is no figure of return reasons.</p>"
        )
    warehouse = warehouse_html(store.root)
    if warehouse:
        body.append("<h2>The warehouse</h2>" + warehouse)
    summary = {k: v for k, v in recorded.items() if k not in CLIENT_HIDDEN}
    if kind == "size" and "frontier" in summary:
        body.append("<h2>Staff sizing</h2>" + sizing_html(summary))
        fig = frontier_figure(summary["frontier"])
        if fig is not None:
            caption = (
                "Cost/SLA frontier: every simulated staffing's one-sided 95% bound on each SLA "
                "against its weekly wage bill; the recommended staffing is starred (staffings "
                "costing more than 1.6 times it are off the chart)."
            )
            body.append(figure_html(fig, caption, "cost/SLA frontier"))
        summary = {
            k: v for k, v in summary.items() if k not in ("frontier", "answer", "horizon_warning")
        }
    if "equal_service" in summary:
        record = summary.pop("equal_service")
        body.append("<h2>Equal-service comparison</h2>" + equal_service_html(record))
    if summary:
        body.append(f"<h2>Results recorded by {esc(kind)}</h2>" + summary_html(summary))
    if failures:
        body.append("<h2>Failed replications</h2>" + failures_html(failures))
    methods = methods_text(m, names, dicts, reps)
    body.append(f'<h2>Methods</h2><p id="methods">{esc(methods)}</p>')
    body.append(f'<p class="meta">{esc(provenance(m))}</p>')
    log.debug("report of %s: %d scenarios, %d figures", store.root, len(names), len(figures))
    return document(title, "\n".join(body))


def provenance(manifest: dict) -> str:
    """When the experiment was made and the report written, and the command with its files
    by name only (no server paths)."""
    text = (
        f"{manifest.get('kind', 'experiment')} experiment created "
        f"{manifest.get('created', '?')}, status {manifest.get('status', '?')}; report "
        f"written {time.strftime('%Y-%m-%d %H:%M:%S %z')}."
    )
    command = manifest.get("command")
    if command:
        words = [Path(w).name if "/" in str(w) or "\\" in str(w) else str(w) for w in command]
        text += " Command: " + " ".join(words)
    return text


def warehouse_html(root: Path) -> str:
    """The warehouse pictures ``omsim report`` drew into ``<root>/warehouse/`` (layout heat
    map, staff timeline, waves), embedded with their captions; "" when there are none."""
    folder = Path(root) / "warehouse"
    try:
        captions = json.loads(paths.read_text(folder / "captions.json", paths.MAX_JSON_BYTES))
    except (OSError, ValueError):
        return ""
    if not isinstance(captions, dict):  # damaged: drawn again unless --no-warehouse
        return ""
    out = []
    for name, caption in captions.items():
        try:
            picture = paths.read_bytes(folder / str(name), paths.MAX_JSON_BYTES)
            data = base64.b64encode(picture).decode("ascii")
        except (OSError, paths.PathError):
            continue
        out.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{esc(name)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>"
        )
    return "".join(out)


def write_report(store: StoredExperiment, path: str | Path) -> Path:
    """Write :func:`build_report` to ``path`` (through a temporary file renamed into place)
    and return the path."""
    return write_text_atomic(Path(path), build_report(store))

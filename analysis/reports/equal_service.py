"""The equal-service part of a report: what ``omsim compare --equal-service`` recorded in the
manifest's ``summary.equal_service``: per scenario its cheapest staffing meeting the SLAs
(``methods``: ``scenario``, ``feasible``, ``staffing``, ``stored_as``, ``headcount``,
``heads``, ``paid_hours_per_week``, ``paid_hours_per_week_total``, ``weekly_cost``,
``proven_optimal``) and the paired comparison at those staffings (``comparison``: rows of
:func:`analysis.stats.compare.compare_table`)."""

from __future__ import annotations

from typing import Any

from analysis.kpis.defs import kpi_def
from analysis.reports.html import esc, fmt_value


def _cell(rows: list[dict[str, Any]], kpi: str, index: int) -> str:
    row = next((r for r in rows if r["kpi"] == kpi and r["scenario_index"] == index), None)
    if row is None:
        return "-"
    unit = kpi_def(kpi).unit
    text = f"{fmt_value(row['mean'], unit)} ± {fmt_value(row['half_width'], unit)}"
    if index > 0:
        text += (
            f"; vs 1: {fmt_value(row['diff_mean'], unit)} "
            f"[{fmt_value(row['diff_low'], unit)}, {fmt_value(row['diff_high'], unit)}]"
        )
    return text


def focus_labels(summary: dict[str, Any]) -> list[str]:
    """The stored names of the scenarios' answers (the runs the report's KPIs should show)."""
    methods = (summary.get("equal_service") or {}).get("methods") or []
    return [m["stored_as"] for m in methods if m.get("stored_as")]


def equal_service_html(record: dict[str, Any]) -> str:
    """One row per scenario: staff per shift, heads, paid hours per week, weekly wage bill,
    cost and labour cost per order (mean ± 95% CI half-width; paired difference against the
    first scenario with its CI), SLA KPIs likewise (HTML, escaped)."""
    rows = record.get("comparison") or []
    kpis = list(dict.fromkeys(r["kpi"] for r in rows))
    head = ["scenario", "staff per shift", "heads", "paid hours per week", "weekly wage bill",
            *kpis]  # fmt: skip
    body = []
    index = 0
    for i, m in enumerate(record.get("methods") or []):
        name = f"{i + 1}. {m.get('scenario')}"
        if not m.get("feasible"):
            body.append(
                f"<tr class='worse'><td>{esc(name)}</td><td colspan='{len(head) - 1}'>no "
                "staffing within the search limits meets every SLA</td></tr>"
            )
            continue
        staff = "<br>".join(f"{esc(k)}: {esc(v)}" for k, v in (m.get("headcount") or {}).items())
        hours = ", ".join(f"{r} {h:,.0f}" for r, h in (m.get("paid_hours_per_week") or {}).items())
        cells = [esc(name), staff, esc(m.get("heads")),
                 esc(f"{m.get('paid_hours_per_week_total', 0):,.0f} ({hours})"),
                 esc(f"{m.get('weekly_cost', 0):,.2f}"),
                 *(esc(_cell(rows, k, index)) for k in kpis)]  # fmt: skip
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        index += 1
    slas = "; ".join(record.get("slas") or [])
    note = (
        f"Each scenario sized to the same SLAs ({slas}), each met with one-sided 95% "
        "confidence, on common random numbers; the KPIs are at each scenario's cheapest "
        "staffing, with paired 95% confidence intervals of the difference against the first."
    )
    header = "".join(f"<th>{esc(h)}</th>" for h in head)
    return f"<p class='note'>{esc(note)}</p><table><tr>{header}</tr>{''.join(body)}</table>"

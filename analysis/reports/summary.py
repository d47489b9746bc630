"""The executive summary that opens a report: the decision, its size with a confidence
interval, the main reason and the caveats, in words a manager reads in a minute.

Built from the report's comparison table (:func:`analysis.stats.compare.compare_table`, whose
``verdict`` is significant and larger than the KPI's practical threshold), the experiment
table and, for a sizing, the recorded answer. Plain HTML (escaped); no paths, no timings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from analysis.kpis.formatting import format_diff, kpi_info, kpi_label
from analysis.reports.html import esc, fmt_plain
from analysis.stats.verdicts import main_driver, scenario_sentences


def _diff_with_ci(row: Mapping[str, Any]) -> str:
    """``-3.2 hours (95% CI -4.1 to -2.3)``; shares in percentage points."""
    kpi = row["kpi"]
    unit = "pp" if kpi_info(kpi).format == "percent" else kpi_info(kpi).human_unit
    unit = f" {unit}" if unit else ""
    low, high = (format_diff(kpi, row[k], False) for k in ("diff_low", "diff_high"))
    return f"{format_diff(kpi, row['diff_mean'], False)}{unit} (95% CI {low} to {high})"


def _score(rows: list[dict[str, Any]]) -> tuple[int, int]:
    wins = sum(1 for r in rows if r["verdict"] == "better")
    losses = sum(1 for r in rows if r["verdict"] == "worse")
    return wins, losses


def _largest(rows: list[dict[str, Any]], verdict: str) -> dict[str, Any] | None:
    """The row with that verdict whose difference is the most thresholds large."""
    chosen = [r for r in rows if r["verdict"] == verdict]
    if not chosen:
        return None
    return max(chosen, key=lambda r: abs(r["diff_mean"]) / max(r["threshold"] or 0, 1e-12))


def comparison_decision(table: pl.DataFrame, results: pl.DataFrame) -> list[str]:
    """Decision, size and reason of a comparison (plain sentences)."""
    names = (
        table.select("scenario_index", "scenario")
        .unique(maintain_order=True)
        .sort("scenario_index")
    )
    ref = names["scenario"][0]
    by_index = {
        i: table.filter(pl.col("scenario_index") == i).rows(named=True)
        for i in names["scenario_index"].to_list()[1:]
    }
    scored = {i: _score(rows) for i, rows in by_index.items()}
    clean = [i for i, (w, lo) in scored.items() if w and not lo]
    mixed = [i for i, (w, lo) in scored.items() if w and lo]
    if clean:
        best = max(clean, key=lambda i: (scored[i][0], -i))
        trade = False
    elif mixed:
        best = max(mixed, key=lambda i: (scored[i][0] - scored[i][1], -i))
        trade = True
    else:
        n = table["kpi"].n_unique()
        return [
            f"Decision: no scenario does practically better than 1. {ref} on the {n} KPIs "
            "compared (every difference is either not significant or smaller than the KPI's "
            f"practical threshold); keep {ref} unless the change is cheaper or simpler."
        ]
    rows = by_index[best]
    name = rows[0]["scenario"]
    win = _largest(rows, "better")
    assert win is not None
    out = [
        f"Decision: {best + 1}. {name} {'trades off against' if trade else 'beats'} 1. {ref}. "
        f"Largest gain: {kpi_label(win['kpi'])} {_diff_with_ci(win)}."
    ]
    loss = _largest(rows, "worse")
    if loss is not None:
        out.append(f"It costs: {kpi_label(loss['kpi'])} {_diff_with_ci(loss)}.")
    driver = main_driver(results, best)
    if driver is not None:
        out.append(f"Main reason (time breakdown): {driver.text()}.")
    return out


def sizing_decision(summary: Mapping[str, Any]) -> list[str]:
    """Decision of a staff sizing: the recommended staffing, its wage bill, its SLAs."""
    answer = summary.get("answer")
    if not answer:
        return ["Decision: no staffing within the search limits met every SLA; widen the "
                "search or relax the SLAs."]  # fmt: skip
    heads = ", ".join(f"{n} {shift}" for shift, n in (answer.get("headcount") or {}).items())
    out = [
        f"Decision: staff {answer.get('staffing', '')} ({heads}), a weekly wage bill of "
        f"{fmt_plain(answer.get('weekly_cost'))}."
    ]
    row = next((r for r in summary.get("frontier") or [] if r.get("answer")), None)
    if row:
        slas = "; ".join(
            f"{s['sla']}: mean {fmt_plain(s.get('mean'))}, one-sided 95% bound "
            f"{fmt_plain(s.get('bound'))}"
            for s in row.get("slas") or []
        )
        out.append(f"It meets every SLA: {slas}.")
    out.append(
        "Main reason: it is the cheapest staffing found that meets every SLA"
        + (" (proven cheapest on the searched grid)." if answer.get("proven_optimal") else ".")
    )
    return out


def caveats(
    replications: Sequence[int], failures: int, settings: Mapping[str, Any], single: bool
) -> list[str]:
    """What the reader should keep in mind."""
    n = len(set(replications))
    out = [
        f"{n} replication{'s' * (n != 1)} per scenario on common random numbers; differences "
        "count only when significant (paired t-test, p < 0.05) and larger than the KPI's "
        "practical threshold."
    ]
    if n < 5:
        out.append("Few replications: confidence intervals are wide; add replications "
                   "(-r or --precision) before a costly decision.")  # fmt: skip
    if failures:
        out.append(f"{failures} replication(s) failed and are left out of every scenario.")
    if settings.get("measurement") != "steady" and not settings.get("warmup_days"):
        out.append("No warm-up: the first days start from an empty warehouse.")
    if single:
        out.append("Only one scenario is shown: there is no reference to compare with.")
    out.append("The numbers are as good as the scenario's inputs (see Methods).")
    return out


def executive_summary_html(
    kind: str,
    summary: Mapping[str, Any],
    table: pl.DataFrame | None,
    results: pl.DataFrame,
    settings: Mapping[str, Any],
    failures: int,
) -> str:
    """The report's opening section: decision, size with CI, main reason, caveats, and one
    sentence per scenario."""
    single = table is None or table["scenario_index"].n_unique() < 2
    if kind == "size" and ("answer" in summary or "frontier" in summary):
        decision = sizing_decision(summary)
    elif table is None or table.is_empty():
        decision = ["Decision: none possible; no replication finished for every scenario."]
    elif single:
        decision = ["One scenario was run: the KPIs below describe it; there is no decision "
                    "between alternatives."]  # fmt: skip
    else:
        decision = comparison_decision(table, results)
    parts = ["<h2>Executive summary</h2>", '<div class="summary">']
    parts += [f"<p><strong>{esc(decision[0])}</strong></p>"]
    parts += [f"<p>{esc(s)}</p>" for s in decision[1:]]
    if table is not None and not single:
        items = "".join(f"<li>{esc(s)}</li>" for s in scenario_sentences(table, results))
        parts.append(f"<p>Scenario by scenario, against the first:</p><ul>{items}</ul>")
    reps = results["replication"].to_list() if "replication" in results.columns else []
    notes = "".join(f"<li>{esc(c)}</li>" for c in caveats(reps, failures, settings, single))
    parts.append(f"<p>Caveats:</p><ul>{notes}</ul></div>")
    return "".join(parts)

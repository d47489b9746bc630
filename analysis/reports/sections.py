"""Sections of the experiment report (:mod:`analysis.reports.report`) that do not draw: what
differs between the scenarios, the KPI table, the methods paragraph, failed replications and
the results a command recorded in the manifest. Each returns escaped HTML (or plain text).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from analysis.kpis.defs import kpi_def
from analysis.reports.html import (
    Cell,
    esc,
    fmt_plain,
    mapping_table,
    summary_value_html,
    table,
)

#: Scenario keys left out of the parameter comparison (a label, not a parameter).
IGNORED_KEYS = ("name",)

#: Parameter tables list parameters as rows up to this many scenarios, else scenarios as rows.
MAX_SCENARIO_COLUMNS = 6

#: The value of a key a scenario does not have (a list item the others have, say).
ABSENT = object()

# --- what was compared ------------------------------------------------------------------


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """A scenario (plain JSON data) as ``dotted.key -> value``: tables are followed by key,
    lists of tables by index (``staffing.shifts.3.headcount``); other lists are values."""
    out: dict[str, Any] = {}
    if isinstance(data, Mapping) and data:
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}{key}."))
    elif isinstance(data, list) and data and all(isinstance(v, Mapping) for v in data):
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}{i}."))
    else:
        out[prefix.removesuffix(".")] = data
    return out


def parameter_diff(
    scenarios: Sequence[Mapping[str, Any]], ignore: Sequence[str] = IGNORED_KEYS
) -> list[tuple[str, list[Any]]]:
    """The dotted keys whose values are not the same in every scenario, with each scenario's
    value (:data:`ABSENT` where a scenario lacks the key), in the order the keys first appear.
    Top-level keys in ``ignore`` are skipped."""
    flat = [flatten({k: v for k, v in s.items() if k not in ignore}) for s in scenarios]
    keys: list[str] = []
    seen: set[str] = set()
    for f in flat:
        for k in f:
            if k not in seen:
                seen.add(k)
                keys.append(k)
    out = []
    for key in keys:
        values = [f.get(key, ABSENT) for f in flat]
        if any(v is ABSENT or v != values[0] for v in values[1:]) or values[0] is ABSENT:
            out.append((key, values))
    return out


def _param_cell(value: Any) -> Cell:
    return ("absent", "absent") if value is ABSENT else fmt_plain(value)


def compared_html(names: list[str], dicts: list[dict[str, Any]]) -> str:
    """What was compared: a table of the parameters that differ, each scenario's value."""
    if not names:
        return "<p>No scenario is stored in this experiment yet.</p>"
    if len(names) == 1:
        return f"<p>Only one scenario was run ({esc(names[0])}): there is nothing to compare.</p>"
    diff = parameter_diff(dicts)
    if not diff:
        return "<p>The scenarios have identical parameters (they differ only in name).</p>"
    intro = (
        f"<p>{len(diff)} scenario parameter{'s differ' if len(diff) > 1 else ' differs'} "
        "between the scenarios (dotted keys of the resolved scenarios; list items by "
        "index; names left out):</p>"
    )
    labels = [f"{i + 1}. {n}" for i, n in enumerate(names)]
    if len(names) > MAX_SCENARIO_COLUMNS and len(diff) <= 12:
        rows = [[lab, *(_param_cell(v[i]) for _, v in diff)] for i, lab in enumerate(labels)]
        return intro + table(["scenario", *(k for k, _ in diff)], rows)
    rows = [[key, *(_param_cell(v) for v in values)] for key, values in diff]
    return intro + table(["parameter", *labels], rows)


# --- KPI table --------------------------------------------------------------------------


def kpi_table_html(compared: pl.DataFrame) -> str:
    """The KPI table from :func:`analysis.stats.compare.compare_table`: per KPI (its label and unit)
    a row per scenario with mean ± CI half-width and, after the first, the paired difference
    with its CI, p-value and verdict, as the command line does: ``▲ better`` (class
    ``better``) or ``▼ worse`` (class ``worse``) when significant and larger than the KPI's
    practical threshold. Then a glossary."""
    from analysis.kpis.formatting import format_diff, format_value, kpi_label, kpi_unit
    from analysis.stats.verdicts import MARK

    rows: list[list[Cell]] = []
    classes: list[str] = []
    for kpi in compared["kpi"].unique(maintain_order=True).to_list():
        group = compared.filter(pl.col("kpi") == kpi).rows(named=True)
        for i, row in enumerate(group):
            hw = row["half_width"]
            half = "" if hw is None or math.isnan(hw) else f" ± {format_value(kpi, hw)}"
            cells: list[Cell] = [
                kpi_label(kpi) if i == 0 else "",
                kpi_unit(kpi) if i == 0 else "",
                f"{row['scenario_index'] + 1}. {row['scenario']}",
                (format_value(kpi, row["mean"]) + half, "num"),
            ]
            if row["scenario_index"] == 0 or row["diff_mean"] is None:
                cells += ["", "", ""]
            else:
                diff = (
                    f"{format_diff(kpi, row['diff_mean'])} "
                    f"[{format_diff(kpi, row['diff_low'])}, {format_diff(kpi, row['diff_high'])}]"
                )
                p = row["p_value"]
                p_text = "-" if p is None or math.isnan(p) else f"{p:.3g}"
                verdict = row.get("verdict") or ""
                cls = f"num {verdict}".strip()
                cells += [(diff, cls), (p_text, cls), (MARK.get(verdict, ""), verdict)]
            rows.append(cells)
            classes.append("first-of-group" if i == 0 else "")
    headers = ["KPI", "unit", "scenario", "mean ± 95% CI", "difference vs 1 [95% CI]", "p",
               "verdict"]  # fmt: skip
    notes = (
        '<p class="note"><span class="better">▲ better</span> / <span class="worse">▼ '
        "worse</span> than scenario 1: significant (paired t-test on common random numbers, "
        "p &lt; 0.05) and larger than the KPI's practical threshold. Shares are in %, their "
        "differences in percentage points (pp); differences are scenario − scenario 1.</p>"
    )
    glossary = "".join(
        f"<dt>{esc(kpi_label(k))} <code>{esc(k)}</code></dt><dd>{esc(kpi_def(k).description)} "
        f"Practical threshold: {esc(format_diff(k, kpi_def(k).practical)[1:] or '0')}.</dd>"
        for k in compared["kpi"].unique(maintain_order=True).to_list()
    )
    return table(headers, rows, classes) + notes + f"<details><summary>What the KPIs are" \
        f"</summary><dl>{glossary}</dl></details>"  # fmt: skip


# --- methods, failures, recorded results ------------------------------------------------


def _days(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _horizon_text(names: list[str], dicts: list[dict[str, Any]]) -> str:
    pairs = [
        (d.get("simulation", {}).get("horizon_days"), d.get("simulation", {}).get("drain_days"))
        for d in dicts
    ]
    if not pairs:
        return ""
    if len(set(pairs)) == 1:
        h, dr = pairs[0]
        return (
            f"Each scenario simulates {_days(h)} days of arrivals followed by {_days(dr)} "
            "drain days without new orders, so open orders can finish."
        )
    parts = [f"{n}: {_days(h)} + {_days(dr)} days" for n, (h, dr) in zip(names, pairs, strict=True)]
    return (
        "Days of arrivals + drain days without new orders differ by scenario ("
        + "; ".join(parts)
        + ")."
    )


def methods_text(
    manifest: Mapping[str, Any],
    names: list[str],
    dicts: list[dict[str, Any]],
    replications: Sequence[int],
) -> str:
    """The methods paragraph (plain text): replications, common random numbers, paired
    t-tests, warm-up, seed, horizon and drain days, versions."""
    settings = manifest.get("settings", {})
    seed = settings.get("seed", "not recorded")
    warmup = settings.get("warmup_days", 0.0) or 0.0
    reps = sorted(set(replications))
    if reps:
        span = f"replications {reps[0]}–{reps[-1]}" if len(reps) > 1 else f"replication {reps[0]}"
        n_text = f"{len(reps)} replication{'s' if len(reps) != 1 else ''} ({span})"
    else:
        n_text = "no replication"
    text = [f"Random numbers come from seed {seed}; the report uses {n_text} of every scenario."]
    if manifest.get("failures"):
        text.append(
            "Replications that failed in some scenario are left out of every scenario, so "
            "that all comparisons stay paired."
        )
    crn = (
        "Common random numbers: replication k of every scenario uses the same seed and "
        "random-number streams, so it sees the same orders"
    )
    if len(names) > 1:
        crn += (
            "; scenarios are therefore compared with scenario 1 replication by replication, "
            "by paired t-tests (mean difference with its 95% confidence interval and "
            "two-sided p-value)"
        )
    text += [
        crn + ".",
        "Means are given with the half-width of the 95% Student-t confidence interval over "
        "replications.",
    ]
    if warmup:
        text.append(
            f"Warm-up: {_days(warmup)} days; the KPIs exclude orders placed in the warm-up "
            "(and time-based KPIs such as utilisation and queue lengths exclude its time)."
        )
    else:
        text.append("Warm-up: 0 days; the KPIs include every order from the start of the run.")
    if dicts:
        text.append(_horizon_text(names, dicts))
    if settings.get("measurement") == "steady":
        text.append(
            f"Steady state: {settings.get('warmup_weeks')} warm-up week(s), "
            f"{settings.get('weeks')} measured week(s) and a {settings.get('tail_days', 0):g}-day "
            "tail, orders arriving throughout; the KPIs follow the orders placed in the "
            "measured weeks to the end of the run, and an order unfinished then misses its "
            "targets."
        )
    else:
        text.append(
            "KPIs follow the orders placed after the warm-up and before the end of arrivals "
            "until the end of the run."
        )
    versions = manifest.get("versions") or {}
    if versions:
        text.append("Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".")
    return " ".join(text)


def failures_html(failures: list[Mapping[str, Any]]) -> str:
    """The failed replications recorded in the manifest, as a table."""
    rows = [
        [str(f.get("scenario", "?")), (str(f.get("replication", "?")), "num"),
         (str(f.get("seed", "?")), "num"), str(f.get("error", ""))]
        for f in failures
    ]  # fmt: skip
    return (
        f"<p>{len(failures)} replication{'s' if len(failures) != 1 else ''} failed; the report "
        "uses the runs that finished.</p>"
        + table(["scenario", "replication", "seed", "error"], rows)
    )


def summary_html(summary: Mapping[str, Any]) -> str:
    """The results a command recorded in the manifest ``summary``: a table per list of
    records or mapping (a sizing frontier, a sweep table), the scalars in one table."""
    scalars = {k: v for k, v in summary.items() if not isinstance(v, (list, dict))}
    parts = []
    for key, value in summary.items():
        if key in scalars:
            continue
        parts.append(f"<h3>{esc(key.replace('_', ' '))}</h3>" + summary_value_html(value))
    if scalars:
        parts.append(mapping_table(scalars))
    return "".join(parts)

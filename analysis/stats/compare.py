"""Comparing scenarios from an experiment table (see
:func:`sim.experiments.experiment.run_experiment`).

Replication ``k`` of every scenario sees the same orders (common random numbers), so each
scenario after the first is compared with the first by a paired t-test over replications.
"""

from __future__ import annotations

import polars as pl

from analysis.kpis.defs import kpi_def
from analysis.stats.intervals import mean_ci, paired_difference

#: Significance level of the ``better`` flag.
ALPHA = 0.05

COMPARE_SCHEMA: dict[str, pl.DataType] = {
    "kpi": pl.String(),
    "scenario_index": pl.Int64(),
    "scenario": pl.String(),
    "n": pl.Int64(),
    "mean": pl.Float64(),
    "half_width": pl.Float64(),
    "ci_low": pl.Float64(),
    "ci_high": pl.Float64(),
    "diff_mean": pl.Float64(),
    "diff_low": pl.Float64(),
    "diff_high": pl.Float64(),
    "p_value": pl.Float64(),
    "significant": pl.Boolean(),
    "better": pl.Boolean(),
}


def _direction(kpi: str) -> bool | None:
    try:
        return kpi_def(kpi).higher_is_better
    except KeyError:
        return None


def _is_better(diff: float, p_value: float, higher_is_better: bool | None) -> bool:
    """A significant difference in the KPI's good direction (no direction: never better)."""
    if higher_is_better is None or not p_value < ALPHA:
        return False
    return diff > 0 if higher_is_better else diff < 0


def compare_table(results: pl.DataFrame, kpis: list[str], confidence: float = 0.95) -> pl.DataFrame:
    """Per KPI and scenario: mean and t confidence interval over replications, and for every
    scenario but the first the paired difference (scenario - first) by replication.

    ``results`` has the columns ``scenario_index``, ``scenario``, ``replication`` and one
    column per KPI. The difference columns (``diff_mean``, ``diff_low``, ``diff_high``,
    ``p_value``) and the flags are null for the first scenario. ``significant`` is
    ``p_value < 0.05``; ``better`` is a significant difference in the KPI's good direction
    (``kpi_def(kpi).higher_is_better``; KPIs without a direction never have a winner).
    Rows come KPI by KPI in the given order, scenarios by index. Raises ``ValueError`` for a
    KPI that is not a column of ``results``.
    """
    missing = [k for k in kpis if k not in results.columns]
    if missing:
        raise ValueError(f"unknown KPI(s): {', '.join(missing)}")
    ordered = results.sort("scenario_index", "replication")
    groups = ordered.partition_by("scenario_index", maintain_order=True, as_dict=False)
    if not groups:
        return pl.DataFrame(schema=COMPARE_SCHEMA)
    first = groups[0]
    rows: list[dict[str, object]] = []
    for kpi in kpis:
        direction = _direction(kpi)
        for group in groups:
            index = int(group["scenario_index"][0])
            values = group[kpi].to_numpy()
            ci = mean_ci(values, confidence)
            row: dict[str, object] = {
                "kpi": kpi,
                "scenario_index": index,
                "scenario": group["scenario"][0],
                "n": ci.n,
                "mean": ci.mean,
                "half_width": ci.half_width,
                "ci_low": ci.low,
                "ci_high": ci.high,
                "diff_mean": None,
                "diff_low": None,
                "diff_high": None,
                "p_value": None,
                "significant": None,
                "better": None,
            }
            if group is not first:
                paired = _paired(first, group, kpi, confidence)
                row.update(paired)
                row["better"] = _is_better(
                    float(paired["diff_mean"]), float(paired["p_value"]), direction
                )
            rows.append(row)
    return pl.DataFrame(rows, schema=COMPARE_SCHEMA)


def _paired(
    first: pl.DataFrame, other: pl.DataFrame, kpi: str, confidence: float
) -> dict[str, object]:
    """The paired difference ``other - first`` over the replications both have."""
    joined = first.select("replication", pl.col(kpi).alias("a")).join(
        other.select("replication", pl.col(kpi).alias("b")), on="replication", how="inner"
    )
    joined = joined.sort("replication")
    res = paired_difference(joined["a"].to_numpy(), joined["b"].to_numpy(), confidence)
    return {
        "diff_mean": res.mean_diff,
        "diff_low": res.ci.low,
        "diff_high": res.ci.high,
        "p_value": res.p_value,
        "significant": bool(res.p_value < ALPHA),
    }

"""Comparing scenarios from an experiment table (see
:func:`sim.experiments.experiment.run_experiment`).

Replication ``k`` of every scenario sees the same orders (common random numbers), so each
scenario after the first is compared with the first by a paired t-test over replications.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    "threshold": pl.Float64(),
    "practical": pl.Boolean(),
    "better": pl.Boolean(),
    "worse": pl.Boolean(),
    "verdict": pl.String(),
}


def _direction(kpi: str) -> bool | None:
    try:
        return kpi_def(kpi).higher_is_better
    except KeyError:
        return None


def _threshold(kpi: str, practical: Mapping[str, float] | None) -> float:
    """The smallest difference of ``kpi`` that matters (``practical`` overrides the
    catalogue's; an unknown KPI: any)."""
    if practical and kpi in practical:
        return float(practical[kpi])
    try:
        return kpi_def(kpi).practical
    except KeyError:
        return 0.0


def _verdict(diff: float, p_value: float, threshold: float, higher_is_better: bool | None) -> str:
    """``"better"`` or ``"worse"`` for a significant difference (p < ALPHA) larger than the
    practical threshold in a KPI with a direction; ``""`` otherwise."""
    if higher_is_better is None or not p_value < ALPHA or not abs(diff) > threshold:
        return ""
    return "better" if (diff > 0) == higher_is_better else "worse"


def compare_table(
    results: pl.DataFrame,
    kpis: list[str],
    confidence: float = 0.95,
    practical: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """Per KPI and scenario: mean and t confidence interval over replications, and for every
    scenario but the first the paired difference (scenario - first) by replication.

    ``results`` has the columns ``scenario_index``, ``scenario``, ``replication`` and one
    column per KPI. The difference columns (``diff_mean``, ``diff_low``, ``diff_high``,
    ``p_value``) and the flags are null for the first scenario. ``significant`` is
    ``p_value < 0.05``; ``threshold`` is the KPI's practical-difference threshold
    (``kpi_def(kpi).practical`` unless ``practical`` names the KPI) and ``practical`` says
    ``|diff_mean| > threshold``. ``better`` / ``worse`` are a difference both significant and
    practical, in the KPI's good / bad direction (``kpi_def(kpi).higher_is_better``; KPIs
    without a direction never have a winner); ``verdict`` is ``"better"``, ``"worse"`` or
    ``""``. Rows come KPI by KPI in the given order, scenarios by index. Raises
    ``ValueError`` for a KPI that is not a column of ``results``.
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
        threshold = _threshold(kpi, practical)
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
                "threshold": threshold,
                "practical": None,
                "better": None,
                "worse": None,
                "verdict": None,
            }
            if group is not first:
                paired = _paired(first, group, kpi, confidence)
                row.update(paired)
                diff = float(paired["diff_mean"])  # type: ignore[arg-type]
                verdict = _verdict(diff, float(paired["p_value"]), threshold, direction)  # type: ignore[arg-type]
                row["practical"] = abs(diff) > threshold
                row["better"], row["worse"] = verdict == "better", verdict == "worse"
                row["verdict"] = verdict
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

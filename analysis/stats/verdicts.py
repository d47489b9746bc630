"""One sentence per compared scenario: where it wins and loses against the first, and the main
driver from the time breakdown.

Reads a :func:`analysis.stats.compare.compare_table` (its ``verdict`` column: significant and larger
than the practical threshold) and the experiment table it was made from. The driver is the
part of the time breakdown whose mean changed most relative to its size (by at least
:data:`MIN_CHANGE_MIN` minutes): the picking time per line by
part (:mod:`analysis.kpis.picking_split`: walking, set-up, pick, sort, consolidation, waiting for
release, waiting for a picker) or a stage's mean wait (``wait_mean_min_<step>``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from analysis.kpis.formatting import format_diff, format_value, kpi_label, kpi_unit
from analysis.kpis.picking_split import SPLIT_PARTS

#: Smallest change (minutes) of a time-breakdown part that can be the main driver.
MIN_CHANGE_MIN = 0.05

#: Better/worse markers: a symbol and a word, never colour alone.
MARK = {"better": "▲ better", "worse": "▼ worse"}


@dataclass(frozen=True)
class Driver:
    """The time-breakdown column whose scenario mean moved most (relative to its size) from
    the first scenario's."""

    kpi: str
    reference: float
    value: float

    @property
    def change(self) -> float:
        """``value - reference`` (minutes)."""
        return self.value - self.reference

    def text(self) -> str:
        """E.g. ``"Time per line: walking -0.31 min per line (0.56 -> 0.25)"``."""
        unit = kpi_unit(self.kpi)
        return (
            f"{kpi_label(self.kpi)} {format_diff(self.kpi, self.change)}"
            f"{' ' + unit if unit else ''} ({format_value(self.kpi, self.reference)} -> "
            f"{format_value(self.kpi, self.value)})"
        )


def driver_columns(results: pl.DataFrame) -> list[str]:
    """The time-breakdown columns of ``results``: picking time per line by part, then the
    stages' mean waits."""
    parts = [f"line_{p}_min" for p in SPLIT_PARTS]
    waits = sorted(c for c in results.columns if c.startswith("wait_mean_min_"))
    return [c for c in (*parts, *waits) if c in results.columns]


def _mean(rows: pl.DataFrame, col: str) -> float:
    values = rows[col].cast(pl.Float64).fill_nan(None).drop_nulls()
    return float(values.mean()) if values.len() else math.nan  # type: ignore[arg-type]


def _relative(ref: float, val: float) -> float:
    """``|val - ref|`` over the larger of the two magnitudes (a part that appears: 1)."""
    return abs(val - ref) / max(abs(ref), abs(val))


def main_driver(results: pl.DataFrame, index: int, reference: int = 0) -> Driver | None:
    """The time-breakdown column whose mean over replications changed most, relative to its
    size, from scenario ``reference`` to scenario ``index``, among the columns that changed
    by at least :data:`MIN_CHANGE_MIN` minutes; ``None`` when none did."""
    a = results.filter(pl.col("scenario_index") == reference)
    b = results.filter(pl.col("scenario_index") == index)
    best: Driver | None = None
    for col in driver_columns(results):
        ref, val = _mean(a, col), _mean(b, col)
        if math.isnan(ref) or math.isnan(val) or not abs(val - ref) >= MIN_CHANGE_MIN:
            continue
        if best is None or _relative(ref, val) > _relative(best.reference, best.value):
            best = Driver(col, ref, val)
    return best


def _items(rows: list[dict], verdict: str) -> str:
    return ", ".join(
        f"{kpi_label(r['kpi'])} ({format_diff(r['kpi'], r['diff_mean'])})"
        for r in rows
        if r["verdict"] == verdict
    )


def scenario_sentences(table: pl.DataFrame, results: pl.DataFrame) -> list[str]:
    """One sentence per scenario after the first: the KPIs on which it is better and worse
    (significant and above the practical threshold), how many show no practical difference,
    and the main driver from the time breakdown."""
    out = []
    ordered = table.sort("scenario_index", maintain_order=True)
    first = ordered.filter(pl.col("scenario_index") == 0)
    ref = first["scenario"][0] if first.height else "the first"
    for index in ordered["scenario_index"].unique(maintain_order=True).to_list():
        if index == 0:
            continue
        rows = ordered.filter(pl.col("scenario_index") == index).rows(named=True)
        name = rows[0]["scenario"]
        wins, losses = _items(rows, "better"), _items(rows, "worse")
        same = sum(1 for r in rows if not r["verdict"])
        parts = []
        if wins:
            parts.append(f"{MARK['better']} on {wins}")
        if losses:
            parts.append(f"{MARK['worse']} on {losses}")
        if not parts:
            text = f"{index + 1}. {name}: no practical difference from 1. {ref} on the "
            text += f"{len(rows)} KPIs compared"
        else:
            text = f"{index + 1}. {name} vs 1. {ref}: " + "; ".join(parts)
            if same:
                text += f"; no practical difference on {same} other KPI{'s' * (same > 1)}"
        driver = main_driver(results, index)
        if driver is not None:
            text += f". Main driver: {driver.text()}"
        out.append(text + ".")
    return out

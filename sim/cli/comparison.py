"""The comparison table the experiment commands print: chosen KPIs, each scenario against the
first, and the scenarios' labels (``compare`` and ``compare --equal-service``)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl

from sim.cli.common import UsageError, _fmt


def _parse_kpis(text: str | None) -> list[str] | None:
    """``--kpis a,b,c`` as a list of known KPI names (None: the default headline KPIs)."""
    from analysis.kpis.defs import kpi_def

    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError("omsim: --kpis: expected comma-separated KPI names, found none")
    for name in names:
        try:
            kpi_def(name)
        except KeyError:
            raise UsageError(
                f"omsim: --kpis: expected known KPI names, found {name!r} "
                "(see 'omsim run --explain')"
            ) from None
    return names


def _chosen_kpis(results: pl.DataFrame, requested: list[str] | None) -> list[str]:
    """The requested KPIs (each must be in the results), or the headline ones with values."""
    from analysis.kpis.defs import headline_kpis
    from sim.experiments.experiment import kpi_columns

    columns = kpi_columns(results)
    if requested is None:
        return [k for k in headline_kpis(columns) if results[k].is_not_nan().any()]
    absent = [k for k in requested if k not in columns]
    if absent:
        raise UsageError(
            f"omsim: --kpis: expected KPIs these scenarios report, found {', '.join(absent)}"
        )
    return requested


def _signed(value: float | None, unit: str) -> str:
    """A difference for a table cell, with its sign; an exact zero is ``0``."""
    if value is None or math.isnan(value):
        return "-"
    if value == 0:
        return "0"
    text = _fmt(abs(value), unit)
    return ("+" if value > 0 else "-") + text


def print_comparison(table: pl.DataFrame, title: str) -> None:
    """The comparison on standard output: for each KPI a row per scenario with its mean ± CI
    half-width and, after the first scenario, the paired difference against the first with
    its CI and p-value. Significant improvements are bold green with ``*``; significant
    deteriorations (for KPIs with a good direction) red."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from analysis.kpis.defs import kpi_def

    console = Console()
    console.print(title, markup=False)  # scenario names are text, not markup
    grid = Table()
    grid.add_column("KPI", no_wrap=True)
    grid.add_column("scenario")
    grid.add_column("mean ± 95% CI", justify="right")
    grid.add_column("diff vs 1 [95% CI]", justify="right")
    grid.add_column("p", justify="right")
    kpis = table["kpi"].unique(maintain_order=True).to_list()
    for kpi in kpis:
        d = kpi_def(kpi)
        rows = table.filter(pl.col("kpi") == kpi).rows(named=True)
        for i, row in enumerate(rows):
            hw = row["half_width"]
            half = "" if hw is None or math.isnan(hw) else f" ± {_fmt(hw, d.unit)}"
            cells: list[str | Text] = [
                kpi if i == 0 else "",
                Text(f"{row['scenario_index'] + 1}. {row['scenario']}"),
                _fmt(row["mean"], d.unit) + half,
            ]
            if row["scenario_index"] == 0:
                cells += ["", ""]
            else:
                p = row["p_value"]
                diff = (
                    f"{_signed(row['diff_mean'], d.unit)} "
                    f"[{_signed(row['diff_low'], d.unit)}, {_signed(row['diff_high'], d.unit)}]"
                )
                p_text = "-" if p is None or math.isnan(p) else f"{p:.3g}"
                style = None
                if row["better"]:
                    diff, style = diff + " *", "bold green"
                elif row["significant"] and d.higher_is_better is not None:
                    style = "red"
                cells += [Text(diff, style=style or ""), Text(p_text, style=style or "")]
            grid.add_row(*cells, end_section=i == len(rows) - 1)
    console.print(grid)
    console.print("* significantly better than 1 (paired t-test, common random numbers, p < 0.05)")


def _labels(scenarios: list, paths: list[Path]) -> list[str]:
    """Names for the compared scenarios: their names, or their file stems where two share
    a name."""
    names = [s.name for s in scenarios]
    if len(set(names)) == len(names):
        return names
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    return [f"{n} ({i + 1})" for i, n in enumerate(names)]

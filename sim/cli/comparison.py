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


def _chosen_kpis(
    results: pl.DataFrame, requested: list[str] | None, methods_differ: bool = False
) -> list[str]:
    """The requested KPIs (each must be in the results), or the headline ones with values
    (and, when the picking methods differ, travel per order and the pick rate)."""
    from analysis.kpis.defs import headline_kpis
    from analysis.kpis.presentation import METHOD_KPIS
    from sim.experiments.experiment import kpi_columns

    columns = kpi_columns(results)
    if requested is None:
        extra = [k for k in METHOD_KPIS if methods_differ and k in columns]
        names = [*headline_kpis(columns), *extra]
        return [k for k in names if results[k].is_not_nan().any()]
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


def print_comparison(table: pl.DataFrame, title: str, results: pl.DataFrame | None = None) -> None:
    """The comparison with verdicts (see :func:`sim.cli.compare_output.print_comparison`)."""
    from sim.cli.compare_output import print_comparison as show

    show(table, title, results)


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

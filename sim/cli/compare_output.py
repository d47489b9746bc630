"""What ``omsim compare`` prints: the comparison table with verdicts (a table up to 100
columns wide, a vertical layout beyond), one sentence per scenario, and ``--practical``."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

import polars as pl

from analysis.kpis.formatting import (
    format_diff,
    format_threshold,
    format_value,
    kpi_info,
    kpi_label,
    kpi_label_with_unit,
)
from analysis.stats.verdicts import MARK, scenario_sentences

#: Widest table printed as a table; wider ones (or wider than the terminal) go vertical.
MAX_WIDTH = 100

#: Widest KPI label cell; longer labels wrap.
KPI_WIDTH = 24

_STYLE = {"better": "bold green", "worse": "bold red"}


class PracticalError(ValueError):
    """A bad ``--practical KPI=VALUE``; the message is one line."""


def parse_practical(items: Sequence[str] | None) -> dict[str, float]:
    """``--practical KPI=VALUE`` (repeatable) as ``{kpi: threshold}``; a KPI must be known
    and the value a finite number >= 0 in the KPI's unit (a share: a fraction)."""
    from analysis.kpis.defs import kpi_def

    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise PracticalError(
                f"omsim: --practical {item}: expected KPI=VALUE (e.g. cost_per_order=0.10)"
            )
        try:
            kpi_def(key)
        except KeyError:
            raise PracticalError(
                f"omsim: --practical {item}: expected a known KPI name, found {key!r} "
                "(see 'omsim run --explain')"
            ) from None
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number < 0:
            raise PracticalError(
                f"omsim: --practical {item}: expected a number >= 0 in the KPI's unit, found "
                f"{value.strip()!r}"
            )
        out[key] = number
    return out


def _rows(table: pl.DataFrame) -> list[tuple[str, list[dict]]]:
    kpis = table["kpi"].unique(maintain_order=True).to_list()
    return [(k, table.filter(pl.col("kpi") == k).rows(named=True)) for k in kpis]


def _mean_text(kpi: str, row: dict) -> str:
    hw = row["half_width"]
    half = "" if hw is None or math.isnan(hw) else f" ± {format_value(kpi, hw)}"
    return format_value(kpi, row["mean"]) + half


def _diff_text(kpi: str, row: dict) -> str:
    """``+1.2 [+0.8, +1.6]``; shares in percentage points (``-0.3 [-0.4, -0.2] pp``)."""
    text = (
        f"{format_diff(kpi, row['diff_mean'], False)} [{format_diff(kpi, row['diff_low'], False)}"
        f", {format_diff(kpi, row['diff_high'], False)}]"
    )
    return text + (" pp" if kpi_info(kpi).format == "percent" else "")


def _p_text(row: dict) -> str:
    p = row["p_value"]
    if p is None or math.isnan(p):
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def comparison_table(table: pl.DataFrame):
    """The comparison as a rich table: KPI (label and unit), scenario, mean ± CI half-width,
    difference against the first [CI], p-value, verdict (▲ better / ▼ worse)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    grid.add_column("KPI", max_width=KPI_WIDTH)
    grid.add_column("scenario", no_wrap=True)
    grid.add_column("mean ± 95% CI", justify="right", no_wrap=True)
    grid.add_column("vs 1 [95% CI]", justify="right", no_wrap=True)
    grid.add_column("p", justify="right", no_wrap=True)
    grid.add_column("verdict", no_wrap=True)
    for kpi, rows in _rows(table):
        for i, row in enumerate(rows):
            cells: list[str | Text] = [
                kpi_label_with_unit(kpi) if i == 0 else "",
                Text(f"{row['scenario_index'] + 1}. {row['scenario']}"),  # text, not markup
                _mean_text(kpi, row),
            ]
            if row["scenario_index"] == 0:
                cells += ["", "", ""]
            else:
                verdict = row["verdict"] or ""
                style = _STYLE.get(verdict, "")
                cells += [
                    Text(_diff_text(kpi, row), style=style),
                    _p_text(row),
                    Text(MARK.get(verdict, ""), style=style),
                ]
            grid.add_row(*cells, end_section=i == len(rows) - 1)
    return grid


def vertical_lines(table: pl.DataFrame) -> list[str]:
    """The comparison one KPI at a time: a line per scenario with its mean, and below it the
    difference against the first with its verdict (for narrow terminals and long names)."""
    lines = []
    for kpi, rows in _rows(table):
        lines.append(kpi_label_with_unit(kpi))
        for row in rows:
            lines.append(
                f"  {row['scenario_index'] + 1}. {row['scenario']}: {_mean_text(kpi, row)}"
            )
            if row["scenario_index"] != 0:
                text = f"      vs 1: {_diff_text(kpi, row)}, p {_p_text(row)}"
                if row["verdict"]:
                    text += f"  {MARK[row['verdict']]}"
                lines.append(text)
    return lines


def legend(table: pl.DataFrame) -> str:
    """How the verdicts are decided, with the practical thresholds used."""
    thresholds = []
    for kpi, rows in _rows(table):
        t = rows[0].get("threshold")
        if t is not None and not math.isnan(t) and kpi_info(kpi).higher_is_better is not None:
            thresholds.append(f"{kpi_label(kpi)} {format_threshold(kpi, t)}")
    text = (
        "▲ better / ▼ worse than 1: significant (paired t-test on common random numbers, "
        "p < 0.05) and larger than the KPI's practical threshold (--practical KPI=VALUE)"
    )
    if thresholds:
        text += "; thresholds: " + ", ".join(thresholds)
    return text


def print_comparison(table: pl.DataFrame, title: str, results: pl.DataFrame | None = None) -> None:
    """The comparison on standard output: the title, the table (or, wider than 100 columns
    or the terminal, the vertical layout), the legend and, given the experiment table
    ``results``, one sentence per scenario with its main driver."""
    from rich.console import Console

    terminal = sys.stdout.isatty()
    console = Console(width=None if terminal else MAX_WIDTH, soft_wrap=False)
    limit = min(console.width, MAX_WIDTH)
    console.print(title, highlight=False, soft_wrap=True, markup=False)  # names are text
    grid = comparison_table(table)
    width = Console(width=1000).measure(grid).maximum
    if width <= limit:
        console.print(grid)
    else:
        for line in vertical_lines(table):
            console.print(line, highlight=False, soft_wrap=True, markup=False)
    console.print(legend(table), highlight=False)
    if results is not None:
        for sentence in scenario_sentences(table, results):
            console.print(sentence, highlight=False, markup=False)

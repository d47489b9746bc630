"""What ``omsim run`` and ``omsim replay`` print: the KPI table grouped with human labels, or
the KPIs as JSON for machines."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from analysis.kpis.formatting import format_value, kpi_info, run_rows


def print_kpi_table(
    kpis: Mapping[str, float], title: str, explain: bool = False, show_all: bool = False
) -> None:
    """The KPI table on standard output, one section per group (service, productivity,
    quality, cost, ...): the headline KPIs and a few key ones without the zero or missing
    ones (stages switched off), or with ``show_all`` every KPI with a value; ``explain`` adds
    what each KPI is."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(title, highlight=False, soft_wrap=True, markup=False)  # names are text
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for col, just in (("group", "left"), ("KPI", "left"), ("value", "right"), ("unit", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    if explain:
        table.add_column("what it is")
    previous = None
    for name in run_rows(kpis, show_all):
        d = kpi_info(name)
        unit = "" if d.format == "percent" else d.human_unit
        cells = [d.group if d.group != previous else "", d.label, format_value(name, kpis[name])]
        cells.append(unit)
        if explain:
            cells.append(f"{d.description} ({name})")
        table.add_row(*cells, style="bold" if d.headline else None)
        previous = d.group
    console.print(table)


def kpis_json(kpis: Mapping[str, float], **meta: object) -> str:
    """The KPIs as one JSON object (``{"kpis": {name: value}}`` plus ``meta``); NaN is
    ``null``."""
    clean = {k: None if v is None or math.isnan(v) else v for k, v in kpis.items()}
    return json.dumps({**meta, "kpis": clean}, indent=2, default=str)

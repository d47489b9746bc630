"""KPI values for people: labels, help texts, numbers with sensible precision, grouping.

The one place the CLI, the report and the app format a KPI (the app's tooltips use
:func:`kpi_label`, :func:`kpi_help` and :func:`format_kpi`). Every function accepts any name:
a name the catalogue does not know gets its name as label and plain decimals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from analysis.kpis.defs import KpiDef, kpi_def
from analysis.kpis.presentation import GROUPS, presentation

#: KPIs ``omsim run`` shows besides the headline ones (each only when it is not zero).
RUN_SUMMARY: tuple[str, ...] = (
    "orders_placed",
    "orders_shipped",
    "throughput_per_day",
    "travel_m_per_order",
    "picks_per_busy_hour",
    "orders_shipped_with_error",
    "damage_rate",
    "lost_sales_rate",
    "warehouse_cost_per_order",
)

_MAX_EXTRA_DECIMALS = 4


def format_unit_value(value: float | None, unit: str = "") -> str:
    """A value by its catalogue unit, for a table cell (command line and report alike):
    shares as percentages, counts and currency without needless decimals, otherwise four
    significant digits; never scientific notation."""
    if value is None or math.isnan(value):
        return "-"
    if unit == "share":
        return f"{value:.2%}"
    if unit in ("orders", "steps", "currency") or abs(value) >= 1e4:
        return (
            f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 1e4 else f"{value:,.2f}"
        )
    if value == 0 or abs(value) >= 1e-3:
        return f"{value:,.4g}"
    return f"{value:.6f}".rstrip("0")


def kpi_info(name: str) -> KpiDef:
    """The catalogue entry of ``name``; an unknown name gets a plain entry (no unit)."""
    try:
        return kpi_def(name)
    except KeyError:
        base = KpiDef(name, "", name, None)
        return KpiDef(**{**base.__dict__, **presentation(name, "")})  # type: ignore[arg-type]


def kpi_label(name: str) -> str:
    """The human label of a KPI, e.g. ``"Lead time, mean"`` for ``lead_time_mean_h``."""
    return kpi_info(name).label


def kpi_unit(name: str) -> str:
    """The unit as a person reads it (``"hours"``, ``"%"``, ``"per order"``), "" for none."""
    return kpi_info(name).human_unit


def kpi_label_with_unit(name: str) -> str:
    """Label and human unit, e.g. ``"Lead time, mean (hours)"``; the unit is left out when
    it is ``%`` (the values say it) or the label already says it (``"Cost per order"``)."""
    d = kpi_info(name)
    unit = d.human_unit
    if not unit or unit == "%" or unit.lower() in d.label.lower():
        return d.label
    return f"{d.label} ({unit})"


def format_threshold(name: str, value: float) -> str:
    """A practical threshold with its unit: ``"0.5 pp"`` for a share, ``"1.0 hours"``."""
    if kpi_info(name).format == "percent":
        return format_diff(name, value)[1:]
    return format_kpi(name, value)


def kpi_group(name: str) -> str:
    """The group of a KPI (one of :data:`analysis.kpis.presentation.GROUPS`)."""
    return kpi_info(name).group


def kpi_help(name: str) -> str:
    """A tooltip: the definition, the unit and which direction is better."""
    d = kpi_info(name)
    direction = {True: "higher is better", False: "lower is better", None: "no better direction"}
    unit = f"Unit: {d.human_unit}; " if d.human_unit else ""
    return f"{d.description} {unit}{direction[d.higher_is_better]}. (KPI {d.name})"


def _decimals(value: float, decimals: int) -> int:
    """``decimals``, or more (up to 4 more) so that a small non-zero value shows two
    significant digits instead of rounding to zero."""
    magnitude = abs(value)
    if magnitude == 0 or magnitude >= 10.0**-decimals:
        return decimals
    needed = 1 - math.floor(math.log10(magnitude))
    return min(max(decimals, needed), decimals + _MAX_EXTRA_DECIMALS)


def format_value(name: str, value: float | None) -> str:
    """The number alone with the KPI's precision and thousands separators, never scientific
    notation; a share as a percentage (``"38.6%"``); ``"-"`` for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    d = kpi_info(name)
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0%" if d.format == "percent" else "0"
    if d.format == "percent":
        return f"{value * 100:,.{_decimals(value * 100, d.decimals)}f}%"
    places = d.decimals if float(value).is_integer() else _decimals(value, d.decimals)
    if d.format == "decimals" and abs(value) >= 1000:
        places = 0
    return f"{value:,.{places}f}"


def format_kpi(name: str, value: float | None) -> str:
    """The value with its human unit, e.g. ``"85.91 hours"``, ``"38.6%"``, ``"11.60 per
    order"``."""
    text = format_value(name, value)
    unit = kpi_info(name).human_unit
    if text == "-" or not unit or unit == "%":
        return text
    return f"{text} {unit}"


def format_diff(name: str, value: float | None, precise: bool = True) -> str:
    """A difference with its sign (``+1.2``, ``-0.4 pp`` for shares as percentage points);
    an exact zero is ``0``. ``precise=False``: the KPI's decimals only (no extra digits for
    tiny values, no ``pp``), for compact table cells; a value that rounds to zero loses its
    sign."""
    if value is None or math.isnan(value):
        return "-"
    if value == 0:
        return "0"
    sign = "+" if value > 0 else "-"
    d = kpi_info(name)
    if not precise:
        scale = 100.0 if d.format == "percent" else 1.0
        text = f"{abs(value) * scale:,.{d.decimals}f}"
        return text if float(text.replace(",", "")) == 0 else sign + text
    if d.format == "percent":
        return sign + format_value(name, abs(value))[:-1] + " pp"
    return sign + format_value(name, abs(value))


def practical_threshold(name: str, overrides: Mapping[str, float] | None = None) -> float:
    """The smallest difference of ``name`` that matters: ``overrides[name]`` or the
    catalogue's."""
    if overrides and name in overrides:
        return float(overrides[name])
    return kpi_info(name).practical


def _is_zero_or_missing(value: float | None) -> bool:
    return value is None or math.isnan(value) or value == 0


def run_rows(kpis: Mapping[str, float], show_all: bool = False) -> list[str]:
    """The KPI names ``omsim run`` prints, grouped in :data:`GROUPS` order (catalogue order
    within a group). By default the headline KPIs and :data:`RUN_SUMMARY`, without the
    zero or missing ones (stages that are switched off); ``show_all``: every KPI with a
    value."""
    if show_all:
        chosen = [n for n, v in kpis.items() if not (v is None or math.isnan(v))]
    else:
        chosen = [
            n
            for n, v in kpis.items()
            if (kpi_info(n).headline or n in RUN_SUMMARY) and not _is_zero_or_missing(v)
        ]
    return grouped(chosen)


def grouped(names: Iterable[str]) -> list[str]:
    """``names`` ordered by group (:data:`GROUPS`), keeping their order within a group."""
    order = {g: i for i, g in enumerate(GROUPS)}
    names = list(names)
    return sorted(names, key=lambda n: (order.get(kpi_group(n), len(order)), names.index(n)))

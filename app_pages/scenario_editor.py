"""The widgets of the Scenarios page: the main scenario parameters, drawn from the schema.

Each widget starts at the resolved scenario's value and is labelled and explained by the
schema (``Field(description=...)``); the page collects the values that differ as dotted-key
changes. Widgets set no bounds of their own: a value the schema rejects is shown with the
schema's message next to the widget (:class:`Slots`).
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import BaseModel

from app_pages.scenario_files import ScenarioDoc, get_in
from sim.config import PICKING_METHODS, Role, Scenario
from sim.routing import ROUTING_POLICIES

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Section names a return policy may have in the schema (shown when the schema has one).
RETURN_SECTIONS = ("aftersales", "returns", "return_policy")


class Slots:
    """Placeholders right after widgets, keyed by dotted path, to show an error next to the
    widget it is about."""

    def __init__(self) -> None:
        self._slots: dict[str, Any] = {}

    def add(self, path: str) -> None:
        """A placeholder for messages about ``path`` at the current position."""
        self._slots[path] = st.empty()

    def best(self, key: str | None) -> str | None:
        """The registered path a message about ``key`` belongs to: the longest one that is
        ``key`` or contains it, else the first one inside ``key`` (a whole section)."""
        if not key:
            return None
        around = [p for p in self._slots if key == p or key.startswith(p + ".")]
        if around:
            return max(around, key=len)
        within = [p for p in self._slots if p.startswith(key + ".")]
        return within[0] if within else None

    def show(self, message: str, key: str | None) -> bool:
        """Show ``message`` next to the widget of ``key``; False if there is none."""
        path = self.best(key)
        if path is None:
            return False
        self._slots[path].error(message, icon="⚠️")
        return True


# --- single values ---------------------------------------------------------------------


def _model(path: str) -> type[BaseModel]:
    """The schema model of a dotted section path (``picking.batch``)."""
    model: type[BaseModel] = Scenario
    for part in filter(None, path.split(".")):
        model = model.model_fields[part].annotation  # type: ignore[assignment]
    return model


def _step(value: float) -> float:
    """A spin step about a tenth of the value's order of magnitude."""
    if not value or not math.isfinite(value):
        return 0.1
    return 10.0 ** (math.floor(math.log10(abs(value))) - 1)


def _split(text: Any) -> list[str]:
    """``"mon, tue"`` as ``["mon", "tue"]`` (a list typed in one cell)."""
    if not isinstance(text, str):
        return []
    return [t for t in text.replace(";", ",").replace(" ", ",").split(",") if t]


def scalar(
    doc: ScenarioDoc,
    section: str,
    name: str,
    slots: Slots,
    options: Sequence[Any] | None = None,
) -> Any:
    """A widget for the field ``section.name``, chosen by its type in the schema; returns
    its value (a list field is typed as comma-separated text)."""
    field = _model(section).model_fields[name]
    path = f"{section}.{name}" if section else name
    current = get_in(doc.full, path)
    label, helptext, key = name.replace("_", " "), field.description, f"{doc.token}:{path}"
    ann = field.annotation
    if options is None and typing.get_origin(ann) is typing.Literal:
        options = typing.get_args(ann)
    if options is not None:
        opts = list(options) + ([current] if current not in options else [])
        value = st.selectbox(label, opts, index=opts.index(current), key=key, help=helptext)
    elif ann is bool:
        value = st.checkbox(label, value=bool(current), key=key, help=helptext)
    elif ann is int:
        value = st.number_input(label, value=int(current), step=1, key=key, help=helptext)
    elif ann is float:
        value = st.number_input(
            label, value=float(current), step=_step(current), format="%g", key=key, help=helptext
        )
    elif isinstance(current, list):
        text = st.text_input(label, ", ".join(map(str, current)), key=key, help=helptext)
        value = _split(text)
    else:
        value = st.text_input(label, str(current), key=key, help=helptext)
    slots.add(path)
    return value


def scalars(
    doc: ScenarioDoc, section: str, names: Sequence[str], slots: Slots, columns: int = 3
) -> dict[str, Any]:
    """Widgets for several fields of a section in columns; ``{dotted path: value}``."""
    cols = st.columns(columns)
    out = {}
    for i, name in enumerate(names):
        with cols[i % columns]:
            out[f"{section}.{name}" if section else name] = scalar(doc, section, name, slots)
    return out


def scalar_fields(section: str) -> list[str]:
    """The fields of a section that are single values or lists of single values."""
    out = []
    for name, field in _model(section).model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            continue
        if typing.get_origin(ann) in (dict, Mapping):
            continue
        if typing.get_origin(ann) is tuple and any(
            typing.get_origin(a) is tuple for a in typing.get_args(ann)
        ):
            continue  # a table (rows of values): kept as in the file
        out.append(name)
    return out


# --- tables ----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A cell as a plain Python value (None for an empty cell)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _item_model(path: str) -> type[BaseModel] | None:
    """The schema model of the items of a list field (``staffing.shifts`` -> ShiftConfig)."""
    section, _, name = path.rpartition(".")
    ann = _model(section).model_fields[name].annotation
    items = [a for a in typing.get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
    return items[0] if items else None


def _rows(frame: pd.DataFrame, path: str) -> list[tuple[Any, dict[str, Any]]]:
    """(index, row without empty cells) for each row of an edited table. A whole number in
    an integer field is written as one (a column with an empty cell turns to floats)."""
    model = _item_model(path)
    ints = {n for n, f in model.model_fields.items() if f.annotation is int} if model else set()
    out = []
    for index, row in frame.iterrows():
        cells = {k: _plain(v) for k, v in row.items()}
        cells = {k: v for k, v in cells.items() if v is not None and v != ""}
        for k in ints & cells.keys():
            if isinstance(cells[k], float) and cells[k].is_integer():
                cells[k] = int(cells[k])
        out.append((index, cells))
    return out


def _original(rows: list[dict[str, Any]], index: Any) -> dict[str, Any]:
    """The original row an edited row came from (empty for an added row)."""
    return dict(rows[index]) if isinstance(index, int) and 0 <= index < len(rows) else {}


def records(doc: ScenarioDoc, path: str, slots: Slots, label: str, dynamic: bool = True) -> list:
    """An editable table of a list of records (channels, services, boxes, materials): their
    plain fields are cells (empty cells fall back to the schema's defaults); list and table
    fields (a channel's hourly weights, say) are kept as they are in the file."""
    rows = list(get_in(doc.full, path) or [])
    st.markdown(f"**{label}**")
    shown = [{k: v for k, v in r.items() if not isinstance(v, list | tuple | dict)} for r in rows]
    frame = st.data_editor(
        pd.DataFrame(shown),
        key=f"{doc.token}:{path}",
        hide_index=True,
        width="stretch",
        num_rows="dynamic" if dynamic else "fixed",
    )
    slots.add(path)
    out = []
    for index, cells in _rows(frame, path):
        kept = {k: v for k, v in _original(rows, index).items() if isinstance(v, list | dict)}
        out.append({**kept, **cells})
    return out


def shifts(doc: ScenarioDoc, slots: Slots) -> list[dict[str, Any]]:
    """The shifts table (role, zone, days, start, end, headcount); breaks are kept."""
    rows = list(get_in(doc.full, "staffing.shifts") or [])
    shown = [
        {
            "role": r["role"],
            "zone": r.get("zone", 0),
            "days": ", ".join(r["days"]),
            "start": r["start"],
            "end": r["end"],
            "headcount": r["headcount"],
        }
        for r in rows
    ]
    frame = st.data_editor(
        pd.DataFrame(shown, columns=["role", "zone", "days", "start", "end", "headcount"]),
        key=f"{doc.token}:staffing.shifts",
        hide_index=True,
        width="stretch",
        num_rows="dynamic",
        column_config={
            "role": st.column_config.SelectboxColumn(options=list(typing.get_args(Role))),
            "days": st.column_config.TextColumn(help="Weekdays, e.g. mon, tue, wed"),
            "headcount": st.column_config.NumberColumn(step=1),
            "zone": st.column_config.NumberColumn(step=1, help="Zone/wave picking: 0 = spread"),
        },
    )
    slots.add("staffing.shifts")
    out = []
    for index, cells in _rows(frame, "staffing.shifts"):
        shift = _original(rows, index)
        shift.update({k: v for k, v in cells.items() if k != "days"})
        if "days" in cells:
            shift["days"] = _split(cells["days"])
        out.append(shift)
    return out


def carriers(doc: ScenarioDoc, slots: Slots) -> list[dict[str, Any]]:
    """The carriers table: name, pickup times per weekday (``16:30, 18:00``) and delivery
    days; services and rates are kept (edit them in the TOML file)."""
    rows = list(get_in(doc.full, "shipping.carriers") or [])
    shown = [
        {
            "name": r["name"],
            **{d: ", ".join(r["pickups"].get(d, [])) for d in WEEKDAYS},
            "delivery_days": ", ".join(r["delivery_days"]),
        }
        for r in rows
    ]
    frame = st.data_editor(
        pd.DataFrame(shown, columns=["name", *WEEKDAYS, "delivery_days"]),
        key=f"{doc.token}:shipping.carriers",
        hide_index=True,
        width="stretch",
        num_rows="fixed",
    )
    slots.add("shipping.carriers")
    out = []
    for index, cells in _rows(frame, "shipping.carriers"):
        carrier = _original(rows, index)
        if "name" in cells:
            carrier["name"] = cells["name"]
        pickups = {d: _split(cells.get(d)) for d in WEEKDAYS}
        carrier["pickups"] = {d: t for d, t in pickups.items() if t}
        carrier["delivery_days"] = _split(cells.get("delivery_days"))
        out.append(carrier)
    return out


# --- the whole editor ------------------------------------------------------------------


def editor(doc: ScenarioDoc, slots: Slots) -> dict[str, Any]:
    """Every widget of the page; returns ``{dotted key: value}`` of the values that differ
    from the loaded scenario."""
    values: dict[str, Any] = {}
    st.subheader("Scenario and run length")
    values |= scalars(doc, "", ["name", "description"], slots, columns=2)
    values |= scalars(doc, "simulation", ["horizon_days", "drain_days"], slots, columns=2)

    st.subheader("Demand")
    values |= scalars(
        doc, "demand", ["orders_per_day", "order_value_mean", "order_value_cv"], slots
    )
    left, right = st.columns(2)
    with left:
        values["demand.channels"] = records(doc, "demand.channels", slots, "Channel mix")
    with right:
        values["demand.services"] = records(doc, "demand.services", slots, "Shipping services")

    st.subheader("Picking")
    cols = st.columns(3)
    with cols[0]:
        method = scalar(doc, "picking", "method", slots, options=PICKING_METHODS)
    with cols[1]:
        values["picking.routing"] = scalar(
            doc, "picking", "routing", slots, options=tuple(ROUTING_POLICIES)
        )
    with cols[2]:
        values["picking.walking_speed_m_per_s"] = scalar(
            doc, "picking", "walking_speed_m_per_s", slots
        )
    values["picking.method"] = method
    values |= scalars(
        doc, "picking", ["time_per_line_s", "time_per_unit_s", "error_prob_per_line"], slots
    )
    settings = {"batch": ["batch"], "zone": ["zone"], "wave": ["zone", "wave"]}.get(method, [])
    for part in settings:
        st.markdown(f"**{part.capitalize()} settings**")
        values |= scalars(doc, f"picking.{part}", scalar_fields(f"picking.{part}"), slots, 4)

    st.subheader("Staffing per shift")
    values["staffing.shifts"] = shifts(doc, slots)

    st.subheader("Verification, boxes and packaging")
    names = [m["name"] for m in get_in(doc.full, "packing.materials") or []]
    cols = st.columns(4)
    for col, (field, opts) in zip(
        cols,
        [
            ("verification", None),
            ("material", names),
            ("fragile_material", names),
            ("fill_factor", None),
        ],
        strict=True,
    ):
        with col:
            values[f"packing.{field}"] = scalar(doc, "packing", field, slots, options=opts)
    left, right = st.columns(2)
    with left:
        values["packing.boxes"] = records(doc, "packing.boxes", slots, "Boxes")
    with right:
        values["packing.materials"] = records(doc, "packing.materials", slots, "Materials")

    st.subheader("Carriers")
    values |= scalars(doc, "shipping", ["notifications"], slots, columns=3)
    values["shipping.carriers"] = carriers(doc, slots)

    st.subheader("Return policy")
    section = next((s for s in RETURN_SECTIONS if s in Scenario.model_fields), None)
    if section is None:
        st.caption(
            "This version of the scenario schema has no return policy yet "
            "(docs/SCENARIO_REFERENCE.md lists every key); its settings appear here once it has."
        )
    else:
        values |= scalars(doc, section, scalar_fields(section), slots, 4)
    return {k: v for k, v in values.items() if v != get_in(doc.full, k)}

"""What the Live page shows of a replay snapshot, as plain functions (no Streamlit, no SimPy):
reading the JSON file ``omsim replay --snapshot PATH`` rewrites about every second, turning its
parts into tables, and the ``omsim replay`` command the page starts.

The snapshot (version 1) is read as data: its ``stages`` and ``kpis`` may carry other keys in
other scenarios, and whatever is there is shown. KPI units follow the name: ``*_share`` is a
fraction (shown as a percentage), ``*_h`` hours, ``*_min`` minutes.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim import paths

#: The snapshot version this module reads.
SNAPSHOT_VERSION = 1

#: Order file formats ``omsim replay --format`` reads.
FORMATS = ("generic", "shopify", "online-retail", "olist")

#: Replay speeds offered: simulated seconds per wall-clock second.
SPEEDS = (60, 600, 3600, 14400, 86400)

#: Stage columns shown first (any other key of a stage follows).
STAGE_COLUMNS = ("stage", "role", "queue", "busy", "on_duty")

#: History series drawn, in this order, with their labels.
HISTORY_SERIES = {"queue": "queue", "in_progress": "in progress", "shipped": "shipped"}

#: The order counts shown as metrics: (label, key of ``orders``; None for ``n_at_risk``).
COUNTS = (
    ("Placed", "placed"),
    ("In progress", "in_progress"),
    ("Shipped", "shipped"),
    ("Lost", "lost"),
    ("At risk", None),
)

#: What each status means, for the page.
STATUS_TEXT = {
    "running": "Running",
    "waiting": "Waiting for new orders (following the order file)",
    "done": "Done: every order has been replayed",
}


# --- the command -----------------------------------------------------------------------


def replay_command(
    orders: str | Path,
    fmt: str,
    scenario: str | Path,
    speed: float,
    snapshot: str | Path,
    follow: bool = False,
    rejects: str | Path | None = None,
    python: str = sys.executable,
) -> list[str]:
    """The argv of ``omsim replay`` (as ``python -m sim.cli``): replay ``orders`` (read as
    ``fmt``) through ``scenario`` at ``speed`` simulated seconds per wall-clock second,
    writing the snapshot to ``snapshot``; ``follow`` keeps waiting for new orders.
    ``rejects``: where the import writes the rows it rejects (otherwise
    ``rejects_<file>.csv`` in the working directory)."""
    argv = [
        python,
        "-m",
        "sim.cli",
        "replay",
        str(orders),
        "--format",
        fmt,
        "--scenario",
        str(scenario),
        "--speed",
        str(speed),
        "--snapshot",
        str(snapshot),
    ]
    if rejects is not None:
        argv += ["--rejects", str(rejects)]
    return [*argv, "--follow"] if follow else argv


def speed_label(speed: float) -> str:
    """A speed for a person: ``3600`` is ``3600x (1 simulated hour per second)``."""
    for unit, seconds in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if speed >= seconds and speed % seconds == 0:
            n = int(speed // seconds)
            return f"{speed:g}x ({n} simulated {unit}{'s' if n > 1 else ''} per second)"
    return f"{speed:g}x ({speed:g} simulated seconds per second)"


def resolve(text: str, root: Path) -> Path:
    """A typed path: ``~`` expanded, a relative one taken from ``root`` (the data folder for
    an order file, the runs folder for a snapshot)."""
    path = Path(text.strip()).expanduser()
    return path if path.is_absolute() else root / path


def log_tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` non-blank lines of a log file ("" when there is none)."""
    try:
        with path.open("rb") as f:
            f.seek(max(f.seek(0, 2) - 16_384, 0))
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join([ln.rstrip() for ln in text.splitlines() if ln.strip()][-lines:])


# --- reading the snapshot --------------------------------------------------------------


def load_snapshot(
    path: str | Path, previous: dict[str, Any] | None = None, roots: Sequence[Path] | None = None
) -> dict | None:
    """The snapshot in ``path``: None while the file does not exist (no snapshot yet), and
    ``previous`` when it cannot be read or is not a JSON object (a file caught half-written
    or being replaced), or is refused by :func:`snapshot_problem`. Read whole only when it
    is a regular file of at most :data:`sim.paths.MAX_JSON_BYTES` (inside ``roots``)."""
    if not Path(path).exists():
        return None
    try:
        text = paths.read_text(path, paths.MAX_JSON_BYTES, roots)
    except paths.PathError:
        return previous
    try:
        data = json.loads(text)
    except ValueError:
        return previous
    return data if isinstance(data, dict) else previous


def snapshot_problem(path: str | Path, roots: Sequence[Path]) -> str | None:
    """Why the snapshot file may not be read (one line naming the file, never its
    content): outside ``roots`` after following links, or an existing file that is not a
    regular file of at most :data:`sim.paths.MAX_JSON_BYTES`. None when it may be read (or
    does not exist yet)."""
    try:
        if paths.confine(path, roots).exists():
            paths.check_file(path, paths.MAX_JSON_BYTES, roots)
    except paths.PathError as exc:
        return str(exc)
    return None


def version_note(snapshot: dict[str, Any]) -> str | None:
    """A warning when the snapshot is not of the version this page reads (None if it is)."""
    version = snapshot.get("version")
    if version == SNAPSHOT_VERSION:
        return None
    return (
        f"This snapshot is version {version}; the page reads version {SNAPSHOT_VERSION} and "
        "shows what it recognises."
    )


def _records(snapshot: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The list of objects under ``key`` (anything else in it skipped)."""
    value = snapshot.get(key)
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def as_number(value: Any) -> float | None:
    """A JSON number as a float (None for null, text, booleans, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(value) else float(value)


def fmt_count(value: Any) -> str:
    """A count for a metric: ``1,234``, or ``-`` when it is missing."""
    number = as_number(value)
    if number is None:
        return "-"
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"


def fmt_share(value: Any) -> str:
    """A fraction as a percentage: ``0.41`` is ``41.0%``; ``-`` when missing."""
    number = as_number(value)
    return "-" if number is None else f"{number:.1%}"


def fmt_number(value: Any) -> str:
    """A number without a known unit, compactly (``20.1``, ``1,234``, ``-``)."""
    number = as_number(value)
    if number is None:
        return "-" if value is None or isinstance(value, float) else str(value)
    if number.is_integer() or abs(number) >= 1e4:
        return f"{number:,.0f}"
    return f"{number:,.3g}" if abs(number) >= 1 else f"{number:.3g}"


def fmt_minutes(value: Any) -> str:
    """Minutes left before a deadline: ``42.5 min``, ``3 h 05 min``, ``overdue by 12.0 min``."""
    number = as_number(value)
    if number is None:
        return "-"
    size = abs(number)
    if size < 60:
        text = f"{size:.1f} min"
    else:
        hours, minutes = divmod(int(size), 60)
        text = f"{hours} h {minutes:02d} min"
    return f"overdue by {text}" if number < 0 else text


def fmt_kpi(name: str, value: Any) -> str:
    """A KPI value with the unit its name ends with: ``_share`` as a percentage, ``_h`` in
    hours, ``_min`` in minutes; any other name as a plain number."""
    if as_number(value) is None:
        return fmt_number(value)
    if name.endswith("_share"):
        return fmt_share(value)
    if name.endswith("_h"):
        return f"{fmt_number(value)} h"
    if name.endswith("_min"):
        return f"{fmt_number(value)} min"
    return fmt_number(value)


def kpi_label(name: str) -> str:
    """A KPI name for a person: the unit suffix (shown with the value) dropped, ``_`` as
    spaces (``lead_time_mean_h`` is ``lead time mean``)."""
    for suffix in ("_h", "_min"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return name.replace("_", " ")


def fmt_clock(value: Any) -> str:
    """A simulated time (ISO text) as ``Wed 01 Dec 2010 10:15``; other text as it is."""
    if not isinstance(value, str):
        return "-"
    try:
        return datetime.fromisoformat(value).strftime("%a %d %b %Y %H:%M")
    except ValueError:
        return value


def status_text(snapshot: dict[str, Any]) -> str:
    """The replay's status for a person."""
    status = snapshot.get("status")
    return STATUS_TEXT.get(str(status), str(status or "unknown"))


#: Label of the orders closed without being shipped or lost (cancelled, refused...).
OTHER = "Closed, not shipped"


def counts(snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    """The metrics row: (label, formatted count) for placed, in progress, shipped, lost and
    at risk; with the orders closed otherwise when there are any, so that placed = in
    progress + shipped + lost + closed otherwise (at risk is a part of in progress)."""
    orders = snapshot.get("orders") if isinstance(snapshot.get("orders"), dict) else {}
    out = [
        (label, fmt_count(orders.get(key) if key else snapshot.get("n_at_risk")))
        for label, key in COUNTS
    ]
    parts = [as_number(orders.get(k)) for k in ("placed", "in_progress", "shipped", "lost")]
    if all(v is not None for v in parts):
        placed, in_progress, shipped, lost = parts
        other = placed - in_progress - shipped - lost
        if other > 0:
            out.insert(4, (OTHER, fmt_count(other)))
    return out


def ended_text(snapshot: dict[str, Any], how: str) -> str:
    """The status line of a replay started here that has ended (``how``: ``stopped``,
    ``finished`` or ``failed``), whatever its last snapshot still says."""
    clock = fmt_clock(snapshot.get("sim_clock"))
    return {
        "stopped": f"Stopped by you at simulated time {clock}",
        "finished": "Done: every order has been replayed",
    }.get(how, f"Failed at simulated time {clock}")


def stage_frame(snapshot: dict[str, Any]) -> pd.DataFrame:
    """One row per stage, in the snapshot's order: ``stage``, ``role``, ``queue``, ``busy``,
    ``on_duty`` (those present), then any other key the stages carry."""
    rows = _records(snapshot, "stages")
    keys: list[str] = [c for c in STAGE_COLUMNS if any(c in r for r in rows)]
    for row in rows:
        keys += [k for k in row if k not in keys]
    return pd.DataFrame(rows, columns=keys)


def stage_chart_frame(snapshot: dict[str, Any]) -> pd.DataFrame:
    """Queue and busy per stage, indexed by stage, for a grouped bar chart (empty when the
    stages have no name)."""
    frame = stage_frame(snapshot)
    if "stage" not in frame.columns:
        return pd.DataFrame()
    series = [c for c in ("queue", "busy") if c in frame.columns]
    out = frame.set_index("stage")[series].apply(pd.to_numeric, errors="coerce")
    return out.fillna(0)


def history_frame(snapshot: dict[str, Any]) -> pd.DataFrame:
    """The history as series indexed by simulated time: queue, in progress and shipped
    (those present; rows whose time cannot be read dropped)."""
    rows = _records(snapshot, "history")
    frame = pd.DataFrame(rows)
    if frame.empty or "sim_clock" not in frame.columns:
        return pd.DataFrame()
    frame["sim_clock"] = pd.to_datetime(frame["sim_clock"], errors="coerce")
    frame = frame.dropna(subset=["sim_clock"]).set_index("sim_clock").sort_index()
    series = [c for c in HISTORY_SERIES if c in frame.columns]
    out = frame[series].apply(pd.to_numeric, errors="coerce")
    out.index.name = "simulated time"
    return out.rename(columns=HISTORY_SERIES)


def _sort_key(minutes: Any) -> tuple[bool, float]:
    """Soonest first, orders without a time left last."""
    number = as_number(minutes)
    return number is None, number if number is not None else 0.0


def at_risk_frame(snapshot: dict[str, Any]) -> pd.DataFrame:
    """The orders at risk of missing their ship-by time, soonest first, formatted: order,
    service, stage, ship by, time left; in a replay also "shop order", the shop's own order
    number (``source_order_id``), second."""
    rows = _records(snapshot, "at_risk")
    rows = sorted(rows, key=lambda r: _sort_key(r.get("minutes_left")))
    shop = any(r.get("source_order_id") not in (None, "") for r in rows)
    columns = ["order", *(["shop order"] if shop else []), "service", "stage", "ship by"]
    return pd.DataFrame(
        [
            {
                "order": r.get("order_id"),
                **({"shop order": r.get("source_order_id")} if shop else {}),
                "service": r.get("service"),
                "stage": r.get("stage"),
                "ship by": fmt_clock(r.get("ship_by")),
                "time left": fmt_minutes(r.get("minutes_left")),
            }
            for r in rows
        ],
        columns=[*columns, "time left"],
    )


def kpi_rows(snapshot: dict[str, Any]) -> list[dict[str, str]]:
    """The KPIs so far, one ``{"KPI": label, "value": text}`` per key, in the snapshot's
    order, values formatted by unit (null as ``-``)."""
    kpis = snapshot.get("kpis")
    if not isinstance(kpis, dict):
        return []
    return [{"KPI": kpi_label(str(k)), "value": fmt_kpi(str(k), v)} for k, v in kpis.items()]


def is_stale(status: Any, age_s: float, limit_s: float = 10.0) -> bool:
    """Whether a snapshot of a replay said to be running or waiting has not been rewritten
    for more than ``limit_s`` wall-clock seconds (it is rewritten about every second)."""
    return status in ("running", "waiting") and age_s > limit_s

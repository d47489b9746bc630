"""The stations drawn on the warehouse floor and the figures labelled on them."""

from __future__ import annotations

from typing import Any

#: Station (resource) -> the step whose queue it serves.
STATION_STEPS = {
    "pickers": "pick",
    "packers": "pack",
    "label_printers": "label",
    "sorters": "sort",
    "consolidators": "consolidate",
}


def station_stats(kpis: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Utilisation and mean/max queue per drawn station, from a run's KPIs."""
    out = {}
    for station, step in STATION_STEPS.items():
        util = kpis.get(f"utilisation_{station}")
        if util is None:
            continue
        out[station] = {
            "utilisation": util,
            "queue_mean": kpis.get(f"queue_mean_{step}") or 0.0,
            "queue_max": kpis.get(f"queue_max_{step}") or 0.0,
        }
    return out

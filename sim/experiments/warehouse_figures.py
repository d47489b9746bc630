"""The warehouse pictures of an experiment's report: the floor of the scenario the report leads
with (a sizing's recommended staffing, an equal-service comparison's first answer, otherwise
the first scenario) with its pick heat and station loads, and its staff's timeline (and
waves), from its first replication.

The run store keeps KPIs and orders, not every step, so ``omsim report`` runs replication 0 of
that scenario again (a run is a pure function of scenario, seed and replication: it is the
stored run) and writes the pictures into ``<run_dir>/warehouse/`` once, beside a
``captions.json``; :mod:`analysis.reports.report` embeds whatever it finds there.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sim import paths
from sim.atomic import write_text_atomic
from sim.config import Scenario
from sim.experiments.store import RunStore

log = logging.getLogger(__name__)

FOLDER = "warehouse"


def warehouse_figures_current(store: RunStore) -> bool:
    """Whether the store's warehouse pictures exist and are newer than its manifest."""
    captions = store.root / FOLDER / "captions.json"
    manifest = store.root / "manifest.json"
    if not (captions.is_file() and captions.stat().st_mtime_ns >= manifest.stat().st_mtime_ns):
        return False
    try:  # a damaged captions file is not current: the pictures are drawn again
        found = json.loads(paths.read_text(captions, paths.MAX_JSON_BYTES))
    except (OSError, ValueError):
        return False
    return isinstance(found, dict) and all(isinstance(v, str) for v in found.values())


def drawn_scenario(store: RunStore) -> dict[str, str] | None:
    """The stored scenario the pictures show: a sizing's recommended staffing, the first
    answer of an equal-service comparison, otherwise the first scenario (None: empty)."""
    from analysis.reports.equal_service import focus_labels
    from analysis.reports.sizing import focus_staffings

    scenarios = store.scenarios()
    summary = store.manifest.get("summary") or {}
    kind = store.manifest.get("kind")
    wanted = focus_staffings(summary)[:1] if kind == "size" else focus_labels(summary)[:1]
    for label in wanted:
        for s in scenarios:
            if s["name"] == label:
                return s
    return scenarios[0] if scenarios else None


def write_warehouse_figures(store: RunStore) -> list[Path]:
    """Run replication 0 of :func:`drawn_scenario` and draw its layout heat map and the
    staff timeline of its busiest day; returns the files written (none for an empty store)."""
    from analysis.importers.history import history_of
    from analysis.plots.layout import draw_layout, save
    from analysis.plots.stations import station_stats
    from analysis.plots.timelines import (
        wave_segments,
        wave_timeline_figure,
        worker_segments,
        worker_timeline_figure,
    )
    from sim.experiments.runner import kpis_of
    from sim.model import Model
    from sim.order_lines import picks_per_slot, regenerate_lines

    first = drawn_scenario(store)
    if first is None:
        return []
    scenario = Scenario.model_validate(store.scenario_dict(first["key"]))
    seed = int(store.manifest.get("settings", {}).get("seed", 1))
    history = history_of(scenario)
    model = Model(scenario, seed, 0, replay_history=history)
    result = model.run()
    kpis = kpis_of(result)
    o = result.orders
    n = int(o.filter(o["order_id"] < 2**31)["order_id"].max() or 0) + 1
    _, lines = regenerate_lines(scenario, seed, 0, n, history)
    heat = picks_per_slot(lines, o, model.layout.n_slots)
    out = store.root / FOLDER
    out.mkdir(exist_ok=True)
    captions: dict[str, str] = {}
    name = first["name"]

    def keep(file: str, fig, caption: str) -> None:
        save(fig, out / file)
        captions[file] = caption

    keep(
        "layout.png",
        draw_layout(
            model.scenario,
            heat=heat,
            stations=station_stats(kpis),
            title=f"{name}: picks per slot, replication 0",
        ),  # fmt: skip
        f"The warehouse of {name} to scale (the front area with packing, printers and the dock "
        "is schematic): each slot shaded by the lines picked from it over the run "
        "(replication 0), each station labelled with its utilisation and mean (max) queue.",
    )
    picks = result.steps.filter(result.steps["step"] == "pick")
    days = (picks["t_start"].drop_nulls() // 1440).cast(int)
    day = int(days.mode().sort()[0]) if days.len() else 0
    seg = worker_segments(
        result.steps, result.roster, o, day=day,
        walking_speed_m_per_s=model.scenario.picking.walking_speed_m_per_s,
    )  # fmt: skip
    if seg.height:
        keep(
            "timeline.png",
            worker_timeline_figure(seg, title=f"{name}: day {day}, replication 0"),
            f"Each worker's day {day} (the day with most picking) in {name}: picking, "
            "travelling, packing and other work, idle time on duty and breaks.",
        )
    waves = wave_segments(result.steps, o)
    if waves.height:
        keep(
            "waves.png",
            wave_timeline_figure(waves, title=f"{name}: waves, replication 0"),
            f"The waves of {name}: from release to the last order consolidated, picking and "
            "consolidation shaded apart.",
        )
    write_text_atomic(out / "captions.json", json.dumps(captions, indent=1))
    return [out / f for f in captions]

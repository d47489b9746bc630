"""Layout page: a scenario's warehouse drawn to scale; with a stored run of it, each slot shaded
by its picks, each station labelled with its load, sample pick tours and the staff's day.

The pictures are drawn by ``omsim layout`` and ``omsim timeline`` in a subprocess (the app
never imports SimPy) and kept beside the run; a run is simulated here with ``omsim run`` into
``runs/layout-<scenario>-<days>d`` when there is none yet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import streamlit as st

from app_pages import common, scenario_info
from app_pages.messages import for_user
from sim import paths
from sim.run_dir_check import run_manifest_problem

DAY_OPTIONS = (1, 3, 7, 14)


def layout_runs(runs_root: Path, scenario: str) -> list[Path]:
    """Run directories (``omsim run --out``) in the run store made from a scenario of that
    name, newest first."""
    if not runs_root.is_dir():
        return []
    out = []
    for d in runs_root.iterdir():
        m = d / "manifest.json"
        if not (d.is_dir() and m.is_file() and (d / "steps.parquet").is_file()):
            continue
        try:
            found = json.loads(paths.read_text(m, paths.MAX_JSON_BYTES))
        except (OSError, ValueError):
            continue
        if run_manifest_problem(found) is not None:  # damaged: not offered
            continue
        name = found["scenario"]["name"]
        if name == scenario:
            out.append(d)
    return sorted(out, key=lambda p: p.stat().st_mtime, reverse=True)


def run_days_args(manifest: dict[str, Any]) -> list[str]:
    """``--days N`` for ``omsim layout --run``: the run's own simulated days, read from the
    scenario its manifest stores (a run of 3 or 7 days is drawn as made, not as the file's
    default length); nothing when the manifest does not say."""
    days = ((manifest.get("scenario") or {}).get("simulation") or {}).get("horizon_days")
    if isinstance(days, bool) or not isinstance(days, int | float):
        return []
    return ["--days", common.number_text(int(days) if float(days).is_integer() else days)]


def _picture(args: list[str], path: Path, what: str) -> None:
    """Draw (once) and show a picture; an error is one line."""
    if not path.exists():
        with st.spinner(f"Drawing the {what}..."):
            code, last = common.run_omsim_quietly([*args, "-o", str(path)])
        if code != 0:
            st.error(f"Cannot draw the {what}: {for_user(last)}")
            return
    st.image(str(path))


def main() -> None:
    """The Layout page."""
    st.title("Layout")
    st.caption(
        "The warehouse to scale: aisles and slots, zones, the depot and the stations. With a "
        "run, each slot is shaded by its picks, each station shows its utilisation and queue, "
        "and sample pick tours and the staff's day are drawn. Command line: omsim layout "
        "SCENARIO --run DIR --tours -o layout.png; omsim timeline DIR -o timeline.png."
    )
    root = common.scenarios_root()
    files = common.scenario_files(root)
    if not files:
        st.info(f"No scenario files in {root}.")
        return
    name = st.selectbox(
        "Scenario",
        files,
        key=common.remembered("layout_scenario", files[0], files),
        format_func=scenario_info.label,
    )
    common.remember("layout_scenario")
    scenario = common.inside(root, name, ".toml")
    runs = common.runs_root()
    found = layout_runs(runs, name)
    labels = ["none: the empty floor"] + [d.name for d in found]
    if (pending := st.session_state.pop("_layout_pending_run", None)) in labels:
        st.session_state["layout_run"] = pending  # set before the widget exists, never after
    choice = st.selectbox("Stored run", labels, key="layout_run")
    days = st.select_slider("Days to simulate for a new run", DAY_OPTIONS, value=3)
    if st.button("Simulate a run of this scenario", type="primary"):
        out = runs / f"layout-{name}-{days}d"
        with st.spinner(f"Simulating {days} days of {name}..."):
            code, last = common.run_omsim_quietly(
                ["run", str(scenario), "--days", str(days), "--out", str(out), "--force"]
            )
        if code != 0:
            st.error(f"The run failed: {for_user(last)}")
        else:
            st.session_state["_layout_pending_run"] = out.name
            st.rerun()
    if choice == labels[0]:
        cache = runs / ".layout"
        cache.mkdir(parents=True, exist_ok=True)
        stamp = scenario.stat().st_mtime_ns
        _picture(["layout", str(scenario)], cache / f"{name}-{stamp}.png", "layout")
        return
    run_dir = common.run_store_dir(choice)
    stamp = scenario.stat().st_mtime_ns
    manifest = json.loads(paths.read_text(run_dir / "manifest.json", paths.MAX_JSON_BYTES))
    _picture(
        ["layout", str(scenario), "--run", str(run_dir), "--tours", *run_days_args(manifest)],
        run_dir / f"layout-{stamp}.png",
        "layout heat map",
    )
    end = manifest.get("end_min", 1440.0)
    n_days = max(1, int(-(-float(end) // 1440)))
    day = st.number_input("Day of the timeline", 0, n_days - 1, value=min(1, n_days - 1))
    _picture(["timeline", str(run_dir), "--day", str(day)], run_dir / f"timeline-{day}.png",
             "timeline")  # fmt: skip
    waves = run_dir / f"timeline-{day}_waves.png"
    if waves.exists():
        st.image(str(waves))


main()

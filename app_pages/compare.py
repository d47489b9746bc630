"""Compare page: choose scenarios, replications and seed, run ``omsim compare`` with a progress
bar, and show the KPI table and the figures. A comparison already in the run store (same
scenario fingerprints, seed, replications and warm-up) is opened, not recomputed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import streamlit as st

from app_pages import common, scenario_info
from app_pages.compare_view import open_view, render
from app_pages.run_estimate import days_of_orders, estimate
from sim.scenario import ScenarioError, load_scenario

#: Chosen by default when the folder has them: the four picking methods.
DEFAULT_SCENARIOS = ("single", "batch", "zone", "wave")


@st.cache_data(show_spinner=False, max_entries=512)
def fingerprint(path: str, stamp: tuple, overrides: str, roots: tuple[str, ...]) -> str:
    """The fingerprint of a scenario file with the page's overrides (JSON), validated by
    the schema and its files confined to ``roots`` (:class:`ScenarioError` otherwise)."""
    del stamp  # part of the cache key only
    return load_scenario(path, json.loads(overrides), roots=[Path(r) for r in roots]).fingerprint()


def _settings(files: list[str]) -> dict[str, Any]:
    """The page's inputs."""
    default = [f for f in DEFAULT_SCENARIOS if f in files] or files[:2]
    chosen = st.multiselect(
        "Scenarios (the first is the reference the others are compared with)",
        files,
        key=common.remembered("compare_scenarios", default, files),
        format_func=scenario_info.label,
        help="Each scenario file describes one way of running the warehouse; edit them on the "
        "Scenarios page.",
    )
    common.remember("compare_scenarios")
    cols = st.columns(5)
    with cols[0]:
        st.number_input(
            "Replications",
            step=1,
            key=common.remembered("compare_reps", 3),
            help="Runs per scenario; replication k of every scenario sees the same "
            "orders (common random numbers).",
        )
    with cols[1]:
        st.number_input("Seed", step=1, key=common.remembered("compare_seed", 1))
    with cols[2]:
        st.number_input(
            "Warm-up weeks",
            min_value=1,
            step=1,
            key=common.remembered("compare_warmup", 1),
            help="Whole weeks simulated before the measured ones (the weekly start-up from an "
            "empty warehouse); their orders are left out of the KPIs.",
        )
    with cols[3]:
        st.number_input(
            "Measured weeks (0: plain runs of the files' days)",
            min_value=0,
            step=1,
            key=common.remembered("compare_weeks", 2),
            help="Steady state: the KPIs score the orders placed in these weeks, orders arriving "
            "throughout and for a 7-day tail. 0: the files' horizon and drain days.",
        )
    with cols[4]:
        st.number_input(
            "Orders per day (0: as in the files)",
            step=100.0,
            format="%g",
            key=common.remembered("compare_volume", 0.0),
            help="Overrides demand.orders_per_day in every scenario.",
        )
    values = {
        k: common.remember(f"compare_{k}") for k in ("reps", "seed", "warmup", "weeks", "volume")
    }
    overrides: dict[str, float] = {}
    if values["volume"]:
        overrides["demand.orders_per_day"] = float(values["volume"])
    return {"chosen": chosen, "overrides": overrides, **values}


def _command(paths: list[Path], s: dict[str, Any]) -> list[str]:
    """The ``omsim compare`` arguments of the settings (``--out`` and ``--resume`` are added
    by :func:`common.run_and_show`)."""
    args = [
        "compare",
        *map(str, paths),
        "-r",
        str(int(s["reps"])),
        "--seed",
        str(int(s["seed"])),
    ]
    if s["weeks"]:
        args += ["--warmup-weeks", str(int(s["warmup"])), "--weeks", str(int(s["weeks"]))]
    else:
        args += ["--plain"]
    if "demand.orders_per_day" in s["overrides"]:
        volume = common.number_text(s["overrides"]["demand.orders_per_day"])
        args += ["--set", f"demand.orders_per_day={volume}"]
    return args


def _experiment(root: Path, s: dict[str, Any]) -> tuple[list[Path], Path] | None:
    """The chosen scenario files and the run directory of the experiment the settings
    describe (None, after showing the schema's message, when a scenario is invalid)."""
    paths = [common.inside(root, name, ".toml") for name in s["chosen"]]
    stamp = common.folder_stamp(root)
    try:
        roots = tuple(map(str, common.app_roots()))
        prints = [fingerprint(str(p), stamp, json.dumps(s["overrides"]), roots) for p in paths]
    except ScenarioError as exc:
        st.error(str(exc), icon="⚠️")
        return None
    spec = {
        "scenarios": prints,
        "labels": s["chosen"],
        "seed": s["seed"],
        "replications": s["reps"],
        "warmup_weeks": s["warmup"],
        "weeks": s["weeks"],
    }
    return paths, common.experiment_dir("compare", spec)


INTRO = """
**omsim** simulates an online shop's order process, from the order placed to the parcel
with the carrier (picking, packing, shipping, returns), with your staff, shifts and volumes.
This page runs several scenarios on the same orders and tells you which is better, by how
much, and whether the difference is more than chance. The four picking methods are chosen to
start with: press **Run comparison**. Other pages: **Scenarios** edits the files, **Staff
sizing** finds the cheapest staffing that meets your service targets, **Sweep** tries the
methods over order volumes, **Runs and reports** keeps every result, **Layout** draws the
warehouse, **Live** replays an order file.
"""


def intro(root: Path, files: list[str]) -> None:
    """What the app does, and the scenarios of the folder with their own descriptions."""
    st.markdown(INTRO)
    with st.expander(f"The {len(files)} scenario files and what each one is"):
        infos = scenario_info.infos(root)
        for stem in files:
            info = infos[stem]
            text = info.problem or info.description or "(no description in the file)"
            st.markdown(f"- **{stem}**: {text}")


def _estimate_text(s: dict[str, Any]) -> str:
    """The chosen experiment's size and expected duration, before it runs."""
    infos = scenario_info.infos()
    chosen = [infos[c] for c in s["chosen"] if c in infos]
    volume = float(s["volume"] or 0)
    days = [days_of_orders(i.horizon_days, int(s["warmup"]), int(s["weeks"])) for i in chosen]
    per_day = [volume or i.orders_per_day for i in chosen]
    return f"This comparison: {estimate(per_day, days, int(s['reps'])).text()}."


def main() -> None:
    """The Compare page (the start page)."""
    st.title("Compare scenarios")
    root = common.scenarios_root()
    files = common.scenario_files(root)
    if not files:
        st.warning(f"No scenario files in {root}.")
        return
    intro(root, files)
    s = _settings(files)
    if not s["chosen"]:
        st.info("Choose at least one scenario.")
        return
    experiment = _experiment(root, s)
    if experiment is None:
        return
    paths, run_dir = experiment
    status = common.store_status(run_dir)
    label = "Show the stored comparison" if status == "complete" else "Run comparison"
    if status != "complete":
        st.caption(_estimate_text(s))
    run_name = common.run_name_input("compare_name")
    if st.button(label, type="primary") and status != "complete":
        status = common.run_and_show(
            _command(paths, s), run_dir, status, int(s["reps"]), "Simulating", name=run_name
        )
    if status in common.FINISHED:
        st.session_state["compare_last"] = run_dir.name
        view = open_view(str(run_dir), common.store_stamp(run_dir))
    elif (last := st.session_state.get("compare_last")) and common.store_status(
        last_dir := common.run_store_dir(last)
    ) in common.FINISHED:
        st.info(
            "Showing the last comparison; its settings differ from the ones above. Press "
            "Run comparison to compute these."
        )
        view = open_view(str(last_dir), common.store_stamp(last_dir))
    else:
        view = None
    if view is not None:
        render(view)


main()

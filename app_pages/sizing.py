"""Staff sizing page: SLA targets in, the cheapest staffing per shift out. Runs ``omsim size``
(the search and the SLA checks are the CLI's) and shows the cost/SLA frontier and the
recommended plan. A sizing already in the run store is opened, not recomputed."""

from __future__ import annotations

import typing

import streamlit as st

from app_pages import common, scenario_info
from app_pages.sizing_view import render, sizing_view
from sim.config import Role
from sim.experiments.steady import Measurement, MeasurementError
from sim.experiments.store import StoreError
from sim.scenario import ScenarioError
from sim.shift_names import horizon_warning

ROLES = list(typing.get_args(Role))
DEFAULT_SLAS = "shipped_by_target_pickup >= 95%\ntime_to_ship_p95 <= 48h"


def main() -> None:
    """The Staff sizing page."""
    st.title("Staff sizing")
    st.caption(
        "The cheapest headcount per shift that meets every SLA with 95% confidence "
        "(one-sided bound over replications, common random numbers)."
    )
    root = common.scenarios_root()
    files = common.scenario_files(root)
    if not files:
        st.warning(f"No scenario files in {root}.")
        return
    default = "baseline" if "baseline" in files else files[0]
    left, right = st.columns(2)
    with left:
        st.selectbox(
            "Scenario",
            files,
            key=common.remembered("size_scenario", default, files),
            format_func=scenario_info.label,
        )
        st.text_area(
            "SLA targets, one per line",
            key=common.remembered("size_slas", DEFAULT_SLAS),
            help="'KPI >= value' or 'KPI <= value': shares as % or fractions, durations with "
            "d, h, min or s, e.g. 'shipped_same_day >= 40%', 'lead_time_p95 <= 4d'.",
        )
    with right:
        st.multiselect(
            "Roles to size (their shifts)",
            ROLES,
            key=common.remembered("size_roles", ["pickers", "packers"], ROLES),
        )
        cols = st.columns(3)
        with cols[0]:
            st.number_input(
                "Max headcount per shift", step=1, key=common.remembered("size_max", 20)
            )
        with cols[1]:
            st.number_input("Replications", step=1, key=common.remembered("size_reps", 3))
        with cols[2]:
            st.number_input("Seed", step=1, key=common.remembered("size_seed", 1))
        cols = st.columns(2)
        with cols[0]:
            st.number_input(
                "Measured weeks (0: a plain run of the file's days)",
                min_value=0,
                step=1,
                key=common.remembered("size_weeks", 2),
                help="Steady state: 1 warm-up week, then the KPIs score the orders placed in these "
                "weeks, orders arriving throughout and for a 7-day tail. 0: the file's horizon "
                "and drain days.",
            )
        with cols[1]:
            st.number_input(
                "Extra staffings to prove the cheapest",
                step=1,
                key=common.remembered("size_budget", 10),
                help="omsim size --global-budget",
            )
    keys = ("scenario", "slas", "roles", "max", "reps", "seed", "weeks", "budget")
    s = {k: common.remember(f"size_{k}") for k in keys}
    slas = [line.strip() for line in str(s["slas"]).splitlines() if line.strip()]
    path = common.inside(root, s["scenario"], ".toml")
    overrides: dict[str, float] = {}
    try:
        loaded = common.load_confined(path, overrides)
    except ScenarioError as exc:
        st.error(str(exc), icon="⚠️")
        return
    scenario = loaded.fingerprint()
    sized = [i for i, sh in enumerate(loaded.staffing.shifts) if sh.role in s["roles"]]
    steady = s["weeks"] and not loaded.replay.orders  # a replay runs its file's days
    measured = Measurement(True, 1, int(s["weeks"]), 7) if steady else Measurement.plain()
    try:
        measured_scenario = measured.apply(loaded)  # refuses a run too large to hold
    except (ScenarioError, MeasurementError) as exc:
        st.error(str(exc).removeprefix("omsim: "), icon="⚠️")
        return
    uncovered = horizon_warning(measured_scenario, sized, measured.warmup_days)
    if uncovered is not None:
        st.warning(
            uncovered.removeprefix("warning: ").replace(
                "--days", "'Measured weeks' (or the file's horizon_days)"
            )
        )
    spec = {
        "scenario": scenario,
        "slas": slas,
        "roles": s["roles"],
        "max": s["max"],
        "replications": s["reps"],
        "seed": s["seed"],
        "weeks": s["weeks"],
        "budget": s["budget"],
    }
    run_dir = common.experiment_dir("size", spec)
    status = common.store_status(run_dir)
    label = "Show the stored sizing" if status == "complete" else "Size the staff"
    ready = bool(slas and s["roles"])
    run_name = common.run_name_input("size_name")
    if st.button(label, type="primary", disabled=not ready) and status != "complete":
        args = [
            "size",
            str(path),
            *[a for sla in slas for a in ("--sla", sla)],
            "--roles",
            ",".join(s["roles"]),
            "--max-headcount",
            str(int(s["max"])),
            "--global-budget",
            str(int(s["budget"])),
            "-r",
            str(int(s["reps"])),
            "--seed",
            str(int(s["seed"])),
        ]
        args += ["--weeks", str(int(s["weeks"]))] if s["weeks"] else ["--plain"]
        status = common.run_and_show(
            args, run_dir, status, int(s["reps"]), "Sizing", planned=False, name=run_name
        )
    if not ready:
        st.info("Give at least one SLA and one role.")
    if status in common.FINISHED:
        try:
            render(sizing_view(str(run_dir), common.store_stamp(run_dir)))
        except (StoreError, OSError, ValueError) as exc:
            st.error(f"Cannot show this sizing: {exc}")


main()

"""Sweep page: the best picking method by order volume. Runs ``omsim sweep`` over a range of
``demand.orders_per_day`` and a list of ``picking.method`` values on a base scenario and shows
the heatmap of the objective. A sweep already in the run store is opened, not recomputed."""

from __future__ import annotations

import streamlit as st

from analysis.kpis.defs import KPI_DEFS
from app_pages import common, scenario_info
from app_pages.sweep_view import render, sweep_view
from sim.cli.sweep import DEFAULT_OBJECTIVE
from sim.config import PICKING_METHODS
from sim.experiments.store import StoreError
from sim.scenario import ScenarioError

#: KPIs that can decide the best option: those with a better direction.
OBJECTIVES = sorted(name for name, d in KPI_DEFS.items() if d.higher_is_better is not None)


def main() -> None:
    """The Sweep page."""
    st.title("Sweep: best picking method by order volume")
    root = common.scenarios_root()
    files = common.scenario_files(root)
    if not files:
        st.warning(f"No scenario files in {root}.")
        return
    base_default = "baseline" if "baseline" in files else files[0]
    cols = st.columns(4)
    with cols[0]:
        st.selectbox(
            "Base scenario",
            files,
            key=common.remembered("sweep_base", base_default, files),
            format_func=scenario_info.label,
        )
    with cols[1]:
        st.number_input("Orders per day from", step=100, key=common.remembered("sweep_from", 1000))
    with cols[2]:
        st.number_input("to", step=100, key=common.remembered("sweep_to", 4000))
    with cols[3]:
        st.number_input("in steps of", step=100, key=common.remembered("sweep_step", 1000))
    st.multiselect(
        "Picking methods",
        list(PICKING_METHODS),
        key=common.remembered("sweep_methods", list(PICKING_METHODS), PICKING_METHODS),
    )
    cols = st.columns(4)
    with cols[0]:
        objective = DEFAULT_OBJECTIVE if DEFAULT_OBJECTIVE in OBJECTIVES else OBJECTIVES[0]
        key = common.remembered("sweep_objective", objective, OBJECTIVES)
        st.selectbox(
            "Objective (KPI)",
            OBJECTIVES,
            key=key,
            help="\n".join(f"- **{k}**: {common.kpi_help(k)}" for k in OBJECTIVES),
        )
        st.caption(common.kpi_help(st.session_state[key]))
    with cols[1]:
        st.number_input("Replications", step=1, key=common.remembered("sweep_reps", 3))
    with cols[2]:
        st.number_input("Seed", step=1, key=common.remembered("sweep_seed", 1))
    with cols[3]:
        st.number_input(
            "Measured weeks (0: a plain run of the file's days)",
            min_value=0,
            step=1,
            key=common.remembered("sweep_weeks", 2),
            help="Steady state: 1 warm-up week, then the KPIs score the orders placed in these "
            "weeks, orders arriving throughout and for a 7-day tail. 0: the file's horizon "
            "and drain days.",
        )
    keys = ("base", "from", "to", "step", "methods", "objective", "reps", "seed", "weeks")
    s = {k: common.remember(f"sweep_{k}") for k in keys}
    path = common.inside(root, s["base"], ".toml")
    overrides: dict[str, float] = {}
    try:
        base = common.load_confined(path, overrides).fingerprint()
    except ScenarioError as exc:
        st.error(str(exc), icon="⚠️")
        return
    volumes = f"{int(s['from'])}:{int(s['to'])}:{int(s['step'])}"
    methods = ",".join(s["methods"])
    spec = {
        "base": base,
        "volumes": volumes,
        "methods": methods,
        "objective": s["objective"],
        "replications": s["reps"],
        "seed": s["seed"],
        "weeks": s["weeks"],
    }
    run_dir = common.experiment_dir("sweep", spec)
    status = common.store_status(run_dir)
    label = "Show the stored sweep" if status == "complete" else "Run sweep"
    run_name = common.run_name_input("sweep_name")
    if st.button(label, type="primary", disabled=not s["methods"]) and status != "complete":
        args = [
            "sweep",
            str(path),
            "--param",
            f"demand.orders_per_day={volumes}",
            "--param",
            f"picking.method={methods}",
            "-r",
            str(int(s["reps"])),
            "--seed",
            str(int(s["seed"])),
            "--objective",
            s["objective"],
        ]
        args += ["--weeks", str(int(s["weeks"]))] if s["weeks"] else ["--plain"]
        status = common.run_and_show(
            args, run_dir, status, int(s["reps"]), "Sweeping", name=run_name
        )
    if status in common.FINISHED:
        try:
            render(sweep_view(str(run_dir), common.store_stamp(run_dir)))
        except (StoreError, OSError, ValueError) as exc:
            st.error(f"Cannot show this sweep: {exc}")


main()

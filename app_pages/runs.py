"""Runs and reports page: the experiments in the run store (from the app or the command line);
open one without recomputing anything and download its HTML report."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import common, compare_view, sizing_view, sweep_view
from app_pages.run_admin import delete_run, label_of, set_label, shown_status
from sim.experiments.store import StoreError, list_stores


def _safe(name: str) -> bool:
    """Whether a run directory's name is safe and it lies in the run store (a symbolic link
    to elsewhere does not)."""
    try:
        common.run_store_dir(name)
    except common.UnsafeName:
        return False
    return True


def _open(run_dir: Path, kind: str) -> None:
    """The stored results, shown as the page that computes them shows them."""
    stamp = common.store_stamp(run_dir)
    try:
        if kind == "sweep":
            sweep_view.render(sweep_view.sweep_view(str(run_dir), stamp))
        elif kind == "size":
            sizing_view.render(sizing_view.sizing_view(str(run_dir), stamp))
        elif (view := compare_view.open_view(str(run_dir), stamp)) is not None:
            compare_view.render(view)
    except (StoreError, OSError, ValueError) as exc:
        st.error(f"Cannot show this experiment: {exc}")


def _manage(root: Path, run_dir: Path, label: str) -> None:
    """Rename (label) or delete the chosen experiment; deleting asks for a tick first."""
    name = run_dir.name
    with st.expander("Name or delete this run"):
        left, right = st.columns(2)
        with left:
            typed = st.text_input("Name", label, key=f"runs_label:{name}", max_chars=80)
            if st.button("Save the name", key=f"runs_label_save:{name}"):
                try:
                    kept = set_label(run_dir, typed)
                except (StoreError, OSError) as exc:
                    st.error(f"Cannot name this run: {exc}")
                else:
                    st.toast(f"Named {name}: {kept}" if kept else f"Removed the name of {name}")
                    st.rerun()
        with right:
            sure = st.checkbox(
                f"Yes, delete {name} and all its results", key=f"runs_delete_sure:{name}"
            )
            if st.button("Delete this run", disabled=not sure, key=f"runs_delete:{name}"):
                try:
                    delete_run(root, run_dir)
                except (ValueError, OSError) as exc:
                    st.error(f"Cannot delete this run: {exc}")
                else:
                    st.session_state["runs_flash"] = f"Deleted {name}."
                    st.session_state.pop("runs_open", None)
                    st.session_state.get("_kept", {}).pop("runs_open", None)
                    st.rerun()


def rows_of(stores: list[dict]) -> list[dict]:
    """The table's rows: name, run directory, kind, created, status in words, runs,
    scenarios."""
    labels = {Path(s["path"]).name: label_of(Path(s["path"])) for s in stores}
    rows = [
        {
            "name": labels[Path(s["path"]).name],
            "run directory": Path(s["path"]).name,
            "kind": s["kind"],
            "created": s["created"],
            "status": shown_status(s["status"])
            + (f" ({s['failures']} failed)" if s["failures"] else "")
            + (f": {s['damaged']}" if s["damaged"] else ""),
            "runs": s["runs"],
            "scenarios": ", ".join(s["scenarios"][:4])
            + (f" (+{len(s['scenarios']) - 4} more)" if len(s["scenarios"]) > 4 else ""),
        }
        for s in stores
    ]
    return rows


def _table(root: Path) -> None:
    """The stored experiments as a table (re-read on each call)."""
    stores = [s for s in list_stores(root) if _safe(Path(s["path"]).name)]
    st.dataframe(pd.DataFrame(rows_of(stores)), hide_index=True, width="stretch")
    counts = Counter(shown_status(s["status"]) for s in stores)
    st.caption("Status: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))


def main() -> None:
    """The Runs and reports page."""
    st.title("Runs and reports")
    root = common.runs_root()
    stores = [s for s in list_stores(root) if _safe(Path(s["path"]).name)]
    st.caption(
        f"Experiments stored in {root}, newest first: from the app or the command line. "
        "Open one to see its results as computed (nothing is rerun), download its report, "
        "name it or delete it. A run stopped before its end (its page was left) shows as "
        "cancelled; starting the same experiment again resumes it."
    )
    if flash := st.session_state.pop("runs_flash", None):
        st.success(flash)
    if not stores:
        st.info(
            "No experiment stored yet: run one on the Compare, Staff sizing or Sweep page, "
            "or with omsim compare / size / sweep."
        )
        return
    running = any(s["status"] == "running" for s in stores)
    # a run still going (or being stopped as its page was left) is followed every 2 s
    st.fragment(_table, run_every=2.0 if running else None)(root)
    labels = {Path(s["path"]).name: label_of(Path(s["path"])) for s in stores}
    kinds = {Path(s["path"]).name: s["kind"] for s in stores}
    names = [Path(s["path"]).name for s in stores if not s["damaged"]]
    if not names:
        st.info("Every stored experiment is damaged (see its status): nothing to open.")
        return
    name = st.selectbox(
        "Open",
        names,
        key=common.remembered("runs_open", names[0], names),
        format_func=lambda n: f"{labels[n]} ({n})" if labels.get(n) else n,
    )
    common.remember("runs_open")
    run_dir = common.run_store_dir(name)
    _manage(root, run_dir, labels[name])
    st.download_button(
        "Download the HTML report",
        lambda: common.report_bytes(run_dir),
        file_name=f"{name}.html",
        mime="text/html",
        on_click="ignore",
        type="primary",
    )
    _open(run_dir, kinds[name])


main()

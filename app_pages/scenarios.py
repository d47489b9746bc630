"""Scenarios page: browse the scenarios folder, edit a scenario's main parameters, upload a
TOML file, download or save the edited one. The schema validates; its message is shown next
to the widget it is about."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import common, scenario_info
from app_pages.scenario_editor import Slots, editor
from app_pages.scenario_files import (
    ScenarioDoc,
    check,
    edited,
    error_key,
    file_text,
    load_file,
    load_upload,
    save,
)
from sim.scenario import ScenarioError


@st.cache_data(show_spinner=False, max_entries=8)
def catalogue(root: str, stamp: tuple) -> list[dict[str, Any]]:
    """One row per scenario file: name, what it is, its base, method and volume (or the
    schema's message when it does not validate)."""
    del stamp  # part of the cache key only
    rows = []
    for stem in common.scenario_files(Path(root)):
        try:
            doc = load_file(Path(root), stem)
        except ScenarioError as exc:
            rows.append({"file": f"{stem}.toml", "problem": str(exc)})
            continue
        full = doc.full
        rows.append(
            {
                "file": f"{stem}.toml",
                "name": full["name"],
                "description": full["description"],
                "base": doc.own.get("base", ""),
                "picking": full["picking"]["method"],
                "orders/day": full["demand"]["orders_per_day"],
                "problem": "",
            }
        )
    return rows


def _select(root: Path, files: list[str]) -> None:
    """The file chooser and the upload; records which scenario the editor shows."""
    state = st.session_state
    if "_pending_file" in state:  # a file just saved, or a switch confirmed: show it
        state["scenario_file"] = state.pop("_pending_file")
    left, right = st.columns(2)
    with left:
        key = common.remembered("scenario_file", files[0] if files else None, files)
        st.selectbox(
            "Scenario file",
            files,
            key=key,
            on_change=_on_file_change,
            format_func=lambda stem: scenario_info.label(stem, root),
        )
        common.remember("scenario_file")
        _confirm_switch()
    with right:
        upload = st.file_uploader(
            f"…or upload a TOML file (at most {common.MAX_UPLOAD_BYTES // 1024} KB)",
            type=["toml"],
            key="scenario_upload",
            max_upload_size=1,
            help="Parsed as TOML only; a 'base' must name a file in the scenarios folder.",
        )
        if upload is not None and upload.file_id != state.get("scenario_upload_seen"):
            state["scenario_upload_seen"] = upload.file_id
            try:
                state["scenario_upload_doc"] = load_upload(
                    root, upload.name, upload.getvalue(), f"upload-{upload.file_id}"
                )
                state.update(scenario_source="upload", scenario_upload_error=None)
            except ScenarioError as exc:
                state["scenario_upload_error"] = str(exc)
        if state.get("scenario_upload_error"):
            st.error(state["scenario_upload_error"], icon="⚠️")


def _on_file_change() -> None:
    """Another file was chosen: with unsaved edits, keep the shown file and ask first."""
    state = st.session_state
    if state.get("scenario_dirty") and state.get("scenario_shown"):
        state["_switch_to"] = state["scenario_file"]
        state["scenario_file"] = state["scenario_shown"]  # allowed in a widget's callback
        return
    state.update(scenario_source="file", scenario_upload_error=None)


def _confirm_switch() -> None:
    """The question asked when the user chose another file with unsaved edits."""
    state = st.session_state
    target = state.get("_switch_to")
    if not target:
        return
    st.warning(
        f"{state.get('scenario_shown')}.toml has unsaved changes. Open {target}.toml and "
        "discard them?",
        icon=":material/warning:",
    )
    yes, no = st.columns(2)
    if yes.button(f"Discard the changes and open {target}.toml", key="scenario_discard"):
        state.pop("_switch_to", None)
        state.update(_pending_file=target, scenario_dirty=False, scenario_source="file")
        st.rerun()
    if no.button("Keep editing", key="scenario_keep"):
        state.pop("_switch_to", None)
        st.rerun()


def _current(root: Path, files: list[str]) -> ScenarioDoc | None:
    """The scenario the editor shows: the last upload, or the chosen file."""
    state = st.session_state
    if state.get("scenario_source") == "upload" and state.get("scenario_upload_doc"):
        return state["scenario_upload_doc"]
    if not files:
        return None
    try:
        return load_file(root, state.get("scenario_file") or files[0])
    except ScenarioError as exc:
        st.error(str(exc), icon="⚠️")
        return None


def renamed(doc: ScenarioDoc, changes: dict[str, Any], stem: str) -> dict[str, Any]:
    """The changes to write when saving as ``stem``: under a new file name, the scenario's
    ``name`` becomes that name too, unless the user typed a name of their own."""
    if stem == doc.stem or "name" in changes:
        return changes
    return {**changes, "name": stem}


def _save_controls(
    root: Path, doc: ScenarioDoc, changes: dict[str, Any], problem: str | None
) -> None:
    """Download the edited file, or save it into the scenarios folder under a safe name
    (Save as: a new file name renames the scenario too)."""
    st.subheader("Download or save")
    left, right = st.columns(2)
    with left:
        typed = st.text_input(
            "File name",
            doc.stem,
            key=f"{doc.token}:save_name",
            help="Type a new name to save a copy (Save as): the scenario takes that name too.",
        )
        try:
            stem = common.clean_name(typed)
        except common.UnsafeName as exc:
            st.error(str(exc), icon="⚠️")
            return
        target = common.inside(root, stem, ".toml")
        changes = renamed(doc, changes, stem)
        text = file_text(doc, changes)
        st.caption(f"Saved as {target.name} in {root}; comments and layout of the file are kept.")
        exists = target.exists()
        overwrite = exists and st.checkbox(
            f"Replace the existing {target.name}", key=f"{doc.token}:overwrite"
        )
    with right:
        st.download_button(
            "Download the edited TOML",
            text,
            file_name=target.name,
            mime="application/toml",
            disabled=problem is not None,
            key=f"{doc.token}:download",
        )
        blocked = problem is not None or (exists and not overwrite)
        clicked = st.button(
            "Save to the scenarios folder" if stem == doc.stem else f"Save as {target.name}",
            disabled=blocked,
            key=f"{doc.token}:save",
        )
        if flash := st.session_state.pop("scenario_flash", None):
            st.success(flash, icon=":material/check_circle:")  # next to the button
    if problem is not None:
        st.caption("Fix the problem shown above to download or save the file.")
    if clicked:
        try:
            save(root, stem, text, overwrite)
        except (ScenarioError, common.UnsafeName, OSError) as exc:
            st.error(str(exc), icon="⚠️")
            return
        message = f"Saved {target.name} in the scenarios folder."
        st.toast(message, icon=":material/check_circle:")
        st.session_state.update(
            _pending_file=stem, scenario_source="file", scenario_flash=message,
            scenario_dirty=False,
        )  # fmt: skip
        st.rerun()


def main() -> None:
    """The Scenarios page."""
    st.title("Scenarios")
    root = common.scenarios_root()
    files = common.scenario_files(root)
    st.caption(
        "Edit a scenario's main parameters, then save it (comments in the file are kept) or "
        "save a copy under a new name. Hover over a field's ⓘ for what it means."
    )
    rows = catalogue(str(root), common.folder_stamp(root))
    st.caption(f"Scenario files in {root}")
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    _select(root, files)
    doc = _current(root, files)
    if doc is None:
        st.info("No scenario to edit: add a .toml file to the scenarios folder or upload one.")
        return
    origin = "uploaded file" if doc.origin == "upload" else "file"
    st.markdown(
        f"Editing the {origin} **{doc.where}**"
        + (f" (based on {doc.own['base']})" if "base" in doc.own else "")
    )
    general = st.empty()
    slots = Slots()
    changes = editor(doc, slots)
    st.session_state["scenario_dirty"] = bool(changes)
    st.session_state["scenario_shown"] = doc.stem if doc.origin == "file" else None
    table = edited(doc.own, changes)
    problem = None
    try:
        check(root, table, doc.where)
    except ScenarioError as exc:
        problem = str(exc)
        if not slots.show(problem, error_key(problem, doc.where)):
            general.error(problem, icon="⚠️")
    if problem is None:
        general.caption(f"{len(changes)} change(s); the scenario is valid.")
    _save_controls(root, doc, changes, problem)


main()

"""Run stores as the app's user manages them: a label of their own (kept in the store's
manifest), a run marked cancelled when its page was left while it ran, and deleting a stored
experiment (only a directory directly inside the runs folder, never a running one).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from sim.experiments.store import MANIFEST, RunStore, StoreError
from sim.experiments.store_manifest import status_of

log = logging.getLogger(__name__)

#: Longest label kept (characters); longer text is cut.
MAX_LABEL = 80

#: Statuses a store is left in by a run that stopped before its end.
STOPPED = ("running", "interrupted")

#: How the Runs page words a status (others are shown as stored).
SHOWN = {
    "interrupted": "cancelled",
    "cancelled": "cancelled",
    "complete": "finished",
    "failed_runs": "finished, some runs failed",
}


def shown_status(status: str) -> str:
    """A status in the user's words: a run that stopped before its end (the page was left,
    the process is gone) reads ``cancelled``; a finished one ``finished``."""
    return SHOWN.get(status, status)


def clean_label(text: str) -> str:
    """A label as stored: one line of at most :data:`MAX_LABEL` characters, spaces
    trimmed (control characters dropped)."""
    flat = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(flat.split())[:MAX_LABEL]


def set_label(run_dir: Path, text: str) -> str:
    """Store the user's label for the experiment in its manifest; returns the label kept
    (empty: the label is removed). Raises :class:`StoreError` for a store that cannot be
    read."""
    label = clean_label(text)
    RunStore.open(run_dir).annotate(label=label)
    return label


def label_of(run_dir: Path) -> str:
    """The experiment's label ("" when it has none or the store cannot be read)."""
    try:
        return str(RunStore.open(run_dir).manifest.get("label") or "")
    except (StoreError, OSError):
        return ""


def mark_cancelled(run_dir: Path, reason: str) -> bool:
    """Record in the store that its run was stopped before its end (status ``cancelled``,
    the reason in ``stopped``); a later start of the same experiment resumes it. Whether a
    store was marked (False: none there, or it had finished)."""
    try:
        store = RunStore.open(run_dir)
    except (StoreError, OSError):
        return False
    if store.manifest.get("status") not in STOPPED:
        return False
    store.annotate(status="cancelled", stopped=reason)
    return True


def delete_run(runs_root: Path, run_dir: Path) -> Path:
    """Delete the stored experiment ``run_dir`` (with everything in it).

    Only a real directory (not a link) directly inside ``runs_root`` that holds a run-store
    manifest is deleted, and never one whose run is still going. Raises ``ValueError``
    saying why not.
    """
    name = run_dir.name
    if run_dir.resolve().parent != runs_root.resolve() or run_dir.is_symlink():
        raise ValueError(f"{name}: expected a directory inside the runs folder, found one outside")
    if not (run_dir.is_dir() and not run_dir.is_symlink() and (run_dir / MANIFEST).is_file()):
        raise ValueError(f"{name}: expected a stored experiment in the runs folder, found none")
    try:
        status = status_of(RunStore.open(run_dir).manifest)
    except (StoreError, OSError):
        status = "damaged"
    if status == "running":
        raise ValueError(f"{name}: still running; stop it (or wait for it) before deleting")
    shutil.rmtree(run_dir)
    log.info("deleted the stored experiment %s", run_dir)
    return run_dir

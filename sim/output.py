"""Writing a run to disk: the tables as Parquet, its KPIs and its manifest.

A run folder is recognised by its ``manifest.json`` or by the marker file :data:`MARKER`
written before anything else (see :func:`is_run_folder`); ``omsim run``
and ``omsim replay`` write only into a new or empty folder, or (with ``--force``) over a run
folder they wrote before (:func:`check_run_folder`).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from sim.atomic import OutputFolderError, WriteError, write_atomic, write_text_atomic
from sim.run_result import RunResult
from sim.versions import package_versions

#: The keys of a run's manifest that mark a folder as written by ``omsim run/replay --out``.
RUN_MARKER_KEYS = ("fingerprint", "seed", "replication", "rows", "scenario")

#: A hidden file marking a folder as written by ``omsim run/replay --out`` (even if a write
#: failed before its manifest was written).
MARKER = ".omsim-run"


def manifest(result: RunResult) -> dict[str, Any]:
    """What a run was: resolved scenario, its fingerprint, seed, replication, versions."""
    return {
        "scenario": result.scenario.model_dump(mode="json"),
        "fingerprint": result.scenario.fingerprint(),
        "seed": result.seed,
        "replication": result.replication,
        "start_minute_of_day": result.start_minute_of_day,
        "end_min": result.end_min,
        "arrivals_end_min": result.arrivals_end_min,
        "rows": {name: frame.height for name, frame in result.tables().items()},
        "versions": package_versions(),
    }


def run_manifest(folder: Path) -> dict[str, Any] | None:
    """The run manifest in ``folder``, or None if the folder holds no run of omsim's."""
    try:
        found = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or not all(k in found for k in RUN_MARKER_KEYS):
        return None
    return found


def is_run_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a run written by ``omsim run/replay --out``."""
    return (folder / MARKER).is_file() or run_manifest(folder) is not None


def check_run_folder(out: str | Path, force: bool = False) -> Path:
    """``out`` if a run may be written there: a new or empty folder, or with ``force`` a run
    folder omsim wrote; otherwise :class:`OutputFolderError` (one line)."""
    out = Path(out)
    if not out.exists() and not out.is_symlink():
        return out
    if not out.is_dir():
        raise OutputFolderError(f"--out {out}: expected a new or empty folder, found a file")
    if not any(out.iterdir()):
        return out
    if is_run_folder(out):
        if force:
            return out
        raise OutputFolderError(
            f"--out {out}: expected a new or empty folder, found a stored run; pass --force "
            "to replace it or choose another --out"
        )
    raise OutputFolderError(
        f"--out {out}: expected a new or empty folder, found other files (not a run of "
        "omsim's); choose another --out"
    )


def write_run(result: RunResult, out_dir: str | Path, kpis: dict[str, float]) -> Path:
    """Write the tables (.parquet), kpis.json and manifest.json into out_dir.

    Each file is written atomically and the manifest last, so a folder with a manifest holds
    a whole run. On a write failure the files this call wrote are removed again (and the
    folder if it made it) before :class:`~sim.atomic.WriteError` propagates. Table files of a
    previous run that this run does not have are removed.
    """
    out = Path(out_dir)
    made = not out.exists()
    fresh = made or not any(out.iterdir())
    old = run_manifest(out) if not made else None
    written: list[Path] = []
    clean = {k: (None if v != v else v) for k, v in kpis.items()}  # NaN -> null in JSON
    try:
        if not (out / MARKER).is_file():
            write_text_atomic(out / MARKER, "written by omsim run/replay --out\n")
        if old is not None:  # the manifest goes first: a half-replaced run is not a run
            (out / "manifest.json").unlink(missing_ok=True)
        for name, frame in result.tables().items():
            written.append(write_atomic(out / f"{name}.parquet", frame.write_parquet))
        written.append(write_text_atomic(out / "kpis.json", _json(clean)))
        written.append(write_text_atomic(out / "manifest.json", _json(manifest(result))))
    except WriteError:
        for path in written:
            path.unlink(missing_ok=True)
        if fresh:  # leave the folder as it was: new (removed) or empty
            (out / MARKER).unlink(missing_ok=True)
            if made:
                with contextlib.suppress(OSError):
                    out.rmdir()
        raise
    if old is not None:
        for name in set(old.get("rows", {})) - set(result.tables()):
            (out / f"{name}.parquet").unlink(missing_ok=True)
    return out


def _json(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str) + "\n"

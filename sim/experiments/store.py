"""The run store: an experiment on disk, as Parquet per (scenario, replication) plus a manifest.

Layout of a run directory::

    manifest.json                  what the experiment is: kind, command, seed, warm-up,
                                   scenarios (key, name) in order, status, failures, versions
    scenarios/<key>.json           each resolved scenario (``key`` = its fingerprint)
    runs/<key>/r0000.kpis.parquet  one row: the run's KPIs (written last: marks the run done)
    runs/<key>/r0000.<detail>.parquet   detail tables of the run (lead times, queues by hour)

Every file is written under a temporary name and renamed into place, so a run killed at any
moment leaves only whole files; a run counts as stored once its ``kpis`` file exists.
Scenarios are keyed by fingerprint, so re-running the same command with ``--resume`` reuses
every stored run and computes only the missing ones. This module does no simulation (it
never imports SimPy): the report and the app read stores through it.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from sim import paths
from sim.atomic import OutputFolderError, require_empty_folder, write_atomic, write_text_atomic
from sim.experiments.store_manifest import FORMAT, kpis_problem, manifest_problem, runner, status_of

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


class StoreError(Exception):
    """A run directory that cannot be used as asked (one line, for the CLI)."""


def _write_json(path: Path, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2, default=str) + "\n")


@dataclass(frozen=True)
class Failure:
    """A replication that raised: which scenario, seed and replication, and the error."""

    scenario: str
    scenario_key: str
    seed: int
    replication: int
    error: str

    def describe(self) -> str:
        """One line for the user."""
        return (
            f"replication {self.replication} of scenario {self.scenario!r} (seed {self.seed}) "
            f"failed: {self.error}"
        )


class RunStore:
    """An experiment directory (see the module docstring). Create with :meth:`create`, open
    an existing one with :meth:`open`."""

    def __init__(self, root: Path, manifest: dict[str, Any], new: bool = False) -> None:
        self.root = root
        self.manifest = manifest
        self.new = new  # created by this process (not opened or resumed)

    # --- creating and opening --------------------------------------------------------------

    @classmethod
    def create(
        cls,
        root: str | Path,
        kind: str,
        settings: dict[str, Any],
        command: list[str] | None = None,
        resume: bool = False,
    ) -> RunStore:
        """A store for a new experiment, or (``resume``) the stored one it continues.

        ``settings`` (seed, warm-up, replications...) must equal the stored ones to resume;
        without ``resume`` the directory must not hold an experiment already.
        """
        root = Path(root)
        if (root / MANIFEST).exists():
            if not resume:
                raise StoreError(
                    f"{root}: expected a new run directory, found a stored experiment; "
                    "pass --resume to finish it or choose another --out"
                )
            store = cls.open(root)
            m = store.manifest
            if m.get("kind") != kind:
                raise StoreError(
                    f"{root}: --resume expected a stored '{kind}' experiment, found "
                    f"'{m.get('kind')}'"
                )
            for key, value in settings.items():
                if m["settings"].get(key) != value:
                    raise StoreError(
                        f"{root}: --resume expected {key} = {m['settings'].get(key)!r} as "
                        f"stored, found {value!r}; rerun with the stored value"
                    )
            m["status"] = "running"
            m["failures"] = []
            m.pop("stopped", None)
            m["runner"] = runner()
            store._save()
            return store
        if resume:
            raise StoreError(f"{root}: --resume expected a stored experiment, found none")
        try:
            require_empty_folder(root)
        except OutputFolderError as exc:
            raise StoreError(str(exc)) from None
        from sim.versions import package_versions

        manifest = {
            "format": FORMAT,
            "kind": kind,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": command or [],
            "settings": settings,
            "scenarios": [],
            "status": "running",
            "runner": runner(),
            "failures": [],
            "versions": package_versions(),
        }
        store = cls(root, manifest, new=True)
        store._save()
        return store

    @classmethod
    def open(cls, root: str | Path) -> RunStore:
        """An existing store; :class:`StoreError` if ``root`` holds none."""
        root = Path(root)
        path = root / MANIFEST
        if not path.is_file():
            raise StoreError(f"{root}: expected a run directory with {MANIFEST}, found none")
        try:
            raw = paths.read_bytes(path, paths.MAX_JSON_BYTES)
        except paths.PathError as exc:
            raise StoreError(str(exc)) from None
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except json.JSONDecodeError as exc:
            raise StoreError(
                f"{path}: expected a JSON manifest, found invalid JSON at line {exc.lineno} "
                f"column {exc.colno}"
            ) from None
        except UnicodeDecodeError:
            raise StoreError(f"{path}: expected a JSON manifest, found binary data") from None
        except (OSError, ValueError) as exc:  # unreadable
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(f"{path}: expected a JSON manifest, found {reason}") from None
        problem = manifest_problem(manifest)
        if problem is not None:
            raise StoreError(f"{path}: {problem}")
        return cls(root, manifest)

    def _save(self) -> None:
        _write_json(self.root / MANIFEST, self.manifest)

    # --- scenarios -------------------------------------------------------------------------

    def add_scenario(self, scenario: Any, label: str | None = None) -> str:
        """Register a resolved scenario (idempotent); returns its key (the fingerprint).

        ``label`` names it in tables and reports (default: the scenario's name).
        """
        key = scenario.fingerprint()
        if not any(s["key"] == key for s in self.manifest["scenarios"]):
            _write_json(self.root / "scenarios" / f"{key}.json", scenario.model_dump(mode="json"))
            self.manifest["scenarios"].append({"key": key, "name": label or scenario.name})
            self._save()
        elif self._stored_scenario(key) != scenario.model_dump(mode="json"):
            # --resume repairs a missing or damaged scenario file (the key is its fingerprint)
            _write_json(self.root / "scenarios" / f"{key}.json", scenario.model_dump(mode="json"))
        return key

    def _stored_scenario(self, key: str) -> dict[str, Any] | None:
        try:
            return self.scenario_dict(key)
        except StoreError:
            return None

    def scenarios(self) -> list[dict[str, str]]:
        """``[{key, name}]`` in the order they were added."""
        return list(self.manifest["scenarios"])

    def scenario_dict(self, key: str) -> dict[str, Any]:
        """The resolved scenario stored under ``key``, as plain JSON data."""
        path = self.root / "scenarios" / f"{key}.json"
        try:
            found = json.loads(paths.read_text(path, paths.MAX_JSON_BYTES))
        except paths.PathError as exc:
            raise StoreError(str(exc)) from None
        except ValueError as exc:  # invalid JSON or text
            reason = (str(exc).splitlines() or [type(exc).__name__])[0][:80]
            raise StoreError(f"{path}: expected a JSON scenario, found {reason}") from None
        if not isinstance(found, dict):
            raise StoreError(f"{path}: expected a JSON object (a scenario), found something else")
        return found

    # --- runs ------------------------------------------------------------------------------

    def _run_path(self, key: str, replication: int, table: str) -> Path:
        return self.root / "runs" / key / f"r{replication:04d}.{table}.parquet"

    def has_run(self, key: str, replication: int) -> bool:
        """Whether the run is stored (its KPI file exists)."""
        return self._run_path(key, replication, "kpis").exists()

    def write_run(
        self,
        key: str,
        replication: int,
        kpis: dict[str, float],
        details: dict[str, pl.DataFrame] | None = None,
    ) -> None:
        """Store one run: detail tables first, then the KPI row that marks it done."""
        for name, frame in (details or {}).items():
            write_atomic(self._run_path(key, replication, name), frame.write_parquet)
        row = pl.DataFrame(
            {k: [math.nan if v is None else float(v)] for k, v in kpis.items()},
            schema={k: pl.Float64 for k in kpis},
        )
        write_atomic(self._run_path(key, replication, "kpis"), row.write_parquet)

    def run_kpis(self, key: str, replication: int) -> dict[str, float]:
        """The stored KPIs of one run (:class:`StoreError` naming the file if unreadable)."""
        path = self._run_path(key, replication, "kpis")
        frame = _read(path)
        problem = kpis_problem(frame)
        if problem is not None:
            raise StoreError(f"{path}: {problem}; run the experiment again with --resume")
        return frame.row(0, named=True)

    def stored_kpis(self, key: str, replication: int) -> dict[str, float] | None:
        """The KPIs of a stored run whose files are all readable; None if the run is
        missing or damaged (it is then to be run again, as ``--resume`` does)."""
        if not self.has_run(key, replication):
            return None
        try:
            kpis = self.run_kpis(key, replication)
            prefix = f"r{replication:04d}."
            for path in (self.root / "runs" / key).glob(f"{prefix}*.parquet"):
                _read_schema(path)  # a truncated detail table has no footer
        except StoreError as exc:
            log.warning("%s; running replication %d again", exc, replication)
            return None
        return kpis

    def replications(self, key: str) -> list[int]:
        """Stored replications of a scenario, ascending."""
        folder = self.root / "runs" / key
        if not folder.is_dir():
            return []
        return sorted(int(p.name[1:5]) for p in folder.glob("r[0-9][0-9][0-9][0-9].kpis.parquet"))

    def _names(self) -> dict[str, str]:
        return {s["key"]: s["name"] for s in self.manifest["scenarios"]}

    def kpis(self, keys: Iterable[str] | None = None) -> pl.DataFrame:
        """One row per stored run: ``scenario_key``, ``scenario``, ``replication`` and the
        KPI columns (Float64), ordered by scenario (as added), then replication."""
        return self._table("kpis", keys)

    def details(self, table: str, keys: Iterable[str] | None = None) -> pl.DataFrame:
        """A detail table of every stored run, with the identifying columns in front."""
        return self._table(table, keys)

    def _table(self, table: str, keys: Iterable[str] | None) -> pl.DataFrame:
        names = self._names()
        frames = []
        for key in keys if keys is not None else names:
            for rep in self.replications(key):
                path = self._run_path(key, rep, table)
                if not path.exists():
                    continue
                frame = _read(path)
                problem = kpis_problem(frame) if table == "kpis" else None
                if problem is not None:
                    raise StoreError(f"{path}: {problem}; run the experiment again with --resume")
                frames.append(
                    frame.select(
                        pl.lit(key).alias("scenario_key"),
                        pl.lit(names.get(key, key)).alias("scenario"),
                        pl.lit(rep, dtype=pl.Int64).alias("replication"),
                        pl.all(),
                    )
                )
        if not frames:
            return pl.DataFrame(
                schema={"scenario_key": pl.String, "scenario": pl.String, "replication": pl.Int64}
            )
        return pl.concat(frames, how="diagonal_relaxed")

    # --- outcome ---------------------------------------------------------------------------

    def finish(self, failures: list[Failure], summary: dict[str, Any] | None = None) -> None:
        """Record how the experiment ended: complete, or with the failed replications."""
        self.manifest["status"] = "failed_runs" if failures else "complete"
        self.manifest["failures"] = [f.__dict__ for f in failures]
        self.manifest["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        if summary:
            self.manifest.setdefault("summary", {}).update(summary)
        self._save()

    def abandon(self, reason: str) -> None:
        """Record that the experiment stopped before its end (interrupted, a lost cluster):
        status ``interrupted`` and the reason, so ``--resume`` finishes it. A store this
        process created that holds no run yet is removed instead (nothing to resume)."""
        stored = any(self.replications(s["key"]) for s in self.manifest["scenarios"])
        if self.new and not stored and self._remove_if_only_ours():
            return
        self.manifest["status"] = "interrupted"
        self.manifest["stopped"] = reason
        self._save()

    def _remove_if_only_ours(self) -> bool:
        """Remove the store's folder if it holds only the manifest, scenario files and empty
        run folders; whether it did."""
        ours = {self.root / MANIFEST}
        ours |= {self.root / "scenarios" / f"{s['key']}.json" for s in self.manifest["scenarios"]}
        folders = [self.root / "scenarios", self.root / "runs"]
        folders += [self.root / "runs" / s["key"] for s in self.manifest["scenarios"]]
        for path in self.root.rglob("*"):
            if path not in ours and not (path.is_dir() and path in folders):
                return False
        for path in ours:
            path.unlink(missing_ok=True)
        for folder in [*reversed(folders), self.root]:
            if folder.is_dir():
                folder.rmdir()
        return True

    def annotate(self, **fields: Any) -> None:
        """Set top-level manifest fields that describe the experiment without changing its
        results (a user's label, a note that it was cancelled) and save the manifest."""
        self.manifest.update(fields)
        self._save()

    def record(self, **fields: Any) -> None:
        """Store extra results in the manifest (for example a sizing frontier)."""
        self.manifest.setdefault("summary", {}).update(fields)
        self._save()


def _read(path: Path) -> pl.DataFrame:
    """A stored table; :class:`StoreError` naming the file if it cannot be read."""
    try:
        return pl.read_parquet(paths.check_file(path, paths.MAX_TABLE_BYTES))
    except paths.PathError as exc:
        raise StoreError(str(exc)) from None
    except Exception as exc:  # Polars raises ComputeError, OSError, ... on damaged files
        raise StoreError(_damaged(path, exc)) from None


def _read_schema(path: Path) -> None:
    """Fail (:class:`StoreError`) unless the Parquet footer of ``path`` can be read."""
    try:
        pl.read_parquet_schema(path)
    except Exception as exc:
        raise StoreError(_damaged(path, exc)) from None


def _damaged(path: Path, exc: BaseException) -> str:
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return (
        f"{path}: expected a Parquet table, found a damaged file ({reason[:120]}); "
        "run the experiment again with --resume to redo it"
    )


def list_stores(parent: str | Path) -> list[dict[str, Any]]:
    """Experiments stored directly under ``parent`` (newest first): path, kind, created,
    status, scenarios and the number of stored runs. A store whose manifest cannot be read
    is listed with status ``damaged`` and the reason in ``damaged`` (None otherwise)."""
    parent = Path(parent)
    out = []
    if not parent.is_dir():
        return out
    for manifest in parent.glob(f"*/{MANIFEST}"):
        try:
            store = RunStore.open(manifest.parent)
            m = store.manifest
            runs = sum(len(store.replications(s["key"])) for s in m["scenarios"])
        except (StoreError, OSError) as exc:  # listed, with what is wrong
            reason = str(exc).removeprefix(f"{manifest}: ").removeprefix(f"{manifest.parent}: ")
            out.append(
                {
                    "path": str(manifest.parent),
                    "kind": "?",
                    "created": "",
                    "status": "damaged",
                    "damaged": reason,
                    "scenarios": [],
                    "runs": 0,
                    "failures": 0,
                }
            )
            continue
        out.append(
            {
                "path": str(manifest.parent),
                "kind": m["kind"],
                "created": str(m.get("created", "")),
                "status": status_of(m),
                "damaged": None,
                "scenarios": [s["name"] for s in m["scenarios"]],
                "runs": runs,
                "failures": len(m.get("failures", [])),
            }
        )
    out.sort(key=lambda r: r["created"], reverse=True)
    return out

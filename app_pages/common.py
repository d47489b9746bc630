"""Shared plumbing of the app pages: the two folders the app may touch, safe names, widget
values that survive page switches, and running an ``omsim`` command in a subprocess while
following its progress in the run store.

The app reads and writes only inside the scenarios folder (``$OMSIM_SCENARIOS_DIR``, default
``scenarios/`` next to ``app.py``), the run store (``$OMSIM_RUNS_DIR``, default ``runs/``,
as the command line) and the data folder (``$OMSIM_DATA_DIR``, default ``data/``: order
files). Every path built from a name a user typed or uploaded goes through
:func:`clean_name` and :func:`inside`; every other path (a scenario's ``replay.orders``, the
Live page's files) through :mod:`sim.paths` with :func:`app_roots`, and every ``omsim``
subprocess gets the same folders in ``$OMSIM_ALLOWED_ROOTS`` so it refuses the rest too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import streamlit as st

from analysis.kpis import formatting
from analysis.kpis.defs import kpi_def
from app_pages.messages import for_user
from app_pages.run_admin import mark_cancelled, set_label
from sim import paths
from sim.cli.experiment_options import runs_dir
from sim.config import Scenario
from sim.experiments.lifetime import PARENT_ENV
from sim.experiments.store import MANIFEST, RunStore, StoreError
from sim.scenario import load_scenario

#: The folder holding app.py (and, by default, scenarios/).
APP_ROOT = Path(__file__).resolve().parent.parent

#: A safe file stem: what every user-typed or uploaded name is reduced to.
NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")

#: Largest scenario file accepted by the upload (bytes); server.maxUploadSize caps it too.
MAX_UPLOAD_BYTES = 200 * 1024

#: Seconds between two looks at the run store while an experiment runs.
POLL_S = 0.25

#: How the app starts the command line: ``sim.cli.main`` imported as a module (the same as
#: ``omsim`` or ``python -m sim.cli``, without depending on the console script's location).
ENTRY = "import sys; from sim.cli import main; sys.exit(main())"

#: Experiment states after which a store is read as it is (no recomputation).
FINISHED = ("complete", "failed_runs")


class UnsafeName(ValueError):
    """A name that cannot be used as a file name inside the app's folders."""


# --- the two folders -------------------------------------------------------------------


def scenarios_root() -> Path:
    """The scenarios folder: ``$OMSIM_SCENARIOS_DIR`` or ``scenarios/`` next to app.py."""
    return Path(os.environ.get("OMSIM_SCENARIOS_DIR") or APP_ROOT / "scenarios").resolve()


def runs_root() -> Path:
    """The run store: ``$OMSIM_RUNS_DIR`` or ``runs/`` (the command line's default)."""
    return runs_dir().resolve()


def data_root() -> Path:
    """The data folder (order files): ``$OMSIM_DATA_DIR`` or ``data/`` in the working
    directory."""
    return paths.data_root()


def app_roots() -> tuple[Path, ...]:
    """The three folders the app may read: scenarios, runs and data."""
    return scenarios_root(), runs_root(), data_root()


def load_confined(path: Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """A scenario file of the scenarios folder, loaded as ``omsim`` would with the app's
    overrides, every file it names (base files, ``replay.orders``) confined to
    :func:`app_roots`. Raises :class:`sim.scenario.ScenarioError` (one line)."""
    return load_scenario(path, overrides, roots=app_roots())


def clean_name(text: str) -> str:
    """A user-typed or uploaded name as a safe stem (``[A-Za-z0-9_-]{1,64}``): a ``.toml``
    suffix is dropped and every run of other characters (``/``, ``..``, spaces) becomes
    ``_``. Raises :class:`UnsafeName` when nothing usable is left."""
    stem = text.strip()
    if stem.lower().endswith(".toml"):
        stem = stem[:-5]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")[:64]
    if not NAME_RE.fullmatch(stem):
        raise UnsafeName(
            f"name: expected letters, digits, '_' or '-' (1 to 64 characters), found {text!r}"
        )
    return stem


def inside(root: Path, name: str, suffix: str = "") -> Path:
    """``root/<name><suffix>``, checked: ``name`` must be a safe stem and the resolved path
    (symbolic links followed) must lie directly in ``root``. Raises :class:`UnsafeName`."""
    if not NAME_RE.fullmatch(name):
        raise UnsafeName(f"name: expected letters, digits, '_' or '-', found {name!r}")
    root = root.resolve()
    path = (root / f"{name}{suffix}").resolve()
    if path.parent != root:
        raise UnsafeName(f"{name}{suffix}: expected a file inside {root}, found one outside")
    return path


def scenario_files(root: Path | None = None) -> list[str]:
    """Stems of the scenario files in the scenarios folder (safe names only), sorted."""
    root = root or scenarios_root()
    if not root.is_dir():
        return []
    out = []
    for path in root.glob("*.toml"):
        try:
            if inside(root, path.stem, ".toml").is_file():
                out.append(path.stem)
        except UnsafeName:
            continue
    return sorted(out)


def folder_stamp(root: Path | None = None) -> tuple[tuple[str, int], ...]:
    """(name, modification time) of every scenario file: a cache key that changes when any
    file (a base file included) changes."""
    root = root or scenarios_root()
    return tuple((s, inside(root, s, ".toml").stat().st_mtime_ns) for s in scenario_files(root))


# --- widget values that survive page switches -------------------------------------------


def remembered(key: str, default: Any, options: Sequence[Any] | None = None) -> str:
    """The widget key ``key``, seeded with the value it had when the page was last shown
    (Streamlit forgets the state of widgets on pages not shown), else ``default``.

    Create the widget with ``key=`` and without ``value=``, then call :func:`remember`.
    ``options`` (a selectbox's or multiselect's) drop remembered values no longer offered.
    """
    kept = st.session_state.setdefault("_kept", {})
    if key not in st.session_state:
        value = kept.get(key, default)
        if options is not None:
            if isinstance(value, list):
                value = [v for v in value if v in options]
            elif value not in options:
                value = default
        st.session_state[key] = value
    return key


def remember(key: str) -> Any:
    """The widget's current value, kept for the next time the page is shown."""
    value = st.session_state[key]
    st.session_state.setdefault("_kept", {})[key] = value
    return value


# --- run stores ------------------------------------------------------------------------


def experiment_dir(kind: str, spec: dict[str, Any]) -> Path:
    """The run directory of an experiment in the run store: ``app-<kind>-<hash of spec>``.

    ``spec`` holds everything the results depend on (scenario fingerprints, seed,
    replications, warm-up, ...), so the same experiment always maps to the same directory
    and is computed once."""
    text = json.dumps(spec, sort_keys=True, default=str)
    return runs_root() / f"app-{kind}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def store_status(run_dir: Path) -> str | None:
    """The experiment's status in its manifest (None: no experiment stored there)."""
    try:
        return str(RunStore.open(run_dir).manifest.get("status"))
    except StoreError:
        return None


def store_stamp(run_dir: Path) -> int:
    """Modification time of the manifest: with the directory, the key of cached views."""
    return (run_dir / MANIFEST).stat().st_mtime_ns


def stored_runs(run_dir: Path) -> int:
    """Runs stored so far (a run is stored once its KPI file exists)."""
    return sum(1 for _ in run_dir.glob("runs/*/r[0-9][0-9][0-9][0-9].kpis.parquet"))


def run_store_dir(name: str) -> Path:
    """A run directory of the run store chosen by name (checked to lie in the store)."""
    return inside(runs_root(), name)


def report_bytes(run_dir: Path) -> bytes:
    """The experiment's HTML report, written once to ``<run_dir>/report.html`` by ``omsim
    report`` (in a subprocess: its warehouse pictures need one run of the model, and the app
    never imports SimPy) and rebuilt only when the experiment changed since."""
    path = run_dir / "report.html"
    if not path.exists() or path.stat().st_mtime_ns < (run_dir / MANIFEST).stat().st_mtime_ns:
        code, last = run_omsim_quietly(["report", str(run_dir), "-o", str(path)])
        if code != 0:
            raise RuntimeError(last or "omsim report failed")
    return paths.read_bytes(path, paths.MAX_TABLE_BYTES, (runs_root(),))


# --- running omsim ---------------------------------------------------------------------


def omsim_env() -> dict[str, str]:
    """The environment of an ``omsim`` subprocess: ours, with the app's folder importable,
    reading confined to :func:`app_roots` (``$OMSIM_ALLOWED_ROOTS``) and this process named as
    the one it must not outlive (:data:`sim.experiments.lifetime.PARENT_ENV`)."""
    env = dict(os.environ)
    env[paths.ROOTS_ENV] = paths.roots_value(app_roots())  # the subprocess refuses the rest
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(APP_ROOT), env.get("PYTHONPATH")) if p)
    env[PARENT_ENV] = str(os.getpid())
    return env


def signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Send ``sig`` to the process group of ``proc`` (started with ``start_new_session``),
    which holds the process and any workers it started."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def stop_group(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """Stop ``proc`` and its process group: SIGTERM, then SIGKILL after ``grace_s``; a
    worker left behind by the process is killed with the group."""
    if proc.poll() is None:
        signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            signal_group(proc, signal.SIGKILL)
            proc.wait()
    signal_group(proc, signal.SIGKILL)


def run_omsim_quietly(args: Sequence[str]) -> tuple[int, str]:
    """Run ``omsim <args>`` to its end (a list, no shell, from the app's folder); its exit
    code and the last line it wrote on standard error."""
    done = subprocess.run(  # noqa: S603 - a fixed interpreter and entry, no shell
        [sys.executable, "-c", ENTRY, *map(str, args)], stdin=subprocess.DEVNULL,
        capture_output=True, text=True, env=omsim_env(), check=False, cwd=APP_ROOT,
        start_new_session=True,
    )  # fmt: skip
    return done.returncode, (done.stderr.strip().splitlines() or [""])[-1]


@dataclass(frozen=True)
class Outcome:
    """How an ``omsim`` subprocess ended: its exit code and its standard-error lines."""

    code: int
    lines: tuple[str, ...]

    @property
    def crashed(self) -> bool:
        """An unexpected error (a traceback) rather than one of omsim's one-line messages."""
        return any(line.startswith("Traceback (most recent call last)") for line in self.lines)

    @property
    def message(self) -> str:
        """The line to show: omsim's one-line message, or a traceback's last line."""
        lines = [ln for ln in self.lines if not ln.startswith(" ")]
        return lines[-1] if lines else f"omsim stopped with exit code {self.code}"


def _total(run_dir: Path, replications: int) -> int | None:
    """Runs the experiment will store: its scenarios (once registered) times replications."""
    try:
        names = RunStore.open(run_dir).scenarios()
    except (StoreError, OSError):
        return None
    return len(names) * replications or None


def _progress(run_dir: Path, replications: int, planned: bool) -> tuple[float, str]:
    """The bar's value and text: runs stored of runs planned, or (``planned`` False: a
    sizing, which adds staffings as it goes) replications of the staffing being run."""
    done = stored_runs(run_dir)
    if not planned:
        return (done % replications) / replications, f"{done} runs done"
    total = _total(run_dir, replications)
    if not total:
        return 0.0, "starting"
    return min(done / total, 1.0), f"{done} of {total} runs done"


def _collect(stream: IO[bytes], into: list[bytes]) -> None:
    """Read a pipe to its end (in a thread, so a chatty subprocess never blocks)."""
    for line in stream:
        into.append(line)


def run_omsim(
    args: Sequence[str], run_dir: Path, replications: int, label: str, planned: bool = True
) -> Outcome:
    """Run ``omsim <args>`` in a subprocess (:data:`ENTRY`, arguments as a list, no shell)
    and show its progress until it ends.

    Progress is the number of runs stored in ``run_dir`` against the experiment's scenarios
    times ``replications``, read from the manifest once the command has written it
    (``planned`` False: the experiment adds scenarios as it goes, as a sizing does). If the
    page is left while it runs, the subprocess is stopped and its store marked cancelled;
    the runs stored so far are kept and the same experiment later resumes from them.
    """
    command = [sys.executable, "-c", ENTRY, *map(str, args)]
    replications = max(replications, 1)  # a bad count is omsim's to report, not a crash here
    env = omsim_env()
    bar = st.progress(0.0, text=f"{label}: starting")
    start = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - a fixed interpreter and entry, no shell
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=APP_ROOT,
        env=env,
        start_new_session=True,  # its own process group, stopped as one
    )
    err: list[bytes] = []
    reader = threading.Thread(target=_collect, args=(proc.stderr, err), daemon=True)
    reader.start()
    try:
        while proc.poll() is None:
            value, text = _progress(run_dir, replications, planned)
            bar.progress(value, text=f"{label}: {text} ({time.perf_counter() - start:.0f} s)")
            time.sleep(POLL_S)
    finally:
        left = proc.poll() is None  # still going: the page was left or rerun
        stop_group(proc)  # leave nothing running
        reader.join(timeout=10)
        if left:  # never "running" for ever: the Runs page shows it cancelled
            mark_cancelled(run_dir, "cancelled: the page was left while it ran")
    bar.empty()
    text = b"".join(err).decode("utf-8", errors="replace")
    lines = tuple(ln.rstrip() for ln in text.splitlines() if ln.strip())
    return Outcome(proc.returncode, lines)


def show_outcome(outcome: Outcome) -> None:
    """omsim's messages on the page: nothing when it succeeded, the one-line error (never a
    traceback) when it failed, a warning per failed replication when only some failed."""
    if outcome.code == 0:
        return
    if outcome.crashed or outcome.code != 1:
        st.error(f"The run failed: {for_user(outcome.message)}")
        return
    for line in outcome.lines:
        st.warning(for_user(line))


def run_and_show(
    args: list[str],
    run_dir: Path,
    status: str | None,
    replications: int,
    label: str,
    planned: bool = True,
    name: str = "",
) -> str | None:
    """Run ``omsim <args> --out run_dir`` (with ``--resume`` when an experiment is stored
    there already), show its outcome, and return the stored experiment's new status.
    ``name``, the user's name for the run, is kept as the store's label."""
    args = [*args, "--out", str(run_dir), *(["--resume"] if status is not None else [])]
    show_outcome(run_omsim(args, run_dir, replications, label, planned=planned))
    if name.strip():
        with contextlib.suppress(StoreError, OSError):
            set_label(run_dir, name)
    return store_status(run_dir)


def run_name_input(key: str) -> str:
    """The optional name a user gives the run they start (shown on the Runs page)."""
    st.text_input(
        "Name this run (optional)",
        key=remembered(key, ""),
        max_chars=80,
        placeholder="e.g. Peak week, 2 extra packers",
        help="Shown on the Runs and reports page, where it can be changed or the run deleted.",
    )
    return str(remember(key))


def kpi_help(name: str) -> str:
    """A KPI's definition for a tooltip (``help=``), from the KPI catalogue
    (:func:`analysis.kpis.formatting.kpi_help`); an unknown name gives an empty text."""
    try:
        kpi_def(name)
    except KeyError:
        return ""
    return formatting.kpi_help(name)


def number_text(value: float) -> str:
    """A number for the command line, exactly (``2000``, ``0.5``, ``2000.0``)."""
    return repr(float(value)) if isinstance(value, float) else str(int(value))

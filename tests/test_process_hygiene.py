"""No process outlives omsim: a stopped or killed ``compare --jobs 2`` leaves no pool worker
and no resource tracker, and its store says it was interrupted (and resumes).

The processes are found in /proc (Linux only): every descendant of the compare process while
it runs, then checked again after it ended.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.experiments.store import RunStore, list_stores

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
# 2 workers on runs of ~3-5 s each: a first run is stored after a few seconds, the whole
# experiment would take much longer than the test waits.
COMPARE = ["compare", str(BASELINE), "--plain", "--days", "21", "-r", "6", "--jobs", "2"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc"),
]


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None if it no longer exists."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = st[1]
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")  # a zombie has ended


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}

#: A stand-in for the app: starts the compare as the app's pages do (common.omsim_env, its
#: own session) and waits for it.
APP_LIKE = """
import subprocess, sys
from app_pages import common
proc = subprocess.Popen([sys.executable, "-c", common.ENTRY, *sys.argv[1:]], env=common.omsim_env(),
                        cwd=common.APP_ROOT, start_new_session=True, stdout=subprocess.DEVNULL)
proc.wait()
"""


def start_compare(
    out: Path, argv: list[str] | None = None, **popen
) -> tuple[subprocess.Popen, set[int]]:
    """Start the compare (or ``argv`` running it); return the process with its descendants
    once a first run is stored."""
    argv = argv or [sys.executable, "-m", "sim.cli"]
    popen = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "env": ENV, **popen}
    proc = subprocess.Popen([*argv, *COMPARE, "--out", str(out)], cwd=ROOT, **popen)
    deadline = time.monotonic() + 240
    workers: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        workers |= descendants(proc.pid)
        if list(out.glob("runs/*/r*.kpis.parquet")):
            break
        time.sleep(0.1)
    assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
    workers |= descendants(proc.pid)
    spawned = [p for p in workers if "multiprocessing" in cmdline(p)]
    assert len(spawned) >= 2, [cmdline(p) for p in workers]  # 2 workers (+ resource tracker)
    return proc, workers


def wait_gone(pids: set[int], timeout: float = 15.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = {p for p in pids if alive(p)}
        if not left:
            return set()
        time.sleep(0.1)
    return {p for p in pids if alive(p)}


def test_sigterm_stops_the_workers_and_marks_the_store_interrupted(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    proc, workers = start_compare(out)
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=30)
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert rc == 128 + signal.SIGTERM, err
    assert err.strip().splitlines()[-1] == "omsim: stopped (SIGTERM)"
    assert "Traceback" not in err
    left = wait_gone(workers)
    assert not left, [cmdline(p) for p in left]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    stored = RunStore.open(out)
    key = stored.scenarios()[0]["key"]
    done = stored.replications(key)
    assert 1 <= len(done) < 6  # some runs stored, not all
    # the same command with --resume finishes it from the stored runs
    kept = out / "runs" / key / f"r{done[0]:04d}.kpis.parquet"
    stamp = kept.stat().st_mtime_ns
    resumed = subprocess.run(
        [sys.executable, "-m", "sim.cli", *COMPARE, "--out", str(out), "--resume"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    again = RunStore.open(out)
    assert again.manifest["status"] == "complete"
    assert again.replications(key) == list(range(6))
    assert kept.stat().st_mtime_ns == stamp  # reused, not rerun


def test_sigkill_of_the_parent_leaves_no_worker(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    proc, workers = start_compare(out)
    proc.kill()
    proc.wait(timeout=30)
    left = wait_gone(workers)
    assert not left, [cmdline(p) for p in left]
    # the manifest still says running, but its process is gone: listed as interrupted
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    (listed,) = list_stores(tmp_path)
    assert listed["status"] == "interrupted"


def test_a_command_started_by_the_app_stops_when_the_app_dies(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    app, started = start_compare(out, [sys.executable, "-c", APP_LIKE])
    assert any((st := _stat(p)) and st[1] == app.pid for p in started)  # the command
    app.kill()  # the app dies; its command runs in its own session, no signal reaches it
    app.wait(timeout=30)
    left = wait_gone(started, timeout=30)
    assert not left, [cmdline(p) for p in left]
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"


def test_the_app_stops_a_command_with_its_whole_process_group(tmp_path: Path) -> None:
    from app_pages import common

    out = tmp_path / "exp"
    proc, workers = start_compare(
        out, [sys.executable, "-c", common.ENTRY], env=common.omsim_env(), start_new_session=True
    )
    assert os.getpgid(proc.pid) == proc.pid != os.getpgid(0)  # a group of its own
    common.stop_group(proc)
    assert proc.returncode == 128 + signal.SIGTERM
    left = wait_gone(workers)
    assert not left, [cmdline(p) for p in left]
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"

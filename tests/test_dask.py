"""``--cluster``: replications on a real Dask cluster (a scheduler and two worker processes on
127.0.0.1) give exactly the local results, and a cluster that cannot be used is one line."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import as_completed
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from distributed import Client, get_task_stream
from polars.testing import assert_frame_equal

import sim.versions
from sim.cli import main
from sim.experiments.executors import ClusterError, open_executor
from sim.experiments.experiment import ExperimentFailed, run_experiment
from sim.experiments.store import RunStore
from sim.scenario import load_scenario, with_overrides

#: A Dask cluster starts, and the CLI runs in fresh processes: tens of seconds in all.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = {"demand.orders_per_day": 200, "simulation.horizon_days": 2, "simulation.drain_days": 2}
FEW_PACKERS = {
    "name": "fewpackers",
    "staffing.shifts.3.headcount": 1,
    "staffing.shifts.4.headcount": 1,
}
#: Seconds the cluster may take to start on a slow, busy CI machine.
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], log: Path, cwd: Path) -> subprocess.Popen:
    """A Dask command-line process, output to ``log``, in its own process group."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )


def stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM (Dask shuts down cleanly), then SIGKILL to the process group if need be."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the worker under its nanny too
            proc.wait(timeout=20)


def logs_of(folder: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(folder.glob("*.log")))


def start_scheduler(folder: Path) -> tuple[str, subprocess.Popen]:
    port = free_port()
    proc = start(
        ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard", "--dashboard-address", "127.0.0.1:0"],
        folder / "scheduler.log", folder,
    )  # fmt: skip
    return f"tcp://127.0.0.1:{port}", proc


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[str]:
    """The address of a Dask scheduler with two single-threaded worker processes."""
    folder = tmp_path_factory.mktemp("dask")
    address, scheduler = start_scheduler(folder)
    workers: list[subprocess.Popen] = []
    try:
        for i in (1, 2):
            workers.append(start(
                ["distributed.cli.dask_worker", address, "--nworkers", "1", "--nthreads", "1",
                 "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}",
                 "--local-directory", str(folder / f"w{i}"), "--death-timeout", "60"],
                folder / f"worker{i}.log", folder,
            ))  # fmt: skip
        try:
            with Client(address, timeout=START_TIMEOUT_S, set_as_default=False) as client:
                client.wait_for_workers(2, timeout=START_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            pytest.fail(f"the Dask cluster did not start: {exc}\n{logs_of(folder)}")
        yield address
    finally:
        stop(workers)  # first: a worker whose scheduler is gone takes long to close
        stop([scheduler])


@pytest.fixture(scope="module")
def scenarios():
    small = load_scenario(BASELINE, SMALL)
    return [small, with_overrides(small, FEW_PACKERS)]


def test_cluster_results_equal_local_and_ran_on_both_workers(cluster, scenarios):
    with Client(cluster, set_as_default=False) as observer:
        workers = set(observer.scheduler_info(n_workers=-1)["workers"])
        with get_task_stream(observer) as stream:
            remote = run_experiment(scenarios, 3, seed=7, cluster=cluster)
    local = run_experiment(scenarios, 3, seed=7, jobs=1)
    assert_frame_equal(remote, local)
    assert remote.height == 6
    ran = [t for t in stream.data if str(t["key"]).startswith("simulate-")]
    assert len(ran) == 6 and all(t["status"] == "OK" for t in ran)
    assert {t["worker"] for t in ran} == workers and len(workers) == 2


def test_executor_futures_carry_results_and_remote_exceptions(cluster):
    with open_executor(cluster=cluster) as executor:
        assert executor is not None
        good, bad = executor.submit(pow, 2, 10), executor.submit(int, "not a number")
        done = list(as_completed([good, bad], timeout=60))
    assert set(done) == {good, bad}
    assert good.exception() is None and good.result() == 1024
    assert isinstance(bad.exception(), ValueError)
    with pytest.raises(ValueError, match="not a number"):
        bad.result()


def test_a_failing_scenario_is_reported_and_the_others_finish(cluster, scenarios):
    ok = scenarios[0]
    # no validation: this scenario raises in the simulation, on the worker
    broken = ok.model_copy(update={"name": "broken", "demand": None})
    with pytest.raises(ExperimentFailed) as info:
        run_experiment([ok, broken], 2, seed=3, cluster=cluster)
    failures = info.value.failures
    assert [(f.scenario, f.seed, f.replication) for f in failures] == [
        ("broken", 3, 0),
        ("broken", 3, 1),
    ]
    assert all(f.error.startswith("AttributeError") for f in failures)
    assert_frame_equal(info.value.results, run_experiment([ok], 2, seed=3))


def write(path: Path, name: str, orders_per_day: int) -> Path:
    path.write_text(
        f'base = "{BASELINE.as_posix()}"\nname = "{name}"\n'
        "[simulation]\nhorizon_days = 2\ndrain_days = 2\n"
        f"[demand]\norders_per_day = {orders_per_day}\n"
    )
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[str]:
    d = tmp_path_factory.mktemp("files")
    return [str(write(d / "a.toml", "a", 200)), str(write(d / "b.toml", "b", 300))]


def test_cli_compare_on_the_cluster_stores_the_local_results(cluster, files, tmp_path, capsys):
    remote, local = tmp_path / "remote", tmp_path / "local"
    assert main(["compare", *files, "-r", "2", "--cluster", cluster, "--out", str(remote)]) == 0
    assert main(["compare", *files, "-r", "2", "--jobs", "1", "--out", str(local)]) == 0
    capsys.readouterr()
    kpis = RunStore.open(remote).kpis()
    assert kpis.height == 4
    assert_frame_equal(kpis, RunStore.open(local).kpis())
    # the detail tables come back from the workers too
    stored = sorted(p.relative_to(remote) for p in (remote / "runs").rglob("*.parquet"))
    assert stored == sorted(p.relative_to(local) for p in (local / "runs").rglob("*.parquet"))
    for path in stored:
        assert_frame_equal(pl.read_parquet(remote / path), pl.read_parquet(local / path))


# --- a cluster that cannot be used -------------------------------------------------------------

NO_SCHEDULER = "tcp://127.0.0.1:{port}"


def omsim(args: list[str]) -> subprocess.CompletedProcess:
    """The CLI in a fresh process: everything it writes to the real stderr is seen."""
    code = "import sys; from sim.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "address, expect, in_a_process",
    [
        (NO_SCHEDULER, "connection refused", True),
        ("localhost:8786", "tcp://HOST:PORT", True),
        ("tcp://127.0.0.1", "tcp://HOST:PORT", False),
        ("http://127.0.0.1:8786", "tcp://HOST:PORT", False),
    ],
)
def test_an_unusable_address_is_one_line_exit_2(
    files, tmp_path, capsys, address, expect, in_a_process
):
    address = address.format(port=free_port())
    argv = ["compare", *files, "-r", "2", "--cluster", address, "--out", str(tmp_path / "x")]
    start_time = time.perf_counter()
    assert main(argv) == 2
    assert time.perf_counter() - start_time < 10
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("omsim: --cluster: ") and address in err and expect in err
    if not in_a_process:
        return
    # and nothing else reaches the process's stderr, not even at exit
    proc = omsim(argv[:-1] + [str(tmp_path / "y")])
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == err.splitlines(), proc.stderr


def test_a_scheduler_without_workers_is_one_line(files, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sim.experiments.executors.CLUSTER_TIMEOUT_S", 1.0)
    address, scheduler = start_scheduler(tmp_path)
    try:
        with Client(address, timeout=START_TIMEOUT_S, set_as_default=False):
            pass  # it is up
        argv = ["compare", *files, "-r", "2", "--cluster", address, "--out", str(tmp_path / "x")]
        assert main(argv) == 2
    finally:
        stop([scheduler])
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert "with workers, found none" in err and f"dask worker {address}" in err


def test_a_listener_that_is_no_scheduler_is_one_line(files, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sim.experiments.executors.CLUSTER_TIMEOUT_S", 1.0)
    with socket.socket() as listener:  # connections complete in the backlog, then silence
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        argv = ["compare", *files, "-r", "2", "--cluster", address, "--out", str(tmp_path / "x")]
        assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert address in err and "does not answer as one within 1 s" in err


def fake_versions(monkeypatch, **versions: str) -> None:
    """This machine (only) reports other package versions."""
    real = sim.versions.metadata
    fake = SimpleNamespace(
        version=lambda name: versions.get(name) or real.version(name),
        PackageNotFoundError=real.PackageNotFoundError,
    )
    monkeypatch.setattr(sim.versions, "metadata", fake)


def test_another_omsim_on_the_cluster_is_refused(cluster, monkeypatch):
    real = metadata.version("omsim")
    fake_versions(monkeypatch, omsim="0.0.1")
    expect = rf"expected omsim 0\.0\.1 .* found {re.escape(real)}$"
    with pytest.raises(ClusterError, match=expect), open_executor(cluster=cluster):
        pass


def test_other_package_versions_on_the_cluster_are_one_warning(cluster, monkeypatch, caplog):
    fake_versions(monkeypatch, numpy="0.0.1")
    with open_executor(cluster=cluster) as executor:
        assert executor is not None
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "sim.experiments.executors" and r.levelno >= logging.WARNING
    ]
    assert len(warnings) == 1 and "numpy" in warnings[0] and "0.0.1" in warnings[0]

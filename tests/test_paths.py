"""The path policy (sim/paths.py) and where it is applied: scenario files, ``base``,
``replay.orders``, order imports; confinement through ``$OMSIM_ALLOWED_ROOTS``; devices,
FIFOs, directories and oversized files refused in one line without hanging; no file content
in any message."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sim import paths
from sim.config.replay import source_digest
from sim.scenario import ScenarioError, load_scenario, read_raw

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
SAMPLE = ROOT / "tests" / "data" / "online_retail_sample.csv"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
needs_dev_zero = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    """An allowed folder ``root`` with a file, and a folder ``other`` beside it (outside)."""
    root, other = tmp_path / "root", tmp_path / "other"
    (root / "sub").mkdir(parents=True)
    other.mkdir()
    (root / "inside.csv").write_text("a,b\n1,2\n")
    (other / "secret.csv").write_text("a,b\n1,2\n")
    return {"root": root, "other": other}


def in_thread(fn, *args) -> tuple[bool, object]:
    """Run ``fn(*args)`` in a thread for at most 5 s: (finished, result or exception)."""
    box: list[object] = []

    def target() -> None:
        try:
            box.append(fn(*args))
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            box.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(5)
    return (not thread.is_alive()), (box[0] if box else None)


# --- the policy --------------------------------------------------------------------------


def test_a_file_inside_is_accepted_and_resolved(tree):
    path = tree["root"] / "sub" / ".." / "inside.csv"
    assert paths.check_file(path, roots=[tree["root"]]) == (tree["root"] / "inside.csv")


def test_dot_dot_cannot_leave_the_root(tree):
    escape = tree["root"] / "sub" / ".." / ".." / "other" / "secret.csv"
    with pytest.raises(paths.PathError, match="found one outside them"):
        paths.check_file(escape, roots=[tree["root"]])


def test_a_symbolic_link_out_of_the_root_is_refused_and_one_within_accepted(tree):
    out = tree["root"] / "link.csv"
    out.symlink_to(tree["other"] / "secret.csv")
    with pytest.raises(paths.PathError, match="outside"):
        paths.check_file(out, roots=[tree["root"]])
    folder = tree["root"] / "linked_dir"
    folder.symlink_to(tree["other"], target_is_directory=True)
    with pytest.raises(paths.PathError, match="outside"):
        paths.check_file(folder / "secret.csv", roots=[tree["root"]])
    within = tree["root"] / "sub" / "again.csv"
    within.symlink_to(tree["root"] / "inside.csv")
    assert paths.check_file(within, roots=[tree["root"]]) == tree["root"] / "inside.csv"


def test_an_absolute_path_outside_is_refused_even_when_missing(tree):
    for path in ("/etc/passwd", tree["other"] / "secret.csv", tree["other"] / "nothing.csv"):
        with pytest.raises(paths.PathError, match="outside"):
            paths.check_file(path, roots=[tree["root"]])


def test_a_sibling_folder_sharing_the_prefix_is_outside(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data_other").mkdir()
    (tmp_path / "data_other" / "x.csv").write_text("x")
    with pytest.raises(paths.PathError, match="outside"):
        paths.check_file(tmp_path / "data_other" / "x.csv", roots=[tmp_path / "data"])


def test_confinement_comes_from_the_environment(tree, monkeypatch):
    target = tree["other"] / "secret.csv"
    monkeypatch.delenv(paths.ROOTS_ENV, raising=False)
    assert paths.allowed_roots() is None
    assert paths.check_file(target) == target  # not confined: the user's own rights
    monkeypatch.setenv(paths.ROOTS_ENV, paths.roots_value([tree["root"], tree["root"] / "sub"]))
    assert paths.allowed_roots() == (tree["root"].resolve(), (tree["root"] / "sub").resolve())
    with pytest.raises(paths.PathError, match="outside"):
        paths.check_file(target)


@needs_dev_zero
def test_a_device_is_refused_without_reading_it():
    finished, result = in_thread(paths.read_bytes, "/dev/zero", 10**12)
    assert finished
    assert isinstance(result, paths.PathError)
    assert str(result) == "/dev/zero: expected a regular file, found a character device"


@needs_fifo
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "orders.csv"
    os.mkfifo(fifo)
    for fn, args in (
        (paths.read_bytes, (fifo, 1000)),
        (paths.open_regular, (fifo,)),
        (paths.check_file, (fifo,)),
    ):
        finished, result = in_thread(fn, *args)
        assert finished, f"{fn.__name__} blocked on a FIFO"
        assert isinstance(result, paths.PathError)
        assert str(result) == f"{fifo}: expected a regular file, found a FIFO (named pipe)"


def test_a_symbolic_link_loop_is_one_line(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(paths.PathError) as loop:
        paths.check_file(tmp_path / "a")
    assert str(loop.value).startswith(f"{tmp_path / 'a'}: expected a resolvable path, found")
    assert "\n" not in str(loop.value)


def test_a_directory_is_refused_unless_asked_for(tree):
    with pytest.raises(paths.PathError, match="found a directory"):
        paths.check_file(tree["root"] / "sub")
    assert paths.check_file(tree["root"] / "sub", directory_ok=True) == tree["root"] / "sub"


def test_the_size_limit_is_inclusive(tmp_path):
    path = tmp_path / "f.toml"
    path.write_bytes(b"x" * 1024)
    assert paths.read_bytes(path, 1024) == b"x" * 1024  # exactly at the limit
    with pytest.raises(paths.PathError) as too_big:
        paths.read_bytes(path, 1023)
    assert str(too_big.value) == f"{path}: expected a file of at most 1023 bytes, found 1.0 KB"


def test_a_missing_file_names_itself(tmp_path):
    with pytest.raises(paths.PathError) as missing:
        paths.check_file(tmp_path / "none.csv")
    assert str(missing.value) == f"{tmp_path / 'none.csv'}: expected a file, found no such file"


def test_undecodable_text_is_refused_without_quoting_it(tmp_path):
    path = tmp_path / "s.json"
    path.write_bytes(b'{"password": "SECRET-42\xff"}')
    with pytest.raises(paths.PathError) as bad:
        paths.read_text(path, 1000)
    assert "SECRET" not in str(bad.value) and "password" not in str(bad.value)
    assert str(bad.value) == f"{path}: expected UTF-8 text, found an undecodable byte at offset 23"


def test_the_data_folder_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    assert paths.data_root() == tmp_path.resolve()
    monkeypatch.delenv(paths.DATA_ENV)
    monkeypatch.chdir(tmp_path)
    assert paths.data_root() == tmp_path.resolve() / "data"


# --- the scenario loader ------------------------------------------------------------------


def scenario_with_orders(folder: Path, orders: str, name: str = "s") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(
        f'base = "{BASELINE}"\n[replay]\norders = "{orders}"\nformat = "online-retail"\n'
    )
    return path


def test_replay_orders_outside_the_roots_is_refused_by_the_loader(tree):
    scenario = scenario_with_orders(tree["root"], "../other/secret.csv")
    roots = [tree["root"], BASELINE.parent]
    with pytest.raises(ScenarioError) as refused:
        read_raw(scenario, roots=roots)
    message = str(refused.value)
    assert message.startswith(f"{scenario}: replay.orders: ") and "outside" in message
    assert "\n" not in message
    # without confinement (a command started by hand) the same file is the user's to read
    assert read_raw(scenario)["replay"]["orders"] == str(tree["other"] / "secret.csv")


def test_a_base_outside_the_roots_is_refused(tree):
    (tree["other"] / "base.toml").write_text('name = "b"\n')
    scenario = tree["root"] / "s.toml"
    scenario.write_text('base = "../other/base.toml"\n')
    with pytest.raises(ScenarioError, match="base.toml: expected a file inside the allowed"):
        read_raw(scenario, roots=[tree["root"]])


def test_an_override_cannot_point_replay_orders_outside(tree):
    scenario = tree["root"] / "s.toml"
    scenario.write_text(f'base = "{BASELINE}"\n')
    roots = [tree["root"], BASELINE.parent]
    with pytest.raises(ScenarioError) as refused:
        load_scenario(scenario, {"replay.orders": str(tree["other"] / "secret.csv")}, roots)
    assert str(refused.value).startswith(f"{scenario} with --set: replay.orders: ")
    inside = load_scenario(scenario, {"replay.orders": str(tree["root"] / "inside.csv")}, roots)
    assert inside.replay.orders == str(tree["root"] / "inside.csv")


@needs_dev_zero
def test_a_device_as_replay_orders_fails_validation_at_once(tmp_path):
    scenario = scenario_with_orders(tmp_path, "/dev/zero")
    finished, result = in_thread(load_scenario, scenario)
    assert finished and isinstance(result, ScenarioError)
    assert str(result) == (
        f"{scenario}: replay.orders: /dev/zero: expected a regular file, found a character device"
    )


@needs_fifo
def test_the_fingerprint_never_reads_a_fifo(tmp_path):
    fifo = tmp_path / "orders.csv"
    os.mkfifo(fifo)
    finished, result = in_thread(source_digest, str(fifo))
    assert finished and result == "missing"
    folder = tmp_path / "olist"
    folder.mkdir()
    os.mkfifo(folder / "olist_orders_dataset.csv")
    with pytest.raises(ScenarioError, match="found a FIFO"):
        load_scenario(BASELINE, {"replay.orders": str(folder), "replay.format": "olist"})


# --- the command line ---------------------------------------------------------------------


def omsim(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``omsim ARGS`` in a subprocess; a hang fails the test after 60 s."""
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=ROOT,
        timeout=60, env={**os.environ, **(env or {})}, check=False,
    )  # fmt: skip


def assert_one_line(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@needs_dev_zero
def test_validate_and_run_refuse_dev_zero_as_orders(tmp_path):
    scenario = scenario_with_orders(tmp_path, "/dev/zero")
    for command in ("validate", "run"):
        proc = omsim(command, str(scenario))
        assert_one_line(proc, str(scenario), "replay.orders", "/dev/zero", "character device")


@needs_fifo
def test_validate_run_compare_and_replay_refuse_a_fifo(tmp_path):
    fifo = tmp_path / "orders.csv"
    os.mkfifo(fifo)
    scenario = scenario_with_orders(tmp_path, "orders.csv")  # relative to the scenario file
    for args in (
        ("validate", str(scenario)),
        ("run", str(scenario)),
        ("compare", str(BASELINE), str(scenario), "-r", "2", "--out", str(tmp_path / "c")),
        ("run", str(BASELINE), "--set", f"replay.orders={fifo}"),
        ("replay", str(fifo), "--format", "generic", "--scenario", str(BASELINE)),
        ("import", str(fifo), "--format", "generic", "--out", str(tmp_path / "out")),
    ):
        proc = omsim(*args)
        assert_one_line(proc, str(fifo), "FIFO")
    assert not (tmp_path / "out").exists()
    scenario_fifo = tmp_path / "scenario.toml"
    os.mkfifo(scenario_fifo)
    assert_one_line(omsim("validate", str(scenario_fifo)), str(scenario_fifo), "FIFO")


def test_a_confined_subprocess_refuses_orders_outside_its_roots(tree):
    """What the app relies on: with ``$OMSIM_ALLOWED_ROOTS`` the command itself refuses."""
    scenario = scenario_with_orders(tree["root"], "../other/secret.csv")
    env = {paths.ROOTS_ENV: paths.roots_value([tree["root"], BASELINE.parent])}
    assert_one_line(omsim("validate", str(scenario), env=env), "replay.orders", "outside")
    assert omsim("validate", str(scenario)).returncode == 0  # unconfined: allowed
    link = tree["root"] / "orders.csv"
    link.symlink_to(tree["other"] / "secret.csv")
    proc = omsim(
        "import", str(link), "--format", "generic", "--out", str(tree["root"] / "o"), env=env
    )
    assert_one_line(proc, str(link), "outside")


def test_an_unreadable_csv_is_reported_without_its_content(tmp_path):
    """polars quotes the offending line in its message; omsim must not pass it on."""
    orders = tmp_path / "orders.csv"
    orders.write_text('InvoiceNo,Secret\nINV-1,"TOP-SECRET-PASSWORD\n')
    proc = omsim("import", str(orders), "--format", "generic", "--out", str(tmp_path / "out"))
    assert_one_line(proc, str(orders), "expected a readable CSV file")
    assert "TOP-SECRET" not in proc.stderr + proc.stdout


def test_an_oversized_scenario_file_is_refused(tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (paths.MAX_SCENARIO_BYTES + 1))
    assert_one_line(omsim("validate", str(big)), str(big), "expected a file of at most 1.0 MB")


# --- run stores and run directories -------------------------------------------------------


@needs_fifo
def test_a_fifo_in_a_run_store_is_refused_not_read(tmp_path):
    """A table or manifest planted as a FIFO (or a link to a device) in a store is refused
    in one line instead of blocking ``report``, ``--resume`` or the app's Runs page."""
    from sim.experiments.store import RunStore, StoreError

    store = RunStore.create(tmp_path / "run", "compare", {"seed": 3})
    key = store.add_scenario(load_scenario(BASELINE))
    store.write_run(key, 0, {"lead_time_mean_h": 1.0})
    assert store.run_kpis(key, 0) == {"lead_time_mean_h": 1.0}
    kpis_file = next((tmp_path / "run").rglob("r0000.kpis.parquet"))
    kpis_file.unlink()
    os.mkfifo(kpis_file)
    for call in (lambda: store.run_kpis(key, 0), store.kpis):
        finished, result = in_thread(call)
        # refused as a damaged run (StoreError, so --resume redoes it), never read
        assert finished and isinstance(result, paths.PathError | StoreError)
        assert str(result) == f"{kpis_file}: expected a regular file, found a FIFO (named pipe)"
    scenario_json = next((tmp_path / "run" / "scenarios").glob("*.json"))
    scenario_json.unlink()
    if Path("/dev/zero").exists():
        scenario_json.symlink_to("/dev/zero")
        finished, result = in_thread(store.scenario_dict, key)
        assert finished and isinstance(result, paths.PathError | StoreError)
        assert str(result) == f"{scenario_json}: expected a regular file, found a character device"
    manifest = tmp_path / "run" / "manifest.json"
    manifest.write_bytes(b" " * (paths.MAX_JSON_BYTES + 1))
    with pytest.raises(StoreError, match="expected a file of at most 32.0 MB"):
        RunStore.open(tmp_path / "run")


@needs_fifo
def test_layout_refuses_a_run_directory_with_a_fifo_table(tmp_path):
    run = tmp_path / "run"
    proc = omsim("run", str(BASELINE), "--days", "1", "--out", str(run))
    assert proc.returncode == 0, proc.stderr
    (run / "steps.parquet").unlink()
    (run / "steps.parquet").symlink_to(tmp_path / "pipe")
    os.mkfifo(tmp_path / "pipe")
    proc = omsim("timeline", str(run), "-o", str(tmp_path / "t.png"))
    assert_one_line(proc, "steps.parquet")
    assert not (tmp_path / "t.png").exists()

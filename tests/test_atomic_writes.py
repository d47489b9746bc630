"""Every output is written whole or not at all; ``run --out`` writes only into its own folders.

A full disk is simulated by making the low-level writer fail part-way (it writes some bytes,
then raises ENOSPC the way Polars or the OS report it) and, where the tests run as root, by a
real 64 KiB tmpfs.
"""

from __future__ import annotations

import ast
import errno
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import polars as pl
import pytest

import sim.atomic
from sim.atomic import WriteError, write_atomic, write_text_atomic
from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SAMPLE = ROOT / "tests" / "data" / "online_retail_sample.csv"
SMALL = ["--days", "1", "--set", "demand.orders_per_day=100"]
ENOSPC_TEXT = os.strerror(errno.ENOSPC)  # "No space left on device"


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, found {len(lines)}: {err!r}"
    assert "Traceback" not in err
    return lines[0]


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def failing_parquet(monkeypatch, victim: str) -> None:
    """``DataFrame.write_parquet`` writes half a file then fails like Polars on a full disk
    (a ComputeError quoting 'os error 28') when writing a file named ``victim``."""
    real = pl.DataFrame.write_parquet

    def write(self, file, *args, **kwargs):
        if victim in Path(file).name:
            Path(file).write_bytes(b"PAR1 half a file")
            raise pl.exceptions.ComputeError(
                "parquet: File out of specification: underlying IO error: No space left on "
                "device (os error 28)"
            )
        return real(self, file, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", write)


# --- the helper ----------------------------------------------------------------------------


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "kpis.json"
    target.write_text("old\n")

    def half(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, ENOSPC_TEXT)

    with pytest.raises(WriteError) as info:
        write_atomic(target, half)
    assert str(info.value) == f"cannot write {target}: {ENOSPC_TEXT}"
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kpis.json"]


def test_other_errors_propagate_and_leave_no_temporary(tmp_path: Path) -> None:
    def bad(tmp: Path) -> None:
        tmp.write_text("x")
        raise ValueError("not an I/O problem")

    with pytest.raises(ValueError, match="not an I/O problem"):
        write_atomic(tmp_path / "a.txt", bad)
    assert list(tmp_path.iterdir()) == []


def test_a_write_is_flushed_and_renamed_into_place(tmp_path: Path, monkeypatch) -> None:
    synced: list[str] = []
    real = sim.atomic.fsync_path

    def fsync(p: Path, directory: bool = False) -> None:
        synced.append(Path(p).name)
        real(p, directory)

    monkeypatch.setattr(sim.atomic, "fsync_path", fsync)
    path = write_text_atomic(tmp_path / "sub" / "a.txt", "héllo\n")
    assert path.read_text(encoding="utf-8") == "héllo\n"
    # the temporary file, then the folder holding the new name
    assert synced[0].startswith(".a.txt.") and synced[0].endswith(".tmp")
    assert synced[1] == "sub"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["a.txt"]


def test_no_output_is_written_around_the_helper() -> None:
    """Writers of files (Polars, Matplotlib, pathlib) are only called on in-memory buffers
    outside sim/atomic.py: everything else goes through the atomic helper."""
    writers = {"write_parquet", "write_csv", "write_text", "write_bytes", "savefig", "write_ipc"}
    found = []
    for pkg in ("sim", "analysis", "app_pages"):
        for f in (ROOT / pkg).rglob("*.py"):
            if f.name == "atomic.py":
                continue
            for node in ast.walk(ast.parse(f.read_text())):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in writers
                ):
                    continue
                first = node.args[0] if node.args else None
                if not (isinstance(first, ast.Name) and first.id == "buf"):
                    found.append(f"{f.relative_to(ROOT)}:{node.lineno}")
    assert found == []


# --- full disk through the commands ----------------------------------------------------------


def test_run_out_on_a_full_disk_one_line_nothing_left(tmp_path: Path, capsys, monkeypatch) -> None:
    failing_parquet(monkeypatch, "steps.parquet")  # orders.parquet is written before it
    out = tmp_path / "x"
    rc = main(["run", str(BASELINE), *SMALL, "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert one_line(err) == f"omsim: cannot write {out / 'steps.parquet'}: {ENOSPC_TEXT}"
    assert not out.exists()  # the folder it made, with the whole orders.parquet, is gone
    assert leftovers(tmp_path) == []


def test_import_on_a_full_disk_leaves_no_corrupt_parquet(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    failing_parquet(monkeypatch, "lines.parquet")
    out = tmp_path / "imp"
    rc = main(["import", str(SAMPLE), "--format", "online-retail", "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    last = err.splitlines()[-1]  # after the import's counts line
    assert last == f"omsim: cannot write {out / 'lines.parquet'}: {ENOSPC_TEXT}"
    assert "Traceback" not in err
    assert not (out / "lines.parquet").exists()
    assert leftovers(tmp_path) == []


def test_compare_store_on_a_full_disk(tmp_path: Path, capsys, monkeypatch) -> None:
    failing_parquet(monkeypatch, "kpis.parquet")
    out = tmp_path / "exp"
    rc = main(
        ["compare", str(BASELINE), "--plain", *SMALL, "-r", "2", "--jobs", "1", "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert rc == 2, err
    (key,) = [p.name for p in (out / "runs").iterdir()]
    path = out / "runs" / key / "r0000.kpis.parquet"  # the first run's KPIs, written last
    assert one_line(err) == f"omsim: cannot write {path}: {ENOSPC_TEXT}"
    assert list(out.rglob("*.kpis.parquet")) == []
    assert leftovers(tmp_path) == []


@pytest.fixture
def tiny_disk():
    """A 64 KiB tmpfs (needs root and mount; skipped otherwise)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = Path(f"/tmp/omsim-tiny-{uuid.uuid4().hex[:8]}")
    mnt.mkdir()
    ok = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True
    )  # fmt: skip
    if ok.returncode != 0:
        mnt.rmdir()
        pytest.skip(f"cannot mount a tmpfs: {ok.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
        mnt.rmdir()


def test_run_on_a_real_full_disk(tiny_disk: Path) -> None:
    out = tiny_disk / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(BASELINE), *SMALL, "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    line = one_line(proc.stderr)
    assert line.startswith(f"omsim: cannot write {out}/") and line.endswith(ENOSPC_TEXT)
    assert list(tiny_disk.iterdir()) == []


def test_import_on_a_real_full_disk(tiny_disk: Path) -> None:
    (tiny_disk / "filler").write_bytes(b"\0" * 56 * 1024)  # about 8 KiB left
    out = tiny_disk / "imp"
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "import", str(SAMPLE), "--format", "online-retail",
         "-o", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    last = proc.stderr.splitlines()[-1]
    assert last.startswith(f"omsim: cannot write {out}/") and last.endswith(ENOSPC_TEXT)
    assert "Traceback" not in proc.stderr
    for name in ("orders.parquet", "lines.parquet"):  # whole if present (readable), never half
        if (out / name).exists():
            pl.read_parquet(out / name)
    assert leftovers(tiny_disk) == []


# --- run --out: only new, empty or own folders ------------------------------------------------


def test_run_out_refuses_a_folder_of_other_files(tmp_path: Path, capsys) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me\n")
    for extra in ([], ["--force"]):
        rc = main(["run", str(BASELINE), *SMALL, "--out", str(mine), *extra])
        line = one_line(capsys.readouterr().err)
        assert rc == 2
        assert str(mine) in line and "other files" in line
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert (mine / "notes.txt").read_text() == "keep me\n"


def test_run_out_refuses_a_stored_experiment_even_with_force(tmp_path: Path, capsys) -> None:
    exp = tmp_path / "exp"
    assert main(["compare", str(BASELINE), "--plain", *SMALL, "-r", "2", "--out", str(exp)]) == 0
    before = (exp / "manifest.json").read_bytes()
    capsys.readouterr()
    rc = main(["run", str(BASELINE), *SMALL, "--out", str(exp), "--force"])
    assert rc == 2
    assert str(exp) in one_line(capsys.readouterr().err)
    assert (exp / "manifest.json").read_bytes() == before
    assert not (exp / "orders.parquet").exists()


def test_run_out_replaces_its_own_run_only_with_force(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), *SMALL, "--seed", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    rc = main(["run", str(BASELINE), *SMALL, "--seed", "2", "--out", str(out)])
    line = one_line(capsys.readouterr().err)
    assert rc == 2 and "--force" in line
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1
    assert main(["run", str(BASELINE), *SMALL, "--seed", "2", "--out", str(out), "--force"]) == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert leftovers(tmp_path) == []


def test_run_out_into_an_existing_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert main(["run", str(BASELINE), *SMALL, "--out", str(out)]) == 0
    assert (out / "manifest.json").is_file()

"""Damaged run stores and run directories, beyond the manifest's JSON (see
test_damaged_stores): wrong types in a manifest, a damaged stored scenario or KPI table, a
run directory's manifest, KPIs or tables not as ``omsim run --out`` writes them. Each is one
line naming the file, exit 2; ``--resume`` redoes or rewrites what is damaged for compare,
size and sweep."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from sim.cli import main
from sim.experiments.store import StoreError

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SMALL = [BASELINE, "--plain", "--days", "1", "--set", "demand.orders_per_day=100", "-r", "2"]
COMMANDS = {
    "compare": ["compare", *SMALL],
    "size": ["size", *SMALL, "--sla", "shipped_same_day >= 50%", "--roles", "packers"],
    "sweep": ["sweep", *SMALL, "--param", "packing.verification=barcode,visual"],
}


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, found {len(lines)}: {err!r}"
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    """A complete compare, size and sweep store (copied by each test that damages one)."""
    out = {}
    for kind, cmd in COMMANDS.items():
        out[kind] = tmp_path_factory.mktemp("stores") / kind
        assert main([*cmd, "--jobs", "1", "--out", str(out[kind])]) == 0
    return out


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A run directory of one small day (omsim run --out)."""
    out = tmp_path_factory.mktemp("run") / "run"
    cmd = ["run", BASELINE, "--days", "1", "--set", "demand.orders_per_day=100"]
    assert main([*cmd, "--out", str(out)]) == 0
    return out


def edit_manifest(folder: Path, change: Callable[[dict], None]) -> Path:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))
    return path


MANIFEST_DAMAGE = {
    "seed a string": (
        lambda m: m["settings"].__setitem__("seed", "one"),
        "expected settings.seed to be a whole number, found a string",
    ),
    "summary a list": (
        lambda m: m.__setitem__("summary", [1]),
        "expected 'summary' to be a JSON object, found a list",
    ),
    "failures of numbers": (
        lambda m: m.__setitem__("failures", [1, 2]),
        "expected failures[0] to be an object, found a number",
    ),
    "a failure without keys": (
        lambda m: m.__setitem__("failures", [{}]),
        "expected failures[0] to have the key 'scenario', found none",
    ),
    "a frontier row without keys": (
        lambda m: m.setdefault("summary", {}).__setitem__("frontier", [{"staffing": "x"}]),
        "expected summary.frontier[0] to have the key 'headcount', found none",
    ),
    "frontier a string": (
        lambda m: m.setdefault("summary", {}).__setitem__("frontier", "x"),
        "expected summary.frontier to be a list of objects",
    ),
}


@pytest.mark.parametrize("damage", MANIFEST_DAMAGE)
@pytest.mark.parametrize("kind", ["compare", "size"])
def test_a_manifest_of_wrong_types_is_one_line(stores, tmp_path, capsys, kind, damage):
    store = Path(shutil.copytree(stores[kind], tmp_path / kind))
    change, reason = MANIFEST_DAMAGE[damage]
    path = edit_manifest(store, change)
    capsys.readouterr()
    assert main(["report", str(store), "-o", str(tmp_path / "r.html")]) == 2
    line = one_line(capsys.readouterr().err)
    assert str(path) in line and reason in line
    assert main(["runs", str(tmp_path)]) == 0  # listed as damaged, not a traceback
    assert "damaged:" in capsys.readouterr().out
    if kind == "compare":  # the app's loader raises what its page shows as one error
        pytest.importorskip("streamlit")
        from app_pages.compare_view import compare_view

        with pytest.raises(StoreError, match=re.escape(reason)):
            compare_view.__wrapped__(str(store), 0)


SCENARIO_DAMAGE = {
    "truncated": (lambda p: p.write_text(p.read_text()[:100]), "expected a JSON scenario"),
    "a list": (lambda p: p.write_text("[]"), "expected a JSON object (a scenario)"),
    "not a scenario": (
        lambda p: p.write_text('{"name": 5}'),
        "expected a stored scenario, found name: Input should be a valid string",
    ),
    "missing": (lambda p: p.unlink(), "expected a file, found no such file"),
}


@pytest.mark.parametrize("damage", SCENARIO_DAMAGE)
@pytest.mark.parametrize("kind", ["compare", "size", "sweep"])
def test_a_damaged_stored_scenario_is_named_and_resume_rewrites_it(
    stores, tmp_path, capsys, kind, damage
):
    store = Path(shutil.copytree(stores[kind], tmp_path / kind))
    (victim, *_) = sorted((store / "scenarios").glob("*.json"))
    original = (stores[kind] / "scenarios" / victim.name).read_text()
    change, reason = SCENARIO_DAMAGE[damage]
    change(victim)
    capsys.readouterr()
    report = ["report", str(store), "--no-warehouse", "-o", str(tmp_path / "r.html")]
    assert main(report) == 2
    line = one_line(capsys.readouterr().err)
    assert str(victim) in line and reason in line
    assert main([*COMMANDS[kind], "--jobs", "1", "--out", str(store), "--resume"]) == 0
    assert json.loads(victim.read_text()) == json.loads(original)  # the same scenario again
    assert main(report) == 0


def _strings(p: Path) -> None:
    pl.read_parquet(p).with_columns(pl.lit("x").alias("orders_placed")).write_parquet(p)


def _two_rows(p: Path) -> None:
    pl.concat([pl.read_parquet(p)] * 2).write_parquet(p)


KPI_DAMAGE = {
    "a text column": (_strings, "expected KPI columns of numbers, found 'orders_placed'"),
    "two rows": (_two_rows, "expected one row of KPIs, found 2"),
}


@pytest.mark.parametrize("damage", KPI_DAMAGE)
@pytest.mark.parametrize("kind", ["compare", "size", "sweep"])
def test_a_damaged_kpi_table_is_named_and_resume_redoes_the_run(
    stores, tmp_path, capsys, kind, damage
):
    store = Path(shutil.copytree(stores[kind], tmp_path / kind))
    (victim, *_) = sorted(store.glob("runs/*/r0001.kpis.parquet"))
    expected = pl.read_parquet(stores[kind] / victim.relative_to(store))
    change, reason = KPI_DAMAGE[damage]
    change(victim)
    capsys.readouterr()
    report = ["report", str(store), "--no-warehouse", "-o", str(tmp_path / "r.html")]
    assert main(report) == 2
    line = one_line(capsys.readouterr().err)
    assert str(victim) in line and reason in line and "--resume" in line
    assert main([*COMMANDS[kind], "--jobs", "1", "--out", str(store), "--resume"]) == 0
    # the run is simulated again with its own seed: the very KPIs it had before the damage
    assert pl.read_parquet(victim).equals(expected)
    assert main(report) == 0


@pytest.mark.parametrize("kind", ["size", "sweep"])
def test_resume_redoes_a_truncated_detail_table(stores, tmp_path, kind):
    store = Path(shutil.copytree(stores[kind], tmp_path / kind))
    (victim, *_) = sorted(store.glob("runs/*/r0000.orders.parquet"))
    expected = pl.read_parquet(stores[kind] / victim.relative_to(store))
    victim.write_bytes(victim.read_bytes()[:60])
    assert main([*COMMANDS[kind], "--jobs", "1", "--out", str(store), "--resume"]) == 0
    assert pl.read_parquet(victim).equals(expected)


RUN_DAMAGE = {
    "manifest a list": ("manifest.json", b"[1, 2]", "expected a JSON object, found a list"),
    "manifest without seed": (
        "manifest.json",
        None,
        "expected the key 'seed', found none",
    ),
    "kpis a list": ("kpis.json", b"[]", "expected a JSON object of KPIs, found a list"),
    "kpis of text": ("kpis.json", b'{"orders_placed": "many"}', "expected KPI 'orders_placed'"),
    "orders of other columns": (
        "orders.parquet",
        "table",
        "expected the event log's orders columns, missing 'order_id'",
    ),
    "roster of other columns": (
        "roster.parquet",
        "table",
        "expected the event log's roster columns, missing 'resource'",
    ),
    "steps truncated": ("steps.parquet", b"PAR1", "found a damaged file"),
}


@pytest.mark.parametrize("damage", RUN_DAMAGE)
@pytest.mark.parametrize("command", ["layout", "timeline"])
def test_a_damaged_run_directory_is_one_line(run_dir, tmp_path, capsys, command, damage):
    run = Path(shutil.copytree(run_dir, tmp_path / "run"))
    name, content, reason = RUN_DAMAGE[damage]
    if content is None:
        edit_manifest(run, lambda m: m.pop("seed"))
    elif content == "table":
        pl.DataFrame({"a": [1]}).write_parquet(run / name)
    else:
        (run / name).write_bytes(content)
    out = str(tmp_path / "pic.png")
    if command == "layout":
        args = ["layout", BASELINE, "--run", str(run), "-o", out, "--days", "1"]
        args += ["--set", "demand.orders_per_day=100"]
    else:
        args = ["timeline", str(run), "-o", out]
    capsys.readouterr()
    assert main(args) == 2
    line = one_line(capsys.readouterr().err)
    assert str(run / name) in line and reason in line
    assert not Path(out).exists()


def test_damaged_warehouse_captions_are_drawn_again(stores, tmp_path, capsys):
    store = Path(shutil.copytree(stores["compare"], tmp_path / "compare"))
    assert main(["report", str(store), "-o", str(tmp_path / "a.html")]) == 0
    captions = store / "warehouse" / "captions.json"
    assert captions.is_file()
    captions.write_text("[1, 2]")  # newer than the manifest, but not a captions table
    capsys.readouterr()
    assert main(["report", str(store), "-o", str(tmp_path / "b.html")]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert isinstance(json.loads(captions.read_text()), dict)  # drawn again
    assert "data:image/png;base64" in (tmp_path / "b.html").read_text()

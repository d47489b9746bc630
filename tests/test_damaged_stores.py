"""Damaged run stores are listed as damaged, named in one line, and redone by ``--resume``;
a failed cluster connection leaves no store marked running."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from sim.cli import main
from sim.experiments.store import RunStore, StoreError, list_stores

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
COMPARE = ["compare", str(BASELINE), "--plain", "--days", "1", "--set", "demand.orders_per_day=100"]
COMPARE += ["-r", "2"]


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, found {len(lines)}: {err!r}"
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    """A complete two-replication compare store (copied by each test that damages it)."""
    out = tmp_path_factory.mktemp("stores") / "good"
    assert main([*COMPARE, "--jobs", "1", "--out", str(out)]) == 0
    return out


def copy_of(stored: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(stored, tmp_path / "runs" / "exp"))


BAD_MANIFESTS = {
    "badjson": ('{"format": 1, "kind": ', "invalid JSON at line 1"),
    "binary": ("\x00\xff\xfe secret", "found binary data"),
    "alist": ("[1, 2, 3]", "expected a JSON object, found a list"),
    "nokeys": ('{"format": 1, "kind": "compare"}', "expected the key 'settings', found none"),
    "badkey": (
        '{"format": 1, "kind": "compare", "settings": {}, "status": "complete", '
        '"scenarios": [{"key": "../../etc", "name": "x"}]}',
        "scenarios[0]",
    ),
}


def test_damaged_manifests_are_listed_with_their_reason(stored: Path, tmp_path: Path, capsys):
    copy_of(stored, tmp_path)
    for name, (text, _) in BAD_MANIFESTS.items():
        (tmp_path / "runs" / name).mkdir()
        (tmp_path / "runs" / name / "manifest.json").write_bytes(text.encode("latin-1"))
    listed = {Path(s["path"]).name: s for s in list_stores(tmp_path / "runs")}
    assert set(listed) == {"exp", *BAD_MANIFESTS}
    assert listed["exp"]["status"] == "complete" and listed["exp"]["damaged"] is None
    assert listed["exp"]["runs"] == 2
    for name, (_, reason) in BAD_MANIFESTS.items():
        assert listed[name]["status"] == "damaged"
        assert reason in listed[name]["damaged"]
    capsys.readouterr()
    assert main(["runs", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    assert out.count("damaged:") == len(BAD_MANIFESTS)
    assert "Traceback" not in out


def test_opening_a_damaged_store_is_one_line(tmp_path: Path, capsys) -> None:
    for name, (text, reason) in BAD_MANIFESTS.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "manifest.json").write_bytes(text.encode("latin-1"))
        with pytest.raises(StoreError, match=reason.replace("[", r"\[").replace("]", r"\]")):
            RunStore.open(folder)
        rc = main(["report", str(folder), "-o", str(tmp_path / f"{name}.html")])
        line = one_line(capsys.readouterr().err)
        assert rc == 2 and str(folder / "manifest.json") in line
        assert "secret" not in line  # never the file's content


def test_a_truncated_kpis_file_is_named_by_report(stored: Path, tmp_path: Path, capsys) -> None:
    exp = copy_of(stored, tmp_path)
    (victim,) = exp.glob("runs/*/r0001.kpis.parquet")
    victim.write_bytes(victim.read_bytes()[:60])  # cut before the Parquet footer
    rc = main(["report", str(exp), "-o", str(tmp_path / "report.html")])
    line = one_line(capsys.readouterr().err)
    assert rc == 2
    assert str(victim) in line and "--resume" in line
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("table", ["kpis", "orders"])
def test_resume_redoes_a_damaged_run_only(stored: Path, tmp_path: Path, table: str) -> None:
    exp = copy_of(stored, tmp_path)
    (victim,) = exp.glob(f"runs/*/r0001.{table}.parquet")
    (kept,) = exp.glob("runs/*/r0000.kpis.parquet")
    stamp = kept.stat().st_mtime_ns
    expected = pl.read_parquet(stored / victim.relative_to(exp))
    victim.write_bytes(b"PAR1 not really")
    assert main([*COMPARE, "--jobs", "1", "--out", str(exp), "--resume"]) == 0
    # the damaged run is simulated again (same seed: the same table), the whole one reused
    assert pl.read_parquet(victim).equals(expected)
    assert kept.stat().st_mtime_ns == stamp
    assert RunStore.open(exp).manifest["status"] == "complete"


def test_a_failed_cluster_connection_leaves_no_store(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x"
    rc = main([*COMPARE, "--cluster", "tcp://127.0.0.1:1", "--out", str(out)])
    assert rc == 2
    assert "--cluster" in one_line(capsys.readouterr().err)
    assert not out.exists()  # nothing was stored: no empty store marked running


def test_a_failed_cluster_connection_on_resume_marks_it_interrupted(
    stored: Path, tmp_path: Path, capsys
) -> None:
    exp = copy_of(stored, tmp_path)
    (exp / "runs").rename(exp / "gone")  # no stored run: the cluster is needed
    rc = main([*COMPARE, "--cluster", "tcp://127.0.0.1:1", "--out", str(exp), "--resume"])
    assert rc == 2
    capsys.readouterr()
    manifest = json.loads((exp / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert "127.0.0.1:1" in manifest["stopped"]


def test_the_runs_page_lists_a_damaged_store(stored: Path, tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    copy_of(stored, tmp_path)
    (tmp_path / "runs" / "broken").mkdir()
    (tmp_path / "runs" / "broken" / "manifest.json").write_text("[]")
    (tmp_path / "scenarios").mkdir()
    monkeypatch.setenv("OMSIM_SCENARIOS_DIR", str(tmp_path / "scenarios"))
    monkeypatch.setenv("OMSIM_RUNS_DIR", str(tmp_path / "runs"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("app_pages/runs.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    rows = dict(zip(table["run directory"], table["status"], strict=True))
    assert rows["broken"] == "damaged: expected a JSON object, found a list"
    assert rows["exp"] == "finished"  # shown in the user's words
    assert at.selectbox(key="runs_open").options == ["exp"]  # a damaged one is not offered

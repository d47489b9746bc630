"""The "files" examples of issue 20, kept as regression tests through the real command line
(a subprocess, so a traceback anywhere would show): each is one line and exit 2, or a
correct import with the bad rows rejected and named."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
HEADER = "order_id,placed_at,sku,quantity,unit_price\n"


def omsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "sim.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300)


def one_line_exit_2(p: subprocess.CompletedProcess[str]) -> str:
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    return lines[0]


def test_a_price_overflowing_to_an_infinite_order_value_is_rejected(tmp_path):
    # 1e308 is a finite price; two lines of it make 2e308, beyond the float maximum 1.8e308
    f = tmp_path / "o.csv"
    f.write_text(f"{HEADER}1,2026-03-02 10:00,A,1,1e308\n1,2026-03-02 10:00,B,1,1e308\n"
                 "2,2026-03-02 11:00,A,2,3.5\n")  # fmt: skip
    p = omsim(
        "import", str(f), "--format", "generic", "-o", "out", "--rejects", "r.csv", cwd=tmp_path
    )
    assert p.returncode == 0 and "Traceback" not in p.stderr
    orders = pl.read_parquet(tmp_path / "out" / "orders.parquet")
    assert orders["value"].to_list() == [7.0]  # only order 2: 2 x 3.5
    assert pl.read_csv(tmp_path / "r.csv")["reason"].to_list() == ["order value too large"] * 2


def test_a_price_of_1e400_is_rejected_not_imported_as_infinite(tmp_path):
    f = tmp_path / "o.csv"
    f.write_text(f"{HEADER}1,2026-03-02 10:00,A,1,1e400\n2,2026-03-02 11:00,A,1,2\n")
    p = omsim(
        "import", str(f), "--format", "generic", "-o", "out", "--rejects", "r.csv", cwd=tmp_path
    )
    assert p.returncode == 0
    assert pl.read_parquet(tmp_path / "out" / "orders.parquet")["order_id"].to_list() == ["2"]
    assert pl.read_csv(tmp_path / "r.csv")["reason"].to_list() == ["price not a number"]


def test_a_quantity_sum_above_uint32_is_rejected_not_a_crash(tmp_path):
    # 3e9 + 3e9 units exceed 4,294,967,295, the largest UInt32
    f = tmp_path / "o.csv"
    f.write_text(f"{HEADER}1,2026-03-02 10:00,A,3000000000,1\n1,2026-03-02 10:00,B,3000000000,1\n"
                 "2,2026-03-02 11:00,A,5,1\n")  # fmt: skip
    p = omsim(
        "import", str(f), "--format", "generic", "-o", "out", "--rejects", "r.csv", cwd=tmp_path
    )
    assert p.returncode == 0 and "Traceback" not in p.stderr
    assert pl.read_parquet(tmp_path / "out" / "orders.parquet")["n_units"].to_list() == [5]
    reasons = pl.read_csv(tmp_path / "r.csv")["reason"].to_list()
    assert reasons == ["order quantity too large"] * 2


def test_a_replay_with_dates_in_year_9999_is_one_line(tmp_path):
    f = tmp_path / "o.csv"
    f.write_text(f"{HEADER}1,9999-03-02 10:00,A,1,1\n2,9999-12-31 23:59,A,1,1\n")
    p = omsim("replay", str(f), "--format", "generic", "--scenario", BASELINE, cwd=tmp_path)
    line = one_line_exit_2(p)
    assert str(f) in line and "date outside 1990-2100 2" in line


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("store") / "exp"
    p = omsim("compare", BASELINE, "--plain", "--days", "1", "--set", "demand.orders_per_day=100",
              "-r", "2", "--jobs", "1", "--out", str(out), cwd=ROOT)  # fmt: skip
    assert p.returncode == 0, p.stderr
    return out


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        ("[1, 2, 3]", "expected a JSON object, found a list"),
        ('{"format": 1, "kind": "compare"}', "expected the key 'settings', found none"),
        ('{"format": 1}', "expected the key 'kind', found none"),
    ],
)
def test_report_on_a_manifest_that_is_a_list_or_lacks_keys_is_one_line(
    store, tmp_path, manifest, reason
):
    exp = Path(shutil.copytree(store, tmp_path / "exp"))
    (exp / "manifest.json").write_text(manifest)
    line = one_line_exit_2(omsim("report", str(exp), "-o", "r.html", cwd=tmp_path))
    assert str(exp / "manifest.json") in line and reason in line
    assert not (tmp_path / "r.html").exists()


def test_report_on_a_truncated_parquet_file_is_one_line(store, tmp_path):
    exp = Path(shutil.copytree(store, tmp_path / "exp"))
    (victim,) = exp.glob("runs/*/r0000.kpis.parquet")
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    line = one_line_exit_2(omsim("report", str(exp), "-o", "r.html", cwd=tmp_path))
    assert str(victim) in line and "--resume" in line
    json.loads((exp / "manifest.json").read_text())  # the store itself left as it was

"""Tests for the ``omsim`` command line: run, validate, schema; exit codes and one-line errors.

Mostly in-process through ``sim.cli.main`` (fast); the first run goes through the installed
``omsim`` console script in a real subprocess to prove the entry point.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sim.cli import main
from sim.config import Scenario
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
TABLES = ("orders", "steps", "events", "roster", "stock", "customers", "returns", "reviews")
OUTPUTS = [f"{t}.parquet" for t in TABLES] + ["kpis.json", "manifest.json"]
# Small runs: 1 day of arrivals at 200 orders/day (plus the baseline's drain days).
SMALL = ["--days", "1", "--set", "demand.orders_per_day=200"]
SEED = 7


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, found {len(lines)}: {err!r}"
    assert "Traceback" not in err
    return lines[0]


def run_main(capsys, argv: list[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def read_tables(out_dir: Path) -> dict[str, pl.DataFrame]:
    return {t: pl.read_parquet(out_dir / f"{t}.parquet") for t in TABLES}


# --------------------------------------------------------------------------------------------
# omsim run
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def script_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """One small baseline run through the installed console script."""
    exe = shutil.which("omsim")
    if exe is None:
        pytest.skip("the omsim console script is not installed (pip install -e .)")
    out = tmp_path_factory.mktemp("script") / "run"
    argv = [exe, "run", str(BASELINE), *SMALL, "--set", "picking.routing=return"]
    argv += ["--seed", str(SEED), "--out", str(out)]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
    return proc, out


def test_run_console_script_exit_0_and_kpi_table(script_run) -> None:
    proc, out = script_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Lead time, mean" in proc.stdout
    assert "Delivered on time" in proc.stdout
    for name in OUTPUTS:
        assert (out / name).is_file(), name


def test_run_writes_manifest(script_run) -> None:
    _, out = script_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == SEED
    expected = load_scenario(
        BASELINE,
        {
            "demand.orders_per_day": "200",
            "picking.routing": "return",
            "simulation.horizon_days": 1.0,
        },
    )
    assert manifest["fingerprint"] == expected.fingerprint()
    scenario = Scenario.model_validate(manifest["scenario"])
    assert scenario == expected
    assert scenario.fingerprint() == manifest["fingerprint"]
    # --set and --days landed in the scenario
    assert manifest["scenario"]["demand"]["orders_per_day"] == 200
    assert manifest["scenario"]["picking"]["routing"] == "return"
    assert manifest["scenario"]["simulation"]["horizon_days"] == 1
    assert manifest["scenario"]["name"] == "baseline"
    assert {"python", "omsim", "simpy", "numpy", "polars", "pydantic"} <= set(manifest["versions"])


def test_run_writes_tables_and_kpis(script_run) -> None:
    _, out = script_run
    tables = read_tables(out)
    n = tables["orders"].height
    # 200 orders/day for one day (Monday, multiplier 1.08): about 216, Poisson sd ~15;
    # the default 2000/day would give ~2000, so this shows the --set reached the model.
    assert 100 < n < 400
    assert tables["steps"].height > n  # several steps per order
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rows"] == {t: f.height for t, f in tables.items()}
    kpis = json.loads((out / "kpis.json").read_text())
    assert isinstance(kpis["lead_time_mean_h"], float)
    assert kpis["lead_time_mean_h"] > 0
    assert kpis["orders_placed"] == n


def test_same_seed_gives_identical_tables(script_run, capsys, tmp_path: Path) -> None:
    _, first = script_run
    again = tmp_path / "again"
    argv = ["run", str(BASELINE), *SMALL, "--set", "picking.routing=return"]
    rc, _, err = run_main(capsys, [*argv, "--seed", str(SEED), "--out", str(again)])
    assert rc == 0, err
    a, b = read_tables(first), read_tables(again)
    for t in TABLES:
        assert_frame_equal(a[t], b[t])
    assert json.loads((first / "kpis.json").read_text()) == json.loads(
        (again / "kpis.json").read_text()
    )
    # this run is in-process, so its versions are this interpreter's
    versions = json.loads((again / "manifest.json").read_text())["versions"]
    assert versions["python"] == ".".join(map(str, sys.version_info[:3]))
    assert versions["polars"] == pl.__version__


def test_different_seed_gives_different_orders(script_run, capsys, tmp_path: Path) -> None:
    _, first = script_run
    other = tmp_path / "other"
    argv = ["run", str(BASELINE), *SMALL, "--set", "picking.routing=return"]
    rc, _, err = run_main(capsys, [*argv, "--seed", str(SEED + 1), "--out", str(other)])
    assert rc == 0, err
    a = pl.read_parquet(first / "orders.parquet")
    b = pl.read_parquet(other / "orders.parquet")
    assert not a.equals(b)
    assert json.loads((other / "manifest.json").read_text())["seed"] == SEED + 1


def test_run_in_process_prints_kpis_without_out(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    rc, out, err = run_main(capsys, ["run", str(BASELINE), *SMALL, "--seed", "3"])
    assert rc == 0, err
    assert "Lead time, mean" in out
    assert list(tmp_path.iterdir()) == []  # nothing written without --out


@pytest.mark.parametrize(
    ("sets", "needle"),
    [
        (["picking.bogus=1"], "bogus"),
        (["demand.orders_per_day=lots"], "demand.orders_per_day"),
        (["picking.routing=zigzag"], "picking.routing"),
        (["staffing.shifts.99.headcount=1"], "staffing.shifts.99"),
        (["picking.routing"], "picking.routing"),  # no '='
        (["=3"], "=3"),  # no key
    ],
)
def test_bad_set_exit_2_one_line(capsys, sets: list[str], needle: str, tmp_path: Path) -> None:
    argv = ["run", str(BASELINE), "--days", "1", "--out", str(tmp_path / "o")]
    for s in sets:
        argv += ["--set", s]
    rc, _, err = run_main(capsys, argv)
    assert rc == 2
    assert needle in one_line(err)
    assert not (tmp_path / "o").exists()


def test_bad_set_below_a_scalar_exit_2_one_line(capsys) -> None:
    rc, _, err = run_main(capsys, ["run", str(BASELINE), "--set", "picking.routing.x.y=1"])
    assert rc == 2
    assert "picking.routing" in one_line(err)


def test_bad_set_in_subprocess_no_traceback() -> None:
    # a real process, so any traceback printed by the interpreter would be seen
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(BASELINE), "--set", "picking.bogus=1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    line = one_line(proc.stderr)
    assert "picking.bogus" in line
    assert proc.stdout == ""


def test_run_bad_scenario_file(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[picking]\nrouting = "zigzag"\n')
    rc, out, err = run_main(capsys, ["run", str(bad), "--days", "1"])
    assert rc == 2
    line = one_line(err)
    assert str(bad) in line and "picking.routing" in line
    assert out == ""


def test_run_missing_scenario_file(capsys, tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    rc, _, err = run_main(capsys, ["run", str(missing)])
    assert rc == 2
    assert str(missing) in one_line(err)


def test_run_out_is_a_regular_file(capsys, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("not a directory\n")
    rc, _, err = run_main(capsys, ["run", str(BASELINE), *SMALL, "--out", str(target)])
    assert rc == 2
    assert str(target) in one_line(err)
    assert target.read_text() == "not a directory\n"


def test_run_missing_argument_one_line(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run"])
    assert info.value.code == 2
    one_line(capsys.readouterr().err)


# --------------------------------------------------------------------------------------------
# omsim validate
# --------------------------------------------------------------------------------------------


def test_validate_good_files(capsys, tmp_path: Path) -> None:
    tiny = tmp_path / "tiny.toml"
    tiny.write_text('name = "tiny"\n[demand]\norders_per_day = 10\n')
    rc, out, err = run_main(capsys, ["validate", str(BASELINE), str(tiny)])
    assert rc == 0
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(str(BASELINE)) and "ok" in lines[0]
    assert lines[1].startswith(str(tiny)) and "ok" in lines[1]
    assert load_scenario(tiny).fingerprint() in lines[1]


def test_validate_bad_files_one_line_each(capsys, tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[picking]\nspeed = 2\n")
    syntax = tmp_path / "syntax.toml"
    syntax.write_text("[picking\nrouting = 1\n")
    impossible = tmp_path / "impossible.toml"
    impossible.write_text('[[staffing.shifts]]\nrole = "packers"\n')
    missing = tmp_path / "missing.toml"
    good = tmp_path / "good.toml"
    good.write_text('name = "good"\n')
    files = [unknown, syntax, good, impossible, missing]
    rc, out, err = run_main(capsys, ["validate", *map(str, files)])
    assert rc == 2
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 4
    for line, path in zip(lines, [unknown, syntax, impossible, missing], strict=True):
        assert line.startswith(str(path)), line
    assert "picking.speed" in lines[0]
    assert "TOML" in lines[1]
    assert "pickers" in lines[2]
    assert len(out.splitlines()) == 1 and out.startswith(str(good))


@pytest.mark.parametrize(
    "text", [None, "name = \n", "[demand]\norders_per_day = [1,\n", 'name = "x"\nname = "y"\n']
)
def test_validate_single_bad_file(capsys, tmp_path: Path, text: str | None) -> None:
    path = tmp_path / "one.toml"
    if text is not None:
        path.write_text(text)
    rc, out, err = run_main(capsys, ["validate", str(path)])
    assert rc == 2
    assert one_line(err).startswith(str(path))
    assert out == ""


# --------------------------------------------------------------------------------------------
# omsim schema
# --------------------------------------------------------------------------------------------


def test_schema_markdown_and_json(capsys) -> None:
    rc, out, _ = run_main(capsys, ["schema"])
    assert rc == 0
    assert out.startswith("# Scenario reference")
    assert "## `staffing.shifts[]`" in out
    rc, out, _ = run_main(capsys, ["schema", "--json"])
    assert rc == 0
    schema = json.loads(out)
    assert set(Scenario.model_fields) <= set(schema["properties"])


def test_progress_bar_on_a_terminal_counts_simulated_days(tmp_path) -> None:
    """On a terminal (a pseudo-tty here), stderr shows a progress bar of simulated days."""
    import os
    import pty
    import subprocess
    import threading

    primary, secondary = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:  # read the terminal while the command runs
        while True:
            try:
                data = os.read(primary, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", "scenarios/baseline.toml", "--days", "3",
         "--set", "demand.orders_per_day=300"],
        stdout=subprocess.PIPE, stderr=secondary, cwd=ROOT, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "120"},
    )  # fmt: skip
    os.close(secondary)
    reader.join(timeout=10)
    os.close(primary)
    err = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 0, err
    assert "simulated days" in err and "/10 simulated days" in err  # 3 days + 7 drain days
    assert "Traceback" not in err
    assert b"Lead time, mean" in proc.stdout

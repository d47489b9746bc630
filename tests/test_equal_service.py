"""``omsim compare --equal-service``: each scenario sized to the same SLAs (as ``omsim size``
does), then staff, paid hours, wage bill and cost per order compared with paired CIs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.cli import main
from sim.experiments.store import RunStore

TINY = """
name = "{name}"
[simulation]
horizon_days = 2
drain_days = 2
[demand]
orders_per_day = {orders}
[picking]
method = "{method}"
[[staffing.shifts]]
role = "pickers"
start = "07:00"
end = "15:30"
headcount = 2
breaks = [{{ start = "11:00", minutes = 30 }}]
[[staffing.shifts]]
role = "packers"
start = "08:00"
end = "16:30"
headcount = 2
"""
PICKERS, PACKERS = "pickers Mon-Fri 07:00-15:30", "packers Mon-Fri 08:00-16:30"
# plain runs of the files' 2 weekdays: the test is about the mechanics, not steady state
SIZING = ["--plain", "--roles", "pickers,packers", "--max-headcount", "5", "-r", "3", "--jobs", "1"]


def _files(tmp_path):
    a = tmp_path / "single.toml"
    a.write_text(TINY.format(name="single", orders=150, method="single"))
    b = tmp_path / "batch.toml"
    b.write_text(TINY.format(name="batch", orders=600, method="batch"))
    return str(a), str(b)


@pytest.mark.slow
def test_equal_service_sizes_each_scenario_and_compares_costs_paired(tmp_path, capsys):
    a, b = _files(tmp_path)
    out = tmp_path / "es"
    sla = "time_to_ship_p95 <= 2d"
    code = main(["compare", "--equal-service", sla, a, b, *SIZING, "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "staff and cost at equal service" in text and "1. single" in text and "2. batch" in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "compare"
    record = manifest["summary"]["equal_service"]
    assert record["slas"] == [sla]
    methods = record["methods"]
    assert [m["scenario"] for m in methods] == ["single", "batch"]
    for m in methods:
        p, k = m["headcount"][PICKERS], m["headcount"][PACKERS]
        assert m["feasible"] and m["heads"] == p + k
        # 07:00-15:30 less a 30-min break = 8 h, 08:00-16:30 = 8.5 h, five days; wage 18/h
        assert m["paid_hours_per_week"] == pytest.approx({"pickers": 40 * p, "packers": 42.5 * k})
        assert m["weekly_cost"] == pytest.approx(18 * (40 * p + 42.5 * k))
    # the same answers 'omsim size' gives alone (same entry point, seed and replications)
    for path, m in zip((a, b), methods, strict=True):
        alone = tmp_path / f"alone_{m['scenario']}"
        assert main(["size", path, "--sla", sla, *SIZING, "--out", str(alone)]) == 0
        answer = json.loads((alone / "manifest.json").read_text())["summary"]["answer"]
        assert answer["headcount"] == m["headcount"]
    capsys.readouterr()
    # four times the orders on one picker shift: batch needs at least as many people
    assert methods[1]["heads"] >= methods[0]["heads"]
    # paired differences recomputed from the stored runs of the two answers
    store = RunStore.open(out)
    keys = {s["name"]: s["key"] for s in store.scenarios()}
    runs = store.kpis([keys[m["stored_as"]] for m in methods])
    per = {
        m["stored_as"]: runs.filter(runs["scenario_key"] == keys[m["stored_as"]])
        .sort("replication")["cost_per_order"]
        .to_numpy()
        for m in methods
    }
    first, second = (per[m["stored_as"]] for m in methods)
    assert len(first) == len(second) == 3
    rows = {(r["kpi"], r["scenario_index"]): r for r in record["comparison"]}
    diff = rows[("cost_per_order", 1)]
    assert diff["diff_mean"] == pytest.approx(float(np.mean(second - first)))
    assert diff["diff_low"] <= diff["diff_mean"] <= diff["diff_high"]
    assert rows[("cost_per_order", 0)]["diff_mean"] is None
    assert ("time_to_ship_p95_h", 1) in rows and ("labour_cost_per_order", 1) in rows
    # the report renders the comparison
    assert main(["report", str(out), "-o", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text()
    assert "Equal-service comparison" in html and PICKERS in html


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--equal-service", "no_such_kpi >= 1"], "no_such_kpi"),
        (["--equal-service", "shipped_same_day >= 0.9", "--roles", "sorters"], "no sorters shift"),
        (["--equal-service", "shipped_same_day >= 0.9", "--max-headcount", "0"], "--max-headcount"),
        (["--equal-service", "shipped_same_day >= 0.9", "--precision", "0.1"], "--precision"),
    ],
)
def test_bad_equal_service_input_is_one_line_and_exit_2(tmp_path, capsys, args, fragment):
    a, b = _files(tmp_path)
    code = main(["compare", a, b, *args, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()

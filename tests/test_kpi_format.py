"""The KPI catalogue's presentation (labels, groups, formats, practical thresholds) and what
``omsim run`` prints with it: grouped headline KPIs, --all, --json, the README's command."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from analysis.kpis.defs import KPI_DEFS, kpi_def
from analysis.kpis.formatting import (
    format_diff,
    format_kpi,
    format_value,
    kpi_group,
    kpi_help,
    kpi_label,
    kpi_label_with_unit,
    practical_threshold,
)
from analysis.kpis.presentation import GROUPS
from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = ["--days", "1", "--set", "demand.orders_per_day=200"]
SCIENTIFIC = re.compile(r"\d[eE][+-]\d")


# --- the catalogue ------------------------------------------------------------------------


def test_every_kpi_has_a_label_group_format_and_threshold():
    for name, d in KPI_DEFS.items():
        assert d.label and "_" not in d.label, name
        assert d.group in GROUPS, (name, d.group)
        assert d.format in ("decimals", "percent", "currency"), name
        assert d.practical >= 0, name
        if d.unit == "share":
            assert d.format == "percent", name


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("lead_time_mean_h", "service"),
        ("on_time_delivery", "service"),
        ("picks_per_labour_hour", "productivity"),
        ("travel_m_per_order", "productivity"),
        ("utilisation_packers", "productivity"),
        ("picking_accuracy_lines", "quality"),
        ("damage_rate", "quality"),
        ("cost_per_order", "cost"),
        ("labour_cost_per_order_pickers", "cost"),
        ("retention", "customers"),
        ("return_rate", "customers"),
    ],
)
def test_groups_a_manager_expects(name, group):
    assert kpi_group(name) == group


def test_labels_are_words_with_units():
    assert kpi_label("lead_time_mean_h") == "Lead time, mean"
    assert kpi_label_with_unit("lead_time_mean_h") == "Lead time, mean (hours)"
    assert kpi_label("utilisation_label_printers") == "Utilisation: label printers"
    # the unit is not repeated when the label says it, nor for shares (the values say %)
    assert kpi_label_with_unit("cost_per_order") == "Cost per order"
    assert kpi_label_with_unit("shipped_same_day") == "Shipped the same day"
    assert kpi_label_with_unit("travel_m_per_order") == "Picking travel per order (m)"
    # an unknown name is shown as itself rather than failing
    assert kpi_label("no_such_kpi") == "No such kpi"


def test_help_says_what_the_kpi_is_and_which_way_is_better():
    text = kpi_help("lead_time_mean_h")
    assert kpi_def("lead_time_mean_h").description in text
    assert "lower is better" in text and "hours" in text
    assert "higher is better" in kpi_help("on_time_delivery")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("shipped_same_day", 0.3864, "38.6%"),  # a share as a percentage, 1 decimal
        ("picking_accuracy_lines", 0.99551, "99.55%"),  # accuracy needs 2 decimals
        ("orders_placed", 28150.0, "28,150"),  # counts: thousands separator, no decimals
        ("cost_per_order", 11.6, "11.60"),  # money per order: cents
        ("total_cost", 288802.4, "288,802"),  # money totals: whole units
        ("lead_time_mean_h", 85.912, "85.9"),
        ("cost_per_order", 0.0, "0"),
        ("cost_per_order", float("nan"), "-"),
        # small non-zero values keep two significant digits instead of reading as 0.00
        ("overtime_cost_per_order", 0.008156, "0.0082"),
    ],
)
def test_format_value(name, value, expected):
    assert format_value(name, value) == expected


def test_no_scientific_notation_even_for_tiny_values():
    for value in (1e-9, 3.2e-7, 4.5e-5):
        for name in ("overtime_cost_per_order", "line_sort_min", "damage_rate"):
            assert not SCIENTIFIC.search(format_value(name, value)), (name, value)


def test_format_kpi_and_diff():
    assert format_kpi("lead_time_mean_h", 85.91) == "85.9 hours"
    assert format_kpi("shipped_same_day", 0.5) == "50.0%"
    assert format_diff("shipped_same_day", -0.004) == "-0.4 pp"  # percentage points
    assert format_diff("lead_time_mean_h", 2.34) == "+2.3"
    assert format_diff("lead_time_mean_h", -2.34) == "-2.3"
    assert format_diff("cost_per_order", 0.0) == "0"


def test_practical_threshold_default_and_override():
    # half a percentage point is the smallest change of a share a manager acts on
    assert practical_threshold("shipped_same_day") == 0.005
    assert practical_threshold("cost_per_order") == 0.05
    assert practical_threshold("cost_per_order", {"cost_per_order": 0.5}) == 0.5


# --- omsim run ----------------------------------------------------------------------------


def _run(capsys, argv):
    rc = main(argv)
    out, err = capsys.readouterr()
    assert rc == 0, err
    return out, err


def test_run_prints_grouped_labels_and_hides_switched_off_stages(capsys):
    out, _ = _run(capsys, ["run", str(BASELINE), *SMALL])
    assert "Lead time, mean" in out and "Cost per order" in out
    assert "lead_time_mean_h" not in out  # labels, not snake_case names
    assert not SCIENTIFIC.search(out)
    # the groups appear in the catalogue's order
    positions = [out.index(g) for g in ("service", "productivity", "quality", "cost")]
    assert positions == sorted(positions)
    # baseline picks single orders: no sort station, no wave consolidation -> hidden
    assert "sorting" not in out and "consolidation" not in out.lower()
    assert "Queue" not in out


def test_run_all_shows_every_kpi(capsys):
    out, _ = _run(capsys, ["run", str(BASELINE), *SMALL, "--all"])
    # the stages switched off in the baseline are listed (with 0) under --all
    assert "Time per line: sorting" in out
    assert "Queue, mean: sort" in out
    assert not SCIENTIFIC.search(out)


def test_run_json_is_machine_readable_and_matches_kpis_json(capsys, tmp_path):
    out, err = _run(capsys, ["run", str(BASELINE), *SMALL, "--json", "--out", str(tmp_path / "o")])
    doc = json.loads(out)  # stdout is JSON only: notes went to stderr
    assert doc["scenario"] == "baseline" and doc["seed"] == 1
    stored = json.loads((tmp_path / "o" / "kpis.json").read_text())
    assert doc["kpis"] == stored
    assert "wrote" in err


def test_run_says_how_many_tables_it_wrote(capsys, tmp_path):
    out_dir = tmp_path / "o"
    out, _ = _run(capsys, ["run", str(BASELINE), *SMALL, "--out", str(out_dir)])
    parquet = sorted(p.stem for p in out_dir.glob("*.parquet"))
    line = next(x for x in out.splitlines() if x.startswith("wrote"))
    assert line.startswith(f"wrote {len(parquet)} tables")
    for name in parquet:
        assert name in line


def test_readme_opening_command_prints_at_most_25_rows(capsys, tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"pip install -e \. && (omsim run [^\n]+)", readme)
    assert command, "the README opens with pip install -e . && omsim run ..."
    argv = shlex.split(command.group(1))[1:]
    monkeypatch.chdir(ROOT)
    out_at = argv.index("--out") + 1
    argv[out_at] = str(tmp_path / "baseline")
    out, _ = _run(capsys, argv)
    assert len(out.splitlines()) <= 25, out

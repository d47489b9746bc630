"""Regression corpus of issue 20's "numbers" and "text" examples: each one gives exactly one
line on stderr naming the offending key or option, exit code 2 and no traceback (or, for
markup in a name, a correct run).

Every case fails before simulating anything (the refusal is the point), so the file is fast.
The expected fragment of each message is the key or option the example sets: the message
must say where the problem is, not merely that there is one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim.cli import main
from sim.config import Scenario
from sim.run_estimate import DEFAULT_MAX_ORDERS, check_run, estimate_run
from sim.scenario import load_scenario
from sim.strict_numbers import parse_number

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
HOURS_WITH_INF = "[" + ", ".join(["inf"] + ["1.0"] * 23) + "]"


def call(capsys, argv: list[str]) -> tuple[int, str, str]:
    """``omsim argv`` in-process: exit code, stdout, stderr (argparse errors exit too)."""
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = int(exc.code or 0)
    out, err = capsys.readouterr()
    return rc, out, err


def refused(capsys, argv: list[str], fragment: str) -> str:
    """Assert one line on stderr containing ``fragment``, exit 2, no traceback."""
    rc, _, err = call(capsys, argv)
    lines = err.splitlines()
    assert rc == 2, (rc, err[:500])
    assert len(lines) == 1, f"expected one line on stderr, found {len(lines)}: {err[:500]!r}"
    assert "Traceback" not in err
    assert fragment in lines[0], (fragment, lines[0][:300])
    return lines[0]


RUN = ["run", BASELINE]

NUMBERS = [
    ("days-inf", [*RUN, "--days", "inf"], "--days"),
    ("days-100000", [*RUN, "--days", "100000"], "horizon_days"),
    ("orders-per-day-inf", [*RUN, "--set", "demand.orders_per_day=inf"], "orders_per_day"),
    ("orders-per-day-1e9", [*RUN, "--set", "demand.orders_per_day=1e9"], "orders_per_day"),
    # within the schema's range but 14 days of a million orders: the pre-run estimate
    ("orders-estimate", [*RUN, "--set", "demand.orders_per_day=1e6"], "--max-orders"),
    ("drain-inf", [*RUN, "--set", "simulation.drain_days=inf"], "drain_days"),
    ("drain-1e5", [*RUN, "--set", "simulation.drain_days=1e5"], "drain_days"),
    ("weekday-inf", [*RUN, "--set", "demand.weekday_multipliers.mon=inf"], "weekday_multipliers"),
    ("hourly-inf", [*RUN, "--set", f"demand.hourly_weights={HOURS_WITH_INF}"], "hourly_weights"),
    ("hourly-nan", [*RUN, "--set", "demand.hourly_weights.3=nan"], "hourly_weights"),
    (
        "wave-interval-tiny",
        [
            *RUN,
            "--set",
            "picking.method=wave",
            "--set",
            "picking.wave.release=interval",
            "--set",
            "picking.wave.interval_min=1e-6",
        ],
        "interval_min",
    ),  # fmt: skip
    ("stock-sync-tiny", [*RUN, "--set", "demand.channels.0.stock_sync_min=1e-6"], "stock_sync"),
    ("rekey-tiny", [*RUN, "--set", "demand.channels.0.rekey_every_h=1e-9"], "rekey_every_h"),
    ("order-value-cv-huge", [*RUN, "--set", "demand.order_value_cv=1e300"], "order_value_cv"),
    ("seed-negative", [*RUN, "--seed", "-1"], "--seed"),
    ("replication-negative", [*RUN, "--replication", "-1"], "--replication"),
    ("compare-replications-negative", ["compare", BASELINE, "-r", "-1"], "--replications"),
    ("warmup-inf", [*RUN, "--warmup-days", "inf"], "--warmup-days"),
    ("warmup-past-horizon", [*RUN, "--days", "1", "--warmup-days", "1"], "--warmup-days"),
    ("warmup-nan", [*RUN, "--warmup-days", "nan"], "--warmup-days"),
    ("days-non-ascii", [*RUN, "--days", "\u0661"], "--days"),
    ("seed-5000-digits", [*RUN, "--seed", "9" * 5000], "--seed"),
    (
        "sweep-orders-estimate",
        ["sweep", BASELINE, "--param", "demand.orders_per_day=1e6,2e6"],
        "--max-orders",
    ),
    (
        "compare-plain-warmup-past-horizon",
        ["compare", BASELINE, "--plain", "--warmup-days", "30"],
        "--warmup-days",
    ),
    ("compare-tail-inf", ["compare", BASELINE, "--tail-days", "inf"], "--tail-days"),
    ("compare-seed-negative", ["compare", BASELINE, "--seed", "-1"], "--seed"),
    (
        "compare-orders-estimate",
        ["compare", BASELINE, BASELINE, "--set", "demand.orders_per_day=1e6"],
        "--max-orders",
    ),
]


@pytest.mark.parametrize("argv, fragment", [c[1:] for c in NUMBERS], ids=[c[0] for c in NUMBERS])
def test_numbers_are_refused_in_one_line(capsys, argv, fragment):
    refused(capsys, argv, fragment)


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _based(body: str) -> str:
    return f'base = "{BASELINE}"\n{body}'


TEXT_FILES = [
    ("int-5000-digits", _based("[demand]\norders_per_day = " + "9" * 5000 + "\n"), "4,300 digits"),
    ("deep-arrays", "x = " + "[" * 100_000 + "]" * 100_000 + "\n", "nested at most"),
    ("deep-arrays-parsable", "x = " + "[" * 60 + "]" * 60 + "\n", "nested at most"),
    ("deep-tables", "x = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n", "nested at most"),
    ("deep-dotted-keys", "a" + ".a" * 5000 + " = 1\n", "nested at most"),
    ("start-year-1", _based("[simulation]\nstart = 0001-01-01T00:00:00\n"), "1970..2200"),
    ("start-year-9999", _based("[simulation]\nstart = 9999-12-01T00:00:00\n"), "1970..2200"),
    ("holiday-year-9999", _based("[calendar]\nholidays = [9999-01-01]\n"), "1970..2200"),
    ("long-name", _based(f'name = "{"x" * 1000}"\n'), "name"),
    ("name-1mb", _based(f'name = "{"x" * 1_000_000}"\n'), "name: expected at most 200"),
    ("key-with-line-break", _based('[demand]\n"x\\ny" = 2\n'), "unknown key"),
    ("name-with-line-break", _based('name = "a\\nb"\n'), "control characters"),
]


@pytest.mark.parametrize(
    "text, fragment", [c[1:] for c in TEXT_FILES], ids=[c[0] for c in TEXT_FILES]
)
def test_bad_scenario_files_are_refused_in_one_line(capsys, tmp_path, text, fragment):
    path = _file(tmp_path, "bad.toml", text)
    refused(capsys, ["validate", path], fragment)
    refused(capsys, ["run", path, "--days", "0.1"], fragment)


def test_a_base_chain_of_1200_files_is_refused_in_one_line(capsys, tmp_path):
    for i in range(1200):
        body = f'base = "b{i + 1}.toml"\n' if i < 1199 else f'base = "{BASELINE}"\n'
        (tmp_path / f"b{i}.toml").write_text(body)
    line = refused(capsys, ["validate", str(tmp_path / "b0.toml")], "chain of at most 32")
    assert "b32.toml" in line  # the 33rd file of the chain is the one refused


def test_a_chain_of_32_files_still_loads(tmp_path):
    for i in range(31):  # 31 files and the baseline at the end of their chain
        body = f'base = "b{i + 1}.toml"\n' if i < 30 else f'base = "{BASELINE}"\n'
        (tmp_path / f"b{i}.toml").write_text(body + f"description = 'level {i}'\n")
    # the nearest file's value wins over those of its bases
    assert load_scenario(tmp_path / "b0.toml").description == "level 0"


SET_TEXT = [
    ("index-arabic-digit", "staffing.shifts.\u0661.headcount=3", "list index"),
    ("index-fullwidth-digit", "staffing.shifts.\uff11.headcount=3", "list index"),
    ("index-huge", "staffing.shifts." + "9" * 5000 + ".headcount=3", "list index"),
    ("value-5000-digits", "demand.orders_per_day=" + "9" * 5000, "4,300 digits"),
    ("value-deep", "description=" + "[" * 500 + "]" * 500, "nested at most"),
    ("name-1mb", "name='" + "x" * 1_000_000 + "'", "name"),
]


@pytest.mark.parametrize("item, fragment", [c[1:] for c in SET_TEXT], ids=[c[0] for c in SET_TEXT])
def test_bad_set_text_is_refused_in_one_line(capsys, item, fragment):
    refused(capsys, [*RUN, "--days", "0.1", "--set", item], fragment)


@pytest.mark.parametrize("name", ["[/bold]", "[bold]x", "[link=http://x]y[/link] ✓ ünïcødé"])
def test_markup_in_a_name_is_shown_as_text(capsys, name):
    rc, out, err = call(
        capsys,
        [*RUN, "--days", "0.05", "--set", "demand.orders_per_day=100",
         "--set", "simulation.drain_days=0.5", "--set", f"name={name!r}".replace("'", '"')],
    )  # fmt: skip
    assert rc == 0, err[:500]
    assert "Traceback" not in err
    assert f"{name}: seed 1" in out  # printed literally, brackets and all


def test_the_estimate_counts_weekday_multiplied_days():
    sc = load_scenario(BASELINE)
    est = estimate_run(sc)
    # baseline: 2,000 a day for two whole weeks starting on a Monday, weekday multipliers
    # 1.08 + 1 + 1 + 1.08 + 0.97 + 0.92 + 0.95 = 7.0 a week -> 2,000 x 14.0 = 28,000
    assert est.orders == pytest.approx(28_000)
    # one integrated channel syncing stock every 15 minutes over 14 + 7 days
    assert est.timer_events == pytest.approx(21 * 1440 / 15)
    assert est.days == 21


def test_the_estimate_multiplies_dated_periods():
    sc = Scenario.model_validate(
        {
            "simulation": {"start": dt.datetime(2026, 3, 2), "horizon_days": 7},
            "demand": {
                "orders_per_day": 100,
                "weekday_multipliers": {},
                "calendar": [{"start": "2026-03-03", "end": "2026-03-04", "multiplier": 3}],
            },
        }
    )
    # 5 days at 100 and 2 days at 300
    assert estimate_run(sc).orders == pytest.approx(5 * 100 + 2 * 300)


def test_the_limit_is_the_one_given():
    sc = load_scenario(BASELINE)
    check_run(sc, 28_001)  # 28,000 expected: passes
    with pytest.raises(Exception, match=r"--max-orders \d+$") as info:
        check_run(sc, 27_999)
    assert "28,000 orders" in str(info.value)
    assert DEFAULT_MAX_ORDERS >= 365 * 2000  # a year of the baseline runs by default


@pytest.mark.parametrize(
    "text, expected",
    [("7", 7), ("-3", -3), (" 12 ", 12), ("2.5", 2.5), ("1e3", 1000.0), (".5", 0.5)],
)
def test_strict_numbers_read_plain_ascii_numbers(text, expected):
    value = parse_number(text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    "text",
    ["inf", "-inf", "nan", "1e400", "1_000", "0x10", "\u0661", "\uff12", "9" * 41, "", "1,5"],
)
def test_strict_numbers_refuse_the_rest(text):
    with pytest.raises(ValueError, match="expected"):
        parse_number(text)


def test_markup_in_the_progress_bar_label_is_text(monkeypatch, capsys):
    """The bar is drawn only on a terminal: pretend stderr is one."""
    import sys

    from sim.cli.common import _progress_bar

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    update, close = _progress_bar("[/bold] shop (seed 1)", 2.0)
    assert update is not None  # the bar exists, so its label was rendered
    update(1.0, 2.0)
    close()


def test_a_replay_of_more_orders_than_the_limit_is_refused(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # nothing written beside the order file
    orders = ROOT / "tests" / "data" / "online_retail_sample.csv"
    rc, _, err = call(
        capsys,
        ["replay", str(orders), "--format", "online-retail", "--scenario", BASELINE,
         "--max-orders", "10"],
    )  # fmt: skip
    assert rc == 2
    assert "Traceback" not in err
    # the sample's 2,000 rows make 91 orders (the importer's own summary line says so)
    assert err.splitlines()[-1].endswith("found 91; raise the limit with --max-orders 91")
    assert not list(tmp_path.iterdir())  # refused before the rejected rows are written


def test_a_replay_warm_up_past_the_replayed_days_is_refused(capsys, monkeypatch, tmp_path):
    """The sample's orders span a few days; a 1,000-day warm-up would score no order."""
    monkeypatch.chdir(tmp_path)
    orders = ROOT / "tests" / "data" / "online_retail_sample.csv"
    rc, out, err = call(
        capsys,
        ["replay", str(orders), "--format", "online-retail", "--scenario", BASELINE,
         "--warmup-days", "1000"],
    )  # fmt: skip
    assert rc == 2 and "Traceback" not in err and not out
    assert err.splitlines()[-1].startswith("omsim: --warmup-days: expected less than the replayed")
    assert "found 1000" in err.splitlines()[-1]


MARKUP_NAMES = ["[/bold] a", "[red]b"]


def test_markup_names_in_the_comparison_table_are_text(capsys):
    import polars as pl

    from sim.cli.comparison import print_comparison

    nan = float("nan")
    table = pl.DataFrame(
        {
            "kpi": ["lead_time_mean_h"] * 2,
            "scenario_index": [0, 1],
            "scenario": MARKUP_NAMES,
            "mean": [10.0, 12.0],
            "half_width": [1.0, 1.0],
            "diff_mean": [nan, 2.0],
            "diff_low": [nan, 1.0],
            "diff_high": [nan, 3.0],
            "p_value": [nan, 0.01],
            "better": [False, True],
            "significant": [False, True],
            "verdict": [None, "better"],
        }
    )
    print_comparison(table, "[/i] vs [b]")
    out = capsys.readouterr().out
    assert "[/i] vs [b]" in out
    assert all(name in out for name in MARKUP_NAMES)


def test_markup_names_in_the_equal_service_table_are_text(capsys):
    from sim.cli.equal_service import print_equal_service

    feasible = {"feasible": True, "headcount": {"pickers": 3}, "heads": 3,
                "paid_hours_per_week": {"pickers": 120.0}, "paid_hours_per_week_total": 120.0,
                "weekly_cost": 2400.0}  # fmt: skip
    methods = [{"scenario": MARKUP_NAMES[0], "feasible": False},
               {"scenario": MARKUP_NAMES[1], **feasible}]  # fmt: skip
    print_equal_service({"comparison": [], "methods": methods}, "[/x] title")
    out = capsys.readouterr().out
    assert "[/x] title" in out
    assert all(name in out for name in MARKUP_NAMES)
    assert f"against {MARKUP_NAMES[1]}, the first" in out

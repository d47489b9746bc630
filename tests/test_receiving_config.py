"""Bad input for receiving orders (sales channels, payment processors, inventory) is rejected
at load with one line naming the file, the key, what was expected and what was found; a full
valid receiving set-up loads (the control every rejection below differs from by one change)."""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from test_config import assert_one_line, write

from sim.cli import main
from sim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]

# An integrated webshop, a manual marketplace (re-keyed by an order_entry shift), a shop
# counter (point of sale), one processor with an outage, and inventory tracking. Shifts in a
# file replace the default list, so pickers and packers are spelled out too.
VALID_TOML = """\
name = "receiving"

[inventory]
enabled = true
reorder_point_days = 4
order_up_to_days = 10
supplier_lead_time_days = 3

[[demand.channels]]
name = "webshop"
share = 0.6
integration = "integrated"
order_delay_min = 2

[[demand.channels]]
name = "marketplace"
share = 0.3
integration = "manual"
rekey_every_h = 4
rekey_time_per_order_s = 90
missed_prob = 0.01
duplicate_prob = 0.005

[[demand.channels]]
name = "shop"
share = 0.1
point_of_sale = true

[[payment.processors]]
name = "cards"
channels = ["webshop", "marketplace"]
decline_prob = 0.06
retry_delay_min = 10
outages = [{ start = 2026-03-03T12:00:00, end = 2026-03-03T14:00:00, mode = "fail" }]

[[staffing.shifts]]
role = "pickers"
headcount = 3

[[staffing.shifts]]
role = "packers"
headcount = 2

[[staffing.shifts]]
role = "order_entry"
headcount = 1
"""

OUTAGE_START = dt.datetime(2026, 3, 3, 12, 0)
PICKERS = {"role": "pickers", "headcount": 3}
PACKERS = {"role": "packers", "headcount": 2}
ORDER_ENTRY = {"role": "order_entry", "headcount": 1}
PAYMENT_REVIEW = {"role": "payment_review", "headcount": 1}


def set_key(raw: dict[str, Any], dotted: str, value: Any) -> None:
    """Set a dotted key (list items by index) in a raw table, like ``--set`` does."""
    *parents, last = dotted.split(".")
    node: Any = raw
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def variant(tmp_path: Path, changes: dict[str, Any], name: str = "bad.toml") -> Path:
    """The valid file with some keys changed, written as TOML."""
    raw = tomllib.loads(VALID_TOML)
    for dotted, value in changes.items():
        set_key(raw, dotted, copy.deepcopy(value))
    return write(tmp_path / name, tomli_w.dumps(raw))


def load_error(path: Path) -> str:
    """The one-line message of loading ``path`` (which must fail), checked for the file."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert_one_line(msg)
    assert msg.startswith(f"{path}: "), msg  # the file
    assert "more error" not in msg, msg  # one change, one error
    return msg


def assert_names_key(msg: str, path: Path, key: str) -> None:
    """The message starts with the file and the key path, then says what was expected.

    A field's own error reads ``file: a.b.c: expected ...``; a check on a whole section
    reads ``file: a.b: c: expected ...`` (both name the key).
    """
    head, _, last = key.rpartition(".")
    forms = [f"{path}: {key}: expected"]
    if head:
        forms.append(f"{path}: {head}: {last}: expected")
    assert any(msg.startswith(f) for f in forms), f"{key!r} not named as the key in {msg!r}"


def assert_found(msg: str, found: str) -> None:
    assert "found" in msg, msg
    assert found in msg[msg.index("found") :], f"{found!r} not after 'found' in {msg!r}"


# --------------------------------------------------------------------------------------------
# The valid set-up (positive control)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def valid_file(tmp_path: Path) -> Path:
    return write(tmp_path / "receiving.toml", VALID_TOML)


def test_valid_receiving_setup_loads(valid_file: Path) -> None:
    sc = load_scenario(valid_file)
    webshop, marketplace, shop = sc.demand.channels
    assert (webshop.name, webshop.integration, webshop.manual) == ("webshop", "integrated", False)
    assert (marketplace.name, marketplace.manual) == ("marketplace", True)
    assert shop.point_of_sale and not shop.manual
    (cards,) = sc.payment.processors
    assert cards.channels == ("webshop", "marketplace")
    assert cards.outages[0].start == OUTAGE_START
    assert cards.outages[0].end == dt.datetime(2026, 3, 3, 14, 0)
    assert sc.inventory.enabled
    assert [s.role for s in sc.staffing.shifts] == ["pickers", "packers", "order_entry"]


def test_valid_file_round_trips_through_the_variant_writer(tmp_path: Path, valid_file) -> None:
    # the bad files below are this file with one change; unchanged, it must load the same
    assert load_scenario(variant(tmp_path, {})) == load_scenario(valid_file)


def test_valid_receiving_setup_passes_omsim_validate(capsys, valid_file: Path) -> None:
    assert main(["validate", str(valid_file)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert f"{valid_file}: ok" in out


# --------------------------------------------------------------------------------------------
# 1. channel shares
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shares", "found"),
    [((0.7, 0.2, 0.0), "found a sum of 0.9"), ((0.7, 0.3, 0.1), "found a sum of 1.1")],
)
def test_channel_shares_not_summing_to_1(tmp_path: Path, shares, found: str) -> None:
    changes = {f"demand.channels.{i}.share": s for i, s in enumerate(shares)}
    path = variant(tmp_path, changes)
    msg = load_error(path)
    assert msg.startswith(f"{path}: demand: expected channel shares summing to 1"), msg
    assert_found(msg, found)


def test_two_channel_shares_0_7_and_0_2(tmp_path: Path) -> None:
    two = [{"name": "webshop", "share": 0.7}, {"name": "marketplace", "share": 0.2}]
    path = variant(tmp_path, {"demand.channels": two, "staffing.shifts": [PICKERS, PACKERS]})
    msg = load_error(path)
    assert msg.startswith(f"{path}: demand: "), msg
    assert "channel shares" in msg
    assert_found(msg, "a sum of 0.9")


# --------------------------------------------------------------------------------------------
# 2. negative rates and probabilities outside 0..1
# --------------------------------------------------------------------------------------------

OUT_OF_RANGE = [
    ("demand.channels.0.order_delay_min", -1, "found -1"),
    ("demand.channels.0.stock_sync_min", 0, "found 0"),
    ("demand.channels.0.order_value_mean", -3.0, "found -3.0"),
    ("demand.channels.1.order_delay_min", -1, "found -1"),
    ("demand.channels.1.rekey_time_per_order_s", -5, "found -5"),
    ("demand.channels.1.rekey_every_h", 0, "found 0"),
    ("demand.channels.1.missed_prob", 1.5, "found 1.5"),
    ("demand.channels.1.duplicate_prob", -0.1, "found -0.1"),
    ("demand.channels.2.card_reader_time_s", -3, "found -3"),
    ("demand.channels.2.card_reader_failure_prob", 1.2, "found 1.2"),
    ("demand.channels.2.n_card_reader_retries", -1, "found -1"),
    ("payment.processors.0.auth_time_s", -3, "found -3"),
    ("payment.processors.0.decline_prob", 2, "found 2"),
    ("payment.processors.0.retry_decline_prob", 1.01, "found 1.01"),
    ("payment.processors.0.retry_prob", -0.1, "found -0.1"),
    ("payment.processors.0.retry_delay_min", -1, "found -1"),
    ("payment.processors.0.n_retries", -1, "found -1"),
    ("payment.processors.0.fraud_review_share", 1.5, "found 1.5"),
    ("payment.processors.0.fraud_review_time_min", 0, "found 0"),
    ("payment.processors.0.fraud_reject_prob", 3, "found 3"),
    ("inventory.supplier_lead_time_days", -2, "found -2"),
    ("inventory.reorder_point_days", -1, "found -1"),
    ("inventory.order_up_to_days", 0, "found 0"),
]


@pytest.mark.parametrize(("key", "value", "found"), OUT_OF_RANGE, ids=[c[0] for c in OUT_OF_RANGE])
def test_out_of_range_value_names_the_key(tmp_path: Path, key: str, value, found: str) -> None:
    path = variant(tmp_path, {key: value})
    msg = load_error(path)
    assert msg.startswith(f"{path}: {key}: expected "), msg
    assert_found(msg, found)


@pytest.mark.parametrize(
    ("key", "value", "found"),
    [
        ("demand.channels.1.integration", "fax", "'fax'"),
        ("payment.processors.0.outages.0.mode", "maybe", "'maybe'"),
        ("inventory.oversell_policy", "panic", "'panic'"),
    ],
)
def test_unknown_choice_names_the_key(tmp_path: Path, key: str, value, found: str) -> None:
    path = variant(tmp_path, {key: value})
    msg = load_error(path)
    assert msg.startswith(f"{path}: {key}: expected "), msg
    assert_found(msg, found)


# --------------------------------------------------------------------------------------------
# 3. names that refer to channels and services
# --------------------------------------------------------------------------------------------


def test_processor_naming_an_unknown_channel(tmp_path: Path) -> None:
    path = variant(tmp_path, {"payment.processors.0.channels": ["webshop", "ebay"]})
    msg = load_error(path)
    assert_names_key(msg, path, "payment.processors.0.channels")
    assert "webshop" in msg[: msg.index("found")]  # the channels there are
    assert_found(msg, "'ebay'")


def test_channel_under_two_processors(tmp_path: Path) -> None:
    processors = [
        {"name": "cards", "channels": ["webshop", "marketplace"]},
        {"name": "wallet", "channels": ["webshop"]},
    ]
    path = variant(tmp_path, {"payment.processors": processors})
    msg = load_error(path)
    assert_names_key(msg, path, "payment.processors.1.channels")
    assert_found(msg, "'webshop'")
    assert "'cards'" in msg and "'wallet'" in msg


def test_point_of_sale_channel_under_a_processor(tmp_path: Path) -> None:
    path = variant(tmp_path, {"payment.processors.0.channels": ["webshop", "shop"]})
    msg = load_error(path)
    assert_names_key(msg, path, "payment.processors.0.channels")
    assert "point of sale" in msg
    assert_found(msg, "'shop'")


def test_service_share_naming_an_unknown_service(tmp_path: Path) -> None:
    path = variant(tmp_path, {"demand.channels.1.service_share": {"standard": 0.5, "pigeon": 0.5}})
    msg = load_error(path)
    assert_names_key(msg, path, "demand.channels.1.service_share")
    assert_found(msg, "pigeon")


def test_service_share_not_summing_to_1(tmp_path: Path) -> None:
    path = variant(tmp_path, {"demand.channels.0.service_share": {"standard": 0.5}})
    msg = load_error(path)
    assert_names_key(msg, path, "demand.channels.0.service_share")
    assert_found(msg, "a sum of 0.5")


def test_duplicate_channel_name(tmp_path: Path) -> None:
    path = variant(tmp_path, {"demand.channels.2.name": "webshop"})
    msg = load_error(path)
    assert msg.startswith(f"{path}: demand: expected unique channel names"), msg
    assert_found(msg, "'webshop', 'marketplace', 'webshop'")


def test_duplicate_processor_name(tmp_path: Path) -> None:
    processors = [
        {"name": "cards", "channels": ["webshop"]},
        {"name": "cards", "channels": ["marketplace"]},
    ]
    path = variant(tmp_path, {"payment.processors": processors})
    msg = load_error(path)
    assert msg.startswith(f"{path}: payment.processors: expected unique names"), msg
    assert_found(msg, "'cards', 'cards'")


# --------------------------------------------------------------------------------------------
# 4. outages
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [0, -60], ids=["end equal to start", "end before start"])
def test_outage_ending_before_it_starts(tmp_path: Path, minutes: int) -> None:
    end = OUTAGE_START + dt.timedelta(minutes=minutes)
    path = variant(tmp_path, {"payment.processors.0.outages.0.end": end})
    msg = load_error(path)
    assert_names_key(msg, path, "payment.processors.0.outages.0.end")
    assert OUTAGE_START.isoformat() in msg  # the start it must follow
    assert_found(msg, end.isoformat())


def test_second_outage_reversed_names_its_index(tmp_path: Path) -> None:
    outages = [
        {"start": OUTAGE_START, "end": OUTAGE_START + dt.timedelta(hours=1)},
        {"start": OUTAGE_START + dt.timedelta(days=1), "end": OUTAGE_START},
    ]
    path = variant(tmp_path, {"payment.processors.0.outages": outages})
    msg = load_error(path)
    assert_names_key(msg, path, "payment.processors.0.outages.1.end")


# --------------------------------------------------------------------------------------------
# 5. staff the receiving set-up needs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"staffing.shifts": [PICKERS, PACKERS]},
        {"staffing.shifts.2.headcount": 0},
        {"staffing.shifts.2.days": []},
    ],
    ids=["no order_entry shift", "order_entry headcount 0", "order_entry on no day"],
)
def test_manual_channel_without_order_entry_shift(tmp_path: Path, changes) -> None:
    path = variant(tmp_path, changes)
    msg = load_error(path)
    assert msg.startswith(f"{path}: staffing.shifts: expected "), msg
    assert "order_entry" in msg
    assert "'marketplace'" in msg  # the channel that needs it
    assert_found(msg, "none")


def test_fraud_review_without_payment_review_shift(tmp_path: Path) -> None:
    path = variant(tmp_path, {"payment.processors.0.fraud_review_share": 0.05})
    msg = load_error(path)
    assert msg.startswith(f"{path}: staffing.shifts: expected "), msg
    assert "payment_review" in msg
    assert "payment.processors.0.fraud_review_share" in msg  # what needs it
    assert_found(msg, "none")


# --------------------------------------------------------------------------------------------
# 6. inventory levels and a channel's hourly profile
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("reorder", "found"), [(10, "found 10"), (12, "found 12")])
def test_reorder_point_not_below_order_up_to(tmp_path: Path, reorder, found: str) -> None:
    path = variant(tmp_path, {"inventory.reorder_point_days": reorder})
    msg = load_error(path)
    assert_names_key(msg, path, "inventory.reorder_point_days")
    assert "order_up_to_days" in msg
    assert_found(msg, found)


@pytest.mark.parametrize(
    ("weights", "found"),
    [([1.0] * 23, "found 23"), ([1.0] * 25, "found 25"), ([0.0] * 24, "found all 0")],
    ids=["23 values", "25 values", "all zeros"],
)
def test_channel_hourly_weights(tmp_path: Path, weights, found: str) -> None:
    path = variant(tmp_path, {"demand.channels.1.hourly_weights": weights})
    msg = load_error(path)
    assert_names_key(msg, path, "demand.channels.1.hourly_weights")
    assert_found(msg, found)


def test_negative_hourly_weight_names_the_hour(tmp_path: Path) -> None:
    path = variant(tmp_path, {"demand.channels.0.hourly_weights": [1.0] * 23 + [-1.0]})
    msg = load_error(path)
    assert msg.startswith(f"{path}: demand.channels.0.hourly_weights.23: expected "), msg
    assert_found(msg, "-1.0")


# --------------------------------------------------------------------------------------------
# Near-misses of the rules above: these are allowed and must load
# --------------------------------------------------------------------------------------------

POSSIBLE = {
    "shares summing to 1 with a zero share": {
        "demand.channels.0.share": 0.7,
        "demand.channels.1.share": 0.3,
        "demand.channels.2.share": 0.0,
    },
    "rates at 0": {
        "demand.channels.0.order_delay_min": 0,
        "demand.channels.1.rekey_time_per_order_s": 0,
        "payment.processors.0.retry_delay_min": 0,
        "inventory.supplier_lead_time_days": 0,
        "inventory.reorder_point_days": 0,
    },
    "probabilities at 0 and 1": {
        "demand.channels.1.missed_prob": 1.0,
        "demand.channels.1.duplicate_prob": 0.0,
        "payment.processors.0.decline_prob": 1,
        "payment.processors.0.retry_prob": 0,
    },
    "known services summing to 1": {
        "demand.channels.1.service_share": {"standard": 0.8, "express": 0.2}
    },
    "processor with no channels": {"payment.processors.0.channels": []},
    "each channel under its own processor": {
        "payment.processors": [
            {"name": "cards", "channels": ["webshop"]},
            {"name": "invoice", "channels": ["marketplace"]},
        ]
    },
    "outage of one minute": {
        "payment.processors.0.outages.0.end": OUTAGE_START + dt.timedelta(minutes=1)
    },
    "no manual channel, no order_entry shift": {
        "demand.channels.1.integration": "integrated",
        "staffing.shifts": [PICKERS, PACKERS],
    },
    "fraud review with a payment_review shift": {
        "payment.processors.0.fraud_review_share": 0.05,
        "staffing.shifts": [PICKERS, PACKERS, ORDER_ENTRY, PAYMENT_REVIEW],
    },
    "reorder point just below order-up-to": {"inventory.reorder_point_days": 9.99},
    "channel profile of 24 values, one positive": {
        "demand.channels.1.hourly_weights": [0.0] * 23 + [1.0]
    },
}


@pytest.mark.parametrize("case", list(POSSIBLE))
def test_near_miss_loads(tmp_path: Path, case: str) -> None:
    sc = load_scenario(variant(tmp_path, POSSIBLE[case]))
    assert sc.name == "receiving"


# --------------------------------------------------------------------------------------------
# 7. through the real command line
# --------------------------------------------------------------------------------------------

CLI_CASES = {
    "unknown channel": (
        {"payment.processors.0.channels": ["ebay"]},
        ["payment.processors.0.channels", "demand.channels", "'ebay'"],
    ),
    "outage reversed": (
        {"payment.processors.0.outages.0.end": OUTAGE_START - dt.timedelta(hours=1)},
        ["payment.processors.0.outages.0", "end", "2026-03-03T11:00:00"],
    ),
    "negative delay": (
        {"demand.channels.0.order_delay_min": -1},
        ["demand.channels.0.order_delay_min", "found -1"],
    ),
    "no order_entry shift": (
        {"staffing.shifts": [PICKERS, PACKERS]},
        ["staffing.shifts", "order_entry"],
    ),
}


def run_cli(argv: list[str]) -> subprocess.CompletedProcess:
    # a real process, so a traceback printed by the interpreter would be seen
    return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)


def assert_bad_input(proc: subprocess.CompletedProcess, path: Path, needles: list[str]) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, found {len(lines)}: {proc.stderr!r}"
    assert lines[0].startswith(str(path)), lines[0]
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    assert proc.stdout == ""


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_run_bad_receiving_input_exit_2_one_line(tmp_path: Path, case: str) -> None:
    changes, needles = CLI_CASES[case]
    path = variant(tmp_path, changes)
    proc = run_cli([sys.executable, "-m", "sim.cli", "run", str(path), "--days", "1"])
    assert_bad_input(proc, path, needles)


def test_console_script_bad_receiving_input_exit_2_one_line(tmp_path: Path) -> None:
    exe = shutil.which("omsim")
    if exe is None:
        pytest.skip("the omsim console script is not installed (pip install -e .)")
    changes, needles = CLI_CASES["unknown channel"]
    path = variant(tmp_path, changes)
    assert_bad_input(run_cli([exe, "run", str(path), "--days", "1"]), path, needles)

"""Importers reject out-of-range rows one by one with a reason: dates outside 1990-2100,
prices and line or order values that overflow to infinity, quantities whose sum overflows a
UInt32; a replay whose every date is out of range is one line, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analysis.importers.read import read_orders
from analysis.importers.schema import OrderImportError

ROOT = Path(__file__).resolve().parents[1]
HEADER = "order_id,placed_at,sku,quantity,unit_price\n"
SHOP = (
    "Name,Financial Status,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku\n"
)
OK = "9,2026-03-02 11:00,A,1,2.0\n"  # one good order so the file imports


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("date", "reason"),
    [
        ("9999-03-02 10:00", "date outside 1990-2100"),
        ("1900-01-01 10:00", "date outside 1990-2100"),
        ("2101-01-01 00:00", "date outside 1990-2100"),
        ("1989-12-31 23:59", "date outside 1990-2100"),
    ],
)
def test_a_date_outside_the_sane_range_is_rejected(tmp_path, date, reason):
    r = read_orders(write(tmp_path / "o.csv", f"{HEADER}1,{date},A,1,1\n{OK}"), "generic")
    assert r.rejects.rows() == [("o.csv", 1, "placed_at", reason)]
    assert r.orders["order_id"].to_list() == ["9"]


def test_the_range_ends_are_accepted(tmp_path):
    text = f"{HEADER}1,1990-01-01 00:00,A,1,1\n2,2100-12-31 23:59,A,1,1\n"
    r = read_orders(write(tmp_path / "o.csv", text), "generic")
    assert r.rejects.height == 0 and r.orders.height == 2


@pytest.mark.parametrize("price", ["1e400", "inf", "-inf", "nan", "NaN"])
def test_a_non_finite_price_is_rejected(tmp_path, price):
    r = read_orders(
        write(tmp_path / "o.csv", f"{HEADER}1,2026-03-02 10:00,A,1,{price}\n{OK}"), "generic"
    )
    assert r.rejects.rows() == [("o.csv", 1, "unit_price", "price not a number")]


def test_a_line_value_overflowing_to_infinity_is_rejected(tmp_path):
    # 1e300 is finite, 3e9 units of it are not (1e300 * 3e9 > 1.8e308, the float maximum)
    text = f"{HEADER}1,2026-03-02 10:00,A,3000000000,1e300\n{OK}"
    r = read_orders(write(tmp_path / "o.csv", text), "generic")
    assert r.rejects.rows() == [("o.csv", 1, "unit_price", "line value too large")]


def test_an_order_value_overflowing_to_infinity_rejects_all_its_lines(tmp_path):
    # each line is finite (1.7e308), their sum is not (> 1.797e308): the whole order goes
    text = f"{HEADER}1,2026-03-02 10:00,A,1,1.7e308\n1,2026-03-02 10:00,B,1,1.7e308\n{OK}"
    r = read_orders(write(tmp_path / "o.csv", text), "generic")
    assert r.rejects.rows() == [
        ("o.csv", 1, "unit_price", "order value too large"),
        ("o.csv", 2, "unit_price", "order value too large"),
    ]
    assert r.orders["value"].to_list() == [2.0]


def test_an_order_quantity_overflowing_uint32_rejects_all_its_lines(tmp_path):
    # each line fits a UInt32 (max 4,294,967,295), the order's 8e9 units do not
    text = f"{HEADER}1,2026-03-02 10:00,A,4000000000,1\n1,2026-03-02 10:00,B,4000000000,1\n{OK}"
    r = read_orders(write(tmp_path / "o.csv", text), "generic")
    assert [row[3] for row in r.rejects.rows()] == ["order quantity too large"] * 2
    assert r.orders["n_units"].to_list() == [1]


def test_an_order_quantity_at_the_uint32_maximum_is_kept(tmp_path):
    text = f"{HEADER}1,2026-03-02 10:00,A,4294967294,1\n1,2026-03-02 10:00,B,1,1\n"
    r = read_orders(write(tmp_path / "o.csv", text), "generic")
    assert r.rejects.height == 0 and r.orders["n_units"].to_list() == [2**32 - 1]


def test_negative_quantities_and_prices_are_rejected(tmp_path):
    text = f"{HEADER}1,2026-03-02 10:00,A,-1,1\n2,2026-03-02 10:00,A,1,-0.5\n{OK}"
    r = read_orders(write(tmp_path / "o.csv", text), "generic")
    assert [row[2:] for row in r.rejects.rows()] == [
        ("quantity", "non-positive quantity"),
        ("unit_price", "negative price"),
    ]


def test_shopify_rows_get_the_same_checks(tmp_path):
    rows = [
        "#1,paid,9999-12-06 10:00:00,1,Mug,10,MUG",
        "#2,paid,2025-12-06 10:00:00,1,Mug,1.7e308,MUG",
        "#2,,2025-12-06 10:00:00,1,Tea,1.7e308,TEA",
        "#3,paid,2025-12-06 10:00:00,1,Mug,10,MUG",
    ]
    r = read_orders(write(tmp_path / "s.csv", SHOP + "\n".join(rows) + "\n"), "shopify")
    assert r.rejects.rows() == [
        ("s.csv", 1, "Created at", "date outside 1990-2100"),
        ("s.csv", 2, "Lineitem price", "order value too large"),
        ("s.csv", 3, "Lineitem price", "order value too large"),
    ]
    assert r.orders["order_id"].to_list() == ["#3"]


def test_olist_orders_and_items_get_the_same_checks(tmp_path):
    folder = tmp_path / "olist"
    folder.mkdir()
    write(
        folder / "olist_orders_dataset.csv",
        "order_id,customer_id,order_status,order_purchase_timestamp\n"
        "o1,c1,delivered,9999-01-01 10:00:00\n"
        "o2,c2,delivered,2018-01-01 10:00:00\n"
        "o3,c3,delivered,2018-01-01 11:00:00\n",
    )
    write(
        folder / "olist_order_items_dataset.csv",
        "order_id,order_item_id,product_id,price\n"
        "o1,1,p1,10\no2,1,p1,1.7e308\no2,2,p1,1.7e308\no3,1,p1,5\n",
    )
    r = read_orders(folder, "olist")
    reasons = {(row[0], row[1]): row[3] for row in r.rejects.rows()}
    assert reasons[("olist_orders_dataset.csv", 1)] == "date outside 1990-2100"
    assert reasons[("olist_order_items_dataset.csv", 2)] == "order value too large"
    assert reasons[("olist_order_items_dataset.csv", 3)] == "order value too large"
    assert r.orders["order_id"].to_list() == ["o3"]


def test_a_file_of_only_out_of_range_dates_is_one_error(tmp_path):
    text = f"{HEADER}1,9999-03-02 10:00,A,1,1\n2,9999-03-02 11:00,A,1,1\n"
    with pytest.raises(OrderImportError, match="date outside 1990-2100 2"):
        read_orders(write(tmp_path / "o.csv", text), "generic")


def test_a_replay_of_year_9999_dates_is_one_line_exit_2(tmp_path):
    orders = write(tmp_path / "o.csv", f"{HEADER}1,9999-03-02 10:00,A,1,1\n")
    cmd = [sys.executable, "-m", "sim.cli", "replay", str(orders), "--format", "generic"]
    cmd += ["--scenario", str(ROOT / "scenarios" / "baseline.toml")]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert str(orders) in p.stderr and "date outside 1990-2100" in p.stderr


def test_a_timing_outside_the_range_is_nulled_and_flagged_not_rejected(tmp_path):
    head = SHOP.strip() + ",Paid at,Fulfilled at\n"
    rows = "#1,paid,2025-12-06 10:00:00,1,Mug,10,MUG,9999-12-06 11:00:00,2025-12-07 09:00:00\n"
    r = read_orders(write(tmp_path / "s.csv", head + rows), "shopify")
    assert r.rejects.height == 0  # a timing never rejects the order
    row = r.orders.row(0, named=True)
    assert row["paid_at"] is None and row["shipped_at"] is not None
    assert row["timing_flag"] == "unparseable Paid at"

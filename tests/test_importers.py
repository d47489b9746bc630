"""Order importers (``analysis/importers/read.py``): schema, reject rules, real Online Retail data.

``tests/data/online_retail_sample.csv`` is the header plus the first 2,000 data rows of UCI
Online Retail: Chen, D. (2015). Online Retail [Dataset]. UCI Machine Learning Repository.
https://doi.org/10.24432/C5BW33 (CC BY 4.0). Expected values are computed independently here,
with the ``csv`` module or by hand from small inline files.
"""

from __future__ import annotations

import csv
import gzip
import math
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from analysis.importers.read import (
    NON_PRODUCT_CODES,
    ImportResult,
    OrderImportError,
    read_generic,
    read_online_retail,
)
from analysis.importers.schema import LINES_SCHEMA, ORDERS_SCHEMA, REJECTS_SCHEMA

SAMPLE = Path(__file__).resolve().parent / "data" / "online_retail_sample.csv"


def _shared_data() -> Path | None:
    for root in (
        Path(__file__).resolve().parents[2] / "shared" / "data",
        Path("/work/shared/data"),
    ):
        if root.is_dir():
            return root
    return None


SHARED = _shared_data()
needs_shared = pytest.mark.skipif(
    SHARED is None, reason="real data directory ../shared/data (or /work/shared/data) is absent"
)

OR_HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
OR2_HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def check_invariants(r: ImportResult) -> None:
    assert r.lines.height + r.rejects.height == r.rows_read
    assert r.accepted_rows == r.lines.height  # one source row per line in these formats
    assert dict(r.orders.schema) == ORDERS_SCHEMA or r.orders.schema["placed_at"].time_zone
    assert dict(r.lines.schema) == LINES_SCHEMA
    assert dict(r.rejects.schema) == REJECTS_SCHEMA
    assert r.rejects["row"].n_unique() == r.rejects.height
    c = r.counts()
    assert c["lines"] + c["rejected"] == c["rows_read"]
    assert c["accepted_rows"] + c["rejected"] == c["rows_read"]
    assert c["orders"] == r.lines["order_id"].n_unique()
    # formats without timing columns: always present, always null
    timing = ["paid_at", "shipped_at", "delivered_at", "promised_at", "timing_flag"]
    assert r.orders.select(pl.col(timing).null_count()).row(0) == (r.orders.height,) * 5


def rejects(r: ImportResult) -> list[tuple[int, str, str]]:
    assert r.rejects["file"].unique().to_list() in ([], [r.rejects["file"][0]])
    return list(r.rejects.select("row", "column", "reason").iter_rows())


BASE = ["order_id", "placed_at", "customer_id", "channel", "service", "n_lines", "n_units", "value"]


def base(orders: pl.DataFrame) -> list[tuple]:
    """The order columns that predate the timing columns."""
    return orders.select(BASE).rows()


# --- Online Retail: inline files, one per rule ------------------------------------------------


def test_each_reject_reason_with_row_and_column(tmp_path):
    text = OR_HEADER + (
        "100,A1,x,2,2010-12-01 08:26:00,1.5,17850,UK\n"  # 1 ok
        "C101,A1,x,-2,2010-12-01 08:27:00,1.5,17850,UK\n"  # 2 cancellation
        "100,POST,x,1,2010-12-01 08:26:00,18,17850,UK\n"  # 3 non-product
        "100,m,x,1,2010-12-01 08:26:00,2,17850,UK\n"  # 4 non-product (lower case)
        "100,gift_0001_20,x,1,2010-12-01 08:26:00,17,17850,UK\n"  # 5 gift voucher
        "102,A2,x,1,not a date,1,,UK\n"  # 6 unparseable date
        "102,A2,x,0,2010-12-01 09:00:00,1,,UK\n"  # 7 non-positive quantity
        "102,A2,x,-3,2010-12-01 09:00:00,1,,UK\n"  # 8 non-positive quantity
        "102,A2,x,1,2010-12-01 09:00:00,-1,,UK\n"  # 9 negative price
        "102,,x,1,2010-12-01 09:00:00,1,,UK\n"  # 10 missing sku
        ",A2,x,1,2010-12-01 09:00:00,1,,UK\n"  # 11 missing order id
        "102,A2,x,1.5,2010-12-01 09:00:00,1,,UK\n"  # 12 quantity not an integer
        "102,A2,x,1,2010-12-01 09:00:00,abc,,UK\n"  # 13 price not a number
        "100,A1,x,2,2010-12-01 08:26:00,1.5,17850,UK\n"  # 14 duplicate of 1
        "102,A2,x,1,2010-12-01 09:00:00,0,,UK\n"  # 15 ok: price 0, no customer
        "100,A1,x,2,2010-12-01 08:26:00,1.5,17850,UK\n"  # 16 duplicate of 1
        "102,A2,x,1,,1,,UK\n"  # 17 missing date
    )
    r = read_online_retail(write(tmp_path, text))
    check_invariants(r)
    assert r.rows_read == 17
    assert rejects(r) == [
        (2, "InvoiceNo", "cancellation"),
        (3, "StockCode", "non-product line"),
        (4, "StockCode", "non-product line"),
        (5, "StockCode", "non-product line"),
        (6, "InvoiceDate", "unparseable date"),
        (7, "Quantity", "non-positive quantity"),
        (8, "Quantity", "non-positive quantity"),
        (9, "UnitPrice", "negative price"),
        (10, "StockCode", "missing sku"),
        (11, "InvoiceNo", "missing order id"),
        (12, "Quantity", "quantity not an integer"),
        (13, "UnitPrice", "price not a number"),
        (14, "", "duplicate line"),
        (16, "", "duplicate line"),
        (17, "InvoiceDate", "missing date"),
    ]
    assert r.lines.rows() == [("100", 1, "A1", 2, 1.5), ("102", 1, "A2", 1, 0.0)]
    assert base(r.orders) == [
        ("100", datetime(2010, 12, 1, 8, 26), "17850", None, None, 1, 2, 3.0),
        ("102", datetime(2010, 12, 1, 9, 0), None, None, None, 1, 1, 0.0),
    ]


def test_brief_non_product_codes_are_all_listed():
    assert {
        "POST",
        "D",
        "M",
        "BANK CHARGES",
        "AMAZONFEE",
        "DOT",
        "C2",
        "CRUK",
        "PADS",
        "S",
        "B",
    } <= (NON_PRODUCT_CODES)


def test_orders_sum_lines_and_take_the_earliest_time(tmp_path):
    text = OR_HEADER + (
        "7,A,x,3,12/1/2010 8:26,2.5,1,UK\n"
        "7,E,x,1,12/1/2010 8:27,10,1,UK\n"
        "8,A,x,4,12/9/2011 12:50,0.5,,UK\n"
        "7,F,x,2,12/1/2010 8:26,1.25,1,UK\n"
    )
    r = read_online_retail(write(tmp_path, text))
    check_invariants(r)
    assert r.rejects.height == 0
    assert r.lines.select("order_id", "line_no", "sku").rows() == [
        ("7", 1, "A"),
        ("7", 2, "E"),
        ("8", 1, "A"),
        ("7", 3, "F"),
    ]
    assert base(r.orders) == [
        ("7", datetime(2010, 12, 1, 8, 26), "1", None, None, 3, 6, 3 * 2.5 + 10 + 2 * 1.25),
        ("8", datetime(2011, 12, 9, 12, 50), None, None, None, 1, 4, 2.0),
    ]


def test_online_retail_ii_header_and_float_customer(tmp_path):
    text = OR2_HEADER + (
        "489434,85048,x,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom\n"
        "489434,79323P,x,12,2009-12-01 07:45:00,6.75,13085.0,United Kingdom\n"
        "C489449,22087,x,-12,2009-12-01 10:33:00,2.95,16321.0,Australia\n"
        "489435,22350,x,12,2009-12-01 07:46:00,2.55,,United Kingdom\n"
    )
    r = read_online_retail(write(tmp_path, text))
    check_invariants(r)
    assert rejects(r) == [(3, "Invoice", "cancellation")]
    assert r.orders.select("order_id", "customer_id", "n_lines", "n_units").rows() == [
        ("489434", "13085", 2, 24),
        ("489435", None, 1, 12),
    ]
    assert r.orders["value"].to_list() == pytest.approx([12 * 6.95 + 12 * 6.75, 12 * 2.55])


def test_missing_columns_message_names_all_and_the_file(tmp_path):
    p = write(tmp_path, "InvoiceNo,Description,Country\n1,x,UK\n")
    with pytest.raises(OrderImportError) as exc:
        read_online_retail(p)
    msg = str(exc.value)
    assert "\n" not in msg and str(p) in msg
    for col in ("StockCode", "Quantity", "InvoiceDate", "UnitPrice"):
        assert col in msg
    assert isinstance(exc.value, ValueError)

    p = write(tmp_path, "order_id,sku\n1,A\n", "g.csv")
    with pytest.raises(OrderImportError, match="placed_at, quantity, unit_price") as exc:
        read_generic(p)
    assert str(p) in str(exc.value)


@pytest.mark.parametrize("text", ["", OR_HEADER], ids=["zero bytes", "header only"])
def test_empty_file_is_an_error(tmp_path, text):
    p = write(tmp_path, text)
    with pytest.raises(OrderImportError, match="empty file|no data rows"):
        read_online_retail(p)


def test_no_valid_rows_is_an_error(tmp_path):
    text = OR_HEADER + (
        "C1,A,x,-1,2010-12-01 08:26:00,1,,UK\n2,POST,x,1,2010-12-01 08:26:00,1,,UK\n"
    )
    with pytest.raises(OrderImportError, match="no valid rows.*2 rows read"):
        read_online_retail(write(tmp_path, text))


def test_gzipped_csv(tmp_path):
    p = tmp_path / "in.csv.gz"
    p.write_bytes(gzip.compress((OR_HEADER + "5,A,x,2,2010-12-01 08:26:00,1,,UK\n").encode()))
    r = read_online_retail(p)
    assert r.counts() == {
        "rows_read": 1,
        "accepted_rows": 1,
        "lines": 1,
        "rejected": 0,
        "orders": 1,
    }


# --- generic CSV and Parquet -------------------------------------------------------------------

GENERIC = (
    "order_id,placed_at,sku,quantity,unit_price,customer_id,channel,service\n"
    "o1,2024-03-01 10:00:00,S1,2,3.5,c1,web,standard\n"
    "o1,2024-03-01 10:00:00,S2,1,10,c1,web,standard\n"
    "o2,2024-03-02T11:30:00,S1,5,3.5,,app,\n"
    "o3,2024-03-02,S3,0,1,,,\n"
    "C4,2024-03-03 09:00,S3,1,1,,,\n"
)


def test_generic_csv(tmp_path):
    r = read_generic(write(tmp_path, GENERIC))
    check_invariants(r)
    assert rejects(r) == [(4, "quantity", "non-positive quantity")]  # no cancellation rule
    assert base(r.orders) == [
        ("o1", datetime(2024, 3, 1, 10), "c1", "web", "standard", 2, 3, 17.0),
        ("o2", datetime(2024, 3, 2, 11, 30), None, "app", None, 1, 5, 17.5),
        ("C4", datetime(2024, 3, 3, 9), None, None, None, 1, 1, 1.0),
    ]


def test_generic_parquet_round_trip(tmp_path):
    csv_result = read_generic(write(tmp_path, GENERIC))
    src = pl.read_csv(write(tmp_path, GENERIC, "g2.csv"), infer_schema=False).with_columns(
        pl.col("quantity").cast(pl.Int64),
        pl.col("unit_price").cast(pl.Float64),
    )
    src.write_parquet(tmp_path / "g.parquet")
    r = read_generic(tmp_path / "g.parquet")
    check_invariants(r)
    assert r.orders.equals(csv_result.orders)
    assert r.lines.equals(csv_result.lines)
    assert r.rejects.drop("file").equals(csv_result.rejects.drop("file"))
    assert r.rejects["file"].to_list() == ["g.parquet"]

    # typed datetimes are kept as they are
    typed = pl.DataFrame(
        {
            "order_id": ["a", "a"],
            "placed_at": [datetime(2024, 1, 1, 8), datetime(2024, 1, 1, 8)],
            "sku": ["X", "Y"],
            "quantity": [1, 2],
            "unit_price": [1.0, 2.0],
        }
    )
    typed.write_parquet(tmp_path / "t.parquet")
    r = read_generic(tmp_path / "t.parquet")
    assert r.orders.select("placed_at", "n_lines", "n_units", "value").rows() == [
        (datetime(2024, 1, 1, 8), 2, 3, 5.0)
    ]


def test_generic_time_zone_offsets_are_read_as_utc(tmp_path):
    text = (
        "order_id,placed_at,sku,quantity,unit_price\n"
        "#1001,2025-12-06 10:15:03 +0530,A,1,5\n"
        "#1002,2025-12-07T08:00:00Z,A,1,5\n"
        "#1003,2025-12-07 08:00:00,A,1,5\n"
    )
    r = read_generic(write(tmp_path, text))
    check_invariants(r)
    assert r.orders.schema["placed_at"] == pl.Datetime("us", "UTC")
    got = [t.replace(tzinfo=None) for t in r.orders["placed_at"].to_list()]
    assert got == [datetime(2025, 12, 6, 4, 45, 3), datetime(2025, 12, 7, 8)]
    assert rejects(r) == [(3, "placed_at", "unparseable date")]


# --- the shipped sample, checked against the csv module --------------------------------------


def reference(path: Path) -> tuple[int, Counter, dict[str, float], set[int]]:
    """Apply the documented rules with plain Python: rows, reasons, order values, C rows."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    codes = {c.upper() for c in NON_PRODUCT_CODES}
    reasons: Counter = Counter()
    values: dict[str, float] = defaultdict(float)
    seen, c_rows = set(), set()
    for i, row in enumerate(rows, start=1):
        inv, sku = row["InvoiceNo"].strip(), row["StockCode"].strip()
        qty, price = int(row["Quantity"]), float(row["UnitPrice"])
        if inv.startswith("C"):
            c_rows.add(i)
            reasons["cancellation"] += 1
        elif sku.upper() in codes or sku.upper().startswith("GIFT_0001_"):
            reasons["non-product line"] += 1
        elif qty <= 0:
            reasons["non-positive quantity"] += 1
        elif price < 0:
            reasons["negative price"] += 1
        elif (key := (inv, sku, qty, price, row["InvoiceDate"])) in seen:
            reasons["duplicate line"] += 1
        else:
            seen.add(key)
            values[inv] += qty * price
    return len(rows), reasons, dict(values), c_rows


def test_sample_against_the_csv_module():
    r = read_online_retail(SAMPLE)
    check_invariants(r)
    n, reasons, values, c_rows = reference(SAMPLE)
    assert r.rows_read == n == 2000
    assert r.reject_reasons() == dict(reasons)
    cancelled = set(r.rejects.filter(pl.col("reason") == "cancellation")["row"].to_list())
    assert cancelled == c_rows and c_rows
    assert not r.orders["order_id"].str.starts_with("C").any()
    got = dict(r.orders.select("order_id", "value").iter_rows())
    assert got.keys() == values.keys()
    for inv, v in values.items():
        assert math.isclose(got[inv], v, rel_tol=1e-9, abs_tol=1e-9), inv


# --- the real files in ../shared/data ----------------------------------------------------------


@needs_shared
def test_full_online_retail_file():
    path = SHARED / "online_retail" / "online_retail_full.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    r = read_online_retail(path)
    check_invariants(r)
    n, reasons, values, c_rows = reference(path)
    assert r.rows_read == n == 541_909
    with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
        invoices = {row["InvoiceNo"] for row in csv.DictReader(f)}
    assert len(invoices) == 25_900
    assert r.reject_reasons() == dict(reasons)
    assert set(r.rejects.filter(pl.col("reason") == "cancellation")["row"].to_list()) == c_rows
    assert r.orders.height == len(values)
    assert r.orders["value"].sum() == pytest.approx(sum(values.values()), rel=1e-9)


@needs_shared
def test_online_retail_ii_first_rows():
    path = SHARED / "online_retail" / "online_retail_ii_first6000rows.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    r = read_online_retail(path)
    check_invariants(r)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert r.rows_read == len(rows) == 6000
    assert len({row["Invoice"] for row in rows}) == 274
    c_rows = {i for i, row in enumerate(rows, start=1) if row["Invoice"].startswith("C")}
    got = set(r.rejects.filter(pl.col("reason") == "cancellation")["row"].to_list())
    assert got == c_rows
    customers = {row["Customer ID"].removesuffix(".0") for row in rows if row["Customer ID"]}
    assert set(r.orders["customer_id"].drop_nulls().to_list()) <= customers
    assert not any(c.endswith(".0") for c in r.orders["customer_id"].drop_nulls().to_list())

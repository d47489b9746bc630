"""Shopify and Olist importers, time zones and the format dispatcher.

Small hand-written files in ``tmp_path`` test each rule with expected values worked out by hand
(comments give the arithmetic). The real files in ``../shared/data`` (override the location with
``OMSIM_SHARED_DATA``) are checked against facts computed independently with the ``csv`` module;
those tests are skipped when the data is absent. The Olist files are read in place, never copied.
"""

from __future__ import annotations

import csv
import os
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from analysis.importers.read import (
    FORMATS,
    OrderImportError,
    read_generic,
    read_olist,
    read_online_retail,
    read_orders,
    read_shopify,
)
from analysis.importers.schema import (
    LINES_SCHEMA,
    ORDERS_SCHEMA,
    REJECTS_SCHEMA,
    ImportResult,
)

TIMING = ["paid_at", "shipped_at", "delivered_at", "promised_at"]


def _shared_data() -> Path | None:
    """``OMSIM_SHARED_DATA`` if set, else ``../shared/data`` beside the checkout (as in
    tests/test_importers.py, which also falls back to ``/work/shared/data``)."""
    env = os.environ.get("OMSIM_SHARED_DATA")
    candidates = (
        [Path(env)]
        if env
        else [Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data")]
    )
    return next((p for p in candidates if p.is_dir()), None)


SHARED = _shared_data()


def shared(rel: str) -> Path:
    """A path under the shared data directory, or skip the test if it is absent."""
    if SHARED is None:
        pytest.skip("../shared/data absent: set OMSIM_SHARED_DATA to the real-data directory")
    path = SHARED / rel
    if not path.exists():
        pytest.skip(f"../shared/data absent: {path} not found")
    return path


def check(r: ImportResult) -> None:
    """The invariants every import keeps."""
    assert r.accepted_rows + r.rejects.height == r.rows_read
    c = r.counts()
    assert c["accepted_rows"] + c["rejected"] == c["rows_read"]
    assert c["orders"] == r.orders.height == r.lines["order_id"].n_unique()
    assert list(r.orders.columns) == list(ORDERS_SCHEMA)
    assert dict(r.lines.schema) == LINES_SCHEMA
    assert dict(r.rejects.schema) == REJECTS_SCHEMA
    assert r.rejects.select("file", "row").is_unique().all()
    dtype = r.orders.schema["placed_at"]
    assert isinstance(dtype, pl.Datetime) and dtype.time_unit == "us"
    assert all(r.orders.schema[c] == dtype for c in TIMING)
    for col, t in ORDERS_SCHEMA.items():
        if not isinstance(t, pl.Datetime):
            assert r.orders.schema[col] == t, col
    assert (r.lines["quantity"] > 0).all() and (r.lines["unit_price"] >= 0).all()
    assert r.orders["order_id"].is_unique().all()


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        for row in rows:
            w.writerow({k: row.get(k, "") for k in header})
    return path


def rejects(r: ImportResult) -> list[tuple]:
    return list(r.rejects.iter_rows())


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- Shopify: hand-written exports ------------------------------------------------------------

SHOPIFY_HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Subtotal",
    "Total",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    "Cancelled at",
]


def line(name: str, created: str, qty: str, item: str, price: str, sku: str = "", **order) -> dict:
    """One export row; order-level fields as keyword arguments (first row of an order only)."""
    row = {
        "Name": name,
        "Created at": created,
        "Lineitem quantity": qty,
        "Lineitem name": item,
        "Lineitem price": price,
        "Lineitem sku": sku,
    }
    row.update({k.replace("_", " "): v for k, v in order.items()})
    return row


def shopify(tmp_path: Path, rows: list[dict], name: str = "orders_export.csv") -> Path:
    return write_csv(tmp_path / name, SHOPIFY_HEADER, rows)


def test_shopify_forward_fills_order_fields_and_falls_back_to_the_item_name(tmp_path):
    t = "2025-12-06 10:15:03 -0500"
    rows = [
        line(
            "#1001",
            t,
            "2",
            "Mug",
            "10.00",
            "MUG-1",
            Email="Ann@Example.com",
            Financial_Status="paid",
            Paid_at="2025-12-06 10:16:00 -0500",
            Fulfillment_Status="fulfilled",
            Fulfilled_at="2025-12-07 09:00:00 -0500",
            Shipping_Method="Express",
            Total="35.00",
        ),
        line("#1001", t, "1", "Gift card", "15.00"),  # no sku: the name is the sku
        line("#1002", "2025-12-06 11:00:00 -0500", "3", "Tea", "2.50", "TEA", Email="REDACTED"),
        line("#1002", "2025-12-06 11:00:00 -0500", "1", "Cup", "4.00", "CUP"),
    ]
    r = read_shopify(shopify(tmp_path, rows))
    check(r)
    assert r.counts() == {
        "rows_read": 4,
        "accepted_rows": 4,
        "lines": 4,
        "rejected": 0,
        "orders": 2,
    }
    assert r.lines.rows() == [
        ("#1001", 1, "MUG-1", 2, 10.0),
        ("#1001", 2, "Gift card", 1, 15.0),
        ("#1002", 1, "TEA", 3, 2.5),
        ("#1002", 2, "CUP", 1, 4.0),
    ]
    o = r.orders.rows(named=True)
    # 10:15:03 at -05:00 is 15:15:03 UTC; paid 15:16, fulfilled next day 14:00 UTC
    assert o[0]["placed_at"] == utc(2025, 12, 6, 15, 15, 3)
    assert o[0]["paid_at"] == utc(2025, 12, 6, 15, 16)
    assert o[0]["shipped_at"] == utc(2025, 12, 7, 14)
    assert o[0]["delivered_at"] is None and o[0]["promised_at"] is None
    assert (o[0]["customer_id"], o[0]["service"], o[0]["channel"]) == (
        "ann@example.com",
        "Express",
        None,
    )
    assert (o[0]["n_lines"], o[0]["n_units"], o[0]["value"]) == (2, 3, 2 * 10 + 15)
    assert o[0]["timing_flag"] is None
    # REDACTED email is a missing customer; no shipping method: null service
    assert (o[1]["customer_id"], o[1]["service"], o[1]["paid_at"]) == (None, None, None)
    assert (o[1]["n_lines"], o[1]["n_units"], o[1]["value"]) == (2, 4, 3 * 2.5 + 4)


def test_shopify_offsets_across_daylight_saving_give_the_right_instants(tmp_path):
    rows = [
        # US clocks went forward on 2025-03-09 02:00 (-05:00 -> -04:00)
        line("#1", "2025-03-09 01:30:00 -0500", "1", "A", "1", "A"),  # 06:30 UTC
        line("#2", "2025-03-09 03:30:00 -0400", "1", "A", "1", "A"),  # 07:30 UTC
        # and back on 2025-11-02 02:00: 01:30 happens twice, the offset tells which
        line("#3", "2025-11-02 01:30:00 -0400", "1", "A", "1", "A"),  # 05:30 UTC
        line("#4", "2025-11-02 01:30:00 -0500", "1", "A", "1", "A"),  # 06:30 UTC
        line("#5", "2025-07-01 12:00:00 +0530", "1", "A", "1", "A"),  # 06:30 UTC
    ]
    r = read_shopify(shopify(tmp_path, rows), tz="UTC")
    check(r)
    assert r.orders.schema["placed_at"] == pl.Datetime("us", "UTC")
    assert r.orders["placed_at"].to_list() == [
        utc(2025, 3, 9, 6, 30),
        utc(2025, 3, 9, 7, 30),
        utc(2025, 11, 2, 5, 30),
        utc(2025, 11, 2, 6, 30),
        utc(2025, 7, 1, 6, 30),
    ]
    # the same instants seen from New York: the wall-clock times of the file
    ny = read_shopify(shopify(tmp_path, rows), tz="America/New_York")
    assert ny.orders.schema["placed_at"] == pl.Datetime("us", "America/New_York")
    wall = [t.replace(tzinfo=None) for t in ny.orders["placed_at"].to_list()]
    assert wall[:4] == [
        datetime(2025, 3, 9, 1, 30),
        datetime(2025, 3, 9, 3, 30),
        datetime(2025, 11, 2, 1, 30),
        datetime(2025, 11, 2, 1, 30),
    ]
    assert wall[4] == datetime(2025, 7, 1, 2, 30)  # 06:30 UTC is 02:30 EDT


def test_shopify_cancelled_orders_are_rejected_row_by_row(tmp_path):
    t = "2025-12-06 10:00:00 -0500"
    rows = [
        line("#1", t, "1", "A", "1", "A", Financial_Status="paid"),  # 1 ok
        line("#2", t, "1", "A", "1", "A", Cancelled_at="2025-12-06 11:00:00 -0500"),  # 2
        line("#2", t, "2", "B", "1", "B"),  # 3: cancelled via the forward-filled field
        line("#3", t, "1", "A", "1", "A", Financial_Status="Refunded"),  # 4
        line("#3", t, "1", "B", "1", "B"),  # 5
        line("#4", t, "1", "A", "1", "A", Financial_Status="voided"),  # 6
        line("#5", t, "1", "A", "1", "A", Financial_Status="partially_refunded"),  # 7 ok
        line("", t, "1", "A", "1", "A"),  # 8 missing order id
        line("#6", t, "x", "A", "1", "A"),  # 9 bad quantity
        line("#6", t, "1", "", "1", ""),  # 10 no sku and no name
    ]
    r = read_shopify(shopify(tmp_path, rows, "export.csv"))
    check(r)
    f = "export.csv"
    assert rejects(r) == [
        (f, 2, "Cancelled at", "cancellation"),
        (f, 3, "Cancelled at", "cancellation"),
        (f, 4, "Financial Status", "cancellation"),
        (f, 5, "Financial Status", "cancellation"),
        (f, 6, "Financial Status", "cancellation"),
        (f, 8, "Name", "missing order id"),
        (f, 9, "Lineitem quantity", "quantity not an integer"),
        (f, 10, "Lineitem sku", "missing sku"),
    ]
    assert r.orders["order_id"].to_list() == ["#1", "#5"]
    assert r.accepted_rows == 2 and r.rows_read == 10


def test_shopify_fully_refunded_but_fulfilled_orders_are_warehouse_work(tmp_path):
    """Issue 19.5: only never-fulfilled orders are cancellations."""
    t = "2025-12-06 10:00:00 -0500"
    done = "2025-12-07 10:00:00 -0500"
    rows = [
        line("#1", t, "1", "A", "1", "A", Financial_Status="refunded", Fulfilled_at=done),  # kept
        line("#1", t, "1", "B", "1", "B"),  # kept: the order's second line
        line("#2", t, "1", "A", "1", "A", Financial_Status="refunded"),  # never fulfilled
        line(
            "#3", t, "1", "A", "1", "A", Financial_Status="voided", Fulfillment_Status="fulfilled"
        ),  # fmt: skip
        line("#4", t, "1", "A", "1", "A", Cancelled_at=done, Fulfillment_Status="unfulfilled"),
    ]
    r = read_shopify(shopify(tmp_path, rows, "export.csv"))
    check(r)
    assert r.orders["order_id"].to_list() == ["#1", "#3"]
    assert r.orders["n_lines"].to_list() == [2, 1]
    assert rejects(r) == [
        ("export.csv", 3, "Financial Status", "cancellation"),
        ("export.csv", 5, "Cancelled at", "cancellation"),
    ]


def test_shopify_without_tz_infers_the_shops_zone_from_its_offsets(tmp_path, caplog):
    """Issue 19.4: a New York shop (-0500 in winter, -0400 in summer) without --tz: the times
    are the shop's wall clock, not UTC, and a warning names the inferred zone."""
    rows = [
        line("#1", "2025-01-15 09:00:00 -0500", "1", "A", "1", "A"),
        line("#2", "2025-07-15 09:00:00 -0400", "1", "A", "1", "A"),
        line("#3", "2025-11-02 01:30:00 -0400", "1", "A", "1", "A"),
        line("#4", "2025-11-02 01:30:00 -0500", "1", "A", "1", "A"),
    ]
    with caplog.at_level("WARNING", logger="analysis.importers.read"):
        r = read_shopify(shopify(tmp_path, rows))
    check(r)
    zone = r.orders.schema["placed_at"].time_zone
    assert zone is not None and zone != "UTC"
    assert f"shop's zone {zone}" in caplog.text and "--tz" in caplog.text
    wall = [t.replace(tzinfo=None) for t in r.orders["placed_at"].to_list()]
    # the hours written in the file (the shop's local clock), not 14:00/13:00 UTC
    assert [w.hour for w in wall] == [9, 9, 1, 1]
    # the instants are exact: 14:00 and 13:00 UTC
    assert r.orders["placed_at"].to_list()[:2] == [utc(2025, 1, 15, 14), utc(2025, 7, 15, 13)]


def test_shopify_offsets_that_fit_no_zone_are_refused_without_tz(tmp_path):
    rows = [
        line("#1", "2025-01-15 09:00:00 -0500", "1", "A", "1", "A"),
        line("#2", "2025-01-15 09:00:00 +0530", "1", "A", "1", "A"),
    ]
    with pytest.raises(OrderImportError, match="fit no single time zone.*--tz"):
        read_shopify(shopify(tmp_path, rows))


def test_shopify_timing_flags_do_not_reject(tmp_path):
    t = "2025-12-06 10:00:00 -0500"
    rows = [
        line("#1", t, "1", "A", "1", "A", Paid_at="yesterday"),
        line(
            "#2",
            t,
            "1",
            "A",
            "1",
            "A",
            Paid_at="2025-12-08 10:00:00 -0500",
            Fulfilled_at="2025-12-07 10:00:00 -0500",
        ),  # fmt: skip
    ]
    r = read_shopify(shopify(tmp_path, rows))
    check(r)
    assert r.rejects.height == 0
    assert r.orders["timing_flag"].to_list() == ["unparseable Paid at", "carrier before approval"]
    assert r.orders["paid_at"].to_list()[0] is None


def test_shopify_missing_columns_are_all_named(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("Name,Email,Lineitem sku\n#1,a@b.c,X\n")
    with pytest.raises(OrderImportError) as exc:
        read_shopify(p)
    msg = str(exc.value)
    assert str(p) in msg and "\n" not in msg
    for col in ("Created at", "Lineitem quantity", "Lineitem name", "Lineitem price"):
        assert col in msg
    assert "Lineitem sku" not in msg.split(":", 2)[-1]


@pytest.mark.parametrize("fmt", ["shopify", "generic", "online-retail"])
@pytest.mark.parametrize("text", ["", "Name,Created at\n"], ids=["zero bytes", "header only"])
def test_empty_file_is_an_error(tmp_path, fmt, text):
    p = tmp_path / "empty.csv"
    p.write_text(text)
    with pytest.raises(OrderImportError, match="empty file|no data rows"):
        read_orders(p, fmt)


# --- Olist: hand-written orders, items and customers ------------------------------------------

OLIST_ORDERS = [
    "order_id",
    "customer_id",
    "order_status",
    "order_purchase_timestamp",
    "order_approved_at",
    "order_delivered_carrier_date",
    "order_delivered_customer_date",
    "order_estimated_delivery_date",
]
OLIST_ITEMS = [
    "order_id",
    "order_item_id",
    "product_id",
    "seller_id",
    "shipping_limit_date",
    "price",
    "freight_value",
]


def order(oid, cust, status, placed, approved="", carrier="", delivered="", est="") -> dict:
    values = (oid, cust, status, placed, approved, carrier, delivered, est)
    return dict(zip(OLIST_ORDERS, values, strict=True))


def item(oid: str, n: str, product: str, price: str, freight: str = "9.99") -> dict:
    return {
        "order_id": oid,
        "order_item_id": n,
        "product_id": product,
        "price": price,
        "freight_value": freight,
    }


def olist_dir(tmp_path: Path, customers: bool = True) -> Path:
    d = tmp_path / "olist"
    d.mkdir(exist_ok=True)
    day = "2018-01-0{}"
    orders = [
        # 1 ok, nothing odd
        order("o1", "c1", "delivered", "2018-01-01 10:00:00", "2018-01-01 11:00:00",
              "2018-01-02 09:00:00", "2018-01-05 12:00:00", "2018-01-10 00:00:00"),
        # 2 carrier hand-over (08:00) before approval (12:00): flagged, kept
        order("o2", "c2", "delivered", "2018-01-03 07:00:00", "2018-01-03 12:00:00",
              "2018-01-03 08:00:00", "2018-01-06 08:00:00", "2018-01-12 00:00:00"),
        order("o3", "c3", "canceled", day.format(3) + " 09:00:00"),  # 3 cancellation
        order("o4", "c4", "delivered", day.format(4) + " 09:00:00"),  # 4 no item rows
        order("o5", "c5", "delivered", "not a date"),  # 5 unparseable date
        # 6 unparseable approval: flagged, kept
        order("o6", "c6", "shipped", "2018-01-05 09:00:00", "2018-13-45 99:00:00",
              "2018-01-06 09:00:00"),
        # 7 delivered (10:00) before the carrier hand-over (11:00)
        order("o7", "c7", "delivered", "2018-01-06 09:00:00", "2018-01-06 09:30:00",
              "2018-01-07 11:00:00", "2018-01-07 10:00:00"),
        order("o8", "c8", "unavailable", day.format(7) + " 09:00:00"),  # 8
        order("o9", "c9", "delivered", ""),  # 9 missing date
        order("o10", "c10", "delivered", day.format(8) + " 09:00:00"),  # 10 all items bad
        order("o1", "c1", "delivered", "2018-01-01 10:00:00"),  # 11 duplicate order
    ]  # fmt: skip
    items = [
        item("o1", "2", "P2", "5.00"),  # 1 (o1's second unit, first in file)
        item("o1", "1", "P1", "10.00"),  # 2
        item("o1", "3", "P1", "10.00"),  # 3
        item("o2", "1", "P3", "7.50"),  # 4
        item("o3", "1", "P1", "1.00"),  # 5 order rejected (cancelled)
        item("o5", "1", "P1", "1.00"),  # 6 order rejected (bad date)
        item("oX", "1", "P1", "1.00"),  # 7 item without order
        item("o6", "1", "P1", "-1"),  # 8 negative price
        item("o6", "2", "P2", "abc"),  # 9 price not a number
        item("o6", "3", "", "3.00"),  # 10 missing sku
        item("o6", "4", "P4", "3.00"),  # 11 ok
        item("o7", "1", "P5", "2.00"),  # 12 ok, prices differ: mean 3.00
        item("o7", "2", "P5", "4.00"),  # 13 ok
        item("o8", "1", "P1", "1.00"),  # 14 order rejected (unavailable)
        item("o10", "1", "P1", ""),  # 15 missing price -> o10 has no accepted item
        item("", "1", "P1", "1.00"),  # 16 missing order id
    ]
    write_csv(d / "olist_orders_dataset.csv", OLIST_ORDERS, orders)
    write_csv(d / "olist_order_items_dataset.csv", OLIST_ITEMS, items)
    if customers:
        cust = [("c1", "u1"), ("c2", "u1"), ("c7", "u7"), ("c3", "u3")]  # c6 unknown
        write_csv(
            d / "olist_customers_dataset.csv",
            ["customer_id", "customer_unique_id", "customer_zip_code_prefix"],
            [{"customer_id": a, "customer_unique_id": b} for a, b in cust],
        )
    return d


def test_olist_rules(tmp_path):
    r = read_olist(olist_dir(tmp_path))
    check(r)
    o, i = "olist_orders_dataset.csv", "olist_order_items_dataset.csv"
    assert rejects(r) == [
        (o, 3, "order_status", "cancellation"),
        (o, 4, "", "order without items"),
        (o, 5, "order_purchase_timestamp", "unparseable date"),
        (o, 8, "order_status", "unavailable order"),
        (o, 9, "order_purchase_timestamp", "missing date"),
        (o, 10, "", "order without items"),
        (o, 11, "order_id", "duplicate order"),
        (i, 5, "", "order rejected"),
        (i, 6, "", "order rejected"),
        (i, 7, "order_id", "item without order"),
        (i, 8, "price", "negative price"),
        (i, 9, "price", "price not a number"),
        (i, 10, "product_id", "missing sku"),
        (i, 14, "", "order rejected"),
        (i, 15, "price", "missing price"),
        (i, 16, "order_id", "missing order id"),
    ]
    # 11 order rows + 16 item rows; accepted: orders o1 o2 o6 o7, items 1-4, 11, 12, 13
    assert (r.rows_read, r.accepted_rows) == (27, 4 + 7)
    assert r.lines.rows() == [
        ("o1", 1, "P1", 2, 10.0),  # two unit rows, first order_item_id 1
        ("o1", 2, "P2", 1, 5.0),
        ("o2", 1, "P3", 1, 7.5),
        ("o6", 1, "P4", 1, 3.0),
        ("o7", 1, "P5", 2, 3.0),  # mean of 2.00 and 4.00
    ]
    orders = {row["order_id"]: row for row in r.orders.rows(named=True)}
    assert list(orders) == ["o1", "o2", "o6", "o7"]
    o1 = orders["o1"]
    assert (o1["n_lines"], o1["n_units"], o1["value"]) == (2, 3, 25.0)  # freight excluded
    assert o1["placed_at"] == datetime(2018, 1, 1, 10)
    assert o1["paid_at"] == datetime(2018, 1, 1, 11)
    assert o1["shipped_at"] == datetime(2018, 1, 2, 9)
    assert o1["delivered_at"] == datetime(2018, 1, 5, 12)
    assert o1["promised_at"] == datetime(2018, 1, 10)
    assert o1["timing_flag"] is None
    assert orders["o2"]["timing_flag"] == "carrier before approval"
    assert orders["o6"]["timing_flag"] == "unparseable order_approved_at"
    assert orders["o6"]["paid_at"] is None and orders["o6"]["delivered_at"] is None
    assert orders["o7"]["timing_flag"] == "delivered before carrier"
    assert orders["o7"]["value"] == 6.0
    # repeat customer c1/c2 -> u1; c6 is not in the customers file and is kept
    assert [orders[k]["customer_id"] for k in orders] == ["u1", "u1", "c6", "u7"]
    assert r.orders.schema["placed_at"] == pl.Datetime("us")


def test_olist_without_customers_file_and_from_the_orders_path(tmp_path):
    d = olist_dir(tmp_path, customers=False)
    by_dir = read_olist(d)
    by_file = read_olist(d / "olist_orders_dataset.csv")
    check(by_file)
    assert by_dir.orders.equals(by_file.orders) and by_dir.rejects.equals(by_file.rejects)
    assert by_dir.orders["customer_id"].to_list() == ["c1", "c2", "c6", "c7"]
    assert read_orders(d, "olist").lines.equals(by_dir.lines)


def test_olist_missing_files_and_columns(tmp_path):
    d = olist_dir(tmp_path)
    (d / "olist_order_items_dataset.csv").unlink()
    with pytest.raises(OrderImportError, match="olist_order_items_dataset.csv: no such file"):
        read_olist(d)
    write_csv(d / "olist_order_items_dataset.csv", ["order_id", "freight_value"], [{}])
    write_csv(d / "olist_orders_dataset.csv", ["order_id", "customer_id"], [{}])
    with pytest.raises(OrderImportError) as exc:
        read_olist(d)
    msg = str(exc.value)
    assert "\n" not in msg
    for col in ("order_status", "order_purchase_timestamp", "order_item_id", "product_id", "price"):
        assert col in msg
    with pytest.raises(OrderImportError, match="no such file"):
        read_olist(tmp_path / "nowhere")


def test_olist_time_zone(tmp_path):
    d = olist_dir(tmp_path)
    r = read_olist(d, tz="America/Sao_Paulo")
    check(r)
    assert r.orders.schema["placed_at"] == pl.Datetime("us", "America/Sao_Paulo")
    o1 = r.orders.row(0, named=True)
    # January 2018: Brazilian summer time, UTC-2
    assert o1["placed_at"].astimezone(UTC) == utc(2018, 1, 1, 12)
    assert o1["promised_at"].astimezone(UTC) == utc(2018, 1, 10, 2)
    # a midnight that did not exist in Sao Paulo (clocks went 00:00 -> 01:00 on 2017-10-15)
    write_csv(
        d / "olist_orders_dataset.csv",
        OLIST_ORDERS,
        [order("o1", "c1", "delivered", "2017-10-10 09:00:00", est="2017-10-15 00:00:00")],
    )
    write_csv(d / "olist_order_items_dataset.csv", OLIST_ITEMS, [item("o1", "1", "P", "1")])
    assert read_olist(d).orders["timing_flag"].to_list() == [None]
    r = read_olist(d, tz="America/Sao_Paulo")
    check(r)
    assert r.orders["timing_flag"].to_list() == ["unparseable order_estimated_delivery_date"]
    assert r.orders["promised_at"].to_list() == [None]


# --- time zones on the line formats, the dispatcher -------------------------------------------


def test_naive_times_with_tz_are_local_times(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text(
        "order_id,placed_at,sku,quantity,unit_price\n"
        "a,2025-03-30 00:30:00,A,1,1\n"  # GMT: 00:30 UTC
        "b,2025-03-30 01:30:00,A,1,1\n"  # skipped by the change to BST: does not exist
        "c,2025-03-30 02:30:00,A,1,1\n"  # BST: 01:30 UTC
        "d,2025-10-26 01:30:00,A,1,1\n"  # happens twice: the earlier, BST, 00:30 UTC
        "e,2025-07-01 12:00:00,A,1,1\n"  # BST: 11:00 UTC
    )
    naive = read_generic(p)
    check(naive)
    assert naive.orders.schema["placed_at"] == pl.Datetime("us")  # no tz: stays naive
    assert naive.orders.height == 5
    r = read_generic(p, tz="Europe/London")
    check(r)
    assert r.orders.schema["placed_at"] == pl.Datetime("us", "Europe/London")
    assert [t.astimezone(UTC) for t in r.orders["placed_at"].to_list()] == [
        utc(2025, 3, 30, 0, 30),
        utc(2025, 3, 30, 1, 30),
        utc(2025, 10, 26, 0, 30),
        utc(2025, 7, 1, 11),
    ]
    assert rejects(r) == [("g.csv", 2, "placed_at", "unparseable date")]


def test_aware_times_with_tz_are_converted(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text(
        "order_id,placed_at,sku,quantity,unit_price\n"
        "a,2025-07-01 12:00:00+0000,A,1,1\n"  # 13:00 BST
        "b,2025-12-01T12:00:00Z,A,1,1\n"  # 12:00 GMT
    )
    utc_result = read_generic(p)
    assert utc_result.orders.schema["placed_at"] == pl.Datetime("us", "UTC")
    r = read_generic(p, tz="Europe/London")
    check(r)
    wall = [t.replace(tzinfo=None) for t in r.orders["placed_at"].to_list()]
    assert wall == [datetime(2025, 7, 1, 13), datetime(2025, 12, 1, 12)]


def test_online_retail_takes_tz(tmp_path):
    p = tmp_path / "or.csv"
    p.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "1,A,x,1,6/1/2011 8:26,1,,UK\n"  # BST: 07:26 UTC
    )
    r = read_online_retail(p, tz="Europe/London")
    check(r)
    assert r.orders["placed_at"].to_list()[0].astimezone(UTC) == utc(2011, 6, 1, 7, 26)


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_time_zone_is_rejected(tmp_path, fmt):
    p = tmp_path / "x.csv"
    p.write_text("a\n1\n")
    with pytest.raises(OrderImportError, match="Mars/Olympus_Mons"):
        read_orders(p, fmt, tz="Mars/Olympus_Mons")


def test_dispatcher(tmp_path):
    assert FORMATS == ("generic", "shopify", "online-retail", "olist")
    p = tmp_path / "g.csv"
    p.write_text("order_id,placed_at,sku,quantity,unit_price\na,2025-01-01,A,2,1.5\n")
    assert read_orders(p, "generic").orders.equals(read_generic(p).orders)
    with pytest.raises(OrderImportError) as exc:
        read_orders(p, "woocommerce")
    assert "woocommerce" in str(exc.value)
    for fmt in FORMATS:
        assert fmt in str(exc.value)


# --- the real files in ../shared/data, against the csv module ---------------------------------


def test_real_shopify_export():
    path = shared("shopify/devstore_orders_2025-12_redacted.csv")
    r = read_shopify(path)
    check(r)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = {row["Name"] for row in rows}
    assert r.rows_read == len(rows) == 121
    assert len(names) == 51
    # cancellations by the documented rule, with order fields taken from the first row
    first: dict[str, dict] = {}
    for row in rows:
        first.setdefault(row["Name"], row)
    cancelled = {
        n
        for n, row in first.items()
        if (
            row["Cancelled at"].strip()
            or row["Financial Status"].strip().lower() in ("refunded", "voided")
        )
        and not row["Fulfilled at"].strip()
        and row["Fulfillment Status"].strip().lower() not in ("fulfilled", "partial")
    }
    kept = [row for row in rows if row["Name"] not in cancelled]
    assert r.orders.height == len(names - cancelled)
    assert r.reject_reasons() == ({"cancellation": len(rows) - len(kept)} if cancelled else {})
    assert r.lines["quantity"].sum() == sum(int(row["Lineitem quantity"]) for row in kept)
    skus = {row["Lineitem sku"].strip() or row["Lineitem name"].strip() for row in kept}
    assert set(r.lines["sku"].to_list()) == skus
    # placed_at: the earliest Created at of each order, honouring each value's offset
    created: dict[str, datetime] = {}
    for row in kept:
        t = datetime.strptime(row["Created at"], "%Y-%m-%d %H:%M:%S %z").astimezone(UTC)
        created[row["Name"]] = min(t, created.get(row["Name"], t))
    assert dict(r.orders.select("order_id", "placed_at").iter_rows()) == created
    paid = {n for n, row in first.items() if row["Paid at"].strip() and n not in cancelled}
    assert set(r.orders.filter(pl.col("paid_at").is_not_null())["order_id"]) == paid


def test_real_olist_orders():
    d = shared("olist_10k_delivered")
    with open(d / "olist_orders_dataset.csv", newline="", encoding="utf-8") as f:
        orders = list(csv.DictReader(f))
    with open(d / "olist_order_items_dataset.csv", newline="", encoding="utf-8") as f:
        items = list(csv.DictReader(f))
    with open(d / "olist_customers_dataset.csv", newline="", encoding="utf-8") as f:
        unique_id = {row["customer_id"]: row["customer_unique_id"] for row in csv.DictReader(f)}
    r = read_olist(d)
    check(r)
    assert r.rows_read == len(orders) + len(items) == 10_000 + 11_513
    statuses = Counter(row["order_status"] for row in orders)
    with_items = {row["order_id"] for row in items}
    expected = [
        row
        for row in orders
        if row["order_status"] not in ("canceled", "unavailable") and row["order_id"] in with_items
    ]
    assert r.orders.height == len(expected), statuses
    assert r.orders["order_id"].to_list() == [row["order_id"] for row in expected]
    units: Counter = Counter()
    value: dict[str, float] = defaultdict(float)
    for row in items:
        units[(row["order_id"], row["product_id"])] += 1
        value[row["order_id"]] += float(row["price"])
    assert r.lines.height == len(units)
    assert r.lines["quantity"].sum() == len(items)
    assert r.orders["n_units"].sum() == len(items)
    got = dict(r.orders.select("order_id", "value").iter_rows())
    assert all(abs(got[k] - value[k]) < 1e-6 for k in got)
    # flags from string comparison of the ISO timestamps
    carrier_first = sum(
        1
        for row in expected
        if row["order_delivered_carrier_date"]
        and row["order_approved_at"]
        and row["order_delivered_carrier_date"] < row["order_approved_at"]
    )
    delivered_first = sum(
        1
        for row in expected
        if row["order_delivered_customer_date"]
        and row["order_delivered_carrier_date"]
        and row["order_delivered_customer_date"] < row["order_delivered_carrier_date"]
    )
    flags = r.orders["timing_flag"].drop_nulls()
    assert (carrier_first, delivered_first) == (122, 2)
    assert flags.str.contains("carrier before approval").sum() == carrier_first
    assert flags.str.contains("delivered before carrier").sum() == delivered_first
    assert r.orders["delivered_at"].null_count() == sum(
        1 for row in expected if not row["order_delivered_customer_date"]
    )
    # repeat customers are one customer
    customers = {unique_id[row["customer_id"]] for row in expected}
    assert r.orders["customer_id"].n_unique() == len(customers) < len(expected)
    # rejects are consistent with the rows
    assert r.accepted_rows == r.orders.height + r.lines["quantity"].sum()

"""Issue 19.7: files that are cut off, duplicated, overlapping, semicolon-delimited or Latin-1
give the documented result (analysis.importers.csv_reader C1-C3, analysis.importers.merge M1,
Shopify S10), never doubled lines or a message that does not name the cause."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from analysis.importers.read import read_orders
from analysis.importers.schema import OrderImportError

HEADER = "order_id,placed_at,sku,quantity,unit_price\n"
SHOP = (
    "Name,Financial Status,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku\n"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_truncated_last_row_is_rejected_with_its_reason(tmp_path):
    # the export stopped inside row 3's price: "12.5" of "12.50,..." and no end of line
    p = write(tmp_path / "cut.csv", HEADER + "1,2024-01-01 10:00,A,1,3.0\n2,2024-01-01 11:00,B,2")
    r = read_orders(p, "generic")
    assert r.rows_read == 2 and r.accepted_rows == 1
    assert r.rejects.rows() == [("cut.csv", 2, "", "truncated row")]
    assert r.orders["order_id"].to_list() == ["1"]


def test_a_complete_last_row_without_end_of_line_is_kept(tmp_path):
    p = write(tmp_path / "ok.csv", HEADER + "1,2024-01-01 10:00,A,1,3.0\n2,2024-01-01 11:00,B,2,4")
    r = read_orders(p, "generic")
    assert r.rejects.height == 0 and r.orders.height == 2


def test_truncated_olist_file_is_refused_in_one_line(tmp_path):
    from tests.test_importers_real import OLIST_ITEMS, OLIST_ORDERS

    d = tmp_path / "olist"
    d.mkdir()
    write(d / "olist_orders_dataset.csv", ",".join(OLIST_ORDERS) + "\n" + "o1,c1")
    write(d / "olist_order_items_dataset.csv", ",".join(OLIST_ITEMS) + "\n")
    with pytest.raises(OrderImportError, match="cut off"):
        read_orders(d, "olist")


def test_shopify_exact_duplicate_rows_are_rejected_not_doubled(tmp_path):
    t = "2025-12-06 10:00:00"
    rows = [
        f"#1,paid,{t},1,Mug,10,MUG",
        f"#1,,{t},2,Tea,3,TEA",
        f"#1,paid,{t},1,Mug,10,MUG",  # the first row again (a re-run export pasted below)
        f"#1,,{t},2,Tea,3,TEA",
    ]
    p = write(tmp_path / "dup.csv", SHOP + "\n".join(rows) + "\n")
    r = read_orders(p, "shopify")
    assert r.orders["n_lines"].to_list() == [2]
    assert r.orders["value"].to_list() == [10 + 2 * 3]
    assert r.rejects.rows() == [
        ("dup.csv", 3, "", "duplicate row"),
        ("dup.csv", 4, "", "duplicate row"),
    ]


def test_overlapping_exports_keep_each_order_once(tmp_path):
    t = "2025-12-06 10:00:00"
    a = write(tmp_path / "nov.csv", SHOP + f"#1,paid,{t},1,Mug,10,MUG\n#2,paid,{t},1,Tea,3,TEA\n")
    b = write(
        tmp_path / "dec.csv",
        SHOP + f"#2,paid,{t},1,Tea,3,TEA\n#3,paid,{t},1,Cup,4,CUP\n#3,,{t},1,Tea,3,TEA\n",
    )
    r = read_orders([a, b], "shopify")
    assert r.orders["order_id"].to_list() == ["#1", "#2", "#3"]
    assert r.orders["n_lines"].to_list() == [1, 1, 2]  # #2 not doubled
    assert r.rows_read == 5 and r.accepted_rows == 4
    assert r.rejects.rows() == [("dec.csv", 1, "Name", "order in an earlier file")]


def test_semicolon_file_is_detected_and_read(tmp_path):
    # a decimal comma is not a number: the columns are found, the price named as the cause
    p = write(tmp_path / "semi.csv", HEADER.replace(",", ";") + "1;2024-01-01 10:00;A;1;3,5\n")
    with pytest.raises(OrderImportError, match="price not a number 1"):
        read_orders(p, "generic")
    ok = write(tmp_path / "semi2.csv", HEADER.replace(",", ";") + "1;2024-01-01 10:00;A;1;3.5\n")
    r = read_orders(ok, "generic")
    assert r.lines.rows() == [("1", 1, "A", 1, 3.5)]


def test_wrong_delimiter_given_names_the_cause(tmp_path):
    p = write(tmp_path / "semi.csv", HEADER.replace(",", ";") + "1;2024-01-01 10:00;A;1;3.5\n")
    with pytest.raises(OrderImportError, match="semicolons; pass --delimiter"):
        read_orders(p, "generic", delimiter=",")


def test_latin1_file_is_read_with_a_warning_naming_the_byte(tmp_path, caplog):
    p = write(tmp_path / "l1.csv", HEADER + "1,2024-01-01 10:00,CAFÉ-1,1,3.0\n", "latin-1")
    with caplog.at_level("WARNING", logger="analysis.importers.read"):
        r = read_orders(p, "generic")
    assert r.lines["sku"].to_list() == ["CAFÉ-1"]
    assert "not UTF-8 (byte 0xc9" in caplog.text and "--encoding" in caplog.text
    r2 = read_orders(p, "generic", encoding="latin-1")
    assert r2.lines["sku"].to_list() == ["CAFÉ-1"]


def test_encoding_that_does_not_fit_names_byte_and_offset(tmp_path):
    p = write(tmp_path / "l1.csv", HEADER + "1,2024-01-01 10:00,CAFÉ,1,3.0\n", "latin-1")
    with pytest.raises(OrderImportError, match=r"byte 0xc9 at offset \d+ that is not utf-8"):
        read_orders(p, "generic", encoding="utf-8")


def test_cli_imports_several_files_with_delimiter_and_encoding(tmp_path):
    a = write(
        tmp_path / "a.csv", HEADER.replace(",", ";") + "1;2024-01-01 10:00;É;1;3.5\n", "latin-1"
    )
    b = write(
        tmp_path / "b.csv",
        HEADER.replace(",", ";") + "1;2024-01-01 10:00;É;1;3.5\n2;2024-01-02 10:00;B;1;1\n",
        "latin-1",
    )
    out = tmp_path / "out"
    cp = subprocess.run(
        [sys.executable, "-m", "sim.cli", "import", str(a), str(b), "--format", "generic",
         "--delimiter", ";", "--encoding", "latin-1", "-o", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert cp.returncode == 0, cp.stderr
    orders = pl.read_parquet(out / "orders.parquet")
    assert orders["order_id"].to_list() == ["1", "2"]
    rejects = pl.read_csv(out / "rejects.csv")
    assert rejects.rows() == [("b.csv", 1, "order_id", "order in an earlier file")]

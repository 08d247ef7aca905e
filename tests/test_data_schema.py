"""The row validator: every bad row is reported with file, line, column and reason,
skipped and counted, and the rest of the file still loads."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sheet_helpers import write_xlsx

from cloud_trainer.data.filetext import guess_delimiter
from cloud_trainer.data.ingest import IngestReport, require_rows
from cloud_trainer.data.schema import (
    GENERIC_INTERACTIONS,
    GENERIC_ITEMS,
    DataError,
    parse_attributes,
    with_event_codes,
)
from cloud_trainer.data.table import read_table

HEADER = "user_id,item_id,timestamp,event_type,quantity,price,store_id,session_id\n"


def write(tmp_path: Path, text: str, name: str = "inter.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read_stamps(tmp_path: Path, stamps: list[str], name: str) -> tuple[list[pd.Timestamp], IngestReport]:
    """The timestamps one interactions file of these values reads as, and its report."""
    rows = "".join(f"u,i,{t}\n" for t in stamps)
    report = IngestReport()
    frame = read_table(write(tmp_path, "user_id,item_id,timestamp\n" + rows, name), GENERIC_INTERACTIONS, report)
    return frame["timestamp"].tolist(), report


def test_bad_rows_are_reported_skipped_and_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "u1,i1,2024-01-01 10:00:00,purchase,1,2.5,s,b1\n"  # line 2 ok
        + "u1,i2,2024-01-01 10:00:00,click,1,2.5,s,b1\n"  # line 3 bad event type
        + ",i3,2024-01-01 10:00:00,view,,,s,\n"  # line 4 empty user (and no basket to take one from)
        + "u2,i1,not-a-date,view,,,s,b2\n"  # line 5 bad timestamp
        + "u2,i1,2024-01-02T09:00:00+02:00,VIEW,0,,s,b2\n"  # line 6 quantity must be > 0
        + "u2,i1,2024-01-02 09:00:00,cart,a few,-1,s,b2\n"  # line 7 two bad columns
        + "\n"  # line 8 blank: ignored, not counted
        + "u3,i9,2024-01-03 12:00:00,favorite,,,,\n",  # line 9 ok (optional fields empty)
    )
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)

    assert list(frame["_line"]) == [2, 9]
    errors = [str(e) for e in report.errors]
    assert errors[0] == (
        f"{path}:3: event_type: must be one of view, cart, purchase, favorite; --event-codes VALUE=EVENT says what another value means (VALUE=none: no action, left out) (got 'click')"
    )
    assert f"{path}:4: user_id: empty (required)" in errors
    assert f"{path}:5: timestamp: not a timestamp: 'not-a-date'" in errors
    assert f"{path}:6: quantity: must be > 0 (got 0)" in errors
    assert f"{path}:7: quantity: not a number: 'a few'" in errors
    assert f"{path}:7: price: must be >= 0 (got -1)" in errors
    stats = report.files[str(path)]
    assert (stats.rows_read, stats.rows_kept, stats.rows_skipped) == (7, 2, 5)
    assert report.error_count == 6  # line 7 has two problems, counted as one skipped row
    # Values are converted: floats, naive timestamps, lower-case event types.
    assert frame["quantity"].isna().tolist() == [False, True]
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2024-01-01 10:00:00")
    assert frame["event_type"].tolist() == ["purchase", "favorite"]


def test_offset_timestamps_are_read_as_the_wall_clock_time_they_write(tmp_path: Path) -> None:
    """A generic file's times are the store's: one written with its offset (Shopify's
    '-0400', ISO's '+02:00') is read at the hour on the store's clock, summer and winter
    alike; converted to UTC, a café's 08:00 sales were read at noon. (Beside 'Z': the test
    of the review's findings.)"""
    path = write(tmp_path, HEADER + "u,i,2024-01-02T09:00:00+02:00,view,,,,\nu,i,2024-06-03 08:45:02 -0400,view,,,,\n"
                 "u,i,2024-12-03 08:45:02 -0500,view,,,,\n")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["timestamp"].astype(str).tolist() == ["2024-01-02 09:00:00", "2024-06-03 08:45:02",
                                                       "2024-12-03 08:45:02"]
    assert any("times with a UTC offset (e.g. '2024-01-02T09:00:00+02:00') read as the wall-clock time they write"
               in n for n in report.notes)


def test_truncated_last_line_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + "u1,i1,2024-01-01 10:00:00,view,,,s,b\n" + "u1,i2,2024-01-01 10:01",
    )
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert len(frame) == 1
    assert [str(e) for e in report.errors] == [
        f"{path}:3: row: expected 8 fields, got 3 (truncated row?)"
    ]
    assert report.files[str(path)].rows_skipped == 1


def test_missing_required_column_is_a_one_line_error(tmp_path: Path) -> None:
    path = write(tmp_path, "user_id,item_id,event_type\nu,i,view\n")
    with pytest.raises(DataError) as exc:
        read_table(path, GENERIC_INTERACTIONS, IngestReport())
    assert "missing required column(s) timestamp" in str(exc.value)
    assert "\n" not in str(exc.value)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "nope.csv", GENERIC_INTERACTIONS, IngestReport())
    with pytest.raises(DataError, match="empty file"):
        read_table(write(tmp_path, ""), GENERIC_INTERACTIONS, IngestReport())


def test_a_file_without_usable_rows_fails_with_its_first_error(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "u,i,never,view,,,,\n")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    with pytest.raises(DataError) as exc:
        require_rows(frame, str(path), report)
    message = str(exc.value)
    assert message.startswith(f"{path}: no usable rows (1 read)")
    assert "timestamp: not a timestamp" in message


def test_report_summary_and_json(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "u,i,never,view,,,,\nu,i,2024-01-01,view,,,,\n")
    report = IngestReport()
    read_table(path, GENERIC_INTERACTIONS, report)
    summary = report.summary()
    assert f"{path}: 2 rows read, 1 kept, 1 skipped" in summary
    report.notes.append("no items file")
    assert "note: no items file" in report.summary()
    data = report.to_json()
    assert data["rows_skipped"] == 1 and data["error_count"] == 1
    assert data["errors_by_reason"] == {"timestamp: not a timestamp": 1}


def test_parse_attributes() -> None:
    assert parse_attributes('{"aisle": 3}') == {"aisle": "3"}
    assert parse_attributes("aisle=3; shelf = top") == {"aisle": "3", "shelf": "top"}
    assert parse_attributes("") == {}
    assert parse_attributes("{broken") is None
    assert parse_attributes("no equals sign") is None


# What real exports look like (spreadsheets, BI tools, rating dumps): each is read
# as the schema means it, or refused with a line naming the file.


def test_spreadsheet_export_bom_crlf_header_case_quotes_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(
        b"\xef\xbb\xbfEventType,USER_ID,Item Id,timeStamp,Price,Loyalty Tier\r\n"
        b"Purchase,u1,\"Milk, 2%\",2024-01-01 10:00:00,1.5,gold\r\n"
        b"\r\n"  # blank line: not a row, but the line count goes on
        b"PURCHASE,u2,i2,2024-01-02,\"1,5\",\r\n"  # a decimal comma is not a price
        b"view,u3,i3,2024-01-03T08:30,,silver\r\n"
    )
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["user_id"].tolist() == ["u1", "u3"]
    assert frame["item_id"].tolist() == ["Milk, 2%", "i3"]
    assert frame["event_type"].tolist() == ["purchase", "view"]
    assert frame["Loyalty Tier"].tolist() == ["gold", "silver"]  # unknown column kept as is
    assert [str(e) for e in report.errors] == [f"{path}:4: price: not a number: '1,5'"]


def test_tab_and_semicolon_separated_exports_are_read_with_a_note(tmp_path: Path) -> None:
    tsv = write(tmp_path, "user_id\titem_id\ttimestamp\tprice\nu1\tMilk, 2%\t2024-01-01\t1.5\n", "a.tsv")
    report = IngestReport()
    frame = read_table(tsv, GENERIC_INTERACTIONS, report)
    assert frame["item_id"].tolist() == ["Milk, 2%"] and frame["price"].tolist() == [1.5]
    assert f"{tsv}: tab-separated (the header has no comma); read that way" in report.notes
    # A European spreadsheet: semicolons between fields, decimal commas in numbers.
    semi = write(tmp_path, "USER_ID;Item Id;timeStamp;Price;quantity\nu1;i1;2024-01-01;1,5;2\n"
                           "u2;i2;2024-01-02;abc;1\n", "b.csv")
    report = IngestReport()
    frame = read_table(semi, GENERIC_INTERACTIONS, report)
    assert frame["user_id"].tolist() == ["u1"] and frame["price"].tolist() == [1.5]
    assert any("semicolon-separated" in n for n in report.notes)
    assert any("price: numbers with a decimal comma" in n for n in report.notes)
    # A semicolon file without a decimal anywhere gets no decimal-comma note.
    plain = write(tmp_path, "user;item;time\nu1;i1;2024-01-01\n", "c.csv")
    plain_report = IngestReport()
    read_table(plain, GENERIC_INTERACTIONS, plain_report)
    assert not any("decimal comma" in n for n in plain_report.notes)
    assert [str(e) for e in report.errors] == [f"{semi}:3: price: not a number: 'abc'"]


def test_an_erp_ledger_that_writes_sales_below_zero_is_read_turned_round(tmp_path: Path) -> None:
    """Dynamics 365 Commerce's sales lines and Business Central's item ledger write a sale
    as stock going out (-1) and a return as stock coming in: every sale was a bad row and
    the returns were trained as purchases. A till whose few returns are below 0 is not
    turned round."""
    rows = "".join(f"T{k // 2},C{k % 5},P{k % 7},2024-03-{1 + k % 28:02d},{2 if k % 10 == 9 else -1}\n" for k in range(40))
    path = write(tmp_path, "TRANSACTIONID,user_id,item_id,timestamp,QTY\n" + rows)
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert len(frame) == 36 and set(frame["quantity"]) == {1.0} and not report.errors
    assert (f"{path}: column 'QTY' (quantity): 36 of 40 quantities are below 0, as an ERP writes a sale (stock "
            "going out): read turned round, and the 4 lines above 0 (returns or receipts in that convention) left "
            "out as no sales") in report.notes
    till = write(tmp_path, "user_id,item_id,timestamp,quantity\n" + "".join(
        f"C{k % 5},P{k % 7},2024-03-{1 + k % 28:02d},{-1 if k % 10 == 9 else 1}\n" for k in range(40)), "till.csv")
    report = IngestReport()
    assert len(read_table(till, GENERIC_INTERACTIONS, report)) == 36
    assert [str(e) for e in report.errors][0] == f"{till}:11: quantity: must be > 0 (got -1)"


def test_a_visit_written_as_a_block_gives_its_shopper_and_time_to_the_lines_below(tmp_path: Path) -> None:
    """A spreadsheet without a basket column writes a visit's customer and time on its
    first line only: the lines below were bad rows (172 of 282 in a probe's export). A
    line with its own time and no customer is not such a line: nothing is filled then."""
    path = write(tmp_path, "Customer,Date,Item Code,Qty\nC1,2024-03-01 11:41,05591,3\n,,04555,1\n,,04333,1\n"
                           "C2,2024-03-01 12:05,05591,1\n,,04000,2\n", "visits.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["user_id"].tolist() == ["C1", "C1", "C1", "C2", "C2"] and not report.errors
    assert [str(t) for t in frame["timestamp"]][2] == "2024-03-01 11:41:00"
    assert any("3 lines without 'Customer' and 'Date' below a line with both" in n for n in report.notes)
    own_time = write(tmp_path, "Customer,Date,Item Code\nC1,2024-03-01,05591\n,2024-03-02,04555\n,,04333\n",
                     "anonymous.csv")
    report = IngestReport()
    assert read_table(own_time, GENERIC_INTERACTIONS, report)["user_id"].tolist() == ["C1"]


def test_comment_lines_above_the_header_and_a_quoted_period_are_no_header(tmp_path: Path) -> None:
    """GA4's exploration download opens with eight '#' lines; QuickBooks' reports with a
    quoted period '"January - March, 2024"', which was taken for a header of two fields."""
    ga4 = write(tmp_path, "# ------\n# Free form 1\n# Account: Acme\n# Property: acme - GA4\n# ------\n\n"
                          "# Start date: 20240301\n# End date: 20240331\nTransaction ID,Item ID,Date,Items purchased\n"
                          "T-1,SKU_1,20240301,3\n", "ga4.csv")
    report = IngestReport()
    frame = read_table(ga4, GENERIC_INTERACTIONS, report, may_lack=("user_id",))
    assert frame["item_id"].tolist() == ["SKU_1"] and frame["quantity"].tolist() == [3.0]
    qbo = write(tmp_path, 'Craig\'s Landscaping\nSales by Customer Detail\n"January - March, 2024"\n\n'
                          "Customer,Product,Date\nC1,P1,2024-03-01\n", "qbo.csv")
    report = IngestReport()
    assert read_table(qbo, GENERIC_INTERACTIONS, report)["user_id"].tolist() == ["C1"]
    assert any("4 line(s) above the header" in n for n in report.notes)


def test_fields_padded_with_nul_bytes_read_as_their_text(tmp_path: Path) -> None:
    """A legacy till's dump pads fixed-width fields with NUL bytes: kept, no id matched
    the catalogue (numpy drops trailing NULs) and training stopped in an IndexError."""
    path = tmp_path / "till.csv"
    path.write_bytes(b"CustomerNo,ItemNo,SaleDate,Qty\r\n"
                     + b"".join(b"C%d\0\0\0,0425%d\0\0\0\0,2024-03-0%d 15:07:58,1\r\n" % (k, k, 1 + k) for k in range(3)))
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id"]].values.tolist() == [["C0", "04250"], ["C1", "04251"], ["C2", "04252"]]
    assert f"{path}: 21 NUL bytes (fixed-width fields' padding) removed from its fields" in report.notes


def test_a_headerless_semicolon_file_with_decimal_commas_is_split_at_its_semicolons(tmp_path: Path) -> None:
    """A European till's unload without a header: its first line's commas are decimal
    commas, so it was split at them ('4,75' in two) and refused for missing columns."""
    path = write(tmp_path, "".join(f"{1000 + k % 7};{4711 + k % 5};2024-03-{1 + k:02d} 10:00:00;{k},75;1\n"
                                   for k in range(20)), "unload.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert len(frame) == 20 and not report.errors
    assert frame[["user_id", "item_id"]].iloc[1].tolist() == ["1001", "4712"]
    assert f"{path}: semicolon-separated (its commas are decimal commas); read that way" in report.notes
    # A comma beside a letter keeps the comma: 'Milk, 2%;x' is a comma-separated field.
    assert guess_delimiter("u1,Milk; 2L,2024-03-01\n") == (",", "")


def test_a_bare_ratings_file_is_read_by_its_values_with_a_note(tmp_path: Path) -> None:
    """MovieLens-100k's u.data has no header line: the time is the Unix-time column,
    the shopper and the item the first two others; the rating is left unread."""
    path = write(tmp_path, "196\t242\t3\t881250949\n186\t302\t3\t891717742\n", "u.data")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "column_3"]].values.tolist() == [["196", "242", "3"], ["186", "302", "3"]]
    assert str(frame["timestamp"].iloc[0]) == "1997-12-04 15:55:49"
    assert frame["_line"].tolist() == [1, 2]  # the first line is a row, and errors point at it
    assert (f"{path}: no header line (the first line is data); columns read by their values: column "
            "1 as user_id, 2 as item_id, 4 as timestamp; column 3 not read. If that is wrong, put a header "
            "line first") in report.notes


def test_a_bare_file_with_a_date_and_a_date_with_its_hours_reads_the_hours(tmp_path: Path) -> None:
    """A coffee machine's headerless dump: 'date, datetime, cash_type, card, money,
    coffee_name'. Its date-only first column was the time and 3,547 sales sat at
    midnight (real39-am); taken for no time, it must not become the shopper either."""
    path = write(tmp_path, "".join(
        f"2024-03-{1 + k // 9:02d},2024-03-{1 + k // 9:02d} {10 + k % 9}:15:50.520,card,ANON-{k % 13:04d},38.7,"
        f"{['Latte', 'Cocoa', 'Americano', 'Espresso'][k % 4]}\n" for k in range(60)), "index_1.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert str(frame["timestamp"].iloc[1]) == "2024-03-01 11:15:50.520000"
    assert frame[["user_id", "item_id"]].iloc[0].tolist() == ["ANON-0000", "Latte"]
    # A delivery's time in a later column is another moment: the order's date stays the
    # time (session am's review)
    delivered = write(tmp_path, "".join(f"2024-03-{1 + k // 9:02d},C{k % 13},P{k % 25},1,2024-03-{4 + k // 9:02d} "
                                        f"{9 + k % 9}:00:00\n" for k in range(60)), "orders.csv")
    assert str(read_table(delivered, GENERIC_INTERACTIONS, IngestReport())["timestamp"].iloc[0]) == "2024-03-01 00:00:00"


def test_bare_event_and_review_exports_find_their_columns(tmp_path: Path) -> None:
    """Taobao (an action column, the time last), Amazon (text shopper ids, a decimal
    rating that is no id) and YOOCHOOSE (a written time in column 2)."""
    taobao = write(tmp_path, "1,2268318,2520377,pv,1511544070\n1,2576651,149192,buy,1511572885\n", "tb.csv")
    frame = read_table(taobao, GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id", "event_type"]].values.tolist() == [
        ["1", "2268318", "view"], ["1", "2576651", "purchase"]]
    amazon = write(tmp_path, "A39HTATAQ9V7YF,0205616461,5.0,1369699200\nA3JM6GV9MNOF9X,0558925278,3.0,"
                             "1355443200\n", "amazon.csv")
    frame = read_table(amazon, GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id"]].values.tolist() == [["A39HTATAQ9V7YF", "0205616461"],
                                                            ["A3JM6GV9MNOF9X", "0558925278"]]
    # Amazon's 2018 ratings files list the product (an ASIN) first: read the other way round.
    item_first = write(tmp_path, "B00004Y2UT,A39HTATAQ9V7YF,5.0,1369699200\n0558925278,A3JM6GV9MNOF9X,3.0,"
                                 "1355443200\n", "Video_Games.csv")
    report = IngestReport()
    frame = read_table(item_first, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id"]].values.tolist() == [["A39HTATAQ9V7YF", "B00004Y2UT"],
                                                            ["A3JM6GV9MNOF9X", "0558925278"]]
    assert "column 1 as item_id (Amazon product ids, ASINs: the item comes first" in report.notes[0]
    clicks = write(tmp_path, "1,2014-04-07T10:51:09.277Z,214536502,0\n2,2014-04-07T10:54:09.868Z,214536500,0\n",
                   "clicks.dat")
    report = IngestReport()
    frame = read_table(clicks, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id"]].values.tolist() == [["1", "214536502"], ["2", "214536500"]]
    assert any("column 1 as user_id, 2 as timestamp, 3 as item_id; column 4 not read" in n for n in report.notes)


def test_a_bare_news_file_with_web_addresses_is_data_and_its_title_the_name(tmp_path: Path) -> None:
    """MIND's news.tsv: no header, no number on the first line, but a web address and
    JSON entity lists, which no header holds: its first article had been read as the
    header and the file refused. The title (a dozen words) is the name, not the abstract."""
    abstract = " ".join(["word"] * 35)
    rows = [f"N{k}\tnews\tnewspolitics\tA headline of ten words about the town hall {k}\t{abstract}\t"
            f"https://assets.msn.com/labs/mind/AA{k}.html\t"
            + json.dumps([{"Label": "Florida", "Type": "G"}] * (k % 3)) + "\t[]\n" for k in range(5)]
    report = IngestReport()
    items = read_table(write(tmp_path, "".join(rows), "news.tsv"), GENERIC_ITEMS, report)
    assert items["item_id"].tolist() == [f"N{k}" for k in range(5)]
    assert items["name"].iloc[0] == "A headline of ten words about the town hall 0"
    assert any("no header line (the first line is data); columns read by their values: column 1 as item_id, "
               "2 as category, 4 as name" in n for n in report.notes)
    # A headerless scan file's time of day is no shopper (a Chinese grocer's '10:29:52.28':
    # 8,865 'shoppers' of one line each; real7-ag): no two id columns, refused.
    scans = "".join(f"2023-06-24,10:{k % 60:02d}:{k % 59:02d}.{k % 99:02d},1029000{k % 40},0.293,12.00\n" for k in range(60))
    with pytest.raises(DataError, match="no two columns that can be ids"):
        require_rows(read_table(write(tmp_path, scans, "annex2.csv"), GENERIC_INTERACTIONS, IngestReport()),
                     "annex2.csv", IngestReport())
    # A marketplace's 25-word titles beside a 3-word category: the title, which does not
    # repeat, is the name (session ag's review).
    long = [f"B0{k}\t{' '.join(['long'] * 24)} title {k}\tSports and Outdoors\thttps://x.example/{k}\n" for k in range(6)]
    items = read_table(write(tmp_path, "".join(long), "items_bare.tsv"), GENERIC_ITEMS, IngestReport())
    assert items["name"].iloc[0].endswith("title 0")


def test_a_bare_file_without_a_time_column_is_told_to_add_a_header(tmp_path: Path) -> None:
    path = write(tmp_path, "196,242,3\n186,302,3\n", "ratings.csv")
    with pytest.raises(DataError) as err:
        read_table(path, GENERIC_INTERACTIONS, IngestReport())
    assert str(err.value) == (f"{path}: no header line (the first line is data: 196, 242, 3), and no column "
                              "holds dates or Unix times: put a header line first (user_id, item_id, "
                              "timestamp, ...)")


def test_a_bare_file_of_eight_digit_dates_and_unit_counts_has_no_item(tmp_path: Path) -> None:
    """CDNOW's master file: the customer, the order's date as ``yyyymmdd``, the number of
    CDs and the amount. Its dates had passed as ids (a Unix time of 1970) and been read as
    the items, 546 'products' of calendar days. The dates are the time; the count of CDs
    is no item either, so the file is refused. With a product beside them, it is the item."""
    counts = [1] * 9 + [2] * 5 + [3] * 3 + [4, 5, 11]
    body = "".join(f" {u % 23:05d} {20210101 + u % 28}  {counts[u % 20]}  {12.5 * counts[u % 20]:.2f}\n"
                   for u in range(200))
    path = write(tmp_path, body, "CDNOW_master.txt")
    with pytest.raises(DataError) as err:
        read_table(path, GENERIC_INTERACTIONS, IngestReport(), may_lack=("timestamp",))
    assert str(err.value).endswith("and no two columns that can be ids (shopper, item) besides the time; column 3 "
                                   "counts units (1 on 45% of the lines, column 4 their amount), no item: put a "
                                   "header line first (user_id, item_id, timestamp, ...)")
    path = write(tmp_path, "".join(f"{line[:16]} cd{k % 37}{line[16:]}" for k, line in enumerate(body.splitlines(True))),
                 "orders.txt")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame["item_id"].iloc[1] == "cd1" and str(frame["timestamp"].iloc[1]) == "2021-01-02 00:00:00"


def test_a_bare_column_that_goes_with_each_shopper_is_their_phone_not_the_item(tmp_path: Path) -> None:
    """A fruit shop's order dump: the buyer's name, phone, address, product and price, no
    header. The phone (one per buyer) had been read as the item, 27 'items' of 33 buyers."""
    body = "".join(f"b{k % 30},1331385{k % 30:04d},\"Fujian, Xiamen, {k % 30} Road\",fruit{k % 24},29.9\n"
                   for k in range(60))
    path = write(tmp_path, body, "orders.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame["item_id"].iloc[25] == "fruit1"
    assert "column 1 as user_id, 4 as item_id" in report.notes[0]


def test_the_new_bare_rules_leave_their_look_alikes_as_they_were(tmp_path: Path) -> None:
    """Session ah's review of its bare rules: a warehouse unload's day key beside the
    event's time leaves the time the timestamp; a refill shop whose customers each rebuy a
    product of their own keeps its product codes as the items; a product name with commas
    on a block layout's line is no record of its own; SELFRec's colon may have a space
    after it, and a user with no item."""
    unload = write(tmp_path, "".join(f"u{k % 9},i{k % 31},20230301,2023-03-01 {k % 24:02d}:{k % 60:02d}:00\n"
                                     for k in range(60)), "unload.csv")
    frame = read_table(unload, GENERIC_INTERACTIONS, IngestReport())
    assert str(frame["timestamp"].iloc[5]) == "2023-03-01 05:05:00"
    refill = write(tmp_path, "".join(f"c{k % 25},P{k % 25:03d},S{k % 3},2024-01-{1 + k % 28:02d}\n" for k in range(100)),
                   "refill.csv")
    assert read_table(refill, GENERIC_INTERACTIONS, IngestReport())["item_id"].iloc[3] == "P003"
    block = write(tmp_path, "Product,Customer,Date,Qty\nMug,ann,2024-01-02,1\n\"Shirt, blue, size M, cotton\",,,\n"
                            "Cap,bob,2024-01-03,2\n", "block.csv")
    report = IngestReport()
    frame = read_table(block, GENERIC_INTERACTIONS, report)
    assert frame["item_id"].tolist() == ["Mug", "Shirt, blue, size M, cotton", "Cap"]
    assert not any("whole record" in n for n in report.notes)
    colon = write(tmp_path, "1: 1 2 3\n2:\n" + "".join(
        f"{u}:" + " ".join(str(u + j) for j in range(1, 3 + u % 3)) + "\n" for u in range(3, 30)), "train.txt")
    frame = read_table(colon, GENERIC_INTERACTIONS, IngestReport(), may_lack=("timestamp",))
    assert frame[frame["user_id"] == "1"]["item_id"].tolist() == ["1", "2", "3"] and "2" not in set(frame["user_id"])


def test_a_bare_knowledge_graph_and_a_git_lfs_pointer_are_refused_saying_what_they_are(tmp_path: Path) -> None:
    """KGNN-LS's kg.txt (entity, Freebase relation, entity) had been read as shoppers and a
    catalogue of 58 relation names, and a model shipped; a large file committed without Git
    LFS's data had been read as a table of 'version', 'oid' and 'size' (real16-ah)."""
    relations = ["music.artist.origin", "film.actor.film", "music.album.genre", "film.film.genre"]
    kg = write(tmp_path, "".join(f"{2000 + k % 37}\t{relations[k % 4]}\t{3800 + k}\n" for k in range(60)), "kg.txt")
    with pytest.raises(DataError) as err:
        read_table(kg, GENERIC_INTERACTIONS, IngestReport(), may_lack=("timestamp",))
    assert str(err.value).endswith("and column 2 holds relation names (film.actor.film, film.film.genre, ...): "
                                   "knowledge-graph triples (head, relation, tail), no interactions; give the file "
                                   "of what users did (its ratings or clicks)")
    pointer = write(tmp_path, "version https://git-lfs.github.com/spec/v1\noid sha256:2e5c\nsize 1022901516\n",
                    "events.parquet")
    with pytest.raises(DataError, match=r"a Git LFS pointer, not the data \(a file of 1,022,901,516 bytes\): fetch "
                                        r"it with 'git lfs pull'"):
        read_table(pointer, GENERIC_INTERACTIONS, IngestReport())


def test_bare_item_and_user_files_name_their_columns(tmp_path: Path) -> None:
    """u.item: the title is the wordiest column, 19 genre flags stay unread; movies.dat:
    the '|'-joined genres are the category; u.user: demographic values."""
    from cloud_trainer.data.schema import GENERIC_ITEMS, GENERIC_USERS

    flags = "|0" * 18
    u_item = write(tmp_path, f"1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story|0{flags}\n"
                             f"2|GoldenEye (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?GoldenEye|1{flags}\n",
                   "u.item")
    report = IngestReport()
    items = read_table(u_item, GENERIC_ITEMS, report)
    assert items["name"].tolist() == ["Toy Story (1995)", "GoldenEye (1995)"]
    assert "column 1 as item_id, 2 as name; column 3-24 not read" in report.notes[-1]
    movies = write(tmp_path, "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure\n",
                   "movies.dat")
    items = read_table(movies, GENERIC_ITEMS, IngestReport())
    assert items["category"].tolist() == ["Animation|Children's|Comedy", "Adventure"]
    report = IngestReport()
    users = read_table(write(tmp_path, "1|24|M|technician|85711\n", "u.user"), GENERIC_USERS, report)
    assert users.drop(columns="_line").values.tolist() == [["1", "24", "M", "technician", "85711"]]
    assert "column 1 as user_id; column 2-5 as demographic values" in report.notes[-1]


def test_epoch_seconds_milliseconds_and_dates_are_timestamps(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "user_id,item_id,timestamp,event_type\n"
        "u,i,1704103200,purchase\n"  # 2024-01-01 10:00:00 UTC
        "u,i,1704103200.5,purchase\n"
        "u,i,1704103200000,purchase\n"  # milliseconds
        "u,i,2024-01-01,purchase\n"
        "u,i,42,purchase\n",  # too short to be a plausible epoch: refused, not 1970
    )
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["timestamp"].tolist() == [
        pd.Timestamp("2024-01-01 10:00:00"),
        pd.Timestamp("2024-01-01 10:00:00.5"),
        pd.Timestamp("2024-01-01 10:00:00"),
        pd.Timestamp("2024-01-01"),
    ]
    assert [str(e) for e in report.errors] == [f"{path}:6: timestamp: not a timestamp: '42'"]


def test_a_block_of_utc_times_mid_file_is_seen_past_the_first_and_last_thousand(tmp_path: Path) -> None:
    """Three exports concatenated, the middle one written in ``Z``: the instants check looked
    at the first and last 1,000 values only and missed it, so those 600 lines' hour was
    UTC's without a word. Values spread evenly through the column are looked at too."""
    local = [f"2024-03-01 {h % 24:02d}:00:00" for h in range(1200)]
    middle = [f"2024-03-02T{h % 24:02d}:00:00Z" for h in range(600)]
    got, report = read_stamps(tmp_path, local + middle + local, "three.csv")
    assert got[1200] == pd.Timestamp("2024-03-02 00:00:00") and len(got) == 3000
    assert report.notes == [
        f"{tmp_path / 'three.csv'}: timestamp: 600 times written as instants (Unix time, 'Z', 'UTC') read in UTC, so "
        "hour and weekday context are UTC's: if the store keeps another zone's hours, give --timezone (e.g. "
        "Asia/Shanghai)"]


def test_utc_suffixed_and_spreadsheet_dates_are_timestamps(tmp_path: Path) -> None:
    """What public exports write: REES46-style ``... UTC``, Online Retail's ``12/1/2010 8:26``
    (month first), European ``26/11/2017`` and ``01.12.2010``. Which number is the day is
    decided per file; a file where nothing tells is read month first, with a note."""
    def load(stamps: list[str], name: str) -> tuple[list[pd.Timestamp], IngestReport]:
        return read_stamps(tmp_path, stamps, name)

    got, report = load(["2019-10-01 00:00:00 UTC", "2019-10-01 00:00:05 GMT"], "utc.csv")
    assert got == [pd.Timestamp("2019-10-01 00:00:00"), pd.Timestamp("2019-10-01 00:00:05")]
    assert not report.errors and report.notes == [
        f"{tmp_path / 'utc.csv'}: timestamp: 2 times written as instants (Unix time, 'Z', 'UTC') read in UTC, so hour "
        "and weekday context are UTC's: if the store keeps another zone's hours, give --timezone (e.g. Asia/Shanghai)"]
    got, report = load(["12/1/2010 8:26", "12/13/2010 18:26:03.5", "1/2/11"], "us.csv")
    assert got == [pd.Timestamp("2010-12-01 08:26"), pd.Timestamp("2010-12-13 18:26:03.5"),
                   pd.Timestamp("2011-01-02")]
    assert not report.notes  # 13 in the second place: month first, nothing to guess
    got, report = load(["26/11/2017 10:00", "31/02/2020", "2/2/99"], "eu.csv")
    assert got == [pd.Timestamp("2017-11-26 10:00"), pd.Timestamp("1999-02-02")]
    assert [str(e) for e in report.errors] == [
        f"{tmp_path / 'eu.csv'}:3: timestamp: not a timestamp: '31/02/2020'"]
    got, _ = load(["01.12.2010 08:26", "02.12.2010"], "de.csv")
    assert got == [pd.Timestamp("2010-12-01 08:26"), pd.Timestamp("2010-12-02")]
    got, report = load(["12/1/2010 8:26", "1/2/2011"], "ambiguous.csv")
    assert got == [pd.Timestamp("2010-12-01 08:26"), pd.Timestamp("2011-01-02")]
    assert report.notes == [f"{tmp_path / 'ambiguous.csv'}: timestamp: dates like '12/1/2010 8:26' "
                            "read as month/day/year (no number above 12 tells which is the day)"]


def test_a_weekday_after_the_date_is_left_out_as_before_it(tmp_path: Path) -> None:
    """A Chinese pharmacy's workbook writes '2018-01-01 星期五', a Japanese sheet
    '2024/03/04(月)': every line had been a bad row (real7-ag)."""
    got, report = read_stamps(tmp_path, ["2018-01-01 星期五", "2018-01-02 周二", "2024/03/04(月)",
                                         "2024年3月16日(火)", "2024/03/15(月) 10:15"], "pharmacy.csv")
    assert got == [pd.Timestamp("2018-01-01"), pd.Timestamp("2018-01-02"), pd.Timestamp("2024-03-04"),
                   pd.Timestamp("2024-03-16"), pd.Timestamp("2024-03-15 10:15")]
    assert not report.errors


def test_a_column_of_two_date_writings_reads_each_in_its_own_order(tmp_path: Path) -> None:
    """Kaggle's Indian e-commerce set: '27-09-2024' on most lines, '9/27/24' on the others
    (half re-saved by a spreadsheet). Pooled, both numbers went above 12 and 59 % of the
    lines were bad rows; each writing decides its own order."""
    got, report = read_stamps(tmp_path, ["27-09-2024", "03-10-2024", "9/27/24", "10/3/24", "1/15/24"], "ecom.csv")
    assert got == [pd.Timestamp("2024-09-27"), pd.Timestamp("2024-10-03"), pd.Timestamp("2024-09-27"),
                   pd.Timestamp("2024-10-03"), pd.Timestamp("2024-01-15")]
    assert not report.errors
    assert any("dates written two ways, each with its own order (day first with '-', month first with '/')" in n
               for n in report.notes)
    # One writing that goes above 12 in both places is mixed: since session ar each such date
    # in the order its number above 12 says (before, the minority's were bad rows).
    got, report = read_stamps(tmp_path, ["27/09/2024", "9/27/2024"], "mixed.csv")
    assert got == [pd.Timestamp("2024-09-27"), pd.Timestamp("2024-09-27")] and not report.errors


def test_day_first_dates_a_spreadsheet_wrote_month_first_are_read_month_first(tmp_path: Path) -> None:
    """Maven's AdventureWorks 2017 sales (1 January to 30 June) write 13 January as
    '13/01/2017' but 7-12 January as '01/07/2017' .. '01/12/2017' (a spreadsheet's round
    trip through US settings): read day first, they were the 1st of July to December and
    filled 30 % of the test period. Only dates that day first fall outside the months of
    the sure ones move; '02/03/2017' (2 March or 3 February: nothing tells) and a file's
    own first days of the next month stay day first."""
    sure = [f"{d}/{m:02d}/2017" for m in range(1, 7) for d in (13, 20, 28)]
    flipped = [f"01/{m:02d}/2017" for m in range(7, 13)]
    got, report = read_stamps(tmp_path, [*sure, *flipped, "02/03/2017"], "Sales_2017.csv")
    assert got[len(sure):] == [pd.Timestamp(f"2017-01-{d:02d}") for d in range(7, 13)] + [pd.Timestamp("2017-03-02")]
    assert any("6 distinct dates ('01/07/2017', '01/08/2017', '01/09/2017' ...) read month first, where the dates "
               "with a day above 12 are day first (2017-01-13 to 2017-06-28)" in n for n in report.notes)
    # A billing run on days 1-12 of every month, days above 12 only in the first quarter:
    # each later month holds many such days, so they are the file's own (session ag's review).
    billing = [f"{d:02d}/{m:02d}/2017" for m in range(1, 13) for d in range(1, 13)]
    got, report = read_stamps(tmp_path, [*sure[:9], *billing], "billing.csv")
    assert got[9 + 12 * 7] == pd.Timestamp("2017-08-01")
    assert not any("read month first" in n for n in report.notes)
    # A round trip over three months flips each of their days 1-12 onto days 1-3 of the
    # months outside (session ag's second review): read back.
    quarter = [f"{d}/{m:02d}/2017" for m in range(1, 4) for d in (13, 20, 27)]
    trip = [f"{m:02d}/{d:02d}/2017" for m in range(1, 4) for d in range(7, 13)]
    got, _ = read_stamps(tmp_path, [*quarter, *trip], "quarter.csv")
    assert got[len(quarter):] == [pd.Timestamp(f"2017-{m:02d}-{d:02d}") for m in range(1, 4) for d in range(7, 13)]
    # A file that runs into the first days of July: no date lies a month out, none moves.
    got, report = read_stamps(tmp_path, [*sure, "01/07/2017", "03/07/2017", "05/07/2017"], "to_july.csv")
    assert got[len(sure):] == [pd.Timestamp("2017-07-01"), pd.Timestamp("2017-07-03"), pd.Timestamp("2017-07-05")]
    assert not any("read month first" in n for n in report.notes)


def test_dashed_day_first_dates_and_a_uk_export_of_a_few_days_are_read_day_first(tmp_path: Path) -> None:
    """Kaggle's Groceries writes ``21-07-2015`` and its bakery file ``30-10-2016 09:58``:
    dashes are read like '/', the day decided per file. The first days of a UK till export
    (``01/12/2010 08:26`` .. ``05/12/2010``) have no number above 12, but their second
    number never changes while the first does: day first, said in a note, where month
    first would put every sale on the 12th of five months. A two-digit year with dashes
    may be first or last: the end whose numbers vary is the day (a file spans more days
    than years); where nothing varies (one date) it stays a bad row."""
    def load(stamps: list[str], name: str) -> tuple[list[pd.Timestamp], IngestReport]:
        return read_stamps(tmp_path, stamps, name)

    got, report = load(["21-07-2015", "05-01-2015", "30-10-2016 09:58"], "groceries.csv")
    assert got == [pd.Timestamp("2015-07-21"), pd.Timestamp("2015-01-05"), pd.Timestamp("2016-10-30 09:58")]
    assert not report.notes and not report.errors
    got, report = load(["01/12/2010 08:26", "01/12/2010 17:05", "02/12/2010 09:00", "05/12/2010 10:12"], "uk.csv")
    assert got == [pd.Timestamp("2010-12-01 08:26"), pd.Timestamp("2010-12-01 17:05"),
                   pd.Timestamp("2010-12-02 09:00"), pd.Timestamp("2010-12-05 10:12")]
    assert report.notes == [f"{tmp_path / 'uk.csv'}: timestamp: dates like '01/12/2010 08:26' read as "
                            "day/month/year: the second number is 12 in every date while the first varies, "
                            "and month first would put every purchase on the same day of different months"]
    # The same shape written month first (12/1 .. 12/5: the first number is the one
    # that stays) is month first, as before.
    got, _ = load(["12/1/2010 08:26", "12/2/2010 09:00", "12/5/2010 10:12"], "us_days.csv")
    assert got == [pd.Timestamp("2010-12-01 08:26"), pd.Timestamp("2010-12-02 09:00"),
                   pd.Timestamp("2010-12-05 10:12")]
    got, report = load(["2015-07-21", "15-07-21"], "short.csv")
    assert got == [pd.Timestamp("2015-07-21")]
    assert [str(e) for e in report.errors] == [f"{tmp_path / 'short.csv'}:3: timestamp: not a timestamp: '15-07-21'"]
    # A coffee chain's receipts (real-ae: the whole file had been refused): year last.
    got, report = load([f"{d:02d}-04-19 12:04:43" for d in range(1, 31, 2)], "coffee.csv")
    assert got == [pd.Timestamp(f"2019-04-{d:02d} 12:04:43") for d in range(1, 31, 2)]
    assert report.notes == [f"{tmp_path / 'coffee.csv'}: timestamp: dates like '01-04-19 12:04:43' read with a "
                            "two-digit year last: the first number takes 15 values, the last 1, and a file spans "
                            "more days than years"]
    got, report = load([f"19-10-{d:02d} 10:00" for d in range(1, 31, 2)], "year_first.csv")
    assert got == [pd.Timestamp(f"2019-10-{d:02d} 10:00") for d in range(1, 31, 2)]
    assert report.notes[0].endswith("read as year-month-day with a two-digit year: the last number takes 15 "
                                    "values, the first 1, and a file spans more days than years")
    # Monthly lines on the 1st over two years say nothing of which end is the year: bad rows,
    # as before (session ae's review: read year first, '01-09-23' had become 2001).
    got, report = load([f"01-{m:02d}-{y}" for y in range(19, 24) for m in range(1, 13)], "monthly.csv")
    assert got == [] and len(report.errors) == 60


def test_spreadsheet_ghost_rows_are_blank_lines_and_errors_name_the_files_own_header(tmp_path: Path) -> None:
    """Lines of bare separators (',,'), which spreadsheets write after the data, are one
    note, not two errors each; a missing column's error lists the header as the file
    writes it, not as the schema renamed it."""
    path = write(tmp_path, "User-ID,ISBN,Book-Rating\n276725,034545104X,0\n" + ",,\n" * 5 + "276726,0155061224,5\n")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame["user_id"].tolist() == ["276725", "276726"] and not report.errors
    assert f"{path}: 5 lines of bare separators (',,', as spreadsheets write after the data) skipped as " \
           "blank lines" in report.notes
    assert report.files[str(path)].rows_read == 2
    # A till export of anonymous baskets: each basket is one shopper's only visit.
    baskets = write(tmp_path, "Transaction,Item,date_time\n1,Bread,30-10-2016 09:58\n1,Tea,30-10-2016 09:58\n"
                    "2,Bread,30-10-2016 10:05\n", "bread.csv")
    report = IngestReport()
    frame = read_table(baskets, GENERIC_INTERACTIONS, report)
    assert frame["user_id"].tolist() == frame["session_id"].tolist() == ["1", "1", "2"] and not report.errors
    assert (f"{baskets}: no shopper column (header has Transaction, Item, date_time): each basket "
            "('Transaction') is read as one anonymous shopper's only visit, so every shopper evaluated "
            "is new; if a column names shoppers, call it user_id") in report.notes
    # Without a basket column either, the shopper is missing, as before.
    no_baskets = write(tmp_path, "Item,date_time\nBread,30-10-2016 09:58\n", "items_only.csv")
    with pytest.raises(DataError) as err:
        read_table(no_baskets, GENERIC_INTERACTIONS, IngestReport())
    assert str(err.value) == f"{no_baskets}: missing required column(s) user_id (header has Item, date_time)"


def test_event_names_of_public_exports_are_read_as_the_four_actions(tmp_path: Path) -> None:
    """Retail Rocket writes addtocart / transaction; others Add To Cart, wishlist. They are
    read as cart / purchase / favorite with a note; remove_from_cart stays a bad row."""
    path = write(tmp_path, "timestamp,visitorid,event,itemid\n"
                 "1433221332117,257597,view,355908\n"
                 "1433224214164,992329,addtocart,248676\n"
                 "1433221999827,111016,transaction,318965\n"
                 "1433221955914,483717,Add To Cart,253185\n"
                 "1433221955914,483717,wishlist,253185\n"
                 "1433221337106,951259,remove_from_cart,367447\n", "events.csv")
    path.write_text(path.read_text().replace("visitorid,event,itemid", "user_id,event_type,item_id"))
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["event_type"].tolist() == ["view", "cart", "purchase", "cart", "favorite"]
    assert report.notes[1:] == [f"{path}: event_type: read as the usual names: addtocart as cart (1 row), "
                                "transaction as purchase (1 row), Add To Cart as cart (1 row), "
                                "wishlist as favorite (1 row)"]
    assert report.notes[0].startswith(f"{path}: timestamp: 6 times written as instants (Unix time")
    assert [str(e) for e in report.errors] == [
        f"{path}:7: event_type: must be one of view, cart, purchase, favorite; --event-codes VALUE=EVENT says what another value means (VALUE=none: no action, left out) (got 'remove_from_cart')"]


def test_an_online_retail_export_loads_by_its_own_header_names(tmp_path: Path) -> None:
    """UCI Online Retail as downloaded: InvoiceNo, StockCode, InvoiceDate (12/1/2010 8:26),
    UnitPrice, CustomerID. Each is read as the schema column it means, with a note; a
    cancellation (its invoice 'C536379', units below 0) is left out as one, not a bad row
    (since 2026-12-07 (av)), and an invoice without a customer is an anonymous shopper's
    basket (a till's sale to someone without a loyalty card), said in a note."""
    path = write(tmp_path, "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
                 "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"
                 "536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom\n"
                 "C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom\n"
                 "536370,22728,ALARM CLOCK BAKELIKE PINK,24,12/13/2010 8:45,3.75,,France\n", "Online Retail.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "session_id", "quantity", "price"]].values.tolist() == [
        ["17850", "85123A", "536365", 6.0, 2.55], ["17850", "71053", "536365", 6.0, 3.39],
        ["basket 536370", "22728", "536370", 24.0, 3.75]]
    assert frame["timestamp"].tolist() == [pd.Timestamp("2010-12-01 08:26")] * 2 + [pd.Timestamp("2010-12-13 08:45")]
    assert report.notes == [f"{path}: columns read by their usual names: 'CustomerID' as user_id, "
                            "'StockCode' as item_id, 'InvoiceDate' as timestamp, 'UnitPrice' as price, "
                            "'InvoiceNo' as session_id",
                            f"{path}: 1 lines of 'Quantity' 0 or below are cancellations or returns by their status "
                            "(or a cancellation's invoice number, 'C...'): left out (counted as skipped, not as errors)",
                            f"{path}: 1 lines (25%) have a basket ('InvoiceNo') but no shopper ('CustomerID'): "
                            "that basket is read as one anonymous shopper's only visit (shopper id "
                            "'basket <basket>'), so they count for what sells and are evaluated as new shoppers"]
    assert not report.errors
    # Ta-Feng's header: TRANSACTION_DT (11/1/2000), CUSTOMER_ID, PRODUCT_ID; its SALES_PRICE is a
    # line total, not a unit price, so it stays an extra column.
    tafeng = write(tmp_path, "TRANSACTION_DT,CUSTOMER_ID,AGE_GROUP,PRODUCT_ID,AMOUNT,SALES_PRICE\n"
                   "11/1/2000,01104905,45-49,4710199010372,2,30\n11/13/2000,00418683,45-49,4710857472535,1,46\n",
                   "ta_feng.csv")
    frame = read_table(tafeng, GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id"]].values.tolist() == [["01104905", "4710199010372"],
                                                             ["00418683", "4710857472535"]]
    assert frame["timestamp"].tolist() == [pd.Timestamp("2000-11-01"), pd.Timestamp("2000-11-13")]
    assert "price" not in frame and "SALES_PRICE" in frame
    # A file with the schema's own name keeps it; the alias is then an ordinary extra column.
    both = write(tmp_path, "user_id,customer_id,item_id,timestamp\nu1,c1,i1,2024-01-01\n", "both.csv")
    report = IngestReport()
    frame = read_table(both, GENERIC_INTERACTIONS, report)
    assert frame["user_id"].tolist() == ["u1"] and frame["customer_id"].tolist() == ["c1"]
    assert not report.notes


def test_review_and_academic_dumps_load_by_their_own_header_names(tmp_path: Path) -> None:
    """Amazon reviews flattened to CSV (reviewerID, asin, unixReviewTime beside the
    unparseable reviewTime), Yelp (business_id) and academic dumps (uid, iid, ts)."""
    amazon = write(tmp_path, "reviewerID,asin,overall,reviewTime,unixReviewTime\n"
                   'A2SUAM1J3GNN3B,0000013714,5.0,"09 13, 2009",1252800000\n', "reviews.csv")
    frame = read_table(amazon, GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id"]].values.tolist() == [["A2SUAM1J3GNN3B", "0000013714"]]
    assert frame["timestamp"].tolist() == [pd.Timestamp("2009-09-13")]
    yelp = write(tmp_path, "review_id,user_id,business_id,stars,date\nr1,u1,b1,4,2018-07-07 22:09:11\n", "yelp.csv")
    assert read_table(yelp, GENERIC_INTERACTIONS, IngestReport())["item_id"].tolist() == ["b1"]
    dump = write(tmp_path, "uid\tiid\tts\n7\t42\t1609459200\n", "dump.tsv")
    assert read_table(dump, GENERIC_INTERACTIONS, IngestReport())[["user_id", "item_id"]].values.tolist() == [
        ["7", "42"]]


def test_two_columns_meaning_the_same_field_stop_the_load_unless_they_agree(tmp_path: Path) -> None:
    """Two columns named as one field make a row ambiguous where they differ: the load
    stops. A warehouse's SELECT * of a join writes the key of both tables, the same on
    every line: read once, with a note (it had stopped the load)."""
    path = write(tmp_path, "user_id,User ID,item_id,timestamp,event_type\nu,u,i,2024-01-01,view\nu,v,i,2024-01-02,view\n")
    with pytest.raises(DataError, match=r"inter.csv:1: columns 1 and 2 are both .user_id. \(header has .*\); their "
                                        r"values differ \(e.g. line 3\)"):
        read_table(path, GENERIC_INTERACTIONS, IngestReport())
    path = write(tmp_path, "user_id,item_id,quantity,order_id,user_id,timestamp\nu,i,2,o1,u,2024-01-01\n"
                           "w,j,1,o2,w,2024-01-02\n", "join.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "quantity"]].values.tolist() == [["u", "i", 2.0], ["w", "j", 1.0]]
    assert "user_id (column 5) (not read)" not in frame and not report.errors
    assert (f"{path}: columns 1 and 5 are both 'user_id' with the same values on every line (a join's columns "
            "written twice): read once") in report.notes


def test_a_cp1252_export_loads_with_a_note_naming_the_first_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "windows.csv"
    path.write_bytes("user_id,item_id,timestamp\nu1,i1,2024-01-01\nu2,Crème brûlée,2024-01-02\n"
                     .encode("cp1252"))
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["item_id"].tolist() == ["i1", "Crème brûlée"]  # nothing lost, spelled right
    assert report.notes == [
        f"{path}:3: not UTF-8 (first bad byte 0xe8); 3 bytes read as Windows-1252 / Latin-1 "
        "(e.g. 'u2,Crème brûlée,2024-01-02'); save the export as UTF-8"
    ]
    # UTF-8 with one stray Latin-1 byte (files appended to by two tools) keeps both.
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes("user_id,item_id,timestamp\nu1,Crème,2024-01-01\n".encode() + b"u2,Cr\xe8me,2024-01-02\n")
    assert read_table(mixed, GENERIC_INTERACTIONS, IngestReport())["item_id"].tolist() == ["Crème", "Crème"]


def test_a_reports_title_above_the_header_is_skipped_and_lines_still_count_it(tmp_path: Path) -> None:
    path = write(tmp_path, "Sales report March 2024\n\nuser_id,item_id,timestamp,quantity\n"
                           "u1,i1,2024-03-01,1\nu2,i2,2024-03-02,-1\n")
    report = IngestReport()
    assert read_table(path, GENERIC_INTERACTIONS, report)["item_id"].tolist() == ["i1"]
    assert [str(e) for e in report.errors] == [f"{path}:5: quantity: must be > 0 (got -1)"]  # the file's line 5
    assert (f"{path}: 2 line(s) above the header ('Sales report March 2024': a report's title, with no "
            "separator) not read") in report.notes
    # A one-column file has no title: its first line stays the header.
    single = write(tmp_path, "item_id\na\nb\nc\nd\n", "items.csv")
    report = IngestReport()
    assert read_table(single, GENERIC_ITEMS, report)["item_id"].tolist() == ["a", "b", "c", "d"]
    assert not any("above the header" in n for n in report.notes)
    # Excel pads the title's row with the sheet's empty cells; a padded one-column file is no title
    padded = write(tmp_path, "Sales report March 2024,,,\n,,,\nuser_id,item_id,timestamp,quantity\n"
                             "u1,i1,2024-03-01,1\n", "padded.csv")
    report = IngestReport()
    assert read_table(padded, GENERIC_INTERACTIONS, report)["item_id"].tolist() == ["i1"]
    assert (f"{padded}: 2 line(s) above the header ('Sales report March 2024': a report's title, with no "
            "separator) not read") in report.notes
    single = write(tmp_path, "item_id,,\na,,\nb,,\nc,,\n", "items_padded.csv")
    assert read_table(single, GENERIC_ITEMS, IngestReport())["item_id"].tolist() == ["a", "b", "c"]


def test_a_sheets_column_numbers_above_the_header_are_skipped_not_read_as_data(tmp_path: Path) -> None:
    """Maven's AdventureWorks re-saved through Power Query: '1,2,...,8' (or ',,1,2,3,,' and
    'column,column,...' rows) above the header. Read as a headerless file, its order and
    stock dates had become shopper and item, and a bundle of dates shipped (real-af)."""
    body = "".join(f"0{1 + k % 9}/01/2015,17/10/2002,SO{k // 2},{300 + k % 7},{14000 + k % 5},{1 + k % 2}\n"
                   for k in range(30))
    path = write(tmp_path, "1,2,3,4,5,6\nOrderDate,StockDate,OrderNumber,ProductKey,CustomerKey,OrderQuantity\n"
                 + body, "Sales_2015.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id"]].iloc[0].tolist() == ["14000", "300"] and len(frame) == 30
    assert (f"{path}: 1 line(s) above the header ('1,2,3,4,5,6': a spreadsheet's column numbers or letters) "
            "not read") in report.notes
    items = write(tmp_path, ",,1,2,3,\n,colunm,colunm,colunm,null,null\nProduct-ID,SubcategoryKey,ProductSKU,"
                  "ProductName,ModelName,ProductPrice\n" + "".join(f"{300 + k},1,SKU{k},Bike {k},M,{10 + k}.5\n"
                                                                    for k in range(7)), "Products.csv")
    report = IngestReport()
    table = read_table(items, GENERIC_ITEMS, report)
    assert table["name"].tolist()[:2] == ["Bike 0", "Bike 1"] and table["price"].tolist()[0] == 10.5
    assert any("2 line(s) above the header (',,1,2,3,'" in n for n in report.notes)
    # A semicolon sheet's too (session af's review).
    semi = write(tmp_path, "1;2;3;4\ncustomer_id;product_id;order_date;quantity\n" + "".join(
        f"{k % 5};{k % 7};2024-03-{1 + k:02d};1\n" for k in range(20)), "semi.csv")
    assert len(read_table(semi, GENERIC_INTERACTIONS, IngestReport())) == 20
    # A headerless file of numbers keeps its first line: no header names below it.
    bare = write(tmp_path, "".join(f"{1 + k % 4},{k % 9},{1700000000 + k * 3600}\n" for k in range(60)), "u.csv")
    assert len(read_table(bare, GENERIC_INTERACTIONS, IngestReport())) == 60


def test_a_utf16_export_loads_as_the_text_it_is(tmp_path: Path) -> None:
    """Excel's "Unicode Text" and Windows PowerShell write UTF-16: read as UTF-8 its header
    was 'ÿþu s e r _ i d' and the file was refused for missing columns."""
    text = "user_id\titem_id\ttimestamp\nu1\tCrème brûlée\t2024-01-01\nu2\ti2\t2024-01-02\n"
    for encoding, said in (("utf-16", "UTF-16"), ("utf-16-le", "UTF-16-LE"), ("utf-16-be", "UTF-16-BE"),
                           ("utf-32", "UTF-32")):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        report = IngestReport()
        frame = read_table(path, GENERIC_INTERACTIONS, report)
        assert frame["item_id"].tolist() == ["Crème brûlée", "i2"], encoding
        assert f"{path}: {said} text (Excel's 'Unicode Text', Windows PowerShell's export); read as such" \
            in report.notes
    # Windows PowerShell's ConvertTo-Json | Out-File: UTF-16 JSON, read as JSON.
    ps = tmp_path / "ps.json"
    ps.write_bytes('[{"user_id": "u1", "item_id": "i1", "timestamp": "2024-01-01"}]'.encode("utf-16"))
    assert read_table(ps, GENERIC_INTERACTIONS, IngestReport())["item_id"].tolist() == ["i1"]
    broken = tmp_path / "broken.txt"
    broken.write_bytes(text.encode("utf-16") + "\ud800".encode("utf-16-le", errors="surrogatepass") + b"u\x00")
    with pytest.raises(DataError, match=r"broken.txt:4: UTF-16 text that does not decode"):
        read_table(broken, GENERIC_INTERACTIONS, IngestReport())


def test_a_date_column_and_a_time_of_day_column_make_one_timestamp(tmp_path: Path) -> None:
    """Till exports often split the timestamp: ``Date`` + ``Time``. Both are read, so a
    day's baskets keep their order and hour; a date that already has its time, or a
    row without a time, is read as it is; a bad combination is a bad row."""
    path = write(tmp_path, "Customer ID,Product,Date,Time,Qty\n"
                 "c1,p1,2024-03-01,08:15,1\n"
                 "c1,p2,2024-03-01,17:40:05,2\n"
                 "c2,p1,2024-03-02,,1\n"  # no time: the date alone
                 "c2,p3,2024-03-02 09:00,11:00,1\n"  # has its own time: kept
                 "c3,p1,2024-03-03,25:99,1\n")  # no such time: a bad row
    report = IngestReport()
    spec = GENERIC_INTERACTIONS
    frame = read_table(path, spec, report)
    assert [str(t) for t in frame["timestamp"]] == [
        "2024-03-01 08:15:00", "2024-03-01 17:40:05", "2024-03-02 00:00:00", "2024-03-02 09:00:00"]
    assert any("read with the time of day from column 'Time' (3 rows)" in n for n in report.notes)
    assert [e.line for e in report.errors] == [6]
    assert "not a timestamp: '2024-03-03 25:99'" in report.errors[0].reason


@pytest.mark.parametrize(("written", "expected"), [
    ("2024. 3. 1 오전 8:40:43", "2024-03-01 08:40:43"), ("2024. 3. 1 오후 12:05:00", "2024-03-01 12:05:00"),
    ("2024. 3. 1 오후 1:05:00", "2024-03-01 13:05:00"),  # Korean Google Sheets
    ("2024. 03. 01. 08:30:47", "2024-03-01 08:30:47"),  # Hungarian Excel
    ("2024年3月1日 18:52", "2024-03-01 18:52:00"), ("2024年3月1日", "2024-03-01 00:00:00"),  # Chinese, Japanese
    ("1.3.2024 9.07.03", "2024-03-01 09:07:03"),  # Finnish: the time with dots too
    ("13/3/2024 19.29.20", "2024-03-13 19:29:20"),  # Italian
    ("1 марта 2024 г. 08:49", "2024-03-01 08:49:00"), ("7 сент. 2023 г.", "2023-09-07 00:00:00"),  # Russian Excel
    # probe-ac (session (ac)): each was a bad row
    ("Mon 18/03/2024 11:50", "2024-03-18 11:50:00"), ("Fr. 01.03.2024 09:15", "2024-03-01 09:15:00"),
    ("2024-W10-1", "2024-03-04 00:00:00"), ("2024-W10-5 14:30", "2024-03-08 14:30:00"),  # ISO week dates
    ("٢٠٢٤/٠٣/٠٤ ٠٨:٢٢", "2024-03-04 08:22:00"), ("۱۴۰۲", "NaT"),  # Arabic-Indic digits; a Persian year is none
])
def test_year_first_and_dotted_clock_dates_of_more_locales_read(tmp_path: Path, written: str, expected: str) -> None:
    """A probe of spreadsheet locales (session (ab)): each was a bad row."""
    got, report = read_stamps(tmp_path, [written], "sheet.csv")
    assert [str(t) for t in got] == [expected] or (expected == "NaT" and not len(got) and report.errors)
    assert expected == "NaT" or not report.errors


def test_times_of_day_stored_as_day_zero_or_day_fractions_join_their_dates(tmp_path: Path) -> None:
    """Access via pandas writes a date as '2024-03-04 00:00:00' and a time as '1899-12-30
    10:27:05'; Excel a time as a fraction of a day (0.337407). The note said 'read with the
    time of day from column 'OrderTime' (0 rows)' and every hour was midnight."""
    path = write(tmp_path, "OrderID,CustomerID,ProductID,OrderDate,OrderTime\n"
                           "1,C1,P1,2024-03-04 00:00:00,1899-12-30 10:27:05\n2,C2,P2,2024-03-05 00:00:00,1899-12-30 18:02:00\n",
                 "access.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert [str(t) for t in frame["timestamp"]] == ["2024-03-04 10:27:05", "2024-03-05 18:02:00"]
    path = write(tmp_path, "Date,Time,Customer,SKU\n04/03/2024,0.337407,C1,S1\n05/03/2024,0.5,C2,S2\n", "excel.csv")
    frame = read_table(path, GENERIC_INTERACTIONS, IngestReport())
    assert [str(t) for t in frame["timestamp"]] == ["2024-03-04 08:05:52", "2024-03-05 12:00:00"]
    path = write(tmp_path, "Date,Time,Customer,SKU\n2024-03-04,soon,C1,S1\n2024-03-05,later,C2,S2\n", "words.csv")
    report = IngestReport()
    read_table(path, GENERIC_INTERACTIONS, report)
    assert any("column 'Time' holds no time of day the reader knows (e.g. 'soon'): the dates are read without it" in n
               for n in report.notes)


def test_a_review_sites_posted_dates_and_a_timed_column_over_a_date_only_one(tmp_path: Path) -> None:
    """Steam's reviews: 'Posted August 19, 2011.' (and 'Posted July 15.' without a year,
    a bad row) had sat unread and the file ran on a made-up clock. Salesforce's date-only
    SERVICEDATE, the first column of dates, had been taken over CREATEDDATE's hours."""
    dated = ['Posted July 15.' if k % 4 == 0 else f'"Posted August {1 + k}, 2011."' for k in range(20)]
    rows = "".join(f"u{k % 5},g{k},{d}\n" for k, d in enumerate(dated))
    report = IngestReport()
    frame = read_table(write(tmp_path, "user_id,item_id,posted\n" + rows, "reviews.csv"), GENERIC_INTERACTIONS, report)
    assert str(frame["timestamp"].iloc[0]) == "2011-08-02 00:00:00" and len(frame) == 15
    assert [e.line for e in report.errors] == [2, 6, 10, 14, 18]
    path = write(tmp_path, "ID,PRODUCTCODE,OPPORTUNITY.ACCOUNTID,SERVICEDATE,CREATEDDATE\n"
                           "1,GC1,A1,2024-03-02,2024-03-02T05:25:00.000Z\n2,GC2,A2,2024-03-03,2024-03-03T14:01:00.000Z\n",
                 "sf.csv")
    frame = read_table(path, GENERIC_INTERACTIONS, IngestReport())
    assert [str(t) for t in frame["timestamp"]] == ["2024-03-02 05:25:00", "2024-03-03 14:01:00"]


def test_event_codes_can_say_an_event_is_no_action(tmp_path: Path) -> None:
    """'--event-codes remove_from_cart=none': removals are left out with one note, where
    each had been a bad row and --event-codes had no way to say so (fuzz-ac: 1,512)."""
    from cloud_trainer.data.schema import parse_event_codes, with_event_codes

    rows = "".join(f"u{k % 3},i{k},2024-03-{1 + k:02d},{'remove_from_cart' if k % 3 == 0 else 'view'}\n"
                   for k in range(9))
    report = IngestReport()
    spec = with_event_codes(GENERIC_INTERACTIONS, parse_event_codes("remove_from_cart=none"))
    frame = read_table(write(tmp_path, "user_id,item_id,timestamp,event_type\n" + rows, "ev.csv"), spec, report)
    assert len(frame) == 6 and not report.errors
    assert any("3 lines name no shopper action" in n for n in report.notes)
    with pytest.raises(ValueError, match="the event must be one of view, cart, purchase, favorite, or none"):
        parse_event_codes("x=maybe")


def test_a_twelve_hour_clock_reads_as_each_locale_writes_it(tmp_path: Path) -> None:
    """One rule, two readings: beside AM / PM an hour of 0 or above 12 is no time; beside
    오전 / 오후 or 午前 / 午後, 0 is a half's first hour (午後0時 is noon) and 13-23 stand as
    written (오후 14:01), as Japanese and Korean sheets write them. (The Korean rule had
    read '오후 13:05' as 01:05 the next day; a review of session (ac) found the strict AM / PM
    rule, applied to both, turned those sheets' lines into bad rows.)"""
    got, report = read_stamps(tmp_path, ["2024. 3. 1 오전 12:10:00", "2024. 3. 1 오후 12:10:00", "2024. 3. 1 오전 0:10:00",
                                         "2024. 3. 1 오후 13:05:00", "2024年3月2日 午後0:30", "2024. 3. 2 오전 9:00:00"],
                              "sheet.csv")
    assert [str(t) for t in got] == ["2024-03-01 00:10:00", "2024-03-01 12:10:00", "2024-03-01 00:10:00",
                                     "2024-03-01 13:05:00", "2024-03-02 12:30:00", "2024-03-02 09:00:00"]
    assert not report.errors
    got, report = read_stamps(tmp_path, ["03/01/2024 12:10 AM", "03/01/2024 0:10 AM", "03/01/2024 13:05 PM",
                                         "03/02/2024 9:00 AM"], "us.csv")
    assert [str(t) for t in got] == ["2024-03-01 00:10:00", "2024-03-02 09:00:00"]
    assert [e.line for e in report.errors] == [3, 4]


def test_a_time_column_named_otherwise_is_found_by_its_written_values(tmp_path: Path) -> None:
    """'Order Time' holding Excel's long dates ('Friday, March 1, 2024 1:27 PM'): the
    header-free patterns did not know them, so the file ran on a made-up clock while its
    real times sat unread. dunnhumby LGSR's SHOP_DATE (yyyymmdd) and SHOP_HOUR read too."""
    path = write(tmp_path, "Customer,SKU,Placed\nC1,S1,\"Friday, March 1, 2024 1:27 PM\"\n"
                           "C2,S2,\"Saturday, March 2, 2024 9:05 AM\"\n", "orders.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert [str(t) for t in frame["timestamp"]] == ["2024-03-01 13:27:00", "2024-03-02 09:05:00"]
    lgsr = write(tmp_path, "SHOP_DATE,SHOP_HOUR,PROD_CODE,CUST_CODE,BASKET_ID\n"
                           "20060409,12,PRD0987700,CUST001,994106400000000\n20060410,8,PRD0900001,CUST002,994106400000001\n",
                 "lgsr.csv")
    frame = read_table(lgsr, GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id"]].values.tolist()[0] == ["CUST001", "PRD0987700"]
    assert [str(t) for t in frame["timestamp"]] == ["2006-04-09 12:00:00", "2006-04-10 08:00:00"]


def test_a_time_column_that_holds_whole_timestamps_is_not_glued_to_the_date(tmp_path: Path) -> None:
    """JD.com's order data writes ``order_date`` 2018-03-01 and ``order_time`` 2018-03-01
    02:39:00.0: glued, every line was 'not a timestamp' and the file was refused."""
    path = write(tmp_path, "order_ID,user_ID,sku_ID,order_date,order_time\n"
                 "o1,u1,s1,2018-03-01,2018-03-01 02:39:00.0\no2,u2,s2,2018-03-02,2018-03-02 07:12:00.0\n")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert [str(t) for t in frame["timestamp"]] == ["2018-03-01 02:39:00", "2018-03-02 07:12:00"]
    assert not report.errors


def test_a_date_column_without_a_time_column_is_read_alone(tmp_path: Path) -> None:
    path = write(tmp_path, "user_id,item_id,date\nu1,i1,2024-03-01\nu1,i2,2024-03-02\n")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert [str(t) for t in frame["timestamp"]] == ["2024-03-01 00:00:00", "2024-03-02 00:00:00"]
    assert not any("time of day" in n for n in report.notes)


def test_compressed_exports_read_as_their_content_with_a_note(tmp_path: Path) -> None:
    import bz2
    import gzip
    import lzma
    import zipfile

    text = HEADER + "u1,i1,2024-01-01,purchase,2,1.5,,\nu2,i2,2024-01-02,view,,,,\nu3,i3,never,view,,,,\n"
    plain = write(tmp_path, text)
    expected = read_table(plain, GENERIC_INTERACTIONS, IngestReport())
    packed = {
        "gzip-compressed": ("inter.csv.gz", gzip.compress(text.encode())),
        "bzip2-compressed": ("inter.csv.bz2", bz2.compress(text.encode())),
        "xz-compressed": ("inter.csv.xz", lzma.compress(text.encode())),
        "zip-compressed (export/inter.csv)": ("inter.zip", None),
    }
    with zipfile.ZipFile(tmp_path / "inter.zip", "w") as archive:
        archive.writestr("export/", "")  # a folder entry is not a second file
        archive.writestr("export/inter.csv", text)
    for kind, (name, data) in packed.items():
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        report = IngestReport()
        frame = read_table(path, GENERIC_INTERACTIONS, report)
        pd.testing.assert_frame_equal(frame, expected)
        assert f"{path}: {kind}; read decompressed ({len(text):,} bytes)" in report.notes
        # The bad row is still reported with the line of the decompressed text.
        assert [str(e) for e in report.errors] == [f"{path}:4: timestamp: not a timestamp: 'never'"]


def test_the_fingerprint_is_of_the_content_not_of_the_compression(tmp_path: Path) -> None:
    import gzip
    import hashlib

    text = HEADER + "u1,i1,2024-01-01,purchase,2,1.5,,\n"
    digests = []
    for n, mtime in enumerate((0, 1_700_000_000)):  # gzip writes the time into its header
        path = tmp_path / f"d{n}" / "inter.csv"
        path.parent.mkdir()
        path.write_bytes(gzip.compress(text.encode(), mtime=mtime))
        hasher = hashlib.sha256()
        read_table(path, GENERIC_INTERACTIONS, IngestReport(), hasher=hasher)
        digests.append(hasher.hexdigest())
    plain = write(tmp_path, text)
    hasher = hashlib.sha256()
    read_table(plain, GENERIC_INTERACTIONS, IngestReport(), hasher=hasher)
    assert digests[0] == digests[1] == hasher.hexdigest()


def test_a_zip_of_several_files_or_a_damaged_archive_is_a_one_line_error(tmp_path: Path) -> None:
    import gzip
    import zipfile

    several = tmp_path / "export.zip"
    with zipfile.ZipFile(several, "w") as archive:
        archive.writestr("interactions.csv", HEADER)
        archive.writestr("items.csv", "item_id\n")
    with pytest.raises(DataError, match=r"export\.zip: a zip archive with 2 files \(interactions\.csv, items\.csv\)"):
        read_table(several, GENERIC_INTERACTIONS, IngestReport())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress((HEADER * 50).encode())[:40])
    with pytest.raises(DataError, match=r"cut\.csv\.gz: looks gzip-compressed but does not decompress"):
        read_table(cut, GENERIC_INTERACTIONS, IngestReport())


def test_trailing_commas_and_an_index_column_are_unnamed_columns_not_read(tmp_path: Path) -> None:
    """An older MovieLens ``ratings.csv`` ends every line with ``,,,,``; pandas' ``to_csv``
    writes an unnamed index column first. Empty header names are columns nobody reads (a
    note says so), not two columns "both ''"; a name the schema does not read may repeat."""
    path = write(tmp_path, ",userId,movieId,rating,timestamp,,,note,note\n"
                 "0,1,31,2.5,1260759144,,,a,b\n"
                 "1,1,1029,3,1260759179,,,,\n")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["item_id"].tolist() == ["31", "1029"]
    assert [str(t) for t in frame["timestamp"]] == ["2009-12-14 02:52:24", "2009-12-14 02:52:59"]
    assert f"{path}: 3 column(s) without a name in the header (column 1, 6, 7); not read" in report.notes
    assert {"column_1", "note", "note_9"} <= set(frame.columns)
    assert not report.errors


def test_recbole_atomic_files_are_read_without_their_type_suffixes(tmp_path: Path) -> None:
    """RecBole's copies of public data sets (``ml-100k.inter``) are tab-separated with
    typed header names (``user_id:token``); the types are dropped with a note. A single
    ``a:float`` among plain names is left alone: it may be a real name."""
    path = write(tmp_path, "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
                 "196\t242\t3\t881250949\n", "ml-100k.inter")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id"]].values.tolist() == [["196", "242"]]
    assert str(frame["timestamp"].iloc[0]) == "1997-12-04 15:55:49"
    assert any("header names carry type suffixes ('user_id:token'" in n for n in report.notes)
    plain = write(tmp_path, "user_id,item_id,timestamp,score:float\nu,i,2024-01-01,1\n", "plain.csv")
    report = IngestReport()
    assert "score:float" in read_table(plain, GENERIC_INTERACTIONS, report).columns
    assert not any("type suffixes" in n for n in report.notes)


def test_dunnhumby_day_numbers_and_till_times_make_ordered_timestamps(tmp_path: Path) -> None:
    """dunnhumby's releases (The Complete Journey on Kaggle, Carbo-Loading) count days
    (``DAY`` 1-711) and write the time as ``HHMM`` numbers (``TRANS_TIME`` 946 = 09:46).
    Day N is read as 2000-01-01 + N days, with a note that weekday and season are not
    the real ones; a time that does not exist leaves the line its day."""
    path = write(tmp_path, "household_key,BASKET_ID,DAY,PRODUCT_ID,QUANTITY,SALES_VALUE,TRANS_TIME\n"
                 "2375,26984851472,1,1004906,1,1.39,1631\n"
                 "1364,26984896261,1,842930,1,2.19,946\n"
                 "1364,26984896262,711,842930,1,2.19,5\n"
                 "1364,26984896263,3,999999,1,2.19,2400\n", "transaction_data.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    # (a time that does not exist, '2400', leaves the line its day since session ar, where it
    # had been a bad row: a synthetic till's 758 of 2,000 such lines had all been lost)
    assert [str(t) for t in frame["timestamp"]] == [
        "2000-01-02 16:31:00", "2000-01-02 09:46:00", "2001-12-12 00:05:00", "2000-01-04 00:00:00"]
    assert frame["session_id"].tolist() == ["26984851472", "26984896261", "26984896262", "26984896263"]
    assert any("column 'DAY' holds day numbers (1-711), not dates" in n for n in report.notes)
    assert not report.errors
    # Elsewhere a short number is still no timestamp.
    other = write(tmp_path, "user_id,item_id,timestamp\nu,i,17\n", "short.csv")
    report = IngestReport()
    with pytest.raises(DataError, match="no usable rows"):
        require_rows(read_table(other, GENERIC_INTERACTIONS, report), str(other), report)


def test_taobao_and_h_and_m_exports_load_by_their_own_names(tmp_path: Path) -> None:
    """Taobao's UserBehavior writes ``pv`` / ``fav`` in ``behavior_type``; H&M's
    transactions date each line in ``t_dat``."""
    taobao = write(tmp_path, "user_id,item_id,category_id,behavior_type,timestamp\n"
                   "1,2268318,2520377,pv,1511544070\n"
                   "1,2333346,2520771,fav,1511561733\n"
                   "1,2576651,149192,buy,1511572885\n", "UserBehavior.csv")
    report = IngestReport()
    assert read_table(taobao, GENERIC_INTERACTIONS, report)["event_type"].tolist() == [
        "view", "favorite", "purchase"]
    assert not report.errors
    hm = write(tmp_path, "t_dat,customer_id,article_id,price,sales_channel_id\n"
               "2018-09-20,000058a12d5b43e67d225668fa1f8d618c13dc232df0cad8ffe7ad4a1091e318,663713001,"
               "0.050830508474576264,2\n", "transactions_train.csv")
    report = IngestReport()
    frame = read_table(hm, GENERIC_INTERACTIONS, report)
    assert str(frame["timestamp"].iloc[0]) == "2018-09-20 00:00:00"
    assert frame["item_id"].tolist() == ["663713001"]


def test_movielens_1m_double_colon_files_are_read(tmp_path: Path) -> None:
    """MovieLens 1M / 10M join fields with '::' and quote nothing (titles hold commas and
    quotes). They load with a header line, and as GroupLens ships them, without one."""
    ratings = write(tmp_path, "user_id::item_id::rating::timestamp\n1::1193::5::978300760\n"
                    "1::661::3::978302109\n", "ratings.dat")
    report = IngestReport()
    frame = read_table(ratings, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id"]].values.tolist() == [["1", "1193"], ["1", "661"]]
    assert str(frame["timestamp"].iloc[0]) == "2000-12-31 22:12:40"
    assert f"{ratings}: '::'-separated (the header has no comma); read that way" in report.notes
    movies = write(tmp_path, 'item_id::title::genres\n1::American President, The (1995)::Comedy|Drama\n'
                   '2::"Great Performances" Cats (1998)::Musical\n', "movies.dat")
    from cloud_trainer.data.schema import GENERIC_ITEMS

    items = read_table(movies, GENERIC_ITEMS, IngestReport())
    assert items["name"].tolist() == ["American President, The (1995)", '"Great Performances" Cats (1998)']
    bare = write(tmp_path, "1::1193::5::978300760\n", "bare.dat")
    frame = read_table(bare, GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id"]].values.tolist() == [["1", "1193"]]


def test_json_lines_exports_load_and_errors_name_their_lines(tmp_path: Path) -> None:
    """Amazon's and Yelp's reviews ship as JSON lines, often gzipped: read as a table,
    a line that does not parse is a bad row of its own, line numbers are the file's."""
    import gzip

    lines = ['{"reviewerID": "A2SUAM1J3GNN3B", "asin": "0000013714", "helpful": [2, 3], '
             '"reviewText": "Bought it.\\nLoves it.", "overall": 5.0, "unixReviewTime": 1252800000}',
             '{"reviewerID": "AFV2584U13XP3", "asin": "0000013714", "unixReviewTime": 13534',
             '',
             '{"reviewerID": "A1BWO8ERVX2CJ0", "asin": "0000031852", "unixReviewTime": 1354060800}',
             '[1, 2]',
             '{"reviewerID": "A1BWO8ERVX2CJ0", "asin": "", "unixReviewTime": 1354060800}']
    path = tmp_path / "reviews_Books_5.json.gz"
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "_line"]].values.tolist() == [
        ["A2SUAM1J3GNN3B", "0000013714", 1], ["A1BWO8ERVX2CJ0", "0000031852", 4]]
    assert f"{path}: JSON lines (3 records, 2 lines that are no JSON object); read as a table" in report.notes
    assert sorted(str(e) for e in report.errors) == [
        f"{path}:2: row: not JSON (Expecting ',' delimiter, column 78)",
        f"{path}:5: row: a JSON list, not an object",
        f"{path}:6: item_id: empty (required)"]
    assert (report.files[str(path)].rows_read, report.files[str(path)].rows_skipped) == (5, 3)


def test_json_lines_records_with_line_separators_in_their_text_stay_whole(tmp_path: Path) -> None:
    """A review's text may hold U+2028 or NEL unescaped (valid JSON): a record ends at
    its newline only. A byte order mark before the first record is not part of it."""
    records = [{"user_id": "u1", "item_id": "i1", "text": "one\u2028two", "timestamp": "2024-01-01T10:00"},
               {"user_id": "u2", "item_id": "i2", "text": "nel\x85here", "timestamp": "2024-01-02T10:00"}]
    path = tmp_path / "reviews.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode())
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "_line"]].values.tolist() == [["u1", "i1", 1], ["u2", "i2", 2]]
    assert not report.errors


def test_parquet_exports_load_and_errors_give_the_row(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pd.DataFrame({"customer_id": ["u1", "u2"], "product_id": ["i1", "i2"],
                  "event_time": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 00:00"]),
                  "qty": [1, -2]}).to_parquet(path)
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "quantity"]].values.tolist() == [["u1", "i1", 1.0]]
    assert str(frame["timestamp"].iloc[0]) == "2024-01-01 10:00:00"
    assert [str(e) for e in report.errors] == [f"{path}:2: quantity: must be > 0 (got -2)"]


def test_an_excel_workbook_reads_its_sheets_with_one_header_as_one_table(tmp_path: Path) -> None:
    """UCI publishes Online Retail II as an .xlsx with a sheet per year, same header; a
    back office adds a notes sheet. Ids come back without Excel's '.0', dates as times,
    and errors name the line counted on through the sheets."""
    header = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
    # 40148.35138888889 is 2009-12-01 08:26 as Excel stores it (a fraction of a day).
    write_xlsx(tmp_path / "online_retail_II.xlsx", {
        "Year 2009-2010": [header,
                           ["489434", "85048", "GLASS BALL 20 LIGHTS", 12, ("d", 40148.35138888889), 6.95, 13085.0,
                            "United Kingdom"],
                           ["489435", "22350", "CAT BOWL", 12, ("d", 40148.35138888889), 2.55, 13085.0,
                            "United Kingdom"]],
        "Year 2010-2011": [header,
                           ["539993", "22386", "JUMBO BAG PINK POLKADOT", -10, ("d", 40544.41666666666), 1.95,
                            13313.0, "United Kingdom"],
                           ["539994", "22386", "JUMBO BAG PINK POLKADOT", 10, ("d", 40544.5), 1.95, 13313.0,
                            "United Kingdom"]],
        "Notes": [["note"], ["made by the back office"]],
    })
    path = tmp_path / "online_retail_II.xlsx"
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["user_id"].tolist() == ["13085", "13085", "13313"]
    assert frame["session_id"].tolist() == ["489434", "489435", "539994"]
    assert [str(t) for t in frame["timestamp"]] == ["2009-12-01 08:26:00", "2009-12-01 08:26:00",
                                                    "2011-01-01 12:00:00"]
    assert [str(e) for e in report.errors] == [f"{path}:4: quantity: must be > 0 (got -10)"]
    assert (f"{path}: an Excel workbook (.xlsx; sheets with the same header, read as one table, lines "
            "counting on through them: 'Year 2009-2010' lines 2-3, 'Year 2010-2011' lines 4-5; left out, "
            "with another header: 'Notes'); read as a table") in report.notes


def test_whole_numbers_in_a_workbook_are_ids_without_a_decimal_point_while_exact() -> None:
    """A workbook stores every number as a float: an EAN, a 16-digit loyalty card number
    come back whole, as the id the till printed, up to 2**53 (every whole number below it
    is exact in a float); past it a float no longer names one id and keeps its float form."""
    from cloud_trainer.data.sheets import _sheet_cell

    assert _sheet_cell(17850.0) == "17850"
    assert _sheet_cell(4710000000023.0) == "4710000000023"  # Ta-Feng's EAN product ids
    assert _sheet_cell(6011000990139424.0) == "6011000990139424"  # 16 digits, < 2**53
    assert _sheet_cell(float(2**53 - 1)) == str(2**53 - 1)
    assert _sheet_cell(float(2**54)) == repr(float(2**54))
    assert _sheet_cell(2.5) == "2.5"


def test_a_workbooks_table_is_its_biggest_sheet_and_errors_give_its_rows(tmp_path: Path) -> None:
    """A back office puts a cover sheet first and a title gap above the table: the data
    sheet is still the table, and an error names the row Excel shows."""
    path = tmp_path / "export.xlsx"
    write_xlsx(path, {"README": [["Exported from the back office"], ["2024-03-01"]],
                      "Data": [[], [], ["user_id", "item_id", "timestamp", "quantity"],
                               ["u1", "i1", ("d", 45352.5), 1], ["u2", "i2", ("d", 45353.25), -1],
                               ["u3", "i1", ("d", 45354.0), 2]]})
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["user_id"].tolist() == ["u1", "u3"]
    assert [str(e) for e in report.errors] == [f"{path}:5: quantity: must be > 0 (got -1)"]  # Excel's row 5
    assert (f"{path}: an Excel workbook (.xlsx; sheet 'Data' rows 4-6, errors give the sheet's row; left out, "
            "with another header: 'README'); read as a table") in report.notes
    # A report's title above its header, and a one-column sheet that is all one column.
    titled = tmp_path / "report.xlsx"
    write_xlsx(titled, {"March": [["Sales report March"], [], ["user_id", "item_id", "timestamp"],
                                  ["u1", "i1", ("d", 45352.5)], ["u2", "i2", ("d", 45353.5)]]})
    report = IngestReport()
    assert read_table(titled, GENERIC_INTERACTIONS, report)["item_id"].tolist() == ["i1", "i2"]
    assert (f"{titled}: an Excel workbook (.xlsx; sheet 'March' rows 4-5, errors give the sheet's row; a title "
            "above the header, not read: 'March': 'Sales report March'); read as a table") in report.notes


def test_a_reports_merged_invoice_cells_belong_to_every_line_they_span(tmp_path: Path) -> None:
    """A back-office report merges an invoice's number, customer and date over its lines;
    a workbook keeps the value in the range's first cell only. Each line is read with
    them; the title merged across the top stays a title."""
    path = tmp_path / "sales_report.xlsx"
    write_xlsx(path, {"Report": [
        ["Sales report, March 2024"],
        [],
        ["Invoice", "Customer ID", "Date", "StockCode", "Quantity"],
        ["INV-1", "c1", ("d", 45352.5), "A", 2],
        ["", "", "", "B", 1],
        ["", "", "", "C", 4],
        ["INV-2", "c2", ("d", 45353.25), "A", 1],
    ], "Notes": [["note", "by"], ["checked", "ana"], ["", ""]]},  # another header: left out
        merged={"Report": ["A1:E1", "A4:A6", "B4:B6", "C4:C6"], "Notes": ["A2:A3"]})
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["session_id", "user_id", "item_id"]].values.tolist() == [
        ["INV-1", "c1", "A"], ["INV-1", "c1", "B"], ["INV-1", "c1", "C"], ["INV-2", "c2", "A"]]
    assert [str(t) for t in frame["timestamp"]] == ["2024-03-01 12:00:00"] * 3 + ["2024-03-02 06:00:00"]
    assert not report.errors
    note = next(n for n in report.notes if "Excel workbook" in n)
    assert "3 merged cell range(s) read as their value in every cell" in note  # not the title's
    assert "a title above the header, not read: 'Report': 'Sales report, March 2024'" in note


def test_a_damaged_or_empty_workbook_is_an_error_naming_the_file(tmp_path: Path) -> None:
    import zipfile

    xlsx = tmp_path / "export.xlsx"
    with zipfile.ZipFile(xlsx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DataError, match=r"export.xlsx: .*workbook \(\.xlsx\)"):
        read_table(xlsx, GENERIC_INTERACTIONS, IngestReport())
    xls = write(tmp_path, "", "export.xls")
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    with pytest.raises(DataError, match=r"export.xls: looks like a workbook \(\.xls\) but does not read"):
        read_table(xls, GENERIC_INTERACTIONS, IngestReport())
    empty = tmp_path / "empty.xlsx"
    write_xlsx(empty, {"Sheet1": []})
    with pytest.raises(DataError, match=r"empty.xlsx: a workbook \(\.xlsx\) with no rows in any sheet"):
        read_table(empty, GENERIC_INTERACTIONS, IngestReport())


def test_dates_with_month_names_parse_and_placeholders_stay_bad_rows(tmp_path: Path) -> None:
    """Goodreads writes 'Mon Aug 14 21:00:21 -0700 2017'; a 'today' in an export is a
    placeholder, which pandas would otherwise read as the time of the run."""
    path = write(tmp_path, "user_id,item_id,date_added\nu1,b1,Mon Aug 14 21:00:21 -0700 2017\n"
                           "u1,b2,14-Nov-2019\nu2,b1,today\nu2,b3,Now\n", "goodreads.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["timestamp"].tolist() == [pd.Timestamp("2017-08-15 04:00:21"), pd.Timestamp("2019-11-14")]
    assert [str(e) for e in report.errors] == [f"{path}:4: timestamp: not a timestamp: 'today'",
                                               f"{path}:5: timestamp: not a timestamp: 'Now'"]
    assert any("dates with month names like 'Mon Aug 14 21:00:21 -0700 2017' read by their words" in n
               for n in report.notes)


def test_month_and_day_without_a_year_read_as_one_made_up_year(tmp_path: Path) -> None:
    """Tmall's time_stamp (MMDD, 0511 .. 1111; 511 once a spreadsheet dropped the zero)."""
    stamps, report = read_stamps(tmp_path, ["0511", "511", "1111", "0229"], "tmall.csv")
    assert stamps == [pd.Timestamp("2000-05-11"), pd.Timestamp("2000-05-11"),
                      pd.Timestamp("2000-11-11"), pd.Timestamp("2000-02-29")]
    assert any("holds a month and day without a year (MMDD, 0229 .. 1111)" in n for n in report.notes)


def test_bare_years_and_impossible_month_days_are_bad_rows_not_a_crash(tmp_path: Path) -> None:
    """ISO 8601 reads '0828' as the year 828, which nanoseconds cannot hold: it stopped the
    load with pandas' OutOfBoundsDatetime. Out of 1900-2199 it is a bad row now; a column of
    years stays years."""
    stamps, report = read_stamps(tmp_path, ["0828", "0931", "2015-06-01"], "mixed.csv")
    assert stamps == [pd.Timestamp("2015-06-01")]
    assert [(e.line, e.reason) for e in report.errors] == [
        (2, "not a timestamp: '0828'"), (3, "not a timestamp: '0931'")]
    years, _ = read_stamps(tmp_path, ["2014", "2015"], "years.csv")
    assert years == [pd.Timestamp("2014-01-01"), pd.Timestamp("2015-01-01")]


def test_coded_events_need_their_meaning_and_read_with_it(tmp_path: Path) -> None:
    from cloud_trainer.data.schema import parse_event_codes, with_event_codes

    path = write(tmp_path, "user_id,item_id,time_stamp,action_type\nu,i,0511,0\nu,j,0512,2\nu,k,0513,4\n")
    report = IngestReport()
    read_table(path, GENERIC_INTERACTIONS, report)
    assert "numeric codes need --event-codes" in report.errors[0].reason
    codes = parse_event_codes("0=view, 1=cart,2=Purchase,3=favourite")
    assert codes == {"0": "view", "1": "cart", "2": "purchase", "3": "favorite"}
    report = IngestReport()
    frame = read_table(path, with_event_codes(GENERIC_INTERACTIONS, codes), report)
    assert frame["event_type"].tolist() == ["view", "purchase"]
    assert [(e.line, e.column) for e in report.errors] == [(4, "event_type")]  # 4 has no meaning given
    for bad, said in (("0=click", "must be one of"), ("0", "is not CODE=EVENT"), ("", "no CODE=EVENT")):
        with pytest.raises(ValueError, match=said):
            parse_event_codes(bad)


def test_an_invoice_without_a_customer_is_an_anonymous_basket_but_a_line_without_either_is_bad(
        tmp_path: Path) -> None:
    path = write(tmp_path, "CustomerID,StockCode,InvoiceDate,InvoiceNo\n"
                 "17850,a,2010-12-01 08:26,536365\n"
                 ",b,2010-12-01 08:26,536365\n"  # line 3: the rest of its invoice names 17850
                 ",c,2010-12-01 09:00,536370\n,d,2010-12-01 09:00,536370\n"  # 4-5: nobody's invoice
                 ",e,2010-12-01 09:30,\n")  # line 6: no customer, no invoice
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    # Line 3 is its invoice's customer's (it was a bad row before 2026-12-05 (x)).
    assert frame["user_id"].tolist() == ["17850", "17850", "basket 536370", "basket 536370"]
    assert [(e.line, e.column, e.reason) for e in report.errors] == [(6, "user_id", "empty (required)")]
    assert any("2 lines (40%) have a basket ('InvoiceNo') but no shopper ('CustomerID'): that basket is"
               in n for n in report.notes)


def test_ids_written_as_missing_value_markers_are_blank_not_one_shopper(tmp_path: Path) -> None:
    """Diginetica's userId is NA on most lines; read as text they were one shopper 'NA'. A
    marker is no id: with a session it is that session's anonymous shopper, alone a bad row."""
    path = write(tmp_path, "sessionId;userId;itemId;eventdate\n1;NA;7;2016-01-03\n1;NA;8;2016-01-03\n"
                 "2;42;7;2016-01-04\n;NULL;9;2016-01-05\n3;#N/A;nan;2016-01-06\n")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "session_id"]].values.tolist() == [
        ["basket 1", "7", "1"], ["basket 1", "8", "1"], ["42", "7", "2"]]
    assert [(e.line, e.column) for e in report.errors] == [(5, "user_id"), (6, "item_id")]
    assert f"{path}: column 'userId': 'NA' (2), 'NULL' (1), '#N/A' (1) read as no value: the way exports " \
           "write a missing value" in report.notes


def test_a_sequence_file_reads_one_shopper_a_line_their_items_in_order(tmp_path: Path) -> None:
    """S3-Rec's and RecBole's Amazon Beauty and Taobao ``.txt`` (real-ae): the shopper,
    then their items in order, space-separated. The first line had been read as a header
    of numbers ('1 1 2 3 4 5') and the file refused for missing columns. A fixed-width
    space-separated table stays a table."""
    lines = [" ".join([str(u)] + [str((u * 7 + k) % 50 + 1) for k in range(3 + u % 5)]) for u in range(1, 31)]
    path = write(tmp_path, "\n".join(lines) + "\n", "Beauty.txt")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))  # (as load_dataset reads it)
    first = frame[frame["user_id"] == "1"]
    assert first["item_id"].tolist() == lines[0].split()[1:] and first["order_number"].tolist() == ["1", "2", "3", "4"]
    assert len(frame) == sum(len(line.split()) - 1 for line in lines)
    assert report.notes[0] == (f"{path}: one shopper a line, the first number the shopper and the others their items "
                               "in order, no header (the sequential recommenders' layout, S3-Rec's and RecBole's "
                               "'.txt'; if a line is one basket with its id first, give the file a header instead): "
                               "30 shoppers, 50 items; read as a table")
    # SELFRec and QRec put a colon after the shopper ('1:1 2 3 4'): refused, its first line
    # taken for a header (real12-ag). Read the same, and a file whose shoppers come back is none.
    path = write(tmp_path, "\n".join(line.replace(" ", ":", 1) for line in lines) + "\n", "train.txt")
    report = IngestReport()
    colon = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert colon.drop(columns="_line").equals(frame.drop(columns="_line"))
    assert "(SELFRec's and QRec's layout, the shopper before a ':';" in report.notes[0]
    again = write(tmp_path, "\n".join(line.replace(" ", ":", 1) for line in lines[:25] + lines[:5]) + "\n", "a.txt")
    with pytest.raises(DataError):
        read_table(again, GENERIC_INTERACTIONS, IngestReport(), may_lack=("timestamp",))
    # CiteULike's users.dat: how many items, then the items (sorted); the shopper is the line.
    # Every line the same count too (CTR's cf-train-10-users.dat: read as a table of 11
    # columns, 5,551 of 55,510 pairs; real14-ah).
    tens = write(tmp_path, "".join(" ".join(["4"] + [str(7 * u + k) for k in range(4)]) + "\n" for u in range(30)),
                 "cf-train-4-users.dat")
    frame = read_table(tens, GENERIC_INTERACTIONS, IngestReport(), may_lack=("timestamp",))
    assert len(frame) == 120 and frame[frame["user_id"] == "line 2"]["item_id"].tolist() == ["7", "8", "9", "10"]
    # Its items.dat is the same turned round, an article a line and its readers after the
    # count: read as users.dat, every shopper and item had been swapped (real14-ah).
    articles = write(tmp_path, tens.read_text(), "citeulike_a_items.dat")
    report = IngestReport()
    frame = read_table(articles, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame[frame["item_id"] == "line 2"]["user_id"].tolist() == ["7", "8", "9", "10"]
    assert report.notes[0].startswith(f"{articles}: one item a line (the file's name says items)")
    counted = [" ".join([str(2 + u % 4)] + [str(10 * u + k) for k in range(2 + u % 4)]) for u in range(30)]
    path = write(tmp_path, "\n".join(counted) + "\n", "users.dat")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert list(frame.columns[:2]) == ["user_id", "item_id"] and "order_number" not in frame
    assert frame[frame["user_id"] == "line 2"]["item_id"].tolist() == ["10", "11", "12"]
    assert report.notes[0].startswith(f"{path}: one shopper a line, the first number how many items follow and the "
                                      "others the items, no header (CiteULike's users.dat)")
    # LightGCN's train.txt lists each user's items by id: a set, read in no order (the
    # item-sorted rule then holds out a random share); a table with blank fields ('1  7 3')
    # and a file whose first numbers come back further down are no sequence files.
    lightgcn = write(tmp_path, "".join(" ".join([str(u)] + [str(10 * k + u) for k in range(3 + u % 4)]) + "\n"
                                       for u in range(30)), "train.txt")
    report = IngestReport()
    assert "order_number" not in read_table(lightgcn, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert "listed by id on most lines, so in no order" in report.notes[0]
    blanks = write(tmp_path, "".join(f"{u} {u % 9}{'  ' if u % 3 else ' '}{u % 4 + 1}\n" for u in range(1, 31)),
                   "blanks.txt")
    report = IngestReport()
    with contextlib.suppress(DataError):
        read_table(blanks, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert not any("one shopper a line" in n for n in report.notes)
    returning = write(tmp_path, "\n".join(lines + [" ".join(["1", "7", "8", "9"])] * 300) + "\n", "sessions.txt")
    report = IngestReport()
    with contextlib.suppress(DataError):
        read_table(returning, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert not any("one shopper a line" in n for n in report.notes)
    table = write(tmp_path, "".join(f"{u} {u % 9} {u % 4 + 1}\n" for u in range(1, 31)), "ratings.txt")
    report = IngestReport()
    read_table(table, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert not any("one shopper a line" in n for n in report.notes)


def test_a_shopper_a_line_file_is_told_from_its_first_lines_not_its_first_4_kb(tmp_path: Path) -> None:
    """LightGCN's Gowalla train.txt opens with a user of hundreds of check-ins (4 KB held
    fewer than the 20 lines the layout is told by), and most of Last.fm's users have 35
    items each (two lengths in 4 KB, refused as a wide table): real4-af."""
    first = " ".join(["0"] + [str(k) for k in range(900)])
    rest = [" ".join([str(u)] + [str((u * 31 + k) % 900) for k in range(35 if u % 9 else 36 + u % 5)])
            for u in range(1, 60)]
    path = write(tmp_path, "\n".join([first, *rest]) + "\n", "train.txt")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame["user_id"].nunique() == 60 and len(frame) == 900 + sum(len(r.split()) - 1 for r in rest)
    assert "one shopper a line" in report.notes[0]


def test_fimi_baskets_read_one_basket_a_line_every_number_an_item(tmp_path: Path) -> None:
    """FIMI's retail.dat and kosarak.dat: one basket a line, space-separated item numbers
    (retail.dat ends each with a space), first numbers that come back on other lines. They
    had been refused, their first basket taken for a header ('header has 63 64 65 66 67 68')."""
    baskets = [[(b * 7 + k * 3) % 40 + 1 for k in range(1 + b % 6)] for b in range(40)]
    baskets = [sorted(set(b)) for b in baskets]
    path = write(tmp_path, "\n" + "".join(" ".join(map(str, b)) + " \n" for b in baskets), "retail.dat")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert len(frame) == sum(map(len, baskets))
    # Each basket is named by its line in the file (the blank line above counted).
    assert frame[frame["session_id"] == "line 3"]["item_id"].tolist() == [str(i) for i in baskets[1]]
    assert frame["_line"].iloc[0] == 2
    assert any(n.startswith(f"{path}: one basket a line, every number on it an item, no header (FIMI's 'retail.dat' "
                            f"and 'kosarak.dat' layout): 40 baskets of ") for n in report.notes)
    # A session a line whose shoppers come back, their numbers first and nowhere else, is
    # no basket file (session af's review: each shopper had become an item).
    sessions = write(tmp_path, "".join(" ".join([str(s % 9)] + [str(100 + (s * 13 + k * 7) % 300)
                                                                for k in range(2 + s % 5)]) + "\n"
                                       for s in range(40)), "sessions.txt")
    report = IngestReport()
    with contextlib.suppress(DataError):
        read_table(sessions, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert not any("one basket a line" in n for n in report.notes)
    # A number twice on a line is no basket (a table, or a shopper's repeat sequence).
    twice = write(tmp_path, "".join(f"{1 + b % 5} {b % 7} {b % 7}{' 9' * (b % 3)}\n" for b in range(40)), "t.txt")
    report = IngestReport()
    with contextlib.suppress(DataError):
        read_table(twice, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert not any("one basket a line" in n for n in report.notes)


def test_headerless_ids_that_would_be_unix_times_after_tomorrow_are_ids(tmp_path: Path) -> None:
    """Yahoo! Movies' 10-digit movie ids (1800019594: April 2027, real2-ae) were taken for
    the time column, and the file refused for want of an item. A log is written after its
    events: a column of Unix times more than 1 % of which lie after tomorrow is no time."""
    import time

    later = int(time.time()) + 400 * 86_400
    path = write(tmp_path, "".join(f"{u}\t{later + 7919 * ((u * 5 + k) % 40)}\t{1 + (u + k) % 5}.0\n"
                                   for u in range(1, 21) for k in range(5)), "ydata-ymovies.txt")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame["item_id"].iloc[0] == str(later + 7919 * 5) and "timestamp" not in frame
    assert "columns read by their values: column 1 as user_id, 2 as item_id; column 3 not read" in report.notes[1]


def test_a_headed_basket_a_row_file_reads_its_numbered_item_columns(tmp_path: Path) -> None:
    """Groceries re-saved with a header, 'Item(s), Item 1 .. Item 32' (real-ae): it had been
    refused asking for a shopper column, though the same baskets without a header load.
    Each row is a basket of its non-empty item cells; a header with other columns is a
    table as before."""
    rows = [["citrus fruit", "semi-finished bread", "margarine", "ready soups"], ["tropical fruit", "yogurt", "coffee"],
            ["whole milk"], ["pip fruit", "yogurt", "cream cheese", "meat spreads"]]
    header = "Item(s)," + ",".join(f"Item {k}" for k in range(1, 6))
    path = write(tmp_path, header + "\n" + "".join(f"{len(r)}," + ",".join(r + [""] * (5 - len(r))) + "\n"
                                                  for r in rows), "groceries.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame.groupby("session_id", sort=False)["item_id"].apply(list).tolist() == rows
    assert frame["session_id"].iloc[0] == "line 2" and frame["_line"].iloc[4] == 3  # errors name the file's lines
    assert report.notes[0] == (f"{path}: one basket a row, its items across the columns 'Item 1' .. 'Item 5'; "
                               "'Item(s)', their count, not read: 4 baskets of 11 items, each read with its line "
                               "number as its id; read as a table")
    crlf = write(tmp_path, path.read_text().replace("\n", "\r\n"), "groceries_crlf.csv")
    assert len(read_table(crlf, GENERIC_INTERACTIONS, IngestReport(), may_lack=("timestamp",))) == 12
    # An old Mac file (CR alone) is one line to this check, which had stopped the load on
    # csv's 'new-line character seen in unquoted field' (the recorded read_table inputs).
    mac = write(tmp_path, "user_id,item_id,timestamp\ru1,a,2024-01-01\ru2,b,2024-01-02\r", "mac.csv")
    assert len(read_table(mac, GENERIC_INTERACTIONS, IngestReport())) == 2
    # Another re-save heads the count 'Transaction': read as the basket's id, its 4 baskets
    # of 3 or 4 items were one (real42-am: 9,835 baskets merged into 29)
    counted = write(tmp_path, path.read_text().replace("Item(s)", "Transaction", 1), "groceries_tx.csv")
    report = IngestReport()
    frame = read_table(counted, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame.groupby("session_id", sort=False)["item_id"].apply(list).tolist() == rows
    assert "'Transaction', their count, not read" in report.notes[0]
    # R writes NA in every empty cell: no item, and the count still a count (session am's review)
    r_save = write(tmp_path, counted.read_text().replace(",,", ",NA,").replace(",,", ",NA,").replace(",\n", ",NA\n"),
                   "groceries_r.csv")
    frame = read_table(r_save, GENERIC_INTERACTIONS, IngestReport(), may_lack=("timestamp",))
    assert frame.groupby("session_id", sort=False)["item_id"].apply(list).tolist() == rows
    other = write(tmp_path, "Member,Item 1,Item 2,Item 3\nm1,a,b,c\n", "wide_member.csv")
    with pytest.raises(DataError, match="missing required column"):
        read_table(other, GENERIC_INTERACTIONS, IngestReport())


def test_a_power_bi_exports_table_name_is_no_part_of_its_column_names(tmp_path: Path) -> None:
    """Power BI writes a table visual's columns as 'Table[Column]' and its measures as
    '[Measure]' (a bakery's 'Bakery Sales[Name]', real39-am): the bracket was taken for a
    unit and every column named 'Bakery Sales'. Columns of several tables (a star schema's
    visual) are read by their own names too, unless two of them are then one name; a unit
    in brackets among plain names is left as it is (session am's review)."""
    path = write(tmp_path, "Sales[Customer Key],'Product'[Product Key],Sales[Order Date],[Total Sales]\n"
                           "C1,P1,2024-03-01,5\n", "export.csv")
    report = IngestReport()
    assert read_table(path, GENERIC_INTERACTIONS, report)[["user_id", "item_id"]].values.tolist() == [["C1", "P1"]]
    assert report.notes[0] == (f"{path}: Power BI's table names taken off the columns ('Sales[Customer Key]' as "
                               "'Customer Key', ...)")
    twice = write(tmp_path, "Sales[Key],Product[Key],Sales[Order Date]\nC1,P1,2024-03-01\n", "twice.csv")
    with pytest.raises(DataError, match="missing required column"):
        read_table(twice, GENERIC_INTERACTIONS, IngestReport())
    units = write(tmp_path, "user_id,item_id,timestamp,Amount[EUR]\nC1,P1,2024-03-01,1.50\n", "units.csv")
    report = IngestReport()
    read_table(units, GENERIC_INTERACTIONS, report)
    assert not any("Power BI" in n for n in report.notes)


def test_a_time_column_of_zeros_is_no_time(tmp_path: Path) -> None:
    """NCF's pinterest-20 files write a time of 0 on every line (real2-ae): each line had been
    a bad row (0 is the epoch, a missing time's default) and the file refused. It is read as
    a file without times."""
    path = write(tmp_path, "user_id\titem_id\trating\ttimestamp\n" + "".join(f"{u}\t{u % 7}\t1\t0\n" for u in range(30)),
                 "pinterest-20.train.rating")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert len(frame) == 30 and "timestamp" not in frame and not report.errors
    assert f"{path}: column 'timestamp' is 0 on every line: no times, so the file is read as one without them" \
        in report.notes


def test_a_tills_none_item_is_no_product(tmp_path: Path) -> None:
    """The BreadBasket's till writes ``NONE`` as the item of 786 lines (real-ae): read as an
    id it trained as the 7th most popular product and could be shown on a screen."""
    path = write(tmp_path, "Date,Time,Transaction,Item\n2016-10-30,09:58:11,1,Bread\n2016-10-30,10:05:34,2,Jam\n"
                 "2016-10-30,10:07:57,3,NONE\n2016-10-30,10:07:57,3,Jam\n2016-10-30,10:08:41,4,NONE\n")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["item_id"].tolist() == ["Bread", "Jam", "Jam"]
    assert f"{path}: column 'Item': 'NONE' (2) read as no value: the way exports write a missing value" in report.notes
    assert [(e.line, e.column) for e in report.errors] == [(6, "item_id")]
    # In an event column NONE stays a value --event-codes may name, not a purchase (session
    # ae's review: as a marker it had become a blank event, read as a purchase).
    events = write(tmp_path, "user_id,item_id,timestamp,event_type\nu1,a,2024-03-01,view\nu1,b,2024-03-02,NONE\n",
                   "events.csv")
    report = IngestReport()
    assert read_table(events, GENERIC_INTERACTIONS, report)["event_type"].tolist() == ["view"]
    assert [(e.line, e.column) for e in report.errors] == [(3, "event_type")]
    coded = read_table(events, with_event_codes(GENERIC_INTERACTIONS, {"NONE": "none"}), IngestReport())
    assert coded["event_type"].tolist() == ["view"]
    # A café's 'dirty' export writes ERROR and UNKNOWN for the item it lost (real5-ag).
    dirty = write(tmp_path, "Transaction ID,Item,Quantity,Transaction Date,Customer\nT1,Cake,1,2023-10-20,c1\n"
                  "T2,ERROR,2,2023-10-21,c1\nT3,UNKNOWN,1,2023-10-22,c2\nT4,Coffee,1,2023-10-22,c2\n", "cafe.csv")
    assert read_table(dirty, GENERIC_INTERACTIONS, IngestReport())["item_id"].tolist() == ["Cake", "Coffee"]


def test_a_session_log_with_its_events_in_a_list_reads_one_row_per_event(tmp_path: Path) -> None:
    """OTTO's train.jsonl: one record per session, its events in a list. Each element is a
    row with the session copied in; its 'clicks', 'carts', 'orders' read with --event-codes."""
    from cloud_trainer.data.schema import parse_event_codes, with_event_codes

    path = tmp_path / "train.jsonl"
    path.write_text('{"session": 1, "events": [{"aid": 7, "ts": 1659304800, "type": "clicks"}, '
                    '{"aid": 8, "ts": 1659304900, "type": "carts"}]}\nnot json\n'
                    '{"session": 2, "events": [{"aid": 7, "ts": 1659305000, "type": "orders"}]}\n')
    report = IngestReport()
    spec = with_event_codes(GENERIC_INTERACTIONS, parse_event_codes("clicks=view,carts=cart,orders=purchase"))
    frame = read_table(path, spec, report)
    assert frame[["user_id", "item_id", "event_type", "_line"]].values.tolist() == [
        ["1", "7", "view", 1], ["1", "8", "cart", 1], ["2", "7", "purchase", 3]]
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2022-07-31 22:00:00")
    assert any("3 rows from 2 records' 'events' lists" in n for n in report.notes)
    assert [(e.line, e.reason[:8]) for e in report.errors] == [(2, "not JSON")]
    # Without --event-codes: 'clicks' beside 'carts' and 'orders' are views (the column had
    # been left unread, every click trained as a purchase).
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["event_type"].tolist() == ["view", "cart", "purchase"]
    assert any("column 'type': 1 'clicks' read as views, beside the actions of its other values" in n
               for n in report.notes)


def test_excels_separator_line_sets_the_separator_and_is_not_the_header(tmp_path: Path) -> None:
    path = write(tmp_path, "sep=;\nuser_id;item_id;timestamp;price\nu1;a;2024-01-01 10:00;1,5\n"
                 "u2;;2024-01-02 10:00;2\n")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "price", "_line"]].values.tolist() == [["u1", "a", 1.5, 3]]
    assert [str(e) for e in report.errors] == [f"{path}:4: item_id: empty (required)"]  # the file's line
    assert f"{path}: first line 'sep=;' (Excel's separator line) read as the separator, not as the " \
           "header" in report.notes


def test_an_r_export_s_na_numbers_are_blanks_not_bad_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "user_id,item_id,timestamp,quantity,price,event_type\n"
                 "u1,a,2024-01-01,NA,NA,purchase\nu1,b,2024-01-02,2,1.5,NA\n")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert report.errors == []
    assert frame["quantity"].isna().tolist() == [True, False] and frame["price"].isna().tolist() == [True, False]
    assert frame["event_type"].tolist() == ["purchase", ""]  # blank: the loader counts it a purchase, with a note


def test_review_lists_do_not_explode_reviews_and_a_type_column_is_read_by_its_values(tmp_path: Path) -> None:
    """Amazon's reviews carry an 'images' list, empty on most: each review stays one row.
    A 'type' column is the event only when nearly all its values name actions (a payment
    type is not), and --event-codes keeps '-1' apart from '1'."""
    from cloud_trainer.data.schema import parse_event_codes, with_event_codes

    reviews = tmp_path / "reviews.jsonl"
    image = [{"small_image_url": "x"}]
    reviews.write_text("".join(json.dumps({"user_id": f"U{k}", "asin": f"A{k}", "timestamp": 1588687728000,
                                           "images": image if k == 3 else []}) + "\n" for k in range(10)))
    frame = read_table(reviews, GENERIC_INTERACTIONS, IngestReport())
    assert len(frame) == 10
    paid = write(tmp_path, "user_id,item_id,timestamp,type\n" + "".join(
        f"u{k},i{k},2024-01-0{1 + k % 9},{'card' if k % 2 else 'cash'}\n" for k in range(10)), "paid.csv")
    report = IngestReport()
    assert len(read_table(paid, GENERIC_INTERACTIONS, report)) == 10 and report.errors == []
    coded = write(tmp_path, "user_id,item_id,timestamp,action\nu,a,2024-01-01,-1\nu,b,2024-01-02,1\n", "coded.csv")
    frame = read_table(coded, with_event_codes(GENERIC_INTERACTIONS, parse_event_codes("-1=view,1=purchase")),
                       IngestReport())
    assert frame["event_type"].tolist() == ["view", "purchase"]
    with pytest.raises(ValueError, match="'cart' already names the action 'cart'"):
        parse_event_codes("cart=purchase")
    assert parse_event_codes("carts=cart") == {"carts": "cart"}  # agrees: harmless


def test_out_of_range_times_from_every_reading_are_bad_rows(tmp_path: Path) -> None:
    """Year 828 (a bare '0828 UTC'), an 11-digit 'Unix time' (year 5138), and a year among
    month-days: each a bad row, never pandas' OutOfBoundsDatetime."""
    stamps, report = read_stamps(tmp_path, ["2020-01-01 UTC", "0828 UTC", "99999999999", "1588687728"], "a.csv")
    assert stamps == [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-05-05 14:08:48")]
    assert [e.line for e in report.errors] == [3, 4]
    stamps, report = read_stamps(tmp_path, ["0511"] * 150 + ["1111"] * 50 + ["2015"], "b.csv")
    assert len(stamps) == 200 and [(e.line, e.reason) for e in report.errors] == [(202, "not a timestamp: '2015'")]
    # a typo's year past 2262 (nanoseconds' end) in a day-first or dotted date: a bad row
    stamps, report = read_stamps(tmp_path, ["15/03/2024", "16/03/3024", "17.03.2024", "18.03.3024"], "c.csv")
    assert stamps == [pd.Timestamp("2024-03-15"), pd.Timestamp("2024-03-17")]
    assert [(e.line, e.reason) for e in report.errors] == [(3, "not a timestamp: '16/03/3024'"),
                                                          (5, "not a timestamp: '18.03.3024'")]


def test_thai_buddhist_era_years_are_read_as_their_gregorian_year(tmp_path: Path) -> None:
    stamps, report = read_stamps(tmp_path, ["15/03/2567 10:00", "16.03.2567"], "thai.csv")
    assert stamps == [pd.Timestamp("2024-03-15 10:00"), pd.Timestamp("2024-03-16")] and not report.errors
    assert any("dates like '15/03/2567 10:00' read in the Buddhist era (Thailand's): the year less 543" in n
               for n in report.notes)


def test_taiwans_minguo_years_are_read_as_their_gregorian_year(tmp_path: Path) -> None:
    """Taiwan's calendar (113/03/15 is 15 March 2024), as its open data and tills write
    it: a three-digit year first, read as the year plus 1911 (they were bad rows). A
    month 13 is still no date."""
    stamps, report = read_stamps(tmp_path, ["113/03/15", "113/3/16 14:05", "113-12-31 23:59:59", "113/13/01"],
                                 "roc.csv")
    assert stamps == [pd.Timestamp("2024-03-15"), pd.Timestamp("2024-03-16 14:05"),
                      pd.Timestamp("2024-12-31 23:59:59")]
    assert [(e.line, e.reason) for e in report.errors] == [(5, "not a timestamp: '113/13/01'")]
    assert any("dates like '113/03/15' read in Taiwan's Minguo (ROC) calendar: the year plus 1911" in n
               for n in report.notes)


def test_ebays_orders_report_reads_orders_as_baskets_without_its_summary_lines_or_footer(tmp_path: Path) -> None:
    """eBay's orders report: a blank line above the header; a multi-item order's buyer and
    total on a line of its own above its items, which have no buyer; each item its own
    'Transaction ID' beside the order's 'Order Number'; two footer lines. It was refused
    ('only blank lines'); then every summary and footer line was a bad row, and each
    item its own basket."""
    head = ('"Sales Record Number","Order Number","Buyer Username","Item Number","Item Title","Quantity",'
            '"Sold For","Total Price","Sale Date","Transaction ID"')
    text = ("\r\n" + head + "\r\n"
            '"1001","12-00001-54321","ann","","","2","","$23.00","Mar-09-24",""\r\n'
            '"1001","12-00001-54321","","110001","Mug","1","$10.00","","Mar-09-24","2100000001"\r\n'
            '"1001","12-00001-54321","","110002","Cup","1","$10.00","","Mar-09-24","2100000002"\r\n'
            '"1002","12-00002-54321","bob","110001","Mug","1","$10.00","$13.00","Mar-10-24","2100000003"\r\n'
            '"1003","12-00003-54321","cid","","","1","","$13.00","Mar-11-24",""\r\n'  # an order without items
            "\r\n" '"2 record(s) downloaded,from Mar-01-24 to Mar-31-24"\r\n' "\r\n" '"Seller ID : myshop"\r\n')
    path = write(tmp_path, text, "ebay.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "session_id", "_line"]].values.tolist() == [
        ["ann", "110001", "12-00001-54321", 4], ["ann", "110002", "12-00001-54321", 5],
        ["bob", "110001", "12-00002-54321", 6]]
    assert frame["price"].tolist() == [10.0, 10.0, 10.0]  # 'Sold For', the item's ('$10.00')
    # The order with no item at all is still a bad row; the footer and the summary are not.
    assert [str(e) for e in report.errors] == [f"{path}:7: item_id: empty (required)"]
    notes = "\n".join(report.notes)
    assert "1 blank line(s) above the header skipped" in notes
    assert ("'Order Number' read as session_id (the basket): 'Transaction ID' names each line alone, "
            "'Order Number' has 3 values on 5 lines") in notes
    assert ("1 lines without 'Item Number' in an order ('Order Number') whose other lines name items (e.g. "
            "line 3)") in notes
    assert ("2 line(s) of one or two fields below the data (a report's footer, e.g. '2 record(s) downloaded,"
            "from Mar-01-24 to Mar-31-24') not read") in notes


def test_a_whole_record_in_one_quoted_field_is_read_as_the_record(tmp_path: Path) -> None:
    """A quote left open in AtliQ's sales export made each of its last 10,743 records one
    quoted field, dropped as a report's footer; a spreadsheet's re-save wrote them in
    column 1 with blank fields after, and they took the line above's shopper and date,
    the whole record their item. Both are read as the records they hold."""
    head = "product_code,customer_code,order_date,sales_qty,sales_amount,currency\n"
    good = "".join(f"Prod{k:03d},Cus{k % 7:03d},2019-06-{1 + k % 28:02d},{1 + k % 3},{100 + k},INR\n" for k in range(20))
    cells = "".join(f'"\nProd{k:03d},Cus{k % 5:03d},2019-10-{1 + k % 28:02d},1,{50 + k},INR"\n' for k in range(30, 36))
    for name, text in (("footer.csv", head + good + cells),
                       ("resaved.csv", head + good + cells.replace('INR"\n', 'INR",,,,,\n'))):
        report = IngestReport()
        frame = read_table(write(tmp_path, text, name), GENERIC_INTERACTIONS, report)
        assert len(frame) == 26 and frame["item_id"].iloc[-1] == "Prod035" and frame["user_id"].iloc[-1] == "Cus000"
        assert str(frame["timestamp"].iloc[-1]) == "2019-10-08 00:00:00" and frame["quantity"].iloc[-1] == 1.0
        assert any("6 lines hold a whole record in one quoted field" in n for n in report.notes)


def test_a_one_field_line_inside_the_data_is_still_a_bad_row(tmp_path: Path) -> None:
    """Only the short lines after the last row are a footer: one with rows below it is a
    damaged row, reported as before; so is any short line of a three-column file."""
    path = write(tmp_path, "user_id,item_id,timestamp,price\nu1,i1,2024-01-01,1\ncut,here\nu2,i2,2024-01-02,1\n"
                           "Total,2\n", "a.csv")
    report = IngestReport()
    assert len(read_table(path, GENERIC_INTERACTIONS, report)) == 2
    assert [str(e) for e in report.errors] == [f"{path}:3: row: expected 4 fields, got 2 (truncated row?)"]
    assert any("1 line(s) of one or two fields below the data (a report's footer, e.g. 'Total,2')" in n
               for n in report.notes)
    path = write(tmp_path, "user_id,item_id,timestamp\nu1,i1,2024-01-01\nu2\n", "b.csv")
    report = IngestReport()
    assert len(read_table(path, GENERIC_INTERACTIONS, report)) == 1
    assert [str(e) for e in report.errors] == [f"{path}:3: row: expected 3 fields, got 1 (truncated row?)"]


def test_compact_oracle_and_excel_serial_times_are_read(tmp_path: Path) -> None:
    """SAP's and mainframes' '20240205120012' (tried as a Unix time in milliseconds: the
    year 2611), Oracle's default TIMESTAMP with its dotted clock, and Excel's date serials
    from a column saved as a number: each had been a bad row. A five-digit number below
    1990's serial (a mainframe's year-and-day '24036') stays one."""
    stamps, report = read_stamps(tmp_path, ["20240205120012", "01-FEB-24 09.26.48.000000000 PM", "45323.35", "24036"],
                                 "times.csv")
    assert stamps == [pd.Timestamp("2024-02-05 12:00:12"), pd.Timestamp("2024-02-01 21:26:48"),
                      pd.Timestamp("2024-02-01 08:24:00")]
    assert [(e.line, e.reason) for e in report.errors] == [(5, "not a timestamp: '24036'")]
    notes = "\n".join(report.notes)
    assert "dates with month names like '01-FEB-24 09.26.48.000000000 PM' read by their words" in notes
    assert "times like '20240205120012' read as yyyymmddHHMMSS" in notes
    assert "numbers like '45323.35' read as Excel's date serials (days since 1899-12-30" in notes


# -- what a review of session (aa)'s rules found (2026-12-05 (aa)) ---------------------------


def test_an_order_reference_or_a_customers_name_is_not_taken_for_the_product_or_shopper(tmp_path: Path) -> None:
    """PrestaShop's order list and Xero's invoices call the order (or the customer's PO)
    'Reference': refused for no product column, not a catalogue of order codes. A Swedish
    file's 'Kundnummer' is the shopper before its 'Kund' (a name two customers share)."""
    presta = write(tmp_path, "ID,Reference,Customer,Total,Date\n1,MMPQYEJRC,A. Smith,12.00,2024-03-01\n", "orders.csv")
    with pytest.raises(DataError, match=r"missing required column\(s\) item_id"):
        read_table(presta, GENERIC_INTERACTIONS, IngestReport())
    fortnox = write(tmp_path, "Kund,Kundnummer,Artikelnummer,Datum\nAnna Svensson,501,A1,2024-03-01\n"
                              "Anna Svensson,502,A2,2024-03-02\n", "fakturor.csv")
    assert read_table(fortnox, GENERIC_INTERACTIONS, IngestReport())["user_id"].tolist() == ["501", "502"]


def test_json_flattening_keeps_an_items_attributes_whole_and_a_shipping_price_off_the_items(tmp_path: Path) -> None:
    """An items file's 'attributes' is the schema's JSON object: kept whole, not split into
    'attributes.color'. A nested 'shipping' object's price is the order's, not the item's."""
    from cloud_trainer.data.schema import GENERIC_ITEMS

    items = write(tmp_path, json.dumps({"item_id": "i1", "name": "Bag", "attributes": {"color": "red", "size": "L"}})
                  + "\n", "items.jsonl")
    frame = read_table(items, GENERIC_ITEMS, IngestReport())
    assert json.loads(frame["attributes"].iloc[0]) == {"color": "red", "size": "L"}
    lines = "".join(json.dumps({"customer_id": f"c{k}", "sku": f"s{k}", "ts": "2024-03-01 10:00",
                                "shipping": {"method": "DHL", "price": 7.95}}) + "\n" for k in range(3))
    frame = read_table(write(tmp_path, lines, "lines.jsonl"), GENERIC_INTERACTIONS, IngestReport())
    assert "price" not in frame


def test_a_one_line_record_with_its_own_customer_is_no_wrapper(tmp_path: Path) -> None:
    """One JSON line {"customer": {...}, "events": [...]}: a record with its own fields,
    read as JSON lines' records are (the customer object beside its list had made it an
    API response's wrapper, and the customer was lost)."""
    line = json.dumps({"customer": {"id": 7}, "events": [{"sku": "a", "ts": "2024-03-01 10:00"},
                                                        {"sku": "b", "ts": "2024-03-01 10:05"}]})
    frame = read_table(write(tmp_path, line + "\n", "one.jsonl"), GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id"]].values.tolist() == [["7", "a"], ["7", "b"]]


def test_google_analytics_not_set_is_no_basket(tmp_path: Path) -> None:
    """GA4's flattened export writes '(not set)' as a view's transaction id: read as
    blank, not one basket holding all a user's views."""
    rows = "".join(f"u1,i{k},2024-03-01 10:0{k},view_item,(not set)\n" for k in range(3)) + \
        "u1,i1,2024-03-01 10:09,purchase,T1\n"
    frame = read_table(write(tmp_path, "user_pseudo_id,item_id,event_time,event_name,ecommerce.transaction_id\n"
                             + rows, "ga4.csv"), GENERIC_INTERACTIONS, IngestReport())
    assert frame["session_id"].tolist() == ["", "", "", "T1"]


def test_views_beside_clicks_alone_still_need_event_codes(tmp_path: Path) -> None:
    """Heap's 'type' is view / click: a click there may be any click on the page, so the
    column is not read as actions (OTTO's clicks beside carts and orders are views)."""
    rows = "".join(f"u{k % 3},p{k},2024-06-01 10:{k:02d},{('view', 'click')[k % 2]}\n" for k in range(20))
    report = IngestReport()
    frame = read_table(write(tmp_path, "user_id,product_id,time,type\n" + rows, "heap.csv"), GENERIC_INTERACTIONS,
                       report)
    assert "event_type" not in frame
    assert any("column 'type' names actions on 50% of the lines, not read as the event column" in n
               for n in report.notes)


def test_utc_beside_other_offsets_keeps_the_column_in_utc_and_a_counter_is_no_excel_date(tmp_path: Path) -> None:
    """'Z' beside '-05:00' in one column: times from more than one clock, kept in order by
    UTC (read as wall-clock, the same instant had landed 5 h apart). A column of numbers
    from 45056 up over 76 years is no column of Excel dates: bad rows, as before."""
    stamps, report = read_stamps(tmp_path, ["2024-03-01T08:25:00Z", "2024-03-01T03:16:00-05:00"], "mixed.csv")
    assert stamps == [pd.Timestamp("2024-03-01 08:25"), pd.Timestamp("2024-03-01 08:16")]
    assert any("converted to UTC, which keeps them in order" in n for n in report.notes)
    stamps, report = read_stamps(tmp_path, ["45056", "60000", "72000"], "counter.csv")
    assert stamps == [] and len(report.errors) == 3


# -- shapes a probe of real exports found read wrongly (2026-12-05 (x)) -------------------


def test_ids_a_spreadsheet_wrote_in_scientific_notation_are_refused_not_merged(tmp_path: Path) -> None:
    """EAN barcodes saved by Excel as 4.00638E+12: 13 digits became 6, thousands of
    products one id. Refused, naming the column and the fix; a rare such id among text
    ids is just an id."""
    rows = "".join(f"u{k % 30},4.00638E+12,2023-03-{1 + k % 28:02d} 10:00\n" for k in range(200))
    with pytest.raises(DataError, match=r"ean\.csv: item_id: 200 of 200 ids are numbers in scientific notation "
                                        r"\(e\.g\. '4\.00638E\+12', 1 distinct\).*Export the column as text"):
        read_table(write(tmp_path, "user_id,item_id,timestamp\n" + rows, "ean.csv"), GENERIC_INTERACTIONS,
                   IngestReport())
    # A short code first (a PLU), the barcodes after it: refused as well (the first alone was looked at).
    plu = "u0,4011,2023-03-01 10:00\n" + rows
    with pytest.raises(DataError, match=r"ean\.csv: item_id: 200 of 201 ids are numbers in scientific notation"):
        read_table(write(tmp_path, "user_id,item_id,timestamp\n" + plu, "ean.csv"), GENERIC_INTERACTIONS,
                   IngestReport())
    mixed = "".join(f"u1,{'1E5' if k == 0 else f'sku{k}'},2023-03-01 10:00\n" for k in range(10))
    frame = read_table(write(tmp_path, "user_id,item_id,timestamp\n" + mixed, "ok.csv"), GENERIC_INTERACTIONS,
                       IngestReport())
    assert frame["item_id"].iloc[0] == "1E5"


def test_exports_joined_together_skip_their_repeated_header_lines(tmp_path: Path) -> None:
    """`cat jan.csv feb.csv`: the second header is no purchase of an item 'item_id'."""
    part = "user_id,item_id\n" + "".join(f"u{k},i{k}\n" for k in range(3))
    report = IngestReport()
    frame = read_table(write(tmp_path, part + part + part, "joined.csv"), GENERIC_INTERACTIONS, report,
                       may_lack=("timestamp",))
    assert len(frame) == 9 and "item_id" not in set(frame["item_id"]) and not report.errors
    assert (f"{tmp_path / 'joined.csv'}: the header line came again 2 time(s) inside the file (exports joined "
            "together?); those lines skipped") in report.notes
    assert frame["_line"].tolist() == [2, 3, 4, 6, 7, 8, 10, 11, 12]


def test_a_comma_inside_a_quoted_header_name_does_not_make_a_semicolon_file_comma_separated(tmp_path: Path) -> None:
    text = 'user_id;item_id;timestamp;"Preis (EUR, brutto)"\nu1;i1;2023-03-01 10:00;2,49\n'
    frame = read_table(write(tmp_path, text, "eu.csv"), GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id"]].values.tolist() == [["u1", "i1"]]


def test_a_semicolon_file_with_decimal_commas_reads_points_as_thousands(tmp_path: Path) -> None:
    """A German till export: 1.000 units is a thousand, 1.234,56 EUR is 1234.56 (they
    were 1.0 and a bad row). Without a decimal comma anywhere, 1.000 stays 1.0."""
    text = ("user_id;item_id;timestamp;quantity;price\n"
            "u1;i1;2023-03-01 10:00;1.000;2,49\nu2;i2;2023-03-01 11:00;2;1.234,56\n")
    report = IngestReport()
    frame = read_table(write(tmp_path, text, "de.csv"), GENERIC_INTERACTIONS, report)
    assert frame["quantity"].tolist() == [1000.0, 2.0] and frame["price"].tolist() == [2.49, 1234.56]
    assert any("quantity: numbers with points grouping thousands" in n for n in report.notes)
    plain = "user_id;item_id;timestamp;quantity\nu1;i1;2023-03-01 10:00;1.000\n"
    assert read_table(write(tmp_path, plain, "plain.csv"), GENERIC_INTERACTIONS,
                      IngestReport())["quantity"].tolist() == [1.0]


def test_twelve_hour_clock_times_read_with_their_am_and_pm(tmp_path: Path) -> None:
    stamps, _ = read_stamps(tmp_path, ["03/01/2023 08:35 AM", "03/01/2023 12:05 AM", "03/01/2023 12:05 PM",
                                       "03/31/2023 1:05 p.m.", "03/01/2023 13:05 PM"], "pos.csv")
    assert [str(s) for s in stamps] == ["2023-03-01 08:35:00", "2023-03-01 00:05:00", "2023-03-01 12:05:00",
                                        "2023-03-31 13:05:00"]  # 13 PM is no time: a bad row


def test_a_zip_made_by_a_mac_reads_its_one_export_past_the_finders_extras(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("export/interactions.csv", "user_id,item_id,timestamp\nu1,i1,2023-03-01 10:00\n")
        archive.writestr("__MACOSX/export/._interactions.csv", b"\x00\x05\x16\x07 resource fork")
        archive.writestr("export/.DS_Store", b"\x00\x00\x00\x01Bud1")
    frame = read_table(path, GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id"]].values.tolist() == [["u1", "i1"]]


def test_workbook_sheets_that_spell_one_header_two_ways_are_one_table(tmp_path: Path) -> None:
    """Online Retail II's years as two sheets, the second with 'CustomerID': the same
    columns as the reader names them, so no year is left out."""
    first = ["Invoice", "StockCode", "InvoiceDate", "Customer ID"]
    second = ["Invoice", "StockCode", "InvoiceDate", "CustomerID"]
    path = tmp_path / "retail.xlsx"
    write_xlsx(path, {"Year 2009-2010": [first, ["1", "A", "2009-12-01 08:26", 13085]],
                      "Year 2010-2011": [second, ["2", "B", "2010-12-01 08:26", 17850]]})
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id"]].values.tolist() == [["13085", "A"], ["17850", "B"]]
    assert any("the same header spelled otherwise, read as these columns: 'Year 2010-2011'" in n
               for n in report.notes)


def test_a_date_column_under_a_name_the_reader_does_not_know_is_read_as_the_time(tmp_path: Path) -> None:
    """`Verkauft am` ("sold on"): its dates were left unread and the file put on a made-up clock."""
    text = "user_id;item_id;Verkauft am;Menge\nK1;A1;01.03.2023 08:11;4\nK2;A2;02.03.2023 09:35;1\n"
    report = IngestReport()
    frame = read_table(write(tmp_path, text, "kasse.csv"), GENERIC_INTERACTIONS, report)
    assert [str(t) for t in frame["timestamp"]] == ["2023-03-01 08:11:00", "2023-03-02 09:35:00"]
    assert any("column 'Verkauft am' holds dates or times ('01.03.2023 08:11', ...) and is read as the timestamp" in n
               for n in report.notes)
    # A column of other values is not taken for one.
    plain = "user_id,item_id,Menge\nK1,A1,4\n"
    assert "timestamp" not in read_table(write(tmp_path, plain, "plain.csv"), GENERIC_INTERACTIONS, IngestReport(),
                                         may_lack=("timestamp",)).columns


def test_a_shopify_orders_export_reads_each_line_item_with_its_orders_customer_and_time(tmp_path: Path) -> None:
    """Shopify writes an order's Email and Created at on its first line only, calls the
    order 'Name' and the product 'Lineitem sku': every line item is a purchase of the
    order's customer at the order's time. A basket naming two customers keeps its gaps."""
    text = ("Name,Email,Financial Status,Paid at,Created at,Lineitem quantity,Lineitem name,Lineitem price,"
            "Lineitem sku,Billing Name\n"
            "#1001,ann@shop.de,paid,2023-03-01 08:36:00 +0100,2023-03-01 08:35:03 +0100,2,Milk,1.19,SKU-1,Ann\n"
            "#1001,,,,,1,Bread,2.49,SKU-2,\n"
            "#1002,bob@shop.de,paid,,2023-03-02 10:00:00 +0100,1,Milk,1.19,SKU-1,Bob\n"
            "#1003,cy@shop.de,paid,,2023-03-03 10:00:00 +0100,1,Milk,1.19,SKU-1,Cy\n"
            "#1003,dee@shop.de,,,,1,Eggs,3.09,SKU-3,\n"
            "#1003,,,,,1,Tea,3.09,SKU-4,\n")
    report = IngestReport()
    frame = read_table(write(tmp_path, text, "orders_export_1.csv"), GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "session_id", "quantity"]].values.tolist() == [
        ["ann@shop.de", "SKU-1", "#1001", 2.0], ["ann@shop.de", "SKU-2", "#1001", 1.0],
        ["bob@shop.de", "SKU-1", "#1002", 1.0], ["cy@shop.de", "SKU-1", "#1003", 1.0],
        ["dee@shop.de", "SKU-3", "#1003", 1.0]]
    # The store's clock: 08:35 in Berlin (it was read as 07:35 UTC before session (aa)).
    assert [str(t) for t in frame["timestamp"]][:2] == ["2023-03-01 08:35:03", "2023-03-01 08:35:03"]
    assert sorted(str(e).split(": ", 1)[1] for e in report.errors) == ["user_id: empty (required)"]
    assert any("'Name' beside line-item columns (Shopify's orders export) is the order number" in n
               for n in report.notes)


def test_a_european_tills_headers_in_its_own_language_are_read(tmp_path: Path) -> None:
    """Kunde;Artikel;Datum;Menge;Preis was refused for missing columns. Words for the
    customer, the article, its number before its name (the number is the id), the date,
    quantity and price, in German, French, Spanish, Italian and Dutch, accents folded."""
    text = ("Kundennummer;Artikelnummer;Artikel;Datum;Menge;Stückpreis;Bonnummer\n"
            "K1;100;Milch;01.03.2023 10:00;1;1,19;B1\nK2;101;Brot;02.03.2023 10:00;2;2,49;B2\n")
    report = IngestReport()
    frame = read_table(write(tmp_path, text, "kasse.csv"), GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "session_id", "quantity", "price"]].values.tolist() == [
        ["K1", "100", "B1", 1.0, 1.19], ["K2", "101", "B2", 2.0, 2.49]]
    assert any("'Kundennummer' as user_id, 'Artikelnummer' as item_id, 'Datum' as timestamp, 'Menge' as "
               "quantity, 'Stückpreis' as price" in n for n in report.notes)
    french = "Code client;Référence produit;Date;Quantité;Prix\nC1;R1;2023-03-01;1;2,5\n"
    frame = read_table(write(tmp_path, french, "caisse.csv"), GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id", "quantity", "price"]].values.tolist() == [["C1", "R1", 1.0, 2.5]]


def test_millisecond_epochs_read_to_the_millisecond(tmp_path: Path) -> None:
    """Retail Rocket's 1433221332117: through float seconds it read as ...12.117000055."""
    stamps, _ = read_stamps(tmp_path, ["1433221332117", "1677658302137"], "rr.csv")
    assert [str(s) for s in stamps] == ["2015-06-02 05:02:12.117000", "2023-03-01 08:11:42.137000"]


# -- point-of-sale and shop-platform exports (a second probe, 2026-12-05 (x)) --------------


def test_money_with_currency_signs_codes_and_brackets_reads_as_numbers(tmp_path: Path) -> None:
    """Square and Lightspeed write $1,234.50; a European till € 1.299,00; an accountant
    (1.50). Every such price was a bad row, and with them every line of the file."""
    text = ("user_id,item_id,timestamp,price\n"
            "u1,i1,2023-03-01 10:00,$1.09\nu1,i2,2023-03-01 10:00,\"$1,234.50\"\n"
            "u2,i1,2023-03-02 10:00,2.49 EUR\nu2,i3,2023-03-02 10:00,($1.50)\n")
    report = IngestReport()
    frame = read_table(write(tmp_path, text, "square.csv"), GENERIC_INTERACTIONS, report)
    assert frame["price"].tolist() == [1.09, 1234.5, 2.49]  # the refund's -1.50 is a bad row
    assert [e.reason for e in report.errors] == ["must be >= 0 (got ($1.50))"]
    assert any("price: amounts with a currency ($, EUR) read as numbers, (1.50) as -1.50" in n for n in report.notes)
    eu = "Klant;Artikelnummer;Datum;Prijs\nK1;A1;01.03.2023;€ 1,09\nK1;A2;01.03.2023;€ 1.299,00\n"
    frame = read_table(write(tmp_path, eu, "kassa.csv"), GENERIC_INTERACTIONS, IngestReport())
    assert frame["price"].tolist() == [1.09, 1299.0]


def test_google_analytics_4_events_read_their_items_browser_id_and_microseconds(tmp_path: Path) -> None:
    """GA4's BigQuery export: every event has an event_params list, commerce events an
    items list; user_id only when signed in; event_timestamp in microseconds."""
    def event(n: int, name: str, items: list[dict]) -> str:
        return json.dumps({"event_timestamp": str(1677658677497623 + n * 60_000_000), "event_name": name,
                           "user_id": "ann@x.de" if n == 2 else None, "user_pseudo_id": "1000950280.1677600120",
                           "event_params": [{"key": "ga_session_id", "value": {"int_value": "932032"}}],
                           "items": items})
    lines = [event(0, "page_view", []),
             event(1, "view_item", [{"item_id": "SKU-1", "item_name": "Cheddar", "quantity": 1}]),
             event(2, "purchase", [{"item_id": "SKU-1", "quantity": 1}, {"item_id": "SKU-2", "quantity": 2}]),
             json.dumps({"event_timestamp": "1677658677497623", "event_name": "purchase"})]  # no list: damaged
    report = IngestReport()
    frame = read_table(write(tmp_path, "\n".join(lines) + "\n", "events.json"), GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "event_type"]].values.tolist() == [
        ["1000950280.1677600120", "SKU-1", "view"], ["1000950280.1677600120", "SKU-1", "purchase"],
        ["1000950280.1677600120", "SKU-2", "purchase"]]
    assert str(frame["timestamp"].iloc[0]) == "2023-03-01 08:18:57.497623"
    # The page view names no product (its list is empty): skipped and counted, no bad row.
    # A record without the list at all is a bad line, counted under words that say why.
    assert [(e.line, e.reason) for e in report.errors] == [
        (4, "no list of objects in field 'items' (the other records have one)")]
    assert report.to_json()["errors_by_reason"] == {"row: no list of objects in field": 1}
    assert any("1 record with an empty 'items' list (no product: a page view) skipped" in n for n in report.notes)


def test_shopifys_full_orders_export_takes_the_order_name_over_its_receipt_number(tmp_path: Path) -> None:
    """The export's full header ends with 'Receipt Number' (a till's; blank online). Taken
    by its name as the basket, it kept 'Name' from being the order, so each order's
    customer, on its first line only, was lost to its other lines (117 of 190 lines)."""
    text = ("Name,Email,Financial Status,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,"
            "Receipt Number\n"
            "#1001,ann@example.com,paid,2024-05-01 09:58:12 +0000,2,Crew Tee,9.99,TEE-BLK-S,\n"
            "#1001,,,2024-05-01 09:58:12 +0000,1,Cap,15.00,CAP-RED,\n"
            "#1002,bob@example.com,paid,2024-05-02 11:00:00 +0000,1,Cap,15.00,CAP-RED,R-77\n")
    report = IngestReport()
    frame = read_table(write(tmp_path, text, "orders_export.csv"), GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "session_id"]].values.tolist() == [
        ["ann@example.com", "TEE-BLK-S", "#1001"], ["ann@example.com", "CAP-RED", "#1001"],
        ["bob@example.com", "CAP-RED", "#1002"]] and not report.errors
    assert any("'Name' beside line-item columns (Shopify's orders export) is the order number: read as the basket "
               "(session_id), not 'Receipt Number'" in n for n in report.notes)

def test_lines_without_a_product_code_take_their_item_from_its_name(tmp_path: Path) -> None:
    """A shop's products without a SKU: Shopify leaves 'Lineitem sku' blank beside
    'Lineitem name', Clover leaves 'Item Code' blank on every line beside 'Item Name'.
    Those lines had been bad rows (the whole Clover file refused); they take the name,
    and the lines with a code keep it."""
    shopify = ("Name,Email,Created at,Lineitem quantity,Lineitem name,Lineitem sku\n"
               "#1,a@x.de,2024-06-03 08:17:41 -0400,1,Mocha Large,\n#1,,2024-06-03 08:17:41 -0400,1,Beans 1kg,BEAN-1\n"
               "#2,b@x.de,2024-06-04 09:00:00 -0400,2,Mocha Large,\n")
    report = IngestReport()
    frame = read_table(write(tmp_path, shopify, "orders_export.csv"), GENERIC_INTERACTIONS, report)
    assert frame["item_id"].tolist() == ["Mocha Large", "BEAN-1", "Mocha Large"] and not report.errors
    assert any("2 lines without 'Lineitem sku' (67%) take their item from 'Lineitem name' (e.g. 'Mocha Large')" in n
               for n in report.notes)
    clover = ("Line Item Date,Order ID,Item Name,Item Code,Quantity,Customer ID\n"
              "03-Jan-2024 08:10 AM EST,A1,Latte,,1,C1\n03-Jan-2024 08:12 AM EST,A2,Scone,,2,C2\n")
    frame = read_table(write(tmp_path, clover, "line_items.csv"), GENERIC_INTERACTIONS, IngestReport())
    assert frame["item_id"].tolist() == ["Latte", "Scone"]

def test_receipt_lines_take_their_item_from_the_barcode_then_the_description(tmp_path: Path) -> None:
    """Fetch's receipts: each line gives 'itemNumber' rarely, 'barcode' on some and a
    'description' on most of the rest. No one column names 90 % of the lines without an
    item number, so 97.8 % of them had been bad rows; the columns now fill in turn, a
    code before a name, and 'quantityPurchased' is the quantity."""
    def receipt(k: int, items: list[dict]) -> str:
        return json.dumps({"_id": {"$oid": f"r{k}"}, "userId": f"u{k % 3}",
                           "purchaseDate": {"$date": 1609632000000 + k * 86_400_000},
                           "rewardsReceiptItemList": items})
    lines = [receipt(0, [{"barcode": "4011", "description": "ITEM NOT FOUND", "quantityPurchased": 5},
                         {"itemNumber": "0284", "barcode": "0284", "description": "CHIPS", "quantityPurchased": 1}]),
             receipt(1, [{"description": "COMP BOOK", "quantityPurchased": 2}, {"barcode": "7001"}]),
             receipt(2, [{"description": "PLAY DOH", "quantityPurchased": 1}, {"quantityPurchased": 1}]),
             *(receipt(k, [{"barcode": f"90{k}", "description": "ITEM NOT FOUND"}]) for k in range(3, 9))]
    report = IngestReport()
    frame = read_table(write(tmp_path, "\n".join(lines) + "\n", "receipts.json"), GENERIC_INTERACTIONS, report)
    assert frame["item_id"].tolist() == ["4011", "0284", "COMP BOOK", "7001", "PLAY DOH",
                                         *(f"90{k}" for k in range(3, 9))]
    assert frame["quantity"].tolist()[:3] == [5.0, 1.0, 2.0]
    # (the line naming no product, in a receipt whose other lines name items, is no product's line)
    assert not report.errors and any("1 lines without 'itemNumber' in an order ('basket_id')" in n for n in report.notes)
    assert frame["session_id"].tolist()[:2] == ["r0", "r0"]  # (each receipt is a basket)
    assert any("10 lines without 'itemNumber' (92%) take their item from 'barcode' (8, e.g. '4011'), then "
               "'description' (2, e.g. 'COMP BOOK')" in n for n in report.notes)

def test_invoice_lines_without_a_code_do_not_take_the_description_as_a_product(tmp_path: Path) -> None:
    """Xero's invoices: a code on most lines, none on freight, labour and discount lines,
    whose 'Description' had become products ('Freight charge' the most sold one; session
    ag's review). A bare description names the product only where most lines lack a code."""
    rows = []
    for k in range(12):
        rows += [f"Ann {k % 3},INV-{k},2024-03-{1 + k:02d},P{k % 5},Widget {k % 5},1,9.99",
                 f"Ann {k % 3},INV-{k},2024-03-{1 + k:02d},Q{k % 4},Gadget {k % 4},2,4.99",
                 f"Ann {k % 3},INV-{k},2024-03-{1 + k:02d},,Freight charge,1,5.00"]
    path = write(tmp_path, "ContactName,InvoiceNumber,InvoiceDate,InventoryItemCode,Description,Quantity,UnitAmount\n"
                 + "\n".join(rows) + "\n", "xero_invoices.csv")
    frame = read_table(path, GENERIC_INTERACTIONS, IngestReport())
    assert "Freight charge" not in set(frame["item_id"])


def test_amplitudes_export_reads_its_own_visitor_id_as_the_shopper(tmp_path: Path) -> None:
    """Amplitude's export: user_id only once a visitor signs in, amplitude_id on every
    event. user_id made 69 % of one export's events anonymous one-visit shoppers."""
    lines = [json.dumps({"user_id": "ann@x.de" if k == 3 else None, "amplitude_id": 500 + k % 2,
                         "device_id": f"d{k % 2}", "event_type": "Product Viewed",
                         "event_time": f"2024-03-01 10:0{k}:00.000000",
                         "event_properties": {"product_id": f"P{k}"}}) for k in range(4)]
    report = IngestReport()
    frame = read_table(write(tmp_path, "\n".join(lines) + "\n", "export.json"), GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "event_type"]].values.tolist() == [
        ["500", "P0", "view"], ["501", "P1", "view"], ["500", "P2", "view"], ["501", "P3", "view"]]
    assert any("'amplitude_id' (every event's visitor id) read as user_id, not 'user_id'" in n for n in report.notes)

def test_a_line_key_or_a_mostly_blank_code_gives_way_to_the_product_column(tmp_path: Path) -> None:
    """Magento's sales_order_item: item_id is the line's key (every line another),
    product_id the product. Square: SKU is blank for products without one, Item never."""
    magento = "item_id,order_id,product_id,customer_id,created_at\n" + "".join(
        f"{k + 1},{1000 + k // 3},{3000 + k % 7},{k % 11},2023-03-{1 + k % 28:02d} 10:00:00\n" for k in range(60))
    report = IngestReport()
    frame = read_table(write(tmp_path, magento, "sales_order_item.csv"), GENERIC_INTERACTIONS, report)
    assert frame["item_id"].nunique() == 7
    assert any("'product_id' read as item_id: 'item_id' counts up line by line over all 60 lines" in n
               for n in report.notes)
    # the same export newest first: the key counts down (it kept 60 one-off items)
    lines = magento.splitlines()
    newest = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    report = IngestReport()
    frame = read_table(write(tmp_path, newest, "newest_first.csv"), GENERIC_INTERACTIONS, report)
    assert frame["item_id"].nunique() == 7
    assert any("'item_id' counts down line by line over all 60 lines" in n for n in report.notes)
    square = "Date,Time,Item,Qty,SKU,Customer ID,Transaction ID\n" + "".join(
        f"2023-03-{1 + k % 28:02d},10:00,Item {k % 9},1,{'' if k % 3 else f'S{k % 9}'},c{k % 5},t{k}\n"
        for k in range(60))
    report = IngestReport()
    frame = read_table(write(tmp_path, square, "items.csv"), GENERIC_INTERACTIONS, report)
    assert len(frame) == 60 and set(frame["item_id"]) == {f"Item {k}" for k in range(9)}
    assert any("'Item' read as item_id: 'SKU' is blank on 67% of the lines, 'Item' on 0%" in n for n in report.notes)


def test_a_till_export_names_the_customer_not_the_cashier(tmp_path: Path) -> None:
    """Lightspeed X-Series (Vend) writes the staff login as 'User' on every line and the
    customer as 'Customer Code': the usual name 'user' had made the cashier the only shopper."""
    text = "Date,Receipt Number,Customer Code,User,Sku\n" + "".join(
        f"2023-03-{1 + k % 28:02d} 10:00:00,{1000 + k},C{k % 6},staff,S{k % 4}\n" for k in range(12))
    frame = read_table(write(tmp_path, text, "vend.csv"), GENERIC_INTERACTIONS, IngestReport())
    assert frame["user_id"].nunique() == 6 and frame["session_id"].nunique() == 12


# -- public data sets in their native layouts (a third probe, 2026-12-05 (x)) ---------------


def test_a_roc_year_is_its_own_date_rather_than_a_date_in_2001(tmp_path: Path) -> None:
    """Ta-Feng's '108/03/01' (year 108 of the Republic of China) matched as '08/03/01';
    then it was a bad row; since session (aa) it is 1 March 2019."""
    stamps, report = read_stamps(tmp_path, ["2000-11-01 10:00", "108/03/01"], "tafeng.csv")
    assert [str(s) for s in stamps] == ["2000-11-01 10:00:00", "2019-03-01 00:00:00"] and not report.errors


def test_headerless_ids_are_columns_that_repeat_and_are_not_lists(tmp_path: Path) -> None:
    """MIND's behaviors.tsv: an impression id different on every line, then the user,
    the time and two lists of news ids. Neither the key nor a list is an id: refused,
    where it had trained with users as items. A game's name with spaces is an id."""
    rows = "".join(f"{k + 1}\tU{k % 7}\t3/1/2019 9:{k % 60:02d}:44 PM\tN1 N2 N{k % 5}\tN{k}-0 N{k + 1}-1\n"
                   for k in range(60))
    with pytest.raises(DataError, match=r"columns 4-5 hold lists of ids on most lines \(an impression log's history "
                                        r"and impressions, as MIND's behaviors.tsv\), so a line is many interactions"):
        read_table(write(tmp_path, rows, "behaviors.tsv"), GENERIC_INTERACTIONS, IngestReport())
    # A shuffled sample's impression ids are no row number (real4-af): still refused.
    shuffled = "".join(f"{(k * 7919) % 100003}\tU{k % 7}\t3/1/2019 9:{k % 60:02d}:44 PM\tN1 N2 N{k % 5}\tN{k}-0 N{k + 1}-1\n"
                       for k in range(60))
    with pytest.raises(DataError, match=r"hold lists of ids"):
        read_table(write(tmp_path, shuffled, "behaviors_sample.tsv"), GENERIC_INTERACTIONS, IngestReport())
    steam = "".join(f"{151603712 + k % 9},Game {k % 6}'s Edition,purchase,1.0,0\n" for k in range(60))
    frame = read_table(write(tmp_path, steam, "steam-200k.csv"), GENERIC_INTERACTIONS, IngestReport(),
                       may_lack=("timestamp",))
    assert frame["item_id"].iloc[0] == "Game 0's Edition"


def test_one_rated_line_per_user_is_refused_naming_the_line_numbers_and_the_rating(tmp_path: Path) -> None:
    """NCF's ml-1m.test.rating: user (0, 1, 2, ... one line each), movie, 1-5 rating, time.
    The user had been taken for a row number, the movie for the shopper and the rating for
    the item; the load stopped on '5 distinct item(s)'. MovieLens' u.data (users on many
    lines) still reads its third column as no id."""
    rows = "".join(f"{u}\t{(u * 37) % 900}\t{1 + u % 5}\t{978300000 + u * 61}\n" for u in range(80))
    with pytest.raises(DataError, match=r"column 1 numbers the lines \(0, 1, 2, \.\.\.\) and column 3 holds 5 "
                                        r"small values \(1, 2, 3, 4, 5: a rating, or a catalogue too small to rank, as a top-20 list needs 21 "
                                        r"items\), so no two columns are a "
                                        r"shopper and an item; if column 1 is the shopper, each has one line"):
        read_table(write(tmp_path, rows, "ml-1m.test.rating"), GENERIC_INTERACTIONS, IngestReport())
    udata = "".join(f"{1 + u % 9}\t{(u * 37) % 900}\t{1 + u % 5}\t{978300000 + u * 61}\n" for u in range(80))
    frame = read_table(write(tmp_path, udata, "u.data"), GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id"]].iloc[1].tolist() == ["2", "37"]
    # A till's index, then customers who come back and a menu of 8 items, reads as before
    # (session af's review).
    cafe = "".join(f"{k},{30 + k % 20},{1 + k % 8},{1700000000 + k * 600}\n" for k in range(80))
    frame = read_table(write(tmp_path, cafe, "cafe.csv"), GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id"]].iloc[1].tolist() == ["31", "2"]
    # APR's yelp.test.rating sees its businesses again (a fifth distinct) but its times
    # follow no order of the numbers, as a till's do: the business had become the shopper
    # and the stars the items (real20-ai). NCF's pinterest file has no rating or time.
    yelp = "".join(f"{u}\t{u % 16}\t{1 + u % 5}\t{1420473600 - (u * 37 % 80) * 86400}\n" for u in range(80))
    with pytest.raises(DataError, match=r"column 1 numbers the lines \(0, 1, 2, \.\.\.\) and column 3 holds 5 small"):
        read_table(write(tmp_path, yelp, "yelp.test.rating"), GENERIC_INTERACTIONS, IngestReport())
    pins = "".join(f"{u}\t{u * 13 % 97}\t1\t0\n" for u in range(80))
    with pytest.raises(DataError, match=r"no two columns that can be ids \(shopper, item\); column 1 numbers the lines "
                                        r"\(0, 1, 2, \.\.\.\): if it is the shopper, each has one line"):
        read_table(write(tmp_path, pins, "pinterest-20.test.rating"), GENERIC_INTERACTIONS, IngestReport(),
                   may_lack=("timestamp",))


def test_python_dict_lines_read_and_one_json_document_is_a_clear_error(tmp_path: Path) -> None:
    """McAuley's Steam and Epinions files are str(dict) a line; Spotify's playlist slices
    are one pretty-printed object: both gave 'header has nothing'."""
    lines = "".join(f"{{'user': 'u{k % 4}', 'item': 'i{k}', 'time': 16000000{k:02d}, 'text': \"it's fine\"}}\n"
                    for k in range(6))
    report = IngestReport()
    frame = read_table(write(tmp_path, lines, "epinions.json"), GENERIC_INTERACTIONS, report)
    assert len(frame) == 6 and frame["user_id"].iloc[0] == "u0"
    assert any("6 records in Python's dict syntax, read as the literals they are" in n for n in report.notes)
    # Since session (aa) its one list of records is read, each playlist's tracks a row: no
    # shopper and no time, which the error names with what the file has.
    doc = json.dumps({"info": {"slice": "0-999"}, "playlists": [{"pid": 1, "tracks": [{"track_uri": "t"}]}]}, indent=2)
    with pytest.raises(DataError, match=r"missing required column\(s\) user_id, item_id, timestamp \(header has pid, "
                                        r"track_uri\)"):
        read_table(write(tmp_path, doc, "mpd.slice.json"), GENERIC_INTERACTIONS, IngestReport())
    # Two lists: which one holds the records is not clear, and the error says so.
    doc = json.dumps({"playlists": [{"pid": 1}], "users": [{"uid": 2}]}, indent=2)
    with pytest.raises(DataError, match=r"one JSON object over \d+ lines \(keys playlists, users\), not one record a "
                                        r"line: give its list of records \(playlists, users\)"):
        read_table(write(tmp_path, doc, "two.json"), GENERIC_INTERACTIONS, IngestReport())
    # A DoorDash export writes its items' options on one line each inside the document:
    # those had been read as JSON lines, and the error named their columns (real39-am).
    doc = ('{\n  "merchant": {"merchant_id": "m1"},\n  "stores": [{"store_id": "s1"}],\n  "orders": [\n    {\n'
           '      "customer": {"first_name": "John"},\n      "order_items": [\n        {\n          "item_id": "i3",\n'
           '          "options": [\n            {"name": "Extra lettuce", "price": 0}\n          ]\n        }\n'
           '      ]\n    }\n  ]\n}\n')
    with pytest.raises(DataError, match=r"one JSON object over \d+ lines \(keys merchant, stores, orders\), not one "
                                        r"record a line: give its list of records \(stores, orders\)"):
        read_table(write(tmp_path, doc, "doordash_orders.json"), GENERIC_INTERACTIONS, IngestReport())


def test_json_objects_pretty_printed_one_after_another_are_records(tmp_path: Path) -> None:
    """``jq .`` of a JSON lines file writes each record over several lines, one after
    another, with no array around them (the Amazon 2018 reviews as a course repository
    keeps them): refused before, 'no line is a JSON object'. Their numbers are what
    errors name; text that is no JSON after the first records still stops the load."""
    records = [{"reviewerID": f"R{k % 3}", "asin": f"B{k:03d}", "unixReviewTime": 1441324800 + 86400 * k,
                "style": {"Size:": " Big"}} for k in range(5)]
    records[3]["unixReviewTime"] = "soon"
    report = IngestReport()
    path = write(tmp_path, "\n".join(json.dumps(r, indent=2) for r in records) + "\n", "reviews.json")
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["item_id"].tolist() == ["B000", "B001", "B002", "B004"]
    assert [str(e) for e in report.errors] == [f"{path}:4: timestamp: not a timestamp: 'soon'"]
    assert any("JSON objects one after another, each over several lines (as 'jq .' writes them) (5 objects" in n
               for n in report.notes)
    with pytest.raises(DataError, match="no line is a JSON object"):
        read_table(write(tmp_path, json.dumps(records[0], indent=2) + "\nnot json\n", "bad.json"),
                   GENERIC_INTERACTIONS, IngestReport())


def test_an_api_response_holding_its_orders_in_one_list_reads_its_line_items(tmp_path: Path) -> None:
    """Shopify's REST /orders.json as curl saves it: one object, its 'orders' list, each
    order's 'line_items'. Read as JSON lines it had split the line items' JSON text into
    made-up items ('id', 'price', '9.99'), the customer object the shopper's id."""
    orders = {"orders": [
        {"id": 450789469, "name": "#1001", "created_at": "2024-05-01T09:58:12-04:00",
         "customer": {"id": 207119551, "email": "ann@example.com"},
         "line_items": [{"sku": "TEE-BLK-S", "quantity": 2, "price": "9.99"}, {"sku": "CAP-RED", "quantity": 1,
                                                                              "price": "15.00"}]},
        {"id": 450789470, "name": "#1002", "created_at": "2024-05-02T11:00:00-04:00",
         "customer": {"id": 207119552, "email": "bob@example.com"},
         "line_items": [{"sku": "CAP-RED", "quantity": 1, "price": "15.00"}]}]}
    for text in (json.dumps(orders), json.dumps(orders, indent=2)):
        report = IngestReport()
        frame = read_table(write(tmp_path, text, "orders.json"), GENERIC_INTERACTIONS, report)
        assert frame[["user_id", "item_id", "quantity", "price"]].values.tolist() == [
            ["207119551", "TEE-BLK-S", 2.0, 9.99], ["207119551", "CAP-RED", 1.0, 15.0],
            ["207119552", "CAP-RED", 1.0, 15.0]] and not report.errors
        assert any("a JSON object holding its records in 'orders'" in n for n in report.notes)
        assert any("'customer.id' as user_id" in n for n in report.notes)


def test_space_separated_files_and_month_name_times_without_a_header(tmp_path: Path) -> None:
    """Epinions' '39 121 4'; Foursquare's check-ins end with 'Tue Apr 03 18:00:09 +0000 2012'."""
    report = IngestReport()
    frame = read_table(write(tmp_path, "".join(f"{k % 9} {100 + k % 13} 4\n" for k in range(40)), "ratings.txt"),
                       GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert len(frame) == 40 and any("space-separated" in n for n in report.notes)
    checkins = "".join(f"{470 + k % 5}\t49bbd6c0f964a520f4531f{k % 7:02d}\t4bf58dd8d48988d127951735\tArts\t40.7\t-74.0\t-240\t"
                       f"Tue Apr {3 + k // 20:02d} 18:00:{k % 60:02d} +0000 2012\n" for k in range(40))
    frame = read_table(write(tmp_path, checkins, "dataset_TSMC2014_NYC.txt"), GENERIC_INTERACTIONS, IngestReport())
    assert str(frame["timestamp"].iloc[0]) == "2012-04-03 18:00:00"


# -- what a review of these readings reproduced (2026-12-05 (x)) ----------------------------


def test_the_new_readings_leave_well_formed_files_as_they_were(tmp_path: Path) -> None:
    """Each of these read wrongly in a first cut of the rules above."""
    def read(text: str, name: str, **kw) -> tuple[pd.DataFrame, IngestReport]:
        report = IngestReport()
        return read_table(write(tmp_path, text, name), GENERIC_INTERACTIONS, report, **kw), report

    # Amazon's ratings without a header, sorted by item: a new shopper on nearly every line.
    amazon = "".join(f"A{k:012d}X,{132793040 + k // 20},5.0,{1365811200 + k}\n" for k in range(200))
    frame, _ = read(amazon, "ratings_Electronics.csv")
    assert frame["user_id"].iloc[0] == "A000000000000X" and frame["item_id"].nunique() == 10
    # An order number (or a barcode) that could pass for Unix time is not the clock.
    orders = "user_id,item_id,order_number\n" + "".join(f"u{k % 3},i{k},{1000100000 + k}\n" for k in range(9))
    frame, _ = read(orders, "orders.csv", may_lack=("timestamp",))
    assert "timestamp" not in frame.columns
    # A customer number before an e-mail; an event log's 'client' is the app, not a shopper.
    de = "Kundennummer;E-Mail;Artikelnummer;Datum\n1001;;A1;01.02.2023\n1002;b@x.de;A2;02.02.2023\n"
    assert read(de, "kasse.csv")[0]["user_id"].tolist() == ["1001", "1002"]
    app = "session_id,item_id,timestamp,client\ns1,i1,2023-01-01 10:00,ios\ns2,i2,2023-01-01 10:05,ios\n"
    assert read(app, "app.csv")[0]["user_id"].tolist() == ["s1", "s2"]  # each session its own shopper
    # One-off pieces: a unique item_id beside a garment type stays the item.
    shop = "user_id,item_id,timestamp,article\n" + "".join(
        f"u{k % 5},listing{k},2023-01-{1 + k % 28:02d} 10:00,{('jacket', 'boots')[k % 2]}\n" for k in range(60))
    assert read(shop, "listings.csv")[0]["item_id"].nunique() == 60
    # Three capital letters are no currency; half a kilo is no thousand.
    frame, report = read("user_id,item_id,timestamp,price\nu1,i1,2023-01-01,ABC123\nu1,i2,2023-01-01,2\n", "p.csv")
    assert frame["price"].tolist() == [2.0] and any("not a number: 'ABC123'" in str(e) for e in report.errors)
    eu = "user_id;item_id;timestamp;quantity;price\nu1;i1;2023-01-01;0.500;2,49\n"
    assert read(eu, "eu.csv")[0]["quantity"].tolist() == [0.5]
    # A one-column file with spaces in its values is not space-separated; a last line
    # without its newline still is.
    with pytest.raises(DataError, match="missing required column"):
        read("Product Name\nGreen Tea\nBlack Tea\n", "names.csv")
    assert len(read("user item ts\nu1 i1 1600000000", "ratings.txt")[0]) == 1
    # A repeated header that starts with Excel's byte order mark is a header too.
    part = "user_id,item_id\nu1,i1\n"
    frame, _ = read(part + "\ufeff" + part, "joined.csv", may_lack=("timestamp",))
    assert frame["item_id"].tolist() == ["i1", "i1"]


def test_a_python_dict_line_with_a_set_is_text_not_a_crash(tmp_path: Path) -> None:
    line = "{'user_id': 'u1', 'item_id': 'i1', 'timestamp': 1600000000, 'tags': {'a', 'b'}, 'm': {1: 'x', 'k': 2}}\n"
    frame = read_table(write(tmp_path, line * 3, "steam.json"), GENERIC_INTERACTIONS, IngestReport())
    assert len(frame) == 3


def test_iso_dates_with_a_twelve_hour_clock_read(tmp_path: Path) -> None:
    stamps, _ = read_stamps(tmp_path, ["2023-03-01 08:35 PM", "2023-03-01T01:05:09 p.m.", "2023-03-01 12:05AM",
                                       "2023-03-01 13:05 PM"], "us.csv")
    assert [str(s) for s in stamps] == ["2023-03-01 20:35:00", "2023-03-01 13:05:09", "2023-03-01 00:05:00"]


def test_netflix_prize_blocks_give_each_row_its_blocks_item(tmp_path: Path) -> None:
    """Netflix Prize writes a movie's ratings under a line ``ID:``: every row takes the
    block's id as its item, errors name the file's own lines, a BOM and CRLF are read."""
    text = ("1:\r\n1488844,3,2005-09-06\r\n822109,5,2005-05-13\r\n\r\n"
            "2:\r\n2059652,4,2005-13-01\r\n1488844,4,2005-09-07\r\n")
    path = tmp_path / "combined_data_1.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["item_id", "user_id", "_line"]].values.tolist() == [
        ["1", "1488844", 2], ["1", "822109", 3], ["2", "1488844", 7]]
    assert (f"{path}: 2 blocks of rows, each under a line 'ID:' (Netflix Prize's layout: the id is the item, "
            "a row's fields user_id, rating, timestamp); read as a table") in report.notes
    assert [e.line for e in report.errors] == [6] and "timestamp" in str(report.errors[0])


def test_netflix_blocks_with_no_rows_are_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "mv_0000001.txt"
    path.write_text("1:\n2:\n3:\n")
    with pytest.raises(DataError, match=r"mv_0000001.txt: .*'ID:' lines .*no row"):
        read_table(path, GENERIC_INTERACTIONS, IngestReport())


def test_a_name_with_unquoted_commas_takes_the_rest_of_its_line(tmp_path: Path) -> None:
    """Netflix's movie_titles.csv (no header, Latin-1) writes ``8,2004,Happy, Texas``:
    the file's usual width is its width, and the last column, the name, takes the rest."""
    titles = ["Dinosaur Planet", "Isle of Man TT 2004 Review", "Character", "Paula Abdul's Get Up & Dance",
              "The Rise and Fall of ECW", "Sick", "8 Man", "Happy, Texas", "Fighter Pilot", "Amélie",
              "20,000 Leagues Under the Sea", "Dr. Seuss's The 5,000 Fingers of Dr. T"]  # (a digit group: real2-ae)
    path = tmp_path / "movie_titles.csv"
    path.write_bytes("".join(f"{i},{2000 + i},{t}\n" for i, t in enumerate(titles, 1)).encode("latin-1"))
    report = IngestReport()
    frame = read_table(path, GENERIC_ITEMS, report)
    assert frame.loc[frame["item_id"] == "8", "name"].tolist() == ["Happy, Texas"]
    assert frame.loc[frame["item_id"] == "10", "name"].tolist() == ["Amélie"]
    assert frame.loc[frame["item_id"] == "11", "name"].tolist() == ["20,000 Leagues Under the Sea"]
    assert len(frame) == 12 and not report.errors
    assert any("3 rows with more fields than the header: the last column (the name) read as the rest" in n
               for n in report.notes)


def test_steam_play_lines_are_uses_not_second_purchases(tmp_path: Path) -> None:
    """steam-200k (no header) lists each game as ``purchase`` and again as ``play`` with
    the hours played: the column is the event, and a play is read as a view."""
    lines = [f'{151603712 + u},"Game {g}",purchase,1.0,0\n{151603712 + u},"Game {g}",play,{2.5 * g},0'
             for u in range(4) for g in range(u, u + 3)]
    path = write(tmp_path, "\n".join(lines) + "\n", "steam-200k.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame["event_type"].value_counts().to_dict() == {"purchase": 12, "view": 12}
    assert frame.loc[frame["event_type"] == "purchase", "item_id"].tolist()[:3] == ["Game 0", "Game 1", "Game 2"]


def test_one_basket_a_line_is_read_as_baskets_of_named_items(tmp_path: Path) -> None:
    """The arules ``groceries.csv`` (and Kaggle's Market Basket Optimisation, padded
    with empty fields) has no header, shopper or time: one basket a line, names only."""
    names = ["whole milk", "other vegetables", "rolls/buns", "soda", "yogurt", "citrus fruit", "margarine"]
    lines = [",".join(names[(i + j) % 7] for j in range(1 + i % 5)) + ("," * (i % 3)) for i in range(30)]
    path = write(tmp_path, "\n".join(lines) + "\n", "groceries.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp", "user_id"))
    assert frame[frame["_line"] == 3][["session_id", "item_id"]].values.tolist() == [
        ["line 3", "rolls/buns"], ["line 3", "soda"], ["line 3", "yogurt"]]
    assert len(frame) == sum(1 + i % 5 for i in range(30)) and not report.errors
    assert (f"{path}: one basket a line, each name on it an item, no header (the arules 'groceries.csv' layout): "
            "30 baskets of 7 items, each read with its line number as its id; read as a table") in report.notes


def test_a_text_table_with_a_header_is_not_taken_for_baskets(tmp_path: Path) -> None:
    """Names only, of varied counts a line, are baskets only when the first line names
    no column: under a header, a short or long line is a bad row of that table."""
    names = ["alice", "bob", "carol", "soda", "milk", "north", "south"]
    rows = ["user,item,store"] + [",".join(names[(i + j) % 7] for j in range(2 + i % 3)) for i in range(30)]
    report = IngestReport()
    frame = read_table(write(tmp_path, "\n".join(rows) + "\n", "sales.csv"), GENERIC_INTERACTIONS, report,
                       may_lack=("timestamp",))
    assert len(frame) == 10 and not any("basket a line" in n for n in report.notes)
    assert {e.reason for e in report.errors} == {"expected 3 fields, got 2 (truncated row?)", "expected 3 fields, got 4"}


@pytest.mark.parametrize("sep", [";", "|"])
def test_a_semicolon_or_pipe_table_with_decimal_commas_is_not_taken_for_baskets(tmp_path: Path, sep: str) -> None:
    """A fuzz of odd data sets (session (ac)): a ';' or '|' file whose quantities and prices
    write a decimal comma ('0,5', '5,04') split at the commas into 'baskets' of items such
    as '04;U00036-2024-04-11', header and all, and trained so with rc 0."""
    rng = np.random.default_rng(73)
    prices = {i: f"{rng.integers(1, 9)},{['00', '50', '99'][int(rng.integers(0, 3))]}" for i in range(40)}
    rows = [sep.join(["user_id", "item_id", "timestamp", "quantity", "price", "session_id"])]
    for k in range(300):
        u, i = k // 4 % 60, rng.integers(0, 40)  # (a shopper's visit of four lines)
        day = f"2024-03-{1 + k // 12:02d}"
        rows.append(sep.join([f"U{u:05d}", f"I{i:05d}", f"{day} {8 + k % 12:02d}:06:12",
                              ["1", "0,5", "1,25"][int(rng.integers(0, 3))], prices[i], f"U{u:05d}-{day}"]))
    report = IngestReport()
    frame = read_table(write(tmp_path, "\n".join(rows) + "\n", "sales.csv"), GENERIC_INTERACTIONS, report)
    assert len(frame) == 300 and set(frame["quantity"]) <= {1.0, 0.5, 1.25}
    assert not any("basket a line" in n for n in report.notes)


def test_a_trailing_separator_on_the_lines_or_the_header_alone_is_no_bad_row(tmp_path: Path) -> None:
    """A fuzz of odd data sets (session (ac)): a separator after each data line's last
    field but not the header's (or the header's alone) made every line a bad row,
    'expected 3 fields, got 4', and the file was refused."""
    rows = "".join(f"u{k % 3},i{k},2024-03-{1 + k:02d}," + "\n" for k in range(6))
    report = IngestReport()
    frame = read_table(write(tmp_path, "user_id,item_id,timestamp\n" + rows, "data.csv"), GENERIC_INTERACTIONS, report)
    assert len(frame) == 6 and not report.errors
    assert any("6 lines with a separator after their last field where the header has none" in n for n in report.notes)
    rows = "".join(f"u{k % 3},i{k},2024-03-{1 + k:02d}\n" for k in range(6))
    report = IngestReport()
    frame = read_table(write(tmp_path, "user_id,item_id,timestamp,\n" + rows, "head.csv"), GENERIC_INTERACTIONS, report)
    assert len(frame) == 6 and not report.errors
    rows = "u1,i1,2024-03-01,x\nu2,i2,2024-03-02\n"  # a filled fourth field is still a bad row
    report = IngestReport()
    frame = read_table(write(tmp_path, "user_id,item_id,timestamp\n" + rows, "bad.csv"), GENERIC_INTERACTIONS, report)
    assert len(frame) == 1 and [e.line for e in report.errors] == [2]


def test_euro_amounts_with_a_decimal_comma_read_in_a_comma_file(tmp_path: Path) -> None:
    """A French bakery's till writes ``"1,20 €"`` quoted in a comma-separated file:
    a comma before the last one or two digits of a euro amount is a decimal comma."""
    path = write(tmp_path, ",date,time,ticket_number,article,Quantity,unit_price\n"
                           '0,2021-01-02,08:38,150040.0,BAGUETTE,1.0,"0,90 €"\n'
                           '1,2021-01-02,08:38,150040.0,PAIN AU CHOCOLAT,3.0,"1,20 €"\n'
                           '2,2021-01-02,09:14,150041.0,TRADITIONAL BAGUETTE,1.0,"€ 1.234,50"\n', "bakery.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("user_id",))
    assert frame["price"].tolist() == [0.9, 1.2, 1234.5]
    assert frame["session_id"].nunique() == 2 and not report.errors


def test_an_optional_number_column_the_reader_cannot_read_is_left_out_not_every_line(tmp_path: Path) -> None:
    rows = "".join(f"u{i},i{i},2024-01-0{1 + i},{i}.5 Rs/kg\n" for i in range(4)) + "u9,i9,2024-01-09,2.5\n"
    path = write(tmp_path, "user_id,item_id,timestamp,price\n" + rows)
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert len(frame) == 5 and "price" not in frame and "price (not read)" in frame and not report.errors
    assert (f"{path}: column 'price' (price): 4 of 5 values are no number (e.g. '0.5 Rs/kg'): the column is "
            "not read") in report.notes


def test_time_zone_names_after_the_time_are_the_stores_local_time(tmp_path: Path) -> None:
    """Clover writes ``03-Jan-2024 08:10 AM EST``; 'Line Item Date' is found by its values."""
    path = write(tmp_path, "Line Item Date,Order ID,Item SKU,Customer ID\n03-Jan-2024 08:10 AM EST,A1,135,C1\n"
                           "14-Jul-2024 01:05 PM EDT,A2,136,C1\n\"Jan 5, 2024 8:10 AM PST\",A3,137,C2\n", "clover.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["timestamp"].astype(str).tolist() == ["2024-01-03 08:10:00", "2024-07-14 13:05:00",
                                                       "2024-01-05 08:10:00"]
    assert any("time-zone names (EDT, EST, PST) after the time dropped: read as the local time" in n
               for n in report.notes)


@pytest.mark.parametrize(("header", "read_as"), [
    ("review_time,review_profilename,beer_beerid", {"review_profilename": "user_id", "beer_beerid": "item_id",
                                                     "review_time": "timestamp"}),
    ("cliente;produto;data;quantidade;preço", {"cliente": "user_id", "produto": "item_id", "data": "timestamp",
                                                "quantidade": "quantity", "preço": "price"}),
    ("klient;produkt;data;ilość;cena", {"klient": "user_id", "produkt": "item_id", "ilość": "quantity",
                                         "cena": "price"}),
    ("Order ID,Order Date,Customer Name,Product SKU,Product Qty,Product Unit Price",
     {"Customer Name": "user_id", "Product SKU": "item_id", "Product Qty": "quantity",
      "Product Unit Price": "price"}),
    ("user_id,sku_id,time,ticket_number", {"sku_id": "item_id", "ticket_number": "session_id"}),
])
def test_more_export_header_words(tmp_path: Path, header: str, read_as: dict[str, str]) -> None:
    """BeerAdvocate, Portuguese and Polish tills, BigCommerce's order products, JData."""
    sep = ";" if ";" in header else ","
    values = {"user_id": "u1", "item_id": "i1", "timestamp": "2024-01-02", "quantity": "2", "price": "1",
              "session_id": "t1"}
    columns = header.split(sep)
    index = {raw: read_as.get(raw, "") for raw in columns}
    guess = {"time": "timestamp", "Order ID": "session_id", "Order Date": "timestamp", "user_id": "user_id",
             "data": "timestamp", "review_time": "timestamp"}
    row = sep.join(values.get(index[c] or guess.get(c, ""), "x") for c in columns)
    report = IngestReport()
    frame = read_table(write(tmp_path, header + "\n" + row + "\n", "export.csv"), GENERIC_INTERACTIONS, report)
    got = frame.attrs["source_names"]
    assert {raw: col for col, raw in got.items() if raw in read_as} == read_as
    assert len(frame) == 1 and not report.errors


def test_a_bare_file_whose_first_line_holds_a_date_is_data_not_a_header(tmp_path: Path) -> None:
    """Last.fm-1K's tab-separated plays have no header and no bare number."""
    lines = [f"user_00000{u}\t2009-05-0{1 + i}T23:08:57Z\t{'f1b1cf71' if i % 2 else 'a74b1b7f'}-bd35-4e1a\tDeep Dish\t\t"
             f"Track {i}" for u in range(3) for i in range(3)]
    path = write(tmp_path, "\n".join(lines) + "\n", "userid-timestamp-artid-artname-traid-traname.tsv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id"]].values.tolist()[:2] == [["user_000000", "a74b1b7f-bd35-4e1a"],
                                                                 ["user_000000", "f1b1cf71-bd35-4e1a"]]
    assert len(frame) == 9


def test_a_wide_table_is_refused_with_what_to_do_not_read_as_two_rating_columns(tmp_path: Path) -> None:
    """Jester (no header: a count, then 100 jokes' ratings, 99 for not rated) had two of
    its rating columns read as shopper and item; Santander's 24 product flags a row."""
    jester = write(tmp_path, "".join(f"{30 + u}," + ",".join("99" if (u + j) % 3 else f"{(u - j) / 7:.2f}"
                                                            for j in range(100)) + "\n" for u in range(30)), "jester.csv")
    with pytest.raises(DataError, match=r"jester.csv: no header line \(the first line is data: 30, 0.00, 99, 99, -0.43, "
                                        r"99, 99, -0.86, \.\.\. \(101 fields\)\), and it looks like a wide table "
                                        r"\(101 columns of numbers of 101: .*pandas' melt.*the item\); if its columns are "
                                        r"a survey's answers or a model's features .* holds no interactions$"):
        read_table(jester, GENERIC_INTERACTIONS, IngestReport())
    flags = [f"ind_{p}_fin_ult1" for p in range(24)]
    santander = write(tmp_path, "fecha_dato,ncodpers,segmento," + ",".join(flags) + "\n" + "".join(
        f"2015-0{1 + u % 5}-28,{1000 + u},02 - PARTICULARES," + ",".join(str((u + p) % 2) for p in range(24)) + "\n"
        for u in range(30)), "train_ver2.csv")
    with pytest.raises(DataError, match=r"missing required column\(s\) user_id, item_id \(header has fecha_dato, "
                                        r"ncodpers, .*\(27 columns\)\); it looks like a wide table \(24 columns of "
                                        r"0/1 flags of 27"):
        read_table(santander, GENERIC_INTERACTIONS, IngestReport())


def test_sampled_negatives_are_refused_as_such_not_offered_a_melt(tmp_path: Path) -> None:
    """NCF's ml-1m.test.negative: '(user,item)' then 99 movies the user did NOT rate. The
    wide table's advice (melt it) would have made every sampled negative a purchase."""
    body = "".join(f"({u},{u * 7})\t" + "\t".join(str((u * 31 + j * 17) % 3700) for j in range(99)) + "\n"
                   for u in range(30))
    path = write(tmp_path, body, "ml-1m.test.negative")
    with pytest.raises(DataError, match=r"ml-1m.test.negative: no header line \(the first line is data: \(0,0\), "
                                        r".*\(100 fields\)\), and it looks like sampled negatives \(first field "
                                        r"'\(0,0\)', a \(shopper,item\) pair, then 99 item ids: .*did NOT have\): no "
                                        r"interactions to train on; give the file of what shoppers did "
                                        r"\(NCF's train.rating\)$"):
        read_table(path, GENERIC_INTERACTIONS, IngestReport())


def test_a_basket_matrix_with_a_time_column_is_refused_saying_what_it_is(tmp_path: Path) -> None:
    """A bakery's orders, a column per product holding how many (or nothing), beside the
    order's time and id (real-ae): the wide-table rule passes over a file with a time, so
    the refusal had named only the missing item_id."""
    products = ["angbutter", "plain bread", "jam", "americano", "croissant", "caffe latte", "tiramisu croissant",
                "cacao deep", "pain au chocolat", "almond croissant", "milk tea", "wiener"]
    bakery = write(tmp_path, "datetime,day of week,total,place," + ",".join(products) + ",order_id\n" + "".join(
        f"2019-07-{11 + o % 9} 15:{o:02d},Thur,{15800 + 100 * o}.0,," + ",".join(
            f"{1 + o % 3}.0" if (o + p) % 5 == 0 else "" for p in range(len(products))) + f",ord{o}\n"
        for o in range(30)), "Bakery sales.csv")
    with pytest.raises(DataError, match=r"missing required column\(s\) item_id \(header has datetime, .*; it looks "
                                        r"like a basket matrix \(12 columns of counts, mostly blank or 0, of 17: one "
                                        r"row per order, one column per item\?\): .*melt, keeping the cells above 0 "
                                        r"as the quantity\)$"):
        read_table(bakery, GENERIC_INTERACTIONS, IngestReport())
    # An order file's 0/1 flags beside a discount and points are no basket matrix: melted,
    # 'gift' and 'express' would be items (session ae's review).
    flags = ["gift", "express", "coupon", "returned", "first_order", "app", "newsletter", "review_left"]
    orders = write(tmp_path, "order_id,customer_id,order_date,n_items," + ",".join(flags)
                   + ",discount_pct,loyalty_points_used\n" + "".join(
                       f"{o},{o % 29},2024-01-{1 + o % 28:02d},{1 + o % 6}," + ",".join(
                           "1" if (o + f) % 7 == 0 else "0" for f in range(len(flags)))
                       + f",{10 if o % 4 == 0 else 0},{50 if o % 5 == 0 else 0}\n" for o in range(40)), "orders.csv")
    with pytest.raises(DataError) as err:
        read_table(orders, GENERIC_INTERACTIONS, IngestReport())
    assert "basket matrix" not in str(err.value)


def test_dashed_dates_with_a_two_digit_year_read_month_first_when_the_middle_says_so(tmp_path: Path) -> None:
    """Amazon's India sales report writes ``04-30-22``: a middle number above 12 can only
    be a day. '19-10-01' (year first?) alone stays unread, as before."""
    path = write(tmp_path, "Order ID,Date,SKU,Qty,customer\n171-1,04-30-22,SET389,1,c1\n171-2,06-29-22,JNE37,1,c2\n"
                           "171-3,05-01-22,SET38,1,c3\n", "Amazon Sale Report.csv")
    frame = read_table(path, GENERIC_INTERACTIONS, IngestReport())
    assert frame["timestamp"].astype(str).tolist() == ["2022-04-30", "2022-06-29", "2022-05-01"]


def test_swiss_thousands_apostrophes_are_read_with_or_without_a_currency(tmp_path: Path) -> None:
    path = write(tmp_path, "user_id,item_id,timestamp,price\nu1,i1,31.12.2023,4'050.66\nu2,i2,30.12.2023,CHF 4’050.66\n"
                           "u3,i3,29.12.2023,1'234'567.5\nu4,i4,28.12.2023,12.5\n")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["price"].tolist() == [4050.66, 4050.66, 1234567.5, 12.5] and not report.errors


def test_an_sql_dump_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "-- MySQL dump 10.13  Distrib 8.0.32, for Linux (x86_64)\n--\n"
                           "INSERT INTO `orders` VALUES (1,'c1','p1','2023-01-01'),(2,'c2','p2','2023-01-02');\n",
                 "shop_orders.sql")
    with pytest.raises(DataError, match=r"shop_orders.sql: an SQL dump or script \(statements, not a table of rows\): "
                                        r"export the table as CSV"):
        read_table(path, GENERIC_INTERACTIONS, IngestReport())


@pytest.mark.parametrize(("header", "codec"), [("Müşteri No;Ürün Kodu;Tarih;Adet;Birim Fiyat", "cp1254"),
                                               ("Клиент;Товар;Дата;Количество;Цена", "cp1251")])
def test_turkish_and_russian_tills_read_in_their_code_page(tmp_path: Path, header: str, codec: str) -> None:
    rows = "".join(f"M{u};URN-{i};0{1 + i}.01.2023;{1 + u % 2};394,44\n" for u in range(4) for i in range(5))
    path = tmp_path / "satis.csv"
    path.write_bytes((header + "\n" + rows).encode(codec))
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert len(frame) == 20 and frame["quantity"].tolist()[:2] == [1.0, 1.0] and frame["price"].iloc[0] == 394.44
    assert frame.attrs["source_names"]["user_id"] == header.split(";")[0]


def test_a_tab_file_with_a_stray_quote_and_a_comma_is_not_probed_as_baskets(tmp_path: Path) -> None:
    """The one-basket-a-line probe parsed every file as comma-separated: a tab file's
    unmatched quote made one field of the rest of it (csv.Error: field larger than ...)."""
    rows = "".join(f"u{i}\ti{i}\t2024-01-0{1 + i % 9}\t{'Deluxe,' + chr(34) + 'Gift set' if i == 1 else 'x' * 300}\n"
                   for i in range(600))
    frame = read_table(write(tmp_path, "user_id\titem_id\ttimestamp\ttitle\n" + rows, "sales.tsv"),
                       GENERIC_INTERACTIONS, IngestReport())
    assert len(frame) == 600


def test_a_decimal_comma_before_the_name_stays_a_bad_row_not_part_of_the_name(tmp_path: Path) -> None:
    path = write(tmp_path, "item_id,price,name\ni1,2,51,Produkt 1\ni2,3.5,Produkt 2\ni3,1,Happy, Texas\n",
                 "items.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_ITEMS, report)
    assert frame[["item_id", "name"]].values.tolist() == [["i2", "Produkt 2"], ["i3", "Happy, Texas"]]
    assert [e.line for e in report.errors] == [2]


# -- shapes a probe of real exports found read wrongly (2026-12-05 (z)) -------------------


def test_month_names_in_other_languages_are_read(tmp_path: Path) -> None:
    """Mercado Libre's '3 de enero de 2024 08:42 hs.', a German '15. März 2023 um 14:05 Uhr',
    French, Portuguese, Dutch: before, a German file kept only its April, August,
    September and November lines, and the others were refused whole."""
    stamps, report = read_stamps(tmp_path, ["3 de enero de 2024 08:42 hs.", "15. März 2023 um 14:05 Uhr",
                                            "9 février 2024", "12 de março de 2024", "1 okt 2023", "nonsense 2024"],
                                 "months.csv")
    assert stamps == [pd.Timestamp("2024-01-03 08:42"), pd.Timestamp("2023-03-15 14:05"), pd.Timestamp("2024-02-09"),
                      pd.Timestamp("2024-03-12"), pd.Timestamp("2023-10-01")]
    assert [e.line for e in report.errors] == [7]


def test_a_date_column_found_by_its_values_in_more_forms(tmp_path: Path) -> None:
    """Japan's '2024/02/09 19:22:50' and eBay's 'Feb-09-24' under names the reader does not
    know: read as the time, not left for a made-up clock."""
    for value, want in (("2024/02/09 19:22:50", "2024-02-09 19:22:50"), ("Feb-09-24", "2024-02-09")):
        path = write(tmp_path, "user_id,item_id,Erfasst\n" + f"u1,i1,{value}\n" * 3, "found.csv")
        frame = read_table(path, GENERIC_INTERACTIONS, IngestReport())
        assert frame["timestamp"].tolist() == [pd.Timestamp(want)] * 3


@pytest.mark.parametrize(("header", "column"), [
    ("user_id,video_id,timestamp", "item_id"), ("cust_id,item_nbr,timestamp", "user_id"),
    ("Buyer Username,Item Number,Sale Date", "timestamp"), ("msno,song_id,timestamp", "user_id"),
    ("amazon-order-id,sku,purchase-date", "session_id"), ("Loyalty ID,Barcode,date", "item_id")])
def test_more_domains_and_marketplaces_name_their_columns_so(tmp_path: Path, header: str, column: str) -> None:
    path = write(tmp_path, header + "\nA1,B2,2024-02-09 10:00\n", "named.csv")
    frame = read_table(path, GENERIC_INTERACTIONS, IngestReport())
    assert column in frame and len(frame) == 1


@pytest.mark.parametrize(("header", "names"), [
    # Power BI / SSMS (AdventureWorks' FactInternetSales)
    ("CustomerKey,ProductKey,OrderDate,OrderQuantity,SalesOrderNumber",
     ("user_id", "item_id", "timestamp", "quantity", "session_id")),
    ("Users ID,Products SKU,Order Items Created Time", ("user_id", "item_id", "timestamp")),  # Looker
    ("N° client,Code article,Date", ("user_id", "item_id", "timestamp")),  # a French till
    ("Comprador,SKU,Fecha de venta", ("user_id", "item_id", "timestamp")),  # Mercado Libre
    ("Kund,Produkt,Datum,Kvittonummer", ("user_id", "item_id", "timestamp", "session_id")),  # Zettle, Swedish
    ("userId,venueId,utcTimestamp", ("user_id", "item_id", "timestamp")),  # Foursquare on Kaggle
    ("ContactName,InventoryItemCode,InvoiceDate,Quantity,UnitAmount",  # Xero's sales invoices
     ("user_id", "item_id", "timestamp", "quantity", "price")),
])
def test_warehouse_bi_and_more_tills_column_names_are_read(tmp_path: Path, header: str, names: tuple) -> None:
    """Names a probe of 159 exports found refused (2026-12-05 (aa)): each column read as
    the schema column it is."""
    example = {"user_id": "A1", "item_id": "B2", "timestamp": "2024-02-09 10:00", "quantity": "2", "session_id": "S1",
               "price": "1.5"}
    values = [example[n] for n in names]
    frame = read_table(write(tmp_path, header + "\n" + ",".join(values) + "\n", "named.csv"), GENERIC_INTERACTIONS,
                       IngestReport())
    assert list(frame.columns[:len(names)]) == list(names) and len(frame) == 1

def test_last_fm_1ks_profile_file_keys_its_users_by_hash_id(tmp_path: Path) -> None:
    """userid-profile.tsv's header opens '#id': it was refused, and the whole run with it."""
    from cloud_trainer.data.schema import GENERIC_USERS

    path = write(tmp_path, "#id\tgender\tage\tcountry\tregistered\nuser_000001\tm\t\tJapan\tAug 13, 2006\n",
                 "userid-profile.tsv")
    frame = read_table(path, GENERIC_USERS, IngestReport())
    assert frame["user_id"].tolist() == ["user_000001"] and frame["country"].tolist() == ["Japan"]

def test_a_voided_line_is_no_purchase(tmp_path: Path) -> None:
    """Toast's ItemSelectionDetails flags a voided line 'Void?' true."""
    from cloud_trainer.data import load_dataset

    path = write(tmp_path, "Order Id,Order Date,Menu Item,Qty,Void?\n1,1/2/24 11:17 AM,Burger,1,false\n"
                           "1,1/2/24 11:17 AM,Fries,1,true\n2,1/3/24 12:00 PM,Burger,1,false\n", "toast.csv")
    raw = load_dataset("csv", interactions=path)
    assert raw.interactions["item_id"].tolist() == ["Burger", "Burger"]
    assert raw.report.files[str(path)].rows_skipped == 1


def test_excel_text_formulas_and_french_amounts_in_a_comma_file(tmp_path: Path) -> None:
    """An export written for Excel keeps leading zeros as ="00030"; a French till quotes
    "1 234,50" (a space, or Excel's no-break one, between thousands). Read as 00030 and
    1234.5; a stray '1,5' among points stays a bad row (the test above)."""
    path = write(tmp_path, 'user_id,item_id,timestamp,price\n="00030",="4710000000019",2024-01-24 10:25,"1 234,50"\n'
                           '="00061",="47100",2024-01-25 10:00,"2,5"\nu3,i3,2024-01-26 10:00,"1\u00a0000,00"\n',
                 "excel.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["user_id"].tolist() == ["00030", "00061", "u3"]
    assert frame["item_id"].tolist() == ["4710000000019", "47100", "i3"]
    assert frame["price"].tolist() == [1234.5, 2.5, 1000.0] and not report.errors
    assert (f"{path}: column 'user_id': 2 values written as Excel's text formula (e.g. '=\"00030\"'): read as the "
            "text inside") in report.notes


def test_excel_text_formulas_in_a_time_column_are_read_as_the_time(tmp_path: Path) -> None:
    """The same export writes its dates as text formulas too (="2024-01-24 10:25", so Excel
    does not turn them into its own date format): read as the time inside, where each
    line had been a bad row. A title that starts with '="' is a name, and stays as written."""
    path = write(tmp_path, 'user_id,item_id,timestamp\n="00030",a,="2024-01-24 10:25"\n'
                           '="00061",b,="25/01/2024 10:00"\nu3,c,2024-01-26 10:00\n', "excel.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["timestamp"].astype(str).tolist() == ["2024-01-24 10:25:00", "2024-01-25 10:00:00",
                                                       "2024-01-26 10:00:00"] and not report.errors
    assert any("column 'timestamp': 2 values written as Excel's text formula" in n for n in report.notes)
    items = write(tmp_path, 'item_id,name\na,="Quoted" cheese\n', "items.csv")
    assert read_table(items, GENERIC_ITEMS, IngestReport())["name"].tolist() == ['="Quoted" cheese']

def test_us_and_indian_thousands_commas_without_a_currency_are_read(tmp_path: Path) -> None:
    """A US export quoting '1,043.00' with no dollar sign, India's lakhs '₹1,29,999.00':
    the price column had been left unread (most values 'no number')."""
    path = write(tmp_path, 'user_id,item_id,timestamp,price\nu1,i1,2024-01-01,"1,043.00"\nu2,i2,2024-01-02,"2,500.50"\n'
                           'u3,i3,2024-01-03,999.00\nu4,i4,2024-01-04,"₹1,29,999.00"\nu5,i5,2024-01-05,"12,345.5"\n',
                 "us.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["price"].tolist() == [1043.0, 2500.5, 999.0, 129999.0, 12345.5] and not report.errors

def test_european_amounts_in_a_tab_file_are_read_whole(tmp_path: Path) -> None:
    """Excel's tab-separated 'Unicode Text' from a German sheet: '8.727,57' beside '87,10'.
    Read as 8727.57 and 87.1, not the small ones read and the large ones bad rows."""
    path = write(tmp_path, "Kunde\tArtikel\tDatum\tPreis\nk1\ta1\t01.01.2023\t8.727,57\nk2\ta2\t02.01.2023\t87,10\n"
                           "k3\ta3\t03.01.2023\t1,5\n", "sheet.tsv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["price"].tolist() == [8727.57, 87.1, 1.5] and not report.errors


def test_analytics_and_warehouse_exports_name_their_fields_so(tmp_path: Path) -> None:
    """Klaviyo's 'Metric' of 'Viewed Product' / 'Added to Cart' / 'Ordered Product';
    Segment's 'Product Viewed' / 'Order Completed'; BigQuery's 'event_ts' beside
    'event_date' (the date alone lost the hour); Snowflake's '\\N' for no value."""
    path = write(tmp_path, "Metric,Timestamp,Email,ProductID\nViewed Product,2024-01-08 00:24:57+00:00,a@x,p1\n"
                           "Added to Cart,2024-01-08 00:25:57+00:00,a@x,p1\nOrdered Product,2024-01-08 00:26:57+00:00,"
                           "a@x,p1\n", "klaviyo.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame["event_type"].tolist() == ["view", "cart", "purchase"]
    path = write(tmp_path, "event,userId,product_id,timestamp\nProduct Viewed,u1,p1,2024-01-08T10:00:00Z\n"
                           "Order Completed,u1,p1,2024-01-08T10:05:00Z\n", "segment.csv")
    assert read_table(path, GENERIC_INTERACTIONS, IngestReport())["event_type"].tolist() == ["view", "purchase"]
    path = write(tmp_path, "event_date,event_ts,user_id,item_id,order_id\n2024-02-09,2024-02-09 19:22:50.123456 UTC,"
                           "u1,p1,\\N\n", "bq.csv")
    frame = read_table(path, GENERIC_INTERACTIONS, IngestReport())
    assert frame["timestamp"].tolist() == [pd.Timestamp("2024-02-09 19:22:50.123456")]
    assert frame["session_id"].tolist() == [""]


def test_a_long_line_of_numbered_tokens_is_read_in_linear_time() -> None:
    """Adobe's data feed: a regex over 'digit-holding tokens, then a word' backtracked
    exponentially (9.3 s for one line of eleven tokens). The same answers, token by token."""
    from cloud_trainer.data.headerless import _is_id_list

    assert _is_id_list("N1 N2-1 N33") and not _is_id_list("Game 6's Edition") and not _is_id_list("N1")
    assert not _is_id_list(" ".join(["2,100,101"] * 40) + " austin")  # returns at once


def test_a_parquet_list_of_structs_gives_a_row_per_element(tmp_path: Path) -> None:
    """GA4's BigQuery export as Parquet: 'items' is a list<struct>, read as the JSON
    lines copy is (it was refused: no item column)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"event_name": ["purchase", "view_item"], "user_pseudo_id": ["b1", "b2"],
                      "event_timestamp": [1704672000000000, 1704672060000000],
                      "items": [[{"item_id": "SKU-1", "quantity": 1}, {"item_id": "SKU-2", "quantity": 2}],
                                [{"item_id": "SKU-3", "quantity": 1}]]})
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)
    frame = read_table(path, GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id", "event_type"]].values.tolist() == [
        ["b1", "SKU-1", "purchase"], ["b1", "SKU-2", "purchase"], ["b2", "SKU-3", "view"]]


def test_a_missing_column_error_points_at_a_header_name_that_may_be_it(tmp_path: Path) -> None:
    """Chipotle's 'item_name' and a restaurant's 'description' were listed with the rest
    of the header, unpointed (real-ad); a count or an amount ('Total products') is no id."""
    path = write(tmp_path, "invoice,Order Date,description,Quantity,Total products,Member\n"
                           "1,2024-03-01,Naan,2,3,M1\n", "orders.csv")
    with pytest.raises(DataError) as err:
        read_table(path, GENERIC_INTERACTIONS, IngestReport())
    assert str(err.value) == (f"{path}: missing required column(s) item_id (header has invoice, Order Date, description, "
                              "Quantity, Total products, Member); 'description' may be item_id: if so, name it "
                              "item_id in the header")
    # A bike-share file's rider type (two values over thousands of trips) is no shopper id:
    # named user_id, the file would be two shoppers (real2-ae).
    trips = write(tmp_path, "ride_id,started_at,start_station_name,member_casual\n" + "".join(
        f"R{k},2020-01-{1 + k % 28:02d} 10:00,Station {k % 9},{'member' if k % 3 else 'casual'}\n"
        for k in range(60)), "Divvy_Trips_2020_Q1.csv")
    with pytest.raises(DataError) as err:
        read_table(trips, GENERIC_INTERACTIONS, IngestReport())
    assert "may be user_id" not in str(err.value)
    assert "missing required column(s) user_id, item_id" in str(err.value)
    def refusal(name: str, header: str, row, n: int = 60) -> str:
        """The load's error for a file of ``header`` and ``n`` rows ``row(k)``."""
        with pytest.raises(DataError) as err:
            read_table(write(tmp_path, header + "\n" + "".join(row(k) + "\n" for k in range(n)), name),
                       GENERIC_INTERACTIONS, IngestReport())
        return str(err.value)

    # An id's name before a title; a reviewer or a student may be the shopper, a module
    # the item, and a title listed a few to the head (a site scraped title by title) too.
    assert "'Clothing ID' or 'Title' may be item_id" in refusal(
        "reviews.csv", ",Clothing ID,Age,Title,Rating", lambda k: f"{k},{1000 + k % 9},{30 + k % 20},Nice {k},5")
    assert re.search(r"'id_student' may be user_id: .*; 'code_module' may be item_id", refusal(
        "studentRegistration.csv", "code_module,code_presentation,id_student,date_registration",
        lambda k: f"AAA,2013J,{11391 + k},-{k % 50}"))
    # A column blank on every line of the head is pointed at by no hint (Spotify's
    # 'audiobook_title' on a song's records), and a URI is an id.
    assert "; 'spotify_track_uri' or 'track_name' may be item_id: if so" in refusal(
        "history.csv", "ts,track_name,audiobook_title,spotify_track_uri",
        lambda k: f"2023-01-01T10:{k:02d}:00Z,Song {k % 7},,spotify:track:{k % 7}", 50)
    # A book's author is no shopper, a category or a bookmark no item (session af's second review).
    assert refusal("lib.csv", "Book Id,Title,Author,Bookmark,Product Category,Date Read",
                   lambda k: f"{k},Book {k},Writer {k % 5},{k % 60},Fiction,2023-01-{1 + k % 28:02d}").split("; a shopper")[
        0].endswith("missing required column(s) user_id (header has Book Id, Title, Author, Bookmark, Product Category, "
                    "Date Read)")
    shelf = write(tmp_path, "Reader,Title,Bookmark,Product Category\n" + "".join(
        f"r{k % 4},Book {k},{k % 60},Fiction\n" for k in range(60)), "lib2.csv")
    with pytest.raises(DataError, match=r"\); 'Title' may be item_id: if so, name it item_id in the header$"):
        read_table(shelf, GENERIC_INTERACTIONS, IngestReport(), may_lack=("timestamp",))
    # A yes/no answer, a 1-5 scale and a count of days are no items, a booking no book
    # (a telco's 'StreamingMovies', a survey's 'same_items_scale', a tyre shop's
    # 'booked_days_ahead', a hotel's 'booking_id'; real34-ak).
    for header, row in (("customerID,tenure,StreamingMovies", lambda k: f"C{k},{k % 70},{('Yes', 'No', 'No internet service')[k % 3]}"),
                        ("response_id,same_items_scale,city", lambda k: f"{k},{1 + k % 5},Pune"),
                        ("appointment_id,customer_id,appointment_date,booked_days_ahead",
                         lambda k: f"{k},C{k % 9},2024-01-{1 + k % 28:02d},{k % 30}"),
                        ("review_id,booking_id,guest_id,rating", lambda k: f"{k},B{k},G{k % 9},{1 + k % 5}")):
        assert "may be item_id" not in refusal("answers.csv", header, row), header


def test_a_json_object_of_each_shoppers_baskets_is_read_a_row_per_item(tmp_path: Path) -> None:
    """The next-basket benchmarks' merged files: {shopper: [[-1], [items], ..., [-1]]}.
    Read as JSON lines it had been one line of 13,858 fields, refused with 'put a header
    line first' (real2-ad). Each basket's place is its order_number; [-1] is padding."""
    doc = json.dumps({"1": [[-1], [55, 54], [5], [-1]], "2": [[-1], [10, 27, 40], [-1]]})
    report = IngestReport()
    frame = read_table(write(tmp_path, doc, "tafeng_merged.json"), GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame[["user_id", "item_id"]].values.tolist() == [["1", "55"], ["1", "54"], ["1", "5"], ["2", "10"],
                                                            ["2", "27"], ["2", "40"]]
    assert frame["order_number"].tolist() == ["1", "1", "2", "1", "1", "1"]
    assert any("a JSON object keyed by shopper, each a list of baskets (2 shoppers, 3 baskets" in n for n in report.notes)
    # A dict of lists of pairs has the shape but not the padding: not shoppers (it had
    # been read so: session ad's second review).
    pairs = json.dumps({"train": [[1, 5], [2, 7]], "test": [[1, 9], [3, 5]]})
    with pytest.raises(DataError, match=r"missing required column\(s\) user_id, item_id, timestamp \(header has train, test\)"):
        read_table(write(tmp_path, pairs, "split.json"), GENERIC_INTERACTIONS, IngestReport())
    # DNNTSP's split parts, each keyed by shopper (a shopper may be in two: its later
    # baskets follow): read together. They had been 9,000-column tables refused after 200 s.
    parts = json.dumps({"train": {"83663": [[197], [189, 197]], "142647": [[206, 189], [95]]},
                        "validate": {"5": [[1, 206, 95]]}, "test": {"83663": [[199]]}})
    report = IngestReport()
    frame = read_table(write(tmp_path, parts, "DC.json"), GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame.loc[frame["user_id"] == "83663", ["order_number", "item_id"]].values.tolist() == [
        ["1", "197"], ["2", "189"], ["2", "197"], ["3", "199"]]
    assert any("(3 shoppers, 6 baskets; the parts 'train', 'validate', 'test' together, in that order" in n for n in report.notes)
    # Without the padding: baskets of many sizes among 20 shoppers or more (a merged Ta-Feng
    # file as another repository saves it: refused before, 'put a header line first').
    bare = json.dumps({str(u): [[u, u + 1], [u + 2], [7, 8, 9, u]] for u in range(25)})
    frame = read_table(write(tmp_path, bare, "tafeng_merged.json"), GENERIC_INTERACTIONS, IngestReport(),
                       may_lack=("timestamp",))
    assert len(frame) == 25 * 7 and frame["order_number"].nunique() == 3
    # Parts whose lists are all pairs are no baskets.
    pairs = json.dumps({"train": {"i1": [[1700000000, 5], [1700000100, 4]]}, "test": {"i2": [[1700000200, 3]]}})
    with pytest.raises(DataError):
        read_table(write(tmp_path, pairs, "split2.json"), GENERIC_INTERACTIONS, IngestReport())


def test_compact_local_times_to_the_hour_or_minute_are_not_unix_time(tmp_path: Path) -> None:
    """'2024030108' and '202403010800' (yyyymmddHH, yyyymmddHHMM) had been read as Unix
    seconds and milliseconds, 2034 and 1976 (session ad's second review); Unix time
    stays Unix time."""
    got, report = read_stamps(tmp_path, ["2024030108", "2024030215"], "hours.csv")
    assert got == [pd.Timestamp("2024-03-01 08:00"), pd.Timestamp("2024-03-02 15:00")]
    assert any("times like '2024030108' read as yyyymmddHH" in n for n in report.notes)
    got, _ = read_stamps(tmp_path, ["202403010800", "202403021530"], "minutes.csv")
    assert got == [pd.Timestamp("2024-03-01 08:00"), pd.Timestamp("2024-03-02 15:30")]
    got, _ = read_stamps(tmp_path, ["1709251200", "1709337600000"], "unix.csv")
    assert got == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02")]


def test_an_item_column_empty_on_every_line_is_refused_naming_it_and_the_likely_one(tmp_path: Path) -> None:
    """A restaurant's order lines: 'bar_code' is 'NA' on every line and was read as the item
    by its usual name; the load stopped on 'line 2: item_id: empty', the dish column unnamed."""
    path = write(tmp_path, "detail_id,order_id,dish_no,dishes_name,counts,place_order_time,bar_code\n" + "".join(
        f"{700 + k},{130 + k // 3},{609900 + k % 7},Dish {k % 7},1,2016/8/3 14:{k:02d}:13,NA\n" for k in range(30)),
        "meal_order_detail.csv")
    with pytest.raises(DataError, match=r"meal_order_detail.csv: column 'bar_code', read as item_id by its usual "
                                        r"name, is empty on every line \(30\): no item to read; 'dish_no' or "
                                        r"'dishes_name' may be item_id: if so, name it item_id in the header$"):
        read_table(path, GENERIC_INTERACTIONS, IngestReport())
    # (the textbook's own 'dishes_id' is read, an item's usual name since round 47)
    path.write_text(path.read_text().replace("dish_no", "dishes_id"))
    assert read_table(path, GENERIC_INTERACTIONS, IngestReport())["item_id"].str.startswith("6099").all()


def test_a_sparse_matrix_of_rows_and_cols_reads_rows_as_shoppers(tmp_path: Path) -> None:
    """A recsys challenge's user-rating matrix written from scipy's COO ('row,col,data') had
    been refused without a hint."""
    path = write(tmp_path, "row,col,data\n" + "".join(f"{k // 4},{(k * 7) % 23},1.0\n" for k in range(40)),
                 "data_train.csv")
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report, may_lack=("timestamp",))
    assert frame[["user_id", "item_id"]].iloc[1].tolist() == ["0", "7"]
    assert (f"{path}: a sparse matrix's entries ('row,col,...', scipy's COO): each row read as a shopper "
            "(user_id), each col as an item (item_id)") in report.notes


def test_an_indonesian_erps_headers_and_a_product_number_are_read(tmp_path: Path) -> None:
    """Kimia Farma's sales (id_invoice;tanggal;id_customer;id_barang;jumlah_barang;harga) had
    been refused for 'id_customer', and its basket, units and prices left unread; Kaggle's
    'Sales Transaction v.4a' names its item 'ProductNo' (real3-af)."""
    path = write(tmp_path, "id_invoice;tanggal;id_customer;id_barang;jumlah_barang;unit;harga;mata_uang\n" + "".join(
        f"IN{5997 + k // 2};{1 + k % 28:02d}/01/2022;CUST{55380 + k % 7};BRG{k % 9:04d};{1 + k % 3};DUS;96000;IDR\n"
        for k in range(30)), "penjualan.csv")
    frame = read_table(path, GENERIC_INTERACTIONS, IngestReport())
    first = frame.iloc[0]
    assert (first["user_id"], first["item_id"], first["session_id"], first["quantity"], first["price"]) == (
        "CUST55380", "BRG0000", "IN5997", 1.0, 96000.0)
    v4a = write(tmp_path, "TransactionNo,Date,ProductNo,ProductName,Price,Quantity,CustomerNo,Country\n"
                "581482,12/9/2019,22485,Set Of 2 Wooden Market Crates,21.47,12,17490,United Kingdom\n", "v4a.csv")
    assert read_table(v4a, GENERIC_INTERACTIONS, IngestReport())["item_id"].tolist() == ["22485"]


def test_a_tab_file_whose_text_holds_commas_is_split_at_its_tabs(tmp_path: Path) -> None:
    """MIND's news.tsv: eight tab-separated fields, titles and JSON full of commas. It had been
    split at its commas (26 'columns') and the items file refused (real4-af)."""
    lines = "".join("item_id\tcategory\tname (title, as shown)\n" if k == 0 else
                    f"N{k}\tnews\tTitle {k}, with{', a comma' * (k % 3)}\n" for k in range(12))
    path = write(tmp_path, lines, "news.tsv")
    report = IngestReport()
    frame = read_table(path, GENERIC_ITEMS, report)
    assert frame["name"].tolist()[:2] == ["Title 1, with, a comma", "Title 2, with, a comma, a comma"]
    assert (f"{path}: tab-separated (the same number of tabs on every line, the commas in its text); read that way"
            in report.notes)


def test_amazons_votes_and_written_dates_are_no_impression_lists(tmp_path: Path) -> None:
    """Amazon's 2014 reviews without a header: helpful votes '[0, 0]' and a written date
    '02 28, 2014' are no lists of ids; the MIND rule had refused the file as an impression log."""
    rows = "".join(f'A{k % 7}X,B00{k % 9},Reviewer {k},"[{k % 3}, {k % 5}]","Fine {k}",5,good,'
                   f'{1393545600 + k * 86400},"02 {1 + k % 28:02d}, 2014"\n' for k in range(60))
    frame = read_table(write(tmp_path, rows, "Musical_instruments_reviews.csv"), GENERIC_INTERACTIONS, IngestReport())
    assert frame[["user_id", "item_id"]].iloc[1].tolist() == ["A1X", "B001"]

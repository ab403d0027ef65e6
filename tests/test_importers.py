"""Reading the buyer's own data: the data backup (XLSX) and an extension's order list (CSV)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import disputelib as dl
from disputelib.importers import ImportFileError, parse_price, read_fx
from disputelib.order_states import order_states

HEADER = [
    "order_id",
    "parent_orderid",
    "gmt_create_order_time",
    "order_status",
    "item_name",
    "unit_price",
    "payable_amt",
    "gmt_pay_order_time",
    "gmt_trade_end_time",
    "end_reason",
    "is_success_pay",
    "frozen_status",
]

# 16-digit ids above 2**53 (9007199254740992): a double cannot hold them
BIG = 9007199254740993
BIG_TEXT = "8888777766665555"
AUTO = "9123456789012347"


def write_backup(path: Path, rows: list[list], exact_numbers: dict[float, str] | None = None) -> Path:
    """An XLSX data backup; number cells holding a placeholder get exact digits written in.

    openpyxl writes numbers through a double (16 significant digits), as a spreadsheet
    would; the platform's exporter writes the id's digits. The placeholders are replaced
    in the sheet's XML so the file holds what such an exporter writes.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Order Information"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    if exact_numbers:
        with zipfile.ZipFile(path) as source:
            parts = {name: source.read(name) for name in source.namelist()}
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        for placeholder, digits in exact_numbers.items():
            assert f"<v>{placeholder}</v>" in xml
            xml = xml.replace(f"<v>{placeholder}</v>", f"<v>{digits}</v>")
        parts["xl/worksheets/sheet1.xml"] = xml.encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
            for name, data in parts.items():
                target.writestr(name, data)
    return path


def item(
    order_id,
    payable,
    status="FINISH",
    reason="buyer_accept_goods",
    paid="2026-02-27 18:17:56",
    ended="2026-03-20 10:00:00",
    name="part",
    created="2026-02-27 18:10:00",
):
    return [order_id, 1, created, status, name, payable, payable, paid, ended, reason, "Y", "N"]


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    rows = [
        item(0.25, 250, name="cable"),  # number cell: BIG, written exactly
        item(0.25, 199, name="plug"),
        item(0.25, 1, name="screw"),
        item(
            BIG_TEXT, "1000", status="FINISH", reason="cancel_order_close_trade", paid=None, ended="2026-02-28 09:00:00"
        ),
        item("1000000000000001", 500, status="PLACE_ORDER_SUCCESS", reason=None, paid=None, ended=None),
        item(AUTO, 700, reason="buyer_accept_goods_timeout", ended="2026-04-28 23:30:00"),
        item("1000000000000002", 300, status="WAIT_BUYER_ACCEPT_GOODS", reason=None, ended=None),
    ]
    return write_backup(tmp_path / "backup.xlsx", rows, {0.25: str(BIG)})


def test_backup_one_row_per_order_with_exact_ids_and_summed_cents(backup):
    result = dl.read_aliexpress_backup(backup)
    orders = result.orders.set_index("order_id")
    assert str(BIG) in orders.index  # not 9007199254740992: no float on the way
    assert BIG_TEXT in orders.index
    assert orders.loc[str(BIG), "amount_usd"] == pytest.approx(4.50)
    assert orders.loc[str(BIG), "items"] == 3
    assert orders.loc[str(BIG), "item_names"] == "cable | plug | screw"
    assert result.n_rows == 7 and result.n_orders == 5 and len(result.rejects) == 0


@pytest.mark.parametrize(
    ("order_id", "state", "received"),
    [
        (str(BIG), "received", "2026-03-20T10:00:00+00:00"),  # the buyer confirmed
        (AUTO, "completed", "2026-04-28T23:30:00+00:00"),  # completed by itself
        (BIG_TEXT, "cancelled", None),  # kept and marked, no receipt
        ("1000000000000001", "unpaid", None),
        ("1000000000000002", "awaiting_delivery", None),
    ],
)
def test_backup_states_and_receipts(backup, order_id, state, received):
    orders = dl.read_aliexpress_backup(backup).orders.set_index("order_id")
    assert orders.loc[order_id, "order_state"] == state
    got = orders.loc[order_id, "received_at"]
    assert pd.isna(got) if received is None else got == pd.Timestamp(received)


def test_backup_times_are_read_in_the_given_zone(backup):
    utc = dl.read_aliexpress_backup(backup).orders.set_index("order_id")
    seoul = dl.read_aliexpress_backup(backup, zone="Asia/Seoul").orders.set_index("order_id")
    assert utc.loc[str(BIG), "paid_at"] == pd.Timestamp("2026-02-27T18:17:56Z")
    assert seoul.loc[str(BIG), "paid_at"] == pd.Timestamp("2026-02-27T09:17:56Z")  # 18:17:56 +09:00


def test_a_number_cell_that_lost_digits_rejects_its_order(tmp_path):
    # a spreadsheet keeps 15 digits and writes the cell as a float: 8123456789012345 became this
    rows = [item(0.75, 100), item(0.75, 200), item("1000000000000003", 300)]
    result = dl.read_aliexpress_backup(write_backup(tmp_path / "b.xlsx", rows, {0.75: "8.12345678901234E+15"}))
    assert result.orders["order_id"].tolist() == ["1000000000000003"]
    assert result.rejects["row"].tolist() == [1, 2]
    assert all("more than 15 digits" in r and "lost" in r for r in result.rejects["reject_reason"])
    assert result.summary().startswith("read 2 orders (3 item rows): 1 written, 1 rejected")


def test_a_bad_item_rejects_every_item_of_its_order(tmp_path):
    rows = [item("1000000000000004", 100), item("1000000000000004", "ten"), item("1000000000000005", 300)]
    result = dl.read_aliexpress_backup(write_backup(tmp_path / "b.xlsx", rows))
    assert result.rejects["reject_reason"].tolist() == [
        "another item row of this order was rejected",
        "payable_amt is not a number of cents",
    ]
    assert result.orders["order_id"].tolist() == ["1000000000000005"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: openpyxl.Workbook().save(p), "has no sheet 'Order Information'"),
        (lambda p: p.write_text("not a workbook"), "cannot read .* as an XLSX workbook"),
    ],
)
def test_unreadable_backups_are_one_sentence(tmp_path, make, message):
    path = tmp_path / "b.xlsx"
    make(path)
    with pytest.raises(ImportFileError, match=message):
        dl.read_aliexpress_backup(path)


def test_backup_without_a_required_column(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Order Information"
    book.active.append(["order_id", "order_status"])
    book.save(tmp_path / "b.xlsx")
    with pytest.raises(ImportFileError, match="has no 'payable_amt', 'gmt_pay_order_time' columns"):
        dl.read_aliexpress_backup(tmp_path / "b.xlsx")


def test_unknown_zone(backup):
    with pytest.raises(ImportFileError, match="unknown time zone 'Mars/Base'"):
        dl.read_aliexpress_backup(backup, zone="Mars/Base")


# -- the extension's CSV -----------------------------------------------------------------

EXTENSION = """Order Date,Order ID,Title,Qty,Price,Store,Currency,Status,Tracking number
"Feb 21, 2026",3000000000000000001,Widget,2,US $120.95,Shop A,USD,Completed,LP1
"Feb 21, 2026",3000000000000000001,Gadget,1,US $1.10,Shop A,USD,Completed,LP1
"Mar 1, 2026",3000000000000000002,Lamp,3,"129,46zł",Shop B,PLN,Awaiting delivery,
"Mar 2, 2026",3000000000000000003,Gone,1,US $5.00,Shop C,USD,Cancelled,
"Mar 3, 2026",3000000000000000004,Later,1,US $7.00,Shop C,USD,Awaiting shipment,
"""


@pytest.fixture
def extension(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(EXTENSION, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("US $120.95", 120.95, "USD"),
        ("129,46zł", 129.46, "PLN"),
        ("1.234,56 €", 1234.56, "EUR"),
        ("US $1,234.50", 1234.50, "USD"),
        ("1,234", 1234.0, None),  # one mark and three digits: thousands
        ("12,5", 12.5, None),
        ("1 299,00 ₽", 1299.0, "RUB"),
        ("₩ 7,000", 7000.0, "KRW"),
    ],
)
def test_parse_price(text, value, currency):
    assert parse_price(text) == (pytest.approx(value), currency)


def test_extension_amounts_are_price_times_quantity_summed(extension):
    result = dl.read_aliexpress_extension(extension, fx={"PLN": 0.2})
    orders = result.orders.set_index("order_id")
    assert orders.loc["3000000000000000001", "amount_usd"] == pytest.approx(2 * 120.95 + 1.10)
    assert orders.loc["3000000000000000002", "amount_usd"] == pytest.approx(77.68)  # 3 x 129.46 PLN x 0.2
    assert orders.loc["3000000000000000002", "amount_local"] == pytest.approx(388.38)
    assert orders.loc["3000000000000000002", "currency"] == "PLN"
    assert orders.loc["3000000000000000001", "Store"] == "Shop A"  # passes through
    assert orders.loc["3000000000000000001", "Tracking number"] == "LP1"
    assert orders.loc["3000000000000000003", "order_state"] == "cancelled"  # kept, marked
    # the date in an unnamed zone: paid no earlier than the first instant of 02-21 anywhere
    assert orders.loc["3000000000000000001", "paid_at"] == pd.Timestamp("2026-02-21T00:00:00+14:00")
    assert orders.loc["3000000000000000001", "ordered_at"] == pd.Timestamp("2026-02-21")
    assert pd.isna(orders.loc["3000000000000000001", "received_at"])


def test_extension_local_currency_without_a_rate_is_rejected_naming_it(extension):
    result = dl.read_aliexpress_extension(extension)
    assert result.rejects["row"].tolist() == [3]
    assert result.rejects["reject_reason"].iloc[0].startswith("no exchange rate for PLN")
    assert "3000000000000000002" not in set(result.orders["order_id"])
    assert result.summary() == (
        "read 4 orders (5 item rows): 3 written, 1 rejected (cancelled 1, awaiting_shipment 1, completed 1)"
    )


def test_fx_file(tmp_path, extension):
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,usd_per_unit\npln,0.25\n", encoding="utf-8")
    assert read_fx(rates) == {"PLN": 0.25}
    assert len(dl.read_aliexpress_extension(extension, fx=rates).rejects) == 0
    rates.write_text("currency,usd_per_unit\nPLN,-1\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="usd_per_unit '-1' is not a positive number"):
        read_fx(rates)


@pytest.mark.parametrize(
    ("status", "reason", "state"),
    [
        ("FINISH", "buyer_accept_goods", "received"),
        ("finish", "BUYER_ACCEPT_GOODS_TIMEOUT", "completed"),
        ("FINISH", "buyer_pay_timeout", "unpaid"),
        ("FINISH", "seller_send_goods_timeout", "cancelled"),
        ("FINISH", "seller_accept_issue_no_goods_return", "refunded"),
        ("FINISH", None, "completed"),
        ("WAIT_SELLER_SEND_GOODS", None, "awaiting_shipment"),
        ("IN_ISSUE", None, "in_dispute"),
        ("Awaiting delivery", None, "awaiting_delivery"),
        ("Something new", None, "other"),
    ],
)
def test_order_states(status, reason, state):
    assert order_states(pd.Series([status]), pd.Series([reason], dtype=object)).tolist() == [state]


def test_read_orders_every_format(backup, extension, tmp_path):
    table = tmp_path / "table.csv"
    pd.DataFrame({"order_id": ["A"], "amount_usd": ["1"], "payment_method": ["Visa"]}).to_csv(table, index=False)
    assert dl.read_orders(table)["order_id"].tolist() == ["A"]
    assert len(dl.read_orders(backup, format="aliexpress-backup")) == 5
    assert len(dl.read_orders(extension, format="aliexpress-extension", fx={"PLN": 0.2})) == 4
    with pytest.raises(ImportFileError, match="unknown orders format 'xml'"):
        dl.read_orders(table, format="xml")


def test_imported_orders_go_straight_into_eligibility(backup):
    result = dl.eligibility(dl.read_aliexpress_backup(backup).orders, as_of="2026-04-01")
    assert len(result.rejects) == 0
    status = result.table.set_index("order_id")["status"]
    assert status[BIG_TEXT] == "cancelled" and status["1000000000000001"] == "cancelled"
    assert status[str(BIG)] == "open"  # received 03-20, paid 02-27: open 03-30 to 04-04
    assert not np.any(result.table["status"].isna())


def test_sheet_values_read_cells_as_openpyxl_does(tmp_path):
    import datetime as dt

    from disputelib.importers import sheet_values

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Order Information"
    sheet.append(["text", 12, 1.5, True, dt.datetime(2026, 2, 27, 18, 17, 56), None, "tail"])
    sheet.append([None, None, "ünïcødé & <tags>", -3, dt.date(2026, 3, 1), 1e20])
    sheet.append([])
    sheet.append(["only"])
    sheet["J5"] = "far"
    book.save(tmp_path / "cells.xlsx")
    read = openpyxl.load_workbook(tmp_path / "cells.xlsx", read_only=True, data_only=True)
    mine = [row for row in sheet_values(read, "Order Information") if row]
    theirs = [row for row in read["Order Information"].iter_rows(values_only=True) if any(v is not None for v in row)]
    assert [tuple(r + [None] * (len(t) - len(r))) for r, t in zip(mine, theirs, strict=True)] == theirs
    assert [type(v) for v in mine[0][:5]] == [str, int, float, bool, dt.datetime]


def write_shared_strings_backup(path: Path) -> Path:
    """A backup as spreadsheet programs write it: text in the shared-strings table, a dimension."""
    strings = [*HEADER, "FINISH", "buyer_accept_goods", "2026-02-27 18:17:56", "2026-03-20 10:00:00", "lamp"]
    index = {s: i for i, s in enumerate(strings)}

    def cell(ref: str, value) -> str:
        if isinstance(value, str) and value in index:
            return f'<c r="{ref}" t="s"><v>{index[value]}</v></c>'
        return f'<c r="{ref}"><v>{value}</v></c>'

    letters = "ABCDEFGHIJKL"
    rows = [HEADER, [BIG, 7, "2026-02-27 18:17:56", "FINISH", "lamp", 1999, 1999, "2026-02-27 18:17:56",
                     "2026-03-20 10:00:00", "buyer_accept_goods", 1, 0]]  # fmt: skip
    body = "".join(
        f'<row r="{r}">' + "".join(cell(f"{letters[c]}{r}", v) for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>",
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
        f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
        '<sheet name="Order Information" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{pkg}">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<?xml version="1.0"?><sst xmlns="{main}">'
        + "".join(f"<si><t>{s}</t></si>" for s in strings)
        + "</sst>",
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet xmlns="{main}"><dimension ref="A1:L2"/>'
        f"<sheetData>{body}</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def test_backup_with_shared_strings(tmp_path):
    result = dl.read_aliexpress_backup(write_shared_strings_backup(tmp_path / "excel.xlsx"))
    row = result.orders.iloc[0]
    assert row["order_id"] == str(BIG)
    assert row["amount_usd"] == pytest.approx(19.99)
    assert row["order_state"] == "received" and row["item_names"] == "lamp"
    assert row["received_at"] == pd.Timestamp("2026-03-20T10:00:00Z")


def test_extension_csv_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("\ufeff" + EXTENSION, encoding="utf-8")
    assert len(dl.read_aliexpress_extension(path, fx={"PLN": 0.2}).orders) == 4


def test_headers_match_in_any_letter_case(tmp_path):
    path = tmp_path / "shouting.csv"
    header, _, body = EXTENSION.partition("\n")
    path.write_text(header.upper().replace("ORDER ID", " order_id ") + "\n" + body, encoding="utf-8")
    orders = dl.read_aliexpress_extension(path, fx={"PLN": 0.2}).orders
    assert len(orders) == 4 and "STORE" not in orders.columns and "Store" in orders.columns
    book = openpyxl.Workbook()
    book.active.title = "Order Information"
    book.active.append([h.upper() for h in HEADER])
    book.active.append(item("1000000000000020", 250))
    book.save(tmp_path / "upper.xlsx")
    assert dl.read_aliexpress_backup(tmp_path / "upper.xlsx").orders["amount_usd"].tolist() == [2.5]

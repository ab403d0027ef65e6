"""Reading users' own exports: dialects, encodings, headers, column maps, hostile values."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import order_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import disputelib as dl
from disputelib.intake import ColumnsError, header_key, load_column_map
from disputelib.orders import OrderColumnsError

# ---- header matching -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "ours"),
    [("Order ID", "order_id"), ("ORDER_ID", "order_id"), (" order_id ", "order_id"), ("order-id", "order_id"),
     ("Amount USD", "amount_usd"), ("Payment  Method", "payment_method"), ("Buyer-TimeZone", "buyer_timezone")],
)  # fmt: skip
def test_headers_match_after_case_folding_and_underscores(header, ours):
    assert header_key(header) == ours
    frame = order_frame().rename(columns={ours: header})
    result = dl.validate_orders(frame)
    assert len(result.orders) == 1 and ours in result.orders.columns and header not in result.orders.columns


def test_pass_through_columns_keep_their_headers():
    frame = order_frame(**{"Store Name": "Shop", "Note-1": "x"})
    table = dl.eligibility(frame, "2026-03-20").table
    assert {"Store Name", "Note-1"} <= set(table.columns)


def test_two_headers_for_one_column_is_one_error_naming_both():
    frame = order_frame()
    frame["Order ID"] = ["X"]
    with pytest.raises(ColumnsError, match=r"two columns for order_id: 'order_id' and 'Order ID'"):
        dl.validate_orders(frame)


def test_missing_column_names_the_headers_found_and_the_closest():
    frame = pd.DataFrame({"Order No.": ["1"], "Order Amount": ["5"], "Payment": ["Visa"]})
    with pytest.raises(OrderColumnsError) as info:
        dl.validate_orders(frame)
    message = str(info.value)
    assert message.startswith("the orders have no 'order_id', 'amount_usd', 'payment_method' columns")
    assert "found 'Order No.', 'Order Amount', 'Payment'" in message
    assert "closest to order_id: 'Order No.'" in message and "closest to payment_method: 'Payment'" in message
    assert message.endswith("map them with --columns (columns= in Python)") and "\n" not in message


# ---- column maps -----------------------------------------------------------------------


def test_column_map_from_toml_renames_and_keeps_the_rest(tmp_path):
    (tmp_path / "map.toml").write_text(
        '[columns]\norder_id = "Order No."\namount_usd = "Order Amount"\npayment_method = "Pay by"\n', encoding="utf-8"
    )
    (tmp_path / "export.csv").write_text("Order No.,Order Amount,Pay by,Shop\nA1,5.50,Visa,One\n", encoding="utf-8")
    frame = dl.read_table(tmp_path / "export.csv", columns=tmp_path / "map.toml")
    assert frame.columns.tolist() == ["order_id", "amount_usd", "payment_method", "Shop"]
    assert dl.eligibility(frame, "2026-03-20").table["amount_usd"].tolist() == [5.5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[columns]\norder_number = "No."\n', "unknown column 'order_number' (did you mean 'order_id'?)"),
        ('[columns]\nfavourite_colour = "x"\n', "unknown column 'favourite_colour'"),
        ('order_id = "No."\n', "unknown key 'order_id': a column map has only a [columns] table"),
        ("[other]\n", "unknown key 'other'"),
        ("", "no [columns] table"),
        ("[columns]\norder_id = 3\n", "column 'order_id' must name a header as text"),
        ("[columns\n", "not valid TOML"),
    ],
)
def test_bad_column_maps_are_one_sentence_naming_the_key(tmp_path, text, message):
    path = tmp_path / "map.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ColumnsError, match=None) as info:
        load_column_map(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_column_map_in_cp1251_is_one_sentence(tmp_path):
    path = tmp_path / "map.toml"
    path.write_bytes('[columns]\norder_id = "Номер"\n'.encode("cp1251"))
    with pytest.raises(ColumnsError, match="not UTF-8 text"):
        load_column_map(path)


def test_mapped_header_absent_lists_the_headers_found():
    frame = order_frame()
    with pytest.raises(ColumnsError, match=r"names 'No\.' for amount_usd, .* \(found 'order_id', 'payment_method'\)"):
        dl.validate_orders(frame.drop(columns="amount_usd"), columns={"amount_usd": "No."})


# ---- dialects and encodings ------------------------------------------------------------

ROWS = [("A1", "1234.56", "Visa", "Лавка"), ("A2", "12.5", "Boleto", "가게")]


@pytest.mark.parametrize(
    ("sep", "amounts"),
    [(",", ["1234.56", "12.5"]), (";", ["1.234,56", "12,5"]), ("\t", ["1234,56", "12,5"]), ("|", ["1234.56", "12.5"])],
)
def test_delimiters_are_sniffed_and_decimal_commas_read(tmp_path, sep, amounts):
    lines = [sep.join(["order_id", "amount_usd", "payment_method", "store"])]
    lines += [sep.join([r[0], a, r[2], r[3]]) for r, a in zip(ROWS, amounts, strict=True)]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    orders = dl.validate_orders(dl.read_table(path)).orders
    assert orders["amount_usd"].tolist() == [1234.56, 12.5]
    assert orders["store"].tolist() == ["Лавка", "가게"]


def test_a_comma_file_never_reads_commas_as_decimals(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text('order_id,amount_usd,payment_method\nA1,"12,5",Visa\n', encoding="utf-8")
    result = dl.validate_orders(dl.read_table(path))
    assert len(result.orders) == 0 and "amount_usd is not a number" in result.rejects["reject_reason"].iloc[0]
    with pytest.raises(dl.TableError, match=r"\(--decimal , or decimal=\",\"\) needs another delimiter"):
        dl.read_table(path, decimal=",")


def test_semicolon_file_with_decimal_points_stays_right(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order_id;amount_usd;payment_method\nA1;12.50;Visa\nA2;1.5;Visa\n", encoding="utf-8")
    assert dl.validate_orders(dl.read_table(path)).orders["amount_usd"].tolist() == [12.5, 1.5]


def test_overrides_win_over_sniffing(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order_id|amount_usd;x|payment_method\nA1|3,5|Visa\n", encoding="utf-8")
    frame = dl.read_table(path, sep="|", decimal=",")
    assert frame.columns.tolist() == ["order_id", "amount_usd;x", "payment_method"]
    frame = frame.rename(columns={"amount_usd;x": "amount_usd"})
    assert dl.validate_orders(frame).orders["amount_usd"].tolist() == [3.5]


CSV_TEXT = "order_id,amount_usd,payment_method,store\nA1,10,Visa,Лавка\nA2,5,Kakao Pay,가게\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_utf8_and_utf16_need_no_option(tmp_path, encoding):
    data = CSV_TEXT.encode(encoding)
    if encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    elif encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "orders.csv"
    path.write_bytes(data)
    frame = dl.read_table(path)
    assert frame.columns.tolist()[0] == "order_id" and frame["store"].tolist() == ["Лавка", "가게"]


@pytest.mark.parametrize(
    ("text", "encoding", "guess"),
    [
        ("номер;сумма;оплата;магазин\n" + "".join(f"З{i};1{i},50;Visa;Магазин «Ёлка» на Тверской улице\n" for i in range(30)),
         "cp1251", "cp1251"),
        ("주문번호,금액,결제수단,상점\n" + "".join(f"K{i},1{i}.5,카카오페이,서울 강남구 테헤란로 상점\n" for i in range(30)),
         "euc-kr", ("euc_kr", "cp949")),
    ],
)  # fmt: skip
def test_other_encodings_are_one_sentence_naming_the_likely_one(tmp_path, text, encoding, guess):
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(dl.TableError) as info:
        dl.read_table(path)
    message = str(info.value)
    assert "it is not utf-8 text" in message and "--encoding" in message and "\n" not in message
    assert any(f"try --encoding {g}" in message for g in np.atleast_1d(guess))
    frame = dl.read_table(path, encoding=encoding)
    sep = ";" if encoding == "cp1251" else ","
    assert frame.shape == (30, 4) and frame.iloc[0].tolist() == text.splitlines()[1].split(sep)


# Small exports in the code pages real tools write: a few words are all there is to judge by.
SMALL_EXPORTS = [
    ("a store name", "order_id;amount_usd;store_name\nA1;12,50;Магазин Лучший\n", "cp1251"),
    ("one word", "order_id;store\nA1;Лавка\n", "cp1251"),
    ("a header", "номер заказа;сумма;способ оплаты\n1001;12,50;Visa\n1002;8,00;Мир\n", "cp1251"),
    ("capitals", "ЗАКАЗ;СУММА\nA1;12,50\n", "cp1251"),
    ("Ukrainian", "номер;магазин;місто\nA1;Їжак і Єнот;Київ\n", "cp1251"),
    ("KOI8-R", "номер заказа;сумма;Магазин\nA1;12,50;Лавка Ёлка\n", "koi8_r"),
    ("DOS Cyrillic", "номер заказа;сумма\nA1;12,50\n", "cp866"),
    ("Korean", "order_id,amount_usd,store_name\nA1,12.50,좋은 가게\n", "euc_kr"),
    ("Japanese", "注文番号,金額,店舗\nA1,12.50,東京のお店\n", "shift_jis"),
    ("Chinese", "订单号,金额,店铺\nA1,12.50,深圳电子商店\n", "gb18030"),
    ("Traditional Chinese", "訂單號,金額,店鋪\nA1,12.50,臺北電子商店\n", "big5"),
    ("Polish", "zamówienie;sklep\nA1;Sklep Łódź Świętokrzyska\n", "cp1250"),
    ("Portuguese", "pedido;loja;cidade\nA1;Loja São João;São Paulo\n", "cp1252"),
    ("Greek", "παραγγελία;κατάστημα\nA1;Αθήνα\n", "cp1253"),
    ("French", "N° de commande;Boutique\nA1;Crème brûlée\n", "cp1252"),  # not Thai: "Nฐ" mixes alphabets
    ("Polish, 40 rows", "Numer zamówienia;Kwota;Sklep\n"
     + "".join(f"{i};{i % 90},50;{['Sklep Łódź', 'Kraków Główny', 'Gdańsk Wrzeszcz', 'Poznań'][i % 4]}\n" for i in range(40)),
     "cp1250"),
    ("Hebrew, 300 rows", "מספר הזמנה;סכום;עיר\n"
     + "".join(f"{i};{i % 90},50;{['תל אביב', 'ירושלים', 'חיפה', 'באר שבע', 'אילת'][i % 5]}\n" for i in range(300)),
     "cp1255"),
    ("Polish methods, 10 rows", "zamówienie;metoda\n" + "".join(f"{i};Karta płatnicza\n" for i in range(10)), "cp1250"),
    ("one KOI8-R row", "order_id,payment_method\n1,Банковская карта\n", "koi8_r"),
    ("one Korean row", "order_id,payment_method\n1,카카오페이\n", "euc_kr"),
    ("one Chinese row", "order_id,payment_method\n1,支付宝\n", "gb18030"),
    ("a pangram, too messy to measure", "Numer;Sklep\n" + "".join(f"{i};Zażółć gęślą jaźń\n" for i in range(40)), "cp1250"),
]


@pytest.mark.parametrize(("case", "text", "encoding"), SMALL_EXPORTS, ids=[c[0] for c in SMALL_EXPORTS])
def test_a_small_export_gets_an_encoding_that_reads_it(tmp_path, case, text, encoding):
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(dl.TableError, match="it is not utf-8 text; it looks like ") as info:
        dl.read_table(path)
    guess = re.search(r"try --encoding (\S+) ", str(info.value)).group(1)
    assert path.read_bytes().decode(guess) == text, f"{case}: --encoding {guess} would misread it"
    header, row = text.splitlines()[:2]
    sep = ";" if ";" in header else ","
    frame = dl.read_table(path, encoding=guess)
    assert frame.columns.tolist() == header.split(sep) and frame.iloc[0].tolist() == row.split(sep)


def test_a_utf8_file_read_with_another_encoding_is_named_utf8(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order_id;store\nA1;Магазин Ёлка\n", encoding="utf-8")  # 0x9D, not a cp1252 byte, is in "Н"
    with pytest.raises(dl.TableError, match="it is not cp1252 text; it looks like utf-8: try --encoding utf-8 "):
        dl.read_table(path, encoding="cp1252")


def test_a_character_cut_by_the_sniffed_head_does_not_hide_the_encoding(tmp_path):
    rows = "".join(f"K{i},{i}.5,신용카드,경기도 성남시 분당구 판교역로 {i}\n" for i in range(3000))
    for pad in range(2):  # shift the rows until the first 64 KiB end inside a two-byte character
        data = (f"order_id,amount_usd,payment_method,address{'_' * pad}\n" + rows).encode("euc_kr")
        try:
            data[: 64 * 1024].decode("euc_kr")
        except UnicodeDecodeError:
            break
    else:
        pytest.fail("no padding cuts a character at 64 KiB")
    path = tmp_path / "orders.csv"
    path.write_bytes(data)
    with pytest.raises(dl.TableError, match="it looks like cp949: try --encoding cp949 "):
        dl.read_table(path)


def test_unknown_encoding_name_is_one_sentence(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    with pytest.raises(dl.TableError, match="unknown encoding 'klingon'"):
        dl.read_table(path, encoding="klingon")


def test_csv_gz_and_xlsx_are_read(tmp_path):
    gz = tmp_path / "orders.csv.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as f:
        f.write("order_id;amount_usd;payment_method\nG1;7,25;Visa\n")
    assert dl.validate_orders(dl.read_table(gz)).orders["amount_usd"].tolist() == [7.25]

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Order ID", "Amount USD", "Payment Method", "Shipped At", "Note"])
    sheet.append(["X1", 12.5, "Visa", dt.datetime(2026, 3, 3), "первый"])
    sheet.append([1234, 7, "PayPal", None, None])
    book.save(tmp_path / "orders.xlsx")
    result = dl.eligibility(dl.read_table(tmp_path / "orders.xlsx"), "2026-03-20")
    table = result.table
    assert table["order_id"].tolist() == ["X1", "1234"] and table["amount_usd"].tolist() == [12.5, 7.0]
    assert table["window_opens"].astype(str).tolist()[0] == "2026-03-13" and table["Note"].tolist()[0] == "первый"


def test_a_row_with_too_many_fields_is_rejected_with_its_number(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order_id,amount_usd,payment_method,note\nR1,5,Visa,a\nR2,5,Visa,b,c\nR3,5,Visa,d\n", encoding="utf-8")
    result = dl.validate_orders(dl.read_table(path))
    assert result.orders["order_id"].tolist() == ["R1", "R3"]
    reject = result.rejects.iloc[0]
    assert reject["row"] == 2 and reject["order_id"] == "R2"
    assert reject["reject_reason"].startswith("unreadable row: the row has 5 fields, the header 4")


@pytest.mark.parametrize(
    ("body", "long_rows"),
    [
        ("R1,5,Visa,a,x\nR2,5,Visa,b,y\n", [1, 2]),  # every data row: no good row to compare with
        ("R1,5,Visa,a,x\nR2,5,Visa,b\n", [1]),  # the first row only
        ("R1,5,Visa,a,x,y\nR2,5,Visa,b,z\n", [1, 2]),  # by different counts
        ("R1,5,Visa,a,\nR2,5,Visa,b,\n", [1, 2]),  # a delimiter at the end of every row
    ],
)
def test_rows_too_long_from_the_first_one_are_rejects_with_their_number(tmp_path, body, long_rows):
    path = tmp_path / "orders.csv"
    path.write_text("order_id,amount_usd,payment_method,note\n" + body, encoding="utf-8")
    frame = dl.read_table(path)
    assert frame["order_id"].tolist() == ["R1", "R2"] and frame["amount_usd"].tolist() == ["5", "5"]
    result = dl.validate_orders(frame)
    assert result.rejects["row"].tolist() == long_rows
    assert result.rejects["order_id"].tolist() == [f"R{i}" for i in long_rows]
    for reason, i in zip(result.rejects["reject_reason"], long_rows, strict=True):
        fields = len(body.splitlines()[i - 1].split(","))
        assert reason.startswith(f"unreadable row: the row has {fields} fields, the header 4")
    assert result.orders["order_id"].tolist() == [f"R{i}" for i in (1, 2) if i not in long_rows]


def test_quoted_delimiters_and_newlines_stay_in_their_field(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text('order_id;amount_usd;payment_method;note\nQ1;5;Visa;"a;b\nc ""d"""\n', encoding="utf-8")
    frame = dl.read_table(path)
    assert frame["note"].tolist() == ['a;b\nc "d"'] and frame.attrs["disputelib.bad_rows"] == {}


# ---- payment methods ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "method"),
    [("Boleto", "boleto"), ("Boleto Bancário", "boleto"), ("PIX", "pix"), ("OXXO", "oxxo"), ("Kakao Pay", "kakao_pay"),
     ("NaverPay", "naver_pay"), ("Toss", "toss"), ("YooMoney", "yoomoney"), ("QIWI", "qiwi"), ("SBP", "sbp"),
     ("iDEAL", "ideal"), ("BLIK", "blik"), ("Przelewy24", "przelewy24"), ("Klarna", "klarna"),
     ("Apple Pay", "apple_pay"), ("Mercado Pago", "mercado_pago"), ("UnionPay", "card"), ("Diners Club", "card")],
)  # fmt: skip
def test_more_payment_methods_are_known(spelling, method):
    result = dl.validate_orders(order_frame(payment_method=spelling))
    assert result.orders["payment_method"].tolist() == [method] and result.unknown_methods == {}


def test_unknown_payment_methods_are_kept_and_counted():
    frame = order_frame(order_id=["A", "B", "C", "D"], payment_method=["Bitcoin", "Visa", "Bitcoin", " Gold  bars "])
    result = dl.eligibility(frame, "2026-03-20")
    assert result.table["payment_method"].tolist() == ["Bitcoin", "card", "Bitcoin", "Gold bars"]
    assert len(result.rejects) == 0
    assert "payment methods the pack does not know: Bitcoin 2, Gold bars 1" in result.summary()
    assert dl.refund_channel(result.table["payment_method"]).tolist() == ["unknown", "original", "unknown", "unknown"]


# ---- no silent wrong answer -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2602-03-01", "shipped_at is outside"),
        ("2602-03-01T10:00:00Z", "shipped_at is outside"),
        ("2602/03/01", "shipped_at is outside"),
        ("1677-01-01", "shipped_at is outside"),
        ("1600-01-01T00:00Z", "shipped_at is outside"),
        ("today", "unreadable shipped_at"),
        ("Now", "unreadable shipped_at"),
        ("yesterday", "unreadable shipped_at"),
        ("tomorrow", "unreadable shipped_at"),
    ],
)
def test_dates_far_away_or_relative_to_today_are_rejected(value, reason):
    result = dl.validate_orders(order_frame(shipped_at=value))
    assert len(result.orders) == 0 and reason in result.rejects["reject_reason"].iloc[0]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("tz", [None, "UTC", "Asia/Seoul"])
def test_parquet_timestamps_of_any_unit_never_wrap(tmp_path, unit, tz):
    ok = dt.datetime(2026, 3, 3, 12)
    values = [ok, dt.datetime(2602, 1, 1), dt.datetime(2199, 12, 31, 1)]
    if unit == "ns":
        values[1] = dt.datetime(2261, 1, 1)  # the latest a nanosecond timestamp holds
    table = pa.table({
        "order_id": ["P1", "P2", "P3"], "amount_usd": [5.0, 5.0, 5.0], "payment_method": ["Visa"] * 3,
        "shipped_at": pa.array(values, pa.timestamp(unit, tz=tz)),
    })  # fmt: skip
    pq.write_table(table, tmp_path / "o.parquet")
    result = dl.validate_orders(dl.read_table(tmp_path / "o.parquet"))
    assert result.orders["order_id"].tolist() == ["P1", "P3"]
    assert result.orders["shipped_date"].dt.year.tolist() == [2026, 2199]
    assert result.rejects["reject_reason"].tolist() == ["shipped_at is outside 1970-01-01 to 2199-12-31"]


def test_parquet_dates_outside_the_range_are_rejected(tmp_path):
    days = [dt.date(2026, 3, 3), dt.date(1600, 1, 1), dt.date(2602, 1, 1), dt.date(1677, 1, 1)]
    table = pa.table({
        "order_id": ["D1", "D2", "D3", "D4"], "amount_usd": [5.0] * 4, "payment_method": ["Visa"] * 4,
        "shipped_at": pa.array(days, pa.date32()),
    })  # fmt: skip
    pq.write_table(table, tmp_path / "o.parquet")
    result = dl.validate_orders(dl.read_table(tmp_path / "o.parquet"))
    assert result.orders["order_id"].tolist() == ["D1"] and result.rejects["row"].tolist() == [2, 3, 4]


@pytest.mark.parametrize(
    ("amount", "reason"),
    [("0.001", "amount_usd is below 0.01"), ("1e10", "amount_usd is above 1000000000"), ("inf", "not a number"),
     ("1e400", "not a number"), ("-0.5", "must be positive")],
)  # fmt: skip
def test_amounts_are_a_cent_to_a_billion(amount, reason):
    result = dl.validate_orders(order_frame(amount_usd=amount))
    assert reason in result.rejects["reject_reason"].iloc[0]


def test_amounts_at_the_limits_are_accepted():
    result = dl.validate_orders(order_frame(amount_usd=["0.01", "1000000000"]))
    assert result.orders["amount_usd"].tolist() == [0.01, 1e9]


@pytest.mark.parametrize("zone", ["US", "Asia", "x" * 300, "../../etc/passwd", "/etc/passwd", "Europe/", "."])
def test_time_zones_that_are_not_iana_names_are_a_reason(zone):
    result = dl.validate_orders(order_frame(buyer_timezone=zone))
    assert result.rejects["reject_reason"].iloc[0] == f"unknown buyer_timezone {zone}"


def test_bytes_that_are_not_utf8_in_parquet_are_a_reason(tmp_path):
    raw = pa.array([b"ok", b"P\xff\xfe", b"fine"], pa.binary())
    ids = pa.Array.from_buffers(pa.string(), 3, raw.buffers())  # a string column holding invalid bytes
    table = pa.table({"order_id": ids, "amount_usd": [5.0] * 3, "payment_method": ["Visa"] * 3, "note": ids})
    pq.write_table(table, tmp_path / "o.parquet")
    result = dl.validate_orders(dl.read_table(tmp_path / "o.parquet"))
    assert result.orders["order_id"].tolist() == ["ok", "fine"]
    # the pass-through column's bytes would otherwise reach the output changed (as U+FFFD), unseen
    assert result.rejects["reject_reason"].tolist() == ["order_id is not valid UTF-8 text; note is not valid UTF-8 text"]


# ---- every CSV written reads back as the rows written ---------------------------------------

hostile = st.text(
    alphabet=st.sampled_from(list("ab ,;|\t\r\n\"'=+-@Лк가") + ["\u2028", "\x00"]), max_size=12
).filter(lambda s: "\x00" not in s)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(hostile, hostile), min_size=1, max_size=6))
def test_csv_round_trip_of_hostile_strings(tmp_path, rows):
    frame = pd.DataFrame(rows, columns=["order_id", "note"], dtype=object)
    path = tmp_path / "out.csv"
    dl.write_table(frame, path)
    back = dl.read_table(path)
    assert back.astype(object).values.tolist() == frame.values.tolist()
    stream = io.StringIO()
    dl.write_table(frame, None, stream=stream)
    again = pd.read_csv(io.StringIO(stream.getvalue()), dtype=str, keep_default_na=False)
    assert again.astype(object).values.tolist() == frame.values.tolist()


def test_excel_output_has_a_bom_and_neutralised_formulas(tmp_path):
    frame = pd.DataFrame({"order_id": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "A-1", "Лавка"],
                          "amount_usd": [-1.5, 2, 3, 4, 5, 6, 7, 8]})  # fmt: skip
    path = tmp_path / "out.csv"
    dl.write_table(frame, path, excel=True)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert back["order_id"].tolist() == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "A-1", "Лавка"]
    assert back["amount_usd"].tolist()[0] == "-1.5"  # numbers are not formulas
    raw = tmp_path / "raw.csv"
    dl.write_table(frame, raw)
    assert not raw.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(raw, dtype=str, keep_default_na=False)["order_id"].tolist() == frame["order_id"].tolist()


def test_bytes_that_are_not_utf8_in_a_parquet_log_are_an_unreadable_row(tmp_path):
    raw = pa.array([b"opened", b"seller_\xffproposed"], pa.binary())
    table = pa.table({
        "Dispute ID": ["D1", "D1"], "event": pa.Array.from_buffers(pa.string(), 2, raw.buffers()),
        "at": ["2026-03-01T10:00:00-08:00", "2026-03-02T10:00:00-08:00"],
    })  # fmt: skip
    pq.write_table(table, tmp_path / "log.parquet")
    findings = dl.check_log(dl.read_table(tmp_path / "log.parquet")).findings
    assert findings["rule"].tolist() == ["unreadable_row"]
    assert findings["message"].tolist() == ["row 2: 'event' is not valid UTF-8 text"]


def test_a_spreadsheet_sep_line_and_space_thousands(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes("sep=;\r\norder_id;amount_usd;payment_method\r\nS1;1 234,50;Visa\r\nS2;1\u00a0000;Visa\r\n".encode())
    orders = dl.validate_orders(dl.read_table(path)).orders
    assert orders["order_id"].tolist() == ["S1", "S2"] and orders["amount_usd"].tolist() == [1234.5, 1000.0]


def test_bytes_that_are_not_utf8_in_a_dictionary_column_are_a_reason(tmp_path):
    raw = pa.array([b"Visa", b"Vi\xffsa"], pa.binary())
    values = pa.Array.from_buffers(pa.string(), 2, raw.buffers())
    methods = pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int32()), values)
    pq.write_table(pa.table({"order_id": ["a", "b", "c"], "amount_usd": [1.0, 2.0, 3.0], "payment_method": methods}),
                   tmp_path / "o.parquet")  # fmt: skip
    result = dl.validate_orders(dl.read_table(tmp_path / "o.parquet"))
    assert result.orders["order_id"].tolist() == ["a", "c"]
    assert result.rejects["reject_reason"].tolist() == ["payment_method is not valid UTF-8 text"]


def test_a_ragged_file_with_bytes_that_are_not_utf8_is_one_sentence(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(b"order_id,amount_usd,payment_method\nA,1,Visa\nB,2,Visa,extra\nC,3,\xff\xfe\n")
    with pytest.raises(dl.TableError, match="it is not utf-8 text; (it looks like .*: try --encoding |give its encoding with --encoding \\(encoding= in Python\\)$)"):
        dl.read_table(path)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, encoding):
    path = tmp_path / "orders.csv"
    path.write_bytes("order_id,amount_usd,payment_method,store\nA1,12.50,Visa,Лавка 가게\n".encode(encoding))
    frame = dl.read_table(path)
    assert frame.columns.tolist() == ["order_id", "amount_usd", "payment_method", "store"]
    assert frame["store"].tolist() == ["Лавка 가게"]


@pytest.mark.parametrize(
    ("name", "data", "encoding", "message"),
    [
        ("orders.csv", b"order_id,amount_usd\nA,1\n", "rot13", "unknown encoding 'rot13'"),  # not a text encoding
        ("orders.csv.gz", b"order_id,amount_usd\nA,1\n", None, "it is not gzip-compressed, as its .gz name says"),
        ("orders.csv.gz", gzip.compress(b"order_id,amount_usd\n" + b"A,1\n" * 100)[:30], None, "the gzip file is cut short"),
        ("orders", b"order_id,amount_usd\nA,1\n", None, "name a .csv, .csv.gz, .xlsx or .parquet file"),
    ],
)
def test_files_that_cannot_be_read_are_one_sentence_in_our_words(tmp_path, name, data, encoding, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(dl.TableError) as info:
        dl.read_table(path, encoding=encoding)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_utf32_with_its_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes("order_id,amount_usd,payment_method\nA1,12.50,Visa\n".encode("utf-32"))
    assert dl.read_table(path).columns.tolist() == ["order_id", "amount_usd", "payment_method"]


def test_an_encoding_error_crosses_processes_and_names_another_option(tmp_path):
    import pickle

    path = tmp_path / "orders.csv"
    path.write_bytes("order_id;store\nA1;Лавка Ёлка\n".encode("cp1251"))
    with pytest.raises(dl.TableError) as info:
        dl.read_table(path)
    again = pickle.loads(pickle.dumps(info.value))  # as a Dask worker sends it back
    assert str(again) == str(info.value) and "try --encoding cp1251 " in str(again)
    assert "try --orders-encoding cp1251 " in str(again.for_option("--orders-encoding"))

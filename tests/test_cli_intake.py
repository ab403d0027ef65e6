"""The commands on users' own exports: column maps, dialect options, --excel, closed pipes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import disputelib as dl
from disputelib.cli import EXIT_BROKEN_PIPE, main

DISPUTELIB = Path(sys.executable).with_name("disputelib")

# A Russian shop back office's export: semicolons, decimal commas, Windows-1251, its own headers.
RU_EXPORT = (
    "Номер заказа;Сумма;Способ оплаты;Отправлен;Получен;Страна;Магазин\n"
    "Z1;1.234,56;Visa;2026-03-03;2026-03-20;RU;Лавка «Ёлка»\n"
    "Z2;12,5;Boleto;2026-03-04;;BR;Ёж\n"
    "Z3;7;Bitcoin;2026-03-05;;RU;=HYPERLINK(\"http://example.invalid\")\n"
    "Z4;-1;Visa;2026-03-05;;RU;Кот\n"
)
RU_MAP = """[columns]
order_id = "Номер заказа"
amount_usd = "Сумма"
payment_method = "Способ оплаты"
shipped_at = "Отправлен"
received_at = "Получен"
buyer_country = "Страна"
"""


@pytest.fixture
def ru(tmp_path):
    export, columns = tmp_path / "export.csv", tmp_path / "columns.toml"
    export.write_bytes(RU_EXPORT.encode("cp1251"))
    columns.write_text(RU_MAP, encoding="utf-8")
    return export, columns


def test_eligibility_reads_a_cp1251_semicolon_export_with_a_column_map(ru, tmp_path, capsys):
    export, columns = ru
    out = tmp_path / "out.csv"
    code = main(["eligibility", str(export), "--as-of", "2026-03-25", "--columns", str(columns),
                 "--encoding", "cp1251", "--out", str(out)])  # fmt: skip
    assert code == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert table["order_id"].tolist() == ["Z1", "Z2", "Z3"]
    assert table["amount_usd"].tolist() == ["1234.56", "12.5", "7.0"]
    assert table["payment_method"].tolist() == ["card", "boleto", "Bitcoin"]
    assert table["Магазин"].tolist()[0] == "Лавка «Ёлка»"
    rejects = pd.read_csv(tmp_path / "out.rejects.csv", dtype=str, keep_default_na=False)
    assert rejects["order_id"].tolist() == ["Z4"] and rejects["amount_usd"].tolist() == ["-1"]  # as written
    assert rejects["Магазин"].tolist() == ["Кот"]
    err = capsys.readouterr().err
    assert "read 4 rows: 3 accepted, 1 rejected" in err
    assert "payment methods the pack does not know: Bitcoin 1" in err


def test_without_encoding_the_error_names_the_likely_one(ru, tmp_path, capsys):
    export, columns = ru
    out = tmp_path / "out.csv"
    code = main(["eligibility", str(export), "--as-of", "2026-03-25", "--columns", str(columns), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and not out.exists()
    assert "is not utf-8 text" in err and "--encoding cp1251" in err


def test_without_a_map_the_missing_column_sentence_suggests_one(ru, capsys):
    export, _ = ru
    code = main(["eligibility", str(export), "--as-of", "2026-03-25", "--encoding", "cp1251"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "the orders have no 'order_id', 'amount_usd', 'payment_method' columns" in err
    assert "found 'Номер заказа', 'Сумма'" in err and err.endswith("map them with --columns (columns= in Python)")


def test_excel_output_for_spreadsheets(ru, tmp_path):
    export, columns = ru
    out = tmp_path / "out.csv"
    args = ["eligibility", str(export), "--as-of", "2026-03-25", "--columns", str(columns), "--encoding", "cp1251"]
    assert main([*args, "--out", str(out), "--excel"]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "Лавка «Ёлка»".encode() in data
    table = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert table["Магазин"].tolist()[2] == "'=HYPERLINK(\"http://example.invalid\")"
    assert (tmp_path / "out.rejects.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    raw = tmp_path / "raw.csv"
    assert main([*args, "--out", str(raw)]) == 0
    assert not raw.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(raw, dtype=str)["Магазин"].tolist()[2] == "=HYPERLINK(\"http://example.invalid\")"


def test_sep_and_decimal_options(tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_text("order_id\tamount_usd\tpayment_method\nT1\t3,5\tVisa\n", encoding="utf-8")
    assert main(["eligibility", str(path), "--as-of", "2026-03-25", "--sep", "tab", "--decimal", ","]) == 0
    out = capsys.readouterr().out
    assert pd.read_csv(pd.io.common.StringIO(out))["amount_usd"].tolist() == [3.5]
    assert main(["eligibility", str(path), "--as-of", "2026-03-25", "--sep", ",", "--decimal", ","]) == 2
    assert "(--decimal , or decimal=\",\") needs another delimiter" in capsys.readouterr().err


EVENTS = """Dispute No.;Order No.;Action;Action Time;Amount
D1;O1;opened;2026-03-01T10:00:00-08:00;5,00
D1;O1;seller_proposed;2026-03-03T09:00:00-08:00;5,00;extra
D1;O1;buyer_accepted;today;
D3;O1;opened;2602-03-01T10:00:00-08:00;5,00
D2;O2;opened;2026-03-01T10:00:00-08:00;5,00
D4;O9;opened;2026-03-01T10:00:00-08:00;5,00
"""
ORDERS = """Order No.;Order Amount;Payment Method;Shipped;Received
O1;10,00;Boleto;2026-02-15;2026-02-25
O2;10,00;Dinheiro;2026-02-15;2026-02-25
"""
LOG_MAP = """[columns]
dispute_id = "Dispute No."
order_id = "Order No."
event = "Action"
at = "Action Time"
amount_usd = "Amount"
"""


def test_check_log_reads_both_files_through_one_column_map(tmp_path, capsys):
    events, orders, columns = tmp_path / "events.csv", tmp_path / "orders.csv", tmp_path / "map.toml"
    events.write_text(EVENTS, encoding="utf-8")
    orders.write_text(ORDERS.replace("Order Amount", "Amount").replace("Shipped", "shipped_at")
                      .replace("Received", "received at"), encoding="utf-8")  # fmt: skip
    columns.write_text(LOG_MAP + 'payment_method = "Payment Method"\n', encoding="utf-8")
    out = tmp_path / "findings.csv"
    code = main(["check-log", str(events), "--orders", str(orders), "--columns", str(columns), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    findings = pd.read_csv(out, dtype=str, keep_default_na=False)
    messages = dict(zip(findings["message"].str.split(":").str[0], findings["message"], strict=True))
    unknown = findings.loc[findings["rule"] == "unknown_order", "dispute_id"].tolist()
    assert unknown == ["D4"]  # O2, paid by a method the pack does not know, is a known order
    assert messages["row 2"].startswith("row 2: the row has 6 fields, the header 5")
    assert "unreadable timestamp 'today'" in messages["row 3"]
    assert "is outside 1970-01-01 to 2199-12-31" in messages["row 4"]
    assert set(findings.loc[findings["message"].str.match(r"row [234]:"), "rule"]) == {"unreadable_row"}


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_check_log_reads_an_orders_file_in_another_encoding_than_the_log(tmp_path, capsys, engine):
    events, orders = tmp_path / "events.csv", tmp_path / "orders.csv"
    events.write_bytes("dispute_id,order_id,event,at,amount_usd,note\n"
                       "D1,O1,opened,2026-03-01T10:00:00-08:00,10,좋은 가게\n".encode("euc_kr"))  # fmt: skip
    orders.write_text("order_id,amount_usd,payment_method,shipped_at,store\nO1,10,Visa,2026-02-01,Лавка\n", encoding="utf-8")
    argv = ["check-log", str(events), "--orders", str(orders), "--encoding", "euc-kr", "--engine", engine]
    if engine == "dask":
        argv += ["--workers", "1"]
    assert main(argv) == 2  # one --encoding for both: the orders are not EUC-KR
    err = capsys.readouterr().err
    assert "orders.csv" in err and "it is not euc_kr text; it looks like utf-8: try --orders-encoding utf-8" in err
    assert main([*argv, "--orders-encoding", "utf-8", "--out", str(tmp_path / "f.csv")]) == 0, capsys.readouterr().err
    findings = pd.read_csv(tmp_path / "f.csv", dtype=str, keep_default_na=False)
    assert "unknown_order" not in set(findings["rule"])  # the order was read, and known


def test_a_utf8_file_given_another_encoding_that_decodes_it_is_refused_not_misread(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order_id,amount_usd,payment_method\nA1,10,Банковская карта\nA2,5,Cartão de crédito\n", encoding="utf-8")
    for encoding in ("cp1251", "cp1252", "latin-1"):  # each decodes every byte: mojibake, not an error
        with pytest.raises(dl.TableError, match=r"(it is UTF-8 .*: read it with|it looks like utf-8: try) --encoding utf-8 "):
            dl.read_table(path, encoding=encoding)


def test_check_log_map_with_an_unknown_key_is_one_sentence(tmp_path, capsys):
    events, columns = tmp_path / "events.csv", tmp_path / "map.toml"
    events.write_text(EVENTS, encoding="utf-8")
    columns.write_text(LOG_MAP + 'dispute = "x"\n', encoding="utf-8")
    assert main(["check-log", str(events), "--columns", str(columns)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown column 'dispute'" in err


@pytest.mark.parametrize(
    ("argv", "name", "message"),
    [
        (["rules", "{path}"], "pack.toml", "not UTF-8 text"),
        (["eligibility", "{orders}", "--as-of", "2026-03-25", "--pack", "{path}"], "pack.toml", "not UTF-8 text"),
        (["simulate", "--orders", "10", "--seed", "1", "--out", "{dir}", "--scenario", "{path}"], "sc.toml",
         "not UTF-8 text"),
        (["report", "--config", "{path}", "--out", "{dir}"], "report.yaml", "not UTF-8 text"),
    ],
)  # fmt: skip
def test_config_files_that_are_not_utf8_are_one_sentence(tmp_path, capsys, argv, name, message):
    path = tmp_path / name
    path.write_bytes("# Правила\ntitle = 'Отчёт'\n".encode("cp1251"))
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,amount_usd,payment_method\nA,1,Visa\n", encoding="utf-8")
    args = [a.format(path=path, orders=orders, dir=tmp_path / "out") for a in argv]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and str(path) in err


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    path = tmp_path / "orders.csv"
    rows = "".join(f"O{i},{i % 90 + 1}.50,Visa,2026-03-0{i % 9 + 1},,US,America/New_York\n" for i in range(60_000))
    path.write_text("order_id,amount_usd,payment_method,shipped_at,received_at,buyer_country,buyer_timezone\n" + rows,
                    encoding="utf-8")  # fmt: skip
    for command in (
        [str(DISPUTELIB), "eligibility", str(path), "--as-of", "2026-03-25"],
        [str(DISPUTELIB), "rules"],
    ):
        run = subprocess.run(
            ["bash", "-c", 'set -o pipefail; "$@" | head -n 1', "_", *command], capture_output=True, text=True
        )
        assert "Traceback" not in run.stderr and "BrokenPipeError" not in run.stderr, run.stderr
        assert run.stdout.count("\n") == 1
        assert run.returncode in (0, EXIT_BROKEN_PIPE)
        if command[1] == "eligibility":  # far more than a pipe holds: the pipe did close on it
            assert run.returncode == EXIT_BROKEN_PIPE


def test_report_config_reads_the_orders_with_its_column_map(tmp_path):
    from disputelib.report.config import load_config
    from disputelib.report.headline import headline

    orders, columns = tmp_path / "orders.csv", tmp_path / "columns.toml"
    orders.write_text(ORDERS, encoding="utf-8")
    columns.write_text('[columns]\norder_id = "Order No."\namount_usd = "Order Amount"\n', encoding="utf-8")
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "2.0-eligibility.ipynb"
    config = load_config({"as_of": "2026-03-25", "notebooks": [str(notebook)],
                          "inputs": {"orders": str(orders), "columns": str(columns)}})  # fmt: skip
    numbers = headline(config)
    assert numbers.orders["read"] == 2 and numbers.orders["accepted"] == 2


def test_the_shipped_column_map_template_loads():
    from disputelib.intake import load_column_map

    template = Path(__file__).resolve().parents[1] / "conf" / "columns.example.toml"
    assert load_column_map(template)["order_id"] == "Order No."


def test_gzip_output_and_its_rejects_beside_it_and_no_xlsx_output(tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_text("order_id,amount_usd,payment_method\nA,5,Visa\nB,0,Visa\n", encoding="utf-8")
    out = tmp_path / "open.csv.gz"
    assert main(["eligibility", str(path), "--as-of", "2026-03-25", "--out", str(out)]) == 0
    assert pd.read_csv(out, dtype=str)["order_id"].tolist() == ["A"]
    assert pd.read_csv(tmp_path / "open.rejects.csv.gz", dtype=str)["order_id"].tolist() == ["B"]
    capsys.readouterr()
    assert main(["eligibility", str(path), "--as-of", "2026-03-25", "--out", str(tmp_path / "open.xlsx")]) == 2
    assert "write .csv (with --excel for a spreadsheet) or .parquet" in capsys.readouterr().err
    assert not (tmp_path / "open.xlsx").exists()

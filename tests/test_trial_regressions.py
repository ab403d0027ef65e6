"""Regressions found by trying the commands as a new user would, on files shaped like real exports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import disputelib as dl
from disputelib.cli import main
from disputelib.paths import written_in_place
from disputelib.tables import read_table

SCRIPT = Path(sys.executable).parent / "disputelib"


def test_excel_output_defuses_formulas_in_payment_methods_kept_as_written(tmp_path, capsys):
    """Unknown methods are kept as written (a categorical column): --excel must prefix them too."""
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,amount_usd,payment_method,shipped_at\nJ1,10,@SUM(A1),2026-11-01\n"
                      "J2,10,=cmd|' /C calc'!A0,2026-11-01\nJ3,10,Visa,2026-11-01\n", encoding="utf-8")  # fmt: skip
    out = tmp_path / "open.csv"
    assert main(["eligibility", str(orders), "--as-of", "2026-11-27", "--excel", "--out", str(out)]) == 0
    methods = read_table(out)["payment_method"].tolist()
    assert methods == ["'@SUM(A1)", "'=cmd|' /C calc'!A0", "card"]


def test_two_writes_of_one_file_never_take_each_others_partial_file(tmp_path):
    target = tmp_path / "out.csv"
    with written_in_place(target) as first, written_in_place(target) as second:
        assert first != second and first.parent == second.parent == tmp_path
        first.write_text("first\n")
        second.write_text("second\n")
    assert target.read_text() == "first\n"  # the later rename wins; neither failed
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_concurrent_runs_to_one_output_all_succeed(tmp_path):
    pd.DataFrame({"order_id": [f"O{i}" for i in range(20_000)], "amount_usd": "5.00", "payment_method": "Visa",
                  "shipped_at": "2026-11-01"}).to_parquet(tmp_path / "orders.parquet", index=False)  # fmt: skip
    argv = [str(SCRIPT), "eligibility", "orders.parquet", "--as-of", "2026-11-27", "--out", "same.csv"]
    runs = [subprocess.Popen(argv, cwd=tmp_path, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], errors
    assert len(pd.read_csv(tmp_path / "same.csv")) == 20_000
    assert not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["eligibility", "x.csv", "--as-of", "2026-3-4"], "disputelib eligibility: argument --as-of: "),
        (["eligibility"], "disputelib eligibility: the following arguments are required: ORDERS, --as-of"),
        (["no-such-command"], "disputelib: argument COMMAND: invalid choice: 'no-such-command'"),
    ],
)
def test_a_wrong_argument_is_one_sentence(argv, words, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(words) and len(err.strip().splitlines()) == 1 and "usage:" not in err


def test_a_missing_column_lists_the_headers_as_the_file_wrote_them(tmp_path, capsys):
    orders = tmp_path / "semi.csv"
    orders.write_text("Order No.;Order Amount;Payment Method;Shipping Time\nA;1,5;Visa;2026-11-01\n", encoding="utf-8")
    assert main(["eligibility", str(orders), "--as-of", "2026-11-27"]) == 2
    err = capsys.readouterr().err
    assert "found 'Order No.', 'Order Amount', 'Payment Method', 'Shipping Time'" in err


def test_a_utf8_export_with_one_stray_byte_rejects_that_row_not_the_file(tmp_path, capsys):
    orders = tmp_path / "stray.csv"
    orders.write_bytes(b"order_id,amount_usd,payment_method,shipped_at,note\nA1,5,Visa,2026-11-01,caf\xc3\xa9\n"
                       b"A2,6,Visa,2026-11-01,caf\xe9\nA3,7,Visa,2026-11-01,na\xc3\xafve\n")  # fmt: skip
    result = dl.validate_orders(dl.read_table(orders))
    assert result.orders["order_id"].tolist() == ["A1", "A3"]
    assert result.orders["note"].tolist() == ["café", "naïve"]
    assert result.rejects["reject_reason"].tolist() == ["note is not valid UTF-8 text"]


def test_a_file_in_another_encoding_is_still_refused_with_its_name(tmp_path):
    orders = tmp_path / "latin.csv"
    orders.write_bytes("order_id,amount_usd,payment_method,note\nA1,5,Visa,Gérard Müller été\n".encode("cp1252"))
    with pytest.raises(dl.TableError, match="it is not utf-8 text; "):
        dl.read_table(orders)


def test_an_unknown_order_is_found_even_when_its_dispute_has_no_opening(tmp_path):
    events = pd.DataFrame({"dispute_id": ["D1", "D2"], "order_id": ["A1", "A9"], "event": ["opened", "seller_proposed"],
                           "at": ["2026-11-20T10:00:00-08:00"] * 2, "amount_usd": ["5", "5"]})  # fmt: skip
    orders = pd.DataFrame({"order_id": ["A1"], "amount_usd": ["5"], "payment_method": ["Visa"],
                           "shipped_at": ["2026-11-01"]})  # fmt: skip
    findings = dl.check_log(events, orders, "aliexpress-2022").findings
    unknown = findings[findings["rule"] == "unknown_order"]
    assert unknown["dispute_id"].tolist() == ["D2"]
    assert "order A9 is not in the orders" in unknown["message"].iloc[0]


def test_a_folder_without_a_suffix_as_out_is_called_a_folder(tmp_path, capsys):
    (tmp_path / "results").mkdir()
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,amount_usd,payment_method\nA1,5,Visa\n", encoding="utf-8")
    assert main(["eligibility", str(orders), "--as-of", "2026-11-27", "--out", str(tmp_path / "results")]) == 2
    err = capsys.readouterr().err
    assert "it is a folder, not a file" in err and "cannot tell the format" not in err

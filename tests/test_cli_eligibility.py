from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import disputelib as dl
from disputelib.cli import main

CSV = """order_id,amount_usd,payment_method,shipped_at,received_at,buyer_country,buyer_timezone,problem,problem_amount_usd,store
A1,10.00,Visa,2026-03-03,2026-03-20,US,America/New_York,missing_items,4.99,Shop one
A2,5.00,T/T,2026-03-12T21:30:00-07:00,,RU,Europe/Moscow,not_received,,Shop two
A3,7.00,,2026-03-01,,KR,Asia/Seoul,,,Shop three
A4,0,card,2026-03-01,,KR,Asia/Seoul,,,Shop four
"""


@pytest.fixture
def orders(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_csv_to_csv_with_rejects(orders, tmp_path, capsys):
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    code = main(["eligibility", str(orders), "--as-of", "2026-03-25", "--out", str(out), "--rejects", str(rejects)])
    assert code == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert table["order_id"].tolist() == ["A1", "A2"]
    assert table.loc[0, "window_opens"] == "2026-03-13" and table.loc[0, "window_closes"] == "2026-04-04"
    assert table.loc[0, "deadline"] == "2026-04-05T00:00:00-07:00"
    assert table.loc[0, "deadline_local"] == "2026-04-05T03:00:00-04:00"
    assert table.loc[0, "status"] == "open" and table.loc[0, "days_left"] == "10"
    assert table.loc[0, "store"] == "Shop one"
    bad = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert bad["order_id"].tolist() == ["A3", "A4"]
    assert bad["amount_usd"].tolist() == ["7.00", "0"]  # original text kept
    assert bad["reject_reason"].tolist() == ["missing payment_method", "amount_usd must be positive"]
    err = capsys.readouterr().err
    assert "read 4 rows: 2 accepted, 2 rejected" in err


def test_parquet_round_trip_and_default_rejects_path(orders, tmp_path):
    out = tmp_path / "out.parquet"
    assert main(["eligibility", str(orders), "--as-of", "2026-03-25", "--out", str(out)]) == 0
    table = pd.read_parquet(out)
    assert str(table["deadline"].dt.tz) == "America/Los_Angeles"
    assert len(pd.read_parquet(tmp_path / "out.rejects.parquet")) == 2
    again = tmp_path / "again.csv"
    assert main(["eligibility", str(out), "--as-of", "2026-03-25", "--out", str(again)]) == 0
    assert pd.read_csv(again)["order_id"].tolist() == ["A1", "A2"]


def test_stdout_and_rejects_on_stderr(orders, capsys):
    assert main(["eligibility", str(orders), "--as-of", "2026-03-25"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("order_id,status,window_opens,window_closes,deadline")
    assert len(captured.out.splitlines()) == 3
    assert "missing payment_method" in captured.err


def test_strict_exits_non_zero(orders, tmp_path):
    code = main(["eligibility", str(orders), "--as-of", "2026-03-25", "--out", str(tmp_path / "o.csv"), "--strict"])
    assert code == 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("order_id,amount_usd\nA,1\n", "orders.csv", "the orders have no 'payment_method' column"),
        ("", "orders.csv", "the file is empty"),
        ("not parquet", "orders.parquet", "cannot read"),
        (None, "absent.csv", "no such file"),
        ("order_id\n", "orders.txt", "name a .csv, .csv.gz, .xlsx or .parquet file"),
    ],
)
def test_unusable_input_is_one_sentence_and_no_output(tmp_path, capsys, content, name, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    out = tmp_path / "out.csv"
    code = main(["eligibility", str(path), "--as-of", "2026-03-25", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_bad_as_of_and_unknown_pack(orders, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["eligibility", str(orders), "--as-of", "25/03/2026"])
    assert exit_.value.code == 2
    assert "not a date: use YYYY-MM-DD" in capsys.readouterr().err
    assert main(["eligibility", str(orders), "--as-of", "2026-03-25", "--pack", "ebay"]) == 2
    assert "unknown rule pack 'ebay'" in capsys.readouterr().err


def test_rules_command(capsys):
    assert main(["rules", "aliexpress-legacy"]) == 0
    out = capsys.readouterr().out
    assert "timer seller_response: opened + 5 days" in out and "source:" in out


def test_console_script_is_installed():
    done = subprocess.run(
        [sys.executable, "-m", "disputelib.cli", "rules"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "aliexpress-2022" in done.stdout


def test_default_rejects_file_is_rewritten_even_when_empty(tmp_path):
    clean = tmp_path / "clean.csv"
    clean.write_text(CSV.splitlines()[0] + "\n" + CSV.splitlines()[1] + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    stale = tmp_path / "out.rejects.csv"
    stale.write_text("row,reject_reason\n9,from an earlier run\n", encoding="utf-8")
    assert main(["eligibility", str(clean), "--as-of", "2026-03-25", "--out", str(out)]) == 0
    rejects = pd.read_csv(stale)
    assert len(rejects) == 0 and "reject_reason" in rejects.columns


@pytest.mark.parametrize(
    ("out", "rejects", "message"),
    [
        ("orders.csv", None, "is the orders file itself"),
        ("out.csv", "orders.csv", "is the orders file itself"),
        ("out.csv", "out.csv", "--out and --rejects name the same file"),
        ("out.csv", "missing/rejects.csv", "folder 'missing' does not exist"),
    ],
)
def test_outputs_never_overwrite_the_input_and_nothing_is_half_written(orders, tmp_path, capsys, monkeypatch, out, rejects, message):
    monkeypatch.chdir(tmp_path)
    before = orders.read_text(encoding="utf-8")
    argv = ["eligibility", "orders.csv", "--as-of", "2026-03-25", "--out", out]
    if rejects:
        argv += ["--rejects", rejects]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert orders.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]


def test_amount_hint_says_how_to_write_it(tmp_path, capsys):
    path = tmp_path / "orders.csv"  # 1,234 alone may be a thousand or one and a bit: never guessed
    path.write_text('order_id,amount_usd,payment_method\nA,"1,234",Visa\n', encoding="utf-8")
    assert main(["eligibility", str(path), "--as-of", "2026-03-25"]) == 0
    assert "no thousands separator without a decimal point" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("written", "sep", "amount"),
    [
        ("US $12.50", ",", 12.5),  # as AliExpress shows prices
        ('"$1,234.50"', ",", 1234.5),
        ("12.50 USD", ",", 12.5),
        ("US$ 7.25", ",", 7.25),
        ("US $12,50", ";", 12.5),  # the marks with a decimal comma
        ("$1.234,50", ";", 1234.5),
        ("1,234.50", ";", 1234.5),  # grouped before a point: not a decimal comma
    ],
)
def test_us_dollar_amounts_may_carry_their_marks(tmp_path, written, sep, amount):
    path = tmp_path / "orders.csv"
    path.write_text(f"order_id{sep}amount_usd{sep}payment_method\nA{sep}{written}{sep}Visa\n", encoding="utf-8")
    result = dl.eligibility(dl.read_table(path), "2026-03-25")
    assert result.table["amount_usd"].tolist() == [amount], result.rejects["reject_reason"].tolist()


@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("written", ["12,50 €", "€5", "₩15,000", "RUB 100", "$ abc", "1,234", "$1,234"])
def test_other_currencies_and_ambiguous_groupings_are_rejected(tmp_path, written, sep):
    path = tmp_path / "orders.csv"  # with ";" a column of decimal commas (12,50) beside it
    path.write_text(f'order_id{sep}amount_usd{sep}payment_method\nA{sep}"{written}"{sep}Visa\nB{sep}"12,50"{sep}Visa\n',
                    encoding="utf-8")  # fmt: skip
    result = dl.eligibility(dl.read_table(path), "2026-03-25")
    assert "A" not in result.table["order_id"].tolist()
    assert result.rejects.set_index("order_id").loc["A", "reject_reason"].startswith("amount_usd is not a number")


def test_a_dot_group_never_starts_with_zero(tmp_path):
    path = tmp_path / "orders.csv"  # 0.001 beside decimal commas is not one thousand written the European way
    path.write_text("order_id;amount_usd;payment_method\nA;0.001;Visa\nB;12,50;Visa\n", encoding="utf-8")
    result = dl.eligibility(dl.read_table(path), "2026-03-25")
    assert result.table["order_id"].tolist() == ["B"] and "A" in result.rejects["order_id"].tolist()

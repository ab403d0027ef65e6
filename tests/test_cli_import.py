"""``disputelib import``: a buyer's own data in, the order table out, then eligibility on it."""

from __future__ import annotations

import pandas as pd
import pytest
from test_importers import BIG, EXTENSION, item, write_backup

from disputelib.cli import main


@pytest.fixture
def backup(tmp_path):
    rows = [
        item(0.25, 1999, name="lamp"),
        item(0.25, 1, name="bulb"),
        item("1000000000000009", 500, reason="cancel_order_close_trade", paid=None, ended="2026-02-28 09:00:00"),
        item("1000000000000010", "lots"),
    ]
    return write_backup(tmp_path / "backup.xlsx", rows, {0.25: str(BIG)})


@pytest.fixture
def extension(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(EXTENSION, encoding="utf-8")
    return path


def test_backup_to_csv_then_eligibility(backup, tmp_path, capsys):
    out = tmp_path / "orders.csv"
    assert main(["import", "aliexpress-backup", str(backup), "--out", str(out), "--zone", "Asia/Shanghai"]) == 0
    err = capsys.readouterr().err
    assert "read 3 orders (4 item rows): 2 written, 1 rejected (cancelled 1, received 1)" in err
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert table["order_id"].tolist() == [str(BIG), "1000000000000009"]
    assert table["amount_usd"].tolist() == ["20.0", "5.0"]
    assert table.loc[0, "paid_at"] == "2026-02-27T18:17:56+08:00"
    assert table.loc[0, "received_at"] == "2026-03-20T10:00:00+08:00"
    assert table.loc[1, "order_state"] == "cancelled" and table.loc[1, "received_at"] == ""
    rejects = pd.read_csv(tmp_path / "orders.rejects.csv", dtype=str, keep_default_na=False)
    assert rejects["row"].tolist() == ["4"]
    assert rejects["reject_reason"].tolist() == ["payable_amt is not a number of cents"]

    judged = tmp_path / "judged.csv"
    assert main(["eligibility", str(out), "--as-of", "2026-04-01", "--out", str(judged)]) == 0
    result = pd.read_csv(judged, dtype=str, keep_default_na=False).set_index("order_id")
    # received 10:00 in Shanghai on 03-20 is 03-19 in Pacific time: the window closes 15 days later
    assert result.loc[str(BIG), "status"] == "open" and result.loc[str(BIG), "window_closes"] == "2026-04-03"
    assert result.loc["1000000000000009", "status"] == "cancelled"


def test_extension_with_and_without_fx(extension, tmp_path, capsys):
    out = tmp_path / "orders.parquet"
    assert main(["import", "aliexpress-extension", str(extension), "--out", str(out)]) == 0
    rejects = pd.read_parquet(tmp_path / "orders.rejects.parquet")
    assert rejects["reject_reason"].str.startswith("no exchange rate for PLN").all()
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,usd_per_unit\nPLN,0.2\n", encoding="utf-8")
    assert main(["import", "aliexpress-extension", str(extension), "--out", str(out), "--fx", str(rates)]) == 0
    assert len(pd.read_parquet(tmp_path / "orders.rejects.parquet")) == 0  # rewritten: no stale rejects
    orders = pd.read_parquet(out).set_index("order_id")
    assert orders.loc["3000000000000000002", "amount_usd"] == pytest.approx(77.68)
    assert "4 written, 0 rejected" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["aliexpress-backup", "{dir}/none.xlsx", "--out", "{dir}/o.csv"], "no such file"),
        (["aliexpress-backup", "{backup}", "--out", "{dir}/o.txt"], "cannot tell the format"),
        (["aliexpress-backup", "{backup}", "--out", "{dir}/o.csv", "--zone", "Nowhere/Town"], "unknown time zone"),
        (["aliexpress-extension", "{ext}", "--out", "{dir}/o.csv", "--fx", "{dir}/none.csv"], "--fx: cannot read"),
        (["aliexpress-extension", "{ext}", "--out", "{ext}"], "is the file being imported"),
    ],
)
def test_user_errors_are_one_sentence(argv, message, backup, extension, tmp_path, capsys):
    filled = [a.format(dir=tmp_path, backup=backup, ext=extension) for a in argv]
    assert main(["import", *filled]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_backup_rejects_to_parquet_keep_the_cells_as_text(tmp_path):
    rows = [item(1000000000000012, 100), item("1000000000000012", "lots"), item("1000000000000013", 300)]
    backup = write_backup(tmp_path / "backup.xlsx", rows)
    out = tmp_path / "orders.parquet"
    assert main(["import", "aliexpress-backup", str(backup), "--out", str(out)]) == 0
    rejects = pd.read_parquet(tmp_path / "orders.rejects.parquet")
    assert rejects["order_id"].tolist() == ["1000000000000012", "1000000000000012"]  # a number and a text cell
    assert rejects["payable_amt"].tolist() == ["100", "lots"]
    assert pd.read_parquet(out)["order_id"].tolist() == ["1000000000000013"]

"""``disputelib routes`` through the installed script: a user's own export in, a table, its
rejects and a calendar out."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import icalendar
import pandas as pd
import pytest

from disputelib.cli import main

SCRIPT = Path(sys.executable).with_name("disputelib")
PACKS = "aliexpress-2022,paypal,visa-chargeback,mastercard-chargeback,ebay-mbg"

# A spreadsheet's export: semicolons, decimal commas, headers as people write them.
EXPORT = """\
Order ID;Amount USD;Payment Method;Paid At;Shipped At;Estimated Delivery;Problem;Marketplace;Buyer Timezone
A1;12,50;Visa;2026-03-01;2026-03-02;2026-04-15;not received;AliExpress;Asia/Seoul
A2;1.234,00;PayPal;2026-03-01;;;;eBay;
A3;;Visa;2026-03-01;;;;;
A4;7,25;Maestro;2026-03-01;;2026-04-10;;ebay.co.uk;
A5;30,00;Visa;2026-03-01;;;damaged;Amazon;
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), "routes", *args], capture_output=True, text=True, cwd=cwd, check=False)


def calendar_events(path: Path) -> dict[tuple[str, str], icalendar.Event]:
    """Events by (order, route), read from the summary "Last day to dispute order A1 via paypal"."""
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    found = {}
    for event in cal.walk("VEVENT"):
        words = str(event["summary"]).split(" order ", 1)[1].split(" (")[0].split(" via ")
        found[(words[0], words[1])] = event
    return found


@pytest.fixture(scope="module")
def two_days(tmp_path_factory):
    """The export routed on 1 April (to a file) and on 12 May (to stdout), each with a calendar."""
    folder = tmp_path_factory.mktemp("routes-cli")
    (folder / "orders.csv").write_text(EXPORT, encoding="utf-8")
    first = run("orders.csv", "--as-of", "2026-04-01", "--packs", PACKS, "--out", "out.csv", "--ics", "april.ics",
                cwd=folder)  # fmt: skip
    second = run("orders.csv", "--as-of", "2026-05-12", "--packs", PACKS, "--ics", "may.ics", cwd=folder)
    return folder, first, second


def test_a_users_export_gives_every_route_by_hand(two_days):
    folder, first, _ = two_days
    assert first.returncode == 0, first.stderr
    table = pd.read_csv(folder / "out.csv", dtype=str, keep_default_na=False)
    got = table[["order_id", "route", "covered_because", "status", "window_opens", "window_closes", "days_left",
                 "missing"]].values.tolist()  # fmt: skip
    # A1: AliExpress 2 Mar + 10 .. 2 Mar + 60 + 15; Visa not received 15 Apr + 1 .. + 120.
    # A2: PayPal 1 Mar .. + 180; eBay without a delivery date. A3 has no amount: rejected.
    # A4: eBay 10 Apr + 1 .. + 30; Maestro 1 Mar .. + 120. A5: Visa (damaged) 1 Mar .. + 120; Amazon not named.
    assert got == [
        ["A1", "aliexpress-2022", "AliExpress order", "open", "2026-03-12", "2026-05-16", "45", ""],
        ["A1", "visa-chargeback", "paid by Visa", "too_early", "2026-04-16", "2026-08-13", "", ""],
        ["A2", "paypal", "paid by PayPal", "open", "2026-03-01", "2026-08-28", "149", ""],
        ["A2", "ebay-mbg", "eBay order", "needs_data", "", "", "", "estimated_delivery"],
        ["A4", "ebay-mbg", "eBay order", "too_early", "2026-04-11", "2026-05-10", "", ""],
        ["A4", "mastercard-chargeback", "paid by Maestro", "open", "2026-03-01", "2026-06-29", "89", ""],
        ["A5", "visa-chargeback", "paid by Visa", "open", "2026-03-01", "2026-06-29", "89", ""],
    ]
    a1 = table.iloc[0]
    assert a1["deadline"] == "2026-05-17T00:00:00-07:00" and a1["deadline_local"] == "2026-05-17T16:00:00+09:00"
    assert table.loc[1, "deadline"] == "2026-08-14T00:00:00+00:00"
    assert table["claim_usd"].tolist() == ["12.5", "12.5", "", "", "", "", "30.0"]
    assert table.loc[2, "amount_usd"] == "1234.0"  # "1.234,00" with a decimal comma
    rejects = pd.read_csv(folder / "out.rejects.csv", dtype=str, keep_default_na=False)
    assert rejects[["row", "reject_reason", "order_id"]].values.tolist() == [["3", "missing amount_usd", "A3"]]
    assert (
        "read 5 rows: 4 accepted, 1 rejected; 7 routes (too_early 2, open 4, expired 0, needs_data 1)" in first.stderr
    )


def test_routes_on_stdout(two_days):
    _, _, second = two_days
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    assert lines[0].startswith("order_id,route,covered_because,status,window_opens,window_closes,deadline")
    assert "A1,visa-chargeback,paid by Visa,open,2026-04-16,2026-08-13" in second.stdout
    assert "A4,ebay-mbg,eBay order,expired,2026-04-11,2026-05-10" in second.stdout
    assert "missing amount_usd" in second.stderr  # no --out: the rejects go to stderr


def test_the_calendar_has_one_event_per_open_route_with_stable_uids(two_days):
    folder, first, second = two_days
    april, may = calendar_events(folder / "april.ics"), calendar_events(folder / "may.ics")
    assert set(april) == {("A1", "aliexpress-2022"), ("A2", "paypal"), ("A4", "mastercard-chargeback"),
                          ("A5", "visa-chargeback")}  # fmt: skip
    assert set(may) == set(april) | {("A1", "visa-chargeback")}
    assert "4 open routes written to april.ics" in first.stderr
    last_days = {key: event.decoded("dtstart") for key, event in april.items()}
    assert last_days == {
        ("A1", "aliexpress-2022"): dt.date(2026, 5, 16),
        ("A2", "paypal"): dt.date(2026, 8, 28),
        ("A4", "mastercard-chargeback"): dt.date(2026, 6, 29),
        ("A5", "visa-chargeback"): dt.date(2026, 6, 29),
    }
    uids = [str(e["uid"]) for e in may.values()]
    assert len(set(uids)) == len(uids)
    for key, event in april.items():
        assert str(event["uid"]) == str(may[key]["uid"]), key
        assert int(may[key]["sequence"]) > int(event["sequence"])
        assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(days=1)
        (alarm,) = event.walk("VALARM")
        assert alarm.decoded("trigger") == -dt.timedelta(days=2)


@pytest.mark.parametrize(
    ("packs", "message"),
    [
        ("paypal,visa-chargebak", "disputelib routes: unknown rule pack 'visa-chargebak'"),
        ("paypal,visa-chargeback,paypal", "disputelib routes: route pack 'paypal' is named twice"),
    ],
)
def test_bad_pack_lists_exit_2_with_one_sentence(tmp_path, packs, message):
    (tmp_path / "orders.csv").write_text(EXPORT, encoding="utf-8")
    done = run("orders.csv", "--as-of", "2026-04-01", "--packs", packs, "--out", "out.csv", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(message) and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "out.csv").exists()


def test_a_column_map_names_the_exports_headers(tmp_path, capsys):
    (tmp_path / "orders.csv").write_text(
        "Bestellung,Betrag,Zahlung,Bezahlt am,Plattform\nB1,20.00,Visa,2026-03-01,AliExpress\n", encoding="utf-8"
    )
    (tmp_path / "map.toml").write_text(
        '[columns]\norder_id = "Bestellung"\namount_usd = "Betrag"\npayment_method = "Zahlung"\n'
        'paid_at = "Bezahlt am"\nmarketplace = "Plattform"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    code = main(["routes", str(tmp_path / "orders.csv"), "--as-of", "2026-04-01", "--columns", str(tmp_path / "map.toml"),
                 "--out", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert table[["order_id", "route", "status", "window_closes", "missing"]].values.tolist() == [
        ["B1", "visa-chargeback", "open", "2026-06-29", ""],
        ["B1", "aliexpress-2022", "needs_data", "", "shipped_at"],
    ]


def test_parquet_out_and_strict(tmp_path, capsys):
    (tmp_path / "orders.csv").write_text(EXPORT, encoding="utf-8")
    out = tmp_path / "out.parquet"
    code = main(["routes", str(tmp_path / "orders.csv"), "--as-of", "2026-04-01", "--out", str(out), "--strict"])
    assert code == 1 and "--strict: 1 rows were rejected" in capsys.readouterr().err
    table = pd.read_parquet(out)
    assert len(table) == 5 and len(pd.read_parquet(tmp_path / "out.rejects.parquet")) == 1
    first = table.iloc[0]
    assert (first["order_id"], first["route"], str(first["window_closes"].date())) == (
        "A1",
        "aliexpress-2022",
        "2026-05-16",
    )
    assert str(table["status"].dtype) == "category" and int(first["days_left"]) == 45

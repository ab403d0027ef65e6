"""Open windows as iCalendar events, parsed back with icalendar."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import icalendar
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import disputelib as dl
from disputelib.ics import UID_DOMAIN, event_uid, to_ics, write_ics

ORDERS = pd.DataFrame(
    {
        "order_id": ["A1", "Заказ-№5", "주문-7", "=HYPERLINK(\"x\")", "late", "early"],
        "amount_usd": ["9.50", "20", "30", "40", "5", "6"],
        "payment_method": ["Visa", "Mir", "Kakao Pay", "card", "card", "card"],
        "shipped_at": ["2026-11-01", "2026-11-01", "2026-11-01", "2026-10-20", "2026-09-01", "2026-11-18"],
        "received_at": ["2026-11-12", "2026-11-12", "2026-11-14", None, "2026-09-10", None],
        "buyer_timezone": ["Asia/Seoul", "Europe/Moscow", "Asia/Seoul", None, None, None],
        "problem": ["missing_items", "not_received", None, None, None, None],
        "problem_amount_usd": ["3", None, None, None, None, None],
    }
)


def events(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    found = {}
    for event in cal.walk("VEVENT"):
        found[str(event["summary"]).split(" order ", 1)[1].split(" (")[0]] = event
    return found


def test_one_event_per_open_window():
    table = dl.eligibility(ORDERS, "2026-11-20").table
    opened = set(table.loc[table["status"] == "open", "order_id"])
    assert opened == {"A1", "Заказ-№5", "주문-7", '=HYPERLINK("x")'}  # late is expired, early too early
    got = events(to_ics(table, "2026-11-20"))
    assert set(got) == opened


@pytest.mark.parametrize(
    ("order", "last_day", "timer_text", "buyer_text", "claim"),
    [
        ("A1", dt.date(2026, 11, 27), "Sat 28 Nov 2026, 00:00 PST", "Sat 28 Nov 2026, 17:00 KST", "refund only, $3.00"),
        ("Заказ-№5", dt.date(2026, 11, 27), "Sat 28 Nov 2026, 00:00 PST", "Sat 28 Nov 2026, 11:00 MSK",
         "refund only, $20.00"),
        ("주문-7", dt.date(2026, 11, 29), "Mon 30 Nov 2026, 00:00 PST", "Mon 30 Nov 2026, 17:00 KST", None),
        # not received: protected 60 days after 10-20, completes 12-19, closes 15 days later
        ('=HYPERLINK("x")', dt.date(2027, 1, 3), "Mon 4 Jan 2027, 00:00 PST", None, None),
    ],
)
def test_event_day_deadlines_and_claim(order, last_day, timer_text, buyer_text, claim):
    event = events(to_ics(dl.eligibility(ORDERS, "2026-11-20").table, "2026-11-20"))[order]
    assert event.decoded("dtstart") == last_day
    assert not isinstance(event.decoded("dtstart"), dt.datetime)  # all day
    assert event.decoded("dtend") == last_day + dt.timedelta(days=1)
    description = str(event["description"])
    assert f"Deadline: {timer_text} (America/Los_Angeles)" in description
    if buyer_text:
        assert f"Buyer's time: {buyer_text}" in description
    else:
        assert "Buyer's time" not in description
    summary = str(event["summary"])
    assert order in summary
    if claim:
        assert claim in summary and f"Claim: {claim}" in description
    else:
        assert "Claim:" not in description
    alarms = event.walk("VALARM")
    assert len(alarms) == 1
    assert alarms[0].decoded("trigger") == -dt.timedelta(days=2)
    assert str(alarms[0]["action"]) == "DISPLAY"


def test_uids_stable_across_days_and_sequence_grows():
    day1, day2 = "2026-11-20", "2026-11-21"
    first = events(to_ics(dl.eligibility(ORDERS, day1).table, day1))
    second = events(to_ics(dl.eligibility(ORDERS, day2).table, day2))
    assert set(first) == set(second)
    for order in first:
        assert str(first[order]["uid"]) == str(second[order]["uid"]) == event_uid(order, "aliexpress-2022")
        assert int(second[order]["sequence"]) == int(first[order]["sequence"]) + 1
        assert first[order].decoded("dtstamp") == dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    assert len({str(e["uid"]) for e in first.values()}) == len(first)


def test_uid_depends_on_route():
    assert event_uid("A1", "aliexpress-2022") != event_uid("A1", "aliexpress-legacy")
    assert event_uid("A1", "aliexpress-2022") != event_uid("A2", "aliexpress-2022")
    table = dl.eligibility(ORDERS, "2026-11-20", pack="aliexpress-legacy").table
    got = events(to_ics(table, "2026-11-20", pack="aliexpress-legacy"))
    assert str(got["A1"]["uid"]) == event_uid("A1", "aliexpress-legacy")


def test_route_and_timer_zone_columns_win():
    table = dl.eligibility(ORDERS.iloc[:1], "2026-11-20").table
    table["route"] = "paypal"
    table["timer_zone"] = "UTC"
    data = to_ics(table, "2026-11-20")
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(event["summary"]) == "Last day to dispute order A1 via paypal (refund only, $3.00)"
    assert str(event["uid"]) == event_uid("A1", "paypal")
    assert "Deadline: Sat 28 Nov 2026, 08:00 UTC (UTC)" in str(event["description"])


def test_claim_without_dispute_type_is_the_amount():
    table = dl.eligibility(ORDERS.iloc[:1], "2026-11-20").table.drop(columns=["dispute_type"])
    (event,) = icalendar.Calendar.from_ical(to_ics(table, "2026-11-20")).walk("VEVENT")
    assert str(event["summary"]) == "Last day to dispute order A1 ($3.00)"


def test_no_open_window_is_an_empty_calendar():
    table = dl.eligibility(ORDERS, "2027-06-01").table
    cal = icalendar.Calendar.from_ical(to_ics(table, "2027-06-01"))
    assert cal.walk("VEVENT") == []
    assert str(cal["version"]) == "2.0" and "prodid" in cal


def test_table_read_back_from_csv_gives_the_same_events(tmp_path):
    table = dl.eligibility(ORDERS, "2026-11-20").table
    dl.write_table(table, tmp_path / "open.csv")
    again = dl.read_table(tmp_path / "open.csv")
    assert to_ics(again, "2026-11-20") == to_ics(table, "2026-11-20")


hostile = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() and "\x00" not in s)


@settings(max_examples=60, deadline=None)
@given(order_id=hostile)
def test_hostile_order_ids_round_trip(order_id):
    orders = ORDERS.iloc[:1].assign(order_id=[order_id])
    table = dl.eligibility(orders, "2026-11-20").table
    if not len(table):
        return  # rejected as input (e.g. not a real order id): nothing to put in a calendar
    data = to_ics(table, "2026-11-20")
    cal = icalendar.Calendar.from_ical(data)
    (event,) = cal.walk("VEVENT")
    kept = table["order_id"].iloc[0]  # as the table holds it (trimmed)
    shown = "".join("\ufffd" if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in kept)
    assert f"order {shown} (" in str(event["summary"])
    assert str(event["uid"]) == event_uid(kept, "aliexpress-2022")
    assert str(event["uid"]).endswith("@" + UID_DOMAIN) and str(event["uid"]).isascii()
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        assert not any(b < 32 and b != 9 for b in line)


def test_write_ics_is_atomic_and_counts(tmp_path):
    table = dl.eligibility(ORDERS, "2026-11-20").table
    path = tmp_path / "deadlines.ics"
    assert write_ics(table, path, "2026-11-20") == 4
    assert path.read_bytes() == to_ics(table, "2026-11-20")
    assert [p.name for p in tmp_path.iterdir()] == ["deadlines.ics"]
    with pytest.raises(dl.TableError, match="does not exist"):
        write_ics(table, tmp_path / "missing" / "x.ics", "2026-11-20")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m disputelib.cli ARGS`` in a process of its own."""
    return subprocess.run([sys.executable, "-m", "disputelib.cli", *args], capture_output=True, text=True)


def test_cli_writes_ics(tmp_path):
    src = tmp_path / "orders.csv"
    ORDERS.to_csv(src, index=False)
    ics = tmp_path / "deadlines.ics"
    done = run_cli("eligibility", str(src), "--as-of", "2026-11-20", "--out", str(tmp_path / "open.csv"), "--ics",
                   str(ics))
    assert done.returncode == 0, done.stderr
    assert "4 open windows written to" in done.stderr
    assert set(events(ics.read_bytes())) == {"A1", "Заказ-№5", "주문-7", '=HYPERLINK("x")'}


@pytest.mark.parametrize("target", ["orders.csv", "sub/../orders.csv", "open.csv"])
def test_cli_refuses_to_overwrite(run_main, tmp_path, target):
    src = tmp_path / "orders.csv"
    ORDERS.to_csv(src, index=False)
    (tmp_path / "sub").mkdir()
    before = src.read_bytes()
    done = run_main("eligibility", str(src), "--as-of", "2026-11-20", "--out", str(tmp_path / "open.csv"), "--ics",
                    str(tmp_path / target))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert src.read_bytes() == before
    assert not (tmp_path / "open.csv").exists()

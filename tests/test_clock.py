from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import disputelib as dl
from disputelib.clock import iso_in_zone, midnight_after, to_instants, to_timer_dates

LA = "America/Los_Angeles"


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2026-03-12", "2026-03-12"),  # a date is that date in the timer zone
        ("2026-03-12T21:30:00-07:00", "2026-03-12"),  # 21:30 in California: still the 12th ...
        ("2026-03-13T04:30:00Z", "2026-03-12"),  # ... although it is the 13th in UTC
        ("2026-03-13T04:30:00+00:00", "2026-03-12"),
        ("2026-03-13 09:00:00+09:00", "2026-03-12"),  # Seoul morning = previous day in California
        ("2026-03-12T23:59:59", "2026-03-12"),  # naive: wall time in the timer zone
        ("2026-03-12 00:00", "2026-03-12"),
        ("2026-11-01T08:30:00Z", "2026-11-01"),  # after the fall-back change (01:30 PDT)
        (" 2026-03-12 ", "2026-03-12"),
        ("2026-3-12", "2026-03-12"),  # unpadded: a date, not 2026-3 at UTC-12
        ("2026-3-2", "2026-03-02"),
        ("2026-03-12T09:30-0700", "2026-03-12"),
        ("2026-03-13T04Z", "2026-03-12"),  # hours only, with an offset: still an instant
        ("20260313T043000Z", "2026-03-12"),  # the compact form
        ("2026-03-13T12+09:00", "2026-03-12"),
    ],
)
def test_values_are_placed_in_the_timer_zone(value, date):
    dates, bad = to_timer_dates(pd.Series([value]), LA)
    assert not bad[0]
    assert str(dates[0]) == date


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2026/03/12", "2026-03-12"),  # year first: as Japanese, Chinese and Korean tools write
        ("2026. 3. 12.", "2026-03-12"),
        ("2026.03.12 21:30", "2026-03-12"),
        ("12.03.2026", "2026-03-12"),  # day first with dots: as German, Russian and Polish tools write
        ("12.3.2026, 23:59", "2026-03-12"),
        ("13.03.2026 09:00+09:00", "2026-03-12"),  # an offset after the time still makes it an instant
        ("2026년 3월 12일", "2026-03-12"),
        ("2026年3月12日", "2026-03-12"),
        ("Mar 12, 2026", "2026-03-12"),
        ("March 12th, 2026", "2026-03-12"),
        ("12 Mar 2026", "2026-03-12"),
        ("12 march 2026 23:00", "2026-03-12"),
    ],
)
def test_dates_that_name_one_day_in_any_country_are_read(value, date):
    dates, bad = to_timer_dates(pd.Series([value, "2026-03-12"]), LA)
    assert not bad.any(), value
    assert str(dates[0]) == date == str(dates[1])


@pytest.mark.parametrize(
    "value",
    [
        "12/03/2026",  # the 12th of March or the 3rd of December: never guessed
        "03/12/2026",
        "2026-02-30",
        "31.02.2026",
        "2026/13/01",
        "12.03.26",  # a two-digit year
        "Smarch 12, 2026",
        "yesterday",
        "2026-13-01T00:00Z",
        "2026",  # a year or a month names no day
        "2026-11",
        "10:00",  # a time alone would be today's
        "02-11-2026",
    ],
)
def test_unreadable_values_are_flagged(value):
    dates, bad = to_timer_dates(pd.Series([value]), LA)
    assert bad[0] and np.isnat(dates[0])


def test_missing_values_are_not_errors():
    dates, bad = to_timer_dates(pd.Series(["", None, "   "], dtype=object), LA)
    assert not bad.any() and np.isnat(dates).all()


def test_typed_columns():
    aware = pd.Series(pd.to_datetime(["2026-03-13T04:30:00Z"], utc=True))
    naive = pd.Series(pd.to_datetime(["2026-03-13T04:30:00"]))
    objects = pd.Series([dt.date(2026, 3, 13), dt.datetime(2026, 3, 13, 4, 30, tzinfo=dt.UTC)], dtype=object)
    assert str(to_timer_dates(aware, LA)[0][0]) == "2026-03-12"
    assert str(to_timer_dates(naive, LA)[0][0]) == "2026-03-13"
    assert [str(d) for d in to_timer_dates(objects, LA)[0]] == ["2026-03-13", "2026-03-12"]


@pytest.mark.parametrize(
    ("last_day", "deadline"),
    [
        ("2026-03-07", "2026-03-08T00:00:00-08:00"),  # the night before spring-forward: PST
        ("2026-03-08", "2026-03-09T00:00:00-07:00"),  # the day of the change: PDT
        ("2026-10-31", "2026-11-01T00:00:00-07:00"),  # the night before fall-back: still PDT
        ("2026-11-01", "2026-11-02T00:00:00-08:00"),
        ("2026-12-31", "2027-01-01T00:00:00-08:00"),
    ],
)
def test_deadline_is_the_next_midnight_with_the_offset_in_force(last_day, deadline):
    instants = midnight_after(np.array([last_day], dtype="datetime64[D]"), LA)
    assert iso_in_zone(instants, LA)[0] == deadline


@pytest.mark.parametrize(
    ("zone", "local"),
    [
        ("UTC", "2026-03-09T07:00:00+00:00"),  # shown in UTC only when the buyer lives in UTC
        ("Asia/Seoul", "2026-03-09T16:00:00+09:00"),
        ("Asia/Kolkata", "2026-03-09T12:30:00+05:30"),  # half-hour zones are not rounded
        ("Asia/Kathmandu", "2026-03-09T12:45:00+05:45"),
        ("America/New_York", "2026-03-09T03:00:00-04:00"),
        ("Europe/London", "2026-03-09T07:00:00+00:00"),  # UK not yet on summer time
    ],
)
def test_same_instant_in_the_buyers_zone(zone, local):
    instants = midnight_after(np.array(["2026-03-08"], dtype="datetime64[D]"), LA)
    assert iso_in_zone(instants, pd.Series([zone]))[0] == local


def test_zones_per_row_and_missing_zone():
    instants = midnight_after(np.array(["2026-03-08", "2026-03-08", "2026-07-01"], dtype="datetime64[D]"), LA)
    text = iso_in_zone(instants, pd.Series(["Asia/Seoul", None, "Europe/Moscow"], dtype=object))
    assert text[0] == "2026-03-09T16:00:00+09:00"
    assert pd.isna(text[1])
    assert text[2] == "2026-07-02T10:00:00+03:00"


def test_offsets_in_unusual_forms_are_instants_not_wall_time():
    values = pd.Series(["2026-10-17T12Z", "20261017T120000Z", "2026-10-17T12+09:00", "2026-10-17T12:00:00"])
    from disputelib.clock import to_instants

    instants, bad = to_instants(values, LA)
    assert not bad.any()
    assert [str(i) for i in instants.astype("datetime64[s]")] == [
        "2026-10-17T12:00:00",
        "2026-10-17T12:00:00",
        "2026-10-17T03:00:00",
        "2026-10-17T19:00:00",  # naive: noon in Pacific daylight time
    ]


def test_a_value_read_one_by_one_never_makes_the_others_guessed():
    # "+9:00" is an offset pandas' ISO parser does not take: such a column is read value by value,
    # and that must not read 03/11/2026 as 11 March or 02.11.26 as 11 February
    values = pd.Series(["02.11.2026 10:00 +9:00", "03/11/2026", "02.11.26", "26.11.02", "12/31/2026", "10:00",
                        "Nov 2, 2026 2:30 PM"])  # fmt: skip
    dates, bad = to_timer_dates(values, LA)
    assert bad.tolist() == [False, True, True, True, True, True, False]
    assert [str(d) for d in dates[[0, 6]]] == ["2026-11-01", "2026-11-02"]  # 10:00 in Seoul is the 1st in California


@pytest.mark.parametrize("value", ["02.11.2602", "Nov 2, 1500", "2602년 11월 2일", "2 November 2602"])
def test_dates_far_out_in_any_form_are_outside_never_wrapped(value):
    frame = pd.DataFrame({"order_id": ["A"], "amount_usd": ["10"], "payment_method": ["Visa"], "shipped_at": [value]})
    result = dl.eligibility(frame, "2026-11-27")
    assert result.table.empty
    assert result.rejects["reject_reason"].tolist() == ["shipped_at is outside 1970-01-01 to 2199-12-31"]


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        ("Nov 2, 2026 2:30 PM", "2026-11-02T22:30"),  # 14:30 Pacific (PST, UTC-8)
        ("2026-11-02 12:30 AM", "2026-11-02T08:30"),
        ("2026년 11월 2일 오후 11:30", "2026-11-03T07:30"),
        ("2026年11月2日 午前 1:05", "2026-11-02T09:05"),
        ("2026-11-02 10:00 +9:00", "2026-11-02T01:00"),
    ],
)
def test_twelve_hour_times_and_short_offsets_are_read_alone_or_among_others(value, instant):
    alone, _ = to_instants(pd.Series([value]), LA)
    among, _ = to_instants(pd.Series(["2026-11-01", value, "2026-11-03T10:00"]), LA)
    assert str(alone[0])[:16] == str(among[1])[:16] == instant


@pytest.mark.parametrize("value", ["2026-11-02 10:00 EST", "2026-11-02 13:00 PM"])
def test_zone_names_and_impossible_times_are_unreadable(value):
    _, bad = to_instants(pd.Series([value]), LA)
    assert bad[0]

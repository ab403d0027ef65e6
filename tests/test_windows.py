from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import order_frame
from hypothesis import given, settings
from hypothesis import strategies as st

import disputelib as dl

AS_OF = "2026-04-01"


def one(as_of=AS_OF, pack="aliexpress-2022", **columns) -> pd.Series:
    result = dl.eligibility(order_frame(**columns), as_of, pack)
    assert len(result.rejects) == 0, result.rejects["reject_reason"].tolist()
    return result.table.iloc[0]


def day(value) -> str:
    return str(pd.Timestamp(value).date())


@pytest.mark.parametrize(
    ("case", "columns", "opens", "closes"),
    [
        ("shipped 2026-03-03 opens on the 11th day", {"shipped_at": "2026-03-03"}, "2026-03-13", "2026-05-17"),
        ("received 2026-03-20 closes 15 days later", {"shipped_at": "2026-03-03", "received_at": "2026-03-20"}, "2026-03-13", "2026-04-04"),
        ("not received, US: 60 + 15 days", {"shipped_at": "2026-03-03", "buyer_country": "US"}, "2026-03-13", "2026-05-17"),
        ("not received, RU: 90 + 15 days", {"shipped_at": "2026-03-03", "buyer_country": "RU"}, "2026-03-13", "2026-06-16"),
        ("not received, BR: 120 + 15 days", {"shipped_at": "2026-03-03", "buyer_country": "br"}, "2026-03-13", "2026-07-16"),
        ("protection_days column overrides the country", {"shipped_at": "2026-03-03", "buyer_country": "BR", "protection_days": "30"}, "2026-03-13", "2026-04-17"),
        ("receipt after auto-completion does not extend", {"shipped_at": "2026-01-01", "received_at": "2026-06-01"}, "2026-01-11", "2026-03-17"),
        ("receipt on the ship day", {"shipped_at": "2026-03-03", "received_at": "2026-03-03"}, "2026-03-13", "2026-03-18"),
        ("timestamps are dates in Pacific time", {"shipped_at": "2026-03-04T02:00:00Z", "received_at": "2026-03-13T04:30:00Z"}, "2026-03-13", "2026-03-27"),
    ],
)
def test_windows_from_the_rules(case, columns, opens, closes):
    row = one(**columns)
    assert (day(row.window_opens), day(row.window_closes)) == (opens, closes), case


@pytest.mark.parametrize(
    ("case", "pack", "columns", "opens"),
    [
        ("legacy opens 5 days after shipment", "aliexpress-legacy", {"shipped_at": "2026-03-03"}, "2026-03-08"),
        ("2022 pack opens on the 11th day", "aliexpress-2022", {"shipped_at": "2026-03-03"}, "2026-03-13"),
    ],
)
def test_packs_change_values(case, pack, columns, opens):
    assert day(one(pack=pack, **columns).window_opens) == opens, case


@pytest.mark.parametrize(
    ("as_of", "status", "days_left"),
    [
        ("2026-03-12", "too_early", None),
        ("2026-03-13", "open", 22),
        ("2026-04-03", "open", 1),
        ("2026-04-04", "open", 0),  # the last day still counts
        ("2026-04-05", "expired", None),
    ],
)
def test_status_and_days_left(as_of, status, days_left):
    row = one(as_of=as_of, shipped_at="2026-03-03", received_at="2026-03-20")
    assert row.status == status
    assert (None if pd.isna(row.days_left) else int(row.days_left)) == days_left


def test_not_shipped():
    row = one(shipped_at="")
    assert row.status == "not_shipped" and pd.isna(row.window_opens) and pd.isna(row.days_left)


def test_deadline_in_pacific_and_buyer_time():
    # closes 2026-03-07; the window ends at midnight PST, which is 17:00 in Seoul
    row = one(shipped_at="2026-02-01", received_at="2026-02-20", buyer_timezone="Asia/Seoul")
    assert day(row.window_closes) == "2026-03-07"
    assert row.deadline == pd.Timestamp("2026-03-08T00:00:00-08:00")
    assert str(row.deadline.tz) == "America/Los_Angeles"
    assert row.deadline_local == "2026-03-08T17:00:00+09:00"


def test_deadline_across_daylight_saving():
    # closes 2026-03-08 (the day clocks spring forward): ends at 00:00 PDT, 07:00 UTC
    row = one(shipped_at="2026-02-01", received_at="2026-02-21", buyer_timezone="UTC")
    assert row.deadline == pd.Timestamp("2026-03-09T07:00:00Z")
    assert row.deadline_local == "2026-03-09T07:00:00+00:00"


@pytest.mark.parametrize(
    ("problem", "part", "kind", "claim", "basis"),
    [
        ("not_received", "", "refund_only", 10.0, "amount_paid"),
        ("not_received", "3", "refund_only", 10.0, "amount_paid"),  # not received: the whole amount paid
        ("missing_items", "4.99", "refund_only", 4.99, "problem_amount"),  # the seed story: one item of 18
        ("missing_items", "", "refund_only", 10.0, "amount_paid"),
        ("damaged", "6", "return_goods", 6.0, "problem_amount"),
        ("not_as_described", "", "return_goods", 10.0, "amount_paid"),
        ("counterfeit", "10", "return_goods", 10.0, "problem_amount"),
        ("quality", "2.5", "return_goods", 2.5, "problem_amount"),
        ("Not Received", "", "refund_only", 10.0, "amount_paid"),
        ("", "", "none", None, None),
        ("none", "", "none", None, None),
    ],
)
def test_claims(problem, part, kind, claim, basis):
    row = one(shipped_at="2026-03-03", problem=problem, problem_amount_usd=part)
    assert row.dispute_type == kind
    assert (None if pd.isna(row.claim_usd) else row.claim_usd) == claim
    assert (None if pd.isna(row.claim_basis) else row.claim_basis) == basis


def test_output_columns_and_pass_through(pack):
    frame = order_frame(shipped_at="2026-03-03", store=["Shop <b>1</b>"], note=["  keep spaces "])
    table = dl.eligibility(frame, AS_OF, pack).table
    assert list(table.columns[:9]) == [
        "order_id", "status", "window_opens", "window_closes", "deadline",
        "deadline_local", "days_left", "dispute_type", "claim_usd",
    ]
    assert table["store"].tolist() == ["Shop <b>1</b>"]
    assert table["note"].tolist() == ["  keep spaces "]


def test_caller_frame_is_not_modified(pack):
    frame = order_frame(shipped_at="2026-03-03", payment_method="Visa")
    before = frame.copy()
    dl.eligibility(frame, AS_OF, pack)
    pd.testing.assert_frame_equal(frame, before)


def test_bad_as_of():
    with pytest.raises(ValueError, match="not a date: use YYYY-MM-DD"):
        dl.eligibility(order_frame(), "01/04/2026")


def test_typed_parquet_style_input(pack):
    frame = pd.DataFrame(
        {
            "order_id": ["A", "B"],
            "amount_usd": [12.5, 3.0],
            "payment_method": ["Visa", "alipay"],
            "shipped_at": pd.to_datetime(["2026-03-04T02:00:00Z", "2026-03-03T00:00:00Z"], utc=True),
            "received_at": pd.to_datetime(["2026-03-13T04:30:00Z", None], utc=True),
            "protection_days": pd.array([None, 45], dtype="Int64"),
        }
    )
    table = dl.eligibility(frame, AS_OF, pack).table
    assert [day(d) for d in table.window_opens] == ["2026-03-13", "2026-03-12"]
    assert [day(d) for d in table.window_closes] == ["2026-03-27", "2026-05-01"]  # B shipped on 03-02 in Pacific time


dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


@settings(max_examples=60, deadline=None)
@given(
    shipped=dates,
    transit=st.one_of(st.none(), st.integers(0, 200)),
    country=st.sampled_from(["", "US", "RU", "BR", "KR"]),
    as_of=dates,
    zone=st.sampled_from(["", "Asia/Seoul", "America/Sao_Paulo", "Asia/Kathmandu", "Australia/Lord_Howe"]),
)
def test_invariants(shipped, transit, country, as_of, zone):
    received = "" if transit is None else (shipped + dt.timedelta(days=transit)).isoformat()
    row = one(
        as_of=as_of.isoformat(),
        shipped_at=shipped.isoformat(),
        received_at=received,
        buyer_country=country,
        buyer_timezone=zone,
    )
    opens, closes = row.window_opens.date(), row.window_closes.date()
    # the window never opens after it closes, and never closes before receipt + 15 days is due
    assert opens < closes
    assert closes <= shipped + dt.timedelta(days=int(row.protection_days) + 15)
    # the status agrees with the dates
    expected = "too_early" if as_of < opens else "expired" if as_of > closes else "open"
    assert row.status == expected
    if expected == "open":
        assert int(row.days_left) == (closes - as_of).days >= 0
    # the deadline is midnight after the last day, in Pacific time, and the same instant locally
    local = row.deadline.tz_convert("America/Los_Angeles")
    assert local.date() == closes + dt.timedelta(days=1) and (local.hour, local.minute) == (0, 0)
    if zone:
        assert pd.Timestamp(row.deadline_local) == row.deadline


def test_vectorised_matches_one_by_one(pack):
    rng = np.random.default_rng(7)
    n = 300
    shipped = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    transit = rng.integers(0, 90, n)
    received = [
        "" if t > 70 else (s + pd.Timedelta(days=int(t))).date().isoformat() for s, t in zip(shipped, transit, strict=True)
    ]
    frame = order_frame(
        order_id=[f"V{i}" for i in range(n)],
        shipped_at=[s.date().isoformat() for s in shipped],
        received_at=received,
        buyer_country=list(rng.choice(["US", "RU", "BR", "KR"], n)),
    )
    whole = dl.eligibility(frame, "2026-06-01", pack).table
    parts = pd.concat(
        [dl.eligibility(frame.iloc[i : i + 37], "2026-06-01", pack).table for i in range(0, n, 37)],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(whole, parts)


def reference_window(shipped, received, country, protection, as_of):
    """The rules of DOMAIN.md for one order, written the slow and obvious way."""
    if shipped is None:
        return ("not_shipped", None, None, None)
    days = protection or {"RU": 90, "BR": 120}.get(country, 60)
    completes = shipped + dt.timedelta(days=days)
    last_receipt = completes if received is None or received > completes else received
    opens = shipped + dt.timedelta(days=10)
    closes = last_receipt + dt.timedelta(days=15)
    if as_of < opens:
        return ("too_early", opens, closes, None)
    if as_of > closes:
        return ("expired", opens, closes, None)
    return ("open", opens, closes, (closes - as_of).days)


def test_vectorised_matches_a_row_by_row_reference(pack):
    rng = np.random.default_rng(11)
    n = 400
    as_of = dt.date(2026, 6, 1)
    rows = []
    for i in range(n):
        shipped = None if rng.random() < 0.05 else dt.date(2026, 1, 1) + dt.timedelta(days=int(rng.integers(0, 200)))
        received = None
        if shipped is not None and rng.random() < 0.7:
            received = shipped + dt.timedelta(days=int(rng.integers(0, 150)))
        country = str(rng.choice(["US", "RU", "BR", "KR", ""]))
        protection = int(rng.integers(20, 200)) if rng.random() < 0.1 else None
        rows.append((f"R{i}", shipped, received, country, protection))
    frame = order_frame(
        order_id=[r[0] for r in rows],
        shipped_at=["" if r[1] is None else r[1].isoformat() for r in rows],
        received_at=["" if r[2] is None else r[2].isoformat() for r in rows],
        buyer_country=[r[3] for r in rows],
        protection_days=["" if r[4] is None else str(r[4]) for r in rows],
    )
    table = dl.eligibility(frame, as_of.isoformat(), pack).table
    for (_, shipped, received, country, protection), got in zip(rows, table.itertuples(), strict=True):
        status, opens, closes, left = reference_window(shipped, received, country or None, protection, as_of)
        assert got.status == status
        if opens is not None:
            assert (got.window_opens.date(), got.window_closes.date()) == (opens, closes)
        assert (None if pd.isna(got.days_left) else int(got.days_left)) == left

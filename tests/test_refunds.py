from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disputelib.refunds import add_business_days, arrival_window, business_days_between, refund_channel


@pytest.mark.parametrize(
    ("method", "channel"),
    [
        ("Visa", "original"),
        ("PayPal", "original"),
        ("alipay", "original"),  # an Alipay-wallet payment goes back to the wallet
        ("Russian Post", "alipay"),
        ("Euroset", "alipay"),
        ("Western Union", "alipay"),
        ("T/T", "alipay"),
        ("wire transfer", "alipay"),
        ("Boleto", "alipay"),  # a voucher paid in cash: to the balance by analogy (L)
        ("OXXO", "alipay"),
        ("Kakao Pay", "original"),
        ("bitcoin", "unknown"),  # kept, never dropped: where its refund goes is not known
        (None, None),
    ],
)
def test_refund_channel(method, channel):
    got = refund_channel(pd.Series([method], index=[7]))
    assert got.index.tolist() == [7]
    assert (got.iloc[0] if pd.notna(got.iloc[0]) else None) == channel


def test_refund_channel_reads_the_pack():
    pack_overrides = {"refunds.alipay_methods": ["western_union"]}
    import disputelib as dl

    pack = dl.load_pack("aliexpress-2022", overrides=pack_overrides)
    assert refund_channel(pd.Series(["T/T", "Western Union"]), pack).tolist() == ["original", "alipay"]


# Each case reads: decided (in the timer zone), buyer country -> earliest, latest (7 and 10
# business days in aliexpress-2022; the decision day is day 0).
CASES = [
    # plain weeks: Wednesday + 7 = the next week's Friday, + 10 = the Wednesday after
    ("2026-09-23T10:00:00-07:00", "US", "2026-10-02", "2026-10-07"),
    # Korea, Chuseok 24-26 Sep 2026, National Foundation Day moved to Mon 5 Oct, Hangul Day Fri 9 Oct
    ("2026-09-23T10:00:00-07:00", "KR", "2026-10-07", "2026-10-13"),
    # US Thanksgiving, Thu 26 Nov 2026
    ("2026-11-20T16:00:00-08:00", "US", "2026-12-02", "2026-12-07"),
    # Russia: New Year holidays 31 Dec 2025 and 1-9 Jan 2026
    ("2025-12-30T12:00:00-08:00", "RU", "2026-01-20", "2026-01-23"),
    # Brazil: Carnival 16-17 Feb 2026 is an optional holiday in the holidays package, not a
    # public one, so it counts as a business day
    ("2026-02-13T12:00:00-08:00", "BR", "2026-02-24", "2026-02-27"),
    # a decision on Saturday rolls forward to Monday, day 0
    ("2026-03-07T12:00:00-08:00", "US", "2026-03-18", "2026-03-23"),
    # 21:30 in California on the 12th is the 13th in UTC: the 12th counts (Thursday)
    ("2026-03-13T04:30:00Z", "US", "2026-03-23", "2026-03-26"),
    # Israel rests on Friday and Saturday
    ("2026-06-11T12:00:00-07:00", "IL", "2026-06-22", "2026-06-25"),
    # unknown or missing country: weekends only
    ("2026-09-23T10:00:00-07:00", "XX", "2026-10-02", "2026-10-07"),
    ("2026-09-23T10:00:00-07:00", None, "2026-10-02", "2026-10-07"),
]


@pytest.mark.parametrize(("decided", "country", "earliest", "latest"), CASES)
def test_arrival_window(decided, country, earliest, latest):
    window = arrival_window(pd.Series([decided]), pd.Series([country], dtype=object))
    assert list(window.columns) == ["refund_earliest", "refund_latest"]
    assert window.iloc[0].tolist() == [pd.Timestamp(earliest), pd.Timestamp(latest)]


def test_the_holidays_relied_on_are_real():
    assert dt.date(2026, 9, 25) in holidays.country_holidays("KR", years=2026)
    assert dt.date(2026, 11, 26) in holidays.country_holidays("US", years=2026)
    assert dt.date(2026, 1, 8) in holidays.country_holidays("RU", years=2026)
    assert dt.date(2026, 2, 16) not in holidays.country_holidays("BR", years=2026)
    assert holidays.country_holidays("IL").weekend == {4, 5}


def test_legacy_pack_counts_3_to_20_business_days():
    window = arrival_window(pd.Series(["2026-11-20"]), "US", "aliexpress-legacy")
    assert window.iloc[0].tolist() == [pd.Timestamp("2026-11-25"), pd.Timestamp("2026-12-21")]  # Thanksgiving skipped


def test_many_rows_keep_index_and_missing_values():
    decided = pd.Series(["2026-11-20", None, "not a date", pd.Timestamp("2026-09-23T10:00", tz="Asia/Seoul")],
                        index=[10, 11, 12, 13])  # fmt: skip
    before = decided.copy()
    window = arrival_window(decided, pd.Series(["US", "US", "US", "KR"]))
    assert window.index.tolist() == [10, 11, 12, 13]
    assert window["refund_latest"].isna().tolist() == [False, True, True, False]
    # 10:00 on the 23rd in Seoul is the 22nd (Tuesday) in California
    assert window.loc[13, "refund_earliest"] == pd.Timestamp("2026-10-06")
    pd.testing.assert_series_equal(decided, before)


def test_business_day_helpers():
    days = np.array(["2026-11-25", "2026-11-25"], dtype="datetime64[D]")
    assert add_business_days(days, [1, 2], "US").tolist() == [dt.date(2026, 11, 27), dt.date(2026, 11, 30)]
    with pytest.raises(ValueError, match="negative"):
        add_business_days(days, -1, "US")
    # promised Friday 4 Dec; arriving Saturday is 1 business day late, Tuesday 2
    got = business_days_between(np.array(["2026-12-04"] * 3, "datetime64[D]"),
                                np.array(["2026-12-04", "2026-12-05", "2026-12-08"], "datetime64[D]"), "US")  # fmt: skip
    assert got.tolist() == [0, 1, 2]


COUNTRIES = ["US", "KR", "RU", "BR", "IL", "DE", "FR", "ES", "XX", None]


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
    country=st.sampled_from(COUNTRIES),
    pack_name=st.sampled_from(["aliexpress-2022", "aliexpress-legacy"]),
)
def test_a_refund_never_arrives_before_its_decision(day, country, pack_name):
    window = arrival_window(pd.Series([day.isoformat()]), pd.Series([country], dtype=object), pack_name)
    earliest, latest = window.iloc[0]
    assert pd.Timestamp(day) < earliest <= latest
    assert (latest - pd.Timestamp(day)).days <= 60  # 20 business days never take two months

"""The presentation layer: every value as a reader writes it, tables without NaN or index."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from disputelib import present
from disputelib.present import formats


@pytest.mark.parametrize(
    ("formatter", "value", "expected"),
    [
        (formats.percent, 0.646, "64.6 %"),
        (formats.percent, 1.0, "100.0 %"),
        (formats.percent, 0.0004, "0.0 %"),
        (formats.percent, None, ""),
        (formats.money, 1234.5, "$1,234.50"),
        (formats.money, 0, "$0.00"),
        (formats.money, -3, "-$3.00"),
        (formats.money, 1_000_000.456, "$1,000,000.46"),
        (formats.money, float("nan"), ""),
        (formats.days, 11, "11.0"),
        (formats.days, 19.14, "19.1"),
        (formats.days, float("inf"), ""),
        (formats.count, 20000, "20,000"),
        (formats.count, 7.0, "7"),
        (formats.p_value, 0.0000123, "< 0.001"),
        (formats.p_value, 0.001, "0.001"),
        (formats.p_value, 0.0421, "0.042"),
        (formats.p_value, float("nan"), ""),
        (formats.date, "2026-11-28", "28 Nov 2026"),
        (formats.date, pd.Timestamp("2026-12-05"), "5 Dec 2026"),
        (formats.date, "2026-12-05T23:59:00-08:00", "5 Dec 2026"),
        (formats.date, None, ""),
        (formats.deadline, pd.Timestamp("2026-11-28 00:00", tz="America/Los_Angeles"), "Sat 28 Nov 2026, 00:00 PST"),
        (formats.deadline, pd.Timestamp("2026-07-04 00:00", tz="America/Los_Angeles"), "Sat 4 Jul 2026, 00:00 PDT"),
        (formats.deadline, pd.NaT, ""),
    ],
)
def test_one_value(formatter, value, expected):
    assert formats.one(formatter, value) == expected


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Seoul", "Sat 28 Nov 2026, 17:00 KST"),
        ("Europe/Moscow", "Sat 28 Nov 2026, 11:00 MSK"),
        ("America/Sao_Paulo", "Sat 28 Nov 2026, 05:00 -03"),
        ("Not/AZone", ""),
        (None, ""),
    ],
)
def test_deadline_in_the_buyers_zone(zone, expected):
    instant = pd.Series([pd.Timestamp("2026-11-28 00:00", tz="America/Los_Angeles")])
    assert formats.deadline(instant, pd.Series([zone], dtype=object)).iloc[0] == expected


def test_deadline_from_iso_text_in_one_zone():
    text = pd.Series(["2026-11-28T00:00:00-08:00", None])
    assert formats.deadline(text, "America/Los_Angeles").tolist() == ["Sat 28 Nov 2026, 00:00 PST", ""]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("payment_method", "Payment method"),
        ("median_lo", "Median, 95 % low"),
        ("p_value", "p-value"),
        ("store_region", "Store region"),
        ("x", "X"),
    ],
)
def test_headers(name, expected):
    assert present.header(name) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("cash_payment", "Cash payment"),
        ("tt", "TT (telegraphic transfer)"),
        ("refunded_partial", "Partly refunded"),
        ("Qiwi Wallet", "Qiwi Wallet"),  # unknown codes are shown as given
        ("", ""),
        (None, ""),
    ],
)
def test_values(code, expected):
    assert present.value(code) == expected
    assert present.values(pd.Series([code], dtype=object)).iloc[0] == expected


def test_table_has_no_index_nan_or_underscore_headers():
    frame = pd.DataFrame(
        {
            "payment_method": ["card", "qiwi_wallet", None],
            "n": [10, 3, 0],
            "median_days": [19.14, np.nan, None],
            "recovered_share": [0.646, None, 1.0],
            "claimed_usd": [1234.5, 0.0, np.nan],
        }
    )
    shown = present.table(frame)
    text = shown.text
    assert list(text.columns) == ["Payment method", "Disputes analysed", "Median days", "Share recovered", "Claimed"]
    assert text.iloc[0].tolist() == ["Card", "10", "19.1", "64.6 %", "$1,234.50"]
    assert text.iloc[1].tolist() == ["qiwi_wallet", "3", "", "", "$0.00"]
    html = shown.to_html()
    for bad in (">NaN<", ">None<", ">nan<", "row_heading"):
        assert bad not in html.replace("> ", ">").replace(" <", "<")
    assert "blank level0" not in html  # no index column
    assert not any("_" in c for c in text.columns)


def test_cut_table_says_how_many_it_shows():
    shown = present.table(pd.DataFrame({"order_id": [f"o{i}" for i in range(13)]}), limit=10)
    assert shown.note == "10 of 13 shown"
    assert "10 of 13 shown" in shown.to_html()
    assert "10 of 13 shown" in str(shown)
    assert present.table(pd.DataFrame({"order_id": ["a"]}), limit=10).note == ""


def test_empty_table_is_a_sentence():
    shown = present.table(pd.DataFrame({"row": [], "reject_reason": []}), empty="No rows were rejected.")
    assert shown.to_html() == '<p class="dl-empty">No rows were rejected.</p>'
    assert str(shown) == "No rows were rejected."


def test_wide_table_is_split_repeating_the_first_column():
    frame = pd.DataFrame({f"c{i}": [i] for i in range(20)})
    shown = present.table(frame, max_columns=8)
    assert [len(p.columns) for p in shown.parts] == [8, 8, 6]
    assert all(p.columns[0] == "C0" for p in shown.parts)
    assert list(shown.text.columns) == [present.header(f"c{i}") for i in range(20)]


def test_named_index_becomes_a_column_and_values_are_escaped():
    frame = pd.DataFrame({"orders": [1]}, index=pd.Index(["<script>x</script>"], name="status"))
    html = present.table(frame).to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert ">Status<" in html


def test_deadline_local_uses_the_buyer_timezone_column():
    frame = pd.DataFrame(
        {
            "deadline_local": ["2026-11-28T17:00:00+09:00"],
            "buyer_timezone": ["Asia/Seoul"],
        }
    )
    assert present.table(frame, columns=["deadline_local"]).text.iloc[0, 0] == "Sat 28 Nov 2026, 17:00 KST"


def test_table_does_not_change_the_callers_frame():
    frame = pd.DataFrame({"payment_method": ["card"], "share": [0.5]})
    before = frame.copy()
    present.table(frame)
    pd.testing.assert_frame_equal(frame, before)


@given(
    st.lists(
        st.one_of(
            st.none(), st.floats(allow_nan=True, allow_infinity=True, width=64).filter(lambda x: not abs(x) > 1e300)
        ),
        max_size=20,
    )
)
def test_no_formatter_writes_nan_or_none(numbers):
    series = pd.Series(numbers, dtype="float64")
    for formatter in (formats.percent, formats.money, formats.days, formats.count, formats.number, formats.p_value):
        out = formatter(series)
        assert len(out) == len(series)
        for text, number in zip(out, series, strict=True):
            assert "nan" not in text.lower() and "none" not in text.lower() and "inf" not in text.lower()
            assert (text == "") == (not math.isfinite(number))


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [("western_union", 40, 11.0), ("card", 900, 19.1), ("paypal", 100, 15.0)],
            "Western Union refunds arrived fastest: median 11.0 days, against 19.1 for cards, the slowest.",
        ),
        ([("card", 900, 19.1), ("unknown", 1, 2.0)], "Only Card has enough refunds for a median: 19.1 days."),
        ([("card", 2, 19.1)], "No group has 5 or more refunds with a median reached, so none is compared."),
    ],
)
def test_fastest_caption_is_computed(rows, expected):
    summary = pd.DataFrame(rows, columns=["payment_method", "n", "median_days"])
    assert present.fastest(summary) == expected


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("buyer_country", "# 3.0 Time to refund by buyer country"),
        ("payment_method", "# 3.0 Time to refund by payment method"),
        (None, "# 3.0 Time to refund"),
    ],
)
def test_title_names_the_column(by, expected):
    assert present.title("3.0 Time to refund", by=by) == expected


def test_unused_parameters_are_named():
    assert present.unused({}, "x") == ""
    assert present.unused({"pack": "aliexpress-2022"}, "a dispute table is given") == (
        "Not used in this run: `pack` ('aliexpress-2022') is ignored because a dispute table is given."
    )


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (1e-9, "The 3 payment method groups differ in time to refund (p < 0.001): the gaps are unlikely to be chance."),
        (0.5, "The 3 payment method groups do not differ clearly in time to refund (p = 0.500)."),
    ],
)
def test_significance_sentence(p, expected):
    test = pd.DataFrame({"by": ["payment_method"], "groups": [3], "chi2": [1.0], "df": [2], "p_value": [p]})
    assert present.significance(test) == expected


def test_dispute_origin():
    assert present.dispute_origin(pd.DataFrame(columns=["strategy", "filmed_unboxing"])) == "simulated"
    assert present.dispute_origin(pd.DataFrame(columns=["dispute_id"])) == "from an export"


@pytest.mark.parametrize(
    ("limit", "notes", "expected"),
    [
        (1, (), "1 of 2 shown."),
        (1, ("Card is fastest.",), "1 of 2 shown. Card is fastest."),
        (None, ("Card is fastest.", "no stop"), "Card is fastest. no stop."),
        (None, (), ""),
    ],
)
def test_notes_are_sentences_with_one_full_stop(limit, notes, expected):
    shown = present.table(pd.DataFrame({"order_id": ["a", "b"]}), limit=limit, notes=notes)
    assert shown.sentences == expected
    assert (expected in shown.to_html()) if expected else "dl-note" not in shown.to_html()


_names = st.sampled_from(["payment_method", "median_days", "claim_usd", "recovered_share", "p_value", "n", "x_y", "deadline"])


@given(
    st.dictionaries(
        _names,
        st.lists(st.one_of(st.none(), st.floats(allow_nan=True, width=32), st.text(max_size=6)), min_size=3, max_size=3),
        min_size=1,
    )
)
@example({"payment_method": [None, None, None], "n": [None, float("inf"), ""]})  # an infinity among text
def test_no_displayed_cell_is_nan_none_or_a_snake_case_header(columns):
    frame = pd.DataFrame(columns)
    shown = present.table(frame)
    cells = shown.text.to_numpy().ravel().tolist()
    assert not [c for c in cells if c in ("nan", "NaN", "None", "NaT", "<NA>", "inf")]
    assert not any("_" in c for c in shown.text.columns)
    assert len(shown.text) == len(frame)


def test_every_known_payment_method_has_words_for_a_page():
    from disputelib.payments import KNOWN_METHODS
    from disputelib.present.vocabulary import VALUES

    raw = [m for m in KNOWN_METHODS if m not in VALUES]
    assert raw == [], f"shown as codes on a page: {raw}"  # giropay writes itself in lower case: in VALUES as such

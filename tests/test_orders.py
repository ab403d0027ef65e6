from __future__ import annotations

import pandas as pd
import pytest
from conftest import order_frame
from hypothesis import given, settings
from hypothesis import strategies as st

import disputelib as dl
from disputelib.orders import OrderColumnsError


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("order_id", "", "missing order_id"),
        ("amount_usd", "ten", "amount_usd is not a number"),
        ("amount_usd", "", "missing amount_usd"),
        ("amount_usd", "0", "amount_usd must be positive"),
        ("amount_usd", "-3.5", "amount_usd must be positive"),
        ("amount_usd", "inf", "amount_usd is not a number"),
        ("amount_usd", "nan", "amount_usd is not a number"),
        ("payment_method", "", "missing payment_method"),
        ("shipped_at", "03/03/2026", "unreadable shipped_at"),
        ("received_at", "soon", "unreadable received_at"),
        ("shipped_at", "9999-12-30", "shipped_at is outside 1970-01-01 to 2199-12-31"),
        ("shipped_at", "1900-01-01", "shipped_at is outside 1970-01-01 to 2199-12-31"),
        ("buyer_country", "Korea", "unknown buyer_country Korea"),
        ("buyer_country", "XX", "unknown buyer_country XX"),
        ("buyer_timezone", "Asia/Pyongyang-ish", "unknown buyer_timezone Asia/Pyongyang-ish"),
        ("protection_days", "60.5", "protection_days is not a whole number"),
        ("protection_days", "-1", "protection_days must be positive"),
        ("protection_days", "1e9", "protection_days is above 3650"),
        ("problem", "late", "unknown problem late"),
        ("problem_amount_usd", "abc", "problem_amount_usd is not a number"),
        ("problem_amount_usd", "-inf", "problem_amount_usd is not a number"),
        ("problem_amount_usd", "10.01", "problem_amount_usd is above amount_usd"),
    ],
)
def test_each_bad_value_is_rejected_with_its_reason(column, value, reason):
    frame = order_frame(shipped_at="2026-03-03", note="kept")
    frame[column] = [value]
    result = dl.validate_orders(frame)
    assert len(result.orders) == 0 and len(result.rejects) == 1
    reject = result.rejects.iloc[0]
    assert reason in reject["reject_reason"]
    assert reject[column] == value  # the original value, untouched
    assert reject["note"] == "kept" and reject["row"] == 1


def test_receipt_before_or_without_shipment():
    frame = order_frame(shipped_at=["2026-03-10", ""], received_at=["2026-03-09", "2026-03-09"])
    reasons = dl.validate_orders(frame).rejects["reject_reason"].tolist()
    assert reasons == ["received_at is before shipped_at", "received_at without shipped_at"]


def test_duplicates_reject_every_copy_and_keep_the_rest():
    frame = order_frame(order_id=["A", "B", "A", "C"])
    result = dl.validate_orders(frame)
    assert result.orders["order_id"].tolist() == ["B", "C"]
    assert result.rejects["row"].tolist() == [1, 3]
    assert (result.rejects["reject_reason"] == "duplicate order_id (2 rows)").all()


def test_several_reasons_on_one_row():
    frame = order_frame(amount_usd="-1", payment_method="")
    reason = dl.validate_orders(frame).rejects["reject_reason"].iloc[0]
    assert reason == "amount_usd must be positive; missing payment_method"


@pytest.mark.parametrize(
    ("spelling", "method"),
    [
        ("Visa", "card"), ("MASTERCARD", "card"), ("maestro", "card"), ("card", "card"),
        ("PayPal", "paypal"), ("Alipay", "alipay"),
        ("Western Union", "western_union"), ("western union", "western_union"),
        ("Russian Post", "cash_payment"), ("EUROSET", "cash_payment"), ("Svyaznoy", "cash_payment"),
        ("T/T", "tt"), ("t/t", "tt"), ("Wire transfer", "bank_transfer"), ("Bank Transfer", "bank_transfer"),
        ("  Visa  ", "card"),
    ],
)
def test_payment_spellings(spelling, method):
    result = dl.validate_orders(order_frame(payment_method=spelling))
    assert result.orders["payment_method"].tolist() == [method]


def test_missing_required_columns_is_one_sentence():
    with pytest.raises(OrderColumnsError, match=r"^the orders have no 'amount_usd', 'payment_method' columns"):
        dl.validate_orders(pd.DataFrame({"order_id": ["A"]}))


def test_optional_columns_may_be_absent():
    result = dl.validate_orders(order_frame())
    assert len(result.orders) == 1 and result.orders["shipped_date"].isna().all()


text = st.one_of(st.text(max_size=12), st.sampled_from(["", "2026-03-03", "10", "-1", "Visa", "US", "UTC", "damaged"]))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(*[text] * 8), min_size=0, max_size=12))
def test_no_row_is_ever_lost(rows):
    columns = ["order_id", "amount_usd", "payment_method", "shipped_at", "received_at", "buyer_country", "problem", "problem_amount_usd"]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    result = dl.validate_orders(frame)
    assert len(result.orders) + len(result.rejects) == result.n_read == len(frame)
    assert sorted(result.orders.index.tolist() + (result.rejects["row"] - 1).tolist()) == list(range(len(frame)))
    assert result.rejects["reject_reason"].str.len().gt(0).all()

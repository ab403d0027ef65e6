"""Eligibility on the dates a buyer has: paid and maybe received, never shipped."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import disputelib as dl
from disputelib.windows import ALL_STATUSES, WINDOW_COLUMNS


def judge(as_of: str, **columns) -> pd.Series:
    """One order with only the given dates (date-only: that Pacific day), judged on ``as_of``."""
    given_ = {"payment_method": "Visa", **columns}
    frame = pd.DataFrame({"order_id": ["A"], "amount_usd": ["10"], **{k: [v] for k, v in given_.items()}})
    result = dl.eligibility(frame, as_of=as_of)
    assert len(result.rejects) == 0, result.rejects["reject_reason"].tolist()
    return result.table.iloc[0]


def day(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


# received 02-01, paid 01-01: the receipt came within the 60 protection days from payment
RECEIVED_SOON = {"paid_at": "2026-01-01", "received_at": "2026-02-01"}
# received 03-15, 73 days after payment: the order may have completed by itself on 03-02
RECEIVED_LATE = {"paid_at": "2026-01-01", "received_at": "2026-03-15"}


@pytest.mark.parametrize(
    ("case", "dates", "as_of", "status", "closes", "days_left"),
    [
        ("received + 9: may not be open yet", RECEIVED_SOON, "2026-02-10", "needs_data", "2026-02-16", None),
        ("received + 10: open, whatever the shipment", RECEIVED_SOON, "2026-02-11", "open", "2026-02-16", 5),
        ("received + 15: last day", RECEIVED_SOON, "2026-02-16", "open", "2026-02-16", 0),
        ("received + 16: expired", RECEIVED_SOON, "2026-02-17", "expired", "2026-02-16", None),
        (
            "late receipt, received + 10: may have closed on 03-17",
            RECEIVED_LATE,
            "2026-03-25",
            "needs_data",
            None,
            None,
        ),
        ("late receipt, before the earliest close", RECEIVED_LATE, "2026-03-16", "needs_data", None, None),
        ("late receipt, received + 15", RECEIVED_LATE, "2026-03-30", "needs_data", None, None),
        ("late receipt, received + 16: expired", RECEIVED_LATE, "2026-03-31", "expired", None, None),
        ("paid 9 days ago", {"paid_at": "2026-03-01"}, "2026-03-10", "too_early", None, None),
        ("paid 10 days ago, not received", {"paid_at": "2026-03-01"}, "2026-03-11", "needs_data", None, None),
        (
            "received, paid 9 days ago",
            {"paid_at": "2026-03-01", "received_at": "2026-03-05"},
            "2026-03-10",
            "too_early",
            "2026-03-20",
            None,
        ),
        ("cancelled", {"paid_at": "2026-03-01", "order_status": "Cancelled"}, "2026-03-20", "cancelled", None, None),
        ("unpaid", {"paid_at": "", "order_status": "PLACE_ORDER_SUCCESS"}, "2026-03-20", "cancelled", None, None),
    ],
)
def test_partial_dates(case, dates, as_of, status, closes, days_left):
    row = judge(as_of, **dates)
    assert row["status"] == status, case
    assert day(row["window_closes"]) == closes, case
    assert pd.isna(row["days_left"]) if days_left is None else row["days_left"] == days_left, case


@pytest.mark.parametrize(
    ("case", "dates", "as_of", "missing", "bounds"),
    [
        (
            "received soon",
            RECEIVED_SOON,
            "2026-02-10",
            "shipped_at",
            ("2026-01-11", "2026-02-11", "2026-02-16", "2026-02-16"),
        ),
        (
            "received late",
            RECEIVED_LATE,
            "2026-03-25",
            "shipped_at",
            ("2026-01-11", "2026-03-25", "2026-03-17", "2026-03-30"),
        ),
        (
            "not received: may not have shipped",
            {"paid_at": "2026-03-01"},
            "2026-03-20",
            "shipped_at",
            ("2026-03-11", None, "2026-05-15", None),
        ),
        (
            "completed on an unknown day",
            {"paid_at": "2026-01-01", "order_status": "Completed"},
            "2026-02-15",
            "shipped_at, received_at",
            ("2026-01-11", "2026-02-25", "2026-01-16", "2026-03-02"),
        ),
    ],
)
def test_bounds(case, dates, as_of, missing, bounds):
    row = judge(as_of, **dates)
    assert row["status"] == "needs_data", case
    assert row["missing"] == missing, case
    got = tuple(
        day(row[c])
        for c in ("window_opens_earliest", "window_opens_latest", "window_closes_earliest", "window_closes_latest")
    )
    assert got == bounds, case


def test_judged_before_its_payment_a_receipt_of_unknown_day_bounds_nothing():
    # Completed on a day the data does not give: by the as_of day, when that is after the payment;
    # judged on a day before the payment, nothing says when, so no window is exact.
    row = judge("2026-02-15", paid_at="2026-03-01", order_status="Completed")
    assert row["status"] == "too_early" and row["missing"] == "shipped_at, received_at"
    assert pd.isna(row["window_opens"]) and pd.isna(row["window_closes"])
    assert day(row["window_opens_earliest"]) == "2026-03-11" and pd.isna(row["window_opens_latest"])
    assert day(row["window_closes_earliest"]) == "2026-03-16" and pd.isna(row["window_closes_latest"])


def test_orders_with_every_date_keep_their_answer():
    dates = {"shipped_at": "2026-01-05", "received_at": "2026-02-01"}
    plain = judge("2026-02-11", **dates)
    with_paid = judge("2026-02-11", paid_at="2026-01-01", order_status="FINISH", **dates)
    for name in WINDOW_COLUMNS:
        assert (pd.isna(plain[name]) and pd.isna(with_paid[name])) or plain[name] == with_paid[name], name
    assert pd.isna(with_paid["missing"])
    assert day(with_paid["window_opens_earliest"]) == day(with_paid["window_opens_latest"]) == "2026-01-15"


def test_exports_without_buyer_columns_keep_their_columns():
    frame = pd.DataFrame(
        {"order_id": ["A"], "amount_usd": ["1"], "payment_method": ["Visa"], "shipped_at": ["2026-01-05"]}
    )
    table = dl.eligibility(frame, as_of="2026-01-20").table
    assert list(table.columns) == [*WINDOW_COLUMNS, "shipped_at"]  # shipped_at as given passes through
    assert list(table["status"].cat.categories) == ["not_shipped", "too_early", "open", "expired"]


def test_validation_of_buyer_dates():
    frame = pd.DataFrame(
        {
            "order_id": ["A", "B", "C", "D"],
            "amount_usd": ["1"] * 4,
            "paid_at": ["2026-01-10", "2026-01-10", "soon", "2026-01-10"],
            "shipped_at": ["2026-01-05", "", "", ""],
            "received_at": ["", "2026-01-09", "", "2026-01-20"],
        }
    )
    result = dl.eligibility(frame, as_of="2026-01-25")
    assert result.rejects["reject_reason"].tolist() == [
        "shipped_at is before paid_at",
        "received_at is before paid_at",
        "unreadable paid_at (use an ISO 8601 date or timestamp)",
    ]
    assert result.table["order_id"].tolist() == ["D"]  # received without shipped: accepted when paid
    assert "needs_data 1" in result.summary()


# -- the partial answer never contradicts the full one -----------------------------------

ALLOWED = {
    "too_early": {"too_early", "not_shipped"},
    "open": {"open"},
    "expired": {"expired"},
    "needs_data": {"not_shipped", "too_early", "open", "expired"},
}
BASE = dt.date(2026, 1, 1)


@st.composite
def orders(draw):
    """Orders judged on one day under one protection setting: (as_of, protection, [order, ...]).

    Each order is drawn as before: paid 0-200 days after BASE, judged 0-250 days after paying;
    orders sharing a day are judged in one call, each row on its own.
    """
    as_of = draw(st.integers(0, 450))
    protection = draw(st.sampled_from([None, 1, 10, 30, 60, 90, 120]))

    @st.composite
    def order(draw_):
        paid = draw_(st.integers(max(0, as_of - 250), min(200, as_of)))
        kind = draw_(st.sampled_from(["received", "completed_undated", "not_received", "not_shipped"]))
        if kind == "not_shipped":
            return paid, None, None, kind
        shipped = draw_(st.integers(paid, as_of))
        received = draw_(st.integers(shipped, as_of)) if kind != "not_received" else None
        return paid, shipped, received, kind

    return as_of, protection, draw(st.lists(order(), min_size=1, max_size=10))


def _iso(offset: int | None) -> str:
    return "" if offset is None else (BASE + dt.timedelta(days=offset)).isoformat()


@settings(max_examples=60, deadline=None)
@given(orders())
def test_partial_answer_never_contradicts_the_full_one(drawn):
    as_of, protection, rows = drawn
    n = len(rows)
    ids = [f"A{i}" for i in range(n)]
    extra = {} if protection is None else {"protection_days": [str(protection)] * n}
    partial = pd.DataFrame(
        {
            "order_id": ids,
            "amount_usd": ["5"] * n,
            "paid_at": [_iso(paid) for paid, _, _, _ in rows],
            "received_at": [_iso(received) if kind == "received" else "" for _, _, received, kind in rows],
            "order_status": ["Completed" if kind == "completed_undated" else "Awaiting delivery" for *_, kind in rows],
            **extra,
        }
    )
    # the full answer: an export with every date, judged as exports always were
    full = pd.DataFrame(
        {
            "order_id": ids,
            "amount_usd": ["5"] * n,
            "payment_method": ["Visa"] * n,
            "shipped_at": [_iso(shipped) for _, shipped, _, _ in rows],
            "received_at": [_iso(received) for _, _, received, _ in rows],
            **extra,
        }
    )
    day_ = _iso(as_of)
    partials = dl.eligibility(partial, as_of=day_).table.set_index("order_id")
    fulls = dl.eligibility(full, as_of=day_).table.set_index("order_id")
    assert list(partials.index) == list(fulls.index) == ids
    for order_id, (_, _, _, kind) in zip(ids, rows, strict=True):
        p, f = partials.loc[order_id], fulls.loc[order_id]
        assert p["status"] in ALL_STATUSES and f["status"] in ALL_STATUSES
        assert f["status"] in ALLOWED[p["status"]], (order_id, p["status"], f["status"])
        if kind == "not_shipped":
            continue
        for name in ("window_opens", "window_closes"):
            lo, hi, exact = p[f"{name}_earliest"], p[f"{name}_latest"], f[name]
            assert lo <= exact, (order_id, name)
            assert pd.isna(hi) or exact <= hi, (order_id, name)
            if not pd.isna(p[name]):  # the partial answer gave a date: it is the date
                assert p[name] == exact, (order_id, name)
        if p["status"] == "open" and not pd.isna(p["days_left"]):
            assert p["days_left"] == f["days_left"], order_id
    assert not np.isnat(np.datetime64(p["window_opens_earliest"]))


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        ("FINISH", "seller_accept_issue_no_goods_return", "cancelled"),  # refunded by a dispute
        ("FINISH", "buyer_accept_goods", "open"),
        ("IN_ISSUE", None, "open"),
    ],
)
def test_closed_orders_are_cancelled_even_with_every_date(status, reason, expected):
    row = judge("2026-02-11", shipped_at="2026-01-05", received_at="2026-02-01", order_status=status, end_reason=reason)
    assert row["status"] == expected


def test_a_plain_export_keeps_a_column_named_missing():
    frame = pd.DataFrame({"order_id": ["A"], "amount_usd": ["1"], "payment_method": ["Visa"], "missing": ["one screw"]})
    assert dl.eligibility(frame, as_of="2026-01-20").table["missing"].tolist() == ["one screw"]

"""Routes to the money: every shipped route pack against dates worked out by hand.

Expected dates are literals, counted on a calendar from the rules in the issue and in
DOMAIN.md ("Other routes to the money"), never from the code's own helpers.
"""

from __future__ import annotations

import datetime as dt

import icalendar
import numpy as np
import pandas as pd
import pytest
from conftest import order_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import disputelib as dl
from disputelib.ics import event_uid, to_ics
from disputelib.routes import ROUTE_COLUMNS

ALL_PACKS = "aliexpress-2022,paypal,visa-chargeback,mastercard-chargeback,ebay-mbg,amazon-a-to-z,etsy,temu"
MARKETPLACE_PACKS = ("aliexpress-2022", "ebay-mbg", "amazon-a-to-z", "etsy", "temu")
PAYMENT_PACKS = "paypal,visa-chargeback,mastercard-chargeback"


def day(value) -> str | None:
    """A table's date as ``YYYY-MM-DD``, None when empty."""
    return None if pd.isna(value) else str(pd.Timestamp(value).date())


def rows_of(table: pd.DataFrame, order_id: str) -> pd.DataFrame:
    return table.loc[table["order_id"].astype(str) == order_id]


def only_row(table: pd.DataFrame, order_id: str = "O0", route: str | None = None) -> pd.Series:
    picked = rows_of(table, order_id)
    if route is not None:
        picked = picked.loc[picked["route"].astype(str) == route]
    assert len(picked) == 1, picked
    return picked.iloc[0]


def routes_of(table: pd.DataFrame, order_id: str) -> list[str]:
    return rows_of(table, order_id)["route"].astype(str).tolist()


def window(row: pd.Series) -> tuple:
    left = row["days_left"]
    return (
        str(row["status"]),
        day(row["window_opens"]),
        day(row["window_closes"]),
        None if pd.isna(row["deadline"]) else str(row["deadline"]),
        None if pd.isna(left) else int(left),
    )


NOT_RECEIVED = {"paid_at": "2026-03-01", "problem": "not_received", "estimated_delivery": "2026-04-15"}


# --------------------------------------------------------------------------- every pack by hand

# pack, payment as written, other columns, as_of, then (status, opens, closes, deadline, days_left).
# 2026-03-01 + 180 days = 2026-08-28; + 120 days = 2026-06-29; + 540 days = 2027-08-23.
# 2026-04-15 + 120 days = 2026-08-13; 2027-06-01 + 120 days = 2027-09-29 (beyond the cap).
# 2026-05-10 + 30 = 2026-06-09; + 90 = 2026-08-08; + 101 = 2026-08-19 (100 days after 2026-05-11).
HAND_CASES = [
    pytest.param(
        "paypal", "PayPal", {"paid_at": "2026-03-01"}, "2026-06-01",
        ("open", "2026-03-01", "2026-08-28", "2026-08-29T00:00:00-07:00", 88), id="paypal-180-days",
    ),
    pytest.param(
        "paypal", "PayPal", {"paid_at": "2026-03-01"}, "2026-02-28",
        ("too_early", "2026-03-01", "2026-08-28", "2026-08-29T00:00:00-07:00", None), id="paypal-before-payment",
    ),
    pytest.param(
        "paypal", "paypal", {"paid_at": "2026-06-01"}, "2026-11-28",
        ("open", "2026-06-01", "2026-11-28", "2026-11-29T00:00:00-08:00", 0), id="paypal-last-day-in-winter",
    ),
    pytest.param(
        "paypal", "PayPal", {"paid_at": "2028-01-15"}, "2028-07-14",
        ("expired", "2028-01-15", "2028-07-13", "2028-07-14T00:00:00-07:00", None), id="paypal-leap-year",
    ),
    pytest.param(
        "visa-chargeback", "Visa", {"paid_at": "2026-03-01"}, "2026-06-30",
        ("expired", "2026-03-01", "2026-06-29", "2026-06-30T00:00:00+00:00", None), id="visa-120-days",
    ),
    pytest.param(
        "visa-chargeback", "VISA ****1234",
        {"paid_at": "2026-03-01", "problem": "damaged", "estimated_delivery": "2026-04-15"}, "2026-06-29",
        ("open", "2026-03-01", "2026-06-29", "2026-06-30T00:00:00+00:00", 0), id="visa-damaged-counts-from-payment",
    ),
    pytest.param(
        "visa-chargeback", "Visa", NOT_RECEIVED, "2026-04-15",
        ("too_early", "2026-04-16", "2026-08-13", "2026-08-14T00:00:00+00:00", None), id="visa-not-received-early",
    ),
    pytest.param(
        "visa-chargeback", "Visa Electron", NOT_RECEIVED, "2026-04-16",
        ("open", "2026-04-16", "2026-08-13", "2026-08-14T00:00:00+00:00", 119), id="visa-not-received-opens",
    ),
    pytest.param(
        "visa-chargeback", "Visa", {**NOT_RECEIVED, "estimated_delivery": "2027-06-01"}, "2027-08-23",
        ("open", "2027-06-02", "2027-08-23", "2027-08-24T00:00:00+00:00", 0), id="visa-540-day-cap",
    ),
    pytest.param(
        "visa-chargeback", "Visa", {**NOT_RECEIVED, "estimated_delivery": "2027-08-22"}, "2027-08-23",
        ("open", "2027-08-23", "2027-08-23", "2027-08-24T00:00:00+00:00", 0), id="visa-cap-leaves-one-day",
    ),
    pytest.param(
        "visa-chargeback", "Visa", {**NOT_RECEIVED, "estimated_delivery": "2027-08-23"}, "2026-04-01",
        ("expired", None, None, None, None), id="visa-cap-before-opening",
    ),
    pytest.param(
        "mastercard-chargeback", "Maestro", {"paid_at": "2026-03-01"}, "2026-03-01",
        ("open", "2026-03-01", "2026-06-29", "2026-06-30T00:00:00+00:00", 120), id="maestro-120-days",
    ),
    pytest.param(
        "mastercard-chargeback", "MasterCard", NOT_RECEIVED, "2026-08-14",
        ("expired", "2026-04-16", "2026-08-13", "2026-08-14T00:00:00+00:00", None), id="mastercard-not-received",
    ),
    pytest.param(
        "mastercard-chargeback", "Mastercard Maestro", {**NOT_RECEIVED, "estimated_delivery": "2027-06-01"},
        "2027-06-01",
        ("too_early", "2027-06-02", "2027-08-23", "2027-08-24T00:00:00+00:00", None), id="mastercard-540-day-cap",
    ),
    pytest.param(
        "ebay-mbg", "PayPal", {"estimated_delivery": "2026-05-10", "marketplace": "eBay"}, "2026-05-10",
        ("too_early", "2026-05-11", "2026-06-09", "2026-06-10T00:00:00-07:00", None), id="ebay-before-delivery",
    ),
    pytest.param(
        "ebay-mbg", "card", {"estimated_delivery": "2026-05-10", "marketplace": "ebay.co.uk"}, "2026-06-09",
        ("open", "2026-05-11", "2026-06-09", "2026-06-10T00:00:00-07:00", 0), id="ebay-30-days",
    ),
    pytest.param(
        "amazon-a-to-z", "card", {"estimated_delivery": "2026-05-10"}, "2026-05-12",
        ("too_early", "2026-05-13", "2026-08-08", "2026-08-09T00:00:00-07:00", None), id="amazon-3-days-after",
    ),
    pytest.param(
        "amazon-a-to-z", "card", {"estimated_delivery": "2026-05-10", "marketplace": "Amazon"}, "2026-05-13",
        ("open", "2026-05-13", "2026-08-08", "2026-08-09T00:00:00-07:00", 87), id="amazon-90-days",
    ),
    pytest.param(
        "etsy", "card", {"paid_at": "2026-05-01", "estimated_delivery": "2026-05-10"}, "2026-08-19",
        ("open", "2026-05-11", "2026-08-19", "2026-08-20T00:00:00-04:00", 0), id="etsy-100-days-after-eligible",
    ),
    pytest.param(
        "etsy", "card", {"paid_at": "2026-05-01", "estimated_delivery": "2026-05-10", "marketplace": "Etsy"},
        "2026-08-20",
        ("expired", "2026-05-11", "2026-08-19", "2026-08-20T00:00:00-04:00", None), id="etsy-expired",
    ),
    pytest.param(
        "temu", "Alipay", {"paid_at": "2026-05-10", "marketplace": "Temu"}, "2026-05-10",
        ("open", "2026-05-10", "2026-08-08", "2026-08-09T00:00:00-04:00", 90), id="temu-90-days",
    ),
    pytest.param(
        "temu", "Alipay", {"paid_at": "2026-05-10"}, "2026-08-09",
        ("expired", "2026-05-10", "2026-08-08", "2026-08-09T00:00:00-04:00", None), id="temu-expired",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("pack", "payment", "columns", "as_of", "expected"), HAND_CASES)
def test_each_route_pack_by_hand(pack, payment, columns, as_of, expected):
    result = dl.routes(order_frame(payment_method=payment, **columns), as_of, packs=pack)
    row = only_row(result.table, route=pack)
    assert window(row) == expected
    assert str(row["timer_zone"]) == dl.load_pack(pack).timer_zone


def test_not_received_counts_from_the_delivery_date_other_problems_from_the_payment():
    frame = order_frame(
        payment_method=["Visa", "Visa", "Visa", "Mastercard"],
        paid_at="2026-03-01",
        estimated_delivery="2026-04-15",
        problem=["not_received", "damaged", None, "missing_items"],
        problem_amount_usd=[None, None, None, "4"],
    )
    table = dl.routes(frame, "2026-04-01", packs=PAYMENT_PACKS).table
    got = {o: (day(r["window_opens"]), day(r["window_closes"])) for o, r in table.set_index("order_id").iterrows()}
    assert got == {
        "O0": ("2026-04-16", "2026-08-13"),
        "O1": ("2026-03-01", "2026-06-29"),
        "O2": ("2026-03-01", "2026-06-29"),
        "O3": ("2026-03-01", "2026-06-29"),
    }
    assert table["claim_usd"].tolist()[:2] == [10.0, 10.0] and np.isnan(table["claim_usd"].iloc[2])
    assert table["claim_usd"].iloc[3] == 4.0


def test_each_route_counts_days_in_its_own_zone():
    """23:30 in California on 1 March is 2 March in UTC: PayPal counts from the 1st, Visa from the 2nd."""
    frame = order_frame(payment_method=["PayPal", "Visa"], paid_at="2026-03-01T23:30:00-08:00")
    table = dl.routes(frame, "2026-04-01", packs=PAYMENT_PACKS).table
    assert window(only_row(table, "O0")) == ("open", "2026-03-01", "2026-08-28", "2026-08-29T00:00:00-07:00", 149)
    assert window(only_row(table, "O1")) == ("open", "2026-03-02", "2026-06-30", "2026-07-01T00:00:00+00:00", 90)


def test_deadline_local_is_the_deadline_in_the_buyers_zone():
    frame = order_frame(payment_method="Visa", paid_at="2026-03-01", buyer_timezone=["Asia/Seoul"])
    row = only_row(dl.routes(frame, "2026-04-01", packs="visa-chargeback").table)
    assert row["deadline"] == "2026-06-30T00:00:00+00:00"
    assert row["deadline_local"] == "2026-06-30T09:00:00+09:00"


# --------------------------------------------------------------------------- who is covered

PAYMENTS = [
    ("PayPal", ["paypal"], "paid by PayPal"),
    ("paypal", ["paypal"], "paid by PayPal"),
    ("Visa", ["visa-chargeback"], "paid by Visa"),
    ("VISA ****1234", ["visa-chargeback"], "paid by Visa"),
    ("Visa Electron", ["visa-chargeback"], "paid by Visa"),
    ("Credit card (Visa)", ["visa-chargeback"], "paid by Visa"),
    ("Mastercard", ["mastercard-chargeback"], "paid by Mastercard"),
    ("MasterCard ****4242", ["mastercard-chargeback"], "paid by Mastercard"),
    ("Maestro", ["mastercard-chargeback"], "paid by Maestro"),
    ("Mastercard Maestro", ["mastercard-chargeback"], "paid by Maestro"),
    ("American Express", [], None),
    ("Mir", [], None),
    ("card", [], None),
    ("Visa/Mastercard", [], None),
    ("Alipay", [], None),
    ("Apple Pay", [], None),
    ("Bitcoin", [], None),
]


@pytest.fixture(scope="module")
def payment_table() -> pd.DataFrame:
    """Every spelling of PAYMENTS as one order (O0, O1, ...), routed once."""
    frame = order_frame(payment_method=[p[0] for p in PAYMENTS], paid_at="2026-03-01")
    return dl.routes(frame, "2026-04-01", packs=PAYMENT_PACKS).table


@pytest.mark.parametrize("i", range(len(PAYMENTS)), ids=[p[0] for p in PAYMENTS])
def test_payment_routes_cover_only_the_payments_they_name(payment_table, i):
    _, expected, because = PAYMENTS[i]
    assert routes_of(payment_table, f"O{i}") == expected
    if because:
        assert only_row(payment_table, f"O{i}")["covered_because"] == because


@pytest.mark.parametrize("payment", ["PayPal Balance", "PayPal Credit"])
def test_paypal_payments_in_longer_spellings(payment):
    table = dl.routes(
        order_frame(payment_method=payment, paid_at="2026-03-01"), "2026-04-01", packs=PAYMENT_PACKS
    ).table
    assert routes_of(table, "O0") == ["paypal"]


def test_a_network_column_names_the_card_when_the_method_does_not():
    frame = order_frame(payment_method="card", payment_network=["Visa"], paid_at="2026-03-01")
    assert routes_of(dl.routes(frame, "2026-04-01", packs=PAYMENT_PACKS).table, "O0") == ["visa-chargeback"]


def test_payment_routes_ignore_the_marketplace():
    frame = order_frame(payment_method=["PayPal", "Visa"], paid_at="2026-03-01", marketplace=["Shopee", "eBay"])
    table = dl.routes(frame, "2026-04-01", packs=ALL_PACKS).table
    assert routes_of(table, "O0") == ["paypal"]
    assert sorted(routes_of(table, "O1")) == ["ebay-mbg", "visa-chargeback"]


MARKETPLACES = [
    ("eBay", ["ebay-mbg"]),
    ("ebay.co.uk", ["ebay-mbg"]),
    (" EBAY ", ["ebay-mbg"]),
    ("AliExpress", ["aliexpress-2022"]),
    ("Ali Express", ["aliexpress-2022"]),
    ("aliexpress.ru", ["aliexpress-2022"]),
    ("Amazon", ["amazon-a-to-z"]),
    ("amazon.de", ["amazon-a-to-z"]),
    ("ETSY", ["etsy"]),
    ("Temu", ["temu"]),
    ("Shopee", []),
]


@pytest.fixture(scope="module")
def marketplace_table() -> pd.DataFrame:
    """Every spelling of MARKETPLACES as one order (O0, O1, ...), routed once through every pack."""
    frame = order_frame(
        payment_method="Alipay", paid_at="2026-03-01", shipped_at="2026-03-02",
        estimated_delivery="2026-04-15", marketplace=[m[0] for m in MARKETPLACES],
    )  # fmt: skip
    return dl.routes(frame, "2026-04-01", packs=ALL_PACKS).table


@pytest.mark.parametrize("i", range(len(MARKETPLACES)), ids=[m[0].strip() for m in MARKETPLACES])
def test_a_marketplace_pack_covers_its_own_orders_in_any_spelling(marketplace_table, i):
    expected = MARKETPLACES[i][1]
    assert sorted(routes_of(marketplace_table, f"O{i}")) == expected
    names = {
        "aliexpress-2022": "AliExpress",
        "ebay-mbg": "eBay",
        "amazon-a-to-z": "Amazon",
        "etsy": "Etsy",
        "temu": "Temu",
    }
    because = rows_of(marketplace_table, f"O{i}")["covered_because"].astype(str).tolist()
    assert because == [f"{names[r]} order" for r in expected]


@pytest.mark.parametrize("marketplace", ["www.ebay.com", "eBay UK"])
def test_a_marketplace_written_as_a_web_address_or_with_its_country(marketplace):
    frame = order_frame(payment_method="Alipay", estimated_delivery="2026-04-15", marketplace=[marketplace])
    table = dl.routes(frame, "2026-04-01", packs="ebay-mbg").table
    assert routes_of(table, "O0") == ["ebay-mbg"]


def test_an_empty_marketplace_is_covered_by_every_marketplace_pack():
    frame = order_frame(payment_method="Alipay", paid_at="2026-03-01", estimated_delivery="2026-04-15",
                        marketplace=["eBay", "", None, "   "])  # fmt: skip
    table = dl.routes(frame, "2026-04-01", packs=ALL_PACKS).table
    assert routes_of(table, "O0") == ["ebay-mbg"]
    for blank in ("O1", "O2", "O3"):
        assert sorted(routes_of(table, blank)) == sorted(MARKETPLACE_PACKS)
        because = set(rows_of(table, blank)["covered_because"].astype(str))
        assert because == {
            "AliExpress order (no marketplace given)", "eBay order (no marketplace given)",
            "Amazon order (no marketplace given)", "Etsy order (no marketplace given)",
            "Temu order (no marketplace given)",
        }  # fmt: skip


def test_without_a_marketplace_column_every_marketplace_pack_covers_every_order():
    frame = order_frame(payment_method=["Alipay", "PayPal"], paid_at="2026-03-01", estimated_delivery="2026-04-15")
    table = dl.routes(frame, "2026-04-01", packs=ALL_PACKS).table
    assert sorted(routes_of(table, "O0")) == sorted(MARKETPLACE_PACKS)
    assert sorted(routes_of(table, "O1")) == sorted((*MARKETPLACE_PACKS, "paypal"))


# amount, paid_at, shipped_at, covered: above 250 USD not covered, 500 USD in November and December
ETSY_CAPS = [
    ("250", "2026-10-15", None, True),
    ("250.01", "2026-10-15", None, False),
    ("500", "2026-11-15", None, True),
    ("500.01", "2026-12-31", None, False),
    ("400", "2026-12-01", None, True),
    ("400", "2027-01-05", None, False),
    ("400", None, "2026-11-20", True),  # no payment date: the shipment's month
    ("400", "2026-11-01T02:00:00Z", None, False),  # 31 October in New York, the pack's zone
]


@pytest.fixture(scope="module")
def etsy_table() -> pd.DataFrame:
    frame = order_frame(
        amount_usd=[c[0] for c in ETSY_CAPS], payment_method="card", paid_at=[c[1] for c in ETSY_CAPS],
        shipped_at=[c[2] for c in ETSY_CAPS], estimated_delivery="2027-01-20",
    )  # fmt: skip
    return dl.routes(frame, "2027-01-10", packs="etsy,temu").table


@pytest.mark.parametrize("i", range(len(ETSY_CAPS)), ids=[f"{c[0]}-{c[1] or c[2]}" for c in ETSY_CAPS])
def test_etsy_leaves_out_orders_above_its_cap_by_month(etsy_table, i):
    assert ("etsy" in routes_of(etsy_table, f"O{i}")) is ETSY_CAPS[i][3]
    assert "temu" in routes_of(etsy_table, f"O{i}")  # Temu has no cap


def test_etsy_does_not_cover_another_marketplaces_order():
    frame = order_frame(payment_method="card", estimated_delivery="2026-05-10", marketplace=["eBay", "etsy"])
    table = dl.routes(frame, "2026-05-20", packs="etsy").table
    assert table["order_id"].tolist() == ["O1"]


# --------------------------------------------------------------------------- needs_data

NEEDS = [
    ("paypal", "PayPal", {"shipped_at": "2026-03-02"}, "paid_at"),
    ("paypal", "PayPal", {"paid_at": [None], "shipped_at": "2026-03-02"}, "paid_at"),
    ("visa-chargeback", "Visa", {"shipped_at": "2026-03-02"}, "paid_at"),
    ("visa-chargeback", "Visa", {"shipped_at": "2026-03-02", "problem": "not_received"}, "paid_at, estimated_delivery"),
    ("visa-chargeback", "Visa", {"paid_at": "2026-03-01", "problem": "not_received"}, "estimated_delivery"),
    ("mastercard-chargeback", "Maestro", {"estimated_delivery": "2026-04-15", "problem": "not_received"}, "paid_at"),
    ("ebay-mbg", "card", {"paid_at": "2026-03-01"}, "estimated_delivery"),
    ("amazon-a-to-z", "card", {"paid_at": "2026-03-01", "estimated_delivery": [None]}, "estimated_delivery"),
    ("etsy", "card", {"paid_at": "2026-03-01"}, "estimated_delivery"),
    ("temu", "card", {"estimated_delivery": "2026-04-15"}, "paid_at"),
]


@pytest.mark.parametrize(("pack", "payment", "columns", "missing"), NEEDS)
def test_a_missing_anchor_is_needs_data_naming_the_column(pack, payment, columns, missing):
    row = only_row(dl.routes(order_frame(payment_method=payment, **columns), "2026-04-01", packs=pack).table)
    assert str(row["status"]) == "needs_data" and row["missing"] == missing
    assert pd.isna(row["window_opens"]) and pd.isna(row["window_closes"])
    assert pd.isna(row["deadline"]) and pd.isna(row["days_left"])


def test_only_needs_data_rows_name_missing_columns():
    frame = order_frame(payment_method="Visa", paid_at=["2026-03-01", None], estimated_delivery="2026-04-15")
    table = dl.routes(frame, "2026-04-01", packs=PAYMENT_PACKS).table
    assert table["missing"].isna().tolist() == [True, False]


# --------------------------------------------------------------------------- several routes per order


def test_routes_of_one_order_are_ordered_by_their_last_day():
    frame = order_frame(
        order_id=["V", "W"], payment_method=["Visa", "PayPal"], paid_at="2026-03-01",
        shipped_at=["2026-03-02", None], estimated_delivery="2026-04-15", problem=["not_received", None],
    )  # fmt: skip
    table = dl.routes(frame, "2026-04-01", packs=ALL_PACKS).table
    got = [(o, r, day(c)) for o, r, c in zip(table["order_id"], table["route"], table["window_closes"], strict=True)]
    # ebay 15 Apr + 30; aliexpress 2 Mar + 60 + 15; temu 1 Mar + 90; amazon 15 Apr + 90; etsy 15 Apr + 101;
    # visa (not received) 15 Apr + 120; paypal 1 Mar + 180; W never shipped: AliExpress last, without a day.
    assert got == [
        ("V", "ebay-mbg", "2026-05-15"),
        ("V", "aliexpress-2022", "2026-05-16"),
        ("V", "temu", "2026-05-30"),
        ("V", "amazon-a-to-z", "2026-07-14"),
        ("V", "etsy", "2026-07-25"),
        ("V", "visa-chargeback", "2026-08-13"),
        ("W", "ebay-mbg", "2026-05-15"),
        ("W", "temu", "2026-05-30"),
        ("W", "amazon-a-to-z", "2026-07-14"),
        ("W", "etsy", "2026-07-25"),
        ("W", "paypal", "2026-08-28"),
        ("W", "aliexpress-2022", None),
    ]
    assert list(table.columns[:10]) == [
        "order_id", "route", "covered_because", "status", "window_opens", "window_closes",
        "deadline", "deadline_local", "days_left", "claim_usd",
    ]  # fmt: skip


@pytest.mark.parametrize("packs", [["temu", "amazon-a-to-z"], ["amazon-a-to-z", "temu"]])
def test_routes_closing_the_same_day_keep_the_order_they_were_named_in(packs):
    # 2026-05-10 + 90 days, from the payment (Temu) and from the estimated delivery (Amazon)
    frame = order_frame(payment_method="card", paid_at="2026-05-10", estimated_delivery="2026-05-10")
    table = dl.routes(frame, "2026-05-20", packs=packs).table
    assert table["route"].astype(str).tolist() == packs
    assert [day(c) for c in table["window_closes"]] == ["2026-08-08", "2026-08-08"]


def test_packs_can_be_given_as_loaded_packs_and_the_default_is_the_four_routes():
    frame = order_frame(payment_method="Visa", paid_at="2026-03-01", shipped_at="2026-03-02")
    named = dl.routes(frame, "2026-04-01").table
    loaded = dl.routes(frame, dt.date(2026, 4, 1), packs=[dl.load_pack(p) for p in dl.DEFAULT_ROUTES]).table
    pd.testing.assert_frame_equal(named, loaded)
    assert dl.DEFAULT_ROUTES == ("aliexpress-2022", "paypal", "visa-chargeback", "mastercard-chargeback")
    assert routes_of(named, "O0") == ["aliexpress-2022", "visa-chargeback"]


# --------------------------------------------------------------------------- the marketplace route is eligibility's


def eligibility_rows(frame: pd.DataFrame, as_of: str) -> pd.DataFrame:
    table = dl.eligibility(frame, as_of).table
    status = table["status"].astype(str).replace({"not_shipped": "needs_data"})
    keep = (status != "cancelled").to_numpy(bool)
    out = pd.DataFrame(
        {
            "order_id": table["order_id"].astype(str),
            "status": status.tolist(),
            "window_opens": [day(v) for v in table["window_opens"]],
            "window_closes": [day(v) for v in table["window_closes"]],
            "deadline": [None if pd.isna(v) else v.isoformat() for v in table["deadline"]],
            "deadline_local": [None if pd.isna(v) else str(v) for v in table["deadline_local"]],
            "days_left": [None if pd.isna(v) else int(v) for v in table["days_left"]],
        },
        dtype=object,
    )
    return out.loc[keep].reset_index(drop=True)


def marketplace_rows(
    frame: pd.DataFrame, as_of: str, packs: str = "aliexpress-2022,paypal,visa-chargeback"
) -> pd.DataFrame:
    table = dl.routes(frame, as_of, packs=packs).table
    table = table.loc[table["route"].astype(str) == "aliexpress-2022"]
    return pd.DataFrame(
        {
            "order_id": table["order_id"].astype(str),
            "status": table["status"].astype(str),
            "window_opens": [day(v) for v in table["window_opens"]],
            "window_closes": [day(v) for v in table["window_closes"]],
            "deadline": [None if pd.isna(v) else str(v) for v in table["deadline"]],
            "deadline_local": [None if pd.isna(v) else str(v) for v in table["deadline_local"]],
            "days_left": [None if pd.isna(v) else int(v) for v in table["days_left"]],
        },
        dtype=object,
    ).reset_index(drop=True)


def test_the_aliexpress_route_agrees_with_eligibility_on_a_sellers_export():
    frame = order_frame(
        order_id=["received", "in-transit", "not-shipped", "brazil", "late"],
        payment_method="Visa",
        shipped_at=["2026-03-03", "2026-03-01", None, "2026-01-10", "2026-01-02"],
        received_at=["2026-03-20", None, None, None, "2026-01-20"],
        buyer_country=[None, None, None, "BR", None],
        buyer_timezone=["Asia/Seoul", None, "Europe/Moscow", "America/Sao_Paulo", None],
    )
    routes = marketplace_rows(frame, "2026-03-25")
    pd.testing.assert_frame_equal(routes, eligibility_rows(frame, "2026-03-25"))
    # by hand: received 20 Mar + 15 = 4 Apr; 1 Mar + 60 + 15 = 15 May; BR 10 Jan + 120 + 15 = 25 May
    assert routes["window_closes"].tolist() == ["2026-04-04", "2026-05-15", None, "2026-05-25", "2026-02-04"]
    assert routes["status"].tolist() == ["open", "open", "needs_data", "open", "expired"]
    missing = dl.routes(frame, "2026-03-25", packs="aliexpress-2022").table.set_index("order_id")["missing"]
    assert missing["not-shipped"] == "shipped_at" and missing.drop("not-shipped").isna().all()


def test_the_aliexpress_route_agrees_with_eligibility_on_a_buyers_export():
    frame = order_frame(
        order_id=["shipped", "unshipped-old", "unshipped-new", "received-only", "cancelled"],
        payment_method=["PayPal", "Visa", "Visa", "Visa", "PayPal"],
        paid_at=["2026-02-01", "2026-02-01", "2026-03-20", "2026-02-01", "2026-02-01"],
        shipped_at=["2026-02-03", None, None, None, None],
        received_at=[None, None, None, "2026-03-15", None],
        order_status=[
            "WAIT_BUYER_ACCEPT_GOODS",
            "WAIT_SELLER_SEND_GOODS",
            "WAIT_SELLER_SEND_GOODS",
            "FINISH",
            "IN_CANCEL",
        ],
    )
    routes = marketplace_rows(frame, "2026-03-25")
    pd.testing.assert_frame_equal(routes, eligibility_rows(frame, "2026-03-25"))
    assert "cancelled" not in routes["order_id"].tolist()
    by_id = routes.set_index("order_id")
    assert by_id.loc["unshipped-old", "status"] == "needs_data"
    missing = dl.routes(frame, "2026-03-25", packs="aliexpress-2022").table.set_index("order_id")["missing"]
    assert missing["unshipped-old"] == "shipped_at"
    # received 15 Mar + 15 days = 30 Mar, whatever the shipment day
    assert by_id.loc["received-only", "window_closes"] == "2026-03-30"
    # the card and PayPal routes still cover the cancelled order: only the marketplace's is gone
    table = dl.routes(frame, "2026-03-25").table
    assert routes_of(table, "cancelled") == ["paypal"]


def test_the_aliexpress_route_counts_in_its_own_zone_when_a_utc_pack_is_named_first():
    # C's receipt, 06:00 UTC on 1 March, is 28 February in California: its window closes on 15 March
    frame = order_frame(
        order_id=["A", "B", "C"], payment_method="Visa",
        paid_at=["2026-02-28T20:00:00-08:00", "2026-02-27T20:00:00-08:00", "2026-02-20"],
        shipped_at=["2026-03-01T03:00:00Z", None, None], received_at=[None, None, "2026-03-01T06:00:00Z"],
    )  # fmt: skip
    routes = marketplace_rows(frame, "2026-03-12", packs="visa-chargeback,aliexpress-2022")
    pd.testing.assert_frame_equal(routes, eligibility_rows(frame, "2026-03-12"))
    assert routes["window_closes"].tolist() == ["2026-05-14", None, "2026-03-15"]
    visa = dl.routes(frame, "2026-03-12", packs="visa-chargeback,aliexpress-2022").table
    visa = visa.loc[visa["route"].astype(str) == "visa-chargeback"]
    # Visa counts in UTC: A paid 1 March 04:00 UTC, B 28 February 04:00 UTC
    assert [day(c) for c in visa["window_closes"]] == ["2026-06-29", "2026-06-28", "2026-06-20"]


def test_rejects_are_those_of_eligibility():
    frame = order_frame(
        order_id=["ok", "dup", "dup", "no-amount", "bad-paid", "shipped-early", "bad-problem", "bad-delivery", None],
        amount_usd=["10", "10", "10", "", "10", "10", "10", "10", "10"],
        payment_method="Visa",
        paid_at=["2026-03-01", "2026-03-01", "2026-03-01", "2026-03-01", "yesterday", "2026-03-05", "2026-03-01",
                 "2026-03-01", "2026-03-01"],
        shipped_at=[None, None, None, None, None, "2026-03-02", None, None, None],
        estimated_delivery=["2026-04-01"] * 7 + ["soon", "2026-04-01"],
        problem=[None, None, None, None, None, None, "broken", None, None],
    )  # fmt: skip
    routed = dl.routes(frame, "2026-04-01")
    eligible = dl.eligibility(frame, "2026-04-01")
    pd.testing.assert_frame_equal(routed.rejects, eligible.rejects)
    assert routed.n_read == 9 and routed.n_orders == 1 and len(routed.rejects) == 8
    assert set(routed.table["order_id"]) == {"ok"}
    assert routed.summary().startswith("read 9 rows: 1 accepted, 8 rejected; ")


def test_rejects_do_not_depend_on_which_pack_is_named_first():
    frame = order_frame(payment_method="Visa", shipped_at=["2026-03-01T02:00:00Z"], received_at=["2026-02-28"])
    assert len(dl.eligibility(frame, "2026-03-10").rejects) == 0
    assert len(dl.routes(frame, "2026-03-10", packs="visa-chargeback,aliexpress-2022").rejects) == 0


def test_an_open_route_is_an_event_on_its_last_day_with_an_alarm():
    frame = order_frame(order_id=["A", "B"], payment_method=["Visa", "PayPal"], paid_at="2026-03-01",
                        shipped_at="2026-03-02")  # fmt: skip
    table = dl.routes(frame, "2026-05-20").table
    opened = table.loc[table["status"].astype(str) == "open"]
    # A: aliexpress closed 16 May (2 Mar + 75), Visa 29 Jun; B: PayPal 28 Aug
    assert [(o, str(r)) for o, r in zip(opened["order_id"], opened["route"], strict=True)] == [
        ("A", "visa-chargeback"), ("B", "paypal")]  # fmt: skip
    cal = icalendar.Calendar.from_ical(to_ics(table, "2026-05-20"))
    found = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert set(found) == {event_uid("A", "visa-chargeback"), event_uid("B", "paypal")}
    visa = found[event_uid("A", "visa-chargeback")]
    assert visa.decoded("dtstart") == dt.date(2026, 6, 29) and visa.decoded("dtend") == dt.date(2026, 6, 30)
    (alarm,) = visa.walk("VALARM")
    assert alarm.decoded("trigger") == -dt.timedelta(days=2)
    assert "visa-chargeback" in str(visa["summary"])


# --------------------------------------------------------------------------- properties

ROUTE_PAYMENTS = {  # as written -> the payment routes that must cover it
    "PayPal": {"paypal"},
    "Visa": {"visa-chargeback"},
    "VISA ****1234": {"visa-chargeback"},
    "Visa Electron": {"visa-chargeback"},
    "Mastercard": {"mastercard-chargeback"},
    "MasterCard": {"mastercard-chargeback"},
    "Maestro": {"mastercard-chargeback"},
    "Amex": set(),
    "card": set(),
    "Visa/Mastercard": set(),
    "Alipay": set(),
}
SPELLINGS = {  # marketplace as written -> the pack it names (None: every marketplace pack)
    None: None, "": None, "eBay": "ebay-mbg", "AliExpress": "aliexpress-2022", "amazon.com": "amazon-a-to-z",
    "Etsy": "etsy", "temu": "temu", "Shopee": "shopee",
}  # fmt: skip
FIRST = dt.date(2025, 1, 1)


@st.composite
def exports(draw):
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        paid = FIRST + dt.timedelta(days=draw(st.integers(0, 900)))
        est = draw(st.one_of(st.none(), st.integers(0, 700)))  # a promise before payment is a reject
        ship = draw(st.one_of(st.none(), st.integers(0, 20)))
        rows.append(
            {
                "order_id": f"O{i}",
                "amount_usd": str(draw(st.sampled_from([5, 99.99, 250, 300, 500, 700]))),
                "payment_method": draw(st.sampled_from(sorted(ROUTE_PAYMENTS))),
                "paid_at": None if draw(st.integers(0, 9)) == 0 else paid.isoformat(),
                "shipped_at": None if ship is None else (paid + dt.timedelta(days=ship)).isoformat(),
                "estimated_delivery": None if est is None else (paid + dt.timedelta(days=est)).isoformat(),
                "problem": draw(st.sampled_from([None, "not_received", "damaged", "missing_items"])),
                "marketplace": draw(st.sampled_from(list(SPELLINGS))),
            }
        )
    as_of = FIRST + dt.timedelta(days=draw(st.integers(-30, 1700)))
    return pd.DataFrame(rows, dtype=object), as_of


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
def test_route_tables_hold_their_invariants(drawn):
    frame, as_of = drawn
    result = dl.routes(frame, as_of.isoformat(), packs=ALL_PACKS)
    table = result.table
    assert len(result.rejects) == 0
    today = pd.Timestamp(as_of)
    opens, closes = table["window_opens"], table["window_closes"]
    status = table["status"].astype(str)
    both = opens.notna() & closes.notna()
    assert (opens[both] <= closes[both]).all(), "a window closes before it opens"

    is_open = status == "open"
    assert ((opens[is_open] <= today) & (today <= closes[is_open])).all()
    assert (table.loc[is_open, "days_left"] == (closes[is_open] - today).dt.days).all()
    assert table.loc[~is_open, "days_left"].isna().all()
    early = status == "too_early"
    # eligibility's too_early for a paid order not yet shipped has no exact first day; every other has one
    unshipped = (table["route"].astype(str) == "aliexpress-2022") & opens.isna()
    assert ((today < opens[early]) | unshipped[early]).all()
    expired = status == "expired"
    assert ((today > closes[expired]) | opens[expired].isna()).all()
    assert (closes[expired].notna() | opens[expired].isna()).all()  # a window that never opens has no dates
    needs = status == "needs_data"
    assert table.loc[needs, "missing"].notna().all() and table.loc[~needs, "missing"].isna().all()
    assert opens[needs].isna().all() and closes[needs].isna().all()

    for order in frame.itertuples():
        got = set(routes_of(table, order.order_id))
        payments = got & {"paypal", "visa-chargeback", "mastercard-chargeback"}
        assert payments == ROUTE_PAYMENTS[order.payment_method], (order.payment_method, got)
        named = SPELLINGS[order.marketplace]
        markets = got & set(MARKETPLACE_PACKS)
        if named is None:
            assert markets >= {"aliexpress-2022", "ebay-mbg", "amazon-a-to-z", "temu"}
        else:
            assert markets - {"etsy"} == {named} & (set(MARKETPLACE_PACKS) - {"etsy"})
        when = order.paid_at or order.shipped_at  # the payment's month, else the shipment's
        month = None if when is None else int(when[5:7])
        cap = 500 if month in (11, 12) else 250
        etsy = named in (None, "etsy") and float(order.amount_usd) <= cap
        assert ("etsy" in got) is etsy, (order.amount_usd, order.paid_at, named)
        mine = rows_of(table, order.order_id)
        last_days = mine["window_closes"].to_numpy("datetime64[D]")
        dated = last_days[~np.isnat(last_days)]
        assert (np.diff(dated.astype("int64")) >= 0).all(), "routes of an order are not ordered by window_closes"
        assert not np.isnat(last_days[: len(dated)]).any(), "a route without a last day comes before a dated one"

    by_id = frame.set_index("order_id")
    for row in table.loc[table["route"].astype(str) != "aliexpress-2022"].itertuples():
        order = by_id.loc[row.order_id]
        assert (str(row.status), day(row.window_opens), day(row.window_closes)) == expected_window(
            str(row.route), order, as_of
        ), (row.route, dict(order))


#: The rules of the issue as (anchor, days) per route and problem: the first day open, then
#: the last days of which the earliest counts. ``None``: every other problem.
RULES = {
    "paypal": {None: (("paid_at", 0), [("paid_at", 180)])},
    "visa-chargeback": {
        None: (("paid_at", 0), [("paid_at", 120)]),
        "not_received": (("estimated_delivery", 1), [("estimated_delivery", 120), ("paid_at", 540)]),
    },
    "ebay-mbg": {None: (("estimated_delivery", 1), [("estimated_delivery", 30)])},
    "amazon-a-to-z": {None: (("estimated_delivery", 3), [("estimated_delivery", 90)])},
    "etsy": {None: (("estimated_delivery", 1), [("estimated_delivery", 101)])},
    "temu": {None: (("paid_at", 0), [("paid_at", 90)])},
}
RULES["mastercard-chargeback"] = RULES["visa-chargeback"]


def expected_window(route: str, order: pd.Series, as_of: dt.date) -> tuple:
    """(status, first day, last day) by plain date arithmetic on the export's own dates."""
    (start, after), ends = RULES[route].get(order["problem"], RULES[route][None])

    def date_of(column):
        value = order[column]
        return None if value is None else dt.date.fromisoformat(value)

    if any(date_of(c) is None for c, _ in (*ends, (start, after))):
        return ("needs_data", None, None)
    opens = date_of(start) + dt.timedelta(days=after)
    closes = min(date_of(c) + dt.timedelta(days=n) for c, n in ends)
    if closes < opens:
        return ("expired", None, None)  # a window that never opens has no dates
    status = "too_early" if as_of < opens else "expired" if as_of > closes else "open"
    return (status, opens.isoformat(), closes.isoformat())


@st.composite
def sellers_exports(draw):
    n = draw(st.integers(1, 10))
    rows = []
    for i in range(n):
        paid = FIRST + dt.timedelta(days=draw(st.integers(0, 400)))
        ship = draw(st.one_of(st.none(), st.integers(0, 20)))
        receive = draw(st.one_of(st.none(), st.integers(0, 150)))
        shipped = None if ship is None else paid + dt.timedelta(days=ship)
        received = None if shipped is None or receive is None else shipped + dt.timedelta(days=receive)
        rows.append(
            {
                "order_id": f"O{i}",
                "amount_usd": "10",
                "payment_method": draw(st.sampled_from(["Visa", "PayPal", "Alipay"])),
                "paid_at": paid.isoformat(),
                "shipped_at": None if shipped is None else shipped.isoformat(),
                "received_at": None if received is None else received.isoformat(),
                "buyer_country": draw(st.sampled_from([None, "US", "RU", "BR"])),
                "order_status": draw(st.sampled_from([None, "IN_CANCEL", "FINISH", "WAIT_BUYER_ACCEPT_GOODS"])),
            }
        )
    with_paid = draw(st.booleans())
    frame = pd.DataFrame(rows, dtype=object)
    if not with_paid:
        frame = frame.drop(columns=["paid_at", "order_status"])
    return frame, FIRST + dt.timedelta(days=draw(st.integers(0, 600)))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sellers_exports())
def test_the_aliexpress_route_always_agrees_with_eligibility(drawn):
    frame, as_of = drawn
    pd.testing.assert_frame_equal(
        marketplace_rows(frame, as_of.isoformat(), packs="aliexpress-2022,paypal"),
        eligibility_rows(frame, as_of.isoformat()),
    )


def test_no_accepted_orders_give_an_empty_table_with_the_columns():
    frame = order_frame(amount_usd=[""], payment_method="Visa", paid_at="2026-03-01")
    result = dl.routes(frame, "2026-04-01", packs=ALL_PACKS)
    assert len(result.table) == 0
    # the route columns, then the export's own (here paid_at) as with any other input
    assert tuple(result.table.columns[: len(ROUTE_COLUMNS)]) == ROUTE_COLUMNS
    assert "paid_at" in result.table.columns
    assert (
        result.summary()
        == "read 1 rows: 0 accepted, 1 rejected; 0 routes (too_early 0, open 0, expired 0, needs_data 0)"
    )


def test_a_column_map_in_python():
    frame = pd.DataFrame({"Nr": ["A"], "Betrag": ["10"], "Zahlung": ["PayPal"], "Bezahlt": ["2026-03-01"]})
    names = {"order_id": "Nr", "amount_usd": "Betrag", "payment_method": "Zahlung", "paid_at": "Bezahlt"}
    row = only_row(dl.routes(frame, "2026-04-01", packs="paypal", columns=names).table, "A")
    assert window(row) == ("open", "2026-03-01", "2026-08-28", "2026-08-29T00:00:00-07:00", 149)

"""``payment_network``: the card network from the payment method as written."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import disputelib as dl
from disputelib.payments import ALIASES, CARD_NETWORKS, NETWORK_NAMES, card_network, payment_network
from disputelib.windows import WINDOW_COLUMNS


@pytest.mark.parametrize(
    ("spelling", "network"),
    [
        ("Visa", "visa"),
        ("VISA", "visa"),
        ("  visa  ", "visa"),
        ("Visa Electron", "visa"),
        ("Visa ****1234", "visa"),
        ("Credit card (Visa)", "visa"),
        ("MasterCard", "mastercard"),
        ("Master Card", "mastercard"),
        ("MASTERCARD Debit", "mastercard"),
        ("Maestro", "maestro"),
        ("Mastercard Maestro", "maestro"),
        ("Amex", "amex"),
        ("American Express", "amex"),
        ("AMERICAN  EXPRESS", "amex"),
        ("Mir", "mir"),
        ("Мир", "mir"),
        ("Карта Мир", "mir"),
        ("JCB", "jcb"),
        ("Discover", "discover"),
        ("Diners", "diners"),
        ("Diners Club", "diners"),
        ("UnionPay", "unionpay"),
        ("China UnionPay", "unionpay"),
        ("Union Pay", "unionpay"),
        ("RuPay", "rupay"),
        ("Elo", "elo"),
        ("비자카드", "visa"),
        ("마스터카드", "mastercard"),
        ("银联", "unionpay"),
        ("BC카드", "bc_card"),
        # a bare card names no network
        ("card", None),
        ("Credit Card", None),
        ("debit_card", None),
        # non-card methods
        ("PayPal", None),
        ("Alipay", None),
        ("Apple Pay", None),
        ("Bancontact", None),
        ("Boleto Bancário", None),
        ("Western Union", None),
        ("T/T", None),
        # unknown or ambiguous spellings
        ("Bitcoin", None),
        ("Visa/Mastercard", None),
        ("Hello", None),  # 'elo' only as a whole word
        ("Mirror", None),  # 'mir' only as a whole word
        ("Мировой банк", None),
        ("", None),
    ],
)
def test_card_network(spelling, network):
    assert card_network(spelling) == network


def test_every_name_maps_to_a_known_network():
    assert set(NETWORK_NAMES.values()) <= set(CARD_NETWORKS)
    for name, network in NETWORK_NAMES.items():
        assert card_network(name) == network, name


def test_every_card_alias_either_names_a_network_or_is_a_bare_card():
    for spelling, method in ALIASES.items():
        if method != "card":
            assert card_network(spelling) is None, spelling


@given(st.text(max_size=30))
def test_network_only_for_cards_or_unknown_methods(text):
    network = card_network(text)
    assert network is None or network in CARD_NETWORKS
    if network is not None:
        method = ALIASES.get(" ".join(text.split()).casefold())
        assert method in (None, "card")


def test_series_is_categorical_and_fills_from_a_given_column():
    values = pd.Series(["Visa", "card", None, "PayPal", "card"], index=[5, 6, 7, 8, 9])
    given_column = pd.Series(["", "Mastercard", "amex", "visa", None], index=values.index)
    plain = payment_network(values)
    assert isinstance(plain.dtype, pd.CategoricalDtype)
    assert list(plain.cat.categories) == list(CARD_NETWORKS)
    assert plain.index.tolist() == [5, 6, 7, 8, 9]
    assert plain.astype(object).where(plain.notna(), None).tolist() == ["visa", None, None, None, None]
    filled = payment_network(values, given_column)
    assert filled.astype(object).where(filled.notna(), None).tolist() == ["visa", "mastercard", "amex", "visa", None]


ORDERS = pd.DataFrame(
    {
        "order_id": ["1", "2", "3", "4", "5"],
        "amount_usd": ["10", "10", "10", "10", "10"],
        "payment_method": ["MasterCard", "Amex", "card", "PayPal", "Bitcoin"],
        "shipped_at": ["2026-03-03"] * 5,
        "store": ["s"] * 5,
    }
)


def test_eligibility_column_after_payment_method():
    table = dl.eligibility(ORDERS, "2026-03-20").table
    assert tuple(table.columns) == (*WINDOW_COLUMNS, "shipped_at", "store")
    position = list(table.columns).index("payment_method")
    assert table.columns[position + 1] == "payment_network"
    assert table["payment_method"].astype(str).tolist() == ["card", "card", "card", "paypal", "Bitcoin"]
    got = table["payment_network"].astype(object).where(table["payment_network"].notna(), None).tolist()
    assert got == ["mastercard", "amex", None, None, None]


@pytest.mark.parametrize("name", ["open.csv", "open.parquet"])
def test_a_table_read_back_keeps_its_networks(tmp_path, name):
    table = dl.eligibility(ORDERS, "2026-03-20").table
    dl.write_table(table, tmp_path / name)
    again = dl.eligibility(dl.read_table(tmp_path / name), "2026-03-20").table
    assert again["payment_network"].astype(object).fillna("").tolist() == ["mastercard", "amex", "", "", ""]


def test_buyers_data_without_payment_method():
    orders = pd.DataFrame({"order_id": ["1"], "amount_usd": ["5"], "paid_at": ["2026-01-01"]})
    table = dl.eligibility(orders, "2026-02-01").table
    assert table["payment_network"].isna().all()


@pytest.mark.parametrize(
    ("written", "method"),
    [
        ("카카오페이", "kakao_pay"),
        ("ЮMoney", "yoomoney"),
        ("Банковская карта", "card"),
        ("Мир", "card"),
        ("支付宝", "alipay"),
        ("クレジットカード", "card"),
        ("Cartão de crédito", "card"),
        ("Przelew", "bank_transfer"),
        ("계좌이체", "bank_transfer"),
        ("카카오 페이", "kakao_pay"),  # spaced
        ("ＰａｙＰａｌ", "paypal"),  # fullwidth
        ("Carta\u0303o de cre\u0301dito", "card"),  # accents decomposed (NFD), as macOS writes names
    ],
)
def test_methods_written_in_the_buyers_language_are_known(written, method):
    assert dl.normalize_payment_method(pd.Series([written])).tolist() == [method]

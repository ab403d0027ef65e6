"""Payment methods: one canonical vocabulary, and the spellings real exports use.

The vocabulary covers the methods AliExpress checkouts offer by market (cards, wallets,
bank redirects, vouchers and instant transfers, buy-now-pay-later, cash payment, money
transfers). Where a refund goes is the rule pack's business (``[refunds]``); an order's
dispute window never depends on how it was paid, so a method outside the vocabulary is
kept as written rather than rejected.
"""

from __future__ import annotations

import pandas as pd

from disputelib.columns import map_distinct

#: Canonical payment methods.
PAYMENT_METHODS: tuple[str, ...] = (
    "card",
    "paypal",
    "alipay",
    "cash_payment",
    "western_union",
    "tt",
    "bank_transfer",
)
#: Further canonical methods seen at AliExpress checkouts (not drawn by the simulator).
MORE_METHODS: tuple[str, ...] = (
    "apple_pay",
    "google_pay",
    "samsung_pay",
    "kakao_pay",
    "naver_pay",
    "toss",
    "yoomoney",
    "qiwi",
    "webmoney",
    "sbp",
    "mercado_pago",
    "ideal",
    "bancontact",
    "blik",
    "przelewy24",
    "sofort",
    "giropay",
    "trustly",
    "boleto",
    "pix",
    "oxxo",
    "klarna",
    "afterpay",
)
#: Every canonical method: the ones a rule pack may route.
KNOWN_METHODS: tuple[str, ...] = PAYMENT_METHODS + MORE_METHODS

#: Spellings seen in order exports, lower-cased, mapped to the canonical method.
ALIASES: dict[str, str] = {
    **{m: m for m in KNOWN_METHODS},
    **{m.replace("_", " "): m for m in KNOWN_METHODS},
    # cards
    "credit card": "card",
    "debit card": "card",
    "credit_card": "card",
    "debit_card": "card",
    "visa": "card",
    "mastercard": "card",
    "master card": "card",
    "maestro": "card",
    "american express": "card",
    "amex": "card",
    "jcb": "card",
    "discover": "card",
    "mir": "card",
    "diners": "card",
    "diners club": "card",
    "unionpay": "card",
    "union pay": "card",
    "china unionpay": "card",
    "mir card": "card",
    # wallets
    "alipay balance": "alipay",
    "alipay account": "alipay",
    "pay pal": "paypal",
    "applepay": "apple_pay",
    "googlepay": "google_pay",
    "g pay": "google_pay",
    "gpay": "google_pay",
    "samsungpay": "samsung_pay",
    "kakaopay": "kakao_pay",
    "naverpay": "naver_pay",
    "naver pay": "naver_pay",
    "toss pay": "toss",
    "tosspay": "toss",
    "yoomoney": "yoomoney",
    "yumoney": "yoomoney",
    "yandex.money": "yoomoney",
    "yandex money": "yoomoney",
    "qiwi wallet": "qiwi",
    "sbp": "sbp",
    "faster payments system": "sbp",
    "mercadopago": "mercado_pago",
    # bank redirects
    "przelewy 24": "przelewy24",
    "p24": "przelewy24",
    "sofortüberweisung": "sofort",
    "klarna pay now": "klarna",
    # vouchers and instant transfers
    "boleto bancário": "boleto",
    "boleto bancario": "boleto",
    "pix": "pix",
    "oxxo pay": "oxxo",
    # buy now, pay later
    "afterpay": "afterpay",
    "clearpay": "afterpay",
    # cash payment points (Russia)
    "cash payment": "cash_payment",
    "russian post": "cash_payment",
    "euroset": "cash_payment",
    "svyaznoy": "cash_payment",
    # money transfer
    "western union": "western_union",
    "westernunion": "western_union",
    "t/t": "tt",
    "telegraphic transfer": "tt",
    "wire transfer": "bank_transfer",
    "wire": "bank_transfer",
    "bank transfer": "bank_transfer",
    "bank wire": "bank_transfer",
}


def normalize_payment_method(values: pd.Series) -> pd.Series:
    """Map export spellings to canonical payment methods, in any letter case.

    Parameters
    ----------
    values
        Payment methods as written in an export (``"Visa"``, ``"T/T"``, ...).

    Returns
    -------
    pandas.Series
        Categorical: the canonical method per row (one of :data:`PAYMENT_METHODS`), missing
        where the spelling is unknown or empty.

    Examples
    --------
    >>> normalize_payment_method(pd.Series(["VISA", "Wire transfer", "Euroset"])).tolist()
    ['card', 'bank_transfer', 'cash_payment']
    """
    return map_distinct(values, lambda v: ALIASES.get(_key(v)))


def _key(value: object) -> str:
    return " ".join(str(value).split()).casefold()


def payment_method_or_given(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Canonical methods where the spelling is known, the trimmed text as written otherwise.

    Returns
    -------
    methods : pandas.Series
        Categorical, same index; missing where the value is missing.
    unknown : pandas.Series
        ``bool``: a method was given that the vocabulary does not know.

    Examples
    --------
    >>> methods, unknown = payment_method_or_given(pd.Series(["VISA", "Bitcoin"]))
    >>> methods.tolist(), unknown.tolist()
    (['card', 'Bitcoin'], [False, True])
    """
    methods = map_distinct(values, lambda v: ALIASES.get(_key(v), " ".join(str(v).split())))
    known = map_distinct(values, lambda v: "yes" if _key(v) in ALIASES else None)
    return methods, methods.notna() & known.isna()

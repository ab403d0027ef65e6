"""Payment methods: one canonical vocabulary, and the spellings real exports use."""

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

#: Spellings seen in order exports, lower-cased, mapped to the canonical method.
ALIASES: dict[str, str] = {
    **{m: m for m in PAYMENT_METHODS},
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
    # wallets
    "alipay balance": "alipay",
    "alipay account": "alipay",
    "pay pal": "paypal",
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
    return map_distinct(values, lambda v: ALIASES.get(" ".join(str(v).split()).lower()))

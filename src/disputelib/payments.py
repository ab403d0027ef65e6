"""Payment methods: one canonical vocabulary, and the spellings real exports use.

The vocabulary covers the methods AliExpress checkouts offer by market (cards, wallets,
bank redirects, vouchers and instant transfers, buy-now-pay-later, cash payment, money
transfers). Where a refund goes is the rule pack's business (``[refunds]``); an order's
dispute window never depends on how it was paid, so a method outside the vocabulary is
kept as written rather than rejected.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from disputelib.columns import map_distinct, per_distinct

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
    # the same methods as exports in the buyer's own language write them
    "банковская карта": "card",
    "банковской картой": "card",
    "кредитная карта": "card",
    "дебетовая карта": "card",
    "карта": "card",
    "карта мир": "card",
    "мир": "card",
    "юmoney": "yoomoney",
    "юмани": "yoomoney",
    "яндекс.деньги": "yoomoney",
    "яндекс деньги": "yoomoney",
    "киви": "qiwi",
    "qiwi кошелек": "qiwi",
    "qiwi кошелёк": "qiwi",
    "вебмани": "webmoney",
    "сбп": "sbp",
    "система быстрых платежей": "sbp",
    "почта россии": "cash_payment",
    "евросеть": "cash_payment",
    "связной": "cash_payment",
    "банковский перевод": "bank_transfer",
    "신용카드": "card",
    "체크카드": "card",
    "카드": "card",
    "카카오페이": "kakao_pay",
    "네이버페이": "naver_pay",
    "토스페이": "toss",
    "토스": "toss",
    "삼성페이": "samsung_pay",
    "애플페이": "apple_pay",
    "구글페이": "google_pay",
    "페이팔": "paypal",
    "계좌이체": "bank_transfer",
    "무통장입금": "bank_transfer",
    "クレジットカード": "card",
    "デビットカード": "card",
    "ペイパル": "paypal",
    "銀行振込": "bank_transfer",
    "支付宝": "alipay",
    "支付寶": "alipay",
    "信用卡": "card",
    "借记卡": "card",
    "银行转账": "bank_transfer",
    "銀行轉帳": "bank_transfer",
    "cartão de crédito": "card",
    "cartao de credito": "card",
    "cartão de débito": "card",
    "tarjeta de crédito": "card",
    "tarjeta de credito": "card",
    "tarjeta de débito": "card",
    "transferencia bancaria": "bank_transfer",
    "transferência bancária": "bank_transfer",
    "karta płatnicza": "card",
    "karta kredytowa": "card",
    "przelew": "bank_transfer",
    "przelew bankowy": "bank_transfer",
    "kreditkarte": "card",
    "überweisung": "bank_transfer",
    "carte de crédit": "card",
    "carte bancaire": "card",
    "virement bancaire": "bank_transfer",
}


#: Card networks, as the ``payment_network`` column names them.
CARD_NETWORKS: tuple[str, ...] = (
    "visa",
    "mastercard",
    "maestro",
    "amex",
    "mir",
    "jcb",
    "discover",
    "diners",
    "unionpay",
    "rupay",
    "elo",
    "hipercard",
    "troy",
    "cartes_bancaires",
    "bc_card",
)

#: Names of card networks in payment spellings (lower-cased), to the network. A name made
#: of letters and digits matches as whole words anywhere in the spelling (``Visa ****1234``,
#: ``Credit card (MasterCard)``); one written in Hangul or Han characters, which are not
#: spaced into words, matches anywhere (``비자카드``). The longest name wins where names
#: overlap (``Mastercard Maestro`` is a Maestro card).
NETWORK_NAMES: dict[str, str] = {
    **{n: n for n in CARD_NETWORKS},
    **{n.replace("_", " "): n for n in CARD_NETWORKS},
    "visa electron": "visa",
    "виза": "visa",
    "비자": "visa",
    "master card": "mastercard",
    "mastercard maestro": "maestro",
    "мастеркард": "mastercard",
    "мастер кард": "mastercard",
    "마스터카드": "mastercard",
    "마스터 카드": "mastercard",
    "маэстро": "maestro",
    "american express": "amex",
    "americanexpress": "amex",
    "американ экспресс": "amex",
    "아메리칸 익스프레스": "amex",
    "아멕스": "amex",
    "мир": "mir",
    "diners club": "diners",
    "dinersclub": "diners",
    "diners club international": "diners",
    "union pay": "unionpay",
    "china unionpay": "unionpay",
    "china union pay": "unionpay",
    "银联": "unionpay",
    "銀聯": "unionpay",
    "유니온페이": "unionpay",
    "discover card": "discover",
    "carte bancaire": "cartes_bancaires",
    "bc카드": "bc_card",
    "비씨카드": "bc_card",
}


def _network_pattern(names: dict[str, str]) -> re.Pattern[str]:
    def one(name: str) -> str:
        body = r"\s+".join(re.escape(w) for w in name.split())
        if re.search(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af\u4e00-\u9fff]", name):
            return body  # Hangul and Han are not spaced into words
        return rf"(?<![^\W_]){body}(?![^\W_])"

    return re.compile("|".join(one(n) for n in sorted(names, key=len, reverse=True)))


_NETWORK_PATTERN = _network_pattern(NETWORK_NAMES)
_PAYPAL = re.compile(r"(?<![^\W_])pay\s?pal(?![^\W_])")


def card_network(spelling: object) -> str | None:
    """The card network a payment spelling names, or None.

    None for a spelling of a method that is not a card (``PayPal``, ``Apple Pay``,
    ``Bancontact``), for a bare ``card``, and for one naming two networks
    (``Visa/Mastercard``: which one paid cannot be known).

    Examples
    --------
    >>> [card_network(s) for s in ("VISA", "Credit card (MasterCard) ****1234", "card", "PayPal", "Мир")]
    ['visa', 'mastercard', None, None, 'mir']
    """
    text = " ".join(str(spelling).split()).casefold()
    method = ALIASES.get(text)
    if method is not None and method != "card":
        return None
    found = {NETWORK_NAMES[" ".join(m.group(0).split())] for m in _NETWORK_PATTERN.finditer(text)}
    return found.pop() if len(found) == 1 else None


def payment_network(values: pd.Series, given: pd.Series | None = None) -> pd.Series:
    """The card network of each payment, from the payment method as written.

    Parameters
    ----------
    values
        Payment methods as written in an export (``"Visa"``, ``"MASTERCARD"``,
        ``"Amex"``), before they are mapped to the canonical vocabulary (where every card
        is ``card``).
    given
        An export's own ``payment_network`` column, if it has one (a table this package
        wrote): used where the method names no network, read through the same names.

    Returns
    -------
    pandas.Series
        Categorical over :data:`CARD_NETWORKS`, same index; missing for non-card methods,
        a bare ``card`` and unknown or ambiguous spellings.

    Examples
    --------
    >>> payment_network(pd.Series(["Visa", "American Express", "card", "Alipay"])).tolist()
    ['visa', 'amex', nan, nan]
    """
    network = _networks(values)
    if given is not None:
        fill = _networks(given)
        codes = np.where(network.cat.codes.to_numpy() < 0, fill.cat.codes.to_numpy(), network.cat.codes.to_numpy())
        network = pd.Series(pd.Categorical.from_codes(codes, categories=CARD_NETWORKS), index=values.index)
    return network


def _networks(values: pd.Series) -> pd.Series:
    """:func:`card_network` of each row, categorical over :data:`CARD_NETWORKS`, asked once per distinct value."""
    code = {name: i for i, name in enumerate(CARD_NETWORKS)}
    codes = per_distinct(values, lambda v: code.get(card_network(v), -1), -1, np.int8)
    return pd.Series(pd.Categorical.from_codes(codes, categories=CARD_NETWORKS), index=values.index, copy=False)


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
    return map_distinct(values, canonical_method)


def canonical_method(spelling: object) -> str | None:
    """The canonical method of one spelling: a known alias, else ``card`` for a spelling that
    names a card network (``VISA ****1234``, ``Visa/Mastercard``), else None.

    Examples
    --------
    >>> [canonical_method(s) for s in ("T/T", "VISA ****1234", "Credit card (Mir)", "PayPal Credit", "Bitcoin")]
    ['tt', 'card', 'card', 'paypal', None]
    """
    key = _key(spelling)
    if key in ALIASES:
        return ALIASES[key]
    if _SPACED_SCRIPT.search(key) and key.replace(" ", "") in ALIASES:  # "카카오 페이": Hangul and kana spaced freely
        return ALIASES[key.replace(" ", "")]
    text = key
    if _PAYPAL.search(text):  # PayPal Balance, PayPal Credit, PayPal (Visa ****1234): paid through PayPal
        return "paypal"
    return "card" if _NETWORK_PATTERN.search(text) else None


#: Scripts an export may space inside a name: Hangul, kana and Han.
_SPACED_SCRIPT = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\uac00-\ud7af\u4e00-\u9fff]")


def _key(value: object) -> str:
    """The spelling as the vocabulary is looked up: NFKC (composed accents, ｆｕｌｌｗｉｄｔｈ letters), one space, any case."""
    return " ".join(unicodedata.normalize("NFKC", str(value)).split()).casefold()


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
    >>> methods, unknown = payment_method_or_given(pd.Series(["VISA", "Mastercard ****4242", "Bitcoin"]))
    >>> methods.tolist(), unknown.tolist()
    (['card', 'card', 'Bitcoin'], [False, False, True])
    """
    methods = map_distinct(values, lambda v: canonical_method(v) or " ".join(str(v).split()))
    known = map_distinct(values, lambda v: "yes" if canonical_method(v) else None)
    return methods, methods.notna() & known.isna()

"""The words a reader sees: one vocabulary for column headers and for coded values.

Rules as data: :data:`HEADERS` maps a column name to its header, :data:`VALUES` a code to
its words. A name or code the vocabulary does not know is shown as given (a header with
its underscores turned into spaces), never dropped: real exports carry payment methods,
countries and columns no list can foresee.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: What became of a buyer's problem (:data:`disputelib.analysis.RESOLUTIONS`): values, and
#: column headers once a crosstab spreads them.
RESOLUTION_WORDS: dict[str, str] = {
    "seller_refund": "Seller refunded",
    "seller_reship": "Seller sent again",
    "seller_gift": "Seller's gift",
    "seller_pending": "Seller's fix on its way",
    "dispute_refunded": "Dispute refunded",
    "dispute_pending": "Dispute under way",
    "dispute_no_refund": "Dispute, no refund",
    "not_disputed": "Not disputed",
}

#: Column name -> header shown in tables, chart axes and legends.
HEADERS: dict[str, str] = {
    # orders and eligibility
    "order_id": "Order",
    "store_id": "Store",
    "store_name": "Store name",
    "payment_method": "Payment method",
    "payment_network": "Card network",
    "buyer_country": "Buyer country",
    "buyer_timezone": "Buyer's time zone",
    "amount_usd": "Amount paid",
    "status": "Status",
    "window_opens": "Window opens",
    "window_closes": "Window closes",
    "closes_on": "Window closes",
    "deadline": "Deadline (timer zone)",
    "deadline_pacific": "Deadline (timer zone)",
    "deadline_local": "Deadline (buyer's zone)",
    "days_left": "Days left",
    "dispute_type": "Dispute type",
    "claim_usd": "Claim",
    "claim_basis": "Claim based on",
    "problem": "Problem reported",
    "what_went_wrong": "What went wrong",
    "row": "Row",
    "reject_reason": "Why it was rejected",
    "orders": "Orders",
    "share": "Share",
    "reported": "Reported",
    "total": "Total",
    # disputes
    "dispute_id": "Dispute",
    "disputes": "Disputes",
    "outcome": "Outcome",
    "strategy": "Buyer's strategy",
    "path": "How it went",
    "refund_channel": "Refund channel",
    "stage": "Step",
    "variant": "Variant",
    "pack": "Rule pack",
    "rules": "Rules",
    # survival summaries
    "group": "Group",
    "n": "Disputes analysed",
    "events": "Refunded",
    "censored": "Still pending",
    "no_refund": "Ended without refund",
    "unresolved": "Unresolved",
    "median_days": "Median days",
    "median_lo": "Median, 95 % low",
    "median_hi": "Median, 95 % high",
    "p90_days": "90 % refunded by (days)",
    "p90_lo": "90 %, 95 % low",
    "p90_hi": "90 %, 95 % high",
    # log-rank test
    "by": "Compared by",
    "groups": "Groups",
    "chi2": "Chi-square",
    "df": "Degrees of freedom",
    "p_value": "p-value",
    # money
    "refunded": "Refunds received",
    "claimed_usd": "Claimed",
    "awarded_usd": "Awarded",
    "received_usd": "Received",
    "pending_usd": "Awarded, not yet received",
    "recovered_share": "Share recovered",
    "refund_usd": "Refund",
    # problems
    "problems": "Problems",
    "resolution": "Resolution",
    **RESOLUTION_WORDS,  # crosstabs make resolutions into column headers too
    "money_back_share": "Money back",
    "resolved_share": "Resolved",
    "median_days_to_resolution": "Median days to resolution",
    "dispute_usd": "From disputes",
    "seller_refund_usd": "From sellers",
    "recovered_usd": "Recovered",
    "recovered_per_problem_usd": "Recovered per problem",
}

#: Code -> words, for the coded values of any column.
VALUES: dict[str, str] = {
    # card networks (disputelib.payments.CARD_NETWORKS)
    "visa": "Visa",
    "mastercard": "Mastercard",
    "maestro": "Maestro",
    "amex": "American Express",
    "mir": "Mir",
    "jcb": "JCB",
    "diners": "Diners Club",
    "discover": "Discover",
    "unionpay": "UnionPay",
    "cartes_bancaires": "Cartes Bancaires",
    "bc_card": "BC Card",
    "rupay": "RuPay",
    "elo": "Elo",
    "hipercard": "Hipercard",
    "troy": "Troy",
    # marketplaces (routes)
    "aliexpress": "AliExpress",
    "ebay": "eBay",
    "amazon": "Amazon",
    "etsy": "Etsy",
    "temu": "Temu",
    # payment methods
    "card": "Card",
    "paypal": "PayPal",
    "alipay": "Alipay",
    "cash_payment": "Cash payment",
    "western_union": "Western Union",
    "tt": "TT (telegraphic transfer)",
    "bank_transfer": "Bank transfer",
    "apple_pay": "Apple Pay",
    "google_pay": "Google Pay",
    "samsung_pay": "Samsung Pay",
    "kakao_pay": "Kakao Pay",
    "naver_pay": "Naver Pay",
    "toss": "Toss",
    "yoomoney": "YooMoney",
    "qiwi": "QIWI",
    "webmoney": "WebMoney",
    "sbp": "SBP (Faster Payments System)",
    "mercado_pago": "Mercado Pago",
    "ideal": "iDEAL",
    "bancontact": "Bancontact",
    "blik": "BLIK",
    "przelewy24": "Przelewy24",
    "sofort": "Sofort",
    "giropay": "giropay",
    "trustly": "Trustly",
    "boleto": "Boleto",
    "pix": "Pix",
    "oxxo": "OXXO",
    "klarna": "Klarna",
    "afterpay": "Afterpay",
    # eligibility
    "not_shipped": "Not shipped",
    "too_early": "Too early",
    "open": "Open",
    "expired": "Expired",
    "needs_data": "Needs data",
    "refund_only": "Refund only",
    "return_goods": "Return goods",
    "none": "No problem",
    "amount_paid": "Amount paid",
    "problem_amount": "Problem amount",
    # problems
    "not_received": "Not received",
    "missing_items": "Missing items",
    "missing_item": "Missing item",
    "lost": "Lost",
    "damaged": "Damaged",
    "not_as_described": "Not as described",
    "counterfeit": "Counterfeit",
    "quality": "Quality",
    # outcomes, paths, strategies
    "refunded_full": "Fully refunded",
    "refunded_partial": "Partly refunded",
    "seller_won": "Seller won",
    "cancelled": "Cancelled",
    "pending": "Pending",
    "undecided": "Undecided",
    "agreed_with_seller": "Agreed with the seller",
    "auto_escalated": "Escalated automatically",
    "buyer_escalated": "Escalated by the buyer",
    "dispute_at_once": "Dispute at once",
    "talk_first": "Talk first",
    # refund channels
    "original": "Original method",
    # funnel steps
    "opened": "Opened",
    "seller_answered": "Seller answered",
    "escalated": "Escalated",
    "decided": "Decided",
    "refunded": "Refund received",
    # resolutions
    **RESOLUTION_WORDS,
    # groups made by the package
    "unknown": "Unknown",
    "all": "All",
    "total": "Total",
    "Other": "Other",
}

#: Plural nouns for a few values, for sentences ("against 19.1 for cards").
PLURALS: dict[str, str] = {
    "card": "cards",
    "paypal": "PayPal",
    "alipay": "Alipay",
    "cash_payment": "cash payments",
    "western_union": "Western Union",
    "tt": "telegraphic transfers",
    "bank_transfer": "bank transfers",
}


def header(name: object) -> str:
    """The header of a column: from :data:`HEADERS`, else a code's words (a crosstab's columns),
    else the name with spaces for underscores.

    Examples
    --------
    >>> header("median_lo")
    'Median, 95 % low'
    >>> header("store_region")
    'Store region'
    """
    text = str(name)
    if text in HEADERS:
        return HEADERS[text]
    if text in VALUES:
        return VALUES[text]
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else text


def column_words(name: object) -> str:
    """A column's header in lower case for a sentence: ``buyer_country`` -> ``buyer country``."""
    words = header(name)
    return words if words[:2].isupper() else words[:1].lower() + words[1:]


def value(code: object) -> str:
    """The words for one code; a code the vocabulary does not know is shown as given.

    Examples
    --------
    >>> value("tt")
    'TT (telegraphic transfer)'
    >>> value("Qiwi Wallet")
    'Qiwi Wallet'
    """
    if code is None or code is pd.NA or (isinstance(code, float) and not math.isfinite(code)):
        return ""
    return VALUES.get(str(code), str(code))


def values(codes: pd.Series) -> pd.Series:
    """:func:`value` for a column, computed once per distinct value (a new Series of text)."""
    text = codes.astype("string")
    # a number that is no number (NaN, an infinity among text) is a blank, never "inf"
    numbers = pd.to_numeric(codes.astype(object), errors="coerce").to_numpy("float64")
    missing = text.isna().to_numpy(bool) | np.isinf(numbers)
    raw = text.to_numpy(dtype=object, na_value="")
    distinct = pd.unique(raw[~missing])
    words = {c: VALUES.get(c, c) for c in distinct}
    out = pd.Series([words.get(c, "") if not m else "" for c, m in zip(raw, missing, strict=True)], dtype=object)
    out.index = codes.index
    return out


def plural(code: object) -> str:
    """The code's words for a sentence about several of them ("cards"); else the lower-case words."""
    text = str(code)
    if text in PLURALS:
        return PLURALS[text]
    words = value(text)
    return words if words[:2].isupper() or text not in VALUES else words[:1].lower() + words[1:]

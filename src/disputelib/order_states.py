"""Order states: what a buyer's own export says about where an order stands.

A buyer's data carries the platform's own words: the data backup an ``order_status``
(``FINISH``, ``WAIT_BUYER_ACCEPT_GOODS``...) and, once the trade ended, an ``end_reason``
(``buyer_accept_goods``, ``cancel_order_close_trade``...); a browser extension a
``Status`` (``Completed``, ``Awaiting delivery``...). :func:`order_states` maps them to one
canonical vocabulary, :data:`ORDER_STATES`. The tables below are the rules, as data: an
end reason, when known, decides; otherwise the status does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disputelib.columns import per_distinct

#: Canonical order states, in the order summaries list them.
ORDER_STATES: tuple[str, ...] = (
    "unpaid",  # never paid (or payment not yet made): nothing to dispute
    "cancelled",  # closed before delivery: by the buyer, the seller, a timeout or risk control
    "refunded",  # closed by a dispute the seller accepted or did not answer: already refunded
    "awaiting_shipment",  # paid, not shipped yet
    "awaiting_delivery",  # shipped, not confirmed yet
    "in_dispute",  # a dispute (issue) or a freeze is running
    "received",  # the buyer confirmed receipt; the trade end is the receipt
    "completed",  # completed: by itself when the protection ran out, or receipt of unknown date
    "other",  # a value these tables do not know
)

#: States of an order closed without a delivery: eligibility marks them ``cancelled``.
CLOSED_STATES: frozenset[str] = frozenset({"unpaid", "cancelled", "refunded"})
#: States of an order whose goods count as received (the trade ended on receipt or by itself).
RECEIVED_STATES: frozenset[str] = frozenset({"received", "completed"})

#: ``end_reason`` of the data backup (lower case), once the trade ended.
END_REASONS: dict[str, str] = {
    "buyer_accept_goods": "received",
    "buyer_accept_goods_timeout": "completed",
    "buyer_pay_timeout": "unpaid",
    "buyer_cancel_notpay_order": "unpaid",
    "pay_timeout_close_trade": "unpaid",
    "cancel_order_close_trade": "cancelled",
    "seller_send_goods_timeout": "cancelled",
    "risk_reject_closed": "cancelled",
    "buyer_cancel_order_in_risk": "cancelled",
    "seller_accept_issue_no_goods_return": "refunded",
    "seller_response_issue_timeout": "refunded",
}

#: ``order_status`` of the data backup and ``Status`` of the extension (lower case, spaces
#: and hyphens as underscores).
STATUSES: dict[str, str] = {
    # data backup (the platform's order API vocabulary)
    "place_order_success": "unpaid",
    "wait_buyer_pay": "unpaid",
    "in_cancel": "cancelled",
    "wait_seller_examine_money": "awaiting_shipment",
    "risk_control": "awaiting_shipment",
    "wait_seller_send_goods": "awaiting_shipment",
    "seller_part_send_goods": "awaiting_delivery",
    "wait_buyer_accept_goods": "awaiting_delivery",
    "in_issue": "in_dispute",
    "in_frozen": "in_dispute",
    "fund_processing": "completed",
    # browser extension (the order list's words)
    "awaiting_payment": "unpaid",
    "awaiting_shipment": "awaiting_shipment",
    "awaiting_delivery": "awaiting_delivery",
    "awaiting_confirmation": "awaiting_delivery",
    "shipped": "awaiting_delivery",
    "completed": "completed",
    "finished": "completed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "closed": "cancelled",
    "refunded": "refunded",
    "dispute": "in_dispute",
    "in_dispute": "in_dispute",
}


def _key(value: object) -> str:
    return "_".join(str(value).strip().lower().replace("-", " ").split())


def _code(pair: str) -> int:
    status, _, reason = pair.partition("\x00")
    status, reason = _key(status), _key(reason)
    if not status and not reason:
        return -1
    return ORDER_STATES.index(_state_of(status, reason))


def _state_of(status: str, reason: str) -> str:
    if reason in END_REASONS:
        return END_REASONS[reason]
    if status == "finish":  # the trade ended, for a reason not given or not known
        return "completed" if not reason else "other"
    return STATUSES.get(status, "other")


def order_states(status: pd.Series, end_reason: pd.Series | None = None) -> pd.Series:
    """Canonical state of each order from its status and, when known, its end reason.

    Parameters
    ----------
    status
        ``order_status`` (backup) or ``Status`` (extension), in any letter case.
    end_reason
        ``end_reason`` of the backup, same index; None or missing values when unknown.

    Returns
    -------
    pandas.Series
        Categorical over :data:`ORDER_STATES`, same index; missing where ``status`` and
        ``end_reason`` are both empty.

    Notes
    -----
    A known end reason decides (``buyer_accept_goods`` -> ``received``,
    ``buyer_accept_goods_timeout`` -> ``completed``, cancellations and unpaid timeouts ->
    ``cancelled`` / ``unpaid``, an accepted or unanswered dispute -> ``refunded``);
    ``FINISH`` without an end reason is ``completed``; other values go through
    :data:`STATUSES`; anything unknown is ``other``.

    Examples
    --------
    >>> order_states(pd.Series(["FINISH", "FINISH"]), pd.Series(["buyer_accept_goods", "cancel_order_close_trade"])).tolist()
    ['received', 'cancelled']
    """
    keys = status.astype("string").fillna("")
    reason = end_reason.astype("string").fillna("") if end_reason is not None else ""
    keys = keys + "\x00" + reason
    codes = per_distinct(keys, _code, -1, "int8")  # once per distinct pair, not per row
    return pd.Series(pd.Categorical.from_codes(codes, categories=ORDER_STATES), index=status.index)


def is_closed(states: pd.Series) -> np.ndarray:
    """True where the state is one of :data:`CLOSED_STATES` (no delivery: nothing to dispute)."""
    return states.isin(list(CLOSED_STATES)).to_numpy(bool)

"""Order exports: the input columns, and validation that never loses a row.

:func:`validate_orders` splits an export into accepted orders, with typed and canonical
columns, and rejected rows, kept with their original values and a ``reject_reason``.
Every row read ends up in exactly one of the two.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from disputelib.clock import is_valid_zone, to_timer_dates
from disputelib.columns import map_distinct, number_column, repeated, text_column
from disputelib.contracts import ORDERS
from disputelib.errors import DisputelibError
from disputelib.payments import normalize_payment_method
from disputelib.policy import Pack, load_pack

#: The export's columns, from its contract (:data:`disputelib.contracts.ORDERS`).
REQUIRED_COLUMNS: tuple[str, ...] = ORDERS.required
OPTIONAL_COLUMNS: tuple[str, ...] = ORDERS.optional

#: Problems a buyer can report, and the kind of dispute each one calls for.
PROBLEMS: dict[str, str] = {
    "not_received": "refund_only",
    "missing_items": "refund_only",
    "damaged": "return_goods",
    "not_as_described": "return_goods",
    "counterfeit": "return_goods",
    "quality": "return_goods",
}
DISPUTE_TYPES: tuple[str, ...] = ("none", "refund_only", "return_goods")

#: Dates outside this range are rejected: they are typing errors, and deadlines far beyond
#: it cannot be represented as instants.
FIRST_DAY, LAST_DAY = np.datetime64("1970-01-01", "D"), np.datetime64("2199-12-31", "D")
#: Longest protection a ``protection_days`` value may give (ten years).
MAX_PROTECTION_DAYS = 3650

_NUMBER_HINT = " (write US dollars as 1234.50: no currency symbol, no thousands separator)"

#: Typed columns added to accepted orders (besides the canonical input columns).
SHIPPED, RECEIVED = "shipped_date", "received_date"


class OrderColumnsError(DisputelibError, ValueError):
    """An export without a required column."""


@dataclass(frozen=True)
class ValidatedOrders:
    """Accepted and rejected rows of an order export.

    Attributes
    ----------
    orders
        Accepted rows: ``order_id`` (string), ``amount_usd`` (float), ``payment_method``
        (canonical), ``shipped_date`` and ``received_date`` (dates in the timer zone),
        ``buyer_country`` (upper case), ``buyer_timezone``, ``protection_days`` (Int64),
        ``problem`` (canonical or missing), ``problem_amount_usd`` (float), then every
        other input column untouched. The original row number is the index.
    rejects
        Rejected rows with their original values, ``row`` (1-based data row number) and
        ``reject_reason`` (every reason, separated by ``"; "``).
    n_read
        Rows read; ``len(orders) + len(rejects) == n_read``.
    """

    orders: pd.DataFrame
    rejects: pd.DataFrame
    n_read: int

    def summary(self) -> str:
        return f"read {self.n_read} rows: {len(self.orders)} accepted, {len(self.rejects)} rejected"


@functools.cache
def iso_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, from the time-zone database's ``iso3166.tab``."""
    try:
        text = (resources.files("tzdata") / "zoneinfo" / "iso3166.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        text = Path("/usr/share/zoneinfo/iso3166.tab").read_text(encoding="utf-8")
    return frozenset(line.split("\t", 1)[0] for line in text.splitlines() if line and not line.startswith("#"))


def validate_orders(frame: pd.DataFrame, pack: Pack | str | None = None) -> ValidatedOrders:
    """Check an order export row by row (vectorised) and split accepted from rejected.

    Parameters
    ----------
    frame
        An order export as read by :func:`disputelib.tables.read_table`. Required columns:
        ``order_id``, ``amount_usd``, ``payment_method``; optional: ``shipped_at``,
        ``received_at``, ``buyer_country``, ``buyer_timezone``, ``protection_days``,
        ``problem``, ``problem_amount_usd``. Other columns pass through.
    pack
        The rule pack whose timer zone dates are placed in.

    Returns
    -------
    ValidatedOrders

    Raises
    ------
    OrderColumnsError
        When a required column is missing.

    Notes
    -----
    A row is rejected for: a missing ``order_id``; an ``order_id`` that appears more than
    once (every copy is rejected: which one is right cannot be known); a missing,
    non-numeric or non-positive ``amount_usd``; a missing or unknown ``payment_method``;
    an unreadable ``shipped_at`` or ``received_at``, or one outside 1970-01-01 to
    2199-12-31; a receipt without shipment or before it; an unknown ``buyer_country`` or ``buyer_timezone``; a non-integer, non-positive or
    above-3650 ``protection_days``; an unknown ``problem``; a non-numeric or non-positive
    ``problem_amount_usd`` or one above ``amount_usd``. Infinite amounts are not numbers.
    """
    pack = load_pack(pack)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise OrderColumnsError(
            f"the orders have no {', '.join(repr(c) for c in missing)} column"
            f"{'s' if len(missing) > 1 else ''} (required: {', '.join(REQUIRED_COLUMNS)})"
        )
    n = len(frame)
    reasons: list[tuple[np.ndarray, str, pd.Series | None]] = []  # (row positions, reason, value)

    def reject(mask: np.ndarray | pd.Series, reason: str, value: pd.Series | None = None) -> None:
        """Reject rows under ``mask`` for ``reason``, followed by the row's ``value`` if given."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            reasons.append((np.flatnonzero(mask), reason, value))  # positions: rejects are few

    order_id = text_column(frame, "order_id")
    reject(order_id.isna(), "missing order_id")
    dup = repeated(order_id)
    if dup.any():
        copies = order_id[dup].map(order_id[dup].value_counts()).astype("string") + " rows)"
        reject(dup, "duplicate order_id (", copies.reindex(frame.index))

    amount, amount_bad = number_column(frame, "amount_usd")
    reject(amount_bad | np.isinf(amount), "amount_usd is not a number" + _NUMBER_HINT)
    reject(amount.isna() & ~amount_bad, "missing amount_usd")
    reject(amount <= 0, "amount_usd must be positive")

    method_text = text_column(frame, "payment_method")
    method = normalize_payment_method(method_text)
    reject(method_text.isna(), "missing payment_method")
    reject(method_text.notna() & method.isna(), "unknown payment_method ", method_text)

    shipped, shipped_bad = to_timer_dates(_raw(frame, "shipped_at"), pack.timer_zone)
    received, received_bad = to_timer_dates(_raw(frame, "received_at"), pack.timer_zone)
    reject(shipped_bad, "unreadable shipped_at (use an ISO 8601 date or timestamp)")
    reject(received_bad, "unreadable received_at (use an ISO 8601 date or timestamp)")
    reject(~np.isnat(received) & np.isnat(shipped) & ~shipped_bad, "received_at without shipped_at")
    reject(received < shipped, "received_at is before shipped_at")
    for name, dates in (("shipped_at", shipped), ("received_at", received)):
        reject((dates < FIRST_DAY) | (dates > LAST_DAY), f"{name} is outside {FIRST_DAY} to {LAST_DAY}")

    known = iso_countries()
    country = map_distinct(text_column(frame, "buyer_country"), str.upper)
    bad_country = country.notna() & ~country.isin(known)
    reject(bad_country, "unknown buyer_country ", text_column(frame, "buyer_country"))

    zone = text_column(frame, "buyer_timezone")
    zone_ok = map_distinct(zone, lambda z: "ok" if is_valid_zone(z) else None)
    reject(zone.notna() & zone_ok.isna(), "unknown buyer_timezone ", zone)

    days, days_bad = number_column(frame, "protection_days")
    reject(days_bad | (days.notna() & (days != np.floor(days))), "protection_days is not a whole number")
    reject(days <= 0, "protection_days must be positive")
    reject(days > MAX_PROTECTION_DAYS, f"protection_days is above {MAX_PROTECTION_DAYS}")

    problem_text = text_column(frame, "problem")
    problem = map_distinct(problem_text, lambda p: "_".join(str(p).lower().replace("-", " ").split()))
    problem = problem.mask(problem == "none")
    reject(problem.notna() & ~problem.isin(list(PROBLEMS)), "unknown problem ", problem_text)

    part, part_bad = number_column(frame, "problem_amount_usd")
    reject(part_bad | np.isinf(part), "problem_amount_usd is not a number" + _NUMBER_HINT)
    reject(part <= 0, "problem_amount_usd must be positive")
    reject(part > amount, "problem_amount_usd is above amount_usd")

    bad = np.zeros(n, dtype=bool)
    for rows, _, _ in reasons:
        bad[rows] = True
    row_number = np.arange(1, n + 1)

    rejects = frame.loc[bad].copy()
    position = np.cumsum(bad) - 1  # a rejected row's position among the rejects
    text = pd.Series("", index=rejects.index, dtype="string")
    for rows, reason, value in reasons:
        piece = reason if value is None else reason + value.iloc[rows].astype("string").fillna("").to_numpy(object)
        joined = text.iloc[position[rows]].to_numpy(object)
        joined = np.where(joined == "", joined, joined + "; ") + piece
        text.iloc[position[rows]] = joined
    rejects.insert(0, "reject_reason", text.astype(str))
    rejects.insert(0, "row", row_number[bad])

    keep = ~bad
    # Copy-on-write: a shallow copy shares the caller's columns until one is replaced.
    orders = frame.copy(deep=False) if keep.all() else frame.loc[keep].copy()
    orders["order_id"] = order_id[keep]
    orders["amount_usd"] = amount[keep]
    orders["payment_method"] = method[keep]
    orders[SHIPPED] = pd.Series(shipped[keep].astype("datetime64[s]"), index=orders.index)
    orders[RECEIVED] = pd.Series(received[keep].astype("datetime64[s]"), index=orders.index)
    orders["buyer_country"] = country[keep]
    orders["buyer_timezone"] = zone[keep]
    orders["protection_days"] = days[keep].astype("Int64")
    orders["problem"] = problem[keep].astype("string")
    orders["problem_amount_usd"] = part[keep]
    return ValidatedOrders(orders=orders, rejects=rejects, n_read=n)


def _raw(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")

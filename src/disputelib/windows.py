"""Dispute windows: from when, until when, and for what, each order can be disputed.

Conventions (every pack; packs change the numbers, not the rules of counting):

- Dates are calendar dates in the pack's timer zone (``America/Los_Angeles`` for
  AliExpress), placed there by :mod:`disputelib.clock`.
- ``window_opens`` = shipped date + the ``window_opens`` offset (10 days in
  ``aliexpress-2022``: the 11th day, the ship day being day 1).
- ``window_closes`` (the last day, inclusive) = received date + the ``window_closes``
  offset (15 days). An order not yet received is protected until shipped date +
  protection days (60; 90 for RU; 120 for BR; a ``protection_days`` column overrides),
  then completes by itself; its window closes 15 days after that. A receipt confirmed
  after that date does not extend the window: the order had already completed.
- ``deadline`` = the instant the window ends: 00:00 in the timer zone of the day after
  ``window_closes``, with the UTC offset in force then (daylight saving included).
  ``deadline_local`` is the same instant in the buyer's ``buyer_timezone``.
- ``status`` on ``as_of``: ``not_shipped``, ``too_early``, ``open`` or ``expired``;
  ``days_left`` = ``window_closes`` - ``as_of`` for open orders (0 on the last day).
- ``dispute_type`` and ``claim_usd`` from ``problem``: see :func:`claims`.

All functions work column by column, so they can run per partition of a larger frame
(the duplicate-``order_id`` check in :func:`disputelib.orders.validate_orders` is the one
step that needs the whole table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from disputelib.clock import AsOf, iso_in_zone, midnight_after, parse_as_of
from disputelib.columns import per_distinct
from disputelib.contracts import ELIGIBILITY
from disputelib.orders import DISPUTE_TYPES, PROBLEMS, RECEIVED, SHIPPED, validate_orders
from disputelib.policy import Pack, load_pack

STATUSES: tuple[str, ...] = ("not_shipped", "too_early", "open", "expired")
CLAIM_BASES: tuple[str, ...] = ("amount_paid", "problem_amount")

#: Output columns, in order; input columns that are not consumed follow them.
WINDOW_COLUMNS: tuple[str, ...] = ELIGIBILITY.names  # the contract: disputelib.contracts.ELIGIBILITY


def as_date(value: AsOf, name: str = "as_of") -> np.datetime64:
    """A calendar date (``datetime64[D]``) read by :func:`disputelib.clock.parse_as_of`, the one day parser.

    Raises
    ------
    AsOfError
        A ``ValueError`` with a one-sentence message when the value is not a date.
    """
    return np.datetime64(parse_as_of(value, name), "D")


def _days(values: pd.Series) -> np.ndarray:
    return values.to_numpy("datetime64[s]").astype("datetime64[D]")


def protection_days(orders: pd.DataFrame, pack: Pack) -> np.ndarray:
    """Protection days per order: the ``protection_days`` column, else the pack's by country."""
    protection = pack.protection
    if "buyer_country" in orders.columns:
        days = per_distinct(orders["buyer_country"], protection.days_for, protection.default_days, "int64")
    else:
        days = np.full(len(orders), protection.default_days, dtype="int64")
    if "protection_days" in orders.columns:
        given = pd.to_numeric(orders["protection_days"], errors="coerce").to_numpy("float64", na_value=np.nan)
        days = np.where(np.isnan(given), days, given).astype("int64")
    return days


def claims(orders: pd.DataFrame) -> pd.DataFrame:
    """The dispute to open for each order, and the amount to claim.

    ``not_received`` opens ``refund_only`` for the amount paid; ``missing_items`` opens
    ``refund_only`` for ``problem_amount_usd`` (a partial refund); ``damaged``,
    ``not_as_described``, ``counterfeit`` and ``quality`` open ``return_goods`` for
    ``problem_amount_usd``. Where ``problem_amount_usd`` is empty the amount paid is
    claimed. No problem gives ``none`` and no claim. A claim never exceeds the amount paid.

    Parameters
    ----------
    orders
        Validated orders (canonical ``problem``, numeric amounts).

    Returns
    -------
    pandas.DataFrame
        ``dispute_type`` (categorical), ``claim_usd`` (float, NaN for ``none``) and
        ``claim_basis``: ``amount_paid`` or ``problem_amount`` (which amount was claimed:
        a ``missing_items`` claim on ``amount_paid`` means the export had no
        ``problem_amount_usd`` and the claim is likely too high), same index.
    """
    none = DISPUTE_TYPES.index("none")
    if "problem" in orders.columns:
        problem = orders["problem"]
        kind = per_distinct(problem, lambda p: DISPUTE_TYPES.index(PROBLEMS.get(p, "none")), none, "int8")
        whole = per_distinct(problem, lambda p: p == "not_received", False, bool)
    else:
        kind = np.full(len(orders), none, dtype="int8")
        whole = np.zeros(len(orders), dtype=bool)
    paid = orders["amount_usd"].to_numpy("float64")
    if "problem_amount_usd" in orders.columns:
        part = pd.to_numeric(orders["problem_amount_usd"], errors="coerce").to_numpy("float64", na_value=np.nan)
    else:
        part = np.full(len(orders), np.nan)
    on_paid = np.isnan(part) | whole
    claim = np.where(on_paid, paid, np.minimum(part, paid))
    claim = np.where(kind == none, np.nan, np.round(claim, 2))
    basis = np.where(kind == none, -1, np.where(on_paid, 0, 1))
    return pd.DataFrame(
        {
            "dispute_type": pd.Categorical.from_codes(kind, categories=DISPUTE_TYPES),
            "claim_usd": claim,
            "claim_basis": pd.Categorical.from_codes(basis, categories=CLAIM_BASES),
        },
        index=orders.index,
    )


def compute_windows(orders: pd.DataFrame, as_of: AsOf, pack: Pack | str | None = None) -> pd.DataFrame:
    """Windows, deadlines, status and claims for validated orders.

    Parameters
    ----------
    orders
        Accepted orders from :func:`disputelib.orders.validate_orders` (typed
        ``shipped_date`` and ``received_date`` columns in the timer zone).
    as_of
        The day to judge ``status`` and ``days_left`` on (a date in the timer zone).
    pack
        Rule pack (name, path or :class:`~disputelib.policy.Pack`); default pack if None.

    Returns
    -------
    pandas.DataFrame
        One row per order, same index: ``order_id``, ``status``, ``window_opens`` and
        ``window_closes`` (dates), ``deadline`` (tz-aware, timer zone),
        ``deadline_local`` (ISO 8601 text in ``buyer_timezone``), ``days_left`` (Int64),
        ``dispute_type``, ``claim_usd``, ``claim_basis``; ``status``, ``deadline_local``, ``dispute_type``
        and the cleaned text columns are categoricals (few distinct values in many rows), ``payment_method``, ``amount_usd``,
        ``buyer_country``, ``buyer_timezone``, ``protection_days``, ``protection_ends``
        (date the order completes by itself), ``problem``, then the other input columns.

    Examples
    --------
    >>> import disputelib as dl
    >>> v = dl.validate_orders(pd.DataFrame({"order_id": ["A"], "amount_usd": ["9.5"],
    ...     "payment_method": ["Visa"], "shipped_at": ["2026-03-03"]}))
    >>> compute_windows(v.orders, "2026-03-20")[["status", "window_opens"]].iloc[0].tolist()
    ['open', Timestamp('2026-03-13 00:00:00')]
    """
    pack = load_pack(pack)
    today = as_date(as_of)
    opens_after = pack.timer("window_opens").offset
    closes_after = pack.timer("window_closes").offset

    shipped = _days(orders[SHIPPED])
    received = _days(orders[RECEIVED])
    protect = protection_days(orders, pack)
    protection_ends = shipped + protect.astype("timedelta64[D]")
    completed = np.where(np.isnat(received), protection_ends, np.minimum(received, protection_ends))
    opens = shipped + np.timedelta64(opens_after, "D")
    closes = completed + np.timedelta64(closes_after, "D")

    status = np.select(
        [np.isnat(shipped), today < opens, today > closes],
        [np.int8(STATUSES.index(s)) for s in ("not_shipped", "too_early", "expired")],
        default=np.int8(STATUSES.index("open")),
    )
    is_open = status == STATUSES.index("open")
    days_left = pd.array(np.where(is_open, (closes - today).astype("int64"), 0), dtype="Int64")
    days_left[~is_open] = pd.NA

    deadline = midnight_after(closes, pack.timer_zone)
    zones = orders["buyer_timezone"] if "buyer_timezone" in orders.columns else pd.Series(pd.NA, index=orders.index)
    index = orders.index
    out = pd.DataFrame(
        {
            "order_id": orders["order_id"],
            "status": pd.Series(pd.Categorical.from_codes(status, categories=STATUSES), index=index),
            "window_opens": pd.Series(opens.astype("datetime64[s]"), index=index),
            "window_closes": pd.Series(closes.astype("datetime64[s]"), index=index),
            "deadline": pd.Series(deadline, index=index),
            "deadline_local": pd.Series(iso_in_zone(deadline, zones).array, index=index),
            "days_left": pd.Series(days_left, index=index),
        },
        index=index,
    )
    out = out.join(claims(orders))
    out["payment_method"] = orders["payment_method"]
    out["amount_usd"] = orders["amount_usd"]
    for name in ("buyer_country", "buyer_timezone"):
        out[name] = orders[name] if name in orders.columns else pd.Series(pd.NA, index=index, dtype="string")
    out["protection_days"] = pd.Series(protect, index=index, dtype="Int64")
    out["protection_ends"] = pd.Series(protection_ends.astype("datetime64[s]"), index=index)
    out["problem"] = orders["problem"] if "problem" in orders.columns else pd.Series(pd.NA, index=index, dtype="string")
    consumed = set(WINDOW_COLUMNS) | {SHIPPED, RECEIVED, "problem_amount_usd"}
    extra = [c for c in orders.columns if c not in consumed]
    return pd.concat([out, orders[extra]], axis=1) if extra else out


@dataclass(frozen=True)
class Eligibility:
    """The result of :func:`eligibility`: one row per accepted order, and the rejects."""

    table: pd.DataFrame
    rejects: pd.DataFrame
    n_read: int

    def summary(self) -> str:
        counts = self.table["status"].value_counts()
        by_status = ", ".join(f"{s} {int(counts.get(s, 0))}" for s in STATUSES)
        return (
            f"read {self.n_read} rows: {len(self.table)} accepted, {len(self.rejects)} rejected"
            f" ({by_status})"
        )


def eligibility(frame: pd.DataFrame, as_of: AsOf, pack: Pack | str | None = None) -> Eligibility:
    """Validate an order export and compute every order's dispute window on ``as_of``.

    Parameters
    ----------
    frame
        An order export (see :func:`disputelib.orders.validate_orders` for its columns).
    as_of
        The day to judge on, as ``YYYY-MM-DD`` or a date.
    pack
        Rule pack name, path or object; the default pack when None.

    Returns
    -------
    Eligibility
        ``table`` as returned by :func:`compute_windows`, ``rejects`` with the original
        values and a ``reject_reason``, and ``n_read``.
    """
    pack = load_pack(pack)
    today = as_date(as_of)
    checked = validate_orders(frame, pack)
    table = compute_windows(checked.orders, today, pack).reset_index(drop=True)
    return Eligibility(table=table, rejects=checked.rejects.reset_index(drop=True), n_read=checked.n_read)

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
- A buyer's own data (``paid_at``, ``order_status``) has no shipment date: what its
  dates decide, and the bounds of the window, are in :func:`partial_windows`.

All functions work column by column, so they can run per partition of a larger frame
(the duplicate-``order_id`` check in :func:`disputelib.orders.validate_orders` is the one
step that needs the whole table).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from disputelib.clock import AsOf, iso_in_zone, midnight_after, parse_as_of
from disputelib.columns import factorize, per_distinct, positions
from disputelib.contracts import ELIGIBILITY
from disputelib.order_states import ORDER_STATES, RECEIVED_STATES, is_closed, order_states
from disputelib.orders import (
    DISPUTE_TYPES,
    ESTIMATED,
    PAID,
    PROBLEMS,
    RECEIVED,
    SHIPPED,
    column_hints_note,
    unknown_methods_note,
    validate_orders,
)
from disputelib.payments import payment_network
from disputelib.policy import Pack, load_dispute_pack

STATUSES: tuple[str, ...] = ("not_shipped", "too_early", "open", "expired")
#: Statuses of a buyer's own data (orders with ``paid_at`` or ``order_status``): the
#: known dates cannot decide yet, or the order was closed without a delivery.
PARTIAL_STATUSES: tuple[str, ...] = ("needs_data", "cancelled")
ALL_STATUSES: tuple[str, ...] = STATUSES + PARTIAL_STATUSES
CLAIM_BASES: tuple[str, ...] = ("amount_paid", "problem_amount")

#: Output columns, in order; input columns that are not consumed follow them.
WINDOW_COLUMNS: tuple[str, ...] = ELIGIBILITY.names  # the contract: disputelib.contracts.ELIGIBILITY
#: Columns added after :data:`WINDOW_COLUMNS` for a buyer's own data (see :func:`partial_windows`).
PARTIAL_COLUMNS: tuple[str, ...] = (
    "order_state",
    "missing",
    "window_opens_earliest",
    "window_opens_latest",
    "window_closes_earliest",
    "window_closes_latest",
)


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


_DAY = 86400  # seconds
_NAT = np.iinfo(np.int64).min  # NaT's integer
#: Rows checked at a time where a check would otherwise make a temporary as long as the column.
_BLOCK = 1 << 16


def _day_starts(values: pd.Series, whole_days: bool = False) -> np.ndarray:
    """:func:`_days` as midnights in ``datetime64[s]``: the column itself, not a copy, when it already is that.

    Validated orders hold their dates so (``whole_days``: known, not checked); working in
    seconds then spares converting every date to days and every window back to seconds.
    """
    seconds = values.to_numpy("datetime64[s]")
    if whole_days and values.dtype == "datetime64[s]":
        return seconds
    number = seconds.view("int64")
    for lo in range(0, len(number), _BLOCK):
        block = number[lo : lo + _BLOCK]
        if not ((block % _DAY == 0) | (block == _NAT)).all():
            return seconds.astype("datetime64[D]").astype("datetime64[s]")
    return seconds


def protection_days(orders: pd.DataFrame, pack: Pack) -> np.ndarray:
    """Protection days per order: the ``protection_days`` column, else the pack's by country."""
    protection = pack.protection
    if "buyer_country" in orders.columns:
        days = per_distinct(orders["buyer_country"], protection.days_for, protection.default_days, "int64")
    else:
        days = np.full(len(orders), protection.default_days, dtype="int64")
    if "protection_days" in orders.columns and not orders["protection_days"].isna().all():
        given = _floats(orders["protection_days"])
        days = np.where(np.isnan(given), days, given).astype("int64")
    return days


def _floats(values: pd.Series) -> np.ndarray:
    """A column as ``float64`` with NaN for what is missing or not a number (a float column as it is)."""
    if values.dtype == np.float64:
        return values.to_numpy()
    return pd.to_numeric(values, errors="coerce").to_numpy("float64", na_value=np.nan)


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
        known = positions(orders["problem"], list(PROBLEMS))  # once for both lookups
        kind = np.array([DISPUTE_TYPES.index(t) for t in PROBLEMS.values()] + [none], dtype="int8")[known]
        whole = known == list(PROBLEMS).index("not_received")
    else:
        kind = np.full(len(orders), none, dtype="int8")
        whole = np.zeros(len(orders), dtype=bool)
    paid = orders["amount_usd"].to_numpy("float64")
    part = _floats(orders["problem_amount_usd"]) if "problem_amount_usd" in orders.columns else None
    given = None if part is None else ~np.isnan(part)
    if given is None or not given.any():  # no problem amounts: every claim is on the amount paid
        on_paid = np.ones(len(orders), dtype=bool)
        claim = np.round(paid, 2)
    else:
        on_paid = ~given | whole
        claim = np.minimum(part, paid)
        np.copyto(claim, paid, where=on_paid)
        np.round(claim, 2, out=claim)
    # none: no claim (NaN); arithmetic rather than masked writes, which cost more on millions of rows,
    # a block at a time so that the factors never make a column of their own
    factor = np.array([np.nan if k == none else 1.0 for k in range(len(DISPUTE_TYPES))])
    for lo in range(0, len(claim), _BLOCK):
        claim[lo : lo + _BLOCK] *= factor[kind[lo : lo + _BLOCK]]
    basis = (~on_paid).view("int8")  # 0: amount_paid, 1: problem_amount
    no_claim = kind == none
    basis -= no_claim.view("int8") * (basis + np.int8(1))  # -1 for none
    return pd.DataFrame(
        {
            "dispute_type": pd.Categorical.from_codes(kind, categories=DISPUTE_TYPES),
            "claim_usd": claim,
            "claim_basis": pd.Categorical.from_codes(basis, categories=CLAIM_BASES),
        },
        index=orders.index,
        copy=False,  # new arrays
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
        and the cleaned text columns are categoricals (few distinct values in many rows), ``payment_method``,
        ``payment_network`` (the card network the method as written names: ``visa``, ``mastercard``,
        ... ; missing for other methods and a bare ``card``; see
        :func:`disputelib.payments.payment_network`), ``amount_usd``,
        ``buyer_country``, ``buyer_timezone``, ``protection_days``, ``protection_ends``
        (date the order completes by itself), ``problem``, then (only when the orders have
        ``paid_at`` or ``order_status``) :data:`PARTIAL_COLUMNS` and the statuses
        ``needs_data`` and ``cancelled`` (see :func:`partial_windows`), then the other
        input columns.

    Examples
    --------
    >>> import disputelib as dl
    >>> v = dl.validate_orders(pd.DataFrame({"order_id": ["A"], "amount_usd": ["9.5"],
    ...     "payment_method": ["Visa"], "shipped_at": ["2026-03-03"]}))
    >>> compute_windows(v.orders, "2026-03-20")[["status", "window_opens"]].iloc[0].tolist()
    ['open', Timestamp('2026-03-13 00:00:00')]
    """
    return _windows(orders, as_of, pack, whole_days=False)


def _windows(orders: pd.DataFrame, as_of: AsOf, pack: Pack | str | None, *, whole_days: bool) -> pd.DataFrame:
    """:func:`compute_windows`; ``whole_days``: the orders come straight from
    :func:`~disputelib.orders.validate_orders`, whose dates are midnights in seconds, so not checked again.
    """
    pack = load_dispute_pack(pack)
    today = as_date(as_of)
    opens_after = pack.timer("window_opens").offset
    closes_after = pack.timer("window_closes").offset

    # days as midnights in seconds, the unit of the table's dates
    shipped = _day_starts(orders[SHIPPED], whole_days)
    received = _day_starts(orders[RECEIVED], whole_days)
    protect = protection_days(orders, pack)
    protection_ends = shipped + protect.view("timedelta64[D]")
    # completed: received or the protection's end, whichever came first; the end where not received
    # (fmin skips a missing receipt), missing without a shipment (minimum keeps a missing end).
    # Arithmetic rather than masked writes, which cost several times as much on millions of rows;
    # worked in place, as the closing day, so that the column is written once.
    closes = np.fmin(received, protection_ends)
    np.minimum(closes, protection_ends, out=closes)
    closes += np.timedelta64(closes_after, "D")
    opens = shipped + np.timedelta64(opens_after, "D")

    # np.select(not_shipped, too_early, expired; else open), as arithmetic: a later condition overwrites
    status = np.full(len(orders), STATUSES.index("open"), dtype="int8")
    for holds, name in ((today > closes, "expired"), (today < opens, "too_early"), (np.isnat(shipped), "not_shipped")):
        status += holds.view("int8") * (np.int8(STATUSES.index(name)) - status)
    buyers_data = PAID in orders.columns or "order_status" in orders.columns
    if buyers_data:
        bounds = partial_windows(orders, today, pack, protect)
        part = bounds["missing"].notna().to_numpy(bool)
        status = np.where(part, bounds["status"].cat.codes.to_numpy(), status).astype("int8")
        status[bounds["status"].eq("cancelled").to_numpy(bool)] = ALL_STATUSES.index("cancelled")
        # without a shipment date, a window date is given only where its bounds meet
        opens = np.where(part, _exact(bounds, "window_opens"), opens)
        closes = np.where(part, _exact(bounds, "window_closes"), closes)
    is_open = (status == STATUSES.index("open")) & ~np.isnat(closes)
    left = closes.view("int64") - np.datetime64(today, "s").astype("int64")
    left //= _DAY  # days: closing day - as_of
    left *= is_open  # 0 under the mask, as pd.array(..., "Int64") with NA set would hold
    days_left = pd.arrays.IntegerArray(left, ~is_open)

    deadline = _midnights(closes, pack.timer_zone)
    zones = orders["buyer_timezone"] if "buyer_timezone" in orders.columns else pd.Series(pd.NA, index=orders.index)
    deadline_local = _deadlines_in_zones(closes, deadline, zones)
    index = orders.index
    columns = {
        "order_id": orders["order_id"],
        # copy=False: every array below is new, made for this table
        "status": pd.Series(
            pd.Categorical.from_codes(status, categories=ALL_STATUSES if buyers_data else STATUSES),
            index=index,
            copy=False,
        ),
        "window_opens": pd.Series(opens, index=index, copy=False),
        "window_closes": pd.Series(closes, index=index, copy=False),
        "deadline": pd.Series(deadline, index=index, copy=False),
        "deadline_local": pd.Series(deadline_local, index=index, copy=False),
        "days_left": pd.Series(days_left, index=index, copy=False),
    }
    columns.update(claims(orders).items())
    columns["payment_method"] = orders["payment_method"]
    if "payment_network" in orders.columns:
        columns["payment_network"] = orders["payment_network"]
    else:  # orders validated without it: the canonical method names no network
        columns["payment_network"] = payment_network(orders["payment_method"].astype("string"))
    columns["amount_usd"] = orders["amount_usd"]
    for name in ("buyer_country", "buyer_timezone"):
        columns[name] = orders[name] if name in orders.columns else pd.Series(pd.NA, index=index, dtype="string")
    columns["protection_days"] = pd.Series(
        pd.arrays.IntegerArray(protect, np.zeros(len(protect), bool)), index=index, copy=False
    )
    columns["protection_ends"] = pd.Series(protection_ends, index=index, copy=False)
    columns["problem"] = (
        orders["problem"] if "problem" in orders.columns else pd.Series(pd.NA, index=index, dtype="string")
    )
    if buyers_data:
        for name in PARTIAL_COLUMNS:
            columns[name] = bounds[name]
    # copy=False: the columns are new or the orders' own (copy-on-write keeps those safe);
    # copying would also stack columns of one type into one block, a second copy of each
    out = pd.DataFrame(columns, index=index, copy=False)
    consumed = set(WINDOW_COLUMNS) | {SHIPPED, RECEIVED, PAID, ESTIMATED, "problem_amount_usd"}
    if buyers_data:
        consumed |= set(PARTIAL_COLUMNS)
    extra = [c for c in orders.columns if c not in consumed]
    return pd.concat([out, orders[extra]], axis=1) if extra else out


def _per_day(days: np.ndarray) -> int:
    """Units of ``days`` (``datetime64[D]``, or midnights in ``datetime64[s]``) in a day."""
    return {"D": 1, "s": _DAY}[np.datetime_data(days.dtype)[0]]


def _span(days: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Which days are given, the first one's number (days since 1970) and the days from the first to the last."""
    number = days.view("int64")
    valid = number != _NAT
    if not valid.any():
        return valid, 0, 0
    per = _per_day(days)
    first = int(number.min(where=valid, initial=np.iinfo(np.int64).max)) // per
    return valid, first, int(number.max()) // per - first + 1  # NaT is the smallest integer: never the largest


def _day_offsets(days: np.ndarray, valid: np.ndarray, first: int) -> np.ndarray:
    """Days since the day numbered ``first`` (``int32``: spans here are shorter than the column), -1 where missing."""
    per = _per_day(days)
    number = days.view("int64")
    out = np.empty(len(days), dtype=np.int32)
    for lo in range(0, len(days), _BLOCK):  # a block at a time: no temporary as long as the column
        block = number[lo : lo + _BLOCK] - first * per
        if per != 1:
            block //= per
        block[~valid[lo : lo + _BLOCK]] = -1
        out[lo : lo + _BLOCK] = block
    return out


def _midnights(days: np.ndarray, zone: str) -> pd.DatetimeIndex:
    """:func:`disputelib.clock.midnight_after` computed once per calendar day of the span, then taken per row.

    Millions of windows close on a few hundred days: placing each day in the zone once
    is the same answer for a fraction of the work.
    """
    valid, first, span = _span(days)
    if not valid.any() or span >= len(days):
        return midnight_after(days, zone)
    per_day = midnight_after(np.datetime64(first, "D") + np.arange(span).astype("timedelta64[D]"), zone)
    # taken as UTC instants (NaT for a missing day), which is what a zoned array holds: no copy, no clock
    # arithmetic per row
    utc = per_day.asi8
    taken = np.append(utc, np.datetime64("NaT").astype("int64"))[_day_offsets(days, valid, first)]
    return pd.DatetimeIndex(pd.array(taken, dtype=per_day.dtype, copy=False), copy=False)


def _deadlines_in_zones(days: np.ndarray, deadline: pd.DatetimeIndex, zones: pd.Series) -> pd.Categorical:
    """``iso_in_zone(deadline, zones)`` formatted once per distinct (closing day, zone) pair.

    The pairs are listed in the order they first appear, as :func:`iso_in_zone` lists
    them, so the categories come out in the same order. Falls back to it when the pairs
    could be too many to list.
    """
    valid, first, span = _span(days)
    zone_codes, zone_names = factorize(pd.Series(zones).reset_index(drop=True))
    if not valid.any():
        return iso_in_zone(deadline, zones).array
    width = len(zone_names) + 1
    if span * width > max(len(days), 1):
        return iso_in_zone(deadline, zones).array
    has = valid & (zone_codes >= 0)
    if not has.any():
        return iso_in_zone(deadline, zones).array
    key = _day_offsets(days, valid, first)
    key *= width
    key += zone_codes
    key *= has  # -1 where there is no pair: arithmetic, cheaper than a masked write
    key -= ~has
    pairs, rows = _first_rows(key, span * width)  # distinct pairs, in order of appearance, and where
    at_pair = deadline.take(rows)
    texts = iso_in_zone(at_pair, pd.Series(zone_names.take(pairs % width), dtype=object)).array
    lookup = np.full(span * width + 1, -1, dtype=texts.codes.dtype)
    lookup[pairs] = texts.codes
    return pd.Categorical.from_codes(lookup[key], dtype=texts.dtype)  # key -1 reads the last slot: -1


def _first_rows(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys ``0 .. size - 1`` in ``key`` in the order they first appear, and the row of each first one.

    Reads ``key`` in growing blocks until every distinct key has been seen: usually the
    first block, whatever the length.
    """
    distinct = pd.unique(key)
    wanted = int(np.count_nonzero(distinct >= 0))
    seen = np.zeros(size + 1, dtype=bool)
    seen[-1] = True  # key -1: no pair
    keys, rows = [], []
    start, step = 0, 1 << 16
    while wanted and start < len(key):
        block = key[start : start + step]
        codes, uniques = pd.factorize(block)  # codes count up from 0 in order of first appearance
        high = np.maximum.accumulate(codes)
        firsts = np.flatnonzero(np.diff(high, prepend=-1) > 0)  # where each code first appears
        new = ~seen[uniques]
        if new.any():
            keys.append(uniques[new])
            rows.append(start + firsts[new])
            seen[uniques[new]] = True
            wanted -= int(new.sum())
        start += step
        step *= 2
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.intp)
    return np.concatenate(keys), np.concatenate(rows)


def _exact(bounds: pd.DataFrame, name: str) -> np.ndarray:
    """``name``'s earliest date where it equals the latest, else NaT."""
    lo, hi = _days(bounds[f"{name}_earliest"]), _days(bounds[f"{name}_latest"])
    return np.where(lo == hi, lo, np.datetime64("NaT"))


def partial_windows(
    orders: pd.DataFrame, as_of, pack: Pack | str | None = None, protect: np.ndarray | None = None
) -> pd.DataFrame:
    """What the known dates decide for orders without a shipment date (a buyer's own data).

    The window counts from the shipment (opens = shipped + 10 days) and closes 15 days
    after the receipt or after the protection ran out (shipped + protection days),
    whichever came first. A buyer's data has the payment and often the receipt, never the
    shipment; what must hold, paid <= shipped <= received, bounds it, and every date
    below moves the same way as the shipment date, so its bounds are the formula at the
    bounds of the shipment:

    - earliest shipment = paid; latest = received (a receipt of known date), ``as_of``
      (received on an unknown day: an order the data calls completed without a date;
      unbounded when ``as_of`` is before the payment), unbounded (not received: it may
      not even have shipped);
    - ``window_opens`` from paid + 10 to latest shipment + 10;
    - ``window_closes`` from min(received, paid + protection) + 15 to received + 15
      (received; an unknown receipt day lies between paid and ``as_of``), from
      paid + protection + 15 with no upper bound when not received.

    ``status`` is ``too_early`` when ``as_of`` is before the earliest opening (paid less
    than 10 days ago); ``expired`` when the latest opening and the latest closing are both
    past; ``open`` when the latest opening is past and the earliest closing is not, for an
    order certainly shipped (received); ``cancelled`` for an order closed without a delivery
    (:data:`disputelib.order_states.CLOSED_STATES`), whatever its dates; otherwise
    ``needs_data``. So a received order is ``expired`` after received + 15 whatever its
    shipment, and ``open`` from received + 10 to received + 15 when the receipt came within
    the protection days counted from payment.

    Parameters
    ----------
    orders
        Validated orders with ``paid_date`` and/or ``order_status`` (and optionally
        ``end_reason``).
    as_of
        The day judged.
    pack
        Rule pack; the default when None.
    protect
        Protection days per row (:func:`protection_days`); computed when None.

    Returns
    -------
    pandas.DataFrame
        Same index: ``status`` (categorical over :data:`ALL_STATUSES`; meaningful where
        ``missing`` is set, or ``cancelled``), ``order_state``, ``missing`` (``shipped_at``,
        or ``shipped_at, received_at`` for a receipt of unknown date; empty when the dates
        are all there or cannot help), ``window_opens_earliest``, ``window_opens_latest``,
        ``window_closes_earliest``, ``window_closes_latest`` (dates; NaT where unbounded;
        for orders with every date both bounds are the exact value).
    """
    pack = load_dispute_pack(pack)
    today = as_date(as_of)
    opens_after = np.timedelta64(pack.timer("window_opens").offset, "D")
    closes_after = np.timedelta64(pack.timer("window_closes").offset, "D")
    n = len(orders)
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    shipped = _days(orders[SHIPPED])
    received = _days(orders[RECEIVED])
    paid = _days(orders[PAID]) if PAID in orders.columns else nat
    if protect is None:
        protect = protection_days(orders, pack)
    protection = protect.astype("timedelta64[D]")
    if "order_status" in orders.columns:
        reason = orders["end_reason"] if "end_reason" in orders.columns else None
        state = order_states(orders["order_status"], reason)
    else:
        state = pd.Series(
            pd.Categorical.from_codes(np.full(n, -1, "int8"), categories=ORDER_STATES), index=orders.index
        )
    closed = is_closed(state)
    got = ~np.isnat(received)
    undated = ~got & state.isin(list(RECEIVED_STATES)).to_numpy(bool)  # received, day unknown
    part = np.isnat(shipped) & ~np.isnat(paid) & ~closed

    # the shipment: exact when known, else between paid and its latest possible day; a receipt of
    # unknown day happened by as_of, unless as_of is before the payment (then nothing bounds it)
    with np.errstate(invalid="ignore"):
        latest_day = np.where(paid <= today, np.datetime64(today, "D"), nat)
    s_lo = np.where(part, paid, shipped)
    s_hi = np.where(part, np.where(got, received, np.where(undated, latest_day, nat)), shipped)
    r_lo = np.where(got, received, np.where(undated & part, s_lo, nat))  # NaT: not received
    r_hi = np.where(got, received, np.where(undated & part, s_hi, nat))

    def closes(ship: np.ndarray, receipt: np.ndarray) -> np.ndarray:
        ends = ship + protection
        return np.where(np.isnat(receipt), ends, np.minimum(receipt, ends)) + closes_after

    opens_lo, opens_hi = s_lo + opens_after, s_hi + opens_after
    closes_lo, closes_hi = closes(s_lo, r_lo), closes(s_hi, r_hi)
    shipped_surely = got | undated
    with np.errstate(invalid="ignore"):
        past_open = ~np.isnat(opens_hi) & (opens_hi <= today)
        status = np.select(
            [
                closed,
                today < opens_lo,
                past_open & ~np.isnat(closes_hi) & (today > closes_hi),
                past_open & shipped_surely & (today <= closes_lo),
            ],
            [ALL_STATUSES.index(s) for s in ("cancelled", "too_early", "expired", "open")],
            default=ALL_STATUSES.index("needs_data"),
        ).astype("int8")
    missing = np.where(part, np.where(undated, "shipped_at, received_at", "shipped_at"), None)
    index = orders.index
    return pd.DataFrame(
        {
            "status": pd.Categorical.from_codes(status, categories=ALL_STATUSES),
            "order_state": state.to_numpy(),
            "missing": pd.array(missing, dtype="string"),
            "window_opens_earliest": opens_lo.astype("datetime64[s]"),
            "window_opens_latest": opens_hi.astype("datetime64[s]"),
            "window_closes_earliest": closes_lo.astype("datetime64[s]"),
            "window_closes_latest": closes_hi.astype("datetime64[s]"),
        },
        index=index,
    )


@dataclass(frozen=True)
class Eligibility:
    """The result of :func:`eligibility`: one row per accepted order, and the rejects."""

    table: pd.DataFrame
    rejects: pd.DataFrame
    n_read: int
    #: Payment methods the pack does not know, as written, with their counts (orders kept).
    unknown_methods: Mapping[str, int] = field(default_factory=dict)
    #: Optional columns no header matched, with a header that looks like each (not read).
    column_hints: Mapping[str, str] = field(default_factory=dict)

    def summary(self, words: bool = False) -> str:
        """``read 3 rows: 2 accepted, 1 rejected (not_shipped 0, ...)``; ``words``: statuses as words, for a page."""
        counts = {str(k): int(v) for k, v in self.table["status"].value_counts().items()}
        line = summary_line(self.n_read, len(self.rejects), counts, self.unknown_methods, words=words)
        return line + column_hints_note(self.column_hints)


def status_counts(counts: Mapping[str, int], shown: Sequence[str], words: bool = False) -> str:
    """``"too_early 2, open 4"`` for a log line, ``"too early 2, open 4"`` (``words``) for a page.

    >>> status_counts({"open": 4}, ["not_shipped", "open"], words=True)
    'not shipped 0, open 4'
    """
    return ", ".join(f"{s.replace('_', ' ') if words else s} {int(counts.get(s, 0))}" for s in shown)


def summary_line(
    n_read: int, n_rejected: int, statuses: Mapping[str, int], unknown_methods: Mapping[str, int], words: bool = False
) -> str:
    """The summary of an eligibility run from its counts (also of a run over many parts).

    Statuses are named by their codes (a log line), or as ``words`` (a page).

    Examples
    --------
    >>> summary_line(3, 1, {"open": 2}, {})
    'read 3 rows: 2 accepted, 1 rejected (not_shipped 0, too_early 0, open 2, expired 0)'
    >>> summary_line(3, 1, {"open": 2}, {}, words=True)
    'read 3 rows: 2 accepted, 1 rejected (not shipped 0, too early 0, open 2, expired 0)'
    """
    shown = STATUSES + tuple(s for s in PARTIAL_STATUSES if statuses.get(s, 0))
    by_status = status_counts(statuses, shown, words)
    return (
        f"read {n_read} rows: {sum(statuses.values())} accepted, {n_rejected} rejected"
        f" ({by_status})" + unknown_methods_note(unknown_methods)
    )


def eligibility(
    frame: pd.DataFrame,
    as_of: AsOf,
    pack: Pack | str | None = None,
    *,
    first_row: int = 1,
    duplicates: Mapping[str, int] | None = None,
) -> Eligibility:
    """Validate an order export and compute every order's dispute window on ``as_of``.

    Parameters
    ----------
    frame
        An order export (see :func:`disputelib.orders.validate_orders` for its columns).
    as_of
        The day to judge on, as ``YYYY-MM-DD`` or a date.
    pack
        Rule pack name, path or object; the default pack when None.
    first_row, duplicates
        For one part of a larger input (as :mod:`disputelib.distributed` runs it): see
        :func:`disputelib.orders.validate_orders`.

    Returns
    -------
    Eligibility
        ``table`` as returned by :func:`compute_windows`, ``rejects`` with the original
        values and a ``reject_reason``, and ``n_read``.
    """
    pack = load_dispute_pack(pack)
    today = as_date(as_of)
    checked = validate_orders(frame, pack, first_row=first_row, duplicates=duplicates)
    table = _windows(checked.orders, today, pack, whole_days=True).reset_index(drop=True)
    return Eligibility(
        table=table,
        rejects=checked.rejects.reset_index(drop=True),
        n_read=checked.n_read,
        unknown_methods=checked.unknown_methods,
        column_hints=checked.column_hints,
    )

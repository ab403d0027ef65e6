"""AliExpress's data backup (the privacy export, XLSX): one row per item, in cents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from disputelib.clock import is_valid_zone
from disputelib.importers.common import (
    Imported,
    ImportFileError,
    Reasons,
    canonical_headers,
    cell_text,
    group_orders,
    instants_in_zone,
)
from disputelib.importers.xlsx import read_sheet
from disputelib.order_states import RECEIVED_STATES, order_states

#: The sheet of the data backup that lists orders.
BACKUP_SHEET = "Order Information"
#: Columns the data backup must have.
BACKUP_REQUIRED: tuple[str, ...] = ("order_id", "order_status", "payable_amt", "gmt_pay_order_time")
#: Columns of the data backup the import reads (headers match in any letter case).
BACKUP_COLUMNS: tuple[str, ...] = (
    *BACKUP_REQUIRED,
    "parent_orderid",
    "gmt_create_order_time",
    "item_name",
    "unit_price",
    "gmt_trade_end_time",
    "end_reason",
    "is_success_pay",
    "frozen_status",
)
#: Largest whole number a spreadsheet keeps exactly in a number cell: it keeps 15 digits.
EXACT_DIGITS = 15


def read_aliexpress_backup(path: str | Path, zone: str = "UTC") -> Imported:
    """Read AliExpress's data backup (the privacy export, XLSX) into the order table.

    Parameters
    ----------
    path
        The ``.xlsx`` file; its sheet ``Order Information`` has one row per item.
    zone
        IANA zone the times (``2026-02-27 18:17:56``) are wall-clock times in. Default
        ``UTC``: the ``gmt_`` prefix of their names suggests it, nothing promises it.

    Returns
    -------
    Imported
        ``orders``: ``order_id`` (exact text), ``amount_usd`` (sum of the items'
        ``payable_amt`` cents / 100), ``paid_at`` (``gmt_pay_order_time``),
        ``received_at`` (``gmt_trade_end_time`` when the buyer confirmed receipt or the
        order completed by itself, else empty), ``order_status`` and ``end_reason`` as
        written, ``order_state``, ``ordered_at`` (``gmt_create_order_time``), ``ended_at``
        (``gmt_trade_end_time``), ``items``, ``item_names``, then every other column
        (first item's value). Instants are tz-aware in ``zone``.

    Raises
    ------
    ImportFileError
        When the file, the sheet or a required column is missing, or ``zone`` is unknown.

    Notes
    -----
    An ``order_id`` cell holding a whole number is read as that exact integer. A cell whose
    number was stored as a float with more than 15 digits (a spreadsheet keeps no more)
    has lost its last digits: that row is rejected with a sentence saying so.
    """
    if not is_valid_zone(zone):
        raise ImportFileError(f"unknown time zone {zone!r} (use an IANA name such as UTC or Europe/Warsaw)")
    path = Path(path)
    frame = canonical_headers(read_sheet(path, BACKUP_SHEET), BACKUP_COLUMNS)
    missing = [c for c in BACKUP_REQUIRED if c not in frame.columns]
    if missing:
        raise ImportFileError(
            f"sheet {BACKUP_SHEET!r} of {str(path)!r} has no {', '.join(repr(c) for c in missing)} column"
            f"{'s' if len(missing) > 1 else ''} (required: {', '.join(BACKUP_REQUIRED)})"
        )
    reasons = Reasons(len(frame))
    ids, lost = _exact_ids(frame["order_id"])
    reasons.add(ids.isna().to_numpy(bool) & ~lost, "missing order_id")
    shown = frame["order_id"].map(repr, na_action="ignore").astype("string").fillna("").to_numpy(object)
    reasons.add(
        lost,
        "order_id " + shown + f" was stored as a number with more than {EXACT_DIGITS} digits, so its last "
        "digits are lost: export the backup again or write the id as text",
    )
    cents, cents_bad = _cents(frame["payable_amt"])
    reasons.add(cents_bad, "payable_amt is not a number of cents")
    reasons.add(np.isnan(cents) & ~cents_bad, "missing payable_amt")
    reasons.add(cents < 0, "payable_amt is negative")

    status = cell_text(frame, "order_status")
    reason = cell_text(frame, "end_reason")
    state = order_states(status, reason)
    paid = instants_in_zone(frame["gmt_pay_order_time"], zone, "gmt_pay_order_time", reasons)
    ended = instants_in_zone(_column(frame, "gmt_trade_end_time"), zone, "gmt_trade_end_time", reasons)
    ordered = instants_in_zone(_column(frame, "gmt_create_order_time"), zone, "gmt_create_order_time", reasons)
    received = ended.where(state.isin(list(RECEIVED_STATES)).to_numpy(bool))
    per_item = pd.DataFrame(
        {
            "amount_usd": cents / 100.0,
            "paid_at": paid,
            "received_at": received,
            "ordered_at": ordered,
            "ended_at": ended,
            "order_status": status,
            "end_reason": reason,
            "order_state": state,
            "item_name": cell_text(frame, "item_name"),
        },
        index=frame.index,
    )
    consumed = {
        "order_id",
        "payable_amt",
        "unit_price",
        "item_name",
        "gmt_pay_order_time",
        "gmt_trade_end_time",
        "gmt_create_order_time",
        "order_status",
        "end_reason",
    }
    return group_orders(frame, ids, reasons, per_item, consumed)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)


def _exact_ids(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Order ids as exact text from cell values; a mask of number cells that lost digits.

    A whole-number cell read as an integer is exact at any length. A cell read as a float
    is exact only up to :data:`EXACT_DIGITS` digits (what a spreadsheet keeps); beyond
    that its last digits may already be rounded away, so it is flagged, never guessed.
    """
    raw = values.to_numpy(object)
    kind = np.array([type(v).__name__ for v in raw]) if len(raw) else np.array([], dtype=str)
    text = np.full(len(raw), None, dtype=object)
    lost = np.zeros(len(raw), dtype=bool)
    is_int = np.isin(kind, ["int", "int64", "int32"])
    text[is_int] = [str(int(v)) for v in raw[is_int]]
    is_float = np.isin(kind, ["float", "float64"])
    if is_float.any():
        floats = raw[is_float].astype("float64")
        whole = np.isfinite(floats) & (floats == np.floor(floats)) & (np.abs(floats) < 10.0**EXACT_DIGITS)
        text[np.flatnonzero(is_float)[whole]] = [str(int(v)) for v in floats[whole]]
        lost[np.flatnonzero(is_float)[~whole]] = True
        # the rounded number still groups the order's item rows together (for the rejects)
        text[np.flatnonzero(is_float)[~whole]] = [repr(v) for v in floats[~whole]]
    is_str = kind == "str"
    text[is_str] = [s.strip() or None for s in raw[is_str]]
    other = ~(is_int | is_float | is_str) & (kind != "NoneType")
    text[other] = [str(v).strip() or None for v in raw[other]]
    ids = pd.Series(text, index=values.index, dtype="string")
    # "1.23E+15" typed as text is the same loss, written out
    sci = ids.str.fullmatch(r"[0-9.]+[eE]\+?[0-9]+").fillna(False).to_numpy(bool)
    return ids, lost | sci


def _cents(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Amounts in cents as float (NaN if missing), and a mask of values that are not numbers."""
    numbers = pd.to_numeric(
        pd.Series(values.to_numpy(object)).astype("string").str.strip().replace("", pd.NA), errors="coerce"
    ).to_numpy("float64", na_value=np.nan)
    given = ~pd.Series(values.to_numpy(object)).astype("string").str.strip().fillna("").eq("").to_numpy(bool)
    return numbers, given & (np.isnan(numbers) | np.isinf(numbers))

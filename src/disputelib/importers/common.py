"""Shared steps of the importers: the result type, reasons per row, grouping items into orders."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from disputelib.clock import to_instants
from disputelib.columns import map_distinct
from disputelib.order_states import ORDER_STATES
from disputelib.tables import TableError

#: The first columns of an imported order table; other source columns follow (first item's value).
IMPORT_COLUMNS: tuple[str, ...] = (
    "order_id",
    "amount_usd",
    "paid_at",
    "received_at",
    "order_status",
    "end_reason",
    "order_state",
    "ordered_at",
    "ended_at",
    "items",
    "item_names",
)


class ImportFileError(TableError):
    """A buyer's file that cannot be imported at all; the message is one sentence."""


@dataclass(frozen=True)
class Imported:
    """The result of an import: one row per order, and the rejected item rows.

    Attributes
    ----------
    orders
        The order table (:data:`IMPORT_COLUMNS`, then pass-through columns).
    rejects
        Rejected item rows with their original values, ``row`` (1-based data row) and
        ``reject_reason``.
    n_orders
        Orders read (written + rejected).
    n_rows
        Item rows read.
    """

    orders: pd.DataFrame
    rejects: pd.DataFrame
    n_orders: int
    n_rows: int

    def summary(self) -> str:
        rejected = self.n_orders - len(self.orders)
        counts = self.orders["order_state"].value_counts()
        states = ", ".join(f"{s} {int(counts[s])}" for s in ORDER_STATES if counts.get(s, 0))
        return (
            f"read {self.n_orders} orders ({self.n_rows} item rows): {len(self.orders)} written, "
            f"{rejected} rejected" + (f" ({states})" if states else "")
        )


class Reasons:
    """Reasons per item row, gathered column by column."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, mask: np.ndarray, reason: str | np.ndarray) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            text = np.full(self.n, reason, dtype=object) if isinstance(reason, str) else np.asarray(reason, object)
            self.parts.append((mask, text))

    def text(self) -> np.ndarray:
        out = np.full(self.n, "", dtype=object)
        for mask, text in self.parts:
            out[mask] = np.where(out[mask] == "", text[mask], out[mask] + "; " + text[mask])
        return out


def group_orders(
    frame: pd.DataFrame,
    ids: pd.Series,
    reasons: Reasons,
    per_item: pd.DataFrame,
    consumed: set[str],
) -> Imported:
    """Group item rows into orders; reject every item row of an order with a bad item.

    ``per_item`` holds, per item row, ``amount_usd`` (float), ``paid_at``, ``received_at``,
    ``ordered_at``, ``ended_at`` (tz-aware), ``order_status``, ``end_reason``,
    ``order_state`` and ``item_name``; other columns of ``frame`` not in ``consumed`` pass
    through with the first item's value.
    """
    n = len(frame)
    own = reasons.text()
    bad_row = own != ""
    key = ids.fillna("").to_numpy(object)
    codes, uniques = pd.factorize(pd.Series(key), use_na_sentinel=False)
    bad_order = np.zeros(len(uniques), dtype=bool)
    np.logical_or.at(bad_order, codes, bad_row)
    missing_id = np.asarray(uniques == "", dtype=bool)
    bad_order |= missing_id  # rows without an id form no order
    rejected = bad_order[codes]
    own = np.where(rejected & ~bad_row, "another item row of this order was rejected", own)

    rejects = frame.loc[rejected].copy()
    for name in rejects.columns:  # cells as they were, as text: a column may mix numbers and text
        if rejects[name].dtype == object:
            rejects[name] = rejects[name].map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore")
    rejects.insert(0, "reject_reason", pd.Series(own[rejected], index=rejects.index, dtype=object).astype(str))
    rejects.insert(0, "row", np.arange(1, n + 1)[rejected])

    keep = ~rejected
    items = per_item.loc[keep].copy()
    items["_order"] = codes[keep]
    extra = [c for c in frame.columns if c not in consumed and c not in IMPORT_COLUMNS]
    for name in extra:
        items[name] = frame.loc[keep, name]
    grouped = items.groupby("_order", sort=False)
    first = grouped.first()
    orders = pd.DataFrame(
        {
            "order_id": pd.Series(uniques[first.index.to_numpy()], index=first.index, dtype="string"),
            "amount_usd": grouped["amount_usd"].sum().round(2),
            "paid_at": grouped["paid_at"].min(),
            "received_at": grouped["received_at"].max(),
            "order_status": first["order_status"],
            "end_reason": first["end_reason"],
            "order_state": first["order_state"].astype(pd.CategoricalDtype(ORDER_STATES)),
            "ordered_at": grouped["ordered_at"].min(),
            "ended_at": grouped["ended_at"].max(),
            "items": grouped.size().astype("int64"),
            "item_names": _joined(items["_order"].to_numpy(), items["item_name"], first.index),
        }
    )
    for name in extra:  # spreadsheet cells mix numbers and text: pass them on as text
        column = first[name]
        orders[name] = (
            column
            if column.dtype != object
            else map_distinct(column, lambda v: str(v).strip() or None).astype("string")
        )
    if "amount_local" in items.columns:
        orders["currency"] = first["currency"]
        orders["amount_local"] = grouped["amount_local"].sum().round(2)
    orders = orders.reset_index(drop=True)
    n_orders = int((~missing_id).sum()) + int((key == "").sum())  # a row without an id: an order of its own
    return Imported(orders=orders, rejects=rejects.reset_index(drop=True), n_orders=n_orders, n_rows=n)


def _joined(codes: np.ndarray, names: pd.Series, groups: pd.Index) -> pd.Series:
    """Each group's non-empty names joined with `` | ``, in row order (one join per group)."""
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    text = names.to_numpy(object, na_value=None)[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    ends = np.r_[starts[1:], len(sorted_codes)]
    joined = [" | ".join(t for t in text[a:b] if t is not None) for a, b in zip(starts, ends, strict=True)]
    return pd.Series(joined, index=sorted_codes[starts], dtype="string").reindex(groups)


def instants_in_zone(values: pd.Series, zone: str, name: str, reasons: Reasons) -> pd.Series:
    instants, bad = to_instants(pd.Series(values.to_numpy(object)), zone)
    reasons.add(bad, f"unreadable {name} (use YYYY-MM-DD HH:MM:SS)")
    return pd.Series(instants, index=values.index).dt.tz_localize("UTC").dt.tz_convert(zone)


def cell_text(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column of cell values as stripped text (numbers as written), empty as missing."""
    if name not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return map_distinct(frame[name], lambda v: str(v).strip() or None).astype("string")


def canonical_headers(frame: pd.DataFrame, known: tuple[str, ...]) -> pd.DataFrame:
    """Rename headers that match a known column in another letter case or spacing.

    ``ORDER_ID``, `` order_id `` and ``Order Id`` all become ``order_id`` when
    ``order_id`` is known; other headers are only stripped (of spaces and a byte-order
    mark). The same frame when nothing changes.
    """
    spelled = {" ".join(k.replace("_", " ").split()).lower(): k for k in known}

    def rename(header: object) -> str:
        text = str(header).lstrip("\ufeff").strip()
        return spelled.get(" ".join(text.replace("_", " ").split()).lower(), text)

    renamed = [rename(c) for c in frame.columns]
    return frame if renamed == list(frame.columns) else frame.set_axis(renamed, axis=1)

"""The tables' contracts, declared once: which columns each table has, in which order, of which kind.

Five tables cross the package's edges: an order export (``ORDERS``, the input of
:func:`disputelib.eligibility`), the eligibility table (``ELIGIBILITY``), a dispute event
log (``EVENTS``, the input of :func:`disputelib.check_log` and the simulator's
``events.parquet``), the auditor's findings (``FINDINGS``) and the simulator's dispute table
(``DISPUTES``). Validation, writers, the analysis and the tests read their column lists
from here instead of spelling them again.

A column's ``kind`` is what its values are, whatever the file format made of them:

========  ===========================================================
kind      dtypes
========  ===========================================================
text      ``str``, ``string``, ``object`` (input exports: any of them)
category  ``category`` (few distinct values)
date      ``datetime64`` without a zone (a calendar date)
instant   ``datetime64`` with a zone (an instant)
integer   ``Int64``, ``int64``
number    ``float64``
flag      ``bool``
========  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from disputelib.errors import DisputelibError

KINDS: tuple[str, ...] = ("text", "category", "date", "instant", "integer", "number", "flag")


class ContractError(DisputelibError, ValueError):
    """A table that does not keep its contract; the message names the table and the columns."""


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, kind, whether it is required, and what it holds."""

    name: str
    kind: str
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Contract:
    """A table's columns, in order.

    Examples
    --------
    >>> EVENTS.names
    ('dispute_id', 'order_id', 'event', 'at', 'amount_usd')
    >>> EVENTS.required
    ('dispute_id', 'event', 'at')
    """

    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    @property
    def kinds(self) -> dict[str, str]:
        return {c.name: c.kind for c in self.columns}

    def problems(self, frame: pd.DataFrame, *, complete: bool = True) -> list[str]:
        """What breaks the contract: missing columns (every column when ``complete``, else the
        required ones), columns of another kind, and the contract's columns out of order."""
        wanted = self.names if complete else self.required
        out = [f"no {name!r} column" for name in wanted if name not in frame.columns]
        for column in self.columns:
            if column.name in frame.columns and not is_kind(frame[column.name].dtype, column.kind):
                out.append(f"{column.name!r} is {frame[column.name].dtype}, not {column.kind}")
        present = [c for c in frame.columns if c in self.names]
        if complete and present != [c for c in self.names if c in present]:
            out.append(f"columns out of order (want {', '.join(self.names)})")
        return out

    def check(self, frame: pd.DataFrame, *, complete: bool = True) -> pd.DataFrame:
        """``frame`` unchanged when it keeps the contract; else :class:`ContractError`."""
        found = self.problems(frame, complete=complete)
        if found:
            raise ContractError(f"the {self.name} table breaks its contract: {'; '.join(found)}")
        return frame


def is_kind(dtype, kind: str) -> bool:
    """True when a pandas dtype holds values of ``kind`` (see the module docstring)."""
    if kind == "text":
        return pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
    if kind == "category":
        return isinstance(dtype, pd.CategoricalDtype)
    if kind == "date":
        return pd.api.types.is_datetime64_dtype(dtype) and not isinstance(dtype, pd.DatetimeTZDtype)
    if kind == "instant":
        return isinstance(dtype, pd.DatetimeTZDtype)
    if kind == "integer":
        return pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    if kind == "number":
        return pd.api.types.is_float_dtype(dtype)
    if kind == "flag":
        return pd.api.types.is_bool_dtype(dtype)
    raise ValueError(f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})")


def _c(name: str, kind: str, doc: str = "", required: bool = False) -> Column:
    return Column(name, kind, required, doc)


#: An order export as read (text; ``disputelib eligibility`` parses it). Other columns pass through.
ORDERS = Contract("orders", (
    _c("order_id", "text", "unique order id", required=True),
    _c("amount_usd", "text", "amount paid, US dollars", required=True),
    _c("payment_method", "text", "as the export spells it", required=True),
    _c("shipped_at", "text", "date or timestamp"),
    _c("received_at", "text", "date or timestamp"),
    _c("buyer_country", "text", "ISO 3166 alpha-2"),
    _c("buyer_timezone", "text", "IANA zone"),
    _c("protection_days", "text", "whole days"),
    _c("problem", "text", "see disputelib.orders.PROBLEMS"),
    _c("problem_amount_usd", "text", "the problem's share of the amount"),
    _c("estimated_delivery", "text", "the latest promised delivery date (routes)"),
    _c("marketplace", "text", "where the order was bought (routes; default: the pack's)"),
))  # fmt: skip

#: ``dl.eligibility(...).table``: one row per accepted order; pass-through columns follow.
ELIGIBILITY = Contract("eligibility", (
    _c("order_id", "text"),
    _c("status", "category", "not_shipped, too_early, open, expired"),
    _c("window_opens", "date"),
    _c("window_closes", "date", "the last day, inclusive"),
    _c("deadline", "instant", "00:00 after window_closes, timer zone"),
    _c("deadline_local", "category", "the deadline in the buyer's zone, ISO text"),
    _c("days_left", "integer"),
    _c("dispute_type", "category"),
    _c("claim_usd", "number"),
    _c("claim_basis", "category"),
    _c("payment_method", "category", "canonical"),
    _c("payment_network", "category", "card network from the raw spelling (visa, mastercard, ...); empty otherwise"),
    _c("amount_usd", "number"),
    _c("buyer_country", "category"),
    _c("buyer_timezone", "text"),
    _c("protection_days", "integer"),
    _c("protection_ends", "date"),
    _c("problem", "text"),
))  # fmt: skip

#: ``dl.routes(...).table``: one row per order and route that covers it.
ROUTES = Contract("routes", (
    _c("order_id", "text"),
    _c("route", "category", "the route's pack name"),
    _c("covered_because", "category", "e.g. 'paid by Visa', 'AliExpress order'"),
    _c("status", "category", "too_early, open, expired, needs_data"),
    _c("window_opens", "date", "the first open day, route's timer zone"),
    _c("window_closes", "date", "the last day, inclusive"),
    _c("deadline", "category", "the instant the window ends, ISO text in the route's timer zone"),
    _c("deadline_local", "category", "the deadline in the buyer's zone, ISO text"),
    _c("days_left", "integer"),
    _c("claim_usd", "number"),
    _c("missing", "text", "input columns a needs_data route lacks"),
    _c("timer_zone", "category"),
    _c("dispute_type", "category"),
    _c("payment_method", "category", "canonical"),
    _c("payment_network", "category"),
    _c("amount_usd", "number"),
    _c("buyer_timezone", "text"),
))  # fmt: skip

#: A dispute event log: ``disputelib check-log`` input and the simulator's ``events.parquet``.
#: ``at`` is an instant column in Parquet and ISO text in CSV, so its kind is checked loosely.
EVENTS = Contract("events", (
    _c("dispute_id", "text", required=True),
    _c("order_id", "text"),
    _c("event", "text", "see disputelib.lifecycle.EVENTS", required=True),
    _c("at", "instant", "ISO 8601 text or an instant", required=True),
    _c("amount_usd", "number"),
))  # fmt: skip

#: ``dl.check_log(...).findings``.
FINDINGS = Contract("findings", (
    _c("dispute_id", "text"),
    _c("rule", "text"),
    _c("severity", "text", "error or warning"),
    _c("message", "text", "one sentence, naming the input row"),
))  # fmt: skip

#: The simulator's ``disputes.parquet``: one row per dispute.
DISPUTES = Contract("disputes", (
    _c("dispute_id", "text"),
    _c("order_id", "text"),
    _c("store_id", "text"),
    _c("payment_method", "text"),
    _c("buyer_country", "text"),
    _c("dispute_type", "text"),
    _c("problem", "text"),
    _c("claim_usd", "number"),
    _c("strategy", "text"),
    _c("filmed_unboxing", "flag"),
    _c("path", "text"),
    _c("outcome", "text"),
    _c("refund_usd", "number"),
    _c("opened_at", "instant"),
    _c("seller_answered_at", "instant"),
    _c("escalated_at", "instant"),
    _c("decided_at", "instant"),
    _c("refund_received_at", "instant"),
    _c("refund_channel", "text"),
    _c("observed_until", "instant"),
    _c("pack", "text"),
))  # fmt: skip

CONTRACTS: dict[str, Contract] = {c.name: c for c in (ORDERS, ELIGIBILITY, ROUTES, EVENTS, FINDINGS, DISPUTES)}

"""Order exports: the input columns, and validation that never loses a row.

:func:`validate_orders` splits an export into accepted orders, with typed and canonical
columns, and rejected rows, kept with their original values and a ``reject_reason``.
Every row read ends up in exactly one of the two.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from disputelib import intake
from disputelib.clock import to_timer_dates
from disputelib.columns import map_distinct, member, number_column, per_distinct, repeated, text_column, time_column
from disputelib.contracts import ORDERS
from disputelib.payments import payment_method_or_given, payment_network
from disputelib.policy import Pack, load_pack
from disputelib.tables import TableError

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
#: Amounts in US dollars: at least a cent, at most a billion.
MIN_AMOUNT, MAX_AMOUNT = 0.01, 1e9

_NUMBER_HINT = (
    " (write US dollars as 1234.50, $1,234.50 or US $1234.50: no other currency, and no thousands separator"
    " without a decimal point, since 1,234 may be a decimal comma)"
)

#: Typed columns added to accepted orders (besides the canonical input columns).
SHIPPED, RECEIVED = "shipped_date", "received_date"
#: Typed payment date, added when the export has ``paid_at`` (a buyer's own data).
PAID = "paid_date"
#: ``orders.attrs`` key: the timer zone the typed dates were placed in (the validating pack's).
ZONE_ATTR = "disputelib.timer_zone"
#: Typed latest estimated delivery date, added when the export has ``estimated_delivery``.
ESTIMATED = "estimated_delivery_date"


class OrderColumnsError(TableError):
    """An export without a required column."""


@dataclass(frozen=True)
class ValidatedOrders:
    """Accepted and rejected rows of an order export.

    Attributes
    ----------
    orders
        Accepted rows: ``order_id`` (string), ``amount_usd`` (float), ``payment_method``
        (canonical), ``payment_network`` (the card network the method as written names, see
        :func:`disputelib.payments.payment_network`), ``shipped_date`` and ``received_date`` (dates in the timer zone),
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
    unknown_methods: Mapping[str, int] = field(default_factory=dict)
    #: Optional columns no header matched, with a header that looks like each (not read).
    column_hints: Mapping[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"read {self.n_read} rows: {len(self.orders)} accepted, {len(self.rejects)} rejected"
            + unknown_methods_note(self.unknown_methods)
            + column_hints_note(self.column_hints)
        )


def unknown_methods_note(counts: Mapping[str, int]) -> str:
    """``"; payment methods the pack does not know: Bitcoin 3 (...)"``, or ``""``."""
    if not counts:
        return ""
    shown = ", ".join(f"{name} {n}" for name, n in counts.items())
    return f"; payment methods the pack does not know: {shown} (accepted, refund channel unknown)"


def column_hints_note(hints: Mapping[str, str]) -> str:
    """``"; header 'Paid Time' looks like paid_at but is not read: ..."``, or ``""``."""
    if not hints:
        return ""
    shown = ", ".join(f"{header!r} looks like {ours}" for ours, header in hints.items())
    return f"; headers not read: {shown} (map them with --columns, columns= in Python)"


@functools.cache
def iana_zones() -> frozenset[str]:
    """Every IANA time zone name the time-zone database holds (``Asia/Seoul``, ``UTC``...)."""
    return frozenset(zoneinfo.available_timezones())


def is_iana_zone(name: object) -> bool:
    """True for an IANA zone name; False for anything else (``US``, a path, 300 characters)."""
    return isinstance(name, str) and name in iana_zones()


@functools.cache
def iso_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, from the time-zone database's ``iso3166.tab``."""
    try:
        text = (resources.files("tzdata") / "zoneinfo" / "iso3166.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        text = Path("/usr/share/zoneinfo/iso3166.tab").read_text(encoding="utf-8")
    return frozenset(line.split("\t", 1)[0] for line in text.splitlines() if line and not line.startswith("#"))


def validate_orders(
    frame: pd.DataFrame,
    pack: Pack | str | None = None,
    columns: Mapping[str, str] | str | None = None,
    *,
    first_row: int = 1,
    duplicates: Mapping[str, int] | None = None,
) -> ValidatedOrders:
    """Check an order export row by row (vectorised) and split accepted from rejected.

    Parameters
    ----------
    frame
        An order export as read by :func:`disputelib.tables.read_table`. Required columns:
        ``order_id``, ``amount_usd``, ``payment_method``; optional: ``shipped_at``,
        ``received_at``, ``buyer_country``, ``buyer_timezone``, ``protection_days``,
        ``problem``, ``problem_amount_usd``, ``estimated_delivery`` and ``marketplace`` (read by
        :func:`disputelib.routes.routes`), and for a buyer's own data ``paid_at``,
        ``order_status``, ``end_reason``. Other columns pass through. Headers match in any
        letter case, with spaces or hyphens for underscores
        (:func:`disputelib.intake.conform`). With ``paid_at`` (a buyer's own data, see
        :mod:`disputelib.importers`) ``payment_method`` may be absent or empty, and a
        receipt without a shipment date is accepted (``paid_date`` is added).
    pack
        The rule pack whose timer zone dates are placed in.
    columns
        An optional column map, our name -> the export's header, or a TOML file's path.
    first_row
        The 1-based number of the frame's first row in the whole input (the ``row`` of
        rejects), for a frame that is one part of a larger input.
    duplicates
        For one part of a larger input: every ``order_id`` (as cleaned) that appears more
        than once in the whole input, with its count there. The part's own duplicates are
        then not looked for: this mapping says which rows are duplicates.

    Returns
    -------
    ValidatedOrders

    Raises
    ------
    OrderColumnsError
        When a required column is missing (one sentence with the closest headers).

    Notes
    -----
    A row is rejected for: a missing ``order_id``; an ``order_id`` that appears more than
    once (every copy is rejected: which one is right cannot be known); a missing,
    non-numeric or non-positive ``amount_usd``, or one below 0.01 or above 1e9; a missing
    ``payment_method`` (unless the row has ``paid_at``); an unreadable ``shipped_at``,
    ``received_at`` or ``paid_at`` (words such as ``today`` included), or one outside
    1970-01-01 to 2199-12-31; a receipt without shipment (unless paid) or before it; a
    shipment, receipt or estimated delivery before ``paid_at``; an unknown ``buyer_country`` or
    ``buyer_timezone`` (an IANA name); an unreadable ``estimated_delivery``; a non-integer, non-positive or above-3650
    ``protection_days``; an unknown ``problem``; a non-numeric or non-positive
    ``problem_amount_usd`` or one above ``amount_usd``; text that was not valid UTF-8 in a
    column we read; a row the reader had to cut short. Infinite amounts are not numbers. A
    payment method the pack does not know is kept as written (the window does not depend
    on it) and counted in ``unknown_methods``.
    """
    pack = load_pack(pack)
    frame = intake.conform(frame, intake.ORDERS, columns)
    attrs = dict(frame.attrs)
    # A buyer's own data (it has paid_at) names no payment method: the window never depends on it.
    buyers_data = "paid_at" in frame.columns
    required = tuple(c for c in REQUIRED_COLUMNS if not (buyers_data and c == "payment_method"))
    intake.require(frame, required, "the orders", OrderColumnsError)
    decimal = attrs.get(intake.DECIMAL_ATTR, ".")
    n = len(frame)
    reasons: list[tuple[np.ndarray, str, pd.Series | None]] = []  # (row positions, reason, value)

    def reject(mask: np.ndarray | pd.Series, reason: str, value: pd.Series | None = None) -> None:
        """Reject rows under ``mask`` for ``reason``, followed by the row's ``value`` if given."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            reasons.append((np.flatnonzero(mask), reason, value))  # positions: rejects are few

    cut = np.zeros(n, dtype=bool)
    cut_rows = attrs.get(intake.BAD_ROWS_ATTR, {})
    cut_reason = pd.Series("", index=frame.index, dtype=object) if cut_rows else None  # no column of blanks for none
    for position, why in cut_rows.items():
        if 0 <= position < n:
            cut[position] = True
            cut_reason.iloc[position] = why
    reject(cut, "unreadable row: ", cut_reason)
    for name in attrs.get(intake.NOT_UTF8_ATTR, ()):  # pass-through columns too: no value changes unseen
        if name in frame.columns:
            reject(_not_utf8(frame, name), f"{name} is not valid UTF-8 text")

    order_id = text_column(frame, "order_id")
    reject(order_id.isna(), "missing order_id")
    if duplicates is None:
        dup = repeated(order_id)
        counts = order_id[dup].value_counts() if dup.any() else None
    else:
        counts = pd.Series(duplicates, dtype="int64")
        dup = order_id.isin(counts.index).to_numpy(bool) if len(counts) else np.zeros(n, dtype=bool)
    if dup.any():
        copies = order_id[dup].astype(object).map(counts).astype("string") + " rows)"
        reject(dup, "duplicate order_id (", copies.reindex(frame.index))

    amount, amount_bad = number_column(frame, "amount_usd", decimal)
    reject(amount_bad | np.isinf(amount), "amount_usd is not a number" + _NUMBER_HINT)
    reject(amount.isna() & ~amount_bad, "missing amount_usd")
    _reject_range(reject, amount, "amount_usd")

    method_text = text_column(frame, "payment_method")
    method, unknown = payment_method_or_given(method_text)
    reject(method_text.isna() & (not buyers_data), "missing payment_method")

    dates = {}
    for name in ("shipped_at", "received_at", "paid_at", "estimated_delivery"):
        values, outside, relative = time_column(frame, name)
        day, bad = to_timer_dates(values, pack.timer_zone)
        reject(bad | relative, f"unreadable {name} (use an ISO 8601 date or timestamp)")
        reject(outside | (day < FIRST_DAY) | (day > LAST_DAY), f"{name} is outside {FIRST_DAY} to {LAST_DAY}")
        dates[name] = (day, bad | relative | outside)
    (shipped, shipped_bad), (received, _), (paid, _) = dates["shipped_at"], dates["received_at"], dates["paid_at"]
    reject(~np.isnat(received) & np.isnat(shipped) & np.isnat(paid) & ~shipped_bad, "received_at without shipped_at")
    reject(received < shipped, "received_at is before shipped_at")
    reject(shipped < paid, "shipped_at is before paid_at")
    reject(received < paid, "received_at is before paid_at")
    reject(dates["estimated_delivery"][0] < paid, "estimated_delivery is before paid_at")

    known = iso_countries()
    country = map_distinct(text_column(frame, "buyer_country"), str.upper)
    bad_country = country.notna() & ~member(country, known)
    reject(bad_country, "unknown buyer_country ", text_column(frame, "buyer_country"))

    zone = text_column(frame, "buyer_timezone")
    zone_ok = map_distinct(zone, lambda z: "ok" if is_iana_zone(z) else None)
    reject(zone.notna() & zone_ok.isna(), "unknown buyer_timezone ", zone)

    days, days_bad = number_column(frame, "protection_days")
    reject(days_bad | (days.notna() & (days != np.floor(days))), "protection_days is not a whole number")
    reject(days <= 0, "protection_days must be positive")
    reject(days > MAX_PROTECTION_DAYS, f"protection_days is above {MAX_PROTECTION_DAYS}")

    problem_text = text_column(frame, "problem")
    problem = map_distinct(problem_text, lambda p: "_".join(str(p).lower().replace("-", " ").split()))
    problem = problem.mask(problem == "none")
    reject(problem.notna() & ~member(problem, PROBLEMS), "unknown problem ", problem_text)

    part, part_bad = number_column(frame, "problem_amount_usd", decimal)
    reject(part_bad | np.isinf(part), "problem_amount_usd is not a number" + _NUMBER_HINT)
    _reject_range(reject, part, "problem_amount_usd")
    reject(part > amount, "problem_amount_usd is above amount_usd")

    bad = np.zeros(n, dtype=bool)
    for rows, _, _ in reasons:
        bad[rows] = True
    row_number = np.arange(first_row, first_row + n)

    rejects = frame.loc[bad].copy()
    bad_rows = np.flatnonzero(bad)  # rejects are few: their positions, not a running count over every row
    text = pd.Series("", index=rejects.index, dtype="string")
    for rows, reason, value in reasons:
        piece = reason if value is None else reason + value.iloc[rows].astype("string").fillna("").to_numpy(object)
        position = np.searchsorted(bad_rows, rows)  # a rejected row's position among the rejects
        joined = text.iloc[position].to_numpy(object)
        joined = np.where(joined == "", joined, joined + "; ") + piece
        text.iloc[position] = joined
    rejects.insert(0, "reject_reason", text.astype(str))
    rejects.insert(0, "row", row_number[bad])

    # Every row kept: whole columns, no copies (slicing everything is a view).
    keep = ~bad if bad.any() else slice(None)
    # Copy-on-write: a shallow copy shares the caller's columns until one is replaced.
    orders = frame.copy(deep=False) if isinstance(keep, slice) else frame.loc[keep].copy()
    orders["order_id"] = order_id[keep]
    orders["amount_usd"] = amount[keep]
    orders["payment_method"] = method[keep]
    given_network = frame["payment_network"] if "payment_network" in frame.columns else None
    orders["payment_network"] = payment_network(method_text, given_network)[keep]
    orders[SHIPPED] = pd.Series(shipped[keep].astype("datetime64[s]"), index=orders.index, copy=False)
    orders[RECEIVED] = pd.Series(received[keep].astype("datetime64[s]"), index=orders.index, copy=False)
    if buyers_data:
        orders[PAID] = pd.Series(paid[keep].astype("datetime64[s]"), index=orders.index, copy=False)
    if "estimated_delivery" in frame.columns:
        estimated = dates["estimated_delivery"][0]
        orders[ESTIMATED] = pd.Series(estimated[keep].astype("datetime64[s]"), index=orders.index, copy=False)
    orders["buyer_country"] = country[keep]
    orders["buyer_timezone"] = zone[keep]
    orders["protection_days"] = _as_int64(days[keep])
    orders["problem"] = _as_string(problem[keep])
    orders["problem_amount_usd"] = part[keep]
    orders.attrs[ZONE_ATTR] = pack.timer_zone
    named = method[~bad & unknown.to_numpy(bool)].astype(str)
    counts = {str(k): int(v) for k, v in named.value_counts(sort=False).sort_index().items()}
    hints = dict(attrs.get(intake.HINTS_ATTR, {}))
    return ValidatedOrders(orders=orders, rejects=rejects, n_read=n, unknown_methods=counts, column_hints=hints)


def _as_string(values: pd.Series) -> pd.Series:
    """A categorical as a ``string`` column: its few categories converted, then taken per row.

    The same result as ``values.astype("string")``, which builds a Python string per row.
    """
    categories = pd.array(values.cat.categories.astype(object), dtype="string")
    taken = categories.take(values.cat.codes.to_numpy(), allow_fill=True)
    return pd.Series(taken, index=values.index, name=values.name)


def _as_int64(values: pd.Series) -> pd.Series:
    """Whole numbers or NaN as ``Int64``: what ``values.astype("Int64")`` gives, without its per-value checks."""
    missing = values.isna().to_numpy(bool)
    whole = np.zeros(len(values), dtype="int64")  # pages of zeros: an absent column costs no writes
    np.copyto(whole, values.to_numpy("float64"), casting="unsafe", where=~missing)
    return pd.Series(pd.arrays.IntegerArray(whole, missing), index=values.index, name=values.name, copy=False)


def _reject_range(reject, amount: pd.Series, name: str) -> None:
    """Amounts at most 0 are not positive; above 0 they must be a cent to a billion."""
    reject(amount <= 0, f"{name} must be positive")
    reject((amount > 0) & (amount < MIN_AMOUNT), f"{name} is below {MIN_AMOUNT}")
    reject((amount > MAX_AMOUNT) & np.isfinite(amount), f"{name} is above {MAX_AMOUNT:.0f}")


def _not_utf8(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Text holding U+FFFD: bytes that were not UTF-8 where the file was read."""
    col = frame[name]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return per_distinct(col, lambda v: "\ufffd" in str(v), False, bool)
    if not (pd.api.types.is_string_dtype(col.dtype) or pd.api.types.is_object_dtype(col.dtype)):
        return np.zeros(len(frame), dtype=bool)
    return col.astype("string").str.contains("\ufffd", regex=False).fillna(False).to_numpy(bool)

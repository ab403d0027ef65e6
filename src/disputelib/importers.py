"""The buyer's own data: AliExpress's data backup (XLSX) and an extension's order list (CSV).

Both formats hold one row per item; the readers turn them into the project's order
table, one row per order, with amounts in US dollars, ``paid_at`` and ``received_at``
instants, the platform's ``order_status`` and ``end_reason``, and a canonical
``order_state`` (:mod:`disputelib.order_states`). Cancelled and unpaid orders are kept and
marked. An item row that cannot be read rejects its whole order (an amount summed without
one of its items would be wrong): every item row of that order goes to the rejects with
its 1-based data row number and a ``reject_reason``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from disputelib.clock import is_valid_zone, to_instants
from disputelib.columns import map_distinct, per_distinct, text_column
from disputelib.order_states import ORDER_STATES, RECEIVED_STATES, order_states
from disputelib.tables import TableError, read_table

#: The sheet of the data backup that lists orders.
BACKUP_SHEET = "Order Information"
#: Columns the data backup must have.
BACKUP_REQUIRED: tuple[str, ...] = ("order_id", "order_status", "payable_amt", "gmt_pay_order_time")
#: Columns the extension's CSV must have.
EXTENSION_REQUIRED: tuple[str, ...] = ("Order Date", "Order ID", "Price")
#: Formats :func:`read_orders` knows.
ORDER_FORMATS: tuple[str, ...] = ("table", "aliexpress-backup", "aliexpress-extension")

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

#: The zone where a calendar day starts first (UTC+14). The extension's list gives the
#: order date in the buyer's zone without naming it: 00:00 of that date here is the
#: earliest instant the payment can have been, whatever the buyer's zone.
EARLIEST_ZONE = "Etc/GMT-14"

#: Largest whole number a spreadsheet keeps exactly in a number cell: it keeps 15 digits.
EXACT_DIGITS = 15

#: Currency signs of extension prices, used only when the ``Currency`` column is empty.
CURRENCY_SIGNS: dict[str, str] = {
    "US $": "USD",
    "US$": "USD",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "zł": "PLN",
    "₽": "RUB",
    "руб": "RUB",
    "₩": "KRW",
    "R$": "BRL",
    "₴": "UAH",
    "kr": "SEK",
    "Kč": "CZK",
    "CHF": "CHF",
    "C$": "CAD",
    "A$": "AUD",
}


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


# -- reading the files -------------------------------------------------------------------


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def sheet_values(book, name: str) -> Iterator[list]:
    """Rows of cell values of a read-only openpyxl workbook's sheet, like ``iter_rows(values_only=True)``.

    openpyxl opens the workbook (sheets, shared strings, which styles are dates); the
    sheet's cells are then read in one lean pass over its XML, about ten times faster
    than openpyxl's own cell objects on a 100k-row backup. Values follow openpyxl's rules:
    a number written without ``.`` or an exponent is an exact ``int`` at any length, other
    numbers are ``float``, numbers in a date style are ``datetime``, shared and inline
    strings are text, booleans are ``bool``. A row is a list up to its last cell;
    rows missing from the XML are skipped (they hold nothing).
    """
    from openpyxl.utils.cell import column_index_from_string
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    sheet = book[name]
    strings = sheet._shared_strings
    dates, durations, epoch = book._date_formats, book._timedelta_formats, book.epoch
    row_tag, cell_tag, value_tag = _MAIN + "row", _MAIN + "c", _MAIN + "v"
    inline_tag = _MAIN + "is"
    columns: dict[str, int] = {}
    with book._archive.open(sheet._worksheet_path) as source:
        for _, element in ElementTree.iterparse(source):
            if element.tag != row_tag:
                continue
            values: list = []
            for cell in element:  # the row's cells are its children
                if cell.tag != cell_tag:
                    continue
                ref = cell.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    column = columns.get(letters) or columns.setdefault(letters, column_index_from_string(letters))
                else:
                    column = len(values) + 1
                kind = cell.get("t", "n")
                if kind == "inlineStr":
                    node = cell.find(inline_tag)
                    value = None if node is None else "".join(node.itertext())
                else:
                    value = cell.findtext(value_tag) or None
                    if value is not None:
                        if kind == "n":
                            value = float(value) if "." in value or "E" in value or "e" in value else int(value)
                            if dates and int(cell.get("s", 0)) in dates:
                                value = from_excel(value, epoch, timedelta=int(cell.get("s", 0)) in durations)
                        elif kind == "s":
                            value = strings[int(value)]
                        elif kind == "b":
                            value = bool(int(value))
                        elif kind == "d":
                            value = from_ISO8601(value)
                if column > len(values):
                    values.extend([None] * (column - len(values)))
                values[column - 1] = value
            element.clear()
            yield values


def _backup_frame(path: Path) -> pd.DataFrame:
    """The ``Order Information`` sheet as columns of raw cell values (numbers stay numbers)."""
    import openpyxl  # only the backup reader needs it

    if not path.is_file():
        raise ImportFileError(f"cannot read {str(path)!r}: no such file")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImportFileError(f"cannot read {str(path)!r} as an XLSX workbook: {reason}") from None
    try:
        if BACKUP_SHEET not in book.sheetnames:
            raise ImportFileError(
                f"{str(path)!r} has no sheet {BACKUP_SHEET!r} (sheets: {', '.join(book.sheetnames)}): "
                "is it the data backup?"
            )
        rows = sheet_values(book, BACKUP_SHEET)
        header = next(rows, None)
        if header is None:
            raise ImportFileError(f"sheet {BACKUP_SHEET!r} of {str(path)!r} is empty")
        names = ["" if h is None else str(h).strip() for h in header]
        data = [r for r in rows if any(v is not None and v != "" for v in r)]
    finally:
        book.close()
    width = len(names)
    columns = list(zip(*[(r + [None] * width)[:width] for r in data], strict=True)) if data else []
    frame = pd.DataFrame(
        {
            name: pd.Series(col if columns else [], dtype=object)
            for name, col in zip(names, columns or [()] * width, strict=True)
            if name
        }
    )
    return frame


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


# -- shared steps ------------------------------------------------------------------------


class _Reasons:
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


def _finish(
    frame: pd.DataFrame,
    ids: pd.Series,
    reasons: _Reasons,
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


def _instants(values: pd.Series, zone: str, name: str, reasons: _Reasons) -> pd.Series:
    instants, bad = to_instants(pd.Series(values.to_numpy(object)), zone)
    reasons.add(bad, f"unreadable {name} (use YYYY-MM-DD HH:MM:SS)")
    return pd.Series(instants, index=values.index).dt.tz_localize("UTC").dt.tz_convert(zone)


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column of cell values as stripped text (numbers as written), empty as missing."""
    if name not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return map_distinct(frame[name], lambda v: str(v).strip() or None).astype("string")


# -- the data backup ---------------------------------------------------------------------


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
    frame = _backup_frame(path)
    missing = [c for c in BACKUP_REQUIRED if c not in frame.columns]
    if missing:
        raise ImportFileError(
            f"sheet {BACKUP_SHEET!r} of {str(path)!r} has no {', '.join(repr(c) for c in missing)} column"
            f"{'s' if len(missing) > 1 else ''} (required: {', '.join(BACKUP_REQUIRED)})"
        )
    reasons = _Reasons(len(frame))
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

    status = _text(frame, "order_status")
    reason = _text(frame, "end_reason")
    state = order_states(status, reason)
    paid = _instants(frame["gmt_pay_order_time"], zone, "gmt_pay_order_time", reasons)
    ended = _instants(_column(frame, "gmt_trade_end_time"), zone, "gmt_trade_end_time", reasons)
    ordered = _instants(_column(frame, "gmt_create_order_time"), zone, "gmt_create_order_time", reasons)
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
            "item_name": _text(frame, "item_name"),
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
    return _finish(frame, ids, reasons, per_item, consumed)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)


# -- the extension's CSV -----------------------------------------------------------------

_NUMBER = re.compile(r"[0-9][0-9.,\s\u00a0\u202f']*")


def parse_price(text: str) -> tuple[float, str | None]:
    """A price as written in an order list: its number and the currency its sign names.

    ``US $120.95`` -> ``(120.95, "USD")``; ``129,46zł`` -> ``(129.46, "PLN")``;
    ``1.234,56 €`` -> ``(1234.56, "EUR")``. Of ``,`` and ``.``, the last one written is the
    decimal mark, unless it is the only mark and exactly three digits follow it (then it
    groups thousands: ``1,234`` is 1234). NaN when no number is found.
    """
    found = _NUMBER.search(text)
    if found is None:
        return float("nan"), _sign(text)
    number = re.sub(r"[\s\u00a0\u202f']", "", found.group()).rstrip(".,")
    marks = [c for c in number if c in ",."]
    if marks:
        last = max(number.rfind(","), number.rfind("."))
        single = len(set(marks)) == 1
        if single and (len(marks) > 1 or len(number) - last - 1 == 3):
            number = number.replace(marks[0], "")
        else:
            number = number[:last].replace(",", "").replace(".", "") + "." + number[last + 1 :]
    try:
        value = float(number)
    except ValueError:
        value = float("nan")
    return value, _sign(text.replace(found.group(), " "))


def _sign(text: str) -> str | None:
    text = text.strip()
    for sign in sorted(CURRENCY_SIGNS, key=len, reverse=True):
        if sign and sign in text:
            return CURRENCY_SIGNS[sign]
    code = re.search(r"\b[A-Z]{3}\b", text)
    return code.group() if code else None


def read_fx(path: str | Path) -> dict[str, float]:
    """Exchange rates from a CSV of ``currency,usd_per_unit`` (``PLN,0.25``).

    Raises
    ------
    ImportFileError
        When the file cannot be read, a column is missing, or a rate is not a positive number.
    """
    path = Path(path)
    try:
        table = read_table(path)
    except TableError as exc:
        raise ImportFileError(f"--fx: {exc}") from None
    for name in ("currency", "usd_per_unit"):
        if name not in table.columns:
            raise ImportFileError(f"{str(path)!r} has no {name!r} column (write currency,usd_per_unit)")
    codes = table["currency"].astype(str).str.strip().str.upper()
    rates = pd.to_numeric(table["usd_per_unit"].astype(str).str.strip(), errors="coerce")
    bad = ~(rates > 0) | ~np.isfinite(rates)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ImportFileError(
            f"{str(path)!r} row {i + 1}: usd_per_unit {table['usd_per_unit'].iloc[i]!r} is not a positive number"
        )
    return dict(zip(codes, rates.astype(float), strict=True))


def read_aliexpress_extension(path: str | Path, fx: str | Path | dict[str, float] | None = None) -> Imported:
    """Read a shopper-inventory extension's order list (CSV) into the order table.

    Parameters
    ----------
    path
        The ``.csv`` file: ``Order Date`` (``Feb 21, 2026``), ``Order ID``, ``Title``,
        ``Qty``, ``Price`` per unit (``US $120.95``, ``129,46zł``), ``Store``,
        ``Currency`` (ISO code), ``Status``; other columns pass through.
    fx
        US dollars per unit of each other currency: a ``currency,usd_per_unit`` CSV or a
        dict. US dollars need no rate. An item in a currency without a rate is rejected,
        naming the currency.

    Returns
    -------
    Imported
        ``orders`` as for :func:`read_aliexpress_backup`, with ``amount_usd`` = the sum of
        price x quantity x rate, ``paid_at`` = 00:00 of the order date at UTC+14 (empty
        for unpaid orders): the list has no payment time and does not name the buyer's
        zone, so this is the earliest instant the payment can have been, and every bound
        drawn from it stays true), ``ordered_at`` = the order date as written,
        ``received_at`` empty (the list has no receipt date),
        ``order_status`` = ``Status``, ``end_reason`` empty, plus ``currency`` and
        ``amount_local`` (the sum in the order's own currency).
    """
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise ImportFileError(f"cannot read {str(path)!r}: the extension's order list is a .csv file")
    try:
        frame = read_table(path)
    except TableError as exc:
        raise ImportFileError(str(exc)) from None
    # spreadsheet-friendly CSVs start with a byte-order mark; headers may carry spaces
    frame = frame.rename(columns=lambda c: str(c).lstrip("\ufeff").strip())
    missing = [c for c in EXTENSION_REQUIRED if c not in frame.columns]
    if missing:
        raise ImportFileError(
            f"{str(path)!r} has no {', '.join(repr(c) for c in missing)} column"
            f"{'s' if len(missing) > 1 else ''} (required: {', '.join(EXTENSION_REQUIRED)})"
        )
    rates = {"USD": 1.0, **(read_fx(fx) if isinstance(fx, (str, Path)) else dict(fx or {}))}
    rates = {str(k).strip().upper(): float(v) for k, v in rates.items()}
    reasons = _Reasons(len(frame))
    ids = text_column(frame, "Order ID")
    reasons.add(ids.isna().to_numpy(bool), "missing Order ID")

    day_text = text_column(frame, "Order Date")
    day = pd.Series(per_distinct(day_text, _order_day, np.datetime64("NaT", "D"), "datetime64[D]"), index=frame.index)
    reasons.add(
        day_text.notna().to_numpy(bool) & day.isna().to_numpy(bool), "unreadable Order Date (like Feb 21, 2026)"
    )
    reasons.add(day_text.isna().to_numpy(bool), "missing Order Date")

    price_text = text_column(frame, "Price")
    price = per_distinct(price_text, lambda t: parse_price(t)[0], np.nan, "float64")
    sign = per_distinct(price_text, lambda t: parse_price(t)[1], None, object)
    reasons.add(price_text.isna().to_numpy(bool), "missing Price")
    reasons.add(price_text.notna().to_numpy(bool) & np.isnan(price), "unreadable Price")
    qty_text = text_column(frame, "Qty")
    qty = pd.to_numeric(qty_text, errors="coerce").to_numpy("float64", na_value=np.nan)
    qty = np.where(qty_text.isna().to_numpy(bool), 1.0, qty) if "Qty" not in frame.columns else qty
    reasons.add(~(qty > 0) | (qty != np.floor(qty)), "Qty is not a whole number above 0")

    code = map_distinct(text_column(frame, "Currency"), str.upper).astype(object).to_numpy()
    currency = np.where(pd.isna(code), sign, code)
    rate = per_distinct(pd.Series(currency, index=frame.index), lambda c: rates.get(c, np.nan), np.nan, "float64")
    no_currency = pd.isna(currency)
    reasons.add(no_currency & ~np.isnan(price), "no currency (fill the Currency column)")
    no_rate = ~no_currency & np.isnan(rate)
    reasons.add(
        no_rate,
        "no exchange rate for "
        + pd.Series(currency).fillna("").astype(str).to_numpy(object)
        + " (give --fx a currency,usd_per_unit file with it)",
    )

    mixed = pd.Series(currency).groupby(ids.fillna("").to_numpy(object)).transform("nunique").to_numpy() > 1
    reasons.add(mixed, "the order's items are in more than one currency")

    status = text_column(frame, "Status")
    state = order_states(status)
    zone = EARLIEST_ZONE
    paid_day = day.where(~state.isin(["unpaid"]).to_numpy(bool))
    local = price * qty
    per_item = pd.DataFrame(
        {
            "amount_usd": local * rate,
            "paid_at": _day_instants(paid_day, zone),
            "received_at": _day_instants(pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]"), zone),
            "ordered_at": _day_instants(day, zone),
            "ended_at": _day_instants(pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]"), zone),
            "order_status": status,
            "end_reason": pd.Series(pd.NA, index=frame.index, dtype="string"),
            "order_state": state,
            "item_name": text_column(frame, "Title"),
            "currency": pd.Series(currency, index=frame.index, dtype="string"),
            "amount_local": local,
        },
        index=frame.index,
    )
    consumed = {"Order ID", "Order Date", "Title", "Qty", "Price", "Currency", "Status"}
    result = _finish(frame, ids, reasons, per_item, consumed)
    orders = result.orders
    for name in ("ordered_at", "received_at", "ended_at"):  # dates as written: the list has no times
        orders[name] = orders[name].dt.tz_localize(None).astype("datetime64[s]")
    return result


def _order_day(text: str) -> np.datetime64:
    for form in ("%b %d, %Y", "%B %d, %Y", "%Y-%m-%d", "%d %b %Y", "%d.%m.%Y"):
        try:
            return np.datetime64(dt.datetime.strptime(" ".join(text.split()), form).date(), "D")
        except ValueError:
            continue
    return np.datetime64("NaT", "D")


def _day_instants(days: pd.Series, zone: str) -> pd.Series:
    return pd.Series(days.to_numpy("datetime64[s]"), index=days.index).dt.tz_localize(zone)


# -- one entry point ---------------------------------------------------------------------


def read_orders(path: str | Path, format: str = "table", zone: str = "UTC", fx=None) -> pd.DataFrame:
    """Read orders in any format the project knows, as the order table eligibility takes.

    Parameters
    ----------
    path
        The file.
    format
        ``table`` (the project's CSV or Parquet order table), ``aliexpress-backup`` or
        ``aliexpress-extension``.
    zone
        Time zone of the backup's times (``aliexpress-backup`` only).
    fx
        Exchange rates (``aliexpress-extension`` only): a CSV path or a dict.

    Returns
    -------
    pandas.DataFrame
        The order table; rows an import rejects are left out (use the readers themselves
        to see them).

    Examples
    --------
    >>> import disputelib as dl
    >>> orders = dl.read_orders("backup.xlsx", format="aliexpress-backup")  # doctest: +SKIP
    >>> dl.eligibility(orders, as_of="2026-03-20").table  # doctest: +SKIP
    """
    if format == "table":
        return read_table(path)
    if format == "aliexpress-backup":
        return read_aliexpress_backup(path, zone=zone).orders
    if format == "aliexpress-extension":
        return read_aliexpress_extension(path, fx=fx).orders
    raise ImportFileError(f"unknown orders format {format!r} (known: {', '.join(ORDER_FORMATS)})")

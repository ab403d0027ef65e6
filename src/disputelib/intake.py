"""The way in for a user's own export: header matching, column maps, required columns.

Every reader of orders and event logs (``eligibility``, ``check-log``, the report, the
Python API) goes through :func:`conform`, so an export's headers are matched the same way
everywhere:

- A header means one of our column names after case-folding, trimming, and turning
  spaces and hyphens into underscores (``Order ID``, ``ORDER_ID`` and `` order-id `` all
  mean ``order_id``). Only the columns a table's contract knows are renamed; every other
  column passes through exactly as written.
- A column map (a ``[columns]`` table in a TOML file, or a mapping from Python) names the
  export's header for any of our columns: ``order_id = "Order No."``.
- A required column that is still missing is one sentence listing the headers found and
  the closest matches.

:func:`disputelib.tables.read_table` records in ``frame.attrs`` what reading learnt that
validation needs: the decimal mark (:data:`DECIMAL_ATTR`), the rows that had too many
fields (:data:`BAD_ROWS_ATTR`, row position -> reason) and the Parquet columns that held
bytes that were not UTF-8 (:data:`NOT_UTF8_ATTR`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from disputelib import contracts
from disputelib.tables import TableError

#: ``frame.attrs`` key: ``"."``, ``","`` or ``"auto"`` (per column: a column holding a
#: comma reads commas as decimal marks and dots as thousands separators).
DECIMAL_ATTR = "disputelib.decimal"
#: ``frame.attrs`` key: ``{row position: reason}`` for rows the reader had to cut short.
BAD_ROWS_ATTR = "disputelib.bad_rows"
#: ``frame.attrs`` key: ``{our name: the header as the file wrote it}`` for renamed columns.
HEADERS_ATTR = "disputelib.headers"
#: ``frame.attrs`` key: columns whose bytes were not all UTF-8 (U+FFFD marks the values).
NOT_UTF8_ATTR = "disputelib.not_utf8"
#: ``frame.attrs`` key: ``{our optional column: a header that looks like it}`` for optional
#: columns no header matched (``Paid Time`` for ``paid_at``): the header is not read, and
#: the summaries say so.
HINTS_ATTR = "disputelib.column_hints"


@dataclass(frozen=True)
class Contract:
    """The columns a kind of table is read with.

    Attributes
    ----------
    name
        What the table is, for messages (``"orders"``, ``"event log"``).
    required, optional
        Our column names.
    buyers
        Columns of a buyer's own data (payment date, order state), matched like the
        others but not part of the export layout the sample files follow.
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    buyers: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional + self.buyers


#: The columns matched in an order export: the contract's (:data:`disputelib.contracts.ORDERS`),
#: and a buyer's own data's payment date and order state.
ORDERS = Contract(
    "orders", contracts.ORDERS.required, contracts.ORDERS.optional, ("paid_at", "order_status", "end_reason")
)
#: The columns matched in a dispute event log (:data:`disputelib.contracts.EVENTS`).
EVENTS = Contract("event log", contracts.EVENTS.required, contracts.EVENTS.optional)

#: Every name a column map may use.
KNOWN_NAMES: tuple[str, ...] = tuple(dict.fromkeys(ORDERS.columns + EVENTS.columns))


class ColumnsError(TableError):
    """A column map that cannot be used, or headers that cannot be matched."""


def header_key(header: object) -> str:
    """The name a header matches: case-folded, trimmed, spaces and hyphens as underscores.

    Examples
    --------
    >>> header_key(" Order-ID "), header_key("AMOUNT USD")
    ('order_id', 'amount_usd')
    """
    return re.sub(r"[\s\-]+", "_", str(header).strip()).casefold()


def load_column_map(columns: Mapping[str, str] | str | Path | None) -> dict[str, str]:
    """A column map (our name -> the export's header) from a mapping or a TOML file.

    Parameters
    ----------
    columns
        A mapping, the path of a TOML file with a ``[columns]`` table, or None (no map).

    Raises
    ------
    ColumnsError
        For an unreadable file, a file without ``[columns]``, a key that is not one of our
        column names, or a value that is not text.

    Examples
    --------
    >>> load_column_map({"order_id": "Order No."})
    {'order_id': 'Order No.'}
    """
    if columns is None:
        return {}
    where = "the column map"
    if isinstance(columns, str | Path):
        where = str(columns)
        path = Path(columns)
        if not path.is_file():
            raise ColumnsError(f"column map {where!r} does not exist")
        try:
            data = tomllib.loads(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            raise ColumnsError(f"{where}: not UTF-8 text: save the column map as UTF-8") from None
        except tomllib.TOMLDecodeError as exc:
            raise ColumnsError(f"{where}: not valid TOML ({exc})") from None
        extra = sorted(set(data) - {"columns"})
        if extra:
            raise ColumnsError(f"{where}: unknown key {extra[0]!r}: a column map has only a [columns] table")
        if not isinstance(data.get("columns"), dict):
            raise ColumnsError(f"{where}: no [columns] table (write e.g. order_id = \"Order No.\" under [columns])")
        columns = data["columns"]
    out: dict[str, str] = {}
    for ours, theirs in dict(columns).items():
        if ours not in KNOWN_NAMES:
            close = difflib.get_close_matches(str(ours), KNOWN_NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(KNOWN_NAMES)})"
            raise ColumnsError(f"{where}: unknown column {ours!r}{hint}")
        if not isinstance(theirs, str) or not theirs:
            raise ColumnsError(f"{where}: column {ours!r} must name a header as text, e.g. {ours} = \"Order No.\"")
        out[ours] = theirs
    return out


def conform(
    frame: pd.DataFrame, contract: Contract, columns: Mapping[str, str] | str | Path | None = None
) -> pd.DataFrame:
    """Rename an export's headers to our column names; other columns stay as written.

    Parameters
    ----------
    frame
        The export as read.
    contract
        :data:`ORDERS` or :data:`EVENTS`: which names to match.
    columns
        An optional column map (see :func:`load_column_map`). A mapped header wins over
        header matching. A mapped header the file does not have is an error, unless the
        column is already there under our own name or is not one this contract uses.

    Returns
    -------
    pandas.DataFrame
        The same data (no copy of the values) with matched headers renamed; ``attrs`` kept.

    Raises
    ------
    ColumnsError
        When a mapped header is absent, or two headers match the same column.
    """
    mapping = load_column_map(columns)
    if not all(isinstance(h, str) for h in frame.columns):  # e.g. a frame built with numbered columns
        frame = rename_columns(frame, {h: str(h) for h in frame.columns if not isinstance(h, str)})
    headers = list(frame.columns)
    rename: dict[str, str] = {}
    taken: dict[str, str] = {}
    for ours, theirs in mapping.items():
        if ours not in contract.columns:
            continue
        if theirs in headers:
            rename[theirs], taken[ours] = ours, theirs
        elif ours not in headers:
            raise ColumnsError(
                f"the column map names {theirs!r} for {ours}, but the {contract.name} have no such header "
                f"(found {_listing(headers)})"
            )
    known = set(contract.columns)
    for header in headers:
        if header in rename:
            continue
        ours = header_key(header)
        if ours not in known:
            continue
        if ours in taken:
            first, second = sorted((taken[ours], header), key=headers.index)
            raise ColumnsError(
                f"the {contract.name} have two columns for {ours}: {first!r} and {second!r} "
                "(rename or remove one of them)"
            )
        taken[ours] = header
        if header != ours:
            rename[header] = ours
    out = rename_columns(frame, rename)
    hints = look_alike_headers([h for h in headers if h not in rename and header_key(h) not in known],
                               [c for c in contract.columns if c not in taken and c not in headers])  # fmt: skip
    if hints:
        out.attrs[HINTS_ATTR] = hints
    return out


def look_alike_headers(headers: list[str], wanted: list[str]) -> dict[str, str]:
    """For each of our ``wanted`` columns, an unmatched header that looks like it, if any.

    Examples
    --------
    >>> look_alike_headers(["Paid Time", "Estimated Delivery Date", "Note"], ["paid_at", "estimated_delivery"])
    {'paid_at': 'Paid Time', 'estimated_delivery': 'Estimated Delivery Date'}
    """
    keys = {header_key(h): h for h in headers}
    hints: dict[str, str] = {}
    for ours in wanted:
        close = difflib.get_close_matches(ours, list(keys), n=1, cutoff=0.7)
        if close:
            hints[ours] = keys.pop(close[0])
    return hints


def rename_columns(frame: pd.DataFrame, rename: Mapping[str, str]) -> pd.DataFrame:
    """``frame.rename(columns=rename)`` that keeps, and renames in, what reading recorded."""
    if not rename:
        return frame
    out = frame.rename(columns=dict(rename))
    out.attrs = dict(frame.attrs)
    written = dict(out.attrs.get(HEADERS_ATTR, {}))
    for theirs, ours in rename.items():
        written[ours] = written.pop(theirs, theirs)
    out.attrs[HEADERS_ATTR] = written
    if NOT_UTF8_ATTR in out.attrs:
        out.attrs[NOT_UTF8_ATTR] = [rename.get(c, c) for c in out.attrs[NOT_UTF8_ATTR]]
    return out


def require(frame: pd.DataFrame, required: tuple[str, ...], what: str, error: type[Exception]) -> None:
    """Raise ``error`` with one sentence when ``frame`` lacks any of ``required``.

    The sentence lists the headers found and, for each missing column, the closest ones,
    and suggests a column map.

    Examples
    --------
    >>> require(pd.DataFrame(columns=["Order No.", "Order Amount"]), ("order_id",), "the orders", ValueError)
    Traceback (most recent call last):
    ...
    ValueError: the orders have no 'order_id' column (required: order_id); found 'Order No.', 'Order Amount'; closest to order_id: 'Order No.', 'Order Amount'; map them with --columns (columns= in Python)
    """
    missing = [c for c in required if c not in frame.columns]
    if not missing:
        return
    written = frame.attrs.get(HEADERS_ATTR, {})
    headers = [str(written.get(h, h)) for h in frame.columns]  # as the file wrote them
    keys = {header_key(h): h for h in headers}
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, list(keys), n=3, cutoff=0.4)
        if close:
            hints.append(f"closest to {name}: {', '.join(repr(keys[c]) for c in close)}")
    verb = "has" if what.startswith("the event log") else "have"
    raise error(
        f"{what} {verb} no {', '.join(repr(c) for c in missing)} column{'s' if len(missing) > 1 else ''}"
        f" (required: {', '.join(required)}); found {_listing(headers)}"
        + "".join(f"; {h}" for h in hints)
        + "; map them with --columns (columns= in Python)"
    )


def _listing(headers: list[str], limit: int = 12) -> str:
    if not headers:
        return "no columns"
    shown = ", ".join(repr(h) for h in headers[:limit])
    return shown + (f" and {len(headers) - limit} more" if len(headers) > limit else "")

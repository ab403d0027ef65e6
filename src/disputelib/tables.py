"""Reading and writing tables: CSV, Parquet or Excel, chosen by the file extension.

CSV (also ``.csv.gz``) and ``.xlsx`` are read with every column as text, so values that
cannot be interpreted are kept exactly as written (for the rejects file) and pass-through
columns stay untouched; the CSV dialect is sniffed (see :mod:`disputelib.dialect`).
Parquet text that is not valid UTF-8 is read with U+FFFD in place of the bad bytes, and the
column named in ``attrs[NOT_UTF8_ATTR]``, so that validation rejects those values.

Every CSV written reads back as the rows written: fields holding the delimiter, a quote,
LF or CR are quoted (a file with a CR in some field ends its lines with CR LF so that the
CR is quoted too).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from disputelib.clock import iso_in_zone
from disputelib.errors import DisputelibError
from disputelib.paths import written_in_place

FORMATS = {".csv": "csv", ".gz": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}
#: ``frame.attrs`` key: the Parquet text columns that held bytes that were not UTF-8 (now
#: U+FFFD in their place). The same key as :data:`disputelib.intake.NOT_UTF8_ATTR`.
NOT_UTF8_ATTR = "disputelib.not_utf8"
#: A cell starting with one of these is a formula (or may start one) in a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class TableError(DisputelibError, ValueError):
    """A table that cannot be read or written; the message is one sentence for the user."""


def table_format(path: str | Path, writing: bool = False) -> str:
    """``"csv"``, ``"parquet"`` or ``"xlsx"`` from a file name; :class:`TableError` otherwise."""
    name = Path(path).name.lower()
    suffix = Path(path).suffix.lower()
    if suffix == ".gz" and not name.endswith(".csv.gz"):
        suffix = ""
    try:
        return FORMATS[suffix]
    except KeyError:
        names = ".csv, .csv.gz or .parquet file (.xlsx is read, not written)" if writing else ".csv, .csv.gz, .xlsx or .parquet file"
        raise TableError(f"cannot tell the format of {str(path)!r}: name a {names}") from None


def read_table(
    path: str | Path,
    *,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    columns: Mapping[str, str] | str | Path | None = None,
    contract: str | None = None,
) -> pd.DataFrame:
    """Read a CSV, ``.csv.gz`` or ``.xlsx`` file (all columns as text) or a Parquet file.

    Parameters
    ----------
    path
        The file; the format comes from its extension.
    sep, decimal, encoding
        CSV dialect overrides; by default the delimiter (``,`` ``;`` tab ``|``) is sniffed,
        a comma-delimited file uses ``.`` as decimal mark and any other decides per
        numeric column (``1.234,56``), and the encoding is UTF-8 or, by its byte-order
        mark, UTF-16.
    columns
        A column map, our name -> the export's header (``{"order_id": "Order No."}``), or
        the path of a TOML file with a ``[columns]`` table.
    contract
        ``"orders"`` or ``"events"``: match headers to that table's columns now (the
        readers of orders and event logs do it anyway). With ``columns`` and no
        contract, only the mapped headers are renamed.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    TableError
        When the file is missing, unreadable or not a table (one sentence).

    Examples
    --------
    >>> orders = read_table("export.csv", columns={"order_id": "Order No."})  # doctest: +SKIP
    """
    path = Path(path)
    kind = table_format(path)
    if not path.is_file():
        raise TableError(f"cannot read {str(path)!r}: no such file")
    if kind != "csv" and (sep or decimal or encoding):
        raise TableError(f"--sep, --decimal and --encoding (sep=, decimal=, encoding= in Python) are for CSV files, not {str(path)!r}")
    frame = _read(path, kind, sep, decimal, encoding)
    if columns is None and contract is None:
        return frame
    from disputelib import intake

    if contract is None:
        mapping = intake.load_column_map(columns)
        return intake.rename_columns(frame, {theirs: ours for ours, theirs in mapping.items()})
    contracts = {"orders": intake.ORDERS, "events": intake.EVENTS}
    if contract not in contracts:
        raise TableError(f"unknown contract {contract!r}: use orders or events")
    return intake.conform(frame, contracts[contract], columns)


def _read(path: Path, kind: str, sep: str | None, decimal: str | None, encoding: str | None) -> pd.DataFrame:
    from disputelib import dialect

    try:
        if kind == "csv":
            return dialect.read_csv(path, sep, decimal, encoding)
        if kind == "xlsx":
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, na_filter=False, engine="openpyxl")
            frame.columns = [str(c) for c in frame.columns]
            # number cells arrive as "12.5"; text cells typed the European way ("12,50") are read so too
            from disputelib.intake import DECIMAL_ATTR

            frame.attrs[DECIMAL_ATTR] = "auto"
            return frame
        return _read_parquet(path)
    except TableError:
        raise
    except pd.errors.EmptyDataError:
        raise TableError(f"cannot read {str(path)!r}: the file is empty") from None
    except Exception as exc:  # pyarrow and the CSV parser raise many kinds
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TableError(f"cannot read {str(path)!r} as {kind.upper()}: {reason}") from None


def _read_parquet(path: Path, row_groups: list[int] | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """Parquet (or some of its row groups or columns), text that is not valid UTF-8 decoded with U+FFFD for the bad bytes."""
    import pyarrow.parquet as pq

    if row_groups is None:
        table = pq.read_table(path, columns=columns)
    else:
        table = pq.ParquetFile(path).read_row_groups(row_groups, columns=columns)
    return _arrow_frame(table)


def _arrow_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as pandas, text that is not valid UTF-8 decoded with U+FFFD and its columns noted."""
    repaired = []
    for i, field in enumerate(table.schema):
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            continue
        column = table.column(i)
        try:
            column.validate(full=True)
        except pa.ArrowInvalid:
            if pa.types.is_dictionary(field.type):
                column = column.cast(kind)
            table = table.set_column(i, field.name, _repair_utf8(column))
            repaired.append(field.name)
    frame = table.to_pandas()
    frame.attrs[NOT_UTF8_ATTR] = repaired
    return frame


def _repair_utf8(column: pa.ChunkedArray) -> pa.Array:
    raw = column.cast(pa.large_binary()) if pa.types.is_large_string(column.type) else column.cast(pa.binary())
    encoded = raw.combine_chunks().dictionary_encode()
    words = [None if v is None else v.decode("utf-8", errors="replace") for v in encoded.dictionary.to_pylist()]
    return pa.DictionaryArray.from_arrays(encoded.indices, pa.array(words, pa.string())).cast(pa.string())


def _for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as ``YYYY-MM-DD`` and instants as ISO 8601 with ``T`` and offset."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = iso_in_zone(col, str(col.dt.tz)).set_axis(col.index)
        elif pd.api.types.is_datetime64_dtype(col.dtype):
            values = col.to_numpy()
            days = values.astype("datetime64[D]")
            if (np.isnat(values) | (values == days)).all():
                out[name] = pd.Series(np.datetime_as_string(days), index=col.index).where(~np.isnat(days))
    return out


def for_excel(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as formulas, prefixed with ``'``.

    A cell starting with ``=``, ``+``, ``-``, ``@``, TAB or CR is shown as text in Excel,
    LibreOffice or Google Sheets rather than evaluated (CSV formula injection: an order id
    such as ``=HYPERLINK(...)`` from an export would otherwise run on the analyst's
    machine). Numbers stay numbers; categorical columns (payment methods kept as written,
    countries) are text like any other.

    Examples
    --------
    >>> for_excel(pd.DataFrame({"id": ["=1+1", "A-1"], "n": [-1, 2]}))["id"].tolist()
    ["'=1+1", 'A-1']
    >>> for_excel(pd.DataFrame({"method": pd.Categorical(["@SUM(A1)", "card"])}))["method"].tolist()
    ["'@SUM(A1)", 'card']
    """
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            if not pd.api.types.is_numeric_dtype(col.cat.categories.dtype):
                col = col.astype(object)
            else:
                continue
        if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)):
            continue
        text = col.astype("string")
        risky = text.str.startswith(FORMULA_STARTS).fillna(False)
        if risky.any():
            out[name] = col.astype(object).where(~risky, "'" + text.astype(object))
    return out


def _csv_options(frame: pd.DataFrame) -> dict:
    """``to_csv`` options that make every field read back as written."""
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype):
            try:
                values = pa.array(col.astype("string").array)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                continue
            if pc.any(pc.match_substring(values, "\r")).as_py():
                return {"index": False, "lineterminator": "\r\n", "quoting": csv.QUOTE_MINIMAL}
    return {"index": False, "quoting": csv.QUOTE_MINIMAL}


def _csv_text(frame: pd.DataFrame, excel: bool) -> tuple[pd.DataFrame, dict]:
    text = _for_csv(frame)
    if excel:
        text = for_excel(text)
    return text, _csv_options(text)


def write_table(
    frame: pd.DataFrame, path: str | Path | None, stream: IO[str] | None = None, *, excel: bool = False
) -> None:
    """Write a frame as CSV or Parquet by extension; CSV to ``stream`` (stdout) when no path.

    The file is written next to its destination first and renamed into place, so a failed
    write never leaves a half-written file. With ``excel``, CSV is written for a
    spreadsheet: UTF-8 with a byte-order mark (so Cyrillic or Korean text shows right) and
    formula-like cells prefixed with ``'`` (:func:`for_excel`); the default stays raw, for
    programs that read the values back.
    """
    if path is None:
        text, options = _csv_text(frame, excel)
        out = stream or sys.stdout
        if excel and out is sys.stdout and hasattr(out, "buffer"):
            out.flush()
            out.buffer.write("\ufeff".encode())
        text.to_csv(out, **options)
        return
    path = Path(path)
    kind = table_format(path, writing=True)
    if kind == "xlsx":
        raise TableError(f"cannot write {str(path)!r}: write .csv (with --excel for a spreadsheet) or .parquet")
    if path.parent and not path.parent.exists():
        raise TableError(f"cannot write {str(path)!r}: folder {str(path.parent)!r} does not exist")
    try:
        with written_in_place(path) as partial:
            if kind == "csv":
                compression = "gzip" if path.name.lower().endswith(".gz") else None
                text, options = _csv_text(frame, excel)
                text.to_csv(partial, encoding="utf-8-sig" if excel else "utf-8", compression=compression, **options)
            else:
                frame.to_parquet(partial, index=False)
    except OSError as exc:
        raise TableError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None

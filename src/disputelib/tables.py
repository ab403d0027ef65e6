"""Reading and writing tables: CSV or Parquet, chosen by the file extension.

CSV is read with every column as text, so values that cannot be interpreted are kept
exactly as written (for the rejects file) and pass-through columns stay untouched.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from disputelib.clock import iso_in_zone
from disputelib.errors import DisputelibError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


class TableError(DisputelibError, ValueError):
    """A table that cannot be read or written; the message is one sentence for the user."""


def table_format(path: str | Path) -> str:
    """``"csv"`` or ``"parquet"`` from a file name; :class:`TableError` otherwise."""
    suffix = Path(path).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        raise TableError(
            f"cannot tell the format of {str(path)!r}: use a .csv or .parquet file name"
        ) from None


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (all columns as text) or Parquet file.

    Raises
    ------
    TableError
        When the file is missing, unreadable or not a table.
    """
    path = Path(path)
    kind = table_format(path)
    if not path.is_file():
        raise TableError(f"cannot read {str(path)!r}: no such file")
    try:
        if kind == "csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
        return pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise TableError(f"cannot read {str(path)!r}: the file is empty") from None
    except Exception as exc:  # pyarrow and the CSV parser raise many kinds
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TableError(f"cannot read {str(path)!r} as {kind.upper()}: {reason}") from None


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


def write_table(frame: pd.DataFrame, path: str | Path | None, stream: IO[str] | None = None) -> None:
    """Write a frame as CSV or Parquet by extension; CSV to ``stream`` (stdout) when no path.

    The file is written next to its destination first and renamed into place, so a failed
    write never leaves a half-written file.
    """
    if path is None:
        _for_csv(frame).to_csv(stream or sys.stdout, index=False)
        return
    path = Path(path)
    kind = table_format(path)
    if path.parent and not path.parent.exists():
        raise TableError(f"cannot write {str(path)!r}: folder {str(path.parent)!r} does not exist")
    partial = path.with_name(f".{path.name}.partial")
    try:
        if kind == "csv":
            _for_csv(frame).to_csv(partial, index=False)
        else:
            frame.to_parquet(partial, index=False)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise TableError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None

"""Column helpers: work once per distinct value, not once per row.

Export columns such as payment method, country, time zone or problem hold a handful of
distinct values in millions of rows; cleaning or looking up the distinct values and
spreading the result by code is what keeps whole-table work cheap.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def per_distinct(values: pd.Series, func: Callable[[Any], Any], missing: Any, dtype: Any) -> np.ndarray:
    """``func`` of each row's value as a numpy array, computed once per distinct value.

    Parameters
    ----------
    values
        Any column (strings, categoricals, numbers).
    func
        Called with each distinct non-missing value.
    missing
        The result for missing values.
    dtype
        The numpy dtype of the result.

    Examples
    --------
    >>> per_distinct(pd.Series(["RU", "US", None, "RU"]), {"RU": 90}.get, 0, object).tolist()
    [90, None, 0, 90]
    """
    codes, table = _distinct(values, func, missing)
    return np.array(table, dtype=dtype)[codes]


def _distinct(values: pd.Series, func: Callable[[Any], Any], missing: Any) -> tuple[np.ndarray, list]:
    """Codes per row (missing -> the last entry) and ``func`` of each distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, [func(u) for u in uniques] + [missing]


def map_distinct(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Apply ``func`` once per distinct non-missing value; a categorical, same index.

    ``func`` returning None makes the value missing; missing values stay missing.

    Examples
    --------
    >>> map_distinct(pd.Series(["Visa ", "visa"]), lambda v: v.strip().lower()).tolist()
    ['visa', 'visa']
    """
    codes, table = _distinct(values, func, None)
    inner, categories = pd.factorize(pd.Series(table, dtype=object), use_na_sentinel=True)
    return pd.Series(pd.Categorical.from_codes(inner[codes], categories=categories), index=values.index)


def text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as stripped text with empty text as missing; all missing if absent.

    Categorical columns (few distinct values, as Parquet exports often hold) are cleaned
    per category rather than per row and stay categorical.
    """
    if name not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    col = frame[name]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return map_distinct(col, lambda v: str(v).strip() or None)
    text = col.astype("string")
    # Most ids are clean: copy a column of millions only when something needs trimming.
    array = pa.array(text.array)
    untidy = pc.or_(pc.match_substring_regex(array, r"^\s|\s$"), pc.equal(array, ""))
    if not pc.any(untidy).as_py():
        return text
    text = text.str.strip()
    return text.mask(text == "")


def repeated(values: pd.Series) -> np.ndarray:
    """True for every row whose value appears more than once; missing values never count.

    Sorts instead of hashing: on ten million order ids a hash-based ``duplicated`` took
    four times as long and a gigabyte more memory.

    Examples
    --------
    >>> repeated(pd.Series(["a", "b", "a", None, None])).tolist()
    [True, False, True, False, False]
    """
    n = len(values)
    if n < 2:
        return np.zeros(n, dtype=bool)
    array = pa.array(values.astype("string").array)
    order = pc.sort_indices(array)  # missing values sort last
    ordered = array.take(order)
    same = pc.equal(ordered.slice(1), ordered.slice(0, n - 1)).fill_null(False).to_numpy(zero_copy_only=False)
    in_order = np.zeros(n, dtype=bool)
    in_order[1:] |= same
    in_order[:-1] |= same
    out = np.empty(n, dtype=bool)
    out[order.to_numpy()] = in_order
    return out


#: Decimal-comma numbers: ``12,5``, ``1.234,56``, ``1234,56``, ``1 234,56`` (dots, spaces or
#: no-break spaces as thousands separators).
_COMMA_NUMBER = r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,\d+)?$"


def decimal_comma(text: pd.Series, decimal: str) -> pd.Series:
    """Numeric text with ``decimal`` (``","``, or ``"auto"``: if the column holds a comma) as ``.``.

    Other text is left as it is (``12.5`` stays ``12.5``), so that only numbers written the
    European way change.

    Examples
    --------
    >>> decimal_comma(pd.Series(["1.234,56", "12,5", "7", "1 234,5"], dtype="string"), "auto").tolist()
    ['1234.56', '12.5', '7', '1234.5']
    """
    if decimal == "." or not text.str.contains(",", regex=False).fillna(False).any():
        return text
    european = text.str.match(_COMMA_NUMBER).fillna(False)
    fixed = text.str.replace(r"[.\s\u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
    return text.where(~european, fixed)


def number_column(frame: pd.DataFrame, name: str, decimal: str = ".") -> tuple[pd.Series, np.ndarray]:
    """A numeric column (float64, NaN if absent) and a mask of values given but not numbers.

    ``decimal`` is ``"."``, ``","`` or ``"auto"`` (see :func:`decimal_comma`).
    """
    if name not in frame.columns:
        return pd.Series(np.nan, index=frame.index), np.zeros(len(frame), bool)
    col = frame[name]
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("float64"), np.zeros(len(frame), bool)
    text = decimal_comma(text_column(frame, name), decimal)
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    return values, (text.notna() & values.isna()).to_numpy(bool)


#: Words some date parsers read relative to the clock; a result must never depend on it.
RELATIVE_WORDS = frozenset({"now", "today", "yesterday", "tomorrow"})
#: Instants outside this span (with a day's margin for time zones) are never read: outside
#: 1970-01-01..2199-12-31 anyway, and some would not fit in nanoseconds (1677, 2263).
_EARLIEST, _LATEST = np.datetime64("1969-12-30", "D"), np.datetime64("2200-01-02", "D")
_YEAR = r"^\s*([+-]?\d{4})(?:[-/.T ]|\d{4}|$)"


def time_column(frame: pd.DataFrame, name: str) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """A date or timestamp column made safe to read, and what was kept from being read.

    Parquet dates and timestamps of any unit (with or without zone) and ``date`` or
    ``datetime`` objects are checked where they are, before any conversion to nanoseconds
    could overflow or wrap around; text is checked for its leading year and for words
    such as ``today``. Checked per distinct value for objects and text.

    Returns
    -------
    values : pandas.Series
        The column with the values below taken out (missing); as is otherwise. A missing
        column is all missing.
    outside : numpy.ndarray
        ``bool``: the value is an instant far outside 1970-01-01..2199-12-31.
    relative : numpy.ndarray
        ``bool``: the value is a word relative to the day it is read (``today``, ``now``).

    Examples
    --------
    >>> _, outside, relative = time_column(pd.DataFrame({"at": ["2602-01-01", "today", "2026-03-01"]}), "at")
    >>> outside.tolist(), relative.tolist()
    ([True, False, False], [False, True, False])
    """
    n = len(frame)
    none = np.zeros(n, dtype=bool)
    if name not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string"), none, none
    col = frame[name]
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        wall = col.dt.tz_localize(None).to_numpy()
        outside = ~np.isnat(wall) & ((wall < _EARLIEST) | (wall >= _LATEST))
        return (col.mask(outside) if outside.any() else col), outside, none
    if pd.api.types.is_datetime64_dtype(col.dtype):
        values = col.to_numpy()
        outside = ~np.isnat(values) & ((values < _EARLIEST) | (values >= _LATEST))
        return (col.mask(outside) if outside.any() else col), outside, none
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    kinds = np.array([_kind(v) for v in uniques] + [0], dtype=np.int8)[codes]
    outside, relative = kinds == 1, kinds == 2
    if not (outside.any() or relative.any()):
        return col, none, none
    return col.mask(outside | relative), outside, relative


def _kind(value: object) -> int:
    """0: fine to read; 1: far outside the years we read; 2: a word relative to today."""
    if isinstance(value, str):
        if value.strip().casefold() in RELATIVE_WORDS:
            return 2
        match = re.match(_YEAR, value)
        return int(match is not None and not 1969 <= int(match.group(1)) <= 2200)
    if isinstance(value, dt.date):  # datetime too
        return int(not 1969 <= value.year <= 2200)
    if isinstance(value, np.datetime64) and not np.isnat(value):
        day = value.astype("datetime64[D]")
        return int(day < _EARLIEST or day >= _LATEST)
    return 0

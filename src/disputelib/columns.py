"""Column helpers: work once per distinct value, not once per row.

Export columns such as payment method, country, time zone or problem hold a handful of
distinct values in millions of rows; cleaning or looking up the distinct values and
spreading the result by code is what keeps whole-table work cheap.
"""

from __future__ import annotations

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


def number_column(frame: pd.DataFrame, name: str) -> tuple[pd.Series, np.ndarray]:
    """A numeric column (float64, NaN if absent) and a mask of values given but not numbers."""
    if name not in frame.columns:
        return pd.Series(np.nan, index=frame.index), np.zeros(len(frame), bool)
    col = frame[name]
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("float64"), np.zeros(len(frame), bool)
    text = text_column(frame, name)
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    return values, (text.notna() & values.isna()).to_numpy(bool)


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

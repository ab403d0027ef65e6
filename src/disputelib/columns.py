"""Column helpers: work once per distinct value, not once per row.

Export columns such as payment method, country, time zone or problem hold a handful of
distinct values in millions of rows; cleaning or looking up the distinct values and
spreading the result by code is what keeps whole-table work cheap.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Sequence
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
        Called with each distinct non-missing value (with each category of a categorical,
        whether it occurs or not).
    missing
        The result for missing values.
    dtype
        The numpy dtype of the result.

    Examples
    --------
    >>> per_distinct(pd.Series(["RU", "US", None, "RU"]), {"RU": 90}.get, 0, object).tolist()
    [90, None, 0, 90]
    """
    if isinstance(values.dtype, pd.CategoricalDtype):  # the codes index the categories: one lookup per row
        table = [func(c) for c in values.cat.categories] + [missing]
        return _lookup(np.array(table, dtype=dtype), values.cat.codes.to_numpy())
    codes, table = _distinct(values, func, missing)
    return _lookup(np.array(table, dtype=dtype), codes)


def _lookup(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``table[codes]`` (code -1 reads the last entry), a new array.

    One- and two-byte codes into a table of one- or two-byte values go through Arrow's
    take, which reads the codes as they are; numpy first widens each to eight bytes.
    """
    if codes.dtype not in (np.int8, np.int16):
        return table[codes]
    if table.dtype.itemsize > 2 or table.dtype.kind not in "biu":  # a block at a time: widened codes stay small
        out = np.empty(len(codes), dtype=table.dtype)
        for lo in range(0, len(codes), _BLOCK):
            np.take(table, codes[lo : lo + _BLOCK], out=out[lo : lo + _BLOCK], mode="wrap")  # -1: the last entry
        return out
    unsigned = codes.view(np.uint8 if codes.dtype == np.int8 else np.uint16)  # -1 is the largest
    values = table.view(np.uint8) if table.dtype == bool else table
    full = np.empty(np.iinfo(unsigned.dtype).max + 1, dtype=values.dtype)
    full[: len(values) - 1] = values[:-1]
    full[-1] = values[-1]
    taken = pc.take(pa.array(full), pa.array(unsigned)).to_numpy(zero_copy_only=False, writable=True)
    return taken.view(bool) if table.dtype == bool else taken


def _distinct(values: pd.Series, func: Callable[[Any], Any], missing: Any) -> tuple[np.ndarray, list]:
    """Codes per row (missing -> the last entry) and ``func`` of each distinct value."""
    codes, uniques = factorize(values)
    return codes, [func(u) for u in uniques] + [missing]


def _small_codes(size: int) -> np.dtype:
    """The narrowest signed integer type holding codes ``-1 .. size - 1``."""
    for dtype in (np.int8, np.int16, np.int32):
        if size <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def _first_appearances(codes: np.ndarray, size: int) -> np.ndarray:
    """The codes ``0 .. size - 1`` that occur in ``codes``, in the order they first appear.

    Reads growing blocks and stops once every code has been seen, which for a column of
    millions with a few categories is within its first rows.
    """
    seen = np.zeros(size + 1, dtype=bool)
    seen[-1] = True  # code -1, missing, reads the last slot
    order = []
    found, start, step = 0, 0, 1 << 16
    while found < size and start < len(codes):
        block = pd.unique(codes[start : start + step])  # in order of first appearance
        new = block[~seen[block]]
        if len(new):
            order.append(new)
            seen[new] = True
            found += len(new)
        start += step
        step *= 2
    return np.concatenate(order).astype(np.intp) if order else np.zeros(0, dtype=np.intp)


def factorize(values: pd.Series) -> tuple[np.ndarray, Any]:
    """``pandas.factorize(values, use_na_sentinel=True)``: codes per row (-1 where missing) and the distinct values.

    The same codes and distinct values, in the order they first appear; a categorical's
    are read from its codes rather than by hashing every row, and come in the narrowest
    integer type that holds them.

    Examples
    --------
    >>> codes, uniques = factorize(pd.Series(pd.Categorical(["b", None, "a", "b"], categories=["a", "b", "c"])))
    >>> codes.tolist(), uniques.tolist()
    ([0, -1, 1, 0], ['b', 'a'])
    """
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return pd.factorize(values, use_na_sentinel=True)
    codes = values.cat.codes.to_numpy()
    order = _first_appearances(codes, len(values.cat.categories))
    lookup = np.full(len(values.cat.categories) + 1, -1, dtype=_small_codes(len(order)))
    lookup[order] = np.arange(len(order))
    uniques = pd.CategoricalIndex(pd.Categorical.from_codes(order, dtype=values.dtype))
    return _lookup(lookup, codes), uniques  # code -1 reads the last slot: -1


def map_distinct(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Apply ``func`` once per distinct non-missing value; a categorical, same index.

    ``func`` returning None makes the value missing; missing values stay missing. The
    categories are the results in the order their values first appear.

    Examples
    --------
    >>> map_distinct(pd.Series(["Visa ", "visa"]), lambda v: v.strip().lower()).tolist()
    ['visa', 'visa']
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        # from the categorical's own codes to the result's in one lookup per row
        codes = values.cat.codes.to_numpy()
        order = _first_appearances(codes, len(values.cat.categories))
        table = [func(v) for v in values.cat.categories.take(order)] + [None]
        inner, categories = pd.factorize(pd.Series(table, dtype=object), use_na_sentinel=True)
        lookup = np.full(len(values.cat.categories) + 1, -1, dtype=_small_codes(len(categories)))
        lookup[order] = inner[:-1]
        result = _lookup(lookup, codes)  # code -1 reads the last slot: -1
    else:
        codes, table = _distinct(values, func, None)
        inner, categories = pd.factorize(pd.Series(table, dtype=object), use_na_sentinel=True)
        result = _lookup(inner.astype(_small_codes(len(categories))), codes)  # a narrow code per row
    # validate=False: every code was made here, -1 or a category's
    categorical = pd.Categorical.from_codes(result, categories=categories, validate=False)
    return pd.Series(categorical, index=values.index, copy=False)


def member(values: pd.Series, collection: Collection[Any]) -> np.ndarray:
    """``values.isin(collection)`` as a numpy array, asked once per distinct value.

    Examples
    --------
    >>> member(pd.Series(pd.Categorical(["RU", None, "XX"])), {"RU", "US"}).tolist()
    [True, False, False]
    """
    return per_distinct(values, lambda v: v in collection, False, bool)


def missing_text(index: pd.Index) -> pd.Series:
    """``pd.Series(pd.NA, index=index, dtype="string")``, built by Arrow without a value per row."""
    return pd.Series(pd.arrays.ArrowStringArray(pa.nulls(len(index), pa.large_string())), index=index, copy=False)


def positions(values: pd.Series, known: Sequence[str]) -> np.ndarray:
    """Each row's position in ``known``, -1 for any other value and where missing.

    Arrow text is looked up in Arrow, one hash lookup per row with no table of every
    distinct value; any other column once per distinct value.

    Examples
    --------
    >>> positions(pd.Series(["b", None, "z", "a"], dtype="string"), ["a", "b"]).tolist()
    [1, -1, -1, 0]
    """
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        array = pa.array(values.array)
        found = pc.index_in(array, value_set=pa.array(list(known), array.type))
        return found.fill_null(-1).to_numpy()
    index = {name: i for i, name in enumerate(known)}
    return per_distinct(values, lambda v: index.get(v, -1), -1, np.int32)


def text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as stripped text with empty text as missing; all missing if absent.

    Categorical columns (few distinct values, as Parquet exports often hold) are cleaned
    per category rather than per row and stay categorical.
    """
    if name not in frame.columns:
        return missing_text(frame.index)
    col = frame[name]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return map_distinct(col, lambda v: str(v).strip() or None)
    text = col.astype("string")
    # Most ids are clean: copy a column of millions only when something needs trimming.
    if not _untidy(pa.array(text.array)):
        return text
    text = text.str.strip()
    return text.mask(text == "")


#: The bytes ``\s`` matches in Arrow's regular expressions (RE2): tab, LF, FF, CR, space.
_SPACE_BYTES = np.zeros(256, dtype=bool)
_SPACE_BYTES[[9, 10, 12, 13, 32]] = True


def _chunks(array: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return list(array.chunks) if isinstance(array, pa.ChunkedArray) else [array]


def _offsets_and_bytes(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """A string array's offsets (``len + 1``) and its bytes, read in place; None for other layouts."""
    if pa.types.is_large_string(chunk.type):
        width = np.int64
    elif pa.types.is_string(chunk.type):
        width = np.int32
    else:
        return None
    _, offsets, data = chunk.buffers()
    offsets = np.frombuffer(offsets, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    return offsets, data


def _untidy(array: pa.Array | pa.ChunkedArray) -> bool:
    r"""True if some value is empty or starts or ends with whitespace (``^\s|\s$`` in RE2).

    Reads each value's first and last byte from the Arrow buffers: those whitespace
    characters are single bytes in UTF-8, and no byte of a longer character equals one.
    """
    for chunk in _chunks(array):
        if len(chunk) == chunk.null_count:
            continue
        layout = _offsets_and_bytes(chunk)
        if layout is None:
            untidy = pc.or_(pc.match_substring_regex(chunk, r"^\s|\s$"), pc.equal(chunk, ""))
            if pc.any(untidy).as_py():
                return True
            continue
        offsets, data = layout
        starts, ends = offsets[:-1], offsets[1:]
        full = ends > starts
        if chunk.null_count:
            valid = chunk.is_valid().to_numpy(zero_copy_only=False)
            if (valid & ~full).any():
                return True
            full &= valid
        elif not full.all():
            return True
        if full.all():
            if (_SPACE_BYTES[data[starts]] | _SPACE_BYTES[data[ends - 1]]).any():
                return True
        elif (_SPACE_BYTES[data[starts[full]]] | _SPACE_BYTES[data[ends[full] - 1]]).any():
            return True
    return False


def repeated(values: pd.Series) -> np.ndarray:
    """True for every row whose value appears more than once; missing values never count.

    Each value is first reduced to a 64-bit number computed from its bytes, column-wise;
    those numbers are sorted (numpy sorts integers several times faster than Arrow sorts
    text) and only the rows whose number occurs twice, the duplicates and the rare
    unequal values that share a number, are compared as text. On ten million order ids
    this took a third of the time of sorting the text, and hash tables (``duplicated``,
    Arrow's ``dictionary_encode``) took longer still and more memory.

    Examples
    --------
    >>> repeated(pd.Series(["a", "b", "a", None, None])).tolist()
    [True, False, True, False, False]
    """
    n = len(values)
    if n < 2:
        return np.zeros(n, dtype=bool)
    array = pa.array(values.astype("string").array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    ordered = _hash_text(array)
    if ordered is None:  # long text: sort it as it is
        return _repeated_text(array)
    valid = array.is_valid().to_numpy(zero_copy_only=False) if array.null_count else None
    if valid is not None:
        ordered = ordered[valid]
    ordered.sort()
    twice = ordered[1:] == ordered[:-1]
    if not twice.any():
        return np.zeros(n, dtype=bool)
    shared = np.unique(ordered[1:][twice])
    numbers = _hash_text(array)  # again, row by row: they were sorted in place
    if len(shared) <= 16:  # a few repeated numbers: one comparison each beats a search per row
        candidates = numbers == shared[0]
        for number in shared[1:]:
            candidates |= numbers == number
    else:
        candidates = shared[np.minimum(np.searchsorted(shared, numbers), len(shared) - 1)] == numbers
    if valid is not None:
        candidates &= valid
    rows = np.flatnonzero(candidates)
    out = np.zeros(n, dtype=bool)
    out[rows] = _repeated_text(array.take(pa.array(rows)))
    return out


def text_numbers(values: pd.Series) -> np.ndarray:
    """A 64-bit number per value, equal text giving equal numbers in any frame; missing values get one too.

    :func:`_hash_text` for values of at most ``_HASHED_BYTES`` bytes (the usual ids),
    pandas' ``hash_array`` for longer ones: which one a value gets depends on the value
    alone, so numbers computed in different processes or parts compare. Unequal values
    may share a number: a caller compares the text of the rows whose numbers match.

    Examples
    --------
    >>> a = text_numbers(pd.Series(["O1", "O2", "O1" + "x" * 80]))
    >>> b = text_numbers(pd.Series(["O1" + "x" * 80, "O1"]))
    >>> bool(a[0] == b[1]) and bool(a[2] == b[0]) and a.dtype == np.uint64
    True
    """
    array = pa.array(values.astype("string").array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    numbers = _hash_text(array)
    if numbers is not None:
        return numbers
    lengths = pc.binary_length(array).fill_null(0).to_numpy(zero_copy_only=False)
    long = lengths > _HASHED_BYTES
    numbers = np.zeros(len(array), dtype=np.uint64)
    short = np.flatnonzero(~long)
    if len(short):
        numbers[short] = _hash_text(array.take(pa.array(short)))
    numbers[long] = pd.util.hash_array(array.filter(pa.array(long)).to_numpy(zero_copy_only=False).astype(object))
    return numbers


#: Longest text (in bytes) :func:`_hash_text` reduces to a number; longer values are sorted as text.
_HASHED_BYTES = 64
_MIX_1, _MIX_2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
#: ``_LOW_BYTES[k]`` keeps the low ``k`` bytes of a little-endian 64-bit word.
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [2**64 - 1], dtype=np.uint64)


def _mix(h: np.ndarray, spare: np.ndarray) -> None:
    """splitmix64's finaliser on ``h`` in place (every input bit moves every output bit); ``spare`` is scratch."""
    for shift, factor in ((30, _MIX_1), (27, _MIX_2), (31, None)):
        np.right_shift(h, np.uint64(shift), out=spare)
        h ^= spare
        if factor is not None:
            h *= factor


#: Rows hashed at a time: scratch arrays of this length stay in the processor's cache.
_BLOCK = 1 << 16


def _hash_text(array: pa.Array) -> np.ndarray | None:
    """A 64-bit number per value from its length and bytes (equal text, equal number); None when a value is long.

    Eight bytes at a time, read where Arrow holds them: each value's ``j``-th word is put
    together from the two aligned words of the buffer it straddles, the bytes past the
    value's end cleared. Missing values get a number too; callers leave them out.
    """
    layout = _offsets_and_bytes(array)
    if layout is None:
        return None
    offsets, data = layout
    n = len(array)
    out = np.empty(n, dtype=np.uint64)
    # A value of at most _HASHED_BYTES starting in word q reads words q .. q + reach.
    reach = _HASHED_BYTES // 8
    whole = data[: len(data) // 8 * 8].view("<u8") if data.ctypes.data % 8 == 0 else data[:0].view("<u8")
    tail = int(np.searchsorted(offsets[:n], 8 * (len(whole) - reach), side="left")) if len(whole) > reach else 0
    if not _hash_rows(out, offsets, 0, tail, whole, 0):
        return None
    if tail < n:  # the last values, whose words may run past the buffer: from a padded copy of its end
        base = int(offsets[tail]) // 8
        rest = data[8 * base :]
        padded = np.zeros((len(rest) + 8 * (reach + 2)) // 8 * 8, dtype=np.uint8)
        padded[: len(rest)] = rest
        if not _hash_rows(out, offsets, tail, n, padded.view("<u8"), base):
            return None
    return out


def _hash_rows(out: np.ndarray, offsets: np.ndarray, first: int, stop: int, words: np.ndarray, base: int) -> bool:
    """:func:`_hash_text` of rows ``first`` to ``stop`` into ``out``, ``words`` holding word ``base`` onwards; False for a long value."""
    size = min(stop - first, _BLOCK)
    word, second, keep, spare = (np.empty(size, dtype=np.uint64) for _ in range(4))
    for lo in range(first, stop, _BLOCK):
        hi = min(stop, lo + _BLOCK)
        m = hi - lo
        bounds = offsets[lo : hi + 1].astype(np.int64)
        start, length = bounds[:-1], np.diff(bounds)
        longest = int(length.max())
        if longest > _HASHED_BYTES:
            return False
        at = (start >> 3) - base  # the aligned word a value starts in
        right = ((start & 7) << 3).astype(np.uint64)  # its bits before the value
        left = np.uint64(64) - right  # a shift by 64 gives 0: a value that starts on a word boundary
        w, w2, mask, tmp = word[:m], second[:m], keep[:m], spare[:m]
        h = out[lo:hi]
        h[:] = length
        for j in range((longest + 7) // 8):
            np.take(words[j:], at, out=w)
            w >>= right
            np.take(words[j + 1 :], at, out=w2)
            w2 <<= left
            w |= w2
            np.take(_LOW_BYTES, np.clip(length - 8 * j, 0, 8), out=mask)
            w &= mask
            # each word's own number, by its place; a word past a value's end is 0 and adds nothing
            w *= _MIX_1 + np.uint64(2 * j)
            _mix(w, tmp)
            h ^= w
        _mix(h, tmp)
    return True


def _repeated_text(array: pa.Array) -> np.ndarray:
    """:func:`repeated` by sorting the text itself."""
    n = len(array)
    if n < 2:
        return np.zeros(n, dtype=bool)
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
_COMMA_NUMBER = r"^[+-]?(?:[1-9]\d{0,2}(?:\.\d{3})+|[1-9]\d{0,2}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,\d+)?$"
#: 1,234: a thousand and more with its thousands grouped, or one and a bit with a decimal comma.
_AMBIGUOUS_COMMA = r"^[+-]?[1-9]\d{0,2},\d{3}$"


def decimal_comma(text: pd.Series, decimal: str) -> pd.Series:
    """Numeric text with ``decimal`` (``","``, or ``"auto"``: if the column holds a comma) as ``.``.

    Other text is left as it is (``12.5`` stays ``12.5``), so that only numbers written the
    European way change; with ``"auto"``, so is ``1,234`` (a thousand and more, or one and
    a bit: only ``decimal=","`` says).

    Examples
    --------
    >>> decimal_comma(pd.Series(["1.234,56", "12,5", "7", "1 234,5"], dtype="string"), "auto").tolist()
    ['1234.56', '12.5', '7', '1234.5']
    """
    if decimal == "." or not text.str.contains(",", regex=False).fillna(False).any():
        return text
    european = text.str.match(_COMMA_NUMBER).fillna(False)
    if decimal == "auto":  # only a decimal comma the user named makes 1,234 one and a bit
        european &= ~text.str.match(_AMBIGUOUS_COMMA).fillna(False)
    fixed = text.str.replace(r"[.\s\u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
    return text.where(~european, fixed)


#: A US dollar amount as shops and exports write it: "US $12.50", "$1,234.50", "12.50 USD".
_USD_MARKED = r"^\s*(?:US\s?\$|USD\s?\$?|\$)?\s*(?P<number>[+-]?\d[\d.,\s\u00a0\u202f]*?)\s*(?:USD|US\s?\$)?\s*$"
#: Thousands grouped with commas before a decimal point: 1,234.50 (never 1,234 alone: it may be 1.234).
_POINT_GROUPED = r"^[+-]?\d{1,3}(?:,\d{3})+\.\d+$"


def us_dollars(text: pd.Series, grouping: bool = True) -> pd.Series:
    """Amount text with its US dollar marks taken off and (``grouping``) commas grouping thousands before a point removed.

    Other currencies keep their marks (and so stay unreadable as US dollars); a lone
    ``1,234`` is left as it is, since it may be a decimal comma.

    Examples
    --------
    >>> us_dollars(pd.Series(["US $12.50", "$1,234.50", "12.50 USD", "1,234", "12,50 €"], dtype="string")).tolist()
    ['12.50', '1234.50', '12.50', '1,234', '12,50 €']
    """
    marked = text.str.extract(_USD_MARKED, expand=False)
    text = text.where(marked.isna(), marked)
    if not grouping:
        return text
    grouped = text.str.match(_POINT_GROUPED).fillna(False)
    return text.where(~grouped, text.str.replace(",", "", regex=False))


def number_column(frame: pd.DataFrame, name: str, decimal: str = ".") -> tuple[pd.Series, np.ndarray]:
    """A numeric column (float64, NaN if absent) and a mask of values given but not numbers.

    ``decimal`` is ``"."``, ``","`` or ``"auto"`` (see :func:`decimal_comma`). A column of
    US dollars (its name ends in ``_usd``) may carry their marks (:func:`us_dollars`).
    """
    if name not in frame.columns:
        return pd.Series(np.nan, index=frame.index), np.zeros(len(frame), bool)
    col = frame[name]
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("float64"), np.zeros(len(frame), bool)
    text = text_column(frame, name)
    if name.endswith("_usd") and text.str.contains(r"[$A-Za-z]|,\d{3}\.", regex=True).fillna(False).any():
        text = us_dollars(text, grouping=decimal != ",")
    text = decimal_comma(text, decimal)
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    return values, (text.notna() & values.isna()).to_numpy(bool)


#: Dates written otherwise than ISO 8601 that name one day whatever the reader's country,
#: rewritten as ISO before parsing (what follows the date, a time or an offset, is kept):
#: year first with "/" or "." (2026/11/02 or 2026. 11. 2., as Japanese, Chinese and Korean
#: tools write),
#: day first with "." (02.11.2026, as German, Russian and Polish ones do), Korean or
#: Japanese year-month-day (2026년 11월 2일, 2026年11月2日) and English month names
#: (Nov 2, 2026; 2 November 2026). 03/11/2026 stays unreadable: its day may come first or
#: its month.
_OTHER_DATES = re.compile(
    r"^(?:(?P<y1>\d{4})\s*[/.]\s*(?P<m1>\d{1,2})\s*[/.]\s*(?P<d1>\d{1,2})\.?"
    r"|(?P<d2>\d{1,2})\.(?P<m2>\d{1,2})\.(?P<y2>\d{4})"
    r"|(?P<y3>\d{4})\s*[년年]\s*(?P<m3>\d{1,2})\s*[월月]\s*(?P<d3>\d{1,2})\s*[일日]"
    r"|(?P<mon4>[A-Za-z]{3,9})\.?\s+(?P<d4>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y4>\d{4})"
    r"|(?P<d5>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon5>[A-Za-z]{3,9})\.?,?\s+(?P<y5>\d{4}))"
    r"(?=$|[T ,]\s*\d)"
)
_MONTHS = {name: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}  # fmt: skip


def _iso_date(match: re.Match) -> str:
    """The ISO text of one :data:`_OTHER_DATES` match (an unknown month name: left as written)."""
    parts = match.groupdict()
    for k in "12345":
        if parts.get(f"y{k}"):
            year, day = parts[f"y{k}"], parts[f"d{k}"]
            month = parts.get(f"m{k}") or _MONTHS.get(parts[f"mon{k}"].lower())
            if month is None:
                return match.group(0)
            return f"{year}-{int(month):02d}-{int(day):02d}"
    return match.group(0)  # pragma: no cover - one branch always matches


def iso_dates(text: pd.Series) -> pd.Series:
    """Text dates in the forms of :data:`_OTHER_DATES` rewritten as ISO 8601; others as they are.

    Examples
    --------
    >>> iso_dates(pd.Series(["2026/11/02", "02.11.2026 14:30", "2026년 11월 2일 오후 3:15", "Nov 2, 2026", "03/11/2026"])).tolist()
    ['2026-11-02', '2026-11-02 14:30', '2026-11-02 3:15 PM', '2026-11-02', '03/11/2026']
    """
    other = ~text.str.match(r"\d{4}-").fillna(True).to_numpy(bool)
    if not other.any():
        return text
    return text.mask(other, text[other].map(iso_date, na_action="ignore").astype(text.dtype))


_MORNING = re.compile(r"\s*(?:오전|午前)\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*$")
_AFTERNOON = re.compile(r"\s*(?:오후|午後)\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*$")
_DATE_COMMA = re.compile(r"^(\d{4}-\d{2}-\d{2}),\s*")


def iso_date(value: str) -> str:
    """One text date of :data:`_OTHER_DATES` rewritten as ISO 8601 (a Korean or Japanese AM/PM as such); others as they are.

    >>> iso_date("2026年11月2日 午後 3:15"), iso_date("03/11/2026")
    ('2026-11-02 3:15 PM', '03/11/2026')
    """
    value = _AFTERNOON.sub(r" \1 PM", _MORNING.sub(r" \1 AM", value))
    return _DATE_COMMA.sub(r"\1 ", _OTHER_DATES.sub(_iso_date, value, count=1))


#: Words some date parsers read relative to the clock; a result must never depend on it.
RELATIVE_WORDS = frozenset({"now", "today", "yesterday", "tomorrow"})
#: Instants outside this span (with a day's margin for time zones) are never read: outside
#: 1970-01-01..2199-12-31 anyway, and some would not fit in nanoseconds (1677, 2263).
_EARLIEST, _LATEST = np.datetime64("1969-12-30", "D"), np.datetime64("2200-01-02", "D")
#: The years a text or object date may lead with before it is read (else it is outside).
READ_YEARS = (1969, 2200)
_YEAR = r"^\s*([+-]?\d{4})(?:[-/.T ]|\d{4}|$)"
_YEAR_AT = re.compile(_YEAR).match


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
        return missing_text(frame.index), none, none
    col = frame[name]
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        wall = col.dt.tz_localize(None).to_numpy()
        outside = (wall < _EARLIEST) | (wall >= _LATEST)  # NaT compares False
        return (col.mask(outside) if outside.any() else col), outside, none
    if pd.api.types.is_datetime64_dtype(col.dtype):
        values = col.to_numpy()
        outside = (values < _EARLIEST) | (values >= _LATEST)  # NaT compares False
        return (col.mask(outside) if outside.any() else col), outside, none
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    kinds = np.fromiter(map(_kind, uniques), np.int8, len(uniques))
    kinds = np.append(kinds, np.int8(0))[codes]
    outside, relative = kinds == 1, kinds == 2
    if not (outside.any() or relative.any()):
        return col, none, none
    return col.mask(outside | relative), outside, relative


def _kind(value: object) -> int:
    """0: fine to read; 1: far outside the years we read; 2: a word relative to today."""
    if isinstance(value, str):
        match = _YEAR_AT(value) or _YEAR_AT(iso_date(value.strip()))
        if match is not None:  # a leading year: no relative word starts with one
            return int(not READ_YEARS[0] <= int(match.group(1)) <= READ_YEARS[1])
        return 2 if value.strip().casefold() in RELATIVE_WORDS else 0
    if isinstance(value, dt.date):  # datetime too
        return int(not READ_YEARS[0] <= value.year <= READ_YEARS[1])
    if isinstance(value, np.datetime64) and not np.isnat(value):
        day = value.astype("datetime64[D]")
        return int(day < _EARLIEST or day >= _LATEST)
    return 0

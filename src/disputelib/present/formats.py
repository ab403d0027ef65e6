"""Numbers, money, days, p-values, dates and deadlines as a reader writes them.

Every function takes a Series (or one value through :func:`one`) and returns a new Series
of text, with an empty string wherever the value is missing: a table never shows
``NaN``, ``None`` or ``NaT``. Shares are fractions (0.646 -> ``64.6 %``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

#: Below this a p-value is written ``< 0.001``.
P_FLOOR = 0.001

Formatter = Callable[[pd.Series], pd.Series]


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _text(values: pd.Series, spec: str, suffix: str = "", prefix: str = "") -> pd.Series:
    """``format(x, spec)`` per finite value, with a prefix (after any minus) and a suffix."""
    numbers = _numbers(values)
    ok = np.isfinite(numbers.to_numpy())
    out = pd.Series("", index=values.index, dtype=object)
    if ok.any():
        picked = numbers[ok]
        sign = np.where(picked.to_numpy() < 0, "-", "")
        body = [format(abs(x), spec) for x in picked.to_numpy()]
        out[ok] = [f"{s}{prefix}{b}{suffix}" for s, b in zip(sign, body, strict=True)]
    return out


def count(values: pd.Series) -> pd.Series:
    """Whole numbers with thousands separators: ``20,000``."""
    return _text(_numbers(values).round(0), ",.0f")


def number(values: pd.Series, decimals: int = 3) -> pd.Series:
    """Plain numbers with ``decimals`` decimals and thousands separators."""
    return _text(values, f",.{decimals}f")


def percent(shares: pd.Series, decimals: int = 1) -> pd.Series:
    """Fractions as percentages: ``0.646`` -> ``64.6 %``."""
    return _text(_numbers(shares) * 100, f",.{decimals}f", suffix=" %")


def money(amounts: pd.Series) -> pd.Series:
    """US dollars with cents: ``1234.5`` -> ``$1,234.50``; ``-3`` -> ``-$3.00``."""
    return _text(amounts, ",.2f", prefix="$")


def days(values: pd.Series) -> pd.Series:
    """Durations in days with one decimal: ``11`` -> ``11.0``."""
    return _text(values, ",.1f")


def p_value(values: pd.Series) -> pd.Series:
    """p-values with three decimals, and ``< 0.001`` below that."""
    numbers = _numbers(values)
    out = _text(numbers, ".3f")
    return out.mask(numbers < P_FLOOR, f"< {P_FLOOR:g}")


def _strftime(stamps: pd.Series, pattern: str) -> pd.Series:
    text = stamps.dt.strftime(pattern).str.replace(r"^(\w{3} )?0(\d )", r"\1\2", regex=True)
    return text.astype(object).where(stamps.notna(), "")


def _stamps(values: pd.Series, utc: bool = False) -> pd.Series:
    """Instants from timestamps or ISO text; text that only parses to an impossible year (``/1``) is missing."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values.dtype):
        return values
    stamps = pd.to_datetime(values.astype("string"), errors="coerce", utc=utc, format="ISO8601")
    return stamps.where(stamps.isna() | stamps.dt.year.between(1000, 9999))


def date(values: pd.Series) -> pd.Series:
    """Days as ``28 Nov 2026`` (dates, timestamps or ISO text; the date as written)."""
    stamps = values
    if not (isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values.dtype)):
        text = values.astype("string").str.slice(0, 10)
        stamps = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
    return _strftime(stamps, "%d %b %Y")


def deadline(instants: pd.Series, zones: pd.Series | str | None = None) -> pd.Series:
    """Instants as ``Sat 28 Nov 2026, 00:00 PST``, in their own zone or in ``zones``.

    Parameters
    ----------
    instants
        Time-zone-aware timestamps, or ISO 8601 text with an offset.
    zones
        One IANA zone for all rows, a Series of zones (one per row: the buyer's), or None
        to keep each instant's own zone (text is read as UTC then, so pass a zone).

    Returns
    -------
    pandas.Series
        Text; empty where the instant or the row's zone is missing or unknown.
    """
    stamps = _stamps(instants, utc=not isinstance(getattr(instants, "dtype", None), pd.DatetimeTZDtype))
    pattern = "%a %d %b %Y, %H:%M %Z"
    if zones is None:
        return _strftime(stamps, pattern)
    if isinstance(zones, str):
        return _strftime(stamps.dt.tz_convert(zones), pattern)
    out = pd.Series("", index=instants.index, dtype=object)
    zone_text = zones.astype("string")
    for zone in pd.unique(zone_text.dropna()):
        rows = (zone_text == zone).fillna(False).to_numpy(bool)
        try:
            out[rows] = _strftime(stamps[rows].dt.tz_convert(str(zone)), pattern).to_numpy()
        except (KeyError, ValueError):  # a zone name the time-zone database does not know
            continue
    return out


def one(formatter: Formatter, value: object, **kwargs: object) -> str:
    """One value through a Series formatter: ``one(money, 1234.5)`` -> ``'$1,234.50'``."""
    return str(formatter(pd.Series([value]), **kwargs).iloc[0])

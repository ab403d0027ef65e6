"""Placing dates and instants in a rule pack's timer zone, and writing them back out.

Conventions, the same for every pack:

- a date-only value (``2026-03-12``) is that calendar date in the timer zone;
- a timestamp with an offset or ``Z`` is an instant, converted to the timer zone;
- a naive timestamp is read as wall-clock time in the timer zone.

A receipt confirmed at 21:30 in California on the 12th (``2026-03-12T21:30-07:00``) is the
12th, although it is already the 13th in UTC.

Columns are handled as columns: values are factorised first, so a column of a few hundred
distinct dates costs a few hundred parses whatever its length.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pandas as pd

_DATE_ONLY = r"^\d{4}-\d{2}-\d{2}$"
_WITH_OFFSET = r"(?:Z|z|[+-]\d{2}(?::?\d{2})?)$"

NAT_DAY = np.datetime64("NaT", "D")


def is_valid_zone(name: str) -> bool:
    """True for an IANA time zone name such as ``Europe/Moscow``."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


def _parse_text(values: pd.Series, zone: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse distinct strings into dates in ``zone``; returns (dates, unparseable)."""
    text = values.astype("string").str.strip()
    out = np.full(len(text), NAT_DAY)
    bad = np.zeros(len(text), dtype=bool)
    date_only = text.str.match(_DATE_ONLY).fillna(False).to_numpy(bool)
    aware = (~date_only) & text.str.contains(_WITH_OFFSET, regex=True).fillna(False).to_numpy(bool)
    naive = ~(date_only | aware)
    if date_only.any():
        parsed = pd.to_datetime(text[date_only], format="%Y-%m-%d", errors="coerce")
        out[date_only] = parsed.to_numpy("datetime64[D]")
    if aware.any():
        parsed = pd.to_datetime(text[aware], utc=True, format="ISO8601", errors="coerce")
        local = parsed.dt.tz_convert(zone).dt.tz_localize(None)
        out[aware] = local.to_numpy().astype("datetime64[D]")
    if naive.any():
        parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        out[naive] = parsed.to_numpy().astype("datetime64[D]")
    bad = np.isnat(out)
    return out, bad


def to_timer_dates(values: pd.Series, zone: str) -> tuple[np.ndarray, np.ndarray]:
    """Calendar dates in ``zone`` for a column of dates, timestamps or ISO strings.

    Parameters
    ----------
    values
        Strings (ISO 8601 dates or timestamps, with or without offset), ``datetime64``
        values (naive: wall time in ``zone``; tz-aware: converted), or ``datetime.date``
        objects. Empty strings and missing values are missing, not errors.
    zone
        IANA time zone the rules count days in.

    Returns
    -------
    dates : numpy.ndarray
        ``datetime64[D]``; ``NaT`` where the value is missing or unreadable.
    unreadable : numpy.ndarray
        ``bool``; True where a value was given but could not be read as a date.

    Examples
    --------
    >>> d, bad = to_timer_dates(pd.Series(["2026-03-12T21:30:00-07:00", "2026-03-13T04:30Z"]),
    ...                         "America/Los_Angeles")
    >>> d.tolist()
    [datetime.date(2026, 3, 12), datetime.date(2026, 3, 12)]
    """
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        local = values.dt.tz_convert(zone).dt.tz_localize(None)
        return local.to_numpy().astype("datetime64[D]"), np.zeros(len(values), dtype=bool)
    if pd.api.types.is_datetime64_dtype(dtype):
        return values.to_numpy().astype("datetime64[D]"), np.zeros(len(values), dtype=bool)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniq = pd.Series(uniques, dtype=object)
    present = uniq.map(lambda v: not (isinstance(v, str) and not v.strip())).to_numpy(bool)
    dates = np.full(len(uniq), NAT_DAY)
    bad = np.zeros(len(uniq), dtype=bool)
    is_text = uniq.map(lambda v: isinstance(v, str)).to_numpy(bool)
    text_rows = is_text & present
    if text_rows.any():
        d, b = _parse_text(uniq[text_rows], zone)
        dates[text_rows], bad[text_rows] = d, b
    other = present & ~is_text
    for i in np.flatnonzero(other):  # distinct non-text values only: dates, datetimes
        dates[i], bad[i] = _scalar_date(uniq.iloc[i], zone)
    found = codes >= 0
    out = np.full(len(values), NAT_DAY)
    unreadable = np.zeros(len(values), dtype=bool)
    out[found] = dates[codes[found]]
    unreadable[found] = bad[codes[found]]
    return out, unreadable


def _scalar_date(value: object, zone: str) -> tuple[np.datetime64, bool]:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zoneinfo.ZoneInfo(zone))
        return np.datetime64(value.date(), "D"), False
    if isinstance(value, dt.date):
        return np.datetime64(value, "D"), False
    return NAT_DAY, True


def midnight_after(dates: np.ndarray, zone: str) -> pd.DatetimeIndex:
    """The instant a day ends: 00:00 of the next calendar day in ``zone``, tz-aware.

    Correct across daylight-saving changes (the UTC offset is the one in force at that
    midnight); a midnight that does not exist in ``zone`` moves forward to the first
    instant that does.
    """
    naive = pd.DatetimeIndex((dates + np.timedelta64(1, "D")).astype("datetime64[s]"))
    return naive.tz_localize(zone, ambiguous=True, nonexistent="shift_forward")


def _offset_text(seconds: np.ndarray) -> np.ndarray:
    """``+HH:MM`` strings for UTC offsets in seconds."""
    uniq, inverse = np.unique(seconds, return_inverse=True)
    labels = []
    for s in uniq.tolist():
        sign = "-" if s < 0 else "+"
        h, m = divmod(abs(int(s)) // 60, 60)
        labels.append(f"{sign}{h:02d}:{m:02d}")
    return np.asarray(labels, dtype=object)[inverse]


def iso_in_zone(instants: pd.Series | pd.DatetimeIndex, zones: pd.Series | str) -> pd.Series:
    """ISO 8601 text with the UTC offset, each instant in its own row's time zone.

    Parameters
    ----------
    instants
        tz-aware instants.
    zones
        One IANA zone for all rows, or a column of them (missing gives missing text).

    Returns
    -------
    pandas.Series
        Categorical text, e.g. ``2026-03-29T15:00:00+08:00``; missing without a zone.
    """
    instants = pd.Series(instants).reset_index(drop=True)
    utc = instants.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[s]")
    if isinstance(zones, str):
        zones = pd.Series([zones] * len(instants))
    zone_codes, zone_names = pd.factorize(pd.Series(zones).reset_index(drop=True), use_na_sentinel=True)
    has = (zone_codes >= 0) & ~np.isnat(utc)
    # Deadlines repeat: format each distinct (instant, zone) pair once.
    key = np.where(has, utc.astype("int64") * (len(zone_names) + 1) + zone_codes, -1)
    codes, distinct = pd.factorize(key)
    pairs = distinct >= 0
    seconds = np.where(pairs, distinct // (len(zone_names) + 1), 0).astype("datetime64[s]")
    zone_of = np.where(pairs, distinct % (len(zone_names) + 1), -1)
    text = np.full(len(distinct), None, dtype=object)
    for code, name in enumerate(zone_names):
        rows = zone_of == code
        if rows.any():
            moment = pd.DatetimeIndex(seconds[rows]).tz_localize("UTC")
            wall = moment.tz_convert(name).tz_localize(None).to_numpy("datetime64[s]")
            offset = (wall - seconds[rows]).astype("int64")
            text[rows] = np.datetime_as_string(wall, unit="s").astype(object) + _offset_text(offset)
    # Few distinct texts in many rows: a categorical holds them once.
    inner, categories = pd.factorize(pd.Series(text, dtype=object), use_na_sentinel=True)
    return pd.Series(pd.Categorical.from_codes(np.append(inner, -1)[codes], categories=categories))

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
import re
import zoneinfo
from typing import TypeAlias

import numpy as np
import pandas as pd

from disputelib.columns import READ_YEARS, factorize, iso_dates
from disputelib.errors import DisputelibError

#: What an ``as_of`` may be given as: ``YYYY-MM-DD`` text, a ``datetime.date`` or a
#: ``numpy.datetime64`` day. It always means a calendar day.
AsOf: TypeAlias = "str | dt.date | np.datetime64"

_DATE_ONLY = r"^\d{4}-\d{1,2}-\d{1,2}$"
#: A whole date and a time of day that pandas' ISO parser does not take but only one reading
#: fits: a 12-hour time, or an offset of one-digit hours (2026-11-02 2:30 PM, ... 10:00 +9:00).
_CLOCK_TIME = (
    r"^\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?"
    r"\s*(?:Z|[+-]\d{1,2}(?::?\d{2})?)?$"
)
#: The year of a value that starts with a whole date (ISO, or ISO's compact 20260312 form).
_FULL_DATE = r"^(\d{4})(?:-\d{1,2}-\d{1,2}(?=$|[T ])|\d{4}(?=$|T))"
# An offset only counts after a time of day: "2026-3-12" is a date, not 2026-3 at -12:00.
# Hours alone ("T12Z") and the compact form ("20261017T120000Z") count too.
_WITH_OFFSET = r"[T ]\d{1,2}(?::?\d{2}){0,2}(?:[.,]\d+)?\s*(?:Z|z|[+-]\d{2}(?::?\d{2})?)$"

NAT_DAY = np.datetime64("NaT", "D")
NAT_NS = np.datetime64("NaT", "ns")


class AsOfError(DisputelibError, ValueError):
    """An ``as_of`` (or another day argument) that is not a calendar date, or is out of place."""


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_as_of(value: AsOf, name: str = "as_of") -> dt.date:
    """The calendar day an ``as_of`` names; the one parser of day arguments, library and CLI.

    Parameters
    ----------
    value
        ``YYYY-MM-DD`` text, a ``datetime.date`` (a ``datetime`` or ``Timestamp`` only at
        00:00 with no time zone), or a ``numpy.datetime64`` day.
    name
        The argument's name, for the message.

    Returns
    -------
    datetime.date

    Raises
    ------
    AsOfError
        For anything else: ``03/04/2026`` (which day?), ``2026-3-4``, an instant, a time of day.

    Examples
    --------
    >>> parse_as_of("2026-11-27")
    datetime.date(2026, 11, 27)
    >>> parse_as_of("03/04/2026")
    Traceback (most recent call last):
    ...
    disputelib.clock.AsOfError: as_of '03/04/2026' is not a date: use YYYY-MM-DD, e.g. 2026-11-27
    """
    if isinstance(value, np.datetime64) and np.datetime_data(value.dtype)[0] == "D" and not np.isnat(value):
        return value.astype(dt.date)
    if isinstance(value, dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is None and stamp == stamp.normalize():
            return stamp.date()
    elif isinstance(value, dt.date):
        return value
    elif isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    named = f"{name} " if name else ""  # no name: the caller's sentence already says which argument
    raise AsOfError(f"{named}{str(value)!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-27")


def end_of_day(day: AsOf, zone: str) -> pd.Timestamp:
    """The instant a calendar day ends in ``zone``: 00:00 of the next day (tz-aware).

    This is how a log is judged ``as_of`` a day.

    Examples
    --------
    >>> end_of_day("2026-03-07", "America/Los_Angeles").isoformat()
    '2026-03-08T00:00:00-08:00'
    """
    return midnight_after(np.array([parse_as_of(day)], dtype="datetime64[D]"), zone)[0]


def is_valid_zone(name: str) -> bool:
    """True for an IANA time zone name such as ``Europe/Moscow``."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


def localize(wall: np.ndarray, zone: str) -> np.ndarray:
    """UTC instants (``datetime64[ns]``) of wall-clock times in ``zone``.

    A wall time that occurs twice (the autumn change) is read as the first one; one that
    does not exist (the spring change) moves forward to the first instant that does.
    """
    index = pd.DatetimeIndex(np.asarray(wall, dtype="datetime64[ns]"))
    local = index.tz_localize(zone, ambiguous=np.ones(len(index), bool), nonexistent="shift_forward")
    return local.tz_convert("UTC").tz_localize(None).to_numpy("datetime64[ns]")


def local_dates(instants: np.ndarray, zone: str) -> np.ndarray:
    """Calendar dates (``datetime64[D]``) in ``zone`` of UTC instants (``NaT`` stays ``NaT``)."""
    index = pd.DatetimeIndex(np.asarray(instants, dtype="datetime64[ns]")).tz_localize("UTC")
    return index.tz_convert(zone).tz_localize(None).to_numpy("datetime64[ns]").astype("datetime64[D]")


def _parse_text(text: pd.Series, zone: str) -> np.ndarray:
    """UTC instants of distinct, stripped, non-empty strings (``NaT`` where unreadable)."""
    out = np.full(len(text), NAT_NS)
    text = iso_dates(text)
    # a whole date first, in a year we read: "2026", "2026-11" or "10:00" name no day, and
    # year 2602 would wrap around in nanoseconds
    year = pd.to_numeric(text.str.extract(_FULL_DATE, expand=False), errors="coerce").to_numpy("float64")
    readable = (year >= READ_YEARS[0]) & (year <= READ_YEARS[1])
    date_only = readable & text.str.match(_DATE_ONLY).fillna(False).to_numpy(bool)
    aware = readable & ~date_only & text.str.contains(_WITH_OFFSET, regex=True).fillna(False).to_numpy(bool)
    naive = readable & ~(date_only | aware)
    if date_only.any():
        parsed = pd.to_datetime(text[date_only], format="%Y-%m-%d", errors="coerce")
        out[date_only] = localize(parsed.to_numpy("datetime64[ns]"), zone)
    if aware.any():
        parsed = pd.to_datetime(text[aware], utc=True, format="ISO8601", errors="coerce")
        out[aware] = parsed.dt.tz_localize(None).to_numpy("datetime64[ns]")
    if naive.any():
        out[naive] = _parse_naive(text[naive], zone)
    return out


def _parse_naive(text: pd.Series, zone: str) -> np.ndarray:
    """UTC instants of timestamps without a recognised offset (wall time in ``zone``).

    Should pandas still find an offset in some of them (a form the pattern above does not
    know, such as ``+9:00``), those are read one by one as the instants they name, never as
    wall time. Every value starts with a whole ISO date (:func:`_parse_text`), so reading
    one by one never guesses which of day and month comes first.
    """
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        if not isinstance(parsed.dtype, pd.DatetimeTZDtype):
            out = localize(parsed.to_numpy("datetime64[ns]"), zone)
            # a 12-hour time or a short offset (2026-11-02 2:30 PM, +9:00): read one by one, whatever the other rows
            again = np.isnat(out) & text.str.match(_CLOCK_TIME).fillna(False).to_numpy(bool)
            if again.any():
                out[again] = [_parse_one(value, zone) for value in text[again]]
            return out
    except (ValueError, TypeError):
        pass
    return np.array([_parse_one(value, zone) for value in text], dtype="datetime64[ns]")


def _parse_one(value: str, zone: str) -> np.datetime64:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return NAT_NS
    if stamp is pd.NaT:
        return NAT_NS
    return _scalar_instant(stamp.to_pydatetime(), zone)


def _scalar_instant(value: object, zone: str) -> np.datetime64:
    """The UTC instant of a ``datetime`` (naive: wall time in ``zone``) or ``date`` (its 00:00)."""
    if isinstance(value, dt.datetime):
        ts = pd.Timestamp(value)
        if ts.tzinfo is None:
            return localize(np.array([ts.to_datetime64()]), zone)[0]
        return ts.tz_convert("UTC").tz_localize(None).to_datetime64().astype("datetime64[ns]")
    if isinstance(value, dt.date):
        return localize(np.array([np.datetime64(value, "D")]), zone)[0]
    return NAT_NS


def to_instants(values: pd.Series, zone: str) -> tuple[np.ndarray, np.ndarray]:
    """Instants (UTC ``datetime64[ns]``) of a column of timestamps, dates or ISO strings.

    Parameters
    ----------
    values
        ISO 8601 text (with an offset or ``Z``: that instant; naive: wall time in
        ``zone``; a bare date: 00:00 in ``zone``), tz-aware or naive ``datetime64``, or
        ``datetime`` / ``date`` objects. Empty text and missing values are missing, not
        errors.
    zone
        IANA zone that naive values are wall-clock times in.

    Returns
    -------
    instants : numpy.ndarray
        ``datetime64[ns]`` in UTC, ``NaT`` where missing or unreadable.
    unreadable : numpy.ndarray
        ``bool``: True where a value was given but could not be read.

    Notes
    -----
    Text is factorised first, so a column of a few hundred distinct values costs a few
    hundred parses whatever its length.
    """
    values = pd.Series(values).reset_index(drop=True)
    n = len(values)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]"), np.zeros(n, bool)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return localize(values.to_numpy("datetime64[ns]"), zone), np.zeros(n, bool)
    codes, instants, bad = _distinct_instants(values, zone)
    return _per_row(codes, instants, NAT_NS), _per_row(codes, bad, False)


def _per_row(codes: np.ndarray, distinct: np.ndarray, missing: object) -> np.ndarray:
    """``distinct[codes]``, and ``missing`` where the code is -1."""
    return np.append(distinct, np.array([missing], dtype=distinct.dtype))[codes]


def _distinct_instants(values: pd.Series, zone: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`to_instants` of text or objects, once per distinct value: codes per row, instants and unreadable per distinct value."""
    codes, uniques = factorize(values)
    distinct = pd.Series(uniques, dtype=object)
    if pd.api.types.infer_dtype(distinct, skipna=True) in ("string", "empty"):  # the usual case, checked in C
        is_text = np.ones(len(distinct), dtype=bool)
    else:
        is_text = distinct.map(lambda v: isinstance(v, str)).to_numpy(bool)
    text = pd.Series(np.where(is_text, distinct, None), dtype="string").str.strip()
    given = ~is_text | (text.fillna("") != "").to_numpy(bool)
    instants = np.full(len(distinct), NAT_NS)
    parse = is_text & given
    if parse.any():
        instants[parse] = _parse_text(text[parse], zone)
    for i in np.flatnonzero(~is_text):  # distinct non-text values only: dates, datetimes
        instants[i] = _scalar_instant(distinct.iloc[i], zone)
    return codes, instants, given & np.isnat(instants)


def to_timer_dates(values: pd.Series, zone: str) -> tuple[np.ndarray, np.ndarray]:
    """Calendar dates in ``zone`` for a column of dates, timestamps or ISO strings.

    Parameters
    ----------
    values
        As for :func:`to_instants`; a date is that calendar date in ``zone``, an instant
        is converted to ``zone``, a naive timestamp is wall time there.
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
    if pd.api.types.is_datetime64_dtype(values.dtype):  # naive: the wall date is the date
        return values.to_numpy().astype("datetime64[D]"), np.zeros(len(values), dtype=bool)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        instants, unreadable = to_instants(values, zone)
        return local_dates(instants, zone), unreadable
    if values.isna().all():  # an absent column: nothing to read
        return np.full(len(values), NAT_DAY), np.zeros(len(values), dtype=bool)
    # text and objects: each distinct value placed once, then spread by code
    codes, instants, bad = _distinct_instants(pd.Series(values).reset_index(drop=True), zone)
    return _per_row(codes, local_dates(instants, zone), NAT_DAY), _per_row(codes, bad, False)


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

"""Refund routing and timing: where the money goes, and when it should arrive.

Timing convention (every pack; the pack gives the numbers):

- A decision's date is its calendar date in the pack's timer zone (a decision at 21:30 in
  California on the 12th is the 12th), placed there by :func:`disputelib.clock.to_timer_dates`.
- That date is day 0. A decision on a non-business day rolls forward to the next business
  day, which is then day 0. The refund arrives between business day ``refund_earliest``
  and business day ``refund_latest`` after day 0 (7 and 10 in ``aliexpress-2022``; 3 and
  20 in ``aliexpress-legacy``), both inclusive.
- Business days are the buyer country's: its weekend (from the ``holidays`` package,
  e.g. Friday and Saturday in Israel) and its public holidays (observed days included).
  An unknown or missing country counts Saturdays and Sundays only.
"""

from __future__ import annotations

import functools

import holidays
import numpy as np
import pandas as pd

from disputelib.clock import to_timer_dates
from disputelib.payments import normalize_payment_method
from disputelib.policy import Pack, load_dispute_pack

CHANNELS: tuple[str, ...] = ("original", "alipay", "unknown")
_WEEKEND_ONLY = "1111100"


def refund_channel(payment_methods: pd.Series, pack: Pack | str | None = None) -> pd.Series:
    """Where each refund goes: ``"original"`` (the payment method), ``"alipay"`` (the buyer's Alipay account) or ``"unknown"``.

    Parameters
    ----------
    payment_methods
        Payment methods in any spelling :func:`disputelib.normalize_payment_method` knows;
        any other method gives ``"unknown"``.
    pack
        Rule pack name, path or object; the default pack when None. Its
        ``refunds.alipay_methods`` go to Alipay; an Alipay-wallet payment goes back to the
        wallet, its original method.

    Returns
    -------
    pandas.Series
        ``string`` dtype, same index; ``"unknown"`` where the payment method is not in
        the vocabulary, missing where it is missing.

    Examples
    --------
    >>> refund_channel(pd.Series(["Visa", "Western Union", "alipay", "Boleto", "Bitcoin"])).tolist()
    ['original', 'alipay', 'original', 'alipay', 'unknown']
    """
    pack = load_dispute_pack(pack)
    given = pd.Series(payment_methods)
    method = normalize_payment_method(given)
    to_alipay = method.isin(sorted(pack.refunds.alipay_methods))
    out = pd.Series(np.where(to_alipay.fillna(False), "alipay", "original"), index=method.index, dtype="string")
    out = out.mask(method.isna(), "unknown")
    return out.mask(given.isna() | (given.astype("string").str.strip() == "").fillna(True))


@functools.lru_cache(maxsize=512)
def _calendar(country: str, first_year: int, last_year: int) -> np.busdaycalendar:
    try:
        days = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    except NotImplementedError:  # a country the holidays package does not know
        return np.busdaycalendar(weekmask=_WEEKEND_ONLY)
    mask = "".join("0" if day in days.weekend else "1" for day in range(7))
    return np.busdaycalendar(weekmask=mask, holidays=np.array(sorted(days), dtype="datetime64[D]"))


def business_calendar(country: str | None, first_year: int, last_year: int) -> np.busdaycalendar:
    """A country's business days over whole years: weekend and public holidays.

    Parameters
    ----------
    country
        ISO 3166 alpha-2 code, any case; missing or unknown gives Saturday and Sunday off
        and no holidays.
    first_year, last_year
        Years the holidays cover (inclusive).
    """
    if not isinstance(country, str) or not country.strip():
        return np.busdaycalendar(weekmask=_WEEKEND_ONLY)
    return _calendar(country.strip().upper(), int(first_year), int(last_year))


def _groups(countries, n: int) -> tuple[np.ndarray, list]:
    if isinstance(countries, str) or countries is None:
        return np.zeros(n, dtype=np.intp), [countries]
    text = pd.Series(countries).reset_index(drop=True).astype("string").str.strip().str.upper()
    if len(text) != n:
        raise ValueError(f"countries has {len(text)} values for {n} dates")
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes)
    return codes, [*uniques, None]


def _years(dates: np.ndarray, extra_days: int) -> tuple[int, int]:
    valid = dates[~np.isnat(dates)]
    first = valid.min().astype("datetime64[Y]").astype(int) + 1970
    last = (valid.max() + np.timedelta64(extra_days, "D")).astype("datetime64[Y]").astype(int) + 1970
    return int(first), int(last)


def add_business_days(dates, n, countries) -> np.ndarray:
    """Dates ``n`` business days after ``dates`` on each row's country calendar.

    Parameters
    ----------
    dates
        Array-like of ``datetime64[D]`` (or anything numpy reads as dates); NaT stays NaT.
    n
        Business days to add: one number or one per row (not negative).
    countries
        One ISO alpha-2 code for all rows, or one per row.

    Returns
    -------
    numpy.ndarray
        ``datetime64[D]``. The start date is day 0, rolled forward to a business day first.

    Examples
    --------
    >>> add_business_days(np.array(["2026-09-23"], "datetime64[D]"), 1, "KR")  # Chuseok 24-26 Sep
    array(['2026-09-28'], dtype='datetime64[D]')
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    steps = np.broadcast_to(np.asarray(n, dtype=np.int64), dates.shape)
    if (steps < 0).any():
        raise ValueError("n must not be negative")
    out = np.full(dates.shape, np.datetime64("NaT", "D"))
    have = ~np.isnat(dates)
    if not have.any():
        return out
    first, last = _years(dates, int(steps.max()) * 3 + 30)
    group, names = _groups(countries, len(dates))
    for code, country in enumerate(names):
        rows = have & (group == code)
        if rows.any():
            cal = business_calendar(country, first, last)
            out[rows] = np.busday_offset(dates[rows], steps[rows], roll="forward", busdaycal=cal)
    return out


def business_days_between(begin, end, countries) -> np.ndarray:
    """Business days from ``begin`` (exclusive) to ``end`` (rolled forward to a business day).

    Zero when ``end`` is not after ``begin``; an ``end`` on a weekend or holiday counts as
    the next business day, so a refund promised by Friday that arrives on Saturday is 1
    business day late. ``int64``; -1 where a date is missing.
    """
    begin = np.asarray(begin, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    out = np.full(begin.shape, -1, dtype=np.int64)
    have = ~(np.isnat(begin) | np.isnat(end))
    if not have.any():
        return out
    first, last = _years(np.concatenate([begin[have], end[have]]), 30)
    group, names = _groups(countries, len(begin))
    for code, country in enumerate(names):
        rows = have & (group == code)
        if rows.any():
            cal = business_calendar(country, first, last)
            rolled = np.busday_offset(end[rows], 0, roll="forward", busdaycal=cal)
            start = np.busday_offset(begin[rows], 0, roll="forward", busdaycal=cal)
            count = np.busday_count(start, rolled, busdaycal=cal)
            out[rows] = np.maximum(count, 0)
    return out


def arrival_window(decided: pd.Series, countries: pd.Series, pack: Pack | str | None = None) -> pd.DataFrame:
    """Earliest and latest promised arrival of refunds decided in the buyer's favour.

    Parameters
    ----------
    decided
        Decision dates or instants: ISO text, ``datetime64`` (naive = timer zone) or
        tz-aware timestamps; placed in the pack's timer zone first.
    countries
        The buyer's country per row (ISO 3166 alpha-2), or one code for all rows.
    pack
        Rule pack name, path or object; its ``refund_earliest`` and ``refund_latest``
        timers give the business days.

    Returns
    -------
    pandas.DataFrame
        Same index as ``decided``: ``refund_earliest`` and ``refund_latest``
        (``datetime64[s]`` dates, NaT where the decision is missing or unreadable).

    Examples
    --------
    >>> w = arrival_window(pd.Series(["2026-11-20T16:00:00-08:00"]), pd.Series(["US"]))
    >>> [str(d.date()) for d in w.iloc[0]]   # Thanksgiving, 26 Nov, is not a business day
    ['2026-12-02', '2026-12-07']
    """
    pack = load_dispute_pack(pack)
    decided = pd.Series(decided)
    earliest, latest = pack.timer("refund_earliest").offset, pack.timer("refund_latest").offset
    days, _ = to_timer_dates(decided.reset_index(drop=True), pack.timer_zone)
    if not isinstance(countries, str) and countries is not None:
        countries = pd.Series(countries).reset_index(drop=True)
    first = add_business_days(days, earliest, countries)
    last = add_business_days(days, latest, countries)
    return pd.DataFrame(
        {"refund_earliest": first.astype("datetime64[s]"), "refund_latest": last.astype("datetime64[s]")},
        index=decided.index,
    )

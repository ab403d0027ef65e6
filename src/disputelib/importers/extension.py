"""A shopper-inventory browser extension's order list (CSV): one row per item, local prices."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from disputelib.columns import map_distinct, per_distinct, text_column
from disputelib.importers.common import Imported, ImportFileError, Reasons, canonical_headers, group_orders
from disputelib.order_states import order_states
from disputelib.tables import TableError, read_table

#: Columns the extension's CSV must have.
EXTENSION_REQUIRED: tuple[str, ...] = ("Order Date", "Order ID", "Price")
#: Columns of the extension's CSV the import reads (headers match in any letter case).
EXTENSION_COLUMNS: tuple[str, ...] = (*EXTENSION_REQUIRED, "Title", "Qty", "Currency", "Status", "Store")
#: The zone where a calendar day starts first (UTC+14). The extension's list gives the
#: order date in the buyer's zone without naming it: 00:00 of that date here is the
#: earliest instant the payment can have been, whatever the buyer's zone.
EARLIEST_ZONE = "Etc/GMT-14"

#: Currency signs of extension prices, used only when the ``Currency`` column is empty.
CURRENCY_SIGNS: dict[str, str] = {
    "US $": "USD",
    "US$": "USD",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "zł": "PLN",
    "₽": "RUB",
    "руб": "RUB",
    "₩": "KRW",
    "R$": "BRL",
    "₴": "UAH",
    "kr": "SEK",
    "Kč": "CZK",
    "CHF": "CHF",
    "C$": "CAD",
    "A$": "AUD",
}


_NUMBER = re.compile(r"[0-9][0-9.,\s\u00a0\u202f']*")


def parse_price(text: str) -> tuple[float, str | None]:
    """A price as written in an order list: its number and the currency its sign names.

    ``US $120.95`` -> ``(120.95, "USD")``; ``129,46zł`` -> ``(129.46, "PLN")``;
    ``1.234,56 €`` -> ``(1234.56, "EUR")``. Of ``,`` and ``.``, the last one written is the
    decimal mark, unless it is the only mark and exactly three digits follow it (then it
    groups thousands: ``1,234`` is 1234). NaN when no number is found.
    """
    found = _NUMBER.search(text)
    if found is None:
        return float("nan"), _sign(text)
    number = re.sub(r"[\s\u00a0\u202f']", "", found.group()).rstrip(".,")
    marks = [c for c in number if c in ",."]
    if marks:
        last = max(number.rfind(","), number.rfind("."))
        single = len(set(marks)) == 1
        if single and (len(marks) > 1 or len(number) - last - 1 == 3):
            number = number.replace(marks[0], "")
        else:
            number = number[:last].replace(",", "").replace(".", "") + "." + number[last + 1 :]
    try:
        value = float(number)
    except ValueError:
        value = float("nan")
    return value, _sign(text.replace(found.group(), " "))


def _sign(text: str) -> str | None:
    text = text.strip()
    for sign in sorted(CURRENCY_SIGNS, key=len, reverse=True):
        if sign and sign in text:
            return CURRENCY_SIGNS[sign]
    code = re.search(r"\b[A-Z]{3}\b", text)
    return code.group() if code else None


def read_fx(path: str | Path) -> dict[str, float]:
    """Exchange rates from a CSV of ``currency,usd_per_unit`` (``PLN,0.25``).

    Raises
    ------
    ImportFileError
        When the file cannot be read, a column is missing, or a rate is not a positive number.
    """
    path = Path(path)
    try:
        table = read_table(path)
    except TableError as exc:
        raise ImportFileError(f"--fx: {exc}") from None
    for name in ("currency", "usd_per_unit"):
        if name not in table.columns:
            raise ImportFileError(f"{str(path)!r} has no {name!r} column (write currency,usd_per_unit)")
    codes = table["currency"].astype(str).str.strip().str.upper()
    rates = pd.to_numeric(table["usd_per_unit"].astype(str).str.strip(), errors="coerce")
    bad = ~(rates > 0) | ~np.isfinite(rates)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ImportFileError(
            f"{str(path)!r} row {i + 1}: usd_per_unit {table['usd_per_unit'].iloc[i]!r} is not a positive number"
        )
    return dict(zip(codes, rates.astype(float), strict=True))


def read_aliexpress_extension(path: str | Path, fx: str | Path | dict[str, float] | None = None) -> Imported:
    """Read a shopper-inventory extension's order list (CSV) into the order table.

    Parameters
    ----------
    path
        The ``.csv`` file: ``Order Date`` (``Feb 21, 2026``), ``Order ID``, ``Title``,
        ``Qty``, ``Price`` per unit (``US $120.95``, ``129,46zł``), ``Store``,
        ``Currency`` (ISO code), ``Status``; other columns pass through.
    fx
        US dollars per unit of each other currency: a ``currency,usd_per_unit`` CSV or a
        dict. US dollars need no rate. An item in a currency without a rate is rejected,
        naming the currency.

    Returns
    -------
    Imported
        ``orders`` as for :func:`read_aliexpress_backup`, with ``amount_usd`` = the sum of
        price x quantity x rate, ``paid_at`` = 00:00 of the order date at UTC+14 (empty
        for unpaid orders): the list has no payment time and does not name the buyer's
        zone, so this is the earliest instant the payment can have been, and every bound
        drawn from it stays true), ``ordered_at`` = the order date as written,
        ``received_at`` empty (the list has no receipt date),
        ``order_status`` = ``Status``, ``end_reason`` empty, plus ``currency`` and
        ``amount_local`` (the sum in the order's own currency).
    """
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise ImportFileError(f"cannot read {str(path)!r}: the extension's order list is a .csv file")
    try:
        frame = read_table(path)
    except TableError as exc:
        raise ImportFileError(str(exc)) from None
    # spreadsheet-friendly CSVs start with a byte-order mark; headers vary in case and spacing
    frame = canonical_headers(frame, EXTENSION_COLUMNS)
    missing = [c for c in EXTENSION_REQUIRED if c not in frame.columns]
    if missing:
        raise ImportFileError(
            f"{str(path)!r} has no {', '.join(repr(c) for c in missing)} column"
            f"{'s' if len(missing) > 1 else ''} (required: {', '.join(EXTENSION_REQUIRED)})"
        )
    rates = {"USD": 1.0, **(read_fx(fx) if isinstance(fx, (str, Path)) else dict(fx or {}))}
    rates = {str(k).strip().upper(): float(v) for k, v in rates.items()}
    reasons = Reasons(len(frame))
    ids = text_column(frame, "Order ID")
    reasons.add(ids.isna().to_numpy(bool), "missing Order ID")

    day_text = text_column(frame, "Order Date")
    day = pd.Series(per_distinct(day_text, _order_day, np.datetime64("NaT", "D"), "datetime64[D]"), index=frame.index)
    reasons.add(
        day_text.notna().to_numpy(bool) & day.isna().to_numpy(bool), "unreadable Order Date (like Feb 21, 2026)"
    )
    reasons.add(day_text.isna().to_numpy(bool), "missing Order Date")

    price_text = text_column(frame, "Price")
    price = per_distinct(price_text, lambda t: parse_price(t)[0], np.nan, "float64")
    sign = per_distinct(price_text, lambda t: parse_price(t)[1], None, object)
    reasons.add(price_text.isna().to_numpy(bool), "missing Price")
    reasons.add(price_text.notna().to_numpy(bool) & np.isnan(price), "unreadable Price")
    qty_text = text_column(frame, "Qty")
    qty = pd.to_numeric(qty_text, errors="coerce").to_numpy("float64", na_value=np.nan)
    qty = np.where(qty_text.isna().to_numpy(bool), 1.0, qty) if "Qty" not in frame.columns else qty
    reasons.add(~(qty > 0) | (qty != np.floor(qty)), "Qty is not a whole number above 0")

    code = map_distinct(text_column(frame, "Currency"), str.upper).astype(object).to_numpy()
    currency = np.where(pd.isna(code), sign, code)
    rate = per_distinct(pd.Series(currency, index=frame.index), lambda c: rates.get(c, np.nan), np.nan, "float64")
    no_currency = pd.isna(currency)
    reasons.add(no_currency & ~np.isnan(price), "no currency (fill the Currency column)")
    no_rate = ~no_currency & np.isnan(rate)
    reasons.add(
        no_rate,
        "no exchange rate for "
        + pd.Series(currency).fillna("").astype(str).to_numpy(object)
        + " (give --fx a currency,usd_per_unit file with it)",
    )

    mixed = pd.Series(currency).groupby(ids.fillna("").to_numpy(object)).transform("nunique").to_numpy() > 1
    reasons.add(mixed, "the order's items are in more than one currency")

    status = text_column(frame, "Status")
    state = order_states(status)
    zone = EARLIEST_ZONE
    paid_day = day.where(~state.isin(["unpaid"]).to_numpy(bool))
    local = price * qty
    per_item = pd.DataFrame(
        {
            "amount_usd": local * rate,
            "paid_at": _day_instants(paid_day, zone),
            "received_at": _day_instants(pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]"), zone),
            "ordered_at": _day_instants(day, zone),
            "ended_at": _day_instants(pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]"), zone),
            "order_status": status,
            "end_reason": pd.Series(pd.NA, index=frame.index, dtype="string"),
            "order_state": state,
            "item_name": text_column(frame, "Title"),
            "currency": pd.Series(currency, index=frame.index, dtype="string"),
            "amount_local": local,
        },
        index=frame.index,
    )
    consumed = {"Order ID", "Order Date", "Title", "Qty", "Price", "Currency", "Status"}
    result = group_orders(frame, ids, reasons, per_item, consumed)
    orders = result.orders
    for name in ("ordered_at", "received_at", "ended_at"):  # dates as written: the list has no times
        orders[name] = orders[name].dt.tz_localize(None).astype("datetime64[s]")
    return result


def _order_day(text: str) -> np.datetime64:
    for form in ("%b %d, %Y", "%B %d, %Y", "%Y-%m-%d", "%d %b %Y", "%d.%m.%Y"):
        try:
            return np.datetime64(dt.datetime.strptime(" ".join(text.split()), form).date(), "D")
        except ValueError:
            continue
    return np.datetime64("NaT", "D")


def _day_instants(days: pd.Series, zone: str) -> pd.Series:
    return pd.Series(days.to_numpy("datetime64[s]"), index=days.index).dt.tz_localize(zone)

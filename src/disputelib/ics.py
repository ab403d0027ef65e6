"""Deadlines in the calendar: open dispute windows as an iCalendar (RFC 5545) file.

One event per open window, written with the ``icalendar`` library (which escapes and
folds the text):

- an all-day event on the window's last day (``window_closes``, a date in the timer
  zone). The deadline is 00:00 in the timer zone on the next day; everywhere from
  UTC-12 to UTC+14 that instant falls on the last day or later, so the day shown is
  never after the buyer's own last day, whatever zone the calendar is in;
- the exact deadline in the timer zone and in the buyer's zone in the description
  (``Sat 28 Nov 2026, 00:00 PST``, as :func:`disputelib.present.deadline` writes it);
- an alarm two days before the day;
- a UID made from the order id and the route (the pack's name, or a ``route`` column)
  only, so importing tomorrow's file updates the same events instead of adding copies;
  ``SEQUENCE`` is the day judged (days since 1970-01-01), so a later file wins.

Nothing here reads the clock: ``DTSTAMP`` is 00:00 UTC of the day judged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pandas as pd

from disputelib import present
from disputelib.clock import AsOf
from disputelib.paths import written_in_place
from disputelib.policy import Pack, load_pack
from disputelib.tables import TableError
from disputelib.windows import as_date

#: The fixed right-hand side of every UID (``.invalid`` is reserved: it names no host).
UID_DOMAIN = "deadlines.disputelib.invalid"
#: The alarm fires this long before the start of the window's last day.
ALARM_BEFORE = dt.timedelta(days=2)
PRODID = "-//disputelib//dispute deadlines//EN"
#: Control characters (line breaks included) in data are shown as this, never written raw.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_REPLACEMENT = "\ufffd"


def event_uid(order_id: str, route: str) -> str:
    """The UID of an order's event on a route: stable, ASCII, whatever the id holds.

    Examples
    --------
    >>> event_uid("8123", "aliexpress-2022") == event_uid("8123", "aliexpress-2022")
    True
    >>> event_uid("8123", "aliexpress-2022").endswith("@" + UID_DOMAIN)
    True
    """
    digest = hashlib.sha256(f"{route}\x00{order_id}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"{digest[:40]}@{UID_DOMAIN}"


def _clean(value: object) -> str:
    return _CONTROL.sub(_REPLACEMENT, str(value))


def _per_row(table: pd.DataFrame, name: str, default: str) -> pd.Series:
    if name in table.columns:
        return table[name].astype("string").fillna(default)
    return pd.Series(default, index=table.index, dtype="string")


def open_windows(table: pd.DataFrame, pack: Pack | str | None = None) -> pd.DataFrame:
    """The rows of an eligibility table that become events, with their texts.

    Parameters
    ----------
    table
        :func:`disputelib.eligibility`'s table (or a route table): ``order_id``,
        ``status``, ``window_closes``, ``deadline``; optional ``window_opens``,
        ``buyer_timezone``, ``dispute_type``, ``claim_usd``, and per row ``route`` and
        ``timer_zone`` (else the pack's name and timer zone; with a ``route`` column the
        summary names the route too). A table read back from CSV works as well.
    pack
        The rule pack the table was computed with; the default pack when None.

    Returns
    -------
    pandas.DataFrame
        One row per open window with a known last day: ``uid``, ``day`` (the last day, a
        ``datetime.date``), ``summary``, ``description``.
    """
    pack = load_pack(pack)
    rows = table.loc[table["status"].astype("string").eq("open").fillna(False).to_numpy(bool)]
    closes = pd.to_datetime(rows["window_closes"].astype("string").str.slice(0, 10), errors="coerce", format="%Y-%m-%d")
    rows, closes = rows.loc[closes.notna().to_numpy()], closes[closes.notna()]
    route = _per_row(rows, "route", pack.name)
    zone = _per_row(rows, "timer_zone", pack.timer_zone)
    order = rows["order_id"].astype("string").fillna("").map(_clean)
    in_timer_zone = pd.Series("", index=rows.index, dtype=object)
    for name in pd.unique(zone):
        picked = (zone == name).to_numpy(bool)
        in_timer_zone[picked] = present.deadline(rows["deadline"][picked], str(name)).to_numpy()
    buyer_zone = _per_row(rows, "buyer_timezone", "")
    in_buyer_zone = present.deadline(rows["deadline"], buyer_zone.mask(buyer_zone == "")) if len(rows) else buyer_zone
    claim = pd.Series("", index=rows.index, dtype=object)
    if "claim_usd" in rows.columns:
        amount = present.money(rows["claim_usd"])
        claim[:] = amount.to_numpy()
        if "dispute_type" in rows.columns:
            kind = rows["dispute_type"].astype("string").fillna("none")
            has = (kind != "none").to_numpy(bool) & (amount != "").to_numpy(bool)
            claim[:] = ""
            claim[has] = [f"{present.value(k).lower()}, {a}" for k, a in zip(kind[has], amount[has], strict=True)]
    opens = present.date(rows["window_opens"]) if "window_opens" in rows.columns else pd.Series("", index=rows.index)
    last = present.date(closes)

    summaries, descriptions = [], []
    via_route = "route" in rows.columns
    for who, way, tz, timer_text, buyer_text, buyer_tz, what, first, end in zip(
        order.tolist(),
        route.map(_clean).tolist(),
        zone.map(_clean).tolist(),
        in_timer_zone.tolist(),
        in_buyer_zone.tolist(),
        buyer_zone.map(_clean).tolist(),
        claim.tolist(),
        opens.tolist(),
        last.tolist(),
        strict=True,
    ):
        via = f" via {way}" if via_route else ""
        summaries.append(f"Last day to dispute order {who}{via}" + (f" ({what})" if what else ""))
        lines = [
            f"Order {who}, route {way}: the last day to open a dispute is {end} ({tz}).",
            f"Deadline: {timer_text or 'unknown'} ({tz})",
        ]
        if buyer_text:
            lines.append(f"Buyer's time: {buyer_text} ({buyer_tz})")
        if what:
            lines.append(f"Claim: {what}")
        if first:
            lines.append(f"Window: {first} to {end}")
        descriptions.append("\n".join(lines))
    return pd.DataFrame(
        {
            "uid": [event_uid(o, r) for o, r in zip(rows["order_id"].astype("string").fillna(""), route, strict=True)],
            "day": [d.date() for d in closes],
            "summary": summaries,
            "description": descriptions,
        },
        index=rows.index,
    )


def to_ics(table: pd.DataFrame, as_of: AsOf, pack: Pack | str | None = None) -> bytes:
    """An iCalendar file with one all-day event per open window of ``table``.

    Parameters
    ----------
    table
        An eligibility table (see :func:`open_windows` for the columns read).
    as_of
        The day the table was judged on: ``DTSTAMP`` is its 00:00 UTC and ``SEQUENCE``
        its number of days since 1970-01-01, so a later day's file replaces the events.
    pack
        The rule pack the table was computed with (its name is the route in the UIDs).

    Returns
    -------
    bytes
        The calendar (``text/calendar``, UTF-8, CRLF lines folded at 75 octets).

    Examples
    --------
    >>> import disputelib as dl
    >>> orders = pd.DataFrame({"order_id": ["A1"], "amount_usd": ["9.50"], "payment_method": ["Visa"],
    ...     "shipped_at": ["2026-11-01"], "received_at": ["2026-11-12"]})
    >>> ics = to_ics(dl.eligibility(orders, "2026-11-20").table, "2026-11-20")
    >>> b"DTSTART;VALUE=DATE:20261127" in ics
    True
    """
    return _calendar(table, as_of, pack)[0]


def _calendar(table: pd.DataFrame, as_of: AsOf, pack: Pack | str | None) -> tuple[bytes, int]:
    parts = list(_calendar_parts(table, as_of, pack))
    return b"".join(parts[1:]), parts[0]


def _calendar_parts(table: pd.DataFrame, as_of: AsOf, pack: Pack | str | None) -> Iterator:
    """The event count, then the calendar's bytes piece by piece: its head, one piece per event, its end.

    Each event is serialised on its own (by ``icalendar``), so a calendar of many
    thousands of events is never held as objects all at once.
    """
    pack = load_pack(pack)
    today = as_date(as_of)
    stamp = dt.datetime.combine(today.astype(object), dt.time(), tzinfo=dt.UTC)
    sequence = int(today.astype("int64"))
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Dispute deadlines")
    empty = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    events = open_windows(table, pack)
    yield len(events)
    yield empty[: len(empty) - len(end)]
    for row in events.itertuples(index=False):
        event = icalendar.Event()
        event.add("uid", row.uid)
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        event.add("dtstart", row.day)
        event.add("dtend", row.day + dt.timedelta(days=1))
        event.add("summary", row.summary)
        event.add("description", row.description)
        event.add("transp", "TRANSPARENT")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        alarm.add("description", row.summary)
        event.add_component(alarm)
        yield event.to_ical()
    yield end


def write_ics(table: pd.DataFrame, path: str | Path, as_of: AsOf, pack: Pack | str | None = None) -> int:
    """Write :func:`to_ics` to ``path`` atomically (beside it first, then renamed).

    Returns
    -------
    int
        The number of events written.

    Raises
    ------
    TableError
        One sentence when the file cannot be written.
    """
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise TableError(f"cannot write {str(path)!r}: folder {str(path.parent)!r} does not exist")
    parts = _calendar_parts(table, as_of, pack)
    count = next(parts)
    try:
        with written_in_place(path) as partial, open(partial, "wb") as out:
            for piece in parts:
                out.write(piece)
    except OSError as exc:
        raise TableError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
    return count


__all__ = ["ALARM_BEFORE", "UID_DOMAIN", "event_uid", "open_windows", "to_ics", "write_ics"]

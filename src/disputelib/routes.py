"""Every route to the money: which windows are still open for each order, and until when.

A buyer whose marketplace window has closed may still have PayPal's, or a card scheme's
chargeback. Each route is a rule pack (``aliexpress-2022``, ``paypal``,
``visa-chargeback``, ``mastercard-chargeback``, ``ebay-mbg``, ``amazon-a-to-z``, ``etsy``,
``temu``); :func:`routes` puts them side by side: one row per order and route that covers
it.

How a route's window is computed (rules as data, :mod:`disputelib.policy`):

- A marketplace pack whose window is the classic one (no ``[windows.*]`` tables: opens
  after shipment, closes after receipt or the end of protection) is computed by
  :func:`disputelib.windows.compute_windows`, the engine of ``disputelib eligibility``, so
  both commands agree on every order.
- A pack with ``[windows.*]`` tables counts each timer from an order's date (``paid_at``,
  ``shipped_at``, ``received_at``, ``estimated_delivery``) placed in the pack's timer zone:
  a timer of n days anchored on day d falls on day d + n (``months``: the same day n
  months later, clamped to the month's end; ``business_days``: on the buyer country's
  calendar; ``elapsed`` timers: n x 24 hours, or n hours, from 00:00 of the anchor day, as
  an order's dates carry no time). An opening timer's day is the first open day; a closing
  timer's day is the last, and its deadline is 00:00 of the next day in the timer zone.
  Several timers combine as the window says (``opens = "latest"``, ``closes =
  "earliest"`` by default). The window of the order's ``problem`` applies where the pack
  has one (a card's not-received chargeback counts from the estimated delivery date),
  else ``[windows.default]``; a pack without either does not cover the order.
- Status on ``as_of``: ``too_early``, ``open``, ``expired``, or ``needs_data`` when a date
  the window counts from is missing (``missing`` names the input columns). A window that
  would close before it opens (a delivery promised beyond a 540-day cap) never opens: it is
  ``expired``, with no opening day. The classic marketplace window says ``needs_data``
  (``shipped_at``) for an order not shipped yet; a cancelled order has no marketplace row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from disputelib.clock import AsOf, iso_in_zone, local_dates, midnight_after, to_timer_dates
from disputelib.columns import map_distinct, time_column
from disputelib.contracts import ROUTES
from disputelib.orders import (
    ESTIMATED,
    PAID,
    RECEIVED,
    SHIPPED,
    ZONE_ATTR,
    ValidatedOrders,
    column_hints_note,
    unknown_methods_note,
    validate_orders,
)
from disputelib.policy import DEFAULT_PACK, WINDOW_ANCHORS, Pack, PackError, Timer, Window, available_packs, load_pack
from disputelib.present.vocabulary import value as words
from disputelib.refunds import add_business_days
from disputelib.windows import as_date, claims, compute_windows, status_counts

#: The routes :func:`routes` looks at when none are named.
DEFAULT_ROUTES: tuple[str, ...] = ("aliexpress-2022", "paypal", "visa-chargeback", "mastercard-chargeback")
#: A route's status on ``as_of``.
ROUTE_STATUSES: tuple[str, ...] = ("too_early", "open", "expired", "needs_data")
#: Output columns, in order (the contract: :data:`disputelib.contracts.ROUTES`).
ROUTE_COLUMNS: tuple[str, ...] = ROUTES.names

#: The typed date of each anchor in validated orders, and the input column it comes from.
_TYPED = {"paid": PAID, "shipped": SHIPPED, "received": RECEIVED, "estimated_delivery": ESTIMATED}
_NAT = np.datetime64("NaT", "D")
#: Columns of validated orders that the route table replaces or does not show.
_CONSUMED = {SHIPPED, RECEIVED, PAID, ESTIMATED, "problem", "problem_amount_usd", "order_status", "end_reason"}
#: ``table.attrs`` key: how many orders no route covers.
UNCOVERED_ATTR = "disputelib.uncovered"


class RoutesError(PackError):
    """Route packs that cannot be used together (none named, one named twice)."""


def route_packs(packs: str | Iterable[str | Pack] | None) -> list[Pack]:
    """Packs from a comma-separated list (``"paypal,visa-chargeback"``), names, paths or packs.

    Raises
    ------
    RoutesError
        For an empty list or a pack named twice; :class:`~disputelib.policy.PackError` for a
        pack that cannot be loaded.
    """
    if packs is None:
        packs = DEFAULT_ROUTES
    if isinstance(packs, str):
        packs = [p.strip() for p in packs.split(",") if p.strip()]
    given = list(packs)
    shipped = {name.lower(): name for name in available_packs()}
    # a shipped pack's name in any letter case (PayPal); a path or a loaded pack as it is
    loaded = [load_pack(shipped.get(p.lower(), p) if isinstance(p, str) else p) for p in given]
    if not loaded:
        raise RoutesError("no route packs named: give at least one, e.g. aliexpress-2022,paypal")
    seen: dict[str, object] = {}
    for pack, name in zip(loaded, given, strict=True):
        if pack.name in seen:
            shown = f"{seen[pack.name]!s} and {name!s}" if str(seen[pack.name]) != str(name) else str(name)
            raise RoutesError(f"route pack {pack.name!r} is named twice ({shown}): each route once")
        seen[pack.name] = name if isinstance(name, str) else pack.name
    return loaded


@dataclass(frozen=True)
class Routes:
    """The result of :func:`routes`: one row per order and route that covers it, and the rejects."""

    table: pd.DataFrame
    rejects: pd.DataFrame
    n_read: int
    n_orders: int
    unknown_methods: Mapping[str, int] = field(default_factory=dict)
    #: Optional columns no header matched, with a header that looks like each (not read).
    column_hints: Mapping[str, str] = field(default_factory=dict)

    @property
    def n_uncovered(self) -> int:
        """Accepted orders that no route covers (no row in :attr:`table`)."""
        return int(self.table.attrs.get(UNCOVERED_ATTR, 0))

    def summary(self, words: bool = False) -> str:
        """``read ... rows: ...; 7 routes (too_early 2, ...)``; ``words``: statuses as words, for a page."""
        counts = self.table["status"].value_counts()
        by_status = status_counts(counts, ROUTE_STATUSES, words)
        n = self.n_uncovered
        uncovered = f"; {n} order{'' if n == 1 else 's'} covered by no route" if n else ""
        return (
            f"read {self.n_read} rows: {self.n_orders} accepted, {len(self.rejects)} rejected; "
            f"{len(self.table)} routes ({by_status}){uncovered}"
            + unknown_methods_note(self.unknown_methods)
            + column_hints_note(self.column_hints)
        )


def routes(
    frame: pd.DataFrame,
    as_of: AsOf,
    packs: str | Iterable[str | Pack] | None = None,
    *,
    columns: Mapping[str, str] | str | None = None,
) -> Routes:
    """Validate an order export and list, per order, every route to the money and its window.

    Parameters
    ----------
    frame
        An order export (see :func:`disputelib.orders.validate_orders`); the routes also
        read ``paid_at``, ``estimated_delivery`` and ``marketplace`` where they exist.
    as_of
        The day to judge on (``YYYY-MM-DD`` or a date).
    packs
        Route packs: names, paths or packs, or one comma-separated string; default
        :data:`DEFAULT_ROUTES`. Rows are validated as ``disputelib eligibility`` validates
        them with the first marketplace pack named (else :data:`~disputelib.policy.DEFAULT_PACK`),
        so the rejects are the same; each route then places the dates in its own zone.
    columns
        An optional column map (our name -> the export's header), or a TOML file's path.

    Returns
    -------
    Routes
        ``table`` (:data:`ROUTE_COLUMNS`, see :func:`route_table`), ``rejects`` as in
        :func:`disputelib.eligibility`, ``n_read`` and ``n_orders`` (accepted).

    Examples
    --------
    >>> orders = pd.DataFrame({"order_id": ["A1"], "amount_usd": ["20"], "payment_method": ["Visa"],
    ...     "paid_at": ["2026-09-01"], "shipped_at": ["2026-09-02"], "received_at": ["2026-09-20"]})
    >>> r = routes(orders, "2026-10-01")
    >>> [(row.route, row.status, str(row.window_closes.date())) for row in r.table.itertuples()]
    [('aliexpress-2022', 'open', '2026-10-05'), ('visa-chargeback', 'open', '2026-12-30')]
    """
    chosen = route_packs(packs)
    today = as_date(as_of)
    # rows are checked as eligibility checks them: in the first marketplace pack's zone, else the default pack's
    judge = next((p for p in chosen if not p.is_route_only), None) or load_pack(DEFAULT_PACK)
    checked = validate_orders(frame, judge, columns)
    table = route_table(checked.orders, today, chosen)
    return Routes(
        table=table,
        rejects=checked.rejects.reset_index(drop=True),
        n_read=checked.n_read,
        n_orders=len(checked.orders),
        unknown_methods=checked.unknown_methods,
        column_hints=checked.column_hints,
    )


def route_table(
    orders: pd.DataFrame | ValidatedOrders,
    as_of: AsOf,
    packs: str | Iterable[str | Pack] | None = None,
) -> pd.DataFrame:
    """The routes of validated orders on ``as_of``.

    Parameters
    ----------
    orders
        :func:`disputelib.orders.validate_orders`'s result or its accepted ``orders``
        (validated with any pack: a route counting in another timer zone than the one the
        dates were placed in reads them again from the input columns).
    as_of
        The day to judge on.
    packs
        Route packs (see :func:`routes`).

    Returns
    -------
    pandas.DataFrame
        :data:`ROUTE_COLUMNS`: ``order_id``, ``route`` (the pack's name),
        ``covered_because`` (``paid by Visa``, ``AliExpress order``), ``status``
        (:data:`ROUTE_STATUSES`), ``window_opens`` and ``window_closes`` (dates in the
        route's timer zone, the last day inclusive), ``deadline`` (the instant the window
        ends, ISO 8601 text in the route's timer zone), ``deadline_local`` (the same in the
        buyer's ``buyer_timezone``), ``days_left`` (open routes), ``claim_usd``, then
        ``missing`` (the input columns a ``needs_data`` route lacks), ``timer_zone``,
        ``dispute_type``, ``payment_method``, ``payment_network``, ``amount_usd``,
        ``buyer_timezone``, then the other input columns. Rows follow the orders' order,
        and per order the routes by ``window_closes`` (routes without one last, then in the
        order named).

    Raises
    ------
    RoutesError
        For orders that were not validated (an export as read: use :func:`routes`).
    """
    if isinstance(orders, ValidatedOrders):
        orders = orders.orders
    if SHIPPED not in orders.columns:
        raise RoutesError(
            "route_table needs validated orders (dl.validate_orders(frame).orders); "
            "dl.routes(frame, as_of) reads an export as it is"
        )
    chosen = route_packs(packs)
    today = as_date(as_of)
    base_zone = orders.attrs.get(ZONE_ATTR)
    orders = orders.reset_index(drop=True)
    pieces = [_one_route(orders, today, pack, base_zone) for pack in chosen]
    part = pd.concat(pieces, ignore_index=True)
    which = np.repeat(np.arange(len(chosen)), [len(p) for p in pieces])
    position = part["position"].to_numpy(np.int64)
    closes = part["window_closes"].to_numpy("datetime64[s]")
    last = np.where(np.isnat(closes), np.iinfo(np.int64).max, closes.astype(np.int64))
    order = np.lexsort((which, last, position))  # per order, by closing day, then in the order named
    part, which, position = part.iloc[order].reset_index(drop=True), which[order], position[order]

    wanted = ["order_id", "payment_method", "payment_network", "amount_usd", "buyer_timezone"]
    rows = orders[[c for c in wanted if c in orders.columns]].take(position).reset_index(drop=True)
    claim = claims(orders).take(position).reset_index(drop=True)
    names = [p.name for p in chosen]
    zone_names = list(dict.fromkeys(p.timer_zone for p in chosen))
    zone_codes = np.array([zone_names.index(p.timer_zone) for p in chosen], dtype=np.int64)[which]
    zones = pd.Series(pd.Categorical.from_codes(zone_codes, categories=zone_names))
    deadline = pd.Series(pd.DatetimeIndex(part["deadline_utc"].to_numpy("datetime64[ns]")).tz_localize("UTC"))
    buyer_zones = rows["buyer_timezone"] if "buyer_timezone" in rows.columns else None
    blank = pd.Series(pd.NA, index=rows.index, dtype="string")
    table = pd.DataFrame(
        {
            "order_id": rows["order_id"].astype("string"),
            "route": pd.Categorical.from_codes(which, categories=names),
            "covered_because": pd.Categorical(part["covered_because"]),
            "status": pd.Categorical.from_codes(part["status_code"].to_numpy(np.int8), categories=ROUTE_STATUSES),
            "window_opens": part["window_opens"].to_numpy("datetime64[s]"),
            "window_closes": closes[order],
            "deadline": pd.Categorical(iso_in_zone(deadline, zones.astype(object))),
            "deadline_local": pd.Categorical(iso_in_zone(deadline, buyer_zones) if buyer_zones is not None else blank),
            "days_left": part["days_left"].astype("Int64"),
            "claim_usd": claim["claim_usd"].to_numpy("float64"),
            "missing": part["missing"].astype("string"),
            "timer_zone": zones,
            "dispute_type": claim["dispute_type"],
            "payment_method": rows["payment_method"],
            "payment_network": rows["payment_network"] if "payment_network" in rows.columns else blank,
            "amount_usd": rows["amount_usd"].to_numpy("float64"),
            "buyer_timezone": buyer_zones if buyer_zones is not None else blank,
        }
    )
    extra = [c for c in orders.columns if c not in set(ROUTE_COLUMNS) | _CONSUMED]
    if extra:
        table = pd.concat([table, orders[extra].take(position).reset_index(drop=True)], axis=1)
    table.attrs[UNCOVERED_ATTR] = int(len(orders) - len(np.unique(position)))
    return ROUTES.check(table, complete=False)


# --------------------------------------------------------------------------- coverage


def marketplace_matches(values: pd.Series, marketplace: str) -> pd.Series:
    """Whether each ``marketplace`` value names ``marketplace``, in the ways exports write it.

    Letter case, spaces, hyphens, a web address and a country suffix do not matter:
    ``AliExpress``, ``Ali Express``, ``AliExpress RU``, ``aliexpress.ru``, ``www.ebay.com``,
    ``ebay.co.uk``, ``Amazon.com``. Missing where the value is missing or empty.

    Examples
    --------
    >>> marketplace_matches(pd.Series(["Ali Express", "AliExpress RU", "www.ebay.com", "Wish", ""]), "aliexpress").tolist()
    [True, True, False, False, <NA>]
    """

    def names(text: str) -> str | None:
        folded = str(text).casefold().strip()
        if not folded:
            return None
        words = [w for w in re.split(r"[^0-9a-z\u00c0-\uffff]+", folded) if w and w != "www"]
        joined = "".join(re.split(r"[\s_-]+", folded))
        return "|".join({*words, joined, "".join(words)})

    keys = map_distinct(values, names).astype("string")
    return keys.str.split("|").map(lambda k: marketplace in k, na_action="ignore").astype("boolean")


def _covered(orders: pd.DataFrame, pack: Pack, dates: Mapping[str, np.ndarray]):
    """Which orders ``pack`` covers, and why (one text per covered row)."""
    cov = pack.coverage
    n = len(orders)
    because = np.full(n, None, dtype=object)
    if cov is None:  # a pack always has one; defensive for hand-built packs
        return np.zeros(n, dtype=bool), because
    if cov.by_payment:
        method = orders["payment_method"]
        network = orders["payment_network"] if "payment_network" in orders.columns else None
        covered = np.zeros(n, dtype=bool)
        if cov.methods:
            hit = method.isin(sorted(cov.methods)).to_numpy(bool)
            because[hit] = _paid_by(method[hit])
            covered |= hit
        if cov.networks and network is not None:
            hit = network.isin(sorted(cov.networks)).to_numpy(bool) & ~covered
            because[hit] = _paid_by(network[hit])
            covered |= hit
    else:
        name = words(cov.marketplace)
        if "marketplace" in orders.columns:
            match = marketplace_matches(orders["marketplace"], cov.marketplace)
            blank = match.isna().to_numpy(bool)
            covered = blank | match.fillna(False).to_numpy(bool)
        else:
            blank = np.ones(n, dtype=bool)
            covered = blank.copy()
        because[covered & ~blank] = f"{name} order"
        because[covered & blank] = f"{name} order (no marketplace given)"
    if cov.max_amount_usd is not None:
        cap = np.full(n, cov.max_amount_usd)
        if cov.max_amount_usd_by_month:
            when = np.where(np.isnat(dates["paid"]), dates["shipped"], dates["paid"])
            month = np.where(np.isnat(when), 0, when.astype("datetime64[M]").astype(np.int64) % 12 + 1)
            for m, amount in cov.max_amount_usd_by_month.items():
                cap[month == m] = amount
        covered &= ~(orders["amount_usd"].to_numpy("float64") > cap)
    return covered, because


def _paid_by(names: pd.Series) -> np.ndarray:
    """``paid by Visa`` per row, the words made once per distinct name."""
    return map_distinct(names, lambda m: f"paid by {words(m)}").to_numpy(object)


# --------------------------------------------------------------------------- dates


def _dates_in(orders: pd.DataFrame, zone: str, base_zone: str | None) -> dict[str, np.ndarray]:
    """Each anchor's date (``datetime64[D]``) in ``zone``: the typed columns, or the input read again."""
    out: dict[str, np.ndarray] = {}
    for anchor, typed in _TYPED.items():
        if typed not in orders.columns:
            out[anchor] = np.full(len(orders), _NAT)
        elif zone == base_zone or WINDOW_ANCHORS[anchor] not in orders.columns:
            out[anchor] = orders[typed].to_numpy("datetime64[s]").astype("datetime64[D]")
        else:
            values, _, _ = time_column(orders, WINDOW_ANCHORS[anchor])
            out[anchor] = to_timer_dates(values, zone)[0].astype("datetime64[D]")
    return out


def add_months(days: np.ndarray, months: int) -> np.ndarray:
    """The same day ``months`` calendar months later, clamped to the month's end.

    Examples
    --------
    >>> add_months(np.array(["2026-01-31", "2024-01-31", "2026-03-15", "NaT"], "datetime64[D]"), 1).astype(str).tolist()
    ['2026-02-28', '2024-02-29', '2026-04-15', 'NaT']
    """
    days = np.asarray(days, dtype="datetime64[D]")
    month = days.astype("datetime64[M]")
    day_of_month = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(months, "M")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    out = target.astype("datetime64[D]") + np.minimum(day_of_month, length - 1).astype("timedelta64[D]")
    return np.where(np.isnat(days), _NAT, out)


def _timer_day(timer: Timer, anchor: np.ndarray, countries: np.ndarray) -> np.ndarray:
    """The day a calendar-counting timer falls on (``datetime64[D]``)."""
    if timer.unit == "months":
        return add_months(anchor, timer.offset)
    if timer.unit == "business_days":
        return add_business_days(anchor, timer.offset, countries)
    return anchor + np.timedelta64(timer.offset, "D")


def _start_of(days: np.ndarray, zone: str) -> np.ndarray:
    """00:00 of each day in ``zone`` as UTC ``datetime64[ns]`` (NaT stays NaT)."""
    index = midnight_after(days - np.timedelta64(1, "D"), zone)
    return index.tz_convert("UTC").tz_localize(None).to_numpy("datetime64[ns]")


def _instant(timer: Timer, dates: Mapping[str, np.ndarray], countries: np.ndarray, closing: bool) -> np.ndarray:
    """The instant an opening timer opens, or a closing timer ends, as UTC ``datetime64[ns]``."""
    anchor = dates[timer.anchor]
    if timer.counts == "elapsed":
        return _start_of(anchor, timer.zone) + np.timedelta64(timer.hours, "h")
    day = _timer_day(timer, anchor, countries)
    return _start_of(day + np.timedelta64(1 if closing else 0, "D"), timer.zone)


def _combine(values: list[np.ndarray], how: str) -> np.ndarray:
    stacked = np.vstack(values)
    return stacked.max(axis=0) if how == "latest" else stacked.min(axis=0)


def _window_rows(
    window: Window, pack: Pack, dates: Mapping[str, np.ndarray], countries: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Opening and ending instants of ``window`` for every row, and which anchors are missing."""
    n = len(countries)
    missing = np.zeros((len(WINDOW_ANCHORS), n), dtype=bool)
    anchors = list(WINDOW_ANCHORS)
    opens, ends = [], []
    for names, closing, bucket in ((window.open_timers, False, opens), (window.close_timers, True, ends)):
        for timer_name in names:
            timer = pack.timer(timer_name)
            missing[anchors.index(timer.anchor)] |= np.isnat(dates[timer.anchor])
            bucket.append(_instant(timer, dates, countries, closing))
    return _combine(opens, window.opens), _combine(ends, window.closes), missing


def _missing_text(missing: np.ndarray) -> np.ndarray:
    """The input columns each row lacks (``"paid_at, estimated_delivery"``), None where none."""
    columns = list(WINDOW_ANCHORS.values())
    bits = (missing.astype(np.int64) << np.arange(len(columns))[:, None]).sum(axis=0)
    words_for = np.array(
        [", ".join(c for i, c in enumerate(columns) if code >> i & 1) or None for code in range(1 << len(columns))],
        dtype=object,
    )
    return words_for[bits]


# --------------------------------------------------------------------------- one route


def _one_route(orders: pd.DataFrame, today: np.datetime64, pack: Pack, base_zone: str | None) -> pd.DataFrame:
    """The rows of one route: the positions of the orders it covers, each with its window on ``today``."""
    dates = _dates_in(orders, pack.timer_zone, base_zone)
    covered, because = _covered(orders, pack, dates)
    if pack.windows:
        frame = _windows_by_rules(orders, today, pack, dates)
    else:
        frame = _classic_window(orders, today, pack, dates if pack.timer_zone != base_zone else None)
    keep = covered & (frame["status_code"].to_numpy() >= 0)
    frame["covered_because"] = because
    frame = frame.loc[keep]
    frame.insert(0, "position", np.flatnonzero(keep))
    return frame.reset_index(drop=True)


def _windows_by_rules(orders: pd.DataFrame, today: np.datetime64, pack: Pack, dates) -> pd.DataFrame:
    """A ``[windows.*]`` pack's window per order; ``status`` missing where no window applies."""
    n = len(orders)
    countries = (
        orders["buyer_country"].astype("string").fillna("").to_numpy(object)
        if "buyer_country" in orders.columns
        else np.full(n, "", dtype=object)
    )
    problem = orders["problem"].astype("string") if "problem" in orders.columns else pd.Series(pd.NA, index=orders.index)
    which = np.full(n, -1, dtype=np.int64)
    names = list(pack.windows)
    if "default" in pack.windows:
        which[:] = names.index("default")
    for i, name in enumerate(names):
        if name != "default":
            which[(problem == name).fillna(False).to_numpy(bool)] = i
    opens = np.full(n, np.datetime64("NaT", "ns"))
    ends = np.full(n, np.datetime64("NaT", "ns"))
    missing = np.zeros((len(WINDOW_ANCHORS), n), dtype=bool)
    for i, name in enumerate(names):
        rows = which == i
        if rows.any():
            o, e, m = _window_rows(pack.windows[name], pack, dates, countries)
            opens[rows], ends[rows], missing[:, rows] = o[rows], e[rows], m[:, rows]
    needs = missing.any(axis=0)
    opens[needs], ends[needs] = np.datetime64("NaT"), np.datetime64("NaT")
    never = ~needs & (ends <= opens)  # closes before it opens: the window never opens
    opens[never], ends[never] = np.datetime64("NaT"), np.datetime64("NaT")
    first_day = local_dates(opens, pack.timer_zone)
    last_day = local_dates(ends - np.timedelta64(1, "ns"), pack.timer_zone)
    codes = np.select(
        [which < 0, needs, never | (today > last_day), today < first_day],
        [-1, ROUTE_STATUSES.index("needs_data"), ROUTE_STATUSES.index("expired"), ROUTE_STATUSES.index("too_early")],
        default=ROUTE_STATUSES.index("open"),
    )
    return _window_frame(orders.index, codes, first_day, last_day, ends, _missing_text(missing), today)


def _classic_window(
    orders: pd.DataFrame, today: np.datetime64, pack: Pack, dates: Mapping[str, np.ndarray] | None
) -> pd.DataFrame:
    """The classic marketplace window, as ``disputelib eligibility`` computes it.

    ``dates``: the anchors placed in the pack's zone, when the orders' typed dates are in another.
    """
    placed = orders
    if dates is not None:
        placed = orders.copy(deep=False)
        for anchor, typed in _TYPED.items():
            if typed in orders.columns:
                placed[typed] = pd.Series(dates[anchor].astype("datetime64[s]"), index=orders.index)
    table = compute_windows(placed, today, pack)
    status = table["status"].astype("string")
    missing = table["missing"].astype("string") if "missing" in table.columns else pd.Series(pd.NA, index=table.index)
    not_shipped = (status == "not_shipped").fillna(False).to_numpy(bool)
    partial = (status == "needs_data").fillna(False).to_numpy(bool)
    missing = missing.where(partial, pd.NA).mask(pd.Series(not_shipped, index=table.index), "shipped_at")
    mapped = status.replace({"not_shipped": "needs_data"}).where(status != "cancelled", pd.NA)
    codes = pd.Categorical(mapped, categories=ROUTE_STATUSES).codes.astype(np.int64)
    closes = table["window_closes"].to_numpy("datetime64[s]").astype("datetime64[D]")
    opens = table["window_opens"].to_numpy("datetime64[s]").astype("datetime64[D]")
    ends = table["deadline"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
    return _window_frame(orders.index, codes, opens, closes, ends, missing.to_numpy(object), today)


def _window_frame(index, codes, first_day, last_day, ends, missing, today) -> pd.DataFrame:
    is_open = codes == ROUTE_STATUSES.index("open")
    first_day = np.where(codes == ROUTE_STATUSES.index("needs_data"), _NAT, first_day)
    left = pd.array(np.where(is_open, (last_day - today).astype("int64"), 0), dtype="Int64")
    left[~is_open] = pd.NA
    return pd.DataFrame(
        {
            "status_code": codes.astype(np.int8),  # -1: no window applies
            "window_opens": first_day.astype("datetime64[s]"),
            "window_closes": last_day.astype("datetime64[s]"),
            "deadline_utc": ends,
            "days_left": left,
            "missing": pd.array(missing, dtype="string"),
        },
        index=index,
    )


# --------------------------------------------------------------------------- summaries


def recoverable_by_day(table: pd.DataFrame, as_of: AsOf, days: int = 60, value: str = "claim_usd") -> pd.DataFrame:
    """US dollars still recoverable through each route on each day from ``as_of``.

    A route counts on a day when its window is open that day (``window_opens`` <= day <=
    ``window_closes``); routes that need data are left out (their windows are unknown).

    Parameters
    ----------
    table
        :func:`route_table`'s table (or :attr:`Routes.table`).
    as_of
        The first day.
    days
        How many days after ``as_of`` to cover (``as_of`` itself is day 0).
    value
        The column to add up: ``claim_usd`` (what a dispute would claim) or ``amount_usd``.

    Returns
    -------
    pandas.DataFrame
        Index ``day`` (dates ``as_of`` .. ``as_of + days``), one column per route (in the
        order of first appearance), the sum of ``value`` over that route's open windows.

    Examples
    --------
    >>> t = pd.DataFrame({"route": ["paypal"], "window_opens": pd.to_datetime(["2026-01-01"]),
    ...     "window_closes": pd.to_datetime(["2026-01-02"]), "claim_usd": [5.0]})
    >>> recoverable_by_day(t, "2026-01-01", 2)["paypal"].tolist()
    [5.0, 5.0, 0.0]
    """
    if days < 0:
        raise ValueError(f"days must be zero or more, not {days}")
    first = as_date(as_of)
    day = first + np.arange(days + 1).astype("timedelta64[D]")
    opens = table["window_opens"].to_numpy("datetime64[s]").astype("datetime64[D]")
    closes = table["window_closes"].to_numpy("datetime64[s]").astype("datetime64[D]")
    amount = pd.to_numeric(table[value], errors="coerce").fillna(0).to_numpy("float64")
    known = ~(np.isnat(opens) | np.isnat(closes))
    routes_seen = pd.unique(table["route"].astype(str))
    out = {}
    for name in routes_seen:
        rows = known & (table["route"].astype(str) == name).to_numpy(bool)
        # a window adds its amount from its first open day to the day after its last: a running sum
        start = np.clip((opens[rows] - first).astype(np.int64), 0, days + 1)
        stop = np.clip((closes[rows] - first).astype(np.int64) + 1, 0, days + 1)
        live = stop > start
        change = np.zeros(days + 2)
        np.add.at(change, start[live], amount[rows][live])
        np.add.at(change, stop[live], -amount[rows][live])
        out[str(name)] = np.round(np.cumsum(change)[: days + 1], 2)
    return pd.DataFrame(out, index=pd.DatetimeIndex(day.astype("datetime64[s]"), name="day"))


def open_route_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Orders by how many of their routes are open: ``orders`` and ``share``, indexed ``"1 open route"``...

    Every order of ``table`` counts, those with no open route under ``"0 open routes"``.

    Examples
    --------
    >>> t = pd.DataFrame({"order_id": ["A", "A", "B"], "status": ["open", "open", "expired"]})
    >>> open_route_counts(t)["orders"].to_dict()
    {'0 open routes': 1, '2 open routes': 1}
    """
    is_open = table["status"].astype(str).eq("open").to_numpy(bool)
    per_order = table.loc[is_open].groupby("order_id", sort=False).size()
    per_order = per_order.reindex(pd.unique(table["order_id"]), fill_value=0)
    spread = per_order.value_counts().sort_index()
    labels = [f"{n} open route" + ("" if n == 1 else "s") for n in spread.index]
    return pd.DataFrame(
        {"orders": spread.to_numpy(), "share": spread.to_numpy() / max(len(per_order), 1)},
        index=pd.Index(labels, name="open routes"),
    )


def closing_soon(table: pd.DataFrame, as_of: AsOf, soon_days: int) -> pd.DataFrame:
    """Orders whose last route still to come closes within ``soon_days`` of ``as_of``.

    An order's last route is the latest ``window_closes`` among its routes that are open
    or too early; an order with a route that needs data is left out (that route's close is
    unknown), as is one whose routes have all expired.

    Returns
    -------
    pandas.DataFrame
        One row per such order, soonest first: ``order_id``, ``last_route``,
        ``last_closes``, ``days_left`` (to ``last_closes``), ``routes_open`` (the open
        routes' names), ``claim_usd``.
    """
    if soon_days < 0:
        raise ValueError(f"soon_days must be zero or more, not {soon_days}")
    today = pd.Timestamp(as_date(as_of))
    status = table["status"].astype(str)
    unknown = set(table.loc[status.eq("needs_data").to_numpy(bool), "order_id"])
    live = table.loc[status.isin(["open", "too_early"]).to_numpy(bool) & ~table["order_id"].isin(unknown).to_numpy(bool)]
    columns = ["order_id", "last_route", "last_closes", "days_left", "routes_open", "claim_usd"]
    if live.empty:
        return pd.DataFrame(columns=columns)
    last = live.sort_values(["order_id", "window_closes"], kind="stable").groupby("order_id", sort=False).tail(1)
    open_names = (
        live[live["status"].astype(str).eq("open")]
        .groupby("order_id", sort=False)["route"]
        .agg(lambda r: ", ".join(map(str, r)))
    )
    out = pd.DataFrame(
        {
            "order_id": last["order_id"].to_numpy(),
            "last_route": last["route"].astype(str).to_numpy(),
            "last_closes": last["window_closes"].to_numpy(),
            "days_left": (last["window_closes"] - today).dt.days.to_numpy(),
            "routes_open": last["order_id"].map(open_names).fillna("").to_numpy(),
            "claim_usd": last["claim_usd"].to_numpy(),
        }
    )
    out = out[out["days_left"] <= soon_days]
    return out.sort_values(["days_left", "order_id"], kind="stable", ignore_index=True)[columns]


__all__ = [
    "DEFAULT_ROUTES",
    "ROUTE_COLUMNS",
    "ROUTE_STATUSES",
    "Routes",
    "RoutesError",
    "add_months",
    "marketplace_matches",
    "closing_soon",
    "open_route_counts",
    "recoverable_by_day",
    "route_packs",
    "route_table",
    "routes",
]

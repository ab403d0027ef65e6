"""An auditor for dispute event logs: does a real history obey the pack's rules?

:func:`check_log` reads a log of dispute events (one row per event: ``dispute_id``,
``order_id``, ``event``, ``at``, ``amount_usd``) and reports every broken rule as a
finding. It replays every dispute through the pack's transition table
(:mod:`disputelib.lifecycle`) all at once: events are sorted by dispute and time, each
event becomes a small function from state to state, and those functions are composed
along each dispute by a segmented prefix scan (``log2`` of the longest dispute steps, each
one vectorised over the whole log). No Python code runs per event.

Rules (``severity``: ``error`` the log breaks a rule, ``warning`` the platform missed its
own promise):

=======================  ========  ==========================================================
rule                     severity  meaning
=======================  ========  ==========================================================
unreadable_row           error     a missing ``dispute_id`` or a missing / unreadable ``at``
                                   (the row is reported, not checked further), or an
                                   ``amount_usd`` that is not a number
unknown_event            error     an event outside :data:`disputelib.lifecycle.EVENTS`
out_of_order             error     a row earlier in time than the row before it of the same
                                   dispute, in the log's own order
first_not_opened         error     a dispute whose first event (in time) is not ``opened``
unknown_order            error     (with orders) an ``opened`` whose order is not in the orders
opened_outside_window    error     (with orders) ``opened`` before the window opens or after it closes
claim_above_paid         error     (with orders) an ``opened`` / ``modified`` amount above the amount paid
early_escalation         error     the buyer escalated before any seller answer, or before
                                   the pack's ``buyer_escalation`` day
early_auto_event         error     a timer event (``auto_escalated``, or the legacy pack's
                                   silence refund) before its timer ran out
missing_auto_event       error     a timer ran out and its event did not come within a day
                                   (a platform job may run late): reported on the event that
                                   came instead, on the timer event itself when more than a
                                   day late, or on the last event when the log (``as_of``)
                                   runs on more than a day after the timer
auto_refund_amount       error     an automatic ``platform_decided`` on seller silence (legacy
                                   pack) of another amount than the buyer's claim
after_close              error     a negotiation event after ``buyer_accepted``,
                                   ``platform_decided`` or ``buyer_cancelled``
illegal_transition       error     any other step the transition table does not allow
late_return              error     a ``return_shipped`` after the pack's ``return_shipping``
                                   timer ran out (counted from the ``buyer_accepted`` or
                                   ``platform_decided`` that called for the return, like any
                                   firing timer: through date + offset, in the timer zone)
refund_after_seller_won  error     a ``return_shipped``, ``refund_issued`` or
                                   ``refund_received`` after a ``platform_decided`` of 0 USD
late_refund              warning   ``refund_received`` after the promised ``refund_latest``
                                   business days (counted from the decision, or from the
                                   return's arrival when goods were returned)
=======================  ========  ==========================================================

An illegal event is reported and then skipped: the dispute goes on from the state it was
in. A dispute's events with equal timestamps are legal and keep the log's order. The
lifecycle rules are judged by the one replay engine (:mod:`disputelib.replay`) that the
simulator and :class:`disputelib.lifecycle.Dispute` use too; this module reads the log,
adds the log-order, order and refund-promise rules, and writes the findings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from disputelib import contracts, intake
from disputelib import lifecycle as lc
from disputelib import replay as rp
from disputelib.clock import AsOf, AsOfError, end_of_day, local_dates, parse_as_of, to_instants
from disputelib.columns import number_column, text_column, time_column
from disputelib.policy import Pack, load_dispute_pack
from disputelib.refunds import arrival_window, business_days_between
from disputelib.windows import eligibility

REQUIRED_COLUMNS: tuple[str, ...] = contracts.EVENTS.required
FINDING_COLUMNS: tuple[str, ...] = contracts.FINDINGS.names
SEVERITIES: tuple[str, ...] = ("error", "warning")

#: rule -> severity.
RULES: dict[str, str] = {
    "unreadable_row": "error",
    "unknown_event": "error",
    "out_of_order": "error",
    "first_not_opened": "error",
    "unknown_order": "error",
    "opened_outside_window": "error",
    "claim_above_paid": "error",
    "early_escalation": "error",
    "early_auto_event": "error",
    "missing_auto_event": "error",
    "auto_refund_amount": "error",
    "after_close": "error",
    "illegal_transition": "error",
    "late_return": "error",
    "refund_after_seller_won": "error",
    "late_refund": "warning",
}



class LogColumnsError(intake.ColumnsError):
    """An event log without a required column."""


@dataclass(frozen=True)
class AuditResult:
    """The result of :func:`check_log`.

    Attributes
    ----------
    findings
        ``dispute_id``, ``rule``, ``severity``, ``message`` (one sentence, naming the input
        row), sorted by dispute (first appearance in the log) and row.
    disputes
        One row per dispute id in the log: ``dispute_id``, ``events`` (rows read),
        ``state`` (after replaying the legal events), ``errors``, ``warnings``.
    n_events
        Rows read.
    pack
        The pack's name.
    """

    findings: pd.DataFrame
    disputes: pd.DataFrame
    n_events: int
    pack: str

    @property
    def errors(self) -> int:
        return int((self.findings["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.findings["severity"] == "warning").sum())

    @property
    def counts(self) -> pd.Series:
        """Findings per rule (rules with none left out), in the order of :data:`RULES`."""
        counts = self.findings["rule"].value_counts()
        return pd.Series({r: int(counts[r]) for r in RULES if r in counts}, dtype="int64", name="findings")

    def at_or_above(self, severity: str) -> int:
        """Findings of ``severity`` or worse (``"warning"`` counts errors too)."""
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
        return self.errors if severity == "error" else self.errors + self.warnings

    def summary(self) -> str:
        """One line: what was checked and what was found."""
        return summary_line(self.n_events, len(self.disputes), self.pack, self.counts.to_dict())


def summary_line(n_events: int, n_disputes: int, pack: str, counts: dict[str, int]) -> str:
    """The line of :meth:`AuditResult.summary` from counts: findings per rule in ``counts``."""
    errors = sum(n for rule, n in counts.items() if RULES[rule] == "error")
    warnings = sum(n for rule, n in counts.items() if RULES[rule] == "warning")
    by_rule = ", ".join(f"{r} {counts[r]}" for r in RULES if counts.get(r))
    found = f"{errors} errors, {warnings} warnings" + (f" ({by_rule})" if by_rule else "")
    return f"checked {n_events} events in {n_disputes} disputes ({pack}): {found}"


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    return text_column(frame, name).reset_index(drop=True)


class _Findings:
    """Findings as they are found: rule, input rows, dispute keys and messages."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, rule: str, keys: np.ndarray, rows: np.ndarray, ids, messages) -> None:
        if len(rows) == 0:
            return
        self.parts.append(
            pd.DataFrame(
                {
                    "_key": np.asarray(keys, dtype=np.int64),
                    "_row": np.asarray(rows, dtype=np.int64),
                    "dispute_id": pd.Series(np.asarray(ids, dtype=object), dtype="string"),
                    "rule": rule,
                    "severity": RULES[rule],
                    "message": pd.Series(np.asarray(messages, dtype=object), dtype="string"),
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in FINDING_COLUMNS})
        out = pd.concat(self.parts, ignore_index=True)
        out["_key"] = out["_key"].where(out["_key"] >= 0, np.iinfo(np.int64).max)
        out = out.sort_values(["_key", "_row"], kind="stable")
        return out[list(FINDING_COLUMNS)].reset_index(drop=True).astype("string")


@dataclass
class _Log:
    """An event log as read: per input row, its dispute key, instant, amount and event text."""

    key: np.ndarray
    ids: pd.Index
    id_obj: np.ndarray
    rowtxt: np.ndarray
    at: np.ndarray
    amount: np.ndarray
    event: pd.Series
    valid: np.ndarray
    found: _Findings

    def add(self, rule: str, rows: np.ndarray, messages) -> None:
        """A finding on input rows; messages start with the row number."""
        self.found.add(rule, self.key[rows], rows, self.id_obj[rows], "row " + self.rowtxt[rows] + ": " + messages)


def _require(events: pd.DataFrame, with_orders: bool) -> None:
    required = REQUIRED_COLUMNS + (("order_id",) if with_orders else ())
    intake.require(events, required, "the event log", LogColumnsError)


def _read(events: pd.DataFrame, zone: str, row_numbers: np.ndarray | None = None) -> _Log:
    """Read the log's columns; rows that cannot be read are reported (``unreadable_row``), never dropped.

    Besides a missing id or timestamp, a row is unreadable when the reader had to cut it
    short (too many fields), when a column we read was not valid UTF-8 text there, when its
    timestamp is a word such as ``today`` or lies outside 1970-01-01 to 2199-12-31, or when
    its amount is not a number. Unreadable rows are not replayed. ``row_numbers`` (1-based,
    one per row) are the numbers messages give the rows, ``1..n`` when None (a part of a
    larger log passes each row's number in the whole log).
    """
    attrs = dict(events.attrs)
    n = len(events)
    dispute = _text(events, "dispute_id")
    key, ids = pd.factorize(dispute, use_na_sentinel=True)
    raw_at = events["at"].reset_index(drop=True)
    safe_at, outside, relative = time_column(events.reset_index(drop=True), "at")
    at, at_bad = to_instants(safe_at, zone)
    values, amount_bad = number_column(events, "amount_usd", attrs.get(intake.DECIMAL_ATTR, "."))
    cut = np.zeros(n, dtype=bool)
    cut_text = np.full(n, "", dtype=object)
    for position, why in attrs.get(intake.BAD_ROWS_ATTR, {}).items():
        if 0 <= position < n:
            cut[position], cut_text[position] = True, why
    for name in attrs.get(intake.NOT_UTF8_ATTR, ()):
        if name in ("dispute_id", "order_id", "event", "at") and name in events.columns:
            broken = _text(events, name).str.contains("\ufffd", regex=False).fillna(False).to_numpy(bool)
            cut_text[broken & ~cut] = f"'{name}' is not valid UTF-8 text"
            cut |= broken
    if (cut | outside).any():  # a new array: the instants of a datetime column are a read-only view of it
        at = np.where(cut | outside, np.datetime64("NaT", "ns"), at)
    at_bad = (at_bad | relative) & ~cut & ~outside
    amount_bad = amount_bad & ~cut
    no_id = dispute.isna().to_numpy(bool) & ~cut
    log = _Log(key=key.astype(np.int64), ids=ids, id_obj=dispute.astype(object).where(dispute.notna(), None).to_numpy(),
               rowtxt=(np.arange(1, n + 1) if row_numbers is None else np.asarray(row_numbers)).astype(str).astype(object), at=at,
               amount=values.to_numpy("float64"), event=_text(events, "event").str.lower(),
               valid=~(no_id | np.isnat(at) | cut), found=_Findings())  # fmt: skip
    log.add("unreadable_row", np.flatnonzero(cut), cut_text[cut].astype(object))
    log.add("unreadable_row", np.flatnonzero(no_id), "missing dispute_id")
    log.add("unreadable_row", np.flatnonzero(np.isnat(at) & ~at_bad & ~outside & ~cut), "missing timestamp in 'at'")
    r = np.flatnonzero(outside & ~cut)
    log.add("unreadable_row", r, "timestamp '" + raw_at.iloc[r].astype("string").to_numpy(object)
            + "' in 'at' is outside 1970-01-01 to 2199-12-31")  # fmt: skip
    r = np.flatnonzero(at_bad)
    log.add("unreadable_row", r, "unreadable timestamp '" + raw_at.iloc[r].astype("string").to_numpy(object)
            + "' in 'at' (use ISO 8601, e.g. 2026-03-12T09:30:00-07:00)")  # fmt: skip
    r = np.flatnonzero(amount_bad)
    log.add("unreadable_row", r, "amount_usd '" + _text(events, "amount_usd")[r].to_numpy(object) + "' is not a number")
    return log


def _out_of_order(log: _Log, zone: str) -> None:
    """Rows earlier in time than the row before them of the same dispute, in the log's own order."""
    vrows = np.flatnonzero(log.valid)
    t = log.at.astype("int64")
    file_order = vrows[np.argsort(log.key[vrows], kind="stable")]
    same = log.key[file_order][1:] == log.key[file_order][:-1]
    back = same & (t[file_order][1:] < t[file_order][:-1])
    r, prev = file_order[1:][back], file_order[:-1][back]
    log.add("out_of_order", r, log.event[r].fillna("?").to_numpy(object) + " at " + rp.iso(t[r], zone)
            + " is earlier than row " + log.rowtxt[prev] + " of the same dispute, at " + rp.iso(t[prev], zone))  # fmt: skip


def _replay(log: _Log, pack: Pack, end: int | None) -> tuple[rp.Replay, np.ndarray]:
    """Replay the readable rows; returns the replay and the input row of each of its positions."""
    vrows = np.flatnonzero(log.valid)
    text = log.event.to_numpy(object)[vrows]
    result = rp.run(rp.Engine.of(pack), log.key[vrows], log.at[vrows].astype("int64"), lc.codes(text, lc.EVENTS),
                    log.amount[vrows], text, end)  # fmt: skip
    rows = vrows[result.order]
    p = result.problems
    for rule, part in p.groupby("rule", sort=False):
        log.add(rule, rows[part["pos"].to_numpy()], part["message"].to_numpy(object))
    return result, rows


def _order_rules(r: rp.Replay, rows: np.ndarray, log: _Log, events: pd.DataFrame,
                 orders: pd.DataFrame | tuple[pd.DataFrame, pd.Series], pack: Pack) -> np.ndarray:  # fmt: skip
    """Unknown orders, openings outside the order's window, claims above the amount paid.

    ``orders`` is the caller's frame, or the pair :func:`_orders_table` made of it for the
    log's last day. Returns the buyer country of each replay position from the orders
    (None where unknown).
    """
    order_text = _text(events, "order_id")[rows].reset_index(drop=True)
    per_dispute = order_text.to_numpy(object)[_segment_first(order_text.notna().to_numpy(bool), r.head)]
    table, reasons = orders if isinstance(orders, tuple) else _orders_table(orders, _last_day(r.end, pack), pack)
    where = pd.Index(table["order_id"]).get_indexer(pd.Series(per_dispute, dtype="string"))
    hit, j = where >= 0, np.maximum(where, 0)
    opened = r.legal & (r.ev == lc.EVENTS.index("opened"))
    # once per dispute: on its opening, or on its first row when the log holds no opening
    has_opening = np.zeros(int(r.key.max()) + 1 if len(r.key) else 0, dtype=bool)
    has_opening[r.key[opened]] = True
    sel = np.flatnonzero((opened | (r.head & ~has_opening[r.key])) & ~hit)
    name = pd.Series(per_dispute[sel], dtype="string")
    why = pd.Series(reasons.reindex(name.fillna("").to_numpy()).to_numpy(), dtype="string")
    log.add("unknown_order", rows[sel], np.where(
        name.isna(), np.where(opened[sel], "opened without an order_id", "no order_id on the dispute's rows"),
        "order " + name.fillna("").to_numpy().astype(object) + " is not in the orders"
        + np.where(why.notna(), " (rejected: " + why.fillna("").to_numpy().astype(object) + ")", "")))  # fmt: skip
    opens = table["window_opens"].to_numpy("datetime64[D]")[j]
    closes = table["window_closes"].to_numpy("datetime64[D]")[j]
    early = opened & hit & (np.isnat(opens) | (r.dates < opens))
    sel = np.flatnonzero(early)
    log.add("opened_outside_window", rows[sel], np.where(
        np.isnat(opens[sel]), "opened on " + rp.days(r.dates[sel]) + " but the order was not shipped",
        "opened on " + rp.days(r.dates[sel]) + ", before the order's window opens on " + rp.days(opens[sel])))  # fmt: skip
    sel = np.flatnonzero(opened & hit & ~early & (r.dates > closes))
    log.add("opened_outside_window", rows[sel], "opened on " + rp.days(r.dates[sel])
            + ", after the order's window closed on " + rp.days(closes[sel]))  # fmt: skip
    paid = table["amount_usd"].to_numpy("float64")[j]
    claims = r.legal & hit & np.isin(r.ev, [lc.EVENTS.index("opened"), lc.EVENTS.index("modified")])
    sel = np.flatnonzero(claims & (r.amount > paid + 0.005))
    log.add("claim_above_paid", rows[sel],
            r.text[sel].astype(object) + " claims " + pd.Series(r.amount[sel]).map("{:.2f}".format).to_numpy(object)
            + " USD, more than the " + pd.Series(paid[sel]).map("{:.2f}".format).to_numpy(object)
            + " USD paid for order " + per_dispute[sel].astype(object))  # fmt: skip
    return np.where(hit, table["buyer_country"].to_numpy(object)[j], None)


def _late_refunds(r: rp.Replay, rows: np.ndarray, log: _Log, country: np.ndarray, pack: Pack) -> None:
    """Refunds received later than the promised business days after the decision or the return's arrival."""
    ev = {name: i for i, name in enumerate(lc.EVENTS)}
    won = r.legal & (r.ev == ev["platform_decided"]) & (r.amount == 0)
    seller_won = rp.anchor_index(won, r.start, latest=True) >= 0
    decision = r.legal & np.isin(r.ev, [ev[e] for e in lc.DECISION_EVENTS]) & ~won
    start_at = rp.anchor_index(decision | (r.legal & (r.ev == ev["return_received"])), r.start, latest=True)
    sel = np.flatnonzero(r.legal & (r.ev == ev["refund_received"]) & (start_at >= 0) & ~seller_won)
    if not len(sel):
        return
    from_day = r.dates[start_at[sel]]
    where_to = pd.Series(country[sel], dtype="object").where(pd.notna(country[sel]), None)
    promised = arrival_window(pd.Series(from_day.astype("datetime64[s]")), where_to, pack)["refund_latest"]
    promised = promised.to_numpy("datetime64[D]")
    got = r.dates[sel]
    later = got > promised
    sel, promised, got, from_day = sel[later], promised[later], got[later], from_day[later]
    behind = business_days_between(promised, got, where_to[later].reset_index(drop=True))
    what = np.where(r.ev[start_at[sel]] == ev["return_received"], "the return's arrival", "the decision")
    cal = pd.Series(where_to[later].to_numpy(), dtype="string").fillna("weekends only").to_numpy(object)
    log.add("late_refund", rows[sel],
            "refund received on " + rp.days(got) + ", " + behind.astype(str).astype(object)
            + " business days after the promised latest " + rp.days(promised) + " ("
            + str(pack.timer("refund_latest").offset) + " business days after " + what.astype(object) + " on "
            + rp.days(from_day) + ", calendar " + cal + ")")  # fmt: skip


def _segment_first(mask: np.ndarray, head: np.ndarray) -> np.ndarray:
    """For each position, the first masked position of its dispute (anywhere in it); the dispute's first if none."""
    pos = np.arange(len(mask))
    heads = np.flatnonzero(head)
    first = np.minimum.reduceat(np.where(mask, pos, len(mask)), heads)
    first = np.where(first < len(mask), first, heads)
    return first[np.cumsum(head) - 1]


def _last_day(end: int, pack: Pack) -> np.datetime64:
    """The calendar day, in the pack's timer zone, of the last instant before ``end``."""
    return local_dates(np.array([end - 1]).astype("datetime64[ns]"), pack.timer_zone)[0].astype("datetime64[D]")


def _orders_table(orders: pd.DataFrame, as_of_day: np.datetime64, pack: Pack) -> tuple[pd.DataFrame, pd.Series]:
    """Orders with ``window_opens``, ``window_closes``, ``amount_usd``; plus reject reasons by order id."""
    if {"window_opens", "window_closes"} <= set(orders.columns):
        table, reasons = orders, pd.Series(dtype="string")
    else:
        result = eligibility(orders, as_of_day, pack)
        table = result.table
        rejected = result.rejects
        ids = _text(rejected, "order_id")
        reasons = pd.Series(rejected["reject_reason"].to_numpy(), index=ids.to_numpy()).astype("string")
        reasons = reasons[reasons.index.notna()]
        reasons = reasons[~reasons.index.duplicated()]
    out = pd.DataFrame({"order_id": _text(table, "order_id")})
    for name in ("window_opens", "window_closes"):
        col = table[name].reset_index(drop=True)
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            col = col.dt.tz_convert(pack.timer_zone).dt.tz_localize(None)
        out[name] = pd.to_datetime(col, errors="coerce").to_numpy("datetime64[D]")
    out["amount_usd"] = pd.to_numeric(table["amount_usd"].reset_index(drop=True), errors="coerce") if "amount_usd" in table else np.nan
    out["buyer_country"] = _text(table, "buyer_country")
    out = out[out["order_id"].notna()].drop_duplicates("order_id", keep="first").reset_index(drop=True)
    return out, reasons


def check_log(
    events: pd.DataFrame,
    orders: pd.DataFrame | None = None,
    pack: Pack | str | None = None,
    as_of: AsOf | None = None,
) -> AuditResult:
    """Check a dispute event log against a pack's lifecycle, timers, windows and promises.

    Parameters
    ----------
    events
        One row per event: ``dispute_id``, ``event``, ``at`` (ISO 8601 with an offset, or
        naive = the pack's timer zone; or a datetime column) required; ``order_id`` and
        ``amount_usd`` used when present, ``buyer_country`` (ISO alpha-2) for the refund
        calendar when present (else the orders').
    orders
        Optional: the ``table`` of :func:`disputelib.eligibility` (``order_id``,
        ``window_opens``, ``window_closes``, ``amount_usd``, ``buyer_country``), or a raw
        order export, which is validated and windowed here. Enables the window, claim
        and order checks.
    pack
        Rule pack name, path or object; the default pack when None.
    as_of
        The calendar day the log runs to (``YYYY-MM-DD`` or a date): it is judged as of the
        end of that day in the pack's timer zone (00:00 of the next day), so a timer that
        ran out by then with its event missing is a finding. The latest ``at`` of the log
        when None.

    Returns
    -------
    AuditResult
        Findings (see the module docstring for the rules), a per-dispute summary and
        counts. The caller's frames are not modified.

    Raises
    ------
    LogColumnsError
        When a required column is missing (``order_id`` is required with ``orders``).
    AsOfError
        When ``as_of`` is not a calendar date, or is before the log's last event.

    Examples
    --------
    >>> log = pd.DataFrame({"dispute_id": ["D1", "D1"], "order_id": ["O1", "O1"],
    ...     "event": ["opened", "buyer_escalated"],
    ...     "at": ["2026-03-01T10:00:00-08:00", "2026-03-02T10:00:00-08:00"],
    ...     "amount_usd": [5.0, None]})
    >>> check_log(log).findings["rule"].tolist()
    ['early_escalation']
    """
    pack = load_dispute_pack(pack)
    events = intake.conform(events, intake.EVENTS)
    _require(events, orders is not None)
    log = _read(events, pack.timer_zone)
    end = _checked_end(as_of, _last_instant(log), pack)
    r, findings = _check(events, log, orders, pack, end)
    return AuditResult(findings=findings, disputes=_per_dispute(log, r, findings), n_events=len(events), pack=pack.name)


def _last_instant(log: _Log) -> int | None:
    """The latest readable ``at`` (ns UTC), None when no row is readable."""
    return int(log.at[log.valid].astype("int64").max()) if log.valid.any() else None


def _checked_end(as_of: AsOf | None, last: int | None, pack: Pack) -> int | None:
    """The end of ``as_of`` in the pack's timer zone (None without it), after checking it is not before ``last``.

    Raises
    ------
    AsOfError
        When ``as_of`` ends before the latest readable event ``last``.
    """
    end = None if as_of is None else int(end_of_day(as_of, pack.timer_zone).value)
    if end is not None and last is not None and end < last:
        text = rp.iso(np.array([last]), pack.timer_zone)[0]
        raise AsOfError(f"as_of {parse_as_of(as_of)} ends before the log's last event at {text}: "
                        f"give a day on or after it")  # fmt: skip
    return end


def _check(events: pd.DataFrame, log: _Log, orders, pack: Pack, end: int | None) -> tuple[rp.Replay, pd.DataFrame]:
    """The rules after reading: order in time, the replay, the orders' rules, the refund promises.

    ``orders`` is None, the caller's frame, or the pair :func:`_orders_table` made of it;
    ``end`` the instant the log runs to (its latest readable ``at`` when None).
    """
    _out_of_order(log, pack.timer_zone)
    r, rows = _replay(log, pack, end)
    country = _text(events, "buyer_country").str.upper().to_numpy(object)[rows]
    if orders is not None and len(rows):
        from_orders = _order_rules(r, rows, log, events, orders, pack)
        country = np.where(pd.isna(country), from_orders, country)
    if len(rows):
        _late_refunds(r, rows, log, country, pack)
    return r, log.found.frame()


def _per_dispute(log: _Log, r: rp.Replay, findings: pd.DataFrame) -> pd.DataFrame:
    n_ids = len(log.ids)
    events = np.bincount(log.key[log.key >= 0], minlength=n_ids)
    state = np.full(n_ids, lc.STATES.index("new"))
    state[r.key[r.tail]] = r.after[r.tail]
    out = pd.DataFrame(
        {
            "dispute_id": pd.Series(np.asarray(log.ids, dtype=object), dtype="string"),
            "events": events.astype("int64"),
            "state": pd.Series(np.array(lc.STATES, dtype=object)[state], dtype="string"),
        }
    )
    for severity, column in (("error", "errors"), ("warning", "warnings")):
        counts = findings.loc[findings["severity"] == severity, "dispute_id"].value_counts()
        out[column] = out["dispute_id"].map(counts).fillna(0).astype("int64")
    return out

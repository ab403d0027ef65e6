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
missing_auto_event       error     a timer ran out and its event did not follow (checked up
                                   to the next event, or to ``as_of`` for the last one)
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
in. A dispute's events with equal timestamps keep the log's order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from disputelib import intake
from disputelib import lifecycle as lc
from disputelib.clock import iso_in_zone, local_dates, to_instants
from disputelib.columns import number_column, text_column, time_column
from disputelib.policy import Pack, load_pack
from disputelib.refunds import arrival_window, business_days_between
from disputelib.windows import eligibility

REQUIRED_COLUMNS: tuple[str, ...] = intake.EVENTS.required
FINDING_COLUMNS: tuple[str, ...] = ("dispute_id", "rule", "severity", "message")
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
    "after_close": "error",
    "illegal_transition": "error",
    "late_return": "error",
    "refund_after_seller_won": "error",
    "late_refund": "warning",
}

_E = {name: i for i, name in enumerate(lc.EVENTS)}
_S = {name: i for i, name in enumerate(lc.STATES)}


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
        by_rule = ", ".join(f"{r} {n}" for r, n in self.counts.items())
        found = f"{self.errors} errors, {self.warnings} warnings"
        return (
            f"checked {self.n_events} events in {len(self.disputes)} disputes ({self.pack}): {found}"
            + (f" ({by_rule})" if by_rule else "")
        )


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    return text_column(frame, name).reset_index(drop=True)


def _amounts(frame: pd.DataFrame, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    values, bad = number_column(frame, "amount_usd", decimal)
    return values.to_numpy("float64"), bad


def _iso(ns: np.ndarray, zone: str) -> pd.Series:
    instants = pd.DatetimeIndex(ns).tz_localize("UTC")
    return iso_in_zone(instants, zone).astype("string").fillna("?")


def _days(days: np.ndarray) -> pd.Series:
    return pd.Series(np.datetime_as_string(np.asarray(days, "datetime64[D]")), dtype="string")


def _compose_along(functions: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Segmented inclusive scan of state functions: row i becomes f_i ∘ ... ∘ f_first.

    ``functions[i, s]`` is the state after event i from state s; ``depth[i]`` the row's
    position in its dispute. Hillis-Steele doubling: ceil(log2(longest dispute)) steps.
    """
    composed = functions.copy()
    step, longest = 1, int(depth.max()) + 1 if len(depth) else 0
    while step < longest:
        rows = np.flatnonzero(depth >= step)
        composed[rows] = np.take_along_axis(composed[rows], composed[rows - step], axis=1)
        step *= 2
    return composed


def _anchor_index(mask: np.ndarray, start: np.ndarray, latest: bool) -> np.ndarray:
    """For each row, the index of the latest (or first) masked row of its dispute up to it; -1 if none."""
    n = len(mask)
    pos = np.arange(n)
    if latest:
        acc = np.maximum.accumulate(np.where(mask, pos, -1))
        return np.where(acc >= start, acc, -1)
    candidates = np.where(mask, pos, n)
    heads = np.flatnonzero(start == pos)
    first = np.minimum.reduceat(candidates, heads) if n else candidates
    per_row = first[np.searchsorted(heads, pos, side="right") - 1] if n else candidates
    return np.where(per_row <= pos, per_row, -1)


def _segment_first(mask: np.ndarray, head: np.ndarray) -> np.ndarray:
    """For each row, the first masked row of its dispute (anywhere in it); the dispute's first row if none."""
    pos = np.arange(len(mask))
    heads = np.flatnonzero(head)
    first = np.minimum.reduceat(np.where(mask, pos, len(mask)), heads)
    first = np.where(first < len(mask), first, heads)
    return first[np.cumsum(head) - 1]


def _shift_in(values: np.ndarray, head: np.ndarray, fill) -> np.ndarray:
    """The previous row's value within the dispute; ``fill`` on a dispute's first row."""
    out = np.empty_like(values)
    out[0:1] = fill
    out[1:] = values[:-1]
    out[head] = fill
    return out


def _fire(dates: np.ndarray, anchor: np.ndarray, rule: lc.TimerRule) -> np.ndarray:
    """Fire instants (``int64`` ns UTC) of a timer for rows with an anchor; max int64 where none."""
    out = np.full(len(anchor), np.iinfo(np.int64).max)
    has = anchor >= 0
    if has.any():
        uniq, inverse = np.unique(dates[anchor[has]], return_inverse=True)
        out[has] = lc.fire_instants(uniq, rule.offset, rule.zone).astype("int64")[inverse]
    return out


class _Findings:
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
    as_of=None,
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
        When the log ends, for timers still running at a dispute's last event; the latest
        ``at`` of the log when None.

    Returns
    -------
    AuditResult
        Findings (see the module docstring for the rules), a per-dispute summary and
        counts. The caller's frames are not modified.

    Raises
    ------
    LogColumnsError
        When a required column is missing (``order_id`` is required with ``orders``).

    Examples
    --------
    >>> log = pd.DataFrame({"dispute_id": ["D1", "D1"], "order_id": ["O1", "O1"],
    ...     "event": ["opened", "buyer_escalated"],
    ...     "at": ["2026-03-01T10:00:00-08:00", "2026-03-02T10:00:00-08:00"],
    ...     "amount_usd": [5.0, None]})
    >>> check_log(log).findings["rule"].tolist()
    ['early_escalation']
    """
    pack = load_pack(pack)
    zone = pack.timer_zone
    required = REQUIRED_COLUMNS + (("order_id",) if orders is not None else ())
    events = intake.conform(events, intake.EVENTS)
    attrs = dict(events.attrs)
    intake.require(events, required, "the event log", LogColumnsError)
    n = len(events)
    found = _Findings()
    dispute = _text(events, "dispute_id")
    key, ids = pd.factorize(dispute, use_na_sentinel=True)
    key = key.astype(np.int64)
    id_obj = dispute.astype(object).where(dispute.notna(), None).to_numpy()
    rownum = np.arange(1, n + 1)
    rowtxt = pd.Series(rownum).astype("string")
    raw_at = events["at"].reset_index(drop=True)
    safe_at, outside, relative = time_column(events.reset_index(drop=True), "at")
    at, at_bad = to_instants(safe_at, zone)
    at_bad |= relative
    amount, amount_bad = _amounts(events, attrs.get(intake.DECIMAL_ATTR, "."))
    event = _text(events, "event").str.lower()

    # ---- rows that cannot be read: reported, never dropped (nor replayed)
    cut = np.zeros(n, dtype=bool)
    cut_text = np.full(n, "", dtype=object)
    for position, why in attrs.get(intake.BAD_ROWS_ATTR, {}).items():
        if 0 <= position < n:
            cut[position], cut_text[position] = True, ": " + why
    for name in attrs.get(intake.NOT_UTF8_ATTR, ()):
        if name in ("dispute_id", "order_id", "event", "at") and name in events.columns:
            broken = _text(events, name).str.contains("\ufffd", regex=False).fillna(False).to_numpy(bool)
            cut_text[broken & ~cut] = f": '{name}' is not valid UTF-8 text"
            cut |= broken
    at[cut | outside] = np.datetime64("NaT", "ns")
    at_bad &= ~cut
    no_id = dispute.isna().to_numpy(bool) & ~cut
    no_at = np.isnat(at) & ~at_bad & ~outside & ~cut
    for mask, text in (
        (no_id, ": missing dispute_id"),
        (no_at, ": missing timestamp in 'at'"),
    ):
        r = np.flatnonzero(mask)
        found.add("unreadable_row", key[r], r, id_obj[r], "row " + rowtxt[r].to_numpy() + text)
    r = np.flatnonzero(cut)
    found.add("unreadable_row", key[r], r, id_obj[r], "row " + rowtxt[r].to_numpy() + cut_text[r].astype(str))
    r = np.flatnonzero(outside & ~cut)
    shown = raw_at.iloc[r].astype("string").to_numpy()
    found.add("unreadable_row", key[r], r, id_obj[r],
              "row " + rowtxt[r].to_numpy() + ": timestamp '" + shown
              + "' in 'at' is outside 1970-01-01 to 2199-12-31")  # fmt: skip
    r = np.flatnonzero(at_bad)
    shown = raw_at.iloc[r].astype("string").to_numpy()
    found.add("unreadable_row", key[r], r, id_obj[r],
              "row " + rowtxt[r].to_numpy() + ": unreadable timestamp '" + shown
              + "' in 'at' (use ISO 8601, e.g. 2026-03-12T09:30:00-07:00)")  # fmt: skip
    r = np.flatnonzero(amount_bad)
    shown = _text(events, "amount_usd")[r].to_numpy()
    found.add("unreadable_row", key[r], r, id_obj[r],
              "row " + rowtxt[r].to_numpy() + ": amount_usd '" + shown + "' is not a number")  # fmt: skip

    valid = ~(no_id | np.isnat(at) | cut)
    if as_of is None:
        end = at[valid].max() if valid.any() else np.datetime64("NaT", "ns")
    else:
        end = to_instants(pd.Series([as_of]), zone)[0][0]
    end_ns = end.astype("int64") if not np.isnat(end) else np.iinfo(np.int64).max

    # ---- the log's own order within each dispute
    vrows = np.flatnonzero(valid)
    t_all = at.astype("int64")
    file_order = vrows[np.argsort(key[vrows], kind="stable")]
    same = key[file_order][1:] == key[file_order][:-1]
    back = same & (t_all[file_order][1:] < t_all[file_order][:-1])
    r, prev = file_order[1:][back], file_order[:-1][back]
    found.add("out_of_order", key[r], r, id_obj[r],
              "row " + rowtxt[r].to_numpy() + ": " + event[r].fillna("?").to_numpy() + " at "
              + _iso(at[r], zone).to_numpy() + " is earlier than row " + rowtxt[prev].to_numpy()
              + " of the same dispute, at " + _iso(at[prev], zone).to_numpy())  # fmt: skip

    # ---- replay: sort by dispute, time, log order
    order = vrows[np.lexsort((vrows, t_all[vrows], key[vrows]))]
    m = len(order)
    k, t = key[order], t_all[order]
    pos = np.arange(m)
    head = np.r_[True, k[1:] != k[:-1]] if m else np.zeros(0, bool)
    tail = np.r_[k[1:] != k[:-1], True] if m else np.zeros(0, bool)
    start = np.maximum.accumulate(np.where(head, pos, 0)) if m else pos
    ev = lc.codes(event[order].to_numpy(), lc.EVENTS).astype(np.intp)
    dates = local_dates(at[order], zone) if m else np.zeros(0, "datetime64[D]")
    amt = amount[order]

    matrix = lc.transition_matrix(pack).astype(np.intp)
    n_states, n_events = matrix.shape
    identity = np.arange(n_states)
    stay = np.where(matrix >= 0, matrix, identity[:, None])
    stay = np.c_[stay, identity].astype(np.int8)  # last column: unknown events change nothing
    functions = np.ascontiguousarray(stay[:, np.where(ev >= 0, ev, n_events)].T)
    after = _compose_along(functions, pos - start)[:, _S["new"]].astype(np.intp) if m else pos
    before = _shift_in(after, head, _S["new"])
    known = ev >= 0
    legal = known & (matrix[before, np.where(known, ev, 0)] >= 0)
    orow = order  # original row per sorted position

    def emit(rule: str, sel: np.ndarray, messages) -> None:
        found.add(rule, k[sel], orow[sel], id_obj[orow[sel]], "row " + rowtxt[orow[sel]].to_numpy() + ": " + messages)

    sel = np.flatnonzero(~known)
    given = event[orow[sel]]
    emit("unknown_event", sel, np.where(given.isna(), "missing event",
         "unknown event '" + given.fillna("").to_numpy() + "' (known events: " + ", ".join(lc.EVENTS) + ")"))  # fmt: skip

    sel = np.flatnonzero(head & (ev != _E["opened"]))
    emit("first_not_opened", sel,
         "the dispute's first event is " + event[orow[sel]].fillna("(missing)").to_numpy() + " at "
         + _iso(t[sel], zone).to_numpy() + ", not opened")  # fmt: skip

    illegal = known & ~legal & (before != _S["new"])
    messages = lc.message_matrix(pack)
    early_esc = illegal & (ev == _E["buyer_escalated"]) & (before == _S["awaiting_seller"])
    negotiation = np.isin(ev, [_E[e] for e in lc.NEGOTIATION_EVENTS])
    closed = np.isin(before, [_S[s] for s in lc.CLOSED_STATES])
    after_close = illegal & ~early_esc & negotiation & closed
    for rule, mask in (
        ("early_escalation", early_esc),
        ("after_close", after_close),
        ("illegal_transition", illegal & ~early_esc & ~after_close),
    ):
        sel = np.flatnonzero(mask)
        text = messages[before[sel], ev[sel]].astype(object)
        emit(rule, sel, text + " (" + event[orow[sel]].to_numpy().astype(object) + " at "
             + _iso(t[sel], zone).to_numpy() + ")")  # fmt: skip

    # ---- timers
    due_at = np.full(m, np.iinfo(np.int64).max)
    due_ev = np.full(m, -1)
    due_rule = np.full(m, -1)
    due_anchor = np.full(m, -1)
    rules = lc.timer_rules(pack)
    for i, rule in enumerate(rules):
        mark = legal & np.isin(ev, [_E[e] for e in rule.anchor_events])
        if rule.restart:
            mark |= legal & (ev == _E["modified"])
        incl = _anchor_index(mark, start, latest=rule.restart)
        excl = _shift_in(incl, head, -1)
        armed_before = np.isin(before, [_S[s] for s in rule.armed_in])
        if rule.kind == "permits":
            sel = np.flatnonzero(legal & (ev == _E[rule.event]) & armed_before)
            anchor = excl[sel]
            since = dates[np.maximum(anchor, 0)] + np.timedelta64(rule.offset, "D")
            bad = (anchor < 0) | (dates[sel] < since)
            sel, since, anchor = sel[bad], since[bad], anchor[bad]
            since_text = np.where(anchor >= 0, _days(since).to_numpy().astype(object), "the seller's answer")
            emit("early_escalation", sel,
                 "buyer_escalated on " + _days(dates[sel]).to_numpy() + ", before the buyer may escalate (from "
                 + since_text + ": " + rule.name + " is " + rule.anchor + " + " + str(rule.offset) + " days)")  # fmt: skip
            continue
        fire_excl = _fire(dates, excl, rule)
        sel = np.flatnonzero(legal & (ev == _E[rule.event]) & armed_before & (excl >= 0) & (t < fire_excl))
        emit("early_auto_event", sel,
             rule.event + " at " + _iso(t[sel], zone).to_numpy() + " is before the " + rule.name
             + " timer ran out at " + _iso(fire_excl[sel], zone).to_numpy() + " (" + str(rule.offset)
             + " days after " + _days(dates[excl[sel]]).to_numpy() + ")")  # fmt: skip
        fire_incl = _fire(dates, incl, rule)
        armed_after = np.isin(after, [_S[s] for s in rule.armed_in]) & (incl >= 0)
        sooner = armed_after & (fire_incl < due_at)
        due_at = np.where(sooner, fire_incl, due_at)
        due_ev = np.where(sooner, _E[rule.event], due_ev)
        due_rule = np.where(sooner, i, due_rule)
        due_anchor = np.where(sooner, incl, due_anchor)
    next_t = np.where(tail, end_ns, np.r_[t[1:], 0] if m else t)
    next_ev = np.where(tail, -2, np.r_[ev[1:], -2] if m else ev)
    overdue = (due_rule >= 0) & (next_t >= due_at) & (next_ev != due_ev)
    repeated = _shift_in(overdue, head, False) & (due_at == _shift_in(due_at, head, -1))
    sel = np.flatnonzero(overdue & ~repeated)  # one finding per timer that did not fire
    if len(sel):
        names = np.array([r.name for r in rules], dtype=object)[due_rule[sel]]
        offsets = np.array([str(r.offset) for r in rules], dtype=object)[due_rule[sel]]
        wanted = np.array(lc.EVENTS, dtype=object)[due_ev[sel]]
        nxt = sel + 1
        follow = np.where(
            tail[sel],
            "the log runs to " + _iso(np.full(len(sel), end_ns).astype("datetime64[ns]"), zone).to_numpy(),
            "next came " + np.array([*lc.EVENTS, "?", "?"], dtype=object)[next_ev[sel]] + " at "
            + _iso(np.where(tail[sel], t[sel], t[np.minimum(nxt, m - 1)]).astype("datetime64[ns]"), zone).to_numpy(),
        )  # fmt: skip
        emit("missing_auto_event", sel,
             "the " + names + " timer ran out at " + _iso(due_at[sel].astype("datetime64[ns]"), zone).to_numpy()
             + " (" + offsets + " days after " + _days(dates[due_anchor[sel]]).to_numpy() + ") but no "
             + wanted + " followed; " + follow)  # fmt: skip

    # ---- orders: window, claim, unknown order
    country = _text(events, "buyer_country").str.upper()[order].to_numpy(object) if m else np.zeros(0, object)
    if orders is not None and m:
        order_text = _text(events, "order_id")[order].reset_index(drop=True)
        per_dispute = order_text.to_numpy(object)[_segment_first(order_text.notna().to_numpy(bool), head)]
        # The day the log ends, in the timer zone (an end at midnight belongs to the day before).
        last_day = local_dates(np.array([end - np.timedelta64(1, "ns")]), zone)[0] if not np.isnat(end) else end
        table, reasons = _orders_table(orders, last_day.astype("datetime64[D]"), pack)
        where = pd.Index(table["order_id"]).get_indexer(pd.Series(per_dispute, dtype="string"))
        hit = where >= 0
        j = np.maximum(where, 0)
        opened = legal & (ev == _E["opened"])
        sel = np.flatnonzero(opened & ~hit)
        name = pd.Series(per_dispute[sel], dtype="string")
        why = pd.Series(reasons.reindex(name.fillna("").to_numpy()).to_numpy(), dtype="string")
        emit("unknown_order", sel, np.where(
            name.isna(), "opened without an order_id",
            "order " + name.fillna("").to_numpy().astype(object) + " is not in the orders"
            + np.where(why.notna(), " (rejected: " + why.fillna("").to_numpy().astype(object) + ")", "")))  # fmt: skip
        opens = table["window_opens"].to_numpy("datetime64[D]")[j]
        closes = table["window_closes"].to_numpy("datetime64[D]")[j]
        early = opened & hit & (np.isnat(opens) | (dates < opens))
        late = opened & hit & ~early & (dates > closes)
        sel = np.flatnonzero(early)
        emit("opened_outside_window", sel, np.where(
            np.isnat(opens[sel]), "opened on " + _days(dates[sel]).to_numpy() + " but the order was not shipped",
            "opened on " + _days(dates[sel]).to_numpy() + ", before the order's window opens on "
            + _days(opens[sel]).to_numpy()))  # fmt: skip
        sel = np.flatnonzero(late)
        emit("opened_outside_window", sel, "opened on " + _days(dates[sel]).to_numpy()
             + ", after the order's window closed on " + _days(closes[sel]).to_numpy())  # fmt: skip
        paid = table["amount_usd"].to_numpy("float64")[j]
        claims = legal & hit & np.isin(ev, [_E["opened"], _E["modified"]]) & (amt > paid + 0.005)
        sel = np.flatnonzero(claims)
        emit("claim_above_paid", sel,
             event[orow[sel]].to_numpy().astype(object) + " claims " + pd.Series(amt[sel]).map("{:.2f}".format).to_numpy()
             + " USD, more than the " + pd.Series(paid[sel]).map("{:.2f}".format).to_numpy() + " USD paid for order "
             + per_dispute[sel].astype(object))  # fmt: skip
        from_orders = table["buyer_country"].to_numpy(object)[j]
        country = np.where(pd.isna(country) & hit, from_orders, country)

    # ---- after the seller won: no return, no refund
    won = legal & (ev == _E["platform_decided"]) & (amt == 0)
    won_at = _anchor_index(won, start, latest=True)
    seller_won = won_at >= 0
    sel = np.flatnonzero(legal & np.isin(ev, [_E[e] for e in lc.AFTER_SELLER_WON]) & seller_won)
    emit("refund_after_seller_won", sel,
         event[orow[sel]].to_numpy().astype(object) + " at " + _iso(t[sel], zone).to_numpy()
         + ", but the platform decided 0 USD at " + _iso(t[won_at[sel]], zone).to_numpy()
         + ": the seller won, so no return or refund may follow")  # fmt: skip

    # ---- returns shipped after the return_shipping timer ran out
    ret = lc.return_rule(pack)
    if ret is not None:
        agreed = _anchor_index(legal & np.isin(ev, [_E[e] for e in ret.anchor_events]) & ~won, start, latest=True)
        sel = np.flatnonzero(legal & (ev == _E[ret.event]) & (agreed >= 0) & ~seller_won)
        due = _fire(dates, agreed[sel], ret)
        late = t[sel] >= due
        sel, due = sel[late], due[late]
        anchor = agreed[sel]
        emit("late_return", sel,
             "return_shipped at " + _iso(t[sel], zone).to_numpy() + ", but the " + ret.name + " timer ran out at "
             + _iso(due.astype("datetime64[ns]"), zone).to_numpy() + " (" + str(ret.offset) + " days after "
             + np.array(lc.EVENTS, dtype=object)[ev[anchor]] + " on " + _days(dates[anchor]).to_numpy()
             + "): the money goes to the seller")  # fmt: skip

    # ---- refunds later than promised
    if m:
        decision = legal & np.isin(ev, [_E[e] for e in lc.DECISION_EVENTS]) & ~won
        start_at = _anchor_index(decision | (legal & (ev == _E["return_received"])), start, latest=True)
        sel = np.flatnonzero(legal & (ev == _E["refund_received"]) & (start_at >= 0) & ~seller_won)
        if len(sel):
            from_day = dates[start_at[sel]]
            where_to = pd.Series(country[sel], dtype="object").where(pd.notna(country[sel]), None)
            window = arrival_window(pd.Series(from_day.astype("datetime64[s]")), where_to, pack)
            promised = window["refund_latest"].to_numpy("datetime64[D]")
            got = dates[sel]
            later = got > promised
            sel, promised, got, from_day = sel[later], promised[later], got[later], from_day[later]
            behind = business_days_between(promised, got, where_to[later].reset_index(drop=True))
            what = np.where(ev[start_at[sel]] == _E["return_received"], "the return's arrival", "the decision")
            cal = pd.Series(where_to[later].to_numpy(), dtype="string").fillna("weekends only").to_numpy().astype(object)
            emit("late_refund", sel,
                 "refund received on " + _days(got).to_numpy() + ", " + behind.astype(str).astype(object)
                 + " business days after the promised latest " + _days(promised).to_numpy() + " ("
                 + str(pack.timer("refund_latest").offset) + " business days after " + what.astype(object) + " on "
                 + _days(from_day).to_numpy() + ", calendar " + cal + ")")  # fmt: skip

    findings = found.frame()
    return AuditResult(findings=findings, disputes=_per_dispute(ids, key, after, tail, k, findings), n_events=n,
                       pack=pack.name)  # fmt: skip


def _per_dispute(ids, key: np.ndarray, after: np.ndarray, tail: np.ndarray, k: np.ndarray, findings: pd.DataFrame) -> pd.DataFrame:
    n_ids = len(ids)
    events = np.bincount(key[key >= 0], minlength=n_ids)
    state = np.full(n_ids, _S["new"])
    state[k[tail]] = after[tail]
    out = pd.DataFrame(
        {
            "dispute_id": pd.Series(np.asarray(ids, dtype=object), dtype="string"),
            "events": events.astype("int64"),
            "state": pd.Series(np.array(lc.STATES, dtype=object)[state], dtype="string"),
        }
    )
    for severity, column in (("error", "errors"), ("warning", "warnings")):
        counts = findings.loc[findings["severity"] == severity, "dispute_id"].value_counts()
        out[column] = out["dispute_id"].map(counts).fillna(0).astype("int64")
    return out

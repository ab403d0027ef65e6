"""The replay engine: every dispute of an event log run through the pack's lifecycle at once.

One function, :func:`run`, judges every event of a log: the state before and after it, whether
the step is legal and, where it is not, which rule it breaks and why, and the timers running
after it. The log auditor (:func:`disputelib.audit.check_log`), the simulator's step check and
the single-dispute object (:class:`disputelib.lifecycle.Dispute`) are views of this one replay;
there is no second copy of the rules.

How it works: events are sorted by dispute, time and log order (equal timestamps are legal and
keep the log's order), each event becomes a small function from state to state (illegal events
change nothing), and those functions are composed along each dispute by a segmented prefix scan
(``log2`` of the longest dispute steps, each vectorised over the whole log). Timer anchors are
running maxima (or segment minima) over the sorted rows. No Python code runs per event.

Rules judged here (the precedence is the order of :data:`RULES`: a single dispute refuses an
event for the first rule it breaks):

- ``unknown_event``, ``first_not_opened``, ``early_escalation``, ``after_close``,
  ``illegal_transition``: the transition table does not allow the step;
- ``missing_auto_event``: a timer ran out and its event did not come within a day
  (:data:`GRACE`: a platform job may run late), reported on the event that came instead or
  on the dispute's last event when the log ends more than a day after the timer;
- ``early_auto_event``: a timer event before its timer ran out; ``early_escalation`` also
  when the buyer escalates before the pack's ``buyer_escalation`` timer allows it;
- ``auto_refund_amount``: an automatic refund on seller silence of another amount than the
  buyer's claim;
- ``late_return``: a ``return_shipped`` after the ``return_shipping`` timer ran out;
- ``refund_after_seller_won``: a return or refund after a ``platform_decided`` of 0 USD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from disputelib import lifecycle as lc
from disputelib.clock import iso_in_zone, local_dates
from disputelib.policy import Pack

#: Rules the replay judges, in precedence order.
RULES: tuple[str, ...] = (
    "unknown_event",
    "first_not_opened",
    "early_escalation",
    "after_close",
    "illegal_transition",
    "missing_auto_event",
    "early_auto_event",
    "auto_refund_amount",
    "late_return",
    "refund_after_seller_won",
)
#: How late a platform's batch job may run an automatic event after its timer ran out.
GRACE = np.timedelta64(1, "D")
NEVER = np.iinfo(np.int64).max
_GRACE_NS = int(GRACE / np.timedelta64(1, "ns"))
_E = {name: i for i, name in enumerate(lc.EVENTS)}
_S = {name: i for i, name in enumerate(lc.STATES)}


@dataclass(frozen=True)
class Engine:
    """What the replay needs from a pack, computed once: the matrix, its messages, the timers."""

    pack: Pack
    matrix: np.ndarray
    messages: np.ndarray
    rules: tuple[lc.TimerRule, ...]
    limit: lc.TimerRule | None
    silence: str

    @classmethod
    def of(cls, pack: Pack) -> Engine:
        """The engine of a pack, built once per distinct pack content (packs are immutable)."""
        key = (pack.path, repr(pack.raw))
        engine = _ENGINES.get(key)
        if engine is None:
            engine = cls(pack, lc.transition_matrix(pack).astype(np.intp), lc.message_matrix(pack),
                         lc.timer_rules(pack), lc.return_rule(pack), lc.silence_event(pack))  # fmt: skip
            if len(_ENGINES) > 64:  # what-if runs make many packs; keep the cache small
                _ENGINES.clear()
            _ENGINES[key] = engine
        return engine


_ENGINES: dict[tuple[str, str], Engine] = {}


@dataclass(frozen=True)
class Replay:
    """The replay of a log, one position per event in replay order (dispute, time, log order).

    Attributes
    ----------
    order
        The input row of each position.
    key, t, ev, amount, text
        Dispute key, instant (``int64`` ns UTC), event code (-1 unknown), amount, event text.
    head, tail
        First and last position of each dispute.
    before, after
        State codes (positions in :data:`disputelib.lifecycle.STATES`); an illegal event
        leaves the state as it was.
    legal
        The transition table allows the step (timer rules are judged apart, in ``problems``).
    due_at, due_event, due_timer
        The earliest firing timer running after the event: its instant (``NEVER`` when
        none), the event it fires (-1) and its position in ``engine.rules`` (-1).
    anchors
        Timer name -> position of the event its timer counts from, as of each position (-1).
    problems
        ``pos``, ``rule``, ``message``: every broken rule, in position order then rule order.
    end
        The instant the log runs to (``int64`` ns UTC).
    """

    engine: Engine
    order: np.ndarray
    key: np.ndarray
    t: np.ndarray
    ev: np.ndarray
    amount: np.ndarray
    text: np.ndarray
    head: np.ndarray
    tail: np.ndarray
    start: np.ndarray
    before: np.ndarray
    after: np.ndarray
    legal: np.ndarray
    dates: np.ndarray
    due_at: np.ndarray
    due_event: np.ndarray
    due_timer: np.ndarray
    anchors: dict
    problems: pd.DataFrame
    end: int

    @property
    def zone(self) -> str:
        return self.engine.pack.timer_zone

    def first_problem(self) -> pd.DataFrame:
        """Each position's first broken rule in :data:`RULES` order: ``pos``, ``rule``, ``message``."""
        p = self.problems
        if p.empty:
            return p
        rank = p["rule"].map({r: i for i, r in enumerate(RULES)})
        return p.assign(_rank=rank).sort_values(["pos", "_rank"], kind="stable").drop_duplicates("pos")[
            ["pos", "rule", "message"]]  # fmt: skip


# --------------------------------------------------------------------------- helpers


def iso(ns: np.ndarray, zone: str) -> np.ndarray:
    """ISO 8601 text with the offset in ``zone`` of ``int64`` ns UTC instants (``?`` when missing)."""
    if not len(ns):
        return np.zeros(0, dtype=object)
    instants = pd.DatetimeIndex(np.asarray(ns).astype("datetime64[ns]")).tz_localize("UTC")
    return iso_in_zone(instants, zone).astype("string").fillna("?").to_numpy(object)


def days(values: np.ndarray) -> np.ndarray:
    """ISO dates of ``datetime64[D]`` values, as ``object`` text."""
    return np.datetime_as_string(np.asarray(values, "datetime64[D]")).astype(object)


def shift_in(values: np.ndarray, head: np.ndarray, fill) -> np.ndarray:
    """The previous position's value within the dispute; ``fill`` on a dispute's first position."""
    out = np.empty_like(values)
    out[0:1] = fill
    out[1:] = values[:-1]
    out[head] = fill
    return out


def anchor_index(mask: np.ndarray, start: np.ndarray, latest: bool) -> np.ndarray:
    """For each position, the latest (or first) masked position of its dispute up to it; -1 if none."""
    n = len(mask)
    pos = np.arange(n)
    if latest:
        acc = np.maximum.accumulate(np.where(mask, pos, -1)) if n else pos
        return np.where(acc >= start, acc, -1)
    if not n:
        return pos
    heads = np.flatnonzero(start == pos)
    first = np.minimum.reduceat(np.where(mask, pos, n), heads)
    per_row = first[np.searchsorted(heads, pos, side="right") - 1]
    return np.where(per_row <= pos, per_row, -1)


def _compose_along(functions: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Segmented inclusive scan of state functions: position i becomes f_i ∘ ... ∘ f_first.

    ``functions[i, s]`` is the state after event i from state s; ``depth[i]`` the position
    in its dispute. Hillis-Steele doubling: ceil(log2(longest dispute)) steps.
    """
    composed = functions.copy()
    step, longest = 1, int(depth.max()) + 1 if len(depth) else 0
    while step < longest:
        rows = np.flatnonzero(depth >= step)
        composed[rows] = np.take_along_axis(composed[rows], composed[rows - step], axis=1)
        step *= 2
    return composed


def _ends(r: _Work, anchor: np.ndarray, rule: lc.TimerRule) -> np.ndarray:
    """When ``rule`` runs out (or starts permitting) for positions with an anchor; ``NEVER`` where none."""
    out = np.full(len(anchor), NEVER)
    has = anchor >= 0
    if has.any():
        a = anchor[has]
        out[has] = lc.timer_ends(r.t[a], r.dates[a], rule)
    return out


def _permitted(r: _Work, anchor: np.ndarray, since: np.ndarray, rule: lc.TimerRule) -> np.ndarray:
    """From when the buyer may escalate, in words: a date, an instant, or the seller's answer."""
    shown = np.full(len(anchor), "the seller's answer", dtype=object)
    has = anchor >= 0
    if rule.counts == "elapsed":
        shown[has] = iso(since[has], r.zone)
    else:
        shown[has] = days(local_dates(since[has].astype("datetime64[ns]"), r.zone))
    return shown


def _span(rule: lc.TimerRule) -> str:
    return f"{rule.offset} {'hours' if rule.unit == 'hours' else 'days'}"


def _since(r: _Work, anchor: np.ndarray, rule: lc.TimerRule) -> np.ndarray:
    """What a timer counts from, in words: the anchor's date (calendar days) or instant (elapsed)."""
    if rule.counts == "elapsed":
        return iso(r.t[anchor], r.zone)
    return days(r.dates[anchor])


class _Work:
    """The arrays of one replay while its rules are judged."""

    def __init__(self, engine: Engine, key, t, ev, amount, text, end: int | None) -> None:
        n = len(key)
        order = np.lexsort((np.arange(n), t, key))
        self.engine, self.zone, self.order = engine, engine.pack.timer_zone, order
        self.key, self.t, self.ev = key[order], t[order], ev[order].astype(np.intp)
        self.amount, self.text = amount[order], text[order]
        k = self.key
        self.pos = np.arange(n)
        self.head = np.r_[True, k[1:] != k[:-1]] if n else np.zeros(0, bool)
        self.tail = np.r_[k[1:] != k[:-1], True] if n else np.zeros(0, bool)
        self.start = np.maximum.accumulate(np.where(self.head, self.pos, 0)) if n else self.pos
        self.end = (int(self.t.max()) if n else 0) if end is None else int(end)
        self.dates = local_dates(self.t.astype("datetime64[ns]"), self.zone) if n else np.zeros(0, "datetime64[D]")
        self.parts: list[pd.DataFrame] = []

    def flag(self, rule: str, sel: np.ndarray, messages) -> None:
        """Record ``rule`` broken at positions ``sel``.

        ``messages``: the sentences, or a function of ``sel`` giving them, called only when
        there are positions (building text costs more than finding that nothing is wrong).
        """
        if len(sel):
            text = messages(sel) if callable(messages) else messages
            self.parts.append(pd.DataFrame({"pos": sel, "rule": rule, "message": np.asarray(text, dtype=object)}))

    def at(self, sel: np.ndarray) -> np.ndarray:
        """``EVENT at ISO`` for positions."""
        return self.text[sel].astype(object) + " at " + iso(self.t[sel], self.zone)

    def isin(self, codes: np.ndarray, names, vocabulary: dict) -> np.ndarray:
        return np.isin(codes, [vocabulary[x] for x in names])


# --------------------------------------------------------------------------- the steps


def _states(r: _Work) -> None:
    """State before and after each event, and whether the transition table allows it."""
    matrix = r.engine.matrix
    n_states, n_events = matrix.shape
    identity = np.arange(n_states)
    stay = np.where(matrix >= 0, matrix, identity[:, None])
    stay = np.c_[stay, identity].astype(np.int8)  # last column: unknown events change nothing
    functions = np.ascontiguousarray(stay[:, np.where(r.ev >= 0, r.ev, n_events)].T)
    depth = r.pos - r.start
    r.after = _compose_along(functions, depth)[:, _S["new"]].astype(np.intp) if len(r.pos) else r.pos
    r.before = shift_in(r.after, r.head, _S["new"])
    known = r.ev >= 0
    r.known = known
    r.legal = known & (matrix[r.before, np.where(known, r.ev, 0)] >= 0)


def _table_rules(r: _Work) -> None:
    """Steps the transition table does not allow: unknown, first, early escalation, after close, other."""
    sel = np.flatnonzero(~r.known)
    r.flag("unknown_event", sel, lambda sel: np.where(pd.isna(r.text[sel]), "missing event",
           "unknown event '" + pd.Series(r.text[sel], dtype=object).fillna("").to_numpy(object)
           + "' (known events: " + ", ".join(lc.EVENTS) + ")"))  # fmt: skip
    sel = np.flatnonzero(r.head & (r.ev != _E["opened"]))
    r.flag("first_not_opened", sel, lambda sel: _first_not_opened(r, sel))
    illegal = r.known & ~r.legal & (r.before != _S["new"])
    early = illegal & (r.ev == _E["buyer_escalated"]) & (r.before == _S["awaiting_seller"])
    closed = illegal & ~early & r.isin(r.ev, lc.NEGOTIATION_EVENTS, _E) & r.isin(r.before, lc.CLOSED_STATES, _S)
    for rule, mask in (("early_escalation", early), ("after_close", closed), ("illegal_transition", illegal & ~early & ~closed)):
        r.flag(rule, np.flatnonzero(mask), lambda s: r.engine.messages[r.before[s], r.ev[s]].astype(object)
               + " (" + r.at(s) + ")")  # fmt: skip


def _first_not_opened(r: _Work, sel: np.ndarray) -> np.ndarray:
    shown = pd.Series(r.text[sel], dtype=object).fillna("(missing)").to_numpy(object)
    table = r.engine.messages[_S["new"], np.maximum(r.ev[sel], 0)]
    why = np.array([f"{m}; " if e >= 0 and m else "" for e, m in zip(r.ev[sel], table, strict=True)], dtype=object)
    return why + "the dispute's first event is " + shown + " at " + iso(r.t[sel], r.zone) + ", not opened"


def _timers(r: _Work) -> None:
    """Timer anchors, early timer events, early escalations and the timers running after each event."""
    n = len(r.pos)
    r.due_at, r.due_event, r.due_timer = np.full(n, NEVER), np.full(n, -1), np.full(n, -1)
    r.due_anchor, r.anchors = np.full(n, -1), {}
    for i, rule in enumerate(r.engine.rules):
        mark = r.legal & r.isin(r.ev, rule.anchor_events, _E)
        if rule.restart:
            mark |= r.legal & (r.ev == _E["modified"])
        incl = anchor_index(mark, r.start, latest=rule.restart)
        excl = shift_in(incl, r.head, -1)
        r.anchors[rule.name] = incl
        armed_before = r.isin(r.before, rule.armed_in, _S)
        if rule.kind == "permits":
            sel = np.flatnonzero(r.legal & (r.ev == _E[rule.event]) & armed_before)
            since = _ends(r, excl[sel], rule)
            bad = r.t[sel] < since
            sel, anchor, since = sel[bad], excl[sel][bad], since[bad]
            if len(sel):
                r.flag("early_escalation", sel, "buyer_escalated on " + days(r.dates[sel])
                       + ", before the buyer may escalate (from " + _permitted(r, anchor, since, rule) + ": " + rule.name
                       + " is " + rule.anchor + " + " + _span(rule) + ")")  # fmt: skip
            continue
        fire = _ends(r, excl, rule)
        sel = np.flatnonzero(r.legal & (r.ev == _E[rule.event]) & armed_before & (excl >= 0) & (r.t < fire))
        if len(sel):
            r.flag("early_auto_event", sel, r.at(sel) + " is before the " + rule.name + " timer ran out at "
                   + iso(fire[sel], r.zone) + " (" + _span(rule) + " after " + _since(r, excl[sel], rule) + ")")  # fmt: skip
        fire = _ends(r, incl, rule)
        sooner = r.isin(r.after, rule.armed_in, _S) & (incl >= 0) & (fire < r.due_at)
        r.due_at = np.where(sooner, fire, r.due_at)
        r.due_event = np.where(sooner, _E[rule.event], r.due_event)
        r.due_timer = np.where(sooner, i, r.due_timer)
        r.due_anchor = np.where(sooner, incl, r.due_anchor)


def _missing(r: _Work) -> None:
    """Timers that ran out without their event within :data:`GRACE`: on the event that came instead, or at the log's end."""
    pend_at = shift_in(r.due_at, r.head, NEVER)
    pend_ev = shift_in(r.due_event, r.head, -1)
    pending = pend_at < NEVER
    limit = np.where(pending, pend_at, 0) + _GRACE_NS
    is_due = r.legal & (r.ev == pend_ev)
    # an event that leaves the state (and every timer anchor) as it was, such as evidence
    neutral = ~r.legal | ((r.after == r.before) & (r.ev != _E["modified"]))
    late = r.t > limit
    overdue = pending & np.where(is_due, late, late | ((r.t >= pend_at) & ~neutral))
    repeated = shift_in(overdue, r.head, False) & (pend_at == shift_in(pend_at, r.head, -1))
    rows = np.flatnonzero(overdue & ~repeated)
    ended = r.tail & (r.due_at < NEVER) & (r.end > np.where(r.due_at < NEVER, r.due_at, 0) + _GRACE_NS)
    ended &= ~(overdue & (pend_at == r.due_at))
    ends = np.flatnonzero(ended)
    timer = np.r_[shift_in(r.due_timer, r.head, -1)[rows], r.due_timer[ends]]
    anchor = np.r_[shift_in(r.due_anchor, r.head, -1)[rows], r.due_anchor[ends]]
    ran_out = np.r_[pend_at[rows], r.due_at[ends]]
    if not len(timer):
        return
    rules = r.engine.rules
    names = np.array([x.name for x in rules], dtype=object)[timer]
    spans = np.array([_span(x) for x in rules], dtype=object)[timer]
    wanted = np.array([x.event for x in rules], dtype=object)[timer]
    since = np.empty(len(timer), dtype=object)
    for i, rule in enumerate(rules):
        these = timer == i
        if these.any():
            since[these] = _since(r, anchor[these], rule)
    follow = np.r_[
        np.where(is_due[rows], "it came at " + iso(r.t[rows], r.zone) + ", more than a day late",
                 "next came " + r.at(rows)),
        np.full(len(ends), "the log runs to " + iso(np.array([r.end]), r.zone)[0], dtype=object),
    ]  # fmt: skip
    messages = ("the " + names + " timer ran out at " + iso(ran_out, r.zone) + " (" + spans + " after " + since
                + ") but no " + wanted + " followed; " + follow)  # fmt: skip
    r.flag("missing_auto_event", np.r_[rows, ends], lambda _: messages)


def _outcome_rules(r: _Work) -> None:
    """After the decision: the silence refund's amount, late returns, returns or refunds after the seller won."""
    won = r.legal & (r.ev == _E["platform_decided"]) & (r.amount == 0)
    r.won_at = anchor_index(won, r.start, latest=True)
    seller_won = r.won_at >= 0
    if r.engine.silence == "platform_decided":
        claims = r.legal & r.isin(r.ev, ("opened", "modified"), _E) & ~np.isnan(r.amount)
        claim_at = anchor_index(claims, r.start, latest=True)
        auto = r.legal & (r.ev == _E["platform_decided"]) & r.isin(r.before, lc.SELLER_TURN, _S) & (claim_at >= 0)
        claim = r.amount[np.maximum(claim_at, 0)]
        sel = np.flatnonzero(auto & ~(np.abs(r.amount - claim) <= 0.005))
        r.flag("auto_refund_amount", sel, lambda sel: r.at(sel) + " refunds "
               + pd.Series(r.amount[sel]).map("{:.2f} USD".format).where(~np.isnan(r.amount[sel]), "no amount").to_numpy(object)
               + ", but a silent seller's dispute refunds the buyer's claim of "
               + pd.Series(claim[sel]).map("{:.2f}".format).to_numpy(object) + " USD")  # fmt: skip
    limit = r.engine.limit
    if limit is not None:
        agreed = anchor_index(r.legal & r.isin(r.ev, limit.anchor_events, _E) & ~won, r.start, latest=True)
        sel = np.flatnonzero(r.legal & (r.ev == _E[limit.event]) & (agreed >= 0) & ~seller_won)
        due = _ends(r, agreed[sel], limit)
        late = r.t[sel] >= due
        sel, due, anchor = sel[late], due[late], agreed[sel][late]
        on = " at " if limit.counts == "elapsed" else " on "
        r.flag("late_return", sel, lambda sel: "return_shipped at " + iso(r.t[sel], r.zone) + ", but the " + limit.name
               + " timer ran out at " + iso(due, r.zone) + " (" + _span(limit) + " after "
               + np.array(lc.EVENTS, dtype=object)[r.ev[anchor]] + on + _since(r, anchor, limit)
               + "): the money goes to the seller")  # fmt: skip
    sel = np.flatnonzero(r.legal & r.isin(r.ev, lc.AFTER_SELLER_WON, _E) & seller_won)
    r.flag("refund_after_seller_won", sel, lambda sel: r.at(sel) + ", but the platform decided 0 USD at "
           + iso(r.t[r.won_at[sel]], r.zone) + ": the seller won, so no return or refund may follow")  # fmt: skip


def run(engine: Engine, key: np.ndarray, t: np.ndarray, ev: np.ndarray, amount: np.ndarray, text: np.ndarray,
        end: int | None = None) -> Replay:  # fmt: skip
    """Replay a log given as arrays (rows in any order).

    Parameters
    ----------
    engine
        :meth:`Engine.of` a pack.
    key
        ``int64`` dispute keys (any integers; equal keys are one dispute).
    t
        ``int64`` instants, ns since the epoch in UTC (no missing values).
    ev
        Event codes (positions in :data:`disputelib.lifecycle.EVENTS`, -1 unknown).
    amount
        ``float64`` amounts (NaN where none).
    text
        The events as given, for messages (``object``).
    end
        Instant the log runs to (``int64`` ns UTC); the latest ``t`` when None.

    Returns
    -------
    Replay
    """
    r = _Work(engine, np.asarray(key, np.int64), np.asarray(t, np.int64), np.asarray(ev), np.asarray(amount, np.float64),
              np.asarray(text, dtype=object), end)  # fmt: skip
    _states(r)
    _table_rules(r)
    _timers(r)
    _missing(r)
    _outcome_rules(r)
    problems = (pd.concat(r.parts, ignore_index=True) if r.parts else
                pd.DataFrame({"pos": pd.Series(dtype=np.int64), "rule": pd.Series(dtype=object),
                              "message": pd.Series(dtype=object)}))  # fmt: skip
    problems = problems.sort_values("pos", kind="stable").reset_index(drop=True)
    return Replay(engine=engine, order=r.order, key=r.key, t=r.t, ev=r.ev, amount=r.amount, text=r.text, head=r.head,
                  tail=r.tail, start=r.start, before=r.before, after=r.after, legal=r.legal, dates=r.dates,
                  due_at=r.due_at, due_event=r.due_event, due_timer=r.due_timer, anchors=r.anchors,
                  problems=problems, end=r.end)  # fmt: skip

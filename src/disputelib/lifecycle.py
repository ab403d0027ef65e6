"""The dispute lifecycle: states, events and one transition table, with its timers.

Everything that may happen after a dispute opens is one table of
``(state, event) -> next state`` built here from the rule pack
(:func:`transition_table`). One replay engine (:mod:`disputelib.replay`, exposed here as
:func:`replay`) applies it with the timers; the single dispute :class:`Dispute`, the log
auditor (:mod:`disputelib.audit`) and the simulator's step check are views of it, and
:func:`next_states` looks the table up; there is no second copy of the rules.

States
------
``new`` (nothing yet), ``awaiting_seller`` (opened, the seller has not answered),
``awaiting_seller_again`` (the buyer modified the dispute after the seller had answered),
``proposal_pending`` (a seller proposal awaits the buyer), ``negotiating`` (the seller
rejected, or the buyer rejected a proposal), ``escalated`` (the platform's dispute team
has it), then the closed states ``agreed``, ``decided``, ``return_shipped``,
``return_received``, ``refund_issued``, ``refunded`` and ``cancelled``.

Timers
------
Timers come from the pack (:func:`timer_rules`); their values are never written here.

- ``seller_response`` runs while the seller has to answer (``awaiting_seller``,
  ``awaiting_seller_again``), counted from the dispute's opening or its latest
  modification (it restarts on ``modified``). When it runs out it fires
  :func:`silence_event`: ``auto_escalated`` (``seller_silence = "auto_escalate"``) or
  ``platform_decided`` refunding the buyer's claimed amount (``"refund_buyer"``).
- ``auto_escalation`` (only in packs that have it) runs while the dispute is open and not
  escalated, counted from the opening, and fires ``auto_escalated``.
- ``buyer_escalation`` does not fire: it says from when the buyer may escalate. Anchored
  on ``seller_answered`` the buyer may escalate only once the seller has answered;
  anchored on ``opened`` the buyer may escalate from the opening date + offset, answer or
  not (``offset = 2``: the 3rd day, the opening day being day 1).
- ``return_shipping`` neither fires nor permits: it limits (:func:`return_rule`). After a
  ``buyer_accepted`` or a ``platform_decided`` in the buyer's favour, a ``return_shipped``
  must come before the timer runs out, or the money goes to the seller.

A ``platform_decided`` of 0 USD means the seller won: no return or refund
(:data:`AFTER_SELLER_WON`) may follow it.

Counting: every timer says how it counts (``counts`` in the pack, see
:mod:`disputelib.policy`). A ``calendar_days`` timer of offset ``n`` anchored on an event of
date ``d`` (in the pack's timer zone) runs through the whole of date ``d + n`` and runs out
at 00:00 of the next day (legacy: the seller given 5 days after an opening on 1 March may
still answer on 6 March; the dispute is decided at 00:00 on 7 March, Pacific time); when
it permits, it allows its event from 00:00 of date ``d + n``. An ``elapsed`` timer is a
countdown from the event's instant ``t``: it runs out (or permits) at ``t + n x 24 hours``
(or ``n`` hours), an absolute duration across daylight-saving changes (aliexpress-2022: an
opening at 10:00 PST on 1 March escalates at 11:00 PDT on 16 March).

Replaying: :func:`replay` runs a whole log through the table and the timers at once
(:mod:`disputelib.replay`); :class:`Dispute` is a view of that replay for one dispute.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from disputelib.clock import _WITH_OFFSET, midnight_after, to_instants
from disputelib.errors import DisputelibError
from disputelib.policy import Pack, load_dispute_pack

#: Lifecycle states, in the order a dispute usually passes them.
STATES: tuple[str, ...] = (
    "new",
    "awaiting_seller",
    "awaiting_seller_again",
    "proposal_pending",
    "negotiating",
    "escalated",
    "agreed",
    "decided",
    "return_shipped",
    "return_received",
    "refund_issued",
    "refunded",
    "cancelled",
)

#: The vocabulary of dispute event logs.
EVENTS: tuple[str, ...] = (
    "opened",
    "modified",
    "evidence_added",
    "seller_proposed",
    "seller_rejected",
    "buyer_accepted",
    "buyer_rejected",
    "buyer_escalated",
    "auto_escalated",
    "platform_decided",
    "buyer_cancelled",
    "return_shipped",
    "return_received",
    "refund_issued",
    "refund_received",
)

#: States in which the dispute is open and not yet with the platform.
OPEN_STATES: tuple[str, ...] = ("awaiting_seller", "awaiting_seller_again", "proposal_pending", "negotiating")
#: States in which the seller owes an answer (the seller timer runs).
SELLER_TURN: tuple[str, ...] = ("awaiting_seller", "awaiting_seller_again")
#: States after ``buyer_accepted``, ``platform_decided`` or ``buyer_cancelled``: negotiation is over.
CLOSED_STATES: tuple[str, ...] = (
    "agreed",
    "decided",
    "return_shipped",
    "return_received",
    "refund_issued",
    "refunded",
    "cancelled",
)
#: Events that belong to the negotiation; none may follow a closing event.
NEGOTIATION_EVENTS: tuple[str, ...] = EVENTS[:11]
#: Events that end the negotiation in the buyer's favour (a refund may follow).
DECISION_EVENTS: tuple[str, ...] = ("buyer_accepted", "platform_decided")
#: Events by which the seller answers a dispute.
SELLER_ANSWERS: tuple[str, ...] = ("seller_proposed", "seller_rejected")

#: Events that set each timer anchor of the pack (see ``policy.ANCHORS``).
ANCHOR_EVENTS: dict[str, tuple[str, ...]] = {
    "opened": ("opened",),
    "seller_answered": SELLER_ANSWERS,
    "decided": DECISION_EVENTS,
    # accepting a proposal, or a platform decision in the buyer's favour, calls for the return
    "return_agreed": DECISION_EVENTS,
}
#: Events that may not follow a ``platform_decided`` of 0 USD (the seller won).
AFTER_SELLER_WON: tuple[str, ...] = ("return_shipped", "refund_issued", "refund_received")
#: Timers whose anchor moves to the latest ``modified``: the seller answers a changed dispute anew.
RESTART_ON_MODIFIED: frozenset[str] = frozenset({"seller_response"})

# Transitions every pack shares, made by a person (buyer, seller, platform staff, carrier).
_MANUAL: tuple[tuple[str, str, str], ...] = (
    ("new", "opened", "awaiting_seller"),
    *((s, "evidence_added", s) for s in (*OPEN_STATES, "escalated")),
    *((s, "buyer_cancelled", "cancelled") for s in (*OPEN_STATES, "escalated")),
    ("awaiting_seller", "modified", "awaiting_seller"),
    *((s, "modified", "awaiting_seller_again") for s in OPEN_STATES[1:]),
    ("escalated", "modified", "escalated"),
    *((s, "seller_proposed", "proposal_pending") for s in OPEN_STATES),
    *((s, "seller_rejected", "negotiating") for s in ("awaiting_seller", "awaiting_seller_again", "negotiating")),
    ("proposal_pending", "buyer_accepted", "agreed"),
    ("proposal_pending", "buyer_rejected", "negotiating"),
    ("escalated", "platform_decided", "decided"),
    ("agreed", "return_shipped", "return_shipped"),
    ("decided", "return_shipped", "return_shipped"),
    ("return_shipped", "return_received", "return_received"),
    ("agreed", "refund_issued", "refund_issued"),
    ("decided", "refund_issued", "refund_issued"),
    ("return_received", "refund_issued", "refund_issued"),
    ("refund_issued", "refund_received", "refunded"),
    # logs often miss a step: money that arrived was issued, whether or not the log says so
    ("agreed", "refund_received", "refunded"),
    ("decided", "refund_received", "refunded"),
    ("return_received", "refund_received", "refunded"),
)
# Where an event fired by a timer leads.
_TIMER_TARGET = {"auto_escalated": "escalated", "platform_decided": "decided"}

_VERB = {
    "opened": "open the dispute",
    "modified": "modify the dispute",
    "evidence_added": "add evidence",
    "seller_proposed": "propose a refund",
    "seller_rejected": "reject the dispute as the seller",
    "buyer_accepted": "accept a proposal",
    "buyer_rejected": "reject a proposal",
    "buyer_escalated": "escalate the dispute",
    "auto_escalated": "escalate the dispute automatically",
    "platform_decided": "decide the dispute",
    "buyer_cancelled": "cancel the dispute",
    "return_shipped": "ship a return",
    "return_received": "receive a return",
    "refund_issued": "issue a refund",
    "refund_received": "receive a refund",
}
_WHEN = {
    "new": "before the dispute is opened",
    "awaiting_seller": "while the seller has not answered yet",
    "awaiting_seller_again": "while the seller has not answered the modified dispute",
    "proposal_pending": "while a proposal awaits the buyer's answer",
    "negotiating": "while buyer and seller negotiate with no proposal on the table",
    "escalated": "while the platform reviews the escalated dispute",
    "agreed": "after accepting a proposal",
    "decided": "after the platform decided",
    "return_shipped": "while the return is on its way",
    "return_received": "after the return arrived",
    "refund_issued": "after the refund was issued",
    "refunded": "after the refund reached the buyer",
    "cancelled": "after the buyer cancelled: the dispute is closed with no refund",
}
# Said only of negotiation events: returns and refunds may still follow a closed negotiation.
_CLOSED = ": the dispute is closed"
_SPECIAL = {
    ("agreed", "buyer_rejected"): "cannot reject a proposal after accepting one: the dispute is closed",
    ("agreed", "buyer_accepted"): "cannot accept a proposal after accepting one: the dispute is closed",
    ("new", "refund_received"): "cannot receive a refund before the dispute is opened",
}


class IllegalTransition(DisputelibError, ValueError):
    """An event the lifecycle does not allow at that point; the message is one sentence."""


@dataclass(frozen=True)
class TimerRule:
    """A pack timer as the lifecycle uses it.

    Attributes
    ----------
    name
        The pack timer's name (``seller_response``, ``auto_escalation``, ``buyer_escalation``).
    event
        The event it fires (``fires``) or permits (``permits``).
    kind
        ``"fires"``: the event happens by itself when the timer runs out; ``"permits"``: the
        event is allowed only from the timer's date on; ``"limits"``: the event is allowed
        only before the timer runs out (``return_shipping``, see :func:`return_rule`).
    anchor
        The pack anchor (``opened``, ``seller_answered``, ``return_agreed``).
    anchor_events
        Events that set the anchor.
    restart
        True when the latest anchor event counts (``modified`` restarts the seller timer);
        False when the first one does.
    offset
        Days (or hours) after the anchor, counted as ``counts`` says.
    armed_in
        States in which the timer runs.
    zone
        IANA zone calendar days are counted in.
    counts
        ``"calendar_days"`` or ``"elapsed"`` (a countdown from the anchor's instant).
    unit
        ``"days"`` or ``"hours"`` (elapsed timers only).
    """

    name: str
    event: str
    kind: str
    anchor: str
    anchor_events: tuple[str, ...]
    restart: bool
    offset: int
    armed_in: tuple[str, ...]
    zone: str
    counts: str = "calendar_days"
    unit: str = "days"


def silence_event(pack: Pack | str | None = None) -> str:
    """The event a seller's silence causes: ``auto_escalated`` or ``platform_decided``.

    Examples
    --------
    >>> silence_event("aliexpress-legacy")
    'platform_decided'
    """
    pack = load_dispute_pack(pack)
    return "auto_escalated" if pack.lifecycle.seller_silence == "auto_escalate" else "platform_decided"


def _rule(pack: Pack, name: str, event: str, kind: str, restart: bool, armed_in: tuple[str, ...]) -> TimerRule:
    """A pack timer as a :class:`TimerRule` (the pack loader checked its anchor, unit and counting)."""
    timer = pack.timer(name)
    return TimerRule(name, event, kind, timer.anchor, ANCHOR_EVENTS[timer.anchor], restart, timer.offset, armed_in,
                     timer.zone, timer.counts, timer.unit)  # fmt: skip


def seller_won(events, amounts) -> np.ndarray:
    """Vectorised: True where the event is a ``platform_decided`` of 0 USD (the seller won).

    A missing amount is not 0: it does not say who won.

    Examples
    --------
    >>> seller_won(["platform_decided", "platform_decided", "buyer_accepted"], [0.0, 5.0, 0.0]).tolist()
    [True, False, False]
    """
    amounts = pd.to_numeric(pd.Series(amounts, dtype=object), errors="coerce").to_numpy("float64")
    return (codes(events, EVENTS) == EVENTS.index("platform_decided")) & (amounts == 0)


def return_rule(pack: Pack | str | None = None) -> TimerRule | None:
    """The pack's ``return_shipping`` limit as a :class:`TimerRule` of kind ``"limits"``; None without one.

    After the agreement or decision that called for a return (the latest
    ``buyer_accepted`` or ``platform_decided`` in the buyer's favour), ``return_shipped``
    is allowed until the timer runs out (:func:`timer_ends`: a countdown of ``offset`` days
    from the agreement's instant, or through the whole of date ``anchor + offset`` in the
    timer zone, as the pack counts it). Later, the money goes to the seller.

    Examples
    --------
    >>> rule = return_rule("aliexpress-2022")
    >>> (rule.event, rule.kind, rule.anchor_events)
    ('return_shipped', 'limits', ('buyer_accepted', 'platform_decided'))
    """
    pack = load_dispute_pack(pack)
    if not pack.has_timer("return_shipping"):
        return None
    return _rule(pack, "return_shipping", "return_shipped", "limits", False, ("agreed", "decided"))


def timer_rules(pack: Pack | str | None = None) -> tuple[TimerRule, ...]:
    """The lifecycle timers of a pack: what each fires or permits, from when, in which states.

    Parameters
    ----------
    pack
        Rule pack name, path or object; the default pack when None.

    Returns
    -------
    tuple of TimerRule
        ``seller_response`` and, when the pack has them, ``auto_escalation`` and
        ``buyer_escalation``.
    """
    pack = load_dispute_pack(pack)
    rules = [_rule(pack, "seller_response", silence_event(pack), "fires", "seller_response" in RESTART_ON_MODIFIED,
                   SELLER_TURN)]  # fmt: skip
    if pack.has_timer("auto_escalation"):
        rules.append(_rule(pack, "auto_escalation", "auto_escalated", "fires", "auto_escalation" in RESTART_ON_MODIFIED,
                           OPEN_STATES))  # fmt: skip
    if pack.has_timer("buyer_escalation"):
        rules.append(_rule(pack, "buyer_escalation", "buyer_escalated", "permits", False, OPEN_STATES))
    return tuple(rules)


def _escalation_states(pack: Pack) -> tuple[str, ...]:
    """States from which the buyer may escalate: after a seller answer, or any open state."""
    answered = ("awaiting_seller_again", "proposal_pending", "negotiating")
    if pack.has_timer("buyer_escalation") and pack.timer("buyer_escalation").anchor == "opened":
        return OPEN_STATES
    return answered


def _transitions(pack: Pack) -> list[tuple[str, str, str]]:
    rows = list(_MANUAL)
    rows += [(s, "buyer_escalated", "escalated") for s in _escalation_states(pack)]
    for rule in timer_rules(pack):
        if rule.kind == "fires":
            rows += [(s, rule.event, _TIMER_TARGET[rule.event]) for s in rule.armed_in]
    seen: dict[tuple[str, str], str] = {}
    for state, event, nxt in rows:
        if seen.setdefault((state, event), nxt) != nxt:  # pragma: no cover - a defect in the table above
            raise AssertionError(f"two next states for ({state}, {event})")
    return [(s, e, n) for (s, e), n in seen.items()]


def transition_table(pack: Pack | str | None = None) -> pd.DataFrame:
    """Every legal step of the lifecycle under a pack, as data.

    Parameters
    ----------
    pack
        Rule pack name, path or object; the default pack when None.

    Returns
    -------
    pandas.DataFrame
        ``state``, ``event``, ``next_state``: one row per legal step, timer-fired steps
        included, sorted by state and event in lifecycle order. A pair not in the table is
        illegal.

    Examples
    --------
    >>> t = transition_table("aliexpress-2022")
    >>> t[(t.state == "proposal_pending") & (t.event == "buyer_accepted")].next_state.item()
    'agreed'
    """
    pack = load_dispute_pack(pack)
    frame = pd.DataFrame(_transitions(pack), columns=["state", "event", "next_state"])
    order = frame["state"].map(STATES.index) * len(EVENTS) + frame["event"].map(EVENTS.index)
    return frame.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def transition_matrix(pack: Pack | str | None = None) -> np.ndarray:
    """The table as an ``int8`` matrix ``[state code, event code] -> next state code``, -1 if illegal.

    Codes are positions in :data:`STATES` and :data:`EVENTS`; built from
    :func:`transition_table`.
    """
    table = transition_table(pack)
    matrix = np.full((len(STATES), len(EVENTS)), -1, dtype=np.int8)
    matrix[table["state"].map(STATES.index), table["event"].map(EVENTS.index)] = table["next_state"].map(STATES.index)
    return matrix


def codes(values, vocabulary: tuple[str, ...]) -> np.ndarray:
    """Positions of ``values`` in ``vocabulary`` (``int16``), -1 for unknown or missing.

    Examples
    --------
    >>> codes(["b", None, "z", "a"], ("a", "b")).tolist()
    [1, -1, -1, 0]
    """
    if len(values) <= 64:  # a single dispute's events: a dict is faster than building a hash index
        lookup = _positions(vocabulary)
        return np.fromiter((lookup.get(v, -1) if isinstance(v, str) else -1 for v in values), np.int16, len(values))
    values = pd.Series(values, dtype="object")
    return pd.Index(vocabulary, dtype="object").get_indexer(values.where(values.notna(), None)).astype(np.int16)


@functools.lru_cache(maxsize=16)
def _positions(vocabulary: tuple[str, ...]) -> dict[str, int]:
    return {name: i for i, name in enumerate(vocabulary)}


def next_states(states, events, pack: Pack | str | None = None) -> np.ndarray:
    """Vectorised lookup of the transition table.

    Parameters
    ----------
    states, events
        Array-likes of the same length: current states and events (strings).
    pack
        Rule pack name, path or object; the default pack when None.

    Returns
    -------
    numpy.ndarray
        ``object`` array of next states; ``None`` where the step is illegal or a state or
        event is unknown.

    Examples
    --------
    >>> next_states(["new", "agreed"], ["opened", "buyer_rejected"]).tolist()
    ['awaiting_seller', None]
    """
    s = codes(states, STATES)
    e = codes(events, EVENTS)
    if len(s) != len(e):
        raise ValueError(f"states and events differ in length ({len(s)} and {len(e)})")
    matrix = transition_matrix(pack)
    known = (s >= 0) & (e >= 0)
    nxt = np.full(len(s), -1, dtype=np.int16)
    nxt[known] = matrix[s[known], e[known]]
    names = np.asarray([*STATES, None], dtype=object)
    return names[np.where(nxt >= 0, nxt, len(STATES))]


def illegal_message(state: str, event: str) -> str:
    """The sentence explaining why ``event`` cannot happen in ``state``.

    Examples
    --------
    >>> illegal_message("agreed", "buyer_rejected")
    'cannot reject a proposal after accepting one: the dispute is closed'
    """
    if event not in _VERB:
        return f"unknown event {event!r} (known events: {', '.join(EVENTS)})"
    if (state, event) in _SPECIAL:
        return _SPECIAL[(state, event)]
    text = f"cannot {_VERB[event]} {_WHEN.get(state, f'in state {state!r}')}"
    if event in NEGOTIATION_EVENTS and state in CLOSED_STATES and state != "cancelled":
        text += _CLOSED
    if event == "buyer_escalated" and state == "awaiting_seller":
        text += ": the buyer may escalate only after the seller has answered"
    elif event == "opened" and state != "new":
        text += ": it is already open"
    return text


def message_matrix(pack: Pack | str | None = None) -> np.ndarray:
    """``object`` matrix ``[state code, event code] -> illegal_message``, None where legal."""
    matrix = transition_matrix(pack)
    out = np.full(matrix.shape, None, dtype=object)
    for i, state in enumerate(STATES):
        for j, event in enumerate(EVENTS):
            if matrix[i, j] < 0:
                out[i, j] = illegal_message(state, event)
    return out


# --------------------------------------------------------------------------- instants

_NS_PER = {"days": 86_400 * 10**9, "hours": 3_600 * 10**9}


def fire_instants(anchor_dates: np.ndarray, offset: int, zone: str) -> np.ndarray:
    """When a calendar-day timer runs out: 00:00 in ``zone`` after date ``anchor + offset`` (UTC ``datetime64[ns]``)."""
    days = np.asarray(anchor_dates, dtype="datetime64[D]") + np.timedelta64(offset, "D")
    return midnight_after(days, zone).tz_convert("UTC").tz_localize(None).to_numpy("datetime64[ns]")


def timer_ends(instants: np.ndarray, dates: np.ndarray, rule: TimerRule) -> np.ndarray:
    """Vectorised: when ``rule`` runs out (``fires``, ``limits``) or starts permitting, for anchors.

    Parameters
    ----------
    instants
        Anchor instants, ``int64`` ns since the epoch in UTC (or ``datetime64[ns]``).
    dates
        The anchors' calendar dates in the rule's zone (``datetime64[D]``).
    rule
        A :class:`TimerRule`.

    Returns
    -------
    numpy.ndarray
        ``int64`` ns UTC. ``elapsed``: the anchor instant + offset x 24 h (or hours).
        ``calendar_days``: 00:00 after date + offset (``fires``, ``limits``), or 00:00 of date
        + offset (``permits``), in the rule's zone.

    Examples
    --------
    >>> rule = return_rule("aliexpress-2022")
    >>> t = np.array(["2026-03-02T18:00"], dtype="datetime64[ns]")
    >>> timer_ends(t, t.astype("datetime64[D]"), rule).astype("datetime64[ns]")
    array(['2026-03-12T18:00:00.000000000'], dtype='datetime64[ns]')
    """
    t = np.asarray(instants).astype("datetime64[ns]").astype(np.int64)
    if rule.counts == "elapsed":
        return t + rule.offset * _NS_PER[rule.unit]
    uniq, inverse = np.unique(np.asarray(dates, dtype="datetime64[D]"), return_inverse=True)
    shift = -1 if rule.kind == "permits" else 0
    ends = fire_instants(uniq + np.timedelta64(shift, "D"), rule.offset, rule.zone).astype(np.int64)
    return ends[inverse.reshape(-1)]


def _timestamp(at, zone: str) -> pd.Timestamp:
    if isinstance(at, (pd.Timestamp, dt.datetime)) and at.tzinfo is not None:  # an instant already
        return pd.Timestamp(at).tz_convert(zone)
    if isinstance(at, str) and re.search(_WITH_OFFSET, at.strip()):
        try:
            return pd.Timestamp(at.strip()).tz_convert(zone)
        except ValueError:
            pass
    value = to_instants(pd.Series([at], dtype=object), zone)[0][0]
    if np.isnat(value):
        raise IllegalTransition(f"{at!r} is not a timestamp: use ISO 8601, e.g. 2026-03-12T09:30:00-07:00")
    return pd.Timestamp(value).tz_localize("UTC").tz_convert(zone)


# --------------------------------------------------------------------------- a whole log


def replay(events: pd.DataFrame, pack: Pack | str | None = None, end=None) -> pd.DataFrame:
    """Replay an event log through the pack's transition table and timers, every dispute at once.

    Parameters
    ----------
    events
        ``dispute_id``, ``event``, ``at`` (ISO text with an offset, naive = timer zone, or
        datetimes) and optionally ``amount_usd``; rows in any order. Rows are replayed by
        dispute, time and log order (equal timestamps are legal and keep the log's order).
    pack
        Rule pack name, path or object; the default pack when None.
    end
        The instant the log runs to (for timers still running at a dispute's last event);
        the latest ``at`` when None.

    Returns
    -------
    pandas.DataFrame
        One row per input row, in the input's order and index (text columns are
        ``object``, None where missing): ``state_before``,
        ``state_after`` (an illegal event leaves the state as it was), ``legal`` (no rule
        broken), ``rule`` and ``message`` (the first rule the event breaks, else missing),
        ``due_event`` and ``due_at`` (the earliest timer running after the event: the event
        it fires and when, UTC).

    Raises
    ------
    IllegalTransition
        When a row has no ``dispute_id`` or an unreadable ``at`` (:func:`disputelib.check_log`
        reports such rows instead).

    Examples
    --------
    >>> log = pd.DataFrame({"dispute_id": ["D1", "D1"], "event": ["opened", "buyer_escalated"],
    ...                     "at": ["2026-03-01T10:00:00-08:00", "2026-03-02T10:00:00-08:00"]})
    >>> replay(log)[["state_after", "legal", "rule"]].values.tolist()
    [['awaiting_seller', True, None], ['awaiting_seller', False, 'early_escalation']]
    """
    from disputelib import replay as engine

    pack = load_dispute_pack(pack)
    ids = events["dispute_id"]
    key, _ = pd.factorize(ids, use_na_sentinel=True)
    at, bad = to_instants(events["at"], pack.timer_zone)
    broken = np.flatnonzero((key < 0) | np.isnat(at))
    if len(broken):
        what = "dispute_id" if key[broken[0]] < 0 else "at"
        raise IllegalTransition(f"row {broken[0] + 1} has no readable {what!r}: check the log with check_log")
    amount = (pd.to_numeric(events["amount_usd"], errors="coerce").to_numpy("float64") if "amount_usd" in events
              else np.full(len(events), np.nan))  # fmt: skip
    text = events["event"].to_numpy(object)
    end_ns = None if end is None else int(_timestamp(end, pack.timer_zone).value)
    r = engine.run(engine.Engine.of(pack), key, at.astype(np.int64), codes(text, EVENTS), amount, text, end_ns)
    first = r.first_problem()
    rule = np.full(len(r.t), None, dtype=object)
    message = np.full(len(r.t), None, dtype=object)
    rule[first["pos"].to_numpy()] = first["rule"].to_numpy()
    message[first["pos"].to_numpy()] = first["message"].to_numpy()
    states = np.asarray(STATES, dtype=object)
    due = pd.Series(np.where(r.due_at < engine.NEVER, r.due_at, np.iinfo(np.int64).min)).astype("datetime64[ns]")
    out = pd.DataFrame(
        {
            "state_before": pd.Series(states[r.before], dtype=object),
            "state_after": pd.Series(states[r.after], dtype=object),
            "legal": rule == None,  # noqa: E711 - elementwise
            "rule": pd.Series(rule, dtype=object),
            "message": pd.Series(message, dtype=object),
            "due_event": pd.Series(np.asarray([*EVENTS, None], dtype=object)[r.due_event], dtype=object),
            "due_at": due.dt.tz_localize("UTC"),
        }
    )
    back = np.empty_like(r.order)
    back[r.order] = np.arange(len(r.order))
    return out.iloc[back].set_axis(events.index)


# --------------------------------------------------------------------------- one dispute


class Dispute:
    """One dispute replayed event by event: a single-dispute view of :func:`replay`.

    Each :meth:`apply` replays the dispute's history with the new event through the same
    engine as :func:`disputelib.check_log` and refuses the event, with that engine's
    sentence, when it breaks a rule.

    Parameters
    ----------
    pack
        Rule pack name, path or object; the default pack when None.

    Examples
    --------
    >>> d = Dispute("aliexpress-2022")
    >>> d.apply("opened", "2026-03-01T10:00:00-08:00", amount_usd=5.0)
    'awaiting_seller'
    >>> d.due("2026-03-16T11:00:00-07:00")
    'auto_escalated'
    """

    def __init__(self, pack: Pack | str | None = None) -> None:
        from disputelib import replay as engine

        self.pack = load_dispute_pack(pack)
        self.zone = self.pack.timer_zone
        self._engine = engine.Engine.of(self.pack)
        self._rules = self._engine.rules
        self.state = "new"
        self.history: list[tuple[str, pd.Timestamp, float | None]] = []
        self._replay = None

    def __repr__(self) -> str:
        return f"Dispute(pack={self.pack.name!r}, state={self.state!r}, events={len(self.history)})"

    def _run(self, history: list[tuple[str, pd.Timestamp, float | None]]):
        from disputelib import replay as engine

        n = len(history)
        text = np.array([e for e, _, _ in history], dtype=object)
        t = np.array([ts.value for _, ts, _ in history], dtype=np.int64)
        amount = np.array([np.nan if a is None or pd.isna(a) else float(a) for _, _, a in history], dtype=np.float64)
        return engine.run(self._engine, np.zeros(n, np.int64), t, codes(text, EVENTS), amount, text)

    def timer_at(self, rule: TimerRule) -> pd.Timestamp | None:
        """The instant ``rule`` fires (``fires``) or starts permitting (``permits``), None if unset."""
        if self._replay is None or rule.name not in self._replay.anchors:
            return None
        anchor = int(self._replay.anchors[rule.name][-1])
        if anchor < 0:
            return None
        r = self._replay
        end = timer_ends(r.t[anchor:anchor + 1], r.dates[anchor:anchor + 1], rule)[0]
        return pd.Timestamp(int(end), tz="UTC").tz_convert(rule.zone)

    def deadlines(self) -> dict[str, pd.Timestamp]:
        """Running timers in the current state: timer name -> instant it fires."""
        out = {}
        for rule in self._rules:
            if rule.kind == "fires" and self.state in rule.armed_in:
                fire = self.timer_at(rule)
                if fire is not None:
                    out[rule.name] = fire
        return out

    def next_timer(self) -> tuple[str, pd.Timestamp] | None:
        """The earliest running timer as ``(event it fires, instant)``, or None."""
        r = self._replay
        if r is None or r.due_event[-1] < 0:
            return None
        return EVENTS[int(r.due_event[-1])], pd.Timestamp(int(r.due_at[-1]), tz="UTC").tz_convert(self.zone)

    def due(self, at) -> str | None:
        """The timer event that should have happened by ``at`` (and has not), if any."""
        nxt = self.next_timer()
        if nxt is None:
            return None
        return nxt[0] if _timestamp(at, self.zone) >= nxt[1] else None

    def apply(self, event: str, at, amount_usd: float | None = None) -> str:
        """Apply one event at an instant and return the new state.

        Parameters
        ----------
        event
            One of :data:`EVENTS`.
        at
            ISO 8601 text (with offset, or naive = timer zone), a datetime or Timestamp.
        amount_usd
            The amount for openings, modifications, proposals, decisions and refunds.

        Raises
        ------
        IllegalTransition
            When the event is before the previous one, or breaks any rule of the replay
            (:data:`disputelib.replay.RULES`): the table does not allow the step, a timer
            event comes before its time or a due one did not come within a day, a return
            is shipped after the ``return_shipping`` timer ran out, a return or refund
            follows a decision of 0 USD, or a silence refund is not the buyer's claim.
            An event at the same instant as the previous one is legal, in the order applied.
        """
        ts = _timestamp(at, self.zone)
        if event not in EVENTS:
            raise IllegalTransition(illegal_message(self.state, event))
        if self.history and ts < self.history[-1][1]:
            last_event, last_at, _ = self.history[-1]
            raise IllegalTransition(
                f"events out of time order: {event} at {ts.isoformat()} is before {last_event} at {last_at.isoformat()}"
            )
        history = [*self.history, (event, ts, amount_usd)]
        result = self._run(history)
        problems = result.first_problem()
        refused = problems[problems["pos"] == len(history) - 1]
        if len(refused):
            raise IllegalTransition(str(refused["message"].iloc[0]))
        self.history, self._replay = history, result
        self.state = STATES[int(result.after[-1])]
        return self.state

    @property
    def closed(self) -> bool:
        """True once negotiation is over (accepted, decided or cancelled)."""
        return self.state in CLOSED_STATES

"""The dispute lifecycle: states, events and one transition table, with its timers.

Everything that may happen after a dispute opens is one table of
``(state, event) -> next state`` built here from the rule pack
(:func:`transition_table`). The single-dispute replay object :class:`Dispute`, the
vectorised lookup :func:`next_states` and the log auditor (:mod:`disputelib.audit`) all
read that same table; there is no second copy of the rules.

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

Counting, the same as the dispute windows (:mod:`disputelib.windows`): days are calendar
dates in the pack's timer zone. A firing timer of offset ``n`` anchored on an event of date
``d`` runs through the whole of date ``d + n`` and fires at 00:00 of the next day (the
seller given 15 days after an opening on 1 March may still answer on 16 March; the
dispute escalates at 00:00 on 17 March, Pacific time). A permitting timer allows its event
from 00:00 of date ``d + n``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from disputelib.clock import midnight_after, to_instants
from disputelib.policy import Pack, load_pack

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
    "agreed": "after accepting a proposal: the dispute is closed",
    "decided": "after the platform decided: the dispute is closed",
    "return_shipped": "while the return is on its way: the dispute is closed",
    "return_received": "after the return arrived: the dispute is closed",
    "refund_issued": "after the refund was issued: the dispute is closed",
    "refunded": "after the refund reached the buyer: the dispute is closed",
    "cancelled": "after the buyer cancelled: the dispute is closed with no refund",
}
_SPECIAL = {
    ("agreed", "buyer_rejected"): "cannot reject a proposal after accepting one: the dispute is closed",
    ("agreed", "buyer_accepted"): "cannot accept a proposal after accepting one: the dispute is closed",
    ("new", "refund_received"): "cannot receive a refund before the dispute is opened",
}


class IllegalTransition(ValueError):
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
        Days after the anchor's date, in the pack's timer zone.
    armed_in
        States in which the timer runs.
    zone
        IANA zone the days are counted in.
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


def silence_event(pack: Pack | str | None = None) -> str:
    """The event a seller's silence causes: ``auto_escalated`` or ``platform_decided``.

    Examples
    --------
    >>> silence_event("aliexpress-legacy")
    'platform_decided'
    """
    pack = load_pack(pack)
    return "auto_escalated" if pack.lifecycle.seller_silence == "auto_escalate" else "platform_decided"


def _day_timer(pack: Pack, name: str) -> tuple[str, int, str]:
    """A calendar-day timer's anchor, offset and zone (the pack loader checked its anchor and unit)."""
    timer = pack.timer(name)
    return timer.anchor, timer.offset, timer.zone


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
    is allowed until the timer runs out: through the whole of date ``anchor + offset`` in
    the timer zone, up to 00:00 of the next day. Later, the money goes to the seller.

    Examples
    --------
    >>> rule = return_rule("aliexpress-2022")
    >>> (rule.event, rule.kind, rule.anchor_events)
    ('return_shipped', 'limits', ('buyer_accepted', 'platform_decided'))
    """
    pack = load_pack(pack)
    if not pack.has_timer("return_shipping"):
        return None
    anchor, offset, zone = _day_timer(pack, "return_shipping")
    return TimerRule("return_shipping", "return_shipped", "limits", anchor, ANCHOR_EVENTS[anchor], False, offset,
                     ("agreed", "decided"), zone)  # fmt: skip


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
    pack = load_pack(pack)
    rules = []
    anchor, offset, zone = _day_timer(pack, "seller_response")
    rules.append(
        TimerRule("seller_response", silence_event(pack), "fires", anchor, ANCHOR_EVENTS[anchor],
                  "seller_response" in RESTART_ON_MODIFIED, offset, SELLER_TURN, zone)
    )  # fmt: skip
    if pack.has_timer("auto_escalation"):
        anchor, offset, zone = _day_timer(pack, "auto_escalation")
        rules.append(
            TimerRule("auto_escalation", "auto_escalated", "fires", anchor, ANCHOR_EVENTS[anchor],
                      "auto_escalation" in RESTART_ON_MODIFIED, offset, OPEN_STATES, zone)
        )  # fmt: skip
    if pack.has_timer("buyer_escalation"):
        anchor, offset, zone = _day_timer(pack, "buyer_escalation")
        rules.append(
            TimerRule("buyer_escalation", "buyer_escalated", "permits", anchor, ANCHOR_EVENTS[anchor],
                      False, offset, OPEN_STATES, zone)
        )  # fmt: skip
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
    pack = load_pack(pack)
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
    """Positions of ``values`` in ``vocabulary`` (``int16``), -1 for unknown or missing."""
    values = pd.Series(values, dtype="object")
    return pd.Index(vocabulary, dtype="object").get_indexer(values.where(values.notna(), None)).astype(np.int16)


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



def fire_instants(anchor_dates: np.ndarray, offset: int, zone: str) -> np.ndarray:
    """When a firing timer runs out: 00:00 in ``zone`` after date ``anchor + offset`` (UTC ``datetime64[ns]``)."""
    days = np.asarray(anchor_dates, dtype="datetime64[D]") + np.timedelta64(offset, "D")
    return midnight_after(days, zone).tz_convert("UTC").tz_localize(None).to_numpy("datetime64[ns]")


def _timestamp(at, zone: str) -> pd.Timestamp:
    value = to_instants(pd.Series([at], dtype=object), zone)[0][0]
    if np.isnat(value):
        raise IllegalTransition(f"{at!r} is not a timestamp: use ISO 8601, e.g. 2026-03-12T09:30:00-07:00")
    return pd.Timestamp(value).tz_localize("UTC").tz_convert(zone)


# --------------------------------------------------------------------------- one dispute


class Dispute:
    """One dispute replayed event by event under a pack's transition table and timers.

    Parameters
    ----------
    pack
        Rule pack name, path or object; the default pack when None.

    Examples
    --------
    >>> d = Dispute("aliexpress-2022")
    >>> d.apply("opened", "2026-03-01T10:00:00-08:00", amount_usd=5.0)
    'awaiting_seller'
    >>> d.due("2026-03-17T00:00:00-07:00")
    'auto_escalated'
    """

    def __init__(self, pack: Pack | str | None = None) -> None:
        self.pack = load_pack(pack)
        self.zone = self.pack.timer_zone
        self._matrix = transition_matrix(self.pack)
        self._rules = timer_rules(self.pack)
        self._return = return_rule(self.pack)
        self._seller_won: pd.Timestamp | None = None
        self.state = "new"
        self.history: list[tuple[str, pd.Timestamp, float | None]] = []
        self._anchors: dict[str, pd.Timestamp] = {}

    def __repr__(self) -> str:
        return f"Dispute(pack={self.pack.name!r}, state={self.state!r}, events={len(self.history)})"

    def _anchor(self, rule: TimerRule) -> pd.Timestamp | None:
        return self._anchors.get(rule.name)

    def timer_at(self, rule: TimerRule) -> pd.Timestamp | None:
        """The instant ``rule`` fires (``fires``) or starts permitting (``permits``), None if unset."""
        anchor = self._anchor(rule)
        if anchor is None:
            return None
        day = np.datetime64(anchor.tz_convert(rule.zone).date(), "D") + np.timedelta64(rule.offset, "D")
        if rule.kind == "permits":
            return pd.Timestamp(day).tz_localize(rule.zone, ambiguous=True, nonexistent="shift_forward")
        return midnight_after(np.array([day]), rule.zone)[0]

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
        running = [(fire, rule.event) for rule in self._rules if (fire := self.deadlines().get(rule.name)) is not None]
        if not running:
            return None
        fire, event = min(running)
        return event, fire

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
            When the table does not allow the step, the event is before the previous
            one, a timer event comes before its time, a due timer event was skipped, a
            return is shipped after the ``return_shipping`` timer ran out, or a return or
            refund follows a decision of 0 USD (the seller won).
        """
        ts = _timestamp(at, self.zone)
        if event not in EVENTS:
            raise IllegalTransition(illegal_message(self.state, event))
        if self.history and ts < self.history[-1][1]:
            last_event, last_at, _ = self.history[-1]
            raise IllegalTransition(
                f"events out of time order: {event} at {ts.isoformat()} is before {last_event} at {last_at.isoformat()}"
            )
        s, e = STATES.index(self.state), EVENTS.index(event)
        nxt = int(self._matrix[s, e])
        if nxt < 0:
            raise IllegalTransition(illegal_message(self.state, event))
        pending = self.next_timer()
        if pending is not None and ts >= pending[1] and event != pending[0]:
            raise IllegalTransition(
                f"cannot {_VERB[event]} at {ts.isoformat()}: time ran out at {pending[1].isoformat()} "
                f"and {pending[0]} should have happened first"
            )
        for rule in self._rules:
            if self.state not in rule.armed_in or rule.event != event:
                continue
            when = self.timer_at(rule)
            if rule.kind == "fires" and when is not None and ts < when:
                raise IllegalTransition(
                    f"cannot {_VERB[event]} at {ts.isoformat()}: the {rule.name} timer runs until {when.isoformat()}"
                )
            if rule.kind == "permits" and (when is None or ts < when):
                since = "the seller answers" if when is None else when.date().isoformat()
                raise IllegalTransition(f"cannot {_VERB[event]} at {ts.isoformat()}: the buyer may escalate from {since}")
        if event in AFTER_SELLER_WON and self._seller_won is not None:
            raise IllegalTransition(
                f"cannot {_VERB[event]} at {ts.isoformat()}: the platform decided 0 USD at "
                f"{self._seller_won.isoformat()}, the seller won"
            )
        if self._return is not None and event == self._return.event and (when := self.timer_at(self._return)) is not None:
            if ts >= when:
                agreed = self._anchors[self._return.name].tz_convert(self.zone).date().isoformat()
                raise IllegalTransition(
                    f"cannot {_VERB[event]} at {ts.isoformat()}: the {self._return.name} timer ran out at "
                    f"{when.isoformat()} ({self._return.offset} days after the agreement on {agreed}); "
                    f"the money goes to the seller"
                )
        won = bool(seller_won([event], [amount_usd])[0])
        for rule in (*self._rules, *([self._return] if self._return is not None else [])):
            if (event in rule.anchor_events and not won) or (rule.restart and event == "modified"):
                if rule.restart or rule.name not in self._anchors:
                    self._anchors[rule.name] = ts
        if won:
            self._seller_won = ts
        self.state = STATES[nxt]
        self.history.append((event, ts, amount_usd))
        return self.state

    @property
    def closed(self) -> bool:
        """True once negotiation is over (accepted, decided or cancelled)."""
        return self.state in CLOSED_STATES

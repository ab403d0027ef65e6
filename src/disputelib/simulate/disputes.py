"""Simulated disputes: each dispute's path and event slots, checked against the pack's transition table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from disputelib import replay
from disputelib.clock import local_dates
from disputelib.lifecycle import EVENTS, STATES, silence_event
from disputelib.orders import RECEIVED, SHIPPED
from disputelib.payments import PAYMENT_METHODS
from disputelib.policy import Pack
from disputelib.refunds import refund_channel
from disputelib.scenario import NO_AGREEMENT, SELLER_ANSWERS, Scenario
from disputelib.simulate.orders import _money_arrives, _problem_labels
from disputelib.simulate.streams import _Draws
from disputelib.simulate.times import _NAT, _UNIT, _days, _fires, _hours, _later, _start_of
from disputelib.windows import compute_windows

#: Dispute paths; ``pending``: not yet agreed, decided or cancelled at ``observed_until``.
PATHS: tuple[str, ...] = ("agreed_with_seller", "auto_escalated", "buyer_escalated", "cancelled", "pending")
#: Dispute outcomes; ``pending``: not yet agreed, decided or cancelled at ``observed_until``.
OUTCOMES: tuple[str, ...] = ("refunded_full", "refunded_partial", "seller_won", "cancelled", "pending")
#: Path and outcome of a dispute still under negotiation when observation ends.
PENDING = "pending"

_E = {name: np.int8(i) for i, name in enumerate(EVENTS)}


class SimulationError(RuntimeError):
    """The simulator produced a step the pack's transition table forbids (a defect)."""


def _windows(o: dict, rows: np.ndarray, pack: Pack) -> pd.DataFrame:
    """The pack's dispute window and claim for the orders at ``rows`` (true receipt dates)."""
    zone = pack.timer_zone
    problems = np.asarray(_problem_labels(), dtype=object)[o["wrong"][rows]]
    prot = o["protection"][rows]
    frame = pd.DataFrame(
        {
            "order_id": np.arange(len(rows)),
            "amount_usd": o["amount"][rows],
            "payment_method": np.asarray(PAYMENT_METHODS, dtype=object)[o["method"][rows]],
            SHIPPED: local_dates(o["shipped"][rows].astype("datetime64[ns]"), zone).astype(_UNIT),
            RECEIVED: local_dates(o["received"][rows].astype("datetime64[ns]"), zone).astype(_UNIT),
            "buyer_country": np.asarray(o["countries"], dtype=object)[o["country"][rows]],
            "protection_days": pd.arrays.IntegerArray(np.where(prot > 0, prot, 0), prot <= 0),
            "problem": pd.array(problems, dtype="string"),
            "problem_amount_usd": o["problem_amount"][rows],
        }
    )
    today = np.datetime64("2000-01-01")
    return compute_windows(frame, today, pack)


def _disputes_block(draws: _Draws, o: dict, sc: Scenario, pack: Pack, observed_until: np.datetime64) -> dict:
    """Every dispute of one block: per-slot events, times and amounts, plus the summary columns."""
    zone = pack.timer_zone
    rows = np.flatnonzero(o["acts"])
    win = _windows(o, rows, pack)
    opens_at = _start_of(win["window_opens"].to_numpy("datetime64[D]"), zone)
    deadline = win["deadline"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(_UNIT)
    opened = _later(o["wants_to_open"][rows], opens_at + o["window_jitter"][rows])
    ok = (opened < deadline) & (opened <= observed_until)
    rows, opened = rows[ok], opened[ok]
    claim = win["claim_usd"].to_numpy(float)[ok]
    dtype = win["dispute_type"].to_numpy(object)[ok]
    k = len(rows)

    def u(name: str) -> np.ndarray:
        return draws.uniform(name)[rows]

    def expo(name: str, mean: float) -> np.ndarray:
        return draws.exponential(name, mean)[rows]

    bu, se, pl, rf = sc.buyers, sc.sellers, sc.platform, sc.refunds
    never_inf = np.datetime64("9999-12-31", "s")
    seller_due = _fires(opened, pack, "seller_response")
    auto_due = _fires(opened, pack, "auto_escalation") if pack.has_timer("auto_escalation") else np.full(k, never_inf)
    esc_rule = pack.timer("buyer_escalation") if pack.has_timer("buyer_escalation") else None

    n_slots = 10
    ev = np.full((k, n_slots), -1, dtype=np.int8)
    at = np.full((k, n_slots), _NAT)
    amt = np.full((k, n_slots), np.nan)
    ev[:, 0], at[:, 0], amt[:, 0] = _E["opened"], opened, claim

    # slot 2: the seller's answer (or silence), slot 4: what ends or escalates the negotiation
    cancel_early = u("cancel_before_answer") < bu.p_cancel_before_answer
    answer_at = opened + _days(draws.lognormal("response_days", se.response_days_median, se.response_days_sigma)[rows])
    answer_at = np.maximum(answer_at, opened + np.timedelta64(600, "s"))
    silent = (u("seller_silent") < se.p_silent) | (answer_at >= seller_due)
    cancel_at = opened + ((seller_due - opened) * (0.05 + 0.85 * u("cancel_time"))).astype("timedelta64[s]")
    cancel_early &= ~(~silent & (answer_at <= cancel_at))
    answered = ~silent & ~cancel_early
    kind = draws.pick("seller_answer", se.answer, SELLER_ANSWERS)[rows]
    partial_offer = np.maximum(np.round(claim * draws.between("offer_fraction", se.partial_fraction)[rows], 2), 0.01)
    offer = np.where(kind == 1, np.minimum(partial_offer, claim), claim)
    proposes = answered & (kind < 2)
    ev[answered, 2] = np.where(proposes, _E["seller_proposed"], _E["seller_rejected"])[answered]
    at[answered, 2] = answer_at[answered]
    amt[proposes, 2] = offer[proposes]

    # slot 3: the buyer answers a proposal
    reply_at = answer_at + _hours(np.maximum(expo("answer_hours", bu.answer_hours_mean), 1 / 60))
    accept_p = np.where(kind == 0, bu.p_accept_full, bu.p_accept_partial)
    accepts = proposes & (u("accepts") < accept_p) & (reply_at < auto_due)
    rejects = proposes & ~accepts & (reply_at < auto_due)
    ev[accepts, 3], ev[rejects, 3] = _E["buyer_accepted"], _E["buyer_rejected"]
    at[accepts | rejects, 3] = reply_at[accepts | rejects]

    # after no agreement: escalate, cancel or wait
    no_deal = answered & ~accepts
    since = np.where(rejects, reply_at, answer_at)
    react_at = since + _hours(np.maximum(expo("react_hours", bu.answer_hours_mean), 1 / 60))
    action = draws.pick("after_no_agreement", bu.after_no_agreement, NO_AGREEMENT)[rows]
    has_auto = pack.has_timer("auto_escalation")
    late_escalation = react_at + _days(3 + 7 * u("late_escalation"))
    escalate_at = np.where(action == 2, late_escalation, react_at)
    if esc_rule is not None:
        allowed = _fires(opened if esc_rule.anchor == "opened" else answer_at, pack, "buyer_escalation")
        escalate_at = _later(escalate_at, allowed + np.timedelta64(60, "s"))
    escalate_at = _later(escalate_at, since + np.timedelta64(60, "s"))
    timed_out = proposes & (reply_at >= auto_due)
    buyer_escalates = no_deal & ~timed_out & ((action == 0) | ((action == 2) & (not has_auto))) & (escalate_at < auto_due)
    cancels = no_deal & ~timed_out & (action == 1) & (react_at < auto_due)
    auto_after_answer = no_deal & ~buyer_escalates & ~cancels

    silence = silence_event(pack)
    to_silence = silent & ~cancel_early
    ev[cancel_early, 4], at[cancel_early, 4] = _E["buyer_cancelled"], cancel_at[cancel_early]
    ev[cancels, 4], at[cancels, 4] = _E["buyer_cancelled"], react_at[cancels]
    ev[buyer_escalates, 4], at[buyer_escalates, 4] = _E["buyer_escalated"], escalate_at[buyer_escalates]
    ev[auto_after_answer, 4], at[auto_after_answer, 4] = _E["auto_escalated"], auto_due[auto_after_answer]
    ev[to_silence, 4], at[to_silence, 4] = _E[silence], seller_due[to_silence]
    if silence == "platform_decided":
        amt[to_silence, 4] = claim[to_silence]
    escalated = buyer_escalates | auto_after_answer | (to_silence & (silence == "auto_escalated"))

    # slot 5: the platform decides an escalated dispute
    not_received = win["problem"].to_numpy(object)[ok] == "not_received"
    filmed = o["filmed"][rows]
    p_win = np.where(not_received, pl.p_buyer_wins_not_received, np.where(filmed, pl.p_buyer_wins_filmed, pl.p_buyer_wins_unfilmed))
    wins = u("buyer_wins") < p_win
    partial_win = u("partial_decision") < pl.p_partial_decision
    partial_amount = np.maximum(np.round(claim * draws.between("decision_fraction", pl.partial_fraction)[rows], 2), 0.01)
    award = np.where(wins, np.where(partial_win, np.minimum(partial_amount, claim), claim), 0.0)
    decide_at = at[:, 4] + _days(draws.between("decision_days", pl.decision_days)[rows])
    ev[escalated, 5], at[escalated, 5], amt[escalated, 5] = _E["platform_decided"], decide_at[escalated], award[escalated]

    decided_silence = to_silence & (silence == "platform_decided")
    decided_at = np.where(accepts, reply_at, np.where(escalated, decide_at, np.where(decided_silence, seller_due, _NAT)))
    refund = np.where(accepts, offer, np.where(escalated, award, np.where(decided_silence, claim, 0.0)))
    cancelled = cancel_early | cancels
    closed_at = np.where(cancelled, at[:, 4], decided_at)

    # slots 6-9: return, refund issued, refund received
    pays = refund > 0
    returns = pays & (dtype == "return_goods") & (refund >= claim)
    ship_due = _fires(decided_at, pack, "return_shipping") if pack.has_timer("return_shipping") \
        else np.full(k, never_inf)  # fmt: skip
    ship_at = np.minimum(decided_at + _days(draws.between("return_ship_days", rf.return_ship_days)[rows]),
                         ship_due - np.timedelta64(3600, "s"))  # fmt: skip
    ship_at = _later(ship_at, decided_at + np.timedelta64(60, "s"))
    back_at = ship_at + _days(draws.lognormal("return_transit", rf.return_transit_days_median, rf.return_transit_days_sigma)[rows])
    ev[returns, 6], at[returns, 6] = _E["return_shipped"], ship_at[returns]
    ev[returns, 7], at[returns, 7] = _E["return_received"], back_at[returns]
    issue_from = np.where(returns, back_at, decided_at)
    issued_at = issue_from + _hours(np.maximum(expo("issue_hours", rf.issue_hours_mean), 1 / 60))
    ev[pays, 8], at[pays, 8], amt[pays, 8] = _E["refund_issued"], issued_at[pays], refund[pays]

    countries = np.asarray(o["countries"], dtype=object)[o["country"][rows]]
    methods = np.asarray(PAYMENT_METHODS, dtype=object)[o["method"][rows]]
    channel = refund_channel(pd.Series(methods), pack).to_numpy(object)
    arrive_at = _money_arrives(issued_at[pays], methods[pays], channel[pays], countries[pays],
                               u("refund_business_days")[pays], u("refund_hour")[pays], sc, pack)  # fmt: skip
    ev[pays, 9], at[pays, 9], amt[pays, 9] = _E["refund_received"], arrive_at, refund[pays]

    # slot 1: evidence (the unboxing video) between the opening and the next event
    nxt = np.where(np.isnat(at[:, 2]), at[:, 4], at[:, 2])
    evidence = filmed & ~not_received
    ev_at = opened + ((nxt - opened) * (0.05 + 0.45 * u("evidence_time"))).astype("timedelta64[s]")
    ev[evidence, 1], at[evidence, 1] = _E["evidence_added"], ev_at[evidence]

    path = np.select([accepts, cancelled, buyer_escalates], [0, 3, 2], default=1)
    outcome = np.select([cancelled, refund <= 0, refund >= claim - 0.005], [3, 2, 0], default=1)
    return {
        "rows": rows,
        "ev": ev,
        "at": at,
        "amt": amt,
        "claim": claim,
        "dispute_type": dtype,
        "problem": win["problem"].to_numpy(object)[ok],
        "path": path,
        "outcome": outcome,
        "refund": np.where(pays, refund, 0.0),
        "closed_at": closed_at,
        "escalated_at": np.where(escalated, at[:, 4], _NAT),
        "decided_at": decided_at,
        "channel": np.where(pays, channel, None),
        "methods": methods,
        "countries": countries,
    }


def _check_steps(ev: np.ndarray, at: np.ndarray, pack: Pack, amt: np.ndarray | None = None) -> None:
    """Replay every dispute's slots with the lifecycle's replay engine; raise on any broken rule.

    ``ev`` holds event codes (positions in :data:`~disputelib.lifecycle.EVENTS`, -1 for an
    empty slot), one row per dispute, in time order (equal instants are legal); ``at`` the
    instants and ``amt`` the amounts. The replay is the one :func:`disputelib.check_log`
    runs (:func:`disputelib.replay.run`), timers and amounts included.
    """
    events = np.asarray(EVENTS, dtype=object)
    present = ev >= 0
    amt = np.full(ev.shape, np.nan) if amt is None else amt

    def show(i: int) -> str:
        return ", ".join(f"{events[e]} {t}" for e, t in zip(ev[i], at[i], strict=True) if e >= 0)

    t = np.where(present, at, np.datetime64("NaT", "s"))
    last = np.fmax.accumulate(np.where(present, t, np.datetime64("1970-01-01", "s")), axis=1)
    back = present[:, 1:] & (t[:, 1:] < last[:, :-1])
    if back.any():
        raise SimulationError(f"simulated events out of time order: {show(int(np.flatnonzero(back.any(axis=1))[0]))}")
    rows, slots = np.nonzero(present)
    codes = ev[rows, slots].astype(np.int16)
    result = replay.run(replay.Engine.of(pack), rows, at[rows, slots].astype("datetime64[ns]").astype(np.int64), codes,
                        amt[rows, slots], events[codes])  # fmt: skip
    first = result.first_problem()
    if len(first):
        pos = int(first["pos"].iloc[0])
        i = int(result.key[pos])
        raise SimulationError(
            f"simulated step {events[result.ev[pos]]!r} in state {STATES[result.before[pos]]!r} is illegal under pack "
            f"{pack.name!r}: {first['message'].iloc[0]} (events: {show(i)})"
        )

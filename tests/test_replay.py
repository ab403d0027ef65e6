"""One replay engine: the auditor, the single dispute and the simulator judge a log the same way."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputelib.audit import RULES, check_log
from disputelib.lifecycle import (
    CLOSED_STATES,
    EVENTS,
    NEGOTIATION_EVENTS,
    STATES,
    Dispute,
    IllegalTransition,
    illegal_message,
    replay,
    transition_table,
)
from disputelib.simulate import SimulationError, _check_steps

PACKS = ("aliexpress-2022", "aliexpress-legacy")
COLUMNS = ["dispute_id", "order_id", "event", "at", "amount_usd"]
T0 = pd.Timestamp("2026-03-01T10:00:00-08:00")


def frame(rows, dispute="D1") -> pd.DataFrame:
    return pd.DataFrame([[dispute, "O1", e, pd.Timestamp(a).isoformat(), m] for e, a, m in rows], columns=COLUMNS)


def first_refusal(pack_name: str, rows) -> int | None:
    """The row a single dispute refuses first, or None when it accepts every row."""
    d = Dispute(pack_name)
    for i, (event, at, amount) in enumerate(rows):
        try:
            d.apply(event, at, amount)
        except IllegalTransition:
            return i
    return None


def first_error(pack_name: str, rows) -> int | None:
    """The first row the auditor reports an error on, or None."""
    findings = check_log(frame(rows), pack=pack_name).findings
    errors = findings[findings["severity"] == "error"]
    if errors.empty:
        return None
    return int(errors["message"].str.extract(r"^row (\d+):")[0].astype(int).min()) - 1


# Random histories: any event of the vocabulary (and one unknown), times that never go back (equal instants
# included), gaps from seconds to weeks so that timers run out, and amounts that may or may not be the claim.
steps = st.lists(
    st.tuples(
        st.sampled_from([*EVENTS, *EVENTS[:4], "auto_escalated", "platform_decided", "teleported"]),
        st.sampled_from([0.0, 0.0, 0.01, 1.0, 5.0, 23.0, 25.0, 72.0, 200.0, 400.0]),  # hours after the previous row
        st.sampled_from([None, 0.0, 8.0, 10.0]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pack_name=st.sampled_from(PACKS), drawn=steps, opens=st.booleans())
def test_random_logs_get_the_same_verdict_both_ways(pack_name, drawn, opens):
    rows, t = [], T0
    if opens:
        rows.append(("opened", T0, 10.0))
    for event, hours, amount in drawn:
        t = t + pd.Timedelta(hours=hours)
        rows.append((event, t, amount))
    assert first_refusal(pack_name, rows) == first_error(pack_name, rows)


@pytest.mark.parametrize("pack_name", PACKS)
def test_the_public_replay_matches_the_single_dispute(pack_name):
    rows = [("opened", T0, 10.0), ("evidence_added", T0, None), ("seller_rejected", T0 + pd.Timedelta(days=1), None),
            ("buyer_accepted", T0 + pd.Timedelta(days=2), None)]  # fmt: skip
    out = replay(frame(rows), pack_name)
    assert out["state_after"].tolist() == ["awaiting_seller", "awaiting_seller", "negotiating", "negotiating"]
    assert out["legal"].tolist() == [True, True, True, False]
    assert out["rule"].tolist()[-1] == "illegal_transition"
    with pytest.raises(IllegalTransition, match=out["message"].iloc[-1].replace("(", r"\(").replace(")", r"\)")):
        d = Dispute(pack_name)
        for event, at, amount in rows:
            d.apply(event, at, amount)
    assert out["due_event"].iloc[0] == ("auto_escalated" if pack_name == "aliexpress-2022" else "platform_decided")


def test_replay_keeps_the_input_order_and_index():
    rows = frame([("opened", T0, 5.0), ("seller_proposed", T0 + pd.Timedelta(hours=1), 5.0)])
    other = frame([("opened", T0, 5.0)], dispute="D2")
    log = pd.concat([rows, other]).iloc[::-1].set_axis([10, 11, 12])
    out = replay(log)
    assert out.index.tolist() == [10, 11, 12]
    assert out["state_after"].tolist() == ["awaiting_seller", "proposal_pending", "awaiting_seller"]


# ----------------------------------------------------------------- steps logs often miss


@pytest.mark.parametrize("pack_name", PACKS)
@pytest.mark.parametrize(
    ("before", "rules"),
    [
        ([("seller_proposed", 1, 10.0), ("buyer_accepted", 2, None)], []),  # accepted: money may simply arrive
        ([("seller_rejected", 1, None), ("buyer_escalated", 2, None), ("platform_decided", 3, 10.0)], []),
        ([("seller_rejected", 1, None), ("buyer_escalated", 2, None), ("platform_decided", 3, 0.0)],
         ["refund_after_seller_won"]),  # the seller won: no money may arrive
    ],
)  # fmt: skip
def test_refund_received_without_refund_issued(pack_name, before, rules):
    rows = [("opened", T0, 10.0), *((e, T0 + pd.Timedelta(days=d), a) for e, d, a in before),
            ("refund_received", T0 + pd.Timedelta(days=8), 10.0)]  # fmt: skip
    findings = check_log(frame(rows), pack=pack_name).findings
    assert [r for r in findings["rule"] if RULES[r] == "error"] == rules
    assert (first_refusal(pack_name, rows) is None) == (not rules)


@pytest.mark.parametrize("pack_name", PACKS)
def test_no_refusal_says_the_dispute_is_closed_about_a_legal_event(pack_name):
    table = transition_table(pack_name)
    legal = set(zip(table["state"], table["event"], strict=True))
    for state, event in itertools.product(STATES, EVENTS):
        if "the dispute is closed" in illegal_message(state, event):
            assert (state, event) not in legal
            assert event in NEGOTIATION_EVENTS or state == "cancelled", (state, event)
            assert state in CLOSED_STATES
    # returns and refunds after a closed negotiation are refused for their own reason
    assert illegal_message("agreed", "return_received") == "cannot receive a return after accepting a proposal"


# ----------------------------------------------------------------- the legacy silence refund carries the claim


@pytest.mark.parametrize(
    ("claim", "modified", "refund", "rules"),
    [
        (8.0, None, 8.0, []),
        (8.0, None, 5.0, ["auto_refund_amount"]),
        (8.0, None, None, ["auto_refund_amount"]),
        (8.0, 6.0, 6.0, []),  # the claim as last modified
        (8.0, 6.0, 8.0, ["auto_refund_amount"]),
    ],
)
def test_legacy_silence_refund_is_the_buyers_claim(claim, modified, refund, rules):
    rows = [("opened", T0, claim)]
    start = T0
    if modified is not None:
        start = T0 + pd.Timedelta(hours=2)
        rows.append(("modified", start, modified))
    # 5 calendar days after the opening (or change): 00:00 Pacific on 7 March
    rows.append(("platform_decided", pd.Timestamp("2026-03-07T00:00:00-08:00"), refund))
    findings = check_log(frame(rows), pack="aliexpress-legacy").findings
    assert findings["rule"].tolist() == rules
    if rules:
        assert f"refunds the buyer's claim of {(modified or claim):.2f} USD" in findings["message"].iloc[0]
    assert (first_refusal("aliexpress-legacy", rows) is None) == (not rules)


def test_a_decision_after_escalation_may_be_any_amount():
    rows = [("opened", T0, 8.0), ("buyer_escalated", pd.Timestamp("2026-03-03T00:00:00-08:00"), None),
            ("platform_decided", pd.Timestamp("2026-03-05T00:00:00-08:00"), 3.0)]  # fmt: skip
    assert check_log(frame(rows), pack="aliexpress-legacy").findings.empty


# ----------------------------------------------------------------- equal timestamps: legal, in log order


@pytest.mark.parametrize("pack_name", PACKS)
def test_equal_timestamps_are_legal_in_log_order_everywhere(pack_name):
    rows = [("opened", T0, 10.0), ("evidence_added", T0, None), ("seller_proposed", T0, 10.0), ("buyer_accepted", T0, None)]
    assert check_log(frame(rows), pack=pack_name).findings.empty
    assert first_refusal(pack_name, rows) is None
    ev = np.array([[EVENTS.index(e) for e, _, _ in rows]])
    at = np.array([[T0.tz_convert("UTC").tz_localize(None).to_datetime64()] * 4], dtype="datetime64[s]")
    _check_steps(ev, at, pack_name_pack(pack_name), np.array([[10.0, np.nan, 10.0, np.nan]]))
    # the log's order decides: accepting before the proposal is refused everywhere
    swapped = [rows[0], rows[1], rows[3], rows[2]]
    assert first_error(pack_name, swapped) == first_refusal(pack_name, swapped) == 2
    with pytest.raises(SimulationError, match="'buyer_accepted' in state 'awaiting_seller' is illegal"):
        _check_steps(ev[:, [0, 1, 3, 2]], at, pack_name_pack(pack_name))


def pack_name_pack(name):
    import disputelib as dl

    return dl.load_pack(name)


# ----------------------------------------------------------------- automatic events: never early, at most a day late

# aliexpress-2022: the seller_response countdown runs out 360 hours after 10:00 PST on 1 March = 11:00 PDT on 16 March.
DUE = pd.Timestamp("2026-03-16T11:00:00-07:00")


@pytest.mark.parametrize(
    ("after", "rules"),
    [
        ([("auto_escalated", DUE - pd.Timedelta(seconds=1))], ["early_auto_event"]),
        ([("auto_escalated", DUE)], []),
        ([("auto_escalated", DUE + pd.Timedelta(hours=24))], []),  # the platform job ran a day late
        ([("auto_escalated", DUE + pd.Timedelta(hours=24, seconds=1))], ["missing_auto_event"]),
        ([("evidence_added", DUE + pd.Timedelta(hours=2)), ("auto_escalated", DUE + pd.Timedelta(hours=5))], []),
        ([("evidence_added", DUE + pd.Timedelta(hours=25)), ("auto_escalated", DUE + pd.Timedelta(hours=26))],
         ["missing_auto_event"]),
        ([("seller_proposed", DUE + pd.Timedelta(hours=2))], ["missing_auto_event"]),  # the timer ran out first
        ([("seller_proposed", DUE - pd.Timedelta(seconds=1))], []),
    ],
)  # fmt: skip
def test_auto_events_are_never_early_and_at_most_a_day_late(after, rules):
    rows = [("opened", T0, 10.0), *((e, a, None) for e, a in after)]
    findings = check_log(frame(rows)).findings
    assert findings["rule"].tolist() == rules
    assert (first_refusal("aliexpress-2022", rows) is None) == (not rules)
    if rules == ["missing_auto_event"]:
        assert "the seller_response timer ran out at 2026-03-16T11:00:00-07:00" in findings["message"].iloc[0]


@pytest.mark.parametrize(
    ("as_of", "rules"),
    [("2026-03-15", []), ("2026-03-16", []), ("2026-03-17", ["missing_auto_event"])],
)
def test_a_silent_seller_at_the_end_of_the_log(as_of, rules):
    findings = check_log(frame([("opened", T0, 10.0)]), as_of=as_of).findings
    assert findings["rule"].tolist() == rules

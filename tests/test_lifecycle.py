from __future__ import annotations

import itertools

import pandas as pd
import pytest

import disputelib as dl
from disputelib.lifecycle import (
    EVENTS,
    STATES,
    Dispute,
    IllegalTransition,
    illegal_message,
    next_states,
    return_rule,
    seller_won,
    silence_event,
    timer_rules,
    transition_table,
)

OPEN = ("awaiting_seller", "awaiting_seller_again", "proposal_pending", "negotiating")

# The rules as the seeds and the help pages state them, one legal step per line:
# "state  event  next_state". Anything not listed is illegal. Logs often miss a step, so money received after
# an agreement, a decision or a return's arrival is legal with no refund_issued logged before it.
COMMON = """
new                    opened            awaiting_seller
awaiting_seller        modified          awaiting_seller
awaiting_seller_again  modified          awaiting_seller_again
proposal_pending       modified          awaiting_seller_again
negotiating            modified          awaiting_seller_again
escalated              modified          escalated
awaiting_seller        evidence_added    awaiting_seller
awaiting_seller_again  evidence_added    awaiting_seller_again
proposal_pending       evidence_added    proposal_pending
negotiating            evidence_added    negotiating
escalated              evidence_added    escalated
awaiting_seller        seller_proposed   proposal_pending
awaiting_seller_again  seller_proposed   proposal_pending
proposal_pending       seller_proposed   proposal_pending
negotiating            seller_proposed   proposal_pending
awaiting_seller        seller_rejected   negotiating
awaiting_seller_again  seller_rejected   negotiating
negotiating            seller_rejected   negotiating
proposal_pending       buyer_accepted    agreed
proposal_pending       buyer_rejected    negotiating
awaiting_seller_again  buyer_escalated   escalated
proposal_pending       buyer_escalated   escalated
negotiating            buyer_escalated   escalated
escalated              platform_decided  decided
awaiting_seller        buyer_cancelled   cancelled
awaiting_seller_again  buyer_cancelled   cancelled
proposal_pending       buyer_cancelled   cancelled
negotiating            buyer_cancelled   cancelled
escalated              buyer_cancelled   cancelled
agreed                 return_shipped    return_shipped
decided                return_shipped    return_shipped
return_shipped         return_received   return_received
agreed                 refund_issued     refund_issued
decided                refund_issued     refund_issued
return_received        refund_issued     refund_issued
refund_issued          refund_received   refunded
agreed                 refund_received   refunded
decided                refund_received   refunded
return_received        refund_received   refunded
"""
# aliexpress-2022: a silent seller escalates the dispute by itself.
ONLY_2022 = """
awaiting_seller        auto_escalated    escalated
awaiting_seller_again  auto_escalated    escalated
"""
# legacy: silence refunds the buyer; the buyer may escalate without an answer (from day 3);
# day 16 escalates any open dispute.
ONLY_LEGACY = """
awaiting_seller        platform_decided  decided
awaiting_seller_again  platform_decided  decided
awaiting_seller        buyer_escalated   escalated
awaiting_seller        auto_escalated    escalated
awaiting_seller_again  auto_escalated    escalated
proposal_pending       auto_escalated    escalated
negotiating            auto_escalated    escalated
"""


def expected(pack_name: str) -> dict[tuple[str, str], str]:
    text = COMMON + (ONLY_2022 if pack_name == "aliexpress-2022" else ONLY_LEGACY)
    return {(s, e): n for s, e, n in (line.split() for line in text.splitlines() if line.strip())}


PAIRS = [(p, s, e) for p in ("aliexpress-2022", "aliexpress-legacy") for s, e in itertools.product(STATES, EVENTS)]


@pytest.mark.parametrize(("pack_name", "state", "event"), PAIRS)
def test_every_step_of_both_packs(pack_name, state, event):
    want = expected(pack_name).get((state, event))
    assert next_states([state], [event], pack_name)[0] == want


@pytest.mark.parametrize("pack_name", ["aliexpress-2022", "aliexpress-legacy"])
def test_table_is_data_and_matches_vectorised_lookup(pack_name):
    table = transition_table(pack_name)
    assert list(table.columns) == ["state", "event", "next_state"]
    assert dict(zip(zip(table.state, table.event, strict=True), table.next_state, strict=True)) == expected(pack_name)
    states, events = zip(*itertools.product(STATES, EVENTS), strict=True)
    got = next_states(pd.Series(states), pd.Series(events), pack_name)
    want = [expected(pack_name).get(pair) for pair in zip(states, events, strict=True)]
    assert got.tolist() == want
    assert got.dtype == object


def test_unknown_names_are_illegal_not_errors():
    assert next_states(["nowhere", "new", None], ["opened", "teleported", "opened"]).tolist() == [None, None, None]
    with pytest.raises(ValueError, match="differ in length"):
        next_states(["new"], ["opened", "opened"])


def test_vocabulary():
    assert EVENTS == (
        "opened", "modified", "evidence_added", "seller_proposed", "seller_rejected", "buyer_accepted",
        "buyer_rejected", "buyer_escalated", "auto_escalated", "platform_decided", "buyer_cancelled",
        "return_shipped", "return_received", "refund_issued", "refund_received",
    )  # fmt: skip
    assert silence_event("aliexpress-2022") == "auto_escalated"
    assert silence_event("aliexpress-legacy") == "platform_decided"


def test_timers_come_from_the_pack():
    rules = {r.name: r for r in timer_rules("aliexpress-legacy")}
    assert (rules["seller_response"].offset, rules["seller_response"].event) == (5, "platform_decided")
    assert (rules["auto_escalation"].offset, rules["buyer_escalation"].offset) == (15, 2)
    shorter = dl.load_pack("aliexpress-2022", overrides={"timers.seller_response.offset": 3})
    d = Dispute(shorter)
    d.apply("opened", "2026-03-01T10:00:00-08:00")
    assert d.due("2026-03-04T09:59:59-08:00") is None  # a countdown: 3 x 24 hours after the opening
    assert d.due("2026-03-04T10:00:00-08:00") == "auto_escalated"


# ----------------------------------------------------------------- one dispute, step by step

T0 = "2026-03-01T10:00:00-08:00"  # a Sunday; daylight saving starts on 8 March


def replay(pack_name, steps):
    d = Dispute(pack_name)
    for event, at in steps:
        d.apply(event, at)
    return d


def test_seed_story_refund_only():
    d = replay(
        "aliexpress-2022",
        [("opened", T0), ("seller_proposed", "2026-03-03T09:00:00-08:00"), ("buyer_accepted", "2026-03-03T12:00"),
         ("refund_issued", "2026-03-03T12:05"), ("refund_received", "2026-03-08T09:00")],
    )  # fmt: skip
    assert d.state == "refunded" and d.closed
    assert [e for e, _, _ in d.history][-1] == "refund_received"


@pytest.mark.parametrize(
    ("steps", "bad", "message"),
    [
        ([("opened", T0), ("seller_proposed", "2026-03-02"), ("buyer_accepted", "2026-03-02T08:00")],
         ("buyer_rejected", "2026-03-02T09:00"), "cannot reject a proposal after accepting one: the dispute is closed"),
        ([("opened", T0), ("buyer_cancelled", "2026-03-02")],
         ("modified", "2026-03-03"), "cannot modify the dispute after the buyer cancelled: the dispute is closed with no refund"),
        ([("opened", T0)], ("buyer_escalated", "2026-03-05"),
         "cannot escalate the dispute while the seller has not answered yet: the buyer may escalate only after the seller has answered"),
        ([("opened", T0)], ("buyer_accepted", "2026-03-05"), "cannot accept a proposal while the seller has not answered yet"),
        ([("opened", T0)], ("opened", "2026-03-05"), "cannot open the dispute while the seller has not answered yet: it is already open"),
        ([], ("seller_proposed", T0), "cannot propose a refund before the dispute is opened"),
        ([("opened", T0)], ("refund_issued", "2026-03-02"), "cannot issue a refund while the seller has not answered yet"),
        ([("opened", T0), ("seller_rejected", "2026-03-02"), ("buyer_escalated", "2026-03-02T01:00"),
          ("platform_decided", "2026-03-09")], ("seller_proposed", "2026-03-10"),
         "cannot propose a refund after the platform decided: the dispute is closed"),
        ([("opened", T0)], ("teleported", "2026-03-02"), "unknown event 'teleported'"),
        ([("opened", T0), ("seller_rejected", "2026-03-03")], ("evidence_added", "2026-03-02"), "events out of time order"),
    ],
)  # fmt: skip
def test_illegal_steps_say_why(steps, bad, message):
    d = replay("aliexpress-2022", steps)
    before = d.state
    with pytest.raises(IllegalTransition, match=message.replace("(", r"\(")):
        d.apply(*bad)
    assert d.state == before  # an illegal step changes nothing


def test_2022_silence_escalates_360_hours_later_across_dst():
    # a countdown from 10:00 PST on 1 March: 360 hours later is 11:00 PDT on 16 March (clocks moved on 8 March)
    d = replay("aliexpress-2022", [("opened", T0)])
    assert d.deadlines() == {"seller_response": pd.Timestamp("2026-03-16T11:00:00-07:00")}
    assert d.due("2026-03-16T10:59:59-07:00") is None
    assert d.due("2026-03-16T11:00:00-07:00") == "auto_escalated"
    with pytest.raises(IllegalTransition, match="is before the seller_response timer ran out at 2026-03-16T11:00:00-07:00"):
        d.apply("auto_escalated", "2026-03-16T10:00:00-07:00")
    with pytest.raises(IllegalTransition, match="no auto_escalated followed; next came seller_proposed"):
        d.apply("seller_proposed", "2026-03-17T08:00:00-07:00")
    assert d.apply("auto_escalated", "2026-03-17T00:00:00-07:00") == "escalated"  # a platform job a few hours late
    assert d.due("2026-06-01") is None


def test_2022_modified_restarts_the_seller_timer():
    d = replay("aliexpress-2022", [("opened", T0), ("seller_proposed", "2026-03-05"), ("modified", "2026-03-10T15:00")])
    assert d.state == "awaiting_seller_again"
    assert d.deadlines()["seller_response"] == pd.Timestamp("2026-03-25T15:00:00-07:00")  # 360 hours after the change
    assert d.apply("buyer_escalated", "2026-03-11") == "escalated"  # the seller had answered before


def test_legacy_silence_refunds_the_buyer_after_5_days():
    d = replay("aliexpress-legacy", [("opened", T0)])
    assert d.next_timer() == ("platform_decided", pd.Timestamp("2026-03-07T00:00:00-08:00"))
    assert d.due("2026-03-07T00:00:00-08:00") == "platform_decided"
    assert d.apply("platform_decided", "2026-03-07T00:00:00-08:00", amount_usd=5.0) == "decided"


def test_legacy_buyer_may_escalate_from_the_3rd_day_without_answer():
    d = replay("aliexpress-legacy", [("opened", T0)])
    with pytest.raises(IllegalTransition, match=r"may escalate \(from 2026-03-03"):
        d.apply("buyer_escalated", "2026-03-02T23:59:00-08:00")
    assert d.apply("buyer_escalated", "2026-03-03T00:00:00-08:00") == "escalated"


def test_legacy_day_16_escalates_an_open_negotiation():
    d = replay("aliexpress-legacy", [("opened", T0), ("seller_proposed", "2026-03-02"), ("buyer_rejected", "2026-03-03")])
    assert d.next_timer() == ("auto_escalated", pd.Timestamp("2026-03-17T00:00:00-07:00"))
    with pytest.raises(IllegalTransition, match="no auto_escalated followed; next came seller_proposed"):
        d.apply("seller_proposed", "2026-03-18")
    assert d.apply("auto_escalated", "2026-03-17T00:00:00-07:00") == "escalated"


ACCEPT = [("opened", T0, 20.0), ("seller_proposed", "2026-03-02", 20.0), ("buyer_accepted", "2026-03-02T10:00", None)]
DECIDE = [("opened", T0, 20.0), ("seller_rejected", "2026-03-02", None), ("buyer_escalated", "2026-03-03", None)]


# "after agreeing to a return the buyer must ship within 10 days, or the money goes to the seller";
# a decision of 0 USD means the seller won. Each case: pack, steps (event, at, amount), the step, the refusal or None.
@pytest.mark.parametrize(
    ("pack_name", "steps", "step", "message"),
    [
        # aliexpress-2022 counts 240 hours down from the agreement at 10:00 PST on 2 March: 11:00 PDT on 12 March
        ("aliexpress-2022", ACCEPT, ("return_shipped", "2026-03-12T10:59:59", None), None),
        ("aliexpress-2022", ACCEPT, ("return_shipped", "2026-03-12T11:00", None),
         "return_shipped at 2026-03-12T11:00:00-07:00, but the return_shipping timer ran out at "
         "2026-03-12T11:00:00-07:00 (10 days after buyer_accepted at 2026-03-02T10:00:00-08:00): the money goes to the seller"),
        ("aliexpress-legacy", [*DECIDE, ("platform_decided", "2026-03-05", 20.0)], ("return_shipped", "2026-03-15T23:00", None),
         None),
        ("aliexpress-legacy", [*DECIDE, ("platform_decided", "2026-03-05", 20.0)], ("return_shipped", "2026-03-16", None),
         "the return_shipping timer ran out at 2026-03-16T00:00:00-07:00"),
        ("aliexpress-2022", [*DECIDE, ("platform_decided", "2026-03-05", 0.0)], ("refund_issued", "2026-03-06", 5.0),
         "refund_issued at 2026-03-06T00:00:00-08:00, but the platform decided 0 USD at 2026-03-05T00:00:00-08:00: "
         "the seller won"),
        ("aliexpress-2022", [*DECIDE, ("platform_decided", "2026-03-05", 0.0)], ("return_shipped", "2026-03-06", None),
         "return_shipped at .* the seller won"),
        ("aliexpress-2022", [*DECIDE, ("platform_decided", "2026-03-05", 5.0)], ("refund_issued", "2026-03-06", 5.0), None),
        ("aliexpress-2022", [*DECIDE, ("platform_decided", "2026-03-05", None)], ("refund_issued", "2026-03-06", 5.0), None),
    ],
)  # fmt: skip
def test_returns_in_time_and_nothing_after_the_seller_won(pack_name, steps, step, message):
    d = Dispute(pack_name)
    for event, at, amount in steps:
        d.apply(event, at, amount)
    before = d.state
    if message is None:
        assert d.apply(*step) != before
        return
    with pytest.raises(IllegalTransition, match=message.replace("(", r"\(").replace(")", r"\)")):
        d.apply(*step)
    assert d.state == before


def test_return_rule_and_seller_won_come_from_the_pack_and_the_amount():
    for pack_name in ("aliexpress-2022", "aliexpress-legacy"):
        rule = return_rule(pack_name)
        assert (rule.event, rule.kind, rule.offset, rule.anchor) == ("return_shipped", "limits", 10, "return_agreed")
        assert rule.anchor_events == ("buyer_accepted", "platform_decided")
    assert return_rule(dl.load_pack("aliexpress-2022", overrides={"timers.return_shipping.offset": 4})).offset == 4
    d = Dispute(dl.load_pack("aliexpress-2022", overrides={"timers.return_shipping.offset": 4}))
    for event, at, amount in ACCEPT:
        d.apply(event, at, amount)
    with pytest.raises(IllegalTransition, match="4 days after buyer_accepted at 2026-03-02T10:00:00-08:00"):
        d.apply("return_shipped", "2026-03-07T00:00")
    got = seller_won(["platform_decided"] * 4 + ["buyer_accepted", None], [0.0, "0", 0.01, None, 0.0, 0.0])
    assert got.tolist() == [True, True, False, False, False, False]


def test_naive_times_are_timer_zone_wall_time():
    d = replay("aliexpress-2022", [("opened", "2026-03-01T10:00")])
    assert d.history[0][1] == pd.Timestamp(T0)
    with pytest.raises(IllegalTransition, match="not a timestamp"):
        d.apply("modified", "yesterday")


def test_every_step_after_closing_says_the_dispute_is_closed():
    closed = ("agreed", "decided", "return_shipped", "return_received", "refund_issued", "refunded", "cancelled")
    for pack_name in ("aliexpress-2022", "aliexpress-legacy"):
        table = expected(pack_name)
        for state, event in itertools.product(closed, EVENTS[:11]):
            assert (state, event) not in table
            assert illegal_message(state, event).startswith("cannot ")
            assert "the dispute is closed" in illegal_message(state, event)

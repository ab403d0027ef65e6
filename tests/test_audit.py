from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import disputelib as dl
from disputelib.audit import RULES, LogColumnsError, check_log
from disputelib.lifecycle import Dispute, timer_rules, transition_table

COLUMNS = ["dispute_id", "order_id", "event", "at", "amount_usd"]


def log(*rows, dispute="D1", order="O1") -> pd.DataFrame:
    """Rows of (event, at[, amount]) for one dispute, as text like a CSV."""
    out = []
    for row in rows:
        event, at, *amount = row
        out.append([dispute, order, event, at, "" if not amount else str(amount[0])])
    return pd.DataFrame(out, columns=COLUMNS, dtype=object)


CLEAN_2022 = [
    log(("opened", "2026-03-01T10:00:00-08:00", 5.0), ("seller_proposed", "2026-03-03T09:00:00-08:00", 5.0),
        ("buyer_accepted", "2026-03-03T12:00:00-08:00"), ("refund_issued", "2026-03-03T12:05:00-08:00", 5.0),
        ("refund_received", "2026-03-09T09:00:00-07:00", 5.0), dispute="seed-story"),
    log(("opened", "2026-03-01T10:00", 20), ("evidence_added", "2026-03-01T10:05"),
        ("auto_escalated", "2026-03-17T00:00:00-07:00"), ("platform_decided", "2026-03-20T10:00", 20),
        ("refund_issued", "2026-03-20T11:00", 20), ("refund_received", "2026-03-27T11:00", 20), dispute="silent"),
    log(("opened", "2026-03-01T10:00", 20), ("seller_proposed", "2026-03-02", 5), ("buyer_rejected", "2026-03-02T10:00"),
        ("modified", "2026-03-03", 15), ("seller_rejected", "2026-03-10"), ("buyer_escalated", "2026-03-10T09:00"),
        ("platform_decided", "2026-03-14", 0), dispute="seller-won"),
    log(("opened", "2026-03-01T10:00", 20), ("seller_proposed", "2026-03-02", 20), ("buyer_accepted", "2026-03-02T10:00"),
        ("return_shipped", "2026-03-05"), ("return_received", "2026-03-25"), ("refund_issued", "2026-03-26", 20),
        ("refund_received", "2026-04-07", 20), dispute="returned"),
    log(("opened", "2026-03-01T10:00", 20), ("buyer_cancelled", "2026-03-01T11:00"), dispute="cancelled"),
]  # fmt: skip
CLEAN_LEGACY = [
    log(("opened", "2026-03-01T10:00", 8), ("platform_decided", "2026-03-07T00:00:00-08:00", 8),
        ("refund_issued", "2026-03-07T01:00", 8), ("refund_received", "2026-03-20T01:00", 8), dispute="silent"),
    log(("opened", "2026-03-01T10:00", 8), ("buyer_escalated", "2026-03-03T00:00"), ("platform_decided", "2026-03-05", 8),
        dispute="day-3"),
    log(("opened", "2026-03-01T10:00", 8), ("seller_proposed", "2026-03-02", 2), ("buyer_rejected", "2026-03-03"),
        ("auto_escalated", "2026-03-17T00:00:00-07:00"), ("platform_decided", "2026-03-18", 8), dispute="day-16"),
]  # fmt: skip


@pytest.mark.parametrize(("pack_name", "frames"), [("aliexpress-2022", CLEAN_2022), ("aliexpress-legacy", CLEAN_LEGACY)])
def test_a_clean_log_has_no_findings(pack_name, frames):
    events = pd.concat(frames, ignore_index=True)
    before = events.copy()
    result = check_log(events, pack=pack_name)
    assert result.findings.empty, result.findings["message"].tolist()
    assert list(result.findings.columns) == ["dispute_id", "rule", "severity", "message"]
    assert (result.errors, result.warnings, result.n_events) == (0, 0, len(events))
    assert result.disputes["errors"].sum() == 0
    pd.testing.assert_frame_equal(events, before)  # the caller's frame is untouched


def test_final_states_of_the_clean_2022_log():
    result = check_log(pd.concat(CLEAN_2022, ignore_index=True))
    assert dict(zip(result.disputes.dispute_id, result.disputes.state, strict=True)) == {
        "seed-story": "refunded", "silent": "refunded", "seller-won": "decided", "returned": "refunded",
        "cancelled": "cancelled",
    }  # fmt: skip


T0 = "2026-03-01T10:00:00-08:00"
# Each case: pack, the log of one dispute, the rules it breaks (in order), a phrase of the first message.
VIOLATIONS = [
    ("aliexpress-2022", [("seller_proposed", "2026-03-01"), ("opened", T0)], ["first_not_opened"],
     "first event is seller_proposed"),
    ("aliexpress-2022", [("opened", T0), ("buyer_escalated", "2026-03-02")], ["early_escalation"],
     "the buyer may escalate only after the seller has answered"),
    ("aliexpress-legacy", [("opened", T0), ("buyer_escalated", "2026-03-02T23:00")], ["early_escalation"],
     "before the buyer may escalate (from 2026-03-03"),
    # a countdown: 15 days = 360 hours after 10:00 PST on 1 March is 11:00 PDT on 16 March
    ("aliexpress-2022", [("opened", T0), ("auto_escalated", "2026-03-16T10:59")], ["early_auto_event"],
     "before the seller_response timer ran out at 2026-03-16T11:00:00-07:00"),
    ("aliexpress-legacy", [("opened", T0), ("platform_decided", "2026-03-06T23:00", 5)], ["early_auto_event"],
     "platform_decided at 2026-03-06T23:00:00-08:00 is before the seller_response timer ran out"),
    ("aliexpress-2022", [("opened", T0), ("seller_proposed", "2026-03-20")], ["missing_auto_event"],
     "no auto_escalated followed; next came seller_proposed at 2026-03-20T00:00:00-07:00"),
    ("aliexpress-legacy", [("opened", T0), ("seller_rejected", "2026-03-02"), ("evidence_added", "2026-03-20")],
     ["missing_auto_event"], "the auto_escalation timer ran out at 2026-03-17T00:00:00-07:00"),
    ("aliexpress-2022", [("opened", T0), ("seller_proposed", "2026-03-02"), ("buyer_accepted", "2026-03-03"),
                         ("buyer_rejected", "2026-03-04")], ["after_close"],
     "cannot reject a proposal after accepting one: the dispute is closed"),
    ("aliexpress-2022", [("opened", T0), ("buyer_cancelled", "2026-03-02"), ("evidence_added", "2026-03-04")],
     ["after_close"], "closed with no refund"),
    ("aliexpress-2022", [("opened", T0), ("seller_rejected", "2026-03-02"), ("buyer_escalated", "2026-03-03"),
                         ("platform_decided", "2026-03-05", 5), ("modified", "2026-03-06")], ["after_close"],
     "after the platform decided"),
    ("aliexpress-2022", [("opened", T0), ("refund_issued", "2026-03-02")], ["illegal_transition"],
     "cannot issue a refund while the seller has not answered yet"),
    ("aliexpress-2022", [("opened", T0), ("teleported", "2026-03-02")], ["unknown_event"], "unknown event 'teleported'"),
    ("aliexpress-2022", [("opened", T0), ("seller_rejected", "2026-03-05"), ("evidence_added", "2026-03-03")],
     ["out_of_order"], "evidence_added at 2026-03-03T00:00:00-08:00 is earlier than row 2"),
    ("aliexpress-2022", [("opened", T0), ("seller_proposed", "2026-03-02"), ("buyer_accepted", "2026-03-03T09:00"),
                         ("refund_issued", "2026-03-04"), ("refund_received", "2026-03-20")], ["late_refund"],
     "refund received on 2026-03-20, 3 business days after the promised latest 2026-03-17"),
    ("aliexpress-2022", [("opened", T0), ("modified", "bad time")], ["unreadable_row"], "row 2: unreadable timestamp 'bad time'"),
    ("aliexpress-2022", [("opened", T0, "five")], ["unreadable_row"], "amount_usd 'five' is not a number"),
    # "after agreeing to a return the buyer must ship within 10 days, or the money goes to the seller"
    ("aliexpress-2022", [("opened", T0, 20), ("seller_proposed", "2026-03-02", 20), ("buyer_accepted", "2026-03-02T10:00"),
                         ("return_shipped", "2026-03-12T11:00")], ["late_return"],
     "row 4: return_shipped at 2026-03-12T11:00:00-07:00, but the return_shipping timer ran out at "
     "2026-03-12T11:00:00-07:00 (10 days after buyer_accepted at 2026-03-02T10:00:00-08:00): the money goes to the seller"),
    ("aliexpress-legacy", [("opened", T0, 8), ("buyer_escalated", "2026-03-03"), ("platform_decided", "2026-03-05", 8),
                           ("return_shipped", "2026-03-20"), ("return_received", "2026-03-25")], ["late_return"],
     "(10 days after platform_decided on 2026-03-05)"),
    # a decision of 0 USD: the seller won, nothing is returned or refunded
    ("aliexpress-2022", [("opened", T0, 20), ("seller_rejected", "2026-03-02"), ("buyer_escalated", "2026-03-03"),
                         ("platform_decided", "2026-03-05", 0), ("refund_issued", "2026-03-06", 20),
                         ("refund_received", "2026-03-30", 20)], ["refund_after_seller_won", "refund_after_seller_won"],
     "row 5: refund_issued at 2026-03-06T00:00:00-08:00, but the platform decided 0 USD at 2026-03-05T00:00:00-08:00: "
     "the seller won"),
    ("aliexpress-legacy", [("opened", T0, 8), ("buyer_escalated", "2026-03-03"), ("platform_decided", "2026-03-05", 0),
                           ("return_shipped", "2026-03-25")], ["refund_after_seller_won"],
     "row 4: return_shipped at 2026-03-25T00:00:00-07:00, but the platform decided 0 USD"),
]  # fmt: skip


@pytest.mark.parametrize(("pack_name", "rows", "rules", "phrase"), VIOLATIONS)
def test_each_violation(pack_name, rows, rules, phrase):
    # the log runs at least to the end of 5 March, and never ends before its last event
    as_of = max(["2026-03-05", *(row[1][:10] for row in rows if re.match(r"\d{4}-\d\d-\d\d", row[1]))])
    result = check_log(log(*rows), pack=pack_name, as_of=as_of)
    assert result.findings["rule"].tolist() == rules
    assert phrase in result.findings["message"].iloc[0]
    assert set(result.findings["severity"]) == {RULES[r] for r in rules}
    assert result.findings["dispute_id"].tolist() == ["D1"] * len(rules)


ACCEPTED = [("opened", T0, 20), ("seller_proposed", "2026-03-02", 20), ("buyer_accepted", "2026-03-02T10:00")]
DECIDED = [("opened", T0, 20), ("seller_rejected", "2026-03-02"), ("buyer_escalated", "2026-03-03"),
           ("platform_decided", "2026-03-05T18:00", 12)]  # fmt: skip


# Each case: the pack's return_shipping offset, how the return was called for, when it was shipped, the rules.
# Counted in calendar days, the timer runs through the whole of date + offset (Pacific) and runs out at 00:00
# of the next day (aliexpress-2022 counts it down instead: tests/test_timers.py).
@pytest.mark.parametrize(
    ("offset", "before", "shipped", "rules"),
    [
        (10, ACCEPTED, "2026-03-05", []),
        (10, ACCEPTED, "2026-03-12T23:59:59", []),  # the 10th day after the agreement, its last second
        (10, ACCEPTED, "2026-03-13T00:00", ["late_return"]),  # 00:00 on the next day
        (10, ACCEPTED, "2026-03-13T06:59:59Z", []),  # 12 March 23:59:59 in Pacific time
        (10, ACCEPTED, "2026-03-13T07:00:00Z", ["late_return"]),  # 13 March 00:00 in Pacific time
        (3, ACCEPTED, "2026-03-05T23:00", []),  # the pack's offset, not a constant
        (3, ACCEPTED, "2026-03-06T00:00", ["late_return"]),
        (10, DECIDED, "2026-03-15T23:59", []),
        (10, DECIDED, "2026-03-16T00:00", ["late_return"]),
        (0, DECIDED, "2026-03-05T23:59", []),  # same day only
        (0, DECIDED, "2026-03-06T00:00", ["late_return"]),
    ],
)
def test_late_return_counts_from_the_agreement_or_decision(offset, before, shipped, rules):
    pack = dl.load_pack("aliexpress-2022", overrides={"timers.return_shipping.offset": offset,
                                                       "timers.return_shipping.counts": "calendar_days"})
    events = log(*before, ("return_shipped", shipped), ("return_received", "2026-04-20"))
    findings = check_log(events, pack=pack).findings
    assert findings["rule"].tolist() == rules
    if rules:
        assert f"({offset} days after" in findings["message"].iloc[0]
        assert findings["severity"].tolist() == ["error"]


@pytest.mark.parametrize(
    ("decided", "after", "rules"),
    [
        (0, [("refund_issued", "2026-03-06", 5)], ["refund_after_seller_won"]),
        ("0.00", [("return_shipped", "2026-03-06")], ["refund_after_seller_won"]),
        (0, [("refund_issued", "2026-03-06", 5), ("refund_received", "2026-03-10", 5)],
         ["refund_after_seller_won", "refund_after_seller_won"]),
        (0.01, [("refund_issued", "2026-03-06", 0.01), ("refund_received", "2026-03-10", 0.01)], []),
        ("", [("refund_issued", "2026-03-06", 5)], []),  # no amount: it does not say the seller won
        (12, [("return_shipped", "2026-03-06"), ("return_received", "2026-03-10")], []),
    ],
)  # fmt: skip
def test_no_return_or_refund_after_the_seller_won(decided, after, rules):
    events = log(*DECIDED[:-1], ("platform_decided", "2026-03-05T18:00", decided), *after)
    findings = check_log(events).findings
    assert findings["rule"].tolist() == rules
    assert all("the seller won" in m for m in findings["message"])


def test_missing_auto_event_only_when_the_log_runs_past_the_deadline_and_a_day():
    # the seller_response countdown runs out at 11:00 PDT on 16 March; a platform job may run a day late
    events = log(("opened", T0))
    assert check_log(events, as_of="2026-03-16").findings.empty  # runs to 00:00 on 17 March, within the day
    late = check_log(events, as_of="2026-03-17").findings  # runs to 00:00 on 18 March, 13 hours past the day
    assert late["rule"].tolist() == ["missing_auto_event"]
    assert "the log runs to 2026-03-18T00:00:00-07:00" in late["message"].iloc[0]
    assert "the seller_response timer ran out at 2026-03-16T11:00:00-07:00" in late["message"].iloc[0]
    # by default the log ends at its latest event, in any dispute
    other = log(("opened", "2026-04-01T10:00"), ("buyer_cancelled", "2026-04-01T11:00"), dispute="D2")
    assert check_log(pd.concat([events, other])).findings["dispute_id"].tolist() == ["D1"]


def test_unreadable_rows_are_reported_never_dropped():
    events = pd.concat([log(("opened", T0), ("seller_rejected", "2026-03-02")), log(("opened", "")), log(("opened", T0), dispute="")])
    result = check_log(events)
    assert result.findings["message"].tolist() == ["row 3: missing timestamp in 'at'", "row 4: missing dispute_id"]
    assert result.findings["dispute_id"].isna().tolist() == [False, True]
    assert result.disputes.set_index("dispute_id")["events"].to_dict() == {"D1": 3}
    assert "checked 4 events in 1 disputes" in result.summary()


def test_missing_columns_are_one_sentence():
    with pytest.raises(LogColumnsError, match="the event log has no 'at' column"):
        check_log(log(("opened", T0)).drop(columns="at"))
    with pytest.raises(LogColumnsError, match="'order_id'"):
        check_log(log(("opened", T0)).drop(columns="order_id"), orders=pd.DataFrame())


ORDERS = pd.DataFrame(
    {
        "order_id": ["O1", "O2", "O3", "O4"],
        "amount_usd": ["10.00", "10.00", "10.00", "-1"],
        "payment_method": ["card"] * 4,
        "shipped_at": ["2026-02-01", "2026-02-25", "2026-01-01", "2026-02-01"],
        "received_at": ["2026-02-10", "", "2026-01-20", ""],
        "buyer_country": ["US", "KR", "RU", "US"],
    }
)


@pytest.mark.parametrize("as_table", [True, False])
def test_order_checks(as_table):
    orders = dl.eligibility(ORDERS, "2026-03-20").table if as_table else ORDERS
    events = pd.concat([
        log(("opened", T0, 12.5), ("modified", "2026-03-01T11:00", 10)),  # claim too high; window 02-11 .. 02-25
        log(("opened", T0, 5), dispute="D2", order="O2"),  # opens 2026-03-07
        log(("opened", T0, 5), dispute="D3", order="O3"),  # closed 2026-02-04
        log(("opened", T0, 5), dispute="D4", order="O4"),  # rejected order
        log(("opened", T0, 5), dispute="D5", order="nope"),
    ])  # fmt: skip
    findings = check_log(events, orders, as_of="2026-03-02").findings
    by_dispute = findings.groupby("dispute_id")["rule"].apply(list).to_dict()
    assert by_dispute == {
        "D1": ["opened_outside_window", "claim_above_paid"],
        "D2": ["opened_outside_window"],
        "D3": ["opened_outside_window"],
        "D4": ["unknown_order"],
        "D5": ["unknown_order"],
    }
    text = dict(zip(findings.dispute_id + findings.rule, findings.message, strict=True))
    assert "after the order's window closed on 2026-02-25" in text["D1opened_outside_window"]
    assert "opened claims 12.50 USD, more than the 10.00 USD paid for order O1" in text["D1claim_above_paid"]
    assert "before the order's window opens on 2026-03-07" in text["D2opened_outside_window"]
    assert "order nope is not in the orders" in text["D5unknown_order"]
    if not as_table:
        assert "(rejected: amount_usd must be positive)" in text["D4unknown_order"]


def test_refund_calendar_comes_from_the_orders_country():
    # decided Thursday 2026-09-17; in Korea Chuseok (24-26 Sep) pushes the latest day to 2 Oct
    events = log(("opened", T0), ("seller_proposed", "2026-03-02"), ("buyer_accepted", "2026-09-17T10:00"),
                 ("refund_issued", "2026-09-18"), ("refund_received", "2026-10-02"), order="O2")  # fmt: skip
    orders = dl.eligibility(ORDERS, "2026-03-20").table.assign(window_closes=pd.Timestamp("2026-12-31"),
                                                              window_opens=pd.Timestamp("2026-01-01"))  # fmt: skip
    assert check_log(events, orders).findings.empty
    us = check_log(events).findings  # no orders: weekends only, latest 1 Oct
    assert us["rule"].tolist() == ["late_refund"]
    assert "1 business days after the promised latest 2026-10-01" in us["message"].iloc[0]
    assert "calendar weekends only" in us["message"].iloc[0]


def test_parquet_style_datetime_column_gives_the_same_findings():
    events = pd.concat([*CLEAN_2022, log(("opened", T0), ("buyer_escalated", "2026-03-02T10:00:00-08:00"), dispute="X")])
    typed = events.copy()
    instants = [pd.Timestamp(a) for a in events["at"]]
    instants = [t.tz_localize("America/Los_Angeles") if t.tzinfo is None else t for t in instants]
    typed["at"] = pd.Series(pd.DatetimeIndex([t.tz_convert("UTC") for t in instants]).tz_convert("Asia/Seoul"),
                            index=events.index)  # fmt: skip
    typed["amount_usd"] = pd.to_numeric(typed["amount_usd"])
    a, b = check_log(events), check_log(typed)
    assert a.findings["rule"].tolist() == b.findings["rule"].tolist()
    assert a.findings["rule"].tolist()[:1] == ["early_escalation"]



@pytest.mark.parametrize("far_future", [False, True], ids=["clean", "a row after 2199"])
@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles"])
def test_a_log_read_back_from_parquet_with_timestamps_is_checked(tmp_path, zone, far_future):
    """A Parquet timestamp column in nanoseconds arrives as read-only memory: reading it must not write into it."""
    events = pd.concat([*CLEAN_2022, log(("opened", T0), ("buyer_escalated", "2026-03-02T10:00:00-08:00"), dispute="X")])
    if far_future:  # outside 1970-2199: an unreadable row
        events = pd.concat([events, log(("opened", "2250-01-01T00:00:00+00:00"), dispute="Y")])
    typed = events.assign(
        at=pd.to_datetime(events["at"], utc=True, format="ISO8601").astype("datetime64[ns, UTC]").dt.tz_convert(zone),
        amount_usd=pd.to_numeric(events["amount_usd"]),
    )
    typed.to_parquet(tmp_path / "events.parquet")
    back = dl.read_table(tmp_path / "events.parquet", contract="events")
    assert back["at"].dtype == pd.DatetimeTZDtype("ns", zone)
    rules = check_log(back).findings["rule"].tolist()
    assert rules == check_log(events).findings["rule"].tolist()
    assert rules[0] == "early_escalation" and ("unreadable_row" in rules) == far_future, rules

# ----------------------------------------------------------------- random legal histories


def random_history(pack, choices: list[int], gaps: list[float], start: pd.Timestamp) -> list[tuple]:
    """A legal history drawn from the transition table and the pack's timers."""
    table = transition_table(pack)
    options_by_state = table.groupby("state")["event"].apply(list).to_dict()
    rules = timer_rules(pack)
    timer_steps = {(s, r.event) for r in rules if r.kind == "fires" for s in r.armed_in}
    permits = [r for r in rules if r.kind == "permits"]
    d = Dispute(pack)
    d.apply("opened", start, 10.0)
    t = start
    for choice, gap in zip(choices, gaps, strict=False):
        options = [e for e in options_by_state.get(d.state, []) if (d.state, e) not in timer_steps]
        pending = d.next_timer()
        if pending and (not options or choice % (len(options) + 1) == len(options)):
            event, t = pending[0], pending[1]
            d.apply(event, t, 10.0 if event == "platform_decided" else None)
            continue
        if not options:
            break
        event = options[choice % len(options)]
        when = t + pd.Timedelta(hours=gap)
        if pending and when >= pending[1]:
            when = t + (pending[1] - t) / 2
        if event == "buyer_escalated" and permits:
            since = d.timer_at(permits[0])
            if since is None or (pending and since >= pending[1]):
                continue
            when = max(when, since)
        d.apply(event, when, 10.0 if event in ("modified", "seller_proposed", "platform_decided") else None)
        t = when
    while (pending := d.next_timer()) is not None:  # let running timers fire: the log may go on
        d.apply(pending[0], pending[1], 10.0 if pending[0] == "platform_decided" else None)
    return d.history


histories = st.tuples(
    st.lists(st.integers(0, 50), min_size=1, max_size=25),
    st.lists(st.floats(0, 72), min_size=25, max_size=25),
    st.integers(0, 400 * 24),
    st.sampled_from(["America/Los_Angeles", "Asia/Seoul", "Europe/Moscow", "UTC"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pack_name=st.sampled_from(["aliexpress-2022", "aliexpress-legacy"]), drawn=st.lists(histories, min_size=1, max_size=6))
def test_legal_logs_replay_without_error_and_audit_clean(pack_name, drawn):
    rows = []
    for n, (choices, gaps, hour, zone) in enumerate(drawn):
        start = pd.Timestamp("2026-01-01T00:00:00-08:00") + pd.Timedelta(hours=hour)
        for event, at, amount in random_history(pack_name, choices, gaps, start):
            rows.append([f"D{n}", f"O{n}", event, at.tz_convert(zone).isoformat(), amount])
    events = pd.DataFrame(rows, columns=COLUMNS)
    for n in range(len(drawn)):  # replaying the written log, offsets and all, never raises
        replayed = Dispute(pack_name)
        for event, at, amount in events.loc[events.dispute_id == f"D{n}", ["event", "at", "amount_usd"]].itertuples(index=False):
            replayed.apply(event, at, amount)
    instants = pd.to_datetime(events["at"], utc=True, format="ISO8601")
    interleaved = events.iloc[instants.argsort(kind="stable").to_numpy()]  # disputes mixed, each in its own order
    result = check_log(interleaved, pack=pack_name)
    assert result.findings.empty, result.findings["message"].tolist()


@settings(max_examples=60, deadline=None)
@given(
    ids=st.lists(st.sampled_from(["A", "B", "C", "", None]), min_size=1, max_size=30),
    stamps=st.lists(st.sampled_from(["2026-03-01T10:00", "2026-03-02", "", "garbage", "2026-13-45", None]), min_size=30,
                    max_size=30),
    events=st.lists(st.sampled_from(["opened", "seller_proposed", "refund_received", "nonsense", ""]), min_size=30, max_size=30),
)  # fmt: skip
def test_check_log_never_drops_a_rows_dispute(ids, stamps, events):
    n = len(ids)
    frame = pd.DataFrame({"dispute_id": ids, "order_id": "O", "event": events[:n], "at": stamps[:n], "amount_usd": ""})
    result = check_log(frame)
    given_ids = {i for i in ids if i}
    assert set(result.disputes["dispute_id"]) == given_ids
    assert result.disputes["events"].sum() == sum(1 for i in ids if i)
    for i, (d, at) in enumerate(zip(ids, stamps[:n], strict=True)):
        unreadable = not d or at in ("", None, "garbage", "2026-13-45")
        if unreadable:
            assert result.findings["message"].str.startswith(f"row {i + 1}: ").any()
            if d:
                assert d in set(result.findings.loc[result.findings.rule == "unreadable_row", "dispute_id"])

"""Timers count as the rules say (calendar days or a countdown), and as_of is one calendar day everywhere."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import numpy as np
import pandas as pd
import pytest

import disputelib as dl
from disputelib.audit import check_log
from disputelib.cli import main
from disputelib.clock import AsOfError, end_of_day, parse_as_of
from disputelib.lifecycle import Dispute, return_rule, timer_rules
from disputelib.policy import PackError, describe

PACKS = ("aliexpress-2022", "aliexpress-legacy")


def shipped_toml(name: str) -> str:
    return (resources.files("disputelib") / "packs" / f"{name}.toml").read_text(encoding="utf-8")


# ----------------------------------------------------------------- every timer says how it counts


@pytest.mark.parametrize(
    ("pack_name", "timer", "counts"),
    [
        ("aliexpress-2022", "window_opens", "calendar_days"),
        ("aliexpress-2022", "window_closes", "calendar_days"),
        ("aliexpress-2022", "seller_response", "elapsed"),
        ("aliexpress-2022", "return_shipping", "elapsed"),
        ("aliexpress-2022", "buyer_escalation", "calendar_days"),
        ("aliexpress-2022", "refund_latest", "calendar_days"),
        ("aliexpress-legacy", "seller_response", "calendar_days"),
        ("aliexpress-legacy", "buyer_escalation", "calendar_days"),
        ("aliexpress-legacy", "auto_escalation", "calendar_days"),
        ("aliexpress-legacy", "return_shipping", "calendar_days"),
    ],
)
def test_each_pack_timer_says_how_it_counts(pack_name, timer, counts):
    assert dl.load_pack(pack_name).timer(timer).counts == counts


@pytest.mark.parametrize("pack_name", PACKS)
def test_every_shipped_timer_states_counts(pack_name):
    text = shipped_toml(pack_name)
    assert text.count("[timers.") == text.count("\ncounts = ")


def write(tmp_path, text):
    path = tmp_path / "custom.toml"
    path.write_text(text, encoding="utf-8")
    return path


SELLER = 'offset = 15\nunit = "days"\ncounts = "elapsed"\n'


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ('offset = 15\nunit = "days"\ncounts = "weekly"\n', "'timers.seller_response.counts' is 'weekly'"),
        ('offset = 15\nunit = "days"\n', "missing key 'timers.seller_response.counts'"),
        ('offset = 36\nunit = "hours"\ncounts = "calendar_days"\n', "'timers.seller_response.unit' is 'hours'"),
        ('offset = 15\nunit = "days"\ncount = "elapsed"\n', "unknown key 'timers.seller_response.count'"),
    ],
)
def test_counting_mistakes_name_the_key_and_the_file(tmp_path, new, message):
    text = shipped_toml("aliexpress-2022")
    assert SELLER in text
    path = write(tmp_path, text.replace(SELLER, new, 1))
    with pytest.raises(PackError, match=message) as raised:
        dl.load_pack(path)
    assert str(path) in str(raised.value)


def test_a_window_cannot_count_down(tmp_path):
    text = shipped_toml("aliexpress-2022").replace('unit = "days"\ncounts = "calendar_days"', 'unit = "days"\ncounts = "elapsed"', 1)
    with pytest.raises(PackError, match="'timers.window_opens.counts' is 'elapsed'"):
        dl.load_pack(write(tmp_path, text))


def test_an_elapsed_timer_in_hours(tmp_path):
    path = write(tmp_path, shipped_toml("aliexpress-2022").replace(SELLER, 'offset = 48\nunit = "hours"\ncounts = "elapsed"\n'))
    pack = dl.load_pack(path)
    assert pack.timer("seller_response").hours == 48
    d = Dispute(pack)
    d.apply("opened", "2026-03-07T12:00:00-08:00")
    # 48 hours across the change to summer time on 8 March: 13:00 PDT on the 9th
    assert d.next_timer() == ("auto_escalated", pd.Timestamp("2026-03-09T13:00:00-07:00"))
    assert "48 hours" in pack.timer("seller_response").rule.summary


# ----------------------------------------------------------------- countdowns across daylight saving


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        ("2026-03-01T10:00:00-08:00", "2026-03-16T11:00:00-07:00"),  # into summer time: an hour later on the clock
        ("2026-10-25T10:00:00-07:00", "2026-11-09T09:00:00-08:00"),  # out of it: an hour earlier
        ("2026-06-01T23:30:00-07:00", "2026-06-16T23:30:00-07:00"),  # no change: same wall time
    ],
)
def test_seller_response_counts_360_hours(opened, due):
    d = Dispute("aliexpress-2022")
    d.apply("opened", opened)
    assert d.deadlines() == {"seller_response": pd.Timestamp(due)}
    assert (pd.Timestamp(due) - pd.Timestamp(opened)) == pd.Timedelta(hours=360)


def test_legacy_counts_calendar_days():
    d = Dispute("aliexpress-legacy")
    d.apply("opened", "2026-03-01T23:59:00-08:00")
    assert d.deadlines()["seller_response"] == pd.Timestamp("2026-03-07T00:00:00-08:00")  # through 6 March


@pytest.mark.parametrize(
    ("shipped", "rules"),
    [
        ("2026-03-12T10:59:59", []),  # agreement 10:00 PST on 2 March + 240 hours = 11:00 PDT on 12 March
        ("2026-03-12T11:00", ["late_return"]),
        ("2026-03-12T17:59:59Z", []),
        ("2026-03-12T18:00:00Z", ["late_return"]),
    ],
)
def test_return_shipping_counts_down_from_the_agreement(shipped, rules):
    rows = [("opened", "2026-03-01T10:00", 20), ("seller_proposed", "2026-03-02", 20),
            ("buyer_accepted", "2026-03-02T10:00", ""), ("return_shipped", shipped, "")]  # fmt: skip
    log = pd.DataFrame([["D1", "O1", e, a, str(m)] for e, a, m in rows],
                       columns=["dispute_id", "order_id", "event", "at", "amount_usd"])  # fmt: skip
    findings = check_log(log).findings
    assert findings["rule"].tolist() == rules
    if rules:
        assert "(10 days after buyer_accepted at 2026-03-02T10:00:00-08:00)" in findings["message"].iloc[0]


def test_timer_rules_carry_the_counting():
    rules = {r.name: r for r in timer_rules("aliexpress-2022")}
    assert (rules["seller_response"].counts, rules["buyer_escalation"].counts) == ("elapsed", "calendar_days")
    assert return_rule("aliexpress-2022").counts == "elapsed"
    assert return_rule("aliexpress-legacy").counts == "calendar_days"


# ----------------------------------------------------------------- rules text follows the numbers


def test_rules_say_how_each_timer_counts(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "timer seller_response: opened + 15 days, a countdown from the event's instant (elapsed)" in out
    assert "timer window_opens: shipped + 10 days, calendar days" in out
    assert "The seller has 15 days (360 hours" in out
    legacy = describe(dl.load_pack("aliexpress-legacy"))
    assert "elapsed" not in legacy
    assert "escalate from the 3rd day" in legacy and "automatically on the 16th day" in legacy


def test_an_override_changes_the_rule_text_too():
    pack = dl.load_pack("aliexpress-2022", overrides={"timers.seller_response.offset": 5})
    summary = pack.timer("seller_response").rule.summary
    assert "5 days (120 hours" in summary and "15" not in summary
    again = pack.with_overrides({"timers.window_opens.offset": 2})
    assert "the 3rd day after shipment" in again.timer("window_opens").rule.summary
    assert "5 days" in again.timer("seller_response").rule.summary
    other = dl.load_pack("aliexpress-2022", overrides={"protection.default_days": 90, "evidence.photo_max_mb": 5})
    assert other.protection.rule.summary.startswith("An order that never arrives is protected for 90 days")
    assert "120 for BR, 90 for RU" in other.protection.rule.summary
    assert other.evidence.rule.summary == "Photos under 5 MB each, videos under 200 MB."


@pytest.mark.parametrize("pack_name", PACKS)
def test_no_placeholder_is_left_in_any_rule_text(pack_name):
    text = describe(dl.load_pack(pack_name))
    assert "{" not in text and "}" not in text


# ----------------------------------------------------------------- one as_of


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2026-11-27", dt.date(2026, 11, 27)),
        (" 2026-11-27 ", dt.date(2026, 11, 27)),
        (dt.date(2026, 11, 27), dt.date(2026, 11, 27)),
        (dt.datetime(2026, 11, 27), dt.date(2026, 11, 27)),
        (pd.Timestamp("2026-11-27"), dt.date(2026, 11, 27)),
        (np.datetime64("2026-11-27"), dt.date(2026, 11, 27)),
    ],
)
def test_as_of_is_a_calendar_day(value, day):
    assert parse_as_of(value) == day


@pytest.mark.parametrize(
    "value",
    ["03/04/2026", "2026-3-4", "2026-02-30", "20261127", "2026-11-27T00:00", "yesterday", "",
     pd.Timestamp("2026-11-27T10:00"), pd.Timestamp("2026-11-27", tz="UTC"), np.datetime64("NaT", "D"), 20261127],
)  # fmt: skip
def test_anything_else_is_refused_in_one_sentence(value):
    with pytest.raises(AsOfError, match="is not a date: use YYYY-MM-DD"):
        parse_as_of(value)


def test_a_log_is_judged_at_the_end_of_the_day_in_the_timer_zone():
    assert end_of_day("2026-03-07", "America/Los_Angeles") == pd.Timestamp("2026-03-08T00:00:00-08:00")
    assert end_of_day("2026-03-08", "America/Los_Angeles") == pd.Timestamp("2026-03-09T00:00:00-07:00")


def test_as_of_before_the_logs_last_event_is_an_error(tmp_path, capsys):
    log = pd.DataFrame({"dispute_id": ["D1", "D1"], "order_id": "O1", "event": ["opened", "seller_rejected"],
                        "at": ["2026-03-01T10:00", "2026-03-04T23:30"], "amount_usd": ["5", ""]})  # fmt: skip
    with pytest.raises(AsOfError, match="ends before the log's last event at 2026-03-04T23:30:00-08:00"):
        check_log(log, as_of="2026-03-03")
    assert check_log(log, as_of="2026-03-04").errors == 0  # the whole day counts
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    assert main(["check-log", str(path), "--as-of", "2026-03-03"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "ends before the log's last event" in err


def test_simulate_start_uses_the_same_parser(capsys, tmp_path):
    with pytest.raises(AsOfError, match="start '03/04/2026' is not a date"):
        dl.simulate(10, 1, start="03/04/2026")
    with pytest.raises(SystemExit):
        main(["simulate", "--orders", "10", "--seed", "1", "--out", str(tmp_path / "sim"), "--start", "03/04/2026"])
    assert "is not a date: use YYYY-MM-DD" in capsys.readouterr().err


def test_a_simulation_says_its_last_observed_day():
    sim = dl.simulate(200, 3, start="2026-01-01")
    assert sim.as_of == (sim.observed_until - pd.Timedelta(1, "ns")).tz_convert("America/Los_Angeles").date()
    assert check_log(sim.events, sim.orders, sim.pack, as_of=sim.as_of).errors == 0

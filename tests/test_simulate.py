"""The simulator: reproducible, chunk-independent, and its logs obey the packs' rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import disputelib as dl
from disputelib.audit import check_log
from disputelib.cli import main
from disputelib.clock import midnight_after
from disputelib.lifecycle import EVENTS
from disputelib.orders import PROBLEMS
from disputelib.payments import PAYMENT_METHODS
from disputelib.scenario import ScenarioError, load_scenario
from disputelib.simulate import (
    BLOCK_SIZE,
    DISPUTE_COLUMNS,
    EVENT_COLUMNS,
    OUTCOMES,
    PATHS,
    PENDING,
    Simulation,
    SimulationError,
    _check_steps,
    simulate,
    write_simulation,
)

PACKS = ("aliexpress-2022", "aliexpress-legacy")
TS = "datetime64[us, UTC]"
DISPUTE_DTYPES = {
    "dispute_id": "str",
    "order_id": "str",
    "store_id": "str",
    "payment_method": "str",
    "buyer_country": "str",
    "dispute_type": "str",
    "problem": "str",
    "claim_usd": "float64",
    "strategy": "str",
    "filmed_unboxing": "bool",
    "path": "str",
    "outcome": "str",
    "refund_usd": "float64",
    "opened_at": TS,
    "seller_answered_at": TS,
    "escalated_at": TS,
    "decided_at": TS,
    "refund_received_at": TS,
    "refund_channel": "str",
    "observed_until": TS,
    "pack": "str",
}


@pytest.fixture(scope="module", params=PACKS)
def sim(request) -> Simulation:
    return simulate(20_000, seed=11, pack=request.param)


@pytest.fixture(scope="module")
def story():
    return simulate(300, seed=5, scenario="seed-story")


def test_disputes_columns_and_dtypes_exactly(sim):
    d = sim.disputes
    assert tuple(d.columns) == DISPUTE_COLUMNS == tuple(DISPUTE_DTYPES)
    for name, dtype in DISPUTE_DTYPES.items():
        assert str(d[name].dtype) == dtype, name
    assert len(d) > 500
    assert d["dispute_id"].is_unique
    # a year of orders and a 60-day tail leave (almost) nothing pending; see test_short_observation...
    assert set(d["path"]) - {PENDING} == set(PATHS) - {PENDING}
    assert set(d["outcome"]) - {PENDING} == set(OUTCOMES) - {PENDING}
    assert set(d["dispute_type"]) == {"refund_only", "return_goods"}
    assert set(d["problem"]) == set(PROBLEMS)
    assert set(d["payment_method"]) <= set(PAYMENT_METHODS)
    assert set(d["refund_channel"].dropna()) == {"original", "alipay"}
    assert d["observed_until"].nunique() == 1
    assert (d["pack"] == sim.pack).all()


def test_dispute_rows_are_consistent(sim):
    d = sim.disputes
    end = sim.observed_until
    paid = d["refund_usd"] > 0
    assert (d["refund_usd"] <= d["claim_usd"] + 1e-9).all()
    assert d["refund_channel"].notna().eq(paid).all()
    assert (d.loc[d["outcome"] == "cancelled", "refund_usd"] == 0).all()
    assert (d.loc[d["outcome"] == "seller_won", "refund_usd"] == 0).all()
    assert (d.loc[d["path"] == "agreed_with_seller", "seller_answered_at"]).notna().all()
    assert (d.loc[d["path"] == "buyer_escalated", "escalated_at"]).notna().all()
    # a refund never arrives before its decision, nor after the end of the observation
    got = d["refund_received_at"].notna()
    assert (d.loc[got, "refund_received_at"] > d.loc[got, "decided_at"]).all()
    assert (d.loc[got, "refund_received_at"] <= end).all()
    assert not d.loc[~paid, "refund_received_at"].notna().any()
    assert (d["decided_at"].dropna() <= end).all() and (d["opened_at"] <= end).all()
    check_pending_rows(d)


def check_pending_rows(d: pd.DataFrame) -> None:
    """Pending disputes: path and outcome both pending, nothing decided, refunded or routed."""
    pending = d["path"] == PENDING
    assert pending.eq(d["outcome"] == PENDING).all()
    assert (d.loc[pending, "refund_usd"] == 0).all()
    for name in ("decided_at", "refund_received_at", "refund_channel"):
        assert d.loc[pending, name].isna().all(), name
    # everything else was agreed, decided or cancelled by observed_until
    closed = d.loc[~pending]
    assert closed["decided_at"].notna().eq(closed["outcome"] != "cancelled").all()


def test_events_are_the_check_log_format_and_match_disputes(sim):
    e = sim.events
    assert tuple(e.columns) == EVENT_COLUMNS
    assert str(e["at"].dtype) == TS and str(e["amount_usd"].dtype) == "float64"
    assert set(e["event"]) <= set(EVENTS)
    assert (e["at"] <= sim.observed_until).all()
    assert set(e["dispute_id"]) == set(sim.disputes["dispute_id"])
    assert (e["event"] == "opened").sum() == len(sim.disputes)
    opened = e[e["event"] == "opened"].set_index("dispute_id")["at"]
    assert opened.reindex(sim.disputes["dispute_id"]).to_numpy().tolist() == sim.disputes["opened_at"].tolist()
    got = e[e["event"] == "refund_received"].set_index("dispute_id")["at"]
    expected = sim.disputes.set_index("dispute_id")["refund_received_at"].dropna()
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


def test_orders_round_trip_through_eligibility_with_zero_rejects(sim):
    result = dl.eligibility(sim.orders, "2026-06-01", sim.pack)
    assert len(result.rejects) == 0
    assert len(result.table) == len(sim.orders)
    assert set(result.table["status"]) == {"not_shipped", "too_early", "open", "expired"}


def test_logs_pass_check_log_with_zero_errors(sim):
    result = check_log(sim.events, sim.orders, sim.pack, as_of=sim.as_of)
    assert result.errors == 0, result.findings.head().to_string()


def short(pack: str, seed: int = 11, n: int = 20_000, period: int = 30, tail: int = 0) -> Simulation:
    """A simulation observed only ``tail`` days after a ``period``-day run of orders."""
    sc = load_scenario("default", overrides={"scenario.period_days": period, "scenario.observation_tail_days": tail})
    return simulate(n, seed, scenario=sc, pack=pack)


@pytest.mark.parametrize("pack", PACKS)
def test_short_observation_keeps_pending_disputes(pack):
    sim = short(pack)
    d, e = sim.disputes, sim.events
    pending = d["path"] == PENDING
    assert pending.sum() > 50 and (~pending).sum() > 50
    check_pending_rows(d)
    # no dispute opened before observed_until is missing: one row per opened event, and per order
    assert (e["event"] == "opened").sum() == len(d)
    assert sorted(e.loc[e["event"] == "opened", "dispute_id"]) == sorted(d["dispute_id"])
    assert sorted(sim.orders["dispute_id"].dropna()) == sorted(d["dispute_id"])
    assert (d["opened_at"] < sim.observed_until).all() and (e["at"] <= sim.observed_until).all()
    # pending logs stop before any closing event; some already got an answer or were escalated
    closing = e["event"].isin(["buyer_accepted", "platform_decided", "buyer_cancelled"])
    assert not e.loc[closing, "dispute_id"].isin(d.loc[pending, "dispute_id"]).any()
    assert d.loc[pending, "seller_answered_at"].notna().any() and d.loc[pending, "escalated_at"].notna().any()
    result = check_log(e, sim.orders, pack, as_of=sim.as_of)
    assert result.errors == 0, result.findings.head().to_string()
    assert set(result.disputes.loc[result.disputes["dispute_id"].isin(d.loc[pending, "dispute_id"]), "state"]) <= {
        "awaiting_seller", "proposal_pending", "negotiating", "escalated"}  # fmt: skip


@pytest.mark.parametrize("pack", PACKS)
def test_a_shorter_observation_cuts_the_same_logs(pack):
    """Observing for less time cuts every log at the earlier end and drops nothing else."""
    cut, full = short(pack, tail=0), short(pack, tail=60)
    end = cut.observed_until
    before = full.events[full.events["at"] <= end].reset_index(drop=True)
    pd.testing.assert_frame_equal(cut.events, before)
    opened = full.disputes[full.disputes["opened_at"] <= end]
    assert cut.disputes["dispute_id"].tolist() == opened["dispute_id"].tolist()
    # disputes closed by the earlier end are the same rows in both
    done = cut.disputes[cut.disputes["path"] != PENDING].set_index("dispute_id")
    later = full.disputes.set_index("dispute_id").loc[done.index]
    columns = ["path", "outcome", "refund_usd", "decided_at", "refund_channel"]
    pd.testing.assert_frame_equal(done[columns], later[columns])


def test_timer_events_before_the_end_are_kept_in_pending_logs():
    sim = short("aliexpress-2022")
    pending = sim.disputes.loc[sim.disputes["path"] == PENDING, "dispute_id"]
    e = sim.events
    auto = e[(e["event"] == "auto_escalated") & e["dispute_id"].isin(pending)]
    assert len(auto) > 0
    result = check_log(e, sim.orders, sim.pack, as_of=sim.as_of)
    assert result.errors == 0
    # the audit notices if one were dropped: the test can fail
    dropped = check_log(e.drop(index=auto.index[:1]), sim.orders, sim.pack, as_of=sim.as_of)
    assert dropped.counts.to_dict() == {"missing_auto_event": 1}


#: 70 days from 29 September 2025 (last day 7 December), across the end of summer time on 2 November.
SEVENTY_DAYS = {"scenario.period_days": 60, "scenario.observation_tail_days": 10}


@pytest.mark.parametrize("pack", PACKS)
def test_the_period_is_whole_days_in_the_timer_zone(pack):
    """Orders from 00:00 Pacific on the start date, observed to the end of the last day as check-log --as-of reads it."""
    sc = load_scenario("default", overrides=SEVENTY_DAYS)
    sim = simulate(2_000, 5, scenario=sc, pack=pack, start="2025-09-29")
    zone = dl.load_pack(pack).timer_zone
    assert sim.observed_until == pd.Timestamp("2025-12-08 00:00", tz=zone) == pd.Timestamp("2025-12-08 08:00", tz="UTC")
    assert sim.observed_until == midnight_after(np.array(["2025-12-07"], dtype="datetime64[D]"), zone)[0]
    assert (sim.disputes["observed_until"] == sim.observed_until).all()
    ordered = sim.orders["ordered_at"]
    assert ordered.min() >= pd.Timestamp("2025-09-29 00:00", tz=zone)  # 07:00 UTC (summer time)
    assert ordered.min() < pd.Timestamp("2025-09-30 00:00", tz=zone) and ordered.max() < sim.observed_until


@pytest.mark.parametrize("pack", PACKS)
def test_check_log_cli_as_of_the_last_observed_day_finds_no_errors(pack, tmp_path, capsys):
    """The documented check of written simulation files: check-log --orders --as-of the last observed day.

    Seed 5 has timers running out at the very end (00:00 Pacific after 7 December). When the period ended at
    00:00 UTC, those events were cut though check-log --as-of 2025-12-07 expects them: missing_auto_event
    errors under both packs.
    """
    sc = load_scenario("default", overrides=SEVENTY_DAYS)
    sim = simulate(5_000, 5, scenario=sc, pack=pack, start="2025-09-29")
    paths = write_simulation(sim, tmp_path / "sim")
    findings = tmp_path / "findings.csv"
    code = main(["check-log", str(paths["events"]), "--orders", str(paths["orders"]), "--pack", pack,
                 "--as-of", "2025-12-07", "--out", str(findings), "--fail-on", "error"])  # fmt: skip
    err = capsys.readouterr().err
    found = pd.read_csv(findings)
    assert code == 0, found.head().to_string()
    assert " 0 errors" in err and f"in {len(sim.disputes)} disputes" in err
    assert (found["severity"] != "error").all()
    # the case that needs it: a timer that ran out at the last instant is in the log (legacy: calendar days end
    # at 00:00 Pacific; aliexpress-2022 counts down, so its timers run out at any time of the last day)
    at, auto = sim.events["at"], sim.events["event"].isin(["auto_escalated", "platform_decided"])
    if pack == "aliexpress-legacy":
        assert (at == sim.observed_until).any()
    else:
        assert (auto & (at > sim.observed_until - pd.Timedelta(days=1))).any()


def test_written_files_read_back(sim, tmp_path):
    paths = write_simulation(sim, tmp_path / "out")
    assert sorted(p.name for p in paths.values()) == ["disputes.parquet", "events.parquet", "orders.parquet"]
    orders = dl.read_table(paths["orders"])
    assert len(dl.eligibility(orders, "2026-06-01", sim.pack).rejects) == 0
    events = dl.read_table(paths["events"])
    assert check_log(events, orders, sim.pack, as_of=sim.as_of).errors == 0
    disputes = pd.read_parquet(paths["disputes"])
    assert tuple(disputes.columns) == DISPUTE_COLUMNS
    assert list(orders["item_prices"].iloc[0]) == sim.orders["item_prices"].iloc[0]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 3_000),
    pack=st.sampled_from(PACKS),
    scenario=st.sampled_from(["default", "seed-story"]),
    period=st.integers(1, 365),
    tail=st.integers(0, 60),
)
def test_property_every_simulated_log_obeys_the_pack(seed, n, pack, scenario, period, tail):
    sc = load_scenario(scenario, overrides={"scenario.period_days": period, "scenario.observation_tail_days": tail})
    sim = simulate(n, seed, scenario=sc, pack=pack)
    assert len(sim.orders) == n
    assert check_log(sim.events, sim.orders, pack, as_of=sim.as_of).errors == 0
    assert len(dl.eligibility(sim.orders, "2026-06-01", pack).rejects) == 0
    assert (sim.events["event"] == "opened").sum() == len(sim.disputes)
    check_pending_rows(sim.disputes)


def test_seller_fixes_record_when_and_how_much(sim):
    o = sim.orders
    assert str(o["seller_fix_at"].dtype) == TS and str(o["seller_fix_usd"].dtype) == "float64"
    fix = o["seller_fix"]
    # only buyers who talked first have a seller's answer; none, reship, refund and gift all occur
    assert fix.notna().eq(o["strategy"].eq("talk_first") & ~o["what_went_wrong"].isin(["none", "not_shipped"])).all()
    assert set(fix.dropna()) == {"none", "reship", "refund", "gift"}
    fixed = fix.isin(["reship", "refund", "gift"]).to_numpy(bool)
    assert o["seller_fix_at"].notna().to_numpy(bool).tolist() == fixed.tolist()
    # a fixed problem never goes to a dispute; the fix comes after the problem began
    assert o.loc[fixed, "dispute_id"].isna().all()
    began = o["delivered_at"].fillna(o["shipped_at"])
    assert (o.loc[fixed, "seller_fix_at"] > began[fixed]).all()
    # money only for a refund: a share of the problem's value (the order for a lost parcel)
    refund = fix.eq("refund").to_numpy(bool)
    assert (o.loc[~refund, "seller_fix_usd"] == 0).all() and (o.loc[refund, "seller_fix_usd"] >= 0.01).all()
    prices = o["item_prices"].map(np.asarray)
    index = o["problem_item_index"]
    value = np.array([p[int(i)] if pd.notna(i) else a for p, i, a in zip(prices, index, o["amount_usd"], strict=True)])
    share = o.loc[refund, "seller_fix_usd"] / value[refund]
    assert share.between(0.5 - 0.01, 1.0 + 1e-9).all() and share.std() > 0.05
    # a reship travels like a parcel, a gift is agreed within days, a refund reaches the buyer in between
    days = (o["seller_fix_at"] - began).dt.total_seconds() / 86_400
    delivered = o["what_went_wrong"].ne("lost")
    median = days[delivered].groupby(fix).median()
    assert median["gift"] < median["refund"] < median["reship"]
    assert median["reship"] > 10


def test_seller_fix_knobs():
    base = simulate(20_000, 4).orders
    sc = load_scenario("default", overrides={"sellers.fix_days_mean": 10.0, "sellers.refund_fraction": [1.0, 1.0]})
    slow = simulate(20_000, 4, scenario=sc).orders
    # the same orders get the same fixes; only their time and amount move
    pd.testing.assert_series_equal(base["seller_fix"], slow["seller_fix"])
    pd.testing.assert_frame_equal(base.drop(columns=["seller_fix_at", "seller_fix_usd"]),
                                  slow.drop(columns=["seller_fix_at", "seller_fix_usd"]))  # fmt: skip
    gift = base["seller_fix"].eq("gift")
    # the same draws stretched from a 2-day to a 10-day mean: every gift comes later, 8 days on average
    later = (slow.loc[gift, "seller_fix_at"] - base.loc[gift, "seller_fix_at"]).dt.total_seconds() / 86_400
    assert gift.sum() > 50 and (later > 0).all()
    assert later.mean() == pytest.approx(8, rel=0.25)
    refund = slow["seller_fix"].eq("refund")
    value = slow.loc[refund, "problem_amount_usd"].fillna(slow.loc[refund, "amount_usd"])
    assert np.allclose(slow.loc[refund, "seller_fix_usd"], value)


def test_same_seed_same_data_other_seed_other_data():
    a, b, c = simulate(3_000, 1), simulate(3_000, 1), simulate(3_000, 2)
    for name in ("orders", "events", "disputes"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.orders["amount_usd"].equals(c.orders["amount_usd"])


def test_first_orders_do_not_depend_on_how_many_are_simulated():
    small, big = simulate(1_000, 9), simulate(BLOCK_SIZE + 5_000, 9)
    pd.testing.assert_frame_equal(small.orders, big.orders.iloc[:1_000])
    ids = set(small.orders["order_id"])
    for name in ("events", "disputes"):
        part = getattr(big, name)
        pd.testing.assert_frame_equal(getattr(small, name), part[part["order_id"].isin(ids)].reset_index(drop=True))
    # the second block is the same whether it is cut short or not
    longer = simulate(BLOCK_SIZE + 6_000, 9)
    pd.testing.assert_frame_equal(big.orders, longer.orders.iloc[: len(big.orders)])


def test_order_ids_number_orders_across_blocks():
    sim = simulate(BLOCK_SIZE + 10, 3)
    assert sim.orders["order_id"].iloc[BLOCK_SIZE] == f"O{BLOCK_SIZE:09d}"
    assert sim.orders["order_id"].is_unique


def test_seed_story(story):
    o, d = story.orders, story.disputes
    assert (o["n_items"] == 18).all() and (o["store_id"] == "S00000").all()
    prices = o["item_prices"].map(np.asarray)
    dearest = prices.map(np.argmax)
    assert (o["problem_item_index"].astype(int) == dearest).all()
    assert o["problem_amount_usd"].median() == pytest.approx(5, abs=1.5)
    transit = (o["delivered_at"] - o["shipped_at"]).dt.total_seconds() / 86_400
    assert transit.between(17, 23).all()
    assert (d["strategy"] == "dispute_at_once").all() and not d["filmed_unboxing"].any()
    assert (d["dispute_type"] == "refund_only").all() and (d["problem"] == "missing_items").all()
    assert (d["path"] == "agreed_with_seller").all() and (d["outcome"] == "refunded_full").all()
    merged = d.merge(o[["order_id", "delivered_at"]], on="order_id")
    assert ((merged["opened_at"] - merged["delivered_at"]) < pd.Timedelta(days=1.5)).all()
    decided = (d["decided_at"] - d["opened_at"]).dt.total_seconds() / 86_400
    assert decided.median() == pytest.approx(2, abs=0.5)
    back = (d["refund_received_at"] - d["opened_at"]).dt.total_seconds() / 86_400
    assert 5 <= back.median() <= 9
    assert (d["refund_channel"] == "original").all()


def test_most_expensive_knob():
    sc = load_scenario("seed-story", overrides={"fulfilment.p_most_expensive_missing": 0.0})
    o = simulate(400, 5, scenario=sc).orders
    dearest = o["item_prices"].map(np.argmax)
    share = (o["problem_item_index"].astype(int) == dearest).mean()
    assert share < 0.2  # about 1 in 18 when any item may be the missing one


def test_legacy_silence_refunds_the_buyer_and_2022_escalates():
    e22 = simulate(20_000, 4, pack="aliexpress-2022")
    legacy = simulate(20_000, 4, pack="aliexpress-legacy")
    silent22 = e22.disputes[(e22.disputes["path"] == "auto_escalated") & e22.disputes["seller_answered_at"].isna()]
    assert silent22["escalated_at"].notna().all()
    silent = legacy.disputes[(legacy.disputes["path"] == "auto_escalated") & legacy.disputes["seller_answered_at"].isna()]
    assert len(silent) and silent["escalated_at"].isna().all()
    assert (silent["refund_usd"] == silent["claim_usd"]).all()


def test_every_step_is_checked_against_the_table(pack):
    ev = np.array([[EVENTS.index("opened"), EVENTS.index("buyer_escalated")]])
    at = np.array([["2026-03-01T10:00", "2026-03-02T10:00"]], dtype="datetime64[s]")
    with pytest.raises(SimulationError, match="'buyer_escalated' in state 'awaiting_seller' is illegal"):
        _check_steps(ev, at, pack)
    ev = np.array([[EVENTS.index("opened"), EVENTS.index("seller_rejected")]])
    at = np.array([["2026-03-01T10:00", "2026-03-01T09:00"]], dtype="datetime64[s]")
    with pytest.raises(SimulationError, match="out of time order"):
        _check_steps(ev, at, pack)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_orders must be a whole number, zero or more"):
        simulate(-1, 1)
    with pytest.raises(ValueError, match="is not a date"):
        simulate(10, 1, start="soon")
    with pytest.raises(ScenarioError):
        simulate(10, 1, scenario="nope")


def test_cli_simulate(tmp_path, capsys):
    out = tmp_path / "sim"
    code = main(["simulate", "--orders", "2000", "--seed", "3", "--out", str(out), "--pack", "aliexpress-legacy"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["disputes.parquet", "events.parquet", "orders.parquet"]
    err = capsys.readouterr().err
    assert "simulated 2000 orders" in err and "seconds" in err
    assert main(["simulate", "--orders", "10", "--seed", "3", "--out", str(out), "--scenario", "nope"]) == 2
    assert "unknown scenario 'nope'" in capsys.readouterr().err

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.duration.survfunc import SurvfuncRight

from disputelib import analysis
from disputelib.analysis import AnalysisError
from disputelib.scenario import load_scenario
from disputelib.simulate import simulate
from disputelib.tables import read_table

T0 = pd.Timestamp("2026-03-01 08:00", tz="UTC")
UNTIL = pd.Timestamp("2026-06-01", tz="UTC")


def at(days: float | None) -> pd.Timestamp:
    return pd.NaT if days is None else T0 + pd.Timedelta(days=days)


def disputes(*rows: dict) -> pd.DataFrame:
    """A dispute table; each row gives days after opening for its steps (None: did not happen)."""
    records = []
    for i, row in enumerate(rows):
        records.append(
            {
                "dispute_id": f"D{i}",
                "order_id": f"O{i}",
                "payment_method": row.get("payment_method", "card"),
                "strategy": row.get("strategy", "dispute_at_once"),
                "outcome": row.get("outcome", "refunded_full"),
                "claim_usd": row.get("claim_usd", 10.0),
                "refund_usd": row.get("refund_usd", 10.0 if str(row.get("outcome", "refunded")).startswith("ref") else np.nan),
                "opened_at": T0,
                "seller_answered_at": at(row.get("answered")),
                "escalated_at": at(row.get("escalated")),
                "decided_at": at(row.get("decided")),
                "refund_received_at": at(row.get("received")),
                "refund_channel": row.get("refund_channel", pd.NA),
                "observed_until": row.get("until", UNTIL),
            }
        )
    frame = pd.DataFrame.from_records(records)
    for name in ("seller_answered_at", "escalated_at", "decided_at", "refund_received_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    frame["outcome"] = frame["outcome"].astype("string")
    return frame


@pytest.mark.parametrize(
    ("case", "row", "kept", "days", "event"),
    [
        ("refund received 7 days after opening", {"decided": 2, "received": 7}, True, 7.0, True),
        ("refund received after 3.5 days counts the half day", {"decided": 1, "received": 3.5}, True, 3.5, True),
        ("decided for the buyer, money still travelling: censored at observed_until",
         {"decided": 2, "received": None}, True, (UNTIL - T0) / pd.Timedelta(days=1), False),
        ("not decided yet: censored at observed_until", {"outcome": pd.NA, "received": None},
         True, (UNTIL - T0) / pd.Timedelta(days=1), False),
        ("still pending at observed_until: censored there, not left out",
         {"outcome": "pending", "refund_usd": 0.0, "received": None},
         True, (UNTIL - T0) / pd.Timedelta(days=1), False),
        ("pending, escalated on day 5: censored at a 20-day observation",
         {"outcome": "pending", "refund_usd": 0.0, "escalated": 5, "until": at(20)}, True, 20.0, False),
        ("partial refund received", {"outcome": "refunded_partial", "decided": 2, "received": 9}, True, 9.0, True),
        ("seller won: excluded, never refunded", {"outcome": "seller_won", "decided": 4}, False, None, None),
        ("cancelled by the buyer: excluded", {"outcome": "cancelled"}, False, None, None),
    ],
)
def test_refund_durations_cases(case, row, kept, days, event):
    out = analysis.refund_durations(disputes(row))
    assert len(out) == int(kept), case
    if kept:
        assert out["days"].iloc[0] == pytest.approx(days), case
        assert bool(out["event"].iloc[0]) is event, case


def test_excluded_disputes_are_counted():
    frame = disputes({"received": 5}, {"outcome": "seller_won"}, {"outcome": "seller_won"}, {"outcome": "cancelled"})
    out = analysis.refund_durations(frame)
    assert len(out) == 1
    assert out.attrs["no_refund"] == {"seller_won": 2, "cancelled": 1}


def test_pending_disputes_are_censored_not_no_refund():
    frame = disputes(
        {"received": 5},
        {"outcome": "pending", "refund_usd": 0.0, "answered": 1},
        {"outcome": "pending", "refund_usd": 0.0, "escalated": 4},
        {"outcome": "seller_won", "decided": 6},
    )
    out = analysis.refund_durations(frame)
    assert out["dispute_id"].tolist() == ["D0", "D1", "D2"]
    assert out["event"].tolist() == [True, False, False]
    assert out.attrs["no_refund"] == {"seller_won": 1, "cancelled": 0}
    row = analysis.refund_time_summary(frame, by=None).iloc[0]
    assert (row["n"], row["events"], row["censored"], row["no_refund"]) == (3, 1, 2, 1)
    funnel = analysis.funnel(frame).set_index("stage")["disputes"].to_dict()
    assert funnel == {"opened": 4, "seller_answered": 1, "escalated": 1, "decided": 1, "refunded": 1}
    money = analysis.recovered(frame).iloc[0]
    assert (money["disputes"], money["claimed_usd"], money["awarded_usd"], money["pending_usd"]) == (4, 40.0, 10.0, 0.0)


def test_simulated_pending_disputes_are_censored_at_observed_until():
    sc = load_scenario("default", overrides={"scenario.period_days": 30, "scenario.observation_tail_days": 0})
    sim = simulate(5_000, 3, scenario=sc)
    d = sim.disputes
    pending = d["outcome"] == "pending"
    assert pending.sum() > 10
    out = analysis.refund_durations(d).set_index("dispute_id")
    assert set(d.loc[pending, "dispute_id"]) <= set(out.index)
    censored = out.loc[d.loc[pending, "dispute_id"]]
    assert not censored["event"].any()
    expected = (sim.observed_until - d.loc[pending, "opened_at"]) / pd.Timedelta(days=1)
    np.testing.assert_allclose(censored["days"], expected.to_numpy())
    no_refund = d["outcome"].isin(analysis.NO_REFUND).sum()
    assert sum(out.attrs["no_refund"].values()) == no_refund
    assert len(out) == len(d) - no_refund
    assert analysis.funnel(d).set_index("stage").loc["opened", "disputes"] == len(d)


def test_refund_durations_does_not_modify_its_input():
    frame = disputes({"received": 5}, {"outcome": "seller_won"})
    before = frame.copy()
    analysis.refund_durations(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_a_refund_before_opening_is_an_error():
    with pytest.raises(AnalysisError, match="end before they were opened"):
        analysis.refund_durations(disputes({"received": -1}))


def test_a_missing_column_is_named():
    with pytest.raises(AnalysisError, match="'observed_until'"):
        analysis.refund_durations(disputes({"received": 1}).drop(columns="observed_until"))


def test_survival_by_uses_statsmodels_kaplan_meier():
    frame = disputes({"received": 1}, {"received": 2}, {"received": 3}, {"received": 4, "payment_method": "paypal"})
    fits = analysis.survival_by(frame, by="payment_method")
    assert list(fits) == ["card", "paypal"]
    assert isinstance(fits["card"], SurvfuncRight)
    np.testing.assert_allclose(fits["card"].surv_times, [1, 2, 3])
    np.testing.assert_allclose(fits["card"].surv_prob, [2 / 3, 1 / 3, 0])


def test_censoring_keeps_the_curve_up():
    # one refund at day 2, one still pending at day 5, one at day 10: S(2) = 2/3, S(10) = 0
    frame = disputes({"received": 2}, {"received": None, "until": at(5)}, {"received": 10})
    fit = analysis.survival_by(frame, by=None)["all"]
    np.testing.assert_allclose(fit.surv_prob, [2 / 3, 0])


@pytest.mark.parametrize(
    ("case", "received", "median", "p90"),
    [
        # statsmodels' convention: the first day on which fewer than 1 - p are still waiting
        ("ten refunds a day apart", list(range(1, 11)), 6.0, 10.0),
        ("all pending: no quantile reached", [None] * 4, np.nan, np.nan),
        ("exactly half refunded at day 3: median not reached yet", [3, 3, None, None], np.nan, np.nan),
        ("three of four refunded at day 3: median reached, p90 not", [3, 3, 3, None], 3.0, np.nan),
    ],
)
def test_refund_time_summary_quantiles(case, received, median, p90):
    summary = analysis.refund_time_summary(disputes(*({"received": r} for r in received)))
    row = summary.iloc[0]
    np.testing.assert_allclose(row["median_days"], median, err_msg=case)
    np.testing.assert_allclose(row["p90_days"], p90, err_msg=case)


def test_refund_time_summary_counts_and_intervals():
    rows = [{"received": d} for d in range(1, 21)]
    rows += [{"received": None}] * 3 + [{"outcome": "seller_won"}] * 2
    rows += [{"payment_method": "western_union", "received": d + 5} for d in range(1, 6)]
    summary = analysis.refund_time_summary(disputes(*rows), by="payment_method")
    assert summary["payment_method"].tolist() == ["card", "western_union"]
    card = summary.iloc[0]
    assert (card["n"], card["events"], card["censored"], card["no_refund"]) == (23, 20, 3, 2)
    assert card["median_lo"] <= card["median_days"] <= card["median_hi"]
    assert np.isnan(card["p90_days"])  # 3 of 23 (13 %) still pending: 90 % not reached
    wu = summary.iloc[1]
    assert (wu["median_days"], wu["p90_days"]) == (8.0, 10.0)  # days 6..10
    assert list(summary.columns[1:]) == list(analysis._SUMMARY_COLUMNS)


def test_refund_time_summary_of_an_empty_table():
    summary = analysis.refund_time_summary(disputes({"received": 1}).iloc[:0])
    assert summary.empty
    assert summary.columns[0] == "payment_method"


def test_logrank_tells_fast_from_slow():
    fast = [{"received": d, "payment_method": "card"} for d in np.linspace(1, 6, 30)]
    slow = [{"received": d, "payment_method": "western_union"} for d in np.linspace(10, 25, 30)]
    result = analysis.logrank(disputes(*fast, *slow)).iloc[0]
    assert result["groups"] == 2 and result["df"] == 1
    assert result["p_value"] < 1e-6


def test_logrank_same_curves_are_not_different():
    same = [{"received": d, "payment_method": m} for d in np.linspace(1, 10, 20) for m in ("card", "paypal")]
    assert analysis.logrank(disputes(*same)).iloc[0]["p_value"] > 0.9


def test_logrank_with_one_group_is_undefined():
    result = analysis.logrank(disputes({"received": 1}, {"received": 2})).iloc[0]
    assert result["groups"] == 1 and np.isnan(result["p_value"])


def test_funnel_counts_each_step():
    frame = disputes(
        {"answered": 1, "decided": 3, "received": 9},
        {"answered": 1, "escalated": 5, "decided": 8, "received": None},
        {"escalated": 15, "decided": 20, "outcome": "seller_won"},
        {"outcome": "cancelled"},
    )
    out = analysis.funnel(frame)
    assert out["stage"].tolist() == list(analysis.STAGES)
    assert out["disputes"].tolist() == [4, 2, 2, 3, 1]
    assert out["share"].tolist() == [1.0, 0.5, 0.5, 0.75, 0.25]


def test_funnel_by_group_and_empty():
    frame = disputes({"strategy": "talk_first", "answered": 1}, {"strategy": "dispute_at_once"})
    out = analysis.funnel(frame, by="strategy")
    assert out["strategy"].unique().tolist() == ["dispute_at_once", "talk_first"]
    assert out.query("stage == 'seller_answered'")["disputes"].tolist() == [0, 1]
    empty = analysis.funnel(frame.iloc[:0])
    assert empty["disputes"].tolist() == [0] * 5


def test_recovered_money():
    frame = disputes(
        {"claim_usd": 10.0, "refund_usd": 10.0, "received": 7},
        {"claim_usd": 20.0, "refund_usd": 5.0, "outcome": "refunded_partial", "received": None},
        {"claim_usd": 30.0, "outcome": "seller_won"},
    )
    row = analysis.recovered(frame).iloc[0]
    assert (row["group"], row["disputes"], row["refunded"]) == ("all", 3, 1)
    assert (row["claimed_usd"], row["awarded_usd"], row["received_usd"], row["pending_usd"]) == (60.0, 15.0, 10.0, 5.0)
    assert row["recovered_share"] == pytest.approx(10 / 60, abs=1e-3)


outcomes = st.sampled_from(["refunded_full", "refunded_partial", "seller_won", "cancelled", "pending", None])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(outcomes, st.one_of(st.none(), st.floats(0, 80))), min_size=1, max_size=30))
def test_every_dispute_is_either_analysed_or_counted_as_no_refund(rows):
    frame = disputes(*(
        {"outcome": o if o else pd.NA, "received": r if o in analysis.REFUNDED else None} for o, r in rows
    ))
    out = analysis.refund_durations(frame)
    assert len(out) + sum(out.attrs["no_refund"].values()) == len(frame)
    assert (out["days"] >= 0).all()
    assert out["event"].sum() == frame["refund_received_at"].notna().sum()
    summary = analysis.refund_time_summary(frame, by=None)
    assert int(summary["n"].sum()) == len(out)
    assert int((summary["events"] + summary["censored"]).sum()) == len(out)


def test_check_disputes_names_a_missing_grouping_column():
    frame = disputes({"received": 1})
    assert analysis.check_disputes(frame, "strategy") is frame
    with pytest.raises(AnalysisError, match="no column 'colour'"):
        analysis.check_disputes(frame, "colour")
    with pytest.raises(AnalysisError, match="'decided_at'"):
        analysis.check_disputes(frame.drop(columns="decided_at"))


def test_csv_text_reads_like_typed_columns():
    """A dispute table read from CSV (all text, empty strings for missing) gives the same answers."""
    frame = disputes(
        {"answered": 1, "decided": 3, "received": 9},
        {"decided": 4, "received": None},
        {"outcome": "seller_won", "escalated": 5, "decided": 9},
        {"outcome": pd.NA},
    )
    text = frame.astype("string").fillna("")
    for call in (analysis.refund_time_summary, analysis.funnel, analysis.recovered):
        pd.testing.assert_frame_equal(call(text), call(frame), check_dtype=False)


def naive_csv(frame: pd.DataFrame, zone: str, path) -> pd.DataFrame:
    """``frame`` as a CSV export without offsets: every instant as wall-clock time in ``zone``, read back as text."""
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            out[name] = out[name].dt.tz_convert(zone).dt.strftime("%Y-%m-%d %H:%M:%S")
    out.to_csv(path, index=False)
    return read_table(path)


def read_as_utc_days(table: pd.DataFrame) -> np.ndarray:
    """What reading the naive times as UTC gave: opening to refund, or to observed_until (the old defect)."""
    utc = {c: pd.to_datetime(table[c].replace("", None), utc=True) for c in ("opened_at", "refund_received_at", "observed_until")}
    end = utc["refund_received_at"].fillna(utc["observed_until"])
    return ((end - utc["opened_at"]) / pd.Timedelta(days=1)).to_numpy()


def test_naive_csv_times_are_pacific_wall_time(tmp_path):
    """A CSV export with naive times (no ``pack`` column: the default pack's zone) gives the tz-aware durations."""
    # T0 is 00:00 Pacific on 1 March, before the change to summer time on 8 March
    frame = disputes(
        {"answered": 1, "decided": 3, "received": 9},
        {"decided": 4, "received": None},
        {"outcome": "pending", "refund_usd": 0.0, "escalated": 5, "until": at(20)},
        {"outcome": "seller_won", "escalated": 5, "decided": 9},
        {"received": 2, "payment_method": "paypal"},
    )
    text = naive_csv(frame, "America/Los_Angeles", tmp_path / "disputes.csv")
    assert text.loc[0, "opened_at"] == "2026-03-01 00:00:00"
    assert text.loc[0, "refund_received_at"] == "2026-03-10 01:00:00"  # summer time: 08:00 UTC is 01:00
    expected = analysis.refund_durations(frame)
    got = analysis.refund_durations(text)
    assert got["days"].tolist() == expected["days"].tolist() == [9.0, (UNTIL - T0) / pd.Timedelta(days=1), 20.0, 2.0]
    assert got["event"].tolist() == expected["event"].tolist()
    pd.testing.assert_frame_equal(analysis.refund_time_summary(text), analysis.refund_time_summary(frame))
    # read as UTC, the summer-time hour would be added to every duration across 8 March
    kept = text[text["outcome"] != "seller_won"]
    assert not np.allclose(read_as_utc_days(kept), expected["days"])


def test_naive_csv_of_a_simulation_reads_like_its_parquet(tmp_path):
    """The simulator's disputes exported with naive Pacific times: the same durations as the tz-aware table."""
    sc = load_scenario("default", overrides={"scenario.period_days": 30, "scenario.observation_tail_days": 30})
    sim = simulate(3_000, 5, scenario=sc, start="2026-02-15", progress=False)  # across 8 March, not 1 November
    text = naive_csv(sim.disputes, "America/Los_Angeles", tmp_path / "disputes.csv")
    expected = analysis.refund_durations(sim.disputes)
    got = analysis.refund_durations(text)
    assert len(got) > 50
    np.testing.assert_array_equal(got["days"].to_numpy(), expected["days"].to_numpy())
    np.testing.assert_array_equal(got["event"].to_numpy(), expected["event"].to_numpy())
    assert not np.allclose(read_as_utc_days(text[~text["outcome"].isin(analysis.NO_REFUND)]), expected["days"])


def test_naive_times_are_in_the_zone_of_the_tables_pack(tmp_path):
    """With a ``pack`` column, naive times are wall time in that pack's timer zone (here Sydney's)."""
    shipped = (Path(__file__).resolve().parents[1] / "src" / "disputelib" / "packs" / "aliexpress-2022.toml").read_text()
    assert 'timer_zone = "America/Los_Angeles"' in shipped
    sydney = tmp_path / "sydney.toml"
    sydney.write_text(shipped.replace('timer_zone = "America/Los_Angeles"', 'timer_zone = "Australia/Sydney"'))
    # summer time ends in Sydney on 5 April: day 40 and observed_until lie after it
    frame = disputes({"decided": 2, "received": 40}, {"received": None}, {"received": 3}).assign(pack=str(sydney))
    text = naive_csv(frame, "Australia/Sydney", tmp_path / "disputes.csv")
    expected = analysis.refund_durations(frame)["days"].tolist()
    assert analysis.refund_durations(text)["days"].tolist() == expected
    # the default pack's zone would be wrong here, and so would UTC
    assert analysis.refund_durations(text.drop(columns="pack"))["days"].tolist() != expected
    assert not np.allclose(read_as_utc_days(text), expected)


def test_naive_times_need_one_timer_zone_and_readable_values(tmp_path):
    frame = disputes({"received": 3}, {"received": 4})
    other = tmp_path / "moscow.toml"
    shipped = (Path(__file__).resolve().parents[1] / "src" / "disputelib" / "packs" / "aliexpress-2022.toml").read_text()
    other.write_text(shipped.replace('timer_zone = "America/Los_Angeles"', 'timer_zone = "Europe/Moscow"'))
    text = naive_csv(frame.assign(pack=["aliexpress-2022", str(other)]), "UTC", tmp_path / "disputes.csv")
    with pytest.raises(AnalysisError, match="mixes packs in different timer zones"):
        analysis.refund_durations(text)
    # tz-aware instants need no zone: the same table with its instants kept is fine
    assert len(analysis.refund_durations(frame.assign(pack=["aliexpress-2022", str(other)]))) == 2
    with pytest.raises(AnalysisError, match="1 values of 'opened_at' are not timestamps, e.g. 'soon'"):
        analysis.refund_durations(text.drop(columns="pack").assign(opened_at=["soon", "2026-03-01 00:00:00"]))
    with pytest.raises(AnalysisError, match="pack 'no-such-pack'"):
        analysis.refund_durations(text.assign(pack="no-such-pack"))


# --------------------------------------------------------------------------- problems, not disputes


def test_refund_durations_from_another_start():
    frame = disputes({"decided": 2, "received": 7}, {"outcome": "pending"})
    frame["problem_at"] = T0 - pd.Timedelta(days=5)
    out = analysis.refund_durations(frame, start="problem_at")
    assert out["days"].tolist() == [12.0, (UNTIL - T0) / pd.Timedelta(days=1) + 5]
    assert out["event"].tolist() == [True, False]
    summary = analysis.refund_time_summary(frame.iloc[:1], by=None, start="problem_at")
    assert summary["median_days"].item() == 12.0
    with pytest.raises(AnalysisError, match="end before their problem_at"):
        analysis.refund_durations(frame.assign(problem_at=T0 + pd.Timedelta(days=8)).iloc[:1], start="problem_at")


def orders_and_disputes(*rows: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders with hidden truth and their disputes from rows of
    ``(what_went_wrong, strategy, seller_fix, delivered_day, dispute)``; ``seller_fix`` is None (not
    talked to), ``"none"`` or ``(fix, fix_day, fix_usd)``; ``dispute`` is None or
    ``(outcome, refund_usd, received_day)``. Every order: 3 items at 1, 4 and 2 US$, shipped on day 0,
    the problem item the 4 US$ one (the whole parcel when lost)."""
    orders, found = [], []
    for i, (wrong, strategy, fix, delivered, dispute) in enumerate(rows):
        kind, fix_day, fix_usd = fix if isinstance(fix, tuple) else (fix, None, 0.0)
        orders.append({
            "order_id": f"O{i}", "amount_usd": 7.0, "shipped_at": T0, "delivered_at": at(delivered),
            "what_went_wrong": wrong, "strategy": strategy, "seller_fix": kind,
            "seller_fix_at": at(fix_day), "seller_fix_usd": fix_usd,
            "item_prices": np.array([1.0, 4.0, 2.0]),
            "problem_item_index": pd.NA if wrong in ("none", "lost", "not_shipped") else 1,
        })  # fmt: skip
        if dispute is not None:
            outcome, refund, received = dispute
            found.append({"dispute_id": f"D{i}", "order_id": f"O{i}", "opened_at": at((delivered or 30) + 1),
                          "outcome": outcome, "refund_usd": refund, "refund_received_at": at(received)})  # fmt: skip
    o = pd.DataFrame(orders)
    for name in ("delivered_at", "seller_fix_at"):
        o[name] = pd.to_datetime(o[name], utc=True)
    o["problem_item_index"] = o["problem_item_index"].astype("Int16")
    d = pd.DataFrame(found, columns=["dispute_id", "order_id", "opened_at", "outcome", "refund_usd", "refund_received_at"])
    d["refund_received_at"] = pd.to_datetime(d["refund_received_at"], utc=True)
    return o, d


LATE = (UNTIL - T0) / pd.Timedelta(days=1) + 3  # a day after observed_until


@pytest.mark.parametrize(
    ("case", "row", "resolution", "money_back", "recovered_usd", "problem_day", "resolved_day"),
    [
        ("talked first, the seller refunded 3 of the missing item's 4 US$ on day 20: money back, as recorded",
         ("missing_item", "talk_first", ("refund", 20, 3.0), 12, None), "seller_refund", True, 3.0, 12, 20),
        ("talked first, the seller sent it again, delivered on day 40: settled, no money",
         ("damaged", "talk_first", ("reship", 40, 0.0), 12, None), "seller_reship", False, 0.0, 12, 40),
        ("talked first, the seller added a gift on day 14: settled, no money",
         ("quality", "talk_first", ("gift", 14, 0.0), 12, None), "seller_gift", False, 0.0, 12, 14),
        ("talked first, the seller's refund still on its way at observed_until: under way, no money yet",
         ("missing_item", "talk_first", ("refund", LATE, 3.0), 12, None), "seller_pending", False, 0.0, 12, None),
        ("talked first, the reshipped parcel still travelling at observed_until",
         ("damaged", "talk_first", ("reship", LATE, 0.0), 12, None), "seller_pending", False, 0.0, 12, None),
        ("talked first, no fix, disputed and refunded",
         ("damaged", "talk_first", "none", 12, ("refunded_full", 4.0, 30)), "dispute_refunded", True, 4.0, 12, 30),
        ("disputed at once, partial refund received",
         ("missing_item", "dispute_at_once", None, 12, ("refunded_partial", 2.5, 25)), "dispute_refunded", True, 2.5, 12, 25),
        ("disputed at once, refund awarded but still travelling",
         ("damaged", "dispute_at_once", None, 12, ("refunded_full", 4.0, None)), "dispute_pending", False, 0.0, 12, None),
        ("disputed at once, still under negotiation", ("damaged", "dispute_at_once", None, 12, ("pending", 0.0, None)),
         "dispute_pending", False, 0.0, 12, None),
        ("disputed at once, the seller won", ("not_as_described", "dispute_at_once", None, 12, ("seller_won", 0.0, None)),
         "dispute_no_refund", False, 0.0, 12, None),
        ("lost parcel: the problem begins at shipping, worth the whole order",
         ("lost", "dispute_at_once", None, None, ("refunded_full", 7.0, 50)), "dispute_refunded", True, 7.0, 0, 50),
        ("lost parcel, the seller refunded 6.5 of the order's 7 US$ without a dispute",
         ("lost", "talk_first", ("refund", 45, 6.5), None, None), "seller_refund", True, 6.5, 0, 45),
        ("did nothing", ("damaged", "dispute_at_once", None, 12, None), "not_disputed", False, 0.0, 12, None),
        ("talked first, no fix, never disputed", ("damaged", "talk_first", "none", 12, None), "not_disputed", False, 0.0, 12,
         None),
    ],
)
def test_problem_table_cases(case, row, resolution, money_back, recovered_usd, problem_day, resolved_day):
    orders, found = orders_and_disputes(row)
    out = analysis.problem_table(orders, found, UNTIL)
    assert len(out) == 1, case
    got = out.iloc[0]
    assert got["resolution"] == resolution, case
    assert got["money_back"] == money_back, case
    assert got["recovered_usd"] == recovered_usd, case
    assert got["problem_at"] == at(problem_day), case
    if resolved_day is None:
        assert pd.isna(got["resolved_at"]) and np.isnan(got["days_to_resolution"]), case
    else:
        assert got["resolved_at"] == at(resolved_day), case
        assert got["days_to_resolution"] == resolved_day - problem_day, case


def test_problem_table_leaves_out_orders_without_a_problem_or_a_later_one():
    orders, found = orders_and_disputes(
        ("none", "dispute_at_once", None, 12, None),
        ("not_shipped", "talk_first", None, None, None),
        ("damaged", "dispute_at_once", None, 200, None),  # delivered after observed_until
        ("damaged", "dispute_at_once", None, 12, None),
    )
    out = analysis.problem_table(orders, found, UNTIL)
    assert out["order_id"].tolist() == ["O3"]
    assert orders["delivered_at"].notna().sum() == 3  # the input is not modified
    for column in ("seller_fix", "seller_fix_at", "seller_fix_usd"):
        with pytest.raises(AnalysisError, match=f"no column '{column}'"):
            analysis.problem_table(orders.drop(columns=column), found, UNTIL)


def test_problem_summary_counts_seller_fixes_as_outcomes():
    orders, found = orders_and_disputes(
        ("missing_item", "talk_first", ("refund", 16, 3.0), 12, None),  # resolved after 4 days
        ("damaged", "talk_first", ("reship", 40, 0.0), 12, None),  # 28 days
        ("damaged", "talk_first", "none", 12, ("refunded_full", 4.0, 30)),  # 18 days
        ("damaged", "talk_first", "none", 12, None),
        ("damaged", "dispute_at_once", None, 12, ("refunded_full", 4.0, 20)),  # 8 days
        ("damaged", "dispute_at_once", None, 12, ("seller_won", 0.0, None)),
    )
    out = analysis.problem_summary(analysis.problem_table(orders, found, UNTIL), by="strategy").set_index("strategy")
    talk, once = out.loc["talk_first"], out.loc["dispute_at_once"]
    assert (talk["problems"], talk["seller_refund"], talk["seller_reship"], talk["dispute_refunded"]) == (4, 1, 1, 1)
    assert talk["not_disputed"] == 1 and once["dispute_no_refund"] == 1 and talk["seller_pending"] == 0
    assert talk["money_back_share"] == 0.5 and talk["resolved_share"] == 0.75
    assert once["money_back_share"] == 0.5 and once["resolved_share"] == 0.5
    # the seller's refund is what was recorded (3 US$), not the missing item's price (4 US$)
    assert (talk["dispute_usd"], talk["seller_refund_usd"], talk["recovered_usd"]) == (4.0, 3.0, 7.0)
    assert talk["recovered_per_problem_usd"] == 1.75 and once["recovered_per_problem_usd"] == 2.0
    # median of 4, 18 and 28 days (the reship counts); the dispute refund alone: 8 days
    assert talk["median_days_to_resolution"] == 18.0 and once["median_days_to_resolution"] == 8.0
    assert list(out.columns[1 : 1 + len(analysis.RESOLUTIONS)]) == list(analysis.RESOLUTIONS)
    whole = analysis.problem_summary(analysis.problem_table(orders, found, UNTIL), by=None)
    assert whole["group"].tolist() == ["all"] and whole["problems"].item() == 6


def test_resolution_times_count_seller_fixes_censor_what_is_under_way_and_leave_out_the_rest():
    orders, found = orders_and_disputes(
        ("missing_item", "talk_first", ("refund", 16, 3.0), 12, None),  # 4 days
        ("quality", "talk_first", ("gift", 13, 0.0), 12, None),  # 1 day
        ("damaged", "talk_first", ("reship", LATE, 0.0), 12, None),  # under way: censored
        ("damaged", "talk_first", "none", 12, ("refunded_full", 4.0, 30)),  # 18 days
        ("damaged", "talk_first", "none", 12, None),  # never resolved: left out
        ("damaged", "dispute_at_once", None, 12, ("refunded_full", 4.0, None)),  # money on its way: censored
        ("damaged", "dispute_at_once", None, 12, ("seller_won", 0.0, None)),  # left out
    )
    problems = analysis.problem_table(orders, found, UNTIL)
    durations = analysis.resolution_durations(problems)
    until = (UNTIL - at(12)) / pd.Timedelta(days=1)
    assert durations["order_id"].tolist() == ["O0", "O1", "O2", "O3", "O5"]
    assert durations["days"].tolist() == [4.0, 1.0, until, 18.0, until]
    assert durations["event"].tolist() == [True, True, False, True, False]
    assert durations.attrs["unresolved"] == {"dispute_no_refund": 1, "not_disputed": 1}
    summary = analysis.resolution_time_summary(problems, by="strategy").set_index("strategy")
    talk = summary.loc["talk_first"]
    assert (talk["n"], talk["events"], talk["censored"], talk["unresolved"]) == (4, 3, 1, 1)
    assert talk["median_days"] == 18.0  # 1, 4, 18 days and one censored: fewer than half wait after day 18
    once = summary.loc["dispute_at_once"]
    assert (once["n"], once["events"], once["censored"], once["unresolved"]) == (1, 0, 1, 1)
    assert np.isnan(once["median_days"])
    kinds = analysis.resolution_time_summary(problems, by="resolution").set_index("resolution")
    assert kinds.loc["seller_gift", "median_days"] == 1.0 and kinds.loc["dispute_refunded", "median_days"] == 18.0
    assert kinds.loc["seller_pending", "censored"] == 1 and kinds.loc["not_disputed", "unresolved"] == 1
    fits = analysis.resolution_survival_by(problems, by="strategy")
    assert sorted(fits) == ["dispute_at_once", "talk_first"] and len(fits["talk_first"].time) == 4
    # the chart draws those curves: one line per strategy plus the censoring ticks
    from disputelib import charts

    ax = charts.survival_curves(problems, by="strategy", until="resolution")
    assert ax.get_ylabel() == "Still unresolved" and "resolution" in ax.get_title()
    with pytest.raises(AnalysisError, match="end before their problem_at"):
        analysis.resolution_durations(problems.assign(resolved_at=problems["problem_at"] - pd.Timedelta(days=1)))


@pytest.fixture(scope="module")
def strategies():
    """The same 3,000 orders with every buyer disputing at once, then every buyer talking first."""
    runs = {}
    for strategy in ("dispute_at_once", "talk_first"):
        sc = load_scenario("default", overrides={"buyers.strategy.dispute_at_once": float(strategy == "dispute_at_once"),
                                                  "buyers.strategy.talk_first": float(strategy == "talk_first")})  # fmt: skip
        sim = simulate(3_000, 5, scenario=sc, progress=False)
        runs[strategy] = (sim, analysis.problem_table(sim.orders, sim.disputes, sim.observed_until))
    return runs


def test_simulated_strategies_start_their_problems_at_the_same_instant(strategies):
    (once_sim, once), (talk_sim, talk) = strategies["dispute_at_once"], strategies["talk_first"]
    # the same orders have the same problems, starting at the same instant, whatever the strategy
    assert once["order_id"].tolist() == talk["order_id"].tolist()
    pd.testing.assert_series_equal(once["problem_at"], talk["problem_at"])
    assert len(once) > 100
    # every dispute of a problem order is in the table, and began after its problem
    assert set(once.dropna(subset="dispute_id")["dispute_id"]) <= set(once_sim.disputes["dispute_id"])
    assert (talk["opened_at"].dropna() >= talk.loc[talk["opened_at"].notna(), "problem_at"]).all()
    # talking first: the seller fixed some problems without a dispute, and those count
    fixed = talk["resolution"].isin(["seller_refund", "seller_reship", "seller_gift"])
    assert fixed.sum() > 0 and talk.loc[fixed, "dispute_id"].isna().all()
    assert not once["resolution"].str.startswith("seller").any()
    # with the time and the amount the simulator recorded: after the problem, by the end,
    # and a seller's refund is at most the problem's value
    assert (talk.loc[fixed, "resolved_at"] == talk.loc[fixed, "seller_fix_at"]).all()
    assert (talk.loc[fixed, "days_to_resolution"] > 0).all()
    assert (talk.loc[fixed, "resolved_at"] <= talk_sim.observed_until).all()
    refunds = talk[talk["resolution"] == "seller_refund"]
    assert len(refunds) > 10
    assert (refunds["recovered_usd"] > 0).all() and (refunds["recovered_usd"] <= refunds["value_usd"] + 1e-9).all()
    assert refunds["recovered_usd"].sum() < refunds["value_usd"].sum()  # partial refunds happen
    # the seller's fixes are the quicker ones: talking first resolves sooner than disputing at once
    times = analysis.resolution_time_summary(pd.concat([once, talk]), by="strategy").set_index("strategy")
    assert times.loc["talk_first", "median_days"] < times.loc["dispute_at_once", "median_days"]
    assert times.loc["talk_first", "n"] == int(talk["resolution"].isin(analysis.RESOLVED + analysis.UNDER_WAY).sum())
    # measured from the problem, a talk-first dispute includes the days of talking
    waited = analysis.refund_time_summary(talk[talk["dispute_id"].notna()], by=None, start="problem_at")
    from_opening = analysis.refund_time_summary(talk_sim.disputes, by=None)
    assert waited["median_days"].item() > from_opening["median_days"].item()
    summary = analysis.problem_summary(pd.concat([once, talk]), by="strategy")
    assert summary["problems"].tolist() == [len(once), len(talk)]
    counts = summary[list(analysis.RESOLUTIONS)].sum(axis=1)
    assert counts.tolist() == summary["problems"].tolist()


def test_problem_values_read_back_from_parquet(strategies, tmp_path):
    sim, table = strategies["talk_first"]
    from disputelib.simulate import write_simulation

    paths = write_simulation(sim, tmp_path)
    back = analysis.problem_table(pd.read_parquet(paths["orders"]), pd.read_parquet(paths["disputes"]), sim.observed_until)
    pd.testing.assert_series_equal(back["value_usd"], table["value_usd"])
    item = sim.orders.set_index("order_id")["problem_amount_usd"].reindex(table["order_id"]).to_numpy()
    known = ~np.isnan(item)
    assert np.allclose(table["value_usd"].to_numpy()[known], item[known])


def test_observed_until_is_the_end_in_the_timer_zone(tmp_path):
    table = pd.DataFrame({"observed_until": ["2026-11-28T00:00:00", "2026-11-27T00:00:00"], "pack": "aliexpress-2022"})
    end = analysis.observed_until(table)
    assert end == pd.Timestamp("2026-11-28T00:00:00-08:00")
    assert str(end.tz) == "America/Los_Angeles"
    assert analysis.observed_until(table.drop(columns="observed_until")) is None

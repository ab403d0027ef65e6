from __future__ import annotations

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

"""Charts stay readable whatever the data: at most six groups, no curve for a handful, words not codes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from test_analysis import disputes

from disputelib import charts


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ({"a": 3, "b": 2}, {"a": 3, "b": 2}),
        ({f"g{i}": 10 - i for i in range(6)}, {f"g{i}": 10 - i for i in range(6)}),
        ({f"g{i}": 10 - i for i in range(8)}, {"g0": 10, "g1": 9, "g2": 8, "g3": 7, "g4": 6, "Other": 5 + 4 + 3}),
        (
            {"b": 2, "a": 2, "c": 2, "d": 2, "e": 2, "f": 2, "g": 2},
            {"a": 2, "b": 2, "c": 2, "d": 2, "e": 2, "Other": 4},
        ),
    ],
)
def test_top_groups_fold_the_rest_into_other(sizes, expected):
    labels = pd.Series([k for k, n in sizes.items() for _ in range(n)])
    folded = charts.top_groups(labels)
    assert folded.value_counts().to_dict() == expected
    assert folded.nunique() <= charts.MAX_GROUPS


def test_survival_curves_at_most_six_lines_and_no_line_for_a_group_of_one():
    rows = []
    for i, method in enumerate(
        ["card", "paypal", "alipay", "cash_payment", "western_union", "tt", "bank_transfer", "qiwi"]
    ):
        rows += [{"payment_method": method, "received": d + i} for d in (3, 5, 7, 9)]
    rows += [{"payment_method": None, "received": 4}]  # one dispute with no method: "unknown"
    ax = charts.survival_curves(disputes(*rows), by="payment_method")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    curves = [t for t in legend if "(n=" in t and not t.startswith("not drawn")]
    assert len(curves) <= charts.MAX_GROUPS
    assert any(t.startswith("Other (n=") for t in curves)
    assert not any(t.startswith("Unknown") for t in curves)
    assert "not drawn: Unknown (n=1)" in legend
    assert not any("_" in t for t in legend)


def test_stacked_bars_fold_parts_beyond_six():
    table = pd.DataFrame(
        [[5, 4, 3, 2, 1, 1, 1, 1]], columns=[f"m{i}" for i in range(8)], index=pd.Index(["RU"], name="buyer_country")
    )
    table.columns.name = "payment_method"
    ax = charts.stacked_bars(table, xlabel="Orders (count)")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["m0", "m1", "m2", "m3", "m4", "Other"]  # unknown codes shown as given
    assert sum(p.get_width() for p in ax.patches) == 18


def test_a_long_title_wraps_instead_of_being_cut():
    long = "What became of the buyers' problems: aliexpress-2022 (A) and aliexpress-2022 with timers.seller_response.offset=5 (B)"
    table = pd.DataFrame({"card": [1]}, index=pd.Index(["RU"], name="buyer_country"))
    title = charts.stacked_bars(table, title=long).get_title()
    assert "\n" in title and all(len(line) <= 72 for line in title.splitlines())
    assert title.replace("\n", " ") == long


def test_refund_time_bars_show_the_six_groups_with_most_disputes():
    summary = pd.DataFrame(
        {
            "buyer_country": [f"C{i}" for i in range(8)],
            "n": [10, 80, 30, 70, 20, 60, 50, 40],
            **{c: [5.0] * 8 for c in ("median_days", "median_lo", "median_hi", "p90_days", "p90_lo", "p90_hi")},
        }
    )
    ax = charts.refund_time_bars(summary)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["C1 (n=80)", "C2 (n=30)", "C3 (n=70)", "C5 (n=60)", "C6 (n=50)", "C7 (n=40)"]


def test_recovered_bars_fold_small_groups_into_other_keeping_the_totals():
    recovered = pd.DataFrame(
        {
            "buyer_country": [f"C{i}" for i in range(8)],
            "claimed_usd": [100.0, 90, 80, 70, 60, 50, 40, 30],
            "received_usd": [50.0, 45, 40, 35, 30, 25, 20, 10],
            "recovered_share": [0.5] * 7 + [1 / 3],
        }
    )
    ax = charts.recovered_bars(recovered)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["C0", "C1", "C2", "C3", "C4", "Other"]
    widths = [p.get_width() for p in ax.patches]
    assert widths[5] == 50 + 40 + 30 and widths[11] == 25 + 20 + 10
    assert sum(widths[:6]) == recovered["claimed_usd"].sum()


def test_status_chart_shows_a_buyers_data_statuses_only_when_present():
    """needs_data and cancelled orders get bars of their own; exports without them keep four."""
    mixed = charts.status_counts(pd.DataFrame({"status": ["open", "needs_data", "needs_data", "cancelled"]}))
    labels = [t.get_text() for t in mixed.get_xticklabels()]
    assert labels == ["Not shipped", "Too early", "Open", "Expired", "Needs data", "Cancelled"]
    assert [int(p.get_height()) for p in mixed.patches] == [0, 0, 1, 0, 2, 1]
    plain = charts.status_counts(pd.DataFrame({"status": ["open", "expired"]}))
    assert [t.get_text() for t in plain.get_xticklabels()] == ["Not shipped", "Too early", "Open", "Expired"]

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import order_frame
from test_analysis import disputes

import disputelib as dl
from disputelib import analysis, charts

AS_OF = "2026-11-27"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def sample_disputes() -> pd.DataFrame:
    rows = [{"payment_method": "card", "received": d} for d in (3, 5, 7, 9, 11)]
    rows += [{"payment_method": "western_union", "refund_channel": "alipay", "received": d} for d in (8, 12, 20)]
    rows += [{"payment_method": "western_union", "received": None}]
    rows += [{"payment_method": "paypal", "outcome": "seller_won", "answered": 1, "decided": 4}]
    return disputes(*rows)


@pytest.fixture
def table() -> pd.DataFrame:
    shipped = pd.date_range("2026-07-01", "2026-11-30", freq="4D").strftime("%Y-%m-%d").tolist()
    frame = order_frame(shipped_at=shipped + [""])
    frame["order_id"] = [f"O{i:03d}" for i in range(len(frame))]
    return dl.eligibility(frame, AS_OF).table


def labelled(ax) -> None:
    """Every chart tells a stranger what it shows."""
    assert ax.get_title()
    assert ax.get_xlabel()


def test_survival_curves_one_line_per_group(sample_disputes):
    ax = charts.survival_curves(sample_disputes, by="payment_method")
    labelled(ax)
    assert ax.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    # paypal only has a dispute the seller won: no refund to wait for, so no curve
    assert legend == ["Card (n=5)", "Western Union (n=4)", "censored (still pending)"]
    card = ax.get_lines()[0]
    assert card.get_xdata()[0] == 0 and card.get_ydata()[0] == 1
    assert card.get_ydata()[-1] == pytest.approx(0)


def test_survival_curves_marks_censored_disputes(sample_disputes):
    ax = charts.survival_curves(sample_disputes, by="payment_method")
    ticks = [line for line in ax.get_lines() if line.get_marker() == "|" and len(line.get_xdata())]
    assert len(ticks) == 1  # the pending western_union refund
    assert ticks[0].get_ydata()[0] == pytest.approx(1 / 4)  # 3 of 4 refunded before it


def test_charts_draw_on_the_given_axes(sample_disputes, table):
    fig, axes = plt.subplots(2, 3)
    calls = [
        lambda ax: charts.survival_curves(sample_disputes, ax=ax),
        lambda ax: charts.refund_time_bars(analysis.refund_time_summary(sample_disputes), ax=ax),
        lambda ax: charts.funnel_chart(analysis.funnel(sample_disputes), ax=ax),
        lambda ax: charts.recovered_bars(analysis.recovered(sample_disputes, by="payment_method"), ax=ax),
        lambda ax: charts.status_counts(table, ax=ax),
        lambda ax: charts.window_timeline(table, AS_OF, ax=ax),
    ]
    for call, ax in zip(calls, axes.flat, strict=True):
        assert call(ax) is ax
        labelled(ax)
        assert ax.get_legend() is not None
    assert plt.get_fignums() == [fig.number]


def test_refund_time_bars_show_median_and_intervals(sample_disputes):
    summary = analysis.refund_time_summary(sample_disputes)
    ax = charts.refund_time_bars(summary)
    widths = [p.get_width() for p in ax.patches]
    shown = summary[summary["n"] > 0]
    np.testing.assert_allclose(widths, shown["median_days"].fillna(0))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Card (n=5)", "Western Union (n=4)"]


def test_funnel_chart_bars_are_the_counts(sample_disputes):
    frame = analysis.funnel(sample_disputes)
    ax = charts.funnel_chart(frame)
    assert [p.get_height() for p in ax.patches] == frame["disputes"].tolist()
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "Opened"


def test_status_counts_bars_in_status_order(table):
    ax = charts.status_counts(table)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Not shipped", "Too early", "Open", "Expired"]
    counts = table["status"].value_counts()
    assert [p.get_height() for p in ax.patches] == [counts.get(s, 0) for s in dl.windows.STATUSES]


def test_window_timeline_bars_and_as_of_line(table):
    ax = charts.window_timeline(table, AS_OF, n=12)
    bars = ax.patches
    assert len(bars) == 12
    line = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"][0]
    assert mdates.num2date(line.get_xdata()[0]).date().isoformat() == AS_OF
    by_id = table.set_index("order_id")
    for bar, label in zip(bars, ax.get_yticklabels(), strict=True):
        row = by_id.loc[label.get_text()]
        start = mdates.num2date(bar.get_x()).date()
        end = mdates.num2date(bar.get_x() + bar.get_width()).date()
        assert start == row["window_opens"].date()
        assert end == (row["window_closes"] + pd.Timedelta(days=1)).date()  # the closing day is included
    statuses = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"Too early", "Open", "Expired"} <= statuses


@pytest.mark.parametrize(
    ("case", "draw"),
    [
        ("no disputes", lambda d, t: charts.survival_curves(d.iloc[:0])),
        ("no disputes in the summary", lambda d, t: charts.refund_time_bars(analysis.refund_time_summary(d.iloc[:0]))),
        ("no shipped orders", lambda d, t: charts.window_timeline(t[t["status"] == "not_shipped"], AS_OF)),
        ("no window near as_of", lambda d, t: charts.window_timeline(t, "2030-01-01")),
    ],
)
def test_empty_inputs_say_so(case, draw, sample_disputes, table):
    ax = draw(sample_disputes, table)
    assert ax.texts and ax.texts[0].get_text().startswith("no "), case


def test_importing_charts_changes_no_global_style():
    # In a fresh interpreter, so that the first import is the one compared.
    code = (
        "import matplotlib\n"
        "before = {k: repr(v) for k, v in matplotlib.rcParams.items()}\n"
        "import disputelib.charts\n"
        "after = {k: repr(v) for k, v in matplotlib.rcParams.items()}\n"
        "changed = sorted(k for k in before if before[k] != after[k])\n"
        "assert not changed, changed\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_charts_never_show():
    code = (
        "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt\n"
        "plt.show = lambda *a, **k: (_ for _ in ()).throw(AssertionError('plt.show called'))\n"
        "import sys; sys.path.insert(0, 'tests')\n"
        "from test_analysis import disputes; from disputelib import charts, analysis\n"
        "d = disputes({'received': 3}, {'received': None})\n"
        "charts.survival_curves(d); charts.funnel_chart(analysis.funnel(d))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_stacked_bars_stack_the_columns():
    table = pd.crosstab(
        pd.Series(["RU", "RU", "US", "RU"], name="buyer_country"),
        pd.Series(["card", "cash_payment", "card", "card"], name="payment_method"),
    )
    ax = charts.stacked_bars(table, xlabel="Orders (count)")
    labelled(ax)
    assert ax.get_title() == "Orders (count) by buyer country and payment method"
    widths = [p.get_width() for p in ax.patches]
    lefts = [p.get_x() for p in ax.patches]
    assert widths == [2, 1, 1, 0]  # card: RU 2, US 1; cash_payment: RU 1, US 0
    assert lefts == [0, 0, 2, 1]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Card", "Cash payment"]


def test_recovered_bars_claimed_behind_received(sample_disputes):
    frame = analysis.recovered(sample_disputes, by="payment_method")
    ax = charts.recovered_bars(frame)
    n = len(frame)
    assert [p.get_width() for p in ax.patches[:n]] == frame["claimed_usd"].tolist()
    assert [p.get_width() for p in ax.patches[n:]] == frame["received_usd"].tolist()


# --------------------------------------------------------------------------- descriptions (alt text)


def test_dollars_are_described_as_dollars(sample_disputes):
    ax = charts.recovered_bars(analysis.recovered(sample_disputes))
    text = charts.describe(ax.figure)
    assert "$" in text and "($" not in text and "(claimed)" not in text  # the series names it once


def test_a_bar_chart_is_described_with_its_axes_and_each_bars_value(table):
    ax = charts.status_counts(table)
    text = charts.describe(ax.figure)
    counts = table["status"].value_counts()
    assert text.startswith("Bar chart: Orders by dispute status. Horizontal axis: Status on the as-of day;")
    for status in ("not_shipped", "too_early", "open", "expired"):
        assert f"{dl.present.value(status)} {counts.get(status, 0):,}" in text, status


def test_curves_are_described_by_their_legend(sample_disputes):
    ax = charts.survival_curves(sample_disputes)
    text = charts.describe(ax.figure)
    assert text.startswith("Line chart: Time to refund by payment method (Kaplan-Meier).")
    assert "Card (n=5) from 100% to 0%" in text  # all five card disputes refunded
    assert "Western Union (n=4) from 100% to " in text and "Also shown: censored (still pending)" in text


def test_bars_on_a_time_axis_are_described_as_spans(table):
    ax = charts.window_timeline(table, AS_OF, n=3)
    text = charts.describe(ax.figure)
    shown = [label.get_text() for label in ax.get_yticklabels()]
    for order in shown:  # first and last day of each window, and its status (the bar's colour)
        row = table.set_index("order_id").loc[order]
        opens, closes = pd.Timestamp(row["window_opens"]), pd.Timestamp(row["window_closes"])
        status = dl.present.value(row["status"])
        assert f"{order} {opens.day} {opens:%b %Y} to {closes.day} {closes:%b %Y} ({status})" in text, order


def test_many_bars_are_summed_up_not_listed():
    frame = pd.DataFrame({"n": range(30)}, index=[f"g{i}" for i in range(30)])
    fig, ax = plt.subplots()
    ax.bar(frame.index, frame["n"])
    text = charts.describe(fig)
    assert "g0 0, g1 1" in text and "g11 11 and 18 more" in text and "g12" not in text


def test_an_empty_chart_is_described_by_its_message(sample_disputes):
    ax = charts.survival_curves(sample_disputes.iloc[:0])
    assert "no disputes with a refund to show." in charts.describe(ax.figure)


def test_in_ipython_shown_figures_carry_their_description_as_alt(sample_disputes):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    shell = InteractiveShell.instance()
    try:
        select_figure_formats(shell, {"png"})  # what the inline backend does in a kernel
        ax = charts.funnel_chart(analysis.funnel(sample_disputes))
        data, metadata = shell.display_formatter.format(ax.figure)
        assert data["image/png"] and metadata["image/png"]["alt"] == charts.describe(ax.figure)
        assert metadata["image/png"]["alt"].startswith("Bar chart: Steps disputes reached")
        charts.funnel_chart(analysis.funnel(sample_disputes))  # wrapped once, not around itself
        render = shell.display_formatter.formatters["image/png"].lookup_by_type(matplotlib.figure.Figure)
        assert render.describes_figures and not getattr(render.__closure__[0].cell_contents, "describes_figures", False)
    finally:
        InteractiveShell.clear_instance()

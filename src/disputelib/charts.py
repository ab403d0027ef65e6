"""Charts for the notebooks and reports.

Every function draws on the Axes it is given (a new figure when ``ax`` is None) and
returns that Axes, like pandas and lifelines plot functions. Nothing here calls
``plt.show()`` or changes matplotlib's global style; colours are fixed per category so
the same status or group looks the same in every chart.

In a Jupyter kernel, every figure shown carries a text description of itself
(:func:`describe`) as its image's ``alt`` metadata, which report pages use as the image's
alternative text.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from disputelib.analysis import STAGES, resolution_survival_by, survival_by
from disputelib.clock import AsOf
from disputelib.present import column_words, header, value
from disputelib.windows import ALL_STATUSES, PARTIAL_STATUSES, STATUSES, as_date

#: At most this many groups get their own line or bar; the rest are drawn as "Other".
MAX_GROUPS = 6
#: Label of the groups folded together.
OTHER = "Other"
#: Groups with fewer disputes than this get no curve of their own (a step line of 1 or 2 says nothing).
MIN_CURVE = 3

#: Colour per eligibility status.
STATUS_COLOURS: dict[str, str] = {
    "not_shipped": "#9e9e9e",
    "too_early": "#4c72b0",
    "open": "#55a868",
    "expired": "#c44e52",
    "needs_data": "#dd8452",
    "cancelled": "#8c8c8c",
}
#: Colours for groups, in order (colour-blind friendly, from matplotlib's tab10).
PALETTE: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    _describe_in_notebooks()  # pyplot's backend has been chosen by now: its figure formatter is in place
    return ax


#: At most this many bars of one series are named in a description, and this many series.
_DESCRIBED_BARS, _DESCRIBED_SERIES = 12, MAX_GROUPS


def describe(figure: Figure, drawn: bool = False) -> str:
    """What a drawn figure shows, in words: the alternative text of its image.

    Read off each chart: its kind and title, what its axes measure, its legend, any
    message drawn in it ("no disputes to show") and, for bars, each bar's value (up to
    12 bars of up to :data:`MAX_GROUPS` series; on a time axis a bar of whole days is its
    first day to its last, dollars are written as such). ``drawn``: the figure has just
    been drawn (rendered), so its tick labels are laid out already.

    Examples
    --------
    >>> ax = status_counts(pd.DataFrame({"status": ["open", "open", "expired"]}))
    >>> print(describe(ax.figure))
    Bar chart: Orders by dispute status. Horizontal axis: Status on the as-of day; vertical axis: Orders (count). Status: Not shipped, Too early, Open, Expired. Not shipped 0, Too early 0, Open 2, Expired 1.
    >>> plt.close(ax.figure)
    """
    if not drawn:
        figure.draw_without_rendering()  # lays out the tick labels the bars are named by
    return " ".join(_describe_axes(ax) for ax in figure.axes if ax.get_visible() and (ax.has_data() or ax.texts))


def _words(text: str) -> str:
    return " ".join(text.split())


def _describe_axes(ax: Axes) -> str:
    bars = [c for c in ax.containers if isinstance(c, BarContainer) and len(c)]
    kind = "Bar chart" if bars else "Line chart" if ax.lines else "Chart"
    title = _words(ax.get_title())
    sentences = [f"{kind}: {title}" if title else kind]
    x, y = _words(ax.get_xlabel()), _words(ax.get_ylabel())
    if x or y:
        sentences.append("; ".join(f"{where}: {label}" for where, label in (("Horizontal axis", x), ("vertical axis", y)) if label))
    sentences.extend(_words(t.get_text()) for t in ax.texts if t.get_text().strip() and not bars)
    legend = ax.get_legend()
    lines = [line for line in ax.get_lines() if _named(line) and len(line.get_ydata())]
    if legend is not None and not any(_named(c) for c in bars):  # else the series name them
        named = {_words(line.get_label()) for line in lines}
        entries = [_words(t.get_text()) for t in legend.get_texts() if t.get_text().strip()]
        name = _words(legend.get_title().get_text())
        if lines:
            shown = ", ".join(_describe_line(ax, line) for line in lines[:_DESCRIBED_SERIES])
            more = f" and {len(lines) - _DESCRIBED_SERIES} more" if len(lines) > _DESCRIBED_SERIES else ""
            sentences.append(f"{name or 'Lines'}: {shown}{more}")
            entries = [e for e in entries if e not in named]
            if entries:
                sentences.append("Also shown: " + ", ".join(entries))
        elif entries:
            sentences.append(f"{name or 'Legend'}: " + ", ".join(entries))
    legend_colours = _legend_colours(legend) if legend is not None else {}
    for container in bars[:_DESCRIBED_SERIES]:
        sentences.append(_describe_bars(ax, container, legend_colours))
    if len(bars) > _DESCRIBED_SERIES:
        sentences.append(f"and {len(bars) - _DESCRIBED_SERIES} more series")
    return " ".join(s.rstrip(".") + "." for s in sentences if s)


def _amount(ax: Axes, value: float, vertical: bool = True) -> str:
    """A value of the axis that measures it, as its ticks write it: a share, dollars or a number."""
    axis = ax.yaxis if vertical else ax.xaxis
    label = (ax.get_ylabel() if vertical else ax.get_xlabel()).lower()
    formatter = axis.get_major_formatter()
    if isinstance(formatter, PercentFormatter):
        return f"{value / formatter.xmax * 100:.0f}%"
    if "dollar" in label or "usd" in label:
        return f"${value:,.2f}"
    return f"{value:,.4g}"


def _describe_line(ax: Axes, line: Line2D) -> str:
    """``"Card (n=10) from 100% to 12%"``: a line's name, first and last value."""
    values = np.asarray(line.get_ydata(), dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return _words(line.get_label())
    first, last = _amount(ax, float(values[0])), _amount(ax, float(values[-1]))
    return f"{_words(line.get_label())} " + (f"at {first}" if first == last else f"from {first} to {last}")


def _named(artist: object) -> bool:
    """A line or bar series with a label of its own (matplotlib's own start with ``_``)."""
    label = artist.get_label()
    return bool(label) and not label.startswith("_")


def _colour(patch: Patch) -> tuple:
    return tuple(np.round(patch.get_facecolor(), 3))


def _legend_colours(legend: object) -> dict[tuple, str]:
    """Legend entries by the colour of their patch: what a bar of that colour stands for."""
    return {
        _colour(handle): _words(text.get_text())
        for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=False)
        if isinstance(handle, Patch) and text.get_text().strip()
    }


def _day(moment: object) -> str:
    return f"{moment.day} {moment:%b %Y}"


def _describe_bars(ax: Axes, container: BarContainer, legend_colours: dict[tuple, str] | None = None) -> str:
    """``"Open: Visa 12, PayPal 3"``: each bar's category (its tick label), value and, when the legend says, kind."""
    vertical = container.orientation != "horizontal"
    categories, values_axis = (ax.xaxis, ax.yaxis) if vertical else (ax.yaxis, ax.xaxis)
    ticks = {
        round(float(loc), 6): _words(label.get_text())
        for loc, label in zip(categories.get_majorticklocs(), categories.get_ticklabels(), strict=False)
    }
    values = container.datavalues if container.datavalues is not None else [p.get_height() if vertical else p.get_width() for p in container]
    dates = isinstance(values_axis.get_major_locator(), mdates.DateLocator)
    series = _words(container.get_label()) if _named(container) else ""
    shown = []
    for patch, amount in list(zip(container.patches, values, strict=True))[:_DESCRIBED_BARS]:
        middle = patch.get_x() + patch.get_width() / 2 if vertical else patch.get_y() + patch.get_height() / 2
        name = ticks.get(round(float(middle), 6), "")
        span = float(amount)
        if dates:  # a bar on a time axis is a span of days: its first day to its last
            start = patch.get_y() if vertical else patch.get_x()
            whole_days = float(start).is_integer() and (start + span).is_integer() and span >= 1
            text = f"{name} {_day(mdates.num2date(start))} to {_day(mdates.num2date(start + span - whole_days))}"
        else:
            text = f"{name} {_amount(ax, span, vertical)}"
        kind = (legend_colours or {}).get(_colour(patch))
        shown.append((f"{text} ({kind})" if kind and kind not in (name, series) else text).strip())
    more = f" and {len(container) - _DESCRIBED_BARS} more" if len(container) > _DESCRIBED_BARS else ""
    return (f"{series}: " if series else "") + ", ".join(shown) + more


def _describe_in_notebooks() -> None:
    """In an IPython kernel, make the figures it shows carry :func:`describe` as their image's ``alt``.

    Wraps the PNG formatter the inline backend registered for figures (once; again if the
    backend registers a new one); elsewhere, or before a backend registered one, nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the kernel and the notebooks
        return
    shell = get_ipython()
    formatter = shell.display_formatter.formatters.get("image/png") if shell is not None else None
    if formatter is None:
        return
    try:
        render = formatter.lookup_by_type(Figure)
    except KeyError:
        return
    if getattr(render, "describes_figures", False):
        return

    def png_with_alt(figure: Figure) -> object:
        rendered = render(figure)  # drawing the figure lays out its tick labels, which describe() reads
        text = describe(figure, drawn=True)
        if not text:
            return rendered
        data, metadata = rendered if isinstance(rendered, tuple) else (rendered, None)
        return data, {**(metadata or {}), "alt": text}

    png_with_alt.describes_figures = True  # type: ignore[attr-defined]
    formatter.for_type(Figure, png_with_alt)


def _set_title(ax: Axes, text: str, width: int = 72) -> None:
    """A title wrapped onto several lines when long (a pack name with overrides), never cut."""
    ax.set_title("\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) if len(text) > width else text)


def _nothing(ax: Axes, message: str) -> Axes:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _group_column(frame: pd.DataFrame, known: Sequence[str]) -> str | None:
    others = [c for c in frame.columns if c not in known]
    return others[0] if others else None


def top_groups(labels: pd.Series, n: int = MAX_GROUPS, other: str = OTHER) -> pd.Series:
    """The ``n - 1`` largest groups kept, the rest folded into ``other`` (all kept when at most ``n``).

    Parameters
    ----------
    labels
        One group label per row (missing values stay missing).
    n
        Most groups shown, ``other`` included.
    other
        Label of the folded groups.

    Returns
    -------
    pandas.Series
        New labels as text, ties broken by label so the choice is deterministic.
    """
    text = labels.astype("string")
    counts = text.value_counts()
    if len(counts) <= n:
        return text
    order = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    keep = {label for label, _ in order[: n - 1]}
    return text.where(text.isin(keep) | text.isna(), other)


def survival_curves(
    disputes: pd.DataFrame,
    by: str | None = "payment_method",
    ax: Axes | None = None,
    title: str | None = None,
    start: str = "opened_at",
    until: str = "refund",
) -> Axes:
    """Kaplan-Meier curves of time to refund (or to resolution), one step line per group.

    The y axis is the share of disputes still waiting for their money; a tick on a curve
    marks a censored dispute (refund still pending when observation ended). Disputes that
    ended without a refund are not part of the curves (see :mod:`disputelib.analysis`).
    With ``until="resolution"`` the table is a :func:`disputelib.analysis.problem_table`
    and the curves run from each problem to its resolution, a seller's fix or a dispute
    refund (:func:`disputelib.analysis.resolution_survival_by`; ``start`` is then
    ``problem_at``).

    Parameters
    ----------
    disputes
        A dispute table.
    by
        Column to draw one curve per value of; None for a single curve.
    ax
        Axes to draw on; a new 8 x 4.5 inch figure when None.
    title
        Chart title; a default naming ``by`` when None.
    start
        Column of the instant the clock starts: ``opened_at`` (the dispute's opening), or
        ``problem_at`` for a :func:`disputelib.analysis.problem_table` (the buyer's problem).
    until
        ``refund`` (a dispute's money received) or ``resolution`` (see above).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = survival_curves(disputes, by="refund_channel")  # doctest: +SKIP
    """
    ax = _axes(ax, (8, 4.5))
    if until not in ("refund", "resolution"):
        raise ValueError(f"until must be 'refund' or 'resolution', not {until!r}")
    resolution = until == "resolution"
    if by is not None and by in disputes.columns:
        disputes = disputes.assign(**{by: top_groups(disputes[by])})
    fits = resolution_survival_by(disputes, by) if resolution else survival_by(disputes, by, start)
    label = column_words(by) if by else ("all problems" if resolution else "all disputes")
    _set_title(ax, title or f"Time to {until} by {label} (Kaplan-Meier)")
    starts = {"opened_at": "the dispute was opened", "problem_at": "the problem began"}
    since = starts["problem_at"] if resolution else starts.get(start, start.replace("_", " "))
    ax.set_xlabel(f"Days since {since}")
    ax.set_ylabel("Still unresolved" if resolution else "Still waiting for the money")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if not fits:
        return _nothing(ax, "no problems to show" if resolution else "no disputes with a refund to show")
    small = {group: len(fit.time) for group, fit in fits.items() if len(fits) > 1 and len(fit.time) < MIN_CURVE}
    for i, (group, fit) in enumerate(item for item in fits.items() if item[0] not in small):
        colour = PALETTE[i % len(PALETTE)]
        times = np.concatenate([[0.0], np.asarray(fit.surv_times, dtype=float)])
        probs = np.concatenate([[1.0], np.asarray(fit.surv_prob, dtype=float)])
        n = len(fit.time)
        ax.step(times, probs, where="post", color=colour, label=f"{value(group)} (n={n:,})")
        censored = np.asarray(fit.time)[np.asarray(fit.status) == 0]
        if censored.size:
            at = np.searchsorted(times, censored, side="right") - 1
            ax.plot(censored, probs[at], "|", color=colour, markersize=7)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=0)
    ax.grid(True, alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], marker="|", linestyle="none", color="#444444", markersize=7))
    labels.append("censored (still under way)" if resolution else "censored (still pending)")
    if small:
        handles.append(Line2D([], [], linestyle="none"))
        labels.append("not drawn: " + ", ".join(f"{value(g)} (n={n})" for g, n in small.items()))
    ax.legend(handles, labels, title=header(by) if by else None, loc="upper right", fontsize="small")
    return ax


def refund_time_bars(summary: pd.DataFrame, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Median and 90th-percentile days to refund per group, with confidence intervals.

    Parameters
    ----------
    summary
        The output of :func:`disputelib.analysis.refund_time_summary`.
    ax
        Axes to draw on; a new 8 x 4 inch figure when None.
    title
        Chart title; a default when None.

    Returns
    -------
    matplotlib.axes.Axes
        Horizontal bars for the median, a diamond for the 90th percentile, each with its
        interval as a whisker.
    """
    ax = _axes(ax, (8, 4))
    group = summary.columns[0]
    _set_title(ax, title or f"Days to refund by {column_words(group)}")
    ax.set_xlabel("Days from opening the dispute to money received")
    ax.set_ylabel(header(group))
    shown = summary[summary["n"] > 0].reset_index(drop=True)
    if shown.empty:
        return _nothing(ax, "no disputes with a refund to show")
    if len(shown) > MAX_GROUPS:  # medians cannot be pooled: the groups with most disputes, in the summary's order
        largest = set(shown.sort_values(["n", group], ascending=[False, True], kind="stable").index[:MAX_GROUPS])
        shown = shown[shown.index.isin(largest)].reset_index(drop=True)
        ax.set_ylabel(f"{header(group)} (the {MAX_GROUPS} with most disputes)")
    y = np.arange(len(shown))

    def _err(mid: str, lo: str, hi: str) -> np.ndarray:
        values = shown[[mid, lo, hi]].to_numpy(float)
        err = np.vstack([values[:, 0] - values[:, 1], values[:, 2] - values[:, 0]])
        return np.nan_to_num(np.clip(err, 0, None))

    ax.barh(y, shown["median_days"].fillna(0), color=PALETTE[0], alpha=0.8, label="median")
    ax.errorbar(
        shown["median_days"], y, xerr=_err("median_days", "median_lo", "median_hi"),
        fmt="none", ecolor="#222222", capsize=3, label="95% interval",
    )
    ax.errorbar(
        shown["p90_days"], y, xerr=_err("p90_days", "p90_lo", "p90_hi"),
        fmt="D", color=PALETTE[1], ecolor=PALETTE[1], capsize=3, label="90% refunded by",
    )
    ax.set_yticks(y, [f"{value(g)} (n={n:,})" for g, n in zip(shown[group], shown["n"], strict=True)])
    ax.invert_yaxis()
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return ax


def funnel_chart(funnel: pd.DataFrame, ax: Axes | None = None, title: str | None = None) -> Axes:
    """How many disputes reached each step, as columns labelled with their share of those opened.

    The steps are not nested (a silent seller's dispute is escalated without an answer),
    so the chart is not drawn as a funnel: each column counts its step on its own.

    Parameters
    ----------
    funnel
        The output of :func:`disputelib.analysis.funnel`, with or without a group column
        (one bar per group and step when there is one).
    ax
        Axes to draw on; a new 8 x 4 inch figure when None.
    title
        Chart title; a default when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (8, 4))
    group = _group_column(funnel, ("stage", "disputes", "share"))
    _set_title(ax, title or "Steps disputes reached (each counted on its own; a step may be skipped)")
    ax.set_xlabel("Step of the dispute")
    ax.set_ylabel("Disputes (count)")
    stages = list(STAGES)
    x = np.arange(len(stages))
    ax.set_xticks(x, [value(s) for s in stages])
    if funnel.empty:
        return _nothing(ax, "no disputes")
    groups = [None] if group is None else sorted(funnel[group].astype(str).unique())[:MAX_GROUPS]
    width = 0.8 / len(groups)
    for i, name in enumerate(groups):
        rows = funnel if name is None else funnel[funnel[group].astype(str) == name]
        rows = rows.set_index("stage").reindex(stages)
        offset = (i - (len(groups) - 1) / 2) * width
        bars = ax.bar(
            x + offset, rows["disputes"].fillna(0), width=width, color=PALETTE[i % len(PALETTE)],
            label=value(name) if name is not None else "disputes",
        )
        labels = [f"{s:.0%}" if pd.notna(s) else "" for s in rows["share"]]
        ax.bar_label(bars, labels=labels, padding=3, fontsize="small")
    ax.margins(y=0.15)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(title=header(group) if group else None, loc="upper right", fontsize="small")
    return ax


def status_counts(table: pd.DataFrame, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Orders per eligibility status (not shipped, too early, open, expired).

    A buyer's own data can also hold ``needs_data`` and ``cancelled`` orders: those bars
    are drawn only when such orders exist.

    Parameters
    ----------
    table
        ``Eligibility.table`` from :func:`disputelib.eligibility` (a ``status`` column).
    ax
        Axes to draw on; a new 7 x 3.5 inch figure when None.
    title
        Chart title; a default when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (7, 3.5))
    counts = table["status"].value_counts()
    shown = [*STATUSES, *(s for s in PARTIAL_STATUSES if counts.get(s, 0))]
    counts = counts.reindex(shown, fill_value=0)
    bars = ax.bar([value(s) for s in shown], counts.to_numpy(), color=[STATUS_COLOURS[s] for s in shown])
    ax.bar_label(bars, padding=2)
    _set_title(ax, title or "Orders by dispute status")
    ax.set_xlabel("Status on the as-of day")
    ax.set_ylabel("Orders (count)")
    ax.margins(y=0.15)
    ax.legend(bars, [value(s) for s in shown], title="Status", fontsize="small")
    return ax


def window_timeline(
    table: pd.DataFrame,
    as_of: AsOf,
    n: int = 20,
    span_days: int = 30,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Protection windows of a sample of orders around ``as_of``, as bars from opening to closing day.

    Among the shipped orders whose window overlaps the ``span_days`` days either side of
    ``as_of``, ``n`` are picked evenly along the order of their closing day (so expired,
    open and not-yet-open windows all appear), and drawn sorted by opening day. Each bar
    runs from the first day to the end of the last day a dispute can be opened, coloured
    by status; a dashed vertical line marks ``as_of``. The pick is deterministic.

    Parameters
    ----------
    table
        ``Eligibility.table`` (``order_id``, ``status``, ``window_opens``, ``window_closes``).
    as_of
        The day the status was judged on (``YYYY-MM-DD`` or a date).
    n
        How many orders to draw.
    span_days
        How far before and after ``as_of`` a window may lie to be picked.
    ax
        Axes to draw on; a new 9 x 5 inch figure when None.
    title
        Chart title; a default when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (9, 5))
    day = pd.Timestamp(as_date(as_of))
    _set_title(ax, title or f"Dispute windows around {day.day} {day:%b %Y} (a sample of orders)")
    ax.set_xlabel("Date (Pacific time)")
    ax.set_ylabel("Order")
    shipped = table[table["window_opens"].notna()]
    if shipped.empty or n <= 0:
        return _nothing(ax, "no shipped orders")
    opens = pd.to_datetime(shipped["window_opens"])
    ends = pd.to_datetime(shipped["window_closes"]) + pd.Timedelta(days=1)
    near = ((ends >= day - pd.Timedelta(days=span_days)) & (opens <= day + pd.Timedelta(days=span_days))).to_numpy()
    pool = shipped.assign(_opens=opens, _ends=ends)[near].sort_values(["_ends", "order_id"], kind="stable")
    if pool.empty:
        return _nothing(ax, f"no dispute window within {span_days} days of {day.date()}")
    picks = np.unique(np.linspace(0, len(pool) - 1, min(n, len(pool))).round().astype(int))
    chosen = pool.iloc[picks].sort_values(["_opens", "order_id"], kind="stable", ascending=[False, False])
    y = np.arange(len(chosen))
    start = mdates.date2num(chosen["_opens"].dt.to_pydatetime())
    width = mdates.date2num(chosen["_ends"].dt.to_pydatetime()) - start
    colours = [STATUS_COLOURS.get(s, "#9e9e9e") for s in chosen["status"].astype(str)]
    ax.barh(y, width, left=start, color=colours, height=0.6)
    ax.set_yticks(y, chosen["order_id"].astype(str), fontsize="small")
    ax.axvline(mdates.date2num(day.to_pydatetime()), color="#222222", linestyle="--", linewidth=1.2)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %Y"))
    ax.tick_params(axis="x", labelrotation=30)
    ax.grid(True, axis="x", alpha=0.3)
    present = [s for s in ALL_STATUSES if s in set(chosen["status"].astype(str))]
    handles = [Patch(color=STATUS_COLOURS[s], label=value(s)) for s in present]
    handles.append(Line2D([], [], color="#222222", linestyle="--", label=f"as of {day.day} {day:%b %Y}"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return ax


def recovered_bars(recovered: pd.DataFrame, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Money claimed, and how much of it came back, per group.

    Parameters
    ----------
    recovered
        The output of :func:`disputelib.analysis.recovered`.
    ax
        Axes to draw on; a new 8 x 4 inch figure when None.
    title
        Chart title; a default when None.

    Returns
    -------
    matplotlib.axes.Axes
        Per group, a light bar for the amount claimed and a dark one for the amount
        received, labelled with the share recovered.
    """
    ax = _axes(ax, (8, 4))
    group = recovered.columns[0]
    _set_title(ax, title or f"Money recovered by {column_words(group)}")
    ax.set_xlabel("US dollars")
    ax.set_ylabel(header(group))
    if recovered.empty:
        return _nothing(ax, "no disputes")
    if len(recovered) > MAX_GROUPS:  # amounts add up: the smaller groups together as Other
        weights = recovered.set_index(group)["claimed_usd"]
        order = sorted(weights.items(), key=lambda item: (-item[1], str(item[0])))
        keep = {label for label, _ in order[: MAX_GROUPS - 1]}
        folded = recovered[group].where(recovered[group].isin(keep), OTHER)
        recovered = recovered.groupby(folded.to_numpy(), sort=False)[["claimed_usd", "received_usd"]].sum()
        recovered = recovered.rename_axis(group).reset_index()
        recovered["recovered_share"] = recovered["received_usd"] / recovered["claimed_usd"].where(recovered["claimed_usd"] > 0)
    y = np.arange(len(recovered))
    ax.barh(y, recovered["claimed_usd"], color="#c7d7ea", label="claimed", height=0.7)
    bars = ax.barh(y, recovered["received_usd"], color=PALETTE[0], label="received", height=0.45)
    labels = [f"{s:.0%}" if pd.notna(s) else "" for s in recovered["recovered_share"]]
    ax.bar_label(bars, labels=labels, padding=3, fontsize="small")
    ax.set_yticks(y, [value(g) for g in recovered[group]])
    ax.invert_yaxis()
    ax.margins(x=0.1)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return ax


def stacked_bars(
    table: pd.DataFrame,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str = "Count",
    ylabel: str | None = None,
) -> Axes:
    """One horizontal bar per row of a count table, split into its columns.

    Parameters
    ----------
    table
        Counts: rows are the bars (the index labels them), columns the stacked parts
        (e.g. ``pd.crosstab(orders["buyer_country"], orders["payment_method"])``).
    ax
        Axes to draw on; a new 8 x 4.5 inch figure when None.
    title
        Chart title; a default naming the index and columns when None.
    xlabel, ylabel
        Axis labels; ``ylabel`` defaults to the index name.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (8, 4.5))
    if len(table.columns) > MAX_GROUPS:
        order = table.sum().sort_values(ascending=False, kind="stable").index
        largest = set(order[: MAX_GROUPS - 1])
        keep = [c for c in table.columns if c in largest]  # in the table's own order
        folded = table[keep].copy()
        folded[OTHER] = table.drop(columns=keep).sum(axis=1)
        folded.columns.name = table.columns.name
        table = folded
    rows = column_words(table.index.name) if table.index.name else "rows"
    parts = column_words(table.columns.name) if table.columns.name else ""
    _set_title(ax, title or f"{xlabel} by {rows}" + (f" and {parts}" if parts else ""))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel if ylabel is not None else (header(table.index.name) if table.index.name else rows))
    if table.empty:
        return _nothing(ax, "nothing to count")
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for i, column in enumerate(table.columns):
        values = table[column].fillna(0).to_numpy(float)
        ax.barh(y, values, left=left, color=PALETTE[i % len(PALETTE)], label=value(column))
        left += values
    ax.set_yticks(y, [value(v) for v in table.index])
    ax.invert_yaxis()
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(title=header(table.columns.name) if parts else None, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return ax


def recoverable_lines(by_day: pd.DataFrame, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Money still recoverable per route, day by day: one step line per route.

    Parameters
    ----------
    by_day
        :func:`disputelib.routes.recoverable_by_day`: index ``day``, a column per route.
    ax
        Axes to draw on; a new 8 x 3.8 inch figure when None.
    title
        Chart title; a default when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (8, 3.8))
    if by_day.empty or not len(by_day.columns) or not np.nansum(by_day.to_numpy()) > 0:
        _set_title(ax, title or "Money still recoverable by route")
        return _nothing(ax, "No route is open on these days")
    shown = list(by_day.sum().sort_values(ascending=False).index[:MAX_GROUPS])
    for name in shown:
        ax.step(by_day.index, by_day[name].to_numpy(), where="post", label=value(str(name)))
    _set_title(ax, title or "Money still recoverable by route")
    ax.set_xlabel("Day")
    ax.set_ylabel("US dollars in open windows")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.set_ylim(bottom=0)
    ax.legend(title="Route", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))  # beside: never over a line
    return ax

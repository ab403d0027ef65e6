"""Titles, intros and captions built from a run's parameters and computed from its results.

A page says what this run looked at (``by``, ``pack``, ``as_of``, the input's name), which
parameters it did not use, and what it found, in sentences computed here rather than
written by hand in a notebook.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePath

import pandas as pd

from disputelib.present import formats
from disputelib.present.vocabulary import column_words, plural, value

#: Columns only the simulator writes: a dispute table carrying them was simulated.
SIMULATED_MARKS: tuple[str, ...] = ("strategy", "filmed_unboxing")


class Markdown(str):
    """Markdown text that a notebook renders (``_repr_markdown_``) and a console prints as is."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


def source_name(path: str | PurePath) -> str:
    """An input file as a reader knows it: its file name, and the folder when it is short."""
    text = str(path)
    parts = PurePath(text).parts
    return text if len(parts) <= 3 else PurePath(*parts[-2:]).as_posix()


def dispute_origin(disputes: pd.DataFrame) -> str:
    """``"simulated"`` when the table carries the simulator's hidden truth, else ``"from an export"``."""
    return "simulated" if all(c in disputes.columns for c in SIMULATED_MARKS) else "from an export"


def title(text: str, by: str | None = None, level: int = 1) -> Markdown:
    """A heading naming the grouping column in words: ``title("Time to refund", "buyer_country")``.

    Examples
    --------
    >>> print(title("3.0 Time to refund", by="buyer_country"))
    # 3.0 Time to refund by buyer country
    """
    suffix = f" by {column_words(by)}" if by else ""
    return Markdown(f"{'#' * level} {text}{suffix}")


def unused(parameters: Mapping[str, object], reason: str) -> str:
    """A sentence saying which parameters this run does not use, and why ("" when none)."""
    if not parameters:
        return ""
    named = ", ".join(f"`{k}` ({v!r})" for k, v in parameters.items())
    verb = "is" if len(parameters) == 1 else "are"
    return f"Not used in this run: {named} {verb} ignored because {reason}."


def intro(heading: str, *sentences: str, by: str | None = None) -> Markdown:
    """A run's own heading (level 2, naming ``by`` in words) and a paragraph of what it read.

    The report takes a page's title from this heading, so a page run with other
    parameters says so in its title.

    Examples
    --------
    >>> print(intro("3.0 Time to refund", "From the sample.", by="strategy"))
    ## 3.0 Time to refund by buyer's strategy
    <BLANKLINE>
    From the sample.
    """
    return Markdown(f"{title(heading, by, level=2)}\n\n{paragraph(*sentences)}".rstrip())


def paragraph(*sentences: str) -> Markdown:
    """Sentences joined into one Markdown paragraph, empty ones left out."""
    return Markdown(" ".join(s.strip() for s in sentences if s and s.strip()))


def fastest(summary: pd.DataFrame, what: str = "refunds", measure: str = "median_days", min_n: int = 5) -> str:
    """The fastest and slowest groups of a time summary, in one sentence.

    Parameters
    ----------
    summary
        A :func:`disputelib.analysis.refund_time_summary` (or resolution summary): the
        group column first, then ``n`` and ``measure``.
    what
        What arrived ("refunds", "resolutions").
    measure
        The column compared.
    min_n
        Groups with fewer rows are left out of the comparison.

    Returns
    -------
    str
        E.g. "Western Union refunds arrived fastest: median 11.0 days, against 19.1 for
        cards, the slowest."; a sentence saying why not when fewer than two groups have a
        median.
    """
    group = summary.columns[0]
    ok = summary[(summary["n"] >= min_n) & summary[measure].notna()]
    if ok.empty:
        return f"No group has {min_n} or more {what} with a median reached, so none is compared."
    ordered = ok.sort_values([measure, group], kind="stable")
    fast, slow = ordered.iloc[0], ordered.iloc[-1]
    fast_days = formats.one(formats.days, fast[measure])
    if len(ordered) == 1:
        return f"Only {value(fast[group])} has enough {what} for a median: {fast_days} days."
    slow_days = formats.one(formats.days, slow[measure])
    return (
        f"{value(fast[group])} {what} arrived fastest: median {fast_days} days, "
        f"against {slow_days} for {plural(slow[group])}, the slowest."
    )


def significance(test: pd.DataFrame, alpha: float = 0.05) -> str:
    """A :func:`disputelib.analysis.logrank` result as a sentence."""
    row = test.iloc[0]
    words = column_words(row["by"])
    if pd.isna(row["p_value"]):
        return f"Fewer than two {words} groups have a refund, so their curves cannot be compared."
    p = formats.one(formats.p_value, row["p_value"])
    p_text = f"p {p}" if p.startswith("<") else f"p = {p}"
    if row["p_value"] < alpha:
        return f"The {int(row['groups'])} {words} groups differ in time to refund ({p_text}): the gaps are unlikely to be chance."
    return f"The {int(row['groups'])} {words} groups do not differ clearly in time to refund ({p_text})."


def largest(counts: pd.Series, noun: str) -> str:
    """The largest share of a count Series in one sentence: "Open: 64.6 % of 300 orders."."""
    total = int(counts.sum())
    if total == 0:
        return f"No {noun}."
    top = counts.sort_values(ascending=False, kind="stable")
    share = formats.one(formats.percent, top.iloc[0] / total)
    return f"{value(top.index[0])} is the largest group: {share} of {total:,} {noun}."


def recovered_sentence(recovered: pd.DataFrame) -> str:
    """Money received back over money claimed, over all rows of a :func:`disputelib.analysis.recovered`."""
    claimed = float(recovered["claimed_usd"].sum())
    received = float(recovered["received_usd"].sum())
    if claimed <= 0:
        return "Nothing was claimed."
    share = formats.one(formats.percent, received / claimed)
    return (
        f"Of {formats.one(formats.money, claimed)} claimed, {formats.one(formats.money, received)} came back ({share})."
    )


def listing(items: Iterable[str]) -> str:
    """``a, b and c``."""
    words = [w for w in items if w]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else ""

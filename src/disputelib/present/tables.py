"""Result frames as display tables: readable headers and values, no index, page-wide at most.

:func:`table` formats every column by its kind (inferred from its name by the rules in
:data:`KIND_BY_NAME` and :data:`KIND_BY_SUFFIX`, or given), relabels headers from the
vocabulary, drops the index, cuts long tables to their first rows and says so, splits wide
tables into parts that each repeat the first column, and renders HTML with pandas' Styler
(every value and header escaped). An empty table is a sentence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
from markupsafe import escape

from disputelib.present import formats
from disputelib.present.vocabulary import header, values

#: Kind of a column by its exact name.
KIND_BY_NAME: dict[str, str] = {
    "days_left": "count",
    "row": "count",
    "df": "count",
    "p_value": "p_value",
    "chi2": "number",
    "median_lo": "days",
    "median_hi": "days",
    "p90_lo": "days",
    "p90_hi": "days",
    "deadline": "deadline",
    "deadline_pacific": "deadline",
    "deadline_local": "deadline_local",
    "window_opens": "date",
    "window_closes": "date",
    "closes_on": "date",
    "protection_ends": "date",
    "order_id": "text",
    "store_id": "text",
    "dispute_id": "text",
    "buyer_timezone": "text",
    "reject_reason": "text",
    "by": "column",
}
#: Kind of a column by the end of its name, checked in order.
KIND_BY_SUFFIX: tuple[tuple[str, str], ...] = (
    ("_usd", "money"),
    ("share", "percent"),
    ("_days", "days"),
    ("days_to_resolution", "days"),
    ("_at", "deadline"),
)
#: Kinds shown right-aligned.
NUMERIC_KINDS = frozenset({"count", "number", "percent", "money", "days", "p_value"})
#: Columns per part of a wide table (the first column is repeated in every part).
MAX_COLUMNS = 9

_CSS = [
    {"selector": "", "props": "border-collapse: collapse; max-width: 100%; margin: 0.4em 0 1em; font-size: 0.92em;"},
    {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: bold; padding: 0.2em 0;"},
    {
        "selector": "th, td",
        "props": "border: 1px solid #d0d7de; padding: 0.25em 0.55em; text-align: left; vertical-align: top; "
        "white-space: normal; overflow-wrap: break-word; max-width: 22em;",
    },
    {"selector": "th", "props": "background: #f6f8fa;"},
    {"selector": "td.dl-num", "props": "text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;"},
]


def kind_of(name: object, column: pd.Series) -> str:
    """The display kind of a column: from its name, else from its dtype (numbers count or 3 decimals)."""
    text = str(name)
    if text in KIND_BY_NAME:
        return KIND_BY_NAME[text]
    for suffix, kind in KIND_BY_SUFFIX:
        if text.endswith(suffix):
            return kind
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "code"
    if pd.api.types.is_integer_dtype(dtype):
        return "count"
    if pd.api.types.is_float_dtype(dtype):
        whole = column.dropna()
        return "count" if len(whole) and (whole == whole.round()).all() and whole.abs().max() >= 1 else "number"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "deadline"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "date"
    return "code"


def _format(frame: pd.DataFrame, name: object, kind: str) -> pd.Series:
    column = frame[name]
    if kind == "deadline_local":
        if "buyer_timezone" in frame.columns:
            return formats.deadline(column, frame["buyer_timezone"])
        return formats.deadline(column)
    if kind == "code":
        return values(column)
    if kind == "column":
        return column.map(lambda name: header(name) if isinstance(name, str) else "").astype(object)
    if kind == "text":
        return column.astype("string").fillna("").astype(object)
    if kind == "number":
        return formats.number(column)
    return getattr(formats, kind)(column)


@dataclass(frozen=True)
class Table:
    """A display table: formatted text under readable headers, and how to say what it holds.

    ``parts`` are the column groups of a wide table (each a frame of text); ``shown`` and
    ``total`` count rows; ``empty`` is the sentence shown when there are none.
    """

    parts: tuple[pd.DataFrame, ...]
    numeric: frozenset[str]
    shown: int
    total: int
    caption: str | None = None
    empty: str = "No rows."
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def note(self) -> str:
        """``"10 of 13 shown"`` when rows were cut, else ``""``."""
        return f"{self.shown:,} of {self.total:,} shown" if self.shown < self.total else ""

    @property
    def sentences(self) -> str:
        """The note and the further notes, each ending with a full stop, in one line."""
        parts = [n.strip() for n in (self.note, *self.notes) if n and n.strip()]
        return " ".join(p if p.endswith((".", "!", "?")) else f"{p}." for p in parts)

    @property
    def text(self) -> pd.DataFrame:
        """The whole formatted table as one frame of text (parts joined)."""
        if not self.parts:
            return pd.DataFrame()
        joined = self.parts[0]
        for part in self.parts[1:]:
            joined = pd.concat([joined, part.iloc[:, 1:]], axis=1)
        return joined

    def to_html(self) -> str:
        """HTML: one Styler table per part (values and headers escaped), then the notes."""
        if self.total == 0:
            return f'<p class="dl-empty">{escape(self.empty)}</p>'
        html = [self._part_html(i, part) for i, part in enumerate(self.parts)]
        if self.sentences:
            html.append(f'<p class="dl-note">{escape(self.sentences)}</p>')
        return "\n".join(html)

    def _part_html(self, i: int, part: pd.DataFrame) -> str:
        uuid = hashlib.sha1(part.to_json().encode()).hexdigest()[:10]
        # escaped as the page templates escape (markupsafe), before Styler sees the text
        safe = part.map(lambda text: str(escape(text)))
        safe.columns = [str(escape(c)) for c in part.columns]
        numeric = [str(escape(c)) for c in part.columns if c in self.numeric]
        styler = safe.style
        styler.set_uuid(f"dl{uuid}{i}")
        styler.hide(axis="index")
        styler.set_table_attributes('class="dl-table"')
        classes = {c: ["dl-num" if c in numeric else ""] * len(safe) for c in safe.columns}
        styler.set_td_classes(pd.DataFrame(classes, index=safe.index))
        styler.set_table_styles(_CSS)
        if self.caption and i == 0:
            styler.set_caption(str(escape(self.caption)))
        elif self.caption:
            styler.set_caption(str(escape(f"{self.caption} (continued)")))
        return styler.to_html(doctype_html=False)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        if self.total == 0:
            return self.empty
        lines = [self.caption] if self.caption else []
        lines += [part.to_string(index=False) for part in self.parts]
        if self.sentences:
            lines.append(self.sentences)
        return "\n".join(lines)

    __repr__ = __str__


def _key_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Named index levels become the first columns; a default RangeIndex is dropped."""
    if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None:
        return frame.reset_index(drop=True)
    names = [n for n in frame.index.names if n is not None]
    return frame.reset_index(drop=not names)


def table(
    frame: pd.DataFrame,
    limit: int | None = None,
    caption: str | None = None,
    empty: str = "No rows.",
    kinds: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    max_columns: int = MAX_COLUMNS,
    notes: Sequence[str] = (),
    total: int | None = None,
) -> Table:
    """A result frame as a display table.

    Parameters
    ----------
    frame
        Any result frame; a named index becomes the first column, a default one is dropped.
    limit
        Show at most this many rows (the note then says "10 of 13 shown").
    caption
        Caption above the table.
    empty
        The sentence shown instead of an empty table ("No rows were rejected.").
    kinds
        Display kind per column, overriding the name rules: ``count``, ``number``,
        ``percent`` (fractions), ``money`` (US dollars), ``days``, ``p_value``, ``date``,
        ``deadline``, ``deadline_local`` (in the row's ``buyer_timezone``), ``code``
        (words from the vocabulary), ``column`` (a column name as its header) or
        ``text`` (as given).
    columns
        Columns to show, in order (others, such as ``buyer_timezone`` used by
        ``deadline_local``, still inform the formatting).
    headers
        Header per column, overriding the vocabulary.
    max_columns
        Wider tables are split into parts of this many columns, each starting with the
        first column.
    notes
        Further sentences shown under the table.
    total
        Rows before ``frame`` was cut, when it comes already cut (the note then says
        "10 of ``total`` shown").

    Returns
    -------
    Table
        Renders as HTML in a notebook (``_repr_html_``) and as text in a console.

    Examples
    --------
    >>> table(pd.DataFrame({"payment_method": ["tt"], "median_days": [11]})).text  # doctest: +NORMALIZE_WHITESPACE
                  Payment method Median days
    0  TT (telegraphic transfer)        11.0
    """
    source = _key_first(frame)
    total = len(source) if total is None else max(total, len(source))
    cut = source if limit is None else source.head(limit)
    chosen = list(columns) if columns is not None else list(cut.columns)
    kinds = dict(kinds or {})
    names = {c: (headers or {}).get(str(c), header(c)) for c in chosen}
    shown = pd.DataFrame(
        {names[c]: _format(cut, c, kinds.get(str(c)) or kind_of(c, cut[c])).to_numpy() for c in chosen},
        index=range(len(cut)),
    )
    numeric = frozenset(names[c] for c in chosen if (kinds.get(str(c)) or kind_of(c, cut[c])) in NUMERIC_KINDS)
    step = max(max_columns - 1, 1)
    parts: list[pd.DataFrame] = []
    if len(shown.columns) <= max_columns:
        parts.append(shown)
    else:
        first, rest = shown.columns[0], list(shown.columns[1:])
        for at in range(0, len(rest), step):
            parts.append(shown[[first, *rest[at : at + step]]])
    return Table(tuple(parts), numeric, len(cut), total, caption, empty, tuple(notes))

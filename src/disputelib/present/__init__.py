"""The presentation layer: display tables, readable values and run-specific captions.

Notebooks and the report's landing page ask this package for everything a reader sees, so
no page formats numbers by hand:

- :mod:`~disputelib.present.vocabulary`: headers and coded values in words;
- :mod:`~disputelib.present.formats`: percentages, money, days, p-values, dates, deadlines;
- :mod:`~disputelib.present.tables`: result frames as display tables (pandas Styler);
- :mod:`~disputelib.present.captions`: titles, intros and findings from a run.
"""

from disputelib.present.captions import (
    Markdown,
    dispute_origin,
    fastest,
    intro,
    largest,
    paragraph,
    recovered_sentence,
    significance,
    source_name,
    title,
    unused,
)
from disputelib.present.formats import count, date, days, deadline, money, number, one, p_value, percent
from disputelib.present.tables import Table, table
from disputelib.present.vocabulary import HEADERS, VALUES, column_words, header, plural, value, values

__all__ = [
    "HEADERS",
    "VALUES",
    "Markdown",
    "Table",
    "column_words",
    "count",
    "date",
    "days",
    "deadline",
    "dispute_origin",
    "fastest",
    "header",
    "intro",
    "largest",
    "money",
    "number",
    "one",
    "p_value",
    "paragraph",
    "percent",
    "plural",
    "recovered_sentence",
    "significance",
    "source_name",
    "table",
    "title",
    "unused",
    "value",
    "values",
]

"""Reading a sheet of an XLSX workbook fast: openpyxl opens it, one lean pass reads the cells."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from disputelib.importers.common import ImportFileError

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def sheet_values(book, name: str) -> Iterator[list]:
    """Rows of cell values of a read-only openpyxl workbook's sheet, like ``iter_rows(values_only=True)``.

    openpyxl opens the workbook (sheets, shared strings, which styles are dates); the
    sheet's cells are then read in one lean pass over its XML, about ten times faster
    than openpyxl's own cell objects on a 100k-row backup. Values follow openpyxl's rules:
    a number written without ``.`` or an exponent is an exact ``int`` at any length, other
    numbers are ``float``, numbers in a date style are ``datetime``, shared and inline
    strings are text, booleans are ``bool``. A row is a list up to its last cell;
    rows missing from the XML are skipped (they hold nothing).
    """
    from openpyxl.utils.cell import column_index_from_string
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    sheet = book[name]
    strings = sheet._shared_strings
    dates, durations, epoch = book._date_formats, book._timedelta_formats, book.epoch
    row_tag, cell_tag, value_tag = _MAIN + "row", _MAIN + "c", _MAIN + "v"
    inline_tag = _MAIN + "is"
    columns: dict[str, int] = {}
    with book._archive.open(sheet._worksheet_path) as source:
        for _, element in ElementTree.iterparse(source):
            if element.tag != row_tag:
                continue
            values: list = []
            for cell in element:  # the row's cells are its children
                if cell.tag != cell_tag:
                    continue
                ref = cell.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    column = columns.get(letters) or columns.setdefault(letters, column_index_from_string(letters))
                else:
                    column = len(values) + 1
                kind = cell.get("t", "n")
                if kind == "inlineStr":
                    node = cell.find(inline_tag)
                    value = None if node is None else "".join(node.itertext())
                else:
                    value = cell.findtext(value_tag) or None
                    if value is not None:
                        if kind == "n":
                            value = float(value) if "." in value or "E" in value or "e" in value else int(value)
                            if dates and int(cell.get("s", 0)) in dates:
                                value = from_excel(value, epoch, timedelta=int(cell.get("s", 0)) in durations)
                        elif kind == "s":
                            value = strings[int(value)]
                        elif kind == "b":
                            value = bool(int(value))
                        elif kind == "d":
                            value = from_ISO8601(value)
                if column > len(values):
                    values.extend([None] * (column - len(values)))
                values[column - 1] = value
            element.clear()
            yield values


def read_sheet(path: Path, sheet: str, what: str = "the data backup") -> pd.DataFrame:
    """A sheet of an XLSX file as columns of raw cell values (numbers stay numbers).

    The first row names the columns; empty rows are skipped. ``what`` names the file the
    sheet is expected in, for the message when the sheet is missing.

    Raises
    ------
    ImportFileError
        When the file is missing or not a workbook, or has no such sheet or no rows.
    """
    import openpyxl  # imported here: only XLSX reading needs it

    if not path.is_file():
        raise ImportFileError(f"cannot read {str(path)!r}: no such file")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImportFileError(f"cannot read {str(path)!r} as an XLSX workbook: {reason}") from None
    try:
        if sheet not in book.sheetnames:
            raise ImportFileError(
                f"{str(path)!r} has no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)}): is it {what}?"
            )
        rows = sheet_values(book, sheet)
        header = next(rows, None)
        if header is None:
            raise ImportFileError(f"sheet {sheet!r} of {str(path)!r} is empty")
        names = ["" if h is None else str(h).strip() for h in header]
        data = [r for r in rows if any(v is not None and v != "" for v in r)]
    finally:
        book.close()
    width = len(names)
    columns = list(zip(*[(r + [None] * width)[:width] for r in data], strict=True)) if data else []
    frame = pd.DataFrame(
        {
            name: pd.Series(col if columns else [], dtype=object)
            for name, col in zip(names, columns or [()] * width, strict=True)
            if name
        }
    )
    return frame

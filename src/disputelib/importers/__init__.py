"""The buyer's own data: AliExpress's data backup (XLSX) and an extension's order list (CSV).

Both formats hold one row per item; the readers turn them into the project's order
table, one row per order, with amounts in US dollars, ``paid_at`` and ``received_at``
instants, the platform's ``order_status`` and ``end_reason``, and a canonical
``order_state`` (:mod:`disputelib.order_states`). Cancelled and unpaid orders are kept and
marked. An item row that cannot be read rejects its whole order (an amount summed without
one of its items would be wrong): every item row of that order goes to the rejects with
its 1-based data row number and a ``reject_reason``.

Modules: :mod:`~disputelib.importers.backup` (the data backup),
:mod:`~disputelib.importers.extension` (the extension's CSV),
:mod:`~disputelib.importers.xlsx` (reading a sheet), :mod:`~disputelib.importers.common`
(grouping items into orders).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from disputelib.importers.backup import BACKUP_REQUIRED, BACKUP_SHEET, EXACT_DIGITS, read_aliexpress_backup
from disputelib.importers.common import IMPORT_COLUMNS, Imported, ImportFileError
from disputelib.importers.extension import (
    CURRENCY_SIGNS,
    EARLIEST_ZONE,
    EXTENSION_REQUIRED,
    parse_price,
    read_aliexpress_extension,
    read_fx,
)
from disputelib.importers.xlsx import read_sheet, sheet_values
from disputelib.tables import read_table

#: Formats :func:`read_orders` knows.
ORDER_FORMATS: tuple[str, ...] = ("table", "aliexpress-backup", "aliexpress-extension")


def read_orders(path: str | Path, format: str = "table", zone: str = "UTC", fx=None, columns=None) -> pd.DataFrame:
    """Read orders in any format the project knows, as the order table eligibility takes.

    Parameters
    ----------
    path
        The file.
    format
        ``table`` (the project's CSV or Parquet order table), ``aliexpress-backup`` or
        ``aliexpress-extension``.
    zone
        Time zone of the backup's times (``aliexpress-backup`` only).
    fx
        Exchange rates (``aliexpress-extension`` only): a CSV path or a dict.
    columns
        A column map (``table`` only): our name -> the export's header, or a TOML file's path.

    Returns
    -------
    pandas.DataFrame
        The order table; rows an import rejects are left out (use the readers themselves
        to see them).

    Examples
    --------
    >>> import disputelib as dl
    >>> orders = dl.read_orders("backup.xlsx", format="aliexpress-backup")  # doctest: +SKIP
    >>> dl.eligibility(orders, as_of="2026-03-20").table  # doctest: +SKIP
    """
    if format == "table":
        return read_table(path, columns=columns, contract="orders")
    if format == "aliexpress-backup":
        return read_aliexpress_backup(path, zone=zone).orders
    if format == "aliexpress-extension":
        return read_aliexpress_extension(path, fx=fx).orders
    raise ImportFileError(f"unknown orders format {format!r} (known: {', '.join(ORDER_FORMATS)})")


__all__ = [
    "BACKUP_REQUIRED",
    "BACKUP_SHEET",
    "CURRENCY_SIGNS",
    "EARLIEST_ZONE",
    "EXACT_DIGITS",
    "EXTENSION_REQUIRED",
    "IMPORT_COLUMNS",
    "ORDER_FORMATS",
    "ImportFileError",
    "Imported",
    "parse_price",
    "read_aliexpress_backup",
    "read_aliexpress_extension",
    "read_fx",
    "read_orders",
    "read_sheet",
    "sheet_values",
]

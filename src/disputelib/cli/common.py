"""Arguments and errors shared by the subcommands."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from disputelib.clock import AsOfError, parse_as_of
from disputelib.errors import DisputelibError
from disputelib.policy import DEFAULT_PACK, available_packs
from disputelib.tables import table_format

if TYPE_CHECKING:
    import pandas as pd

EXIT_FINDINGS = 1
EXIT_USAGE = 2


class UserError(DisputelibError):
    """A problem the user can fix; printed as one sentence."""


#: Exceptions printed as one sentence with exit code 2 instead of a traceback: every error a
#: user can fix derives from :class:`disputelib.errors.DisputelibError`.
USER_ERRORS: tuple[type[Exception], ...] = (DisputelibError,)


def add_pack(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pack",
        default=DEFAULT_PACK,
        metavar="NAME|PATH",
        help=f"rule pack: {', '.join(available_packs('dispute'))}, or a .toml file (default: {DEFAULT_PACK}; "
        "the route packs are for `disputelib routes`)",
    )


def date_arg(value: str) -> dt.date:
    """argparse type for ``YYYY-MM-DD`` (:func:`disputelib.clock.parse_as_of`, the one day parser)."""
    try:
        return parse_as_of(value, "date")
    except AsOfError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def whole_number(minimum: int) -> Callable[[str], int]:
    """argparse type for a whole number of at least ``minimum`` (``1_000_000`` allowed)."""

    def parse(value: str) -> int:
        try:
            number = int(value.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < minimum:
            bound = "must not be negative" if minimum == 0 else f"must be at least {minimum}"
            raise argparse.ArgumentTypeError(f"{value!r} {bound}")
        return number

    return parse


def out_path(value: str | None) -> Path | None:
    """An output table path, checked for a known extension before any work is done."""
    if value is None:
        return None
    path = Path(value)
    if path.is_dir():
        raise UserError(f"cannot write {value!r}: it is a folder, not a file (name a .csv, .csv.gz or .parquet file)")
    if table_format(path, writing=True) == "xlsx":
        raise UserError(f"cannot write {value!r}: write .csv (with --excel for a spreadsheet) or .parquet")
    return path


#: ``--sep`` spellings a shell makes easy, and the delimiter each one means.
SEPARATORS = {",": ",", ";": ";", "|": "|", "tab": "\t", "\\t": "\t", "\t": "\t"}


def separator_arg(value: str) -> str:
    """argparse type for ``--sep``: ``,`` ``;`` ``|`` or ``tab``."""
    try:
        return SEPARATORS[value.lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"unknown delimiter {value!r}: use , ; | or tab") from None


def add_intake(parser: argparse.ArgumentParser) -> None:
    """``--columns``, ``--sep``, ``--decimal``, ``--encoding``: how to read a user's own export."""
    group = parser.add_argument_group("reading your own export")
    group.add_argument(
        "--columns",
        metavar="MAP.toml",
        help="TOML file with a [columns] table naming the export's header for each of our columns, "
        'e.g. order_id = "Order No." (see conf/columns.example.toml)',
    )
    group.add_argument("--sep", type=separator_arg, metavar="SEP", help="CSV delimiter: , ; | or tab (default: sniffed)")
    group.add_argument(
        "--decimal",
        choices=(".", ","),
        help="decimal mark of CSV numbers (default: '.' in comma-delimited files, else read per column)",
    )
    group.add_argument("--encoding", metavar="NAME", help="text encoding of a CSV file, e.g. cp1251, euc-kr, latin-1 "
                       "(default: UTF-8, or UTF-16 by its byte-order mark)")


def add_excel(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--excel",
        action="store_true",
        help="write CSV for a spreadsheet: UTF-8 with a byte-order mark, and cells starting with = + - @ "
        "TAB or CR prefixed with ' so they are never run as formulas (default: raw CSV for programs)",
    )


def read_input(
    path: str, args: argparse.Namespace, contract: str, columns: str | None = None, encoding: str | None = None
) -> pd.DataFrame:
    """Read an input table with the dialect options and column map of ``args`` (``columns`` and ``encoding`` replace theirs)."""
    from disputelib.tables import read_table  # pandas loads only for commands that read tables

    return read_table(
        path,
        sep=args.sep,
        decimal=args.decimal,
        encoding=encoding or args.encoding,
        columns=columns or args.columns,
        contract=contract,
    )

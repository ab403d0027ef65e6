"""Arguments and errors shared by the subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from disputelib.orders import OrderColumnsError
from disputelib.paths import PathError
from disputelib.policy import DEFAULT_PACK, PackError, available_packs
from disputelib.tables import TableError, table_format
from disputelib.windows import as_date

EXIT_FINDINGS = 1
EXIT_USAGE = 2


class UserError(Exception):
    """A problem the user can fix; printed as one sentence."""


#: Exceptions printed as one sentence with exit code 2 instead of a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (UserError, PackError, TableError, OrderColumnsError, PathError)


def add_pack(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pack",
        default=DEFAULT_PACK,
        metavar="NAME|PATH",
        help=f"rule pack: {', '.join(available_packs())}, or a .toml file (default: {DEFAULT_PACK})",
    )


def date_arg(value: str) -> np.datetime64:
    """argparse type for ``YYYY-MM-DD``."""
    try:
        return as_date(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def out_path(value: str | None) -> Path | None:
    """An output table path, checked for a known extension before any work is done."""
    if value is None:
        return None
    path = Path(value)
    table_format(path)
    return path

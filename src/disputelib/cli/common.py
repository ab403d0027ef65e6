"""Arguments and errors shared by the subcommands."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from disputelib.clock import AsOfError, parse_as_of
from disputelib.errors import DisputelibError
from disputelib.policy import DEFAULT_PACK, available_packs
from disputelib.tables import table_format

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
        help=f"rule pack: {', '.join(available_packs())}, or a .toml file (default: {DEFAULT_PACK})",
    )


def date_arg(value: str) -> dt.date:
    """argparse type for ``YYYY-MM-DD`` (:func:`disputelib.clock.parse_as_of`, the one day parser)."""
    try:
        return parse_as_of(value, "date")
    except AsOfError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def out_path(value: str | None) -> Path | None:
    """An output table path, checked for a known extension before any work is done."""
    if value is None:
        return None
    path = Path(value)
    table_format(path)
    return path

"""``disputelib import FORMAT FILE --out ORDERS``: a buyer's own data as the order table."""

from __future__ import annotations

import argparse
import sys

from disputelib.cli.common import out_path
from disputelib.cli.eligibility import rejects_path_for
from disputelib.paths import check_input, check_outputs
from disputelib.tables import write_table

NAME = "import"
HELP = "turn a buyer's own order data (AliExpress data backup, extension CSV) into the order table"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="format", metavar="FORMAT", required=True)
    backup = kinds.add_parser(
        "aliexpress-backup",
        help="AliExpress's data backup (.xlsx, sheet 'Order Information')",
        description="AliExpress's data backup (.xlsx, sheet 'Order Information'): one row per order out.",
    )
    backup.add_argument("file", metavar="FILE.xlsx", help="the data backup")
    _common(backup)
    backup.add_argument(
        "--zone",
        default="UTC",
        metavar="ZONE",
        help="IANA time zone the backup's times are written in (default: UTC)",
    )
    extension = kinds.add_parser(
        "aliexpress-extension",
        help="a browser extension's order list (.csv)",
        description="A browser extension's order list (.csv): one row per order out.",
    )
    extension.add_argument("file", metavar="FILE.csv", help="the order list")
    _common(extension)
    extension.add_argument(
        "--fx",
        metavar="RATES.csv",
        help="US dollars per unit of other currencies: a CSV with columns currency,usd_per_unit",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        required=True,
        metavar="ORDERS",
        help="the order table, .csv, .csv.gz or .parquet; rejected rows go beside it as NAME.rejects.EXT",
    )


def run(args: argparse.Namespace) -> int:
    out = out_path(args.out)
    assert out is not None  # required by the parser
    rejects_out = rejects_path_for(out)
    source = check_input(args.file, "file being imported")
    inputs = {"file being imported": source, "exchange rates": getattr(args, "fx", None)}
    check_outputs(inputs, {"--out": out, "rejects": rejects_out})
    from disputelib.importers import read_aliexpress_backup, read_aliexpress_extension

    if args.format == "aliexpress-backup":
        result = read_aliexpress_backup(source, zone=args.zone)
    else:
        result = read_aliexpress_extension(source, fx=args.fx)
    write_table(result.orders, out)
    write_table(result.rejects, rejects_out)  # written even when empty: no stale file from an earlier run
    if len(result.rejects):
        print(f"rejected rows written to {rejects_out}", file=sys.stderr)
    print(result.summary(), file=sys.stderr)
    return 0

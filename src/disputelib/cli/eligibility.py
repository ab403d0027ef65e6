"""``disputelib eligibility ORDERS --as-of DAY``: dispute windows for an order export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from disputelib.cli.common import (
    EXIT_FINDINGS,
    add_excel,
    add_intake,
    add_pack,
    date_arg,
    out_path,
    read_input,
)
from disputelib.paths import check_input, check_outputs, named_file
from disputelib.policy import load_pack
from disputelib.tables import write_table
from disputelib.windows import eligibility

NAME = "eligibility"
HELP = "which orders can be disputed on a day, from when and until when, for what"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("orders", metavar="ORDERS", help="order export: .csv, .csv.gz, .xlsx or .parquet")
    parser.add_argument("--as-of", required=True, type=date_arg, metavar="YYYY-MM-DD", help="the day to judge on")
    add_pack(parser)
    parser.add_argument("--out", metavar="FILE", help="output .csv, .csv.gz or .parquet (default: CSV on stdout)")
    parser.add_argument(
        "--rejects",
        metavar="FILE",
        help="rejected rows with their reasons (default: beside --out as NAME.rejects.EXT, written even when "
        "empty; without --out, on stderr)",
    )
    parser.add_argument(
        "--ics",
        metavar="FILE",
        help="also write the open windows as an iCalendar file: one all-day event on each window's last day, "
        "with the exact deadline and an alarm two days before",
    )
    parser.add_argument("--strict", action="store_true", help="exit with code 1 when any row is rejected")
    add_excel(parser)
    add_intake(parser)


def rejects_path_for(out: Path) -> Path:
    """Where rejects go when ``--rejects`` is not given: beside ``--out`` (``out.csv.gz`` -> ``out.rejects.csv.gz``)."""
    if out.name.lower().endswith(".csv.gz"):
        return out.with_name(f"{out.name[: -len('.csv.gz')]}.rejects{out.name[-len('.csv.gz'):]}")
    return out.with_name(f"{out.stem}.rejects{out.suffix}")


def run(args: argparse.Namespace) -> int:
    out, rejects_out = out_path(args.out), out_path(args.rejects)
    if rejects_out is None and out is not None:
        rejects_out = rejects_path_for(out)  # written even when empty: no stale file from an earlier run
    check_input(args.orders, "orders")
    pack_file = named_file(args.pack, "rule pack")
    inputs = {"orders": args.orders, "rule pack": pack_file, "column map": args.columns}
    ics_out = Path(args.ics) if args.ics else None
    check_outputs(inputs, {"--out": out, "--rejects": rejects_out, "--ics": ics_out})
    pack = load_pack(args.pack)
    result = eligibility(read_input(args.orders, args, "orders"), args.as_of, pack)
    write_table(result.table, out, excel=args.excel)
    if rejects_out is not None:
        write_table(result.rejects, rejects_out, excel=args.excel)
        if len(result.rejects):
            print(f"rejected rows written to {rejects_out}", file=sys.stderr)
    elif len(result.rejects):
        print("rejected rows:", file=sys.stderr)
        write_table(result.rejects, None, stream=sys.stderr)
    if ics_out is not None:
        from disputelib.ics import write_ics  # icalendar is loaded only when a calendar is asked for

        events = write_ics(result.table, ics_out, args.as_of, pack)
        print(f"{events} open windows written to {ics_out} as calendar events", file=sys.stderr)
    print(result.summary(), file=sys.stderr)
    if args.strict and len(result.rejects):
        print(f"--strict: {len(result.rejects)} rows were rejected", file=sys.stderr)
        return EXIT_FINDINGS
    return 0

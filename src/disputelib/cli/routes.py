"""``disputelib routes ORDERS --as-of DAY``: every route to the money per order, and until when."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from disputelib.cli.common import add_excel, add_intake, date_arg, out_path, read_input
from disputelib.cli.eligibility import finish, rejects_path_for, write_calendar
from disputelib.paths import check_input, check_outputs, named_file
from disputelib.policy import available_packs

NAME = "routes"
HELP = "every route to the money per order (marketplace, PayPal, card chargebacks): open from when, until when"
DEFAULT_PACKS = "aliexpress-2022,paypal,visa-chargeback,mastercard-chargeback"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("orders", metavar="ORDERS", help="order export: .csv, .csv.gz, .xlsx or .parquet")
    parser.add_argument("--as-of", required=True, type=date_arg, metavar="YYYY-MM-DD", help="the day to judge on")
    parser.add_argument(
        "--packs",
        action="append",
        metavar="P1,P2,...",
        help=f"route packs, by name or .toml path, separated by commas: {', '.join(available_packs())} "
        f"(default: {DEFAULT_PACKS}; may be given more than once; `disputelib rules NAME` prints one's rules)",
    )
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
        help="also write the open routes as an iCalendar file: one all-day event on each window's last day, "
        "with the exact deadline and an alarm two days before",
    )
    parser.add_argument("--strict", action="store_true", help="exit with code 1 when any row is rejected")
    add_excel(parser)
    add_intake(parser)


def run(args: argparse.Namespace) -> int:
    from disputelib.routes import route_packs, routes
    from disputelib.tables import write_table

    out, rejects_out = out_path(args.out), out_path(args.rejects)
    if rejects_out is None and out is not None:
        rejects_out = rejects_path_for(out)
    check_input(args.orders, "orders")
    named = [p.strip() for given in (args.packs or [DEFAULT_PACKS]) for p in given.split(",") if p.strip()]
    inputs = {"orders": args.orders, "column map": args.columns}
    for name in named:
        inputs[f"rule pack {name}"] = named_file(name, "rule pack")
    ics_out = Path(args.ics) if args.ics else None
    check_outputs(inputs, {"--out": out, "--rejects": rejects_out, "--ics": ics_out})
    packs = route_packs(named)
    result = routes(read_input(args.orders, args, "orders"), args.as_of, packs)
    write_table(result.table, out, excel=args.excel)
    if rejects_out is not None:
        write_table(result.rejects, rejects_out, excel=args.excel)
        if len(result.rejects):
            print(f"rejected rows written to {rejects_out}", file=sys.stderr)
    elif len(result.rejects):
        print("rejected rows:", file=sys.stderr)
        write_table(result.rejects, None, stream=sys.stderr)
    write_calendar(args, result.table, packs[0], what="open routes")
    return finish(args, result.summary(), len(result.rejects))

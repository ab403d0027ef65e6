"""``disputelib routes ORDERS --as-of DAY``: every route to the money per order, and until when."""

from __future__ import annotations

import argparse
from pathlib import Path

from disputelib.cli.common import date_arg, out_path, read_input
from disputelib.cli.eligibility import add_order_outputs, finish, rejects_path_for, write_calendar, write_rejects
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
    add_order_outputs(parser, "routes")


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
    write_rejects(result.rejects, len(result.rejects), rejects_out, args.excel)
    write_calendar(args, result.table, packs[0], what="open routes")
    return finish(args, result.summary(), len(result.rejects))

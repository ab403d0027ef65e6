"""``disputelib check-log EVENTS``: audit a dispute event log against a rule pack."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from disputelib.audit import SEVERITIES, LogColumnsError, check_log
from disputelib.cli.common import (
    EXIT_FINDINGS,
    UserError,
    add_excel,
    add_intake,
    add_pack,
    date_arg,
    out_path,
    read_input,
)
from disputelib.cli.engine import add_engine, check_engine, dask_client
from disputelib.paths import check_input, check_outputs, named_file
from disputelib.policy import load_dispute_pack
from disputelib.tables import write_table

NAME = "check-log"
HELP = "check a dispute event log (CSV or Parquet) against the lifecycle, timers, windows and refund promises"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "events",
        metavar="EVENTS",
        help="event log, .csv, .csv.gz, .xlsx or .parquet (dispute_id, order_id, event, at, amount_usd); "
        "with --engine dask also a folder of .parquet files or a glob",
    )
    parser.add_argument(
        "--orders",
        metavar="ORDERS",
        help="orders, .csv, .csv.gz, .xlsx or .parquet: an order export or an eligibility table (enables window and claim checks)",
    )
    add_pack(parser)
    parser.add_argument(
        "--as-of",
        type=date_arg,
        metavar="YYYY-MM-DD",
        help="the day the log ends: it is complete up to the end of that day in the pack's timer zone "
        "(00:00 of the next day, Pacific time for the built-in packs), and a timer that ran out by then "
        "with its event missing is an error (e.g. a seller still silent at the end of the export). "
        "Default: the latest 'at' in the log",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="findings as .csv, .csv.gz or .parquet (default: CSV on stdout); with --engine dask, DIR/ "
        "(a trailing slash or an existing folder) writes a Parquet dataset, one file per partition",
    )
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        metavar="error|warning",
        help="exit with code 1 when findings of this severity or worse exist",
    )
    add_excel(parser)
    add_intake(parser)
    parser.add_argument(
        "--orders-columns",
        metavar="MAP.toml",
        help="column map for the --orders file when its headers differ from the log's (default: --columns)",
    )
    parser.add_argument(
        "--orders-encoding",
        metavar="NAME",
        help="encoding of the --orders file when it differs from the log's (default: --encoding)",
    )
    add_engine(parser)


def run(args: argparse.Namespace) -> int:
    if check_engine(args):
        return run_dask(args)
    out = out_path(args.out)
    check_input(args.events, "events")
    if args.orders:
        check_input(args.orders, "orders")
    pack_file = named_file(args.pack, "rule pack")
    inputs = {"events": args.events, "orders": args.orders, "rule pack": pack_file, "column map": args.columns,
              "orders column map": args.orders_columns}  # fmt: skip
    check_outputs(inputs, {"--out": out})
    pack = load_dispute_pack(args.pack)
    events = read_input(args.events, args, "events")
    orders = _read_orders(args)
    try:
        result = check_log(events, orders, pack, as_of=args.as_of)
    except LogColumnsError as exc:
        raise UserError(f"{args.events}: {exc}") from None
    write_table(result.findings, out, excel=args.excel)
    return _finish(args, result)


def _read_orders(args: argparse.Namespace):
    """The --orders file, read with its own column map and encoding; an encoding hint names --orders-encoding."""
    if not args.orders:
        return None
    from disputelib.dialect import EncodingError

    try:
        return read_input(args.orders, args, "orders", args.orders_columns, args.orders_encoding)
    except EncodingError as exc:
        raise exc.for_option("--orders-encoding") from None


def _finish(args: argparse.Namespace, result) -> int:
    print(result.summary(), file=sys.stderr)
    if args.fail_on and result.at_or_above(args.fail_on):
        print(f"--fail-on {args.fail_on}: {result.at_or_above(args.fail_on)} findings", file=sys.stderr)
        return EXIT_FINDINGS
    return 0


def run_dask(args: argparse.Namespace) -> int:
    """``--engine dask``: the log shuffled on ``dispute_id`` and checked in partitions on the cluster."""
    from disputelib.distributed import input_files, is_dataset_path

    dataset = is_dataset_path(args.out)
    if dataset and args.excel:
        raise UserError("--excel is for a CSV file: --out DIR/ writes a Parquet dataset")
    out = Path(args.out) if dataset else out_path(args.out)
    files = input_files(args.events)
    for f in files:
        check_input(f, "events")
    if args.orders:
        check_input(args.orders, "orders")
    pack_file = named_file(args.pack, "rule pack")
    inputs = {**{f"events file {f}": f for f in files}, "events": args.events, "orders": args.orders}
    inputs.update({"rule pack": pack_file, "column map": args.columns, "orders column map": args.orders_columns})
    check_outputs(inputs, {"--out": out}, folders=dataset)
    pack = load_dispute_pack(args.pack)
    orders = _read_orders(args)
    options = {"sep": args.sep, "decimal": args.decimal, "encoding": args.encoding, "columns": args.columns}
    with dask_client(args) as client:
        from disputelib import distributed

        try:
            result = distributed.check_log(
                client,
                args.events,
                orders,
                pack,
                args.as_of,
                out_dir=out if dataset else None,
                read_options=options,
                show_progress=sys.stderr.isatty(),
            )
        except LogColumnsError as exc:
            raise UserError(f"{args.events}: {exc}") from None
    if dataset:
        print(f"wrote the findings to {out}", file=sys.stderr)
    else:
        write_table(result.findings, out, excel=args.excel)
    return _finish(args, result)

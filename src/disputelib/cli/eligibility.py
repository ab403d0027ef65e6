"""``disputelib eligibility ORDERS --as-of DAY``: dispute windows for an order export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
from disputelib.windows import eligibility

NAME = "eligibility"
HELP = "which orders can be disputed on a day, from when and until when, for what"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "orders",
        metavar="ORDERS",
        help="order export: .csv, .csv.gz, .xlsx or .parquet; with --engine dask also a folder of .parquet files "
        "or a quoted glob",
    )
    parser.add_argument("--as-of", required=True, type=date_arg, metavar="YYYY-MM-DD", help="the day to judge on")
    add_pack(parser)
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="output .csv, .csv.gz or .parquet (default: CSV on stdout); with --engine dask, DIR/ (a trailing slash or an "
        "existing folder) writes a Parquet dataset, one file per part",
    )
    add_order_outputs(parser, "windows")
    add_engine(parser)


def add_order_outputs(parser: argparse.ArgumentParser, what: str) -> None:
    """``--rejects``, ``--ics``, ``--strict``, ``--excel`` and the intake options of a command judging an order export."""
    parser.add_argument(
        "--rejects",
        metavar="FILE",
        help="rejected rows with their reasons (default: beside --out as NAME.rejects.EXT, written even when "
        "empty; without --out, on stderr)",
    )
    parser.add_argument(
        "--ics",
        metavar="FILE",
        help=f"also write the open {what} as an iCalendar file: one all-day event on each window's last day, "
        "with the exact deadline and an alarm two days before",
    )
    parser.add_argument("--strict", action="store_true", help="exit with code 1 when any row is rejected")
    add_excel(parser)
    add_intake(parser)


def write_rejects(rejects, n_rejected: int, rejects_out: Path | None, excel: bool) -> None:
    """The rejected rows to ``rejects_out`` (written even when empty), else to stderr when there are any."""
    if rejects_out is not None:
        write_table(rejects, rejects_out, excel=excel)
        if n_rejected:
            print(f"rejected rows written to {rejects_out}", file=sys.stderr)
    elif n_rejected:
        print("rejected rows:", file=sys.stderr)
        write_table(rejects, None, stream=sys.stderr)


def rejects_path_for(out: Path) -> Path:
    """Where rejects go when ``--rejects`` is not given: beside ``--out`` (``out.csv.gz`` -> ``out.rejects.csv.gz``)."""
    if out.name.lower().endswith(".csv.gz"):
        return out.with_name(f"{out.name[: -len('.csv.gz')]}.rejects{out.name[-len('.csv.gz') :]}")
    return out.with_name(f"{out.stem}.rejects{out.suffix}")


def run(args: argparse.Namespace) -> int:
    if check_engine(args):
        return run_dask(args)
    out, rejects_out = out_path(args.out), out_path(args.rejects)
    if rejects_out is None and out is not None:
        rejects_out = rejects_path_for(out)  # written even when empty: no stale file from an earlier run
    check_input(args.orders, "orders")
    pack_file = named_file(args.pack, "rule pack")
    inputs = {"orders": args.orders, "rule pack": pack_file, "column map": args.columns}
    ics_out = Path(args.ics) if args.ics else None
    check_outputs(inputs, {"--out": out, "--rejects": rejects_out, "--ics": ics_out})
    pack = load_dispute_pack(args.pack)
    result = eligibility(read_input(args.orders, args, "orders"), args.as_of, pack)
    write_table(result.table, out, excel=args.excel)
    write_rejects(result.rejects, len(result.rejects), rejects_out, args.excel)
    write_calendar(args, result.table, pack)
    return finish(args, result.summary(), len(result.rejects))


def write_calendar(args: argparse.Namespace, table, pack, what: str = "open windows") -> None:
    """``--ics``: the open windows (or routes) as calendar events."""
    if args.ics is None:
        return
    from disputelib.ics import write_ics  # icalendar is loaded only when a calendar is asked for

    events = write_ics(table, args.ics, args.as_of, pack)
    print(f"{events} {what} written to {args.ics} as calendar events", file=sys.stderr)


def finish(args: argparse.Namespace, summary: str, n_rejected: int) -> int:
    print(summary, file=sys.stderr)
    if args.strict and n_rejected:
        print(f"--strict: {n_rejected} rows were rejected", file=sys.stderr)
        return EXIT_FINDINGS
    return 0


def run_dask(args: argparse.Namespace) -> int:
    """``--engine dask``: parts of the input validated on the cluster; a file or a dataset written."""
    from disputelib.distributed import input_files, is_dataset_path

    dataset = is_dataset_path(args.out)
    if dataset:
        if args.excel:
            raise UserError("--excel is for a CSV file: --out DIR/ writes a Parquet dataset")
        if args.ics:
            raise UserError("--ics needs the table in one file: use --out FILE, not a dataset DIR/")
        out = Path(args.out)
        rejects_out = Path(args.rejects) if args.rejects else out.with_name(f"{out.name}.rejects")
        if args.rejects and not is_dataset_path(args.rejects):
            raise UserError(
                "with --out DIR/ the rejects are a dataset too: give --rejects DIR/ (with a trailing slash)"
            )
    else:
        out, rejects_out = out_path(args.out), out_path(args.rejects)
        if rejects_out is None and out is not None:
            rejects_out = rejects_path_for(out)
    files = input_files(args.orders)
    for f in files:
        check_input(f, "orders")
    pack_file = named_file(args.pack, "rule pack")
    inputs = {**{f"orders file {f}": f for f in files}, "orders": args.orders, "rule pack": pack_file}
    inputs["column map"] = args.columns
    ics_out = Path(args.ics) if args.ics else None
    check_outputs(inputs, {"--out": out, "--rejects": rejects_out, "--ics": ics_out}, folders=dataset)
    pack = load_dispute_pack(args.pack)
    options = {"sep": args.sep, "decimal": args.decimal, "encoding": args.encoding, "columns": args.columns}
    with dask_client(args) as client:
        from disputelib import distributed

        result = distributed.eligibility(
            client,
            args.orders,
            args.as_of,
            pack,
            out_dir=out if dataset else None,
            rejects_dir=rejects_out if dataset else None,
            read_options=options,
            show_progress=sys.stderr.isatty(),
        )
    if dataset:
        print(f"wrote {out} and the rejected rows to {rejects_out}", file=sys.stderr)
        return finish(args, result.summary(), result.n_rejected)
    write_table(result.table, out, excel=args.excel)
    write_rejects(result.rejects, result.n_rejected, rejects_out, args.excel)
    write_calendar(args, result.table, pack)
    return finish(args, result.summary(), result.n_rejected)

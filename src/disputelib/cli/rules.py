"""``disputelib rules [PACK]``: print a pack's rules with their sources; ``--diff A B`` compares two."""

from __future__ import annotations

import argparse

from disputelib.cli.common import UserError
from disputelib.packdiff import diff_packs, format_diff
from disputelib.policy import DEFAULT_PACK, available_packs, describe, load_pack

NAME = "rules"
HELP = "print a rule pack's rules with their sources, or compare two packs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "pack",
        nargs="?",
        default=None,
        metavar="PACK",
        help=f"pack name ({', '.join(available_packs())}) or .toml path (default: {DEFAULT_PACK})",
    )
    parser.add_argument(
        "--diff",
        nargs=2,
        metavar=("A", "B"),
        help="print every rule that differs between packs A and B (names or .toml paths), side by side, "
        "with each side's source and confidence",
    )


def run(args: argparse.Namespace) -> int:
    if args.diff is None:
        print(describe(load_pack(args.pack or DEFAULT_PACK)))
        return 0
    if args.pack is not None:
        raise UserError(f"give either a PACK to print or --diff A B, not both (got {args.pack!r} and --diff)")
    first, second = (load_pack(p) for p in args.diff)
    a_name, b_name = first.name, second.name
    if a_name == b_name:  # two files of one pack name: tell them apart by what was given
        a_name, b_name = args.diff
    print(format_diff(diff_packs(first, second), a_name, b_name))
    return 0

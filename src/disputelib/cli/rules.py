"""``disputelib rules [PACK]``: print a pack's rules with their sources."""

from __future__ import annotations

import argparse

from disputelib.policy import DEFAULT_PACK, available_packs, describe, load_pack

NAME = "rules"
HELP = "print a rule pack's rules with their sources"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "pack",
        nargs="?",
        default=DEFAULT_PACK,
        metavar="PACK",
        help=f"pack name ({', '.join(available_packs())}) or .toml path (default: {DEFAULT_PACK})",
    )


def run(args: argparse.Namespace) -> int:
    print(describe(load_pack(args.pack)))
    return 0

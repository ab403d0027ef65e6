"""``disputelib check-evidence PATH...``: are these files fit to upload as dispute evidence?"""

from __future__ import annotations

import argparse
import sys

from disputelib.cli.common import EXIT_FINDINGS, add_pack
from disputelib.evidence import check_files
from disputelib.policy import load_pack

NAME = "check-evidence"
HELP = "check photos and videos before uploading them as evidence: type, content and size limits"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="photo or video files")
    add_pack(parser)


def run(args: argparse.Namespace) -> int:
    pack = load_pack(args.pack)
    result = check_files(args.paths, pack)
    table = result[["path", "kind", "size_mb", "ok", "message"]].copy()
    table["ok"] = table["ok"].map({True: "yes", False: "NO"})
    table["size_mb"] = table["size_mb"].map(lambda v: "" if v != v else f"{v:.2f}")
    print(table.to_string(index=False, justify="left"))
    bad = int((~result["ok"]).sum())
    print(f"{len(result)} files checked against {pack.name}: {len(result) - bad} ok, {bad} to fix", file=sys.stderr)
    return EXIT_FINDINGS if bad else 0

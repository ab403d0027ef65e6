"""``disputelib check-evidence PATH...``: are these files fit to upload as dispute evidence?

One block per file, in the order given::

    clip.mp4
      video (mp4), 3.00 MB
      FAIL  the video is 3.0 MB, 1.0 MB over the 2 MB limit (it must be under 2 MB): trim
            it to the part that shows the problem, ...

then a summary line on stderr. Exit code 1 when any file fails.
"""

from __future__ import annotations

import argparse
import sys
import textwrap

import pandas as pd

from disputelib.cli.common import EXIT_FINDINGS, add_pack
from disputelib.evidence import check_files
from disputelib.policy import load_dispute_pack

NAME = "check-evidence"
HELP = "check photos and videos before uploading them as evidence: type, content and size limits"

WIDTH = 88
_INDENT = "  "
_VERDICT = 6  # "FAIL  " / "OK    "


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="photo or video files")
    add_pack(parser)


def _block(row: pd.Series) -> str:
    """The lines for one file: path; kind (format), size; OK or FAIL and the message, wrapped."""
    what = str(row["kind"]) if pd.isna(row["format"]) else f"{row['kind']} ({row['format']})"
    size = "size unknown" if pd.isna(row["size_mb"]) else f"{row['size_mb']:.2f} MB"
    message = str(row["message"])
    if row["ok"]:
        message = message.removeprefix("ok: ")
    verdict = ("OK" if row["ok"] else "FAIL").ljust(_VERDICT)
    wrapped = textwrap.fill(message, width=WIDTH, initial_indent=_INDENT + verdict,
                            subsequent_indent=_INDENT + " " * _VERDICT, break_on_hyphens=False)  # fmt: skip
    return "\n".join([str(row["path"]), f"{_INDENT}{what}, {size}", wrapped])


def run(args: argparse.Namespace) -> int:
    pack = load_dispute_pack(args.pack)
    result = check_files(args.paths, pack)
    print("\n\n".join(_block(row) for _, row in result.iterrows()))
    bad = int((~result["ok"]).sum())
    print(f"{len(result)} files checked against {pack.name}: {len(result) - bad} ok, {bad} to fix", file=sys.stderr)
    return EXIT_FINDINGS if bad else 0

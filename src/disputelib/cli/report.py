"""``disputelib report --config FILE --out DIR``: run the notebook suite into an HTML report.

Exit codes: 0 the report was published and ``DIR/latest`` points to it; 1 a notebook
failed, timed out or lost its kernel (the run is kept in ``DIR/failed/``); 2 the config,
a parameter, the pack or an input file is wrong, and nothing ran; 130 (Ctrl-C) or 143
(SIGTERM) the run was stopped, and nothing was published.
"""

from __future__ import annotations

import argparse
import sys

from disputelib.cli.common import EXIT_FINDINGS, UserError, date_arg
from disputelib.cli.signals import EXIT_TERMINATED, Terminated, terminate_as_interrupt

NAME = "report"
HELP = "run the notebooks of a report config and publish their HTML, a landing page and a manifest"
#: ``disputelib.report.DEFAULT_CONFIG``, spelled here so that ``--help`` does not import papermill
#: and nbconvert (tests/test_cli_startup.py checks that the two agree).
DEFAULT_CONFIG = "conf/reports/daily.yaml"


def _seconds(value: str) -> float:
    """argparse type for a positive number of seconds."""
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of seconds")
    return seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="FILE", help=f"report config, YAML (default: {DEFAULT_CONFIG} in the project)"
    )
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="report folder: DIR/runs/<id>/, DIR/latest, DIR/failed/<id>/"
    )
    parser.add_argument("--as-of", type=date_arg, metavar="YYYY-MM-DD", help="the day to report on (replaces as_of)")
    parser.add_argument("--timeout", type=_seconds, metavar="SECONDS", help="seconds each notebook may run")


def run(args: argparse.Namespace) -> int:
    from disputelib.paths import PathError, check_input, check_outputs
    from disputelib.report import ReportConfigError, run_report

    as_of = str(args.as_of) if args.as_of is not None else None
    try:
        check_outputs({"report config": args.config}, {"--out": args.out}, folders=True)
        if args.config is not None:
            check_input(args.config, "report config")
        with terminate_as_interrupt():
            result = run_report(args.config, args.out, as_of=as_of, timeout=args.timeout)
    except (ReportConfigError, PathError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write the report into {args.out!r}: {exc.strerror or exc}") from None
    except Terminated:
        print(f"disputelib {NAME}: terminated (SIGTERM)", file=sys.stderr)  # the lines above say what was kept
        return EXIT_TERMINATED
    return 0 if result.ok else EXIT_FINDINGS

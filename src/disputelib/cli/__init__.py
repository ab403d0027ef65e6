"""The ``disputelib`` command. Each subcommand is a module of this package.

A subcommand module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``; it parses and calls the library, nothing more. Errors a user can fix
are one sentence on stderr and exit code 2; ``--strict`` / ``--fail-on`` findings exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from disputelib.cli.common import EXIT_USAGE, USER_ERRORS
from disputelib.cli.signals import EXIT_TERMINATED, Terminated, terminate_as_interrupt

#: Exit code after the reader of our output went away (``| head``): 128 + SIGPIPE, as a
#: shell reports a command a closed pipe stopped.
EXIT_BROKEN_PIPE = 141

#: Subcommand modules, in the order ``disputelib --help`` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    "eligibility",
    "routes",
    "rules",
    "report",
    "check_log",
    "check_evidence",
    "simulate",
    "import_",
    "notebook",
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a wrong argument is one sentence like every other user error (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    from disputelib import __version__

    parser = _Parser(
        prog="disputelib",
        description="Marketplace buyer-protection disputes: windows, lifecycle, refunds, reports.",
    )
    parser.add_argument("--version", action="version", version=f"disputelib {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = {}
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"disputelib.cli.{name}")
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(command_parser=command)  # a stray argument is then the subcommand's error
        modules[module.NAME] = module
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``disputelib`` console command."""
    parser, modules = build_parser()
    args, stray = parser.parse_known_args(argv)
    if stray:  # "disputelib rules: unrecognized arguments: --pack (see disputelib rules --help)"
        args.command_parser.error(f"unrecognized arguments: {' '.join(stray)}")
    try:
        with terminate_as_interrupt():  # SIGTERM cleans up like Ctrl-C: no half-written file stays
            code = modules[args.command].run(args)
            sys.stdout.flush()  # inside the try: a closed pipe is found here, not at exit
        return code
    except BrokenPipeError:
        return _quiet_after_broken_pipe()
    except USER_ERRORS as exc:
        print(f"disputelib {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Terminated:
        print(f"disputelib {args.command}: terminated (SIGTERM)", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print(f"disputelib {args.command}: interrupted", file=sys.stderr)
        return 130


def _quiet_after_broken_pipe() -> int:
    """Stop writing to a pipe whose reader is gone, without a traceback.

    As the Python documentation on SIGPIPE recommends: point stdout at ``os.devnull`` so
    that the interpreter's last flush at exit cannot fail again.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (tests)
        pass
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())

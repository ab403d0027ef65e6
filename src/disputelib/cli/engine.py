"""``--engine local|dask``, ``--scheduler ADDRESS``, ``--workers N``: where a batch command runs.

Dask is imported only when ``--engine dask`` is given, so the command starts as fast as before.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator

from disputelib.cli.common import UserError, whole_number

ENGINES = ("local", "dask")



def add_engine(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("running on Dask")
    group.add_argument(
        "--engine",
        choices=ENGINES,
        default="local",
        help="local: pandas in this process (default); dask: in parts on a Dask cluster",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: a running scheduler (e.g. tcp://10.0.0.5:8786); "
        "default: a local cluster started for this run",
    )
    group.add_argument(
        "--workers",
        type=whole_number(1),
        metavar="N",
        help="with --engine dask and no --scheduler: worker processes of the local cluster (default: one per core)",
    )


def check_engine(args: argparse.Namespace) -> bool:
    """True for ``--engine dask``; ``--scheduler`` or ``--workers`` without it, or both together, are user errors."""
    if args.engine != "dask":
        if args.scheduler or args.workers:
            raise UserError("--scheduler and --workers need --engine dask")
        return False
    if args.scheduler and args.workers:
        raise UserError("--workers is for the local cluster: a cluster at --scheduler has its own workers")
    return True


@contextlib.contextmanager
def dask_client(args: argparse.Namespace) -> Iterator[object]:
    """A Dask client for the command: the cluster at ``--scheduler``, else a local one closed at the end."""
    try:
        from disputelib import distributed
    except ImportError as exc:
        raise UserError(
            f"--engine dask needs dask[dataframe] and distributed installed ({exc.name} is missing)"
        ) from None
    workers = f"{args.workers} worker{'s' * (args.workers != 1)}" if args.workers else "one worker per core"
    where = args.scheduler or f"a local cluster of {workers}"
    print(f"running on Dask: {where}", file=sys.stderr, flush=True)
    with contextlib.ExitStack() as stack:
        try:
            client = stack.enter_context(distributed.cluster(args.scheduler, args.workers))
        except OSError as exc:
            if not args.scheduler:
                raise
            raise UserError(f"cannot reach the Dask scheduler at {args.scheduler!r}: {exc}") from None
        yield client

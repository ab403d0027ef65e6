"""SIGTERM handled like Ctrl-C, for the commands that publish files.

``kill``, systemd and container runtimes stop a process with SIGTERM. By default it ends
Python at once, with no cleanup; inside :func:`terminate_as_interrupt` it raises
:class:`Terminated` instead, so the same cleanup as for Ctrl-C runs and nothing is left
half-published. The command then exits with 143 (128 + 15), as a shell reports it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

#: Exit code of a command stopped by SIGTERM (128 + the signal's number).
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived; raised where the program was, like Ctrl-C's ``KeyboardInterrupt``."""

    signal_number = signal.SIGTERM


def _raise(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not break the cleanup
    raise Terminated()


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

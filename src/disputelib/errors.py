"""The one base class of every error a user can fix.

Every exception that reports a problem with the user's input (a file, a column, a pack, a
scenario, a date, an event log) derives from :class:`DisputelibError`; its message is one
sentence saying what is wrong. The command line catches this one type, prints the sentence
and exits with code 2; a notebook shows it without a traceback into the package's code.

Each module keeps its own, more precise class (``TableError``, ``PackError``...) derived
from this base and, where older callers expect it, from ``ValueError`` too.
"""

from __future__ import annotations


class DisputelibError(Exception):
    """A problem the user can fix, described in one sentence."""

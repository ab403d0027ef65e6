"""Remove what changes on every execution of a notebook but says nothing about its results.

papermill stores start and end times and durations for the notebook and for every cell,
and Jupyter may store execution timestamps: committed notebooks would then differ after
every ``make notebooks`` even when no output changed. :func:`strip_volatile` removes them
(and nothing else: outputs, execution counts, parameters and versions stay), so a diff
shows only real changes. ``python -m disputelib.nbclean NOTEBOOK...`` rewrites files in
place, only when something was removed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat

#: Notebook-level ``metadata.papermill`` keys that change on every run.
VOLATILE_RUN_KEYS: tuple[str, ...] = ("start_time", "end_time", "duration", "exception")
#: Cell metadata keys that only time an execution.
VOLATILE_CELL_KEYS: tuple[str, ...] = ("papermill", "execution", "ExecuteTime")


def strip_volatile(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, int]:
    """A copy of ``nb`` without timing metadata, and how many entries were removed.

    Parameters
    ----------
    nb
        A notebook (version 4).

    Returns
    -------
    tuple
        The cleaned copy and the count of removed entries (0: nothing to do).
    """
    clean = nbformat.reads(nbformat.writes(nb), as_version=4)
    removed = 0
    run = clean.metadata.get("papermill")
    if isinstance(run, dict):
        for key in VOLATILE_RUN_KEYS:
            if key in run:
                del run[key]
                removed += 1
    for cell in clean.cells:
        for key in VOLATILE_CELL_KEYS:
            if key in cell.metadata:
                del cell.metadata[key]
                removed += 1
    return clean, removed


def main(argv: Sequence[str] | None = None) -> int:
    """Clean each notebook file named in ``argv`` in place; print what was done."""
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths:
        print("usage: python -m disputelib.nbclean NOTEBOOK...", file=sys.stderr)
        return 2
    for name in paths:
        path = Path(name)
        nb = nbformat.read(path, as_version=4)
        clean, removed = strip_volatile(nb)
        if removed:
            nbformat.write(clean, path)
        print(f"{path}: {removed} timing entries removed" if removed else f"{path}: nothing to remove")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

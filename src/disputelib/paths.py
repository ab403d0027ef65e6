"""Where the project's files are, wherever a notebook or script runs from.

Notebook parameters hold paths relative to the repository root (``data/sample/orders.csv``),
so the same parameters work whether a notebook runs from ``notebooks/``, from the root,
or under papermill with another working directory.
"""

from __future__ import annotations

from pathlib import Path

from disputelib.errors import DisputelibError

#: A file that marks the repository root.
MARKER = "pyproject.toml"


class PathError(DisputelibError, ValueError):
    """A path parameter that does not point where it should; the message is one sentence."""


def project_root(start: str | Path | None = None) -> Path:
    """The repository root: the nearest folder holding ``pyproject.toml`` above ``start``.

    Parameters
    ----------
    start
        Where to start looking; the current working directory when None. When no folder
        above it is the root (e.g. the package is used from elsewhere), the root of the
        source checkout this package was imported from is used, if it is one.

    Returns
    -------
    pathlib.Path
        An absolute path.

    Raises
    ------
    PathError
        When no root can be found.

    Examples
    --------
    >>> (project_root() / "pyproject.toml").is_file()
    True
    """
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file() and (folder / "src" / "disputelib").is_dir():
            return folder
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / MARKER).is_file():
        return checkout
    raise PathError(f"cannot find the project root (a folder with {MARKER}) above {str(here)!r}")


def resolve(path: str | Path, *, must_exist: bool = False, root: str | Path | None = None) -> Path:
    """An absolute path for a path given relative to the repository root.

    Parameters
    ----------
    path
        Absolute, or relative to the repository root (``~`` is expanded).
    must_exist
        Raise :class:`PathError` when the file or folder does not exist.
    root
        The root to resolve against; :func:`project_root` when None.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> resolve("data/sample/orders.csv").name
    'orders.csv'
    """
    text = str(path).strip()
    if not text:
        raise PathError("the path is empty")
    given = Path(text).expanduser()
    full = given if given.is_absolute() else Path(root or project_root()) / given
    if must_exist and not full.exists():
        raise PathError(f"{text!r} does not exist (looked for {str(full)!r})")
    return full


def relative(path: str | Path, root: str | Path | None = None) -> str:
    """``path`` relative to the repository root when it lies inside it, for printing.

    Printing relative paths keeps notebook outputs the same on every machine.
    """
    full = Path(path).resolve()
    base = Path(root or project_root()).resolve()
    try:
        return full.relative_to(base).as_posix()
    except ValueError:
        return full.as_posix()

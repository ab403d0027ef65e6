"""Where the project's files are, wherever a notebook or script runs from.

Notebook parameters hold paths relative to the repository root (``data/sample/orders.csv``),
so the same parameters work whether a notebook runs from ``notebooks/``, from the root,
or under papermill with another working directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import signal
import stat
import threading
import time
from collections.abc import Collection, Iterator, Mapping
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


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in the system's words ("No space left on device").

    pyarrow raises ``OSError`` without ``errno`` and with the number in its text
    (``... [errno 28] No space left on device``); this finds it there too.
    """
    if exc.errno:
        return os.strerror(exc.errno)
    found = re.search(r"\[errno (\d+)\]", str(exc))
    if found:
        return os.strerror(int(found.group(1)))
    text = str(exc).strip()
    return exc.strerror or (text.splitlines()[0] if text else type(exc).__name__)


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


@contextlib.contextmanager
def written_in_place(path: Path) -> Iterator[Path]:
    """A temporary sibling of ``path`` to write into, renamed onto ``path`` when the block ends.

    A reader never sees a half-written file: on any error, Ctrl-C or SIGTERM inside the
    block the temporary file is removed and ``path`` is left as it was. The name is unique
    per write (process id and random digits), so two runs writing the same file never
    rename each other's half-written file away.
    """
    partial = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
    try:
        yield partial
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def check_input(path: str | Path, what: str = "input") -> Path:
    """Refuse an input that is missing, a folder, a FIFO or a device, without opening it.

    Opening a FIFO blocks until something writes to it, so the file's kind is read with
    ``stat`` first.

    Parameters
    ----------
    path
        The file as the user gave it.
    what
        What the file is, for the message (``"orders"``, ``"events"``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    PathError
        One sentence saying what the path is instead of a file.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise PathError(f"cannot read the {what} file {str(path)!r}: no such file") from None
    except OSError as exc:
        raise PathError(f"cannot read the {what} file {str(path)!r}: {exc.strerror or exc}") from None
    kind = _kind_of(mode)
    if kind is not None:
        raise PathError(f"cannot read the {what} file {str(path)!r}: it is {kind}, not a file")
    return path


def named_file(name_or_path: str | None, what: str) -> Path | None:
    """A rule pack or scenario given by path (checked like :func:`check_input`), or None for a name.

    ``--pack`` and ``--scenario`` take a shipped name or a ``.toml`` path; a path is an
    input like any other: it must be a file, and no output may replace it.
    """
    if name_or_path is None:
        return None
    path = Path(name_or_path)
    if not (name_or_path.endswith(".toml") or path.exists() or path.is_symlink()):
        return None
    if path.exists() or path.is_symlink():
        check_input(path, what)
    return path


def _same(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` are the same file: same path once resolved, or same inode."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def writable_folder(folder: Path, target: str) -> None:
    """Refuse a folder that is missing, not a folder, or on a read-only file system.

    ``os.access`` answers for the real user, so it also reports a read-only mount to root
    (for whom permission bits do not count).
    """
    shown = str(folder) if str(folder) else "."
    if not folder.exists():
        raise PathError(f"cannot write {target!r}: folder {shown!r} does not exist")
    if not folder.is_dir():
        raise PathError(f"cannot write {target!r}: {shown!r} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        try:
            read_only = os.statvfs(folder).f_flag & os.ST_RDONLY
        except OSError:
            read_only = False
        why = "is on a read-only file system" if read_only else "is not writable"
        raise PathError(f"cannot write {target!r}: folder {shown!r} {why}")


def check_outputs(
    inputs: Mapping[str, str | Path | None],
    outputs: Mapping[str, str | Path | None],
    *,
    folders: bool = False,
    replaces: Collection[str] = (),
) -> None:
    """Refuse outputs that would overwrite an input or each other, or cannot be written.

    Every command calls this before doing any work. An output is refused when it is the
    same file as an input (also through ``..``, a symlink or a hard link), when two outputs
    name the same file, when it exists and is a folder, a FIFO or a device (or, with
    ``folders``, when it is a file), or when its folder is missing or read-only.

    Parameters
    ----------
    inputs
        What each input is (``"orders"``, ``"events"``) to its path; None entries are skipped.
    outputs
        The option naming each output (``"--out"``, ``"--rejects"``) to its path; None
        entries are skipped.
    folders
        The outputs are folders, created when missing (``simulate --out``, ``report
        --out``), rather than files: an existing one must be a folder, and the nearest
        existing folder above a missing one must be writable.
    replaces
        With ``folders``: the names of the files written into each folder; an input that is
        one of them is refused.

    Raises
    ------
    PathError
        One sentence naming the output and what is wrong.

    Examples
    --------
    >>> check_outputs({"orders": "orders.csv"}, {"--out": "./orders.csv"})
    Traceback (most recent call last):
    ...
    disputelib.paths.PathError: 'orders.csv' is the orders file itself: choose another output file
    """
    given_in = {k: Path(v) for k, v in inputs.items() if v is not None and str(v) != ""}
    given_out = {k: Path(v) for k, v in outputs.items() if v is not None and str(v) != ""}
    for option, path in given_out.items():
        for what, source in given_in.items():
            if _same(path, source):
                raise PathError(f"{str(path)!r} is the {what} file itself: choose another output file")
            for name in replaces if folders else ():
                if _same(path / name, source):
                    raise PathError(
                        f"{option} {str(path)!r} would replace the {what} file {str(source)!r}: choose another folder"
                    )
        if path.exists() or path.is_symlink():
            try:
                mode = path.stat().st_mode
            except OSError as exc:
                raise PathError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
            if folders:
                if not stat.S_ISDIR(mode):
                    raise PathError(f"{option} {str(path)!r} is a file, not a folder")
            else:
                kind = _kind_of(mode)
                if kind is not None:
                    raise PathError(f"cannot write {str(path)!r}: it is {kind}, not a file")
        if folders:
            existing = next(p for p in (path, *path.absolute().parents) if p.exists())
            writable_folder(existing, str(path))
        else:
            writable_folder(path.parent, str(path))
    names = list(given_out.items())
    for i, (first, a) in enumerate(names):
        for second, b in names[i + 1 :]:
            if _same(a, b):
                raise PathError(f"{first} and {second} name the same file: give the {second.lstrip('-')} their own")


#: The lock file inside a folder being built; a live process holds an ``flock`` on it.
LOCK_NAME = ".lock"
#: A temporary folder without a lock file is left alone for this long (it may be starting).
STALE_AFTER_SECONDS = 3600.0


def make_temp_folder(path: str | Path) -> int | None:
    """Create ``path`` as a new folder and lock it as in use by this process.

    Returns
    -------
    int or None
        The descriptor holding the lock (close it, or let the process end, to release it),
        or None when ``path`` already exists.
    """
    path = Path(path)
    try:
        os.mkdir(path)
    except FileExistsError:
        return None
    fd = os.open(path / LOCK_NAME, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def release_temp_folder(path: str | Path, fd: int | None) -> None:
    """Remove the lock file of a folder made by :func:`make_temp_folder`, and then its lock.

    Call it after the folder was renamed into place (with its new ``path``) or removed:
    the lock is held until then, so no other process takes the folder for a stale one.
    """
    with contextlib.suppress(OSError):
        (Path(path) / LOCK_NAME).unlink()
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def clean_stale(parent: str | Path, pattern: str) -> list[Path]:
    """Remove temporary folders left in ``parent`` by processes that were killed.

    A folder matching ``pattern`` (a glob such as ``.tmp-*``) is stale when no process
    holds the lock on its lock file (the lock goes with the process, however it ended),
    or when it has no lock file and has not changed for :data:`STALE_AFTER_SECONDS`.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    removed = []
    for folder in sorted(Path(parent).glob(pattern)):
        if folder.is_symlink() or not folder.is_dir():
            continue
        try:
            fd = os.open(folder / LOCK_NAME, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            try:
                stale = time.time() - folder.stat().st_mtime > STALE_AFTER_SECONDS
            except OSError:
                continue
        except OSError:
            continue
        else:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                stale = True
            except OSError:
                stale = False
            finally:
                os.close(fd)
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done; they are delivered right after it.

    For the few steps that publish a result (renames, a symlink swap): a stop request
    waits for them, so a publish is never left half done.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)

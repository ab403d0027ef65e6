"""Running a report: execute each notebook, then publish the run safely and record a manifest.

A run is built in a hidden temporary folder next to its destination and renamed into
``OUT/runs/<run id>/`` only when every notebook succeeded; then the ``OUT/latest``
symlink is replaced atomically. A failed run is moved to ``OUT/failed/<run id>/`` with
the executed notebooks (errors included), and the previous report and ``latest`` are
left untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import importlib.metadata
import json
import logging
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from disputelib.paths import (
    PathError,
    check_input,
    clean_stale,
    make_temp_folder,
    project_root,
    relative,
    release_temp_folder,
    resolve,
    signals_held,
)
from disputelib.policy import load_pack
from disputelib.report.config import RUN_PLACEHOLDER, NotebookSpec, ReportConfig, load_config, plan
from disputelib.report.headline import Headline, headline
from disputelib.report.pages import notebook_page, notebook_title, render_index

#: Distributions whose versions the manifest records.
VERSIONED = ("disputelib", "pandas", "numpy", "papermill", "nbconvert", "matplotlib", "statsmodels")
#: Notebook outcomes; every one but ``ok`` fails the run.
STATUSES = ("ok", "failed", "timed_out", "kernel_died", "error", "skipped")


@dataclass(frozen=True)
class NotebookResult:
    """How one notebook ran: ``status`` is one of :data:`STATUSES`."""

    name: str
    source: str
    status: str
    duration: float
    message: str = ""
    title: str = ""
    ipynb: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class ReportResult:
    """The outcome of :func:`run_report`.

    Attributes
    ----------
    status
        ``"ok"`` when every notebook ran, else ``"failed"``.
    run_dir
        The finished run's folder: ``OUT/runs/<id>`` on success, ``OUT/failed/<id>`` on failure.
    latest
        The ``OUT/latest`` symlink (moved to ``run_dir``) on success, else None.
    notebooks
        One :class:`NotebookResult` per notebook, in config order.
    manifest
        The content of ``run_dir/manifest.json``.
    """

    status: str
    run_dir: Path
    latest: Path | None
    notebooks: tuple[NotebookResult, ...]
    manifest: dict[str, Any] = field(repr=False)

    @property
    def ok(self) -> bool:
        """True when every notebook ran and the run was published."""
        return self.status == "ok"

    @property
    def failure(self) -> NotebookResult | None:
        """The notebook that stopped the run, if any."""
        return next((nb for nb in self.notebooks if nb.status not in ("ok", "skipped")), None)


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _quiet_papermill() -> Iterator[None]:
    """Papermill and nbclient log what we report ourselves; keep the terminal to our lines."""
    logger = logging.getLogger("papermill")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    before = logger.propagate
    logger.propagate = False
    try:
        yield
    finally:
        logger.propagate = before
        logger.removeHandler(handler)


def _substitute(value: Any, run_dir: Path) -> Any:
    """``{run}`` in a string parameter made the run's folder, as an absolute path.

    The folder is the run's build folder until the run is published under another name:
    notebooks are told it absolutely, so that they name it as ``out_dir`` rather than print a
    ``.tmp-...`` path that no longer exists when the page is read.
    """
    if isinstance(value, str) and RUN_PLACEHOLDER in value:
        return value.replace(RUN_PLACEHOLDER, str(run_dir.resolve()))
    return value


def execute(spec: NotebookSpec, parameters: dict[str, Any], output: Path, kernel: str) -> tuple[str, str]:
    """Run one notebook with papermill in a fresh kernel, writing the executed copy to ``output``.

    The timeout is the whole notebook's budget: each cell may run for what is left of it.

    Returns
    -------
    tuple of str
        ``(status, message)``: ``("ok", "")``, ``("failed", "ValueError: ...")``,
        ``("timed_out", ...)``, ``("kernel_died", ...)`` or ``("error", ...)``.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    deadline = time.monotonic() + spec.timeout

    def remaining(cell: Any) -> int:
        return max(1, math.ceil(deadline - time.monotonic()))

    try:
        papermill.execute_notebook(
            str(spec.path),
            str(output),
            parameters=parameters,
            kernel_name=kernel,
            cwd=str(spec.path.parent),
            progress_bar=False,
            execution_timeout=math.ceil(spec.timeout),
            timeout_func=remaining,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except papermill.PapermillExecutionError as exc:
        return "failed", f"{exc.ename}: {exc.evalue}".strip().rstrip(":")
    except CellTimeoutError:
        return "timed_out", f"stopped after the {spec.timeout:g} s timeout"
    except DeadKernelError:
        return "kernel_died", "the kernel died (killed, out of memory or crashed)"
    except Exception as exc:  # kernel that does not start, unreadable notebook...
        text = str(exc).strip().splitlines()
        return "error", f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
    except BaseException:
        # Ctrl-C or SIGTERM: the kernel is shut down, and the cell's pending task would print
        # "Task exception was never retrieved" with a traceback when collected; keep it quiet.
        logging.getLogger("asyncio").disabled = True
        raise
    return "ok", ""


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": sys.version.split()[0]}
    for name in VERSIONED:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def code_revision(root: Path) -> str | None:
    """``git rev-parse HEAD`` of the project, or None outside a git checkout."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = done.stdout.strip()
    return text if done.returncode == 0 and text else None


def _input_files(config: ReportConfig, params: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Checksums of the input files, the notebooks and any file a parameter names."""
    files: dict[str, Path] = {}
    for value in config.inputs.values():
        files[value] = resolve(value)
    for nb in config.notebooks:
        files[relative(nb.path)] = nb.path
    for values in params.values():
        for value in values.values():
            if isinstance(value, str) and value and RUN_PLACEHOLDER not in value and value not in files:
                with contextlib.suppress(PathError, OSError, ValueError):
                    path = resolve(value)
                    if path.is_file():
                        files[value] = path
    return {
        label: {"sha256": sha256(path), "bytes": path.stat().st_size}
        for label, path in sorted(files.items())
        if path.is_file()
    }


def _why(exc: BaseException) -> str:
    """What stopped a run, in words: a signal's name, else the exception's class."""
    number = getattr(exc, "signal_number", None)
    if number is not None:
        return signal.Signals(number).name
    return "SIGINT (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else type(exc).__name__


def _utc(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _run_key(run_id: str) -> tuple[str, int]:
    """Sort key of a run id: its start stamp, then its ``-N`` suffix (``-2`` started after the plain one)."""
    stamp, _, n = run_id.partition("-")
    return stamp, int(n) if n.isdigit() else 1


def _reserve(out: Path, stamp: str) -> tuple[str, Path, int]:
    """A run id no other run has, even one started in the same second, and its build folder.

    The build folder ``.tmp-<id>`` is created exclusively (``mkdir`` fails when it
    exists) before the id is checked against ``runs/`` and ``failed/``, so two runs can
    never take the same id.

    Returns
    -------
    (run_id, folder, lock)
        ``stamp``, or ``stamp-2``, ``stamp-3``...; the locked build folder and its lock.
    """
    for n in range(1, 10_000):
        run_id = stamp if n == 1 else f"{stamp}-{n}"
        tmp = out / f".tmp-{run_id}"
        lock = make_temp_folder(tmp)
        if lock is None:
            continue
        if any((out / sub / run_id).exists() for sub in ("runs", "failed")):
            release_temp_folder(tmp, lock)
            tmp.rmdir()
            continue
        return run_id, tmp, lock
    raise OSError(f"too many runs started at {stamp} in {out}")


def _place(parent: Path, run_id: str, tmp: Path) -> Path:
    """Rename ``tmp`` to ``parent/run_id`` (``run_id-2``... if taken)."""
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        target = parent / (run_id if n == 1 else f"{run_id}-{n}")
        if not target.exists():
            os.rename(tmp, target)
            return target
    raise OSError(f"too many runs named {run_id} in {parent}")


def _point_latest(out: Path, target: Path) -> tuple[Path, bool]:
    """Point ``out/latest`` at ``target`` in one atomic step, unless it points at a newer run.

    Runs that overlap may finish in any order; ``latest`` only ever moves forward (by run
    id, i.e. by start time). The check and the swap are made under an ``flock`` on the
    ``out`` folder itself, so two runs finishing together cannot undo each other.

    Returns
    -------
    (latest, moved)
    """
    latest = out / "latest"
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if latest.exists() and not latest.is_symlink():
            raise OSError(f"{latest} exists and is not a symlink; move it away")
        if latest.is_symlink():
            current = Path(os.readlink(latest)).name
            if (out / "runs" / current).is_dir() and _run_key(current) > _run_key(target.name):
                return latest, False
        link = out / f".latest-{os.getpid()}"
        link.unlink(missing_ok=True)
        os.symlink(os.path.relpath(target, out), link)
        os.replace(link, latest)
        return latest, True
    finally:
        os.close(fd)


def run_report(
    config: str | Path | Mapping | None,
    out_dir: str | Path,
    as_of: str | dt.date | None = None,
    timeout: float | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = True,
) -> ReportResult:
    """Run a report's notebooks and publish their HTML, landing page and manifest.

    Parameters
    ----------
    config
        A report config YAML file (see ``conf/reports/``), a parsed mapping, or None for
        :data:`DEFAULT_CONFIG`.
    out_dir
        The report folder: runs go to ``out_dir/runs/<id>``, failed runs to
        ``out_dir/failed/<id>``, and ``out_dir/latest`` points at the newest good run.
    as_of
        The day to report on; replaces the config's ``as_of``.
    timeout
        Seconds each notebook may run; replaces the config's timeouts.
    overrides
        Parameter values replacing the config's (``pack``, or any notebook parameter).
    progress
        Print which notebook runs, ``k/N`` and how long each took on stderr.

    Returns
    -------
    ReportResult
        ``status`` is ``"failed"`` when a notebook failed, timed out or lost its kernel;
        the run is then in ``out_dir/failed/`` and ``latest`` did not move.

    Raises
    ------
    ReportConfigError, disputelib.PackError, disputelib.TableError
        Before anything runs, for a config, parameter, pack or input file that cannot work.

    Examples
    --------
    >>> result = run_report("conf/reports/ci.yaml", "reports")  # doctest: +SKIP
    >>> result.ok, result.run_dir.name  # doctest: +SKIP
    (True, '20261127T061500Z')
    """
    cfg = load_config(config, as_of=as_of, timeout=timeout, overrides=overrides)
    load_pack(cfg.pack)
    params = plan(cfg)
    for name, value in cfg.inputs.items():
        check_input(resolve(value), name)  # a folder or FIFO is refused before anything reads it
    numbers = headline(cfg)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if (out / "latest").exists() and not (out / "latest").is_symlink():
        raise OSError(f"{out / 'latest'} exists and is not a symlink; move it away")
    for stale in clean_stale(out, ".tmp-*"):
        _say(progress, f"report: removed {stale.name}, left by a run that was killed")
    started = time.time()
    clock = time.monotonic()
    # Named by hand rather than with mkdtemp, so the folder gets the umask's permissions.
    run_id, tmp, lock = _reserve(out, dt.datetime.fromtimestamp(started, dt.UTC).strftime("%Y%m%dT%H%M%SZ"))
    try:
        (tmp / "notebooks").mkdir()
    except BaseException:
        release_temp_folder(tmp, lock)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    total = len(cfg.notebooks)
    _say(progress, f"report: {total} notebooks, as_of {cfg.as_of}, pack {cfg.pack}; building in {tmp}")

    results: list[NotebookResult] = []
    stopped = False
    try:
        with _quiet_papermill():
            for k, spec in enumerate(cfg.notebooks, start=1):
                source = relative(spec.path)
                if stopped:
                    results.append(NotebookResult(spec.name, source, "skipped", 0.0, "an earlier notebook failed"))
                    continue
                _say(progress, f"[{k}/{total}] {spec.name}: running (timeout {spec.timeout:g} s)")
                ipynb = tmp / "notebooks" / f"{spec.name}.ipynb"
                values = {key: _substitute(v, tmp) for key, v in params[spec.name].items()}
                t0 = time.monotonic()
                status, message = execute(spec, values, ipynb, cfg.kernel)
                duration = time.monotonic() - t0
                page, title = None, spec.name
                if ipynb.is_file():
                    nb = nbformat.read(ipynb, as_version=4)
                    page, title = f"notebooks/{spec.name}.html", notebook_title(nb, spec.name)
                    try:
                        (tmp / page).write_text(notebook_page(nb, title, cfg.title, status), encoding="utf-8")
                    except Exception as exc:  # a page that cannot be built fails the run, visibly
                        page = None
                        if status == "ok":
                            status, message = "error", f"HTML conversion failed: {type(exc).__name__}: {exc}"
                results.append(
                    NotebookResult(
                        spec.name,
                        source,
                        status,
                        duration,
                        message,
                        title,
                        f"notebooks/{spec.name}.ipynb" if ipynb.is_file() else None,
                        page,
                    )
                )
                tail = f": {message}" if message else ""
                _say(progress, f"[{k}/{total}] {spec.name}: {status} in {duration:.1f} s{tail}")
                stopped = status != "ok"

        status = "failed" if stopped else "ok"
        finished = time.time()
        manifest = _manifest(cfg, params, numbers, results, run_id, status, started, finished, clock)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        (tmp / "index.html").write_text(render_index(cfg, numbers, results, run_id, status), encoding="utf-8")
    except BaseException as exc:
        release_temp_folder(tmp, None)
        failed_dir = _place(out / "failed", f"{run_id}-incomplete", tmp)
        release_temp_folder(failed_dir, lock)
        _say(progress, f"report: stopped by {_why(exc)}; nothing was published; what was built is in {failed_dir}")
        raise

    with signals_held():  # placing the run and moving latest is never left half done
        release_temp_folder(tmp, None)
        try:
            run_dir = _place(out / ("runs" if status == "ok" else "failed"), run_id, tmp)
        finally:
            os.close(lock)
        if status == "ok":
            latest, moved = _point_latest(out, run_dir)
            where = f"{latest} points to it" if moved else f"{latest} stays on the newer run {os.readlink(latest)}"
            _say(progress, f"report: ok in {time.monotonic() - clock:.1f} s -> {run_dir} ({where})")
    if status != "ok":
        latest = None
        bad = next(r for r in results if r.status != "ok")
        _say(
            progress,
            f"report: FAILED: {bad.name} {bad.status}"
            + (f" ({bad.message})" if bad.message else "")
            + f"; executed notebook kept in {run_dir / 'notebooks'}; previous report and latest untouched",
        )
    return ReportResult(status, run_dir, latest, tuple(results), manifest)


def _manifest(
    cfg: ReportConfig,
    params: dict[str, dict[str, Any]],
    numbers: Headline,
    results: list[NotebookResult],
    run_id: str,
    status: str,
    started: float,
    finished: float,
    clock: float,
) -> dict[str, Any]:
    root = project_root()
    return {
        "run_id": run_id,
        "status": status,
        "started": _utc(started),
        "finished": _utc(finished),
        "duration_seconds": round(time.monotonic() - clock, 3),
        "config": str(cfg.source) if cfg.source is not None else None,
        "as_of": cfg.as_of,
        "pack": cfg.pack,
        "parameters": cfg.parameters,
        "inputs": dict(cfg.inputs),
        "notebooks": [
            {
                "name": r.name,
                "source": r.source,
                "parameters": params[r.name],
                "status": r.status,
                "message": r.message,
                "duration_seconds": round(r.duration, 3),
                "ipynb": r.ipynb,
                "html": r.html,
            }
            for r in results
        ],
        "headline": numbers.as_dict(),
        "files": _input_files(cfg, params),
        "versions": _versions(),
        "code_revision": code_revision(root),
    }

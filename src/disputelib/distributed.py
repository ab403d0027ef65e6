"""The batch commands on Dask: :func:`eligibility`, :func:`check_log` and :func:`simulate` over many parts, same answers.

Import this module only to run on Dask (``--engine dask``); the rest of the package never
imports Dask. The functions take file paths rather than Dask DataFrames: each task reads
its own part of the input (whole row groups of a Parquet file, a few small Parquet files
together, or one CSV file), runs the same pandas code as the local engine on it, and
writes its own part of the output, so only counts, findings, the 64-bit numbers of the
order ids and the text of the few ids suspected of repeating travel over the network.

``eligibility`` checks each part knowing the 1-based number of its first row in the whole
input (the files in name order, then their rows) and returns the sorted 64-bit numbers of
its ``order_id``\\ s (:func:`disputelib.columns.text_numbers`), 8 bytes a row. The numbers
that occur more than once over all parts name the suspects: only the parts holding one
read their ids again and send back those ids' text, which settles the counts (two ids that
merely share a number are told apart there), and only the parts holding an id repeated
somewhere are checked again, knowing it. Parquet parts are checked in the first pass (the
metadata gives each part's first row); CSV parts, whose sizes are known only once read,
are first read for their ids and sizes, then checked.

``check_log`` also makes two passes, and never holds the log: the first reads of each part
only what says which rows can be read (of Parquet the columns ``dispute_id``, ``order_id``,
``event`` and ``at``) for its length, decimal mark, ``dispute_id`` range and last instant,
so the log's end is known before any check; the second reads, numbers and checks each
part with the steps of :func:`disputelib.check_log` in one task that keeps only its
findings. When the parts' ``dispute_id`` ranges overlap, the second pass is instead one
graph of reading, a shuffle on ``dispute_id`` (Dask's p2p shuffle, through the workers'
disks) and checking each partition. The findings are then put in the local order.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import logging
import os
import secrets
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dask
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from distributed import Client, LocalCluster, progress

from disputelib import intake
from disputelib.clock import AsOf, to_instants
from disputelib.columns import text_column, text_numbers, time_column
from disputelib.orders import column_hints_note
from disputelib.paths import clean_stale, make_temp_folder, os_reason, release_temp_folder, signals_held
from disputelib.policy import Pack, load_dispute_pack
from disputelib.tables import TableError, _arrow_frame, _read_parquet, read_table, table_format, write_table
from disputelib.windows import eligibility as local_eligibility
from disputelib.windows import summary_line

#: Row groups of a Parquet file per task, at most this many rows (a row group is never cut).
ROWS_PER_PART = 1_000_000


class DaskInputError(TableError):
    """An input of the Dask engine names no file or holds files of different formats."""


@contextlib.contextmanager
def cluster(scheduler: str | None = None, workers: int | None = None, processes: bool = True) -> Iterator[Client]:
    """A client of the cluster at ``scheduler``, else of a new ``LocalCluster`` closed at the end.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://10.0.0.5:8786``); None starts a local cluster.
    workers
        Worker processes of the local cluster (default: one per core), one thread each.
    processes
        False runs the local workers as threads of this process (for tests).
    """
    # pandas dtypes as the local engine has them (no str column turned into string[pyarrow])
    settings: dict = {"dataframe.convert-string": False}
    # glibc's own malloc thresholds in the workers: Dask's MALLOC_TRIM_THRESHOLD_ also fixes the
    # mmap threshold, so every array above 128 KiB is mapped and faulted in afresh and freed memory
    # handed back at once (a simulated block took 60-80% longer, check-log a fifth more CPU)
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    settings["distributed.nanny.pre-spawn-environ"] = environ
    with dask.config.set(settings):
        if scheduler:
            with Client(scheduler) as client:
                yield client
            return
        n = workers or os.cpu_count() or 1
        with (
            LocalCluster(n_workers=n, threads_per_worker=1, processes=processes, dashboard_address=":0") as local,
            Client(local) as client,
        ):
            client.run(_quiet_user_errors)
            yield client


class _UserErrorFilter(logging.Filter):
    """Drops a worker's "Compute Failed" log of a user-fixable error, and the cancellations at closing.

    The command reports such an error in one sentence (exit 2); the worker's log of it
    would print the task, the exception and a traceback to the terminal first. Any other
    failure (a bug) is still logged with its traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if text.startswith("Compute Failed") and isinstance(record.args, tuple) and len(record.args) > 3:
            exception = str(record.args[3])
            return not any(exception.startswith(name + "(") for name in _error_names())
        return not (text.startswith("Async instruction for") and text.endswith("ended with CancelledError"))


def _error_names() -> set[str]:
    from disputelib.errors import DisputelibError

    names, todo = set(), [DisputelibError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _quiet_user_errors() -> None:
    """Install :class:`_UserErrorFilter` in a local cluster's worker (once per process)."""
    for name in ("distributed.worker", "distributed.worker.state_machine"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _UserErrorFilter) for f in logger.filters):
            logger.addFilter(_UserErrorFilter())


def _wait(client: Client, futures: list, show: bool) -> list:
    """The futures' results, with Dask's progress bar on stderr when ``show``."""
    if show and futures:
        with contextlib.redirect_stdout(sys.stderr):
            progress(futures)
    return client.gather(futures)


# --- inputs -------------------------------------------------------------------------------------


def input_files(source: str | Path) -> list[Path]:
    """The files of an input: a file, a folder of Parquet files (its ``*.parquet``, in name order) or a glob.

    Raises
    ------
    DaskInputError
        When nothing matches, or the files are not all Parquet or all CSV.
    """
    text = str(source)
    path = Path(text)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".parquet", ".pq") and p.is_file())
    elif path.is_file():
        files = [path]
    else:
        files = sorted(Path(p) for p in glob.glob(text) if Path(p).is_file())
    if not files:
        raise DaskInputError(f"no input file matches {text!r}: give a file, a folder of .parquet files or a glob")
    kinds = {table_format(f) for f in files}
    if len(kinds) > 1:
        raise DaskInputError(f"the files of {text!r} are of different formats: give only Parquet or only CSV files")
    return files


@dataclass(frozen=True)
class Part:
    """One task's share of the input: a file, or some row groups of a Parquet file."""

    path: str
    row_groups: tuple[int, ...] | None = None
    rows: int | None = None  # known from Parquet metadata; None for CSV until read


def parts_of(files: list[Path], rows_per_part: int = ROWS_PER_PART) -> list[Part]:
    """Split Parquet files into runs of row groups of at most ``rows_per_part`` rows; other files whole."""
    parts = []
    for f in files:
        if table_format(f) != "parquet":
            parts.append(Part(str(f)))
            continue
        meta = pq.ParquetFile(f).metadata
        group, rows = [], 0
        for i in range(meta.num_row_groups):
            size = meta.row_group(i).num_rows
            if group and rows + size > rows_per_part:
                parts.append(Part(str(f), tuple(group), rows))
                group, rows = [], 0
            group.append(i)
            rows += size
        parts.append(Part(str(f), tuple(group), rows))
    return parts


def _read_part(part: Part, read_options: dict) -> pd.DataFrame:
    if part.row_groups is None:
        return read_table(part.path, contract="orders", **read_options)
    frame = _read_parquet(Path(part.path), list(part.row_groups))
    return intake.conform(frame, intake.ORDERS, read_options.get("columns"))


def _id_header(path: str, read_options: dict) -> str | None:
    """The header of a Parquet file's column that is our ``order_id`` (header matching, column map)."""
    names = pq.ParquetFile(path).schema_arrow.names
    conformed = intake.conform(pd.DataFrame(columns=names), intake.ORDERS, read_options.get("columns"))
    return next((theirs for theirs, ours in zip(names, conformed.columns, strict=True) if ours == "order_id"), None)


def _batches(parts: list[Part], rows_per_part: int, *, one_schema: bool = True) -> list[tuple[Part, ...]]:
    """Consecutive Parquet parts joined up to ``rows_per_part`` rows, one task each.

    A dataset written in small files (one per block of a simulation) is read a million rows
    a task rather than a file a task: the checks and the writes cost less per row on larger
    frames, and the cluster's bookkeeping less per task. A CSV file, whose size is unknown
    before it is read, is a batch of its own; with ``one_schema`` (parts read as one frame)
    so is a run of files whose columns differ from the file before.

    Examples
    --------
    >>> parts = [Part("a", (0,), 4), Part("b", (0,), 4), Part("c", (0,), 4), Part("d.csv")]
    >>> [len(b) for b in _batches(parts, 9, one_schema=False)]
    [2, 1, 1]
    """
    schemas: dict[str, pa.Schema] = {}

    def schema(part: Part) -> pa.Schema:
        if part.path not in schemas:
            schemas[part.path] = pq.read_schema(part.path)
        return schemas[part.path]

    def joins(part: Part, run: list[Part], rows: int) -> bool:
        if not run or part.rows is None or part.row_groups is None or rows + part.rows > rows_per_part:
            return False
        return not one_schema or part.path == run[-1].path or schema(part).equals(schema(run[-1]))

    batches: list[tuple[Part, ...]] = []
    run: list[Part] = []
    rows = 0
    for part in parts:
        if run and not joins(part, run, rows):
            batches.append(tuple(run))
            run, rows = [], 0
        run.append(part)
        rows += part.rows or 0
        if part.rows is None or part.row_groups is None:
            batches.append(tuple(run))
            run, rows = [], 0
    if run:
        batches.append(tuple(run))
    return batches


def _read_batch(batch: tuple[Part, ...], read_options: dict) -> pd.DataFrame:
    """The parts of a batch as one frame, as :func:`_read_part` reads one part."""
    if len(batch) == 1:
        return _read_part(batch[0], read_options)
    frames = [_read_parquet(Path(p.path), list(p.row_groups or ())) for p in batch]
    repaired = list(dict.fromkeys(name for f in frames for name in f.attrs.get(intake.NOT_UTF8_ATTR, ())))
    frame = concat_parts(frames)
    frame.attrs = {intake.NOT_UTF8_ATTR: repaired}
    return intake.conform(frame, intake.ORDERS, read_options.get("columns"))


def _ids_of(batch: tuple[Part, ...], read_options: dict) -> pd.Series:
    """A batch's order ids as cleaned (missing ones included: the batch's length counts them).

    Of a Parquet part only the id column is read.
    """
    return pd.concat([_part_ids(part, read_options) for part in batch], ignore_index=True)


def _part_ids(part: Part, read_options: dict) -> pd.Series:
    if part.row_groups is None:
        frame = _read_part(part, read_options)
    else:
        header = _id_header(part.path, read_options)
        if header is None:  # the eligibility pass says which column is missing
            return pd.Series(pd.array([pd.NA] * (part.rows or 0), dtype="string"))
        frame = _read_parquet(Path(part.path), list(part.row_groups), [header])
        frame = frame.rename(columns={header: "order_id"})
    return text_column(frame, "order_id")


def _sorted_numbers(ids: pd.Series) -> np.ndarray:
    """The 64-bit numbers of the present ids (:func:`~disputelib.columns.text_numbers`), sorted."""
    numbers = text_numbers(ids)
    present = ids.notna().to_numpy(bool)
    numbers = numbers if present.all() else numbers[present]
    numbers.sort()
    return numbers


def _count_part(batch: tuple[Part, ...], read_options: dict) -> dict:
    """A batch's rows and its ids' sorted numbers (the pass before eligibility when sizes are unknown)."""
    ids = _ids_of(batch, read_options)
    return {"n": len(ids), "numbers": _sorted_numbers(ids)}


def _ids_numbered(batch: tuple[Part, ...], read_options: dict, numbers: np.ndarray) -> dict[str, int]:
    """A batch's ids whose number is in ``numbers`` (sorted), with their counts in the batch."""
    ids = _ids_of(batch, read_options)
    mine = text_numbers(ids)
    at = np.minimum(np.searchsorted(numbers, mine), len(numbers) - 1)
    hit = (numbers[at] == mine) & ids.notna().to_numpy(bool)
    return {str(k): int(v) for k, v in ids[hit].value_counts().items()}


def _repeated_numbers(runs: list[np.ndarray]) -> np.ndarray:
    """The numbers that occur more than once over ``runs`` (each sorted), sorted and distinct.

    Taken a sixteenth of the number range at a time (each run cut where the range ends), so
    that about a sixteenth of all the numbers is copied at once.
    """
    bounds = np.array([k << 60 for k in range(1, 16)], dtype=np.uint64)
    cuts = [np.concatenate([[0], np.searchsorted(run, bounds), [len(run)]]) for run in runs]
    found = []
    for k in range(len(bounds) + 1):
        merged = np.concatenate([run[cut[k] : cut[k + 1]] for run, cut in zip(runs, cuts, strict=True)])
        merged.sort(kind="stable")  # sorted runs one after the other: a merge
        twice = merged[1:] == merged[:-1]
        if twice.any():
            found.append(np.unique(merged[1:][twice]))
    return np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)


def _holds_any(run: np.ndarray, numbers: np.ndarray) -> bool:
    """True if the sorted ``run`` holds one of the sorted ``numbers``."""
    if not len(run) or not len(numbers):
        return False
    at = np.minimum(np.searchsorted(run, numbers), len(run) - 1)
    return bool((run[at] == numbers).any())


def _duplicates(
    client: Client, parts: list[tuple[Part, ...]], runs: list[np.ndarray], read_options: dict, show: bool
) -> list[dict]:
    """Per batch, the ids it holds that appear more than once over all batches, with their counts over all.

    Only the batches holding a number that occurs twice read their ids again, and only the
    ids with such a number come back: ids that share a number without being equal (a
    64-bit collision) are told apart by their text here.
    """
    repeated = _repeated_numbers(runs)
    found: list[dict] = [{} for _ in parts]
    suspects = [i for i, run in enumerate(runs) if _holds_any(run, repeated)]
    if not suspects:
        return found
    shared = client.scatter(repeated, broadcast=True)
    futures = client.map(
        _ids_numbered, [parts[i] for i in suspects], read_options=read_options, numbers=shared, pure=False
    )
    held = dict(zip(suspects, _wait(client, futures, show), strict=True))
    total: Counter = Counter()
    for ids in held.values():
        total.update(ids)
    for i, ids in held.items():
        found[i] = {k: total[k] for k in ids if total[k] > 1}
    return found


def _eligibility_part(
    batch: tuple[Part, ...],
    first_row: int,
    dup_counts: dict,
    as_of,
    pack: Pack,
    read_options: dict,
    out_dirs,
    numbers: bool = False,
) -> dict:
    """Eligibility of one batch, written to ``out_dirs`` (else returned); with ``numbers``, its ids' sorted numbers too."""
    frame = _read_batch(batch, read_options)
    result = local_eligibility(frame, as_of, pack, first_row=first_row, duplicates=dup_counts)
    counts = {str(k): int(v) for k, v in result.table["status"].value_counts().items()}
    stats = {"n": result.n_read, "rejected": len(result.rejects), "statuses": counts, "unknown": result.unknown_methods,
             "hints": dict(result.column_hints)}  # fmt: skip
    if numbers:
        stats["numbers"] = _sorted_numbers(text_column(frame, "order_id"))
    if out_dirs is None:
        return {**stats, "table": result.table, "rejects": result.rejects}
    name = f"part-{first_row:012d}.parquet"
    table_dir, rejects_dir = out_dirs
    write_table(result.table, Path(table_dir) / name)
    if rejects_dir is not None:
        write_table(result.rejects, Path(rejects_dir) / name)
    return stats


@dataclass(frozen=True)
class DaskEligibility:
    """What :func:`eligibility` did: counts, and the two tables when they were gathered."""

    n_read: int
    n_rejected: int
    statuses: dict
    unknown_methods: dict
    table: pd.DataFrame | None = None
    rejects: pd.DataFrame | None = None
    column_hints: dict = field(default_factory=dict)

    def summary(self) -> str:
        """The same line as :meth:`disputelib.windows.Eligibility.summary`."""
        line = summary_line(self.n_read, self.n_rejected, self.statuses, self.unknown_methods)
        return line + column_hints_note(self.column_hints)


def eligibility(
    client: Client,
    source: str | Path,
    as_of: AsOf,
    pack: Pack | str | None = None,
    *,
    out_dir: str | Path | None = None,
    rejects_dir: str | Path | None = None,
    read_options: dict | None = None,
    show_progress: bool = False,
    rows_per_part: int = ROWS_PER_PART,
) -> DaskEligibility:
    """:func:`disputelib.eligibility` on a cluster, for a file, a folder of Parquet files or a glob.

    Parameters
    ----------
    client
        A Dask client (see :func:`cluster`); every worker must be able to read ``source``
        and write ``out_dir``.
    source
        The order export: a file, a folder of ``.parquet`` files, or a glob.
    as_of, pack
        As for :func:`disputelib.eligibility`.
    out_dir, rejects_dir
        Folders to write as Parquet datasets, one file per task (a part, or small files read
        together), each published in one step; when ``out_dir`` is None the tables are
        gathered and returned instead.
    read_options
        ``sep``, ``decimal``, ``encoding``, ``columns`` as for :func:`disputelib.read_table`.
    show_progress
        Dask's progress bar on stderr.

    Returns
    -------
    DaskEligibility
        Counts for the summary line; with ``out_dir`` None, also ``table`` and ``rejects``
        in input order, exactly as the local engine gives them.
    """
    pack = load_dispute_pack(pack)
    options = dict(read_options or {})
    parts = _batches(parts_of(input_files(source), rows_per_part), rows_per_part)
    with _datasets([out_dir, rejects_dir]) as temps:
        out_dirs = None if out_dir is None else (str(temps[0]), None if rejects_dir is None else str(temps[1]))

        def run(which: list[int], offsets: list[int], dups: list[dict], numbers: bool) -> list[dict]:
            futures = client.map(
                _eligibility_part,
                [parts[i] for i in which],
                [offsets[i] for i in which],
                [dups[i] for i in which],
                as_of=as_of,
                pack=pack,
                read_options=options,
                out_dirs=out_dirs,
                numbers=numbers,
                pure=False,
            )
            return _wait(client, futures, show_progress)

        every = list(range(len(parts)))
        none: list[dict] = [{} for _ in parts]
        if all(p.rows is not None for b in parts for p in b):  # Parquet: each first row is known before reading
            offsets = _offsets([sum(p.rows or 0 for p in b) for b in parts])
            results = run(every, offsets, none, numbers=True)
            runs = [r.pop("numbers") for r in results]
        else:
            futures = client.map(_count_part, parts, read_options=options, pure=False)
            counted = _wait(client, futures, show_progress)
            offsets = _offsets([c["n"] for c in counted])
            runs = [c["numbers"] for c in counted]
            results = None
        dups = _duplicates(client, parts, runs, options, show_progress)
        del runs
        again = every if results is None else [i for i, d in enumerate(dups) if d]
        redone = dict(zip(again, run(again, offsets, dups, numbers=False), strict=True)) if again else {}
        results = [redone.get(i) or results[i] for i in every] if results is not None else [redone[i] for i in every]
    statuses: Counter = Counter()
    unknown: Counter = Counter()
    hints: dict = {}
    for r in results:
        statuses.update(r["statuses"])
        unknown.update(r["unknown"])
        hints.update({ours: theirs for ours, theirs in r["hints"].items() if ours not in hints})
    done = DaskEligibility(
        n_read=sum(r["n"] for r in results),
        n_rejected=sum(r["rejected"] for r in results),
        statuses=dict(statuses),
        unknown_methods={k: unknown[k] for k in sorted(unknown)},
        column_hints=hints,
    )
    if out_dir is not None:
        return done
    table = concat_parts([r["table"] for r in results])
    rejects = concat_parts([r["rejects"] for r in results])
    return DaskEligibility(**{**done.__dict__, "table": table, "rejects": rejects})


def _offsets(sizes: list[int]) -> list[int]:
    """The 1-based number of each part's first row in the whole input, from the parts' sizes."""
    return [1 + int(v) for v in np.cumsum([0, *sizes[:-1]])] if sizes else []


def concat_parts(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Parts one under the other, categorical columns staying categorical (their categories united)."""
    joined = pd.concat(frames, ignore_index=True)
    for name, dtype in frames[0].dtypes.items():
        columns = [f[name] for f in frames]
        if isinstance(dtype, pd.CategoricalDtype) and all(isinstance(c.dtype, pd.CategoricalDtype) for c in columns):
            united = pd.api.types.union_categoricals(columns)
            categories = pd.Index(united.categories, dtype=dtype.categories.dtype)
            united = pd.Categorical.from_codes(united.codes, categories=categories, ordered=dtype.ordered)
            joined[name] = pd.Series(united, index=joined.index, name=name)
    return joined


# --- outputs ------------------------------------------------------------------------------------


def is_dataset_path(value: str | None) -> bool:
    """True for ``--out DIR/`` (a trailing slash) or an existing folder: write a Parquet dataset."""
    return value is not None and (value.endswith(("/", os.sep)) or Path(value).is_dir())


@contextlib.contextmanager
def _datasets(targets: list[str | Path | None]) -> Iterator[list[Path | None]]:
    """Temporary sibling folders for ``targets``, renamed onto them when the block succeeds.

    An existing target folder is replaced (its old content removed after the rename);
    on an error or an interrupt the temporary folders go and the targets stay as they were.
    """
    temps: list[Path | None] = []
    locks = []
    try:
        for target in targets:
            if target is None:
                temps.append(None)
                continue
            out = Path(target).absolute()
            if out.exists() and not out.is_dir():
                raise TableError(f"cannot write into {str(target)!r}: it is a file, not a folder")
            if not out.parent.is_dir():
                raise TableError(f"cannot create folder {str(target)!r}: folder {str(out.parent)!r} does not exist")
            clean_stale(out.parent, f".{out.name}.tmp-*")
            tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
            try:
                locks.append((tmp, make_temp_folder(tmp)))
            except OSError as exc:
                raise TableError(f"cannot write into {str(target)!r}: {os_reason(exc)}") from None
            temps.append(tmp)
        yield temps
        with signals_held():
            for target, tmp in zip(targets, temps, strict=True):
                if target is None or tmp is None:
                    continue
                release_temp_folder(tmp, None)
                _replace_folder(tmp, Path(target).absolute())
    finally:
        for tmp, fd in locks:
            release_temp_folder(tmp, fd)
            shutil.rmtree(tmp, ignore_errors=True)


def _replace_folder(tmp: Path, out: Path) -> None:
    """Put the folder ``tmp`` at ``out``: a rename, or a swap of the two when ``out`` exists."""
    from disputelib.simulate.run import _exchange

    if not out.exists():
        os.rename(tmp, out)
        return
    try:
        _exchange(tmp, out)  # tmp now holds the old dataset, removed by the caller
    except OSError:
        old = out.parent / f".{out.name}.old-{secrets.token_hex(4)}"
        os.rename(out, old)
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)


# --- simulate -----------------------------------------------------------------------------------

SIMULATION_DATASETS = ("orders", "events", "disputes")


def _simulate_block(block: int, size: int, seed: int, sc, pk, start_at, observed_until, folders: dict) -> tuple:
    from disputelib.simulate.frames import _block
    from disputelib.simulate.run import _arrow_table

    frames = _block(seed, block, size, sc, pk, start_at, observed_until)
    for name, frame in zip(SIMULATION_DATASETS, frames, strict=True):
        pq.write_table(_arrow_table(frame), Path(folders[name]) / f"part-{block:06d}.parquet")
    return tuple(len(f) for f in frames)


def simulate(
    client: Client,
    n_orders: int,
    seed: int,
    out_dir: str | Path,
    scenario="default",
    pack: Pack | str | None = None,
    start: str = "2026-01-01",
    show_progress: bool = False,
) -> dict[str, int]:
    """:func:`disputelib.simulate` with one task per block of 65,536 orders, written as datasets.

    Writes ``DIR/orders/``, ``DIR/events/`` and ``DIR/disputes/``, each a Parquet dataset
    with one file per block (``part-000000.parquet``...), holding the same rows as the
    local run's three files. The three folders are built in a hidden sibling of ``DIR``
    and moved into ``DIR`` each in one step when every block is written.

    Returns
    -------
    dict
        Rows written: ``{"orders": n, "events": n, "disputes": n}``.
    """
    from disputelib.scenario import load_scenario
    from disputelib.simulate.run import _period
    from disputelib.simulate.streams import BLOCK_SIZE

    sc, pk = load_scenario(scenario), load_dispute_pack(pack)
    start_at, observed_until = _period(sc, pk, start)
    out = Path(out_dir)
    out.mkdir(exist_ok=True)
    n_blocks = max(1, -(-n_orders // BLOCK_SIZE))
    sizes = [min(BLOCK_SIZE, n_orders - b * BLOCK_SIZE) for b in range(n_blocks)]
    with _datasets([out / name for name in SIMULATION_DATASETS]) as temps:
        folders = {name: str(tmp) for name, tmp in zip(SIMULATION_DATASETS, temps, strict=True)}
        futures = client.map(
            _simulate_block,
            range(n_blocks),
            sizes,
            seed=seed,
            sc=sc,
            pk=pk,
            start_at=start_at,
            observed_until=observed_until,
            folders=folders,
            pure=False,
        )
        counts = _wait(client, futures, show_progress)
    return {name: sum(c[i] for c in counts) for i, name in enumerate(SIMULATION_DATASETS)}


# --- check-log ----------------------------------------------------------------------------------

#: Columns carried with the events through the shuffle: the row's number in the whole input,
#: and why the reader could not read it (None for a good row).
_ROW, _CUT = "_row", "_cut"
#: The columns whose text, where not valid UTF-8, makes a row unreadable (as :func:`disputelib.check_log` reads them).
_UNREADABLE_COLUMNS = ("dispute_id", "order_id", "event", "at")


def _event_headers(names: tuple[str, ...], read_options: dict, with_orders: bool) -> dict[str, str]:
    """A Parquet file's headers -> our names, after checking the required columns are there.

    The same matching and the same error as reading the whole file and conforming it.
    """
    from disputelib import audit

    empty = intake.conform(pd.DataFrame(columns=list(names)), intake.EVENTS, read_options.get("columns"))
    empty = intake.conform(empty, intake.EVENTS)
    audit._require(empty, with_orders)
    return dict(zip(names, empty.columns, strict=True))


def _read_parquet_share(share: tuple[Part, ...], read_options: dict, with_orders: bool, only) -> pd.DataFrame:
    """Parquet parts one under the other as one frame with our column names; of ``only`` (ours) just those.

    Joined as Arrow before turning into pandas, so a text column stays one categorical
    rather than becoming objects; parts whose columns differ in type are joined as pandas.
    """

    tables, matched = [], {}
    for part in share:
        file = pq.ParquetFile(part.path)
        names = tuple(file.schema_arrow.names)
        if names not in matched:  # the files of a dataset mostly share their headers
            matched[names] = _event_headers(names, read_options, with_orders)
        ours = matched[names]
        headers = None if only is None else [h for h in names if ours[h] in only]
        table = file.read_row_groups(list(part.row_groups or ()), columns=headers)
        tables.append(table.rename_columns([ours.get(h, h) for h in table.column_names]))
    try:
        table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        if only is not None:  # a column read only for its bad bytes: none, no need to turn it into pandas
            for name in set(only) & set(table.column_names) - {"dispute_id", "at"}:
                with contextlib.suppress(pa.ArrowInvalid):
                    table.column(name).validate(full=True)
                    table = table.drop_columns([name])
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        frames = [_arrow_frame(t) for t in tables]
        frame = pd.concat(frames, ignore_index=True)
        frame.attrs = {intake.NOT_UTF8_ATTR: sorted({c for f in frames for c in f.attrs[intake.NOT_UTF8_ATTR]})}
        return frame
    return _arrow_frame(table)


def _read_events(share: tuple[Part, ...], read_options: dict, with_orders: bool, only=None) -> pd.DataFrame:
    """A share of the event log as :func:`disputelib.check_log` reads it, the reader's notes in ``attrs``.

    ``only``: our names of the columns to read from Parquet (a CSV file is read whole).
    """
    from disputelib import audit

    if share[0].row_groups is not None:
        return _read_parquet_share(share, read_options, with_orders, only).reset_index(drop=True)
    (part,) = share
    frame = intake.conform(read_table(part.path, contract="events", **read_options), intake.EVENTS)
    audit._require(frame, with_orders)
    return frame.reset_index(drop=True)


def _unreadable(frame: pd.DataFrame) -> np.ndarray:
    """Why the reader could not read each row (objects, None for a good row), from its notes on the frame.

    The notes (rows cut short, columns not UTF-8) are positional and would not survive a
    shuffle, so there they travel as a column.
    """
    n = len(frame)
    why = np.full(n, None, dtype=object)
    for position, text in frame.attrs.get(intake.BAD_ROWS_ATTR, {}).items():
        if 0 <= position < n:
            why[position] = text
    for name in frame.attrs.get(intake.NOT_UTF8_ATTR, ()):
        if name in _UNREADABLE_COLUMNS and name in frame.columns:
            broken = text_column(frame, name).str.contains("\ufffd", regex=False).fillna(False).to_numpy(bool)
            why[broken & pd.isna(why)] = f"'{name}' is not valid UTF-8 text"
    return why


def _last_readable(frame: pd.DataFrame, zone: str, ids: pd.Series | None = None) -> int | None:
    """The latest ``at`` (ns UTC) of the rows :func:`disputelib.check_log` can read, None when none.

    The rows :func:`disputelib.audit._read` replays: a ``dispute_id``, a readable
    ``at`` from 1970 to 2199, and nothing the reader had to cut or could not decode.
    ``ids``: the ``dispute_id`` column as the log reader cleans it, when known.
    """
    from disputelib import audit

    safe_at, outside, _ = time_column(frame, "at")
    at, _ = to_instants(safe_at, zone)
    ids = audit._text(frame, "dispute_id") if ids is None else ids
    ok = ids.notna().to_numpy(bool) & ~np.isnat(at) & ~outside
    ok &= pd.isna(_unreadable(frame))
    return int(at[ok].astype("int64").max()) if ok.any() else None


@dataclass(frozen=True)
class _Scan:
    """What the first pass learns of a share: its rows, decimal mark, ``dispute_id`` range and last readable instant."""

    rows: int
    decimal: str
    ids: tuple[str, str] | None
    last: int | None


def _scan(share: tuple[Part, ...], read_options: dict, with_orders: bool, zone: str) -> _Scan:
    """The first pass over a share: of Parquet only the columns that say which rows are readable."""
    from disputelib import audit

    frame = _read_events(share, read_options, with_orders, only=_UNREADABLE_COLUMNS)
    ids = audit._text(frame, "dispute_id")
    return _Scan(len(frame), frame.attrs.get(intake.DECIMAL_ATTR, "."), _span(ids), _last_readable(frame, zone, ids))


def _id_range(frame: pd.DataFrame) -> tuple[str, str] | None:
    """The smallest and largest ``dispute_id`` of a part, as the log reader cleans them; None without ids."""
    from disputelib import audit

    return _span(audit._text(frame, "dispute_id"))


def _span(ids: pd.Series) -> tuple[str, str] | None:
    known = ids.dropna()
    return None if known.empty else (str(known.min()), str(known.max()))


def _disjoint(ranges: list[tuple[str, str] | None]) -> bool:
    """True when no two parts' id ranges overlap, so every dispute's events sit in one part.

    Examples
    --------
    >>> _disjoint([("D01", "D05"), None, ("D06", "D09")]), _disjoint([("D01", "D05"), ("D05", "D09")])
    (True, False)
    """
    known = sorted(r for r in ranges if r is not None)
    return all(before[1] < after[0] for before, after in itertools.pairwise(known))


def _check_share(
    share: tuple[Part, ...], first_row: int, read_options: dict, with_orders: bool, end, orders, pack: Pack
) -> dict:
    """Read a share that holds its disputes whole and check it: its findings and counts (the events are not kept)."""
    from disputelib import audit

    events = _read_events(share, read_options, with_orders)
    rows = np.arange(first_row, first_row + len(events), dtype=np.int64)
    log = audit._read(events, pack.timer_zone, row_numbers=rows)
    return _check_partition((events, log, rows), end, orders, pack)


#: The columns the checks read: the only ones a shuffle carries.
_CHECKED = ("dispute_id", "order_id", "event", "at", "amount_usd", "buyer_country")


def _numbered(share: tuple[Part, ...], first_row: int, read_options: dict, with_orders: bool) -> pd.DataFrame:
    """A share's rows for the shuffle: the columns the checks read, each row's number in the whole input and why it is unreadable.

    A column a file lacks is carried as missing values (the checks read both alike), so
    every share has the same columns.
    """
    frame = _read_events(share, read_options, with_orders)
    out = pd.DataFrame(
        {name: frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object) for name in _CHECKED}
    )
    out[_CUT] = pd.Series(_unreadable(frame), index=frame.index, dtype=object)
    out[_ROW] = np.arange(first_row, first_row + len(frame), dtype=np.int64)
    return out


def _no_rows(share: tuple[Part, ...], read_options: dict, with_orders: bool) -> pd.DataFrame:
    """The columns and types of :func:`_numbered`'s frames (read from the first share)."""
    return _numbered(share, 1, read_options, with_orders).iloc[:0]


def _check_shuffled(frame: pd.DataFrame, decimal: str, end, orders, pack: Pack) -> dict:
    """Check a partition of the shuffled log (a dispute's events all in it): findings and counts."""
    from disputelib import audit

    frame = frame.sort_values(_ROW, kind="stable").reset_index(drop=True)
    rows = frame[_ROW].to_numpy(np.int64)
    cut = frame[_CUT].to_numpy(object)
    events = frame.drop(columns=[_ROW, _CUT])
    events.attrs = {
        intake.DECIMAL_ATTR: decimal,
        intake.BAD_ROWS_ATTR: {int(i): cut[i] for i in np.flatnonzero(pd.notna(cut))},
    }
    log = audit._read(events, pack.timer_zone, row_numbers=rows)
    return _check_partition((events, log, rows), end, orders, pack)


#: The step of :func:`disputelib.check_log` that adds each rule's findings: reading 0, order in
#: time 1, the replay 2 (every rule not listed here), the orders 3, the refund promises 4.
#: A rule added outside the replay must be listed, or ties on one row are ordered wrongly.
_STEP = {"unreadable_row": 0, "out_of_order": 1, "unknown_order": 3, "opened_outside_window": 3}
_STEP |= {"claim_above_paid": 3, "late_refund": 4}
_REPLAY_STEP = 2
_ORDER = ["_first", "_row", "_step", "_rank", "_seq"]


def _check_partition(prepared: tuple, end: int | None, orders, pack: Pack) -> dict:
    """The rules on one partition: its findings with their sort keys, counts, and where each replay rule first hit.

    The local engine orders findings by dispute (first row in the log), row, then the order
    they were added in: the steps of :func:`disputelib.check_log` in turn, the replay's
    rules in the order of their first hit in the whole log. A partition knows its own
    first hits; the caller ranks them over all partitions.
    """
    from disputelib import audit

    events, log, rows = prepared
    r, findings = audit._check(events, log, orders, pack, end)
    first = np.full(len(log.ids) + 1, np.iinfo(np.int64).max, dtype=np.int64)  # the last one: no dispute_id
    np.minimum.at(first, log.key[log.key >= 0], rows[log.key >= 0])
    at = _finding_rows(findings)
    findings["_first"] = first[log.key[rows.searchsorted(at)]]
    findings["_row"] = at
    findings["_step"] = findings["rule"].map(_STEP).fillna(_REPLAY_STEP).astype("int64").to_numpy()
    findings["_seq"] = np.arange(len(findings), dtype=np.int64)
    firsts = {}
    p = r.problems
    if len(p):
        pos = p["pos"].to_numpy(np.int64)
        starts = np.flatnonzero(r.head)
        offset = pos - starts[np.searchsorted(starts, pos, side="right") - 1]
        hits = pd.DataFrame({"rule": p["rule"].to_numpy(object), "a": first[r.key[pos]], "b": offset})
        hits["c"] = np.arange(len(hits))
        for rule, row in hits.groupby("rule", sort=False).first().iterrows():
            firsts[str(rule)] = (int(row["a"]), int(row["b"]), int(row["c"]))
    counts = {str(k): int(v) for k, v in findings["rule"].value_counts().items()}
    return {"n": len(events), "disputes": len(log.ids), "counts": counts, "firsts": firsts, "findings": findings}


def _shuffled_checks(client: Client, shares, offsets, common: dict, decimal: str, end, orders, pack: Pack) -> list:
    """The checks of a log whose disputes span shares: read, shuffle on ``dispute_id``, check, as one graph.

    Dask's p2p shuffle moves the rows through the workers' disks, so no step holds the
    whole log; each check keeps only its findings.
    """
    import dask.dataframe as dd

    meta = client.submit(_no_rows, shares[0], **common, pure=False).result()
    log = dd.from_map(_numbered, shares, offsets, **common, meta=meta, enforce_metadata=False)
    shuffled = log.shuffle("dispute_id", npartitions=len(shares), method="p2p")
    check = dask.delayed(_check_shuffled, pure=False)
    return client.compute([check(d, decimal, end, orders, pack) for d in shuffled.to_delayed()])


def _stats_of(checked: dict) -> dict:
    return {k: v for k, v in checked.items() if k != "findings"}


def _in_local_order(findings: pd.DataFrame, ranks: dict) -> pd.DataFrame:
    """Findings in the local engine's order; ``ranks`` the replay rules' order of first hit."""
    out = findings.copy()
    out["_rank"] = np.where(out["_step"] == _REPLAY_STEP, out["rule"].map(ranks).fillna(0), 0).astype("int64")
    out = out.sort_values(_ORDER, kind="stable")
    return out.drop(columns=_ORDER).reset_index(drop=True)


def _write_findings(checked: dict, index: int, ranks: dict, out_dir: str) -> int:
    write_table(_in_local_order(checked["findings"], ranks), Path(out_dir) / f"part-{index:06d}.parquet")
    return len(checked["findings"])


def _findings_of(checked: dict) -> pd.DataFrame:
    return checked["findings"]


def _finding_rows(findings: pd.DataFrame) -> np.ndarray:
    """The input row each finding names: every message starts ``row N:``."""
    return findings["message"].str.extract(r"^row (\d+):", expand=False).astype("int64").to_numpy()


@dataclass(frozen=True)
class DaskAudit:
    """What :func:`check_log` found: counts, and the findings when they were gathered."""

    n_events: int
    n_disputes: int
    counts: dict
    pack: str
    findings: pd.DataFrame | None = None

    def at_or_above(self, severity: str) -> int:
        """Findings of ``severity`` or worse, as :meth:`disputelib.audit.AuditResult.at_or_above`."""
        from disputelib.audit import RULES, SEVERITIES

        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
        worse = SEVERITIES[: SEVERITIES.index(severity) + 1]
        return sum(n for rule, n in self.counts.items() if RULES[rule] in worse)

    def summary(self) -> str:
        """The same line as :meth:`disputelib.audit.AuditResult.summary`."""
        from disputelib.audit import summary_line as audit_summary

        return audit_summary(self.n_events, self.n_disputes, self.pack, self.counts)


def check_log(
    client: Client,
    source: str | Path,
    orders: pd.DataFrame | None = None,
    pack: Pack | str | None = None,
    as_of: AsOf | None = None,
    *,
    out_dir: str | Path | None = None,
    read_options: dict | None = None,
    show_progress: bool = False,
    rows_per_part: int = ROWS_PER_PART,
) -> DaskAudit:
    """:func:`disputelib.check_log` on a cluster, for a file, a folder of Parquet files or a glob.

    A first pass reads of every share of the input (a few Parquet files or row groups up
    to ``rows_per_part`` rows, or a CSV file) the columns that say which rows are readable,
    for the log's end; a second checks each share with the local engine's code, the events
    read there and dropped, only the findings kept. When a dispute's events sit in several
    shares, the second pass shuffles the rows on ``dispute_id`` first, each row carrying
    its number in the whole input (the files in name order, then their rows). The orders
    are validated once, here, and the small table sent to every worker once.

    Parameters
    ----------
    client
        A Dask client (see :func:`cluster`); every worker must be able to read ``source``
        and write ``out_dir``.
    source
        The event log: a file, a folder of ``.parquet`` files, or a glob.
    orders, pack, as_of
        As for :func:`disputelib.check_log` (``orders`` a pandas frame).
    out_dir
        A folder to write the findings to as a Parquet dataset, one file per share (each in
        the local engine's order), published in one step; when None the findings are
        gathered and returned.
    read_options
        ``sep``, ``decimal``, ``encoding``, ``columns`` as for :func:`disputelib.read_table`.
    show_progress
        Dask's progress bar on stderr.
    rows_per_part
        Rows a task reads at most, in whole Parquet row groups (a CSV file is read whole);
        fewer when that gives fewer than four tasks per worker thread.

    Returns
    -------
    DaskAudit
        Counts for the summary line; with ``out_dir`` None, also ``findings`` in the local
        engine's order (by dispute, first appearance in the log, then row).

    Raises
    ------
    DaskInputError
        When the CSV files read with different decimal marks.
    disputelib.audit.LogColumnsError, disputelib.clock.AsOfError
        As :func:`disputelib.check_log`.
    """
    from disputelib import audit

    pack = load_dispute_pack(pack)
    options = dict(read_options or {})
    parts = parts_of(input_files(source), rows_per_part)
    # a few shares per worker thread, so that the last ones to finish finish together
    threads = sum(client.nthreads().values()) or 1
    at_most = min(rows_per_part, -(-sum(p.rows or 0 for p in parts) // (4 * threads)))  # 4 tasks a worker at least
    shares = _batches(parts, at_most, one_schema=False)
    with_orders = orders is not None
    scans = client.map(_scan, shares, read_options=options, with_orders=with_orders, zone=pack.timer_zone, pure=False)
    scans = _wait(client, scans, show_progress)
    decimals = {s.decimal for s in scans}
    if len(decimals) > 1:
        raise DaskInputError(f"the files of {str(source)!r} use different decimal marks: give --decimal (decimal= in read_options)")
    offsets = [int(o) for o in np.cumsum([1] + [s.rows for s in scans])[:-1]]
    lasts = [s.last for s in scans if s.last is not None]
    last = max(lasts) if lasts else None
    end = audit._checked_end(as_of, last, pack)
    end = last if end is None else end
    table = None
    if orders is not None and end is not None:
        table = client.scatter([audit._orders_table(orders, audit._last_day(end, pack), pack)], broadcast=True)[0]
    common = {"read_options": options, "with_orders": with_orders}
    if _disjoint([s.ids for s in scans]):  # no dispute spans two shares (a dataset written per block): no shuffle
        checked = client.map(_check_share, shares, offsets, **common, end=end, orders=table, pack=pack, pure=False)
    else:
        checked = _shuffled_checks(client, shares, offsets, common, decimals.pop(), end, table, pack)
    results = _wait(client, client.map(_stats_of, checked, pure=False), show_progress)
    firsts: dict = {}
    for r in results:
        for rule, hit in r["firsts"].items():
            firsts[rule] = min(hit, firsts.get(rule, hit))
    ranks = {rule: i for i, rule in enumerate(sorted(firsts, key=firsts.__getitem__))}
    counts: Counter = Counter()
    for r in results:
        counts.update(r["counts"])
    done = DaskAudit(
        n_events=sum(r["n"] for r in results),
        n_disputes=sum(r["disputes"] for r in results),
        counts=dict(counts),
        pack=pack.name,
    )
    if out_dir is not None:
        with _datasets([out_dir]) as temps:
            written = client.map(
                _write_findings, checked, range(len(checked)), ranks=ranks, out_dir=str(temps[0]), pure=False
            )
            _wait(client, written, show_progress)
        return done
    findings = pd.concat(client.gather(client.map(_findings_of, checked, pure=False)), ignore_index=True)
    findings = _in_local_order(findings, ranks)
    return DaskAudit(**{**done.__dict__, "findings": findings})

"""The batch commands on Dask: :func:`eligibility` and :func:`simulate` over many parts, same answers.

Import this module only to run on Dask (``--engine dask``); the rest of the package never
imports Dask. The functions take file paths rather than Dask DataFrames: each task reads
its own part of the input (a Parquet row group, or one file), runs the same pandas code
as the local engine on it, and writes its own part of the output, so only counts and the
duplicate order ids travel over the network.

``eligibility`` makes two passes: the first reads every part's ``order_id`` and counts
them across all parts (a groupby size), the second validates each part knowing the
``order_id``\\ s that appear more than once anywhere, and the 1-based row number of its
first row in the whole input (the files in name order, then their rows).
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dask
import pandas as pd
import pyarrow.parquet as pq
from distributed import Client, LocalCluster, progress

from disputelib import intake
from disputelib.columns import text_column
from disputelib.paths import clean_stale, make_temp_folder, os_reason, release_temp_folder, signals_held
from disputelib.policy import Pack, load_pack
from disputelib.tables import TableError, _read_parquet, read_table, table_format, write_table
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
    # pandas dtypes as the local engine has them; the id count's shuffle as plain tasks (small, few parts)
    settings = {"dataframe.convert-string": False, "dataframe.shuffle.method": "tasks"}
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
            yield client


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


def _ids_of(part: Part, read_options: dict) -> pd.DataFrame:
    """A part's order ids as cleaned (missing ones included: the part's length counts them).

    Of a Parquet part only the id column is read.
    """
    if part.row_groups is None:
        frame = _read_part(part, read_options)
    else:
        header = _id_header(part.path, read_options)
        if header is None:  # the second pass says which column is missing
            return pd.DataFrame({"order_id": pd.array([pd.NA] * (part.rows or 0), dtype="string")})
        frame = _read_parquet(Path(part.path), list(part.row_groups), [header])
        frame = frame.rename(columns={header: "order_id"})
    return pd.DataFrame({"order_id": text_column(frame, "order_id").to_numpy()}, dtype="string")


def _first_pass(client: Client, parts: list[Part], read_options: dict, show: bool) -> tuple[list[int], dict]:
    """Rows per part, and every order id that appears more than once over all parts with its count.

    The count is a groupby size computed on the cluster (split over as many outputs as
    there are parts), so only the repeated ids come back, never the whole id column.
    """
    import dask.dataframe as dd

    meta = pd.DataFrame({"order_id": pd.Series(dtype="string")})
    ids = dd.from_map(_ids_of, parts, read_options=read_options, meta=meta, enforce_metadata=False)
    sizes = ids["order_id"].value_counts(split_out=max(1, len(parts) // 4), dropna=True)
    lengths = ids.map_partitions(len, meta=(None, "int64"))
    futures = client.compute([lengths, sizes[sizes > 1]])
    n_rows, repeated_ids = _wait(client, futures, show)
    return [int(v) for v in n_rows], {str(k): int(v) for k, v in repeated_ids.items()}


def _eligibility_part(
    part: Part, first_row: int, dup_counts: dict, as_of, pack: Pack, read_options: dict, out_dirs
) -> dict:
    frame = _read_part(part, read_options)
    result = local_eligibility(frame, as_of, pack, first_row=first_row, duplicates=dup_counts)
    counts = {str(k): int(v) for k, v in result.table["status"].value_counts().items()}
    stats = {"n": result.n_read, "rejected": len(result.rejects), "statuses": counts, "unknown": result.unknown_methods}
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

    def summary(self) -> str:
        """The same line as :meth:`disputelib.windows.Eligibility.summary`."""
        return summary_line(self.n_read, self.n_rejected, self.statuses, self.unknown_methods)


def eligibility(
    client: Client,
    source: str | Path,
    as_of,
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
        Folders to write as Parquet datasets, one file per part, each published in one
        step; when ``out_dir`` is None the tables are gathered and returned instead.
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
    pack = load_pack(pack)
    options = dict(read_options or {})
    parts = parts_of(input_files(source), rows_per_part)
    n_rows, repeated_ids = _first_pass(client, parts, options, show_progress)
    dup_counts = client.scatter([repeated_ids], broadcast=True)[0]
    offsets, row = [], 1
    for n in n_rows:
        offsets.append(row)
        row += n
    with _datasets([out_dir, rejects_dir]) as temps:
        out_dirs = None if out_dir is None else (str(temps[0]), None if rejects_dir is None else str(temps[1]))
        futures = client.map(
            _eligibility_part,
            parts,
            offsets,
            dup_counts=dup_counts,
            as_of=as_of,
            pack=pack,
            read_options=options,
            out_dirs=out_dirs,
            pure=False,
        )
        results = _wait(client, futures, show_progress)
    statuses: Counter = Counter()
    unknown: Counter = Counter()
    for r in results:
        statuses.update(r["statuses"])
        unknown.update(r["unknown"])
    done = DaskEligibility(
        n_read=sum(r["n"] for r in results),
        n_rejected=sum(r["rejected"] for r in results),
        statuses=dict(statuses),
        unknown_methods={k: unknown[k] for k in sorted(unknown)},
    )
    if out_dir is not None:
        return done
    table = concat_parts([r["table"] for r in results])
    rejects = concat_parts([r["rejects"] for r in results])
    return DaskEligibility(**{**done.__dict__, "table": table, "rejects": rejects})


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

    sc, pk = load_scenario(scenario), load_pack(pack)
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

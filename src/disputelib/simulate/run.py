"""Running a simulation: :func:`simulate` (the block loop and its progress bar), :class:`Simulation`
and :func:`write_simulation`."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from disputelib.clock import AsOf, midnight_after, parse_as_of
from disputelib.errors import DisputelibError
from disputelib.paths import clean_stale, make_temp_folder, os_reason, release_temp_folder, signals_held
from disputelib.policy import Pack, load_dispute_pack
from disputelib.scenario import Scenario
from disputelib.scenario import load_scenario as _load_scenario
from disputelib.simulate.frames import _block
from disputelib.simulate.streams import BLOCK_SIZE
from disputelib.simulate.times import _UNIT, _start_of
from disputelib.tables import TableError


@dataclass(frozen=True, eq=False)
class Simulation:
    """Simulated orders, dispute events and disputes.

    Attributes
    ----------
    orders
        The order export (the input columns of ``disputelib eligibility``) plus the hidden
        truth: ``store_id``, ``ordered_at``, ``delivered_at``, ``n_items``,
        ``item_prices`` (list of US$), ``problem_item_index`` (0-based position of the
        missing, damaged... item; <NA> when none), ``what_went_wrong``, ``strategy``,
        ``filmed_unboxing``, ``seller_fix`` (what a seller the buyer talked to first did:
        ``none``, ``reship``, ``refund`` or ``gift``; <NA> when the buyer did not talk to
        the seller), ``seller_fix_at`` (when the fix reached the buyer: the money for a
        refund, the parcel for a reship, the seller's agreement for a gift; NaT without a
        fix), ``seller_fix_usd`` (money the seller returned outside a dispute: the refund,
        0 for a reship, a gift or no fix) and ``dispute_id`` (<NA> when no dispute was
        opened by ``observed_until``). Like ``delivered_at``, the hidden truth is not cut
        at ``observed_until``: a ``seller_fix_at`` after it is a fix still on its way then.
    events
        ``dispute_id``, ``order_id``, ``event``, ``at`` (UTC), ``amount_usd``.
    disputes
        One row per dispute opened by ``observed_until``, columns :data:`DISPUTE_COLUMNS`;
        disputes still under negotiation then have path and outcome ``pending``.
    observed_until
        The end of the simulated period (UTC): 00:00 in the pack's timer zone of the day
        after the last observed day, the end of that day for ``check-log --as-of``.
    scenario, pack, seed
        What produced the data.
    """

    orders: pd.DataFrame
    events: pd.DataFrame
    disputes: pd.DataFrame
    observed_until: pd.Timestamp
    scenario: str
    pack: str
    seed: int
    meta: Mapping[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def as_of(self) -> dt.date:
        """The last observed day: ``check_log(sim.events, as_of=sim.as_of)`` judges the log to ``observed_until``."""
        zone = load_dispute_pack(self.pack).timer_zone
        return (self.observed_until - pd.Timedelta(1, "ns")).tz_convert(zone).date()

    def summary(self) -> str:
        """One line: orders, disputes, events."""
        return f"{len(self.orders)} orders, {len(self.disputes)} disputes, {len(self.events)} events"


def _progress(progress: bool | None, total: int):
    show = sys.stderr.isatty() if progress is None else progress
    if not show or total <= 1:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="block", desc="simulate", file=sys.stderr)


class SimulationArgumentError(DisputelibError, ValueError):
    """An order count or seed a simulation cannot use; the message is one sentence."""


def check_arguments(n_orders: object, seed: object) -> None:
    """Check a simulation's order count and seed, as the command line and the notebooks need.

    Parameters
    ----------
    n_orders, seed
        Whole numbers, zero or more (``bool`` is refused).

    Raises
    ------
    SimulationArgumentError
        Naming the argument and the value.

    Examples
    --------
    >>> check_arguments(20_000, 7)
    >>> check_arguments(-1, 7)
    Traceback (most recent call last):
    ...
    disputelib.simulate.run.SimulationArgumentError: n_orders must be a whole number, zero or more, not -1
    """
    for name, value in (("n_orders", n_orders), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise SimulationArgumentError(f"{name} must be a whole number, zero or more, not {value!r}")


def simulate(
    n_orders: int,
    seed: int,
    scenario: str | Path | Scenario = "default",
    pack: str | Path | Pack | None = None,
    start: AsOf = "2026-01-01",
    progress: bool | None = None,
) -> Simulation:
    """Simulate orders and their disputes, reproducibly.

    Parameters
    ----------
    n_orders
        Orders to simulate (numbered ``O000000000`` upwards).
    seed
        Seed of every random stream (a non-negative integer).
    scenario
        Scenario name, path or object (see :func:`disputelib.scenario.load_scenario`).
    pack
        Rule pack name, path or object; the default pack when None.
    start
        First day orders are placed, ``YYYY-MM-DD``: the period starts at 00:00 of that
        day in the pack's timer zone and is observed for ``period_days`` +
        ``observation_tail_days`` days, to ``observed_until`` (00:00 in that zone of the
        day after the last observed day).
    progress
        Show a progress bar per block: None shows it when stderr is a terminal.

    Returns
    -------
    Simulation
        ``orders``, ``events`` and ``disputes`` frames (see :class:`Simulation`).

    Raises
    ------
    ValueError
        :class:`SimulationArgumentError` for a negative or non-integer ``n_orders`` or
        ``seed``; :class:`~disputelib.clock.AsOfError` for a ``start`` that is not a date.
    SimulationError
        If a simulated step broke the pack's transition table (a defect, never expected).

    Examples
    --------
    >>> sim = simulate(2_000, seed=7, scenario="seed-story")
    >>> sim.orders["n_items"].unique().tolist()
    [18]
    """
    check_arguments(n_orders, seed)
    sc = _load_scenario(scenario)
    pk = load_dispute_pack(pack)
    start_at, observed_until = _period(sc, pk, start)
    n_blocks = -(-n_orders // BLOCK_SIZE)
    parts = []
    bar = _progress(progress, n_blocks)
    began = time.perf_counter()
    for block in range(n_blocks):
        size = min(BLOCK_SIZE, n_orders - block * BLOCK_SIZE)
        parts.append(_block(seed, block, size, sc, pk, start_at, observed_until))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    if not parts:
        parts.append(_block(seed, 0, 0, sc, pk, start_at, observed_until))
    orders, events, disputes = (pd.concat(p, ignore_index=True) for p in zip(*parts, strict=True))
    return Simulation(
        orders=orders,
        events=events,
        disputes=disputes,
        observed_until=pd.Timestamp(observed_until).tz_localize("UTC"),
        scenario=sc.name,
        pack=pk.name,
        seed=seed,
        meta={"seconds": time.perf_counter() - began, "blocks": n_blocks},
    )


def _period(sc: Scenario, pk: Pack, start: AsOf) -> tuple[np.datetime64, np.datetime64]:
    """The instants (UTC, naive) the simulated period starts and its observation ends."""
    first_day = np.datetime64(parse_as_of(start, "start"), "D")
    # the period is whole calendar days in the pack's timer zone, as check-log --as-of reads them
    last_day = first_day + np.timedelta64(sc.meta.period_days + sc.meta.observation_tail_days - 1, "D")
    start_at = _start_of(np.array([first_day]), pk.timer_zone)[0]
    observed_until = midnight_after(np.array([last_day]), pk.timer_zone).tz_convert("UTC").tz_localize(None)
    return start_at, observed_until.to_numpy(_UNIT)[0]


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    """An Arrow table whose pandas metadata every reader understands.

    ``pandas.read_parquet`` cannot rebuild a ``list<double>[pyarrow]`` column from its
    stored type name, so list columns are described as ``object``: they read back as
    arrays of numbers.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = json.loads(table.schema.metadata[b"pandas"])
    for column in meta["columns"]:
        if str(column.get("numpy_type", "")).startswith("list<"):
            column["numpy_type"] = "object"
    return table.replace_schema_metadata({**table.schema.metadata, b"pandas": json.dumps(meta).encode()})


#: The files :func:`write_simulation` writes, as one set.
SIMULATION_FILES = ("orders.parquet", "events.parquet", "disputes.parquet")
_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders in one atomic step (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    Raises
    ------
    OSError
        When the system cannot do it (another OS, an old kernel or file system).
    """
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _publish(tmp: Path, out: Path) -> None:
    """Make the folder ``tmp`` (holding the three files) appear as ``out`` in one step.

    The other entries of ``out`` are carried over as hard links (symlinks are copied)
    before the two folders are swapped, so only the three files change and nothing of
    the user's ever lives only in ``tmp``. Where the folder cannot be swapped (a
    subfolder in it, a file system without hard links or ``renameat2``), the three files
    are replaced one by one, each atomically.
    """
    if not out.exists():
        os.rename(tmp, out)
        return
    others = [e for e in out.iterdir() if e.name not in SIMULATION_FILES]
    try:
        for entry in others:
            if entry.is_dir() and not entry.is_symlink():
                raise OSError(errno.EISDIR, "a subfolder cannot be linked")
            if entry.is_symlink():
                os.symlink(os.readlink(entry), tmp / entry.name)
            else:
                os.link(entry, tmp / entry.name)
        _exchange(tmp, out)
    except OSError:
        for name in SIMULATION_FILES:
            os.replace(tmp / name, out / name)
    # tmp now holds the old folder (exchanged) or links to out's files: nothing only there
    shutil.rmtree(tmp, ignore_errors=True)


def write_simulation(sim: Simulation, out_dir: str | Path) -> dict[str, Path]:
    """Write ``orders.parquet``, ``events.parquet`` and ``disputes.parquet`` into a folder, as one set.

    The three files are written into a hidden sibling folder (``.DIR.tmp-*``), which then
    replaces ``DIR`` in one atomic step (the folder's other files are kept). A reader sees
    either the old set or the new one, never new orders beside old events, and an
    interrupted run leaves only its hidden folder, which the next run removes.

    Parameters
    ----------
    sim
        A :class:`Simulation`.
    out_dir
        Folder, created when missing (its parent must exist).

    Returns
    -------
    dict
        ``{"orders": path, "events": path, "disputes": path}``.

    Raises
    ------
    TableError
        When the folder cannot be created or a file cannot be written.
    """
    given = Path(out_dir)
    out = given.resolve() if given.is_symlink() else given.absolute()
    parent = out.parent
    if out.exists() and not out.is_dir():
        raise TableError(f"cannot write into {str(given)!r}: it is a file, not a folder")
    if not parent.is_dir():
        raise TableError(f"cannot create folder {str(given)!r}: folder {str(parent)!r} does not exist")
    clean_stale(parent, f".{out.name}.tmp-*")
    tmp = parent / f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    lock = None
    try:
        try:
            lock = make_temp_folder(tmp)
        except OSError as exc:
            raise TableError(f"cannot write into {str(given)!r}: {os_reason(exc)}") from None
        for name in SIMULATION_FILES:
            pq.write_table(_arrow_table(getattr(sim, name.removesuffix(".parquet"))), tmp / name)
        release_temp_folder(tmp, None)
        with signals_held():
            _publish(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise TableError(f"cannot write the simulation into {str(given)!r}: {os_reason(exc)}") from None
    except BaseException:  # a signal even while the hidden folder is being made: nothing is left behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        release_temp_folder(tmp, lock)
    return {name.removesuffix(".parquet"): given / name for name in SIMULATION_FILES}

"""The Dask engine (a local cluster of worker processes) against the local engine, in one run.

For ``simulate`` (orders, events and disputes simulated and written to Parquet), then
``eligibility`` (the simulated orders read back, checked and written to Parquet) and
``check-log`` (the simulated events read back and replayed, findings written), prints each
engine's time, throughput (orders/s; events/s for check-log), the ratio of the two and the
peak resident memory of this process and all its children together (the workers), sampled
every 10 ms. The cluster's start is timed apart and not counted.

    python bench/bench_dask.py [--orders 2000000] [--workers 2] [--dask-only]
                               [--only eligibility,check-log] [--data DIR] [--repeat 1]

``--dask-only`` skips the local engine: the out-of-core run (``--orders 100000000``), where
only the peak memory and the time matter. ``--only`` times only the commands named (the
data is still simulated first, untimed, when a later command needs it); ``--data DIR``
keeps the simulated data in ``DIR`` and reuses it on the next run with the same
``--orders`` and ``--seed``; ``--repeat N`` runs each timed command N times and shows the
run of median time (and the highest peak). The CPU time of all processes is shown beside
the wall time: on a machine where other jobs run, it is the figure their load does not
inflate.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil

import disputelib as dl
from disputelib import distributed

AS_OF = "2026-06-01"
COMMANDS = ("simulate", "eligibility", "check-log")


class PeakRSS:
    """Peak resident memory of this process and its children (the cluster's workers), together."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _total(self, children: list[psutil.Process]) -> int:
        total = self.me.memory_info().rss
        for child in children:
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _watch(self) -> None:
        # Listing the children scans every process of the machine (1 ms): done every 0.5 s, not
        # at every sample, since this thread shares the GIL with the command (and the scheduler)
        children, listed = [], 0.0
        while not self._stop.wait(0.01):
            if time.monotonic() - listed > 0.5:
                children, listed = self.me.children(recursive=True), time.monotonic()
            self.peak = max(self.peak, self._total(children))

    def __enter__(self) -> PeakRSS:
        self.peak = self._total(self.me.children(recursive=True))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """CPU time (user + system) used so far by this process and its living children (the workers)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def timed(func) -> tuple[float, float, float]:
    """Seconds, CPU seconds and peak MB (all processes) of one call."""
    with PeakRSS() as rss:
        cpu = cpu_seconds()
        start = time.perf_counter()
        func()
        seconds = time.perf_counter() - start
        cpu = cpu_seconds() - cpu
    return seconds, cpu, rss.peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2_000_000, help="orders simulated, then checked")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dask-only", action="store_true", help="skip the local engine (out-of-core runs)")
    parser.add_argument("--only", default=",".join(COMMANDS), help="commands to time, comma-separated")
    parser.add_argument("--data", type=Path, help="a folder to keep the simulated data in and reuse")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each command: the median is shown (peak: the highest)")
    args = parser.parse_args()
    only = [c.strip() for c in args.only.split(",") if c.strip()]
    if unknown := sorted(set(only) - set(COMMANDS)):
        parser.error(f"--only: unknown command(s) {', '.join(unknown)}; choose from {', '.join(COMMANDS)}")
    n = args.orders
    keep = args.data is not None
    folder = args.data / f"orders-{n}-seed-{args.seed}" if keep else Path(tempfile.mkdtemp(prefix="bench-dask-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = []

    def local_simulate() -> None:
        dl.write_simulation(dl.simulate(n, seed=args.seed, progress=False), folder / "local")

    def local_eligibility() -> None:
        result = dl.eligibility(dl.read_table(folder / "local" / "orders.parquet", contract="orders"), AS_OF)
        dl.write_table(result.table, folder / "local-eligibility.parquet")
        dl.write_table(result.rejects, folder / "local-eligibility.rejects.parquet")

    def local_check_log() -> None:
        events = dl.read_table(folder / "local" / "events.parquet", contract="events")
        dl.write_table(dl.check_log(events).findings, folder / "local-findings.parquet")

    def run(command: str, engine: str, func) -> None:
        runs = [timed(func) for _ in range(args.repeat)]
        seconds, cpu, _ = sorted(runs)[len(runs) // 2]
        rows.append((command, engine, seconds, cpu, max(peak for _, _, peak in runs)))

    def run_engine(engine: str, commands: dict, simulated: bool) -> None:
        """Time the commands asked for; simulate untimed first when a later one needs data not yet there."""
        if "simulate" in only:
            run("simulate", engine, commands["simulate"])
        elif not simulated:
            commands["simulate"]()
        for command in COMMANDS[1:]:
            if command in only:
                run(command, engine, commands[command])

    if not args.dask_only:
        on_local = {"simulate": local_simulate, "eligibility": local_eligibility, "check-log": local_check_log}
        run_engine("local", on_local, (folder / "local" / "events.parquet").exists())
    began = time.perf_counter()
    with distributed.cluster(workers=args.workers) as client:
        client.run(lambda: __import__("disputelib.windows"))  # imports done before the clock starts
        started = time.perf_counter() - began

        def dask_simulate() -> None:
            distributed.simulate(client, n, args.seed, folder / "dask")

        def dask_eligibility() -> None:
            distributed.eligibility(
                client,
                folder / "dask" / "orders",
                AS_OF,
                out_dir=folder / "dask-eligibility",
                rejects_dir=folder / "dask-eligibility.rejects",
            )

        def dask_check_log() -> None:
            distributed.check_log(client, folder / "dask" / "events", out_dir=folder / "dask-findings")

        if "simulate" in only:  # timed from an empty folder, as the local run is
            shutil.rmtree(folder / "dask", ignore_errors=True)
        on_dask = {"simulate": dask_simulate, "eligibility": dask_eligibility, "check-log": dask_check_log}
        run_engine("dask", on_dask, (folder / "dask" / "events").is_dir())
    import pyarrow.dataset as ds

    n_events = ds.dataset(folder / "dask" / "events", format="parquet").count_rows()
    print(f"{n:,} orders, {n_events:,} events; Dask: a local cluster of {args.workers} worker processes, "
          f"started in {started:.1f} s")  # fmt: skip
    print("peak MB = resident memory of this process and its workers together, at its highest")
    print("cpu s = CPU time (user + system) of this process and its workers: what the machine's load does not inflate")
    print(f"{'command':<12} {'engine':<6} {'seconds':>8} {'rows/s':>11} {'vs local':>9} {'cpu s':>7} {'peak MB':>8}")
    local = {cmd: s for cmd, engine, s, _, _ in rows if engine == "local"}
    for cmd, engine, seconds, cpu, peak in rows:
        count = n_events if cmd == "check-log" else n
        ratio = f"{local[cmd] / seconds:>8.2f}x" if cmd in local else f"{'-':>9}"
        print(f"{cmd:<12} {engine:<6} {seconds:>8.2f} {count / seconds:>11,.0f} {ratio} {cpu:>7.1f} {peak:>8,.0f}")
    for output in ("local-eligibility.parquet", "local-eligibility.rejects.parquet", "local-findings.parquet"):
        (folder / output).unlink(missing_ok=True)
    for output in ("dask-eligibility", "dask-eligibility.rejects", "dask-findings"):
        shutil.rmtree(folder / output, ignore_errors=True)
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

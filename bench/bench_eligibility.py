"""Eligibility throughput beside a bare-numpy floor, at 1M and 10M orders.

The floor does the same date arithmetic (protection days by country, window opens and
closes, status, days left, the deadline instant) on ready numpy arrays, with no
validation, no time-zone placement and no text. Each size runs in its own process, in
which the floor and ``dl.eligibility`` take turns, so that each ratio compares two runs
made under the same load; peak memory is sampled while eligibility runs (the floor's
runs are not counted). Prints rows/s (medians of the repeats), the median of the
per-repeat ratios (wall-clock time, and CPU time, which the other work on a shared
machine disturbs less), peak memory and the load average.

    python bench/bench_eligibility.py [--sizes 1000000 10000000] [--repeats 5] [--csv]

With ``--csv`` the export is first written as a CSV file, and each run times reading it
with :func:`disputelib.read_table` (dialect sniffing, header matching) plus eligibility:
the path an analyst's own export takes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.compute as pc

COUNTRIES = np.array(["US", "RU", "BR", "KR", "DE", "FR", "ES"])
ZONES = np.array(
    [
        "America/New_York",
        "Europe/Moscow",
        "America/Sao_Paulo",
        "Asia/Seoul",
        "Europe/Berlin",
        "Europe/Paris",
        "Europe/Madrid",
    ]
)
METHODS = np.array(["Visa", "MasterCard", "PayPal", "Alipay", "Russian Post", "Western Union", "T/T", "Wire transfer"])
PROBLEMS = np.array(["not_received", "missing_items", "damaged", "not_as_described"])
AS_OF = np.datetime64("2026-06-01", "D")


def _ids(n: int) -> pa.Array:
    """Order ids O0 .. O{n-1} built in Arrow, without a Python string per row."""
    digits = pc.cast(pa.array(np.arange(n)), pa.string())
    return pc.binary_join_element_wise(pa.scalar("O"), digits, "")


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    """A typed order export (as read from Parquet) with n rows."""
    rng = np.random.default_rng(seed)
    shipped = np.datetime64("2026-01-01", "D") + rng.integers(0, 200, n).astype("timedelta64[D]")
    transit = rng.integers(5, 80, n)
    received = (shipped + transit.astype("timedelta64[D]")).astype("datetime64[s]")
    received[transit > 60] = np.datetime64("NaT")
    where = rng.integers(0, len(COUNTRIES), n, dtype="int8")
    amount = np.round(rng.gamma(2.0, 15.0, n) + 0.5, 2)
    return pd.DataFrame(
        {
            "order_id": pd.Series(pd.arrays.ArrowStringArray(_ids(n))),
            "amount_usd": amount,
            "payment_method": pd.Categorical.from_codes(rng.integers(0, len(METHODS), n), categories=METHODS),
            "shipped_at": shipped.astype("datetime64[s]"),
            "received_at": received,
            "buyer_country": pd.Categorical.from_codes(where, categories=COUNTRIES),
            "buyer_timezone": pd.Categorical.from_codes(where, categories=ZONES),
            "problem": pd.Categorical.from_codes(rng.integers(-1, len(PROBLEMS), n), categories=PROBLEMS),
        }
    )


def floor(frame: pd.DataFrame) -> np.ndarray:
    """The same date arithmetic on bare arrays: the fastest this could be."""
    shipped = frame["shipped_at"].to_numpy().astype("datetime64[D]")
    received = frame["received_at"].to_numpy().astype("datetime64[D]")
    codes = frame["buyer_country"].cat.codes.to_numpy()
    days = np.array([60, 90, 120, 60, 60, 60, 60])[codes].astype("timedelta64[D]")
    ends = shipped + days
    completed = np.where(np.isnat(received), ends, np.minimum(received, ends))
    opens = shipped + np.timedelta64(10, "D")
    closes = completed + np.timedelta64(15, "D")
    status = np.select([AS_OF < opens, AS_OF > closes], [1, 3], default=2)
    days_left = np.where(status == 2, (closes - AS_OF).astype("int64"), -1)
    deadline = (closes + np.timedelta64(1, "D")).astype("datetime64[s]") + np.timedelta64(8, "h")
    return np.stack([status, days_left, deadline.astype("int64")])


class PeakRSS:
    """Samples this process's resident memory every few milliseconds while ``active``."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self.active = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.002):
            if self.active:
                self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(n: int, repeats: int, csv: bool = False) -> dict:
    """The floor and eligibility in turns, ``repeats`` times each, in this process."""
    import tempfile

    import disputelib as dl

    frame = synthetic(n)
    folder = tempfile.TemporaryDirectory()
    path = f"{folder.name}/orders.csv"
    if csv:
        frame.to_csv(path, index=False)
    pack = dl.load_pack()
    gc.collect()
    before_mb = psutil.Process().memory_info().rss / 2**20
    runs: dict[str, list[tuple[float, float]]] = {"floor": [], "disputelib": []}
    with PeakRSS() as rss:
        for _ in range(repeats):
            start, cpu = time.perf_counter(), time.process_time()
            floor(frame)
            runs["floor"].append((time.perf_counter() - start, time.process_time() - cpu))
            gc.collect()
            rss.active = True
            start, cpu = time.perf_counter(), time.process_time()
            data = dl.read_table(path) if csv else frame
            result = dl.eligibility(data, str(AS_OF), pack)
            assert len(result.table) == n and len(result.rejects) == 0
            del result, data
            runs["disputelib"].append((time.perf_counter() - start, time.process_time() - cpu))
            rss.active = False
            gc.collect()
    folder.cleanup()
    ours, base = runs["disputelib"], runs["floor"]
    return {
        "n": n,
        "median_s": statistics.median(w for w, _ in ours),
        "floor_median_s": statistics.median(w for w, _ in base),
        "ratio": statistics.median(a[0] / b[0] for a, b in zip(ours, base, strict=True)),
        "cpu_ratio": statistics.median(a[1] / b[1] for a, b in zip(ours, base, strict=True)),
        "ratios": [round(a[0] / b[0], 1) for a, b in zip(ours, base, strict=True)],
        "peak_mb": rss.peak / 2**20,
        "input_mb": before_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--csv", action="store_true", help="read the orders from a CSV file in each run")
    parser.add_argument("--child", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.repeats, args.csv)))
        return
    print(
        "ratio = median over the repeats of eligibility's time / the floor's in the same repeat (wall clock; cpu: CPU time)"
    )
    print(
        "peak MB = resident memory at its highest while eligibility ran (sampled every 2 ms); input MB = resident before"
    )
    print(
        f"{'rows':>11} {'disputelib rows/s':>18} {'floor rows/s':>13} {'ratio':>6} {'cpu':>5} {'peak MB':>8} "
        f"{'input MB':>9} {'load':>5}  ratio per repeat"
    )
    for n in args.sizes:
        load = os.getloadavg()[0]
        cmd = [sys.executable, __file__, "--child", str(n), "--repeats", str(args.repeats)]
        cmd += ["--csv"] if args.csv else []
        run = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        print(
            f"{n:>11,} {n / run['median_s']:>18,.0f} {n / run['floor_median_s']:>13,.0f} {run['ratio']:>6.1f} "
            f"{run['cpu_ratio']:>5.1f} {run['peak_mb']:>8,.0f} {run['input_mb']:>9,.0f} {load:>5.1f}  {run['ratios']}"
        )
    print(
        f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}; 2 cores: above 2, other work is taking turns with this"
    )


if __name__ == "__main__":
    main()

"""Simulator throughput end to end (orders, events, disputes written to Parquet) and peak memory.

Each run is its own process, so that its peak memory (max RSS) is its own; a 1,000-order
warm-up run first builds the caches a long run builds once (holiday calendars, time
zones). Prints orders/s on the wall clock (median of the repeats) and per CPU second of
the process (the single-core figure when other work shares the machine), the split
between simulating and writing, and the peak memory per size.

    python bench/bench_simulate.py [--sizes 100000 1000000] [--repeats 3 1] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def one_run(n: int, seed: int, pack: str) -> dict:
    """Simulate and write n orders into a temporary folder; seconds and counts."""
    from disputelib.simulate import simulate, write_simulation

    simulate(1_000, seed + 1, pack=pack, progress=False)  # warm-up: holiday calendars, time zones
    with tempfile.TemporaryDirectory() as out:
        began, cpu = time.perf_counter(), time.process_time()
        sim = simulate(n, seed, pack=pack, progress=False)
        simulated = time.perf_counter()
        write_simulation(sim, out)
        done, cpu_done = time.perf_counter(), time.process_time()
    return {
        "cpu_seconds": cpu_done - cpu,
        "n": n,
        "seconds": done - began,
        "simulate_seconds": simulated - began,
        "write_seconds": done - simulated,
        "disputes": len(sim.disputes),
        "events": len(sim.events),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def in_child(n: int, seed: int, pack: str) -> dict:
    code = f"import json, sys; sys.path.insert(0, {sys.path[0]!r}); import bench_simulate as b; print(json.dumps(b.one_run({n}, {seed}, {pack!r})))"
    text = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(text.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, nargs="+", default=[5, 1], help="repeats per size (last one reused)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pack", default="aliexpress-2022")
    args = parser.parse_args()
    print(f"{'orders':>10} {'repeats':>7} {'orders/s':>10} {'per cpu-s':>10} {'seconds':>8} {'simulate':>8} "
          f"{'write':>6} {'disputes':>9} {'events':>9} {'peak MB':>8}")  # fmt: skip
    for i, n in enumerate(args.sizes):
        repeats = args.repeats[min(i, len(args.repeats) - 1)]
        runs = [in_child(n, args.seed, args.pack) for _ in range(repeats)]
        best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu_seconds"] for r in runs)
        peak = max(r["max_rss_mb"] for r in runs)
        print(f"{n:>10} {repeats:>7} {n / seconds:>10,.0f} {n / cpu:>10,.0f} {seconds:>8.2f} {best['simulate_seconds']:>8.2f} "
              f"{best['write_seconds']:>6.2f} {best['disputes']:>9} {best['events']:>9} {peak:>8.0f}")  # fmt: skip


if __name__ == "__main__":
    main()

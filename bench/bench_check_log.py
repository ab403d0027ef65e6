"""Benchmark: ``check_log`` on a synthetic legal log of about 1M events.

Run ``python bench/bench_check_log.py [--events N] [--repeats R] [--baseline SRC]``. Prints
events per second (median of the repeats) for the two ways a log arrives: ISO text with
offsets (as read from CSV) and a tz-aware datetime column (as read from Parquet), and the
peak memory of one run (tracemalloc: Python and numpy allocations). With ``--baseline``, the
``src`` folder of another checkout (e.g. ``git worktree add /tmp/before HEAD~5``), the same
logs are also checked by that version, in a subprocess, alternating with this one, so that
both are measured under the same load. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from disputelib.audit import check_log
from disputelib.clock import local_dates
from disputelib.lifecycle import timer_ends, timer_rules
from disputelib.policy import load_pack

#: Paths legal under aliexpress-2022: (event, hours after the previous event); None = the timer instant.
PATHS: tuple[tuple[tuple[str, float | None], ...], ...] = (
    (("opened", 0), ("evidence_added", 2), ("seller_proposed", 40), ("buyer_accepted", 20),
     ("refund_issued", 24), ("refund_received", 96)),
    (("opened", 0), ("seller_rejected", 60), ("buyer_escalated", 10), ("evidence_added", 5),
     ("platform_decided", 120), ("refund_issued", 20), ("refund_received", 120)),
    (("opened", 0), ("auto_escalated", None), ("platform_decided", 72), ("refund_issued", 12),
     ("refund_received", 100)),
    (("opened", 0), ("seller_proposed", 30), ("buyer_rejected", 12), ("modified", 6), ("seller_proposed", 50),
     ("buyer_accepted", 8), ("return_shipped", 48), ("return_received", 200), ("refund_issued", 24),
     ("refund_received", 90)),
)  # fmt: skip


def synthetic_log(n_events: int, seed: int = 0, start: str = "2026-01-05") -> pd.DataFrame:
    """A legal event log of about ``n_events`` rows under aliexpress-2022, built column-wise."""
    pack = load_pack("aliexpress-2022")
    rng = np.random.default_rng(seed)
    mean_len = np.mean([len(p) for p in PATHS])
    n_disputes = int(n_events / mean_len)
    path = rng.integers(0, len(PATHS), n_disputes)
    opened = (np.datetime64(start, "ns") + rng.integers(0, 300 * 86400, n_disputes).astype("timedelta64[s]"))
    scale = rng.uniform(0.5, 1.0, n_disputes)
    frames = []
    for p, steps in enumerate(PATHS):
        idx = np.flatnonzero(path == p)
        k = len(idx)
        at = opened[idx].copy()
        seller = next(r for r in timer_rules(pack) if r.name == "seller_response")  # counted as the pack says
        fire = timer_ends(opened[idx], local_dates(opened[idx], pack.timer_zone), seller).astype("datetime64[ns]")
        for j, (event, hours) in enumerate(steps):
            if hours is None:
                at = fire.copy()
            elif j:
                at = at + (hours * 3600 * scale[idx]).astype("timedelta64[s]")
            frames.append(pd.DataFrame({"dispute_id": idx, "seq": j, "event": event, "at": at,
                                        "amount_usd": np.round(rng.uniform(1, 80, k), 2)}))  # fmt: skip
    log = pd.concat(frames, ignore_index=True).sort_values(["dispute_id", "seq"], kind="stable")
    ids = "D" + log["dispute_id"].astype("string").str.zfill(7)
    return pd.DataFrame(
        {
            "dispute_id": ids.to_numpy(),
            "order_id": ("O" + log["dispute_id"].astype("string").str.zfill(7)).to_numpy(),
            "event": log["event"].to_numpy(),
            "at": pd.DatetimeIndex(log["at"].to_numpy()).tz_localize("UTC").tz_convert(pack.timer_zone),
            "amount_usd": log["amount_usd"].to_numpy(),
        }
    )


def as_text(log: pd.DataFrame) -> pd.DataFrame:
    """The same log with ``at`` as ISO 8601 text with offsets, as a CSV gives it."""
    out = log.copy()
    text = out["at"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    out["at"] = text.str.replace(r"([+-]\d{2})(\d{2})$", r"\1:\2", regex=True).astype(object)
    out["amount_usd"] = out["amount_usd"].astype(str)
    return out


def timed(log: pd.DataFrame, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = check_log(log)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


_BASELINE = """
import sys, time
import pandas as pd
from disputelib.audit import check_log
frame = pd.read_pickle(sys.argv[1])
began = time.perf_counter()
result = check_log(frame)
print(time.perf_counter() - began, result.errors)
"""


def baseline_once(src: str, path: Path) -> tuple[float, int]:
    """One ``check_log`` of the pickled frame by the version in ``src`` (a fresh interpreter)."""
    env = {**os.environ, "PYTHONPATH": src}
    done = subprocess.run([sys.executable, "-c", _BASELINE, str(path)], env=env, capture_output=True, text=True, check=True)
    seconds, errors = done.stdout.split()
    return float(seconds), int(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", metavar="SRC", help="the src folder of another checkout to compare with")
    args = parser.parse_args()
    log = synthetic_log(args.events)
    text = as_text(log)
    print(f"log: {len(log)} events, {log['dispute_id'].nunique()} disputes")
    with tempfile.TemporaryDirectory() as folder:
        for label, frame in (("tz-aware column (Parquet)", log), ("ISO text (CSV)", text)):
            path = Path(folder) / "log.pkl"
            frame.to_pickle(path)
            ours, theirs, result, errors = [], [], None, 0
            for _ in range(args.repeats):  # alternate, so that both see the same load
                seconds, result = timed(frame, 1)
                ours.append(seconds)
                if args.baseline:
                    seconds, errors = baseline_once(args.baseline, path)
                    theirs.append(seconds)
            seconds = statistics.median(ours)
            print(f"{label}: median {seconds:.2f} s over {args.repeats} runs = {len(frame) / seconds:,.0f} events/s; "
                  f"{result.errors} errors, {result.warnings} warnings")  # fmt: skip
            if args.baseline:
                before = statistics.median(theirs)
                print(f"  baseline {args.baseline}: median {before:.2f} s = {len(frame) / before:,.0f} events/s "
                      f"({errors} errors); this version takes {seconds / before:.2f}x its time")  # fmt: skip
    tracemalloc.start()
    check_log(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory of one run on the text log (tracemalloc): {peak / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()

"""Benchmark: how fast the ``disputelib`` command starts, against ``python -c "import pandas"``.

Run ``python bench/bench_cli_startup.py [--runs N]``. Each command runs N times (default 7),
interleaved with the baseline so that both see the same load on a shared machine; the
script prints each median and its ratio to the baseline's median. The aim is 1.5x at most
for ``disputelib --help``, ``disputelib rules`` and ``disputelib check-evidence``: the
subcommands import what they need (papermill, nbconvert...) only when they run.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    script = str(BIN / "disputelib")
    with tempfile.TemporaryDirectory() as folder:
        photo = Path(folder) / "photo.png"
        photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(1000))
        commands = {
            'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
            "disputelib --help": [script, "--help"],
            "disputelib rules": [script, "rules"],
            "disputelib check-evidence photo.png": [script, "check-evidence", str(photo)],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # warm the file cache once
            timed(command)
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command))
    base = statistics.median(times['python -c "import pandas"'])
    print(f"median of {args.runs} runs each, interleaved")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:40s} {median:6.3f} s  {median / base:5.2f}x the pandas import")


if __name__ == "__main__":
    main()

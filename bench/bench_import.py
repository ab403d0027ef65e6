"""Benchmark: importing an AliExpress data backup of 100k item rows.

Run ``python bench/bench_import.py [--rows N] [--repeats R]``. Writes a synthetic backup
(sheet ``Order Information``, 16-digit ids, about three items per order, a mix of states)
to a temporary folder, then times :func:`disputelib.read_aliexpress_backup` and the same
plus writing the order table to Parquet. Prints wall-clock and CPU seconds (medians of
the repeats; on a shared machine the CPU time is the steadier figure) and rows per
second. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl

import disputelib as dl

HEADER = (
    "order_id", "parent_orderid", "gmt_create_order_time", "order_status", "item_name", "unit_price",
    "payable_amt", "gmt_pay_order_time", "gmt_trade_end_time", "end_reason", "is_success_pay", "frozen_status",
)  # fmt: skip
#: (order_status, end_reason, share of orders)
MIX = (
    ("FINISH", "buyer_accept_goods", 0.55),
    ("FINISH", "buyer_accept_goods_timeout", 0.1),
    ("FINISH", "cancel_order_close_trade", 0.1),
    ("WAIT_BUYER_ACCEPT_GOODS", None, 0.15),
    ("WAIT_SELLER_SEND_GOODS", None, 0.05),
    ("PLACE_ORDER_SUCCESS", None, 0.05),
)


def write_backup(path: Path, rows: int, seed: int = 0) -> Path:
    """A backup of ``rows`` item rows, written in openpyxl's streaming mode."""
    rng = np.random.default_rng(seed)
    n_orders = max(1, rows // 3)
    order_of_row = np.sort(rng.integers(0, n_orders, rows))
    ids = (3_000_000_000_000_000 + rng.choice(10**15, n_orders, replace=False)).astype("int64")
    kinds = rng.choice(len(MIX), n_orders, p=[m[2] for m in MIX])
    created = np.datetime64("2026-01-01T00:00:00") + rng.integers(0, 300 * 86400, n_orders).astype("timedelta64[s]")
    paid = created + rng.integers(60, 3600, n_orders).astype("timedelta64[s]")
    ended = paid + rng.integers(5 * 86400, 70 * 86400, n_orders).astype("timedelta64[s]")
    text = {name: np.datetime_as_string(values).astype(object) for name, values in
            (("created", created), ("paid", paid), ("ended", ended))}  # fmt: skip
    cents = rng.integers(50, 20_000, rows)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Order Information")
    sheet.append(HEADER)
    for i in range(rows):
        o = order_of_row[i]
        status, reason, _ = MIX[kinds[o]]
        unpaid = status == "PLACE_ORDER_SUCCESS"
        done = status == "FINISH"
        sheet.append((
            int(ids[o]), int(ids[o]) + 7, text["created"][o].replace("T", " "), status, f"item {i}", int(cents[i]),
            int(cents[i]), None if unpaid else text["paid"][o].replace("T", " "),
            text["ended"][o].replace("T", " ") if done else None, reason, "N" if unpaid else "Y", "N",
        ))  # fmt: skip
    book.save(path)
    _add_dimension(path, f"A1:L{rows + 1}")
    return path


def _add_dimension(path: Path, ref: str) -> None:
    """Write the sheet's ``<dimension>``, as spreadsheet programs and exporters do.

    openpyxl's streaming writer leaves it out, and without it a read-only reader scans the
    whole sheet once more just to learn its size.
    """
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = parts[name].replace(b"<sheetViews>", f'<dimension ref="{ref}" /><sheetViews>'.encode(), 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member, data in parts.items():
            target.writestr(member, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        path = write_backup(Path(folder) / "backup.xlsx", args.rows)
        print(f"wrote a {args.rows:,}-row backup ({path.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        read, cpu, total = [], [], []
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = dl.read_aliexpress_backup(path)
            read.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            dl.write_table(result.orders, Path(folder) / "orders.parquet")
            total.append(time.perf_counter() - start)
        seconds = statistics.median(read)
        print(f"read_aliexpress_backup: {seconds:.2f} s wall, {statistics.median(cpu):.2f} s CPU "
              f"({args.rows / seconds:,.0f} item rows/s), "
              f"{len(result.orders):,} orders; with the Parquet write {statistics.median(total):.2f} s")  # fmt: skip
        print(result.summary())


if __name__ == "__main__":
    main()

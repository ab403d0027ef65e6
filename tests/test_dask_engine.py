"""The Dask engine gives the local engine's answers: eligibility and simulate, both packs.

One in-process cluster (two worker threads) serves every test; the command-line tests
reach it through ``--scheduler``.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import disputelib as dl
from disputelib import distributed
from disputelib.cli import main
from disputelib.orders import OrderColumnsError
from disputelib.simulate.run import _arrow_table

PACKS = ["aliexpress-2022", "aliexpress-legacy"]
AS_OF = "2026-06-01"
N = 3_000
#: Numbers at the ends of the ranges the repeated numbers are looked for in.
EDGES = [0, 1, 2**60 - 1, 2**60, 2**61, 2**63, 2**64 - 1]


@pytest.fixture(scope="session")
def export() -> pd.DataFrame:
    """Simulated orders as an export's text, with faults a real export has."""
    orders = dl.simulate(N, seed=11).orders
    keep = ["order_id", "amount_usd", "payment_method", "shipped_at", "received_at", "buyer_country"]
    keep += ["buyer_timezone", "problem", "problem_amount_usd", "store_id"]
    frame = orders[keep].astype("string").astype(object)
    frame.loc[5, "order_id"] = frame.loc[2_500, "order_id"]  # a duplicate in the first and the last part
    frame.loc[[100, 1_600], "order_id"] = frame.loc[2_900, "order_id"]  # three copies, in three parts
    frame.loc[7, "order_id"] = frame.loc[8, "order_id"]  # a duplicate within one part
    frame.loc[1_200, "amount_usd"] = "twelve"
    frame.loc[1_300, "shipped_at"] = "yesterday"
    frame.loc[2_000, "buyer_country"] = "XX"
    frame.loc[2_999, "payment_method"] = "Bitcoin"
    frame.loc[10, "order_id"] = None
    return frame


def split(frame: pd.DataFrame, parts: int) -> list[pd.DataFrame]:
    size = -(-len(frame) // parts)
    return [frame.iloc[i : i + size] for i in range(0, len(frame), size)]


def write_csv_parts(frame: pd.DataFrame, folder, parts: int = 3) -> str:
    folder.mkdir()
    for i, part in enumerate(split(frame, parts)):
        part.to_csv(folder / f"orders-{i}.csv", index=False)
    return str(folder / "orders-*.csv")


def local_result(frame: pd.DataFrame, tmp_path, pack: str) -> dl.Eligibility:
    path = tmp_path / "all.csv"
    frame.to_csv(path, index=False)
    return dl.eligibility(dl.read_table(path, contract="orders"), AS_OF, pack)


def assert_same(dask_result, local: dl.Eligibility) -> None:
    assert dask_result.summary() == local.summary()
    key = ["order_id"]
    pd.testing.assert_frame_equal(
        dask_result.table.sort_values(key, ignore_index=True), local.table.sort_values(key, ignore_index=True)
    )
    pd.testing.assert_frame_equal(dask_result.rejects, local.rejects)


@pytest.mark.parametrize("pack", PACKS)
def test_eligibility_over_csv_files_matches_local(client, export, tmp_path, pack):
    source = write_csv_parts(export, tmp_path / "in")
    result = distributed.eligibility(client, source, AS_OF, pack)
    local = local_result(export, tmp_path, pack)
    assert_same(result, local)
    reasons = dict(zip(result.rejects["row"], result.rejects["reject_reason"], strict=True))
    assert reasons[6] == reasons[2_501] == "duplicate order_id (2 rows)"
    assert reasons[101] == reasons[1_601] == reasons[2_901] == "duplicate order_id (3 rows)"
    assert reasons[8] == reasons[9] == "duplicate order_id (2 rows)"
    assert result.n_read == len(result.table) + len(result.rejects) == N
    assert "Bitcoin 1" in result.summary()


@pytest.mark.parametrize("pack", PACKS)
def test_eligibility_over_parquet_row_groups_matches_local(client, export, tmp_path, pack):
    path = tmp_path / "orders.parquet"
    pq.write_table(_arrow_table(export.astype("string")), path, row_group_size=400)
    result = distributed.eligibility(client, path, AS_OF, pack, rows_per_part=1_000)
    assert len(distributed.parts_of([path], 1_000)) == 4  # 8 row groups of 400 rows (the last 200), 2 a part
    local = dl.eligibility(dl.read_table(path, contract="orders"), AS_OF, pack)
    assert_same(result, local)


def test_parts_never_cut_a_row_group(tmp_path):
    path = tmp_path / "orders.parquet"
    pq.write_table(_arrow_table(pd.DataFrame({"order_id": [str(i) for i in range(1_000)]})), path, row_group_size=300)
    parts = distributed.parts_of([path], 500)
    assert [p.row_groups for p in parts] == [(0,), (1,), (2, 3)]
    assert [p.rows for p in parts] == [300, 300, 400]


def test_cli_dataset_output_matches_local_files(client, export, tmp_path, capsys):
    source = write_csv_parts(export, tmp_path / "in")
    single = tmp_path / "all.csv"
    export.to_csv(single, index=False)
    address = client.scheduler.address
    assert main(["eligibility", str(single), "--as-of", AS_OF, "--out", str(tmp_path / "local.parquet")]) == 0
    local_summary = capsys.readouterr().err.strip().splitlines()[-1]
    out = tmp_path / "result"
    code = main(["eligibility", source, "--as-of", AS_OF, "--engine", "dask", "--scheduler", address, "--out", f"{out}/"])
    assert code == 0
    assert capsys.readouterr().err.strip().splitlines()[-1] == local_summary
    assert len(list(out.glob("part-*.parquet"))) == 3  # one file per part
    assert not list(tmp_path.glob(".result*"))  # no temporary folder left
    for name, local_name in (("result", "local.parquet"), ("result.rejects", "local.rejects.parquet")):
        written = pd.read_parquet(tmp_path / name)
        expected = pd.read_parquet(tmp_path / local_name)
        pd.testing.assert_frame_equal(
            written.sort_values(written.columns[0], ignore_index=True),
            expected.sort_values(expected.columns[0], ignore_index=True),
            check_dtype=False,
            check_categorical=False,
        )


def test_cli_file_output_is_byte_identical(client, export, tmp_path):
    source = write_csv_parts(export, tmp_path / "in")
    single = tmp_path / "all.csv"
    export.to_csv(single, index=False)
    address = client.scheduler.address
    assert main(["eligibility", str(single), "--as-of", AS_OF, "--out", str(tmp_path / "local.csv")]) == 0
    args = ["eligibility", source, "--as-of", AS_OF, "--engine", "dask", "--scheduler", address]
    assert main([*args, "--out", str(tmp_path / "dask.csv")]) == 0
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert (tmp_path / "dask.rejects.csv").read_bytes() == (tmp_path / "local.rejects.csv").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler and --workers need --engine dask"),
        (["--workers", "2"], "--scheduler and --workers need --engine dask"),
        (["--engine", "dask", "--out", "OUT/", "--rejects", "bad.csv"], "the rejects are a dataset too"),
        (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "has its own workers"),
    ],
)
def test_engine_options_misused_are_one_sentence(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.csv").write_text("order_id,amount_usd,payment_method\nA,1,card\n", encoding="utf-8")
    assert main(["eligibility", "orders.csv", "--as-of", AS_OF, *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "OUT").exists()


def test_a_glob_matching_nothing_is_one_sentence(client, tmp_path, capsys):
    address = client.scheduler.address
    pattern = str(tmp_path / "nothing-*.parquet")
    assert main(["eligibility", pattern, "--as-of", AS_OF, "--engine", "dask", "--scheduler", address]) == 2
    assert "no input file matches" in capsys.readouterr().err


# --- ids repeated across parts: 64-bit numbers, then their text ------------------------------------


def write_parquet_parts(frame: pd.DataFrame, path, rows: int = 1_000) -> str:
    """One Parquet file of row groups of ``rows`` rows: a part each (``rows_per_part=rows``)."""
    pq.write_table(_arrow_table(frame.astype("string")), path, row_group_size=rows)
    return str(path)


def local_of_file(path) -> dl.Eligibility:
    return dl.eligibility(dl.read_table(path, contract="orders"), AS_OF)


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_ids_sharing_a_number_are_told_apart_by_their_text(client, export, tmp_path, monkeypatch, kind):
    """Every id given the same number (a collision everywhere): only the equal ids are rejected."""
    seen = []

    def one_number(ids: pd.Series) -> np.ndarray:
        seen.append(len(ids))
        return np.full(len(ids), 7, dtype=np.uint64)

    monkeypatch.setattr(distributed, "text_numbers", one_number)
    if kind == "csv":
        source = write_csv_parts(export, tmp_path / "in")
        result = distributed.eligibility(client, source, AS_OF)
        local = local_result(export, tmp_path, "aliexpress-2022")
    else:
        source = write_parquet_parts(export, tmp_path / "orders.parquet")
        result = distributed.eligibility(client, source, AS_OF, rows_per_part=1_000)
        local = local_of_file(source)
    assert seen  # the numbers came from the stand-in
    assert_same(result, local)
    reasons = result.rejects["reject_reason"]
    assert reasons.str.startswith("duplicate order_id").sum() == 7  # 2 + 3 across parts, 2 within one


def test_ids_repeated_over_three_parts_missing_and_untidy_ids(client, export, tmp_path):
    frame = export.copy()
    frame.loc[[50, 1_050, 2_050], "order_id"] = ["  X-1", "X-1", "X-1  "]  # equal once trimmed, in three parts
    frame.loc[[60, 1_060, 2_060, 2_061], "order_id"] = [None, "   ", "", None]  # missing in three parts
    frame.loc[[70, 2_070], "order_id"] = ["L" * 100, "L" * 100]  # long ids (numbered another way)
    frame.loc[80, "order_id"] = "L" * 99
    frame.loc[[90, 1_090], "amount_usd"] = "twelve"  # a duplicate with another fault too
    frame.loc[[90, 1_090], "order_id"] = "Y-2"
    source = write_parquet_parts(frame, tmp_path / "orders.parquet")
    result = distributed.eligibility(client, source, AS_OF, rows_per_part=1_000)
    assert_same(result, local_of_file(source))
    reasons = dict(zip(result.rejects["row"], result.rejects["reject_reason"], strict=True))
    assert reasons[51] == reasons[1_051] == reasons[2_051] == "duplicate order_id (3 rows)"
    assert reasons[61] == reasons[1_061] == reasons[2_061] == reasons[2_062] == "missing order_id"
    assert reasons[71] == reasons[2_071] == "duplicate order_id (2 rows)"
    assert 81 not in reasons
    assert reasons[91].startswith("duplicate order_id (2 rows); amount_usd is not a number")


def test_parts_without_repeated_ids_are_read_once(client, export, tmp_path, monkeypatch):
    reads = []
    read_batch = distributed._read_batch

    def counted(batch, read_options):
        reads.append(tuple(g for part in batch for g in part.row_groups))
        return read_batch(batch, read_options)

    monkeypatch.setattr(distributed, "_read_batch", counted)
    frame = export.copy()
    frame.loc[10, "order_id"] = "fixed"  # the missing id
    frame.loc[7, "order_id"] = "O-7"  # the duplicate within the first part
    frame.loc[[100, 1_600], "order_id"] = ["O-100", "O-1600"]  # the three copies: one left, in the last part
    frame.loc[5, "order_id"] = "O-5"  # the copy in the first part: one left, in the last part
    source = write_parquet_parts(frame, tmp_path / "orders.parquet")
    result = distributed.eligibility(client, source, AS_OF, rows_per_part=1_000)
    assert_same(result, local_of_file(source))
    assert sorted(reads) == [(0,), (1,), (2,)]
    frame.loc[1_999, "order_id"] = frame.loc[2_999, "order_id"]  # now the last two parts share an id
    reads.clear()
    write_parquet_parts(frame, tmp_path / "orders.parquet")
    result = distributed.eligibility(client, source, AS_OF, rows_per_part=1_000)
    assert_same(result, local_of_file(source))
    assert sorted(reads) == [(0,), (1,), (1,), (2,), (2,)]



def test_small_parquet_files_are_checked_a_batch_at_a_time(client, export, tmp_path):
    folder = tmp_path / "orders"
    folder.mkdir()
    frame = export.astype("string")
    frame["store_id"] = frame["store_id"].astype("category")  # categories differing from file to file
    for i, piece in enumerate(split(frame, 6)):
        pq.write_table(_arrow_table(piece), folder / f"part-{i}.parquet", row_group_size=250)
    pq.write_table(_arrow_table(frame), tmp_path / "all.parquet")
    parts = distributed.parts_of(distributed.input_files(folder), 1_000)
    assert [len(b) for b in distributed._batches(parts, 1_000)] == [2, 2, 2]
    out = tmp_path / "result"
    result = distributed.eligibility(client, folder, AS_OF, out_dir=out, rows_per_part=1_000)
    local = local_of_file(tmp_path / "all.parquet")
    assert result.summary() == local.summary()
    assert sorted(f.name for f in out.glob("*.parquet")) == [f"part-{r:012d}.parquet" for r in (1, 1_001, 2_001)]
    gathered = distributed.eligibility(client, folder, AS_OF, rows_per_part=1_000)
    assert_same(gathered, local)


@pytest.mark.parametrize(
    ("rows", "batches"),
    [
        ([300, 300, 300, 300], [[300, 300, 300], [300]]),  # as many whole parts as fit
        ([1_000, 1, 999, 2], [[1_000], [1, 999], [2]]),  # a full part stays alone
        ([None, 300, 300, None], [[None], [300, 300], [None]]),  # a CSV file, size unknown, alone
        ([2_000, 5], [[2_000], [5]]),  # a row group larger than a part is never cut
        ([300, "other", 300, 300], [[300], ["other"], [300, 300]]),  # files with other columns apart
    ],
)
def test_batches_join_consecutive_parts_up_to_the_rows_of_a_part(tmp_path, rows, batches):
    parts = []
    for i, n in enumerate(rows):
        path = tmp_path / f"f{i}.parquet"
        if n is None:
            parts.append(distributed.Part(str(tmp_path / f"f{i}.csv")))
            continue
        name = "store_id" if n == "other" else "order_id"
        pq.write_table(pa.table({name: ["x"] * (300 if n == "other" else n)}), path)
        parts.append(distributed.Part(str(path), (0,), 300 if n == "other" else n))
    got = [[p.rows for p in b] for b in distributed._batches(parts, 1_000)]
    assert got == [[300 if n == "other" else n for n in b] for b in batches]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(EDGES) | st.integers(0, 2**64 - 1), max_size=30), min_size=1, max_size=5))
def test_repeated_numbers_over_sorted_runs(runs):
    arrays = [np.sort(np.array(run, dtype=np.uint64)) for run in runs]
    counts = Counter(v for run in runs for v in run)
    expected = sorted(v for v, c in counts.items() if c > 1)
    assert distributed._repeated_numbers(arrays).tolist() == expected


@pytest.mark.parametrize("pack", PACKS)
def test_simulate_datasets_hold_the_local_rows(client, tmp_path, pack):
    n = 70_000  # two blocks of the random streams
    counts = distributed.simulate(client, n, 4, tmp_path / "dask", pack=pack)
    dl.write_simulation(dl.simulate(n, seed=4, pack=pack), tmp_path / "local")
    for name in ("orders", "events", "disputes"):
        files = sorted((tmp_path / "dask" / name).glob("part-*.parquet"))
        assert [f.name for f in files] == ["part-000000.parquet", "part-000001.parquet"]
        written = pd.read_parquet(tmp_path / "dask" / name)
        expected = pd.read_parquet(tmp_path / "local" / f"{name}.parquet")
        assert counts[name] == len(expected)
        pd.testing.assert_frame_equal(written, expected)


def test_simulate_cli_replaces_datasets_and_eligibility_reads_them(client, tmp_path, capsys):
    address = client.scheduler.address
    out = tmp_path / "sim"
    base = ["simulate", "--seed", "2", "--out", str(out), "--engine", "dask", "--scheduler", address]
    assert main([*base, "--orders", "2000"]) == 0
    assert main([*base, "--orders", "1000"]) == 0  # a second run replaces each dataset
    assert "simulated 1000 orders" in capsys.readouterr().err
    assert len(pd.read_parquet(out / "orders")) == 1_000
    assert not list(tmp_path.glob(".sim*")) and not list(out.glob(".*"))
    code = main(["eligibility", str(out / "orders"), "--as-of", AS_OF, "--engine", "dask", "--scheduler", address])
    assert code == 0
    assert "read 1000 rows: 1000 accepted, 0 rejected" in capsys.readouterr().err


def test_parquet_headers_matched_like_the_local_engine(client, export, tmp_path):
    path = tmp_path / "orders.parquet"
    renamed = export.astype("string").rename(columns={"order_id": "Order ID", "amount_usd": "Amount-USD"})
    pq.write_table(_arrow_table(renamed), path, row_group_size=500)
    result = distributed.eligibility(client, path, AS_OF, rows_per_part=1_000)
    assert_same(result, dl.eligibility(dl.read_table(path, contract="orders"), AS_OF))
    assert (result.rejects["reject_reason"] == "duplicate order_id (3 rows)").sum() == 3


def test_look_alike_headers_are_named_in_the_summary_as_locally(client, export, tmp_path):
    renamed = export.assign(ordered_at="2026-01-02")  # a header that looks like one we read, not read
    source = write_csv_parts(renamed, tmp_path / "in")
    result = distributed.eligibility(client, source, AS_OF)
    local = local_result(renamed, tmp_path, "aliexpress-2022")
    assert "headers not read: 'ordered_at' looks like order_status" in local.summary()
    assert result.summary() == local.summary()


def test_a_users_error_in_a_task_is_not_logged_by_the_worker(client, export, tmp_path, caplog):
    source = write_csv_parts(export.drop(columns=["amount_usd"]), tmp_path / "in")
    with caplog.at_level(logging.WARNING), pytest.raises(OrderColumnsError, match="no 'amount_usd' column"):
        distributed.eligibility(client, source, AS_OF)
    assert not [r for r in caplog.records if str(r.msg).startswith("Compute Failed")]


@pytest.mark.parametrize(
    ("exception", "kept"),
    [('OrderColumnsError("the orders have no ...")', False), ('TableError("cannot read ...")', False),
     ("ValueError('a bug')", True), ("KeyError('x')", True)],
)  # fmt: skip
def test_only_users_errors_are_kept_out_of_the_workers_log(exception, kept):
    record = logging.LogRecord("distributed.worker", logging.ERROR, __file__, 1,
                               "Compute Failed\nKey: %s\nState: %s\nTask: %s\nException: %r\nTraceback: %r\n",
                               ("k", "executing", "task", exception, "tb"), None)  # fmt: skip
    assert distributed._UserErrorFilter().filter(record) is kept

"""The Dask engine gives the local engine's answers: eligibility and simulate, both packs.

One in-process cluster (two worker threads) serves every test; the command-line tests
reach it through ``--scheduler``.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

import disputelib as dl
from disputelib import distributed
from disputelib.cli import main
from disputelib.simulate.run import _arrow_table

PACKS = ["aliexpress-2022", "aliexpress-legacy"]
AS_OF = "2026-06-01"
N = 3_000


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

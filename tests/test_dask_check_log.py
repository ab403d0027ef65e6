"""``check-log --engine dask`` gives the local engine's findings and summary line, both packs.

One in-process cluster (two worker threads) serves every test; the command-line tests
reach it through ``--scheduler``. The logs are split over several files with a dispute's
events spread over two of them, so the shuffle on ``dispute_id`` has work to do.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import disputelib as dl
from disputelib import audit, distributed, intake
from disputelib.cli import main

PACKS = ["aliexpress-2022", "aliexpress-legacy"]
N_ORDERS = 4_000


@pytest.fixture(scope="session")
def simulated() -> dl.Simulation:
    return dl.simulate(N_ORDERS, seed=5)


def cuts_inside_disputes(events: pd.DataFrame, parts: int) -> list[int]:
    """Cut points near equal shares, each moved to fall between two events of the same dispute."""
    ids = events["dispute_id"].astype("string").to_numpy()
    cuts = [0]
    for i in range(1, parts):
        at = i * len(events) // parts
        while ids[at] != ids[at - 1]:
            at += 1
        cuts.append(at)
    return [*cuts, len(events)]


def write_parquet_parts(events: pd.DataFrame, folder, parts: int = 4) -> str:
    folder.mkdir()
    cuts = cuts_inside_disputes(events, parts)
    for i in range(parts):
        events.iloc[cuts[i] : cuts[i + 1]].to_parquet(folder / f"events-{i}.parquet", index=False)
    return str(folder)


def error_lines() -> list[str]:
    """Faulty disputes as CSV lines: dispute_id,order_id,event,at,amount_usd."""
    return [
        "X-EARLY,O-EARLY,opened,2026-03-01T10:00:00-08:00,5.00",
        "X-EARLY,O-EARLY,buyer_escalated,2026-03-02T10:00:00-08:00,",
        "X-UNKNOWN,O-UNKNOWN,opened,2026-03-03T10:00:00-08:00,7.00",
        "X-UNKNOWN,O-UNKNOWN,teleported,2026-03-04T10:00:00-08:00,",
        "X-ORDER,NO-SUCH-ORDER,opened,2026-03-05T10:00:00-08:00,9.00",
        "X-SILENT,O-SILENT,opened,2026-03-06T10:00:00-08:00,3.00",
        ",O-NOID,opened,2026-03-07T10:00:00-08:00,3.00",
        "X-BADTIME,O-BADTIME,opened,yesterday,3.00",
        "X-CUT,O-CUT,opened,2026-03-08T10:00:00-08:00,3.00,surplus,fields",
    ]


def csv_lines(events: pd.DataFrame) -> list[str]:
    text = events[["dispute_id", "order_id", "event", "at", "amount_usd"]].astype("string").fillna("")
    return [",".join(row) for row in text.itertuples(index=False)]


@pytest.fixture(scope="session")
def faulty_lines(simulated) -> list[str]:
    """The simulated log as CSV with faults in it; one dispute's two events swapped in time."""
    lines = csv_lines(simulated.events.head(1_500))
    faults = error_lines()
    # out of order: the second event of the first dispute with two events moved before its first
    ids = [line.split(",")[0] for line in lines]
    i = next(k for k in range(1, len(ids)) if ids[k] == ids[k - 1])
    first, second = lines[i - 1].split(","), lines[i].split(",")
    second[3] = "2025-12-01 00:00:00+00:00"
    lines[i] = ",".join(second)
    assert first[0] == second[0]
    # faults at the start, the middle and the end, the middle one across the files' cut
    return faults[:3] + lines[:700] + faults[3:6] + lines[700:] + faults[6:]


def write_csv_parts(lines: list[str], folder, cuts: list[int]) -> str:
    header = "dispute_id,order_id,event,at,amount_usd"
    folder.mkdir()
    bounds = [0, *cuts, len(lines)]
    for i in range(len(bounds) - 1):
        (folder / f"log-{i}.csv").write_text("\n".join([header, *lines[bounds[i] : bounds[i + 1]]]) + "\n")
    (folder.parent / "whole.csv").write_text("\n".join([header, *lines]) + "\n")
    return str(folder / "log-*.csv")


@pytest.fixture(scope="session")
def orders_export(simulated) -> pd.DataFrame:
    """The simulated orders as an export's text, one of them rejected (an unreadable amount)."""
    keep = ["order_id", "amount_usd", "payment_method", "shipped_at", "received_at", "buyer_country"]
    frame = simulated.orders[keep].astype("string").astype(object)
    disputed = set(simulated.events["order_id"].astype("string"))
    row = next(i for i, o in enumerate(frame["order_id"]) if o in disputed)
    frame.loc[row, "amount_usd"] = "twelve"
    return frame


def as_of_after(events: pd.DataFrame, days: int) -> str:
    last = pd.to_datetime(events["at"], utc=True).max()
    return str((last + pd.Timedelta(days=days)).date())


def local_check(path, orders, pack, as_of=None) -> dl.AuditResult:
    return dl.check_log(dl.read_table(path, contract="events"), orders, pack, as_of=as_of)


def assert_same(result: distributed.DaskAudit, local) -> None:
    assert result.summary() == local.summary()
    pd.testing.assert_frame_equal(result.findings, local.findings)
    for severity in ("error", "warning"):
        assert result.at_or_above(severity) == local.at_or_above(severity)


@pytest.mark.parametrize("pack", PACKS)
def test_simulated_log_over_parquet_files_matches_local(client, simulated, orders_export, tmp_path, pack):
    events = simulated.events
    source = write_parquet_parts(events, tmp_path / "events")
    events.to_parquet(tmp_path / "whole.parquet", index=False)
    as_of = as_of_after(events, 3)
    result = distributed.check_log(client, source, orders_export, pack, as_of, rows_per_part=500)
    local = local_check(tmp_path / "whole.parquet", orders_export, pack, as_of)
    assert local.n_events == len(events) > 1_000
    assert_same(result, local)
    assert "unknown_order" in set(local.findings["rule"])  # the rejected order


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("with_orders", [False, True])
def test_log_with_errors_over_csv_files_matches_local(
    client, simulated, faulty_lines, orders_export, tmp_path, pack, with_orders
):
    source = write_csv_parts(faulty_lines, tmp_path / "log", [400, 703, 1_200])
    orders = orders_export if with_orders else None
    as_of = as_of_after(simulated.events, 30)
    result = distributed.check_log(client, source, orders, pack, as_of)
    local = local_check(tmp_path / "whole.csv", orders, pack, as_of)
    assert_same(result, local)
    rules = set(local.findings["rule"])
    expected = {"unknown_event", "out_of_order", "early_escalation", "unreadable_row", "missing_auto_event"}
    assert expected <= rules
    silent = local.findings.loc[local.findings["dispute_id"] == "X-SILENT", "rule"]
    assert "missing_auto_event" in set(silent)  # its timer ran out before the end of --as-of
    if with_orders:
        assert "unknown_order" in rules
        assert local.findings["message"].str.contains("NO-SUCH-ORDER").any()


def test_row_numbers_are_the_whole_inputs(client, faulty_lines, tmp_path):
    source = write_csv_parts(faulty_lines, tmp_path / "log", [400, 703, 1_200])
    result = distributed.check_log(client, source)
    cut = result.findings[result.findings["dispute_id"] == "X-CUT"]
    assert cut["message"].str.startswith(f"row {len(faulty_lines)}:").all()
    assert len(cut) == 1


def test_as_of_before_the_last_event_is_one_sentence(client, faulty_lines, tmp_path, capsys):
    source = write_csv_parts(faulty_lines, tmp_path / "log", [400])
    address = client.scheduler.address
    code = main(["check-log", source, "--as-of", "2026-01-02", "--engine", "dask", "--scheduler", address])
    assert code == 2
    err = capsys.readouterr().err
    assert main(["check-log", str(tmp_path / "whole.csv"), "--as-of", "2026-01-02"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == err.strip().splitlines()[-1]
    assert "ends before the log's last event" in err


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_cli_file_output_and_summary_match_local(
    client, simulated, faulty_lines, orders_export, tmp_path, capsys, suffix
):
    source = write_csv_parts(faulty_lines, tmp_path / "log", [300, 900])
    orders = tmp_path / "orders.csv"
    orders_export.to_csv(orders, index=False)
    common = ["--orders", str(orders), "--as-of", as_of_after(simulated.events, 30), "--fail-on", "error"]
    assert main(["check-log", str(tmp_path / "whole.csv"), *common, "--out", str(tmp_path / f"l.{suffix}")]) == 1
    local_err = capsys.readouterr().err.strip().splitlines()
    address = client.scheduler.address
    args = ["check-log", source, *common, "--engine", "dask", "--scheduler", address]
    assert main([*args, "--out", str(tmp_path / f"d.{suffix}")]) == 1
    dask_err = capsys.readouterr().err.strip().splitlines()
    assert dask_err[-2:] == local_err[-2:]  # the summary and the --fail-on line
    assert (tmp_path / f"d.{suffix}").read_bytes() == (tmp_path / f"l.{suffix}").read_bytes()


def test_cli_dataset_output_holds_the_local_findings(client, faulty_lines, tmp_path, capsys):
    source = write_csv_parts(faulty_lines, tmp_path / "log", [300, 900])
    assert main(["check-log", str(tmp_path / "whole.csv"), "--out", str(tmp_path / "local.parquet")]) == 0
    local_summary = capsys.readouterr().err.strip().splitlines()[-1]
    out = tmp_path / "findings"
    address = client.scheduler.address
    assert main(["check-log", source, "--engine", "dask", "--scheduler", address, "--out", f"{out}/"]) == 0
    assert capsys.readouterr().err.strip().splitlines()[-1] == local_summary
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".findings")]
    files = sorted(out.glob("part-*.parquet"))
    assert len(files) == 3  # one per partition, as many as input files
    dataset = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    local = pd.read_parquet(tmp_path / "local.parquet")
    key = ["dispute_id", "message"]
    pd.testing.assert_frame_equal(
        dataset.sort_values(key, ignore_index=True), local.sort_values(key, ignore_index=True), check_dtype=False
    )
    assert len(local) > 0


def test_a_file_without_a_required_column_is_one_sentence(client, tmp_path, capsys):
    folder = tmp_path / "log"
    folder.mkdir()
    (folder / "a.csv").write_text("dispute_id,order_id,event,at\nD1,O1,opened,2026-03-01T10:00:00-08:00\n")
    (folder / "b.csv").write_text("dispute_id,order_id,at\nD2,O2,2026-03-01T10:00:00-08:00\n")
    address = client.scheduler.address
    code = main(["check-log", str(folder / "*.csv"), "--engine", "dask", "--scheduler", address])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "'event'" in err[-1]
    assert len(err[-1].rstrip(".").split(". ")) == 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), pack=st.sampled_from(PACKS))
def test_any_rows_in_any_files_give_the_local_findings(client, faulty_lines, orders_export, data, pack):
    """Rows drawn from the faulty log (repeats and any order), cut anywhere into files.

    The row with surplus fields is left out: a CSV file holding only such rows is read
    differently from the same rows among good ones (the reader takes the surplus as the
    index), by the local reader itself, so a file cut around it is another input.
    """
    pool = [line for line in faulty_lines if line.count(",") == 4]
    picks = data.draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=120))
    lines = [pool[i] for i in picks]
    cuts = data.draw(st.lists(st.integers(1, max(1, len(lines) - 1)), max_size=3, unique=True).map(sorted))
    with_orders = data.draw(st.booleans())
    with tempfile.TemporaryDirectory() as tmp:
        source = write_csv_parts(lines, Path(tmp) / "log", [c for c in cuts if c < len(lines)])
        orders = orders_export if with_orders else None
        result = distributed.check_log(client, source, orders, pack)
        local = local_check(Path(tmp) / "whole.csv", orders, pack)
    assert_same(result, local)


@pytest.mark.parametrize("pack", PACKS)
def test_parts_holding_whole_disputes_are_checked_without_a_shuffle(
    client, simulated, orders_export, tmp_path, pack, monkeypatch
):
    """A dataset written per block of disputes (as the simulator writes it) needs no shuffle, and gives the same findings."""
    events = simulated.events.sort_values(["dispute_id", "at"], kind="stable", ignore_index=True)
    ids = events["dispute_id"].astype(str)
    first_of = ids.ne(ids.shift())
    starts = list(np.flatnonzero(first_of.to_numpy()))
    cuts = [0, starts[len(starts) // 3], starts[2 * len(starts) // 3], len(events)]  # at dispute boundaries
    folder = tmp_path / "events"
    folder.mkdir()
    for i in range(3):
        events.iloc[cuts[i] : cuts[i + 1]].to_parquet(folder / f"events-{i}.parquet", index=False)
    events.to_parquet(tmp_path / "whole.parquet", index=False)
    ranges = [distributed._id_range(pd.read_parquet(p)) for p in sorted(folder.iterdir())]
    assert distributed._disjoint(ranges)
    shuffles = []
    real_shuffle = dd.DataFrame.shuffle
    monkeypatch.setattr(dd.DataFrame, "shuffle", lambda self, *a, **k: shuffles.append(1) or real_shuffle(self, *a, **k))
    as_of = as_of_after(events, 3)
    result = distributed.check_log(client, str(folder), orders_export, pack, as_of)
    assert shuffles == []
    assert_same(result, local_check(tmp_path / "whole.parquet", orders_export, pack, as_of))
    # one dispute cut in two: its parts overlap, and the log is shuffled as before
    assert not distributed._disjoint([("D1", "D5"), ("D5", "D9")])


def not_utf8(values: list[bytes]) -> pa.Array:
    """A text column holding bytes that are not UTF-8, as a broken export writes it."""
    raw = pa.array(values, pa.large_binary())
    return pa.Array.from_buffers(pa.large_string(), len(values), raw.buffers())


def test_many_small_files_are_read_in_shares_and_give_the_local_findings(client, simulated, orders_export, tmp_path):
    """Files of whole disputes under the export's own headers, one of them empty, read a few per task.

    The log's latest ``at`` is on a row whose event is not UTF-8: the first pass must not
    take it for the log's end (the local engine does not replay it), and the row keeps its
    number in the whole input.
    """
    events = simulated.events.sort_values(["dispute_id", "at"], kind="stable", ignore_index=True)
    table = pa.Table.from_pandas(events, preserve_index=False).rename_columns(
        ["Dispute ID", "order_id", "Event", "AT", "amount_usd"]
    )
    late = events["at"].max() + pd.Timedelta(days=30)
    broken = pa.table({
        "Dispute ID": pa.array([events["dispute_id"].iloc[-1]], pa.large_string()), "order_id": [events["order_id"].iloc[-1]],
        "Event": not_utf8([b"refund_\xffreceived"]), "AT": pa.array([late], table.schema.field("AT").type),
        "amount_usd": [None],
    }).cast(table.schema)  # fmt: skip
    table = pa.concat_tables([table, broken])
    ids = table.column("Dispute ID").to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    cuts = [0, *starts[:: max(1, len(starts) // 8)][1:8], table.num_rows]
    folder = tmp_path / "events"
    folder.mkdir()
    for i in range(len(cuts) - 1):
        pq.write_table(table.slice(cuts[i], cuts[i + 1] - cuts[i]), folder / f"part-{i:02d}.parquet")
    pq.write_table(table.slice(0, 0), folder / "part-03a.parquet")  # a file with no rows, among the others
    pq.write_table(table, tmp_path / "whole.parquet")
    parts = distributed.parts_of(distributed.input_files(folder))
    rows_per_part = table.num_rows // 3
    shares = distributed._batches(parts, rows_per_part, one_schema=False)
    assert len(parts) > len(shares) > 1 and max(len(s) for s in shares) > 1
    pack = dl.load_pack("aliexpress-2022")
    whole = dl.read_table(tmp_path / "whole.parquet", contract="events")
    scans = [distributed._scan(s, {}, True, pack.timer_zone) for s in shares]
    local_last = audit._last_instant(audit._read(whole, pack.timer_zone))
    assert max(s.last for s in scans if s.last is not None) == local_last < late.value
    result = distributed.check_log(client, str(folder), orders_export, pack, rows_per_part=rows_per_part)
    local = dl.check_log(whole, orders_export, pack)
    assert_same(result, local)
    unreadable = local.findings[local.findings["rule"] == "unreadable_row"]
    assert unreadable["message"].tolist() == [f"row {table.num_rows}: 'event' is not valid UTF-8 text"]


def test_files_whose_columns_differ_in_type_are_read_one_under_the_other(tmp_path):
    """A share of files where one holds amounts as text: joined as pandas, the broken-text note of every file kept."""
    first = pa.table({"dispute_id": ["D1"], "event": not_utf8([b"op\xffened"]), "at": ["2026-03-01T10:00:00Z"],
                      "amount_usd": [5.0]})  # fmt: skip
    second = pa.table({"dispute_id": ["D2"], "event": ["opened"], "at": ["2026-03-02T10:00:00Z"], "amount_usd": ["7,5"]})
    pq.write_table(first, tmp_path / "a.parquet")
    pq.write_table(second, tmp_path / "b.parquet")
    share = tuple(distributed.parts_of(distributed.input_files(tmp_path)))
    frame = distributed._read_events(share, {}, False)
    assert frame["dispute_id"].tolist() == ["D1", "D2"]
    assert frame.attrs[intake.NOT_UTF8_ATTR] == ["event"]
    assert distributed._unreadable(frame).tolist() == ["'event' is not valid UTF-8 text", None]


def test_csv_files_with_no_rows_and_unreadable_rows_keep_the_whole_inputs_numbers(client, faulty_lines, tmp_path):
    """Header-only files between the others (no rows), a dispute across files (the shuffle), cut rows numbered as in the whole file."""
    header = "dispute_id,order_id,event,at,amount_usd"
    folder = tmp_path / "log"
    folder.mkdir()
    pieces = [faulty_lines[:500], [], faulty_lines[500:1_000], [], faulty_lines[1_000:]]
    for i, lines in enumerate(pieces):
        (folder / f"log-{i}.csv").write_text("\n".join([header, *lines]) + "\n")
    (tmp_path / "whole.csv").write_text("\n".join([header, *faulty_lines]) + "\n")
    result = distributed.check_log(client, str(folder / "log-*.csv"))
    local = local_check(tmp_path / "whole.csv", None, None)
    assert_same(result, local)
    unreadable = local.findings[local.findings["rule"] == "unreadable_row"]
    assert f"row {len(faulty_lines)}:" in " ".join(unreadable["message"])  # the row with surplus fields, last
    assert len(unreadable) >= 3


def test_a_dispute_across_files_with_different_columns_is_shuffled_and_checked_as_one(client, tmp_path):
    """One file has a column the other lacks, and no amounts: the shuffle carries the columns the checks read, alike."""
    folder = tmp_path / "log"
    folder.mkdir()
    (folder / "a.csv").write_text(
        "dispute_id,order_id,event,at,amount_usd,note\n"
        "D1,O1,opened,2026-03-01T10:00:00-08:00,5.00,first\n"
        "D2,O2,opened,2026-03-01T11:00:00-08:00,abc,bad amount\n"
    )
    (folder / "b.csv").write_text(
        "dispute_id,order_id,event,at\nD1,O1,buyer_escalated,2026-03-02T10:00:00-08:00\nD2,O2,teleported,2026-03-03T10:00:00-08:00\n"
    )
    (tmp_path / "whole.csv").write_text(
        "dispute_id,order_id,event,at,amount_usd,note\n"
        "D1,O1,opened,2026-03-01T10:00:00-08:00,5.00,first\n"
        "D2,O2,opened,2026-03-01T11:00:00-08:00,abc,bad amount\n"
        "D1,O1,buyer_escalated,2026-03-02T10:00:00-08:00,,\n"
        "D2,O2,teleported,2026-03-03T10:00:00-08:00,,\n"
    )
    result = distributed.check_log(client, str(folder / "*.csv"))
    local = local_check(tmp_path / "whole.csv", None, None)
    assert_same(result, local)
    assert set(local.findings["rule"]) >= {"early_escalation", "unreadable_row", "unknown_event"}

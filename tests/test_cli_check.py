from __future__ import annotations

import pandas as pd
import pytest

from disputelib.cli import main

CLEAN = """dispute_id,order_id,event,at,amount_usd
D1,O1,opened,2026-03-01T10:00:00-08:00,5.00
D1,O1,seller_proposed,2026-03-03T09:00:00-08:00,5.00
D1,O1,buyer_accepted,2026-03-03T12:00:00-08:00,
D1,O1,refund_issued,2026-03-03T12:05:00-08:00,5.00
D1,O1,refund_received,2026-03-09T09:00:00-07:00,5.00
"""
BROKEN = CLEAN + """D1,O1,buyer_rejected,2026-03-10T09:00:00-07:00,
D2,O2,opened,2026-03-01T10:00:00-08:00,99.00
D2,O2,seller_proposed,2026-03-02T10:00:00-08:00,5.00
D2,O2,buyer_accepted,2026-03-02T11:00:00-08:00,
D2,O2,refund_issued,2026-03-02T12:00:00-08:00,5.00
D2,O2,refund_received,2026-03-31T12:00:00-07:00,5.00
D3,O1,opened,not a time,5.00
"""
ORDERS = """order_id,amount_usd,payment_method,shipped_at,received_at,buyer_country
O1,10.00,card,2026-02-15,2026-02-25,US
O2,10.00,card,2026-02-15,2026-02-25,KR
"""


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, text in (("clean.csv", CLEAN), ("broken.csv", BROKEN), ("orders.csv", ORDERS)):
        paths[name] = tmp_path / name
        paths[name].write_text(text, encoding="utf-8")
    return paths


def test_clean_log_exits_0_with_header_only(files, capsys):
    assert main(["check-log", str(files["clean.csv"]), "--orders", str(files["orders.csv"]), "--fail-on", "warning"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "dispute_id,rule,severity,message"
    assert "checked 5 events in 1 disputes (aliexpress-2022): 0 errors, 0 warnings" in err


def test_findings_to_stdout_and_fail_on(files, capsys):
    assert main(["check-log", str(files["broken.csv"]), "--orders", str(files["orders.csv"])]) == 0
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert lines[0] == "dispute_id,rule,severity,message"
    rules = [line.split(",")[1] for line in lines[1:]]
    assert rules == ["after_close", "claim_above_paid", "late_refund", "unreadable_row"]
    assert "3 errors, 1 warnings" in err
    assert main(["check-log", str(files["broken.csv"]), "--fail-on", "error"]) == 1
    assert "--fail-on error" in capsys.readouterr().err


def test_warnings_alone_fail_only_on_warning(files, tmp_path):
    only_late = tmp_path / "late.csv"
    only_late.write_text("\n".join(BROKEN.splitlines()[:1] + BROKEN.splitlines()[7:12]) + "\n", encoding="utf-8")
    assert main(["check-log", str(only_late), "--fail-on", "error"]) == 0
    assert main(["check-log", str(only_late), "--fail-on", "warning"]) == 1


def test_parquet_out_and_in(files, tmp_path):
    out = tmp_path / "findings.parquet"
    assert main(["check-log", str(files["broken.csv"]), "--out", str(out), "--pack", "aliexpress-legacy"]) == 0
    findings = pd.read_parquet(out)
    assert list(findings.columns) == ["dispute_id", "rule", "severity", "message"]
    assert "unreadable_row" in set(findings["rule"])
    log = pd.read_csv(files["clean.csv"], dtype=str, keep_default_na=False)
    log["at"] = pd.to_datetime(log["at"], utc=True)
    log.to_parquet(tmp_path / "log.parquet")
    assert main(["check-log", str(tmp_path / "log.parquet"), "--fail-on", "error"]) == 0


@pytest.mark.parametrize(
    ("setup", "phrase"),
    [
        ("missing", "no such file"),
        ("no_at", "the event log has no 'at' column"),
        ("bad_ext", "use a .csv or .parquet file name"),
        ("bad_pack", "unknown rule pack"),
    ],
)
def test_user_errors_are_one_sentence_exit_2(files, tmp_path, capsys, setup, phrase):
    path, extra = files["clean.csv"], []
    if setup == "missing":
        path = tmp_path / "nope.csv"
    elif setup == "no_at":
        path = tmp_path / "no_at.csv"
        path.write_text("dispute_id,order_id,event\nD1,O1,opened\n", encoding="utf-8")
    elif setup == "bad_ext":
        extra = ["--out", str(tmp_path / "out.txt")]
    else:
        extra = ["--pack", "no-such-pack"]
    assert main(["check-log", str(path), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert phrase in err and len(err.splitlines()) == 1 and err.startswith("disputelib check-log: ")


def test_check_evidence(tmp_path, capsys):
    good = tmp_path / "unboxing.jpg"
    good.write_bytes(b"\xff\xd8\xff\xe0" + bytes(5000))
    big = tmp_path / "clip.mp4"
    with open(big, "wb") as handle:
        handle.write(b"\x00\x00\x00\x18ftypisom")
        handle.truncate(3_000_000)
    assert main(["check-evidence", str(good)]) == 0
    assert "ok: JPEG photo" in capsys.readouterr().out
    assert main(["check-evidence", str(good), str(big), "--pack", "aliexpress-legacy"]) == 1
    out, err = capsys.readouterr()
    assert "1.0 MB over the 2 MB limit" in out and "trim it" in out
    assert "2 files checked against aliexpress-legacy: 1 ok, 1 to fix" in err
    assert main(["check-evidence", str(tmp_path / "missing.png")]) == 1
    assert "no such file" in capsys.readouterr().out

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
        ("bad_ext", "name a .csv, .csv.gz or .parquet file"),
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


@pytest.mark.parametrize(
    ("as_of", "rules"),
    [
        (None, []),  # the log ends at its latest event: D2's opening on 5 March
        ("2026-03-15", []),  # runs to 16 March 00:00 Pacific: D2's seller has until 11:00 PDT on 16 March (360 hours)
        ("2026-03-16", []),  # runs to 17 March 00:00 Pacific: the timer ran out, but the platform may take a day
        ("2026-03-17", ["missing_auto_event"]),  # runs to 18 March 00:00 Pacific: no escalation within the day
        ("2026-04-30", ["missing_auto_event"]),
    ],
)
def test_check_log_as_of_flags_a_silent_seller_in_the_last_dispute(files, tmp_path, capsys, as_of, rules):
    path = tmp_path / "export.csv"
    path.write_text(CLEAN + "D2,O2,opened,2026-03-01T10:00:00-08:00,5.00\n", encoding="utf-8")
    assert main(["check-log", str(path), "--fail-on", "error", *(["--as-of", as_of] if as_of else [])]) == (1 if rules else 0)
    out, _ = capsys.readouterr()
    lines = out.strip().splitlines()[1:]
    assert [line.split(",")[1] for line in lines] == rules
    assert all(line.startswith("D2,") for line in lines)
    if rules:
        assert "the log runs to 2026-03-18T00:00:00-07:00" in lines[0] or as_of != "2026-03-17"


def test_check_log_as_of_is_a_date(files, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["check-log", str(files["clean.csv"]), "--as-of", "16/03/2026"])
    assert exit_.value.code == 2
    assert "argument --as-of" in capsys.readouterr().err


def write_video(path, size):
    with open(path, "wb") as handle:
        handle.write(b"\x00\x00\x00\x18ftypisom")
        handle.truncate(size)
    return path


def test_check_evidence_prints_one_block_per_file(tmp_path, capsys):
    good = tmp_path / "unboxing.jpg"
    good.write_bytes(b"\xff\xd8\xff\xe0" + bytes(5000))
    big = write_video(tmp_path / "clip.mp4", 3_000_000)
    assert main(["check-evidence", str(good)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [str(good), "  photo (jpeg), 0.01 MB", "  OK    JPEG photo, 0.0 MB of 2 MB"]
    assert "1 files checked against aliexpress-2022: 1 ok, 0 to fix" in err
    missing = tmp_path / "missing.png"
    assert main(["check-evidence", str(good), str(big), str(missing), "--pack", "aliexpress-legacy"]) == 1
    out, err = capsys.readouterr()
    blocks = out.rstrip("\n").split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == [str(good), str(big), str(missing)]
    video = blocks[1].splitlines()
    assert video[1] == "  video (mp4), 3.00 MB"
    assert video[2].startswith("  FAIL  the video is 3.0 MB, 1.0 MB over the 2 MB limit")
    assert all(line.startswith(" " * 8) for line in video[3:])  # the message wraps under itself
    assert "trim it" in " ".join(line.strip() for line in video[2:])
    assert max(len(line) for line in out.splitlines()) <= 88
    assert blocks[2].splitlines()[1:] == ["  missing, size unknown", "  FAIL  no such file"]
    assert "3 files checked against aliexpress-legacy: 1 ok, 2 to fix" in err.splitlines()[-1]


@pytest.mark.parametrize(("size", "code"), [(2_000_000 - 1, 0), (2_000_000, 1)])
def test_check_evidence_exit_code_at_the_limit(tmp_path, capsys, size, code):
    assert main(["check-evidence", str(write_video(tmp_path / "clip.mp4", size)), "--pack", "aliexpress-legacy"]) == code
    assert ("OK    " if code == 0 else "FAIL  ") in capsys.readouterr().out


def test_orders_get_their_own_column_map_when_headers_differ(tmp_path, capsys):
    """Both files carry the order id, under different headers: one map per file."""
    (tmp_path / "ev.csv").write_text(
        "Dispute;Order;Event;Time;Amount\nD1;A1;opened;2026-09-25T10:00:00+00:00;20,50\n", encoding="utf-8"
    )
    # the claim is above what was paid: only a check against the orders can see it
    (tmp_path / "ord.csv").write_text("Order No.;Amount;Pay;Shipped\nA1;10,00;Visa;2026-09-02\n", encoding="utf-8")
    (tmp_path / "ev.toml").write_text(
        '[columns]\ndispute_id = "Dispute"\norder_id = "Order"\nevent = "Event"\nat = "Time"\namount_usd = "Amount"\n',
        encoding="utf-8",
    )
    (tmp_path / "ord.toml").write_text(
        '[columns]\norder_id = "Order No."\namount_usd = "Amount"\npayment_method = "Pay"\nshipped_at = "Shipped"\n',
        encoding="utf-8",
    )
    args = ["check-log", str(tmp_path / "ev.csv"), "--orders", str(tmp_path / "ord.csv"), "--as-of", "2026-09-26",
            "--columns", str(tmp_path / "ev.toml")]  # fmt: skip
    assert main(args) == 2  # one map for both: the orders have no 'Order' header
    assert "orders have no such header" in capsys.readouterr().err
    assert main([*args, "--orders-columns", str(tmp_path / "ord.toml")]) == 0
    out = capsys.readouterr().out
    assert "D1,claim_above_paid,error" in out, out


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["rules", "--pack", "temu"], "rules"),
        (["eligibility", "orders.csv", "--as-of", "2026-01-01", "--since", "2025-12-01"], "eligibility"),
        (["check-log", "events.csv", "extra.csv"], "check-log"),
    ],
)
def test_an_unknown_argument_names_the_subcommand_and_its_help(argv, command, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"disputelib {command}: unrecognized arguments: ") and len(err.splitlines()) == 1
    assert err.endswith(f"(see disputelib {command} --help)")

"""``disputelib rules --diff A B``: every rule that differs between two packs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import disputelib
from disputelib.packdiff import DIFF_COLUMNS, diff_packs, format_diff

SHIPPED = Path(disputelib.__file__).parent / "packs" / "aliexpress-2022.toml"
TEXT = SHIPPED.read_text(encoding="utf-8")


def variant(tmp_path: Path, old: str, new: str, name: str = "variant.toml") -> Path:
    assert old in TEXT
    path = tmp_path / name
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


WINDOW_OPENS = 'offset = 10\nunit = "days"\ncounts = "calendar_days"\nsummary = "A dispute can be opened from the {nth} day'


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # (rule, differs, text in A's value, text in B's value)
        (WINDOW_OPENS, WINDOW_OPENS.replace("10", "12", 1),
         [("timers.window_opens", "value", "offset = 10", "offset = 12")]),
        ("by_country = { RU = 90, BR = 120 }", "by_country = { RU = 90, BR = 150 }",
         [("protection", "value", "BR 120, RU 90", "BR 150, RU 90")]),
        ('seller_silence = "auto_escalate"', 'seller_silence = "refund_buyer"',
         [("lifecycle", "value", "seller_silence = auto_escalate", "seller_silence = refund_buyer")]),
        ("video_max_mb = 200", "video_max_mb = 100", [("evidence", "value", "video_max_mb = 200", "video_max_mb = 100")]),
        # the same value cited differently
        ('source = "public help copies on refund destinations"\nconfidence = "M"',
         'source = "public help copies on refund destinations"\nconfidence = "L"',
         [("refunds", "source", "boleto", "boleto")]),
        # a list in another order rules alike
        ('alipay_methods = ["boleto", "oxxo",', 'alipay_methods = ["oxxo", "boleto",', []),
        # a timer only one pack has
        ('[timers.buyer_escalation]\nanchor = "seller_answered"\noffset = 0\nunit = "days"\ncounts = "calendar_days"\n'
         'summary = "The buyer may escalate once the seller has answered without agreement."\n'
         "source = \"Bestfulfill guide, step 5: 'If the seller responds, but you fail to reach an agreement'\"\n"
         'confidence = "M"\n', "", [("timers.buyer_escalation", "value", "anchor = seller_answered", "")]),
        # a timer with its own zone differs from one counting in the pack's zone
        ('offset = 15\nunit = "days"\ncounts = "elapsed"\nsummary = "The seller has {offset} days',
         'offset = 15\nunit = "days"\ncounts = "elapsed"\nzone = "Asia/Shanghai"\nsummary = "The seller has {offset} days',
         [("timers.seller_response", "value", "zone = America/Los_Angeles", "zone = Asia/Shanghai")]),
    ],
)
def test_one_change_one_row(tmp_path, old, new, expected):
    diff = diff_packs("aliexpress-2022", variant(tmp_path, old, new))
    assert tuple(diff.columns) == DIFF_COLUMNS
    got = [(r.rule, r.differs) for r in diff.itertuples()]
    assert got == [(rule, differs) for rule, differs, _, _ in expected]
    for row, (_, _, a_text, b_text) in zip(diff.itertuples(), expected, strict=True):
        assert a_text in row.a and (b_text in row.b if b_text else row.b == "")
        assert row.a_source and row.a_confidence in {"H", "M", "L"}
        if b_text:
            assert row.b_source and row.b_confidence in {"H", "M", "L"}


def test_pack_timer_zone_changes_every_timer_counting_in_it(tmp_path):
    path = variant(tmp_path, 'timer_zone = "America/Los_Angeles"', 'timer_zone = "Asia/Shanghai"')
    diff = diff_packs("aliexpress-2022", path)
    rules = set(diff["rule"])
    assert "pack" in rules
    assert {f"timers.{name}" for name in disputelib.load_pack().timers} <= rules
    assert diff.set_index("rule").loc["pack", "b"] == "marketplace = aliexpress; timer_zone = Asia/Shanghai"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("aliexpress-2022", "aliexpress-2022"),
        ("aliexpress-legacy", "aliexpress-legacy"),
        ("aliexpress-2022", str(SHIPPED)),
    ],
)
def test_identical_packs_have_no_rows(a, b):
    assert diff_packs(a, b).empty
    assert format_diff(diff_packs(a, b), "A", "B") == "A and B have the same rules (values, sources and confidence)."


def test_shipped_packs_side_by_side():
    diff = diff_packs("aliexpress-2022", "aliexpress-legacy").set_index("rule")
    assert diff.loc["timers.window_opens", "differs"] == "value"
    assert "offset = 10" in diff.loc["timers.window_opens", "a"]
    assert "offset = 5" in diff.loc["timers.window_opens", "b"]
    assert diff.loc["timers.window_opens", "b_confidence"] == "H"
    assert diff.loc["timers.auto_escalation", "a"] == ""  # only the legacy pack has it
    assert diff.loc["timers.window_closes", "differs"] == "source"  # 15 days in both, cited differently
    reverse = diff_packs("aliexpress-legacy", "aliexpress-2022").set_index("rule")
    assert set(reverse.index) == set(diff.index)
    assert reverse.loc["timers.window_opens", "a"] == diff.loc["timers.window_opens", "b"]
    text = format_diff(diff.reset_index(), "aliexpress-2022", "aliexpress-legacy", width=100)
    assert text.splitlines()[0] == "aliexpress-2022 vs aliexpress-legacy: 9 rules differ in value, 3 only in their summary, source or confidence"
    assert max(len(line) for line in text.splitlines()[2:-4]) <= 100
    block = text[text.index("[timers.window_opens]"):text.index("[timers.seller_response]")]
    first = block.splitlines()[1]
    assert "offset = 10" in first.split(" | ")[0] and "offset = 5" in first.split(" | ")[1]
    assert "[M]" in block and "[H]" in block


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m disputelib.cli rules ARGS`` in a process of its own."""
    return subprocess.run([sys.executable, "-m", "disputelib.cli", "rules", *args], capture_output=True, text=True)


@pytest.mark.parametrize(
    ("args", "code", "stdout_has", "stderr_has"),
    [
        (["--diff", "aliexpress-2022", "aliexpress-legacy"], 0, "[timers.window_opens]", ""),
        (["--diff", "aliexpress-2022", "aliexpress-2022"], 0, "have the same rules", ""),
        (["--diff", "aliexpress-2022", "nope"], 2, "", "unknown rule pack 'nope'"),
        (["aliexpress-legacy", "--diff", "aliexpress-2022", "aliexpress-legacy"], 2, "", "not both"),
        (["aliexpress-legacy"], 0, "aliexpress-legacy:", ""),
        ([], 0, "aliexpress-2022:", ""),
    ],
)
def test_cli(run_main, args, code, stdout_has, stderr_has):
    done = run_main("rules", *args)
    assert done.returncode == code, done.stderr
    assert stdout_has in done.stdout
    assert stderr_has in done.stderr
    if code:
        assert len(done.stderr.strip().splitlines()) == 1


def test_cli_two_files_of_one_name_are_told_apart(tmp_path):
    path = variant(tmp_path, WINDOW_OPENS, WINDOW_OPENS.replace("10", "11", 1))
    done = run_cli("--diff", str(SHIPPED), str(path))
    assert done.returncode == 0
    assert done.stdout.splitlines()[0].startswith(f"{SHIPPED} vs {path}: 1 rule differs in value, 0 only in")


@settings(max_examples=25, deadline=None)
@given(
    opens=st.tuples(st.integers(0, 30), st.integers(0, 30)),
    days=st.tuples(st.integers(1, 200), st.integers(1, 200)),
)
def test_a_rule_differs_exactly_when_its_value_does_and_both_ways(opens, days):
    a = disputelib.load_pack(overrides={"timers.window_opens.offset": opens[0], "protection.default_days": days[0]})
    b = disputelib.load_pack(overrides={"timers.window_opens.offset": opens[1], "protection.default_days": days[1]})
    expected = [name for name, changed in (("timers.window_opens", opens[0] != opens[1]),
                                           ("protection", days[0] != days[1])) if changed]
    forward, backward = diff_packs(a, b), diff_packs(b, a)
    assert forward["rule"].tolist() == expected == backward["rule"].tolist()
    assert forward["a"].tolist() == backward["b"].tolist()
    assert forward["a_source"].tolist() == backward["b_source"].tolist()

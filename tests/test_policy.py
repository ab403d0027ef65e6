from __future__ import annotations

import dataclasses
import tomllib
from importlib import resources

import pytest

import disputelib as dl
from disputelib.policy import PackError


def shipped_toml(name: str) -> str:
    return (resources.files("disputelib") / "packs" / f"{name}.toml").read_text(encoding="utf-8")


def test_shipped_packs_are_listed():
    assert dl.available_packs() == [
        "aliexpress-2022",
        "aliexpress-legacy",
        "amazon-a-to-z",
        "ebay-mbg",
        "etsy",
        "mastercard-chargeback",
        "paypal",
        "temu",
        "visa-chargeback",
    ]
    assert dl.DEFAULT_PACK == "aliexpress-2022"


@pytest.mark.parametrize(
    ("pack", "timer", "anchor", "offset", "unit"),
    [
        ("aliexpress-2022", "window_opens", "shipped", 10, "days"),
        ("aliexpress-2022", "window_closes", "received", 15, "days"),
        ("aliexpress-2022", "seller_response", "opened", 15, "days"),
        ("aliexpress-2022", "refund_earliest", "decided", 7, "business_days"),
        ("aliexpress-2022", "refund_latest", "decided", 10, "business_days"),
        ("aliexpress-legacy", "window_opens", "shipped", 5, "days"),
        ("aliexpress-legacy", "seller_response", "opened", 5, "days"),
        ("aliexpress-legacy", "buyer_escalation", "opened", 2, "days"),
        ("aliexpress-legacy", "auto_escalation", "opened", 15, "days"),
        ("aliexpress-legacy", "refund_latest", "decided", 20, "business_days"),
    ],
)
def test_timers_say_anchor_offset_and_unit(pack, timer, anchor, offset, unit):
    t = dl.load_pack(pack).timer(timer)
    assert (t.anchor, t.offset, t.unit, t.zone) == (anchor, offset, unit, "America/Los_Angeles")
    assert t.rule.source and t.rule.confidence in {"H", "M", "L"}


def test_default_protection_lengths(pack):
    assert pack.protection.days_for("US") == 60
    assert pack.protection.days_for("ru") == 90
    assert pack.protection.days_for("BR") == 120
    assert pack.protection.days_for(None) == 60


def test_legacy_changes_values_not_conventions(pack, legacy):
    assert legacy.timer_zone == pack.timer_zone
    assert legacy.lifecycle.seller_silence == "refund_buyer"
    assert pack.lifecycle.seller_silence == "auto_escalate"
    assert legacy.evidence.video_max_mb == 2 and pack.evidence.video_max_mb == 200


def test_pack_is_frozen(pack):
    with pytest.raises(dataclasses.FrozenInstanceError):
        pack.timer_zone = "UTC"  # type: ignore[misc]


def write(tmp_path, text, name="custom.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_from_path_equals_shipped(tmp_path, pack):
    path = write(tmp_path, shipped_toml("aliexpress-2022"))
    loaded = dl.load_pack(path)
    assert loaded.timers == pack.timers and loaded.protection == pack.protection
    assert loaded.path == str(path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("offset = 10\n", "ofset = 10\n", "unknown key 'timers.window_opens.ofset'"),
        ('[pack]\n', '[pack]\ncolour = "blue"\n', "unknown key 'pack.colour'"),
        ("offset = 10\n", "offset = -10\n", "'timers.window_opens.offset' must be zero or more"),
        ('unit = "days"\n', 'unit = "weeks"\n', "'timers.window_opens.unit' is 'weeks'"),
        ('anchor = "shipped"\n', 'anchor = "paid"\n', "'timers.window_opens.anchor' is 'paid'"),
        # a timer the code could not apply fails at loading, not halfway through a run
        ('unit = "days"\n', 'unit = "business_days"\n', "'timers.window_opens.unit' is 'business_days'; allowed: days"),
        ('anchor = "shipped"\n', 'anchor = "received"\n', "'timers.window_opens.anchor' is 'received'; allowed: shipped"),
        ('timer_zone = "America/Los_Angeles"', 'timer_zone = "Pacific/Nowhere"', "not an IANA time zone"),
        ("default_days = 60", "default_days = 0", "'protection.default_days' must be positive"),
        ("RU = 90", "ru = 90", "'protection.by_country.ru' is not an ISO 3166"),
        ('confidence = "M"', 'confidence = "sure"', "is 'sure'; allowed: H, L, M"),
        ('seller_silence = "auto_escalate"', 'seller_silence = "ignore"', "'lifecycle.seller_silence'"),
        ('"tt", "bank_transfer"]', '"tt", "bitcoin"]', "unknown payment method 'bitcoin'"),
        ("photo_max_mb = 2", 'photo_max_mb = "2"', "'evidence.photo_max_mb' must be a number"),
        ("offset = 10\n", "offset = true\n", "'timers.window_opens.offset' must be a number"),
        ("[timers.return_shipping]", "[timers.return_shiping]", "unknown timer 'timers.return_shiping' (did you mean 'return_shipping'?)"),
    ],
)
def test_bad_packs_name_the_key_and_the_file(tmp_path, old, new, message):
    text = shipped_toml("aliexpress-2022")
    assert old in text
    path = write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(PackError) as err:
        dl.load_pack(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_missing_timer_is_an_error(tmp_path):
    text = shipped_toml("aliexpress-2022")
    start = text.index("[timers.window_closes]")
    end = text.index("[timers.seller_response]")
    path = write(tmp_path, text[:start] + text[end:])
    with pytest.raises(PackError, match=r"missing table \[timers.window_closes\]"):
        dl.load_pack(path)


def test_invalid_toml_and_unknown_names(tmp_path):
    with pytest.raises(PackError, match="not valid TOML"):
        dl.load_pack(write(tmp_path, "[pack\nname="))
    with pytest.raises(PackError, match="unknown rule pack 'aliexpress-2099'.*aliexpress-2022"):
        dl.load_pack("aliexpress-2099")
    with pytest.raises(PackError, match="does not exist"):
        dl.load_pack(tmp_path / "absent.toml")


def test_overrides_for_what_if(pack):
    five = dl.load_pack("aliexpress-2022", overrides={"timers.seller_response.offset": 5})
    assert five.timer("seller_response").offset == 5
    assert pack.timer("seller_response").offset == 15  # the original is untouched
    assert pack.with_overrides({"protection.by_country": {"KR": 30}}).protection.days_for("KR") == 30


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timers.seller_respons.offset": 5}, "no table 'seller_respons'"),
        ({"timers.seller_response.ofset": 5}, "unknown key 'timers.seller_response.ofset'"),
        ({"protection.default_days": -1}, "must be positive"),
    ],
)
def test_bad_overrides_are_errors(overrides, message):
    with pytest.raises(PackError, match=message):
        dl.load_pack("aliexpress-2022", overrides=overrides)


def test_describe_lists_every_rule_with_source(pack):
    text = dl.describe(pack)
    raw = tomllib.loads(shipped_toml("aliexpress-2022"))
    for name in raw["timers"]:
        assert f"timer {name}:" in text
    assert "60 days after shipment (BR 120, RU 90)" in text
    assert text.count("source:") == len(raw["timers"]) + 5

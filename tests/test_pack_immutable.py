"""Packs are immutable all the way down; overrides make new packs."""

from __future__ import annotations

import dataclasses

import pytest

import disputelib as dl

PACKS = ("aliexpress-2022", "aliexpress-legacy")


def _set_timer(p):
    p.timers["seller_response"] = None


def _set_country(p):
    p.protection.by_country["US"] = 1


def _set_raw(p):
    p.raw["timers"]["seller_response"]["offset"] = 1


def _append_raw(p):
    p.raw["evidence"]["photo_types"].append("tiff")


def _set_field(p):
    p.timer("seller_response").offset = 1


@pytest.mark.parametrize("pack_name", PACKS)
@pytest.mark.parametrize(
    ("change", "error"),
    [(_set_timer, TypeError), (_set_country, TypeError), (_set_raw, TypeError), (_append_raw, AttributeError),
     (_set_field, dataclasses.FrozenInstanceError)],
)  # fmt: skip
def test_nothing_in_a_pack_can_be_changed_in_place(pack_name, change, error):
    pack = dl.load_pack(pack_name)
    with pytest.raises(error):
        change(pack)
    assert dl.load_pack(pack_name).timer("seller_response").offset == pack.timer("seller_response").offset


@pytest.mark.parametrize("pack_name", PACKS)
def test_overrides_make_a_new_pack_and_leave_the_old_one(pack_name):
    pack = dl.load_pack(pack_name)
    before = pack.timer("seller_response")
    other = pack.with_overrides({"timers.seller_response.offset": 2, "protection.by_country": {"US": 30}})
    assert other.timer("seller_response").offset == 2 and other.protection.days_for("US") == 30
    assert pack.timer("seller_response") == before and pack.protection.days_for("US") == 60
    assert "2 days" in other.timer("seller_response").rule.summary
    assert dl.load_pack(other, overrides={"timers.seller_response.offset": 3}).timer("seller_response").offset == 3

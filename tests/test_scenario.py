"""Scenarios: shipped files load, bad files give one clear error naming the key and file."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from disputelib.scenario import (
    SELLER_ANSWERS,
    STRATEGIES,
    WHAT_WENT_WRONG,
    Scenario,
    ScenarioError,
    available_scenarios,
    load_scenario,
)


def test_shipped_scenarios_load():
    assert {"default", "seed-story"} <= set(available_scenarios())
    for name in available_scenarios():
        sc = load_scenario(name)
        assert isinstance(sc, Scenario)
        assert sc.name == name
        assert sum(sc.problems.values()) == pytest.approx(1)
        assert set(sc.problems) == set(WHAT_WENT_WRONG)
        assert set(sc.buyers.strategy) == set(STRATEGIES)
        assert set(sc.sellers.answer) == set(SELLER_ANSWERS)


def test_default_models_what_the_issue_lists():
    sc = load_scenario("default")
    assert sc.items.count_max >= 18
    assert sc.payment_methods["RU"]["cash_payment"] > 0
    assert any(mix.get("western_union", 0) > 0 for mix in sc.payment_methods.values())
    assert any(mix.get("bank_transfer", 0) > 0 for mix in sc.payment_methods.values())
    assert 0 < sc.fulfilment.p_most_expensive_missing < 1
    assert sc.problems["lost"] > 0 and sc.problems["damaged"] > 0
    # sellers' fixes without a dispute: when (days after the buyer wrote) and how much a refund returns
    assert sc.sellers.fix_days_mean > 0
    assert 0 < sc.sellers.refund_fraction[0] < sc.sellers.refund_fraction[1] <= 1


def test_seed_story_is_the_blog_order():
    sc = load_scenario("seed-story")
    assert sc.items.count_min == sc.items.count_max == 18
    assert sc.stores.count == 1
    assert sc.fulfilment.p_most_expensive_missing == 1.0
    assert sc.buyers.strategy["dispute_at_once"] == 1.0
    assert sc.buyers.p_filmed_unboxing == 0.0
    assert dict(sc.countries) == {"KR": 1.0}


def test_load_by_path_and_object(tmp_path: Path):
    text = (resources.files("disputelib") / "scenarios" / "default.toml").read_text(encoding="utf-8")
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    sc = load_scenario(path)
    assert sc == load_scenario("default")
    assert load_scenario(sc) is sc


def test_overrides_change_single_values_and_are_checked():
    sc = load_scenario("default", overrides={"buyers.p_filmed_unboxing": 0.5})
    assert sc.buyers.p_filmed_unboxing == 0.5
    assert load_scenario("default").buyers.p_filmed_unboxing != 0.5
    again = sc.with_overrides({"buyers.strategy.talk_first": 0.0, "buyers.strategy.dispute_at_once": 1.0})
    assert again.buyers.strategy["dispute_at_once"] == 1.0
    with pytest.raises(ScenarioError, match=r"'buyers.p_filmed_unboxing'.*between 0 and 1"):
        load_scenario("default", overrides={"buyers.p_filmed_unboxing": 1.5})
    with pytest.raises(ScenarioError, match="no table 'nope'"):
        load_scenario("default", overrides={"nope.x": 1})


def test_unknown_scenario_name():
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'.*default"):
        load_scenario("nope")
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario("missing.toml")


def _raw() -> dict:
    return tomllib.loads((resources.files("disputelib") / "scenarios" / "default.toml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, raw: dict) -> Path:
    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f'"{k}" = {value(x)}' for k, x in v.items()) + " }"
        return repr(v)

    lines = []
    for table, body in raw.items():
        lines.append(f"[{table}]")
        lines += [f'"{k}" = {value(v)}' for k, v in body.items()]
    path = tmp_path / "bad.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["buyers"].update(p_filmed_unboxnig=0.2), r"unknown key 'buyers.p_filmed_unboxnig'"),
        (lambda r: r.update(extras={"a": 1}), r"unknown key 'extras'"),
        (lambda r: r["fulfilment"].update(p_confirm_receipt=1.2), r"'fulfilment.p_confirm_receipt' is a probability"),
        (lambda r: r["sellers"].update(p_silent=-0.1), r"'sellers.p_silent' is a probability"),
        (lambda r: r["problems"].update(lost=0.5), r"'problems' is a mix and its shares must sum to 1"),
        (lambda r: r["countries"].update(US=0.5), r"'countries' is a mix and its shares must sum to 1"),
        (lambda r: r["buyers"]["strategy"].update(talk_first=0.7), r"'buyers.strategy' is a mix"),
        (lambda r: r["buyers"]["strategy"].update(shout=0.0), r"'buyers.strategy.shout' is not a known key"),
        (lambda r: r["problems"].pop("lost"), r"'problems.lost' is missing"),
        (lambda r: r["sellers"].update(partial_fraction=[0.8, 0.3]), r"'sellers.partial_fraction' must be a \[low, high\]"),
        (lambda r: r["items"].update(count_max="many"), r"'items.count_max' must be a whole number"),
        (lambda r: r["fulfilment"].pop("p_never_shipped"), r"missing key 'fulfilment.p_never_shipped'"),
        (lambda r: r["timezones"]["US"].update({"Mars/Olympus": 0.0}), r"'timezones.US.Mars/Olympus' is not an IANA"),
        (lambda r: r["payment_methods"]["US"].update(bitcoin=0.0), r"'payment_methods.US.bitcoin' is not a payment method"),
        (lambda r: r["payment_spellings"]["card"].update(Bitcoin=0.0), r"'payment_spellings.card.Bitcoin' is not a spelling"),
        (lambda r: r["countries"].update(XX=0.0), r"'countries.XX' is not an upper-case ISO 3166"),
        (lambda r: r["sellers"].update(fix_days_mean=-1), r"'sellers.fix_days_mean' must be >= 0"),
        (lambda r: r["sellers"].update(fix_days_mean="soon"), r"'sellers.fix_days_mean' must be a number"),
        (lambda r: r["sellers"].pop("fix_days_mean"), r"missing key 'sellers.fix_days_mean'"),
        (lambda r: r["sellers"].update(refund_fraction=[0.5, 1.2]), r"'sellers.refund_fraction' must be a \[low, high\].*at most 1"),
        (lambda r: r["sellers"].update(refund_fraction=[0.9, 0.5]), r"'sellers.refund_fraction' must be a \[low, high\]"),
        (lambda r: r["sellers"].update(refund_fractoin=[0.5, 1.0]), r"unknown key 'sellers.refund_fractoin'"),
    ],
)
def test_bad_files_name_the_key_and_file(tmp_path: Path, change, message):
    raw = _raw()
    change(raw)
    path = _write(tmp_path, raw)
    with pytest.raises(ScenarioError, match=message) as caught:
        load_scenario(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_rewritten_default_is_valid(tmp_path: Path):
    """The helper that writes bad files writes a good one when nothing is changed."""
    assert load_scenario(_write(tmp_path, _raw())) == load_scenario("default")


def test_not_toml(tmp_path: Path):
    path = tmp_path / "x.toml"
    path.write_text("[scenario\nname=", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(path)

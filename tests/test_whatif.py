"""What-if variants and simulation arguments come from the package, not from notebook cells."""

from __future__ import annotations

import pytest

from disputelib.scenario import STRATEGIES
from disputelib.simulate import SimulationArgumentError, check_arguments, pack_variants, strategy_scenarios, what_if


@pytest.mark.parametrize(
    ("n_orders", "seed", "message"),
    [
        (-1, 7, "n_orders must be a whole number, zero or more, not -1"),
        (10, -3, "seed must be a whole number, zero or more, not -3"),
        (2.5, 7, "n_orders must be a whole number, zero or more, not 2.5"),
        (True, 7, "n_orders must be a whole number, zero or more, not True"),
        ("10", 7, "n_orders must be a whole number, zero or more, not '10'"),
    ],
)
def test_bad_simulation_arguments_are_one_sentence(n_orders, seed, message):
    with pytest.raises(SimulationArgumentError, match=message):
        check_arguments(n_orders, seed)


def test_good_arguments_pass():
    check_arguments(0, 0)
    check_arguments(20_000, 7)


def test_pack_variants_describe_what_b_changes():
    packs, names = pack_variants("aliexpress-2022", "aliexpress-legacy", {"timers.seller_response.offset": 3})
    assert names == {"A": "aliexpress-2022", "B": "aliexpress-legacy with timers.seller_response.offset=3"}
    assert packs["B"].timer("seller_response").offset == 3
    _, plain = pack_variants("aliexpress-2022", "aliexpress-2022", {})
    assert plain == {"A": "aliexpress-2022", "B": "aliexpress-2022"}


def test_each_strategy_scenario_has_every_buyer_follow_it():
    settings = strategy_scenarios("default")
    assert list(settings) == list(STRATEGIES)
    for strategy, scenario in settings.items():
        assert scenario.buyers.strategy[strategy] == 1.0
        assert sum(scenario.buyers.strategy.values()) == 1.0


def test_what_if_runs_the_same_orders_in_every_variant():
    result = what_if(300, 5, other_overrides={"timers.seller_response.offset": 5})
    assert list(result.runs) == [(label, s) for label in ("A", "B") for s in STRATEGIES]
    assert result.variants[0] == f"A {STRATEGIES[0]}"
    first = next(iter(result.runs.values())).orders["amount_usd"]
    assert all(run.orders["amount_usd"].equals(first) for run in result.runs.values())
    disputes = result.disputes()
    assert set(disputes["variant"]) <= set(result.variants)
    sizes = result.sizes()
    assert sizes.index.tolist() == result.variants
    assert (sizes["orders"] == 300).all()
    assert sizes["disputes"].sum() == len(disputes)
    with pytest.raises(SimulationArgumentError):
        what_if(-1, 5)

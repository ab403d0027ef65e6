"""What-if variants: the same orders simulated under two readings of the rules and every buyer strategy.

Notebook 4 compares a pack A with a pack B (another pack, or A with single values
overridden, e.g. a 5-day seller response) for each buyer strategy. :func:`what_if` builds
those variants and :class:`WhatIf` stacks their tables with a ``variant`` column, so the
notebook only asks for tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from disputelib.clock import AsOf, parse_as_of
from disputelib.policy import Pack, load_dispute_pack
from disputelib.scenario import STRATEGIES, Scenario, load_scenario
from disputelib.simulate.run import Simulation, check_arguments, simulate


@dataclass(frozen=True)
class WhatIf:
    """Simulations of the same orders per pack variant and buyer strategy.

    Attributes
    ----------
    runs
        ``(label, strategy) -> Simulation``, labels ``"A"`` and ``"B"``, strategies in
        :data:`disputelib.scenario.STRATEGIES` order.
    names
        ``label -> description``: the pack's name, and for B the values it changes.
    """

    runs: Mapping[tuple[str, str], Simulation]
    names: Mapping[str, str]

    @property
    def variants(self) -> list[str]:
        """``"A <strategy>"``... in run order."""
        return [f"{label} {strategy}" for label, strategy in self.runs]

    def disputes(self) -> pd.DataFrame:
        """Every run's disputes, with a ``variant`` column."""
        return pd.concat([run.disputes.assign(variant=f"{label} {strategy}") for (label, strategy), run in self.runs.items()],
                         ignore_index=True)  # fmt: skip

    def problems(self) -> pd.DataFrame:
        """Every run's :func:`disputelib.analysis.problem_table`, with a ``variant`` column."""
        from disputelib import analysis

        return pd.concat(
            [analysis.problem_table(run.orders, run.disputes, run.observed_until).assign(variant=f"{label} {strategy}")
             for (label, strategy), run in self.runs.items()],
            ignore_index=True,
        )  # fmt: skip

    def sizes(self, problems: pd.DataFrame | None = None) -> pd.DataFrame:
        """Orders, problems and disputes per variant (index ``variant``)."""
        problems = self.problems() if problems is None else problems
        per = problems["variant"].value_counts()
        return pd.DataFrame(
            {
                "variant": self.variants,
                "orders": [len(run.orders) for run in self.runs.values()],
                "problems": [int(per.get(v, 0)) for v in self.variants],
                "disputes": [len(run.disputes) for run in self.runs.values()],
            }
        ).set_index("variant")


def pack_variants(pack: Pack | str, other_pack: Pack | str, other_overrides: Mapping[str, Any] | None = None
                  ) -> tuple[dict[str, Pack], dict[str, str]]:  # fmt: skip
    """Packs ``A`` and ``B`` (``other_pack`` with ``other_overrides``) and a description of each.

    Examples
    --------
    >>> packs, names = pack_variants("aliexpress-2022", "aliexpress-2022", {"timers.seller_response.offset": 5})
    >>> names["B"], packs["B"].timer("seller_response").offset
    ('aliexpress-2022 with timers.seller_response.offset=5', 5)
    """
    packs = {"A": load_dispute_pack(pack), "B": load_dispute_pack(other_pack, overrides=dict(other_overrides or {}) or None)}
    changes = ", ".join(f"{key}={value}" for key, value in sorted((other_overrides or {}).items()))
    names = {"A": packs["A"].name, "B": packs["B"].name + (f" with {changes}" if changes else "")}
    return packs, names


def strategy_scenarios(scenario: Scenario | str) -> dict[str, Scenario]:
    """The scenario once per buyer strategy, every buyer following it."""
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return {
        strategy: base.with_overrides({f"buyers.strategy.{s}": float(s == strategy) for s in STRATEGIES})
        for strategy in STRATEGIES
    }


def what_if(n_orders: int, seed: int, scenario: Scenario | str = "default", pack: Pack | str = "aliexpress-2022",
            other_pack: Pack | str = "aliexpress-2022", other_overrides: Mapping[str, Any] | None = None,
            start: AsOf = "2026-01-01") -> WhatIf:  # fmt: skip
    """Simulate the same orders under packs A and B, once per buyer strategy.

    Parameters
    ----------
    n_orders, seed
        As for :func:`disputelib.simulate.simulate` (checked by :func:`check_arguments`).
    scenario
        Scenario name, path or object.
    pack, other_pack, other_overrides
        Pack A; pack B and the dotted values B changes (e.g. ``{"timers.seller_response.offset": 5}``).
    start
        First day orders are placed (``YYYY-MM-DD``).

    Returns
    -------
    WhatIf
    """
    check_arguments(n_orders, seed)
    first_day = parse_as_of(start, "start")
    packs, names = pack_variants(pack, other_pack, other_overrides)
    settings = strategy_scenarios(scenario)
    runs = {
        (label, strategy): simulate(n_orders, seed, scenario=setting, pack=packs[label], start=first_day, progress=False)
        for label in packs
        for strategy, setting in settings.items()
    }
    return WhatIf(runs=runs, names=names)

"""The committed sample data, rebuilt from a fixed seed: ``python -m disputelib.sample DIR``.

Writes into ``DIR``:

- ``orders.csv``: a few hundred orders in the export format of ``disputelib eligibility``,
  chosen from a simulation of the ``default`` scenario whose last observed day is
  :data:`AS_OF`, so that on that day every status (``not_shipped``, ``too_early``,
  ``open``, ``expired``), every problem, every payment-method spelling, several buyer
  countries and time zones and a few per-order ``protection_days`` appear; plus the seed
  story's order (``O-SEED-STORY``: 18 parts, the most expensive, about US$5, missing),
  simulated with the ``seed-story`` scenario. Its order ids start with
  :data:`SAMPLE_PREFIX` (``OE000000011``), so they never collide with the dispute
  simulation's.
- ``route_orders.csv``: the same orders with ``paid_at``, ``estimated_delivery`` and
  ``marketplace``, the input of ``disputelib routes``.
- ``disputes.parquet`` and ``events.parquet``: the disputes and dispute event logs of a
  :data:`DISPUTE_ORDERS`-order simulation of the ``default`` scenario observed to the end
  of :data:`AS_OF` (its ``observed_until`` is 00:00 Pacific time the next day), for the
  notebooks: every dispute opened by then, those still under negotiation with path and
  outcome ``pending``. Ids as ``disputelib simulate`` writes
  them (``O000000011``, ``D000000011``).
- ``dispute_orders.parquet``: the orders of that simulation that have a dispute, in the
  input format of ``disputelib eligibility`` (the columns of ``orders.csv``), so that
  ``disputelib check-log data/sample/events.parquet --orders
  data/sample/dispute_orders.parquet --as-of 2026-11-27`` checks windows and claims too.
- ``README.md``: how the files were made.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from disputelib.orders import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from disputelib.policy import DEFAULT_PACK
from disputelib.scenario import load_scenario
from disputelib.simulate import PENDING, Simulation, simulate, write_simulation
from disputelib.tables import write_table
from disputelib.windows import as_date, eligibility

AS_OF = "2026-11-27"
SEED = 20261127
SAMPLE_ORDERS = 300
POOL_ORDERS = 20_000
DISPUTE_ORDERS = 30_000
SEED_STORY_ID = "O-SEED-STORY"
#: Order-id prefix of ``orders.csv`` (in place of the simulator's ``O``): the eligibility
#: sample and the dispute simulation are different simulations, so their ids must differ.
SAMPLE_PREFIX = "OE"

#: Optional export columns the simulator does not make: ``route_orders.csv`` adds them.
_ROUTE_ONLY: tuple[str, ...] = ("estimated_delivery", "marketplace")
#: Columns of ``orders.csv``: the export columns, then two columns of hidden truth.
CSV_COLUMNS: tuple[str, ...] = (
    *REQUIRED_COLUMNS,
    *(c for c in OPTIONAL_COLUMNS if c not in _ROUTE_ONLY),
    "store_id",
    "n_items",
)
#: Columns of ``route_orders.csv``: what ``disputelib routes`` reads (payment and promised dates too).
ROUTE_CSV_COLUMNS: tuple[str, ...] = (
    "order_id",
    "amount_usd",
    "payment_method",
    "paid_at",
    "shipped_at",
    "received_at",
    "estimated_delivery",
    "marketplace",
    "buyer_country",
    "buyer_timezone",
    "problem",
    "problem_amount_usd",
)
#: Days from payment to the latest promised delivery in ``route_orders.csv`` (drawn per order).
PROMISED_DAYS = (15, 45)
#: Columns whose every value must appear in the sample, at least twice when possible.
_COVER: tuple[str, ...] = ("status", "problem", "payment_method", "buyer_country", "buyer_timezone")


def _start_date(as_of: str, period_days: int, tail_days: int) -> np.datetime64:
    """The start date of a simulated period whose last observed day is ``as_of``."""
    return as_date(as_of) - np.timedelta64(period_days + tail_days - 1, "D")


def _ending_on(as_of: str, scenario: str, period_days: int, tail_days: int) -> tuple[object, str]:
    """A scenario observed to the end of ``as_of`` (00:00 in the pack's timer zone the next day), and its start date."""
    sc = load_scenario(scenario, overrides={"scenario.period_days": period_days,
                                            "scenario.observation_tail_days": tail_days})  # fmt: skip
    return sc, str(_start_date(as_of, period_days, tail_days))


def dispute_simulation(as_of: str = AS_OF, seed: int = SEED, n_orders: int = DISPUTE_ORDERS) -> Simulation:
    """The default scenario's year of orders (plus its observation tail), observed to the end of ``as_of``."""
    base = load_scenario("default")
    sc, start = _ending_on(as_of, "default", base.meta.period_days, base.meta.observation_tail_days)
    return simulate(n_orders, seed, scenario=sc, pack=DEFAULT_PACK, start=start, progress=False)


def seed_story_order(as_of: str = AS_OF, seed: int = SEED) -> pd.DataFrame:
    """The seed story's order, delivered a few days before ``as_of``: one row, id ``O-SEED-STORY``.

    Of 200 simulated seed-story orders, the one whose missing item is priced closest to
    US$5 (the blog's 7,000 KRW).
    """
    sc, start = _ending_on(as_of, "seed-story", 1, 28)
    orders = simulate(200, seed, scenario=sc, start=start, progress=False).orders
    orders = orders[orders["received_at"].notna() & orders["problem_amount_usd"].notna()]
    best = (orders["problem_amount_usd"] - 5.0).abs().to_numpy().argmin()
    row = orders.iloc[[best]].copy()
    row["order_id"] = SEED_STORY_ID
    return row


def sample_orders(as_of: str = AS_OF, seed: int = SEED, n: int = SAMPLE_ORDERS) -> pd.DataFrame:
    """A few hundred orders covering every status on ``as_of``, problem, spelling, country and zone.

    Returns
    -------
    pandas.DataFrame
        :data:`CSV_COLUMNS`, sorted by ``order_id``; the seed story's order first, then
        ids ``OE000000000``... (:data:`SAMPLE_PREFIX`).
    """
    return _sample_pool(as_of, seed, n)[list(CSV_COLUMNS)]


def route_orders(as_of: str = AS_OF, seed: int = SEED, n: int = SAMPLE_ORDERS) -> pd.DataFrame:
    """The orders of :func:`sample_orders` as a buyer or seller export for ``disputelib routes``.

    ``paid_at`` is the simulated order time, ``estimated_delivery`` the payment's date (UTC)
    plus :data:`PROMISED_DAYS` drawn per order from ``seed``, ``marketplace`` AliExpress.

    Returns
    -------
    pandas.DataFrame
        :data:`ROUTE_CSV_COLUMNS`, in the order of :func:`sample_orders`.
    """
    orders = _sample_pool(as_of, seed, n)
    paid = pd.to_datetime(orders["ordered_at"], utc=True)
    rng = np.random.default_rng([seed, 5])
    promised = rng.integers(PROMISED_DAYS[0], PROMISED_DAYS[1] + 1, size=len(orders))
    estimated = paid.dt.tz_localize(None).dt.normalize() + pd.to_timedelta(promised, unit="D")
    out = orders.assign(
        paid_at=paid,
        estimated_delivery=estimated.dt.strftime("%Y-%m-%d"),
        marketplace="AliExpress",
    )
    return out[list(ROUTE_CSV_COLUMNS)].reset_index(drop=True)


def _sample_pool(as_of: str, seed: int, n: int) -> pd.DataFrame:
    """:func:`sample_orders` with the simulated ``ordered_at`` kept."""
    sc, start = _ending_on(as_of, "default", 150, 0)
    pool = simulate(POOL_ORDERS, seed, scenario=sc, start=start, progress=False).orders
    status = eligibility(pool[list(CSV_COLUMNS[:10])], as_of).table["status"]
    look = pool.assign(status=status.to_numpy())
    chosen: list[int] = []
    for column in _COVER:
        values = look[column].dropna()
        for value in sorted(values.unique()):
            chosen += [i for i in values.index[values == value][:2] if i not in chosen]
    chosen += [i for i in look.index[look["protection_days"].notna()][:2] if i not in chosen]
    rest = [i for i in look.index if i not in set(chosen)]
    chosen += rest[: max(0, n - 1 - len(chosen))]
    kept = [*CSV_COLUMNS, "ordered_at"]
    picked = pool.loc[sorted(chosen), kept]
    picked["order_id"] = SAMPLE_PREFIX + picked["order_id"].str.slice(1)
    story = seed_story_order(as_of, seed)[kept]
    return pd.concat([story, picked], ignore_index=True).sort_values("order_id", ignore_index=True)


def dispute_orders(sim: Simulation) -> pd.DataFrame:
    """The orders of ``sim`` that have a dispute, in the columns of ``orders.csv``.

    Returns
    -------
    pandas.DataFrame
        :data:`CSV_COLUMNS` (the export as known at ``observed_until``, then ``store_id``
        and ``n_items``), one row per disputed order, sorted by ``order_id``.
    """
    orders = sim.orders
    disputed = orders["order_id"].isin(sim.disputes["order_id"])
    return orders.loc[disputed, list(CSV_COLUMNS)].sort_values("order_id", ignore_index=True)


README = """# Sample data

Made by the package from a fixed seed; rebuild with `make sample`, i.e.

    python -m disputelib.sample data/sample

(seed {seed}, as of {as_of}, rule pack {pack}). Do not edit by hand.

- `orders.csv`: {n_orders} orders in the export format of `disputelib eligibility`
  (`disputelib eligibility data/sample/orders.csv --as-of {as_of}`), chosen from a
  {pool}-order simulation of the `default` scenario whose 150 days end with {as_of}
  so that every status, problem, payment-method spelling, buyer country and time zone
  appears; two extra columns, `store_id` and `n_items`, are hidden truth. Order
  `{story}` is the seed story (scenario `seed-story`): 18 parts, the most expensive
  (US${story_usd:.2f}) missing. The other ids start with `{prefix}` (`{prefix}000000011`):
  these orders are not the ones of the disputes below, and share no id with them.
- `route_orders.csv`: the same orders as an export with the payment time (`paid_at`, the
  simulated order time), the latest promised delivery date (`estimated_delivery`: the
  payment's UTC date plus {promised_lo} to {promised_hi} days, drawn per order) and
  `marketplace`, for every route to the money on {as_of}:

      disputelib routes data/sample/route_orders.csv --as-of {as_of}

- `disputes.parquet` ({n_disputes} disputes, {n_pending} of them still pending) and
  `events.parquet` ({n_events} events): a {dispute_orders}-order simulation of the
  `default` scenario (a year of orders and a 60-day tail, in Pacific days) observed to
  the end of {as_of}: `observed_until` is 00:00 Pacific time the next day, where
  `check-log --as-of {as_of}` ends the log. Every dispute opened by then is there, those
  not yet agreed, decided or cancelled with path and outcome `pending`. Ids as
  `disputelib simulate` writes them (`O000000011`, `D000000011`). The same data with all
  its orders:

      disputelib simulate --orders {dispute_orders} --seed {seed} --start {start} --out DIR

- `dispute_orders.parquet` ({n_dispute_orders} orders): the orders of that simulation that
  have a dispute, with the columns of `orders.csv` (the export as known on {as_of}), so
  that the logs can be checked against their orders' windows and claims:

      disputelib check-log data/sample/events.parquet --orders data/sample/dispute_orders.parquet --as-of {as_of}

Column meanings: `disputelib.simulate` (module and `Simulation` docstrings).
"""


def write_sample(out_dir: str | Path, as_of: str = AS_OF, seed: int = SEED) -> dict[str, Path]:
    """Write ``orders.csv``, ``route_orders.csv``, ``disputes.parquet``, ``events.parquet``, ``dispute_orders.parquet`` and ``README.md``.

    Returns
    -------
    dict
        File name stem -> path written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    orders = sample_orders(as_of, seed)
    write_table(orders, out / "orders.csv")
    write_table(route_orders(as_of, seed), out / "route_orders.csv")
    sim = dispute_simulation(as_of, seed)
    tmp = out / ".simulation"
    written = write_simulation(sim, tmp)
    paths = {"orders": out / "orders.csv", "route_orders": out / "route_orders.csv"}
    for name in ("disputes", "events"):
        paths[name] = written[name].replace(out / f"{name}.parquet")
    written["orders"].unlink()
    tmp.rmdir()
    disputed = dispute_orders(sim)
    write_table(disputed, out / "dispute_orders.parquet")
    paths["dispute_orders"] = out / "dispute_orders.parquet"
    base = load_scenario("default").meta
    start = _start_date(as_of, base.period_days, base.observation_tail_days)
    story = orders.loc[orders["order_id"] == SEED_STORY_ID, "problem_amount_usd"].item()
    (out / "README.md").write_text(
        README.format(seed=seed, as_of=as_of, pack=DEFAULT_PACK, n_orders=len(orders), pool=POOL_ORDERS,
                      story=SEED_STORY_ID, story_usd=story, prefix=SAMPLE_PREFIX,
                      n_dispute_orders=len(disputed), n_disputes=len(sim.disputes), n_events=len(sim.events),
                      n_pending=int((sim.disputes["outcome"] == PENDING).sum()),
                      dispute_orders=DISPUTE_ORDERS, start=start,
                      promised_lo=PROMISED_DAYS[0], promised_hi=PROMISED_DAYS[1]),
        encoding="utf-8",
    )  # fmt: skip
    paths["readme"] = out / "README.md"
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m disputelib.sample DIR``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m disputelib.sample DIR", file=sys.stderr)
        return 2
    paths = write_sample(args[0])
    print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Seeded simulation of orders and disputes, driven by a scenario and a rule pack.

:func:`simulate` draws orders (stores, items and prices, payment methods by buyer country,
shipping, transit, what went wrong), the buyers' and sellers' reactions, and every
dispute's event log; :func:`write_simulation` writes ``orders.parquet``,
``events.parquet`` and ``disputes.parquet``.

What comes from where
---------------------
- The scenario (:mod:`disputelib.scenario`) holds behaviour: shares, delays, generosity.
- The rule pack holds the rules: the dispute window (:func:`disputelib.windows.compute_windows`
  on each would-be dispute), the timers (:func:`disputelib.lifecycle.fire_instants`), what
  a silent seller causes (:func:`disputelib.lifecycle.silence_event`), refund routing
  (:func:`disputelib.refunds.refund_channel`) and business days
  (:func:`disputelib.refunds.add_business_days`).
- Every simulated step is checked against the pack's transition table with
  :func:`disputelib.lifecycle.next_states` before anything is returned: an illegal step
  raises :class:`SimulationError`. The table, not this module, is the authority.

Reproducibility
---------------
Orders are cut into blocks of :data:`BLOCK_SIZE`. Each random variable of a block has its
own stream, ``numpy.random.SeedSequence(seed, spawn_key=(block, variable))``, and is drawn
for every order of the block with prefix-stable draws (uniforms and transforms of
uniforms). Order ``i`` therefore gets the same values whatever ``n_orders`` is and however
the blocks are later processed or written: ``simulate(1_000, s)`` is the first thousand
orders of ``simulate(1_000_000, s)``.

Observation
-----------
The period follows the pack's timer zone (Pacific time for the built-in packs), like every
date in the package. Orders are placed evenly over ``period_days`` from ``start``, 00:00
in the timer zone on the start date; everything is observed for ``period_days`` +
``observation_tail_days`` calendar days, until ``observed_until`` =
:func:`disputelib.clock.midnight_after` of the last observed day (00:00 in the timer zone
of start date + ``period_days`` + ``observation_tail_days``). So ``disputelib check-log
events.parquet --orders ORDERS --as-of LAST_DAY``, which reads a log as running to 00:00
of the day after ``LAST_DAY`` in the pack's timer zone, ends the log exactly at
``observed_until``. The order columns an export would show (``shipped_at``,
``received_at``, ``problem``) are as known then. Every dispute opened by then appears in ``events`` and
``disputes``, whether or not its negotiation ended (agreement, decision or cancellation)
by then; events after ``observed_until`` are cut, so ``refund_received_at`` is empty while
the money is on its way. A dispute still under negotiation at ``observed_until`` has path
and outcome ``pending``, ``refund_usd`` 0, no ``decided_at``, ``refund_received_at`` or
``refund_channel``, and its event log stops at ``observed_until``: it keeps every event up
to then, timer events included (an ``auto_escalated`` whose timer ran out by then; the
legacy pack's silence refund decides the dispute, so a dispute that got one is not
pending), so every cut log still obeys the pack (:func:`disputelib.audit.check_log` with
``as_of=observed_until``). Analyses treat such a dispute as censored at
``observed_until``, never as one without a refund.

Dispute paths and times
-----------------------
``path``: ``agreed_with_seller`` (the buyer accepted a seller's proposal),
``buyer_escalated``, ``auto_escalated`` (a timer decided: the seller was silent, or,
under a pack with an ``auto_escalation`` timer, the dispute was still open when it ran
out), ``cancelled``, or ``pending`` (not yet agreed, decided or cancelled at
``observed_until``; ``escalated_at`` and ``seller_answered_at`` show how far it got).
``outcome``: ``refunded_full``, ``refunded_partial``, ``seller_won`` (decided with no
refund), ``cancelled`` or ``pending`` (the same disputes as path ``pending``). Under a
pack whose silent seller loses (``aliexpress-legacy``) a silent seller's dispute has path
``auto_escalated``, ``escalated_at`` empty and ``decided_at`` = the instant the seller's
time ran out. ``decided_at`` is the ``buyer_accepted`` or ``platform_decided`` instant
(empty for cancelled and pending disputes); ``seller_answered_at`` the first
``seller_proposed`` / ``seller_rejected``.
"""

from __future__ import annotations

import functools
import json
import sys
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from disputelib.clock import local_dates, midnight_after
from disputelib.columns import per_distinct
from disputelib.lifecycle import EVENTS, STATES, fire_instants, next_states, silence_event
from disputelib.orders import PROBLEMS, RECEIVED, SHIPPED
from disputelib.payments import PAYMENT_METHODS
from disputelib.policy import Pack, load_pack
from disputelib.refunds import add_business_days, refund_channel
from disputelib.scenario import NO_AGREEMENT, SELLER_ANSWERS, SELLER_FIXES, STRATEGIES, WHAT_WENT_WRONG, Scenario
from disputelib.scenario import load_scenario as _load_scenario
from disputelib.tables import TableError
from disputelib.windows import compute_windows

#: Orders per block of random streams. Part of the model: changing it changes the data.
BLOCK_SIZE = 65_536

#: ``disputes.parquet`` columns, in order.
DISPUTE_COLUMNS: tuple[str, ...] = (
    "dispute_id",
    "order_id",
    "store_id",
    "payment_method",
    "buyer_country",
    "dispute_type",
    "problem",
    "claim_usd",
    "strategy",
    "filmed_unboxing",
    "path",
    "outcome",
    "refund_usd",
    "opened_at",
    "seller_answered_at",
    "escalated_at",
    "decided_at",
    "refund_received_at",
    "refund_channel",
    "observed_until",
    "pack",
)
#: ``events.parquet`` columns (the input of ``disputelib check-log``).
EVENT_COLUMNS: tuple[str, ...] = ("dispute_id", "order_id", "event", "at", "amount_usd")
#: Dispute paths; ``pending``: not yet agreed, decided or cancelled at ``observed_until``.
PATHS: tuple[str, ...] = ("agreed_with_seller", "auto_escalated", "buyer_escalated", "cancelled", "pending")
#: Dispute outcomes; ``pending``: not yet agreed, decided or cancelled at ``observed_until``.
OUTCOMES: tuple[str, ...] = ("refunded_full", "refunded_partial", "seller_won", "cancelled", "pending")
#: Path and outcome of a dispute still under negotiation when observation ends.
PENDING = "pending"
#: Hidden truth: ``what_went_wrong`` also says ``not_shipped`` for orders never shipped.
NOT_SHIPPED = "not_shipped"

_E = {name: np.int8(i) for i, name in enumerate(EVENTS)}
_DAY = 86_400
_UNIT = "datetime64[s]"
_NAT = np.datetime64("NaT", "s")
_TS = "datetime64[us, UTC]"


class SimulationError(RuntimeError):
    """The simulator produced a step the pack's transition table forbids (a defect)."""


@dataclass(frozen=True, eq=False)
class Simulation:
    """Simulated orders, dispute events and disputes.

    Attributes
    ----------
    orders
        The order export (the input columns of ``disputelib eligibility``) plus the hidden
        truth: ``store_id``, ``ordered_at``, ``delivered_at``, ``n_items``,
        ``item_prices`` (list of US$), ``problem_item_index`` (0-based position of the
        missing, damaged... item; <NA> when none), ``what_went_wrong``, ``strategy``,
        ``filmed_unboxing``, ``seller_fix`` (what a seller the buyer talked to first did:
        ``none``, ``reship``, ``refund`` or ``gift``; <NA> when the buyer did not talk to
        the seller), ``seller_fix_at`` (when the fix reached the buyer: the money for a
        refund, the parcel for a reship, the seller's agreement for a gift; NaT without a
        fix), ``seller_fix_usd`` (money the seller returned outside a dispute: the refund,
        0 for a reship, a gift or no fix) and ``dispute_id`` (<NA> when no dispute was
        opened by ``observed_until``). Like ``delivered_at``, the hidden truth is not cut
        at ``observed_until``: a ``seller_fix_at`` after it is a fix still on its way then.
    events
        ``dispute_id``, ``order_id``, ``event``, ``at`` (UTC), ``amount_usd``.
    disputes
        One row per dispute opened by ``observed_until``, columns :data:`DISPUTE_COLUMNS`;
        disputes still under negotiation then have path and outcome ``pending``.
    observed_until
        The end of the simulated period (UTC): 00:00 in the pack's timer zone of the day
        after the last observed day, the end of that day for ``check-log --as-of``.
    scenario, pack, seed
        What produced the data.
    """

    orders: pd.DataFrame
    events: pd.DataFrame
    disputes: pd.DataFrame
    observed_until: pd.Timestamp
    scenario: str
    pack: str
    seed: int
    meta: Mapping[str, object] = field(default_factory=dict, repr=False, compare=False)

    def summary(self) -> str:
        """One line: orders, disputes, events."""
        return f"{len(self.orders)} orders, {len(self.disputes)} disputes, {len(self.events)} events"


# --------------------------------------------------------------------------- random streams


class _Draws:
    """Named random streams of one block, each drawn for every order of the block."""

    def __init__(self, seed: int, block: int, n: int):
        self.seed, self.block, self.n = seed, block, n

    def _rng(self, name: str) -> np.random.Generator:
        ss = np.random.SeedSequence(self.seed, spawn_key=(self.block, zlib.crc32(name.encode())))
        return np.random.Generator(np.random.PCG64(ss))

    def uniform(self, name: str, size: int | None = None) -> np.ndarray:
        """Uniforms on [0, 1); the first k values never depend on ``size``."""
        return self._rng(name).random(self.n if size is None else size)

    def normal(self, name: str, size: int | None = None) -> np.ndarray:
        """Standard normals by Box-Muller on pairs of uniforms (prefix-stable)."""
        u = self._rng(name).random(2 * (self.n if size is None else size)).reshape(-1, 2)
        return np.sqrt(-2.0 * np.log1p(-u[:, 0])) * np.cos(2.0 * np.pi * u[:, 1])

    def exponential(self, name: str, mean: float) -> np.ndarray:
        return -mean * np.log1p(-self.uniform(name))

    def between(self, name: str, bounds: tuple[float, float]) -> np.ndarray:
        low, high = bounds
        return low + (high - low) * self.uniform(name)

    def lognormal(self, name: str, median: float, sigma: float) -> np.ndarray:
        return median * np.exp(sigma * self.normal(name))

    def chance(self, name: str, p: float | np.ndarray) -> np.ndarray:
        return self.uniform(name) < p

    def pick(self, name: str, mix: Mapping[str, float], labels: tuple[str, ...] | None = None) -> np.ndarray:
        """Codes into ``labels`` (default: the mix's keys) drawn with the mix's shares."""
        labels = tuple(mix) if labels is None else labels
        cum = np.cumsum([mix.get(k, 0.0) for k in labels])
        cum[-1] = 1.0
        return np.minimum(np.searchsorted(cum, self.uniform(name), side="right"), len(labels) - 1)

    def pick_within(self, name: str, groups: np.ndarray, mixes: list[Mapping[str, float]]) -> tuple[np.ndarray, list]:
        """One draw per row from the mix of the row's group; codes into a flat list of ``(group, key)``."""
        flat, cums = [], []
        for g, mix in enumerate(mixes):
            shares = np.asarray(list(mix.values()), dtype=float)
            cum = np.cumsum(shares)
            cum[-1] = 1.0
            cums.append(g + cum)
            flat += [(g, k) for k in mix]
        edges = np.concatenate(cums)
        codes = np.searchsorted(edges, groups + self.uniform(name), side="right")
        starts = np.concatenate([[0], np.cumsum([len(m) for m in mixes])])
        lo, hi = starts[groups], starts[groups + 1] - 1
        return np.clip(codes, lo, hi), flat


# --------------------------------------------------------------------------- helpers


def _strings(labels, codes: np.ndarray, valid: np.ndarray | None = None) -> pd.Series:
    """A ``str`` Series from codes into ``labels`` (missing where ``valid`` is False)."""
    values = pa.array(list(labels), type=pa.string())
    idx = pa.array(np.asarray(codes, dtype=np.int32), mask=None if valid is None else ~np.asarray(valid, bool))
    return pd.Series(pd.array(values.take(idx), dtype="str"))


def _ids(prefix: str, numbers: np.ndarray, width: int = 9) -> pd.Series:
    """``prefix`` + zero-padded numbers (``O000000042``), built as one Arrow buffer."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n, size = len(numbers), len(prefix) + width
    chars = np.empty((n, size), dtype=np.uint8)
    chars[:, : len(prefix)] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    rest = numbers.copy()
    for j in range(size - 1, len(prefix) - 1, -1):
        chars[:, j] = rest % 10 + 48
        rest //= 10
    offsets = np.arange(0, size * (n + 1), size, dtype=np.int32)
    text = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))
    return pd.Series(pd.array(text, dtype="str"))


@functools.cache
def _store_ids(count: int) -> tuple[str, ...]:
    return tuple(f"S{i:05d}" for i in range(count))


def _utc(values: np.ndarray) -> pd.Series:
    """tz-aware UTC timestamps from ``datetime64[s]`` (NaT stays NaT)."""
    return pd.Series(np.asarray(values, dtype=_UNIT).astype("datetime64[us]")).dt.tz_localize("UTC")


def _days(x: np.ndarray) -> np.ndarray:
    """Fractional days as ``timedelta64[s]``."""
    return np.round(np.asarray(x) * _DAY).astype(np.int64).astype("timedelta64[s]")


def _hours(x: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x) * 3600).astype(np.int64).astype("timedelta64[s]")


def _start_of(dates: np.ndarray, zone: str) -> np.ndarray:
    """00:00 in ``zone`` of each date, as UTC ``datetime64[s]``."""
    days = np.asarray(dates, dtype="datetime64[D]") - np.timedelta64(1, "D")
    return midnight_after(days, zone).tz_convert("UTC").tz_localize(None).to_numpy(_UNIT)


def _fires(instants: np.ndarray, offset: int, zone: str) -> np.ndarray:
    """When a pack timer of ``offset`` days anchored at ``instants`` runs out (UTC ``datetime64[s]``)."""
    return fire_instants(local_dates(instants.astype("datetime64[ns]"), zone), offset, zone).astype(_UNIT)


def _later(*values: np.ndarray) -> np.ndarray:
    """Element-wise latest of instants, NaT ignored."""
    out = values[0].copy()
    for v in values[1:]:
        out = np.where(np.isnat(out) | (v > out), v, out)
    return out


# --------------------------------------------------------------------------- orders


def _orders_block(draws: _Draws, first: int, sc: Scenario, pack: Pack, start: np.datetime64) -> dict:
    """The orders of one block as plain arrays (true times, before observation)."""
    n = draws.n
    out: dict = {"number": first + np.arange(n, dtype=np.int64)}
    ranks = np.arange(1, sc.stores.count + 1, dtype=float) ** -sc.stores.popularity_exponent
    out["store"] = draws.pick("store", dict(zip(map(str, range(sc.stores.count)), ranks / ranks.sum(), strict=True)))

    countries = tuple(sc.countries)
    country = draws.pick("country", sc.countries)
    out["country"], out["countries"] = country, countries
    zone_code, zones = draws.pick_within("timezone", country, [sc.timezones[c] for c in countries])
    out["zone"], out["zones"] = zone_code, [z for _, z in zones]
    method_code, methods = draws.pick_within("payment_method", country, [sc.payment_mix(c) for c in countries])
    method = np.asarray([PAYMENT_METHODS.index(m) for _, m in methods])[method_code]
    out["method"] = method
    spell_code, spellings = draws.pick_within("spelling", method, [sc.spellings(m) for m in PAYMENT_METHODS])
    out["spelling"], out["spellings"] = spell_code, [s for _, s in spellings]

    ordered = start + _days(draws.uniform("ordered_at") * sc.meta.period_days)
    out["ordered"] = ordered

    it = sc.items
    if it.count_mean > it.count_min:
        p = 1.0 / (it.count_mean - it.count_min + 1.0)
        extra = np.floor(np.log1p(-draws.uniform("n_items")) / np.log1p(-p))
    else:
        extra = np.zeros(n)
    n_items = np.minimum(it.count_min + extra, it.count_max).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(n_items)])
    total = int(offsets[-1])
    prices = np.maximum(np.round(it.price_median_usd * np.exp(it.price_sigma * draws.normal("item_price", total)), 2),
                        it.price_min_usd)  # fmt: skip
    starts = offsets[:-1]
    amount = np.round(np.add.reduceat(prices, starts), 2)
    top = np.maximum.reduceat(prices, starts)
    owner = np.repeat(np.arange(n), n_items)
    hits = np.flatnonzero(prices == top[owner])
    first_hit = hits[np.unique(owner[hits], return_index=True)[1]]
    dearest = first_hit - starts
    out.update(n_items=n_items, offsets=offsets, prices=prices, amount=amount)

    fu = sc.fulfilment
    wrong = draws.pick("what_went_wrong", sc.problems, tuple(WHAT_WENT_WRONG))
    never = draws.chance("never_shipped", fu.p_never_shipped)
    shipped = ordered + _days(np.minimum(draws.exponential("ship_days", fu.ship_days_mean), fu.ship_days_max))
    shipped = np.where(never, _NAT, shipped)
    transit = np.clip(draws.lognormal("transit_days", fu.transit_days_median, fu.transit_days_sigma),
                      fu.transit_days_min, fu.transit_days_max)  # fmt: skip
    lost = wrong == list(WHAT_WENT_WRONG).index("lost")
    delivered = np.where(lost, _NAT, shipped + _days(transit))
    confirmed = draws.chance("confirm_receipt", fu.p_confirm_receipt)
    received = np.where(confirmed, delivered + _days(draws.exponential("confirm_days", fu.confirm_days_mean)), _NAT)

    item_level = ~np.isin(wrong, [0, 1]) & ~never  # none, lost
    missing = wrong == list(WHAT_WENT_WRONG).index("missing_item")
    anyone = np.floor(draws.uniform("problem_item") * n_items).astype(np.int64)
    item = np.where(missing & draws.chance("most_expensive_missing", fu.p_most_expensive_missing), dearest, anyone)
    item = np.where(item_level, item, -1)
    out.update(wrong=np.where(never, len(WHAT_WENT_WRONG), wrong), never=never, item=item)
    out["problem_amount"] = np.where(item >= 0, prices[starts + np.maximum(item, 0)], np.nan)
    out.update(shipped=shipped, delivered=delivered, received=received)

    default_days = np.asarray([pack.protection.days_for(c) for c in countries])[country]
    extended = draws.chance("protection_extended", fu.p_protection_extended)
    add = np.round(draws.between("protection_extension", fu.protection_extension_days)).astype(np.int64)
    out["protection"] = np.where(extended, default_days + add, -1)

    bu = sc.buyers
    out["strategy"] = draws.pick("strategy", bu.strategy, STRATEGIES)
    out["filmed"] = draws.chance("filmed_unboxing", bu.p_filmed_unboxing) & ~np.isnat(delivered)
    has_problem = (wrong > 0) & ~never
    talks = has_problem & (out["strategy"] == STRATEGIES.index("talk_first"))
    fix = draws.pick("seller_fix", sc.sellers.fix_when_contacted, SELLER_FIXES)
    out["fix"] = np.where(talks, fix, -1)
    acts = has_problem & draws.chance("acts_on_problem", bu.p_act_on_problem)
    out["talks"] = talks
    out["acts"] = acts & ~(talks & (fix > 0))
    patience = draws.between("lost_patience", bu.lost_patience_days)
    noticed = np.where(lost, shipped + _days(patience), delivered + _hours(draws.exponential("notice_hours", bu.notice_hours_mean)))
    out["noticed"] = np.where(has_problem, noticed, _NAT)
    wait = np.where(talks, _days(draws.exponential("talk_days", bu.talk_days_mean)),
                    _hours(draws.exponential("open_delay_hours", bu.open_delay_hours_mean)))  # fmt: skip
    out["wants_to_open"] = out["noticed"] + wait
    out["window_jitter"] = _hours(draws.uniform("window_jitter") * 12)
    _seller_fixes(draws, out, sc, pack)
    return out


def _money_arrives(issued_at: np.ndarray, methods: np.ndarray, channel: np.ndarray, countries: np.ndarray,
                   u_days: np.ndarray, u_hour: np.ndarray, sc: Scenario, pack: Pack) -> np.ndarray:  # fmt: skip
    """When refunds issued at ``issued_at`` reach the buyer (UTC ``datetime64[s]``).

    ``refunds.business_days`` of the payment method (of ``alipay`` for a refund the pack
    routes to Alipay) after the issuing day in the pack's timer zone, on the buyer
    country's business days, between 08:00 and 18:00 in that zone, and never sooner than
    ten minutes after issuing. ``u_days`` and ``u_hour`` are uniforms, one per refund.
    """
    zone, rf = pack.timer_zone, sc.refunds
    key = np.where(channel == "alipay", "alipay", methods)
    lows = np.asarray([rf.business_days[m][0] for m in PAYMENT_METHODS])
    highs = np.asarray([rf.business_days[m][1] for m in PAYMENT_METHODS])
    key_code = per_distinct(pd.Series(key, dtype=object), PAYMENT_METHODS.index, 0, np.int64)
    lo, hi = lows[key_code], highs[key_code]
    steps = np.minimum(np.floor(lo + (hi - lo + 1) * u_days).astype(np.int64), hi.astype(np.int64))
    issued_day = local_dates(issued_at.astype("datetime64[ns]"), zone)
    arrive_day = add_business_days(issued_day, steps, pd.Series(countries, dtype=object))
    arrive_at = _start_of(arrive_day, zone) + _hours(8 + 10 * u_hour)
    return _later(arrive_at, issued_at + np.timedelta64(600, "s"))


def _seller_fixes(draws: _Draws, o: dict, sc: Scenario, pack: Pack) -> None:
    """When a contacted seller's fix reaches the buyer, and what a seller's refund returns.

    Adds ``fix_at`` (UTC ``datetime64[s]``, NaT without a fix) and ``fix_usd`` (the
    refund; 0 for a reship, a gift or no fix) to ``o``. The seller agrees
    ``sellers.fix_days_mean`` days (exponential) after the buyer noticed the problem; a
    gift settles it then; a reship is shipped and travels like an order (``fulfilment``'s
    ship and transit days); a refund of a ``sellers.refund_fraction`` share of the
    problem's value (the item's price, the order's amount for a lost parcel) is issued
    like a dispute refund and reaches the buyer as :func:`_money_arrives` says.
    """
    fix, se, fu = o["fix"], sc.sellers, sc.fulfilment
    agreed = o["noticed"] + _days(draws.exponential("seller_fix_days", se.fix_days_mean))
    fix_at = np.full(draws.n, _NAT)
    gift = fix == SELLER_FIXES.index("gift")
    fix_at[gift] = agreed[gift]

    reship = fix == SELLER_FIXES.index("reship")
    ship = _days(np.minimum(draws.exponential("reship_ship_days", fu.ship_days_mean), fu.ship_days_max))
    transit = np.clip(draws.lognormal("reship_transit_days", fu.transit_days_median, fu.transit_days_sigma),
                      fu.transit_days_min, fu.transit_days_max)  # fmt: skip
    fix_at[reship] = (agreed + ship + _days(transit))[reship]

    refund = np.flatnonzero(fix == SELLER_FIXES.index("refund"))
    value = np.where(np.isnan(o["problem_amount"]), o["amount"], o["problem_amount"])
    share = draws.between("seller_refund_fraction", se.refund_fraction)
    amount = np.minimum(np.maximum(np.round(value * share, 2), 0.01), value)
    issue_hours = np.maximum(draws.exponential("seller_refund_issue_hours", sc.refunds.issue_hours_mean), 1 / 60)
    issued_at = (agreed + _hours(issue_hours))[refund]
    methods = np.asarray(PAYMENT_METHODS, dtype=object)[o["method"][refund]]
    channel = refund_channel(pd.Series(methods, dtype=object), pack).to_numpy(object)
    countries = np.asarray(o["countries"], dtype=object)[o["country"][refund]]
    fix_at[refund] = _money_arrives(issued_at, methods, channel, countries, draws.uniform("seller_refund_business_days")[refund],
                                    draws.uniform("seller_refund_hour")[refund], sc, pack)  # fmt: skip
    o["fix_at"] = fix_at
    o["fix_usd"] = np.zeros(draws.n)
    o["fix_usd"][refund] = amount[refund]


def _problem_labels() -> list[str | None]:
    return [*WHAT_WENT_WRONG.values(), None]


# --------------------------------------------------------------------------- disputes


def _windows(o: dict, rows: np.ndarray, pack: Pack) -> pd.DataFrame:
    """The pack's dispute window and claim for the orders at ``rows`` (true receipt dates)."""
    zone = pack.timer_zone
    problems = np.asarray(_problem_labels(), dtype=object)[o["wrong"][rows]]
    prot = o["protection"][rows]
    frame = pd.DataFrame(
        {
            "order_id": np.arange(len(rows)),
            "amount_usd": o["amount"][rows],
            "payment_method": np.asarray(PAYMENT_METHODS, dtype=object)[o["method"][rows]],
            SHIPPED: local_dates(o["shipped"][rows].astype("datetime64[ns]"), zone).astype(_UNIT),
            RECEIVED: local_dates(o["received"][rows].astype("datetime64[ns]"), zone).astype(_UNIT),
            "buyer_country": np.asarray(o["countries"], dtype=object)[o["country"][rows]],
            "protection_days": pd.arrays.IntegerArray(np.where(prot > 0, prot, 0), prot <= 0),
            "problem": pd.array(problems, dtype="string"),
            "problem_amount_usd": o["problem_amount"][rows],
        }
    )
    today = np.datetime64("2000-01-01")
    return compute_windows(frame, today, pack)


def _disputes_block(draws: _Draws, o: dict, sc: Scenario, pack: Pack, observed_until: np.datetime64) -> dict:
    """Every dispute of one block: per-slot events, times and amounts, plus the summary columns."""
    zone = pack.timer_zone
    rows = np.flatnonzero(o["acts"])
    win = _windows(o, rows, pack)
    opens_at = _start_of(win["window_opens"].to_numpy("datetime64[D]"), zone)
    deadline = win["deadline"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(_UNIT)
    opened = _later(o["wants_to_open"][rows], opens_at + o["window_jitter"][rows])
    ok = (opened < deadline) & (opened <= observed_until)
    rows, opened = rows[ok], opened[ok]
    claim = win["claim_usd"].to_numpy(float)[ok]
    dtype = win["dispute_type"].to_numpy(object)[ok]
    k = len(rows)

    def u(name: str) -> np.ndarray:
        return draws.uniform(name)[rows]

    def expo(name: str, mean: float) -> np.ndarray:
        return draws.exponential(name, mean)[rows]

    bu, se, pl, rf = sc.buyers, sc.sellers, sc.platform, sc.refunds
    never_inf = np.datetime64("9999-12-31", "s")
    seller_due = _fires(opened, pack.timer("seller_response").offset, zone)
    auto_due = _fires(opened, pack.timer("auto_escalation").offset, zone) if pack.has_timer("auto_escalation") \
        else np.full(k, never_inf)  # fmt: skip
    esc_rule = pack.timer("buyer_escalation") if pack.has_timer("buyer_escalation") else None

    n_slots = 10
    ev = np.full((k, n_slots), -1, dtype=np.int8)
    at = np.full((k, n_slots), _NAT)
    amt = np.full((k, n_slots), np.nan)
    ev[:, 0], at[:, 0], amt[:, 0] = _E["opened"], opened, claim

    # slot 2: the seller's answer (or silence), slot 4: what ends or escalates the negotiation
    cancel_early = u("cancel_before_answer") < bu.p_cancel_before_answer
    answer_at = opened + _days(draws.lognormal("response_days", se.response_days_median, se.response_days_sigma)[rows])
    answer_at = np.maximum(answer_at, opened + np.timedelta64(600, "s"))
    silent = (u("seller_silent") < se.p_silent) | (answer_at >= seller_due)
    cancel_at = opened + ((seller_due - opened) * (0.05 + 0.85 * u("cancel_time"))).astype("timedelta64[s]")
    cancel_early &= ~(~silent & (answer_at <= cancel_at))
    answered = ~silent & ~cancel_early
    kind = draws.pick("seller_answer", se.answer, SELLER_ANSWERS)[rows]
    partial_offer = np.maximum(np.round(claim * draws.between("offer_fraction", se.partial_fraction)[rows], 2), 0.01)
    offer = np.where(kind == 1, np.minimum(partial_offer, claim), claim)
    proposes = answered & (kind < 2)
    ev[answered, 2] = np.where(proposes, _E["seller_proposed"], _E["seller_rejected"])[answered]
    at[answered, 2] = answer_at[answered]
    amt[proposes, 2] = offer[proposes]

    # slot 3: the buyer answers a proposal
    reply_at = answer_at + _hours(np.maximum(expo("answer_hours", bu.answer_hours_mean), 1 / 60))
    accept_p = np.where(kind == 0, bu.p_accept_full, bu.p_accept_partial)
    accepts = proposes & (u("accepts") < accept_p) & (reply_at < auto_due)
    rejects = proposes & ~accepts & (reply_at < auto_due)
    ev[accepts, 3], ev[rejects, 3] = _E["buyer_accepted"], _E["buyer_rejected"]
    at[accepts | rejects, 3] = reply_at[accepts | rejects]

    # after no agreement: escalate, cancel or wait
    no_deal = answered & ~accepts
    since = np.where(rejects, reply_at, answer_at)
    react_at = since + _hours(np.maximum(expo("react_hours", bu.answer_hours_mean), 1 / 60))
    action = draws.pick("after_no_agreement", bu.after_no_agreement, NO_AGREEMENT)[rows]
    has_auto = pack.has_timer("auto_escalation")
    late_escalation = react_at + _days(3 + 7 * u("late_escalation"))
    escalate_at = np.where(action == 2, late_escalation, react_at)
    if esc_rule is not None:
        anchor = opened if esc_rule.anchor == "opened" else answer_at
        allowed = _start_of(local_dates(anchor.astype("datetime64[ns]"), esc_rule.zone) + np.timedelta64(esc_rule.offset, "D"), esc_rule.zone)
        escalate_at = _later(escalate_at, allowed + np.timedelta64(60, "s"))
    escalate_at = _later(escalate_at, since + np.timedelta64(60, "s"))
    timed_out = proposes & (reply_at >= auto_due)
    buyer_escalates = no_deal & ~timed_out & ((action == 0) | ((action == 2) & (not has_auto))) & (escalate_at < auto_due)
    cancels = no_deal & ~timed_out & (action == 1) & (react_at < auto_due)
    auto_after_answer = no_deal & ~buyer_escalates & ~cancels

    silence = silence_event(pack)
    to_silence = silent & ~cancel_early
    ev[cancel_early, 4], at[cancel_early, 4] = _E["buyer_cancelled"], cancel_at[cancel_early]
    ev[cancels, 4], at[cancels, 4] = _E["buyer_cancelled"], react_at[cancels]
    ev[buyer_escalates, 4], at[buyer_escalates, 4] = _E["buyer_escalated"], escalate_at[buyer_escalates]
    ev[auto_after_answer, 4], at[auto_after_answer, 4] = _E["auto_escalated"], auto_due[auto_after_answer]
    ev[to_silence, 4], at[to_silence, 4] = _E[silence], seller_due[to_silence]
    if silence == "platform_decided":
        amt[to_silence, 4] = claim[to_silence]
    escalated = buyer_escalates | auto_after_answer | (to_silence & (silence == "auto_escalated"))

    # slot 5: the platform decides an escalated dispute
    not_received = win["problem"].to_numpy(object)[ok] == "not_received"
    filmed = o["filmed"][rows]
    p_win = np.where(not_received, pl.p_buyer_wins_not_received, np.where(filmed, pl.p_buyer_wins_filmed, pl.p_buyer_wins_unfilmed))
    wins = u("buyer_wins") < p_win
    partial_win = u("partial_decision") < pl.p_partial_decision
    partial_amount = np.maximum(np.round(claim * draws.between("decision_fraction", pl.partial_fraction)[rows], 2), 0.01)
    award = np.where(wins, np.where(partial_win, np.minimum(partial_amount, claim), claim), 0.0)
    decide_at = at[:, 4] + _days(draws.between("decision_days", pl.decision_days)[rows])
    ev[escalated, 5], at[escalated, 5], amt[escalated, 5] = _E["platform_decided"], decide_at[escalated], award[escalated]

    decided_silence = to_silence & (silence == "platform_decided")
    decided_at = np.where(accepts, reply_at, np.where(escalated, decide_at, np.where(decided_silence, seller_due, _NAT)))
    refund = np.where(accepts, offer, np.where(escalated, award, np.where(decided_silence, claim, 0.0)))
    cancelled = cancel_early | cancels
    closed_at = np.where(cancelled, at[:, 4], decided_at)

    # slots 6-9: return, refund issued, refund received
    pays = refund > 0
    returns = pays & (dtype == "return_goods") & (refund >= claim)
    ship_due = _fires(decided_at, pack.timer("return_shipping").offset, zone) if pack.has_timer("return_shipping") \
        else np.full(k, never_inf)  # fmt: skip
    ship_at = np.minimum(decided_at + _days(draws.between("return_ship_days", rf.return_ship_days)[rows]),
                         ship_due - np.timedelta64(3600, "s"))  # fmt: skip
    ship_at = _later(ship_at, decided_at + np.timedelta64(60, "s"))
    back_at = ship_at + _days(draws.lognormal("return_transit", rf.return_transit_days_median, rf.return_transit_days_sigma)[rows])
    ev[returns, 6], at[returns, 6] = _E["return_shipped"], ship_at[returns]
    ev[returns, 7], at[returns, 7] = _E["return_received"], back_at[returns]
    issue_from = np.where(returns, back_at, decided_at)
    issued_at = issue_from + _hours(np.maximum(expo("issue_hours", rf.issue_hours_mean), 1 / 60))
    ev[pays, 8], at[pays, 8], amt[pays, 8] = _E["refund_issued"], issued_at[pays], refund[pays]

    countries = np.asarray(o["countries"], dtype=object)[o["country"][rows]]
    methods = np.asarray(PAYMENT_METHODS, dtype=object)[o["method"][rows]]
    channel = refund_channel(pd.Series(methods), pack).to_numpy(object)
    arrive_at = _money_arrives(issued_at[pays], methods[pays], channel[pays], countries[pays],
                               u("refund_business_days")[pays], u("refund_hour")[pays], sc, pack)  # fmt: skip
    ev[pays, 9], at[pays, 9], amt[pays, 9] = _E["refund_received"], arrive_at, refund[pays]

    # slot 1: evidence (the unboxing video) between the opening and the next event
    nxt = np.where(np.isnat(at[:, 2]), at[:, 4], at[:, 2])
    evidence = filmed & ~not_received
    ev_at = opened + ((nxt - opened) * (0.05 + 0.45 * u("evidence_time"))).astype("timedelta64[s]")
    ev[evidence, 1], at[evidence, 1] = _E["evidence_added"], ev_at[evidence]

    path = np.select([accepts, cancelled, buyer_escalates], [0, 3, 2], default=1)
    outcome = np.select([cancelled, refund <= 0, refund >= claim - 0.005], [3, 2, 0], default=1)
    return {
        "rows": rows,
        "ev": ev,
        "at": at,
        "amt": amt,
        "claim": claim,
        "dispute_type": dtype,
        "problem": win["problem"].to_numpy(object)[ok],
        "path": path,
        "outcome": outcome,
        "refund": np.where(pays, refund, 0.0),
        "closed_at": closed_at,
        "escalated_at": np.where(escalated, at[:, 4], _NAT),
        "decided_at": decided_at,
        "channel": np.where(pays, channel, None),
        "methods": methods,
        "countries": countries,
    }


def _check_steps(ev: np.ndarray, at: np.ndarray, pack: Pack) -> None:
    """Replay every dispute's slots through the pack's transition table; raise on an illegal step.

    ``ev`` holds event codes (positions in :data:`~disputelib.lifecycle.EVENTS`, -1 for an
    empty slot), one row per dispute, in time order. Each slot's distinct (state, event)
    pairs are looked up with :func:`~disputelib.lifecycle.next_states`.
    """
    states = np.asarray(STATES, dtype=object)
    events = np.asarray(EVENTS, dtype=object)
    state = np.zeros(len(ev), dtype=np.int64)  # "new"
    last = np.full(len(ev), np.datetime64("1970-01-01", "s"))

    def show(i: int) -> str:
        return ", ".join(f"{events[e]} {t}" for e, t in zip(ev[i], at[i], strict=True) if e >= 0)

    for slot in range(ev.shape[1]):
        has = np.flatnonzero(ev[:, slot] >= 0)
        if not len(has):
            continue
        pairs, inverse = np.unique(state[has] * len(EVENTS) + ev[has, slot], return_inverse=True)
        found = next_states(states[pairs // len(EVENTS)], events[pairs % len(EVENTS)], pack)
        illegal = np.flatnonzero(pd.isna(found))
        if len(illegal):
            i = has[np.flatnonzero(inverse == illegal[0])[0]]
            raise SimulationError(
                f"simulated step {events[ev[i, slot]]!r} in state {states[state[i]]!r} is illegal under pack "
                f"{pack.name!r} (events: {show(i)})"
            )
        early = np.flatnonzero(at[has, slot] <= last[has])
        if len(early):
            raise SimulationError(f"simulated events out of time order: {show(has[early[0]])}")
        code = np.asarray([STATES.index(x) for x in found], dtype=np.int64)
        state[has] = code[inverse]
        last[has] = at[has, slot]


# --------------------------------------------------------------------------- assembly


def _block(seed: int, block: int, n: int, sc: Scenario, pack: Pack, start: np.datetime64,
           observed_until: np.datetime64) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:  # fmt: skip
    draws = _Draws(seed, block, n)
    o = _orders_block(draws, block * BLOCK_SIZE, sc, pack, start)
    d = _disputes_block(draws, o, sc, pack, observed_until)
    ev, at, amt = d["ev"], d["at"], d["amt"]
    _check_steps(ev, at, pack)
    rows = d["rows"]
    # every dispute opened by observed_until is kept; its events are cut there (slots are
    # in time order, so the cut log is a prefix of the full, legal one)
    pending = ~(d["closed_at"] <= observed_until)
    at = np.where(at <= observed_until, at, _NAT)
    ev = np.where(np.isnat(at), -1, ev)

    order_numbers = o["number"]
    numbers = order_numbers[rows]
    present = ev >= 0
    per = present.sum(axis=1)
    events = pd.DataFrame(
        {
            "dispute_id": _ids("D", np.repeat(numbers, per)),
            "order_id": _ids("O", np.repeat(numbers, per)),
            "event": _strings(EVENTS, ev[present]),
            "at": _utc(at[present]),
            "amount_usd": amt[present],
        }
    )

    refund_at = at[:, 9]
    path = np.where(pending, PATHS.index(PENDING), d["path"])
    outcome = np.where(pending, OUTCOMES.index(PENDING), d["outcome"])
    refund = np.where(pending, 0.0, d["refund"])
    escalated_at = np.where(d["escalated_at"] <= observed_until, d["escalated_at"], _NAT)
    decided_at = np.where(pending, _NAT, d["decided_at"])
    channel = np.where(pending, None, d["channel"])
    disputes = pd.DataFrame(
        {
            "dispute_id": _ids("D", numbers),
            "order_id": _ids("O", numbers),
            "store_id": _strings(_store_ids(sc.stores.count), o["store"][rows]),
            "payment_method": pd.Series(pd.array(d["methods"].astype(str), dtype="str")),
            "buyer_country": pd.Series(pd.array(d["countries"].astype(str), dtype="str")),
            "dispute_type": pd.Series(pd.array(d["dispute_type"].astype(str), dtype="str")),
            "problem": pd.Series(pd.array(d["problem"].astype(str), dtype="str")),
            "claim_usd": d["claim"],
            "strategy": _strings(STRATEGIES, o["strategy"][rows]),
            "filmed_unboxing": o["filmed"][rows],
            "path": _strings(PATHS, path),
            "outcome": _strings(OUTCOMES, outcome),
            "refund_usd": refund,
            "opened_at": _utc(at[:, 0]),
            "seller_answered_at": _utc(at[:, 2]),
            "escalated_at": _utc(escalated_at),
            "decided_at": _utc(decided_at),
            "refund_received_at": _utc(refund_at),
            "refund_channel": pd.Series(pd.array(channel, dtype="str")),
            "observed_until": _utc(np.full(len(rows), observed_until)),
            "pack": pd.Series(pd.array(np.full(len(rows), pack.name, dtype=object), dtype="str")),
        }
    )

    dispute_of = np.full(n, -1, dtype=np.int64)
    dispute_of[rows] = order_numbers[rows]
    orders = _orders_frame(o, sc, observed_until, dispute_of)
    return orders, events, disputes


def _orders_frame(o: dict, sc: Scenario, observed_until: np.datetime64, dispute_of: np.ndarray) -> pd.DataFrame:
    shipped = np.where(o["shipped"] <= observed_until, o["shipped"], _NAT)
    received = np.where(o["received"] <= observed_until, o["received"], _NAT)
    labels = _problem_labels()
    known = ~np.isnat(o["noticed"]) & (o["noticed"] <= observed_until)
    problem = np.where(known, o["wrong"], len(labels) - 1)
    prices = pa.ListArray.from_arrays(pa.array(o["offsets"].astype(np.int32)), pa.array(o["prices"]))
    item = o["item"]
    prot = o["protection"]
    return pd.DataFrame(
        {
            "order_id": _ids("O", o["number"]),
            "amount_usd": o["amount"],
            "payment_method": _strings(o["spellings"], o["spelling"]),
            "shipped_at": _utc(shipped),
            "received_at": _utc(received),
            "buyer_country": _strings(o["countries"], o["country"]),
            "buyer_timezone": _strings(o["zones"], o["zone"]),
            "protection_days": pd.Series(pd.arrays.IntegerArray(np.where(prot > 0, prot, 0), prot <= 0)),
            "problem": _strings([x or "" for x in labels], problem, problem < len(labels) - 1),
            "problem_amount_usd": np.where(known, o["problem_amount"], np.nan),
            "store_id": _strings(_store_ids(sc.stores.count), o["store"]),
            "ordered_at": _utc(o["ordered"]),
            "delivered_at": _utc(o["delivered"]),
            "n_items": o["n_items"].astype(np.int16),
            "item_prices": pd.Series(pd.arrays.ArrowExtensionArray(prices)),
            "problem_item_index": pd.Series(pd.arrays.IntegerArray(np.maximum(item, 0).astype(np.int16), item < 0)),
            "what_went_wrong": _strings([*WHAT_WENT_WRONG, NOT_SHIPPED], o["wrong"]),
            "strategy": _strings(STRATEGIES, o["strategy"]),
            "filmed_unboxing": o["filmed"],
            "seller_fix": _strings(SELLER_FIXES, np.maximum(o["fix"], 0), o["fix"] >= 0),
            "seller_fix_at": _utc(o["fix_at"]),
            "seller_fix_usd": o["fix_usd"],
            "dispute_id": _ids_where("D", dispute_of),
        }
    )


def _ids_where(prefix: str, numbers: np.ndarray) -> pd.Series:
    """Ids where ``numbers >= 0``, missing elsewhere."""
    has = numbers >= 0
    small = pa.array(_ids(prefix, numbers[has]).array)
    where = np.cumsum(has) - 1
    return pd.Series(pd.array(small.take(pa.array(where.astype(np.int32), mask=~has)), dtype="str"))


def _progress(progress: bool | None, total: int):
    show = sys.stderr.isatty() if progress is None else progress
    if not show or total <= 1:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="block", desc="simulate", file=sys.stderr)


def simulate(
    n_orders: int,
    seed: int,
    scenario: str | Path | Scenario = "default",
    pack: str | Path | Pack | None = None,
    start: str = "2026-01-01",
    progress: bool | None = None,
) -> Simulation:
    """Simulate orders and their disputes, reproducibly.

    Parameters
    ----------
    n_orders
        Orders to simulate (numbered ``O000000000`` upwards).
    seed
        Seed of every random stream (a non-negative integer).
    scenario
        Scenario name, path or object (see :func:`disputelib.scenario.load_scenario`).
    pack
        Rule pack name, path or object; the default pack when None.
    start
        First day orders are placed, ``YYYY-MM-DD``: the period starts at 00:00 of that
        day in the pack's timer zone and is observed for ``period_days`` +
        ``observation_tail_days`` days, to ``observed_until`` (00:00 in that zone of the
        day after the last observed day).
    progress
        Show a progress bar per block: None shows it when stderr is a terminal.

    Returns
    -------
    Simulation
        ``orders``, ``events`` and ``disputes`` frames (see :class:`Simulation`).

    Raises
    ------
    ValueError
        For a negative ``n_orders`` or ``seed``, or a ``start`` that is not a date.
    SimulationError
        If a simulated step broke the pack's transition table (a defect, never expected).

    Examples
    --------
    >>> sim = simulate(2_000, seed=7, scenario="seed-story")
    >>> sim.orders["n_items"].unique().tolist()
    [18]
    """
    if n_orders < 0 or seed < 0:
        raise ValueError("n_orders and seed must not be negative")
    sc = _load_scenario(scenario)
    pk = load_pack(pack)
    try:
        first_day = np.datetime64(pd.Timestamp(start).date(), "D")
    except ValueError:
        raise ValueError(f"{start!r} is not a date: use YYYY-MM-DD") from None
    # the period is whole calendar days in the pack's timer zone, as check-log --as-of reads them
    last_day = first_day + np.timedelta64(sc.meta.period_days + sc.meta.observation_tail_days - 1, "D")
    start_at = _start_of(np.array([first_day]), pk.timer_zone)[0]
    observed_until = midnight_after(np.array([last_day]), pk.timer_zone).tz_convert("UTC").tz_localize(None)
    observed_until = observed_until.to_numpy(_UNIT)[0]
    n_blocks = -(-n_orders // BLOCK_SIZE)
    parts = []
    bar = _progress(progress, n_blocks)
    began = time.perf_counter()
    for block in range(n_blocks):
        size = min(BLOCK_SIZE, n_orders - block * BLOCK_SIZE)
        parts.append(_block(seed, block, size, sc, pk, start_at, observed_until))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    if not parts:
        parts.append(_block(seed, 0, 0, sc, pk, start_at, observed_until))
    orders, events, disputes = (pd.concat(p, ignore_index=True) for p in zip(*parts, strict=True))
    return Simulation(
        orders=orders,
        events=events,
        disputes=disputes,
        observed_until=pd.Timestamp(observed_until).tz_localize("UTC"),
        scenario=sc.name,
        pack=pk.name,
        seed=seed,
        meta={"seconds": time.perf_counter() - began, "blocks": n_blocks},
    )


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    """An Arrow table whose pandas metadata every reader understands.

    ``pandas.read_parquet`` cannot rebuild a ``list<double>[pyarrow]`` column from its
    stored type name, so list columns are described as ``object``: they read back as
    arrays of numbers.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = json.loads(table.schema.metadata[b"pandas"])
    for column in meta["columns"]:
        if str(column.get("numpy_type", "")).startswith("list<"):
            column["numpy_type"] = "object"
    return table.replace_schema_metadata({**table.schema.metadata, b"pandas": json.dumps(meta).encode()})


def write_simulation(sim: Simulation, out_dir: str | Path) -> dict[str, Path]:
    """Write ``orders.parquet``, ``events.parquet`` and ``disputes.parquet`` into a folder.

    Parameters
    ----------
    sim
        A :class:`Simulation`.
    out_dir
        Folder, created when missing (its parent must exist).

    Returns
    -------
    dict
        ``{"orders": path, "events": path, "disputes": path}``.

    Raises
    ------
    TableError
        When the folder cannot be created or a file cannot be written.
    """
    out = Path(out_dir)
    try:
        out.mkdir(exist_ok=True)
    except OSError as exc:
        raise TableError(f"cannot create folder {str(out)!r}: {exc.strerror or exc}") from None
    paths = {}
    for name in ("orders", "events", "disputes"):
        path = out / f"{name}.parquet"
        partial = out / f".{name}.parquet.partial"
        try:
            pq.write_table(_arrow_table(getattr(sim, name)), partial)
            partial.replace(path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise TableError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
        paths[name] = path
    return paths


# The problem a buyer reports for each kind of trouble must be one disputelib knows.
assert all(p is None or p in PROBLEMS for p in WHAT_WENT_WRONG.values())

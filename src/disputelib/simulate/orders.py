"""Simulated orders: stores, items and prices, payment, shipping, what went wrong, the buyer's
reaction, and what a contacted seller does about a problem (with when refunded money arrives)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from disputelib.clock import local_dates
from disputelib.columns import per_distinct
from disputelib.orders import PROBLEMS
from disputelib.payments import PAYMENT_METHODS
from disputelib.policy import Pack
from disputelib.refunds import add_business_days, refund_channel
from disputelib.scenario import SELLER_FIXES, STRATEGIES, WHAT_WENT_WRONG, Scenario
from disputelib.simulate.streams import _Draws
from disputelib.simulate.times import _NAT, _days, _hours, _later, _start_of

#: Hidden truth: ``what_went_wrong`` also says ``not_shipped`` for orders never shipped.
NOT_SHIPPED = "not_shipped"


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


# The problem a buyer reports for each kind of trouble must be one disputelib knows.
assert all(p is None or p in PROBLEMS for p in WHAT_WENT_WRONG.values())

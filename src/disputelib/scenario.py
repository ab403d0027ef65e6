"""Simulation scenarios: who buys what, what goes wrong, and how people react, as data.

A scenario is a TOML file. The scenarios shipped with the package live in
``disputelib/scenarios/`` (``default`` and ``seed-story``); any other file can be loaded by
its path. Each file is read into frozen dataclasses and checked: unknown or misspelled
keys, probabilities outside [0, 1], mixes (tables of shares) that do not sum to 1, or
impossible ranges raise :class:`ScenarioError`, naming the key and the file.

A scenario holds no rule of the marketplace: windows, timers, refund destinations and the
lifecycle come from the rule pack (:mod:`disputelib.policy`). Single values can be
overridden from Python for what-if runs::

    >>> sc = load_scenario("default", overrides={"fulfilment.p_confirm_receipt": 0.5})
    >>> sc.fulfilment.p_confirm_receipt
    0.5
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from disputelib import datafiles
from disputelib.clock import is_valid_zone
from disputelib.errors import DisputelibError
from disputelib.orders import iso_countries
from disputelib.payments import PAYMENT_METHODS, normalize_payment_method

DEFAULT_SCENARIO = "default"

#: What can go wrong with an order (the hidden truth), and the problem a buyer reports.
WHAT_WENT_WRONG: dict[str, str | None] = {
    "none": None,
    "lost": "not_received",
    "missing_item": "missing_items",
    "damaged": "damaged",
    "not_as_described": "not_as_described",
    "counterfeit": "counterfeit",
    "quality": "quality",
}
STRATEGIES: tuple[str, ...] = ("dispute_at_once", "talk_first")
SELLER_FIXES: tuple[str, ...] = ("none", "reship", "refund", "gift")
SELLER_ANSWERS: tuple[str, ...] = ("propose_full", "propose_partial", "reject")
NO_AGREEMENT: tuple[str, ...] = ("escalate", "cancel", "wait")

_MIX_TOLERANCE = 1e-6


class ScenarioError(DisputelibError, ValueError):
    """A scenario that cannot be found or does not make sense."""


def _doc(kind: str, doc: str, keys: tuple[str, ...] | None = None) -> Any:
    """A dataclass field checked as ``kind`` (see :func:`_check`); ``keys`` fixes a mix's keys."""
    return field(metadata={"kind": kind, "doc": doc, "keys": keys})


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class Meta:
    """Name and observation period."""

    name: str = _doc("str", "short name")
    description: str = _doc("str", "what the scenario is for")
    period_days: int = _doc("int+", "orders are placed evenly over this many days from the start date")
    observation_tail_days: int = _doc("int", "days observed after the last order can be placed")


@dataclass(frozen=True)
class Stores:
    """How orders spread over stores."""

    count: int = _doc("int+", "number of stores")
    popularity_exponent: float = _doc("num", "Zipf exponent of store popularity (0 = all alike)")


@dataclass(frozen=True)
class Items:
    """Items per order and their prices."""

    count_min: int = _doc("int+", "fewest items in an order")
    count_mean: float = _doc("num", "mean items per order (geometric above count_min)")
    count_max: int = _doc("int+", "most items in an order")
    price_median_usd: float = _doc("num+", "median item price")
    price_sigma: float = _doc("num", "log-normal spread of item prices")
    price_min_usd: float = _doc("num+", "cheapest item")


@dataclass(frozen=True)
class Fulfilment:
    """Shipping, transit, receipt confirmation and protection extensions."""

    p_never_shipped: float = _doc("p", "share of orders the seller never ships")
    ship_days_mean: float = _doc("num", "mean days from order to shipment (exponential)")
    ship_days_max: float = _doc("num", "longest days from order to shipment")
    transit_days_median: float = _doc("num+", "median transit days (log-normal)")
    transit_days_sigma: float = _doc("num", "log-normal spread of transit days")
    transit_days_min: float = _doc("num", "shortest transit")
    transit_days_max: float = _doc("num+", "longest transit")
    p_most_expensive_missing: float = _doc("p", "when an item is missing, chance it is the most expensive one")
    p_confirm_receipt: float = _doc("p", "share of buyers who confirm receipt")
    confirm_days_mean: float = _doc("num", "mean days from delivery to confirmation (exponential)")
    p_protection_extended: float = _doc("p", "share of orders whose seller extended the protection")
    protection_extension_days: tuple[float, float] = _doc("range", "days added by an extension")


@dataclass(frozen=True)
class Buyers:
    """Buyers' reactions to a problem."""

    p_act_on_problem: float = _doc("p", "share of buyers with a problem who do something about it")
    strategy: Mapping[str, float] = _doc("mix", "dispute at once or talk to the seller first", STRATEGIES)
    p_filmed_unboxing: float = _doc("p", "share of buyers who film the unboxing")
    notice_hours_mean: float = _doc("num", "mean hours from delivery to noticing a problem")
    open_delay_hours_mean: float = _doc("num", "mean hours from noticing to opening (dispute at once)")
    talk_days_mean: float = _doc("num", "mean days of talking to the seller before opening (talk first)")
    lost_patience_days: tuple[float, float] = _doc("range", "days after shipment a lost parcel is given up on")
    answer_hours_mean: float = _doc("num", "mean hours to answer a proposal")
    p_accept_full: float = _doc("p", "chance of accepting a full refund proposal")
    p_accept_partial: float = _doc("p", "chance of accepting a partial refund proposal")
    p_cancel_before_answer: float = _doc("p", "chance of cancelling before the seller answers")
    after_no_agreement: Mapping[str, float] = _doc("mix", "escalate, cancel, or wait for the timers", NO_AGREEMENT)


@dataclass(frozen=True)
class Sellers:
    """Sellers' answers."""

    fix_when_contacted: Mapping[str, float] = _doc("mix", "what a contacted seller does", SELLER_FIXES)
    fix_days_mean: float = _doc("num", "mean days from the buyer noticing the problem to the seller's fix agreed (exponential)")
    refund_fraction: tuple[float, float] = _doc(
        "fraction_range", "share of the problem's value a seller refunds without a dispute"
    )
    p_silent: float = _doc("p", "share of disputes the seller never answers")
    response_days_median: float = _doc("num+", "median days to answer a dispute (log-normal)")
    response_days_sigma: float = _doc("num", "log-normal spread of the answer delay")
    answer: Mapping[str, float] = _doc("mix", "kind of answer", SELLER_ANSWERS)
    partial_fraction: tuple[float, float] = _doc("fraction_range", "share of the claim a partial proposal offers")


@dataclass(frozen=True)
class Platform:
    """The dispute team's decisions."""

    p_buyer_wins_filmed: float = _doc("p", "buyer wins with an unboxing video")
    p_buyer_wins_unfilmed: float = _doc("p", "buyer wins without one")
    p_buyer_wins_not_received: float = _doc("p", "buyer wins a parcel-not-received dispute")
    p_partial_decision: float = _doc("p", "share of buyer wins decided as a partial refund")
    partial_fraction: tuple[float, float] = _doc("fraction_range", "share of the claim a partial decision gives")
    decision_days: tuple[float, float] = _doc("range", "days from escalation to decision")


@dataclass(frozen=True)
class Refunds:
    """Returns and refund processing."""

    issue_hours_mean: float = _doc("num", "mean hours from decision (or return received) to refund issued")
    return_ship_days: tuple[float, float] = _doc("range", "days from agreeing a return to shipping it")
    return_transit_days_median: float = _doc("num+", "median transit days of a return")
    return_transit_days_sigma: float = _doc("num", "log-normal spread of return transit days")
    business_days: Mapping[str, tuple[float, float]] = _doc(
        "ranges", "business days from refund issued to money received, by payment method", PAYMENT_METHODS
    )


@dataclass(frozen=True)
class Scenario:
    """A complete scenario. Build one with :func:`load_scenario`."""

    meta: Meta
    stores: Stores
    countries: Mapping[str, float]
    timezones: Mapping[str, Mapping[str, float]]
    payment_methods: Mapping[str, Mapping[str, float]]
    payment_spellings: Mapping[str, Mapping[str, float]]
    items: Items
    fulfilment: Fulfilment
    problems: Mapping[str, float]
    buyers: Buyers
    sellers: Sellers
    platform: Platform
    refunds: Refunds
    path: str = field(compare=False)
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.meta.name

    def payment_mix(self, country: str) -> Mapping[str, float]:
        """Payment-method shares for a buyer country (its own table, else ``default``)."""
        return self.payment_methods.get(country, self.payment_methods["default"])

    def spellings(self, method: str) -> Mapping[str, float]:
        """How exports spell a canonical payment method (the canonical name if not given)."""
        return self.payment_spellings.get(method, {method: 1.0})

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A copy with single values replaced, e.g. ``{"buyers.p_filmed_unboxing": 0.5}``."""
        return _build(_apply_overrides(self.raw, overrides, self.path), self.path)


# --------------------------------------------------------------------------- loading


def available_scenarios() -> list[str]:
    """Names of the scenarios shipped with the package."""
    return datafiles.shipped("scenarios")


def load_scenario(
    scenario: str | Path | Scenario | None = None, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Load a scenario by name (a shipped scenario) or by path (any TOML file).

    Parameters
    ----------
    scenario
        A shipped scenario's name (see :func:`available_scenarios`), a path to a TOML
        file, an already loaded :class:`Scenario`, or ``None`` for ``default``.
    overrides
        Dotted keys and new values, e.g. ``{"buyers.strategy.talk_first": 0.2,
        "buyers.strategy.dispute_at_once": 0.8}``.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        When the scenario cannot be found or read, or has unknown keys or impossible
        values; the message names the key and the file.

    Examples
    --------
    >>> load_scenario("seed-story").items.count_max
    18
    """
    if isinstance(scenario, Scenario):
        return scenario.with_overrides(overrides) if overrides else scenario
    name = DEFAULT_SCENARIO if scenario is None else scenario
    raw, where = datafiles.read_toml(name, "scenarios", "scenario", ScenarioError)
    if overrides:
        raw = _apply_overrides(raw, overrides, where)
    return _build(raw, where)


def _apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any], where: str) -> dict:
    return datafiles.apply_overrides(raw, overrides, where, "scenario", ScenarioError)


# --------------------------------------------------------------------------- validation


def _fail(where: str, key: str, problem: str) -> ScenarioError:
    return ScenarioError(f"{where}: '{key}' {problem}")


def _number(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(where, key, f"must be a number, not {value!r}")
    return value


def _mix(value: Any, key: str, where: str, keys: tuple[str, ...] | None = None) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise _fail(where, key, "must be a table of shares (name = probability)")
    out = {}
    for name, share in value.items():
        share = _number(share, f"{key}.{name}", where)
        if not 0 <= share <= 1:
            raise _fail(where, f"{key}.{name}", f"is a probability and must be between 0 and 1, not {share!r}")
        out[str(name)] = float(share)
    if keys is not None:
        unknown = [k for k in out if k not in keys]
        if unknown:
            raise _fail(where, f"{key}.{unknown[0]}", f"is not a known key (known: {', '.join(keys)})")
        missing = [k for k in keys if k not in out]
        if missing:
            raise _fail(where, f"{key}.{missing[0]}", "is missing (give every share, 0 if none)")
    total = sum(out.values())
    if abs(total - 1) > _MIX_TOLERANCE:
        raise _fail(where, key, f"is a mix and its shares must sum to 1, not {total:g}")
    return out


def _range(value: Any, key: str, where: str, upper: float = math.inf) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise _fail(where, key, f"must be a [low, high] pair, not {value!r}")
    low, high = (_number(v, key, where) for v in value)
    if low < 0 or high > upper or low > high:
        limit = f" and at most {upper:g}" if upper != math.inf else ""
        raise _fail(where, key, f"must be a [low, high] pair with 0 <= low <= high{limit}, not {value!r}")
    return float(low), float(high)


def _check(kind: str, value: Any, key: str, where: str, keys: tuple[str, ...] | None) -> Any:
    if kind == "str":
        if not isinstance(value, str):
            raise _fail(where, key, f"must be text, not {value!r}")
        return value
    if kind in ("int", "int+"):
        if isinstance(value, bool) or not isinstance(value, int) or value < (1 if kind == "int+" else 0):
            raise _fail(where, key, f"must be a whole number {'above 0' if kind == 'int+' else '>= 0'}, not {value!r}")
        return value
    if kind == "p":
        value = _number(value, key, where)
        if not 0 <= value <= 1:
            raise _fail(where, key, f"is a probability and must be between 0 and 1, not {value!r}")
        return float(value)
    if kind in ("num", "num+"):
        value = _number(value, key, where)
        if value < 0 or (kind == "num+" and value == 0):
            raise _fail(where, key, f"must be {'above 0' if kind == 'num+' else '>= 0'}, not {value!r}")
        return float(value)
    if kind == "mix":
        return _mix(value, key, where, keys)
    if kind == "range":
        return _range(value, key, where)
    if kind == "fraction_range":
        return _range(value, key, where, upper=1.0)
    if kind == "ranges":
        if not isinstance(value, dict):
            raise _fail(where, key, "must be a table of [low, high] pairs")
        unknown = [k for k in value if k not in keys]
        if unknown:
            raise _fail(where, f"{key}.{unknown[0]}", f"is not a known key (known: {', '.join(keys)})")
        missing = [k for k in keys if k not in value]
        if missing:
            raise _fail(where, f"{key}.{missing[0]}", "is missing")
        return {k: _range(value[k], f"{key}.{k}", where) for k in keys}
    raise AssertionError(kind)  # pragma: no cover


def _section(cls: type, data: Any, key: str, where: str) -> Any:
    if not isinstance(data, dict):
        raise _fail(where, key, "must be a table")
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ScenarioError(f"{where}: unknown key '{key}.{unknown[0]}' (known: {', '.join(names)})")
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            raise ScenarioError(f"{where}: missing key '{key}.{f.name}'")
        values[f.name] = _check(f.metadata["kind"], data[f.name], f"{key}.{f.name}", where, f.metadata["keys"])
    return cls(**values)


def _mixes(data: Any, key: str, where: str) -> dict[str, dict[str, float]]:
    if not isinstance(data, dict):
        raise _fail(where, key, "must be a table of mixes")
    return {name: _mix(body, f"{key}.{name}", where) for name, body in data.items()}


_TOP = (
    "scenario",
    "stores",
    "countries",
    "timezones",
    "payment_methods",
    "payment_spellings",
    "items",
    "fulfilment",
    "problems",
    "buyers",
    "sellers",
    "platform",
    "refunds",
)


def _build(raw: Mapping[str, Any], where: str) -> Scenario:
    unknown = sorted(set(raw) - set(_TOP))
    if unknown:
        raise ScenarioError(f"{where}: unknown key '{unknown[0]}' (known tables: {', '.join(_TOP)})")
    for name in _TOP:
        if name not in raw and name != "payment_spellings":
            raise ScenarioError(f"{where}: missing table [{name}]")
    meta = _section(Meta, raw["scenario"], "scenario", where)
    countries = _mix(raw["countries"], "countries", where)
    known = iso_countries()
    for country in countries:
        if country not in known:
            raise _fail(where, f"countries.{country}", "is not an upper-case ISO 3166 alpha-2 country code")
    timezones = _mixes(raw["timezones"], "timezones", where)
    for country in countries:
        if country not in timezones:
            raise ScenarioError(f"{where}: missing table [timezones.{country}] (every country needs its time zones)")
    for country, zones in timezones.items():
        for zone in zones:
            if not is_valid_zone(zone):
                raise _fail(where, f"timezones.{country}.{zone}", "is not an IANA time zone")
    payments = _mixes(raw["payment_methods"], "payment_methods", where)
    if "default" not in payments:
        raise ScenarioError(f"{where}: missing table [payment_methods.default]")
    for country, mix in payments.items():
        if country != "default" and country not in countries:
            raise _fail(where, f"payment_methods.{country}", "is not a country of [countries]")
        for method in mix:
            if method not in PAYMENT_METHODS:
                raise _fail(where, f"payment_methods.{country}.{method}", f"is not a payment method ({', '.join(PAYMENT_METHODS)})")
    spellings = _mixes(raw.get("payment_spellings", {}), "payment_spellings", where)
    for method, mix in spellings.items():
        if method not in PAYMENT_METHODS:
            raise _fail(where, f"payment_spellings.{method}", f"is not a payment method ({', '.join(PAYMENT_METHODS)})")
        canonical = normalize_payment_method(pd.Series(list(mix)))
        for spelling, found in zip(mix, canonical, strict=True):
            if found != method:
                raise _fail(where, f"payment_spellings.{method}.{spelling}", f"is not a spelling of {method!r}")
    items = _section(Items, raw["items"], "items", where)
    if not items.count_min <= items.count_mean <= items.count_max:
        raise _fail(where, "items.count_mean", "must lie between items.count_min and items.count_max")
    fulfilment = _section(Fulfilment, raw["fulfilment"], "fulfilment", where)
    if fulfilment.transit_days_min > fulfilment.transit_days_max:
        raise _fail(where, "fulfilment.transit_days_min", "is above fulfilment.transit_days_max")
    problems = _mix(raw["problems"], "problems", where, tuple(WHAT_WENT_WRONG))
    return Scenario(
        meta=meta,
        stores=_section(Stores, raw["stores"], "stores", where),
        countries=countries,
        timezones=timezones,
        payment_methods=payments,
        payment_spellings=spellings,
        items=items,
        fulfilment=fulfilment,
        problems=problems,
        buyers=_section(Buyers, raw["buyers"], "buyers", where),
        sellers=_section(Sellers, raw["sellers"], "sellers", where),
        platform=_section(Platform, raw["platform"], "platform", where),
        refunds=_section(Refunds, raw["refunds"], "refunds", where),
        path=where,
        raw=copy.deepcopy(dict(raw)),
    )

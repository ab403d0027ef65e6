"""Rule packs: a marketplace's dispute rules as data.

A rule pack is a TOML file. The packs shipped with the package live in
``disputelib/packs/``; any other file can be loaded by its path. Each file is read into
frozen dataclasses, and every rule carries its summary, its source and how sure we are of
it (``H`` an official page, ``M`` several consistent third-party copies, ``L`` one
unofficial source).

Unknown or misspelled keys and impossible values raise :class:`PackError`, naming the key
and the file. Single values can be overridden from Python for what-if analysis::

    >>> pack = load_pack("aliexpress-2022", overrides={"timers.seller_response.offset": 5})
    >>> pack.timer("seller_response").offset
    5
"""

from __future__ import annotations

import dataclasses
import difflib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from disputelib import datafiles
from disputelib.errors import DisputelibError
from disputelib.payments import KNOWN_METHODS

DEFAULT_PACK = "aliexpress-2022"

#: What a timer can count from.
ANCHORS = frozenset(
    {
        "shipped",  # the seller marked the order shipped
        "received",  # the buyer confirmed receipt, or the order completed by itself
        "opened",  # the dispute was opened (or last modified)
        "seller_answered",  # the seller proposed or rejected
        "decided",  # the dispute was decided in the buyer's favour
        "return_agreed",  # the buyer agreed to return the goods
    }
)
#: How a timer counts (``counts``): ``calendar_days``, whole dates in the timer zone (n days
#: anchored on day d run through day d + n and end at 00:00 of the next day), or
#: ``elapsed``, a countdown from the anchor event's instant (n days end at t + n x 24 h).
COUNTS = frozenset({"calendar_days", "elapsed"})
#: Timers a pack may define, with the anchors, units and ways of counting each may use; the
#: first five are required. Each is read by name by the code that applies it, so an unknown
#: name is a misspelling, never a silent no-op, and a timer the code cannot apply fails at
#: loading. ``hours`` is a unit of ``elapsed`` timers only.
_LIFECYCLE_COUNTS = (("days", "hours"), ("calendar_days", "elapsed"))
TIMER_SPECS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "window_opens": (("shipped",), ("days",), ("calendar_days",)),
    "window_closes": (("received",), ("days",), ("calendar_days",)),
    "seller_response": (("opened", "seller_answered"), *_LIFECYCLE_COUNTS),
    "refund_earliest": (("decided",), ("business_days",), ("calendar_days",)),
    "refund_latest": (("decided",), ("business_days",), ("calendar_days",)),
    "buyer_escalation": (("opened", "seller_answered"), *_LIFECYCLE_COUNTS),
    "auto_escalation": (("opened", "seller_answered"), *_LIFECYCLE_COUNTS),
    "return_shipping": (("return_agreed",), *_LIFECYCLE_COUNTS),
}
TIMERS: tuple[str, ...] = tuple(TIMER_SPECS)
#: The units a timer's offset may be given in: calendar days, hours (``elapsed`` only), or
#: business days on the buyer country's calendar.
UNITS = frozenset({"days", "hours", "business_days"})
CONFIDENCES = frozenset({"H", "M", "L"})
SELLER_SILENCE = frozenset({"auto_escalate", "refund_buyer"})
RULE_KEYS = ("summary", "source", "confidence")


class PackError(DisputelibError, ValueError):
    """A rule pack that cannot be found or does not make sense."""


@dataclass(frozen=True)
class Rule:
    """Where a rule comes from and how sure we are of it."""

    summary: str
    source: str
    confidence: str


@dataclass(frozen=True)
class Timer:
    """A deadline counted from an anchor event.

    With ``counts = "calendar_days"``, ``offset`` counts ``unit`` after the anchor's date in
    ``zone``: ``offset = 10`` with ``unit = "days"`` anchored on ``shipped`` is the 11th day,
    the ship day being day 1. With ``counts = "elapsed"`` it is a countdown from the anchor
    event's instant: ``offset = 15`` days end 360 hours later, whatever the clocks do.
    """

    name: str
    anchor: str
    offset: int
    unit: str
    zone: str
    rule: Rule
    counts: str = "calendar_days"

    @property
    def hours(self) -> int:
        """An ``elapsed`` timer's length in hours (``offset`` days x 24, or ``offset`` hours)."""
        return self.offset * (24 if self.unit == "days" else 1)

    def describe(self) -> str:
        """The timer's arithmetic in words, e.g. ``opened + 15 days, a countdown (elapsed)``."""
        unit = {"business_days": "business days", "days": "days", "hours": "hours"}[self.unit]
        how = "a countdown from the event's instant (elapsed)" if self.counts == "elapsed" else "calendar days"
        if self.unit == "business_days":
            how = "business days on the buyer country's calendar"
        return f"{self.anchor} + {self.offset} {unit}, {how} ({self.zone})"


@dataclass(frozen=True)
class Protection:
    """How long an order that never arrives stays protected after shipment."""

    default_days: int
    by_country: Mapping[str, int]
    rule: Rule

    def days_for(self, country: str | None) -> int:
        """Protection days for a buyer country (ISO 3166 alpha-2, any case)."""
        if not country:
            return self.default_days
        return self.by_country.get(country.upper(), self.default_days)


@dataclass(frozen=True)
class Lifecycle:
    """Pack-specific choices of the dispute lifecycle."""

    seller_silence: str
    rule: Rule


@dataclass(frozen=True)
class Refunds:
    """Where refunds go: payment methods refunded to the buyer's Alipay balance."""

    alipay_methods: frozenset[str]
    rule: Rule


@dataclass(frozen=True)
class Evidence:
    """Evidence upload limits."""

    photo_max_mb: float
    video_max_mb: float
    photo_types: frozenset[str]
    video_types: frozenset[str]
    rule: Rule


@dataclass(frozen=True)
class Pack:
    """A complete rule pack. Build one with :func:`load_pack`.

    Immutable all the way down: the dataclasses are frozen, ``timers``,
    ``protection.by_country`` and ``raw`` are read-only mappings (``raw``'s arrays are
    tuples), and the sets are frozensets. Change a pack with :meth:`with_overrides`.
    """

    name: str
    marketplace: str
    title: str
    timer_zone: str
    source: str
    timers: Mapping[str, Timer]
    protection: Protection
    lifecycle: Lifecycle
    refunds: Refunds
    evidence: Evidence
    path: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    def timer(self, name: str) -> Timer:
        """The timer called ``name``; :class:`PackError` when the pack has none."""
        try:
            return self.timers[name]
        except KeyError:
            known = ", ".join(sorted(self.timers))
            raise PackError(f"pack {self.name!r} has no timer {name!r} (it has: {known})") from None

    def has_timer(self, name: str) -> bool:
        return name in self.timers

    def with_overrides(self, overrides: Mapping[str, Any]) -> Pack:
        """A copy of this pack with single values replaced, e.g. ``{"timers.seller_response.offset": 5}``."""
        return _build(_apply_overrides(thaw(self.raw), overrides, self.path), self.path)


# --------------------------------------------------------------------------- loading


def available_packs() -> list[str]:
    """Names of the packs shipped with the package."""
    return datafiles.shipped("packs")


def load_pack(
    pack: str | Path | Pack | None = None, overrides: Mapping[str, Any] | None = None
) -> Pack:
    """Load a rule pack by name (a shipped pack) or by path (any TOML file).

    Parameters
    ----------
    pack
        A shipped pack's name (see :func:`available_packs`), a path to a TOML file, an
        already loaded :class:`Pack`, or ``None`` for the default pack.
    overrides
        Dotted keys and new values, e.g. ``{"protection.default_days": 90}``.

    Returns
    -------
    Pack

    Raises
    ------
    PackError
        When the pack cannot be found or read, or has unknown keys or impossible values.
    """
    if isinstance(pack, Pack):
        return pack.with_overrides(overrides) if overrides else pack
    raw, where = datafiles.read_toml(DEFAULT_PACK if pack is None else pack, "packs", "rule pack", PackError)
    if overrides:
        raw = _apply_overrides(raw, overrides, where)
    return _build(raw, where)


def freeze(value: Any) -> Any:
    """A read-only deep copy of parsed TOML: tables become ``MappingProxyType``, arrays tuples.

    Examples
    --------
    >>> frozen = freeze({"a": {"b": [1, 2]}})
    >>> frozen["a"]["b"]
    (1, 2)
    >>> frozen["a"]["c"] = 3
    Traceback (most recent call last):
    ...
    TypeError: 'mappingproxy' object does not support item assignment
    """
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value: Any) -> Any:
    """A plain, mutable deep copy of :func:`freeze`'s result (dicts and lists), e.g. to override it."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    return value


def _apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any], where: str) -> dict:
    return datafiles.apply_overrides(raw, overrides, where, "pack", PackError)


# --------------------------------------------------------------------------- validation


class _Section:
    """Reads one TOML table, remembering which keys were used."""

    def __init__(self, data: Any, key: str, where: str, allowed: tuple[str, ...]):
        if not isinstance(data, dict):
            raise PackError(f"{where}: [{key}] must be a table")
        self.data, self.key, self.where = data, key, where
        self.used: set[str] = set()
        for name in data:
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(allowed)})"
                raise PackError(f"{where}: unknown key '{key}.{name}'{hint}")

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = dataclasses.MISSING):
        self.used.add(name)
        if name not in self.data:
            if default is dataclasses.MISSING:
                raise PackError(f"{self.where}: missing key '{self.key}.{name}'")
            return default
        value = self.data[name]
        if kind in (int, float, (int, float)) and isinstance(value, bool):
            raise PackError(f"{self.where}: '{self.key}.{name}' must be a number, not {value!r}")
        if not isinstance(value, kind):
            want = kind.__name__ if isinstance(kind, type) else "number"
            raise PackError(f"{self.where}: '{self.key}.{name}' must be a {want}, not {value!r}")
        return value

    def choice(self, name: str, allowed: frozenset[str]) -> str:
        value = self.get(name, str)
        if value not in allowed:
            raise PackError(
                f"{self.where}: '{self.key}.{name}' is {value!r}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )
        return value

    def rule(self) -> Rule:
        confidence = self.choice("confidence", CONFIDENCES)
        return Rule(self.get("summary", str), self.get("source", str), confidence)



def _positive(section: _Section, name: str, kind: type | tuple = int, zero_ok: bool = False):
    value = section.get(name, kind)
    if value < 0 or (value == 0 and not zero_ok):
        raise PackError(f"{section.where}: '{section.key}.{name}' must be positive, not {value!r}")
    return value


def _zone(section: _Section, name: str, default: Any = dataclasses.MISSING) -> str:
    value = section.get(name, str, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PackError(f"{section.where}: '{section.key}.{name}' {value!r} is not an IANA time zone") from None
    return value


def _types(section: _Section, name: str) -> frozenset[str]:
    values = section.get(name, list)
    if not values or not all(isinstance(v, str) and v for v in values):
        raise PackError(f"{section.where}: '{section.key}.{name}' must be a list of file extensions")
    return frozenset(v.lower().lstrip(".") for v in values)


def _timer(name: str, body: Any, where: str, timer_zone: str) -> Timer:
    """One ``[timers.NAME]`` table, checked against what the code applying it can count."""
    sec = _Section(body, f"timers.{name}", where, ("anchor", "offset", "unit", "counts", "zone", *RULE_KEYS))
    anchors, units, counts = TIMER_SPECS[name]
    rule = sec.rule()
    timer = Timer(
        name=name,
        anchor=sec.choice("anchor", frozenset(anchors)),
        offset=_positive(sec, "offset", zero_ok=True),
        unit=sec.choice("unit", frozenset(units)),
        zone=_zone(sec, "zone", timer_zone),
        rule=rule,
        counts=sec.choice("counts", frozenset(counts)),
    )
    if timer.unit == "hours" and timer.counts != "elapsed":
        raise PackError(f"{where}: 'timers.{name}.unit' is 'hours', which only an elapsed timer may use "
                        f"(counts = \"elapsed\")")  # fmt: skip
    return dataclasses.replace(timer, rule=dataclasses.replace(rule, summary=_fill(rule.summary, timer)))


def _fill_rule(rule: Rule, values: Mapping[str, Any]) -> Rule:
    """``rule`` with ``{name}`` in its summary replaced by the section's values (text follows numbers)."""
    summary = rule.summary
    for key, value in values.items():
        summary = summary.replace("{" + key + "}", str(value))
    return dataclasses.replace(rule, summary=summary)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _fill(summary: str, timer: Timer) -> str:
    """A summary with ``{offset}``, ``{hours}`` and ``{nth}`` replaced by the timer's values.

    The text follows the numbers, so ``overrides={"timers.seller_response.offset": 5}``
    says 5 days, not the shipped 15.
    """
    values = {"offset": str(timer.offset), "hours": str(timer.hours), "nth": _ordinal(timer.offset + 1)}
    for key, value in values.items():
        summary = summary.replace("{" + key + "}", value)
    return summary


def _build(raw: Mapping[str, Any], where: str) -> Pack:
    top = _Section(dict(raw), "", where, ("pack", "timers", "protection", "lifecycle", "refunds", "evidence"))
    head = _Section(top.get("pack", dict), "pack", where, ("name", "marketplace", "title", "timer_zone", "source"))
    name = head.get("name", str)
    marketplace = head.get("marketplace", str)
    title = head.get("title", str)
    timer_zone = _zone(head, "timer_zone")
    source = head.get("source", str)

    timers: dict[str, Timer] = {}
    for timer_name, body in top.get("timers", dict).items():
        if timer_name not in TIMERS:
            close = difflib.get_close_matches(timer_name, TIMERS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(TIMERS)})"
            raise PackError(f"{where}: unknown timer 'timers.{timer_name}'{hint}")
        timers[timer_name] = _timer(timer_name, body, where, timer_zone)
    for required in TIMERS[:5]:
        if required not in timers:
            raise PackError(f"{where}: missing table [timers.{required}]")
    if timers["refund_earliest"].offset > timers["refund_latest"].offset:
        raise PackError(f"{where}: 'timers.refund_earliest.offset' is after 'timers.refund_latest.offset'")

    sec = _Section(top.get("protection", dict), "protection", where, ("default_days", "by_country", *RULE_KEYS))
    by_country = sec.get("by_country", dict, {})
    for country, days in by_country.items():
        if len(country) != 2 or not country.isalpha() or not country.isupper():
            raise PackError(f"{where}: 'protection.by_country.{country}' is not an ISO 3166 alpha-2 code")
        if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
            raise PackError(f"{where}: 'protection.by_country.{country}' must be a positive number of days")
    default_days = _positive(sec, "default_days")
    countries = ", ".join(f"{days} for {country}" for country, days in sorted(by_country.items()))
    rule = _fill_rule(sec.rule(), {"default_days": default_days, "by_country": countries})
    protection = Protection(default_days, MappingProxyType(dict(by_country)), rule)

    sec = _Section(top.get("lifecycle", dict), "lifecycle", where, ("seller_silence", *RULE_KEYS))
    lifecycle = Lifecycle(sec.choice("seller_silence", SELLER_SILENCE), sec.rule())

    sec = _Section(top.get("refunds", dict), "refunds", where, ("alipay_methods", *RULE_KEYS))

    alipay = sec.get("alipay_methods", list)
    for method in alipay:
        if method not in KNOWN_METHODS:
            raise PackError(
                f"{where}: 'refunds.alipay_methods' has unknown payment method {method!r}; "
                f"known: {', '.join(KNOWN_METHODS)}"
            )
    refunds = Refunds(frozenset(alipay), sec.rule())

    sec = _Section(
        top.get("evidence", dict),
        "evidence",
        where,
        ("photo_max_mb", "video_max_mb", "photo_types", "video_types", *RULE_KEYS),
    )
    evidence = Evidence(
        photo_max_mb=_positive(sec, "photo_max_mb", (int, float)),
        video_max_mb=_positive(sec, "video_max_mb", (int, float)),
        photo_types=_types(sec, "photo_types"),
        video_types=_types(sec, "video_types"),
        rule=sec.rule(),
    )
    evidence = dataclasses.replace(evidence, rule=_fill_rule(evidence.rule, {
        "photo_max_mb": f"{evidence.photo_max_mb:g}", "video_max_mb": f"{evidence.video_max_mb:g}"}))  # fmt: skip
    return Pack(
        name=name,
        marketplace=marketplace,
        title=title,
        timer_zone=timer_zone,
        source=source,
        timers=MappingProxyType(timers),
        protection=protection,
        lifecycle=lifecycle,
        refunds=refunds,
        evidence=evidence,
        path=where,
        raw=freeze(raw),
    )


def describe(pack: Pack) -> str:
    """A pack's rules as readable text, each with its source and confidence."""
    lines = [f"{pack.name}: {pack.title}", f"  timer zone: {pack.timer_zone}", f"  source: {pack.source}", ""]

    def entry(label: str, detail: str, rule: Rule) -> None:
        lines.append(f"{label}: {detail}")
        lines.append(f"    {rule.summary}")
        lines.append(f"    source: {rule.source} [{rule.confidence}]")

    for timer in pack.timers.values():
        entry(f"timer {timer.name}", timer.describe(), timer.rule)
    countries = ", ".join(f"{c} {d}" for c, d in sorted(pack.protection.by_country.items()))
    entry(
        "protection",
        f"{pack.protection.default_days} days after shipment" + (f" ({countries})" if countries else ""),
        pack.protection.rule,
    )
    entry("lifecycle", f"seller silence -> {pack.lifecycle.seller_silence}", pack.lifecycle.rule)
    entry("refunds", "to Alipay balance: " + ", ".join(sorted(pack.refunds.alipay_methods)), pack.refunds.rule)
    ev = pack.evidence
    entry("evidence", f"photos under {ev.photo_max_mb} MB, videos under {ev.video_max_mb} MB", ev.rule)
    return "\n".join(lines)

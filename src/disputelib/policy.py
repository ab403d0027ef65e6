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
import functools
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
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
#: What a window timer (one a ``[windows.*]`` table names) can count from: an order's dates.
#: ``received`` is the buyer's receipt, or, in a pack with ``[protection]``, the day the
#: order completed by itself when that came first.
WINDOW_ANCHORS: dict[str, str] = {
    "paid": "paid_at",
    "shipped": "shipped_at",
    "received": "received_at",
    "estimated_delivery": "estimated_delivery",
}
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
#: The units a timer's offset may be given in: calendar days, hours (``elapsed`` only),
#: business days on the buyer country's calendar, or calendar months (window timers:
#: the same day of the month, clamped to the month's end, so 31 Jan + 1 month = 28 Feb).
UNITS = frozenset({"days", "hours", "business_days", "months"})
#: Units of window timers, with the ways each may count.
WINDOW_UNITS: dict[str, tuple[str, ...]] = {
    "days": ("calendar_days", "elapsed"),
    "business_days": ("calendar_days",),
    "months": ("calendar_days",),
    "hours": ("elapsed",),
}
#: How a window combines several timers (``opens`` and ``closes`` of a ``[windows.*]`` table).
COMBINE = frozenset({"earliest", "latest"})
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
        unit = {"business_days": "business days", "days": "days", "hours": "hours", "months": "months"}[self.unit]
        how = "a countdown from the event's instant (elapsed)" if self.counts == "elapsed" else "calendar days"
        if self.unit == "business_days":
            how = "business days on the buyer country's calendar"
        return f"{self.anchor} + {self.offset} {unit}, {how} ({self.zone})"


@dataclass(frozen=True)
class Window:
    """When a route is open: from the timers in ``open_timers`` until those in ``close_timers``.

    With several timers, ``opens`` and ``closes`` say which one counts: ``"latest"`` (every
    condition must hold: the default for opening) or ``"earliest"`` (the first to run out:
    the default for closing, e.g. 120 days after delivery but never later than 540 days
    after payment).
    """

    name: str
    open_timers: tuple[str, ...]
    close_timers: tuple[str, ...]
    opens: str
    closes: str
    rule: Rule


@dataclass(frozen=True)
class Coverage:
    """Which orders a pack's window applies to.

    A marketplace's pack covers its own orders: those whose ``marketplace`` column names
    it, and every order of an export without that column (or with it empty). A payment
    route covers payments by one of ``methods`` (canonical payment methods) or made with a
    card of one of ``networks``. ``max_amount_usd`` leaves out larger orders (by the
    payment's month when ``max_amount_usd_by_month`` names it).
    """

    marketplace: str | None
    methods: frozenset[str]
    networks: frozenset[str]
    max_amount_usd: float | None
    max_amount_usd_by_month: Mapping[int, float]
    rule: Rule

    @property
    def by_payment(self) -> bool:
        return bool(self.methods or self.networks)


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
    protection_rules: Protection | None
    lifecycle_rules: Lifecycle | None
    refund_rules: Refunds | None
    evidence_rules: Evidence | None
    path: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    #: Whom the pack's window covers (see :class:`Coverage`).
    coverage: Coverage | None = None
    #: ``[windows.*]``: ``default`` and per problem. Empty for a marketplace pack whose
    #: window is the classic one (``window_opens`` after shipment, ``window_closes`` after
    #: receipt or the end of protection: :mod:`disputelib.windows`).
    windows: Mapping[str, Window] = field(default_factory=lambda: MappingProxyType({}))
    #: Why the pack counts in its timer zone, when the sources do not name one.
    timer_zone_rule: Rule | None = None

    @property
    def is_route_only(self) -> bool:
        """True for a pack that holds a dispute window only (no lifecycle, refunds or evidence rules)."""
        return self.lifecycle_rules is None

    def _needs(self, rules: Any, section: str) -> Any:
        if rules is None:
            raise PackError(
                f"pack {self.name!r} holds a dispute window only (no [{section}] rules): use it with "
                f"`disputelib routes` or dl.routes, and a marketplace pack such as {DEFAULT_PACK!r} here"
            )
        return rules

    @property
    def protection(self) -> Protection:
        """``[protection]``; :class:`PackError` for a pack that holds a window only."""
        return self._needs(self.protection_rules, "protection")

    @property
    def lifecycle(self) -> Lifecycle:
        """``[lifecycle]``; :class:`PackError` for a pack that holds a window only."""
        return self._needs(self.lifecycle_rules, "lifecycle")

    @property
    def refunds(self) -> Refunds:
        """``[refunds]``; :class:`PackError` for a pack that holds a window only."""
        return self._needs(self.refund_rules, "refunds")

    @property
    def evidence(self) -> Evidence:
        """``[evidence]``; :class:`PackError` for a pack that holds a window only."""
        return self._needs(self.evidence_rules, "evidence")

    def require_dispute_rules(self) -> Pack:
        """This pack, or :class:`PackError` when it holds a window only (``paypal``, card schemes...)."""
        self._needs(self.lifecycle_rules, "lifecycle")
        return self

    def window_for(self, problem: str | None) -> Window | None:
        """The window that applies to an order with ``problem`` (None: no problem), or None when none does."""
        if problem is not None and problem in self.windows:
            return self.windows[problem]
        return self.windows.get("default")

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


def available_packs(kind: str | None = None) -> list[str]:
    """Names of the packs shipped with the package.

    ``kind="dispute"`` lists the marketplace packs with a dispute lifecycle (for
    eligibility, check-log and the simulator), ``kind="route"`` those that hold a route's
    window only (``[windows.*]`` tables); None lists both.

    Examples
    --------
    >>> available_packs("dispute")
    ['aliexpress-2022', 'aliexpress-legacy']
    """
    names = datafiles.shipped("packs")
    if kind is None:
        return names
    if kind not in ("dispute", "route"):
        raise ValueError(f"kind must be 'dispute', 'route' or None, not {kind!r}")
    root = resources.files("disputelib") / "packs"
    route = {n for n in names if "\n[windows." in (root / f"{n}.toml").read_text(encoding="utf-8")}
    return [n for n in names if (n in route) == (kind == "route")]


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
    name = DEFAULT_PACK if pack is None else pack
    if not overrides and isinstance(name, str) and not name.endswith(".toml") and not Path(name).exists():
        return _shipped_pack(name)  # a shipped pack is read once per process (packs are immutable)
    raw, where = datafiles.read_toml(name, "packs", "rule pack", PackError)
    if overrides:
        raw = _apply_overrides(raw, overrides, where)
    return _build(raw, where)


@functools.lru_cache(maxsize=32)
def _shipped_pack(name: str) -> Pack:
    return _build(*datafiles.read_toml(name, "packs", "rule pack", PackError))


def load_dispute_pack(
    pack: str | Path | Pack | None = None, overrides: Mapping[str, Any] | None = None
) -> Pack:
    """:func:`load_pack` for what needs a marketplace's dispute rules (eligibility, logs, the simulator).

    Raises
    ------
    PackError
        Also for a pack that holds a route's window only (``paypal``, the card schemes...):
        those are for :func:`disputelib.routes.routes`.
    """
    loaded = load_pack(pack, overrides).require_dispute_rules()
    if loaded.windows:
        raise PackError(f"pack {loaded.name!r} defines its window in [windows.*] tables: use it with `disputelib routes`")
    return loaded


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


_KIND_WORDS = {int: "a whole number", float: "a number", str: "text", list: "a list", dict: "a table"}


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
            want = _KIND_WORDS.get(kind, "a number") if isinstance(kind, type) else "a number"
            raise PackError(f"{self.where}: '{self.key}.{name}' must be {want}, not {value!r}")
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
        want = "zero or more" if zero_ok else "positive"
        raise PackError(f"{section.where}: '{section.key}.{name}' must be {want}, not {value!r}")
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


def _timer(name: str, body: Any, where: str, timer_zone: str, window: bool = False) -> Timer:
    """One ``[timers.NAME]`` table, checked against what the code applying it can count.

    A lifecycle timer (:data:`TIMER_SPECS`) has its own anchors and units; a window timer
    (one a ``[windows.*]`` table names) counts from an order's date (:data:`WINDOW_ANCHORS`)
    in any of :data:`WINDOW_UNITS`.
    """
    sec = _Section(body, f"timers.{name}", where, ("anchor", "offset", "unit", "counts", "zone", *RULE_KEYS))
    if window:
        anchors, units = tuple(WINDOW_ANCHORS), tuple(WINDOW_UNITS)
        counts: tuple[str, ...] = tuple(sorted(COUNTS))
    else:
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
    allowed = WINDOW_UNITS[timer.unit] if window else (("elapsed",) if timer.unit == "hours" else tuple(COUNTS))
    if timer.counts not in allowed:
        raise PackError(f"{where}: 'timers.{name}.unit' is {timer.unit!r}, which only counts as "
                        f"{' or '.join(repr(a) for a in allowed)}, not {timer.counts!r}")  # fmt: skip
    return dataclasses.replace(timer, rule=dataclasses.replace(rule, summary=_fill(rule.summary, timer)))


def _window(name: str, body: Any, where: str, timers: Mapping[str, Any]) -> Window:
    """One ``[windows.NAME]`` table: ``default`` or a problem (see :data:`disputelib.orders.PROBLEMS`)."""
    key = f"windows.{name}"
    sec = _Section(body, key, where, ("open_timers", "close_timers", "opens", "closes", *RULE_KEYS))
    named: dict[str, tuple[str, ...]] = {}
    for part in ("open_timers", "close_timers"):
        values = sec.get(part, list)
        if not values or not all(isinstance(v, str) for v in values):
            raise PackError(f"{where}: '{key}.{part}' must be a list of timer names")
        for value in values:
            if value not in timers:
                close = difflib.get_close_matches(value, list(timers), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise PackError(f"{where}: '{key}.{part}' names timer {value!r}, which the pack has no "
                                f"[timers.{value}] for{hint}")  # fmt: skip
        named[part] = tuple(values)
    opens = sec.choice("opens", COMBINE) if "opens" in sec.data else "latest"
    closes = sec.choice("closes", COMBINE) if "closes" in sec.data else "earliest"
    return Window(name, named["open_timers"], named["close_timers"], opens, closes, sec.rule())


def _coverage(top: _Section, where: str, marketplace: str) -> Coverage:
    """``[coverage]``, or a marketplace's own orders when the pack has none."""
    if "coverage" not in top.data:
        if not marketplace:
            raise PackError(f"{where}: a pack without [coverage] must name its 'pack.marketplace'")
        return Coverage(marketplace, frozenset(), frozenset(), None, MappingProxyType({}), None)
    from disputelib.payments import CARD_NETWORKS

    keys = ("marketplace", "methods", "networks", "max_amount_usd", "max_amount_usd_by_month", *RULE_KEYS)
    sec = _Section(top.get("coverage", dict), "coverage", where, keys)
    chosen: dict[str, frozenset[str]] = {}
    for part, known in (("methods", KNOWN_METHODS), ("networks", CARD_NETWORKS)):
        values = sec.get(part, list, [])
        for value in values:
            if value not in known:
                raise PackError(f"{where}: 'coverage.{part}' has unknown value {value!r}; known: {', '.join(known)}")
        chosen[part] = frozenset(values)
    covers_market = sec.get("marketplace", str, "")
    if not covers_market and not (chosen["methods"] or chosen["networks"]):
        covers_market = marketplace
    if covers_market and (chosen["methods"] or chosen["networks"]):
        raise PackError(f"{where}: [coverage] names a marketplace and payments: a pack covers one or the other")
    if not covers_market and not (chosen["methods"] or chosen["networks"]):
        raise PackError(f"{where}: [coverage] must name a 'marketplace', 'methods' or 'networks'")
    cap = _positive(sec, "max_amount_usd", (int, float)) if "max_amount_usd" in sec.data else None
    by_month: dict[int, float] = {}
    for month, amount in sec.get("max_amount_usd_by_month", dict, {}).items():
        if not (str(month).isdigit() and 1 <= int(month) <= 12):
            raise PackError(f"{where}: 'coverage.max_amount_usd_by_month.{month}' is not a month number (1 to 12)")
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
            raise PackError(f"{where}: 'coverage.max_amount_usd_by_month.{month}' must be a positive amount")
        by_month[int(month)] = float(amount)
    if by_month and cap is None:
        raise PackError(f"{where}: 'coverage.max_amount_usd_by_month' needs 'coverage.max_amount_usd' for other months")
    return Coverage(
        covers_market or None,
        chosen["methods"],
        chosen["networks"],
        None if cap is None else float(cap),
        MappingProxyType(by_month),
        sec.rule(),
    )


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
    """A summary with ``{offset}``, ``{hours}``, ``{nth}`` and ``{unit}`` replaced by the timer's values.

    The text follows the numbers, so ``overrides={"timers.seller_response.offset": 5}``
    says 5 days, not the shipped 15.
    """
    unit = {"business_days": "business days"}.get(timer.unit, timer.unit)
    values = {"offset": str(timer.offset), "hours": str(timer.hours), "nth": _ordinal(timer.offset + 1), "unit": unit}
    for key, value in values.items():
        summary = summary.replace("{" + key + "}", value)
    return summary


def _build(raw: Mapping[str, Any], where: str) -> Pack:
    sections = ("pack", "timers", "windows", "coverage", "protection", "lifecycle", "refunds", "evidence")
    top = _Section(dict(raw), "", where, sections)
    head = _Section(
        top.get("pack", dict),
        "pack",
        where,
        ("name", "marketplace", "title", "timer_zone", "source", "timer_zone_source", "timer_zone_confidence"),
    )
    name = head.get("name", str)
    marketplace = head.get("marketplace", str, "")
    title = head.get("title", str)
    timer_zone = _zone(head, "timer_zone")
    source = head.get("source", str)
    zone_rule = None
    if "timer_zone_source" in head.data or "timer_zone_confidence" in head.data:
        confidence = head.choice("timer_zone_confidence", CONFIDENCES)
        zone_rule = Rule(f"Days count in {timer_zone}.", head.get("timer_zone_source", str), confidence)

    bodies = top.get("timers", dict, {})
    window_bodies = top.get("windows", dict, {})
    window_timers = set()
    for body in window_bodies.values():
        if isinstance(body, dict):
            for part in ("open_timers", "close_timers"):
                if isinstance(body.get(part), list):
                    window_timers.update(str(t) for t in body[part])
    for window_name, body in window_bodies.items():  # a window naming a timer the pack lacks: name the window
        named = [t for k in ("open_timers", "close_timers") for t in (body.get(k) or [])] if isinstance(body, dict) else []
        for timer_name in named:
            if isinstance(timer_name, str) and timer_name not in bodies:
                close = difflib.get_close_matches(timer_name, list(bodies), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise PackError(f"{where}: [windows.{window_name}] names timer {timer_name!r}, which the pack has "
                                f"no [timers.{timer_name}] for{hint}")  # fmt: skip
    timers: dict[str, Timer] = {}
    for timer_name, body in bodies.items():
        is_window = timer_name in window_timers
        if not is_window and timer_name not in TIMERS:
            if window_bodies:
                raise PackError(f"{where}: timer 'timers.{timer_name}' is named by no [windows.*] table "
                                f"(open_timers or close_timers)")  # fmt: skip
            close = difflib.get_close_matches(timer_name, TIMERS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(TIMERS)})"
            raise PackError(f"{where}: unknown timer 'timers.{timer_name}'{hint}")
        timers[timer_name] = _timer(timer_name, body, where, timer_zone, window=is_window)
    windows: dict[str, Window] = {}
    if window_bodies:
        from disputelib.orders import PROBLEMS

        for window_name, body in window_bodies.items():
            if window_name != "default" and window_name not in PROBLEMS:
                allowed = ", ".join(("default", *PROBLEMS))
                raise PackError(f"{where}: unknown window 'windows.{window_name}' (allowed: {allowed})")
            windows[window_name] = _window(window_name, body, where, timers)

    dispute_sections = ("lifecycle", "refunds", "evidence")
    if windows:
        extra = [s for s in dispute_sections if s in top.data]
        if extra:
            raise PackError(f"{where}: a pack with [windows.*] tables holds a route's window only: "
                            f"[{extra[0]}] belongs to a marketplace pack")  # fmt: skip
    else:
        for required in TIMERS[:5]:
            if required not in timers:
                raise PackError(f"{where}: missing table [timers.{required}]")
        if timers["refund_earliest"].offset > timers["refund_latest"].offset:
            raise PackError(f"{where}: 'timers.refund_earliest.offset' is after 'timers.refund_latest.offset'")
    coverage = _coverage(top, where, marketplace)

    protection = lifecycle = refunds = evidence = None
    if not windows or "protection" in top.data:
        protection = _protection(top, where)
    if not windows:
        lifecycle, refunds, evidence = _lifecycle(top, where), _refunds(top, where), _evidence(top, where)
    return Pack(
        name=name,
        marketplace=marketplace,
        title=title,
        timer_zone=timer_zone,
        source=source,
        timers=MappingProxyType(timers),
        protection_rules=protection,
        lifecycle_rules=lifecycle,
        refund_rules=refunds,
        evidence_rules=evidence,
        path=where,
        raw=freeze(raw),
        coverage=coverage,
        windows=MappingProxyType(windows),
        timer_zone_rule=zone_rule,
    )


def _protection(top: _Section, where: str) -> Protection:
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
    return Protection(default_days, MappingProxyType(dict(by_country)), rule)


def _lifecycle(top: _Section, where: str) -> Lifecycle:
    sec = _Section(top.get("lifecycle", dict), "lifecycle", where, ("seller_silence", *RULE_KEYS))
    return Lifecycle(sec.choice("seller_silence", SELLER_SILENCE), sec.rule())


def _refunds(top: _Section, where: str) -> Refunds:
    sec = _Section(top.get("refunds", dict), "refunds", where, ("alipay_methods", *RULE_KEYS))
    alipay = sec.get("alipay_methods", list)
    for method in alipay:
        if method not in KNOWN_METHODS:
            raise PackError(
                f"{where}: 'refunds.alipay_methods' has unknown payment method {method!r}; "
                f"known: {', '.join(KNOWN_METHODS)}"
            )
    return Refunds(frozenset(alipay), sec.rule())


def _evidence(top: _Section, where: str) -> Evidence:
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
    return dataclasses.replace(evidence, rule=_fill_rule(evidence.rule, {
        "photo_max_mb": f"{evidence.photo_max_mb:g}", "video_max_mb": f"{evidence.video_max_mb:g}"}))  # fmt: skip


def describe(pack: Pack) -> str:
    """A pack's rules as readable text, each with its source and confidence."""
    lines = [f"{pack.name}: {pack.title}", f"  timer zone: {pack.timer_zone}", f"  source: {pack.source}", ""]

    def entry(label: str, detail: str, rule: Rule) -> None:
        lines.append(f"{label}: {detail}")
        lines.append(f"    {rule.summary}")
        lines.append(f"    source: {rule.source} [{rule.confidence}]")

    if pack.timer_zone_rule is not None:
        entry("timer zone", pack.timer_zone, pack.timer_zone_rule)
    cov = pack.coverage
    if cov is not None and cov.rule is not None:
        entry("coverage", coverage_text(cov), cov.rule)
    for timer in pack.timers.values():
        entry(f"timer {timer.name}", timer.describe(), timer.rule)
    for window in pack.windows.values():
        combine = f"opens at the {window.opens} of {', '.join(window.open_timers)}; closes at the {window.closes} of {', '.join(window.close_timers)}"
        entry(f"window {window.name}", combine, window.rule)
    if pack.protection_rules is not None:
        countries = ", ".join(f"{c} {d}" for c, d in sorted(pack.protection.by_country.items()))
        entry(
            "protection",
            f"{pack.protection.default_days} days after shipment" + (f" ({countries})" if countries else ""),
            pack.protection.rule,
        )
    if pack.is_route_only:
        return "\n".join(lines)
    entry("lifecycle", f"seller silence -> {pack.lifecycle.seller_silence}", pack.lifecycle.rule)
    entry("refunds", "to Alipay balance: " + ", ".join(sorted(pack.refunds.alipay_methods)), pack.refunds.rule)
    ev = pack.evidence
    entry("evidence", f"photos under {ev.photo_max_mb} MB, videos under {ev.video_max_mb} MB", ev.rule)
    return "\n".join(lines)


def coverage_text(coverage: Coverage) -> str:
    """Whom a pack covers, in words: ``"payments by visa cards"``, ``"ebay orders"``."""
    if coverage.by_payment:
        parts = [f"{', '.join(sorted(coverage.methods))} payments"] if coverage.methods else []
        if coverage.networks:
            parts.append(f"{', '.join(sorted(coverage.networks))} cards")
        text = "payments: " + " or ".join(parts)
    else:
        text = f"{coverage.marketplace} orders (the marketplace column, or every order without one)"
    if coverage.max_amount_usd is not None:
        months = ", ".join(f"{amount:g} in month {m}" for m, amount in sorted(coverage.max_amount_usd_by_month.items()))
        text += f", up to {coverage.max_amount_usd:g} USD" + (f" ({months})" if months else "")
    return text

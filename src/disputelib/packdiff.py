"""Two rule packs compared rule by rule: what differs, with each side's source.

A rule is any table of a pack that names its ``source`` (a timer, ``[protection]``,
``[lifecycle]``, ``[refunds]``, ``[evidence]``, and the ``[pack]`` header with its timer
zone and marketplace); its value is every key but ``summary``, ``source`` and
``confidence``. The packs are compared as read (with overrides applied), so a rule a
future pack format adds is compared without changes here. A timer without its own
``zone`` counts in the pack's timer zone, and is compared in it.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Mapping
from typing import Any

import pandas as pd

from disputelib.policy import RULE_KEYS, Pack, load_pack

#: Keys of the ``[pack]`` header that name or describe a pack rather than rule on anything.
_NOT_RULES = {"pack": ("name", "title", "timer_zone_source", "timer_zone_confidence")}
#: Columns of :func:`diff_packs`.
DIFF_COLUMNS: tuple[str, ...] = (
    "rule",
    "differs",
    "a",
    "a_source",
    "a_confidence",
    "b",
    "b_source",
    "b_confidence",
)


def _comparable(value: Any) -> Any:
    """Lists compare as sets of their items, tables key by key."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _comparable(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(sorted(repr(_comparable(v)) for v in value))
    return value


def _text(value: Any, top: bool = True) -> str:
    if isinstance(value, Mapping):
        if top:
            return "; ".join(f"{k} = {_text(v, False)}" for k, v in value.items())
        return ", ".join(f"{k} {_text(v, False)}" for k, v in sorted(value.items()))
    if isinstance(value, (list, tuple)):
        return ", ".join(sorted(_text(v, False) for v in value))
    return str(value)


def pack_rules(pack: Pack | str) -> dict[str, dict[str, Any]]:
    """Every rule of a pack: its dotted name to ``value`` (a dict), ``summary``, ``source``, ``confidence``."""
    pack = load_pack(pack)
    rules: dict[str, dict[str, Any]] = {}

    def walk(prefix: str, table: Mapping[str, Any]) -> None:
        if "source" in table:
            skip = set(RULE_KEYS) | set(_NOT_RULES.get(prefix, ()))
            value = {k: v for k, v in table.items() if k not in skip}
            name = prefix.removeprefix("timers.")
            if prefix.startswith("timers.") and "zone" not in value and pack.has_timer(name):
                value["zone"] = pack.timer(name).zone
            rules[prefix] = {
                "value": value,
                "summary": str(table.get("summary", "")),
                "source": str(table["source"]),
                "confidence": str(table.get("confidence", "")),
            }
            return
        for key, sub in table.items():
            if isinstance(sub, Mapping):
                walk(f"{prefix}.{key}" if prefix else str(key), sub)

    walk("", pack.raw)
    return rules


def diff_packs(a: Pack | str, b: Pack | str) -> pd.DataFrame:
    """Every rule that differs between two packs, with each side's value, source and confidence.

    Parameters
    ----------
    a, b
        Packs: shipped names, TOML paths or loaded :class:`~disputelib.policy.Pack` objects.

    Returns
    -------
    pandas.DataFrame
        One row per rule that differs, in the order of ``a`` then the rules only ``b``
        has: ``rule`` (dotted name, e.g. ``timers.window_opens``), ``differs`` (``value``,
        or ``source`` when the values agree and the summary, source or confidence do
        not), ``a`` and ``b`` (the values as text, empty where the pack has no such
        rule), ``a_source``, ``a_confidence``, ``b_source``, ``b_confidence``. No rows
        when the packs rule alike.

    Examples
    --------
    >>> d = diff_packs("aliexpress-2022", "aliexpress-legacy")
    >>> d.loc[d["rule"] == "timers.window_opens", ["a", "b"]].iloc[0].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['anchor = shipped; offset = 10; unit = days; counts = calendar_days; zone = America/Los_Angeles',
     'anchor = shipped; offset = 5; unit = days; counts = calendar_days; zone = America/Los_Angeles']
    """
    left, right = pack_rules(a), pack_rules(b)
    rows = []
    for name in [*left, *(n for n in right if n not in left)]:
        one, two = left.get(name), right.get(name)
        if one is not None and two is not None:
            if _comparable(one["value"]) != _comparable(two["value"]):
                differs = "value"
            elif any(one[k] != two[k] for k in RULE_KEYS):
                differs = "source"
            else:
                continue
        else:
            differs = "value"
        rows.append(
            {
                "rule": name,
                "differs": differs,
                "a": _text(one["value"]) if one else "",
                "a_source": one["source"] if one else "",
                "a_confidence": one["confidence"] if one else "",
                "b": _text(two["value"]) if two else "",
                "b_source": two["source"] if two else "",
                "b_confidence": two["confidence"] if two else "",
            }
        )
    return pd.DataFrame(rows, columns=list(DIFF_COLUMNS))


def _cited(source: str, confidence: str) -> str:
    return f"{source} [{confidence}]" if confidence else source


def _side(value: str, source: str, confidence: str) -> str:
    if not value and not source:
        return "(no such rule)"
    return f"{value}\nsource: {_cited(source, confidence)}"


def format_diff(diff: pd.DataFrame, a_name: str, b_name: str, width: int | None = None) -> str:
    """:func:`diff_packs`' rows as text, the two packs side by side.

    Rules whose values differ are shown in two columns (value, then source and
    confidence); rules that agree in value but cite another source are listed by name
    at the end. Identical packs give one line saying so.
    """
    if not len(diff):
        return f"{a_name} and {b_name} have the same rules (values, sources and confidence)."
    width = width or min(shutil.get_terminal_size((120, 24)).columns, 160)
    column = max(24, (width - 3) // 2)
    values = diff[diff["differs"] == "value"]
    sources = diff[diff["differs"] == "source"]
    counts = f"{len(values)} rule{'s differ' if len(values) != 1 else ' differs'} in value, {len(sources)} only in"
    lines = [f"{a_name} vs {b_name}: {counts} their summary, source or confidence", ""]
    if len(values):
        lines.append(f"{a_name:<{column}} | {b_name}")
        lines.append(f"{'-' * column}-+-{'-' * column}")
    for row in values.itertuples(index=False):
        lines.append(f"[{row.rule}]")
        left = _wrap(_side(row.a, row.a_source, row.a_confidence), column)
        right = _wrap(_side(row.b, row.b_source, row.b_confidence), column)
        for i in range(max(len(left), len(right))):
            one = left[i] if i < len(left) else ""
            two = right[i] if i < len(right) else ""
            lines.append(f"{one:<{column}} | {two}".rstrip())
        lines.append("")
    if len(sources):
        lines.append("Same values, another summary, source or confidence:")
        for row in sources.itertuples(index=False):
            one, two = _cited(row.a_source, row.a_confidence), _cited(row.b_source, row.b_confidence)
            lines.append(f"  [{row.rule}] " + (f"{one} | {two}" if one != two else f"summary differs; {one}"))
    return "\n".join(lines).rstrip()


def _wrap(text: str, width: int) -> list[str]:
    out: list[str] = []
    for paragraph in text.split("\n"):
        out.extend(textwrap.wrap(paragraph, width, subsequent_indent="  ") or [""])
    return out

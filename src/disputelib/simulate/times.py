"""Time arithmetic of the simulation: ``datetime64[s]`` instants, durations and pack timers (UTC)."""

from __future__ import annotations

import numpy as np

from disputelib.clock import local_dates, midnight_after
from disputelib.lifecycle import TimerRule, return_rule, timer_ends, timer_rules
from disputelib.policy import Pack

_DAY = 86_400
_UNIT = "datetime64[s]"
_NAT = np.datetime64("NaT", "s")


def _days(x: np.ndarray) -> np.ndarray:
    """Fractional days as ``timedelta64[s]``."""
    return np.round(np.asarray(x) * _DAY).astype(np.int64).astype("timedelta64[s]")


def _hours(x: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x) * 3600).astype(np.int64).astype("timedelta64[s]")


def _start_of(dates: np.ndarray, zone: str) -> np.ndarray:
    """00:00 in ``zone`` of each date, as UTC ``datetime64[s]``."""
    days = np.asarray(dates, dtype="datetime64[D]") - np.timedelta64(1, "D")
    return midnight_after(days, zone).tz_convert("UTC").tz_localize(None).to_numpy(_UNIT)


def _rule(pack: Pack, name: str) -> TimerRule:
    return next(r for r in (*timer_rules(pack), return_rule(pack)) if r is not None and r.name == name)


def _fires(instants: np.ndarray, pack: Pack, name: str) -> np.ndarray:
    """When the pack's lifecycle timer ``name`` anchored at ``instants`` runs out, or starts permitting
    (UTC ``datetime64[s]``; NaT stays NaT), counted as the pack says (calendar days or a countdown)."""
    rule = _rule(pack, name)
    ns = np.asarray(instants).astype("datetime64[ns]")
    missing = np.isnat(ns)
    safe = np.where(missing, np.datetime64(0, "ns"), ns)
    ends = timer_ends(safe, local_dates(safe, rule.zone), rule).astype("datetime64[ns]").astype(_UNIT)
    return np.where(missing, _NAT, ends)


def _later(*values: np.ndarray) -> np.ndarray:
    """Element-wise latest of instants, NaT ignored."""
    out = values[0].copy()
    for v in values[1:]:
        out = np.where(np.isnat(out) | (v > out), v, out)
    return out


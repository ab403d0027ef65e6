"""Time arithmetic of the simulation: ``datetime64[s]`` instants, durations and pack timers (UTC)."""

from __future__ import annotations

import numpy as np

from disputelib.clock import local_dates, midnight_after
from disputelib.lifecycle import fire_instants

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


def _fires(instants: np.ndarray, offset: int, zone: str) -> np.ndarray:
    """When a pack timer of ``offset`` days anchored at ``instants`` runs out (UTC ``datetime64[s]``)."""
    return fire_instants(local_dates(instants.astype("datetime64[ns]"), zone), offset, zone).astype(_UNIT)


def _later(*values: np.ndarray) -> np.ndarray:
    """Element-wise latest of instants, NaT ignored."""
    out = values[0].copy()
    for v in values[1:]:
        out = np.where(np.isnat(out) | (v > out), v, out)
    return out


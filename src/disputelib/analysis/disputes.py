"""Reading a dispute table for the analyses: its columns, its instants, its groups.

Naive timestamps are wall-clock time in the timer zone of the table's ``pack`` (the
default pack's zone without a ``pack`` column); :class:`AnalysisError` names what is
wrong with a table in one sentence. The helpers here are shared by
:mod:`disputelib.analysis.refunds`, :mod:`disputelib.analysis.problems` and
:mod:`disputelib.analysis.survival`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from disputelib.clock import to_instants
from disputelib.errors import DisputelibError
from disputelib.policy import DEFAULT_PACK, PackError, load_pack

#: Outcomes that end a dispute without any refund.
NO_REFUND: tuple[str, ...] = ("seller_won", "cancelled")
#: Outcomes in the buyer's favour.
REFUNDED: tuple[str, ...] = ("refunded_full", "refunded_partial")
#: Steps of the dispute funnel, in order, and the instant column that marks each one.
STAGES: dict[str, str] = {
    "opened": "opened_at",
    "seller_answered": "seller_answered_at",
    "escalated": "escalated_at",
    "decided": "decided_at",
    "refunded": "refund_received_at",
}

#: Label of disputes whose grouping value is missing, and of the single group when ``by=None``.
UNKNOWN, ALL = "unknown", "all"

_DAY = pd.Timedelta(days=1)


class AnalysisError(DisputelibError, ValueError):
    """A dispute table that cannot be analysed; the message is one sentence for the user."""


# the public name, as before the split (tracebacks, doctests, pickles)
AnalysisError.__module__ = "disputelib.analysis"


def _require(disputes: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in disputes.columns]
    if missing:
        raise AnalysisError(f"the dispute table has no column {', '.join(map(repr, missing))}")


@functools.cache
def _pack_zone(name: str) -> str:
    try:
        return load_pack(name).timer_zone
    except PackError as exc:
        raise AnalysisError(f"the dispute table names pack {name!r}, which cannot be loaded: {exc}") from None


def _zone(table: pd.DataFrame) -> str:
    """The timer zone naive timestamps of ``table`` are wall time in: its ``pack``'s, else the default pack's."""
    if "pack" not in table.columns:
        return _pack_zone(DEFAULT_PACK)
    names = {str(name).strip() for name in pd.unique(table["pack"].dropna())} - {""}
    zones = sorted({_pack_zone(name) for name in names}) or [_pack_zone(DEFAULT_PACK)]
    if len(zones) > 1:
        raise AnalysisError(f"the dispute table mixes packs in different timer zones ({', '.join(zones)}): "
                            "analyse each pack's disputes separately")  # fmt: skip
    return zones[0]


def _instants(values: pd.Series, table: pd.DataFrame) -> pd.Series:
    """tz-aware UTC instants, same index; naive values are wall-clock time in ``table``'s timer zone.

    ``table`` is the dispute table the values come from (its ``pack`` column, see
    :func:`_zone`). Raises :class:`AnalysisError` naming the column when a value cannot be read.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    instants, unreadable = to_instants(values, _zone(table))
    if unreadable.any():
        example = values.iloc[int(np.flatnonzero(unreadable)[0])]
        raise AnalysisError(f"{int(unreadable.sum())} values of {values.name!r} are not timestamps, e.g. {example!r}")
    return pd.Series(instants, index=values.index, name=values.name).dt.tz_localize("UTC")


def _outcome(disputes: pd.DataFrame) -> pd.Series:
    """``outcome`` as text, empty text (a CSV's missing value) as missing."""
    outcome = disputes["outcome"].astype("string").str.strip()
    return outcome.mask(outcome == "")


def _labels(disputes: pd.DataFrame, by: str | None) -> pd.Series:
    """Group label per dispute as text; ``unknown`` where missing, ``all`` when ``by`` is None."""
    if by is None:
        return pd.Series(ALL, index=disputes.index, dtype="string")
    _require(disputes, [by])
    return disputes[by].astype("string").fillna(UNKNOWN)


def _group_name(by: str | None) -> str:
    return "group" if by is None else by


def check_disputes(disputes: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Check that a dispute table has what the analyses need; returns it unchanged.

    Parameters
    ----------
    disputes
        A dispute table.
    by
        A grouping column that must also be present.

    Returns
    -------
    pandas.DataFrame
        ``disputes`` itself.

    Raises
    ------
    AnalysisError
        Naming the first missing columns, e.g. ``the dispute table has no column 'outcome'``.

    Examples
    --------
    >>> check_disputes(pd.DataFrame({"x": [1]}))
    Traceback (most recent call last):
    ...
    disputelib.analysis.AnalysisError: the dispute table has no column 'opened_at', ...
    """
    needed = [*STAGES.values(), "outcome", "observed_until", "claim_usd", "refund_usd"]
    _require(disputes, needed + ([by] if by is not None and by not in needed else []))
    return disputes


def observed_until(disputes: pd.DataFrame) -> pd.Timestamp | None:
    """When observation of a dispute table ends, in its pack's timer zone.

    Parameters
    ----------
    disputes
        A dispute table with an ``observed_until`` column (naive values are wall-clock
        time in the pack's timer zone).

    Returns
    -------
    pandas.Timestamp or None
        The latest ``observed_until``, tz-aware in the timer zone (a simulation ends at
        00:00 after its last observed day); None when the column is absent or empty.
    """
    if "observed_until" not in disputes.columns or disputes["observed_until"].isna().all():
        return None
    latest = _instants(disputes["observed_until"], disputes).max()
    return latest.tz_convert(_zone(disputes))

"""Time to refund, the dispute funnel and money recovered, from a dispute table.

The input is a dispute table as written by :func:`disputelib.simulate.write_simulation`
(``disputes.parquet``) or a real export with the same columns: ``opened_at``,
``seller_answered_at``, ``escalated_at``, ``decided_at`` and ``refund_received_at`` are
instants (``NaT`` where the step did not happen), ``observed_until`` is the end of
the observed period, ``outcome`` is ``refunded_full``, ``refunded_partial``,
``seller_won``, ``cancelled`` or ``pending`` (still under negotiation at
``observed_until``; a real export may leave it missing instead).

Instants are read as everywhere in the package (:func:`disputelib.clock.to_instants`):
tz-aware values and ISO text with an offset are those instants; naive timestamps (a CSV
export without offsets) are wall-clock time in the timer zone of the table's ``pack``
(Pacific time for the built-in packs; the default pack's zone when the table has no
``pack`` column).

How time to refund is counted:

- the clock starts when the dispute is opened and stops when the money is received
  (``refund_received_at``); durations are in days (fractions included);
- a dispute whose refund has not arrived by ``observed_until`` (decided in the buyer's
  favour but still travelling, or not decided yet: outcome ``pending`` or missing) is
  **censored** at ``observed_until``: we know only that the refund took longer than that;
- a dispute that ended with no refund (``seller_won`` or ``cancelled``) never gets one, so
  it is **excluded** from the time-to-refund analysis rather than censored (censoring
  would claim it might still be refunded). :func:`refund_durations` records how many were
  excluded in ``attrs["no_refund"]``, and :func:`refund_time_summary` reports them per
  group in the ``no_refund`` column.

The clock can start elsewhere (``start``): :func:`problem_table` gives, for simulated
orders, the instant each buyer's problem began (``problem_at``), so that a dispute's time
to refund can include the days before it was opened.

Buyer strategies are compared per problem, not per dispute (:func:`problem_table`,
:func:`problem_summary`, :func:`resolution_time_summary`): a buyer who talks to the seller
first may get a reship, a refund or a gift without any dispute, and opens later when the
talk fails, so counting only disputes from their opening would leave out both the fixes
and the days spent talking. Time to resolution runs from the problem to whichever came:
the seller's fix reaching the buyer (the simulator records when, and how much a seller
refunded) or a dispute's money received.

Survival curves, quantiles and their confidence intervals come from statsmodels'
Kaplan-Meier estimator (:class:`statsmodels.duration.survfunc.SurvfuncRight`); the group
comparison is statsmodels' log-rank test (:func:`statsmodels.duration.survfunc.survdiff`).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from disputelib.clock import to_instants
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
#: What became of a buyer's problem (:func:`problem_table`), in order: fixed by the seller
#: without a dispute (a refund, the goods sent again, a gift) by ``observed_until``, a
#: seller's fix agreed but not yet with the buyer then (money or parcel on its way), a
#: dispute whose refund was received, a dispute still open or whose refund is still on its
#: way at ``observed_until``, a dispute that ended without a refund, or no dispute at all.
RESOLUTIONS: tuple[str, ...] = (
    "seller_refund",
    "seller_reship",
    "seller_gift",
    "seller_pending",
    "dispute_refunded",
    "dispute_pending",
    "dispute_no_refund",
    "not_disputed",
)
#: Resolutions that gave the buyer money back.
MONEY_BACK: tuple[str, ...] = ("seller_refund", "dispute_refunded")
#: Resolutions that settled the problem for the buyer: money back, the goods again, or a gift.
RESOLVED: tuple[str, ...] = ("seller_refund", "seller_reship", "seller_gift", "dispute_refunded")
#: Resolutions still under way at ``observed_until`` (censored in time to resolution).
UNDER_WAY: tuple[str, ...] = ("seller_pending", "dispute_pending")
#: Hidden-truth values of ``what_went_wrong`` that are not a problem of a shipped order.
NO_PROBLEM: tuple[str, ...] = ("none", "not_shipped")

#: Label of disputes whose grouping value is missing, and of the single group when ``by=None``.
UNKNOWN, ALL = "unknown", "all"

_DAY = pd.Timedelta(days=1)
_SUMMARY_COLUMNS = (
    "n",
    "events",
    "censored",
    "no_refund",
    "median_days",
    "median_lo",
    "median_hi",
    "p90_days",
    "p90_lo",
    "p90_hi",
)


class AnalysisError(ValueError):
    """A dispute table that cannot be analysed; the message is one sentence for the user."""


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


def refund_durations(disputes: pd.DataFrame, start: str = "opened_at") -> pd.DataFrame:
    """Days from opening each dispute (or from ``start``) to receiving its refund, with a censoring flag.

    Disputes that ended without a refund (``seller_won``, ``cancelled``) are excluded;
    their counts by outcome are kept in ``attrs["no_refund"]``. Refunds still pending at
    ``observed_until`` are censored there: awarded refunds still travelling, and disputes
    not decided yet (outcome ``pending`` or missing).

    Parameters
    ----------
    disputes
        A dispute table with at least ``opened_at``, ``refund_received_at``, ``outcome``
        and ``observed_until``. It is not modified.
    start
        Column of the instant the clock starts: ``opened_at`` (the dispute's opening), or
        e.g. ``problem_at`` of :func:`problem_table` (when the buyer's problem began).

    Returns
    -------
    pandas.DataFrame
        The kept disputes with all their columns (new 0-based index), then ``days``
        (float, ``start`` to refund received, or to ``observed_until`` when censored) and
        ``event`` (bool, True when the refund was received).

    Raises
    ------
    AnalysisError
        When a column is missing, ``start`` or ``observed_until`` is missing for a
        kept dispute, or a refund is received before ``start``.

    Examples
    --------
    >>> t = pd.Timestamp("2026-03-01", tz="UTC")
    >>> d = pd.DataFrame({"opened_at": [t, t], "refund_received_at": [t + pd.Timedelta(days=7), pd.NaT],
    ...                   "outcome": ["refunded_full", "seller_won"], "observed_until": [t + pd.Timedelta(days=30)] * 2})
    >>> refund_durations(d)[["days", "event"]].to_dict("records")
    [{'days': 7.0, 'event': True}]
    """
    _require(disputes, [start, "refund_received_at", "outcome", "observed_until"])
    outcome = _outcome(disputes)
    excluded = outcome.isin(NO_REFUND).fillna(False).to_numpy(bool)
    kept = disputes.loc[~excluded]
    opened = _instants(kept[start], disputes)
    received = _instants(kept["refund_received_at"], disputes)
    until = _instants(kept["observed_until"], disputes)
    event = received.notna()
    days = (received.where(event, until) - opened) / _DAY
    if days.isna().any():
        raise AnalysisError(f"{int(days.isna().sum())} disputes have no {start} or observed_until")
    if (days < 0).any():
        began = "they were opened" if start == "opened_at" else f"their {start}"
        raise AnalysisError(f"{int((days < 0).sum())} disputes end before {began}")
    out = kept.reset_index(drop=True)
    out["days"] = days.to_numpy("float64")
    out["event"] = event.to_numpy(bool)
    out.attrs["no_refund"] = {name: int((outcome == name).sum()) for name in NO_REFUND}
    return out


def survival_by(
    disputes: pd.DataFrame, by: str | None = "payment_method", start: str = "opened_at"
) -> dict[str, SurvfuncRight]:
    """Kaplan-Meier curves of time to refund, one per group.

    Parameters
    ----------
    disputes
        A dispute table (see :func:`refund_durations`).
    by
        Column to group by (``payment_method``, ``refund_channel``, ``strategy``...);
        None for one curve over all disputes. Missing values form the group ``unknown``.
    start
        Column of the instant the clock starts (see :func:`refund_durations`).

    Returns
    -------
    dict of str to statsmodels.duration.survfunc.SurvfuncRight
        Sorted by group label; groups without any kept dispute are left out. Each fit has
        ``surv_times``, ``surv_prob`` (share still waiting) and ``surv_prob_se``.

    Examples
    --------
    >>> fits = survival_by(disputes, by="payment_method")  # doctest: +SKIP
    >>> fits["card"].quantile(0.5)  # median days to refund  # doctest: +SKIP
    """
    return _fits(refund_durations(disputes, start), by)


def _fits(durations: pd.DataFrame, by: str | None) -> dict[str, SurvfuncRight]:
    """One Kaplan-Meier fit per group of a frame with ``days`` and ``event``, sorted by label."""
    labels = _labels(durations, by)
    fits: dict[str, SurvfuncRight] = {}
    for label in sorted(labels.unique()):
        rows = (labels == label).to_numpy(bool)
        fits[label] = SurvfuncRight(
            durations["days"].to_numpy()[rows], durations["event"].to_numpy(int)[rows], title=label
        )
    return fits


def _quantile(fit: SurvfuncRight, p: float, alpha: float) -> tuple[float, float, float]:
    """Quantile of time to refund (share ``p`` refunded) and its confidence interval; NaN if not reached."""
    if not np.any(fit.status):
        return np.nan, np.nan, np.nan
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        value = float(fit.quantile(p))
        try:
            lo, hi = (float(v) for v in fit.quantile_ci(p, alpha=alpha))
        except (ValueError, IndexError, ZeroDivisionError):
            lo, hi = np.nan, np.nan
    return tuple(v if np.isfinite(v) else np.nan for v in (value, lo, hi))


def refund_time_summary(
    disputes: pd.DataFrame,
    by: str | None = "payment_method",
    alpha: float = 0.05,
    decimals: int = 1,
    start: str = "opened_at",
) -> pd.DataFrame:
    """Median and 90th-percentile days to refund per group, with confidence intervals.

    Parameters
    ----------
    disputes
        A dispute table (see :func:`refund_durations`).
    by
        Column to group by; None for a single row labelled ``all``.
    alpha
        1 - confidence level of the intervals (0.05: 95 % intervals).
    decimals
        Days are rounded to this many decimals.
    start
        Column of the instant the clock starts (see :func:`refund_durations`).

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by label: the group column (named ``by``, or ``group``),
        ``n`` (disputes in the analysis), ``events`` (refunds received), ``censored``
        (refunds still pending), ``no_refund`` (disputes excluded because they ended
        without a refund), ``median_days`` with ``median_lo`` and ``median_hi``, and
        ``p90_days`` (days by which 90 % were refunded) with ``p90_lo`` and ``p90_hi``.
        A quantile is statsmodels' (SAS's) Kaplan-Meier quantile: the first day on which
        fewer than ``1 - p`` of the disputes are still waiting. Quantiles not reached within
        the observed period, and interval limits statsmodels cannot determine, are NaN.

    Examples
    --------
    >>> refund_time_summary(disputes, by="refund_channel")  # doctest: +SKIP
    """
    durations = refund_durations(disputes, start)
    excluded = _outcome(disputes).isin(NO_REFUND).fillna(False)
    dropped_labels = _labels(disputes, by)[excluded.to_numpy(bool)]
    return _time_summary(durations, dropped_labels, by, alpha, decimals)


def _time_summary(durations: pd.DataFrame, dropped_labels: pd.Series, by: str | None, alpha: float, decimals: int,
                  dropped: str = "no_refund") -> pd.DataFrame:  # fmt: skip
    """Counts and Kaplan-Meier quantiles per group; ``dropped`` names the column counting excluded rows."""
    name = _group_name(by)
    kept_labels = _labels(durations, by)
    fits = _fits(durations, by)
    counts = pd.DataFrame(
        {
            "n": kept_labels.value_counts(),
            "events": kept_labels[durations["event"].to_numpy(bool)].value_counts(),
            "no_refund": dropped_labels.value_counts(),
        }
    )
    counts = counts.reindex(sorted(counts.index)).fillna(0).astype("int64")
    counts["censored"] = counts["n"] - counts["events"]
    rows = []
    for label in counts.index:
        fit = fits.get(label)
        median = _quantile(fit, 0.5, alpha) if fit is not None else (np.nan,) * 3
        p90 = _quantile(fit, 0.9, alpha) if fit is not None else (np.nan,) * 3
        rows.append((*median, *p90))
    stats = pd.DataFrame(
        rows, index=counts.index, columns=["median_days", "median_lo", "median_hi", "p90_days", "p90_lo", "p90_hi"]
    )
    out = pd.concat([counts, stats.round(decimals)], axis=1).reindex(columns=list(_SUMMARY_COLUMNS))
    out.index.name = name
    return out.reset_index().rename(columns={"no_refund": dropped})


def logrank(disputes: pd.DataFrame, by: str = "payment_method") -> pd.DataFrame:
    """Log-rank test: do the groups' time-to-refund curves differ?

    Parameters
    ----------
    disputes
        A dispute table (see :func:`refund_durations`).
    by
        Column whose groups are compared.

    Returns
    -------
    pandas.DataFrame
        One row: ``by`` (the column), ``groups`` (how many), ``chi2`` (3 decimals), ``df``
        (groups - 1) and ``p_value`` (3 significant digits); NaN statistics when fewer than
        two groups have a refund.

    Examples
    --------
    >>> logrank(disputes, by="payment_method")  # doctest: +SKIP
    """
    durations = refund_durations(disputes)
    labels = _labels(durations, by)
    with_events = labels[durations["event"].to_numpy(bool)].nunique()
    groups = int(labels.nunique())
    chi2 = p_value = np.nan
    if with_events >= 2:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            chi2, p_value = survdiff(
                durations["days"].to_numpy(), durations["event"].to_numpy(int), labels.to_numpy(object)
            )
    return pd.DataFrame(
        {
            "by": [by],
            "groups": [groups],
            "chi2": [round(float(chi2), 3)],
            "df": [max(groups - 1, 0)],
            "p_value": [float(f"{p_value:.3g}")],
        }
    )


def funnel(disputes: pd.DataFrame, by: str | None = None, decimals: int = 3) -> pd.DataFrame:
    """How many disputes reached each step: opened, seller answered, escalated, decided, refunded.

    A step counts as reached when its instant column is set (``refunded``: the money was
    received by ``observed_until``). Disputes still pending at ``observed_until`` count as
    opened, and as answered or escalated when they got that far.

    Parameters
    ----------
    disputes
        A dispute table with ``opened_at``, ``seller_answered_at``, ``escalated_at``,
        ``decided_at`` and ``refund_received_at``.
    by
        Optional column to split the funnel by.
    decimals
        Shares are rounded to this many decimals.

    Returns
    -------
    pandas.DataFrame
        One row per group and step, in step order: the group column when ``by`` is given,
        ``stage``, ``disputes`` (count) and ``share`` (of the group's opened disputes).

    Examples
    --------
    >>> funnel(disputes)  # doctest: +SKIP
    """
    _require(disputes, list(STAGES.values()))
    labels = _labels(disputes, by)
    reached = pd.DataFrame(
        {stage: _instants(disputes[col], disputes).notna().to_numpy(bool) for stage, col in STAGES.items()}
    )
    reached.index = disputes.index
    counts = reached.groupby(labels.to_numpy(object)).sum().astype("int64")
    counts = counts.reindex([ALL] if by is None else sorted(counts.index), fill_value=0)
    long = counts.stack()
    long.index.names = [_group_name(by), "stage"]
    out = long.rename("disputes").reset_index()
    opened = out.groupby(_group_name(by))["disputes"].transform("first")
    out["share"] = (out["disputes"] / opened.where(opened > 0)).round(decimals)
    if by is None:
        out = out.drop(columns=_group_name(by))
    return out.reset_index(drop=True)


def recovered(disputes: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Money claimed, awarded and received back, in US dollars.

    Parameters
    ----------
    disputes
        A dispute table with ``claim_usd``, ``refund_usd``, ``outcome`` and
        ``refund_received_at``.
    by
        Optional column to split by; None for one row labelled ``all``.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted: the group column (named ``by``, or ``group``),
        ``disputes``, ``refunded`` (disputes whose money arrived), ``claimed_usd``,
        ``awarded_usd`` (refunds decided in the buyer's favour), ``received_usd`` (of which
        arrived by ``observed_until``), ``pending_usd`` (awarded, not yet arrived) and
        ``recovered_share`` (received / claimed, 3 decimals). Amounts are rounded to cents.

    Examples
    --------
    >>> recovered(disputes, by="strategy")  # doctest: +SKIP
    """
    _require(disputes, ["claim_usd", "refund_usd", "outcome", "refund_received_at"])
    labels = _labels(disputes, by).to_numpy(object)
    awarded_rows = _outcome(disputes).isin(REFUNDED).fillna(False).to_numpy(bool)
    arrived = _instants(disputes["refund_received_at"], disputes).notna().to_numpy(bool)
    refund = pd.to_numeric(disputes["refund_usd"], errors="coerce").fillna(0.0).to_numpy("float64")
    parts = pd.DataFrame(
        {
            "disputes": 1,
            "refunded": arrived.astype("int64"),
            "claimed_usd": pd.to_numeric(disputes["claim_usd"], errors="coerce").fillna(0.0).to_numpy("float64"),
            "awarded_usd": np.where(awarded_rows, refund, 0.0),
            "received_usd": np.where(arrived, refund, 0.0),
        },
        index=disputes.index,
    )
    out = parts.groupby(labels).sum()
    out = out.reindex([ALL] if by is None else sorted(out.index), fill_value=0)
    out["pending_usd"] = out["awarded_usd"] - out["received_usd"]
    money = ["claimed_usd", "awarded_usd", "received_usd", "pending_usd"]
    out[money] = out[money].round(2)
    out["recovered_share"] = (out["received_usd"] / out["claimed_usd"].where(out["claimed_usd"] > 0)).round(3)
    out.index.name = _group_name(by)
    return out.reset_index()


def _problem_values(orders: pd.DataFrame) -> np.ndarray:
    """Price of each order's problem item (``item_prices[problem_item_index]``); the order amount otherwise."""
    values = pd.to_numeric(orders["amount_usd"], errors="coerce").to_numpy("float64").copy()
    index = pd.to_numeric(orders["problem_item_index"], errors="coerce")
    has = index.notna().to_numpy(bool)
    if has.any():
        lists = pa.array(orders["item_prices"].to_numpy(object)[has], type=pa.list_(pa.float64()))
        position = lists.offsets.to_numpy()[:-1] + index.to_numpy("float64")[has].astype(np.int64)
        values[has] = lists.values.to_numpy(zero_copy_only=False)[position]
    return values


def problem_table(orders: pd.DataFrame, disputes: pd.DataFrame, observed_until) -> pd.DataFrame:
    """One row per buyer's problem of a simulation, from the problem to what became of it.

    A problem is a simulated order whose hidden truth ``what_went_wrong`` is a problem of a
    shipped order (not ``none``, not ``not_shipped``) and which began by
    ``observed_until``. It began (``problem_at``) when the parcel was delivered (the
    buyer notices within hours), or, for a parcel that never arrived (``lost``), when it
    was shipped: the simulator draws when such a buyer gives up waiting but does not
    record it, and the dispute window closes at the protection end, so the shipping
    instant is the one instant known before any dispute. Whatever the buyer's strategy,
    the same order has the same ``problem_at``, so strategies are compared from the same
    start: the days spent talking to the seller count.

    Parameters
    ----------
    orders
        Simulated orders with the hidden truth (``Simulation.orders``): ``order_id``,
        ``amount_usd``, ``shipped_at``, ``delivered_at``, ``what_went_wrong``,
        ``strategy``, ``seller_fix``, ``seller_fix_at``, ``seller_fix_usd``,
        ``item_prices``, ``problem_item_index``.
    disputes
        The same simulation's disputes (``order_id``, ``dispute_id``, ``opened_at``,
        ``outcome``, ``refund_usd``, ``refund_received_at``); at most one per order.
    observed_until
        End of the observed period (``Simulation.observed_until``; naive = wall time in
        the timer zone of the disputes' ``pack``, as for the tables' naive timestamps).

    Returns
    -------
    pandas.DataFrame
        Sorted by ``order_id``: ``order_id``, ``strategy``, ``what_went_wrong``,
        ``problem_at`` (UTC), ``value_usd`` (the problem item's price; the order amount for
        a lost parcel), ``seller_fix`` (what a seller the buyer talked to did),
        ``seller_fix_at`` (when that fix reached the buyer) and ``seller_fix_usd`` (what
        the seller refunded without a dispute), ``dispute_id``, ``opened_at``,
        ``outcome``, ``refund_usd``, ``refund_received_at`` (the dispute's, missing
        without one), ``observed_until``, ``resolution`` (the kind, one of
        :data:`RESOLUTIONS`: a seller's fix counts only without a dispute, and only once
        it reached the buyer by ``observed_until``, else ``seller_pending``),
        ``resolved_at`` (when the problem was settled: ``seller_fix_at`` for a seller's
        fix, ``refund_received_at`` for a dispute refund; NaT for the other kinds),
        ``days_to_resolution`` (``problem_at`` to ``resolved_at`` in days; NaN when not
        resolved), ``money_back`` (bool, :data:`MONEY_BACK`) and ``recovered_usd`` (the
        dispute refund received, or the seller's recorded refund; 0 otherwise). Use
        :func:`resolution_time_summary` for times that count fixes and disputes still
        under way (censored), or :func:`refund_time_summary` with
        ``start="problem_at"`` on the rows with a dispute.

    Raises
    ------
    AnalysisError
        When a column is missing, or an order has more than one dispute.

    Examples
    --------
    >>> sim = dl.simulate(2_000, seed=7)  # doctest: +SKIP
    >>> problems = problem_table(sim.orders, sim.disputes, sim.observed_until)  # doctest: +SKIP
    >>> problem_summary(problems, by="strategy")  # doctest: +SKIP
    """
    _require(orders, ["order_id", "amount_usd", "shipped_at", "delivered_at", "what_went_wrong", "strategy",
                      "seller_fix", "seller_fix_at", "seller_fix_usd", "item_prices", "problem_item_index"])  # fmt: skip
    _require(disputes, ["order_id", "dispute_id", "opened_at", "outcome", "refund_usd", "refund_received_at"])
    # the orders are the same simulation's: naive times are in the timer zone of the disputes' pack
    until = pd.Timestamp(observed_until)
    until = until.tz_localize(_zone(disputes)) if until.tzinfo is None else until
    until = until.tz_convert("UTC")
    wrong = orders["what_went_wrong"].astype("string")
    began = _instants(orders["delivered_at"], disputes).fillna(_instants(orders["shipped_at"], disputes))
    keep = (wrong.notna() & ~wrong.isin(NO_PROBLEM)).to_numpy(bool) & (began <= until).fillna(False).to_numpy(bool)
    chosen = orders.loc[keep]
    frame = pd.DataFrame(
        {
            "order_id": chosen["order_id"].astype("string").to_numpy(),
            "strategy": chosen["strategy"].astype("string").to_numpy(),
            "what_went_wrong": wrong[keep].to_numpy(),
            "problem_at": began[keep].reset_index(drop=True),
            "value_usd": _problem_values(chosen),
            "seller_fix": chosen["seller_fix"].astype("string").to_numpy(),
            "seller_fix_at": _instants(chosen["seller_fix_at"], disputes).reset_index(drop=True),
            "seller_fix_usd": pd.to_numeric(chosen["seller_fix_usd"], errors="coerce").fillna(0.0).to_numpy("float64"),
        }
    )
    found = disputes[["order_id", "dispute_id", "opened_at", "outcome", "refund_usd", "refund_received_at"]].copy()
    found["order_id"] = found["order_id"].astype("string")
    if found["order_id"].duplicated().any():
        raise AnalysisError("an order has more than one dispute: problem_table needs at most one per order")
    frame = frame.merge(found, on="order_id", how="left")
    for column in ("opened_at", "refund_received_at"):
        frame[column] = _instants(frame[column], disputes)
    frame["outcome"] = frame["outcome"].astype("string")
    frame["observed_until"] = until
    disputed = frame["dispute_id"].notna().to_numpy(bool)
    received = frame["refund_received_at"].notna().to_numpy(bool)
    no_refund = _outcome(frame).isin(NO_REFUND).fillna(False).to_numpy(bool)
    fix = frame["seller_fix"].fillna("none").to_numpy(object)
    fixed = np.isin(fix, ["refund", "reship", "gift"])
    arrived = (frame["seller_fix_at"] <= until).fillna(False).to_numpy(bool)
    resolution = np.select(
        [disputed & received, disputed & no_refund, disputed, fixed & ~arrived,
         fix == "refund", fix == "reship", fix == "gift"],
        ["dispute_refunded", "dispute_no_refund", "dispute_pending", "seller_pending",
         "seller_refund", "seller_reship", "seller_gift"],
        default="not_disputed",
    )  # fmt: skip
    refund = pd.to_numeric(frame["refund_usd"], errors="coerce").fillna(0.0).to_numpy("float64")
    frame["resolution"] = pd.array(resolution, dtype="string")
    seller = np.isin(resolution, ["seller_refund", "seller_reship", "seller_gift"])
    frame["resolved_at"] = frame["seller_fix_at"].where(seller, frame["refund_received_at"].where(
        resolution == "dispute_refunded"))  # fmt: skip
    frame["days_to_resolution"] = ((frame["resolved_at"] - frame["problem_at"]) / _DAY).astype("float64")
    frame["money_back"] = np.isin(resolution, MONEY_BACK)
    frame["recovered_usd"] = np.round(
        np.select([resolution == "dispute_refunded", resolution == "seller_refund"], [refund, frame["seller_fix_usd"]], 0.0),
        2,
    )
    return frame.sort_values("order_id", ignore_index=True)


def resolution_durations(problems: pd.DataFrame) -> pd.DataFrame:
    """Days from each problem to its resolution, with a censoring flag.

    A problem is resolved (an event) when it reached one of :data:`RESOLVED`: a seller's
    refund, reship or gift that reached the buyer, or a dispute refund received; its time
    is ``resolved_at`` minus ``problem_at``. A problem still under way at
    ``observed_until`` (:data:`UNDER_WAY`: a seller's fix or a dispute not finished) is
    censored there. A problem that will not be resolved (``dispute_no_refund``,
    ``not_disputed``) is excluded; counts in ``attrs["unresolved"]``.

    Parameters
    ----------
    problems
        A :func:`problem_table` (``resolution``, ``problem_at``, ``resolved_at``,
        ``observed_until``). It is not modified.

    Returns
    -------
    pandas.DataFrame
        The kept problems with all their columns (new 0-based index), then ``days``
        (float) and ``event`` (bool, True when resolved).

    Raises
    ------
    AnalysisError
        When a column is missing, or a problem is resolved before it began.

    Examples
    --------
    >>> resolution_durations(problems)[["resolution", "days", "event"]]  # doctest: +SKIP
    """
    _require(problems, ["resolution", "problem_at", "resolved_at", "observed_until"])
    resolution = problems["resolution"].astype("string")
    kept_rows = resolution.isin(RESOLVED + UNDER_WAY).fillna(False).to_numpy(bool)
    kept = problems.loc[kept_rows]
    event = resolution[kept_rows].isin(RESOLVED).to_numpy(bool)
    resolved = _instants(kept["resolved_at"], problems)
    if resolved[event].isna().any():
        raise AnalysisError(f"{int(resolved[event].isna().sum())} resolved problems have no resolved_at")
    end = resolved.where(event, _instants(kept["observed_until"], problems))
    days = (end - _instants(kept["problem_at"], problems)) / _DAY
    if days.isna().any():
        raise AnalysisError(f"{int(days.isna().sum())} problems have no problem_at or observed_until")
    if (days < 0).any():
        raise AnalysisError(f"{int((days < 0).sum())} problems end before their problem_at")
    out = kept.reset_index(drop=True)
    out["days"] = days.to_numpy("float64")
    out["event"] = event
    out.attrs["unresolved"] = {name: int((resolution == name).sum()) for name in ("dispute_no_refund", "not_disputed")}
    return out


def resolution_survival_by(problems: pd.DataFrame, by: str | None = "strategy") -> dict[str, SurvfuncRight]:
    """Kaplan-Meier curves of time from problem to resolution, one per group.

    Parameters
    ----------
    problems
        A :func:`problem_table` (see :func:`resolution_durations`).
    by
        Column to group by (``strategy``, ``resolution``, a variant label...); None for one
        curve. Missing values form the group ``unknown``.

    Returns
    -------
    dict of str to statsmodels.duration.survfunc.SurvfuncRight
        Sorted by group label; groups without any kept problem are left out.

    Examples
    --------
    >>> resolution_survival_by(problems)["talk_first"].quantile(0.5)  # doctest: +SKIP
    """
    return _fits(resolution_durations(problems), by)


def resolution_time_summary(
    problems: pd.DataFrame, by: str | None = "strategy", alpha: float = 0.05, decimals: int = 1
) -> pd.DataFrame:
    """Median and 90th-percentile days from problem to resolution per group, with confidence intervals.

    Counts seller fixes (refund, reship, gift, when they reached the buyer) and dispute
    refunds alike; see :func:`resolution_durations` for what is censored and excluded.

    Parameters
    ----------
    problems
        A :func:`problem_table`.
    by
        Column to group by; ``resolution`` gives one row per kind of resolution. None for
        a single row labelled ``all``.
    alpha
        1 - confidence level of the intervals.
    decimals
        Days are rounded to this many decimals.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by label: the group column, ``n`` (problems in the
        analysis), ``events`` (resolved), ``censored`` (still under way at
        ``observed_until``), ``unresolved`` (excluded: a dispute without a refund, or no
        dispute and no fix), ``median_days`` with ``median_lo`` and ``median_hi``, and
        ``p90_days`` with ``p90_lo`` and ``p90_hi`` (as in :func:`refund_time_summary`).

    Examples
    --------
    >>> resolution_time_summary(problems, by="strategy")  # doctest: +SKIP
    """
    durations = resolution_durations(problems)
    excluded = problems["resolution"].astype("string").isin(["dispute_no_refund", "not_disputed"]).fillna(False)
    dropped_labels = _labels(problems, by)[excluded.to_numpy(bool)]
    return _time_summary(durations, dropped_labels, by, alpha, decimals, dropped="unresolved")


def problem_summary(problems: pd.DataFrame, by: str | None = "strategy", decimals: int = 3) -> pd.DataFrame:
    """What became of the buyers' problems per group: seller fixes, disputes, money back, days.

    Parameters
    ----------
    problems
        A :func:`problem_table` (possibly several, with a column telling them apart).
    by
        Column to group by (``strategy``, ``what_went_wrong``, a variant label...); None
        for one row labelled ``all``.
    decimals
        Shares are rounded to this many decimals (amounts to cents, days to 0.1).

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted: the group column (named ``by``, or ``group``),
        ``problems``, one count column per resolution in :data:`RESOLUTIONS` order,
        ``money_back_share`` (problems with money back: a seller's refund or a dispute
        refund received, over problems), ``resolved_share`` (:data:`RESOLVED` over
        problems: money back, the goods sent again or a gift), ``median_days_to_resolution``
        (Kaplan-Meier median of :func:`resolution_time_summary`: problem to seller's fix or
        dispute refund, fixes and disputes under way censored, problems never resolved
        left out; NaN if not reached), ``dispute_usd`` (dispute refunds received),
        ``seller_refund_usd`` (sellers' refunds without a dispute, as recorded),
        ``recovered_usd`` (their sum) and ``recovered_per_problem_usd``.

    Examples
    --------
    >>> problem_summary(problems, by="strategy")  # doctest: +SKIP
    """
    _require(problems, ["resolution", "recovered_usd"])
    labels = _labels(problems, by).to_numpy(object)
    resolution = problems["resolution"].astype("string").to_numpy(object)
    recovered_usd = pd.to_numeric(problems["recovered_usd"], errors="coerce").fillna(0.0).to_numpy("float64")
    parts = pd.DataFrame({"problems": 1, **{name: (resolution == name).astype("int64") for name in RESOLUTIONS}})
    parts["dispute_usd"] = np.where(resolution == "dispute_refunded", recovered_usd, 0.0)
    parts["seller_refund_usd"] = np.where(resolution == "seller_refund", recovered_usd, 0.0)
    out = parts.groupby(labels).sum()
    out = out.reindex([ALL] if by is None else sorted(out.index), fill_value=0)
    total = out["problems"].where(out["problems"] > 0)
    out.insert(len(RESOLUTIONS) + 1, "money_back_share", (out[list(MONEY_BACK)].sum(axis=1) / total).round(decimals))
    out.insert(len(RESOLUTIONS) + 2, "resolved_share", (out[list(RESOLVED)].sum(axis=1) / total).round(decimals))
    times = resolution_time_summary(problems, by=by).set_index(_group_name(by))["median_days"]
    out.insert(len(RESOLUTIONS) + 3, "median_days_to_resolution", times.reindex(out.index).to_numpy("float64"))
    out["recovered_usd"] = out["dispute_usd"] + out["seller_refund_usd"]
    out["recovered_per_problem_usd"] = (out["recovered_usd"] / total).round(2)
    money = ["dispute_usd", "seller_refund_usd", "recovered_usd"]
    out[money] = out[money].round(2)
    out.index.name = _group_name(by)
    return out.reset_index()

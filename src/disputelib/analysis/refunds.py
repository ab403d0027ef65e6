"""Time to refund, its survival curves and group comparison, the dispute funnel and money recovered.

Each function takes a dispute table (see :mod:`disputelib.analysis`): durations run from
the dispute's opening (or ``start``) to the money received, censored at
``observed_until``; disputes that ended without a refund are excluded.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from disputelib.analysis.disputes import (
    _DAY,
    ALL,
    NO_REFUND,
    REFUNDED,
    STAGES,
    AnalysisError,
    _group_name,
    _instants,
    _labels,
    _outcome,
    _require,
)
from disputelib.analysis.survival import _fits, _time_summary

if TYPE_CHECKING:  # statsmodels loads when a curve is fitted or compared, not on import
    from statsmodels.duration.survfunc import SurvfuncRight


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
        from statsmodels.duration.survfunc import survdiff

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

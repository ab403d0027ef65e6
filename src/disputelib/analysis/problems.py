"""Buyers' problems of a simulation, what became of them, and the time to resolution.

Strategies are compared per problem, not per dispute: a seller's fix without a dispute
counts as a resolution, and the clock starts when the problem began (see
:func:`problem_table`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from disputelib.analysis.disputes import (
    _DAY,
    ALL,
    NO_REFUND,
    AnalysisError,
    _group_name,
    _instants,
    _labels,
    _outcome,
    _require,
    _zone,
)
from disputelib.analysis.survival import _fits, _time_summary

if TYPE_CHECKING:  # statsmodels loads when a curve is fitted, not with every chart or report import
    from statsmodels.duration.survfunc import SurvfuncRight

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

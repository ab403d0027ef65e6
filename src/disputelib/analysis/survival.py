"""Kaplan-Meier fits and quantile summaries of a frame of durations (``days``, ``event``).

Shared by the time to refund (:mod:`disputelib.analysis.refunds`) and the time to
resolution (:mod:`disputelib.analysis.problems`): statsmodels'
:class:`~statsmodels.duration.survfunc.SurvfuncRight` per group, its quantiles with
confidence intervals, and the summary table both report.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from disputelib.analysis.disputes import _group_name, _labels

if TYPE_CHECKING:  # statsmodels (and scipy) load when a curve is fitted, not on import
    from statsmodels.duration.survfunc import SurvfuncRight

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


def _fits(durations: pd.DataFrame, by: str | None) -> dict[str, SurvfuncRight]:
    """One Kaplan-Meier fit per group of a frame with ``days`` and ``event``, sorted by label."""
    from statsmodels.duration.survfunc import SurvfuncRight

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

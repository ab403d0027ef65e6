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

from disputelib.analysis.disputes import (
    ALL,
    NO_REFUND,
    REFUNDED,
    STAGES,
    UNKNOWN,
    AnalysisError,
    check_disputes,
    observed_until,
)
from disputelib.analysis.problems import (
    MONEY_BACK,
    NO_PROBLEM,
    RESOLUTIONS,
    RESOLVED,
    UNDER_WAY,
    problem_summary,
    problem_table,
    resolution_durations,
    resolution_survival_by,
    resolution_time_summary,
)
from disputelib.analysis.refunds import funnel, logrank, recovered, refund_durations, refund_time_summary, survival_by
from disputelib.analysis.survival import _SUMMARY_COLUMNS as _SUMMARY_COLUMNS  # tests compare columns with it

__all__ = [
    "ALL",
    "MONEY_BACK",
    "NO_PROBLEM",
    "NO_REFUND",
    "REFUNDED",
    "RESOLUTIONS",
    "RESOLVED",
    "STAGES",
    "UNDER_WAY",
    "UNKNOWN",
    "AnalysisError",
    "check_disputes",
    "funnel",
    "logrank",
    "observed_until",
    "problem_summary",
    "problem_table",
    "recovered",
    "refund_durations",
    "refund_time_summary",
    "resolution_durations",
    "resolution_survival_by",
    "resolution_time_summary",
    "survival_by",
]

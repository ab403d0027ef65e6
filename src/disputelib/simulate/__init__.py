"""Seeded simulation of orders and disputes, driven by a scenario and a rule pack.

:func:`simulate` draws orders (stores, items and prices, payment methods by buyer country,
shipping, transit, what went wrong), the buyers' and sellers' reactions, and every
dispute's event log; :func:`write_simulation` writes ``orders.parquet``,
``events.parquet`` and ``disputes.parquet``.

What comes from where
---------------------
- The scenario (:mod:`disputelib.scenario`) holds behaviour: shares, delays, generosity.
- The rule pack holds the rules: the dispute window (:func:`disputelib.windows.compute_windows`
  on each would-be dispute), the timers (:func:`disputelib.lifecycle.timer_ends`, counted as the pack says), what
  a silent seller causes (:func:`disputelib.lifecycle.silence_event`), refund routing
  (:func:`disputelib.refunds.refund_channel`) and business days
  (:func:`disputelib.refunds.add_business_days`).
- Every simulated step is checked with the lifecycle's replay engine
  (:func:`disputelib.replay.run`, the one :func:`disputelib.audit.check_log` uses: table,
  timers and amounts) before anything is returned: an illegal step
  raises :class:`SimulationError`. The table, not this module, is the authority.

Reproducibility
---------------
Orders are cut into blocks of :data:`BLOCK_SIZE`. Each random variable of a block has its
own stream, ``numpy.random.SeedSequence(seed, spawn_key=(block, variable))``, and is drawn
for every order of the block with prefix-stable draws (uniforms and transforms of
uniforms). Order ``i`` therefore gets the same values whatever ``n_orders`` is and however
the blocks are later processed or written: ``simulate(1_000, s)`` is the first thousand
orders of ``simulate(1_000_000, s)``.

Observation
-----------
The period follows the pack's timer zone (Pacific time for the built-in packs), like every
date in the package. Orders are placed evenly over ``period_days`` from ``start``, 00:00
in the timer zone on the start date; everything is observed for ``period_days`` +
``observation_tail_days`` calendar days, until ``observed_until`` =
:func:`disputelib.clock.midnight_after` of the last observed day (00:00 in the timer zone
of start date + ``period_days`` + ``observation_tail_days``). So ``disputelib check-log
events.parquet --orders ORDERS --as-of LAST_DAY``, which reads a log as running to 00:00
of the day after ``LAST_DAY`` in the pack's timer zone, ends the log exactly at
``observed_until``. The order columns an export would show (``shipped_at``,
``received_at``, ``problem``) are as known then. Every dispute opened by then appears in ``events`` and
``disputes``, whether or not its negotiation ended (agreement, decision or cancellation)
by then; events after ``observed_until`` are cut, so ``refund_received_at`` is empty while
the money is on its way. A dispute still under negotiation at ``observed_until`` has path
and outcome ``pending``, ``refund_usd`` 0, no ``decided_at``, ``refund_received_at`` or
``refund_channel``, and its event log stops at ``observed_until``: it keeps every event up
to then, timer events included (an ``auto_escalated`` whose timer ran out by then; the
legacy pack's silence refund decides the dispute, so a dispute that got one is not
pending), so every cut log still obeys the pack (:func:`disputelib.audit.check_log` with
``as_of=sim.as_of``, the last observed day). Analyses treat such a dispute as censored at
``observed_until``, never as one without a refund.

Dispute paths and times
-----------------------
``path``: ``agreed_with_seller`` (the buyer accepted a seller's proposal),
``buyer_escalated``, ``auto_escalated`` (a timer decided: the seller was silent, or,
under a pack with an ``auto_escalation`` timer, the dispute was still open when it ran
out), ``cancelled``, or ``pending`` (not yet agreed, decided or cancelled at
``observed_until``; ``escalated_at`` and ``seller_answered_at`` show how far it got).
``outcome``: ``refunded_full``, ``refunded_partial``, ``seller_won`` (decided with no
refund), ``cancelled`` or ``pending`` (the same disputes as path ``pending``). Under a
pack whose silent seller loses (``aliexpress-legacy``) a silent seller's dispute has path
``auto_escalated``, ``escalated_at`` empty and ``decided_at`` = the instant the seller's
time ran out. ``decided_at`` is the ``buyer_accepted`` or ``platform_decided`` instant
(empty for cancelled and pending disputes); ``seller_answered_at`` the first
``seller_proposed`` / ``seller_rejected``.
"""

from disputelib.simulate.disputes import OUTCOMES, PATHS, PENDING, SimulationError
from disputelib.simulate.disputes import _check_steps as _check_steps  # used by the tests
from disputelib.simulate.frames import DISPUTE_COLUMNS, EVENT_COLUMNS
from disputelib.simulate.orders import NOT_SHIPPED
from disputelib.simulate.run import Simulation, SimulationArgumentError, check_arguments, simulate, write_simulation
from disputelib.simulate.streams import BLOCK_SIZE
from disputelib.simulate.whatif import WhatIf, pack_variants, strategy_scenarios, what_if

__all__ = [
    "BLOCK_SIZE",
    "DISPUTE_COLUMNS",
    "EVENT_COLUMNS",
    "NOT_SHIPPED",
    "OUTCOMES",
    "PATHS",
    "PENDING",
    "Simulation",
    "SimulationArgumentError",
    "SimulationError",
    "WhatIf",
    "check_arguments",
    "pack_variants",
    "simulate",
    "strategy_scenarios",
    "what_if",
    "write_simulation",
]

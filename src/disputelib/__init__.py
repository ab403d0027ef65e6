"""disputelib: marketplace buyer-protection disputes, as data.

Which orders can still be disputed and until when, what happens after a dispute opens,
and how long money takes to come back. Analysts use the names below::

    import disputelib as dl
    pack = dl.load_pack("aliexpress-2022")
    result = dl.eligibility(dl.read_table("orders.csv"), as_of="2026-03-20", pack=pack)
    sim = dl.simulate(10_000, seed=7)
    dl.analysis.refund_time_summary(sim.disputes, by="payment_method")
    dl.charts.survival_curves(...)

``dl.analysis``, ``dl.charts`` and ``dl.report`` are imported on first use, so the command
line does not pay for matplotlib, statsmodels or nbconvert when it does not need them.
"""

import importlib
from typing import Any

from disputelib.audit import AuditResult, check_log
from disputelib.errors import DisputelibError
from disputelib.evidence import check_files
from disputelib.importers import Imported, read_aliexpress_backup, read_aliexpress_extension, read_orders
from disputelib.lifecycle import Dispute, IllegalTransition
from disputelib.orders import ValidatedOrders, validate_orders
from disputelib.payments import PAYMENT_METHODS, normalize_payment_method
from disputelib.policy import DEFAULT_PACK, Pack, PackError, available_packs, describe, load_pack
from disputelib.refunds import arrival_window, refund_channel
from disputelib.routes import DEFAULT_ROUTES, Routes, route_table, routes
from disputelib.scenario import Scenario, ScenarioError, available_scenarios, load_scenario
from disputelib.simulate import Simulation, simulate, write_simulation
from disputelib.tables import TableError, read_table, write_table
from disputelib.windows import Eligibility, claims, compute_windows, eligibility

__version__ = "0.1.0"

_LAZY_MODULES = ("analysis", "charts", "report")
#: Names whose module imports a heavier library (icalendar), loaded on first use.
_LAZY_NAMES = {"to_ics": "ics", "write_ics": "ics"}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f"disputelib.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f"disputelib.{_LAZY_NAMES[name]}"), name)
    raise AttributeError(f"module 'disputelib' has no attribute {name!r}")


__all__ = [
    "DEFAULT_PACK",
    "PAYMENT_METHODS",
    "AuditResult",
    "Dispute",
    "DisputelibError",
    "Eligibility",
    "IllegalTransition",
    "Imported",
    "Pack",
    "PackError",
    "TableError",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "ValidatedOrders",
    "analysis",
    "arrival_window",
    "available_packs",
    "available_scenarios",
    "charts",
    "check_files",
    "check_log",
    "claims",
    "compute_windows",
    "describe",
    "eligibility",
    "routes",
    "route_table",
    "Routes",
    "DEFAULT_ROUTES",
    "load_pack",
    "load_scenario",
    "normalize_payment_method",
    "read_aliexpress_backup",
    "read_aliexpress_extension",
    "read_orders",
    "read_table",
    "refund_channel",
    "report",
    "simulate",
    "to_ics",
    "validate_orders",
    "write_ics",
    "write_simulation",
    "write_table",
]

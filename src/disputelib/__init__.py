"""disputelib: marketplace buyer-protection disputes, as data.

Which orders can still be disputed and until when, what happens after a dispute opens,
and how long money takes to come back. Analysts use the names below::

    import disputelib as dl
    pack = dl.load_pack("aliexpress-2022")
    result = dl.eligibility(dl.read_table("orders.csv"), as_of="2026-03-20", pack=pack)
"""

from disputelib.audit import AuditResult, check_log
from disputelib.evidence import check_files
from disputelib.lifecycle import Dispute, IllegalTransition
from disputelib.orders import ValidatedOrders, validate_orders
from disputelib.payments import PAYMENT_METHODS, normalize_payment_method
from disputelib.policy import DEFAULT_PACK, Pack, PackError, available_packs, describe, load_pack
from disputelib.refunds import arrival_window, refund_channel
from disputelib.tables import TableError, read_table, write_table
from disputelib.windows import Eligibility, claims, compute_windows, eligibility

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_PACK",
    "PAYMENT_METHODS",
    "AuditResult",
    "Dispute",
    "Eligibility",
    "IllegalTransition",
    "Pack",
    "PackError",
    "TableError",
    "ValidatedOrders",
    "arrival_window",
    "available_packs",
    "check_files",
    "check_log",
    "claims",
    "compute_windows",
    "describe",
    "eligibility",
    "load_pack",
    "normalize_payment_method",
    "read_table",
    "refund_channel",
    "validate_orders",
    "write_table",
]

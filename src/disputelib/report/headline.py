"""The landing page's headline numbers, computed by the package from a report's input files.

Every number says where it comes from: the orders file or the dispute table, and whether
the disputes were simulated. When both inputs are given, the page also says how many of
the disputes concern orders of the orders file (none, for the embedded sample: they are
two separate samples).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from disputelib.importers import read_orders
from disputelib.paths import resolve
from disputelib.present import dispute_origin
from disputelib.report.config import ReportConfig
from disputelib.tables import read_table
from disputelib.windows import eligibility


@dataclass(frozen=True)
class Headline:
    """The numbers on the landing page, computed by the package from the input files."""

    orders: dict[str, int] | None = None
    closing: pd.DataFrame | None = None
    closing_soon: int | None = None
    disputes: int | None = None
    refund_times: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)
    disputes_origin: str | None = None
    shared_orders: int | None = None
    methods: pd.DataFrame | None = None
    statuses: pd.Series | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain values for the manifest."""
        times = None
        if self.refund_times is not None:
            times = json.loads(self.refund_times.to_json(orient="records"))
        methods = None
        if self.methods is not None:
            methods = json.loads(self.methods.to_json(orient="records"))
        return {
            "orders": self.orders,
            "open_closing_soon": self.closing_soon,
            "disputes": self.disputes,
            "disputes_origin": self.disputes_origin,
            "disputes_on_these_orders": self.shared_orders,
            "payment_methods": methods,
            "refund_times": times,
            "sources": dict(self.sources),
            "notes": list(self.notes),
        }


#: Columns of the "closing soonest" table, when the orders carry them.
CLOSING_COLUMNS = (
    "order_id",
    "store_id",
    "store_name",
    "payment_method",
    "window_closes",
    "deadline",
    "deadline_local",
    "buyer_timezone",
    "days_left",
)
#: Columns of the refund-time summary shown on the landing page, after the grouping column.
REFUND_COLUMNS = ("n", "events", "censored", "no_refund", "median_days", "median_lo", "median_hi")


def by_volume(labels: pd.Series, name: str) -> pd.DataFrame:
    """Rows per value, most first (ties by value): ``name``, ``orders`` and ``share``."""
    counts = labels.astype("string").fillna("unknown").value_counts()
    order = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    frame = pd.DataFrame(order, columns=[name, "orders"])
    frame["share"] = (frame["orders"] / max(int(frame["orders"].sum()), 1)).round(3)
    return frame


def headline(config: ReportConfig, limit: int = 10) -> Headline:
    """Orders, windows closing soon, disputes and median time to refund from ``config.inputs``.

    Parameters
    ----------
    config
        The report config (its ``inputs``, ``as_of``, ``pack`` and ``soon_days``).
    limit
        Rows of the "closing soonest" table.

    Returns
    -------
    Headline
        ``orders`` holds ``read``, ``accepted``, ``rejected`` and one count per status;
        ``closing`` the first ``limit`` open orders closing within ``soon_days`` (sorted
        by ``deadline`` then ``order_id``; ``closing_soon`` counts them all);
        ``methods`` the accepted orders per payment method, most first;
        ``refund_times`` the output of :func:`disputelib.analysis.refund_time_summary` by
        payment method, most disputes first; ``sources`` the input file per number;
        ``disputes_origin`` ``simulated`` or ``from an export``; ``shared_orders`` how
        many disputes concern an order of the orders file (both inputs given).
    """
    notes: list[str] = []
    sources = {name: str(path) for name, path in config.inputs.items()}
    orders = closing = soon = disputes = times = origin = shared = methods = statuses = None
    order_ids = None
    if "orders" in config.inputs:
        columns = resolve(config.inputs["columns"]) if "columns" in config.inputs else None
        frame = read_orders(resolve(config.inputs["orders"]), format=config.orders_format, columns=columns)
        result = eligibility(frame, config.as_of, config.pack)
        table = result.table
        statuses = table["status"].astype("string").reset_index(drop=True)
        counts = table["status"].value_counts()
        orders = {"read": result.n_read, "accepted": len(table), "rejected": len(result.rejects)}
        orders.update({s: int(counts.get(s, 0)) for s in ("not_shipped", "too_early", "open", "expired")})
        is_open = table["status"] == "open"
        closing_all = table[is_open & (table["days_left"] <= config.soon_days).fillna(False)]
        soon = len(closing_all)
        columns = [c for c in CLOSING_COLUMNS if c in table.columns]
        closing = (
            closing_all[columns].sort_values(["deadline", "order_id"], kind="stable").head(limit).reset_index(drop=True)
        )
        methods = by_volume(table["payment_method"], "payment_method")
        order_ids = set(table["order_id"].astype(str))
    if "disputes" in config.inputs:
        frame = read_table(resolve(config.inputs["disputes"]))
        disputes = len(frame)
        origin = dispute_origin(frame)
        if order_ids is not None and "order_id" in frame.columns:
            shared = int(frame["order_id"].astype(str).isin(order_ids).sum())
        try:
            from disputelib import analysis

            times = analysis.refund_time_summary(frame, by="payment_method")
            times = times.sort_values(["n", "payment_method"], ascending=[False, True], kind="stable")
            times = times.reset_index(drop=True)
        except (ImportError, AttributeError):
            notes.append("median time to refund: disputelib.analysis is not available")
        except ValueError as exc:
            notes.append(f"median time to refund: {exc}")
    return Headline(orders, closing, soon, disputes, times, tuple(notes), sources, origin, shared, methods, statuses)

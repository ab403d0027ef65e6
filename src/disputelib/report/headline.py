"""The landing page's headline numbers, computed by the package from a report's input files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from disputelib.importers import read_orders
from disputelib.paths import resolve
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

    def as_dict(self) -> dict[str, Any]:
        """Plain values for the manifest."""
        times = None
        if self.refund_times is not None:
            times = json.loads(self.refund_times.to_json(orient="records"))
        return {
            "orders": self.orders,
            "open_closing_soon": self.closing_soon,
            "disputes": self.disputes,
            "refund_times": times,
            "notes": list(self.notes),
        }


#: Columns of the "closing soonest" table, when the orders carry them.
CLOSING_COLUMNS = ("order_id", "store_id", "store_name", "payment_method", "window_closes", "deadline", "days_left")
#: Columns of the refund-time summary shown on the landing page, after the grouping column.
REFUND_COLUMNS = ("n", "events", "censored", "no_refund", "median_days", "median_lo", "median_hi")


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
        ``closing`` the open orders closing first (sorted by ``window_closes`` then
        ``order_id``); ``refund_times`` the output of
        :func:`disputelib.analysis.refund_time_summary` by payment method.
    """
    notes: list[str] = []
    orders = closing = soon = disputes = times = None
    if "orders" in config.inputs:
        columns = resolve(config.inputs["columns"]) if "columns" in config.inputs else None
        frame = read_orders(resolve(config.inputs["orders"]), format=config.orders_format, columns=columns)
        result = eligibility(frame, config.as_of, config.pack)
        table = result.table
        counts = table["status"].value_counts()
        orders = {"read": result.n_read, "accepted": len(table), "rejected": len(result.rejects)}
        orders.update({s: int(counts.get(s, 0)) for s in ("not_shipped", "too_early", "open", "expired")})
        is_open = table["status"] == "open"
        closing_all = table[is_open & (table["days_left"] <= config.soon_days).fillna(False)]
        soon = len(closing_all)
        columns = [c for c in CLOSING_COLUMNS if c in table.columns]
        closing = (
            table.loc[is_open, columns]
            .sort_values(["window_closes", "order_id"], kind="stable")
            .head(limit)
            .reset_index(drop=True)
        )
    if "disputes" in config.inputs:
        frame = read_table(resolve(config.inputs["disputes"]))
        disputes = len(frame)
        try:
            from disputelib import analysis

            times = analysis.refund_time_summary(frame, by="payment_method")
        except (ImportError, AttributeError):
            notes.append("median time to refund: disputelib.analysis is not available")
        except ValueError as exc:
            notes.append(f"median time to refund: {exc}")
    return Headline(orders, closing, soon, disputes, times, tuple(notes))

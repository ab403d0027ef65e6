"""One block of the simulation as frames: orders, events and disputes, cut at ``observed_until``."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pyarrow as pa

from disputelib import contracts
from disputelib.lifecycle import EVENTS
from disputelib.policy import Pack
from disputelib.scenario import SELLER_FIXES, STRATEGIES, WHAT_WENT_WRONG, Scenario
from disputelib.simulate.disputes import OUTCOMES, PATHS, PENDING, _check_steps, _disputes_block
from disputelib.simulate.orders import NOT_SHIPPED, _orders_block, _problem_labels
from disputelib.simulate.streams import BLOCK_SIZE, _Draws
from disputelib.simulate.times import _NAT, _UNIT

#: ``disputes.parquet`` columns, in order (the contract: :data:`disputelib.contracts.DISPUTES`).
DISPUTE_COLUMNS: tuple[str, ...] = contracts.DISPUTES.names
#: ``events.parquet`` columns, the input of ``disputelib check-log`` (:data:`disputelib.contracts.EVENTS`).
EVENT_COLUMNS: tuple[str, ...] = contracts.EVENTS.names

_TS = "datetime64[us, UTC]"


def _strings(labels, codes: np.ndarray, valid: np.ndarray | None = None) -> pd.Series:
    """A ``str`` Series from codes into ``labels`` (missing where ``valid`` is False)."""
    values = pa.array(list(labels), type=pa.string())
    idx = pa.array(np.asarray(codes, dtype=np.int32), mask=None if valid is None else ~np.asarray(valid, bool))
    return pd.Series(pd.array(values.take(idx), dtype="str"))


def _ids(prefix: str, numbers: np.ndarray, width: int = 9) -> pd.Series:
    """``prefix`` + zero-padded numbers (``O000000042``), built as one Arrow buffer."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n, size = len(numbers), len(prefix) + width
    chars = np.empty((n, size), dtype=np.uint8)
    chars[:, : len(prefix)] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    rest = numbers.copy()
    for j in range(size - 1, len(prefix) - 1, -1):
        chars[:, j] = rest % 10 + 48
        rest //= 10
    offsets = np.arange(0, size * (n + 1), size, dtype=np.int32)
    text = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))
    return pd.Series(pd.array(text, dtype="str"))


@functools.cache
def _store_ids(count: int) -> tuple[str, ...]:
    return tuple(f"S{i:05d}" for i in range(count))


def _utc(values: np.ndarray) -> pd.Series:
    """tz-aware UTC timestamps from ``datetime64[s]`` (NaT stays NaT)."""
    return pd.Series(np.asarray(values, dtype=_UNIT).astype("datetime64[us]")).dt.tz_localize("UTC")


def _block(seed: int, block: int, n: int, sc: Scenario, pack: Pack, start: np.datetime64,
           observed_until: np.datetime64) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:  # fmt: skip
    draws = _Draws(seed, block, n)
    o = _orders_block(draws, block * BLOCK_SIZE, sc, pack, start)
    d = _disputes_block(draws, o, sc, pack, observed_until)
    ev, at, amt = d["ev"], d["at"], d["amt"]
    _check_steps(ev, at, pack, amt)
    rows = d["rows"]
    # every dispute opened by observed_until is kept; its events are cut there (slots are
    # in time order, so the cut log is a prefix of the full, legal one)
    pending = ~(d["closed_at"] <= observed_until)
    at = np.where(at <= observed_until, at, _NAT)
    ev = np.where(np.isnat(at), -1, ev)

    order_numbers = o["number"]
    numbers = order_numbers[rows]
    present = ev >= 0
    per = present.sum(axis=1)
    events = pd.DataFrame(
        {
            "dispute_id": _ids("D", np.repeat(numbers, per)),
            "order_id": _ids("O", np.repeat(numbers, per)),
            "event": _strings(EVENTS, ev[present]),
            "at": _utc(at[present]),
            "amount_usd": amt[present],
        }
    )

    refund_at = at[:, 9]
    path = np.where(pending, PATHS.index(PENDING), d["path"])
    outcome = np.where(pending, OUTCOMES.index(PENDING), d["outcome"])
    refund = np.where(pending, 0.0, d["refund"])
    escalated_at = np.where(d["escalated_at"] <= observed_until, d["escalated_at"], _NAT)
    decided_at = np.where(pending, _NAT, d["decided_at"])
    channel = np.where(pending, None, d["channel"])
    disputes = pd.DataFrame(
        {
            "dispute_id": _ids("D", numbers),
            "order_id": _ids("O", numbers),
            "store_id": _strings(_store_ids(sc.stores.count), o["store"][rows]),
            "payment_method": pd.Series(pd.array(d["methods"].astype(str), dtype="str")),
            "buyer_country": pd.Series(pd.array(d["countries"].astype(str), dtype="str")),
            "dispute_type": pd.Series(pd.array(d["dispute_type"].astype(str), dtype="str")),
            "problem": pd.Series(pd.array(d["problem"].astype(str), dtype="str")),
            "claim_usd": d["claim"],
            "strategy": _strings(STRATEGIES, o["strategy"][rows]),
            "filmed_unboxing": o["filmed"][rows],
            "path": _strings(PATHS, path),
            "outcome": _strings(OUTCOMES, outcome),
            "refund_usd": refund,
            "opened_at": _utc(at[:, 0]),
            "seller_answered_at": _utc(at[:, 2]),
            "escalated_at": _utc(escalated_at),
            "decided_at": _utc(decided_at),
            "refund_received_at": _utc(refund_at),
            "refund_channel": pd.Series(pd.array(channel, dtype="str")),
            "observed_until": _utc(np.full(len(rows), observed_until)),
            "pack": pd.Series(pd.array(np.full(len(rows), pack.name, dtype=object), dtype="str")),
        }
    )

    dispute_of = np.full(n, -1, dtype=np.int64)
    dispute_of[rows] = order_numbers[rows]
    orders = _orders_frame(o, sc, observed_until, dispute_of)
    return orders, events, disputes


def _orders_frame(o: dict, sc: Scenario, observed_until: np.datetime64, dispute_of: np.ndarray) -> pd.DataFrame:
    shipped = np.where(o["shipped"] <= observed_until, o["shipped"], _NAT)
    received = np.where(o["received"] <= observed_until, o["received"], _NAT)
    labels = _problem_labels()
    known = ~np.isnat(o["noticed"]) & (o["noticed"] <= observed_until)
    problem = np.where(known, o["wrong"], len(labels) - 1)
    prices = pa.ListArray.from_arrays(pa.array(o["offsets"].astype(np.int32)), pa.array(o["prices"]))
    item = o["item"]
    prot = o["protection"]
    return pd.DataFrame(
        {
            "order_id": _ids("O", o["number"]),
            "amount_usd": o["amount"],
            "payment_method": _strings(o["spellings"], o["spelling"]),
            "shipped_at": _utc(shipped),
            "received_at": _utc(received),
            "buyer_country": _strings(o["countries"], o["country"]),
            "buyer_timezone": _strings(o["zones"], o["zone"]),
            "protection_days": pd.Series(pd.arrays.IntegerArray(np.where(prot > 0, prot, 0), prot <= 0)),
            "problem": _strings([x or "" for x in labels], problem, problem < len(labels) - 1),
            "problem_amount_usd": np.where(known, o["problem_amount"], np.nan),
            "store_id": _strings(_store_ids(sc.stores.count), o["store"]),
            "ordered_at": _utc(o["ordered"]),
            "delivered_at": _utc(o["delivered"]),
            "n_items": o["n_items"].astype(np.int16),
            "item_prices": pd.Series(pd.arrays.ArrowExtensionArray(prices)),
            "problem_item_index": pd.Series(pd.arrays.IntegerArray(np.maximum(item, 0).astype(np.int16), item < 0)),
            "what_went_wrong": _strings([*WHAT_WENT_WRONG, NOT_SHIPPED], o["wrong"]),
            "strategy": _strings(STRATEGIES, o["strategy"]),
            "filmed_unboxing": o["filmed"],
            "seller_fix": _strings(SELLER_FIXES, np.maximum(o["fix"], 0), o["fix"] >= 0),
            "seller_fix_at": _utc(o["fix_at"]),
            "seller_fix_usd": o["fix_usd"],
            "dispute_id": _ids_where("D", dispute_of),
        }
    )


def _ids_where(prefix: str, numbers: np.ndarray) -> pd.Series:
    """Ids where ``numbers >= 0``, missing elsewhere."""
    has = numbers >= 0
    small = pa.array(_ids(prefix, numbers[has]).array)
    where = np.cumsum(has) - 1
    return pd.Series(pd.array(small.take(pa.array(where.astype(np.int32), mask=~has)), dtype="str"))


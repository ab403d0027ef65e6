"""Every table keeps the contract declared once in disputelib.contracts."""

from __future__ import annotations

import pandas as pd
import pytest

import disputelib as dl
from disputelib import audit, contracts, orders, windows
from disputelib.contracts import CONTRACTS, ContractError, is_kind
from disputelib.simulate import DISPUTE_COLUMNS, EVENT_COLUMNS

PACKS = ("aliexpress-2022", "aliexpress-legacy")


def test_column_lists_come_from_the_contracts():
    assert orders.REQUIRED_COLUMNS == contracts.ORDERS.required == ("order_id", "amount_usd", "payment_method")
    assert orders.OPTIONAL_COLUMNS == contracts.ORDERS.optional
    assert windows.WINDOW_COLUMNS == contracts.ELIGIBILITY.names
    assert (EVENT_COLUMNS, DISPUTE_COLUMNS) == (contracts.EVENTS.names, contracts.DISPUTES.names)
    assert (audit.REQUIRED_COLUMNS, audit.FINDING_COLUMNS) == (contracts.EVENTS.required, contracts.FINDINGS.names)
    assert set(CONTRACTS) == {"orders", "eligibility", "routes", "events", "findings", "disputes"}
    for contract in CONTRACTS.values():
        assert all(c.kind in contracts.KINDS for c in contract.columns)
        assert len(set(contract.names)) == len(contract.names)


@pytest.fixture(scope="module", params=PACKS)
def sim(request):
    return dl.simulate(1_500, 3, pack=request.param)


def test_simulated_tables_keep_their_contracts(sim):
    contracts.EVENTS.check(sim.events)
    contracts.DISPUTES.check(sim.disputes)
    contracts.FINDINGS.check(dl.check_log(sim.events, pack=sim.pack).findings)
    present = [c for c in contracts.ORDERS.names if c in sim.orders.columns]
    contracts.ORDERS.check(sim.orders.astype({c: "str" for c in present}), complete=False)


@pytest.mark.parametrize("pack_name", PACKS)
def test_the_eligibility_table_keeps_its_contract(pack_name):
    table = dl.eligibility(dl.read_table("data/sample/orders.csv"), "2026-11-27", pack_name).table
    contracts.ELIGIBILITY.check(table)
    assert tuple(table.columns[: len(contracts.ELIGIBILITY.names)]) == contracts.ELIGIBILITY.names


def test_the_sample_export_keeps_the_orders_contract():
    contracts.ORDERS.check(dl.read_table("data/sample/orders.csv"), complete=False)


@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        (pd.DataFrame({"dispute_id": ["D1"], "event": ["opened"]}), "no 'at' column"),
        (pd.DataFrame({"dispute_id": ["D1"], "event": ["opened"], "at": pd.to_datetime(["2026-03-01"]),
                       "order_id": ["O1"], "amount_usd": [1.0]}), "'at' is datetime64"),
        (pd.DataFrame({"event": ["opened"], "dispute_id": ["D1"], "order_id": ["O1"],
                       "at": pd.to_datetime(["2026-03-01"], utc=True), "amount_usd": [1.0]}), "columns out of order"),
    ],
)  # fmt: skip
def test_a_broken_contract_is_one_sentence_naming_the_table(frame, problem):
    with pytest.raises(ContractError, match="the events table breaks its contract") as raised:
        contracts.EVENTS.check(frame)
    assert problem in str(raised.value)
    assert isinstance(raised.value, dl.DisputelibError)


@pytest.mark.parametrize(
    ("values", "kind", "ok"),
    [
        (pd.Series(["a"], dtype="string"), "text", True),
        (pd.Series(["a"], dtype="category"), "text", False),
        (pd.Series(["a"], dtype="category"), "category", True),
        (pd.Series(pd.to_datetime(["2026-03-01"])), "date", True),
        (pd.Series(pd.to_datetime(["2026-03-01"], utc=True)), "date", False),
        (pd.Series(pd.to_datetime(["2026-03-01"], utc=True)), "instant", True),
        (pd.Series([1], dtype="Int64"), "integer", True),
        (pd.Series([True]), "integer", False),
        (pd.Series([1.5]), "number", True),
        (pd.Series([True]), "flag", True),
    ],
)
def test_kinds(values, kind, ok):
    assert is_kind(values.dtype, kind) is ok

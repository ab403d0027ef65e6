"""The committed sample data: every status, problem and payment family, and the seed story."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import disputelib as dl
from disputelib.audit import check_log
from disputelib.cli import main as cli
from disputelib.clock import midnight_after
from disputelib.orders import PROBLEMS
from disputelib.sample import AS_OF, CSV_COLUMNS, SAMPLE_PREFIX, SEED_STORY_ID, main, sample_orders, seed_story_order
from disputelib.simulate import DISPUTE_COLUMNS, EVENT_COLUMNS
from disputelib.windows import STATUSES

COMMITTED = Path(__file__).resolve().parents[1] / "data" / "sample"
SPELLINGS = (
    "Visa", "MasterCard", "Maestro", "PayPal", "Alipay", "Russian Post", "Euroset", "Svyaznoy",
    "Western Union", "T/T", "Wire transfer", "Bank transfer",
)  # fmt: skip
COUNTRIES = ("US", "KR", "RU", "BR", "DE", "FR", "ES")
#: The end of the dispute simulation: the end of AS_OF in Pacific time, as ``check-log --as-of AS_OF`` reads it.
END = midnight_after(np.array([AS_OF], dtype="datetime64[D]"), dl.load_pack().timer_zone)[0]


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    assert main([str(out)]) == 0
    return out


def test_usage_error():
    assert main([]) == 2


def test_orders_cover_every_status_problem_spelling_and_country(written):
    orders = dl.read_table(written / "orders.csv")
    assert 200 <= len(orders) <= 400
    result = dl.eligibility(orders, AS_OF)
    assert len(result.rejects) == 0
    assert set(result.table["status"]) == set(STATUSES)
    assert set(orders["problem"]) - {""} == set(PROBLEMS)
    assert set(SPELLINGS) <= set(orders["payment_method"])
    assert set(result.table["payment_method"]) == set(dl.PAYMENT_METHODS)
    assert set(COUNTRIES) <= set(orders["buyer_country"])
    assert orders["buyer_timezone"].nunique() >= 10
    assert (orders["protection_days"] != "").sum() >= 2


def test_seed_story_order(written):
    orders = dl.read_table(written / "orders.csv")
    row = orders[orders["order_id"] == SEED_STORY_ID].iloc[0]
    assert row["n_items"] == "18"
    assert row["problem"] == "missing_items"
    assert float(row["problem_amount_usd"]) == pytest.approx(5.0, abs=0.5)
    assert row["buyer_country"] == "KR"
    story = seed_story_order()
    prices = np.asarray(story["item_prices"].iloc[0])
    assert int(story["problem_item_index"].iloc[0]) == int(prices.argmax())
    status = dl.eligibility(orders[orders["order_id"] == SEED_STORY_ID], AS_OF).table["status"].item()
    assert status == "open"


def test_sample_is_reproducible(written):
    again = sample_orders()
    first = dl.read_table(written / "orders.csv")
    assert again["order_id"].tolist() == first["order_id"].tolist()
    assert np.allclose(again["amount_usd"], first["amount_usd"].astype(float))


def test_disputes_and_events_for_the_notebooks(written):
    disputes = pd.read_parquet(written / "disputes.parquet")
    events = pd.read_parquet(written / "events.parquet")
    assert tuple(disputes.columns) == DISPUTE_COLUMNS
    assert tuple(events.columns) == EVENT_COLUMNS
    assert len(disputes) >= 1_000
    assert (written / "disputes.parquet").stat().st_size < 1_000_000
    assert (written / "events.parquet").stat().st_size < 1_000_000
    assert check_log(events, as_of=AS_OF).errors == 0
    # every dispute opened by the end of AS_OF is there, pending or not
    assert (events["event"] == "opened").sum() == len(disputes)
    pending = disputes["outcome"] == "pending"
    assert pending.eq(disputes["path"] == "pending").all()
    assert disputes.loc[pending, "decided_at"].isna().all() and (disputes.loc[pending, "refund_usd"] == 0).all()
    assert f"{int(pending.sum())} of them still pending" in (written / "README.md").read_text(encoding="utf-8")
    assert END == pd.Timestamp("2026-11-28 00:00", tz="America/Los_Angeles")
    assert (disputes["observed_until"] == END).all() and (events["at"] <= END).all()
    assert "python -m disputelib.sample" in (written / "README.md").read_text(encoding="utf-8")


def test_eligibility_sample_and_dispute_simulation_share_no_id(written):
    orders = dl.read_table(written / "orders.csv")
    disputes = pd.read_parquet(written / "disputes.parquet")
    events = pd.read_parquet(written / "events.parquet")
    dispute_orders = pd.read_parquet(written / "dispute_orders.parquet")
    sample_ids = set(orders["order_id"])
    assert (orders["order_id"].str.startswith(SAMPLE_PREFIX) | (orders["order_id"] == SEED_STORY_ID)).all()
    for ids in (disputes["order_id"], events["order_id"], dispute_orders["order_id"], disputes["dispute_id"]):
        assert not sample_ids & set(ids)
    # the dispute simulation's orders are exactly the disputed ones, in the eligibility input format
    assert set(dispute_orders["order_id"]) == set(disputes["order_id"]) == set(events["order_id"])
    assert dispute_orders["order_id"].is_unique
    assert tuple(dispute_orders.columns) == CSV_COLUMNS
    assert len(dl.eligibility(dispute_orders, AS_OF).rejects) == 0
    assert (written / "dispute_orders.parquet").stat().st_size < 1_000_000
    assert (written / "orders.csv").stat().st_size < 1_000_000


def test_dispute_logs_pass_check_log_against_their_orders(written, tmp_path, capsys):
    # the command the README gives, --as-of AS_OF: the log runs to the end of that day, as simulated
    findings = tmp_path / "findings.csv"
    code = cli(["check-log", str(written / "events.parquet"), "--orders", str(written / "dispute_orders.parquet"),
                "--as-of", AS_OF, "--out", str(findings), "--fail-on", "error"])  # fmt: skip
    assert code == 0, pd.read_csv(findings).head(10).to_string()
    assert " 0 errors" in capsys.readouterr().err
    events = pd.read_parquet(written / "events.parquet")
    # the check is real: against the eligibility sample every order is unknown
    wrong = check_log(events, dl.read_table(written / "orders.csv"), as_of=AS_OF)
    assert wrong.errors > 0
    assert "--orders data/sample/dispute_orders.parquet --as-of 2026-11-27" in (written / "README.md").read_text(
        encoding="utf-8"
    )


def test_route_sample_has_every_route_and_status_worth_showing(written):
    table = dl.routes(dl.read_table(written / "route_orders.csv"), AS_OF).table
    assert set(table["route"]) == set(dl.DEFAULT_ROUTES)
    assert {"open", "expired", "too_early"} <= set(table["status"])
    # the sample's orders are the eligibility sample's, with the payment and promised dates added
    assert set(dl.read_table(written / "route_orders.csv")["order_id"]) == set(
        dl.read_table(written / "orders.csv")["order_id"]
    )


@pytest.mark.skipif(not (COMMITTED / "orders.csv").exists(), reason="data/sample not built")
def test_committed_sample_is_what_the_package_makes(written):
    for name in ("orders.csv", "route_orders.csv", "README.md"):
        assert (COMMITTED / name).read_text(encoding="utf-8") == (written / name).read_text(encoding="utf-8"), name
    for name in ("disputes.parquet", "events.parquet", "dispute_orders.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(COMMITTED / name), pd.read_parquet(written / name))

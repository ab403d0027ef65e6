"""``inputs.orders_format``: a report whose orders are a buyer's own data."""

from __future__ import annotations

import pytest
from test_importers import BIG, item, write_backup
from test_report import make_notebook

from disputelib.report import ReportConfigError, load_config, plan
from disputelib.report.headline import headline


@pytest.fixture
def config(tmp_path):
    rows = [item(0.25, 1999), item("1000000000000011", 500, reason="cancel_order_close_trade", paid=None)]
    backup = write_backup(tmp_path / "backup.xlsx", rows, {0.25: str(BIG)})
    notebook = make_notebook(
        tmp_path / "orders.ipynb",
        body="print(orders_path, orders_format)",
        parameters='orders_path: str = "x.csv"  # orders\norders_format: str = "table"  # how to read them\n',
    )
    return {
        "as_of": "2026-04-01",
        "inputs": {"orders": str(backup), "orders_format": "aliexpress-backup"},
        "notebooks": [{"path": str(notebook)}],
    }


def test_orders_format_reaches_the_headline_and_declaring_notebooks(config):
    cfg = load_config(config)
    assert cfg.orders_format == "aliexpress-backup"
    assert "orders_format" not in cfg.inputs  # inputs are files
    assert plan(cfg)["orders"]["orders_format"] == "aliexpress-backup"
    numbers = headline(cfg)
    assert numbers.orders["accepted"] == 2 and numbers.orders["open"] == 1


def test_default_format_is_the_order_table(config):
    config["inputs"].pop("orders_format")
    assert load_config(config).orders_format == "table"


def test_unknown_format_is_one_sentence(config):
    config["inputs"]["orders_format"] = "xlsx"
    with pytest.raises(ReportConfigError, match="inputs.orders_format must be one of table, aliexpress-backup"):
        load_config(config)

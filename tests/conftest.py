from __future__ import annotations

import pandas as pd
import pytest

import disputelib as dl


@pytest.fixture(scope="session")
def pack() -> dl.Pack:
    return dl.load_pack("aliexpress-2022")


@pytest.fixture(scope="session")
def legacy() -> dl.Pack:
    return dl.load_pack("aliexpress-legacy")


def order_frame(**columns) -> pd.DataFrame:
    """A one-or-more-row export with the required columns filled in, as text like a CSV."""
    n = max((len(v) for v in columns.values() if isinstance(v, list)), default=1)
    base = {
        "order_id": [f"O{i}" for i in range(n)],
        "amount_usd": ["10.00"] * n,
        "payment_method": ["card"] * n,
    }
    for name, value in columns.items():
        base[name] = value if isinstance(value, list) else [value] * n
    return pd.DataFrame(base, dtype=object)

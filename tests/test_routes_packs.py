"""The route pack format: window timers in months, business days and elapsed hours, and
the one-sentence errors of packs that do not make sense."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest
from conftest import order_frame

import disputelib as dl
from disputelib.errors import DisputelibError
from disputelib.policy import PackError, load_dispute_pack
from disputelib.routes import RoutesError, add_months, route_packs

ROUTE_PACKS = ("paypal", "visa-chargeback", "mastercard-chargeback", "ebay-mbg", "amazon-a-to-z", "etsy", "temu")
RULE = 'summary = "s"\nsource = "tests"\nconfidence = "L"\n'


def timer(name: str, anchor: str, offset: int, unit: str = "days", counts: str = "calendar_days") -> str:
    return f'[timers.{name}]\nanchor = "{anchor}"\noffset = {offset}\nunit = "{unit}"\ncounts = "{counts}"\n{RULE}'


def window(name: str, opens: list[str], closes: list[str], extra: str = "") -> str:
    return f"[windows.{name}]\nopen_timers = {opens!r}\nclose_timers = {closes!r}\n{extra}{RULE}".replace("'", '"')


HEAD = (
    textwrap.dedent(
        """\
    [pack]
    name = "test-route"
    title = "A route for the tests"
    timer_zone = "America/New_York"
    source = "tests"

    [coverage]
    methods = ["paypal"]
    networks = ["visa"]
    """
    )
    + RULE
)

#: A pack with one window per kind of timer: months (default), elapsed hours (not received),
#: business days (damaged), elapsed days (missing items), and two closing timers taken at
#: the latest (not as described).
TIMERS = "\n".join(
    [
        timer("at_payment", "paid", 0),
        timer("a_month_later", "paid", 1, "months"),
        timer("hours_after_delivery", "estimated_delivery", 36, "hours", "elapsed"),
        timer("two_days_after_delivery", "estimated_delivery", 48, "hours", "elapsed"),
        timer("business_days_after_delivery", "estimated_delivery", 5, "business_days"),
        timer("elapsed_days_after_delivery", "estimated_delivery", 2, "days", "elapsed"),
        timer("twenty_days_after_payment", "paid", 20),
        timer("ten_days_after_delivery", "estimated_delivery", 10),
    ]
)
WINDOWS = "\n".join(
    [
        window("default", ["at_payment"], ["a_month_later"]),
        window("not_received", ["hours_after_delivery"], ["two_days_after_delivery"]),
        window("damaged", ["at_payment"], ["business_days_after_delivery"]),
        window("missing_items", ["at_payment"], ["elapsed_days_after_delivery"]),
        window(
            "not_as_described",
            ["at_payment"],
            ["twenty_days_after_payment", "ten_days_after_delivery"],
            'closes = "latest"\n',
        ),
    ]
)
PACK = HEAD + "\n" + TIMERS + "\n" + WINDOWS


@pytest.fixture
def pack_path(tmp_path):
    path = tmp_path / "test-route.toml"
    path.write_text(PACK, encoding="utf-8")
    return path


def window_of(path, as_of: str, **columns) -> tuple:
    frame = order_frame(payment_method="PayPal", **columns)
    table = dl.routes(frame, as_of, packs=[str(path)]).table
    assert len(table) == len(frame)
    return [
        (
            str(r.status),
            None if pd.isna(r.window_opens) else str(r.window_opens.date()),
            None if pd.isna(r.window_closes) else str(r.window_closes.date()),
            None if pd.isna(r.deadline) else str(r.deadline),
        )
        for r in table.itertuples()
    ]


# --------------------------------------------------------------------------- months


def test_months_clamp_to_the_end_of_the_month(pack_path):
    paid = ["2026-01-31", "2024-01-31", "2026-03-31", "2026-01-15", "2026-12-31", "2026-08-31"]
    got = window_of(pack_path, "2026-02-28", paid_at=paid)
    assert [g[2] for g in got] == ["2026-02-28", "2024-02-29", "2026-04-30", "2026-02-15", "2027-01-31", "2026-09-30"]
    assert got[0] == ("open", "2026-01-31", "2026-02-28", "2026-03-01T00:00:00-05:00")
    assert [g[0] for g in got] == ["open", "expired", "too_early", "expired", "too_early", "too_early"]


def test_twelve_months_from_a_leap_day(pack_path):
    pack = dl.load_pack(pack_path, overrides={"timers.a_month_later.offset": 12})
    table = dl.routes(order_frame(payment_method="PayPal", paid_at=["2024-02-29"]), "2025-03-01", packs=[pack]).table
    assert str(table["window_closes"].iloc[0].date()) == "2025-02-28" and table["status"].iloc[0] == "expired"


def test_add_months():
    days = np.array(
        ["2026-01-31", "2024-01-31", "2026-03-31", "2024-02-29", "2026-12-31", "2026-01-30", "NaT"], "datetime64[D]"
    )
    assert add_months(days, 1).astype(str).tolist() == [
        "2026-02-28", "2024-02-29", "2026-04-30", "2024-03-29", "2027-01-31", "2026-02-28", "NaT",
    ]  # fmt: skip
    assert add_months(days, 0).astype(str).tolist() == days.astype(str).tolist()
    assert add_months(np.array(["2024-02-29", "2026-08-31"], "datetime64[D]"), 12).astype(str).tolist() == [
        "2025-02-28", "2027-08-31",
    ]  # fmt: skip
    assert add_months(np.array(["2026-08-31"], "datetime64[D]"), 18).astype(str).tolist() == ["2028-02-29"]


# --------------------------------------------------------------------------- business days and elapsed time


def test_business_days_follow_the_buyers_country(pack_path):
    # US: Independence Day 2026 is a Saturday, observed on Friday 3 July. KR: Chuseok 24-26 Sep,
    # National Foundation Day Sat 3 Oct. No country: Saturdays and Sundays only.
    got = window_of(
        pack_path, "2026-07-01", paid_at="2026-06-20", problem="damaged",
        estimated_delivery=["2026-07-01", "2026-07-01", "2026-07-11", "2026-09-23"],
        buyer_country=["US", None, None, "KR"],
    )  # fmt: skip
    assert [g[2] for g in got] == ["2026-07-09", "2026-07-08", "2026-07-20", "2026-10-02"]
    assert got[0] == ("open", "2026-06-20", "2026-07-09", "2026-07-10T00:00:00-04:00")


def test_elapsed_hours_count_real_hours_across_clock_changes(pack_path):
    # 8 March 2026: clocks go forward in New York; 1 November 2026: back. From 00:00 of the
    # delivery day: 36 hours open the window, 48 hours end it.
    got = window_of(
        pack_path, "2026-03-09", paid_at="2026-02-01", problem="not_received",
        estimated_delivery=["2026-03-08", "2026-11-01", "2026-06-10"],
    )  # fmt: skip
    assert got == [
        ("open", "2026-03-09", "2026-03-10", "2026-03-10T01:00:00-04:00"),
        ("too_early", "2026-11-02", "2026-11-02", "2026-11-02T23:00:00-05:00"),
        ("too_early", "2026-06-11", "2026-06-11", "2026-06-12T00:00:00-04:00"),
    ]
    days = window_of(
        pack_path, "2026-03-09", paid_at="2026-02-01", problem="missing_items",
        estimated_delivery=["2026-03-08", "2026-11-01"],
    )  # fmt: skip
    assert [d[3] for d in days] == ["2026-03-10T01:00:00-04:00", "2026-11-02T23:00:00-05:00"]


def test_a_window_can_close_at_the_latest_of_its_timers(pack_path):
    got = window_of(
        pack_path, "2026-03-05", paid_at="2026-03-01", problem="not_as_described",
        estimated_delivery=["2026-03-20", "2026-03-05"],
    )  # fmt: skip
    # the later of paid + 20 days (21 Mar) and estimated delivery + 10 days (30 Mar; 15 Mar)
    assert [g[2] for g in got] == ["2026-03-30", "2026-03-21"]


def test_a_pack_without_a_default_window_covers_only_the_problems_it_names(tmp_path):
    only = "\n".join(
        [
            HEAD,
            timer("hours_after_delivery", "estimated_delivery", 36, "hours", "elapsed"),
            timer("two_days_after_delivery", "estimated_delivery", 48, "hours", "elapsed"),
            window("not_received", ["hours_after_delivery"], ["two_days_after_delivery"]),
        ]
    )
    path = tmp_path / "only-not-received.toml"
    path.write_text(only, encoding="utf-8")
    frame = order_frame(
        payment_method="PayPal", paid_at="2026-03-01", estimated_delivery="2026-03-20",
        problem=["not_received", None, "damaged"],
    )  # fmt: skip
    table = dl.routes(frame, "2026-03-21", packs=[str(path)]).table
    assert table["order_id"].tolist() == ["O0"] and str(table["window_closes"].iloc[0].date()) == "2026-03-21"


def test_the_shipped_card_packs_close_at_the_earliest_of_their_timers():
    for name in ("visa-chargeback", "mastercard-chargeback"):
        pack = dl.load_pack(name)
        nr = pack.window_for("not_received")
        assert nr.closes == "earliest" and len(nr.close_timers) == 2
        closing = sorted((pack.timer(t).anchor, pack.timer(t).offset) for t in nr.close_timers)
        assert closing == [("estimated_delivery", 120), ("paid", 540)]
        assert pack.window_for("damaged") is pack.window_for(None) is pack.windows["default"]


# --------------------------------------------------------------------------- format errors


def swap(old: str, new: str) -> tuple[str, str]:
    assert old in PACK, old
    return old, new


ERRORS = [
    pytest.param(*swap("[windows.damaged]", "[windows.lost_in_post]"), "unknown window 'windows.lost_in_post'",
                 id="unknown-window"),
    pytest.param(*swap('close_timers = ["a_month_later"]', 'close_timers = ["a_month_later", "never_defined"]'),
                 "names timer 'never_defined', which the pack has no [timers.never_defined] for", id="missing-timer"),
    pytest.param(*swap('networks = ["visa"]', 'networks = ["visa_electron"]'),
                 "'coverage.networks' has unknown value 'visa_electron'", id="unknown-network"),
    pytest.param(*swap('methods = ["paypal"]', 'methods = ["paypall"]'),
                 "'coverage.methods' has unknown value 'paypall'", id="unknown-method"),
    pytest.param(*swap('closes = "latest"', 'closes = "sometimes"'),
                 "'windows.not_as_described.closes' is 'sometimes'; allowed: earliest, latest", id="closes-sometimes"),
    pytest.param(*swap('offset = 36\nunit = "hours"\ncounts = "elapsed"', 'offset = 36\nunit = "hours"\ncounts = "calendar_days"'),
                 "'timers.hours_after_delivery.unit' is 'hours', which only counts as 'elapsed'", id="hours-calendar-days"),
    pytest.param(*swap('offset = 1\nunit = "months"\ncounts = "calendar_days"', 'offset = 1\nunit = "months"\ncounts = "elapsed"'),
                 "'timers.a_month_later.unit' is 'months', which only counts as 'calendar_days'", id="months-elapsed"),
    pytest.param(*swap('[timers.at_payment]\nanchor = "paid"', '[timers.at_payment]\nanchor = "opened"'),
                 "'timers.at_payment.anchor' is 'opened'", id="lifecycle-anchor"),
    pytest.param(*swap('networks = ["visa"]\n', 'networks = ["visa"]\nmarketplace = "ebay"\n'),
                 "[coverage] names a marketplace and payments", id="marketplace-and-payments"),
    pytest.param(*swap('networks = ["visa"]\n', 'networks = ["visa"]\nmax_amount_usd = 100\nmax_amount_usd_by_month = { 13 = 5 }\n'),
                 "'coverage.max_amount_usd_by_month.13' is not a month number", id="month-13"),
    pytest.param(*swap('[windows.default]', '[lifecycle]\nseller_silence = "auto_escalate"\n' + RULE + '\n[windows.default]'),
                 "[lifecycle] belongs to a marketplace pack", id="lifecycle-in-a-route"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), ERRORS)
def test_a_pack_that_makes_no_sense_is_one_sentence(tmp_path, old, new, message):
    path = tmp_path / "bad.toml"
    path.write_text(PACK.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PackError) as err:
        dl.load_pack(path)
    text = str(err.value)
    assert message in text
    assert str(path) in text and "\n" not in text
    assert isinstance(err.value, DisputelibError)


def test_the_test_pack_itself_loads(pack_path):
    pack = dl.load_pack(pack_path)
    assert pack.is_route_only and set(pack.windows) == {"default", "not_received", "damaged", "missing_items",
                                                        "not_as_described"}  # fmt: skip
    assert pack.timer("a_month_later").unit == "months"
    assert "a_month_later" in dl.describe(pack)


@pytest.mark.parametrize("name", ROUTE_PACKS)
def test_a_route_pack_is_refused_by_eligibility_and_check_log(name):
    frame = order_frame(payment_method="Visa", shipped_at="2026-03-01")
    events = pd.DataFrame({"dispute_id": ["d1"], "event": ["opened"], "at": ["2026-03-15T10:00:00"]})
    for call in (lambda: dl.eligibility(frame, "2026-03-20", name), lambda: dl.check_log(events, pack=name)):
        with pytest.raises(PackError) as err:
            call()
        text = str(err.value)
        assert isinstance(err.value, DisputelibError)
        assert f"pack {name!r} holds a dispute window only" in text and "disputelib routes" in text
        assert "\n" not in text and text.count(". ") == 0


def test_a_pack_with_windows_is_refused_where_dispute_rules_are_needed(pack_path):
    with pytest.raises(PackError, match="holds a dispute window only"):
        load_dispute_pack(pack_path)


@pytest.mark.parametrize("name", ROUTE_PACKS)
def test_every_shipped_route_pack_loads_with_its_coverage_and_sources(name):
    pack = dl.load_pack(name)
    assert pack.name == name and name in dl.available_packs()
    assert pack.is_route_only and "default" in pack.windows
    assert pack.coverage is not None and pack.coverage.rule is not None
    assert pack.timer_zone_rule is not None  # each says why it counts in its zone
    text = dl.describe(pack)
    assert "coverage:" in text and "window default:" in text


@pytest.mark.parametrize("name", ["aliexpress-2022", "aliexpress-legacy"])
def test_the_marketplace_packs_keep_their_meaning(name):
    pack = load_dispute_pack(name)
    assert not pack.windows and not pack.is_route_only
    assert pack.coverage.marketplace == "aliexpress" and not pack.coverage.by_payment
    assert pack.timer("window_opens").offset == (10 if name == "aliexpress-2022" else 5)
    assert pack.timer("window_closes").offset == 15 and pack.protection.default_days == 60


def test_route_pack_lists():
    assert [p.name for p in route_packs(" paypal , visa-chargeback ")] == ["paypal", "visa-chargeback"]
    assert [p.name for p in route_packs(None)] == list(dl.DEFAULT_ROUTES)
    with pytest.raises(RoutesError, match="named twice"):
        route_packs("paypal,visa-chargeback,paypal")
    with pytest.raises(RoutesError, match="no route packs named"):
        route_packs(" , ")
    with pytest.raises(PackError, match="unknown rule pack 'paypall'"):
        route_packs(["paypal", "paypall"])
    assert issubclass(RoutesError, PackError) and issubclass(RoutesError, DisputelibError)


def test_a_route_pack_can_be_changed_for_what_if():
    pack = dl.load_pack("paypal", overrides={"timers.closes_after_payment.offset": 20})
    assert "20 days after the payment date" in pack.timer("closes_after_payment").rule.summary
    table = dl.routes(order_frame(payment_method="PayPal", paid_at="2026-03-01"), "2026-03-05", packs=[pack]).table
    assert str(table["window_closes"].iloc[0].date()) == "2026-03-21"

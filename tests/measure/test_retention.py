"""Retention, repeat purchase and the cohort matrix over the admin API equal a hand calculation over
the raw orders (tests/measure/hand.py), across stores (the person) and per store (the account);
another merchant sees only its own; the statements do not grow with the months asked for."""

from __future__ import annotations

from decimal import Decimal

import pytest

from insights.models import ClvPrediction
from schema.core.ids import to_gid
from store.models import Customer, Order
from tests.measure.hand import cohorts_by_hand, raw_orders, retention_by_hand
from tests.schema.conftest import admin, cross_store_profile, data
from tests.store.test_upsert import counted_statements

pytestmark = [pytest.mark.db, pytest.mark.reads_only]

RETENTION = """query($store: ID, $since: Date, $until: Date) { retention(storeId: $store, since: $since, until: $until) {
  months { month activeCustomers newCustomers returningCustomers retentionRate repeatPurchaseRate
           purchaseFrequency medianDaysBetweenOrders }
  definitions { key label definition } } }"""
COHORTS = """query($store: ID, $since: Date, $until: Date) { cohorts(storeId: $store, since: $since, until: $until) {
  currencyCode cohorts { month customers cells { monthsSince activeCustomers share revenuePerCustomer } }
  definitions { key definition } } }"""
CLV = """query($by: ClvDimension!) { clvBreakdown(by: $by) { key label customers averageClv totalClv currencyCode } }"""


def close(a: float | None, b: float | None, tol: float = 1e-6) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= tol)


def assert_months_match(found: list[dict], hand: dict[str, dict]) -> None:
    assert [m["month"] for m in found] == list(hand)
    for m in found:
        want = hand[m["month"]]
        for key in ("activeCustomers", "newCustomers", "returningCustomers"):
            assert m[key] == want[key], (m["month"], key)
        for key in ("retentionRate", "repeatPurchaseRate", "purchaseFrequency", "medianDaysBetweenOrders"):
            assert close(m[key], want[key], 1e-4), (m["month"], key, m[key], want[key])


async def test_retention_across_stores_is_the_hand_count_by_person(client, world):
    found = data(await admin(client, RETENTION))["retention"]
    hand = retention_by_hand(await raw_orders(world.merchant.id))
    assert len(hand) >= 12 and sum(m["returningCustomers"] for m in hand.values()) > 50
    assert_months_match(found["months"], hand)
    keys = {d["key"] for d in found["definitions"]}
    assert {"retention_rate", "repeat_purchase_rate", "median_days_between_orders"} <= keys
    assert all(d["definition"] for d in found["definitions"])


@pytest.mark.parametrize("store", ["shopify", "woo"])
async def test_retention_of_one_store_is_the_hand_count_by_account(client, world, store):
    shop = getattr(world, store)
    found = data(await admin(client, RETENTION, {"store": to_gid("Store", shop.id)}))["retention"]
    assert_months_match(found["months"], retention_by_hand(await raw_orders(world.merchant.id, shop.id)))


async def test_a_window_keeps_the_figures_of_its_months(client, world):
    whole = data(await admin(client, RETENTION))["retention"]["months"]
    part = data(await admin(client, RETENTION, {"since": "1997-03-15", "until": "1997-06-02"}))["retention"]["months"]
    assert [m["month"] for m in part] == ["1997-03", "1997-04", "1997-05", "1997-06"]
    assert part == [m for m in whole if m["month"] in {"1997-03", "1997-04", "1997-05", "1997-06"}]


async def test_a_person_on_both_stores_is_one_customer_across_stores_and_one_per_store(client, world):
    person = await cross_store_profile(world)
    accounts = await Customer.filter(profile_id=person).values_list("id", flat=True)
    mine = [
        o
        for o in await Order.filter(customer_id__in=accounts, test=False, cancelled_at=None, deleted_at=None).order_by(
            "platform_created_at"
        )
    ]
    assert {o.store_id for o in mine} == {world.shopify.id, world.woo.id}
    first = f"{mine[0].platform_created_at:%Y-%m}"
    across = data(await admin(client, COHORTS))["cohorts"]["cohorts"]
    hand = cohorts_by_hand(await raw_orders(world.merchant.id))
    assert next(c for c in across if c["month"] == first)["customers"] == hand[first]["customers"]
    per_store = 0
    for shop in (world.shopify, world.woo):
        rows = data(await admin(client, COHORTS, {"store": to_gid("Store", shop.id)}))["cohorts"]["cohorts"]
        per_store += sum(r["customers"] for r in rows)
    # every person counts once across stores; each account once on its store
    assert sum(r["customers"] for r in across) == len({o.unit for o in await raw_orders(world.merchant.id)})
    accounts_with_orders = {
        o.unit for s in (world.shopify, world.woo) for o in await raw_orders(world.merchant.id, s.id)
    }
    assert per_store == len(accounts_with_orders) > sum(r["customers"] for r in across)


async def assert_cohorts(client, world, store_id):
    variables = {"store": to_gid("Store", store_id)} if store_id else {}
    found = data(await admin(client, COHORTS, variables))["cohorts"]
    orders = await raw_orders(world.merchant.id, store_id)
    assert {o.currency for o in orders} == {found["currencyCode"]}  # the sandbox sells in one currency
    hand = cohorts_by_hand(orders)
    assert [c["month"] for c in found["cohorts"]] == list(hand)
    for row in found["cohorts"]:
        want = hand[row["month"]]
        assert row["customers"] == want["customers"]
        assert len(row["cells"]) == len(want["cells"])
        for cell, (k, active, share, revenue) in zip(row["cells"], want["cells"], strict=True):
            assert cell["monthsSince"] == k and cell["activeCustomers"] == active
            assert close(cell["share"], share)
            assert abs(Decimal(cell["revenuePerCustomer"]) - revenue) <= Decimal("0.005"), (row["month"], k)
        assert row["cells"][0]["share"] == 1.0


async def test_the_cohort_matrix_across_stores_is_the_hand_matrix(client, world):
    await assert_cohorts(client, world, None)


async def test_the_cohort_matrix_of_one_store_is_the_hand_matrix(client, world):
    await assert_cohorts(client, world, world.woo.id)


@pytest.mark.parametrize("by", ["COHORT", "STORE", "PLATFORM"])
async def test_clv_groups_add_up_to_every_prediction(client, world, by):
    groups = data(await admin(client, CLV, {"by": by}))["clvBreakdown"]
    predictions = await ClvPrediction.filter(merchant_id=world.merchant.id)
    assert predictions
    for currency in {p.currency for p in predictions}:
        mine = [g for g in groups if g["currencyCode"] == currency]
        assert sum(g["customers"] for g in mine) == sum(1 for p in predictions if p.currency == currency)
        total = sum((p.clv for p in predictions if p.currency == currency), Decimal(0))
        assert abs(sum(Decimal(g["totalClv"]) for g in mine) - total) <= Decimal("0.01") * len(mine)
        for g in mine:
            assert (
                abs(Decimal(g["averageClv"]) * g["customers"] - Decimal(g["totalClv"]))
                <= Decimal("0.01") * g["customers"]
            )
    if by == "PLATFORM":
        assert {g["key"] for g in groups} == {"shopify", "woocommerce"}
    if by == "COHORT":
        first: dict[int, str] = {}
        for o in await raw_orders(world.merchant.id):
            first.setdefault(o.unit, f"{o.at:%Y-%m}")
        want: dict[str, int] = {}
        for p in predictions:
            key = first.get(p.profile_id, "none")
            want[key] = want.get(key, 0) + 1
        assert {g["key"]: g["customers"] for g in groups} == want


async def test_the_statements_do_not_grow_with_the_months(client, world):
    with counted_statements() as three:
        data(await admin(client, RETENTION + " ", {"since": "1997-01-01", "until": "1997-03-31"}))
        data(await admin(client, COHORTS, {"since": "1997-01-01", "until": "1997-03-31"}))
    with counted_statements() as all_months:
        data(await admin(client, RETENTION))
        data(await admin(client, COHORTS))
    assert len(three) == len(all_months) <= 12

"""The Shopify simulator's changes over time and the truth it keeps about them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from sandbox.http_server import serve
from sandbox.shopify import ShopState, create_app

GRAPHQL = "/admin/api/2026-10/graphql.json"


@pytest.fixture
def state() -> ShopState:
    s = ShopState.from_dataset("sample", 7, api_key="k", api_secret="s")
    s.settings.bucket_size = s.settings.restore_rate = 10**9
    return s


@pytest.fixture
def client(state: ShopState) -> Iterator[httpx.Client]:
    token = state.issue_token()
    with (
        serve(create_app(state)) as base_url,
        httpx.Client(base_url=base_url, headers={"X-Shopify-Access-Token": token}, timeout=30) as c,
    ):
        yield c


def topics(state: ShopState) -> Counter[str]:
    return Counter(e.topic for e in state.webhooks.events)


def test_the_shop_starts_as_the_data_set_says(state: ShopState):
    from sandbox.dataset import build

    store = build("sample", 7).by_store("shopify")
    assert state.counts()["orders"] == len(store.orders)
    assert state.counts()["customers"] == len(store.customers)
    assert state.totals()["USD"]["revenue"] == sum(o.total for o in store.orders)


def test_every_change_stamps_a_strictly_later_second(state: ShopState):
    before = state.stamp()  # later than anything in the data set
    state.changes.edit_orders(fraction=0.01)
    state.changes.update_customers(5)
    state.changes.update_products(5)
    stamps = sorted(
        [o.updated_at for o in state.orders.values() if o.updated_at > before]
        + [c.updated_at for c in state.customers.values() if c.updated_at > before]
        + [p.updated_at for p in state.products.values() if p.updated_at > before]
    )
    assert len(stamps) == round(0.01 * len(state.orders)) + 10
    assert len(set(stamps)) == len(stamps)  # strictly increasing, one second apart at least
    assert all(s.microsecond == 0 for s in stamps)
    assert topics(state) == Counter(
        {
            "orders/updated": round(0.01 * len(state.orders)),
            "customers/update": 5,
            "products/update": 5,
        }
    )


def test_new_orders_bring_their_buyers_and_events(state: ShopState):
    counts = state.counts()
    ids = state.changes.add_orders(40, guest_rate=0.2, new_customer_rate=0.3, authorized_rate=0.2)
    assert len(ids) == 40 == state.counts()["orders"] - counts["orders"]
    new = [state.orders[i] for i in ids]
    assert any(o.customer_id is None for o in new)
    assert any(o.financial_status == "AUTHORIZED" for o in new)
    assert [o.number for o in new] == list(range(new[0].number, new[0].number + 40))
    seen = topics(state)
    assert seen["orders/create"] == 40
    assert seen["orders/paid"] == sum(o.financial_status == "PAID" for o in new)
    assert seen["customers/create"] == state.counts()["customers"] - counts["customers"] > 0
    for o in new:
        assert o.total == sum(li.discounted_total for li in o.lines) > 0


def test_refunds_and_cancellations_move_status_and_totals(state: ShopState):
    partial = state.changes.refund_orders(3, partial=True)
    for oid in partial:
        o = state.orders[oid]
        assert o.financial_status in ("PARTIALLY_REFUNDED", "REFUNDED")
        assert o.refunds[-1].amount == sum(rl.subtotal for rl in o.refunds[-1].lines) > 0
    full = state.changes.refund_orders(2, partial=False)
    assert all(state.orders[i].financial_status == "REFUNDED" for i in full)
    assert all(state.orders[i].total_refunded == state.orders[i].total for i in full)

    authorized = state.changes.add_orders(3, authorized_rate=1.0, guest_rate=1.0)
    voided = [state.orders[i] for i in authorized]
    state.changes.cancel_orders(len(state.orders))  # cancel everything left
    assert all(o.financial_status == "VOIDED" and not o.refunds for o in voided)
    paid_before = [o for o in state.orders.values() if o.id not in authorized]
    assert all(o.financial_status == "REFUNDED" and o.cancelled_at for o in paid_before)
    totals = state.totals()["USD"]
    assert totals["net"] == totals["voided"]  # everything paid was refunded
    assert totals["refunds"] == sum(o.total_refunded for o in state.orders.values())
    assert state.counts()["cancelled_orders"] == len(state.orders)
    seen = topics(state)
    assert seen["orders/cancelled"] == len(state.orders)
    assert seen["refunds/create"] == state.counts()["refunds"]


def test_only_customers_and_products_without_orders_are_deleted(state: ShopState):
    assert state.changes.delete_customers(5) == []  # every data set customer has orders
    fresh = state.changes.add_customers(3)
    deleted = state.changes.delete_customers(5)
    assert sorted(deleted) == sorted(fresh)
    assert state.counts()["customers_deleted"] == 3
    payloads = [e.payload for e in state.webhooks.events if e.topic == "customers/delete"]
    assert sorted(p["id"] for p in payloads) == sorted(fresh)
    products = state.changes.delete_products(2)
    assert len(products) == 2 and all(p not in state.products for p in products)


def test_synced_totals_match_the_simulators_truth(client: httpx.Client, state: ShopState):
    state.changes.add_orders(10)
    state.changes.refund_orders(4)
    state.changes.cancel_orders(2)
    query = """query($after: String) { orders(first: 150, after: $after) {
        nodes { totalPriceSet { shopMoney { amount currencyCode } } totalRefundedSet { shopMoney { amount } } }
        pageInfo { hasNextPage endCursor } } }"""
    revenue = refunds = Decimal(0)
    seen, after = 0, None
    while True:
        page = client.post(GRAPHQL, json={"query": query, "variables": {"after": after}}).json()["data"]["orders"]
        for o in page["nodes"]:
            revenue += Decimal(o["totalPriceSet"]["shopMoney"]["amount"])
            refunds += Decimal(o["totalRefundedSet"]["shopMoney"]["amount"])
            seen += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    truth = state.totals()["USD"]
    assert (seen, revenue, refunds) == (
        state.counts()["orders"],
        truth["revenue"],
        truth["refunds"],
    )


def test_changes_can_be_driven_over_http(client: httpx.Client, state: ShopState):
    answer = client.post(
        "/_sim/changes",
        json={
            "changes": [
                {"kind": "add_orders", "n": 2, "guest_rate": 0},
                {"kind": "update_products", "n": 1},
            ]
        },
    )
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["kind"] for r in results] == ["add_orders", "update_products"]
    assert all(i in state.orders for i in results[0]["ids"])
    assert client.post("/_sim/changes", json={"kind": "explode"}).status_code == 400
    summary = client.get("/_sim/state").json()
    assert summary["counts"]["orders"] == state.counts()["orders"]
    assert Decimal(summary["totals"]["USD"]["revenue"]) == state.totals()["USD"]["revenue"]

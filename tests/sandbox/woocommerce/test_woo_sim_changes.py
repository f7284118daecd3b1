"""WooCommerce simulator: coupons, changes over time, refunds, and counts/totals vs a full REST sync."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from sandbox.woocommerce import WooState


@pytest.fixture(scope="module")
def state() -> WooState:
    return WooState.from_dataset("sample", 7)


async def fetch_all(api: httpx.AsyncClient, path: str, **params: str) -> list[dict]:
    out: list[dict] = []
    page = 1
    while True:
        r = await api.get(path, params={"per_page": 100, "page": page, **params})
        assert r.status_code == 200, r.text
        out += r.json()
        if page >= int(r.headers["x-wp-totalpages"]):
            return out
        page += 1


async def test_coupon_creation(state: WooState, base_url: str, api: httpx.AsyncClient) -> None:
    r = await api.post(
        "coupons",
        json={
            "code": "Summer-SALE",
            "discount_type": "percent",
            "amount": "15",
            "individual_use": True,
            "usage_limit": 50,
            "usage_limit_per_user": 1,
            "email_restrictions": [],
            "minimum_amount": "10.00",
            "date_expires": "2099-12-31T23:59:59",
        },
    )
    assert r.status_code == 201
    coupon = r.json()
    assert r.headers["location"] == f"{base_url}/wp-json/wc/v3/coupons/{coupon['id']}"
    assert coupon["code"] == "summer-sale" and coupon["amount"] == "15.00"
    assert coupon["usage_limit"] == 50 and coupon["usage_count"] == 0 and coupon["individual_use"] is True
    assert coupon["date_expires"] == "2099-12-31T23:59:59" and coupon["date_expires_gmt"] == "2099-12-31T22:59:59"
    duplicate = await api.post("coupons", json={"code": "SUMMER-sale", "amount": "5"})
    assert duplicate.status_code == 400
    assert duplicate.json() == {
        "code": "woocommerce_rest_coupon_code_already_exists",
        "message": "The coupon code already exists",
        "data": {"status": 400},
    }
    missing = await api.post("coupons", json={"amount": "5"})
    assert missing.status_code == 400 and missing.json()["code"] == "rest_missing_callback_param"
    wrong_type = await api.post("coupons", json={"code": "x1", "discount_type": "bogus"})
    assert wrong_type.status_code == 400 and wrong_type.json()["code"] == "rest_invalid_param"
    by_code = await api.get("coupons", params={"code": "SUMMER-SALE"})
    assert [c["id"] for c in by_code.json()] == [coupon["id"]]


async def test_new_orders_can_use_created_coupons(state: WooState, api: httpx.AsyncClient) -> None:
    await api.post("coupons", json={"code": "FIVEOFF", "discount_type": "fixed_cart", "amount": "5"})
    ids = state.changes.add_orders(6, coupon_rate=1.0, prefer_coupons=["fiveoff"], guest_rate=0.5)
    orders = [(await api.get(f"orders/{i}")).json() for i in ids]
    with_coupon = [o for o in orders if o["coupon_lines"]]
    assert with_coupon, "at least one order should use the coupon"
    for o in with_coupon:
        assert o["coupon_lines"][0]["code"] == "fiveoff"
        assert Decimal(o["discount_total"]) == min(
            Decimal("5.00"), sum(Decimal(li["subtotal"]) for li in o["line_items"])
        )
        assert sum(Decimal(li["total"]) for li in o["line_items"]) == Decimal(o["total"])
    coupon = (await api.get("coupons", params={"code": "fiveoff"})).json()[0]
    assert coupon["usage_count"] == len(with_coupon)
    assert all(o["status"] == "processing" for o in orders)
    assert any(o["customer_id"] == 0 for o in orders)


async def test_changes_bump_date_modified_and_queue_webhooks(state: WooState, api: httpx.AsyncClient) -> None:
    state.webhooks.clear()
    state.pending.clear()
    for topic in (
        "order.updated",
        "order.deleted",
        "customer.updated",
        "customer.deleted",
        "product.updated",
    ):
        state.webhooks[len(state.webhooks) + 100] = _hook(state, len(state.webhooks) + 100, topic)
    before = {i: state.orders[i].date_modified for i in (1030, 1031)}
    edited = state.changes.edit_orders(ids=[1030])
    cancelled = state.changes.cancel_orders(ids=[1031])
    trashed = state.changes.delete_orders(ids=[1032])
    customers = state.changes.update_customers(2)
    products = state.changes.update_products(2)
    assert edited == [1030] and cancelled == [1031] and trashed == [1032]
    o1, o2 = state.orders[1030], state.orders[1031]
    assert before[1030] < o1.date_modified < o2.date_modified  # one new second per operation
    assert o2.status == "cancelled"
    pending = {(state.webhooks[w].topic, r) for w, r in state.pending}
    assert {("order.updated", 1030), ("order.updated", 1031), ("order.deleted", 1032)} <= pending
    assert {("customer.updated", c) for c in customers} <= pending
    assert {("product.updated", p) for p in products} <= pending
    trashed_one = (await api.get("orders/1032")).json()
    assert trashed_one["status"] == "trash"
    default = await api.get("orders", params={"include": "1031,1032"})
    in_trash = await api.get("orders", params={"status": "trash"})
    assert [o["id"] for o in default.json()] == [1031]
    assert 1032 in [o["id"] for o in in_trash.json()]
    product = (await api.get(f"products/{products[0]}")).json()
    assert product["date_modified_gmt"] == f"{state.products[products[0]].date_modified:%Y-%m-%dT%H:%M:%S}"


def _hook(state: WooState, hook_id: int, topic: str):
    from sandbox.woocommerce.records import Webhook

    now = state.clock.now()
    return Webhook(hook_id, topic, "active", topic, "http://127.0.0.1:9/", "s", state.admin_user_id, now, now)


async def test_refund_shapes(state: WooState, api: httpx.AsyncClient) -> None:
    order = next(
        o for o in state.live_orders() if o.status == "completed" and any(li.quantity > 1 for li in o.line_items)
    )
    partial = state.changes.refund_orders(ids=[order.id], partial=True)
    full = state.changes.refund_orders(ids=[order.id], partial=False)
    listing = (await api.get(f"orders/{order.id}/refunds")).json()
    assert sorted(r["id"] for r in listing) == sorted(partial + full)
    refreshed = (await api.get(f"orders/{order.id}")).json()
    assert refreshed["status"] == "refunded"
    assert {r["id"] for r in refreshed["refunds"]} == set(partial + full)
    line_ids = {li["id"] for li in refreshed["line_items"]}
    for summary in refreshed["refunds"]:
        refund = (await api.get(f"orders/{order.id}/refunds/{summary['id']}")).json()
        assert summary["total"] == "-" + refund["amount"]
        assert Decimal(refund["amount"]) > 0
        assert refund["refunded_by"] == state.admin_user_id
        assert sum(-Decimal(li["total"]) for li in refund["line_items"]) == Decimal(refund["amount"])
        for li in refund["line_items"]:
            assert li["quantity"] < 0 and Decimal(li["total"]) < 0 and Decimal(li["subtotal"]) < 0
            link = [m for m in li["meta_data"] if m["key"] == "_refunded_item_id"]
            assert len(link) == 1 and int(link[0]["value"]) in line_ids
            assert "refund_total" not in li
    assert sum(Decimal(r["amount"]) for r in listing) == Decimal(refreshed["total"])
    everywhere = await fetch_all(api, "refunds")
    mine = [r for r in everywhere if r["parent_id"] == order.id]
    assert sorted(r["id"] for r in mine) == sorted(partial + full)
    assert list(mine[0])[:2] == ["id", "parent_id"]


async def test_refund_through_rest(state: WooState, api: httpx.AsyncClient) -> None:
    order = next(o for o in state.live_orders() if o.status == "completed" and not o.refund_ids and o.total > 2)
    line = order.line_items[0]
    r = await api.post(
        f"orders/{order.id}/refunds",
        json={
            "amount": "1.00",
            "reason": "goodwill",
            "line_items": [{"id": line.id, "quantity": 0, "refund_total": "1.00"}],
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == "1.00" and r.json()["reason"] == "goodwill"
    too_much = await api.post(f"orders/{order.id}/refunds", json={"amount": str(order.total)})
    assert too_much.status_code == 500 and too_much.json()["code"] == "woocommerce_rest_cannot_create_order_refund"


async def test_deleted_customers_404_and_their_orders_become_guest_orders(
    state: WooState, api: httpx.AsyncClient
) -> None:
    victim = next(u.id for u in state.customers() if any(o.customer_id == u.id for o in state.orders.values()))
    state.changes.delete_customers(ids=[victim])
    assert (await api.get(f"customers/{victim}")).status_code == 404
    assert (await api.get("orders", params={"customer": victim})).json() == []


async def test_counts_and_totals_match_a_full_rest_sync(state: WooState, api: httpx.AsyncClient, base_url: str) -> None:
    state.changes.add_orders(8)
    state.changes.refund_orders(3)
    state.changes.cancel_orders(2)
    orders = await fetch_all(api, "orders")
    customers = await fetch_all(api, "customers")
    counts, totals = state.counts(), state.totals()
    assert counts["orders"] == len(orders)
    assert counts["guest_orders"] == sum(o["customer_id"] == 0 for o in orders)
    assert counts["customers"] == len(customers)
    assert counts["lines"] == sum(len(o["line_items"]) for o in orders)
    assert counts["refunds"] == sum(len(o["refunds"]) for o in orders)
    paid = {"processing", "completed", "on-hold", "refunded"}
    revenue = sum(
        Decimal(o["total"]) + sum(Decimal(r["total"]) for r in o["refunds"]) for o in orders if o["status"] in paid
    )
    assert totals["revenue"] == {"USD": revenue}
    assert totals["gross"]["USD"] == sum(Decimal(o["total"]) for o in orders)
    async with httpx.AsyncClient(verify=False) as client:
        sim = (await client.get(f"{base_url}/_sim/state")).json()
        changed = (await client.post(f"{base_url}/_sim/changes", json={"ops": [{"op": "add_orders", "n": 2}]})).json()
    assert sim["counts"]["orders"] == counts["orders"] and sim["totals"]["revenue"]["USD"] == str(revenue)
    assert len(changed["results"][0]["ids"]) == 2
    assert state.counts()["orders"] == counts["orders"] + 2

"""Normalizers: the same shop state gives the same record whether it came as GraphQL or as a webhook body."""

from __future__ import annotations

from decimal import Decimal

from connectors.shopify import from_graphql, from_rest, queries
from connectors.shopify.oauth import App
from sandbox.shopify import graphql_api
from tests.connectors.shopify.support import new_shop


def graphql(shop, document: str, **variables):
    token = shop.tokens.authenticate(shop.issue_token())
    answer = graphql_api.run(shop, token, "2026-10", {"query": document, "variables": variables})
    assert "errors" not in answer, answer.get("errors")
    return answer["data"]


def test_the_documented_signature_vectors_verify():
    app = App("key", "test_secret")
    assert app.verify_webhook(
        b'{"id":820982911946154508,"email":"jon@example.com"}', "oP+WUOeW/bj0Rfyjlbw7Odl0jaHsZZryiuyPvq93VNM="
    )
    assert not app.verify_webhook(
        b'{"id":820982911946154509,"email":"jon@example.com"}', "oP+WUOeW/bj0Rfyjlbw7Odl0jaHsZZryiuyPvq93VNM="
    )
    query = {
        "code": "abc123",
        "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtby1zaG9w",
        "shop": "demo-shop.myshopify.com",
        "state": "n0nce42",
        "timestamp": "1763900000",
    }
    assert app.sign_query(query) == "c6ed3079890347d582f8b1acb124cf41bc5c592293c4e742f7f2fe1752903e4f"


def test_orders_customers_and_products_read_the_same_from_graphql_and_from_webhook_bodies():
    shop = new_shop()
    shop.changes.refund_orders(6)
    shop.changes.cancel_orders(3)
    shop.changes.add_orders(10, discount_rate=1.0)
    shop.changes.update_products(5)
    rest = shop.webhooks.rest
    with shop.lock:
        fits = [o for o in shop.orders.values() if len(o.lines) <= queries.LINES_FIRST]  # no follow-up page
        recent = sorted(fits, key=lambda o: o.updated_at)[-30:]
    ids = [f"gid://shopify/Order/{o.id}" for o in recent]
    nodes = (
        graphql(shop, queries.ORDERS_BY_ID, ids=ids[:12])["nodes"]
        + graphql(shop, queries.ORDERS_BY_ID, ids=ids[12:24])["nodes"]
    )
    assert len(nodes) == 24
    for node in nodes:
        order = shop.orders[int(node["id"].rsplit("/", 1)[1])]
        assert from_graphql.order(node) == from_rest.order(rest.order(order))
        if order.customer_id:
            assert from_graphql.customer(node["customer"]) == from_rest.customer(
                rest.customer(shop.customers[order.customer_id])
            )
    refunded = [from_rest.order(rest.order(o)) for o in recent if o.refunds]
    assert refunded and all(r.total_refunded == sum(x.amount for x in r.refunds) > 0 for r in refunded)
    products = graphql(shop, queries.page_query("products"), first=50, query="tag:sale OR title:Remastered")
    for node in products["products"]["nodes"]:
        assert from_graphql.product(node) == from_rest.product(
            rest.product(shop.products[int(node["id"].rsplit("/", 1)[1])])
        )


def test_a_webhook_order_keeps_exact_money_and_utc_times_and_a_guest_becomes_a_store_customer():
    body = {
        "id": 7001,
        "name": "#1001",
        "email": "Guest@Example.com",
        "phone": None,
        "created_at": "2026-11-20T10:15:02+01:00",
        "updated_at": "2026-11-20T10:20:00+01:00",
        "cancelled_at": None,
        "cancel_reason": None,
        "currency": "EUR",
        "financial_status": "partially_refunded",
        "fulfillment_status": None,
        "test": False,
        "customer": None,
        "total_price_set": {"shop_money": {"amount": "59.90", "currency_code": "EUR"}},
        "subtotal_price": "59.90",
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "discount_codes": [{"code": "WELCOME10", "amount": "0.00", "type": "percentage"}],
        "shipping_address": {"first_name": "Ana", "last_name": "Ruiz", "country_code": "ES"},
        "line_items": [
            {
                "id": 88,
                "quantity": 3,
                "price": "19.966",
                "total_discount": "0.00",
                "sku": "LP-1",
                "title": "Blue Train",
                "product_id": 5,
                "variant_id": 6,
            }
        ],
        "refunds": [
            {
                "id": 9,
                "created_at": "2026-11-21T00:00:00Z",
                "note": None,
                "refund_line_items": [{"id": 1, "line_item_id": 88, "quantity": 1, "subtotal": 19.97}],
                "transactions": [
                    {"kind": "refund", "status": "success", "amount": "19.97"},
                    {"kind": "refund", "status": "failure", "amount": "19.97"},
                ],
            }
        ],
    }
    record = from_rest.order(body)
    assert record.total == Decimal("59.90") and record.lines[0].total == Decimal("59.898")
    assert record.refunds[0].amount == Decimal("19.97") and record.refunds[0].lines[0].amount == Decimal("19.97")
    assert record.created_at.utcoffset().total_seconds() == 0 and record.created_at.hour == 9
    assert record.customer.is_guest and record.customer.platform_id.startswith("guest:")
    assert record.customer.first_name == "Ana" and record.discount_codes == ("WELCOME10",)


def test_whether_shopify_verified_a_customers_email_reads_the_same_from_graphql_and_webhooks():
    shop = new_shop()
    rest = shop.webhooks.rest
    with shop.lock:
        customers = sorted(shop.customers.values(), key=lambda c: c.id)
    verified = [c for c in customers if c.verified_email]
    unverified = [c for c in customers if not c.verified_email]
    assert verified and unverified  # accounts made at checkout and never activated are unverified
    for sample in (verified[:3], unverified[:3]):
        nodes = graphql(
            shop, queries.page_query("customers"), first=10, query=" OR ".join(f"id:{c.id}" for c in sample)
        )["customers"]["nodes"]
        assert len(nodes) == len(sample)
        for node in nodes:
            account = shop.customers[int(node["id"].rsplit("/", 1)[1])]
            record = from_graphql.customer(node)
            assert record.verified_email is account.verified_email
            assert from_rest.customer(rest.customer(account)) == record

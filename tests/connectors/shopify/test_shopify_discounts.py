"""Discount codes: one shopper, one use, with the limits the loyalty reward sets; typed failures.
Free-shipping codes are read back from the simulator over its Admin GraphQL API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from store.discounts import DiscountKind, DiscountRequest, IssuedCode, IssueError, IssueFailed
from tests.connectors.shopify.support import connector, installed_store

pytestmark = pytest.mark.db


async def test_a_percentage_code_is_limited_to_the_shopper_one_use_a_minimum_and_an_expiry(shop, shop_url, db):
    store = await installed_store(shop)
    customer_id = next(iter(sorted(shop.customers)))
    ends = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    request = DiscountRequest(
        code="RAPPORT-7F3K9Q",
        kind=DiscountKind.PERCENTAGE,
        value=Decimal("15"),
        title="15% reward",
        customer_platform_id=str(customer_id),
        minimum_subtotal=Decimal("25.00"),
        expires_at=ends,
    )
    issued = await connector(shop_url).issue(store, request)
    assert isinstance(issued, IssuedCode) and issued.code == "RAPPORT-7F3K9Q" and issued.expires_at == ends
    made = shop.discount_by_code("RAPPORT-7F3K9Q")
    assert issued.platform_id == f"gid://shopify/DiscountCodeNode/{made.id}"
    assert made.kind == "percentage" and made.value == Decimal("0.15")
    assert made.customer_ids == frozenset({customer_id}) and made.usage_limit == 1 and made.once_per_customer
    assert made.min_subtotal == Decimal("25.00") and made.ends_at == ends
    again = await connector(shop_url).issue(store, request)  # a retry after a lost answer
    assert again == issued and len([d for d in shop.discounts.values() if d.code == "RAPPORT-7F3K9Q"]) == 1


async def test_a_fixed_amount_code_and_the_failures_come_back_typed(shop, shop_url, db):
    store = await installed_store(shop)
    shopify = connector(shop_url)
    fixed = await shopify.issue(
        store,
        DiscountRequest(code="FIVE-OFF-1", kind=DiscountKind.FIXED_AMOUNT, value=Decimal("5.00"), title="$5 reward"),
    )
    assert isinstance(fixed, IssuedCode) and shop.discount_by_code("FIVE-OFF-1").value == Decimal("5.00")
    taken = await shopify.issue(
        store,
        DiscountRequest(
            code="WELCOME10", kind=DiscountKind.FIXED_AMOUNT, value=Decimal("5"), title="not the shop's own"
        ),
    )
    assert isinstance(taken, IssueFailed) and taken.error == IssueError.REJECTED and "TAKEN" in taken.message
    shop.tokens.revoke_all()
    revoked = await shopify.issue(
        store, DiscountRequest(code="LATE-1", kind=DiscountKind.FIXED_AMOUNT, value=Decimal(1))
    )
    assert isinstance(revoked, IssueFailed) and revoked.error == IssueError.UNAUTHORIZED
    shop.faults.set(server_error_burst=100)
    store.access_token = shop.issue_token()
    down = await shopify.issue(store, DiscountRequest(code="DOWN-1", kind=DiscountKind.FIXED_AMOUNT, value=Decimal(1)))
    assert isinstance(down, IssueFailed) and down.error == IssueError.UNAVAILABLE


SHIPPING_BY_CODE = """query($code: String!) { codeDiscountNodeByCode(code: $code) { id codeDiscount {
  __typename ... on DiscountCodeFreeShipping { title endsAt usageLimit appliesOncePerCustomer
    context { __typename ... on DiscountCustomers { customers { id } } }
    destinationSelection { __typename }
    minimumRequirement { ... on DiscountMinimumSubtotal { greaterThanOrEqualToSubtotal { amount } } } } } } }"""


async def read_back(shop, shop_url: str, code: str) -> dict[str, Any] | None:
    """The discount as the shop's own Admin GraphQL API answers for it."""
    async with httpx.AsyncClient(base_url=shop_url) as client:
        answer = await client.post(
            f"/admin/api/{shop.settings.api_version}/graphql.json",
            json={"query": SHIPPING_BY_CODE, "variables": {"code": code}},
            headers={"X-Shopify-Access-Token": shop.issue_token("read_discounts,read_customers")},
        )
    return answer.json()["data"]["codeDiscountNodeByCode"]


async def test_a_free_shipping_code_exists_on_the_shop_for_the_shopper_alone_with_expiry_and_minimum(
    shop, shop_url, db
):
    store = await installed_store(shop)
    customer_id = sorted(shop.customers)[1]
    ends = (datetime.now(UTC) + timedelta(days=90)).replace(microsecond=0)
    request = DiscountRequest(
        code="RP-SHIP5A",
        kind=DiscountKind.FREE_SHIPPING,
        title="Free shipping",
        customer_platform_id=str(customer_id),
        minimum_subtotal=Decimal("20.00"),
        expires_at=ends,
    )
    shopify = connector(shop_url)
    issued = await shopify.issue(store, request)
    assert isinstance(issued, IssuedCode) and issued.code == "RP-SHIP5A" and issued.expires_at == ends
    node = await read_back(shop, shop_url, "RP-SHIP5A")
    assert node is not None and node["id"] == issued.platform_id
    assert node["codeDiscount"] == {
        "__typename": "DiscountCodeFreeShipping",
        "title": "Free shipping",
        "endsAt": ends.isoformat().replace("+00:00", "Z"),
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "context": {"__typename": "DiscountCustomers", "customers": [{"id": f"gid://shopify/Customer/{customer_id}"}]},
        "destinationSelection": {"__typename": "DiscountCountryAll"},
        "minimumRequirement": {"greaterThanOrEqualToSubtotal": {"amount": "20.0"}},
    }
    again = await shopify.issue(store, request)  # a retry after a lost answer gets the same discount
    assert again == issued and len([d for d in shop.discounts.values() if d.code == "RP-SHIP5A"]) == 1


async def test_a_free_shipping_code_that_clashes_with_another_discount_is_rejected(shop, shop_url, db):
    store = await installed_store(shop)
    shopify = connector(shop_url)
    customer = str(sorted(shop.customers)[0])
    amount = await shopify.issue(
        store,
        DiscountRequest(
            code="RP-CLASH1",
            kind=DiscountKind.FIXED_AMOUNT,
            value=Decimal(5),
            title="Free shipping",
            customer_platform_id=customer,
        ),
    )
    assert isinstance(amount, IssuedCode)
    for code in ("RP-CLASH1", "welcome10"):  # same title but another kind of discount; the shop's own code
        clash = await shopify.issue(
            store,
            DiscountRequest(
                code=code, kind=DiscountKind.FREE_SHIPPING, title="Free shipping", customer_platform_id=customer
            ),
        )
        assert isinstance(clash, IssueFailed) and clash.error == IssueError.REJECTED
        assert "freeShippingCodeDiscount.code" in clash.message and "TAKEN" in clash.message
    node = await read_back(shop, shop_url, "RP-CLASH1")
    assert node["codeDiscount"]["__typename"] == "DiscountCodeBasic"
    strange = await shopify.issue(
        store,
        DiscountRequest(code="RP-NOBODY", kind=DiscountKind.FREE_SHIPPING, customer_platform_id="1"),
    )
    assert isinstance(strange, IssueFailed) and strange.error == IssueError.REJECTED and "context" in strange.message
    assert await read_back(shop, shop_url, "RP-NOBODY") is None


async def test_a_perk_code_has_no_usage_limit_starts_when_asked_and_is_revoked_once_gone_or_not(shop, shop_url, db):
    store = await installed_store(shop)
    shopify = connector(shop_url)
    customer_id = sorted(shop.customers)[1]
    later = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    issued = await shopify.issue(
        store,
        DiscountRequest(
            code="RP-FS-CONN1",
            kind=DiscountKind.FREE_SHIPPING,
            title="Gold free shipping",
            customer_platform_id=str(customer_id),
            usage_limit=None,
            starts_at=later,
        ),
    )
    assert isinstance(issued, IssuedCode)
    made = shop.discount_by_code("RP-FS-CONN1")
    assert made.free_shipping and made.customer_ids == frozenset({customer_id})
    assert made.usage_limit is None and not made.once_per_customer and made.starts_at == later
    assert await shopify.revoke(store, issued.platform_id) is None
    assert shop.discount_by_code("RP-FS-CONN1") is None
    assert await shopify.revoke(store, issued.platform_id) is None  # already gone counts as gone
    shop.tokens.revoke_all()
    refused = await shopify.revoke(store, issued.platform_id)
    assert isinstance(refused, IssueFailed) and refused.error == IssueError.UNAUTHORIZED

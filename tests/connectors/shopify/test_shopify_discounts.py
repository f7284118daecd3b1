"""Discount codes: one shopper, one use, with the limits the loyalty reward sets; typed failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

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
    shipping = await shopify.issue(store, DiscountRequest(code="SHIP-1", kind=DiscountKind.FREE_SHIPPING))
    assert isinstance(shipping, IssueFailed) and shipping.error == IssueError.REJECTED
    shop.tokens.revoke_all()
    revoked = await shopify.issue(
        store, DiscountRequest(code="LATE-1", kind=DiscountKind.FIXED_AMOUNT, value=Decimal(1))
    )
    assert isinstance(revoked, IssueFailed) and revoked.error == IssueError.UNAUTHORIZED
    shop.faults.set(server_error_burst=100)
    store.access_token = shop.issue_token()
    down = await shopify.issue(store, DiscountRequest(code="DOWN-1", kind=DiscountKind.FIXED_AMOUNT, value=Decimal(1)))
    assert isinstance(down, IssueFailed) and down.error == IssueError.UNAVAILABLE

"""Discount codes on a shop for one shopper, used once: ``discountCodeBasicCreate`` for money,
percent or a product off, ``discountCodeFreeShippingCreate`` for free shipping.

Both are bound the same way: ``context`` names the shopper's customer (everyone when the
shopper has no customer account on the shop), with a usage limit of 1 and one use per customer.
A tier perk asks for no usage limit: the code then has neither, so its member uses it on every
order while in the tier, and ``revoke`` (``discountCodeDelete``) takes it away.
The caller picks the code, so a retry after a lost answer finds its own code already there
(``TAKEN``) and gets it back instead of a second discount.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.core.http import PlatformError
from connectors.core.issuing import failed
from connectors.shopify import queries
from connectors.shopify.client import ShopifyGraphQL
from connectors.shopify.scalars import gid, timestamp
from store.discounts import DiscountKind, DiscountRequest, IssuedCode, IssueError, IssueFailed

BASIC = "DiscountCodeBasic"
FREE_SHIPPING = "DiscountCodeFreeShipping"


def _shared_input(request: DiscountRequest, now: datetime | None) -> dict[str, Any]:
    """What every code discount input carries: code, title, dates, buyers, limits and minimum."""
    if request.customer_platform_id:
        context: dict[str, Any] = {"customers": {"add": [gid("Customer", request.customer_platform_id)]}}
    else:
        context = {"all": "ALL"}
    data: dict[str, Any] = {
        "title": request.title or request.code,
        "code": request.code,
        "startsAt": _iso(request.starts_at or now or datetime.now(UTC)),
        "context": context,
        "appliesOncePerCustomer": request.usage_limit is not None,
    }
    if request.usage_limit is not None:
        data["usageLimit"] = request.usage_limit
    if request.expires_at is not None:
        data["endsAt"] = _iso(request.expires_at)
    if request.minimum_subtotal is not None:
        data["minimumRequirement"] = {"subtotal": {"greaterThanOrEqualToSubtotal": str(request.minimum_subtotal)}}
    return data


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def discount_input(request: DiscountRequest, *, now: datetime | None = None) -> dict[str, Any]:
    """``DiscountCodeBasicInput`` for a request (percentages as Shopify's 0-1 fraction)."""
    items: dict[str, Any] = {"all": True}
    if request.kind is DiscountKind.PERCENTAGE:
        value: dict[str, Any] = {"percentage": float(request.value / Decimal(100))}
    elif request.kind is DiscountKind.FIXED_AMOUNT:
        value = {"discountAmount": {"amount": str(request.value), "appliesOnEachItem": False}}
    else:  # FREE_PRODUCT: the product at 100 % off
        value = {"percentage": 1.0}
        items = {"products": {"productsToAdd": [gid("Product", request.product_platform_id or "")]}}
    return {**_shared_input(request, now), "customerGets": {"value": value, "items": items}}


def free_shipping_input(request: DiscountRequest, *, now: datetime | None = None) -> dict[str, Any]:
    """``DiscountCodeFreeShippingInput`` for a request: free shipping to every country, at any rate."""
    return {**_shared_input(request, now), "destination": {"all": True}}


async def issue(gql: ShopifyGraphQL, request: DiscountRequest) -> IssuedCode | IssueFailed:
    if request.kind is DiscountKind.FREE_PRODUCT and not request.product_platform_id:
        return IssueFailed(IssueError.REJECTED, "a free-product code needs the product")
    if request.kind is DiscountKind.FREE_SHIPPING:
        query, field, kind = queries.FREE_SHIPPING_CREATE, "discountCodeFreeShippingCreate", FREE_SHIPPING
        body = free_shipping_input(request)
    else:
        query, field, kind = queries.DISCOUNT_CREATE, "discountCodeBasicCreate", BASIC
        body = discount_input(request)
    try:
        data = await gql.execute(query, {"input": body}, name="discount:create")
        payload = data[field]
        errors = payload.get("userErrors") or []
        if not errors and payload.get("codeDiscountNode"):
            return _issued(request.code, payload["codeDiscountNode"])
        if any(e.get("code") == "TAKEN" for e in errors):
            mine = await _already_mine(gql, request, kind)
            if mine is not None:
                return mine
        message = user_errors(errors)
        return IssueFailed(IssueError.REJECTED, message or "no discount came back")
    except PlatformError as exc:
        return failed(exc)


async def revoke(gql: ShopifyGraphQL, platform_id: str) -> IssueFailed | None:
    """Delete a code discount; one Shopify no longer has counts as gone."""
    try:
        data = await gql.execute(queries.DISCOUNT_DELETE, {"id": platform_id}, name="discount:delete")
    except PlatformError as exc:
        return failed(exc)
    payload = data.get("discountCodeDelete") or {}
    errors = payload.get("userErrors") or []
    if payload.get("deletedCodeDiscountId") or not errors:
        return None
    if all("does not exist" in str(e.get("message", "")).lower() for e in errors):
        return None
    message = user_errors(errors)
    return IssueFailed(IssueError.REJECTED, message)


def user_errors(errors: list[dict[str, Any]]) -> str:
    return "; ".join(f"{'.'.join(e.get('field') or [])}: {e.get('message')} ({e.get('code')})" for e in errors)


def _issued(code: str, node: dict[str, Any]) -> IssuedCode:
    ends = (node.get("codeDiscount") or {}).get("endsAt")
    return IssuedCode(code=code, platform_id=node["id"], expires_at=timestamp(ends))


async def _already_mine(gql: ShopifyGraphQL, request: DiscountRequest, kind: str) -> IssuedCode | None:
    """The code exists: ours from an earlier try if it is of the kind asked for and carries our
    title, else someone else's."""
    data = await gql.execute(queries.DISCOUNT_BY_CODE, {"code": request.code}, name="discount:by-code")
    node = data.get("codeDiscountNodeByCode")
    found = (node or {}).get("codeDiscount") or {}
    if node and found.get("__typename") == kind and found.get("title") == (request.title or request.code):
        return _issued(request.code, node)
    return None

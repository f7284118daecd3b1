"""The WooCommerce ``DiscountIssuer``: one coupon per redemption, usable once, by one shopper.

WooCommerce has no customer-bound codes; ``email_restrictions`` is its way to say "only this
shopper" (checked against the billing e-mail at checkout), with ``usage_limit`` and
``usage_limit_per_user`` of 1. Codes are stored lower-cased by WooCommerce. A retried request
whose first try did create the coupon finds it by code and returns it instead of failing.

A tier perk asks for no usage limit: its coupon has neither limit and stays usable by the
member's e-mail until ``revoke`` deletes it (``DELETE coupons/{id}?force=true``: coupons cannot
be trashed through the API). WooCommerce coupons have no start date, so ``starts_at`` is not
sent: a code for later (early access) works on WooCommerce as soon as it is issued.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from connectors.core.http import PlatformError, PlatformRejected
from connectors.core.issuing import failed
from connectors.woocommerce.client import WooClient
from connectors.woocommerce.scan import wc_gmt
from store.discounts import DiscountKind, DiscountRequest, IssuedCode, IssueError, IssueFailed

DUPLICATE = "woocommerce_rest_coupon_code_already_exists"


def coupon_body(request: DiscountRequest) -> dict[str, Any]:
    """The ``POST /coupons`` body for a request (pure, so it is tested on its own)."""
    body: dict[str, Any] = {
        "code": request.code,
        "description": request.title or "Rapport reward",
        "individual_use": True,
    }
    if request.usage_limit is not None:
        body.update(usage_limit=request.usage_limit, usage_limit_per_user=1)
    if request.kind is DiscountKind.PERCENTAGE:
        body.update(discount_type="percent", amount=_amount(request.value))
    elif request.kind is DiscountKind.FIXED_AMOUNT:
        body.update(discount_type="fixed_cart", amount=_amount(request.value))
    elif request.kind is DiscountKind.FREE_SHIPPING:
        body.update(discount_type="fixed_cart", amount="0", free_shipping=True)
    elif request.kind is DiscountKind.FREE_PRODUCT:
        body.update(
            discount_type="percent",
            amount="100",
            limit_usage_to_x_items=1,
            product_ids=[int(request.product_platform_id)] if request.product_platform_id else [],
        )
    if request.customer_email:
        body["email_restrictions"] = [request.customer_email.strip().lower()]
    if request.minimum_subtotal is not None:
        body["minimum_amount"] = _amount(request.minimum_subtotal)
    if request.expires_at is not None:
        body["date_expires_gmt"] = wc_gmt(request.expires_at.astimezone(UTC))
    return body


def _amount(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


async def issue(client: WooClient, request: DiscountRequest) -> IssuedCode | IssueFailed:
    if request.kind is DiscountKind.FREE_PRODUCT and not request.product_platform_id:
        return IssueFailed(IssueError.REJECTED, "a free-product reward needs a product")
    body = coupon_body(request)
    try:
        created = await client.post("coupons", body)
    except PlatformRejected as exc:
        if DUPLICATE in str(exc):
            existing = await _same_coupon(client, body)
            if existing is not None:
                return _issued(existing, request)
        return failed(exc)
    except PlatformError as exc:
        return failed(exc)
    return _issued(created, request)


async def revoke(client: WooClient, platform_id: str) -> IssueFailed | None:
    """Delete a coupon for good; one the site no longer has (404) counts as gone."""
    try:
        await client.delete(f"coupons/{int(platform_id)}", {"force": True})
    except ValueError:
        return IssueFailed(IssueError.REJECTED, f"not a coupon id: {platform_id!r}")
    except PlatformError as exc:
        if isinstance(exc, PlatformRejected) and exc.status == 404:
            return None
        return failed(exc)
    return None


async def _same_coupon(client: WooClient, body: dict[str, Any]) -> dict[str, Any] | None:
    """The coupon with this code if it is the one we asked for (a retry), else ``None``."""
    try:
        found = await client.get("coupons", {"code": body["code"]})
    except PlatformError:
        return None
    for coupon in found if isinstance(found, list) else []:
        if coupon.get("code") == str(body["code"]).lower() and (coupon.get("email_restrictions") or []) == body.get(
            "email_restrictions", []
        ):
            return coupon
    return None


def _issued(coupon: dict[str, Any], request: DiscountRequest) -> IssuedCode:
    return IssuedCode(
        code=str(coupon.get("code") or request.code), platform_id=str(coupon["id"]), expires_at=request.expires_at
    )

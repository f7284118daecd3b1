"""The DiscountIssuer: a unique, single-use coupon only the shopper's e-mail can redeem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from connectors.woocommerce import WooConnector
from store.discounts import DiscountKind, DiscountRequest, IssuedCode, IssueError, IssueFailed
from tests.connectors.woocommerce.conftest import SANDBOX_EGRESS, keyed_store

pytestmark = pytest.mark.db

EXPIRES = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def request(code: str = "RAPPORT-AB12", **changes) -> DiscountRequest:
    values = dict(
        code=code,
        kind=DiscountKind.FIXED_AMOUNT,
        value=Decimal("7.50"),
        title="Reward",
        customer_email="Ana@Example.com",
        minimum_subtotal=Decimal("30"),
        expires_at=EXPIRES,
    )
    return DiscountRequest(**{**values, **changes})


@pytest.fixture
async def issuer(db, tls_site, site_state):
    store = await keyed_store(site_state, tls_site)
    return WooConnector(public_base_url="http://127.0.0.1:9", verify_tls=False, egress=SANDBOX_EGRESS), store


async def test_an_issued_coupon_is_restricted_to_the_shopper_single_use_with_minimum_and_expiry(issuer, site_state):
    connector, store = issuer
    issued = await connector.issue(store, request())
    assert isinstance(issued, IssuedCode) and issued.code == "rapport-ab12"
    coupon = site_state.coupons[int(issued.platform_id)]
    assert coupon.email_restrictions == ["ana@example.com"]
    assert (coupon.usage_limit, coupon.usage_limit_per_user) == (1, 1)
    assert coupon.discount_type == "fixed_cart" and coupon.amount == Decimal("7.50")
    assert coupon.minimum_amount == Decimal("30.00") and coupon.date_expires == EXPIRES

    percent = await connector.issue(store, request("PCT-1", kind=DiscountKind.PERCENTAGE, value=Decimal("15")))
    assert site_state.coupons[int(percent.platform_id)].discount_type == "percent"
    shipping = await connector.issue(store, request("SHIP-1", kind=DiscountKind.FREE_SHIPPING))
    assert site_state.coupons[int(shipping.platform_id)].free_shipping


async def test_a_free_shipping_coupon_is_read_back_from_the_site_bound_to_the_shoppers_email(issuer, tls_site):
    connector, store = issuer
    issued = await connector.issue(store, request("RP-SHIP7", kind=DiscountKind.FREE_SHIPPING, title="Free shipping"))
    assert isinstance(issued, IssuedCode) and issued.code == "rp-ship7" and issued.expires_at == EXPIRES
    async with httpx.AsyncClient(verify=False) as http:
        answer = await http.get(
            f"{tls_site}/wp-json/wc/v3/coupons",
            params={"code": "rp-ship7"},
            auth=(store.consumer_key, store.consumer_secret),
        )
    [coupon] = answer.json()
    assert str(coupon["id"]) == issued.platform_id and coupon["free_shipping"] is True
    assert (coupon["discount_type"], coupon["amount"]) == ("fixed_cart", "0.00")
    assert coupon["email_restrictions"] == ["ana@example.com"]
    assert (coupon["usage_limit"], coupon["usage_limit_per_user"], coupon["individual_use"]) == (1, 1, True)
    assert coupon["minimum_amount"] == "30.00" and coupon["date_expires_gmt"] == "2027-03-01T12:00:00"
    taken = await connector.issue(
        store, request("RP-SHIP7", kind=DiscountKind.FREE_SHIPPING, customer_email="someone@else.test")
    )
    assert isinstance(taken, IssueFailed) and taken.error == IssueError.REJECTED


async def test_a_retried_request_returns_the_same_coupon_while_a_clashing_code_is_rejected(issuer, site_state):
    connector, store = issuer
    first = await connector.issue(store, request())
    again = await connector.issue(store, request())
    assert again == first and len(site_state.coupons) == 3  # the data set's two plus this one
    clash = await connector.issue(store, request(customer_email="someone@else.test"))
    assert isinstance(clash, IssueFailed) and clash.error == IssueError.REJECTED


async def test_revoked_keys_are_reported_as_unauthorized(issuer, site_state):
    connector, store = issuer
    site_state.revoke_api_key(site_state.find_key(store.consumer_key))
    failed = await connector.issue(store, request(expires_at=datetime.now(UTC) + timedelta(days=30)))
    assert isinstance(failed, IssueFailed) and failed.error == IssueError.UNAUTHORIZED


async def test_a_perk_coupon_has_no_usage_limit_and_is_deleted_for_good_once_gone_or_not(issuer, site_state):
    connector, store = issuer
    perk = request("RP-FS-WOO1", kind=DiscountKind.FREE_SHIPPING, usage_limit=None, minimum_subtotal=None)
    issued = await connector.issue(store, perk)
    assert isinstance(issued, IssuedCode)
    coupon = site_state.coupons[int(issued.platform_id)]
    assert coupon.free_shipping and coupon.email_restrictions == ["ana@example.com"]
    assert (coupon.usage_limit, coupon.usage_limit_per_user) == (None, None)
    assert await connector.revoke(store, issued.platform_id) is None
    assert int(issued.platform_id) not in site_state.coupons  # forced: not left in the trash
    assert await connector.revoke(store, issued.platform_id) is None  # 404: already gone
    bad = await connector.revoke(store, "not-an-id")
    assert isinstance(bad, IssueFailed) and bad.error == IssueError.REJECTED

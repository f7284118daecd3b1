"""WooCommerce simulator: a member's unlimited free-shipping coupon used at checkout, then deleted.

Coupons are posts: ``DELETE`` without ``force`` trashes one (checkout then refuses it, a second
trash is 410), ``force=true`` deletes it for good (404 afterwards)."""

from __future__ import annotations

import httpx
import pytest

from sandbox.woocommerce import WooState


@pytest.fixture(scope="module")
def state() -> WooState:
    return WooState.from_dataset("sample", 7)


async def perk_coupon(api: httpx.AsyncClient, code: str, email: str) -> dict:
    created = await api.post(
        "coupons",
        json={
            "code": code,
            "discount_type": "fixed_cart",
            "amount": "0",
            "free_shipping": True,
            "individual_use": True,
            "email_restrictions": [email],
        },
    )
    assert created.status_code == 201, created.text
    return created.json()


async def test_an_unlimited_free_shipping_coupon_serves_its_email_on_every_order_and_nobody_else(
    state: WooState, api: httpx.AsyncClient
) -> None:
    member, stranger = state.customers()[:2]
    coupon = await perk_coupon(api, "RP-FS-SIMTEST1", member.email)
    assert coupon["usage_limit"] is None and coupon["free_shipping"] is True
    orders = state.changes.add_orders(3, customer_id=member.id, coupon="RP-FS-SIMTEST1")
    for oid in orders:
        order = state.orders[oid]
        assert order.customer_id == member.id
        assert [c.code for c in order.coupon_lines] == ["rp-fs-simtest1"]
    with pytest.raises(ValueError, match="does not apply"):
        state.changes.add_orders(1, customer_id=stranger.id, coupon="RP-FS-SIMTEST1")
    read = (await api.get(f"coupons/{coupon['id']}")).json()
    assert read["usage_count"] == 3


async def test_deleting_a_coupon_trashes_it_or_with_force_removes_it_for_good(
    state: WooState, base_url: str, api: httpx.AsyncClient
) -> None:
    member = state.customers()[2]
    coupon = await perk_coupon(api, "RP-FS-SIMTEST2", member.email)
    trashed = await api.delete(f"coupons/{coupon['id']}")
    assert trashed.status_code == 200 and trashed.json()["status"] == "trash"
    assert (await api.delete(f"coupons/{coupon['id']}")).json()["code"] == "woocommerce_rest_already_trashed"
    assert all(c["id"] != coupon["id"] for c in (await api.get("coupons", params={"per_page": 100})).json())
    with pytest.raises(ValueError):  # checkout refuses a trashed coupon
        state.changes.add_orders(1, customer_id=member.id, coupon="RP-FS-SIMTEST2")

    other = await perk_coupon(api, "RP-FS-SIMTEST3", member.email)
    gone = await api.delete(f"coupons/{other['id']}", params={"force": "true"})
    assert gone.status_code == 200 and gone.json()["code"] == "rp-fs-simtest3"
    assert other["id"] not in state.coupons
    again = await api.delete(f"coupons/{other['id']}", params={"force": "true"})
    assert again.status_code == 404 and again.json()["code"] == "woocommerce_rest_shop_coupon_invalid_id"
    async with httpx.AsyncClient(verify=False) as plain:
        over_http = await plain.post(
            f"{base_url}/_sim/changes",
            json={"op": "add_orders", "n": 1, "customer_id": member.id, "coupon": "RP-FS-SIMTEST3"},
        )
    assert over_http.status_code == 400 and "does not apply" in over_http.json()["error"]


async def test_deleting_a_coupon_needs_a_key_with_write_access(
    state: WooState, base_url: str, api: httpx.AsyncClient
) -> None:
    coupon = await perk_coupon(api, "RP-FS-SIMTEST4", "x@example.org")
    key = state.create_api_key("read")
    async with httpx.AsyncClient(
        base_url=f"{base_url}/wp-json/wc/v3/", auth=(key.consumer_key, key.consumer_secret), verify=False
    ) as reader:
        refused = await reader.delete(f"coupons/{coupon['id']}", params={"force": "true"})
    async with httpx.AsyncClient(base_url=f"{base_url}/wp-json/wc/v3/", verify=False) as anonymous:
        nobody = await anonymous.delete(f"coupons/{coupon['id']}", params={"force": "true"})
    assert refused.status_code == 401 and nobody.status_code == 401
    assert coupon["id"] in state.coupons

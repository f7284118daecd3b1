"""WooCommerce simulator: collections, paging headers, filters and resource shapes (HTTPS + Basic)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest

from sandbox.woocommerce import SimClock, WooState

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
MONEY = re.compile(r"^-?\d+\.\d{2}$")
LINK = re.compile(r'<([^>]+)>; rel="([^"]+)"')


@pytest.fixture(scope="module")
def state() -> WooState:
    return WooState.from_dataset("sample", 7, clock=SimClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC)))


def links(response: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("link", ""))}


async def test_paging_headers_and_links(state: WooState, base_url: str, api: httpx.AsyncClient) -> None:
    total = state.counts()["orders"]
    pages = -(-total // 100)
    first = await api.get("orders", params={"per_page": 100})
    middle = await api.get("orders", params={"per_page": 100, "page": 2})
    last = await api.get("orders", params={"per_page": 100, "page": pages})
    beyond = await api.get("orders", params={"per_page": 100, "page": pages + 3})
    for r in (first, middle, last, beyond):
        assert r.status_code == 200
        assert r.headers["x-wp-total"] == str(total)
        assert r.headers["x-wp-totalpages"] == str(pages)
    assert set(links(first)) == {"next"}
    assert links(first)["next"] == f"{base_url}/wp-json/wc/v3/orders?per_page=100&page=2"
    assert set(links(middle)) == {"prev", "next"}
    assert "page=1" in links(middle)["prev"] and "page=3" in links(middle)["next"]
    assert set(links(last)) == {"prev"}
    assert len(last.json()) == total - 100 * (pages - 1)
    assert beyond.json() == []
    assert links(beyond)["prev"].endswith(f"page={pages}")


async def test_following_next_links_reads_every_order_once(state: WooState, api: httpx.AsyncClient) -> None:
    seen: list[int] = []
    url: str | None = "orders?per_page=100&orderby=id&order=asc"
    while url:
        r = await api.get(url)
        seen += [o["id"] for o in r.json()]
        url = links(r).get("next")
    assert len(seen) == len(set(seen)) == state.counts()["orders"]
    assert seen == sorted(seen)


async def test_single_page_result_keeps_only_the_api_discovery_link(api: httpx.AsyncClient) -> None:
    r = await api.get("coupons")
    assert r.headers["x-wp-totalpages"] == "1"
    assert set(links(r)) == {"https://api.w.org/"}


@pytest.mark.parametrize(
    ("params", "bad", "message"),
    [
        (
            {"per_page": 101},
            "per_page",
            "per_page must be between 1 (inclusive) and 100 (inclusive)",
        ),
        ({"per_page": 0}, "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"),
        ({"page": 0}, "page", "page must be greater than or equal to 1"),
        (
            {"orderby": "total"},
            "orderby",
            "orderby is not one of date, id, include, title, slug, and modified.",
        ),
        ({"modified_after": "yesterday"}, "modified_after", "Invalid date."),
    ],
)
async def test_invalid_collection_arguments(api: httpx.AsyncClient, params: dict, bad: str, message: str) -> None:
    r = await api.get("orders", params=params)
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "rest_invalid_param"
    assert body["message"] == f"Invalid parameter(s): {bad}"
    assert body["data"]["status"] == 400
    assert body["data"]["params"] == {bad: message}


async def test_guest_orders(state: WooState, api: httpx.AsyncClient) -> None:
    r = await api.get("orders", params={"customer": 0, "per_page": 100})
    assert r.headers["x-wp-total"] == str(state.counts()["guest_orders"])
    for order in r.json():
        assert order["customer_id"] == 0
        assert order["billing"]["email"]
        assert "customer" not in order["_links"]


async def test_order_shape(state: WooState, api: httpx.AsyncClient) -> None:
    discounted = next(o for o in state.live_orders() if o.discount_total > 0 and len(o.line_items) > 1)
    r = await api.get(f"orders/{discounted.id}")
    order = r.json()
    assert r.status_code == 200
    for key in (
        "date_created",
        "date_created_gmt",
        "date_modified",
        "date_modified_gmt",
        "date_paid_gmt",
    ):
        assert DATE.match(order[key]), key
    created_gmt = datetime.fromisoformat(order["date_created_gmt"]).replace(tzinfo=UTC)
    local = created_gmt.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None)
    assert order["date_created"] == local.isoformat()
    assert order["date_created"] != order["date_created_gmt"]
    for key in ("total", "discount_total", "shipping_total", "total_tax"):
        assert MONEY.match(order[key]), key
    assert order["number"] == str(order["id"])
    lines = order["line_items"]
    assert sum(Decimal(li["total"]) for li in lines) == Decimal(order["total"])
    assert sum(Decimal(li["subtotal"]) - Decimal(li["total"]) for li in lines) == Decimal(order["discount_total"])
    for li in lines:
        assert isinstance(li["price"], float)
        assert li["price"] == pytest.approx(float(li["total"]) / li["quantity"])
    assert order["coupon_lines"][0]["code"] == order["coupon_lines"][0]["code"].lower()
    assert Decimal(order["coupon_lines"][0]["discount"]) == Decimal(order["discount_total"])
    assert order["refunds"] == []


async def test_variable_products_and_variations(state: WooState, api: httpx.AsyncClient) -> None:
    variable = next(p for p in state.products.values() if p.type == "variable")
    simple = next(p for p in state.products.values() if p.type == "simple")
    product = (await api.get(f"products/{variable.id}")).json()
    assert product["type"] == "variable" and product["regular_price"] == ""
    assert product["variations"] == variable.variation_ids
    variations = (await api.get(f"products/{variable.id}/variations")).json()
    assert sorted(v["id"] for v in variations) == sorted(variable.variation_ids)
    assert all(MONEY.match(v["price"]) and v["attributes"][0]["name"] == "Format" for v in variations)
    one = (await api.get(f"products/{simple.id}")).json()
    assert one["type"] == "simple" and one["variations"] == [] and one["price"] == one["regular_price"]
    assert one["categories"][0]["name"] == simple.category_name
    filtered = await api.get("products", params={"type": "variable", "per_page": 1})
    assert int(filtered.headers["x-wp-total"]) == sum(p.type == "variable" for p in state.products.values())


async def test_customers_collection(state: WooState, api: httpx.AsyncClient) -> None:
    customers = await api.get("customers", params={"per_page": 100, "orderby": "id"})
    everyone = await api.get("customers", params={"per_page": 100, "role": "all"})
    ignored = await api.get(
        "customers",
        params={"per_page": 100, "orderby": "id", "modified_after": "2030-01-01T00:00:00"},
    )
    assert customers.headers["x-wp-total"] == str(state.counts()["customers"])
    assert int(everyone.headers["x-wp-total"]) == state.counts()["customers"] + 1
    assert ignored.headers["x-wp-total"] == customers.headers["x-wp-total"]
    ids = [c["id"] for c in customers.json()]
    assert ids == sorted(ids)
    first = customers.json()[0]
    assert set(first) >= {
        "id", "date_created", "date_created_gmt", "date_modified", "date_modified_gmt", "email",
        "first_name", "last_name", "role", "username", "billing", "shipping", "is_paying_customer",
    }  # fmt: skip
    assert first["billing"]["email"] == first["email"]
    by_email = await api.get("customers", params={"email": first["email"]})
    assert [c["id"] for c in by_email.json()] == [first["id"]]


async def test_modified_after_with_dates_are_gmt(state: WooState, api: httpx.AsyncClient) -> None:
    changed = state.changes.edit_orders(ids=[1001, 1002, 1003])
    stamp = state.orders[1001].date_modified
    gmt = (stamp - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    local = (stamp - timedelta(seconds=1)).astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%dT%H:%M:%S")
    as_gmt = await api.get("orders", params={"modified_after": gmt, "dates_are_gmt": "true", "orderby": "modified"})
    as_local = await api.get("orders", params={"modified_after": local})
    same_second = await api.get(
        "orders",
        params={"modified_after": stamp.strftime("%Y-%m-%dT%H:%M:%S"), "dates_are_gmt": "true"},
    )
    assert sorted(o["id"] for o in as_gmt.json()) == changed
    assert sorted(o["id"] for o in as_local.json()) == changed
    assert same_second.json() == []  # strictly after, second precision
    assert {o["date_modified_gmt"] for o in as_gmt.json()} == {stamp.strftime("%Y-%m-%dT%H:%M:%S")}


async def test_a_zone_suffix_is_converted_to_site_time_like_wordpress(state: WooState, api: httpx.AsyncClient) -> None:
    """``...Z`` with ``dates_are_gmt=true`` is turned into Berlin wall time and then compared
    with the GMT column (``WP_Date_Query``): the watermark moves forward by the site's UTC
    offset (one hour in November) and a change inside that hour is missed."""
    state.changes.edit_orders(ids=[1010])
    stamp = state.orders[1010].date_modified
    earlier = f"{stamp - timedelta(minutes=30):%Y-%m-%dT%H:%M:%S}"
    without_zone = await api.get("orders", params={"modified_after": earlier, "dates_are_gmt": "true"})
    with_zone = await api.get("orders", params={"modified_after": earlier + "Z", "dates_are_gmt": "true"})
    assert 1010 in [o["id"] for o in without_zone.json()]
    assert 1010 not in [o["id"] for o in with_zone.json()]

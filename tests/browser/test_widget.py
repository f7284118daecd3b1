"""The storefront widget in headless Chromium against ``rapport demo``: balance and tier, redeeming
a reward, an expired token, the API down, French, the bought-together snippet, accessibility.

Expected figures come from the APIs over HTTP at test time (the storefront API with the same
token, cross-checked against the admin API), never from constants.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.app.test_cli import free_port
from tests.browser.app_proxy import PREFIX, SHOPIFY_APP_SECRET, shop_with_app_proxy

pytestmark = [pytest.mark.db, pytest.mark.slow]

LOYALTY = "rapport-loyalty"
BOUGHT = "rapport-bought-together"
CARD = f"{LOYALTY} .card"
ME = """query { me { displayName loyalty { balance { available pending } tier { name } nextTier { name }
  tierProgress { metric remaining fraction } rewards(first: 5, affordable: true) { nodes { id kind pointsCost } } } } }"""
PROGRAM = "query { program { earningRules { key } tiers { name } rewards(first: 20) { nodes { pointsCost } } } }"
ADMIN_MEMBER = """query($id: ID!) { profile(id: $id) { loyalty { id balance { available pending } tier { name } } } }"""
TIER_MEMBERS = """query($store: ID!, $tier: String!) { members(first: 20, tier: $tier, storeId: $store) {
  nodes { id profile { id customers(first: 5) { nodes { id isGuest store { id } loyalty { id } } } } } } }"""
ADJUST = """mutation($id: ID!, $points: Int!) { pointsAdjust(input: {memberId: $id, points: $points,
  reason: "spent at the till"}) { member { balance { available } } userErrors { message } } }"""
TOKEN = """mutation($id: ID!) { shopperTokenCreate(input: {customerId: $id, ttlSeconds: 600}) { token userErrors { message } } }"""
MEMBER_BY_ID = """query($id: ID!) { member(id: $id) { balance { available pending } tier { name }
  ledger(first: 50) { nodes { kind points } } codes(first: 10) { nodes { code status points reward { id } } } } }"""


async def post(url: str, query: str, variables: dict | None, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(url, json={"query": query, "variables": variables}, headers=headers)


async def storefront(demo: dict[str, Any], query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"X-Rapport-Store-Key": demo["stores"]["shopify"]["public_key"]}
    if token:
        headers["X-Rapport-Shopper-Token"] = token
    response = await post(f"{demo['base_url']}/graphql/storefront", query, variables, headers)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


async def admin(demo: dict[str, Any], query: str, variables: dict | None = None) -> dict:
    response = await post(
        f"{demo['base_url']}/graphql/admin", query, variables, {"Authorization": f"Bearer {demo['api_key']}"}
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


async def admin_member(demo: dict[str, Any]) -> dict:
    """The demo shopper's membership as the store owner sees it, by profile and again by member id."""
    by_profile = await admin(demo, ADMIN_MEMBER, {"id": f"gid://rapport/Profile/{demo['shopper']['profile_id']}"})
    loyalty = by_profile["profile"]["loyalty"]
    member = (await admin(demo, MEMBER_BY_ID, {"id": loyalty["id"]}))["member"]
    assert (member["balance"], member["tier"]) == (loyalty["balance"], loyalty["tier"])
    return member


def page_url(demo: dict[str, Any], **params: str) -> str:
    query = {"key": demo["stores"]["shopify"]["public_key"], **params}
    return f"{demo['base_url']}/demo/storefront.html?{urlencode(query)}"


async def shown(page: Any, state: str) -> None:
    """Waits until the widget has rendered in ``state`` (guest, member, signin, error)."""
    await page.wait_for_selector(f"{LOYALTY}[data-state={state}]")


async def formatted(page: Any, number: int, locale: str = "en") -> str:
    return await page.evaluate("([n, l]) => new Intl.NumberFormat(l).format(n)", [number, locale])


async def test_the_widget_shows_the_balance_and_tier_the_apis_report(demo, page, page_errors, screenshot):
    token = demo["shopper"]["token"]
    expected = (await storefront(demo, ME, token=token))["me"]["loyalty"]
    owner_view = await admin_member(demo)
    assert owner_view["balance"] == expected["balance"] and owner_view["tier"] == expected["tier"]
    assert expected["balance"]["available"] > 0

    await page.goto(page_url(demo, token=token))
    await shown(page, "member")
    available = expected["balance"]["available"]
    assert await page.locator(f"{LOYALTY} .balance").inner_text() == f"{await formatted(page, available)} points"
    pending = expected["balance"]["pending"]
    pending_text = f"{await formatted(page, pending)} point{'' if pending == 1 else 's'}"
    assert await page.locator(f"{LOYALTY} .pending").inner_text() == pending_text
    tier = expected["tier"]["name"] if expected["tier"] else "No tier yet"
    assert tier in await page.locator(f"{LOYALTY} h3.tier").inner_text()
    if expected["nextTier"]:
        bar = page.locator(f"{LOYALTY} [role=progressbar][aria-labelledby=progress-label]")
        assert await bar.get_attribute("aria-valuenow") == str(round(expected["tierProgress"]["fraction"] * 100))
        assert "to go" in await bar.get_attribute("aria-valuetext")
        assert expected["nextTier"]["name"] in await page.locator(f"{LOYALTY} #progress-label").inner_text()
    for reward in expected["rewards"]["nodes"]:
        assert await page.locator(f"{LOYALTY} button[data-reward='{reward['id']}']").is_enabled()
    assert await page.locator(f"{LOYALTY} .grid li").count() > 0, "no 'you may also like' products"
    await screenshot(page, "widget-signed-in", CARD)
    assert page_errors == []


def usd(amount: str) -> str:
    value = Decimal(amount)
    return f"${value:,.0f}" if value == value.to_integral_value() else f"${value:,.2f}"


async def shoppers_in_tier(demo: dict[str, Any], tier: str) -> list[tuple[str, str]]:
    """(member id, storefront token) of members of ``tier`` with an account on the Shopify store."""
    store = f"gid://rapport/Store/{demo['stores']['shopify']['id']}"
    members = (await admin(demo, TIER_MEMBERS, {"store": store, "tier": tier}))["members"]["nodes"]
    found = []
    for member in members:
        if member["profile"]["id"] == f"gid://rapport/Profile/{demo['shopper']['profile_id']}":
            continue  # the demo shopper's balance belongs to the tests that sign in as them
        # An account of the member's person whose points this member holds (identity is not ownership).
        account = next(
            (
                c
                for c in member["profile"]["customers"]["nodes"]
                if not c["isGuest"] and c["store"]["id"] == store and (c["loyalty"] or {}).get("id") == member["id"]
            ),
            None,
        )
        if account is not None:
            minted = (await admin(demo, TOKEN, {"id": account["id"]}))["shopperTokenCreate"]
            assert minted["token"], minted["userErrors"]
            found.append((member["id"], minted["token"]))
    assert found, f"no {tier} member with a Shopify account"
    return found


async def test_a_shopper_below_the_top_tier_sees_what_is_left_to_the_next(demo, page, page_errors, screenshot):
    _, token = (await shoppers_in_tier(demo, "Silver"))[0]
    expected = (await storefront(demo, ME, token=token))["me"]["loyalty"]
    assert (
        expected["tier"]["name"] == "Silver" and expected["nextTier"] and expected["tierProgress"]["metric"] == "SPEND"
    )

    await page.goto(page_url(demo, token=token))
    await shown(page, "member")
    bar = page.get_by_role("progressbar", name=f"Progress to {expected['nextTier']['name']}")
    assert await bar.get_attribute("aria-valuenow") == str(round(expected["tierProgress"]["fraction"] * 100))
    to_go = f"{usd(expected['tierProgress']['remaining'])} to go"
    assert await bar.get_attribute("aria-valuetext") == to_go
    assert await page.locator(f"{LOYALTY} .togo").inner_text() == to_go
    await screenshot(page, "widget-tier-progress", CARD)
    assert page_errors == []


async def test_redeeming_shows_a_code_to_copy_and_lowers_the_balance_once(demo, page, page_errors, screenshot):
    token = demo["shopper"]["token"]
    before = (await storefront(demo, ME, token=token))["me"]["loyalty"]
    affordable = before["rewards"]["nodes"]
    reward = next((r for r in affordable if r["kind"] == "FIXED_AMOUNT"), affordable[0])
    redeemed_before = sum(1 for e in (await admin_member(demo))["ledger"]["nodes"] if e["kind"] == "REDEEM")

    await page.goto(page_url(demo, token=token))
    await shown(page, "member")
    await page.locator(f"{LOYALTY} button[data-reward='{reward['id']}']").dblclick()
    await page.get_by_role("dialog").get_by_role("button", name="Confirm").dblclick()
    code_field = page.locator(f"{LOYALTY} input[name=code]")
    await code_field.wait_for()
    code = await code_field.input_value()
    assert code
    remaining = before["balance"]["available"] - reward["pointsCost"]
    assert await page.locator(f"{LOYALTY} .balance").inner_text() == f"{await formatted(page, remaining)} points"
    focused = "(tag) => document.querySelector(tag).shadowRoot.activeElement?.dataset.copy"
    assert await page.evaluate(focused, LOYALTY) == "code"  # focus moved to the code's Copy button

    await page.locator(f"{LOYALTY} button[data-copy=code]").click()
    await page.wait_for_function("async (code) => (await navigator.clipboard.readText()) === code", arg=code)
    assert "Copied" in await page.locator(f"{LOYALTY} .code").inner_text()
    await screenshot(page, "widget-redeemed", CARD)

    member = await admin_member(demo)
    assert member["balance"]["available"] == remaining
    redeemed = [e for e in member["ledger"]["nodes"] if e["kind"] == "REDEEM"]
    assert len(redeemed) == redeemed_before + 1, "a double click must not redeem twice"
    assert redeemed[0]["points"] == -reward["pointsCost"]
    issued = {c["code"]: c for c in member["codes"]["nodes"]}
    assert code in issued and issued[code]["reward"]["id"] == reward["id"]
    assert issued[code]["status"] in ("ISSUED", "ISSUING")
    assert page_errors == []


async def test_points_spent_elsewhere_meanwhile_show_a_readable_error(demo, page, page_errors, screenshot):
    able = [
        (member, token)
        for member, token in await shoppers_in_tier(demo, "Gold")
        if (await storefront(demo, ME, token=token))["me"]["loyalty"]["rewards"]["nodes"]
    ]
    assert able, "no Gold member can afford a reward"
    member_id, token = able[0]
    await page.goto(page_url(demo, token=token))
    await shown(page, "member")
    available = (await storefront(demo, ME, token=token))["me"]["loyalty"]["balance"]["available"]
    adjusted = (await admin(demo, ADJUST, {"id": member_id, "points": -available}))["pointsAdjust"]
    assert adjusted["member"]["balance"]["available"] == 0, adjusted["userErrors"]

    await page.locator(f"{LOYALTY} button[data-reward]").first.click()
    await page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    error = page.locator(f"{LOYALTY} .status .error")
    await error.wait_for()
    assert await error.inner_text() == "You do not have enough points for this reward."
    assert await page.locator(f"{LOYALTY} .balance").inner_text() == "0 points"
    assert await page.locator(f"{LOYALTY} button[data-reward]").count() == 0
    live = page.locator(f"{LOYALTY} [role=status][aria-live]")
    await page.wait_for_function("(el) => el.textContent.includes('enough points')", arg=await live.element_handle())
    await screenshot(page, "widget-insufficient-points", CARD)
    assert page_errors == []


async def test_an_expired_token_shows_the_sign_in_message_and_the_program(demo, page, page_errors, screenshot):
    await page.goto(page_url(demo, token=demo["expired_shopper_token"], login="/account/login?return=rewards"))
    await shown(page, "signin")
    widget = page.locator(LOYALTY)
    assert "Your session has expired" in await widget.locator("[role=alert]").inner_text()
    link = widget.get_by_role("link", name="Sign in")
    assert await link.get_attribute("href") == "/account/login?return=rewards"
    assert await widget.locator(".balance").count() == 0
    assert "How to earn" in await widget.locator(".card").inner_text()
    await screenshot(page, "widget-expired-token", CARD)
    assert page_errors == []


@pytest.fixture
def failing_gateway() -> Iterator[str]:
    """A real gateway whose upstream is down: CORS answered, every query a 503 HTML page."""

    class Gateway(BaseHTTPRequestHandler):
        def cors(self) -> None:
            self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin", "*"))
            self.send_header(
                "Access-Control-Allow-Headers", "content-type, x-rapport-store-key, x-rapport-shopper-token"
            )

        def do_OPTIONS(self) -> None:  # noqa: N802 - the http.server naming
            self.send_response(204)
            self.cors()
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(503)
            self.cors()
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<h1>503 Service Unavailable</h1>")

        do_POST = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("down", ["closed port", "503 gateway", "unknown store key"])
async def test_the_api_down_shows_unavailable_and_the_page_stays_usable(
    demo, page, page_errors, screenshot, failing_gateway, down
):
    params = {"token": demo["shopper"]["token"], "product": demo["product_id"]}
    if down == "unknown store key":
        params["key"] = "pk_" + "0" * 24  # refused as UNAUTHENTICATED, which is no reason to ask the shopper to sign in
    else:
        params["endpoint"] = f"http://127.0.0.1:{free_port()}" if down == "closed port" else failing_gateway
    await page.goto(page_url(demo, **params))
    await shown(page, "error")
    assert "Rewards are unavailable right now" in await page.locator(f"{LOYALTY} [role=alert]").inner_text()
    await page.wait_for_selector(f"{BOUGHT}[data-state=error]", state="attached")
    assert await page.locator(BOUGHT).is_hidden()
    await page.get_by_role("button", name="Add to cart").click()
    assert await page.locator("#cart-count").inner_text() == "1"
    await screenshot(page, f"widget-api-down-{down.replace(' ', '-')}")
    assert page_errors == []


async def test_a_guest_sees_how_to_earn_the_tiers_and_the_rewards(demo, page, page_errors, screenshot):
    program = (await storefront(demo, PROGRAM))["program"]
    await page.goto(page_url(demo))
    await shown(page, "guest")
    widget = page.locator(LOYALTY)
    text = await widget.locator(".card").inner_text()
    assert "How to earn" in text and "Sign in" in text
    sections = widget.locator("ul")
    assert await sections.nth(0).locator("li").count() == len(program["earningRules"])
    for tier in program["tiers"]:
        assert tier["name"] in text
    for reward in program["rewards"]["nodes"]:
        assert f"{await formatted(page, reward['pointsCost'])} points" in text
    await screenshot(page, "widget-guest", CARD)
    assert page_errors == []


async def test_french_renders_french_strings_and_numbers(demo, page, page_errors, screenshot):
    token = demo["shopper"]["token"]
    available = (await storefront(demo, ME, token=token))["me"]["loyalty"]["balance"]["available"]
    await page.goto(page_url(demo, token=token, locale="fr", product=demo["product_id"]))
    await shown(page, "member")
    widget = page.locator(LOYALTY)
    text = await widget.locator(".card").inner_text()
    assert text.startswith("Bonjour") and "Disponibles" in text and "En attente" in text
    assert "Récompenses" in text and ("Échanger" in text or "encore" in text)
    assert "Available" not in text and "Redeem" not in text
    assert await widget.locator(".balance").inner_text() == f"{await formatted(page, available, 'fr')} points"
    await page.wait_for_selector(f"{BOUGHT}[data-state=ready]")
    assert await page.locator(f"{BOUGHT} h2").inner_text() == "Souvent achetés ensemble"
    await screenshot(page, "widget-french", CARD)
    assert page_errors == []


async def test_the_bought_together_snippet_lists_the_products_the_api_pairs(demo, page, page_errors, screenshot):
    query = "query($id: ID!) { product(id: $id) { frequentlyBoughtTogether(first: 4) { nodes { title } } } }"
    expected = [
        p["title"]
        for p in (await storefront(demo, query, {"id": demo["product_id"]}))["product"]["frequentlyBoughtTogether"][
            "nodes"
        ]
    ]
    assert expected, "the demo product has no bought-together data"
    await page.goto(page_url(demo, product=demo["product_id"]))
    await page.wait_for_selector(f"{BOUGHT}[data-state=ready]")
    assert await page.locator(f"{BOUGHT} li b").all_inner_texts() == expected
    await screenshot(page, "bought-together", f"{BOUGHT} .card")

    await page.goto(page_url(demo, product="gid://rapport/Product/999999999"))
    await page.wait_for_selector(f"{BOUGHT}[data-state=empty]", state="attached")
    assert await page.locator(BOUGHT).is_hidden()
    assert page_errors == []


async def test_guest_queries_go_by_hash_over_get_so_they_can_be_cached(demo, page, page_errors, screenshot):
    seen: list[tuple[str, dict[str, list[str]]]] = []
    page.on(
        "request",
        lambda r: (
            seen.append((r.method, parse_qs(urlsplit(r.url).query)))
            if "/graphql/storefront" in r.url and "persistedQuery" in r.url
            else None
        ),
    )
    for _ in range(2):
        await page.goto(page_url(demo))
        await shown(page, "guest")
    assert seen and all(method == "GET" for method, _ in seen)
    by_hash_only = [params for _, params in seen if "query" not in params]
    assert len(by_hash_only) >= 2  # the first ask of each load; the first load also registers the text
    digest = json.loads(by_hash_only[-1]["extensions"][0])["persistedQuery"]["sha256Hash"]
    async with httpx.AsyncClient(timeout=30) as client:
        cached = await client.get(
            f"{demo['base_url']}/graphql/storefront",
            params={"extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}})},
            headers={"X-Rapport-Store-Key": demo["stores"]["shopify"]["public_key"]},
        )
    assert cached.json()["data"]["program"] and cached.headers["cache-control"] == "public, max-age=60"
    await screenshot(page, "widget-guest-cached")
    assert page_errors == []


@pytest.mark.parametrize("who", ["guest", "signed in"])
async def test_axe_finds_no_serious_violations_on_the_storefront_page(demo, page, axe, screenshot, who):
    params = {"product": demo["product_id"]}
    if who == "signed in":
        params["token"] = demo["shopper"]["token"]
    await page.goto(page_url(demo, **params))
    await shown(page, "member" if who == "signed in" else "guest")
    await page.wait_for_selector(f"{BOUGHT}[data-state=ready]")
    assert await axe(page, LOYALTY, f"{BOUGHT} .card") == []
    assert await axe(page) == []
    await screenshot(page, f"axe-storefront-{who.replace(' ', '-')}")


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed in", "guest"])
async def test_the_app_proxy_mode_signs_in_whoever_shopify_vouches_for(demo, page, page_errors, screenshot, signed_in):
    customer = f"gid://rapport/Customer/{demo['shopper']['customer_id']}"
    platform_id = (await admin(demo, "query($id: ID!) { customer(id: $id) { platformId } }", {"id": customer}))[
        "customer"
    ]["platformId"]
    expected = (await storefront(demo, ME, token=demo["shopper"]["token"]))["me"]["loyalty"]
    with shop_with_app_proxy(
        demo["base_url"], demo["stores"]["shopify"]["domain"], SHOPIFY_APP_SECRET, platform_id if signed_in else None
    ) as shop:
        await page.goto(f"{shop}/products/rising-tides?{urlencode({'proxy': PREFIX, 'product': demo['product_id']})}")
        if signed_in:
            await shown(page, "member")
            available = expected["balance"]["available"]
            assert (
                await page.locator(f"{LOYALTY} .balance").inner_text() == f"{await formatted(page, available)} points"
            )
        else:
            await shown(page, "guest")
        await page.wait_for_selector(f"{BOUGHT}[data-state=ready]")
        await screenshot(page, f"widget-app-proxy-{'signed-in' if signed_in else 'guest'}")
    assert page_errors == []

"""The widget's rewards, perks and referral link in headless Chromium against ``rapport demo``: a
confirmation before points are spent, the points-to-cash slider held within the reward's bounds and
the balance, locked rewards saying what unlocks them with the next reward as a goal, a tier's
free-shipping code, and a friend's ``?ref=`` link kept in a first-party cookie and claimed once
they sign in on the other platform's store. axe-core finds nothing serious in any of these states.

Each test gives its own demo member a known balance through the admin API; expected figures and
locks come from the storefront API at test time.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import pytest_asyncio

from connectors.woocommerce import webhooks as woo_webhooks
from tests.browser.test_widget import ADJUST, LOYALTY, TOKEN, admin, formatted, post, shoppers_in_tier, shown

pytestmark = [pytest.mark.db, pytest.mark.slow]

CATALOG = """query { me { loyalty { balance { available } catalog(first: 50) { nodes { available pointsToGo maxPoints
  locks { reason tier until pointsToGo } reward { id name kind pointsCost minPoints maxPoints } } }
  nextReward { pointsToGo reward { id name } } } } }"""
CODES = "query { shop { name } me { loyalty { codes(first: 1) { nodes { code expiresAt storeName storeUrl } } } } }"
BALANCE = (
    """query($id: ID!) { member(id: $id) { balance { available } ledger(first: 50) { nodes { kind points } } } }"""
)
REWARD_CREATE = """mutation($input: RewardCreateInput!) { rewardCreate(input: $input) { reward { id }
  userErrors { field message } } }"""
REWARD_OFF = """mutation($id: ID!) { rewardUpdate(input: {id: $id, active: false}) { userErrors { message } } }"""
REFERRAL = "query { me { loyalty { referral { code friendCode { code storeName } } } } }"
CUSTOMERS = """query($store: ID!, $search: String!) { customers(first: 5, storeId: $store, search: $search) {
  nodes { id email } } }"""
PERKS = "query { shop { name } me { loyalty { perks { kind tier code storeName active } } } }"
TERMS = "query { program { latest { rules { referralFriendReward referralFriendValue } } } }"
PUBLISH = """mutation($rules: ProgramRulesInput!) { programPublish(input: {rules: $rules, note: "widget test"}) {
  version { id } userErrors { field message } } }"""
SETTLE_SECONDS = 60


async def storefront(demo: dict[str, Any], query: str, token: str, platform: str = "shopify") -> dict:
    headers = {"X-Rapport-Store-Key": demo["stores"][platform]["public_key"], "X-Rapport-Shopper-Token": token}
    response = await post(f"{demo['base_url']}/graphql/storefront", query, None, headers)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


def page_url(demo: dict[str, Any], platform: str = "shopify", **params: str) -> str:
    query = {"key": demo["stores"][platform]["public_key"], **params}
    return f"{demo['base_url']}/demo/storefront.html?{urlencode(query)}"


@pytest_asyncio.fixture(scope="module")
async def below_gold(demo: dict[str, Any]) -> list[tuple[str, str]]:
    """(member id, token) of Bronze and Silver members with a Shopify account, each test its own
    (the first Silver member is test_widget's, which reads its tier progress)."""
    found = await shoppers_in_tier(demo, "Bronze") + (await shoppers_in_tier(demo, "Silver"))[1:]
    assert len(found) >= 3, "the demo has too few Bronze and Silver members on Shopify"
    return found


async def set_balance(demo: dict[str, Any], member_id: str, points: int) -> list[dict]:
    """Gives the member exactly ``points`` available; returns their ledger as it then stands."""
    member = (await admin(demo, BALANCE, {"id": member_id}))["member"]
    delta = points - member["balance"]["available"]
    if delta:
        adjusted = (await admin(demo, ADJUST, {"id": member_id, "points": delta}))["pointsAdjust"]
        assert adjusted["member"]["balance"]["available"] == points, adjusted["userErrors"]
    return (await admin(demo, BALANCE, {"id": member_id}))["member"]["ledger"]["nodes"]


def redeems(page: Any) -> list[dict]:
    """The rewardRedeem inputs the page sends, as the server receives them."""
    sent: list[dict] = []

    def seen(request: Any) -> None:
        body = request.post_data or ""
        if "/graphql/storefront" in request.url and "RapportRedeem" in body:
            sent.append(json.loads(body)["variables"]["input"])

    page.on("request", seen)
    return sent


async def active(page: Any) -> dict[str, str | None]:
    """The focused element inside the widget's shadow tree."""
    return await page.evaluate(
        """(tag) => { const el = document.querySelector(tag).shadowRoot.activeElement;
        return el ? {id: el.id || null, reward: el.dataset.reward || null, tag: el.tagName} : {}; }""",
        LOYALTY,
    )


async def test_redeeming_asks_first_escape_and_cancel_spend_nothing_and_confirm_spends_once(
    demo, below_gold, page, page_errors, axe, screenshot
):
    member_id, token = below_gold[0]
    ledger = await set_balance(demo, member_id, 900)
    catalog = (await storefront(demo, CATALOG, token))["me"]["loyalty"]["catalog"]["nodes"]
    reward = next(s["reward"] for s in catalog if s["available"] and s["reward"]["kind"] == "FIXED_AMOUNT")
    sent = redeems(page)

    await page.goto(page_url(demo, token=token))
    await shown(page, "member")
    redeem = page.locator(f"{LOYALTY} button[data-reward='{reward['id']}']")
    await redeem.click()
    dialog = page.get_by_role("dialog", name=f"Redeem {reward['name']}?")
    await dialog.wait_for()
    assert await active(page) == {"id": "confirm-title", "reward": None, "tag": "H4"}
    assert await dialog.locator(".gets").inner_text() == reward["name"]
    assert await dialog.locator(".spent").inner_text() == f"{await formatted(page, reward['pointsCost'])} points"
    assert await dialog.locator(".left").inner_text() == f"{await formatted(page, 900 - reward['pointsCost'])} points"
    assert await redeem.get_attribute("aria-expanded") == "true"
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-confirm", f"{LOYALTY} .confirm")

    await page.keyboard.press("Escape")
    await dialog.wait_for(state="detached")
    assert (await active(page))["reward"] == reward["id"], "focus returns to the Redeem button"
    await redeem.click()
    await dialog.get_by_role("button", name="Cancel").click()
    await dialog.wait_for(state="detached")
    assert (await active(page))["reward"] == reward["id"]
    assert sent == []
    after_cancel = (await admin(demo, BALANCE, {"id": member_id}))["member"]
    assert after_cancel["balance"]["available"] == 900 and after_cancel["ledger"]["nodes"] == ledger

    await redeem.click()
    await dialog.get_by_role("button", name="Confirm").dblclick()
    card = page.locator(f"{LOYALTY} .status .code")
    await card.wait_for()
    code = await card.locator("input[name=code]").input_value()
    issued = await storefront(demo, CODES, token)
    expected = issued["me"]["loyalty"]["codes"]["nodes"][0]
    assert expected["code"] == code and expected["storeName"] == issued["shop"]["name"]
    assert await card.locator(".value").inner_text() == reward["name"]
    details = await card.locator(".details").inner_text()
    assert f"Valid on {expected['storeName']}" in details
    assert await card.get_by_role("link", name=expected["storeName"]).get_attribute("href") == expected["storeUrl"]
    if expected["expiresAt"]:
        expires = await page.evaluate(
            """(iso) => new Intl.DateTimeFormat("en-US", {day: "numeric", month: "long", year: "numeric"})
            .format(new Date(iso))""",
            expected["expiresAt"],
        )
        assert f"Expires {expires}" in details
    assert len(sent) == 1 and sent[0]["rewardId"] == reward["id"], "a double click on Confirm spends once"
    member = (await admin(demo, BALANCE, {"id": member_id}))["member"]
    assert member["balance"]["available"] == 900 - reward["pointsCost"]
    assert [e["points"] for e in member["ledger"]["nodes"] if e["kind"] == "REDEEM"][0] == -reward["pointsCost"]
    assert sum(e["kind"] == "REDEEM" for e in member["ledger"]["nodes"]) == 1 + sum(
        e["kind"] == "REDEEM" for e in ledger
    )
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-code-card", f"{LOYALTY} .status .code")
    assert page_errors == []


async def test_the_points_slider_stays_within_the_balance_and_the_rewards_bounds(
    demo, below_gold, page, page_errors, axe, screenshot
):
    member_id, token = below_gold[1]
    await set_balance(demo, member_id, 1234)
    catalog = (await storefront(demo, CATALOG, token))["me"]["loyalty"]["catalog"]["nodes"]
    cash = next(s for s in catalog if s["reward"]["kind"] == "POINTS_TO_CASH")
    low, high = cash["reward"]["minPoints"], cash["maxPoints"]
    assert cash["available"] and high == min(cash["reward"]["maxPoints"], 1234) == 1234
    sent = redeems(page)

    await page.goto(page_url(demo, token=token))
    await shown(page, "member")
    await page.locator(f"{LOYALTY} button[data-reward='{cash['reward']['id']}']").click()
    dialog = page.locator(f"{LOYALTY} .confirm")
    slider = dialog.get_by_role("slider", name="Points to spend")
    box = dialog.get_by_role("spinbutton", name="Points to spend")
    confirm = dialog.get_by_role("button", name="Confirm")
    error = dialog.locator("#amount-error")
    for field in (slider, box):
        assert (await field.get_attribute("min"), await field.get_attribute("max")) == (str(low), str(high))
    assert await box.input_value() == str(low)

    await slider.focus()
    await page.keyboard.press("End")
    assert await box.input_value() == str(high) == await slider.input_value()
    assert await dialog.locator("output").inner_text() == "= $12.34 off"
    assert await dialog.locator(".left").inner_text() == "0 points"
    await screenshot(page, "widget-slider", f"{LOYALTY} .confirm")

    await box.fill("99999")
    bounds = f"Choose between {low} and {await formatted(page, high)} points."
    assert await error.inner_text() == bounds
    assert await confirm.is_disabled() and await box.get_attribute("aria-invalid") == "true"
    assert await slider.input_value() == str(high)
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-slider-refused", f"{LOYALTY} .confirm")
    await box.press("Tab")
    assert await box.input_value() == str(high) and await error.inner_text() == ""
    await box.fill("12")
    assert await error.inner_text() == bounds and await confirm.is_disabled()
    await box.press("Tab")
    assert await box.input_value() == str(low) and await confirm.is_enabled()

    await box.fill("1000")
    await set_balance(demo, member_id, 300)  # spent elsewhere meanwhile: the server refuses, at the field
    await confirm.click()
    await page.wait_for_function(
        "(tag) => document.querySelector(tag).shadowRoot.querySelector('#amount-error')?.textContent",
        arg=LOYALTY,
    )
    assert await error.inner_text() == "You do not have enough points for this reward."
    assert await box.get_attribute("max") == "300" and await confirm.is_disabled()
    assert (await active(page))["id"] == "amount"
    await box.fill("250")
    assert await dialog.locator("output").inner_text() == "= $2.50 off"
    await confirm.click()
    card = page.locator(f"{LOYALTY} .status .code")
    await card.wait_for()
    assert await card.locator(".value").inner_text() == "$2.50 off"
    assert [s["points"] for s in sent] == [1000, 250]
    assert len({s["requestKey"] for s in sent}) == 2, "a new amount is a new request"
    member = (await admin(demo, BALANCE, {"id": member_id}))["member"]
    assert member["balance"]["available"] == 50
    assert next(e["points"] for e in member["ledger"]["nodes"] if e["kind"] == "REDEEM") == -250
    assert page_errors == []


@pytest_asyncio.fixture
async def exclusive(demo: dict[str, Any]) -> AsyncIterator[list[dict[str, Any]]]:
    """A Gold-only reward and one launching next month; turned off afterwards, so the demo's other
    tests find the storefront as it was."""
    made: list[dict[str, Any]] = []
    specs = [
        {
            "name": f"Gold $15 off {uuid.uuid4().hex[:4]}",
            "kind": "FIXED_AMOUNT",
            "pointsCost": 400,
            "value": "15",
            "minTier": "Gold",
        },
        {
            "name": f"Launch 20% off {uuid.uuid4().hex[:4]}",
            "kind": "PERCENTAGE",
            "pointsCost": 200,
            "percentOff": "20",
            "startsAt": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        },
    ]
    try:
        for spec in specs:
            created = (await admin(demo, REWARD_CREATE, {"input": spec}))["rewardCreate"]
            assert created["reward"], created["userErrors"]
            made.append({**spec, "id": created["reward"]["id"]})
        yield made
    finally:
        for reward in made:
            await admin(demo, REWARD_OFF, {"id": reward["id"]})


def lock_text(lock: dict[str, Any], when: dict[str, str]) -> str:
    """What the widget should say for a lock the API reports (dates as the page formats them)."""
    reason = lock["reason"]
    if reason == "POINTS":
        return f"{lock['pointsToGo']:,} points to go"
    if reason == "TIER":
        return f"{lock['tier']} members only"
    if reason == "NOT_YET":
        return f"From {when[lock['until']]}"
    return {"VALUE_TIER": "For selected customers only", "MEMBER_LIMIT": "Limit reached", "OUT_OF_STOCK": "Sold out"}[
        reason
    ]


async def test_locked_rewards_say_what_unlocks_them_and_the_next_reward_is_the_goal(
    demo, below_gold, exclusive, page, page_errors, axe, screenshot
):
    member_id, token = below_gold[2]
    await set_balance(demo, member_id, 300)
    loyalty = (await storefront(demo, CATALOG, token))["me"]["loyalty"]
    catalog = loyalty["catalog"]["nodes"]
    by_id = {s["reward"]["id"]: s for s in catalog}
    gold, launch = (by_id[r["id"]] for r in exclusive)
    assert [lock["reason"] for lock in gold["locks"]][0] == "TIER" and not gold["available"]
    assert "NOT_YET" in [lock["reason"] for lock in launch["locks"]]
    goal = loyalty["nextReward"]
    assert goal and goal["pointsToGo"] > 0

    await page.goto(page_url(demo, token=token))
    await shown(page, "member")
    dates = await page.evaluate(
        """(isos) => Object.fromEntries(isos.map((iso) => [iso, new Intl.DateTimeFormat("en-US",
        {day: "numeric", month: "long", year: "numeric"}).format(new Date(iso))]))""",
        [lock["until"] for s in catalog for lock in s["locks"] if lock["until"]],
    )
    rows = page.locator(f"{LOYALTY} ul.rewards > li")
    assert await rows.count() == len(catalog)
    for shopper_reward in catalog:
        row = page.locator(f"{LOYALTY} li[data-id='{shopper_reward['reward']['id']}']")
        if shopper_reward["available"]:
            assert await row.get_by_role("button", name="Redeem").count() == 1
            continue
        assert await row.get_attribute("class") == "reward locked"
        assert await row.locator("button").count() == 0
        lock = row.locator(".lock")
        expected = " · ".join(lock_text(lock, dates) for lock in shopper_reward["locks"])
        assert await lock.text_content() == f"Locked: {expected}"  # "Locked:" for screen readers only
        assert (await lock.inner_text()).endswith(expected)
    gold_lock = await page.locator(f"{LOYALTY} li[data-id='{gold['reward']['id']}'] .lock").inner_text()
    assert "Gold members only" in gold_lock
    assert "From " in await page.locator(f"{LOYALTY} li[data-id='{launch['reward']['id']}'] .lock").inner_text()

    section = page.locator(f"{LOYALTY} section.goal")
    assert await section.locator("h3").inner_text() == f"Next reward: {goal['reward']['name']}"
    bar = section.get_by_role("progressbar")
    assert await bar.get_attribute("aria-valuenow") == str(round(100 * 300 / (300 + goal["pointsToGo"])))
    to_go = f"{await formatted(page, goal['pointsToGo'])} points to go"
    assert await bar.get_attribute("aria-valuetext") == to_go
    assert await section.locator(".goal-togo").inner_text() == to_go
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-locked-rewards", f"{LOYALTY} .card")

    await page.goto(page_url(demo, token=token, locale="fr"))
    await shown(page, "member")
    french = await page.locator(f"{LOYALTY} li[data-id='{gold['reward']['id']}'] .lock").inner_text()
    assert "Réservée au niveau Gold" in french
    assert (await page.locator(f"{LOYALTY} section.goal h3").inner_text()).startswith("Prochaine récompense")
    assert page_errors == []


async def test_the_demo_shoppers_free_shipping_perks_show_their_codes_this_store_first(
    demo, page, page_errors, axe, screenshot
):
    token = demo["shopper"]["token"]
    found = await storefront(demo, PERKS, token)
    here = found["shop"]["name"]
    perks = sorted(
        (p for p in found["me"]["loyalty"]["perks"] if p["active"] and p["code"]), key=lambda p: p["storeName"] != here
    )
    assert perks, "the demo shopper holds no free-shipping perk code (the demo makes them on both simulators)"
    await page.goto(page_url(demo, token=token))
    await shown(page, "member")
    listed = page.locator(f"{LOYALTY} ul.perks > li")
    assert await listed.count() == len(perks)
    for index, perk in enumerate(perks):
        item = listed.nth(index)
        where = "this store" if perk["storeName"] == here else perk["storeName"]
        assert await item.locator("p").first.inner_text() == f"{perk['tier']} perk: free shipping on {where}"
        assert await item.get_by_role("textbox", name="Free shipping code").input_value() == perk["code"]
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-perks", f"{LOYALTY} ul.perks")
    assert page_errors == []


async def new_woo_customer(demo: dict[str, Any]) -> str:
    """A shopper signs up on the WooCommerce simulator; its customer.created webhook reaches the
    demo, signed; returns a storefront token for that new account."""
    site = demo["woocommerce_site"]
    email = f"friend-{uuid.uuid4().hex[:8]}@example.net"
    billing = {"address_1": "7 Rue des Lilas", "city": "Lyon", "postcode": "69003", "country": "FR"}
    async with httpx.AsyncClient(timeout=30, verify=False) as client:
        made = await client.post(
            f"{site['url']}/_sim/changes",
            json={"op": "add_customer", "email": email, "first_name": "Robin", "last_name": "Amie", "billing": billing},
        )
        assert made.status_code == 200, made.text
        customer_id = made.json()["results"][0]["ids"][0]
        fetched = await client.get(
            f"{site['url']}/wp-json/wc/v3/customers/{customer_id}", auth=(site["consumer_key"], site["consumer_secret"])
        )
        assert fetched.status_code == 200, fetched.text
        body = fetched.content
        hook = demo["woocommerce_webhooks"]
        delivered = await client.post(
            hook["url"],
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-WC-Webhook-Topic": "customer.created",
                "X-WC-Webhook-Resource": "customer",
                "X-WC-Webhook-Event": "created",
                "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
                "X-WC-Webhook-Signature": woo_webhooks.sign(hook["secret"], body),
            },
        )
        assert delivered.status_code == 200, delivered.text
    store = f"gid://rapport/Store/{demo['stores']['woocommerce']['id']}"
    deadline = time.monotonic() + SETTLE_SECONDS
    while not (found := (await admin(demo, CUSTOMERS, {"store": store, "search": email}))["customers"]["nodes"]):
        assert time.monotonic() < deadline, "the new WooCommerce customer never reached the demo"
        await asyncio.sleep(0.3)
    minted = (await admin(demo, TOKEN, {"id": found[0]["id"]}))["shopperTokenCreate"]
    assert minted["token"], minted["userErrors"]
    return minted["token"]


@pytest_asyncio.fixture
async def welcome_code(demo: dict[str, Any]) -> AsyncIterator[None]:
    """Referred friends get a $10 welcome code: the program's own terms when it gives one, else a
    version published for the test and the former terms published back after it."""
    terms = (await admin(demo, TERMS))["program"]["latest"]["rules"]
    if terms["referralFriendReward"] != "NONE":
        yield
        return
    await publish(demo, {"referralFriendReward": "FIXED_AMOUNT", "referralFriendValue": "10"})
    try:
        yield
    finally:
        await publish(demo, {k: terms[k] for k in ("referralFriendReward", "referralFriendValue")})


async def publish(demo: dict[str, Any], rules: dict[str, Any]) -> None:
    published = (await admin(demo, PUBLISH, {"rules": rules}))["programPublish"]
    assert published["version"], published["userErrors"]


async def test_a_referral_link_is_kept_in_a_cookie_and_claimed_when_the_friend_signs_in_on_the_other_store(
    demo, welcome_code, page, page_errors, axe, screenshot
):
    code = (await storefront(demo, REFERRAL, demo["shopper"]["token"]))["me"]["loyalty"]["referral"]["code"]
    visits: list[dict] = []
    claims: list[dict] = []
    page.on(
        "request",
        lambda r: (
            (visits if "RapportReferralVisit" in (r.post_data or "") else claims).append(
                json.loads(r.post_data)["variables"]["input"]
            )
            if "Referral" in (r.post_data or "")
            else None
        ),
    )

    await page.goto(page_url(demo, ref=code.lower()))
    await shown(page, "guest")
    offer = page.locator(f"{LOYALTY} .offer")
    await offer.wait_for()
    text = await offer.inner_text()
    assert text.startswith("Your friend gave you ") and text.endswith(
        "sign in or create an account to get your code."
    ), text
    cookies = {c["name"]: c for c in await page.context.cookies()}
    kept = cookies["rapport_ref"]
    assert kept["value"] == code.upper() and kept["path"] == "/" and kept["sameSite"] == "Lax"
    assert 29 * 86400 < kept["expires"] - time.time() <= 30 * 86400
    visitor = cookies["rapport_vid"]["value"]
    assert len(visitor) >= 22 and cookies["rapport_vid"]["sameSite"] == "Lax"
    assert visits == [{"code": code.upper(), "visitorId": visitor}]
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-friend-offer", f"{LOYALTY} .card")
    await page.goto(page_url(demo))  # browsing on: the cookie stays, the visit is not counted again
    await shown(page, "guest")
    await offer.wait_for()
    assert len(visits) == 1 and claims == []

    token = await new_woo_customer(demo)
    await page.goto(page_url(demo, "woocommerce", token=token))
    await shown(page, "member")
    card = page.locator(f"{LOYALTY} .friend-code")
    await card.wait_for()
    shown_code = await card.locator("input[name=friend-code]").input_value()
    friend = (await storefront(demo, REFERRAL, token, "woocommerce"))["me"]["loyalty"]["referral"]["friendCode"]
    assert friend and friend["code"] == shown_code
    assert (await card.inner_text()).startswith("Your welcome code: ")
    assert f"Valid on {friend['storeName']}" in await card.locator(".details").inner_text()
    assert claims == [{"code": code.upper()}]
    assert "rapport_ref" not in {c["name"] for c in await page.context.cookies()}
    assert await axe(page, LOYALTY) == []
    await screenshot(page, "widget-friend-code", f"{LOYALTY} .card")

    await page.reload()  # claimed once: the code is the shopper's own now, no second claim
    await shown(page, "member")
    await card.wait_for()
    assert await card.locator("input[name=friend-code]").input_value() == shown_code
    assert len(claims) == 1
    assert page_errors == []

"""The referral loop end to end over HTTP: an advocate on Shopify shares their link, a friend's
first visit is counted on the WooCommerce store, the friend signs up there (the simulator's
customer.created webhook reaches Rapport), claims the code, gets a welcome code made on the
WooCommerce simulator for their e-mail only, orders with it (order webhook), and the advocate
is paid once that order is past its return window. A second e-mail at the advocate's address
waits for review; a friend whose order is refunded pays nothing. Then the report's figures
against counts made here, and the storefront's hostile callers."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio
import uvicorn
from tortoise import Tortoise
from tortoise.functions import Sum

from app.db import tortoise_config
from app.jobs.local_queue import LocalQueue
from app.web import create_app
from loyalty.members import enroll
from loyalty.models import (
    Entry,
    EntryKind,
    FriendCodeStatus,
    Member,
    Referral,
    ReferralSource,
    ReferralStatus,
    ReferralVisit,
)
from loyalty.program import load_program, publish
from loyalty.referrals import VISITS_PER_NETWORK
from loyalty.release import release_due
from loyalty.rules import FriendReward
from sandbox.woocommerce import WooState, serve_simulator
from schema.core.ids import to_gid
from store.models import Customer, InstallState, Job, JobStatus, Order, Profile
from tests.schema.conftest import World, admin, data, make_settings, storefront
from tests.support.servers import free_port

pytestmark = pytest.mark.db

ACCOUNT = "{ me { loyalty { referral { code link friendCode { code kind value { amount } storeName } } } } }"
VISIT = """mutation($input: ReferralVisitInput!) { referralVisit(input: $input) {
  valid offer { friendReward friendValue { amount currencyCode } friendPercent friendPoints minimumSubtotal { amount } }
  userErrors { field message code } } }"""
CLAIM = """mutation($input: ReferralClaimInput!) { referralClaim(input: $input) {
  status friendCode { code kind value { amount currencyCode } percentOff expiresAt storeName storeUrl }
  userErrors { field message code } } }"""
REPORT = """query($from: DateTime, $to: DateTime) { referralReport(from: $from, to: $to) {
  clicks signups orders revenue { amount currencyCode } friendCodesIssued friendCodesUsed pointsPaid
  completed waiting inReview refused refusedByReason { reason count }
  topReferrers(first: 3) { signups orders completed member { id } } } }"""
FRIEND_VALUE = Decimal("10")


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[WooState, str]]:
    """The sandbox's WooCommerce site, as the world's store holds it (its data set is built once per run,
    for the world too): new accounts and orders get ids the world's store has not seen."""
    state = WooState.from_dataset("sample", 7)
    with serve_simulator(state, tls=True) as url:
        yield state, url


@dataclass
class Loop:
    url: str
    http: httpx.AsyncClient
    world: World
    woo: WooState
    site: str
    settings: object


async def settle(settings, limit: float = 60) -> None:
    """Run queued jobs (webhooks, then the orders they changed) until none is left."""
    await asyncio.wait_for(LocalQueue(settings, concurrency=4, poll=0.02).work(burst=True), timeout=limit)
    assert not await Job.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists()
    assert not await Job.filter(status=JobStatus.FAILED).values_list("function", "last_error")


@pytest_asyncio.fixture
async def loop(database_url, world: World, site) -> AsyncIterator[Loop]:
    """Rapport on a real port (the simulator's webhooks reach it), the world's WooCommerce store
    keyed for the simulator with webhooks for customers and orders, and a friend's welcome code
    of $10 in the program."""
    state, site_url = site
    key = state.create_api_key("read_write")
    woo = world.woo
    woo.domain, woo.consumer_key, woo.consumer_secret = site_url, key.consumer_key, key.consumer_secret
    woo.webhook_secret, woo.install_state = secrets.token_urlsafe(16), InstallState.INSTALLED
    await woo.save()
    program = await load_program(world.merchant.id)
    rules = replace(
        program.rules_now(datetime.now(UTC)),
        referral_friend_reward=FriendReward.FIXED_AMOUNT,
        referral_friend_value=FRIEND_VALUE,
        referral_friend_code_days=30,
    )
    await publish(world.merchant.id, rules, datetime.now(UTC) - timedelta(seconds=1), actor="test")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(
        database_url,
        public_base_url=url,
        woocommerce_verify_tls=False,
        allow_site_networks=["127.0.0.0/8"],
        job_backoff_seconds=0.2,
    )
    app = create_app(settings, run_jobs=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "rapport did not start"
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(verify=False, timeout=30) as sim:
            for topic in ("customer.created", "order.created", "order.updated"):
                made = await sim.post(
                    f"{site_url}/wp-json/wc/v3/webhooks",
                    auth=(key.consumer_key, key.consumer_secret),
                    json={
                        "name": topic,
                        "topic": topic,
                        "delivery_url": f"{url}/webhooks/woocommerce/{woo.id}",
                        "secret": woo.webhook_secret,
                        "status": "active",
                    },
                )
                assert made.status_code == 201, made.text
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield Loop(url, http, world, state, site_url, settings)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=20)
        await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def sim_change(loop: Loop, **op) -> list[int]:
    """One ``/_sim/changes`` operation over HTTP, then its webhooks delivered and processed."""
    async with httpx.AsyncClient(verify=False, timeout=30) as sim:
        answer = await sim.post(f"{loop.site}/_sim/changes", json=op)
        assert answer.status_code == 200, answer.text
        delivered = await sim.post(f"{loop.site}/_sim/webhooks/deliver", json={})
        assert delivered.status_code == 200
    await settle(loop.settings)
    return answer.json()["results"][0]["ids"]


async def token_for(loop: Loop, customer: Customer) -> dict[str, str]:
    made = data(
        await admin(
            loop.http,
            "mutation($id: ID!) { shopperTokenCreate(input: {customerId: $id}) { token } }",
            {"id": to_gid("Customer", customer.id)},
        )
    )
    return {"X-Rapport-Shopper-Token": made["shopperTokenCreate"]["token"]}


async def sign_up(loop: Loop, email: str, first: str, last: str, billing: dict[str, str]) -> Customer:
    """The shopper signs up on the WooCommerce site; Rapport learns it from customer.created."""
    [sim_id] = await sim_change(loop, op="add_customer", email=email, first_name=first, last_name=last, billing=billing)
    return await Customer.get(store_id=loop.world.woo.id, platform_id=str(sim_id))


async def claim(loop: Loop, code: str, headers: dict[str, str] | None) -> dict:
    return data(await storefront(loop.http, loop.world.woo, CLAIM, {"input": {"code": code}}, headers=headers))[
        "referralClaim"
    ]


async def visit(loop: Loop, code: str, visitor: str, store=None) -> dict:
    variables = {"input": {"code": code, "visitorId": visitor}}
    return data(await storefront(loop.http, store or loop.world.woo, VISIT, variables))["referralVisit"]


def visitor() -> str:
    return uuid.uuid4().hex[:22]


async def referrer_points(profile_id: int) -> int:
    rows = (
        await Entry.filter(profile_id=profile_id, kind=EntryKind.REFERRAL, cause="referrer")
        .annotate(total=Sum("available"))
        .group_by("profile_id")
        .values_list("total", flat=True)
    )
    return int(rows[0] or 0) if rows else 0


async def test_a_friend_referred_from_shopify_orders_on_woocommerce_with_their_code_and_the_advocate_is_paid(loop):
    world, started = loop.world, datetime.now(UTC)
    advocate_headers = await token_for(loop, world.shopper)
    account = data(await storefront(loop.http, world.shopify, ACCOUNT, headers=advocate_headers))
    link = account["me"]["loyalty"]["referral"]["link"]
    code = parse_qs(urlsplit(link).query)["ref"][0]
    assert code == account["me"]["loyalty"]["referral"]["code"]
    advocate = await Member.get(merchant_id=world.merchant.id, referral_code=code)

    # the friend's first visit, with the link's ref, on the other platform's store; counted once
    friend_visitor = visitor()
    seen = await visit(loop, code.lower(), friend_visitor)
    assert seen["valid"] is True and seen["userErrors"] == []
    assert seen["offer"] == {
        "friendReward": "FIXED_AMOUNT",
        "friendValue": {"amount": "10.00", "currencyCode": world.woo.currency},
        "friendPercent": None,
        "friendPoints": 250,
        "minimumSubtotal": None,
    }
    assert (await visit(loop, code, friend_visitor))["valid"] is True
    assert await ReferralVisit.filter(referrer_id=advocate.profile_id).count() == 1

    # signs up on WooCommerce (webhook), claims: a code made on the simulator for their e-mail only
    friend = await sign_up(
        loop, "ada.friend@example.org", "Ada", "Friend", {"address_1": "12 Elm Row", "postcode": "10001"}
    )
    headers = await token_for(loop, friend)
    claimed = await claim(loop, code, headers)
    assert claimed["userErrors"] == [] and claimed["status"] == "PENDING"
    welcome = claimed["friendCode"]
    assert welcome["kind"] == "FIXED_AMOUNT" and welcome["value"]["amount"] == "10.00"
    assert welcome["storeUrl"] == loop.site and welcome["code"].startswith("RF-")
    assert await claim(loop, code, headers) == claimed  # twice: the same code, made once
    referral = await Referral.get(merchant_id=world.merchant.id, friend_code=welcome["code"])
    assert (referral.source, referral.store_id, referral.referrer_id) == (
        ReferralSource.LINK,
        world.woo.id,
        advocate.profile_id,
    )
    coupons = [c for c in loop.woo.coupons.values() if c.code == welcome["code"].lower()]
    assert len(coupons) == 1
    assert coupons[0].email_restrictions == ["ada.friend@example.org"] and coupons[0].usage_limit == 1
    assert coupons[0].amount == FRIEND_VALUE
    mine = data(await storefront(loop.http, world.woo, ACCOUNT, headers=headers))
    assert mine["me"]["loyalty"]["referral"]["friendCode"]["code"] == welcome["code"]

    # nobody else may use it: the simulator refuses another customer's order with it
    async with httpx.AsyncClient(verify=False) as sim:
        other = await sign_up(
            loop, "someone.else@example.org", "Sam", "Else", {"address_1": "1 Far Rd", "postcode": "94110"}
        )
        refused = await sim.post(
            f"{loop.site}/_sim/changes",
            json={"op": "add_orders", "n": 1, "customer_id": int(other.platform_id), "coupon": welcome["code"]},
        )
        assert refused.status_code == 400

    # the friend orders with it: the referral qualifies, the code is used
    [order_sim_id] = await sim_change(
        loop, op="add_orders", n=1, customer_id=int(friend.platform_id), coupon=welcome["code"]
    )
    order = await Order.get(store_id=world.woo.id, platform_id=str(order_sim_id))
    assert [c.upper() for c in order.discount_codes] == [welcome["code"]]
    referral = await Referral.get(id=referral.id)
    assert referral.status == ReferralStatus.QUALIFIED and referral.order_id == order.id
    assert referral.friend_code_status == FriendCodeStatus.USED
    assert await referrer_points(advocate.profile_id) == 0

    # a second e-mail at the advocate's own address waits for the owner
    home = world.shopper.address or {}
    assert home.get("address1"), "the advocate has an address"
    twin = await sign_up(
        loop,
        "second.me@example.org",
        "Pat",
        "Other",
        {"address_1": home["address1"], "postcode": str(home.get("zip", ""))},
    )
    held = await claim(loop, code, await token_for(loop, twin))
    assert held["status"] == "REVIEW" and held["friendCode"] is None and held["userErrors"] == []
    assert not [c for c in loop.woo.coupons.values() if c.email_restrictions == ["second.me@example.org"]]

    # a friend whose order is refunded before its window ends pays the advocate nothing
    refunder = await sign_up(
        loop, "ray.refund@example.org", "Ray", "Refund", {"address_1": "9 Dock Lane", "postcode": "60601"}
    )
    refunder_code = (await claim(loop, code, await token_for(loop, refunder)))["friendCode"]["code"]
    [refunded_sim_id] = await sim_change(
        loop, op="add_orders", n=1, customer_id=int(refunder.platform_id), coupon=refunder_code
    )
    await sim_change(loop, op="refund_orders", ids=[refunded_sim_id], partial=False)
    refunded = await Order.get(store_id=world.woo.id, platform_id=str(refunded_sim_id))
    assert refunded.total_refunded == refunded.total

    # past the return window: the advocate is paid for the first friend only
    await release_due(datetime.now(UTC) + timedelta(days=31), merchant_id=world.merchant.id)
    paid = await Referral.get(id=referral.id)
    assert paid.status == ReferralStatus.COMPLETED
    lost = await Referral.get(merchant_id=world.merchant.id, friend_code=refunder_code)
    assert lost.status == ReferralStatus.REJECTED and "refunded" in lost.reason
    assert await referrer_points(advocate.profile_id) == 500

    # the report equals what happened here, counted from the simulator and the ledger
    report = data(await admin(loop.http, REPORT, {"from": started.isoformat(), "to": None}))["referralReport"]
    friend_points = await Entry.filter(
        merchant_id=world.merchant.id, kind=EntryKind.REFERRAL, occurred_at__gte=started
    ).values_list("available", flat=True)
    refunds = sum(r.amount for r in loop.woo.refunds.values() if r.order_id == refunded_sim_id)
    assert refunds == loop.woo.orders[refunded_sim_id].total
    net = loop.woo.orders[order_sim_id].total + loop.woo.orders[refunded_sim_id].total - refunds
    assert report == {
        "clicks": 1,
        "signups": 3,
        "orders": 2,
        "revenue": [{"amount": str(Decimal(net).quantize(Decimal("0.01"))), "currencyCode": world.woo.currency}],
        "friendCodesIssued": 2,
        "friendCodesUsed": 2,
        "pointsPaid": sum(friend_points),
        "completed": 1,
        "waiting": 0,
        "inReview": 1,
        "refused": 1,
        "refusedByReason": [{"reason": lost.reason, "count": 1}],
        "topReferrers": [
            {"signups": 2, "orders": 1, "completed": 1, "member": {"id": to_gid("LoyaltyMember", advocate.id)}}
        ],
    }
    assert sum(friend_points) == 250 + 250 + 500
    later = data(await admin(loop.http, REPORT, {"from": (started + timedelta(days=400)).isoformat()}))
    assert later["referralReport"]["signups"] == 0 and later["referralReport"]["clicks"] == 0

    # the owner approves the held one: its welcome code is made then, for that e-mail only
    held_row = await Referral.get(merchant_id=world.merchant.id, status=ReferralStatus.REVIEW)
    decided = data(
        await admin(
            loop.http,
            "mutation($input: ReferralDecideInput!) { referralDecide(input: $input) { referral { status } userErrors { message } } }",
            {"input": {"referralId": to_gid("Referral", held_row.id), "approve": True}},
        )
    )["referralDecide"]
    assert decided == {"referral": {"status": "PENDING"}, "userErrors": []}
    approved = await Referral.get(id=held_row.id)
    assert approved.friend_code_status == FriendCodeStatus.ISSUED
    made = [c for c in loop.woo.coupons.values() if c.code == approved.friend_code.lower()]
    assert len(made) == 1 and made[0].email_restrictions == ["second.me@example.org"]


# -- hostile callers -----------------------------------------------------------------------------


async def _call(client, store, query, variables, headers=None) -> dict:
    return data(await storefront(client, store, query, variables, headers=headers))


async def _token(client, customer: Customer) -> dict[str, str]:
    made = data(
        await admin(
            client,
            "mutation($id: ID!) { shopperTokenCreate(input: {customerId: $id}) { token } }",
            {"id": to_gid("Customer", customer.id)},
        )
    )
    return {"X-Rapport-Shopper-Token": made["shopperTokenCreate"]["token"]}


async def test_claims_and_visits_refuse_anonymous_own_foreign_malformed_repeated_and_flooding_callers(client, world):
    advocate = await Member.get(profile_id=world.shopper.profile_id)
    code = advocate.referral_code

    def claimed(code_: str) -> dict:
        return {"input": {"code": code_}}

    # anonymous: no claim
    anon = (await _call(client, world.woo, CLAIM, claimed(code)))["referralClaim"]
    assert anon["status"] is None and anon["userErrors"][0]["code"] == "NOT_SIGNED_IN"
    # a forged token is no shopper either
    forged = await storefront(client, world.woo, CLAIM, claimed(code), headers={"X-Rapport-Shopper-Token": "x.y.z"})
    assert forged.status_code in (200, 401) and "referralClaim" not in (forged.json().get("data") or {})

    # the advocate's own code
    own = (await _call(client, world.shopify, CLAIM, claimed(code), await _token(client, world.shopper)))[
        "referralClaim"
    ]
    assert own["userErrors"][0]["code"] == "SELF_REFERRAL" and own["friendCode"] is None
    assert not await Referral.filter(friend_id=advocate.profile_id).exists()

    # a friend who had already ordered is refused as a customer, and stays refused
    repeat = await _token(client, world.other_shopper)
    first = (await _call(client, world.shopify, CLAIM, claimed(code), repeat))["referralClaim"]
    assert first["status"] == "REJECTED" and first["userErrors"][0]["code"] == "ALREADY_CUSTOMER"
    assert (await _call(client, world.shopify, CLAIM, claimed(code), repeat))["referralClaim"] == first
    assert await Referral.filter(merchant_id=world.merchant.id).count() == 1

    # a new shopper: malformed, oversized and unknown codes are all just unknown
    newcomer = await Customer.create(
        merchant_id=world.merchant.id,
        store_id=world.shopify.id,
        platform_id="new-1",
        email="newcomer@example.org",
        first_name="New",
        last_name="Comer",
        platform_created_at=datetime.now(UTC),
        platform_updated_at=datetime.now(UTC),
        content_hash="x",
    )
    headers = await _token(client, newcomer)
    for bad in ("ab$%", "A" * 5000, "NOSUCHCODE1", ""):
        refused = (await _call(client, world.shopify, CLAIM, claimed(bad), headers))["referralClaim"]
        assert refused["userErrors"][0]["code"] == "UNKNOWN_CODE" and refused["userErrors"][0]["field"] == [
            "input",
            "code",
        ]
    # another merchant's member's code is unknown here, told no differently from a made-up one
    foreign = await enroll((await Profile.create(merchant_id=world.other_merchant.id)).id)
    there = (await _call(client, world.shopify, CLAIM, claimed(foreign.referral_code), headers))["referralClaim"]
    assert there["userErrors"][0]["code"] == "UNKNOWN_CODE"
    seen = await _call(client, world.woo, VISIT, {"input": {"code": foreign.referral_code, "visitorId": visitor()}})
    assert seen["referralVisit"] == {
        "valid": False,
        "offer": None,
        "userErrors": [
            {"field": ["input", "code"], "message": "this referral link is not valid here", "code": "UNKNOWN_CODE"}
        ],
    }

    # the newcomer claims, twice: one referral, the same answer
    ok = (await _call(client, world.shopify, CLAIM, claimed(code.lower()), headers))["referralClaim"]
    assert ok["status"] == "PENDING" and ok["userErrors"] == []
    assert (await _call(client, world.shopify, CLAIM, claimed(code), headers))["referralClaim"] == ok
    # and cannot then be referred by someone else
    newcomer_key = (
        await Referral.get(merchant_id=world.merchant.id, referrer_id=advocate.profile_id, status="pending")
    ).friend_id
    other_member = (
        await Member.filter(merchant_id=world.merchant.id)
        .exclude(profile_id__in=[advocate.profile_id, newcomer_key, world.other_shopper.profile_id])
        .first()
    )
    assert other_member is not None
    again = (await _call(client, world.shopify, CLAIM, claimed(other_member.referral_code), headers))["referralClaim"]
    assert again["userErrors"][0]["code"] == "ALREADY_REFERRED"
    assert await Referral.filter(merchant_id=world.merchant.id).count() == 2

    # visits: malformed visitor ids, and a flood from one network is cut off
    bad_visitor = (await _call(client, world.woo, VISIT, {"input": {"code": code, "visitorId": "short"}}))[
        "referralVisit"
    ]
    assert bad_visitor["valid"] is False and bad_visitor["userErrors"][0]["field"] == ["input", "visitorId"]
    huge = (await _call(client, world.woo, VISIT, {"input": {"code": code, "visitorId": "v" * 10_000}}))[
        "referralVisit"
    ]
    assert huge["valid"] is False
    answers = [
        (await _call(client, world.woo, VISIT, {"input": {"code": code, "visitorId": visitor()}}))["referralVisit"]
        for _ in range(VISITS_PER_NETWORK + 2)
    ]
    assert all(a["valid"] for a in answers[:VISITS_PER_NETWORK])
    assert [a["userErrors"][0]["code"] for a in answers[VISITS_PER_NETWORK:]] == ["RATE_LIMITED"] * 2
    assert await ReferralVisit.filter(merchant_id=world.merchant.id).count() == VISITS_PER_NETWORK


PUBLISH = """mutation($input: ProgramPublishInput!) { programPublish(input: $input) {
  version { rules { referralFriendReward referralFriendValue referralFriendMinimum referralFriendCodeDays } }
  userErrors { field message code } } }"""


async def test_the_owner_sets_the_friends_welcome_code_in_the_program_and_a_percentage_over_100_is_refused(
    client, world
):
    later = datetime.now(UTC) + timedelta(minutes=1)

    async def publish_rules(rules: dict) -> dict:
        variables = {"input": {"rules": rules, "effectiveFrom": later.isoformat()}}
        return data(await admin(client, PUBLISH, variables))["programPublish"]

    refused = await publish_rules({"referralFriendReward": "PERCENTAGE", "referralFriendValue": "150"})
    assert refused["version"] is None
    assert refused["userErrors"][0]["field"] == ["input", "rules", "referralFriendValue"]
    bad_days = await publish_rules({"referralFriendCodeDays": 0})
    assert bad_days["userErrors"][0]["field"] == ["input", "rules", "referralFriendCodeDays"]
    made = await publish_rules(
        {
            "referralFriendReward": "PERCENTAGE",
            "referralFriendValue": "15",
            "referralFriendMinimum": "40",
            "referralFriendCodeDays": 14,
        }
    )
    assert made["userErrors"] == []
    assert made["version"]["rules"] == {
        "referralFriendReward": "PERCENTAGE",
        "referralFriendValue": "15",
        "referralFriendMinimum": "40",
        "referralFriendCodeDays": 14,
    }
    rules = (await load_program(world.merchant.id)).at(later + timedelta(seconds=1)).rules
    assert (rules.referral_friend_reward, rules.referral_friend_value) == (FriendReward.PERCENTAGE, Decimal("15"))

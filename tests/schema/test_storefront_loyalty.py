"""Loyalty on the storefront API over HTTP: the program for anyone, a shopper's own account, redeeming
a reward for a real discount code on the Shopify simulator, and consented actions."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from app.sample_program import sample_rewards, sample_rules
from campaigns.birthdays import next_gift_date
from campaigns.models import Birthday
from loyalty.actions import adjust
from loyalty.ledger import Book
from loyalty.models import (
    Entry,
    EntryKind,
    Member,
    OrderAccount,
    Redemption,
    RedemptionStatus,
    Referral,
    ReferralStatus,
    Reward,
    RewardKind,
)
from loyalty.ownership import owners_of_customers
from loyalty.program import publish
from loyalty.referrals import pay_referrer
from loyalty.rules import ActionRule
from loyalty.tiers import tier_metrics
from sandbox.woocommerce import WooState, serve_simulator
from schema.core.ids import to_gid
from store.models import Customer, Order
from store.timezones import local_date
from tests.schema.conftest import World, admin, app_client, cross_store_profile, data, storefront

pytestmark = pytest.mark.db

PROGRAM = """{ program { currencyCode earningRules { key points description }
  tiers { name threshold metric multiplier entryPoints freeShipping }
  rewards(first: 10) { nodes { id name kind pointsCost value { amount currencyCode } percentOff minPoints maxPoints
    cashPerPoint active } pageInfo { hasNextPage } }
  referral { enabled friendPoints referrerPoints } } }"""
ACCOUNT = """{ me { loyalty { balance { available pending lifetime } tier { name threshold } nextTier { name threshold }
  tierProgress { metric current nextThreshold remaining fraction }
  ledger(first: 10) { nodes { id kind points pending description reason occurredAt } }
  codes(first: 5) { nodes { id code status points value { amount currencyCode } reward { name } } }
  referral { code link invited completed pending pointsEarned } } } }"""
REDEEM = """mutation($input: RewardRedeemInput!) { rewardRedeem(input: $input) {
  code { id code status points value { amount currencyCode } reward { id name } }
  balance { available pending lifetime } userErrors { field message code } } }"""
ACTION = """mutation($input: ActionRecordInput!) { actionRecord(input: $input) {
  status points balance { available } userErrors { field message code } } }"""
ACTION_GIFT = """mutation($input: ActionRecordInput!) { actionRecord(input: $input) {
  status points balance { available } giftOn userErrors { field message code } } }"""


async def signed_in(client: httpx.AsyncClient, customer: Customer) -> dict[str, str]:
    """Headers of a shopper token for ``customer``, minted as the store's backend mints it."""
    made = data(
        await admin(
            client,
            """mutation($id: ID!) { shopperTokenCreate(input: {customerId: $id}) { token } }""",
            {"id": to_gid("Customer", customer.id)},
        )
    )
    return {"X-Rapport-Shopper-Token": made["shopperTokenCreate"]["token"]}


async def member_of(customer: Customer) -> Member:
    return await Member.get(profile_id=(await Customer.get(id=customer.id)).profile_id)


def cost(reward: Reward) -> int:
    return reward.min_points if reward.kind == RewardKind.POINTS_TO_CASH else reward.points_cost


async def test_anyone_reads_the_program_the_merchant_published_with_rewards_cheapest_first(client, world):
    program = data(await storefront(client, world.shopify, PROGRAM))["program"]
    rules = sample_rules()
    assert program["currencyCode"] == "USD"
    assert [(r["key"], r["points"]) for r in program["earningRules"]] == [
        ("purchase", 1),
        *((name, rule.points) for name, rule in rules.actions.items()),
        ("referral", rules.referral_referrer_points),
    ]
    assert program["earningRules"][0]["description"] == "Earn 1 point for every 1 USD spent"
    assert program["tiers"] == [
        {
            "name": t.name,
            "threshold": str(t.threshold),
            "metric": "SPEND",
            "multiplier": str(t.multiplier),
            "entryPoints": t.entry_points,
            "freeShipping": t.free_shipping,
        }
        for t in rules.tiers
    ]
    assert program["referral"] == {"enabled": True, "friendPoints": 250, "referrerPoints": 500}
    stored = {r.name: r for r in await Reward.filter(merchant_id=world.merchant.id)}
    expected = sorted(sample_rewards(world.merchant.id), key=lambda r: (cost(r), stored[r.name].id))
    rewards = program["rewards"]["nodes"]
    assert [r["name"] for r in rewards] == [r.name for r in expected]
    assert [r["pointsCost"] for r in rewards] == sorted(r["pointsCost"] for r in rewards)
    by_name = {r["name"]: r for r in rewards}
    assert by_name["$5 off"] | {"id": None} == {
        "id": None,
        "name": "$5 off",
        "kind": "FIXED_AMOUNT",
        "pointsCost": 500,
        "value": {"amount": "5.00", "currencyCode": "USD"},
        "percentOff": None,
        "minPoints": None,
        "maxPoints": None,
        "cashPerPoint": None,
        "active": True,
    }
    assert by_name["$5 off"]["id"] == to_gid("Reward", stored["$5 off"].id)
    assert by_name["10% off your order"]["percentOff"] == "10" and by_name["10% off your order"]["value"] is None
    cash = by_name["Points to cash"]
    assert (cash["kind"], cash["pointsCost"], cash["minPoints"], cash["maxPoints"]) == (
        "POINTS_TO_CASH",
        100,
        100,
        5000,
    )
    assert Decimal(cash["cashPerPoint"]) == Decimal("0.01") and cash["value"] == {
        "amount": "1.00",
        "currencyCode": "USD",
    }
    assert program["rewards"]["pageInfo"]["hasNextPage"] is False


async def test_a_shoppers_account_is_what_the_loyalty_tables_hold(client, world):
    headers = await signed_in(client, world.shopper)
    account = data(await storefront(client, world.shopify, ACCOUNT, headers=headers))["me"]["loyalty"]
    member = await member_of(world.shopper)
    sums = (
        await Entry.filter(profile_id=member.profile_id)
        .annotate(a=Sum("available"), p=Sum("pending"), life=Sum("lifetime"))
        .group_by("profile_id")
        .values("a", "p", "life")
    )[0]
    assert account["balance"] == {"available": member.available, "pending": member.pending, "lifetime": member.lifetime}
    assert (member.available, member.pending, member.lifetime) == (sums["a"], sums["p"], sums["life"])
    rules = sample_rules()
    assert account["tier"]["name"] == member.tier and member.tier is not None
    spend = sum(
        [
            Decimal(s)
            for s in await OrderAccount.filter(profile_id=member.profile_id, counted=True).values_list(
                "spend", flat=True
            )
        ],
        Decimal(0),
    )
    assert Decimal(account["tierProgress"]["current"]) == spend
    assert spend == (await tier_metrics([member.profile_id], rules, datetime.now(UTC)))[member.profile_id]
    rank = [t.name for t in rules.tiers].index(member.tier)
    if rank + 1 < len(rules.tiers):
        nxt, here = rules.tiers[rank + 1], rules.tiers[rank]
        assert account["nextTier"]["name"] == nxt.name
        assert Decimal(account["tierProgress"]["nextThreshold"]) == nxt.threshold
        assert Decimal(account["tierProgress"]["remaining"]) == max(Decimal(0), nxt.threshold - spend)
        assert account["tierProgress"]["fraction"] == pytest.approx(
            float((spend - here.threshold) / (nxt.threshold - here.threshold))
        )
    else:
        assert account["nextTier"] is None and account["tierProgress"]["fraction"] == 1.0
    entries = await Entry.filter(profile_id=member.profile_id).order_by("-occurred_at", "-id").limit(10)
    ledger = account["ledger"]["nodes"]
    assert [e["id"] for e in ledger] == [to_gid("LedgerEntry", e.id) for e in entries]
    names = dict(await Order.filter(id__in=[e.order_id for e in entries if e.order_id]).values_list("id", "name"))
    for shown, entry in zip(ledger, entries, strict=True):
        assert (shown["points"], shown["pending"]) == (entry.available, entry.pending)
        if entry.kind == EntryKind.EARN:
            assert shown["description"] == f"Order {names[entry.order_id]}"
        if entry.kind == EntryKind.PENDING:
            assert shown["description"] == f"Order {names[entry.order_id]} (pending)"
    assert any(e.order_id for e in entries) and all(e["description"] for e in ledger)
    referral = account["referral"]
    assert referral["code"] == member.referral_code
    assert referral["link"] == f"https://{world.shopify.domain}/?ref={member.referral_code}"
    assert (referral["invited"], referral["completed"], referral["pending"], referral["pointsEarned"]) == (0, 0, 0, 0)
    assert account["codes"]["nodes"] == []


async def test_affordable_rewards_are_those_the_available_points_cover(client, world):
    headers = await signed_in(client, world.shopper)
    await adjust(
        world.shopper.profile_id,
        900 - (await member_of(world.shopper)).available,
        reason="exactly 900",
        actor="test",
        key="to-900",
        allow_debt=True,
    )
    query = (
        "{ me { loyalty { balance { available } all: rewards(first: 10) { nodes { name pointsCost } } "
        "mine: rewards(first: 10, affordable: true) { nodes { name pointsCost } } } } }"
    )
    account = data(await storefront(client, world.shopify, query, headers=headers))["me"]["loyalty"]
    assert account["balance"]["available"] == 900
    active = await Reward.filter(merchant_id=world.merchant.id, active=True)
    assert sorted(r["name"] for r in account["all"]["nodes"]) == sorted(r.name for r in active)
    assert sorted(r["name"] for r in account["mine"]["nodes"]) == sorted(r.name for r in active if cost(r) <= 900)
    assert {r["name"] for r in account["mine"]["nodes"]} == {
        "Points to cash",
        "Free shipping",
        "$5 off",
        "10% off your order",
    }


async def test_referral_stats_count_the_shoppers_referrals_by_status_and_the_points_they_paid(client, world):
    member = await member_of(world.shopper)
    friends = [
        pid
        for pid in await Customer.filter(store_id=world.woo.id, profile_id__not_isnull=True)
        .order_by("id")
        .limit(4)
        .values_list("profile_id", flat=True)
    ]
    now = datetime.now(UTC)
    made = [
        await Referral.create(
            merchant_id=world.merchant.id,
            referrer_id=member.profile_id,
            friend_id=friend,
            status=status,
            created_at=now,
        )
        for friend, status in zip(
            friends,
            (ReferralStatus.QUALIFIED, ReferralStatus.PENDING, ReferralStatus.REVIEW, ReferralStatus.REJECTED),
            strict=True,
        )
    ]
    async with in_transaction() as conn:
        book = await Book.open(conn, world.merchant.id, [member.profile_id], now)
        pay_referrer(book, made[0], sample_rules(), now, referrer=member.profile_id)
        await book.flush()
        await made[0].save(using_db=conn)
    headers = await signed_in(client, world.shopper)
    account = data(await storefront(client, world.shopify, ACCOUNT, headers=headers))["me"]["loyalty"]
    assert {k: account["referral"][k] for k in ("invited", "completed", "pending", "pointsEarned")} == {
        "invited": 4,
        "completed": 1,
        "pending": 2,
        "pointsEarned": 500,
    }
    assert account["ledger"]["nodes"][0]["description"] == "Referred a friend"
    assert account["balance"]["available"] == member.available + 500


async def test_a_shopper_whose_profile_is_not_a_member_yet_is_enrolled_on_first_sight(client, world):
    await Member.filter(profile_id=world.shopper.profile_id).delete()
    await Entry.filter(profile_id=world.shopper.profile_id).delete()
    headers = await signed_in(client, world.shopper)
    account = data(await storefront(client, world.shopify, ACCOUNT, headers=headers))["me"]["loyalty"]
    member = await Member.get(profile_id=world.shopper.profile_id)
    assert account["balance"] == {"available": 0, "pending": 0, "lifetime": 0}
    assert account["referral"]["code"] == member.referral_code and account["ledger"]["nodes"] == []
    again = data(await storefront(client, world.shopify, ACCOUNT, headers=headers))["me"]["loyalty"]
    assert again["referral"]["code"] == member.referral_code
    assert await Member.filter(profile_id=world.shopper.profile_id).count() == 1


async def test_an_anonymous_caller_has_no_account_and_cannot_redeem_or_record(client, world):
    assert data(await storefront(client, world.shopify, "{ me { loyalty { balance { available } } } }")) == {"me": None}
    reward = await Reward.get(merchant_id=world.merchant.id, name="$5 off")
    redeemed = data(
        await storefront(client, world.shopify, REDEEM, {"input": {"rewardId": to_gid("Reward", reward.id)}})
    )
    assert (
        redeemed["rewardRedeem"]["userErrors"][0]["code"] == "NOT_SIGNED_IN"
        and redeemed["rewardRedeem"]["code"] is None
    )
    recorded = data(await storefront(client, world.shopify, ACTION, {"input": {"action": "birthday", "consent": True}}))
    assert recorded["actionRecord"]["userErrors"][0]["code"] == "NOT_SIGNED_IN"


# -- redeeming against the Shopify simulator ----------------------------------------------------


async def funded(world: World, points: int = 3000) -> Member:
    await adjust(world.shopper.profile_id, points, reason="test funds", actor="test", key="funds")
    return await member_of(world.shopper)


async def test_redeeming_creates_the_discount_code_on_shopify_and_lowers_the_balance(shopify_app, world, shop):
    before = await funded(world)
    reward = await Reward.get(merchant_id=world.merchant.id, name="$5 off")
    headers = await signed_in(shopify_app, world.shopper)
    found = data(
        await storefront(
            shopify_app,
            world.shopify,
            REDEEM,
            {"input": {"rewardId": to_gid("Reward", reward.id), "requestKey": "click-1"}},
            headers=headers,
        )
    )["rewardRedeem"]
    assert found["userErrors"] == []
    code = found["code"]
    assert code["status"] == "ISSUED" and code["points"] == 500
    assert code["value"] == {"amount": "5.00", "currencyCode": "USD"} and code["reward"]["name"] == "$5 off"
    assert found["balance"]["available"] == before.available - 500
    made = shop.discount_by_code(code["code"])
    assert made is not None and made.value == Decimal("5.00") and made.usage_limit == 1
    redemption = await Redemption.get(code=code["code"])
    assert code["id"] == to_gid("IssuedCode", redemption.id) and redemption.status == RedemptionStatus.ISSUED
    assert (await member_of(world.shopper)).available == before.available - 500

    again = data(
        await storefront(
            shopify_app,
            world.shopify,
            REDEEM,
            {"input": {"rewardId": to_gid("Reward", reward.id), "requestKey": "click-1"}},
            headers=headers,
        )
    )["rewardRedeem"]
    assert again["code"]["code"] == code["code"] and again["balance"]["available"] == before.available - 500
    assert await Entry.filter(profile_id=before.profile_id, kind=EntryKind.REDEEM).count() == 1
    assert len([d for d in shop.discounts.values() if d.code == code["code"]]) == 1

    account = data(await storefront(shopify_app, world.shopify, ACCOUNT, headers=headers))["me"]["loyalty"]
    assert [c["code"] for c in account["codes"]["nodes"]] == [code["code"]]
    assert account["ledger"]["nodes"][0]["description"] == "Redeemed $5 off"
    assert account["ledger"]["nodes"][0]["points"] == -500


async def test_a_points_to_cash_reward_takes_the_points_asked_for_within_its_range(shopify_app, world, shop):
    before = await funded(world)
    reward = await Reward.get(merchant_id=world.merchant.id, kind=RewardKind.POINTS_TO_CASH)
    headers = await signed_in(shopify_app, world.shopper)
    gid = to_gid("Reward", reward.id)
    wrong = data(
        await storefront(
            shopify_app, world.shopify, REDEEM, {"input": {"rewardId": gid, "points": 50}}, headers=headers
        )
    )["rewardRedeem"]
    assert wrong["userErrors"][0]["code"] == "INVALID" and wrong["userErrors"][0]["field"] == ["input", "points"]
    assert "between 100 and 5000" in wrong["userErrors"][0]["message"]
    ok = data(
        await storefront(
            shopify_app, world.shopify, REDEEM, {"input": {"rewardId": gid, "points": 700}}, headers=headers
        )
    )["rewardRedeem"]
    assert ok["userErrors"] == [] and ok["code"]["value"]["amount"] == "7.00"
    assert ok["balance"]["available"] == before.available - 700
    assert shop.discount_by_code(ok["code"]["code"]).value == Decimal("7.00")


async def test_too_few_points_and_another_merchants_reward_are_refused_without_a_debit(shopify_app, world, shop):
    member = await member_of(world.shopper)
    headers = await signed_in(shopify_app, world.shopper)
    dear = await Reward.create(
        merchant_id=world.merchant.id,
        name="Record player",
        kind=RewardKind.FIXED_AMOUNT,
        points_cost=member.available + 1,
        value=Decimal(300),
    )
    refused = data(
        await storefront(
            shopify_app, world.shopify, REDEEM, {"input": {"rewardId": to_gid("Reward", dear.id)}}, headers=headers
        )
    )["rewardRedeem"]
    assert refused["code"] is None and refused["userErrors"][0]["code"] == "INSUFFICIENT_POINTS"
    assert f"{member.available + 1} needed" in refused["userErrors"][0]["message"]
    assert refused["balance"]["available"] == member.available
    theirs = await Reward.create(
        merchant_id=world.other_merchant.id,
        name="Theirs",
        kind=RewardKind.FIXED_AMOUNT,
        points_cost=1,
        value=Decimal(1),
    )
    for rid in (to_gid("Reward", theirs.id), to_gid("Reward", 999_999), to_gid("Order", dear.id), "nonsense"):
        other = data(
            await storefront(shopify_app, world.shopify, REDEEM, {"input": {"rewardId": rid}}, headers=headers)
        )["rewardRedeem"]
        assert other["userErrors"] == [
            {
                "field": ["input", "rewardId"],
                "code": "NOT_FOUND",
                "message": f"no reward {rid!r} in this shop's program",
            }
        ]
    assert (await member_of(world.shopper)).available == member.available
    assert not await Redemption.filter(profile_id=member.profile_id).exists() and not shop.discounts.get(theirs.id)


async def test_when_shopify_refuses_the_code_the_points_come_back(shopify_app, world, shop):
    before = await funded(world)
    reward = await Reward.get(merchant_id=world.merchant.id, name="$10 off")
    headers = await signed_in(shopify_app, world.shopper)
    shop.tokens.revoke_all()
    failed = data(
        await storefront(
            shopify_app,
            world.shopify,
            REDEEM,
            {"input": {"rewardId": to_gid("Reward", reward.id), "requestKey": "k"}},
            headers=headers,
        )
    )["rewardRedeem"]
    assert failed["code"] is None and failed["userErrors"][0]["code"] == "ISSUE_FAILED"
    assert "points were returned" in failed["userErrors"][0]["message"]
    assert failed["balance"]["available"] == before.available
    assert (await member_of(world.shopper)).available == before.available
    redemption = await Redemption.get(profile_id=before.profile_id)
    assert redemption.status == RedemptionStatus.FAILED and not shop.discount_by_code(redemption.code)
    kinds = await Entry.filter(profile_id=before.profile_id).order_by("-id").limit(2).values_list("kind", flat=True)
    assert kinds == [EntryKind.REDEEM_REFUND, EntryKind.REDEEM]
    account = data(await storefront(shopify_app, world.shopify, ACCOUNT, headers=headers))["me"]["loyalty"]
    descriptions = [e["description"] for e in account["ledger"]["nodes"][:2]]
    assert "Points returned for $10 off: the code could not be issued" in descriptions
    assert account["codes"]["nodes"][0]["status"] == "FAILED"


async def test_ten_concurrent_redeem_clicks_with_one_request_key_get_one_code_and_one_debit(shopify_app, world, shop):
    before = await funded(world)
    reward = await Reward.get(merchant_id=world.merchant.id, name="$5 off")
    headers = await signed_in(shopify_app, world.shopper)
    click = {"input": {"rewardId": to_gid("Reward", reward.id), "requestKey": "double-click"}}
    answers = await asyncio.gather(
        *(storefront(shopify_app, world.shopify, REDEEM, click, headers=headers) for _ in range(10))
    )
    redeemed = [data(answer)["rewardRedeem"] for answer in answers]
    assert all(r["userErrors"] == [] for r in redeemed), redeemed
    codes = {r["code"]["code"] for r in redeemed}
    assert len(codes) == 1 and {r["code"]["status"] for r in redeemed} == {"ISSUED"}
    assert {r["balance"]["available"] for r in redeemed} == {before.available - 500}
    assert (await member_of(world.shopper)).available == before.available - 500
    assert await Entry.filter(profile_id=before.profile_id, kind=EntryKind.REDEEM).count() == 1
    assert await Redemption.filter(profile_id=before.profile_id).count() == 1
    [code] = codes
    assert len([d for d in shop.discounts.values() if d.code == code]) == 1


FREE_SHIPPING_BY_CODE = """query($code: String!) { codeDiscountNodeByCode(code: $code) { id codeDiscount {
  __typename ... on DiscountCodeFreeShipping { title endsAt usageLimit appliesOncePerCustomer
    context { ... on DiscountCustomers { customers { id } } } destinationSelection { __typename } } } } }"""


async def test_redeeming_free_shipping_makes_a_free_shipping_discount_for_the_shopper_on_shopify(
    shopify_app, world, shop, shop_url
):
    before = await funded(world)
    reward = await Reward.get(merchant_id=world.merchant.id, kind=RewardKind.FREE_SHIPPING)
    headers = await signed_in(shopify_app, world.shopper)
    redeemed = data(
        await storefront(
            shopify_app,
            world.shopify,
            REDEEM,
            {"input": {"rewardId": to_gid("Reward", reward.id), "requestKey": "ship-1"}},
            headers=headers,
        )
    )["rewardRedeem"]
    assert redeemed["userErrors"] == [] and redeemed["code"]["status"] == "ISSUED"
    assert redeemed["code"]["points"] == 150 and redeemed["balance"]["available"] == before.available - 150
    redemption = await Redemption.get(code=redeemed["code"]["code"])
    async with httpx.AsyncClient(base_url=shop_url) as client:
        answer = await client.post(
            f"/admin/api/{shop.settings.api_version}/graphql.json",
            json={"query": FREE_SHIPPING_BY_CODE, "variables": {"code": redemption.code}},
            headers={"X-Shopify-Access-Token": shop.issue_token("read_discounts,read_customers")},
        )
    node = answer.json()["data"]["codeDiscountNodeByCode"]
    assert node["id"] == redemption.platform_discount_id
    assert node["codeDiscount"] == {
        "__typename": "DiscountCodeFreeShipping",
        "title": "Free shipping",
        "endsAt": redemption.expires_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "context": {"customers": [{"id": f"gid://shopify/Customer/{world.shopper.platform_id}"}]},
        "destinationSelection": {"__typename": "DiscountCountryAll"},
    }


@pytest.fixture
def site() -> Iterator[tuple[WooState, str]]:
    state = WooState.from_dataset("sample", 7)
    with serve_simulator(state, tls=True) as url:
        yield state, url


async def test_redeeming_free_shipping_on_woocommerce_makes_a_coupon_only_the_shoppers_email_can_use(
    database_url, world, site
):
    state, url = site
    key = state.create_api_key("read_write")
    world.woo.domain, world.woo.consumer_key, world.woo.consumer_secret = url, key.consumer_key, key.consumer_secret
    await world.woo.save()
    profile_id = await cross_store_profile(world)
    shopper = await Customer.get(profile_id=profile_id, store_id=world.woo.id, is_guest=False)
    owner = (await owners_of_customers([shopper.id]))[shopper.id]
    await adjust(owner, 1000, reason="test funds", actor="test", key="funds")
    reward = await Reward.get(merchant_id=world.merchant.id, kind=RewardKind.FREE_SHIPPING)
    sites = {"woocommerce_verify_tls": False, "allow_site_networks": ["127.0.0.0/8"]}
    async with app_client(database_url, **sites) as client:
        redeemed = data(
            await storefront(
                client,
                world.woo,
                REDEEM,
                {"input": {"rewardId": to_gid("Reward", reward.id)}},
                headers=await signed_in(client, shopper),
            )
        )["rewardRedeem"]
    assert redeemed["userErrors"] == [] and redeemed["code"]["status"] == "ISSUED"
    redemption = await Redemption.get(code=redeemed["code"]["code"])
    async with httpx.AsyncClient(verify=False) as http:
        answer = await http.get(
            f"{url}/wp-json/wc/v3/coupons/{redemption.platform_discount_id}",
            auth=(key.consumer_key, key.consumer_secret),
        )
    coupon = answer.json()
    assert coupon["code"] == redemption.code.lower() and coupon["free_shipping"] is True
    assert coupon["email_restrictions"] == [shopper.email.lower()]
    assert (coupon["usage_limit"], coupon["usage_limit_per_user"], coupon["amount"]) == (1, 1, "0.00")
    assert coupon["date_expires_gmt"] == redemption.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


# -- actions -----------------------------------------------------------------------------------


async def test_a_birthday_action_keeps_the_date_and_pays_nothing_until_the_day(client, world):
    headers = await signed_in(client, world.shopper)
    before = await member_of(world.shopper)

    async def record(birthday: str) -> dict:
        return data(
            await storefront(
                client,
                world.shopify,
                ACTION_GIFT,
                {"input": {"action": "birthday", "consent": True, "birthday": birthday}},
                headers=headers,
            )
        )["actionRecord"]

    today = local_date(world.shopify.timezone, datetime.now(UTC))
    born = today - timedelta(days=365 * 40)
    first = await record(born.isoformat())
    kept = await Birthday.get(profile_id=before.profile_id)
    assert (kept.month, kept.day, kept.year, kept.source) == (born.month, born.day, born.year, "widget")
    assert first == {
        "status": "SCHEDULED",
        "points": 0,
        "balance": {"available": before.available},
        "giftOn": next_gift_date(kept, today).isoformat(),
        "userErrors": [],
    }
    assert date.fromisoformat(first["giftOn"]) >= today + timedelta(days=30)
    assert not await Entry.filter(profile_id=before.profile_id, kind=EntryKind.ACTION, cause="birthday").exists()

    again = await record(born.isoformat())
    assert (again["status"], again["points"], again["userErrors"]) == ("DUPLICATE", 0, [])
    moved = await record((born - timedelta(days=1)).isoformat())
    assert moved["status"] is None and moved["userErrors"][0]["code"] == "LOCKED"
    assert moved["userErrors"][0]["field"] == ["input", "birthday"]
    assert (await Birthday.get(profile_id=before.profile_id)).day == born.day
    assert (await member_of(world.shopper)).available == before.available


async def test_actions_need_consent_a_known_action_and_their_details(client, world):
    headers = await signed_in(client, world.shopper)
    rules = sample_rules()
    await publish(
        world.merchant.id,
        replace(rules, actions={**rules.actions, "story_share": ActionRule(points=50)}),
        datetime.now(UTC) - timedelta(minutes=1),
    )

    async def record(**values) -> dict:
        return data(await storefront(client, world.shopify, ACTION, {"input": values}, headers=headers))["actionRecord"]

    refused = await record(action="story_share", consent=False)
    assert refused["status"] is None and refused["userErrors"][0]["code"] == "CONSENT_REQUIRED"
    assert refused["userErrors"][0]["field"] == ["input", "consent"]
    unknown = await record(action="moon_landing", consent=True)
    assert (
        unknown["userErrors"][0]["code"] == "UNKNOWN_ACTION" and "moon_landing" in unknown["userErrors"][0]["message"]
    )
    assert (
        "story_share" in unknown["userErrors"][0]["message"] and "newsletter" not in unknown["userErrors"][0]["message"]
    )
    no_date = await record(action="birthday", consent=True)
    assert no_date["userErrors"][0] | {"message": ""} == {
        "field": ["input", "birthday"],
        "code": "INVALID",
        "message": "",
    }
    future = await record(action="birthday", consent=True, birthday=date(datetime.now(UTC).year + 1, 1, 1).isoformat())
    assert future["userErrors"][0]["code"] == "INVALID"
    child = await record(action="birthday", consent=True, birthday=date(datetime.now(UTC).year - 5, 1, 1).isoformat())
    assert child["userErrors"][0] | {"message": ""} == {
        "field": ["input", "birthday"],
        "code": "INVALID",
        "message": "",
    }
    assert not await Birthday.filter(profile_id=(await member_of(world.shopper)).profile_id).exists()
    by_orders = await record(action="first_order", consent=True)
    assert by_orders["userErrors"][0]["code"] == "INVALID"
    assert not await Entry.filter(
        profile_id=world.shopper.profile_id,
        kind=EntryKind.ACTION,
        cause__in=["story_share", "birthday", "moon_landing"],
    ).exists()
    joined = await record(action="story_share", consent=True)
    assert (joined["status"], joined["points"]) == ("AWARDED", 50)
    assert (await record(action="story_share", consent=True))["status"] == "DUPLICATE"
    capped = await record(action="story_share", consent=True, key="another-story")
    assert (capped["status"], capped["points"]) == ("CAPPED", 0)


async def test_verified_actions_are_refused_from_the_shopper_with_where_they_come_from(client, world):
    headers = await signed_in(client, world.shopper)
    before = (await member_of(world.shopper)).available
    for action, source in (("signup", "created"), ("newsletter", "marketing consent"), ("review", "review app")):
        refused = data(
            await storefront(
                client,
                world.shopify,
                ACTION,
                {"input": {"action": action, "consent": True, "key": "k"}},
                headers=headers,
            )
        )["actionRecord"]
        assert refused["status"] is None and refused["points"] == 0
        [error] = refused["userErrors"]
        assert (error["code"], error["field"]) == ("VERIFIED_ONLY", ["input", "action"])
        assert source in error["message"]
    assert not await Entry.filter(
        profile_id=world.shopper.profile_id, kind=EntryKind.ACTION, cause__in=["signup", "newsletter", "review"]
    ).exists()
    assert (await member_of(world.shopper)).available == before


# -- what a shopper may see --------------------------------------------------------------------


async def test_node_resolves_only_the_shoppers_own_entries_and_codes_and_this_merchants_rewards(client, world):
    mine = await member_of(world.shopper)
    theirs = await member_of(world.other_shopper)
    reward = await Reward.get(merchant_id=world.merchant.id, name="$5 off")
    other_reward = await Reward.create(
        merchant_id=world.other_merchant.id,
        name="Theirs",
        kind=RewardKind.FIXED_AMOUNT,
        points_cost=1,
        value=Decimal(1),
    )
    their_code = await Redemption.create(
        merchant_id=world.merchant.id,
        profile_id=theirs.profile_id,
        reward_id=reward.id,
        store_id=world.shopify.id,
        points=500,
        value=Decimal(5),
        currency="USD",
        code="RP-THEIRS",
        request_key="theirs",
        status=RedemptionStatus.ISSUED,
        created_at=datetime.now(UTC),
    )
    my_code = await Redemption.create(
        merchant_id=world.merchant.id,
        profile_id=mine.profile_id,
        reward_id=reward.id,
        store_id=world.shopify.id,
        points=500,
        value=Decimal(5),
        currency="USD",
        code="RP-MINE",
        request_key="mine",
        status=RedemptionStatus.ISSUED,
        created_at=datetime.now(UTC),
    )
    my_entry = await Entry.filter(profile_id=mine.profile_id).first()
    their_entry = await Entry.filter(profile_id=theirs.profile_id).first()
    headers = await signed_in(client, world.shopper)
    query = """query($id: ID!) { node(id: $id) { id ... on LedgerEntry { description } ... on IssuedCode { code }
               ... on Reward { name } } }"""

    async def node(gid: str, **kwargs) -> dict | None:
        return data(await storefront(client, world.shopify, query, {"id": gid}, **kwargs))["node"]

    assert (await node(to_gid("LedgerEntry", my_entry.id), headers=headers))["id"] == to_gid("LedgerEntry", my_entry.id)
    assert (await node(to_gid("IssuedCode", my_code.id), headers=headers))["code"] == "RP-MINE"
    assert (await node(to_gid("Reward", reward.id)))["name"] == "$5 off"
    assert await node(to_gid("LedgerEntry", their_entry.id), headers=headers) is None
    assert await node(to_gid("IssuedCode", their_code.id), headers=headers) is None
    assert await node(to_gid("Reward", other_reward.id), headers=headers) is None
    assert await node(to_gid("LedgerEntry", my_entry.id)) is None
    assert await node(to_gid("IssuedCode", my_code.id)) is None
    codes = data(
        await storefront(
            client, world.shopify, "{ me { loyalty { codes(first: 5) { nodes { code } } } } }", headers=headers
        )
    )["me"]["loyalty"]["codes"]["nodes"]
    assert codes == [{"code": "RP-MINE"}]


@pytest.mark.parametrize("field", ["members(first: 1) { nodes { id } }", "pointsAdjust"])
async def test_the_storefront_cannot_ask_for_admin_loyalty_fields(client, world, field):
    operation = (
        'mutation { pointsAdjust(input: {memberId: "x", points: 1, reason: "r"}) { userErrors { code } } }'
        if field == "pointsAdjust"
        else f"{{ {field} }}"
    )
    response = await storefront(client, world.shopify, operation)
    body = response.json()
    name = field.split("(")[0]
    assert "data" not in body or body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert f"'{name}'" in body["errors"][0]["message"]

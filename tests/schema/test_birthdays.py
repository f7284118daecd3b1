"""A shopper gives their birthday once on the storefront, only the store changes it on the admin API,
and nobody else can read or set it: anonymous callers, bad tokens, other shoppers, other merchants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.auth.shopper_tokens import ShopperTokens
from app.demo.birthdays import seed_birthdays
from campaigns.birthdays import next_gift_date
from campaigns.models import Birthday
from loyalty.members import enroll
from loyalty.models import Member
from schema.core.ids import to_gid
from store.models import Customer, Profile
from store.timezones import local_date
from tests.schema.conftest import admin, app_client, data, error_code, sandbox, session_token, storefront
from tests.schema.test_storefront_loyalty import member_of, signed_in
from tests.support.servers import SECRET

pytestmark = pytest.mark.db

SET = """mutation($input: BirthdaySetInput!) { birthdaySet(input: $input) {
  birthday { month day year nextGiftOn } userErrors { field message code } } }"""
ME = "{ me { birthday { month day year nextGiftOn } } }"
ADMIN_SET = """mutation($input: MemberBirthdaySetInput!) { memberBirthdaySet(input: $input) {
  member { id } birthday { month day year source recordedAt nextGiftOn } userErrors { field message code } } }"""
MEMBER = """query($id: ID!) { node(id: $id) { ... on LoyaltyMember { birthday { month day year source } } } }"""


def _in_days(days: int, today: date) -> date:
    """A birthday ``days`` ahead of ``today`` (kept off February 29 so every year has it)."""
    day = today + timedelta(days=days)
    return day + timedelta(days=1) if (day.month, day.day) == (2, 29) else day


async def test_a_shopper_gives_a_birthday_once_and_reads_it_with_the_first_gift_day(client, world):
    headers = await signed_in(client, world.shopper)
    today = local_date(world.shopify.timezone, datetime.now(UTC))
    soon, later = _in_days(10, today), _in_days(60, today)
    assert data(await storefront(client, world.shopify, ME, headers=headers))["me"]["birthday"] is None

    given = {"month": soon.month, "day": soon.day, "year": 1980}
    first = data(await storefront(client, world.shopify, SET, {"input": given}, headers=headers))["birthdaySet"]
    assert first["userErrors"] == []
    next_year = date(soon.year + 1, soon.month, soon.day)
    assert first["birthday"] == given | {"nextGiftOn": next_year.isoformat()}, "10 days is short of the notice"
    member = await member_of(world.shopper)
    kept = await Birthday.get(profile_id=member.profile_id)
    assert (kept.merchant_id, kept.source, kept.month, kept.day, kept.year) == (
        world.merchant.id,
        "widget",
        soon.month,
        soon.day,
        1980,
    )
    read = data(await storefront(client, world.shopify, ME, headers=headers))["me"]["birthday"]
    assert read == first["birthday"]

    retried = data(await storefront(client, world.shopify, SET, {"input": given}, headers=headers))["birthdaySet"]
    assert retried == first
    moved = {"month": later.month, "day": later.day}
    locked = data(await storefront(client, world.shopify, SET, {"input": moved}, headers=headers))["birthdaySet"]
    assert locked["birthday"] is None
    [error] = locked["userErrors"]
    assert error["code"] == "LOCKED" and "ask the store" in error["message"] and error["field"] == ["input", "month"]
    assert (await Birthday.get(profile_id=member.profile_id)).day == soon.day
    assert await Birthday.all().count() == 1

    other = await signed_in(client, world.other_shopper)
    assert data(await storefront(client, world.shopify, ME, headers=other))["me"]["birthday"] is None
    theirs = data(await storefront(client, world.shopify, SET, {"input": moved}, headers=other))["birthdaySet"]
    assert theirs["userErrors"] == [] and theirs["birthday"]["nextGiftOn"] == later.isoformat()
    assert (await Birthday.get(profile_id=member.profile_id)).day == soon.day
    assert (await Member.get(profile_id=member.profile_id)).available == member.available


async def test_impossible_dates_and_ages_are_refused_at_their_field_and_nothing_is_kept(client, world):
    headers = await signed_in(client, world.shopper)
    year = datetime.now(UTC).year

    async def attempt(**given) -> dict:
        answer = data(await storefront(client, world.shopify, SET, {"input": given}, headers=headers))["birthdaySet"]
        assert answer["birthday"] is None
        [error] = answer["userErrors"]
        assert error["code"] == "INVALID"
        return error

    assert (await attempt(month=2, day=30))["field"] == ["input", "day"]
    assert (await attempt(month=13, day=1))["field"] == ["input", "month"]
    assert (await attempt(month=0, day=1))["field"] == ["input", "month"]
    assert (await attempt(month=4, day=31))["field"] == ["input", "day"]
    old = await attempt(month=3, day=14, year=1800)
    assert old["field"] == ["input", "year"] and str(year - 120 - 1) in old["message"]
    assert (await attempt(month=3, day=14, year=year - 5))["field"] == ["input", "year"]
    assert (await attempt(month=2, day=29, year=1981))["field"] == ["input", "year"]
    for wrong in ({"month": "3", "day": 14}, {"month": 3, "day": 14, "year": "1980"}, {"month": 3.5, "day": 14}):
        response = await storefront(client, world.shopify, SET, {"input": wrong}, headers=headers)
        assert error_code(response) == "BAD_USER_INPUT" and not response.json().get("data"), response.text
    assert not await Birthday.exists()

    leap = data(await storefront(client, world.shopify, SET, {"input": {"month": 2, "day": 29}}, headers=headers))
    assert leap["birthdaySet"]["userErrors"] == [] and leap["birthdaySet"]["birthday"]["year"] is None
    assert leap["birthdaySet"]["birthday"]["nextGiftOn"][5:] in ("02-28", "02-29")


async def test_nobody_but_the_signed_in_shopper_sets_a_birthday(client, world, database_url):
    given = {"input": {"month": 3, "day": 14}}
    anonymous = data(await storefront(client, world.shopify, SET, given))["birthdaySet"]
    assert anonymous["birthday"] is None and anonymous["userErrors"][0]["code"] == "NOT_SIGNED_IN"
    assert data(await storefront(client, world.shopify, ME))["me"] is None

    tokens = ShopperTokens(SECRET)
    expired, _ = tokens.mint(world.shopify.id, world.shopper.id, 60, now=datetime.now(UTC) - timedelta(hours=2))
    forged, _ = ShopperTokens("another-secret-key-" + "y" * 32).mint(world.shopify.id, world.shopper.id)
    for token in (expired, forged, "garbage"):
        response = await storefront(client, world.shopify, SET, given, headers={"X-Rapport-Shopper-Token": token})
        assert response.status_code == 401 and error_code(response) == "UNAUTHENTICATED"
    own = await signed_in(client, world.shopper)
    elsewhere = await storefront(client, world.other_store, SET, given, headers=own)
    assert elsewhere.status_code == 403 and error_code(elsewhere) == "FORBIDDEN"
    on_woo = await storefront(client, world.woo, SET, given, headers=own)
    assert on_woo.status_code == 403 and error_code(on_woo) == "FORBIDDEN"
    no_admin_here = await storefront(
        client, world.shopify, ADMIN_SET, {"input": {"memberId": "x", "month": 3, "day": 14}}, headers=own
    )
    assert "MemberBirthdaySetInput" in no_admin_here.json()["errors"][0]["message"]
    assert not no_admin_here.json().get("data")
    assert not await Birthday.exists()

    async with app_client(database_url, rate_limit_storefront_ip="3/minute") as limited:
        statuses = [(await storefront(limited, world.shopify, SET, given, headers=own)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert await Birthday.all().count() == 1


async def test_the_store_reads_and_changes_a_members_birthday_and_only_its_own(client, world):
    headers = await signed_in(client, world.shopper)
    today = local_date(world.shopify.timezone, datetime.now(UTC))
    soon = _in_days(40, today)
    given = {"month": soon.month, "day": soon.day}
    assert (
        data(await storefront(client, world.shopify, SET, {"input": given}, headers=headers))["birthdaySet"][
            "userErrors"
        ]
        == []
    )
    member = await member_of(world.shopper)
    member_id = to_gid("LoyaltyMember", member.id)
    shown = data(await admin(client, MEMBER, {"id": member_id}))["node"]["birthday"]
    assert shown == given | {"year": None, "source": "WIDGET"}

    correction = _in_days(20, datetime.now(UTC).date())
    changed = data(
        await admin(
            client,
            ADMIN_SET,
            {"input": {"memberId": member_id, "month": correction.month, "day": correction.day, "year": 1975}},
        )
    )["memberBirthdaySet"]
    assert changed["userErrors"] == [] and changed["member"] == {"id": member_id}
    kept = await Birthday.get(profile_id=member.profile_id)
    assert (kept.month, kept.day, kept.year, kept.source) == (correction.month, correction.day, 1975, "admin")
    assert kept.recorded_at > datetime.now(UTC) - timedelta(minutes=1)
    assert changed["birthday"] | {"recordedAt": None} == {
        "month": correction.month,
        "day": correction.day,
        "year": 1975,
        "source": "ADMIN",
        "recordedAt": None,
        "nextGiftOn": next_gift_date(kept, datetime.now(UTC).date()).isoformat(),
    }
    assert changed["birthday"]["nextGiftOn"] == date(correction.year + 1, correction.month, correction.day).isoformat()
    invalid = data(await admin(client, ADMIN_SET, {"input": {"memberId": member_id, "month": 2, "day": 30}}))[
        "memberBirthdaySet"
    ]
    assert invalid["birthday"] is None and invalid["userErrors"][0] | {"message": ""} == {
        "field": ["input", "day"],
        "code": "INVALID",
        "message": "",
    }

    outsider = await enroll((await Profile.create(merchant_id=world.other_merchant.id)).id)
    foreign = data(
        await admin(
            client,
            ADMIN_SET,
            {"input": {"memberId": to_gid("LoyaltyMember", outsider.id), "month": 3, "day": 14}},
        )
    )["memberBirthdaySet"]
    assert foreign["member"] is None and foreign["userErrors"][0]["code"] == "NOT_FOUND"
    assert not await Birthday.filter(profile_id=outsider.profile_id).exists()
    other_owner = data(
        await admin(
            client,
            ADMIN_SET,
            {"input": {"memberId": member_id, "month": 3, "day": 14}},
            token=session_token(shop="other.myshopify.com"),
        )
    )["memberBirthdaySet"]
    assert other_owner["member"] is None and other_owner["userErrors"][0]["code"] == "NOT_FOUND"
    unsigned = await client.post("/graphql/admin", json={"query": ADMIN_SET, "variables": {"input": {}}})
    assert unsigned.status_code == 401
    assert (await Birthday.get(profile_id=member.profile_id)).month == correction.month


async def test_the_demo_gives_every_sandbox_person_with_a_birthday_one_from_the_platform(world):
    stores = {"shopify": world.shopify, "woocommerce": world.woo}
    added = await seed_birthdays(sandbox(), world.merchant, stores)
    rows = await Birthday.filter(merchant_id=world.merchant.id)
    assert added == len(rows) > 50 and {r.source for r in rows} == {"platform"}
    people = sandbox().people_by_id
    person_of = {(p, str(c.platform_id)): c.person_id for p in stores for c in sandbox().by_store(p).customers}
    shopper = await Customer.get(id=world.shopper.id)
    born = people[person_of["shopify", shopper.platform_id]].birthday
    mine = [r for r in rows if r.profile_id == (await member_of(world.shopper)).profile_id]
    assert [(r.month, r.day, r.year) for r in mine] == ([(born.month, born.day, born.year)] if born else [])
    assert all(r.recorded_at == sandbox().orders[0].created_at for r in rows)
    assert await seed_birthdays(sandbox(), world.merchant, stores) == 0

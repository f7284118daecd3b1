"""Audiences: each field read from where Rapport keeps it, combined as sets, over simulated time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from campaigns.audiences import evaluate
from campaigns.builtin import TEMPLATES
from campaigns.definitions import parse_audience
from campaigns.models import Birthday, CampaignKind, Suppression, SuppressionReason
from insights.models import ClvPrediction, ProfileSegment, ProfileStats
from loyalty.models import Member
from loyalty.processing import process_orders
from loyalty.rules import Rules
from store.models import Customer
from tests.loyalty.helpers import Shop, at, make_shop

pytestmark = pytest.mark.db

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


@pytest.fixture
async def shop(db) -> Shop:
    return await make_shop("Audiences")


async def person(
    shop: Shop,
    *,
    tier: str | None = None,
    segment: str = "loyal",
    last_order_days: int | None = None,
    consent: bool = True,
    churn: str | None = None,
    clv: str = "0",
) -> int:
    _, profile = await shop.customer(accepts_marketing=consent)
    if tier is not None:
        await ProfileSegment.create(
            merchant_id=shop.merchant.id,
            profile_id=profile,
            currency="USD",
            recency_days=last_order_days or 0,
            frequency=3,
            monetary=Decimal("100"),
            r_score=3,
            f_score=3,
            m_score=3,
            segment=segment,
            tier=tier,
            as_of=NOW,
        )
    if last_order_days is not None:
        await ProfileStats.create(
            merchant_id=shop.merchant.id,
            profile_id=profile,
            orders=3,
            last_order_at=NOW - timedelta(days=last_order_days, hours=1),
            main_currency="USD",
            computed_at=NOW,
        )
    if churn is not None:
        await ClvPrediction.create(
            merchant_id=shop.merchant.id,
            profile_id=profile,
            currency="USD",
            model="heuristic",
            status="ok",
            horizon_days=365,
            interval_level=0.9,
            probability_alive=0.5,
            probability_alive_low=0.4,
            probability_alive_high=0.6,
            expected_orders=1,
            expected_orders_low=0,
            expected_orders_high=2,
            expected_order_value=Decimal("50"),
            clv=Decimal(clv),
            clv_low=Decimal(0),
            clv_high=Decimal(clv),
            churn_risk=churn,
            as_of=NOW,
        )
    return profile


async def test_win_back_takes_vips_silent_90_days_who_accept_marketing_and_are_not_unsubscribed(shop):
    silent_vip = await person(shop, tier="vip", last_order_days=120)
    exactly_90 = await person(shop, tier="vip", last_order_days=90)
    recent_vip = await person(shop, tier="vip", last_order_days=89)
    silent_regular = await person(shop, tier="regular", last_order_days=200)
    no_consent = await person(shop, tier="vip", last_order_days=150, consent=False)
    unsubscribed = await person(shop, tier="vip", last_order_days=150)
    email = (await Customer.get(profile_id=unsubscribed)).email
    await Suppression.create(
        merchant_id=shop.merchant.id, email=email.upper().lower(), reason=SuppressionReason.UNSUBSCRIBED
    )
    audience = TEMPLATES[CampaignKind.WIN_BACK].definition.audience
    found = await evaluate(shop.merchant.id, audience, NOW)
    assert found == {silent_vip, exactly_90}
    assert not found & {recent_vip, silent_regular, no_consent, unsubscribed}


async def test_ne_and_not_in_are_complements_within_the_merchants_people(shop):
    vip = await person(shop, tier="vip", last_order_days=10)
    lost = await person(shop, tier="lost", last_order_days=400)
    nobody = await person(shop)  # no orders, no segment
    other = await make_shop("Other")
    await person(other, tier="regular", last_order_days=5)
    not_vip = parse_audience({"all": [{"field": "value_tier", "op": "ne", "value": "vip"}]})
    assert await evaluate(shop.merchant.id, not_vip, NOW) == {lost, nobody}
    not_in = parse_audience({"all": [{"field": "value_tier", "op": "not_in", "value": ["vip", "lost"]}]})
    assert await evaluate(shop.merchant.id, not_in, NOW) == {nobody}
    either = parse_audience(
        {
            "any": [
                {"field": "value_tier", "op": "eq", "value": "vip"},
                {"all": [{"field": "days_since_last_order", "op": "gt", "value": 365}]},
            ]
        }
    )
    assert await evaluate(shop.merchant.id, either, NOW) == {vip, lost}


async def test_predictions_orders_and_days_compare_as_numbers(shop):
    high = await person(shop, tier="regular", last_order_days=30, churn="high", clv="250.50")
    low = await person(shop, tier="regular", last_order_days=3, churn="low", clv="20")
    m = shop.merchant.id

    async def who(field: str, op: str, value) -> set[int]:
        return await evaluate(m, parse_audience({"all": [{"field": field, "op": op, "value": value}]}), NOW)

    assert await who("churn_band", "eq", "high") == {high}
    assert await who("clv", "gte", 100) == {high}
    assert await who("clv", "lt", 100) == {low}
    assert await who("days_since_last_order", "lte", 3) == {low}
    assert await who("days_since_last_order", "eq", 30) == {high}
    assert await who("days_since_last_order", "lt", 3) == set()
    assert await who("orders", "gte", 3) == {high, low}


async def test_store_platform_and_loyalty_fields(shop):
    _, on_woo = await shop.customer(shop.other)
    _, on_shopify = await shop.customer()
    await shop.program(Rules(release="immediate"))
    member_cust, member = await shop.customer()
    await process_orders([await shop.order(member_cust, [("a", 300)], when=NOW - timedelta(days=2))], now=NOW)
    m = shop.merchant.id

    async def who(field: str, op: str, value) -> set[int]:
        return await evaluate(m, parse_audience({"all": [{"field": field, "op": op, "value": value}]}), NOW)

    assert await who("platform", "eq", "woocommerce") == {on_woo}
    assert await who("store", "eq", shop.other.id) == {on_woo}
    assert await who("points_balance", "gte", 100) == {member}
    assert on_shopify in await who("points_balance", "ne", 300)
    assert await who("joined_within_days", "lte", 1) == {member}


async def test_a_merged_member_is_reached_through_its_holder(shop):
    """Two accounts whose balances loyalty joined are one member: an audience names the holder once."""
    from loyalty.ownership import link_accounts

    await shop.program(Rules(release="immediate"))
    a, pa = await shop.customer(email="same@example.org")
    b, pb = await shop.customer(shop.other, email="same@example.org")
    await process_orders(
        [await shop.order(a, [("x", 10)], when=NOW), await shop.order(b, [("y", 10)], when=NOW, store=shop.other)],
        now=NOW,
    )
    ids = list(await Customer.filter(merchant_id=shop.merchant.id).values_list("id", flat=True))
    await link_accounts(ids, "merchant_confirmed")
    holder = (await Member.get(merged_into_id=None, merchant_id=shop.merchant.id)).profile_id
    everyone = parse_audience({"all": [{"field": "marketing_consent", "op": "eq", "value": True}]})
    assert await evaluate(shop.merchant.id, everyone, NOW) == {holder}
    assert holder in {pa, pb}


async def test_birthdays_arrive_on_the_day_in_the_stores_time_zone_with_notice(shop):
    shop.store.timezone = "Pacific/Auckland"
    await shop.store.save()
    _, kiwi = await shop.customer()
    _, late = await shop.customer()
    _, leap = await shop.customer()
    _, platform = await shop.customer()
    m = shop.merchant.id
    long_ago = datetime(2025, 1, 1, tzinfo=UTC)
    await Birthday.create(merchant_id=m, profile_id=kiwi, month=6, day=16, recorded_at=long_ago)
    # given 10 days before the day: no gift this year
    await Birthday.create(merchant_id=m, profile_id=late, month=6, day=16, recorded_at=datetime(2026, 6, 6, tzinfo=UTC))
    await Birthday.create(merchant_id=m, profile_id=leap, month=2, day=29, recorded_at=long_ago)
    await Customer.filter(profile_id=platform).update(birthday=date(1990, 6, 16))
    today = parse_audience({"all": [{"field": "birthday_within_days", "op": "lte", "value": 0}]})
    # 15 June 12:00 UTC is already 16 June in Auckland: the shop's day
    assert await evaluate(m, today, NOW) == {kiwi, platform}
    assert await evaluate(m, today, NOW - timedelta(hours=13)) == set()  # 15 June there: not before
    assert await evaluate(m, today, datetime(2027, 2, 28, 1, tzinfo=UTC)) == {leap}
    assert await evaluate(m, today, datetime(2028, 2, 28, 1, tzinfo=UTC)) == set()
    assert await evaluate(m, today, datetime(2028, 2, 29, 1, tzinfo=UTC)) == {leap}
    next_year = datetime(2027, 6, 15, 12, tzinfo=UTC)
    assert await evaluate(m, today, next_year) == {kiwi, late, platform}


async def test_expiry_reminders_come_before_the_points_expire_not_after(shop):
    await shop.program(Rules(release="immediate", expiry="fifo", expiry_months=6, reminder_days=14))
    cust, profile = await shop.customer()
    await process_orders([await shop.order(cust, [("a", 100)], when=at(0))], now=at(0))
    expiring = parse_audience({"all": [{"field": "points_expiring_within_days", "op": "lte", "value": 14}]})
    m = shop.merchant.id
    expires = datetime(2025, 7, 1, tzinfo=UTC)  # six months after 1 January
    assert await evaluate(m, expiring, expires - timedelta(days=20)) == set()
    assert await evaluate(m, expiring, expires - timedelta(days=14)) == {profile}
    assert await evaluate(m, expiring, expires - timedelta(hours=1)) == {profile}
    assert await evaluate(m, expiring, expires + timedelta(hours=1)) == set()

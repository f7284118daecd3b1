"""Audiences from what people said: "detractors among VIPs" (nps_group by each person's latest
answer, with value_tier) and "an unresolved complaint from a high-value customer" (open_complaints,
open or waiting), selecting exactly the people planted for each; bad values are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaigns.audiences import evaluate
from campaigns.definitions import parse_audience
from campaigns.errors import InvalidCampaign
from feedback.models import Complaint, ComplaintStatus, FeedbackSource, Survey, SurveyKind, SurveyStatus
from store.models import Customer, Profile
from tests.campaigns.test_audiences import NOW, person
from tests.loyalty.helpers import Shop, make_shop

pytestmark = pytest.mark.db

DETRACTOR_VIPS = {
    "all": [
        {"field": "value_tier", "op": "eq", "value": "vip"},
        {"field": "nps_group", "op": "eq", "value": "detractor"},
    ]
}
UNRESOLVED_VIPS = {
    "all": [
        {"field": "value_tier", "op": "eq", "value": "vip"},
        {"field": "open_complaints", "op": "gte", "value": 1},
    ]
}


@pytest.fixture
async def shop(db) -> Shop:
    return await make_shop("Feedback audiences")


async def answered(shop: Shop, profile: int, *scores: int) -> None:
    """NPS answers, a day apart, the last one latest."""
    customer = await Customer.filter(profile_id=profile).first()
    assert customer is not None
    for n, score in enumerate(scores):
        at = NOW - timedelta(days=30 - n)
        await Survey.create(
            merchant_id=shop.merchant.id,
            profile_id=profile,
            store_id=customer.store_id,
            customer_id=customer.id,
            order_id=None,
            kind=SurveyKind.NPS,
            status=SurveyStatus.ANSWERED,
            send_at=at,
            sent_at=at,
            answered_at=at,
            score=score,
        )


async def complained(shop: Shop, profile: int, status: ComplaintStatus) -> None:
    await Complaint.create(
        merchant_id=shop.merchant.id,
        profile_id=profile,
        source=FeedbackSource.DASHBOARD,
        subject="Late",
        status=status,
        received_at=NOW - timedelta(days=2),
    )


async def test_detractors_among_vips_are_the_vips_whose_latest_answer_is_0_to_6(shop):
    vip_detractor = await person(shop, tier="vip", last_order_days=10)
    await answered(shop, vip_detractor, 10, 4)
    vip_recovered = await person(shop, tier="vip", last_order_days=10)
    await answered(shop, vip_recovered, 2, 9)
    vip_passive = await person(shop, tier="vip", last_order_days=10)
    await answered(shop, vip_passive, 7)
    regular_detractor = await person(shop, tier="regular", last_order_days=10)
    await answered(shop, regular_detractor, 0)
    silent_vip = await person(shop, tier="vip", last_order_days=10)
    other = await make_shop("Other feedback")
    theirs = await person(other, tier="vip", last_order_days=10)
    await answered(other, theirs, 1)

    assert await evaluate(shop.merchant.id, parse_audience(DETRACTOR_VIPS), NOW) == {vip_detractor}
    groups = parse_audience({"all": [{"field": "nps_group", "op": "in", "value": ["promoter", "passive"]}]})
    assert await evaluate(shop.merchant.id, groups, NOW) == {vip_recovered, vip_passive}
    unanswered = parse_audience({"all": [{"field": "nps_group", "op": "not_in", "value": ["detractor"]}]})
    assert await evaluate(shop.merchant.id, unanswered, NOW) == {vip_recovered, vip_passive, silent_vip}


async def test_an_unresolved_complaint_from_a_vip_is_open_or_waiting(shop):
    open_vip = await person(shop, tier="vip", last_order_days=10)
    await complained(shop, open_vip, ComplaintStatus.OPEN)
    waiting_vip = await person(shop, tier="vip", last_order_days=10)
    await complained(shop, waiting_vip, ComplaintStatus.WAITING)
    await complained(shop, waiting_vip, ComplaintStatus.RESOLVED)
    resolved_vip = await person(shop, tier="vip", last_order_days=10)
    await complained(shop, resolved_vip, ComplaintStatus.RESOLVED)
    open_regular = await person(shop, tier="regular", last_order_days=10)
    await complained(shop, open_regular, ComplaintStatus.OPEN)
    await person(shop, tier="vip", last_order_days=10)

    assert await evaluate(shop.merchant.id, parse_audience(UNRESOLVED_VIPS), NOW) == {open_vip, waiting_vip}
    none_open = parse_audience({"all": [{"field": "open_complaints", "op": "eq", "value": 0}]})
    found = await evaluate(shop.merchant.id, none_open, NOW)
    assert resolved_vip in found and not found & {open_vip, waiting_vip, open_regular}


async def test_a_merged_persons_answers_and_complaints_count_once_under_the_survivor(shop):
    survivor = await person(shop, tier="vip", last_order_days=10)
    absorbed = await person(shop)
    await answered(shop, absorbed, 3)
    await complained(shop, absorbed, ComplaintStatus.OPEN)
    await complained(shop, survivor, ComplaintStatus.OPEN)
    await Profile.filter(id=absorbed).update(merged_into_id=survivor)
    assert survivor in await evaluate(shop.merchant.id, parse_audience(DETRACTOR_VIPS), NOW)
    two = parse_audience({"all": [{"field": "open_complaints", "op": "eq", "value": 2}]})
    assert survivor in await evaluate(shop.merchant.id, two, NOW)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "nps_group", "op": "eq", "value": "angry"}, "promoter, passive or detractor"),
        ({"field": "nps_group", "op": "in", "value": ["detractor", "vip"]}, "promoter, passive or detractor"),
        ({"field": "nps_group", "op": "gte", "value": "detractor"}, "not a number"),
        ({"field": "open_complaints", "op": "gte", "value": "one"}, "compares numbers"),
    ],
)
def test_bad_feedback_conditions_are_refused(condition, message):
    with pytest.raises(InvalidCampaign, match=message):
        parse_audience({"all": [condition]})

"""The program's impact over the admin API on the sandbox merchant: the raw comparison equals a
count by hand over its orders and the people who took part (the sample program enrols every buyer,
so taking part is planted here through loyalty's own calls: newsletter actions and rewards
redeemed, beside redemptions whose code failed), another merchant sees none of it, and a margin
rate out of range is refused at its field."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from app.auth.api_keys import issue
from loyalty.actions import record_action
from loyalty.errors import RedemptionFailed
from loyalty.models import Member, Redemption, RedemptionStatus, Reward
from loyalty.rewards import redeem
from store.models import Order, Profile, Store
from tests.loyalty.helpers import FailingIssuer, RecordingIssuer
from tests.measure.hand import raw_orders
from tests.schema.conftest import admin, data

pytestmark = pytest.mark.db

QUERY = """query($since: Date, $until: Date) { programImpact(since: $since, until: $until) {
  method summary currencyCode windowDays
  raw { members { ...g } nonMembers { ...g } }
  matched { pairs unmatched members { ...g } controls { ...g } effect { value low high unit }
            ordersEffect { value low high unit } }
  prePost { members before { ...g } after { ...g } }
  roi { incrementalRevenue marginRate incrementalMargin rewardsCost pointsCost net roi low high currencyCode }
  campaigns { campaign { id name } uplift { value low high unit } }
} }
fragment g on GroupFigures { customers ordersPerCustomer revenuePerCustomer repeatRate }"""

SINCE, UNTIL = date(1997, 1, 1), date(1998, 6, 30)


async def take_part(world) -> set[int]:
    """A third of the members who bought in 1997 take part a month after their first order: by
    redeeming $5 off when they have the points and are every other one, else by the newsletter action; and a few others' redemptions
    fail (points given back: five). Returns the profiles that took part."""
    merchant_id = world.merchant.id
    reward = await Reward.get(merchant_id=merchant_id, name="$5 off")
    members = await Member.filter(merchant_id=merchant_id, merged_into_id=None).order_by("profile_id")
    took_part: set[int] = set()
    failed = 0
    for k, member in enumerate(members):
        first = await Order.filter(customer__owner_id=member.profile_id).order_by("platform_created_at").first()
        if first is None or first.platform_created_at.year != 1997:
            continue
        when = datetime.combine(first.platform_created_at.date() + timedelta(days=30), time(12), tzinfo=UTC)
        if k % 3 == 0:
            if k % 6 == 3 and member.available >= reward.points_cost:
                await redeem(member.profile_id, reward.id, first.store_id, RecordingIssuer(), now=when)
            else:
                await record_action(member.profile_id, "newsletter", "newsletter", now=when)
            took_part.add(member.profile_id)
        elif member.available >= reward.points_cost and failed < 5:
            with pytest.raises(RedemptionFailed):
                await redeem(member.profile_id, reward.id, first.store_id, FailingIssuer(), now=when)
            failed += 1
    assert failed == 5 and await Redemption.filter(merchant_id=merchant_id, status=RedemptionStatus.FAILED).count() == 5
    return took_part


async def test_the_raw_comparison_equals_a_hand_count_of_the_sandbox_orders(client, world):
    currencies = set(await Store.filter(merchant_id=world.merchant.id).values_list("currency", flat=True))
    assert currencies == {"USD"}, "the hand count below adds amounts as they are"
    took_part = await take_part(world)
    enrolled = set(await Member.filter(merchant_id=world.merchant.id).values_list("profile_id", flat=True))
    assert 30 <= len(took_part) < len(enrolled) / 2, "every buyer is enrolled, a few took part"
    found = data(await admin(client, QUERY, {"since": str(SINCE), "until": str(UNTIL)}))["programImpact"]

    # A loyalty holder may be a profile the store merged into another person's: that person took part.
    people = {p.id: p.merged_into_id or p.id for p in await Profile.filter(id__in=took_part)}
    took_part = set(people.values())
    baskets: dict[int, list[Decimal]] = defaultdict(list)
    for o in await raw_orders(world.merchant.id):
        if SINCE <= o.at.date() <= UNTIL:
            baskets[o.unit].append(o.net)
    for key, is_member in (("members", True), ("nonMembers", False)):
        group = [b for who, b in baskets.items() if (who in took_part) == is_member]
        figures = found["raw"][key]
        assert figures["customers"] == len(group) > 0
        assert figures["ordersPerCustomer"] == pytest.approx(sum(map(len, group)) / len(group))
        revenue = sum((sum(b, Decimal(0)) for b in group), Decimal(0))
        assert Decimal(figures["revenuePerCustomer"]) == (revenue / len(group)).quantize(Decimal("0.01"))
        assert figures["repeatRate"] == pytest.approx(sum(1 for b in group if len(b) >= 2) / len(group))
    assert "flatters" in found["method"] and "95 %" in found["method"] and "took part" in found["method"]
    assert found["roi"]["marginRate"] == 0.3 and found["roi"]["currencyCode"] == "USD"
    assert found["windowDays"] == 90
    # Members who took part in 1997 with their window closed are compared with people who never did.
    matched = found["matched"]
    assert matched["pairs"] + matched["unmatched"] == found["prePost"]["members"] == len(took_part)
    assert matched["pairs"] > 0 and matched["effect"]["value"] is not None
    assert not found["summary"].startswith(("Every customer", "No customer"))


async def test_another_merchant_sees_none_of_the_program(client, world):
    key = (await issue(world.other_merchant.id, "impact test")).secret
    found = data(await admin(client, QUERY, token=key))["programImpact"]
    for group in (found["raw"]["members"], found["raw"]["nonMembers"], found["prePost"]["before"]):
        assert group["customers"] == 0 and group["revenuePerCustomer"] is None
    assert found["matched"]["pairs"] == 0 and found["prePost"]["members"] == 0
    assert found["matched"]["effect"]["value"] is None
    assert found["roi"]["incrementalRevenue"] is None and found["roi"]["rewardsCost"] == "0.00"
    assert found["campaigns"] == []


async def test_a_margin_rate_out_of_range_is_refused_at_its_field(client, world):
    mutation = """mutation($input: MeasureSettingsInput!) { measureSettingsUpdate(input: $input) {
        settings { marginRate windowDays } userErrors { field message code } } }"""
    for rate in (0, -0.1, 1.5):
        refused = data(await admin(client, mutation, {"input": {"marginRate": rate}}))["measureSettingsUpdate"]
        assert refused["settings"] is None
        assert refused["userErrors"] == [
            {"field": ["input", "marginRate"], "message": refused["userErrors"][0]["message"], "code": "INVALID"}
        ]
        assert "marginRate" in refused["userErrors"][0]["message"]
    refused = data(await admin(client, mutation, {"input": {"windowDays": 3}}))["measureSettingsUpdate"]
    assert refused["userErrors"][0]["field"] == ["input", "windowDays"]
    settings = data(await admin(client, "{ measureSettings { marginRate windowDays } }"))["measureSettings"]
    assert settings == {"marginRate": 0.3, "windowDays": 90}


async def test_a_valid_margin_rate_is_kept_and_the_return_uses_it(client, world):
    mutation = """mutation($input: MeasureSettingsInput!) { measureSettingsUpdate(input: $input) {
        settings { marginRate windowDays } userErrors { field message code } } }"""
    saved = data(await admin(client, mutation, {"input": {"marginRate": 0.45}}))["measureSettingsUpdate"]
    assert saved == {"settings": {"marginRate": 0.45, "windowDays": 90}, "userErrors": []}
    saved = data(await admin(client, mutation, {"input": {"windowDays": 60}}))["measureSettingsUpdate"]
    assert saved["settings"] == {"marginRate": 0.45, "windowDays": 60}  # one field at a time keeps the other
    settings = data(await admin(client, "{ measureSettings { marginRate windowDays } }"))["measureSettings"]
    assert settings == {"marginRate": 0.45, "windowDays": 60}
    found = data(await admin(client, QUERY))["programImpact"]
    assert found["roi"]["marginRate"] == 0.45 and found["windowDays"] == 60


async def test_since_after_until_is_a_bad_request(client, world):
    response = await admin(client, QUERY, {"since": "1998-02-01", "until": "1998-01-01"})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

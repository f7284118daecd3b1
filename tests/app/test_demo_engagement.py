"""The demo's taking part, planted on the sandbox world (every buyer enrolled by the sample program):
some members redeem a reward or give the newsletter consent through loyalty's own calls, frequent
buyers more often; a redemption spends points the member holds; a second set-up plants nothing
more, whatever the balances then; and the program-impact report then has members who took part and non-members to match."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time

import pytest

from app.demo.engagement import KEY, plant_engagement
from loyalty.actions import adjust
from loyalty.models import Entry, EntryKind, Member, Redemption, RedemptionStatus
from measure.impact import program_impact
from store.models import Order
from tests.schema.conftest import (  # noqa: F401 - fixtures
    _reads_only,
    database_url,
    db,
    private_db,
    private_world,
    settings,
    shared,
    template,
    world,
)

pytestmark = pytest.mark.db

LAST_DAY = date(1998, 6, 30)
"""The sandbox world's history ends in June 1998."""


async def test_members_take_part_through_loyalty_frequent_buyers_more_and_only_once(world):  # noqa: F811
    merchant_id = world.merchant.id
    members = await Member.filter(merchant_id=merchant_id).count()
    # Every other member rich enough for the reward has spent it elsewhere: they give the newsletter consent instead.
    rich = await Member.filter(merchant_id=merchant_id, merged_into_id=None, available__gte=500).order_by("id")
    for member in rich[::2]:
        await adjust(member.profile_id, -member.available, reason="test: spent elsewhere", actor="test")
    planted = await plant_engagement(merchant_id, LAST_DAY)
    assert planted.redeemed > 0 and planted.actions > 0
    assert planted.redeemed + planted.actions < members / 2, "a share takes part, not everyone"

    redemptions = await Redemption.filter(merchant_id=merchant_id, request_key__startswith=f"{KEY}:")
    assert len(redemptions) == planted.redeemed
    for r in redemptions:  # each spent its points in the ledger, on the member's own store, in the history
        assert r.status == RedemptionStatus.ISSUED and r.created_at.date() <= LAST_DAY
        spent = await Entry.get(merchant_id=merchant_id, key=f"redeem:{r.id}")
        assert (spent.kind, spent.available, spent.profile_id) == (EntryKind.REDEEM, -r.points, r.profile_id)
    assert not await Member.filter(merchant_id=merchant_id, available__lt=0).exists(), "no balance spent below zero"
    actions = await Entry.filter(merchant_id=merchant_id, kind=EntryKind.ACTION, cause="newsletter")
    assert len(actions) == planted.actions and all(e.occurred_at.date() <= LAST_DAY for e in actions)

    # Frequent buyers take part more often than one-time buyers (self-selection, as in life).
    orders = Counter(await Order.filter(merchant_id=merchant_id).values_list("customer__owner_id", flat=True))
    took_part = {r.profile_id for r in redemptions} | {e.profile_id for e in actions}
    frequent = [pid for pid, n in orders.items() if pid is not None and n >= 4]
    once = [pid for pid, n in orders.items() if pid is not None and n == 1]
    share = lambda group: sum(1 for pid in group if pid in took_part) / len(group)  # noqa: E731
    assert share(frequent) > 2 * share(once)

    # A later set-up plants nothing more, even for members whose balance would now buy the reward.
    assert {m.profile_id for m in rich[::2]} & {e.profile_id for e in actions}, "some could not redeem at first"
    for pid in {e.profile_id for e in actions}:
        await adjust(pid, 5000, reason="test: a richer balance than at the first set-up", actor="test")
    again = await plant_engagement(merchant_id, LAST_DAY)
    assert (again.redeemed, again.actions) == (0, 0)
    assert await Redemption.filter(merchant_id=merchant_id).count() == len(redemptions)

    now = datetime.combine(LAST_DAY, time(23), tzinfo=UTC)
    found = await program_impact(merchant_id, now=now)
    assert found.raw_members.customers > 0 and found.raw_non_members.customers > 0
    assert found.matched.pairs > 0 and found.matched.effect.value is not None

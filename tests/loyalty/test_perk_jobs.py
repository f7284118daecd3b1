"""The perk jobs are queued where tiers move: after orders (only for members whose perks are out of
step, a merged member included), after a tier re-evaluation that moved someone, and once a day
for every merchant with a program. Queued on the embedded runner's table, as in production."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.jobs.local_queue import LocalQueue
from app.jobs.loyalty import loyalty_perks_sync_all, loyalty_reevaluate_tiers
from app.jobs.reactions import orders_changed
from app.jobs.registry import load, registry
from app.jobs.schedule import PERIODIC
from app.settings import Settings
from loyalty.models import Member, Perk, PerkKind, PerkStatus
from loyalty.processing import process_orders
from loyalty.rules import Rules, Tier
from store.models.jobs import Job
from tests.loyalty.helpers import at
from tests.support.servers import SECRET

pytestmark = pytest.mark.db
load()

LADDER = (Tier("Silver", Decimal(100)), Tier("Gold", Decimal(300), free_shipping=True))


async def queued() -> list[list]:
    return [row.args for row in await Job.filter(function="loyalty_perks_sync").order_by("id")]


@pytest.fixture
def queue(database_url: str) -> LocalQueue:
    return LocalQueue(Settings(secret_key=SECRET, database_url=database_url))


def test_the_perk_sync_runs_daily_for_every_merchant():
    assert {"loyalty_perks_sync", "loyalty_perks_sync_all"} <= set(registry)
    assert dict((getattr(job, "name", job), period) for job, period in PERIODIC)["loyalty_perks_sync_all"] == (
        timedelta(days=1)
    )


async def test_orders_queue_a_sync_only_for_members_whose_perks_are_out_of_step(shop, queue):
    await shop.program(Rules(tiers=LADDER, tier_grace_days=0))
    gold, gold_profile = await shop.customer()
    silver, _ = await shop.customer()
    await orders_changed({"queue": queue}, shop.store.id, [await shop.order(silver, [("a", 150)], when=at(0))])
    assert await queued() == []  # Silver ships at the usual price: nothing to do
    result = await orders_changed({"queue": queue}, shop.store.id, [await shop.order(gold, [("a", 400)], when=at(0))])
    assert result["perk_syncs"] == 1 and await queued() == [[shop.merchant.id, [gold_profile]]]

    # once the code exists, a further order of the Gold member queues nothing
    await Perk.create(
        merchant_id=shop.merchant.id,
        profile_id=gold_profile,
        store_id=shop.store.id,
        kind=PerkKind.FREE_SHIPPING,
        tier="Gold",
        code="RP-FS-JOBS1",
        status=PerkStatus.ACTIVE,
        created_at=at(0),
    )
    await Job.all().delete()
    await orders_changed({"queue": queue}, shop.store.id, [await shop.order(gold, [("a", 20)], when=at(1))])
    assert await queued() == []

    # a member merged into the Gold one still holding a code of their own gets a sync that deletes it
    other, absorbed = await shop.customer()
    await Perk.create(
        merchant_id=shop.merchant.id,
        profile_id=absorbed,
        store_id=shop.store.id,
        kind=PerkKind.FREE_SHIPPING,
        tier="Gold",
        code="RP-FS-JOBS2",
        status=PerkStatus.ACTIVE,
        created_at=at(0),
    )
    await Member.get_or_create(
        profile_id=absorbed, defaults={"merchant_id": shop.merchant.id, "referral_code": "JOBSMERGED"}
    )
    await Member.filter(profile_id=absorbed).update(merged_into_id=gold_profile)
    await orders_changed({"queue": queue}, shop.store.id, [await shop.order(gold, [("a", 20)], when=at(2))])
    assert await queued() == [[shop.merchant.id, [absorbed]]]


async def test_a_reevaluation_that_moves_someone_and_the_daily_run_queue_a_full_sync(shop, queue):
    await shop.program(Rules(tiers=LADDER, tier_grace_days=0, tier_window="rolling_12m"))
    cust, profile = await shop.customer()
    placed = datetime.now(UTC) - timedelta(days=400)
    await process_orders([await shop.order(cust, [("a", 400)], when=placed)], now=placed)
    assert (await Member.get(profile_id=profile)).tier == "Gold"
    await loyalty_reevaluate_tiers({"queue": queue}, shop.merchant.id)  # now: long past the 12 months
    assert await queued() == [[shop.merchant.id, None]]
    await Job.all().delete()
    assert await loyalty_reevaluate_tiers({"queue": queue}, shop.merchant.id) == {
        "upgraded": 0,
        "grace_started": 0,
        "downgraded": 0,
    }
    assert await queued() == []
    assert await loyalty_perks_sync_all({"queue": queue}) >= 1
    assert [shop.merchant.id, None] in await queued()

"""The sandbox merchant's loyalty program: what the demo, the API tests and the benchmarks run.

A program a record shop might plausibly run: a point per dollar, four spend tiers over the
member's lifetime, sign-up, birthday and newsletter actions, referrals and six rewards. It is
published from the start of the sandbox history, so every order earns under it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from tortoise.models import Model

from campaigns import manage
from campaigns.builtin import template_for
from campaigns.models import Campaign, CampaignKind
from campaigns.settings import save_mail_config
from loyalty.models import Entry, Member, OrderAccount, Reward, RewardKind
from loyalty.processing import process_orders
from loyalty.program import load_program, publish
from loyalty.release import release_due
from loyalty.rules import ActionRule, ReleaseMode, Rules, Tier, TierMetric, TierWindow
from store.models import Customer, Order, OrderLine, Refund
from store.sql import dialect_of

EFFECTIVE_FROM = datetime(1996, 1, 1, tzinfo=UTC)
"""Before the sandbox's first order as recorded (CDNOW's history starts in January 1997); the demo,
whose history is moved to end yesterday, publishes from the day of its own first order."""
BATCH = 1000
READ = (Order, OrderLine, Refund, Customer)
"""What processing looks up by id lists: the history was just bulk-loaded, so not analysed yet."""
FILLED = (OrderAccount, Entry, Member)
"""What processing fills while it reads from it (a member's orders for tiers, paid entry rewards)."""
GROWTH = 4
"""The loyalty tables are analysed again each time the orders processed have grown this much."""


def sample_rules() -> Rules:
    return Rules(
        currency="USD",
        earn_rates={"USD": Decimal(1)},
        release=ReleaseMode.RETURN_WINDOW,
        return_window_days=30,
        actions={
            "signup": ActionRule(points=100),
            "birthday": ActionRule(points=200, limit=1, period_days=365),
            "newsletter": ActionRule(points=50),
            "first_order": ActionRule(points=50),
        },
        tier_metric=TierMetric.SPEND,
        tier_window=TierWindow.LIFETIME,
        tiers=(
            Tier("Bronze", Decimal(0)),
            Tier("Silver", Decimal(100), multiplier=Decimal("1.25"), entry_points=50),
            Tier("Gold", Decimal(300), multiplier=Decimal("1.5"), entry_points=150, free_shipping=True),
            Tier("Platinum", Decimal(1000), multiplier=Decimal(2), entry_points=500, free_shipping=True),
        ),
        referral_friend_points=250,
        referral_referrer_points=500,
        point_value=Decimal("0.01"),
        code_valid_days=90,
    )


def sample_rewards(merchant_id: int) -> list[Reward]:
    """Cheapest first: what a widget shows as the next reward to save for."""
    return [
        Reward(
            merchant_id=merchant_id,
            name="Free shipping",
            kind=RewardKind.FREE_SHIPPING,
            points_cost=150,
            value=Decimal(0),
        ),
        Reward(merchant_id=merchant_id, name="$5 off", kind=RewardKind.FIXED_AMOUNT, points_cost=500, value=Decimal(5)),
        Reward(
            merchant_id=merchant_id,
            name="10% off your order",
            kind=RewardKind.PERCENTAGE,
            points_cost=800,
            value=Decimal(10),
        ),
        Reward(
            merchant_id=merchant_id, name="$10 off", kind=RewardKind.FIXED_AMOUNT, points_cost=1000, value=Decimal(10)
        ),
        Reward(
            merchant_id=merchant_id, name="$25 off", kind=RewardKind.FIXED_AMOUNT, points_cost=2500, value=Decimal(25)
        ),
        Reward(
            merchant_id=merchant_id,
            name="Points to cash",
            kind=RewardKind.POINTS_TO_CASH,
            value=Decimal(0),
            cash_per_point=Decimal("0.01"),
            min_points=100,
            max_points=5000,
        ),
    ]


async def install_sample_program(
    merchant_id: int, *, now: datetime | None = None, effective_from: datetime = EFFECTIVE_FROM
) -> int:
    """Publish the program (in effect from ``effective_from``, no later than the first order) and
    rewards once, earn every order of the merchant and release the points whose return window has
    passed by ``now``; returns orders processed.

    Idempotent: a merchant that has a program keeps it, and processing an order twice changes nothing.
    """
    if (await load_program(merchant_id)).current is None:
        await publish(merchant_id, sample_rules(), effective_from, actor="sample", note="sample program")
        await Reward.bulk_create(sample_rewards(merchant_id))
    ids = cast(
        "list[int]",
        await Order.filter(merchant_id=merchant_id).order_by("platform_created_at", "id").values_list("id", flat=True),
    )
    await analyze(READ)
    analysed_at = 0
    for start in range(0, len(ids), BATCH):
        await process_orders(ids[start : start + BATCH], now=now)
        done = min(start + BATCH, len(ids))
        if done >= GROWTH * analysed_at:
            await analyze(FILLED)
            analysed_at = done
    await release_due(now, merchant_id=merchant_id)
    return len(ids)


async def analyze(models: tuple[type[Model], ...]) -> None:
    """Fresh planner statistics for a bulk load. Without any (autovacuum off, or not yet run),
    PostgreSQL plans a batch's lookup of a thousand members' orders or paid entry rewards as a scan
    of the whole table, so each batch costs more as the history fills it: quadratic in all."""
    conn = Order._meta.db
    await dialect_of(conn).analyze(conn, [m._meta.db_table for m in models])


SAMPLE_CAMPAIGNS = (CampaignKind.WIN_BACK, CampaignKind.BIRTHDAY)
"""Drafts the demo offers ready to preview and launch."""


async def install_sample_campaigns(merchant_id: int) -> list[Campaign]:
    """The win-back and birthday campaigns as drafts, once (a merchant's own edits are kept), and
    mail settings without quiet hours, so the demo shows its email whatever the hour."""
    drafts = []
    for kind in SAMPLE_CAMPAIGNS:
        found = await Campaign.get_or_none(merchant_id=merchant_id, kind=kind)
        drafts.append(found or await manage.create(merchant_id, kind, name=template_for(kind).name))
    await save_mail_config(merchant_id, {"quiet_start_hour": 0, "quiet_end_hour": 0})
    return drafts

"""A campaign's results on planted data: entries, messages and orders written directly, and
every figure checked against a count done by hand in the test."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from campaigns.errors import CampaignNotFound
from campaigns.models import (
    Campaign,
    CampaignEntry,
    CampaignKind,
    CodeStatus,
    Group,
    Message,
    MessageKind,
    MessageStatus,
)
from campaigns.results import definitions, results_of
from campaigns.uplift import Finding
from loyalty.models import Member
from loyalty.program import publish
from loyalty.rules import Rules
from store.models import Customer, Merchant, Order, Platform, Profile, Store
from store.sql import dialect_of, insert_rows
from store.sql.attribution import fresh_statistics
from tests.campaigns.test_uplift import newcombe_by_hand, welch_by_hand

pytestmark = pytest.mark.db

E = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
"""When the campaign's first run entered its members."""
_n = itertools.count(1)


def day(days: float) -> datetime:
    return E + timedelta(days=days)


@dataclass
class Planted:
    merchant: Merchant
    usd: Store
    eur: Store
    campaign: Campaign

    async def member(self, store: Store | None = None) -> tuple[Profile, Customer]:
        profile = await Profile.create(merchant=self.merchant)
        customer = await self.account(profile, store or self.usd)
        return profile, customer

    async def account(self, profile: Profile, store: Store, *, owner: Profile | None = None) -> Customer:
        n = next(_n)
        return await Customer.create(
            merchant=self.merchant,
            store=store,
            platform_id=f"c{n}",
            profile=profile,
            owner=owner,
            email=f"m{n}@example.org",
            platform_updated_at=E,
            content_hash="x",
        )

    async def enter(
        self,
        profile: Profile,
        group: Group,
        *,
        at: datetime = E,
        code: str | None = None,
        status: CodeStatus = CodeStatus.NONE,
        points: int = 0,
        campaign: Campaign | None = None,
    ) -> CampaignEntry:
        campaign = campaign or self.campaign
        return await CampaignEntry.create(
            campaign=campaign,
            merchant_id=campaign.merchant_id,
            profile=profile,
            period=0 if at == E else 1,
            group=group,
            entered_at=at,
            store_id=self.usd.id,
            code=code,
            code_status=status,
            code_value=Decimal(10) if code else None,
            points=points,
        )

    async def order(
        self,
        customer: Customer,
        when: datetime,
        total: str,
        *,
        refunded: str = "0",
        discount: str = "0",
        codes: tuple[str, ...] = (),
        currency: str | None = None,
        cancelled: bool = False,
        test: bool = False,
    ) -> None:
        store = await Store.get(id=customer.store_id)
        await Order.create(
            merchant_id=customer.merchant_id,
            store=store,
            customer=customer,
            platform_id=f"o{next(_n)}",
            currency=currency or store.currency,
            subtotal=Decimal(total) + Decimal(discount),
            total_discount=Decimal(discount),
            total=Decimal(total),
            total_refunded=Decimal(refunded),
            discount_codes=list(codes),
            cancelled_at=when if cancelled else None,
            test=test,
            platform_created_at=when,
            platform_updated_at=when,
            content_hash="x",
        )

    async def message(self, entry: CampaignEntry, status: MessageStatus, *, opened: bool = False) -> None:
        await Message.create(
            merchant_id=entry.merchant_id,
            key=f"campaign:{entry.campaign_id}:{entry.id}",
            campaign_id=entry.campaign_id,
            entry_id=entry.id,
            profile_id=entry.profile_id,
            kind=MessageKind.MARKETING,
            template=CampaignKind.WIN_BACK.value,
            status=status,
            send_after=entry.entered_at,
            sent_at=entry.entered_at if status == MessageStatus.SENT else None,
            opened_at=entry.entered_at + timedelta(hours=2) if opened else None,
        )


async def shop(name: str) -> Planted:
    merchant = await Merchant.create(name=name)
    usd = await Store.create(
        merchant=merchant, platform=Platform.SHOPIFY, domain=f"{name}.myshopify.com", currency="USD", public_key=name
    )
    eur = await Store.create(
        merchant=merchant,
        platform=Platform.WOOCOMMERCE,
        domain=f"https://{name}.example.eu",
        currency="EUR",
        public_key=f"{name}-eu",
    )
    campaign = await Campaign.create(
        merchant=merchant, name="Win-back", kind=CampaignKind.WIN_BACK, audience={}, actions={}, attribution_days=30
    )
    return Planted(merchant, usd, eur, campaign)


async def plant() -> tuple[Planted, Planted]:
    """Eight treated members and four held out, each with what the comments say; and another
    merchant whose campaign and orders must not show."""
    s = await shop("north")
    await publish(
        s.merchant.id,
        Rules(currency="USD", exchange_rates={"EUR": Decimal("1.10")}, point_value=Decimal("0.01")),
        E - timedelta(days=400),
    )
    treated = [await s.member() for _ in range(8)]
    holdout = [await s.member() for _ in range(4)]
    t = []
    for i, (profile, _) in enumerate(treated):
        failed = i == 5
        t.append(
            await s.enter(
                profile,
                Group.TREATED,
                at=day(5) if i == 6 else E,
                code=None if failed else f"WB-{i}",
                status=CodeStatus.FAILED if failed else CodeStatus.ISSUED,
                points=100,
            )
        )
    for profile, _ in holdout:
        await s.enter(profile, Group.HOLDOUT)
    c = [customer for _, customer in treated]
    # T0: buys in the window with its code written in lower case, and again after the window.
    await s.order(c[0], day(3), "100", discount="10", codes=("wb-0",))
    await s.order(c[0], day(40), "50")
    # T1: bought before entering (not counted), then in euros on its other store's account.
    await s.order(c[1], day(-2), "70")
    eur_account = await s.account(treated[1][0], s.eur)
    await s.order(eur_account, day(12), "20")
    # T2: only a cancelled order and a test order in the window.
    await s.order(c[2], day(4), "90", cancelled=True)
    await s.order(c[2], day(5), "90", test=True)
    # T3: 80, of which 30 refunded; and 15 on an account whose points T3 holds, although
    # insights put that account in another profile.
    await s.order(c[3], day(29), "80", refunded="30")
    elsewhere = await Profile.create(merchant=s.merchant)
    await s.order(await s.account(elsewhere, s.usd, owner=treated[3][0]), day(6), "15")
    # T4: nothing of its own; an account insights put in T4's profile but whose points someone
    # else holds buys, which is not T4 buying. T5: its code failed, nothing bought.
    await s.order(await s.account(treated[4][0], s.usd, owner=elsewhere), day(7), "35")
    # T6: entered five days later, so its window runs to day 35.
    await s.order(c[6], day(33), "40")
    # T7: pays in pounds, which the program has no rate for.
    await s.order(c[7], day(8), "25", currency="GBP")
    # Another member's code on H0's order is not a redemption of T2's code.
    h = [customer for _, customer in holdout]
    await s.order(h[0], day(10), "60", codes=("WB-2",))
    await s.order(h[2], day(31), "45")
    # H3's orders come through an account whose loyalty member was merged into H3's.
    old = await Profile.create(merchant=s.merchant)
    await Member.create(merchant=s.merchant, profile=old, referral_code="OLD1", merged_into_id=holdout[3][0].id)
    await Member.create(merchant=s.merchant, profile=holdout[3][0], referral_code="NEW1")
    await s.order(await s.account(old, s.usd), day(20), "30")

    for i, status in enumerate(
        (MessageStatus.SENT, MessageStatus.SENT, MessageStatus.SENT, MessageStatus.SENT, MessageStatus.BOUNCED)
    ):
        await s.message(t[i], status, opened=i == 0)
    await s.message(t[6], MessageStatus.QUEUED)
    await s.message(t[7], MessageStatus.SKIPPED)

    other = await shop("south")
    stranger, account = await other.member()
    entry = await other.enter(stranger, Group.TREATED, code="WB-0", status=CodeStatus.ISSUED, points=500)
    await other.order(account, day(2), "999", discount="10", codes=("WB-0",))
    await other.message(entry, MessageStatus.SENT, opened=True)
    return s, other


async def test_results_count_what_each_group_received_bought_and_cost(db: object) -> None:
    s, other = await plant()

    r = await results_of(s.campaign.id, day(45), merchant_id=s.merchant.id)

    assert r.currency == "USD" and r.attribution_days == 30 and r.point_value == Decimal("0.01")
    t, h = r.treated, r.holdout
    assert (t.members, t.recipients, t.delivered, t.opened, t.bounced, t.failed, t.skipped, t.waiting) == (
        8,
        7,
        4,
        1,
        1,
        0,
        1,
        1,
    )
    assert (t.codes_issued, t.codes_failed, t.codes_redeemed, t.points_granted) == (7, 1, 1, 800)
    # Customers: T0, T1 (euros), T3 (two accounts), T6 (its own window), T7 (pounds); T2's orders do not count.
    assert (t.customers, t.orders) == (5, 6)
    assert t.revenue == Decimal("100") + Decimal("20") * Decimal("1.10") + Decimal("50") + Decimal("15") + Decimal("40")
    assert t.discounts == Decimal("10.00")
    assert r.unconverted_orders == 1
    assert (h.members, h.recipients, h.delivered, h.codes_issued, h.points_granted) == (4, 0, 0, 0, 0)
    assert (h.customers, h.orders, h.revenue, h.codes_redeemed) == (2, 2, Decimal("90.00"), 0)
    assert t.open_windows == 0 and h.open_windows == 0

    assert r.discount_cost == Decimal("10.00") and r.points_cost == Decimal("8.00") and r.cost == Decimal("18.00")
    d, low, high = newcombe_by_hand(5, 8, 2, 4)
    assert r.conversion_uplift is not None
    assert (r.conversion_uplift.value, r.conversion_uplift.low, r.conversion_uplift.high) == pytest.approx(
        (d, low, high)
    )
    assert r.incremental_customers is not None
    assert r.incremental_customers.value == pytest.approx(d * 8)
    rd, rlow, rhigh = welch_by_hand([100, 22, 65, 40, 0, 0, 0, 0], [60, 30, 0, 0])
    assert r.revenue_per_member_uplift is not None and r.incremental_revenue is not None
    assert r.revenue_per_member_uplift.amount == Decimal("5.88") == Decimal(str(round(rd, 2)))
    assert float(r.revenue_per_member_uplift.low) == pytest.approx(rlow, abs=0.006)
    assert float(r.revenue_per_member_uplift.high) == pytest.approx(rhigh, abs=0.006)
    assert r.incremental_revenue.amount == Decimal("47.00")
    assert r.finding is Finding.NO_MEASURABLE_EFFECT and r.cost_per_incremental_customer is None

    theirs = await results_of(other.campaign.id, day(45))
    assert (theirs.treated.members, theirs.treated.customers, theirs.treated.codes_redeemed) == (1, 1, 1)
    assert theirs.treated.revenue == Decimal("999.00") and theirs.holdout.members == 0
    assert theirs.finding is Finding.NO_HOLDOUT and theirs.point_value is None and theirs.cost == Decimal("10.00")


async def test_results_before_the_windows_close_count_only_what_happened_so_far(db: object) -> None:
    s, _ = await plant()

    r = await results_of(s.campaign.id, day(10))

    assert r.treated.open_windows == 8 and r.holdout.open_windows == 4
    # By day 10: T0 (day 3), T3 (day 6, its other account) and T7 (day 8, pounds); not H0 (day 10 is not before now).
    assert (r.treated.customers, r.treated.revenue) == (3, Decimal("115.00"))
    assert (r.holdout.customers, r.holdout.revenue) == (0, Decimal("0.00"))


async def test_another_merchants_campaign_is_not_found(db: object) -> None:
    s, other = await plant()

    with pytest.raises(CampaignNotFound):
        await results_of(other.campaign.id, day(45), merchant_id=s.merchant.id)
    with pytest.raises(CampaignNotFound):
        await results_of(10_000, day(45))


def test_every_figure_has_a_definition() -> None:
    found = definitions()
    for name in ("members", "recipients", "opened", "codes_redeemed", "customers", "revenue", "conversion"):
        assert found[name]
    for name in ("conversion_uplift", "incremental_customers", "cost", "cost_per_incremental_customer"):
        assert found[name]
    assert "holdout" in found["recipients"] and "interval" in found["conversion_uplift"]


async def test_statistics_that_still_count_an_empty_table_are_refreshed_before_the_joins(db: object) -> None:
    s = await shop("busy")
    conn = CampaignEntry._meta.db
    await conn.execute_script(dialect_of(conn).pick(postgres='ANALYZE "campaign_entries"', sqlite="SELECT 1"))
    profiles = await insert_rows(
        conn, Profile, [{"merchant_id": s.merchant.id, "created_at": E, "updated_at": E}] * 1200, returning=("id",)
    )
    rows = [
        {
            "campaign_id": s.campaign.id,
            "merchant_id": s.merchant.id,
            "profile_id": p["id"],
            "period": 0,
            "group": Group.TREATED.value,
            "entered_at": E,
            "code_status": CodeStatus.NONE.value,
            "points": 0,
        }
        for p in profiles
    ]
    await insert_rows(conn, CampaignEntry, rows)

    refreshed = await fresh_statistics(conn, {CampaignEntry: 1200, Message: 0})
    again = await fresh_statistics(conn, {CampaignEntry: 1200, Message: 0})

    assert (refreshed, again) == ((True, False) if dialect_of(conn).postgres else (False, False))
    assert (await results_of(s.campaign.id, day(1))).treated.members == 1200

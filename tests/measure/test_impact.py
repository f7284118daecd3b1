"""Members against non-members on a simulated program: people with histories, heavy buyers taking
part more often than light ones (self-selection), and members buying a planted share more after
taking part, or not at all more. As in a program that enrols every buyer at the first order, every
buyer has a member row, order points and the first order's bonus; taking part is planted as what a
shopper chooses (a reward redeemed, an action, a referral) on the join day, beside what is not (a
failed redemption). The matched comparison must find the planted effect (and none when there is
none) while the raw comparison is fooled; every figure is also worked out by hand in plain Python."""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from campaigns.models import Campaign, CampaignEntry, CampaignKind, CodeStatus, Group
from campaigns.results import results_of
from loyalty.models import (
    Entry,
    EntryKind,
    Member,
    Redemption,
    RedemptionStatus,
    Referral,
    ReferralStatus,
    Reward,
    RewardKind,
)
from loyalty.program import publish
from loyalty.rules import Rules
from measure.impact import Estimate, Matched, program_impact, program_roi
from store.models import Customer, Merchant, Order, Profile, Store
from store.sql.program_impact import MemberCosts

pytestmark = pytest.mark.db

START = date(2024, 1, 1)
"""The simulated history starts here: two years of orders."""
DAYS = 730
WINDOW = 90
JOIN_DAYS = [START + timedelta(days=400 + 15 * k) for k in range(12)]
"""The days members may join on: over a year of history before each, its window closed before the end."""
NOW = datetime.combine(START + timedelta(days=DAYS), time(12), tzinfo=UTC)
HEAVY, LIGHT = 1 / 20, 1 / 240
"""Daily chance of an order for the two kinds of shopper: about 18 and 1.5 a year."""
_ids = itertools.count(1)


@dataclass
class Person:
    heavy: bool
    joins: date | None
    orders: list[tuple[date, Decimal]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return HEAVY if self.heavy else LIGHT


def simulate(seed: int, lift: float, people: int = 600) -> list[Person]:
    """``lift``: members order this much more (0.5 is 50 %) from the day after joining. Heavy buyers
    join with chance 0.6, light ones 0.15: members are mostly the heavy buyers."""
    rng = random.Random(seed)
    found = []
    for _ in range(people):
        heavy = rng.random() < 0.3
        joins = rng.choice(JOIN_DAYS) if rng.random() < (0.6 if heavy else 0.15) else None
        person = Person(heavy, joins)
        for d in range(DAYS):
            day = START + timedelta(days=d)
            chance = person.rate * (1 + lift if joins is not None and day > joins else 1)
            if rng.random() < chance:
                person.orders.append((day, Decimal(rng.randint(3000, 7000)) / 100))
        found.append(person)
    return found


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


ENGAGEMENTS = ("issued", "used", "expired", "signup", "newsletter", "review", "survey", "advocate", "friend", "claim")
"""The ways of taking part the simulation plants in turn: a redemption in each status that counts,
an action the shopper chose, a referral's points as advocate or friend, a referral claimed."""


async def plant(people: list[Person], name: str) -> tuple[Merchant, list[int]]:
    """The people as a merchant's profiles, accounts, orders and member rows (every buyer's, with
    order points and the first order's bonus), and each joiner's engagement on their join day at
    18:00, after that day's order; their profile ids."""
    merchant = await Merchant.create(name=name)
    store = await Store.create(
        merchant=merchant,
        platform="shopify",
        domain=f"{name.lower().replace(' ', '-')}.myshopify.com",
        currency="USD",
        public_key=f"pk_{name}_{next(_ids)}",
        install_state="installed",
    )
    await Profile.bulk_create([Profile(merchant=merchant) for _ in people])
    profile_ids = [p.id for p in await Profile.filter(merchant=merchant).order_by("id")]
    assert len(profile_ids) == len(people)
    await Customer.bulk_create(
        [
            Customer(
                merchant=merchant,
                store=store,
                platform_id=f"c{pid}",
                profile_id=pid,
                platform_created_at=at(START, 0),
                platform_updated_at=at(START, 0),
                content_hash="x",
            )
            for pid in profile_ids
        ]
    )
    customer_of = dict(await Customer.filter(merchant=merchant).values_list("profile_id", "id"))
    orders = [
        Order(
            merchant=merchant,
            store=store,
            customer_id=customer_of[pid],
            platform_id=f"o{next(_ids)}",
            currency="USD",
            subtotal=amount,
            total=amount,
            platform_created_at=at(day),
            platform_updated_at=at(day),
            content_hash="x",
        )
        for pid, person in zip(profile_ids, people, strict=True)
        for day, amount in person.orders
    ]
    for k in range(0, len(orders), 1000):
        await Order.bulk_create(orders[k : k + 1000])
    reward = await Reward.create(merchant=merchant, name="$5 off", kind=RewardKind.FIXED_AMOUNT, value=Decimal(5))
    members, entries, redemptions, claims = [], [], [], []
    kinds = itertools.cycle(ENGAGEMENTS)
    for pid, person in zip(profile_ids, people, strict=True):
        if person.orders:  # enrolled at the first order, with its points and bonus: not taking part
            first = at(person.orders[0][0], 11)
            members.append(Member(merchant=merchant, profile_id=pid, referral_code=f"R{pid}"))
            entries.append(entry(merchant, pid, EntryKind.EARN, first, points=40))
            entries.append(entry(merchant, pid, EntryKind.ACTION, first, points=50, cause="first_order"))
            entries.append(entry(merchant, pid, EntryKind.TIER_REWARD, first, points=50, cause="Silver"))
            # A redemption whose code could not be issued: its points were given back, nothing taken part in.
            redemptions.append(redemption(merchant, pid, reward, store, RedemptionStatus.FAILED, first))
        if person.joins is None:
            continue
        when = at(person.joins, 18)
        match next(kinds):
            case "issued" | "used" | "expired" as status:
                redemptions.append(redemption(merchant, pid, reward, store, RedemptionStatus(status), when))
            case "advocate" | "friend" as side:
                entries.append(entry(merchant, pid, EntryKind.REFERRAL, when, points=250, cause=side))
            case "claim":
                claims.append(Referral(merchant=merchant, referrer_id=profile_ids[0], friend_id=pid, created_at=when))
            case action:
                entries.append(entry(merchant, pid, EntryKind.ACTION, when, points=50, cause=action))
    await Member.bulk_create(members, batch_size=500)
    await Entry.bulk_create(entries, batch_size=500)
    await Redemption.bulk_create(redemptions, batch_size=500)
    await Referral.bulk_create(claims, batch_size=500)
    return merchant, profile_ids


def entry(merchant: Merchant, pid: int, kind: EntryKind, when: datetime, *, points: int, cause: str = "") -> Entry:
    return Entry(merchant=merchant, profile_id=pid, kind=kind, key=f"e{next(_ids)}", available=points,
                 lifetime=points, cause=cause, occurred_at=when)  # fmt: skip


def redemption(
    merchant: Merchant, pid: int, reward: Reward, store: Store, status: RedemptionStatus, when: datetime
) -> Redemption:
    return Redemption(merchant=merchant, profile_id=pid, reward=reward, store_id=store.id, points=500,
                      value=Decimal("5.00"), currency="USD", code=f"C{next(_ids)}", request_key=f"k{next(_ids)}",
                      status=status, created_at=when)  # fmt: skip


# -- the hand calculation: the same method written again over the simulated people -------------


def _bucket(value: float, bounds: tuple[float, ...]) -> int:
    return sum(1 for b in bounds if value >= b)


def cell_by_hand(person: Person, day: date) -> tuple[int, int, int]:
    before = [(d, a) for d, a in person.orders if d < day]
    if before:
        since = (day - max(d for d, _ in before)).days
        recency = next((i + 1 for i, limit in enumerate((30, 90, 180, 365)) if since <= limit), 5)
    else:
        recency = 0
    return (
        recency,
        _bucket(len(before), (1, 2, 3, 5, 10)),
        _bucket(float(sum(a for _, a in before)), (100, 250, 500, 1000)),
    )


def after_by_hand(person: Person, day: date) -> tuple[int, Decimal]:
    inside = [a for d, a in person.orders if day < d <= day + timedelta(days=WINDOW)]
    return len(inside), sum(inside, Decimal(0))


@dataclass
class ByHand:
    pairs: int
    member_orders: float
    control_orders: float
    revenue_effect: float
    revenue_half_width: float
    order_effect: float
    true_order_effect: float
    """What the planted lift adds per matched member: lift × their daily rate × the window."""


def matched_by_hand(people: list[Person], lift: float) -> ByHand:
    controls = [p for p in people if p.joins is None]
    revenue_diffs, order_diffs, member_orders, control_orders, truth = [], [], [], [], []
    for m in (p for p in people if p.joins is not None):
        day = m.joins
        twins = [c for c in controls if cell_by_hand(c, day) == cell_by_hand(m, day)]
        if not twins:
            continue
        n, revenue = after_by_hand(m, day)
        outcomes = [after_by_hand(c, day) for c in twins]
        mean_orders = sum(o for o, _ in outcomes) / len(twins)
        mean_revenue = sum((r for _, r in outcomes), Decimal(0)) / len(twins)
        revenue_diffs.append(float(revenue - mean_revenue))
        order_diffs.append(n - mean_orders)
        member_orders.append(n)
        control_orders.append(mean_orders)
        truth.append(lift * m.rate * WINDOW)
    k = len(revenue_diffs)
    mean = sum(revenue_diffs) / k
    sd = math.sqrt(sum((d - mean) ** 2 for d in revenue_diffs) / (k - 1))
    return ByHand(
        pairs=k,
        member_orders=sum(member_orders) / k,
        control_orders=sum(control_orders) / k,
        revenue_effect=mean,
        revenue_half_width=1.959963984540054 * sd / math.sqrt(k),
        order_effect=sum(order_diffs) / k,
        true_order_effect=sum(truth) / k,
    )


def raw_by_hand(people: list[Person], first: date, last: date) -> dict[bool, tuple[int, float, Decimal, float]]:
    """Customers who ordered in [first, last], members against the rest: customers, orders per
    customer, revenue per customer, share with two orders or more."""
    groups: dict[bool, list[list[Decimal]]] = defaultdict(list)
    for p in people:
        inside = [a for d, a in p.orders if first <= d <= last]
        if inside:
            groups[p.joins is not None].append(inside)
    found = {}
    for member, baskets in groups.items():
        n = len(baskets)
        revenue = sum((sum(b, Decimal(0)) for b in baskets), Decimal(0))
        found[member] = (
            n,
            sum(len(b) for b in baskets) / n,
            (revenue / n).quantize(Decimal("0.01")),
            sum(1 for b in baskets if len(b) >= 2) / n,
        )
    return found


# -- the tests ----------------------------------------------------------------------------------


async def test_matched_comparison_recovers_a_planted_effect_that_the_raw_comparison_inflates(db):
    people = simulate(seed=2101, lift=0.5)
    merchant, _ = await plant(people, "Planted Effect")
    found = await program_impact(merchant.id, now=NOW)
    hand = matched_by_hand(people, 0.5)

    matched = found.matched
    assert matched.pairs == hand.pairs > 100
    assert matched.members.orders_per_customer == pytest.approx(hand.member_orders)
    assert matched.controls.orders_per_customer == pytest.approx(hand.control_orders)
    assert matched.effect.value == pytest.approx(hand.revenue_effect)
    assert matched.effect.high - matched.effect.value == pytest.approx(hand.revenue_half_width)
    assert matched.orders_effect.value == pytest.approx(hand.order_effect)
    # The planted lift, in orders per member, lies inside the 95 % interval; zero does not.
    assert matched.orders_effect.low <= hand.true_order_effect <= matched.orders_effect.high
    assert matched.orders_effect.low > 0 and matched.effect.low > 0
    # The raw gap is far bigger than the planted one: members were heavy buyers already.
    raw_gap = found.raw_members.orders_per_customer / found.raw_non_members.orders_per_customer
    matched_gap = matched.members.orders_per_customer / matched.controls.orders_per_customer
    assert matched_gap == pytest.approx(1.5, abs=0.2)
    assert raw_gap > 3
    assert found.summary.startswith("Members bought") and "more each" in found.summary


async def test_matched_comparison_reports_no_effect_when_there_is_none_while_the_raw_one_still_shows_a_gap(db):
    people = simulate(seed=2102, lift=0.0)
    merchant, _ = await plant(people, "No Effect")
    found = await program_impact(merchant.id, now=NOW)
    hand = matched_by_hand(people, 0.0)

    assert found.matched.pairs == hand.pairs
    assert found.matched.effect.value == pytest.approx(hand.revenue_effect)
    assert found.matched.effect.covers_zero and found.matched.orders_effect.covers_zero
    # Self-selection alone makes members look more than twice as active; matched, they are not.
    assert found.raw_members.orders_per_customer / found.raw_non_members.orders_per_customer > 2
    assert found.matched.members.orders_per_customer / found.matched.controls.orders_per_customer == pytest.approx(
        1, abs=0.15
    )
    assert "flatters" in found.method and "95 %" in found.method
    assert found.summary.startswith("No measurable effect")


async def test_raw_and_pre_post_figures_equal_a_hand_count(db):
    people = simulate(seed=2103, lift=0.3, people=300)
    merchant, _ = await plant(people, "Hand Count")
    first, last = date(2024, 7, 1), date(2025, 6, 30)
    found = await program_impact(merchant.id, first, last, now=NOW)

    hand = raw_by_hand(people, first, last)
    for member, figures in ((True, found.raw_members), (False, found.raw_non_members)):
        customers, orders, revenue, repeat = hand[member]
        assert figures.customers == customers
        assert figures.orders_per_customer == pytest.approx(orders)
        assert figures.revenue_per_customer == revenue
        assert figures.repeat_rate == pytest.approx(repeat)

    # Pre/post: members who joined in the period with their window closed by its end.
    joined = [p for p in people if p.joins is not None and first <= p.joins <= last - timedelta(days=WINDOW)]
    before = [[a for d, a in p.orders if p.joins - timedelta(days=WINDOW) <= d < p.joins] for p in joined]
    after = [[a for d, a in p.orders if p.joins < d <= p.joins + timedelta(days=WINDOW)] for p in joined]
    assert found.pre_post.members == len(joined) > 0
    for figures, baskets in ((found.pre_post.before, before), (found.pre_post.after, after)):
        assert figures.customers == len(joined)
        assert figures.orders_per_customer == pytest.approx(sum(map(len, baskets)) / len(joined))
        total = sum((sum(b, Decimal(0)) for b in baskets), Decimal(0))
        assert figures.revenue_per_customer == (total / len(joined)).quantize(Decimal("0.01"))
        assert figures.repeat_rate == pytest.approx(sum(1 for b in baskets if len(b) >= 2) / len(joined))


async def test_cancelled_test_and_refunded_orders_count_as_insights_counts_them(db):
    people = [Person(True, None, [(date(2025, 1, 10), Decimal(40)), (date(2025, 1, 20), Decimal(60))])]
    merchant, (pid,) = await plant(people, "Counting Rules")
    customer = await Customer.get(profile_id=pid)
    common = dict(merchant=merchant, store_id=customer.store_id, customer=customer, currency="USD", content_hash="x")
    when = at(date(2025, 1, 15))
    await Order.create(**common, platform_id="cx", total=Decimal(99), cancelled_at=when,
                       platform_created_at=when, platform_updated_at=when)  # fmt: skip
    await Order.create(**common, platform_id="tx", total=Decimal(99), test=True,
                       platform_created_at=when, platform_updated_at=when)  # fmt: skip
    first = await Order.filter(customer=customer, total=Decimal(40)).get()
    await Order.filter(id=first.id).update(total_refunded=Decimal(15))
    found = await program_impact(merchant.id, date(2025, 1, 1), date(2025, 1, 31), now=NOW)
    assert found.raw_non_members.customers == 1
    assert found.raw_non_members.orders_per_customer == 2
    assert found.raw_non_members.revenue_per_customer == Decimal("85.00")
    assert found.raw_non_members.repeat_rate == 1
    assert found.raw_members.customers == 0 and found.raw_members.orders_per_customer is None


async def test_a_member_row_with_order_points_only_or_a_failed_redemption_is_no_taking_part(db):
    """Three people with the same history: one redeemed a reward on the join day; the other two
    have member rows, order points, the first order's bonus and a tier reward, and one of them a
    failed redemption and a refused referral claim that day too. Those two are the first one's
    matched non-members."""
    joined = date(2025, 3, 1)
    before = [(date(2024, 6, 1), Decimal(50)), (date(2024, 12, 1), Decimal(50))]
    after = {
        "member": [(joined + timedelta(days=10), Decimal(20)), (joined + timedelta(days=20), Decimal(20))],
        "enrolled": [(joined + timedelta(days=30), Decimal(30))],
        "refused": [(joined + timedelta(days=d), Decimal(10)) for d in (5, 40, 60)],
    }
    people = [Person(False, joined, before + after["member"])] + [
        Person(False, None, before + after[who]) for who in ("enrolled", "refused")
    ]
    merchant, (member, enrolled, refused) = await plant(people, "Only Choices Count")
    store = await Store.get(merchant=merchant)
    reward = await Reward.get(merchant=merchant)
    await redemption(merchant, refused, reward, store, RedemptionStatus.FAILED, at(joined, 18)).save()
    await Referral.create(merchant=merchant, referrer_id=enrolled, friend_id=refused, created_at=at(joined, 18),
                          status=ReferralStatus.REJECTED)  # fmt: skip
    assert await Member.filter(merchant=merchant).count() == 3
    assert await Redemption.filter(merchant=merchant, status=RedemptionStatus.ISSUED).count() == 1

    found = await program_impact(merchant.id, now=NOW)
    assert (found.raw_members.customers, found.raw_non_members.customers) == (1, 2)
    assert found.matched.pairs == 1 and found.matched.unmatched == 0
    assert found.matched.members.orders_per_customer == 2
    assert found.matched.controls.orders_per_customer == (1 + 3) / 2, "both never-engaged people are its controls"
    assert found.matched.controls.revenue_per_customer == Decimal("30.00")
    # Joined on the redemption's day, not at the first order (June) nor when the member row was made (today).
    assert found.pre_post.members == 1 and found.pre_post.before.orders_per_customer == 1


def test_roi_arithmetic_by_hand():
    matched = Matched(
        pairs=200,
        members=None,  # type: ignore[arg-type] - not read
        controls=None,  # type: ignore[arg-type]
        effect=Estimate(12.5, 4.0, 21.0, "USD per member over 90 days"),
        orders_effect=Estimate(0.2, 0.1, 0.3, "orders"),
        unmatched=0,
    )
    costs = [MemberCosts(1, Decimal("100.00"), 5000, 2000), MemberCosts(2, Decimal("50.00"), 1000, 0)]
    roi = program_roi(matched, 0.3, costs=costs, point_value=Decimal("0.01"), currency="USD")
    # Incremental revenue 12.5 × 200 = 2,500; margin 30 % = 750; rewards 150; unspent points
    # (5000 - 2000 + 1000 - 0) × 0.01 = 40; net 750 - 190 = 560; ROI 560 / 190.
    assert roi.incremental_revenue == Decimal("2500.00")
    assert (roi.incremental_revenue_low, roi.incremental_revenue_high) == (Decimal("800.00"), Decimal("4200.00"))
    assert roi.incremental_margin == Decimal("750.00")
    assert roi.rewards_cost == Decimal("150.00") and roi.points_cost == Decimal("40.00")
    assert roi.net == Decimal("560.00")
    assert roi.roi == pytest.approx(560 / 190)
    assert roi.low == pytest.approx((800 * 0.3 - 190) / 190)
    assert roi.high == pytest.approx((4200 * 0.3 - 190) / 190)
    none = program_roi(matched, 0.3, costs=[], point_value=Decimal("0.01"), currency="USD")
    assert none.net == Decimal("750.00") and none.roi is None


EARNING = {
    "pending",
    "earn",
    "clawback",
    "reversal",
    "action",
    "referral",
    "tier_reward",
    "automation",
    "campaign",
    "adjust",
}
"""Entries whose positive lifetime points are points earned; redeeming and its refunds spend them."""


async def test_costs_count_the_matched_members_rewards_and_unspent_points_from_their_join_day(db):
    people = simulate(seed=2104, lift=0.5, people=300)
    merchant, profile_ids = await plant(people, "Costs")
    store_id = (await Store.get(merchant=merchant)).id
    reward = await Reward.get(merchant=merchant)
    without_program = await program_impact(merchant.id, now=NOW)
    assert without_program.roi.points_cost == 0, "no program, no point value"
    await publish(merchant.id, Rules(currency="USD", point_value=Decimal("0.01")), at(START, 0))

    # Work out which members were matched by hand, then cost some of them (inside and outside windows).
    controls = [p for p in people if p.joins is None]
    matched = {
        pid: p
        for pid, p in zip(profile_ids, people, strict=True)
        if p.joins is not None and any(cell_by_hand(c, p.joins) == cell_by_hand(p, p.joins) for c in controls)
    }
    assert len(matched) >= 3
    for k, (pid, p) in enumerate(list(matched.items())[:3]):
        inside, outside = at(p.joins + timedelta(days=10)), at(p.joins + timedelta(days=WINDOW + 5))
        for when, status in (
            (inside, RedemptionStatus.ISSUED),
            (inside, RedemptionStatus.FAILED),
            (outside, RedemptionStatus.USED),
        ):
            await redemption(merchant, pid, reward, await Store.get(id=store_id), status, when).save()
        for when, kind, available, lifetime in (
            (inside, EntryKind.EARN, 300 + k, 300 + k),
            (inside, EntryKind.REDEEM, -100, 0),
            (outside, EntryKind.EARN, 1000, 1000),
        ):
            await Entry.create(merchant=merchant, profile_id=pid, kind=kind, key=f"x{next(_ids)}", available=available,
                               lifetime=lifetime, occurred_at=when)  # fmt: skip
    found = await program_impact(merchant.id, now=NOW)

    # By hand over every redemption and entry of the merchant: from the join day to the window's end.
    def inside(pid: int, when: datetime) -> bool:
        return matched[pid].joins <= when.date() <= matched[pid].joins + timedelta(days=WINDOW)

    rewards = sum(
        (r.value for r in await Redemption.filter(merchant=merchant)
         if r.profile_id in matched and r.status in ("issued", "used") and inside(r.profile_id, r.created_at)),
        Decimal(0),
    )  # fmt: skip
    kept = [
        e
        for e in await Entry.filter(merchant=merchant)
        if e.profile_id in matched and inside(e.profile_id, e.occurred_at)
    ]
    earned = sum(e.lifetime for e in kept if e.kind in EARNING and e.lifetime > 0)
    spent = sum(-e.available for e in kept if e.kind in ("redeem", "redeem_refund"))
    assert found.matched.pairs == len(matched)
    # The join day's own reward is a cost: more than the three planted inside the windows.
    assert found.roi.rewards_cost == rewards > Decimal("15.00")
    assert without_program.roi.rewards_cost == rewards - Decimal("15.00")
    assert found.roi.points_cost == (max(0, earned - spent) * Decimal("0.01")).quantize(Decimal("0.01")) > 0
    cost = found.roi.rewards_cost + found.roi.points_cost
    margin = (found.roi.incremental_revenue * Decimal("0.3")).quantize(Decimal("0.01"))
    assert found.roi.incremental_margin == margin
    assert found.roi.net == margin - cost
    assert found.roi.roi == pytest.approx(float((margin - cost) / cost))
    assert found.roi.low <= found.roi.roi <= found.roi.high


async def test_campaign_holdouts_are_campaigns_own_results_not_recomputed(db):
    people = simulate(seed=2105, lift=0.0, people=120)
    merchant, profile_ids = await plant(people, "Campaign Holdouts")
    store_id = (await Store.get(merchant=merchant)).id
    quiet = await Campaign.create(
        merchant=merchant, name="Never run", kind=CampaignKind.WIN_BACK, audience={}, actions={}
    )
    campaign = await Campaign.create(
        merchant=merchant, name="Win-back", kind=CampaignKind.WIN_BACK, audience={}, actions={}, attribution_days=30
    )
    entered = at(date(2025, 6, 1))
    for k, pid in enumerate(profile_ids[:60]):
        await CampaignEntry.create(campaign=campaign, merchant_id=merchant.id, profile_id=pid, period=0,
                                   group=Group.HOLDOUT if k % 4 == 0 else Group.TREATED, entered_at=entered,
                                   store_id=store_id, code_status=CodeStatus.NONE, points=0)  # fmt: skip
    found = await program_impact(merchant.id, now=NOW)
    expected = (await results_of(campaign.id, NOW, merchant_id=merchant.id)).conversion_uplift
    assert [c.campaign.id for c in found.campaigns] == [campaign.id] != [quiet.id]
    (effect,) = found.campaigns
    assert (effect.uplift.value, effect.uplift.low, effect.uplift.high) == (expected.value, expected.low, expected.high)
    assert effect.uplift.unit.startswith("share of members who ordered")

"""Admin types of customer insight: facts with provenance, transactions, segments, predictions, identity.

Every relation of a profile resolves through the request's DataLoaders (``schema.loaders``),
so a page of profiles with their segment, churn band and CLV costs the statements of one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from insights.clv.sufficiency import ClvStatus
from insights.models import (
    ChurnBand,
    ClvPrediction,
    IdentityDecision,
    IdentityKeyKind,
    IdentityRuling,
    MergeEvidence,
    ProfileFact,
    ProfileFactKind,
    ProfileRevenue,
    ProfileSegment,
    ProfileStats,
    ValueTier,
)
from schema.core.context import AdminInfo
from schema.core.money import Money
from schema.insights.score_ranges import ProfileScoreRanges, profile_ranges
from schema.stores.types import StoreNode
from store.models import Platform

if TYPE_CHECKING:
    from schema.people.types import CustomerNode

CustomerRef = Annotated["CustomerNode", strawberry.lazy("schema.people.types")]


strawberry.enum(ProfileFactKind, name="ProfileFactKind", description="A kind of basic fact about a person")
strawberry.enum(
    ValueTier, name="ValueTier", description="The at-a-glance value tier: silence decides first, then spend"
)
strawberry.enum(
    ChurnBand, name="ChurnBand", description="Churn risk from the probability that the person is still a customer"
)
strawberry.enum(
    ClvStatus,
    name="ClvDataStatus",
    description="Whether the data sufficed to fit BG/NBD + Gamma-Gamma, or why the heuristic was used",
)
strawberry.enum(
    IdentityKeyKind,
    name="IdentityKeyKind",
    description="What linked two customers: a shared email or phone, or a similar name and address",
)
strawberry.enum(IdentityRuling, name="IdentityRuling", description="An admin's ruling about two customers")


@strawberry.type(description="A postal address as a store had it")
class Address:
    address1: str | None
    address2: str | None
    city: str | None
    province_code: str | None
    zip: str | None
    country_code: str | None

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Address:
        def text(*names: str) -> str | None:
            return next((str(raw[n]) for n in names if raw.get(n) not in (None, "")), None)

        return cls(
            address1=text("address1"),
            address2=text("address2"),
            city=text("city"),
            province_code=text("province_code", "province"),
            zip=text("zip", "postcode"),
            country_code=text("country_code", "country"),
        )

    def line(self) -> str:
        place = " ".join(p for p in (self.province_code, self.zip) if p)
        return ", ".join(p for p in (self.address1, self.address2, self.city, place, self.country_code) if p)


@strawberry.type(description="One value of a fact and where it came from")
class ProfileFactValue:
    row: strawberry.Private[ProfileFact]
    value: str = strawberry.field(
        description="the value as text: a full name, an email, an E.164 phone, an address line, an ISO date, a locale, true or false"
    )
    address: Address | None = strawberry.field(description="the address parts, for ADDRESS facts")
    accepts_marketing: bool | None = strawberry.field(description="for MARKETING_CONSENT facts")
    observed_at: datetime = strawberry.field(description="platform time of the record the value came from")

    @strawberry.field
    def platform(self) -> Platform:
        return Platform(self.row.platform)

    @strawberry.field(description="the store that has this value on file")
    async def store(self, info: AdminInfo) -> StoreNode | None:
        row = await info.context.loaders.store.load(self.row.store_id)
        return StoreNode.of(row) if row is not None else None

    @classmethod
    def of(cls, row: ProfileFact) -> ProfileFactValue:
        raw = row.value if isinstance(row.value, dict) else {}
        address = Address.of(raw) if row.kind == ProfileFactKind.ADDRESS else None
        consent = bool(raw.get("accepts_marketing")) if row.kind == ProfileFactKind.MARKETING_CONSENT else None
        return cls(
            row=row,
            value=_fact_text(row.kind, raw, address),
            address=address,
            accepts_marketing=consent,
            observed_at=row.observed_at,
        )


def _fact_text(kind: str, raw: dict[str, Any], address: Address | None) -> str:
    if kind == "name":
        return " ".join(str(raw[k]) for k in ("first_name", "last_name") if raw.get(k))
    if address is not None:
        return address.line()
    if kind == "marketing_consent":
        return "true" if raw.get("accepts_marketing") else "false"
    return str(raw.get(kind, ""))


@strawberry.type(description="A basic fact of a person: the newest value, and the others the stores keep")
class ProfileFactGroup:
    kind: ProfileFactKind
    current: ProfileFactValue
    others: list[ProfileFactValue] = strawberry.field(description="older or conflicting values, newest first")


def fact_groups(rows: list[ProfileFact], kinds: list[ProfileFactKind] | None) -> list[ProfileFactGroup]:
    wanted = kinds or list(ProfileFactKind)
    groups = []
    for kind in wanted:
        mine = sorted((r for r in rows if r.kind == kind), key=lambda r: (r.observed_at, r.store_id), reverse=True)
        if not mine:
            continue
        current = next((r for r in mine if r.current), mine[0])
        groups.append(
            ProfileFactGroup(
                kind=kind,
                current=ProfileFactValue.of(current),
                others=[ProfileFactValue.of(r) for r in mine if r is not current],
            )
        )
    return groups


@strawberry.type(description="A name with its share of the person's spend")
class WeightedName:
    name: str
    share: float


@strawberry.type(description="A store the person bought at")
class ProfileSource:
    store_id: strawberry.Private[int]
    platform: Platform
    orders: int
    last_order_at: datetime

    @strawberry.field
    async def store(self, info: AdminInfo) -> StoreNode | None:
        row = await info.context.loaders.store.load(self.store_id)
        return StoreNode.of(row) if row is not None else None


@strawberry.type(description="What a person buys and how")
class ProfilePreferences:
    stats: strawberry.Private[ProfileStats]
    top_categories: list[WeightedName]
    top_vendors: list[WeightedName]
    price_sensitivity: float | None = strawberry.field(description="share of spend on discounted orders, main currency")
    main_currency_code: str | None
    sources: list[ProfileSource]

    @strawberry.field(description="the store with most of the person's orders")
    async def preferred_store(self, info: AdminInfo) -> StoreNode | None:
        if self.stats.preferred_store_id is None:
            return None
        row = await info.context.loaders.store.load(self.stats.preferred_store_id)
        return StoreNode.of(row) if row is not None else None

    @classmethod
    def of(cls, stats: ProfileStats) -> ProfilePreferences:
        def weighted(items: list[dict[str, Any]]) -> list[WeightedName]:
            return [WeightedName(name=str(i["name"]), share=float(i["share"])) for i in items or []]

        sources = [
            ProfileSource(
                store_id=int(s["store_id"]),
                platform=Platform(s["platform"]),
                orders=int(s["orders"]),
                last_order_at=datetime.fromisoformat(s["last_order_at"]),
            )
            for s in stats.sources or []
        ]
        return cls(
            stats=stats,
            top_categories=weighted(stats.top_categories),
            top_vendors=weighted(stats.top_vendors),
            price_sensitivity=stats.price_sensitivity,
            main_currency_code=stats.main_currency,
            sources=sources,
        )


@strawberry.type(description="Orders and money of a person at one store in one currency")
class StoreRevenue:
    row: strawberry.Private[ProfileRevenue]
    platform: Platform
    orders: int
    revenue: Money
    refunded: Money
    discounted_revenue: Money = strawberry.field(description="totals of orders that had a discount")
    first_order_at: datetime
    last_order_at: datetime

    @strawberry.field
    async def store(self, info: AdminInfo) -> StoreNode | None:
        row = await info.context.loaders.store.load(self.row.store_id)
        return StoreNode.of(row) if row is not None else None

    @classmethod
    def of(cls, row: ProfileRevenue) -> StoreRevenue:
        return cls(
            row=row,
            platform=Platform(row.platform),
            orders=row.orders,
            revenue=Money.of(row.revenue, row.currency),
            refunded=Money.of(row.refunded, row.currency),
            discounted_revenue=Money.of(row.discounted_revenue, row.currency),
            first_order_at=row.first_order_at,
            last_order_at=row.last_order_at,
        )


@strawberry.type(description="A person's orders and money in one currency, summed over stores")
class CurrencyRevenue:
    currency_code: str
    orders: int
    revenue: Money
    refunded: Money
    average_order_value: Money | None
    by_store: list[StoreRevenue]


def currency_revenue(rows: list[ProfileRevenue]) -> list[CurrencyRevenue]:
    out = []
    for currency in sorted({r.currency for r in rows}):
        mine = sorted((r for r in rows if r.currency == currency), key=lambda r: r.store_id)
        orders = sum(r.orders for r in mine)
        revenue = sum((r.revenue for r in mine), Decimal(0))
        out.append(
            CurrencyRevenue(
                currency_code=currency,
                orders=orders,
                revenue=Money.of(revenue, currency),
                refunded=Money.of(sum((r.refunded for r in mine), Decimal(0)), currency),
                average_order_value=Money.of((revenue / orders).quantize(Decimal("0.01")), currency)
                if orders
                else None,
                by_store=[StoreRevenue.of(r) for r in mine],
            )
        )
    return out


@strawberry.type(description="Transaction facts of a person across every store")
class ProfileTransactions:
    orders: int
    refunded_orders: int
    refund_rate: float = strawberry.field(description="share of orders with a refund")
    first_order_at: datetime | None
    last_order_at: datetime | None
    revenue: list[CurrencyRevenue] = strawberry.field(description="per currency, never converted")


@strawberry.type(
    name="ProfileSegment",
    description="RFM scores (quintiles within the merchant and currency), the named segment and the value tier",
)
class ProfileSegmentInfo:
    name: str = strawberry.field(
        description="the named segment: champions, loyal, at risk, ... (a merchant may define its own)"
    )
    tier: ValueTier
    r_score: int
    f_score: int
    m_score: int
    rfm: str = strawberry.field(description="the three scores, e.g. 545")
    recency_days: int
    frequency: int
    monetary: Money = strawberry.field(description="spend net of refunds in the segment's currency")
    currency_code: str
    why: str = strawberry.field(
        description="one line from the data: the person's orders, silence and spend, and how many "
        "of the people in this segment 90 days earlier ordered again since"
    )
    as_of: datetime

    @strawberry.field(
        description="the days, orders and spend behind this person's three scores in the segment's currency "
        "(e.g. R1 = last order 366-545 days ago), from the merchant's stored segments"
    )
    async def score_ranges(self, info: AdminInfo) -> ProfileScoreRanges:
        found = await info.context.loaders.score_ranges_by_currency.load(self.currency_code)
        return profile_ranges(found, self.r_score, self.f_score, self.m_score)

    @classmethod
    def of(cls, row: ProfileSegment) -> ProfileSegmentInfo:
        return cls(
            name=row.segment,
            tier=ValueTier(row.tier),
            r_score=row.r_score,
            f_score=row.f_score,
            m_score=row.m_score,
            rfm=f"{row.r_score}{row.f_score}{row.m_score}",
            recency_days=row.recency_days,
            frequency=row.frequency,
            monetary=Money.of(row.monetary, row.currency),
            currency_code=row.currency,
            why=row.why,
            as_of=row.as_of,
        )


@strawberry.type(description="A point estimate with its interval")
class Estimate:
    value: float
    low: float
    high: float


@strawberry.type(description="An amount with its interval, in one currency")
class MoneyEstimate:
    value: Money
    low: Money
    high: Money


@strawberry.type(
    name="ClvPrediction",
    description="Churn risk and lifetime value of a person in one currency, with the model that made it",
)
class ClvPredictionInfo:
    currency_code: str
    model: str = strawberry.field(
        description="mbgnbd+gamma_gamma (MBG/NBD purchases, Gamma-Gamma spend), or heuristic when the data did not suffice"
    )
    data_status: ClvStatus
    churn_band: ChurnBand
    probability_alive: Estimate = strawberry.field(description="P(alive): the chance the person is still a customer")
    expected_orders: Estimate = strawberry.field(description="orders expected over the horizon")
    expected_order_value: Money
    clv: MoneyEstimate = strawberry.field(description="discounted value over the horizon")
    horizon_days: int
    interval_level: float = strawberry.field(description="coverage of the intervals, e.g. 0.9")
    order_probability: float | None = strawberry.field(
        description="chance of at least one order within the horizon, from the same model as P(alive)"
    )
    next_order_at: datetime | None = strawberry.field(
        description="median date of the next order, dropout included; null when an order within the horizon "
        "is less likely than not (then: no order expected, see orderProbability)"
    )
    why: str = strawberry.field(
        description="one line from the data: the person's orders and silence in this currency, "
        "and the model's own chance of another order within the horizon for that history"
    )
    as_of: datetime

    @classmethod
    def of(cls, row: ClvPrediction) -> ClvPredictionInfo:
        money = row.currency
        return cls(
            currency_code=money,
            model=row.model,
            data_status=ClvStatus(row.status),
            churn_band=ChurnBand(row.churn_risk),
            probability_alive=Estimate(
                value=row.probability_alive, low=row.probability_alive_low, high=row.probability_alive_high
            ),
            expected_orders=Estimate(
                value=row.expected_orders, low=row.expected_orders_low, high=row.expected_orders_high
            ),
            expected_order_value=Money.of(row.expected_order_value, money),
            clv=MoneyEstimate(
                value=Money.of(row.clv, money), low=Money.of(row.clv_low, money), high=Money.of(row.clv_high, money)
            ),
            horizon_days=row.horizon_days,
            interval_level=row.interval_level,
            order_probability=row.order_probability,
            next_order_at=row.next_order_at,
            why=row.why,
            as_of=row.as_of,
        )


@strawberry.type(
    description="Evidence that two customers are one person: the kinds of keys they share, never the values"
)
class IdentityLink:
    row: strawberry.Private[MergeEvidence]
    keys: list[IdentityKeyKind]
    score: float = strawberry.field(description="1 for exact keys, the similarity for a name and address match")
    created_at: datetime

    @strawberry.field(description="the two customers (an erased one is left out)")
    async def customers(self, info: AdminInfo) -> list[CustomerRef]:
        from schema.people.types import CustomerNode

        rows = await info.context.loaders.customer.load_many([self.row.customer_a_id, self.row.customer_b_id])
        return [CustomerNode.of(r) for r in rows if r is not None]

    @classmethod
    def of(cls, row: MergeEvidence) -> IdentityLink:
        return cls(
            row=row, keys=[IdentityKeyKind(k) for k in row.keys or []], score=row.score, created_at=row.created_at
        )


@strawberry.type(name="IdentityDecision", description="An admin's ruling that two customers are different people")
class IdentityDecisionInfo:
    row: strawberry.Private[IdentityDecision]
    ruling: IdentityRuling
    actor: str = strawberry.field(description="who decided, an account id")
    created_at: datetime

    @strawberry.field
    async def customers(self, info: AdminInfo) -> list[CustomerRef]:
        from schema.people.types import CustomerNode

        rows = await info.context.loaders.customer.load_many([self.row.customer_a_id, self.row.customer_b_id])
        return [CustomerNode.of(r) for r in rows if r is not None]

    @classmethod
    def of(cls, row: IdentityDecision) -> IdentityDecisionInfo:
        return cls(row=row, ruling=IdentityRuling(row.decision), actor=row.actor, created_at=row.created_at)


@strawberry.type(description="Why a profile's customers are one person, and the rulings that keep others out")
class ProfileIdentity:
    links: list[IdentityLink]
    decisions: list[IdentityDecisionInfo]

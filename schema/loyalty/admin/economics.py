"""Admin types of the program's economics: liability, redemption and breakage overall, per store
and per tier (``loyalty.economics``), and points over time for the dashboard's charts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from loyalty import economics as engine
from loyalty.economics import Interval
from loyalty.rules import Rules
from schema.core.context import AdminInfo
from schema.core.errors import ApiError, ErrorCode
from schema.core.money import Money

if TYPE_CHECKING:
    from schema.stores.types import StoreNode

MAX_PERIODS = 1000
"""Intervals one timeline may span (a chart has no use for more)."""
DEFAULT_PERIODS = 12


strawberry.enum(
    Interval, name="TimelineInterval", description="The length of a timeline's periods (UTC; weeks start on Monday)"
)


@strawberry.type(description="Points and their money figures for a part of the program (or all of it)")
class ProgramFigures:
    earned: int = strawberry.field(description="points earned, net of clawbacks")
    redeemed: int = strawberry.field(description="points spent on rewards, net of points given back")
    expired: int = strawberry.field(description="points that expired unused")
    outstanding: int = strawberry.field(description="points held now (available and pending, debt deducted)")
    liability: Money = strawberry.field(description="outstanding points at the program's point value")
    redemption_rate: float | None = strawberry.field(description="redeemed / earned; null when nothing was earned")
    breakage: float | None = strawberry.field(description="expired / earned; null when nothing was earned")
    members: int = strawberry.field(description="members counted (every member for the total and per tier)")
    reward_cost: list[Money] = strawberry.field(description="money off given by issued and used codes, per currency")

    @classmethod
    def of(cls, figures: engine.Figures, currency: str) -> ProgramFigures:
        return cls(
            earned=figures.earned,
            redeemed=figures.redeemed,
            expired=figures.expired,
            outstanding=figures.outstanding,
            liability=Money.of(figures.liability, currency),
            redemption_rate=figures.redemption_rate,
            breakage=figures.breakage,
            members=figures.members,
            reward_cost=[Money.of(amount, code) for code, amount in sorted(figures.reward_cost.items())],
        )


@strawberry.type(description="Figures of what happened on one store")
class StoreFigures:
    store_id: strawberry.Private[int | None]
    figures: ProgramFigures = strawberry.field(description="points earned and spent on the store")

    @strawberry.field(description="null for points that belong to no store (actions, expiry, adjustments)")
    async def store(self, info: AdminInfo) -> Annotated[StoreNode, strawberry.lazy("schema.stores.types")] | None:
        from schema.stores.types import StoreNode

        row = await info.context.loaders.store.load(self.store_id) if self.store_id is not None else None
        return StoreNode.of(row) if row is not None else None


@strawberry.type(description="Figures of the members who hold one tier now")
class TierFigures:
    tier: str | None = strawberry.field(description="null for members without a tier")
    figures: ProgramFigures = strawberry.field(description="points of the members holding the tier")


@strawberry.type(description="Points issued, redeemed and expired in one period")
class PointsPeriod:
    start: datetime = strawberry.field(description="the period's first moment (UTC)")
    issued: int = strawberry.field(
        description="points earned by positive entries (orders, actions, referrals, credits)"
    )
    redeemed: int = strawberry.field(description="points spent on rewards, net of points given back")
    expired: int = strawberry.field(description="points that expired")


def _utc(when: datetime) -> datetime:
    """In UTC; a time without a zone is taken as UTC."""
    try:
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ApiError(f"{when.isoformat()} is out of range", ErrorCode.BAD_USER_INPUT) from None


def _periods(interval: Interval, start: datetime, end: datetime) -> int:
    """How many intervals from the one holding ``start`` to the one holding ``end``."""
    first, last = engine.bucket_start(interval, start), engine.bucket_start(interval, end)
    if interval == Interval.MONTH:
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (last - first).days // (7 if interval == Interval.WEEK else 1) + 1


@strawberry.type(description="What the program costs and holds: liability, redemption rate, breakage, reward cost")
class ProgramEconomics:
    merchant_id: strawberry.Private[int]
    currency_code: str = strawberry.field(description="the program currency every point figure's money is in")
    point_value: Decimal = strawberry.field(description="money one point is worth")
    total: ProgramFigures = strawberry.field(description="the whole program")
    stores: list[StoreFigures] = strawberry.field(description="by the store points were earned or spent on")
    tiers: list[TierFigures] = strawberry.field(description="by the tier members hold now")

    @strawberry.field(
        description="Points per period, oldest first, in one query. Without from: the latest 12 "
        "periods that had activity (before to, when given). With from: every period from "
        "the one holding from to the one holding to (default now), empty ones included, "
        f"at most {MAX_PERIODS}. With fromFirstActivity: the same from the period of the "
        "program's first points (a chart's whole history, no month left out)."
    )
    async def timeline(
        self,
        interval: Interval = Interval.MONTH,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        from_first_activity: Annotated[
            bool,
            strawberry.argument(description="start at the first points instead of from; refused together with from"),
        ] = False,
    ) -> list[PointsPeriod]:
        end = _utc(to) if to is not None else None
        if from_first_activity:
            if from_ is not None:
                raise ApiError("give from or fromFirstActivity, not both", ErrorCode.BAD_USER_INPUT)
            from_ = await engine.first_activity(self.merchant_id)
            if from_ is None or (end is not None and from_ > end):
                return []
        if from_ is None:
            found = await engine.timeline(self.merchant_id, interval, None, end, latest=DEFAULT_PERIODS)
            return [PointsPeriod(start=p.start, issued=p.issued, redeemed=p.redeemed, expired=p.expired) for p in found]
        start = _utc(from_)
        last = end or datetime.now(UTC)
        if start > last:
            raise ApiError("from must not be after to", ErrorCode.BAD_USER_INPUT)
        if _periods(interval, start, last) > MAX_PERIODS:
            raise ApiError(
                f"from and to span more than {MAX_PERIODS} periods of a {interval.name.lower()}; "
                "choose a longer interval or a shorter range",
                ErrorCode.BAD_USER_INPUT,
            )
        first = engine.bucket_start(interval, start)
        found = {p.start: p for p in await engine.timeline(self.merchant_id, interval, first, end)}
        periods, at, stop = [], first, engine.bucket_start(interval, last)
        while at <= stop:
            p = found.get(at)
            periods.append(
                PointsPeriod(
                    start=at,
                    issued=p.issued if p else 0,
                    redeemed=p.redeemed if p else 0,
                    expired=p.expired if p else 0,
                )
            )
            if at == stop:
                break
            at = engine.next_bucket(interval, at)
        return periods

    @classmethod
    async def of(cls, merchant_id: int, rules: Rules | None) -> ProgramEconomics:
        """From ``loyalty.economics``; before the first publish, zeros under the default rules."""
        if rules is None:
            defaults = Rules()
            figures = engine.Economics(defaults.currency, defaults.point_value, engine.Figures(), {}, {})
        else:
            figures = await engine.economics(merchant_id)
        currency = figures.currency
        order = {t.name: i for i, t in enumerate(rules.tiers)} if rules is not None else {}
        return cls(
            merchant_id=merchant_id,
            currency_code=currency,
            point_value=figures.point_value,
            total=ProgramFigures.of(figures.total, currency),
            stores=[
                StoreFigures(store_id=store_id, figures=ProgramFigures.of(f, currency))
                for store_id, f in sorted(figures.stores.items(), key=lambda s: (s[0] is None, s[0] or 0))
            ],
            tiers=[
                TierFigures(tier=tier, figures=ProgramFigures.of(f, currency))
                for tier, f in sorted(
                    figures.tiers.items(), key=lambda t: (t[0] is None, order.get(t[0] or "", len(order)), t[0] or "")
                )
            ],
        )

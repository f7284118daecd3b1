"""Tier perks as both schemas show them: the member's free-shipping code on each store.

The storefront shows the perks a shopper holds or is being given (a code appears once it
exists on the platform); the admin API shows every row, revoked ones included, with its state.
"""

from __future__ import annotations

import strawberry

from loyalty import models as lm
from loyalty.perks import HELD
from schema.loyalty.types import loyalty_loaders, store_name_of, store_url_of

strawberry.enum(lm.PerkKind, name="PerkKind", description="A tier's benefit kept on the platform for each member")
strawberry.enum(
    lm.PerkStatus,
    name="PerkStatus",
    description="Where a perk's code stands: issuing, active, revoking (leaving the platform), revoked or failed "
    "(retried by the next sync)",
)


@strawberry.type(description="A tier perk the member holds on one store: for free shipping, a code bound to them")
class TierPerk:
    row: strawberry.Private[lm.Perk]
    kind: lm.PerkKind = strawberry.field(description="what the perk gives")
    tier: str = strawberry.field(description="the tier that gave it")
    status: lm.PerkStatus = strawberry.field(description="where its code stands on the platform")

    @strawberry.field(description="the code to type at checkout; null until it exists on the platform")
    def code(self) -> str | None:
        return self.row.code if self.row.status in (lm.PerkStatus.ACTIVE, lm.PerkStatus.REVOKING) else None

    @strawberry.field(description="whether the code works now (it exists on the platform and the tier still has it)")
    def active(self) -> bool:
        return self.row.status == lm.PerkStatus.ACTIVE

    @strawberry.field(description="the store the perk is valid on")
    async def store_name(self, info: strawberry.Info) -> str:
        return await store_name_of(info, self.row.store_id)

    @strawberry.field(description="that store's storefront, where the code is used")
    async def store_url(self, info: strawberry.Info) -> str:
        return await store_url_of(info, self.row.store_id)

    @classmethod
    def of(cls, row: lm.Perk) -> TierPerk:
        return cls(row=row, kind=lm.PerkKind(row.kind), tier=row.tier, status=lm.PerkStatus(row.status))


async def shopper_perks(info: strawberry.Info, member_key: int) -> list[TierPerk]:
    """The perks a shopper holds or is being given, on every store of the merchant."""
    rows = await loyalty_loaders(info).perks.load(member_key)
    return [TierPerk.of(row) for row in rows if row.status in HELD]


async def member_perks(info: strawberry.Info, member_key: int) -> list[TierPerk]:
    """Every perk row of a member, for the merchant (revoked and failed ones with their state)."""
    return [TierPerk.of(row) for row in await loyalty_loaders(info).perks.load(member_key)]

"""Storefront queries of loyalty: the program, for anyone (anonymous callers included)."""

from __future__ import annotations

import strawberry

from schema.core.context import StorefrontInfo
from schema.core.errors import ApiError, ErrorCode
from schema.loyalty.storefront.types import LoyaltyProgram, ShopperLoyalty, rules_now
from store.models import Customer


@strawberry.type
class LoyaltyQueries:
    @strawberry.field(description="The shop's loyalty program as it stands now: how to earn, tiers, rewards, referrals")
    async def program(self, info: StorefrontInfo) -> LoyaltyProgram:
        program = await info.context.loaders.loyalty.program()
        return LoyaltyProgram(rules=rules_now(program), store=info.context.viewer.store)


async def shopper_loyalty(info: StorefrontInfo, customer: Customer) -> ShopperLoyalty:
    """The signed-in shopper's account; a profile that is not a member yet is enrolled here."""
    member = await info.context.loaders.loyalty.member_by_customer.load(customer.id)
    if member is None:
        raise ApiError("the shopper has no loyalty account on this store", ErrorCode.NOT_FOUND)
    return ShopperLoyalty(member=member, store=info.context.viewer.store)

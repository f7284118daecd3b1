"""The storefront API (``/graphql/storefront``): theme widgets and shoppers.

A separate schema from the admin one, built from its own types, so no admin field can be
asked for here. Loyalty adds the program, the shopper's account and its two mutations.
"""

from __future__ import annotations

import strawberry

from schema.catalog.queries import CatalogQueries
from schema.catalog.types import ShopProduct
from schema.core.limits import ApiSchema, Limits, extensions
from schema.feedback.complaint_mutations import ShopperComplaintMutations
from schema.feedback.surveys import SurveyStorefrontMutations
from schema.loyalty.account_links import AccountLinkMutations
from schema.loyalty.storefront.mutations import LoyaltyMutations
from schema.loyalty.storefront.queries import LoyaltyQueries
from schema.loyalty.storefront.referrals import ReferralMutations
from schema.loyalty.types import IssuedCode, LedgerEntry, Reward
from schema.shopper.birthday import BirthdayMutations
from schema.shopper.mutations import ShopperMutations
from schema.shopper.queries import ShopperQueries
from schema.shopper.types import ShopNode, Shopper, ShopperOrder, ShopperOrderLine


@strawberry.type(name="Query")
class StorefrontQuery(ShopperQueries, CatalogQueries, LoyaltyQueries):
    pass


@strawberry.type(name="Mutation")
class StorefrontMutation(
    ShopperMutations,
    LoyaltyMutations,
    AccountLinkMutations,
    BirthdayMutations,
    ReferralMutations,
    ShopperComplaintMutations,
    SurveyStorefrontMutations,
):
    pass


def build_storefront_schema(limits: Limits | None = None) -> ApiSchema:
    return ApiSchema(
        query=StorefrontQuery,
        mutation=StorefrontMutation,
        types=[ShopNode, Shopper, ShopperOrder, ShopperOrderLine, ShopProduct, Reward, LedgerEntry, IssuedCode],
        extensions=extensions(limits or Limits()),
    )


schema = build_storefront_schema()

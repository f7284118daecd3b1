"""The storefront API (``/graphql/storefront``): theme widgets and shoppers.

A separate schema from the admin one, built from its own types, so no admin field can be
asked for here. Loyalty adds its shopper-facing classes to the roots when it lands.
"""

from __future__ import annotations

import strawberry

from schema.catalog.queries import CatalogQueries
from schema.catalog.types import ShopProduct
from schema.core.limits import ApiSchema, Limits, extensions
from schema.shopper.mutations import ShopperMutations
from schema.shopper.queries import ShopperQueries
from schema.shopper.types import ShopNode, Shopper, ShopperOrder, ShopperOrderLine


@strawberry.type(name="Query")
class StorefrontQuery(ShopperQueries, CatalogQueries):
    pass


@strawberry.type(name="Mutation")
class StorefrontMutation(ShopperMutations):
    pass


def build_storefront_schema(limits: Limits | None = None) -> ApiSchema:
    return ApiSchema(query=StorefrontQuery, mutation=StorefrontMutation,
                             types=[ShopNode, Shopper, ShopperOrder, ShopperOrderLine, ShopProduct],
                             extensions=extensions(limits or Limits()))


schema = build_storefront_schema()

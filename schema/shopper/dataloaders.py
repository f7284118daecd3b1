"""The storefront's DataLoaders: every one is bound to the calling shopper's customer and store."""

from __future__ import annotations

from dataclasses import dataclass

from insights.models import ProductPairing
from schema.catalog import dataloaders as catalog
from schema.core.batching import Row, Rows, grouped, loader
from schema.feedback.dataloaders import FeedbackLoaders
from schema.loyalty.dataloaders import LoyaltyLoaders
from store.models import OrderLine, Product, Variant


@dataclass
class StorefrontLoaders:
    lines_by_order: Rows[OrderLine]
    product: Row[Product]
    variants_by_product: Rows[Variant]
    pairing_by_product: Row[ProductPairing]
    loyalty: LoyaltyLoaders
    feedback: FeedbackLoaders

    @classmethod
    def for_shopper(
        cls, store_id: int, customer_id: int | None, merchant_id: int, owner_id: int | None = None
    ) -> StorefrontLoaders:
        """``owner_id``: the signed-in account's loyalty owner key, when the sign-in already read it."""

        async def lines(keys: list[int]) -> list[list[OrderLine]]:
            if customer_id is None:
                return [[] for _ in keys]
            rows = await OrderLine.filter(
                order_id__in=keys, order__customer_id=customer_id, order__store_id=store_id, order__deleted_at=None
            )
            return grouped(rows, keys, "order_id")

        return cls(
            lines_by_order=loader(lines),
            product=catalog.product_by_id(store_id),
            variants_by_product=catalog.variants_by_product(store_id),
            pairing_by_product=catalog.pairing_by_product(store_id),
            loyalty=LoyaltyLoaders.for_merchant(
                merchant_id, {customer_id: owner_id} if customer_id is not None and owner_id is not None else None
            ),
            feedback=FeedbackLoaders.for_merchant(merchant_id),
        )

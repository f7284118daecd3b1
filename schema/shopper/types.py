"""Storefront types: only what a shopper may see of the shop and of themselves.

These are separate classes from the admin types (same GraphQL names, fewer fields), so the
storefront schema cannot express an admin field at all.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.catalog.recommendations import RANKED, for_you
from schema.catalog.types import ProductRecommendationConnection, recommendation_page
from schema.core.arguments import Window
from schema.core.context import StorefrontInfo
from schema.core.ids import to_gid
from schema.core.money import Money
from schema.core.node import Node
from schema.core.pagination import Connection, Ordering, paginate, paginate_loaded
from schema.feedback.shopper import ShopperFeedback
from schema.loyalty.storefront.queries import shopper_loyalty
from schema.loyalty.storefront.types import ShopperLoyalty
from schema.shopper.birthday import ShopperBirthday, shopper_birthday
from store.models import Customer, Order, OrderLine, Store

ORDERS = Ordering("platform_created_at")
LINES = Ordering("id", descending=False, is_time=False)


@strawberry.type(name="Shop", description="The store this storefront belongs to")
class ShopNode(Node):
    name: str
    currency_code: str
    domain: str

    @classmethod
    def of(cls, store: Store) -> ShopNode:
        return cls(id=to_gid("Shop", store.id), name=store.name, currency_code=store.currency, domain=store.domain)


@strawberry.type(name="OrderLine")
class ShopperOrderLine(Node):
    row: strawberry.Private[OrderLine]
    currency: strawberry.Private[str]
    title: str
    sku: str
    quantity: int

    @strawberry.field
    def unit_price(self) -> Money:
        return Money.of(self.row.unit_price, self.currency)

    @strawberry.field
    def total(self) -> Money:
        return Money.of(self.row.total, self.currency)

    @classmethod
    def of(cls, row: OrderLine, currency: str) -> ShopperOrderLine:
        return cls(
            id=to_gid("OrderLine", row.id),
            row=row,
            currency=currency,
            title=row.title,
            sku=row.sku,
            quantity=row.quantity,
        )


@strawberry.type(name="Order")
class ShopperOrder(Node):
    row: strawberry.Private[Order]
    name: str
    financial_status: str
    fulfillment_status: str | None
    cancelled_at: datetime | None
    created_at: datetime

    @strawberry.field
    def subtotal(self) -> Money:
        return Money.of(self.row.subtotal, self.row.currency)

    @strawberry.field
    def total(self) -> Money:
        return Money.of(self.row.total, self.row.currency)

    @strawberry.field
    def total_refunded(self) -> Money:
        return Money.of(self.row.total_refunded, self.row.currency)

    @strawberry.field
    async def lines(
        self,
        info: StorefrontInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ShopperOrderLine]:
        request = Window(first, after, last, before).request(LINES)
        rows = await info.context.loaders.lines_by_order.load(self.row.id)
        return paginate_loaded(rows, LINES, request, lambda r: ShopperOrderLine.of(r, self.row.currency))

    @classmethod
    def of(cls, row: Order) -> ShopperOrder:
        return cls(
            id=to_gid("Order", row.id),
            row=row,
            name=row.name,
            financial_status=row.financial_status,
            fulfillment_status=row.fulfillment_status,
            cancelled_at=row.cancelled_at,
            created_at=row.platform_created_at,
        )


@strawberry.type(name="Shopper", description="The signed-in shopper, as this store knows them")
class Shopper(Node):
    row: strawberry.Private[Customer]
    email: str | None
    first_name: str | None
    last_name: str | None
    accepts_marketing: bool

    @strawberry.field
    def display_name(self) -> str:
        name = " ".join(p for p in (self.row.first_name, self.row.last_name) if p)
        return name or self.row.email or "Shopper"

    @strawberry.field(description="The shopper's orders on this store, newest first")
    async def orders(
        self,
        info: StorefrontInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ShopperOrder]:
        request = Window(first, after, last, before).request(ORDERS)
        queryset = Order.filter(customer_id=self.row.id, store_id=self.row.store_id, deleted_at=None)
        return await paginate(queryset, ORDERS, request, ShopperOrder.of)

    @strawberry.field(description="Products picked for this shopper (the shop's best-sellers until there is a history)")
    async def recommendations(
        self,
        info: StorefrontInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProductRecommendationConnection:
        request = Window(first, after, last, before).request(RANKED)
        source, ranked = await for_you(info.context.loaders, info.context.viewer.store, self.row)
        return recommendation_page(source, ranked, request)

    @strawberry.field(
        description="Points, tier, history, rewards, codes and referrals; enrols the shopper's profile if not yet a member"
    )
    async def loyalty(self, info: StorefrontInfo) -> ShopperLoyalty:
        return await shopper_loyalty(info, self.row)

    @strawberry.field(
        description="The birthday the shopper gave, with the day its gift comes; null until given. "
        "Give it with birthdaySet; once given, only the store can change it"
    )
    async def birthday(self, info: StorefrontInfo) -> ShopperBirthday | None:
        return await shopper_birthday(info, self.row)

    @strawberry.field(description="The survey waiting for the shopper's answer, and their complaints and requests")
    def feedback(self) -> ShopperFeedback:
        return ShopperFeedback()

    @classmethod
    def of(cls, row: Customer) -> Shopper:
        return cls(
            id=to_gid("Customer", row.id),
            row=row,
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            accepts_marketing=row.accepts_marketing,
        )

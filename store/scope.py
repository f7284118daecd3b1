"""Merchant-scoped access: every read of tenant data goes through a scope, never a bare model.

A scope can only produce querysets already filtered by its merchant, so a caller cannot
forget the filter, and an id from another merchant simply is not found.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from store.models import (
    Customer,
    Job,
    JobStatus,
    Order,
    OrderLine,
    Product,
    Refund,
    Store,
    WebhookEvent,
)


@dataclass(frozen=True)
class MerchantScope:
    merchant_id: int

    def stores(self) -> QuerySet[Store]:
        return Store.filter(merchant_id=self.merchant_id)

    def customers(self) -> QuerySet[Customer]:
        return Customer.filter(merchant_id=self.merchant_id, deleted_at=None)

    def orders(self) -> QuerySet[Order]:
        return Order.filter(merchant_id=self.merchant_id, deleted_at=None)

    def order_lines(self) -> QuerySet[OrderLine]:
        return OrderLine.filter(order__merchant_id=self.merchant_id)

    def refunds(self) -> QuerySet[Refund]:
        return Refund.filter(order__merchant_id=self.merchant_id)

    def products(self) -> QuerySet[Product]:
        return Product.filter(merchant_id=self.merchant_id, deleted_at=None)

    def webhook_events(self) -> QuerySet[WebhookEvent]:
        return WebhookEvent.filter(store__merchant_id=self.merchant_id)

    def failed_jobs(self) -> QuerySet[Job]:
        """The merchant's own jobs that used up their tries (the operator's jobs are nobody's here)."""
        return Job.filter(merchant_id=self.merchant_id, status=JobStatus.FAILED)

    async def store(self, store_id: int) -> Store | None:
        return await self.stores().get_or_none(id=store_id)

    async def customer(self, customer_id: int) -> Customer | None:
        return await self.customers().get_or_none(id=customer_id)

    async def order(self, order_id: int) -> Order | None:
        return await self.orders().get_or_none(id=order_id)

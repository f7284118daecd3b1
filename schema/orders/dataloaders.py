"""Orders, lines, refunds and refund lines, batched per request and scoped to the merchant."""

from __future__ import annotations

from schema.core.batching import Rows, grouped, loader
from store.models import Order, OrderLine, Refund, RefundLine
from store.scope import MerchantScope

__all__ = ["lines_by_order", "orders_by_customer", "refund_lines_by_refund", "refunds_by_order"]


def orders_by_customer(scope: MerchantScope) -> Rows[Order]:
    async def fetch(keys: list[int]) -> list[list[Order]]:
        return grouped(await scope.orders().filter(customer_id__in=keys), keys, "customer_id")

    return loader(fetch)


def lines_by_order(scope: MerchantScope) -> Rows[OrderLine]:
    async def fetch(keys: list[int]) -> list[list[OrderLine]]:
        return grouped(await scope.order_lines().filter(order_id__in=keys), keys, "order_id")

    return loader(fetch)


def refunds_by_order(scope: MerchantScope) -> Rows[Refund]:
    async def fetch(keys: list[int]) -> list[list[Refund]]:
        return grouped(await scope.refunds().filter(order_id__in=keys), keys, "order_id")

    return loader(fetch)


def refund_lines_by_refund(scope: MerchantScope) -> Rows[RefundLine]:
    async def fetch(keys: list[int]) -> list[list[RefundLine]]:
        rows = await RefundLine.filter(refund_id__in=keys, refund__order__merchant_id=scope.merchant_id)
        return grouped(rows, keys, "refund_id")

    return loader(fetch)

"""Orders, their lines, and refunds with their lines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from store.models.fields import MoneyField

if TYPE_CHECKING:
    from store.models.customers import Customer
    from store.models.tenancy import Merchant, Store


class Order(Model):
    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="orders", on_delete=fields.CASCADE
    )
    merchant_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="orders", on_delete=fields.CASCADE
    )
    store_id: int
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="orders", null=True, on_delete=fields.SET_NULL
    )
    customer_id: int | None
    platform_id = fields.CharField(max_length=80)
    name = fields.CharField(max_length=64, default="")
    email = fields.CharField(max_length=320, null=True)
    phone = fields.CharField(max_length=64, null=True)
    currency = fields.CharField(max_length=3)
    subtotal = MoneyField(description="line totals after line discounts")
    total_discount = MoneyField()
    shipping = MoneyField()
    tax = MoneyField()
    total = MoneyField()
    total_refunded = MoneyField()
    financial_status = fields.CharField(max_length=32, default="paid")
    fulfillment_status = fields.CharField(max_length=32, null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.CharField(max_length=64, null=True)
    discount_codes: fields.JSONField[list[str]] = fields.JSONField(default=list)
    shipping_address: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    test = fields.BooleanField(default=False)
    platform_created_at = fields.DatetimeField()
    platform_updated_at = fields.DatetimeField()
    content_hash = fields.CharField(max_length=32)
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    lines: fields.ReverseRelation[OrderLine]
    refunds: fields.ReverseRelation[Refund]

    class Meta:
        table = "orders"
        unique_together = (("store", "platform_id"),)
        indexes = (
            Index(fields=("merchant_id", "platform_created_at")),
            Index(fields=("store_id", "platform_updated_at")),
            # a store's newest orders (the storefront's best-sellers) without sorting all of them
            Index(fields=("store_id", "platform_created_at", "id")),
            # a person's orders (an incremental refresh reads only the changed people's)
            Index(fields=("customer_id",)),
            # what changed since the last refresh
            Index(fields=("merchant_id", "updated_at")),
        )


class OrderLine(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="lines", on_delete=fields.CASCADE
    )
    order_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="order_lines", on_delete=fields.CASCADE
    )
    store_id: int
    platform_id = fields.CharField(max_length=80)
    product_platform_id = fields.CharField(max_length=80, null=True)
    variant_platform_id = fields.CharField(max_length=80, null=True)
    sku = fields.CharField(max_length=200, default="")
    title = fields.CharField(max_length=500, default="")
    quantity = fields.IntField()
    unit_price = MoneyField()
    total_discount = MoneyField()
    total = MoneyField(description="after line discounts")
    is_gift_card = fields.BooleanField(default=False)

    class Meta:
        table = "order_lines"
        unique_together = (("store", "platform_id"),)
        indexes = (Index(fields=("order_id",)),)


class Refund(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="refunds", on_delete=fields.CASCADE
    )
    order_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="refunds", on_delete=fields.CASCADE
    )
    store_id: int
    platform_id = fields.CharField(max_length=80)
    amount = MoneyField()
    currency = fields.CharField(max_length=3)
    note = fields.TextField(default="")
    store_credit = fields.BooleanField(default=False)
    platform_created_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    lines: fields.ReverseRelation[RefundLine]

    class Meta:
        table = "refunds"
        unique_together = (("store", "platform_id"),)
        indexes = (Index(fields=("order_id",)),)


class RefundLine(Model):
    id = fields.IntField(primary_key=True)
    refund: fields.ForeignKeyRelation[Refund] = fields.ForeignKeyField(
        "models.Refund", related_name="lines", on_delete=fields.CASCADE
    )
    refund_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="refund_lines", on_delete=fields.CASCADE
    )
    store_id: int
    platform_id = fields.CharField(max_length=80)
    line_platform_id = fields.CharField(max_length=80)
    quantity = fields.IntField()
    amount = MoneyField()

    class Meta:
        table = "refund_lines"
        unique_together = (("store", "platform_id"),)
        indexes = (Index(fields=("refund_id",)),)

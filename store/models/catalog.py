"""The catalog: products and their variants, per store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from store.models.fields import MoneyField

if TYPE_CHECKING:
    from store.models.tenancy import Merchant, Store


class Product(Model):
    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="products", on_delete=fields.CASCADE
    )
    merchant_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="products", on_delete=fields.CASCADE
    )
    store_id: int
    platform_id = fields.CharField(max_length=80)
    title = fields.CharField(max_length=500)
    handle = fields.CharField(max_length=500, default="")
    vendor = fields.CharField(max_length=200, default="")
    category = fields.CharField(max_length=200, default="")
    status = fields.CharField(max_length=32, default="active")
    image_url = fields.CharField(max_length=2000, default="")
    image_alt = fields.CharField(max_length=500, default="")
    url = fields.CharField(max_length=2000, default="")
    platform_updated_at = fields.DatetimeField()
    content_hash = fields.CharField(max_length=32)
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    variants: fields.ReverseRelation[Variant]

    class Meta:
        table = "products"
        unique_together = (("store", "platform_id"),)


class Variant(Model):
    id = fields.IntField(primary_key=True)
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="variants", on_delete=fields.CASCADE
    )
    product_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="variants", on_delete=fields.CASCADE
    )
    store_id: int
    platform_id = fields.CharField(max_length=80)
    sku = fields.CharField(max_length=200, default="")
    title = fields.CharField(max_length=500, default="")
    price = MoneyField()
    compare_at_price = MoneyField(null=True, default=None)
    in_stock = fields.BooleanField(default=True)

    class Meta:
        table = "variants"
        unique_together = (("store", "platform_id"),)
        indexes = (Index(fields=("store_id", "sku")),)

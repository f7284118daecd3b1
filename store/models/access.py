"""Tables the APIs keep: merchant API keys, persisted storefront queries, storefront origins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from store.models.tenancy import Merchant, Store


class ApiKey(Model):
    """A merchant API key for the admin API. Only a SHA-256 of the secret is kept."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="api_keys", on_delete=fields.CASCADE
    )
    merchant_id: int
    name = fields.CharField(max_length=200)
    prefix = fields.CharField(max_length=32, unique=True, description="the public part of the key, shown in lists")
    secret_hash = fields.CharField(max_length=64, description="hex SHA-256 of the secret part")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"


class PersistedQuery(Model):
    """A storefront query stored by its SHA-256, so widgets can send the hash and GET it cacheably."""

    sha256 = fields.CharField(max_length=64, primary_key=True)
    query = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "persisted_queries"


class StorefrontOrigin(Model):
    """A browser origin besides the store's own domain allowed to call the storefront API (CORS)."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="storefront_origins", on_delete=fields.CASCADE
    )
    store_id: int
    origin = fields.CharField(max_length=255, description="scheme, host and port, e.g. https://shop.example")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "storefront_origins"
        unique_together = (("store", "origin"),)

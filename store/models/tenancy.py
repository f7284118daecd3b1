"""Tenancy: a merchant (the tenant) and its stores on either platform."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from store.models.fields import EncryptedTextField


class Platform(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"


class InstallState(StrEnum):
    PENDING = "pending"
    INSTALLED = "installed"
    UNINSTALLED = "uninstalled"
    DISABLED = "disabled"


class Health(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


class Merchant(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    stores: fields.ReverseRelation[Store]

    class Meta:
        table = "merchants"

    def __str__(self) -> str:
        return self.name


class Store(Model):
    """One Shopify shop or WooCommerce site, with the credentials Rapport holds for it."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="stores", on_delete=fields.CASCADE
    )
    merchant_id: int
    platform = fields.CharEnumField(Platform, max_length=16)
    domain = fields.CharField(max_length=255, description="myshopify domain or site URL")
    name = fields.CharField(max_length=200, default="")
    currency = fields.CharField(max_length=3, default="USD")
    timezone = fields.CharField(max_length=64, default="UTC")
    public_key = fields.CharField(max_length=64, unique=True, description="storefront API key")
    access_token = EncryptedTextField(null=True)
    refresh_token = EncryptedTextField(null=True)
    token_expires_at = fields.DatetimeField(null=True)
    consumer_key = EncryptedTextField(null=True)
    consumer_secret = EncryptedTextField(null=True)
    webhook_secret = EncryptedTextField(null=True)
    scopes = fields.CharField(max_length=500, default="")
    install_state = fields.CharEnumField(InstallState, max_length=16, default=InstallState.PENDING)
    health = fields.CharEnumField(Health, max_length=16, default=Health.HEALTHY)
    consecutive_failures = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    last_synced_at = fields.DatetimeField(null=True)
    installed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "stores"
        unique_together = (("platform", "domain"),)

    def __str__(self) -> str:
        return f"{self.platform}:{self.domain}"


class StoreLinkCode(Model):
    """A one-time code that lets a store join the merchant that created it."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="link_codes", on_delete=fields.CASCADE
    )
    merchant_id: int
    code_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_by: fields.ForeignKeyNullableRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="link_codes_used", null=True, on_delete=fields.SET_NULL
    )
    used_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "store_link_codes"

"""Store-level customers: one row per platform account, and one per guest email."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from store.models.people import Profile
    from store.models.tenancy import Merchant, Store


def email_key(email: str | None) -> str | None:
    """How accounts compare emails: trimmed and lower-cased in Python, so both backends agree
    (SQLite's ``lower`` folds ASCII only) and a lookup needs no expression index."""
    return (email or "").strip().lower() or None


class Customer(Model):
    """A customer as one store knows them, guests get a ``guest:<hash>`` platform id."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="customers", on_delete=fields.CASCADE
    )
    merchant_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="customers", on_delete=fields.CASCADE
    )
    store_id: int
    platform_id = fields.CharField(max_length=80)
    profile: fields.ForeignKeyNullableRelation[Profile] = fields.ForeignKeyField(
        "models.Profile",
        related_name="customers",
        null=True,
        on_delete=fields.SET_NULL,
        description="the person this customer is, set by identity resolution",
    )
    profile_id: int | None
    owner: fields.ForeignKeyNullableRelation[Profile] = fields.ForeignKeyField(
        "models.Profile",
        related_name="owned_accounts",
        null=True,
        on_delete=fields.SET_NULL,
        description="whose loyalty balance this account holds: set by loyalty, changed only when ownership is established",
    )
    owner_id: int | None
    is_guest = fields.BooleanField(default=False)
    email = fields.CharField(max_length=320, null=True)
    email_key = fields.CharField(
        max_length=320,
        null=True,
        description="the email as accounts compare it (``email_key()``): verified-email lookups match it on an index",
    )
    verified_email = fields.BooleanField(
        default=False,
        description="the platform says the account holder proved this email (Shopify verified_email)",
    )
    phone = fields.CharField(max_length=64, null=True)
    first_name = fields.CharField(max_length=200, null=True)
    last_name = fields.CharField(max_length=200, null=True)
    accepts_marketing = fields.BooleanField(default=False)
    address: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    tags = fields.CharField(max_length=1000, default="")
    locale = fields.CharField(max_length=16, null=True)
    birthday = fields.DateField(null=True)
    platform_created_at = fields.DatetimeField(null=True)
    platform_updated_at = fields.DatetimeField()
    content_hash = fields.CharField(max_length=32)
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        """Keep ``email_key`` in step for writes through the model (ingest writes it per row)."""
        self.email_key = email_key(self.email)
        if update_fields is not None and "email" in (update_fields := list(update_fields)):
            update_fields.append("email_key")
        await super().save(using_db, update_fields, force_create, force_update)

    class Meta:
        table = "customers"
        unique_together = (("store", "platform_id"),)
        indexes = (
            Index(fields=("merchant_id", "email")),
            Index(fields=("merchant_id", "email_key")),
            Index(fields=("merchant_id", "phone")),
            Index(fields=("owner_id",)),
            Index(fields=("profile_id",)),
            Index(fields=("merchant_id", "updated_at")),
        )

"""People: one profile per person across a merchant's stores, which store-level customers point at.

The profile row is only the anchor: insights decides which customers belong to it (identity
resolution) and loyalty keeps one member per profile, so one person has one balance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from store.models.tenancy import Merchant


class Profile(Model):
    """A person as the merchant knows them, across stores and platforms."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="profiles", on_delete=fields.CASCADE
    )
    merchant_id: int
    merged_into: fields.ForeignKeyNullableRelation[Profile] = fields.ForeignKeyField(
        "models.Profile",
        related_name="absorbed",
        null=True,
        on_delete=fields.SET_NULL,
        description="set when this profile was merged into another one, kept so old ids still resolve",
    )
    merged_into_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "profiles"

"""What arrives from the platforms and how far each sync has come."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from store.models.tenancy import Store


class DeliveryStatus(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"
    IGNORED = "ignored"


class WebhookEvent(Model):
    """A verified webhook delivery, kept raw so it can be replayed."""

    id = fields.IntField(primary_key=True)
    platform = fields.CharField(max_length=16)
    delivery_id = fields.CharField(max_length=128)
    store: fields.ForeignKeyNullableRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="webhook_events", null=True, on_delete=fields.CASCADE
    )
    store_id: int | None
    source = fields.CharField(max_length=255, default="", description="shop domain or site URL")
    topic = fields.CharField(max_length=64)
    headers: fields.JSONField[dict[str, str]] = fields.JSONField(default=dict)
    body = fields.TextField()
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.RECEIVED)
    attempts = fields.IntField(default=0)
    error = fields.TextField(null=True)
    received_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_events"
        unique_together = (("platform", "delivery_id"),)
        indexes = (Index(fields=("status", "received_at")),)


class SyncCheckpoint(Model):
    """Where a store's backfill or incremental sync of one resource stands, so it can resume."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="checkpoints", on_delete=fields.CASCADE
    )
    store_id: int
    resource = fields.CharField(max_length=32)
    mode = fields.CharField(max_length=16, description="backfill or incremental")
    cursor = fields.TextField(null=True, description="platform cursor or page of the next page")
    high_water = fields.DatetimeField(null=True, description="newest platform updated_at seen")
    pages = fields.IntField(default=0)
    records = fields.IntField(default=0)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "sync_checkpoints"
        unique_together = (("store", "resource", "mode"),)

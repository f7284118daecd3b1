"""Jobs: the embedded runner's persistent queue, and every job's final failure in both modes."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from store.models.tenancy import Merchant


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"


class Job(Model):
    """A queued or running job of the embedded runner, or a final failure of either runner."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyNullableRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant",
        related_name="jobs",
        null=True,
        on_delete=fields.CASCADE,
        description="the merchant whose data the job works on, none for jobs of the operator",
    )
    merchant_id: int | None
    key = fields.CharField(max_length=200, unique=True, description="dedupe key, a second enqueue is a no-op")
    function = fields.CharField(max_length=100)
    args: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    status = fields.CharEnumField(JobStatus, max_length=16, default=JobStatus.QUEUED)
    tries = fields.IntField(default=0)
    max_tries = fields.IntField(default=5)
    run_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True, description="a running job whose lease lapsed is run again")
    worker = fields.CharField(max_length=100, null=True)
    backend = fields.CharField(max_length=16, default="local")
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "jobs"
        indexes = (Index(fields=("status", "run_at")), Index(fields=("merchant_id", "status")))

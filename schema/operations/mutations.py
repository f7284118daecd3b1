"""Replaying a failed webhook delivery or a failed job."""

from __future__ import annotations

import strawberry

from schema.core.context import AdminInfo
from schema.core.ids import pk_of
from schema.operations.errors import ReplayErrorCode, ReplayUserError
from schema.operations.types import FailedJobNode, WebhookDeliveryNode
from store.models import DeliveryStatus


@strawberry.input
class WebhookDeliveryReplayInput:
    id: strawberry.ID


@strawberry.type
class WebhookDeliveryReplayPayload:
    webhook_delivery: WebhookDeliveryNode | None
    user_errors: list[ReplayUserError]


@strawberry.input
class FailedJobReplayInput:
    id: strawberry.ID


@strawberry.type
class FailedJobReplayPayload:
    job: FailedJobNode | None = strawberry.field(description="the job as it was before it was queued again")
    user_errors: list[ReplayUserError]


def _error(message: str, code: ReplayErrorCode) -> list[ReplayUserError]:
    return [ReplayUserError(field=["input", "id"], message=message, code=code)]


@strawberry.type
class OperationsMutations:
    @strawberry.mutation(description="Process a failed (or ignored) webhook delivery again")
    async def webhook_delivery_replay(
        self, info: AdminInfo, input: WebhookDeliveryReplayInput
    ) -> WebhookDeliveryReplayPayload:
        pk = pk_of(input.id, "WebhookDelivery")
        event = await info.context.loaders.scope.webhook_events().get_or_none(id=pk) if pk else None
        if event is None:
            return WebhookDeliveryReplayPayload(
                webhook_delivery=None, user_errors=_error("no such webhook delivery", ReplayErrorCode.NOT_FOUND)
            )
        if event.status not in (DeliveryStatus.FAILED, DeliveryStatus.IGNORED):
            return WebhookDeliveryReplayPayload(
                webhook_delivery=WebhookDeliveryNode.of(event),
                user_errors=_error(
                    f"only failed or ignored deliveries are replayed; this one is {event.status.value}",
                    ReplayErrorCode.NOT_FAILED,
                ),
            )
        webhooks = info.context.services.webhooks
        if webhooks is None:
            return WebhookDeliveryReplayPayload(
                webhook_delivery=WebhookDeliveryNode.of(event),
                user_errors=_error(
                    "webhook processing is not available on this deployment", ReplayErrorCode.UNAVAILABLE
                ),
            )
        await webhooks.replay(event.id)
        await event.refresh_from_db()
        return WebhookDeliveryReplayPayload(webhook_delivery=WebhookDeliveryNode.of(event), user_errors=[])

    @strawberry.mutation(description="Run a failed job again from its first try")
    async def failed_job_replay(self, info: AdminInfo, input: FailedJobReplayInput) -> FailedJobReplayPayload:
        pk = pk_of(input.id, "FailedJob")
        job = await info.context.loaders.scope.failed_jobs().get_or_none(id=pk) if pk else None
        if job is None:  # another merchant's job, the operator's, or one not failed: not found alike
            return FailedJobReplayPayload(job=None, user_errors=_error("no such failed job", ReplayErrorCode.NOT_FOUND))
        jobs = info.context.services.jobs
        if jobs is None:
            return FailedJobReplayPayload(
                job=None, user_errors=_error("the job queue is not available", ReplayErrorCode.UNAVAILABLE)
            )
        await jobs.replay(job.id)
        return FailedJobReplayPayload(job=FailedJobNode.of(job), user_errors=[])

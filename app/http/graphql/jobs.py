"""The job adapters resolvers use through ``Services``: they queue work when the app has a queue.

Built per request over the app's queue, so a resolver never reaches for the queue itself.
"""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request

from store.models import DeliveryStatus, WebhookEvent


class QueueWebhookReplay:
    """Marks a delivery received again and queues its processing job when a worker knows it."""

    def __init__(self, request: Request) -> None:
        self.request = request

    async def replay(self, event_id: int) -> None:
        from app.jobs.sync import process_webhook

        await WebhookEvent.filter(id=event_id).update(status=DeliveryStatus.RECEIVED, error=None, processed_at=None)
        queue = getattr(self.request.app.state, "queue", None)
        if queue is not None and process_webhook.registered:
            await process_webhook.enqueue(queue, event_id)


class QueueInsightsRefresh:
    """Queues ``insights_refresh`` under the key the scheduled pass uses, so the two never pile up."""

    def __init__(self, request: Request) -> None:
        self.request = request

    @property
    def available(self) -> bool:
        from app.jobs.insights import insights_refresh

        return getattr(self.request.app.state, "queue", None) is not None and insights_refresh.registered

    async def refresh(self, merchant_id: int, as_of: datetime | None) -> bool:
        from app.jobs.insights import insights_refresh, refresh_key

        queue = self.request.app.state.queue
        args = [merchant_id, as_of.isoformat()] if as_of is not None else [merchant_id]
        return await insights_refresh.enqueue(queue, *args, key=refresh_key(merchant_id))


class QueueCampaignRun:
    """Queues ``campaigns_run`` for a merchant under the key the engine's own runs use, so a launch
    during a run waits for it instead of running beside it."""

    def __init__(self, request: Request) -> None:
        self.request = request

    @property
    def available(self) -> bool:
        from app.jobs.campaigns import campaigns_run

        return getattr(self.request.app.state, "queue", None) is not None and campaigns_run.registered

    async def run(self, merchant_id: int) -> None:
        from app.jobs.campaigns import campaigns_run, run_key

        await campaigns_run.enqueue(self.request.app.state.queue, merchant_id, key=run_key(merchant_id))

    async def send(self, merchant_id: int) -> None:
        from datetime import UTC, datetime

        from app.jobs.campaigns import send_key
        from app.jobs.mail import campaigns_send_due

        now = datetime.now(UTC)
        await campaigns_send_due.enqueue(self.request.app.state.queue, merchant_id, key=send_key(merchant_id, now))

"""``rapport webhooks``: recorded deliveries of either platform, and replaying failed or waiting ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from app.cli_common import MAX_ID
from app.jobs.queue import JobQueue, new_key
from store.models import DeliveryStatus, WebhookEvent

webhooks_cli = typer.Typer(help="Webhook deliveries: list them, replay failed or waiting ones.", no_args_is_help=True)


async def replay(
    queue: JobQueue, *, ids: list[int] | None = None, failed: bool = False, waiting: bool = False
) -> list[int]:
    """Queue deliveries for processing again: failed ones (the given ids, or all with ``failed``)
    are reopened first; ones still ``received`` (the given ids, or with ``waiting`` every one
    older than the sweep's minute) are queued under their own key, a no-op when already queued."""
    from app.jobs.outbox import SWEEP_AGE, queue_processing
    from app.jobs.sync import process_webhook
    from connectors.core import inbox

    if ids:
        states = await WebhookEvent.filter(
            id__in=ids, status__in=[DeliveryStatus.FAILED, DeliveryStatus.RECEIVED]
        ).values_list("id", "status")
        failed_ids = sorted(i for i, status in states if status == DeliveryStatus.FAILED)
        waiting_ids = sorted(i for i, status in states if status == DeliveryStatus.RECEIVED)
    else:
        failed_ids = (
            list(await WebhookEvent.filter(status=DeliveryStatus.FAILED).order_by("id").values_list("id", flat=True))
            if failed
            else []
        )
        waiting_ids = await inbox.waiting_since(datetime.now(UTC) - SWEEP_AGE, limit=100_000) if waiting else []
    await inbox.reopen(failed_ids)
    for event_id in failed_ids:  # a fresh key: the failed job may still hold the old one
        await process_webhook.enqueue(queue, event_id, key=f"webhook:{event_id}:replay:{new_key()[:8]}")
    for event_id in waiting_ids:
        await queue_processing(queue, event_id)
    return sorted(failed_ids + waiting_ids)


async def listing(status: DeliveryStatus | None, limit: int) -> list[WebhookEvent]:
    query = WebhookEvent.all() if status is None else WebhookEvent.filter(status=status)
    return await query.order_by("-id").limit(limit)


@webhooks_cli.command("list")
def list_deliveries(
    status: Annotated[DeliveryStatus | None, typer.Option(help="only deliveries in this state")] = None,
    limit: Annotated[int, typer.Option(min=1, help="how many, newest first")] = 50,
) -> None:
    """Recorded deliveries, newest first, with their state and last error."""
    from app.cli_common import run, settings_or_exit

    found = run(settings_or_exit(), lambda: listing(status, limit))
    if not found:
        typer.echo(f"no {status} webhook deliveries" if status else "no webhook deliveries yet")
    for e in found:
        typer.echo(
            f"#{e.id} {e.platform} {e.topic} {e.source} {e.status} attempts={e.attempts} "
            f"received={e.received_at.isoformat(timespec='seconds')}"
        )
        if e.error:
            typer.echo("    " + e.error.strip().splitlines()[-1])


@webhooks_cli.command("replay")
def replay_deliveries(
    event_id: Annotated[
        list[int] | None,
        typer.Option("--id", min=1, max=MAX_ID, help="a failed or waiting delivery to replay (repeatable)"),
    ] = None,
    failed: Annotated[bool, typer.Option("--failed", help="replay every failed delivery")] = False,
    received: Annotated[
        bool, typer.Option("--received", help="queue every delivery still waiting after a minute")
    ] = False,
) -> None:
    """Process failed deliveries again (they keep their payload and error until then), or queue
    deliveries still ``received`` (recorded while the queue was down), as the minutely sweep does."""
    from app.cli_common import fail, run, settings_or_exit

    if not event_id and not failed and not received:
        raise fail("say which: --id N (repeatable), --failed or --received")
    settings = settings_or_exit()

    async def work() -> list[int]:
        from app.jobs import open_queue

        if event_id:
            await _need_failed(event_id)
        queue = await open_queue(settings)
        try:
            return await replay(queue, ids=event_id, failed=failed, waiting=received)
        finally:
            await queue.close()

    done = run(settings, work)
    typer.echo(
        f"queued again: {', '.join(f'#{i}' for i in done)}" if done else "nothing to replay: no failed deliveries"
    )


async def _need_failed(ids: list[int]) -> None:
    """Replay all the named deliveries or none: a wrong id stops the command before anything is queued."""
    from app.cli_common import fail

    states = dict(await WebhookEvent.filter(id__in=ids).values_list("id", "status"))
    for event_id in ids:
        if event_id not in states:
            raise fail(f"no webhook delivery #{event_id}", 1)
        if states[event_id] not in (DeliveryStatus.FAILED, DeliveryStatus.RECEIVED):
            raise fail(
                f"delivery #{event_id} is {states[event_id]}: only a failed or waiting (received) one can be replayed",
                1,
            )

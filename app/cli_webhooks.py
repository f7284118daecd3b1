"""``rapport webhooks``: recorded deliveries of either platform, and replaying the failed ones."""

from __future__ import annotations

from typing import Annotated

import typer

from app.jobs.queue import JobQueue, new_key
from store.models import DeliveryStatus, WebhookEvent

webhooks_cli = typer.Typer(help="Webhook deliveries: list them, replay the failed ones.", no_args_is_help=True)


async def replay(queue: JobQueue, *, ids: list[int] | None = None, failed: bool = False) -> list[int]:
    """Reopen failed deliveries (the given ids, or all failed ones) and queue their processing again."""
    chosen = WebhookEvent.filter(status=DeliveryStatus.FAILED)
    if ids:
        chosen = chosen.filter(id__in=ids)
    elif not failed:
        return []
    event_ids = list(await chosen.order_by("id").values_list("id", flat=True))
    from connectors.core import inbox

    await inbox.reopen(event_ids)
    for event_id in event_ids:  # a fresh key: the failed job may still hold the old one
        await queue.enqueue("process_webhook", event_id, key=f"webhook:{event_id}:replay:{new_key()[:8]}")
    return event_ids


async def listing(status: DeliveryStatus | None, limit: int) -> list[WebhookEvent]:
    query = WebhookEvent.all() if status is None else WebhookEvent.filter(status=status)
    return await query.order_by("-id").limit(limit)


@webhooks_cli.command("list")
def list_deliveries(
    status: Annotated[DeliveryStatus | None, typer.Option(help="only deliveries in this state")] = None,
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 50,
) -> None:
    """Recorded deliveries, newest first, with their state and last error."""
    from app.cli_common import run, settings_or_exit

    for e in run(settings_or_exit(), lambda: listing(status, limit)):
        typer.echo(f"#{e.id} {e.platform} {e.topic} {e.source} {e.status} attempts={e.attempts} "
                   f"received={e.received_at.isoformat(timespec='seconds')}")
        if e.error:
            typer.echo("    " + e.error.strip().splitlines()[-1])


@webhooks_cli.command("replay")
def replay_deliveries(
    event_id: Annotated[list[int] | None, typer.Option("--id", help="a failed delivery to replay (repeatable)")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="replay every failed delivery")] = False,
) -> None:
    """Process failed deliveries again (they keep their payload and error until then)."""
    from app.cli_common import fail, run, settings_or_exit

    if not event_id and not failed:
        raise fail("say which: --id N (repeatable) or --failed")
    settings = settings_or_exit()

    async def work() -> list[int]:
        from app.jobs import open_queue

        queue = await open_queue(settings)
        try:
            return await replay(queue, ids=event_id, failed=failed)
        finally:
            await queue.close()

    done = run(settings, work)
    typer.echo(f"queued again: {', '.join(f'#{i}' for i in done) or 'nothing (no failed delivery matched)'}")

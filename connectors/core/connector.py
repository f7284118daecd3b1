"""What the runtime asks of a platform connector, whichever platform it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from connectors.core.sink import Sink
from store.discounts import DiscountRequest, IssuedCode, IssueFailed
from store.models import Platform, Store, WebhookEvent


@dataclass
class SyncReport:
    """What one backfill or incremental pass did, per resource, and what it cost in requests."""

    records: dict[str, int] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    retries: int = 0
    throttled: int = 0


class Connector(Protocol):
    platform: Platform

    async def backfill(self, store: Store, sink: Sink) -> SyncReport:
        """Every customer, product, order and refund, resumable from the saved checkpoints."""
        ...

    async def sync(self, store: Store, sink: Sink) -> SyncReport:
        """What changed since the last pass, with an overlap window so nothing edited mid-sync is missed."""
        ...

    async def handle_webhook(self, event: WebhookEvent, sink: Sink) -> None:
        """Apply one recorded, verified delivery."""
        ...

    async def issue(self, store: Store, request: DiscountRequest) -> IssuedCode | IssueFailed:
        """The ``DiscountIssuer`` of this platform."""
        ...

    async def revoke(self, store: Store, platform_id: str) -> IssueFailed | None:
        """Delete a code this connector issued; ``None`` once it is gone from the platform."""
        ...

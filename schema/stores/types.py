"""Admin types of the merchant and its stores, with sync health."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.core.arguments import Window
from schema.core.context import AdminInfo, AdminViewer
from schema.core.ids import to_gid
from schema.core.node import Node
from schema.core.pagination import Connection, Ordering, paginate, paginate_loaded
from schema.feedback.complaint_intake import ComplaintIntake
from schema.stores.reviews import ReviewIntake
from store.models import Health, InstallState, Merchant, Platform, Store, SyncCheckpoint

STORES = Ordering("created_at", descending=False)
CHECKPOINTS = Ordering("id", descending=False, is_time=False)

PlatformEnum = strawberry.enum(Platform, name="Platform")
InstallStateEnum = strawberry.enum(InstallState, name="InstallState")
HealthEnum = strawberry.enum(Health, name="Health")


@strawberry.type(name="SyncCheckpoint", description="How far one resource's backfill or incremental sync has come")
class SyncCheckpointNode(Node):
    resource: str
    mode: str = strawberry.field(description="backfill or incremental")
    pages: int
    records: int
    high_water: datetime | None = strawberry.field(description="newest platform updated_at seen")
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, row: SyncCheckpoint) -> SyncCheckpointNode:
        return cls(
            id=to_gid("SyncCheckpoint", row.id),
            resource=row.resource,
            mode=row.mode,
            pages=row.pages,
            records=row.records,
            high_water=row.high_water,
            started_at=row.started_at,
            finished_at=row.finished_at,
            updated_at=row.updated_at,
        )


@strawberry.type(name="Store", description="A Shopify shop or WooCommerce site of the merchant")
class StoreNode(Node):
    row: strawberry.Private[Store]
    platform: Platform
    domain: str
    name: str
    currency_code: str
    timezone: str
    public_key: str = strawberry.field(description="the key storefront widgets send as X-Rapport-Store-Key")
    install_state: InstallState
    health: Health
    consecutive_failures: int
    last_error: str | None
    last_synced_at: datetime | None
    installed_at: datetime | None

    @strawberry.field
    async def checkpoints(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SyncCheckpointNode]:
        request = Window(first, after, last, before).request(CHECKPOINTS)
        rows = await info.context.loaders.checkpoints_by_store.load(self.row.id)
        return paginate_loaded(rows, CHECKPOINTS, request, SyncCheckpointNode.of)

    @strawberry.field(
        description="Where a review app or the owner's server posts reviews and the secret it signs them with "
        "(the owner's API key or session only)"
    )
    def review_intake(self, info: AdminInfo) -> ReviewIntake:
        if not isinstance(info.context.viewer, AdminViewer):
            raise PermissionError("only the store's owner reads its review secret")
        url, secret = info.context.services.credentials.review_intake(self.row.id)
        return ReviewIntake.of(self.row, url, secret)

    @strawberry.field(
        description="Where a help-desk tool or the owner's server files complaints and the secret it signs them "
        "with (the owner's API key or session only)"
    )
    def complaint_intake(self, info: AdminInfo) -> ComplaintIntake:
        if not isinstance(info.context.viewer, AdminViewer):
            raise PermissionError("only the store's owner reads its complaint secret")
        url, secret = info.context.services.credentials.complaint_intake(self.row.id)
        return ComplaintIntake.of(self.row, url, secret)

    @classmethod
    def of(cls, row: Store) -> StoreNode:
        return cls(
            id=to_gid("Store", row.id),
            row=row,
            platform=row.platform,
            domain=row.domain,
            name=row.name,
            currency_code=row.currency,
            timezone=row.timezone,
            public_key=row.public_key,
            install_state=row.install_state,
            health=row.health,
            consecutive_failures=row.consecutive_failures,
            last_error=row.last_error,
            last_synced_at=row.last_synced_at,
            installed_at=row.installed_at,
        )


@strawberry.type(name="Merchant", description="The tenant: the owner of one or more stores")
class MerchantNode(Node):
    row: strawberry.Private[Merchant]
    name: str
    created_at: datetime

    @strawberry.field
    async def stores(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[StoreNode]:
        request = Window(first, after, last, before).request(STORES)
        return await paginate(info.context.loaders.scope.stores(), STORES, request, StoreNode.of)

    @classmethod
    def of(cls, row: Merchant) -> MerchantNode:
        return cls(id=to_gid("Merchant", row.id), row=row, name=row.name, created_at=row.created_at)

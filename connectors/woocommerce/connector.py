"""``WooConnector``: the ``Connector`` of WooCommerce sites, built once from settings.

One instance serves every site; each operation opens a client for the store at hand (its
site URL and decrypted keys) and closes it when done, so nothing of one store outlives the
call or leaks into another's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from connectors.core import checkpoint as cp
from connectors.core.connector import SyncReport
from connectors.core.egress import EgressPolicy
from connectors.core.http import PlatformAuthError, RetryPolicy, Sleep
from connectors.core.sink import Sink
from connectors.woocommerce import coupons, install, sync, webhooks
from connectors.woocommerce.client import WooClient
from store.discounts import DiscountRequest, IssuedCode, IssueError, IssueFailed
from store.models import Platform, Store, WebhookEvent


class WooConnector:
    platform = Platform.WOOCOMMERCE

    def __init__(
        self,
        *,
        public_base_url: str,
        app_name: str = "Rapport",
        verify_tls: bool | str = True,
        overlap: timedelta = timedelta(minutes=2),
        reconcile_interval: timedelta = timedelta(hours=1),
        policy: RetryPolicy | None = None,
        sleep: Sleep | None = None,
        timeout: float = 30.0,
        egress: EgressPolicy | None = None,
    ) -> None:
        self.public_base_url = public_base_url.rstrip("/")
        self.egress = egress if egress is not None else EgressPolicy()
        self.app_name = app_name
        self.verify_tls = verify_tls
        self.overlap = overlap
        self.reconcile_interval = reconcile_interval
        self.policy = policy
        self.sleep = sleep
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Any) -> WooConnector:
        """Reads ``public_base_url`` and, when the settings have them, the ``woocommerce_*`` options."""
        options: dict[str, Any] = {}
        if (verify := getattr(settings, "woocommerce_verify_tls", None)) is not None:
            options["verify_tls"] = verify
        if (seconds := getattr(settings, "woocommerce_reconcile_seconds", None)) is not None:
            options["reconcile_interval"] = timedelta(seconds=seconds)
        options["egress"] = EgressPolicy.of(
            getattr(settings, "allow_http_sites", False), getattr(settings, "allow_site_networks", ())
        )
        return cls(public_base_url=settings.public_base_url, **options)

    @asynccontextmanager
    async def client(self, store: Store) -> AsyncIterator[WooClient]:
        if not store.consumer_key or not store.consumer_secret:
            raise PlatformAuthError(f"store {store.id} has no WooCommerce keys (not connected)")
        woo = WooClient(
            store.domain,
            store.consumer_key,
            store.consumer_secret,
            verify=self.verify_tls,
            timeout=self.timeout,
            policy=self.policy,
            sleep=self.sleep,
            egress=self.egress,
        )
        try:
            yield woo
        finally:
            await woo.aclose()

    def delivery_url(self, store: Store) -> str:
        return install.delivery_url(self.public_base_url, store.id)

    def authorize_url(self, store: Store, secret: str) -> str:
        state = install.sign_state(secret, store.id, store.merchant_id)
        return install.authorize_url(
            store.domain,
            state,
            app_name=self.app_name,
            return_url=f"{self.public_base_url}/connect/woocommerce/done?store={store.id}",
            callback_url=f"{self.public_base_url}/auth/woocommerce/callback",
        )

    @staticmethod
    def _stats(report: SyncReport, woo: WooClient) -> SyncReport:
        report.requests += woo.stats.requests
        report.retries += woo.stats.retries
        report.throttled += woo.stats.throttled
        return report

    async def subscribe(self, store: Store, *, set_secret: bool = True) -> dict[str, int]:
        async with self.client(store) as woo:
            return await install.ensure_webhooks(
                woo, self.delivery_url(store), store.webhook_secret, set_secret=set_secret
            )

    async def backfill(self, store: Store, sink: Sink) -> SyncReport:
        """Webhooks first (so changes during the backfill are not missed), then every record."""
        report = SyncReport()
        async with self.client(store) as woo:
            hooks = await cp.open_checkpoint(store.id, "webhooks", cp.BACKFILL)
            if hooks.finished_at is None:
                await install.ensure_webhooks(woo, self.delivery_url(store), store.webhook_secret, set_secret=True)
                await cp.finish(hooks)
            try:
                await sync.backfill(woo, store, sink, report)
            finally:
                self._stats(report, woo)
        return report

    async def sync(self, store: Store, sink: Sink) -> SyncReport:
        """Changed orders and products; every ``reconcile_interval`` also all customers and the webhooks."""
        report = SyncReport()
        if not await sync.backfilled(store):
            return report
        async with self.client(store) as woo:
            try:
                await sync.incremental(woo, store, sink, report, overlap=self.overlap)
                if await sync.reconcile_due(store, self.reconcile_interval):
                    await install.ensure_webhooks(woo, self.delivery_url(store), store.webhook_secret, set_secret=False)
                    await sync.reconcile_customers(woo, store, sink, report)
            finally:
                self._stats(report, woo)
        return report

    async def handle_webhook(self, event: WebhookEvent, sink: Sink) -> None:
        store = await Store.get(id=event.store_id)
        async with self.client(store) as woo:
            await webhooks.apply(woo, store, sink, event.topic, webhooks.parse_body(event.body))

    async def issue(self, store: Store, request: DiscountRequest) -> IssuedCode | IssueFailed:
        try:
            async with self.client(store) as woo:
                return await coupons.issue(woo, request)
        except PlatformAuthError as exc:
            return IssueFailed(IssueError.UNAUTHORIZED, str(exc))

    async def revoke(self, store: Store, platform_id: str) -> IssueFailed | None:
        try:
            async with self.client(store) as woo:
                return await coupons.revoke(woo, platform_id)
        except PlatformAuthError as exc:
            return IssueFailed(IssueError.UNAUTHORIZED, str(exc))

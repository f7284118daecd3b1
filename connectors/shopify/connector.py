"""The Shopify connector: what the runtime calls, built from settings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from connectors.core.connector import SyncReport
from connectors.core.http import PlatformAuthError, RetryPolicy, Sleep
from connectors.core.sink import Sink
from connectors.shopify import discounts, handlers, oauth
from connectors.shopify.client import ShopifyGraphQL, StaticToken, TokenSource
from connectors.shopify.install import install
from connectors.shopify.pacing import bucket_for
from connectors.shopify.sync import RESOURCES, Options, StoreSync
from connectors.shopify.tokens import StoreTokens
from store.discounts import DiscountRequest, IssuedCode, IssueFailed
from store.models import InstallState, Platform, Store, WebhookEvent
from store.records import OrderRecord

WEBHOOK_PATH = "/webhooks/shopify"


def _secret(value: Any) -> str:
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value or "")


class ShopifyConnector:
    platform = Platform.SHOPIFY

    def __init__(
        self,
        app: oauth.App,
        *,
        api_version: str = "2026-10",
        base_url: str | None = None,
        public_base_url: str = "http://127.0.0.1:8000",
        overlap: timedelta = timedelta(minutes=5),
        bulk_resources: tuple[str, ...] = RESOURCES,
        policy: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        privacy_handler: handlers.PrivacyHandler | None = None,
    ) -> None:
        self.app = app
        self.api_version = api_version
        self.base_url = base_url.rstrip("/") if base_url else None
        self.public_base_url = public_base_url.rstrip("/")
        self.options = Options(overlap=overlap, bulk_resources=bulk_resources)
        self.policy = policy
        self.sleep = sleep
        self.privacy_handler = privacy_handler

    @classmethod
    def from_settings(cls, settings: Any) -> ShopifyConnector:
        """Duck-typed: reads the ``shopify_*`` and ``public_base_url`` attributes of the settings."""
        return cls(
            oauth.App(settings.shopify_api_key, _secret(settings.shopify_api_secret)),
            api_version=settings.shopify_api_version,
            base_url=getattr(settings, "shopify_base_url", None),
            public_base_url=settings.public_base_url,
        )

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def webhook_uri(self) -> str:
        return self.public_base_url + WEBHOOK_PATH

    @property
    def callback_uri(self) -> str:
        return self.public_base_url + "/shopify/callback"

    def base_url_for(self, shop: str) -> str:
        """Where a shop's API lives: ``https://<shop>``, or the configured sandbox."""
        return self.base_url or f"https://{shop}"

    def token_endpoint(self, shop: str) -> oauth.TokenEndpoint:
        return oauth.TokenEndpoint(self.app, self.base_url_for(shop), policy=self.policy)

    def graphql(self, shop: str, tokens: TokenSource) -> ShopifyGraphQL:
        return ShopifyGraphQL(
            self.base_url_for(shop),
            self.api_version,
            tokens,
            bucket=bucket_for(shop),
            policy=self.policy,
            sleep=self.sleep,
        )

    @asynccontextmanager
    async def client(self, store: Store) -> AsyncIterator[ShopifyGraphQL]:
        gql = self.graphql(store.domain, StoreTokens(store, self.token_endpoint(store.domain)))
        try:
            yield gql
        finally:
            await gql.aclose()

    async def _run(self, store: Store, work: Callable[[StoreSync], Awaitable[SyncReport]], sink: Sink) -> SyncReport:
        async with self.client(store) as gql:
            run = StoreSync(store, sink, gql, self.options)
            try:
                report = await work(run)
            except PlatformAuthError:
                fresh = await Store.get_or_none(id=store.id)
                if fresh is None or fresh.install_state != InstallState.INSTALLED:
                    return run.report  # uninstalled mid-run: stop quietly, the store is gone
                raise
            finally:
                stats = gql.http.stats
                run.report.requests, run.report.retries = stats.requests, stats.retries
                run.report.throttled = stats.throttled + gql.throttled
            return report

    # -- the Connector protocol ---------------------------------------------------------------

    async def backfill(self, store: Store, sink: Sink) -> SyncReport:
        return await self._run(store, lambda run: run.backfill(), sink)

    async def sync(self, store: Store, sink: Sink) -> SyncReport:
        return await self._run(store, lambda run: run.incremental(), sink)

    async def handle_webhook(self, event: WebhookEvent, sink: Sink) -> None:
        await handlers.handle(event, sink, fetch_orders=self.fetch_orders, privacy=self.privacy_handler)

    async def fetch_orders(self, store: Store, platform_ids: list[str]) -> list[OrderRecord]:
        async with self.client(store) as gql:
            return await StoreSync(store, Sink(), gql, self.options).orders_by_platform_id(platform_ids)

    async def issue(self, store: Store, request: DiscountRequest) -> IssuedCode | IssueFailed:
        async with self.client(store) as gql:
            return await discounts.issue(gql, request)

    async def revoke(self, store: Store, platform_id: str) -> IssueFailed | None:
        async with self.client(store) as gql:
            return await discounts.revoke(gql, platform_id)

    # -- install ------------------------------------------------------------------------------

    async def install_with_code(self, shop: str, code: str) -> Store:
        """OAuth callback: the code for an expiring offline token, then the store and its webhooks."""
        grant = await self.token_endpoint(shop).exchange_code(code)
        return await self._install(shop, grant)

    async def install_with_session_token(self, authorization: str) -> Store:
        """Embedded admin: an App Bridge session token exchanged for an offline token."""
        claims = self.app.decode_session_token(authorization)
        shop = oauth.shop_of_session(claims)
        existing = await Store.get_or_none(platform=Platform.SHOPIFY, domain=shop)
        if existing is not None and existing.install_state == InstallState.INSTALLED and existing.access_token:
            return existing
        jwt = authorization.removeprefix("Bearer ").strip()
        grant = await self.token_endpoint(shop).exchange_session_token(jwt)
        return await self._install(shop, grant)

    async def _install(self, shop: str, grant: oauth.Grant) -> Store:
        async with self.graphql(shop, StaticToken(grant.access_token)) as gql:
            return await install(shop, grant, gql, webhook_uri=self.webhook_uri)

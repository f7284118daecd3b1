"""WooCommerce HTTP surfaces: connecting a site, the key callback, and the webhook endpoint.

The webhook endpoint does the least it can before answering: read the body up to
``WEBHOOK_MAX_BODY_BYTES`` (413 past it, nothing buffered beyond), verify the HMAC of the raw
body (the store's secret and install state are cached in-process for ``HOOK_TTL_SECONDS``,
and re-read at once when a signature does not match, in case the secret was rotated), one
INSERT into the inbox, one enqueue (a queue that is down leaves the delivery to the outbox
sweep; a redelivery of one still waiting queues it again). A store uninstalled by another
process stops having its deliveries processed within the TTL. The unsigned creation ping
(``webhook_id=N``) is answered 200 and not stored; a bad or missing signature gets 401 and
nothing is stored.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import httpx
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.auth import site_requests
from app.auth.errors import AuthError
from app.auth.principals import admin_viewer
from app.auth.shopper_tokens import ShopperTokens
from app.http.bodies import BodyTooLarge, read_capped
from app.jobs.outbox import queue_processing, queue_redelivery
from app.jobs.sync import backfill_store
from app.platforms import connector_for
from app.settings import Settings
from connectors.core import inbox
from connectors.core.egress import EgressRefused
from connectors.woocommerce import WooConnector, install, webhooks
from store.models import Customer, DeliveryStatus, InstallState, Platform, Store

HOOK_TTL_SECONDS = 30.0


@dataclass(frozen=True)
class _Hook:
    secret: str | None
    installed: bool
    loaded_at: float

    @property
    def fresh(self) -> bool:
        return time.monotonic() - self.loaded_at < HOOK_TTL_SECONDS


async def _load(store_id: int) -> _Hook | None:
    store = await Store.get_or_none(id=store_id, platform=Platform.WOOCOMMERCE)
    if store is None:
        return None
    return _Hook(
        secret=store.webhook_secret, installed=store.install_state == InstallState.INSTALLED, loaded_at=time.monotonic()
    )


class WooEndpoints:
    """Connecting a site, the key callback, shopper tokens and webhook intake, built once at start-up
    from the settings (the hook cache and replay guard live as long as the process)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret_key = settings.secret_key.get_secret_value()
        connector = connector_for(Platform.WOOCOMMERCE, settings)
        assert isinstance(connector, WooConnector)
        self.connector = connector
        self.hooks: dict[int, _Hook] = {}
        self.secret_keys = [self.secret_key, *(s.get_secret_value() for s in settings.secret_key_fallbacks)]
        self.tokens = ShopperTokens(*self.secret_keys, default_ttl=settings.shopper_token_ttl_seconds)
        self.replays = site_requests.ReplayGuard()

    async def connect(self, request: Request) -> Response:
        """``GET|POST /connect/woocommerce?site=...``: a signed-in merchant (API key or Shopify
        session token) off to the site's grant page (GET: a redirect; POST: the URL as JSON,
        for a page that holds its key in script)."""
        try:
            viewer = await admin_viewer(request, self.settings)
        except AuthError as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status, headers={"WWW-Authenticate": "Bearer"})
        try:
            store = await install.begin(
                request.query_params.get("site", ""), merchant_id=viewer.merchant_id, egress=self.connector.egress
            )
        except install.SiteTaken as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        except (install.AuthorizationError, EgressRefused, httpx.HTTPError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        target = self.connector.authorize_url(store, self.secret_key)
        if request.method == "POST":
            # The plugin's settings page keeps the site secret (to sign shopper-token requests)
            # and the public key (for the widget); a GET redirect never carries the secret.
            return JSONResponse(
                {
                    "authorize_url": target,
                    "store": store.id,
                    "public_key": store.public_key,
                    "site_secret": site_requests.site_secret(self.secret_key, store.id),
                },
                headers={"Cache-Control": "no-store"},
            )
        return RedirectResponse(target, status_code=302)

    async def callback(self, request: Request) -> Response:
        """``POST /auth/woocommerce/callback``: the key pair; anything but 200 makes the site drop it."""
        try:
            payload = json.loads(await request.body())
            store = await install.accept_keys(self.secret_key, payload if isinstance(payload, dict) else {})
        except (ValueError, install.AuthorizationError) as exc:
            return JSONResponse({"error": str(exc) or "unreadable body"}, status_code=400)
        self.hooks.pop(store.id, None)
        await backfill_store.enqueue(request.app.state.queue, store.id, key=f"backfill:{store.id}:{int(time.time())}")
        return JSONResponse({"ok": True, "store": store.id})

    async def done(self, request: Request) -> Response:
        """Where the site sends the merchant back (``success=1|0``)."""
        ok = request.query_params.get("success") == "1"
        text = (
            "Your WooCommerce site is connected; the first sync has started."
            if ok
            else ("The connection was not approved; nothing was stored.")
        )
        return HTMLResponse(f"<!doctype html><title>Rapport</title><p>{text}</p>", status_code=200)

    async def shopper_token(self, request: Request) -> Response:
        """``POST /woocommerce/shopper-token``: the site's server, signing with its site secret,
        gets a shopper token for one of its own customers (the WordPress user id)."""
        try:
            body = await read_capped(request, site_requests.MAX_BODY_BYTES)
        except BodyTooLarge as exc:
            return exc.response()
        try:
            claims = site_requests.read_claims(body)
            site_requests.verify(self.secret_keys, claims, body, request.headers.get(site_requests.SIGNATURE_HEADER))
            self.replays.check(claims)
        except AuthError as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        store = await Store.get_or_none(id=claims.store_id, platform=Platform.WOOCOMMERCE)
        if store is None or store.install_state != InstallState.INSTALLED:
            return JSONResponse({"error": "the store is not connected"}, status_code=403)
        customer = await Customer.get_or_none(store_id=store.id, platform_id=claims.customer, is_guest=False)
        if customer is None:
            return JSONResponse({"error": f"no customer {claims.customer} on this store (yet)"}, status_code=404)
        token, expires = self.tokens.mint(store.id, customer.id)
        return JSONResponse({"token": token, "expires_at": expires.isoformat()}, headers={"Cache-Control": "no-store"})

    async def webhook(self, request: Request) -> Response:
        store_id: int = request.path_params["store_id"]
        try:
            body = await read_capped(request, self.settings.webhook_max_body_bytes)
        except BodyTooLarge as exc:
            return exc.response()
        headers = request.headers
        if webhooks.is_ping(headers, body):
            return Response(status_code=200)
        given = headers.get(webhooks.SIGNATURE)
        hook = self.hooks.get(store_id)
        if hook is None or not hook.fresh or not webhooks.signature_ok(hook.secret, body, given):
            hook = await _load(store_id)
            if hook is None:
                return JSONResponse({"error": "unknown store"}, status_code=401)
            self.hooks[store_id] = hook
            if not webhooks.signature_ok(hook.secret, body, given):
                return JSONResponse({"error": "bad signature"}, status_code=401)
        delivery_id = webhooks.dedupe_key(store_id, headers, body)
        event = await inbox.record(
            platform=Platform.WOOCOMMERCE.value,
            delivery_id=delivery_id,
            topic=headers.get("x-wc-webhook-topic", ""),
            headers=webhooks.kept_headers(headers),
            body=body,
            source=headers.get("x-wc-webhook-source", ""),
            store_id=store_id,
            status=DeliveryStatus.RECEIVED if hook.installed else DeliveryStatus.IGNORED,
        )
        queue = request.app.state.queue
        if event is None:
            await queue_redelivery(queue, Platform.WOOCOMMERCE.value, delivery_id)
        elif hook.installed:
            await queue_processing(queue, event.id)
        return Response(status_code=200)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/connect/woocommerce", self.connect, methods=["GET", "POST"]),
            Route("/connect/woocommerce/done", self.done, methods=["GET"]),
            Route("/auth/woocommerce/callback", self.callback, methods=["POST"]),
            Route("/woocommerce/shopper-token", self.shopper_token, methods=["POST"]),
            Route("/webhooks/woocommerce/{store_id:int}", self.webhook, methods=["POST"]),
        ]


def routes(settings: Settings) -> list[BaseRoute]:
    """WooCommerce's routes, their handlers bound to one :class:`WooEndpoints` made at start-up."""
    return WooEndpoints(settings).routes()

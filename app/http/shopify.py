"""Shopify's HTTP surface: app install (OAuth and embedded token exchange) and webhook intake.

Webhook intake is the hot path and does four things only: read the body up to
``WEBHOOK_MAX_BODY_BYTES`` (413 past it), verify the HMAC over the raw body (401, nothing
stored, when it fails), record the delivery with its shop looked up in the same INSERT (one
statement; a duplicate delivery id is answered 200 and queued again only if it still waits),
enqueue its processing (when the queue is down the delivery waits for the outbox sweep).
A privacy topic is refused (400, audited) unless its signed body names the header's shop.
Deliveries for unknown or uninstalled shops are recorded as ``ignored``; the privacy topics
are recorded as ``received`` whatever the shop's state, and processed when the shop is known.
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

from app.http.bodies import BodyTooLarge, read_capped
from app.jobs.outbox import queue_processing, queue_redelivery
from app.jobs.sync import backfill_store
from app.platforms import connector_for
from app.privacy import refuse_privacy_mismatch
from app.settings import Settings
from connectors.core import inbox
from connectors.core.http import PlatformError
from connectors.shopify import ShopifyConnector
from connectors.shopify.oauth import STATE_TTL, InstallError, valid_shop
from connectors.shopify.webhooks import (
    HEADER_HMAC,
    HEADER_ID,
    HEADER_SHOP,
    HEADER_TOPIC,
    PRIVACY_TOPICS,
    shop_in_body,
)
from store.models import DeliveryStatus, Platform, Store

STATE_COOKIE = "rapport_shopify_state"


class ShopifyEndpoints:
    """Install and webhook handlers over the Shopify connector, built once at start-up from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        connector = connector_for(Platform.SHOPIFY, settings)
        assert isinstance(connector, ShopifyConnector)
        self.connector = connector
        self.secure = settings.public_base_url.startswith("https://")

    async def install(self, request: Request) -> Response:
        """App URL: Shopify sends a signed query; answer with the grant screen and a state nonce."""
        params = dict(request.query_params)
        shop = valid_shop(params.get("shop"))
        if shop is None:
            return PlainTextResponse("not a myshopify.com shop", status_code=400)
        if not self.connector.app.verify_query(params):
            return PlainTextResponse("bad or stale signature", status_code=401)
        nonce, cookie = self.connector.app.new_state(shop)
        target = self.connector.app.authorize_url(
            self.connector.base_url_for(shop), redirect_uri=self.connector.callback_uri, state=nonce
        )
        response = RedirectResponse(target, status_code=302)
        response.set_cookie(STATE_COOKIE, cookie, max_age=STATE_TTL, httponly=True, secure=self.secure, samesite="lax")
        return response

    async def callback(self, request: Request) -> Response:
        """Grant accepted: check signature, nonce and shop, take the token, subscribe, backfill."""
        params = dict(request.query_params)
        shop = valid_shop(params.get("shop"))
        if shop is None or not self.connector.app.verify_query(params) or not params.get("code"):
            return PlainTextResponse("bad or stale signature", status_code=401)
        try:
            self.connector.app.check_state(request.cookies.get(STATE_COOKIE), state=params.get("state"), shop=shop)
            store = await self.connector.install_with_code(shop, params["code"])
        except InstallError as exc:
            return PlainTextResponse(str(exc), status_code=403)
        except PlatformError as exc:
            return PlainTextResponse(f"Shopify refused the install: {exc}", status_code=502)
        await _backfill(request, store)
        response = HTMLResponse(f"<p>Rapport is installed on {html.escape(shop)}. The first sync has started.</p>")
        response.delete_cookie(STATE_COOKIE)
        return response

    async def session(self, request: Request) -> Response:
        """Embedded admin: an App Bridge session token is exchanged for an offline token once."""
        try:
            store = await self.connector.install_with_session_token(request.headers.get("authorization", ""))
        except InstallError as exc:
            return JSONResponse({"error": str(exc)}, status_code=401)
        except PlatformError as exc:
            return JSONResponse({"error": f"Shopify refused the token exchange: {exc}"}, status_code=502)
        await _backfill(request, store)
        return JSONResponse({"shop": store.domain, "store_id": store.id, "installed": True})

    async def webhook(self, request: Request) -> Response:
        try:
            body = await read_capped(request, self.settings.webhook_max_body_bytes)
        except BodyTooLarge as exc:
            return exc.response()
        if not self.connector.app.verify_webhook(body, request.headers.get(HEADER_HMAC)):
            return Response(status_code=401)
        delivery_id, topic = request.headers.get(HEADER_ID), request.headers.get(HEADER_TOPIC)
        if not delivery_id or not topic:
            return PlainTextResponse("missing X-Shopify-Webhook-Id or X-Shopify-Topic", status_code=400)
        shop = request.headers.get(HEADER_SHOP, "")
        if topic in PRIVACY_TOPICS:
            # one app secret signs every shop's deliveries, so only the signed body names the shop
            named = shop_in_body(body)
            if named is None or named != shop.strip().lower():
                await refuse_privacy_mismatch(topic, delivery_id=delivery_id, header_shop=shop, body_shop=named)
                return PlainTextResponse(
                    "the shop_domain in the body does not match X-Shopify-Shop-Domain", status_code=400
                )
            shop = named
        headers = {k: v for k, v in request.headers.items() if k.startswith("x-shopify-") and k != HEADER_HMAC}
        queue = request.app.state.queue
        event = await inbox.record_for_store(
            platform=Platform.SHOPIFY,
            delivery_id=delivery_id,
            topic=topic,
            headers=headers,
            body=body,
            source=shop,
            keep=topic in PRIVACY_TOPICS,
        )
        if event is None:
            await queue_redelivery(queue, Platform.SHOPIFY, delivery_id)
        # processed when the shop is installed (a privacy topic: when the shop is known at all)
        elif event.store_id is not None and event.status == DeliveryStatus.RECEIVED:
            await queue_processing(queue, event.id)
        return Response(status_code=200)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/shopify/install", self.install, methods=["GET"]),
            Route("/shopify/callback", self.callback, methods=["GET"]),
            Route("/shopify/session", self.session, methods=["POST"]),
            Route("/webhooks/shopify", self.webhook, methods=["POST"]),
        ]


def routes(settings: Settings) -> list[BaseRoute]:
    """Shopify's routes, their handlers bound to one :class:`ShopifyEndpoints` made at start-up."""
    return ShopifyEndpoints(settings).routes()


async def _backfill(request: Request, store: Store) -> None:
    stamp = int(store.installed_at.timestamp()) if store.installed_at else 0
    await backfill_store.enqueue(request.app.state.queue, store.id, key=f"backfill:{store.id}:{stamp}")

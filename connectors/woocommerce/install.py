"""Connecting a WooCommerce site: WooCommerce's app authorization (``/wc-auth/v1/authorize``).

A signed-in merchant enters their site URL; we create the store under that merchant (or find
the merchant's own store for the site: a site connected by another merchant is refused) and
send them to the site's grant page with ``user_id`` set to a signed, expiring state naming
the store and its merchant. After "Approve", the site POSTs the generated key pair to our callback with that
``user_id``; only a state we signed, for that store, unexpired, with ``read_write``
permissions is accepted. The keys are stored encrypted, a webhook secret is generated for
the store, and the backfill job (which subscribes the webhooks first) is the next step.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from connectors.core.egress import EgressPolicy
from connectors.woocommerce.client import PER_PAGE, WooClient
from connectors.woocommerce.webhooks import TOPICS
from store.models import InstallState, Platform, Store, SyncCheckpoint

STATE_TTL_SECONDS = 3600
SCOPE = "read_write"
MAX_SITE_URL = 255
WEBHOOK_NAME = "Rapport"


class AuthorizationError(Exception):
    """A callback or return we cannot accept; the message says why (never the secret)."""


class SiteTaken(AuthorizationError):
    """The site is another merchant's store: only that merchant may reconnect it."""


def normalize_site(url: str) -> str:
    """``shop.example/`` → ``https://shop.example``: scheme kept or https, host lower-cased, no slash."""
    url = url.strip()
    if len(url) > MAX_SITE_URL:
        raise AuthorizationError(f"a site URL has at most {MAX_SITE_URL} characters")
    if "://" not in url:
        url = "https://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AuthorizationError(f"not a site URL: {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuthorizationError(f"not a site URL: {url!r}")
    host = parts.hostname.lower()
    host = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    return f"{parts.scheme}://{host}{parts.path.rstrip('/')}"


def _state_key(secret: str) -> bytes:
    return hashlib.sha256(b"rapport/woocommerce/auth-state/v1:" + secret.encode()).digest()


def sign_state(secret: str, store_id: int, merchant_id: int, *, now: float | None = None) -> str:
    """``<store>.<merchant>.<expires>.<hmac>``: what travels as ``user_id`` through the site."""
    body = f"{store_id}.{merchant_id}.{int(now if now is not None else time.time()) + STATE_TTL_SECONDS}"
    mac = hmac.new(_state_key(secret), body.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{body}.{mac}"


def read_state(secret: str, value: str, *, now: float | None = None) -> tuple[int, int]:
    """The (store id, merchant id) a state names; ``AuthorizationError`` if forged or expired."""
    try:
        store_id, merchant_id, expires, mac = str(value).split(".")
        body = f"{store_id}.{merchant_id}.{expires}"
        wanted = hmac.new(_state_key(secret), body.encode(), hashlib.sha256).hexdigest()[:32]
        valid = hmac.compare_digest(wanted, mac)
        ids = (int(store_id), int(merchant_id))
        expiry = int(expires)
    except ValueError:
        raise AuthorizationError("malformed state") from None
    if not valid:
        raise AuthorizationError("state signature does not match")
    if expiry < (now if now is not None else time.time()):
        raise AuthorizationError("state expired")
    return ids


def authorize_url(site: str, state: str, *, app_name: str, return_url: str, callback_url: str) -> str:
    query = urlencode(
        {
            "app_name": app_name,
            "scope": SCOPE,
            "user_id": state,
            "return_url": return_url,
            "callback_url": callback_url,
        }
    )
    return f"{site}/wc-auth/v1/authorize?{query}"


async def begin(site_url: str, *, merchant_id: int, egress: EgressPolicy | None = None) -> Store:
    """The store a signed-in merchant's connection attempt is for: their own store for this
    site, or a new pending one. Nothing is created for a site another merchant holds, nor for
    one that is not a public https origin (``EgressRefused``) under ``egress``."""
    site = normalize_site(site_url)
    store = await Store.get_or_none(platform=Platform.WOOCOMMERCE, domain=site)
    if store is not None and store.merchant_id != merchant_id:
        raise SiteTaken("this site is connected to another merchant account")
    await (egress or EgressPolicy()).check_url(site)
    if store is not None:
        return store
    return await Store.create(
        merchant_id=merchant_id,
        platform=Platform.WOOCOMMERCE,
        domain=site,
        name=urlsplit(site).hostname or site,
        public_key=f"pk_{secrets.token_hex(12)}",
        install_state=InstallState.PENDING,
    )


async def accept_keys(secret: str, payload: Mapping[str, Any]) -> Store:
    """Store the key pair WooCommerce posted to the callback, for the store the state names."""
    store_id, merchant_id = read_state(secret, str(payload.get("user_id") or ""))
    store = await Store.get_or_none(id=store_id, merchant_id=merchant_id, platform=Platform.WOOCOMMERCE)
    if store is None:
        raise AuthorizationError("the state names no such store")
    key, key_secret = str(payload.get("consumer_key") or ""), str(payload.get("consumer_secret") or "")
    if not key.startswith("ck_") or not key_secret.startswith("cs_"):
        raise AuthorizationError("consumer key or secret missing")
    if payload.get("key_permissions") != SCOPE:
        raise AuthorizationError(f"keys need {SCOPE} permissions, got {payload.get('key_permissions')!r}")
    store.consumer_key = key
    store.consumer_secret = key_secret
    store.webhook_secret = secrets.token_urlsafe(32)
    store.scopes = SCOPE
    store.install_state = InstallState.INSTALLED
    store.installed_at = datetime.now(UTC)
    store.consecutive_failures = 0
    store.last_error = None
    await store.save()
    # A reconnection starts a complete backfill again (it is idempotent) with fresh webhooks.
    await SyncCheckpoint.filter(store_id=store.id, mode="backfill").delete()
    return store


def delivery_url(public_base_url: str, store_id: int) -> str:
    return f"{public_base_url.rstrip('/')}/webhooks/woocommerce/{store_id}"


async def ensure_webhooks(client: WooClient, url: str, secret: str | None, *, set_secret: bool) -> dict[str, int]:
    """One active webhook per topic pointing at ``url``: create the missing ones, re-activate
    the ones WooCommerce disabled, and (``set_secret``) give every one the store's secret."""
    ours: dict[str, dict[str, Any]] = {}
    page_no = 1
    while True:
        page = await client.list("webhooks", {"per_page": PER_PAGE, "page": page_no})
        for hook in page.items:
            if hook.get("delivery_url") == url and hook.get("topic") in TOPICS:
                ours.setdefault(hook["topic"], hook)
        if page_no >= page.total_pages or not page.items:
            break
        page_no += 1
    done = {"created": 0, "reactivated": 0, "updated": 0}
    for topic in TOPICS:
        hook = ours.get(topic)
        if hook is None:
            await client.post(
                "webhooks",
                {
                    "name": f"{WEBHOOK_NAME} {topic}",
                    "topic": topic,
                    "delivery_url": url,
                    "secret": secret,
                    "status": "active",
                },
            )
            done["created"] += 1
            continue
        change: dict[str, Any] = {}
        if hook.get("status") != "active":
            change["status"] = "active"
            done["reactivated"] += 1
        if set_secret:
            change["secret"] = secret
        if change:
            await client.put(f"webhooks/{hook['id']}", change)
            done["updated"] += 1
    return done

"""Request limits per IP and per key on the storefront API and on connecting or installing a store,
and per IP on the links in campaign email (unsubscribe, open pixel, survey pages) and on review posts (whose
per-store limit ``app.http.reviews`` counts once the signature names the store).

Counting is the ``limits`` library's (the one behind slowapi; well kept, with memory and Redis
storages and the same strategies on both): in process memory, or in Redis when ``REDIS_URL`` is
set, so N web processes share one count. The sliding window counter costs two counters per
check and allows no double burst at a window's edge. Past a limit: 429 with ``Retry-After``.
Signed webhook intake, the admin API and everything else pass through after one prefix test.
A limiter whose Redis is down lets requests through (logged): limits protect the service, they
must not be the thing that takes it down.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth import app_proxy
from app.auth.errors import AuthError
from app.settings import Settings

log = logging.getLogger(__name__)

STOREFRONT_PATH = "/graphql/storefront"
ONBOARDING_PATHS = ("/connect/", "/auth/woocommerce/", "/shopify/install", "/shopify/callback", "/shopify/session")
EMAIL_PATH = "/email/"
SURVEY_PATH = "/feedback/survey/"
REVIEWS_PATH = "/hooks/reviews"
COMPLAINTS_PATH = "/hooks/complaints"
STORE_KEY_HEADER = "x-rapport-store-key"
API_KEY_HEADER = "x-rapport-api-key"


@dataclass(frozen=True)
class Rule:
    """The limits of one group of endpoints: per client address, and per key when there is one."""

    name: str
    per_ip: list[RateLimitItem]
    per_key: list[RateLimitItem]


NO_LIMIT = {"", "off", "none"}


def items(text: str) -> list[RateLimitItem]:
    """``"60/minute;1000/day"`` as limits; ``off`` is no limit."""
    return [] if text.strip().lower() in NO_LIMIT else parse_many(text)


def storage_for(settings: Settings) -> Storage:
    if settings.redis_url is None:
        return MemoryStorage()
    return RedisStorage("async+" + settings.redis_url, implementation="redispy", key_prefix="rapport:limits")


def client_address(scope: Scope) -> str:
    """The caller's address (uvicorn puts a trusted proxy's X-Forwarded-For here); an IPv6
    caller is counted by its /64, which one subscriber usually holds whole."""
    client = scope.get("client")
    host = client[0] if client else "unknown"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def caller_key(rule: Rule, scope: Scope) -> str | None:
    """What a per-key limit counts: the store key (or the proxied shop) on the storefront; the
    credential (hashed), else the shop or site being connected, on onboarding."""
    headers = Headers(scope=scope)
    query = QueryParams(scope.get("query_string", b""))
    if rule.name == "storefront":
        key = headers.get(STORE_KEY_HEADER) or query.get("key") or query.get("shop")
    else:
        key = headers.get("authorization") or headers.get(API_KEY_HEADER)
        if key is not None:
            return "credential:" + hashlib.sha256(key.encode()).hexdigest()[:32]
        key = query.get("shop") or query.get("site")
    return key[:200] if key else None


class RateLimits:
    """ASGI middleware over the whole app; only the storefront and onboarding paths are counted."""

    def __init__(self, app: ASGIApp, settings: Settings, storage: Storage | None = None) -> None:
        self.app = app
        self.storefront = Rule(
            "storefront", items(settings.rate_limit_storefront_ip), items(settings.rate_limit_storefront_key)
        )
        self.onboarding = Rule(
            "onboarding", items(settings.rate_limit_onboarding_ip), items(settings.rate_limit_onboarding_key)
        )
        self.email = Rule("email", items(settings.rate_limit_email_ip), [])
        self.surveys = Rule("surveys", items(settings.rate_limit_email_ip), [])
        self.reviews = Rule("reviews", items(settings.rate_limit_reviews_ip), [])
        self.complaints = Rule("complaints", items(settings.rate_limit_complaints_ip), [])
        self.limiter = SlidingWindowCounterRateLimiter(storage or storage_for(settings))
        self.proxy_secret = settings.shopify_api_secret.get_secret_value()
        self.proxy_max_age = settings.app_proxy_max_age_seconds

    def rule_for(self, path: str) -> Rule | None:
        if path.startswith(STOREFRONT_PATH):
            return self.storefront
        if path.startswith(ONBOARDING_PATHS):
            return self.onboarding
        if path.startswith(EMAIL_PATH):
            return self.email
        if path.startswith(SURVEY_PATH):
            return self.surveys
        if path == REVIEWS_PATH:
            return self.reviews
        if path == COMPLAINTS_PATH:
            return self.complaints
        return None

    def exempt(self, rule: Rule, scope: Scope) -> bool:
        """A one-click unsubscribe (POST) is never refused: mailbox providers send them from a few
        addresses, a lost one would keep mailing someone who asked to stop, and a forged token
        costs one HMAC before it is turned away."""
        return scope.get("method") == "OPTIONS" or (rule is self.email and scope.get("method") == "POST")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.rule_for(scope["path"]) if scope["type"] == "http" else None
        if rule is not None and not self.exempt(rule, scope):
            wait = await self.over(rule, scope)
            if wait is not None:
                await self.refuse(rule, wait, scope, receive, send)
                return
        await self.app(scope, receive, send)

    def proxied(self, rule: Rule, scope: Scope) -> bool:
        """A request Shopify's app proxy signed comes from Shopify's servers, on behalf of every
        shopper of every shop: counted per shop (its key limit), not per address."""
        if rule is not self.storefront or b"signature=" not in scope.get("query_string", b""):
            return False
        params = QueryParams(scope["query_string"]).multi_items()
        try:
            app_proxy.verify(params, self.proxy_secret, max_age=self.proxy_max_age)
        except AuthError:
            return False
        return True

    async def over(self, rule: Rule, scope: Scope) -> int | None:
        """Seconds until the caller may try again, or ``None`` when within every limit."""
        per_ip = [] if self.proxied(rule, scope) else rule.per_ip
        checks: list[tuple[RateLimitItem, str, str]] = [(item, "ip", client_address(scope)) for item in per_ip]
        key = caller_key(rule, scope) if rule.per_key else None
        if key is not None:
            checks += [(item, "key", key) for item in rule.per_key]
        try:
            for item, kind, who in checks:
                if not await self.limiter.hit(item, rule.name, kind, who):
                    stats = await self.limiter.get_window_stats(item, rule.name, kind, who)
                    return max(1, math.ceil(stats.reset_time - time.time()))
        except Exception as exc:  # the limiter's store is down: serve rather than fail
            log.warning("rate limiter unavailable, request let through: %s", type(exc).__name__)
        return None

    async def refuse(self, rule: Rule, wait: int, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"too many requests: try again in {wait} s"
        body: dict[str, Any] = (
            {"errors": [{"message": message, "extensions": {"code": "RATE_LIMITED"}}]}
            if rule.name == "storefront"
            else {"error": message}
        )
        payload = json.dumps(body, separators=(",", ":")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", str(wait).encode()),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

"""What every signed server-side endpoint shares (reviews, complaints): the store the body names,
the signature under that store's secret for the endpoint's purpose, freshness and replay, the
per-store rate limit, reading checked fields, and the account a post names.

The caller is the store's own server or an app it trusts (a review app, a help-desk tool), never
a shopper: it signs the raw body with HMAC-SHA256 under a per-store, per-purpose secret
(``app.auth.site_requests.store_secret``), puts an ``issued_at`` within five minutes and a nonce
never seen before in the body. Answers are JSON ``{"error": ...}`` with 400 (malformed), 401
(unsigned, forged, stale, replayed), 403 (store not connected), 413 (too large), 429 (too many).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any

from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.auth import site_requests
from app.auth.errors import AuthError
from app.auth.principals import STORE_KEY_MAX
from app.http.bodies import BodyTooLarge, read_capped
from app.http.ratelimit import items, storage_for
from app.settings import Settings
from store.models import Customer, InstallState, Store

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}")
"""A caller's id, or a platform's product, order or customer id: 1-100 safe characters."""


class BadField(ValueError):
    """A field of the body is missing or wrong; the message names it (a 400)."""


@dataclass(frozen=True)
class SignedClaims:
    """Who signed (the store) and the freshness of the signature, read before it is checked."""

    store_id: int
    issued_at: int
    nonce: str


def identifier(data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise BadField(f"{name} must be an id of 1-100 letters, digits or . _ : / -")
    return value


def text(data: dict[str, Any], name: str, limit: int) -> str | None:
    value = data.get(name)
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise BadField(f"{name} must be text of at most {limit} characters")
    return value


def customer_ref(data: dict[str, Any]) -> str:
    """The ``customer`` field: the account's platform id or email address."""
    customer = data.get("customer")
    if isinstance(customer, int) and not isinstance(customer, bool):
        customer = str(customer)
    if not isinstance(customer, str) or not 1 <= len(customer) <= 254 or not customer.strip():
        raise BadField("customer must be the customer's platform id or email address")
    return customer.strip()


async def store_of(data: dict[str, Any]) -> Store | None:
    """The store the post names, by id or public key; ``AuthError`` (400) for a malformed one."""
    store = data.get("store")
    if isinstance(store, int) and not isinstance(store, bool) and store > 0:
        return await Store.get_or_none(id=store)
    if isinstance(store, str) and 0 < len(store) <= STORE_KEY_MAX:
        return await Store.get_or_none(public_key=store)
    raise AuthError("store must be the store id (a positive integer) or its public key", code="BAD_REQUEST", status=400)


async def account_of(store: Store, customer: str) -> Customer | None:
    """The store's account a post names: by platform id, else by email (a registered account
    before a guest checkout's, the newest first)."""
    accounts = Customer.filter(store_id=store.id, deleted_at=None)
    if "@" not in customer:
        return await accounts.filter(platform_id=customer).first()
    return await accounts.filter(email__iexact=customer).order_by("is_guest", "-id").first()


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={"Cache-Control": "no-store"})


class SignedPosts:
    """One signed endpoint's door, built once at start-up (its replay guard lives as long as the process)."""

    def __init__(
        self, settings: Settings, *, name: str, purpose: bytes, secret_name: str, per_store: str, max_bytes: int
    ) -> None:
        self.name = name
        self.purpose = purpose
        self.secret_name = secret_name
        self.max_bytes = max_bytes
        self.secret_keys = [settings.secret_key.get_secret_value()]
        self.secret_keys += [s.get_secret_value() for s in settings.secret_key_fallbacks]
        self.replays = site_requests.ReplayGuard()
        self.per_store = items(per_store)
        self.limiter = SlidingWindowCounterRateLimiter(storage_for(settings))

    async def over_limit(self, store_id: int) -> int | None:
        """Seconds to wait when the store posted too much, counted only once its signature held."""
        for item in self.per_store:
            if not await self.limiter.hit(item, self.name, "store", str(store_id)):
                stats = await self.limiter.get_window_stats(item, self.name, "store", str(store_id))
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None

    async def authenticate(self, request: Request, body: bytes) -> tuple[Store, dict[str, Any]]:
        """The signing store and the body, or ``AuthError`` (400 malformed, 401 unsigned or replayed)."""
        data = site_requests.json_object(body)
        store = await store_of(data)
        issued_at, nonce = site_requests.read_freshness(data)
        if store is None:  # no secret to check against: as unauthenticated as a bad signature
            raise AuthError(f"the signature does not match this store's {self.secret_name}")
        claims = SignedClaims(store_id=store.id, issued_at=issued_at, nonce=nonce)
        given = request.headers.get(site_requests.SIGNATURE_HEADER)
        site_requests.verify(self.secret_keys, claims, body, given, purpose=self.purpose, secret_name=self.secret_name)
        self.replays.check(claims)
        if store.install_state != InstallState.INSTALLED:
            raise AuthError("the store is not connected", code="FORBIDDEN", status=403)
        return store, data

    async def admit(self, request: Request) -> tuple[Store, dict[str, Any]] | Response:
        """The signing store and the body, or the answer refusing the post (413, 400, 401, 403, 429)."""
        try:
            body = await read_capped(request, self.max_bytes)
        except BodyTooLarge as exc:
            return exc.response()
        try:
            store, data = await self.authenticate(request, body)
        except AuthError as exc:
            return error(exc.status, str(exc))
        if (wait := await self.over_limit(store.id)) is not None:
            answer = error(429, f"too many {self.name} for this store: try again in {wait} s")
            answer.headers["Retry-After"] = str(wait)
            return answer
        return store, data

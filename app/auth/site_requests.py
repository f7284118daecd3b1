"""Signed server-to-server requests: from a connected WooCommerce site (the WordPress plugin),
and from a store's own server or review app posting reviews (``app.http.reviews``).

A site proves it is the store's own server with an HMAC-SHA256 of the raw request body under its
site secret. The secret is derived from SECRET_KEY and the store id (no column, no migration;
it survives a reconnection, which renews the webhook secret) and is handed only to the merchant
who connects the site. The body carries an issue time and a nonce: a request older (or newer)
than ``WINDOW_SECONDS`` is refused, and a nonce seen within the window is a replay. Each kind
of caller signs with a secret derived for its own purpose, so one secret never opens another door.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.auth.errors import AuthError

SIGNATURE_HEADER = "x-rapport-signature"
WINDOW_SECONDS = 300
MAX_BODY_BYTES = 2048
MAX_NONCES = 100_000


SITE_PURPOSE = b"rapport/woocommerce/site-secret/v1"


def store_secret(secret_key: str, store_id: int, purpose: bytes) -> str:
    """A per-store server secret for one purpose (hex, 64 characters): each purpose gets its own
    root, so holding one kind of secret (a site's) signs nothing of another kind (reviews)."""
    root = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret_key.encode())
    return hmac.new(root, f"store:{store_id}".encode(), hashlib.sha256).hexdigest()


REVIEWS_PURPOSE = b"rapport/reviews/store-secret/v1"


def review_secret(secret_key: str, store_id: int) -> str:
    """What the store's review app or server signs review posts with (``app.http.reviews``)."""
    return store_secret(secret_key, store_id, REVIEWS_PURPOSE)


COMPLAINTS_PURPOSE = b"rapport/complaints/store-secret/v1"


def complaint_secret(secret_key: str, store_id: int) -> str:
    """What a help-desk tool or the store's server signs complaint posts with (``app.http.complaints``)."""
    return store_secret(secret_key, store_id, COMPLAINTS_PURPOSE)


def site_secret(secret_key: str, store_id: int) -> str:
    """The store's site secret: what its plugin signs with (hex, 64 characters)."""
    return store_secret(secret_key, store_id, SITE_PURPOSE)


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SiteRequest:
    """A signed request's claims: which store, which of its customers (the platform id)."""

    store_id: int
    customer: str
    issued_at: int
    nonce: str


def json_object(body: bytes) -> dict[str, Any]:
    """A signed request's body as a JSON object, or ``AuthError`` (400)."""
    try:
        data = json.loads(body)
    except ValueError:
        raise AuthError("the body is not JSON", code="BAD_REQUEST", status=400) from None
    if not isinstance(data, dict):
        raise AuthError("the body is not a JSON object", code="BAD_REQUEST", status=400)
    return data


def read_claims(body: bytes) -> SiteRequest:
    """The body's claims, before any signature check; ``AuthError`` (400) names what is wrong."""
    data = json_object(body)
    store, customer = data.get("store"), data.get("customer")
    if not isinstance(store, int) or isinstance(store, bool) or store <= 0:
        raise AuthError("store must be the store id (a positive integer)", code="BAD_REQUEST", status=400)
    if isinstance(customer, int) and not isinstance(customer, bool):
        customer = str(customer)
    if not isinstance(customer, str) or not customer.isdigit() or len(customer) > 20:
        raise AuthError("customer must be the site's user id (digits)", code="BAD_REQUEST", status=400)
    issued, nonce = read_freshness(data)
    return SiteRequest(store_id=store, customer=customer.lstrip("0") or "0", issued_at=issued, nonce=nonce)


class Signed(Protocol):
    """What the replay guard reads from any signed request's claims."""

    @property
    def store_id(self) -> int: ...
    @property
    def issued_at(self) -> int: ...
    @property
    def nonce(self) -> str: ...


def read_freshness(data: dict) -> tuple[int, str]:
    """The ``issued_at`` and ``nonce`` of a signed body; ``AuthError`` (400) names what is wrong."""
    issued, nonce = data.get("issued_at"), data.get("nonce")
    if not isinstance(issued, int) or isinstance(issued, bool):
        raise AuthError("issued_at must be a Unix time in seconds", code="BAD_REQUEST", status=400)
    if not isinstance(nonce, str) or not 16 <= len(nonce) <= 64 or not nonce.isalnum():
        raise AuthError("nonce must be 16-64 letters or digits", code="BAD_REQUEST", status=400)
    return issued, nonce


class ReplayGuard:
    """Nonces seen within the window, per store (in-process: each web process keeps its own)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, str], float] = {}

    def check(self, claims: Signed, *, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if abs(now - claims.issued_at) > WINDOW_SECONDS:
            raise AuthError(f"the request was signed more than {WINDOW_SECONDS} s from now; check the site's clock")
        if len(self.seen) >= MAX_NONCES:
            self.seen = {k: v for k, v in self.seen.items() if v > now}
        key = (claims.store_id, claims.nonce)
        if self.seen.get(key, 0) > now:
            raise AuthError("this request was already used (replay)")
        self.seen[key] = now + 2 * WINDOW_SECONDS


def verify(
    secret_keys: list[str],
    claims: Signed,
    body: bytes,
    given: str | None,
    *,
    purpose: bytes = SITE_PURPOSE,
    secret_name: str = "site secret",
) -> None:
    """Accept a signature made with the store's secret for ``purpose`` under SECRET_KEY or a fallback."""
    if not given:
        raise AuthError("the request is not signed (X-Rapport-Signature)")
    for key in secret_keys:
        if hmac.compare_digest(sign(store_secret(key, claims.store_id, purpose), body), given.strip().lower()):
            return
    raise AuthError(f"the signature does not match this store's {secret_name}")

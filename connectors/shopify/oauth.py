"""App install: signed queries, the grant redirect, the ``state`` nonce, session tokens, token grants.

ShopifyAPI does the query HMAC (``Session.validate_params``: hex HMAC-SHA256 over the sorted
parameters plus a 24 h freshness check) and session-token decoding (HS256 JWT with the
required claims). Its ``request_token`` is not used: it is synchronous and never asks for
expiring offline tokens, which new public apps must use; the token endpoint is called with
httpx through the core client instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlencode, urlsplit

import shopify
from shopify import session_token
from shopify.utils.shop_url import sanitize_shop_domain

from connectors.core.http import PlatformHTTP, RetryPolicy

SCOPES = ("read_customers", "read_orders", "read_products", "write_discounts")
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN = "urn:shopify:params:oauth:token-type:offline-access-token"
STATE_TTL = 600
"""Seconds a merchant has on the grant screen before the ``state`` nonce lapses."""


REQUIRED_CLAIMS = ("exp", "nbf", "iss", "dest", "aud")
"""Claims every App Bridge session token carries. ShopifyAPI requires only ``iss, dest, sub, jti,
sid`` and PyJWT checks ``exp`` and ``nbf`` only when present, so a token without ``exp`` would
never lapse."""


class InstallError(Exception):
    """An install request or callback that must be refused (bad signature, state, shop, scopes)."""


def session_claims(authorization: str, api_key: str, secret: str) -> dict[str, Any]:
    """Claims of an App Bridge session token, checked by ShopifyAPI and for ``REQUIRED_CLAIMS``.

    Raises ``session_token.SessionTokenError`` when the token is not acceptable.
    """
    claims = session_token.decode_from_header(authorization, api_key, secret)
    missing = [name for name in REQUIRED_CLAIMS if claims.get(name) in (None, "")]
    if missing:
        raise session_token.SessionTokenError(f"the token has no {', '.join(missing)} claim")
    return claims


def valid_shop(shop: str | None) -> str | None:
    """``<name>.myshopify.com`` when ``shop`` is one, else ``None`` (never trust a shop parameter)."""
    if not shop or shop != shop.strip().lower():
        return None
    cleaned = sanitize_shop_domain(shop)
    return cleaned if cleaned == shop else None


@dataclass(frozen=True)
class App:
    """The app's credentials (settings ``SHOPIFY_API_KEY`` / ``SHOPIFY_API_SECRET``)."""

    api_key: str
    secret: str

    @cached_property
    def _session(self) -> type[shopify.Session]:
        # A subclass per app: ShopifyAPI reads the secret from the class, and setting it on
        # shopify.Session itself would be process-global state.
        return type("AppSession", (shopify.Session,), {"api_key": self.api_key, "secret": self.secret})

    def verify_query(self, params: dict[str, str]) -> bool:
        """Install request or OAuth callback: HMAC over the query and a timestamp under a day old."""
        return bool(params.get("hmac")) and self._session.validate_params(params)

    def sign_query(self, params: dict[str, str]) -> str:
        return self._session.calculate_hmac(params)

    def verify_webhook(self, body: bytes, signature: str | None) -> bool:
        """``X-Shopify-Hmac-Sha256``: base64 HMAC-SHA256 of the raw body (ShopifyAPI has no helper)."""
        if not signature or not self.secret:
            return False
        digest = hmac.new(self.secret.encode(), body, hashlib.sha256).digest()
        return hmac.compare_digest(base64.b64encode(digest), signature.encode())

    def decode_session_token(self, authorization: str) -> dict[str, Any]:
        """Claims of an App Bridge session token (``Authorization: Bearer <jwt>``); raises if invalid."""
        try:
            return session_claims(authorization, self.api_key, self.secret)
        except session_token.SessionTokenError as exc:
            raise InstallError(f"session token refused: {exc}") from exc

    def authorize_url(self, base: str, *, redirect_uri: str, state: str, scopes: tuple[str, ...] = SCOPES) -> str:
        """The grant screen, asking for an offline token (no ``grant_options[]``)."""
        query = urlencode(
            {"client_id": self.api_key, "scope": ",".join(scopes), "redirect_uri": redirect_uri, "state": state}
        )
        return f"{base.rstrip('/')}/admin/oauth/authorize?{query}"

    # -- the state nonce, in a cookie signed with the app secret ---------------------------------

    def new_state(self, shop: str, *, now: float | None = None) -> tuple[str, str]:
        """A fresh nonce and the signed cookie value that binds it to this browser and shop."""
        nonce = secrets.token_urlsafe(18)
        payload = json.dumps({"n": nonce, "s": shop, "e": int((now or time.time()) + STATE_TTL)}, separators=(",", ":"))
        return nonce, f"{_b64(payload.encode())}.{self._state_mac(payload)}"

    def check_state(self, cookie: str | None, *, state: str | None, shop: str, now: float | None = None) -> None:
        """Raise unless ``state`` is the nonce this browser was given for ``shop`` and has not lapsed."""
        if not cookie or not state or "." not in cookie:
            raise InstallError("no install in progress for this browser (state cookie missing)")
        encoded, mac = cookie.rsplit(".", 1)
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
            data = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InstallError("state cookie unreadable") from exc
        if not hmac.compare_digest(self._state_mac(payload), mac):
            raise InstallError("state cookie forged")
        if not hmac.compare_digest(str(data.get("n", "")), state):
            raise InstallError("state does not match the nonce of this install")
        if data.get("s") != shop:
            raise InstallError("the callback names another shop than the install")
        if int(data.get("e", 0)) < (now or time.time()):
            raise InstallError("the install took too long (state expired)")

    def _state_mac(self, payload: str) -> str:
        return hmac.new(self.secret.encode(), b"state:" + payload.encode(), hashlib.sha256).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def shop_of_session(claims: dict[str, Any]) -> str:
    """The shop a session token speaks for (``dest`` is ``https://<shop>``)."""
    shop = valid_shop(urlsplit(str(claims.get("dest", ""))).hostname)
    if shop is None:
        raise InstallError("session token names no valid shop")
    return shop


@dataclass(frozen=True)
class Grant:
    """What the token endpoint gave: an (expiring) offline token and its refresh token."""

    access_token: str
    scopes: tuple[str, ...]
    expires_at: datetime | None = None
    refresh_token: str | None = None

    @classmethod
    def from_answer(cls, answer: dict[str, Any], *, now: datetime | None = None) -> Grant:
        now = now or datetime.now(UTC)
        expires_in = answer.get("expires_in")
        return cls(
            access_token=str(answer["access_token"]),
            scopes=tuple(s for s in str(answer.get("scope", "")).split(",") if s),
            expires_at=now + timedelta(seconds=float(expires_in)) if expires_in else None,
            refresh_token=answer.get("refresh_token"),
        )

    def missing(self, wanted: tuple[str, ...] = SCOPES) -> list[str]:
        """Scopes asked for but not granted (``write_x`` grants ``read_x``); a merchant can edit the URL."""
        have = set(self.scopes)
        return [s for s in wanted if s not in have and not (s.startswith("read_") and "write_" + s[5:] in have)]


class TokenEndpoint:
    """``POST https://<shop>/admin/oauth/access_token``: code, refresh and token-exchange grants."""

    def __init__(self, app: App, base_url: str, *, policy: RetryPolicy | None = None) -> None:
        self.app = app
        self.base_url = base_url
        self.policy = policy

    async def _grant(self, form: dict[str, str]) -> Grant:
        form = {"client_id": self.app.api_key, "client_secret": self.app.secret, **form}
        async with PlatformHTTP(self.base_url, headers={"Accept": "application/json"}, policy=self.policy) as http:
            answer, _ = await http.json("POST", "/admin/oauth/access_token", data=form)
        return Grant.from_answer(answer)

    async def exchange_code(self, code: str) -> Grant:
        """The authorization code for an expiring offline token (``expiring=1``)."""
        return await self._grant({"code": code, "expiring": "1"})

    async def refresh(self, refresh_token: str) -> Grant:
        """A new access token and a new refresh token (the old refresh token dies at once)."""
        return await self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def exchange_session_token(self, jwt: str) -> Grant:
        """Embedded admin: an App Bridge session token for an expiring offline token."""
        return await self._grant(
            {
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": jwt,
                "subject_token_type": ID_TOKEN,
                "requested_token_type": OFFLINE_TOKEN,
                "expiring": "1",
            }
        )

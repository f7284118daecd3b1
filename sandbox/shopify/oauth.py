"""OAuth as the shop plays it: grant screen, token endpoint, signed queries, session tokens.

Query-string HMAC (install request and callback): drop ``hmac``, sort the rest, join
``k=v`` with ``&``, HMAC-SHA256 with the app secret, lowercase hex. Values are written
as-is (no escaping): the simulator only emits ``[A-Za-z0-9._-]`` in what it signs,
except ``state``, which it echoes from the app.

Token endpoint grants: authorization code (``expiring=1`` for an expiring offline token),
``refresh_token`` (rotates both tokens), and token exchange (an App Bridge session token,
or migration of a non-expiring offline token). Form and JSON bodies are both accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from .state import ShopState

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN = "urn:shopify:params:oauth:token-type:offline-access-token"
ONLINE_TOKEN = "urn:shopify:params:oauth:token-type:online-access-token"
INVALID_TOKEN_BODY = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


# -- signed queries ------------------------------------------------------------------------------


def query_message(params: Mapping[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "hmac")


def sign_query(params: Mapping[str, str], secret: str) -> str:
    """Lowercase hex HMAC-SHA256 of the sorted ``k=v`` pairs (``hmac`` left out)."""
    return hmac.new(secret.encode(), query_message(params).encode(), hashlib.sha256).hexdigest()


def verify_query(params: Mapping[str, str], secret: str) -> bool:
    given = params.get("hmac", "")
    return hmac.compare_digest(sign_query(params, secret), given)


def host_param(shop: str) -> str:
    """The ``host`` parameter: base64 of the admin URL, padding dropped (plain characters only)."""
    handle = shop.removesuffix(".myshopify.com")
    return base64.b64encode(f"admin.shopify.com/store/{handle}".encode()).decode().rstrip("=")


def install_query(shop: str, secret: str, *, timestamp: int | None = None, host: str | None = None) -> dict[str, str]:
    """Signed query of the install request Shopify sends to the app URL (for tests)."""
    ts = int(timestamp if timestamp is not None else datetime.now().timestamp())
    params = {"host": host or host_param(shop), "shop": shop, "timestamp": str(ts)}
    params["hmac"] = sign_query(params, secret)
    return params


# -- session tokens (HS256 JWT) -------------------------------------------------------------------


def _flag(value: object) -> bool:
    """Form and JSON bodies spell a true ``expiring`` as 1, "1" or true."""
    return str(value).strip().lower() in ("1", "true")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_session_token(
    api_key: str,
    secret: str,
    shop: str,
    *,
    now: datetime | None = None,
    ttl: int = 60,
    user_id: str = "42",
    **claims: Any,
) -> str:
    """An App Bridge session token (JWT, HS256, signed with the app secret)."""
    issued = int((now or datetime.now()).timestamp())
    payload = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": api_key,
        "sub": user_id,
        "exp": issued + ttl,
        "nbf": issued,
        "iat": issued,
        "jti": str(uuid.uuid4()),
        "sid": secrets.token_hex(16),
        "sig": secrets.token_hex(32),
        **claims,
    }
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64url(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64url(signature)}"


def decode_session_token(
    token: str, api_key: str, secret: str, shop: str, now: datetime, leeway: int = 10
) -> dict[str, Any]:
    """Claims of a valid session token; ``ValueError`` says why it is not."""
    try:
        header_b64, body_b64, sig_b64 = token.split(".")
        header = json.loads(_b64url_decode(header_b64))
        claims = json.loads(_b64url_decode(body_b64))
        signature = _b64url_decode(sig_b64)
    except (ValueError, TypeError) as exc:
        raise ValueError("malformed token") from exc
    if header.get("alg") != "HS256":
        raise ValueError("unsupported algorithm")
    expected = hmac.new(secret.encode(), f"{header_b64}.{body_b64}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise ValueError("bad signature")
    ts = now.timestamp()
    if claims.get("aud") != api_key:
        raise ValueError("wrong audience")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] + leeway < ts:
        raise ValueError("expired")
    if isinstance(claims.get("nbf"), int | float) and claims["nbf"] - leeway > ts:
        raise ValueError("not yet valid")
    if urlsplit(str(claims.get("dest", ""))).hostname != shop:
        raise ValueError("wrong shop")
    if urlsplit(str(claims.get("iss", ""))).hostname != shop:
        raise ValueError("wrong issuer")
    return claims


# -- tokens ------------------------------------------------------------------------------------------


@dataclass
class AccessToken:
    token: str
    client_id: str
    scopes: tuple[str, ...]
    online: bool
    created_at: datetime
    expires_at: datetime | None
    associated_user: dict[str, Any] | None = None
    revoked: bool = False

    def has_scope(self, scope: str) -> bool:
        if scope in self.scopes:
            return True
        return scope.startswith("read_") and "write_" + scope[5:] in self.scopes


@dataclass
class RefreshToken:
    token: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: datetime
    revoked_at: datetime | None = None
    rotated_to: dict[str, Any] | None = None


@dataclass
class AuthCode:
    code: str
    client_id: str
    scopes: tuple[str, ...]
    online: bool
    redirect_uri: str
    used: bool = False


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


@dataclass
class TokenStore:
    """Every code, access token and refresh token the shop has handed out."""

    state: ShopState
    codes: dict[str, AuthCode] = field(default_factory=dict)
    access: dict[str, AccessToken] = field(default_factory=dict)
    refresh: dict[str, RefreshToken] = field(default_factory=dict)

    # lookup ---------------------------------------------------------------------------------

    def authenticate(self, token: str | None) -> AccessToken | None:
        """The live access token, or None (unknown, revoked or expired: all answer 401)."""
        record = self.access.get(token or "")
        if record is None or record.revoked:
            return None
        if record.expires_at is not None and self.state.now() >= record.expires_at:
            return None
        return record

    def revoke_all(self) -> None:
        now = self.state.now()
        for record in self.access.values():
            record.revoked = True
        for record in self.refresh.values():
            record.revoked_at = record.revoked_at or now

    # issuing --------------------------------------------------------------------------------

    def issue(
        self,
        client_id: str,
        scopes: tuple[str, ...],
        *,
        expiring: bool = False,
        online: bool = False,
    ) -> dict[str, Any]:
        settings = self.state.settings
        now = self.state.now()
        scope = ",".join(scopes)
        prefix = "shpua_" if online else "shpat_"
        token = prefix + secrets.token_hex(16)
        ttl = settings.online_token_ttl if online else settings.access_token_ttl
        expires = now + timedelta(seconds=ttl) if (online or expiring) else None
        user = None
        if online:
            user = {
                "id": 902541635,
                "first_name": "Pat",
                "last_name": "Owner",
                "email": settings.shop_email,
                "email_verified": True,
                "account_owner": True,
                "locale": "en",
                "collaborator": False,
            }
        self.access[token] = AccessToken(token, client_id, scopes, online, now, expires, user)
        body: dict[str, Any] = {"access_token": token, "scope": scope}
        if online:
            body.update(expires_in=ttl, associated_user_scope=scope, associated_user=user)
        elif expiring:
            for old in self.refresh.values():  # one refreshable token per app and shop
                if old.client_id == client_id and old.revoked_at is None:
                    old.revoked_at = now
            refresh = "shprt_" + secrets.token_hex(16)
            self.refresh[refresh] = RefreshToken(
                refresh, client_id, scopes, now + timedelta(seconds=settings.refresh_token_ttl)
            )
            body.update(
                expires_in=ttl,
                refresh_token=refresh,
                refresh_token_expires_in=settings.refresh_token_ttl,
            )
        return body

    # grant screen -----------------------------------------------------------------------------

    def authorize(self, params: Mapping[str, str], grant_options: list[str]) -> str:
        """The merchant approves: returns the callback URL with code, hmac, host, shop, state."""
        settings = self.state.settings
        if params.get("client_id") != settings.api_key:
            raise OAuthError(400, "invalid_request", "The client_id is invalid.")
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")):
            raise OAuthError(400, "invalid_request", "The redirect_uri is missing or not allowed.")
        # no scope parameter: the scopes declared in shopify.app.toml
        requested = tuple(s for s in params.get("scope", "").split(",") if s) or settings.app_scopes
        scopes = settings.granted_scopes if settings.granted_scopes is not None else requested
        code = secrets.token_hex(16)
        online = "per-user" in grant_options
        self.codes[code] = AuthCode(code, settings.api_key, tuple(scopes), online, redirect_uri)
        query = {
            "code": code,
            "host": host_param(settings.shop_domain),
            "shop": settings.shop_domain,
            "state": params.get("state", ""),
            "timestamp": str(int(self.state.now().timestamp())),
        }
        query["hmac"] = sign_query(query, settings.api_secret)
        parts = urlsplit(redirect_uri)
        merged = [*parse_qsl(parts.query, keep_blank_values=True), *query.items()]
        return urlunsplit(parts._replace(query=urlencode(merged)))

    # token endpoint ---------------------------------------------------------------------------

    def _client(self, form: Mapping[str, str]) -> str:
        settings = self.state.settings
        client_id = form.get("client_id", "")
        if client_id != settings.api_key or not hmac.compare_digest(form.get("client_secret", ""), settings.api_secret):
            raise OAuthError(401, "invalid_client", "Client authentication failed.")
        return client_id

    def token_request(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Answer a POST to ``/admin/oauth/access_token``; raises :class:`OAuthError`."""
        grant = form.get("grant_type") or "authorization_code"
        if grant == "authorization_code":
            return self._code_grant(form)
        if grant == "refresh_token":
            return self._refresh_grant(form)
        if grant == TOKEN_EXCHANGE:
            return self._exchange_grant(form)
        raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported.")

    def _code_grant(self, form: Mapping[str, str]) -> dict[str, Any]:
        client_id = self._client(form)
        record = self.codes.get(form.get("code", ""))
        if record is None or record.used or record.client_id != client_id:
            raise OAuthError(400, "invalid_request", "The authorization code was not found or was already used")
        record.used = True
        expiring = _flag(form.get("expiring")) and not record.online
        return self.issue(client_id, record.scopes, expiring=expiring, online=record.online)

    def _refresh_grant(self, form: Mapping[str, str]) -> dict[str, Any]:
        client_id = self._client(form)
        now = self.state.now()
        record = self.refresh.get(form.get("refresh_token", ""))
        if record is None or record.client_id != client_id or now >= record.expires_at:
            raise OAuthError(401, "invalid_grant", "This request requires an active refresh_token")
        if record.revoked_at is not None:
            grace = timedelta(seconds=self.state.settings.refresh_grace_seconds)
            if record.rotated_to is not None and now - record.revoked_at <= grace:
                return record.rotated_to
            raise OAuthError(401, "invalid_grant", "This request requires an active refresh_token")
        body = self.issue(client_id, record.scopes, expiring=True)
        record.revoked_at = now
        record.rotated_to = body
        return body

    def _exchange_grant(self, form: Mapping[str, str]) -> dict[str, Any]:
        client_id = self._client(form)
        settings = self.state.settings
        subject = form.get("subject_token", "")
        subject_type = form.get("subject_token_type", "")
        expiring = _flag(form.get("expiring"))
        if subject_type == OFFLINE_TOKEN:  # migrate a non-expiring offline token (one way)
            old = self.authenticate(subject)
            if old is None or old.online or old.expires_at is not None or not expiring:
                raise OAuthError(400, "invalid_subject_token", "The subject token is invalid.")
            old.revoked = True
            return self.issue(client_id, old.scopes, expiring=True)
        if subject_type != ID_TOKEN:
            raise OAuthError(400, "invalid_request", "subject_token_type is not supported.")
        try:
            decode_session_token(
                subject,
                settings.api_key,
                settings.api_secret,
                settings.shop_domain,
                self.state.now(),
                settings.session_token_leeway,
            )
        except ValueError as exc:
            raise OAuthError(400, "invalid_subject_token", f"Session token is invalid: {exc}.") from exc
        online = form.get("requested_token_type", OFFLINE_TOKEN) == ONLINE_TOKEN
        scopes = settings.granted_scopes or settings.app_scopes
        return self.issue(client_id, tuple(scopes), expiring=expiring and not online, online=online)

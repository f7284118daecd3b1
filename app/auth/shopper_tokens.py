"""Shopper tokens: short-lived HS256 JWTs naming one customer of one store.

Signed with a key derived (HKDF) from SECRET_KEY, so they share its rotation: a token signed
with a fallback key still verifies until it expires.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.auth.errors import AuthError, forbidden

AUDIENCE = "rapport:storefront"
ISSUER = "rapport"
LEEWAY_SECONDS = 10


def signing_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"rapport/shopper-token/v1").derive(
        secret.encode()
    )


class ShopperTokens:
    def __init__(self, secret: str, *fallbacks: str, default_ttl: int = 3600) -> None:
        self.keys = [signing_key(s) for s in (secret, *fallbacks)]
        self.default_ttl = default_ttl

    def mint(
        self, store_id: int, customer_id: int, ttl_seconds: int | None = None, *, now: datetime | None = None
    ) -> tuple[str, datetime]:
        issued = (now or datetime.now(UTC)).replace(microsecond=0)
        expires = issued + timedelta(seconds=ttl_seconds or self.default_ttl)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(customer_id),
            "sid": store_id,
            "iat": int(issued.timestamp()),
            "exp": int(expires.timestamp()),
        }
        return jwt.encode(claims, self.keys[0], algorithm="HS256"), expires

    def verify(self, token: str, store_id: int) -> int:
        """The customer id the token signs in, if it is for ``store_id`` and still valid."""
        for key in self.keys:
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=["HS256"],
                    audience=AUDIENCE,
                    issuer=ISSUER,
                    leeway=LEEWAY_SECONDS,
                    options={"require": ["exp", "iat", "sub", "sid"]},
                )
            except jwt.ExpiredSignatureError:
                raise AuthError("the shopper token has expired; get a new one") from None
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError:
                raise AuthError("the shopper token is not valid") from None
            if claims["sid"] != store_id:
                raise forbidden("the shopper token belongs to another store")
            try:
                return int(claims["sub"])
            except ValueError:
                raise AuthError("the shopper token is not valid") from None
        raise AuthError("the shopper token is not valid")

"""Shopify embedded-app session tokens (App Bridge ``Authorization: Bearer <jwt>``).

Verified by ShopifyAPI's own helper: HS256 with the app secret, ``aud`` the API key,
``exp``/``nbf`` with 10 s of leeway, ``iss`` and ``dest`` on the same shop; and ``exp``,
``nbf``, ``iss``, ``dest`` and ``aud`` must all be there (``connectors.shopify.oauth``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from shopify import session_token

from app.auth.errors import AuthError
from connectors.shopify.oauth import session_claims


def shop_domain(authorization: str, api_key: str, secret: str) -> str:
    """The ``*.myshopify.com`` domain the token was issued for."""
    if not api_key or not secret:
        raise AuthError("session tokens are not accepted: SHOPIFY_API_KEY/SHOPIFY_API_SECRET are not set")
    try:
        claims = session_claims(authorization, api_key, secret)
    except session_token.SessionTokenError as exc:
        reason = "has expired" if "expired" in str(exc).lower() else "is not valid"
        raise AuthError(f"the Shopify session token {reason}") from None
    host = urlsplit(claims["dest"]).hostname
    if not host:
        raise AuthError("the Shopify session token names no shop")
    return host.lower()

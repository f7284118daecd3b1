"""Credentials sent to the wrong header or endpoint, recognised by their shape so the error can
say where they go: a theme developer who sends a shopper token as ``Authorization: Bearer`` gets
told to use ``X-Rapport-Shopper-Token`` instead of a silent anonymous answer."""

from __future__ import annotations

from enum import StrEnum

import jwt

from app.auth import api_keys
from app.auth.errors import AuthError
from app.auth.shopper_tokens import AUDIENCE, ISSUER

STORE_KEY_PREFIX = "pk_"


class Credential(StrEnum):
    STORE_KEY = "store key"
    SHOPPER_TOKEN = "shopper token"
    API_KEY = "merchant API key"
    SESSION_TOKEN = "Shopify session token"


WHERE = {
    Credential.STORE_KEY: "the storefront API (/graphql/storefront) takes the store's public key (pk_...) "
    "in the X-Rapport-Store-Key header",
    Credential.SHOPPER_TOKEN: "the storefront API (/graphql/storefront) takes a shopper token "
    "in the X-Rapport-Shopper-Token header, next to the store key in X-Rapport-Store-Key "
    "(through the Shopify app proxy, Shopify signs the shopper in and no token is sent)",
    Credential.API_KEY: "a merchant API key (rpk_...) belongs to the admin API (/graphql/admin) as "
    "Authorization: Bearer, and never in a theme",
    Credential.SESSION_TOKEN: "a Shopify session token belongs to the admin API (/graphql/admin) as "
    "Authorization: Bearer",
}


def recognise(value: str) -> Credential | None:
    """What ``value`` looks like (nothing is verified here; the right place verifies it)."""
    text = value.strip().removeprefix("Bearer ").strip()
    if text.startswith(api_keys.SCHEME):
        return Credential.API_KEY
    if text.startswith(STORE_KEY_PREFIX):
        return Credential.STORE_KEY
    try:
        claims = jwt.decode(text, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    if claims.get("aud") == AUDIENCE and claims.get("iss") == ISSUER:
        return Credential.SHOPPER_TOKEN
    if "dest" in claims:
        return Credential.SESSION_TOKEN
    return None


def misplaced(value: str, sent_as: str) -> AuthError:
    """The error for ``value`` found in ``sent_as`` (a header name) where it does not belong."""
    found = recognise(value)
    if found is None:
        return AuthError(f"{sent_as} is not read here; {WHERE[Credential.SHOPPER_TOKEN]}")
    return AuthError(f"a {found} was sent as {sent_as}; {WHERE[found]}")

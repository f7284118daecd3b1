"""Shopify app proxy signatures: who the signed-in shopper is, vouched for by Shopify.

Shopify adds ``shop``, ``path_prefix``, ``timestamp``, ``logged_in_customer_id`` and
``signature`` to a proxied request. The signature is the hex HMAC-SHA256, keyed with the app
secret, of every other parameter as ``key=value`` (repeated keys' values joined by commas),
sorted and concatenated with no separator.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass

from app.auth.errors import AuthError


@dataclass(frozen=True)
class ProxiedShopper:
    shop: str
    customer_platform_id: str | None


def signature(params: Iterable[tuple[str, str]], secret: str) -> str:
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        if key != "signature":
            grouped.setdefault(key, []).append(value)
    message = "".join(sorted(f"{key}={','.join(values)}" for key, values in grouped.items()))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify(params: list[tuple[str, str]], secret: str, *, max_age: float, now: float | None = None) -> ProxiedShopper:
    given = [value for key, value in params if key == "signature"]
    if not secret:
        raise AuthError("app proxy requests are not accepted: SHOPIFY_API_SECRET is not set")
    if len(given) != 1 or not hmac.compare_digest(given[0], signature(params, secret)):
        raise AuthError("the app proxy signature is not valid")
    values = dict(params)
    try:
        age = (now if now is not None else time.time()) - int(values.get("timestamp", ""))
    except ValueError:
        raise AuthError("the app proxy request has no valid timestamp") from None
    if abs(age) > max_age:
        raise AuthError("the app proxy signature has expired")
    shop = values.get("shop", "")
    if not shop:
        raise AuthError("the app proxy request names no shop")
    return ProxiedShopper(shop=shop, customer_platform_id=values.get("logged_in_customer_id") or None)

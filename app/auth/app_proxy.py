"""Shopify app proxy signatures: who the signed-in shopper is, vouched for by Shopify.

Shopify adds ``shop``, ``path_prefix``, ``timestamp``, ``logged_in_customer_id`` and
``signature`` to a proxied request. The signature is the hex HMAC-SHA256, keyed with the app
secret, of every other parameter as ``key=value`` (repeated keys' values joined by commas),
sorted and concatenated with no separator.

Because repeated keys are signed comma-joined, ``logged_in_customer_id=1&logged_in_customer_id=2``
carries a valid signature while naming two shoppers; a request repeating any of the
parameters that say who and where is refused instead of picking one of the values.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from app.auth.errors import AuthError

IDENTITY = ("shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature")
"""Parameters Shopify sets once; a second value of any of them is not Shopify's."""


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
    counts = Counter(key for key, _ in params if key in IDENTITY)
    repeated = sorted(key for key, n in counts.items() if n > 1)
    if repeated:
        raise AuthError(f"the app proxy request repeats {', '.join(repeated)}")
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

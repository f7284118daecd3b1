"""Merchant API keys: ``rpk_<prefix>_<secret>``; only the SHA-256 of the secret is stored.

The secret is 32 random bytes, so a plain hash is enough (no password stretching needed) and
lookups stay one indexed read by prefix plus a constant-time compare.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from app.auth.errors import AuthError
from schema.core.context import IssuedApiKey
from store.models import ApiKey

SCHEME = "rpk_"
TOUCH_EVERY = timedelta(minutes=1)
_FORMAT = re.compile(r"^(rpk_[0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue(merchant_id: int, name: str) -> IssuedApiKey:
    prefix = f"{SCHEME}{secrets.token_hex(6)}"
    secret = secrets.token_urlsafe(32)
    key = await ApiKey.create(merchant_id=merchant_id, name=name, prefix=prefix, secret_hash=_digest(secret))
    return IssuedApiKey(key=key, secret=f"{prefix}_{secret}")


async def authenticate(raw: str) -> ApiKey:
    """The live key ``raw`` names; an ``AuthError`` that does not say which part was wrong otherwise."""
    match = _FORMAT.match(raw.strip())
    invalid = AuthError("the API key is not valid")
    if match is None:
        raise invalid
    prefix, secret = match.groups()
    key = await ApiKey.get_or_none(prefix=prefix)
    if key is None or not hmac.compare_digest(key.secret_hash, _digest(secret)):
        raise invalid
    if key.revoked_at is not None:
        raise AuthError("the API key was revoked")
    now = datetime.now(UTC)
    if key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY:
        await ApiKey.filter(id=key.id).update(last_used_at=now)
    return key

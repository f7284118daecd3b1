"""Signed links in what Rapport mails (unsubscribe, the open pixel, surveys): one key derivation
and one MAC, so every kind of link is verified the same way.

A link's MAC covers its purpose and its parts, so a token made for one purpose never passes
for another under the same key. The first key signs and any key of the ring verifies (the
current secret and its fallbacks), so links mailed before a key rotation keep working.
Verification is constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAC_BYTES = 20


def link_key(secret: str) -> bytes:
    """The signing key of mail links, derived from the secret key like the other token keys."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"rapport/email-links/v1").derive(secret.encode())


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes | None:
    """The bytes of unpadded URL-safe base64, or ``None`` when it is not that."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def mac(key: bytes, purpose: str, *parts: str) -> bytes:
    message = "\n".join((purpose, *parts)).encode()
    return hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]


def signed_by_any(keys: Sequence[bytes], given: bytes, purpose: str, *parts: str) -> bool:
    return any(hmac.compare_digest(given, mac(key, purpose, *parts)) for key in keys)

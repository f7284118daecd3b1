"""Signed links in the mail Rapport sends: one-click unsubscribe and the open pixel.

An unsubscribe token signs (merchant, address lower-cased, purpose) with HMAC-SHA256 under a key
the app derives from ``SECRET_KEY`` (``link_key``), so the link needs no database row to verify
and stays valid for as long as the key does (an unsubscribe link must keep working). An open
token signs the message id. Verification is constant-time and tries every key of the ring, so
links survive a key rotation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from campaigns.models import Suppression, SuppressionReason
from store.link_signing import b64, mac, signed_by_any, unb64

MAX_TOKEN = 1024
"""A longer token is refused before it is decoded: no legitimate link comes near it."""
UNSUBSCRIBE = "unsubscribe"
OPEN = "open"


class BadToken(Exception):
    """The link was not signed by this deployment, was altered or cut short."""


def _unb64(text: str) -> bytes:
    raw = unb64(text)
    if raw is None:
        raise BadToken("not base64")
    return raw


@dataclass(frozen=True)
class Links:
    """Signs with the first key, verifies with any of them (the current key and its fallbacks)."""

    keys: Sequence[bytes]

    def unsubscribe_token(self, merchant_id: int, email: str) -> str:
        address = email.strip().lower()
        signature = mac(self.keys[0], UNSUBSCRIBE, str(merchant_id), address)
        return f"{merchant_id}.{b64(address.encode())}.{b64(signature)}"

    def verify_unsubscribe(self, token: str) -> tuple[int, str]:
        """The merchant id and the address a genuine token names; ``BadToken`` otherwise."""
        parts = self._parts(token, 3)
        merchant, address = parts[0], _unb64(parts[1]).decode("utf-8", "replace")
        if not merchant.isdigit() or len(merchant) > 12:
            raise BadToken("no merchant")
        self._check(_unb64(parts[2]), UNSUBSCRIBE, merchant, address)
        return int(merchant), address

    def open_token(self, message_id: int) -> str:
        return f"{message_id}.{b64(mac(self.keys[0], OPEN, str(message_id)))}"

    def verify_open(self, token: str) -> int:
        message, mac = self._parts(token, 2)
        if not message.isdigit() or len(message) > 20:
            raise BadToken("no message")
        self._check(_unb64(mac), OPEN, message)
        return int(message)

    @staticmethod
    def _parts(token: str, count: int) -> list[str]:
        if len(token) > MAX_TOKEN:
            raise BadToken("too long")
        parts = token.split(".")
        if len(parts) != count or not all(parts):
            raise BadToken("malformed")
        return parts

    def _check(self, given: bytes, purpose: str, *parts: str) -> None:
        if not signed_by_any(self.keys, given, purpose, *parts):
            raise BadToken("bad signature")


def erased_address(merchant_id: int, email: str) -> str:
    """How a suppressed address is kept once its owner is erased: a merchant-salted hash, so the
    person still gets no marketing and the address itself is gone."""
    digest = hashlib.sha256(f"{merchant_id}:{email.strip().lower()}".encode()).hexdigest()
    return f"sha256:{digest}"


async def unsubscribe(merchant_id: int, email: str, now: datetime) -> Suppression:
    """Suppress the address for the merchant's marketing; a second call returns the same row."""
    address = email.strip().lower()
    existing = await Suppression.get_or_none(merchant_id=merchant_id, email=address)
    if existing is not None:
        return existing
    try:
        return await Suppression.create(
            merchant_id=merchant_id, email=address, reason=SuppressionReason.UNSUBSCRIBED, detail="link"
        )
    except IntegrityError:
        return await Suppression.get(merchant_id=merchant_id, email=address)

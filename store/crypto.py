"""Secrets at rest: Fernet encryption keyed from the application's secret key.

The key ring is configured once at start-up (``configure``); encrypted fields read it
at conversion time, so a model never holds a key of its own.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"rapport/secrets-at-rest/v1"
_ring: MultiFernet | None = None


class SecretsNotConfigured(RuntimeError):
    """Raised when an encrypted field is touched before ``configure`` ran."""


def derive_key(secret: str) -> bytes:
    """A Fernet key derived from the secret key, so operators manage one secret, not two."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


def configure(secret: str, *fallbacks: str) -> None:
    """Install the key ring: the first secret encrypts, every one of them can decrypt (rotation)."""
    global _ring
    _ring = MultiFernet([Fernet(derive_key(s)) for s in (secret, *fallbacks)])


def _keyring() -> MultiFernet:
    if _ring is None:
        raise SecretsNotConfigured("store.crypto.configure(secret_key) must run before secrets are read")
    return _ring


def encrypt(plaintext: str) -> str:
    return _keyring().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keyring().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretsNotConfigured(
            "a stored secret cannot be decrypted with SECRET_KEY (or SECRET_KEY_FALLBACKS)"
        ) from exc


class Secret(str):
    """A decrypted secret whose repr never shows the value, so it cannot end up in logs."""

    def __repr__(self) -> str:
        return "Secret('********')"

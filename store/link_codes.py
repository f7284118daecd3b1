"""One-time codes a person reads from one screen and types into another: 80 random bits in
groups of four, kept only as a hash. Linking a store to a merchant and linking two loyalty
accounts both use them."""

from __future__ import annotations

import base64
import hashlib
import secrets


def new_code() -> str:
    """80 random bits in base32, grouped for reading aloud (``ABCD-EFGH-...``)."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def code_hash(code: str) -> str:
    """What is stored and looked up: the code without dashes, spaces or case, hashed."""
    return hashlib.sha256(code.replace("-", "").replace(" ", "").upper().encode()).hexdigest()

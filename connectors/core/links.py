"""Web addresses from a platform payload that a storefront may link or load.

Themes put a product's ``url`` in an ``href`` and its picture in an ``src``, so only absolute
``http(s)`` addresses are kept: a ``javascript:`` or ``data:`` value from a compromised or
misconfigured store never reaches a shopper's page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

MAX_URL = 2000
MAX_ALT = 500


def web_url(value: Any) -> str:
    """``value`` when it is an absolute http(s) URL the store can keep, else ``""``."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if len(text) > MAX_URL or any(ord(c) < 33 for c in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return text if parts.scheme in ("http", "https") and parts.netloc else ""


def alt_text(value: Any) -> str:
    """An image's alt text, trimmed to what the store keeps."""
    return " ".join(str(value).split())[:MAX_ALT] if value else ""

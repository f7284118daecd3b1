"""Which browser origins may call a store's storefront API: its own domain, plus any the owner adds."""

from __future__ import annotations

from urllib.parse import urlsplit

from store.models import Store, StorefrontOrigin


def normalize_origin(value: str) -> str | None:
    """``scheme://host[:port]`` in lower case, or ``None`` when ``value`` is not an http(s) origin."""
    parts = urlsplit(value.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def own_origin(store: Store) -> str | None:
    """A Shopify shop's domain, or a WooCommerce site URL's origin."""
    domain = store.domain if "://" in store.domain else f"https://{store.domain}"
    parts = urlsplit(domain)
    return normalize_origin(f"{parts.scheme}://{parts.netloc}")


async def allowed_origins(store: Store) -> set[str]:
    extra = await StorefrontOrigin.filter(store_id=store.id).values_list("origin", flat=True)
    return {origin for origin in (own_origin(store), *extra) if origin}

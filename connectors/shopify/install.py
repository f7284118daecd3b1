"""What an accepted install does: a store (and, for a new shop, its merchant), tokens, webhooks.

A shop seen for the first time becomes a merchant of its own, named after the shop; joining
it to an existing merchant is done afterwards with a link code (``store.linking``). The
caller enqueues the backfill once this returns.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from connectors.shopify import queries, webhooks
from connectors.shopify.client import ShopifyGraphQL
from connectors.shopify.oauth import Grant, InstallError
from connectors.shopify.tokens import save_grant
from store.models import InstallState, Merchant, Platform, Store


async def install(shop: str, grant: Grant, gql: ShopifyGraphQL, *, webhook_uri: str) -> Store:
    """Keep the grant for ``shop``, creating its store and merchant if new, then subscribe webhooks."""
    missing = grant.missing()
    if missing:
        raise InstallError(f"the merchant did not grant {', '.join(missing)}")
    info = (await gql.execute(queries.SHOP, name="shop"))["shop"]
    store = await Store.get_or_none(platform=Platform.SHOPIFY, domain=shop)
    if store is None:
        merchant = await Merchant.create(name=info.get("name") or shop)
        store = await Store.create(
            merchant=merchant,
            platform=Platform.SHOPIFY,
            domain=shop,
            name=info.get("name") or shop,
            currency=info.get("currencyCode") or "USD",
            timezone=info.get("ianaTimezone") or "UTC",
            public_key=f"pk_{secrets.token_hex(12)}",
        )
    await save_grant(store, grant)
    store.install_state = InstallState.INSTALLED
    store.installed_at = datetime.now(UTC)
    store.name = info.get("name") or store.name
    await store.save(update_fields=["install_state", "installed_at", "name", "updated_at"])
    await webhooks.subscribe(gql, webhook_uri)
    return store


async def uninstall(store: Store) -> None:
    """``app/uninstalled``: the tokens are dead anyway; drop them and let no job touch the store."""
    await Store.filter(id=store.id).update(
        install_state=InstallState.UNINSTALLED,
        access_token=None,
        refresh_token=None,
        token_expires_at=None,
    )

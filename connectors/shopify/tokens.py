"""A store's access token, refreshed before it expires.

Expiring offline tokens live an hour; each refresh rotates the refresh token too and kills
the old one at once, so two jobs refreshing together would lock each other out. Refreshes of
one store are serialized in this process, and a refresh that loses a race across processes
(its refresh token was already spent) picks up the token the winner saved.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from connectors.core.http import PlatformAuthError
from connectors.shopify.oauth import Grant, TokenEndpoint
from store.models import Store

REFRESH_MARGIN = timedelta(minutes=5)
"""Refresh this long before the token expires, so no call goes out with a dying token."""

_locks: dict[int, asyncio.Lock] = {}


async def save_grant(store: Store, grant: Grant) -> None:
    store.access_token = grant.access_token
    store.token_expires_at = grant.expires_at
    if grant.refresh_token:
        store.refresh_token = grant.refresh_token
    if grant.scopes:
        store.scopes = ",".join(grant.scopes)
    await store.save(update_fields=["access_token", "token_expires_at", "refresh_token", "scopes", "updated_at"])


class StoreTokens:
    """The :class:`~connectors.shopify.client.TokenSource` of one installed store."""

    def __init__(self, store: Store, endpoint: TokenEndpoint, *, margin: timedelta = REFRESH_MARGIN) -> None:
        self.store = store
        self.endpoint = endpoint
        self.margin = margin

    def _expiring(self) -> bool:
        expires = self.store.token_expires_at
        return expires is not None and expires - datetime.now(UTC) <= self.margin

    async def token(self) -> str:
        if self.store.access_token is None:
            raise PlatformAuthError(f"store {self.store.domain} holds no access token (uninstalled?)", status=401)
        if self._expiring() and self.store.refresh_token:
            return await self.refresh()
        return str(self.store.access_token)

    async def refresh(self) -> str:
        lock = _locks.setdefault(self.store.id, asyncio.Lock())
        async with lock:
            current = await Store.get(id=self.store.id)
            if current.access_token != self.store.access_token and current.access_token is not None:
                self.store = current  # someone refreshed while we waited
                if not self._expiring():
                    return str(current.access_token)
            self.store = current
            if not current.refresh_token:
                raise PlatformAuthError(f"store {current.domain}: token refused and no refresh token held", status=401)
            try:
                grant = await self.endpoint.refresh(str(current.refresh_token))
            except PlatformAuthError:
                again = await Store.get(id=current.id)  # another process may have rotated it first
                if again.access_token is not None and again.access_token != current.access_token:
                    self.store = again
                    return str(again.access_token)
                raise
            await save_grant(current, grant)
            return grant.access_token

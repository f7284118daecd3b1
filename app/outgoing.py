"""The egress rule outgoing calls obey (``connectors.core.egress``), offered to the schema so a
URL a merchant enters is refused when it is entered, not only when a call to it is refused."""

from __future__ import annotations

import httpx

from app.settings import Settings
from connectors.core.egress import EgressPolicy, EgressRefused


class OutgoingCheck:
    """``await check(url)`` is why the app would not call ``url``'s host, or None."""

    def __init__(self, settings: Settings) -> None:
        self.policy = EgressPolicy.of(True, settings.allow_site_networks)

    async def __call__(self, url: str) -> str | None:
        host = httpx.URL(url).host
        try:
            await self.policy.resolve(host, 443)
        except EgressRefused as refused:
            return f"{refused}; events go to public addresses only"
        except httpx.ConnectError:
            return None  # not resolvable now (DNS not live yet); every delivery checks again
        return None

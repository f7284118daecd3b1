"""The REST v3 client of one WooCommerce site, on the shared retrying ``PlatformHTTP``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from connectors.core.egress import EgressPolicy, GuardedTransport
from connectors.core.http import CallStats, PlatformHTTP, RetryPolicy, Sleep
from connectors.woocommerce.auth import API_VERSION, site_auth

PER_PAGE = 100
"""The largest page WooCommerce accepts (``per_page`` is 1..100)."""


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    total_pages: int


def rest_base(site_url: str) -> str:
    return f"{site_url.rstrip('/')}/wp-json/{API_VERSION}/"


class WooClient:
    """GET/POST/PUT against ``{site}/wp-json/wc/v3/``; list calls return items and WordPress' totals."""

    def __init__(
        self,
        site_url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        verify: bool | str = True,
        timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        sleep: Sleep | None = None,
        egress: EgressPolicy | None = None,
    ) -> None:
        self.site_url = site_url.rstrip("/")
        https = urlsplit(self.site_url).scheme == "https"
        self.egress = egress if egress is not None else EgressPolicy()
        self._options: dict[str, Any] = dict(
            auth=site_auth(site_url, consumer_key, consumer_secret),
            headers={"User-Agent": "Rapport (WooCommerce connector)", "Accept": "application/json"},
            timeout=timeout,
            policy=policy,
            # Building a verifying TLS context costs ~30 ms: only HTTPS sites need one.
            verify=verify if https else False,
            **({"sleep": sleep} if sleep is not None else {}),
        )
        self._http: PlatformHTTP | None = None

    @property
    def http(self) -> PlatformHTTP:
        """Made on first use, so a webhook that needs no call back to the site opens nothing.
        Every request goes through the egress guard: the site is the merchant's to name."""
        if self._http is None:
            transport = GuardedTransport(self.egress, verify=self._options["verify"])
            self._http = PlatformHTTP(rest_base(self.site_url), transport=transport, **self._options)
        return self._http

    @property
    def stats(self) -> CallStats:
        return self._http.stats if self._http is not None else CallStats()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def __aenter__(self) -> WooClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        data, _ = await self.http.json("GET", path, params=_query(params))
        return data

    async def list(self, path: str, params: Mapping[str, Any] | None = None) -> Page:
        data, response = await self.http.json("GET", path, params=_query(params))
        items = data if isinstance(data, list) else []
        return Page(
            items=items,
            total=_int(response.headers.get("x-wp-total")),
            total_pages=_int(response.headers.get("x-wp-totalpages")),
        )

    async def post(self, path: str, body: Mapping[str, Any]) -> Any:
        data, _ = await self.http.json("POST", path, json=dict(body))
        return data

    async def put(self, path: str, body: Mapping[str, Any]) -> Any:
        data, _ = await self.http.json("PUT", path, json=dict(body))
        return data

    async def delete(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        data, _ = await self.http.json("DELETE", path, params=_query(params))
        return data


def _query(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Query values as WordPress reads them: booleans ``true``/``false``, lists comma-joined."""
    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | tuple | set):
            out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0

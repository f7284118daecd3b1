"""Calls to merchant-supplied addresses go to public https origins only (no SSRF).

A site URL is checked when it is entered, and every request re-resolves its host, checks each
address and connects to the address it checked (so a DNS answer that changes between the
check and the connection, "DNS rebinding", cannot reach an internal address). Private,
loopback, link-local, shared, multicast, reserved and unspecified ranges are refused in IPv4
and IPv6, including IPv4 written inside IPv6 (v4-mapped, NAT64, 6to4). Plain http and chosen
networks (the sandbox's 127.0.0.1) are allowed only when the operator says so.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import httpx

from connectors.core.http import PlatformRejected

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class EgressRefused(PlatformRejected):
    """The address is not one Rapport may call; final, a retry cannot change it."""


def embedded_v4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (v4-mapped, NAT64, 6to4), which is where it really goes."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def is_public(ip: IPAddress) -> bool:
    """Globally routable unicast: what a shop on the internet has."""
    inner = embedded_v4(ip)
    if inner is not None:
        return is_public(inner)
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback or ip.is_link_local or ip.is_private
    )


@dataclass(frozen=True)
class EgressPolicy:
    """What may be called: https to public addresses, plus what the operator allowed explicitly."""

    allow_http: bool = False
    allowed_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)
    resolver: Resolver | None = None
    """How names become addresses (default: the system's ``getaddrinfo``)."""

    @classmethod
    def of(
        cls, allow_http: bool = False, networks: Iterable[str] = (), resolver: Resolver | None = None
    ) -> EgressPolicy:
        return cls(allow_http, tuple(ipaddress.ip_network(n, strict=False) for n in networks), resolver)

    def allows(self, ip: IPAddress) -> bool:
        candidates = [ip, *filter(None, [embedded_v4(ip)])]
        if any(c in net for c in candidates for net in self.allowed_networks if c.version == net.version):
            return True
        return is_public(ip)

    def check_scheme(self, scheme: str) -> None:
        if scheme == "https" or (scheme == "http" and self.allow_http):
            return
        raise EgressRefused(f"only https:// sites can be connected, not {scheme}://")

    def check_address(self, host: str, ip: IPAddress) -> None:
        if not self.allows(ip):
            raise EgressRefused(f"{host} resolves to {ip}, which is not a public address")

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address ``host`` has, each checked; ``httpx.ConnectError`` when it has none."""
        try:
            addresses = [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            try:
                found = await (self.resolver or system_resolver)(host, port)
            except (OSError, UnicodeError) as exc:
                raise httpx.ConnectError(f"cannot resolve {host}: {exc}") from None
            addresses = list(dict.fromkeys(ipaddress.ip_address(a.split("%")[0]) for a in found))
        if not addresses:
            raise httpx.ConnectError(f"{host} has no address")
        for ip in addresses:
            self.check_address(host, ip)
        return addresses

    async def check_url(self, url: str) -> None:
        """At connect time: the scheme, and the addresses the host has now."""
        parsed = httpx.URL(url)
        self.check_scheme(parsed.scheme)
        if not parsed.host:
            raise EgressRefused(f"{url!r} names no host")
        await self.resolve(parsed.host, parsed.port or _DEFAULT_PORTS.get(parsed.scheme, 443))


class GuardedTransport(httpx.AsyncBaseTransport):
    """Resolves, checks, then connects to the checked address (the Host header and TLS name
    stay the site's), so what was checked is what is called. Redirects are the caller's to
    refuse: the client this sits under never follows them."""

    def __init__(self, policy: EgressPolicy, *, plain: bool = False, **transport_options: object) -> None:
        """``plain``: a refusal is an ``httpx.ConnectError``, for callers that know only httpx."""
        self.policy = policy
        self.plain = plain
        self._inner = httpx.AsyncHTTPTransport(**transport_options)  # type: ignore[arg-type]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        try:
            self.policy.check_scheme(url.scheme)
            addresses = await self.policy.resolve(url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 443))
        except EgressRefused as exc:
            if self.plain:
                raise httpx.ConnectError(str(exc), request=request) from None
            raise
        request.url = url.copy_with(host=str(addresses[0]))
        request.extensions = {**request.extensions, "sni_hostname": url.host}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

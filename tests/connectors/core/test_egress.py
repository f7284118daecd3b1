"""SSRF: a merchant-named site is called only at public https addresses, checked at every request."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from connectors.core.egress import EgressPolicy, EgressRefused, is_public
from connectors.core.http import PlatformRejected, RetryPolicy
from connectors.woocommerce.client import WooClient
from sandbox.http_server import serve

hits: list[tuple[str, str]] = []


async def internal(request: Request) -> Response:
    hits.append((request.url.path, request.headers.get("host", "")))
    if request.url.path.endswith("/moved"):
        return RedirectResponse("http://169.254.169.254/latest/meta-data/", status_code=302)
    if request.url.path.endswith("/secret"):
        return PlainTextResponse("root:x:0:0 internal-admin-token=hunter2", status_code=404)
    return JSONResponse([{"id": 1}])


@pytest.fixture(scope="module")
def internal_url() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/{path:path}", internal, methods=["GET", "POST"])])) as url:
        yield url


@pytest.fixture(autouse=True)
def fresh_hits() -> None:
    hits.clear()


def client(site: str, policy: EgressPolicy) -> WooClient:
    return WooClient(site, "ck_x", "cs_x", egress=policy, policy=RetryPolicy(attempts=2, base_delay=0))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::1",
    ],
)
def test_private_loopback_link_local_multicast_and_reserved_addresses_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_internet_addresses_are_public(address):
    assert is_public(ipaddress.ip_address(address))


async def test_ssrf_to_a_loopback_site_is_refused_before_any_request_by_default(internal_url):
    woo = client(internal_url.replace("http://", "https://"), EgressPolicy())
    with pytest.raises(EgressRefused, match="not a public address"):
        await woo.get("orders")
    await woo.aclose()
    assert hits == []


async def test_ssrf_over_plain_http_is_refused_unless_the_development_setting_allows_it(internal_url):
    with pytest.raises(EgressRefused, match="only https"):
        await EgressPolicy().check_url(internal_url)
    with pytest.raises(EgressRefused, match="only https"):
        await EgressPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),)).check_url(internal_url)
    await EgressPolicy.of(True, ["127.0.0.0/8"]).check_url(internal_url)  # the sandbox's explicit setting


async def test_ssrf_through_a_name_that_resolves_to_an_internal_address_is_refused(internal_url):
    async def internal_name(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.5"]  # one public answer does not excuse the other

    with pytest.raises(EgressRefused, match="10.0.0.5"):
        await EgressPolicy.of(resolver=internal_name).check_url("https://shop.example.com")


async def test_dns_rebinding_after_the_connect_time_check_is_refused_at_the_request(internal_url):
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    policy = EgressPolicy.of(True, resolver=rebinding)
    site = "http://rebind.example.com:" + internal_url.rsplit(":", 1)[1]
    await policy.check_url(site)  # public when the merchant connected
    woo = client(site, policy)
    with pytest.raises(EgressRefused, match="127.0.0.1"):
        await woo.get("orders")  # loopback by the time the sync calls
    await woo.aclose()
    assert hits == []


async def test_the_request_goes_to_the_address_that_was_checked_with_the_sites_host_name(internal_url):
    async def pinned(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    port = internal_url.rsplit(":", 1)[1]
    woo = client(f"http://site.invalid:{port}", EgressPolicy.of(True, ["127.0.0.1/32"], resolver=pinned))
    assert await woo.get("orders") == [{"id": 1}]
    await woo.aclose()
    assert hits == [("/wp-json/wc/v3/orders", f"site.invalid:{port}")]


async def test_ssrf_through_a_redirect_off_the_origin_is_not_followed(internal_url):
    woo = client(internal_url, EgressPolicy.of(True, ["127.0.0.0/8"]))
    with pytest.raises(PlatformRejected, match="redirects are not followed"):
        await woo.get("moved")
    await woo.aclose()
    assert [path for path, _ in hits] == ["/wp-json/wc/v3/moved"]


async def test_an_internal_response_body_never_lands_in_the_error_a_job_keeps(internal_url):
    woo = client(internal_url, EgressPolicy.of(True, ["127.0.0.0/8"]))
    with pytest.raises(PlatformRejected) as error:
        await woo.get("secret")
    await woo.aclose()
    assert "hunter2" not in str(error.value) and "root:x" not in str(error.value)
    assert "text/plain" in str(error.value)

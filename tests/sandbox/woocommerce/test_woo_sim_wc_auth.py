"""WooCommerce simulator: the ``/wc-auth/v1/authorize`` key-creation flow."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from woocommerce.oauth import OAuth

from sandbox.http_server import serve
from sandbox.woocommerce import WooState, serve_simulator


@dataclass
class App:
    """The app side of the flow: receives keys on ``/callback``, fails on ``/broken``."""

    url: str = ""
    posted: list[tuple[dict[str, str], dict]] = field(default_factory=list)


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    box = App()

    async def callback(request: Request) -> Response:
        box.posted.append((dict(request.headers), await request.json()))
        return JSONResponse({"ok": True})

    async def broken(request: Request) -> Response:
        box.posted.append((dict(request.headers), await request.json()))
        return Response("nope", status_code=500)

    starlette = Starlette(
        routes=[
            Route("/callback", callback, methods=["POST"]),
            Route("/broken", broken, methods=["POST"]),
        ]
    )
    with serve(starlette) as url:
        box.url = url
        yield box


@pytest.fixture(scope="module")
def state() -> WooState:
    return WooState.from_dataset("sample", 7)


@pytest.fixture(scope="module")
def site(state: WooState) -> Iterator[str]:
    with serve_simulator(state) as url:
        yield url


def authorize_params(app: App, **extra: str) -> dict[str, str]:
    return {
        "app_name": "Rapport",
        "scope": "read_write",
        "user_id": "42",
        "return_url": f"{app.url}/done",
        "callback_url": f"{app.url}/callback",
        **extra,
    }


async def get_signed(site: str, path: str, ck: str, cs: str) -> httpx.Response:
    url = OAuth(
        url=f"{site}/wp-json/wc/v3/{path}",
        consumer_key=ck,
        consumer_secret=cs,
        version="wc/v3",
        method="GET",
        oauth_timestamp=int(time.time()),
    ).get_oauth_url()
    async with httpx.AsyncClient() as client:
        return await client.get(url)


async def test_approve_posts_keys_then_redirects(state: WooState, site: str, app: App) -> None:
    async with httpx.AsyncClient() as client:
        r = await client.get(f"{site}/wc-auth/v1/authorize", params=authorize_params(app))
    assert r.status_code == 302
    location = urlsplit(r.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{app.url}/done"
    assert parse_qs(location.query) == {"success": ["1"], "user_id": ["42"]}
    headers, keys = app.posted[-1]
    assert headers["content-type"].startswith("application/json")
    assert set(keys) == {"key_id", "user_id", "consumer_key", "consumer_secret", "key_permissions"}
    assert keys["user_id"] == "42" and keys["key_permissions"] == "read_write" and isinstance(keys["key_id"], int)
    assert re.fullmatch(r"ck_[0-9a-f]{40}", keys["consumer_key"])
    assert re.fullmatch(r"cs_[0-9a-f]{40}", keys["consumer_secret"])
    works = await get_signed(site, "orders?per_page=1", keys["consumer_key"], keys["consumer_secret"])
    assert works.status_code == 200


async def test_read_scope_key_cannot_write(site: str, app: App) -> None:
    async with httpx.AsyncClient() as client:
        await client.get(f"{site}/wc-auth/v1/authorize", params=authorize_params(app, scope="read"))
    keys = app.posted[-1][1]
    assert keys["key_permissions"] == "read"
    url = OAuth(
        url=f"{site}/wp-json/wc/v3/coupons",
        consumer_key=keys["consumer_key"],
        consumer_secret=keys["consumer_secret"],
        version="wc/v3",
        method="POST",
        oauth_timestamp=int(time.time()),
    ).get_oauth_url()
    async with httpx.AsyncClient() as client:
        r = await client.post(url, json={"code": "x", "amount": "1"})
    assert r.status_code == 401
    assert r.json()["message"] == "The API key provided does not have write permissions."


async def test_failed_callback_shows_an_error_and_the_key_is_dead(site: str, app: App) -> None:
    async with httpx.AsyncClient() as client:
        r = await client.get(
            f"{site}/wc-auth/v1/authorize",
            params=authorize_params(app, callback_url=f"{app.url}/broken"),
        )
    assert r.status_code == 401
    assert "unable to send the consumer data" in r.text
    keys = app.posted[-1][1]
    dead = await get_signed(site, "orders", keys["consumer_key"], keys["consumer_secret"])
    assert dead.status_code == 401 and dead.json()["message"] == "Consumer key is invalid."


async def test_deny_redirects_with_success_0(site: str, app: App) -> None:
    before = len(app.posted)
    async with httpx.AsyncClient() as client:
        r = await client.get(f"{site}/wc-auth/v1/authorize", params=authorize_params(app, deny="1"))
    assert r.status_code == 302
    assert parse_qs(urlsplit(r.headers["location"]).query) == {"success": ["0"], "user_id": ["42"]}
    assert len(app.posted) == before


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"callback_url": "http://rapport.example.com/callback"},
            "The callback_url needs to be over SSL",
        ),
        ({"scope": "admin"}, "Invalid scope admin"),
        ({"app_name": ""}, "Missing parameter app_name"),
    ],
)
async def test_validation_errors(site: str, app: App, override: dict[str, str], message: str) -> None:
    async with httpx.AsyncClient() as client:
        r = await client.get(f"{site}/wc-auth/v1/authorize", params=authorize_params(app, **override))
    assert r.status_code == 401
    assert f"Error: {message}." in r.text

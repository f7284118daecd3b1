"""The Starlette app: Shopify's OAuth and Admin GraphQL routes, plus simulator-only controls.

Platform routes (wire format per the Shopify docs):

* ``GET  /admin/oauth/authorize``      grant screen; the merchant approves at once (302)
* ``POST /admin/oauth/access_token``   code, refresh and token-exchange grants (form or JSON)
* ``POST /admin/api/{version}/graphql.json``  Admin GraphQL (``X-Shopify-Access-Token``)

Simulator-only routes (no counterpart on Shopify; for tests and the demo):

* ``GET  /_sim/state``                 counts, totals, bucket stats, faults
* ``GET|POST /_sim/faults``            read or set fault switches (JSON object of switches)
* ``POST /_sim/changes``               ``{"kind": "add_orders", "n": 3}`` or ``{"changes": [...]}``
* ``POST /_sim/uninstall``             the merchant uninstalls the app
* ``POST /_sim/tokens``                ``{"scopes": "read_orders,...", "expiring": false}`` -> token
* ``POST /_sim/webhooks/deliver``      run ``deliver_pending`` with the JSON body as options
* ``POST /_sim/webhooks/subscriptions``  app-config subscription ``{"topic", "uri"}``
* ``POST /_sim/compliance``            ``{"topic", "payload"?, "uri"?}`` -> send one privacy webhook
* ``GET  /_sim/bulk/{id}.jsonl``       a finished bulk operation's result file (its ``url``)
* ``GET  /cdn/shop/files/{handle}.svg``  a product's picture (its ``featuredImage.url``), drawn offline
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.dataset.covers import cover_svg

from . import graphql_api
from .oauth import INVALID_TOKEN_BODY, OAuthError
from .settings import SUPPORTED_VERSIONS
from .state import ShopState


class RememberBaseURL:
    """Keeps the address clients reach the simulator by, so image URLs in answers and webhooks
    point back at it (the simulator serves the pictures Shopify's CDN would)."""

    def __init__(self, app: ASGIApp, state: ShopState) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.state.files_url = str(Request(scope).base_url).rstrip("/")
        await self.app(scope, receive, send)


def resolve_version(requested: str) -> str | None:
    """The version Shopify serves for a requested one: itself if supported, else the oldest."""
    if requested in SUPPORTED_VERSIONS or requested == "unstable":
        return requested
    parts = requested.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        return SUPPORTED_VERSIONS[0]
    return None


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":"), default=str).encode()
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def _form(request: Request) -> dict[str, str]:
    """Token endpoint body: JSON or ``application/x-www-form-urlencoded``."""
    raw = await request.body()
    kind = request.headers.get("content-type", "")
    if "json" in kind or raw.strip().startswith(b"{"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode(), keep_blank_values=True))


def _range_start(header: str | None, size: int) -> int | None:
    """Start of an open-ended ``bytes=N-`` range inside the body, else None (send it all)."""
    if not header or not header.startswith("bytes=") or not header.endswith("-"):
        return None
    first = header[len("bytes=") : -1]
    return int(first) if first.isdigit() and int(first) < size else None


def _shop(request: Request) -> ShopState:
    """The simulated shop the app serving this request was made for."""
    shop: ShopState = request.app.state.shop
    return shop


async def authorize(request: Request) -> Response:
    state = _shop(request)
    params = dict(request.query_params)
    grant_options = request.query_params.getlist("grant_options[]")
    with state.lock:
        try:
            location = state.tokens.authorize(params, grant_options)
        except OAuthError as exc:
            return _json(exc.body, exc.status)
        state.installed = True
    return RedirectResponse(location, status_code=302)


async def access_token(request: Request) -> Response:
    state = _shop(request)
    form = await _form(request)
    with state.lock:
        try:
            return _json(state.tokens.token_request(form))
        except OAuthError as exc:
            return _json(exc.body, exc.status)


async def graphql(request: Request) -> Response:
    state = _shop(request)
    requested = request.path_params["version"]
    version = resolve_version(requested)
    state.requests["graphql"] += 1
    if version is None:
        return _json({"errors": "Not Found"}, 404)
    faults = state.faults
    if faults.slow_ms:
        await asyncio.sleep(faults.slow_ms / 1000)
    with state.lock:
        decision = faults.before()
    if decision is not None:
        return Response(
            decision.body,
            status_code=decision.status,
            media_type=decision.media_type,
            headers=decision.headers,
        )
    headers = {"X-Shopify-API-Version": version}
    raw = await request.body()
    with state.lock:
        token = state.tokens.authenticate(request.headers.get("x-shopify-access-token"))
        if token is None:
            return _json(INVALID_TOKEN_BODY, 401, headers)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            return _json({"errors": "Invalid JSON in request body"}, 400, headers)
        answer = graphql_api.run(state, token, version, body, str(request.base_url))
        payload = json.dumps(answer, separators=(",", ":"), default=str).encode()
        payload = faults.truncate(payload)
    return Response(payload, media_type="application/json", headers=headers)


async def sim_state(request: Request) -> Response:
    state = _shop(request)
    return _json(state.summary())


async def sim_faults(request: Request) -> Response:
    state = _shop(request)
    if request.method == "POST":
        switches = await request.json()
        try:
            with state.lock:
                state.faults.set(**switches)
        except (TypeError, ValueError) as exc:
            return _json({"error": str(exc)}, 400)
    return _json(state.faults.as_dict())


async def sim_changes(request: Request) -> Response:
    state = _shop(request)
    data = await request.json()
    batch = data.get("changes", [data]) if isinstance(data, dict) else data
    results = []
    try:
        for item in batch:
            options = dict(item)
            kind = options.pop("kind")
            results.append({"kind": kind, "ids": state.changes.apply(kind, **options)})
    except (KeyError, TypeError, ValueError) as exc:
        return _json({"error": str(exc), "done": results}, 400)
    return _json({"results": results})


async def sim_uninstall(request: Request) -> Response:
    state = _shop(request)
    state.changes.uninstall()
    return _json({"installed": False})


async def sim_tokens(request: Request) -> Response:
    state = _shop(request)
    data = await request.json() if await request.body() else {}
    with state.lock:
        token = state.issue_token(data.get("scopes"), expiring=bool(data.get("expiring")))
    return _json({"access_token": token})


async def sim_deliver(request: Request) -> Response:
    state = _shop(request)
    options = await request.json() if await request.body() else {}
    return _json(await state.webhooks.deliver_pending(**options))


async def sim_subscribe(request: Request) -> Response:
    state = _shop(request)
    data = await request.json()
    sub = state.webhooks.subscribe(data["topic"], data["uri"], source="app")
    return _json({"id": sub.gid, "topic": sub.topic, "uri": sub.uri})


async def sim_compliance(request: Request) -> Response:
    state = _shop(request)
    data = await request.json()
    try:
        record = await state.webhooks.send_compliance(
            data["topic"],
            data.get("payload"),
            uri=data.get("uri"),
            bad_signature=bool(data.get("bad_signature")),
        )
    except (KeyError, ValueError) as exc:
        return _json({"error": str(exc)}, 400)
    return _json(record)


def _file_chunks(path: Path, start: int, size: int = 1 << 20) -> Iterator[bytes]:
    """The file from ``start`` on, a piece at a time (Starlette reads it in a worker thread)."""
    with path.open("rb") as f:
        f.seek(start)
        while piece := f.read(size):
            yield piece


async def sim_bulk_file(request: Request) -> Response:
    state = _shop(request)
    state.bulk.refresh()
    op = state.bulk.operations.get(int(request.path_params["op_id"]))
    if op is None or not op.downloadable:
        return _json({"errors": "Not Found"}, 404)
    size = op.bytes_written
    # The result URL is a signed Cloud Storage URL, which honours single byte ranges
    # (``Range: bytes=N-``, RFC 9110): a client can resume a download.
    start = _range_start(request.headers.get("range"), size)
    state.requests["bulk_file"] += 1
    state.requests["bulk_file_bytes"] += size - (start or 0)
    headers = {"Content-Length": str(size - (start or 0))}
    if start is None:
        return StreamingResponse(_file_chunks(op.path, 0), media_type="application/jsonl", headers=headers)
    headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
    return StreamingResponse(
        _file_chunks(op.path, start), status_code=206, media_type="application/jsonl", headers=headers
    )


async def index(request: Request) -> Response:
    state = _shop(request)
    return _json(
        {
            "simulator": "shopify",
            "shop": state.settings.shop_domain,
            "api_version": state.settings.api_version,
        }
    )


async def product_image(request: Request) -> Response:
    state = _shop(request)
    handle = request.path_params["handle"]
    product = next((p for p in state.products.values() if p.handle == handle), None)
    if product is None:
        return Response("Not Found", status_code=404)
    return Response(
        cover_svg(product.title), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


ROUTES = [
    Route("/", index),
    Route("/admin/oauth/authorize", authorize, methods=["GET"]),
    Route("/admin/oauth/access_token", access_token, methods=["POST"]),
    Route("/admin/api/{version}/graphql.json", graphql, methods=["POST"]),
    Route("/_sim/state", sim_state, methods=["GET"]),
    Route("/_sim/faults", sim_faults, methods=["GET", "POST"]),
    Route("/_sim/changes", sim_changes, methods=["POST"]),
    Route("/_sim/uninstall", sim_uninstall, methods=["POST"]),
    Route("/_sim/tokens", sim_tokens, methods=["POST"]),
    Route("/_sim/webhooks/deliver", sim_deliver, methods=["POST"]),
    Route("/_sim/webhooks/subscriptions", sim_subscribe, methods=["POST"]),
    Route("/_sim/compliance", sim_compliance, methods=["POST"]),
    Route("/_sim/bulk/{op_id:int}.jsonl", sim_bulk_file, methods=["GET"]),
    Route("/cdn/shop/files/{handle}.svg", product_image, methods=["GET"]),
]


def create_app(state: ShopState) -> Starlette:
    """An ASGI app serving ``state`` (one shop, any host name); the handlers find it on ``app.state.shop``."""
    app = Starlette(routes=ROUTES, middleware=[Middleware(RememberBaseURL, state=state)])
    app.state.shop = state
    return app

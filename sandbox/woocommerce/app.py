"""The simulator as an ASGI app, and a helper that serves it over HTTP or HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from sandbox.dataset.covers import cover_svg
from sandbox.http_server import serve

from . import control, routes, wc_auth
from .faults import FaultMiddleware
from .state import WooState, state_of
from .tls import self_signed_cert

REST_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def _not_found(request: Request) -> Response:
    return HTMLResponse("<html><body><h1>Page not found</h1></body></html>", status_code=404)


async def _picture(request: Request) -> Response:
    """Product pictures from the media library, drawn offline from the product's name."""
    slug = request.path_params["slug"]
    product = next((p for p in state_of(request).products.values() if p.slug == slug), None)
    if product is None:
        return await _not_found(request)
    return Response(
        cover_svg(product.name), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


def create_app(state: WooState) -> Starlette:
    """A WooCommerce site over ``state``: ``/wp-json/...``, ``/wc-auth/v1/...``, ``/_sim/...``; the
    handlers find ``state`` on ``app.state.woo``."""
    app = Starlette(
        routes=[
            Route("/wp-json/{rest_route:path}", routes.endpoint, methods=REST_METHODS),
            Route("/wc-auth/v1/{route:path}", wc_auth.endpoint, methods=["GET", "POST"]),
            *control.ROUTES,
            Route("/wp-content/uploads/{slug}.svg", _picture, methods=["GET"]),
            Route("/{path:path}", _not_found, methods=REST_METHODS),
        ],
        middleware=[Middleware(FaultMiddleware, faults=state.faults)],
    )
    app.state.woo = state
    return app


@contextmanager
def serve_simulator(state: WooState, *, tls: bool = False, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``create_app(state)`` in a background thread; yield its base URL.

    ``tls=True`` serves HTTPS with a throw-away self-signed certificate (clients must not
    verify it). The base URL becomes ``state.site_url`` (webhook ``X-WC-Webhook-Source``
    and payload links), as a real site's home URL would be.
    """
    certfile = keyfile = None
    if tls:
        certfile, keyfile = self_signed_cert()
    with serve(create_app(state), host=host, port=port, ssl_certfile=certfile, ssl_keyfile=keyfile) as base_url:
        state.site_url = base_url
        yield base_url

"""Browser assets the app serves itself: the storefront widget, the owner's dashboard and the
demo storefront page. Nothing is fetched from a CDN at run time."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from app.settings import Settings

STATIC = Path(__file__).resolve().parent.parent / "static"
FRAME_ANCESTORS = "frame-ancestors 'self' https://admin.shopify.com https://*.myshopify.com"
"""Shopify's admin may embed the dashboard; no other site may frame it (clickjacking)."""


class CachedStatic(StaticFiles):
    """Static files with a short shared cache: themes embed the widget by a stable URL, so a
    release reaches stores within minutes while repeat page views come from the cache."""

    def __init__(self, *, directory: Path, html: bool = False, max_age: int = 300) -> None:
        super().__init__(directory=directory, html=html, check_dir=False)
        self.max_age = max_age

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("Cache-Control", f"public, max-age={self.max_age}")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


async def dashboard_root(request) -> RedirectResponse:  # type: ignore[no-untyped-def]
    """``/dashboard`` and ``/`` open the dashboard, keeping Shopify's launch query (shop, host)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/dashboard/{query}", status_code=307)


def dashboard_page(settings: Settings) -> Callable[[Request], Awaitable[HTMLResponse]]:
    """The dashboard's page with the Shopify app's client id in its ``shopify-api-key`` meta tag,
    which App Bridge reads when Shopify's admin embeds the dashboard."""
    meta = '<meta name="shopify-api-key" content="">'
    key = html.escape(settings.shopify_api_key, quote=True)
    text = (STATIC / "dashboard" / "index.html").read_text().replace(
        meta, f'<meta name="shopify-api-key" content="{key}">')

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(text,
                            headers={"Cache-Control": "public, max-age=0", "X-Content-Type-Options": "nosniff",
                                     "Content-Security-Policy": FRAME_ANCESTORS})

    return page


def routes(settings: Settings) -> list[BaseRoute]:
    return [
        Route("/", dashboard_root, methods=["GET"]),
        Route("/dashboard", dashboard_root, methods=["GET"]),
        Route("/dashboard/", dashboard_page(settings), methods=["GET"]),
        Mount("/widget", CachedStatic(directory=STATIC / "widget")),
        Mount("/dashboard", CachedStatic(directory=STATIC / "dashboard", html=True, max_age=0)),
        Mount("/demo", CachedStatic(directory=STATIC / "demo", html=True, max_age=0)),
    ]

"""Browser assets the app serves itself: the storefront widget, the owner's dashboard, the
demo storefront page and the API explorer. Nothing is fetched from a CDN at run time."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from app.demo.assets import demo_cover
from app.settings import Settings

STATIC = Path(__file__).resolve().parent.parent / "static"
FRAME_ANCESTORS = "frame-ancestors 'self' https://admin.shopify.com https://*.myshopify.com"
"""Shopify's admin may embed the dashboard; no other site may frame it (clickjacking)."""
EXPLORER_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The explorer loads and calls nothing but this origin. GraphiQL's fonts and icons are data: URLs
in its stylesheet and it applies inline styles, hence 'unsafe-inline' for styles (never scripts)."""


class CachedStatic(StaticFiles):
    """Static files with a short shared cache: themes embed the widget by a stable URL, so a
    release reaches stores within minutes while repeat page views come from the cache."""

    def __init__(
        self, *, directory: Path, html: bool = False, max_age: int = 300, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(directory=directory, html=html, check_dir=False)
        self.max_age = max_age
        self.headers = headers or {}

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers.update(self.headers)
        response.headers.setdefault("Cache-Control", f"public, max-age={self.max_age}")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


async def dashboard_root(request: Request) -> RedirectResponse:
    """``/dashboard`` and ``/`` open the dashboard, keeping Shopify's launch query (shop, host)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/dashboard/{query}", status_code=307)


class FixedPage:
    """An HTML page read once at start-up and served as it is, with fixed headers."""

    def __init__(self, text: str, headers: dict[str, str]) -> None:
        self.text, self.headers = text, headers

    async def page(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self.text, headers=self.headers)


def dashboard_page(settings: Settings) -> Callable[[Request], Awaitable[HTMLResponse]]:
    """The dashboard's page with the Shopify app's client id in its ``shopify-api-key`` meta tag,
    which App Bridge reads when Shopify's admin embeds the dashboard."""
    meta = '<meta name="shopify-api-key" content="">'
    key = html.escape(settings.shopify_api_key, quote=True)
    text = (
        (STATIC / "dashboard" / "index.html")
        .read_text()
        .replace(meta, f'<meta name="shopify-api-key" content="{key}">')
    )
    headers = {
        "Cache-Control": "public, max-age=0",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": FRAME_ANCESTORS,
    }
    return FixedPage(text, headers).page


async def explorer_root(request: Request) -> RedirectResponse:
    return RedirectResponse("/explorer/", status_code=307)


def explorer_page() -> Callable[[Request], Awaitable[HTMLResponse]]:
    """The API explorer's page, under a policy that keeps it to this origin (it holds an admin key)."""
    headers = {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": EXPLORER_POLICY,
        "Referrer-Policy": "no-referrer",
    }
    return FixedPage((STATIC / "explorer" / "index.html").read_text(), headers).page


def explorer_routes(settings: Settings) -> list[BaseRoute]:
    """GraphiQL over the admin API, only where the settings serve it (never in production by default)."""
    if not settings.explorer:
        return []
    return [
        Route("/explorer", explorer_root, methods=["GET"]),
        Route("/explorer/", explorer_page(), methods=["GET"]),
        Mount(
            "/explorer",
            CachedStatic(directory=STATIC / "explorer", headers={"Content-Security-Policy": EXPLORER_POLICY}),
        ),
    ]


def routes(settings: Settings) -> list[BaseRoute]:
    return [
        *explorer_routes(settings),
        Route("/", dashboard_root, methods=["GET"]),
        Route("/dashboard", dashboard_root, methods=["GET"]),
        Route("/dashboard/", dashboard_page(settings), methods=["GET"]),
        Mount("/widget", CachedStatic(directory=STATIC / "widget")),
        Mount("/dashboard", CachedStatic(directory=STATIC / "dashboard", html=True, max_age=0)),
        Route("/demo/covers/{handle}.svg", demo_cover, methods=["GET"]),
        Mount("/demo", CachedStatic(directory=STATIC / "demo", html=True, max_age=0)),
    ]

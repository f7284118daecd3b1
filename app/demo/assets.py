"""The sandbox product pictures the demo storefront shows, drawn on request so the demo needs no network."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sandbox.dataset.catalog import handle as catalog_handle
from sandbox.dataset.catalog import item_spec
from sandbox.dataset.covers import cover_svg


async def demo_cover(request: Request) -> Response:
    """A sandbox product's picture (``/demo/covers/{handle}.svg``), drawn from its catalogue entry
    so the demo's widget shows pictures with no network."""
    handle = request.path_params["handle"]
    item = handle.rsplit("-", 1)[-1]
    spec = item_spec(int(item)) if item.isdigit() and 0 < int(item) < 1_000_000 else None
    if spec is None or catalog_handle(spec.title, spec.item_id) != handle:
        return Response("Not Found", status_code=404, media_type="text/plain")
    return Response(
        cover_svg(spec.title),
        media_type="image/svg+xml",
        headers={
            "Cache-Control": "public, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )

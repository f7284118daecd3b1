"""CORS on the storefront: a browser may call a store's API from the origins that store allows.

The preflight cannot name the store (the key header comes with the real request), so it is
allowed when some store allows the origin; the request itself is then checked against its store.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from tortoise.expressions import Q

from app.auth.principals import SHOPPER_TOKEN_HEADER, STORE_KEY_HEADER
from app.http.graphql.parsing import RequestError
from schema.stores.origins import allowed_origins, normalize_origin
from store.models import Store, StorefrontOrigin

CORS_HEADERS = f"content-type, {STORE_KEY_HEADER}, {SHOPPER_TOKEN_HEADER}"
NOT_SERVED = "GraphQL is served over GET (queries) and POST"


async def cors_headers(request: Request, store: Store) -> dict[str, str]:
    """The response headers for the request's origin; 403 when the store does not allow it."""
    origin = request.headers.get("origin")
    if origin is None:
        return {}
    if normalize_origin(origin) not in await allowed_origins(store):
        raise RequestError(403, f"the origin {origin} may not call this store's storefront API", "FORBIDDEN")
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


async def preflight(request: Request) -> Response:
    """A browser's CORS check: allowed when some store allows the origin (the key header comes later)."""
    origin = normalize_origin(request.headers.get("origin") or "")
    if origin is None:
        raise RequestError(405, NOT_SERVED, headers={"Allow": "GET, POST"})
    host = origin.split("://", 1)[1]
    known = (
        await Store.filter(Q(domain=host) | Q(domain=origin) | Q(domain=f"{origin}/")).exists()
        or await StorefrontOrigin.filter(origin=origin).exists()
    )
    if not known:
        return Response(status_code=403)
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": request.headers["origin"],
            "Vary": "Origin",
            "Access-Control-Allow-Methods": "GET, POST",
            "Access-Control-Allow-Headers": CORS_HEADERS,
            "Access-Control-Max-Age": "600",
        },
    )

"""Collection paging and the headers WooCommerce's CRUD controllers send.

* ``X-WP-Total`` / ``X-WP-TotalPages`` on every list, with the true totals even when the
  page is past the end (which is ``200 []``); ``TotalPages`` is 0 for an empty result.
* ``Link`` with ``rel="prev"`` and ``rel="next"`` only (the docs also mention ``first`` and
  ``last``; the code never sends them), comma-joined in one header, absolute URLs built
  from the route plus **all** of the request's query arguments with ``page`` replaced
  (so ``oauth_*`` or ``consumer_*`` arguments reappear in the links, as on a real site).
  ``prev`` from past the end points at the last page.
* A response with neither prev nor next keeps WordPress' discovery header
  ``Link: <{site}/wp-json/>; rel="https://api.w.org/"`` instead: a client must look for
  ``rel="next"``, not merely for a ``Link`` header.
* ``offset`` overrides ``page`` for the slice (``WP_Query``), but ``page`` still drives
  the headers.

Query values in the links are percent-encoded (WordPress leaves them as decoded; a
simulator emitting broken URLs would help nobody).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import quote

T = TypeVar("T")


def paginate(items: Sequence[T], page: int, per_page: int, offset: int | None = None) -> tuple[list[T], int, int]:
    """(page slice, total, total pages)."""
    total = len(items)
    start = offset if offset is not None else (page - 1) * per_page
    pages = math.ceil(total / per_page) if per_page else 0
    return list(items[start : start + per_page]), total, pages


def _encode(args: dict[str, Any]) -> str:
    parts = []
    for key, value in args.items():
        if isinstance(value, list):
            for item in value:
                parts.append(f"{quote(key + '[]', safe='')}={quote(str(item), safe=':,')}")
        else:
            parts.append(f"{quote(key, safe='[]')}={quote(str(value), safe=':,')}")
    return "&".join(parts)


def api_root_link(site: str) -> str:
    return f'<{site}/wp-json/>; rel="https://api.w.org/"'


def list_headers(
    site: str,
    route: str,
    query_args: dict[str, Any],
    page: int,
    total: int,
    pages: int,
) -> dict[str, str]:
    """``X-WP-Total``, ``X-WP-TotalPages`` and ``Link`` for a collection response."""
    base = f"{site}/wp-json/{route.strip('/')}"
    links = []
    if page > 1:
        prev_page = min(page - 1, pages) if pages else page - 1
        links.append(f'<{base}?{_encode({**query_args, "page": prev_page})}>; rel="prev"')
    if pages > page:
        links.append(f'<{base}?{_encode({**query_args, "page": page + 1})}>; rel="next"')
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    headers["Link"] = ", ".join(links) if links else api_root_link(site)
    return headers

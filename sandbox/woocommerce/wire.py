"""Bytes on the wire: WordPress-style JSON and ``WP_Error`` bodies.

WordPress encodes REST responses and webhook bodies with ``wp_json_encode`` and no flags,
so slashes are escaped (``"https:\\/\\/shop.test\\/"``) and non-ASCII characters become
``\\uXXXX``. Anything that verifies a signature over such a body must use the raw bytes,
never a re-serialisation, which is exactly what this reproduces.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from starlette.responses import Response


def php_json(value: Any) -> bytes:
    """Encode like PHP ``json_encode($value)`` with default flags (compact, ``\\/``, ASCII)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True, default=_default)
    return text.replace("/", "\\/").encode("ascii")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def money(value: Decimal | int, dp: int = 2) -> str:
    """``wc_format_decimal($value, $dp)`` for our exact amounts: a fixed-point string."""
    quantum = Decimal(1).scaleb(-dp)
    return str(Decimal(value).quantize(quantum))


class WPError(Exception):
    """A ``WP_Error`` that a handler returns; rendered as ``{"code","message","data"}``."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "data": {"status": self.status, **self.extra},
        }


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A REST response with WordPress' JSON bytes and content type."""
    return Response(
        php_json(payload),
        status_code=status,
        headers=headers,
        media_type="application/json; charset=UTF-8",
    )


def error_response(error: WPError, headers: dict[str, str] | None = None) -> Response:
    merged = {**(headers or {}), **error.headers}
    return json_response(error.body(), error.status, merged)


def no_route() -> WPError:
    return WPError("rest_no_route", "No route was found matching the URL and request method.", 404)

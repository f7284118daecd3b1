"""Request bodies read with a cap, so an unauthenticated sender cannot make the server buffer
more than the cap before its request is refused."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response


class BodyTooLarge(Exception):
    """The body is (or declares itself) larger than the endpoint accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit

    def response(self) -> Response:
        return PlainTextResponse(str(self), status_code=413, headers={"Connection": "close"})


async def read_capped(request: Request, limit: int) -> bytes:
    """The whole body, refused as soon as ``Content-Length`` or the bytes streamed so far pass ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)

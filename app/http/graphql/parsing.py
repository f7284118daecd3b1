"""Reading a GraphQL operation from a request: GET query parameters or a capped JSON POST body.

Bad input is refused here, before authentication or execution, as a :class:`RequestError`
whose status and code the endpoint turns into a top-level error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from app.http.graphql.negotiation import JSON


class RequestError(Exception):
    """A request the endpoint refuses before execution; the status and code say why."""

    def __init__(
        self, status: int, message: str, code: str = "BAD_REQUEST", headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.headers = status, code, dict(headers or {})


@dataclass
class Operation:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None
    persist_as: str | None = None
    """The verified SHA-256 under which to store the query after it executes; never read from the request."""


def _json_param(raw: Any, name: str) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise RequestError(400, f"{name} is not valid JSON") from None
        except RecursionError:
            raise RequestError(400, f"{name} nests too deep") from None
    if raw is not None and not isinstance(raw, dict):
        raise RequestError(400, f"{name} must be a JSON object")
    return raw


def operation_from(params: Mapping[str, Any]) -> Operation:
    """The operation named by GET query parameters or a POST body's members."""
    query = params.get("query")
    if query is not None and not isinstance(query, str):
        raise RequestError(400, "query must be a string")
    name = params.get("operationName")
    if name is not None and not isinstance(name, str):
        raise RequestError(400, "operationName must be a string")
    return Operation(
        query=query or None,
        variables=_json_param(params.get("variables"), "variables"),
        operation_name=name or None,
        extensions=_json_param(params.get("extensions"), "extensions"),
    )


async def read_operation(request: Request, limit: int) -> Operation:
    """The request's operation; a POST body is read only up to ``limit`` bytes (413 past it)."""
    if request.method == "GET":
        return operation_from(request.query_params)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise RequestError(415, f"POST bodies must be {JSON}", "UNSUPPORTED_MEDIA_TYPE")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestError(413, f"the request body is over {limit} bytes", "PAYLOAD_TOO_LARGE")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise RequestError(413, f"the request body is over {limit} bytes", "PAYLOAD_TOO_LARGE")
    try:
        params = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RequestError(400, "the request body is not valid JSON") from None
    except RecursionError:  # a JSON bomb: arrays or objects nested thousands deep
        raise RequestError(400, "the request body nests too deep") from None
    if not isinstance(params, dict):
        raise RequestError(400, "the request body must be a JSON object (batching is not supported)")
    return operation_from(params)

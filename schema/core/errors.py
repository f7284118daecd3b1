"""Errors the API shows: top-level errors with ``extensions.code``, and mutation userErrors.

Top-level errors are for requests that cannot be answered (auth, limits, bad arguments);
business failures of a mutation are ``userErrors`` in its payload. Anything else is a bug and
reaches the client only as ``INTERNAL_SERVER_ERROR`` (see ``schema.core.limits``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import strawberry
from graphql import GraphQLError


class ErrorCode(StrEnum):
    BAD_REQUEST = "BAD_REQUEST"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    MAX_COST_EXCEEDED = "MAX_COST_EXCEEDED"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class ApiError(GraphQLError):
    """An error meant for the client: its message is safe to show and it carries a code."""

    def __init__(self, message: str, code: ErrorCode, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": code.value, **extensions})
        self.code = code


@strawberry.interface(description="A business failure of a mutation, with the input path it concerns")
class UserError:
    field: list[str] | None = strawberry.field(description="path to the input field at fault")
    message: str

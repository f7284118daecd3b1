"""An authentication failure: a code, an HTTP status and a message safe to show."""

from __future__ import annotations


class AuthError(Exception):
    def __init__(self, message: str, *, code: str = "UNAUTHENTICATED", status: int = 401) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def forbidden(message: str) -> AuthError:
    return AuthError(message, code="FORBIDDEN", status=403)

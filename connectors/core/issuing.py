"""A platform's failure as a code issuer's answer, the same on every platform."""

from __future__ import annotations

from connectors.core.http import PlatformAuthError, PlatformError, PlatformRejected
from store.discounts import IssueError, IssueFailed


def failed(exc: PlatformError) -> IssueFailed:
    """Refused credentials, a refusal the platform will repeat, or the platform unavailable."""
    if isinstance(exc, PlatformAuthError):
        return IssueFailed(IssueError.UNAUTHORIZED, str(exc))
    if isinstance(exc, PlatformRejected):
        return IssueFailed(IssueError.REJECTED, str(exc))
    return IssueFailed(IssueError.UNAVAILABLE, str(exc))

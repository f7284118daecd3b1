"""Admin type of an outgoing event endpoint, and what makes its URL acceptable.

Events carry loyalty changes to the merchant's other tools, signed with a secret shown once.
They go over HTTPS; plain HTTP only to this machine, and only in development.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import strawberry

from loyalty.models import Endpoint, EventKind
from schema.core.ids import to_gid
from schema.core.node import Node
from schema.core.pagination import Ordering

ENDPOINTS = Ordering("created_at")
"""Endpoints newest first."""
EVENT_KINDS = tuple(EventKind)
"""What ``loyalty`` emits."""
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_URL = 1000


def url_problem(url: str, *, development: bool) -> str | None:
    """Why events cannot be sent to ``url``, or ``None`` when they can."""
    if len(url) > MAX_URL:
        return f"the URL takes at most {MAX_URL} characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return f"{url!r} is not a URL"
    if parts.scheme not in ("https", "http") or not host:
        return "give an absolute https:// URL"
    if parts.username is not None or parts.password is not None:
        return "the URL must not carry a user name or password; events are signed with the endpoint's secret"
    if parts.scheme == "http":
        if host not in LOCAL_HOSTS:
            return "events are sent over https only"
        if not development:
            return "plain http (to 127.0.0.1 or localhost) is allowed in development only; use https"
    return None


@strawberry.type(name="EventEndpoint", description="A URL of the merchant's that receives signed loyalty events")
class EventEndpointNode(Node):
    url: str = strawberry.field(description="where events are POSTed, signed with X-Rapport-Signature")
    kinds: list[str] = strawberry.field(description="event kinds it receives; empty for all")
    active: bool = strawberry.field(description="events are sent to it")
    created_at: datetime

    @classmethod
    def of(cls, row: Endpoint) -> EventEndpointNode:
        return cls(
            id=to_gid("EventEndpoint", row.id),
            url=row.url,
            kinds=list(row.kinds or []),
            active=row.active,
            created_at=row.created_at,
        )

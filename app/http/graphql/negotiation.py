"""Content negotiation: which media type a GraphQL response is sent as.

The GraphQL over HTTP spec's ``application/graphql-response+json`` when the client asks for it
(then a request error is a 4xx and its body has no ``data``), plain JSON for everyone else.
"""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or ``None`` when none is acceptable.

    ``application/graphql-response+json`` when the client names it at least as highly as
    plain JSON; plain JSON for legacy clients, wildcards and a missing header.
    """
    if not accept:
        return JSON
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = next((_q(p[2:]) for p in params if p.startswith("q=")), 1.0)
        weights[media.lower()] = max(q, weights.get(media.lower(), 0.0))
    modern = weights.get(GRAPHQL_RESPONSE, 0.0)
    legacy = max(weights.get(JSON, 0.0), weights.get("application/*", 0.0), weights.get("*/*", 0.0))
    if modern > 0 and modern >= legacy:
        return GRAPHQL_RESPONSE
    return JSON if legacy > 0 else None


def _q(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        return 0.0

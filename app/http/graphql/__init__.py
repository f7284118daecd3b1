"""GraphQL over HTTP for ``/graphql/storefront`` and ``/graphql/admin``.

Our own small endpoint around ``strawberry.Schema.execute`` rather than strawberry's view, so
the transport follows the GraphQL over HTTP spec closely: GET for queries only (405 for a
mutation), POST with ``application/json``, ``application/graphql-response+json`` when the client
accepts it (then a request error is a 4xx and its body has no ``data``), 406/413/415 where they
apply. Authentication happens here, before execution; failures are top-level errors with
``extensions.code``. The storefront adds CORS per store and persisted queries by SHA-256.

One module per concern: ``negotiation`` (media types), ``parsing`` (GET and POST bodies, bad
input), ``persisted`` (persisted queries), ``cors``, ``jobs`` (the job adapters resolvers use),
and ``endpoints`` (the shared transport and one subclass per API).
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from app.http.graphql.endpoints import AdminGraphQL, StorefrontGraphQL
from app.settings import Settings


def routes(settings: Settings) -> list[BaseRoute]:
    """The two endpoints, each with its own schema built under its limits."""
    storefront = StorefrontGraphQL.build(settings)
    admin = AdminGraphQL.build(settings)
    return [Route(storefront.path, storefront), Route(admin.path, admin)]

"""GraphQL over HTTP for ``/graphql/storefront`` and ``/graphql/admin``.

Our own small endpoint around ``strawberry.Schema.execute`` rather than strawberry's view, so
the transport follows the GraphQL over HTTP spec closely: GET for queries only (405 for a
mutation), POST with ``application/json``, ``application/graphql-response+json`` when the client
accepts it (then a request error is a 4xx and its body has no ``data``), 406/413/415 where they
apply. Authentication happens here, before execution; failures are top-level errors with
``extensions.code``. The storefront adds CORS per store and persisted queries by SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send
from strawberry import Schema
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from tortoise.expressions import Q

from app.auth.credentials import AppCredentials
from app.auth.errors import AuthError
from app.auth.principals import (
    SHOPPER_TOKEN_HEADER,
    STORE_KEY_HEADER,
    admin_viewer,
    storefront_viewer,
)
from app.auth.shopper_tokens import ShopperTokens
from app.discounts import ConnectorIssuers
from app.outgoing import OutgoingCheck
from app.settings import Settings
from schema.admin import build_admin_schema
from schema.core.context import AdminContext, Services, StorefrontContext
from schema.core.limits import Limits
from schema.loaders import AdminLoaders
from schema.shopper.dataloaders import StorefrontLoaders
from schema.storefront import build_storefront_schema
from schema.stores.origins import allowed_origins, normalize_origin
from store.models import DeliveryStatus, PersistedQuery, Store, StorefrontOrigin, WebhookEvent

log = logging.getLogger("rapport.graphql")
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
CORS_HEADERS = f"content-type, {STORE_KEY_HEADER}, {SHOPPER_TOKEN_HEADER}"


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


def _json_param(raw: Any, name: str) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise RequestError(400, f"{name} is not valid JSON") from None
    if raw is not None and not isinstance(raw, dict):
        raise RequestError(400, f"{name} must be a JSON object")
    return raw


def _operation(params: Mapping[str, Any]) -> Operation:
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


class PersistedQueries:
    """Queries by SHA-256: the table is the truth, a bounded in-process cache saves the read."""

    def __init__(self, size: int = 1000) -> None:
        self.cache: OrderedDict[str, str] = OrderedDict()
        self.size = size

    async def get(self, digest: str) -> str | None:
        if (query := self.cache.get(digest)) is not None:
            self.cache.move_to_end(digest)
            return query
        row = await PersistedQuery.get_or_none(sha256=digest)
        if row is not None:
            self._remember(digest, row.query)
        return row.query if row else None

    async def put(self, digest: str, query: str) -> None:
        if digest not in self.cache:
            await PersistedQuery.bulk_create([PersistedQuery(sha256=digest, query=query)], ignore_conflicts=True)
            self._remember(digest, query)

    def _remember(self, digest: str, query: str) -> None:
        self.cache[digest] = query
        while len(self.cache) > self.size:
            self.cache.popitem(last=False)


class QueueWebhookReplay:
    """Marks a delivery received again and queues its processing job when there is a queue."""

    def __init__(self, request: Request) -> None:
        self.request = request

    async def replay(self, event_id: int) -> None:
        from app.jobs.sync import process_webhook

        await WebhookEvent.filter(id=event_id).update(status=DeliveryStatus.RECEIVED, error=None, processed_at=None)
        queue = getattr(self.request.app.state, "queue", None)
        if queue is not None:
            await process_webhook.enqueue(queue, event_id)


class QueueInsightsRefresh:
    """Queues ``insights_refresh`` under the key the scheduled pass uses, so the two never pile up."""

    def __init__(self, request: Request) -> None:
        self.request = request

    @property
    def available(self) -> bool:
        return getattr(self.request.app.state, "queue", None) is not None

    async def refresh(self, merchant_id: int, as_of: datetime | None) -> bool:
        from app.jobs.insights import insights_refresh, refresh_key

        queue = self.request.app.state.queue
        args = [merchant_id, as_of.isoformat()] if as_of is not None else [merchant_id]
        return await insights_refresh.enqueue(queue, *args, key=refresh_key(merchant_id))


class GraphQLEndpoint:
    """One schema on one path; ``storefront`` switches on store keys, shoppers, CORS and persisted queries."""

    def __init__(self, schema: Schema, settings: Settings, *, storefront: bool) -> None:
        self.schema = schema
        self.settings = settings
        self.storefront = storefront
        self.development = settings.environment == "development"
        # A browser opening the admin endpoint is sent to the explorer; on the storefront it never is.
        self.explorer = settings.explorer and not storefront
        self.tokens = ShopperTokens(
            settings.secret_key.get_secret_value(),
            *(s.get_secret_value() for s in settings.secret_key_fallbacks),
            default_ttl=settings.shopper_token_ttl_seconds,
        )
        self.credentials = AppCredentials(self.tokens)
        self.persisted = PersistedQueries()
        self.discounts = ConnectorIssuers(settings)
        self.outgoing = OutgoingCheck(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        if not self.storefront:  # a merchant's data: never kept by a browser or a shared cache
            response.headers["Cache-Control"] = "private, no-store"
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        media = negotiate(request.headers.get("accept"))
        cors: dict[str, str] = {}
        try:
            if request.method == "OPTIONS":
                return await self.preflight(request)
            if request.method not in ("GET", "POST"):
                raise RequestError(405, "GraphQL is served over GET (queries) and POST", headers={"Allow": "GET, POST"})
            if self.explorer and self._wants_ide(request):
                return RedirectResponse("/explorer/", status_code=307)
            if media is None:
                raise RequestError(406, f"accept {GRAPHQL_RESPONSE} or {JSON}")
            operation = await self.read(request)
            if self.storefront:
                viewer = await storefront_viewer(request, self.settings, self.tokens)
                cors = await self.cors(request, viewer.store)
                operation = await self.resolve_persisted(operation)
                context: Any = StorefrontContext(
                    viewer=viewer,
                    loaders=StorefrontLoaders.for_shopper(
                        viewer.store.id,
                        viewer.customer_id,
                        viewer.store.merchant_id,
                        viewer.customer.owner_id if viewer.customer else None,
                    ),
                    services=self.services(request),
                    request=request,
                )
            else:
                admin = await admin_viewer(request, self.settings)
                context = AdminContext(
                    viewer=admin,
                    loaders=AdminLoaders.for_merchant(admin.merchant_id),
                    services=self.services(request),
                    request=request,
                )
            if operation.query is None:
                raise RequestError(400, "the request has no query")
            return await self.execute(request, operation, context, media, cors)
        except RequestError as exc:
            return self.error(exc.status, str(exc), exc.code, media, {**cors, **exc.headers})
        except AuthError as exc:
            return self.error(exc.status, str(exc), exc.code, media, cors)

    def _wants_ide(self, request: Request) -> bool:
        return (
            request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    def services(self, request: Request) -> Services:
        refresher = QueueInsightsRefresh(request)
        return Services(
            credentials=self.credentials,
            jobs=getattr(request.app.state, "queue", None),
            webhooks=QueueWebhookReplay(request),
            insights=refresher if refresher.available else None,
            discounts=self.discounts,
            development=self.development,
            outgoing=self.outgoing,
        )

    async def read(self, request: Request) -> Operation:
        if request.method == "GET":
            return _operation(request.query_params)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON:
            raise RequestError(415, f"POST bodies must be {JSON}", "UNSUPPORTED_MEDIA_TYPE")
        limit = self.settings.graphql_max_body_bytes
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
        if not isinstance(params, dict):
            raise RequestError(400, "the request body must be a JSON object (batching is not supported)")
        return _operation(params)

    async def resolve_persisted(self, operation: Operation) -> Operation:
        persisted = (operation.extensions or {}).get("persistedQuery")
        if persisted is None:
            return operation
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str) or len(digest) != 64 or persisted.get("version", 1) != 1:
            raise RequestError(400, "persistedQuery needs version 1 and a sha256Hash")
        digest = digest.lower()
        if operation.query is None:
            query = await self.persisted.get(digest)
            if query is None:
                raise RequestError(200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            operation.query = query
        elif hashlib.sha256(operation.query.encode()).hexdigest() != digest:
            raise RequestError(400, "the query does not match its sha256Hash", "PERSISTED_QUERY_HASH_MISMATCH")
        elif len(operation.query.encode()) > (cap := self.settings.graphql_persisted_max_bytes):
            raise RequestError(413, f"a persisted query is at most {cap} bytes", "PERSISTED_QUERY_TOO_LARGE")
        else:
            operation.extensions = {**(operation.extensions or {}), "_persist": digest}
        return operation

    async def execute(
        self, request: Request, operation: Operation, context: Any, media: str, headers: dict[str, str]
    ) -> Response:
        allowed = {OperationType.QUERY} if request.method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
        persist = (operation.extensions or {}).pop("_persist", None)
        try:
            result = await self.schema.execute(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                operation_name=operation.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=operation.extensions,
            )
        except InvalidOperationTypeError:
            raise RequestError(
                405, "only queries can be sent with GET; send mutations with POST", headers={"Allow": "POST"}
            ) from None
        except CannotGetOperationTypeError:
            raise RequestError(400, "operationName does not name exactly one operation of the document") from None
        except MissingQueryError:
            raise RequestError(400, "the request has no query") from None
        errors = [e.formatted for e in result.errors or []]
        request_error = result.data is None and bool(result.errors) and all(e.path is None for e in result.errors)
        if persist and not request_error:
            await self.persisted.put(persist, operation.query or "")
        body: dict[str, Any] = {} if request_error else {"data": result.data}
        if errors:
            body["errors"] = errors
        if result.extensions:
            body["extensions"] = result.extensions
        status = 400 if request_error and media == GRAPHQL_RESPONSE else 200
        if self.storefront and request.method == "GET":
            signed_in = getattr(context.viewer, "customer_id", None) is not None
            headers["Cache-Control"] = "private, no-store" if signed_in else "public, max-age=60"
            # A shared cache must keep stores (and signed-in callers) apart even when a client
            # sends the store key only as a header.
            varies = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
            headers["Vary"] = ", ".join(dict.fromkeys([*varies, "X-Rapport-Store-Key", "X-Rapport-Shopper-Token"]))
        return Response(
            json.dumps(body, separators=(",", ":")),
            status_code=status,
            media_type=f"{media}; charset=utf-8",
            headers=headers,
        )

    def error(self, status: int, message: str, code: str, media: str | None, headers: Mapping[str, str]) -> Response:
        body = {"errors": [{"message": message, "extensions": {"code": code}}]}
        media = media or JSON
        return Response(
            json.dumps(body, separators=(",", ":")),
            status_code=status,
            media_type=f"{media}; charset=utf-8",
            headers=dict(headers),
        )

    async def cors(self, request: Request, store: Store) -> dict[str, str]:
        origin = request.headers.get("origin")
        if origin is None:
            return {}
        if normalize_origin(origin) not in await allowed_origins(store):
            raise RequestError(403, f"the origin {origin} may not call this store's storefront API", "FORBIDDEN")
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}

    async def preflight(self, request: Request) -> Response:
        """A browser's CORS check: allowed when some store allows the origin (the key header comes later)."""
        origin = normalize_origin(request.headers.get("origin") or "")
        if not self.storefront or origin is None:
            raise RequestError(405, "GraphQL is served over GET (queries) and POST", headers={"Allow": "GET, POST"})
        host = origin.split("://", 1)[1]
        known = (
            await Store.filter(Q(domain=host) | Q(domain=origin) | Q(domain=f"{origin}/")).exists()
            or await StorefrontOrigin.filter(origin=origin).exists()
        )
        if not known:
            return Response(status_code=403)
        return Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": request.headers["origin"],
                "Vary": "Origin",
                "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": CORS_HEADERS,
                "Access-Control-Max-Age": "600",
            },
        )


def limits(settings: Settings, *, storefront: bool) -> Limits:
    return Limits(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_tokens=settings.graphql_max_tokens,
        max_cost=settings.graphql_max_cost,
        introspection=settings.storefront_introspection if storefront else True,
        suggestions=not storefront and settings.environment == "development",
    )


def routes(settings: Settings) -> list[BaseRoute]:
    storefront = build_storefront_schema(limits(settings, storefront=True))
    admin = build_admin_schema(limits(settings, storefront=False))
    return [
        Route("/graphql/storefront", GraphQLEndpoint(storefront, settings, storefront=True)),
        Route("/graphql/admin", GraphQLEndpoint(admin, settings, storefront=False)),
    ]

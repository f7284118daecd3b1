"""The two GraphQL endpoints: one base that runs the transport, one subclass per API.

:class:`GraphQLEndpoint` reads the operation, executes it and answers per the GraphQL over HTTP
spec. What differs between the APIs lives in the subclasses: who the viewer is and the context
built for them, CORS and persisted queries (storefront), caching headers, and the explorer
redirect (admin).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry import Schema
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from app.auth.credentials import AppCredentials
from app.auth.errors import AuthError
from app.auth.principals import admin_viewer, storefront_viewer
from app.auth.shopper_tokens import ShopperTokens
from app.discounts import ConnectorIssuers
from app.http.graphql import cors
from app.http.graphql.jobs import QueueCampaignRun, QueueInsightsRefresh, QueueWebhookReplay
from app.http.graphql.negotiation import GRAPHQL_RESPONSE, JSON, negotiate
from app.http.graphql.parsing import Operation, RequestError, read_operation
from app.http.graphql.persisted import PersistedQueries, resolve_persisted
from app.outgoing import OutgoingCheck
from app.settings import Settings
from schema.admin import build_admin_schema
from schema.core.context import AdminContext, Services, StorefrontContext
from schema.core.limits import Limits
from schema.loaders import AdminLoaders
from schema.shopper.dataloaders import StorefrontLoaders
from schema.storefront import build_storefront_schema

Context = StorefrontContext | AdminContext


class GraphQLEndpoint:
    """One schema on one path: the transport both APIs share; subclasses say who may call and how."""

    path: ClassVar[str]
    explorer: bool = False
    """Whether a browser opening the endpoint is sent to the API explorer."""

    def __init__(self, schema: Schema, settings: Settings) -> None:
        self.schema = schema
        self.settings = settings
        self.development = settings.environment == "development"
        self.tokens = ShopperTokens(
            settings.secret_key.get_secret_value(),
            *(s.get_secret_value() for s in settings.secret_key_fallbacks),
            default_ttl=settings.shopper_token_ttl_seconds,
        )
        self.credentials = AppCredentials(
            self.tokens, secret_key=settings.secret_key.get_secret_value(), base_url=settings.public_base_url
        )
        self.discounts = ConnectorIssuers(settings)
        self.outgoing = OutgoingCheck(settings)

    @staticmethod
    def limits(settings: Settings) -> Limits:
        """The query limits of this API (both share the depth, alias, token and cost figures)."""
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        media = negotiate(request.headers.get("accept"))
        headers: dict[str, str] = {}
        try:
            if request.method == "OPTIONS":
                return await self.preflight(request)
            if request.method not in ("GET", "POST"):
                raise RequestError(405, cors.NOT_SERVED, headers={"Allow": "GET, POST"})
            if self.explorer and self._wants_ide(request):
                return RedirectResponse("/explorer/", status_code=307)
            if media is None:
                raise RequestError(406, f"accept {GRAPHQL_RESPONSE} or {JSON}")
            operation = await read_operation(request, self.settings.graphql_max_body_bytes)
            context, operation = await self.prepare(request, operation, headers)
            if operation.query is None:
                raise RequestError(400, "the request has no query")
            return await self.execute(request, operation, context, media, headers)
        except RequestError as exc:
            return self.error(exc.status, str(exc), exc.code, media, {**headers, **exc.headers})
        except AuthError as exc:
            return self.error(exc.status, str(exc), exc.code, media, headers)

    async def prepare(
        self, request: Request, operation: Operation, headers: dict[str, str]
    ) -> tuple[Context, Operation]:
        """The viewer's context and the operation to run; may add response headers (kept on errors too)."""
        raise NotImplementedError

    async def preflight(self, request: Request) -> Response:
        """A CORS preflight; an API that browsers of other origins may not call has none."""
        raise RequestError(405, cors.NOT_SERVED, headers={"Allow": "GET, POST"})

    def cache_headers(self, request: Request, context: Context, headers: dict[str, str]) -> None:
        """Adds caching headers to a response that executed; none unless the API says so."""

    def _wants_ide(self, request: Request) -> bool:
        return (
            request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    def services(self, request: Request) -> Services:
        refresher = QueueInsightsRefresh(request)
        campaigns = QueueCampaignRun(request)
        return Services(
            credentials=self.credentials,
            jobs=getattr(request.app.state, "queue", None),
            webhooks=QueueWebhookReplay(request),
            insights=refresher if refresher.available else None,
            discounts=self.discounts,
            development=self.development,
            outgoing=self.outgoing,
            campaigns=campaigns if campaigns.available else None,
        )

    async def after_execution(self, operation: Operation) -> None:
        """Runs after an operation executed without a request error."""

    async def execute(
        self, request: Request, operation: Operation, context: Context, media: str, headers: dict[str, str]
    ) -> Response:
        allowed = {OperationType.QUERY} if request.method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
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
        request_error = result.data is None and bool(result.errors) and all(e.path is None for e in result.errors or [])
        if not request_error:
            await self.after_execution(operation)
        body: dict[str, Any] = {} if request_error else {"data": result.data}
        if errors:
            body["errors"] = errors
        if result.extensions:
            body["extensions"] = result.extensions
        status = 400 if request_error and media == GRAPHQL_RESPONSE else 200
        self.cache_headers(request, context, headers)
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


class StorefrontGraphQL(GraphQLEndpoint):
    """``/graphql/storefront``: store keys and shopper tokens, CORS per store, persisted queries,
    and anonymous GET queries that a shared cache may keep for a minute."""

    path = "/graphql/storefront"

    def __init__(self, schema: Schema, settings: Settings) -> None:
        super().__init__(schema, settings)
        self.persisted = PersistedQueries()

    @classmethod
    def build(cls, settings: Settings) -> StorefrontGraphQL:
        return cls(build_storefront_schema(cls.limits(settings)), settings)

    @staticmethod
    def limits(settings: Settings) -> Limits:
        return Limits(
            max_depth=settings.graphql_max_depth,
            max_aliases=settings.graphql_max_aliases,
            max_tokens=settings.graphql_max_tokens,
            max_cost=settings.graphql_max_cost,
            introspection=settings.storefront_introspection,
            suggestions=False,
        )

    async def prepare(
        self, request: Request, operation: Operation, headers: dict[str, str]
    ) -> tuple[Context, Operation]:
        viewer = await storefront_viewer(request, self.settings, self.tokens)
        headers.update(await cors.cors_headers(request, viewer.store))
        operation = await resolve_persisted(operation, self.persisted, self.settings.graphql_persisted_max_bytes)
        context = StorefrontContext(
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
        return context, operation

    async def preflight(self, request: Request) -> Response:
        return await cors.preflight(request)

    async def after_execution(self, operation: Operation) -> None:
        if operation.persist_as:
            await self.persisted.put(operation.persist_as, operation.query or "")

    def cache_headers(self, request: Request, context: Context, headers: dict[str, str]) -> None:
        if request.method != "GET":
            return
        signed_in = getattr(context.viewer, "customer_id", None) is not None
        headers["Cache-Control"] = "private, no-store" if signed_in else "public, max-age=60"
        # A shared cache must keep stores (and signed-in callers) apart even when a client
        # sends the store key only as a header.
        varies = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
        headers["Vary"] = ", ".join(dict.fromkeys([*varies, "X-Rapport-Store-Key", "X-Rapport-Shopper-Token"]))


class AdminGraphQL(GraphQLEndpoint):
    """``/graphql/admin``: the store owner's API (API key or Shopify session token); a merchant's
    data is never kept by a browser or a shared cache, and a browser may be sent to the explorer."""

    path = "/graphql/admin"

    def __init__(self, schema: Schema, settings: Settings) -> None:
        super().__init__(schema, settings)
        self.explorer = settings.explorer

    @classmethod
    def build(cls, settings: Settings) -> AdminGraphQL:
        return cls(build_admin_schema(cls.limits(settings)), settings)

    @staticmethod
    def limits(settings: Settings) -> Limits:
        return Limits(
            max_depth=settings.graphql_max_depth,
            max_aliases=settings.graphql_max_aliases,
            max_tokens=settings.graphql_max_tokens,
            max_cost=settings.graphql_max_cost,
            introspection=True,
            suggestions=settings.environment == "development",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        response.headers["Cache-Control"] = "private, no-store"
        await response(scope, receive, send)

    async def prepare(
        self, request: Request, operation: Operation, headers: dict[str, str]
    ) -> tuple[Context, Operation]:
        admin = await admin_viewer(request, self.settings)
        context = AdminContext(
            viewer=admin,
            loaders=AdminLoaders.for_merchant(admin.merchant_id),
            services=self.services(request),
            request=request,
        )
        return context, operation

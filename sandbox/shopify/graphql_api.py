"""The Admin GraphQL endpoint: ``schema.graphql`` executed by graphql-core over the shop state.

One request runs as Shopify describes it: parse and validate, compute the requested
cost (page sizes checked on the way), refuse a query over ``max_query_cost``
(``MAX_COST_EXCEEDED``) or one the bucket cannot pay for (``THROTTLED``, HTTP 200),
execute, then refund ``requested - actual``. Every answer carries ``extensions.cost``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from .cost import actual_cost, requested_cost
from .resolvers import Context, default_resolver, install

if TYPE_CHECKING:
    from .oauth import AccessToken
    from .state import ShopState

SCHEMA = build_schema(Path(__file__).with_name("schema.graphql").read_text())
THROTTLED_DOCS = "https://shopify.dev/api/usage/rate-limits"
MAX_COST_MESSAGE = (
    "Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
)

install(SCHEMA)


def run(state: ShopState, token: AccessToken, api_version: str, body: Any, base_url: str = "") -> dict[str, Any]:
    """Execute one GraphQL request body for ``token``; the JSON answer (HTTP 200 throughout).

    ``base_url`` is where this shop is served (for bulk operation download URLs).
    """
    state.bulk.refresh()
    bucket = state.bucket_for(token)
    tallies = (bucket.stats, state.token_stats.setdefault(token.token, type(bucket.stats)()))

    def answer(
        errors: list[Any] | None,
        requested: int,
        actual: int | None,
        data: Any = None,
        search: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        status = bucket.status(state.now().timestamp())
        if requested or actual is not None:  # the request reached the cost check
            for t in tallies:
                t.observe(status["currentlyAvailable"])
        out: dict[str, Any] = {}
        if errors:
            out["errors"] = [e.formatted if isinstance(e, GraphQLError) else e for e in errors]
        if actual is not None:
            out["data"] = data
        extensions: dict[str, Any] = {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": status,
            }
        }
        if search:
            extensions["search"] = search
        out["extensions"] = extensions
        return out

    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, str) or not query.strip():
        return answer([{"message": "No query string was present"}], 0, None)
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        return answer([{"message": "Variables are invalid JSON."}], 0, None)
    try:
        document: DocumentNode = parse(query)
    except GraphQLError as exc:
        return answer([exc], 0, None)
    problems = validate(SCHEMA, document)
    if problems:
        return answer(list(problems), 0, None)
    operation, fragments = _operation(document, body.get("operationName"))
    if operation is None:
        return answer([{"message": "An operation name is required"}], 0, None)
    coerced = get_variable_values(SCHEMA, operation.variable_definitions or [], variables)
    if isinstance(coerced, list):
        return answer(coerced, 0, None)
    requested, cost_problems = requested_cost(SCHEMA, operation, fragments, coerced, state.settings.max_page_size)
    for t in tallies:
        t.requests += 1
    if cost_problems:
        return answer(
            [{"message": p.message, **({"extensions": p.extensions} if p.extensions else {})} for p in cost_problems],
            requested,
            None,
        )
    limit = state.settings.max_query_cost
    if requested > limit:
        for t in tallies:
            t.rejected_max_cost += 1
        return answer(
            [
                {
                    "message": MAX_COST_MESSAGE.format(cost=requested, limit=limit),
                    "extensions": {
                        "code": "MAX_COST_EXCEEDED",
                        "cost": requested,
                        "maxCost": limit,
                    },
                }
            ],
            requested,
            None,
        )
    if not bucket.take(requested, state.now().timestamp()):
        for t in tallies:
            t.throttled += 1
        return answer(
            [
                {
                    "message": "Throttled",
                    "extensions": {"code": "THROTTLED", "documentation": THROTTLED_DOCS},
                }
            ],
            requested,
            None,
        )
    for t in tallies:
        t.drew(requested, bucket.available)
    ctx = Context(state, token, api_version, base_url)
    result = execute(
        SCHEMA,
        document,
        context_value=ctx,
        variable_values=variables,
        operation_name=body.get("operationName"),
        field_resolver=default_resolver,
    )
    actual = min(requested, actual_cost(SCHEMA, operation, fragments, coerced, result.data, requested))
    bucket.refund(requested - actual, state.now().timestamp())
    for t in tallies:
        t.total_actual += actual
    return answer(list(result.errors or []), requested, actual, result.data, ctx.search)


def _operation(
    document: DocumentNode, name: str | None
) -> tuple[OperationDefinitionNode | None, dict[str, FragmentDefinitionNode]]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if name:
        return next((o for o in operations if o.name and o.name.value == name), None), fragments
    return (operations[0] if len(operations) == 1 else None), fragments

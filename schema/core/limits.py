"""The guards both endpoints run: depth, aliases, tokens, cost, argument sizes, introspection,
one operation per request, error hygiene."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import strawberry
from graphql import GraphQLError, OperationDefinitionNode, validate
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.extensions.query_depth_limiter import IgnoreContext
from tortoise.exceptions import ValidationError

from schema.core.bounds import LiteralBounds
from schema.core.cost import QueryCost
from schema.core.errors import ApiError, ErrorCode

if TYPE_CHECKING:
    from strawberry.types import ExecutionContext

log = logging.getLogger("rapport.graphql")
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")
_LIMITS = (
    (re.compile(r"exceeds maximum operation depth"), "MAX_DEPTH_EXCEEDED"),
    (re.compile(r"aliases found\. Allowed"), "MAX_ALIASES_EXCEEDED"),
    (re.compile(r"more than \d+ tokens"), "MAX_TOKENS_EXCEEDED"),
    (re.compile(r"introspection", re.I), "INTROSPECTION_DISABLED"),
    (re.compile(r"^Syntax Error"), "GRAPHQL_PARSE_FAILED"),
)


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_aliases: int = 15
    max_tokens: int = 1000
    max_cost: int = 1000
    introspection: bool = True
    suggestions: bool = False


class Validations:
    """What validating each distinct document said, for one schema and its fixed limits.

    Validation depends on the schema and the document's text only (never on variables: cost,
    which does, is checked at execution), and widgets send the same few documents all day, so
    each is validated once. Bounded, so a caller sending endless distinct documents costs
    memory no more than ``size`` results.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.results: dict[str, list[GraphQLError]] = {}

    def get(self, query: str) -> list[GraphQLError] | None:
        return self.results.get(query)

    def put(self, query: str, errors: list[GraphQLError]) -> None:
        if len(self.results) >= self.size:
            self.results.pop(next(iter(self.results)))
        self.results[query] = errors


def ambiguous(ctx: ExecutionContext) -> bool:
    """A document of several operations sent without ``operationName``.

    The GraphQL spec makes that a request error; strawberry would quietly run the first one.
    (The context's public ``operation_name`` falls back to the first operation's name, so
    the name the request really gave is read from where strawberry keeps it.)
    """
    document = ctx.graphql_document
    if document is None or getattr(ctx, "_provided_operation_name", None) is not None:
        return False
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions) > 1


class CachedValidation(SchemaExtension):
    """Runs validation itself: once per distinct document, with the size bounds on literals, and
    with "Did you mean ...?" left out of the messages unless suggestions are on. A document of several operations also needs
    ``operationName`` (that depends on the request, so it is checked every time)."""

    def __init__(self, *, validations: Validations, suggestions: bool) -> None:
        self.validations = validations
        self.suggestions = suggestions

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is not None and ctx.pre_execution_errors is None and ctx.query:
            errors = self.validations.get(ctx.query)
            if errors is None:
                errors = validate(
                    ctx.schema._schema,
                    ctx.graphql_document,
                    (*ctx.validation_rules, LiteralBounds),
                    hide_suggestions=not self.suggestions,
                )
                self.validations.put(ctx.query, errors)
            ctx.pre_execution_errors = list(errors)
            if not errors and ambiguous(ctx):
                ctx.pre_execution_errors = [
                    ApiError(
                        "the document has several operations: name the one to run in operationName",
                        ErrorCode.BAD_REQUEST,
                    )
                ]
        yield


class ClientSafeErrors(SchemaExtension):
    """Every error leaves with a code; a bug's details stay in the log, never in the response."""

    def __init__(self, *, suggestions: bool) -> None:
        self.suggestions = suggestions

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [self._clean(error) for error in result.errors]

    def _clean(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if error.path is not None and isinstance(original, (ValueError, ValidationError)):
            return _refused_value(error, original)
        if original is not None and not isinstance(original, GraphQLError):
            log.error("GraphQL resolver failed at %s", error.path, exc_info=original)
            return GraphQLError(
                "Internal server error",
                nodes=error.nodes,
                path=error.path,
                extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value},
            )
        if error.extensions and "code" in error.extensions:
            return error
        message = error.message if self.suggestions else _SUGGESTION.sub("", error.message)
        code = "BAD_USER_INPUT" if error.path is None and "Variable" in message else "GRAPHQL_VALIDATION_FAILED"
        for pattern, named in _LIMITS:
            if pattern.search(message):
                code = named
                break
        return GraphQLError(
            message, nodes=error.nodes, path=error.path, extensions={**(error.extensions or {}), "code": code}
        )


_TOO_LONG = re.compile(r"^(\w+): Length of .* (\d+) > (\d+)$", re.S)


def _refused_value(error: GraphQLError, original: Exception) -> GraphQLError:
    """A value the database or a parser refused is the caller's mistake: ``BAD_USER_INPUT``, not a bug.

    The message names the field and the bound but never echoes the value (it may be huge) nor
    an exception's own text (it may say more about the server than the caller needs).
    """
    log.info("GraphQL resolver refused a value at %s: %s: %.200s", error.path, type(original).__name__, original)
    message = "a value in the request is not valid"
    if isinstance(original, ValidationError):
        field = str(original).split(":", 1)[0]
        message = f"the value given for {field} is not valid"
        if too_long := _TOO_LONG.match(str(original)):
            message = f"the value given for {too_long[1]} is too long ({too_long[2]} characters; at most {too_long[3]})"
    return GraphQLError(
        message, nodes=error.nodes, path=error.path, extensions={"code": ErrorCode.BAD_USER_INPUT.value}
    )


class ApiSchema(strawberry.Schema):
    """A schema whose errors are logged once, by ``ClientSafeErrors``, and only when they are bugs.

    Strawberry logs every error of every response with its traceback; a bad cursor or an
    unknown id is the client's mistake, not the server's, and a caller sending many of them
    would fill the log (the fuzz test found a server blocked on its own stderr that way).
    """

    def process_errors(self, errors: list[GraphQLError], execution_context: object = None) -> None:
        for error in errors:
            log.debug("GraphQL request error at %s: %s", error.path, error.message)


def _introspection(ignore: IgnoreContext) -> bool:
    """Introspection's own nesting (``ofType`` chains) is not what the depth limit guards."""
    return ignore.field_name.startswith("__")


def extensions(limits: Limits) -> list[Callable[[], SchemaExtension]]:
    """Factories, one fresh extension per operation (instances are deprecated in strawberry)."""
    validations = Validations()
    factories: list[Callable[[], SchemaExtension]] = [
        lambda: ClientSafeErrors(suggestions=limits.suggestions),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: QueryDepthLimiter(max_depth=limits.max_depth, should_ignore=_introspection),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        lambda: QueryCost(max_cost=limits.max_cost),
    ]
    if not limits.introspection:
        factories.append(DisableIntrospection)
    factories.append(lambda: CachedValidation(validations=validations, suggestions=limits.suggestions))
    return factories

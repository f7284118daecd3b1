"""Query cost the way Shopify reports it: requested before running, actual after.

Requested cost is computed from the document: every object field costs 1, a list of objects
costs its page size (``first``/``last`` of the connection above it) times its items, scalars
cost 0, and each mutation field adds 10. A query over the limit is refused before any
resolver runs. Actual cost counts the objects the response really holds.

A page size outside 0 to ``MAX_PAGE_SIZE`` refuses the operation before it runs, and the cost
is computed on the size clamped to that range: a negative ``first`` once made the cost of a
sibling field negative, and an expensive query with it ran past the limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from schema.core.bounds import variable_problem
from schema.core.errors import ApiError, ErrorCode
from schema.core.pagination import MAX_PAGE_SIZE

MUTATION_COST = 10


class _Walker:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]) -> None:
        self.schema = schema
        self.variables = variables
        self.invalid: list[tuple[str, int]] = []
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def page_size(self, field: FieldNode) -> int | None:
        """The larger of ``first`` and ``last``, clamped to the page-size range; out-of-range ones are noted."""
        sizes = []
        for argument in field.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value, size = argument.value, None
            if isinstance(value, IntValueNode):
                size = int(value.value)
            elif isinstance(value, VariableNode):
                found = self.variables.get(value.name.value)
                size = found if isinstance(found, int) and not isinstance(found, bool) else None
            if size is None:
                continue
            if not 0 <= size <= MAX_PAGE_SIZE:
                self.invalid.append((f"{field.name.value}({argument.name.value})", size))
            sizes.append(min(max(size, 0), MAX_PAGE_SIZE))
        return max(sizes) if sizes else None

    def fields(
        self, selection_set: SelectionSetNode | None, parent: Any, seen: frozenset[str] = frozenset()
    ) -> Iterator[tuple[FieldNode, Any]]:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                yield from self.fields(selection.selection_set, target or parent, seen)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    target = self.schema.get_type(fragment.type_condition.name.value) or parent
                    yield from self.fields(fragment.selection_set, target, seen | {selection.name.value})

    def cost(self, selection_set: SelectionSetNode | None, parent: Any, list_size: int) -> int:
        total = 0
        for node, owner in self.fields(selection_set, parent):
            name = node.name.value
            if name.startswith("__") or not hasattr(owner, "fields") or name not in owner.fields:
                continue
            field_type = owner.fields[name].type
            named = get_named_type(field_type)
            if is_leaf_type(named):
                continue
            size = self.page_size(node)
            item = 1 + self.cost(node.selection_set, named, size if size is not None else 1)
            total += item * (list_size if _is_list(field_type) else 1)
        return total


def _is_list(field_type: Any) -> bool:
    while isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return isinstance(field_type, GraphQLList)


def requested_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> tuple[int, list[tuple[str, int]]]:
    """The operation's cost on clamped page sizes, and the page sizes that were out of range."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = (
        next((o for o in operations if o.name and o.name.value == operation_name), None)
        if operation_name
        else (operations[0] if len(operations) == 1 else None)
    )
    if operation is None:
        return 0, []
    root: GraphQLObjectType | None = schema.get_root_type(operation.operation)
    walker = _Walker(schema, document, variables or {})
    cost = walker.cost(operation.selection_set, root, 1)
    if operation.operation == OperationType.MUTATION:
        cost += MUTATION_COST * sum(1 for _ in walker.fields(operation.selection_set, root))
    return cost, walker.invalid


def actual_cost(data: Any) -> int:
    """Objects in the response (the root excluded, introspection not counted)."""
    if not isinstance(data, dict):
        return 0
    return _objects({key: value for key, value in data.items() if not key.startswith("__")})


def _objects(value: Any) -> int:
    if isinstance(value, dict):
        return sum((1 if isinstance(v, dict) else 0) + _objects(v) for v in value.values())
    if isinstance(value, list):
        return sum((1 if isinstance(v, dict) else 0) + _objects(v) for v in value)
    return 0


class QueryCost(SchemaExtension):
    """Refuses an operation whose requested cost is over ``max_cost``, or whose variables or page
    sizes are out of bounds (all depend on variables, so they are checked here, per request);
    reports both costs."""

    def __init__(self, *, max_cost: int) -> None:
        self.max_cost = max_cost
        self.requested: int | None = None

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        assert ctx.graphql_document is not None
        if (refused := variable_problem(ctx.variables)) is not None:
            ctx.result = GraphQLExecutionResult(data=None, errors=[refused])
            yield
            return
        self.requested, invalid = requested_cost(
            ctx.schema._schema, ctx.graphql_document, ctx.operation_name, ctx.variables
        )
        if invalid:
            where, size = invalid[0]
            ctx.result = GraphQLExecutionResult(
                data=None,
                errors=[
                    ApiError(
                        f"{where} is {size}; first and last must be between 0 and {MAX_PAGE_SIZE}",
                        ErrorCode.BAD_USER_INPUT,
                    )
                ],
            )
        elif self.requested > self.max_cost:
            ctx.result = GraphQLExecutionResult(
                data=None,
                errors=[
                    ApiError(
                        f"Query cost is {self.requested}, which exceeds the maximum of {self.max_cost}; "
                        "ask for fewer items (first/last) or fewer fields",
                        ErrorCode.MAX_COST_EXCEEDED,
                        requestedQueryCost=self.requested,
                        maximumQueryCost=self.max_cost,
                    )
                ],
            )
        yield

    def get_results(self) -> dict[str, Any]:
        if self.requested is None:
            return {}
        result = self.execution_context.result
        refused = self.requested > self.max_cost
        data = getattr(result, "data", None)
        return {
            "cost": {
                "requestedQueryCost": self.requested,
                "actualQueryCost": None if refused else actual_cost(data),
                "maximumQueryCost": self.max_cost,
            }
        }

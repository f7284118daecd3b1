"""Calculated query cost and the leaky bucket of the GraphQL Admin API.

Cost rules, as shopify.dev and Shopify's engineering write-up state them:

* scalar and enum fields cost 0, an object field costs 1;
* a connection (a type named ``...Connection``) costs 2 plus ``first``/``last`` times the
  cost of one node (the node object's 1 plus whatever it selects, nested connections
  multiplying in); ``pageInfo``, ``edges`` and ``cursor`` are part of the 2. When a query
  selects both ``nodes`` and ``edges { node }`` the dearer of the two counts;
* a plain list of objects costs its ``first`` argument (or the length of ``ids``, else 1)
  times one element;
* an interface or union costs the maximum over its possible types;
* every top-level mutation field costs 10, whatever it selects.

Actual cost walks the response instead: the same rules with the number of nodes actually
returned, and 0 for objects that came back ``null``. The bucket takes the requested cost
before execution and refunds ``requested - actual`` afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
)
from graphql.execution.values import get_argument_values

MUTATION_COST = 10
DEFAULT_LIST_SIZE = 1


@dataclass
class CostProblem:
    message: str
    extensions: dict[str, Any] = field(default_factory=dict)


class _Walker:
    """Walks one operation's selections with its schema, fragments and variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Any,
        max_page: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.max_page = max_page
        self.problems: list[CostProblem] = []

    # -- selection collection -----------------------------------------------------------

    def _applies(self, condition: str | None, concrete: GraphQLObjectType) -> bool:
        if condition is None or condition == concrete.name:
            return True
        target = self.schema.get_type(condition)
        return bool(target and is_abstract_type(target) and self.schema.is_sub_type(target, concrete))

    def fields(self, selection_set: SelectionSetNode | None, concrete: GraphQLObjectType) -> Iterator[FieldNode]:
        if selection_set is None:
            return
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                yield sel
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else None
                if self._applies(cond, concrete):
                    yield from self.fields(sel.selection_set, concrete)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag and self._applies(frag.type_condition.name.value, concrete):
                    yield from self.fields(frag.selection_set, concrete)

    def _concretes(self, named: Any) -> list[GraphQLObjectType]:
        if is_abstract_type(named):
            return list(self.schema.get_possible_types(named))
        return [named]

    def _args(self, fdef: GraphQLField, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(fdef, node, self.variables)
        except Exception:  # validation already reported it; cost the defaults
            return {}

    # -- requested ------------------------------------------------------------------------

    def selection_cost(self, selection_set: SelectionSetNode | None, named: Any) -> int:
        best = 0
        for concrete in self._concretes(named):
            total = 0
            for node in self.fields(selection_set, concrete):
                name = node.name.value
                if name.startswith("__"):
                    continue
                fdef = concrete.fields.get(name)
                if fdef is not None:
                    total += self.field_cost(node, fdef, concrete.name)
            best = max(best, total)
        return best

    def page_size(self, node: FieldNode, fdef: GraphQLField, parent: str) -> int:
        args = self._args(fdef, node)
        first, last = args.get("first"), args.get("last")
        name = node.name.value
        if first is None and last is None:
            self.problems.append(CostProblem("you must provide one of first or last"))
            return 0
        for arg, value in (("first", first), ("last", last)):
            if value is not None and (value < 0 or value > self.max_page):
                self.problems.append(
                    CostProblem(
                        f"The {arg} argument of {parent}.{name} must be between 0 and {self.max_page} (got {value}).",
                        {"code": "BAD_REQUEST", "argumentName": arg, "maximum": self.max_page},
                    )
                )
                return 0
        return max(first or 0, last or 0)

    def node_cost(self, connection_sel: SelectionSetNode | None, conn_type: Any) -> int:
        node_type = get_named_type(conn_type.fields["nodes"].type)
        best = 0
        for sel in self.fields(connection_sel, conn_type):
            if sel.name.value == "nodes":
                best = max(best, 1 + self.selection_cost(sel.selection_set, node_type))
            elif sel.name.value == "edges":
                edge_type = get_named_type(conn_type.fields["edges"].type)
                for inner in self.fields(sel.selection_set, edge_type):
                    if inner.name.value == "node":
                        best = max(best, 1 + self.selection_cost(inner.selection_set, node_type))
        return best

    def field_cost(self, node: FieldNode, fdef: GraphQLField, parent: str) -> int:
        named = get_named_type(fdef.type)
        if is_leaf_type(named):
            return 0
        if named.name.endswith("Connection"):
            size = self.page_size(node, fdef, parent)
            return 2 + size * self.node_cost(node.selection_set, named)
        inner = fdef.type.of_type if isinstance(fdef.type, GraphQLNonNull) else fdef.type
        element = 1 + self.selection_cost(node.selection_set, named)
        if is_list_type(inner):
            args = self._args(fdef, node)
            size = args.get("first")
            if size is None and isinstance(args.get("ids"), list):
                size = len(args["ids"])
            return (DEFAULT_LIST_SIZE if size is None else size) * element
        return element

    # -- actual ---------------------------------------------------------------------------

    def actual_selection(self, selection_set: SelectionSetNode | None, named: Any, data: Any) -> int:
        if not isinstance(data, dict):
            return 0
        best = 0
        for concrete in self._concretes(named):
            total = 0
            for node in self.fields(selection_set, concrete):
                name = node.name.value
                fdef = concrete.fields.get(name)
                if fdef is None or name.startswith("__"):
                    continue
                key = node.alias.value if node.alias else name
                total += self.actual_field(node, fdef, data.get(key))
            best = max(best, total)
        return best

    def actual_field(self, node: FieldNode, fdef: GraphQLField, value: Any) -> int:
        named = get_named_type(fdef.type)
        if is_leaf_type(named) or value is None:
            return 0
        if named.name.endswith("Connection"):
            node_type = get_named_type(named.fields["nodes"].type)
            by_nodes = by_edges = 0
            for sel in self.fields(node.selection_set, named):
                key = sel.alias.value if sel.alias else sel.name.value
                items = value.get(key) if isinstance(value, dict) else None
                if sel.name.value == "nodes" and isinstance(items, list):
                    by_nodes = max(
                        by_nodes,
                        sum(
                            1 + self.actual_selection(sel.selection_set, node_type, it)
                            for it in items
                            if it is not None
                        ),
                    )
                elif sel.name.value == "edges" and isinstance(items, list):
                    edge_type = get_named_type(named.fields["edges"].type)
                    for inner in self.fields(sel.selection_set, edge_type):
                        if inner.name.value != "node":
                            continue
                        ikey = inner.alias.value if inner.alias else "node"
                        by_edges = max(
                            by_edges,
                            sum(
                                1 + self.actual_selection(inner.selection_set, node_type, e.get(ikey))
                                for e in items
                                if isinstance(e, dict) and e.get(ikey) is not None
                            ),
                        )
            return 2 + max(by_nodes, by_edges)
        if isinstance(value, list):
            return sum(1 + self.actual_selection(node.selection_set, named, v) for v in value if v is not None)
        return 1 + self.actual_selection(node.selection_set, named, value)


def _root(schema: GraphQLSchema, op: OperationDefinitionNode) -> GraphQLObjectType:
    if op.operation == OperationType.MUTATION:
        assert schema.mutation_type is not None
        return schema.mutation_type
    assert schema.query_type is not None
    return schema.query_type


def requested_cost(
    schema: GraphQLSchema,
    op: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Any,
    max_page: int = 250,
) -> tuple[int, list[CostProblem]]:
    """Cost of ``op`` before running it, and page-size problems found on the way."""
    walker = _Walker(schema, fragments, variables, max_page)
    root = _root(schema, op)
    if op.operation == OperationType.MUTATION:
        count = sum(1 for f in walker.fields(op.selection_set, root) if not f.name.value.startswith("__"))
        for f in walker.fields(op.selection_set, root):  # still check nested page sizes
            fdef = root.fields.get(f.name.value)
            if fdef is not None:
                walker.field_cost(f, fdef, root.name)
        return MUTATION_COST * count, walker.problems
    return walker.selection_cost(op.selection_set, root), walker.problems


def actual_cost(
    schema: GraphQLSchema,
    op: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Any,
    data: Any,
    requested: int,
) -> int:
    """Cost of what ``op`` returned (mutations: the requested cost)."""
    if op.operation == OperationType.MUTATION:
        return requested
    walker = _Walker(schema, fragments, variables, 10**9)
    return walker.actual_selection(op.selection_set, _root(schema, op), data)


# -- leaky bucket ------------------------------------------------------------------------------


@dataclass
class BucketStats:
    """What a test needs to tell whether a client stayed inside the bucket."""

    requests: int = 0  # requests that reached the cost check
    throttled: int = 0
    rejected_max_cost: int = 0
    max_cost_drawn: int = 0
    min_currently_available: int | None = None  # lowest value reported in throttleStatus
    lowest_level: float | None = None  # lowest level right after a draw (before the refund)
    total_requested: int = 0
    total_actual: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def observe(self, reported: int) -> None:
        if self.min_currently_available is None or reported < self.min_currently_available:
            self.min_currently_available = reported

    def drew(self, cost: int, level: float) -> None:
        self.max_cost_drawn = max(self.max_cost_drawn, cost)
        self.total_requested += cost
        if self.lowest_level is None or level < self.lowest_level:
            self.lowest_level = level


@dataclass
class LeakyBucket:
    """Per app-and-shop bucket of cost points, refilled continuously at ``restore_rate``/s."""

    maximum: float
    restore_rate: float
    available: float
    updated: float  # seconds (from the shop clock)
    stats: BucketStats = field(default_factory=BucketStats)

    @classmethod
    def full(cls, maximum: float, restore_rate: float, now: float) -> LeakyBucket:
        return cls(maximum, restore_rate, maximum, now)

    def level(self, now: float) -> float:
        if now > self.updated:
            self.available = min(self.maximum, self.available + (now - self.updated) * self.restore_rate)
            self.updated = now
        return self.available

    def take(self, cost: int, now: float) -> bool:
        """Draw ``cost`` points if the bucket holds them (a throttled request draws nothing)."""
        if self.level(now) < cost:
            return False
        self.available -= cost
        return True

    def refund(self, points: float, now: float) -> None:
        self.level(now)
        self.available = min(self.maximum, self.available + max(0.0, points))

    def status(self, now: float) -> dict[str, Any]:
        return {
            "maximumAvailable": float(self.maximum),
            "currentlyAvailable": int(self.level(now)),
            "restoreRate": float(self.restore_rate),
        }

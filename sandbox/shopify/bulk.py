"""Bulk query operations: an inner query run without page limits, its result kept as JSONL.

Rules from the bulk operations guide: the inner query needs at least one connection, at
most five, nested at most two deep; ``first``/``after`` are ignored; a node of a nested
connection becomes its own line carrying ``__parentId`` (so the parent must select
``id``) and follows its parent. One query operation per app and shop runs at a time.

An operation is CREATED when the mutation answers and COMPLETED once
``settings.bulk_delay_seconds`` have passed on the shop clock, checked whenever the shop is
asked (a GraphQL request, a file download, ``deliver_pending``); completion triggers
``bulk_operations/finish``. The file is served at ``/_sim/bulk/<id>.jsonl`` without a token,
as Shopify's signed download URLs are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
)

from .records import gid

if TYPE_CHECKING:
    from .state import ShopState

MAX_CONNECTIONS = 5
MAX_DEPTH = 2


@dataclass
class BulkOperation:
    id: int
    client_id: str
    query: str
    created_at: datetime
    completes_at: datetime
    lines: list[str]
    root_object_count: int
    base_url: str
    type: str = "QUERY"
    status: str = "CREATED"
    completed_at: datetime | None = None
    error_code: str | None = None

    @property
    def gid(self) -> str:
        return gid("BulkOperation", self.id)

    @property
    def body(self) -> bytes:
        """The JSONL file, built once per list of lines (status polls and downloads ask again)."""
        cached = self.__dict__.get("_body")
        if cached is None or cached[0] is not self.lines or cached[1] != len(self.lines):
            cached = (self.lines, len(self.lines), "".join(line + "\n" for line in self.lines).encode())
            self.__dict__["_body"] = cached
        return cached[2]

    @property
    def object_count(self) -> int:
        return len(self.lines) if self.status == "COMPLETED" else 0

    @property
    def file_size(self) -> int | None:
        return len(self.body) if self.status == "COMPLETED" and self.lines else None

    @property
    def url(self) -> str | None:
        if self.status != "COMPLETED" or not self.lines:
            return None
        return f"{self.base_url.rstrip('/')}/_sim/bulk/{self.id}.jsonl"


def connection_depths(schema: GraphQLSchema, document: DocumentNode) -> list[int]:
    """Depth (1 = top level) of every connection the inner query selects."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    op = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    depths: list[int] = []

    def walk(selection_set: SelectionSetNode | None, parent: Any, depth: int) -> None:
        if selection_set is None:
            return
        for sel in selection_set.selections:
            if isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                walk(sel.selection_set, schema.get_type(cond.name.value) if cond else parent, depth)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments:
                frag = fragments[sel.name.value]
                walk(frag.selection_set, schema.get_type(frag.type_condition.name.value), depth)
            elif isinstance(sel, FieldNode) and hasattr(parent, "fields"):
                fdef = parent.fields.get(sel.name.value)
                if fdef is None:
                    continue
                named = get_named_type(fdef.type)
                if is_leaf_type(named):
                    continue
                if named.name.endswith("Connection"):
                    depths.append(depth + 1)
                    walk(sel.selection_set, named, depth + 1)
                else:
                    walk(sel.selection_set, named, depth)

    walk(op.selection_set, schema.query_type, 0)
    return depths


def check(schema: GraphQLSchema, document: DocumentNode) -> str | None:
    """Why the inner query is not a valid bulk query, or None."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation.value != "query":
        return "Bulk queries must contain exactly one query operation."
    depths = connection_depths(schema, document)
    if not depths:
        return "Bulk queries must contain at least one connection."
    if len(depths) > MAX_CONNECTIONS:
        return f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
    if max(depths) > MAX_DEPTH:
        return f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_DEPTH}."
    return None


def _is_connection(value: Any) -> bool:
    return isinstance(value, dict) and (isinstance(value.get("edges"), list) or isinstance(value.get("nodes"), list))


def _nodes(connection: dict[str, Any]) -> list[Any]:
    if isinstance(connection.get("nodes"), list):
        return [n for n in connection["nodes"] if n is not None]
    return [e["node"] for e in connection.get("edges", []) if e and e.get("node") is not None]


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
"""``json.dumps(..., separators=(",", ":"), ensure_ascii=False)`` without a new encoder per line."""


def flatten(data: dict[str, Any]) -> tuple[list[str], int]:
    """JSONL lines of a bulk result (children after their parent) and the root object count."""
    lines: list[str] = []

    def emit(node: dict[str, Any], parent_id: str | None) -> None:
        own: dict[str, Any] = {}
        children: list[dict[str, Any]] = []
        for k, v in node.items():
            if isinstance(v, dict) and _is_connection(v):
                children.append(v)
            else:
                own[k] = v
        if children and "id" not in node:
            raise ValueError("The parent of a nested connection must select the 'id' field.")
        if parent_id is not None:
            own["__parentId"] = parent_id
        lines.append(_encode(own))
        for child in children:
            for item in _nodes(child):
                emit(item, node["id"])

    roots = 0
    for value in data.values():
        items = _nodes(value) if _is_connection(value) else [value] if value else []
        for item in items:
            roots += 1
            emit(item, None)
    return lines, roots


@dataclass
class BulkOperations:
    """The shop's bulk operations, by id."""

    state: ShopState
    operations: dict[int, BulkOperation] = field(default_factory=dict)

    def running(self, client_id: str) -> BulkOperation | None:
        self.refresh()
        return next(
            (
                op
                for op in self.operations.values()
                if op.client_id == client_id and op.status in ("CREATED", "RUNNING")
            ),
            None,
        )

    def current(self, client_id: str, kind: str = "QUERY") -> BulkOperation | None:
        self.refresh()
        mine = [op for op in self.operations.values() if op.client_id == client_id and op.type == kind]
        return max(mine, key=lambda op: op.id, default=None)

    def add(self, client_id: str, query: str, lines: list[str], roots: int, base_url: str) -> BulkOperation:
        now = self.state.now().replace(microsecond=0)
        op = BulkOperation(
            id=self.state.next_id("bulk_operation"),
            client_id=client_id,
            query=query,
            created_at=now,
            completes_at=now + timedelta(seconds=self.state.settings.bulk_delay_seconds),
            lines=lines,
            root_object_count=roots,
            base_url=base_url,
        )
        self.operations[op.id] = op
        return op

    def cancel(self, op: BulkOperation) -> None:
        if op.status in ("CREATED", "RUNNING"):
            op.status = "CANCELED"
            op.completed_at = self.state.now().replace(microsecond=0)
            self._finished(op)

    def refresh(self) -> None:
        """Complete every operation whose time has come (and announce it)."""
        with self.state.lock:
            now = self.state.now()
            for op in self.operations.values():
                if op.status in ("CREATED", "RUNNING") and now >= op.completes_at:
                    op.status = "COMPLETED"
                    op.completed_at = now.replace(microsecond=0)
                    self._finished(op)

    def _finished(self, op: BulkOperation) -> None:
        rest = self.state.webhooks.rest
        self.state.webhooks.trigger(
            "bulk_operations/finish",
            {
                "admin_graphql_api_id": op.gid,
                "completed_at": rest.time(op.completed_at),
                "created_at": rest.time(op.created_at),
                "error_code": op.error_code.lower() if op.error_code else None,
                "status": op.status.lower(),
                "type": op.type.lower(),
            },
        )

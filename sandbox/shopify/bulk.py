"""Bulk query operations: an inner query run without page limits, its result written as JSONL.

Rules from the bulk operations guide: the inner query needs at least one connection, at
most five, nested at most two deep; ``first``/``after`` are ignored; a node of a nested
connection becomes its own line carrying ``__parentId`` (so the parent must select
``id``) and follows its parent. One query operation per app and shop runs at a time.

As on Shopify, the mutation only creates the operation (CREATED); a thread runs it (RUNNING),
``CHUNK`` root objects per execution under the shop lock, appending each chunk's lines to a
file on disk so the result is never held in memory, ``objectCount`` and ``rootObjectCount``
counting up as it goes. It is COMPLETED once the file is written and
``settings.bulk_delay_seconds`` have passed on the shop clock (checked whenever the shop is
asked: a GraphQL request, a file download, ``deliver_pending``), or FAILED with an
``errorCode`` and whatever was written as ``partialDataUrl``; either triggers
``bulk_operations/finish``. The file is served at ``/_sim/bulk/<id>.jsonl`` without a
token, as Shopify's signed download URLs are.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
)

from .records import gid

if TYPE_CHECKING:
    from .state import ShopState

MAX_CONNECTIONS = 5
MAX_DEPTH = 2
CHUNK = 250
MISSING_PARENT_ID = "The parent of a nested connection must select the 'id' field."
"""Root objects per execution: the shop lock is held for one chunk, so other requests go on."""

Chunk = Callable[[DocumentNode, str | None], tuple[dict[str, Any], str | None]]
"""Runs one root field's document from a cursor: its data and the cursor of the next chunk."""


class BulkFailure(Exception):
    """The inner query failed while running; ``code`` is a ``BulkOperationErrorCode``."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


@dataclass
class BulkOperation:
    id: int
    client_id: str
    query: str
    created_at: datetime
    completes_at: datetime
    path: Path
    base_url: str
    type: str = "QUERY"
    status: str = "CREATED"
    completed_at: datetime | None = None
    error_code: str | None = None
    object_count: int = 0
    root_object_count: int = 0
    bytes_written: int = 0
    written: bool = False

    @property
    def gid(self) -> str:
        return gid("BulkOperation", self.id)

    @property
    def body(self) -> bytes:
        """The whole file, read from disk (for tests; the download streams it)."""
        return self.path.read_bytes() if self.bytes_written else b""

    @property
    def file_size(self) -> int | None:
        return self.bytes_written if self.url is not None else None

    @property
    def url(self) -> str | None:
        if self.status != "COMPLETED" or not self.object_count:
            return None
        return self._file_url()

    @property
    def partial_data_url(self) -> str | None:
        return self._file_url() if self.status == "FAILED" and self.bytes_written else None

    @property
    def downloadable(self) -> bool:
        return self.url is not None or self.partial_data_url is not None

    def _file_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/_sim/bulk/{self.id}.jsonl"


def _connections(schema: GraphQLSchema, document: DocumentNode) -> list[tuple[int, bool]]:
    """Depth (1 = top level) of every connection the inner query selects, and whether a nested
    one's parent selects ``id`` (its lines need it as ``__parentId``; top level: True)."""
    fragments = _fragments(document)
    op = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    found: list[tuple[int, bool]] = []

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
                    found.append((depth + 1, depth == 0 or "id" in _keys(selection_set, fragments)))
                    walk(sel.selection_set, named, depth + 1)
                else:
                    walk(sel.selection_set, named, depth)

    walk(op.selection_set, schema.query_type, 0)
    return found


def connection_depths(schema: GraphQLSchema, document: DocumentNode) -> list[int]:
    """Depth (1 = top level) of every connection the inner query selects."""
    return [depth for depth, _ in _connections(schema, document)]


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _keys(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> set[str]:
    """Response keys a selection set gives its object, through fragments."""
    return {(f.alias or f.name).value for f in _fields(selection_set.selections, fragments)}


def _fields(selections: Any, fragments: dict[str, FragmentDefinitionNode]) -> Iterator[FieldNode]:
    for sel in selections:
        if isinstance(sel, FieldNode):
            yield sel
        elif isinstance(sel, InlineFragmentNode):
            yield from _fields(sel.selection_set.selections, fragments)
        elif isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments:
            yield from _fields(fragments[sel.name.value].selection_set.selections, fragments)


def check(schema: GraphQLSchema, document: DocumentNode) -> str | None:
    """Why the inner query is not a valid bulk query, or None."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation.value != "query":
        return "Bulk queries must contain exactly one query operation."
    found = _connections(schema, document)
    depths = [depth for depth, _ in found]
    if not depths:
        return "Bulk queries must contain at least one connection."
    if len(depths) > MAX_CONNECTIONS:
        return f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
    if max(depths) > MAX_DEPTH:
        return f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_DEPTH}."
    if not all(has_id for _, has_id in found):
        return MISSING_PARENT_ID
    return None


def root_documents(document: DocumentNode) -> Iterator[DocumentNode]:
    """The inner query once per root field, so each root connection is read on in chunks from
    its own cursor and its lines stay together, in the order the query names them."""
    op = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = _fragments(document)
    for root in _fields(op.selection_set.selections, fragments):
        selections: tuple[SelectionNode, ...] = (root,)
        single = OperationDefinitionNode(
            operation=op.operation,
            name=op.name,
            variable_definitions=op.variable_definitions,
            directives=op.directives,
            selection_set=SelectionSetNode(selections=selections),
        )
        yield DocumentNode(definitions=(single, *fragments.values()))


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
            raise ValueError(MISSING_PARENT_ID)
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
    """The shop's bulk operations, by id, and the directory their files are written to."""

    state: ShopState
    operations: dict[int, BulkOperation] = field(default_factory=dict)
    _files: TemporaryDirectory[str] | None = None

    def running(self, client_id: str, kind: str = "QUERY") -> BulkOperation | None:
        self.refresh()
        return next(
            (
                op
                for op in self.operations.values()
                if op.client_id == client_id and op.type == kind and op.status in ("CREATED", "RUNNING")
            ),
            None,
        )

    def current(self, client_id: str, kind: str = "QUERY") -> BulkOperation | None:
        self.refresh()
        mine = [op for op in self.operations.values() if op.client_id == client_id and op.type == kind]
        return max(mine, key=lambda op: op.id, default=None)

    def start(self, client_id: str, query: str, document: DocumentNode, run: Chunk, base_url: str) -> BulkOperation:
        """Create the operation and start writing its file in a thread of its own."""
        if self._files is None:  # removed with this object (or at exit)
            self._files = TemporaryDirectory(prefix="shopify-sim-bulk-")
        now = self.state.now().replace(microsecond=0)
        number = self.state.next_id("bulk_operation")
        op = BulkOperation(
            id=number,
            client_id=client_id,
            query=query,
            created_at=now,
            completes_at=now + timedelta(seconds=self.state.settings.bulk_delay_seconds),
            path=Path(self._files.name) / f"{number}.jsonl",
            base_url=base_url,
        )
        self.operations[op.id] = op
        worker = threading.Thread(target=self._produce, args=(op, document, run), name=f"bulk-{number}", daemon=True)
        worker.start()
        return op

    def _produce(self, op: BulkOperation, document: DocumentNode, run: Chunk) -> None:
        """Run the inner query chunk by chunk, appending each chunk's lines to the file."""
        lock = self.state.lock
        try:
            with op.path.open("wb") as out:
                for single in root_documents(document):
                    after: str | None = None
                    while True:
                        with lock:
                            if op.status not in ("CREATED", "RUNNING"):
                                return  # cancelled
                            op.status = "RUNNING"
                            data, after = run(single, after)
                        lines, roots = flatten(data)
                        chunk = "".join(line + "\n" for line in lines).encode()
                        out.write(chunk)
                        with lock:
                            op.object_count += len(lines)
                            op.root_object_count += roots
                            op.bytes_written += len(chunk)
                        if after is None:
                            break
        except BulkFailure as exc:
            self._fail(op, exc.code)
        except Exception:  # noqa: BLE001 - any fault of the run is the operation's, as on Shopify
            self._fail(op, "INTERNAL_SERVER_ERROR")
        else:
            with lock:
                op.written = True
            self.refresh()

    def _fail(self, op: BulkOperation, code: str) -> None:
        with self.state.lock:
            if op.status in ("CREATED", "RUNNING"):
                op.status, op.error_code = "FAILED", code
                op.completed_at = self.state.now().replace(microsecond=0)
                self._finished(op)

    def cancel(self, op: BulkOperation) -> None:
        with self.state.lock:
            if op.status in ("CREATED", "RUNNING"):
                op.status = "CANCELED"
                op.completed_at = self.state.now().replace(microsecond=0)
                self._finished(op)

    def refresh(self) -> None:
        """Complete every written operation whose time has come (and announce it)."""
        with self.state.lock:
            now = self.state.now()
            for op in self.operations.values():
                if op.status in ("CREATED", "RUNNING") and op.written and now >= op.completes_at:
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

"""How much a caller may send in one argument: lists and strings, in the document or in variables.

These bounds keep a huge list or string from reaching a resolver or a database filter, where it
would cost a statement per item or fail as a server error. Lists follow Shopify's cap on input
arrays; strings are far longer than any name, reason, URL or note the API stores. Literals are
checked with validation (once per document, ``schema.core.limits``), variables before execution
with the cost (``schema.core.cost``, which also bounds page sizes), so neither adds a hook of its
own to a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError, ListValueNode, StringValueNode, ValidationRule

from schema.core.errors import ApiError, ErrorCode

MAX_LIST_ITEMS = 250
MAX_TEXT = 10_000


def _list_problem(size: int) -> str:
    return f"a list of {size} items is over the limit of {MAX_LIST_ITEMS}"


def _text_problem(size: int) -> str:
    return f"a string of {size} characters is over the limit of {MAX_TEXT}"


class LiteralBounds(ValidationRule):
    """Lists and strings written in the document itself (checked once per document, with validation)."""

    def enter_list_value(self, node: ListValueNode, *_: Any) -> None:
        if len(node.values) > MAX_LIST_ITEMS:
            self.report_error(
                GraphQLError(_list_problem(len(node.values)), node, extensions={"code": ErrorCode.BAD_USER_INPUT.value})
            )

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if len(node.value) > MAX_TEXT:
            self.report_error(
                GraphQLError(_text_problem(len(node.value)), node, extensions={"code": ErrorCode.BAD_USER_INPUT.value})
            )


def oversized(value: Any, path: str) -> str | None:
    """Where a variable's value holds a list or string over its bound, and why; ``None`` when none does."""
    if isinstance(value, str):
        return f"{path}: {_text_problem(len(value))}" if len(value) > MAX_TEXT else None
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            return f"{path}: {_list_problem(len(value))}"
        return next((p for i, item in enumerate(value) if (p := oversized(item, f"{path}.{i}"))), None)
    if isinstance(value, Mapping):
        return next((p for key, item in value.items() if (p := oversized(item, f"{path}.{key}"))), None)
    return None


def variable_problem(variables: Mapping[str, Any] | None) -> ApiError | None:
    """The error for the first variable holding an over-long list or string, if one does."""
    for name, value in (variables or {}).items():
        if problem := oversized(value, f"${name}"):
            return ApiError(problem, ErrorCode.BAD_USER_INPUT)
    return None

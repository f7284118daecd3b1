"""The part of Shopify's search syntax (the ``query:`` argument) that the simulator honours.

Supported: ``field:value`` with ``:<``, ``:>``, ``:<=``, ``:>=``; single or double quotes;
implicit and explicit ``AND``; ``OR`` (lower precedence than AND); ``NOT`` or a leading
``-``; a trailing ``*`` for prefix match on text; bare words as free text. Parentheses are
not supported. Unknown fields are ignored and reported as warnings, as Shopify reports
them in ``extensions.search``.

Dates: quoted values are read in full. An *unquoted* value loses its time part
(``updated_at:>2026-11-01T10:00:00Z`` acts as ``>2026-11-01``), following the Shopify
support note that the docs' "date values must be quoted" rule exists for this reason;
``SimSettings.unquoted_datetime_ignores_time`` turns that off. Values without a zone are UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

_OPS = ((":<=", "<="), (":>=", ">="), (":<", "<"), (":>", ">"), (":", "="))


@dataclass(frozen=True)
class Term:
    field: str | None
    op: str  # = < > <= >=
    value: str
    quoted: bool
    negated: bool = False


@dataclass(frozen=True)
class Field:
    """How one searchable field reads a record: ``kind`` is datetime, number, text or exact."""

    get: Callable[[Any], Any]
    kind: str = "exact"


class SearchError(ValueError):
    pass


def _tokens(query: str) -> list[tuple[str, bool]]:
    """Split on whitespace outside quotes; returns (token, had_quotes)."""
    out: list[tuple[str, bool]] = []
    buf: list[str] = []
    quote: str | None = None
    quoted = False
    for ch in query:
        if quote:
            if ch == quote:
                quote = None
            else:
                buf.append(ch)
        elif ch in "'\"":
            quote, quoted = ch, True
        elif ch.isspace():
            if buf or quoted:
                out.append(("".join(buf), quoted))
            buf, quoted = [], False
        else:
            buf.append(ch)
    if quote:
        raise SearchError(f"unbalanced quote in {query!r}")
    if buf or quoted:
        out.append(("".join(buf), quoted))
    return out


def _term(token: str, quoted: bool, negated: bool) -> Term:
    if token.startswith("-") and len(token) > 1 and not quoted:
        return _term(token[1:], quoted, not negated)
    head, sep, _ = token.partition(":")
    if sep and head and " " not in head:
        rest = token[len(head) :]
        for prefix, op in _OPS:
            if rest.startswith(prefix):
                return Term(head.lower(), op, rest[len(prefix) :], quoted, negated)
    return Term(None, "=", token, quoted, negated)


def parse(query: str | None) -> list[list[Term]]:
    """Disjunction of conjunctions of terms."""
    groups: list[list[Term]] = [[]]
    negate_next = False
    for token, quoted in _tokens(query or ""):
        if not quoted and token == "OR":
            groups.append([])
        elif not quoted and token == "AND":
            continue
        elif not quoted and token == "NOT":
            negate_next = True
        else:
            groups[-1].append(_term(token, quoted, negate_next))
            negate_next = False
    return [g for g in groups if g]


def parse_datetime(value: str, quoted: bool, ignore_unquoted_time: bool) -> datetime:
    text = value.strip()
    if not quoted and ignore_unquoted_time and "T" in text:
        text = text.split("T", 1)[0]
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d")
            return datetime.combine(day.date(), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError as exc:
        raise SearchError(f"invalid date {value!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _compare(left: Any, op: str, right: Any) -> bool:
    if left is None:
        return False
    if op == "=":
        return left == right
    if op == "<":
        return left < right
    if op == ">":
        return left > right
    if op == "<=":
        return left <= right
    return left >= right


@dataclass
class Matcher:
    """A compiled search string for one resource."""

    groups: list[list[Term]]
    fields: Mapping[str, Field]
    text: Callable[[Any], str]
    ignore_unquoted_time: bool = True
    warnings: list[dict[str, str]] | None = None

    def __post_init__(self) -> None:
        self.warnings = []
        compiled: list[list[tuple[Term, Any]]] = []
        for group in self.groups:
            kept = []
            for term in group:
                if term.field is not None and term.field not in self.fields:
                    self.warnings.append({"field": term.field, "message": "Invalid search field for this query."})
                    continue
                kept.append((term, self._value(term)))
            compiled.append(kept)
        self._compiled = compiled

    def _value(self, term: Term) -> Any:
        if term.field is None:
            return term.value.lower()
        f = self.fields[term.field]
        if f.kind == "datetime":
            return parse_datetime(term.value, term.quoted, self.ignore_unquoted_time)
        if f.kind == "number":
            raw = term.value.rsplit("/", 1)[-1]
            try:
                return int(raw)
            except ValueError as exc:
                raise SearchError(f"invalid number {term.value!r}") from exc
        return term.value.lower()

    def _match_term(self, term: Term, value: Any, record: Any) -> bool:
        if term.field is None:
            hit = value in self.text(record).lower()
        else:
            f = self.fields[term.field]
            actual = f.get(record)
            if f.kind in ("text", "exact"):
                values = actual if isinstance(actual, list | tuple | set) else [actual]
                values = [str(v).lower() for v in values if v is not None]
                if value.endswith("*"):
                    hit = any(v.startswith(value[:-1]) for v in values)
                elif f.kind == "text":
                    hit = any(value in v for v in values)
                else:
                    hit = value in values
            else:
                hit = _compare(actual, term.op, value)
        return hit != term.negated

    def __call__(self, record: Any) -> bool:
        if not self._compiled:
            return True
        return any(all(self._match_term(term, value, record) for term, value in group) for group in self._compiled)


def compile_query(
    query: str | None,
    fields: Mapping[str, Field],
    text: Callable[[Any], str],
    *,
    ignore_unquoted_time: bool = True,
) -> Matcher:
    return Matcher(parse(query), fields, text, ignore_unquoted_time)

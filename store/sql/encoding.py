"""Values on their way into and out of raw SQL, as Tortoise's fields would write and read them.

One PostgreSQL type map, one JSON encoder and one SQLite value text, shared by every batch
statement, so what the ORM reads back is what was written here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tortoise import fields

_PG_TYPES: tuple[tuple[type[fields.Field[Any]], str], ...] = (
    (fields.BooleanField, "boolean"),
    (fields.DecimalField, "numeric"),
    (fields.DatetimeField, "timestamptz"),
    (fields.DateField, "date"),
    (fields.JSONField, "jsonb"),
    (fields.IntField, "bigint"),
    (fields.FloatField, "double precision"),
)


def pg_type(field: fields.Field[Any] | None) -> str:
    """The PostgreSQL type a batch column of this field is read as (text when nothing closer fits)."""
    for cls, sql_type in _PG_TYPES:
        if isinstance(field, cls):
            return sql_type
    return "text"


def is_json(field: fields.Field[Any] | None) -> bool:
    return isinstance(field, fields.JSONField)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} for a batch")


def dumps(value: Any) -> str:
    """Compact JSON with ``Decimal`` as a string and dates in ISO format."""
    return json.dumps(value, default=_json_default, separators=(",", ":"))


def sqlite_value(field: fields.Field[Any] | None, value: Any) -> Any:
    """The text SQLite holds for a value, exactly as Tortoise's fields write it."""
    if value is None:
        return None
    if isinstance(field, fields.DecimalField):
        return str(Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)))
    if isinstance(field, fields.DatetimeField):
        return str(value.astimezone(UTC))
    if isinstance(field, fields.DateField):
        return value.isoformat()
    return value


def reader(field: fields.Field[Any] | None, postgres: bool) -> Callable[[Any], Any] | None:
    """How a raw driver value becomes what the ORM would return, or ``None`` if it already is.

    asyncpg returns booleans, numerics and timestamps typed (JSON as text); SQLite returns
    text and integers, which Tortoise's own fields convert.
    """
    if field is None:
        return None
    if isinstance(field, fields.JSONField):
        return field.to_python_value
    if postgres:
        return None
    if isinstance(field, fields.BooleanField | fields.DecimalField | fields.DatetimeField | fields.DateField):
        return field.to_python_value
    return None

"""Column lists derived from the classes that mirror a table's rows, so a column is named once."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from typing import Any

from tortoise.models import Model


def columns_of(record: type[Any], *, exclude: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The field names of a dataclass, in declaration order, less ``exclude``."""
    return tuple(f.name for f in dataclasses.fields(record) if f.name not in exclude)


def model_columns(model: type[Model], *, exclude: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The columns of an initialised model (relations' ``*_id`` included), less ``exclude``."""
    return tuple(name for name in model._meta.fields_db_projection if name not in exclude)


def values_of(columns: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A function returning an object's attributes in ``columns`` order: ``operator.attrgetter``,
    which builds the tuple in C (rows are built a thousand at a time on the hot paths)."""
    get = operator.attrgetter(*columns)
    if len(columns) == 1:
        return lambda obj: (get(obj),)
    return get

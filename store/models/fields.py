"""Field types shared by the models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal, overload

from tortoise import fields

from store.crypto import Secret, decrypt, encrypt

_PREFIX = "fernet:"


class EncryptedTextField(fields.TextField):
    """Text stored as a Fernet token; Python sees a ``Secret`` that hides itself in reprs.

    Tortoise calls ``to_python_value`` on constructor arguments too, so stored tokens carry a
    prefix that tells them apart from a plaintext just assigned.
    """

    def to_db_value(self, value: Any, instance: Any) -> str | None:
        if value is None:
            return None
        return _PREFIX + encrypt(str(value))

    def to_python_value(self, value: Any) -> Secret | None:
        if value is None or isinstance(value, Secret):
            return value
        if value.startswith(_PREFIX):
            return Secret(decrypt(value.removeprefix(_PREFIX)))
        return Secret(value)


@overload
def MoneyField(*, null: Literal[False] = False, **kwargs: Any) -> fields.DecimalField[Decimal]: ...


@overload
def MoneyField(*, null: Literal[True], **kwargs: Any) -> fields.DecimalField[Decimal | None]: ...


def MoneyField(**kwargs: Any) -> fields.DecimalField[Any]:  # noqa: N802 - reads like a field class
    """Money as an exact Decimal: 4 places covers every ISO currency's minor unit."""
    kwargs.setdefault("default", Decimal("0"))
    field: fields.DecimalField[Any] = fields.DecimalField(max_digits=18, decimal_places=4, **kwargs)
    return field

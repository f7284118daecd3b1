"""Error codes of the credential mutations."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.core.errors import UserError


@strawberry.enum
class ApiKeyErrorCode(Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_REVOKED = "ALREADY_REVOKED"


@strawberry.type
class ApiKeyUserError(UserError):
    code: ApiKeyErrorCode


@strawberry.enum
class ShopperTokenErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"


@strawberry.type
class ShopperTokenUserError(UserError):
    code: ShopperTokenErrorCode

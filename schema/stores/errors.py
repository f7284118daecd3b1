"""Error codes of the store mutations."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.core.errors import UserError


@strawberry.enum
class StoreLinkErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_CODE = "INVALID_CODE"
    EXPIRED = "EXPIRED"
    ALREADY_USED = "ALREADY_USED"
    ALREADY_LINKED = "ALREADY_LINKED"


@strawberry.type
class StoreLinkUserError(UserError):
    code: StoreLinkErrorCode


@strawberry.enum
class StorefrontOriginErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"


@strawberry.type
class StorefrontOriginUserError(UserError):
    code: StorefrontOriginErrorCode

"""Error codes of the replay mutations."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.core.errors import UserError


@strawberry.enum
class ReplayErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_FAILED = "NOT_FAILED"
    UNAVAILABLE = "UNAVAILABLE"


@strawberry.type
class ReplayUserError(UserError):
    code: ReplayErrorCode

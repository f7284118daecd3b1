"""Error codes of the identity, privacy and refresh mutations."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.core.errors import UserError


@strawberry.enum
class IdentityErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    NOT_ONE_PROFILE = "NOT_ONE_PROFILE"
    NOTHING_LEFT = "NOTHING_LEFT"
    TOO_FEW_PROFILES = "TOO_FEW_PROFILES"
    NO_EVIDENCE = "NO_EVIDENCE"


@strawberry.type
class IdentityUserError(UserError):
    code: IdentityErrorCode


@strawberry.enum
class PrivacyErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    ALREADY_ERASED = "ALREADY_ERASED"


@strawberry.type
class PrivacyUserError(UserError):
    code: PrivacyErrorCode


@strawberry.enum
class InsightsRefreshErrorCode(Enum):
    ALREADY_QUEUED = "ALREADY_QUEUED"
    UNAVAILABLE = "UNAVAILABLE"
    INVALID = "INVALID"


@strawberry.type
class InsightsRefreshUserError(UserError):
    code: InsightsRefreshErrorCode

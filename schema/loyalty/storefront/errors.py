"""Error codes of the storefront's loyalty mutations (redeeming rewards, recording actions)."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.core.errors import UserError


@strawberry.enum
class RedeemErrorCode(Enum):
    NOT_SIGNED_IN = "NOT_SIGNED_IN"
    NOT_FOUND = "NOT_FOUND"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    INVALID = "INVALID"
    ISSUE_FAILED = "ISSUE_FAILED"
    LOCKED = "LOCKED"
    """The shopper's tier or value tier does not open the reward, or it has not started for them."""
    LIMIT_REACHED = "LIMIT_REACHED"
    OUT_OF_STOCK = "OUT_OF_STOCK"


@strawberry.type
class RedeemUserError(UserError):
    code: RedeemErrorCode


@strawberry.enum
class ActionErrorCode(Enum):
    NOT_SIGNED_IN = "NOT_SIGNED_IN"
    UNKNOWN_ACTION = "UNKNOWN_ACTION"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    INVALID = "INVALID"
    LOCKED = "LOCKED"
    VERIFIED_ONLY = "VERIFIED_ONLY"
    """signup, newsletter and review: paid from the platform or the signed review endpoint only."""


@strawberry.type
class ActionUserError(UserError):
    code: ActionErrorCode


@strawberry.enum
class AccountLinkErrorCode(Enum):
    NOT_SIGNED_IN = "NOT_SIGNED_IN"
    INVALID = "INVALID"
    INVALID_CODE = "INVALID_CODE"
    EXPIRED = "EXPIRED"
    ALREADY_USED = "ALREADY_USED"
    SAME_ACCOUNT = "SAME_ACCOUNT"
    RATE_LIMITED = "RATE_LIMITED"


@strawberry.type
class AccountLinkUserError(UserError):
    code: AccountLinkErrorCode

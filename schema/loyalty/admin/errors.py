"""Error codes of the loyalty mutations on the admin API."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.core.errors import UserError


@strawberry.enum(description="Why a loyalty mutation did nothing")
class LoyaltyErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    ALREADY_DECIDED = "ALREADY_DECIDED"


@strawberry.type(description="A loyalty mutation's business failure, at the input field it concerns")
class LoyaltyUserError(UserError):
    code: LoyaltyErrorCode


def invalid(message: str, *path: str) -> LoyaltyUserError:
    """An INVALID error at ``input.<path>``."""
    return LoyaltyUserError(field=["input", *path], message=message, code=LoyaltyErrorCode.INVALID)


def not_found(message: str, *path: str) -> LoyaltyUserError:
    return LoyaltyUserError(field=["input", *path], message=message, code=LoyaltyErrorCode.NOT_FOUND)

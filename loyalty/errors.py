"""What the loyalty engine refuses, as one small class per refusal under ``LoyaltyError``.

Callers (the API, the CLI, jobs) catch these and show their message; a bare ``ValueError``
from inside the engine is then a bug, not a refusal, and is not shown as one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # only named in a signature; keeps this module free of the ORM
    from store.discounts import IssueError


class LoyaltyErrorCode(StrEnum):
    NO_PROGRAM = "no_program"
    INVALID_RULES = "invalid_rules"
    VERSION_OUT_OF_ORDER = "version_out_of_order"
    ADJUSTMENT_UNEXPLAINED = "adjustment_unexplained"
    UNKNOWN_ACTION = "unknown_action"
    UNKNOWN_REFERRAL_CODE = "unknown_referral_code"
    ACROSS_MERCHANTS = "across_merchants"
    NOT_ONE_PERSON = "not_one_person"
    ACCOUNT_LINK_REFUSED = "account_link_refused"
    REDEMPTION_ERROR = "redemption_error"
    INSUFFICIENT_POINTS = "insufficient_points"
    INVALID_REDEMPTION = "invalid"
    ISSUE_FAILED = "issue_failed"
    REWARD_LOCKED = "reward_locked"
    LIMIT_REACHED = "limit_reached"
    OUT_OF_STOCK = "out_of_stock"


class LoyaltyError(Exception):
    """A business rule of the program refused the request; the message is meant for people."""

    code: ClassVar[LoyaltyErrorCode]


class NoProgram(LoyaltyError):
    """The merchant has published no program version yet."""

    code = LoyaltyErrorCode.NO_PROGRAM


class InvalidRules(LoyaltyError):
    """A set of rules the engine cannot run (an unknown mode or field, tiers out of order)."""

    code = LoyaltyErrorCode.INVALID_RULES


class VersionOutOfOrder(LoyaltyError):
    """Versions take effect in the order they are published, so history keeps its rules."""

    code = LoyaltyErrorCode.VERSION_OUT_OF_ORDER


class AdjustmentUnexplained(LoyaltyError):
    """A manual adjustment without the reason and actor the ledger keeps for it."""

    code = LoyaltyErrorCode.ADJUSTMENT_UNEXPLAINED


class UnknownAction(LoyaltyError):
    """The program rewards no action of that name."""

    code = LoyaltyErrorCode.UNKNOWN_ACTION


class UnknownReferralCode(LoyaltyError):
    code = LoyaltyErrorCode.UNKNOWN_REFERRAL_CODE


class AcrossMerchants(LoyaltyError):
    """Balances never cross merchants: each merchant's program and ledger stand alone."""

    code = LoyaltyErrorCode.ACROSS_MERCHANTS


class NotOnePerson(LoyaltyError):
    """Only accounts that identity resolution matched as one person can be confirmed to share a balance."""

    code = LoyaltyErrorCode.NOT_ONE_PERSON


class RedemptionError(LoyaltyError):
    code = LoyaltyErrorCode.REDEMPTION_ERROR


class InsufficientPoints(RedemptionError):
    """The member's available points do not cover the reward."""

    code = LoyaltyErrorCode.INSUFFICIENT_POINTS

    def __init__(self, available: int, needed: int) -> None:
        super().__init__(f"insufficient points: {needed} needed, {max(0, available)} available")
        self.available, self.needed = available, needed


class InvalidRedemption(RedemptionError):
    code = LoyaltyErrorCode.INVALID_REDEMPTION


class RedemptionFailed(RedemptionError):
    """The store could not issue the code; the points were given back."""

    code = LoyaltyErrorCode.ISSUE_FAILED

    def __init__(self, redemption_id: int, error: IssueError, message: str) -> None:
        super().__init__(
            f"the store could not issue the discount code ({error.value}): {message}; your points were returned"
        )
        self.redemption_id, self.error, self.detail = redemption_id, error, message


class RewardLocked(RedemptionError):
    """The member's tier or value tier does not open the reward, or it has not started for them."""

    code = LoyaltyErrorCode.REWARD_LOCKED

    def __init__(self, message: str, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reasons = reasons


class LimitReached(RedemptionError):
    """The member redeemed the reward as often as its limit allows in the period."""

    code = LoyaltyErrorCode.LIMIT_REACHED


class OutOfStock(RedemptionError):
    """Every code of the reward's stock was taken."""

    code = LoyaltyErrorCode.OUT_OF_STOCK

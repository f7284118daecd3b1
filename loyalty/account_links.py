"""Shopper-made ownership links: a code issued to a signed-in account, redeemed by another
signed-in account of the same merchant, makes the two share one balance.

Only the person signed in to both accounts can carry the code across, so this establishes
ownership where no platform verified an email (every WooCommerce account). Codes are 80 random
bits, kept as a hash, live 15 minutes, work once, and both issuing and failed redemptions are
counted per account in the database (so the limits hold across web processes, with or without
Redis). A code of another merchant reads as unknown, so probing learns nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from loyalty.errors import LoyaltyError, LoyaltyErrorCode
from loyalty.models import AccountLinkAttempt, AccountLinkCode, Transfer
from loyalty.ownership import OwnershipReason, link_accounts
from store.link_codes import code_hash, new_code
from store.models import Customer

CODE_TTL = timedelta(minutes=15)
WINDOW = timedelta(hours=1)
ISSUE_LIMIT = 5
"""Codes one account may issue per hour."""
FAILURE_LIMIT = 5
"""Failed redemptions one account may make per hour: 5 guesses at 80 bits is no search."""
MAX_CODE_LENGTH = 40


class LinkFailure(StrEnum):
    INVALID_CODE = "INVALID_CODE"
    EXPIRED = "EXPIRED"
    ALREADY_USED = "ALREADY_USED"
    SAME_ACCOUNT = "SAME_ACCOUNT"
    RATE_LIMITED = "RATE_LIMITED"


class LinkError(LoyaltyError):
    code = LoyaltyErrorCode.ACCOUNT_LINK_REFUSED

    def __init__(self, failure: LinkFailure, message: str) -> None:
        super().__init__(message)
        self.failure = failure


async def issue_code(
    customer_id: int, *, ttl: timedelta = CODE_TTL, now: datetime | None = None
) -> tuple[str, datetime]:
    """A fresh code for this signed-in account and when it expires (never later than ``CODE_TTL``)."""
    now = now or datetime.now(UTC)
    customer = await Customer.get(id=customer_id)
    recent = await AccountLinkCode.filter(customer_id=customer_id, created_at__gte=now - WINDOW).count()
    if recent >= ISSUE_LIMIT:
        raise LinkError(LinkFailure.RATE_LIMITED, f"at most {ISSUE_LIMIT} link codes an hour; try again later")
    code = new_code()
    expires_at = now + min(ttl, CODE_TTL)
    await AccountLinkCode.create(
        merchant_id=customer.merchant_id,
        customer_id=customer_id,
        code_hash=code_hash(code),
        expires_at=expires_at,
        created_at=now,
    )
    return code, expires_at


async def redeem_code(code: str, customer_id: int, *, now: datetime | None = None) -> list[Transfer]:
    """Link the code's account with this signed-in account; the code is spent on success."""
    now = now or datetime.now(UTC)
    customer = await Customer.get(id=customer_id)
    failures = await AccountLinkAttempt.filter(customer_id=customer_id, created_at__gte=now - WINDOW).count()
    if failures >= FAILURE_LIMIT:
        raise LinkError(LinkFailure.RATE_LIMITED, "too many failed link codes; try again in an hour")
    try:
        link = await _usable(code, customer, now)
        spent = await AccountLinkCode.filter(id=link.id, used_at=None).update(used_at=now, used_by_id=customer_id)
        if not spent:
            raise LinkError(LinkFailure.ALREADY_USED, "this link code was already used")
    except LinkError:
        await AccountLinkAttempt.create(merchant_id=customer.merchant_id, customer_id=customer_id, created_at=now)
        raise
    return await link_accounts([link.customer_id, customer_id], OwnershipReason.SHOPPER_LINK, now=now)


async def _usable(code: str, customer: Customer, now: datetime) -> AccountLinkCode:
    unknown = LinkError(LinkFailure.INVALID_CODE, "no such link code")
    if not code or len(code) > MAX_CODE_LENGTH:
        raise unknown
    link = await AccountLinkCode.get_or_none(code_hash=code_hash(code))
    if link is None or link.merchant_id != customer.merchant_id:
        raise unknown
    if not await Customer.filter(id=link.customer_id, deleted_at=None).exists():
        raise unknown
    if link.used_at is not None:
        raise LinkError(LinkFailure.ALREADY_USED, "this link code was already used")
    if link.expires_at <= now:
        raise LinkError(LinkFailure.EXPIRED, "this link code has expired; issue a new one")
    if link.customer_id == customer.id:
        raise LinkError(LinkFailure.SAME_ACCOUNT, "redeem the code signed in to your other account")
    return link

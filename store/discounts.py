"""The discount-code interface: what loyalty asks of a platform when a shopper redeems a reward.

Loyalty depends only on this protocol; ``app`` hands it the connector of the store at hand,
and loyalty's own tests use a recording fake. The caller chooses the code, so a retried
request cannot create two codes for one redemption.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from store.models import Store


class DiscountKind(StrEnum):
    FIXED_AMOUNT = "fixed_amount"
    PERCENTAGE = "percentage"
    FREE_SHIPPING = "free_shipping"
    FREE_PRODUCT = "free_product"


@dataclass(frozen=True, slots=True)
class DiscountRequest:
    """One unique, single-use code for one shopper on one store."""

    code: str
    kind: DiscountKind
    value: Decimal = Decimal("0")
    """Money off in the store's currency, or percent off (``10`` is 10 %); unused for free shipping."""
    title: str = ""
    customer_platform_id: str | None = None
    customer_email: str | None = None
    minimum_subtotal: Decimal | None = None
    expires_at: datetime | None = None
    product_platform_id: str | None = None
    """The product given away by a free-product reward."""
    starts_at: datetime | None = None
    """The code works from then (early access, a launch); from now when ``None``."""
    usage_limit: int | None = 1
    """Uses in all (``None``: unlimited, for a tier perk the member keeps while in the tier)."""


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    platform_id: str
    """The platform's id of the discount (a Shopify gid, a WooCommerce coupon id)."""
    expires_at: datetime | None = None


class IssueError(StrEnum):
    REJECTED = "rejected"
    """The platform refused the request as invalid (e.g. a duplicate code): retrying will not help."""
    UNAVAILABLE = "unavailable"
    """The platform could not be reached or kept failing: a later retry may work."""
    UNAUTHORIZED = "unauthorized"
    """The store's credentials no longer work (uninstalled, revoked)."""


@dataclass(frozen=True, slots=True)
class IssueFailed:
    error: IssueError
    message: str


class DiscountIssuer(Protocol):
    async def issue(self, store: Store, request: DiscountRequest) -> IssuedCode | IssueFailed: ...

    async def revoke(self, store: Store, platform_id: str) -> IssueFailed | None:
        """Delete a code from the platform; ``None`` once it is gone (also when it already was)."""
        ...

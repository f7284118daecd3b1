"""The per-request context: who is asking, the request's own DataLoaders, and app services.

Everything here is built per request by the HTTP layer (``app.http.graphql``), so no cached
row can cross requests, shoppers or merchants. Services the schema needs from ``app`` (minting
credentials, replaying jobs) are protocols here and implemented there, as the store's
``DiscountIssuer`` is: the schema never imports ``app``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import strawberry

from schema.core.errors import ApiError, ErrorCode

if TYPE_CHECKING:
    from schema.loaders import AdminLoaders
    from schema.shopper.dataloaders import StorefrontLoaders
    from store.discounts import DiscountIssuer
    from store.models import ApiKey, Customer, Store


@dataclass(frozen=True)
class IssuedApiKey:
    key: ApiKey
    secret: str


class Credentials(Protocol):
    """Mints what the HTTP layer later verifies; the formats live in ``app.auth``."""

    async def issue_api_key(self, merchant_id: int, name: str) -> IssuedApiKey: ...

    def mint_shopper_token(self, store_id: int, customer_id: int, ttl_seconds: int | None) -> tuple[str, datetime]: ...

    def review_intake(self, store_id: int) -> tuple[str, str]:
        """The review endpoint's URL and the store's review secret."""
        ...

    def complaint_intake(self, store_id: int) -> tuple[str, str]:
        """The complaint endpoint's URL and the store's complaint secret."""
        ...


class JobReplayer(Protocol):
    async def replay(self, job_id: int) -> None: ...


class WebhookReplayer(Protocol):
    async def replay(self, event_id: int) -> None:
        """Queue a stored delivery for processing again."""
        ...


class InsightsRefresher(Protocol):
    """Queues a merchant's insights refresh on the deployment's job queue."""

    async def refresh(self, merchant_id: int, as_of: datetime | None) -> bool:
        """``False`` when a refresh of this merchant is already waiting in the queue."""
        ...


class CampaignRunner(Protocol):
    """Queues a merchant's campaign run, or its mail due now, on the deployment's job queue (never
    runs either in the request)."""

    async def run(self, merchant_id: int) -> None: ...

    async def send(self, merchant_id: int) -> None:
        """Send the merchant's mail that is due now (a reply the shopper waits for), not at the next tick."""
        ...


class AddressCheck(Protocol):
    """Why the app would refuse to call ``url`` (scheme, or an address that is not public), or None."""

    async def __call__(self, url: str) -> str | None: ...


class DiscountIssuers(Protocol):
    """The platform that creates discount codes for a store's redemptions (its connector)."""

    def issuer_for(self, store: Store) -> DiscountIssuer: ...


class AdminVia(StrEnum):
    """How a store owner signed in: an embedded-app session token (one store) or a merchant API key."""

    SESSION_TOKEN = "session_token"
    API_KEY = "api_key"


class ShopperVia(StrEnum):
    """How a shopper signed in: through the platform's app proxy or with a shopper token."""

    APP_PROXY = "app_proxy"
    SHOPPER_TOKEN = "shopper_token"


@dataclass(frozen=True)
class AdminViewer:
    """A store owner: by embedded-app session token (one store) or by merchant API key."""

    merchant_id: int
    store_id: int | None
    via: AdminVia

    @property
    def actor(self) -> str:
        """Who acts, for audit trails: ids only, never a name or an email."""
        store = f":store:{self.store_id}" if self.store_id is not None else ""
        return f"admin:{self.via}:merchant:{self.merchant_id}{store}"


@dataclass(frozen=True)
class ShopperViewer:
    """A storefront caller: the store (by public key) and, when signed in, its customer."""

    store: Store
    customer_id: int | None
    via: ShopperVia | None
    """``None`` for an anonymous caller."""
    customer: Customer | None = None
    """The signed-in customer's row as the sign-in read it, so ``me`` need not read it again."""


@dataclass
class Services:
    credentials: Credentials
    jobs: JobReplayer | None = None
    webhooks: WebhookReplayer | None = None
    insights: InsightsRefresher | None = None
    discounts: DiscountIssuers | None = None
    development: bool = False
    """The deployment runs with ENVIRONMENT=development (local http URLs are allowed, for one)."""
    outgoing: AddressCheck | None = None
    """The egress rule outgoing calls obey, to refuse a merchant's URL when it is entered."""
    campaigns: CampaignRunner | None = None


@dataclass
class AdminContext:
    viewer: AdminViewer
    loaders: AdminLoaders
    services: Services
    request: Any = None
    extensions: dict[str, Any] = field(default_factory=dict)


@dataclass
class StorefrontContext:
    viewer: ShopperViewer
    loaders: StorefrontLoaders
    services: Services
    request: Any = None
    extensions: dict[str, Any] = field(default_factory=dict)

    def require_shopper(self) -> int:
        if self.viewer.customer_id is None:
            raise ApiError(
                "sign in as a shopper first (app proxy signature or shopper token)", ErrorCode.UNAUTHENTICATED
            )
        return self.viewer.customer_id


AdminInfo = strawberry.Info[AdminContext, None]
StorefrontInfo = strawberry.Info[StorefrontContext, None]

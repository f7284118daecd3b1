"""Admin types of profiles (one per person) and store-level customers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from loyalty.models import Member
from schema.core.arguments import Window
from schema.core.batching import present
from schema.core.context import AdminInfo
from schema.core.ids import to_gid
from schema.core.node import Node
from schema.core.pagination import Connection, Ordering, paginate_loaded
from schema.insights.profile import ProfileInsights
from schema.orders.types import ORDERS, OrderNode
from store.models import Customer, Profile

if TYPE_CHECKING:
    from schema.feedback.report import ProfileFeedbackNode
    from schema.loyalty.admin.members import LoyaltyMemberNode
    from schema.stores.types import StoreNode

CUSTOMERS = Ordering("created_at")
PROFILES = Ordering("created_at")


@strawberry.type(name="Customer", description="A customer as one store knows them")
class CustomerNode(Node):
    row: strawberry.Private[Customer]
    platform_id: str
    is_guest: bool
    email: str | None
    phone: str | None
    first_name: str | None
    last_name: str | None
    accepts_marketing: bool
    verified_email: bool = strawberry.field(
        description="the platform says the account holder proved this email "
        "(Shopify); a balance is shared on it, never on an unverified one"
    )
    created_at: datetime | None = strawberry.field(description="when the platform created the account")

    @strawberry.field
    def display_name(self) -> str:
        return _display_name(self.row)

    @strawberry.field
    async def store(self, info: AdminInfo) -> Annotated[StoreNode, strawberry.lazy("schema.stores.types")]:
        from schema.stores.types import StoreNode

        return StoreNode.of(present(await info.context.loaders.store.load(self.row.store_id)))

    @strawberry.field
    async def profile(self, info: AdminInfo) -> Annotated[ProfileNode, strawberry.lazy("schema.people.types")] | None:
        if self.row.profile_id is None:
            return None
        row = await info.context.loaders.profile.load(self.row.profile_id)
        return ProfileNode.of(row) if row is not None else None

    @strawberry.field(
        description="the membership holding this account's points; null until loyalty has seen the account"
    )
    async def loyalty(
        self, info: AdminInfo
    ) -> Annotated[LoyaltyMemberNode, strawberry.lazy("schema.loyalty.admin.members")] | None:
        from schema.loyalty.admin.members import LoyaltyMemberNode

        if self.row.owner_id is None:
            return None
        row = await info.context.loaders.loyalty.member_by_owner.load(self.row.owner_id)
        return LoyaltyMemberNode.of(row) if row is not None else None

    @strawberry.field
    async def orders(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[OrderNode]:
        request = Window(first, after, last, before).request(ORDERS)
        rows = await info.context.loaders.orders_by_customer.load(self.row.id)
        return paginate_loaded(rows, ORDERS, request, OrderNode.of)

    @classmethod
    def of(cls, row: Customer) -> CustomerNode:
        return cls(
            id=to_gid("Customer", row.id),
            row=row,
            platform_id=row.platform_id,
            is_guest=row.is_guest,
            email=row.email,
            phone=row.phone,
            first_name=row.first_name,
            last_name=row.last_name,
            accepts_marketing=row.accepts_marketing,
            verified_email=row.verified_email,
            created_at=row.platform_created_at,
        )


def _display_name(row: Customer) -> str:
    name = " ".join(part for part in (row.first_name, row.last_name) if part)
    return name or row.email or row.phone or f"Customer {row.platform_id}"


@strawberry.type(name="Profile", description="One person across the merchant's stores")
class ProfileNode(Node, ProfileInsights):
    row: strawberry.Private[Profile]
    created_at: datetime

    @strawberry.field(description="the id this profile was merged into, when it was")
    def merged_into_id(self) -> strawberry.ID | None:
        return to_gid("Profile", self.row.merged_into_id) if self.row.merged_into_id else None

    async def _customers(self, info: AdminInfo) -> list[Customer]:
        rows = await info.context.loaders.customers_by_profile.load(self.row.id)
        return sorted(rows, key=lambda c: (c.platform_updated_at, c.id), reverse=True)

    @strawberry.field(description="the email of the most recently updated customer that has one")
    async def email(self, info: AdminInfo) -> str | None:
        return next((c.email for c in await self._customers(info) if c.email), None)

    @strawberry.field
    async def display_name(self, info: AdminInfo) -> str:
        customers = await self._customers(info)
        named = next((c for c in customers if c.first_name or c.last_name), None)
        return _display_name(named or customers[0]) if customers else f"Profile {self.row.id}"

    @strawberry.field(description="the store-level customers this person is")
    async def customers(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CustomerNode]:
        request = Window(first, after, last, before).request(CUSTOMERS)
        return paginate_loaded(await self._customers(info), CUSTOMERS, request, CustomerNode.of)

    @strawberry.field(description="orders of every customer of this person, on every store")
    async def orders(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[OrderNode]:
        request = Window(first, after, last, before).request(ORDERS)
        customers = await self._customers(info)
        groups = await info.context.loaders.orders_by_customer.load_many([c.id for c in customers])
        return paginate_loaded([o for group in groups for o in group], ORDERS, request, OrderNode.of)

    async def _holders(self, info: AdminInfo) -> list[tuple[Customer, Member | None]]:
        customers = await self._customers(info)
        owners = [c.owner_id for c in customers if c.owner_id is not None]
        members = dict(zip(owners, await info.context.loaders.loyalty.member_by_owner.load_many(owners), strict=True))
        return [(c, members.get(c.owner_id) if c.owner_id is not None else None) for c in customers]

    async def _main_member(self, info: AdminInfo) -> Member | None:
        """The membership keyed on the person (its keeper account's), else the one most of its accounts share."""
        own = await info.context.loaders.loyalty.member_by_owner.load(self.row.id)
        if own is not None:
            return own
        held = [m for _, m in await self._holders(info) if m is not None]
        if not held:
            return None
        counts = Counter(m.id for m in held)
        return min(held, key=lambda m: (-counts[m.id], m.id))

    @strawberry.field(
        description="the membership of the person's main account (the oldest registered one, verified "
        "first), else the one most of its accounts share; null until they join"
    )
    async def loyalty(
        self, info: AdminInfo
    ) -> Annotated[LoyaltyMemberNode, strawberry.lazy("schema.loyalty.admin.members")] | None:
        from schema.loyalty.admin.members import LoyaltyMemberNode

        row = await self._main_member(info)
        return LoyaltyMemberNode.of(row) if row is not None else None

    @strawberry.field(
        description="probably the same person: accounts matched on unverified keys (an email typed at "
        "checkout, a phone) that keep a balance of their own until ownershipConfirm"
    )
    async def probably_same_person(self, info: AdminInfo) -> list[CustomerNode]:
        main = await self._main_member(info)
        return [
            CustomerNode.of(c)
            for c, m in await self._holders(info)
            if m is not None and (main is None or m.id != main.id)
        ]

    @strawberry.field(description="what the person said: latest NPS and CSAT answers, open complaints, reviews")
    async def feedback(
        self, info: AdminInfo
    ) -> Annotated[ProfileFeedbackNode, strawberry.lazy("schema.feedback.report")]:
        from schema.feedback.report import feedback_of

        return await feedback_of(info, self.row.id)

    @classmethod
    def of(cls, row: Profile) -> ProfileNode:
        return cls(id=to_gid("Profile", row.id), row=row, created_at=row.created_at)

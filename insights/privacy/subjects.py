"""Who a privacy request is about: every profile id, store account, order and identifier of one person."""

from __future__ import annotations

from dataclasses import dataclass, field

from insights.identity.keys import normalize_email, normalize_phone, normalize_text
from insights.settings import load_config
from store.models import Customer, Order, Profile
from store.people import resolve_profile


@dataclass
class PersonScope:
    merchant_id: int
    profile_id: int
    profile_ids: set[int]
    """The surviving profile and every profile merged into it."""
    customer_ids: set[int]
    order_ids: set[int]
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    """Full names ("first last"), normalised; a first name alone identifies nobody."""

    def add_contact(self, email: str | None, phone: str | None, region: str) -> None:
        if normal := normalize_email(email):
            self.emails.add(normal)
        if normal := normalize_phone(phone, region):
            self.phones.add(normal)


async def person_scope(profile_id: int) -> PersonScope:
    survivor = await resolve_profile(profile_id)
    merchant_id = (await Profile.get(id=survivor)).merchant_id
    config = await load_config(merchant_id)
    profile_ids = {survivor}
    frontier = {survivor}
    while frontier:  # profiles merged into the survivor, directly or through others
        frontier = set(await Profile.filter(merged_into_id__in=frontier).values_list("id", flat=True)) - profile_ids
        profile_ids |= frontier
    customers = await Customer.filter(profile_id__in=profile_ids).values(
        "id", "email", "phone", "first_name", "last_name"
    )
    customer_ids = {c["id"] for c in customers}
    scope = PersonScope(merchant_id, survivor, profile_ids, customer_ids, set())
    for c in customers:
        scope.add_contact(c["email"], c["phone"], config.default_phone_region)
        if c["first_name"] and c["last_name"]:
            scope.names.add(f"{normalize_text(c['first_name'])} {normalize_text(c['last_name'])}")
    for oid, email, phone in await Order.filter(customer_id__in=customer_ids).values_list("id", "email", "phone"):
        scope.order_ids.add(oid)
        scope.add_contact(email, phone, config.default_phone_region)
    # Orders without an account (no email or a platform that keeps guests apart) that carry the person's details.
    for oid, email, phone in await Order.filter(merchant_id=merchant_id, customer_id=None).values_list(
        "id", "email", "phone"
    ):
        if (
            normalize_email(email) in scope.emails
            or normalize_phone(phone, config.default_phone_region) in scope.phones
        ):
            scope.order_ids.add(oid)
    return scope

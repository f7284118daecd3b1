"""The shopper's birthday on the storefront: shown on ``me``, given once with ``birthdaySet``.

The birthday campaign pays on the day itself, never when the date is typed, and only for a
date given 30 days before it (``campaigns.birthdays``). A shopper gives it once: another date
is refused (``LOCKED``), so only the store can move a birthday (``memberBirthdaySet``).
The birthday belongs to the member holding the shopper's points, as the campaign reads it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum

import strawberry

from campaigns.birthdays import BirthdaySource, next_gift_date, record_birthday
from campaigns.errors import BirthdayLocked, InvalidBirthday
from campaigns.models import Birthday
from schema.core.context import StorefrontInfo
from schema.core.errors import UserError
from store.models import Customer, Store
from store.timezones import local_date

GIFT_ON = (
    "the day the birthday gift comes (the store's date): this year's day when the birthday "
    "was given 30 days before it, otherwise the next year's"
)


@strawberry.type(name="Birthday", description="The shopper's birthday as given; the gift comes on the day")
class ShopperBirthday:
    month: int = strawberry.field(description="1 to 12")
    day: int = strawberry.field(description="1 to 31; February 29 is celebrated on the 28th in common years")
    year: int | None = strawberry.field(description="null when the shopper left it out")
    next_gift_on: date = strawberry.field(description=GIFT_ON)

    @classmethod
    def of(cls, row: Birthday, store: Store, now: datetime | None = None) -> ShopperBirthday:
        today = local_date(store.timezone, now or datetime.now(UTC))
        return cls(month=row.month, day=row.day, year=row.year, next_gift_on=next_gift_date(row, today))


@strawberry.enum(description="Why a birthday was not kept")
class BirthdayErrorCode(Enum):
    NOT_SIGNED_IN = "NOT_SIGNED_IN"
    INVALID = "INVALID"
    LOCKED = "LOCKED"


@strawberry.type
class BirthdayUserError(UserError):
    code: BirthdayErrorCode


@strawberry.input
class BirthdaySetInput:
    month: int = strawberry.field(description="1 to 12")
    day: int = strawberry.field(description="1 to the month's last day; February 29 is allowed")
    year: int | None = strawberry.field(
        default=None, description="optional; when given, the shopper is 13 to 120 years old"
    )


@strawberry.type
class BirthdaySetPayload:
    birthday: ShopperBirthday | None = strawberry.field(description="the birthday as kept, with the first gift's day")
    user_errors: list[BirthdayUserError] = strawberry.field(description="why it was not kept, if it was not")


async def signed_in_holder(info: StorefrontInfo) -> int | None:
    """The member key of the signed-in shopper's points (enrolled if new), ``None`` for anonymous callers."""
    viewer = info.context.viewer
    if viewer.customer_id is None:
        return None
    if not await Customer.filter(id=viewer.customer_id, store_id=viewer.store.id, deleted_at=None).exists():
        return None
    member = await info.context.loaders.loyalty.member_by_customer.load(viewer.customer_id)
    return member.profile_id if member is not None else None


async def shopper_birthday(info: StorefrontInfo, customer: Customer) -> ShopperBirthday | None:
    member = await info.context.loaders.loyalty.member_by_customer.load(customer.id)
    row = await info.context.loaders.loyalty.birthday.load(member.profile_id) if member is not None else None
    return ShopperBirthday.of(row, info.context.viewer.store) if row is not None else None


@strawberry.type
class BirthdayMutations:
    @strawberry.mutation(
        description="Give the signed-in shopper's birthday, once: the birthday gift comes on the day "
        "(with 30 days' notice), and only the store can change the date afterwards"
    )
    async def birthday_set(self, info: StorefrontInfo, input: BirthdaySetInput) -> BirthdaySetPayload:
        def fail(code: BirthdayErrorCode, message: str, field: list[str] | None = None) -> BirthdaySetPayload:
            return BirthdaySetPayload(
                birthday=None, user_errors=[BirthdayUserError(field=field, message=message, code=code)]
            )

        holder = await signed_in_holder(info)
        if holder is None:
            return fail(BirthdayErrorCode.NOT_SIGNED_IN, "sign in as a shopper to give your birthday")
        now = datetime.now(UTC)
        try:
            row = await record_birthday(
                holder, input.month, input.day, input.year, source=BirthdaySource.WIDGET, now=now
            )
        except InvalidBirthday as exc:
            return fail(BirthdayErrorCode.INVALID, str(exc), ["input", *exc.path])
        except BirthdayLocked as exc:
            return fail(BirthdayErrorCode.LOCKED, str(exc), ["input", *exc.path])
        return BirthdaySetPayload(birthday=ShopperBirthday.of(row, info.context.viewer.store, now), user_errors=[])

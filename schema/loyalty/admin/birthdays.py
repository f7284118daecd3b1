"""A member's birthday on the admin API: read on the member, set or corrected by the owner.

A shopper gives their birthday once; the owner may change it at any time (a typo, a request to
the store), and the change counts as given now, so its first gift waits the usual 30 days'
notice like any other (``campaigns.birthdays``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import strawberry

from campaigns.birthdays import BirthdaySource, next_gift_date, record_birthday
from campaigns.errors import InvalidBirthday
from campaigns.models import Birthday
from loyalty.holders import holder_of
from schema.core.context import AdminInfo
from schema.core.ids import pk_of
from schema.loyalty.admin.errors import LoyaltyUserError, invalid, not_found
from schema.loyalty.admin.members import LoyaltyMemberNode

strawberry.enum(BirthdaySource, name="BirthdaySource", description="Who gave a birthday")


@strawberry.type(name="Birthday", description="A member's birthday, who gave it and when its gift comes")
class AdminBirthday:
    month: int = strawberry.field(description="1 to 12")
    day: int = strawberry.field(description="1 to 31; February 29 is celebrated on the 28th in common years")
    year: int | None = strawberry.field(description="null when it was left out")
    source: BirthdaySource = strawberry.field(
        description="WIDGET (the shopper), PLATFORM (the store's platform had it) or ADMIN (the owner)"
    )
    recorded_at: datetime = strawberry.field(description="when it was given; the first gift needs 30 days' notice")
    next_gift_on: date = strawberry.field(
        description="the next day the birthday campaign pays it (UTC date): this year's day when "
        "given 30 days before it, otherwise the next year's"
    )

    @classmethod
    def of(cls, row: Birthday, now: datetime | None = None) -> AdminBirthday:
        today = (now or datetime.now(UTC)).date()
        return cls(
            month=row.month,
            day=row.day,
            year=row.year,
            source=BirthdaySource(row.source),
            recorded_at=row.recorded_at,
            next_gift_on=next_gift_date(row, today),
        )


@strawberry.input
class MemberBirthdaySetInput:
    member_id: strawberry.ID = strawberry.field(description="a LoyaltyMember of this merchant")
    month: int = strawberry.field(description="1 to 12")
    day: int = strawberry.field(description="1 to the month's last day; February 29 is allowed")
    year: int | None = strawberry.field(default=None, description="optional; when given, 13 to 120 years ago")


@strawberry.type(description="The member's birthday as kept, or why it was not")
class MemberBirthdaySetPayload:
    member: LoyaltyMemberNode | None = strawberry.field(description="the member")
    birthday: AdminBirthday | None = strawberry.field(description="the birthday as it is now")
    user_errors: list[LoyaltyUserError]


@strawberry.type
class BirthdayAdminMutations:
    @strawberry.mutation(
        description="Set or correct a member's birthday (a shopper can give theirs only once); "
        "its first gift comes on the day, at least 30 days after this change"
    )
    async def member_birthday_set(self, info: AdminInfo, input: MemberBirthdaySetInput) -> MemberBirthdaySetPayload:
        pk = pk_of(input.member_id, "LoyaltyMember")
        member = await info.context.loaders.member.load(pk) if pk else None
        if member is None:
            return MemberBirthdaySetPayload(
                member=None, birthday=None, user_errors=[not_found("no such member of this merchant", "memberId")]
            )
        now = datetime.now(UTC)
        try:
            row = await record_birthday(
                await holder_of(member.profile_id),
                input.month,
                input.day,
                input.year,
                source=BirthdaySource.ADMIN,
                now=now,
            )
        except InvalidBirthday as exc:
            return MemberBirthdaySetPayload(
                member=LoyaltyMemberNode.of(member), birthday=None, user_errors=[invalid(str(exc), *exc.path)]
            )
        return MemberBirthdaySetPayload(
            member=LoyaltyMemberNode.of(member), birthday=AdminBirthday.of(row, now), user_errors=[]
        )

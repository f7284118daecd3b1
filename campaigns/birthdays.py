"""A shopper's birthday: given once, changed only by the store, and paid on the day.

A gift at submission would let anyone claim one on any day by typing today's date, so the
birthday campaign pays on the day itself, and only for a date given at least ``NOTICE_DAYS``
before it (the usual notice of the platforms' loyalty apps). For the same reason a shopper
cannot move a birthday once given: only the merchant can (``BirthdaySource.ADMIN``).

The year is optional. When given, the shopper must be at least ``AGE_FLOOR`` years old (no
store collects a child's data: COPPA's age, and the lowest age of consent GDPR allows) and at
most ``AGE_CEILING``. February 29 is a birthday like any other, celebrated on February 28 in
the years without one.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError

from campaigns.errors import BirthdayLocked, CampaignNotFound, InvalidBirthday
from campaigns.models import Birthday
from store.models import Profile

NOTICE_DAYS = 30
"""A birthday given less than this many days before its day gets its first gift a year later."""
AGE_FLOOR = 13
AGE_CEILING = 120


class BirthdaySource(StrEnum):
    """Who gave the birthday: only the merchant may change one already given."""

    WIDGET = "widget"
    """The shopper, through the storefront API (the widget or a theme)."""
    PLATFORM = "platform"
    """The store's platform had it on the customer."""
    ADMIN = "admin"
    """The merchant, through the admin API."""


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidBirthday(f"{name} is a whole number from {low} to {high}", (name,))
    return value


def _years_before(today: date, years: int) -> date:
    """The same day ``years`` earlier (February 29 becomes February 28)."""
    return celebrated_on(today.month, today.day, today.year - years)


def validate(month: Any, day: Any, year: Any, today: date) -> tuple[int, int, int | None]:
    """The birthday as whole numbers, or ``InvalidBirthday`` with the field at fault."""
    month = _whole(month, "month", 1, 12)
    last = 29 if month == 2 else calendar.monthrange(2001, month)[1]
    day = _whole(day, "day", 1, last)
    if year is None:
        return month, day, None
    year = _whole(year, "year", today.year - AGE_CEILING - 1, today.year - AGE_FLOOR)
    if (month, day) == (2, 29) and not calendar.isleap(year):
        raise InvalidBirthday(f"{year} had no February 29", ("year",))
    born = date(year, month, day)
    if born > _years_before(today, AGE_FLOOR):
        raise InvalidBirthday(f"a birthday with a year must be at least {AGE_FLOOR} years ago", ("year",))
    if born < _years_before(today, AGE_CEILING):
        raise InvalidBirthday(f"a birthday with a year must be at most {AGE_CEILING} years ago", ("year",))
    return month, day, year


async def record_birthday(
    profile_id: int, month: Any, day: Any, year: Any = None, *, source: BirthdaySource, now: datetime
) -> Birthday:
    """Keep the birthday of the member whose points ``profile_id`` holds.

    Giving the same date again changes nothing (a retry). Another date is refused with
    ``BirthdayLocked`` unless the merchant gives it, and then counts as given ``now``.
    """
    month, day, year = validate(month, day, year, now.date())
    existing = await Birthday.get_or_none(profile_id=profile_id)
    if existing is None:
        profile = await Profile.get_or_none(id=profile_id)
        if profile is None:
            raise CampaignNotFound(f"no profile {profile_id}")
        try:
            return await Birthday.create(
                merchant_id=profile.merchant_id,
                profile_id=profile_id,
                month=month,
                day=day,
                year=year,
                source=source.value,
                recorded_at=now,
            )
        except IntegrityError:
            existing = await Birthday.get(profile_id=profile_id)
    if (existing.month, existing.day, existing.year) == (month, day, year):
        return existing
    if source != BirthdaySource.ADMIN:
        raise BirthdayLocked(
            f"the birthday is already set to {describe(existing)}: ask the store to change it", ("month",)
        )
    existing.month, existing.day, existing.year = month, day, year
    existing.source, existing.recorded_at = source.value, now
    await existing.save(update_fields=["month", "day", "year", "source", "recorded_at"])
    return existing


async def keep_platform_birthdays(merchant_id: int, born: Mapping[int, date], recorded_at: datetime) -> int:
    """Birthdays the store's platform had, by member key, kept for members with none yet: the
    platform never overwrites a birthday the shopper or the merchant gave. Returns how many were kept."""
    have = set(await Birthday.filter(merchant_id=merchant_id).values_list("profile_id", flat=True))
    rows = [
        Birthday(
            merchant_id=merchant_id,
            profile_id=key,
            month=day.month,
            day=day.day,
            year=day.year,
            source=BirthdaySource.PLATFORM.value,
            recorded_at=recorded_at,
        )
        for key, day in sorted(born.items())
        if key not in have
    ]
    await Birthday.bulk_create(rows, batch_size=500)
    return len(rows)


def describe(birthday: Birthday) -> str:
    """ "March 14" or "March 14, 1980", for messages people read."""
    text = f"{calendar.month_name[birthday.month]} {birthday.day}"
    return text if birthday.year is None else f"{text}, {birthday.year}"


def celebrated_on(month: int, day: int, year: int) -> date:
    """The day a birthday falls on in ``year``: February 29 is February 28 in common years."""
    if (month, day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def next_celebration(month: int, day: int, today: date) -> date:
    """The birthday's next day on or after ``today``."""
    this_year = celebrated_on(month, day, today.year)
    return this_year if this_year >= today else celebrated_on(month, day, today.year + 1)


def earns_gift(on: date, given: date | None) -> bool:
    """Whether the birthday on ``on`` earns its gift: it was given ``NOTICE_DAYS`` before (counted
    from the UTC day it was given), or came from the platform (``given`` is None)."""
    return given is None or (on - given).days >= NOTICE_DAYS


def _notice_from(birthday: Birthday) -> date | None:
    """The day the notice runs from: none for a birthday the store already had from its platform."""
    if birthday.source == BirthdaySource.PLATFORM:
        return None
    return birthday.recorded_at.astimezone(UTC).date()


def gift_due(birthday: Birthday, today: date) -> bool:
    """Whether ``today`` (the store's date) is a gift day for this birthday: its day, given early enough."""
    on = celebrated_on(birthday.month, birthday.day, today.year)
    return on == today and earns_gift(on, _notice_from(birthday))


def next_gift_date(birthday: Birthday, today: date) -> date:
    """The next day (``today`` included, the store's date) the birthday campaign pays this birthday.

    This year's day when it is still ahead and the date was given ``NOTICE_DAYS`` before it
    (counted from the UTC day it was given, as the audience counts), otherwise the first later
    year's day that is.
    """
    given = _notice_from(birthday)
    first = today if given is None else max(today, given)
    year = first.year
    while True:
        on = celebrated_on(birthday.month, birthday.day, year)
        if on >= first and earns_gift(on, given):
            return on
        year += 1

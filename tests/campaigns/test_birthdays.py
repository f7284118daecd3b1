"""A birthday is given once by the shopper, changed only by the store, and paid on its day with 30 days' notice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.privacy import erase_person, export_person
from campaigns.birthdays import (
    BirthdaySource,
    celebrated_on,
    gift_due,
    next_gift_date,
    record_birthday,
    validate,
)
from campaigns.errors import BirthdayLocked, CampaignErrorCode, CampaignNotFound, InvalidBirthday
from campaigns.models import Birthday
from store.models import Merchant, Profile
from tests.campaigns.mailing import merchant, shopper

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
TODAY = NOW.date()


def _given(month: int, day: int, recorded: datetime) -> Birthday:
    return Birthday(month=month, day=day, year=None, source="widget", recorded_at=recorded)


@pytest.mark.parametrize(
    ("month", "day", "year", "field"),
    [
        (2, 30, None, "day"),
        (4, 31, None, "day"),
        (13, 1, None, "month"),
        (0, 1, None, "month"),
        (1, 0, None, "day"),
        ("3", 14, None, "month"),
        (3, "14", None, "day"),
        (3, 14, "1980", "year"),
        (True, 14, None, "month"),
        (3, 14, 1800, "year"),
        (3, 14, 2020, "year"),
        (2, 29, 1981, "year"),
        (6, 16, 2013, "year"),
        (6, 14, 1906, "year"),
    ],
)
def test_an_impossible_date_or_an_age_outside_13_to_120_is_refused_with_its_field(month, day, year, field):
    with pytest.raises(InvalidBirthday) as refused:
        validate(month, day, year, TODAY)
    assert refused.value.path == (field,) and refused.value.code == CampaignErrorCode.INVALID


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ((2, 29, None), (2, 29, None)),
        ((2, 29, 1980), (2, 29, 1980)),
        ((12, 31, None), (12, 31, None)),
        ((6, 15, 2013), (6, 15, 2013)),
        ((6, 15, 1906), (6, 15, 1906)),
    ],
)
def test_february_29_a_thirteenth_birthday_today_and_a_year_left_out_are_accepted(given, kept):
    assert validate(*given, TODAY) == kept


def test_february_29_is_celebrated_on_february_28_in_common_years():
    assert celebrated_on(2, 29, 2027) == date(2027, 2, 28)
    assert celebrated_on(2, 29, 2028) == date(2028, 2, 29)


def test_the_first_gift_is_this_years_day_only_with_30_days_notice():
    early = _given(8, 1, NOW - timedelta(days=400))
    assert next_gift_date(early, TODAY) == date(2026, 8, 1)
    just_in_time = _given(7, 15, NOW)
    assert next_gift_date(just_in_time, TODAY) == date(2026, 7, 15)
    too_late = _given(7, 14, NOW)
    assert next_gift_date(too_late, TODAY) == date(2027, 7, 14)
    typed_today = _given(6, 15, NOW)
    assert next_gift_date(typed_today, TODAY) == date(2027, 6, 15)
    passed = _given(3, 1, NOW - timedelta(days=400))
    assert next_gift_date(passed, TODAY) == date(2027, 3, 1)
    new_years_day_on_new_years_eve = _given(1, 1, datetime(2026, 12, 31, tzinfo=UTC))
    assert next_gift_date(new_years_day_on_new_years_eve, date(2026, 12, 31)) == date(2028, 1, 1)


def test_a_gift_is_due_on_the_day_itself_not_before_and_not_when_given_late():
    birthday = _given(2, 29, datetime(2025, 1, 1, tzinfo=UTC))
    assert gift_due(birthday, date(2026, 2, 28))
    assert not gift_due(birthday, date(2026, 2, 27)) and not gift_due(birthday, date(2026, 3, 1))
    late = _given(2, 28, datetime(2026, 2, 1, tzinfo=UTC))
    assert not gift_due(late, date(2026, 2, 28)) and gift_due(late, date(2027, 2, 28))


def test_a_birthday_the_platform_had_needs_no_notice():
    known = Birthday(month=6, day=20, year=None, source="platform", recorded_at=NOW)
    assert next_gift_date(known, TODAY) == date(2026, 6, 20) and gift_due(known, date(2026, 6, 20))
    given = Birthday(month=6, day=20, year=None, source="widget", recorded_at=NOW)
    assert next_gift_date(given, TODAY) == date(2027, 6, 20) and not gift_due(given, date(2026, 6, 20))


@pytest.mark.db
async def test_a_shopper_gives_a_birthday_once_and_only_the_store_changes_it(db):
    merchant = await Merchant.create(name="m")
    profile = await Profile.create(merchant=merchant)
    first = await record_birthday(profile.id, 3, 14, None, source=BirthdaySource.WIDGET, now=NOW)
    assert (first.merchant_id, first.month, first.day, first.year, first.source) == (merchant.id, 3, 14, None, "widget")

    retried = await record_birthday(profile.id, 3, 14, None, source=BirthdaySource.WIDGET, now=NOW + timedelta(days=9))
    assert retried.id == first.id and retried.recorded_at == NOW

    for source in (BirthdaySource.WIDGET, BirthdaySource.PLATFORM):
        with pytest.raises(BirthdayLocked) as refused:
            await record_birthday(profile.id, 6, 15, None, source=source, now=NOW)
        assert refused.value.code == CampaignErrorCode.LOCKED and "March 14" in str(refused.value)
    with pytest.raises(BirthdayLocked):
        await record_birthday(profile.id, 3, 14, 1990, source=BirthdaySource.WIDGET, now=NOW)

    later = NOW + timedelta(days=3)
    changed = await record_birthday(profile.id, 6, 15, 1990, source=BirthdaySource.ADMIN, now=later)
    stored = await Birthday.get(profile_id=profile.id)
    assert (stored.month, stored.day, stored.year, stored.source, stored.recorded_at) == (6, 15, 1990, "admin", later)
    assert changed.id == first.id and await Birthday.all().count() == 1

    with pytest.raises(CampaignNotFound):
        await record_birthday(profile.id + 100, 3, 14, None, source=BirthdaySource.WIDGET, now=NOW)
    with pytest.raises(InvalidBirthday):
        await record_birthday(profile.id, 2, 30, None, source=BirthdaySource.ADMIN, now=NOW)


@pytest.mark.db
async def test_a_persons_data_export_holds_their_birthday_and_erasure_deletes_it(db):
    m, store = await merchant()
    person = await shopper(store, "camille@example.com")
    bystander = await shopper(store, "other@example.com")
    await record_birthday(person, 2, 29, 1980, source=BirthdaySource.WIDGET, now=NOW)
    await record_birthday(bystander, 7, 1, None, source=BirthdaySource.WIDGET, now=NOW)

    exported = await export_person(person, actor="staff:1")

    assert exported["extra"]["campaigns"] == {
        "birthdays": [{"month": 2, "day": 29, "year": 1980, "source": "widget", "recorded_at": NOW.isoformat()}]
    }
    await erase_person(person, actor="staff:1")
    assert not await Birthday.exists(profile_id=person)
    assert (await export_person(person, actor="staff:1"))["extra"]["campaigns"] == {"birthdays": []}
    assert await Birthday.exists(profile_id=bystander)

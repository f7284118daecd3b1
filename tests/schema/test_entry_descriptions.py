"""A shopper's history names what a campaign gave in words, not by the campaign's internal kind."""

from __future__ import annotations

import pytest

from campaigns.models import CampaignKind
from loyalty.models import Entry, EntryKind
from schema.loyalty.descriptions import describe


@pytest.mark.parametrize(
    ("cause", "line"),
    [
        (CampaignKind.BIRTHDAY.value, "Birthday gift"),
        (CampaignKind.WIN_BACK.value, "Welcome back bonus"),
        (CampaignKind.CUSTOM.value, "Bonus points"),
        ("", "Bonus points"),
    ],
)
async def test_campaign_points_read_as_the_gift_they_were(cause: str, line: str) -> None:
    entry = Entry(kind=EntryKind.CAMPAIGN, cause=cause, available=200)
    assert await describe(entry, loaders=None) == line  # type: ignore[arg-type]  # campaigns need no loader

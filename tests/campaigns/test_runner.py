"""Running campaigns: entry once per period, the holdout gets nothing, codes before emails, retries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from campaigns import manage
from campaigns.errors import CampaignNotFound, InvalidCampaign, NameTaken, WrongStatus
from campaigns.models import (
    Birthday,
    Campaign,
    CampaignEntry,
    CampaignKind,
    CodeStatus,
    Group,
    Message,
)
from campaigns.runner import LEASE, period_of, run_campaign, run_due
from loyalty.economics import economics
from loyalty.models import Entry, EntryKind, Member
from loyalty.rules import Rules
from store.discounts import DiscountRequest, IssuedCode, IssueError, IssueFailed
from store.models import Customer, Store
from tests.campaigns.helpers import silent_vips as planted
from tests.loyalty.helpers import RecordingIssuer, Shop, make_shop

pytestmark = pytest.mark.db

NOW = datetime(2026, 6, 15, 14, tzinfo=UTC)


class RefusingIssuer:
    """A platform that refuses every code with ``error``."""

    def __init__(self, error: IssueError) -> None:
        self.error = error
        self.calls = 0

    async def issue(self, store: Store, request: DiscountRequest) -> IssuedCode | IssueFailed:
        self.calls += 1
        return IssueFailed(self.error, "the platform said no")


@pytest.fixture
async def shop(db) -> Shop:
    return await make_shop("Runner")


async def silent_vips(shop: Shop, n: int) -> list[int]:
    return await planted(shop, n, NOW)


def issuing(issuer):
    return lambda store: issuer


async def test_only_an_active_campaign_runs_and_each_member_enters_once_per_period(shop):
    people = await silent_vips(shop, 30)
    campaign = await manage.create(shop.merchant.id, CampaignKind.WIN_BACK, holdout_percent=20)
    issuer = RecordingIssuer()
    with pytest.raises(WrongStatus):
        await run_campaign(campaign.id, issuer_for=issuing(issuer), now=NOW)
    dry = await run_campaign(campaign.id, issuer_for=issuing(issuer), now=NOW, dry_run=True)
    assert dry.audience == 30 and dry.entered_treated + dry.entered_holdout == 30
    assert await CampaignEntry.filter(campaign_id=campaign.id).count() == 0 and not issuer.requests

    await manage.launch(shop.merchant.id, campaign.id, NOW)
    report = await run_campaign(campaign.id, issuer_for=issuing(issuer), now=NOW)
    assert (report.entered_treated, report.entered_holdout) == (dry.entered_treated, dry.entered_holdout)
    assert report.entered_holdout > 0
    entries = await CampaignEntry.filter(campaign_id=campaign.id)
    assert {e.profile_id for e in entries} == set(people)
    treated = [e for e in entries if e.group == Group.TREATED]
    holdout = [e for e in entries if e.group == Group.HOLDOUT]
    assert all(e.code_status == CodeStatus.ISSUED and e.code.startswith("RC-") for e in treated)
    assert all(e.code is None and e.code_status == CodeStatus.NONE for e in holdout)
    assert report.codes_issued == len(treated) == len(issuer.requests)
    request = issuer.requests[0][1]
    assert request.value == Decimal("15.00") and request.kind == "percentage"
    assert request.expires_at == NOW + timedelta(days=30) and request.customer_email
    messages = await Message.filter(campaign_id=campaign.id)
    assert {m.profile_id for m in messages} == {e.profile_id for e in treated}
    assert all(m.data["code"] == e.code for m in messages for e in treated if e.id == m.entry_id)
    assert report.messages_queued == len(treated)

    again = await run_campaign(campaign.id, issuer_for=issuing(issuer), now=NOW + timedelta(hours=5))
    assert (again.entered_treated, again.entered_holdout, again.already_entered) == (0, 0, 30)
    assert len(issuer.requests) == len(treated)
    assert await Message.filter(campaign_id=campaign.id).count() == len(treated)
    next_period = await run_campaign(campaign.id, issuer_for=issuing(issuer), now=NOW + timedelta(days=90))
    assert next_period.entered_treated + next_period.entered_holdout == 30


async def test_a_refused_code_sends_no_email_and_shows_on_the_entry_and_the_report(shop):
    await silent_vips(shop, 5)
    campaign = await manage.create(shop.merchant.id, CampaignKind.WIN_BACK, holdout_percent=0)
    await manage.launch(shop.merchant.id, campaign.id, NOW)
    refusing = RefusingIssuer(IssueError.REJECTED)
    report = await run_campaign(campaign.id, issuer_for=issuing(refusing), now=NOW)
    assert report.codes_failed == 5 and report.codes_issued == 0 and report.messages_queued == 0
    assert len(report.failures) == 5 and "rejected: the platform said no" in report.failures[0]
    entries = await CampaignEntry.filter(campaign_id=campaign.id)
    assert all(e.code_status == CodeStatus.FAILED and e.code_error.startswith("rejected") for e in entries)
    assert await Message.filter(campaign_id=campaign.id).count() == 0
    # a refusal is final: the next run in the period does not ask again
    await run_campaign(campaign.id, issuer_for=issuing(refusing), now=NOW + timedelta(hours=1))
    assert refusing.calls == 5


async def test_an_unavailable_platform_is_asked_again_by_the_next_run_then_the_email_goes(shop):
    await silent_vips(shop, 4)
    campaign = await manage.create(shop.merchant.id, CampaignKind.WIN_BACK, holdout_percent=0)
    await manage.launch(shop.merchant.id, campaign.id, NOW)
    down = RefusingIssuer(IssueError.UNAVAILABLE)
    first = await run_campaign(campaign.id, issuer_for=issuing(down), now=NOW)
    assert first.codes_failed == 4 and await Message.filter(campaign_id=campaign.id).count() == 0
    back = RecordingIssuer()
    second = await run_campaign(campaign.id, issuer_for=issuing(back), now=NOW + timedelta(hours=1))
    assert second.codes_retried == 4 and second.codes_issued == 4 and len(back.requests) == 4
    assert await Message.filter(campaign_id=campaign.id).count() == 4
    third = await run_campaign(campaign.id, issuer_for=issuing(back), now=NOW + timedelta(hours=2))
    assert third.codes_retried == 0 and len(back.requests) == 4


async def test_a_code_another_run_is_making_is_left_alone_until_that_runs_hold_lapses(shop):
    [profile] = await silent_vips(shop, 1)
    campaign = await manage.create(shop.merchant.id, CampaignKind.WIN_BACK, holdout_percent=0)
    await manage.launch(shop.merchant.id, campaign.id, NOW)
    # a run entered the member and is waiting for the platform (or died waiting)
    entry = await CampaignEntry.create(
        campaign_id=campaign.id,
        merchant_id=shop.merchant.id,
        profile_id=profile,
        period=period_of(campaign, NOW),
        group=Group.TREATED,
        entered_at=NOW,
        code_status=CodeStatus.ISSUING,
        code_held_until=NOW + LEASE,
    )
    issuer = RecordingIssuer()
    meanwhile = await run_campaign(campaign.id, issuer_for=issuing(issuer), now=NOW + timedelta(minutes=5))
    assert meanwhile.codes_retried == 0 and not issuer.requests
    lapsed = await run_campaign(campaign.id, issuer_for=issuing(issuer), now=NOW + timedelta(minutes=20))
    assert lapsed.codes_retried == 1 and len(issuer.requests) == 1
    issued = await CampaignEntry.get(id=entry.id)
    assert issued.code_status == CodeStatus.ISSUED and issued.code_held_until is None
    assert await Message.filter(entry_id=entry.id).count() == 1


async def test_a_platform_that_blows_up_is_a_failed_code_not_a_failed_run(shop):
    await silent_vips(shop, 2)
    campaign = await manage.create(shop.merchant.id, CampaignKind.WIN_BACK, holdout_percent=0)
    await manage.launch(shop.merchant.id, campaign.id, NOW)

    class Exploding:
        async def issue(self, store, request):
            raise ConnectionError("reset by peer")

    report = await run_campaign(campaign.id, issuer_for=issuing(Exploding()), now=NOW)
    assert report.codes_failed == 2 and "ConnectionError" in report.failures[0]
    assert all(e.code_error.startswith("unavailable") for e in await CampaignEntry.filter(campaign_id=campaign.id))


async def test_birthday_points_are_granted_once_a_year_with_the_year_as_period(shop):
    await shop.program(Rules(release="immediate"))
    _, profile = await shop.customer()
    await Birthday.create(
        merchant_id=shop.merchant.id, profile_id=profile, month=6, day=15, recorded_at=datetime(2025, 1, 1, tzinfo=UTC)
    )
    campaign = await manage.create(shop.merchant.id, CampaignKind.BIRTHDAY, holdout_percent=0)
    await manage.launch(shop.merchant.id, campaign.id, NOW)
    issuer = RecordingIssuer()
    before = await run_campaign(campaign.id, issuer_for=issuing(issuer), now=NOW - timedelta(days=1))
    assert before.audience == 0
    report = await run_campaign(campaign.id, issuer_for=issuing(issuer), now=NOW)
    assert report.points_granted == 200 and report.entered_treated == 1
    entry = await CampaignEntry.get(campaign_id=campaign.id)
    assert entry.period == 2026 and entry.points == 200
    ledger = await Entry.get(profile_id=profile, kind=EntryKind.CAMPAIGN)
    assert ledger.key == f"campaign:{campaign.id}:{profile}:2026" and ledger.available == 200
    assert (await Member.get(profile_id=profile)).available == 200
    assert (await economics(shop.merchant.id, NOW)).total.earned == 200  # a liability like any points earned
    message = await Message.get(campaign_id=campaign.id)
    assert message.data["points_granted"] == 200 and message.data["balance"] == 200
    later_today = await run_campaign(campaign.id, issuer_for=issuing(issuer), now=NOW + timedelta(hours=8))
    assert later_today.points_granted == 0 and await Entry.filter(kind=EntryKind.CAMPAIGN).count() == 1
    next_year = await run_campaign(campaign.id, issuer_for=issuing(issuer), now=NOW.replace(year=2027))
    assert next_year.points_granted == 200
    assert set(await CampaignEntry.filter(campaign_id=campaign.id).values_list("period", flat=True)) == {2026, 2027}


async def test_run_due_runs_every_active_campaign_of_the_merchant_only(shop):
    await silent_vips(shop, 3)
    other = await make_shop("Elsewhere")
    await silent_vips(other, 2)
    mine = await manage.create(shop.merchant.id, CampaignKind.WIN_BACK)
    await manage.create(shop.merchant.id, CampaignKind.AT_RISK)  # a draft: not run
    theirs = await manage.create(other.merchant.id, CampaignKind.WIN_BACK)
    await manage.launch(shop.merchant.id, mine.id, NOW)
    await manage.launch(other.merchant.id, theirs.id, NOW)
    reports = await run_due(shop.merchant.id, issuer_for=issuing(RecordingIssuer()), now=NOW)
    assert [r.campaign_id for r in reports] == [mine.id]
    assert await CampaignEntry.filter(campaign_id=theirs.id).count() == 0
    assert (await Campaign.get(id=mine.id)).last_run_at == NOW


def test_periods_count_whole_periods_since_1970_and_once_ever_is_zero():
    campaign = Campaign(kind=CampaignKind.WIN_BACK, period_days=90)
    day = datetime(1970, 1, 1, tzinfo=UTC)
    assert period_of(campaign, day) == 1
    assert period_of(campaign, day + timedelta(days=89, hours=23)) == 1
    assert period_of(campaign, day + timedelta(days=90)) == 2
    assert period_of(Campaign(kind=CampaignKind.WELCOME, period_days=0), NOW) == 0
    birthday = Campaign(kind=CampaignKind.BIRTHDAY, period_days=365)
    assert period_of(birthday, datetime(2026, 12, 31, 23, tzinfo=UTC), date(2027, 1, 1)) == 2027


async def test_definitions_names_and_edits_are_checked_with_the_field_at_fault(shop):
    m = shop.merchant.id
    with pytest.raises(InvalidCampaign) as bad:
        await manage.create(m, CampaignKind.CUSTOM, name="x", audience={"all": [{"field": "shoe_size"}]}, actions={})
    assert bad.value.path == ("audience", "all", "0", "field")
    with pytest.raises(InvalidCampaign) as missing:
        await manage.create(m, CampaignKind.CUSTOM, name="x")
    assert missing.value.path == ("audience",)
    with pytest.raises(InvalidCampaign) as share:
        await manage.create(m, CampaignKind.WIN_BACK, holdout_percent=80)
    assert share.value.path == ("holdout_percent",)
    with pytest.raises(InvalidCampaign) as liquid:
        await manage.create(m, CampaignKind.WIN_BACK, subject="{% if %}")
    assert liquid.value.path == ("subject",)
    first = await manage.create(m, CampaignKind.WIN_BACK)
    with pytest.raises(NameTaken):
        await manage.create(m, CampaignKind.WIN_BACK)
    other = await make_shop("Other")
    with pytest.raises(CampaignNotFound):
        await manage.update(other.merchant.id, first.id, name="stolen")
    await manage.launch(m, first.id, NOW)
    with pytest.raises(WrongStatus):
        await manage.update(m, first.id, name="while running")
    with pytest.raises(WrongStatus):
        await manage.launch(m, first.id, NOW)
    await silent_vips(shop, 1)
    await run_campaign(first.id, issuer_for=issuing(RecordingIssuer()), now=NOW)
    await manage.pause(m, first.id, NOW)
    with pytest.raises(WrongStatus) as holdout:
        await manage.update(m, first.id, holdout_percent=20)
    assert holdout.value.path == ("holdout_percent",)
    edited = await manage.update(
        m, first.id, audience={"all": [{"field": "days_since_last_order", "op": "gte", "value": 60}]}
    )
    assert edited.audience == {"all": [{"field": "days_since_last_order", "op": "gte", "value": 60}]}


async def test_preview_counts_the_split_samples_members_and_prices_codes_and_points(shop):
    await shop.program(Rules(release="immediate", point_value=Decimal("0.01")))
    people = await silent_vips(shop, 12)
    campaign = await manage.create(
        shop.merchant.id,
        CampaignKind.CUSTOM,
        name="Ten off and points",
        audience={"all": [{"field": "value_tier", "op": "eq", "value": "vip"}]},
        actions={"code": {"kind": "fixed_amount", "value": "10"}, "points": 100},
        holdout_percent=25,
    )
    found = await manage.preview(shop.merchant.id, campaign.id, NOW)
    assert found.audience_size == 12 and found.treated + found.holdout == 12
    assert len(found.sample) == 10 and {s.key for s in found.sample} <= set(people)
    assert all(s.email and "@" in s.email for s in found.sample)
    assert found.estimated_cost == Decimal(10) * found.treated + Decimal("1.00") * found.treated
    assert found.currency == "USD" and "points" in found.cost_basis
    assert found.sample_data["code"] == "PREVIEW-CODE"
    assert await CampaignEntry.filter(campaign_id=campaign.id).count() == 0
    await Customer.filter(merchant_id=shop.merchant.id).update(deleted_at=NOW)
    assert (await manage.preview(shop.merchant.id, campaign.id, NOW)).audience_size == 0

"""The feedback report over the world with the sandbox's planted feedback: NPS overall, per
segment, per value tier and per month equals a count done by hand in plain Python over the
planted answers (each person's latest answer wins); complaint figures follow the targets;
alerts name the VIP detractors and the VIPs with an open complaint; topics name the planted
themes and come out the same every time."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from app.demo.feedback import seed_feedback
from feedback.analytics import AlertKind, NpsCategory, feedback_report, people_by_nps_group, profile_summaries
from feedback.models import Complaint, Survey, SurveyKind, SurveyStatus
from feedback.topics import comments_of, topics_of
from insights.models import ProfileSegment
from store.models import Customer, Profile
from tests.schema.conftest import AS_OF, sandbox

pytestmark = pytest.mark.db


async def plant(world) -> dict[str, int]:
    return await seed_feedback(sandbox(), world.merchant, {"shopify": world.shopify, "woocommerce": world.woo})


async def survivors() -> dict[tuple[int, str], int]:
    """(store id, account platform id) -> the surviving profile of the account."""
    merged = dict(await Profile.all().values_list("id", "merged_into_id"))
    return {
        (store_id, str(pid)): merged.get(profile) or profile
        for store_id, pid, profile in await Customer.filter(is_guest=False).values_list(
            "store_id", "platform_id", "profile_id"
        )
    }


async def hand_answers(world, kind: str = "nps", start: datetime | None = None, end: datetime | None = None):
    """The planted answers in the world and period, as (person, score, answered_at), by hand."""
    stores = {"shopify": world.shopify.id, "woocommerce": world.woo.id}
    profile_of = await survivors()
    found = []
    for a in sandbox().feedback.surveys:
        person = profile_of.get((stores[a.store], str(a.customer_platform_id)))
        if a.kind != kind or person is None:
            continue
        if (start and a.answered_at < start) or (end and a.answered_at >= end):
            continue
        found.append((person, a.score, a.answered_at))
    return found


def latest(answers) -> dict[int, int]:
    best: dict[int, tuple[datetime, int]] = {}
    for person, score, at in answers:
        if person not in best or at > best[person][0]:
            best[person] = (at, score)
    return {person: score for person, (_, score) in best.items()}


def hand_nps(scores) -> tuple[float | None, int, int, int, int]:
    scores = list(scores)
    if not scores:
        return None, 0, 0, 0, 0
    p = sum(1 for s in scores if s >= 9)
    d = sum(1 for s in scores if s <= 6)
    return round(100 * p / len(scores) - 100 * d / len(scores), 1), len(scores), p, len(scores) - p - d, d


def figure(nps) -> tuple[float | None, int, int, int, int]:
    return nps.score, nps.responses, nps.promoters, nps.passives, nps.detractors


async def test_nps_per_segment_and_value_tier_equals_a_hand_count_over_each_persons_latest_answer(world):
    added = await plant(world)
    assert added["surveys"] > 100 and added["complaints"] > 5 and added["reviews"] > 20, added
    by_hand = latest(await hand_answers(world))
    assert len(by_hand) < len(await hand_answers(world)), "some people answered more than once"
    segment = dict(await ProfileSegment.filter(merchant_id=world.merchant.id).values_list("profile_id", "segment"))
    tier = dict(await ProfileSegment.filter(merchant_id=world.merchant.id).values_list("profile_id", "tier"))

    report = await feedback_report(world.merchant.id, now=AS_OF)

    assert figure(report.nps) == hand_nps(by_hand.values())
    assert {a.person: a.score for a in report.answers} == by_hand
    groups: dict[str, list[int]] = defaultdict(list)
    tiers: dict[str, list[int]] = defaultdict(list)
    for person, score in by_hand.items():
        groups[segment.get(person, "none")].append(score)
        tiers[tier.get(person, "none")].append(score)
    assert {g.key: figure(g.nps) for g in report.by_segment} == {k: hand_nps(v) for k, v in groups.items()}
    assert {g.key: figure(g.nps) for g in report.by_value_tier} == {k: hand_nps(v) for k, v in tiers.items()}
    assert len(report.by_segment) >= 3 and "vip" in {g.key for g in report.by_value_tier}
    assert next(g.label for g in report.by_value_tier if g.key == "vip") == "VIP"

    csat = latest(await hand_answers(world, "csat"))
    assert report.csat.responses == len(csat)
    assert report.csat.score == round(sum(csat.values()) / len(csat), 2)
    assert report.csat.satisfied == round(sum(1 for s in csat.values() if s >= 4) / len(csat), 4)

    detractor_vips = {p for p, s in by_hand.items() if s <= 6 and tier.get(p) == "vip"}
    alerted = {a.profile_id for a in report.alerts if a.kind == AlertKind.DETRACTOR_VIP}
    assert alerted == detractor_vips and detractor_vips, "the planted VIP detractors, each once"
    assert await people_by_nps_group(world.merchant.id, NpsCategory.DETRACTOR) == {
        p for p, s in by_hand.items() if s <= 6
    }


async def test_months_count_each_persons_latest_answer_in_the_month_and_a_period_bounds_every_figure(world):
    await plant(world)
    since, until = date(1997, 3, 1), date(1997, 5, 31)
    start, end = datetime(1997, 3, 1, tzinfo=UTC), datetime(1997, 6, 1, tzinfo=UTC)
    in_period = await hand_answers(world, start=start, end=end)
    report = await feedback_report(world.merchant.id, since, until, now=AS_OF)
    assert figure(report.nps) == hand_nps(latest(in_period).values())
    per_month: dict[str, list] = defaultdict(list)
    for person, score, at in in_period:
        per_month[f"{at:%Y-%m}"].append((person, score, at))
    assert [m.month for m in report.by_month] == ["1997-03", "1997-04", "1997-05"]
    for month in report.by_month:
        assert figure(month.nps) == hand_nps(latest(per_month[month.month]).values()), month.month
        assert sum(g.nps.responses for g in month.by_segment) == month.nps.responses
    empty = await feedback_report(world.merchant.id, date(2001, 1, 1), date(2001, 1, 31), now=AS_OF)
    assert empty.nps.score is None and empty.nps.responses == 0 and empty.csat.score is None
    assert empty.by_month == [] and empty.complaints.received == 0


async def test_the_latest_answer_wins_and_a_merged_profile_votes_once(world):
    shopper = await Customer.get(id=world.shopper.id)
    other = await Customer.get(id=world.other_shopper.id)
    base = datetime(1997, 2, 3, 12, tzinfo=UTC)

    async def answer(customer: Customer, profile_id: int, order_id: int, score: int, at: datetime) -> None:
        await Survey.create(
            merchant_id=world.merchant.id,
            profile_id=profile_id,
            store_id=customer.store_id,
            customer_id=customer.id,
            order_id=order_id,
            kind=SurveyKind.NPS,
            status=SurveyStatus.ANSWERED,
            send_at=at,
            sent_at=at,
            answered_at=at,
            score=score,
        )

    await answer(shopper, shopper.profile_id, 1, 2, base)
    await answer(shopper, shopper.profile_id, 2, 10, base + timedelta(days=20))
    await answer(other, other.profile_id, 3, 9, base + timedelta(days=1))
    await answer(other, other.profile_id, 4, 3, base + timedelta(days=2))
    report = await feedback_report(world.merchant.id, date(1997, 2, 1), date(1997, 2, 28), now=AS_OF)
    assert figure(report.nps) == (0.0, 2, 1, 0, 1), "one promoter (latest 10), one detractor (latest 3)"
    await Profile.filter(id=other.profile_id).update(merged_into_id=shopper.profile_id)
    merged = await feedback_report(world.merchant.id, date(1997, 2, 1), date(1997, 2, 28), now=AS_OF)
    assert figure(merged.nps) == (100.0, 1, 1, 0, 0), "the survivor's latest answer across both profiles"
    summary = (await profile_summaries(world.merchant.id, [shopper.profile_id]))[0]
    assert summary.latest_nps is not None and summary.latest_nps.score == 10


async def test_complaint_figures_follow_the_targets_and_open_vip_complaints_are_alerts(world):
    await plant(world)
    report = await feedback_report(world.merchant.id, now=AS_OF)
    rows = await Complaint.filter(merchant_id=world.merchant.id).values(
        "status", "received_at", "first_response_at", "resolved_at", "profile_id"
    )
    hour, two_days = timedelta(minutes=60), timedelta(hours=48)
    figures = report.complaints
    assert figures.received == len(rows)
    assert figures.open + figures.waiting + figures.resolved == len(rows)
    assert figures.response_breaches == sum((r["first_response_at"] or AS_OF) - r["received_at"] > hour for r in rows)
    assert figures.resolution_breaches == sum((r["resolved_at"] or AS_OF) - r["received_at"] > two_days for r in rows)
    assert 0 < figures.response_breaches < len(rows)
    minutes = sorted(
        (r["first_response_at"] - r["received_at"]).total_seconds() / 60 for r in rows if r["first_response_at"]
    )
    mid = len(minutes) // 2
    median = minutes[mid] if len(minutes) % 2 else (minutes[mid - 1] + minutes[mid]) / 2
    assert figures.median_first_response_minutes == round(median, 1)
    vips = set(
        await ProfileSegment.filter(merchant_id=world.merchant.id, tier="vip").values_list("profile_id", flat=True)
    )
    open_vip = {r["profile_id"] for r in rows if r["status"] in ("open", "waiting") and r["profile_id"] in vips}
    alerted = {a.profile_id for a in report.alerts if a.kind == AlertKind.UNRESOLVED_HIGH_VALUE_COMPLAINT}
    assert alerted == open_vip


async def test_topics_name_the_planted_themes_count_detractors_and_are_the_same_every_time(world):
    await plant(world)
    report = await feedback_report(world.merchant.id, now=AS_OF)
    assert report.topics == (await feedback_report(world.merchant.id, now=AS_OF)).topics
    terms = {term for topic in report.topics for term in topic.terms}
    for theme in ("scratched", "selection", "shipping", "prices"):
        assert any(theme in term for term in terms), (theme, [t.terms for t in report.topics])
    scratched = next(t for t in report.topics if any("scratched" in term for term in t.terms))
    selection = next(t for t in report.topics if any("selection" in term for term in t.terms))
    assert scratched.detractor_share is not None and selection.detractor_share is not None
    assert scratched.detractor_share > selection.detractor_share, "complaint themes come from detractors"
    comments = await comments_of(world.merchant.id, set())
    assert topics_of(comments) == topics_of(list(comments)), "the same comments, the same topics"
    assert sum(t.comments for t in topics_of(comments)) <= len(comments)


async def test_campaign_audiences_select_exactly_the_planted_vip_detractors_and_open_vip_complaints(world):
    from campaigns.audiences import evaluate, people_of
    from campaigns.definitions import parse_audience

    await plant(world)
    by_hand = latest(await hand_answers(world))
    tier = dict(await ProfileSegment.filter(merchant_id=world.merchant.id).values_list("profile_id", "tier"))
    merged = dict(await Profile.filter(merchant_id=world.merchant.id).values_list("id", "merged_into_id"))
    people = await people_of(world.merchant.id)

    def keys(persons: set[int]) -> set[int]:
        return people.from_profiles(p for p in merged if (merged[p] or p) in persons)

    vip_detractors = {p for p, s in by_hand.items() if s <= 6 and tier.get(p) == "vip"}
    audience = parse_audience(
        {
            "all": [
                {"field": "value_tier", "op": "eq", "value": "vip"},
                {"field": "nps_group", "op": "eq", "value": "detractor"},
            ]
        }
    )
    assert vip_detractors and await evaluate(world.merchant.id, audience, AS_OF) == keys(vip_detractors)

    stores = {"shopify": world.shopify.id, "woocommerce": world.woo.id}
    profile_of = await survivors()
    unresolved = {
        profile_of[(stores[c.store], str(c.customer_platform_id))]
        for c in sandbox().feedback.complaints
        if c.status in ("open", "waiting") and (stores[c.store], str(c.customer_platform_id)) in profile_of
    }
    audience = parse_audience(
        {
            "all": [
                {"field": "value_tier", "op": "eq", "value": "vip"},
                {"field": "open_complaints", "op": "gte", "value": 1},
            ]
        }
    )
    expected = keys({p for p in unresolved if tier.get(p) == "vip"})
    assert expected, "the world has VIPs with an unresolved planted complaint"
    assert await evaluate(world.merchant.id, audience, AS_OF) == expected

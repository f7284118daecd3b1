"""The feedback report, the people behind an NPS group, reviews and each profile's feedback over
the admin API, on the world with the sandbox's planted feedback: the API answers what the domain
counts (itself checked by hand in test_feedback_analytics), in a bounded number of statements;
another merchant sees none of it and the storefront cannot ask."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.auth.api_keys import issue
from feedback.analytics import AlertKind, NpsCategory, feedback_report, people_by_nps_group
from feedback.models import Complaint, ComplaintStatus, Review, Survey, SurveyStatus
from insights.models import ProfileSegment
from schema.core.ids import to_gid
from store.models import Customer
from tests.schema.conftest import admin, data, storefront
from tests.schema.test_feedback_analytics import plant

pytestmark = pytest.mark.db

REPORT = """query($since: Date, $until: Date) { feedbackReport(since: $since, until: $until) {
  nps { score responses promoters passives detractors }
  csat { score satisfied responses }
  bySegment { key label nps { score responses } }
  byValueTier { key label nps { score responses promoters detractors } }
  byMonth { month nps { score responses } bySegment { key nps { responses } } }
  topics { term terms label comments detractors detractorShare }
  complaints { received open waiting resolved responseBreaches resolutionBreaches
               medianFirstResponseMinutes medianResolutionHours }
  alerts { kind detail at profile { id displayName } }
} }"""
PROFILES = """query($filter: FeedbackProfileFilter, $first: Int, $after: String) {
  feedbackProfiles(filter: $filter, first: $first, after: $after) {
    nodes { id feedback { latestNps { score comment answeredAt kind } latestCsat { score }
            openComplaints reviewCount averageRating } }
    pageInfo { hasNextPage endCursor } } }"""
REVIEWS = """query($profile: ID) { reviews(first: 100, profileId: $profile) {
  nodes { id rating title body productId orderId source pointsPaid createdAt profile { id } store { id } } } }"""


async def test_the_report_over_the_api_is_the_domains_count(client, world):
    await plant(world)
    since, until = "1997-01-01", "1998-06-30"
    found = data(await admin(client, REPORT, {"since": since, "until": until}))["feedbackReport"]
    report = await feedback_report(
        world.merchant.id, datetime(1997, 1, 1).date(), datetime(1998, 6, 30).date(), now=datetime.now(UTC)
    )
    assert found["nps"] == {
        "score": report.nps.score,
        "responses": report.nps.responses,
        "promoters": report.nps.promoters,
        "passives": report.nps.passives,
        "detractors": report.nps.detractors,
    }
    assert found["nps"]["responses"] > 50
    assert [(g["key"], g["nps"]["score"]) for g in found["bySegment"]] == [
        (g.key, g.nps.score) for g in report.by_segment
    ]
    assert [g["key"] for g in found["byValueTier"]][:1] == ["vip"]
    assert [m["month"] for m in found["byMonth"]] == [m.month for m in report.by_month]
    assert all(len(m["month"]) == 7 and m["month"][4] == "-" for m in found["byMonth"])
    assert found["csat"]["responses"] == report.csat.responses > 0
    assert [t["terms"] for t in found["topics"]] == [t.terms for t in report.topics]
    assert all(t["term"] == t["terms"][0] for t in found["topics"])
    assert found["complaints"]["received"] == report.complaints.received > 0
    kinds = {a["kind"] for a in found["alerts"]}
    assert "DETRACTOR_VIP" in kinds
    vip_detractors = {a.profile_id for a in report.alerts if a.kind == AlertKind.DETRACTOR_VIP}
    assert {a["profile"]["id"] for a in found["alerts"] if a["kind"] == "DETRACTOR_VIP"} == {
        to_gid("Profile", p) for p in vip_detractors
    }
    reversed_period = await admin(client, REPORT, {"since": "1998-01-02", "until": "1998-01-01"})
    assert reversed_period.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_detractor_vips_are_listed_with_their_feedback_and_pages_hold_together(client, world):
    await plant(world)
    detractors = await people_by_nps_group(world.merchant.id, NpsCategory.DETRACTOR)
    vips = set(
        await ProfileSegment.filter(merchant_id=world.merchant.id, tier="vip").values_list("profile_id", flat=True)
    )
    variables = {"filter": {"npsGroup": "DETRACTOR", "valueTier": "VIP"}, "first": 100}
    nodes = data(await admin(client, PROFILES, variables))["feedbackProfiles"]["nodes"]
    assert {n["id"] for n in nodes} == {to_gid("Profile", p) for p in detractors & vips} and nodes
    assert all(n["feedback"]["latestNps"]["score"] <= 6 for n in nodes)
    assert all(n["feedback"]["latestNps"]["kind"] == "NPS" for n in nodes)

    everyone: list[str] = []
    after = None
    while True:
        page = data(await admin(client, PROFILES, {"filter": {"npsGroup": "PROMOTER"}, "first": 20, "after": after}))
        everyone += [n["id"] for n in page["feedbackProfiles"]["nodes"]]
        if not page["feedbackProfiles"]["pageInfo"]["hasNextPage"]:
            break
        after = page["feedbackProfiles"]["pageInfo"]["endCursor"]
    promoters = await people_by_nps_group(world.merchant.id, NpsCategory.PROMOTER)
    assert sorted(everyone) == sorted(to_gid("Profile", p) for p in promoters) and len(everyone) == len(set(everyone))
    unknown = await admin(client, PROFILES, {"filter": {"segment": "no such segment"}, "first": 5})
    assert unknown.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_profiles_feedback_counts_its_answers_complaints_and_reviews(client, world):
    await plant(world)
    reviewed = await Review.filter(merchant_id=world.merchant.id).order_by("id").first()
    assert reviewed is not None
    pid = reviewed.profile_id
    mine = await Review.filter(profile_id=pid).values_list("rating", flat=True)
    answered = (
        await Survey.filter(profile_id=pid, status=SurveyStatus.ANSWERED, kind="nps")
        .order_by("-answered_at", "-id")
        .first()
    )
    open_complaints = await Complaint.filter(
        profile_id=pid, status__in=(ComplaintStatus.OPEN, ComplaintStatus.WAITING)
    ).count()
    query = """query($id: ID!) { profile(id: $id) { feedback { latestNps { score comment }
      openComplaints reviewCount averageRating } } }"""
    found = data(await admin(client, query, {"id": to_gid("Profile", pid)}))["profile"]["feedback"]
    assert found["reviewCount"] == len(mine)
    assert found["averageRating"] == round(sum(mine) / len(mine), 2)
    assert found["openComplaints"] == open_complaints
    assert found["latestNps"] == (None if answered is None else {"score": answered.score, "comment": answered.comment})

    reviews = data(await admin(client, REVIEWS, {"profile": to_gid("Profile", pid)}))["reviews"]["nodes"]
    assert sorted(r["rating"] for r in reviews) == sorted(mine)
    assert all(r["profile"]["id"] == to_gid("Profile", pid) and r["source"] == "DEMO" for r in reviews)
    node = data(await admin(client, "query($id: ID!) { node(id: $id) { id } }", {"id": reviews[0]["id"]}))
    assert node["node"]["id"] == reviews[0]["id"]


async def test_profiles_feedback_is_batched_whatever_the_page_size(client, world):
    from tortoise import connections

    await plant(world)
    conn = connections.get("default")
    counted: list[str] = []
    original = conn.execute_query

    async def counting(sql, values=None):  # type: ignore[no-untyped-def]
        counted.append(sql)
        return await original(sql, values)

    conn.execute_query = counting  # type: ignore[method-assign]
    try:
        small = len(counted)
        data(await admin(client, PROFILES, {"filter": {"npsGroup": "PROMOTER"}, "first": 3}))
        small = len(counted) - small
        large = len(counted)
        data(await admin(client, PROFILES, {"filter": {"npsGroup": "PROMOTER"}, "first": 60}))
        large = len(counted) - large
    finally:
        conn.execute_query = original  # type: ignore[method-assign]
    assert 0 < small and large <= small + 2, (small, large)


async def test_another_merchant_sees_none_of_it_and_the_storefront_cannot_ask(client, world):
    await plant(world)
    other = (await issue(world.other_merchant.id, "other")).secret
    theirs = data(await admin(client, REPORT, token=other))["feedbackReport"]
    assert theirs["nps"]["responses"] == 0 and theirs["nps"]["score"] is None
    assert theirs["alerts"] == [] and theirs["topics"] == [] and theirs["complaints"]["received"] == 0
    assert data(await admin(client, PROFILES, {"first": 50}, token=other))["feedbackProfiles"]["nodes"] == []
    assert data(await admin(client, REVIEWS, token=other))["reviews"]["nodes"] == []
    review = await Review.filter(merchant_id=world.merchant.id).first()
    assert review is not None
    node = await admin(
        client, "query($id: ID!) { node(id: $id) { id } }", {"id": to_gid("Review", review.id)}, token=other
    )
    assert node.json()["data"]["node"] is None
    ours = await admin(client, REVIEWS, {"profile": to_gid("Profile", review.profile_id)}, token=other)
    assert data(ours)["reviews"]["nodes"] == []
    shopper = await Customer.get(id=world.shopper.id)
    asked = await storefront(client, world.shopify, "{ feedbackReport { nps { score } } }")
    assert asked.json().get("errors"), "the storefront schema has no feedbackReport"
    assert shopper.merchant_id == world.merchant.id

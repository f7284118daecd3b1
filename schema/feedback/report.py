"""The voice of the customer in the admin API: the feedback report (NPS, CSAT, by segment, value
tier and month, topics, complaint handling, alerts), the people behind an NPS group, reviews,
and each profile's feedback summary (through a per-request DataLoader).

NPS everywhere here: promoters answer 9-10, passives 7-8, detractors 0-6; the score is the
percentage of promoters minus that of detractors (-100..100) over each person's latest answer in
the period (one person, one vote), null without answers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from feedback import analytics
from feedback.analytics import AlertKind, NpsCategory, ProfileFeedback
from feedback.models import Review
from feedback.topics import Topic
from insights.models import ProfileSegment
from schema.core.arguments import Window
from schema.core.context import AdminInfo
from schema.core.errors import ApiError, ErrorCode
from schema.core.ids import expect_pk, to_gid
from schema.core.node import Node
from schema.core.pagination import Connection, Ordering, paginate
from schema.feedback.answers import SurveyAnswer
from schema.feedback.enums import FeedbackSource, SurveyKind
from schema.insights.types import ValueTier
from schema.people.filters import known_segment
from schema.people.types import PROFILES, ProfileNode
from schema.stores.types import StoreNode
from store.models import Profile

REVIEWS = Ordering("created_at")
NPS_RULE = (
    "promoters answer 9-10, passives 7-8, detractors 0-6; the score is % promoters minus % detractors "
    "(-100..100) over each person's latest answer in the period (one person, one vote); null without answers"
)

strawberry.enum(
    NpsCategory,
    name="NpsCategory",
    description="Where an NPS answer falls: PROMOTER (9-10), PASSIVE (7-8) or DETRACTOR (0-6)",
)
strawberry.enum(
    AlertKind,
    name="FeedbackAlertKind",
    description="DETRACTOR_VIP: a VIP whose latest NPS answer in the period is 0-6; UNRESOLVED_HIGH_VALUE_COMPLAINT: "
    "an open or waiting complaint of a VIP",
)


@strawberry.type(description=f"Net Promoter Score of a group of people: {NPS_RULE}")
class NpsFigure:
    score: float | None = strawberry.field(
        description="% promoters minus % detractors, -100..100; null without answers"
    )
    responses: int = strawberry.field(description="people counted (each with their latest answer)")
    promoters: int = strawberry.field(description="people whose latest answer is 9 or 10")
    passives: int = strawberry.field(description="people whose latest answer is 7 or 8")
    detractors: int = strawberry.field(description="people whose latest answer is 0 to 6")

    @classmethod
    def of(cls, figure: analytics.NpsFigure) -> NpsFigure:
        return cls(
            score=figure.score,
            responses=figure.responses,
            promoters=figure.promoters,
            passives=figure.passives,
            detractors=figure.detractors,
        )


@strawberry.type(description="Customer satisfaction (1-5) over each person's latest CSAT answer in the period")
class CsatFigure:
    score: float | None = strawberry.field(description="the mean answer, 1-5; null without answers")
    satisfied: float | None = strawberry.field(description="the share (0-1) answering 4 or 5; null without answers")
    responses: int = strawberry.field(description="people counted")


@strawberry.type(description="NPS of one group: an insights segment or a value tier")
class NpsGroup:
    key: str = strawberry.field(
        description="the segment's name or the tier's value (vip, regular, at_risk, lost); none: not segmented yet"
    )
    label: str = strawberry.field(description="the group's name for people")
    nps: NpsFigure = strawberry.field(description="the group's NPS")

    @classmethod
    def of(cls, group: analytics.GroupFigure) -> NpsGroup:
        return cls(key=group.key, label=group.label, nps=NpsFigure.of(group.nps))


@strawberry.type(description="NPS of one calendar month (UTC), over each person's latest answer in that month")
class NpsMonth:
    month: str = strawberry.field(description="YYYY-MM")
    nps: NpsFigure = strawberry.field(description="the month's NPS")
    by_segment: list[NpsGroup] = strawberry.field(description="the month's NPS per insights segment")


@strawberry.type(
    description="A topic of what customers wrote (survey comments, complaints, reviews): its top words, "
    "found by TF-IDF and NMF with a fixed seed, so the same comments give the same topics"
)
class FeedbackTopic:
    term: str = strawberry.field(description="the topic's leading word")
    terms: list[str] = strawberry.field(description="its top words, most telling first")
    label: str = strawberry.field(description="its first three words, for a heading")
    comments: int = strawberry.field(description="comments that belong to this topic most")
    detractors: int = strawberry.field(description="of those, comments by people whose latest NPS answer is 0-6")
    detractor_share: float | None = strawberry.field(description="detractors / comments, 0-1")

    @classmethod
    def of(cls, topic: Topic) -> FeedbackTopic:
        return cls(
            term=topic.term,
            terms=topic.terms,
            label=topic.label,
            comments=topic.comments,
            detractors=topic.detractors,
            detractor_share=topic.detractor_share,
        )


@strawberry.type(
    description="Complaints and requests received in the period, as they stand now, against the merchant's "
    "response and resolution targets"
)
class ComplaintFigures:
    received: int = strawberry.field(description="received in the period")
    open: int = strawberry.field(description="of those, waiting for the merchant")
    waiting: int = strawberry.field(description="of those, answered and waiting for the shopper")
    resolved: int = strawberry.field(description="of those, resolved")
    response_breaches: int = strawberry.field(
        description="first reply later than the response target, or none yet and the target passed"
    )
    resolution_breaches: int = strawberry.field(
        description="resolved later than the resolution target, or unresolved past it"
    )
    median_first_response_minutes: float | None = strawberry.field(
        description="median minutes from intake to the first reply, over those answered; null when none"
    )
    median_resolution_hours: float | None = strawberry.field(
        description="median hours from intake to resolution, over those resolved; null when none"
    )


@strawberry.type(description="Someone to look at now: a VIP detractor or a VIP's unresolved complaint")
class FeedbackAlert:
    kind: AlertKind = strawberry.field(description="what happened")
    profile_id: strawberry.Private[int]
    detail: str = strawberry.field(description="one line: the score, or the complaint's status and category")
    at: datetime = strawberry.field(description="when: the answer, or the complaint's intake")

    @strawberry.field(description="the person")
    async def profile(self, info: AdminInfo) -> ProfileNode:
        row = await info.context.loaders.profile.load(self.profile_id)
        if row is None:
            raise ApiError("the alert's profile is gone", ErrorCode.NOT_FOUND)
        return ProfileNode.of(row)


@strawberry.type(description=f"What customers say, over a period. NPS: {NPS_RULE}")
class FeedbackReport:
    nps: NpsFigure = strawberry.field(description="everyone's NPS")
    csat: CsatFigure = strawberry.field(description="everyone's CSAT")
    by_segment: list[NpsGroup] = strawberry.field(description="NPS per insights segment (a person's current one)")
    by_value_tier: list[NpsGroup] = strawberry.field(description="NPS per value tier: VIP, regular, at risk, lost")
    by_month: list[NpsMonth] = strawberry.field(description="NPS per month of the period, oldest first")
    topics: list[FeedbackTopic] = strawberry.field(description="what comments talk about, most comments first")
    complaints: ComplaintFigures = strawberry.field(description="complaint handling")
    alerts: list[FeedbackAlert] = strawberry.field(
        description="VIP detractors (period) and VIPs' unresolved complaints (any time), newest first"
    )


@strawberry.type(name="ProfileFeedback", description="What one person said, in short")
class ProfileFeedbackNode:
    latest_nps: SurveyAnswer | None = strawberry.field(description="their latest NPS answer")
    latest_csat: SurveyAnswer | None = strawberry.field(description="their latest CSAT answer")
    open_complaints: int = strawberry.field(description="their complaints and requests open or waiting")
    review_count: int = strawberry.field(description="product reviews they wrote")
    average_rating: float | None = strawberry.field(description="the mean rating of their reviews, 1-5")

    @classmethod
    def of(cls, summary: ProfileFeedback) -> ProfileFeedbackNode:
        def answer(latest: analytics.LatestAnswer | None) -> SurveyAnswer | None:
            if latest is None:
                return None
            return SurveyAnswer(
                kind=SurveyKind(latest.kind),
                score=latest.score,
                comment=latest.comment or None,
                answered_at=latest.answered_at,
            )

        return cls(
            latest_nps=answer(summary.latest_nps),
            latest_csat=answer(summary.latest_csat),
            open_complaints=summary.open_complaints,
            review_count=summary.review_count,
            average_rating=summary.average_rating,
        )


async def feedback_of(info: AdminInfo, profile_id: int) -> ProfileFeedbackNode:
    return ProfileFeedbackNode.of(await info.context.loaders.feedback.profile_feedback.load(profile_id))


@strawberry.type(name="Review", description="A product review a review app or the store posted (signed), kept whole")
class ReviewNode(Node):
    row: strawberry.Private[Review]
    rating: int = strawberry.field(description="1-5")
    title: str = strawberry.field(description="blank when none, or after the person's erasure")
    body: str = strawberry.field(description="the text; blank when none, or after the person's erasure")
    product_id: str = strawberry.field(description="the product's id on its platform")
    order_id: str | None = strawberry.field(description="the order's id on its platform, when given")
    source: FeedbackSource = strawberry.field(description="API (a signed post) or DEMO")
    points_paid: int = strawberry.field(description="points the review earned (0 when over the program's limit)")
    created_at: datetime = strawberry.field(description="when it was received")

    @strawberry.field(description="the person who wrote it")
    async def profile(self, info: AdminInfo) -> ProfileNode | None:
        row = await info.context.loaders.profile.load(self.row.profile_id)
        return ProfileNode.of(row) if row else None

    @strawberry.field(description="the store it was posted for")
    async def store(self, info: AdminInfo) -> StoreNode | None:
        row = await info.context.loaders.store.load(self.row.store_id)
        return StoreNode.of(row) if row else None

    @classmethod
    def of(cls, row: Review) -> ReviewNode:
        return cls(
            id=to_gid("Review", row.id),
            row=row,
            rating=row.rating,
            title=row.title,
            body=row.body,
            product_id=row.product_platform_id,
            order_id=row.order_platform_id,
            source=FeedbackSource(row.source),
            points_paid=row.points_paid,
            created_at=row.created_at,
        )


async def review_node(info: AdminInfo, pk: int) -> ReviewNode | None:
    """``node(id:)`` for a Review: only the caller's merchant's."""
    row = await Review.get_or_none(id=pk, merchant_id=info.context.viewer.merchant_id)
    return ReviewNode.of(row) if row else None


@strawberry.input(description="Which people feedbackProfiles lists; every given condition must hold")
class FeedbackProfileFilter:
    nps_group: NpsCategory | None = strawberry.field(
        default=None, description="where the person's latest NPS answer (ever) falls"
    )
    value_tier: ValueTier | None = strawberry.field(default=None, description="the person's value tier")
    segment: str | None = strawberry.field(
        default=None, description="a named insights segment of the merchant (any case)"
    )


@strawberry.type
class FeedbackReportQueries:
    @strawberry.field(description=f"What customers say over a period (both days included, UTC). NPS: {NPS_RULE}")
    async def feedback_report(
        self,
        info: AdminInfo,
        since: Annotated[date | None, strawberry.argument(description="the first day; none: from the start")] = None,
        until: Annotated[date | None, strawberry.argument(description="the last day; none: up to now")] = None,
    ) -> FeedbackReport:
        if since is not None and until is not None and since > until:
            raise ApiError("since must not be after until", ErrorCode.BAD_USER_INPUT)
        report = await analytics.feedback_report(info.context.viewer.merchant_id, since, until)
        return FeedbackReport(
            nps=NpsFigure.of(report.nps),
            csat=CsatFigure(score=report.csat.score, satisfied=report.csat.satisfied, responses=report.csat.responses),
            by_segment=[NpsGroup.of(g) for g in report.by_segment],
            by_value_tier=[NpsGroup.of(g) for g in report.by_value_tier],
            by_month=[
                NpsMonth(month=m.month, nps=NpsFigure.of(m.nps), by_segment=[NpsGroup.of(g) for g in m.by_segment])
                for m in report.by_month
            ],
            topics=[FeedbackTopic.of(t) for t in report.topics],
            complaints=ComplaintFigures(**vars(report.complaints)),
            alerts=[
                FeedbackAlert(kind=a.kind, profile_id=a.profile_id, detail=a.detail, at=a.at) for a in report.alerts
            ],
        )

    @strawberry.field(
        description="People by what they said: their latest NPS answer's group (PROMOTER 9-10, PASSIVE 7-8, "
        "DETRACTOR 0-6), value tier and segment; without npsGroup, everyone who answered an NPS survey"
    )
    async def feedback_profiles(
        self,
        info: AdminInfo,
        filter: FeedbackProfileFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ProfileNode]:
        request = Window(first, after, last, before).request(PROFILES)
        merchant_id = info.context.viewer.merchant_id
        wanted = filter or FeedbackProfileFilter()
        segment = await known_segment(merchant_id, wanted.segment)
        people = await analytics.people_by_nps_group(merchant_id, wanted.nps_group)
        if wanted.value_tier is not None or segment is not None:
            segments = ProfileSegment.filter(merchant_id=merchant_id, profile_id__in=list(people))
            if wanted.value_tier is not None:
                segments = segments.filter(tier=ValueTier(wanted.value_tier).value)
            if segment is not None:
                segments = segments.filter(segment=segment)
            people = {int(pid) for pid in await segments.values_list("profile_id", flat=True)}  # type: ignore[call-overload]
        queryset = Profile.filter(merchant_id=merchant_id, merged_into_id=None, id__in=list(people))
        return await paginate(queryset, PROFILES, request, ProfileNode.of)

    @strawberry.field(description="The merchant's product reviews, newest first")
    async def reviews(
        self,
        info: AdminInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        profile_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="only this person's (and profiles merged into it)")
        ] = None,
    ) -> Connection[ReviewNode]:
        request = Window(first, after, last, before).request(REVIEWS)
        merchant_id = info.context.viewer.merchant_id
        queryset = Review.filter(merchant_id=merchant_id)
        if profile_id is not None:
            pk = expect_pk(profile_id, "Profile", argument="profileId")
            absorbed = await Profile.filter(merchant_id=merchant_id, merged_into_id=pk).values_list("id", flat=True)
            queryset = queryset.filter(profile_id__in=[pk, *absorbed])
        return await paginate(queryset, REVIEWS, request, ReviewNode.of)

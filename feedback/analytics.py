"""What customers say, counted: NPS and CSAT (overall, per insights segment, per value tier, per
month), complaint handling against the merchant's targets, alerts and each person's summary.

NPS: promoters answer 9-10, passives 7-8, detractors 0-6; the score is the percentage of
promoters minus the percentage of detractors (-100..100) over each person's **latest** answer in
the period (one person, one vote); no answers, no score. CSAT counts each person's latest 1-5
answer the same way: the mean, and the share of 4s and 5s (satisfied).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from tortoise.functions import Avg, Count

from feedback.models import Complaint, ComplaintStatus, Review, Survey, SurveyKind, SurveyStatus
from feedback.service_levels import Targets, resolution_breached, response_breached
from feedback.settings import FeedbackConfig, load_feedback_config
from feedback.topics import Topic, comments_of, topics_of
from insights.models import ProfileSegment, ValueTier
from store.models import Profile
from store.sql.feedback_report import Answer, ComplaintClock, Tables, complaint_clocks, latest_answers

TABLES = Tables(
    surveys=Survey._meta.db_table, complaints=Complaint._meta.db_table, segments=ProfileSegment._meta.db_table
)
UNSEGMENTED = "none"
"""The key of people insights has not segmented yet (no orders, or before the first refresh)."""
TIER_LABELS = {ValueTier.VIP: "VIP", ValueTier.REGULAR: "Regular", ValueTier.AT_RISK: "At risk", ValueTier.LOST: "Lost"}


class NpsCategory(StrEnum):
    PROMOTER = "promoter"
    """9-10"""
    PASSIVE = "passive"
    """7-8"""
    DETRACTOR = "detractor"
    """0-6"""


def nps_group(score: int) -> NpsCategory:
    return NpsCategory.PROMOTER if score >= 9 else NpsCategory.PASSIVE if score >= 7 else NpsCategory.DETRACTOR


@dataclass(frozen=True)
class NpsFigure:
    score: float | None
    responses: int
    promoters: int
    passives: int
    detractors: int

    @classmethod
    def of(cls, scores: Iterable[int]) -> NpsFigure:
        groups = [nps_group(s) for s in scores]
        n = len(groups)
        promoters, detractors = groups.count(NpsCategory.PROMOTER), groups.count(NpsCategory.DETRACTOR)
        score = round(100 * (promoters - detractors) / n, 1) if n else None
        return cls(score, n, promoters, groups.count(NpsCategory.PASSIVE), detractors)


@dataclass(frozen=True)
class CsatFigure:
    score: float | None
    """The mean answer (1-5)."""
    satisfied: float | None
    """The share (0-1) of 4s and 5s."""
    responses: int

    @classmethod
    def of(cls, scores: Sequence[int]) -> CsatFigure:
        if not scores:
            return cls(None, None, 0)
        return cls(
            round(statistics.fmean(scores), 2), round(sum(1 for s in scores if s >= 4) / len(scores), 4), len(scores)
        )


@dataclass(frozen=True)
class GroupFigure:
    key: str
    label: str
    nps: NpsFigure


@dataclass(frozen=True)
class MonthFigure:
    month: str
    nps: NpsFigure
    by_segment: list[GroupFigure]


@dataclass(frozen=True)
class ComplaintFigures:
    received: int
    open: int
    waiting: int
    resolved: int
    response_breaches: int
    resolution_breaches: int
    median_first_response_minutes: float | None
    median_resolution_hours: float | None


class AlertKind(StrEnum):
    DETRACTOR_VIP = "detractor_vip"
    """A VIP whose latest NPS answer in the period is 0-6."""
    UNRESOLVED_HIGH_VALUE_COMPLAINT = "unresolved_high_value_complaint"
    """An open or waiting complaint (received any time) of a VIP."""


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    profile_id: int
    detail: str
    at: datetime


@dataclass
class FeedbackReport:
    nps: NpsFigure
    csat: CsatFigure
    by_segment: list[GroupFigure]
    by_value_tier: list[GroupFigure]
    by_month: list[MonthFigure]
    complaints: ComplaintFigures
    alerts: list[Alert]
    topics: list[Topic] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    """Each person's latest NPS answer in the period (what the figures count)."""


def period(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """[since 00:00 UTC, the day after until 00:00 UTC): both days included."""
    start = datetime.combine(since, time(), UTC) if since else None
    end = datetime.combine(until + timedelta(days=1), time(), UTC) if until else None
    return start, end


def segment_label(key: str) -> str:
    return "Not segmented yet" if key == UNSEGMENTED else key[:1].upper() + key[1:]


def _groups(answers: Iterable[Answer], key_of: str) -> list[GroupFigure]:
    scores: dict[str, list[int]] = defaultdict(list)
    for a in answers:
        scores[getattr(a, key_of) or UNSEGMENTED].append(a.score)
    if key_of == "tier":
        order = [t.value for t in ValueTier] + [UNSEGMENTED]
        return [
            GroupFigure(
                k, TIER_LABELS.get(ValueTier(k), k) if k != UNSEGMENTED else segment_label(k), NpsFigure.of(scores[k])
            )
            for k in order
            if k in scores
        ]
    return [GroupFigure(k, segment_label(k), NpsFigure.of(v)) for k, v in sorted(scores.items())]


def complaint_figures(clocks: Sequence[ComplaintClock], config: FeedbackConfig, now: datetime) -> ComplaintFigures:
    """Counts by status, breaches of the targets (``feedback.service_levels``) and median times."""
    targets = Targets.of(config)
    responses = [(c.first_response_at - c.received_at).total_seconds() / 60 for c in clocks if c.first_response_at]
    resolutions = [(c.resolved_at - c.received_at).total_seconds() / 3600 for c in clocks if c.resolved_at]
    statuses = [c.status for c in clocks]
    return ComplaintFigures(
        received=len(clocks),
        open=statuses.count(ComplaintStatus.OPEN.value),
        waiting=statuses.count(ComplaintStatus.WAITING.value),
        resolved=statuses.count(ComplaintStatus.RESOLVED.value),
        response_breaches=sum(response_breached(c.received_at, c.first_response_at, targets, now) for c in clocks),
        resolution_breaches=sum(resolution_breached(c.received_at, c.resolved_at, targets, now) for c in clocks),
        median_first_response_minutes=round(statistics.median(responses), 1) if responses else None,
        median_resolution_hours=round(statistics.median(resolutions), 2) if resolutions else None,
    )


def _ids(rows: Iterable[Any]) -> set[int]:
    """Ids from ``values_list(..., flat=True)``, which Tortoise types as tuples."""
    return {int(r) for r in rows}


async def vip_profiles(merchant_id: int) -> set[int]:
    rows = await ProfileSegment.filter(merchant_id=merchant_id, tier=ValueTier.VIP.value).values_list(
        "profile_id", flat=True
    )
    return _ids(rows)


async def unresolved_vip_complaints(merchant_id: int) -> list[Alert]:
    """An alert per open or waiting complaint of a VIP (merged profiles count for their survivor)."""
    vips = await vip_profiles(merchant_id)
    rows = await Complaint.filter(
        merchant_id=merchant_id, status__in=(ComplaintStatus.OPEN, ComplaintStatus.WAITING)
    ).values_list("id", "profile_id", "category", "status", "received_at", "subject")
    survivors = await _survivors({pid for _, pid, *_ in rows})
    return [
        Alert(
            AlertKind.UNRESOLVED_HIGH_VALUE_COMPLAINT,
            survivors[pid],
            f"{str(status).capitalize()} {category} complaint since {received:%Y-%m-%d %H:%M} UTC",
            received,
        )
        for _, pid, category, status, received, _ in rows
        if survivors[pid] in vips
    ]


async def _survivors(profile_ids: set[int]) -> dict[int, int]:
    rows = await Profile.filter(id__in=profile_ids).values_list("id", "merged_into_id")
    return {pid: merged or pid for pid, merged in rows}


async def feedback_report(
    merchant_id: int, since: date | None = None, until: date | None = None, *, now: datetime | None = None
) -> FeedbackReport:
    """The period's figures for one merchant (the whole history when a bound is ``None``)."""
    now = now or datetime.now(UTC)
    start, end = period(since, until)
    conn = Survey._meta.db
    answers = await latest_answers(conn, TABLES, merchant_id, SurveyKind.NPS.value, start, end)
    monthly = await latest_answers(conn, TABLES, merchant_id, SurveyKind.NPS.value, start, end, per_month=True)
    csat = await latest_answers(conn, TABLES, merchant_id, SurveyKind.CSAT.value, start, end)
    config = await load_feedback_config(merchant_id)
    clocks = await complaint_clocks(conn, TABLES, merchant_id, start, end)
    months: dict[str, list[Answer]] = defaultdict(list)
    for a in monthly:
        months[a.month].append(a)
    alerts = [
        Alert(AlertKind.DETRACTOR_VIP, a.person, f"Answered {a.score} out of 10 to the NPS survey", a.answered_at)
        for a in answers
        if a.tier == ValueTier.VIP.value and a.score <= 6
    ]
    alerts += await unresolved_vip_complaints(merchant_id)
    alerts.sort(key=lambda alert: (alert.at, alert.profile_id), reverse=True)
    detractors = {a.person for a in answers if a.score <= 6}
    absorbed = await Profile.filter(merged_into_id__in=list(detractors)).values_list("id", flat=True)
    detractors |= _ids(absorbed)
    return FeedbackReport(
        nps=NpsFigure.of(a.score for a in answers),
        csat=CsatFigure.of([a.score for a in csat]),
        by_segment=_groups(answers, "segment"),
        by_value_tier=_groups(answers, "tier"),
        by_month=[
            MonthFigure(m, NpsFigure.of(a.score for a in rows), _groups(rows, "segment"))
            for m, rows in sorted(months.items())
        ],
        complaints=complaint_figures(clocks, config, now),
        alerts=alerts,
        topics=topics_of(await comments_of(merchant_id, detractors, start, end)),
        answers=answers,
    )


async def people_by_nps_group(merchant_id: int, group: NpsCategory | None = None) -> set[int]:
    """People (surviving profiles) whose latest NPS answer ever falls in ``group`` (any, when ``None``)."""
    answers = await latest_answers(Survey._meta.db, TABLES, merchant_id, SurveyKind.NPS.value, None, None)
    return {a.person for a in answers if group is None or nps_group(a.score) == group}


async def nps_groups(merchant_id: int) -> dict[int, NpsCategory]:
    """Each person's (surviving profile's) group by their latest NPS answer ever."""
    answers = await latest_answers(Survey._meta.db, TABLES, merchant_id, SurveyKind.NPS.value, None, None)
    return {a.person: nps_group(a.score) for a in answers}


async def open_complaints(merchant_id: int) -> dict[int, int]:
    """Each person's (surviving profile's) count of open or waiting complaints; people with none left out."""
    rows = await Complaint.filter(
        merchant_id=merchant_id, status__in=(ComplaintStatus.OPEN, ComplaintStatus.WAITING)
    ).values_list("profile_id", flat=True)
    survivors = await _survivors(_ids(rows))
    counts: dict[int, int] = defaultdict(int)
    for pid in rows:
        counts[survivors[int(pid)]] += 1  # type: ignore[call-overload]
    return dict(counts)


async def profiles_of(merchant_id: int, people: Iterable[int]) -> dict[int, int]:
    """Every profile that stands for one of ``people``: themselves and the profiles merged into
    them, mapped to the person (accounts may still point at a merged profile)."""
    people = list(people)
    absorbed = await Profile.filter(merchant_id=merchant_id, merged_into_id__in=people).values_list(
        "id", "merged_into_id"
    )
    return {pid: pid for pid in people} | {int(pid): int(into) for pid, into in absorbed}


@dataclass(frozen=True)
class LatestAnswer:
    kind: SurveyKind
    score: int
    comment: str | None
    answered_at: datetime


@dataclass
class ProfileFeedback:
    latest_nps: LatestAnswer | None = None
    latest_csat: LatestAnswer | None = None
    open_complaints: int = 0
    review_count: int = 0
    average_rating: float | None = None


async def profile_summaries(merchant_id: int, profile_ids: Sequence[int]) -> list[ProfileFeedback]:
    """Each profile's feedback (with the profiles merged into it), in four queries whatever the count."""
    absorbed = await Profile.filter(merchant_id=merchant_id, merged_into_id__in=list(profile_ids)).values_list(
        "id", "merged_into_id"
    )
    owner = {pid: pid for pid in profile_ids} | {pid: into for pid, into in absorbed}
    every = list(owner)
    found = {pid: ProfileFeedback() for pid in profile_ids}
    surveys = (
        await Survey.filter(merchant_id=merchant_id, profile_id__in=every, status=SurveyStatus.ANSWERED)
        .exclude(score=None)
        .order_by("answered_at", "id")
        .values_list("profile_id", "kind", "score", "comment", "answered_at")
    )
    for pid, kind, score, comment, at in surveys:  # oldest first: the latest overwrites
        answer = LatestAnswer(SurveyKind(kind), score, comment, at)
        if answer.kind == SurveyKind.NPS:
            found[owner[pid]].latest_nps = answer
        else:
            found[owner[pid]].latest_csat = answer
    for pid, n in (
        await Complaint.filter(
            merchant_id=merchant_id, profile_id__in=every, status__in=(ComplaintStatus.OPEN, ComplaintStatus.WAITING)
        )
        .annotate(n=Count("id"))
        .group_by("profile_id")
        .values_list("profile_id", "n")
    ):
        found[owner[pid]].open_complaints += n
    ratings: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for pid, n, mean in (
        await Review.filter(merchant_id=merchant_id, profile_id__in=every)
        .annotate(n=Count("id"), mean=Avg("rating"))
        .group_by("profile_id")
        .values_list("profile_id", "n", "mean")
    ):
        ratings[owner[pid]].append((n, float(mean)))
    for pid, parts in ratings.items():
        total = sum(n for n, _ in parts)
        found[pid].review_count = total
        found[pid].average_rating = round(sum(n * m for n, m in parts) / total, 2)
    return [found[pid] for pid in profile_ids]

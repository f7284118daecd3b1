"""Surveys after a fulfilled order: scheduled once per order, sent after the merchant's delay,
answered once, and paid (when the merchant offers points) once, whatever the score.

Scheduling reads the orders Rapport holds: one that is fulfilled (the connectors normalise
Shopify's ``FULFILLED`` and WooCommerce's ``completed`` to ``fulfilled``), not cancelled, not
refunded in full, of a registered account, gets one survey of the merchant's kind, unless the
same person (profile, across the merchant's stores) has one within ``survey_interval_days``;
that order's survey is kept CANCELLED (``too_recent``), so a later run does not weigh it again.
Sending is the campaigns' business (``campaigns.survey_mail``: the email needs consent); here
a survey only moves SCHEDULED → SENT → ANSWERED or EXPIRED, each by a conditional update, so two
workers or two answers never both win.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from feedback.errors import AlreadyAnswered, FeedbackNotFound, InvalidFeedback, SurveyExpired
from feedback.models import Survey, SurveyKind, SurveyStatus
from feedback.settings import FeedbackConfig, load_feedback_config
from loyalty.ledger import Book, LedgerConflict, Posting
from loyalty.models import Entry, EntryKind, EventKind
from loyalty.ownership import owners_of_customers
from loyalty.program import load_program
from store.models import Customer, Order
from store.people import ensure_profiles

SCALES: dict[SurveyKind, tuple[int, int]] = {SurveyKind.NPS: (0, 10), SurveyKind.CSAT: (1, 5)}
COMMENT_MAX = 2000
BACKFILL_GRACE = timedelta(days=7)
"""How far past its send time an order's survey is still worth scheduling: a first sync must not
survey years of history, and a job that did not run for a few days must not lose any."""
CHUNK = 1000
FULFILLED = "fulfilled"
REFUNDED = "refunded"
TOO_RECENT = "too_recent"
POINTS_CAUSE = "survey"


def scale_of(kind: SurveyKind | str) -> tuple[int, int]:
    return SCALES[SurveyKind(kind)]


def question_of(kind: SurveyKind | str, store_name: str) -> str:
    """The question the survey asks, as the widget and the email word it (English; the email's
    templates have their own words per locale)."""
    if SurveyKind(kind) == SurveyKind.NPS:
        return f"How likely are you to recommend {store_name} to a friend or colleague?"
    return f"How satisfied are you with your order from {store_name}?"


def fulfilled_at(order: dict[str, Any]) -> datetime:
    """When Rapport saw the order fulfilled. The platforms record no fulfilment time on the order
    records Rapport keeps, so the order's platform ``updated_at`` (its last change, which for a
    fulfilled order is usually the fulfilment itself) is the best time available."""
    return order["platform_updated_at"]


@dataclass
class ScheduleReport:
    scheduled: int = 0
    too_recent: int = 0
    disabled: bool = False


def _fulfilled_orders(merchant_id: int, since: datetime, until: datetime) -> Any:
    return (
        Order.filter(
            merchant_id=merchant_id,
            fulfillment_status=FULFILLED,
            cancelled_at=None,
            deleted_at=None,
            test=False,
            customer_id__not_isnull=True,
            platform_updated_at__gte=since,
            platform_updated_at__lte=until,
        )
        .exclude(financial_status=REFUNDED)
        .order_by("platform_updated_at", "id")
        .values("id", "store_id", "customer_id", "platform_updated_at")
    )


async def schedule_surveys(merchant_id: int, now: datetime, config: FeedbackConfig | None = None) -> ScheduleReport:
    """Schedule the surveys of the merchant's recently fulfilled orders (see the module's
    docstring); a second run at the same time schedules nothing more."""
    config = config or await load_feedback_config(merchant_id)
    if not config.surveys_enabled:
        return ScheduleReport(disabled=True)
    delay = timedelta(days=config.survey_delay_days)
    interval = timedelta(days=config.survey_interval_days)
    orders = await _fulfilled_orders(merchant_id, now - delay - BACKFILL_GRACE, now)
    if not orders:
        return ScheduleReport()
    surveyed: set[int] = set()
    for start in range(0, len(orders), CHUNK):
        ids = [o["id"] for o in orders[start : start + CHUNK]]
        found = await Survey.filter(merchant_id=merchant_id, order_id__in=ids).values_list("order_id", flat=True)
        surveyed |= {int(cast(int, oid)) for oid in found}
    orders = [o for o in orders if o["id"] not in surveyed]
    accounts = {
        row["id"]: row
        for row in await Customer.filter(
            id__in=sorted({o["customer_id"] for o in orders}), is_guest=False, deleted_at=None
        ).values("id", "profile_id")
    }
    orders = [o for o in orders if o["customer_id"] in accounts]
    if not orders:
        return ScheduleReport()
    missing = [cid for cid, row in accounts.items() if row["profile_id"] is None]
    profiles = {cid: row["profile_id"] for cid, row in accounts.items() if row["profile_id"] is not None}
    profiles |= await ensure_profiles(missing) if missing else {}
    taken: dict[int, list[datetime]] = defaultdict(list)
    for pid, send_at in (
        await Survey.filter(merchant_id=merchant_id, profile_id__in=sorted(set(profiles.values())))
        .exclude(status=SurveyStatus.CANCELLED)
        .values_list("profile_id", "send_at")
    ):
        taken[pid].append(send_at)
    kind = SurveyKind(config.survey_kind)
    report = ScheduleReport()
    rows = []
    for order in orders:
        pid = profiles[order["customer_id"]]
        send_at = fulfilled_at(order) + delay
        recent = any(abs(send_at - other) < interval for other in taken[pid])
        if not recent:
            taken[pid].append(send_at)
        rows.append(
            {
                "merchant_id": merchant_id,
                "profile_id": pid,
                "store_id": order["store_id"],
                "customer_id": order["customer_id"],
                "order_id": order["id"],
                "kind": kind,
                "status": SurveyStatus.CANCELLED if recent else SurveyStatus.SCHEDULED,
                "reason": TOO_RECENT if recent else "",
                "send_at": send_at,
            }
        )
        if recent:
            report.too_recent += 1
        else:
            report.scheduled += 1
    try:
        await Survey.bulk_create([Survey(**row) for row in rows], batch_size=CHUNK)
    except IntegrityError:  # a concurrent run wrote some of them first: keep what is not there yet
        report = ScheduleReport()
        for row in rows:
            try:
                await Survey.create(**row)
            except IntegrityError:
                continue
            if row["status"] == SurveyStatus.SCHEDULED:
                report.scheduled += 1
            else:
                report.too_recent += 1
    return report


async def due_surveys(now: datetime, *, merchant_id: int | None = None, limit: int = 500) -> list[Survey]:
    due = Survey.filter(status=SurveyStatus.SCHEDULED, send_at__lte=now)
    if merchant_id is not None:
        due = due.filter(merchant_id=merchant_id)
    return list(await due.order_by("send_at", "id").limit(limit))


async def why_not_send(surveys: list[Survey], now: datetime) -> dict[int, str]:
    """The surveys that must not go out after all, with the reason they are cancelled: surveys
    turned off since, the order cancelled or refunded in full, the account deleted or erased, or
    the person surveyed within the interval meanwhile (by another store, say)."""
    reasons: dict[int, str] = {}
    if not surveys:
        return reasons
    configs = {m: await load_feedback_config(m) for m in {s.merchant_id for s in surveys}}
    orders = {
        o["id"]: o
        for o in await Order.filter(id__in=[s.order_id for s in surveys if s.order_id]).values(
            "id", "fulfillment_status", "cancelled_at", "financial_status", "deleted_at"
        )
    }
    live = set(
        await Customer.filter(id__in=[s.customer_id for s in surveys], deleted_at=None).values_list("id", flat=True)
    )
    recent: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for sid, pid, sent_at in await Survey.filter(
        profile_id__in=sorted({s.profile_id for s in surveys}),
        status__in=(SurveyStatus.SENT, SurveyStatus.ANSWERED, SurveyStatus.EXPIRED),
        sent_at__not_isnull=True,
    ).values_list("id", "profile_id", "sent_at"):
        recent[pid].append((sid, sent_at))
    for survey in surveys:
        config = configs[survey.merchant_id]
        order = orders.get(survey.order_id) if survey.order_id else None
        interval = timedelta(days=config.survey_interval_days)
        if not config.surveys_enabled:
            reasons[survey.id] = "disabled"
        elif survey.order_id and (
            order is None
            or order["deleted_at"] is not None
            or order["cancelled_at"] is not None
            or order["financial_status"] == REFUNDED
            or order["fulfillment_status"] != FULFILLED
        ):
            reasons[survey.id] = "order_changed"
        elif survey.customer_id not in live:
            reasons[survey.id] = "erased"
        elif any(sid != survey.id and now - sent_at < interval for sid, sent_at in recent[survey.profile_id]):
            reasons[survey.id] = TOO_RECENT
        else:
            recent[survey.profile_id].append((survey.id, now))
    return reasons


async def cancel(survey_id: int, reason: str) -> bool:
    return bool(
        await Survey.filter(id=survey_id, status=SurveyStatus.SCHEDULED).update(
            status=SurveyStatus.CANCELLED, reason=reason[:64]
        )
    )


async def mark_sent(survey_id: int, channel: str, now: datetime, valid_days: int) -> bool:
    """SCHEDULED → SENT, open for answers ``valid_days``; ``False`` when another worker sent it."""
    return bool(
        await Survey.filter(id=survey_id, status=SurveyStatus.SCHEDULED).update(
            status=SurveyStatus.SENT, channel=channel, sent_at=now, expires_at=now + timedelta(days=valid_days)
        )
    )


async def expire_surveys(now: datetime, *, merchant_id: int | None = None) -> int:
    """Sent surveys nobody answered in time become EXPIRED (answers were refused already)."""
    lapsed = Survey.filter(status=SurveyStatus.SENT, expires_at__lte=now)
    if merchant_id is not None:
        lapsed = lapsed.filter(merchant_id=merchant_id)
    return await lapsed.update(status=SurveyStatus.EXPIRED)


@dataclass(frozen=True)
class Answered:
    survey: Survey
    points: int
    """Points paid for this answer (0 when the merchant offers none)."""


def checked_answer(kind: SurveyKind | str, score: Any, comment: Any) -> tuple[int, str | None]:
    """The score within the survey's scale and the comment trimmed, at most ``COMMENT_MAX``
    characters (empty: none); ``InvalidFeedback`` at the field at fault otherwise."""
    low, high = scale_of(kind)
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        raise InvalidFeedback(f"score is a whole number from {low} to {high}", ("score",))
    if comment is not None and not isinstance(comment, str):
        raise InvalidFeedback("comment is text", ("comment",))
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise InvalidFeedback(f"comment is at most {COMMENT_MAX:,} characters", ("comment",))
    if "\x00" in text:
        raise InvalidFeedback("comment holds a character that is not text", ("comment",))
    return score, text or None


async def open_survey(survey_id: int, now: datetime, *, accounts: set[int] | None = None) -> Survey:
    """A survey open for an answer; ``accounts``: the caller's own accounts (another's survey is
    not found). Refuses a survey already answered, expired, or not sent (yet)."""
    survey = await Survey.get_or_none(id=survey_id)
    if survey is None or (accounts is not None and survey.customer_id not in accounts):
        raise FeedbackNotFound("no such survey", ("surveyId",))
    _refuse_closed(survey, now)
    return survey


def _refuse_closed(survey: Survey, now: datetime) -> None:
    if survey.status == SurveyStatus.ANSWERED:
        raise AlreadyAnswered("this survey was answered already: thank you", ("surveyId",))
    if survey.status == SurveyStatus.EXPIRED or (
        survey.status == SurveyStatus.SENT and survey.expires_at is not None and survey.expires_at <= now
    ):
        raise SurveyExpired("this survey is closed: it was open until its expiry date", ("surveyId",))
    if survey.status != SurveyStatus.SENT:
        raise FeedbackNotFound("no such survey", ("surveyId",))


async def answer_survey(
    survey_id: int, score: Any, comment: Any, now: datetime, *, accounts: set[int] | None = None
) -> Answered:
    """Record the one answer of a sent, unexpired survey (a conditional update: of two answers at
    once, one is recorded and the other told it was answered already), then pay its points."""
    survey = await open_survey(survey_id, now, accounts=accounts)
    score, text = checked_answer(survey.kind, score, comment)
    won = await Survey.filter(id=survey.id, status=SurveyStatus.SENT, expires_at__gt=now).update(
        status=SurveyStatus.ANSWERED, answered_at=now, score=score, comment=text
    )
    if not won:
        _refuse_closed(await Survey.get(id=survey.id), now)
        raise AlreadyAnswered("this survey was answered already: thank you", ("surveyId",))
    config = await load_feedback_config(survey.merchant_id)
    points = await pay_points(survey, config.survey_points, now) if config.survey_points > 0 else 0
    return Answered(await Survey.get(id=survey.id), points)


def points_key(survey_id: int) -> str:
    return f"feedback:survey:{survey_id}"


async def pay_points(survey: Survey, points: int, now: datetime) -> int:
    """Credit ``points`` to the member holding the surveyed account's points, once per survey
    (the ledger key names the survey), and record them on the survey. Nothing when the merchant
    has no loyalty program. The score plays no part."""
    program = await load_program(survey.merchant_id)
    if points <= 0 or (program.at(now) or program.current) is None:
        return 0
    holder = (await owners_of_customers([survey.customer_id]))[survey.customer_id]
    key = points_key(survey.id)
    for _ in range(2):  # a concurrent writer of the same key: once more, which finds it written
        try:
            paid = await _credit(survey, holder, key, points, now)
            break
        except LedgerConflict:
            continue
    else:
        paid = 0
    if paid:
        await Survey.filter(id=survey.id, points_paid=0).update(points_paid=paid)
    return paid


async def _credit(survey: Survey, holder: int, key: str, points: int, now: datetime) -> int:
    async with in_transaction() as conn:
        book = await Book.open(conn, survey.merchant_id, [holder], now)
        if await Entry.filter(merchant_id=survey.merchant_id, key=key).using_db(conn).exists():
            return 0
        data = {"survey_id": survey.id, "order_id": survey.order_id, "customer_id": survey.customer_id}
        book.post(
            Posting(
                holder,
                EntryKind.ACTION,
                key,
                now,
                available=points,
                lifetime=points,
                store_id=survey.store_id,
                cause=POINTS_CAUSE,
                data=data,
            )
        )
        book.emit(
            EventKind.POINTS_EARNED,
            holder,
            f"earned:{key}",
            {"profile_id": holder, "action": POINTS_CAUSE, "points": points, "pending": False},
            now,
        )
        await book.flush()
    return points


async def pending_survey(accounts: set[int], now: datetime) -> Survey | None:
    """The oldest sent, unexpired, unanswered survey of these accounts (the widget shows it)."""
    if not accounts:
        return None
    return (
        await Survey.filter(customer_id__in=sorted(accounts), status=SurveyStatus.SENT, expires_at__gt=now)
        .order_by("sent_at", "id")
        .first()
    )

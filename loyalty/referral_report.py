"""The referral report: how many came through links, signed up, ordered, what it earned and cost,
and how much fraud was refused, over a period (definitions in ``store.sql.referral_report``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tortoise import connections

from loyalty.models import Entry, EntryKind, Referral, ReferralStatus, ReferralVisit
from store.sql.referral_report import ReferrerRow, Tables, referral_report

TABLES = Tables(referrals=Referral._meta.db_table, visits=ReferralVisit._meta.db_table, entries=Entry._meta.db_table)


@dataclass(frozen=True)
class ReferralReport:
    clicks: int
    signups: int
    orders: int
    revenue: dict[str, Decimal]
    friend_codes_issued: int
    friend_codes_used: int
    points_paid: int
    pending: int
    qualified: int
    completed: int
    in_review: int
    refused: int
    refused_by_reason: list[tuple[str, int]]
    top_referrers: list[ReferrerRow]


async def report(merchant_id: int, start: datetime | None, end: datetime | None, *, top: int = 10) -> ReferralReport:
    rows = await referral_report(
        connections.get("default"), TABLES, merchant_id, start, end, top=top, points_kind=EntryKind.REFERRAL.value
    )
    status = rows.by_status
    return ReferralReport(
        clicks=rows.clicks,
        signups=sum(status.values()),
        orders=rows.orders,
        revenue=rows.revenue,
        friend_codes_issued=rows.codes_issued,
        friend_codes_used=rows.codes_used,
        points_paid=rows.points_paid,
        pending=status.get(ReferralStatus.PENDING, 0),
        qualified=status.get(ReferralStatus.QUALIFIED, 0),
        completed=status.get(ReferralStatus.COMPLETED, 0),
        in_review=status.get(ReferralStatus.REVIEW, 0),
        refused=status.get(ReferralStatus.REJECTED, 0),
        refused_by_reason=rows.refused_by_reason,
        top_referrers=rows.top,
    )

"""Rows of the CSV exports, page by page, and the CSV text they become.

A table is a header and an async stream of pages of rows. The members table reads its rows in
keyset pages of ``PAGE`` (the queryset's members newest first, as the admin ``members`` list),
with each page's people, accounts and insights in one statement each, so a list of
100,000 members is never held whole. The other tables are small (a row per segment, month or
group) and come from one aggregate each.

CSV is written for Excel: UTF-8 with a byte-order mark, CRLF, the csv module's quoting, and a
text cell that begins with ``= + - @``, a tab or a carriage return is prefixed with ``'`` so a
spreadsheet shows it as text instead of running it as a formula (a shopper chooses their name).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from insights.models import ClvPrediction, ProfileRevenue, ProfileSegment, ProfileStats
from loyalty.models import Member
from measure.cohorts import cohorts
from measure.impact import GroupFigures, ProgramImpact
from measure.impact_kept import ImpactPeriod, ImpactReport, dated_impact, period_impact
from measure.retention import retention
from measure.value import ClvDimension, clv_breakdown, value_tier_flows, value_tier_revenue
from store.models import Customer, Profile
from store.people import resolve_profile
from store.sql.exports import Tables, rows_of_people, segment_totals
from store.sql.reads import Row

PAGE = 1000
"""Members per keyset page: a few statements per thousand rows, a few MiB of Python at most."""
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CENT = Decimal("0.01")

Cell = str | int | float | Decimal | datetime | date | bool | None
Page = Sequence[Sequence[Cell]]


@dataclass(frozen=True)
class Table:
    """One export: its column names and its rows, a page at a time."""

    header: tuple[str, ...]
    pages: AsyncIterator[Page]


def cell(value: Cell) -> str | int | float:
    """A value as the CSV shows it: ISO times, plain decimals, true/false, text made safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):  # money in cents when that is exact, else every digit kept
        cents = value.quantize(CENT)
        return format(cents if cents == value else value.normalize(), "f")
    if isinstance(value, str):
        return f"'{value}" if value.startswith(FORMULA_STARTS) else value
    return value


def csv_text(rows: Iterable[Sequence[Cell]]) -> str:
    """Rows as CSV lines (CRLF, minimal quoting), each cell through ``cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue()


async def first_chunk(table: Table) -> bytes:
    """BOM, header and the first page: read before the response starts, so a failure there is
    still an error status rather than a file cut short."""
    first = await anext(table.pages, None)
    return (BOM + csv_text([table.header, *(first or ())])).encode()


async def csv_chunks(table: Table, first: bytes | None = None) -> AsyncIterator[bytes]:
    """The table as UTF-8 bytes: BOM and header first (or ``first``), then one chunk per page."""
    yield first if first is not None else (BOM + csv_text([table.header])).encode()
    async for page in table.pages:
        if page:
            yield csv_text(page).encode()


async def one_page(rows: Page) -> AsyncIterator[Page]:
    """A small table computed at once, as a stream of one page."""
    yield rows


# -- members ---------------------------------------------------------------------------------

MEMBER_COLUMNS = (
    "member_id",
    "profile_id",
    "email",
    "name",
    "joined_at",
    "tier",
    "points_available",
    "points_pending",
    "points_lifetime",
    "segment",
    "value_tier",
    "clv",
    "clv_currency",
    "churn_band",
    "marketing_consent",
    "first_order_at",
    "last_order_at",
    "orders",
    "revenue",
    "revenue_currency",
)


def _after(member: Member) -> Q:
    """Members after ``member`` in the list's order (newest first, the higher id first on a tie)."""
    return Q(created_at__lt=member.created_at) | Q(created_at=member.created_at, id__lt=member.id)


async def member_pages(members: QuerySet[Member], size: int = PAGE) -> AsyncIterator[list[Member]]:
    """``members`` in keyset pages, newest first: each page one statement past the last row seen."""
    last: Member | None = None
    while True:
        queryset = members if last is None else members.filter(_after(last))
        page = list(await queryset.order_by("-created_at", "-id").limit(size))
        if not page:
            return
        yield page
        if len(page) < size:
            return
        last = page[-1]


def _joined_at(member: Member) -> datetime:
    """Enrolment, or the first earning order when it is older (history loaded at install)."""
    first = member.first_order_at
    return first if first is not None and first < member.created_at else member.created_at


@dataclass(frozen=True, slots=True)
class _Account:
    """The fields of a store account the members file shows (read as tuples: no model objects)."""

    updated_at: datetime
    id: int
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    platform_id: str
    accepts_marketing: bool


def _name(accounts: list[_Account], person: int) -> str:
    """As the admin API's ``displayName``: the newest account with a name, else its email, phone or id."""
    named = next((c for c in accounts if c.first_name or c.last_name), None)
    chosen = named or (accounts[0] if accounts else None)
    if chosen is None:
        return f"Profile {person}"
    name = " ".join(part for part in (chosen.first_name, chosen.last_name) if part)
    return name or chosen.email or chosen.phone or f"Customer {chosen.platform_id}"


async def _persons(merchant_id: int, keys: list[int]) -> dict[int, int]:
    """The surviving person behind each member key (the key itself unless insights merged it)."""
    conn = Profile._meta.db
    found: dict[int, int] = {}
    for pk, merged in await rows_of_people(conn, Profile, ("id", "merged_into_id"), merchant_id, keys, column="id"):
        found[pk] = merged if merged is not None else pk
    targets = sorted({p for k, p in found.items() if p != k})
    again = {
        pk
        for pk, merged in await rows_of_people(
            conn, Profile, ("id", "merged_into_id"), merchant_id, targets, column="id"
        )
        if merged is not None
    }
    for key, person in found.items():
        if person in again:  # merged again since: rare, followed one by one
            found[key] = await resolve_profile(person)
    return found


async def member_rows(merchant_id: int, page: list[Member], gid: Callable[[str, int], str]) -> list[tuple[Cell, ...]]:
    """One page of members as CSV rows: one statement per related table for the whole page, each
    with the page's people as one parameter and read as plain rows (no model objects)."""
    conn = Member._meta.db
    persons = await _persons(merchant_id, [m.profile_id for m in page])
    ids = sorted(set(persons.values()))

    async def read(model: type[Model], *columns: str, live: bool = False) -> list[Row]:
        return await rows_of_people(conn, model, columns, merchant_id, ids, live=live)

    accounts: dict[int, list[_Account]] = {}
    for pid, *fields in await read(
        Customer, "profile_id", "platform_updated_at", "id", "email", "first_name", "last_name", "phone",
        "platform_id", "accepts_marketing", live=True,
    ):  # fmt: skip
        accounts.setdefault(pid, []).append(_Account(*fields))
    for held in accounts.values():
        held.sort(key=lambda c: (c.updated_at, c.id), reverse=True)
    stats = {
        pid: rest
        for pid, *rest in await read(
            ProfileStats, "profile_id", "orders", "first_order_at", "last_order_at", "main_currency"
        )
    }
    segments = {pid: (name, tier) for pid, name, tier in await read(ProfileSegment, "profile_id", "segment", "tier")}
    predictions: dict[int, list[tuple[str, Decimal, str]]] = {}
    for pid, currency, clv, band in sorted(
        await read(ClvPrediction, "profile_id", "currency", "clv", "churn_risk"), key=lambda r: (r[0], r[1])
    ):
        predictions.setdefault(pid, []).append((currency, clv, band))
    revenue: dict[tuple[int, str], Decimal] = {}
    for pid, currency, amount in await read(ProfileRevenue, "profile_id", "currency", "revenue"):
        revenue[(pid, currency)] = revenue.get((pid, currency), Decimal(0)) + amount
    rows: list[tuple[Cell, ...]] = []
    for member in page:
        person = persons.get(member.profile_id, member.profile_id)
        held = accounts.get(person, [])
        orders, first_order, last_order, main = stats.get(person, (0, None, None, None))
        segment, value_tier = segments.get(person, (None, None))
        predicted = predictions.get(person, [])
        currency, clv, band = next((p for p in predicted if p[0] == main), predicted[0] if predicted else (None,) * 3)
        rows.append(
            (
                gid("LoyaltyMember", member.id),
                gid("Profile", person),
                next((c.email for c in held if c.email), None),
                _name(held, person),
                _joined_at(member),
                member.tier,
                member.available,
                member.pending,
                member.lifetime,
                segment,
                value_tier,
                clv,
                currency,
                band,
                bool(held and held[0].accepts_marketing),  # as insights.privacy.consent: the newest live account
                first_order,
                last_order,
                orders,
                revenue.get((person, main)) if main is not None else None,
                main,
            )
        )
    return rows


def members_table(merchant_id: int, members: QuerySet[Member], gid: Callable[[str, int], str]) -> Table:
    """The members of ``members`` (already filtered to the merchant) with their money and insight."""

    async def pages() -> AsyncIterator[Page]:
        async for page in member_pages(members):
            yield await member_rows(merchant_id, page, gid)

    return Table(MEMBER_COLUMNS, pages())


# -- segments --------------------------------------------------------------------------------

SEGMENT_COLUMNS = (
    "segment",
    "currency",
    "people",
    "share_of_people",
    "members",
    "revenue",
    "revenue_per_person",
    "total_clv",
)


async def segment_rows(merchant_id: int) -> list[tuple[Cell, ...]]:
    """Each named segment per currency: people, members, spend net of refunds (the segments'
    monetary value) and predicted CLV; the share is of everyone with a segment."""
    conn = ProfileSegment._meta.db
    tables = Tables(
        segments=ProfileSegment._meta.db_table,
        predictions=ClvPrediction._meta.db_table,
        members=Member._meta.db_table,
    )
    found = await segment_totals(conn, tables, merchant_id)
    everyone = sum(s.people for s in found)
    return [
        (
            s.segment,
            s.currency,
            s.people,
            round(s.people / everyone, 4) if everyone else 0.0,
            s.members,
            s.revenue.quantize(Decimal("0.01")),
            (s.revenue / s.people).quantize(Decimal("0.01")) if s.people else None,
            s.clv.quantize(Decimal("0.01")),
        )
        for s in found
    ]


def segments_table(merchant_id: int) -> Table:
    async def pages() -> AsyncIterator[Page]:
        yield await segment_rows(merchant_id)

    return Table(SEGMENT_COLUMNS, pages())


# -- the measurement tables ------------------------------------------------------------------

RETENTION_COLUMNS = (
    "month",
    "active_customers",
    "new_customers",
    "returning_customers",
    "retention_rate",
    "repeat_purchase_rate",
    "purchase_frequency",
    "median_days_between_orders",
)
COHORT_COLUMNS = (
    "cohort_month",
    "customers",
    "months_since",
    "active_customers",
    "share",
    "revenue_per_customer",
    "currency",
)
CLV_COLUMNS = ("key", "label", "customers", "average_clv", "total_clv", "currency")
VALUE_TIER_REVENUE_COLUMNS = ("month", "value_tier", "revenue", "share", "customers", "currency")
VALUE_TIER_FLOW_COLUMNS = ("from_month", "to_month", "from_value_tier", "to_value_tier", "customers")


def _table(header: tuple[str, ...], rows: Callable[[], Awaitable[Page]]) -> Table:
    """A small table from one aggregate, read when the stream starts."""

    async def pages() -> AsyncIterator[Page]:
        yield await rows()

    return Table(header, pages())


def retention_table(merchant_id: int, store_id: int | None, since: date | None, until: date | None) -> Table:
    async def rows() -> Page:
        months = await retention(merchant_id, store_id, since, until)
        return [
            (
                m.month,
                m.active_customers,
                m.new_customers,
                m.returning_customers,
                m.retention_rate,
                m.repeat_purchase_rate,
                m.purchase_frequency,
                m.median_days_between_orders,
            )
            for m in months
        ]

    return _table(RETENTION_COLUMNS, rows)


def cohorts_table(merchant_id: int, store_id: int | None, since: date | None, until: date | None) -> Table:
    """The matrix one cell a row (cohort × months since): a pivot table in Excel draws the heatmap."""

    async def rows() -> Page:
        matrix = await cohorts(merchant_id, store_id, since, until)
        return [
            (r.month, r.customers, c.months_since, c.active_customers, c.share, c.revenue_per_customer, matrix.currency)
            for r in matrix.rows
            for c in r.cells
        ]

    return _table(COHORT_COLUMNS, rows)


def clv_table(merchant_id: int, by: ClvDimension) -> Table:
    async def rows() -> Page:
        groups = await clv_breakdown(merchant_id, by)
        return [(g.key, g.label, g.customers, g.average_clv, g.total_clv, g.currency) for g in groups]

    return _table(CLV_COLUMNS, rows)


def value_tier_revenue_table(merchant_id: int, since: date | None, until: date | None) -> Table:
    async def rows() -> Page:
        months = await value_tier_revenue(merchant_id, since, until)
        return [(m.month, t.tier.value, t.revenue, t.share, t.customers, m.currency) for m in months for t in m.tiers]

    return _table(VALUE_TIER_REVENUE_COLUMNS, rows)


def value_tier_flows_table(merchant_id: int, month: str | None) -> Table:
    """Flows into ``month`` (default the latest kept); a ValueError for a month that is not YYYY-MM
    is raised when the stream starts (the route reads the first page before answering)."""

    async def rows() -> Page:
        flows = await value_tier_flows(merchant_id, month)
        if flows is None:
            return []
        return [
            (flows.from_month, flows.to_month, f.source.value if f.source else None, f.target.value, f.customers)
            for f in flows.flows
        ]

    return _table(VALUE_TIER_FLOW_COLUMNS, rows)


PROGRAM_IMPACT_COLUMNS = ("section", "group", "figure", "value", "low", "high", "unit")


def _group_rows(section: str, group: str, figures: GroupFigures, currency: str) -> list[tuple[Cell, ...]]:
    return [
        (section, group, "customers", figures.customers, None, None, "people"),
        (section, group, "orders_per_customer", figures.orders_per_customer, None, None, "orders"),
        (section, group, "revenue_per_customer", figures.revenue_per_customer, None, None, currency),
        (section, group, "repeat_rate", figures.repeat_rate, None, None, "share"),
    ]


def program_impact_rows(found: ProgramImpact) -> list[tuple[Cell, ...]]:
    """The program-impact page as one figure a row (section, group, figure, value, 95 % interval, unit)."""
    money = found.currency
    matched, roi = found.matched, found.roi
    rows: list[tuple[Cell, ...]] = [
        ("method", "", "method", found.method, None, None, "text"),
        ("method", "", "summary", found.summary, None, None, "text"),
        ("method", "", "window_days", found.window_days, None, None, "days"),
        *_group_rows("raw", "members", found.raw_members, money),
        *_group_rows("raw", "non_members", found.raw_non_members, money),
        ("matched", "", "pairs", matched.pairs, None, None, "members"),
        ("matched", "", "unmatched", matched.unmatched, None, None, "members"),
        *_group_rows("matched", "members", matched.members, money),
        *_group_rows("matched", "controls", matched.controls, money),
        ("matched", "effect", "revenue_per_member", matched.effect.value, matched.effect.low, matched.effect.high,
         matched.effect.unit),
        ("matched", "effect", "orders_per_member", matched.orders_effect.value, matched.orders_effect.low,
         matched.orders_effect.high, matched.orders_effect.unit),
        ("pre_post", "", "members", found.pre_post.members, None, None, "members"),
        *_group_rows("pre_post", "before", found.pre_post.before, money),
        *_group_rows("pre_post", "after", found.pre_post.after, money),
        ("roi", "", "incremental_revenue", roi.incremental_revenue, roi.incremental_revenue_low,
         roi.incremental_revenue_high, roi.currency),
        ("roi", "", "margin_rate", roi.margin_rate, None, None, "share"),
        ("roi", "", "incremental_margin", roi.incremental_margin, None, None, roi.currency),
        ("roi", "", "rewards_cost", roi.rewards_cost, None, None, roi.currency),
        ("roi", "", "points_cost", roi.points_cost, None, None, roi.currency),
        ("roi", "", "net", roi.net, None, None, roi.currency),
        ("roi", "", "roi", roi.roi, roi.low, roi.high, "ratio"),
    ]  # fmt: skip
    rows += [
        ("campaigns", c.campaign.name, "uplift", c.uplift.value, c.uplift.low, c.uplift.high, c.uplift.unit)
        for c in found.campaigns
    ]
    return rows


def report_rows(report: ImpactReport) -> list[tuple[Cell, ...]]:
    """Where the figures come from: the period, its days, the as-of and whether the refresh kept them."""
    return [
        ("source", "", "period", report.period.name if report.period else None, None, None, "preset"),
        ("source", "", "since", report.since, None, None, "day"),
        ("source", "", "until", report.until, None, None, "day"),
        ("source", "", "as_of", report.as_of, None, None, "time"),
        ("source", "", "kept", report.kept, None, None, "true/false"),
        ("source", "", "freshness", report.freshness, None, None, "text"),
    ]


def program_impact_table(
    merchant_id: int, since: date | None, until: date | None, period: ImpactPeriod | None = None
) -> Table:
    """By days (computed now) or by a dashboard preset (the report the last refresh kept), as the API answers."""

    async def rows() -> Page:
        if period is not None:
            report = await period_impact(merchant_id, period)
        else:
            report = await dated_impact(merchant_id, since, until)
        return report_rows(report) + program_impact_rows(report.impact)

    return _table(PROGRAM_IMPACT_COLUMNS, rows)

"""CSV exports for the merchant: ``GET /admin/exports/{name}.csv``.

The same credential as ``/graphql/admin`` (``Authorization: Bearer`` with a merchant API key or
a Shopify session token, read by ``app.auth.principals.admin_viewer``), and only the merchant's
own rows. ``members`` takes the admin ``members`` filters as query parameters (``storeId``,
``search``, ``segment``, ``tier``, ``churnBand``, ``valueTier``) and builds its rows from the
very queryset the API pages (``schema.loyalty.admin.queries.filtered_members``), so the file
holds exactly the members the API lists for that filter. The analytics tables take the
parameters of their GraphQL queries (``since``, ``until``, ``storeId``, ``month``; ``period``
for the program's impact).

Answers: 200 ``text/csv`` streamed page by page (``measure.exports``), as an attachment named
``<merchant>-<name>-<date>.csv``, never cached; 401/403 as the admin API answers them; 404 for
an unknown export; 400 for a parameter that is unknown or wrong, with ``error`` saying which.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import TypeVar

import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from app.auth.errors import AuthError
from app.auth.principals import admin_viewer
from app.settings import Settings
from measure.exports import (
    Table,
    clv_table,
    cohorts_table,
    csv_chunks,
    first_chunk,
    members_table,
    program_impact_table,
    retention_table,
    segments_table,
    value_tier_flows_table,
    value_tier_revenue_table,
)
from measure.impact_kept import ImpactPeriod
from measure.value import ClvDimension
from schema.core.context import AdminViewer
from schema.core.errors import ApiError
from schema.core.ids import expect_pk, to_gid
from schema.insights.types import ChurnBand, ValueTier
from schema.loyalty.admin.queries import filtered_members
from store.models import Merchant, Store

PATH = "/admin/exports/{name}.csv"
E = TypeVar("E", bound=Enum)


class BadParameter(Exception):
    """A query parameter that is unknown or cannot be read; the message names it."""


Params = Mapping[str, str]
Builder = Callable[[AdminViewer, Params], Awaitable[Table]]


def _enum(params: Params, name: str, kind: type[E]) -> E | None:
    """An enum by its GraphQL name (``AT_RISK``) or its value (``at_risk``), any case."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    for member in kind:
        if raw.upper() == member.name or raw.lower() == str(member.value):
            return member
    valid = ", ".join(m.name for m in kind)
    raise BadParameter(f"{name} must be one of {valid}, got {raw[:60]!r}")


def _date(params: Params, name: str) -> date | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a date as YYYY-MM-DD, got {raw[:60]!r}") from None


def _text(params: Params, name: str) -> str | None:
    raw = params.get(name)
    return raw if raw else None


async def _members(viewer: AdminViewer, params: Params) -> Table:
    members = await filtered_members(
        viewer.merchant_id,
        store_id=strawberry.ID(store) if (store := _text(params, "storeId")) else None,
        search=_text(params, "search"),
        segment=_text(params, "segment"),
        tier=_text(params, "tier"),
        churn_band=_enum(params, "churnBand", ChurnBand),
        value_tier=_enum(params, "valueTier", ValueTier),
    )
    return members_table(viewer.merchant_id, members, to_gid)


async def _segments(viewer: AdminViewer, params: Params) -> Table:
    return segments_table(viewer.merchant_id)


async def _store(viewer: AdminViewer, params: Params) -> int | None:
    """A store of the merchant's, as the measurement queries take it; none: across stores."""
    raw = _text(params, "storeId")
    if raw is None:
        return None
    pk = expect_pk(raw, "Store", argument="storeId")
    if not await Store.exists(id=pk, merchant_id=viewer.merchant_id):
        raise BadParameter("storeId names no store of this merchant")
    return pk


def _period(params: Params) -> tuple[date | None, date | None]:
    since, until = _date(params, "since"), _date(params, "until")
    if since is not None and until is not None and since > until:
        raise BadParameter("since must not be after until")
    return since, until


async def _retention(viewer: AdminViewer, params: Params) -> Table:
    return retention_table(viewer.merchant_id, await _store(viewer, params), *_period(params))


async def _cohorts(viewer: AdminViewer, params: Params) -> Table:
    return cohorts_table(viewer.merchant_id, await _store(viewer, params), *_period(params))


def _clv(by: ClvDimension) -> Builder:
    async def build(viewer: AdminViewer, params: Params) -> Table:
        return clv_table(viewer.merchant_id, by)

    return build


async def _value_tier_revenue(viewer: AdminViewer, params: Params) -> Table:
    return value_tier_revenue_table(viewer.merchant_id, *_period(params))


async def _value_tier_flows(viewer: AdminViewer, params: Params) -> Table:
    month = _text(params, "month")
    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise BadParameter(f"month must be a month as YYYY-MM, got {month[:60]!r}")
    return value_tier_flows_table(viewer.merchant_id, month)


async def _program_impact(viewer: AdminViewer, params: Params) -> Table:
    period = _enum(params, "period", ImpactPeriod)
    if period is not None and (_text(params, "since") or _text(params, "until")):
        raise BadParameter("period cannot be combined with since or until: ask by a preset or by days")
    return program_impact_table(viewer.merchant_id, *_period(params), period)


PERIOD = frozenset({"since", "until"})
EXPORTS: dict[str, tuple[frozenset[str], Builder]] = {
    "members": (frozenset({"storeId", "search", "segment", "tier", "churnBand", "valueTier"}), _members),
    "segments": (frozenset(), _segments),
    "retention": (PERIOD | {"storeId"}, _retention),
    "cohorts": (PERIOD | {"storeId"}, _cohorts),
    "clv-cohort": (frozenset(), _clv(ClvDimension.COHORT)),
    "clv-store": (frozenset(), _clv(ClvDimension.STORE)),
    "clv-platform": (frozenset(), _clv(ClvDimension.PLATFORM)),
    "value-tier-revenue": (PERIOD, _value_tier_revenue),
    "value-tier-flows": (frozenset({"month"}), _value_tier_flows),
    "program-impact": (PERIOD | {"period"}, _program_impact),
}
"""Each export's name, the query parameters it reads and how its table is built."""


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={"Cache-Control": "no-store"})


def file_name(merchant: str, export: str, today: date) -> str:
    """``<merchant>-<export>-<date>.csv`` in letters, digits and hyphens only (safe in a header)."""
    slug = re.sub(r"[^a-z0-9]+", "-", merchant.lower()).strip("-")[:60] or "rapport"
    return f"{slug}-{export}-{today.isoformat()}.csv"


async def export(request: Request, settings: Settings) -> Response:
    """One export as a streamed CSV attachment."""
    try:
        viewer = await admin_viewer(request, settings)
    except AuthError as exc:
        return JSONResponse(
            {"error": str(exc), "code": exc.code}, status_code=exc.status, headers={"Cache-Control": "no-store"}
        )
    name = request.path_params["name"]
    found = EXPORTS.get(name)
    if found is None:
        return error(404, f"no export named {name[:60]!r}; exports: {', '.join(EXPORTS)}")
    accepted, build = found
    params = dict(request.query_params)
    unknown = sorted(set(params) - accepted)
    if unknown:
        allowed = ", ".join(sorted(accepted)) or "none"
        return error(400, f"unknown parameter {unknown[0][:60]!r} for the {name} export; it takes: {allowed}")
    try:
        table = await build(viewer, params)
        first = await first_chunk(table)
    except BadParameter as exc:
        return error(400, str(exc))
    except ApiError as exc:
        return error(400, exc.message)
    merchant = await Merchant.get(id=viewer.merchant_id)
    filename = file_name(merchant.name, name, datetime.now(UTC).date())
    return StreamingResponse(
        csv_chunks(table, first),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def routes(settings: Settings) -> list[BaseRoute]:
    async def endpoint(request: Request) -> Response:
        return await export(request, settings)

    return [Route(PATH, endpoint, methods=["GET"])]

"""The unified profile of one person as one JSON-able document, built from the refreshed tables."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from insights.models import (
    ClvPrediction,
    ProfileFact,
    ProfileRecommendation,
    ProfileRevenue,
    ProfileSegment,
    ProfileStats,
)
from insights.profiles.facts import FACT_KINDS
from store.models import Customer, Profile
from store.people import resolve_profile


def plain(value: Any) -> Any:
    """JSON-able copy: Decimal as an exact string, dates in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _fact(row: dict[str, Any]) -> dict[str, Any]:
    return {**row["value"], "store_id": row["store_id"], "platform": row["platform"], "observed_at": row["observed_at"]}


def _money_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Revenue per currency summed over stores, with AOV and the per-store rows it came from."""
    out: dict[str, Any] = {}
    by_currency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_currency[row["currency"]].append(row)
    for currency, group in sorted(by_currency.items()):
        orders = sum(r["orders"] for r in group)
        revenue = sum((r["revenue"] for r in group), Decimal("0"))
        out[currency] = {
            "orders": orders,
            "revenue": revenue,
            "refunded": sum((r["refunded"] for r in group), Decimal("0")),
            "average_order_value": (revenue / orders).quantize(Decimal("0.01")) if orders else None,
            "by_store": [
                {
                    k: r[k]
                    for k in (
                        "store_id",
                        "platform",
                        "orders",
                        "revenue",
                        "refunded",
                        "first_order_at",
                        "last_order_at",
                    )
                }
                for r in group
            ],
        }
    return out


async def unified_profile(profile_id: int) -> dict[str, Any]:
    """Basic facts with provenance, transaction facts, preferences, segment, predictions, recommendations."""
    profile_id = await resolve_profile(profile_id)
    profile = await Profile.get(id=profile_id)
    customers = (
        await Customer.filter(profile_id=profile_id, deleted_at=None)
        .order_by("id")
        .values("id", "store_id", "store__platform", "platform_id", "is_guest")
    )
    facts: dict[str, Any] = {}
    rows = (
        await ProfileFact.filter(profile_id=profile_id)
        .order_by("-observed_at", "store_id")
        .values("kind", "value", "store_id", "platform", "observed_at", "current")
    )
    for kind in FACT_KINDS:
        mine = [r for r in rows if r["kind"] == kind]
        if mine:
            current = next((r for r in mine if r["current"]), mine[0])
            facts[kind] = {"current": _fact(current), "others": [_fact(r) for r in mine if r is not current]}
    stats = await ProfileStats.get_or_none(profile_id=profile_id).values()
    revenue = await ProfileRevenue.filter(profile_id=profile_id).order_by("currency", "store_id").values()
    segment = await ProfileSegment.get_or_none(profile_id=profile_id).values(
        "currency", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment", "tier", "as_of"
    )
    predictions = await ClvPrediction.filter(profile_id=profile_id).order_by("currency").values()
    recommendations = await ProfileRecommendation.get_or_none(profile_id=profile_id).values(
        "store_id", "model", "items", "computed_at"
    )
    transactions = None
    preferences = None
    if stats:
        transactions = {
            k: stats[k] for k in ("orders", "refunded_orders", "refund_rate", "first_order_at", "last_order_at")
        }
        transactions["revenue"] = _money_totals(revenue)
        preferences = {
            k: stats[k]
            for k in ("top_categories", "top_vendors", "price_sensitivity", "main_currency", "preferred_store_id")
        }
        preferences["sources"] = stats["sources"]
    return plain(
        {
            "profile_id": profile_id,
            "merchant_id": profile.merchant_id,
            "customers": [
                {
                    "id": c["id"],
                    "store_id": c["store_id"],
                    "platform": str(c["store__platform"]),
                    "platform_id": c["platform_id"],
                    "is_guest": c["is_guest"],
                }
                for c in customers
            ],
            "facts": facts,
            "transactions": transactions,
            "preferences": preferences,
            "segment": segment,
            "predictions": [
                {k: v for k, v in p.items() if k not in {"id", "merchant_id", "profile_id"}} for p in predictions
            ],
            "recommendations": recommendations,
            "computed_at": stats["computed_at"] if stats else None,
        }
    )

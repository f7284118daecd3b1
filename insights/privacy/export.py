"""Data-subject export (GDPR access, Shopify ``customers/data_request``): everything held on a person.

Other packages add their part through ``exporters`` (name -> ``async fn(profile_id)``), e.g.
loyalty's ledger, because insights cannot import them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from insights.identity.decisions import explain_profile
from insights.privacy.audit import record
from insights.privacy.consent import may_contact
from insights.privacy.subjects import person_scope
from insights.profiles.view import plain, unified_profile
from store.models import Customer, Order, OrderLine, Refund

Exporter = Callable[[int], Awaitable[Any]]

CUSTOMER_FIELDS = (
    "id",
    "store_id",
    "platform_id",
    "is_guest",
    "email",
    "phone",
    "first_name",
    "last_name",
    "accepts_marketing",
    "address",
    "tags",
    "locale",
    "birthday",
    "platform_created_at",
    "platform_updated_at",
)
ORDER_FIELDS = (
    "id",
    "store_id",
    "platform_id",
    "name",
    "email",
    "phone",
    "currency",
    "subtotal",
    "total_discount",
    "shipping",
    "tax",
    "total",
    "total_refunded",
    "financial_status",
    "fulfillment_status",
    "cancelled_at",
    "discount_codes",
    "shipping_address",
    "platform_created_at",
)


async def export_profile(
    profile_id: int, *, actor: str, exporters: Mapping[str, Exporter] | None = None
) -> dict[str, Any]:
    """The whole profile, every store account, every order with lines and refunds, and ``exporters``' parts."""
    scope = await person_scope(profile_id)
    customers = await Customer.filter(id__in=scope.customer_ids).order_by("id").values(*CUSTOMER_FIELDS)
    orders = await Order.filter(id__in=scope.order_ids).order_by("platform_created_at", "id").values(*ORDER_FIELDS)
    lines: dict[int, list[dict[str, Any]]] = {}
    for line in (
        await OrderLine.filter(order_id__in=scope.order_ids)
        .order_by("id")
        .values("order_id", "sku", "title", "quantity", "unit_price", "total_discount", "total")
    ):
        lines.setdefault(line.pop("order_id"), []).append(line)
    refunds: dict[int, list[dict[str, Any]]] = {}
    for refund in (
        await Refund.filter(order_id__in=scope.order_ids)
        .order_by("id")
        .values("order_id", "amount", "currency", "note", "platform_created_at")
    ):
        refunds.setdefault(refund.pop("order_id"), []).append(refund)
    extra = {name: await export(scope.profile_id) for name, export in sorted((exporters or {}).items())}
    document = plain(
        {
            "profile": await unified_profile(scope.profile_id),
            "may_contact": await may_contact(scope.profile_id),
            "identity": await explain_profile(scope.profile_id),
            "customers": customers,
            "orders": [{**o, "lines": lines.get(o["id"], []), "refunds": refunds.get(o["id"], [])} for o in orders],
            "extra": extra,
        }
    )
    await record(
        scope.merchant_id,
        "export",
        "profile",
        scope.profile_id,
        actor,
        {
            "customers": len(customers),
            "orders": len(orders),
            "extra": sorted(extra),
        },
    )
    return document

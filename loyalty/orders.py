"""Reading synced orders out of the store as ``OrderFacts``: a constant number of queries per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from loyalty.earning import LineFacts, OrderFacts, RefundFacts, RefundLineFacts
from store.models import Order, OrderLine, Product, Refund, RefundLine

FULFILLED = {"fulfilled", "completed", "shipped"}
UNPAID = {"pending", "voided", "unpaid", "failed"}


async def load_orders(order_ids: Sequence[int], *, categories: bool = False) -> dict[int, OrderFacts]:
    """The facts of each order that exists (deleted orders are left out).

    ``categories`` also reads each line's product category, for category multipliers.
    """
    if not order_ids:
        return {}
    orders = await Order.filter(id__in=list(order_ids), deleted_at=None).values(
        "id", "merchant_id", "store_id", "customer_id", "currency", "platform_created_at", "total",
        "subtotal", "total_discount", "shipping", "tax", "cancelled_at", "test",
        "fulfillment_status", "financial_status", "discount_codes",
    )
    if not orders:
        return {}
    ids = [o["id"] for o in orders]
    lines = await OrderLine.filter(order_id__in=ids).values(
        "order_id", "store_id", "platform_id", "quantity", "total", "product_platform_id", "is_gift_card"
    )
    refunds = await Refund.filter(order_id__in=ids).values(
        "id", "order_id", "platform_created_at", "amount", "store_credit"
    )
    refund_lines = (
        await RefundLine.filter(refund_id__in=[r["id"] for r in refunds]).values(
            "refund_id", "line_platform_id", "quantity", "amount"
        )
        if refunds else []
    )
    category: dict[tuple[int, str], str] = {}
    if categories and lines:
        wanted = {line["product_platform_id"] for line in lines if line["product_platform_id"]}
        for row in await Product.filter(platform_id__in=list(wanted), store_id__in=list({o["store_id"] for o in orders})).values(
            "store_id", "platform_id", "category"
        ):
            category[(row["store_id"], row["platform_id"])] = row["category"]
    lines_of: dict[int, list[LineFacts]] = defaultdict(list)
    for line in lines:
        lines_of[line["order_id"]].append(LineFacts(
            platform_id=line["platform_id"], quantity=line["quantity"], total=Decimal(line["total"]),
            product_platform_id=line["product_platform_id"],
            category=category.get((line["store_id"], line["product_platform_id"]), ""),
            is_gift_card=line["is_gift_card"],
        ))
    refund_lines_of: dict[int, list[RefundLineFacts]] = defaultdict(list)
    for rl in refund_lines:
        refund_lines_of[rl["refund_id"]].append(
            RefundLineFacts(rl["line_platform_id"], rl["quantity"], Decimal(rl["amount"]))
        )
    refunds_of: dict[int, list[RefundFacts]] = defaultdict(list)
    for r in refunds:
        refunds_of[r["order_id"]].append(RefundFacts(
            id=r["id"], created_at=r["platform_created_at"], amount=Decimal(r["amount"]),
            store_credit=r["store_credit"], lines=tuple(refund_lines_of.get(r["id"], ())),
        ))
    facts = {}
    for o in orders:
        facts[o["id"]] = OrderFacts(
            id=o["id"], merchant_id=o["merchant_id"], store_id=o["store_id"],
            customer_id=o["customer_id"], currency=o["currency"], placed_at=o["platform_created_at"],
            total=Decimal(o["total"]), subtotal=Decimal(o["subtotal"]),
            total_discount=Decimal(o["total_discount"]), shipping=Decimal(o["shipping"]),
            tax=Decimal(o["tax"]), cancelled_at=o["cancelled_at"],
            test=bool(o["test"]), unpaid=o["financial_status"] in UNPAID,
            fulfilled=(o["fulfillment_status"] or "") in FULFILLED,
            discount_codes=tuple(o["discount_codes"] or ()),
            lines=tuple(lines_of.get(o["id"], ())),
            refunds=tuple(sorted(refunds_of.get(o["id"], ()), key=lambda r: (r.created_at, r.id))),
        )
    return facts

"""Reading synced orders out of the store as ``OrderFacts``: a constant number of queries per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from loyalty.earning import LineFacts, OrderFacts, RefundFacts, RefundLineFacts
from store.models import Order, OrderLine, Product, Refund, RefundLine
from store.sql import dialect_of, select

FULFILLED = {"fulfilled", "completed", "shipped"}
UNPAID = {"pending", "voided", "unpaid", "failed"}


_ORDER_COLUMNS = (
    "id",
    "merchant_id",
    "store_id",
    "customer_id",
    "currency",
    "platform_created_at",
    "total",
    "subtotal",
    "total_discount",
    "shipping",
    "tax",
    "cancelled_at",
    "test",
    "fulfillment_status",
    "financial_status",
    "discount_codes",
)


async def load_orders(order_ids: Sequence[int], *, categories: bool = False) -> dict[int, OrderFacts]:
    """The facts of each order that exists (deleted orders are left out).

    ``categories`` also reads each line's product category, for category multipliers.
    Reads go through raw SQL with the id list as one parameter (``store.sql``): money comes
    back as ``Decimal`` and times as aware datetimes, as from the ORM.
    """
    if not order_ids:
        return {}
    conn = Order._meta.db
    dialect = dialect_of(conn)
    orders = await select(
        conn, Order, _ORDER_COLUMNS, f'{dialect.in_ids("id", 1)} AND "deleted_at" IS NULL', [dialect.ids(order_ids)]
    )
    if not orders:
        return {}
    ids = dialect.ids([o[0] for o in orders])
    lines = await select(
        conn,
        OrderLine,
        (
            "order_id",
            "store_id",
            "platform_id",
            "quantity",
            "total",
            "product_platform_id",
            "is_gift_card",
        ),
        dialect.in_ids("order_id", 1),
        [ids],
    )
    refunds = await select(
        conn,
        Refund,
        ("id", "order_id", "platform_created_at", "amount", "store_credit"),
        dialect.in_ids("order_id", 1),
        [ids],
    )
    refund_lines = (
        await select(
            conn,
            RefundLine,
            ("refund_id", "line_platform_id", "quantity", "amount"),
            dialect.in_ids("refund_id", 1),
            [dialect.ids([r[0] for r in refunds])],
        )
        if refunds
        else []
    )
    category: dict[tuple[int, str], str] = {}
    if categories and lines:
        wanted = {line[5] for line in lines if line[5]}
        for row in await Product.filter(platform_id__in=list(wanted), store_id__in=list({o[2] for o in orders})).values(
            "store_id", "platform_id", "category"
        ):
            category[(row["store_id"], row["platform_id"])] = row["category"]
    lines_of: dict[int, list[LineFacts]] = defaultdict(list)
    for order_id, store_id, platform_id, quantity, total, product, gift_card in lines:
        lines_of[order_id].append(
            LineFacts(
                platform_id,
                quantity,
                total,
                product,
                category.get((store_id, product), "") if category else "",
                gift_card,
            )
        )
    refund_lines_of: dict[int, list[RefundLineFacts]] = defaultdict(list)
    for refund_id, line_platform_id, quantity, amount in refund_lines:
        refund_lines_of[refund_id].append(RefundLineFacts(line_platform_id, quantity, amount))
    refunds_of: dict[int, list[RefundFacts]] = defaultdict(list)
    for refund_id, order_id, created_at, amount, store_credit in refunds:
        refunds_of[order_id].append(
            RefundFacts(
                refund_id,
                created_at,
                amount,
                store_credit,
                tuple(refund_lines_of.get(refund_id, ())),
            )
        )
    facts = {}
    no_lines: tuple[LineFacts, ...] = ()
    for (
        oid,
        merchant_id,
        store_id,
        customer_id,
        currency,
        placed_at,
        total,
        subtotal,
        discount,
        shipping,
        tax,
        cancelled_at,
        test,
        fulfillment,
        financial,
        codes,
    ) in orders:
        found = refunds_of.get(oid)
        order_lines = lines_of.get(oid)
        facts[oid] = OrderFacts(
            oid,
            merchant_id,
            store_id,
            customer_id,
            currency,
            placed_at,
            total,
            subtotal,
            discount,
            shipping,
            tax,
            cancelled_at,
            bool(test),
            financial in UNPAID,
            (fulfillment or "") in FULFILLED,
            tuple(codes or ()),
            tuple(order_lines) if order_lines else no_lines,
            tuple(sorted(found, key=lambda r: (r.created_at, r.id))) if found else (),
        )
    return facts

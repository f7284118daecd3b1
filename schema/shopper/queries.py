"""Storefront queries: the shop, the signed-in shopper, and node lookups limited to what they may see."""

from __future__ import annotations

import strawberry

from loyalty.models import Entry, Redemption
from schema.catalog.types import ShopProduct
from schema.core.context import StorefrontInfo
from schema.core.ids import parse_gid
from schema.core.node import Node
from schema.loyalty.types import IssuedCode, LedgerEntry, Reward
from schema.shopper.types import ShopNode, Shopper, ShopperOrder, ShopperOrderLine
from store.models import Customer, Order, OrderLine


async def visible_node(info: StorefrontInfo, kind: str, pk: int) -> Node | None:
    """Only the current shop, its products and its program's rewards, and the signed-in shopper's
    own customer, orders, lines, ledger entries and codes."""
    viewer = info.context.viewer
    if kind == "Shop":
        return ShopNode.of(viewer.store) if pk == viewer.store.id else None
    if kind == "Product":
        product = await info.context.loaders.product.load(pk)
        return ShopProduct.of(product) if product is not None else None
    if kind == "Reward":
        reward = await info.context.loaders.loyalty.reward.load(pk)
        return Reward.of(reward, viewer.store.currency) if reward is not None else None
    if viewer.customer_id is None:
        return None
    if kind in ("LedgerEntry", "IssuedCode"):
        return await _own_loyalty_node(info, kind, pk)
    mine = {"store_id": viewer.store.id}
    match kind:
        case "Customer":
            row = await Customer.get_or_none(id=pk, deleted_at=None, **mine) if pk == viewer.customer_id else None
            return Shopper.of(row) if row else None
        case "Order":
            row = await Order.get_or_none(id=pk, customer_id=viewer.customer_id, deleted_at=None, **mine)
            return ShopperOrder.of(row) if row else None
        case "OrderLine":
            row = (
                await OrderLine.filter(id=pk, order__customer_id=viewer.customer_id, order__deleted_at=None, **mine)
                .select_related("order")
                .first()
            )
            return ShopperOrderLine.of(row, row.order.currency) if row else None
    return None


async def _own_loyalty_node(info: StorefrontInfo, kind: str, pk: int) -> Node | None:
    """A ledger entry or code of the signed-in shopper's own member; anyone else's is not found."""
    viewer = info.context.viewer
    if not await Customer.filter(id=viewer.customer_id, store_id=viewer.store.id, deleted_at=None).exists():
        return None
    member = await info.context.loaders.loyalty.member_by_customer.load(viewer.customer_id)
    if member is None:
        return None
    if kind == "LedgerEntry":
        entry = await Entry.get_or_none(id=pk, profile_id=member.profile_id, merchant_id=member.merchant_id)
        return LedgerEntry.of(entry) if entry is not None else None
    code = await Redemption.get_or_none(id=pk, profile_id=member.profile_id, merchant_id=member.merchant_id)
    return IssuedCode.of(code) if code is not None else None


@strawberry.type
class ShopperQueries:
    @strawberry.field(description="The store behind the storefront key")
    def shop(self, info: StorefrontInfo) -> ShopNode:
        return ShopNode.of(info.context.viewer.store)

    @strawberry.field(description="The signed-in shopper; null for anonymous callers")
    async def me(self, info: StorefrontInfo) -> Shopper | None:
        viewer = info.context.viewer
        if viewer.customer_id is None:
            return None
        row = viewer.customer or await Customer.get_or_none(
            id=viewer.customer_id, store_id=viewer.store.id, deleted_at=None
        )
        return Shopper.of(row) if row else None

    @strawberry.field(description="An object by global id, when the calling shopper may see it; else null")
    async def node(self, info: StorefrontInfo, id: strawberry.ID) -> Node | None:
        kind, pk = parse_gid(id)
        return await visible_node(info, kind, pk)

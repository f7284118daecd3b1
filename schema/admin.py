"""The admin API (``/graphql/admin``): the store owner's view of the whole merchant.

The root composes what each domain exposes.
"""

from __future__ import annotations

import strawberry

from schema.access.mutations import AccessMutations
from schema.access.queries import AccessQueries
from schema.access.types import ApiKeyNode
from schema.core.context import AdminInfo
from schema.core.ids import parse_gid
from schema.core.limits import ApiSchema, Limits, extensions
from schema.core.node import Node
from schema.insights.mutations import InsightsMutations
from schema.insights.ownership import OwnershipMutations
from schema.insights.queries import InsightsQueries
from schema.insights.value_tiers import ValueTierMutations
from schema.loyalty.admin import nodes as loyalty_nodes
from schema.loyalty.admin.endpoints import EventEndpointNode
from schema.loyalty.admin.members import AdminLedgerEntry, LoyaltyMemberNode
from schema.loyalty.admin.mutations import ProgramMutations
from schema.loyalty.admin.queries import ProgramQueries
from schema.loyalty.admin.referrals import ReferralNode
from schema.loyalty.admin.rules import ProgramVersionNode
from schema.loyalty.types import IssuedCode, Reward
from schema.operations.mutations import OperationsMutations
from schema.operations.queries import OperationsQueries
from schema.operations.types import FailedJobNode, WebhookDeliveryNode
from schema.orders.queries import OrderQueries
from schema.orders.types import OrderLineNode, OrderNode, RefundLineNode, RefundNode
from schema.people.queries import PeopleQueries
from schema.people.types import CustomerNode, ProfileNode
from schema.stores.mutations import StoreMutations
from schema.stores.queries import StoreQueries
from schema.stores.types import MerchantNode, StoreNode, SyncCheckpointNode
from store.models import ApiKey, Merchant, RefundLine, SyncCheckpoint


async def _node(info: AdminInfo, kind: str, pk: int) -> Node | None:
    """The object behind a global id, only when it belongs to the caller's merchant."""
    loaders, merchant_id = info.context.loaders, info.context.viewer.merchant_id
    scope = loaders.scope
    match kind:
        case "Merchant":
            row = await Merchant.get_or_none(id=pk) if pk == merchant_id else None
            return MerchantNode.of(row) if row else None
        case "Store":
            row = await loaders.store.load(pk)
            return StoreNode.of(row) if row else None
        case "SyncCheckpoint":
            row = await SyncCheckpoint.get_or_none(id=pk, store__merchant_id=merchant_id)
            return SyncCheckpointNode.of(row) if row else None
        case "Profile":
            row = await loaders.profile.load(pk)
            return ProfileNode.of(row) if row else None
        case "Customer":
            row = await loaders.customer.load(pk)
            return CustomerNode.of(row) if row else None
        case "Order":
            row = await scope.order(pk)
            return OrderNode.of(row) if row else None
        case "OrderLine":
            row = await scope.order_lines().filter(id=pk).select_related("order").first()
            return OrderLineNode.of(row, row.order.currency) if row else None
        case "Refund":
            row = await scope.refunds().get_or_none(id=pk)
            return RefundNode.of(row) if row else None
        case "RefundLine":
            row = (
                await RefundLine.filter(id=pk, refund__order__merchant_id=merchant_id).select_related("refund").first()
            )
            return RefundLineNode.of(row, row.refund.currency) if row else None
        case "WebhookDelivery":
            row = await scope.webhook_events().get_or_none(id=pk)
            return WebhookDeliveryNode.of(row) if row else None
        case "FailedJob":
            row = await scope.failed_jobs().get_or_none(id=pk)
            return FailedJobNode.of(row) if row else None
        case "ApiKey":
            row = await ApiKey.get_or_none(id=pk, merchant_id=merchant_id)
            return ApiKeyNode.of(row) if row else None
        case _ if kind in loyalty_nodes.KINDS:
            return await loyalty_nodes.loyalty_node(info, kind, pk)
    return None


@strawberry.type(name="Query")
class AdminQuery(
    StoreQueries, PeopleQueries, InsightsQueries, OrderQueries, OperationsQueries, AccessQueries, ProgramQueries
):
    @strawberry.field(description="Any object of the merchant by its global id")
    async def node(self, info: AdminInfo, id: strawberry.ID) -> Node | None:
        kind, pk = parse_gid(id)
        return await _node(info, kind, pk)


@strawberry.type(name="Mutation")
class AdminMutation(
    StoreMutations,
    InsightsMutations,
    OperationsMutations,
    AccessMutations,
    ProgramMutations,
    OwnershipMutations,
    ValueTierMutations,
):
    pass


NODE_TYPES = [
    MerchantNode,
    StoreNode,
    SyncCheckpointNode,
    ProfileNode,
    CustomerNode,
    OrderNode,
    OrderLineNode,
    RefundNode,
    RefundLineNode,
    WebhookDeliveryNode,
    FailedJobNode,
    ApiKeyNode,
    LoyaltyMemberNode,
    AdminLedgerEntry,
    Reward,
    IssuedCode,
    ProgramVersionNode,
    ReferralNode,
    EventEndpointNode,
]


def build_admin_schema(limits: Limits | None = None) -> ApiSchema:
    return ApiSchema(
        query=AdminQuery, mutation=AdminMutation, types=NODE_TYPES, extensions=extensions(limits or Limits())
    )


schema = build_admin_schema()

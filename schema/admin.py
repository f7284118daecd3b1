"""The admin API (``/graphql/admin``): the store owner's view of the whole merchant.

The root composes what each domain exposes.
"""

from __future__ import annotations

import strawberry

from campaigns.models import Message as CampaignMessage
from schema.access.mutations import AccessMutations
from schema.access.queries import AccessQueries
from schema.access.types import ApiKeyNode
from schema.campaigns.mutations import CampaignMutations
from schema.campaigns.queries import CampaignQueries
from schema.campaigns.types import CampaignNode, MessageNode
from schema.core.context import AdminInfo
from schema.core.ids import parse_gid
from schema.core.limits import ApiSchema, Limits, extensions
from schema.core.node import Node
from schema.feedback.complaint_mutations import AdminComplaintMutations
from schema.feedback.complaints import ComplaintNode, ComplaintQueries, complaint_node
from schema.feedback.report import FeedbackReportQueries, ReviewNode, review_node
from schema.feedback.surveys import FeedbackSettingsMutations, SurveyNode, SurveyQueries, survey_node
from schema.insights.mutations import InsightsMutations
from schema.insights.ownership import OwnershipMutations
from schema.insights.queries import InsightsQueries
from schema.insights.value_tiers import ValueTierMutations
from schema.loyalty.admin import nodes as loyalty_nodes
from schema.loyalty.admin.birthdays import BirthdayAdminMutations
from schema.loyalty.admin.endpoints import EventEndpointNode
from schema.loyalty.admin.members import AdminLedgerEntry, LoyaltyMemberNode
from schema.loyalty.admin.mutations import ProgramMutations
from schema.loyalty.admin.queries import ProgramQueries
from schema.loyalty.admin.referrals import ReferralNode
from schema.loyalty.admin.rules import ProgramVersionNode
from schema.loyalty.types import IssuedCode, Reward
from schema.measure.impact import MeasureSettingsMutations, ProgramImpactQueries
from schema.measure.queries import MeasureQueries
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
            merchant = await Merchant.get_or_none(id=pk) if pk == merchant_id else None
            return MerchantNode.of(merchant) if merchant else None
        case "Store":
            store = await loaders.store.load(pk)
            return StoreNode.of(store) if store else None
        case "SyncCheckpoint":
            checkpoint = await SyncCheckpoint.get_or_none(id=pk, store__merchant_id=merchant_id)
            return SyncCheckpointNode.of(checkpoint) if checkpoint else None
        case "Profile":
            profile = await loaders.profile.load(pk)
            return ProfileNode.of(profile) if profile else None
        case "Customer":
            customer = await loaders.customer.load(pk)
            return CustomerNode.of(customer) if customer else None
        case "Order":
            order = await scope.order(pk)
            return OrderNode.of(order) if order else None
        case "OrderLine":
            line = await scope.order_lines().filter(id=pk).select_related("order").first()
            return OrderLineNode.of(line, line.order.currency) if line else None
        case "Refund":
            refund = await scope.refunds().get_or_none(id=pk)
            return RefundNode.of(refund) if refund else None
        case "RefundLine":
            refund_line = (
                await RefundLine.filter(id=pk, refund__order__merchant_id=merchant_id).select_related("refund").first()
            )
            return RefundLineNode.of(refund_line, refund_line.refund.currency) if refund_line else None
        case "WebhookDelivery":
            delivery = await scope.webhook_events().get_or_none(id=pk)
            return WebhookDeliveryNode.of(delivery) if delivery else None
        case "FailedJob":
            job = await scope.failed_jobs().get_or_none(id=pk)
            return FailedJobNode.of(job) if job else None
        case "ApiKey":
            key = await ApiKey.get_or_none(id=pk, merchant_id=merchant_id)
            return ApiKeyNode.of(key) if key else None
        case "Campaign":
            campaign = await loaders.campaigns.campaign.load(pk)
            return CampaignNode.of(campaign) if campaign else None
        case "CampaignMessage":
            message = await CampaignMessage.get_or_none(id=pk, merchant_id=merchant_id)
            return MessageNode.of(message) if message else None
        case "Complaint":
            return await complaint_node(info, pk)
        case "Review":
            return await review_node(info, pk)
        case "Survey":
            return await survey_node(info, pk)
        case _ if kind in loyalty_nodes.KINDS:
            return await loyalty_nodes.loyalty_node(info, kind, pk)
    return None


@strawberry.type(name="Query")
class AdminQuery(
    StoreQueries,
    PeopleQueries,
    InsightsQueries,
    OrderQueries,
    OperationsQueries,
    AccessQueries,
    ProgramQueries,
    CampaignQueries,
    ComplaintQueries,
    FeedbackReportQueries,
    SurveyQueries,
    MeasureQueries,
    ProgramImpactQueries,
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
    BirthdayAdminMutations,
    CampaignMutations,
    AdminComplaintMutations,
    FeedbackSettingsMutations,
    MeasureSettingsMutations,
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
    CampaignNode,
    MessageNode,
    ComplaintNode,
    SurveyNode,
    ReviewNode,
]


def build_admin_schema(limits: Limits | None = None) -> ApiSchema:
    return ApiSchema(
        query=AdminQuery, mutation=AdminMutation, types=NODE_TYPES, extensions=extensions(limits or Limits())
    )


schema = build_admin_schema()

"""The admin API's DataLoaders, built per request for one merchant (never at module level)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from strawberry.dataloader import DataLoader

from insights.models import (
    ClvPrediction,
    IdentityDecision,
    MergeEvidence,
    ProfileFact,
    ProfileRevenue,
    ProfileSegment,
    ProfileStats,
)
from loyalty.models import Entry, Member, Redemption
from schema.campaigns.dataloaders import CampaignLoaders
from schema.core.batching import Row, Rows
from schema.feedback.dataloaders import FeedbackLoaders
from schema.insights import dataloaders as insights
from schema.insights.score_ranges import RfmScoreRanges
from schema.loyalty.admin import dataloaders as program
from schema.loyalty.dataloaders import LoyaltyLoaders
from schema.orders import dataloaders as orders
from schema.people import dataloaders as people
from schema.stores import dataloaders as stores
from store.models import Customer, Order, OrderLine, Profile, Refund, RefundLine, Store, SyncCheckpoint
from store.scope import MerchantScope


@dataclass
class AdminLoaders:
    scope: MerchantScope
    store: Row[Store]
    checkpoints_by_store: Rows[SyncCheckpoint]
    profile: Row[Profile]
    customer: Row[Customer]
    customers_by_profile: Rows[Customer]
    orders_by_customer: Rows[Order]
    lines_by_order: Rows[OrderLine]
    refunds_by_order: Rows[Refund]
    refund_lines_by_refund: Rows[RefundLine]
    facts_by_profile: Rows[ProfileFact]
    stats_by_profile: Row[ProfileStats]
    revenue_by_profile: Rows[ProfileRevenue]
    segment_by_profile: Row[ProfileSegment]
    predictions_by_profile: Rows[ClvPrediction]
    evidence_by_profile: Rows[MergeEvidence]
    decisions_by_customer: Rows[IdentityDecision]
    score_ranges_by_currency: DataLoader[str, RfmScoreRanges]
    loyalty: LoyaltyLoaders
    member: Row[Member]
    ledger_by_profile: Rows[Entry]
    codes_by_profile: Rows[Redemption]
    tier_metric_by_profile: Row[Decimal]
    campaigns: CampaignLoaders
    feedback: FeedbackLoaders

    @classmethod
    def for_merchant(cls, merchant_id: int) -> AdminLoaders:
        scope = MerchantScope(merchant_id)
        customer = people.customer_by_id(scope)
        loyalty = LoyaltyLoaders.for_merchant(merchant_id)
        return cls(
            scope=scope,
            store=stores.store_by_id(scope),
            checkpoints_by_store=stores.checkpoints_by_store(scope),
            profile=people.profile_by_id(scope),
            customer=customer,
            customers_by_profile=people.customers_by_profile(scope, by_id=customer),
            orders_by_customer=orders.orders_by_customer(scope),
            lines_by_order=orders.lines_by_order(scope),
            refunds_by_order=orders.refunds_by_order(scope),
            refund_lines_by_refund=orders.refund_lines_by_refund(scope),
            facts_by_profile=insights.facts_by_profile(scope),
            stats_by_profile=insights.stats_by_profile(scope),
            revenue_by_profile=insights.revenue_by_profile(scope),
            segment_by_profile=insights.segment_by_profile(scope),
            predictions_by_profile=insights.predictions_by_profile(scope),
            evidence_by_profile=insights.evidence_by_profile(scope),
            decisions_by_customer=insights.decisions_by_customer(scope),
            score_ranges_by_currency=insights.score_ranges_by_currency(scope),
            loyalty=loyalty,
            member=program.member_by_id(merchant_id),
            ledger_by_profile=program.ledger_by_profile(merchant_id),
            codes_by_profile=program.codes_by_profile(merchant_id),
            tier_metric_by_profile=program.tier_metric_by_profile(loyalty.program),
            campaigns=CampaignLoaders.for_merchant(merchant_id),
            feedback=FeedbackLoaders.for_merchant(merchant_id),
        )

    def forget(self) -> None:
        """Drop every cached row: a mutation that moved customers between profiles made them stale."""
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, DataLoader):
                value.clear_all()
        self.loyalty.forget()
        self.campaigns.forget()
        self.feedback.forget()

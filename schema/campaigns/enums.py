"""The campaigns' own enums as the admin API names them, registered once, before any type uses them."""

from __future__ import annotations

import strawberry

from campaigns.definitions import CodeKind
from campaigns.errors import CampaignErrorCode
from campaigns.models import CampaignKind, CampaignStatus, Group, MessageKind, MessageStatus
from campaigns.uplift import Finding

strawberry.enum(CampaignKind, name="CampaignKind", description="What a campaign is for; built-in kinds come ready")
strawberry.enum(CampaignStatus, name="CampaignStatus", description="Draft (never run), active (runs) or paused")
strawberry.enum(Group, name="CampaignGroup", description="Treated members get the actions; the holdout gets nothing")
strawberry.enum(
    MessageKind, name="MessageKind", description="Marketing needs consent; transactional mail reports the account"
)
strawberry.enum(MessageStatus, name="MessageStatus", description="Where an email is, from queued to sent or refused")
strawberry.enum(CodeKind, name="CampaignCodeKind", description="What a campaign's discount code takes off")
strawberry.enum(CampaignErrorCode, name="CampaignErrorCode", description="Why a campaign mutation did nothing")
strawberry.enum(Finding, name="CampaignFinding", description="What the holdout comparison says")

__all__ = [
    "CampaignErrorCode",
    "CampaignKind",
    "CampaignStatus",
    "CodeKind",
    "Finding",
    "Group",
    "MessageKind",
    "MessageStatus",
]

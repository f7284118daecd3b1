"""Loyalty objects behind global ids, for the admin ``node(id:)``: only the caller's merchant's."""

from __future__ import annotations

from loyalty import models as lm
from schema.core.context import AdminInfo
from schema.core.node import Node
from schema.loyalty.admin.endpoints import EventEndpointNode
from schema.loyalty.admin.members import AdminLedgerEntry, LoyaltyMemberNode
from schema.loyalty.admin.referrals import ReferralNode
from schema.loyalty.admin.rules import ProgramVersionNode, program_currency
from schema.loyalty.types import IssuedCode, Reward

KINDS = ("LoyaltyMember", "Reward", "LedgerEntry", "IssuedCode", "ProgramVersion", "Referral", "EventEndpoint")


async def loyalty_node(info: AdminInfo, kind: str, pk: int) -> Node | None:
    merchant_id = info.context.viewer.merchant_id
    loyalty = info.context.loaders.loyalty
    match kind:
        case "LoyaltyMember":
            member = await info.context.loaders.member.load(pk)
            return LoyaltyMemberNode.of(member) if member else None
        case "Reward":
            reward = await loyalty.reward.load(pk)
            return Reward.of(reward, await program_currency(info)) if reward else None
        case "LedgerEntry":
            entry = await lm.Entry.get_or_none(id=pk, merchant_id=merchant_id)
            return AdminLedgerEntry.of(entry) if entry else None
        case "IssuedCode":
            redemption = await loyalty.redemption.load(pk)
            return IssuedCode.of(redemption) if redemption else None
        case "ProgramVersion":
            version = await lm.ProgramVersion.get_or_none(id=pk, merchant_id=merchant_id)
            return ProgramVersionNode.of(version) if version else None
        case "Referral":
            referral = await lm.Referral.get_or_none(id=pk, merchant_id=merchant_id)
            return ReferralNode.of(referral) if referral else None
        case "EventEndpoint":
            endpoint = await lm.Endpoint.get_or_none(id=pk, merchant_id=merchant_id)
            return EventEndpointNode.of(endpoint) if endpoint else None
    return None

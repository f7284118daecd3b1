"""Loyalty rows of the admin API, batched per request and scoped to the merchant.

A member's ledger and codes are loaded whole for every member asked for in one statement and
paged in memory, as a profile's orders are, so a page of members with their ledgers costs the
statements of one member.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal

from loyalty.models import Entry, Member, Redemption
from loyalty.program import Program
from loyalty.tiers import tier_metrics
from schema.core.batching import Row, Rows, by_key, grouped, loader

__all__ = ["codes_by_profile", "ledger_by_profile", "member_by_id", "tier_metric_by_profile"]


def member_by_id(merchant_id: int) -> Row[Member]:
    async def fetch(keys: list[int]) -> list[Member | None]:
        return by_key(await Member.filter(merchant_id=merchant_id, id__in=keys), keys)

    return loader(fetch)


def ledger_by_profile(merchant_id: int) -> Rows[Entry]:
    async def fetch(keys: list[int]) -> list[list[Entry]]:
        return grouped(await Entry.filter(merchant_id=merchant_id, profile_id__in=keys), keys, "profile_id")

    return loader(fetch)


def codes_by_profile(merchant_id: int) -> Rows[Redemption]:
    async def fetch(keys: list[int]) -> list[list[Redemption]]:
        return grouped(await Redemption.filter(merchant_id=merchant_id, profile_id__in=keys), keys, "profile_id")

    return loader(fetch)


def tier_metric_by_profile(program: Callable[[], Awaitable[Program]]) -> Row[Decimal]:
    """Each member's tier metric over the window of the rules in force now (loyalty's own sum)."""

    async def fetch(keys: list[int]) -> list[Decimal | None]:
        now = datetime.now(UTC)
        rules = (await program()).rules_now(now)
        if rules is None:
            return [None for _ in keys]
        metrics = await tier_metrics(keys, rules, now)
        return [metrics[key] for key in keys]

    return loader(fetch)

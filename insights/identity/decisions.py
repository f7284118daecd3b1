"""An admin's corrections to identity resolution, and the evidence behind a profile.

A split moves customers to a profile of their own and stores "do not merge" between them
and everyone left behind; resolution treats those pairs as cannot-link, so the split
survives every later run, whatever keys the customers share.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from insights.errors import SplitRefused
from insights.identity.resolve import resolve
from insights.models import IdentityDecision, MergeEvidence
from store.models import Customer, Profile
from store.people import resolve_profile


async def split_customers(customer_ids: Iterable[int], *, actor: str) -> int:
    """Give ``customer_ids`` (all of one profile) a new profile of their own; returns its id."""
    moved = set(customer_ids)
    rows = await Customer.filter(id__in=moved, deleted_at=None).values("id", "merchant_id", "profile_id")
    if {r["id"] for r in rows} != moved or not moved:
        raise SplitRefused("every customer to split off must exist")
    profiles = {r["profile_id"] for r in rows}
    if len(profiles) != 1 or None in profiles:
        raise SplitRefused("the customers to split off must all belong to one profile")
    merchant_id, profile_id = rows[0]["merchant_id"], profiles.pop()
    staying = set(
        await Customer.filter(profile_id=profile_id, deleted_at=None).exclude(id__in=moved).values_list("id", flat=True)
    )
    if not staying:
        raise SplitRefused("a split must leave at least one customer in the profile")
    async with in_transaction():
        new_profile = await Profile.create(merchant_id=merchant_id)
        stamp = datetime.now(UTC)  # both profiles changed: an incremental refresh recomputes them
        await Customer.filter(id__in=moved).update(profile_id=new_profile.id, updated_at=stamp)
        await Profile.filter(id=profile_id).update(updated_at=stamp)
        existing = set(
            await IdentityDecision.filter(customer_a_id__in=moved | staying).values_list(
                "customer_a_id", "customer_b_id"
            )
        )
        now = datetime.now(UTC)
        pairs = {(min(a, b), max(a, b)) for a in moved for b in staying} - existing
        await IdentityDecision.bulk_create(
            [
                IdentityDecision(merchant_id=merchant_id, customer_a_id=a, customer_b_id=b, actor=actor, created_at=now)
                for a, b in sorted(pairs)
            ]
        )
    await resolve(merchant_id, moved | staying)
    return new_profile.id


async def allow_merge(customer_a: int, customer_b: int) -> None:
    """Withdraw a "do not merge" ruling; the next resolution may join the two again."""
    a, b = min(customer_a, customer_b), max(customer_a, customer_b)
    await IdentityDecision.filter(customer_a_id=a, customer_b_id=b).delete()


async def explain_profile(profile_id: int) -> dict[str, Any]:
    """Which customers a profile holds, which keys linked them, and the rulings that keep others out."""
    profile_id = await resolve_profile(profile_id)
    members = await Customer.filter(profile_id=profile_id, deleted_at=None).order_by("id").values_list("id", flat=True)
    evidence = (
        await MergeEvidence.filter(profile_id=profile_id)
        .order_by("id")
        .values("customer_a_id", "customer_b_id", "keys", "score")
    )
    decisions = (
        await IdentityDecision.filter(Q(customer_a_id__in=members) | Q(customer_b_id__in=members))
        .order_by("id")
        .values("customer_a_id", "customer_b_id", "decision", "actor", "created_at")
    )
    return {
        "profile_id": profile_id,
        "customers": list(members),
        "links": [
            {"customers": [e["customer_a_id"], e["customer_b_id"]], "keys": e["keys"], "score": e["score"]}
            for e in evidence
        ],
        "decisions": [
            {
                "customers": [d["customer_a_id"], d["customer_b_id"]],
                "decision": d["decision"],
                "actor": d["actor"],
                "at": d["created_at"].isoformat(),
            }
            for d in decisions
        ],
    }

"""Engagement actions the platform vouches for: a live customer-created event pays ``signup``, a
registered account's marketing consent pays ``newsletter`` (``loyalty.actions``), once per member."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from app.jobs.registry import JobContext, job
from loyalty.actions import pay_account_actions
from store.job_owners import Owner
from store.models import Customer
from store.records import CustomerRecord


def worth_announcing(records: Sequence[CustomerRecord], created: bool) -> list[str]:
    """The platform ids of a page's registered accounts that may earn something: all of them on a
    live created event, those with marketing consent otherwise (most pages then announce nothing)."""
    return [r.platform_id for r in records if not r.is_guest and (created or r.accepts_marketing)]


@job(max_tries=5, timeout=300, owner=Owner.STORE)
async def accounts_changed(ctx: JobContext, store_id: int, platform_ids: list[str], created: bool) -> dict[str, int]:
    """Pay the verified account actions of these accounts of one store."""
    ids = await Customer.filter(store_id=store_id, platform_id__in=platform_ids).values_list("id", flat=True)
    paid = await pay_account_actions(cast("list[int]", ids), created=created)
    return {"signup": paid.signup, "newsletter": paid.newsletter}

"""Which member holds a balance now: loyalty follows its own merges (``Member.merged_into``),
never insights' profile merges, which may rest on unverified keys."""

from __future__ import annotations

from collections.abc import Iterable

from loyalty.models import Member
from store.sql import dialect_of, select


async def holders(profile_ids: Iterable[int]) -> dict[int, int]:
    """The member key each owner key stands for now, following loyalty's own merges only."""
    resolved = {pid: pid for pid in set(profile_ids)}
    current = {pid: pid for pid in resolved}
    for _ in range(64):  # a merge chain is a handful of links at most
        if not current:
            return resolved
        conn = Member._meta.db
        dialect = dialect_of(conn)
        found = await select(  # an id list as one parameter: every batch of orders asks for a thousand
            conn,
            Member,
            ("profile_id", "merged_into_id"),
            f'{dialect.in_ids("profile_id", 1)} AND "merged_into_id" IS NOT NULL',
            [dialect.ids(set(current.values()))],
        )
        rows: dict[int, int] = {int(row[0]): int(row[1]) for row in found}
        current = {start: rows[at] for start, at in current.items() if at in rows}
        resolved |= current
    raise ValueError("loyalty members are merged in a cycle")


async def holder_of(profile_id: int) -> int:
    return (await holders([profile_id]))[profile_id]


async def merged_holders(merchant_id: int) -> dict[int, int]:
    """Every merged member key of a merchant and the member holding its balance now (one query),
    for reads that map a whole merchant's accounts at once."""
    merged = dict(
        await Member.filter(merchant_id=merchant_id, merged_into_id__not_isnull=True).values_list(
            "profile_id", "merged_into_id"
        )
    )
    resolved: dict[int, int] = {}
    for start in merged:
        at, hops = start, 0
        while at in merged:
            at, hops = merged[at], hops + 1
            if hops > 64:
                raise ValueError("loyalty members are merged in a cycle")
        resolved[start] = at
    return resolved

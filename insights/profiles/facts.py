"""Basic facts of a person with provenance: each value says which store had it and since when.

One row per distinct value per store. Within a kind the newest observation is current;
the older and conflicting ones stay, so a profile view can show where a value came from
and what else the stores have on file.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from insights.identity.keys import (
    normalize_address,
    normalize_email,
    normalize_phone,
    normalize_text,
)
from insights.models import ProfileFact, ProfileFactKind
from insights.settings import InsightsConfig
from store.models import Customer, Order, Store
from store.sql import Write, delete_in
from store.sql.purchases import shipping_addresses
from store.sql.writes import CHUNK

FACT_KINDS = tuple(ProfileFactKind)

Observation = tuple[int, str, str, dict[str, Any], int, datetime]
"""(profile id, kind, comparison key, value, store id, observed at)"""


def customer_observations(row: dict[str, Any], config: InsightsConfig) -> Iterator[Observation]:
    """What one store-level customer record says about its person."""
    profile, store, seen = row["profile_id"], row["store_id"], row["platform_updated_at"]
    first, last = row["first_name"] or "", row["last_name"] or ""
    if first or last:
        yield (
            profile,
            "name",
            f"{normalize_text(first)}|{normalize_text(last)}",
            {"first_name": first, "last_name": last},
            store,
            seen,
        )
    if email := normalize_email(row["email"]):
        yield profile, "email", email, {"email": email}, store, seen
    if row["phone"] and row["phone"].strip():
        phone = normalize_phone(row["phone"], config.default_phone_region) or row["phone"].strip()
        yield profile, "phone", phone, {"phone": phone}, store, seen
    if (address := normalize_address(row["address"])) is not None:
        yield profile, "address", repr(sorted(address.items())), dict(row["address"]), store, seen
    if isinstance(row["birthday"], date):
        yield profile, "birthday", row["birthday"].isoformat(), {"birthday": row["birthday"].isoformat()}, store, seen
    if row["locale"]:
        yield profile, "locale", row["locale"], {"locale": row["locale"]}, store, seen
    consent = bool(row["accepts_marketing"])
    yield profile, "marketing_consent", str(consent), {"accepts_marketing": consent}, store, seen


_CUSTOMER_COLUMNS = (
    "profile_id",
    "store_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "address",
    "birthday",
    "locale",
    "accepts_marketing",
    "platform_updated_at",
)


async def _customers(merchant_id: int, profiles: Sequence[int] | None) -> list[dict[str, Any]]:
    live = Customer.filter(merchant_id=merchant_id, deleted_at=None, profile_id__not_isnull=True)
    if profiles is None:
        return await live.values(*_CUSTOMER_COLUMNS)
    rows: list[dict[str, Any]] = []
    for start in range(0, len(profiles), CHUNK):
        rows += await live.filter(profile_id__in=profiles[start : start + CHUNK]).values(*_CUSTOMER_COLUMNS)
    return rows


async def _observations(
    merchant_id: int, config: InsightsConfig, profiles: Sequence[int] | None = None
) -> tuple[list[Observation], set[int]]:
    """The newest observation per (person, kind, value, store) in row order, and the ids of the
    current ones; of everyone, or of ``profiles``."""
    customers = await _customers(merchant_id, profiles)
    newest: dict[tuple[int, str, str, int], Observation] = {}

    def keep(obs: Observation) -> None:
        key = (obs[0], obs[1], obs[2], obs[4])
        if key not in newest or obs[5] > newest[key][5]:
            newest[key] = obs

    for row in customers:
        for obs in customer_observations(row, config):
            keep(obs)
    del customers
    # One row per distinct address, person and store (the database groups the orders).
    for profile_id, store_id, address, seen in await shipping_addresses(Order._meta.db, merchant_id, profiles):
        if (normal := normalize_address(address)) is not None:
            keep((profile_id, "address", repr(sorted(normal.items())), address, store_id, seen))

    current: dict[tuple[int, str], Observation] = {}
    for obs in newest.values():
        key = (obs[0], obs[1])
        if key not in current or (obs[5], obs[4]) > (current[key][5], current[key][4]):
            current[key] = obs
    winners = {id(obs) for obs in current.values()}
    ordered = sorted(newest.values(), key=lambda o: (o[0], o[1], o[5], o[4]))
    return ordered, winners


_FACTS = Write(
    ProfileFact,
    columns=("merchant_id", "profile_id", "kind", "value", "store_id", "platform", "observed_at", "current"),
    conflict=("id",),
)
"""Column arrays on PostgreSQL: encoding each chunk as one JSON document cost more than the facts."""


def _row(merchant_id: int, platforms: dict[int, str], obs: Observation, current: bool) -> dict[str, Any]:
    return {
        "merchant_id": merchant_id,
        "profile_id": obs[0],
        "kind": obs[1],
        "value": obs[3],
        "store_id": obs[4],
        "platform": platforms[obs[4]],
        "observed_at": obs[5].astimezone(UTC),
        "current": current,
    }


async def _platforms(merchant_id: int) -> dict[int, str]:
    return {s["id"]: str(s["platform"]) for s in await Store.filter(merchant_id=merchant_id).values("id", "platform")}


async def refresh_facts(
    conn: BaseDBAsyncClient, merchant_id: int, config: InsightsConfig, profiles: Collection[int] | None = None
) -> int:
    """Rows are made and written ``CHUNK`` at a time: a big merchant has millions of facts.
    ``profiles``: replace only these people's facts (an incremental refresh)."""
    platforms = await _platforms(merchant_id)
    chosen = None if profiles is None else sorted(profiles)
    ordered, winners = await _observations(merchant_id, config, chosen)
    if chosen is None:
        await ProfileFact.filter(merchant_id=merchant_id).using_db(conn).delete()
    else:
        await delete_in(conn, ProfileFact, "profile_id", chosen)
    for start in range(0, len(ordered), CHUNK):
        rows = [_row(merchant_id, platforms, obs, id(obs) in winners) for obs in ordered[start : start + CHUNK]]
        await _FACTS.run(conn, [tuple(row.values()) for row in rows])
    return len(ordered)
